/* bench websocket: how fast the tunnel under guest SSH moves bytes. First the
 * frame codec alone (encode with masking, decode with unmasking) for the frame
 * sizes a tunnel uses; then a real connection: ws_connect to an echo server on
 * loopback (plain HTTP, in this program), writing and reading back 8 MiB.
 * Prints numbers; asserts nothing. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/engine.h"
#include "net/websocket.h"
#include "net/ws_frame.h"
#include "util/codec.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int drop(void *ud, const ws_event *ev, mtv_err *err)
{
    (void)err;
    if (ev->kind == WS_EV_DATA)
        *(size_t *)ud += ev->len;
    return 0;
}

static void codec(size_t frame)
{
    const size_t total = 64u << 20;
    uint8_t *payload = malloc(frame);
    memset(payload, 'x', frame);
    const uint8_t key[4] = {1, 2, 3, 4};
    strbuf wire = STRBUF_INIT;
    double t0 = now();
    for (size_t done = 0; done < total; done += frame)
        ws_frame_encode(&wire, 1, WS_OP_BINARY, key, payload, frame);
    double t1 = now();
    ws_decoder d;
    ws_decoder_init(&d, 1);
    size_t got = 0;
    mtv_err err;
    ws_decoder_feed(&d, (uint8_t *)wire.buf, wire.len, drop, &got, &err);
    double t2 = now();
    printf("ws codec, %6zu-byte frames: encode+mask %7.0f MB/s, decode+unmask %7.0f MB/s (%zu MB)\n", frame,
           total / 1e6 / (t1 - t0), got / 1e6 / (t2 - t1), total >> 20);
    sb_release(&wire);
    free(payload);
}

/* ---- a loopback echo server ------------------------------------------------------ */

static int echo_event(void *ud, const ws_event *ev, mtv_err *err)
{
    (void)err;
    if (ev->kind == WS_EV_DATA)
        ws_frame_encode(ud, 1, WS_OP_BINARY, NULL, ev->data, ev->len);
    return 0;
}

static void *echo_server(void *arg)
{
    int lfd = *(int *)arg;
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    char head[4096];
    size_t n = 0;
    while (n < sizeof head - 1) {
        ssize_t k = recv(fd, head + n, sizeof head - 1 - n, 0);
        if (k <= 0)
            break;
        n += (size_t)k;
        head[n] = '\0';
        if (strstr(head, "\r\n\r\n"))
            break;
    }
    const char *k = strstr(head, "Sec-WebSocket-Key: ");
    char key[64] = "";
    if (k)
        sscanf(k + 19, "%63[^\r]", key);
    strbuf in = STRBUF_INIT, acc = STRBUF_INIT, resp = STRBUF_INIT;
    sb_addf(&in, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    EVP_Digest(in.buf, in.len, md, &mdlen, EVP_sha1(), NULL);
    b64_encode(&acc, md, mdlen);
    sb_addf(&resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: plain.kubevirt.io\r\n\r\n", acc.buf);
    send(fd, resp.buf, resp.len, MSG_NOSIGNAL);
    ws_decoder d;
    ws_decoder_init(&d, 1);
    uint8_t *buf = malloc(65536);
    strbuf out = STRBUF_INIT;
    mtv_err err;
    for (;;) {
        ssize_t r = recv(fd, buf, 65536, 0);
        if (r <= 0)
            break;
        sb_reset(&out);
        if (ws_decoder_feed(&d, buf, (size_t)r, echo_event, &out, &err) < 0 || d.closed)
            break;
        if (out.len && send(fd, out.buf, out.len, MSG_NOSIGNAL) < 0)
            break;
    }
    free(buf);
    close(fd);
    sb_release(&in);
    sb_release(&acc);
    sb_release(&resp);
    sb_release(&out);
    return NULL;
}

typedef struct writer_arg {
    ws_conn *c;
    size_t total, chunk;
} writer_arg;

static void *writer(void *arg)
{
    writer_arg *w = arg;
    char *buf = malloc(w->chunk);
    memset(buf, 'y', w->chunk);
    mtv_err err;
    for (size_t done = 0; done < w->total; done += w->chunk)
        if (ws_write(w->c, WS_OP_BINARY, buf, w->chunk, &err) < 0)
            break;
    free(buf);
    return NULL;
}

static void tunnel(void)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(lfd, (struct sockaddr *)&a, sizeof a);
    getsockname(lfd, (struct sockaddr *)&a, &len);
    listen(lfd, 1);
    pthread_t srv;
    pthread_create(&srv, NULL, echo_server, &lfd);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/portforward/22", ntohs(a.sin_port));
    net_engine *e = net_engine_new();
    mtv_clock *clk = clock_new_real();
    http_request req;
    http_request_init(&req, NULL, "kubernetes", "GET", url);
    ws_options o = {.subprotocol = WS_PROTOCOL_KUBEVIRT, .clock = clk};
    ws_conn *c = NULL;
    mtv_err err;
    double t0 = now();
    if (ws_connect(e, &req, &o, &c, NULL, NULL, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    double t1 = now();
    writer_arg w = {c, 8u << 20, 32768};
    pthread_t wt;
    pthread_create(&wt, NULL, writer, &w);
    char *buf = malloc(65536);
    size_t got = 0;
    while (got < w.total) {
        ssize_t k = ws_read(c, buf, 65536, &err);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    double t2 = now();
    pthread_join(wt, NULL);
    ws_close(c, WS_CLOSE_NORMAL, NULL, &err);
    ws_free(c);
    pthread_join(srv, NULL);
    printf("ws tunnel over loopback: upgrade %.2f ms; %zu MB echoed (written and read back at once) "
           "in %.0f ms = %.0f MB/s each way\n",
           (t1 - t0) * 1e3, got >> 20, (t2 - t1) * 1e3, got / 1e6 / (t2 - t1));
    free(buf);
    http_request_free(&req);
    clock_free(clk);
    net_engine_free(e);
    close(lfd);
}

int main(void)
{
    codec(100);
    codec(16384);
    codec(1u << 20);
    tunnel();
    return 0;
}
