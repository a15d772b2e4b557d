/* journal: see journal.h. */
#include "recorder/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fs.h"

struct journal {
    pthread_mutex_t lock;
    int fd;
    int sync;
    char *path;
};

static int write_line(journal *j, cJSON *obj, mtv_err *err)
{
    char *text = cJSON_PrintUnformatted(obj);
    if (!text)
        return mtv_err_set(err, MTV_EXIT_ENV, "cannot serialise a journal line for %s", j->path);
    size_t n = strlen(text);
    text[n] = '\n'; /* replaces the NUL; length tracked separately */
    pthread_mutex_lock(&j->lock);
    int rc = 0;
    const char *p = text;
    size_t left = n + 1;
    while (left) {
        ssize_t w = write(j->fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            rc = mtv_err_set(err, MTV_EXIT_ENV, "cannot append to journal %s: %s", j->path,
                             strerror(errno));
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (rc == 0 && j->sync && fdatasync(j->fd) < 0)
        rc = mtv_err_set(err, MTV_EXIT_ENV, "cannot sync journal %s: %s", j->path, strerror(errno));
    pthread_mutex_unlock(&j->lock);
    free(text);
    return rc;
}

int journal_open(journal **out, const char *path, const cJSON *meta, int sync, mtv_err *err)
{
    *out = NULL;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return mtv_err_set(err, MTV_EXIT_ENV, "cannot create journal %s: %s", path, strerror(errno));
    journal *j = calloc(1, sizeof *j);
    if (!j)
        abort();
    pthread_mutex_init(&j->lock, NULL);
    j->fd = fd;
    j->sync = sync;
    j->path = strdup(path);
    cJSON *line = meta ? cJSON_Duplicate(meta, 1) : cJSON_CreateObject();
    cJSON_DeleteItemFromObject(line, "t");
    cJSON_DeleteItemFromObject(line, "format");
    cJSON_AddStringToObject(line, "format", JOURNAL_FORMAT);
    cJSON_AddStringToObject(line, "t", "meta");
    int rc = write_line(j, line, err);
    cJSON_Delete(line);
    if (rc == 0 && sync) {
        /* make the new file's directory entry durable too */
        char *dir = strdup(path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash) {
            *slash = '\0';
            int dfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
            }
        }
        free(dir);
    }
    if (rc < 0) {
        journal_close(j);
        return -1;
    }
    *out = j;
    return 0;
}

int journal_add_entry(journal *j, const cJSON *entry, mtv_err *err)
{
    cJSON *line = cJSON_CreateObject();
    cJSON_AddStringToObject(line, "t", "entry");
    /* borrow the entry without copying it: a reference item */
    cJSON_AddItemReferenceToObject(line, "entry", (cJSON *)entry);
    int rc = write_line(j, line, err);
    cJSON_Delete(line);
    return rc;
}

int journal_add_var(journal *j, const char *name, const char *value, mtv_err *err)
{
    cJSON *line = cJSON_CreateObject();
    cJSON_AddStringToObject(line, "t", "var");
    cJSON_AddStringToObject(line, "name", name);
    cJSON_AddStringToObject(line, "value", value ? value : "");
    int rc = write_line(j, line, err);
    cJSON_Delete(line);
    return rc;
}

void journal_close(journal *j)
{
    if (!j)
        return;
    if (j->fd >= 0)
        close(j->fd);
    pthread_mutex_destroy(&j->lock);
    free(j->path);
    free(j);
}

const char *journal_path(const journal *j)
{
    return j->path;
}

static int cmp_seq(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    double sx = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(x, "_seq"));
    double sy = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(y, "_seq"));
    return sx < sy ? -1 : sx > sy;
}

int journal_parse(const char *name, const char *text, size_t n, journal_contents *out,
                  strbuf *warnings, mtv_err *err)
{
    memset(out, 0, sizeof *out);
    out->meta = cJSON_CreateObject();
    out->variables = cJSON_CreateObject();
    cJSON **items = NULL;
    size_t count = 0, cap = 0;
    size_t good = 0, lineno = 0;
    const char *p = text, *end = text + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        lineno++;
        if (le == p) {
            p = le + 1;
            continue;
        }
        cJSON *obj = cJSON_ParseWithLength(p, (size_t)(le - p));
        const char *t = obj ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "t")) : NULL;
        int ok = 0;
        if (t && strcmp(t, "meta") == 0) {
            cJSON_Delete(out->meta);
            out->meta = obj;
            obj = NULL;
            ok = 1;
        } else if (t && strcmp(t, "entry") == 0) {
            cJSON *e = cJSON_DetachItemFromObjectCaseSensitive(obj, "entry");
            if (cJSON_IsObject(e) && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(e, "_seq"))) {
                if (count == cap) {
                    cap = cap ? cap * 2 : 64;
                    items = realloc(items, cap * sizeof *items);
                    if (!items)
                        abort();
                }
                items[count++] = e;
                ok = 1;
            } else {
                cJSON_Delete(e);
            }
        } else if (t && strcmp(t, "var") == 0) {
            const char *vn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "name"));
            const char *vv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "value"));
            if (vn && vv) {
                cJSON_DeleteItemFromObjectCaseSensitive(out->variables, vn);
                cJSON_AddStringToObject(out->variables, vn, vv);
                ok = 1;
            }
        }
        cJSON_Delete(obj);
        if (ok) {
            good++;
        } else {
            out->skipped++;
            if (warnings) {
                if (!nl)
                    sb_addf(warnings, "%s:%zu: last line is incomplete (the run stopped while "
                            "writing it); dropped\n", name, lineno);
                else
                    sb_addf(warnings, "%s:%zu: not a journal line; skipped\n", name, lineno);
            }
        }
        p = le + 1;
    }
    out->lines = lineno;
    if (count > 1)
        qsort(items, count, sizeof *items, cmp_seq);
    out->entries = cJSON_CreateArray();
    for (size_t i = 0; i < count; i++)
        cJSON_AddItemToArray(out->entries, items[i]);
    free(items);
    if (good == 0) {
        journal_contents_free(out);
        return mtv_err_set(err, MTV_EXIT_USAGE, "%s: not a journal (no line is a %s line)", name,
                           JOURNAL_FORMAT);
    }
    return 0;
}

int journal_load(const char *path, journal_contents *out, strbuf *warnings, mtv_err *err)
{
    strbuf text = STRBUF_INIT;
    if (fs_read_file(path, &text, err) < 0) {
        sb_release(&text);
        memset(out, 0, sizeof *out);
        return -1;
    }
    int rc = journal_parse(path, sb_str(&text), text.len, out, warnings, err);
    sb_release(&text);
    return rc;
}

void journal_contents_free(journal_contents *c)
{
    cJSON_Delete(c->meta);
    cJSON_Delete(c->entries);
    cJSON_Delete(c->variables);
    memset(c, 0, sizeof *c);
}
