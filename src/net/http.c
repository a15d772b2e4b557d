/* http: see http.h. */
#include "net/http.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/codec.h"

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

void http_headers_add(http_headers *h, const char *name, const char *value)
{
    if (h->count == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 8;
        h->items = realloc(h->items, h->cap * sizeof *h->items);
        if (!h->items)
            abort();
    }
    h->items[h->count].name = xstrdup(name);
    h->items[h->count].value = xstrdup(value);
    h->count++;
}

void http_headers_remove(http_headers *h, const char *name)
{
    size_t w = 0;
    for (size_t i = 0; i < h->count; i++) {
        if (strcasecmp(h->items[i].name, name) == 0) {
            free(h->items[i].name);
            free(h->items[i].value);
            continue;
        }
        h->items[w++] = h->items[i];
    }
    h->count = w;
}

void http_headers_set(http_headers *h, const char *name, const char *value)
{
    http_headers_remove(h, name);
    http_headers_add(h, name, value);
}

const char *http_headers_get(const http_headers *h, const char *name)
{
    for (size_t i = 0; i < h->count; i++)
        if (strcasecmp(h->items[i].name, name) == 0)
            return h->items[i].value;
    return NULL;
}

void http_headers_copy(http_headers *dst, const http_headers *src)
{
    for (size_t i = 0; i < src->count; i++)
        http_headers_add(dst, src->items[i].name, src->items[i].value);
}

void http_headers_free(http_headers *h)
{
    for (size_t i = 0; i < h->count; i++) {
        free(h->items[i].name);
        free(h->items[i].value);
    }
    free(h->items);
    memset(h, 0, sizeof *h);
}

void net_endpoint_init(net_endpoint *ep)
{
    memset(ep, 0, sizeof *ep);
    ep->connect_timeout_ms = 10000;
    ep->total_timeout_ms = 60000;
    ep->low_speed_bps = 1;
    ep->low_speed_time_s = 60;
    ep->retry.max_attempts = 4;
    ep->retry.base_delay_ms = 250;
    ep->retry.max_delay_ms = 8000;
    ep->retry.max_retry_after_ms = 30000;
}

void http_request_init(http_request *req, const net_endpoint *ep, const char *upstream,
                       const char *method, const char *url_or_path)
{
    memset(req, 0, sizeof *req);
    req->method = xstrdup(method ? method : "GET");
    req->upstream = xstrdup(upstream && *upstream ? upstream : "http");
    req->endpoint = ep;
    const char *u = url_or_path ? url_or_path : "";
    if (ep && ep->base_url && !strstr(u, "://")) {
        sb_adds(&req->url, ep->base_url);
        while (req->url.len && req->url.buf[req->url.len - 1] == '/')
            sb_setlen(&req->url, req->url.len - 1);
        if (*u != '/')
            sb_addc(&req->url, '/');
    }
    sb_adds(&req->url, u);
}

void http_request_free(http_request *req)
{
    free(req->method);
    free(req->upstream);
    sb_release(&req->url);
    sb_release(&req->body);
    http_headers_free(&req->headers);
    memset(req, 0, sizeof *req);
}

void http_request_query(http_request *req, const char *name, const char *value)
{
    const char *hash = memchr(sb_str(&req->url), '#', req->url.len);
    if (hash)
        sb_setlen(&req->url, (size_t)(hash - req->url.buf));
    sb_addc(&req->url, memchr(sb_str(&req->url), '?', req->url.len) ? '&' : '?');
    url_encode(&req->url, name, strlen(name), 0);
    sb_addc(&req->url, '=');
    if (value)
        url_encode(&req->url, value, strlen(value), 0);
}

void http_request_body(http_request *req, const char *content_type, const void *data, size_t n)
{
    sb_reset(&req->body);
    sb_add(&req->body, data, n);
    if (content_type)
        http_headers_set(&req->headers, "Content-Type", content_type);
}

int http_method_idempotent(const char *method)
{
    static const char *const safe[] = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE", NULL};
    for (int i = 0; safe[i]; i++)
        if (strcasecmp(method, safe[i]) == 0)
            return 1;
    return 0;
}

void http_response_free(http_response *resp)
{
    free(resp->reason);
    free(resp->http_version);
    http_headers_free(&resp->headers);
    sb_release(&resp->body);
    memset(resp, 0, sizeof *resp);
}

void http_response_reset(http_response *resp)
{
    http_response_free(resp);
}

int http_url_split(const char *url, strbuf *origin, strbuf *path, strbuf *query)
{
    const char *sep = strstr(url, "://");
    if (!sep)
        return -1;
    const char *auth = sep + 3;
    const char *p = auth + strcspn(auth, "/?#");
    if (origin) {
        sb_reset(origin);
        sb_add(origin, url, (size_t)(p - url));
    }
    const char *q = p + strcspn(p, "?#");
    if (path) {
        sb_reset(path);
        if (q == p)
            sb_addc(path, '/');
        else
            sb_add(path, p, (size_t)(q - p));
    }
    if (query) {
        sb_reset(query);
        if (*q == '?') {
            const char *end = q + 1 + strcspn(q + 1, "#");
            sb_add(query, q + 1, (size_t)(end - q - 1));
        }
    }
    return 0;
}

long http_retry_after_ms(const char *value, long long now_ms)
{
    if (!value)
        return -1;
    while (*value == ' ')
        value++;
    if (isdigit((unsigned char)*value)) {
        char *end;
        long secs = strtol(value, &end, 10);
        while (*end == ' ')
            end++;
        if (*end || secs < 0)
            return -1;
        return secs > 86400 ? 86400000L : secs * 1000;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end)
        return -1;
    long long at = (long long)timegm(&tm) * 1000;
    return at > now_ms ? (long)(at - now_ms > 86400000LL ? 86400000LL : at - now_ms) : 0;
}
