/* har: see har.h. */
#include "recorder/har.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/clock.h"
#include "util/codec.h"
#include "util/json.h"

long long har_clamp(double v, long long lo, long long hi)
{
    if (!(v >= (double)lo))   /* also NaN */
        return lo;
    if (v >= (double)hi)
        return hi;
    return (long long)v;
}

int har_is_text(const void *data, size_t n)
{
    const unsigned char *s = data;
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || i + len > n || (c == 0xC0 || c == 0xC1) || c > 0xF4)
            return 0;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += len;
    }
    return 1;
}

static void add_body_text(cJSON *obj, const char *encoding_field, const strbuf *body)
{
    if (har_is_text(body->buf, body->len)) {
        cJSON_AddStringToObject(obj, "text", sb_str(body));
        return;
    }
    strbuf enc = STRBUF_INIT;
    b64_encode(&enc, body->buf, body->len);
    cJSON_AddStringToObject(obj, "text", sb_str(&enc));
    cJSON_AddStringToObject(obj, encoding_field, "base64");
    sb_release(&enc);
}

int har_body_decode(const cJSON *holder, const char *encoding_field, strbuf *out)
{
    const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(holder, "text"));
    if (!text)
        return 0;
    const char *enc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(holder, encoding_field));
    if (enc && strcmp(enc, "base64") == 0)
        return b64_decode(out, text, strlen(text));
    sb_adds(out, text);
    return 0;
}

static cJSON *headers_json(const http_headers *h)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; h && i < h->count; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", h->items[i].name);
        cJSON_AddStringToObject(o, "value", h->items[i].value);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static cJSON *query_json(const char *url)
{
    cJSON *arr = cJSON_CreateArray();
    strbuf q = STRBUF_INIT;
    if (http_url_split(url, NULL, NULL, &q) == 0 && q.len) {
        const char *p = q.buf, *end = q.buf + q.len;
        while (p < end) {
            const char *amp = memchr(p, '&', (size_t)(end - p));
            const char *e = amp ? amp : end;
            if (e > p) {
                const char *eq = memchr(p, '=', (size_t)(e - p));
                strbuf n = STRBUF_INIT, v = STRBUF_INIT;
                url_decode(&n, p, eq ? (size_t)(eq - p) : (size_t)(e - p), 1);
                if (eq)
                    url_decode(&v, eq + 1, (size_t)(e - eq - 1), 1);
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "name", sb_str(&n));
                cJSON_AddStringToObject(o, "value", sb_str(&v));
                cJSON_AddItemToArray(arr, o);
                sb_release(&n);
                sb_release(&v);
            }
            p = e + 1;
        }
    }
    sb_release(&q);
    return arr;
}

static void add_started(cJSON *e, long long started_ms)
{
    char iso[32];
    clock_format_iso(started_ms, iso);
    cJSON_AddStringToObject(e, "startedDateTime", iso);
}

static void add_timings(cJSON *e, const http_timings *t)
{
    const double v[7] = {t->blocked, t->dns, t->connect, t->ssl, t->send, t->wait, t->receive};
    static const char *const names[7] = {"blocked", "dns", "connect", "ssl", "send", "wait", "receive"};
    cJSON *o = cJSON_CreateObject();
    double total = 0;
    for (int i = 0; i < 7; i++) {
        double x = v[i];
        if (i >= 4 && x < 0)
            x = 0;       /* send, wait, receive are required and >= 0 */
        if (x < 0)
            x = -1;
        x = (double)(long long)(x * 1000 + 0.5) / 1000;   /* microsecond precision */
        cJSON_AddNumberToObject(o, names[i], x);
        /* connect already includes ssl in HAR, so ssl is not added again */
        if (x > 0 && i != 3)
            total += x;
    }
    cJSON_AddNumberToObject(e, "time", (double)(long long)(total * 1000 + 0.5) / 1000);
    cJSON_AddItemToObject(e, "timings", o);
}

static void add_common_ext(cJSON *e, long long seq, const char *upstream, const char *key,
                           long long t_ms)
{
    cJSON_AddNumberToObject(e, "_seq", (double)seq);
    cJSON_AddStringToObject(e, "_upstream", upstream ? upstream : "");
    cJSON_AddStringToObject(e, "_key", key ? key : "");
    cJSON_AddNumberToObject(e, "_t_ms", (double)t_ms);
}

cJSON *har_entry_http(const har_exchange *x)
{
    const http_request *req = x->req;
    const http_response *resp = x->error ? NULL : x->resp;
    cJSON *e = cJSON_CreateObject();
    add_started(e, x->started_ms);

    cJSON *rq = cJSON_CreateObject();
    cJSON_AddStringToObject(rq, "method", req->method);
    cJSON_AddStringToObject(rq, "url", sb_str(&req->url));
    cJSON_AddStringToObject(rq, "httpVersion",
                            resp && resp->http_version ? resp->http_version : "HTTP/1.1");
    cJSON_AddItemToObject(rq, "cookies", cJSON_CreateArray());
    cJSON_AddItemToObject(rq, "headers", headers_json(&req->headers));
    cJSON_AddItemToObject(rq, "queryString", query_json(sb_str(&req->url)));
    if (req->body.len) {
        cJSON *pd = cJSON_CreateObject();
        const char *ct = http_headers_get(&req->headers, "Content-Type");
        cJSON_AddStringToObject(pd, "mimeType", ct ? ct : "");
        add_body_text(pd, "_encoding", &req->body);
        cJSON_AddItemToObject(rq, "postData", pd);
    }
    cJSON_AddNumberToObject(rq, "headersSize", -1);
    cJSON_AddNumberToObject(rq, "bodySize", (double)req->body.len);
    cJSON_AddItemToObject(e, "request", rq);

    cJSON *rs = cJSON_CreateObject();
    cJSON_AddNumberToObject(rs, "status", resp ? (double)resp->status : 0);
    cJSON_AddStringToObject(rs, "statusText", resp && resp->reason ? resp->reason : "");
    cJSON_AddStringToObject(rs, "httpVersion",
                            resp && resp->http_version ? resp->http_version : "HTTP/1.1");
    cJSON_AddItemToObject(rs, "cookies", cJSON_CreateArray());
    cJSON_AddItemToObject(rs, "headers", headers_json(resp ? &resp->headers : NULL));
    cJSON *content = cJSON_CreateObject();
    strbuf body = STRBUF_INIT;
    if (resp && x->stream) {
        /* devtools show the concatenated frames; replay reads _stream */
        const cJSON *f;
        cJSON_ArrayForEach(f, cJSON_GetObjectItem(x->stream, "frames")) {
            const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(f, "text"));
            if (t) {
                sb_adds(&body, t);
                sb_addc(&body, '\n');
            }
        }
    } else if (resp) {
        sb_add(&body, resp->body.buf, resp->body.len);
    }
    const char *ct = resp ? http_headers_get(&resp->headers, "Content-Type") : NULL;
    cJSON_AddNumberToObject(content, "size", (double)body.len);
    cJSON_AddStringToObject(content, "mimeType", ct ? ct : "");
    if (body.len)
        add_body_text(content, "encoding", &body);
    cJSON_AddItemToObject(rs, "content", content);
    const char *loc = resp ? http_headers_get(&resp->headers, "Location") : NULL;
    cJSON_AddStringToObject(rs, "redirectURL", loc ? loc : "");
    cJSON_AddNumberToObject(rs, "headersSize", -1);
    int encoded = resp && http_headers_get(&resp->headers, "Content-Encoding");
    cJSON_AddNumberToObject(rs, "bodySize", encoded || !resp ? -1 : (double)body.len);
    sb_release(&body);
    cJSON_AddItemToObject(e, "response", rs);
    cJSON_AddItemToObject(e, "cache", cJSON_CreateObject());
    /* a failed attempt's whole duration counts as waiting: replay moves its
     * clock by it, so a timeout replays as the time it took */
    http_timings none = {-1, -1, -1, -1, 0, x->error && x->error_ms > 0 ? x->error_ms : 0, 0};
    add_timings(e, resp ? &resp->timings : &none);

    add_common_ext(e, x->seq, req->upstream, x->key, x->t_ms);
    strbuf origin = STRBUF_INIT;
    if (http_url_split(sb_str(&req->url), &origin, NULL, NULL) == 0)
        cJSON_AddStringToObject(e, "_origin", origin.buf);
    sb_release(&origin);
    if (x->stream)
        cJSON_AddItemToObject(e, "_stream", x->stream);
    if (x->error)
        cJSON_AddStringToObject(e, "_error", x->error);
    if (x->redactions && cJSON_GetArraySize(x->redactions) > 0)
        cJSON_AddItemToObject(e, "_redactions", x->redactions);
    else
        cJSON_Delete(x->redactions);
    return e;
}

cJSON *har_entry_custom(const har_custom *c)
{
    cJSON *e = cJSON_CreateObject();
    add_started(e, c->started_ms);
    strbuf s = STRBUF_INIT;
    for (const char *k = c->kind; *k; k++)
        sb_addc(&s, (char)(*k >= 'a' && *k <= 'z' ? *k - 32 : *k));
    cJSON *rq = cJSON_CreateObject();
    cJSON_AddStringToObject(rq, "method", s.buf);
    sb_reset(&s);
    sb_addf(&s, "%s://%s/", c->kind, c->upstream ? c->upstream : "-");
    cJSON_AddStringToObject(rq, "url", s.buf);
    cJSON_AddStringToObject(rq, "httpVersion", "");
    cJSON_AddItemToObject(rq, "cookies", cJSON_CreateArray());
    cJSON_AddItemToObject(rq, "headers", cJSON_CreateArray());
    cJSON_AddItemToObject(rq, "queryString", cJSON_CreateArray());
    char *rtext = cJSON_PrintUnformatted(c->request);
    cJSON *pd = cJSON_CreateObject();
    cJSON_AddStringToObject(pd, "mimeType", "application/json");
    cJSON_AddStringToObject(pd, "text", rtext);
    cJSON_AddItemToObject(rq, "postData", pd);
    cJSON_AddNumberToObject(rq, "headersSize", -1);
    cJSON_AddNumberToObject(rq, "bodySize", (double)strlen(rtext));
    free(rtext);
    cJSON_AddItemToObject(e, "request", rq);

    cJSON *rs = cJSON_CreateObject();
    cJSON_AddNumberToObject(rs, "status", c->error ? 0 : 200);
    cJSON_AddStringToObject(rs, "statusText", c->error ? "" : "OK");
    cJSON_AddStringToObject(rs, "httpVersion", "");
    cJSON_AddItemToObject(rs, "cookies", cJSON_CreateArray());
    cJSON_AddItemToObject(rs, "headers", cJSON_CreateArray());
    cJSON *content = cJSON_CreateObject();
    char *stext = c->response ? cJSON_PrintUnformatted(c->response) : NULL;
    cJSON_AddNumberToObject(content, "size", stext ? (double)strlen(stext) : 0);
    cJSON_AddStringToObject(content, "mimeType", "application/json");
    if (stext)
        cJSON_AddStringToObject(content, "text", stext);
    cJSON_AddItemToObject(rs, "content", content);
    cJSON_AddStringToObject(rs, "redirectURL", "");
    cJSON_AddNumberToObject(rs, "headersSize", -1);
    cJSON_AddNumberToObject(rs, "bodySize", stext ? (double)strlen(stext) : 0);
    free(stext);
    cJSON_AddItemToObject(e, "response", rs);
    cJSON_AddItemToObject(e, "cache", cJSON_CreateObject());
    http_timings t = {-1, -1, -1, -1, 0, c->duration_ms, 0};
    add_timings(e, &t);
    add_common_ext(e, c->seq, c->upstream, c->key, c->t_ms);
    cJSON *cu = cJSON_CreateObject();
    cJSON_AddStringToObject(cu, "kind", c->kind);
    cJSON_AddItemToObject(cu, "request", c->request);
    if (c->response)
        cJSON_AddItemToObject(cu, "response", c->response);
    cJSON_AddItemToObject(e, "_custom", cu);
    if (c->error)
        cJSON_AddStringToObject(e, "_error", c->error);
    if (c->redactions && cJSON_GetArraySize(c->redactions) > 0)
        cJSON_AddItemToObject(e, "_redactions", c->redactions);
    else
        cJSON_Delete(c->redactions);
    sb_release(&s);
    return e;
}

cJSON *har_log_build(cJSON *entries, cJSON *variables, cJSON *cassette, cJSON *redaction)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *log = cJSON_AddObjectToObject(root, "log");
    cJSON_AddStringToObject(log, "version", "1.2");
    cJSON *creator = cJSON_AddObjectToObject(log, "creator");
    cJSON_AddStringToObject(creator, "name", "mtv-validate");
    cJSON_AddStringToObject(creator, "version", MTV_VERSION);
    cJSON_AddItemToObject(log, "pages", cJSON_CreateArray());
    cJSON_AddItemToObject(log, "entries", entries ? entries : cJSON_CreateArray());
    cJSON_AddItemToObject(log, "_cassette", cassette ? cassette : cJSON_CreateObject());
    cJSON_AddItemToObject(log, "_variables", variables ? variables : cJSON_CreateObject());
    cJSON_AddItemToObject(log, "_redaction", redaction ? redaction : cJSON_CreateObject());
    return root;
}

void har_print(strbuf *out, const cJSON *root)
{
    char *text = cJSON_Print(root);
    sb_adds(out, text);
    sb_addc(out, '\n');
    free(text);
}

/* ---- structure check ------------------------------------------------------ */

typedef struct checker {
    strbuf *out;
    int count, max;
} checker;

static void problem(checker *c, const char *ptr, const char *what)
{
    if (c->count++ < c->max)
        sb_addf(c->out, "%s: %s\n", ptr, what);
}

static const cJSON *need(checker *c, const cJSON *obj, const char *ptr, const char *name, int type)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    strbuf p = STRBUF_INIT;
    sb_addf(&p, "%s/%s", ptr, name);
    const char *want = type == cJSON_Object ? "an object" : type == cJSON_Array ? "an array"
                       : type == cJSON_Number ? "a number" : type == cJSON_String ? "a string" : "a value";
    if (!v)
        problem(c, p.buf, "missing (required by HAR 1.2)");
    else if (!(v->type & type)) {
        strbuf w = STRBUF_INIT;
        sb_addf(&w, "expected %s, found %s", want, json_type_name(v));
        problem(c, p.buf, w.buf);
        sb_release(&w);
        v = NULL;
    }
    sb_release(&p);
    return v;
}

static void check_pairs(checker *c, const cJSON *obj, const char *ptr, const char *name)
{
    const cJSON *arr = need(c, obj, ptr, name, cJSON_Array);
    int i = 0;
    const cJSON *h;
    cJSON_ArrayForEach(h, arr) {
        strbuf p = STRBUF_INIT;
        sb_addf(&p, "%s/%s/%d", ptr, name, i++);
        if (!cJSON_IsObject(h)) {
            problem(c, p.buf, "expected an object with name and value");
        } else {
            need(c, h, p.buf, "name", cJSON_String);
            need(c, h, p.buf, "value", cJSON_String);
        }
        sb_release(&p);
    }
}

int har_check(const cJSON *root, strbuf *problems, int max)
{
    checker c = {problems, 0, max};
    if (!cJSON_IsObject(root)) {
        problem(&c, "", "expected a JSON object with a \"log\" member");
        return c.count;
    }
    const cJSON *log = need(&c, root, "", "log", cJSON_Object);
    if (!log)
        return c.count;
    const cJSON *ver = need(&c, log, "/log", "version", cJSON_String);
    if (ver && strcmp(ver->valuestring, "1.2") != 0 && strcmp(ver->valuestring, "1.1") != 0)
        problem(&c, "/log/version", "expected \"1.2\"");
    const cJSON *creator = need(&c, log, "/log", "creator", cJSON_Object);
    if (creator) {
        need(&c, creator, "/log/creator", "name", cJSON_String);
        need(&c, creator, "/log/creator", "version", cJSON_String);
    }
    const cJSON *entries = need(&c, log, "/log", "entries", cJSON_Array);
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, entries) {
        strbuf p = STRBUF_INIT, q = STRBUF_INIT;
        sb_addf(&p, "/log/entries/%d", i++);
        if (!cJSON_IsObject(e)) {
            problem(&c, p.buf, "expected an object");
            sb_release(&p);
            continue;
        }
        const cJSON *sd = need(&c, e, p.buf, "startedDateTime", cJSON_String);
        int64_t ms;
        if (sd && clock_parse_iso(sd->valuestring, &ms) < 0) {
            sb_addf(&q, "%s/startedDateTime", p.buf);
            problem(&c, q.buf, "expected an ISO 8601 date-time");
        }
        const cJSON *t = need(&c, e, p.buf, "time", cJSON_Number);
        if (t && t->valuedouble < 0) {
            sb_reset(&q);
            sb_addf(&q, "%s/time", p.buf);
            problem(&c, q.buf, "must be >= 0");
        }
        const cJSON *rq = need(&c, e, p.buf, "request", cJSON_Object);
        if (rq) {
            sb_reset(&q);
            sb_addf(&q, "%s/request", p.buf);
            need(&c, rq, q.buf, "method", cJSON_String);
            need(&c, rq, q.buf, "url", cJSON_String);
            need(&c, rq, q.buf, "httpVersion", cJSON_String);
            check_pairs(&c, rq, q.buf, "headers");
            check_pairs(&c, rq, q.buf, "queryString");
            need(&c, rq, q.buf, "cookies", cJSON_Array);
            need(&c, rq, q.buf, "headersSize", cJSON_Number);
            need(&c, rq, q.buf, "bodySize", cJSON_Number);
            const cJSON *pd = cJSON_GetObjectItemCaseSensitive(rq, "postData");
            if (pd) {
                sb_addf(&q, "/postData");
                if (cJSON_IsObject(pd))
                    need(&c, pd, q.buf, "mimeType", cJSON_String);
                else
                    problem(&c, q.buf, "expected an object");
            }
        }
        const cJSON *rs = need(&c, e, p.buf, "response", cJSON_Object);
        if (rs) {
            sb_reset(&q);
            sb_addf(&q, "%s/response", p.buf);
            need(&c, rs, q.buf, "status", cJSON_Number);
            need(&c, rs, q.buf, "statusText", cJSON_String);
            need(&c, rs, q.buf, "httpVersion", cJSON_String);
            check_pairs(&c, rs, q.buf, "headers");
            need(&c, rs, q.buf, "cookies", cJSON_Array);
            need(&c, rs, q.buf, "redirectURL", cJSON_String);
            need(&c, rs, q.buf, "headersSize", cJSON_Number);
            need(&c, rs, q.buf, "bodySize", cJSON_Number);
            const cJSON *content = need(&c, rs, q.buf, "content", cJSON_Object);
            if (content) {
                sb_addf(&q, "/content");
                need(&c, content, q.buf, "size", cJSON_Number);
                need(&c, content, q.buf, "mimeType", cJSON_String);
            }
        }
        need(&c, e, p.buf, "cache", cJSON_Object);
        const cJSON *tm = need(&c, e, p.buf, "timings", cJSON_Object);
        if (tm) {
            sb_reset(&q);
            sb_addf(&q, "%s/timings", p.buf);
            static const char *const req_t[] = {"send", "wait", "receive", NULL};
            for (int k = 0; req_t[k]; k++) {
                const cJSON *v = need(&c, tm, q.buf, req_t[k], cJSON_Number);
                if (v && v->valuedouble < -1) {
                    strbuf r = STRBUF_INIT;
                    sb_addf(&r, "%s/%s", q.buf, req_t[k]);
                    problem(&c, r.buf, "must be >= -1");
                    sb_release(&r);
                }
            }
        }
        sb_release(&p);
        sb_release(&q);
    }
    return c.count;
}
