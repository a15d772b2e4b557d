/* lab_patch: see lab_patch.h. */
#include "lab/lab_patch.h"

#include <stdlib.h>
#include <string.h>

#include "lab/lab_meta.h"

void lab_merge_patch(cJSON **doc, const cJSON *patch)
{
    if (!cJSON_IsObject(patch)) {
        cJSON_Delete(*doc);
        *doc = cJSON_Duplicate(patch, 1);
        return;
    }
    if (!cJSON_IsObject(*doc)) {
        cJSON_Delete(*doc);
        *doc = cJSON_CreateObject();
    }
    for (const cJSON *p = patch->child; p; p = p->next) {
        cJSON *cur = cJSON_GetObjectItemCaseSensitive(*doc, p->string);
        if (cJSON_IsNull(p)) {
            if (cur)
                cJSON_DeleteItemFromObjectCaseSensitive(*doc, p->string);
            continue;
        }
        if (cJSON_IsObject(p)) {
            cJSON *target = cur ? cJSON_DetachItemViaPointer(*doc, cur) : NULL;
            lab_merge_patch(&target, p);
            cJSON_AddItemToObject(*doc, p->string, target);
            continue;
        }
        cJSON *copy = cJSON_Duplicate(p, 1);
        if (cur)
            cJSON_ReplaceItemInObjectCaseSensitive(*doc, p->string, copy);
        else
            cJSON_AddItemToObject(*doc, p->string, copy);
    }
}

void lab_strip_strategic_directives(cJSON *patch)
{
    if (!patch)
        return;
    cJSON *c = patch->child;
    while (c) {
        cJSON *next = c->next;
        if (cJSON_IsObject(patch) && c->string && c->string[0] == '$')
            cJSON_Delete(cJSON_DetachItemViaPointer(patch, c));
        else
            lab_strip_strategic_directives(c);
        c = next;
    }
}

/* Splits an RFC 6901 pointer into decoded tokens (malloc'd array). */
static int split_pointer(const char *ptr, char ***toks, size_t *n, strbuf *err)
{
    *toks = NULL;
    *n = 0;
    if (!*ptr)
        return 0;
    if (*ptr != '/') {
        sb_addf(err, "invalid JSON pointer \"%s\": must start with '/'", ptr);
        return -1;
    }
    const char *p = ptr + 1;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        strbuf t = STRBUF_INIT;
        for (size_t i = 0; i < len; i++) {
            if (p[i] == '~' && i + 1 < len && (p[i + 1] == '0' || p[i + 1] == '1')) {
                sb_addc(&t, p[i + 1] == '0' ? '~' : '/');
                i++;
            } else {
                sb_addc(&t, p[i]);
            }
        }
        *toks = realloc(*toks, (*n + 1) * sizeof **toks);
        if (!*toks)
            abort();
        char *s = sb_detach(&t, NULL);
        (*toks)[(*n)++] = s ? s : strdup("");
        if (!end)
            return 0;
        p = end + 1;
    }
}

static void free_tokens(char **toks, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(toks[i]);
    free(toks);
}

static int parse_index(const char *tok, int size, int allow_end, int *out)
{
    if (allow_end && strcmp(tok, "-") == 0) {
        *out = size;
        return 0;
    }
    if (!*tok || (tok[0] == '0' && tok[1]))
        return -1;
    long v = 0;
    for (const char *p = tok; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
        if (v > 1000000000)
            return -1;
    }
    if (v > size || (!allow_end && v == size))
        return -1;
    *out = (int)v;
    return 0;
}

/* Inserts item before index idx (< size). Done by hand: cJSON's own
 * cJSON_InsertItemInArray fails on Debian 12's cJSON 1.7.15. */
static void array_insert(cJSON *array, int idx, cJSON *item)
{
    cJSON *after = array->child;
    for (int i = 0; i < idx && after; i++)
        after = after->next;
    if (!after) {
        cJSON_AddItemToArray(array, item);
        return;
    }
    item->next = after;
    item->prev = after->prev;
    if (after == array->child) {
        array->child = item;       /* item->prev keeps pointing at the last element */
    } else {
        after->prev->next = item;
    }
    after->prev = item;
}

/* Walks to the parent of the last token. */
static cJSON *resolve_parent(cJSON *doc, char **toks, size_t n, const char *ptr, strbuf *err)
{
    cJSON *cur = doc;
    for (size_t i = 0; i + 1 < n; i++) {
        cJSON *next = NULL;
        if (cJSON_IsObject(cur))
            next = cJSON_GetObjectItemCaseSensitive(cur, toks[i]);
        else if (cJSON_IsArray(cur)) {
            int idx;
            if (parse_index(toks[i], cJSON_GetArraySize(cur), 0, &idx) == 0)
                next = cJSON_GetArrayItem(cur, idx);
        }
        if (!next) {
            sb_addf(err, "doc is missing path: \"%s\": missing value", ptr);
            return NULL;
        }
        cur = next;
    }
    return cur;
}

static cJSON *get_at(cJSON *doc, const char *ptr, strbuf *err)
{
    char **toks;
    size_t n;
    if (split_pointer(ptr, &toks, &n, err) < 0)
        return NULL;
    cJSON *cur = doc;
    for (size_t i = 0; cur && i < n; i++) {
        if (cJSON_IsObject(cur))
            cur = cJSON_GetObjectItemCaseSensitive(cur, toks[i]);
        else if (cJSON_IsArray(cur)) {
            int idx;
            cur = parse_index(toks[i], cJSON_GetArraySize(cur), 0, &idx) == 0
                      ? cJSON_GetArrayItem(cur, idx) : NULL;
        } else
            cur = NULL;
    }
    free_tokens(toks, n);
    if (!cur)
        sb_addf(err, "doc is missing path: \"%s\": missing value", ptr);
    return cur;
}

/* Removes and returns the value at ptr. */
static cJSON *take_at(cJSON **doc, const char *ptr, strbuf *err)
{
    char **toks;
    size_t n;
    if (split_pointer(ptr, &toks, &n, err) < 0)
        return NULL;
    if (n == 0) {
        cJSON *all = *doc;
        *doc = cJSON_CreateNull();
        return all;
    }
    cJSON *parent = resolve_parent(*doc, toks, n, ptr, err);
    cJSON *out = NULL;
    if (parent && cJSON_IsObject(parent)) {
        cJSON *it = cJSON_GetObjectItemCaseSensitive(parent, toks[n - 1]);
        if (it)
            out = cJSON_DetachItemViaPointer(parent, it);
    } else if (parent && cJSON_IsArray(parent)) {
        int idx;
        if (parse_index(toks[n - 1], cJSON_GetArraySize(parent), 0, &idx) == 0)
            out = cJSON_DetachItemFromArray(parent, idx);
    }
    if (parent && !out)
        sb_addf(err, "doc is missing path: \"%s\": missing value", ptr);
    free_tokens(toks, n);
    return out;
}

/* Adds value (consumed) at ptr; replace=1 requires the target to exist. */
static int put_at(cJSON **doc, const char *ptr, cJSON *value, int replace, strbuf *err)
{
    char **toks;
    size_t n;
    if (split_pointer(ptr, &toks, &n, err) < 0) {
        cJSON_Delete(value);
        return -1;
    }
    if (n == 0) {
        cJSON_Delete(*doc);
        *doc = value;
        return 0;
    }
    int rc = -1;
    cJSON *parent = resolve_parent(*doc, toks, n, ptr, err);
    const char *last = toks[n - 1];
    if (parent && cJSON_IsObject(parent)) {
        cJSON *it = cJSON_GetObjectItemCaseSensitive(parent, last);
        if (it) {
            cJSON_ReplaceItemInObjectCaseSensitive(parent, last, value);
            rc = 0;
        } else if (replace) {
            sb_addf(err, "doc is missing key: %s: missing value", ptr);
        } else {
            cJSON_AddItemToObject(parent, last, value);
            rc = 0;
        }
    } else if (parent && cJSON_IsArray(parent)) {
        int size = cJSON_GetArraySize(parent), idx;
        if (parse_index(last, size, !replace, &idx) < 0) {
            sb_addf(err, "unable to access invalid index: %s", last);
        } else if (replace) {
            cJSON_ReplaceItemInArray(parent, idx, value);
            rc = 0;
        } else if (idx == size) {
            cJSON_AddItemToArray(parent, value);
            rc = 0;
        } else {
            array_insert(parent, idx, value);
            rc = 0;
        }
    } else if (parent) {
        sb_addf(err, "doc is missing path: \"%s\": missing value", ptr);
    }
    if (rc < 0)
        cJSON_Delete(value);
    free_tokens(toks, n);
    return rc;
}

static const char *op_str(const cJSON *op, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(op, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int lab_json_patch(cJSON **doc, const cJSON *ops, strbuf *err)
{
    if (!cJSON_IsArray(ops)) {
        sb_adds(err, "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        return -1;
    }
    int i = 0;
    for (const cJSON *op = ops->child; op; op = op->next, i++) {
        const char *name = cJSON_IsObject(op) ? op_str(op, "op") : NULL;
        const char *path = cJSON_IsObject(op) ? op_str(op, "path") : NULL;
        if (!name || !path) {
            sb_addf(err, "operation %d: needs string fields \"op\" and \"path\"", i);
            return -1;
        }
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(op, "value");
        const char *from = op_str(op, "from");
        if (!strcmp(name, "add") || !strcmp(name, "replace")) {
            if (!value) {
                sb_addf(err, "operation %d (%s): missing \"value\"", i, name);
                return -1;
            }
            if (put_at(doc, path, cJSON_Duplicate(value, 1), name[0] == 'r', err) < 0)
                return -1;
        } else if (!strcmp(name, "remove")) {
            cJSON *gone = take_at(doc, path, err);
            if (!gone)
                return -1;
            cJSON_Delete(gone);
        } else if (!strcmp(name, "move") || !strcmp(name, "copy")) {
            if (!from) {
                sb_addf(err, "operation %d (%s): missing \"from\"", i, name);
                return -1;
            }
            cJSON *v;
            if (name[0] == 'm') {
                v = take_at(doc, from, err);
            } else {
                cJSON *src = get_at(*doc, from, err);
                v = src ? cJSON_Duplicate(src, 1) : NULL;
            }
            if (!v || put_at(doc, path, v, 0, err) < 0)
                return -1;
        } else if (!strcmp(name, "test")) {
            cJSON *cur = get_at(*doc, path, err);
            if (!cur)
                return -1;
            if (!value || !lab_json_equal(cur, value)) {
                sb_addf(err, "testing value %s failed: test failed", path);
                return -1;
            }
        } else {
            sb_addf(err, "Unexpected kind: %s", name);
            return -1;
        }
    }
    return 0;
}
