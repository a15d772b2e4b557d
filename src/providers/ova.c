/*
 * ova: reading OVA archives and the OVA adapter's operations (see ova.h).
 *
 * The share is scanned once per provider (a few folder levels deep) for .ova
 * archives and unpacked .ovf descriptors; each is read and indexed by the VM
 * name its descriptor gives, so lookups by name need no second pass.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "providers/ova.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/suggest.h"

#define OVA_SCAN_DEPTH 3

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* Streams the archive, keeping only the .ovf member's bytes. */
static int ova_descriptor(const char *path, strbuf *ovf, strbuf *ovf_name, mtv_err *err)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    archive_read_support_filter_all(a);
    int rc = 0;
    if (archive_read_open_filename(a, path, 64 * 1024) != ARCHIVE_OK) {
        rc = mtv_err_set(err, MTV_EXIT_USAGE, "%s: cannot open as an OVA (tar) archive: %s", path,
                         archive_error_string(a) ? archive_error_string(a) : "unknown error");
        archive_read_free(a);
        return rc;
    }
    struct archive_entry *e;
    int r, members = 0;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        members++;
        const char *name = archive_entry_pathname(e);
        if (!ovf->len && name && ends_with(name, ".ovf")) {
            if (archive_entry_size_is_set(e) && archive_entry_size(e) > (la_int64_t)OVF_MAX_BYTES) {
                rc = mtv_err_set(err, MTV_EXIT_USAGE, "%s: descriptor %s is larger than %u MiB",
                                 path, name, OVF_MAX_BYTES >> 20);
                break;
            }
            sb_adds(ovf_name, name);
            char buf[65536];
            la_ssize_t k;
            while ((k = archive_read_data(a, buf, sizeof buf)) > 0) {
                if (ovf->len + (size_t)k > OVF_MAX_BYTES) {
                    rc = mtv_err_set(err, MTV_EXIT_USAGE, "%s: descriptor %s is larger than %u MiB",
                                     path, name, OVF_MAX_BYTES >> 20);
                    break;
                }
                sb_add(ovf, buf, (size_t)k);
            }
            if (k < 0 && rc == 0)
                rc = mtv_err_set(err, MTV_EXIT_USAGE, "%s: reading %s: %s", path, name,
                                 archive_error_string(a));
            if (rc)
                break;
        } else {
            archive_read_data_skip(a);   /* disks are never read */
        }
    }
    if (rc == 0 && r != ARCHIVE_EOF && r != ARCHIVE_OK)
        rc = mtv_err_set(err, MTV_EXIT_USAGE, "%s: not a readable OVA (tar) archive%s: %s", path,
                         members ? " past its start (truncated?)" : "",
                         archive_error_string(a) ? archive_error_string(a) : "unknown error");
    if (rc == 0 && !ovf->len)
        rc = mtv_err_set(err, MTV_EXIT_USAGE, "%s: the archive holds no .ovf descriptor (%d "
                                              "members)", path, members);
    archive_read_free(a);
    return rc;
}

int ova_read(const char *path, const char *id, vm_record *out, mtv_err *err)
{
    strbuf ovf = STRBUF_INIT, name = STRBUF_INIT;
    int rc;
    vm_record_init(out);
    if (ends_with(path, ".ovf")) {
        rc = fs_read_file(path, &ovf, err);
        if (rc == 0 && ovf.len > OVF_MAX_BYTES)
            rc = mtv_err_set(err, MTV_EXIT_USAGE, "%s is larger than %u MiB", path,
                             OVF_MAX_BYTES >> 20);
        sb_adds(&name, path);
    } else {
        strbuf member = STRBUF_INIT;
        rc = ova_descriptor(path, &ovf, &member, err);
        sb_addf(&name, "%s (in %s)", sb_str(&member), path);
        sb_release(&member);
    }
    if (rc == 0)
        rc = ovf_record(name.buf, ovf.buf, ovf.len, out, err);
    if (rc == 0)
        vr_set(&out->id, id);
    else
        vm_record_free(out);
    sb_release(&ovf);
    sb_release(&name);
    return rc;
}

/* ---- the adapter ------------------------------------------------------------------------ */

typedef struct ova_vm {
    char *name, *rel;
} ova_vm;

typedef struct ova_state {
    char *dir;
    ova_vm *vms;
    size_t count;
    int scanned;
} ova_state;

static ova_state *st(source_provider *p)
{
    return p->impl;
}

static void scan(ova_state *s, const char *rel, int depth)
{
    strbuf dir = STRBUF_INIT;
    if (*rel)
        fs_join(&dir, s->dir, rel);
    else
        sb_adds(&dir, s->dir);
    char **names;
    size_t n;
    mtv_err err;
    if (fs_list_dir(dir.buf, NULL, &names, &n, &err)) {
        log_warn("OVA share: %s", err.msg);
        sb_release(&dir);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        strbuf r = STRBUF_INIT, full = STRBUF_INIT;
        if (*rel)
            fs_join(&r, rel, names[i]);
        else
            sb_adds(&r, names[i]);
        fs_join(&full, s->dir, r.buf);
        if (fs_is_dir(full.buf)) {
            if (depth < OVA_SCAN_DEPTH)
                scan(s, r.buf, depth + 1);
        } else if (ends_with(names[i], ".ova") || ends_with(names[i], ".ovf")) {
            vm_record rec;
            if (ova_read(full.buf, r.buf, &rec, &err) == 0) {
                s->vms = realloc(s->vms, (s->count + 1) * sizeof *s->vms);
                if (!s->vms)
                    abort();
                s->vms[s->count].name = rec.name ? strdup(rec.name) : strdup(names[i]);
                s->vms[s->count].rel = sb_detach(&r, NULL);
                s->count++;
                vm_record_free(&rec);
            } else {
                log_warn("OVA share: skipping %s: %s", r.buf, err.msg);
            }
        }
        sb_release(&r);
        sb_release(&full);
    }
    fs_free_list(names, n);
    sb_release(&dir);
}

static int ova_open(source_provider *p, mtv_err *err)
{
    ova_state *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    p->impl = s;
    const char *dir = p->cfg.ova_dir;
    if (!dir && strncmp(p->url, "file://", 7) == 0)
        dir = p->url + 7;
    if (!dir && p->url[0] == '/')
        dir = p->url;
    /* a share this machine exports ("127.0.0.1:/srv/ova") is that folder */
    static const char *const loopback[] = {"127.0.0.1:/", "localhost:/", "[::1]:/"};
    for (size_t i = 0; !dir && i < sizeof loopback / sizeof loopback[0]; i++)
        if (!strncmp(p->url, loopback[i], strlen(loopback[i]) - 1))
            dir = p->url + strlen(loopback[i]) - 1;
    if (!dir)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "the OVA share %s is not a local folder: mount it and give the mount "
                           "point (--ova-dir with `source show`, --set ova_dir=DIR with `run`)", p->url);
    if (!fs_is_dir(dir))
        return mtv_err_set(err, MTV_EXIT_USAGE, "the OVA folder %s does not exist or is not a "
                                                "folder", dir);
    s->dir = strdup(dir);
    return 0;
}

static void ova_close(source_provider *p)
{
    ova_state *s = st(p);
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++) {
        free(s->vms[i].name);
        free(s->vms[i].rel);
    }
    free(s->vms);
    free(s->dir);
    free(s);
    p->impl = NULL;
}

static int ova_vm_info(source_provider *p, const char *vm, vm_record *out, mtv_err *err)
{
    ova_state *s = st(p);
    if (!s->scanned) {
        scan(s, "", 0);
        s->scanned = 1;
    }
    const char **names = calloc(s->count + 1, sizeof *names);
    if (!names)
        abort();
    for (size_t i = 0; i < s->count; i++) {
        names[i] = s->vms[i].name;
        if (strcmp(s->vms[i].name, vm) == 0) {
            free(names);
            strbuf full = STRBUF_INIT;
            fs_join(&full, s->dir, s->vms[i].rel);
            vm_record rec;
            int rc = ova_read(full.buf, s->vms[i].rel, &rec, err);
            sb_release(&full);
            if (rc == 0)
                vm_record_move(out, &rec);
            return rc;
        }
    }
    strbuf hint = STRBUF_INIT;
    suggest_append(&hint, vm, names, s->count);
    int rc = mtv_err_set(err, MTV_EXIT_USAGE, "no OVA under %s holds a VM named '%s'%s (%zu VM%s "
                                              "found)", s->dir, vm, sb_str(&hint), s->count,
                         s->count == 1 ? "" : "s");
    sb_release(&hint);
    free(names);
    return rc;
}

const source_ops ova_source_ops = {
    .type = "ova",
    .open = ova_open,
    .close = ova_close,
    .vm_info = ova_vm_info,
};
