/*
 * lab_vsphere_props: RetrievePropertiesEx objects -> lab_source. Reads the
 * same properties Forklift's vSphere collector reads (hardware devices,
 * guest networking with its default route, power, host, firmware, change
 * tracking) and resolves the morefs that devices point at (datastores,
 * networks and distributed port groups) to the names the inventory shows.
 */
#include "lab/lab_vsphere_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

static int is_element(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && (!name || !strcmp((const char *)n->name, name));
}

xmlNode *vsx_child(const xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (is_element(c, name))
            return c;
    return NULL;
}

xmlNode *vsx_next(const xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->next : NULL; c; c = c->next)
        if (is_element(c, name))
            return c;
    return NULL;
}

xmlNode *vsx_path(const xmlNode *n, const char *path)
{
    char part[64];
    const xmlNode *cur = n;
    while (cur && *path) {
        size_t len = strcspn(path, "/");
        if (len >= sizeof part)
            return NULL;
        memcpy(part, path, len);
        part[len] = 0;
        cur = vsx_child(cur, part);
        path += len + (path[len] == '/');
    }
    return (xmlNode *)cur;
}

char *vsx_text(const xmlNode *n)
{
    xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
    char *s = xstrdup((const char *)t);
    xmlFree(t);
    return s;
}

int vsx_text_is(const xmlNode *n, const char *want)
{
    char *t = vsx_text(n);
    int eq = n && !strcmp(t, want);
    free(t);
    return eq;
}

long long vsx_num(const xmlNode *n, long long dflt)
{
    if (!n)
        return dflt;
    char *t = vsx_text(n), *end;
    long long v = strtoll(t, &end, 10);
    if (end == t)
        v = dflt;
    free(t);
    return v;
}

char *vsx_xsi_type(const xmlNode *n)
{
    xmlChar *t = n ? xmlGetNsProp(n, BAD_CAST "type",
                                  BAD_CAST "http://www.w3.org/2001/XMLSchema-instance")
                   : NULL;
    const char *colon = t ? strchr((const char *)t, ':') : NULL;
    char *s = xstrdup(colon ? colon + 1 : (const char *)t);
    xmlFree(t);
    return s;
}

static void grow(void **p, size_t n, size_t size)
{
    /* arrays grow one at a time: inventories are hundreds of objects */
    void *q = realloc(*p, (n + 1) * size);
    if (!q)
        abort();
    *p = q;
}

void vsx_objects_add_doc(vsx_objects *o, xmlDoc *doc, xmlNode *returnval)
{
    grow((void **)&o->docs, o->ndocs, sizeof *o->docs);
    o->docs[o->ndocs++] = doc;
    for (xmlNode *c = vsx_child(returnval, "objects"); c; c = vsx_next(c, "objects")) {
        grow((void **)&o->objs, o->nobjs, sizeof *o->objs);
        o->objs[o->nobjs++] = c;
    }
}

void vsx_objects_free(vsx_objects *o)
{
    for (size_t i = 0; i < o->ndocs; i++)
        xmlFreeDoc(o->docs[i]);
    free(o->docs);
    free(o->objs);
    memset(o, 0, sizeof *o);
}

/* ---- one object ------------------------------------------------------ */

static int obj_is(const xmlNode *obj, const char *type)
{
    xmlNode *ref = vsx_child(obj, "obj");
    xmlChar *t = ref ? xmlGetProp(ref, BAD_CAST "type") : NULL;
    int eq = t && !strcmp((const char *)t, type);
    xmlFree(t);
    return eq;
}

/* The <val> of a property, or NULL when the object does not have it. */
static xmlNode *prop(const xmlNode *obj, const char *name)
{
    for (xmlNode *p = vsx_child(obj, "propSet"); p; p = vsx_next(p, "propSet"))
        if (vsx_text_is(vsx_child(p, "name"), name))
            return vsx_child(p, "val");
    return NULL;
}

static void add_named(lab_named **list, size_t *n, const xmlNode *obj)
{
    grow((void **)list, *n, sizeof **list);
    (*list)[*n].id = vsx_text(vsx_child(obj, "obj"));
    (*list)[*n].name = vsx_text(prop(obj, "name"));
    (*n)++;
}

static const char *name_of(const lab_named *list, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i].id, id))
            return list[i].name;
    return NULL;
}

/* ---- devices --------------------------------------------------------- */

static const char *controller_bus(const char *type)
{
    static const struct {
        const char *type, *bus;
    } buses[] = {
        {"VirtualLsiLogicController", "scsi"}, {"VirtualLsiLogicSASController", "scsi"},
        {"ParaVirtualSCSIController", "scsi"}, {"VirtualBusLogicController", "scsi"},
        {"VirtualAHCIController", "sata"},     {"VirtualIDEController", "ide"},
        {"VirtualNVMEController", "nvme"},
    };
    for (size_t i = 0; i < sizeof buses / sizeof *buses; i++)
        if (!strcmp(type, buses[i].type))
            return buses[i].bus;
    return NULL;
}

static void read_disk(const xmlNode *dev, const lab_source *s, const xmlNode *devices,
                      lab_disk *d)
{
    const xmlNode *b = vsx_child(dev, "backing");
    long long bytes = vsx_num(vsx_child(dev, "capacityInBytes"), -1);
    d->capacity = bytes >= 0 ? bytes : vsx_num(vsx_child(dev, "capacityInKB"), 0) * 1024;
    d->thin = vsx_text_is(vsx_child(b, "thinProvisioned"), "true");
    d->shared = vsx_text_is(vsx_child(b, "sharing"), "sharingMultiWriter");
    d->storage_id = vsx_text(vsx_child(b, "datastore"));
    d->storage = xstrdup(name_of(s->storages, s->nstorages, d->storage_id));
    d->id = xstrdup("");
    d->file = vsx_text(vsx_child(b, "fileName"));
    d->serial = vsx_text(vsx_child(b, "uuid"));
    d->key = (int)vsx_num(vsx_child(dev, "key"), 0);
    d->unit = (int)vsx_num(vsx_child(dev, "unitNumber"), 0);
    d->controller_key = (int)vsx_num(vsx_child(dev, "controllerKey"), 0);
    const char *bus = NULL;
    for (xmlNode *c = vsx_child(devices, NULL); c && !bus; c = vsx_next(c, NULL))
        if (vsx_num(vsx_child(c, "key"), -1) == d->controller_key) {
            char *t = vsx_xsi_type(c);
            bus = controller_bus(t);
            free(t);
        }
    d->bus = xstrdup(bus ? bus : "scsi");
}

static void read_nic(const xmlNode *dev, const char *type, const lab_source *s, lab_nic *n)
{
    const xmlNode *b = vsx_child(dev, "backing");
    const xmlNode *pg = vsx_path(b, "port/portgroupKey");
    n->network_id = vsx_text(pg ? pg : vsx_child(b, "network"));
    const char *name = name_of(s->networks, s->nnetworks, n->network_id);
    n->network = name ? xstrdup(name) : vsx_text(vsx_child(b, "deviceName"));
    n->mac = vsx_text(vsx_child(dev, "macAddress"));
    const xmlNode *conn = vsx_child(dev, "connectable");
    n->connected = !conn || vsx_text_is(vsx_child(conn, "startConnected"), "true");
    /* VirtualVmxnet3 -> vmxnet3, VirtualE1000e -> e1000e */
    const char *m = strncmp(type, "Virtual", 7) ? type : type + 7;
    n->model = xstrdup(m);
    for (char *p = n->model; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    n->id = vsx_text(vsx_child(dev, "key"));
    n->ip = xstrdup("");
    n->origin = xstrdup("");
    n->gateway = xstrdup("");
}

static void read_devices(const xmlNode *devices, const lab_source *s, lab_vm *vm)
{
    for (xmlNode *dev = vsx_child(devices, NULL); dev; dev = vsx_next(dev, NULL)) {
        char *type = vsx_xsi_type(dev);
        if (!strcmp(type, "VirtualDisk")) {
            grow((void **)&vm->disks, vm->ndisks, sizeof *vm->disks);
            memset(&vm->disks[vm->ndisks], 0, sizeof *vm->disks);
            read_disk(dev, s, devices, &vm->disks[vm->ndisks++]);
        } else if (!strcmp(type, "VirtualTPM")) {
            vm->tpm = 1;
        } else if (vsx_child(dev, "macAddress")) {
            grow((void **)&vm->nics, vm->nnics, sizeof *vm->nics);
            memset(&vm->nics[vm->nnics], 0, sizeof *vm->nics);
            read_nic(dev, type, s, &vm->nics[vm->nnics++]);
        }
        free(type);
    }
}

/* ---- guest networking -------------------------------------------------- */

static lab_nic *nic_by_mac(lab_vm *vm, const xmlNode *mac)
{
    for (size_t i = 0; mac && i < vm->nnics; i++)
        if (vsx_text_is(mac, vm->nics[i].mac))
            return &vm->nics[i];
    return NULL;
}

static void read_guest_net(const xmlNode *net, const xmlNode *stack, lab_vm *vm)
{
    xmlNode *guest_nics[32];
    size_t nguest = 0;
    for (xmlNode *g = vsx_child(net, NULL); g; g = vsx_next(g, NULL)) {
        if (nguest < sizeof guest_nics / sizeof *guest_nics)
            guest_nics[nguest++] = g;
        lab_nic *n = nic_by_mac(vm, vsx_child(g, "macAddress"));
        if (!n)
            continue;
        /* the first IPv4 address the guest reports, with its prefix and origin */
        for (xmlNode *a = vsx_path(g, "ipConfig/ipAddress"); a; a = vsx_next(a, "ipAddress")) {
            char *ip = vsx_text(vsx_child(a, "ipAddress"));
            if (!strchr(ip, ':') && *ip) {
                free(n->ip);
                n->ip = ip;
                n->prefix = (int)vsx_num(vsx_child(a, "prefixLength"), 0);
                free(n->origin);
                n->origin = vsx_text(vsx_child(a, "origin"));
                break;
            }
            free(ip);
        }
    }
    /* the default route names its gateway and the guest NIC index it leaves by */
    for (xmlNode *st = vsx_child(stack, NULL); st; st = vsx_next(st, NULL))
        for (xmlNode *r = vsx_path(st, "ipRouteConfig/ipRoute"); r; r = vsx_next(r, "ipRoute")) {
            if (!vsx_text_is(vsx_child(r, "network"), "0.0.0.0") ||
                vsx_num(vsx_child(r, "prefixLength"), -1) != 0)
                continue;
            const xmlNode *gw = vsx_child(r, "gateway");
            long long dev = vsx_num(vsx_child(gw, "device"), -1);
            lab_nic *n = dev >= 0 && (size_t)dev < nguest
                             ? nic_by_mac(vm, vsx_child(guest_nics[dev], "macAddress"))
                             : NULL;
            for (size_t i = 0; !n && i < vm->nnics; i++)
                if (*vm->nics[i].ip)
                    n = &vm->nics[i];
            if (n) {
                free(n->gateway);
                n->gateway = vsx_text(vsx_child(gw, "ipAddress"));
            }
        }
}

/* ---- VM -------------------------------------------------------------- */

/* lab_vm.tools means VMware Tools are installed, as the lab's own world
 * has it: a powered-off VM with tools reports toolsNotRunning and its
 * migrated guest still runs an agent. */
static int tools_installed(const xmlNode *obj)
{
    if (vsx_text_is(prop(obj, "guest.toolsRunningStatus"), "guestToolsRunning"))
        return 1;
    const xmlNode *st = prop(obj, "guest.toolsStatus");
    return st && !vsx_text_is(st, "") && !vsx_text_is(st, "toolsNotInstalled");
}

static void read_vm(const xmlNode *obj, const lab_source *s, const char *dc, lab_vm *vm)
{
    memset(vm, 0, sizeof *vm);
    vm->id = vsx_text(vsx_child(obj, "obj"));
    vm->name = vsx_text(prop(obj, "name"));
    vm->uuid = vsx_text(prop(obj, "config.uuid"));
    vm->cpus = (int)vsx_num(prop(obj, "config.hardware.numCPU"), 1);
    vm->cores_per_socket = (int)vsx_num(prop(obj, "config.hardware.numCoresPerSocket"), 1);
    vm->memory_mb = vsx_num(prop(obj, "config.hardware.memoryMB"), 0);
    vm->guest_id = vsx_text(prop(obj, "config.guestId"));
    vm->is_windows = strcasestr(vm->guest_id, "win") != NULL;
    vm->os_type = xstrdup(vm->is_windows ? "windows_2019x64" : "rhel_8x64");
    char *fw = vsx_text(prop(obj, "config.firmware"));
    vm->firmware = *fw ? fw : xstrdup("bios");
    if (!*fw)
        free(fw);
    vm->secure_boot = vsx_text_is(vsx_child(prop(obj, "config.bootOptions"), "efiSecureBootEnabled"),
                                  "true");
    vm->change_tracking = vsx_text_is(prop(obj, "config.changeTrackingEnabled"), "true");
    vm->power_on = vsx_text_is(prop(obj, "runtime.powerState"), "poweredOn");
    vm->host_id = vsx_text(prop(obj, "runtime.host"));
    vm->tools = tools_installed(obj);
    char *hn = vsx_text(prop(obj, "guest.hostName"));
    vm->hostname = *hn ? hn : xstrdup(vm->name);
    if (!*hn)
        free(hn);
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "/%s/vm/%s", dc, vm->name);
    vm->folder_path = sb_detach(&path, NULL);
    vm->disks = calloc(1, sizeof *vm->disks);
    vm->nics = calloc(1, sizeof *vm->nics);
    if (!vm->disks || !vm->nics)
        abort();
    read_devices(prop(obj, "config.hardware.device"), s, vm);
    read_guest_net(prop(obj, "guest.net"), prop(obj, "guest.ipStack"), vm);
}

void vsx_build_source(const vsx_objects *o, const char *about, lab_source *src)
{
    memset(src, 0, sizeof *src);
    src->type = LAB_SRC_VSPHERE;
    src->present = 1;
    src->about = xstrdup(about);
    char *dc_name = NULL;
    for (size_t i = 0; i < o->nobjs; i++) {
        const xmlNode *obj = o->objs[i];
        if (obj_is(obj, "Network") || obj_is(obj, "DistributedVirtualPortgroup"))
            add_named(&src->networks, &src->nnetworks, obj);
        else if (obj_is(obj, "Datastore"))
            add_named(&src->storages, &src->nstorages, obj);
        else if (obj_is(obj, "HostSystem"))
            add_named(&src->hosts, &src->nhosts, obj);
        else if (obj_is(obj, "Datacenter") && !dc_name)
            dc_name = vsx_text(prop(obj, "name"));
    }
    for (size_t i = 0; i < o->nobjs; i++) {
        if (!obj_is(o->objs[i], "VirtualMachine"))
            continue;
        grow((void **)&src->vms, src->nvms, sizeof *src->vms);
        read_vm(o->objs[i], src, dc_name ? dc_name : "", &src->vms[src->nvms++]);
    }
    free(dc_name);
    /* lab_source users index [0] without checking */
    if (!src->vms)
        src->vms = calloc(1, sizeof *src->vms);
    if (!src->vms)
        abort();
}
