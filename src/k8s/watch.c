/*
 * watch: list-then-watch with resumption, and the waits built on it.
 *
 * One loop serves k8s_watch, k8s_wait_for and k8s_wait_deleted, the way
 * client-go's reflector works: list (unless a resourceVersion was given),
 * deliver the items as ADDED, then watch from the list's resourceVersion
 * with bookmarks. A stream that ends (server timeout, dropped connection,
 * unreadable frame, 5xx) is resumed from the last resourceVersion seen; a
 * 410 Gone (as an HTTP status or as an ERROR event) means that version is
 * too old, so the loop lists again. Consecutive failures without progress
 * back off and give up after a bound.
 *
 * Time comes only from the transport's clock and every watch request has a
 * fixed shape (timeoutSeconds is a constant, never the time left), so a
 * recorded wait replays request for request: a one-hour wait on a virtual
 * clock takes the recorded branches in milliseconds. A cancel flag (the
 * run's, on SIGINT) stops the loop and its open stream at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/client_int.h"
#include "util/log.h"

#define K8S_WATCH_SERVER_TIMEOUT_S 300     /* asked of the server; constant for replay */
#define K8S_WATCH_CLIENT_SLACK_MS 30000    /* beyond it, the connection counts as dead */
#define K8S_WATCH_MAX_FAILURES 10          /* in a row, without any progress */
#define K8S_WATCH_BACKOFF_BASE_MS 200
#define K8S_WATCH_BACKOFF_MAX_MS 5000
#define K8S_WATCH_LIST_LIMIT 500
#define K8S_WATCH_DEADLINE_SLACK_MS 50     /* a client timeout may fire a hair early */
#define K8S_WATCH_PROGRESS_MS 1000         /* a stream that lasted this long was healthy */

/* Called with each (re)list before its items are delivered; 1 = stop (done). */
typedef int (*watch_list_fn)(void *ud, const cJSON *list, mtv_err *err);

typedef struct wstate {
    k8s_watch_fn cb;
    void *ud;
    mtv_err cberr;      /* the callback's error: the transport clears its own */
    char *rv;           /* last resourceVersion seen */
    int stop;           /* 1 = done, -1 = failed (cberr) */
    int gone;           /* the stream said 410: list again */
    int broken;         /* an unreadable or ERROR frame ended the stream */
    size_t events;      /* events and bookmarks on the current connection */
    strbuf last;        /* what was last seen, for timeout messages */
    strbuf problem;     /* why the last connection ended */
} wstate;

static void set_rv(wstate *w, const cJSON *obj)
{
    const char *rv = k8s_obj_str(obj, "metadata.resourceVersion");
    if (rv && *rv) {
        free(w->rv);
        w->rv = strdup(rv);
    }
}

static void note_last(wstate *w, const char *type, const cJSON *obj)
{
    const char *ns = k8s_obj_str(obj, "metadata.namespace");
    const char *name = k8s_obj_str(obj, "metadata.name");
    const char *rv = k8s_obj_str(obj, "metadata.resourceVersion");
    sb_reset(&w->last);
    sb_addf(&w->last, "%s %s%s%s (resourceVersion %s)", type, ns ? ns : "", ns ? "/" : "",
            name ? name : "?", rv ? rv : "?");
}

static int deliver(wstate *w, const char *type, const cJSON *obj)
{
    note_last(w, type, obj);
    int r = w->cb(w->ud, type, obj, &w->cberr);
    if (r > 0) {
        w->stop = 1;
    } else if (r < 0) {
        w->stop = -1;
        if (!mtv_err_is_set(&w->cberr))
            mtv_err_set(&w->cberr, MTV_EXIT_ENV, "the watch callback failed on %s", w->last.buf);
    }
    return w->stop != 0;
}

static void excerpt(strbuf *out, const char *data, size_t n)
{
    size_t m = n < 120 ? n : 120;
    for (size_t i = 0; i < m; i++)
        sb_addc(out, (unsigned char)data[i] < 32 ? ' ' : data[i]);
    if (n > m)
        sb_adds(out, "...");
}

static int on_frame(void *ud, const char *data, size_t n)
{
    wstate *w = ud;
    size_t i = 0;
    while (i < n && (data[i] == ' ' || data[i] == '\r' || data[i] == '\t'))
        i++;
    if (i == n)
        return 0;
    cJSON *ev = cJSON_ParseWithLength(data, n);
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "type"));
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(ev, "object");
    int stop = 0;
    if (!type || !cJSON_IsObject(obj)) {
        sb_reset(&w->problem);
        sb_adds(&w->problem, "unreadable watch event: ");
        excerpt(&w->problem, data, n);
        w->broken = 1;
        stop = 1;
    } else if (strcmp(type, "BOOKMARK") == 0) {
        set_rv(w, obj);
        w->events++;
    } else if (strcmp(type, "ERROR") == 0) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(obj, "code");
        const char *reason = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "reason"));
        const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "message"));
        sb_reset(&w->problem);
        sb_addf(&w->problem, "watch ERROR event: %d %s: %s",
                cJSON_IsNumber(code) ? code->valueint : 0, reason ? reason : "",
                msg ? msg : "(no message)");
        if ((cJSON_IsNumber(code) && code->valueint == 410) ||
            (reason && (strcmp(reason, "Expired") == 0 || strcmp(reason, "Gone") == 0)))
            w->gone = 1;
        else
            w->broken = 1;
        stop = 1;
    } else if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0 ||
               strcmp(type, "DELETED") == 0) {
        set_rv(w, obj);
        w->events++;
        stop = deliver(w, type, obj);
    } else {
        log_debug("watch: ignoring event of type '%s'", type);
    }
    cJSON_Delete(ev);
    return stop;
}

/* Lists, delivers the items as ADDED and takes the list's resourceVersion. */
static int relist(k8s_client *c, const k8s_kind *k, const char *ns, const k8s_watch_opts *o,
                  watch_list_fn on_list, wstate *w, mtv_err *err)
{
    k8s_list_opts lo = {o->label_selector, o->field_selector, K8S_WATCH_LIST_LIMIT};
    cJSON *list = NULL;
    if (k8s_list(c, k, ns, &lo, &list, err) != 0)
        return -1;
    free(w->rv);
    const char *rv = k8s_obj_str(list, "metadata.resourceVersion");
    w->rv = rv && *rv ? strdup(rv) : NULL;
    if (on_list) {
        int r = on_list(w->ud, list, &w->cberr);
        if (r != 0)
            w->stop = r > 0 ? 1 : -1;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(list, "items")) {
        if (w->stop || deliver(w, "ADDED", item))
            break;
    }
    cJSON_Delete(list);
    if (!w->stop && !w->rv)
        return mtv_err_set(err, MTV_EXIT_ENV, "the API server's list has no resourceVersion to "
                           "watch from");
    return 0;
}

static void describe_selectors(strbuf *out, const k8s_watch_opts *o)
{
    if (o->field_selector && *o->field_selector)
        sb_addf(out, " (fieldSelector %s)", o->field_selector);
    if (o->label_selector && *o->label_selector)
        sb_addf(out, " (labelSelector %s)", o->label_selector);
}

/* "250 ms", "90 s", "5m0s", "1h0m". */
static void format_duration(strbuf *out, int64_t ms)
{
    if (ms < 1000)
        sb_addf(out, "%lld ms", (long long)ms);
    else if (ms < 120000)
        sb_addf(out, "%lld s", (long long)(ms / 1000));
    else if (ms < 3600000)
        sb_addf(out, "%lldm%llds", (long long)(ms / 60000), (long long)(ms / 1000 % 60));
    else
        sb_addf(out, "%lldh%lldm", (long long)(ms / 3600000), (long long)(ms / 60000 % 60));
}

static int deadline_near(mtv_clock *clk, clock_deadline dl)
{
    return dl.at_ms != 0 && clock_deadline_left_ms(clk, dl) <= K8S_WATCH_DEADLINE_SLACK_MS;
}

static void watch_request(k8s_client *c, http_request *req, const char *path, const k8s_watch_opts *o,
                          const char *rv, mtv_clock *clk, clock_deadline dl)
{
    http_request_init(req, &c->watch_ep, K8S_UPSTREAM, "GET", path);
    http_headers_add(&req->headers, "Accept", "application/json");
    http_request_query(req, "watch", "true");
    http_request_query(req, "allowWatchBookmarks", "true");
    http_request_query(req, "resourceVersion", rv);
    if (o->label_selector && *o->label_selector)
        http_request_query(req, "labelSelector", o->label_selector);
    if (o->field_selector && *o->field_selector)
        http_request_query(req, "fieldSelector", o->field_selector);
    char secs[16];
    snprintf(secs, sizeof secs, "%d", K8S_WATCH_SERVER_TIMEOUT_S);
    http_request_query(req, "timeoutSeconds", secs);
    int64_t cap = (int64_t)K8S_WATCH_SERVER_TIMEOUT_S * 1000 + K8S_WATCH_CLIENT_SLACK_MS;
    int64_t left = clock_deadline_left_ms(clk, dl);
    req->timeout_ms = (long)(left < cap ? left : cap);
}

/* The loop. Returns 0 when stopped by the callback (or on_list), -1 with err;
 * *timed_out tells a timeout from other failures. */
static int watch_run(k8s_client *c, const k8s_kind *k, const char *ns, const k8s_watch_opts *o,
                     k8s_watch_fn cb, watch_list_fn on_list, void *ud, int *timed_out, mtv_err *err)
{
    *timed_out = 0;
    mtv_clock *clk = transport_clock(c->t);
    clock_deadline dl = {0};
    if (o->timeout_ms > 0)
        dl = clock_deadline_in(clk, o->timeout_ms);
    wstate w = {.cb = cb, .ud = ud};
    mtv_err_clear(&w.cberr);
    if (o->resource_version && *o->resource_version)
        w.rv = strdup(o->resource_version);
    const char *lns = k->namespaced && ns && *ns ? ns : NULL;
    strbuf path = STRBUF_INIT, what = STRBUF_INIT;
    k8s_path(&path, k, lns, NULL, NULL);
    k8s_what(&what, k, lns, NULL);
    describe_selectors(&what, o);
    int need_list = w.rv == NULL, failures = 0, rc = -1;
    for (;;) {
        if (o->cancel && atomic_load(o->cancel)) {
            mtv_err_set(err, MTV_EXIT_ENV, "cancelled: the run is being interrupted (watching %s)",
                        what.buf);
            break;
        }
        if (deadline_near(clk, dl)) {
            *timed_out = 1;
            strbuf d = STRBUF_INIT;
            format_duration(&d, o->timeout_ms);
            mtv_err_set(err, MTV_EXIT_ENV, "timed out after %s watching %s; last seen: %s", d.buf,
                        what.buf, w.last.len ? w.last.buf : "nothing");
            sb_release(&d);
            break;
        }
        if (need_list) {
            if (relist(c, k, lns, o, on_list, &w, err) < 0) {
                mtv_err_prefix(err, "watching %s", what.buf);
                break;
            }
            need_list = 0;
            if (w.stop)
                break;
        }
        http_request req;
        watch_request(c, &req, path.buf, o, w.rv, clk, dl);
        req.cancel = o->cancel;
        w.events = 0;
        w.gone = w.broken = 0;
        sb_reset(&w.problem);
        int64_t t0 = clock_mono_ms(clk);
        http_response resp = {0};
        mtv_err serr;
        mtv_err_clear(&serr);
        int src = transport_stream(c->t, &req, NET_FRAMES_LINES, on_frame, &w, &resp, &serr);
        int progress = w.events > 0 || clock_mono_ms(clk) - t0 >= K8S_WATCH_PROGRESS_MS;
        http_request_free(&req);
        if (w.stop) {
            http_response_free(&resp);
            break;
        }
        if (o->cancel && atomic_load(o->cancel)) {
            http_response_free(&resp);
            continue;   /* the check at the top says so */
        }
        int resumable = 1;
        if (src < 0) {
            if (serr.exit_code == MTV_EXIT_DIVERGED) {
                *err = serr;
                http_response_free(&resp);
                break;
            }
            sb_reset(&w.problem);
            sb_adds(&w.problem, serr.msg);
        } else if (resp.status == 410 || w.gone) {
            need_list = 1;
            progress = 1;
            if (!w.problem.len)
                sb_adds(&w.problem, "410 Gone");
        } else if (resp.status < 200 || resp.status >= 300) {
            k8s_status_error(c, &resp, what.buf, NULL, &serr);
            if (resp.status >= 500 || resp.status == 429) {
                sb_reset(&w.problem);
                sb_adds(&w.problem, serr.msg);
            } else {
                *err = serr;
                resumable = 0;
            }
        } else if (!w.broken) {
            sb_adds(&w.problem, "the API server ended the watch");
        }
        http_response_free(&resp);
        if (!resumable)
            break;
        failures = progress ? 0 : failures + 1;
        if (failures >= K8S_WATCH_MAX_FAILURES) {
            mtv_err_set(err, MTV_EXIT_ENV, "watching %s failed %d times in a row; last: %s",
                        what.buf, failures, w.problem.buf);
            break;
        }
        log_debug("watch of %s ended (%s); %s from resourceVersion %s", what.buf, w.problem.buf,
                  need_list ? "listing again" : "resuming", need_list ? "-" : w.rv);
        if (failures > 0) {
            int64_t delay = K8S_WATCH_BACKOFF_BASE_MS;
            for (int i = 1; i < failures && delay < K8S_WATCH_BACKOFF_MAX_MS; i++)
                delay *= 2;
            if (delay > K8S_WATCH_BACKOFF_MAX_MS)
                delay = K8S_WATCH_BACKOFF_MAX_MS;
            int64_t left = clock_deadline_left_ms(clk, dl);
            clock_sleep_ms(clk, delay < left ? delay : left);
        }
    }
    if (w.stop == 1) {
        rc = 0;
    } else if (w.stop == -1) {
        *err = w.cberr;
    }
    free(w.rv);
    sb_release(&w.last);
    sb_release(&w.problem);
    sb_release(&path);
    sb_release(&what);
    return rc;
}

int k8s_watch(k8s_client *c, const k8s_kind *k, const char *ns, const k8s_watch_opts *o,
              k8s_watch_fn cb, void *ud, mtv_err *err)
{
    k8s_watch_opts none = {0};
    int timed_out;
    return watch_run(c, k, ns, o ? o : &none, cb, NULL, ud, &timed_out, err);
}

/* ---- waits -------------------------------------------------------------------- */

typedef struct wait_ctx {
    const char *name;
    k8s_pred_fn pred;
    k8s_describe_fn describe;
    void *ud;
    cJSON *last;        /* last version seen; NULL when absent */
    int deleted;        /* it was seen, then deleted */
    int present;        /* wait_deleted: in the last list */
} wait_ctx;

static int same_name(const wait_ctx *w, const cJSON *obj)
{
    const char *n = k8s_obj_str(obj, "metadata.name");
    return n && strcmp(n, w->name) == 0;
}

static void keep_last(wait_ctx *w, const cJSON *obj)
{
    cJSON_Delete(w->last);
    w->last = obj ? cJSON_Duplicate(obj, 1) : NULL;
}

static int wait_for_event(void *ud, const char *type, const cJSON *obj, mtv_err *err)
{
    wait_ctx *w = ud;
    if (!same_name(w, obj))
        return 0;
    if (strcmp(type, "DELETED") == 0) {
        keep_last(w, NULL);
        w->deleted = 1;
        return 0;
    }
    keep_last(w, obj);
    return w->pred(w->ud, obj, err);
}

/* "conditions: Ready=False (ConnectionFailed: ...), Critical=True". */
static void describe_default(const cJSON *obj, strbuf *out)
{
    const cJSON *c;
    const cJSON *conds = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(obj, "status"), "conditions");
    if (!cJSON_GetArraySize(conds)) {
        sb_adds(out, "no status conditions yet");
        return;
    }
    sb_adds(out, "conditions: ");
    int first = 1;
    cJSON_ArrayForEach(c, conds) {
        const char *type = k8s_obj_str(c, "type"), *status = k8s_obj_str(c, "status");
        const char *reason = k8s_obj_str(c, "reason"), *msg = k8s_obj_str(c, "message");
        sb_addf(out, "%s%s=%s", first ? "" : ", ", type ? type : "?", status ? status : "?");
        if ((reason && *reason) || (msg && *msg))
            sb_addf(out, " (%s%s%s)", reason ? reason : "", reason && msg && *reason && *msg ? ": " : "",
                    msg ? msg : "");
        first = 0;
    }
}

int k8s_wait_for(k8s_client *c, const k8s_kind *k, const char *ns, const char *name,
                 k8s_pred_fn pred, k8s_describe_fn describe, void *ud, int64_t timeout_ms,
                 mtv_err *err)
{
    return k8s_wait_for_cancel(c, k, ns, name, pred, describe, ud, timeout_ms, NULL, err);
}

int k8s_wait_for_cancel(k8s_client *c, const k8s_kind *k, const char *ns, const char *name,
                        k8s_pred_fn pred, k8s_describe_fn describe, void *ud, int64_t timeout_ms,
                        atomic_int *cancel, mtv_err *err)
{
    ns = k8s_effective_ns(c, k, ns, NULL);
    strbuf sel = STRBUF_INIT, what = STRBUF_INIT;
    sb_addf(&sel, "metadata.name=%s", name);
    k8s_what(&what, k, ns, name);
    k8s_watch_opts o = {.field_selector = sel.buf, .timeout_ms = timeout_ms, .cancel = cancel};
    wait_ctx w = {.name = name, .pred = pred, .describe = describe, .ud = ud};
    int timed_out = 0;
    int rc = watch_run(c, k, ns, &o, wait_for_event, NULL, &w, &timed_out, err);
    if (rc < 0 && timed_out) {
        strbuf d = STRBUF_INIT, state = STRBUF_INIT;
        format_duration(&d, timeout_ms);
        if (w.last) {
            if (describe)
                describe(ud, w.last, &state);
            else
                describe_default(w.last, &state);
        } else {
            sb_adds(&state, w.deleted ? "it was deleted" : "it does not exist");
        }
        mtv_err_set(err, MTV_EXIT_ENV, "timed out after %s waiting for %s: %s", d.buf, what.buf,
                    state.buf);
        sb_release(&d);
        sb_release(&state);
    }
    keep_last(&w, NULL);
    sb_release(&sel);
    sb_release(&what);
    return rc;
}

static int deleted_list(void *ud, const cJSON *list, mtv_err *err)
{
    (void)err;
    wait_ctx *w = ud;
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(list, "items"))
        if (same_name(w, item))
            return 0;
    keep_last(w, NULL);
    return 1;
}

static int deleted_event(void *ud, const char *type, const cJSON *obj, mtv_err *err)
{
    (void)err;
    wait_ctx *w = ud;
    if (!same_name(w, obj))
        return 0;
    if (strcmp(type, "DELETED") == 0)
        return 1;
    keep_last(w, obj);
    return 0;
}

int k8s_wait_deleted(k8s_client *c, const k8s_kind *k, const char *ns, const char *name,
                     int64_t timeout_ms, mtv_err *err)
{
    return k8s_wait_deleted_cancel(c, k, ns, name, timeout_ms, NULL, err);
}

int k8s_wait_deleted_cancel(k8s_client *c, const k8s_kind *k, const char *ns, const char *name,
                            int64_t timeout_ms, atomic_int *cancel, mtv_err *err)
{
    ns = k8s_effective_ns(c, k, ns, NULL);
    strbuf sel = STRBUF_INIT, what = STRBUF_INIT;
    sb_addf(&sel, "metadata.name=%s", name);
    k8s_what(&what, k, ns, name);
    k8s_watch_opts o = {.field_selector = sel.buf, .timeout_ms = timeout_ms, .cancel = cancel};
    wait_ctx w = {.name = name};
    int timed_out = 0;
    int rc = watch_run(c, k, ns, &o, deleted_event, deleted_list, &w, &timed_out, err);
    if (rc < 0 && timed_out) {
        strbuf d = STRBUF_INIT, state = STRBUF_INIT;
        format_duration(&d, timeout_ms);
        const char *ts = k8s_obj_str(w.last, "metadata.deletionTimestamp");
        if (ts)
            sb_addf(&state, "deletionTimestamp %s", ts);
        else
            sb_adds(&state, "no deletionTimestamp: nothing has asked to delete it");
        const cJSON *fin = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(w.last, "metadata"), "finalizers");
        const cJSON *f;
        sb_adds(&state, ", finalizers [");
        int first = 1;
        cJSON_ArrayForEach(f, fin) {
            if (cJSON_IsString(f))
                sb_addf(&state, "%s%s", first ? "" : ", ", f->valuestring);
            first = 0;
        }
        sb_adds(&state, "]");
        mtv_err_set(err, MTV_EXIT_ENV, "timed out after %s waiting for %s to be deleted; it is "
                    "still there: %s", d.buf, what.buf, state.buf);
        sb_release(&d);
        sb_release(&state);
    }
    keep_last(&w, NULL);
    sb_release(&sel);
    sb_release(&what);
    return rc;
}
