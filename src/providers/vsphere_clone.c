/* vsphere_clone: see vsphere_clone.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/pxml.h"
#include "providers/vsphere_clone.h"
#include "util/log.h"

#define CLONE_TIMEOUT_MS 3600000

static const char *const SOURCE_PATHS[] = {"name", "config.hardware.device", "config.template",
                                           "parent", "resourcePool", "datastore", "runtime.host",
                                           NULL};

static xmlNode **nodes(const vim_obj *o, const char *path, size_t *n)
{
    *n = vim_obj_nodes(o, path, NULL, 0);
    xmlNode **items = calloc(*n + 1, sizeof *items);
    if (!items)
        abort();
    vim_obj_nodes(o, path, items, *n);
    return items;
}

static int one_of(const char *s, const char *const *allowed)
{
    for (int i = 0; allowed[i]; i++)
        if (strcmp(s, allowed[i]) == 0)
            return 1;
    return 0;
}

static const char *const PROVISION_TYPES[] = {"thin", "thick-lazy", "thick-eager", NULL};
static const char *const DISK_MODES[] = {"persistent", "independent_persistent",
                                         "independent_nonpersistent", "nonpersistent", NULL};

static int check_options(const clone_options *o, mtv_err *err)
{
    if (o->disk_type && !one_of(o->disk_type, PROVISION_TYPES))
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "disk_type '%s' is not one of thin, thick-lazy, thick-eager",
                           o->disk_type);
    for (size_t i = 0; i < o->nadd_disks; i++) {
        const clone_disk *d = &o->add_disks[i];
        if (d->size_gb <= 0)
            return mtv_err_set(err, MTV_EXIT_USAGE, "add_disks[%zu].size_gb must be a positive "
                                                    "number of GiB", i);
        if (d->provision_type && !one_of(d->provision_type, PROVISION_TYPES))
            return mtv_err_set(err, MTV_EXIT_USAGE, "add_disks[%zu].provision_type '%s' is not "
                                                    "one of thin, thick-lazy, thick-eager",
                               i, d->provision_type);
        if (d->disk_mode && !one_of(d->disk_mode, DISK_MODES))
            return mtv_err_set(err, MTV_EXIT_USAGE, "add_disks[%zu].disk_mode '%s' is not one of "
                                                    "persistent, independent_persistent, "
                                                    "independent_nonpersistent",
                               i, d->disk_mode);
    }
    return 0;
}

/* ---- devices ---------------------------------------------------------------- */

static int is_scsi_controller(const xmlNode *dev)
{
    char *t = px_type(dev);
    int yes = t && (strstr(t, "SCSIController") || strstr(t, "LsiLogic") || strstr(t, "BusLogic"));
    free(t);
    return yes;
}

/* "scsi", "ide", "sata", "nvme" for a controller (for scsiX:Y keys). */
static const char *bus_prefix(const xmlNode *ctrl)
{
    char *t = px_type(ctrl);
    const char *p = !t                 ? NULL
                    : strstr(t, "IDE")  ? "ide"
                    : strstr(t, "AHCI") || strstr(t, "Sata") ? "sata"
                    : strstr(t, "NVME") || strstr(t, "Nvme") ? "nvme"
                    : is_scsi_controller(ctrl) ? "scsi" : NULL;
    free(t);
    return p;
}

static xmlNode *device_by_key(xmlNode **devs, size_t n, long long key)
{
    for (size_t i = 0; i < n; i++)
        if (px_get_ll(devs[i], "key", -1) == key)
            return devs[i];
    return NULL;
}

static int is_nic(const xmlNode *dev)
{
    return px_child(dev, "addressType") != NULL || px_child(dev, "macAddress") != NULL;
}

static void add_moref(strbuf *out, const char *tag, const char *type, const char *value)
{
    sb_addf(out, "<%s type=\"%s\">", tag, type);
    px_escape(out, value);
    sb_addf(out, "</%s>", tag);
}

static void copy_text(strbuf *out, const xmlNode *node, const char *path, const char *tag)
{
    char *v = px_get(node, path);
    if (v)
        px_elem(out, tag, v);
    free(v);
}

/* A NIC deviceChange modelled on dev: op "edit" keeps its key, label and
 * connection state; op "add" makes a new device (negative key) whose
 * connection state is connected (0/1). Both carry dev's network backing, its
 * deviceInfo (vcsim crashes on an edit without one) and a generated MAC. */
static int nic_change(strbuf *out, const xmlNode *dev, const char *op, int connected, mtv_err *err)
{
    char *type = px_type(dev);
    char *key = px_get(dev, "key");
    xmlNode *b = px_child(dev, "backing");
    char *bt = px_type(b);
    strbuf backing = STRBUF_INIT;
    int rc = 0;
    int add = strcmp(op, "add") == 0;
    if (bt && strcmp(bt, "VirtualEthernetCardNetworkBackingInfo") == 0) {
        copy_text(&backing, b, "deviceName", "deviceName");
        char *net = px_get(b, "network");
        char *nt = px_attr(px_child(b, "network"), "type");
        if (net)
            add_moref(&backing, "network", nt ? nt : "Network", net);
        free(net);
        free(nt);
    } else if (bt && strcmp(bt, "VirtualEthernetCardDistributedVirtualPortBackingInfo") == 0) {
        sb_adds(&backing, "<port>");
        copy_text(&backing, b, "port/switchUuid", "switchUuid");
        copy_text(&backing, b, "port/portgroupKey", "portgroupKey");
        sb_adds(&backing, "</port>");
    } else if (bt && strcmp(bt, "VirtualEthernetCardOpaqueNetworkBackingInfo") == 0) {
        copy_text(&backing, b, "opaqueNetworkId", "opaqueNetworkId");
        copy_text(&backing, b, "opaqueNetworkType", "opaqueNetworkType");
    } else {
        rc = mtv_err_set(err, MTV_EXIT_USAGE,
                         "network adapter %s has a %s backing, which %s cannot carry over%s",
                         key ? key : "?", bt ? bt : "missing",
                         add ? "an added NIC" : "a clone with new MAC addresses",
                         add ? "" : "; clone with the source's MACs instead");
    }
    if (rc == 0) {
        sb_addf(out, "<deviceChange><operation>%s</operation><device xsi:type=\"%s\">", op,
                type ? type : "VirtualEthernetCard");
        if (add) {
            sb_adds(out, "<key>-201</key><deviceInfo><label>Network adapter (added)</label>"
                         "<summary></summary></deviceInfo>");
        } else {
            px_elem(out, "key", key);
            char *label = px_get(dev, "deviceInfo/label");
            char *summary = px_get(dev, "deviceInfo/summary");
            sb_adds(out, "<deviceInfo>");
            px_elem(out, "label", label ? label : "Network adapter");
            px_elem(out, "summary", summary ? summary : "");
            sb_adds(out, "</deviceInfo>");
            free(label);
            free(summary);
        }
        sb_addf(out, "<backing xsi:type=\"%s\">%s</backing>", bt, backing.buf);
        xmlNode *conn = px_child(dev, "connectable");
        if (add) {
            sb_addf(out, "<connectable><startConnected>%s</startConnected><allowGuestControl>"
                         "true</allowGuestControl><connected>%s</connected></connectable>",
                    connected ? "true" : "false", connected ? "true" : "false");
        } else if (conn) {
            sb_adds(out, "<connectable>");
            copy_text(out, conn, "startConnected", "startConnected");
            copy_text(out, conn, "allowGuestControl", "allowGuestControl");
            copy_text(out, conn, "connected", "connected");
            sb_adds(out, "</connectable>");
        }
        copy_text(out, dev, "controllerKey", "controllerKey");
        if (!add)
            copy_text(out, dev, "unitNumber", "unitNumber");
        sb_adds(out, "<addressType>generated</addressType><macAddress></macAddress>"
                     "</device></deviceChange>");
    }
    free(type);
    free(key);
    free(bt);
    sb_release(&backing);
    return rc;
}

/* upstream's add_nic: a NIC like the first secondary NIC (else the first) */
static int nic_add(strbuf *out, xmlNode **devs, size_t ndev, int start_connected, mtv_err *err)
{
    xmlNode *first = NULL, *second = NULL;
    for (size_t i = 0; i < ndev; i++) {
        if (!is_nic(devs[i]))
            continue;
        if (!first)
            first = devs[i];
        else if (!second)
            second = devs[i];
    }
    if (!first)
        return mtv_err_set(err, MTV_EXIT_USAGE, "add_nic: the source VM has no NIC whose network "
                                                "the new one could use");
    return nic_change(out, second ? second : first, "add", start_connected, err);
}

static void flat_backing(strbuf *out, const char *tag, const char *file, const char *ds,
                         const char *mode, const char *provision)
{
    sb_addf(out, "<%s xsi:type=\"VirtualDiskFlatVer2BackingInfo\">", tag);
    sb_adds(out, "<fileName>");
    px_escape(out, file ? file : "");
    sb_adds(out, "</fileName>");
    if (ds)
        add_moref(out, "datastore", "Datastore", ds);
    px_elem(out, "diskMode", mode ? mode : "persistent");
    int thin = !provision || strcmp(provision, "thin") == 0;
    int eager = provision && strcmp(provision, "thick-eager") == 0;
    sb_addf(out, "<thinProvisioned>%s</thinProvisioned><eagerlyScrub>%s</eagerlyScrub>",
            thin ? "true" : "false", eager ? "true" : "false");
    sb_addf(out, "</%s>", tag);
}

static const char *ds_name(const vim_objset *datastores, const char *id, char **owned)
{
    const vim_obj *o = datastores ? vim_objset_get(datastores, "Datastore", id) : NULL;
    *owned = o ? vim_obj_str(o, "name") : NULL;
    return *owned;
}

/* ---- the spec ------------------------------------------------------------------ */

int vsphere_clone_spec(const vim_obj *src, const char *clone_name, const clone_options *o,
                       const char *folder, const char *datastore, const char *pool,
                       const char *host, const vim_objset *datastores, strbuf *args,
                       mtv_err *err)
{
    if (check_options(o, err))
        return -1;
    size_t ndev;
    xmlNode **devs = nodes(src, "config.hardware.device", &ndev);
    strbuf location = STRBUF_INIT, changes = STRBUF_INIT, extra = STRBUF_INIT;
    int rc = 0;

    add_moref(&location, "datastore", "Datastore", datastore);
    if (pool)
        add_moref(&location, "pool", "ResourcePool", pool);
    if (host)
        add_moref(&location, "host", "HostSystem", host);
    if (o->disk_type) {
        for (size_t i = 0; i < ndev; i++) {
            if (!px_type_is(devs[i], "VirtualDisk") ||
                !px_type_is(px_child(devs[i], "backing"), "VirtualDiskFlatVer2BackingInfo"))
                continue;
            sb_adds(&location, "<disk>");
            copy_text(&location, devs[i], "key", "diskId");
            add_moref(&location, "datastore", "Datastore", datastore);
            char *mode = px_get(devs[i], "backing/diskMode");
            flat_backing(&location, "diskBackingInfo", "", NULL, mode, o->disk_type);
            free(mode);
            sb_adds(&location, "</disk>");
        }
        px_elem(&location, "transform", strcmp(o->disk_type, "thin") == 0 ? "sparse" : "flat");
    }

    /* added disks go on the first SCSI controller, on free units (7 is the
     * controller's own) */
    xmlNode *ctrl = NULL;
    for (size_t i = 0; i < ndev && !ctrl; i++)
        if (is_scsi_controller(devs[i]))
            ctrl = devs[i];
    long long ctrl_key = ctrl ? px_get_ll(ctrl, "key", -1) : -1;
    int used[16] = {0};
    used[7] = 1;
    for (size_t i = 0; i < ndev; i++) {
        long long u = px_get_ll(devs[i], "unitNumber", -1);
        if (ctrl && px_get_ll(devs[i], "controllerKey", -2) == ctrl_key && u >= 0 && u < 16)
            used[u] = 1;
    }
    long long ctk_units[16];
    size_t nctk = 0;
    for (size_t i = 0; i < o->nadd_disks && rc == 0; i++) {
        const clone_disk *d = &o->add_disks[i];
        int unit = -1;
        for (int u = 0; u < 16 && unit < 0; u++)
            if (!used[u])
                unit = u;
        if (!ctrl) {
            rc = mtv_err_set(err, MTV_EXIT_USAGE, "the source VM has no SCSI controller to attach "
                                                  "added disks to");
            break;
        }
        if (unit < 0) {
            rc = mtv_err_set(err, MTV_EXIT_USAGE, "no free unit left on SCSI controller %lld for "
                                                  "added disk %zu", ctrl_key, i);
            break;
        }
        used[unit] = 1;
        ctk_units[nctk++] = unit;
        const char *ds = d->datastore_id ? d->datastore_id : NULL;
        strbuf file = STRBUF_INIT;
        if (d->datastore_path) {
            char *owned;
            const char *name = ds_name(datastores, ds ? ds : datastore, &owned);
            if (!name) {
                rc = mtv_err_set(err, MTV_EXIT_USAGE, "add_disks[%zu]: datastore %s has no "
                                                      "known name for datastore_path", i,
                                 ds ? ds : datastore);
                sb_release(&file);
                break;
            }
            sb_addf(&file, "[%s] %s/%s_disk_%zu.vmdk", name, d->datastore_path, clone_name, i + 1);
            free(owned);
        }
        sb_adds(&changes, "<deviceChange><operation>add</operation><fileOperation>create"
                          "</fileOperation><device xsi:type=\"VirtualDisk\">");
        sb_addf(&changes, "<key>%lld</key>", -101LL - (long long)i);
        flat_backing(&changes, "backing", file.buf, ds, d->disk_mode,
                     d->provision_type ? d->provision_type : "thin");
        sb_addf(&changes, "<controllerKey>%lld</controllerKey><unitNumber>%d</unitNumber>"
                          "<capacityInKB>%lld</capacityInKB></device></deviceChange>",
                ctrl_key, unit, d->size_gb * 1024LL * 1024LL);
        sb_release(&file);
    }
    for (size_t i = 0; i < ndev && rc == 0 && !o->keep_macs; i++)
        if (is_nic(devs[i]))
            rc = nic_change(&changes, devs[i], "edit", 0, err);
    if (rc == 0 && o->add_nic)
        rc = nic_add(&changes, devs, ndev, o->add_nic_start_connected, err);

    if (rc == 0 && o->enable_cbt) {
        sb_adds(&extra, "<extraConfig xsi:type=\"OptionValue\"><key>ctkEnabled</key>"
                        "<value xsi:type=\"xsd:string\">true</value></extraConfig>");
        for (size_t i = 0; i < ndev; i++) {
            if (!px_type_is(devs[i], "VirtualDisk"))
                continue;
            xmlNode *c = device_by_key(devs, ndev, px_get_ll(devs[i], "controllerKey", -1));
            const char *prefix = c ? bus_prefix(c) : NULL;
            if (!prefix)
                continue;
            sb_addf(&extra, "<extraConfig xsi:type=\"OptionValue\"><key>%s%lld:%lld.ctkEnabled"
                            "</key><value xsi:type=\"xsd:string\">true</value></extraConfig>",
                    prefix, px_get_ll(c, "busNumber", 0), px_get_ll(devs[i], "unitNumber", 0));
        }
        for (size_t i = 0; i < nctk; i++)
            sb_addf(&extra, "<extraConfig xsi:type=\"OptionValue\"><key>scsi%lld:%lld.ctkEnabled"
                            "</key><value xsi:type=\"xsd:string\">true</value></extraConfig>",
                    px_get_ll(ctrl, "busNumber", 0), ctk_units[i]);
        sb_adds(&extra, "<changeTrackingEnabled>true</changeTrackingEnabled>");
    }
    if (rc == 0) {
        add_moref(args, "folder", "Folder", folder);
        px_elem(args, "name", clone_name);
        sb_addf(args, "<spec><location>%s</location><template>false</template>", location.buf);
        if (changes.len || extra.len)
            sb_addf(args, "<config>%s%s</config>", sb_str(&changes), sb_str(&extra));
        sb_adds(args, "<powerOn>false</powerOn></spec>");
    }
    free(devs);
    sb_release(&location);
    sb_release(&changes);
    sb_release(&extra);
    return rc;
}

/* ---- placement ---------------------------------------------------------------- */

/* The id of an object of type given by id or by name. */
static int resolve(vim_client *c, const char *type, const char *want, strbuf *id, mtv_err *err)
{
    vim_objset set;
    if (vim_list(c, type, &set, err))
        return -1;
    int rc = -1;
    for (size_t i = 0; i < set.count && rc; i++)
        if (strcmp(set.objs[i].value, want) == 0)
            rc = 0, sb_adds(id, set.objs[i].value);
    for (size_t i = 0; i < set.count && rc; i++) {
        char *name = vim_obj_str(&set.objs[i], "name");
        if (name && strcmp(name, want) == 0)
            rc = 0, sb_adds(id, set.objs[i].value);
        free(name);
    }
    vim_objset_free(&set);
    if (rc)
        mtv_err_set(err, MTV_EXIT_USAGE, "vSphere at %s has no %s with id or name '%s'", c->url,
                    type, want);
    return rc;
}

static char *read_one(vim_client *c, const char *type, const char *id, const char *path)
{
    const char *paths[] = {path, NULL};
    vim_spec spec;
    vim_spec_init(&spec);
    vim_spec_props(&spec, type, paths);
    vim_spec_obj(&spec, type, id);
    vim_objset set;
    mtv_err err;
    char *v = NULL;
    if (vim_retrieve(c, &spec, &set, &err) == 0) {
        v = vim_obj_str(vim_objset_get(&set, type, id), path);
        vim_objset_free(&set);
    } else {
        log_debug("vsphere: reading %s of %s %s: %s", path, type, id, err.msg);
    }
    vim_spec_free(&spec);
    return v;
}

/* A resource pool for a host: its compute resource's root pool. */
static char *pool_of_host(vim_client *c, const char *host)
{
    char *cr = read_one(c, "HostSystem", host, "parent");
    char *pool = cr ? read_one(c, "ComputeResource", cr, "resourcePool") : NULL;
    free(cr);
    return pool;
}

/* The datacenter holding an object, by walking up its parents. */
static char *datacenter_of(vim_client *c, const char *type, const char *id)
{
    static const char *const paths[] = {"parent", NULL};
    char *cur_type = strdup(type), *cur = strdup(id);
    for (int hop = 0; hop < 16 && cur; hop++) {
        vim_spec spec;
        vim_spec_init(&spec);
        vim_spec_props(&spec, "ManagedEntity", paths);
        vim_spec_obj(&spec, cur_type, cur);
        vim_objset set;
        mtv_err err;
        char *parent = NULL, *ptype = NULL;
        if (vim_retrieve(c, &spec, &set, &err) == 0) {
            xmlNode *p = vim_obj_prop(vim_objset_get(&set, cur_type, cur), "parent");
            parent = px_text(p);
            ptype = px_attr(p, "type");
            vim_objset_free(&set);
        }
        vim_spec_free(&spec);
        free(cur);
        free(cur_type);
        cur = parent;
        cur_type = ptype;
        if (cur && cur_type && strcmp(cur_type, "Datacenter") == 0) {
            free(cur_type);
            return cur;
        }
        if (!cur_type) {
            free(cur);
            cur = NULL;
        }
    }
    free(cur);
    free(cur_type);
    return NULL;
}

static int make_dirs(vim_client *c, const clone_options *o, const char *datastore,
                     const vim_objset *datastores, mtv_err *err)
{
    for (size_t i = 0; i < o->nadd_disks; i++) {
        const clone_disk *d = &o->add_disks[i];
        if (!d->datastore_path || !c->file_manager)
            continue;
        const char *ds = d->datastore_id ? d->datastore_id : datastore;
        char *owned;
        const char *name = ds_name(datastores, ds, &owned);
        if (!name)
            continue;   /* vsphere_clone_spec reports it */
        char *dc = datacenter_of(c, "Datastore", ds);
        strbuf args = STRBUF_INIT, path = STRBUF_INIT;
        sb_addf(&path, "[%s] %s", name, d->datastore_path);
        px_elem(&args, "name", path.buf);
        if (dc)
            add_moref(&args, "datacenter", "Datacenter", dc);
        sb_adds(&args, "<createParentDirectories>true</createParentDirectories>");
        vim_reply r;
        int rc = vim_call(c, "MakeDirectory", "FileManager", c->file_manager, args.buf, &r, err);
        if (rc == 0)
            vim_reply_free(&r);
        else if (strcmp(r.fault, "FileAlreadyExists") == 0)
            rc = 0;
        else
            mtv_err_prefix(err, "creating folder %s for added disk %zu", path.buf, i);
        free(owned);
        free(dc);
        sb_release(&args);
        sb_release(&path);
        if (rc)
            return -1;
    }
    return 0;
}

static int needs_datastore_names(const clone_options *o)
{
    for (size_t i = 0; i < o->nadd_disks; i++)
        if (o->add_disks[i].datastore_path)
            return 1;
    return 0;
}

static int ensure_cbt(vim_client *c, const char *clone, const char *name, mtv_err *err)
{
    char *on = read_one(c, "VirtualMachine", clone, "config.changeTrackingEnabled");
    int ok = on && strcmp(on, "true") == 0;
    free(on);
    if (ok)
        return 0;
    /* some servers (vcsim among them) drop it from the clone spec */
    strbuf what = STRBUF_INIT;
    sb_addf(&what, "enabling changed block tracking on '%s'", name);
    int rc = vim_run_task(c, "ReconfigVM_Task", "VirtualMachine", clone,
                          "<spec><changeTrackingEnabled>true</changeTrackingEnabled></spec>",
                          600000, what.buf, NULL, NULL, err);
    sb_release(&what);
    return rc;
}

/* The clone must run on the host asked for (target_esxi_host,
 * clone_to_same_host): read back where it is and move it there when the
 * server placed it elsewhere (vcsim keeps the source's host). */
static int ensure_host(vim_client *c, const char *clone, const char *name, const char *host,
                       mtv_err *err)
{
    char *on = read_one(c, "VirtualMachine", clone, "runtime.host");
    int ok = on && strcmp(on, host) == 0;
    if (ok) {
        free(on);
        return 0;
    }
    log_info("vsphere: '%s' was placed on host %s, not %s as asked; relocating it", name,
             on ? on : "(unknown)", host);
    free(on);
    strbuf args = STRBUF_INIT, what = STRBUF_INIT;
    char *pool = pool_of_host(c, host);
    sb_adds(&args, "<spec>");
    if (pool)
        add_moref(&args, "pool", "ResourcePool", pool);
    add_moref(&args, "host", "HostSystem", host);
    sb_adds(&args, "</spec>");
    sb_addf(&what, "moving '%s' to host %s", name, host);
    int rc = vim_run_task(c, "RelocateVM_Task", "VirtualMachine", clone, args.buf, 600000,
                          what.buf, NULL, NULL, err);
    on = rc == 0 ? read_one(c, "VirtualMachine", clone, "runtime.host") : NULL;
    if (rc == 0 && (!on || strcmp(on, host) != 0))
        rc = mtv_err_set(err, MTV_EXIT_ENV, "%s: the clone is still on host %s", what.buf,
                         on ? on : "(unknown)");
    free(on);
    free(pool);
    sb_release(&args);
    sb_release(&what);
    return rc;
}

int vsphere_clone(vim_client *c, const char *source, const char *clone_name,
                  const clone_options *o, strbuf *id, mtv_err *err)
{
    if (check_options(o, err))
        return -1;
    strbuf src_id = STRBUF_INIT, ds = STRBUF_INIT, host = STRBUF_INIT, pool = STRBUF_INIT;
    strbuf args = STRBUF_INIT, what = STRBUF_INIT;
    vim_objset set = {0}, datastores = {0};
    char *folder = NULL, *fallback_pool = NULL;
    int rc = vim_find(c, "VirtualMachine", source, &src_id, err);
    const vim_obj *src = NULL;
    if (rc == 0) {
        vim_spec spec;
        vim_spec_init(&spec);
        vim_spec_props(&spec, "VirtualMachine", SOURCE_PATHS);
        vim_spec_obj(&spec, "VirtualMachine", src_id.buf);
        rc = vim_retrieve(c, &spec, &set, err);
        vim_spec_free(&spec);
        src = rc == 0 ? vim_objset_get(&set, "VirtualMachine", src_id.buf) : NULL;
        if (rc == 0 && !src)
            rc = mtv_err_set(err, MTV_EXIT_ENV, "VM %s returned no properties", src_id.buf);
    }
    if (rc == 0) {
        folder = vim_obj_str(src, "parent");
        if (!folder)
            rc = mtv_err_set(err, MTV_EXIT_USAGE, "'%s' is in no folder (a vApp member?); it "
                                                  "cannot be cloned in place", source);
    }
    if (rc == 0 && o->target_datastore_id)
        rc = resolve(c, "Datastore", o->target_datastore_id, &ds, err);
    if (rc == 0 && !ds.len) {
        char *first = vim_obj_str(src, "datastore");
        if (first)
            sb_adds(&ds, first);
        else
            rc = mtv_err_set(err, MTV_EXIT_USAGE, "'%s' is on no datastore; give "
                                                  "target_datastore_id", source);
        free(first);
    }
    if (rc == 0 && o->target_host)
        rc = resolve(c, "HostSystem", o->target_host, &host, err);
    if (rc == 0 && o->resource_pool)
        rc = resolve(c, "ResourcePool", o->resource_pool, &pool, err);
    if (rc == 0 && !pool.len) {
        char *own = vim_obj_str(src, "resourcePool");
        if (!own) {   /* templates have no pool: use the host's cluster's */
            char *h = host.len ? strdup(host.buf) : vim_obj_str(src, "runtime.host");
            own = h ? pool_of_host(c, h) : NULL;
            free(h);
        }
        if (own)
            sb_adds(&pool, own);
        else
            rc = mtv_err_set(err, MTV_EXIT_USAGE, "no resource pool found for the clone of '%s'; "
                                                  "give resource_pool", source);
        free(own);
    }
    if (rc == 0 && needs_datastore_names(o))
        rc = vim_list(c, "Datastore", &datastores, err);
    if (rc == 0)
        rc = make_dirs(c, o, ds.buf, &datastores, err);
    if (rc == 0)
        rc = vsphere_clone_spec(src, clone_name, o, folder, ds.buf, pool.buf,
                                host.len ? host.buf : NULL, &datastores, &args, err);
    if (rc == 0) {
        sb_addf(&what, "cloning '%s'", source);
        rc = vim_run_task(c, "CloneVM_Task", "VirtualMachine", src_id.buf, args.buf,
                          CLONE_TIMEOUT_MS, what.buf, id, NULL, err);
        if (rc == 0 && !id->len)
            rc = mtv_err_set(err, MTV_EXIT_ENV, "CloneVM_Task finished without naming the clone");
    }
    if (rc == 0 && o->enable_cbt)
        rc = ensure_cbt(c, id->buf, clone_name, err);
    if (rc == 0 && host.len)
        rc = ensure_host(c, id->buf, clone_name, host.buf, err);
    free(folder);
    free(fallback_pool);
    vim_objset_free(&set);
    vim_objset_free(&datastores);
    sb_release(&src_id);
    sb_release(&ds);
    sb_release(&host);
    sb_release(&pool);
    sb_release(&args);
    sb_release(&what);
    return rc;
}
