/* prepare: see prepare.h. Key names are upstream's (tests_params). */
#include "providers/prepare.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"

static void prepared_clear(prepared_vm *v);

static const char *jstr(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static int jbool(const cJSON *o, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static long long jnum(const cJSON *o, const char *key, long long dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (long long)v->valuedouble : dflt;
}

/* "secondary_datastore_id" and friends name a datastore of the copy-offload
 * block (upstream's symbolic datastore ids). */
static const char *datastore_ref(const source_provider *p, const char *v)
{
    static const char *const symbolic[] = {"datastore_id", "secondary_datastore_id",
                                           "non_xcopy_datastore_id", NULL};
    for (int i = 0; v && symbolic[i]; i++)
        if (strcmp(v, symbolic[i]) == 0) {
            const char *real = copyoffload_str(p->cfg.entry, v);
            return real ? real : v;
        }
    return v;
}

static int clone_options_from(const source_provider *p, const cJSON *vm, const cJSON *params,
                              clone_options *o, clone_disk **disks, const char *where,
                              mtv_err *err)
{
    memset(o, 0, sizeof *o);
    *disks = NULL;
    o->disk_type = jstr(vm, "disk_type");
    o->target_datastore_id = datastore_ref(p, jstr(vm, "target_datastore_id"));
    o->target_host = jstr(vm, "target_esxi_host");
    o->resource_pool = copyoffload_str(p->cfg.entry, "resource_pool");
    o->add_nic = jbool(vm, "add_nic");
    o->add_nic_start_connected = jbool(vm, "add_nic_start_connected");
    o->enable_cbt = jbool(params, "warm_migration");
    const cJSON *add = cJSON_GetObjectItemCaseSensitive(vm, "add_disks");
    int n = cJSON_GetArraySize(add);
    if (n > 0) {
        *disks = calloc((size_t)n, sizeof **disks);
        if (!*disks)
            abort();
    }
    for (int i = 0; i < n; i++) {
        const cJSON *d = cJSON_GetArrayItem(add, i);
        if (jstr(d, "rdm_type"))
            return mtv_err_set(err, MTV_EXIT_USAGE, "%s: add_disks[%d] is an RDM disk (rdm_type), "
                                                    "which mtv-validate cannot add yet", where, i);
        clone_disk *c = &(*disks)[i];
        c->size_gb = jnum(d, "size_gb", 0);
        c->provision_type = jstr(d, "provision_type");
        c->disk_mode = jstr(d, "disk_mode");
        c->datastore_id = datastore_ref(p, jstr(d, "datastore_id"));
        c->datastore_path = jstr(d, "datastore_path");
    }
    o->add_disks = *disks;
    o->nadd_disks = (size_t)n;
    return 0;
}

static void clone_name_for(source_provider *p, const prepare_options *opts, const cJSON *vm,
                           const char *source, strbuf *out)
{
    const char *wanted = jstr(vm, "clone_name");
    if (wanted && jbool(vm, "preserve_name_format")) {
        transport_name(p->cfg.t, wanted, out);   /* keeps case and underscores */
        return;
    }
    source_clone_name(p->cfg.t, opts->name_prefix, wanted ? wanted : source, out);
}

static int prepare_one(source_provider *p, const prepare_options *opts, const cJSON *vm,
                       prepared_vm *pv, strbuf *same_host, mtv_err *err)
{
    const cJSON *params = opts->params;
    const char *name = jstr(vm, "name");
    if (!name || !*name)
        return mtv_err_set(err, MTV_EXIT_USAGE, "a virtual_machines entry has no name");
    const char *dflt = copyoffload_str(p->cfg.entry, "default_vm_name");
    if (jbool(vm, "clone") && dflt)
        name = dflt;
    pv->source_name = strdup(name);
    int clone = source_can(p, "clone") && !jbool(params, "skip_clone") && !opts->skip_clone;
    int rc = 0;
    if (!clone) {
        pv->name = strdup(name);
        if (source_can(p, "power")) {
            vm_record before;
            if (source_vm_info(p, name, &before, err))
                return -1;
            pv->original_power = before.power;
            vm_record_free(&before);
        }
    } else {
        clone_options o;
        clone_disk *disks;
        strbuf cname = STRBUF_INIT, id = STRBUF_INIT;
        rc = clone_options_from(p, vm, params, &o, &disks, name, err);
        if (rc == 0 && !o.target_host && same_host->len)
            o.target_host = same_host->buf;
        clone_name_for(p, opts, vm, name, &cname);
        if (rc == 0)
            rc = source_clone(p, name, cname.buf, &o, &id, err);
        free(disks);
        pv->name = sb_detach(&cname, NULL);
        pv->cloned = rc == 0;
        pv->original_power = VM_POWER_OFF;
        sb_release(&id);
        if (rc)
            return -1;
    }
    int64_t tmo = opts->power_timeout_ms > 0 ? opts->power_timeout_ms : 600000;
    const char *power = jstr(vm, "source_vm_power");
    enum vm_power want = vm_power_parse(power);
    if ((want == VM_POWER_ON || want == VM_POWER_OFF) && source_can(p, "power"))
        rc = source_power(p, pv->name, want, tmo, err);
    if (rc == 0 && want == VM_POWER_ON && source_can(p, "guest") &&
        (jbool(vm, "guest_agent") || jbool(params, "preserve_static_ips"))) {
        long long secs = jnum(params, "guest_agent_timeout", 600);
        rc = source_wait_guest(p, pv->name, secs * 1000, err);
    }
    if (rc == 0)
        rc = source_vm_info(p, pv->name, &pv->record, err);
    if (rc)
        return -1;
    pv->id = pv->record.id ? strdup(pv->record.id) : NULL;
    if (pv->cloned && jbool(vm, "add_nic") && pv->record.nnics) {
        const char *mac = pv->record.nics[pv->record.nnics - 1].mac;
        char **slot = jbool(vm, "add_nic_start_connected") ? &pv->connected_nic_mac
                                                           : &pv->disconnected_nic_mac;
        *slot = mac ? strdup(mac) : NULL;
    }
    if (pv->cloned && jbool(params, "clone_to_same_host") && !same_host->len && pv->record.host)
        sb_adds(same_host, pv->record.host);
    log_info("%s: prepared '%s'%s%s (%s)", p->cfg.entry->key, pv->name,
             pv->cloned ? " from " : "", pv->cloned ? pv->source_name : "",
             vm_power_name(pv->record.power) ? vm_power_name(pv->record.power) : "power unknown");
    return 0;
}

int source_prepare(source_provider *p, const prepare_options *opts, prepared_vm **vms,
                   size_t *n, mtv_err *err)
{
    *vms = NULL;
    *n = 0;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(opts->params, "virtual_machines");
    if (!cJSON_IsArray(list))
        return mtv_err_set(err, MTV_EXIT_USAGE, "the scenario's params have no virtual_machines "
                                                "list");
    size_t count = (size_t)cJSON_GetArraySize(list);
    prepared_vm *out = calloc(count + 1, sizeof *out);
    if (!out)
        abort();
    strbuf same_host = STRBUF_INIT;
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        prepared_vm *pv = &out[i];
        vm_record_init(&pv->record);
        pv->spec = cJSON_GetArrayItem(list, (int)i);
        rc = prepare_one(p, opts, pv->spec, pv, &same_host, err);
        if (rc) {
            mtv_err_prefix(err, "preparing virtual_machines[%zu] ('%s')", i,
                           jstr(pv->spec, "name") ? jstr(pv->spec, "name") : "?");
            prepared_clear(&out[i]);
        } else {
            (*n)++;
        }
    }
    sb_release(&same_host);
    *vms = out;
    return rc;
}

static void prepared_clear(prepared_vm *v)
{
    free(v->source_name);
    free(v->name);
    free(v->id);
    free(v->connected_nic_mac);
    free(v->disconnected_nic_mac);
    vm_record_free(&v->record);
    memset(v, 0, sizeof *v);
}

void source_prepare_free(prepared_vm *vms, size_t n)
{
    for (size_t i = 0; vms && i < n; i++)
        prepared_clear(&vms[i]);
    free(vms);
}
