/* Unit tests for net/transport in live mode against the loopback test
 * server: round trips, binary and gzip bodies, retries with Retry-After on a
 * virtual clock, TLS verification, auth, proxies, streams and cancellation. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "net/transport.h"
#include "testserver.h"
#include "testutil.h"
#include "util/secrets.h"

static ts_server *srv;
static transport *tp;
static secret_registry *reg;
static mtv_clock *vclock;

static void open_live(int https, int virtual_clock)
{
    srv = ts_start(https);
    reg = secrets_new();
    vclock = virtual_clock ? clock_new_virtual(1700000000000LL) : NULL;
    transport_config cfg = {.mode = TRANSPORT_LIVE, .secrets = reg, .clock = vclock,
                            .has_seed = 1, .seed = 42};
    mtv_err err;
    cr_assert_eq(transport_open(&tp, &cfg, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
    transport_free(tp);
    ts_stop(srv);
    secrets_free(reg);
    clock_free(vclock);
    tp = NULL;
    srv = NULL;
}

static void setup_http(void) { open_live(TS_HTTP, 0); }
static void setup_virtual(void) { open_live(TS_HTTP, 1); }
static void setup_https(void) { open_live(TS_HTTPS, 0); }

TestSuite(transport_live, .init = setup_http, .fini = teardown);
TestSuite(transport_retry, .init = setup_virtual, .fini = teardown);
TestSuite(transport_tls, .init = setup_https, .fini = teardown);

static net_endpoint endpoint(void)
{
    net_endpoint ep;
    net_endpoint_init(&ep);
    ep.base_url = ts_url(srv);
    ep.retry.base_delay_ms = 10;
    return ep;
}

Test(transport_live, get_round_trip_keeps_headers_and_body)
{
    const char *body = "{\"kind\":\"PodList\",\"items\":[]}";
    ts_route_static(srv, "GET", "/api/v1/pods", 200, "application/json", body, strlen(body));
    net_endpoint ep = endpoint();
    http_request req;
    http_request_init(&req, &ep, "kubernetes", "GET", "/api/v1/pods");
    http_request_query(&req, "labelSelector", "app=my vm&x");
    http_headers_add(&req.headers, "Accept", "application/json");
    http_response resp = {0};
    mtv_err err;
    cr_assert_eq(transport_send(tp, &req, &resp, &err), 0, "%s", err.msg);
    cr_assert_eq(resp.status, 200);
    cr_assert_str_eq(resp.body.buf, body);
    cr_assert_str_eq(http_headers_get(&resp.headers, "content-type"), "application/json");
    cr_assert_eq(resp.attempts, 1);
    const ts_request *got = ts_request_at(srv, 0);
    cr_assert_str_eq(got->uri, "/api/v1/pods?labelSelector=app%3Dmy%20vm%26x");
    cr_assert_str_eq(http_headers_get(&got->headers, "Accept"), "application/json");
    http_request_free(&req);
    http_response_free(&resp);
}

static void echo(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    ts_resp_body(resp, "application/octet-stream", req->body.buf ? req->body.buf : "", req->body.len);
    ts_resp_header(resp, "X-Method", req->method);
}

Test(transport_live, binary_body_is_byte_identical_both_ways)
{
    ts_route(srv, NULL, "/echo", echo, NULL);
    unsigned char bin[1024];
    for (size_t i = 0; i < sizeof bin; i++)
        bin[i] = (unsigned char)(i * 37 + 11);
    bin[10] = 0;
    net_endpoint ep = endpoint();
    http_request req;
    http_request_init(&req, &ep, "inventory", "PUT", "/echo");
    http_request_body(&req, "application/octet-stream", bin, sizeof bin);
    http_response resp = {0};
    mtv_err err;
    cr_assert_eq(transport_send(tp, &req, &resp, &err), 0, "%s", err.msg);
    cr_assert_eq(resp.body.len, sizeof bin);
    cr_assert_eq(memcmp(resp.body.buf, bin, sizeof bin), 0);
    cr_assert_str_eq(http_headers_get(&resp.headers, "X-Method"), "PUT");
    http_request_free(&req);
    http_response_free(&resp);
}

static void gz(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    (void)req;
    const char *text = "compressed payload, compressed payload, compressed payload";
    ts_resp_body(resp, "text/plain", text, strlen(text));
    resp->gzip = 1;
}

Test(transport_live, gzip_response_is_decoded_and_header_kept)
{
    ts_route(srv, "GET", "/gz", gz, NULL);
    net_endpoint ep = endpoint();
    http_request req;
    http_request_init(&req, &ep, "jira", "GET", "/gz");
    http_response resp = {0};
    mtv_err err;
    cr_assert_eq(transport_send(tp, &req, &resp, &err), 0, "%s", err.msg);
    cr_assert_str_eq(resp.body.buf, "compressed payload, compressed payload, compressed payload");
    cr_assert_str_eq(http_headers_get(&resp.headers, "Content-Encoding"), "gzip");
    cr_assert(tu_contains(http_headers_get(&ts_request_at(srv, 0)->headers, "Accept-Encoding"),
                          strlen(http_headers_get(&ts_request_at(srv, 0)->headers, "Accept-Encoding")),
                          "gzip"));
    http_request_free(&req);
    http_response_free(&resp);
}

Test(transport_live, bearer_basic_and_cookie_auth_are_sent_and_registered)
{
    ts_route_static(srv, NULL, "/auth", 200, "text/plain", "ok", 2);
    net_endpoint ep = endpoint();
    ep.auth = NET_AUTH_BEARER;
    ep.token = "sha256~bearer-token-value-1234";
    http_request req;
    http_response resp = {0};
    mtv_err err;
    http_request_init(&req, &ep, "kubernetes", "GET", "/auth");
    cr_assert_eq(transport_send(tp, &req, &resp, &err), 0, "%s", err.msg);
    http_request_free(&req);
    http_response_free(&resp);
    ep.auth = NET_AUTH_BASIC;
    ep.username = "admin";
    ep.password = "basic-pass-9876";
    http_request_init(&req, &ep, "jira", "GET", "/auth");
    cr_assert_eq(transport_send(tp, &req, &resp, &err), 0, "%s", err.msg);
    http_request_free(&req);
    http_response_free(&resp);
    ep.auth = NET_AUTH_COOKIE;
    ep.cookie = "vmware_soap_session=\"52c1-cookie-value\"";
    http_request_init(&req, &ep, "vsphere", "POST", "/auth");
    cr_assert_eq(transport_send(tp, &req, &resp, &err), 0, "%s", err.msg);
    http_request_free(&req);
    http_response_free(&resp);

    cr_assert_str_eq(http_headers_get(&ts_request_at(srv, 0)->headers, "Authorization"),
                     "Bearer sha256~bearer-token-value-1234");
    cr_assert_str_eq(http_headers_get(&ts_request_at(srv, 1)->headers, "Authorization"),
                     "Basic YWRtaW46YmFzaWMtcGFzcy05ODc2");
    cr_assert_str_eq(http_headers_get(&ts_request_at(srv, 2)->headers, "Cookie"),
                     "vmware_soap_session=\"52c1-cookie-value\"");
    const char *probe = "x sha256~bearer-token-value-1234 basic-pass-9876 \"52c1-cookie-value\"";
    cr_assert_not_null(secrets_find(reg, probe, strlen(probe), NULL));
    strbuf masked = STRBUF_INIT;
    cr_assert_eq(secrets_mask(reg, probe, strlen(probe), &masked), 3);
    sb_release(&masked);
}

Test(transport_live, connection_refused_is_an_environment_error)
{
    net_endpoint ep = endpoint();
    ep.base_url = "http://127.0.0.1:1";
    ep.retry.max_attempts = 2;
    ep.retry.base_delay_ms = 1;
    http_request req;
    http_request_init(&req, &ep, "inventory", "GET", "/x");
    http_response resp = {0};
    mtv_err err;
    cr_assert_eq(transport_send(tp, &req, &resp, &err), -1);
    cr_assert_eq(err.exit_code, MTV_EXIT_ENV);
    cr_assert(strstr(err.msg, "127.0.0.1:1"), "%s", err.msg);
    cr_assert_eq(resp.attempts, 2);
    http_request_free(&req);
    http_response_free(&resp);
}

Test(transport_live, proxy_environment_is_honoured)
{
    ts_route_static(srv, "GET", "*", 200, "text/plain", "via proxy", 9);
    setenv("http_proxy", ts_url(srv), 1);
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
    http_request req;
    http_request_init(&req, NULL, "jira", "GET", "http://jira.proxy-test.invalid/rest/api/2/myself");
    http_response resp = {0};
    mtv_err err;
    cr_assert_eq(transport_send(tp, &req, &resp, &err), 0, "%s", err.msg);
    cr_assert_str_eq(resp.body.buf, "via proxy");
    cr_assert(strstr(ts_request_at(srv, 0)->uri, "jira.proxy-test.invalid/rest/api/2/myself"),
              "proxy saw %s", ts_request_at(srv, 0)->uri);
    http_request_free(&req);
    http_response_free(&resp);
}

/* ---- streams ---------------------------------------------------------------- */

static void watch(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    (void)req;
    ts_resp_header(resp, "Content-Type", "application/json");
    ts_resp_frame(resp, 0, "{\"type\":\"ADDED\",\"object\":{\"n\":1}}\n", 34);
    /* one event split across two chunks, then two in one chunk */
    ts_resp_frame(resp, 20, "{\"type\":\"MODIFIED\",", 19);
    ts_resp_frame(resp, 20, "\"object\":{\"n\":2}}\n{\"type\":\"DELETED\",\"object\":{\"n\":3}}\n", 54);
    ts_resp_frame(resp, 0, "{\"type\":\"BOOKMARK\",\"object\":{\"n\":4}}", 36);
}

typedef struct frames {
    strbuf all;
    int count, stop_after;
    atomic_int *cancel;
} frames;

static int on_frame(void *ud, const char *data, size_t n)
{
    frames *f = ud;
    sb_add(&f->all, data, n);
    sb_addc(&f->all, '|');
    f->count++;
    if (f->cancel && f->count == f->stop_after)
        atomic_store(f->cancel, 1);
    return f->stop_after && !f->cancel && f->count >= f->stop_after;
}

Test(transport_live, watch_stream_delivers_one_frame_per_line)
{
    ts_route(srv, "GET", "/watch", watch, NULL);
    net_endpoint ep = endpoint();
    http_request req;
    http_request_init(&req, &ep, "kubernetes", "GET", "/watch");
    http_response resp = {0};
    frames f = {0};
    mtv_err err;
    cr_assert_eq(transport_stream(tp, &req, NET_FRAMES_LINES, on_frame, &f, &resp, &err), 0, "%s", err.msg);
    cr_assert_eq(f.count, 4);
    cr_assert_str_eq(f.all.buf,
                     "{\"type\":\"ADDED\",\"object\":{\"n\":1}}|{\"type\":\"MODIFIED\",\"object\":{\"n\":2}}|"
                     "{\"type\":\"DELETED\",\"object\":{\"n\":3}}|{\"type\":\"BOOKMARK\",\"object\":{\"n\":4}}|");
    cr_assert_eq(resp.body.len, 0);
    cr_assert_eq(resp.status, 200);
    sb_release(&f.all);
    http_request_free(&req);
    http_response_free(&resp);
}

Test(transport_live, stream_stops_when_the_callback_says_so)
{
    ts_route(srv, "GET", "/watch", watch, NULL);
    net_endpoint ep = endpoint();
    http_request req;
    http_request_init(&req, &ep, "kubernetes", "GET", "/watch");
    http_response resp = {0};
    frames f = {.stop_after = 2};
    mtv_err err;
    cr_assert_eq(transport_stream(tp, &req, NET_FRAMES_LINES, on_frame, &f, &resp, &err), 0, "%s", err.msg);
    cr_assert_eq(f.count, 2);
    cr_assert_eq(resp.attempts, 1);
    sb_release(&f.all);
    http_request_free(&req);
    http_response_free(&resp);
}

Test(transport_live, stream_cancel_flag_stops_it)
{
    ts_route(srv, "GET", "/watch", watch, NULL);
    net_endpoint ep = endpoint();
    atomic_int cancel = 0;
    http_request req;
    http_request_init(&req, &ep, "kubernetes", "GET", "/watch");
    req.cancel = &cancel;
    http_response resp = {0};
    frames f = {.stop_after = 1, .cancel = &cancel};
    mtv_err err;
    cr_assert_eq(transport_stream(tp, &req, NET_FRAMES_LINES, on_frame, &f, &resp, &err), 0, "%s", err.msg);
    cr_assert_lt(f.count, 4);
    sb_release(&f.all);
    http_request_free(&req);
    http_response_free(&resp);
}

Test(transport_live, stream_error_status_collects_the_body)
{
    const char *gone = "{\"kind\":\"Status\",\"code\":410,\"reason\":\"Expired\"}";
    ts_route_static(srv, "GET", "/watch", 410, "application/json", gone, strlen(gone));
    net_endpoint ep = endpoint();
    http_request req;
    http_request_init(&req, &ep, "kubernetes", "GET", "/watch");
    http_response resp = {0};
    frames f = {0};
    mtv_err err;
    cr_assert_eq(transport_stream(tp, &req, NET_FRAMES_LINES, on_frame, &f, &resp, &err), 0, "%s", err.msg);
    cr_assert_eq(resp.status, 410);
    cr_assert_eq(f.count, 0);
    cr_assert_str_eq(resp.body.buf, gone);
    http_request_free(&req);
    http_response_free(&resp);
}

/* ---- threads ------------------------------------------------------------------ */

typedef struct worker {
    net_endpoint *ep;
    int ok;
} worker;

static void *send_many(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < 20; i++) {
        http_request req;
        http_request_init(&req, w->ep, "inventory", "GET", "/echo");
        http_response resp = {0};
        mtv_err err;
        if (transport_send(tp, &req, &resp, &err) == 0 && resp.status == 200)
            w->ok++;
        http_request_free(&req);
        http_response_free(&resp);
    }
    return NULL;
}

Test(transport_live, many_threads_share_one_transport)
{
    ts_route(srv, NULL, "/echo", echo, NULL);
    net_endpoint ep = endpoint();
    pthread_t th[4];
    worker w[4] = {{&ep, 0}, {&ep, 0}, {&ep, 0}, {&ep, 0}};
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, send_many, &w[i]);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(w[i].ok, 20);
    cr_assert_eq(ts_count(srv), 80);
}

/* ---- retries (virtual clock: waits are measured, not slept) ------------------- */

Test(transport_retry, retries_503_then_succeeds_with_capped_retry_after)
{
    ts_script_step steps[] = {
        {503, "Retry-After", "120", "{\"busy\":true}", 0},
        {429, "Retry-After", "1", NULL, 0},
        {200, NULL, NULL, "{\"ok\":true}", 0},
    };
    ts_route_script(srv, "GET", "/flaky", steps, 3);
    net_endpoint ep = endpoint();
    ep.retry.max_retry_after_ms = 2000;
    http_request req;
    http_request_init(&req, &ep, "inventory", "GET", "/flaky");
    http_response resp = {0};
    mtv_err err;
    int64_t before = clock_mono_ms(vclock);
    cr_assert_eq(transport_send(tp, &req, &resp, &err), 0, "%s", err.msg);
    cr_assert_eq(resp.status, 200);
    cr_assert_eq(resp.attempts, 3);
    cr_assert_eq(ts_count_path(srv, "/flaky"), 3);
    /* 120 s capped to 2 s, then 1 s: exactly 3 s of (virtual) waiting */
    cr_assert_eq(clock_mono_ms(vclock) - before, 3000);
    http_request_free(&req);
    http_response_free(&resp);
}

Test(transport_retry, backoff_grows_and_stays_within_jitter_bounds)
{
    ts_script_step steps[] = {{502, NULL, NULL, NULL, 0}};
    ts_route_script(srv, "GET", "/down", steps, 1);
    net_endpoint ep = endpoint();
    ep.retry.max_attempts = 4;
    ep.retry.base_delay_ms = 1000;
    ep.retry.max_delay_ms = 3000;
    http_request req;
    http_request_init(&req, &ep, "inventory", "GET", "/down");
    http_response resp = {0};
    mtv_err err;
    int64_t before = clock_mono_ms(vclock);
    cr_assert_eq(transport_send(tp, &req, &resp, &err), 0, "%s", err.msg);
    cr_assert_eq(resp.status, 502);
    cr_assert_eq(resp.attempts, 4);
    /* delays 1000, 2000, 3000 (capped), each with equal jitter: [d/2, d] */
    int64_t waited = clock_mono_ms(vclock) - before;
    cr_assert_geq(waited, 500 + 1000 + 1500);
    cr_assert_leq(waited, 1000 + 2000 + 3000);
    http_request_free(&req);
    http_response_free(&resp);
}

Test(transport_retry, post_is_retried_only_when_marked_safe)
{
    ts_script_step steps[] = {{503, NULL, NULL, NULL, 0}, {201, NULL, NULL, "{}", 0}};
    ts_route_script(srv, "POST", "/create", steps, 2);
    net_endpoint ep = endpoint();
    http_request req;
    http_request_init(&req, &ep, "kubernetes", "POST", "/create");
    http_request_body(&req, "application/json", "{}", 2);
    http_response resp = {0};
    mtv_err err;
    cr_assert_eq(transport_send(tp, &req, &resp, &err), 0, "%s", err.msg);
    cr_assert_eq(resp.status, 503);
    cr_assert_eq(resp.attempts, 1);
    req.retry_safe = 1;
    cr_assert_eq(transport_send(tp, &req, &resp, &err), 0, "%s", err.msg);
    cr_assert_eq(resp.status, 201);
    cr_assert_eq(resp.attempts, 1);   /* the script moved on: second call got 201 */
    cr_assert_eq(ts_count_path(srv, "/create"), 2);
    http_request_free(&req);
    http_response_free(&resp);
}

Test(transport_retry, dropped_connection_is_retried)
{
    ts_script_step steps[] = {{0, NULL, NULL, NULL, 1}, {200, NULL, NULL, "{\"n\":1}", 0}};
    ts_route_script(srv, "GET", "/drop", steps, 2);
    net_endpoint ep = endpoint();
    http_request req;
    http_request_init(&req, &ep, "ovirt", "GET", "/drop");
    http_response resp = {0};
    mtv_err err;
    cr_assert_eq(transport_send(tp, &req, &resp, &err), 0, "%s", err.msg);
    cr_assert_eq(resp.status, 200);
    cr_assert_eq(resp.attempts, 2);
    http_request_free(&req);
    http_response_free(&resp);
}

/* ---- TLS ------------------------------------------------------------------------ */

Test(transport_tls, unknown_ca_fails_with_a_clear_message)
{
    ts_route_static(srv, "GET", "/version", 200, "application/json", "{}", 2);
    net_endpoint ep = endpoint();
    http_request req;
    http_request_init(&req, &ep, "kubernetes", "GET", "/version");
    http_response resp = {0};
    mtv_err err;
    cr_assert_eq(transport_send(tp, &req, &resp, &err), -1);
    cr_assert_eq(err.exit_code, MTV_EXIT_ENV);
    cr_assert(strstr(err.msg, "TLS verification of https://127.0.0.1:"), "%s", err.msg);
    cr_assert(strstr(err.msg, "insecure"), "%s", err.msg);
    cr_assert_eq(resp.attempts, 1, "a TLS failure is not retried");
    cr_assert_eq(ts_count(srv), 0);
    http_request_free(&req);
    http_response_free(&resp);
}

Test(transport_tls, trusted_ca_from_pem_or_file_and_explicit_insecure_work)
{
    ts_route_static(srv, "GET", "/version", 200, "application/json", "{\"v\":1}", 7);
    mtv_err err;
    for (int mode = 0; mode < 3; mode++) {
        net_endpoint ep = endpoint();
        if (mode == 0)
            ep.tls.ca_pem = ts_ca_pem(srv);
        else if (mode == 1)
            ep.tls.ca_file = ts_ca_file(srv);
        else
            ep.tls.insecure = 1;
        http_request req;
        http_request_init(&req, &ep, "kubernetes", "GET", "/version");
        http_response resp = {0};
        cr_assert_eq(transport_send(tp, &req, &resp, &err), 0, "mode %d: %s", mode, err.msg);
        cr_assert_str_eq(resp.body.buf, "{\"v\":1}");
        http_request_free(&req);
        http_response_free(&resp);
    }
}

Test(transport_tls, bytestream_to_a_plain_route_reports_the_refusal)
{
    ts_route_static(srv, "GET", "/exec", 404, "application/json",
                    "{\"kind\":\"Status\",\"message\":\"no such VMI\"}", 41);
    net_endpoint ep = endpoint();
    ep.tls.ca_pem = ts_ca_pem(srv);
    http_request req;
    http_request_init(&req, &ep, "kubernetes", "GET", "/exec");
    net_bytestream *bs = (net_bytestream *)1;
    http_response resp = {0};
    enum net_failure failure = NET_FAIL_OTHER;
    mtv_err err;
    cr_assert_eq(transport_open_bytestream(tp, &req, "plain.kubevirt.io", &bs, &resp, &failure, &err), -1);
    cr_assert_null(bs);
    cr_assert_eq(resp.status, 404);
    cr_assert_eq(failure, NET_OK);
    cr_assert(strstr(err.msg, "refused the upgrade: 404"), "%s", err.msg);
    cr_assert(strstr(err.msg, "no such VMI"), "%s", err.msg);
    http_request_free(&req);
    http_response_free(&resp);
}

static void slow(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    (void)req;
    ts_resp_header(resp, "Content-Type", "application/json");
    ts_resp_frame(resp, 2000, "{}", 2);
}

Test(transport_live, total_timeout_is_an_environment_error_and_retried)
{
    ts_route(srv, "GET", "/slow", slow, NULL);
    net_endpoint ep = endpoint();
    ep.total_timeout_ms = 200;
    ep.retry.max_attempts = 2;
    ep.retry.base_delay_ms = 1;
    http_request req;
    http_request_init(&req, &ep, "inventory", "GET", "/slow");
    http_response resp = {0};
    mtv_err err;
    cr_assert_eq(transport_send(tp, &req, &resp, &err), -1);
    cr_assert_eq(err.exit_code, MTV_EXIT_ENV);
    cr_assert(strstr(err.msg, "did not answer in time"), "%s", err.msg);
    cr_assert(strstr(err.msg, "limit 200 ms"), "%s", err.msg);
    cr_assert_eq(resp.attempts, 2);
    http_request_free(&req);
    http_response_free(&resp);
}

Test(transport_live, credentials_in_a_url_never_reach_an_error_message)
{
    http_request req;
    http_request_init(&req, NULL, "jira", "GET", "http://bob:Hunter2-url-pass@127.0.0.1:1/rest");
    net_endpoint ep;
    net_endpoint_init(&ep);
    ep.retry.max_attempts = 1;
    req.endpoint = &ep;
    http_response resp = {0};
    mtv_err err;
    cr_assert_eq(transport_send(tp, &req, &resp, &err), -1);
    cr_assert(strstr(err.msg, "http://127.0.0.1:1"), "%s", err.msg);
    cr_assert_null(strstr(err.msg, "Hunter2"), "%s", err.msg);
    http_request_free(&req);
    http_response_free(&resp);
}

static void setup_mtls(void) { open_live(TS_HTTPS | TS_CLIENT_CERT, 0); }
TestSuite(transport_mtls, .init = setup_mtls, .fini = teardown);

Test(transport_mtls, client_certificate_from_pem_data_or_files)
{
    ts_route_static(srv, "GET", "/api", 200, "application/json", "{\"mtls\":true}", 13);
    mtv_err err;
    for (int mode = 0; mode < 3; mode++) {
        net_endpoint ep = endpoint();
        ep.tls.ca_pem = ts_ca_pem(srv);
        if (mode == 1) {
            ep.tls.cert_pem = ts_client_cert_pem(srv);
            ep.tls.key_pem = ts_client_key_pem(srv);
        } else if (mode == 2) {
            ep.tls.cert_file = ts_client_cert_file(srv);
            ep.tls.key_file = ts_client_key_file(srv);
        }
        http_request req;
        http_request_init(&req, &ep, "kubernetes", "GET", "/api");
        http_response resp = {0};
        int rc = transport_send(tp, &req, &resp, &err);
        /* without a certificate the server refuses (403, or the handshake) */
        if (mode == 0)
            cr_assert(rc < 0 || resp.status == 403, "mode 0: rc %d status %ld", rc, resp.status);
        else {
            cr_assert_eq(rc, 0, "mode %d: %s", mode, err.msg);
            cr_assert_eq(resp.status, 200, "mode %d", mode);
            cr_assert_str_eq(resp.body.buf, "{\"mtls\":true}");
        }
        http_request_free(&req);
        http_response_free(&resp);
    }
    /* the key PEM is a secret of the transport from the moment it is used */
    cr_assert_not_null(secrets_find(reg, ts_client_key_pem(srv), strlen(ts_client_key_pem(srv)), NULL));
}
