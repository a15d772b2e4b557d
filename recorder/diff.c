/* diff: see diff.h. */
#include "recorder/diff.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "recorder/har.h"
#include "util/json.h"

int diff_key_volatile(const char *name)
{
    static const char *const exact[] = {"resourceVersion", "uid", "managedFields", "selfLink",
                                        "creationTimestamp", "deletionTimestamp", "generation",
                                        "observedGeneration", "started", "completed", NULL};
    if (!name)
        return 0;
    for (int i = 0; exact[i]; i++)
        if (strcmp(name, exact[i]) == 0)
            return 1;
    size_t n = strlen(name);
    return (n > 9 && strcmp(name + n - 9, "Timestamp") == 0) ||
           (n > 4 && strcmp(name + n - 4, "Time") == 0) || strcmp(name, "timestamp") == 0;
}

typedef struct ctx {
    const diff_opts *o;
    int budget;
} ctx;

static int masked(const ctx *c, const char *name)
{
    if (!c->o->no_default_masks && diff_key_volatile(name))
        return 1;
    for (int i = 0; c->o->extra_masks && c->o->extra_masks[i]; i++)
        if (name && strcmp(name, c->o->extra_masks[i]) == 0)
            return 1;
    return 0;
}

static void add_field(cJSON *fields, const char *field, const cJSON *a, const cJSON *b)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "field", field);
    cJSON_AddItemToObject(d, "a", a ? cJSON_Duplicate(a, 1) : cJSON_CreateNull());
    cJSON_AddItemToObject(d, "b", b ? cJSON_Duplicate(b, 1) : cJSON_CreateNull());
    if (!a)
        cJSON_AddBoolToObject(d, "only_in_b", 1);
    if (!b)
        cJSON_AddBoolToObject(d, "only_in_a", 1);
    cJSON_AddItemToArray(fields, d);
}

/* An object holding nothing but masked members counts as absent. */
static int only_masked(const ctx *c, const cJSON *v)
{
    if (!cJSON_IsObject(v))
        return 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, v)
        if (!masked(c, m->string) && !only_masked(c, m))
            return 0;
    return 1;
}

static void json_walk(ctx *c, cJSON *fields, const cJSON *a, const cJSON *b, strbuf *ptr)
{
    if (c->budget <= 0 || (!a && only_masked(c, b)) || (!b && only_masked(c, a)))
        return;
    size_t base = ptr->len;
    if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        const cJSON *x;
        cJSON_ArrayForEach(x, a) {
            if (masked(c, x->string))
                continue;
            sb_setlen(ptr, base);
            json_pointer_append(ptr, x->string);
            json_walk(c, fields, x, cJSON_GetObjectItemCaseSensitive(b, x->string), ptr);
        }
        cJSON_ArrayForEach(x, b) {
            if (masked(c, x->string) || cJSON_GetObjectItemCaseSensitive(a, x->string))
                continue;
            sb_setlen(ptr, base);
            json_pointer_append(ptr, x->string);
            json_walk(c, fields, NULL, x, ptr);
        }
        sb_setlen(ptr, base);
        return;
    }
    if (cJSON_IsArray(a) && cJSON_IsArray(b)) {
        int na = cJSON_GetArraySize(a), nb = cJSON_GetArraySize(b);
        const cJSON *x = a->child, *y = b->child;
        for (int i = 0; i < (na > nb ? na : nb); i++) {
            sb_setlen(ptr, base);
            json_pointer_append_index(ptr, (size_t)i);
            json_walk(c, fields, x, y, ptr);
            x = x ? x->next : NULL;
            y = y ? y->next : NULL;
        }
        sb_setlen(ptr, base);
        return;
    }
    if (a && b && cJSON_Compare(a, b, 1))
        return;
    strbuf f = STRBUF_INIT;
    sb_addf(&f, "body%s", ptr->len ? ptr->buf : "");
    add_field(fields, f.buf, a, b);
    sb_release(&f);
    c->budget--;
}

static void body_of(const cassette *cs, const cassette_entry *e, strbuf *out)
{
    if (e->has_custom) {
        char *t = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(cassette_entry_custom(cs, e), "response"));
        if (t)
            sb_adds(out, t);
        free(t);
        return;
    }
    if (e->has_stream) {
        const cJSON *f;
        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(cassette_entry_stream(cs, e), "frames")) {
            const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "text"));
            const char *b = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "base64"));
            sb_adds(out, t ? t : b ? b : "");
            sb_addc(out, '\n');
        }
        return;
    }
    http_response r = {0};
    mtv_err err;
    if (cassette_entry_response(cs, e, &r, &err) == 0)
        sb_add(out, r.body.buf ? r.body.buf : "", r.body.len);
    http_response_free(&r);
}

/* Frames of a watch are compared one JSON value per line. */
static cJSON *parse_body(const strbuf *s, int stream)
{
    if (!s->len)
        return NULL;
    if (!stream)
        return cJSON_ParseWithLength(s->buf, s->len);
    cJSON *arr = cJSON_CreateArray();
    const char *p = s->buf, *end = s->buf + s->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        cJSON *v = cJSON_ParseWithLength(p, (size_t)(e - p));
        if (!v) {
            cJSON_Delete(arr);
            return NULL;
        }
        cJSON_AddItemToArray(arr, v);
        p = e + 1;
    }
    return arr;
}

static cJSON *compare(ctx *c, const cassette *ca, const cassette_entry *a, const cassette *cb,
                      const cassette_entry *b)
{
    cJSON *fields = cJSON_CreateArray();
    c->budget = c->o->max_details > 0 ? c->o->max_details : 20;
    if (a->status != b->status) {
        cJSON *x = cJSON_CreateNumber((double)a->status), *y = cJSON_CreateNumber((double)b->status);
        add_field(fields, "status", x, y);
        cJSON_Delete(x);
        cJSON_Delete(y);
    }
    if ((a->error != NULL) != (b->error != NULL) || (a->error && strcmp(a->error, b->error))) {
        cJSON *x = a->error ? cJSON_CreateString(a->error) : NULL;
        cJSON *y = b->error ? cJSON_CreateString(b->error) : NULL;
        add_field(fields, "error", x, y);
        cJSON_Delete(x);
        cJSON_Delete(y);
    }
    strbuf ba = STRBUF_INIT, bb = STRBUF_INIT;
    body_of(ca, a, &ba);
    body_of(cb, b, &bb);
    if (ba.len != bb.len || (ba.len && memcmp(ba.buf, bb.buf, ba.len) != 0)) {
        cJSON *ja = parse_body(&ba, a->has_stream), *jb = parse_body(&bb, b->has_stream);
        if (ja && jb) {
            strbuf ptr = STRBUF_INIT;
            json_walk(c, fields, ja, jb, &ptr);
            sb_release(&ptr);
        } else {
            cJSON *x = cJSON_CreateString(har_is_text(ba.buf, ba.len) ? sb_str(&ba) : "(binary)");
            cJSON *y = cJSON_CreateString(har_is_text(bb.buf, bb.len) ? sb_str(&bb) : "(binary)");
            add_field(fields, "body", x, y);
            cJSON_Delete(x);
            cJSON_Delete(y);
        }
        cJSON_Delete(ja);
        cJSON_Delete(jb);
    }
    sb_release(&ba);
    sb_release(&bb);
    if (cJSON_GetArraySize(fields) == 0) {
        cJSON_Delete(fields);
        return NULL;
    }
    return fields;
}

/* key -> entries of one cassette, in order; a small chained hash map. */
typedef struct kslot {
    const char *key;
    size_t *idx, count, cap, used;
    struct kslot *next;
} kslot;

typedef struct kmap {
    kslot **b;
    size_t n;
} kmap;

static size_t khash(const char *s, size_t n)
{
    size_t h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h % n;
}

static kslot *kget(kmap *m, const char *key, int create)
{
    size_t h = khash(key, m->n);
    for (kslot *s = m->b[h]; s; s = s->next)
        if (strcmp(s->key, key) == 0)
            return s;
    if (!create)
        return NULL;
    kslot *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->key = key;
    s->next = m->b[h];
    m->b[h] = s;
    return s;
}

static void kmap_build(kmap *m, const cassette *c)
{
    m->n = c->count * 2 + 17;
    m->b = calloc(m->n, sizeof *m->b);
    if (!m->b)
        abort();
    for (size_t i = 0; i < c->count; i++) {
        kslot *s = kget(m, c->entries[i].key, 1);
        if (s->count == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 4;
            s->idx = realloc(s->idx, s->cap * sizeof *s->idx);
            if (!s->idx)
                abort();
        }
        s->idx[s->count++] = i;
    }
}

static void kmap_free(kmap *m)
{
    for (size_t i = 0; i < m->n; i++)
        for (kslot *s = m->b[i]; s;) {
            kslot *n = s->next;
            free(s->idx);
            free(s);
            s = n;
        }
    free(m->b);
}

static cJSON *item(const char *kind, const cassette_entry *a, const cassette_entry *b, cJSON *fields)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "kind", kind);
    cJSON_AddStringToObject(d, "key", a ? a->key : b->key);
    if (a)
        cJSON_AddNumberToObject(d, "seq_a", (double)a->seq);
    if (b)
        cJSON_AddNumberToObject(d, "seq_b", (double)b->seq);
    if (fields)
        cJSON_AddItemToObject(d, "fields", fields);
    return d;
}

static void print_value(strbuf *out, const cJSON *v)
{
    if (!v || cJSON_IsNull(v)) {
        sb_adds(out, "(absent)");
        return;
    }
    char *t = cJSON_PrintUnformatted(v);
    sb_addf(out, "%.200s%s", t, strlen(t) > 200 ? "..." : "");
    free(t);
}

int cassette_diff(const cassette *a, const cassette *b, const diff_opts *opts, strbuf *text,
                  cJSON **json)
{
    diff_opts defaults = {0};
    ctx c = {opts ? opts : &defaults, 0};
    kmap mb;
    kmap_build(&mb, b);
    cJSON *diffs = cJSON_CreateArray();
    unsigned char *paired_b = calloc(b->count ? b->count : 1, 1);
    int changed = 0, only_a = 0, only_b = 0;
    /* entries are in file order, which the finaliser keeps by _seq */
    for (size_t i = 0; i < a->count; i++) {
        const cassette_entry *ea = &a->entries[i];
        kslot *s = kget(&mb, ea->key, 0);
        if (!s || s->used >= s->count) {
            cJSON_AddItemToArray(diffs, item("only_in_a", ea, NULL, NULL));
            only_a++;
            continue;
        }
        size_t j = s->idx[s->used++];
        paired_b[j] = 1;
        cJSON *fields = compare(&c, a, ea, b, &b->entries[j]);
        if (fields) {
            cJSON_AddItemToArray(diffs, item("changed", ea, &b->entries[j], fields));
            changed++;
        }
    }
    for (size_t j = 0; j < b->count; j++) {
        if (paired_b[j])
            continue;
        /* place it after the A entries that came before it in time */
        cJSON *d = item("only_in_b", NULL, &b->entries[j], NULL);
        cJSON *it = diffs->child;
        int pos = 0;
        for (; it; it = it->next, pos++) {
            const cJSON *sa = cJSON_GetObjectItemCaseSensitive(it, "seq_a");
            const cJSON *sb = cJSON_GetObjectItemCaseSensitive(it, "seq_b");
            double at = cJSON_IsNumber(sa) ? sa->valuedouble : sb->valuedouble;
            if (at > (double)b->entries[j].seq)
                break;
        }
        cJSON_InsertItemInArray(diffs, pos, d);
        only_b++;
    }
    free(paired_b);
    kmap_free(&mb);
    int total = changed + only_a + only_b;
    if (text) {
        if (!total) {
            sb_addf(text, "cassettes match: %zu exchanges, same answers (volatile fields masked)\n",
                    a->count);
        } else {
            sb_addf(text, "cassettes differ in %d exchange(s): %d changed, %d only in A (%s), %d only in B (%s)\n",
                    total, changed, only_a, a->name, only_b, b->name);
            int k = 0;
            const cJSON *d;
            cJSON_ArrayForEach(d, diffs) {
                const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "kind"));
                const cJSON *sa = cJSON_GetObjectItemCaseSensitive(d, "seq_a");
                const cJSON *sb = cJSON_GetObjectItemCaseSensitive(d, "seq_b");
                if (k == 0)
                    sb_adds(text, "\nfirst divergence:\n");
                else if (k == 1)
                    sb_adds(text, "\nthen:\n");
                sb_addf(text, "  %s", kind);
                if (sa)
                    sb_addf(text, " A#%lld", har_clamp(sa->valuedouble, -HAR_MAX_SEQ, HAR_MAX_SEQ));
                if (sb)
                    sb_addf(text, " B#%lld", har_clamp(sb->valuedouble, -HAR_MAX_SEQ, HAR_MAX_SEQ));
                sb_addf(text, ": %s\n", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "key")));
                const cJSON *f;
                int shown = 0;
                cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(d, "fields")) {
                    if (k > 0 && shown >= 3) {
                        sb_adds(text, "      ...\n");
                        break;
                    }
                    sb_addf(text, "      %s: ", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "field")));
                    print_value(text, cJSON_GetObjectItemCaseSensitive(f, "a"));
                    sb_adds(text, " -> ");
                    print_value(text, cJSON_GetObjectItemCaseSensitive(f, "b"));
                    sb_addc(text, '\n');
                    shown++;
                }
                k++;
            }
        }
    }
    if (json) {
        cJSON *root = cJSON_CreateObject();
        cJSON *sum = cJSON_AddObjectToObject(root, "summary");
        cJSON_AddStringToObject(sum, "a", a->name);
        cJSON_AddStringToObject(sum, "b", b->name);
        cJSON_AddNumberToObject(sum, "entries_a", (double)a->count);
        cJSON_AddNumberToObject(sum, "entries_b", (double)b->count);
        cJSON_AddNumberToObject(sum, "changed", changed);
        cJSON_AddNumberToObject(sum, "only_in_a", only_a);
        cJSON_AddNumberToObject(sum, "only_in_b", only_b);
        cJSON_AddItemToObject(root, "differences", diffs);
        *json = root;
    } else {
        cJSON_Delete(diffs);
    }
    return total;
}
