/* lab_httpd: see lab_httpd.h. */
#include "lab/lab_httpd.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lab/lab_status.h"
#include "util/log.h"

typedef struct mount {
    char *prefix;
    unsigned flags;
    lab_handler fn;
    void *ud;
} mount;

typedef struct upgraded {
    pthread_t thread;
    int fd;
    int done;
    struct upgraded *next;
} upgraded;

struct lab_httpd {
    lab_httpd_config cfg;
    char *host;
    mount *mounts;
    size_t nmounts;
    struct MHD_Daemon *daemon;
    int listen_fd;
    int port;
    atomic_int stopping;
    pthread_mutex_t mu;
    upgraded *upgrades;
    lab_handler filter;
    void *filter_ud;
};

typedef struct upgrade_ctx upgrade_ctx;

typedef struct conn_ctx {
    strbuf body;
    int too_big;
    struct timespec start;
    upgrade_ctx *upgrade;    /* the 101 response's closure; freed with the request */
} conn_ctx;

lab_httpd *lab_httpd_new(const lab_httpd_config *cfg)
{
    lab_httpd *h = calloc(1, sizeof *h);
    if (!h)
        abort();
    h->cfg = *cfg;
    h->host = strdup(cfg->host ? cfg->host : "127.0.0.1");
    if (!h->cfg.max_body)
        h->cfg.max_body = 4 * 1024 * 1024;
    h->listen_fd = -1;
    pthread_mutex_init(&h->mu, NULL);
    return h;
}

void lab_httpd_mount(lab_httpd *h, const char *prefix, unsigned flags, lab_handler fn, void *ud)
{
    h->mounts = realloc(h->mounts, (h->nmounts + 1) * sizeof *h->mounts);
    if (!h->mounts)
        abort();
    h->mounts[h->nmounts++] = (mount){strdup(prefix), flags, fn, ud};
}

void lab_httpd_set_filter(lab_httpd *h, lab_handler fn, void *ud)
{
    h->filter = fn;
    h->filter_ud = ud;
}

static int prefix_match(const char *prefix, const char *path)
{
    size_t n = strlen(prefix);
    if (strncmp(prefix, path, n))
        return 0;
    return n && (prefix[n - 1] == '/' || path[n] == '\0' || path[n] == '/');
}

static const mount *route(const lab_httpd *h, const char *path)
{
    const mount *best = NULL;
    for (size_t i = 0; i < h->nmounts; i++)
        if (prefix_match(h->mounts[i].prefix, path) &&
            (!best || strlen(h->mounts[i].prefix) > strlen(best->prefix)))
            best = &h->mounts[i];
    return best;
}

void lab_httpd_dispatch(lab_httpd *h, lab_req *req, lab_resp *resp)
{
    const mount *m = route(h, req->path);
    if (!m) {
        lab_resp_status(resp, lab_status_new(404, "NotFound",
                                             "the server could not find the requested resource",
                                             NULL));
        return;
    }
    if (!(m->flags & LAB_MOUNT_PUBLIC) && h->cfg.auth && !lab_auth_check(h->cfg.auth, req)) {
        lab_resp_status(resp, lab_status_unauthorized());
        return;
    }
    m->fn(m->ud, req, resp);
}

/* ---- libmicrohttpd glue ---- */

static enum MHD_Result add_kv(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
    lab_req *r = cls;
    if (kind == MHD_GET_ARGUMENT_KIND)
        lab_req_add_query(r, key, value ? value : "");
    else
        lab_req_add_header(r, key, value ? value : "");
    return MHD_YES;
}

typedef struct stream_ctx {
    lab_httpd *h;
    int fd;
    lab_stream_read read;
    void *ctx;
    void (*ctx_free)(void *);
    long drop_after;          /* > 0: end abruptly after this many chunks */
    long chunks;
} stream_ctx;

/* A buffered body served piecewise, for the truncate and slow faults. */
typedef struct body_ctx {
    lab_httpd *h;
    char *data;
    size_t len;
    size_t limit;             /* bytes sent before the connection is dropped */
    long delay_ms;            /* between chunks (slow) */
} body_ctx;

static ssize_t body_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    body_ctx *b = cls;
    if (atomic_load(&b->h->stopping) || pos >= b->limit)
        return pos >= b->len ? MHD_CONTENT_READER_END_OF_STREAM
                             : MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = b->limit - (size_t)pos;
    if (b->delay_ms > 0) {
        if (n > 64)
            n = 64;
        struct timespec ts = {b->delay_ms / 1000, (b->delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (n > max)
        n = max;
    memcpy(buf, b->data + pos, n);
    return (ssize_t)n;
}

static void body_free(void *cls)
{
    body_ctx *b = cls;
    free(b->data);
    free(b);
}

/* True while the peer has not hung up. */
static int peer_alive(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLRDHUP};
    return !(poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)));
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    stream_ctx *s = cls;
    for (;;) {
        if (atomic_load(&s->h->stopping))
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (s->drop_after > 0 && s->chunks >= s->drop_after)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        long n = s->read(s->ctx, buf, max, 250);
        if (n > 0) {
            s->chunks++;
            return n;
        }
        if (n < 0)
            return MHD_CONTENT_READER_END_OF_STREAM;
        /* a client that hung up ends its watch normally: the error
         * return would log an "application error" the lab did not make */
        if (s->fd >= 0 && !peer_alive(s->fd))
            return MHD_CONTENT_READER_END_OF_STREAM;
    }
}

static void stream_free(void *cls)
{
    stream_ctx *s = cls;
    if (s->ctx_free)
        s->ctx_free(s->ctx);
    free(s);
}

struct upgrade_ctx {
    lab_httpd *h;
    lab_upgrade_fn fn;
    void *ctx;
    void (*ctx_free)(void *);
};

typedef struct upgrade_run {
    upgrade_ctx u;
    int fd;
    char *extra;
    size_t extra_len;
    struct MHD_UpgradeResponseHandle *urh;
    upgraded *slot;
} upgrade_run;

static void *upgrade_thread(void *arg)
{
    upgrade_run *r = arg;
    r->u.fn(r->u.ctx, r->fd, r->extra, r->extra_len);
    MHD_upgrade_action(r->urh, MHD_UPGRADE_ACTION_CLOSE);
    pthread_mutex_lock(&r->u.h->mu);
    r->slot->done = 1;
    pthread_mutex_unlock(&r->u.h->mu);
    if (r->u.ctx_free)
        r->u.ctx_free(r->u.ctx);
    free(r->extra);
    free(r);
    return NULL;
}

static void on_upgrade(void *cls, struct MHD_Connection *conn, void *req_cls, const char *extra,
                       size_t extra_len, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
    (void)conn;
    (void)req_cls;
    upgrade_ctx *u = cls;
    upgrade_run *r = calloc(1, sizeof *r);
    upgraded *slot = calloc(1, sizeof *slot);
    if (!r || !slot)
        abort();
    r->u = *u;
    u->ctx = NULL; /* ownership moved to the thread */
    r->fd = sock;
    /* with TLS this is libmicrohttpd's non-blocking end of a socketpair; the
     * handler runs on a thread of its own and expects blocking reads */
    fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) & ~O_NONBLOCK);
    r->urh = urh;
    r->extra = malloc(extra_len + 1);
    if (extra_len)
        memcpy(r->extra, extra, extra_len);
    r->extra_len = extra_len;
    r->slot = slot;
    slot->fd = sock;
    pthread_mutex_lock(&r->u.h->mu);
    slot->next = r->u.h->upgrades;
    r->u.h->upgrades = slot;
    if (pthread_create(&slot->thread, NULL, upgrade_thread, r) != 0) {
        slot->done = 1;
        slot->thread = 0;
        pthread_mutex_unlock(&r->u.h->mu);
        MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
        if (r->u.ctx_free)
            r->u.ctx_free(r->u.ctx);
        free(r->extra);
        free(r);
        return;
    }
    pthread_mutex_unlock(&r->u.h->mu);
}

static void upgrade_ctx_free(void *cls)
{
    upgrade_ctx *u = cls;
    if (u->ctx && u->ctx_free)
        u->ctx_free(u->ctx);
    free(u);
}

static struct MHD_Response *to_mhd(lab_httpd *h, struct MHD_Connection *conn, conn_ctx *c,
                                   lab_resp *resp)
{
    struct MHD_Response *r;
    if (resp->upgrade) {
        /* libmicrohttpd calls on_upgrade after sending the 101 and reports the
         * request completed only when the upgraded socket is closed, so the
         * closure lives in the request context */
        upgrade_ctx *u = calloc(1, sizeof *u);
        if (!u)
            abort();
        *u = (upgrade_ctx){h, resp->upgrade, resp->upgrade_ctx, resp->upgrade_free};
        resp->upgrade_ctx = NULL;
        r = MHD_create_response_for_upgrade(on_upgrade, u);
        if (!r) {
            upgrade_ctx_free(u);
            return NULL;
        }
        c->upgrade = u;
        return r;
    }
    if (resp->stream) {
        stream_ctx *s = calloc(1, sizeof *s);
        if (!s)
            abort();
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        *s = (stream_ctx){h, ci ? ci->connect_fd : -1, resp->stream, resp->stream_ctx,
                          resp->stream_free, 0, 0};
        if (resp->fault == LAB_RESP_FAULT_DROP || resp->fault == LAB_RESP_FAULT_TRUNCATE)
            s->drop_after = resp->fault_arg > 0 ? resp->fault_arg : 1;
        resp->stream_ctx = NULL;
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, stream_reader, s,
                                              stream_free);
        if (!r)
            stream_free(s);
        return r;
    }
    if (resp->fault == LAB_RESP_FAULT_TRUNCATE || resp->fault == LAB_RESP_FAULT_SLOW ||
        resp->fault == LAB_RESP_FAULT_DROP) {
        body_ctx *b = calloc(1, sizeof *b);
        if (!b)
            abort();
        b->h = h;
        b->len = resp->body.len;
        b->data = malloc(b->len + 1);
        if (!b->data)
            abort();
        if (b->len)
            memcpy(b->data, resp->body.buf, b->len);
        b->limit = resp->fault == LAB_RESP_FAULT_SLOW ? b->len : b->len / 2;
        b->delay_ms = resp->fault == LAB_RESP_FAULT_SLOW ? resp->fault_arg : 0;
        r = MHD_create_response_from_callback(b->len, 1024, body_reader, b, body_free);
        if (!r)
            body_free(b);
        return r;
    }
    return MHD_create_response_from_buffer(resp->body.len, resp->body.buf ? resp->body.buf : (void *)"",
                                           MHD_RESPMEM_MUST_COPY);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    lab_httpd *h = cls;
    conn_ctx *c = *con_cls;
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &c->start);
        *con_cls = c;
        return MHD_YES;
    }
    if (*upload_size) {
        if (c->body.len + *upload_size > h->cfg.max_body)
            c->too_big = 1;
        else
            sb_add(&c->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    lab_req req;
    memset(&req, 0, sizeof req);
    req.method = strdup(!strcmp(method, "HEAD") ? "GET" : method);
    req.path = strdup(url);
    MHD_get_connection_values(conn, MHD_HEADER_KIND | MHD_GET_ARGUMENT_KIND, add_kv, &req);
    lab_req_set_body(&req, c->body.buf ? c->body.buf : "", c->body.len);
    lab_resp resp;
    lab_resp_init(&resp);
    if (c->too_big)
        lab_resp_status(&resp, lab_status_too_large());
    else
        lab_httpd_dispatch(h, &req, &resp);
    if (h->filter)
        h->filter(h->filter_ud, &req, &resp);
    struct MHD_Response *r = resp.fault == LAB_RESP_FAULT_RESET ? NULL
                                                               : to_mhd(h, conn, c, &resp);
    enum MHD_Result ok = MHD_NO;
    if (r) {
        for (size_t i = 0; i < resp.nheaders; i++)
            MHD_add_response_header(r, resp.headers[i].key, resp.headers[i].value);
        ok = MHD_queue_response(conn, (unsigned)resp.status, r);
        MHD_destroy_response(r);
    }
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ms = (double)(end.tv_sec - c->start.tv_sec) * 1e3 +
                (double)(end.tv_nsec - c->start.tv_nsec) / 1e6;
    log_debug("lab: %s %s -> %d (%.1f ms)%s", method, url, resp.status, ms,
              resp.stream ? " streaming" : "");
    lab_resp_release(&resp);
    lab_req_release(&req);
    return ok;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    conn_ctx *c = *con_cls;
    if (c) {
        if (c->upgrade)
            upgrade_ctx_free(c->upgrade);
        sb_release(&c->body);
        free(c);
        *con_cls = NULL;
    }
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    strbuf s = STRBUF_INIT;
    sb_vaddf(&s, fmt, ap);
    while (s.len && (s.buf[s.len - 1] == '\n'))
        sb_setlen(&s, s.len - 1);
    log_debug("lab: libmicrohttpd: %s", s.buf);
    sb_release(&s);
}

static int bind_listener(lab_httpd *h, mtv_err *err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *res, *ai;
    char port[16];
    snprintf(port, sizeof port, "%d", h->cfg.port);
    int rc = getaddrinfo(h->host, port, &hints, &res);
    if (rc)
        return mtv_err_set(err, MTV_EXIT_USAGE, "--listen %s:%d: cannot resolve the host: %s",
                           h->host, h->cfg.port, gai_strerror(rc));
    int fd = -1, saved = 0;
    for (ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
            saved = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        return mtv_err_set(err, MTV_EXIT_ENV, "--listen %s:%d: cannot listen: %s", h->host,
                           h->cfg.port, strerror(saved ? saved : EADDRNOTAVAIL));
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    h->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
    h->listen_fd = fd;
    return 0;
}

int lab_httpd_bind(lab_httpd *h, mtv_err *err)
{
    if (h->listen_fd >= 0)
        return 0;
    return bind_listener(h, err);
}

int lab_httpd_start(lab_httpd *h, mtv_err *err)
{
    if (lab_httpd_bind(h, err) < 0)
        return -1;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_AUTO | MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG;
    if (h->cfg.cert_pem)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)h->cfg.key_pem},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)h->cfg.cert_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    h->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, h, MHD_OPTION_LISTEN_SOCKET, h->listen_fd,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)300, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h, MHD_OPTION_ARRAY,
        h->cfg.cert_pem ? tls_opts : &tls_opts[2], MHD_OPTION_END);
    if (!h->daemon) {
        close(h->listen_fd);
        h->listen_fd = -1;
        return mtv_err_set(err, MTV_EXIT_ENV, "cannot start the HTTP%s server on %s:%d (see the "
                           "debug log)", h->cfg.cert_pem ? "S" : "", h->host, h->port);
    }
    return 0;
}

int lab_httpd_port(const lab_httpd *h)
{
    return h->port;
}

void lab_httpd_stop(lab_httpd *h)
{
    if (!h->daemon)
        return;
    atomic_store(&h->stopping, 1);
    pthread_mutex_lock(&h->mu);
    for (upgraded *u = h->upgrades; u; u = u->next)
        if (!u->done)
            shutdown(u->fd, SHUT_RDWR);
    pthread_mutex_unlock(&h->mu);
    for (;;) {
        pthread_mutex_lock(&h->mu);
        upgraded *u = h->upgrades;
        if (u)
            h->upgrades = u->next;
        pthread_mutex_unlock(&h->mu);
        if (!u)
            break;
        if (u->thread)
            pthread_join(u->thread, NULL);
        free(u);
    }
    MHD_stop_daemon(h->daemon);
    h->daemon = NULL;
    h->listen_fd = -1;
}

void lab_httpd_free(lab_httpd *h)
{
    if (!h)
        return;
    lab_httpd_stop(h);
    for (size_t i = 0; i < h->nmounts; i++)
        free(h->mounts[i].prefix);
    free(h->mounts);
    free(h->host);
    pthread_mutex_destroy(&h->mu);
    free(h);
}
