/*
 * secrets: the registry of known secret values and the masking built on it.
 *
 * Every credential the tool learns (providers file passwords, kubeconfig
 * tokens and keys, Jira tokens, OAuth tokens obtained at run time) is added
 * here with a stable label. Masking replaces each occurrence, in every
 * encoding the tool may meet it in (raw, base64 and base64url at any
 * alignment, percent- and form-encoded, JSON- and HTML-escaped), with
 * "<redacted:LABEL>". The same secret always becomes the same placeholder, so
 * redacted recordings still match on replay.
 *
 * Lookup is one pass over the input: variants are bucketed by their first
 * byte, so the cost does not grow with the number of secrets for bytes that
 * start none of them. Thread-safe: adds take a write lock, scans a read lock.
 */
#ifndef MTV_UTIL_SECRETS_H
#define MTV_UTIL_SECRETS_H

#include <stddef.h>

#include "util/strbuf.h"

/* Values shorter than this are not registered: masking "no" or "1234" would
 * destroy ordinary text and prove nothing. */
#define SECRETS_MIN_LEN 6

typedef struct secret_registry secret_registry;

secret_registry *secrets_new(void);
void secrets_free(secret_registry *reg);

/* Registers value under label (copied). Short values and values holding a
 * redaction placeholder ("<redacted:...>", what a replay hands back for a
 * credential) are ignored; a value already known keeps its first label.
 * Returns 1 if added, 0 if not. */
int secrets_add(secret_registry *reg, const char *label, const char *value);
size_t secrets_count(const secret_registry *reg);

/* Appends in[0..n) to out with every known secret replaced.
 * Returns the number of replacements made. */
size_t secrets_mask(const secret_registry *reg, const void *in, size_t n, strbuf *out);

/* Finds the first known secret in any encoding. Returns its label (owned by
 * the registry) and the byte offset, or NULL when the data is clean. */
const char *secrets_find(const secret_registry *reg, const void *data, size_t n,
                         size_t *offset);

#endif
