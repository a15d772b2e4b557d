/*
 * vsphere: the vSphere source adapter's operations (see vsphere.h).
 *
 * VMs are found by name through a container view (as upstream's get_obj), so
 * every operation starts from the name the scenario uses. Power changes and
 * snapshots are tasks waited on by polling; the power state is then read
 * back, because a finished task is not proof on every server. Deleting what
 * is already gone succeeds: cleanup runs may repeat.
 *
 * An ESXi endpoint cannot clone (CloneVM_Task is vCenter's); an entry with
 * endpoint_type "esxi" names a vCenter entry in clone_provider, and clones
 * (and their deletion) go through a second session to that vCenter. The
 * clones this adapter made are then driven (read, powered, snapshotted)
 * through that vCenter too: it knows them the moment the task ends, where
 * the host's own inventory may lag behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/pxml.h"
#include "providers/vsphere.h"
#include "providers/vsphere_clone.h"
#include "providers/vsphere_guestops.h"
#include "util/log.h"

typedef struct vs_state {
    vim_client c;
    vim_client clone_c;      /* the clone_provider's vCenter, opened on first use */
    int clone_open;
    char **clones;           /* names of the VMs cloned through clone_c */
    size_t nclones;
} vs_state;

static vs_state *st(source_provider *p)
{
    return p->impl;
}

static int connect_entry(source_provider *p, const provider_entry *e, const char *url,
                         vim_client *c, mtv_err *err)
{
    vim_config cfg = {
        .url = url,
        .username = provider_str(e, "username"),
        .password = provider_str(e, "password"),
        .tls = p->tls,
        .cancel = p->cfg.cancel,
    };
    return vim_connect(c, p->cfg.t, &cfg, err);
}

static int vs_open(source_provider *p, mtv_err *err)
{
    vs_state *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    p->impl = s;
    if (connect_entry(p, p->cfg.entry, p->url, &s->c, err))
        return -1;
    int says_esxi = provider_is_esxi(p->cfg.entry);
    if (says_esxi != vim_is_esxi(&s->c))
        log_warn("%s: endpoint_type is %s but %s reports itself as %s", p->cfg.entry->key,
                 says_esxi ? "esxi" : "vcenter", p->url,
                 s->c.full_name ? s->c.full_name : s->c.api_type ? s->c.api_type : "unknown");
    return 0;
}

static void vs_close(source_provider *p)
{
    vs_state *s = st(p);
    if (!s)
        return;
    vim_close(&s->c);
    if (s->clone_open)
        vim_close(&s->clone_c);
    for (size_t i = 0; i < s->nclones; i++)
        free(s->clones[i]);
    free(s->clones);
    free(s);
    p->impl = NULL;
}

/* The session that manages the VM named vm: the clone_provider's vCenter for
 * a clone made through it, else the entry's own. */
static vim_client *session_for(source_provider *p, const char *vm)
{
    vs_state *s = st(p);
    for (size_t i = 0; i < s->nclones; i++)
        if (strcmp(s->clones[i], vm) == 0)
            return &s->clone_c;
    return &s->c;
}

static void remember_clone(vs_state *s, const char *name)
{
    char **grown = realloc(s->clones, (s->nclones + 1) * sizeof *grown);
    if (!grown)
        abort();
    s->clones = grown;
    if (!(s->clones[s->nclones++] = strdup(name)))
        abort();
}

/* Reads paths of one object. */
static int read_obj(vim_client *c, const char *type, const char *id, const char *const *paths,
                    vim_objset *set, const vim_obj **obj, mtv_err *err)
{
    vim_spec spec;
    vim_spec_init(&spec);
    vim_spec_props(&spec, type, paths);
    vim_spec_obj(&spec, type, id);
    int rc = vim_retrieve(c, &spec, set, err);
    vim_spec_free(&spec);
    if (rc)
        return -1;
    *obj = vim_objset_get(set, type, id);
    if (!*obj) {
        vim_objset_free(set);
        return mtv_err_set(err, MTV_EXIT_ENV, "%s %s returned no properties", type, id);
    }
    return 0;
}

/* Names of the objects a VM refers to; NULL-safe, best effort. */
static void read_names(vim_client *c, const vim_obj *vm, vim_objset *names)
{
    memset(names, 0, sizeof *names);
    char **refs;
    size_t n = vsphere_referenced(vm, &refs);
    if (!n) {
        free(refs);
        return;
    }
    vim_spec spec;
    vim_spec_init(&spec);
    static const char *const name_only[] = {"name", NULL};
    vim_spec_props(&spec, "ManagedEntity", name_only);
    for (size_t i = 0; i < n; i++) {
        char *colon = strchr(refs[i], ':');
        *colon = 0;
        vim_spec_obj(&spec, refs[i], colon + 1);
        free(refs[i]);
    }
    free(refs);
    mtv_err err;
    if (vim_retrieve(c, &spec, names, &err))
        log_debug("vsphere: naming what a VM refers to: %s", err.msg);
    vim_spec_free(&spec);
}

static int vs_vm_info(source_provider *p, const char *vm, vm_record *out, mtv_err *err)
{
    vim_client *c = session_for(p, vm);
    strbuf id = STRBUF_INIT;
    if (vim_find(c, "VirtualMachine", vm, &id, err)) {
        sb_release(&id);
        return -1;
    }
    vim_objset set, names;
    const vim_obj *o;
    int rc = read_obj(c, "VirtualMachine", id.buf, VSPHERE_VM_PATHS, &set, &o, err);
    sb_release(&id);
    if (rc)
        return -1;
    read_names(c, o, &names);
    vsphere_record_from(o, &names, out);
    vim_objset_free(&names);
    rc = vsphere_guest_enrich(c, p->cfg.entry, o->value, out, err);
    vim_objset_free(&set);
    return rc;
}

static enum vm_power read_power(vim_client *c, const char *id, mtv_err *err, char *fault)
{
    static const char *const paths[] = {"runtime.powerState", NULL};
    vim_objset set;
    const vim_obj *o;
    fault[0] = 0;
    vim_spec spec;
    vim_spec_init(&spec);
    vim_spec_props(&spec, "VirtualMachine", paths);
    vim_spec_obj(&spec, "VirtualMachine", id);
    int rc = vim_retrieve_f(c, &spec, &set, fault, err);
    vim_spec_free(&spec);
    if (rc)
        return VM_POWER_UNKNOWN;
    o = vim_objset_get(&set, "VirtualMachine", id);
    char *ps = vim_obj_str(o, "runtime.powerState");
    enum vm_power pw = !ps                             ? VM_POWER_UNKNOWN
                       : strcmp(ps, "poweredOn") == 0  ? VM_POWER_ON
                       : strcmp(ps, "poweredOff") == 0 ? VM_POWER_OFF
                                                       : VM_POWER_OTHER;
    free(ps);
    vim_objset_free(&set);
    if (pw == VM_POWER_UNKNOWN)
        mtv_err_set(err, MTV_EXIT_ENV, "VM %s reports no power state", id);
    return pw;
}

static int power_id(source_provider *p, vim_client *c, const char *id, const char *label,
                    enum vm_power want, int64_t timeout_ms, mtv_err *err)
{
    char fault[64];
    enum vm_power now = read_power(c, id, err, fault);
    if (now == VM_POWER_UNKNOWN)
        return -1;
    if (now == want)
        return 0;
    mtv_clock *clk = transport_clock(p->cfg.t);
    if (timeout_ms <= 0)
        timeout_ms = 600000;
    clock_deadline dl = clock_deadline_in(clk, timeout_ms);
    strbuf what = STRBUF_INIT;
    sb_addf(&what, "powering %s %s", label, vm_power_name(want));
    int rc = vim_run_task(c, want == VM_POWER_ON ? "PowerOnVM_Task" : "PowerOffVM_Task",
                          "VirtualMachine", id, NULL, timeout_ms, what.buf, NULL, fault, err);
    if (rc && strcmp(fault, "InvalidPowerState") != 0) {   /* raced: read the state again */
        sb_release(&what);
        return -1;
    }
    for (rc = 0; rc == 0;) {
        now = read_power(c, id, err, fault);
        if (now == VM_POWER_UNKNOWN)
            rc = -1;
        else if (now == want)
            break;
        else if (clock_deadline_passed(clk, dl))
            rc = mtv_err_set(err, MTV_EXIT_ENV, "VM %s is still %s after %lld s", label,
                             vm_power_name(now), (long long)(timeout_ms / 1000));
        else
            rc = source_poll_sleep(p, p->cfg.poll_ms, what.buf, err);
    }
    sb_release(&what);
    return rc;
}

static int vs_power(source_provider *p, const char *vm, enum vm_power want, int64_t timeout_ms,
                    mtv_err *err)
{
    vim_client *c = session_for(p, vm);
    strbuf id = STRBUF_INIT;
    int rc = vim_find(c, "VirtualMachine", vm, &id, err);
    if (rc == 0)
        rc = power_id(p, c, id.buf, vm, want, timeout_ms, err);
    sb_release(&id);
    return rc;
}

static int guest_ready(const vim_obj *o, strbuf *why)
{
    char *running = vim_obj_str(o, "guest.toolsRunningStatus");
    char *ip = vim_obj_str(o, "guest.ipAddress");
    size_t n = vim_obj_nodes(o, "guest.net.ipAddress", NULL, 0);
    int tools = running && strcmp(running, "guestToolsRunning") == 0;
    int has_ip = (ip && *ip) || n > 0;
    sb_reset(why);
    sb_addf(why, "VMware Tools %s, %s", running ? running : "status unknown",
            has_ip ? "an IP address reported" : "no IP address reported");
    free(running);
    free(ip);
    return tools && has_ip;
}

static int vs_wait_guest(source_provider *p, const char *vm, int64_t timeout_ms, mtv_err *err)
{
    static const char *const paths[] = {"runtime.powerState", "guest.toolsRunningStatus",
                                        "guest.ipAddress", "guest.net", NULL};
    vim_client *c = session_for(p, vm);
    strbuf id = STRBUF_INIT, why = STRBUF_INIT;
    if (vim_find(c, "VirtualMachine", vm, &id, err)) {
        sb_release(&id);
        return -1;
    }
    mtv_clock *clk = transport_clock(p->cfg.t);
    if (timeout_ms <= 0)
        timeout_ms = 600000;
    clock_deadline dl = clock_deadline_in(clk, timeout_ms);
    int rc;
    for (;;) {
        vim_objset set;
        const vim_obj *o;
        if ((rc = read_obj(c, "VirtualMachine", id.buf, paths, &set, &o, err)))
            break;
        char *ps = vim_obj_str(o, "runtime.powerState");
        int off = ps && strcmp(ps, "poweredOn") != 0;
        /* what a powered-off VM's guest said last is stale, whatever it says */
        int ready = guest_ready(o, &why) && !off;
        free(ps);
        vim_objset_free(&set);
        if (ready)
            break;
        if (off) {
            rc = mtv_err_set(err, MTV_EXIT_ENV, "the VM is not powered on, so its guest reports "
                                                "nothing; power it on first");
            break;
        }
        if (clock_deadline_passed(clk, dl)) {
            rc = mtv_err_set(err, MTV_EXIT_ENV, "no guest information after %lld s: %s",
                             (long long)(timeout_ms / 1000), why.buf);
            break;
        }
        if ((rc = source_poll_sleep(p, p->cfg.poll_ms, "waiting for the guest to report", err)))
            break;
    }
    sb_release(&id);
    sb_release(&why);
    return rc;
}

static int vs_snapshot_create(source_provider *p, const char *vm, const char *name,
                              const char *description, strbuf *id, mtv_err *err)
{
    vim_client *c = session_for(p, vm);
    strbuf vm_id = STRBUF_INIT, args = STRBUF_INIT, snap = STRBUF_INIT;
    int rc = vim_find(c, "VirtualMachine", vm, &vm_id, err);
    if (rc == 0) {
        px_elem(&args, "name", name);
        px_elem(&args, "description", description ? description : "");
        sb_adds(&args, "<memory>false</memory><quiesce>false</quiesce>");
        rc = vim_run_task(c, "CreateSnapshot_Task", "VirtualMachine", vm_id.buf, args.buf,
                          600000, "creating the snapshot", &snap, NULL, err);
    }
    if (rc == 0) {
        source_report_created(p, SOURCE_KIND_SNAPSHOT, snap.buf, name);
        if (id)
            sb_adds(id, snap.buf);
    }
    sb_release(&vm_id);
    sb_release(&args);
    sb_release(&snap);
    return rc;
}

static int clone_session(source_provider *p, vim_client **c, mtv_err *err);

static int gone(const char *fault)
{
    return strcmp(fault, "ManagedObjectNotFound") == 0;
}

static int destroy_vm(source_provider *p, vim_client *c, const char *id, const char *label,
                      mtv_err *err)
{
    char fault[64];
    enum vm_power now = read_power(c, id, err, fault);
    if (now == VM_POWER_UNKNOWN) {
        if (gone(fault)) {
            log_info("%s: VM %s is already gone", p->cfg.entry->key, label);
            return 0;
        }
        return -1;
    }
    if (now != VM_POWER_OFF && power_id(p, c, id, label, VM_POWER_OFF, 600000, err))
        return -1;
    if (vim_run_task(c, "Destroy_Task", "VirtualMachine", id, NULL, 600000, "destroying the VM",
                     NULL, fault, err)) {
        if (gone(fault))
            return 0;
        return -1;
    }
    return 0;
}

static int vs_remove(source_provider *p, const char *kind, const char *id, const char *name,
                     mtv_err *err)
{
    vs_state *s = st(p);
    const char *label = name ? name : id;
    char fault[64];
    if (strcmp(kind, SOURCE_KIND_VM) == 0) {
        /* clones live where they were made: through clone_provider on ESXi */
        vim_client *c = &s->c;
        if (vim_is_esxi(&s->c) && source_entry_str(p, "clone_provider") &&
            clone_session(p, &c, err))
            return -1;
        return destroy_vm(p, c, id, label, err);
    }
    if (strcmp(kind, SOURCE_KIND_SNAPSHOT) == 0) {
        static const char args[] =
            "<removeChildren>false</removeChildren><consolidate>true</consolidate>";
        int rc = vim_run_task(&s->c, "RemoveSnapshot_Task", "VirtualMachineSnapshot", id, args,
                              600000, "removing the snapshot", NULL, fault, err);
        vim_client *vc;
        /* a snapshot of a clone made through clone_provider has the vCenter's id */
        if (rc && gone(fault) && vim_is_esxi(&s->c) && source_entry_str(p, "clone_provider") &&
            clone_session(p, &vc, err) == 0)
            rc = vim_run_task(vc, "RemoveSnapshot_Task", "VirtualMachineSnapshot", id, args,
                              600000, "removing the snapshot", NULL, fault, err);
        if (rc && gone(fault)) {
            log_info("%s: snapshot %s is already gone", p->cfg.entry->key, label);
            return 0;
        }
        return rc;
    }
    return mtv_err_set(err, MTV_EXIT_USAGE, "vSphere objects of kind '%s' cannot be deleted "
                                            "(vm and snapshot can)", kind);
}

/* The session that may clone: this one, or the clone_provider's vCenter. */
static int clone_session(source_provider *p, vim_client **c, mtv_err *err)
{
    vs_state *s = st(p);
    *c = &s->c;
    if (!vim_is_esxi(&s->c))
        return 0;
    const char *cp = source_entry_str(p, "clone_provider");
    if (!cp)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "%s is an ESXi host, and ESXi cannot clone VMs (CloneVM_Task is a "
                           "vCenter method); set \"clone_provider\" in entry '%s' to the name of "
                           "a vCenter entry of the providers file", p->url, p->cfg.entry->key);
    if (s->clone_open) {
        *c = &s->clone_c;
        return 0;
    }
    if (!p->cfg.file)
        return mtv_err_set(err, MTV_EXIT_USAGE, "clone_provider '%s' needs the providers file to "
                                                "be passed to the adapter", cp);
    const provider_entry *e = providers_get(p->cfg.file, cp, err);
    if (!e)
        return -1;
    if (e->type != PROVIDER_VSPHERE || provider_is_esxi(e))
        return mtv_err_set(err, MTV_EXIT_USAGE, "clone_provider '%s' must be a vSphere entry "
                                                "with endpoint_type vcenter", cp);
    if (connect_entry(p, e, provider_str(e, "api_url"), &s->clone_c, err)) {
        mtv_err_prefix(err, "clone_provider '%s'", cp);
        return -1;
    }
    s->clone_open = 1;
    *c = &s->clone_c;
    return 0;
}

static int vs_clone(source_provider *p, const char *source, const char *clone_name,
                    const clone_options *o, strbuf *id, mtv_err *err)
{
    vim_client *c;
    if (clone_session(p, &c, err))
        return -1;
    strbuf got = STRBUF_INIT;
    int rc = vsphere_clone(c, source, clone_name, o, &got, err);
    if (got.len) {   /* reported even when a step after the clone failed */
        if (c != &st(p)->c)
            remember_clone(st(p), clone_name);
        source_report_created(p, SOURCE_KIND_VM, got.buf, clone_name);
        if (id)
            sb_adds(id, got.buf);
    }
    sb_release(&got);
    return rc;
}

const source_ops vsphere_source_ops = {
    .type = "vsphere",
    .open = vs_open,
    .close = vs_close,
    .vm_info = vs_vm_info,
    .clone = vs_clone,
    .power = vs_power,
    .wait_guest = vs_wait_guest,
    .snapshot_create = vs_snapshot_create,
    .remove = vs_remove,
};
