/*
 * vsphere_vm: a VirtualMachine's properties -> vm_record.
 *
 * Pure conversion, no I/O: the adapter feeds it live RetrievePropertiesEx
 * answers and the tests feed it recorded vCenter and vcsim responses, which
 * is how the field-by-field rules below are checked against real data.
 */
#include <stdlib.h>
#include <string.h>

#include "providers/pxml.h"
#include "providers/vsphere.h"

const char *const VSPHERE_VM_PATHS[] = {
    "name",
    "config.uuid",
    "config.guestId",
    "config.firmware",
    "config.bootOptions.efiSecureBootEnabled",
    "config.template",
    "config.hardware.numCPU",
    "config.hardware.numCoresPerSocket",
    "config.hardware.memoryMB",
    "config.hardware.device",
    "runtime.powerState",
    "runtime.host",
    "guest.toolsStatus",
    "guest.toolsRunningStatus",
    "guest.net",
    "guest.ipStack",
    "snapshot",
    NULL,
};

static xmlNode **nodes(const vim_obj *o, const char *path, size_t *n)
{
    *n = vim_obj_nodes(o, path, NULL, 0);
    xmlNode **items = calloc(*n + 1, sizeof *items);
    if (!items)
        abort();
    vim_obj_nodes(o, path, items, *n);
    return items;
}

static int is_nic(const xmlNode *dev)
{
    static const char *const types[] = {"VirtualE1000", "VirtualE1000e", "VirtualPCNet32",
                                        "VirtualVmxnet", "VirtualVmxnet2", "VirtualVmxnet3",
                                        "VirtualVmxnet3Vrdma", "VirtualSriovEthernetCard", NULL};
    char *t = px_type(dev);
    int yes = 0;
    for (int i = 0; t && types[i]; i++)
        yes |= strcmp(t, types[i]) == 0;
    free(t);
    return yes || (px_child(dev, "addressType") && px_child(dev, "macAddress"));
}

static const char *name_of(const vim_objset *names, const char *type, const char *value)
{
    if (!names || !value)
        return NULL;
    const vim_obj *o = vim_objset_get(names, type, value);
    if (!o && strcmp(type, "Network") == 0)   /* a network id may be a DV port group */
        o = vim_objset_get(names, "DistributedVirtualPortgroup", value);
    if (!o && strcmp(type, "Network") == 0)
        o = vim_objset_get(names, "OpaqueNetwork", value);
    xmlNode *v = o ? vim_obj_prop(o, "name") : NULL;
    return v && v->children ? (const char *)v->children->content : NULL;
}

/* ---- NICs and guest networking -------------------------------------------- */

/* The guest.net entry of a NIC: by deviceConfigId, else by MAC. */
static xmlNode *guest_net_for(xmlNode **gnets, size_t ng, const char *key, const char *mac,
                              size_t *index)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < ng; i++) {
            char *v = px_get(gnets[i], pass == 0 ? "deviceConfigId" : "macAddress");
            int hit = v && (pass == 0 ? key && strcmp(v, key) == 0
                                      : mac && strcasecmp(v, mac) == 0);
            free(v);
            if (hit) {
                *index = i;
                return gnets[i];
            }
        }
    }
    return NULL;
}

/* The default route's gateway for guest.net[index]: a 0.0.0.0/0 (or ::/0)
 * route whose gateway device is that index; a route without a device counts
 * for the first NIC. */
static char *default_gateway(xmlNode **routes, size_t nr, size_t index, int ipv6)
{
    char want[24];
    snprintf(want, sizeof want, "%zu", index);
    for (size_t i = 0; i < nr; i++) {
        long long prefix = px_get_ll(routes[i], "prefixLength", -1);
        char *net = px_get(routes[i], "network");
        int is_default = prefix == 0 && net &&
                         (ipv6 ? strcmp(net, "::") == 0 : strcmp(net, "0.0.0.0") == 0);
        free(net);
        if (!is_default)
            continue;
        char *gw = px_get(routes[i], "gateway/ipAddress");
        char *dev = px_get(routes[i], "gateway/device");
        int match = dev ? strcmp(dev, want) == 0 : index == 0;
        free(dev);
        if (match && gw && *gw)
            return gw;
        free(gw);
    }
    return NULL;
}

static int ipv4_usable(const char *ip)
{
    return ip && strchr(ip, '.') && !strchr(ip, ':') && strncmp(ip, "169.254.", 8) != 0;
}

static void add_guest_ips(vm_nic *nic, const xmlNode *gnet, char *gateway)
{
    xmlNode *cfg = px_child(gnet, "ipConfig");
    int any = 0;
    for (xmlNode *a = px_child(cfg, "ipAddress"); a; a = px_next(a, "ipAddress")) {
        char *ip = px_get(a, "ipAddress");
        if (ipv4_usable(ip)) {
            vm_ip *v = vm_nic_add_ip(nic);
            v->ip = ip;
            ip = NULL;
            long long prefix = px_get_ll(a, "prefixLength", VR_UNSET);
            v->prefix = prefix;
            v->origin = px_get(a, "origin");
            v->is_static = v->origin ? strcmp(v->origin, "manual") == 0 : -1;
            vr_set(&v->gateway, gateway);
            any = 1;
        }
        free(ip);
    }
    if (any)
        return;
    /* no ipConfig (older tools, vcsim's SET.guest.ipAddress): bare addresses */
    for (xmlNode *a = px_child(gnet, "ipAddress"); a; a = px_next(a, "ipAddress")) {
        char *ip = px_text(a);
        if (ipv4_usable(ip)) {
            vm_ip *v = vm_nic_add_ip(nic);
            v->ip = ip;
            ip = NULL;
            vr_set(&v->gateway, gateway);
        }
        free(ip);
    }
}

static void nic_network(vm_nic *nic, const xmlNode *backing, const vim_objset *names)
{
    char *btype = px_type(backing);
    if (btype && strstr(btype, "DistributedVirtualPort")) {
        char *key = px_get(backing, "port/portgroupKey");
        const char *name = name_of(names, "DistributedVirtualPortgroup", key);
        vr_set(&nic->network_id, key);
        if (name) {
            vr_set(&nic->network_name, name);
        } else if (key) {
            strbuf fallback = STRBUF_INIT;
            sb_addf(&fallback, "DVS-%s", key);
            nic->network_name = sb_detach(&fallback, NULL);
        }
        free(key);
    } else if (btype && strstr(btype, "OpaqueNetwork")) {
        nic->network_id = px_get(backing, "opaqueNetworkId");
        const char *name = name_of(names, "OpaqueNetwork", nic->network_id);
        vr_set(&nic->network_name, name ? name : nic->network_id);
    } else {
        nic->network_id = px_get(backing, "network");
        const char *name = name_of(names, "Network", nic->network_id);
        if (name)
            vr_set(&nic->network_name, name);
        else
            nic->network_name = px_get(backing, "deviceName");
    }
    free(btype);
}

/* ---- disks ---------------------------------------------------------------- */

static void disk_storage(vm_disk *d, const xmlNode *backing, const vim_objset *names)
{
    d->file = px_get(backing, "fileName");
    d->storage_id = px_get(backing, "datastore");
    const char *name = name_of(names, "Datastore", d->storage_id);
    if (name) {
        vr_set(&d->storage_name, name);
    } else if (d->file && d->file[0] == '[') {   /* "[datastore1] folder/x.vmdk" */
        const char *close = strchr(d->file, ']');
        if (close)
            vr_setn(&d->storage_name, d->file + 1, (size_t)(close - d->file - 1));
    }
    char *btype = px_type(backing);
    if (btype && strstr(btype, "RawDiskMapping")) {
        char *mode = px_get(backing, "compatibilityMode");
        vr_set(&d->provision_type, mode && strcmp(mode, "physicalMode") == 0 ? "rdm-physical"
                                                                            : "rdm-virtual");
        free(mode);
    } else if (px_child(backing, "thinProvisioned")) {
        int thin = px_get_bool(backing, "thinProvisioned", 0);
        int eager = px_get_bool(backing, "eagerlyScrub", 0);
        vr_set(&d->provision_type, thin ? "thin" : eager ? "thick-eager" : "thick-lazy");
    }
    free(btype);
    d->disk_mode = px_get(backing, "diskMode");
}

/* ---- snapshots ------------------------------------------------------------ */

static void add_snapshots(vm_record *r, const xmlNode *list_parent, const char *elem)
{
    for (xmlNode *s = px_child(list_parent, elem); s; s = px_next(s, elem)) {
        vm_snapshot *v = vm_record_add_snapshot(r);
        v->name = px_get(s, "name");
        v->id = px_get(s, "id");
        v->description = px_get(s, "description");
        v->create_time = px_get(s, "createTime");
        v->state = px_get(s, "state");
        v->ref = px_get(s, "snapshot");
        add_snapshots(r, s, "childSnapshotList");
    }
}

/* ---- the record ----------------------------------------------------------- */

static int guest_tools_running(const vim_obj *vm)
{
    char *running = vim_obj_str(vm, "guest.toolsRunningStatus");
    char *status = vim_obj_str(vm, "guest.toolsStatus");
    int yes = running ? strcmp(running, "guestToolsRunning") == 0
                      : status && (strcmp(status, "toolsOk") == 0 || strcmp(status, "toolsOld") == 0);
    free(running);
    free(status);
    return yes;
}

void vsphere_record_from(const vim_obj *vm, const vim_objset *names, vm_record *r)
{
    vr_set(&r->id, vm->value);
    r->name = vim_obj_str(vm, "name");
    if (!r->name)
        r->name = vim_obj_str(vm, "config.name");
    if (!r->name)
        r->name = vim_obj_str(vm, "summary.config.name");
    r->uuid = vim_obj_str(vm, "config.uuid");
    vr_set(&r->provider_type, "vsphere");
    char *power = vim_obj_str(vm, "runtime.powerState");
    if (!power)
        power = vim_obj_str(vm, "summary.runtime.powerState");
    r->power = !power                             ? VM_POWER_UNKNOWN
               : strcmp(power, "poweredOn") == 0  ? VM_POWER_ON
               : strcmp(power, "poweredOff") == 0 ? VM_POWER_OFF
                                                  : VM_POWER_OTHER;
    free(power);
    long long cpus = vim_obj_ll(vm, "config.hardware.numCPU", VR_UNSET);
    long long cores = vim_obj_ll(vm, "config.hardware.numCoresPerSocket", VR_UNSET);
    if (cores == VR_UNSET || cores <= 0)
        cores = cpus == VR_UNSET ? VR_UNSET : 1;
    r->cpu_cores = cores;
    r->cpu_sockets = cpus != VR_UNSET && cores != VR_UNSET ? cpus / cores : VR_UNSET;
    r->memory_mb = vim_obj_ll(vm, "config.hardware.memoryMB", VR_UNSET);
    r->boot_firmware = vim_obj_str(vm, "config.firmware");
    r->secure_boot = vim_obj_bool(vm, "config.bootOptions.efiSecureBootEnabled", 0);
    r->guest_os = vim_obj_str(vm, "config.guestId");
    r->win_os = r->guest_os ? strcasestr(r->guest_os, "win") != NULL : -1;
    r->is_template = vim_obj_bool(vm, "config.template", -1);
    r->guest_agent_running = r->power == VM_POWER_ON && guest_tools_running(vm);
    char *host = vim_obj_str(vm, "runtime.host");
    const char *host_name = name_of(names, "HostSystem", host);
    vr_set(&r->host, host_name ? host_name : host);
    free(host);

    size_t ndev, ngnet, nroutes;
    xmlNode **devs = nodes(vm, "config.hardware.device", &ndev);
    xmlNode **gnets = nodes(vm, "guest.net", &ngnet);
    xmlNode **routes = nodes(vm, "guest.ipStack.ipRouteConfig.ipRoute", &nroutes);
    r->tpm_present = 0;
    for (size_t i = 0; i < ndev; i++) {
        xmlNode *dev = devs[i];
        if (px_type_is(dev, "VirtualTPM"))
            r->tpm_present = 1;
        if (px_type_is(dev, "VirtualDisk")) {
            vm_disk *d = vm_record_add_disk(r);
            d->name = px_get(dev, "deviceInfo/label");
            d->device_key = px_get(dev, "key");
            d->unit_number = px_get_ll(dev, "unitNumber", VR_UNSET);
            d->controller_key = px_get_ll(dev, "controllerKey", VR_UNSET);
            d->size_kb = px_get_ll(dev, "capacityInKB", VR_UNSET);
            if (d->size_kb == VR_UNSET) {
                long long bytes = px_get_ll(dev, "capacityInBytes", VR_UNSET);
                d->size_kb = bytes == VR_UNSET ? VR_UNSET : bytes / 1024;
            }
            disk_storage(d, px_child(dev, "backing"), names);
        } else if (is_nic(dev)) {
            vm_nic *nic = vm_record_add_nic(r);
            nic->name = px_get(dev, "deviceInfo/label");
            nic->device_key = px_get(dev, "key");
            char *mac = px_get(dev, "macAddress");
            vr_set_mac(&nic->mac, mac);
            free(mac);
            nic->connected = px_get_bool(dev, "connectable/connected", -1);
            nic->start_connected = px_get_bool(dev, "connectable/startConnected", -1);
            nic_network(nic, px_child(dev, "backing"), names);
            size_t gi = 0;
            xmlNode *gnet = guest_net_for(gnets, ngnet, nic->device_key, nic->mac, &gi);
            if (gnet && r->power == VM_POWER_ON) {
                char *gw = default_gateway(routes, nroutes, gi, 0);
                add_guest_ips(nic, gnet, gw);
                free(gw);
            }
        }
    }
    free(devs);
    free(gnets);
    free(routes);
    add_snapshots(r, vim_obj_prop(vm, "snapshot"), "rootSnapshotList");
}

size_t vsphere_referenced(const vim_obj *vm, char ***refs)
{
    size_t n = 0, ndev;
    char **out = NULL;
    xmlNode **devs = nodes(vm, "config.hardware.device", &ndev);
    char *host = vim_obj_str(vm, "runtime.host");
    for (size_t i = 0; i <= ndev; i++) {
        char *type_value[2] = {NULL, NULL};
        const char *type = NULL;
        if (i == ndev) {
            type = "HostSystem";
            type_value[1] = host;
            host = NULL;
        } else {
            xmlNode *b = px_child(devs[i], "backing");
            char *bt = px_type(b);
            if (px_type_is(devs[i], "VirtualDisk")) {
                type = "Datastore";
                type_value[1] = px_get(b, "datastore");
            } else if (bt && strstr(bt, "DistributedVirtualPort")) {
                type = "DistributedVirtualPortgroup";
                type_value[1] = px_get(b, "port/portgroupKey");
            } else if (bt && strstr(bt, "EthernetCardNetwork")) {
                type = "Network";
                type_value[1] = px_get(b, "network");
            }
            free(bt);
        }
        if (!type || !type_value[1] || !*type_value[1]) {
            free(type_value[1]);
            continue;
        }
        strbuf ref = STRBUF_INIT;
        sb_addf(&ref, "%s:%s", type, type_value[1]);
        free(type_value[1]);
        int dup = 0;
        for (size_t j = 0; j < n && !dup; j++)
            dup = strcmp(out[j], ref.buf) == 0;
        if (dup) {
            sb_release(&ref);
            continue;
        }
        out = realloc(out, (n + 1) * sizeof *out);
        if (!out)
            abort();
        out[n++] = sb_detach(&ref, NULL);
    }
    free(host);
    free(devs);
    *refs = out;
    return n;
}
