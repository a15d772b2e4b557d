/* strmap: see strmap.h. FNV-1a hashing; deleted slots keep probing chains
 * intact until the next resize drops them. */
#include "util/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char tomb_marker;
#define STRMAP_TOMB (&tomb_marker)

static size_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return (size_t)h;
}

void strmap_free(strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && m->slots[i].key != STRMAP_TOMB)
            free(m->slots[i].key);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static strmap_slot *find_slot(const strmap *m, const char *key, size_t h)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        strmap_slot *s = &m->slots[i];
        if (!s->key)
            return NULL;
        if (s->key != STRMAP_TOMB && s->hash == h && strcmp(s->key, key) == 0)
            return s;
    }
}

static void insert_fresh(strmap *m, char *key, void *value, size_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        strmap_slot *s = &m->slots[i];
        if (!s->key || s->key == STRMAP_TOMB) {
            if (!s->key)
                m->used++;
            s->key = key;
            s->value = value;
            s->hash = h;
            m->count++;
            return;
        }
    }
}

static void resize(strmap *m, size_t cap)
{
    strmap_slot *old = m->slots;
    size_t old_cap = m->cap;
    m->slots = calloc(cap, sizeof *m->slots);
    if (!m->slots)
        abort();
    m->cap = cap;
    m->count = m->used = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].key && old[i].key != STRMAP_TOMB)
            insert_fresh(m, old[i].key, old[i].value, old[i].hash);
    free(old);
}

void *strmap_put(strmap *m, const char *key, void *value)
{
    size_t h = hash_key(key);
    strmap_slot *s = find_slot(m, key, h);
    if (s) {
        void *prev = s->value;
        s->value = value;
        return prev;
    }
    if ((m->used + 1) * 10 >= m->cap * 7) {
        size_t cap = m->cap ? m->cap : 16;
        while ((m->count + 1) * 10 >= cap * 5)
            cap *= 2;
        resize(m, cap);
    }
    char *copy = strdup(key);
    if (!copy)
        abort();
    insert_fresh(m, copy, value, h);
    return NULL;
}

void *strmap_get(const strmap *m, const char *key)
{
    strmap_slot *s = find_slot(m, key, hash_key(key));
    return s ? s->value : NULL;
}

void *strmap_del(strmap *m, const char *key)
{
    strmap_slot *s = find_slot(m, key, hash_key(key));
    if (!s)
        return NULL;
    void *v = s->value;
    free(s->key);
    s->key = STRMAP_TOMB;
    s->value = NULL;
    m->count--;
    return v;
}

int strmap_next(const strmap *m, size_t *iter, const char **key, void **value)
{
    for (; *iter < m->cap; (*iter)++) {
        strmap_slot *s = &m->slots[*iter];
        if (s->key && s->key != STRMAP_TOMB) {
            if (key)
                *key = s->key;
            if (value)
                *value = s->value;
            (*iter)++;
            return 1;
        }
    }
    return 0;
}
