/* lab_store: see lab_store.h. Writes run entirely under the store mutex:
 * validate, serialise, swap the snapshot, append the event, broadcast. Events
 * produced by one request (a delete can cascade) are collected and handed to
 * the write hooks after the mutex is released. */
#include "lab/lab_store_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_meta.h"
#include "lab/lab_patch.h"
#include "lab/lab_status.h"
#include "util/codec.h"
#include "util/json.h"

/* ---- blobs and events ---- */

lab_blob *lab_blob_ref(lab_blob *b)
{
    if (b)
        atomic_fetch_add(&b->refs, 1);
    return b;
}

void lab_blob_unref(lab_blob *b)
{
    if (!b || atomic_fetch_sub(&b->refs, 1) != 1)
        return;
    free(b->ns);
    free(b->name);
    free(b->uid);
    cJSON_Delete(b->labels);
    for (size_t i = 0; i < b->n_owners; i++)
        free(b->owner_uids[i]);
    free(b->owner_uids);
    free(b->text);
    free(b);
}

cJSON *lab_blob_parse(const lab_blob *b)
{
    return cJSON_ParseWithLength(b->text, b->len);
}

void lab_event_release(lab_event *ev)
{
    lab_blob_unref(ev->obj);
    lab_blob_unref(ev->prev);
    ev->obj = ev->prev = NULL;
}

const char *lab_event_type_name(lab_event_type t)
{
    return t == LAB_ADDED ? "ADDED" : t == LAB_MODIFIED ? "MODIFIED" : "DELETED";
}

void lab_result_release(lab_result *r)
{
    cJSON_Delete(r->status);
    lab_blob_unref(r->obj);
    lab_strlist_free(&r->warnings);
    memset(r, 0, sizeof *r);
}

static size_t type_prefix_len(const char *t)
{
    static const char a[] = "{\"apiVersion\":\"", k[] = "\",\"kind\":\"";
    if (strncmp(t, a, sizeof a - 1))
        return 0;
    const char *p = strstr(t + sizeof a - 1, k);
    if (!p)
        return 0;
    p = strchr(p + sizeof k - 1, '"');
    if (!p || p[1] != ',')
        return 0;
    return (size_t)(p + 2 - t);
}

/* Snapshots obj (normalised in place first). */
static lab_blob *blob_new(const lab_kind *k, cJSON *obj, uint64_t rv)
{
    lab_meta_normalize(obj);
    lab_blob *b = calloc(1, sizeof *b);
    if (!b)
        abort();
    atomic_init(&b->refs, 1);
    b->rv = rv;
    b->kind = k;
    b->text = cJSON_PrintUnformatted(obj);
    if (!b->text)
        abort();
    b->len = strlen(b->text);
    b->body_off = type_prefix_len(b->text);
    const char *ns = lab_meta_str(obj, "namespace"), *name = lab_meta_str(obj, "name");
    const char *uid = lab_meta_str(obj, "uid");
    b->ns = strdup(ns ? ns : "");
    b->name = strdup(name ? name : "");
    b->uid = strdup(uid ? uid : "");
    cJSON *meta = lab_meta(obj);
    cJSON *labels = meta ? cJSON_GetObjectItemCaseSensitive(meta, "labels") : NULL;
    if (cJSON_IsObject(labels))
        b->labels = cJSON_Duplicate(labels, 1);
    b->terminating = lab_meta_str(obj, "deletionTimestamp") != NULL;
    cJSON *owners = meta ? cJSON_GetObjectItemCaseSensitive(meta, "ownerReferences") : NULL;
    const cJSON *o;
    cJSON_ArrayForEach(o, owners)
    {
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "uid");
        if (!cJSON_IsString(u))
            continue;
        b->owner_uids = realloc(b->owner_uids, (b->n_owners + 1) * sizeof *b->owner_uids);
        if (!b->owner_uids)
            abort();
        b->owner_uids[b->n_owners++] = strdup(u->valuestring);
    }
    return b;
}

/* ---- store lifecycle and hooks ---- */

static time_t default_now(void *ud)
{
    (void)ud;
    return time(NULL);
}

lab_store *lab_store_new(const lab_kinds *kinds, const lab_store_config *cfg)
{
    lab_store *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &ca);
    pthread_condattr_destroy(&ca);
    s->kinds = kinds;
    s->ns_kind = lab_kinds_find(kinds, "", "v1", "namespaces");
    s->nkinds = kinds->count;
    s->objs = calloc(s->nkinds ? s->nkinds : 1, sizeof *s->objs);
    if (cfg)
        s->cfg = *cfg;
    if (!s->cfg.event_window)
        s->cfg.event_window = 10000;
    if (!s->cfg.now)
        s->cfg.now = default_now;
    s->cap = s->cfg.event_window;
    s->ring = calloc(s->cap, sizeof *s->ring);
    if (!s->objs || !s->ring)
        abort();
    s->rv = 100;
    return s;
}

void lab_store_free(lab_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nkinds; i++) {
        size_t it = 0;
        void *v;
        while (strmap_next(&s->objs[i], &it, NULL, &v))
            lab_blob_unref(v);
        strmap_free(&s->objs[i]);
    }
    free(s->objs);
    for (size_t i = 0; i < s->cap; i++)
        lab_event_release(&s->ring[i]);
    free(s->ring);
    free(s->hooks);
    free(s->admits);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

void lab_store_close(lab_store *s)
{
    pthread_mutex_lock(&s->mu);
    s->closed = 1;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

time_t lab_store_now(const lab_store *s)
{
    return s->cfg.now(s->cfg.now_ud);
}

uint64_t lab_store_rv(lab_store *s)
{
    pthread_mutex_lock(&s->mu);
    uint64_t rv = s->rv;
    pthread_mutex_unlock(&s->mu);
    return rv;
}

const lab_kinds *lab_store_kinds(const lab_store *s)
{
    return s->kinds;
}

size_t lab_store_count(lab_store *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = 0;
    for (size_t i = 0; i < s->nkinds; i++)
        n += s->objs[i].count;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void lab_store_on_write(lab_store *s, lab_write_hook fn, void *ud)
{
    pthread_mutex_lock(&s->mu);
    s->hooks = realloc(s->hooks, (s->nhooks + 1) * sizeof *s->hooks);
    if (!s->hooks)
        abort();
    s->hooks[s->nhooks++] = (lab_hook){fn, ud};
    pthread_mutex_unlock(&s->mu);
}

void lab_store_add_admission(lab_store *s, lab_admit_fn fn, void *ud)
{
    pthread_mutex_lock(&s->mu);
    s->admits = realloc(s->admits, (s->nadmits + 1) * sizeof *s->admits);
    if (!s->admits)
        abort();
    s->admits[s->nadmits++] = (lab_admit){fn, ud};
    pthread_mutex_unlock(&s->mu);
}

/* ---- per-request bookkeeping ---- */

typedef struct op {
    lab_event *events;   /* committed by this request, for the write hooks */
    size_t n;
} op;

/* Releases the mutex, then runs the hooks over what the request committed.
 * The hook list is copied under the lock so a hook may add hooks. */
static void op_finish(lab_store *s, op *o)
{
    size_t nh = s->nhooks;
    lab_hook *hooks = nh ? malloc(nh * sizeof *hooks) : NULL;
    if (nh)
        memcpy(hooks, s->hooks, nh * sizeof *hooks);
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < o->n; i++) {
        for (size_t h = 0; h < nh; h++)
            hooks[h].fn(hooks[h].ud, &o->events[i]);
        lab_event_release(&o->events[i]);
    }
    free(hooks);
    free(o->events);
}

static void key_of(strbuf *key, const char *ns, const char *name)
{
    sb_reset(key);
    sb_addf(key, "%s/%s", ns ? ns : "", name);
}

static lab_blob *lookup(lab_store *s, const lab_kind *k, const char *ns, const char *name)
{
    strbuf key = STRBUF_INIT;
    key_of(&key, (k->flags & LAB_KIND_NAMESPACED) ? ns : "", name);
    lab_blob *b = strmap_get(&s->objs[k->index], key.buf);
    sb_release(&key);
    return b;
}

/* Appends the event for rv and drops the one it displaces. */
static void push_event(lab_store *s, op *o, lab_event_type type, lab_blob *obj, lab_blob *prev)
{
    lab_event *slot = &s->ring[obj->rv % s->cap];
    lab_event_release(slot);
    slot->type = type;
    slot->obj = lab_blob_ref(obj);
    slot->prev = lab_blob_ref(prev);
    if (!s->first_rv)
        s->first_rv = obj->rv;
    else if (obj->rv >= s->first_rv + s->cap)
        s->first_rv = obj->rv - s->cap + 1;
    o->events = realloc(o->events, (o->n + 1) * sizeof *o->events);
    if (!o->events)
        abort();
    o->events[o->n++] = (lab_event){type, lab_blob_ref(obj), lab_blob_ref(prev)};
    pthread_cond_broadcast(&s->cond);
}

static void set_rv(cJSON *obj, uint64_t rv)
{
    cJSON *meta = lab_meta(obj);
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)rv);
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "resourceVersion");
    cJSON_AddStringToObject(meta, "resourceVersion", buf);
}

/* Stores obj as the kind's new state (ADDED or MODIFIED). Returns the new
 * snapshot (borrowed: the map holds it). */
static lab_blob *commit_put(lab_store *s, op *o, const lab_kind *k, cJSON *obj, lab_blob *prev)
{
    uint64_t rv = ++s->rv;
    set_rv(obj, rv);
    lab_blob *b = blob_new(k, obj, rv);
    strbuf key = STRBUF_INIT;
    key_of(&key, b->ns, b->name);
    lab_blob *old = strmap_put(&s->objs[k->index], key.buf, b);
    sb_release(&key);
    push_event(s, o, prev ? LAB_MODIFIED : LAB_ADDED, b, prev);
    lab_blob_unref(old);
    return b;
}

static void gc_after_removal(lab_store *s, op *o, const lab_blob *gone, const char *propagation);

/* Removes the object; last is its final state. Returns the DELETED
 * snapshot (a new reference). */
static lab_blob *commit_remove(lab_store *s, op *o, const lab_kind *k, cJSON *last,
                               lab_blob *cur, const char *propagation)
{
    uint64_t rv = ++s->rv;
    set_rv(last, rv);
    lab_blob *b = blob_new(k, last, rv);
    strbuf key = STRBUF_INIT;
    key_of(&key, cur->ns, cur->name);
    lab_blob *old = strmap_del(&s->objs[k->index], key.buf);
    sb_release(&key);
    push_event(s, o, LAB_DELETED, b, cur);
    gc_after_removal(s, o, b, propagation);
    lab_blob_unref(old);
    return b;
}

static void fail(lab_result *res, int code, cJSON *status)
{
    res->code = code;
    res->status = status;
}

static int admit(lab_store *s, lab_admission *a, lab_result *res)
{
    for (size_t i = 0; i < s->nadmits; i++) {
        cJSON *status = NULL;
        int code = s->admits[i].fn(s->admits[i].ud, a, &status);
        if (code) {
            fail(res, code, status ? status : lab_status_new(code, "Forbidden", "denied by admission", NULL));
            return -1;
        }
        cJSON_Delete(status);
    }
    return 0;
}

/* ---- deletion ---- */

static lab_blob *delete_locked(lab_store *s, op *o, const lab_kind *k, lab_blob *cur,
                               const char *propagation, int dry_run);

static int ns_has_content(lab_store *s, const char *ns)
{
    strbuf prefix = STRBUF_INIT;
    sb_addf(&prefix, "%s/", ns);
    int found = 0;
    for (size_t i = 0; i < s->nkinds && !found; i++) {
        if (!(s->kinds->items[i]->flags & LAB_KIND_NAMESPACED))
            continue;
        size_t it = 0;
        const char *key;
        while (!found && strmap_next(&s->objs[i], &it, &key, NULL))
            found = strncmp(key, prefix.buf, prefix.len) == 0;
    }
    sb_release(&prefix);
    return found;
}

/* A terminating namespace goes away once nothing is left in it. */
static void ns_maybe_finish(lab_store *s, op *o, const char *ns)
{
    if (!s->ns_kind || !*ns)
        return;
    lab_blob *nsb = lookup(s, s->ns_kind, "", ns);
    if (!nsb || !nsb->terminating || ns_has_content(s, ns))
        return;
    cJSON *last = lab_blob_parse(nsb);
    cJSON *spec = cJSON_GetObjectItemCaseSensitive(last, "spec");
    if (spec)
        cJSON_DeleteItemFromObjectCaseSensitive(spec, "finalizers");
    lab_blob_unref(commit_remove(s, o, s->ns_kind, last, nsb, "Background"));
    cJSON_Delete(last);
}

static void gc_after_removal(lab_store *s, op *o, const lab_blob *gone, const char *propagation)
{
    if (gone->kind->flags & LAB_KIND_NAMESPACED)
        ns_maybe_finish(s, o, gone->ns);
    if (!*gone->uid || (propagation && !strcmp(propagation, "Orphan")))
        return;
    /* collect first: deleting while iterating would disturb the maps */
    lab_blob **deps = NULL;
    size_t n = 0;
    for (size_t i = 0; i < s->nkinds; i++) {
        size_t it = 0;
        void *v;
        while (strmap_next(&s->objs[i], &it, NULL, &v)) {
            lab_blob *b = v;
            for (size_t j = 0; j < b->n_owners; j++)
                if (!strcmp(b->owner_uids[j], gone->uid)) {
                    deps = realloc(deps, (n + 1) * sizeof *deps);
                    if (!deps)
                        abort();
                    deps[n++] = lab_blob_ref(b);
                    break;
                }
        }
    }
    for (size_t i = 0; i < n; i++) {
        lab_blob *still = lookup(s, deps[i]->kind, deps[i]->ns, deps[i]->name);
        if (still == deps[i])
            lab_blob_unref(delete_locked(s, o, deps[i]->kind, deps[i], "Background", 0));
        lab_blob_unref(deps[i]);
    }
    free(deps);
}

static int has_finalizers(const cJSON *obj)
{
    cJSON *meta = lab_meta(obj);
    cJSON *f = meta ? cJSON_GetObjectItemCaseSensitive(meta, "finalizers") : NULL;
    return cJSON_GetArraySize(f) > 0;
}

static void mark_deleting(lab_store *s, cJSON *obj)
{
    cJSON *meta = lab_meta(obj);
    char ts[32];
    lab_time_format(lab_store_now(s), ts);
    cJSON_AddStringToObject(meta, "deletionTimestamp", ts);
    cJSON_AddNumberToObject(meta, "deletionGracePeriodSeconds", 0);
    cJSON *gen = cJSON_GetObjectItemCaseSensitive(meta, "generation");
    if (cJSON_IsNumber(gen) && gen->valuedouble > 0)
        cJSON_SetNumberValue(gen, gen->valuedouble + 1);
}

/* Deletes cur (which must be current). Returns the object's resulting
 * state as a new reference. */
static lab_blob *delete_locked(lab_store *s, op *o, const lab_kind *k, lab_blob *cur,
                               const char *propagation, int dry_run)
{
    cJSON *obj = lab_blob_parse(cur);
    lab_blob *out;
    if (k == s->ns_kind) {
        if (cur->terminating || dry_run) {
            out = lab_blob_ref(cur);
        } else {
            mark_deleting(s, obj);
            cJSON *status = cJSON_GetObjectItemCaseSensitive(obj, "status");
            if (!status)
                cJSON_AddItemToObject(obj, "status", status = cJSON_CreateObject());
            cJSON_DeleteItemFromObjectCaseSensitive(status, "phase");
            cJSON_AddStringToObject(status, "phase", "Terminating");
            out = lab_blob_ref(commit_put(s, o, k, obj, cur));
            strbuf prefix = STRBUF_INIT;
            sb_addf(&prefix, "%s/", cur->name);
            for (size_t i = 0; i < s->nkinds; i++) {
                const lab_kind *ck = s->kinds->items[i];
                if (!(ck->flags & LAB_KIND_NAMESPACED))
                    continue;
                lab_blob **victims = NULL;
                size_t n = 0, it = 0;
                const char *key;
                void *v;
                while (strmap_next(&s->objs[i], &it, &key, &v))
                    if (!strncmp(key, prefix.buf, prefix.len)) {
                        victims = realloc(victims, (n + 1) * sizeof *victims);
                        if (!victims)
                            abort();
                        victims[n++] = lab_blob_ref(v);
                    }
                for (size_t j = 0; j < n; j++) {
                    if (lookup(s, ck, victims[j]->ns, victims[j]->name) == victims[j])
                        lab_blob_unref(delete_locked(s, o, ck, victims[j], "Background", 0));
                    lab_blob_unref(victims[j]);
                }
                free(victims);
            }
            sb_release(&prefix);
            ns_maybe_finish(s, o, cur->name);
        }
    } else if (has_finalizers(obj)) {
        if (cur->terminating || dry_run) {
            out = lab_blob_ref(cur);
        } else {
            mark_deleting(s, obj);
            out = lab_blob_ref(commit_put(s, o, k, obj, cur));
        }
    } else if (dry_run) {
        out = lab_blob_ref(cur);
    } else {
        out = commit_remove(s, o, k, obj, cur, propagation);
    }
    cJSON_Delete(obj);
    return out;
}

void lab_store_delete(lab_store *s, const lab_kind *k, const char *ns, const char *name,
                      const lab_delete_opts *dopt, lab_result *res)
{
    memset(res, 0, sizeof *res);
    lab_delete_opts none = {0};
    if (!dopt)
        dopt = &none;
    op o = {0};
    pthread_mutex_lock(&s->mu);
    lab_blob *cur = lookup(s, k, ns, name);
    if (!cur) {
        fail(res, 404, lab_status_not_found(k->group, k->plural, name));
    } else if (dopt->precondition_uid && *dopt->precondition_uid &&
               strcmp(dopt->precondition_uid, cur->uid)) {
        strbuf why = STRBUF_INIT;
        sb_addf(&why, "Precondition failed: UID in precondition: %s, UID in object meta: %s",
                dopt->precondition_uid, cur->uid);
        fail(res, 409, lab_status_conflict(k->group, k->plural, name, why.buf));
        sb_release(&why);
    } else if (dopt->precondition_rv && *dopt->precondition_rv &&
               strtoull(dopt->precondition_rv, NULL, 10) != cur->rv) {
        strbuf why = STRBUF_INIT;
        sb_addf(&why, "Precondition failed: ResourceVersion in precondition: %s, ResourceVersion "
                "in object meta: %llu", dopt->precondition_rv, (unsigned long long)cur->rv);
        fail(res, 409, lab_status_conflict(k->group, k->plural, name, why.buf));
        sb_release(&why);
    } else {
        cJSON *old = lab_blob_parse(cur);
        lab_admission a = {LAB_ADMIT_DELETE, LAB_ADMIT_VALIDATE, k, NULL, old, NULL, dopt->dry_run};
        if (admit(s, &a, res) == 0) {
            res->code = 200;
            res->obj = delete_locked(s, &o, k, cur, dopt->propagation, dopt->dry_run);
        }
        cJSON_Delete(old);
    }
    op_finish(s, &o);
}

/* ---- validation shared by create and update ---- */

static const char *const object_meta_keys[] = {
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields", NULL};

static int label_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
            return 0;
    return 1;
}

/* Checks metadata shape; prunes unknown metadata fields (reported like
 * schema ones). Returns -1 with a 400 in res for undecodable shapes. */
static int check_meta(cJSON *obj, lab_errlist *errs, lab_strlist *unknown, lab_result *res)
{
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    if (!meta) {
        cJSON_AddItemToObject(obj, "metadata", meta = cJSON_CreateObject());
    } else if (!cJSON_IsObject(meta)) {
        fail(res, 400, lab_status_bad_request("json: cannot unmarshal into Go struct field "
                                              ".metadata of type v1.ObjectMeta"));
        return -1;
    }
    cJSON *c = meta->child;
    while (c) {
        cJSON *next = c->next;
        int known = 0;
        for (const char *const *k = object_meta_keys; *k && !known; k++)
            known = strcmp(*k, c->string) == 0;
        if (!known) {
            strbuf p = STRBUF_INIT;
            sb_addf(&p, "metadata.%s", c->string);
            lab_strlist_add(unknown, p.buf);
            sb_release(&p);
            cJSON_Delete(cJSON_DetachItemViaPointer(meta, c));
        }
        c = next;
    }
    static const char *const maps[] = {"labels", "annotations", NULL};
    for (const char *const *m = maps; *m; m++) {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, *m);
        if (!v || cJSON_IsNull(v))
            continue;
        int ok = cJSON_IsObject(v);
        for (cJSON *e = ok ? v->child : NULL; e && ok; e = e->next)
            ok = cJSON_IsString(e);
        if (!ok) {
            strbuf msg = STRBUF_INIT;
            sb_addf(&msg, "json: cannot unmarshal into Go struct field ObjectMeta.metadata.%s "
                    "of type map[string]string", *m);
            fail(res, 400, lab_status_bad_request(msg.buf));
            sb_release(&msg);
            return -1;
        }
    }
    cJSON *labels = cJSON_GetObjectItemCaseSensitive(meta, "labels");
    for (cJSON *e = cJSON_IsObject(labels) ? labels->child : NULL; e; e = e->next) {
        const char *key = e->string, *slash = strrchr(key, '/');
        const char *nm = slash ? slash + 1 : key;
        strbuf q = STRBUF_INIT;
        lab_quote(&q, key);
        if (!label_name_ok(nm, strlen(nm)) ||
            (slash && lab_name_dns1123_subdomain(strndupa(key, (size_t)(slash - key)))))
            lab_errlist_add(errs, "metadata.labels", "FieldValueInvalid",
                            "Invalid value: %s: name part must consist of alphanumeric "
                            "characters, '-', '_' or '.', and must start and end with an "
                            "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
                            "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?"
                            "[A-Za-z0-9]')", q.buf);
        const char *val = e->valuestring;
        if (*val && !label_name_ok(val, strlen(val))) {
            sb_reset(&q);
            lab_quote(&q, val);
            lab_errlist_add(errs, "metadata.labels", "FieldValueInvalid",
                            "Invalid value: %s: a valid label must be an empty string or consist "
                            "of alphanumeric characters, '-', '_' or '.', and must start and end "
                            "with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
                            "'12345', regex used for validation is "
                            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')", q.buf);
        }
        sb_release(&q);
    }
    cJSON *fin = cJSON_GetObjectItemCaseSensitive(meta, "finalizers");
    if (fin && !cJSON_IsNull(fin)) {
        int ok = cJSON_IsArray(fin);
        for (cJSON *e = ok ? fin->child : NULL; e && ok; e = e->next)
            ok = cJSON_IsString(e);
        if (!ok) {
            fail(res, 400, lab_status_bad_request("json: cannot unmarshal into Go struct field "
                                                  "ObjectMeta.metadata.finalizers of type []string"));
            return -1;
        }
    }
    return 0;
}

/* Schema passes and the unknown-field policy. Returns -1 with res set. */
static int apply_schema(const lab_kind *k, cJSON *obj, const lab_write_opts *o,
                        lab_strlist *unknown, lab_errlist *errs, lab_result *res)
{
    if (k->schema) {
        lab_schema_prune(k->schema, obj, unknown);
        lab_schema_default(k->schema, obj);
    }
    if (unknown->count && o->validation == LAB_FV_STRICT) {
        strbuf msg = STRBUF_INIT;
        sb_addf(&msg, "%s in version \"%s\" cannot be handled as a %s: strict decoding error: ",
                k->kind, k->version, k->kind);
        for (size_t i = 0; i < unknown->count; i++)
            sb_addf(&msg, "%sunknown field \"%s\"", i ? ", " : "", unknown->items[i]);
        fail(res, 400, lab_status_bad_request(msg.buf));
        sb_release(&msg);
        return -1;
    }
    if (o->validation == LAB_FV_WARN)
        for (size_t i = 0; i < unknown->count; i++) {
            strbuf w = STRBUF_INIT;
            sb_addf(&w, "unknown field \"%s\"", unknown->items[i]);
            lab_strlist_add(&res->warnings, w.buf);
            sb_release(&w);
        }
    if (k->schema)
        lab_schema_validate(k->schema, obj, errs);
    return 0;
}

static void set_type(const lab_kind *k, cJSON *obj)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, "apiVersion");
    cJSON_DeleteItemFromObjectCaseSensitive(obj, "kind");
    cJSON_AddStringToObject(obj, "apiVersion", k->api_version);
    cJSON_AddStringToObject(obj, "kind", k->kind);
}

static int check_type(const lab_kind *k, const cJSON *obj, lab_result *res)
{
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(obj, "apiVersion");
    const cJSON *kd = cJSON_GetObjectItemCaseSensitive(obj, "kind");
    strbuf msg = STRBUF_INIT;
    if (cJSON_IsString(av) && *av->valuestring && strcmp(av->valuestring, k->api_version))
        sb_addf(&msg, "the API version in the data (%s) does not match the expected API version "
                "(%s)", av->valuestring, k->api_version);
    else if (cJSON_IsString(kd) && *kd->valuestring && strcmp(kd->valuestring, k->kind))
        sb_addf(&msg, "the kind in the data (%s) does not match the expected kind (%s)",
                kd->valuestring, k->kind);
    int bad = msg.len > 0;
    if (bad)
        fail(res, 400, lab_status_bad_request(msg.buf));
    sb_release(&msg);
    return bad ? -1 : 0;
}

/* Status a kind starts with (built-in kinds the API server initialises). */
static const char *initial_status(const lab_kind *k)
{
    static const struct { const char *kind, *status; } table[] = {
        {"Namespace", "{\"phase\":\"Active\"}"},
        {"PersistentVolumeClaim", "{\"phase\":\"Pending\"}"},
        {"PersistentVolume", "{\"phase\":\"Pending\"}"},
        {"Pod", "{\"phase\":\"Pending\"}"},
    };
    if (k->flags & LAB_KIND_CUSTOM)
        return NULL;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (!strcmp(table[i].kind, k->kind))
            return table[i].status;
    return NULL;
}

/* What core kinds' create strategies add. */
static void builtin_defaults(lab_store *s, const lab_kind *k, cJSON *obj)
{
    if (k->flags & LAB_KIND_CUSTOM)
        return;
    cJSON *meta = lab_meta(obj);
    if (k == s->ns_kind) {
        cJSON *labels = cJSON_GetObjectItemCaseSensitive(meta, "labels");
        if (!cJSON_IsObject(labels)) {
            cJSON_DeleteItemFromObjectCaseSensitive(meta, "labels");
            cJSON_AddItemToObject(meta, "labels", labels = cJSON_CreateObject());
        }
        cJSON_DeleteItemFromObjectCaseSensitive(labels, "kubernetes.io/metadata.name");
        cJSON_AddStringToObject(labels, "kubernetes.io/metadata.name", lab_meta_str(obj, "name"));
        cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
        if (!cJSON_IsObject(spec)) {
            cJSON_DeleteItemFromObjectCaseSensitive(obj, "spec");
            cJSON_AddItemToObject(obj, "spec", spec = cJSON_CreateObject());
        }
        if (!cJSON_GetObjectItemCaseSensitive(spec, "finalizers")) {
            cJSON *f = cJSON_CreateArray();
            cJSON_AddItemToArray(f, cJSON_CreateString("kubernetes"));
            cJSON_AddItemToObject(spec, "finalizers", f);
        }
    } else if (!strcmp(k->kind, "Secret") && !*k->group) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(obj, "type");
        if (!cJSON_IsString(type) || !*type->valuestring) {
            cJSON_DeleteItemFromObjectCaseSensitive(obj, "type");
            cJSON_AddStringToObject(obj, "type", "Opaque");
        }
        cJSON *sd = cJSON_DetachItemFromObjectCaseSensitive(obj, "stringData");
        if (cJSON_IsObject(sd) && sd->child) {
            cJSON *data = cJSON_GetObjectItemCaseSensitive(obj, "data");
            if (!cJSON_IsObject(data)) {
                cJSON_DeleteItemFromObjectCaseSensitive(obj, "data");
                cJSON_AddItemToObject(obj, "data", data = cJSON_CreateObject());
            }
            for (cJSON *e = sd->child; e; e = e->next) {
                if (!cJSON_IsString(e))
                    continue;
                strbuf b64 = STRBUF_INIT;
                b64_encode(&b64, e->valuestring, strlen(e->valuestring));
                cJSON_DeleteItemFromObjectCaseSensitive(data, e->string);
                cJSON_AddStringToObject(data, e->string, sb_str(&b64));
                sb_release(&b64);
            }
        }
        cJSON_Delete(sd);
    }
}

static void replace_item(cJSON *obj, const char *key, cJSON *value)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    if (value)
        cJSON_AddItemToObject(obj, key, value);
}

static void copy_meta(cJSON *dst_meta, const cJSON *src_meta, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(src_meta, key);
    replace_item(dst_meta, key, v ? cJSON_Duplicate(v, 1) : NULL);
}

/* ---- create ---- */

static int ns_check(lab_store *s, const lab_kind *k, const char *ns, const char *name,
                    lab_result *res)
{
    if (!(k->flags & LAB_KIND_NAMESPACED) || !s->ns_kind)
        return 0;
    lab_blob *nsb = lookup(s, s->ns_kind, "", ns);
    if (!nsb) {
        fail(res, 404, lab_status_not_found("", "namespaces", ns));
        return -1;
    }
    if (nsb->terminating) {
        strbuf why = STRBUF_INIT;
        sb_addf(&why, "unable to create new content in namespace %s because it is being "
                "terminated", ns);
        cJSON *st = lab_status_forbidden(k->group, k->plural, name, why.buf);
        cJSON *causes = cJSON_CreateArray(), *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "reason", "NamespaceTerminating");
        sb_reset(&why);
        sb_addf(&why, "namespace %s is being terminated", ns);
        cJSON_AddStringToObject(c, "message", why.buf);
        cJSON_AddStringToObject(c, "field", "metadata.namespace");
        cJSON_AddItemToArray(causes, c);
        cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(st, "details"), "causes", causes);
        fail(res, 403, st);
        sb_release(&why);
        return -1;
    }
    return 0;
}

void lab_store_create(lab_store *s, const lab_kind *k, const char *ns, cJSON *obj,
                      const lab_write_opts *wo, lab_result *res)
{
    memset(res, 0, sizeof *res);
    lab_write_opts none = {0};
    if (!wo)
        wo = &none;
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        fail(res, 400, lab_status_bad_request("the body of the request was in an unknown "
                                              "format: expected a JSON object"));
        return;
    }
    lab_errlist errs = {0};
    lab_strlist unknown = {0};
    op o = {0};
    pthread_mutex_lock(&s->mu);
    if (check_type(k, obj, res) < 0 || check_meta(obj, &errs, &unknown, res) < 0)
        goto out;
    set_type(k, obj);
    cJSON *meta = lab_meta(obj);
    const char *body_ns = lab_meta_str(obj, "namespace");
    if (k->flags & LAB_KIND_NAMESPACED) {
        if (body_ns && *body_ns && ns && *ns && strcmp(body_ns, ns)) {
            fail(res, 400, lab_status_bad_request("the namespace of the provided object does not "
                                                  "match the namespace sent on the request"));
            goto out;
        }
        if (ns && *ns)
            replace_item(meta, "namespace", cJSON_CreateString(ns));
        ns = lab_meta_str(obj, "namespace");
        if (!ns || !*ns) {
            fail(res, 400, lab_status_bad_request("the namespace of the object is not set"));
            goto out;
        }
    } else {
        replace_item(meta, "namespace", NULL);
        ns = "";
    }
    const char *rv = lab_meta_str(obj, "resourceVersion");
    if (rv && *rv) {
        fail(res, 500, lab_status_internal("resourceVersion should not be set on objects to be "
                                           "created"));
        goto out;
    }
    const char *name = lab_meta_str(obj, "name");
    if (!name || !*name) {
        const char *gen = lab_meta_str(obj, "generateName");
        if (!gen || !*gen) {
            lab_errlist_add(&errs, "metadata.name", "FieldValueRequired",
                            "Required value: name or generateName is required");
        } else {
            strbuf n = STRBUF_INIT;
            do {
                sb_reset(&n);
                /* the API server cuts the base to 58 so the name fits 63 */
                sb_add(&n, gen, strlen(gen) > 58 ? 58 : strlen(gen));
                lab_name_suffix(&n);
            } while (lookup(s, k, ns, n.buf));
            replace_item(meta, "name", cJSON_CreateString(n.buf));
            sb_release(&n);
        }
        name = lab_meta_str(obj, "name");
    }
    if (name && *name) {
        const char *why = (k->flags & LAB_KIND_NAME_LABEL) ? lab_name_dns1123_label(name)
                                                           : lab_name_dns1123_subdomain(name);
        if (why) {
            strbuf q = STRBUF_INIT;
            lab_quote(&q, name);
            lab_errlist_add(&errs, "metadata.name", "FieldValueInvalid", "Invalid value: %s: %s",
                            q.buf, why);
            sb_release(&q);
        }
    }
    if (errs.count) {
        fail(res, 422, lab_status_invalid(k->group, k->kind, name, &errs));
        goto out;
    }
    if (ns_check(s, k, ns, name, res) < 0)
        goto out;
    if (lookup(s, k, ns, name)) {
        fail(res, 409, lab_status_already_exists(k->group, k->plural, name));
        goto out;
    }
    static const char *const server_owned[] = {"uid", "selfLink", "creationTimestamp",
                                               "deletionTimestamp", "deletionGracePeriodSeconds",
                                               "generation", "managedFields", NULL};
    for (const char *const *key = server_owned; *key; key++)
        replace_item(meta, *key, NULL);
    if (k->flags & LAB_KIND_STATUS) {
        const char *init = initial_status(k);
        replace_item(obj, "status", init ? cJSON_Parse(init) : NULL);
    }
    builtin_defaults(s, k, obj);
    lab_admission a = {LAB_ADMIT_CREATE, LAB_ADMIT_MUTATE, k, NULL, NULL, obj, wo->dry_run};
    if (admit(s, &a, res) < 0)
        goto out;
    set_type(k, obj);
    if (apply_schema(k, obj, wo, &unknown, &errs, res) < 0)
        goto out;
    if (errs.count) {
        fail(res, 422, lab_status_invalid(k->group, k->kind, name, &errs));
        goto out;
    }
    a.phase = LAB_ADMIT_VALIDATE;
    if (admit(s, &a, res) < 0)
        goto out;
    meta = lab_meta(obj);
    char uid[37], ts[32];
    lab_uid(uid);
    lab_time_format(lab_store_now(s), ts);
    replace_item(meta, "uid", cJSON_CreateString(uid));
    replace_item(meta, "creationTimestamp", cJSON_CreateString(ts));
    if (!(k->flags & LAB_KIND_NO_GENERATION))
        replace_item(meta, "generation", cJSON_CreateNumber(1));
    res->code = 201;
    if (wo->dry_run) {
        replace_item(meta, "resourceVersion", NULL);
        res->obj = blob_new(k, obj, 0);
    } else {
        res->obj = lab_blob_ref(commit_put(s, &o, k, obj, NULL));
    }
out:
    op_finish(s, &o);
    lab_errlist_free(&errs);
    lab_strlist_free(&unknown);
    cJSON_Delete(obj);
}

void lab_store_get(lab_store *s, const lab_kind *k, const char *ns, const char *name,
                   lab_result *res)
{
    memset(res, 0, sizeof *res);
    pthread_mutex_lock(&s->mu);
    lab_blob *b = lookup(s, k, ns, name);
    if (b) {
        res->code = 200;
        res->obj = lab_blob_ref(b);
    } else {
        fail(res, 404, lab_status_not_found(k->group, k->plural, name));
    }
    pthread_mutex_unlock(&s->mu);
}

/* ---- update (PUT, PATCH, status) ---- */

static cJSON *spec_part(const lab_kind *k, const cJSON *obj)
{
    cJSON *c = cJSON_Duplicate(obj, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(c, "metadata");
    cJSON_DeleteItemFromObjectCaseSensitive(c, "apiVersion");
    cJSON_DeleteItemFromObjectCaseSensitive(c, "kind");
    if (k->flags & LAB_KIND_STATUS)
        cJSON_DeleteItemFromObjectCaseSensitive(c, "status");
    return c;
}

static int same_json(const cJSON *a, const cJSON *b)
{
    strbuf x = STRBUF_INIT, y = STRBUF_INIT;
    json_print(&x, a, 1);
    json_print(&y, b, 1);
    int same = x.len == y.len && memcmp(x.buf, y.buf, x.len) == 0;
    sb_release(&x);
    sb_release(&y);
    return same;
}

static int new_finalizers(const cJSON *old, const cJSON *obj, strbuf *added)
{
    cJSON *of = cJSON_GetObjectItemCaseSensitive(lab_meta(old), "finalizers");
    cJSON *nf = cJSON_GetObjectItemCaseSensitive(lab_meta(obj), "finalizers");
    const cJSON *f, *g;
    int n = 0;
    cJSON_ArrayForEach(f, nf)
    {
        int known = 0;
        cJSON_ArrayForEach(g, of)
        {
            known |= lab_json_equal(f, g);
        }
        if (!known && cJSON_IsString(f)) {
            sb_addf(added, "%s\"%s\"", n++ ? ", " : "", f->valuestring);
        }
    }
    return n;
}

/* Caller holds the lock; obj is consumed. */
static void update_locked(lab_store *s, op *o, const lab_kind *k, const char *ns,
                          const char *name, cJSON *obj, const lab_write_opts *wo, lab_result *res)
{
    lab_errlist errs = {0};
    lab_strlist unknown = {0};
    cJSON *old = NULL;
    lab_blob *cur = lookup(s, k, ns, name);
    if (!cur) {
        fail(res, 404, lab_status_not_found(k->group, k->plural, name));
        goto out;
    }
    if (!cJSON_IsObject(obj)) {
        fail(res, 400, lab_status_bad_request("the body of the request was in an unknown "
                                              "format: expected a JSON object"));
        goto out;
    }
    if (check_type(k, obj, res) < 0 || check_meta(obj, &errs, &unknown, res) < 0)
        goto out;
    const char *body_name = lab_meta_str(obj, "name");
    if (body_name && *body_name && strcmp(body_name, name)) {
        strbuf msg = STRBUF_INIT;
        sb_addf(&msg, "the name of the object (%s) does not match the name on the URL (%s)",
                body_name, name);
        fail(res, 400, lab_status_bad_request(msg.buf));
        sb_release(&msg);
        goto out;
    }
    const char *body_ns = lab_meta_str(obj, "namespace");
    if ((k->flags & LAB_KIND_NAMESPACED) && body_ns && *body_ns && strcmp(body_ns, cur->ns)) {
        fail(res, 400, lab_status_bad_request("the namespace of the provided object does not "
                                              "match the namespace sent on the request"));
        goto out;
    }
    const char *rv = lab_meta_str(obj, "resourceVersion");
    if (rv && *rv && strtoull(rv, NULL, 10) != cur->rv) {
        fail(res, 409, lab_status_conflict(k->group, k->plural, name,
                                           "the object has been modified; please apply your "
                                           "changes to the latest version and try again"));
        goto out;
    }
    old = lab_blob_parse(cur);
    cJSON *result;
    if (wo->subresource && !strcmp(wo->subresource, "status")) {
        result = cJSON_Duplicate(old, 1);
        cJSON *st = cJSON_DetachItemFromObjectCaseSensitive(obj, "status");
        replace_item(result, "status", st);
        cJSON_Delete(obj);
        obj = result;
    } else {
        result = obj;
        if (k->flags & LAB_KIND_STATUS) {
            cJSON *st = cJSON_GetObjectItemCaseSensitive(old, "status");
            replace_item(result, "status", st ? cJSON_Duplicate(st, 1) : NULL);
        }
        if (k == s->ns_kind)
            replace_item(result, "spec", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(old, "spec"), 1));
    }
    set_type(k, result);
    cJSON *meta = lab_meta(result), *ometa = lab_meta(old);
    static const char *const kept[] = {"name", "namespace", "uid", "creationTimestamp",
                                       "deletionTimestamp", "deletionGracePeriodSeconds",
                                       "generation", "resourceVersion", NULL};
    for (const char *const *key = kept; *key; key++)
        copy_meta(meta, ometa, *key);
    replace_item(meta, "managedFields", NULL);
    replace_item(meta, "selfLink", NULL);
    if (k == s->ns_kind)
        builtin_defaults(s, k, result);
    strbuf added = STRBUF_INIT;
    if (cur->terminating && new_finalizers(old, result, &added)) {
        lab_errlist_add(&errs, "metadata.finalizers", "FieldValueForbidden",
                        "Forbidden: no new finalizers can be added if the object is being "
                        "deleted, found new finalizers []string{%s}", added.buf);
    }
    sb_release(&added);
    lab_admission a = {LAB_ADMIT_UPDATE, LAB_ADMIT_MUTATE, k, wo->subresource, old, result,
                       wo->dry_run};
    if (errs.count == 0 && admit(s, &a, res) < 0)
        goto out;
    set_type(k, result);
    if (apply_schema(k, result, wo, &unknown, &errs, res) < 0)
        goto out;
    if (errs.count) {
        fail(res, 422, lab_status_invalid(k->group, k->kind, name, &errs));
        goto out;
    }
    a.phase = LAB_ADMIT_VALIDATE;
    if (admit(s, &a, res) < 0)
        goto out;
    res->code = 200;
    if (same_json(result, old)) {
        res->obj = lab_blob_ref(cur);
        goto out;
    }
    if (!(k->flags & LAB_KIND_NO_GENERATION)) {
        cJSON *x = spec_part(k, old), *y = spec_part(k, result);
        if (!lab_json_equal(x, y)) {
            cJSON *gen = cJSON_GetObjectItemCaseSensitive(meta, "generation");
            double g = cJSON_IsNumber(gen) ? gen->valuedouble : 0;
            replace_item(meta, "generation", cJSON_CreateNumber(g + 1));
        }
        cJSON_Delete(x);
        cJSON_Delete(y);
    }
    if (wo->dry_run) {
        res->obj = blob_new(k, result, cur->rv);
    } else if (cur->terminating && !has_finalizers(result) && k != s->ns_kind) {
        res->obj = commit_remove(s, o, k, result, cur, "Background");
    } else {
        res->obj = lab_blob_ref(commit_put(s, o, k, result, cur));
    }
out:
    cJSON_Delete(old);
    cJSON_Delete(obj);
    lab_errlist_free(&errs);
    lab_strlist_free(&unknown);
}

void lab_store_update(lab_store *s, const lab_kind *k, const char *ns, const char *name,
                      cJSON *obj, const lab_write_opts *wo, lab_result *res)
{
    memset(res, 0, sizeof *res);
    lab_write_opts none = {0};
    op o = {0};
    pthread_mutex_lock(&s->mu);
    update_locked(s, &o, k, ns, name, obj, wo ? wo : &none, res);
    op_finish(s, &o);
}

void lab_store_patch(lab_store *s, const lab_kind *k, const char *ns, const char *name,
                     lab_patch_type type, const cJSON *patch, const lab_write_opts *wo,
                     lab_result *res)
{
    memset(res, 0, sizeof *res);
    lab_write_opts none = {0};
    op o = {0};
    if (type == LAB_PATCH_STRATEGIC && (k->flags & LAB_KIND_CUSTOM)) {
        fail(res, 415, lab_status_unsupported_media(
                           "the body of the request was in an unknown format - accepted media "
                           "types include: application/json-patch+json, "
                           "application/merge-patch+json, application/apply-patch+yaml"));
        return;
    }
    pthread_mutex_lock(&s->mu);
    lab_blob *cur = lookup(s, k, ns, name);
    if (!cur) {
        fail(res, 404, lab_status_not_found(k->group, k->plural, name));
        op_finish(s, &o);
        return;
    }
    cJSON *doc = lab_blob_parse(cur);
    strbuf why = STRBUF_INIT;
    int rc = 0;
    if (type == LAB_PATCH_JSON) {
        rc = lab_json_patch(&doc, patch, &why);
    } else if (!cJSON_IsObject(patch)) {
        sb_adds(&why, "the patch must be a JSON object");
        rc = -1;
    } else if (type == LAB_PATCH_STRATEGIC) {
        cJSON *p = cJSON_Duplicate(patch, 1);
        lab_strip_strategic_directives(p);
        lab_merge_patch(&doc, p);
        cJSON_Delete(p);
    } else {
        lab_merge_patch(&doc, patch);
    }
    if (rc < 0) {
        fail(res, 422, lab_status_new(422, "Invalid", why.buf, NULL));
        cJSON_Delete(doc);
    } else {
        update_locked(s, &o, k, ns, name, doc, wo ? wo : &none, res);
    }
    sb_release(&why);
    op_finish(s, &o);
}

/* ---- list ---- */

typedef struct field_ctx {
    const lab_blob *b;
    cJSON *tree;
} field_ctx;

static const char *blob_field(void *ctx, const char *path, strbuf *scratch)
{
    field_ctx *c = ctx;
    if (!strcmp(path, "metadata.name"))
        return c->b->name;
    if (!strcmp(path, "metadata.namespace"))
        return c->b->ns;
    if (!c->tree)
        c->tree = lab_blob_parse(c->b);
    return lab_field_value(c->tree, path, scratch);
}

int lab_store_matches(const lab_blob *b, const lab_selector *labels, const lab_selector *fields)
{
    if (labels && labels->count && !lab_labelsel_match(labels, b->labels))
        return 0;
    if (fields && fields->count) {
        field_ctx c = {b, NULL};
        int ok = lab_fieldsel_match(fields, blob_field, &c);
        cJSON_Delete(c.tree);
        return ok;
    }
    return 1;
}

static int cmp_blob(const void *a, const void *b)
{
    const lab_blob *x = *(lab_blob *const *)a, *y = *(lab_blob *const *)b;
    int c = strcmp(x->ns, y->ns);
    return c ? c : strcmp(x->name, y->name);
}

void lab_list_release(lab_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        lab_blob_unref(l->items[i]);
    free(l->items);
    free(l->continue_token);
    memset(l, 0, sizeof *l);
}

/* Continue tokens are base64url JSON {"v":"meta.k8s.io/v1","rv":N,"start":"ns/name"}. */
static int decode_continue(const char *tok, strbuf *start)
{
    strbuf raw = STRBUF_INIT;
    int rc = -1;
    if (b64_decode(&raw, tok, strlen(tok)) == 0) {
        cJSON *j = cJSON_ParseWithLength(raw.buf ? raw.buf : "", raw.len);
        const cJSON *st = j ? cJSON_GetObjectItemCaseSensitive(j, "start") : NULL;
        if (cJSON_IsString(st)) {
            sb_adds(start, st->valuestring);
            rc = 0;
        }
        cJSON_Delete(j);
    }
    sb_release(&raw);
    return rc;
}

int lab_store_list(lab_store *s, const lab_kind *k, const char *ns, const lab_list_opts *lo,
                   lab_list *out, cJSON **status)
{
    memset(out, 0, sizeof *out);
    *status = NULL;
    lab_list_opts none = {0};
    if (!lo)
        lo = &none;
    strbuf start = STRBUF_INIT;
    if (lo->continue_token && *lo->continue_token && decode_continue(lo->continue_token, &start) < 0) {
        *status = lab_status_bad_request("invalid continue token");
        sb_release(&start);
        return 400;
    }
    if (!(k->flags & LAB_KIND_NAMESPACED))
        ns = NULL;
    pthread_mutex_lock(&s->mu);
    out->rv = s->rv;
    size_t cap = 0, it = 0;
    void *v;
    while (strmap_next(&s->objs[k->index], &it, NULL, &v)) {
        lab_blob *b = v;
        if (ns && *ns && strcmp(b->ns, ns))
            continue;
        if (!lab_store_matches(b, lo->labels, lo->fields))
            continue;
        if (out->count == cap) {
            cap = cap ? cap * 2 : 64;
            out->items = realloc(out->items, cap * sizeof *out->items);
            if (!out->items)
                abort();
        }
        out->items[out->count++] = lab_blob_ref(b);
    }
    pthread_mutex_unlock(&s->mu);
    if (out->count > 1)
        qsort(out->items, out->count, sizeof *out->items, cmp_blob);
    size_t first = 0;
    if (start.len) {
        strbuf key = STRBUF_INIT;
        while (first < out->count) {
            key_of(&key, out->items[first]->ns, out->items[first]->name);
            if (strcmp(key.buf, start.buf) > 0)
                break;
            first++;
        }
        sb_release(&key);
    }
    size_t end = out->count;
    if (lo->limit && end - first > lo->limit)
        end = first + lo->limit;
    if (end < out->count) {
        strbuf last = STRBUF_INIT, tok = STRBUF_INIT;
        key_of(&last, out->items[end - 1]->ns, out->items[end - 1]->name);
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "v", "meta.k8s.io/v1");
        cJSON_AddNumberToObject(j, "rv", (double)out->rv);
        cJSON_AddStringToObject(j, "start", last.buf);
        char *txt = cJSON_PrintUnformatted(j);
        b64url_encode(&tok, txt, strlen(txt));
        free(txt);
        cJSON_Delete(j);
        out->continue_token = sb_detach(&tok, NULL);
        out->remaining = (long)(out->count - end);
        sb_release(&last);
    }
    for (size_t i = 0; i < first; i++)
        lab_blob_unref(out->items[i]);
    for (size_t i = end; i < out->count; i++)
        lab_blob_unref(out->items[i]);
    if (end > first)
        memmove(out->items, out->items + first, (end - first) * sizeof *out->items);
    out->count = end - first;
    sb_release(&start);
    return 0;
}
