/* fs: see fs.h. */
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_read_file(const char *path, strbuf *out, mtv_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mtv_err_set(err, errno == ENOENT ? MTV_EXIT_USAGE : MTV_EXIT_ENV,
                           "cannot read %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return mtv_err_set(err, MTV_EXIT_USAGE, "cannot read %s: it is a directory", path);
    }
    if (fstat(fd, &st) == 0 && st.st_size > 0)
        sb_grow(out, (size_t)st.st_size);
    for (;;) {
        sb_grow(out, 65536);
        ssize_t r = read(fd, out->buf + out->len, out->cap - out->len - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            return mtv_err_set(err, MTV_EXIT_ENV, "cannot read %s: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        out->len += (size_t)r;
        out->buf[out->len] = '\0';
    }
    close(fd);
    return 0;
}

static int write_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int fs_write_atomic(const char *path, const void *data, size_t n, mtv_err *err)
{
    return fs_write_atomic_mode(path, data, n, 0600, err);
}

int fs_write_atomic_mode(const char *path, const void *data, size_t n, unsigned mode, mtv_err *err)
{
    strbuf tmp = STRBUF_INIT;
    sb_addf(&tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) {
        mtv_err_set(err, MTV_EXIT_ENV, "cannot write %s: %s", path, strerror(errno));
        sb_release(&tmp);
        return -1;
    }
    if (write_all(fd, data, n) < 0 || fsync(fd) < 0) {
        int e = errno;
        close(fd);
        unlink(tmp.buf);
        sb_release(&tmp);
        return mtv_err_set(err, MTV_EXIT_ENV, "cannot write %s: %s", path, strerror(e));
    }
    close(fd);
    if (rename(tmp.buf, path) < 0) {
        int e = errno;
        unlink(tmp.buf);
        sb_release(&tmp);
        return mtv_err_set(err, MTV_EXIT_ENV, "cannot write %s: %s", path, strerror(e));
    }
    sb_release(&tmp);
    char *dup = strdup(path);
    if (dup) {
        int dfd = open(dirname(dup), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        free(dup);
    }
    return 0;
}

int fs_mkdir_p(const char *path, unsigned mode, mtv_err *err)
{
    strbuf p = STRBUF_INIT;
    sb_adds(&p, path);
    for (size_t i = 1; i <= p.len; i++) {
        if (i < p.len && p.buf[i] != '/')
            continue;
        char saved = p.buf[i];
        p.buf[i] = '\0';
        if (mkdir(p.buf, (mode_t)mode) < 0 && errno != EEXIST) {
            int e = errno;
            mtv_err_set(err, MTV_EXIT_ENV, "cannot create folder %s: %s", p.buf, strerror(e));
            sb_release(&p);
            return -1;
        }
        p.buf[i] = saved;
    }
    sb_release(&p);
    if (!fs_is_dir(path))
        return mtv_err_set(err, MTV_EXIT_ENV, "cannot create folder %s: a file is in the way", path);
    return 0;
}

int fs_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int fs_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void fs_join(strbuf *out, const char *dir, const char *name)
{
    sb_reset(out);
    sb_adds(out, dir);
    if (out->len && out->buf[out->len - 1] != '/')
        sb_addc(out, '/');
    sb_adds(out, name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int fs_list_dir(const char *dir, const char *suffix, char ***names, size_t *count, mtv_err *err)
{
    *names = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (!d)
        return mtv_err_set(err, errno == ENOENT ? MTV_EXIT_USAGE : MTV_EXIT_ENV,
                           "cannot list folder %s: %s", dir, strerror(errno));
    size_t cap = 0;
    struct dirent *e;
    size_t slen = suffix ? strlen(suffix) : 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        size_t len = strlen(e->d_name);
        if (suffix && (len < slen || strcmp(e->d_name + len - slen, suffix) != 0))
            continue;
        if (*count == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(*names, cap * sizeof *nn);
            if (!nn)
                abort();
            *names = nn;
        }
        if (!((*names)[(*count)++] = strdup(e->d_name)))
            abort();
    }
    closedir(d);
    if (*count)
        qsort(*names, *count, sizeof **names, cmp_str);
    return 0;
}

void fs_free_list(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}
