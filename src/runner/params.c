/*
 * params: the key table and the generic walk that checks a scenario's params
 * against it (see params.h). Rules that relate several keys live in rules.c,
 * hooks.c and provider_rules.c.
 */
#include "runner/params.h"

#include <stdlib.h>
#include <string.h>

#include "config/value.h"
#include "runner/placeholder.h"
#include "util/suggest.h"

static const char *const ON_OFF[] = {"on", "off", NULL};
static const char *const DISK_TYPES[] = {"thin", "thick-lazy", "thick-eager", NULL};
static const char *const DISK_MODES[] = {"persistent", "independent_persistent",
                                         "independent_nonpersistent", NULL};
static const char *const RDM_TYPES[] = {"virtual", "physical", NULL};
static const char *const RESULTS[] = {"succeed", "fail", NULL};

#define B VT_BOOL
#define S VT_STRING
#define I VT_INT
#define O VT_OBJECT
#define A VT_ARRAY
#define NOKIDS SCOPE_NONE

const param_def PARAM_DEFS[] = {
    /* plan level */
    {SCOPE_PLAN, "virtual_machines", A, PF_REQUIRED, NULL, 0, SCOPE_VM},
    {SCOPE_PLAN, "warm_migration", B, 0, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "copyoffload", B, 0, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "target_power_state", S, 0, ON_OFF, 0, NOKIDS},
    {SCOPE_PLAN, "preserve_static_ips", B, 0, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "guest_agent_timeout", I, 0, NULL, 1, NOKIDS},
    {SCOPE_PLAN, "migrate_shared_disks", B, 0, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "xfs_compatibility", B, 0, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "rdm_as_lun", B, 0, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "enable_nested_virtualization", B, 0, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "run_preflight_inspection", B, 0, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "vm_target_namespace", S, PF_NONEMPTY | PF_NAMESPACE, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "multus_namespace", S, PF_NONEMPTY | PF_NAMESPACE, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "pvc_name_template", S | O, PF_NONEMPTY | PF_TEMPLATE, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "pvc_name_template_use_generate_name", B, 0, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "target_node_selector", O, 0, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "target_labels", O, 0, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "target_affinity", O, 0, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "inventory_timeout", I, 0, NULL, 1, NOKIDS},
    {SCOPE_PLAN, "clone_to_same_host", B, 0, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "pin_to_non_dedicated_host", B, 0, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "disable_drs_for_vms", B, 0, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "skip_clone", B, 0, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "per_nic_network_map", B, 0, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "xfs_check", O, 0, NULL, 0, SCOPE_XFS_CHECK},
    {SCOPE_PLAN, "pre_hook", O, 0, NULL, 0, SCOPE_HOOK},
    {SCOPE_PLAN, "post_hook", O, 0, NULL, 0, SCOPE_HOOK},
    {SCOPE_PLAN, "expected_migration_result", S, 0, RESULTS, 0, NOKIDS},
    {SCOPE_PLAN, "shared_disk_device", S, PF_NONEMPTY, NULL, 0, NOKIDS},
    {SCOPE_PLAN, "check_vms_signals", B, 0, NULL, 0, NOKIDS},
    /* virtual_machines[i] */
    {SCOPE_VM, "name", S, PF_REQUIRED | PF_NONEMPTY, NULL, 0, NOKIDS},
    {SCOPE_VM, "source_vm_power", S, 0, ON_OFF, 0, NOKIDS},
    {SCOPE_VM, "guest_agent", B, 0, NULL, 0, NOKIDS},
    {SCOPE_VM, "clone", B, 0, NULL, 0, NOKIDS},
    {SCOPE_VM, "clone_name", S, PF_NONEMPTY, NULL, 0, NOKIDS},
    {SCOPE_VM, "preserve_name_format", B, 0, NULL, 0, NOKIDS},
    {SCOPE_VM, "disk_type", S, 0, DISK_TYPES, 0, NOKIDS},
    {SCOPE_VM, "add_disks", A, 0, NULL, 0, SCOPE_DISK},
    {SCOPE_VM, "snapshots", I, 0, NULL, 1, NOKIDS},
    {SCOPE_VM, "target_datastore_id", S, PF_NONEMPTY, NULL, 0, NOKIDS},
    {SCOPE_VM, "target_esxi_host", S, PF_NONEMPTY, NULL, 0, NOKIDS},
    {SCOPE_VM, "luks", B, 0, NULL, 0, NOKIDS},
    {SCOPE_VM, "luks_passphrase", S, PF_NONEMPTY, NULL, 0, NOKIDS},
    {SCOPE_VM, "migrate_shared_disks", B, 0, NULL, 0, NOKIDS},
    {SCOPE_VM, "add_nic", B, 0, NULL, 0, NOKIDS},
    {SCOPE_VM, "add_nic_start_connected", B, 0, NULL, 0, NOKIDS},
    {SCOPE_VM, "win_os", B, 0, NULL, 0, NOKIDS},
    /* add_disks[j] */
    {SCOPE_DISK, "size_gb", I, 0, NULL, 1, NOKIDS},
    {SCOPE_DISK, "provision_type", S, 0, DISK_TYPES, 0, NOKIDS},
    {SCOPE_DISK, "disk_mode", S, 0, DISK_MODES, 0, NOKIDS},
    {SCOPE_DISK, "datastore_id", S, PF_NONEMPTY, NULL, 0, NOKIDS},
    {SCOPE_DISK, "datastore_path", S, PF_NONEMPTY, NULL, 0, NOKIDS},
    {SCOPE_DISK, "rdm_type", S, 0, RDM_TYPES, 0, NOKIDS},
    /* pre_hook / post_hook */
    {SCOPE_HOOK, "expected_result", S, 0, RESULTS, 0, NOKIDS},
    {SCOPE_HOOK, "playbook_base64", S, PF_TEMPLATE, NULL, 0, NOKIDS},
    {SCOPE_HOOK, "aap_job_template_id", I, 0, NULL, 1, NOKIDS},
    /* xfs_check */
    {SCOPE_XFS_CHECK, "command", S, PF_REQUIRED | PF_NONEMPTY, NULL, 0, NOKIDS},
    {SCOPE_XFS_CHECK, "mount_point", S, PF_REQUIRED | PF_NONEMPTY, NULL, 0, NOKIDS},
    {SCOPE_XFS_CHECK, "expected_output", S, PF_REQUIRED | PF_NONEMPTY, NULL, 0, NOKIDS},
    {SCOPE_NONE, NULL, 0, 0, NULL, 0, NOKIDS},
};

const param_def *params_find(enum param_scope scope, const char *name)
{
    for (const param_def *d = PARAM_DEFS; d->name; d++)
        if (d->scope == scope && !strcmp(d->name, name))
            return d;
    return NULL;
}

const char *params_scope_name(enum param_scope scope)
{
    switch (scope) {
    case SCOPE_PLAN: return "plan";
    case SCOPE_VM: return "virtual_machines entry";
    case SCOPE_DISK: return "add_disks entry";
    case SCOPE_HOOK: return "hook";
    case SCOPE_XFS_CHECK: return "xfs_check";
    default: return "?";
    }
}

int params_true(const cJSON *obj, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

void params_vreport(const scenario *sc, diag_list *diags, enum diag_severity sev,
                    const char *pointer, const char *disp, const char *fmt, va_list ap)
{
    strbuf where = STRBUF_INIT, msg = STRBUF_INIT;
    scenario_where(sc, pointer, &where);
    if (disp && *disp)
        sb_addf(&msg, "%s: ", disp);
    sb_vaddf(&msg, fmt, ap);
    diag_add(diags, sev, where.buf, "%s", msg.buf);
    sb_release(&where);
    sb_release(&msg);
}

void params_report(const scenario *sc, diag_list *diags, enum diag_severity sev,
                   const char *pointer, const char *disp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    params_vreport(sc, diags, sev, pointer, disp, fmt, ap);
    va_end(ap);
}

typedef struct walk {
    const scenario *sc;
    diag_list *diags;
} walk;

static int is_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n')
            return 0;
    return 1;
}

/* Checks placeholders in every string of v (recursively). */
static void check_strings(walk *w, const cJSON *v, unsigned flags, strbuf *ptr, strbuf *disp)
{
    if (cJSON_IsString(v)) {
        if (flags & PF_TEMPLATE)
            return;
        strbuf out = STRBUF_INIT;
        mtv_err err;
        if (placeholder_expand(v->valuestring, &PLACEHOLDER_SAMPLE, &out, &err) < 0)
            params_report(w->sc, w->diags, DIAG_ERROR, ptr->buf, disp->buf, "%s", err.msg);
        else if ((flags & PF_NAMESPACE) && !placeholder_is_dns_label(out.buf))
            params_report(w->sc, w->diags, DIAG_ERROR, ptr->buf, disp->buf,
                          "'%s' is not a valid namespace name once expanded (e.g. '%s'): use at most "
                          "63 lowercase letters, digits and '-', starting and ending with a letter or "
                          "digit",
                          v->valuestring, out.buf);
        sb_release(&out);
        return;
    }
    size_t kp = ptr->len, kd = disp->len;
    size_t i = 0;
    for (const cJSON *c = v->child; c; c = c->next, i++) {
        if (c->string) {
            json_pointer_append(ptr, c->string);
            sb_addf(disp, ".%s", c->string);
        } else {
            json_pointer_append_index(ptr, i);
            sb_addf(disp, "[%zu]", i);
        }
        check_strings(w, c, flags, ptr, disp);
        sb_setlen(ptr, kp);
        sb_setlen(disp, kd);
    }
}

static void walk_object(walk *w, const cJSON *obj, enum param_scope scope, strbuf *ptr, strbuf *disp);

static void unknown_key(walk *w, enum param_scope scope, const char *key, const char *p, const char *d)
{
    const char *names[64];
    size_t n = 0;
    for (const param_def *def = PARAM_DEFS; def->name && n < 64; def++)
        if (def->scope == scope)
            names[n++] = def->name;
    strbuf hint = STRBUF_INIT;
    suggest_append(&hint, key, names, n);
    const char *elsewhere = NULL;
    if (scope == SCOPE_VM && params_find(SCOPE_PLAN, key))
        elsewhere = "; it is a plan-level key: move it to the top level of \"params\"";
    else if (scope == SCOPE_PLAN && params_find(SCOPE_VM, key))
        elsewhere = "; it is a per-VM key: move it into the entries of \"virtual_machines\"";
    else if (scope == SCOPE_PLAN && params_find(SCOPE_DISK, key))
        elsewhere = "; it is an add_disks key: move it into an entry of a VM's \"add_disks\"";
    params_report(w->sc, w->diags, DIAG_ERROR, p, d, "unknown %s key \"%s\"%s%s",
                  params_scope_name(scope), key, sb_str(&hint), elsewhere ? elsewhere : "");
    sb_release(&hint);
}

static void check_member(walk *w, const param_def *def, const cJSON *v, strbuf *ptr, strbuf *disp)
{
    if (!value_matches(v, def->types)) {
        strbuf want = STRBUF_INIT;
        value_describe(&want, def->types);
        params_report(w->sc, w->diags, DIAG_ERROR, ptr->buf, disp->buf, "expected %s, got %s",
                      want.buf, json_type_name(v));
        sb_release(&want);
        return;
    }
    if (cJSON_IsString(v)) {
        if ((def->flags & PF_NONEMPTY) && is_blank(v->valuestring)) {
            params_report(w->sc, w->diags, DIAG_ERROR, ptr->buf, disp->buf,
                          "must not be empty or blank");
            return;
        }
        if (def->choices) {
            size_t n = 0;
            int ok = 0;
            for (; def->choices[n]; n++)
                ok |= !strcmp(def->choices[n], v->valuestring);
            if (!ok) {
                strbuf all = STRBUF_INIT, hint = STRBUF_INIT;
                for (size_t i = 0; i < n; i++)
                    sb_addf(&all, "%s\"%s\"", i ? ", " : "", def->choices[i]);
                suggest_append(&hint, v->valuestring, def->choices, n);
                params_report(w->sc, w->diags, DIAG_ERROR, ptr->buf, disp->buf,
                              "'%s' is not one of: %s%s", v->valuestring, all.buf, sb_str(&hint));
                sb_release(&all);
                sb_release(&hint);
                return;
            }
        }
    }
    if (cJSON_IsNumber(v) && (def->types & VT_INT) && v->valuedouble < (double)def->min) {
        params_report(w->sc, w->diags, DIAG_ERROR, ptr->buf, disp->buf,
                      "must be at least %ld, got %.0f", def->min, v->valuedouble);
        return;
    }
    if (def->child != SCOPE_NONE) {
        if (cJSON_IsObject(v)) {
            walk_object(w, v, def->child, ptr, disp);
        } else if (cJSON_IsArray(v)) {
            size_t kp = ptr->len, kd = disp->len, i = 0;
            if (!v->child && def->scope == SCOPE_PLAN)
                params_report(w->sc, w->diags, DIAG_ERROR, ptr->buf, disp->buf,
                              "must list at least one VM");
            for (const cJSON *e = v->child; e; e = e->next, i++) {
                json_pointer_append_index(ptr, i);
                sb_addf(disp, "[%zu]", i);
                if (!cJSON_IsObject(e))
                    params_report(w->sc, w->diags, DIAG_ERROR, ptr->buf, disp->buf,
                                  "expected an object (a %s), got %s", params_scope_name(def->child),
                                  json_type_name(e));
                else
                    walk_object(w, e, def->child, ptr, disp);
                sb_setlen(ptr, kp);
                sb_setlen(disp, kd);
            }
        }
        return;
    }
    check_strings(w, v, def->flags, ptr, disp);
}

static void walk_object(walk *w, const cJSON *obj, enum param_scope scope, strbuf *ptr, strbuf *disp)
{
    size_t kp = ptr->len, kd = disp->len;
    for (const cJSON *m = obj->child; m; m = m->next) {
        json_pointer_append(ptr, m->string);
        sb_addf(disp, "%s%s", kd ? "." : "", m->string);
        const param_def *def = params_find(scope, m->string);
        if (!def)
            unknown_key(w, scope, m->string, ptr->buf, disp->buf);
        else
            check_member(w, def, m, ptr, disp);
        sb_setlen(ptr, kp);
        sb_setlen(disp, kd);
    }
    for (const param_def *def = PARAM_DEFS; def->name; def++) {
        if (def->scope != scope || !(def->flags & PF_REQUIRED) ||
            cJSON_GetObjectItemCaseSensitive(obj, def->name))
            continue;
        strbuf want = STRBUF_INIT;
        value_describe(&want, def->types);
        params_report(w->sc, w->diags, DIAG_ERROR, ptr->buf, disp->buf,
                      "missing required key \"%s\" (%s)", def->name, want.buf);
        sb_release(&want);
    }
}

static void check_pattern_requires(const scenario *sc, diag_list *diags)
{
    if (!sc->pattern || !sc->pattern->requires)
        return;
    for (const char *const *r = sc->pattern->requires; *r; r++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(sc->params, *r);
        if (v && (!cJSON_IsBool(v) || cJSON_IsTrue(v)))
            continue;
        params_report(sc, diags, DIAG_ERROR, "/pattern", NULL,
                      "pattern \"%s\" needs params.%s%s", sc->pattern->name, *r,
                      v ? " to be true" : " to be set");
    }
}

void params_check(const scenario *sc, diag_list *diags)
{
    if (!sc->params)
        return;
    walk w = {sc, diags};
    strbuf ptr = STRBUF_INIT, disp = STRBUF_INIT;
    sb_adds(&ptr, "/params");
    walk_object(&w, sc->params, SCOPE_PLAN, &ptr, &disp);
    sb_release(&ptr);
    sb_release(&disp);
    check_pattern_requires(sc, diags);
    params_rules_check(sc, diags);
    params_hook_check(sc, "pre_hook", diags);
    params_hook_check(sc, "post_hook", diags);
}
