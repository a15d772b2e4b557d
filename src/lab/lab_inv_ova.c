/*
 * lab_inv_ova: OVA and Hyper-V inventory resources (forklift.md 9.6). The
 * OVA model's disk, network, NIC and device elements have no JSON tags
 * upstream, so they serialise with Go's capitalised field names (ID,
 * Name, FilePath, MAC, Config[{Key, Value}], Kind); the lab reproduces
 * that. An OVA's storages are its disk files.
 */
#include "lab/lab_inv_int.h"

#include <stdio.h>
#include <string.h>

#include "util/strbuf.h"

static void base(cJSON *o, const char *type, const char *id, const char *name, const char *path,
                 const char *uid, const char *col)
{
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddNumberToObject(o, "revision", 1);
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddStringToObject(o, "description", "");
    inv_self_link(o, type, uid, col, id);
}

static long long storage_used(const lab_vm *vm)
{
    long long t = 0;
    for (size_t i = 0; i < vm->ndisks; i++)
        t += vm->disks[i].capacity;
    return t;
}

cJSON *inv_ova_vm(const lab_source *s, const lab_vm *vm, const char *uid)
{
    cJSON *o = cJSON_CreateObject();
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "/ova/%s.ova", vm->name);
    base(o, "ova", vm->id, vm->name, path.buf, uid, "vms");
    cJSON_AddNumberToObject(o, "revisionValidated", 1);
    cJSON *nets = cJSON_AddArrayToObject(o, "networks");
    for (size_t i = 0; i < vm->nnics; i++) {
        int dup = 0;
        for (size_t j = 0; j < i; j++)
            dup |= !strcmp(vm->nics[j].network, vm->nics[i].network);
        if (dup)
            continue;
        cJSON *n = cJSON_CreateObject();
        cJSON_AddStringToObject(n, "ID", vm->nics[i].network_id);
        cJSON_AddStringToObject(n, "Variant", "");
        cJSON_AddStringToObject(n, "Name", vm->nics[i].network);
        cJSON_AddStringToObject(n, "Description", "");
        cJSON_AddItemToArray(nets, n);
    }
    cJSON *disks = cJSON_AddArrayToObject(o, "disks");
    for (size_t i = 0; i < vm->ndisks; i++) {
        const lab_disk *d = &vm->disks[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "ID", d->storage_id);
        cJSON_AddStringToObject(e, "Variant", "");
        cJSON_AddStringToObject(e, "Name", d->file);
        cJSON_AddStringToObject(e, "FilePath", path.buf);
        cJSON_AddNumberToObject(e, "Capacity", (double)d->capacity);
        cJSON_AddStringToObject(e, "CapacityAllocationUnits", "byte");
        char did[32];
        snprintf(did, sizeof did, "vmdisk%zu", i + 1);
        cJSON_AddStringToObject(e, "DiskId", did);
        char fref[32];
        snprintf(fref, sizeof fref, "file%zu", i + 1);
        cJSON_AddStringToObject(e, "FileRef", fref);
        cJSON_AddStringToObject(e, "Format",
                                "http://www.vmware.com/interfaces/specifications/vmdk.html#"
                                "streamOptimized");
        cJSON_AddNumberToObject(e, "PopulatedSize", (double)(d->capacity / 4));
        cJSON_AddItemToArray(disks, e);
    }
    cJSON_AddArrayToObject(o, "concerns");
    cJSON_AddStringToObject(o, "ovfPath", path.buf);
    sb_release(&path);
    cJSON_AddStringToObject(o, "exportSource", "VMware");
    cJSON_AddStringToObject(o, "osType", vm->guest_id);
    cJSON_AddNumberToObject(o, "policyVersion", 5);
    cJSON_AddStringToObject(o, "uuid", vm->uuid);
    cJSON_AddStringToObject(o, "firmware", vm->firmware);
    cJSON_AddBoolToObject(o, "secureBoot", vm->secure_boot);
    cJSON_AddArrayToObject(o, "cpuAffinity");
    cJSON_AddBoolToObject(o, "cpuHotAddEnabled", 0);
    cJSON_AddBoolToObject(o, "cpuHotRemoveEnabled", 0);
    cJSON_AddBoolToObject(o, "memoryHotAddEnabled", 0);
    cJSON_AddBoolToObject(o, "faultToleranceEnabled", 0);
    cJSON_AddNumberToObject(o, "cpuCount", vm->cpus);
    cJSON_AddNumberToObject(o, "coresPerSocket", vm->cores_per_socket);
    cJSON_AddNumberToObject(o, "memoryMB", (double)vm->memory_mb);
    cJSON_AddStringToObject(o, "memoryUnits", "byte * 2^20");
    cJSON_AddStringToObject(o, "cpuUnits", "hertz * 10^6");
    cJSON_AddNumberToObject(o, "balloonedMemory", 0);
    cJSON_AddStringToObject(o, "ipAddress", "");
    cJSON_AddArrayToObject(o, "numaNodeAffinity");
    cJSON_AddNumberToObject(o, "storageUsed", (double)storage_used(vm));
    cJSON_AddBoolToObject(o, "changeTrackingEnabled", 0);
    cJSON *devs = cJSON_AddArrayToObject(o, "devices");
    cJSON *nics = cJSON_AddArrayToObject(o, "nics");
    for (size_t i = 0; i < vm->nnics; i++) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "Kind", "VmxNet3");
        cJSON_AddItemToArray(devs, d);
        cJSON *n = cJSON_CreateObject();
        char name[32];
        snprintf(name, sizeof name, "Ethernet %zu", i + 1);
        cJSON_AddStringToObject(n, "Name", name);
        cJSON_AddStringToObject(n, "MAC", vm->nics[i].mac);
        cJSON_AddStringToObject(n, "Network", vm->nics[i].network);
        cJSON *cfg = cJSON_AddArrayToObject(n, "Config");
        cJSON *kv = cJSON_CreateObject();
        cJSON_AddStringToObject(kv, "Key", "slotInfo.pciSlotNumber");
        char slot[32];
        snprintf(slot, sizeof slot, "%zu", 160 + i * 32);
        cJSON_AddStringToObject(kv, "Value", slot);
        cJSON_AddItemToArray(cfg, kv);
        cJSON_AddItemToArray(nics, n);
    }
    (void)s;
    return o;
}

cJSON *inv_ova_build(const lab_source *s, const char *uid)
{
    cJSON *cols = cJSON_CreateObject();
    cJSON *vms = cJSON_AddArrayToObject(cols, "vms");
    cJSON *wls = cJSON_AddArrayToObject(cols, "workloads");
    cJSON *disks = cJSON_AddArrayToObject(cols, "disks");
    for (size_t i = 0; i < s->nvms; i++) {
        const lab_vm *vm = &s->vms[i];
        cJSON_AddItemToArray(vms, inv_ova_vm(s, vm, uid));
        cJSON_AddItemToArray(wls, inv_ova_vm(s, vm, uid));
        for (size_t j = 0; j < vm->ndisks; j++) {
            const lab_disk *d = &vm->disks[j];
            cJSON *o = cJSON_CreateObject();
            base(o, "ova", d->storage_id, d->file, d->file, uid, "disks");
            cJSON_AddNumberToObject(o, "capacity", (double)d->capacity);
            strbuf fp = STRBUF_INIT;
            sb_addf(&fp, "/ova/%s.ova", vm->name);
            cJSON_AddStringToObject(o, "filePath", fp.buf);
            sb_release(&fp);
            cJSON_AddItemToArray(disks, o);
        }
    }
    cJSON *nets = cJSON_AddArrayToObject(cols, "networks");
    for (size_t i = 0; i < s->nnetworks; i++) {
        cJSON *o = cJSON_CreateObject();
        base(o, "ova", s->networks[i].id, s->networks[i].name, s->networks[i].name, uid,
             "networks");
        cJSON_AddItemToArray(nets, o);
    }
    cJSON *sts = cJSON_AddArrayToObject(cols, "storages");
    for (size_t i = 0; i < s->nstorages; i++) {
        cJSON *o = cJSON_CreateObject();
        base(o, "ova", s->storages[i].id, s->storages[i].name, s->storages[i].name, uid,
             "storages");
        cJSON_AddItemToArray(sts, o);
    }
    return cols;
}

/* ---- Hyper-V ---- */

cJSON *inv_hyperv_vm(const lab_source *s, const lab_vm *vm, const char *uid)
{
    (void)s;
    cJSON *o = cJSON_CreateObject();
    base(o, "hyperv", vm->id, vm->name, vm->name, uid, "vms");
    cJSON_AddNumberToObject(o, "revisionValidated", 1);
    cJSON *disks = cJSON_AddArrayToObject(o, "disks");
    for (size_t i = 0; i < vm->ndisks; i++) {
        const lab_disk *d = &vm->disks[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "id", d->id);
        cJSON_AddStringToObject(e, "windowsPath", d->file);
        strbuf smb = STRBUF_INIT;
        sb_addf(&smb, "//hyperv.lab.test/VMs/%s/%s_%zu.vhdx", vm->name, vm->name, i);
        cJSON_AddStringToObject(e, "smbPath", smb.buf);
        sb_release(&smb);
        cJSON_AddNumberToObject(e, "capacity", (double)d->capacity);
        cJSON_AddStringToObject(e, "format", "vhdx");
        cJSON_AddBoolToObject(e, "rctEnabled", vm->change_tracking);
        cJSON_AddItemToObject(e, "datastore", inv_ref("Storage", d->storage_id));
        cJSON_AddItemToArray(disks, e);
    }
    cJSON *nics = cJSON_AddArrayToObject(o, "nics");
    cJSON *nets = cJSON_AddArrayToObject(o, "networks");
    for (size_t i = 0; i < vm->nnics; i++) {
        const lab_nic *n = &vm->nics[i];
        cJSON *e = cJSON_CreateObject();
        char name[48];
        snprintf(name, sizeof name, "Network Adapter %zu", i + 1);
        cJSON_AddStringToObject(e, "name", name);
        cJSON_AddStringToObject(e, "mac", n->mac);
        cJSON_AddNumberToObject(e, "deviceIndex", (double)i);
        cJSON_AddItemToObject(e, "network", inv_ref("Network", n->network_id));
        cJSON_AddStringToObject(e, "networkName", n->network);
        cJSON_AddNumberToObject(e, "vlanId", 0);
        cJSON_AddItemToArray(nics, e);
        int dup = 0;
        for (size_t j = 0; j < i; j++)
            dup |= !strcmp(vm->nics[j].network_id, n->network_id);
        if (!dup)
            cJSON_AddItemToArray(nets, inv_ref("Network", n->network_id));
    }
    cJSON_AddArrayToObject(o, "concerns");
    cJSON_AddStringToObject(o, "uuid", vm->uuid);
    cJSON_AddStringToObject(o, "powerState", vm->power_on ? "On" : "Off");
    cJSON_AddNumberToObject(o, "cpuCount", vm->cpus);
    cJSON_AddNumberToObject(o, "memoryMB", (double)vm->memory_mb);
    cJSON_AddStringToObject(o, "firmware", !strcmp(vm->firmware, "efi") ? "uefi" : "bios");
    cJSON_AddStringToObject(o, "guestOS", vm->is_windows ? "Windows Server 2019" : "Linux");
    cJSON_AddBoolToObject(o, "tpmEnabled", vm->tpm);
    cJSON_AddBoolToObject(o, "secureBoot", vm->secure_boot);
    cJSON_AddBoolToObject(o, "hasCheckpoint", 0);
    cJSON_AddStringToObject(o, "host", "hyperv.lab.test");
    cJSON *gn = cJSON_AddArrayToObject(o, "guestNetworks");
    for (size_t i = 0; vm->power_on && vm->tools && i < vm->nnics; i++) {
        const lab_nic *n = &vm->nics[i];
        if (!*n->ip)
            continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "mac", n->mac);
        cJSON_AddStringToObject(e, "ip", n->ip);
        cJSON_AddNumberToObject(e, "deviceIndex", (double)i);
        cJSON_AddStringToObject(e, "origin", !strcmp(n->origin, "manual") ? "Manual" : "Dhcp");
        cJSON_AddNumberToObject(e, "prefix", n->prefix);
        cJSON_AddArrayToObject(e, "dns");
        cJSON_AddStringToObject(e, "gateway", n->gateway);
        cJSON_AddItemToArray(gn, e);
    }
    return o;
}

cJSON *inv_hyperv_build(const lab_source *s, const char *uid)
{
    cJSON *cols = cJSON_CreateObject();
    cJSON *vms = cJSON_AddArrayToObject(cols, "vms");
    cJSON *wls = cJSON_AddArrayToObject(cols, "workloads");
    cJSON *disks = cJSON_AddArrayToObject(cols, "disks");
    for (size_t i = 0; i < s->nvms; i++) {
        cJSON_AddItemToArray(vms, inv_hyperv_vm(s, &s->vms[i], uid));
        cJSON_AddItemToArray(wls, inv_hyperv_vm(s, &s->vms[i], uid));
        for (size_t j = 0; j < s->vms[i].ndisks; j++) {
            const lab_disk *d = &s->vms[i].disks[j];
            cJSON *o = cJSON_CreateObject();
            base(o, "hyperv", d->id, d->file, d->file, uid, "disks");
            cJSON_AddNumberToObject(o, "capacity", (double)d->capacity);
            cJSON_AddStringToObject(o, "datastore", d->storage_id);
            cJSON_AddItemToArray(disks, o);
        }
    }
    cJSON *nets = cJSON_AddArrayToObject(cols, "networks");
    for (size_t i = 0; i < s->nnetworks; i++) {
        cJSON *o = cJSON_CreateObject();
        base(o, "hyperv", s->networks[i].id, s->networks[i].name, s->networks[i].name, uid,
             "networks");
        cJSON_AddStringToObject(o, "switchType", "External");
        cJSON_AddItemToArray(nets, o);
    }
    cJSON *sts = cJSON_AddArrayToObject(cols, "storages");
    for (size_t i = 0; i < s->nstorages; i++) {
        cJSON *o = cJSON_CreateObject();
        base(o, "hyperv", s->storages[i].id, s->storages[i].name, s->storages[i].name, uid,
             "storages");
        cJSON_AddItemToArray(sts, o);
    }
    cJSON *hosts = cJSON_AddArrayToObject(cols, "hosts");
    cJSON *h = cJSON_CreateObject();
    base(h, "hyperv", "hyperv-host-1", "hyperv.lab.test", "hyperv.lab.test", uid, "hosts");
    cJSON_AddItemToArray(hosts, h);
    cJSON_AddArrayToObject(cols, "clusters");
    return cols;
}

void inv_ova_counters(const lab_source *s, cJSON *r)
{
    cJSON_AddNumberToObject(r, "vmCount", (double)s->nvms);
    cJSON_AddNumberToObject(r, "networkCount", (double)s->nnetworks);
    cJSON_AddNumberToObject(r, "storageCount", (double)s->nstorages);
}
