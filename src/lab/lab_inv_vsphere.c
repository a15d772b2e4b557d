/*
 * lab_inv_vsphere: vSphere inventory resources (forklift.md 9.6, 9.7) from
 * a normalized source, keyed and typed as the captured kubectl-mtv and
 * console samples show them, including upstream's quirks: capitalised
 * Host/PNIC keys inside network host lists, null dns in guestNetworks,
 * empty-string snapshot refs, and hosts whose vms field is null.
 */
#include "lab/lab_inv_int.h"

#include <stdio.h>
#include <string.h>

#include "util/strbuf.h"

static const char *TYPE = "vsphere";

static void base(cJSON *o, const char *id, const char *name, const char *parent_kind,
                 const char *parent_id, const char *path, const char *uid, const char *col)
{
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddItemToObject(o, "parent", inv_ref(parent_kind, parent_id));
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddNumberToObject(o, "revision", 1);
    cJSON_AddStringToObject(o, "name", name);
    inv_self_link(o, TYPE, uid, col, id);
}

static int guest_visible(const lab_vm *vm)
{
    return vm->power_on && vm->tools;
}

static cJSON *concerns(const lab_vm *vm)
{
    cJSON *arr = cJSON_CreateArray();
    if (!vm->change_tracking) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "id", "vmware.changed_block_tracking.disabled");
        cJSON_AddStringToObject(c, "label", "Changed Block Tracking (CBT) not enabled");
        cJSON_AddStringToObject(c, "category", "Warning");
        cJSON_AddStringToObject(c, "assessment",
                                "Changed Block Tracking (CBT) has not been enabled on this VM. "
                                "This feature is a prerequisite for VM warm migration.");
        cJSON_AddItemToArray(arr, c);
    }
    for (size_t i = 0; i < vm->ndisks; i++)
        if (vm->disks[i].shared) {
            cJSON *c = cJSON_CreateObject();
            cJSON_AddStringToObject(c, "id", "vmware.disk.shared.detected");
            cJSON_AddStringToObject(c, "label", "Shared disk detected");
            cJSON_AddStringToObject(c, "category", "Warning");
            cJSON_AddStringToObject(c, "assessment",
                                    "The VM has a disk that is shared. Shared disks are only "
                                    "supported by certain configurations.");
            cJSON_AddItemToArray(arr, c);
            break;
        }
    return arr;
}

static cJSON *disk_json(const lab_vm *vm, const lab_disk *d)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "key", d->key);
    cJSON_AddNumberToObject(o, "unitNumber", d->unit);
    cJSON_AddNumberToObject(o, "controllerKey", d->controller_key);
    cJSON_AddStringToObject(o, "file", d->file);
    cJSON_AddItemToObject(o, "datastore", inv_ref("Datastore", d->storage_id));
    cJSON_AddNumberToObject(o, "capacity", (double)d->capacity);
    cJSON_AddBoolToObject(o, "shared", d->shared);
    cJSON_AddBoolToObject(o, "rdm", 0);
    cJSON_AddBoolToObject(o, "physicalMode", 0);
    cJSON_AddStringToObject(o, "bus", d->bus ? d->bus : "scsi");
    cJSON_AddStringToObject(o, "mode", d->shared ? "independent_persistent" : "persistent");
    cJSON_AddStringToObject(o, "serial", d->serial ? d->serial : "");
    cJSON_AddStringToObject(o, "winDriveLetter", "");
    cJSON_AddBoolToObject(o, "changeTrackingEnabled", vm->change_tracking);
    cJSON_AddStringToObject(o, "parent", "");
    return o;
}

static cJSON *nic_json(const lab_nic *n, size_t order)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "network", inv_ref("Network", n->network_id));
    cJSON_AddStringToObject(o, "mac", n->mac);
    cJSON_AddNumberToObject(o, "order", (double)order);
    cJSON_AddNumberToObject(o, "deviceKey", 4000 + (double)order);
    char pci[32];
    snprintf(pci, sizeof pci, "0000:%02zx:00.0", 0x0b + order * 8);
    cJSON_AddStringToObject(o, "pciAddress", pci);
    cJSON_AddBoolToObject(o, "startConnected", n->connected);
    return o;
}

static long long storage_used(const lab_vm *vm)
{
    long long t = 0;
    for (size_t i = 0; i < vm->ndisks; i++)
        t += vm->disks[i].thin ? vm->disks[i].capacity / 4 : vm->disks[i].capacity;
    return t;
}

cJSON *inv_vsphere_vm(const lab_source *s, const lab_vm *vm, const char *uid)
{
    (void)s;
    cJSON *o = cJSON_CreateObject();
    base(o, vm->id, vm->name, "Folder", "group-v3", vm->folder_path, uid, "vms");
    int g = guest_visible(vm);
    cJSON_AddNumberToObject(o, "revisionValidated", 1);
    cJSON_AddBoolToObject(o, "isTemplate", 0);
    cJSON_AddStringToObject(o, "powerState", vm->power_on ? "poweredOn" : "poweredOff");
    cJSON_AddStringToObject(o, "host", vm->host_id ? vm->host_id : "");
    cJSON *nets = cJSON_AddArrayToObject(o, "networks");
    for (size_t i = 0; i < vm->nnics; i++) {
        int dup = 0;
        for (size_t j = 0; j < i; j++)
            dup |= !strcmp(vm->nics[j].network_id, vm->nics[i].network_id);
        if (!dup)
            cJSON_AddItemToArray(nets, inv_ref("Network", vm->nics[i].network_id));
    }
    cJSON *disks = cJSON_AddArrayToObject(o, "disks");
    for (size_t i = 0; i < vm->ndisks; i++)
        cJSON_AddItemToArray(disks, disk_json(vm, &vm->disks[i]));
    cJSON_AddItemToObject(o, "concerns", concerns(vm));
    cJSON_AddNumberToObject(o, "policyVersion", 5);
    cJSON_AddStringToObject(o, "uuid", vm->uuid);
    strbuf iu = STRBUF_INIT;
    sb_addf(&iu, "50%.34s", vm->uuid + 2);
    cJSON_AddStringToObject(o, "instanceUuid", iu.buf);
    sb_release(&iu);
    cJSON_AddStringToObject(o, "firmware", vm->firmware);
    cJSON_AddStringToObject(o, "connectionState", "connected");
    cJSON_AddItemToObject(o, "snapshot", inv_ref("", ""));
    cJSON_AddBoolToObject(o, "changeTrackingEnabled", vm->change_tracking);
    cJSON_AddBoolToObject(o, "consolidationNeeded", 0);
    cJSON_AddArrayToObject(o, "cpuAffinity");
    cJSON_AddBoolToObject(o, "cpuHotAddEnabled", 0);
    cJSON_AddBoolToObject(o, "cpuHotRemoveEnabled", 0);
    cJSON_AddBoolToObject(o, "memoryHotAddEnabled", 0);
    cJSON_AddBoolToObject(o, "faultToleranceEnabled", 0);
    cJSON_AddNumberToObject(o, "cpuCount", vm->cpus);
    cJSON_AddNumberToObject(o, "coresPerSocket", vm->cores_per_socket);
    cJSON_AddNumberToObject(o, "memoryMB", (double)vm->memory_mb);
    cJSON_AddStringToObject(o, "guestName", inv_guest_name(vm));
    cJSON_AddStringToObject(o, "guestNameFromVmwareTools", g ? inv_guest_name(vm) : "");
    cJSON_AddStringToObject(o, "hostName", g ? vm->hostname : "");
    cJSON_AddStringToObject(o, "guestId", vm->guest_id);
    cJSON_AddNumberToObject(o, "balloonedMemory", 0);
    const char *ip = "";
    for (size_t i = 0; g && i < vm->nnics && !*ip; i++)
        ip = vm->nics[i].ip;
    cJSON_AddStringToObject(o, "ipAddress", ip);
    cJSON_AddNumberToObject(o, "storageUsed", (double)storage_used(vm));
    cJSON_AddBoolToObject(o, "tpmEnabled", vm->tpm);
    cJSON_AddArrayToObject(o, "numaNodeAffinity");
    cJSON *devices = cJSON_AddArrayToObject(o, "devices");
    for (size_t i = 0; i < vm->nnics; i++) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "kind", "VirtualVmxnet3");
        cJSON_AddItemToArray(devices, d);
    }
    cJSON *nics = cJSON_AddArrayToObject(o, "nics");
    for (size_t i = 0; i < vm->nnics; i++)
        cJSON_AddItemToArray(nics, nic_json(&vm->nics[i], i));
    cJSON *gn = cJSON_AddArrayToObject(o, "guestNetworks");
    cJSON *stacks = cJSON_AddArrayToObject(o, "guestIpStacks");
    for (size_t i = 0; g && i < vm->nnics; i++) {
        const lab_nic *n = &vm->nics[i];
        if (!*n->ip)
            continue;
        char dev[32];
        snprintf(dev, sizeof dev, "%zu", i);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "device", dev);
        cJSON_AddNumberToObject(e, "deviceConfigId", 4000 + (double)i);
        cJSON_AddStringToObject(e, "mac", n->mac);
        cJSON_AddStringToObject(e, "ip", n->ip);
        cJSON_AddStringToObject(e, "origin", n->origin);
        cJSON_AddNumberToObject(e, "prefix", n->prefix);
        cJSON_AddNullToObject(e, "dns");
        cJSON_AddStringToObject(e, "network", n->network);
        cJSON_AddItemToArray(gn, e);
        if (*n->gateway) {
            cJSON *st = cJSON_CreateObject();
            cJSON_AddStringToObject(st, "device", dev);
            cJSON_AddStringToObject(st, "gateway", n->gateway);
            cJSON_AddStringToObject(st, "network", "0.0.0.0");
            cJSON_AddNumberToObject(st, "prefix", 0);
            cJSON *dns = cJSON_AddArrayToObject(st, "dns");
            cJSON_AddItemToArray(dns, cJSON_CreateString("192.0.2.53"));
            cJSON_AddItemToArray(stacks, st);
        }
    }
    cJSON *gd = cJSON_AddArrayToObject(o, "guestDisks");
    for (size_t i = 0; g && i < vm->ndisks; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "key", vm->disks[i].key);
        char path[32];
        if (vm->is_windows)
            snprintf(path, sizeof path, "%c:\\", (char)('C' + i));
        else
            snprintf(path, sizeof path, i ? "/data%zu" : "/", i);
        cJSON_AddStringToObject(e, "diskPath", path);
        cJSON_AddNumberToObject(e, "capacity", (double)vm->disks[i].capacity);
        cJSON_AddNumberToObject(e, "freeSpace", (double)(vm->disks[i].capacity / 2));
        cJSON_AddStringToObject(e, "filesystemType", vm->is_windows ? "NTFS" : "xfs");
        cJSON_AddItemToArray(gd, e);
    }
    cJSON_AddBoolToObject(o, "secureBoot", vm->secure_boot);
    cJSON_AddStringToObject(o, "toolsStatus", g ? "toolsOk" : "toolsNotRunning");
    cJSON_AddStringToObject(o, "toolsRunningStatus",
                            g ? "guestToolsRunning" : "guestToolsNotRunning");
    cJSON_AddStringToObject(o, "toolsVersionStatus2", vm->tools ? "guestToolsCurrent"
                                                                : "guestToolsNotInstalled");
    cJSON_AddBoolToObject(o, "diskEnableUuid", 0);
    cJSON_AddBoolToObject(o, "nestedHVEnabled", 0);
    cJSON_AddArrayToObject(o, "customDef");
    cJSON_AddArrayToObject(o, "customValues");
    cJSON_AddArrayToObject(o, "tags");
    return o;
}

static cJSON *host_json(const lab_source *s, const lab_named *h, const char *uid)
{
    cJSON *o = cJSON_CreateObject();
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "/DC0/host/%s/%s", h->name, h->name);
    base(o, h->id, h->name, "Folder", "group-h4", path.buf, uid, "hosts");
    sb_release(&path);
    cJSON_AddStringToObject(o, "cluster", "domain-c7");
    cJSON_AddStringToObject(o, "status", "green");
    cJSON_AddBoolToObject(o, "inMaintenance", 0);
    cJSON_AddStringToObject(o, "managementServerIp", "127.0.0.1");
    cJSON_AddStringToObject(o, "thumbprint",
                            "D7:CC:22:02:41:8F:BF:7D:6D:95:A8:01:E1:43:F8:E6:90:E6:DF:75");
    cJSON_AddStringToObject(o, "timezone", "UTC");
    cJSON_AddNumberToObject(o, "cpuSockets", 2);
    cJSON_AddNumberToObject(o, "cpuCores", 32);
    cJSON_AddNumberToObject(o, "memoryBytes", 256.0 * 1024 * 1024 * 1024);
    cJSON_AddStringToObject(o, "productName", "VMware ESXi");
    cJSON_AddStringToObject(o, "productVersion", "6.5.0");
    cJSON *net = cJSON_AddObjectToObject(o, "networking");
    cJSON *pnics = cJSON_AddArrayToObject(net, "pNICs");
    cJSON *pn = cJSON_CreateObject();
    cJSON_AddStringToObject(pn, "key", "key-vim.host.PhysicalNic-vmnic0");
    cJSON_AddNumberToObject(pn, "linkSpeed", 10000);
    cJSON_AddItemToArray(pnics, pn);
    cJSON_AddArrayToObject(net, "portGroups");
    cJSON_AddArrayToObject(net, "switches");
    cJSON_AddArrayToObject(net, "vNICs");
    cJSON *nets = cJSON_AddArrayToObject(o, "networks");
    for (size_t i = 0; i < s->nnetworks; i++)
        cJSON_AddItemToArray(nets, inv_ref("Network", s->networks[i].id));
    cJSON *dss = cJSON_AddArrayToObject(o, "datastores");
    for (size_t i = 0; i < s->nstorages; i++)
        cJSON_AddItemToArray(dss, inv_ref("Datastore", s->storages[i].id));
    cJSON_AddNullToObject(o, "vms");
    cJSON *ads = cJSON_AddArrayToObject(o, "networkAdapters");
    cJSON *ad = cJSON_CreateObject();
    cJSON_AddStringToObject(ad, "name", "vmk0");
    cJSON_AddStringToObject(ad, "ipAddress", "127.0.0.1");
    cJSON_AddStringToObject(ad, "subnetMask", "255.0.0.0");
    cJSON_AddNumberToObject(ad, "linkSpeed", 10000);
    cJSON_AddNumberToObject(ad, "mtu", 1500);
    cJSON_AddItemToArray(ads, ad);
    cJSON_AddArrayToObject(o, "hostScsiDisks");
    cJSON_AddArrayToObject(o, "advancedOptions");
    cJSON_AddBoolToObject(o, "vmotionSupported", 1);
    cJSON_AddBoolToObject(o, "storageVmotionSupported", 1);
    return o;
}

cJSON *inv_vsphere_workload(const lab_source *s, const lab_vm *vm, const char *uid)
{
    cJSON *o = inv_vsphere_vm(s, vm, uid);
    const lab_named *h = lab_source_find(s->hosts, s->nhosts, vm->host_id, NULL);
    lab_named fallback = {(char *)(vm->host_id ? vm->host_id : "host-21"), (char *)"DC0_H0"};
    cJSON *host = host_json(s, h ? h : &fallback, uid);
    cJSON *cl = cJSON_CreateObject();
    cJSON_AddStringToObject(cl, "id", "domain-c7");
    cJSON_AddStringToObject(cl, "name", "DC0_C0");
    cJSON_AddStringToObject(cl, "path", "/DC0/host/DC0_C0");
    cJSON *dc = cJSON_AddObjectToObject(cl, "datacenter");
    cJSON_AddStringToObject(dc, "id", "datacenter-2");
    cJSON_AddStringToObject(dc, "name", "DC0");
    cJSON_AddStringToObject(dc, "path", "/DC0");
    cJSON_ReplaceItemInObjectCaseSensitive(host, "cluster", cl);
    cJSON_ReplaceItemInObjectCaseSensitive(o, "host", host);
    return o;
}

cJSON *inv_vsphere_build(const lab_source *s, const char *uid)
{
    cJSON *cols = cJSON_CreateObject();
    cJSON *vms = cJSON_AddArrayToObject(cols, "vms");
    cJSON *wls = cJSON_AddArrayToObject(cols, "workloads");
    for (size_t i = 0; i < s->nvms; i++) {
        cJSON_AddItemToArray(vms, inv_vsphere_vm(s, &s->vms[i], uid));
        cJSON_AddItemToArray(wls, inv_vsphere_workload(s, &s->vms[i], uid));
    }
    cJSON *nets = cJSON_AddArrayToObject(cols, "networks");
    for (size_t i = 0; i < s->nnetworks; i++) {
        const lab_named *n = &s->networks[i];
        int standard = !strncmp(n->id, "network-", 8);
        cJSON *o = cJSON_CreateObject();
        strbuf path = STRBUF_INIT;
        sb_addf(&path, "/DC0/network/%s", n->name);
        base(o, n->id, n->name, "Folder", "group-n5", path.buf, uid, "networks");
        sb_release(&path);
        cJSON_AddStringToObject(o, "variant", standard ? "Standard" : "DvPortGroup");
        if (!standard)
            cJSON_AddItemToObject(o, "dvSwitch", inv_ref("Network", "dvs-9"));
        cJSON_AddStringToObject(o, "vlanId", "");
        cJSON_AddStringToObject(o, "key", standard ? "" : n->id);
        cJSON_AddStringToObject(o, "tag", "");
        cJSON *hosts = cJSON_AddArrayToObject(o, "host");
        for (size_t h = 0; h < s->nhosts; h++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddItemToObject(e, "Host", inv_ref("Host", s->hosts[h].id));
            cJSON *pnic = cJSON_AddArrayToObject(e, "PNIC");
            cJSON_AddItemToArray(pnic, cJSON_CreateString("vmnic0"));
            cJSON_AddItemToArray(hosts, e);
        }
        cJSON_AddItemToArray(nets, o);
    }
    cJSON *dss = cJSON_AddArrayToObject(cols, "datastores");
    for (size_t i = 0; i < s->nstorages; i++) {
        const lab_named *d = &s->storages[i];
        cJSON *o = cJSON_CreateObject();
        strbuf path = STRBUF_INIT;
        sb_addf(&path, "/DC0/datastore/%s", d->name);
        base(o, d->id, d->name, "Folder", "group-s6", path.buf, uid, "datastores");
        sb_release(&path);
        cJSON_AddStringToObject(o, "type", "VMFS");
        cJSON_AddNumberToObject(o, "capacity", 4.0 * 1024 * 1024 * 1024 * 1024);
        cJSON_AddNumberToObject(o, "free", 3.0 * 1024 * 1024 * 1024 * 1024);
        cJSON_AddStringToObject(o, "maintenance", "normal");
        cJSON_AddArrayToObject(o, "backingDevicesNames");
        cJSON_AddStringToObject(o, "nasRemoteHost", "");
        cJSON_AddStringToObject(o, "nasRemotePath", "");
        cJSON_AddItemToArray(dss, o);
    }
    cJSON *hosts = cJSON_AddArrayToObject(cols, "hosts");
    for (size_t i = 0; i < s->nhosts; i++)
        cJSON_AddItemToArray(hosts, host_json(s, &s->hosts[i], uid));
    cJSON *clusters = cJSON_AddArrayToObject(cols, "clusters");
    cJSON *cl = cJSON_CreateObject();
    base(cl, "domain-c7", "DC0_C0", "Folder", "group-h4", "/DC0/host/DC0_C0", uid, "clusters");
    cJSON_AddBoolToObject(cl, "dasEnabled", 0);
    cJSON_AddBoolToObject(cl, "drsEnabled", 1);
    cJSON_AddStringToObject(cl, "drsBehavior", "fullyAutomated");
    cJSON *ch = cJSON_AddArrayToObject(cl, "hosts");
    for (size_t i = 0; i < s->nhosts; i++)
        cJSON_AddItemToArray(ch, inv_ref("Host", s->hosts[i].id));
    cJSON_AddItemToArray(clusters, cl);
    cJSON *dcs = cJSON_AddArrayToObject(cols, "datacenters");
    cJSON *dc = cJSON_CreateObject();
    base(dc, "datacenter-2", "DC0", "Folder", "group-d1", "/DC0", uid, "datacenters");
    cJSON_AddItemToObject(dc, "clusters", inv_ref("Folder", "group-h4"));
    cJSON_AddItemToObject(dc, "datastores", inv_ref("Folder", "group-s6"));
    cJSON_AddItemToObject(dc, "networks", inv_ref("Folder", "group-n5"));
    cJSON_AddItemToObject(dc, "vms", inv_ref("Folder", "group-v3"));
    cJSON_AddItemToArray(dcs, dc);
    cJSON *folders = cJSON_AddArrayToObject(cols, "folders");
    static const char *const fids[][3] = {{"group-d1", "Datacenters", "/"},
                                          {"group-v3", "vm", "/DC0/vm"},
                                          {"group-h4", "host", "/DC0/host"},
                                          {"group-s6", "datastore", "/DC0/datastore"},
                                          {"group-n5", "network", "/DC0/network"}};
    for (size_t i = 0; i < sizeof fids / sizeof *fids; i++) {
        cJSON *f = cJSON_CreateObject();
        base(f, fids[i][0], fids[i][1], i ? "Datacenter" : "", i ? "datacenter-2" : "",
             fids[i][2], uid, "folders");
        cJSON_AddStringToObject(f, "datacenter", i ? "datacenter-2" : "");
        cJSON_AddArrayToObject(f, "children");
        cJSON_AddItemToArray(folders, f);
    }
    return cols;
}

void inv_vsphere_counters(const lab_source *s, cJSON *r)
{
    cJSON_AddStringToObject(r, "apiVersion", s->about ? s->about : "6.5");
    cJSON_AddStringToObject(r, "product", "VMware VirtualCenter Server");
    cJSON_AddStringToObject(r, "instanceUuid", "dbed6e0c-bd88-4ef6-b594-21283e1c677f");
    cJSON_AddNumberToObject(r, "datacenterCount", 1);
    cJSON_AddNumberToObject(r, "clusterCount", 1);
    cJSON_AddNumberToObject(r, "hostCount", (double)s->nhosts);
    cJSON_AddNumberToObject(r, "vmCount", (double)s->nvms);
    cJSON_AddNumberToObject(r, "networkCount", (double)s->nnetworks);
    cJSON_AddNumberToObject(r, "datastoreCount", (double)s->nstorages);
}
