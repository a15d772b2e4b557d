/* lab_api_watch: watch responses (see lab_api.h). The HTTP layer pulls
 * bytes through watch_read; each call waits for the next store event at
 * most wait_ms, so a client that went away or a server shutting down is
 * noticed quickly by the transport between calls. */
#include "lab/lab_api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lab/lab_meta.h"
#include "lab/lab_status.h"

typedef struct watch_stream {
    lab_api *api;
    lab_watch *w;
    const lab_kind *k;
    lab_selector labels, fields;
    lab_format format;
    lab_include include;
    int columns_sent;
    int bookmarks;
    long long next_bookmark_ms;
    long long deadline_ms;            /* 0 = none */
    strbuf out;
    size_t out_off;
    int finished;                     /* nothing more after out drains */
} watch_stream;

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void stream_free(void *ctx)
{
    watch_stream *ws = ctx;
    lab_watch_free(ws->w);
    lab_selector_free(&ws->labels);
    lab_selector_free(&ws->fields);
    sb_release(&ws->out);
    free(ws);
}

static void emit_object_event(watch_stream *ws, const char *type, const lab_blob *b)
{
    sb_addf(&ws->out, "{\"type\":\"%s\",\"object\":", type);
    if (ws->format == LAB_FMT_JSON) {
        sb_add(&ws->out, b->text, b->len);
    } else {
        cJSON *obj = lab_blob_parse(b);
        cJSON *out;
        if (ws->format == LAB_FMT_TABLE) {
            out = lab_table_new(ws->k, !ws->columns_sent, b->rv);
            ws->columns_sent = 1;
            lab_table_add_row(out, ws->k, obj, ws->include, lab_store_now(ws->api->store));
        } else {
            out = lab_partial_metadata(obj);
        }
        char *s = cJSON_PrintUnformatted(out);
        sb_adds(&ws->out, s);
        free(s);
        cJSON_Delete(out);
        cJSON_Delete(obj);
    }
    sb_adds(&ws->out, "}\n");
}

static void emit_bookmark(watch_stream *ws, uint64_t rv, int initial_end)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", ws->k->kind);
    cJSON_AddStringToObject(o, "apiVersion", ws->k->api_version);
    cJSON *m = cJSON_AddObjectToObject(o, "metadata");
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)rv);
    cJSON_AddStringToObject(m, "resourceVersion", buf);
    cJSON_AddNullToObject(m, "creationTimestamp");
    if (initial_end) {
        cJSON *a = cJSON_AddObjectToObject(m, "annotations");
        cJSON_AddStringToObject(a, "k8s.io/initial-events-end", "true");
    }
    char *s = cJSON_PrintUnformatted(o);
    sb_addf(&ws->out, "{\"type\":\"BOOKMARK\",\"object\":%s}\n", s);
    free(s);
    cJSON_Delete(o);
}

static void emit_error(watch_stream *ws, cJSON *status)
{
    char *s = cJSON_PrintUnformatted(status);
    sb_addf(&ws->out, "{\"type\":\"ERROR\",\"object\":%s}\n", s);
    free(s);
    cJSON_Delete(status);
}

static long drain(watch_stream *ws, char *buf, size_t max)
{
    size_t n = ws->out.len - ws->out_off;
    if (n > max)
        n = max;
    memcpy(buf, ws->out.buf + ws->out_off, n);
    ws->out_off += n;
    if (ws->out_off == ws->out.len) {
        sb_reset(&ws->out);
        ws->out_off = 0;
    }
    return (long)n;
}

static long watch_read(void *ctx, char *buf, size_t max, int wait_ms)
{
    watch_stream *ws = ctx;
    if (ws->out.len > ws->out_off)
        return drain(ws, buf, max);
    if (ws->finished)
        return -1;
    long long now = mono_ms();
    if (ws->deadline_ms && now >= ws->deadline_ms)
        return -1;
    long long until = now + wait_ms;
    if (ws->deadline_ms && ws->deadline_ms < until)
        until = ws->deadline_ms;
    if (ws->bookmarks && ws->next_bookmark_ms < until)
        until = ws->next_bookmark_ms;
    int wait = until > now ? (int)(until - now) : 0;
    lab_event ev;
    int rc = lab_watch_next(ws->w, wait, &ev);
    if (rc == 1) {
        emit_object_event(ws, lab_event_type_name(ev.type), ev.obj);
        lab_event_release(&ev);
    } else if (rc == 2) {
        emit_bookmark(ws, lab_watch_rv(ws->w), 1);
    } else if (rc == -1) {
        return -1;
    } else if (rc == -2) {
        strbuf m = STRBUF_INIT;
        sb_addf(&m, "too old resource version: %llu", (unsigned long long)lab_watch_rv(ws->w));
        emit_error(ws, lab_status_gone(m.buf));
        sb_release(&m);
        ws->finished = 1;
    } else if (ws->bookmarks && mono_ms() >= ws->next_bookmark_ms) {
        emit_bookmark(ws, lab_watch_rv(ws->w), 0);
        ws->next_bookmark_ms = mono_ms() + ws->api->bookmark_ms;
    }
    if (ws->out.len > ws->out_off)
        return drain(ws, buf, max);
    return 0;
}

void lab_api_watch(lab_api *api, lab_watch_params *p, lab_resp *resp)
{
    watch_stream *ws = calloc(1, sizeof *ws);
    if (!ws)
        abort();
    ws->api = api;
    ws->k = p->kind;
    ws->labels = p->labels;
    ws->fields = p->fields;
    memset(&p->labels, 0, sizeof p->labels);
    memset(&p->fields, 0, sizeof p->fields);
    ws->format = p->format;
    ws->include = p->include;
    ws->bookmarks = p->bookmarks;
    ws->next_bookmark_ms = mono_ms() + api->bookmark_ms;
    if (p->timeout_s > 0)
        ws->deadline_ms = mono_ms() + p->timeout_s * 1000;
    lab_watch_opts o = {.ns = p->ns, .labels = &ws->labels, .fields = &ws->fields,
                        .resource_version = p->resource_version, .send_initial = p->send_initial};
    int code;
    cJSON *status;
    ws->w = lab_store_watch(api->store, p->kind, &o, &code, &status);
    if (!ws->w) {
        if (code == 410) {
            /* the API server answers 200 and reports the expiry in-band */
            emit_error(ws, status);
            ws->finished = 1;
        } else {
            stream_free(ws);
            lab_resp_status(resp, status);
            return;
        }
    }
    lab_resp_header(resp, "Cache-Control", "no-cache, private");
    lab_resp_stream(resp, 200, "application/json", watch_read, ws, stream_free);
}
