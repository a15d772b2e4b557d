/*
 * engine: see engine.h. Each exchange builds an easy handle from the request
 * and endpoint, runs it to completion and converts libcurl's result into a
 * response or an error a user can act on (TLS failures say how to trust the
 * server; nothing here ever prints a header value, so credentials stay out of
 * messages).
 */
#include "net/engine.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct net_engine {
    CURLSH *share;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud)
{
    (void)h;
    (void)access;
    net_engine *e = ud;
    pthread_mutex_lock(&e->locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud)
{
    (void)h;
    net_engine *e = ud;
    pthread_mutex_unlock(&e->locks[data]);
}

net_engine *net_engine_new(void)
{
    pthread_once(&global_once, global_init);
    net_engine *e = calloc(1, sizeof *e);
    if (!e)
        abort();
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&e->locks[i], NULL);
    e->share = curl_share_init();
    if (!e->share)
        abort();
    curl_share_setopt(e->share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(e->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(e->share, CURLSHOPT_USERDATA, e);
    curl_share_setopt(e->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(e->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(e->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    return e;
}

void net_engine_free(net_engine *e)
{
    if (!e)
        return;
    curl_share_cleanup(e->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&e->locks[i]);
    free(e);
}

const char *net_engine_version(void)
{
    pthread_once(&global_once, global_init);
    return curl_version();
}

typedef struct xfer {
    CURL *h;
    const http_request *req;
    const net_sink *sink;
    http_response *resp;
    strbuf line;          /* partial line in NET_FRAMES_LINES */
    int streaming;        /* decided at the first body byte */
    int decided;
    int stopped;          /* the frame callback asked to stop */
} xfer;

static char *dup_range(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        abort();
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static size_t on_header(char *data, size_t size, size_t nitems, void *ud)
{
    xfer *x = ud;
    size_t n = size * nitems;
    size_t len = n;
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new status line: an interim 1xx response's headers are dropped. */
        http_headers_free(&x->resp->headers);
        free(x->resp->reason);
        free(x->resp->http_version);
        const char *sp = memchr(data, ' ', len);
        size_t vlen = sp ? (size_t)(sp - data) : len;
        x->resp->http_version = dup_range(data, vlen);
        const char *reason = "";
        size_t rlen = 0;
        if (sp) {
            const char *sp2 = memchr(sp + 1, ' ', len - (size_t)(sp + 1 - data));
            if (sp2) {
                reason = sp2 + 1;
                rlen = len - (size_t)(reason - data);
            }
        }
        x->resp->reason = dup_range(reason, rlen);
        return n;
    }
    const char *colon = memchr(data, ':', len);
    if (!colon || len == 0)
        return n;
    char *name = dup_range(data, (size_t)(colon - data));
    const char *v = colon + 1;
    while (v < data + len && (*v == ' ' || *v == '\t'))
        v++;
    char *value = dup_range(v, len - (size_t)(v - data));
    http_headers_add(&x->resp->headers, name, value);
    free(name);
    free(value);
    return n;
}

static int deliver(xfer *x, const char *p, size_t n)
{
    if (x->stopped || (x->req->cancel && atomic_load(x->req->cancel))) {
        x->stopped = 1;   /* cancelled: not one more frame */
        return -1;
    }
    if (x->sink->on_frame(x->sink->ud, p, n) != 0) {
        x->stopped = 1;
        return -1;
    }
    return 0;
}

static size_t on_body(char *data, size_t size, size_t nitems, void *ud)
{
    xfer *x = ud;
    size_t n = size * nitems;
    if (!x->decided) {
        long code = 0;
        curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
        x->streaming = x->sink && code >= 200 && code < 300;
        x->decided = 1;
    }
    if (!x->streaming) {
        sb_add(&x->resp->body, data, n);
        return n;
    }
    if (x->sink->framing == NET_FRAMES_CHUNKS)
        return deliver(x, data, n) == 0 ? n : 0;
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (data[i] != '\n')
            continue;
        if (x->line.len) {
            sb_add(&x->line, data + start, i - start);
            int rc = deliver(x, x->line.buf, x->line.len);
            sb_reset(&x->line);
            if (rc)
                return 0;
        } else if (deliver(x, data + start, i - start)) {
            return 0;
        }
        start = i + 1;
    }
    sb_add(&x->line, data + start, n - start);
    return n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    xfer *x = ud;
    return x->req->cancel && atomic_load(x->req->cancel) ? 1 : 0;
}

static double ms_of(CURL *h, CURLINFO info)
{
    curl_off_t us = 0;
    curl_easy_getinfo(h, info, &us);
    return (double)us / 1000.0;
}

static void fill_timings(CURL *h, http_timings *t, int https)
{
    double dns = ms_of(h, CURLINFO_NAMELOOKUP_TIME_T);
    double conn = ms_of(h, CURLINFO_CONNECT_TIME_T);
    double app = ms_of(h, CURLINFO_APPCONNECT_TIME_T);
    double pre = ms_of(h, CURLINFO_PRETRANSFER_TIME_T);
    double first = ms_of(h, CURLINFO_STARTTRANSFER_TIME_T);
    double total = ms_of(h, CURLINFO_TOTAL_TIME_T);
    t->blocked = -1;
    t->dns = dns;
    t->connect = conn > dns ? conn - dns : 0;
    t->ssl = https && app > conn ? app - conn : -1;
    double sent_from = app > conn ? app : conn;
    t->send = pre > sent_from ? pre - sent_from : 0;
    t->wait = first > pre ? first - pre : 0;
    t->receive = total > first && first > 0 ? total - first : 0;
}

static void set_blob(CURL *h, CURLoption opt, const char *pem)
{
    struct curl_blob blob = {(void *)pem, strlen(pem), CURL_BLOB_COPY};
    curl_easy_setopt(h, opt, &blob);
}

static void apply_tls(CURL *h, const net_tls *tls)
{
    if (tls->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (tls->ca_pem)
        set_blob(h, CURLOPT_CAINFO_BLOB, tls->ca_pem);
    else if (tls->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, tls->ca_file);
    if (tls->cert_pem) {
        set_blob(h, CURLOPT_SSLCERT_BLOB, tls->cert_pem);
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    } else if (tls->cert_file) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, tls->cert_file);
    }
    if (tls->key_pem) {
        set_blob(h, CURLOPT_SSLKEY_BLOB, tls->key_pem);
        curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    } else if (tls->key_file) {
        curl_easy_setopt(h, CURLOPT_SSLKEY, tls->key_file);
    }
}

static int fail(mtv_err *err, enum net_failure *failure, enum net_failure kind, const char *fmt,
                const char *a, const char *b)
{
    *failure = kind;
    return mtv_err_set(err, MTV_EXIT_ENV, fmt, a, b);
}

/* scheme://host:port of url, never with user:password@ */
static void shown_origin(const char *url, strbuf *out)
{
    strbuf origin = STRBUF_INIT;
    if (http_url_split(url, &origin, NULL, NULL) < 0)
        sb_adds(&origin, url);
    const char *o = sb_str(&origin);
    const char *at = strchr(o, '@');
    if (at) {
        const char *sep = strstr(o, "://");
        sb_add(out, o, sep ? (size_t)(sep + 3 - o) : 0);
        sb_adds(out, at + 1);
    } else {
        sb_adds(out, o);
    }
    sb_release(&origin);
}

static int classify(CURLcode rc, const char *url, const char *detail, int timeout_ms,
                    enum net_failure *failure, mtv_err *err)
{
    strbuf shown = STRBUF_INIT;
    shown_origin(url, &shown);
    const char *o = shown.buf;
    int r;
    switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
        r = fail(err, failure, NET_FAIL_TLS,
                 "TLS verification of %s failed (%s): trust the server's CA (a CA file or "
                 "PEM data for this endpoint), or skip verification explicitly (insecure)",
                 o, detail);
        break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
        r = fail(err, failure, NET_FAIL_TLS, "TLS handshake with %s failed: %s", o, detail);
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        r = fail(err, failure, NET_FAIL_CONNECT, "cannot talk to %s: %s", o, detail);
        break;
    case CURLE_OPERATION_TIMEDOUT:
        *failure = NET_FAIL_TIMEOUT;
        r = mtv_err_set(err, MTV_EXIT_ENV, "%s did not answer in time (%s; limit %d ms)", o,
                        detail, timeout_ms);
        break;
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_WRITE_ERROR:
        r = fail(err, failure, NET_FAIL_CANCELLED, "request to %s was cancelled%s", o, "");
        break;
    default:
        r = fail(err, failure, NET_FAIL_OTHER, "request to %s failed: %s", o, detail);
    }
    sb_release(&shown);
    return r;
}

int net_engine_exchange(net_engine *e, const http_request *req, const net_sink *sink,
                        http_response *resp, enum net_failure *failure, mtv_err *err)
{
    *failure = NET_OK;
    CURL *h = curl_easy_init();
    if (!h)
        return fail(err, failure, NET_FAIL_OTHER, "cannot start a request%s%s", "", "");
    net_endpoint defaults;
    net_endpoint_init(&defaults);
    const net_endpoint *ep = req->endpoint ? req->endpoint : &defaults;
    xfer x = {.h = h, .req = req, .sink = sink, .resp = resp};
    char errbuf[CURL_ERROR_SIZE] = "";
    const char *url = sb_str(&req->url);

    curl_easy_setopt(h, CURLOPT_SHARE, e->share);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
    curl_easy_setopt(h, CURLOPT_USERAGENT, ep->user_agent ? ep->user_agent : "mtv-validate/" MTV_VERSION);

    if (strcasecmp(req->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (req->body.len || strcasecmp(req->method, "POST") == 0 ||
               strcasecmp(req->method, "PUT") == 0 || strcasecmp(req->method, "PATCH") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body.len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body.len ? req->body.buf : "");
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    } else if (strcasecmp(req->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    }
    /* libcurl silently sends a request again when a reused keep-alive
     * connection turns out closed before any answer; for a request that must
     * not run twice (creating a Jira issue) only a fresh connection is safe */
    if (!http_method_idempotent(req->method) && !req->retry_safe)
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);

    struct curl_slist *hdrs = curl_slist_append(NULL, "Expect:");
    int has_ct = 0;
    strbuf line = STRBUF_INIT;
    for (size_t i = 0; i < req->headers.count; i++) {
        const http_header *hd = &req->headers.items[i];
        if (strcasecmp(hd->name, "Content-Type") == 0)
            has_ct = 1;
        sb_reset(&line);
        if (*hd->value)
            sb_addf(&line, "%s: %s", hd->name, hd->value);
        else
            sb_addf(&line, "%s;", hd->name);
        hdrs = curl_slist_append(hdrs, line.buf);
    }
    if (!has_ct && req->body.len == 0)
        hdrs = curl_slist_append(hdrs, "Content-Type:");
    sb_release(&line);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

    apply_tls(h, &ep->tls);

    long total = req->timeout_ms > 0 ? req->timeout_ms : ep->total_timeout_ms;
    if (ep->connect_timeout_ms > 0)
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ep->connect_timeout_ms);
    if (total > 0)
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total);
    if (ep->low_speed_bps > 0 && ep->low_speed_time_s > 0 && !sink) {
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, ep->low_speed_bps);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, ep->low_speed_time_s);
    }
    if (ep->proxy)
        curl_easy_setopt(h, CURLOPT_PROXY, ep->proxy);

    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK && x.streaming && x.line.len && !x.stopped)
        deliver(&x, x.line.buf, x.line.len);
    sb_release(&x.line);

    int result = 0;
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    int stopped = x.stopped || (req->cancel && atomic_load(req->cancel));
    if (rc != CURLE_OK && !(stopped && code > 0)) {
        const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
        result = classify(rc, url, detail, (int)total, failure, err);
    } else {
        if (stopped)
            *failure = NET_FAIL_CANCELLED;
        resp->status = code;
        if (!resp->reason)
            resp->reason = dup_range("", 0);
        if (!resp->http_version)
            resp->http_version = dup_range("HTTP/1.1", 8);
        long ver = 0;
        curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &ver);
        if (ver == CURL_HTTP_VERSION_2_0 || ver == CURL_HTTP_VERSION_3) {
            free(resp->http_version);
            resp->http_version = dup_range(ver == CURL_HTTP_VERSION_3 ? "HTTP/3" : "HTTP/2", 6);
        }
        fill_timings(h, &resp->timings, strncasecmp(url, "https:", 6) == 0);
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    return result;
}

/* ---- raw connections -------------------------------------------------------- */

struct net_conn {
    CURL *h;
    curl_socket_t sock;
    strbuf origin;   /* for messages; no userinfo */
};

int net_engine_connect(net_engine *e, const net_endpoint *ep, const char *url, net_conn **out,
                       enum net_failure *failure, mtv_err *err)
{
    (void)e;   /* no shared pool: a tunnel must never take or give back a pooled connection */
    pthread_once(&global_once, global_init);
    *out = NULL;
    *failure = NET_OK;
    net_endpoint defaults;
    net_endpoint_init(&defaults);
    if (!ep)
        ep = &defaults;
    CURL *h = curl_easy_init();
    if (!h)
        return fail(err, failure, NET_FAIL_OTHER, "cannot start a connection%s%s", "", "");
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    /* ALPN must offer only http/1.1: the caller speaks HTTP/1.1 (an upgrade) itself */
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    apply_tls(h, &ep->tls);
    if (ep->connect_timeout_ms > 0)
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ep->connect_timeout_ms);
    if (ep->proxy)
        curl_easy_setopt(h, CURLOPT_PROXY, ep->proxy);
    /* any proxy, explicit or from the environment, is passed with CONNECT */
    curl_easy_setopt(h, CURLOPT_HTTPPROXYTUNNEL, 1L);
    CURLcode rc = curl_easy_perform(h);
    curl_socket_t sock = CURL_SOCKET_BAD;
    if (rc == CURLE_OK && (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK ||
                           sock == CURL_SOCKET_BAD))
        rc = CURLE_COULDNT_CONNECT;
    if (rc != CURLE_OK) {
        const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
        classify(rc, url, detail, (int)ep->connect_timeout_ms, failure, err);
        curl_easy_cleanup(h);
        return -1;
    }
    net_conn *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->h = h;
    c->sock = sock;
    shown_origin(url, &c->origin);
    *out = c;
    return 0;
}

ssize_t net_conn_send(net_conn *c, const void *buf, size_t n, mtv_err *err)
{
    size_t sent = 0;
    CURLcode rc = curl_easy_send(c->h, buf, n, &sent);
    if (rc == CURLE_AGAIN)
        return 0;
    if (rc != CURLE_OK)
        return mtv_err_set(err, MTV_EXIT_ENV, "sending to %s failed: %s", c->origin.buf,
                           curl_easy_strerror(rc));
    return (ssize_t)sent;
}

ssize_t net_conn_recv(net_conn *c, void *buf, size_t n, int *eof, mtv_err *err)
{
    size_t got = 0;
    *eof = 0;
    CURLcode rc = curl_easy_recv(c->h, buf, n, &got);
    if (rc == CURLE_AGAIN)
        return 0;
    if (rc != CURLE_OK)
        return mtv_err_set(err, MTV_EXIT_ENV, "receiving from %s failed: %s", c->origin.buf,
                           curl_easy_strerror(rc));
    if (got == 0)
        *eof = 1;
    return (ssize_t)got;
}

int net_conn_wait(net_conn *c, int for_write, int wake_fd, long timeout_ms)
{
    short events = for_write == NET_WAIT_EITHER ? POLLIN | POLLOUT : for_write ? POLLOUT : POLLIN;
    struct pollfd fds[2] = {{.fd = c->sock, .events = events},
                            {.fd = wake_fd, .events = POLLIN}};
    for (;;) {
        int rc = poll(fds, wake_fd >= 0 ? 2 : 1, timeout_ms < 0 ? -1 : (int)timeout_ms);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return -1;
        if (rc == 0)
            return 0;
        if (wake_fd >= 0 && fds[1].revents)
            return 2;
        return 1;
    }
}

const char *net_conn_origin(const net_conn *c)
{
    return c->origin.buf;
}

void net_conn_close(net_conn *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->h);
    sb_release(&c->origin);
    free(c);
}
