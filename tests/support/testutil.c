/* testutil: see testutil.h. */
#include "testutil.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char slots[8][4096];
static int slot;

static char *next_slot(void)
{
    slot = (slot + 1) % 8;
    return slots[slot];
}

const char *tu_src(const char *rel)
{
    char *s = next_slot();
    snprintf(s, sizeof slots[0], "%s/%s", MTV_SOURCE_DIR, rel);
    return s;
}

const char *tu_shared(const char *rel)
{
    char *s = next_slot();
    const char *base = getenv("MTV_SHARED_DIR") ? getenv("MTV_SHARED_DIR") : MTV_SHARED_DIR;
    snprintf(s, sizeof slots[0], "%s/%s", base, rel);
    return s;
}

void tu_require_shared(void)
{
    struct stat st;
    if (stat(tu_shared("reference"), &st) != 0)
        cr_skip_test("shared reference data not found at %s", tu_shared("reference"));
}

static char tmp_root[2048];

static void remove_tmp(void)
{
    if (tmp_root[0]) {
        char cmd[4200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmp_root);
    }
}

const char *tu_tmpdir(void)
{
    if (!tmp_root[0]) {
        /* Under the build folder: Criterion's forked test processes do not
         * always run atexit, and leftovers there are swept by `make clean`. */
        char base[1024];
        if (getenv("TMPDIR"))
            snprintf(base, sizeof base, "%s", getenv("TMPDIR"));
        else
            snprintf(base, sizeof base, "%s/test-tmp", MTV_BINARY_DIR);
        mkdir(base, 0700);
        snprintf(tmp_root, sizeof tmp_root, "%s/mtv-test-XXXXXX", base);
        if (!mkdtemp(tmp_root))
            cr_assert_fail("mkdtemp failed");
        atexit(remove_tmp);
    }
    char *s = next_slot();
    snprintf(s, sizeof slots[0], "%s/t-XXXXXX", tmp_root);
    if (!mkdtemp(s))
        cr_assert_fail("mkdtemp failed");
    return s;
}

const char *tu_write(const char *dir, const char *name, const char *text)
{
    char *s = next_slot();
    snprintf(s, sizeof slots[0], "%s/%s", dir, name);
    FILE *f = fopen(s, "wb");
    cr_assert_not_null(f, "cannot write %s", s);
    fputs(text, f);
    fclose(f);
    return s;
}

char *tu_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n - 1 == 0)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int tu_contains(const void *haystack, size_t n, const char *needle)
{
    return memmem(haystack, n, needle, strlen(needle)) != NULL;
}
