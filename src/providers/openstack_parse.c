/*
 * openstack_parse: Nova/Neutron/Cinder/Glance JSON -> vm_record, the service
 * catalog, and error bodies.
 *
 * Rules (upstream OpenStackProvider.vm_dict, with what the APIs add): NICs are
 * the server's Neutron ports, named after their network, with fixed IPs whose
 * prefix and gateway come from the subnet; disks are the attached volumes in
 * attachment order (plus the image-backed root disk, on "glance" storage, as
 * MTV migrates it too); CPU topology comes from the boot volume's image
 * metadata or the image's properties (hw_cpu_sockets/cores/threads), else
 * one core per socket; memory is the flavor's RAM; ACTIVE is on, SHUTOFF off.
 */
#include <stdlib.h>
#include <string.h>

#include "providers/openstack.h"

static const char *str(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static long long num(const cJSON *o, const char *key, long long dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsNumber(v))
        return (long long)v->valuedouble;
    if (cJSON_IsString(v) && v->valuestring[0]) {
        char *end;
        long long n = strtoll(v->valuestring, &end, 10);
        if (!*end)
            return n;
    }
    return dflt;
}

static const cJSON *lookup(const openstack_parts *in, const char *kind, const char *id)
{
    return in->lookup && id ? in->lookup(in->ud, kind, id) : NULL;
}

/* image metadata: the boot volume's volume_image_metadata, else the image's
 * own properties (Glance v2 puts them at the top level) */
static const cJSON *image_meta(const openstack_parts *in, const cJSON *boot_volume)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(boot_volume, "volume_image_metadata");
    if (cJSON_IsObject(m))
        return m;
    const cJSON *img = cJSON_GetObjectItemCaseSensitive(in->server, "image");
    return cJSON_IsObject(img) ? lookup(in, "images", str(img, "id")) : NULL;
}

static int prefix_of(const char *cidr)
{
    const char *slash = cidr ? strchr(cidr, '/') : NULL;
    return slash ? atoi(slash + 1) : -1;
}

static void add_port(vm_record *r, const openstack_parts *in, const cJSON *port)
{
    vm_nic *nic = vm_record_add_nic(r);
    const char *net_id = str(port, "network_id");
    const cJSON *net = lookup(in, "networks", net_id);
    vr_set(&nic->network_id, net_id);
    vr_set(&nic->network_name, str(net, "name"));
    vr_set(&nic->name, nic->network_name ? nic->network_name : str(port, "name"));
    vr_set_mac(&nic->mac, str(port, "mac_address"));
    vr_set(&nic->device_key, str(port, "id"));
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(port, "admin_state_up");
    nic->connected = cJSON_IsBool(up) ? cJSON_IsTrue(up) : -1;
    const cJSON *fip;
    cJSON_ArrayForEach(fip, cJSON_GetObjectItemCaseSensitive(port, "fixed_ips")) {
        const char *ip = str(fip, "ip_address");
        if (!ip || strchr(ip, ':'))
            continue;   /* IPv4 only, as upstream */
        vm_ip *v = vm_nic_add_ip(nic);
        vr_set(&v->ip, ip);
        const cJSON *subnet = lookup(in, "subnets", str(fip, "subnet_id"));
        int prefix = prefix_of(str(subnet, "cidr"));
        v->prefix = prefix >= 0 ? prefix : VR_UNSET;
        vr_set(&v->gateway, str(subnet, "gateway_ip"));
    }
}

/* Without ports: Nova's addresses {"net": [{"addr", "OS-EXT-IPS-MAC:mac_addr"}]}. */
static void add_addresses(vm_record *r, const cJSON *addresses)
{
    const cJSON *net;
    cJSON_ArrayForEach(net, addresses) {
        const cJSON *a;
        cJSON_ArrayForEach(a, net) {
            const char *mac = str(a, "OS-EXT-IPS-MAC:mac_addr");
            vm_nic *nic = NULL;
            for (size_t i = 0; i < r->nnics && !nic; i++)
                if (mac && r->nics[i].mac && strcasecmp(r->nics[i].mac, mac) == 0)
                    nic = &r->nics[i];
            if (!nic) {
                nic = vm_record_add_nic(r);
                vr_set(&nic->name, net->string);
                vr_set(&nic->network_name, net->string);
                vr_set_mac(&nic->mac, mac);
            }
            const char *ip = str(a, "addr");
            if (ip && !strchr(ip, ':') && num(a, "version", 4) == 4) {
                vm_ip *v = vm_nic_add_ip(nic);
                vr_set(&v->ip, ip);
            }
        }
    }
}

static void add_volume(vm_record *r, const openstack_parts *in, const char *vol_id,
                       const char *device, long long unit)
{
    vm_disk *d = vm_record_add_disk(r);
    const cJSON *v = lookup(in, "volumes", vol_id);
    vr_set(&d->device_key, vol_id);
    vr_set(&d->name, str(v, "name") && *str(v, "name") ? str(v, "name") : vol_id);
    long long gb = num(v, "size", VR_UNSET);
    d->size_kb = gb == VR_UNSET ? VR_UNSET : gb * 1024 * 1024;
    vr_set(&d->storage_name, str(v, "volume_type"));
    vr_set(&d->storage_id, str(v, "availability_zone"));
    vr_set(&d->file, device);
    d->unit_number = unit;
    const cJSON *snaps = lookup(in, "volume_snapshots", vol_id);
    const cJSON *s;
    cJSON_ArrayForEach(s, snaps) {
        vm_snapshot *vs = vm_record_add_snapshot(r);
        vr_set(&vs->id, str(s, "id"));
        vr_set(&vs->name, str(s, "name"));
        vr_set(&vs->description, str(s, "description"));
        vr_set(&vs->create_time, str(s, "created_at"));
        vr_set(&vs->status, str(s, "status"));
        vr_set(&vs->ref, str(s, "id"));
    }
}

void openstack_record_from(const openstack_parts *in, vm_record *r)
{
    const cJSON *sv = in->server;
    vr_set(&r->id, str(sv, "id"));
    vr_set(&r->name, str(sv, "name"));
    vr_set(&r->provider_type, "openstack");
    const char *status = str(sv, "status");
    r->power = !status                        ? VM_POWER_UNKNOWN
               : strcmp(status, "ACTIVE") == 0  ? VM_POWER_ON
               : strcmp(status, "SHUTOFF") == 0 ? VM_POWER_OFF
                                                : VM_POWER_OTHER;
    vr_set(&r->host, str(sv, "OS-EXT-SRV-ATTR:host"));
    const cJSON *flavor = in->flavor ? in->flavor : cJSON_GetObjectItemCaseSensitive(sv, "flavor");
    r->memory_mb = num(flavor, "ram", VR_UNSET);

    /* volumes, in attachment order; the first holds the image metadata */
    const cJSON *boot = NULL;
    long long unit = 0;
    if (in->attachments) {
        const cJSON *a;
        cJSON_ArrayForEach(a, in->attachments) {
            const char *vid = str(a, "volumeId");
            if (!boot)
                boot = lookup(in, "volumes", vid);
            add_volume(r, in, vid, str(a, "device"), unit++);
        }
    } else {
        const cJSON *a;
        cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(sv, "os-extended-volumes:volumes_attached")) {
            const char *vid = str(a, "id");
            if (!boot)
                boot = lookup(in, "volumes", vid);
            add_volume(r, in, vid, NULL, unit++);
        }
    }
    const cJSON *img = cJSON_GetObjectItemCaseSensitive(sv, "image");
    if (cJSON_IsObject(img) && str(img, "id")) {   /* image-backed root disk */
        vm_disk *d = vm_record_add_disk(r);
        strbuf name = STRBUF_INIT;
        sb_addf(&name, "root disk (image %s)", str(img, "id"));
        d->name = sb_detach(&name, NULL);
        long long gb = num(flavor, "disk", VR_UNSET);
        d->size_kb = gb == VR_UNSET ? VR_UNSET : gb * 1024 * 1024;
        vr_set(&d->storage_name, "glance");
        vr_set(&d->device_key, str(img, "id"));
        vr_set(&d->file, str(sv, "OS-EXT-SRV-ATTR:root_device_name"));
    }

    const cJSON *meta = image_meta(in, boot);
    long long vcpus = num(flavor, "vcpus", VR_UNSET);
    long long sockets = num(meta, "hw_cpu_sockets", VR_UNSET);
    long long cores = num(meta, "hw_cpu_cores", VR_UNSET);
    long long threads = num(meta, "hw_cpu_threads", VR_UNSET);
    if (cores == VR_UNSET)
        cores = sockets != VR_UNSET && vcpus != VR_UNSET && sockets > 0
                    ? vcpus / sockets / (threads > 0 && threads != VR_UNSET ? threads : 1)
                    : 1;
    if (sockets == VR_UNSET && vcpus != VR_UNSET)
        sockets = vcpus / (cores > 0 ? cores : 1) / (threads > 0 && threads != VR_UNSET ? threads : 1);
    r->cpu_cores = vcpus == VR_UNSET && cores == 1 ? VR_UNSET : cores;
    r->cpu_sockets = sockets;
    r->cpu_threads = threads;
    const char *fw = str(meta, "hw_firmware_type");
    vr_set(&r->boot_firmware, fw && strcmp(fw, "uefi") == 0 ? "efi" : meta ? "bios" : NULL);
    const char *sb = str(meta, "os_secure_boot");
    r->secure_boot = sb ? strcmp(sb, "required") == 0 : meta ? 0 : -1;
    r->tpm_present = str(meta, "hw_tpm_version") ? 1 : meta ? 0 : -1;
    const char *os_type = str(meta, "os_type");
    const char *distro = str(meta, "os_distro");
    vr_set(&r->guest_os, distro ? distro : os_type);
    r->win_os = (os_type && strcasecmp(os_type, "windows") == 0) ||
                        (distro && strcasestr(distro, "windows"))
                    ? 1
                    : meta ? 0 : -1;

    if (in->ports) {
        const cJSON *port;
        cJSON_ArrayForEach(port, in->ports)
            add_port(r, in, port);
    } else {
        add_addresses(r, cJSON_GetObjectItemCaseSensitive(sv, "addresses"));
    }
}

int openstack_catalog_url(const cJSON *token_body, const char *const *types,
                          const char *interface, const char *region, strbuf *url)
{
    const cJSON *catalog = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(token_body, "token"), "catalog");
    for (size_t t = 0; types[t]; t++) {
        const cJSON *svc;
        cJSON_ArrayForEach(svc, catalog) {
            if (!str(svc, "type") || strcmp(str(svc, "type"), types[t]) != 0)
                continue;
            const cJSON *ep;
            cJSON_ArrayForEach(ep, cJSON_GetObjectItemCaseSensitive(svc, "endpoints")) {
                const char *i = str(ep, "interface");
                const char *rg = str(ep, "region") ? str(ep, "region") : str(ep, "region_id");
                if (interface && (!i || strcmp(i, interface) != 0))
                    continue;
                if (region && (!rg || strcmp(rg, region) != 0))
                    continue;
                const char *u = str(ep, "url");
                if (!u)
                    continue;
                size_t n = strlen(u);
                while (n && u[n - 1] == '/')
                    n--;
                sb_add(url, u, n);
                return 0;
            }
        }
    }
    return -1;
}

int openstack_error_text(const char *body, size_t n, strbuf *out)
{
    cJSON *j = cJSON_ParseWithLength(body ? body : "", n);
    int rc = -1;
    const cJSON *inner = NULL;
    if (cJSON_IsObject(j) && j->child && cJSON_IsObject(j->child))
        inner = j->child;   /* {"itemNotFound": {...}}, {"error": {...}}, {"NeutronError": ...} */
    const char *msg = inner ? str(inner, "message") : NULL;
    if (!msg && inner)
        msg = str(inner, "detail");
    if (!msg && cJSON_IsObject(j))
        msg = str(j, "message");
    if (msg) {
        const char *kind = inner ? inner->string : NULL;
        if (kind && strcmp(kind, "error") != 0)
            sb_addf(out, "%s: ", kind);
        sb_adds(out, msg);
        rc = 0;
    }
    cJSON_Delete(j);
    return rc;
}
