/* Unit tests for net/websocket against the loopback WebSocket peer
 * (tests/support/wspeer.h, whose frame codec is independent of ours): the
 * upgrade over HTTP and HTTPS with bearer auth and subprotocol, masking seen
 * server-side, frames split across reads and fragmented, pings both ways,
 * the close handshake, refusals with the Status message, TLS verification,
 * protocol faults, timeouts, shutdown, and the transport's bytestream seam
 * in every mode. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/transport.h"
#include "net/websocket.h"
#include "net/ws_frame.h"
#include "testutil.h"
#include "wspeer.h"

#define TOKEN "sha256~ws-test-token-0123"
#define VMI_PATH "/apis/subresources.kubevirt.io/v1/namespaces/mtv-tests/virtualmachineinstances/rhel9/portforward/22"

static net_engine *eng;
static mtv_clock *clk;
static wsp *peer;

static void setup(void)
{
    eng = net_engine_new();
    clk = clock_new_real();
}

static void teardown(void)
{
    wsp_stop(peer);
    peer = NULL;
    net_engine_free(eng);
    clock_free(clk);
}

TestSuite(websocket, .init = setup, .fini = teardown, .timeout = 60);

static net_endpoint ep_for(int https)
{
    net_endpoint ep;
    net_endpoint_init(&ep);
    ep.base_url = wsp_url(peer);
    if (https)
        ep.tls.ca_pem = ts_ca_pem(wsp_server(peer));
    return ep;
}

static int open_ws(const net_endpoint *ep, const char *path, const char *token, const ws_options *o,
                   ws_conn **c, http_response *resp, enum net_failure *failure, mtv_err *err)
{
    http_request req;
    http_request_init(&req, ep, "kubernetes", "GET", path);
    if (token) {
        strbuf h = STRBUF_INIT;
        sb_addf(&h, "Bearer %s", token);
        http_headers_add(&req.headers, "Authorization", h.buf);
        sb_release(&h);
    }
    ws_options def = {.subprotocol = WS_PROTOCOL_KUBEVIRT, .clock = clk};
    int rc = ws_connect(eng, &req, o ? o : &def, c, resp, failure, err);
    http_request_free(&req);
    return rc;
}

/* Reads exactly n bytes (or fails the test). */
static void read_exactly(ws_conn *c, strbuf *into, size_t n)
{
    char buf[4096];
    while (into->len < n) {
        mtv_err err;
        ssize_t k = ws_read(c, buf, sizeof buf, &err);
        cr_assert_gt(k, 0, "read ended after %zu of %zu bytes: %s", into->len, n, k < 0 ? err.msg : "eof");
        sb_add(into, buf, (size_t)k);
    }
}

static void echo_round_trip(int https)
{
    wsp_config cfg = {.token = TOKEN};
    peer = wsp_start(https ? TS_HTTPS : TS_HTTP, &cfg);
    net_endpoint ep = ep_for(https);
    ws_conn *c = NULL;
    mtv_err err;
    http_response resp = {0};
    cr_assert_eq(open_ws(&ep, VMI_PATH, TOKEN, NULL, &c, &resp, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(resp.status, 101);
    cr_assert_str_eq(ws_subprotocol(c), "plain.kubevirt.io");
    cr_assert_str_eq(wsp_last_path(peer), VMI_PATH);
    const char *msgs[] = {"SSH-2.0-test\r\n", "second", "third message"};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(ws_write(c, WS_OP_BINARY, msgs[i], strlen(msgs[i]), &err), 0, "%s", err.msg);
        strbuf got = STRBUF_INIT;
        read_exactly(c, &got, strlen(msgs[i]));
        cr_assert_str_eq(got.buf, msgs[i]);
        sb_release(&got);
    }
    cr_assert_eq(ws_close(c, WS_CLOSE_NORMAL, "bye", &err), 0, "%s", err.msg);
    cr_assert_eq(ws_peer_close_code(c), 1000, "the server answered our close");
    ws_free(c);
    wsp_stats *st = wsp_get_stats(peer);
    cr_assert_eq(atomic_load(&st->unmasked_in), 0, "every client frame is masked");
    cr_assert_geq(atomic_load(&st->frames_in), 4);
    cr_assert_geq(atomic_load(&st->mask_changes), 2, "each frame gets a fresh mask key");
    cr_assert_eq(atomic_load(&st->close_in), 1000);
    cr_assert_eq(atomic_load(&st->bad_frames), 0);
    http_response_free(&resp);
}

Test(websocket, echo_over_http_with_bearer_and_subprotocol)
{
    echo_round_trip(0);
}

Test(websocket, echo_over_https_verified_with_the_ca)
{
    echo_round_trip(1);
}

Test(websocket, tls_verification_failure_is_clear_and_insecure_is_explicit)
{
    wsp_config cfg = {0};
    peer = wsp_start(TS_HTTPS, &cfg);
    net_endpoint ep = ep_for(0);   /* no CA: the test CA is unknown */
    ws_conn *c = NULL;
    mtv_err err;
    enum net_failure failure = NET_OK;
    http_response resp = {0};
    cr_assert_eq(open_ws(&ep, VMI_PATH, NULL, NULL, &c, &resp, &failure, &err), -1);
    cr_assert_null(c);
    cr_assert_eq(failure, NET_FAIL_TLS);
    cr_assert_eq(resp.status, 0);
    cr_assert(strstr(err.msg, "TLS verification"), "%s", err.msg);
    cr_assert(strstr(err.msg, VMI_PATH), "the message names the tunnel: %s", err.msg);
    cr_assert_eq(atomic_load(&wsp_get_stats(peer)->sessions), 0);
    ep.tls.insecure = 1;
    cr_assert_eq(open_ws(&ep, VMI_PATH, NULL, NULL, &c, NULL, NULL, &err), 0, "%s", err.msg);
    ws_free(c);
    http_response_free(&resp);
}

Test(websocket, client_certificates_as_for_every_request)
{
    wsp_config cfg = {0};
    peer = wsp_start(TS_HTTPS | TS_CLIENT_CERT, &cfg);
    net_endpoint ep = ep_for(1);
    ws_conn *c = NULL;
    mtv_err err;
    http_response resp = {0};
    int rc = open_ws(&ep, VMI_PATH, NULL, NULL, &c, &resp, NULL, &err);
    cr_assert(rc < 0, "no certificate, no tunnel");
    cr_assert(resp.status == 403 || resp.status == 0, "status %ld: %s", resp.status, err.msg);
    http_response_free(&resp);
    ep.tls.cert_pem = ts_client_cert_pem(wsp_server(peer));
    ep.tls.key_pem = ts_client_key_pem(wsp_server(peer));
    cr_assert_eq(open_ws(&ep, VMI_PATH, NULL, NULL, &c, NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(ws_write(c, WS_OP_BINARY, "mtls", 4, &err), 0, "%s", err.msg);
    strbuf got = STRBUF_INIT;
    read_exactly(c, &got, 4);
    cr_assert_str_eq(got.buf, "mtls");
    ws_free(c);
    sb_release(&got);
}

Test(websocket, split_and_fragmented_frames_and_a_server_ping)
{
    wsp_config cfg = {.split = 7, .fragment = 100, .ping_first = 1};
    peer = wsp_start(TS_HTTP, &cfg);
    net_endpoint ep = ep_for(0);
    ws_conn *c = NULL;
    mtv_err err;
    cr_assert_eq(open_ws(&ep, VMI_PATH, NULL, NULL, &c, NULL, NULL, &err), 0, "%s", err.msg);
    strbuf msg = STRBUF_INIT, got = STRBUF_INIT;
    for (int i = 0; i < 3000; i++)
        sb_addc(&msg, (char)('a' + i % 26));
    cr_assert_eq(ws_write(c, WS_OP_BINARY, msg.buf, msg.len, &err), 0, "%s", err.msg);
    read_exactly(c, &got, msg.len);
    cr_assert_eq(memcmp(got.buf, msg.buf, msg.len), 0, "30 fragments of 7-byte pieces join up");
    cr_assert_eq(ws_pings_received(c), 1);
    ws_close(c, WS_CLOSE_NORMAL, NULL, &err);
    ws_free(c);
    cr_assert_eq(atomic_load(&wsp_get_stats(peer)->pongs_ok), 1, "the pong echoed the ping's payload");
    sb_release(&msg);
    sb_release(&got);
}

Test(websocket, large_writes_are_split_into_frames)
{
    wsp_config cfg = {0};
    peer = wsp_start(TS_HTTP, &cfg);
    net_endpoint ep = ep_for(0);
    ws_options o = {.subprotocol = WS_PROTOCOL_KUBEVIRT, .clock = clk, .max_frame = 1000};
    ws_conn *c = NULL;
    mtv_err err;
    cr_assert_eq(open_ws(&ep, VMI_PATH, NULL, &o, &c, NULL, NULL, &err), 0, "%s", err.msg);
    strbuf msg = STRBUF_INIT, got = STRBUF_INIT;
    for (int i = 0; i < 10500; i++)
        sb_addc(&msg, (char)(i * 31));
    cr_assert_eq(ws_write(c, WS_OP_BINARY, msg.buf, msg.len, &err), 0, "%s", err.msg);
    read_exactly(c, &got, msg.len);
    cr_assert_eq(memcmp(got.buf, msg.buf, msg.len), 0);
    cr_assert_eq(atomic_load(&wsp_get_stats(peer)->frames_in), 11, "10500 bytes in frames of 1000");
    ws_free(c);
    sb_release(&msg);
    sb_release(&got);
}

typedef struct pump_writer {
    ws_conn *c;
    int messages;
    size_t size;
    int failed;
} pump_writer;

static void *write_many(void *ud)
{
    pump_writer *w = ud;
    char *buf = malloc(w->size);
    memset(buf, 'p', w->size);
    mtv_err err;
    for (int i = 0; i < w->messages && !w->failed; i++)
        if (ws_write(w->c, WS_OP_BINARY, buf, w->size, &err) < 0)
            w->failed = 1;
    free(buf);
    return NULL;
}

Test(websocket, pings_while_a_writer_is_busy_are_all_answered)
{
    wsp_config cfg = {.ping_each_message = 1};
    /* plain HTTP: the test server's TLS upgrade pump moves these 4 MB too
     * slowly for a sanitizer build on a busy machine */
    peer = wsp_start(TS_HTTP, &cfg);
    net_endpoint ep = ep_for(0);
    ws_conn *c = NULL;
    mtv_err err;
    cr_assert_eq(open_ws(&ep, VMI_PATH, NULL, NULL, &c, NULL, NULL, &err), 0, "%s", err.msg);
    pump_writer w = {c, 200, 20000, 0};
    pthread_t th;
    pthread_create(&th, NULL, write_many, &w);
    char *buf = malloc(65536);
    size_t want = (size_t)w.messages * w.size, got = 0;
    while (got < want) {
        ssize_t k = ws_read(c, buf, 65536, &err);
        cr_assert_gt(k, 0, "after %zu of %zu bytes: %s", got, want, k < 0 ? err.msg : "eof");
        got += (size_t)k;
    }
    pthread_join(th, NULL);
    cr_assert_not(w.failed);
    cr_assert_eq(ws_pings_received(c), 200);
    /* a pong left for the writer goes out with its next frame; the close is one */
    cr_assert_eq(ws_close(c, WS_CLOSE_NORMAL, NULL, &err), 0, "%s", err.msg);
    ws_free(c);
    wsp_stats *st = wsp_get_stats(peer);
    for (int i = 0; i < 3000 && !atomic_load(&st->close_in); i++)
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    cr_assert_gt(atomic_load(&st->pongs_ok), 0);
    cr_assert_leq(atomic_load(&st->pongs_ok), 200);
    cr_assert_eq(atomic_load(&st->bad_frames), 0);
    free(buf);
}

Test(websocket, client_ping_gets_a_pong)
{
    wsp_config cfg = {0};
    peer = wsp_start(TS_HTTP, &cfg);
    net_endpoint ep = ep_for(0);
    ws_conn *c = NULL;
    mtv_err err;
    cr_assert_eq(open_ws(&ep, VMI_PATH, NULL, NULL, &c, NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(ws_ping(c, "keepalive", 9, &err), 0, "%s", err.msg);
    cr_assert_eq(ws_write(c, WS_OP_BINARY, "x", 1, &err), 0);
    strbuf got = STRBUF_INIT;
    read_exactly(c, &got, 1);
    cr_assert_eq(ws_pongs_received(c), 1, "the pong came before the echo");
    cr_assert_eq(atomic_load(&wsp_get_stats(peer)->pings_in), 1);
    char big[126] = {0};
    cr_assert_eq(ws_ping(c, big, sizeof big, &err), -1);
    ws_free(c);
    sb_release(&got);
}

static void expect_refusal(const char *token, const char *path, long status, const char *words)
{
    net_endpoint ep = ep_for(0);
    ws_conn *c = NULL;
    mtv_err err;
    http_response resp = {0};
    enum net_failure failure = NET_FAIL_OTHER;
    cr_assert_eq(open_ws(&ep, path, token, NULL, &c, &resp, &failure, &err), -1);
    cr_assert_null(c);
    cr_assert_eq(resp.status, status, "%s", err.msg);
    cr_assert_eq(failure, NET_OK, "an answer came");
    cr_assert(strstr(err.msg, "refused the upgrade"), "%s", err.msg);
    cr_assert(strstr(err.msg, words), "'%s' not in: %s", words, err.msg);
    http_response_free(&resp);
}

Test(websocket, refusals_carry_the_status_and_the_kubernetes_message)
{
    wsp_config cfg = {.token = TOKEN, .known_vm = "rhel9"};
    peer = wsp_start(TS_HTTP, &cfg);
    expect_refusal(NULL, VMI_PATH, 401, "401 Unauthorized: Unauthorized");
    expect_refusal("wrong-token-value", VMI_PATH, 403, "cannot get resource \"virtualmachineinstances/portforward\"");
    expect_refusal(TOKEN, "/apis/subresources.kubevirt.io/v1/namespaces/mtv-tests/virtualmachineinstances/gone/portforward/22",
                   404, "virtualmachineinstance.kubevirt.io \"gone\" not found");
    cr_assert_eq(atomic_load(&wsp_get_stats(peer)->sessions), 0);
}

Test(websocket, bad_handshake_answers_are_refused)
{
    wsp_config cfg = {.wrong_accept = 1};
    peer = wsp_start(TS_HTTP, &cfg);
    net_endpoint ep = ep_for(0);
    ws_conn *c = NULL;
    mtv_err err;
    cr_assert_eq(open_ws(&ep, VMI_PATH, NULL, NULL, &c, NULL, NULL, &err), -1);
    cr_assert(strstr(err.msg, "Sec-WebSocket-Accept"), "%s", err.msg);
}

Test(websocket, a_server_without_the_subprotocol_is_accepted_and_reported)
{
    wsp_config cfg = {.omit_subprotocol = 1};
    peer = wsp_start(TS_HTTP, &cfg);
    net_endpoint ep = ep_for(0);
    ws_conn *c = NULL;
    mtv_err err;
    cr_assert_eq(open_ws(&ep, VMI_PATH, NULL, NULL, &c, NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_str_eq(ws_subprotocol(c), "");
    ws_free(c);
}

Test(websocket, masked_server_frames_are_a_protocol_error)
{
    wsp_config cfg = {.mask_server_frames = 1};
    peer = wsp_start(TS_HTTP, &cfg);
    net_endpoint ep = ep_for(0);
    ws_conn *c = NULL;
    mtv_err err;
    cr_assert_eq(open_ws(&ep, VMI_PATH, NULL, NULL, &c, NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(ws_write(c, WS_OP_BINARY, "hi", 2, &err), 0);
    char buf[16];
    cr_assert_eq(ws_read(c, buf, sizeof buf, &err), -1);
    cr_assert(strstr(err.msg, "server frame is masked"), "%s", err.msg);
    cr_assert_eq(ws_read(c, buf, sizeof buf, &err), -1, "the failure sticks");
    ws_free(c);
    /* we told the server why */
    for (int i = 0; i < 3000 && !atomic_load(&wsp_get_stats(peer)->close_in); i++)
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    cr_assert_eq(atomic_load(&wsp_get_stats(peer)->close_in), WS_CLOSE_PROTOCOL);
}

Test(websocket, a_server_close_with_an_error_code_fails_the_read_with_its_reason)
{
    wsp_config cfg = {.close_after_messages = 1, .close_code = 1011, .close_reason = "virt-handler: boom"};
    peer = wsp_start(TS_HTTP, &cfg);
    net_endpoint ep = ep_for(0);
    ws_conn *c = NULL;
    mtv_err err;
    cr_assert_eq(open_ws(&ep, VMI_PATH, NULL, NULL, &c, NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(ws_write(c, WS_OP_BINARY, "abc", 3, &err), 0);
    strbuf got = STRBUF_INIT;
    read_exactly(c, &got, 3);
    char buf[16];
    cr_assert_eq(ws_read(c, buf, sizeof buf, &err), -1);
    cr_assert(strstr(err.msg, "code 1011: virt-handler: boom"), "%s", err.msg);
    cr_assert_eq(ws_peer_close_code(c), 1011);
    cr_assert_eq(ws_write(c, WS_OP_BINARY, "x", 1, &err), -1, "nothing is sent after the close");
    ws_free(c);
    sb_release(&got);
}

Test(websocket, a_normal_server_close_is_the_end_of_the_stream)
{
    wsp_config cfg = {.close_after_messages = 1};
    peer = wsp_start(TS_HTTP, &cfg);
    net_endpoint ep = ep_for(0);
    ws_conn *c = NULL;
    mtv_err err;
    cr_assert_eq(open_ws(&ep, VMI_PATH, NULL, NULL, &c, NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(ws_write(c, WS_OP_BINARY, "abc", 3, &err), 0);
    strbuf got = STRBUF_INIT;
    read_exactly(c, &got, 3);
    char buf[16];
    cr_assert_eq(ws_read(c, buf, sizeof buf, &err), 0);
    cr_assert_eq(ws_peer_close_code(c), 1000);
    ws_free(c);
    for (int i = 0; i < 3000 && !atomic_load(&wsp_get_stats(peer)->close_in); i++)
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    cr_assert_eq(atomic_load(&wsp_get_stats(peer)->close_in), 1000, "the close was echoed");
    sb_release(&got);
}

Test(websocket, an_unreachable_target_closes_with_the_dial_error)
{
    wsp_config cfg = {.target_port = 1};   /* nothing listens on port 1 */
    peer = wsp_start(TS_HTTP, &cfg);
    net_endpoint ep = ep_for(0);
    ws_conn *c = NULL;
    mtv_err err;
    cr_assert_eq(open_ws(&ep, VMI_PATH, NULL, NULL, &c, NULL, NULL, &err), 0, "%s", err.msg);
    char buf[16];
    cr_assert_eq(ws_read(c, buf, sizeof buf, &err), -1);
    cr_assert(strstr(err.msg, "connection refused"), "%s", err.msg);
    ws_free(c);
}

Test(websocket, read_timeout)
{
    wsp_config cfg = {0};
    peer = wsp_start(TS_HTTP, &cfg);
    net_endpoint ep = ep_for(0);
    ws_options o = {.subprotocol = WS_PROTOCOL_KUBEVIRT, .clock = clk, .read_timeout_ms = 200};
    ws_conn *c = NULL;
    mtv_err err;
    cr_assert_eq(open_ws(&ep, VMI_PATH, NULL, &o, &c, NULL, NULL, &err), 0, "%s", err.msg);
    char buf[16];
    cr_assert_eq(ws_read(c, buf, sizeof buf, &err), -1);
    cr_assert(strstr(err.msg, "sent nothing for 200 ms"), "%s", err.msg);
    ws_free(c);
}

typedef struct blocked_read {
    ws_conn *c;
    ssize_t rc;
} blocked_read;

static void *reader(void *ud)
{
    blocked_read *b = ud;
    char buf[16];
    mtv_err err;
    b->rc = ws_read(b->c, buf, sizeof buf, &err);
    return NULL;
}

Test(websocket, shutdown_wakes_a_blocked_reader)
{
    wsp_config cfg = {0};
    peer = wsp_start(TS_HTTP, &cfg);
    net_endpoint ep = ep_for(0);
    ws_conn *c = NULL;
    mtv_err err;
    cr_assert_eq(open_ws(&ep, VMI_PATH, NULL, NULL, &c, NULL, NULL, &err), 0, "%s", err.msg);
    blocked_read b = {c, -2};
    pthread_t th;
    pthread_create(&th, NULL, reader, &b);
    nanosleep(&(struct timespec){0, 100000000}, NULL);
    ws_shutdown(c);
    pthread_join(th, NULL);
    cr_assert_eq(b.rc, 0);
    cr_assert_eq(ws_write(c, WS_OP_BINARY, "x", 1, &err), -1);
    cr_assert_eq(ws_close(c, WS_CLOSE_NORMAL, NULL, &err), 0, "a close still works after a shutdown: %s",
                 err.msg);
    ws_free(c);
}

Test(websocket, response_head_parser)
{
    const char *head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nX-Pad:  v  \r\n\r\n";
    http_response r = {0};
    mtv_err err;
    cr_assert_eq(ws_parse_response_head(head, strlen(head), &r, &err), 0, "%s", err.msg);
    cr_assert_eq(r.status, 101);
    cr_assert_str_eq(r.reason, "Switching Protocols");
    cr_assert_str_eq(http_headers_get(&r.headers, "x-pad"), "v");
    http_response_free(&r);
    static const char *bad[] = {"SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 1O1 x\r\n\r\n", "HTTP/1.1 101\r\nno colon\r\n\r\n",
                                "HTTP/1.1 101 OK\r\n folded: x\r\n\r\n", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        http_response b = {0};
        cr_assert_eq(ws_parse_response_head(bad[i], strlen(bad[i]), &b, &err), -1, "accepted: %s", bad[i]);
        http_response_free(&b);
    }
}

/* ---- through a proxy ---------------------------------------------------------------- */

/* A one-connection HTTP CONNECT proxy: keeps the request line it got. */
typedef struct proxy {
    int lfd, port;
    pthread_t th;
    char request_line[256];
} proxy;

static void splice_both(int a, int b)
{
    char buf[16384];
    struct pollfd p[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
    for (;;) {
        if (poll(p, 2, 5000) <= 0)
            return;
        for (int i = 0; i < 2; i++) {
            if (!p[i].revents)
                continue;
            ssize_t n = recv(p[i].fd, buf, sizeof buf, 0);
            if (n <= 0 || send(p[1 - i].fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
                return;
        }
    }
}

static void *proxy_main(void *ud)
{
    proxy *px = ud;
    int c = accept(px->lfd, NULL, NULL);
    if (c < 0)
        return NULL;
    char head[2048];
    size_t n = 0;
    while (n < sizeof head - 1 && !strstr(head, "\r\n\r\n")) {
        ssize_t k = recv(c, head + n, sizeof head - 1 - n, 0);
        if (k <= 0)
            break;
        n += (size_t)k;
        head[n] = '\0';
    }
    snprintf(px->request_line, sizeof px->request_line, "%.*s", (int)strcspn(head, "\r"), head);
    int port = 0;
    if (sscanf(head, "CONNECT 127.0.0.1:%d", &port) == 1) {
        int t = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(t, (struct sockaddr *)&a, sizeof a) == 0) {
            const char *ok = "HTTP/1.1 200 Connection established\r\n\r\n";
            send(c, ok, strlen(ok), MSG_NOSIGNAL);
            splice_both(c, t);
        }
        close(t);
    }
    close(c);
    return NULL;
}

static void proxy_start(proxy *px)
{
    px->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    cr_assert_eq(bind(px->lfd, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(px->lfd, (struct sockaddr *)&a, &len);
    listen(px->lfd, 1);
    px->port = ntohs(a.sin_port);
    pthread_create(&px->th, NULL, proxy_main, px);
}

Test(websocket, through_an_http_proxy_with_connect)
{
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
    wsp_config cfg = {.token = TOKEN};
    peer = wsp_start(TS_HTTPS, &cfg);
    proxy px = {0};
    proxy_start(&px);
    char proxy_url[64];
    snprintf(proxy_url, sizeof proxy_url, "http://127.0.0.1:%d", px.port);
    net_endpoint ep = ep_for(1);
    ep.proxy = proxy_url;
    ws_conn *c = NULL;
    mtv_err err;
    cr_assert_eq(open_ws(&ep, VMI_PATH, TOKEN, NULL, &c, NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(ws_write(c, WS_OP_BINARY, "via proxy", 9, &err), 0, "%s", err.msg);
    strbuf got = STRBUF_INIT;
    read_exactly(c, &got, 9);
    cr_assert_str_eq(got.buf, "via proxy");
    ws_close(c, WS_CLOSE_NORMAL, NULL, &err);
    ws_free(c);
    pthread_join(px.th, NULL);
    close(px.lfd);
    const char *target = strrchr(wsp_url(peer), ':');
    char want[64];
    snprintf(want, sizeof want, "CONNECT 127.0.0.1%s HTTP/1.1", target);
    cr_assert_str_eq(px.request_line, want, "TLS went through the proxy's tunnel");
    sb_release(&got);
}

/* ---- through the transport -------------------------------------------------------- */

Test(websocket, transport_bytestream_adds_the_token_and_journals_nothing)
{
    wsp_config cfg = {.token = TOKEN};
    peer = wsp_start(TS_HTTPS, &cfg);
    const char *dir = tu_tmpdir();
    strbuf journal = STRBUF_INIT;
    sb_addf(&journal, "%s/ws.journal", dir);
    secret_registry *reg = secrets_new();
    transport_config tc = {.mode = TRANSPORT_RECORD, .journal_path = journal.buf, .secrets = reg,
                           .scenario = "ws"};
    transport *t;
    mtv_err err;
    cr_assert_eq(transport_open(&t, &tc, &err), 0, "%s", err.msg);
    net_endpoint ep = ep_for(1);
    ep.auth = NET_AUTH_BEARER;
    ep.token = TOKEN;
    http_request req;
    http_request_init(&req, &ep, "kubernetes", "GET", VMI_PATH);
    net_bytestream *bs = NULL;
    cr_assert_eq(transport_open_bytestream(t, &req, WS_PROTOCOL_KUBEVIRT, &bs, NULL, NULL, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(bs->write(bs, "ping?", 5, &err), 0, "%s", err.msg);
    char buf[8];
    size_t got = 0;
    while (got < 5) {
        ssize_t k = bs->read(bs, buf + got, sizeof buf - got, &err);
        cr_assert_gt(k, 0, "%s", err.msg);
        got += (size_t)k;
    }
    cr_assert_eq(memcmp(buf, "ping?", 5), 0);
    bs->close(bs);
    http_request_free(&req);
    cr_assert_not_null(secrets_find(reg, TOKEN, strlen(TOKEN), NULL), "the token became a secret");
    transport_free(t);
    size_t n = 0;
    char *text = tu_read(journal.buf, &n);
    cr_assert_not_null(text);
    cr_assert_null(strstr(text, "portforward"), "the upgrade is not journalled");
    cr_assert_null(strstr(text, TOKEN));
    free(text);
    cr_assert_eq(atomic_load(&wsp_get_stats(peer)->close_in), 1000);
    secrets_free(reg);
    sb_release(&journal);
}

Test(websocket, replay_opens_no_tunnel)
{
    const char *dir = tu_tmpdir();
    const char *har = tu_write(dir, "empty.har",
                               "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"t\",\"version\":\"1\"},"
                               "\"entries\":[]}}");
    transport_config tc = {.mode = TRANSPORT_REPLAY, .cassette_path = har};
    transport *t;
    mtv_err err;
    cr_assert_eq(transport_open(&t, &tc, &err), 0, "%s", err.msg);
    http_request req;
    http_request_init(&req, NULL, "kubernetes", "GET", "https://127.0.0.1:1" VMI_PATH);
    net_bytestream *bs = (net_bytestream *)1;
    enum net_failure failure = NET_OK;
    cr_assert_eq(transport_open_bytestream(t, &req, WS_PROTOCOL_KUBEVIRT, &bs, NULL, &failure, &err), -1);
    cr_assert_null(bs);
    cr_assert_eq(err.exit_code, MTV_EXIT_DIVERGED);
    cr_assert(strstr(err.msg, "opens no tunnels"), "%s", err.msg);
    http_request_free(&req);
    transport_free(t);
}
