/*
 * provider: the registry of adapters and the source_*() calls that dispatch
 * to them (see provider.h). Checks common to every adapter live here once:
 * an operation the type lacks, arguments that are missing, and the context
 * every error message gets ("vsphere 'vsphere-8': cloning 'x': ...").
 */
#include "providers/provider.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

extern const source_ops vsphere_source_ops;
extern const source_ops ovirt_source_ops;
extern const source_ops openstack_source_ops;
extern const source_ops ova_source_ops;
extern const source_ops openshift_source_ops;

const source_ops *source_ops_for(enum provider_type type)
{
    switch (type) {
    case PROVIDER_VSPHERE: return &vsphere_source_ops;
    case PROVIDER_OVIRT: return &ovirt_source_ops;
    case PROVIDER_OPENSTACK: return &openstack_source_ops;
    case PROVIDER_OVA: return &ova_source_ops;
    case PROVIDER_OPENSHIFT: return &openshift_source_ops;
    default: return NULL;
    }
}

static void context(const source_provider *p, mtv_err *err)
{
    mtv_err_prefix(err, "%s provider '%s'", p->type_name, p->cfg.entry->key);
}

int source_open(source_provider **out, const source_config *cfg, mtv_err *err)
{
    *out = NULL;
    if (!cfg->t || !cfg->entry)
        return mtv_err_set(err, MTV_EXIT_USAGE, "source_open: a transport and an entry are needed");
    const source_ops *ops = source_ops_for(cfg->entry->type);
    if (!ops)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "provider '%s' is of type %s, for which mtv-validate has no source "
                           "adapter yet (vsphere, ovirt, openstack, openshift and ova are supported)",
                           cfg->entry->key, provider_type_name(cfg->entry->type));
    source_provider *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    p->ops = ops;
    p->cfg = *cfg;
    p->type = cfg->entry->type;
    p->type_name = provider_type_name(p->type);
    const char *url = cfg->url ? cfg->url : provider_str(cfg->entry, "api_url");
    p->url = strdup(url ? url : "");
    if (!p->url)
        abort();
    p->tls.insecure = cfg->insecure;
    p->tls.ca_file = cfg->ca_file;
    p->tls.ca_pem = cfg->ca_pem;
    if (p->cfg.poll_ms <= 0)
        p->cfg.poll_ms = 1000;
    if (ops->open(p, err)) {
        context(p, err);
        source_close(p);
        return -1;
    }
    *out = p;
    return 0;
}

void source_close(source_provider *p)
{
    if (!p)
        return;
    if (p->ops && p->ops->close)
        p->ops->close(p);
    free(p->url);
    free(p);
}

static int unsupported(source_provider *p, const char *what, mtv_err *err)
{
    return mtv_err_set(err, MTV_EXIT_USAGE, "%s provider '%s': the %s adapter cannot %s",
                       p->type_name, p->cfg.entry->key, p->type_name, what);
}

static int need(source_provider *p, const char *what, const char *arg, mtv_err *err)
{
    if (arg && *arg)
        return 0;
    return mtv_err_set(err, MTV_EXIT_USAGE, "%s provider '%s': %s needs a name", p->type_name,
                       p->cfg.entry->key, what);
}

int source_vm_info(source_provider *p, const char *vm, vm_record *out, mtv_err *err)
{
    vm_record_init(out);
    if (need(p, "reading a VM", vm, err))
        return -1;
    if (p->ops->vm_info(p, vm, out, err)) {
        vm_record_free(out);
        mtv_err_prefix(err, "reading VM '%s'", vm);
        context(p, err);
        return -1;
    }
    if (!out->provider_type)
        vr_set(&out->provider_type, p->type_name);
    return 0;
}

int source_clone(source_provider *p, const char *source, const char *clone_name,
                 const clone_options *o, strbuf *id, mtv_err *err)
{
    static const clone_options none;
    if (!p->ops->clone)
        return unsupported(p, "clone VMs", err);
    if (need(p, "cloning", source, err) || need(p, "cloning", clone_name, err))
        return -1;
    log_info("%s: cloning '%s' as '%s'", p->cfg.entry->key, source, clone_name);
    if (p->ops->clone(p, source, clone_name, o ? o : &none, id, err)) {
        mtv_err_prefix(err, "cloning '%s' as '%s'", source, clone_name);
        context(p, err);
        return -1;
    }
    return 0;
}

int source_power(source_provider *p, const char *vm, enum vm_power want, int64_t timeout_ms,
                 mtv_err *err)
{
    if (!p->ops->power)
        return unsupported(p, "change the power state of VMs", err);
    if (need(p, "a power change", vm, err))
        return -1;
    if (want != VM_POWER_ON && want != VM_POWER_OFF)
        return mtv_err_set(err, MTV_EXIT_USAGE, "power state must be on or off");
    if (p->ops->power(p, vm, want, timeout_ms, err)) {
        mtv_err_prefix(err, "powering VM '%s' %s", vm, vm_power_name(want));
        context(p, err);
        return -1;
    }
    return 0;
}

int source_wait_guest(source_provider *p, const char *vm, int64_t timeout_ms, mtv_err *err)
{
    if (!p->ops->wait_guest)
        return unsupported(p, "wait for guest information", err);
    if (need(p, "waiting for guest information", vm, err))
        return -1;
    if (p->ops->wait_guest(p, vm, timeout_ms, err)) {
        mtv_err_prefix(err, "waiting for the guest of VM '%s'", vm);
        context(p, err);
        return -1;
    }
    return 0;
}

int source_snapshot_create(source_provider *p, const char *vm, const char *name,
                           const char *description, strbuf *id, mtv_err *err)
{
    if (!p->ops->snapshot_create)
        return unsupported(p, "create snapshots", err);
    if (need(p, "a snapshot", vm, err) || need(p, "a snapshot", name, err))
        return -1;
    if (p->ops->snapshot_create(p, vm, name, description, id, err)) {
        mtv_err_prefix(err, "creating snapshot '%s' of VM '%s'", name, vm);
        context(p, err);
        return -1;
    }
    return 0;
}

int source_snapshot_list(source_provider *p, const char *vm, vm_snapshot **out, size_t *n,
                         mtv_err *err)
{
    *out = NULL;
    *n = 0;
    vm_record r;
    if (source_vm_info(p, vm, &r, err))
        return -1;
    *out = r.snapshots;
    *n = r.nsnapshots;
    r.snapshots = NULL;
    r.nsnapshots = 0;
    vm_record_free(&r);
    return 0;
}

void source_snapshots_free(vm_snapshot *s, size_t n)
{
    vm_record r;
    vm_record_init(&r);
    r.snapshots = s;
    r.nsnapshots = n;
    vm_record_free(&r);
}

int source_delete(source_provider *p, const char *kind, const char *id, const char *name,
                  mtv_err *err)
{
    if (!p->ops->remove)
        return unsupported(p, "delete objects", err);
    if (!kind || !id || !*id)
        return mtv_err_set(err, MTV_EXIT_USAGE, "deleting a source object needs its kind and id");
    log_info("%s: deleting %s %s%s%s%s", p->cfg.entry->key, kind, id, name ? " (" : "",
             name ? name : "", name ? ")" : "");
    if (p->ops->remove(p, kind, id, name, err)) {
        mtv_err_prefix(err, "deleting %s %s", kind, name ? name : id);
        context(p, err);
        return -1;
    }
    return 0;
}

/* The networks of a VM's NICs, in NIC order, each once: for adapters whose
 * record already names every NIC's network. */
static int networks_from_record(source_provider *p, const char *vm, source_network **out,
                                size_t *n, mtv_err *err)
{
    vm_record r;
    vm_record_init(&r);
    if (p->ops->vm_info(p, vm, &r, err)) {
        vm_record_free(&r);
        return -1;
    }
    source_network *nets = calloc(r.nnics + 1, sizeof *nets);
    if (!nets)
        abort();
    size_t k = 0;
    for (size_t i = 0; i < r.nnics; i++) {
        const char *name = r.nics[i].network_name;
        int dup = !name;
        for (size_t j = 0; j < k && !dup; j++)
            dup = strcmp(nets[j].name, name) == 0;
        if (dup)
            continue;
        vr_set(&nets[k].name, name);
        vr_set(&nets[k].id, r.nics[i].network_id);
        k++;
    }
    vm_record_free(&r);
    *out = nets;
    *n = k;
    return 0;
}

int source_networks(source_provider *p, const char *vm, source_network **out, size_t *n,
                    mtv_err *err)
{
    *out = NULL;
    *n = 0;
    if (!p->ops->networks && !p->ops->vm_info)
        return unsupported(p, "list networks", err);
    if (need(p, "listing networks", vm, err))
        return -1;
    int rc = p->ops->networks ? p->ops->networks(p, vm, out, n, err)
                              : networks_from_record(p, vm, out, n, err);
    if (rc) {
        mtv_err_prefix(err, "listing the networks of '%s'", vm);
        context(p, err);
        return -1;
    }
    return 0;
}

void source_networks_free(source_network *nets, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(nets[i].name);
        free(nets[i].id);
    }
    free(nets);
}

int source_can(const source_provider *p, const char *op)
{
    if (strcmp(op, "clone") == 0)
        return p->ops->clone != NULL;
    if (strcmp(op, "power") == 0)
        return p->ops->power != NULL;
    if (strcmp(op, "snapshot") == 0)
        return p->ops->snapshot_create != NULL;
    if (strcmp(op, "guest") == 0)
        return p->ops->wait_guest != NULL;
    if (strcmp(op, "delete") == 0)
        return p->ops->remove != NULL;
    return 0;
}

void source_report_created(source_provider *p, const char *kind, const char *id,
                           const char *name)
{
    log_debug("%s: created %s %s%s%s", p->cfg.entry->key, kind, id, name ? " " : "",
              name ? name : "");
    if (p->cfg.on_created)
        p->cfg.on_created(p->cfg.created_ud, p->type_name, kind, id, name);
}

int source_poll_sleep(source_provider *p, int64_t ms, const char *what, mtv_err *err)
{
    if (clock_sleep_ms_cancel(transport_clock(p->cfg.t), ms, p->cfg.cancel) == 0)
        return 0;
    return mtv_err_set(err, MTV_EXIT_ENV, "cancelled while %s: the run is being interrupted",
                       what);
}

const char *source_entry_str(const source_provider *p, const char *key)
{
    return provider_str(p->cfg.entry, key);
}

void source_clone_name(transport *t, const char *prefix, const char *base, strbuf *out)
{
    strbuf raw = STRBUF_INIT;
    if (prefix && *prefix)
        sb_addf(&raw, "%s-", prefix);
    sb_adds(&raw, base ? base : "vm");
    strbuf gen = STRBUF_INIT, clean = STRBUF_INIT;
    transport_name(t, raw.buf, &gen);   /* "<raw>-xxxxxx", recorded for replay */
    for (const char *c = sb_str(&gen); *c; c++) {
        char ch = (char)tolower((unsigned char)*c);
        if (!isalnum((unsigned char)ch))
            ch = '-';
        if (ch == '-' && (clean.len == 0 || clean.buf[clean.len - 1] == '-'))
            continue;
        sb_addc(&clean, ch);
    }
    while (clean.len && clean.buf[clean.len - 1] == '-')
        sb_setlen(&clean, clean.len - 1);
    const char *s = clean.buf ? clean.buf : "";
    size_t len = clean.len;
    if (len > 63) {
        s += len - 63;
        while (*s == '-')
            s++;
    }
    sb_adds(out, s);
    sb_release(&clean);
    sb_release(&gen);
    sb_release(&raw);
}
