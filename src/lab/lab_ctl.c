/*
 * lab_ctl: see lab_ctl.h. The plumbing: a deduplicated work queue filled
 * by store write hooks, timers for delayed requeues, the controller
 * thread that drains both, and the small helpers every reconciler uses
 * to read and write the store. Status is always written as a whole object
 * through the status subresource, so a reconcile that computes the same
 * status writes nothing (the store drops no-op updates).
 */
#include "lab/lab_ctl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_meta.h"
#include "util/log.h"

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

/* ---- JSON helpers ---- */

const char *js(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    return s ? s : "";
}

const cJSON *jpath(const cJSON *o, const char *dotted)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", dotted);
    const cJSON *cur = o;
    for (char *save, *t = strtok_r(buf, ".", &save); t && cur; t = strtok_r(NULL, ".", &save))
        cur = cJSON_GetObjectItemCaseSensitive(cur, t);
    return cur;
}

const char *jpath_str(const cJSON *o, const char *dotted)
{
    const char *s = cJSON_GetStringValue(jpath(o, dotted));
    return s ? s : "";
}

cJSON *ctl_owner_refs(const char *api_version, const char *kind, const char *name, const char *uid,
                      int controller)
{
    cJSON *refs = cJSON_CreateArray();
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "apiVersion", api_version);
    cJSON_AddStringToObject(r, "kind", kind);
    cJSON_AddStringToObject(r, "name", name);
    cJSON_AddStringToObject(r, "uid", uid);
    if (controller)
        cJSON_AddBoolToObject(r, "controller", 1);
    cJSON_AddItemToArray(refs, r);
    return refs;
}

cJSON *ctl_ref(const cJSON *obj)
{
    cJSON *r = cJSON_CreateObject();
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const cJSON *gen = cJSON_GetObjectItemCaseSensitive(meta, "generation");
    cJSON_AddNumberToObject(r, "generation", cJSON_IsNumber(gen) ? gen->valuedouble : 1);
    cJSON_AddStringToObject(r, "name", js(meta, "name"));
    cJSON_AddStringToObject(r, "namespace", js(meta, "namespace"));
    cJSON_AddStringToObject(r, "uid", js(meta, "uid"));
    return r;
}

/* ---- time ---- */

int64_t ctl_now(lab_ctl *c)
{
    return clock_mono_ms(c->clock);
}

int64_t ctl_scaled(lab_ctl *c, double seconds)
{
    double ms = seconds * 1000.0 / c->cfg.speed;
    return ms < 1 ? 1 : (int64_t)ms;
}

void ctl_now_str(lab_ctl *c, char out[32])
{
    lab_time_format(lab_store_now(c->cfg.store), out);
}

/* ---- queue and timers ---- */

static char *make_key(char tag, const char *ns, const char *name)
{
    strbuf k = STRBUF_INIT;
    sb_addf(&k, "%c|%s|%s", tag, ns ? ns : "", name ? name : "");
    return sb_detach(&k, NULL);
}

static void enqueue_locked(lab_ctl *c, char *key)
{
    if (strmap_get(&c->queued, key)) {
        free(key);
        return;
    }
    strmap_put(&c->queued, key, (void *)1);
    if (c->nq == c->capq) {
        c->capq = c->capq ? c->capq * 2 : 64;
        c->queue = realloc(c->queue, c->capq * sizeof *c->queue);
        if (!c->queue)
            abort();
    }
    c->queue[c->nq++] = key;
    pthread_cond_signal(&c->cond);
}

void ctl_enqueue(lab_ctl *c, char tag, const char *ns, const char *name)
{
    pthread_mutex_lock(&c->mu);
    enqueue_locked(c, make_key(tag, ns, name));
    pthread_mutex_unlock(&c->mu);
}

void ctl_after(lab_ctl *c, char tag, const char *ns, const char *name, int64_t delay_ms)
{
    char *key = make_key(tag, ns, name);
    int64_t due = ctl_now(c) + (delay_ms > 0 ? delay_ms : 0);
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->ntimers; i++)
        if (!strcmp(c->timers[i].key, key)) {
            if (due < c->timers[i].due)
                c->timers[i].due = due;
            free(key);
            pthread_cond_signal(&c->cond);
            pthread_mutex_unlock(&c->mu);
            return;
        }
    if (c->ntimers == c->captimers) {
        c->captimers = c->captimers ? c->captimers * 2 : 32;
        c->timers = realloc(c->timers, c->captimers * sizeof *c->timers);
        if (!c->timers)
            abort();
    }
    c->timers[c->ntimers++] = (timer_ent){due, key};
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->mu);
}

/* ---- store access ---- */

cJSON *ctl_get(lab_ctl *c, const lab_kind *k, const char *ns, const char *name)
{
    if (!k || !name || !*name)
        return NULL;
    lab_result res;
    lab_store_get(c->cfg.store, k, ns ? ns : "", name, &res);
    cJSON *o = res.code == 200 ? lab_blob_parse(res.obj) : NULL;
    lab_result_release(&res);
    return o;
}

cJSON *ctl_list(lab_ctl *c, const lab_kind *k, const char *ns)
{
    cJSON *arr = cJSON_CreateArray();
    if (!k)
        return arr;
    lab_list list;
    cJSON *st = NULL;
    if (lab_store_list(c->cfg.store, k, ns, NULL, &list, &st) == 0) {
        for (size_t i = 0; i < list.count; i++)
            cJSON_AddItemToArray(arr, lab_blob_parse(list.items[i]));
        lab_list_release(&list);
    }
    cJSON_Delete(st);
    return arr;
}

static cJSON *shell(const lab_kind *k, const char *ns, const char *name)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "apiVersion", k->api_version);
    cJSON_AddStringToObject(o, "kind", k->kind);
    cJSON *m = cJSON_AddObjectToObject(o, "metadata");
    cJSON_AddStringToObject(m, "name", name);
    if (ns && *ns)
        cJSON_AddStringToObject(m, "namespace", ns);
    return o;
}

int ctl_write_status(lab_ctl *c, const lab_kind *k, const char *ns, const char *name,
                     cJSON *status)
{
    lab_result before;
    lab_store_get(c->cfg.store, k, ns ? ns : "", name, &before);
    uint64_t rv0 = before.code == 200 ? before.obj->rv : 0;
    lab_result_release(&before);
    cJSON *o = shell(k, ns, name);
    cJSON_AddItemToObject(o, "status", status);
    lab_write_opts wo = {.subresource = "status"};
    lab_result res;
    lab_store_update(c->cfg.store, k, ns ? ns : "", name, o, &wo, &res);
    int rc = res.code == 200 ? res.obj->rv != rv0 : -1;
    if (res.code >= 400) {
        char *msg = res.status ? cJSON_PrintUnformatted(res.status) : NULL;
        log_debug("lab controller: writing the status of %s %s/%s: HTTP %d %s", k->kind,
                  ns ? ns : "", name, res.code, msg ? msg : "");
        free(msg);
    }
    lab_result_release(&res);
    return rc;
}

int ctl_create(lab_ctl *c, const lab_kind *k, const char *ns, cJSON *obj, char **name_out)
{
    lab_result res;
    lab_write_opts wo = {0};
    lab_store_create(c->cfg.store, k, ns ? ns : "", obj, &wo, &res);
    int code = res.code;
    if (name_out)
        *name_out = code == 201 ? xstrdup(res.obj->name) : NULL;
    if (code >= 400 && code != 409) {
        char *msg = res.status ? cJSON_PrintUnformatted(res.status) : NULL;
        log_warn("lab controller: creating a %s in %s: HTTP %d %s", k->kind, ns ? ns : "",
                 code, msg ? msg : "");
        free(msg);
    }
    lab_result_release(&res);
    return code;
}

int ctl_update(lab_ctl *c, const lab_kind *k, const char *ns, const char *name, cJSON *obj)
{
    lab_result res;
    lab_write_opts wo = {0};
    lab_store_update(c->cfg.store, k, ns ? ns : "", name, obj, &wo, &res);
    int code = res.code;
    lab_result_release(&res);
    return code;
}

void ctl_delete(lab_ctl *c, const lab_kind *k, const char *ns, const char *name)
{
    lab_result res;
    lab_store_delete(c->cfg.store, k, ns ? ns : "", name, NULL, &res);
    lab_result_release(&res);
}

long ctl_fc_long(lab_ctl *c, const char *key, long dflt)
{
    cJSON *list = ctl_list(c, c->k_fc, c->ns);
    long v = dflt;
    const cJSON *fc = cJSON_GetArrayItem(list, 0);
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(fc, "spec"), key);
    if (cJSON_IsNumber(item))
        v = (long)item->valuedouble;
    else if (cJSON_IsString(item) && *item->valuestring) {
        char *end;
        long x = strtol(item->valuestring, &end, 10);
        if (!*end)
            v = x;
    }
    cJSON_Delete(list);
    return v;
}

char *ctl_fc_str(lab_ctl *c, const char *key)
{
    cJSON *list = ctl_list(c, c->k_fc, c->ns);
    const cJSON *fc = cJSON_GetArrayItem(list, 0);
    const char *s = js(cJSON_GetObjectItem(fc, "spec"), key);
    char *r = *s ? xstrdup(s) : NULL;
    cJSON_Delete(list);
    return r;
}

/* ---- write hook: what to reconcile when something changes ---- */

static void on_write(void *ud, const lab_event *ev)
{
    lab_ctl *c = ud;
    const lab_kind *k = ev->obj->kind;
    const char *ns = ev->obj->ns, *name = ev->obj->name;
    char tag = 0;
    if (k == c->k_provider)
        tag = KEY_PROVIDER;
    else if (k == c->k_netmap)
        tag = KEY_NETMAP;
    else if (k == c->k_stomap)
        tag = KEY_STORAGEMAP;
    else if (k == c->k_hook)
        tag = KEY_HOOK;
    else if (k == c->k_plan)
        tag = KEY_PLAN;
    else if (k == c->k_migration)
        tag = KEY_MIGRATION;
    if (tag) {
        ctl_enqueue(c, tag, ns, name);
        /* a deleted Migration cancels its plan's run */
        if (tag == KEY_MIGRATION && ev->type == LAB_DELETED)
            ctl_enqueue(c, KEY_ALL, "", "");
        /* dependants: maps and plans follow providers; plans follow maps
         * and hooks; migrations follow their plan (handled in ctl_plan) */
        if (tag == KEY_PROVIDER || tag == KEY_NETMAP || tag == KEY_STORAGEMAP ||
            tag == KEY_HOOK)
            ctl_enqueue(c, KEY_ALL, "", "");
        return;
    }
    if (k == c->k_fc || k == c->k_secret || k == c->k_nad || k == c->k_sc)
        ctl_enqueue(c, KEY_ALL, "", "");
    else if (k && (k == c->k_vm || k == c->k_vmi))
        ctl_enqueue(c, KEY_KUBEVIRT, ns, name);
}

static void reconcile_all(lab_ctl *c)
{
    struct {
        const lab_kind *k;
        char tag;
    } kinds[] = {{c->k_provider, KEY_PROVIDER}, {c->k_netmap, KEY_NETMAP},
                 {c->k_stomap, KEY_STORAGEMAP}, {c->k_hook, KEY_HOOK},
                 {c->k_plan, KEY_PLAN}, {c->k_migration, KEY_MIGRATION}};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (!kinds[i].k)
            continue;
        lab_list list;
        cJSON *st = NULL;
        if (lab_store_list(c->cfg.store, kinds[i].k, NULL, NULL, &list, &st) == 0) {
            for (size_t j = 0; j < list.count; j++)
                ctl_enqueue(c, kinds[i].tag, list.items[j]->ns, list.items[j]->name);
            lab_list_release(&list);
        }
        cJSON_Delete(st);
    }
}

static void dispatch(lab_ctl *c, const char *key)
{
    char tag = key[0];
    const char *ns = key + 2;
    const char *bar = strchr(ns, '|');
    if (!bar)
        return;
    char *nsc = strndup(ns, (size_t)(bar - ns));
    const char *name = bar + 1;
    switch (tag) {
    case KEY_PROVIDER: ctl_provider(c, nsc, name); break;
    case KEY_NETMAP: ctl_map(c, 1, nsc, name); break;
    case KEY_STORAGEMAP: ctl_map(c, 0, nsc, name); break;
    case KEY_HOOK: ctl_hook(c, nsc, name); break;
    case KEY_PLAN: ctl_plan(c, nsc, name); break;
    case KEY_MIGRATION: ctl_migration(c, nsc, name); break;
    case KEY_KUBEVIRT: ctl_kubevirt(c, nsc, name); break;
    case KEY_ALL: reconcile_all(c); break;
    default: break;
    }
    free(nsc);
}

static void *run(void *arg)
{
    lab_ctl *c = arg;
    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        /* due timers become queued work */
        int64_t now = ctl_now(c), next = INT64_MAX;
        for (size_t i = 0; i < c->ntimers;) {
            if (c->timers[i].due <= now) {
                enqueue_locked(c, c->timers[i].key);
                c->timers[i] = c->timers[--c->ntimers];
            } else {
                if (c->timers[i].due < next)
                    next = c->timers[i].due;
                i++;
            }
        }
        if (c->nq == 0) {
            c->busy = 0;
            pthread_cond_broadcast(&c->cond);
            if (next == INT64_MAX) {
                pthread_cond_wait(&c->cond, &c->mu);
            } else {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                int64_t wait = next - now;
                ts.tv_sec += wait / 1000;
                ts.tv_nsec += (long)(wait % 1000) * 1000000L;
                if (ts.tv_nsec >= 1000000000L) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&c->cond, &c->mu, &ts);
            }
            continue;
        }
        char *key = c->queue[0];
        memmove(c->queue, c->queue + 1, (c->nq - 1) * sizeof *c->queue);
        c->nq--;
        strmap_del(&c->queued, key);
        c->busy = 1;
        pthread_mutex_unlock(&c->mu);
        dispatch(c, key);
        free(key);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* ---- lifecycle ---- */

lab_ctl *lab_ctl_new(const lab_ctl_config *cfg)
{
    lab_ctl *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->cfg = *cfg;
    if (c->cfg.speed < 0.001)
        c->cfg.speed = 1;
    c->ns = xstrdup(cfg->namespace ? cfg->namespace : "openshift-mtv");
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cond, NULL);
    c->clock = cfg->clock;
    if (!c->clock) {
        c->clock = clock_new_real();
        c->own_clock = 1;
    }
    c->rand = rand_new_entropy();
    const lab_kinds *k = lab_store_kinds(cfg->store);
    const char *fk = "forklift.konveyor.io";
    c->k_provider = lab_kinds_find(k, fk, "v1beta1", "providers");
    c->k_netmap = lab_kinds_find(k, fk, "v1beta1", "networkmaps");
    c->k_stomap = lab_kinds_find(k, fk, "v1beta1", "storagemaps");
    c->k_hook = lab_kinds_find(k, fk, "v1beta1", "hooks");
    c->k_plan = lab_kinds_find(k, fk, "v1beta1", "plans");
    c->k_migration = lab_kinds_find(k, fk, "v1beta1", "migrations");
    c->k_fc = lab_kinds_find(k, fk, "v1beta1", "forkliftcontrollers");
    c->k_secret = lab_kinds_find(k, "", "v1", "secrets");
    c->k_ns = lab_kinds_find(k, "", "v1", "namespaces");
    c->k_vm = lab_kinds_find(k, "kubevirt.io", "v1", "virtualmachines");
    c->k_vmi = lab_kinds_find(k, "kubevirt.io", "v1", "virtualmachineinstances");
    c->k_dv = lab_kinds_find(k, "cdi.kubevirt.io", "v1beta1", "datavolumes");
    c->k_pvc = lab_kinds_find(k, "", "v1", "persistentvolumeclaims");
    c->k_pod = lab_kinds_find(k, "", "v1", "pods");
    c->k_job = lab_kinds_find(k, "batch", "v1", "jobs");
    c->k_cm = lab_kinds_find(k, "", "v1", "configmaps");
    c->k_nad = lab_kinds_find(k, "k8s.cni.cncf.io", "v1", "network-attachment-definitions");
    c->k_sc = lab_kinds_find(k, "storage.k8s.io", "v1", "storageclasses");
    c->k_node = lab_kinds_find(k, "", "v1", "nodes");
    /* sources change under a running lab (clones made and deleted): the
     * inventory re-reads them, at most every 10 lab seconds or at once when
     * a simulated API says so, as Forklift's collectors keep watching */
    if (cfg->inv)
        lab_inv_set_refresh(cfg->inv, ctl_provider_refresh, c,
                            ctl_scaled(c, 10) > 1000 ? ctl_scaled(c, 10) : 1000);
    return c;
}

int lab_ctl_start(lab_ctl *c, mtv_err *err)
{
    lab_store_on_write(c->cfg.store, on_write, c);
    if (pthread_create(&c->thread, NULL, run, c) != 0)
        return mtv_err_set(err, MTV_EXIT_ENV, "cannot start the lab controller thread");
    c->started = 1;
    ctl_enqueue(c, KEY_ALL, "", "");
    /* VirtualMachines already in the store (the world's) get KubeVirt's status */
    lab_list list;
    cJSON *st = NULL;
    if (c->k_vm && lab_store_list(c->cfg.store, c->k_vm, NULL, NULL, &list, &st) == 0) {
        for (size_t j = 0; j < list.count; j++)
            ctl_enqueue(c, KEY_KUBEVIRT, list.items[j]->ns, list.items[j]->name);
        lab_list_release(&list);
    }
    cJSON_Delete(st);
    return 0;
}

void lab_ctl_stop(lab_ctl *c)
{
    if (!c || !c->started)
        return;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    c->started = 0;
}

void lab_ctl_guest(lab_ctl *c, const cJSON *vmi)
{
    ctl_kubevirt_guest(c, jpath_str(vmi, "metadata.namespace"), jpath_str(vmi, "metadata.name"),
                       cJSON_Duplicate(vmi, 1));
}

void lab_ctl_settle(lab_ctl *c, int timeout_ms)
{
    int64_t end = ctl_now(c) + timeout_ms;
    pthread_mutex_lock(&c->mu);
    while ((c->nq || c->busy) && ctl_now(c) < end) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 5 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&c->cond, &c->mu, &ts);
    }
    pthread_mutex_unlock(&c->mu);
}

static void run_free(run_rt *r)
{
    for (size_t i = 0; i < r->nvms; i++) {
        free(r->vms[i].id);
        free(r->vms[i].hook_job);
        if (r->vms[i].at_start)
            lab_vm_release(r->vms[i].at_start);
        free(r->vms[i].at_start);
    }
    free(r->vms);
    free(r->plan_uid);
    free(r->migration_uid);
    free(r->migration_name);
    free(r->cutover_seen);
    free(r);
}

void ctl_run_forget(lab_ctl *c, const char *plan_uid)
{
    for (size_t i = 0; i < c->nruns; i++)
        if (!strcmp(c->runs[i]->plan_uid, plan_uid)) {
            run_free(c->runs[i]);
            c->runs[i] = c->runs[--c->nruns];
            return;
        }
}

void lab_ctl_free(lab_ctl *c)
{
    if (!c)
        return;
    lab_ctl_stop(c);
    if (c->cfg.inv)
        lab_inv_set_refresh(c->cfg.inv, NULL, NULL, 0);
    for (size_t i = 0; i < c->nq; i++)
        free(c->queue[i]);
    free(c->queue);
    strmap_free(&c->queued);
    for (size_t i = 0; i < c->ntimers; i++)
        free(c->timers[i].key);
    free(c->timers);
    for (size_t i = 0; i < c->nruns; i++)
        run_free(c->runs[i]);
    free(c->runs);
    for (size_t i = 0; i < c->nprovs; i++) {
        free(c->provs[i].uid);
        free(c->provs[i].ns);
        free(c->provs[i].name);
        free(c->provs[i].secret_rv);
        free(c->provs[i].error);
    }
    free(c->provs);
    ctl_hooks_free(c);
    ctl_kubevirt_free(c);
    if (c->own_clock)
        clock_free(c->clock);
    rand_free(c->rand);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cond);
    free(c->ns);
    free(c);
}
