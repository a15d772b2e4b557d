/*
 * fs: file-system helpers with errors that name the path and the reason.
 *
 * Writes that must survive a crash go through fs_write_atomic (temporary file,
 * fsync, rename, fsync of the directory), so a reader sees the old file or the
 * new one, never half of either.
 */
#ifndef MTV_UTIL_FS_H
#define MTV_UTIL_FS_H

#include <stddef.h>

#include "util/err.h"
#include "util/strbuf.h"

/* Appends the whole file to out. */
int fs_read_file(const char *path, strbuf *out, mtv_err *err);
/* Creates the file with mode 0600 (it may hold credentials, e.g. a
 * kubeconfig); artifacts meant to be shared use fs_write_atomic_mode. */
int fs_write_atomic(const char *path, const void *data, size_t n, mtv_err *err);
int fs_write_atomic_mode(const char *path, const void *data, size_t n, unsigned mode, mtv_err *err);
/* mkdir -p with the given mode for created folders. */
int fs_mkdir_p(const char *path, unsigned mode, mtv_err *err);
int fs_exists(const char *path);
int fs_is_dir(const char *path);
/* "<dir>/<name>" into out (replacing its contents). */
void fs_join(strbuf *out, const char *dir, const char *name);
/* Sorted names (no "." or "..") of entries in dir ending with suffix (NULL: all).
 * *names is a malloc'd array of malloc'd strings; free with fs_free_list. */
int fs_list_dir(const char *dir, const char *suffix, char ***names, size_t *count, mtv_err *err);
void fs_free_list(char **names, size_t count);

#endif
