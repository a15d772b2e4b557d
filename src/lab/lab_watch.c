/* lab_watch: watches over the store's event ring (see lab_store.h).
 *
 * A watch is a cursor: the next resourceVersion to look at. Every event in
 * the ring has a distinct, consecutive resourceVersion, so the cursor needs
 * no search; it falls behind only when the ring has been overwritten past
 * it, which is the API server's "too old resource version". Selector changes
 * are translated as the API server's watch cache does: an object that stops
 * matching is reported DELETED, one that starts matching ADDED. */
#include "lab/lab_store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_status.h"

struct lab_watch {
    lab_store *s;
    const lab_kind *k;
    char *ns;
    const lab_selector *labels, *fields;
    uint64_t next_rv;
    lab_blob **initial;
    size_t n_initial, i_initial;
    int marker_pending;
};

static int parse_rv(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || *s == '-')
        return -1;
    *out = v;
    return 0;
}

static int cmp_key(const void *a, const void *b)
{
    const lab_blob *x = *(lab_blob *const *)a, *y = *(lab_blob *const *)b;
    int c = strcmp(x->ns, y->ns);
    return c ? c : strcmp(x->name, y->name);
}

static int ns_ok(const lab_watch *w, const lab_blob *b)
{
    return !w->ns || !*w->ns || !strcmp(w->ns, b->ns);
}

lab_watch *lab_store_watch(lab_store *s, const lab_kind *k, const lab_watch_opts *o, int *code,
                           cJSON **status)
{
    *code = 0;
    *status = NULL;
    const char *rvs = o->resource_version;
    int from_now = !rvs || !*rvs || !strcmp(rvs, "0") || o->send_initial;
    uint64_t rv = 0;
    if (!from_now && parse_rv(rvs, &rv) < 0) {
        strbuf m = STRBUF_INIT;
        sb_addf(&m, "invalid resource version: %s", rvs);
        *status = lab_status_bad_request(m.buf);
        sb_release(&m);
        *code = 400;
        return NULL;
    }
    lab_watch *w = calloc(1, sizeof *w);
    if (!w)
        abort();
    w->s = s;
    w->k = k;
    w->ns = o->ns && (k->flags & LAB_KIND_NAMESPACED) ? strdup(o->ns) : NULL;
    w->labels = o->labels;
    w->fields = o->fields;
    pthread_mutex_lock(&s->mu);
    if (from_now) {
        size_t it = 0, cap = 0;
        void *v;
        while (strmap_next(&s->objs[k->index], &it, NULL, &v)) {
            lab_blob *b = v;
            if (!ns_ok(w, b) || !lab_store_matches(b, w->labels, w->fields))
                continue;
            if (w->n_initial == cap) {
                cap = cap ? cap * 2 : 32;
                w->initial = realloc(w->initial, cap * sizeof *w->initial);
                if (!w->initial)
                    abort();
            }
            w->initial[w->n_initial++] = lab_blob_ref(b);
        }
        if (w->n_initial > 1)
            qsort(w->initial, w->n_initial, sizeof *w->initial, cmp_key);
        w->next_rv = s->rv + 1;
        w->marker_pending = o->send_initial;
    } else {
        if (rv < s->rv && s->first_rv && rv + 1 < s->first_rv) {
            pthread_mutex_unlock(&s->mu);
            strbuf m = STRBUF_INIT;
            sb_addf(&m, "too old resource version: %llu (%llu)", (unsigned long long)rv,
                    (unsigned long long)(s->first_rv - 1));
            *status = lab_status_gone(m.buf);
            sb_release(&m);
            *code = 410;
            lab_watch_free(w);
            return NULL;
        }
        w->next_rv = rv + 1;
    }
    pthread_mutex_unlock(&s->mu);
    return w;
}

/* Maps an event through this watch's filters; 0 when it is not visible. */
static int translate(const lab_watch *w, const lab_event *e, lab_event *out)
{
    if (e->obj->kind != w->k || !ns_ok(w, e->obj))
        return 0;
    int now = lab_store_matches(e->obj, w->labels, w->fields);
    int before = e->prev && lab_store_matches(e->prev, w->labels, w->fields);
    lab_event_type t = e->type;
    lab_blob *obj = e->obj;
    if (t == LAB_MODIFIED) {
        if (now && !before)
            t = LAB_ADDED;
        else if (!now && before) {
            t = LAB_DELETED;
            obj = e->prev;
        } else if (!now)
            return 0;
    } else if (!now) {
        return 0;
    }
    out->type = t;
    out->obj = lab_blob_ref(obj);
    out->prev = lab_blob_ref(e->prev);
    return 1;
}

int lab_watch_next(lab_watch *w, int wait_ms, lab_event *ev)
{
    memset(ev, 0, sizeof *ev);
    if (w->i_initial < w->n_initial) {
        ev->type = LAB_ADDED;
        ev->obj = w->initial[w->i_initial];
        w->initial[w->i_initial++] = NULL;
        return 1;
    }
    if (w->marker_pending) {
        w->marker_pending = 0;
        return 2;
    }
    lab_store *s = w->s;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += wait_ms / 1000;
    deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->mu);
    int rc = 0;
    for (;;) {
        if (s->closed) {
            rc = -1;
            break;
        }
        if (w->next_rv <= s->rv) {
            if (!lab_ring_has(s, w->next_rv)) {
                rc = -2;
                break;
            }
            const lab_event *e = &s->ring[w->next_rv % s->cap];
            w->next_rv++;
            if (translate(w, e, ev)) {
                rc = 1;
                break;
            }
            continue;
        }
        if (pthread_cond_timedwait(&s->cond, &s->mu, &deadline) == ETIMEDOUT) {
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

uint64_t lab_watch_rv(const lab_watch *w)
{
    return w->next_rv - 1;
}

void lab_watch_free(lab_watch *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n_initial; i++)
        lab_blob_unref(w->initial[i]);
    free(w->initial);
    free(w->ns);
    free(w);
}
