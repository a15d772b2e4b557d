/* crs_plan: Hook, Plan and Migration bodies and the patches the lifecycle
 * sends (see crs.h). The scenario key -> Plan field table is the one place
 * that knows upstream's plan-level vocabulary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mtv/crs.h"
#include "util/codec.h"

const char MTV_PLAYBOOK_SUCCEED[] =
    "- name: Hook that succeeds\n"
    "  hosts: localhost\n"
    "  gather_facts: false\n"
    "  tasks:\n"
    "    - name: Report success\n"
    "      ansible.builtin.debug:\n"
    "        msg: Hook executed successfully\n";

const char MTV_PLAYBOOK_FAIL[] =
    "- name: Hook that fails\n"
    "  hosts: localhost\n"
    "  gather_facts: false\n"
    "  tasks:\n"
    "    - name: Fail on purpose\n"
    "      ansible.builtin.fail:\n"
    "        msg: This hook is designed to fail for testing purposes\n";

static const char *jstr(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void add_ref(cJSON *parent, const char *key, mtv_ref r)
{
    cJSON *o = cJSON_AddObjectToObject(parent, key);
    cJSON_AddStringToObject(o, "name", r.name);
    cJSON_AddStringToObject(o, "namespace", r.namespace_);
}

int mtv_cr_hook(mtv_ref ref, const cJSON *h, cJSON **out, mtv_err *err)
{
    *out = NULL;
    cJSON *hook = mtv_cr_object(MTV_API_FORKLIFT, "Hook", ref.name, ref.namespace_);
    cJSON *spec = cJSON_AddObjectToObject(hook, "spec");
    const char *expected = jstr(h, "expected_result");
    const char *custom = jstr(h, "playbook_base64");
    const cJSON *aap = cJSON_GetObjectItemCaseSensitive(h, "aap_job_template_id");
    if (expected && (!strcmp(expected, "succeed") || !strcmp(expected, "fail"))) {
        const char *pb = !strcmp(expected, "fail") ? MTV_PLAYBOOK_FAIL : MTV_PLAYBOOK_SUCCEED;
        strbuf b64 = STRBUF_INIT;
        b64_encode(&b64, pb, strlen(pb));
        cJSON_AddStringToObject(spec, "image", MTV_HOOK_IMAGE);
        cJSON_AddStringToObject(spec, "playbook", b64.buf);
        sb_release(&b64);
    } else if (custom && *custom) {
        cJSON_AddStringToObject(spec, "image", MTV_HOOK_IMAGE);
        cJSON_AddStringToObject(spec, "playbook", custom);
    } else if (cJSON_IsNumber(aap) && aap->valuedouble >= 1) {
        cJSON *a = cJSON_AddObjectToObject(spec, "aap");
        cJSON_AddNumberToObject(a, "jobTemplateId", aap->valuedouble);
    } else {
        cJSON_Delete(hook);
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "hook %s: expected one of expected_result (succeed or fail), "
                           "playbook_base64 or aap_job_template_id",
                           ref.name);
    }
    *out = hook;
    return 0;
}

const char *mtv_hook_expected_failure(const cJSON *params)
{
    const char *pre = jstr(cJSON_GetObjectItemCaseSensitive(params, "pre_hook"), "expected_result");
    const char *post = jstr(cJSON_GetObjectItemCaseSensitive(params, "post_hook"), "expected_result");
    if (pre && !strcmp(pre, "fail"))
        return "PreHook";
    if (post && !strcmp(post, "fail"))
        return "PostHook";
    return NULL;
}

int mtv_pvc_name_template(const cJSON *params, const char *provider_type, const char **out,
                          mtv_err *err)
{
    *out = NULL;
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(params, "copyoffload"))) {
        *out = "pvc";
        return 0;
    }
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(params, "pvc_name_template");
    if (!t || cJSON_IsNull(t))
        return 0;
    if (cJSON_IsString(t)) {
        *out = t->valuestring;
        return 0;
    }
    if (cJSON_IsObject(t)) {
        const char *v = jstr(t, provider_type);
        if (!v)
            v = jstr(t, "default");
        if (v) {
            *out = v;
            return 0;
        }
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "pvc_name_template has no template for provider type '%s' and no "
                           "\"default\"",
                           provider_type);
    }
    return mtv_err_set(err, MTV_EXIT_USAGE, "pvc_name_template must be a string or an object");
}

enum plan_field_kind { PF_BOOL, PF_STRING, PF_LABELS, PF_OBJECT };

static const struct {
    const char *param;
    const char *field;
    enum plan_field_kind kind;
} PLAN_FIELDS[] = {
    {"preserve_static_ips", "preserveStaticIPs", PF_BOOL},
    {"pvc_name_template_use_generate_name", "pvcNameTemplateUseGenerateName", PF_BOOL},
    {"target_power_state", "targetPowerState", PF_STRING},
    {"target_node_selector", "targetNodeSelector", PF_LABELS},
    {"target_labels", "targetLabels", PF_LABELS},
    {"target_affinity", "targetAffinity", PF_OBJECT},
    {"migrate_shared_disks", "migrateSharedDisks", PF_BOOL},
    {"enable_nested_virtualization", "enableNestedVirtualization", PF_BOOL},
    {"xfs_compatibility", "xfsCompatibility", PF_BOOL},
    {"run_preflight_inspection", "runPreflightInspection", PF_BOOL},
    {"rdm_as_lun", "rdmAsLun", PF_BOOL},
};

static int add_field(cJSON *spec, const cJSON *v, const char *param, const char *field,
                     enum plan_field_kind kind, const char *session, mtv_err *err)
{
    switch (kind) {
    case PF_BOOL:
        if (!cJSON_IsBool(v))
            return mtv_err_set(err, MTV_EXIT_USAGE, "%s must be true or false for the Plan's %s",
                               param, field);
        cJSON_AddBoolToObject(spec, field, cJSON_IsTrue(v));
        return 0;
    case PF_STRING:
        if (!cJSON_IsString(v))
            return mtv_err_set(err, MTV_EXIT_USAGE, "%s must be a string for the Plan's %s", param,
                               field);
        cJSON_AddStringToObject(spec, field, v->valuestring);
        return 0;
    case PF_LABELS: {
        if (!cJSON_IsObject(v))
            return mtv_err_set(err, MTV_EXIT_USAGE, "%s must be an object of labels", param);
        cJSON *m = cJSON_AddObjectToObject(spec, field);
        for (const cJSON *l = v->child; l; l = l->next) {
            if (cJSON_IsNull(l))
                cJSON_AddStringToObject(m, l->string, session);
            else if (cJSON_IsString(l))
                cJSON_AddStringToObject(m, l->string, l->valuestring);
            else
                return mtv_err_set(err, MTV_EXIT_USAGE,
                                   "%s.%s must be a string, or null for the session id", param,
                                   l->string);
        }
        return 0;
    }
    case PF_OBJECT:
        if (!cJSON_IsObject(v))
            return mtv_err_set(err, MTV_EXIT_USAGE, "%s must be an object", param);
        cJSON_AddItemToObject(spec, field, cJSON_Duplicate(v, 1));
        return 0;
    }
    return 0;
}

static void add_hook_refs(cJSON *vm, const mtv_plan_spec *p)
{
    if (!p->pre_hook.name && !p->post_hook.name)
        return;
    cJSON *hooks = cJSON_AddArrayToObject(vm, "hooks");
    const mtv_ref *refs[2] = {&p->pre_hook, &p->post_hook};
    const char *steps[2] = {"PreHook", "PostHook"};
    for (int i = 0; i < 2; i++) {
        if (!refs[i]->name)
            continue;
        cJSON *h = cJSON_CreateObject();
        add_ref(h, "hook", *refs[i]);
        cJSON_AddStringToObject(h, "step", steps[i]);
        cJSON_AddItemToArray(hooks, h);
    }
}

int mtv_cr_plan(const mtv_plan_spec *p, cJSON **out, mtv_err *err)
{
    *out = NULL;
    cJSON *plan = mtv_cr_object(MTV_API_FORKLIFT, "Plan", p->ref.name, p->ref.namespace_);
    cJSON *spec = cJSON_AddObjectToObject(plan, "spec");
    cJSON *prov = cJSON_AddObjectToObject(spec, "provider");
    add_ref(prov, "source", p->source);
    add_ref(prov, "destination", p->destination);
    cJSON *map = cJSON_AddObjectToObject(spec, "map");
    add_ref(map, "storage", p->storage_map);
    add_ref(map, "network", p->network_map);
    cJSON_AddStringToObject(spec, "targetNamespace", p->target_namespace);
    cJSON_AddBoolToObject(spec, "warm",
                          cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p->params, "warm_migration")));
    for (size_t i = 0; i < sizeof PLAN_FIELDS / sizeof PLAN_FIELDS[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(p->params, PLAN_FIELDS[i].param);
        if (!v || cJSON_IsNull(v))
            continue;
        if (add_field(spec, v, PLAN_FIELDS[i].param, PLAN_FIELDS[i].field, PLAN_FIELDS[i].kind,
                      p->session, err) < 0) {
            cJSON_Delete(plan);
            return -1;
        }
    }
    const char *tmpl;
    if (mtv_pvc_name_template(p->params, p->provider_type, &tmpl, err) < 0) {
        cJSON_Delete(plan);
        return -1;
    }
    if (tmpl)
        cJSON_AddStringToObject(spec, "pvcNameTemplate", tmpl);
    cJSON *vms = cJSON_AddArrayToObject(spec, "vms");
    for (size_t i = 0; i < p->n_vms; i++) {
        const mtv_plan_vm *v = &p->vms[i];
        cJSON *vm = cJSON_CreateObject();
        if (v->id)
            cJSON_AddStringToObject(vm, "id", v->id);
        if (v->name)
            cJSON_AddStringToObject(vm, "name", v->name);
        if (v->namespace_)
            cJSON_AddStringToObject(vm, "namespace", v->namespace_);
        if (v->target_name)
            cJSON_AddStringToObject(vm, "targetName", v->target_name);
        if (v->luks_secret) {
            cJSON *l = cJSON_AddObjectToObject(vm, "luks");
            cJSON_AddStringToObject(l, "name", v->luks_secret);
            cJSON_AddStringToObject(l, "namespace", p->ref.namespace_);
        }
        const cJSON *msd = cJSON_GetObjectItemCaseSensitive(v->params, "migrate_shared_disks");
        if (cJSON_IsBool(msd))
            cJSON_AddBoolToObject(vm, "migrateSharedDisks", cJSON_IsTrue(msd));
        add_hook_refs(vm, p);
        cJSON_AddItemToArray(vms, vm);
    }
    *out = plan;
    return 0;
}

void mtv_format_cutover(int64_t ms, char out[32])
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

cJSON *mtv_cr_migration(mtv_ref ref, mtv_ref plan, int64_t cutover_ms)
{
    cJSON *m = mtv_cr_object(MTV_API_FORKLIFT, "Migration", ref.name, ref.namespace_);
    cJSON *spec = cJSON_AddObjectToObject(m, "spec");
    add_ref(spec, "plan", plan);
    if (cutover_ms > 0) {
        char ts[32];
        mtv_format_cutover(cutover_ms, ts);
        cJSON_AddStringToObject(spec, "cutover", ts);
    }
    return m;
}

cJSON *mtv_patch_cancel(const cJSON *plan)
{
    cJSON *p = cJSON_CreateObject();
    cJSON *spec = cJSON_AddObjectToObject(p, "spec");
    cJSON *cancel = cJSON_AddArrayToObject(spec, "cancel");
    const cJSON *vms = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(plan, "spec"), "vms");
    for (const cJSON *v = cJSON_IsArray(vms) ? vms->child : NULL; v; v = v->next) {
        cJSON *ref = cJSON_CreateObject();
        const char *keys[] = {"id", "name", "namespace"};
        for (int k = 0; k < 3; k++)
            if (jstr(v, keys[k]))
                cJSON_AddStringToObject(ref, keys[k], jstr(v, keys[k]));
        cJSON_AddItemToArray(cancel, ref);
    }
    return p;
}

cJSON *mtv_patch_archive(void)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddBoolToObject(cJSON_AddObjectToObject(p, "spec"), "archived", 1);
    return p;
}

cJSON *mtv_patch_precopy_interval(long minutes)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(p, "spec"), "controller_precopy_interval",
                            (double)minutes);
    return p;
}
