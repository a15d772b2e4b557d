/* ledger: see ledger.h. The entries live as a cJSON array, which is the
 * file's own shape: every change edits the tree and writes it out whole with
 * fs_write_atomic, under the ledger's lock. */
#include "util/ledger.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/fs.h"
#include "util/json.h"

struct ledger {
    char *path;
    cJSON *root;            /* {"format", "run_id", "resources": [...]} */
    cJSON *items;           /* borrowed: root.resources */
    int fast;               /* ledger_set_durable(0): no fsync */
    pthread_mutex_t lock;
};

static const char *const STATE_NAMES[] = {"created", "deleted", "leftover"};

/* JSON member names of the item fields, in ledger_item order. */
static const char *const FIELDS[] = {"side", "kind", "apiVersion", "namespace", "name", "id",
                                     "provider", "providerType", "scenario", "session"};
#define N_FIELDS (sizeof FIELDS / sizeof FIELDS[0])

const char *ledger_state_name(enum ledger_state st)
{
    return st <= LEDGER_LEFTOVER ? STATE_NAMES[st] : "?";
}

static int state_parse(const char *s, enum ledger_state *out)
{
    for (int i = 0; i <= LEDGER_LEFTOVER; i++)
        if (s && !strcmp(s, STATE_NAMES[i])) {
            *out = (enum ledger_state)i;
            return 0;
        }
    return -1;
}

static void item_fields(const ledger_item *it, const char *v[N_FIELDS])
{
    v[0] = it->side, v[1] = it->kind, v[2] = it->api_version, v[3] = it->namespace_;
    v[4] = it->name, v[5] = it->id, v[6] = it->provider, v[7] = it->provider_type;
    v[8] = it->scenario, v[9] = it->session;
}

static const char *jstr(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* Whole file, renamed into place, no fsync. */
static int write_fast(const char *path, const char *data, size_t n, mtv_err *err)
{
    strbuf tmp = STRBUF_INIT;
    sb_addf(&tmp, "%s.tmp", path);
    FILE *f = fopen(tmp.buf, "w");
    int rc = f && fwrite(data, 1, n, f) == n ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp.buf, path) != 0)
        rc = -1;
    if (rc < 0)
        mtv_err_set(err, MTV_EXIT_ENV, "cannot write %s: %s", path, strerror(errno));
    sb_release(&tmp);
    return rc;
}

static int write_locked(ledger *l, mtv_err *err)
{
    strbuf out = STRBUF_INIT;
    char *text = cJSON_Print(l->root);
    if (!text)
        abort();
    sb_adds(&out, text);
    sb_addc(&out, '\n');
    cJSON_free(text);
    int rc = l->fast ? write_fast(l->path, out.buf, out.len, err)
                     : fs_write_atomic(l->path, out.buf, out.len, err);
    sb_release(&out);
    if (rc < 0)
        mtv_err_prefix(err, "recording created objects");
    return rc;
}

static ledger *ledger_alloc(const char *path)
{
    ledger *l = calloc(1, sizeof *l);
    if (!l)
        abort();
    l->path = strdup(path);
    if (!l->path)
        abort();
    pthread_mutex_init(&l->lock, NULL);
    return l;
}

int ledger_create(ledger **out, const char *path, const char *run_id, mtv_err *err)
{
    ledger *l = ledger_alloc(path);
    l->root = cJSON_CreateObject();
    cJSON_AddStringToObject(l->root, "format", LEDGER_FORMAT);
    cJSON_AddStringToObject(l->root, "run_id", run_id ? run_id : "");
    l->items = cJSON_AddArrayToObject(l->root, "resources");
    if (write_locked(l, err) < 0) {
        ledger_free(l);
        *out = NULL;
        return -1;
    }
    *out = l;
    return 0;
}

static int check_entry(const char *path, const cJSON *e, int i, mtv_err *err)
{
    if (!cJSON_IsObject(e))
        return mtv_err_set(err, MTV_EXIT_USAGE, "%s: resources[%d] is not an object", path, i);
    for (size_t f = 0; f < N_FIELDS; f++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, FIELDS[f]);
        if (v && !cJSON_IsString(v))
            return mtv_err_set(err, MTV_EXIT_USAGE, "%s: resources[%d].%s must be a string, not %s",
                               path, i, FIELDS[f], json_type_name(v));
    }
    const char *side = jstr(e, "side");
    if (!side || (strcmp(side, "cluster") && strcmp(side, "source")))
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "%s: resources[%d].side must be \"cluster\" or \"source\"", path, i);
    if (!jstr(e, "kind") || !(jstr(e, "name") || jstr(e, "id")))
        return mtv_err_set(err, MTV_EXIT_USAGE, "%s: resources[%d] needs kind and name (or id)",
                           path, i);
    enum ledger_state st;
    const char *s = jstr(e, "state");
    if (s && state_parse(s, &st) < 0)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "%s: resources[%d].state '%s' is not created, deleted or leftover", path,
                           i, s);
    return 0;
}

int ledger_open(ledger **out, const char *path, mtv_err *err)
{
    *out = NULL;
    json_doc doc;
    if (json_doc_load(&doc, path, JSON_STRICT, err) < 0)
        return -1;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(doc.root, "format");
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc.root, "resources");
    if (!cJSON_IsObject(doc.root) || !cJSON_IsString(fmt) || strcmp(fmt->valuestring, LEDGER_FORMAT) ||
        !cJSON_IsArray(items)) {
        json_doc_free(&doc);
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "%s is not a resources file: expected an object with \"format\": \"%s\" "
                           "and a \"resources\" array (a run's RUN_DIR/resources.json)",
                           path, LEDGER_FORMAT);
    }
    int i = 0;
    for (const cJSON *e = items->child; e; e = e->next, i++)
        if (check_entry(path, e, i, err) < 0) {
            json_doc_free(&doc);
            return -1;
        }
    ledger *l = ledger_alloc(path);
    l->root = doc.root;
    doc.root = NULL;
    json_doc_free(&doc);
    l->items = cJSON_GetObjectItemCaseSensitive(l->root, "resources");
    *out = l;
    return 0;
}

void ledger_set_durable(ledger *l, int durable)
{
    l->fast = !durable;
}

void ledger_free(ledger *l)
{
    if (!l)
        return;
    cJSON_Delete(l->root);
    pthread_mutex_destroy(&l->lock);
    free(l->path);
    free(l);
}

const char *ledger_path(const ledger *l)
{
    return l->path;
}

const char *ledger_run_id(const ledger *l)
{
    return jstr(l->root, "run_id");
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static cJSON *find_locked(ledger *l, const ledger_item *it)
{
    for (cJSON *e = l->items->child; e; e = e->next)
        if (same_str(jstr(e, "side"), it->side) && same_str(jstr(e, "kind"), it->kind) &&
            same_str(jstr(e, "namespace"), it->namespace_) && same_str(jstr(e, "name"), it->name) &&
            same_str(jstr(e, "id"), it->id))
            return e;
    return NULL;
}

static void set_str(cJSON *o, const char *k, const char *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, k);
    if (v)
        cJSON_AddStringToObject(o, k, v);
}

int ledger_record(ledger *l, const ledger_item *it, int64_t now_ms, mtv_err *err)
{
    if (!it->side || !it->kind || !(it->name || it->id))
        return mtv_err_set(err, MTV_EXIT_ENV, "recording created objects: an entry needs side, kind "
                                              "and name or id");
    pthread_mutex_lock(&l->lock);
    cJSON *e = find_locked(l, it);
    if (e) {
        set_str(e, "state", STATE_NAMES[LEDGER_CREATED]);
        set_str(e, "note", NULL);
    } else {
        e = cJSON_CreateObject();
        const char *v[N_FIELDS];
        item_fields(it, v);
        for (size_t f = 0; f < N_FIELDS; f++)
            if (v[f])
                cJSON_AddStringToObject(e, FIELDS[f], v[f]);
        char ts[32];
        clock_format_iso(now_ms, ts);
        cJSON_AddStringToObject(e, "created", ts);
        cJSON_AddStringToObject(e, "state", STATE_NAMES[LEDGER_CREATED]);
        cJSON_AddItemToArray(l->items, e);
    }
    int rc = write_locked(l, err);
    pthread_mutex_unlock(&l->lock);
    return rc;
}

int ledger_set_state(ledger *l, size_t index, enum ledger_state st, const char *note, mtv_err *err)
{
    pthread_mutex_lock(&l->lock);
    cJSON *e = cJSON_GetArrayItem(l->items, (int)index);
    if (!e) {
        pthread_mutex_unlock(&l->lock);
        return mtv_err_set(err, MTV_EXIT_ENV, "%s: no entry %zu", l->path, index);
    }
    set_str(e, "state", ledger_state_name(st));
    set_str(e, "note", st == LEDGER_LEFTOVER ? note : NULL);
    int rc = write_locked(l, err);
    pthread_mutex_unlock(&l->lock);
    return rc;
}

size_t ledger_count(ledger *l)
{
    pthread_mutex_lock(&l->lock);
    size_t n = (size_t)cJSON_GetArraySize(l->items);
    pthread_mutex_unlock(&l->lock);
    return n;
}

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

int ledger_snapshot(ledger *l, const char *scenario, int only_live, ledger_entry **out, size_t *n)
{
    pthread_mutex_lock(&l->lock);
    size_t cap = (size_t)cJSON_GetArraySize(l->items);
    ledger_entry *v = calloc(cap ? cap : 1, sizeof *v);
    if (!v)
        abort();
    size_t k = 0, index = 0;
    for (const cJSON *e = l->items->child; e; e = e->next, index++) {
        enum ledger_state st = LEDGER_CREATED;
        state_parse(jstr(e, "state"), &st);
        if ((scenario && !same_str(jstr(e, "scenario"), scenario)) ||
            (only_live && st == LEDGER_DELETED))
            continue;
        ledger_entry *d = &v[k++];
        d->index = index;
        d->state = st;
        char **dst[N_FIELDS] = {&d->side, &d->kind, &d->api_version, &d->namespace_, &d->name,
                                &d->id, &d->provider, &d->provider_type, &d->scenario, &d->session};
        for (size_t f = 0; f < N_FIELDS; f++)
            *dst[f] = dup_or_null(jstr(e, FIELDS[f]));
        d->note = dup_or_null(jstr(e, "note"));
        int64_t ms = 0;
        const char *created = jstr(e, "created");
        if (created && clock_parse_iso(created, &ms) == 0)
            d->created_ms = ms;
    }
    pthread_mutex_unlock(&l->lock);
    *out = v;
    *n = k;
    return 0;
}

void ledger_entries_free(ledger_entry *e, size_t n)
{
    for (size_t i = 0; e && i < n; i++) {
        char *f[] = {e[i].side,     e[i].kind,          e[i].api_version, e[i].namespace_,
                     e[i].name,     e[i].id,            e[i].provider,    e[i].provider_type,
                     e[i].scenario, e[i].session,       e[i].note};
        for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
            free(f[k]);
    }
    free(e);
}
