/* Unit tests for reporters/jira_report against the stateful Jira stand-in:
 * dedup by fingerprint label (one issue, one comment per later run, a new
 * issue for a new failure), regressions, the no-reuse label, caps, rate
 * limits and creation that is never blindly re-sent, dry runs that send no
 * write, size limits, attachments, idempotent remote links, Jira outages,
 * and canary secrets that never reach Jira in any encoding. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jirastub.h"
#include "reporters/console.h"
#include "reporters/jira_fingerprint.h"
#include "reporters/jira_report.h"
#include "testutil.h"
#include "util/clock.h"
#include "util/codec.h"
#include "util/fs.h"

#define CANARY "canary-Jira-t0ken-9090"

typedef struct env {
    jirastub *stub;
    jira_config cfg;
    secret_registry *reg;
    char *out;
    size_t out_len;
    FILE *f;
} env;

static void env_open(env *e, int cloud, const char *const *sets, size_t n)
{
    memset(e, 0, sizeof *e);
    e->stub = jirastub_start(cloud);
    e->reg = secrets_new();
    secrets_add(e->reg, "canary", CANARY);
    mtv_err err;
    jira_config_init(&e->cfg, e->reg);
    jira_config_set(&e->cfg, "url", jirastub_url(e->stub), "test", &err);
    jira_config_set(&e->cfg, "deployment", cloud ? "cloud" : "dc", "test", &err);
    if (cloud)
        jira_config_set(&e->cfg, "username", "bot@example.com", "test", &err);
    jira_config_set(&e->cfg, "token", "report-token-abcdef123", "test", &err);
    jira_config_set(&e->cfg, "project", "MTV", "test", &err);
    jira_config_set(&e->cfg, "build_url", "https://ci.example.com/job/42/", "test", &err);
    jira_config_set(&e->cfg, "connection_retry_total", "1", "test", &err);
    jira_config_set(&e->cfg, "connection_retry_backoff_factor", "0", "test", &err);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(jira_config_set_arg(&e->cfg, sets[i], &err), 0, "%s", err.msg);
    cr_assert_eq(jira_config_finish(&e->cfg, &err), 0, "%s", err.msg);
    e->f = open_memstream(&e->out, &e->out_len);
}

static void env_close(env *e)
{
    fclose(e->f);
    free(e->out);
    jira_config_free(&e->cfg);
    jirastub_stop(e->stub);
    secrets_free(e->reg);
}

static const char *output(env *e)
{
    fflush(e->f);
    return e->out ? e->out : "";
}

/* A run with one failed step per (scenario, message) pair. */
static run_results *make_run(const char *run_id, const char *const *scenarios, const char *const *messages, size_t n)
{
    run_results *r = results_new(run_id, 0);
    results_set_prop(r, "provider", "vsphere-8");
    results_set_prop(r, "storage_class", "ceph-rbd");
    for (size_t i = 0; i < n; i++) {
        char test[128];
        snprintf(test, sizeof test, "%s-vsphere-8-ceph-rbd", scenarios[i]);
        scenario_result *s = results_add_scenario(r, scenarios[i], test, NULL);
        scenario_add_step(s, "storagemap", NULL, STEP_PASSED, NULL, NULL, NULL, 0, 1);
        scenario_add_step(s, "migrate", NULL, STEP_FAILED, messages[i], "Traceback (most recent call last):\n  ...", 
                          "INFO start\nERROR boom\n", 0, 60);
        scenario_add_step(s, "check_vms", NULL, STEP_XFAILED, "previous step failed (migrate)", NULL, NULL, 0, 0);
    }
    return r;
}

static int report(env *e, const run_results *r, int dry, jira_report_stats *st)
{
    jira_report_opts o = {.dry_run = dry, .out = e->f, .source = "run/junit.xml"};
    mtv_err err;
    return jira_report_run(r, &e->cfg, NULL, &o, st, &err);
}

static char *fp_label(const char *scenario, const char *step, const char *message)
{
    char fp[13];
    jira_fingerprint(scenario, step, message, fp);
    strbuf l = STRBUF_INIT;
    jira_fp_label("mtvval", fp, &l);
    return sb_detach(&l, NULL);
}

static void dedup(int cloud)
{
    env e;
    env_open(&e, cloud, NULL, 0);
    const char *scn[] = {"test_cold"};
    const char *m1[] = {"plan plan-auto-k3x9q2 not Ready after 600 s at 2026-11-27T20:15:01Z"};
    const char *m2[] = {"plan plan-auto-7f3k2m not Ready after 600 s at 2026-11-28T03:00:00Z"};
    jira_report_stats st;
    run_results *r1 = make_run("run-1", scn, m1, 1);
    cr_assert_eq(report(&e, r1, 0, &st), 0, "%s", output(&e));
    cr_assert_eq(st.created, 1);
    cr_assert_eq(st.failures, 1);
    cr_assert_eq(jirastub_created(e.stub), 1);
    char *label = fp_label("test_cold", "migrate", m1[0]);
    const char *k = jirastub_key_with_label(e.stub, label);
    cr_assert_not_null(k, "the new issue lacks its fingerprint label %s", label);
    char key[32];
    snprintf(key, sizeof key, "%s", k);
    cr_assert_eq(jirastub_comment_count(e.stub, key), 0);
    cr_assert_eq(jirastub_remote_links(e.stub, key), 1);

    run_results *r2 = make_run("run-2", scn, m2, 1);
    run_results *r3 = make_run("run-3", scn, m1, 1);
    cr_assert_eq(report(&e, r2, 0, &st), 0, "%s", output(&e));
    cr_assert_eq(st.commented, 1);
    cr_assert_eq(st.created, 0);
    cr_assert_eq(report(&e, r3, 0, &st), 0, "%s", output(&e));
    cr_assert_eq(jirastub_created(e.stub), 1, "the same failure made a second issue");
    cr_assert_eq(jirastub_comment_count(e.stub, key), 2, "two later runs, two comments");
    cr_assert(strstr(jirastub_comment(e.stub, key, 0), "mtv-validate run run-2"));
    cr_assert(strstr(jirastub_comment(e.stub, key, 1), "mtv-validate run run-3"));
    cr_assert(strstr(jirastub_comment(e.stub, key, 1), "https://ci.example.com/job/42/"), "no build URL");
    /* reporting run-3 again adds nothing: one comment per run, the link is updated, not duplicated */
    cr_assert_eq(report(&e, r3, 0, &st), 0);
    cr_assert_eq(st.already, 1);
    cr_assert_eq(jirastub_comment_count(e.stub, key), 2);
    cr_assert_eq(jirastub_remote_links(e.stub, key), 3, "one link per run (run-1, run-2, run-3)");

    /* a different failure gets a second issue */
    const char *m4[] = {"VM mtv-rhel8: NIC 0 MAC changed"};
    run_results *r4 = make_run("run-4", scn, m4, 1);
    cr_assert_eq(report(&e, r4, 0, &st), 0, "%s", output(&e));
    cr_assert_eq(st.created, 1);
    cr_assert_eq(jirastub_created(e.stub), 2);
    cr_assert_eq(jirastub_comment_count(e.stub, key), 2);
    /* what the issue was created with */
    const char *body = jirastub_create_body(e.stub, key);
    cJSON *j = cJSON_Parse(body);
    const cJSON *f = cJSON_GetObjectItem(j, "fields");
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(f, "project"), "key")->valuestring, "MTV");
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(f, "issuetype"), "name")->valuestring, "Bug");
    cr_assert(strstr(body, "\"mtv-validate\""));
    const cJSON *desc = cJSON_GetObjectItem(f, "description");
    if (cloud)
        cr_assert(cJSON_IsObject(desc) && !strcmp(cJSON_GetObjectItem(desc, "type")->valuestring, "doc"),
                  "Cloud v3 takes ADF: %s", body);
    else
        cr_assert(cJSON_IsString(desc) && strstr(desc->valuestring, "{noformat}"), "DC takes wiki markup: %s", body);
    cJSON_Delete(j);
    cr_assert(strstr(output(&e), "created "), "%s", output(&e));
    free(label);
    results_free(r1);
    results_free(r2);
    results_free(r3);
    results_free(r4);
    env_close(&e);
}

Test(jira_report, dedup_data_center)
{
    dedup(0);
}

Test(jira_report, dedup_cloud)
{
    dedup(1);
}

static char *iso_days_ago(int days)
{
    mtv_clock *c = clock_new_real();
    char out[32];
    clock_format_iso(clock_now_ms(c) - (int64_t)days * 86400000, out);
    clock_free(c);
    return strdup(out);
}

Test(jira_report, recently_closed_match_is_a_possible_regression)
{
    const char *scn[] = {"test_cold"};
    const char *msg[] = {"disk checksum differs"};
    char *label = fp_label("test_cold", "migrate", msg[0]);
    char *recent = iso_days_ago(3), *old = iso_days_ago(100);
    jira_report_stats st;

    env e;
    env_open(&e, 0, NULL, 0);
    jirastub_add_issue(e.stub, "MTV-77", "Closed", "done", "Done", recent, label);
    run_results *r = make_run("run-9", scn, msg, 1);
    cr_assert_eq(report(&e, r, 0, &st), 0, "%s", output(&e));
    cr_assert_eq(st.regressions, 1);
    cr_assert_eq(st.created, 0);
    cr_assert_eq(jirastub_created(e.stub), 0, "not reopened, not duplicated");
    cr_assert_eq(jirastub_comment_count(e.stub, "MTV-77"), 1);
    cr_assert(strstr(jirastub_comment(e.stub, "MTV-77", 0), "possible regression"));
    cr_assert(strstr(output(&e), "possible regression"), "%s", output(&e));
    env_close(&e);

    const char *create[] = {"on_regression=create"};
    env_open(&e, 0, create, 1);
    jirastub_add_issue(e.stub, "MTV-77", "Closed", "done", "Done", recent, label);
    cr_assert_eq(report(&e, r, 0, &st), 0, "%s", output(&e));
    cr_assert_eq(st.regressions, 1);
    cr_assert_eq(jirastub_created(e.stub), 1);
    const char *k = jirastub_key_with_label(e.stub, label);
    cr_assert_str_neq(k, "MTV-77");
    cr_assert(strstr(jirastub_create_body(e.stub, k), "MTV-77"), "the new issue does not name the closed one");
    env_close(&e);

    env_open(&e, 0, NULL, 0);
    jirastub_add_issue(e.stub, "MTV-77", "Closed", "done", "Done", old, label);
    cr_assert_eq(report(&e, r, 0, &st), 0, "%s", output(&e));
    cr_assert_eq(st.regressions, 0, "closed 100 days ago is history, not a regression");
    cr_assert_eq(jirastub_created(e.stub), 1);
    cr_assert_eq(jirastub_comment_count(e.stub, "MTV-77"), 0);
    env_close(&e);
    results_free(r);
    free(label);
    free(recent);
    free(old);
}

Test(jira_report, noreuse_label_and_caps)
{
    const char *scn[] = {"test_a", "test_b", "test_c"};
    const char *msg[] = {"one", "two", "three"};
    char *label = fp_label("test_a", "migrate", "one");
    char labels[256];
    snprintf(labels, sizeof labels, "%s,mtvval-noreuse", label);
    jira_report_stats st;
    const char *sets[] = {"max_new_issues=1"};
    env e;
    env_open(&e, 0, sets, 1);
    jirastub_add_issue(e.stub, "MTV-5", "Open", "new", NULL, NULL, labels);
    run_results *r = make_run("run-c", scn, msg, 3);
    cr_assert_eq(report(&e, r, 0, &st), 0, "%s", output(&e));
    cr_assert_eq(jirastub_comment_count(e.stub, "MTV-5"), 0, "an issue marked noreuse was commented");
    cr_assert_eq(st.fingerprints, 3);
    cr_assert_eq(st.created, 1);
    cr_assert_eq(st.capped, 2);
    cr_assert_eq(jirastub_created(e.stub), 1);
    cr_assert(strstr(output(&e), "max_new_issues (1) reached"), "%s", output(&e));
    env_close(&e);

    const char *no_create[] = {"create_issues=false"};
    env_open(&e, 0, no_create, 1);
    cr_assert_eq(report(&e, r, 0, &st), 0);
    cr_assert_eq(jirastub_created(e.stub), 0);
    cr_assert_eq(st.capped, 3);
    env_close(&e);
    results_free(r);
    free(label);
}

Test(jira_report, rate_limits_and_creation_never_blindly_retried)
{
    const char *scn[] = {"test_a"};
    const char *msg[] = {"one"};
    jira_report_stats st;
    run_results *r = make_run("run-r", scn, msg, 1);
    env e;

    /* 503 on creation: look again, then create once more */
    env_open(&e, 0, NULL, 0);
    jirastub_fail(e.stub, "POST", "/rest/api/2/issue", 503, "0", 1);
    cr_assert_eq(report(&e, r, 0, &st), 0, "%s", output(&e));
    cr_assert_eq(jirastub_created(e.stub), 1);
    cr_assert_eq(jirastub_requests(e.stub, "POST", "/rest/api/2/issue") - jirastub_requests(e.stub, "POST", "/remotelink"), 2);
    cr_assert_eq(jirastub_requests(e.stub, "GET", "/rest/api/2/search"), 2, "no search before the retry");
    env_close(&e);

    /* the issue was made but the answer was lost: the search finds it, nothing is re-sent */
    env_open(&e, 0, NULL, 0);
    jirastub_fail(e.stub, "POST", "/rest/api/2/issue", 0, NULL, 1);
    report(&e, r, 0, &st);
    cr_assert_eq(jirastub_created(e.stub), 1, "a lost answer led to a duplicate issue (%zu issues, %zu POSTs):\n%s",
                 jirastub_created(e.stub), jirastub_requests(e.stub, "POST", "/rest/api/2/issue"), output(&e));
    cr_assert_eq(st.created, 1, "%s", output(&e));
    env_close(&e);

    /* 400 on creation: reported, not retried */
    env_open(&e, 0, NULL, 0);
    jirastub_fail(e.stub, "POST", "/rest/api/2/issue", 400, NULL, 5);
    cr_assert_eq(report(&e, r, 0, &st), -1);
    cr_assert_eq(st.errors, 1);
    cr_assert_eq(jirastub_requests(e.stub, "POST", "/rest/api/2/issue") - jirastub_requests(e.stub, "POST", "/remotelink"), 1);
    cr_assert(strstr(output(&e), "HTTP 400"), "%s", output(&e));
    env_close(&e);

    /* 429 on a comment: waits Retry-After and sends it again, once */
    env_open(&e, 0, NULL, 0);
    char *label = fp_label("test_a", "migrate", "one");
    jirastub_add_issue(e.stub, "MTV-3", "Open", "new", NULL, NULL, label);
    jirastub_fail(e.stub, "POST", "/rest/api/2/issue/MTV-3/comment", 429, "0", 1);
    cr_assert_eq(report(&e, r, 0, &st), 0, "%s", output(&e));
    cr_assert_eq(jirastub_comment_count(e.stub, "MTV-3"), 1);
    cr_assert_eq(st.commented, 1);
    env_close(&e);
    free(label);
    results_free(r);
}

Test(jira_report, dry_run_sends_no_write)
{
    const char *scn[] = {"test_a", "test_b"};
    const char *msg[] = {"one", "two"};
    char *label = fp_label("test_a", "migrate", "one");
    env e;
    env_open(&e, 0, NULL, 0);
    jirastub_add_issue(e.stub, "MTV-3", "Open", "new", NULL, NULL, label);
    run_results *r = make_run("run-d", scn, msg, 2);
    jira_report_stats st;
    cr_assert_eq(report(&e, r, 1, &st), 0, "%s", output(&e));
    cr_assert_eq(jirastub_requests(e.stub, "POST", "/"), 0, "a dry run wrote to Jira");
    cr_assert_eq(jirastub_created(e.stub), 0);
    cr_assert_eq(jirastub_comment_count(e.stub, "MTV-3"), 0);
    cr_assert_eq(st.created, 1);
    cr_assert_eq(st.commented, 1);
    const char *out = output(&e);
    cr_assert(strstr(out, "[dry run] POST "), "%s", out);
    cr_assert(strstr(out, "/rest/api/2/issue (not sent)"), "%s", out);
    cr_assert(strstr(out, "/rest/api/2/issue/MTV-3/comment (not sent)"), "%s", out);
    cr_assert(strstr(out, "/rest/api/2/issue/NEW/remotelink (not sent)"), "%s", out);
    cr_assert(strstr(out, "\"summary\":"), "the body is not shown: %s", out);
    cr_assert_null(strstr(out, "report-token-abcdef123"), "the token was printed");
    cr_assert_null(strstr(out, "Authorization"), "headers were printed");
    env_close(&e);
    results_free(r);
    free(label);
}

Test(jira_report, limits_on_summary_and_description)
{
    strbuf msg = STRBUF_INIT, log = STRBUF_INIT;
    sb_adds(&msg, "first line\nsecond line ");
    for (int i = 0; i < 100; i++)
        sb_adds(&msg, "very long message ");
    for (int i = 0; i < 40000; i++)
        sb_addf(&log, "log line %d {noformat} [x|y] *bold*\n", i);
    run_results *r = results_new("run-big", 0);
    scenario_result *s = results_add_scenario(r, "test_big", "test_big-p-sc", NULL);
    scenario_add_step(s, "migrate", NULL, STEP_FAILED, msg.buf, log.buf, log.buf, 0, 1);
    for (int cloud = 0; cloud < 2; cloud++) {
        env e;
        env_open(&e, cloud, NULL, 0);
        jira_report_stats st;
        cr_assert_eq(report(&e, r, 0, &st), 0, "%s", output(&e));
        const char *k = jirastub_key_with_label(e.stub, "mtv-validate");
        cr_assert_not_null(k);
        cJSON *j = cJSON_Parse(jirastub_create_body(e.stub, k));
        const cJSON *f = cJSON_GetObjectItem(j, "fields");
        const char *summary = cJSON_GetObjectItem(f, "summary")->valuestring;
        cr_assert_leq(strlen(summary), 255);
        cr_assert_null(strchr(summary, '\n'));
        cr_assert(!strncmp(summary, "[mtv-validate] test_big migrate: first line second line", 55), "%s", summary);
        char *desc = cJSON_PrintUnformatted(cJSON_GetObjectItem(f, "description"));
        cr_assert_leq(strlen(desc), 32767 + 2, "description of %zu characters", strlen(desc));
        cr_assert(strstr(desc, "log line 39999"), "the end of the log is where the failure is");
        cr_assert(strstr(desc, "bytes left out"), "no truncation note");
        if (!cloud)
            cr_assert_null(strstr(desc, "{noformat} [x"), "a log closed the wiki block early");
        cJSON_free(desc);
        cJSON_Delete(j);
        env_close(&e);
    }
    results_free(r);
    sb_release(&msg);
    sb_release(&log);
}

Test(jira_report, attaches_the_bundle_after_a_secret_scan)
{
    const char *dir = tu_tmpdir();
    tu_write(dir, "clean.tar", "a harmless bundle");
    tu_write(dir, "leaky.tar", "Authorization: Bearer " CANARY);
    const char *sets[] = {"attach_bundle=true"};
    for (int leaky = 0; leaky < 2; leaky++) {
        env e;
        env_open(&e, 0, sets, 1);
        run_results *r = results_new("run-att", 0);
        scenario_result *s = results_add_scenario(r, "test_a", "test_a-p-sc", NULL);
        scenario_set_cassette(s, leaky ? "leaky.tar" : "clean.tar");
        scenario_add_step(s, "migrate", NULL, STEP_FAILED, "boom", NULL, NULL, 0, 1);
        jira_report_opts o = {.out = e.f, .base_dir = dir};
        jira_report_stats st;
        mtv_err err;
        int rc = jira_report_run(r, &e.cfg, NULL, &o, &st, &err);
        const char *k = jirastub_key_with_label(e.stub, "mtv-validate");
        cr_assert_not_null(k);
        if (leaky) {
            cr_assert_eq(rc, -1);
            cr_assert_eq(jirastub_attachments(e.stub, k), 0, "a bundle holding a secret was attached");
            cr_assert(strstr(output(&e), "holds the secret canary"), "%s", output(&e));
        } else {
            cr_assert_eq(rc, 0, "%s", output(&e));
            cr_assert_eq(jirastub_attachments(e.stub, k), 1);
        }
        results_free(r);
        env_close(&e);
    }
}

Test(jira_report, jira_down_is_reported_not_fatal)
{
    env e;
    env_open(&e, 0, NULL, 0);
    free(e.cfg.url);
    e.cfg.url = strdup("http://127.0.0.1:1");
    const char *scn[] = {"test_a"};
    const char *msg[] = {"one"};
    run_results *r = make_run("run-x", scn, msg, 1);
    jira_report_stats st;
    cr_assert_eq(report(&e, r, 0, &st), -1);
    cr_assert_geq(st.errors, 1);
    cr_assert_eq(st.created, 0, "created without knowing what exists");
    cr_assert(strstr(output(&e), "no issue created or commented"), "%s", output(&e));
    cr_assert_eq(results_exit_code(r), MTV_EXIT_FAILURES, "the verdict is the run's");
    results_free(r);
    env_close(&e);

    /* a search error (500) likewise stops creation */
    env_open(&e, 1, NULL, 0);
    jirastub_fail(e.stub, "GET", "/rest/api/3/search/jql", 500, NULL, 10);
    r = make_run("run-y", scn, msg, 1);
    cr_assert_eq(report(&e, r, 0, &st), -1);
    cr_assert_eq(jirastub_created(e.stub), 0);
    results_free(r);
    env_close(&e);
}

Test(jira_report, canary_secrets_never_reach_jira)
{
    const char *sets[] = {"attach_bundle=false"};
    for (int cloud = 0; cloud < 2; cloud++) {
        env e;
        env_open(&e, cloud, sets, 1);
        strbuf b64 = STRBUF_INIT, msg = STRBUF_INIT, log = STRBUF_INIT;
        b64_encode(&b64, "admin:" CANARY, strlen("admin:" CANARY));
        sb_addf(&msg, "login as admin with " CANARY " failed");
        sb_addf(&log, "curl -H 'Authorization: Basic %s'\npassword=%s\n\x1b[31m%s\x1b[0m\n", b64.buf, CANARY, CANARY);
        run_results *r = results_new("run-" CANARY, 0);
        results_set_prop(r, "cluster", "https://kubeadmin:" CANARY "@api.example:6443");
        scenario_result *s = results_add_scenario(r, "test_secret", "test_secret-" CANARY, NULL);
        scenario_set_cassette(s, "cassettes/" CANARY ".tar");
        scenario_add_step(s, "migrate", NULL, STEP_FAILED, msg.buf, log.buf, log.buf, 0, 1);
        jira_report_stats st;
        cr_assert_eq(report(&e, r, 0, &st), 0, "%s", output(&e));
        cr_assert_eq(report(&e, r, 1, &st), 0);   /* and a dry run prints nothing secret */
        ts_server *srv = jirastub_server(e.stub);
        size_t n = ts_count(srv);
        cr_assert_geq(n, 2);
        for (size_t i = 0; i < n; i++) {
            const ts_request *q = ts_request_at(srv, i);
            size_t off;
            const char *hit = secrets_find(e.reg, q->body.buf ? q->body.buf : "", q->body.len, &off);
            cr_assert_null(hit, "request %zu (%s %s) carries the canary at %zu", i, q->method, q->uri, off);
            cr_assert_null(secrets_find(e.reg, q->uri, strlen(q->uri), &off), "in the URL: %s", q->uri);
        }
        size_t off;
        cr_assert_null(secrets_find(e.reg, output(&e), strlen(output(&e)), &off), "printed: %s", output(&e) + off);
        results_free(r);
        sb_release(&b64);
        sb_release(&msg);
        sb_release(&log);
        env_close(&e);
    }
}

Test(jira_report, nothing_failed_nothing_sent)
{
    env e;
    env_open(&e, 0, NULL, 0);
    run_results *r = results_new("ok", 0);
    scenario_add_step(results_add_scenario(r, "s", NULL, NULL), "plan", NULL, STEP_PASSED, NULL, NULL, NULL, 0, 0);
    scenario_add_step(r->scenarios[0], "migrate", NULL, STEP_XFAILED, "known", NULL, NULL, 0, 0);
    jira_report_stats st;
    cr_assert_eq(report(&e, r, 0, &st), 0);
    cr_assert_eq(ts_count(jirastub_server(e.stub)), 0);
    cr_assert(strstr(output(&e), "nothing to report"), "%s", output(&e));
    results_free(r);
    env_close(&e);
}

/* max_comments stops commenting once reached, leaves the rest uncommented
 * and says so. */
Test(jira_report, max_comments_cap)
{
    const char *scn[] = {"test_a", "test_b", "test_c"};
    const char *msg[] = {"one", "two", "three"};
    const char *sets[] = {"max_comments=2"};
    env e;
    env_open(&e, 0, sets, 1);
    const char *keys[] = {"MTV-11", "MTV-12", "MTV-13"};
    for (size_t i = 0; i < 3; i++) {
        char *label = fp_label(scn[i], "migrate", msg[i]);
        jirastub_add_issue(e.stub, keys[i], "Open", "new", NULL, NULL, label);
        free(label);
    }
    run_results *r = make_run("run-m", scn, msg, 3);
    jira_report_stats st;
    cr_assert_eq(report(&e, r, 0, &st), 0, "%s", output(&e));
    cr_assert_eq(st.commented, 2);
    cr_assert_eq(st.capped, 1);
    cr_assert_eq(st.created, 0, "a capped comment became a new issue");
    size_t total = 0, silent = 0;
    for (size_t i = 0; i < 3; i++) {
        total += jirastub_comment_count(e.stub, keys[i]);
        silent += jirastub_comment_count(e.stub, keys[i]) == 0;
    }
    cr_assert_eq(total, 2, "comments past the cap were sent");
    cr_assert_eq(silent, 1);
    cr_assert_eq(jirastub_created(e.stub), 0);
    cr_assert(strstr(output(&e), "max_comments (2) reached"), "%s", output(&e));
    results_free(r);
    env_close(&e);
}

/* A new issue carries the configured components and affected version as
 * the create body's fields.components and fields.versions; later comments
 * carry the run's summary line, the MTV version and the cassette location
 * besides the run id and the build URL. */
Test(jira_report, create_fields_and_comment_contents)
{
    for (int cloud = 0; cloud < 2; cloud++) {
        const char *sets[] = {"ticket_components=Controller, UI", "affects_version=2.10.0"};
        env e;
        env_open(&e, cloud, sets, 2);
        const char *scn[] = {"test_cold"};
        const char *msg[] = {"plan not Ready after 600 s"};
        run_results *r1 = make_run("run-f1", scn, msg, 1);
        scenario_set_cassette(r1->scenarios[0], "mtv-results/run-f1/cassettes/test_cold.tar");
        jira_report_stats st;
        cr_assert_eq(report(&e, r1, 0, &st), 0, "%s", output(&e));
        cr_assert_eq(st.created, 1);
        char *label = fp_label("test_cold", "migrate", msg[0]);
        char key[32];
        snprintf(key, sizeof key, "%s", jirastub_key_with_label(e.stub, label));
        cJSON *body = cJSON_Parse(jirastub_create_body(e.stub, key));
        const cJSON *f = cJSON_GetObjectItem(body, "fields");
        const cJSON *comps = cJSON_GetObjectItem(f, "components");
        cr_assert_eq(cJSON_GetArraySize(comps), 2, "components: %s", jirastub_create_body(e.stub, key));
        cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(comps, 0), "name")->valuestring, "Controller");
        cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(comps, 1), "name")->valuestring, "UI");
        const cJSON *vers = cJSON_GetObjectItem(f, "versions");
        cr_assert_eq(cJSON_GetArraySize(vers), 1, "versions: %s", jirastub_create_body(e.stub, key));
        cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(vers, 0), "name")->valuestring, "2.10.0");
        cr_assert_null(cJSON_GetObjectItem(f, "fixVersions"), "an affected version is not a fix version");
        cJSON_Delete(body);

        run_results *r2 = make_run("run-f2", scn, msg, 1);
        results_set_prop(r2, "mtv_version", "2.10.1");
        scenario_set_cassette(r2->scenarios[0], "mtv-results/run-f2/cassettes/test_cold.tar");
        cr_assert_eq(report(&e, r2, 0, &st), 0, "%s", output(&e));
        cr_assert_eq(st.commented, 1);
        const char *c = jirastub_comment(e.stub, key, 0);
        cr_assert_not_null(c);
        strbuf summary = STRBUF_INIT;
        console_summary_line(r2, &summary);
        cr_assert(strstr(summary.buf, "1 failed"), "%s", summary.buf);
        cr_assert(strstr(c, summary.buf), "no summary line '%s' in %s", summary.buf, c);
        cr_assert(strstr(c, "mtv-results/run-f2/cassettes/test_cold.tar"), "no cassette in %s", c);
        cr_assert(strstr(c, "2.10.1"), "no MTV version in %s", c);
        cr_assert(strstr(c, "run-f2"), "no run id in %s", c);
        cr_assert(strstr(c, "https://ci.example.com/job/42/"), "no build URL in %s", c);
        sb_release(&summary);
        free(label);
        results_free(r1);
        results_free(r2);
        env_close(&e);
    }
}
