/* Record a scenario against the loopback server, then replay it from the
 * bundle with the server gone: every answer, frame, retry, error, custom
 * entry and generated name must come back identical, instantly. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "net/transport.h"
#include "recorder/bundle.h"
#include "recorder/cassette.h"
#include "recorder/har.h"
#include "util/codec.h"
#include "testserver.h"
#include "testutil.h"
#include "util/fs.h"

typedef struct outcome {
    strbuf log;     /* everything the scenario observed, in order */
} outcome;

static void note_resp(outcome *o, const char *what, int rc, const http_response *resp,
                      const mtv_err *err)
{
    sb_addf(&o->log, "%s rc=%d status=%ld attempts=%d", what, rc, resp->status, resp->attempts);
    if (rc < 0)
        sb_addf(&o->log, " err=[%d] %s", err->exit_code, err->msg);
    const char *ct = http_headers_get(&resp->headers, "Content-Type");
    sb_addf(&o->log, " ct=%s body=%zu:", ct ? ct : "-", resp->body.len);
    if (har_is_text(resp->body.buf, resp->body.len))
        sb_add(&o->log, resp->body.buf, resp->body.len);
    else
        hex_encode(&o->log, resp->body.buf, resp->body.len);
    sb_addc(&o->log, '\n');
}

static int frame_cb(void *ud, const char *data, size_t n)
{
    outcome *o = ud;
    sb_adds(&o->log, "frame:");
    sb_add(&o->log, data, n);
    sb_addc(&o->log, '\n');
    return 0;
}

static int ssh_live(void *ud, const cJSON *request, cJSON **response, mtv_err *err)
{
    (void)ud;
    (void)err;
    const char *cmd = cJSON_GetStringValue(cJSON_GetObjectItem(request, "command"));
    *response = cJSON_CreateObject();
    cJSON_AddStringToObject(*response, "stdout", strcmp(cmd, "hostname") == 0 ? "vm-1\n" : "");
    cJSON_AddStringToObject(*response, "stderr", "");
    cJSON_AddNumberToObject(*response, "exit_status", 0);
    return 0;
}

static unsigned char binary[300];

static void scenario(transport *t, const char *base, outcome *o)
{
    net_endpoint ep;
    net_endpoint_init(&ep);
    ep.base_url = base;
    ep.retry.base_delay_ms = 200;
    http_request req;
    http_response resp = {0};
    mtv_err err;
    int rc;

    strbuf name = STRBUF_INIT;
    transport_name(t, "auto", &name);
    sb_addf(&o->log, "name %s\n", name.buf);

    http_request_init(&req, &ep, "kubernetes", "GET", "/api/v1/namespaces");
    http_request_query(&req, "limit", "500");
    rc = transport_send(t, &req, &resp, &err);
    note_resp(o, "list", rc, &resp, &err);
    http_request_free(&req);

    http_request_init(&req, &ep, "kubernetes", "POST", "/api/v1/namespaces");
    strbuf body = STRBUF_INIT;
    sb_addf(&body, "{\"metadata\":{\"name\":\"%s\"},\"kind\":\"Namespace\"}", name.buf);
    http_request_body(&req, "application/json", body.buf, body.len);
    rc = transport_send(t, &req, &resp, &err);
    note_resp(o, "create", rc, &resp, &err);
    http_request_free(&req);
    sb_release(&body);

    http_request_init(&req, &ep, "inventory", "PUT", "/bin");
    http_request_body(&req, "application/octet-stream", binary, sizeof binary);
    rc = transport_send(t, &req, &resp, &err);
    note_resp(o, "binary", rc, &resp, &err);
    http_request_free(&req);

    http_request_init(&req, &ep, "jira", "GET", "/gz");
    rc = transport_send(t, &req, &resp, &err);
    note_resp(o, "gzip", rc, &resp, &err);
    http_request_free(&req);

    http_request_init(&req, &ep, "inventory", "GET", "/flaky");
    int64_t before = clock_mono_ms(transport_clock(t));
    rc = transport_send(t, &req, &resp, &err);
    note_resp(o, "flaky", rc, &resp, &err);
    sb_addf(&o->log, "waited>=1000 %d\n", clock_mono_ms(transport_clock(t)) - before >= 1000);
    http_request_free(&req);

    http_request_init(&req, &ep, "kubernetes", "GET", "/api/v1/pods");
    http_request_query(&req, "watch", "1");
    rc = transport_stream(t, &req, NET_FRAMES_LINES, frame_cb, o, &resp, &err);
    note_resp(o, "watch", rc, &resp, &err);
    http_request_free(&req);

    /* a stream cut by the client's timeout: its frames, then the error,
     * and replay's clock moves by the time it lasted */
    http_request_init(&req, &ep, "kubernetes", "GET", "/api/v1/nodes");
    http_request_query(&req, "watch", "1");
    req.timeout_ms = 400;
    before = clock_mono_ms(transport_clock(t));
    rc = transport_stream(t, &req, NET_FRAMES_LINES, frame_cb, o, &resp, &err);
    sb_addf(&o->log, "quiet watch rc=%d lasted>=400 %d err=%s\n", rc,
            clock_mono_ms(transport_clock(t)) - before >= 400, rc < 0 ? err.msg : "-");
    http_request_free(&req);

    /* the same request twice gets its two recorded answers in order */
    for (int i = 0; i < 2; i++) {
        http_request_init(&req, &ep, "vsphere", "GET", "/counter");
        rc = transport_send(t, &req, &resp, &err);
        note_resp(o, "counter", rc, &resp, &err);
        http_request_free(&req);
    }

    cJSON *cmd = cJSON_CreateObject();
    cJSON_AddStringToObject(cmd, "host", "10.0.0.5");
    cJSON_AddStringToObject(cmd, "command", "hostname");
    cJSON *out = NULL;
    rc = transport_custom(t, "ssh", "guest:vm-1", cmd, ssh_live, NULL, &out, &err);
    char *text = out ? cJSON_PrintUnformatted(out) : NULL;
    sb_addf(&o->log, "ssh rc=%d %s\n", rc, text ? text : "-");
    free(text);
    cJSON_Delete(out);
    cJSON_Delete(cmd);

    net_endpoint dead;
    net_endpoint_init(&dead);
    dead.base_url = "http://127.0.0.1:1";
    dead.retry.max_attempts = 2;
    dead.retry.base_delay_ms = 5;
    http_request_init(&req, &dead, "openstack", "GET", "/v3/auth/tokens");
    rc = transport_send(t, &req, &resp, &err);
    note_resp(o, "refused", rc, &resp, &err);
    http_request_free(&req);

    http_response_free(&resp);
    sb_release(&name);
}

static int counter_calls;

static void counter(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    (void)req;
    char b[32];
    snprintf(b, sizeof b, "{\"n\":%d}", ++counter_calls);
    ts_resp_body(resp, "application/json", b, strlen(b));
}

static void gz(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    (void)req;
    ts_resp_body(resp, "text/plain", "zipped text zipped text", 23);
    resp->gzip = 1;
}

static void bin(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    ts_resp_body(resp, "application/octet-stream", req->body.buf, req->body.len);
}

static void watch(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    (void)req;
    ts_resp_header(resp, "Content-Type", "application/json");
    const char *added = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"p1\"}}}\n";
    const char *modified = "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"p1\"}}}\n";
    ts_resp_frame(resp, 0, added, strlen(added));
    ts_resp_frame(resp, 120, modified, strlen(modified));
}

/* a watch that goes quiet: the client's timeout ends it after two frames */
static void quiet_watch(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    (void)req;
    ts_resp_header(resp, "Content-Type", "application/json");
    const char *a = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"n1\"}}}\n";
    const char *m = "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"n1\"}}}\n";
    ts_resp_frame(resp, 0, a, strlen(a));
    ts_resp_frame(resp, 50, m, strlen(m));
    ts_resp_frame(resp, 3000, a, strlen(a));
}

static ts_server *start_server(void)
{
    for (size_t i = 0; i < sizeof binary; i++)
        binary[i] = (unsigned char)(255 - i);
    ts_server *s = ts_start(TS_HTTP);
    const char *list = "{\"kind\":\"NamespaceList\",\"items\":[{\"metadata\":{\"name\":\"default\"}}]}";
    ts_route_static(s, "GET", "/api/v1/namespaces", 200, "application/json", list, strlen(list));
    ts_route_static(s, "POST", "/api/v1/namespaces", 201, "application/json", "{\"kind\":\"Namespace\"}", 20);
    ts_route(s, "PUT", "/bin", bin, NULL);
    ts_route(s, "GET", "/gz", gz, NULL);
    ts_script_step flaky[] = {{503, "Retry-After", "1", NULL, 0}, {200, NULL, NULL, "{\"ready\":true}", 0}};
    ts_route_script(s, "GET", "/flaky", flaky, 2);
    ts_route(s, "GET", "/api/v1/pods", watch, NULL);
    ts_route(s, "GET", "/api/v1/nodes", quiet_watch, NULL);
    ts_route(s, "GET", "/counter", counter, NULL);
    return s;
}

static const char *record_bundle(const char *dir, outcome *live)
{
    ts_server *s = start_server();
    strbuf journal = STRBUF_INIT;
    fs_join(&journal, dir, "journal.ndjson");
    secret_registry *reg = secrets_new();
    transport_config cfg = {.mode = TRANSPORT_RECORD, .journal_path = journal.buf,
                            .scenario = "round-trip", .secrets = reg};
    transport *t;
    mtv_err err;
    cr_assert_eq(transport_open(&t, &cfg, &err), 0, "%s", err.msg);
    scenario(t, ts_url(s), live);
    ts_stop(s);
    static char bundle_path[4096];
    snprintf(bundle_path, sizeof bundle_path, "%s/round-trip.tar", dir);
    cr_assert_eq(transport_finish(t, bundle_path, NULL, &err), 0, "%s", err.msg);
    transport_free(t);
    secrets_free(reg);
    sb_release(&journal);
    return bundle_path;
}

static transport *open_replay(const char *cassette, const char *out_dir, int repeat_last)
{
    transport_config cfg = {.mode = TRANSPORT_REPLAY, .cassette_path = cassette,
                            .out_dir = out_dir, .repeat_last = repeat_last};
    transport *t;
    mtv_err err;
    cr_assert_eq(transport_open(&t, &cfg, &err), 0, "%s", err.msg);
    return t;
}

/* the base URL differs between runs (the server is gone): only the
 * upstream identifies the back end, so replay must not care */
Test(record_replay, replay_reproduces_every_observation)
{
    const char *dir = tu_tmpdir();
    outcome live = {0}, again = {0};
    const char *bundle = record_bundle(dir, &live);
    cr_assert(strstr(live.log.buf, "flaky rc=0 status=200 attempts=2"), "%s", live.log.buf);
    cr_assert(strstr(live.log.buf, "ssh rc=0 {\"stdout\":\"vm-1\\n\""), "%s", live.log.buf);

    transport *t = open_replay(bundle, dir, 0);
    cr_assert(clock_is_virtual(transport_clock(t)));
    scenario(t, "http://elsewhere.invalid:8080", &again);
    cr_assert_str_eq(again.log.buf, live.log.buf);
    strbuf unused = STRBUF_INIT;
    cr_assert_eq(transport_unused(t, &unused), 0, "unused: %s", sb_str(&unused));
    /* the virtual clock followed the recorded timeline: the watch's 120 ms
     * gap and the 1 s Retry-After are in it, without waiting for them */
    cr_assert_geq(clock_mono_ms(transport_clock(t)), 1120);
    sb_release(&unused);
    transport_free(t);
    sb_release(&live.log);
    sb_release(&again.log);
}

Test(record_replay, cassette_holds_the_extensions)
{
    const char *dir = tu_tmpdir();
    outcome live = {0};
    const char *bundle = record_bundle(dir, &live);
    cassette c;
    mtv_err err;
    cr_assert_eq(cassette_load(&c, bundle, &err), 0, "%s", err.msg);
    int saw_stream = 0, saw_custom = 0, saw_error = 0, saw_binary = 0;
    long long last_seq = 0;
    for (size_t i = 0; i < c.count; i++) {
        const cassette_entry *e = &c.entries[i];
        cr_assert_gt(e->seq, last_seq, "entries sorted by _seq");
        last_seq = e->seq;
        cr_assert_not_null(e->upstream);
        cr_assert(strlen(e->key) > 5);
        saw_stream += cassette_entry_stream(&c, e) != NULL;
        saw_custom += cassette_entry_custom(&c, e) != NULL;
        saw_error += e->error != NULL;
        if (e->error && cassette_entry_stream(&c, e)) {
            /* the quiet watch: its frames, how it ended, how long it lasted */
            const cJSON *st = cassette_entry_stream(&c, e);
            cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(st, "frames")), 2);
            cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(st, "end")), "error");
            cr_assert_geq(e->time_ms, 400, "a timed-out stream records the time it lasted");
        }
        const cJSON *pd = cJSON_GetObjectItem(cJSON_GetObjectItem(cassette_entry_json(&c, e), "request"), "postData");
        saw_binary += cJSON_GetObjectItem(pd, "_encoding") != NULL;
    }
    cr_assert_eq(c.count, 13, "list, create, binary, gzip, 2x flaky, watch, quiet watch, 2x counter, "
                              "ssh, 2x refused");
    cr_assert_eq(saw_stream, 2);
    cr_assert_eq(saw_custom, 1);
    cr_assert_eq(saw_error, 3);
    cr_assert_eq(saw_binary, 1);
    const cJSON *vars = c.variables;
    cr_assert(cJSON_IsString(cJSON_GetObjectItem(vars, "seed")));
    cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(vars, "start_ms")));
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(vars, "names")), 1);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(c.meta, "scenario")), "round-trip");
    cr_assert(strstr(c.text, "\"pages\":\t[]"), "log.pages is always there");
    cassette_free(&c);
    sb_release(&live.log);
}

Test(record_replay, unmatched_request_reports_nearest_with_field_diff)
{
    const char *dir = tu_tmpdir();
    outcome live = {0};
    const char *bundle = record_bundle(dir, &live);
    strbuf out = STRBUF_INIT;
    fs_join(&out, dir, "replay-out");
    transport *t = open_replay(bundle, out.buf, 0);
    http_request req;
    http_request_init(&req, NULL, "kubernetes", "GET", "http://x/api/v1/namespaces?limit=50");
    http_response resp = {0};
    mtv_err err;
    cr_assert_eq(transport_send(t, &req, &resp, &err), -1);
    cr_assert_eq(err.exit_code, MTV_EXIT_DIVERGED);
    cr_assert(strstr(err.msg, "no recorded request matches"), "%s", err.msg);
    cr_assert(strstr(err.msg, "GET kubernetes /api/v1/namespaces?limit=500"), "%s", err.msg);
    cr_assert(strstr(err.msg, "query.limit: recorded '500', requested '50'"), "%s", err.msg);
    strbuf path = STRBUF_INIT;
    fs_join(&path, out.buf, "unmatched.json");
    char *report = tu_read(path.buf, NULL);
    cr_assert_not_null(report, "unmatched.json written");
    cJSON *j = cJSON_Parse(report);
    cr_assert(cJSON_IsArray(j));
    const cJSON *first = cJSON_GetArrayItem(j, 0);
    const cJSON *cand = cJSON_GetArrayItem(cJSON_GetObjectItem(first, "candidates"), 0);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cand, "key")),
                     "GET kubernetes /api/v1/namespaces?limit=500 -");
    cJSON_Delete(j);
    free(report);
    http_request_free(&req);
    http_response_free(&resp);
    transport_free(t);
    sb_release(&out);
    sb_release(&path);
    sb_release(&live.log);
}

Test(record_replay, json_body_difference_is_reported_by_pointer)
{
    const char *dir = tu_tmpdir();
    outcome live = {0};
    const char *bundle = record_bundle(dir, &live);
    transport *t = open_replay(bundle, NULL, 0);
    http_request req;
    http_request_init(&req, NULL, "kubernetes", "POST", "http://x/api/v1/namespaces");
    const char *b = "{\"kind\":\"Namespace\",\"metadata\":{\"name\":\"other\"}}";
    http_request_body(&req, "application/json", b, strlen(b));
    http_response resp = {0};
    mtv_err err;
    cr_assert_eq(transport_send(t, &req, &resp, &err), -1);
    cr_assert(strstr(err.msg, "body/metadata/name: recorded '\"auto-"), "%s", err.msg);
    cr_assert(strstr(err.msg, "requested '\"other\"'"), "%s", err.msg);
    http_request_free(&req);
    http_response_free(&resp);
    transport_free(t);
    sb_release(&live.log);
}

Test(record_replay, exhausted_key_errors_unless_repeat_last)
{
    const char *dir = tu_tmpdir();
    outcome live = {0};
    const char *bundle = record_bundle(dir, &live);
    for (int repeat = 0; repeat < 2; repeat++) {
        transport *t = open_replay(bundle, NULL, repeat);
        mtv_err err;
        http_response resp = {0};
        int rc = 0;
        for (int i = 0; i < 3; i++) {
            http_request req;
            http_request_init(&req, NULL, "vsphere", "GET", "http://x/counter");
            rc = transport_send(t, &req, &resp, &err);
            http_request_free(&req);
        }
        if (repeat) {
            cr_assert_eq(rc, 0, "%s", err.msg);
            cr_assert_str_eq(resp.body.buf, "{\"n\":2}");
        } else {
            cr_assert_eq(rc, -1);
            cr_assert_eq(err.exit_code, MTV_EXIT_DIVERGED);
            cr_assert(strstr(err.msg, "already used"), "%s", err.msg);
        }
        strbuf unused = STRBUF_INIT;
        cr_assert_eq(transport_unused(t, &unused), 11);
        cr_assert(strstr(unused.buf, "GET kubernetes /api/v1/namespaces?limit=500"), "%s", unused.buf);
        sb_release(&unused);
        http_response_free(&resp);
        transport_free(t);
    }
    sb_release(&live.log);
}

Test(record_replay, bundle_is_reproducible_and_manifest_matches)
{
    const char *dir = tu_tmpdir();
    outcome live = {0};
    const char *bundle_path = record_bundle(dir, &live);
    bundle b;
    mtv_err err;
    cr_assert_eq(bundle_read(&b, bundle_path, &err), 0, "%s", err.msg);
    cr_assert_not_null(bundle_find(&b, "cassette.har"));
    cr_assert_not_null(bundle_find(&b, "manifest.json"));
    strbuf problems = STRBUF_INIT;
    cr_assert_eq(bundle_check_manifest(&b, &problems), 0, "%s", sb_str(&problems));
    /* writing the same members again gives the same bytes */
    strbuf again = STRBUF_INIT;
    fs_join(&again, dir, "again.tar");
    cr_assert_eq(bundle_write(&b, again.buf, cJSON_GetObjectItem(b.manifest, "redaction"), NULL, &err), 0,
                 "%s", err.msg);
    size_t n1, n2;
    char *a = tu_read(bundle_path, &n1), *c = tu_read(again.buf, &n2);
    cr_assert_eq(n1, n2);
    cr_assert_eq(memcmp(a, c, n1), 0);
    /* a changed member is caught */
    bundle_add(&b, "cassette.har", "{}", 2);
    sb_reset(&problems);
    cr_assert_eq(bundle_check_manifest(&b, &problems), 1);
    cr_assert(strstr(problems.buf, "cassette.har: SHA-256"), "%s", problems.buf);
    free(a);
    free(c);
    bundle_free(&b);
    sb_release(&problems);
    sb_release(&again);
    sb_release(&live.log);
}

/* ---- replay from many threads, and run variables ----------------------------- */

typedef struct taker {
    transport *t;
    int seen[201];
    int errors;
} taker;

static void *take_many(void *arg)
{
    taker *k = arg;
    for (int i = 0; i < 50; i++) {
        http_request req;
        http_request_init(&req, NULL, "vsphere", "GET", "http://x/counter");
        http_response resp = {0};
        mtv_err err;
        if (transport_send(k->t, &req, &resp, &err) == 0) {
            int n = 0;
            if (sscanf(sb_str(&resp.body), "{\"n\":%d}", &n) == 1 && n > 0 && n <= 200)
                k->seen[n]++;
        } else {
            k->errors++;
        }
        http_request_free(&req);
        http_response_free(&resp);
    }
    return NULL;
}

Test(record_replay, parallel_replay_serves_each_recorded_answer_once)
{
    const char *dir = tu_tmpdir();
    counter_calls = 0;
    ts_server *s = ts_start(TS_HTTP);
    ts_route(s, "GET", "/counter", counter, NULL);
    strbuf journal = STRBUF_INIT, bundle_path = STRBUF_INIT;
    fs_join(&journal, dir, "journal.ndjson");
    fs_join(&bundle_path, dir, "counter.tar");
    secret_registry *reg = secrets_new();
    transport_config cfg = {.mode = TRANSPORT_RECORD, .journal_path = journal.buf, .secrets = reg};
    transport *t;
    mtv_err err;
    cr_assert_eq(transport_open(&t, &cfg, &err), 0, "%s", err.msg);
    cr_assert_eq(transport_var_set(t, "vm.uid", "4210-abcd", &err), 0);
    for (int i = 0; i < 200; i++) {
        http_request req;
        http_request_init(&req, NULL, "vsphere", "GET", ts_url(s));
        sb_adds(&req.url, "/counter");
        http_response resp = {0};
        cr_assert_eq(transport_send(t, &req, &resp, &err), 0, "%s", err.msg);
        http_request_free(&req);
        http_response_free(&resp);
    }
    cr_assert_eq(transport_finish(t, bundle_path.buf, NULL, &err), 0, "%s", err.msg);
    transport_free(t);
    ts_stop(s);

    t = open_replay(bundle_path.buf, NULL, 0);
    cr_assert_str_eq(transport_var_get(t, "vm.uid"), "4210-abcd", "recorded values come back");
    cr_assert_null(transport_var_get(t, "never.set"));
    pthread_t th[4];
    taker k[4];
    memset(k, 0, sizeof k);
    for (int i = 0; i < 4; i++) {
        k[i].t = t;
        pthread_create(&th[i], NULL, take_many, &k[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int n = 1; n <= 200; n++) {
        int total = k[0].seen[n] + k[1].seen[n] + k[2].seen[n] + k[3].seen[n];
        cr_assert_eq(total, 1, "answer %d was served %d times", n, total);
    }
    cr_assert_eq(k[0].errors + k[1].errors + k[2].errors + k[3].errors, 0);
    cr_assert_eq(transport_unused(t, NULL), 0);
    transport_free(t);
    secrets_free(reg);
    sb_release(&journal);
    sb_release(&bundle_path);
}
