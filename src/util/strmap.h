/*
 * strmap: a hash map from NUL-terminated string keys to caller pointers.
 *
 * Open addressing with linear probing and tombstones, growing at 70% load, so
 * lookups stay one or two cache lines for the tens of thousands of keys the
 * lab's object store holds. The map copies keys and owns the copies; values
 * are borrowed pointers whose lifetime the caller manages (strmap_free does
 * not touch them). Not thread-safe: callers lock around it.
 */
#ifndef MTV_UTIL_STRMAP_H
#define MTV_UTIL_STRMAP_H

#include <stddef.h>

typedef struct strmap_slot {
    char *key;     /* NULL = empty; STRMAP_TOMB = deleted */
    void *value;
    size_t hash;
} strmap_slot;

typedef struct strmap {
    strmap_slot *slots;
    size_t cap;     /* power of two, 0 before the first insert */
    size_t count;   /* live keys */
    size_t used;    /* live + tombstones */
} strmap;

#define STRMAP_INIT {0}

void strmap_free(strmap *m);
/* Inserts or replaces; returns the previous value (NULL if none). */
void *strmap_put(strmap *m, const char *key, void *value);
void *strmap_get(const strmap *m, const char *key);
/* Removes key; returns its value (NULL if absent). */
void *strmap_del(strmap *m, const char *key);

/* Iteration: for (size_t i = 0; strmap_next(m, &i, &k, &v);) ...
 * Order is unspecified; the map must not change during the loop. */
int strmap_next(const strmap *m, size_t *iter, const char **key, void **value);

#endif
