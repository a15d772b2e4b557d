/*
 * replay: answers requests from a loaded cassette.
 *
 * The index maps each match key to the entries recorded under it, in _seq
 * order; a lookup hashes the key (open addressing, no scan of the cassette)
 * and takes the next unused entry of that key with an atomic cursor, so
 * identical requests get their answers in recorded order, first in first
 * out, from any number of threads.
 *
 * When a key is missing, or all its entries are used (and repeat-last is
 * off), the lookup fails with MTV_EXIT_DIVERGED (4) and a report naming the
 * nearest recorded requests with a field-by-field difference (method,
 * upstream, path, each query parameter, the body - structurally for JSON).
 * The same report is appended to <out_dir>/unmatched.json.
 *
 * Ownership: replay_open takes the cassette; replay_free frees both.
 */
#ifndef MTV_RECORDER_REPLAY_H
#define MTV_RECORDER_REPLAY_H

#include <cjson/cJSON.h>

#include "recorder/cassette.h"
#include "util/err.h"
#include "util/strbuf.h"

typedef struct replay replay;

typedef struct replay_opts {
    int repeat_last;            /* exhausted key: serve its last entry again */
    const char *out_dir;        /* where unmatched.json goes; NULL = nowhere */
} replay_opts;

/* Takes *c (leaves it zeroed) on success and on failure. */
int replay_open(replay **out, cassette *c, const replay_opts *opts, mtv_err *err);
void replay_free(replay *r);
const cassette *replay_cassette(const replay *r);

/* The entry answering key. req_body and content_type describe the live
 * (redacted) request for the near-miss report. Returns NULL with err set
 * (exit class 4) when nothing answers. */
const cassette_entry *replay_take(replay *r, const char *key, const char *url,
                                  const char *content_type, const void *req_body, size_t body_len,
                                  mtv_err *err);

/* Direct index lookup without consuming: number of entries under key. */
size_t replay_count(const replay *r, const char *key);

/* Entries never served, as lines "seq 12: GET kubernetes /api/v1/... -> 200"
 * appended to report (may be NULL). Returns the count. */
size_t replay_unused(const replay *r, strbuf *report);

/* The near-miss report for a key as JSON (for tools and tests). */
cJSON *replay_near_miss(const replay *r, const char *key, const char *url, const char *content_type,
                        const void *req_body, size_t body_len);

#endif
