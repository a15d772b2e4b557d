/*
 * secrets: see secrets.h.
 *
 * Each registered value expands to a list of variants (the encodings it may
 * appear in). For base64 the encoding of a substring depends on where it
 * starts modulo 3, so the value is encoded at each of the three alignments and
 * only the characters fully determined by the value are kept.
 */
#include "util/secrets.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"

typedef struct variant {
    char *bytes;
    size_t len;
    size_t secret;          /* index into labels */
    struct variant *next;   /* next in the same first-byte bucket, longest first */
} variant;

struct secret_registry {
    pthread_rwlock_t lock;
    char **labels;
    char **values;
    size_t count;
    variant *buckets[256];
};

secret_registry *secrets_new(void)
{
    secret_registry *reg = calloc(1, sizeof *reg);
    if (!reg)
        abort();
    pthread_rwlock_init(&reg->lock, NULL);
    return reg;
}

void secrets_free(secret_registry *reg)
{
    if (!reg)
        return;
    for (int b = 0; b < 256; b++) {
        variant *v = reg->buckets[b];
        while (v) {
            variant *next = v->next;
            free(v->bytes);
            free(v);
            v = next;
        }
    }
    for (size_t i = 0; i < reg->count; i++) {
        free(reg->labels[i]);
        free(reg->values[i]);
    }
    free(reg->labels);
    free(reg->values);
    pthread_rwlock_destroy(&reg->lock);
    free(reg);
}

static void insert_variant(secret_registry *reg, const char *bytes, size_t len, size_t idx)
{
    if (len < 4)
        return;
    unsigned char first = (unsigned char)bytes[0];
    for (variant *v = reg->buckets[first]; v; v = v->next)
        if (v->len == len && memcmp(v->bytes, bytes, len) == 0)
            return;
    variant *nv = calloc(1, sizeof *nv);
    if (!nv || !(nv->bytes = malloc(len)))
        abort();
    memcpy(nv->bytes, bytes, len);
    nv->len = len;
    nv->secret = idx;
    variant **pp = &reg->buckets[first];
    while (*pp && (*pp)->len >= len)
        pp = &(*pp)->next;
    nv->next = *pp;
    *pp = nv;
}

/* The base64 characters that depend only on value bytes, when the value
 * starts `shift` bytes into a 3-byte group. */
static void add_b64_variants(secret_registry *reg, const char *value, size_t n, size_t idx)
{
    for (size_t shift = 0; shift < 3; shift++) {
        unsigned char *tmp = calloc(1, n + shift);
        if (!tmp)
            abort();
        memcpy(tmp + shift, value, n);
        size_t first = (8 * shift + 5) / 6;
        size_t end = (8 * (shift + n)) / 6;
        for (int url = 0; url < 2; url++) {
            strbuf enc = STRBUF_INIT;
            if (url)
                b64url_encode(&enc, tmp, n + shift);
            else
                b64_encode(&enc, tmp, n + shift);
            if (end > first && end <= enc.len && end - first >= SECRETS_MIN_LEN)
                insert_variant(reg, enc.buf + first, end - first, idx);
            sb_release(&enc);
        }
        free(tmp);
    }
}

static void html_escape(strbuf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': sb_adds(out, "&amp;"); break;
        case '<': sb_adds(out, "&lt;"); break;
        case '>': sb_adds(out, "&gt;"); break;
        case '"': sb_adds(out, "&quot;"); break;
        case '\'': sb_adds(out, "&#39;"); break;
        default: sb_addc(out, s[i]);
        }
    }
}

int secrets_add(secret_registry *reg, const char *label, const char *value)
{
    if (!reg || !value)
        return 0;
    size_t n = strlen(value);
    if (n < SECRETS_MIN_LEN)
        return 0;
    /* replayed credentials are redaction placeholders: masking those would
     * rewrite replayed requests and break their matching */
    if (strstr(value, "<redacted:"))
        return 0;
    pthread_rwlock_wrlock(&reg->lock);
    for (size_t i = 0; i < reg->count; i++) {
        if (strcmp(reg->values[i], value) == 0) {
            pthread_rwlock_unlock(&reg->lock);
            return 0;
        }
    }
    char **nl = realloc(reg->labels, (reg->count + 1) * sizeof *nl);
    if (!nl)
        abort();
    reg->labels = nl;
    char **nvals = realloc(reg->values, (reg->count + 1) * sizeof *nvals);
    if (!nvals)
        abort();
    reg->values = nvals;
    size_t idx = reg->count++;
    reg->labels[idx] = strdup(label ? label : "secret");
    reg->values[idx] = strdup(value);
    if (!reg->labels[idx] || !reg->values[idx])
        abort();

    insert_variant(reg, value, n, idx);
    strbuf v = STRBUF_INIT;
    for (int form = 0; form < 2; form++) {
        sb_reset(&v);
        url_encode(&v, value, n, form);
        insert_variant(reg, v.buf, v.len, idx);
    }
    sb_reset(&v);
    json_escape(&v, value, n);
    insert_variant(reg, v.buf, v.len, idx);
    sb_reset(&v);
    html_escape(&v, value, n);
    insert_variant(reg, v.buf, v.len, idx);
    sb_release(&v);
    add_b64_variants(reg, value, n, idx);
    pthread_rwlock_unlock(&reg->lock);
    return 1;
}

size_t secrets_count(const secret_registry *reg)
{
    return reg ? reg->count : 0;
}

static const variant *match_at(const secret_registry *reg, const unsigned char *p, size_t left)
{
    for (const variant *v = reg->buckets[p[0]]; v; v = v->next)
        if (v->len <= left && memcmp(v->bytes, p, v->len) == 0)
            return v;
    return NULL;
}

size_t secrets_mask(const secret_registry *reg, const void *in, size_t n, strbuf *out)
{
    const unsigned char *p = in;
    if (!reg) {
        sb_add(out, in, n);
        return 0;
    }
    size_t hits = 0, copied = 0;
    pthread_rwlock_rdlock((pthread_rwlock_t *)&reg->lock);
    if (reg->count == 0) {
        pthread_rwlock_unlock((pthread_rwlock_t *)&reg->lock);
        sb_add(out, in, n);
        return 0;
    }
    for (size_t i = 0; i < n;) {
        const variant *v = reg->buckets[p[i]] ? match_at(reg, p + i, n - i) : NULL;
        if (!v) {
            i++;
            continue;
        }
        sb_add(out, p + copied, i - copied);
        sb_addf(out, "<redacted:%s>", reg->labels[v->secret]);
        i += v->len;
        copied = i;
        hits++;
    }
    sb_add(out, p + copied, n - copied);
    pthread_rwlock_unlock((pthread_rwlock_t *)&reg->lock);
    return hits;
}

const char *secrets_find(const secret_registry *reg, const void *data, size_t n, size_t *offset)
{
    const unsigned char *p = data;
    if (!reg)
        return NULL;
    const char *found = NULL;
    pthread_rwlock_rdlock((pthread_rwlock_t *)&reg->lock);
    for (size_t i = 0; i < n && !found; i++) {
        if (!reg->buckets[p[i]])
            continue;
        const variant *v = match_at(reg, p + i, n - i);
        if (v) {
            found = reg->labels[v->secret];
            if (offset)
                *offset = i;
        }
    }
    pthread_rwlock_unlock((pthread_rwlock_t *)&reg->lock);
    return found;
}
