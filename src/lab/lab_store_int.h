/*
 * lab_store_int: the store's private state, shared by lab_store.c (objects
 * and writes) and lab_watch.c (the event ring as watches read it). Nothing
 * outside those two files includes this.
 */
#ifndef MTV_LAB_STORE_INT_H
#define MTV_LAB_STORE_INT_H

#include <pthread.h>

#include "lab/lab_store.h"
#include "util/strmap.h"

typedef struct lab_hook {
    lab_write_hook fn;
    void *ud;
} lab_hook;

typedef struct lab_admit {
    lab_admit_fn fn;
    void *ud;
} lab_admit;

struct lab_store {
    pthread_mutex_t mu;
    pthread_cond_t cond;         /* broadcast on every event and on close */
    const lab_kinds *kinds;
    const lab_kind *ns_kind;     /* core/v1 namespaces */
    strmap *objs;                /* one map per kind index: "ns/name" -> lab_blob* */
    size_t nkinds;
    uint64_t rv;                 /* the newest resourceVersion */
    lab_event *ring;             /* event for rv r lives at ring[r % cap] */
    size_t cap;
    uint64_t first_rv;           /* oldest rv still in the ring; 0 before any event */
    int closed;
    lab_hook *hooks;
    size_t nhooks;
    lab_admit *admits;
    size_t nadmits;
    lab_store_config cfg;
};

/* Whether the event at rv is still in the ring (caller holds mu). */
static inline int lab_ring_has(const lab_store *s, uint64_t rv)
{
    return s->first_rv && rv >= s->first_rv && rv <= s->rv;
}

#endif
