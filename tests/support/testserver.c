/* testserver: see testserver.h. */
#include "testserver.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct route {
    char *method;
    char *path;
    ts_handler fn;
    void *ud;
    /* canned or scripted answers */
    ts_script_step *steps;
    size_t nsteps;
    _Atomic size_t next;
    strbuf body;
    int status;
    char *content_type;
    struct route *next_route;
} route;

/* A connection handed to an upgrade function; the server joins its thread. */
typedef struct upgrade {
    ts_server *s;
    ts_upgrade_fn fn;
    void *ud;
    void (*free_ud)(void *ud);
    int started;
    pthread_t thread;
    int fd;
    int closed;                     /* MHD closed fd: ts_stop must not touch it */
    int joined;                     /* ts_stop waited for its thread */
    pthread_mutex_t lock;
    strbuf extra;
    struct MHD_UpgradeResponseHandle *urh;
    struct upgrade *next;
} upgrade;

struct ts_server {
    struct MHD_Daemon *d;
    char url[64];
    char *ca_pem, *key_pem, *cert_pem, *client_cert_pem, *client_key_pem;
    char ca_file[256], client_cert_file[256], client_key_file[256];
    int require_client_cert;
    pthread_mutex_t lock;
    route *routes;
    ts_request **reqs;
    size_t nreqs, cap;
    atomic_int stopping;
    upgrade *upgrades;
    /* held across MHD_stop_daemon: a late upgrade thread must not hand its
     * handle back to a daemon that is being (or has been) torn down */
    pthread_mutex_t mhd_lock;
    int mhd_gone;
};

typedef struct conn_ctx {
    char *uri;
    strbuf body;
    int seen;
} conn_ctx;

/* ---- certificates ---------------------------------------------------------- */

static EVP_PKEY *new_key(void)
{
    EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
    EVP_PKEY *k = NULL;
    EVP_PKEY_keygen_init(kc);
    EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kc, NID_X9_62_prime256v1);
    EVP_PKEY_keygen(kc, &k);
    EVP_PKEY_CTX_free(kc);
    return k;
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, int ca,
                       long serial)
{
    X509 *c = X509_new();
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
    X509_gmtime_adj(X509_getm_notBefore(c), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c), 86400L * 30);
    X509_set_pubkey(c, key);
    X509_NAME *name = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
    if (ca > 0) {
        add_ext(c, issuer ? issuer : c, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(c, issuer ? issuer : c, NID_key_usage, "critical,keyCertSign,cRLSign");
        add_ext(c, issuer ? issuer : c, NID_subject_key_identifier, "hash");
    } else if (ca < 0) {
        add_ext(c, issuer, NID_basic_constraints, "CA:FALSE");
        add_ext(c, issuer, NID_ext_key_usage, "clientAuth");
    } else {
        add_ext(c, issuer, NID_basic_constraints, "CA:FALSE");
        add_ext(c, issuer, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
        add_ext(c, issuer, NID_ext_key_usage, "serverAuth");
    }
    X509_sign(c, issuer_key, EVP_sha256());
    return c;
}

static char *pem_of_cert(X509 *c)
{
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, c);
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *out = strndup(data, (size_t)n);
    BIO_free(b);
    return out;
}

static char *pem_of_key(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *out = strndup(data, (size_t)n);
    BIO_free(b);
    return out;
}

static void write_temp(char *path, size_t n, const char *what, const char *text)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(path, n, "%s/mtv-ts-%s-XXXXXX", tmp, what);
    int fd = mkstemp(path);
    if (fd < 0) {
        path[0] = '\0';
        return;
    }
    if (write(fd, text, strlen(text)) < 0)
        path[0] = '\0';
    close(fd);
}

static void make_certs(ts_server *s)
{
    EVP_PKEY *ca_key = new_key(), *srv_key = new_key(), *cli_key = new_key();
    X509 *ca = make_cert(ca_key, "mtv-validate test CA", NULL, ca_key, 1, 1);
    X509 *srv = make_cert(srv_key, "127.0.0.1", ca, ca_key, 0, 2);
    X509 *cli = make_cert(cli_key, "system:admin", ca, ca_key, -1, 3);
    s->ca_pem = pem_of_cert(ca);
    s->cert_pem = pem_of_cert(srv);
    s->key_pem = pem_of_key(srv_key);
    s->client_cert_pem = pem_of_cert(cli);
    s->client_key_pem = pem_of_key(cli_key);
    X509_free(ca);
    X509_free(srv);
    X509_free(cli);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(srv_key);
    EVP_PKEY_free(cli_key);
    write_temp(s->ca_file, sizeof s->ca_file, "ca", s->ca_pem);
    write_temp(s->client_cert_file, sizeof s->client_cert_file, "client-cert", s->client_cert_pem);
    write_temp(s->client_key_file, sizeof s->client_key_file, "client-key", s->client_key_pem);
}

/* 1 when the TLS peer sent a certificate that verifies against our CA. */
static int client_cert_ok(struct MHD_Connection *con)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!ci || !ci->tls_session)
        return 0;
    gnutls_session_t session = (gnutls_session_t)ci->tls_session;
    unsigned status = 0, n = 0;
    if (!gnutls_certificate_get_peers(session, &n) || n == 0)
        return 0;
    return gnutls_certificate_verify_peers2(session, &status) == 0 && status == 0;
}

/* ---- gzip (stored deflate blocks: valid gzip without a compressor) ----------- */

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

static void gzip_stored(strbuf *out, const void *data, size_t n)
{
    static const unsigned char hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    sb_add(out, hdr, sizeof hdr);
    const unsigned char *p = data;
    size_t left = n;
    do {
        size_t chunk = left > 65535 ? 65535 : left;
        unsigned char b[5] = {(unsigned char)(chunk == left ? 1 : 0), (unsigned char)(chunk & 0xff),
                              (unsigned char)(chunk >> 8), (unsigned char)(~chunk & 0xff),
                              (unsigned char)((~chunk >> 8) & 0xff)};
        sb_add(out, b, 5);
        sb_add(out, p, chunk);
        p += chunk;
        left -= chunk;
    } while (left);
    uint32_t crc = crc32_of(data, n), len = (uint32_t)n;
    unsigned char t[8] = {(unsigned char)crc, (unsigned char)(crc >> 8), (unsigned char)(crc >> 16),
                          (unsigned char)(crc >> 24), (unsigned char)len, (unsigned char)(len >> 8),
                          (unsigned char)(len >> 16), (unsigned char)(len >> 24)};
    sb_add(out, t, 8);
}

/* ---- responses -------------------------------------------------------------- */

void ts_resp_header(ts_response *r, const char *name, const char *value)
{
    http_headers_add(&r->headers, name, value);
}

void ts_resp_body(ts_response *r, const char *content_type, const void *data, size_t n)
{
    sb_reset(&r->body);
    sb_add(&r->body, data, n);
    if (content_type)
        http_headers_set(&r->headers, "Content-Type", content_type);
}

void ts_resp_frame(ts_response *r, long delay_ms, const void *data, size_t n)
{
    r->frames = realloc(r->frames, (r->nframes + 1) * sizeof *r->frames);
    if (!r->frames)
        abort();
    ts_frame *f = &r->frames[r->nframes++];
    f->delay_ms = delay_ms;
    memset(&f->data, 0, sizeof f->data);
    sb_add(&f->data, data, n);
}

static void free_resp(ts_response *r)
{
    http_headers_free(&r->headers);
    sb_release(&r->body);
    for (size_t i = 0; i < r->nframes; i++)
        sb_release(&r->frames[i].data);
    free(r->frames);
}

typedef struct stream_state {
    ts_server *s;
    ts_response resp;
    size_t frame, offset;
} stream_state;

static void sleep_ms(ts_server *s, long ms)
{
    while (ms > 0 && !atomic_load(&s->stopping)) {
        long step = ms > 20 ? 20 : ms;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    stream_state *st = cls;
    if (atomic_load(&st->s->stopping) || st->frame >= st->resp.nframes)
        return MHD_CONTENT_READER_END_OF_STREAM;
    ts_frame *f = &st->resp.frames[st->frame];
    if (st->offset == 0)
        sleep_ms(st->s, f->delay_ms);
    size_t left = f->data.len - st->offset;
    size_t n = left < max ? left : max;
    memcpy(buf, f->data.buf + st->offset, n);
    st->offset += n;
    if (st->offset >= f->data.len) {
        st->frame++;
        st->offset = 0;
    }
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    stream_state *st = cls;
    free_resp(&st->resp);
    free(st);
}

/* ---- routing ------------------------------------------------------------------ */

static int route_matches(const route *r, const char *method, const char *path)
{
    if (r->method && strcasecmp(r->method, method) != 0)
        return 0;
    size_t n = strlen(r->path);
    if (n && r->path[n - 1] == '*')
        return strncmp(path, r->path, n - 1) == 0;
    return strcmp(path, r->path) == 0;
}

static void canned(void *ud, const ts_request *req, ts_response *resp)
{
    (void)req;
    route *r = ud;
    if (r->nsteps) {
        size_t i = atomic_fetch_add(&r->next, 1);
        const ts_script_step *st = &r->steps[i < r->nsteps ? i : r->nsteps - 1];
        resp->status = st->status;
        resp->drop = st->drop;
        if (st->header_name)
            ts_resp_header(resp, st->header_name, st->header_value ? st->header_value : "");
        if (st->body)
            ts_resp_body(resp, "application/json", st->body, strlen(st->body));
        return;
    }
    resp->status = r->status;
    ts_resp_body(resp, r->content_type, r->body.buf ? r->body.buf : "", r->body.len);
}

static route *add_route(ts_server *s, const char *method, const char *path)
{
    route *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    r->method = method ? strdup(method) : NULL;
    r->path = strdup(path);
    pthread_mutex_lock(&s->lock);
    r->next_route = s->routes;
    s->routes = r;
    pthread_mutex_unlock(&s->lock);
    return r;
}

void ts_route(ts_server *s, const char *method, const char *path, ts_handler fn, void *ud)
{
    route *r = add_route(s, method, path);
    r->fn = fn;
    r->ud = ud;
}

void ts_route_static(ts_server *s, const char *method, const char *path, int status,
                     const char *content_type, const void *body, size_t n)
{
    route *r = add_route(s, method, path);
    r->status = status;
    r->content_type = content_type ? strdup(content_type) : NULL;
    sb_add(&r->body, body, n);
    r->fn = canned;
    r->ud = r;
}

void ts_route_script(ts_server *s, const char *method, const char *path,
                     const ts_script_step *steps, size_t n)
{
    route *r = add_route(s, method, path);
    r->steps = calloc(n, sizeof *steps);
    memcpy(r->steps, steps, n * sizeof *steps);
    r->nsteps = n;
    r->fn = canned;
    r->ud = r;
}

/* ---- upgrades ------------------------------------------------------------------ */

static void *upgrade_main(void *arg)
{
    upgrade *u = arg;
    u->fn(u->ud, u->fd, u->extra.buf ? u->extra.buf : "", u->extra.len);
    pthread_mutex_lock(&u->s->mhd_lock);
    pthread_mutex_lock(&u->lock);
    u->closed = 1;
    if (!u->s->mhd_gone)
        MHD_upgrade_action(u->urh, MHD_UPGRADE_ACTION_CLOSE);
    pthread_mutex_unlock(&u->lock);
    pthread_mutex_unlock(&u->s->mhd_lock);
    return NULL;
}

static void on_upgraded(void *cls, struct MHD_Connection *con, void *con_cls, const char *extra,
                        size_t extra_n, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
    (void)con;
    (void)con_cls;
    upgrade *u = cls;
    u->fd = sock;
    u->urh = urh;
    sb_add(&u->extra, extra, extra_n);
    /* MHD forwards TLS only once this returns: the session runs elsewhere */
    if (pthread_create(&u->thread, NULL, upgrade_main, u) != 0)
        abort();
    pthread_mutex_lock(&u->lock);
    u->started = 1;
    pthread_mutex_unlock(&u->lock);
}

static upgrade *new_upgrade(ts_server *s, const ts_response *resp)
{
    upgrade *u = calloc(1, sizeof *u);
    if (!u)
        abort();
    u->s = s;
    u->fn = resp->upgrade;
    u->ud = resp->upgrade_ud;
    u->free_ud = resp->upgrade_free;
    u->fd = -1;
    pthread_mutex_init(&u->lock, NULL);
    pthread_mutex_lock(&s->lock);
    u->next = s->upgrades;
    s->upgrades = u;
    pthread_mutex_unlock(&s->lock);
    return u;
}

static void stop_upgrades(ts_server *s)
{
    for (upgrade *u = s->upgrades; u; u = u->next) {
        pthread_mutex_lock(&u->lock);
        if (u->started && !u->closed)
            shutdown(u->fd, SHUT_RDWR);
        pthread_mutex_unlock(&u->lock);
    }
    for (upgrade *u = s->upgrades; u; u = u->next) {
        pthread_mutex_lock(&u->lock);
        int wait = u->started && !u->joined;
        pthread_mutex_unlock(&u->lock);
        if (wait) {
            pthread_join(u->thread, NULL);
            u->joined = 1;
        }
    }
}

static void free_upgrades(ts_server *s)
{
    for (upgrade *u = s->upgrades; u;) {
        upgrade *n = u->next;
        if (u->free_ud)
            u->free_ud(u->ud);
        sb_release(&u->extra);
        pthread_mutex_destroy(&u->lock);
        free(u);
        u = n;
    }
}

/* ---- MHD callbacks ---------------------------------------------------------- */

static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *con)
{
    (void)cls;
    (void)con;
    conn_ctx *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->uri = strdup(uri ? uri : "/");
    return c;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    http_headers_add(cls, key, value ? value : "");
    return MHD_YES;
}

static void keep_request(ts_server *s, ts_request *rq)
{
    pthread_mutex_lock(&s->lock);
    if (s->nreqs == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->reqs = realloc(s->reqs, s->cap * sizeof *s->reqs);
        if (!s->reqs)
            abort();
    }
    s->reqs[s->nreqs++] = rq;
    pthread_mutex_unlock(&s->lock);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)url;
    (void)version;
    ts_server *s = cls;
    conn_ctx *c = *con_cls;
    if (!c->seen) {
        c->seen = 1;   /* headers only; the body (if any) comes next */
        return MHD_YES;
    }
    if (*upload_size) {
        sb_add(&c->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    ts_request *rq = calloc(1, sizeof *rq);
    if (!rq)
        abort();
    rq->method = strdup(method);
    rq->uri = strdup(c->uri);
    const char *q = strchr(c->uri, '?');
    rq->path = q ? strndup(c->uri, (size_t)(q - c->uri)) : strdup(c->uri);
    MHD_get_connection_values(con, MHD_HEADER_KIND, collect_header, &rq->headers);
    sb_add(&rq->body, c->body.buf, c->body.len);
    rq->client_cert = s->require_client_cert && client_cert_ok(con);
    keep_request(s, rq);

    ts_response resp = {.status = 200};
    route *match = NULL;
    pthread_mutex_lock(&s->lock);
    for (route *r = s->routes; r && !match; r = r->next_route)
        if (route_matches(r, method, rq->path))
            match = r;
    pthread_mutex_unlock(&s->lock);
    if (s->require_client_cert && !rq->client_cert) {
        resp.status = 403;
        ts_resp_body(&resp, "text/plain", "client certificate required\n", 28);
    } else if (match) {
        match->fn(match->ud, rq, &resp);
    } else {
        resp.status = 404;
        ts_resp_body(&resp, "text/plain", "no route\n", 9);
    }
    if (resp.drop) {
        free_resp(&resp);
        return MHD_NO;
    }
    struct MHD_Response *r;
    if (resp.upgrade) {
        r = MHD_create_response_for_upgrade(on_upgraded, new_upgrade(s, &resp));
        for (size_t i = 0; i < resp.headers.count; i++)
            MHD_add_response_header(r, resp.headers.items[i].name, resp.headers.items[i].value);
        free_resp(&resp);
    } else if (resp.nframes) {
        stream_state *st = calloc(1, sizeof *st);
        if (!st)
            abort();
        st->s = s;
        st->resp = resp;
        memset(&st->resp.headers, 0, sizeof st->resp.headers);
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_reader, st, stream_free);
        for (size_t i = 0; i < resp.headers.count; i++)
            MHD_add_response_header(r, resp.headers.items[i].name, resp.headers.items[i].value);
        http_headers_free(&resp.headers);
    } else {
        strbuf wire = STRBUF_INIT;
        if (resp.gzip) {
            gzip_stored(&wire, resp.body.buf ? resp.body.buf : "", resp.body.len);
            http_headers_set(&resp.headers, "Content-Encoding", "gzip");
        } else {
            sb_add(&wire, resp.body.buf ? resp.body.buf : "", resp.body.len);
        }
        r = MHD_create_response_from_buffer(wire.len, wire.buf ? wire.buf : (char *)"", MHD_RESPMEM_MUST_COPY);
        sb_release(&wire);
        for (size_t i = 0; i < resp.headers.count; i++)
            MHD_add_response_header(r, resp.headers.items[i].name, resp.headers.items[i].value);
        free_resp(&resp);
    }
    enum MHD_Result ret = MHD_queue_response(con, (unsigned)resp.status, r);
    MHD_destroy_response(r);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)con;
    (void)toe;
    conn_ctx *c = *con_cls;
    if (c) {
        free(c->uri);
        sb_release(&c->body);
        free(c);
        *con_cls = NULL;
    }
}

ts_server *ts_start(int flags)
{
    int https = flags & TS_HTTPS;
    ts_server *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->mhd_lock, NULL);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned mhd_flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_ALLOW_UPGRADE;
    if (https) {
        make_certs(s);
        mhd_flags |= MHD_USE_TLS;
        s->require_client_cert = (flags & TS_CLIENT_CERT) != 0;
        if (s->require_client_cert)
            s->d = MHD_start_daemon(mhd_flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &addr,
                                    MHD_OPTION_URI_LOG_CALLBACK, uri_logger, s,
                                    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                                    MHD_OPTION_HTTPS_MEM_KEY, s->key_pem, MHD_OPTION_HTTPS_MEM_CERT,
                                    s->cert_pem, MHD_OPTION_HTTPS_MEM_TRUST, s->ca_pem, MHD_OPTION_END);
        else
            s->d = MHD_start_daemon(mhd_flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &addr,
                                    MHD_OPTION_URI_LOG_CALLBACK, uri_logger, s,
                                    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                                    MHD_OPTION_HTTPS_MEM_KEY, s->key_pem, MHD_OPTION_HTTPS_MEM_CERT,
                                    s->cert_pem, MHD_OPTION_END);
    } else {
        s->d = MHD_start_daemon(mhd_flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &addr,
                                MHD_OPTION_URI_LOG_CALLBACK, uri_logger, s,
                                MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    }
    if (!s->d) {
        fprintf(stderr, "testserver: cannot start libmicrohttpd\n");
        abort();
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(s->url, sizeof s->url, "%s://127.0.0.1:%u", https ? "https" : "http",
             (unsigned)info->port);
    return s;
}

void ts_stop(ts_server *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, 1);
    stop_upgrades(s);
    pthread_mutex_lock(&s->mhd_lock);
    MHD_stop_daemon(s->d);
    s->mhd_gone = 1;
    pthread_mutex_unlock(&s->mhd_lock);
    /* an upgrade that was completing while we stopped started its thread late;
     * the daemon closed its handle itself */
    stop_upgrades(s);
    free_upgrades(s);
    for (route *r = s->routes; r;) {
        route *n = r->next_route;
        free(r->method);
        free(r->path);
        free(r->steps);
        free(r->content_type);
        sb_release(&r->body);
        free(r);
        r = n;
    }
    for (size_t i = 0; i < s->nreqs; i++) {
        ts_request *rq = s->reqs[i];
        free(rq->method);
        free(rq->uri);
        free(rq->path);
        http_headers_free(&rq->headers);
        sb_release(&rq->body);
        free(rq);
    }
    free(s->reqs);
    if (s->ca_file[0])
        unlink(s->ca_file);
    if (s->client_cert_file[0])
        unlink(s->client_cert_file);
    if (s->client_key_file[0])
        unlink(s->client_key_file);
    free(s->client_cert_pem);
    free(s->client_key_pem);
    free(s->ca_pem);
    free(s->cert_pem);
    free(s->key_pem);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->mhd_lock);
    free(s);
}

const char *ts_url(const ts_server *s)
{
    return s->url;
}

const char *ts_ca_pem(const ts_server *s)
{
    return s->ca_pem;
}

const char *ts_ca_file(const ts_server *s)
{
    return s->ca_file[0] ? s->ca_file : NULL;
}

size_t ts_count(ts_server *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->nreqs;
    pthread_mutex_unlock(&s->lock);
    return n;
}

const ts_request *ts_request_at(ts_server *s, size_t i)
{
    pthread_mutex_lock(&s->lock);
    const ts_request *r = i < s->nreqs ? s->reqs[i] : NULL;
    pthread_mutex_unlock(&s->lock);
    return r;
}

size_t ts_count_path(ts_server *s, const char *path)
{
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->nreqs; i++)
        n += strcmp(s->reqs[i]->path, path) == 0;
    pthread_mutex_unlock(&s->lock);
    return n;
}

const char *ts_client_cert_pem(const ts_server *s)
{
    return s->client_cert_pem;
}

const char *ts_client_key_pem(const ts_server *s)
{
    return s->client_key_pem;
}

const char *ts_client_cert_file(const ts_server *s)
{
    return s->client_cert_file[0] ? s->client_cert_file : NULL;
}

const char *ts_client_key_file(const ts_server *s)
{
    return s->client_key_file[0] ? s->client_key_file : NULL;
}
