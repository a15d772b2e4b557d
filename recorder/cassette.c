/*
 * cassette: see cassette.h. The scanner is a strict JSON checker that
 * knows where it is (root, log, entries, an entry, its request or response)
 * and keeps the few scalars the index needs; strings it only passes over
 * are skipped with a table lookup per byte, which is what makes loading
 * fast. Any syntax error falls back to util/json for an exact line:column.
 */
#include "recorder/cassette.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/bundle.h"
#include "recorder/har.h"
#include "recorder/matchkey.h"
#include "util/codec.h"
#include "util/fs.h"
#include "util/json.h"

#define MAX_DEPTH 512

enum role { R_NONE, R_ROOT, R_LOG, R_ENTRIES, R_ENTRY, R_REQUEST, R_RESPONSE };

/* A value's place in the text, and its JSON type. */
typedef struct span {
    size_t start, end;
    char type;               /* o a s n t f l */
    int escaped;             /* strings: holds a backslash */
} span;

/* What the scanner keeps for the entry it is in. */
typedef struct fields {
    span seq, key, upstream, t_ms, time, error, stream, custom, request, response, timings;
    span method, url, status, headers;
} fields;

typedef struct scanner {
    const char *s;
    size_t n, i;
    int depth;
    int bad;
    cassette *c;
    size_t cap;
    fields *f;               /* of the current entry */
    fields *all;             /* one per entry */
    span variables, meta;
    int saw_entries;
} scanner;

static unsigned char plain_char[256];

static void init_table(void)
{
    for (int ch = 0; ch < 256; ch++)
        plain_char[ch] = ch >= 0x20 && ch != '"' && ch != '\\';
}

static void ws(scanner *sc)
{
    while (sc->i < sc->n) {
        char ch = sc->s[sc->i];
        if (ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t')
            break;
        sc->i++;
    }
}

static int fail(scanner *sc)
{
    sc->bad = 1;
    return -1;
}

static int hex4(const char *p)
{
    for (int k = 0; k < 4; k++) {
        char ch = p[k];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')))
            return 0;
    }
    return 1;
}

static int scan_string(scanner *sc, span *sp)
{
    const unsigned char *s = (const unsigned char *)sc->s;
    size_t i = sc->i + 1, n = sc->n;
    sp->start = sc->i;
    sp->type = 's';
    sp->escaped = 0;
    for (;;) {
        while (i < n && plain_char[s[i]])
            i++;
        if (i >= n)
            return fail(sc);
        if (s[i] == '"')
            break;
        if (s[i] != '\\')
            return fail(sc);   /* raw control character */
        sp->escaped = 1;
        if (i + 1 >= n)
            return fail(sc);
        char e = (char)s[i + 1];
        if (e == 'u') {
            if (i + 6 > n || !hex4((const char *)s + i + 2))
                return fail(sc);
            i += 6;
        } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                   e == 'r' || e == 't') {
            i += 2;
        } else {
            return fail(sc);
        }
    }
    sc->i = i + 1;
    sp->end = sc->i;
    return 0;
}

static int digits(scanner *sc)
{
    size_t start = sc->i;
    while (sc->i < sc->n && sc->s[sc->i] >= '0' && sc->s[sc->i] <= '9')
        sc->i++;
    return sc->i > start ? 0 : fail(sc);
}

static int scan_number(scanner *sc, span *sp)
{
    sp->start = sc->i;
    sp->type = 'n';
    if (sc->s[sc->i] == '-')
        sc->i++;
    if (sc->i < sc->n && sc->s[sc->i] == '0')
        sc->i++;
    else if (digits(sc) < 0)
        return -1;
    if (sc->i < sc->n && sc->s[sc->i] == '.') {
        sc->i++;
        if (digits(sc) < 0)
            return -1;
    }
    if (sc->i < sc->n && (sc->s[sc->i] == 'e' || sc->s[sc->i] == 'E')) {
        sc->i++;
        if (sc->i < sc->n && (sc->s[sc->i] == '+' || sc->s[sc->i] == '-'))
            sc->i++;
        if (digits(sc) < 0)
            return -1;
    }
    sp->end = sc->i;
    return 0;
}

static int scan_value(scanner *sc, enum role role, span *sp);

static int key_is(const scanner *sc, const span *k, const char *name)
{
    size_t len = k->end - k->start - 2;
    return !k->escaped && strlen(name) == len && memcmp(sc->s + k->start + 1, name, len) == 0;
}

static span *slot_for(scanner *sc, enum role role, const span *k, enum role *child)
{
    *child = R_NONE;
    switch (role) {
    case R_ROOT:
        if (key_is(sc, k, "log"))
            *child = R_LOG;
        return NULL;
    case R_LOG:
        if (key_is(sc, k, "entries"))
            *child = R_ENTRIES;
        else if (key_is(sc, k, "_variables"))
            return &sc->variables;
        else if (key_is(sc, k, "_cassette"))
            return &sc->meta;
        return NULL;
    case R_ENTRY: {
        fields *f = sc->f;
        if (key_is(sc, k, "request")) {
            *child = R_REQUEST;
            return &f->request;
        }
        if (key_is(sc, k, "response")) {
            *child = R_RESPONSE;
            return &f->response;
        }
        static const char *const names[] = {"_seq", "_key", "_upstream", "_t_ms", "time",
                                            "_error", "_stream", "_custom", "timings", NULL};
        span *slots[] = {&f->seq, &f->key, &f->upstream, &f->t_ms, &f->time,
                         &f->error, &f->stream, &f->custom, &f->timings};
        for (int i = 0; names[i]; i++)
            if (key_is(sc, k, names[i]))
                return slots[i];
        return NULL;
    }
    case R_REQUEST:
        if (key_is(sc, k, "method"))
            return &sc->f->method;
        if (key_is(sc, k, "url"))
            return &sc->f->url;
        return NULL;
    case R_RESPONSE:
        if (key_is(sc, k, "status"))
            return &sc->f->status;
        if (key_is(sc, k, "headers"))
            return &sc->f->headers;
        return NULL;
    default:
        return NULL;
    }
}

static int scan_object(scanner *sc, enum role role)
{
    sc->i++;
    ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == '}') {
        sc->i++;
        return 0;
    }
    for (;;) {
        ws(sc);
        if (sc->i >= sc->n || sc->s[sc->i] != '"')
            return fail(sc);
        span k;
        if (scan_string(sc, &k) < 0)
            return -1;
        ws(sc);
        if (sc->i >= sc->n || sc->s[sc->i] != ':')
            return fail(sc);
        sc->i++;
        ws(sc);
        enum role child;
        span *slot = slot_for(sc, role, &k, &child);
        span v;
        if (scan_value(sc, child, &v) < 0)
            return -1;
        if (slot)
            *slot = v;
        ws(sc);
        if (sc->i >= sc->n)
            return fail(sc);
        if (sc->s[sc->i] == '}') {
            sc->i++;
            return 0;
        }
        if (sc->s[sc->i] != ',')
            return fail(sc);
        sc->i++;
    }
}

static int scan_array(scanner *sc, enum role role)
{
    if (role == R_ENTRIES)
        sc->saw_entries = 1;
    sc->i++;
    ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == ']') {
        sc->i++;
        return 0;
    }
    for (;;) {
        ws(sc);
        enum role child = R_NONE;
        if (role == R_ENTRIES) {
            cassette *c = sc->c;
            if (c->count == sc->cap) {
                sc->cap = sc->cap ? sc->cap * 2 : 256;
                c->entries = realloc(c->entries, sc->cap * sizeof *c->entries);
                sc->all = realloc(sc->all, sc->cap * sizeof *sc->all);
                if (!c->entries || !sc->all)
                    abort();
            }
            memset(&sc->all[c->count], 0, sizeof *sc->all);
            sc->f = &sc->all[c->count];
            c->count++;
            child = R_ENTRY;
        }
        span v;
        if (scan_value(sc, child, &v) < 0)
            return -1;
        if (role == R_ENTRIES) {
            cassette_entry *e = &sc->c->entries[sc->c->count - 1];
            memset(e, 0, sizeof *e);
            e->offset = v.start;
            e->length = v.end - v.start;
            e->status = v.type;   /* the entry's own type, checked later */
        }
        ws(sc);
        if (sc->i >= sc->n)
            return fail(sc);
        if (sc->s[sc->i] == ']') {
            sc->i++;
            return 0;
        }
        if (sc->s[sc->i] != ',')
            return fail(sc);
        sc->i++;
    }
}

static int literal(scanner *sc, const char *word, char type, span *sp)
{
    size_t l = strlen(word);
    if (sc->i + l > sc->n || memcmp(sc->s + sc->i, word, l) != 0)
        return fail(sc);
    sp->start = sc->i;
    sc->i += l;
    sp->end = sc->i;
    sp->type = type;
    return 0;
}

static int scan_value(scanner *sc, enum role role, span *sp)
{
    if (sc->i >= sc->n)
        return fail(sc);
    char ch = sc->s[sc->i];
    memset(sp, 0, sizeof *sp);
    sp->start = sc->i;
    if (ch == '{' || ch == '[') {
        if (++sc->depth > MAX_DEPTH)
            return fail(sc);
        int rc = ch == '{' ? scan_object(sc, role) : scan_array(sc, role);
        sc->depth--;
        sp->type = ch == '{' ? 'o' : 'a';
        sp->end = sc->i;
        return rc;
    }
    if (ch == '"')
        return scan_string(sc, sp);
    if (ch == '-' || (ch >= '0' && ch <= '9'))
        return scan_number(sc, sp);
    if (ch == 't')
        return literal(sc, "true", 't', sp);
    if (ch == 'f')
        return literal(sc, "false", 'f', sp);
    if (ch == 'n')
        return literal(sc, "null", 'l', sp);
    return fail(sc);
}

/* ---- turning spans into values ------------------------------------------------ */

static void put_utf8(strbuf *out, unsigned cp)
{
    if (cp < 0x80) {
        sb_addc(out, (char)cp);
    } else if (cp < 0x800) {
        sb_addc(out, (char)(0xC0 | cp >> 6));
        sb_addc(out, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        sb_addc(out, (char)(0xE0 | cp >> 12));
        sb_addc(out, (char)(0x80 | ((cp >> 6) & 0x3F)));
        sb_addc(out, (char)(0x80 | (cp & 0x3F)));
    } else {
        sb_addc(out, (char)(0xF0 | cp >> 18));
        sb_addc(out, (char)(0x80 | ((cp >> 12) & 0x3F)));
        sb_addc(out, (char)(0x80 | ((cp >> 6) & 0x3F)));
        sb_addc(out, (char)(0x80 | (cp & 0x3F)));
    }
}

/* Appends the decoded string (the scanner already validated it) plus NUL;
 * returns its offset in out. */
static size_t decode_string(const char *text, const span *sp, strbuf *out)
{
    size_t at = out->len;
    const char *p = text + sp->start + 1, *end = text + sp->end - 1;
    if (!sp->escaped) {
        sb_add(out, p, (size_t)(end - p));
    } else {
        while (p < end) {
            if (*p != '\\') {
                const char *bs = memchr(p, '\\', (size_t)(end - p));
                const char *stop = bs ? bs : end;
                sb_add(out, p, (size_t)(stop - p));
                p = stop;
                continue;
            }
            char e = p[1];
            p += 2;
            switch (e) {
            case 'b': sb_addc(out, '\b'); break;
            case 'f': sb_addc(out, '\f'); break;
            case 'n': sb_addc(out, '\n'); break;
            case 'r': sb_addc(out, '\r'); break;
            case 't': sb_addc(out, '\t'); break;
            case 'u': {
                unsigned cp = (unsigned)strtoul((char[5]){p[0], p[1], p[2], p[3], 0}, NULL, 16);
                p += 4;
                if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
                    hex4(p + 2)) {
                    unsigned lo = (unsigned)strtoul((char[5]){p[2], p[3], p[4], p[5], 0}, NULL, 16);
                    if (lo >= 0xDC00 && lo < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        p += 6;
                    }
                }
                if (cp == 0)
                    cp = 0xFFFD;   /* keep C strings whole */
                put_utf8(out, cp);
                break;
            }
            default: sb_addc(out, e);
            }
        }
    }
    sb_addc(out, '\0');
    return at;
}

static double number(const char *text, const span *sp)
{
    char buf[64];
    size_t n = sp->end - sp->start;
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, text + sp->start, n);
    buf[n] = '\0';
    return strtod(buf, NULL);
}

static int bad(mtv_err *err, const cassette *c, size_t i, const char *field, const char *what)
{
    return mtv_err_set(err, MTV_EXIT_USAGE, "%s: /log/entries/%zu%s: %s", c->name, i, field, what);
}

static int index_entry(cassette *c, size_t i, const fields *f, mtv_err *err)
{
    cassette_entry *e = &c->entries[i];
    if (e->status != 'o')
        return bad(err, c, i, "", "expected an object (a HAR entry)");
    e->status = 0;
    if (f->request.type != 'o')
        return bad(err, c, i, "/request", "expected an object");
    if (f->response.type != 'o')
        return bad(err, c, i, "/response", "expected an object");
    if (f->method.type != 's')
        return bad(err, c, i, "/request/method", "expected a string");
    if (f->url.type != 's')
        return bad(err, c, i, "/request/url", "expected a string");
    if (f->status.type != 'n')
        return bad(err, c, i, "/response/status", "expected a number");
    if (f->headers.type && f->headers.type != 'a')
        return bad(err, c, i, "/response/headers", "expected an array of {name, value}");
    if (f->stream.type && f->stream.type != 'o')
        return bad(err, c, i, "/_stream", "expected an object");
    if (f->custom.type && f->custom.type != 'o')
        return bad(err, c, i, "/_custom", "expected an object");
    e->response_offset = f->response.start;
    e->response_length = f->response.end - f->response.start;
    if (f->timings.type == 'o') {
        e->timings_offset = f->timings.start;
        e->timings_length = f->timings.end - f->timings.start;
    }
    e->status = (long)har_clamp(number(c->text, &f->status), 0, 999);
    e->seq = f->seq.type == 'n' ? har_clamp(number(c->text, &f->seq), -HAR_MAX_SEQ, HAR_MAX_SEQ)
                                : (long long)i;
    e->t_ms = f->t_ms.type == 'n' ? har_clamp(number(c->text, &f->t_ms), -1, HAR_MAX_MS) : -1;
    double tm = f->time.type == 'n' ? number(c->text, &f->time) : 0;
    e->time_ms = !(tm > 0) ? 0 : tm > (double)HAR_MAX_MS ? (double)HAR_MAX_MS : tm;   /* keeps the fraction */
    e->has_stream = f->stream.type == 'o';
    e->has_custom = f->custom.type == 'o';
    strbuf s = STRBUF_INIT;
    size_t m = decode_string(c->text, &f->method, &s);
    size_t u = decode_string(c->text, &f->url, &s);
    size_t up = f->upstream.type == 's' ? decode_string(c->text, &f->upstream, &s) : (size_t)-1;
    size_t k = f->key.type == 's' ? decode_string(c->text, &f->key, &s) : (size_t)-1;
    size_t er = f->error.type == 's' ? decode_string(c->text, &f->error, &s) : (size_t)-1;
    if (up == (size_t)-1) {
        up = s.len;
        sb_add(&s, "http", 5);
    }
    if (k == (size_t)-1 || s.buf[k] == '\0') {
        /* a foreign HAR: the key comes from the request itself */
        const cJSON *rq = cJSON_GetObjectItemCaseSensitive(cassette_entry_json(c, e), "request");
        const cJSON *pd = cJSON_GetObjectItemCaseSensitive(rq, "postData");
        strbuf body = STRBUF_INIT;
        har_body_decode(pd, "_encoding", &body);
        const char *ct = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pd, "mimeType"));
        strbuf key = STRBUF_INIT;   /* not into s: appending may move it */
        matchkey_http(&key, s.buf + m, s.buf + up, s.buf + u, ct, body.buf ? body.buf : "", body.len, NULL);
        k = s.len;
        sb_add(&s, key.buf, key.len + 1);
        sb_release(&key);
        sb_release(&body);
    }
    e->strings = s.buf;
    e->method = s.buf + m;
    e->url = s.buf + u;
    e->upstream = s.buf + up;
    e->key = s.buf + k;
    e->error = er == (size_t)-1 ? NULL : s.buf + er;
    return 0;
}

/* Parses text (malloc'd, n + 1 bytes, taken over). */
static int parse_owned(cassette *c, const char *name, char *text, size_t n, mtv_err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_table);
    memset(c, 0, sizeof *c);
    c->name = strdup(name);
    if (!c->name)
        abort();
    if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        memmove(text, text + 3, n - 3);
        n -= 3;
    }
    c->text = text;
    c->text[n] = '\0';
    c->bytes = n;
    scanner sc = {.s = c->text, .n = n, .c = c};
    ws(&sc);
    span root;
    int rc = scan_value(&sc, R_ROOT, &root);
    ws(&sc);
    if (rc < 0 || sc.i != n) {
        json_doc doc;
        if (json_doc_parse(&doc, name, c->text, n, JSON_STRICT, err) == 0) {
            json_doc_free(&doc);
            mtv_err_set(err, MTV_EXIT_USAGE, "%s: not valid JSON (nested too deeply?)", name);
        }
        /* entries indexed so far hold no strings yet */
        c->count = 0;
        free(sc.all);
        cassette_free(c);
        return -1;
    }
    if (!sc.saw_entries) {
        free(sc.all);
        c->count = 0;
        cassette_free(c);
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "%s: not a HAR file: expected {\"log\": {\"entries\": [...]}} at the top", name);
    }
    for (size_t i = 0; i < c->count; i++)
        atomic_init(&c->entries[i].json, NULL);
    for (size_t i = 0; i < c->count; i++) {
        if (index_entry(c, i, &sc.all[i], err) < 0) {
            free(sc.all);
            cassette_free(c);
            return -1;
        }
    }
    free(sc.all);
    if (sc.variables.type == 'o')
        c->variables = cJSON_ParseWithLength(c->text + sc.variables.start, sc.variables.end - sc.variables.start);
    if (sc.meta.type == 'o')
        c->meta = cJSON_ParseWithLength(c->text + sc.meta.start, sc.meta.end - sc.meta.start);
    return 0;
}

int cassette_parse(cassette *c, const char *name, const char *text, size_t n, mtv_err *err)
{
    char *copy = malloc(n + 1);
    if (!copy)
        abort();
    memcpy(copy, text, n);
    return parse_owned(c, name, copy, n, err);
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
        size_t n = data.len;
        char *text = sb_detach(&data, NULL);
        rc = parse_owned(c, path, text ? text : strdup(""), n, err);
    }
    sb_release(&data);
    return rc;
}

void cassette_free(cassette *c)
{
    for (size_t i = 0; i < c->count; i++) {
        free(c->entries[i].strings);
        cJSON_Delete(atomic_load(&c->entries[i].json));
    }
    free(c->entries);
    free(c->text);
    free(c->name);
    cJSON_Delete(c->meta);
    cJSON_Delete(c->variables);
    memset(c, 0, sizeof *c);
}

const cJSON *cassette_entry_json(const cassette *c, const cassette_entry *e)
{
    cassette_entry *me = (cassette_entry *)e;
    cJSON *j = atomic_load(&me->json);
    if (j)
        return j;
    cJSON *parsed = cJSON_ParseWithLength(c->text + e->offset, e->length);
    cJSON *expected = NULL;
    if (!atomic_compare_exchange_strong(&me->json, &expected, parsed)) {
        cJSON_Delete(parsed);   /* another thread was first */
        return expected;
    }
    return parsed;
}

const cJSON *cassette_entry_stream(const cassette *c, const cassette_entry *e)
{
    return e->has_stream ? cJSON_GetObjectItemCaseSensitive(cassette_entry_json(c, e), "_stream") : NULL;
}

const cJSON *cassette_entry_custom(const cassette *c, const cassette_entry *e)
{
    return e->has_custom ? cJSON_GetObjectItemCaseSensitive(cassette_entry_json(c, e), "_custom") : NULL;
}

/* ---- reading one entry straight from its text ------------------------------------ */

/* Member iteration over an object or array the loader already validated. */
static int it_open(scanner *sc, char open)
{
    ws(sc);
    if (sc->i >= sc->n || sc->s[sc->i] != open)
        return -1;
    sc->i++;
    ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == (open == '{' ? '}' : ']')) {
        sc->i++;
        return 0;   /* empty */
    }
    return 1;
}

/* After a value: 1 when another member follows, 0 at the end. */
static int it_more(scanner *sc)
{
    ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == ',') {
        sc->i++;
        ws(sc);
        return 1;
    }
    if (sc->i < sc->n)
        sc->i++;
    return 0;
}

static int it_key(scanner *sc, span *k)
{
    if (scan_string(sc, k) < 0)
        return -1;
    ws(sc);
    if (sc->i >= sc->n || sc->s[sc->i] != ':')
        return -1;
    sc->i++;
    ws(sc);
    return 0;
}

static char *take_string(const scanner *sc, const span *v)
{
    strbuf out = STRBUF_INIT;
    decode_string(sc->s, v, &out);
    return sb_detach(&out, NULL);
}

static void read_headers(scanner *sc, http_headers *h)
{
    if (it_open(sc, '[') != 1)
        return;
    do {
        if (it_open(sc, '{') == 1) {
            char *name = NULL, *value = NULL;
            do {
                span k, v;
                if (it_key(sc, &k) < 0 || scan_value(sc, R_NONE, &v) < 0)
                    break;
                if (v.type == 's' && key_is(sc, &k, "name"))
                    name = take_string(sc, &v);
                else if (v.type == 's' && key_is(sc, &k, "value"))
                    value = take_string(sc, &v);
            } while (it_more(sc));
            if (name && value)
                http_headers_add(h, name, value);
            free(name);
            free(value);
        } else {
            span v;
            scan_value(sc, R_NONE, &v);
        }
    } while (it_more(sc));
}

static int read_content(scanner *sc, strbuf *body)
{
    if (it_open(sc, '{') != 1)
        return 0;
    span text = {0}, enc = {0};
    do {
        span k, v;
        if (it_key(sc, &k) < 0 || scan_value(sc, R_NONE, &v) < 0)
            return 0;
        if (key_is(sc, &k, "text"))
            text = v;
        else if (key_is(sc, &k, "encoding"))
            enc = v;
    } while (it_more(sc));
    if (text.type != 's')
        return 0;
    if (enc.type == 's' && enc.end - enc.start == 8 && memcmp(sc->s + enc.start, "\"base64\"", 8) == 0) {
        strbuf raw = STRBUF_INIT;
        decode_string(sc->s, &text, &raw);
        int rc = b64_decode(body, raw.buf, raw.len ? raw.len - 1 : 0);
        sb_release(&raw);
        return rc;
    }
    decode_string(sc->s, &text, body);
    sb_setlen(body, body->len - 1);   /* the NUL decode_string adds */
    return 0;
}

static void read_timings(scanner *sc, http_timings *t)
{
    static const char *const names[7] = {"blocked", "dns", "connect", "ssl", "send", "wait", "receive"};
    double *slots[7] = {&t->blocked, &t->dns, &t->connect, &t->ssl, &t->send, &t->wait, &t->receive};
    if (it_open(sc, '{') != 1)
        return;
    do {
        span k, v;
        if (it_key(sc, &k) < 0 || scan_value(sc, R_NONE, &v) < 0)
            return;
        for (int i = 0; i < 7; i++)
            if (v.type == 'n' && key_is(sc, &k, names[i]))
                *slots[i] = number(sc->s, &v);
    } while (it_more(sc));
}

int cassette_entry_response(const cassette *c, const cassette_entry *e, http_response *resp,
                            mtv_err *err)
{
    resp->status = e->status;
    resp->replayed = 1;
    resp->timings = (http_timings){-1, -1, -1, -1, -1, -1, -1};
    if (e->timings_length) {
        scanner ts = {.s = c->text + e->timings_offset, .n = e->timings_length};
        read_timings(&ts, &resp->timings);
    }
    /* only the response object is read: the request side is never scanned */
    scanner sc = {.s = c->text + e->response_offset, .n = e->response_length};
    char *reason = NULL, *version = NULL;
    int bad_body = 0;
    if (it_open(&sc, '{') == 1) {
        do {
            span k, v;
            if (it_key(&sc, &k) < 0)
                break;
            if (key_is(&sc, &k, "headers")) {
                read_headers(&sc, &resp->headers);
            } else if (key_is(&sc, &k, "content") && !e->has_stream) {
                bad_body = read_content(&sc, &resp->body) < 0;
            } else if (scan_value(&sc, R_NONE, &v) < 0) {
                break;
            } else if (v.type == 's') {
                if (key_is(&sc, &k, "statusText") && !reason)
                    reason = take_string(&sc, &v);
                else if (key_is(&sc, &k, "httpVersion") && !version)
                    version = take_string(&sc, &v);
            }
        } while (it_more(&sc));
    }
    resp->reason = reason ? reason : strdup("");
    if (version && !*version) {
        free(version);
        version = NULL;
    }
    resp->http_version = version ? version : strdup("HTTP/1.1");
    if (bad_body)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "%s: entry _seq %lld: response/content/text is not valid base64",
                           c->name, e->seq);
    return 0;
}

void cassette_entry_request_body(const cassette *c, const cassette_entry *e, strbuf *out)
{
    const cJSON *rq = cJSON_GetObjectItemCaseSensitive(cassette_entry_json(c, e), "request");
    har_body_decode(cJSON_GetObjectItemCaseSensitive(rq, "postData"), "_encoding", out);
}
