/*
 * websocket: see websocket.h. Two locks keep one reader and one writer out
 * of each other's way: io_lock is held only around each non-blocking
 * send/recv on the connection (libcurl and OpenSSL must not be entered by
 * two threads at once), send_lock for a whole frame (so a pong sent by the
 * reader never lands inside a frame being written). Waiting for the socket
 * happens with neither held, so a reader blocked for minutes never stalls a
 * writer; and the reader never waits for send_lock (a pong it cannot send
 * at once is left for whoever holds the lock). When the reader itself sends
 * (a pong, a close) and the socket is full, it keeps reading into a backlog
 * while it waits: a peer that stops reading until its own writes go through
 * would otherwise wait for us while we wait for it. A self-pipe wakes a
 * blocked reader on ws_shutdown.
 */
#include "net/websocket.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "net/ws_frame.h"
#include "util/codec.h"
#include "util/log.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define HEAD_MAX (64 * 1024)
#define ERROR_BODY_MAX (64 * 1024)

struct ws_conn {
    net_conn *conn;
    ws_options opt;
    pthread_mutex_t io_lock;
    pthread_mutex_t send_lock;
    pthread_mutex_t state_lock;    /* peer close code and reason */
    int wake[2];
    atomic_int shut;
    atomic_int close_sent;
    atomic_int peer_closed;
    int peer_code;
    char peer_reason[WS_CONTROL_MAX + 1];
    atomic_size_t pings, pongs;
    int pong_due;                  /* a pong waits for the writer (state_lock) */
    uint8_t pong[WS_CONTROL_MAX];
    size_t pong_len;
    ws_decoder dec;
    strbuf in;                     /* payload decoded but not yet returned */
    size_t in_off;
    int discard;                   /* ws_close: data is dropped */
    int failed;
    mtv_err fail;                  /* sticky read failure */
    strbuf backlog;                /* read while the reader waited to send */
    int backlog_eof, backlog_failed;
    mtv_err backlog_err;
    char subprotocol[128];
    uint8_t raw[16384];
};

/* ---- sending ------------------------------------------------------------------ */

static long left_ms(mtv_clock *clock, clock_deadline d)
{
    int64_t left = clock_deadline_left_ms(clock, d);
    return left > 86400000 ? 86400000 : (long)left;
}

/* What a sending reader does with data that arrives meanwhile. */
typedef struct send_drain {
    strbuf *buf;
    int *eof, *failed;
    mtv_err *err;
} send_drain;

/* Reads what is there into the drain; 0 when it should stop draining. */
static int drain_some(net_conn *conn, pthread_mutex_t *io_lock, send_drain *d)
{
    uint8_t buf[16384];
    for (;;) {
        int eof = 0;
        pthread_mutex_lock(io_lock);
        ssize_t r = net_conn_recv(conn, buf, sizeof buf, &eof, d->err);
        pthread_mutex_unlock(io_lock);
        if (r > 0) {
            sb_add(d->buf, buf, (size_t)r);
            continue;
        }
        if (r < 0)
            *d->failed = 1;
        if (eof)
            *d->eof = 1;
        return r == 0 && !eof;
    }
}

/* drain (may be NULL): keep reading while waiting for the socket to take data. */
static int send_all(net_conn *conn, pthread_mutex_t *io_lock, int wake_fd, mtv_clock *clock,
                    long timeout_ms, const void *data, size_t n, send_drain *drain, mtv_err *err)
{
    const char *p = data;
    clock_deadline dl = clock_deadline_in(clock, timeout_ms);
    while (n) {
        if (io_lock)
            pthread_mutex_lock(io_lock);
        ssize_t r = net_conn_send(conn, p, n, err);
        if (io_lock)
            pthread_mutex_unlock(io_lock);
        if (r < 0)
            return -1;
        p += r;
        n -= (size_t)r;
        if (!n)
            break;
        if (r > 0)
            continue;
        if (drain && !drain_some(conn, io_lock, drain))
            drain = NULL;
        long left = left_ms(clock, dl);
        int w = left > 0 ? net_conn_wait(conn, drain ? NET_WAIT_EITHER : 1, wake_fd, left) : 0;
        if (w == 0)
            return mtv_err_set(err, MTV_EXIT_ENV, "%s accepted no data for %ld ms",
                               net_conn_origin(conn), timeout_ms);
        if (w == 2)
            return mtv_err_set(err, MTV_EXIT_ENV, "the WebSocket to %s was shut down",
                               net_conn_origin(conn));
        if (w < 0)
            return mtv_err_set(err, MTV_EXIT_ENV, "waiting to send to %s failed",
                               net_conn_origin(conn));
    }
    return 0;
}

/* Sends one frame; the caller holds send_lock. reading: the caller is the
 * reader, who must not stop reading while the socket is full. */
static int send_locked(ws_conn *c, int reading, int fin, int opcode, const void *payload, size_t n,
                       mtv_err *err)
{
    uint8_t key[4];
    if (RAND_bytes(key, sizeof key) != 1)
        return mtv_err_set(err, MTV_EXIT_ENV, "no random bytes for a WebSocket mask");
    strbuf frame = STRBUF_INIT;
    ws_frame_encode(&frame, fin, opcode, key, payload, n);
    send_drain d = {&c->backlog, &c->backlog_eof, &c->backlog_failed, &c->backlog_err};
    int rc = send_all(c->conn, &c->io_lock, c->wake[0], c->opt.clock, c->opt.write_timeout_ms,
                      frame.buf, frame.len, reading && !c->backlog_eof && !c->backlog_failed ? &d : NULL,
                      err);
    sb_release(&frame);
    return rc;
}

/* Sends a pong the reader could not send itself; the caller holds send_lock. */
static int flush_pong(ws_conn *c, int reading, mtv_err *err)
{
    uint8_t pong[WS_CONTROL_MAX];
    size_t n = 0;
    pthread_mutex_lock(&c->state_lock);
    int due = c->pong_due;
    if (due) {
        n = c->pong_len;
        memcpy(pong, c->pong, n);
        c->pong_due = 0;
    }
    pthread_mutex_unlock(&c->state_lock);
    return due && !atomic_load(&c->close_sent) ? send_locked(c, reading, 1, WS_OP_PONG, pong, n, err) : 0;
}

static int pong_pending(ws_conn *c)
{
    pthread_mutex_lock(&c->state_lock);
    int due = c->pong_due;
    pthread_mutex_unlock(&c->state_lock);
    return due;
}

/* With send_lock held: sends any pending pong, lets go of the lock, and
 * takes it again when a pong became due meanwhile and nobody else holds it
 * (whoever does will see the pong after letting go, as here). */
static int release_send_lock(ws_conn *c, int reading, int rc, mtv_err *err)
{
    for (;;) {
        if (rc == 0)
            rc = flush_pong(c, reading, err);
        pthread_mutex_unlock(&c->send_lock);
        if (rc < 0 || !pong_pending(c) || pthread_mutex_trylock(&c->send_lock) != 0)
            return rc;
    }
}

static int send_frame(ws_conn *c, int reading, int fin, int opcode, const void *payload, size_t n,
                      mtv_err *err)
{
    pthread_mutex_lock(&c->send_lock);
    return release_send_lock(c, reading, send_locked(c, reading, fin, opcode, payload, n, err), err);
}

static int send_close(ws_conn *c, int reading, int code, const char *reason, mtv_err *err)
{
    if (atomic_exchange(&c->close_sent, 1))
        return 0;
    uint8_t payload[WS_CONTROL_MAX];
    size_t n = 0;
    if (code && code != WS_CLOSE_NO_STATUS) {
        payload[0] = (uint8_t)(code >> 8);
        payload[1] = (uint8_t)code;
        n = 2;
        size_t rl = reason ? strlen(reason) : 0;
        if (rl > WS_CONTROL_MAX - 2)
            rl = WS_CONTROL_MAX - 2;
        memcpy(payload + 2, reason ? reason : "", rl);
        n += rl;
    }
    return send_frame(c, reading, 1, WS_OP_CLOSE, payload, n, err);
}

static ssize_t close_result(ws_conn *c, mtv_err *err);

int ws_write(ws_conn *c, int opcode, const void *buf, size_t n, mtv_err *err)
{
    if (atomic_load(&c->close_sent)) {
        /* the peer's reason for closing says more than "closing" does */
        if (atomic_load(&c->peer_closed) && close_result(c, err) < 0)
            return -1;
        return mtv_err_set(err, MTV_EXIT_ENV, "the WebSocket to %s is closing; nothing more can be sent",
                           net_conn_origin(c->conn));
    }
    if (atomic_load(&c->shut))
        return mtv_err_set(err, MTV_EXIT_ENV, "the WebSocket to %s was shut down",
                           net_conn_origin(c->conn));
    const char *p = buf;
    size_t max = c->opt.max_frame;
    int op = opcode;
    do {
        size_t take = n < max ? n : max;
        if (send_frame(c, 0, take == n, op, p, take, err) < 0)
            return -1;
        p += take;
        n -= take;
        op = WS_OP_CONT;
    } while (n);
    return 0;
}

int ws_ping(ws_conn *c, const void *data, size_t n, mtv_err *err)
{
    if (n > WS_CONTROL_MAX)
        return mtv_err_set(err, MTV_EXIT_USAGE, "a ping carries at most 125 bytes, not %zu", n);
    return send_frame(c, 0, 1, WS_OP_PING, data, n, err);
}

/* ---- receiving ---------------------------------------------------------------- */

static int on_event(void *ud, const ws_event *ev, mtv_err *err)
{
    ws_conn *c = ud;
    switch (ev->kind) {
    case WS_EV_DATA:
        if (!c->discard)
            sb_add(&c->in, ev->data, ev->len);
        return 0;
    case WS_EV_END:
        return 0;
    case WS_EV_PING:
        atomic_fetch_add(&c->pings, 1);
        if (atomic_load(&c->close_sent))
            return 0;
        /* Never wait for a writer here: a writer stalled on a full socket
         * would wait for this reader, and the reader for it. The pong is
         * left for the writer to send after its frame (only the latest
         * ping needs an answer, RFC 6455 5.5.3). */
        pthread_mutex_lock(&c->state_lock);
        memcpy(c->pong, ev->data, ev->len);
        c->pong_len = ev->len;
        c->pong_due = 1;
        pthread_mutex_unlock(&c->state_lock);
        if (pthread_mutex_trylock(&c->send_lock) != 0)
            return 0;
        return release_send_lock(c, 1, 0, err) < 0 ? -1 : 0;
    case WS_EV_PONG:
        atomic_fetch_add(&c->pongs, 1);
        return 0;
    case WS_EV_CLOSE:
        pthread_mutex_lock(&c->state_lock);
        c->peer_code = ev->close_code;
        snprintf(c->peer_reason, sizeof c->peer_reason, "%.*s", (int)ev->len, (const char *)ev->data);
        pthread_mutex_unlock(&c->state_lock);
        atomic_store(&c->peer_closed, 1);
        /* echo the code, as RFC 6455 5.5.1 asks; a failure to answer changes nothing */
        mtv_err ignored;
        send_close(c, 1, ev->close_code, NULL, &ignored);
        return 0;
    }
    return 0;
}

static int set_failed(ws_conn *c, const mtv_err *err)
{
    c->failed = 1;
    c->fail = *err;
    return -1;
}

/* Feeds raw bytes; on a protocol violation, tells the peer (best effort). */
static int feed(ws_conn *c, uint8_t *p, size_t n, mtv_err *err)
{
    if (ws_decoder_feed(&c->dec, p, n, on_event, c, err) == 0)
        return 0;
    mtv_err_prefix(err, "reading from %s", net_conn_origin(c->conn));
    mtv_err ignored;
    send_close(c, 1, c->dec.fail_code, "protocol error", &ignored);
    return set_failed(c, err);
}

static ssize_t close_result(ws_conn *c, mtv_err *err)
{
    int code = ws_peer_close_code(c);
    if (code == WS_CLOSE_NORMAL || code == WS_CLOSE_GOING_AWAY || code == WS_CLOSE_NO_STATUS)
        return 0;
    pthread_mutex_lock(&c->state_lock);
    mtv_err_set(err, MTV_EXIT_ENV, "%s closed the WebSocket with code %d%s%s",
                net_conn_origin(c->conn), code, c->peer_reason[0] ? ": " : "", c->peer_reason);
    pthread_mutex_unlock(&c->state_lock);
    return -1;
}

/* One step of receiving: 1 = progress, 0 = nothing (woken or timed out: see
 * *woken), -1 = failure. */
static int receive_some(ws_conn *c, long wait_ms, int *woken, mtv_err *err)
{
    if (c->backlog.len) {
        /* feeding may add to the backlog again: feed a copy */
        strbuf b = c->backlog;
        sb_init(&c->backlog);
        int rc = feed(c, (uint8_t *)b.buf, b.len, err);
        sb_release(&b);
        return rc < 0 ? -1 : 1;
    }
    if (c->backlog_failed) {
        *err = c->backlog_err;
        return set_failed(c, err);
    }
    int eof = c->backlog_eof;
    ssize_t r = 0;
    if (!eof) {
        pthread_mutex_lock(&c->io_lock);
        r = net_conn_recv(c->conn, c->raw, sizeof c->raw, &eof, err);
        pthread_mutex_unlock(&c->io_lock);
    }
    if (r < 0)
        return set_failed(c, err);
    if (r > 0)
        return feed(c, c->raw, (size_t)r, err) < 0 ? -1 : 1;
    if (eof) {
        if (atomic_load(&c->peer_closed))
            return 1;
        mtv_err_set(err, MTV_EXIT_ENV,
                    "%s ended the connection without closing the WebSocket (code 1006)",
                    net_conn_origin(c->conn));
        return set_failed(c, err);
    }
    int w = net_conn_wait(c->conn, 0, c->wake[0], wait_ms);
    if (w < 0) {
        mtv_err_set(err, MTV_EXIT_ENV, "waiting for data from %s failed", net_conn_origin(c->conn));
        return set_failed(c, err);
    }
    *woken = w == 2;
    return w == 1 ? 1 : 0;
}

ssize_t ws_read(ws_conn *c, void *buf, size_t n, mtv_err *err)
{
    int64_t idle_since = clock_mono_ms(c->opt.clock);
    for (;;) {
        if (c->in_off < c->in.len) {
            size_t k = c->in.len - c->in_off;
            if (k > n)
                k = n;
            memcpy(buf, c->in.buf + c->in_off, k);
            c->in_off += k;
            if (c->in_off == c->in.len) {
                sb_reset(&c->in);
                c->in_off = 0;
            }
            return (ssize_t)k;
        }
        if (c->failed) {
            *err = c->fail;
            return -1;
        }
        if (atomic_load(&c->peer_closed))
            return close_result(c, err);
        if (atomic_load(&c->shut))
            return 0;
        long wait = -1;
        if (c->opt.read_timeout_ms > 0) {
            wait = c->opt.read_timeout_ms - (long)(clock_mono_ms(c->opt.clock) - idle_since);
            if (wait <= 0) {
                mtv_err_set(err, MTV_EXIT_ENV, "%s sent nothing for %ld ms", net_conn_origin(c->conn),
                            c->opt.read_timeout_ms);
                return set_failed(c, err);
            }
        }
        int woken = 0;
        int r = receive_some(c, wait, &woken, err);
        if (r < 0)
            return -1;
        if (woken)
            return 0;
        if (r == 0) {   /* the wait took all the time that was left */
            mtv_err_set(err, MTV_EXIT_ENV, "%s sent nothing for %ld ms", net_conn_origin(c->conn),
                        c->opt.read_timeout_ms);
            return set_failed(c, err);
        }
    }
}

void ws_shutdown(ws_conn *c)
{
    if (atomic_exchange(&c->shut, 1))
        return;
    char b = 1;
    ssize_t w = write(c->wake[1], &b, 1);
    (void)w;
}

int ws_close(ws_conn *c, int code, const char *reason, mtv_err *err)
{
    char drain[16];
    while (read(c->wake[0], drain, sizeof drain) > 0)
        ;
    atomic_store(&c->shut, 0);
    int rc = 0;
    if (!c->failed && send_close(c, 0, code, reason, err) < 0)
        rc = -1;
    c->discard = 1;
    clock_deadline dl = clock_deadline_in(c->opt.clock, c->opt.close_timeout_ms);
    while (rc == 0 && !c->failed && !atomic_load(&c->peer_closed)) {
        long left = left_ms(c->opt.clock, dl);
        if (left <= 0)
            break;
        int woken = 0;
        mtv_err ignored;
        if (receive_some(c, left, &woken, &ignored) <= 0)
            break;
    }
    return rc;
}

void ws_free(ws_conn *c)
{
    if (!c)
        return;
    net_conn_close(c->conn);
    close(c->wake[0]);
    close(c->wake[1]);
    pthread_mutex_destroy(&c->io_lock);
    pthread_mutex_destroy(&c->send_lock);
    pthread_mutex_destroy(&c->state_lock);
    sb_release(&c->in);
    sb_release(&c->backlog);
    free(c);
}

const char *ws_subprotocol(const ws_conn *c)
{
    return c->subprotocol;
}

int ws_peer_close_code(ws_conn *c)
{
    pthread_mutex_lock(&c->state_lock);
    int code = c->peer_code;
    pthread_mutex_unlock(&c->state_lock);
    return code;
}

const char *ws_peer_close_reason(ws_conn *c)
{
    return c->peer_reason;
}

size_t ws_pings_received(ws_conn *c)
{
    return atomic_load(&c->pings);
}

size_t ws_pongs_received(ws_conn *c)
{
    return atomic_load(&c->pongs);
}

/* ---- the upgrade -------------------------------------------------------------- */

int ws_parse_response_head(const char *head, size_t n, http_response *resp, mtv_err *err)
{
    const char *end = head + n;
    const char *eol = memchr(head, '\n', n);
    if (!eol)
        eol = end;
    size_t line = (size_t)(eol - head);
    if (line && head[line - 1] == '\r')
        line--;
    /* "HTTP/1.1 101 Switching Protocols" */
    if (line < 12 || strncmp(head, "HTTP/1.", 7) != 0 || head[8] != ' ' || head[9] < '1' ||
        head[9] > '5' || head[10] < '0' || head[10] > '9' || head[11] < '0' || head[11] > '9' ||
        (line > 12 && head[12] != ' '))
        return mtv_err_set(err, MTV_EXIT_ENV, "the answer does not start with an HTTP/1.x status line");
    resp->status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
    free(resp->http_version);
    resp->http_version = strndup(head, 8);
    free(resp->reason);
    resp->reason = line > 13 ? strndup(head + 13, line - 13) : strdup("");
    if (!resp->http_version || !resp->reason)
        abort();
    const char *p = eol < end ? eol + 1 : end;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t len = (size_t)(le - p);
        if (len && p[len - 1] == '\r')
            len--;
        if (len == 0)
            break;   /* the blank line ending the head */
        const char *colon = memchr(p, ':', len);
        if (!colon || colon == p || *p == ' ' || *p == '\t')
            return mtv_err_set(err, MTV_EXIT_ENV, "malformed header line in the answer: '%.*s'",
                               (int)(len > 60 ? 60 : len), p);
        char *name = strndup(p, (size_t)(colon - p));
        const char *v = colon + 1;
        while (v < p + len && (*v == ' ' || *v == '\t'))
            v++;
        size_t vl = (size_t)(p + len - v);
        while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
            vl--;
        char *value = strndup(v, vl);
        if (!name || !value)
            abort();
        http_headers_add(&resp->headers, name, value);
        free(name);
        free(value);
        p = nl ? nl + 1 : end;
    }
    return 0;
}

/* 1 if the comma-separated header value holds token (case-insensitive). */
static int header_has_token(const char *value, const char *token)
{
    size_t tl = strlen(token);
    for (const char *p = value; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
            t--;
        if ((size_t)(t - p) == tl && strncasecmp(p, token, tl) == 0)
            return 1;
        p = e;
    }
    return 0;
}

static void accept_value(const char *key, strbuf *out)
{
    strbuf in = STRBUF_INIT;
    sb_addf(&in, "%s%s", key, WS_GUID);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(in.buf, in.len, md, &mdlen, EVP_sha1(), NULL);
    b64_encode(out, md, mdlen);
    sb_release(&in);
}

/* Reads until the head's blank line; extra bytes after it stay in buf. */
static int read_head(net_conn *conn, mtv_clock *clock, clock_deadline dl, long timeout_ms,
                     strbuf *buf, size_t *head_len, mtv_err *err)
{
    char chunk[4096];
    for (;;) {
        const char *e = buf->len ? memmem(buf->buf, buf->len, "\r\n\r\n", 4) : NULL;
        if (e) {
            *head_len = (size_t)(e + 4 - buf->buf);
            return 0;
        }
        if (buf->len > HEAD_MAX)
            return mtv_err_set(err, MTV_EXIT_ENV, "the answer's head is longer than %d bytes", HEAD_MAX);
        int eof = 0;
        ssize_t r = net_conn_recv(conn, chunk, sizeof chunk, &eof, err);
        if (r < 0)
            return -1;
        if (r > 0) {
            sb_add(buf, chunk, (size_t)r);
            continue;
        }
        if (eof)
            return mtv_err_set(err, MTV_EXIT_ENV, "the server closed the connection %s",
                               buf->len ? "in the middle of its answer" : "without answering");
        long left = left_ms(clock, dl);
        if (left <= 0 || net_conn_wait(conn, 0, -1, left) == 0)
            return mtv_err_set(err, MTV_EXIT_ENV, "no answer to the upgrade within %ld ms", timeout_ms);
    }
}

/* Decodes a complete chunked body in place; leaves it as is when malformed. */
static void dechunk(strbuf *body)
{
    strbuf out = STRBUF_INIT;
    size_t i = 0;
    while (i < body->len) {
        char *end = NULL;
        unsigned long n = strtoul(body->buf + i, &end, 16);
        const char *crlf = strstr(body->buf + i, "\r\n");
        if (!end || end == body->buf + i || !crlf)
            break;
        i = (size_t)(crlf + 2 - body->buf);
        if (n == 0 || n > body->len - i) {
            if (n == 0) {
                sb_release(body);
                *body = out;
                return;
            }
            break;
        }
        sb_add(&out, body->buf + i, n);
        i += n + 2;
    }
    sb_release(&out);
}

/* The body of a refused upgrade, within its length, the deadline and a cap. */
static void read_error_body(net_conn *conn, mtv_clock *clock, clock_deadline dl, http_response *resp,
                            const char *extra, size_t extra_n)
{
    sb_add(&resp->body, extra, extra_n);
    const char *cl = http_headers_get(&resp->headers, "Content-Length");
    const char *te = http_headers_get(&resp->headers, "Transfer-Encoding");
    int chunked = te && header_has_token(te, "chunked");
    long want = cl ? strtol(cl, NULL, 10) : -1;
    if (want > ERROR_BODY_MAX)
        want = ERROR_BODY_MAX;
    char chunk[4096];
    while (resp->body.len < ERROR_BODY_MAX) {
        if (want >= 0 && (long)resp->body.len >= want)
            break;
        if (chunked && resp->body.len >= 5 &&
            memcmp(resp->body.buf + resp->body.len - 5, "0\r\n\r\n", 5) == 0)
            break;
        int eof = 0;
        mtv_err ignored;
        ssize_t r = net_conn_recv(conn, chunk, sizeof chunk, &eof, &ignored);
        if (r < 0 || eof)
            break;
        if (r > 0) {
            sb_add(&resp->body, chunk, (size_t)r);
            continue;
        }
        long left = left_ms(clock, dl);
        if (left <= 0 || net_conn_wait(conn, 0, -1, left) != 1)
            break;
    }
    if (want >= 0 && (long)resp->body.len > want)
        sb_setlen(&resp->body, (size_t)want);
    if (chunked)
        dechunk(&resp->body);
}

/* "403 Forbidden: <Status message>" or the start of a text body. */
static void describe_refusal(const http_response *resp, strbuf *out)
{
    sb_addf(out, "%ld%s%s", resp->status, resp->reason && *resp->reason ? " " : "",
            resp->reason ? resp->reason : "");
    cJSON *j = resp->body.len ? cJSON_ParseWithLength(resp->body.buf, resp->body.len) : NULL;
    const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "message"));
    if (msg && *msg) {
        sb_addf(out, ": %s", msg);
    } else if (resp->body.len) {
        size_t n = strcspn(resp->body.buf, "\r\n");
        if (n > 300)
            n = 300;
        int text = 1;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)resp->body.buf[i] < 0x20 && resp->body.buf[i] != '\t')
                text = 0;
        if (text && n)
            sb_addf(out, ": %.*s", (int)n, resp->body.buf);
    }
    cJSON_Delete(j);
}

static int check_upgrade(const http_response *resp, const char *key, const ws_options *o,
                         char *chosen, size_t chosen_n, mtv_err *err)
{
    const char *up = http_headers_get(&resp->headers, "Upgrade");
    const char *conn = http_headers_get(&resp->headers, "Connection");
    if (!up || !header_has_token(up, "websocket"))
        return mtv_err_set(err, MTV_EXIT_ENV, "the 101 answer lacks 'Upgrade: websocket'");
    if (!conn || !header_has_token(conn, "upgrade"))
        return mtv_err_set(err, MTV_EXIT_ENV, "the 101 answer lacks 'Connection: Upgrade'");
    strbuf want = STRBUF_INIT;
    accept_value(key, &want);
    const char *acc = http_headers_get(&resp->headers, "Sec-WebSocket-Accept");
    int ok = acc && strcmp(acc, want.buf) == 0;
    sb_release(&want);
    if (!ok)
        return mtv_err_set(err, MTV_EXIT_ENV,
                           "the 101 answer's Sec-WebSocket-Accept does not match the key sent");
    const char *proto = http_headers_get(&resp->headers, "Sec-WebSocket-Protocol");
    if (proto && *proto && (!o->subprotocol || strcmp(proto, o->subprotocol) != 0))
        return mtv_err_set(err, MTV_EXIT_ENV, "the server chose subprotocol '%s', which was not offered%s%s",
                           proto, o->subprotocol ? " (offered: " : "",
                           o->subprotocol ? o->subprotocol : "");
    if (!proto && o->subprotocol)
        log_debug("WebSocket: the server chose no subprotocol (offered %s)", o->subprotocol);
    snprintf(chosen, chosen_n, "%s", proto ? proto : "");
    return 0;
}

static int skip_header(const char *name)
{
    static const char *const ours[] = {"Host", "Upgrade", "Connection", "Sec-WebSocket-Key",
                                       "Sec-WebSocket-Version", "Sec-WebSocket-Protocol",
                                       "Sec-WebSocket-Extensions", "Content-Length", NULL};
    for (int i = 0; ours[i]; i++)
        if (strcasecmp(name, ours[i]) == 0)
            return 1;
    return 0;
}

static void build_upgrade(const http_request *req, const char *target, const char *authority,
                          const char *key, const ws_options *o, strbuf *out)
{
    sb_addf(out, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n",
            target, authority, key);
    if (o->subprotocol)
        sb_addf(out, "Sec-WebSocket-Protocol: %s\r\n", o->subprotocol);
    if (!http_headers_get(&req->headers, "User-Agent")) {
        const char *ua = req->endpoint && req->endpoint->user_agent ? req->endpoint->user_agent
                                                                    : "mtv-validate/" MTV_VERSION;
        sb_addf(out, "User-Agent: %s\r\n", ua);
    }
    for (size_t i = 0; i < req->headers.count; i++) {
        const http_header *h = &req->headers.items[i];
        if (!skip_header(h->name))
            sb_addf(out, "%s: %s\r\n", h->name, h->value);
    }
    sb_adds(out, "\r\n");
}

static void fill_defaults(ws_options *o)
{
    if (o->handshake_timeout_ms <= 0)
        o->handshake_timeout_ms = 30000;
    if (o->write_timeout_ms <= 0)
        o->write_timeout_ms = 30000;
    if (o->close_timeout_ms <= 0)
        o->close_timeout_ms = 2000;
    if (o->max_frame == 0)
        o->max_frame = 16384;
    if (o->max_message == 0)
        o->max_message = 64u << 20;
}

/* Splits the URL into what libcurl connects to, the request target and the Host value. */
static int split_url(const char *url, strbuf *connect_url, strbuf *target, strbuf *authority,
                     mtv_err *err)
{
    strbuf origin = STRBUF_INIT, path = STRBUF_INIT, query = STRBUF_INIT;
    if (http_url_split(url, &origin, &path, &query) < 0) {
        sb_release(&origin);
        sb_release(&path);
        sb_release(&query);
        return mtv_err_set(err, MTV_EXIT_USAGE, "'%s' is not an absolute URL", url);
    }
    const char *o = origin.buf;
    const char *rest = strstr(o, "://") + 3;
    if (strncasecmp(o, "wss://", 6) == 0 || strncasecmp(o, "https://", 8) == 0)
        sb_adds(connect_url, "https://");
    else if (strncasecmp(o, "ws://", 5) == 0 || strncasecmp(o, "http://", 7) == 0)
        sb_adds(connect_url, "http://");
    else {
        int n = (int)(rest - o - 3);
        sb_release(&origin);
        sb_release(&path);
        sb_release(&query);
        return mtv_err_set(err, MTV_EXIT_USAGE, "a WebSocket needs an http(s) or ws(s) URL, not '%.*s'",
                           n, url);
    }
    sb_adds(connect_url, rest);
    const char *at = strchr(rest, '@');
    sb_adds(authority, at ? at + 1 : rest);
    sb_adds(target, path.buf);
    if (query.len)
        sb_addf(target, "?%s", query.buf);
    sb_release(&origin);
    sb_release(&path);
    sb_release(&query);
    return 0;
}

int ws_connect(net_engine *e, const http_request *req, const ws_options *opts, ws_conn **out,
               http_response *resp, enum net_failure *failure, mtv_err *err)
{
    *out = NULL;
    enum net_failure fdummy;
    if (!failure)
        failure = &fdummy;
    *failure = NET_OK;
    http_response rdummy = {0};
    if (!resp)
        resp = &rdummy;
    ws_options o = *opts;
    fill_defaults(&o);
    if (!o.clock)
        return mtv_err_set(err, MTV_EXIT_USAGE, "a WebSocket needs a clock");
    strbuf curl_url = STRBUF_INIT, target = STRBUF_INIT, authority = STRBUF_INIT;
    if (split_url(sb_str(&req->url), &curl_url, &target, &authority, err) < 0) {
        *failure = NET_FAIL_OTHER;
        sb_release(&curl_url);
        sb_release(&target);
        sb_release(&authority);
        return -1;
    }
    net_conn *conn = NULL;
    strbuf wire = STRBUF_INIT, head = STRBUF_INIT, accept_key = STRBUF_INIT;
    int rc = -1;
    if (net_engine_connect(e, req->endpoint, curl_url.buf, &conn, failure, err) < 0)
        goto done;
    clock_deadline dl = clock_deadline_in(o.clock, o.handshake_timeout_ms);
    uint8_t nonce[16];
    if (RAND_bytes(nonce, sizeof nonce) != 1) {
        *failure = NET_FAIL_OTHER;
        mtv_err_set(err, MTV_EXIT_ENV, "no random bytes for the WebSocket key");
        goto done;
    }
    b64_encode(&accept_key, nonce, sizeof nonce);
    build_upgrade(req, target.buf, authority.buf, accept_key.buf, &o, &wire);
    size_t head_len = 0;
    if (send_all(conn, NULL, -1, o.clock, o.handshake_timeout_ms, wire.buf, wire.len, NULL, err) < 0 ||
        read_head(conn, o.clock, dl, o.handshake_timeout_ms, &head, &head_len, err) < 0 ||
        ws_parse_response_head(head.buf, head_len, resp, err) < 0) {
        *failure = NET_FAIL_CONNECT;
        goto done;
    }
    if (resp->status != 101) {
        read_error_body(conn, o.clock, dl, resp, head.buf + head_len, head.len - head_len);
        strbuf why = STRBUF_INIT;
        describe_refusal(resp, &why);
        mtv_err_set(err, MTV_EXIT_ENV, "the server refused the upgrade: %s", why.buf);
        sb_release(&why);
        goto done;
    }
    ws_conn *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->opt = o;
    if (check_upgrade(resp, accept_key.buf, &o, c->subprotocol, sizeof c->subprotocol, err) < 0 ||
        pipe(c->wake) < 0) {
        free(c);
        *failure = NET_FAIL_OTHER;
        goto done;
    }
    fcntl(c->wake[0], F_SETFL, O_NONBLOCK);
    fcntl(c->wake[0], F_SETFD, FD_CLOEXEC);
    fcntl(c->wake[1], F_SETFD, FD_CLOEXEC);
    c->conn = conn;
    conn = NULL;
    pthread_mutex_init(&c->io_lock, NULL);
    pthread_mutex_init(&c->send_lock, NULL);
    pthread_mutex_init(&c->state_lock, NULL);
    ws_decoder_init(&c->dec, 0);
    c->dec.max_message = o.max_message;
    size_t extra = head.len - head_len;
    if (extra && feed(c, (uint8_t *)head.buf + head_len, extra, err) < 0) {
        ws_free(c);
        goto done;
    }
    *out = c;
    rc = 0;
done:
    if (rc < 0)
        mtv_err_prefix(err, "WebSocket %s", target.buf);
    net_conn_close(conn);
    http_response_free(&rdummy);
    sb_release(&wire);
    sb_release(&head);
    sb_release(&accept_key);
    sb_release(&curl_url);
    sb_release(&target);
    sb_release(&authority);
    return rc;
}
