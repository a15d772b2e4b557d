/*
 * lab_inv_ovirt: oVirt inventory resources (forklift.md 9.6, 9.7): VMs
 * with nics (profile ids) and diskAttachments (disk ids), and the
 * separate nicprofiles, networks, disks, diskprofiles and storagedomains
 * a client follows to resolve a VM's networks and storage. The ids are
 * the same ones the simulated oVirt REST API (lab_ovirt.c) reports.
 */
#include "lab/lab_inv_int.h"

#include <stdio.h>
#include <string.h>

#include "util/strbuf.h"

static const char *TYPE = "ovirt";

void inv_ovirt_profile_id(const lab_source *s, const char *network, char out[37])
{
    (void)s;
    strbuf k = STRBUF_INIT;
    sb_addf(&k, "ovirt/vnicprofile/%s", network);
    lab_stable_uuid(k.buf, out);
    sb_release(&k);
}

void inv_ovirt_cluster_id(char out[37])
{
    lab_stable_uuid("ovirt/cluster/Default", out);
}

void inv_ovirt_datacenter_id(char out[37])
{
    lab_stable_uuid("ovirt/datacenter/Default", out);
}

void inv_ovirt_host_id(char out[37])
{
    lab_stable_uuid("ovirt/host/host1", out);
}

static void diskprofile_id(const char *sd_id, char out[37])
{
    strbuf k = STRBUF_INIT;
    sb_addf(&k, "ovirt/diskprofile/%s", sd_id);
    lab_stable_uuid(k.buf, out);
    sb_release(&k);
}

static void base(cJSON *o, const char *id, const char *name, const char *path, const char *uid,
                 const char *col)
{
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddNumberToObject(o, "revision", 1);
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddStringToObject(o, "description", "");
    inv_self_link(o, TYPE, uid, col, id);
}

cJSON *inv_ovirt_vm(const lab_source *s, const lab_vm *vm, const char *uid)
{
    cJSON *o = cJSON_CreateObject();
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "/Default/%s", vm->name);
    base(o, vm->id, vm->name, path.buf, uid, "vms");
    sb_release(&path);
    char cluster[37], host[37], prof[37];
    inv_ovirt_cluster_id(cluster);
    inv_ovirt_host_id(host);
    cJSON_AddStringToObject(o, "cluster", cluster);
    cJSON_AddStringToObject(o, "status", vm->power_on ? "up" : "down");
    cJSON_AddStringToObject(o, "host", vm->power_on ? host : "");
    cJSON_AddNumberToObject(o, "revisionValidated", 1);
    cJSON *nics = cJSON_AddArrayToObject(o, "nics");
    for (size_t i = 0; i < vm->nnics; i++) {
        const lab_nic *n = &vm->nics[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "id", n->id);
        char name[32];
        snprintf(name, sizeof name, "nic%zu", i + 1);
        cJSON_AddStringToObject(e, "name", name);
        cJSON_AddStringToObject(e, "interface", "virtio");
        cJSON_AddBoolToObject(e, "plugged", n->connected);
        cJSON *ips = cJSON_AddArrayToObject(e, "ipAddress");
        if (vm->power_on && vm->tools && *n->ip) {
            cJSON *a = cJSON_CreateObject();
            cJSON_AddStringToObject(a, "address", n->ip);
            cJSON_AddStringToObject(a, "version", strchr(n->ip, ':') ? "v6" : "v4");
            cJSON_AddItemToArray(ips, a);
        }
        inv_ovirt_profile_id(s, n->network, prof);
        cJSON_AddStringToObject(e, "profile", prof);
        cJSON_AddStringToObject(e, "mac", n->mac);
        cJSON_AddItemToArray(nics, e);
    }
    cJSON *das = cJSON_AddArrayToObject(o, "diskAttachments");
    for (size_t i = 0; i < vm->ndisks; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "id", vm->disks[i].id);
        cJSON_AddStringToObject(e, "interface", "virtio_scsi");
        cJSON_AddBoolToObject(e, "scsiReservation", 0);
        cJSON_AddStringToObject(e, "disk", vm->disks[i].id);
        cJSON_AddBoolToObject(e, "bootable", i == 0);
        cJSON_AddItemToArray(das, e);
    }
    cJSON_AddArrayToObject(o, "concerns");
    cJSON_AddNumberToObject(o, "policyVersion", 5);
    cJSON_AddStringToObject(o, "guestName", vm->is_windows ? "Windows Server 2019" : "Red Hat "
                                                                                     "Enterprise Linux 8");
    cJSON_AddNumberToObject(o, "cpuSockets", vm->cpus / vm->cores_per_socket);
    cJSON_AddNumberToObject(o, "cpuCores", vm->cores_per_socket);
    cJSON_AddNumberToObject(o, "cpuThreads", 1);
    cJSON_AddNumberToObject(o, "cpuShares", 0);
    cJSON_AddArrayToObject(o, "cpuAffinity");
    cJSON_AddStringToObject(o, "cpuPinningPolicy", "none");
    cJSON_AddNumberToObject(o, "memory", (double)vm->memory_mb * 1024 * 1024);
    cJSON_AddBoolToObject(o, "balloonedMemory", 0);
    cJSON_AddNumberToObject(o, "ioThreads", 0);
    cJSON_AddStringToObject(o, "bios", !strcmp(vm->firmware, "efi")
                                           ? (vm->secure_boot ? "q35_secure_boot" : "q35_ovmf")
                                           : "q35_sea_bios");
    cJSON_AddStringToObject(o, "display", "vnc");
    cJSON_AddBoolToObject(o, "hasIllegalImages", 0);
    cJSON_AddArrayToObject(o, "numaNodeAffinity");
    cJSON_AddStringToObject(o, "leaseStorageDomain", "");
    cJSON_AddStringToObject(o, "storageErrorResumeBehaviour", "auto_resume");
    cJSON_AddBoolToObject(o, "haEnabled", 0);
    cJSON_AddBoolToObject(o, "usbEnabled", 0);
    cJSON_AddBoolToObject(o, "bootMenuEnabled", 0);
    cJSON_AddStringToObject(o, "placementPolicyAffinity", "migratable");
    cJSON_AddStringToObject(o, "timezone", "");
    cJSON_AddStringToObject(o, "stateless", "");
    cJSON_AddStringToObject(o, "serialNumber", vm->uuid);
    cJSON_AddArrayToObject(o, "hostDevices");
    cJSON_AddArrayToObject(o, "cdroms");
    cJSON_AddArrayToObject(o, "watchDogs");
    cJSON_AddArrayToObject(o, "properties");
    cJSON_AddArrayToObject(o, "snapshots");
    cJSON *g = cJSON_AddObjectToObject(o, "guest");
    cJSON_AddStringToObject(g, "distribution", vm->is_windows ? "" : "Red Hat Enterprise Linux");
    cJSON_AddStringToObject(g, "fullVersion", vm->is_windows ? "" : "8.8");
    cJSON_AddStringToObject(o, "osType", vm->os_type);
    cJSON_AddStringToObject(o, "customCpuModel", "");
    return o;
}

cJSON *inv_ovirt_build(const lab_source *s, const char *uid)
{
    cJSON *cols = cJSON_CreateObject();
    cJSON *vms = cJSON_AddArrayToObject(cols, "vms");
    cJSON *wls = cJSON_AddArrayToObject(cols, "workloads");
    cJSON *disks = cJSON_AddArrayToObject(cols, "disks");
    char dc[37], cluster[37], host[37], id[37];
    inv_ovirt_datacenter_id(dc);
    inv_ovirt_cluster_id(cluster);
    inv_ovirt_host_id(host);
    for (size_t i = 0; i < s->nvms; i++) {
        const lab_vm *vm = &s->vms[i];
        cJSON_AddItemToArray(vms, inv_ovirt_vm(s, vm, uid));
        cJSON_AddItemToArray(wls, inv_ovirt_vm(s, vm, uid));
        for (size_t j = 0; j < vm->ndisks; j++) {
            const lab_disk *d = &vm->disks[j];
            cJSON *o = cJSON_CreateObject();
            strbuf name = STRBUF_INIT;
            sb_addf(&name, "%s_Disk%zu", vm->name, j + 1);
            base(o, d->id, name.buf, name.buf, uid, "disks");
            sb_release(&name);
            cJSON_AddBoolToObject(o, "shared", d->shared);
            cJSON_AddStringToObject(o, "storageDomain", d->storage_id);
            diskprofile_id(d->storage_id, id);
            cJSON_AddStringToObject(o, "profile", id);
            cJSON_AddNumberToObject(o, "provisionedSize", (double)d->capacity);
            cJSON_AddNumberToObject(o, "actualSize", (double)(d->thin ? d->capacity / 4
                                                                       : d->capacity));
            cJSON_AddStringToObject(o, "storageType", "image");
            cJSON_AddStringToObject(o, "status", "ok");
            cJSON_AddObjectToObject(o, "lunStorage");
            cJSON_AddItemToArray(disks, o);
        }
    }
    cJSON *nets = cJSON_AddArrayToObject(cols, "networks");
    cJSON *profs = cJSON_AddArrayToObject(cols, "nicprofiles");
    for (size_t i = 0; i < s->nnetworks; i++) {
        const lab_named *n = &s->networks[i];
        cJSON *o = cJSON_CreateObject();
        strbuf path = STRBUF_INIT;
        sb_addf(&path, "Default/%s", n->name);
        base(o, n->id, n->name, path.buf, uid, "networks");
        cJSON_AddStringToObject(o, "dataCenter", dc);
        cJSON_AddStringToObject(o, "vlan", "");
        cJSON *us = cJSON_AddArrayToObject(o, "usages");
        cJSON_AddItemToArray(us, cJSON_CreateString("vm"));
        inv_ovirt_profile_id(s, n->name, id);
        cJSON *np = cJSON_AddArrayToObject(o, "nicProfiles");
        cJSON_AddItemToArray(np, cJSON_CreateString(id));
        cJSON_AddItemToArray(nets, o);
        cJSON *p = cJSON_CreateObject();
        base(p, id, n->name, path.buf, uid, "nicprofiles");
        cJSON_AddStringToObject(p, "network", n->id);
        cJSON_AddStringToObject(p, "networkFilter", "");
        cJSON_AddBoolToObject(p, "portMirroring", 0);
        cJSON_AddStringToObject(p, "qos", "");
        cJSON_AddArrayToObject(p, "properties");
        cJSON_AddBoolToObject(p, "passThrough", 0);
        cJSON_AddItemToArray(profs, p);
        sb_release(&path);
    }
    cJSON *sds = cJSON_AddArrayToObject(cols, "storagedomains");
    cJSON *dps = cJSON_AddArrayToObject(cols, "diskprofiles");
    for (size_t i = 0; i < s->nstorages; i++) {
        const lab_named *d = &s->storages[i];
        cJSON *o = cJSON_CreateObject();
        base(o, d->id, d->name, d->name, uid, "storagedomains");
        cJSON_AddStringToObject(o, "dataCenter", dc);
        cJSON_AddStringToObject(o, "type", "data");
        cJSON_AddNumberToObject(o, "capacity", 2.0 * 1024 * 1024 * 1024 * 1024);
        cJSON_AddNumberToObject(o, "free", 1.0 * 1024 * 1024 * 1024 * 1024);
        cJSON *st = cJSON_AddObjectToObject(o, "storage");
        cJSON_AddStringToObject(st, "type", "nfs");
        cJSON_AddItemToArray(sds, o);
        cJSON *p = cJSON_CreateObject();
        diskprofile_id(d->id, id);
        base(p, id, d->name, d->name, uid, "diskprofiles");
        cJSON_AddStringToObject(p, "storageDomain", d->id);
        cJSON_AddStringToObject(p, "qos", "");
        cJSON_AddItemToArray(dps, p);
    }
    cJSON *hosts = cJSON_AddArrayToObject(cols, "hosts");
    cJSON *h = cJSON_CreateObject();
    base(h, host, "host1", "Default/host1", uid, "hosts");
    cJSON_AddStringToObject(h, "cluster", cluster);
    cJSON_AddStringToObject(h, "status", "up");
    cJSON_AddStringToObject(h, "productName", "oVirt Node");
    cJSON_AddStringToObject(h, "productVersion", "4.5");
    cJSON_AddBoolToObject(h, "inMaintenance", 0);
    cJSON_AddNumberToObject(h, "cpuSockets", 2);
    cJSON_AddNumberToObject(h, "cpuCores", 16);
    cJSON_AddArrayToObject(h, "networkAttachments");
    cJSON_AddArrayToObject(h, "nics");
    cJSON_AddItemToArray(hosts, h);
    cJSON *cls = cJSON_AddArrayToObject(cols, "clusters");
    cJSON *c = cJSON_CreateObject();
    base(c, cluster, "Default", "Default", uid, "clusters");
    cJSON_AddStringToObject(c, "dataCenter", dc);
    cJSON_AddBoolToObject(c, "haReservation", 0);
    cJSON_AddBoolToObject(c, "ksmEnabled", 0);
    cJSON_AddStringToObject(c, "biosType", "q35_sea_bios");
    cJSON *cpu = cJSON_AddObjectToObject(c, "cpu");
    cJSON_AddStringToObject(cpu, "type", "Intel Cascadelake Server Family");
    cJSON_AddItemToArray(cls, c);
    cJSON *dcs = cJSON_AddArrayToObject(cols, "datacenters");
    cJSON *d = cJSON_CreateObject();
    base(d, dc, INV_OVIRT_DATACENTER, INV_OVIRT_DATACENTER, uid, "datacenters");
    cJSON_AddItemToArray(dcs, d);
    cJSON_AddArrayToObject(cols, "servercpus");
    return cols;
}

void inv_ovirt_counters(const lab_source *s, cJSON *r)
{
    cJSON_AddNumberToObject(r, "datacenterCount", 1);
    cJSON_AddNumberToObject(r, "clusterCount", 1);
    cJSON_AddNumberToObject(r, "hostCount", 1);
    cJSON_AddNumberToObject(r, "vmCount", (double)s->nvms);
    cJSON_AddNumberToObject(r, "networkCount", (double)s->nnetworks);
    cJSON_AddNumberToObject(r, "storageDomainCount", (double)s->nstorages);
}
