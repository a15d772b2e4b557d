/* wspeer: see wspeer.h. */
#include "wspeer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/codec.h"

#define PING_PAYLOAD "wspeer-ping"

struct wsp {
    ts_server *srv;
    wsp_config cfg;
    char *token, *subprotocol, *known_vm, *close_reason;
    wsp_stats stats;
    pthread_mutex_t lock;
    char last_path[512];
};

typedef struct session {
    wsp *p;
    int port;
} session;

/* ---- sending ------------------------------------------------------------------ */

static void pause_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static int send_raw(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One frame, as a server writes it (unmasked unless the fault is asked for),
 * in pieces of cfg.split bytes when set. */
static int send_frame(wsp *p, int fd, int fin, int opcode, const void *payload, size_t n)
{
    unsigned char h[14];
    size_t hl = 0;
    h[hl++] = (unsigned char)((fin ? 0x80 : 0) | opcode);
    unsigned char m = p->cfg.mask_server_frames ? 0x80 : 0;
    if (n < 126) {
        h[hl++] = (unsigned char)(m | n);
    } else if (n < 65536) {
        h[hl++] = m | 126;
        h[hl++] = (unsigned char)(n >> 8);
        h[hl++] = (unsigned char)n;
    } else {
        h[hl++] = m | 127;
        for (int i = 7; i >= 0; i--)
            h[hl++] = (unsigned char)((unsigned long long)n >> (i * 8));
    }
    unsigned char key[4] = {0x11, 0x22, 0x33, 0x44};
    if (m) {
        memcpy(h + hl, key, 4);
        hl += 4;
    }
    strbuf f = STRBUF_INIT;
    sb_add(&f, h, hl);
    sb_add(&f, payload, n);
    if (m)
        for (size_t i = 0; i < n; i++)
            f.buf[hl + i] ^= (char)key[i & 3];
    int rc = 0;
    if (!p->cfg.split) {
        rc = send_raw(fd, f.buf, f.len);
    } else {
        /* small frames trickle (the client must join reads); big ones are cut but not slowed */
        int slow = f.len < 512;
        for (size_t off = 0; off < f.len && rc == 0; off += p->cfg.split) {
            size_t k = f.len - off < p->cfg.split ? f.len - off : p->cfg.split;
            rc = send_raw(fd, f.buf + off, k);
            if (slow)
                pause_ms(1);
        }
    }
    sb_release(&f);
    return rc;
}

static int send_message(wsp *p, int fd, const void *data, size_t n)
{
    const char *d = data;
    size_t step = p->cfg.fragment ? p->cfg.fragment : n;
    int op = 2;
    do {
        size_t k = n < step ? n : step;
        if (send_frame(p, fd, k == n, op, d, k) < 0)
            return -1;
        atomic_fetch_add(&p->stats.bytes_out, (long)k);
        d += k;
        n -= k;
        op = 0;
    } while (n);
    return 0;
}

static void send_close(wsp *p, int fd, int code, const char *reason)
{
    char payload[125];
    size_t n = 0;
    if (code) {
        payload[0] = (char)(code >> 8);
        payload[1] = (char)code;
        n = 2;
        size_t rl = reason ? strlen(reason) : 0;
        if (rl > 123)
            rl = 123;
        memcpy(payload + 2, reason ? reason : "", rl);
        n += rl;
    }
    send_frame(p, fd, 1, 8, payload, n);
}

/* ---- the session ---------------------------------------------------------------- */

static int connect_target(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

typedef struct reader {
    strbuf in;            /* raw client bytes not yet parsed */
    strbuf message;       /* echo: the message being gathered */
    unsigned char last_key[4];
    int have_key;
    int messages;
    int closing;          /* we sent a close: waiting for the client's */
} reader;

/* Parses every complete client frame in r->in. Returns 1 to go on, 0 when
 * the session is over (close), -1 on a write failure. */
static int handle_frames(wsp *p, int fd, int tfd, reader *r)
{
    for (;;) {
        const unsigned char *b = (const unsigned char *)r->in.buf;
        size_t have = r->in.len;
        if (have < 2)
            return 1;
        size_t hl = 2;
        unsigned long long len = b[1] & 0x7F;
        if (len == 126)
            hl += 2;
        else if (len == 127)
            hl += 8;
        int masked = (b[1] & 0x80) != 0;
        if (masked)
            hl += 4;
        if (have < hl)
            return 1;
        if (len == 126)
            len = ((unsigned)b[2] << 8) | b[3];
        else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++)
                len = (len << 8) | b[2 + i];
        }
        if (len > (64u << 20)) {
            atomic_fetch_add(&p->stats.bad_frames, 1);
            return 0;
        }
        if (have < hl + len)
            return 1;
        int fin = (b[0] & 0x80) != 0, op = b[0] & 0x0F;
        unsigned char *payload = (unsigned char *)r->in.buf + hl;
        atomic_fetch_add(&p->stats.frames_in, 1);
        if (!masked) {
            atomic_fetch_add(&p->stats.unmasked_in, 1);
        } else {
            const unsigned char *key = b + hl - 4;
            if (r->have_key && memcmp(key, r->last_key, 4) != 0)
                atomic_fetch_add(&p->stats.mask_changes, 1);
            memcpy(r->last_key, key, 4);
            r->have_key = 1;
            for (unsigned long long i = 0; i < len; i++)
                payload[i] ^= key[i & 3];
        }
        if (b[0] & 0x70)
            atomic_fetch_add(&p->stats.bad_frames, 1);
        int rc = 1;
        if (op == 0 || op == 1 || op == 2) {
            atomic_fetch_add(&p->stats.bytes_in, (long)len);
            if (r->closing) {
                /* after our close nothing more is sent: data is dropped */
            } else if (tfd >= 0) {
                if (send_raw(tfd, payload, len) < 0)
                    rc = -1;
            } else {
                sb_add(&r->message, payload, len);
                if (fin && p->cfg.ping_each_message) {
                    atomic_fetch_add(&p->stats.pings_out, 1);
                    send_frame(p, fd, 1, 9, PING_PAYLOAD, strlen(PING_PAYLOAD));
                }
                if (fin) {
                    rc = send_message(p, fd, r->message.buf ? r->message.buf : "", r->message.len) < 0 ? -1 : 1;
                    sb_reset(&r->message);
                    r->messages++;
                    if (rc == 1 && p->cfg.close_after_messages && r->messages >= p->cfg.close_after_messages &&
                        !r->closing) {
                        send_close(p, fd, p->cfg.close_code ? p->cfg.close_code : 1000, p->close_reason);
                        r->closing = 1;
                    }
                }
            }
        } else if (op == 8) {
            int code = len >= 2 ? (payload[0] << 8) | payload[1] : 1005;
            atomic_store(&p->stats.close_in, code);
            if (!r->closing)
                send_close(p, fd, len >= 2 ? code : 0, NULL);
            rc = 0;
        } else if (op == 9) {
            atomic_fetch_add(&p->stats.pings_in, 1);
            rc = send_frame(p, fd, 1, 10, payload, len) < 0 ? -1 : 1;
        } else if (op == 10) {
            if (len == strlen(PING_PAYLOAD) && memcmp(payload, PING_PAYLOAD, len) == 0)
                atomic_fetch_add(&p->stats.pongs_ok, 1);
        } else {
            atomic_fetch_add(&p->stats.bad_frames, 1);
        }
        size_t used = hl + len;
        memmove(r->in.buf, r->in.buf + used, r->in.len - used);
        sb_setlen(&r->in, r->in.len - used);
        if (rc != 1)
            return rc;
    }
}

static void run_session(void *ud, int fd, const char *extra, size_t n)
{
    session *ss = ud;
    wsp *p = ss->p;
    int tfd = -1;
    /* MHD may hand the connection over non-blocking; this session wants to block */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    reader r = {0};
    sb_add(&r.in, extra, n);
    if (p->cfg.target_port) {
        tfd = connect_target(p->cfg.target_port);
        if (tfd < 0) {
            /* as virt-handler does: close with the dial error, then wait for the client's close */
            char why[128];
            snprintf(why, sizeof why, "dial tcp 127.0.0.1:%d: connect: connection refused", p->cfg.target_port);
            send_close(p, fd, 1011, why);
            r.closing = 1;
        }
    }
    if (p->cfg.ping_first && !r.closing) {
        atomic_fetch_add(&p->stats.pings_out, 1);
        send_frame(p, fd, 1, 9, PING_PAYLOAD, strlen(PING_PAYLOAD));
    }
    char *buf = malloc(65536);
    if (!buf)
        abort();
    int waits = 0;
    for (;;) {
        int rc = handle_frames(p, fd, tfd, &r);
        if (rc <= 0)
            break;
        struct pollfd pf[2] = {{.fd = fd, .events = POLLIN}, {.fd = tfd, .events = POLLIN}};
        int pr = poll(pf, tfd >= 0 && !r.closing ? 2 : 1, 200);
        if (pr < 0 && errno != EINTR)
            break;
        if (pr <= 0) {
            if (r.closing && ++waits >= 5)
                break;   /* the client never answered our close */
            continue;
        }
        if (pf[0].revents) {
            ssize_t k = recv(fd, buf, 65536, 0);
            if (k <= 0)
                break;
            sb_add(&r.in, buf, (size_t)k);
        }
        if (tfd >= 0 && !r.closing && pf[1].revents) {
            ssize_t k = recv(tfd, buf, 65536, 0);
            if (k <= 0) {
                if (p->cfg.drop_without_close)
                    break;
                send_close(p, fd, p->cfg.close_code ? p->cfg.close_code : 1000, p->close_reason);
                r.closing = 1;
                continue;
            }
            if (send_message(p, fd, buf, (size_t)k) < 0)
                break;
        }
    }
    free(buf);
    if (tfd >= 0)
        close(tfd);
    shutdown(fd, SHUT_RDWR);
    sb_release(&r.in);
    sb_release(&r.message);
}

/* ---- the handshake ---------------------------------------------------------------- */

static void status_answer(ts_response *resp, int code, const char *reason, const char *message)
{
    resp->status = code;
    strbuf b = STRBUF_INIT;
    sb_addf(&b,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
            "\"message\":\"%s\",\"reason\":\"%s\",\"code\":%d}",
            message, reason, code);
    ts_resp_body(resp, "application/json", b.buf, b.len);
    sb_release(&b);
}

static int has_token(const char *value, const char *token)
{
    size_t tl = strlen(token);
    for (const char *s = value; s && *s;) {
        while (*s == ' ' || *s == ',')
            s++;
        size_t n = strcspn(s, ",");
        size_t t = n;
        while (t && s[t - 1] == ' ')
            t--;
        if (t == tl && strncasecmp(s, token, tl) == 0)
            return 1;
        s += n;
    }
    return 0;
}

static void on_request(void *ud, const ts_request *req, ts_response *resp)
{
    wsp *p = ud;
    pthread_mutex_lock(&p->lock);
    snprintf(p->last_path, sizeof p->last_path, "%s", req->path);
    pthread_mutex_unlock(&p->lock);
    int nth = atomic_fetch_add(&p->stats.requests, 1);
    if (p->token) {
        const char *auth = http_headers_get(&req->headers, "Authorization");
        if (!auth || strncmp(auth, "Bearer ", 7) != 0) {
            status_answer(resp, 401, "Unauthorized", "Unauthorized");
            return;
        }
        if (strcmp(auth + 7, p->token) != 0) {
            status_answer(resp, 403, "Forbidden",
                          "virtualmachineinstances.subresources.kubevirt.io is forbidden: User "
                          "\\\"system:anonymous\\\" cannot get resource \\\"virtualmachineinstances/portforward\\\"");
            return;
        }
    }
    char ns[128], name[128], rest[64];
    int port = 0;
    if (sscanf(req->path,
               "/apis/subresources.kubevirt.io/v1/namespaces/%127[^/]/virtualmachineinstances/%127[^/]/portforward/%d%63s",
               ns, name, &port, rest) < 3 || port <= 0) {
        status_answer(resp, 404, "NotFound", "the server could not find the requested resource");
        return;
    }
    if ((p->known_vm && strcmp(name, p->known_vm) != 0) || nth < p->cfg.refuse_first) {
        char msg[256];
        snprintf(msg, sizeof msg, "virtualmachineinstance.kubevirt.io \\\"%s\\\" not found", name);
        status_answer(resp, 404, "NotFound", msg);
        return;
    }
    const char *up = http_headers_get(&req->headers, "Upgrade");
    const char *conn = http_headers_get(&req->headers, "Connection");
    const char *ver = http_headers_get(&req->headers, "Sec-WebSocket-Version");
    const char *key = http_headers_get(&req->headers, "Sec-WebSocket-Key");
    if (!up || strcasecmp(up, "websocket") != 0 || !conn || !has_token(conn, "upgrade") || !ver ||
        strcmp(ver, "13") != 0 || !key) {
        status_answer(resp, 400, "BadRequest", "websocket: the client is not using the websocket protocol");
        return;
    }
    strbuf in = STRBUF_INIT, acc = STRBUF_INIT;
    sb_addf(&in, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    EVP_Digest(in.buf, in.len, md, &mdlen, EVP_sha1(), NULL);
    if (p->cfg.wrong_accept)
        md[0] ^= 1;
    b64_encode(&acc, md, mdlen);
    resp->status = 101;
    ts_resp_header(resp, "Upgrade", "websocket");
    ts_resp_header(resp, "Connection", "Upgrade");
    ts_resp_header(resp, "Sec-WebSocket-Accept", acc.buf);
    const char *offered = http_headers_get(&req->headers, "Sec-WebSocket-Protocol");
    if (!p->cfg.omit_subprotocol && offered && has_token(offered, p->subprotocol))
        ts_resp_header(resp, "Sec-WebSocket-Protocol", p->subprotocol);
    sb_release(&in);
    sb_release(&acc);
    session *ss = calloc(1, sizeof *ss);
    if (!ss)
        abort();
    ss->p = p;
    ss->port = port;
    resp->upgrade = run_session;
    resp->upgrade_ud = ss;
    resp->upgrade_free = free;
    atomic_fetch_add(&p->stats.sessions, 1);
}

/* ---- the peer ------------------------------------------------------------------------ */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

wsp *wsp_start(int flags, const wsp_config *cfg)
{
    wsp *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    p->cfg = *cfg;
    p->token = dup_or_null(cfg->token);
    p->subprotocol = strdup(cfg->subprotocol ? cfg->subprotocol : "plain.kubevirt.io");
    p->known_vm = dup_or_null(cfg->known_vm);
    p->close_reason = dup_or_null(cfg->close_reason);
    pthread_mutex_init(&p->lock, NULL);
    p->srv = ts_start(flags);
    ts_route(p->srv, NULL, "/apis/subresources.kubevirt.io/*", on_request, p);
    return p;
}

void wsp_stop(wsp *p)
{
    if (!p)
        return;
    ts_stop(p->srv);
    free(p->token);
    free(p->subprotocol);
    free(p->known_vm);
    free(p->close_reason);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

ts_server *wsp_server(wsp *p)
{
    return p->srv;
}

const char *wsp_url(wsp *p)
{
    return ts_url(p->srv);
}

wsp_stats *wsp_get_stats(wsp *p)
{
    return &p->stats;
}

const char *wsp_last_path(wsp *p)
{
    return p->last_path;
}
