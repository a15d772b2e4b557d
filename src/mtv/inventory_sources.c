/* inventory_sources: what a StorageMap / NetworkMap entry's source is, per
 * provider type, read from the VMs' inventory records the way upstream's
 * ForkliftInventory subclasses do (research/mtv-api-tests.md §5.3). Every
 * lookup goes through the fetch callback; results are deduplicated by their
 * canonical JSON unless a per-NIC network map asks for every NIC. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtv/inventory.h"
#include "util/json.h"

typedef struct walk {
    const char *type, *pid;
    mtv_inventory_fetch_fn fetch;
    void *ud;
    cJSON *out;
    int dedup;
    mtv_err *err;
} walk;

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const char *str(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(get(o, k));
}

/* Inventory models without JSON tags serialise Go field names ("ID"). */
static const char *id_of(const cJSON *o)
{
    return str(o, "id") ? str(o, "id") : str(o, "ID");
}

static const char *name_of(const cJSON *o)
{
    return str(o, "name") ? str(o, "name") : str(o, "Name");
}

static void add_source(walk *w, cJSON *item)
{
    if (w->dedup) {
        strbuf a = STRBUF_INIT, b = STRBUF_INIT;
        json_print(&a, item, 1);
        for (const cJSON *e = w->out->child; e; e = e->next) {
            sb_reset(&b);
            json_print(&b, e, 1);
            if (!strcmp(a.buf, b.buf)) {
                sb_release(&a);
                sb_release(&b);
                cJSON_Delete(item);
                return;
            }
        }
        sb_release(&a);
        sb_release(&b);
    }
    cJSON_AddItemToArray(w->out, item);
}

static cJSON *named(const char *name)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", name);
    return o;
}

/* Fetches "<type>/<pid>/<what>" into *out. */
static int fetch(walk *w, const char *what, cJSON **out)
{
    strbuf p = STRBUF_INIT;
    sb_addf(&p, "%s/%s/%s", w->type, w->pid, what);
    int rc = w->fetch(w->ud, p.buf, out, w->err);
    sb_release(&p);
    return rc;
}

/* The object with that id in the collection's listing (caller frees), or
 * NULL. For ids that cannot be one path segment, such as vcsim's local
 * datastores ("/tmp/govcsim-DC0-LocalDS_0-...@folder-5"). */
static cJSON *listed(walk *w, const char *collection, const char *id)
{
    cJSON *list = NULL, *found = NULL;
    char what[512];
    snprintf(what, sizeof what, "%s?detail=1", collection);
    if (fetch(w, what, &list) < 0)
        return NULL;
    for (cJSON *e = cJSON_IsArray(list) ? list->child : NULL; e && !found; e = e->next)
        if (id_of(e) && !strcmp(id_of(e), id))
            found = cJSON_DetachItemViaPointer(list, e);
    cJSON_Delete(list);
    if (!found)
        mtv_err_set(w->err, MTV_EXIT_ENV, "inventory %s/%s: no %s with id '%s'", w->type,
                    collection, collection, id);
    return found;
}

/* The name of the object at "<collection>/<id>" (its key: name or path). */
static int name_at(walk *w, const char *collection, const char *id, const char *key, cJSON **item)
{
    cJSON *obj = NULL;
    if (strchr(id, '/')) {
        if (!(obj = listed(w, collection, id)))
            return -1;
    } else {
        char what[512];
        snprintf(what, sizeof what, "%s/%s", collection, id);
        if (fetch(w, what, &obj) < 0)
            return -1;
    }
    const char *n = !strcmp(key, "name") ? name_of(obj) : str(obj, key);
    if (!n) {
        cJSON_Delete(obj);
        return mtv_err_set(w->err, MTV_EXIT_ENV, "inventory %s/%s/%s has no \"%s\"", w->type,
                           collection, id, key);
    }
    *item = named(n);
    cJSON_Delete(obj);
    return 0;
}

static int missing(walk *w, const cJSON *vm, const char *what)
{
    return mtv_err_set(w->err, MTV_EXIT_ENV, "inventory VM '%s' (%s): %s",
                       name_of(vm) ? name_of(vm) : "?", w->type, what);
}

/* ---- storage ------------------------------------------------------------- */

static int storage_by_datastore(walk *w, const cJSON *vm, const char *collection)
{
    const cJSON *disks = get(vm, "disks");
    for (const cJSON *d = cJSON_IsArray(disks) ? disks->child : NULL; d; d = d->next) {
        const char *ds = id_of(get(d, "datastore"));
        if (!ds)
            return missing(w, vm, "a disk has no datastore id");
        cJSON *item;
        if (name_at(w, collection, ds, "name", &item) < 0)
            return -1;
        add_source(w, item);
    }
    return 0;
}

static int storage_ovirt(walk *w, const cJSON *vm)
{
    const cJSON *atts = get(vm, "diskAttachments");
    for (const cJSON *a = cJSON_IsArray(atts) ? atts->child : NULL; a; a = a->next) {
        const char *disk = str(a, "disk") ? str(a, "disk") : id_of(a);
        char what[512];
        snprintf(what, sizeof what, "disks/%s", disk ? disk : "");
        cJSON *d = NULL;
        if (!disk || fetch(w, what, &d) < 0)
            return disk ? -1 : missing(w, vm, "a disk attachment has no disk id");
        const char *sd = str(d, "storageDomain");
        cJSON *item = NULL;
        int rc = sd ? name_at(w, "storagedomains", sd, "name", &item)
                    : missing(w, vm, "a disk has no storage domain");
        cJSON_Delete(d);
        if (rc < 0)
            return -1;
        add_source(w, item);
    }
    return 0;
}

static int storage_openstack(walk *w, const cJSON *vm)
{
    const cJSON *vols = get(vm, "attachedVolumes");
    for (const cJSON *v = cJSON_IsArray(vols) ? vols->child : NULL; v; v = v->next) {
        char what[512];
        snprintf(what, sizeof what, "volumes/%s", id_of(v) ? id_of(v) : "");
        cJSON *vol = NULL;
        if (!id_of(v))
            return missing(w, vm, "an attached volume has no ID");
        if (fetch(w, what, &vol) < 0)
            return -1;
        const char *vt = str(vol, "volumeType");
        if (vt && *vt)
            add_source(w, named(vt));
        cJSON_Delete(vol);
    }
    const char *image = str(vm, "imageID");
    if (image && *image)
        add_source(w, named("glance"));
    return 0;
}

static int storage_ova(walk *w, const cJSON *vm)
{
    cJSON *list = NULL;
    if (fetch(w, "storages?detail=4", &list) < 0)
        return -1;
    const char *vmname = name_of(vm);
    for (const cJSON *s = cJSON_IsArray(list) ? list->child : NULL; s; s = s->next) {
        const char *n = name_of(s);
        if (n && vmname && strstr(n, vmname) && id_of(s)) {
            cJSON *item = cJSON_CreateObject();
            cJSON_AddStringToObject(item, "id", id_of(s));
            add_source(w, item);
        }
    }
    cJSON_Delete(list);
    return 0;
}

static const cJSON *vm_template_spec(const cJSON *vm)
{
    return get(get(get(get(vm, "object"), "spec"), "template"), "spec");
}

static int storage_openshift(walk *w, const cJSON *vm)
{
    const char *ns = str(get(get(vm, "object"), "metadata"), "namespace");
    if (!ns)
        ns = str(vm, "namespace");
    cJSON *pvcs = NULL;
    if (fetch(w, "persistentvolumeclaims?detail=4", &pvcs) < 0)
        return -1;
    const cJSON *vols = get(vm_template_spec(vm), "volumes");
    int rc = 0;
    for (const cJSON *v = cJSON_IsArray(vols) ? vols->child : NULL; v && !rc; v = v->next) {
        const char *claim = str(get(v, "dataVolume"), "name");
        if (!claim)
            claim = str(get(v, "persistentVolumeClaim"), "claimName");
        if (!claim)
            continue;   /* cloud-init and other non-disk volumes */
        const char *sc = NULL;
        for (const cJSON *p = cJSON_IsArray(pvcs) ? pvcs->child : NULL; p && !sc; p = p->next) {
            const cJSON *md = get(get(p, "object"), "metadata");
            const char *pname = str(md, "name") ? str(md, "name") : name_of(p);
            const char *pns = str(md, "namespace") ? str(md, "namespace") : str(p, "namespace");
            if (pname && !strcmp(pname, claim) && (!ns || !pns || !strcmp(pns, ns)))
                sc = str(get(get(p, "object"), "spec"), "storageClassName");
        }
        if (sc)
            add_source(w, named(sc));
        else
            rc = missing(w, vm, "a volume's PVC has no storage class in the inventory");
    }
    cJSON_Delete(pvcs);
    return rc;
}

/* ---- networks ------------------------------------------------------------ */

static int networks_by_id(walk *w, const cJSON *vm, const char *list_key, const char *ref_key,
                          int with_id)
{
    const cJSON *list = get(vm, list_key);
    for (const cJSON *n = cJSON_IsArray(list) ? list->child : NULL; n; n = n->next) {
        const char *id = ref_key ? id_of(get(n, ref_key)) : id_of(n);
        if (!id)
            return missing(w, vm, "a NIC or network has no network id");
        cJSON *item;
        if (name_at(w, "networks", id, "name", &item) < 0)
            return -1;
        if (with_id)
            cJSON_AddStringToObject(item, "id", id);
        add_source(w, item);
    }
    return 0;
}

static int networks_ovirt(walk *w, const cJSON *vm)
{
    const cJSON *nics = get(vm, "nics");
    for (const cJSON *n = cJSON_IsArray(nics) ? nics->child : NULL; n; n = n->next) {
        const char *profile = str(n, "profile");
        if (!profile)
            return missing(w, vm, "a NIC has no profile");
        char what[512];
        snprintf(what, sizeof what, "nicprofiles/%s", profile);
        cJSON *p = NULL;
        if (fetch(w, what, &p) < 0)
            return -1;
        const char *net = str(p, "network");
        cJSON *item = NULL;
        int rc = net ? name_at(w, "networks", net, "path", &item)
                     : missing(w, vm, "a NIC profile has no network");
        cJSON_Delete(p);
        if (rc < 0)
            return -1;
        add_source(w, item);
    }
    return 0;
}

static int networks_openstack(walk *w, const cJSON *vm)
{
    cJSON *nets = NULL;
    if (fetch(w, "networks?detail=4", &nets) < 0)
        return -1;
    const cJSON *addrs = get(vm, "addresses");
    int rc = 0;
    for (const cJSON *a = cJSON_IsObject(addrs) ? addrs->child : NULL; a && !rc; a = a->next) {
        const char *id = NULL;
        for (const cJSON *n = cJSON_IsArray(nets) ? nets->child : NULL; n && !id; n = n->next)
            if (name_of(n) && !strcmp(name_of(n), a->string))
                id = id_of(n);
        if (!id) {
            rc = missing(w, vm, "an address's network is not in the inventory's networks");
            break;
        }
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "id", id);
        cJSON_AddStringToObject(item, "name", a->string);
        add_source(w, item);
    }
    cJSON_Delete(nets);
    return rc;
}

static int networks_openshift(walk *w, const cJSON *vm)
{
    const cJSON *nets = get(vm_template_spec(vm), "networks");
    for (const cJSON *n = cJSON_IsArray(nets) ? nets->child : NULL; n; n = n->next) {
        const char *multus = str(get(n, "multus"), "networkName");
        if (multus) {
            add_source(w, named(multus));
        } else if (get(n, "pod")) {
            cJSON *item = cJSON_CreateObject();
            cJSON_AddStringToObject(item, "type", "pod");
            add_source(w, item);
        }
    }
    return 0;
}

/* ---- entry points ---------------------------------------------------------- */

static int run_walk(walk *w, const cJSON *vms, int storage)
{
    for (const cJSON *vm = cJSON_IsArray(vms) ? vms->child : NULL; vm; vm = vm->next) {
        const char *t = w->type;
        int rc;
        if (storage) {
            rc = !strcmp(t, "vsphere")     ? storage_by_datastore(w, vm, "datastores")
                 : !strcmp(t, "hyperv")    ? storage_by_datastore(w, vm, "storages")
                 : !strcmp(t, "ovirt")     ? storage_ovirt(w, vm)
                 : !strcmp(t, "openstack") ? storage_openstack(w, vm)
                 : !strcmp(t, "ova")       ? storage_ova(w, vm)
                 : !strcmp(t, "openshift") ? storage_openshift(w, vm)
                                           : mtv_err_set(w->err, MTV_EXIT_USAGE,
                                                         "no storage mapping for provider type %s", t);
        } else {
            rc = !strcmp(t, "vsphere")
                     ? networks_by_id(w, vm, w->dedup ? "networks" : "nics", w->dedup ? NULL : "network", 0)
                 : !strcmp(t, "ova")       ? networks_by_id(w, vm, "networks", NULL, 0)
                 : !strcmp(t, "hyperv")    ? networks_by_id(w, vm, "nics", "network", 1)
                 : !strcmp(t, "ovirt")     ? networks_ovirt(w, vm)
                 : !strcmp(t, "openstack") ? networks_openstack(w, vm)
                 : !strcmp(t, "openshift") ? networks_openshift(w, vm)
                                           : mtv_err_set(w->err, MTV_EXIT_USAGE,
                                                         "no network mapping for provider type %s", t);
        }
        if (rc < 0)
            return -1;
    }
    if (cJSON_GetArraySize(w->out) == 0)
        return mtv_err_set(w->err, MTV_EXIT_ENV,
                           "inventory: the VMs use no %s the inventory knows (%s provider %s)",
                           storage ? "storage" : "network", w->type, w->pid);
    return 0;
}

int mtv_inventory_storage_sources(const char *type, const char *pid, const cJSON *vms,
                                  mtv_inventory_fetch_fn fetch_fn, void *ud, cJSON **sources,
                                  mtv_err *err)
{
    walk w = {type, pid, fetch_fn, ud, cJSON_CreateArray(), 1, err};
    if (run_walk(&w, vms, 1) < 0) {
        cJSON_Delete(w.out);
        *sources = NULL;
        return -1;
    }
    *sources = w.out;
    return 0;
}

int mtv_inventory_network_sources(const char *type, const char *pid, const cJSON *vms, int dedup,
                                  mtv_inventory_fetch_fn fetch_fn, void *ud, cJSON **sources,
                                  mtv_err *err)
{
    walk w = {type, pid, fetch_fn, ud, cJSON_CreateArray(), dedup, err};
    if (run_walk(&w, vms, 0) < 0) {
        cJSON_Delete(w.out);
        *sources = NULL;
        return -1;
    }
    *sources = w.out;
    return 0;
}
