/* session_run: the "plan" and "migrate" steps (see session.h): upstream's
 * create_plan_resource with its Ready wait, and execute_migration with
 * wait_for_migration_complate, done by watching the Plan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtv/names.h"
#include "mtv/session_int.h"
#include "mtv/status.h"
#include "util/log.h"

static const cJSON *param(const mtv_session *s, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(s->cfg.params, k);
}

static int pred_ready(void *ud, const cJSON *obj, mtv_err *err)
{
    (void)ud;
    (void)err;
    return obj && mtv_status_ready(obj, NULL);
}

/* Appends the current state of a Provider (diagnostics). */
static void describe_provider(mtv_session *s, const char *name, strbuf *detail)
{
    cJSON *p = NULL;
    mtv_err err;
    if (k8s_get(s->k8s, &K8S_PROVIDER, s->ns.buf, name, &p, &err) == 0) {
        sb_addc(detail, '\n');
        mtv_status_describe(p, detail);
    }
    cJSON_Delete(p);
}

int mtv_session_plan(mtv_session *s, strbuf *detail, mtv_err *err)
{
    if (!s->prepared || !s->storagemap.len || !s->networkmap.len)
        return mtv_err_set(err, MTV_EXIT_ENV, "plan: the session has no StorageMap and NetworkMap");
    if (mtv_session_cancelled(s, err) < 0)
        return -1;
    int warm = cJSON_IsTrue(param(s, "warm_migration"));
    mtv_names_generate(s->t, s->base.buf, warm ? "-warm" : "-cold", &s->plan);
    mtv_plan_spec spec = {
        .ref = {s->plan.buf, s->ns.buf},
        .source = {s->provider.buf, s->ns.buf},
        .destination = {s->dest.buf, s->ns.buf},
        .storage_map = {s->storagemap.buf, s->ns.buf},
        .network_map = {s->networkmap.buf, s->ns.buf},
        .target_namespace = s->vm_ns.buf,
        .vms = s->plan_vms,
        .n_vms = s->n_vms,
        .pre_hook = {s->pre_hook.len ? s->pre_hook.buf : NULL, s->ns.buf},
        .post_hook = {s->post_hook.len ? s->post_hook.buf : NULL, s->ns.buf},
        .params = s->cfg.params,
        .provider_type = s->type_name,
        .session = s->session.buf,
    };
    cJSON *plan;
    if (mtv_cr_plan(&spec, &plan, err) < 0 || mtv_session_create(s, &K8S_PLAN, plan, NULL, err) < 0)
        return -1;
    long long secs = settings_int(s->cfg.set, "plan_ready_timeout", 360);
    int rc = mtv_session_wait(s, &K8S_PLAN, s->ns.buf, s->plan.buf, pred_ready, NULL, secs * 1000,
                              "Ready (plan_ready_timeout)", detail, err);
    if (rc == MTV_STEP_FAILED) {
        describe_provider(s, s->provider.buf, detail);
        describe_provider(s, s->dest.buf, detail);
    }
    return rc;
}

/* ---- the migration wait ----------------------------------------------------- */

typedef struct vm_seen {
    char *key;                 /* "phase|step|completed" last reported */
} vm_seen;

typedef struct exec_wait {
    mtv_session *s;
    const char *uid;
    enum mtv_exec last_state;
    int reported_state;
    vm_seen *seen;
    size_t n_seen;
    cJSON *final;
} exec_wait;

static void report_progress(exec_wait *w, const cJSON *plan)
{
    mtv_vm_status *v;
    size_t n = mtv_status_vms(plan, &v);
    if (n > w->n_seen) {
        w->seen = realloc(w->seen, n * sizeof *w->seen);
        if (!w->seen)
            abort();
        memset(w->seen + w->n_seen, 0, (n - w->n_seen) * sizeof *w->seen);
        w->n_seen = n;
    }
    for (size_t i = 0; i < n; i++) {
        char key[512];
        snprintf(key, sizeof key, "%s|%s|%lld|%s", v[i].phase ? v[i].phase : "",
                 v[i].step ? v[i].step : "", (long long)v[i].completed, v[i].outcome ? v[i].outcome : "");
        if (w->seen[i].key && !strcmp(w->seen[i].key, key))
            continue;
        free(w->seen[i].key);
        w->seen[i].key = strdup(key);
        char detail[256];
        int percent = -1;
        if (v[i].outcome)
            snprintf(detail, sizeof detail, "%s", v[i].outcome);
        else if (v[i].total > 0)
            snprintf(detail, sizeof detail, "step %s %lld/%lld%s%s", v[i].step ? v[i].step : "?",
                     (long long)v[i].completed, (long long)v[i].total, v[i].unit ? " " : "",
                     v[i].unit ? v[i].unit : "");
        else
            snprintf(detail, sizeof detail, "step %s", v[i].step ? v[i].step : "?");
        if (v[i].total > 0)
            percent = (int)(v[i].completed * 100 / v[i].total);
        progress_vm(&w->s->cfg.progress, w->s->cfg.test_name ? w->s->cfg.test_name : w->s->cfg.scenario,
                    "migrate", v[i].name ? v[i].name : v[i].id, v[i].phase, detail, percent);
    }
    mtv_status_vms_free(v, n);
}

static int pred_finished(void *ud, const cJSON *plan, mtv_err *err)
{
    (void)err;
    exec_wait *w = ud;
    if (!plan)
        return 0;
    enum mtv_exec st = mtv_status_exec(plan, w->uid);
    if (!w->reported_state || st != w->last_state) {
        log_info("Plan %s: %s", w->s->plan.buf, mtv_exec_name(st));
        w->last_state = st;
        w->reported_state = 1;
    }
    if (st != MTV_EXEC_WAITING)
        report_progress(w, plan);
    if (st >= MTV_EXEC_SUCCEEDED) {
        cJSON_Delete(w->final);
        w->final = cJSON_Duplicate(plan, 1);
        return 1;
    }
    return 0;
}

static int expected_outcome(mtv_session *s, enum mtv_exec st, const cJSON *plan, strbuf *detail,
                            mtv_err *err)
{
    const char *hook_step = mtv_hook_expected_failure(s->cfg.params);
    if (st != MTV_EXEC_FAILED)
        return mtv_err_set(err, MTV_EXIT_FAILURES,
                           "Plan %s was expected to fail (expected_migration_result: fail) but %s",
                           s->plan.buf, mtv_exec_name(st));
    strbuf why = STRBUF_INIT;
    mtv_status_failures(plan, detail);
    if (hook_step && !mtv_status_all_failed_at(plan, hook_step, &why)) {
        mtv_err_set(err, MTV_EXIT_FAILURES, "Plan %s failed, but not every VM at %s: %s", s->plan.buf,
                    hook_step, why.buf);
        sb_release(&why);
        return MTV_STEP_FAILED;
    }
    sb_release(&why);
    log_info("Plan %s failed as expected%s%s", s->plan.buf, hook_step ? " at " : "",
             hook_step ? hook_step : "");
    return 0;
}

/* The VirtualMachines the migration makes in the target namespace, recorded
 * so that teardown and cleanup delete them even in a namespace the run did
 * not create (upstream's cleanup_migrated_vms): the controller's newName when
 * it reports one, else the targetName, else the source name made DNS-1123. */
static void record_target_vms(mtv_session *s, const cJSON *plan)
{
    const cJSON *svms = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(plan, "status"), "migration"), "vms");
    for (size_t i = 0; i < s->n_vms; i++) {
        const mtv_plan_vm *pv = &s->plan_vms[i];
        const char *name = pv->target_name;
        for (const cJSON *v = svms ? svms->child : NULL; v; v = v->next) {
            const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "id"));
            const char *nn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "newName"));
            if (id && pv->id && !strcmp(id, pv->id) && nn && *nn)
                name = nn;
        }
        strbuf sane = STRBUF_INIT;
        mtv_err err;
        if (!name && mtv_names_sanitize(pv->name, MTV_NAME_MAX, &sane, &err) == 0)
            name = sane.buf;
        if (name) {
            ledger_item it = {.side = "cluster", .kind = "VirtualMachine", .api_version = "kubevirt.io/v1",
                              .namespace_ = s->vm_ns.buf, .name = name, .scenario = s->cfg.scenario,
                              .session = s->session.buf};
            if (ledger_record(s->cfg.ledger, &it, clock_now_ms(transport_clock(s->t)), &err) < 0)
                log_error("%s", err.msg);
        }
        sb_release(&sane);
    }
}

int mtv_session_migrate(mtv_session *s, strbuf *detail, mtv_err *err)
{
    if (!s->plan.len)
        return mtv_err_set(err, MTV_EXIT_ENV, "migrate: the session has no Plan");
    if (mtv_session_cancelled(s, err) < 0)
        return -1;
    int warm = cJSON_IsTrue(param(s, "warm_migration"));
    int64_t cutover = 0;
    if (warm) {
        long mins = (long)settings_int(s->cfg.set, "mins_before_cutover", 5);
        cutover = clock_now_ms(transport_clock(s->t)) + (int64_t)mins * 60000;
        char ts[32];
        mtv_format_cutover(cutover, ts);
        log_info("warm migration: cutover at %s (in %ld minutes)", ts, mins);
    }
    mtv_names_generate(s->t, s->base.buf, warm ? "-warm" : "-cold", &s->migration);
    cJSON *created = NULL;
    if (mtv_session_create(s, &K8S_MIGRATION,
                           mtv_cr_migration((mtv_ref){s->migration.buf, s->ns.buf},
                                            (mtv_ref){s->plan.buf, s->ns.buf}, cutover),
                           &created, err) < 0)
        return -1;
    const char *uid = k8s_obj_str(created, "metadata.uid");
    sb_adds(&s->migration_uid, uid ? uid : "");
    cJSON_Delete(created);

    long long secs = settings_int(s->cfg.set, "plan_wait_timeout", 600);
    exec_wait w = {s, s->migration_uid.len ? s->migration_uid.buf : NULL, MTV_EXEC_WAITING, 0, NULL, 0,
                   NULL};
    int rc = mtv_session_wait(s, &K8S_PLAN, s->ns.buf, s->plan.buf, pred_finished, &w, secs * 1000,
                              "to finish its migration (plan_wait_timeout)", detail, err);
    record_target_vms(s, w.final);
    if (rc == 0) {
        enum mtv_exec st = mtv_status_exec(w.final, w.uid);
        const cJSON *expected = param(s, "expected_migration_result");
        if ((cJSON_IsString(expected) && !strcmp(expected->valuestring, "fail")) ||
            (s->cfg.flags & MTV_SESSION_EXPECT_FAIL)) {
            rc = expected_outcome(s, st, w.final, detail, err);
        } else if (st != MTV_EXEC_SUCCEEDED) {
            strbuf lines = STRBUF_INIT;
            mtv_status_failures(w.final, &lines);
            const char *nl = lines.buf ? strchr(lines.buf, '\n') : NULL;
            mtv_err_set(err, MTV_EXIT_FAILURES, "Plan %s %s: %.*s", s->plan.buf,
                        st == MTV_EXEC_CANCELED ? "was canceled" : "failed",
                        (int)(nl ? (size_t)(nl - lines.buf) : lines.len),
                        lines.len ? lines.buf : "no VM reports an error");
            sb_add(detail, lines.buf ? lines.buf : "", lines.len);
            sb_addc(detail, '\n');
            mtv_status_describe(w.final, detail);
            sb_release(&lines);
            rc = MTV_STEP_FAILED;
        }
    }
    for (size_t i = 0; i < w.n_seen; i++)
        free(w.seen[i].key);
    free(w.seen);
    cJSON_Delete(w.final);
    return rc;
}
