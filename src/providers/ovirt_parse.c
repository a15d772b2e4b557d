/*
 * ovirt_parse: oVirt API documents -> vm_record (upstream OvirtProvider's
 * vm_dict rules: NIC network through its vNIC profile, disk storage through
 * its storage domain, memory in MiB from bytes, power from the status).
 *
 * Only direct children are read: a <snapshot> embeds a whole <vm> of its own,
 * whose <cpu> and <memory> must not be mistaken for the VM's.
 */
#include <stdlib.h>
#include <string.h>

#include "providers/ovirt.h"
#include "providers/pxml.h"

static char *link_id(const xmlNode *node, const char *child)
{
    return px_attr(px_child(node, child), "id");
}

static void add_nic(vm_record *r, const xmlNode *n, ovirt_lookup_fn lookup, void *ud)
{
    vm_nic *nic = vm_record_add_nic(r);
    nic->name = px_get(n, "name");
    nic->device_key = px_attr(n, "id");
    char *mac = px_get(n, "mac/address");
    vr_set_mac(&nic->mac, mac);
    free(mac);
    nic->connected = px_get_bool(n, "linked", -1);
    nic->start_connected = px_get_bool(n, "plugged", -1);
    char *profile = link_id(n, "vnic_profile");
    xmlNode *pn = profile && lookup ? lookup(ud, "vnicprofiles", profile) : NULL;
    char *net = pn ? link_id(pn, "network") : NULL;
    xmlNode *nn = net && lookup ? lookup(ud, "networks", net) : NULL;
    nic->network_id = net;
    nic->network_name = nn ? px_get(nn, "name") : NULL;
    free(profile);
}

static void add_disk(vm_record *r, const xmlNode *att, ovirt_lookup_fn lookup, void *ud)
{
    vm_disk *d = vm_record_add_disk(r);
    char *id = link_id(att, "disk");
    d->device_key = id;
    xmlNode *disk = id && lookup ? lookup(ud, "disks", id) : NULL;
    if (!disk) {
        disk = px_child(att, "disk");   /* follow=disk puts it inline */
        if (!px_child(disk, "name"))
            disk = NULL;
    }
    if (!disk)
        return;
    d->name = px_get(disk, "alias");
    if (!d->name)
        d->name = px_get(disk, "name");
    long long bytes = px_get_ll(disk, "provisioned_size", VR_UNSET);
    d->size_kb = bytes == VR_UNSET ? VR_UNSET : bytes / 1024;
    d->storage_id = px_attr(px_child(px_child(disk, "storage_domains"), "storage_domain"), "id");
    xmlNode *sd = d->storage_id && lookup ? lookup(ud, "storagedomains", d->storage_id) : NULL;
    d->storage_name = sd ? px_get(sd, "name") : NULL;
    int sparse = px_get_bool(disk, "sparse", -1);
    if (sparse >= 0)
        vr_set(&d->provision_type, sparse ? "thin" : "thick");
}

static void add_snapshots(vm_record *r, const xmlNode *snaps, const char *vm_id)
{
    for (xmlNode *s = px_child(snaps, "snapshot"); s; s = px_next(s, "snapshot")) {
        vm_snapshot *v = vm_record_add_snapshot(r);
        v->id = px_attr(s, "id");
        v->description = px_get(s, "description");
        vr_set(&v->name, v->description);
        v->create_time = px_get(s, "date");
        v->status = px_get(s, "snapshot_status");
        v->type = px_get(s, "snapshot_type");
        if (vm_id && v->id) {
            strbuf ref = STRBUF_INIT;
            sb_addf(&ref, "%s/%s", vm_id, v->id);
            v->ref = sb_detach(&ref, NULL);
        }
    }
}

void ovirt_record_from(const xmlNode *vm, const xmlNode *nics, const xmlNode *attachments,
                       const xmlNode *snapshots, ovirt_lookup_fn lookup, void *ud,
                       vm_record *r)
{
    r->id = px_attr(vm, "id");
    r->name = px_get(vm, "name");
    vr_set(&r->provider_type, "ovirt");
    char *status = px_get(vm, "status");
    r->power = !status                    ? VM_POWER_UNKNOWN
               : strcmp(status, "up") == 0   ? VM_POWER_ON
               : strcmp(status, "down") == 0 ? VM_POWER_OFF
                                             : VM_POWER_OTHER;
    free(status);
    r->cpu_cores = px_get_ll(vm, "cpu/topology/cores", VR_UNSET);
    r->cpu_sockets = px_get_ll(vm, "cpu/topology/sockets", VR_UNSET);
    r->cpu_threads = px_get_ll(vm, "cpu/topology/threads", VR_UNSET);
    long long mem = px_get_ll(vm, "memory", VR_UNSET);
    r->memory_mb = mem == VR_UNSET ? VR_UNSET : mem / (1024 * 1024);
    r->guest_os = px_get(vm, "os/type");
    r->win_os = r->guest_os ? strcasestr(r->guest_os, "windows") != NULL : -1;
    char *bios = px_get(vm, "bios/type");
    if (bios) {
        int efi = strstr(bios, "ovmf") || strstr(bios, "secure_boot");
        vr_set(&r->boot_firmware, efi ? "efi" : "bios");
        r->secure_boot = strstr(bios, "secure_boot") != NULL;
    }
    free(bios);
    r->tpm_present = px_get_bool(vm, "tpm_enabled", -1);
    r->host = link_id(vm, "host");
    r->serial = px_get(vm, "serial_number/value");
    r->is_template = 0;
    if (r->power == VM_POWER_OFF)
        r->guest_agent_running = 0;
    else if (r->power == VM_POWER_ON)
        r->guest_agent_running = px_child(vm, "guest_operating_system") || px_child(vm, "fqdn");
    for (xmlNode *n = px_child(nics, "nic"); n; n = px_next(n, "nic"))
        add_nic(r, n, lookup, ud);
    for (xmlNode *a = px_child(attachments, "disk_attachment"); a; a = px_next(a, "disk_attachment"))
        add_disk(r, a, lookup, ud);
    add_snapshots(r, snapshots, r->id);
}
