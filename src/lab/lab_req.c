/* lab_req: see lab_req.h. */
#include "lab/lab_req.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/codec.h"

static char *dup_or_empty(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

static void kv_add(lab_kv **list, size_t *n, const char *k, const char *v)
{
    *list = realloc(*list, (*n + 1) * sizeof **list);
    if (!*list)
        abort();
    (*list)[*n].key = dup_or_empty(k);
    (*list)[*n].value = dup_or_empty(v);
    (*n)++;
}

static void kv_free(lab_kv *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i].key);
        free(list[i].value);
    }
    free(list);
}

void lab_req_init(lab_req *r, const char *method, const char *target)
{
    memset(r, 0, sizeof *r);
    r->method = dup_or_empty(method);
    const char *q = strchr(target, '?');
    strbuf path = STRBUF_INIT;
    url_decode(&path, target, q ? (size_t)(q - target) : strlen(target), 0);
    r->path = dup_or_empty(sb_str(&path));
    sb_release(&path);
    if (!q)
        return;
    for (const char *p = q + 1; *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        strbuf k = STRBUF_INIT, v = STRBUF_INIT;
        url_decode(&k, p, eq ? (size_t)(eq - p) : len, 1);
        if (eq)
            url_decode(&v, eq + 1, len - (size_t)(eq + 1 - p), 1);
        if (k.len)
            lab_req_add_query(r, sb_str(&k), sb_str(&v));
        sb_release(&k);
        sb_release(&v);
        p += len + (amp ? 1 : 0);
    }
}

void lab_req_add_query(lab_req *r, const char *key, const char *value)
{
    kv_add(&r->query, &r->nquery, key, value);
}

void lab_req_add_header(lab_req *r, const char *key, const char *value)
{
    kv_add(&r->headers, &r->nheaders, key, value);
    if (!strcasecmp(key, "Host") && !r->host)
        r->host = dup_or_empty(value);
}

void lab_req_set_body(lab_req *r, const void *body, size_t n)
{
    free(r->body);
    r->body = malloc(n + 1);
    if (!r->body)
        abort();
    if (n)
        memcpy(r->body, body, n);
    r->body[n] = '\0';
    r->body_len = n;
}

void lab_req_set_user(lab_req *r, const char *user)
{
    free(r->user);
    r->user = user ? dup_or_empty(user) : NULL;
}

const char *lab_req_query(const lab_req *r, const char *key)
{
    const char *v = NULL;
    for (size_t i = 0; i < r->nquery; i++)
        if (!strcmp(r->query[i].key, key))
            v = r->query[i].value;
    return v;
}

const char *lab_req_header(const lab_req *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (!strcasecmp(r->headers[i].key, name))
            return r->headers[i].value;
    return NULL;
}

void lab_req_release(lab_req *r)
{
    free(r->method);
    free(r->path);
    kv_free(r->query, r->nquery);
    kv_free(r->headers, r->nheaders);
    free(r->body);
    free(r->user);
    free(r->host);
    memset(r, 0, sizeof *r);
}

void lab_resp_init(lab_resp *r)
{
    memset(r, 0, sizeof *r);
    r->status = 200;
}

void lab_resp_release(lab_resp *r)
{
    sb_release(&r->body);
    kv_free(r->headers, r->nheaders);
    if (r->stream_free && r->stream_ctx)
        r->stream_free(r->stream_ctx);
    if (r->upgrade_free && r->upgrade_ctx)
        r->upgrade_free(r->upgrade_ctx);
    memset(r, 0, sizeof *r);
}

void lab_resp_header(lab_resp *r, const char *key, const char *value)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (!strcasecmp(r->headers[i].key, key) && strcasecmp(key, "Warning")) {
            free(r->headers[i].value);
            r->headers[i].value = dup_or_empty(value);
            return;
        }
    kv_add(&r->headers, &r->nheaders, key, value);
}

const char *lab_resp_header_get(const lab_resp *r, const char *key)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (!strcasecmp(r->headers[i].key, key))
            return r->headers[i].value;
    return NULL;
}

void lab_resp_raw(lab_resp *r, int status, const char *content_type, const void *data, size_t n)
{
    r->status = status;
    sb_reset(&r->body);
    sb_add(&r->body, data, n);
    lab_resp_header(r, "Content-Type", content_type);
}

void lab_resp_json(lab_resp *r, int status, const cJSON *obj)
{
    char *s = cJSON_PrintUnformatted(obj);
    lab_resp_raw(r, status, "application/json", s ? s : "null", s ? strlen(s) : 4);
    free(s);
}

void lab_resp_status(lab_resp *r, cJSON *status)
{
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(status, "code");
    lab_resp_json(r, cJSON_IsNumber(code) ? code->valueint : 500, status);
    cJSON_Delete(status);
}

void lab_resp_stream(lab_resp *r, int status, const char *content_type, lab_stream_read read,
                     void *ctx, void (*ctx_free)(void *))
{
    r->status = status;
    lab_resp_header(r, "Content-Type", content_type);
    r->stream = read;
    r->stream_ctx = ctx;
    r->stream_free = ctx_free;
}

void lab_resp_upgrade(lab_resp *r, const char *protocol, lab_upgrade_fn fn, void *ctx,
                      void (*ctx_free)(void *))
{
    r->status = 101;
    lab_resp_header(r, "Upgrade", protocol);
    r->upgrade = fn;
    r->upgrade_ctx = ctx;
    r->upgrade_free = ctx_free;
}
