/* Cassettes the recorder produces pass every har-validator check (the npm
 * package, run by tests/node/validate-har.js): a live recording with every
 * kind of entry, and a bundle recovered from a journal. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/transport.h"
#include "recorder/bundle.h"
#include "testserver.h"
#include "testutil.h"
#include "util/fs.h"

static int ignore_frame(void *ud, const char *d, size_t n)
{
    (void)ud;
    (void)d;
    (void)n;
    return 0;
}

static int custom_live(void *ud, const cJSON *request, cJSON **response, mtv_err *err)
{
    (void)ud;
    (void)request;
    (void)err;
    *response = cJSON_Parse("{\"stdout\":\"Linux\\n\",\"stderr\":\"\",\"exit_status\":0}");
    return 0;
}

static void stream(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    (void)req;
    ts_resp_header(resp, "Content-Type", "application/json");
    ts_resp_frame(resp, 0, "{\"type\":\"ADDED\"}\n", 17);
    ts_resp_frame(resp, 10, "{\"type\":\"DELETED\"}\n", 19);
}

static void gz(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    (void)req;
    ts_resp_body(resp, "text/plain; charset=utf-8", "h\xc3\xa9llo w\xc3\xb6rld", 14);
    resp->gzip = 1;
}

static void write_member(const char *bundle_path, const char *out)
{
    bundle b;
    mtv_err err;
    cr_assert_eq(bundle_read(&b, bundle_path, &err), 0, "%s", err.msg);
    const bundle_member *m = bundle_find(&b, "cassette.har");
    cr_assert_not_null(m);
    cr_assert_eq(fs_write_atomic(out, m->data.buf, m->data.len, &err), 0, "%s", err.msg);
    bundle_free(&b);
}

Test(har_validator, recorded_and_recovered_cassettes_pass_every_check)
{
    const char *script = tu_src("tests/node/validate-har.js");
    const char *modules = tu_src("tests/node/node_modules/har-validator");
    if (system("node --version >/dev/null 2>&1") != 0 || !fs_exists(modules))
        cr_skip_test("node or har-validator missing (make deps installs them)");
    const char *dir = tu_tmpdir();
    ts_server *srv = ts_start(TS_HTTP);
    ts_route_static(srv, "GET", "/json", 200, "application/json", "{\"a\":[1,2]}", 11);
    ts_route_static(srv, "DELETE", "/thing", 204, NULL, "", 0);
    ts_route_static(srv, "GET", "/missing", 404, "text/html", "<h1>no</h1>", 11);
    ts_route(srv, "GET", "/watch", stream, NULL);
    ts_route(srv, "GET", "/gz", gz, NULL);
    unsigned char bin[64];
    for (int i = 0; i < 64; i++)
        bin[i] = (unsigned char)(i * 7);
    ts_route_static(srv, "POST", "/bin", 200, "application/octet-stream", bin, sizeof bin);

    strbuf journal = STRBUF_INIT, bundle_path = STRBUF_INIT, har = STRBUF_INIT, har2 = STRBUF_INIT,
           rec = STRBUF_INIT;
    fs_join(&journal, dir, "journal.ndjson");
    fs_join(&bundle_path, dir, "run.tar");
    fs_join(&har, dir, "recorded.har");
    fs_join(&har2, dir, "recovered.har");
    fs_join(&rec, dir, "recovered.tar");
    secret_registry *reg = secrets_new();
    transport_config cfg = {.mode = TRANSPORT_RECORD, .journal_path = journal.buf, .secrets = reg};
    transport *t;
    mtv_err err;
    cr_assert_eq(transport_open(&t, &cfg, &err), 0, "%s", err.msg);
    net_endpoint ep;
    net_endpoint_init(&ep);
    ep.base_url = ts_url(srv);
    ep.auth = NET_AUTH_BEARER;
    ep.token = "token-for-har-validator";
    const char *paths[][2] = {{"GET", "/json?x=1&y=two"}, {"DELETE", "/thing"}, {"GET", "/missing"},
                              {"GET", "/gz"}, {"POST", "/bin"}};
    for (int i = 0; i < 5; i++) {
        http_request req;
        http_response resp = {0};
        http_request_init(&req, &ep, "kubernetes", paths[i][0], paths[i][1]);
        if (i == 4)
            http_request_body(&req, "application/octet-stream", bin, sizeof bin);
        cr_assert_eq(transport_send(t, &req, &resp, &err), 0, "%s", err.msg);
        http_request_free(&req);
        http_response_free(&resp);
    }
    http_request req;
    http_response resp = {0};
    http_request_init(&req, &ep, "kubernetes", "GET", "/watch");
    cr_assert_eq(transport_stream(t, &req, NET_FRAMES_LINES, ignore_frame, NULL, &resp, &err), 0, "%s", err.msg);
    http_request_free(&req);
    http_response_free(&resp);
    net_endpoint dead;
    net_endpoint_init(&dead);
    dead.retry.max_attempts = 1;
    http_request_init(&req, &dead, "ovirt", "GET", "http://127.0.0.1:1/ovirt-engine/api");
    cr_assert_eq(transport_send(t, &req, &resp, &err), -1);
    http_request_free(&req);
    http_response_free(&resp);
    cJSON *cmd = cJSON_Parse("{\"command\":\"uname\"}"), *out = NULL;
    cr_assert_eq(transport_custom(t, "ssh", "guest:vm-1", cmd, custom_live, NULL, &out, &err), 0, "%s", err.msg);
    cJSON_Delete(cmd);
    cJSON_Delete(out);
    cr_assert_eq(transport_finish(t, bundle_path.buf, NULL, &err), 0, "%s", err.msg);
    transport_free(t);
    ts_stop(srv);
    write_member(bundle_path.buf, har.buf);

    /* the same journal through the recover command */
    strbuf cmdline = STRBUF_INIT;
    sb_addf(&cmdline, "'%s/mtv-validate' cassette recover -o '%s' '%s' >/dev/null", MTV_BINARY_DIR,
            rec.buf, journal.buf);
    cr_assert_eq(system(cmdline.buf), 0, "%s", cmdline.buf);
    write_member(rec.buf, har2.buf);

    sb_reset(&cmdline);
    sb_addf(&cmdline, "node '%s' '%s' '%s' > '%s/node.out' 2>&1", script, har.buf, har2.buf, dir);
    int rc = system(cmdline.buf);
    strbuf outp = STRBUF_INIT;
    fs_join(&outp, dir, "node.out");
    char *text = tu_read(outp.buf, NULL);
    cr_assert_eq(rc, 0, "har-validator failed:\n%s", text ? text : "");
    cr_assert(strstr(text, "ok   ") && strstr(text, "(8 entries)"), "%s", text);
    free(text);
    secrets_free(reg);
    sb_release(&journal);
    sb_release(&bundle_path);
    sb_release(&har);
    sb_release(&har2);
    sb_release(&rec);
    sb_release(&cmdline);
    sb_release(&outp);
}
