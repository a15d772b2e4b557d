/* Unit tests for watches and waits against the loopback test server: list
 * then watch, resumption from the last resourceVersion after a dropped
 * stream, relisting on 410 (as a status and as an ERROR event), bookmarks,
 * errors, timeouts on a virtual clock, a recorded one-hour wait that
 * replays without a server, and a wait cancelled inside a silent stream. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "k8s/client.h"
#include "testserver.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/log.h"

#define TOKEN "sha256~canary-watch-token-51c0de"
#define PLANS "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans"

/* ---- a scripted API: successive list answers and watch connections ---------- */

typedef struct wconn {
    int status;                /* 0 = 200 with the frames below */
    const char *body;          /* for a non-200 status */
    const char *frames[6];
    long delay_ms;             /* before each frame */
} wconn;

typedef struct script {
    const char *lists[4];      /* successive list answers; the last repeats */
    wconn conns[6];            /* successive watch connections; the last repeats */
    size_t nconns;
    atomic_int nlist, nwatch;
} script;

static void query_param(const ts_request *r, const char *name, char *out, size_t n)
{
    out[0] = '\0';
    strbuf pat = STRBUF_INIT;
    sb_addf(&pat, "%s=", name);
    const char *q = strchr(r->uri, '?');
    for (const char *p = q; p; p = strchr(p + 1, '&')) {
        if (!strncmp(p + 1, pat.buf, pat.len)) {
            const char *v = p + 1 + pat.len;
            size_t len = strcspn(v, "&");
            strbuf dec = STRBUF_INIT;
            for (size_t i = 0; i < len; i++) {
                if (v[i] == '%' && i + 2 < len + 1) {
                    char hex[3] = {v[i + 1], v[i + 2], 0};
                    sb_addc(&dec, (char)strtol(hex, NULL, 16));
                    i += 2;
                } else {
                    sb_addc(&dec, v[i]);
                }
            }
            snprintf(out, n, "%s", sb_str(&dec));
            sb_release(&dec);
            break;
        }
    }
    sb_release(&pat);
}

static void api(void *ud, const ts_request *req, ts_response *resp)
{
    script *s = ud;
    char watch[8];
    query_param(req, "watch", watch, sizeof watch);
    if (!*watch) {
        int i = atomic_fetch_add(&s->nlist, 1);
        const char *body = NULL;
        for (int k = i; k >= 0 && !body; k--)
            body = k < 4 ? s->lists[k] : NULL;
        ts_resp_body(resp, "application/json", body, strlen(body));
        return;
    }
    size_t i = (size_t)atomic_fetch_add(&s->nwatch, 1);
    const wconn *c = &s->conns[i < s->nconns ? i : s->nconns - 1];
    if (c->status) {
        resp->status = c->status;
        ts_resp_body(resp, "application/json", c->body, strlen(c->body));
        return;
    }
    ts_resp_header(resp, "Content-Type", "application/json");
    for (int f = 0; f < 6 && c->frames[f]; f++) {
        strbuf line = STRBUF_INIT;
        sb_addf(&line, "%s\n", c->frames[f]);
        ts_resp_frame(resp, c->delay_ms, line.buf, line.len);
        sb_release(&line);
    }
}

/* ---- fixture ------------------------------------------------------------------- */

static ts_server *srv;
static transport *tp;
static secret_registry *reg;
static mtv_clock *vclock;
static kube_config kc;
static k8s_client *cl;

static void open_client(transport_config *cfg)
{
    mtv_err err;
    cr_assert_eq(transport_open(&tp, cfg, &err), 0, "%s", err.msg);
    memset(&kc, 0, sizeof kc);
    kc.server = strdup(srv ? ts_url(srv) : "https://api.replay.invalid:6443");
    kc.namespace_ = strdup("mtv");
    kc.token = strdup(TOKEN);
    cr_assert_eq(k8s_client_new(&cl, &kc, tp, &err), 0, "%s", err.msg);
}

static void start(int virtual_clock)
{
    log_set_level(LOG_WARN);
    srv = ts_start(TS_HTTP);
    reg = secrets_new();
    vclock = virtual_clock ? clock_new_virtual(1700000000000LL) : NULL;
    transport_config cfg = {.mode = TRANSPORT_LIVE, .secrets = reg, .clock = vclock,
                            .has_seed = 1, .seed = 3};
    open_client(&cfg);
}

static void close_client(void)
{
    k8s_client_free(cl);
    kubeconfig_free(&kc);
    transport_free(tp);
    cl = NULL;
    tp = NULL;
}

static void teardown(void)
{
    close_client();
    ts_stop(srv);
    secrets_free(reg);
    clock_free(vclock);
    srv = NULL;
    vclock = NULL;
}

static void setup_real(void) { start(0); }
static void setup_virtual(void) { start(1); }

TestSuite(k8s_watch, .init = setup_real, .fini = teardown);
TestSuite(k8s_wait, .init = setup_virtual, .fini = teardown);

/* ---- a callback that keeps a log and stops on a marker ---------------------- */

typedef struct seen {
    strbuf log;
    const char *stop_on;       /* "MODIFIED p2" */
    int fail;                  /* return -1 on the first event */
} seen;

static int record_event(void *ud, const char *type, const cJSON *obj, mtv_err *err)
{
    seen *s = ud;
    strbuf ev = STRBUF_INIT;
    sb_addf(&ev, "%s %s", type, k8s_obj_str(obj, "metadata.name"));
    sb_addf(&s->log, "%s;", ev.buf);
    int stop = s->stop_on && !strcmp(ev.buf, s->stop_on);
    sb_release(&ev);
    if (s->fail)
        return mtv_err_set(err, MTV_EXIT_FAILURES, "callback refused %s", type);
    return stop;
}

#define LIST(rv, items) \
    "{\"kind\":\"PlanList\",\"metadata\":{\"resourceVersion\":\"" rv "\"},\"items\":[" items "]}"
#define ITEM(name, rv) "{\"metadata\":{\"name\":\"" name "\",\"namespace\":\"mtv\",\"resourceVersion\":\"" rv "\"}}"
#define EVENT(type, name, rv) "{\"type\":\"" type "\",\"object\":" ITEM(name, rv) "}"
#define BOOKMARK(rv) "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Plan\",\"metadata\":{\"resourceVersion\":\"" rv "\"}}}"
#define GONE_EVENT "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"status\":\"Failure\"," \
                   "\"message\":\"too old resource version: 10 (20)\",\"reason\":\"Expired\",\"code\":410}}"
#define GONE_STATUS "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"too old resource " \
                    "version\",\"reason\":\"Expired\",\"code\":410}"

/* The i-th watch request received (skipping lists). */
static const ts_request *watch_request(size_t i)
{
    for (size_t k = 0, n = 0; k < ts_count(srv); k++) {
        const ts_request *r = ts_request_at(srv, k);
        char w[8];
        query_param(r, "watch", w, sizeof w);
        if (*w && n++ == i)
            return r;
    }
    return NULL;
}

static void assert_param(const ts_request *r, const char *name, const char *want)
{
    cr_assert_not_null(r);
    char v[128];
    query_param(r, name, v, sizeof v);
    cr_assert_str_eq(v, want, "%s in %s", name, r->uri);
}

/* ---- watch ---------------------------------------------------------------------- */

Test(k8s_watch, lists_then_watches_from_the_list_version)
{
    script s = {.lists = {LIST("10", ITEM("p1", "8") "," ITEM("p2", "9"))},
                .conns = {{.frames = {EVENT("MODIFIED", "p2", "11")}}}, .nconns = 1};
    ts_route(srv, "GET", PLANS, api, &s);
    seen e = {.stop_on = "MODIFIED p2"};
    k8s_watch_opts o = {.label_selector = "app=x"};
    mtv_err err;
    cr_assert_eq(k8s_watch(cl, &K8S_PLAN, "mtv", &o, record_event, &e, &err), 0, "%s", err.msg);
    cr_assert_str_eq(e.log.buf, "ADDED p1;ADDED p2;MODIFIED p2;");
    const ts_request *w = watch_request(0);
    assert_param(w, "resourceVersion", "10");
    assert_param(w, "allowWatchBookmarks", "true");
    assert_param(w, "labelSelector", "app=x");
    assert_param(w, "timeoutSeconds", "300");
    cr_assert_str_eq(http_headers_get(&w->headers, "Authorization"), "Bearer " TOKEN);
    sb_release(&e.log);
}

Test(k8s_watch, a_dropped_stream_resumes_from_the_last_bookmark)
{
    script s = {.lists = {LIST("10", "")},
                .conns = {{.frames = {EVENT("ADDED", "p3", "11"), BOOKMARK("15")}},
                          {.frames = {EVENT("MODIFIED", "p3", "16")}}},
                .nconns = 2};
    ts_route(srv, "GET", PLANS, api, &s);
    seen e = {.stop_on = "MODIFIED p3"};
    mtv_err err;
    cr_assert_eq(k8s_watch(cl, &K8S_PLAN, "mtv", NULL, record_event, &e, &err), 0, "%s", err.msg);
    cr_assert_str_eq(e.log.buf, "ADDED p3;MODIFIED p3;");
    assert_param(watch_request(1), "resourceVersion", "15");
    cr_assert_eq(atomic_load(&s.nlist), 1);
    sb_release(&e.log);
}

Test(k8s_watch, a_gone_event_lists_again)
{
    script s = {.lists = {LIST("10", ITEM("p1", "9")), LIST("20", ITEM("p1", "9") "," ITEM("p2", "19"))},
                .conns = {{.frames = {GONE_EVENT}}, {.frames = {EVENT("MODIFIED", "p2", "21")}}},
                .nconns = 2};
    ts_route(srv, "GET", PLANS, api, &s);
    seen e = {.stop_on = "MODIFIED p2"};
    mtv_err err;
    cr_assert_eq(k8s_watch(cl, &K8S_PLAN, "mtv", NULL, record_event, &e, &err), 0, "%s", err.msg);
    cr_assert_str_eq(e.log.buf, "ADDED p1;ADDED p1;ADDED p2;MODIFIED p2;");
    cr_assert_eq(atomic_load(&s.nlist), 2);
    assert_param(watch_request(1), "resourceVersion", "20");
    sb_release(&e.log);
}

Test(k8s_watch, a_gone_status_lists_again)
{
    script s = {.lists = {LIST("10", ""), LIST("30", ITEM("p9", "29"))},
                .conns = {{.status = 410, .body = GONE_STATUS}, {.frames = {EVENT("DELETED", "p9", "31")}}},
                .nconns = 2};
    ts_route(srv, "GET", PLANS, api, &s);
    seen e = {.stop_on = "DELETED p9"};
    k8s_watch_opts o = {.resource_version = "5"};
    mtv_err err;
    cr_assert_eq(k8s_watch(cl, &K8S_PLAN, "mtv", &o, record_event, &e, &err), 0, "%s", err.msg);
    /* a given resourceVersion skips the first list; the 410 forces one */
    assert_param(watch_request(0), "resourceVersion", "5");
    assert_param(watch_request(1), "resourceVersion", "10");
    cr_assert_eq(atomic_load(&s.nlist), 1);
    cr_assert_str_eq(e.log.buf, "DELETED p9;");
    sb_release(&e.log);
}

Test(k8s_watch, an_unreadable_frame_or_error_event_resumes)
{
    script s = {.lists = {LIST("10", "")},
                .conns = {{.frames = {EVENT("ADDED", "p1", "11"), "this is not json"}},
                          {.frames = {"{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":500,"
                                      "\"reason\":\"InternalError\",\"message\":\"etcd hiccup\"}}"}},
                          {.frames = {EVENT("MODIFIED", "p1", "12")}}},
                .nconns = 3};
    ts_route(srv, "GET", PLANS, api, &s);
    seen e = {.stop_on = "MODIFIED p1"};
    mtv_err err;
    cr_assert_eq(k8s_watch(cl, &K8S_PLAN, "mtv", NULL, record_event, &e, &err), 0, "%s", err.msg);
    assert_param(watch_request(1), "resourceVersion", "11");
    assert_param(watch_request(2), "resourceVersion", "11");
    cr_assert_str_eq(e.log.buf, "ADDED p1;MODIFIED p1;");
    sb_release(&e.log);
}

Test(k8s_watch, forbidden_stops_with_the_status_message)
{
    const char *st = "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"plans.forklift.konveyor.io is "
                     "forbidden: User \\\"dev\\\" cannot watch resource \\\"plans\\\"\",\"reason\":\"Forbidden\","
                     "\"code\":403}";
    script s = {.lists = {LIST("10", "")}, .conns = {{.status = 403, .body = st}}, .nconns = 1};
    ts_route(srv, "GET", PLANS, api, &s);
    seen e = {0};
    mtv_err err;
    cr_assert_eq(k8s_watch(cl, &K8S_PLAN, "mtv", NULL, record_event, &e, &err), -1);
    cr_assert(strstr(err.msg, "Plan list in mtv: 403 Forbidden: plans.forklift.konveyor.io is forbidden"),
              "%s", err.msg);
    cr_assert_eq(atomic_load(&s.nwatch), 1);
    sb_release(&e.log);
}

Test(k8s_watch, a_callback_error_is_returned)
{
    script s = {.lists = {LIST("10", ITEM("p1", "9"))}, .conns = {{.frames = {NULL}}}, .nconns = 1};
    ts_route(srv, "GET", PLANS, api, &s);
    seen e = {.fail = 1};
    mtv_err err;
    cr_assert_eq(k8s_watch(cl, &K8S_PLAN, "mtv", NULL, record_event, &e, &err), -1);
    cr_assert_str_eq(err.msg, "callback refused ADDED");
    cr_assert_eq(err.exit_code, MTV_EXIT_FAILURES);
    cr_assert_eq(atomic_load(&s.nwatch), 0);
    sb_release(&e.log);
}

Test(k8s_watch, a_silent_stream_times_out_at_the_deadline)
{
    script s = {.lists = {LIST("10", ITEM("p1", "9"))},
                .conns = {{.frames = {EVENT("MODIFIED", "p1", "11")}, .delay_ms = 5000}}, .nconns = 1};
    ts_route(srv, "GET", PLANS, api, &s);
    seen e = {.stop_on = "MODIFIED p1"};
    k8s_watch_opts o = {.timeout_ms = 300};
    mtv_err err;
    cr_assert_eq(k8s_watch(cl, &K8S_PLAN, "mtv", &o, record_event, &e, &err), -1);
    cr_assert(strstr(err.msg, "timed out after 300 ms watching Plan list in mtv; last seen: ADDED mtv/p1 "
                              "(resourceVersion 9)"), "%s", err.msg);
    cr_assert_str_eq(e.log.buf, "ADDED p1;");
    sb_release(&e.log);
}

Test(k8s_wait, endless_empty_streams_give_up)
{
    script s = {.lists = {LIST("10", "")}, .conns = {{.frames = {NULL}}}, .nconns = 1};
    ts_route(srv, "GET", PLANS, api, &s);
    seen e = {0};
    mtv_err err;
    cr_assert_eq(k8s_watch(cl, &K8S_PLAN, "mtv", NULL, record_event, &e, &err), -1);
    cr_assert(strstr(err.msg, "watching Plan list in mtv failed 10 times in a row; last: the API server "
                              "ended the watch"), "%s", err.msg);
    cr_assert_eq(atomic_load(&s.nwatch), 10);
    /* backed off on the virtual clock between attempts: 0.2 + 0.4 + ... s */
    cr_assert_geq(clock_mono_ms(vclock), 200 + 400 + 800 + 1600 + 3200 + 5000 * 4);
    sb_release(&e.log);
}

/* ---- waits ------------------------------------------------------------------------- */

#define READY(name, rv, st, reason) \
    "{\"metadata\":{\"name\":\"" name "\",\"namespace\":\"mtv\",\"resourceVersion\":\"" rv "\"}," \
    "\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"" st "\",\"reason\":\"" reason "\"," \
    "\"message\":\"checked\"}]}}"

typedef struct ready_pred {
    int calls;
    int fail_on;      /* reason that makes pred fail */
} ready_pred;

static int is_ready(void *ud, const cJSON *obj, mtv_err *err)
{
    ready_pred *p = ud;
    p->calls++;
    const cJSON *c = k8s_condition(obj, "Ready");
    const char *reason = k8s_obj_str(c, "reason");
    if (p->fail_on && reason && !strcmp(reason, "ConnectionFailed"))
        return mtv_err_set(err, MTV_EXIT_FAILURES, "Provider %s: ConnectionFailed",
                           k8s_obj_str(obj, "metadata.name"));
    return k8s_condition_true(obj, "Ready");
}

static void describe_reason(void *ud, const cJSON *obj, strbuf *out)
{
    (void)ud;
    sb_addf(out, "Ready reason %s", k8s_obj_str(k8s_condition(obj, "Ready"), "reason"));
}

Test(k8s_wait, wait_for_returns_when_the_predicate_holds)
{
    script s = {.lists = {LIST("10", READY("p1", "9", "False", "Pending"))},
                .conns = {{.frames = {"{\"type\":\"MODIFIED\",\"object\":" READY("p2", "11", "True", "Ok") "}",
                                      "{\"type\":\"MODIFIED\",\"object\":" READY("p1", "12", "True", "Ok") "}"}}},
                .nconns = 1};
    ts_route(srv, "GET", PLANS, api, &s);
    ready_pred p = {0};
    mtv_err err;
    cr_assert_eq(k8s_wait_for(cl, &K8S_PLAN, NULL, "p1", is_ready, NULL, &p, 60000, &err), 0, "%s", err.msg);
    cr_assert_eq(p.calls, 2);   /* p2 is someone else's object: never shown to the predicate */
    assert_param(watch_request(0), "fieldSelector", "metadata.name=p1");
    const ts_request *first = ts_request_at(srv, 0);
    assert_param(first, "fieldSelector", "metadata.name=p1");
}

Test(k8s_wait, a_missing_object_is_not_yet)
{
    script s = {.lists = {LIST("10", "")},
                .conns = {{.frames = {"{\"type\":\"ADDED\",\"object\":" READY("p1", "11", "True", "Ok") "}"}}},
                .nconns = 1};
    ts_route(srv, "GET", PLANS, api, &s);
    ready_pred p = {0};
    mtv_err err;
    cr_assert_eq(k8s_wait_for(cl, &K8S_PLAN, "mtv", "p1", is_ready, NULL, &p, 60000, &err), 0, "%s", err.msg);
    cr_assert_eq(p.calls, 1);
}

Test(k8s_wait, a_failing_predicate_stops_the_wait)
{
    script s = {.lists = {LIST("10", READY("p1", "9", "False", "ConnectionFailed"))},
                .conns = {{.frames = {NULL}}}, .nconns = 1};
    ts_route(srv, "GET", PLANS, api, &s);
    ready_pred p = {.fail_on = 1};
    mtv_err err;
    cr_assert_eq(k8s_wait_for(cl, &K8S_PLAN, "mtv", "p1", is_ready, NULL, &p, 60000, &err), -1);
    cr_assert_str_eq(err.msg, "Provider p1: ConnectionFailed");
    cr_assert_eq(atomic_load(&s.nwatch), 0);
}

Test(k8s_wait, timeout_describes_the_last_seen_object)
{
    script s = {.lists = {LIST("10", READY("p1", "9", "False", "ConnectionFailed"))},
                .conns = {{.frames = {NULL}}}, .nconns = 1};
    ts_route(srv, "GET", PLANS, api, &s);
    ready_pred p = {0};
    mtv_err err;
    cr_assert_eq(k8s_wait_for(cl, &K8S_PLAN, "mtv", "p1", is_ready, NULL, &p, 2000, &err), -1);
    cr_assert_str_eq(err.msg, "timed out after 2 s waiting for Plan mtv/p1: conditions: "
                              "Ready=False (ConnectionFailed: checked)");
    cr_assert_eq(k8s_wait_for(cl, &K8S_PLAN, "mtv", "p1", is_ready, describe_reason, &p, 20000, &err), -1);
    cr_assert_str_eq(err.msg, "timed out after 20 s waiting for Plan mtv/p1: Ready reason ConnectionFailed");
}

Test(k8s_wait, timeout_of_a_missing_object)
{
    script s = {.lists = {LIST("10", "")}, .conns = {{.frames = {NULL}}}, .nconns = 1};
    ts_route(srv, "GET", PLANS, api, &s);
    ready_pred p = {0};
    mtv_err err;
    cr_assert_eq(k8s_wait_for(cl, &K8S_PLAN, "mtv", "p1", is_ready, NULL, &p, 1500, &err), -1);
    cr_assert_str_eq(err.msg, "timed out after 1 s waiting for Plan mtv/p1: it does not exist");
    cr_assert_eq(p.calls, 0);
}

#define DOOMED(rv, ts) \
    "{\"metadata\":{\"name\":\"p1\",\"namespace\":\"mtv\",\"resourceVersion\":\"" rv "\"" ts "," \
    "\"finalizers\":[\"forklift.konveyor.io/plan\",\"kubernetes\"]}}"

Test(k8s_wait, wait_deleted_returns_on_the_delete_event)
{
    script s = {.lists = {LIST("10", DOOMED("9", ",\"deletionTimestamp\":\"2026-11-27T10:00:00Z\""))},
                .conns = {{.frames = {"{\"type\":\"DELETED\",\"object\":" DOOMED("11", "") "}"}}}, .nconns = 1};
    ts_route(srv, "GET", PLANS, api, &s);
    mtv_err err;
    cr_assert_eq(k8s_wait_deleted(cl, &K8S_PLAN, "mtv", "p1", 60000, &err), 0, "%s", err.msg);
    cr_assert_eq(atomic_load(&s.nwatch), 1);
}

Test(k8s_wait, wait_deleted_of_an_absent_object_does_not_watch)
{
    script s = {.lists = {LIST("10", "")}, .conns = {{.frames = {NULL}}}, .nconns = 1};
    ts_route(srv, "GET", PLANS, api, &s);
    mtv_err err;
    cr_assert_eq(k8s_wait_deleted(cl, &K8S_PLAN, "mtv", "p1", 60000, &err), 0, "%s", err.msg);
    cr_assert_eq(atomic_load(&s.nwatch), 0);
    cr_assert_eq(atomic_load(&s.nlist), 1);
}

Test(k8s_wait, wait_deleted_timeout_names_the_finalizers)
{
    script s = {.lists = {LIST("10", DOOMED("9", ""))}, .conns = {{.frames = {NULL}}}, .nconns = 1};
    ts_route(srv, "GET", PLANS, api, &s);
    mtv_err err;
    cr_assert_eq(k8s_wait_deleted(cl, &K8S_PLAN, "mtv", "p1", 1000, &err), -1);
    cr_assert_str_eq(err.msg, "timed out after 1 s waiting for Plan mtv/p1 to be deleted; it is still "
                              "there: no deletionTimestamp: nothing has asked to delete it, finalizers "
                              "[forklift.konveyor.io/plan, kubernetes]");
}

/* ---- record, then replay without the server ------------------------------------- */

static int wait_ready_scenario(const char *server_url, transport *t, mtv_err *err)
{
    kube_config c = {0};
    c.server = strdup(server_url);
    c.namespace_ = strdup("mtv");
    c.token = strdup(TOKEN);
    k8s_client *k;
    int rc = k8s_client_new(&k, &c, t, err);
    ready_pred p = {0};
    if (rc == 0)
        rc = k8s_wait_for(k, &K8S_PLAN, "mtv", "p1", is_ready, NULL, &p, 3600 * 1000, err);
    k8s_client_free(k);
    kubeconfig_free(&c);
    return rc;
}

Test(k8s_record_replay, a_one_hour_wait_replays_from_the_cassette)
{
    log_set_level(LOG_WARN);
    const char *dir = tu_tmpdir();
    /* the object becomes ready after a dropped stream and a resumption */
    script s = {.lists = {LIST("10", READY("p1", "9", "False", "Pending"))},
                .conns = {{.frames = {"{\"type\":\"MODIFIED\",\"object\":" READY("p1", "11", "False", "Pending") "}",
                                      BOOKMARK("12")}, .delay_ms = 150},
                          {.frames = {"{\"type\":\"MODIFIED\",\"object\":" READY("p1", "13", "True", "Ok") "}"},
                           .delay_ms = 100}},
                .nconns = 2};
    ts_server *live = ts_start(TS_HTTP);
    ts_route(live, "GET", PLANS, api, &s);
    strbuf journal = STRBUF_INIT, bundle = STRBUF_INIT;
    fs_join(&journal, dir, "journal.ndjson");
    fs_join(&bundle, dir, "wait.tar");
    secret_registry *r = secrets_new();
    transport_config rec = {.mode = TRANSPORT_RECORD, .journal_path = journal.buf, .scenario = "wait",
                            .secrets = r};
    transport *t;
    mtv_err err;
    cr_assert_eq(transport_open(&t, &rec, &err), 0, "%s", err.msg);
    cr_assert_eq(wait_ready_scenario(ts_url(live), t, &err), 0, "%s", err.msg);
    cr_assert_eq(transport_finish(t, bundle.buf, NULL, &err), 0, "%s", err.msg);
    transport_free(t);
    ts_stop(live);
    cr_assert_eq(atomic_load(&s.nwatch), 2);

    size_t n;
    char *bytes = tu_read(bundle.buf, &n);
    cr_assert_not_null(bytes);
    cr_assert(!tu_contains(bytes, n, "canary-watch-token"), "the bearer token reached the cassette");
    free(bytes);

    transport_config rep = {.mode = TRANSPORT_REPLAY, .cassette_path = bundle.buf};
    cr_assert_eq(transport_open(&t, &rep, &err), 0, "%s", err.msg);
    cr_assert(clock_is_virtual(transport_clock(t)));
    cr_assert_eq(wait_ready_scenario("https://elsewhere.invalid:6443", t, &err), 0, "%s", err.msg);
    strbuf unused = STRBUF_INIT;
    cr_assert_eq(transport_unused(t, &unused), 0, "unused: %s", sb_str(&unused));
    /* the recorded 250 ms of frame gaps are on the virtual clock, not waited for */
    cr_assert_geq(clock_mono_ms(transport_clock(t)), 250);
    transport_free(t);
    sb_release(&unused);
    sb_release(&journal);
    sb_release(&bundle);
    secrets_free(r);
}

/* ---- cancellation (the run's cancel flag, set on SIGINT) ---------------------- */

typedef struct canceller {
    atomic_int *flag;
    long after_ms;
} canceller;

static void *cancel_later(void *ud)
{
    canceller *c = ud;
    usleep((useconds_t)c->after_ms * 1000);
    atomic_store(c->flag, 1);
    return NULL;
}

Test(k8s_watch, a_cancelled_wait_stops_inside_a_silent_stream)
{
    /* the object never gets Ready and the stream stays silent for seconds */
    script s = {.lists = {LIST("10", READY("p1", "9", "False", "Pending"))},
                .conns = {{.frames = {"{\"type\":\"MODIFIED\",\"object\":" READY("p1", "11", "False", "Pending") "}"},
                           .delay_ms = 3000}},
                .nconns = 1};
    ts_route(srv, "GET", PLANS, api, &s);
    atomic_int cancel;
    atomic_init(&cancel, 0);
    canceller c = {&cancel, 200};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, cancel_later, &c), 0);
    ready_pred p = {0};
    mtv_err err;
    mtv_err_clear(&err);
    int rc = k8s_wait_for_cancel(cl, &K8S_PLAN, "mtv", "p1", is_ready, NULL, &p, 600000, &cancel, &err);
    pthread_join(th, NULL);
    cr_assert_eq(rc, -1);
    cr_assert(strstr(err.msg, "cancelled: the run is being interrupted"), "%s", err.msg);
    cr_assert_null(strstr(err.msg, "timed out"), "%s", err.msg);
    cr_assert_eq(p.calls, 1, "only the listed object was seen: %d", p.calls);
    cr_assert_leq(atomic_load(&s.nwatch), 1, "watched again after the cancel");

    /* already cancelled: not one request */
    size_t before = ts_count(srv);
    mtv_err_clear(&err);
    rc = k8s_wait_for_cancel(cl, &K8S_PLAN, "mtv", "p1", is_ready, NULL, &p, 600000, &cancel, &err);
    cr_assert_eq(rc, -1);
    cr_assert(strstr(err.msg, "cancelled"), "%s", err.msg);
    cr_assert_eq(ts_count(srv), before, "a request after the cancel");
}
