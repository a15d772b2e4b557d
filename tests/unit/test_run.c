/* Unit tests for runner/run with a scripted driver over the shipped catalog:
 * the incremental rule, steps left out, skips, jobs keeping selection order,
 * interruption by timeout and by SIGINT with teardown still run, leftovers,
 * recording a cassette per scenario and replaying it offline with the same
 * verdicts, results.json and junit.xml, and masking in both. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/context.h"
#include "runner/run.h"
#include "testserver.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/log.h"

/* ---- a scripted driver ------------------------------------------------------ */

typedef struct script {
    const char *fail_step;       /* fails (assertion) */
    const char *error_step;      /* errors (infrastructure) */
    const char *block_step;      /* waits for the cancel flag, then errors */
    int sigint_in_block;         /* raise SIGINT when blocking */
    const char *url;             /* every step GETs <url>/<step> through the transport */
    long leftovers;              /* teardown reports this many */
    atomic_int begins, teardowns, ends;
    _Atomic(const selected *) first_begun;   /* the scenario the driver saw first */
    useconds_t step_us;          /* each step takes this long */
    atomic_int running, most_running;        /* scenarios between begin and end */
} script;

typedef struct fstate {
    script *s;
    scenario_ctx ctx;
} fstate;

static int f_implements(void *ud, const char *step)
{
    (void)ud;
    static const char *const known[] = {"prepare", "storagemap", "networkmap", "plan", "migrate"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(step, known[i]))
            return 1;
    return 0;
}

static int f_begin(void *ud, scenario_ctx *ctx, void **state, mtv_err *err)
{
    (void)err;
    script *s = ud;
    atomic_fetch_add(&s->begins, 1);
    const selected *none = NULL;
    atomic_compare_exchange_strong(&s->first_begun, &none, ctx->sel);
    int now = atomic_fetch_add(&s->running, 1) + 1;
    for (int m = atomic_load(&s->most_running); now > m && !atomic_compare_exchange_weak(&s->most_running, &m, now);)
        ;
    fstate *f = calloc(1, sizeof *f);
    f->s = s;
    f->ctx = *ctx;
    *state = f;
    return 0;
}

static enum step_status f_step(void *ud, void *state, const char *step, strbuf *detail, mtv_err *err)
{
    (void)ud;
    fstate *f = state;
    script *s = f->s;
    log_info("doing %s with password Run-canary-secret-1", step);
    if (s->step_us)
        usleep(s->step_us);
    if (s->url) {
        net_endpoint ep;
        net_endpoint_init(&ep);
        ep.base_url = s->url;
        http_request req;
        char path[128];
        snprintf(path, sizeof path, "/%s", step);
        http_request_init(&req, &ep, "kubernetes", "GET", path);
        http_response resp = {0};
        int rc = transport_send(f->ctx.t, &req, &resp, err);
        http_request_free(&req);
        http_response_free(&resp);
        if (rc < 0)
            return STEP_ERROR;
    }
    if (!strcmp(step, "prepare")) {
        ledger_item it = {.side = "cluster", .kind = "Namespace", .api_version = "v1",
                          .name = f->ctx.sel->sc->name, .scenario = f->ctx.sel->sc->name};
        if (ledger_record(f->ctx.ledger, &it, clock_now_ms(transport_clock(f->ctx.t)), err) < 0)
            return STEP_ERROR;
    }
    if (s->fail_step && !strcmp(step, s->fail_step)) {
        sb_adds(detail, "the detail\nof the failure");
        mtv_err_set(err, MTV_EXIT_FAILURES, "%s did not work", step);
        return STEP_FAILED;
    }
    if (s->error_step && !strcmp(step, s->error_step)) {
        mtv_err_set(err, MTV_EXIT_ENV, "%s: API unreachable", step);
        return STEP_ERROR;
    }
    if (s->block_step && !strcmp(step, s->block_step)) {
        if (s->sigint_in_block)
            kill(getpid(), SIGINT);
        while (!atomic_load(f->ctx.cancel))
            usleep(10000);
        mtv_err_set(err, MTV_EXIT_ENV, "%s: cancelled", step);
        return STEP_ERROR;
    }
    return STEP_PASSED;
}

static long f_teardown(void *ud, void *state, strbuf *left, mtv_err *err)
{
    (void)state;
    (void)err;
    script *s = ud;
    atomic_fetch_add(&s->teardowns, 1);
    for (long i = 0; i < s->leftovers; i++)
        sb_addf(left, "Plan x-%ld\n", i);
    return s->leftovers;
}

static void f_end(void *ud, void *state)
{
    script *s = ud;
    atomic_fetch_add(&s->ends, 1);
    atomic_fetch_sub(&s->running, 1);
    free(state);
}

static runner_driver driver_for(script *s)
{
    runner_driver d = {s, f_implements, f_begin, f_step, f_teardown, f_end, NULL};
    return d;
}

/* Data the scripted driver observed: a record holding the canary secret,
 * base64-encoded too, and a key results.json keeps for the scenario itself. */
static cJSON *f_data(void *ud, void *state)
{
    (void)ud;
    (void)state;
    return cJSON_Parse("{\"source_vms_data\": {\"vm-a\": {\"name\": \"vm-a\","
                       " \"serial\": \"Run-canary-secret-1\","
                       " \"guest_os\": \"UnVuLWNhbmFyeS1zZWNyZXQtMQ==\"}},"
                       " \"steps\": []}");
}

/* ---- fixtures ----------------------------------------------------------------- */

typedef struct world {
    catalog cat;
    selection sel;
    run_item items[8];
    size_t n;
    char out[4200];
} world;

static void open_world(world *w, const char *const *names, size_t n)
{
    memset(w, 0, sizeof *w);
    secrets_add(log_secrets(), "test.password", "Run-canary-secret-1");
    diag_list diags = DIAG_LIST_INIT;
    cr_assert_eq(catalog_open(&w->cat, tu_src("scenarios"), NULL, 0, log_secrets(), &diags), 0);
    diag_free(&diags);
    select_opts so = {.names = names, .n_names = n, .provider_type = PROVIDER_VSPHERE,
                      .provider_label = "vsphere-8", .storage_class = "ceph-rbd"};
    mtv_err err;
    cr_assert_eq(select_scenarios(&w->cat, &so, &w->sel, &err), 0, "%s", err.msg);
    cr_assert_eq(w->sel.count, n);
    for (size_t i = 0; i < w->sel.count; i++)
        w->items[i].sel = &w->sel.items[i];
    w->n = w->sel.count;
    snprintf(w->out, sizeof w->out, "%s/run", tu_tmpdir());
    cr_assert_eq(fs_mkdir_p(w->out, 0755, &err), 0);
    log_set_level(LOG_OFF);
}

static void close_world(world *w)
{
    selection_free(&w->sel);
    catalog_free(&w->cat);
}

static run_options options(world *w, enum transport_mode mode)
{
    run_options o = {.out_dir = w->out, .mode = mode, .jobs = 1, .run_id = "run-test",
                     .quiet_progress = 1};
    return o;
}

static const scenario_result *result_of(const run_results *r, const char *name)
{
    for (size_t i = 0; i < r->n_scenarios; i++)
        if (!strcmp(r->scenarios[i]->scenario, name))
            return r->scenarios[i];
    cr_assert_fail("no result for %s", name);
    return NULL;
}

static const char *const COLD[] = {"test_sanity_cold_mtv_migration"};

typedef struct events {
    pthread_mutex_t lock;
    strbuf text;
} events;

static void collect(void *ud, const progress_event *ev)
{
    static const char *const kinds[] = {"run", "scenario", "start", "vm", "end", "done", "note"};
    events *e = ud;
    pthread_mutex_lock(&e->lock);
    sb_addf(&e->text, "%s:%s:%s:%s;", kinds[ev->kind], ev->step ? ev->step : "",
            ev->status ? ev->status : "", ev->kind == PROGRESS_RUN_START ? "total" : "");
    pthread_mutex_unlock(&e->lock);
}

Test(run, incremental_rule_and_steps_left_out)
{
    world w;
    open_world(&w, COLD, 1);
    script s = {.fail_step = "networkmap"};
    runner_driver d = driver_for(&s);
    run_env env = {.cat = &w.cat, .set = &w.cat.settings};
    run_options o = options(&w, TRANSPORT_LIVE);
    events ev = {PTHREAD_MUTEX_INITIALIZER, STRBUF_INIT};
    o.progress = (progress_sink){collect, &ev};
    run_results *res = results_new("run-test", 0);
    run_outcome oc;
    mtv_err err;
    cr_assert_eq(runner_run(&env, w.items, w.n, &d, &o, res, &oc, &err), 0, "%s", err.msg);
    const scenario_result *r = result_of(res, "test_sanity_cold_mtv_migration");
    cr_assert_eq(r->n_steps, 5, "prepare + 4 of the base pattern; check_vms left out");
    cr_assert_str_eq(r->steps[0].name, "prepare");
    cr_assert_eq(r->steps[0].status, STEP_PASSED);
    cr_assert_eq(r->steps[1].status, STEP_PASSED);
    cr_assert_str_eq(r->steps[2].name, "networkmap");
    cr_assert_eq(r->steps[2].status, STEP_FAILED);
    cr_assert_str_eq(r->steps[2].message, "networkmap did not work");
    cr_assert_str_eq(r->steps[2].detail, "the detail\nof the failure");
    cr_assert_str_eq(r->steps[2].test_name, "networkmap-vsphere-8-ceph-rbd");
    cr_assert_eq(r->steps[3].status, STEP_XFAILED);
    cr_assert_str_eq(r->steps[3].message, "previous step failed (networkmap)");
    cr_assert_eq(r->steps[4].status, STEP_XFAILED);
    cr_assert(r->steps[1].log && strstr(r->steps[1].log, "doing storagemap"), "the step's own log");
    cr_assert_null(strstr(r->steps[1].log, "doing networkmap"));
    cr_assert_eq(atomic_load(&s.teardowns), 1);
    cr_assert_eq(atomic_load(&s.ends), 1);
    cr_assert_eq(runner_exit_code(res, &oc), MTV_EXIT_FAILURES);
    cr_assert_str_eq(ev.text.buf,
                     "run:::total;scenario:::;start:prepare::;end:prepare:passed:;"
                     "start:storagemap::;end:storagemap:passed:;start:networkmap::;"
                     "end:networkmap:failed:;end:plan:xfailed:;end:migrate:xfailed:;done:::;");
    sb_release(&ev.text);

    /* results.json, junit.xml and resources.json are in the folder, masked */
    strbuf p = STRBUF_INIT;
    sb_addf(&p, "%s/junit.xml", w.out);
    char *junit = tu_read(p.buf, NULL);
    cr_assert_not_null(junit);
    cr_assert(strstr(junit, "name=\"test_sanity_cold_mtv_migration-vsphere-8-ceph-rbd\""), "%s", junit);
    cr_assert(strstr(junit, "classname=\"test_sanity_cold_mtv_migration\""));
    cr_assert(strstr(junit, "name=\"networkmap-vsphere-8-ceph-rbd\""));
    cr_assert(strstr(junit, "<failure message=\"networkmap did not work\""), "%s", junit);
    cr_assert(strstr(junit, "type=\"pytest.xfail\""));
    cr_assert(strstr(junit, "&lt;redacted:test.password&gt;"), "%s", junit);
    cr_assert_null(strstr(junit, "Run-canary-secret-1"));
    free(junit);
    sb_reset(&p);
    sb_addf(&p, "%s/results.json", w.out);
    run_results *back = results_read(p.buf, &err);
    cr_assert_not_null(back, "%s", err.msg);
    strbuf diff = STRBUF_INIT;
    cr_assert_eq(results_compare(res, back, &diff), 0, "%s", diff.buf);
    results_free(back);
    sb_reset(&p);
    sb_addf(&p, "%s/resources.json", w.out);
    char *ledger = tu_read(p.buf, NULL);
    cr_assert(ledger && strstr(ledger, "\"Namespace\""));
    free(ledger);
    sb_reset(&p);
    sb_addf(&p, "%s/test_sanity_cold_mtv_migration/scenario.log", w.out);
    char *slog = tu_read(p.buf, NULL);
    cr_assert(slog && strstr(slog, "doing migrate") == NULL && strstr(slog, "doing networkmap"));
    cr_assert_null(strstr(slog, "Run-canary-secret-1"));
    free(slog);
    sb_release(&p);
    sb_release(&diff);
    results_free(res);
    close_world(&w);
}

Test(run, jobs_keep_selection_order_and_skips_touch_nothing)
{
    static const char *const names[] = {"test_sanity_cold_mtv_migration", "test_cold_migration_comprehensive",
                                        "test_post_hook_retain_failed_vm", "test_ova_cold_migration"};
    world w;
    open_world(&w, names, 3);   /* the OVA scenario is not written for vSphere */
    script s = {0};
    runner_driver d = driver_for(&s);
    run_env env = {.cat = &w.cat, .set = &w.cat.settings};
    w.sel.items[1].skip = strdup("gated for this test");
    run_options o = options(&w, TRANSPORT_LIVE);
    o.jobs = 3;
    run_results *res = results_new("run-test", 0);
    run_outcome oc;
    mtv_err err;
    cr_assert_eq(runner_run(&env, w.items, w.n, &d, &o, res, &oc, &err), 0, "%s", err.msg);
    cr_assert_eq(res->n_scenarios, 3);
    for (size_t i = 0; i < 3; i++)
        cr_assert_str_eq(res->scenarios[i]->scenario, w.sel.items[i].sc->name, "selection order");
    const scenario_result *skipped = res->scenarios[1];
    cr_assert_gt(skipped->n_steps, 0);
    for (size_t k = 0; k < skipped->n_steps; k++) {
        cr_assert_eq(skipped->steps[k].status, STEP_SKIPPED);
        cr_assert_str_eq(skipped->steps[k].message, "gated for this test");
    }
    cr_assert_eq(atomic_load(&s.begins), 2, "a skipped scenario never reaches the driver");
    cr_assert_eq(runner_exit_code(res, &oc), MTV_EXIT_OK);
    results_free(res);
    close_world(&w);
}

static int is_warm(const selected *sel)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sel->sc->params, "warm_migration"));
}

Test(run, start_order_is_longest_expected_first)
{
    /* catalog order: sanity cold (1 VM), sanity warm (1), shared disk (2 VMs, cold),
     * warm comprehensive (1) */
    static const char *const names[] = {"test_sanity_cold_mtv_migration", "test_sanity_warm_mtv_migration",
                                        "test_shared_disk_rhel_migration", "test_warm_migration_comprehensive"};
    world w;
    open_world(&w, names, 4);
    cr_assert(!is_warm(&w.sel.items[0]) && is_warm(&w.sel.items[1]) && !is_warm(&w.sel.items[2]) &&
              is_warm(&w.sel.items[3]), "the catalog changed: pick other scenarios");
    size_t order[4];
    runner_start_order(w.items, w.n, order);
    const size_t want[] = {1, 3, 2, 0};   /* warm (selection order among equals), more VMs, the rest */
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(order[i], want[i], "position %zu: item %zu (%s), wanted %zu", i, order[i],
                     w.sel.items[order[i]].sc->name, want[i]);
    /* a skipped item takes no time: it starts last */
    w.items[1].skip = "gated";
    runner_start_order(w.items, w.n, order);
    const size_t want_skip[] = {3, 2, 0, 1};
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(order[i], want_skip[i], "with a skip, position %zu: item %zu", i, order[i]);
    w.items[1].skip = NULL;

    /* the runner starts a warm one first, and results keep selection order */
    script s = {0};
    runner_driver d = driver_for(&s);
    run_env env = {.cat = &w.cat, .set = &w.cat.settings};
    run_options o = options(&w, TRANSPORT_LIVE);
    o.jobs = 2;
    run_results *res = results_new("run-test", 0);
    run_outcome oc;
    mtv_err err;
    cr_assert_eq(runner_run(&env, w.items, w.n, &d, &o, res, &oc, &err), 0, "%s", err.msg);
    const selected *first = atomic_load(&s.first_begun);
    cr_assert(first && is_warm(first), "the first scenario started is %s", first ? first->sc->name : "none");
    for (size_t i = 0; i < 4; i++)
        cr_assert_str_eq(res->scenarios[i]->scenario, w.sel.items[i].sc->name, "selection order");
    results_free(res);
    close_world(&w);
}

Test(run, scenarios_sharing_a_source_vm_as_it_is_never_run_at_once)
{
    /* both migrate mtv-tests-rhel8; the shared disk one other VMs */
    static const char *const names[] = {"test_sanity_cold_mtv_migration", "test_sanity_warm_mtv_migration",
                                        "test_shared_disk_rhel_migration"};
    world w;
    open_world(&w, names, 3);
    static const char *const sets[] = {"skip_source_clone=true"};
    catalog as_is;
    diag_list diags = DIAG_LIST_INIT;
    cr_assert_eq(catalog_open(&as_is, tu_src("scenarios"), sets, 1, log_secrets(), &diags), 0);
    diag_free(&diags);
    /* cloned (the default): no conflict */
    cr_assert_not(runner_items_conflict(&w.items[0], &w.items[1], &w.cat.settings));
    cr_assert(runner_items_conflict(&w.items[0], &w.items[1], &as_is.settings));
    cr_assert_not(runner_items_conflict(&w.items[0], &w.items[2], &as_is.settings), "other VMs");
    w.items[1].skip = "gated";
    cr_assert_not(runner_items_conflict(&w.items[0], &w.items[1], &as_is.settings), "a skip touches nothing");
    w.items[1].skip = NULL;

    /* three jobs, slow steps: the two rhel8 scenarios never overlap, yet all run */
    script s = {.step_us = 50000};
    runner_driver d = driver_for(&s);
    run_env env = {.cat = &as_is, .set = &as_is.settings};
    run_options o = options(&w, TRANSPORT_LIVE);
    o.jobs = 3;
    run_results *res = results_new("run-test", 0);
    run_outcome oc;
    mtv_err err;
    cr_assert_eq(runner_run(&env, w.items, w.n, &d, &o, res, &oc, &err), 0, "%s", err.msg);
    cr_assert_eq(atomic_load(&s.begins), 3);
    cr_assert_leq(atomic_load(&s.most_running), 2, "the two rhel8 scenarios ran at once");
    for (size_t i = 0; i < 3; i++)
        for (size_t k = 0; k < res->scenarios[i]->n_steps; k++)
            cr_assert_eq(res->scenarios[i]->steps[k].status, STEP_PASSED);
    results_free(res);
    catalog_free(&as_is);
    close_world(&w);
}

Test(run, timeout_cancels_and_still_tears_down)
{
    world w;
    open_world(&w, COLD, 1);
    script s = {.block_step = "plan", .leftovers = 2};
    runner_driver d = driver_for(&s);
    run_env env = {.cat = &w.cat, .set = &w.cat.settings};
    run_options o = options(&w, TRANSPORT_LIVE);
    o.timeout_ms = 300;
    run_results *res = results_new("run-test", 0);
    run_outcome oc;
    mtv_err err;
    cr_assert_eq(runner_run(&env, w.items, w.n, &d, &o, res, &oc, &err), 0, "%s", err.msg);
    const scenario_result *r = res->scenarios[0];
    cr_assert_eq(r->steps[3].status, STEP_ERROR);
    cr_assert_str_eq(r->steps[3].message, "plan: cancelled");
    cr_assert_eq(r->steps[4].status, STEP_XFAILED);
    cr_assert(oc.timed_out);
    cr_assert_eq(oc.leftovers, 2);
    cr_assert_eq(atomic_load(&s.teardowns), 1);
    cr_assert_str_eq(results_get_prop(res, "leftovers"), "2");
    cr_assert_eq(runner_exit_code(res, &oc), MTV_EXIT_ENV);
    results_free(res);
    close_world(&w);
}

Test(run, sigint_interrupts_then_later_scenarios_are_skipped)
{
    static const char *const names[] = {"test_sanity_cold_mtv_migration", "test_cold_migration_comprehensive"};
    world w;
    open_world(&w, names, 2);
    script s = {.block_step = "storagemap", .sigint_in_block = 1};
    runner_driver d = driver_for(&s);
    run_env env = {.cat = &w.cat, .set = &w.cat.settings};
    run_options o = options(&w, TRANSPORT_LIVE);
    o.handle_signals = 1;
    run_results *res = results_new("run-test", 0);
    run_outcome oc;
    mtv_err err;
    cr_assert_eq(runner_run(&env, w.items, w.n, &d, &o, res, &oc, &err), 0, "%s", err.msg);
    cr_assert_eq(oc.signal, SIGINT);
    const scenario_result *a = res->scenarios[0], *b = res->scenarios[1];
    cr_assert_eq(a->steps[1].status, STEP_ERROR);
    cr_assert_eq(a->steps[2].status, STEP_XFAILED);
    for (size_t k = 0; k < b->n_steps; k++) {
        cr_assert_eq(b->steps[k].status, STEP_SKIPPED);
        cr_assert_str_eq(b->steps[k].message, "run interrupted (SIGINT)");
    }
    cr_assert_eq(atomic_load(&s.teardowns), 1, "the interrupted scenario was torn down");
    cr_assert_eq(runner_exit_code(res, &oc), 128 + SIGINT);
    results_free(res);
    close_world(&w);
}

static size_t count_path(ts_server *srv, const char *path)
{
    return ts_count_path(srv, path);
}

Test(run, record_then_replay_offline_with_the_same_verdicts)
{
    static const char *const names[] = {"test_sanity_cold_mtv_migration", "test_post_hook_retain_failed_vm"};
    world w;
    open_world(&w, names, 2);
    ts_server *srv = ts_start(TS_HTTP);
    ts_route_static(srv, "GET", "/*", 200, "application/json", "{}", 2);
    char url[128];
    snprintf(url, sizeof url, "%s", ts_url(srv));
    script s = {.fail_step = "plan", .url = url};
    runner_driver d = driver_for(&s);
    run_env env = {.cat = &w.cat, .set = &w.cat.settings, .storage_class = "ceph-rbd"};
    run_options o = options(&w, TRANSPORT_RECORD);
    o.jobs = 2;
    run_results *rec = results_new("run-test", 0);
    run_outcome oc;
    mtv_err err;
    cr_assert_eq(runner_run(&env, w.items, w.n, &d, &o, rec, &oc, &err), 0, "%s", err.msg);
    cr_assert_eq(oc.bundle_errors, 0);
    cr_assert_eq(count_path(srv, "/plan"), 2);
    ts_stop(srv);   /* replay needs nobody */

    run_item items[2];
    char bundles[2][4300];
    for (size_t i = 0; i < 2; i++) {
        const scenario_result *r = rec->scenarios[i];
        cr_assert_not_null(r->cassette, "%s has a cassette", r->scenario);
        snprintf(bundles[i], sizeof bundles[i], "%s/cassettes/%s.tar", w.out, r->scenario);
        cr_assert_str_eq(r->cassette, bundles[i]);
        cr_assert(fs_exists(bundles[i]));
        char journal[4400];
        snprintf(journal, sizeof journal, "%s/%s/journal.ndjson", w.out, r->scenario);
        cr_assert_not(fs_exists(journal), "the journal goes once bundled");
        items[i].sel = w.items[i].sel;
        items[i].cassette = bundles[i];
    }

    /* the cassette carries its context and verdicts */
    transport *t;
    transport_config tc = {.mode = TRANSPORT_REPLAY, .cassette_path = bundles[0]};
    cr_assert_eq(transport_open(&t, &tc, &err), 0, "%s", err.msg);
    const char *ctx = transport_var_get(t, RUN_CONTEXT_VAR);
    cr_assert(ctx && strstr(ctx, "\"storage_class\":\"ceph-rbd\""), "%s", ctx ? ctx : "(none)");
    run_results *recorded = results_new("recorded", 0);
    cr_assert_eq(run_verdicts_add(recorded, transport_var_get(t, RUN_VERDICTS_VAR), bundles[0], &err), 0,
                 "%s", err.msg);
    cr_assert_eq(recorded->scenarios[0]->steps[3].status, STEP_FAILED);
    results_free(recorded);
    transport_free(t);

    char replay_out[4300];
    snprintf(replay_out, sizeof replay_out, "%s/replay", w.out);
    cr_assert_eq(fs_mkdir_p(replay_out, 0755, &err), 0);
    o.out_dir = replay_out;
    o.mode = TRANSPORT_REPLAY;
    run_results *rep = results_new("replay", 0);
    cr_assert_eq(runner_run(&env, items, 2, &d, &o, rep, &oc, &err), 0, "%s", err.msg);
    cr_assert_eq(oc.diverged, 0);
    strbuf diff = STRBUF_INIT;
    cr_assert_eq(results_compare(rec, rep, &diff), 0, "%s", diff.buf);

    /* a driver that asks something the recording never saw diverges */
    script other = {.fail_step = "plan", .url = "http://127.0.0.1:9/elsewhere"};
    runner_driver d2 = driver_for(&other);
    run_results *rep2 = results_new("replay2", 0);
    cr_assert_eq(runner_run(&env, items, 1, &d2, &o, rep2, &oc, &err), 0, "%s", err.msg);
    cr_assert_eq(oc.diverged, 1);
    cr_assert_eq(runner_exit_code(rep2, &oc), MTV_EXIT_DIVERGED);
    sb_release(&diff);
    results_free(rep2);
    results_free(rep);
    results_free(rec);
    close_world(&w);
}

Test(run, shards_split_deterministically)
{
    int idx, cnt;
    mtv_err err;
    cr_assert_eq(runner_shard_parse("2/3", &idx, &cnt, &err), 0);
    cr_assert_eq(idx, 2);
    cr_assert_eq(cnt, 3);
    cr_assert_eq(runner_shard_parse("4/3", &idx, &cnt, &err), -1);
    cr_assert(strstr(err.msg, "--shard"));
    cr_assert_eq(runner_shard_parse("0/3", &idx, &cnt, &err), -1);
    cr_assert_eq(runner_shard_parse("1/x", &idx, &cnt, &err), -1);
    size_t seen[10] = {0};
    for (int shard = 1; shard <= 3; shard++)
        for (size_t i = 0; i < 10; i++)
            seen[i] += runner_in_shard(i, shard, 3);
    for (size_t i = 0; i < 10; i++)
        cr_assert_eq(seen[i], 1, "scenario %zu is in exactly one shard", i);
    cr_assert(runner_in_shard(0, 1, 3) && runner_in_shard(3, 1, 3) && !runner_in_shard(1, 1, 3));
}

Test(run, replay_context_restores_files_with_stand_in_secrets)
{
    const char *dir = tu_tmpdir();
    const char *ctx =
        "{\"format\":\"mtv-run-context/1\",\"scenario\":\"test_x\",\"test_name\":\"test_x-vs-sc\","
        "\"scenario_file\":{\"pattern\":\"base\",\"markers\":[\"tier0\"],\"params\":{}},"
        "\"settings\":{\"mtv_namespace\":\"openshift-mtv\"},\"provider_key\":\"vs\","
        "\"provider\":{\"type\":\"vsphere\",\"password\":\"<redacted:ctx.vs.password>\","
        "\"api_url\":\"https://vc/sdk\"},\"storage_class\":\"sc\","
        "\"cluster\":{\"server\":\"https://api:6443\"}}";
    run_context rc;
    mtv_err err;
    cr_assert_eq(run_context_restore(ctx, "x.tar", dir, &rc, &err), 0, "%s", err.msg);
    cr_assert_str_eq(rc.scenario, "test_x");
    cr_assert_str_eq(rc.provider_key, "vs");
    cr_assert_str_eq(rc.storage_class, "sc");
    cr_assert_str_eq(rc.server, "https://api:6443");
    run_context_free(&rc);
    char p[4300];
    snprintf(p, sizeof p, "%s/providers.json", dir);
    char *prov = tu_read(p, NULL);
    cr_assert(prov && strstr(prov, "\"replay-secret-ctx.vs.password\""), "%s", prov ? prov : "");
    free(prov);
    /* the stand-in masks back to the recorded placeholder */
    strbuf m = STRBUF_INIT;
    const char *line = "password=replay-secret-ctx.vs.password";
    secrets_mask(log_secrets(), line, strlen(line), &m);
    cr_assert_str_eq(m.buf, "password=<redacted:ctx.vs.password>");
    sb_release(&m);
    snprintf(p, sizeof p, "%s/catalog/test_x.json", dir);
    cr_assert(fs_exists(p));
    snprintf(p, sizeof p, "%s/catalog/settings.json", dir);
    cr_assert(fs_exists(p));
    cr_assert_eq(run_context_restore("{\"format\":\"other\"}", "y.tar", dir, &rc, &err), -1);
    cr_assert(strstr(err.msg, "y.tar holds no usable run context"), "%s", err.msg);
    cr_assert_eq(run_context_restore("{\"format\":\"mtv-run-context/1\",\"scenario\":\"../evil\","
                                     "\"scenario_file\":{}}",
                                     "z.tar", dir, &rc, &err),
                 -1, "a scenario name cannot leave the folder");
}

Test(run, known_issue_skip_and_xfail_items)
{
    static const char *const names[] = {"test_sanity_cold_mtv_migration", "test_cold_migration_comprehensive"};
    world w;
    open_world(&w, names, 2);
    script s = {.fail_step = "networkmap"};
    runner_driver d = driver_for(&s);
    run_env env = {.cat = &w.cat, .set = &w.cat.settings};
    w.items[0].xfail = "https://issues.example.com/browse/MTV-1";
    w.items[1].skip = "https://issues.example.com/browse/MTV-2";
    run_options o = options(&w, TRANSPORT_LIVE);
    run_results *res = results_new("run-test", 0);
    run_outcome oc;
    mtv_err err;
    cr_assert_eq(runner_run(&env, w.items, w.n, &d, &o, res, &oc, &err), 0, "%s", err.msg);
    const scenario_result *a = res->scenarios[0], *b = res->scenarios[1];
    cr_assert_eq(a->steps[0].status, STEP_XPASSED);
    cr_assert_str_eq(a->steps[0].message, "https://issues.example.com/browse/MTV-1");
    cr_assert_eq(a->steps[2].status, STEP_XFAILED);
    cr_assert_str_eq(a->steps[2].message, "https://issues.example.com/browse/MTV-1: networkmap did not work");
    cr_assert_eq(a->steps[3].status, STEP_XFAILED);
    cr_assert_str_eq(a->steps[3].message, "previous step failed (networkmap)");
    for (size_t k = 0; k < b->n_steps; k++) {
        cr_assert_eq(b->steps[k].status, STEP_SKIPPED);
        cr_assert_str_eq(b->steps[k].message, "https://issues.example.com/browse/MTV-2");
    }
    cr_assert_eq(atomic_load(&s.begins), 1);
    cr_assert_eq(runner_exit_code(res, &oc), MTV_EXIT_OK, "expected failures fail no run");
    results_free(res);
    close_world(&w);
}

Test(run, driver_data_is_kept_in_results_json_masked)
{
    world w;
    open_world(&w, COLD, 1);
    script s = {0};
    runner_driver d = driver_for(&s);
    d.data = f_data;
    run_env env = {.cat = &w.cat, .set = &w.cat.settings};
    run_options o = options(&w, TRANSPORT_LIVE);
    run_results *res = results_new("run-test", 0);
    run_outcome oc;
    mtv_err err;
    cr_assert_eq(runner_run(&env, w.items, w.n, &d, &o, res, &oc, &err), 0, "%s", err.msg);
    char path[4400];
    snprintf(path, sizeof path, "%s/results.json", w.out);
    size_t n;
    char *text = tu_read(path, &n);
    cr_assert_not_null(text);
    cr_assert_not(tu_contains(text, n, "Run-canary-secret-1"), "masked: %s", text);
    cr_assert_not(tu_contains(text, n, "UnVuLWNhbmFyeS1zZWNyZXQtMQ"), "in base64 too");
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *sc = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "scenarios"), 0);
    const cJSON *vm = cJSON_GetObjectItem(cJSON_GetObjectItem(sc, "source_vms_data"), "vm-a");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(vm, "name")), "vm-a");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(vm, "serial")),
                     "<redacted:test.password>");
    cr_assert_gt(cJSON_GetArraySize(cJSON_GetObjectItem(sc, "steps")), 0,
                 "the driver cannot overwrite the scenario's own keys");
    cJSON_Delete(root);
    results_free(res);
    close_world(&w);
}

/* An ESXi entry clones through its clone_provider: the context keeps that
 * entry (masked), and the restored providers file holds both. */
Test(run, replay_context_keeps_the_clone_provider_entry)
{
    world w;
    open_world(&w, COLD, 1);
    const char *dir = tu_tmpdir();
    const char *text =
        "{\"esx\": {\"type\": \"vsphere\", \"version\": \"7.0\", \"fqdn\": \"esx.example.com\","
        "  \"api_url\": \"https://esx.example.com/sdk\", \"username\": \"root\","
        "  \"password\": \"Esx-canary-pw-7\", \"endpoint_type\": \"esxi\", \"clone_provider\": \"vc\"},"
        " \"vc\": {\"type\": \"vsphere\", \"version\": \"7.0\", \"fqdn\": \"vc.example.com\","
        "  \"api_url\": \"https://vc.example.com/sdk\", \"username\": \"admin\","
        "  \"password\": \"Vc-canary-pw-8\"},"
        " \"other\": {\"type\": \"vsphere\", \"version\": \"7.0\", \"fqdn\": \"o.example.com\","
        "  \"api_url\": \"https://o.example.com/sdk\", \"username\": \"u\", \"password\": \"Other-pw-9\"}}";
    providers_file pf;
    const provider_entry *e;
    mtv_err err;
    cr_assert_eq(providers_open(&pf, tu_write(dir, "providers.json", text), "esx", log_secrets(), &e,
                                &err), 0, "%s", err.msg);
    run_env env = {.cat = &w.cat, .set = &w.cat.settings, .provider = e, .provider_key = "esx",
                   .providers = &pf};
    char *ctx = run_context_text(&env, w.items[0].sel, NULL);
    cr_assert(strstr(ctx, "\"clone_provider\":{\"key\":\"vc\""), "%s", ctx);
    cr_assert_null(strstr(ctx, "Vc-canary-pw-8"), "masked: %s", ctx);
    cr_assert_null(strstr(ctx, "other"), "only the entry it clones through: %s", ctx);
    char out[4300];
    snprintf(out, sizeof out, "%s/restored", dir);
    cr_assert_eq(fs_mkdir_p(out, 0755, &err), 0);
    run_context rc;
    cr_assert_eq(run_context_restore(ctx, "esx.tar", out, &rc, &err), 0, "%s", err.msg);
    run_context_free(&rc);
    free(ctx);
    providers_file back;
    const provider_entry *be;
    char p[4400];
    snprintf(p, sizeof p, "%s/providers.json", out);
    cr_assert_eq(providers_open(&back, p, "esx", log_secrets(), &be, &err), 0, "%s", err.msg);
    const provider_entry *vc = providers_get(&back, provider_str(be, "clone_provider"), &err);
    cr_assert_not_null(vc, "%s", err.msg);
    cr_assert_str_eq(provider_str(vc, "api_url"), "https://vc.example.com/sdk");
    providers_file_free(&back);
    providers_file_free(&pf);
    close_world(&w);
}
