/*
 * diff: a semantic comparison of two cassettes, to find where a good run and
 * a bad run parted ways.
 *
 * Entries are aligned by match key and occurrence (the n-th request with a
 * key in A pairs with the n-th in B), so inserted or reordered exchanges do
 * not shift everything after them. A pair differs when its status, error,
 * custom response, stream frames or body differ; JSON bodies are compared
 * structurally with volatile fields masked (resourceVersion, uid,
 * managedFields, selfLink, creationTimestamp and every key ending in
 * "Timestamp" or "Time", plus any extra names given). Differences are ordered
 * by position in A, so the first one printed is the first divergent exchange.
 *
 * Pure: reads both cassettes, writes text and/or JSON.
 */
#ifndef MTV_RECORDER_DIFF_H
#define MTV_RECORDER_DIFF_H

#include <cjson/cJSON.h>

#include "recorder/cassette.h"
#include "util/strbuf.h"

typedef struct diff_opts {
    const char *const *extra_masks;   /* more key names to ignore (NULL-terminated) */
    int no_default_masks;             /* compare resourceVersion, uid, ... too */
    int max_details;                  /* field differences shown per exchange (default 20) */
} diff_opts;

/* 1 when a JSON member of that name is ignored by default. */
int diff_key_volatile(const char *name);

/* Compares a and b. Appends a report to text (may be NULL) and sets *json
 * (may be NULL) to {"summary":{...},"differences":[...]}. Returns the number
 * of differing exchanges (0 = same). */
int cassette_diff(const cassette *a, const cassette *b, const diff_opts *opts, strbuf *text,
                  cJSON **json);

#endif
