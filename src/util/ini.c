/* ini: see ini.h. */
#include "util/ini.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/fs.h"
#include "util/strbuf.h"

static char *dup_range(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        abort();
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

static ini_entry *find(const ini_file *f, const char *section, const char *key)
{
    for (size_t i = 0; i < f->count; i++)
        if (!strcmp(f->items[i].section, section) && !strcmp(f->items[i].key, key))
            return &f->items[i];
    return NULL;
}

static void append_value(ini_entry *e, const char *s, size_t n)
{
    size_t old = strlen(e->value);
    char *v = realloc(e->value, old + 1 + n + 1);
    if (!v)
        abort();
    v[old] = '\n';
    memcpy(v + old + 1, s, n);
    v[old + 1 + n] = '\0';
    e->value = v;
}

int ini_parse(ini_file *f, const char *name, const char *text, size_t n, mtv_err *err)
{
    memset(f, 0, sizeof *f);
    f->name = dup_range(name, strlen(name));
    char *section = NULL;
    ini_entry *last = NULL;   /* the entry a continuation line extends */
    int lineno = 0;
    size_t pos = 0;
    if (n >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
        pos = 3;              /* a UTF-8 byte order mark, as Windows editors write */
    while (pos < n) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', n - pos);
        size_t len = nl ? (size_t)(nl - line) : n - pos;
        pos += len + (nl ? 1 : 0);
        lineno++;
        if (memchr(line, '\0', len)) {
            mtv_err_set(err, MTV_EXIT_USAGE, "%s:%d: the line holds a NUL byte; this is not a text file",
                        name, lineno);
            goto fail;
        }
        const char *s = line;
        size_t sn = len;
        int indented = sn && (s[0] == ' ' || s[0] == '\t');
        trim(&s, &sn);
        if (sn == 0) {
            last = NULL;
            continue;
        }
        if (s[0] == '#' || s[0] == ';')
            continue;
        if (indented && last) {
            append_value(last, s, sn);
            continue;
        }
        if (s[0] == '[') {
            if (s[sn - 1] != ']' || sn < 3) {
                mtv_err_set(err, MTV_EXIT_USAGE, "%s:%d: a section header must look like [name]", name,
                            lineno);
                goto fail;
            }
            const char *h = s + 1;
            size_t hn = sn - 2;
            trim(&h, &hn);
            free(section);
            section = dup_range(h, hn);
            last = NULL;
            continue;
        }
        size_t k = 0;
        while (k < sn && s[k] != '=' && s[k] != ':')
            k++;
        if (k == sn) {
            mtv_err_set(err, MTV_EXIT_USAGE,
                        "%s:%d: expected \"key = value\", a [section] header or a comment", name, lineno);
            goto fail;
        }
        if (!section) {
            mtv_err_set(err, MTV_EXIT_USAGE,
                        "%s:%d: \"key = value\" before any section; start the file with [DEFAULT]", name,
                        lineno);
            goto fail;
        }
        const char *key = s, *val = s + k + 1;
        size_t kn = k, vn = sn - k - 1;
        trim(&key, &kn);
        trim(&val, &vn);
        if (kn == 0) {
            mtv_err_set(err, MTV_EXIT_USAGE, "%s:%d: a key is missing before '%c'", name, lineno, s[k]);
            goto fail;
        }
        char *lkey = dup_range(key, kn);
        for (char *p = lkey; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        const ini_entry *dup = find(f, section, lkey);
        if (dup) {
            mtv_err_set(err, MTV_EXIT_USAGE, "%s:%d: key \"%s\" is already set in [%s] on line %d", name,
                        lineno, lkey, section, dup->line);
            free(lkey);
            goto fail;
        }
        if (f->count == f->cap) {
            f->cap = f->cap ? f->cap * 2 : 16;
            f->items = realloc(f->items, f->cap * sizeof *f->items);
            if (!f->items)
                abort();
        }
        last = &f->items[f->count++];
        last->section = dup_range(section, strlen(section));
        last->key = lkey;
        last->value = dup_range(val, vn);
        last->line = lineno;
    }
    free(section);
    return 0;
fail:
    free(section);
    ini_free(f);
    return -1;
}

int ini_load(ini_file *f, const char *path, mtv_err *err)
{
    strbuf text = STRBUF_INIT;
    if (fs_read_file(path, &text, err) < 0) {
        sb_release(&text);
        memset(f, 0, sizeof *f);
        return -1;
    }
    int rc = ini_parse(f, path, sb_str(&text), text.len, err);
    sb_release(&text);
    return rc;
}

void ini_free(ini_file *f)
{
    for (size_t i = 0; i < f->count; i++) {
        free(f->items[i].section);
        free(f->items[i].key);
        free(f->items[i].value);
    }
    free(f->items);
    free(f->name);
    memset(f, 0, sizeof *f);
}

const ini_entry *ini_get(const ini_file *f, const char *section, const char *key)
{
    if (section && strcmp(section, "DEFAULT") != 0) {
        const ini_entry *e = find(f, section, key);
        if (e)
            return e;
    }
    return find(f, "DEFAULT", key);
}
