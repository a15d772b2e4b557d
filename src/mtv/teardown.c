/* teardown: see teardown.h. The order is a table of kinds; entries are
 * taken from a ledger snapshot and their states written back as they go. */
#include "mtv/teardown.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtv/crs.h"
#include "mtv/status.h"
#include "util/log.h"

static const k8s_kind *const KNOWN[] = {
    &K8S_NAMESPACE, &K8S_SECRET,   &K8S_CONFIGMAP,  &K8S_POD,       &K8S_SERVICEACCOUNT,
    &K8S_PVC,       &K8S_PV,       &K8S_CLUSTERROLEBINDING, &K8S_NAD, &K8S_DATAVOLUME,
    &K8S_VM,        &K8S_PROVIDER, &K8S_NETWORKMAP, &K8S_STORAGEMAP, &K8S_PLAN,
    &K8S_MIGRATION, &K8S_HOOK,     &K8S_HOST,       &K8S_FORKLIFTCONTROLLER, &K8S_CONVERSION,
};

/* Step 3's deletion order (upstream's teardown_resources). */
static const char *const DELETE_ORDER[] = {
    "Migration", "Plan", "Hook", "Provider", "Host", "Secret", "NetworkAttachmentDefinition",
    "StorageMap", "NetworkMap", "Conversion", "VirtualMachine", "Pod", "DataVolume",
    "PersistentVolumeClaim", "ConfigMap", "ServiceAccount", "ClusterRoleBinding",
};

void mtv_kind_api_version(const k8s_kind *k, char *out, size_t n)
{
    if (k->group && *k->group)
        snprintf(out, n, "%s/%s", k->group, k->version);
    else
        snprintf(out, n, "%s", k->version);
}

const k8s_kind *mtv_kind_lookup(const char *api_version, const char *kind)
{
    char av[128];
    for (size_t i = 0; kind && i < sizeof KNOWN / sizeof KNOWN[0]; i++) {
        if (strcmp(KNOWN[i]->kind, kind))
            continue;
        mtv_kind_api_version(KNOWN[i], av, sizeof av);
        if (!api_version || !strcmp(av, api_version))
            return KNOWN[i];
    }
    return NULL;
}

typedef struct td {
    k8s_client *c;
    ledger *l;
    const mtv_teardown_opts *o;
    strbuf *left;
    long kept;
    int ledger_failed;
    mtv_err *err;
} td;

static void set_state(td *t, const ledger_entry *e, enum ledger_state st, const char *note)
{
    mtv_err err;
    if (ledger_set_state(t->l, e->index, st, note, &err) < 0) {
        log_error("%s", err.msg);
        t->ledger_failed = 1;
        *t->err = err;
    }
}

static void leftover(td *t, const ledger_entry *e, const char *why)
{
    set_state(t, e, LEDGER_LEFTOVER, why);
    sb_addf(t->left, "%s %s%s%s: %s\n", e->kind, e->namespace_ ? e->namespace_ : "",
            e->namespace_ ? "/" : "", e->name ? e->name : e->id ? e->id : "?", why);
    t->kept++;
}

static int is_kind(const ledger_entry *e, const char *kind)
{
    return e->side && !strcmp(e->side, "cluster") && e->kind && !strcmp(e->kind, kind);
}

/* 1 when the Migration still runs. */
static int migration_running(const cJSON *m)
{
    return k8s_condition_true(m, "Running") && !k8s_condition_true(m, "Succeeded") &&
           !k8s_condition_true(m, "Failed") && !k8s_condition_true(m, "Canceled");
}

typedef struct cond_wait {
    const char *type;
} cond_wait;

static int pred_condition(void *ud, const cJSON *obj, mtv_err *err)
{
    (void)err;
    const cond_wait *w = ud;
    return obj && k8s_condition_true(obj, w->type);
}

/* A canceled Migration may end otherwise: its condition lags the Plan's, so
 * a run that had just finished can still read Running when it is canceled. */
static int pred_migration_over(void *ud, const cJSON *obj, mtv_err *err)
{
    (void)ud;
    (void)err;
    return obj && !migration_running(obj);
}

static void describe(void *ud, const cJSON *obj, strbuf *out)
{
    (void)ud;
    if (obj)
        mtv_status_describe(obj, out);
}

/* Step 1: cancel Migrations that still run. */
static void cancel_migration(td *t, const ledger_entry *e)
{
    cJSON *m = NULL;
    mtv_err err;
    if (k8s_get(t->c, &K8S_MIGRATION, e->namespace_, e->name, &m, &err) != 0 || !migration_running(m)) {
        cJSON_Delete(m);
        return;
    }
    const char *plan = k8s_obj_str(m, "spec.plan.name");
    const char *plan_ns = k8s_obj_str(m, "spec.plan.namespace");
    cJSON *p = NULL;
    if (plan && k8s_get(t->c, &K8S_PLAN, plan_ns ? plan_ns : e->namespace_, plan, &p, &err) == 0) {
        cJSON *patch = mtv_patch_cancel(p);
        log_info("teardown: cancelling Migration %s/%s", e->namespace_, e->name);
        if (k8s_patch(t->c, &K8S_MIGRATION, e->namespace_, e->name, K8S_PATCH_MERGE, patch, NULL, NULL,
                      &err) != 0)
            log_warn("teardown: %s", err.msg);
        else {
            if (k8s_wait_for(t->c, &K8S_MIGRATION, e->namespace_, e->name, pred_migration_over, describe,
                             NULL, t->o->object_timeout_ms, &err) != 0)
                log_warn("teardown: %s", err.msg);
        }
        cJSON_Delete(patch);
    }
    cJSON_Delete(p);
    cJSON_Delete(m);
}

/* Step 2: archive Plans. */
static void archive_plan(td *t, const ledger_entry *e)
{
    cJSON *patch = mtv_patch_archive();
    mtv_err err;
    int rc = k8s_patch(t->c, &K8S_PLAN, e->namespace_, e->name, K8S_PATCH_MERGE, patch, NULL, NULL, &err);
    cJSON_Delete(patch);
    if (rc == K8S_NOT_FOUND)
        return;
    if (rc != 0) {
        log_warn("teardown: archiving Plan %s/%s: %s", e->namespace_, e->name, err.msg);
        return;
    }
    cond_wait w = {"Archived"};
    if (k8s_wait_for(t->c, &K8S_PLAN, e->namespace_, e->name, pred_condition, describe, &w,
                     t->o->object_timeout_ms, &err) != 0)
        log_warn("teardown: %s", err.msg);
}

/* A label the run put on a node (session_node.c): name is the node, id the key. */
static void unlabel_node(td *t, const ledger_entry *e)
{
    cJSON *patch = cJSON_CreateObject();
    cJSON *labels = cJSON_AddObjectToObject(cJSON_AddObjectToObject(patch, "metadata"), "labels");
    cJSON_AddNullToObject(labels, e->id ? e->id : "");
    mtv_err err;
    int rc = k8s_patch(t->c, &K8S_NODE, NULL, e->name, K8S_PATCH_MERGE, patch, NULL, NULL, &err);
    cJSON_Delete(patch);
    if (rc == 0 || rc == K8S_NOT_FOUND) {
        log_debug("teardown: removed label %s from node %s", e->id ? e->id : "?", e->name);
        set_state(t, e, LEDGER_DELETED, NULL);
    } else {
        leftover(t, e, err.msg);
    }
}

static void delete_entry(td *t, const ledger_entry *e, int64_t timeout_ms)
{
    const k8s_kind *k = mtv_kind_lookup(e->api_version, e->kind);
    if (!k) {
        leftover(t, e, "unknown kind: delete it by hand");
        return;
    }
    mtv_err err;
    int rc = k8s_delete(t->c, k, e->namespace_, e->name, "Background", &err);
    if (rc == K8S_NOT_FOUND) {
        set_state(t, e, LEDGER_DELETED, NULL);
        return;
    }
    if (rc == 0)
        rc = k8s_wait_deleted(t->c, k, e->namespace_, e->name, timeout_ms, &err);
    if (rc == 0) {
        log_debug("teardown: deleted %s %s%s%s", e->kind, e->namespace_ ? e->namespace_ : "",
                  e->namespace_ ? "/" : "", e->name);
        set_state(t, e, LEDGER_DELETED, NULL);
    } else {
        leftover(t, e, err.msg);
    }
}

/* Step 4: the migrated VMs in a namespace the run created. */
static void delete_vms_in(td *t, const char *ns)
{
    cJSON *list = NULL;
    mtv_err err;
    if (k8s_list(t->c, &K8S_VM, ns, NULL, &list, &err) != 0) {
        log_debug("teardown: listing VirtualMachines in %s: %s", ns, err.msg);
        return;
    }
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(list, "items");
    for (const cJSON *vm = cJSON_IsArray(items) ? items->child : NULL; vm; vm = vm->next) {
        const char *name = k8s_obj_str(vm, "metadata.name");
        if (name && k8s_delete(t->c, &K8S_VM, ns, name, "Background", &err) < 0)
            log_warn("teardown: deleting VirtualMachine %s/%s: %s", ns, name, err.msg);
        else if (name)
            log_info("teardown: deleting migrated VirtualMachine %s/%s", ns, name);
    }
    cJSON_Delete(list);
}

long mtv_teardown(k8s_client *c, ledger *l, const mtv_teardown_opts *opts, strbuf *leftovers,
                  mtv_err *err)
{
    mtv_teardown_opts o = *opts;
    if (o.object_timeout_ms <= 0)
        o.object_timeout_ms = 180000;
    if (o.namespace_timeout_ms <= 0)
        o.namespace_timeout_ms = 600000;
    td t = {c, l, &o, leftovers, 0, 0, err};
    ledger_entry *e;
    size_t n;
    ledger_snapshot(l, o.scenario, 1, &e, &n);
    for (size_t i = 0; i < n; i++)
        if (is_kind(&e[i], "Migration"))
            cancel_migration(&t, &e[i]);
    for (size_t i = 0; i < n; i++)
        if (is_kind(&e[i], "Plan"))
            archive_plan(&t, &e[i]);
    for (size_t k = 0; k < sizeof DELETE_ORDER / sizeof DELETE_ORDER[0]; k++)
        for (size_t i = n; i-- > 0;)   /* newest first within a kind */
            if (is_kind(&e[i], DELETE_ORDER[k]))
                delete_entry(&t, &e[i], o.object_timeout_ms);
    for (size_t i = n; i-- > 0;)
        if (is_kind(&e[i], "Namespace")) {
            delete_vms_in(&t, e[i].name);
            delete_entry(&t, &e[i], o.namespace_timeout_ms);
        }
    for (size_t i = 0; i < n; i++) {
        const ledger_entry *x = &e[i];
        int handled = is_kind(x, "Namespace");
        for (size_t k = 0; !handled && k < sizeof DELETE_ORDER / sizeof DELETE_ORDER[0]; k++)
            handled = is_kind(x, DELETE_ORDER[k]);
        if (handled)
            continue;
        if (is_kind(x, "NodeLabel")) {
            unlabel_node(&t, x);
            continue;
        }
        if (!x->side || strcmp(x->side, "source") != 0)
            delete_entry(&t, x, o.object_timeout_ms);
    }
    /* source objects newest first: a clone before the volumes it boots
     * from, volumes before the snapshots they were made from, those before
     * the image that holds them */
    for (size_t i = n; i-- > 0;) {
        const ledger_entry *x = &e[i];
        if (!x->side || strcmp(x->side, "source") != 0)
            continue;
        mtv_err serr;
        if (!o.source_delete)
            leftover(&t, x, "no source adapter to delete it in this version; remove it in the source");
        else if (o.source_delete(o.source_ud, x, &serr) == 0)
            set_state(&t, x, LEDGER_DELETED, NULL);
        else
            leftover(&t, x, serr.msg);
    }
    ledger_entries_free(e, n);
    return t.ledger_failed ? -1 : t.kept;
}
