/*
 * rules: upstream's up-front validation of a scenario that relates several
 * keys (mtv-api-tests raises these as ValueError before it clones anything).
 * Rules that need the source provider are in provider_rules.c. Each rule
 * names the key it is about and says what would be right.
 */
#include <string.h>

#include "runner/params.h"
#include "runner/placeholder.h"
#include "util/suggest.h"

typedef struct rctx {
    const scenario *sc;
    diag_list *diags;
    strbuf ptr, disp;
} rctx;

static const char *vm_ptr(rctx *c, size_t i, const char *key)
{
    sb_reset(&c->ptr);
    sb_addf(&c->ptr, "/params/virtual_machines/%zu", i);
    sb_reset(&c->disp);
    sb_addf(&c->disp, "virtual_machines[%zu]", i);
    if (key) {
        json_pointer_append(&c->ptr, key);
        sb_addf(&c->disp, ".%s", key);
    }
    return c->ptr.buf;
}

static const char *vm_name(const cJSON *vm)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(vm, "name");
    return cJSON_IsString(n) ? n->valuestring : "?";
}

/* add_nic needs add_nic_start_connected, a boolean (ValueError upstream). */
static void rule_add_nic(rctx *c, const cJSON *vm, size_t i)
{
    if (!params_true(vm, "add_nic"))
        return;
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(vm, "add_nic_start_connected");
    if (!sc) {
        vm_ptr(c, i, "add_nic");
        params_report(c->sc, c->diags, DIAG_ERROR, c->ptr.buf, c->disp.buf,
                      "VM '%s' has add_nic true but no add_nic_start_connected; set it to true "
                      "(the added NIC starts connected) or false (disconnected)",
                      vm_name(vm));
    }
}

/* preserve_static_ips needs every VM powered on so guest tools report IPs. */
static void rule_static_ips(rctx *c, const cJSON *vms)
{
    if (!params_true(c->sc->params, "preserve_static_ips"))
        return;
    size_t i = 0;
    for (const cJSON *vm = vms->child; vm; vm = vm->next, i++) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(vm, "source_vm_power");
        if (cJSON_IsString(p) && !strcmp(p->valuestring, "on"))
            continue;
        vm_ptr(c, i, p ? "source_vm_power" : NULL);
        params_report(c->sc, c->diags, DIAG_ERROR, c->ptr.buf, c->disp.buf,
                      "preserve_static_ips is true, so VM '%s' needs source_vm_power \"on\" (guest "
                      "tools report static IPs only on a running VM)",
                      vm_name(vm));
    }
}

/* skip_clone migrates the existing VMs: nothing that needs a clone may be asked. */
static void rule_skip_clone(rctx *c, const cJSON *vms)
{
    const cJSON *p = c->sc->params;
    if (!params_true(p, "skip_clone"))
        return;
    strbuf conflicts = STRBUF_INIT;
    static const char *const plan_keys[] = {"disable_drs_for_vms", "clone_to_same_host",
                                            "migrate_shared_disks"};
    for (size_t k = 0; k < 3; k++)
        if (params_true(p, plan_keys[k]))
            sb_addf(&conflicts, "%s%s", conflicts.len ? ", " : "", plan_keys[k]);
    int vm_shared = 0, vm_nic = 0;
    for (const cJSON *vm = vms->child; vm; vm = vm->next) {
        vm_shared |= params_true(vm, "migrate_shared_disks");
        vm_nic |= params_true(vm, "add_nic");
    }
    if (vm_shared && !params_true(p, "migrate_shared_disks"))
        sb_addf(&conflicts, "%svirtual_machines[].migrate_shared_disks", conflicts.len ? ", " : "");
    if (vm_nic)
        sb_addf(&conflicts, "%svirtual_machines[].add_nic", conflicts.len ? ", " : "");
    if (conflicts.len)
        params_report(c->sc, c->diags, DIAG_ERROR, "/params/skip_clone", "skip_clone",
                      "skip_clone migrates the existing VMs, which conflicts with %s (they need the "
                      "clone phase)",
                      conflicts.buf);
    sb_release(&conflicts);
}

static int is_label_name(const char *s, size_t n)
{
    if (n == 0 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        int alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        if (!alnum && !((ch == '-' || ch == '_' || ch == '.') && i > 0 && i < n - 1))
            return 0;
    }
    return 1;
}

/* Kubernetes label key: [prefix/]name, prefix a DNS subdomain. */
static int is_label_key(const char *k)
{
    const char *slash = strrchr(k, '/');
    if (slash) {
        size_t pl = (size_t)(slash - k);
        if (pl == 0 || pl > 253)
            return 0;
        for (size_t i = 0; i < pl; i++) {
            char ch = k[i];
            if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
                return 0;
        }
        k = slash + 1;
    }
    return is_label_name(k, strlen(k));
}

/* Labels and node selectors: valid keys, values strings (placeholders
 * allowed) or null (= the session id). */
static void rule_labels(rctx *c, const char *key, int exactly_one)
{
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(c->sc->params, key);
    if (!cJSON_IsObject(obj))
        return;
    strbuf ptr = STRBUF_INIT;
    int n = cJSON_GetArraySize(obj);
    if (exactly_one && n != 1) {
        sb_addf(&ptr, "/params/%s", key);
        params_report(c->sc, c->diags, DIAG_ERROR, ptr.buf, key,
                      "must hold exactly one label (the worker node gets that label), found %d", n);
    }
    if (!exactly_one && n == 0) {
        sb_addf(&ptr, "/params/%s", key);
        params_report(c->sc, c->diags, DIAG_ERROR, ptr.buf, key, "must hold at least one label");
    }
    for (const cJSON *l = obj->child; l; l = l->next) {
        sb_reset(&ptr);
        sb_addf(&ptr, "/params/%s", key);
        json_pointer_append(&ptr, l->string);
        strbuf disp = STRBUF_INIT;
        sb_addf(&disp, "%s.%s", key, l->string);
        if (!is_label_key(l->string))
            params_report(c->sc, c->diags, DIAG_ERROR, ptr.buf, disp.buf,
                          "'%s' is not a valid Kubernetes label key ([prefix/]name, name at most 63 "
                          "characters of letters, digits, '-', '_' and '.')",
                          l->string);
        if (!cJSON_IsString(l) && !cJSON_IsNull(l)) {
            params_report(c->sc, c->diags, DIAG_ERROR, ptr.buf, disp.buf,
                          "expected a string or null (null means the run's session id), got %s",
                          json_type_name(l));
        } else if (cJSON_IsString(l)) {
            strbuf out = STRBUF_INIT;
            mtv_err err;
            if (placeholder_expand(l->valuestring, &PLACEHOLDER_SAMPLE, &out, &err) == 0 &&
                out.len && !is_label_name(out.buf, out.len))
                params_report(c->sc, c->diags, DIAG_ERROR, ptr.buf, disp.buf,
                              "'%s' is not a valid label value (at most 63 letters, digits, '-', "
                              "'_' and '.', starting and ending with a letter or digit)",
                              l->valuestring);
            sb_release(&out);
        }
        sb_release(&disp);
    }
    sb_release(&ptr);
}

/* pvc_name_template maps keys to provider types or "default". */
static void rule_pvc_template(rctx *c)
{
    static const char *const keys[] = {"vsphere", "ovirt", "openstack", "openshift",
                                       "ova", "hyperv", "ec2", "default"};
    const size_t nk = sizeof keys / sizeof keys[0];
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(c->sc->params, "pvc_name_template");
    if (!cJSON_IsObject(t))
        return;
    if (!t->child)
        params_report(c->sc, c->diags, DIAG_ERROR, "/params/pvc_name_template", "pvc_name_template",
                      "the map is empty; give a template per provider type and/or \"default\"");
    for (const cJSON *e = t->child; e; e = e->next) {
        strbuf ptr = STRBUF_INIT, disp = STRBUF_INIT;
        sb_adds(&ptr, "/params/pvc_name_template");
        json_pointer_append(&ptr, e->string);
        sb_addf(&disp, "pvc_name_template.%s", e->string);
        int ok = 0;
        for (size_t i = 0; i < nk; i++)
            ok |= !strcmp(keys[i], e->string);
        if (!ok) {
            strbuf hint = STRBUF_INIT;
            suggest_append(&hint, e->string, keys, nk);
            params_report(c->sc, c->diags, DIAG_ERROR, ptr.buf, disp.buf,
                          "'%s' is not a provider type%s; keys must be vsphere, ovirt, openstack, "
                          "openshift, ova, hyperv, ec2 or default",
                          e->string, sb_str(&hint));
            sb_release(&hint);
        }
        if (!cJSON_IsString(e) || !e->valuestring[0])
            params_report(c->sc, c->diags, DIAG_ERROR, ptr.buf, disp.buf,
                          "expected a non-empty template string, got %s",
                          cJSON_IsString(e) ? "an empty string" : json_type_name(e));
        sb_release(&ptr);
        sb_release(&disp);
    }
}

/* target_affinity is a Kubernetes Affinity: only its three members. */
static void rule_affinity(rctx *c)
{
    static const char *const keys[] = {"nodeAffinity", "podAffinity", "podAntiAffinity"};
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(c->sc->params, "target_affinity");
    if (!cJSON_IsObject(a))
        return;
    if (!a->child)
        params_report(c->sc, c->diags, DIAG_ERROR, "/params/target_affinity", "target_affinity",
                      "is empty; give nodeAffinity, podAffinity and/or podAntiAffinity");
    for (const cJSON *e = a->child; e; e = e->next) {
        int ok = 0;
        for (size_t i = 0; i < 3; i++)
            ok |= !strcmp(keys[i], e->string);
        strbuf ptr = STRBUF_INIT, hint = STRBUF_INIT;
        sb_adds(&ptr, "/params/target_affinity");
        json_pointer_append(&ptr, e->string);
        if (!ok) {
            suggest_append(&hint, e->string, keys, 3);
            params_report(c->sc, c->diags, DIAG_ERROR, ptr.buf, "target_affinity",
                          "unknown member \"%s\"%s; an affinity has nodeAffinity, podAffinity and "
                          "podAntiAffinity",
                          e->string, sb_str(&hint));
        } else if (!cJSON_IsObject(e)) {
            params_report(c->sc, c->diags, DIAG_ERROR, ptr.buf, "target_affinity",
                          "%s: expected an object, got %s", e->string, json_type_name(e));
        }
        sb_release(&ptr);
        sb_release(&hint);
    }
}

/* add_disks: a disk is either an RDM LUN (rdm_type) or a new disk of size_gb. */
static void rule_disks(rctx *c, const cJSON *vm, size_t i)
{
    const cJSON *disks = cJSON_GetObjectItemCaseSensitive(vm, "add_disks");
    if (!cJSON_IsArray(disks))
        return;
    size_t j = 0;
    for (const cJSON *d = disks->child; d; d = d->next, j++) {
        if (!cJSON_IsObject(d))
            continue;
        int rdm = cJSON_GetObjectItemCaseSensitive(d, "rdm_type") != NULL;
        int size = cJSON_GetObjectItemCaseSensitive(d, "size_gb") != NULL;
        if (rdm == size) {
            vm_ptr(c, i, "add_disks");
            sb_addf(&c->ptr, "/%zu", j);
            sb_addf(&c->disp, "[%zu]", j);
            params_report(c->sc, c->diags, DIAG_ERROR, c->ptr.buf, c->disp.buf,
                          rdm ? "an RDM disk (rdm_type) takes its size from the LUN: remove size_gb"
                              : "a new disk needs size_gb (or rdm_type for an RDM LUN)");
        }
    }
}

void params_rules_check(const scenario *sc, diag_list *diags)
{
    rctx c = {sc, diags, STRBUF_INIT, STRBUF_INIT};
    const cJSON *vms = cJSON_GetObjectItemCaseSensitive(sc->params, "virtual_machines");
    if (cJSON_IsArray(vms)) {
        size_t i = 0;
        for (const cJSON *vm = vms->child; vm; vm = vm->next, i++) {
            if (!cJSON_IsObject(vm))
                continue;
            rule_add_nic(&c, vm, i);
            rule_disks(&c, vm, i);
        }
        rule_static_ips(&c, vms);
        rule_skip_clone(&c, vms);
    }
    rule_labels(&c, "target_node_selector", 1);
    rule_labels(&c, "target_labels", 0);
    rule_pvc_template(&c);
    rule_affinity(&c);
    sb_release(&c.ptr);
    sb_release(&c.disp);
}
