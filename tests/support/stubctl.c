/* stubctl: see stubctl.h. */
#include "stubctl.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "k8s/client.h"
#include "testserver.h"
#include "util/clock.h"
#include "util/log.h"

#define MAX_PROVIDERS 64

struct stubctl {
    stubctl_config cfg;
    transport *t;
    kube_config kc;
    k8s_client *c;
    ts_server *inv;
    pthread_t thread;
    atomic_int stop;
    atomic_int migrations;
    pthread_mutex_t lock;
    char *providers[MAX_PROVIDERS][3];   /* uid, name, namespace */
    size_t n_providers;
    cJSON *seen;                         /* migration uid -> stage (1 executing, 2 done) */
};

static const char *str_at(const cJSON *o, const char *path)
{
    return k8s_obj_str(o, path);
}

static void now_iso(char out[32])
{
    mtv_clock *c = clock_new_real();
    clock_format_iso(clock_now_ms(c), out);
    clock_free(c);
}

static cJSON *condition(const char *type, const char *category, const char *message)
{
    char ts[32];
    now_iso(ts);
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", type);
    cJSON_AddStringToObject(c, "status", "True");
    cJSON_AddStringToObject(c, "category", category);
    if (message)
        cJSON_AddStringToObject(c, "message", message);
    cJSON_AddStringToObject(c, "lastTransitionTime", ts);
    return c;
}

static int patch_status(stubctl *s, const k8s_kind *k, const char *ns, const char *name, cJSON *status)
{
    cJSON *patch = cJSON_CreateObject();
    cJSON_AddItemToObject(patch, "status", status);
    mtv_err err;
    int rc = k8s_patch(s->c, k, ns, name, K8S_PATCH_MERGE, patch, "status", NULL, &err);
    if (rc != 0)
        log_debug("stubctl: %s", err.msg);
    cJSON_Delete(patch);
    return rc;
}

static double generation(const cJSON *o)
{
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "metadata"), "generation");
    return cJSON_IsNumber(g) ? g->valuedouble : 1;
}

static cJSON *list(stubctl *s, const k8s_kind *k)
{
    cJSON *out = NULL;
    mtv_err err;
    if (k8s_list(s->c, k, NULL, NULL, &out, &err) != 0)
        return NULL;
    return out;
}

#define FOR_ITEMS(it, lst) \
    for (const cJSON *it = cJSON_GetObjectItemCaseSensitive(lst, "items") ? cJSON_GetObjectItemCaseSensitive(lst, "items")->child : NULL; it; it = it->next)

static void providers_ready(stubctl *s)
{
    cJSON *l = list(s, &K8S_PROVIDER);
    FOR_ITEMS(p, l)
    {
        if (k8s_condition_true(p, "Ready"))
            continue;
        cJSON *st = cJSON_CreateObject();
        cJSON_AddStringToObject(st, "phase", "Ready");
        cJSON_AddNumberToObject(st, "observedGeneration", generation(p));
        cJSON *conds = cJSON_AddArrayToObject(st, "conditions");
        cJSON_AddItemToArray(conds, condition("ConnectionTestSucceeded", "Required", "ok"));
        cJSON_AddItemToArray(conds, condition("InventoryCreated", "Required", "loaded"));
        cJSON_AddItemToArray(conds, condition("Ready", "Required", "The provider is ready."));
        const char *ns = str_at(p, "metadata.namespace"), *name = str_at(p, "metadata.name");
        if (patch_status(s, &K8S_PROVIDER, ns, name, st) == 0) {
            pthread_mutex_lock(&s->lock);
            if (s->n_providers < MAX_PROVIDERS) {
                s->providers[s->n_providers][0] = strdup(str_at(p, "metadata.uid"));
                s->providers[s->n_providers][1] = strdup(name);
                s->providers[s->n_providers][2] = strdup(ns);
                s->n_providers++;
            }
            pthread_mutex_unlock(&s->lock);
        }
    }
    cJSON_Delete(l);
}

static void plans_ready(stubctl *s)
{
    cJSON *l = list(s, &K8S_PLAN);
    FOR_ITEMS(p, l)
    {
        const cJSON *spec = cJSON_GetObjectItemCaseSensitive(p, "spec");
        int archived = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "archived"));
        if (k8s_condition_true(p, "Ready") && (!archived || k8s_condition_true(p, "Archived")))
            continue;
        cJSON *st = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(p, "status"), 1);
        if (!st)
            st = cJSON_CreateObject();
        cJSON_DeleteItemFromObjectCaseSensitive(st, "observedGeneration");
        cJSON_AddNumberToObject(st, "observedGeneration", generation(p));
        cJSON *conds = cJSON_GetObjectItemCaseSensitive(st, "conditions");
        if (!conds)
            conds = cJSON_AddArrayToObject(st, "conditions");
        if (!k8s_condition_true(p, "Ready"))
            cJSON_AddItemToArray(conds, condition("Ready", "Required", "The migration plan is ready."));
        if (archived)
            cJSON_AddItemToArray(conds, condition("Archived", "Advisory", "archived"));
        patch_status(s, &K8S_PLAN, str_at(p, "metadata.namespace"), str_at(p, "metadata.name"), st);
    }
    cJSON_Delete(l);
}

static cJSON *ref_of(stubctl *s, const k8s_kind *k, const char *ns, const char *name)
{
    cJSON *o = NULL, *r = cJSON_CreateObject();
    mtv_err err;
    k8s_get(s->c, k, ns, name, &o, &err);
    cJSON_AddStringToObject(r, "name", name ? name : "");
    cJSON_AddStringToObject(r, "namespace", ns ? ns : "");
    cJSON_AddStringToObject(r, "uid", o && str_at(o, "metadata.uid") ? str_at(o, "metadata.uid") : "x");
    cJSON_AddNumberToObject(r, "generation", o ? generation(o) : 1);
    cJSON_Delete(o);
    return r;
}

static cJSON *step(const char *name, const char *phase, long done, long total, const char *error)
{
    cJSON *st = cJSON_CreateObject();
    cJSON_AddStringToObject(st, "name", name);
    cJSON_AddStringToObject(st, "phase", phase);
    cJSON *pr = cJSON_AddObjectToObject(st, "progress");
    cJSON_AddNumberToObject(pr, "completed", (double)done);
    cJSON_AddNumberToObject(pr, "total", (double)total);
    if (!strcmp(name, "DiskTransfer"))
        cJSON_AddStringToObject(cJSON_AddObjectToObject(st, "annotations"), "unit", "MB");
    if (error) {
        cJSON *e = cJSON_AddObjectToObject(st, "error");
        cJSON_AddStringToObject(e, "phase", phase);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(e, "reasons"), cJSON_CreateString(error));
    }
    return st;
}

/* The VM part of the Plan's status at stage 1 (executing) or 2 (done). */
static cJSON *vm_status(stubctl *s, const cJSON *vm, int stage, int has_hooks)
{
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "id", str_at(vm, "id") ? str_at(vm, "id") : "");
    if (str_at(vm, "name"))
        cJSON_AddStringToObject(v, "name", str_at(vm, "name"));
    cJSON *pipe = cJSON_CreateArray();
    const char *fail = stage == 2 ? s->cfg.fail_step : NULL;
    const char *reason = s->cfg.fail_reason ? s->cfg.fail_reason : "failed by the stub controller";
    const char *steps[] = {"Initialize", "DiskTransfer", "VirtualMachineCreation", has_hooks ? "PostHook" : NULL};
    int failed = 0;
    for (int i = 0; i < 4 && steps[i]; i++) {
        if (failed) {
            cJSON_AddItemToArray(pipe, step(steps[i], "Pending", 0, 1, NULL));
        } else if (fail && !strcmp(fail, steps[i])) {
            cJSON_AddItemToArray(pipe, step(steps[i], "Running", 1, 2, reason));
            failed = 1;
        } else if (stage == 1 && i == 1) {
            cJSON_AddItemToArray(pipe, step(steps[i], "Running", 1024, 2048, NULL));
            failed = 1;   /* later steps pending */
        } else {
            long total = i == 1 ? 2048 : 1;
            cJSON_AddItemToArray(pipe, step(steps[i], "Completed", total, total, NULL));
        }
    }
    cJSON_AddStringToObject(v, "phase", stage == 2 ? "Completed" : "CopyDisks");
    cJSON_AddItemToObject(v, "pipeline", pipe);
    if (stage == 2) {
        cJSON *conds = cJSON_AddArrayToObject(v, "conditions");
        cJSON_AddItemToArray(conds, condition(fail ? "Failed" : "Succeeded", "Advisory", NULL));
        if (fail) {
            cJSON *e = cJSON_AddObjectToObject(v, "error");
            cJSON_AddStringToObject(e, "phase", fail);
            cJSON_AddItemToArray(cJSON_AddArrayToObject(e, "reasons"), cJSON_CreateString(reason));
        }
    }
    return v;
}

static void run_migration(stubctl *s, const cJSON *m, int stage)
{
    const char *ns = str_at(m, "metadata.namespace");
    const char *mname = str_at(m, "metadata.name");
    const char *pname = str_at(m, "spec.plan.name");
    cJSON *plan = NULL;
    mtv_err err;
    if (!pname || k8s_get(s->c, &K8S_PLAN, ns, pname, &plan, &err) != 0)
        return;
    cJSON *st = cJSON_CreateObject();
    cJSON_AddNumberToObject(st, "observedGeneration", generation(plan));
    cJSON *conds = cJSON_AddArrayToObject(st, "conditions");
    cJSON_AddItemToArray(conds, condition("Ready", "Required", "The migration plan is ready."));
    const char *outcome = stage == 1 ? "Executing" : s->cfg.fail_step ? "Failed" : "Succeeded";
    cJSON_AddItemToArray(conds, condition(outcome, "Advisory", NULL));
    cJSON *mig = cJSON_AddObjectToObject(st, "migration");
    cJSON *h = cJSON_CreateObject();
    cJSON_AddItemToObject(h, "migration", ref_of(s, &K8S_MIGRATION, ns, mname));
    cJSON_AddItemToObject(h, "plan", ref_of(s, &K8S_PLAN, ns, pname));
    cJSON *prov = cJSON_AddObjectToObject(h, "provider");
    cJSON_AddItemToObject(prov, "source", ref_of(s, &K8S_PROVIDER, ns, str_at(plan, "spec.provider.source.name")));
    cJSON_AddItemToObject(prov, "destination",
                          ref_of(s, &K8S_PROVIDER, ns, str_at(plan, "spec.provider.destination.name")));
    cJSON *map = cJSON_AddObjectToObject(h, "map");
    cJSON_AddItemToObject(map, "network", ref_of(s, &K8S_NETWORKMAP, ns, str_at(plan, "spec.map.network.name")));
    cJSON_AddItemToObject(map, "storage", ref_of(s, &K8S_STORAGEMAP, ns, str_at(plan, "spec.map.storage.name")));
    cJSON_AddItemToArray(cJSON_AddArrayToObject(mig, "history"), h);
    cJSON *vms = cJSON_AddArrayToObject(mig, "vms");
    const cJSON *spec_vms = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(plan, "spec"), "vms");
    for (const cJSON *vm = spec_vms ? spec_vms->child : NULL; vm; vm = vm->next) {
        int hooks = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(vm, "hooks")) > 0;
        cJSON_AddItemToArray(vms, vm_status(s, vm, stage, hooks));
        int vm_ok = !s->cfg.fail_step || !strcmp(s->cfg.fail_step, "PostHook");
        if (stage == 2 && vm_ok) {
            const char *target = str_at(plan, "spec.targetNamespace");
            cJSON *v = cJSON_CreateObject();
            cJSON_AddStringToObject(v, "apiVersion", "kubevirt.io/v1");
            cJSON_AddStringToObject(v, "kind", "VirtualMachine");
            cJSON *md = cJSON_AddObjectToObject(v, "metadata");
            cJSON_AddStringToObject(md, "name", str_at(vm, "name") ? str_at(vm, "name") : "vm");
            cJSON_AddStringToObject(md, "namespace", target ? target : ns);
            cJSON_AddObjectToObject(v, "spec");
            k8s_create(s->c, &K8S_VM, target ? target : ns, v, NULL, &err);
            cJSON_Delete(v);
        }
    }
    patch_status(s, &K8S_PLAN, ns, pname, st);
    cJSON *ms = cJSON_CreateObject();
    cJSON *mconds = cJSON_AddArrayToObject(ms, "conditions");
    cJSON_AddItemToArray(mconds, condition(stage == 1 ? "Running" : outcome, "Advisory", NULL));
    patch_status(s, &K8S_MIGRATION, ns, mname, ms);
    cJSON_Delete(plan);
}

static void migrations(stubctl *s)
{
    cJSON *l = list(s, &K8S_MIGRATION);
    FOR_ITEMS(m, l)
    {
        const char *uid = str_at(m, "metadata.uid");
        if (!uid)
            continue;
        const cJSON *seen = cJSON_GetObjectItemCaseSensitive(s->seen, uid);
        int stage = seen ? (int)seen->valuedouble : 0;
        const cJSON *cancel = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "spec"), "cancel");
        if (stage < 2 && cJSON_GetArraySize(cancel) > 0) {
            cJSON *ms = cJSON_CreateObject();
            cJSON_AddItemToArray(cJSON_AddArrayToObject(ms, "conditions"), condition("Canceled", "Advisory", NULL));
            patch_status(s, &K8S_MIGRATION, str_at(m, "metadata.namespace"), str_at(m, "metadata.name"), ms);
            stage = 3;
        } else if (stage < 2 && !(s->cfg.hold && stage == 1)) {
            stage++;
            run_migration(s, m, stage);
            if (stage == 2)
                atomic_fetch_add(&s->migrations, 1);
        }
        cJSON_DeleteItemFromObjectCaseSensitive(s->seen, uid);
        cJSON_AddNumberToObject(s->seen, uid, stage);
    }
    cJSON_Delete(l);
}

static void *loop(void *ud)
{
    stubctl *s = ud;
    while (!atomic_load(&s->stop)) {
        providers_ready(s);
        plans_ready(s);
        migrations(s);
        usleep(20000);
    }
    return NULL;
}

/* ---- inventory -------------------------------------------------------------- */

static void answer(ts_response *r, int status, const char *json)
{
    r->status = status;
    ts_resp_body(r, "application/json", json, strlen(json));
}

static void inventory(void *ud, const ts_request *req, ts_response *resp)
{
    stubctl *s = ud;
    const char *p = req->path;
    strbuf out = STRBUF_INIT;
    if (!strcmp(p, "/providers/vsphere")) {
        sb_adds(&out, "[");
        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n_providers; i++)
            sb_addf(&out, "%s{\"uid\":\"%s\",\"name\":\"%s\",\"namespace\":\"%s\",\"type\":\"vsphere\"}",
                    i ? "," : "", s->providers[i][0], s->providers[i][1], s->providers[i][2]);
        pthread_mutex_unlock(&s->lock);
        sb_adds(&out, "]");
        answer(resp, 200, out.buf);
    } else if (strstr(p, "/vms/vm-")) {
        int n = atoi(strstr(p, "/vms/vm-") + 8);
        sb_addf(&out, "{\"id\":\"vm-%d\",\"name\":\"%s\",\"powerState\":\"poweredOff\","
                      "\"disks\":[{\"key\":2000,\"file\":\"[datastore1] vm/vm.vmdk\",\"datastore\":{\"kind\":"
                      "\"Datastore\",\"id\":\"datastore-1\"},\"capacity\":2147483648}],"
                      "\"networks\":[{\"kind\":\"Network\",\"id\":\"network-1\"},{\"kind\":\"Network\",\"id\":\"network-2\"}],"
                      "\"nics\":[{\"mac\":\"00:50:56:00:00:01\",\"network\":{\"kind\":\"Network\",\"id\":\"network-1\"}},"
                      "{\"mac\":\"00:50:56:00:00:02\",\"network\":{\"kind\":\"Network\",\"id\":\"network-2\"}}]}",
                n, s->cfg.vm_names[n]);
        answer(resp, 200, out.buf);
    } else if (strstr(p, "/vms")) {
        sb_adds(&out, "[");
        for (int i = 0; s->cfg.vm_names && s->cfg.vm_names[i]; i++)
            sb_addf(&out, "%s{\"id\":\"vm-%d\",\"name\":\"%s\"}", i ? "," : "", i, s->cfg.vm_names[i]);
        sb_adds(&out, "]");
        answer(resp, 200, out.buf);
    } else if (strstr(p, "/datastores/datastore-1")) {
        answer(resp, 200, "{\"id\":\"datastore-1\",\"name\":\"datastore1\"}");
    } else if (strstr(p, "/networks/network-1")) {
        answer(resp, 200, "{\"id\":\"network-1\",\"name\":\"VM Network\"}");
    } else if (strstr(p, "/networks/network-2")) {
        answer(resp, 200, "{\"id\":\"network-2\",\"name\":\"Mgmt\"}");
    } else {
        answer(resp, 404, "{}");
    }
    sb_release(&out);
}

static void create(stubctl *s, const k8s_kind *k, const char *json)
{
    cJSON *o = cJSON_Parse(json);
    mtv_err err;
    int rc = k8s_create(s->c, k, k->namespaced ? k8s_obj_str(o, "metadata.namespace") : NULL, o, NULL, &err);
    cr_assert(rc == 0 || rc == K8S_EXISTS, "stubctl: %s", err.msg);
    cJSON_Delete(o);
}

stubctl *stubctl_start(lab_server *lab, const stubctl_config *cfg)
{
    stubctl *s = calloc(1, sizeof *s);
    s->cfg = *cfg;
    s->seen = cJSON_CreateObject();
    pthread_mutex_init(&s->lock, NULL);
    mtv_err err;
    transport_config tc = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(&s->t, &tc, &err), 0, "%s", err.msg);
    cr_assert_eq(kubeconfig_load(&s->kc, lab_server_kubeconfig_path(lab), NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(k8s_client_new(&s->c, &s->kc, s->t, &err), 0, "%s", err.msg);
    s->inv = ts_start(TS_HTTPS);
    ts_route(s->inv, "GET", "/providers*", inventory, s);
    const char *host = strstr(ts_url(s->inv), "://") + 3;
    create(s, &K8S_NAMESPACE, "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"openshift-mtv\"}}");
    strbuf route = STRBUF_INIT;
    sb_addf(&route,
            "{\"apiVersion\":\"route.openshift.io/v1\",\"kind\":\"Route\",\"metadata\":{\"name\":"
            "\"forklift-inventory\",\"namespace\":\"openshift-mtv\"},\"spec\":{\"host\":\"%s\",\"to\":"
            "{\"kind\":\"Service\",\"name\":\"forklift-inventory\"}}}",
            host);
    create(s, &K8S_ROUTE, route.buf);
    sb_release(&route);
    create(s, &K8S_FORKLIFTCONTROLLER,
           "{\"apiVersion\":\"forklift.konveyor.io/v1beta1\",\"kind\":\"ForkliftController\",\"metadata\":"
           "{\"name\":\"forklift-controller\",\"namespace\":\"openshift-mtv\"},\"spec\":{\"controller_precopy_interval\":60}}");
    pthread_create(&s->thread, NULL, loop, s);
    return s;
}

int stubctl_migrations(stubctl *s)
{
    return atomic_load(&s->migrations);
}

void stubctl_stop(stubctl *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
    ts_stop(s->inv);
    for (size_t i = 0; i < s->n_providers; i++)
        for (int k = 0; k < 3; k++)
            free(s->providers[i][k]);
    cJSON_Delete(s->seen);
    k8s_client_free(s->c);
    kubeconfig_free(&s->kc);
    transport_free(s->t);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
