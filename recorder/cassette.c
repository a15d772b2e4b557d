/* cassette: see cassette.h. */
#include "recorder/cassette.h"

#include <stdlib.h>
#include <string.h>

#include "recorder/bundle.h"
#include "recorder/har.h"
#include "recorder/matchkey.h"
#include "util/fs.h"
#include "util/json.h"

static int bad(mtv_err *err, const cassette *c, size_t i, const char *field, const char *what)
{
    return mtv_err_set(err, MTV_EXIT_USAGE, "%s: /log/entries/%zu%s: %s", c->name, i, field, what);
}

static int load_entry(cassette *c, size_t i, const cJSON *e, mtv_err *err)
{
    cassette_entry *ce = &c->entries[i];
    memset(ce, 0, sizeof *ce);
    ce->json = e;
    if (!cJSON_IsObject(e))
        return bad(err, c, i, "", "expected an object (a HAR entry)");
    const cJSON *rq = cJSON_GetObjectItemCaseSensitive(e, "request");
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(e, "response");
    if (!cJSON_IsObject(rq))
        return bad(err, c, i, "/request", "expected an object");
    if (!cJSON_IsObject(rs))
        return bad(err, c, i, "/response", "expected an object");
    ce->method = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rq, "method"));
    ce->url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rq, "url"));
    if (!ce->method)
        return bad(err, c, i, "/request/method", "expected a string");
    if (!ce->url)
        return bad(err, c, i, "/request/url", "expected a string");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(rs, "status");
    if (!cJSON_IsNumber(status))
        return bad(err, c, i, "/response/status", "expected a number");
    ce->status = (long)status->valuedouble;
    const cJSON *headers = cJSON_GetObjectItemCaseSensitive(rs, "headers");
    if (headers && !cJSON_IsArray(headers))
        return bad(err, c, i, "/response/headers", "expected an array of {name, value}");
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(e, "_seq");
    ce->seq = cJSON_IsNumber(seq) ? (long long)seq->valuedouble : (long long)i;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "_t_ms");
    ce->t_ms = cJSON_IsNumber(t) ? (long long)t->valuedouble : -1;
    const cJSON *tm = cJSON_GetObjectItemCaseSensitive(e, "time");
    ce->time_ms = cJSON_IsNumber(tm) && tm->valuedouble > 0 ? tm->valuedouble : 0;
    ce->upstream = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "_upstream"));
    if (!ce->upstream)
        ce->upstream = "http";
    ce->error = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "_error"));
    ce->stream = cJSON_GetObjectItemCaseSensitive(e, "_stream");
    if (ce->stream && !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(ce->stream, "frames")))
        return bad(err, c, i, "/_stream/frames", "expected an array of frames");
    ce->custom = cJSON_GetObjectItemCaseSensitive(e, "_custom");
    if (ce->custom && !cJSON_IsObject(ce->custom))
        return bad(err, c, i, "/_custom", "expected an object");
    ce->key = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "_key"));
    if (!ce->key || !*ce->key) {
        strbuf key = STRBUF_INIT;
        const cJSON *pd = cJSON_GetObjectItemCaseSensitive(rq, "postData");
        strbuf body = STRBUF_INIT;
        har_body_decode(pd, "_encoding", &body);
        const char *ct = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pd, "mimeType"));
        matchkey_http(&key, ce->method, ce->upstream, ce->url, ct, body.buf ? body.buf : "",
                      body.len, NULL);
        sb_release(&body);
        ce->owned_key = sb_detach(&key, NULL);
        ce->key = ce->owned_key;
    }
    return 0;
}

int cassette_parse(cassette *c, const char *name, const char *text, size_t n, mtv_err *err)
{
    memset(c, 0, sizeof *c);
    c->name = strdup(name);
    if (!c->name)
        abort();
    if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        n -= 3;
    }
    c->bytes = n;
    c->root = cJSON_ParseWithLength(text, n);
    if (!c->root) {
        /* the precise position comes from the checking parser */
        json_doc doc;
        if (json_doc_parse(&doc, name, text, n, JSON_STRICT, err) == 0) {
            json_doc_free(&doc);
            mtv_err_set(err, MTV_EXIT_USAGE, "%s: not valid JSON", name);
        }
        cassette_free(c);
        return -1;
    }
    const cJSON *log = cJSON_GetObjectItemCaseSensitive(c->root, "log");
    const cJSON *entries = cJSON_GetObjectItemCaseSensitive(log, "entries");
    if (!cJSON_IsObject(log) || !cJSON_IsArray(entries)) {
        mtv_err_set(err, MTV_EXIT_USAGE,
                    "%s: not a HAR file: expected {\"log\": {\"entries\": [...]}} at the top", name);
        cassette_free(c);
        return -1;
    }
    c->variables = cJSON_GetObjectItemCaseSensitive(log, "_variables");
    size_t count = (size_t)cJSON_GetArraySize(entries);
    c->entries = calloc(count ? count : 1, sizeof *c->entries);
    if (!c->entries)
        abort();
    const cJSON *e;
    cJSON_ArrayForEach(e, entries) {
        c->count++;
        if (load_entry(c, c->count - 1, e, err) < 0) {
            cassette_free(c);
            return -1;
        }
    }
    return 0;
}

int cassette_load(cassette *c, const char *path, mtv_err *err)
{
    strbuf data = STRBUF_INIT;
    if (fs_read_file(path, &data, err) < 0) {
        memset(c, 0, sizeof *c);
        sb_release(&data);
        return -1;
    }
    int rc;
    if (bundle_sniff(data.buf, data.len)) {
        bundle b;
        rc = bundle_read_memory(&b, path, data.buf, data.len, err);
        if (rc == 0) {
            const bundle_member *m = bundle_find(&b, BUNDLE_CASSETTE);
            strbuf name = STRBUF_INIT;
            sb_addf(&name, "%s:%s", path, BUNDLE_CASSETTE);
            if (!m)
                rc = mtv_err_set(err, MTV_EXIT_USAGE, "%s: bundle has no %s", path, BUNDLE_CASSETTE);
            else
                rc = cassette_parse(c, name.buf, m->data.buf ? m->data.buf : "", m->data.len, err);
            sb_release(&name);
            bundle_free(&b);
        }
        if (rc < 0)
            memset(c, 0, sizeof *c);
    } else {
        rc = cassette_parse(c, path, data.buf ? data.buf : "", data.len, err);
    }
    sb_release(&data);
    return rc;
}

void cassette_free(cassette *c)
{
    for (size_t i = 0; i < c->count; i++)
        free(c->entries[i].owned_key);
    free(c->entries);
    cJSON_Delete(c->root);
    free(c->name);
    memset(c, 0, sizeof *c);
}

int cassette_entry_response(const cassette *c, const cassette_entry *e, http_response *resp,
                            mtv_err *err)
{
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(e->json, "response");
    resp->status = e->status;
    const char *reason = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rs, "statusText"));
    const char *ver = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rs, "httpVersion"));
    resp->reason = strdup(reason ? reason : "");
    resp->http_version = strdup(ver && *ver ? ver : "HTTP/1.1");
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(rs, "headers")) {
        const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(h, "name"));
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(h, "value"));
        if (n && v)
            http_headers_add(&resp->headers, n, v);
    }
    const cJSON *tm = cJSON_GetObjectItemCaseSensitive(e->json, "timings");
    const char *names[7] = {"blocked", "dns", "connect", "ssl", "send", "wait", "receive"};
    double *slots[7] = {&resp->timings.blocked, &resp->timings.dns, &resp->timings.connect,
                        &resp->timings.ssl, &resp->timings.send, &resp->timings.wait,
                        &resp->timings.receive};
    for (int i = 0; i < 7; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(tm, names[i]);
        *slots[i] = cJSON_IsNumber(v) ? v->valuedouble : -1;
    }
    resp->replayed = 1;
    if (e->stream)
        return 0;
    if (har_body_decode(cJSON_GetObjectItemCaseSensitive(rs, "content"), "encoding", &resp->body) < 0)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "%s: entry _seq %lld: response/content/text is not valid base64",
                           c->name, e->seq);
    return 0;
}

void cassette_entry_request_body(const cassette_entry *e, strbuf *out)
{
    const cJSON *rq = cJSON_GetObjectItemCaseSensitive(e->json, "request");
    har_body_decode(cJSON_GetObjectItemCaseSensitive(rq, "postData"), "_encoding", out);
}
