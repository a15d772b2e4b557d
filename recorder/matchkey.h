/*
 * matchkey: the canonical identity of a request, used to find its recorded
 * answer. Two requests with the same key are "the same request"; replay
 * serves the recordings of one key first in, first out.
 *
 * A key is one readable line (stored as `_key` in cassettes):
 *
 *   METHOD UPSTREAM PATH[?SORTED_QUERY] BODY
 *
 * - the host is left out (the logical upstream stands for it), so a replay
 *   against another cluster or vCenter address still matches;
 * - query parameters are decoded, re-encoded canonically and sorted, minus
 *   volatile ones (cache busters, see MATCHKEY_VOLATILE_PARAMS);
 * - BODY is "-" when empty, else a digest of its canonical form:
 *     json:<16 hex>    JSON re-printed with sorted keys (formatting and key
 *                      order do not matter)
 *     soap:OP@THIS:<16 hex>  a SOAP call by operation, its `_this` managed
 *                      object (type:value) and its arguments canonicalised
 *                      (namespace prefixes, attribute order and whitespace
 *                      between elements do not matter)
 *     form:<16 hex>    sorted form fields
 *     raw:<16 hex>     anything else, byte for byte.
 *
 * Keys are computed on redacted requests, at record and replay alike, so a
 * credential never reaches a key and a replay with other credentials matches.
 * Pure functions; thread-safe.
 */
#ifndef MTV_RECORDER_MATCHKEY_H
#define MTV_RECORDER_MATCHKEY_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "util/strbuf.h"

/* Default volatile query parameters (NULL-terminated). */
extern const char *const MATCHKEY_VOLATILE_PARAMS[];

/* Appends the key to out. volatile_params NULL = the defaults. */
void matchkey_http(strbuf *out, const char *method, const char *upstream, const char *url,
                   const char *content_type, const void *body, size_t n,
                   const char *const *volatile_params);

/* Key of a custom (non-HTTP) entry: "KIND UPSTREAM json:<digest of request>". */
void matchkey_custom(strbuf *out, const char *kind, const char *upstream, const cJSON *request);

/* The parts of a key, for near-miss reports: pointers into key (not
 * NUL-terminated), lengths alongside. Returns 0, or -1 if key is malformed. */
typedef struct matchkey_parts {
    const char *method, *upstream, *path, *query, *body;
    size_t method_len, upstream_len, path_len, query_len, body_len;
} matchkey_parts;

int matchkey_split(const char *key, matchkey_parts *parts);

#endif
