/*
 * provider_rules: upstream's up-front checks that depend on the source
 * provider: what its type can do (cloning, DRS, shared disks) and, when the
 * providers file entry is known, whether it holds what the scenario needs
 * (a LUKS passphrase, a copy-offload block with the datastores and hosts the
 * scenario names).
 */
#include <string.h>

#include "runner/params.h"

typedef struct pctx {
    const scenario *sc;
    enum provider_type type;
    const provider_entry *entry;
    enum diag_severity sev;
    diag_list *diags;
} pctx;

static void report(pctx *c, const char *pointer, const char *disp, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void report(pctx *c, const char *pointer, const char *disp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    params_vreport(c->sc, c->diags, c->sev, pointer, disp, fmt, ap);
    va_end(ap);
}

static int any_vm_true(const cJSON *vms, const char *key)
{
    for (const cJSON *vm = vms ? vms->child : NULL; vm; vm = vm->next)
        if (params_true(vm, key))
            return 1;
    return 0;
}

static void symbolic_datastore(pctx *c, const cJSON *v, const char *pointer, const char *disp)
{
    if (!cJSON_IsString(v) || !c->entry)
        return;
    const char *sym = v->valuestring;
    if (strcmp(sym, "secondary_datastore_id") != 0 && strcmp(sym, "non_xcopy_datastore_id") != 0)
        return;
    if (!copyoffload_str(c->entry, sym))
        report(c, pointer, disp,
               "names the datastore \"%s\", but provider entry \"%s\" has no copyoffload.%s", sym,
               c->entry->key, sym);
}

static void check_vms(pctx *c, const cJSON *vms)
{
    const char *provider_luks = c->entry ? provider_str(c->entry, "luks_passphrase") : NULL;
    size_t i = 0;
    strbuf ptr = STRBUF_INIT, disp = STRBUF_INIT;
    for (const cJSON *vm = vms ? vms->child : NULL; vm; vm = vm->next, i++) {
        sb_reset(&ptr);
        sb_addf(&ptr, "/params/virtual_machines/%zu", i);
        sb_reset(&disp);
        sb_addf(&disp, "virtual_machines[%zu]", i);
        if (c->entry && params_true(vm, "luks") &&
            !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(vm, "luks_passphrase")) && !provider_luks)
            report(c, ptr.buf, disp.buf,
                   "luks is true but there is no passphrase: set luks_passphrase on this VM or in "
                   "provider entry \"%s\"",
                   c->entry->key);
        size_t kp = ptr.len, kd = disp.len;
        sb_adds(&ptr, "/target_datastore_id");
        sb_adds(&disp, ".target_datastore_id");
        symbolic_datastore(c, cJSON_GetObjectItemCaseSensitive(vm, "target_datastore_id"), ptr.buf,
                           disp.buf);
        sb_setlen(&ptr, kp);
        sb_setlen(&disp, kd);
        const cJSON *disks = cJSON_GetObjectItemCaseSensitive(vm, "add_disks");
        size_t j = 0;
        for (const cJSON *d = cJSON_IsArray(disks) ? disks->child : NULL; d; d = d->next, j++) {
            sb_setlen(&ptr, kp);
            sb_setlen(&disp, kd);
            sb_addf(&ptr, "/add_disks/%zu", j);
            sb_addf(&disp, ".add_disks[%zu]", j);
            size_t kp2 = ptr.len, kd2 = disp.len;
            sb_adds(&ptr, "/datastore_id");
            sb_adds(&disp, ".datastore_id");
            symbolic_datastore(c, cJSON_GetObjectItemCaseSensitive(d, "datastore_id"), ptr.buf, disp.buf);
            sb_setlen(&ptr, kp2);
            sb_setlen(&disp, kd2);
            if (c->entry && cJSON_GetObjectItemCaseSensitive(d, "rdm_type") &&
                !copyoffload_str(c->entry, "rdm_lun_uuid"))
                report(c, ptr.buf, disp.buf,
                       "an RDM disk needs the LUN id in copyoffload.rdm_lun_uuid of provider entry "
                       "\"%s\"",
                       c->entry->key);
        }
    }
    sb_release(&ptr);
    sb_release(&disp);
}

void params_check_provider(const scenario *sc, enum provider_type type,
                           const provider_entry *entry, enum diag_severity sev,
                           diag_list *diags)
{
    if (!sc->params)
        return;
    pctx c = {sc, type, entry, sev, diags};
    const cJSON *p = sc->params;
    const cJSON *vms = cJSON_GetObjectItemCaseSensitive(p, "virtual_machines");
    if (!cJSON_IsArray(vms))
        vms = NULL;
    const char *tname = provider_type_name(type);
    if (params_true(p, "skip_clone") && type == PROVIDER_OVIRT)
        report(&c, "/params/skip_clone", "skip_clone",
               "is not supported for %s source providers: RHV plans name templates, which must be "
               "cloned", tname);
    if (params_true(p, "skip_clone") && params_true(p, "preserve_static_ips") &&
        type != PROVIDER_HYPERV)
        report(&c, "/params/skip_clone", "skip_clone",
               "cannot be combined with preserve_static_ips on %s source providers (only Hyper-V "
               "keeps static IPs without a clone)", tname);
    if (params_true(p, "disable_drs_for_vms") && type != PROVIDER_VSPHERE)
        report(&c, "/params/disable_drs_for_vms", "disable_drs_for_vms",
               "needs a vSphere clone provider; %s source providers have no DRS", tname);
    if ((params_true(p, "migrate_shared_disks") || any_vm_true(vms, "migrate_shared_disks")) &&
        type != PROVIDER_VSPHERE)
        report(&c, "/params/migrate_shared_disks", "migrate_shared_disks",
               "shared disks can only be relinked on vSphere source providers, not %s", tname);
    if (entry && params_true(p, "copyoffload") && !provider_has_copyoffload(entry))
        report(&c, "/params/copyoffload", "copyoffload",
               "is true, but provider entry \"%s\" has no copyoffload block", entry->key);
    if (entry && params_true(p, "pin_to_non_dedicated_host") &&
        !cJSON_IsArray(copyoffload_item(entry, "dedicated_migration_hosts")))
        report(&c, "/params/pin_to_non_dedicated_host", "pin_to_non_dedicated_host",
               "needs copyoffload.dedicated_migration_hosts in provider entry \"%s\"", entry->key);
    check_vms(&c, vms);
}
