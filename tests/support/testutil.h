/*
 * testutil: what many unit tests need: paths to the source tree and to the
 * shared reference data, scratch folders that clean themselves up, and file
 * helpers. Reference data is read from ../shared where it lives; a test that
 * needs it and finds it missing is skipped with a message saying so.
 */
#ifndef MTV_TESTUTIL_H
#define MTV_TESTUTIL_H

#include <stddef.h>

/* "<source dir>/<rel>" and "<shared dir>/<rel>" (static buffer per call
 * slot: the returned pointer stays valid for 8 further calls). */
const char *tu_src(const char *rel);
const char *tu_shared(const char *rel);

/* Skips the current Criterion test when the shared reference folder is
 * missing. */
void tu_require_shared(void);

/* A fresh folder under $TMPDIR (default: <build>/test-tmp), removed at
 * process exit when the process exits normally. */
const char *tu_tmpdir(void);

/* Writes text to "<dir>/<name>" and returns the full path (static slot). */
const char *tu_write(const char *dir, const char *name, const char *text);

/* Reads a whole file into a malloc'd NUL-terminated string (NULL if absent). */
char *tu_read(const char *path, size_t *len);

/* 1 if needle occurs in haystack[0..n). */
int tu_contains(const void *haystack, size_t n, const char *needle);

#endif
