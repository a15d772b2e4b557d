/* bundle: see bundle.h. Tar in and out through libarchive, in memory. */
#include "recorder/bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/scan.h"
#include "util/codec.h"
#include "util/fs.h"

void bundle_add(bundle *b, const char *name, const void *data, size_t n)
{
    size_t at = 0;
    while (at < b->count && strcmp(b->members[at].name, name) < 0)
        at++;
    if (at < b->count && strcmp(b->members[at].name, name) == 0) {
        sb_reset(&b->members[at].data);
        sb_add(&b->members[at].data, data, n);
        return;
    }
    if (b->count == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 8;
        b->members = realloc(b->members, b->cap * sizeof *b->members);
        if (!b->members)
            abort();
    }
    memmove(b->members + at + 1, b->members + at, (b->count - at) * sizeof *b->members);
    b->count++;
    bundle_member *m = &b->members[at];
    memset(m, 0, sizeof *m);
    m->name = strdup(name);
    if (!m->name)
        abort();
    sb_add(&m->data, data, n);
}

const bundle_member *bundle_find(const bundle *b, const char *name)
{
    for (size_t i = 0; i < b->count; i++)
        if (strcmp(b->members[i].name, name) == 0)
            return &b->members[i];
    return NULL;
}

void bundle_free(bundle *b)
{
    for (size_t i = 0; i < b->count; i++) {
        free(b->members[i].name);
        sb_release(&b->members[i].data);
    }
    free(b->members);
    cJSON_Delete(b->manifest);
    memset(b, 0, sizeof *b);
}

static la_ssize_t tar_write_cb(struct archive *a, void *ud, const void *buf, size_t n)
{
    (void)a;
    sb_add(ud, buf, n);
    return (la_ssize_t)n;
}

int bundle_to_tar(const bundle *b, strbuf *out, mtv_err *err)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_set_bytes_per_block(a, 512);
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open2(a, out, NULL, tar_write_cb, NULL, NULL) != ARCHIVE_OK) {
        mtv_err_set(err, MTV_EXIT_ENV, "cannot start a tar archive: %s", archive_error_string(a));
        archive_write_free(a);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < b->count && rc == 0; i++) {
        const bundle_member *m = &b->members[i];
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, m->name);
        archive_entry_set_size(e, (la_int64_t)m->data.len);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_mtime(e, 0, 0);
        archive_entry_set_uid(e, 0);
        archive_entry_set_gid(e, 0);
        archive_entry_set_uname(e, "root");
        archive_entry_set_gname(e, "root");
        if (archive_write_header(a, e) != ARCHIVE_OK ||
            (m->data.len && archive_write_data(a, m->data.buf, m->data.len) != (la_ssize_t)m->data.len))
            rc = mtv_err_set(err, MTV_EXIT_ENV, "cannot add %s to the archive: %s", m->name,
                             archive_error_string(a));
        archive_entry_free(e);
    }
    if (archive_write_close(a) != ARCHIVE_OK && rc == 0)
        rc = mtv_err_set(err, MTV_EXIT_ENV, "cannot finish the archive: %s", archive_error_string(a));
    archive_write_free(a);
    return rc;
}

static cJSON *make_manifest(const bundle *b, const cJSON *redaction)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "format", BUNDLE_FORMAT);
    cJSON_AddStringToObject(m, "tool", "mtv-validate");
    cJSON_AddStringToObject(m, "tool_version", MTV_VERSION);
    cJSON *members = cJSON_AddArrayToObject(m, "members");
    for (size_t i = 0; i < b->count; i++) {
        if (strcmp(b->members[i].name, BUNDLE_MANIFEST) == 0)
            continue;
        char hex[65];
        sha256_hex(b->members[i].data.buf ? b->members[i].data.buf : "", b->members[i].data.len, hex);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", b->members[i].name);
        cJSON_AddNumberToObject(o, "size", (double)b->members[i].data.len);
        cJSON_AddStringToObject(o, "sha256", hex);
        cJSON_AddItemToArray(members, o);
    }
    cJSON_AddItemToObject(m, "redaction",
                          redaction ? cJSON_Duplicate(redaction, 1) : cJSON_CreateObject());
    cJSON_AddStringToObject(m, "secret_scan", "clean");
    return m;
}

int bundle_write(bundle *b, const char *path, const cJSON *redaction, const secret_registry *reg,
                 mtv_err *err)
{
    cJSON *manifest = make_manifest(b, redaction);
    char *mtext = cJSON_Print(manifest);
    strbuf mt = STRBUF_INIT;
    sb_adds(&mt, mtext);
    sb_addc(&mt, '\n');
    free(mtext);
    bundle_add(b, BUNDLE_MANIFEST, mt.buf, mt.len);
    sb_release(&mt);
    cJSON_Delete(b->manifest);
    b->manifest = manifest;

    scan_finding f;
    for (size_t i = 0; i < b->count; i++) {
        const bundle_member *m = &b->members[i];
        if (scan_secrets(reg, m->data.buf ? m->data.buf : "", m->data.len, &f)) {
            /* the line number helps find the entry; the value is never shown */
            size_t line = 1;
            for (size_t k = 0; k < f.offset && k < m->data.len; k++)
                line += m->data.buf[k] == '\n';
            return mtv_err_set(err, MTV_EXIT_ENV,
                               "refusing to write bundle %s: member %s line %zu still holds a "
                               "credential (%s); nothing was written. Add a redaction rule or "
                               "register the secret, then run 'mtv-validate cassette recover' on "
                               "the journal",
                               path, m->name, line, f.rule);
        }
    }
    strbuf tar = STRBUF_INIT;
    int rc = bundle_to_tar(b, &tar, err);
    if (rc == 0 && scan_secrets(reg, tar.buf ? tar.buf : "", tar.len, &f))
        rc = mtv_err_set(err, MTV_EXIT_ENV,
                         "refusing to write bundle %s: the archive still holds a credential (%s); "
                         "nothing was written",
                         path, f.rule);
    if (rc == 0)
        rc = fs_write_atomic_mode(path, tar.buf ? tar.buf : "", tar.len, 0644, err);
    sb_release(&tar);
    return rc;
}

int bundle_sniff(const void *data, size_t n)
{
    return n >= 262 && memcmp((const char *)data + 257, "ustar", 5) == 0;
}

static int safe_name(const char *name)
{
    if (!name || !*name || name[0] == '/')
        return 0;
    const char *p = name;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return 0;
        if (!slash)
            break;
        p = slash + 1;
    }
    return 1;
}

int bundle_read_memory(bundle *b, const char *name, const void *data, size_t n, mtv_err *err)
{
    memset(b, 0, sizeof *b);
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    archive_read_support_filter_gzip(a);
    if (archive_read_open_memory(a, data, n) != ARCHIVE_OK) {
        mtv_err_set(err, MTV_EXIT_USAGE, "%s: not a bundle (a tar archive): %s", name,
                    archive_error_string(a));
        archive_read_free(a);
        return -1;
    }
    int rc = 0;
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *mname = archive_entry_pathname(e);
        if (archive_entry_filetype(e) == AE_IFDIR)
            continue;
        if (archive_entry_filetype(e) != AE_IFREG || !safe_name(mname)) {
            rc = mtv_err_set(err, MTV_EXIT_USAGE,
                             "%s: member '%s' is not a plain file with a relative name; refused",
                             name, mname ? mname : "");
            break;
        }
        strbuf data_sb = STRBUF_INIT;
        char buf[65536];
        la_ssize_t got;
        while ((got = archive_read_data(a, buf, sizeof buf)) > 0)
            sb_add(&data_sb, buf, (size_t)got);
        if (got < 0) {
            rc = mtv_err_set(err, MTV_EXIT_USAGE, "%s: member %s is damaged: %s", name, mname,
                             archive_error_string(a));
            sb_release(&data_sb);
            break;
        }
        bundle_add(b, mname, data_sb.buf ? data_sb.buf : "", data_sb.len);
        sb_release(&data_sb);
    }
    if (rc == 0 && r != ARCHIVE_EOF)
        rc = mtv_err_set(err, MTV_EXIT_USAGE, "%s: damaged archive: %s", name,
                         archive_error_string(a) ? archive_error_string(a) : "unexpected end");
    archive_read_free(a);
    if (rc == 0) {
        const bundle_member *m = bundle_find(b, BUNDLE_MANIFEST);
        if (m)
            b->manifest = cJSON_ParseWithLength(m->data.buf ? m->data.buf : "", m->data.len);
    }
    if (rc < 0)
        bundle_free(b);
    return rc;
}

int bundle_read(bundle *b, const char *path, mtv_err *err)
{
    strbuf data = STRBUF_INIT;
    if (fs_read_file(path, &data, err) < 0) {
        memset(b, 0, sizeof *b);
        sb_release(&data);
        return -1;
    }
    int rc = bundle_read_memory(b, path, data.buf ? data.buf : "", data.len, err);
    sb_release(&data);
    return rc;
}

int bundle_check_manifest(const bundle *b, strbuf *problems)
{
    int count = 0;
    if (!b->manifest) {
        sb_addf(problems, "%s: missing or not JSON\n", BUNDLE_MANIFEST);
        return 1;
    }
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(b->manifest, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, BUNDLE_FORMAT) != 0) {
        sb_addf(problems, "%s: format is not \"%s\"\n", BUNDLE_MANIFEST, BUNDLE_FORMAT);
        count++;
    }
    const cJSON *members = cJSON_GetObjectItemCaseSensitive(b->manifest, "members");
    const cJSON *m;
    size_t listed = 0;
    cJSON_ArrayForEach(m, members) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "name"));
        const char *sha = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "sha256"));
        listed++;
        if (!name || !sha) {
            sb_addf(problems, "%s: a member entry lacks name or sha256\n", BUNDLE_MANIFEST);
            count++;
            continue;
        }
        const bundle_member *bm = bundle_find(b, name);
        if (!bm) {
            sb_addf(problems, "%s: listed in the manifest but missing from the bundle\n", name);
            count++;
            continue;
        }
        char hex[65];
        sha256_hex(bm->data.buf ? bm->data.buf : "", bm->data.len, hex);
        if (strcmp(hex, sha) != 0) {
            sb_addf(problems, "%s: SHA-256 is %s, the manifest says %s (the member was changed)\n",
                    name, hex, sha);
            count++;
        }
    }
    if (listed + 1 < b->count) {   /* someone added a member */
        for (size_t i = 0; i < b->count; i++) {
            const char *n = b->members[i].name;
            if (strcmp(n, BUNDLE_MANIFEST) == 0)
                continue;
            int found = 0;
            cJSON_ArrayForEach(m, members) {
                const char *mn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "name"));
                if (mn && strcmp(mn, n) == 0)
                    found = 1;
            }
            if (!found) {
                sb_addf(problems, "%s: in the bundle but not in the manifest\n", n);
                count++;
            }
        }
    }
    return count;
}
