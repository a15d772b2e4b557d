/*
 * strbuf: the growing byte buffer used for every string built at run time.
 *
 * Binary safe (len counts bytes, embedded NULs allowed) but always kept
 * NUL-terminated so text users can pass buf straight to C string functions.
 * Allocation failure aborts: a validator that cannot allocate a few KB has
 * nothing sensible left to do, and checking every append would hide the logic.
 * A zero-initialised strbuf (STRBUF_INIT) is valid and empty.
 */
#ifndef MTV_UTIL_STRBUF_H
#define MTV_UTIL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf {
    char *buf;     /* owned; NULL until the first append */
    size_t len;
    size_t cap;
} strbuf;

#define STRBUF_INIT {0}

void sb_init(strbuf *sb);
void sb_release(strbuf *sb);              /* frees and resets to empty */
void sb_reset(strbuf *sb);                /* keeps memory, len = 0 */
void sb_grow(strbuf *sb, size_t extra);   /* room for extra more bytes */
void sb_add(strbuf *sb, const void *data, size_t n);
void sb_adds(strbuf *sb, const char *s);
void sb_addc(strbuf *sb, char c);
void sb_addf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(strbuf *sb, const char *fmt, va_list ap);
void sb_setlen(strbuf *sb, size_t len);   /* truncate (len <= sb->len) */
const char *sb_str(const strbuf *sb);     /* never NULL ("" when empty) */
/* Hands the buffer to the caller (free() it) and leaves sb empty. */
char *sb_detach(strbuf *sb, size_t *len_out);

#endif
