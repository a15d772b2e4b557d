/*
 * transport: see transport.h. The retry loop sits above the mode: every
 * attempt is one exchange that is sent live, sent and journalled, or
 * answered from the cassette, so retries replay exactly as recorded.
 */
#include "net/transport.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "recorder/finalize.h"
#include "recorder/har.h"
#include "recorder/journal.h"
#include "recorder/matchkey.h"
#include "recorder/redact.h"
#include "recorder/replay.h"
#include "net/websocket.h"
#include "net/ws_frame.h"
#include "util/codec.h"
#include "util/log.h"

struct transport {
    enum transport_mode mode;
    net_engine *engine;
    mtv_clock *clock;
    int own_clock;
    mtv_rand *rand;
    mtv_rand *jitter;           /* retry jitter: separate so names stay reproducible */
    secret_registry *secrets;
    redactor redact;
    journal *journal;
    char *journal_path;
    replay *replay;
    _Atomic long long seq;
    _Atomic long names;
    _Atomic long journal_failures;   /* exchanges that could not be journalled */
    pthread_mutex_t vars_lock;
    cJSON *vars;                /* name -> value */
    const cJSON *recorded_names;
};

int transport_mode_parse(const char *name, enum transport_mode *mode, mtv_err *err)
{
    static const char *const names[] = {"live", "record", "replay"};
    for (int i = 0; i < 3; i++)
        if (name && strcasecmp(name, names[i]) == 0) {
            *mode = (enum transport_mode)i;
            return 0;
        }
    return mtv_err_set(err, MTV_EXIT_USAGE, "unknown transport mode '%s': expected live, record or replay",
                       name ? name : "");
}

const char *transport_mode_name(enum transport_mode mode)
{
    return mode == TRANSPORT_RECORD ? "record" : mode == TRANSPORT_REPLAY ? "replay" : "live";
}

static int open_replay(transport *t, const transport_config *cfg, mtv_err *err)
{
    if (!cfg->cassette_path)
        return mtv_err_set(err, MTV_EXIT_USAGE, "replay needs a cassette (a .har file or a bundle)");
    cassette c;
    if (cassette_load(&c, cfg->cassette_path, err) < 0)
        return -1;
    uint64_t seed = 0;
    int64_t start_ms = 0;
    const cJSON *v = c.variables;
    const char *seed_text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "seed"));
    if (seed_text && rand_seed_parse(seed_text, &seed) < 0)
        log_warn("%s: log._variables.seed '%s' is not a seed; using 0", c.name, seed_text);
    const cJSON *start = cJSON_GetObjectItemCaseSensitive(v, "start_ms");
    if (cJSON_IsNumber(start))
        start_ms = har_clamp(start->valuedouble, 0, 100 * HAR_MAX_MS);
    t->rand = rand_new(seed);
    t->jitter = rand_new(seed ^ 0x6a09e667f3bcc908ULL);
    if (!cfg->clock) {
        t->clock = clock_new_virtual(start_ms);
        t->own_clock = 1;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(v, "values"))
        if (cJSON_IsString(it))
            cJSON_AddStringToObject(t->vars, it->string, it->valuestring);
    replay_opts opts = {cfg->repeat_last, cfg->out_dir};
    if (replay_open(&t->replay, &c, &opts, err) < 0)
        return -1;
    t->recorded_names = cJSON_GetObjectItemCaseSensitive(replay_cassette(t->replay)->variables, "names");
    return 0;
}

int transport_open(transport **out, const transport_config *cfg, mtv_err *err)
{
    *out = NULL;
    transport *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    t->mode = cfg->mode;
    t->secrets = cfg->secrets ? cfg->secrets : log_secrets();
    t->redact.secrets = t->secrets;
    t->clock = cfg->clock;
    t->vars = cJSON_CreateObject();
    pthread_mutex_init(&t->vars_lock, NULL);
    int rc = 0;
    if (cfg->mode == TRANSPORT_REPLAY) {
        rc = open_replay(t, cfg, err);
    } else {
        t->engine = net_engine_new();
        mtv_rand *seeded = cfg->has_seed ? rand_new(cfg->seed) : rand_new_entropy();
        t->rand = seeded;
        t->jitter = rand_new(rand_seed(seeded) ^ 0x6a09e667f3bcc908ULL);
        if (!t->clock) {
            t->clock = clock_new_real();
            t->own_clock = 1;
        }
        if (cfg->mode == TRANSPORT_RECORD) {
            if (!cfg->journal_path) {
                rc = mtv_err_set(err, MTV_EXIT_USAGE, "record mode needs a journal path");
            } else {
                cJSON *meta = cJSON_CreateObject();
                char seed[24];
                rand_seed_format(rand_seed(t->rand), seed);
                cJSON_AddStringToObject(meta, "tool_version", MTV_VERSION);
                cJSON_AddStringToObject(meta, "scenario", cfg->scenario ? cfg->scenario : "");
                cJSON_AddStringToObject(meta, "seed", seed);
                cJSON_AddNumberToObject(meta, "start_ms", (double)clock_start_ms(t->clock));
                rc = journal_open(&t->journal, cfg->journal_path, meta, !cfg->journal_nosync, err);
                cJSON_Delete(meta);
                t->journal_path = strdup(cfg->journal_path);
            }
        }
    }
    if (rc < 0) {
        transport_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

void transport_free(transport *t)
{
    if (!t)
        return;
    journal_close(t->journal);
    replay_free(t->replay);
    net_engine_free(t->engine);
    if (t->own_clock)
        clock_free(t->clock);
    rand_free(t->rand);
    rand_free(t->jitter);
    cJSON_Delete(t->vars);
    pthread_mutex_destroy(&t->vars_lock);
    free(t->journal_path);
    free(t);
}

enum transport_mode transport_get_mode(const transport *t)
{
    return t->mode;
}

mtv_clock *transport_clock(transport *t)
{
    return t->clock;
}

mtv_rand *transport_rand(transport *t)
{
    return t->rand;
}

secret_registry *transport_secrets(transport *t)
{
    return t->secrets;
}

const char *transport_journal_path(const transport *t)
{
    return t->journal ? t->journal_path : NULL;
}

void transport_secret(transport *t, const char *label, const char *value)
{
    secrets_add(t->secrets, label, value);
    if (t->secrets != log_secrets())
        secrets_add(log_secrets(), label, value);
}

/* ---- auth ------------------------------------------------------------------- */

static void apply_auth(transport *t, http_request *req)
{
    const net_endpoint *ep = req->endpoint;
    if (!ep)
        return;
    strbuf v = STRBUF_INIT;
    switch (ep->auth) {
    case NET_AUTH_BEARER:
        if (ep->token && !http_headers_get(&req->headers, "Authorization")) {
            transport_secret(t, "endpoint.token", ep->token);
            sb_addf(&v, "Bearer %s", ep->token);
            http_headers_add(&req->headers, "Authorization", v.buf);
        }
        break;
    case NET_AUTH_BASIC:
        if (!http_headers_get(&req->headers, "Authorization")) {
            strbuf plain = STRBUF_INIT;
            sb_addf(&plain, "%s:%s", ep->username ? ep->username : "", ep->password ? ep->password : "");
            transport_secret(t, "endpoint.password", ep->password);
            transport_secret(t, "endpoint.basic", plain.buf);
            sb_adds(&v, "Basic ");
            b64_encode(&v, plain.buf, plain.len);
            http_headers_add(&req->headers, "Authorization", v.buf);
            sb_release(&plain);
        }
        break;
    case NET_AUTH_COOKIE:
        if (ep->cookie && !http_headers_get(&req->headers, "Cookie")) {
            const char *eq = strchr(ep->cookie, '=');
            transport_secret(t, "endpoint.cookie", eq ? eq + 1 : ep->cookie);
            http_headers_add(&req->headers, "Cookie", ep->cookie);
        }
        break;
    default:
        break;
    }
    if (ep->tls.key_pem)
        transport_secret(t, "endpoint.client-key", ep->tls.key_pem);
    sb_release(&v);
}

/* ---- recording ------------------------------------------------------------ */

typedef struct frame_tap {
    transport *t;
    net_frame_fn user;
    void *ud;
    int64_t t0_us;
    cJSON *frames;           /* record: redacted frames with offsets */
    enum net_framing framing;
    size_t delivered;
} frame_tap;

static cJSON *frame_json(const redactor *r, const char *data, size_t n, long long t_ms, size_t index,
                         cJSON *report)
{
    cJSON *f = cJSON_CreateObject();
    cJSON_AddNumberToObject(f, "t_ms", (double)t_ms);
    strbuf body = STRBUF_INIT, where = STRBUF_INIT;
    sb_add(&body, data, n);
    sb_addf(&where, "frame %zu", index);
    redact_body(r, &body, "application/json", where.buf, report);
    if (har_is_text(body.buf, body.len)) {
        cJSON_AddStringToObject(f, "text", sb_str(&body));
    } else {
        strbuf enc = STRBUF_INIT;
        b64_encode(&enc, body.buf, body.len);
        cJSON_AddStringToObject(f, "base64", enc.buf);
        sb_release(&enc);
    }
    sb_release(&body);
    sb_release(&where);
    return f;
}

static int tap_frame(void *ud, const char *data, size_t n)
{
    frame_tap *tap = ud;
    tap->delivered++;
    if (tap->frames) {
        long long t_ms = (clock_mono_us(tap->t->clock) - tap->t0_us) / 1000;
        /* frames are redacted as they are kept: nothing raw is held */
        cJSON_AddItemToArray(tap->frames, frame_json(&tap->t->redact, data, n, t_ms,
                                                     (size_t)cJSON_GetArraySize(tap->frames), NULL));
    }
    return tap->user(tap->ud, data, n);
}

static void copy_request(http_request *dst, const http_request *src)
{
    http_request_init(dst, NULL, src->upstream, src->method, sb_str(&src->url));
    http_headers_copy(&dst->headers, &src->headers);
    sb_add(&dst->body, src->body.buf, src->body.len);
}

static void copy_response(http_response *dst, const http_response *src)
{
    memset(dst, 0, sizeof *dst);
    dst->status = src->status;
    dst->reason = strdup(src->reason ? src->reason : "");
    dst->http_version = strdup(src->http_version ? src->http_version : "HTTP/1.1");
    http_headers_copy(&dst->headers, &src->headers);
    sb_add(&dst->body, src->body.buf, src->body.len);
    dst->timings = src->timings;
}

/* The key of a request as replay computes it: on a redacted copy. */
static void redacted_key(transport *t, const http_request *req, http_request *copy, strbuf *key)
{
    copy_request(copy, req);
    redact_request(&t->redact, copy, NULL);
    matchkey_http(key, copy->method, copy->upstream, sb_str(&copy->url),
                  http_headers_get(&copy->headers, "Content-Type"), copy->body.buf, copy->body.len,
                  NULL);
}

static const char *failure_name(enum net_failure f)
{
    static const char *const names[] = {"", "connect", "timeout", "tls", "cancelled", "other"};
    return f >= NET_OK && f <= NET_FAIL_OTHER ? names[f] : "other";
}

static enum net_failure failure_parse(const char *s)
{
    static const char *const names[] = {"", "connect", "timeout", "tls", "cancelled", "other"};
    for (int i = 1; s && i <= NET_FAIL_OTHER; i++)
        if (strcmp(s, names[i]) == 0)
            return (enum net_failure)i;
    return NET_FAIL_OTHER;
}

static void journal_exchange(transport *t, const http_request *req, const http_response *resp,
                             int failed, enum net_failure failure, const mtv_err *xerr,
                             long long seq, long long started_ms, long long t_ms, cJSON *frames,
                             enum net_framing framing, double elapsed_ms)
{
    cJSON *report = cJSON_CreateArray();
    http_request rq;
    copy_request(&rq, req);
    redact_request(&t->redact, &rq, report);
    http_response rs = {0};
    if (!failed) {
        copy_response(&rs, resp);
        redact_response(&t->redact, &rs, report);
    }
    strbuf key = STRBUF_INIT, msg = STRBUF_INIT;
    matchkey_http(&key, rq.method, rq.upstream, sb_str(&rq.url),
                  http_headers_get(&rq.headers, "Content-Type"), rq.body.buf, rq.body.len, NULL);
    if (failed)
        secrets_mask(t->secrets, xerr->msg, strlen(xerr->msg), &msg);
    cJSON *stream = NULL;
    if (frames) {
        stream = cJSON_CreateObject();
        cJSON_AddStringToObject(stream, "framing", framing == NET_FRAMES_LINES ? "lines" : "chunks");
        cJSON_AddItemToObject(stream, "frames", frames);
        cJSON_AddStringToObject(stream, "end", failure == NET_FAIL_CANCELLED ? "client-cancel"
                                               : failed ? "error" : "eof");
    }
    har_exchange x = {.req = &rq, .resp = failed ? NULL : &rs, .error = failed ? msg.buf : NULL,
                      .seq = seq, .started_ms = started_ms, .t_ms = t_ms, .key = key.buf,
                      .stream = stream, .redactions = report, .error_ms = elapsed_ms};
    cJSON *entry = har_entry_http(&x);
    if (failed)
        cJSON_AddStringToObject(entry, "_failure", failure_name(failure));
    mtv_err jerr;
    mtv_err_clear(&jerr);
    if (journal_add_entry(t->journal, entry, &jerr) < 0) {
        atomic_fetch_add(&t->journal_failures, 1);
        log_error("%s", jerr.msg);  /* the exchange itself succeeded; say so loudly */
    }
    cJSON_Delete(entry);
    http_request_free(&rq);
    http_response_free(&rs);
    sb_release(&key);
    sb_release(&msg);
}

int transport_record_exchange(transport *t, const http_request *req, const http_response *resp,
                              mtv_err *err)
{
    if (t->mode != TRANSPORT_RECORD)
        return mtv_err_set(err, MTV_EXIT_USAGE, "recording an exchange needs record mode");
    long long seq = atomic_fetch_add(&t->seq, 1) + 1;
    journal_exchange(t, req, resp, 0, NET_OK, NULL, seq, clock_now_ms(t->clock),
                     clock_mono_ms(t->clock), NULL, NET_FRAMES_LINES, 0);
    return 0;
}

/* ---- replay ------------------------------------------------------------------ */

/* Delivers a recorded stream's frames at their recorded offsets from base,
 * counting them in *delivered (a stream that delivered is never retried).
 * Returns 1 when the client (or a cancel) stopped it, 0 at the end. */
static int replay_frames(transport *t, const http_request *req, const net_sink *sink,
                         const cJSON *stream, long long base, enum net_failure *failure,
                         size_t *delivered)
{
    const cJSON *f;
    strbuf data = STRBUF_INIT;
    int stopped = 0;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(stream, "frames")) {
        if (req->cancel && atomic_load(req->cancel)) {
            stopped = 1;
            break;
        }
        const cJSON *ft = cJSON_GetObjectItemCaseSensitive(f, "t_ms");
        if (cJSON_IsNumber(ft))
            clock_advance_to_ms(t->clock, base + har_clamp(ft->valuedouble, 0, HAR_MAX_MS));
        sb_reset(&data);
        const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "text"));
        const char *b64 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "base64"));
        if (text)
            sb_adds(&data, text);
        else if (b64)
            b64_decode(&data, b64, strlen(b64));
        ++*delivered;
        if (sink->on_frame(sink->ud, data.buf ? data.buf : "", data.len) != 0) {
            stopped = 1;
            break;
        }
    }
    sb_release(&data);
    if (stopped)
        *failure = NET_FAIL_CANCELLED;
    return stopped;
}

static int replay_exchange(transport *t, const http_request *req, const net_sink *sink,
                           http_response *resp, enum net_failure *failure, size_t *delivered,
                           mtv_err *err)
{
    http_request copy;
    strbuf key = STRBUF_INIT;
    redacted_key(t, req, &copy, &key);
    const cassette_entry *e = replay_take(t->replay, key.buf, sb_str(&copy.url),
                                          http_headers_get(&copy.headers, "Content-Type"),
                                          copy.body.buf, copy.body.len, err);
    http_request_free(&copy);
    sb_release(&key);
    if (!e) {
        *failure = NET_FAIL_OTHER;
        return -1;
    }
    if (e->t_ms >= 0)
        clock_advance_to_ms(t->clock, e->t_ms);
    long long base = e->t_ms >= 0 ? e->t_ms : clock_mono_ms(t->clock);
    const cJSON *stream = cassette_entry_stream(replay_cassette(t->replay), e);
    if (e->error) {
        /* a stream that broke (a client timeout, a dropped connection) had
         * delivered its frames first, and lasted as long as it did */
        if (stream && sink && replay_frames(t, req, sink, stream, base, failure, delivered) != 0)
            return 0;
        *failure = failure_parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
            cassette_entry_json(replay_cassette(t->replay), e), "_failure")));
        clock_advance_to_ms(t->clock, base + (long long)e->time_ms);
        return mtv_err_set(err, MTV_EXIT_ENV, "%s", e->error);
    }
    if (cassette_entry_response(replay_cassette(t->replay), e, resp, err) < 0) {
        *failure = NET_FAIL_OTHER;
        return -1;
    }
    if (stream && sink) {
        replay_frames(t, req, sink, stream, base, failure, delivered);
    } else if (stream) {
        /* a stream recording read as a plain response: frames as lines */
        const cJSON *f;
        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(stream, "frames")) {
            const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "text"));
            if (text) {
                sb_adds(&resp->body, text);
                sb_addc(&resp->body, '\n');
            }
        }
    }
    clock_advance_to_ms(t->clock, base + (long long)e->time_ms);
    return 0;
}

/* ---- one attempt, any mode ---------------------------------------------------- */

static int attempt(transport *t, const http_request *req, const net_sink *user_sink,
                   http_response *resp, enum net_failure *failure, size_t *frames_seen,
                   mtv_err *err)
{
    *failure = NET_OK;
    if (t->mode == TRANSPORT_REPLAY)
        return replay_exchange(t, req, user_sink, resp, failure, frames_seen, err);
    if (t->mode == TRANSPORT_LIVE) {
        frame_tap tap = {t, user_sink ? user_sink->on_frame : NULL, user_sink ? user_sink->ud : NULL,
                         0, NULL, NET_FRAMES_LINES, 0};
        net_sink sink = {user_sink ? user_sink->framing : NET_FRAMES_LINES, tap_frame, &tap};
        int rc = net_engine_exchange(t->engine, req, user_sink ? &sink : NULL, resp, failure, err);
        *frames_seen = tap.delivered;
        return rc;
    }
    long long seq = atomic_fetch_add(&t->seq, 1) + 1;
    long long started = clock_now_ms(t->clock);
    int64_t t0 = clock_mono_us(t->clock);
    frame_tap tap = {t, user_sink ? user_sink->on_frame : NULL, user_sink ? user_sink->ud : NULL, t0,
                     user_sink ? cJSON_CreateArray() : NULL,
                     user_sink ? user_sink->framing : NET_FRAMES_LINES, 0};
    net_sink sink = {tap.framing, tap_frame, &tap};
    int rc = net_engine_exchange(t->engine, req, user_sink ? &sink : NULL, resp, failure, err);
    *frames_seen = tap.delivered;
    cJSON *frames = tap.frames;
    if (frames && rc == 0 && (resp->status < 200 || resp->status >= 300)) {
        cJSON_Delete(frames);   /* not a stream after all: the body holds the answer */
        frames = NULL;
    }
    journal_exchange(t, req, resp, rc < 0, *failure, err, seq, started, t0 / 1000, frames,
                     tap.framing, (double)(clock_mono_us(t->clock) - t0) / 1000.0);
    return rc;
}

/* ---- retries ------------------------------------------------------------------ */

static int retryable_status(long status)
{
    return status == 429 || status == 502 || status == 503 || status == 504;
}

static long backoff_ms(transport *t, const net_retry *rp, int attempt_no)
{
    long base = rp->base_delay_ms > 0 ? rp->base_delay_ms : 100;
    long cap = rp->max_delay_ms > 0 ? rp->max_delay_ms : 8000;
    long d = base;
    for (int i = 1; i < attempt_no && d < cap; i++)
        d *= 2;
    if (d > cap)
        d = cap;
    /* "equal jitter": half fixed, half random, so retries never bunch up */
    return d / 2 + (long)rand_below(t->jitter, (uint64_t)(d / 2 + 1));
}

static int run(transport *t, http_request *req, const net_sink *sink, http_response *resp,
               mtv_err *err)
{
    net_endpoint defaults;
    net_endpoint_init(&defaults);
    const net_retry *rp = req->endpoint ? &req->endpoint->retry : &defaults.retry;
    int max = rp->max_attempts > 0 ? rp->max_attempts : 1;
    int may_retry = http_method_idempotent(req->method) || req->retry_safe;
    apply_auth(t, req);
    for (int n = 1;; n++) {
        http_response_reset(resp);
        mtv_err_clear(err);
        enum net_failure failure = NET_OK;
        size_t frames = 0;
        int rc = attempt(t, req, sink, resp, &failure, &frames, err);
        resp->attempts = n;
        if (err->exit_code == MTV_EXIT_DIVERGED)
            return -1;
        int again = may_retry && n < max && frames == 0 &&
                    ((rc < 0 && (failure == NET_FAIL_CONNECT || failure == NET_FAIL_TIMEOUT)) ||
                     (rc == 0 && retryable_status(resp->status)));
        if (!again) {
            if (rc == 0 && failure == NET_FAIL_CANCELLED)
                mtv_err_clear(err);
            return rc;
        }
        long delay = backoff_ms(t, rp, n);
        const char *ra = rc == 0 ? http_headers_get(&resp->headers, "Retry-After") : NULL;
        long ra_ms = http_retry_after_ms(ra, clock_now_ms(t->clock));
        if (ra_ms >= 0) {
            long cap = rp->max_retry_after_ms > 0 ? rp->max_retry_after_ms : 30000;
            delay = ra_ms < cap ? ra_ms : cap;
        }
        log_debug("%s %s: %s; retry %d of %d in %ld ms", req->method, req->upstream,
                  rc < 0 ? err->msg : (resp->reason && *resp->reason ? resp->reason : "retryable status"),
                  n, max - 1, delay);
        clock_sleep_ms(t->clock, delay);
    }
}

int transport_send(transport *t, http_request *req, http_response *resp, mtv_err *err)
{
    return run(t, req, NULL, resp, err);
}

int transport_stream(transport *t, http_request *req, enum net_framing framing,
                     net_frame_fn on_frame, void *ud, http_response *resp, mtv_err *err)
{
    net_sink sink = {framing, on_frame, ud};
    return run(t, req, &sink, resp, err);
}

/* ---- custom entries --------------------------------------------------------------- */

int transport_custom(transport *t, const char *kind, const char *upstream, const cJSON *request,
                     transport_custom_fn live, void *ud, cJSON **response, mtv_err *err)
{
    *response = NULL;
    cJSON *redacted = cJSON_Duplicate(request, 1);
    cJSON *report = cJSON_CreateArray();
    redact_json(&t->redact, redacted, "request", report);
    strbuf key = STRBUF_INIT;
    matchkey_custom(&key, kind, upstream, redacted);
    int rc;
    if (t->mode == TRANSPORT_REPLAY) {
        char *text = cJSON_PrintUnformatted(redacted);
        const cassette_entry *e = replay_take(t->replay, key.buf, NULL, "application/json", text,
                                              strlen(text), err);
        free(text);
        if (!e) {
            rc = -1;
        } else {
            if (e->t_ms >= 0)
                clock_advance_to_ms(t->clock, e->t_ms + (long long)e->time_ms);
            const cJSON *resp = cJSON_GetObjectItemCaseSensitive(
                cassette_entry_custom(replay_cassette(t->replay), e), "response");
            if (e->error) {
                rc = mtv_err_set(err, MTV_EXIT_ENV, "%s", e->error);
            } else if (!resp) {
                rc = mtv_err_set(err, MTV_EXIT_USAGE, "%s: entry _seq %lld has no _custom.response",
                                 replay_cassette(t->replay)->name, e->seq);
            } else {
                *response = cJSON_Duplicate(resp, 1);
                rc = 0;
            }
        }
        cJSON_Delete(redacted);
        cJSON_Delete(report);
        sb_release(&key);
        return rc;
    }
    if (!live) {
        cJSON_Delete(redacted);
        cJSON_Delete(report);
        sb_release(&key);
        return mtv_err_set(err, MTV_EXIT_USAGE, "%s call in %s mode needs a function that performs it",
                           kind, transport_mode_name(t->mode));
    }
    long long seq = atomic_fetch_add(&t->seq, 1) + 1;
    long long started = clock_now_ms(t->clock);
    int64_t t0 = clock_mono_us(t->clock);
    rc = live(ud, request, response, err);
    if (rc == 0 && !*response)
        rc = mtv_err_set(err, MTV_EXIT_ENV, "%s call returned no response", kind);
    if (t->mode == TRANSPORT_RECORD) {
        cJSON *rresp = NULL;
        strbuf msg = STRBUF_INIT;
        if (rc == 0) {
            rresp = cJSON_Duplicate(*response, 1);
            redact_json(&t->redact, rresp, "response", report);
        } else {
            secrets_mask(t->secrets, err->msg, strlen(err->msg), &msg);
        }
        har_custom c = {.kind = kind, .upstream = upstream, .seq = seq, .started_ms = started,
                        .t_ms = t0 / 1000,
                        .duration_ms = (double)(clock_mono_us(t->clock) - t0) / 1000.0,
                        .key = key.buf, .request = redacted, .response = rresp,
                        .error = rc == 0 ? NULL : msg.buf, .redactions = report};
        cJSON *entry = har_entry_custom(&c);
        redacted = NULL;
        report = NULL;
        mtv_err jerr;
        mtv_err_clear(&jerr);
        if (journal_add_entry(t->journal, entry, &jerr) < 0) {
            atomic_fetch_add(&t->journal_failures, 1);
            log_error("%s", jerr.msg);
        }
        cJSON_Delete(entry);
        sb_release(&msg);
    }
    cJSON_Delete(redacted);
    cJSON_Delete(report);
    sb_release(&key);
    return rc;
}

/* ---- variables and names ---------------------------------------------------------- */

void transport_name(transport *t, const char *prefix, strbuf *out)
{
    size_t mark = out->len;
    rand_name(t->rand, prefix, 6, out);
    long n = atomic_fetch_add(&t->names, 1);
    if (t->mode == TRANSPORT_RECORD) {
        char label[32];
        snprintf(label, sizeof label, "name.%06ld", n);
        mtv_err err;
        mtv_err_clear(&err);
        if (transport_var_set(t, label, out->buf + mark, &err) < 0)
            log_error("%s", err.msg);
    } else if (t->mode == TRANSPORT_REPLAY) {
        const char *want = cJSON_GetStringValue(cJSON_GetArrayItem(t->recorded_names, (int)n));
        if (want && strcmp(want, out->buf + mark) != 0)
            log_warn("replay generated name '%s' where the recording had '%s': the run has "
                     "diverged from the recording",
                     out->buf + mark, want);
    }
}

int transport_var_set(transport *t, const char *name, const char *value, mtv_err *err)
{
    pthread_mutex_lock(&t->vars_lock);
    cJSON_DeleteItemFromObjectCaseSensitive(t->vars, name);
    cJSON_AddStringToObject(t->vars, name, value ? value : "");
    pthread_mutex_unlock(&t->vars_lock);
    if (t->mode == TRANSPORT_RECORD)
        return journal_add_var(t->journal, name, value, err);
    return 0;
}

const char *transport_var_get(transport *t, const char *name)
{
    pthread_mutex_lock(&t->vars_lock);
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t->vars, name));
    pthread_mutex_unlock(&t->vars_lock);
    return v;
}

/* ---- byte streams ----------------------------------------------------------------- */

typedef struct ws_stream {
    net_bytestream base;
    ws_conn *ws;
} ws_stream;

static ssize_t ws_stream_read(net_bytestream *s, void *buf, size_t n, mtv_err *err)
{
    return ws_read(((ws_stream *)s)->ws, buf, n, err);
}

static int ws_stream_write(net_bytestream *s, const void *buf, size_t n, mtv_err *err)
{
    return ws_write(((ws_stream *)s)->ws, WS_OP_BINARY, buf, n, err);
}

static void ws_stream_shutdown(net_bytestream *s)
{
    ws_shutdown(((ws_stream *)s)->ws);
}

static void ws_stream_close(net_bytestream *s)
{
    ws_stream *w = (ws_stream *)s;
    mtv_err err;
    if (ws_close(w->ws, WS_CLOSE_NORMAL, "", &err) < 0)
        log_debug("closing a WebSocket: %s", err.msg);
    ws_free(w->ws);
    free(w);
}

int transport_open_bytestream(transport *t, http_request *req, const char *subprotocol,
                              net_bytestream **out, http_response *resp, enum net_failure *failure,
                              mtv_err *err)
{
    *out = NULL;
    if (failure)
        *failure = NET_OK;
    if (t->mode == TRANSPORT_REPLAY) {
        if (failure)
            *failure = NET_FAIL_OTHER;
        return mtv_err_set(err, MTV_EXIT_DIVERGED,
                           "%s: a replay opens no tunnels; what went through one is answered from "
                           "the cassette's custom entries (this call has none to stand for it)",
                           sb_str(&req->url));
    }
    apply_auth(t, req);
    ws_options o = {.subprotocol = subprotocol, .clock = t->clock};
    o.handshake_timeout_ms = req->timeout_ms > 0 ? req->timeout_ms
                             : req->endpoint ? req->endpoint->total_timeout_ms : 0;
    ws_conn *ws = NULL;
    if (ws_connect(t->engine, req, &o, &ws, resp, failure, err) < 0)
        return -1;
    ws_stream *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->base.read = ws_stream_read;
    s->base.write = ws_stream_write;
    s->base.shutdown = ws_stream_shutdown;
    s->base.close = ws_stream_close;
    s->base.impl = s;
    s->ws = ws;
    log_debug("tunnel open: %s (subprotocol '%s')", sb_str(&req->url), ws_subprotocol(ws));
    *out = &s->base;
    return 0;
}

int transport_finish(transport *t, const char *bundle_path, const char *log_path, mtv_err *err)
{
    if (t->mode != TRANSPORT_RECORD || !t->journal)
        return 0;
    journal_close(t->journal);
    t->journal = NULL;
    journal_contents jc;
    strbuf warnings = STRBUF_INIT;
    int rc = journal_load(t->journal_path, &jc, &warnings, err);
    if (warnings.len)
        log_warn("%s", warnings.buf);
    sb_release(&warnings);
    if (rc < 0)
        return -1;
    rc = finalize_bundle(&jc, log_path, NULL, bundle_path, t->secrets, err);
    journal_contents_free(&jc);
    long lost = atomic_load(&t->journal_failures);
    if (rc == 0 && lost)
        rc = mtv_err_set(err, MTV_EXIT_ENV,
                         "%s was written, but %ld exchange(s) could not be journalled (see the log); "
                         "a replay of it will diverge where they were",
                         bundle_path, lost);
    return rc;
}

size_t transport_unused(transport *t, strbuf *report)
{
    return t->replay ? replay_unused(t->replay, report) : 0;
}
