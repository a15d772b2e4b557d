/*
 * codec: the byte encodings the tool both produces and must recognise
 * (base64 in its two alphabets, percent-encoding, JSON string escaping, hex,
 * SHA-256). Kept in one place because the secret registry has to generate the
 * very same encodings that transports and writers emit, or masking misses them.
 */
#ifndef MTV_UTIL_CODEC_H
#define MTV_UTIL_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/* Appends base64 (standard alphabet with padding, or URL-safe without). */
void b64_encode(strbuf *out, const void *data, size_t n);
void b64url_encode(strbuf *out, const void *data, size_t n);
/* Decodes either alphabet; whitespace ignored, padding optional.
 * Returns 0 or -1 on an invalid character. */
int b64_decode(strbuf *out, const char *text, size_t n);

/* RFC 3986 percent-encoding: unreserved characters stay, all else %XX.
 * form=1 encodes space as '+' (application/x-www-form-urlencoded). */
void url_encode(strbuf *out, const char *s, size_t n, int form);
/* Decodes %XX (and '+' as space when form=1). Invalid escapes are copied. */
void url_decode(strbuf *out, const char *s, size_t n, int form);

/* The body of a JSON string literal (no quotes), escaped as cJSON does. */
void json_escape(strbuf *out, const char *s, size_t n);

void hex_encode(strbuf *out, const void *data, size_t n);

/* SHA-256 of data as 64 lowercase hex chars plus NUL. */
void sha256_hex(const void *data, size_t n, char out[65]);

#endif
