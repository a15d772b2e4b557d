/* replay: see replay.h. */
#include "recorder/replay.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/bundle.h"
#include "recorder/har.h"
#include "recorder/matchkey.h"
#include "util/fs.h"
#include "util/json.h"

typedef struct slot {
    const char *key;          /* NULL = empty */
    uint64_t hash;
    size_t *idx;              /* entry indexes in _seq order */
    size_t count, cap;
    _Atomic size_t next;
} slot;

struct replay {
    cassette c;
    slot *slots;
    size_t nslots;            /* power of two */
    _Atomic unsigned char *used;
    int repeat_last;
    char *out_dir;
    pthread_mutex_t report_lock;
    cJSON *misses;            /* every unmatched report so far */
};

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static slot *find_slot(const replay *r, const char *key, uint64_t h)
{
    size_t mask = r->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        slot *s = &r->slots[i];
        if (!s->key || (s->hash == h && strcmp(s->key, key) == 0))
            return s;
    }
}

static int cmp_seq(const void *a, const void *b, void *ud)
{
    const cassette *c = ud;
    long long x = c->entries[*(const size_t *)a].seq, y = c->entries[*(const size_t *)b].seq;
    return x < y ? -1 : x > y;
}

int replay_open(replay **out, cassette *c, const replay_opts *opts, mtv_err *err)
{
    (void)err;
    replay *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    r->c = *c;
    memset(c, 0, sizeof *c);
    r->nslots = 16;
    while (r->nslots < r->c.count * 2 + 1)
        r->nslots *= 2;
    r->slots = calloc(r->nslots, sizeof *r->slots);
    r->used = calloc(r->c.count ? r->c.count : 1, sizeof *r->used);
    if (!r->slots || !r->used)
        abort();
    for (size_t i = 0; i < r->c.count; i++) {
        const char *key = r->c.entries[i].key;
        uint64_t h = hash_key(key);
        slot *s = find_slot(r, key, h);
        if (!s->key) {
            s->key = key;
            s->hash = h;
        }
        if (s->count == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 2;
            s->idx = realloc(s->idx, s->cap * sizeof *s->idx);
            if (!s->idx)
                abort();
        }
        s->idx[s->count++] = i;
    }
    for (size_t i = 0; i < r->nslots; i++)
        if (r->slots[i].count > 1)
            qsort_r(r->slots[i].idx, r->slots[i].count, sizeof(size_t), cmp_seq, &r->c);
    r->repeat_last = opts ? opts->repeat_last : 0;
    r->out_dir = opts && opts->out_dir ? strdup(opts->out_dir) : NULL;
    pthread_mutex_init(&r->report_lock, NULL);
    r->misses = cJSON_CreateArray();
    *out = r;
    return 0;
}

void replay_free(replay *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nslots; i++)
        free(r->slots[i].idx);
    free(r->slots);
    free((void *)r->used);
    cassette_free(&r->c);
    free(r->out_dir);
    pthread_mutex_destroy(&r->report_lock);
    cJSON_Delete(r->misses);
    free(r);
}

const cassette *replay_cassette(const replay *r)
{
    return &r->c;
}

size_t replay_count(const replay *r, const char *key)
{
    slot *s = find_slot(r, key, hash_key(key));
    return s->key ? s->count : 0;
}

/* ---- near-miss report ---------------------------------------------------- */

static void add_diff(cJSON *diffs, const char *field, const char *recorded, size_t rn,
                     const char *requested, size_t qn)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "field", field);
    strbuf a = STRBUF_INIT, b = STRBUF_INIT;
    if (recorded)
        sb_add(&a, recorded, rn);
    if (requested)
        sb_add(&b, requested, qn);
    if (recorded)
        cJSON_AddStringToObject(d, "recorded", sb_str(&a));
    else
        cJSON_AddNullToObject(d, "recorded");
    if (requested)
        cJSON_AddStringToObject(d, "requested", sb_str(&b));
    else
        cJSON_AddNullToObject(d, "requested");
    sb_release(&a);
    sb_release(&b);
    cJSON_AddItemToArray(diffs, d);
}

static int eq(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && memcmp(a, b, an) == 0;
}

/* Query strings are canonical in keys: "a=1&b=2". Compares by name. */
static void diff_query(cJSON *diffs, const matchkey_parts *rec, const matchkey_parts *req)
{
    const matchkey_parts *sides[2] = {rec, req};
    for (int side = 0; side < 2; side++) {
        const char *p = sides[side]->query, *end = p + sides[side]->query_len;
        while (p < end) {
            const char *amp = memchr(p, '&', (size_t)(end - p));
            const char *e = amp ? amp : end;
            const char *eqs = memchr(p, '=', (size_t)(e - p));
            size_t nl = eqs ? (size_t)(eqs - p) : (size_t)(e - p);
            const char *val = eqs ? eqs + 1 : e;
            size_t vl = (size_t)(e - val);
            /* look for the same name on the other side */
            const matchkey_parts *o = sides[1 - side];
            const char *q = o->query, *qend = q + o->query_len;
            const char *ov = NULL;
            size_t ovl = 0;
            while (q < qend) {
                const char *qa = memchr(q, '&', (size_t)(qend - q));
                const char *qe = qa ? qa : qend;
                const char *qeq = memchr(q, '=', (size_t)(qe - q));
                size_t qnl = qeq ? (size_t)(qeq - q) : (size_t)(qe - q);
                if (eq(p, nl, q, qnl)) {
                    ov = qeq ? qeq + 1 : qe;
                    ovl = (size_t)(qe - ov);
                    break;
                }
                q = qe + 1;
            }
            strbuf field = STRBUF_INIT;
            sb_adds(&field, "query.");
            sb_add(&field, p, nl);
            if (!ov) {
                if (side == 0)
                    add_diff(diffs, field.buf, val, vl, NULL, 0);
                else
                    add_diff(diffs, field.buf, NULL, 0, val, vl);
            } else if (side == 0 && !eq(val, vl, ov, ovl)) {
                add_diff(diffs, field.buf, val, vl, ov, ovl);
            }
            sb_release(&field);
            p = e + 1;
        }
    }
}

static void json_diff(cJSON *diffs, const cJSON *a, const cJSON *b, strbuf *ptr, int *budget)
{
    if (*budget <= 0)
        return;
    size_t base = ptr->len;
    if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        const cJSON *x;
        cJSON_ArrayForEach(x, a) {
            sb_setlen(ptr, base);
            json_pointer_append(ptr, x->string);
            json_diff(diffs, x, cJSON_GetObjectItemCaseSensitive(b, x->string), ptr, budget);
        }
        cJSON_ArrayForEach(x, b) {
            if (cJSON_GetObjectItemCaseSensitive(a, x->string))
                continue;
            sb_setlen(ptr, base);
            json_pointer_append(ptr, x->string);
            json_diff(diffs, NULL, x, ptr, budget);
        }
        sb_setlen(ptr, base);
        return;
    }
    if (cJSON_IsArray(a) && cJSON_IsArray(b)) {
        int na = cJSON_GetArraySize(a), nb = cJSON_GetArraySize(b);
        for (int i = 0; i < (na > nb ? na : nb); i++) {
            sb_setlen(ptr, base);
            json_pointer_append_index(ptr, (size_t)i);
            json_diff(diffs, cJSON_GetArrayItem(a, i), cJSON_GetArrayItem(b, i), ptr, budget);
        }
        sb_setlen(ptr, base);
        return;
    }
    if (a && b && cJSON_Compare(a, b, 1))
        return;
    char *ta = a ? cJSON_PrintUnformatted(a) : NULL;
    char *tb = b ? cJSON_PrintUnformatted(b) : NULL;
    strbuf field = STRBUF_INIT;
    sb_addf(&field, "body%s", ptr->len ? ptr->buf : "");
    add_diff(diffs, field.buf, ta, ta ? strlen(ta) : 0, tb, tb ? strlen(tb) : 0);
    sb_release(&field);
    free(ta);
    free(tb);
    (*budget)--;
}

static int score(const matchkey_parts *a, const matchkey_parts *b)
{
    int s = 0;
    if (eq(a->method, a->method_len, b->method, b->method_len))
        s += 4;
    if (eq(a->upstream, a->upstream_len, b->upstream, b->upstream_len))
        s += 4;
    if (eq(a->path, a->path_len, b->path, b->path_len))
        s += 8;
    else {
        size_t k = 0;
        while (k < a->path_len && k < b->path_len && a->path[k] == b->path[k])
            k++;
        s += (int)(k * 6 / (a->path_len > b->path_len ? a->path_len : b->path_len + 1));
    }
    if (eq(a->query, a->query_len, b->query, b->query_len))
        s += 2;
    if (eq(a->body, a->body_len, b->body, b->body_len))
        s += 2;
    return s;
}

cJSON *replay_near_miss(const replay *r, const char *key, const char *url, const char *content_type,
                        const void *req_body, size_t body_len)
{
    (void)content_type;
    cJSON *rep = cJSON_CreateObject();
    cJSON *rq = cJSON_AddObjectToObject(rep, "request");
    cJSON_AddStringToObject(rq, "key", key);
    if (url)
        cJSON_AddStringToObject(rq, "url", url);
    cJSON *cands = cJSON_AddArrayToObject(rep, "candidates");
    matchkey_parts want;
    if (matchkey_split(key, &want) < 0)
        return rep;
    /* Best three distinct keys by score: one pass over the index slots. */
    const slot *best[3] = {0};
    int bscore[3] = {-1, -1, -1};
    for (size_t i = 0; i < r->nslots; i++) {
        const slot *s = &r->slots[i];
        matchkey_parts have;
        if (!s->key || matchkey_split(s->key, &have) < 0)
            continue;
        int sc = score(&have, &want);
        for (int k = 0; k < 3; k++) {
            if (sc > bscore[k]) {
                for (int m = 2; m > k; m--) {
                    best[m] = best[m - 1];
                    bscore[m] = bscore[m - 1];
                }
                best[k] = s;
                bscore[k] = sc;
                break;
            }
        }
    }
    for (int k = 0; k < 3 && best[k]; k++) {
        const slot *s = best[k];
        const cassette_entry *e = &r->c.entries[s->idx[0]];
        matchkey_parts have;
        matchkey_split(s->key, &have);
        cJSON *cand = cJSON_CreateObject();
        cJSON_AddNumberToObject(cand, "seq", (double)e->seq);
        cJSON_AddStringToObject(cand, "key", s->key);
        cJSON_AddStringToObject(cand, "url", e->url);
        cJSON_AddNumberToObject(cand, "recorded", (double)s->count);
        cJSON_AddNumberToObject(cand, "used", (double)atomic_load(&((slot *)s)->next));
        cJSON *diffs = cJSON_AddArrayToObject(cand, "differences");
        if (!eq(have.method, have.method_len, want.method, want.method_len))
            add_diff(diffs, "method", have.method, have.method_len, want.method, want.method_len);
        if (!eq(have.upstream, have.upstream_len, want.upstream, want.upstream_len))
            add_diff(diffs, "upstream", have.upstream, have.upstream_len, want.upstream,
                     want.upstream_len);
        if (!eq(have.path, have.path_len, want.path, want.path_len))
            add_diff(diffs, "path", have.path, have.path_len, want.path, want.path_len);
        diff_query(diffs, &have, &want);
        if (!eq(have.body, have.body_len, want.body, want.body_len)) {
            strbuf rb = STRBUF_INIT;
            cassette_entry_request_body(&r->c, e, &rb);
            cJSON *ja = rb.len ? cJSON_ParseWithLength(rb.buf, rb.len) : NULL;
            cJSON *jb = body_len ? cJSON_ParseWithLength(req_body, body_len) : NULL;
            if (ja && jb) {
                strbuf ptr = STRBUF_INIT;
                int budget = 10;
                json_diff(diffs, ja, jb, &ptr, &budget);
                sb_release(&ptr);
            } else {
                add_diff(diffs, "body", have.body, have.body_len, want.body, want.body_len);
            }
            cJSON_Delete(ja);
            cJSON_Delete(jb);
            sb_release(&rb);
        }
        if (s->key && strcmp(s->key, key) == 0)
            cJSON_AddStringToObject(cand, "note", "same key: every recorded answer was already used");
        cJSON_AddItemToArray(cands, cand);
    }
    return rep;
}

static void report_miss(replay *r, cJSON *rep, const char *reason, mtv_err *err)
{
    cJSON_AddStringToObject(rep, "reason", reason);
    strbuf msg = STRBUF_INIT;
    const char *key = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "request"), "key"));
    sb_addf(&msg, "replay diverged: %s: %s", reason, key ? key : "?");
    const cJSON *cand;
    int k = 0;
    cJSON_ArrayForEach(cand, cJSON_GetObjectItem(rep, "candidates")) {
        sb_addf(&msg, "\n  nearest #%d: seq %lld %s", ++k,
                har_clamp(cJSON_GetNumberValue(cJSON_GetObjectItem(cand, "seq")), -HAR_MAX_SEQ, HAR_MAX_SEQ),
                cJSON_GetStringValue(cJSON_GetObjectItem(cand, "key")));
        const cJSON *d;
        cJSON_ArrayForEach(d, cJSON_GetObjectItem(cand, "differences")) {
            const char *a = cJSON_GetStringValue(cJSON_GetObjectItem(d, "recorded"));
            const char *b = cJSON_GetStringValue(cJSON_GetObjectItem(d, "requested"));
            sb_addf(&msg, "\n    %s: recorded %s%.120s%s, requested %s%.120s%s",
                    cJSON_GetStringValue(cJSON_GetObjectItem(d, "field")), a ? "'" : "",
                    a ? a : "(absent)", a ? "'" : "", b ? "'" : "", b ? b : "(absent)", b ? "'" : "");
        }
    }
    pthread_mutex_lock(&r->report_lock);
    cJSON_AddItemToArray(r->misses, rep);
    if (r->out_dir) {
        strbuf path = STRBUF_INIT;
        fs_join(&path, r->out_dir, BUNDLE_UNMATCHED);
        char *text = cJSON_Print(r->misses);
        mtv_err ignored;
        if (fs_mkdir_p(r->out_dir, 0755, &ignored) == 0 &&
            fs_write_atomic(path.buf, text, strlen(text), &ignored) == 0)
            sb_addf(&msg, "\n  (report written to %s)", path.buf);
        free(text);
        sb_release(&path);
    }
    pthread_mutex_unlock(&r->report_lock);
    mtv_err_set(err, MTV_EXIT_DIVERGED, "%s", msg.buf);
    sb_release(&msg);
}

const cassette_entry *replay_take(replay *r, const char *key, const char *url,
                                  const char *content_type, const void *req_body, size_t body_len,
                                  mtv_err *err)
{
    slot *s = find_slot(r, key, hash_key(key));
    if (s->key) {
        size_t n = atomic_fetch_add(&s->next, 1);
        if (n < s->count || (r->repeat_last && s->count)) {
            size_t i = s->idx[n < s->count ? n : s->count - 1];
            atomic_store(&r->used[i], 1);
            return &r->c.entries[i];
        }
        atomic_fetch_sub(&s->next, 1);
    }
    cJSON *rep = replay_near_miss(r, key, url, content_type, req_body, body_len);
    report_miss(r, rep, s->key ? "every recorded answer for this request was already used "
                                 "(replay with repeat-last to serve the last one again)"
                               : "no recorded request matches",
                err);
    return NULL;
}

size_t replay_unused(const replay *r, strbuf *report)
{
    size_t n = 0;
    for (size_t i = 0; i < r->c.count; i++) {
        if (atomic_load(&r->used[i]))
            continue;
        n++;
        if (report) {
            const cassette_entry *e = &r->c.entries[i];
            sb_addf(report, "seq %lld: %s -> %ld\n", e->seq, e->key, e->status);
        }
    }
    return n;
}
