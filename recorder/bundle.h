/*
 * bundle: one reproducible tar per scenario, the unit a cassette travels in.
 *
 * Members are sorted by name and written with fixed metadata (mtime 0, uid
 * and gid 0, mode 0644, owner "root"), so the same content always gives the
 * same bytes and the same SHA-256. manifest.json lists every other member
 * with its size and SHA-256, the tool version and the redaction summary (rule
 * ids and locations, never values).
 *
 * Writing is all-or-nothing: the tar is built in memory, every member and the
 * final bytes are scanned for secrets (recorder/scan.h), and only a clean
 * bundle is written (temporary file, fsync, rename). A finding refuses the
 * write with exit class MTV_EXIT_ENV (3) and leaves no file behind.
 *
 * Ownership: a bundle owns its members (bundle_free).
 */
#ifndef MTV_RECORDER_BUNDLE_H
#define MTV_RECORDER_BUNDLE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "util/err.h"
#include "util/secrets.h"
#include "util/strbuf.h"

#define BUNDLE_FORMAT "mtv-bundle/1"
#define BUNDLE_CASSETTE "cassette.har"
#define BUNDLE_MANIFEST "manifest.json"
#define BUNDLE_LOG "scenario.log"
#define BUNDLE_UNMATCHED "unmatched.json"

typedef struct bundle_member {
    char *name;
    strbuf data;
} bundle_member;

typedef struct bundle {
    bundle_member *members;   /* sorted by name */
    size_t count, cap;
    cJSON *manifest;          /* parsed manifest.json (read) or NULL */
} bundle;

/* Adds a member (data copied). A member of the same name is replaced. */
void bundle_add(bundle *b, const char *name, const void *data, size_t n);
const bundle_member *bundle_find(const bundle *b, const char *name);
void bundle_free(bundle *b);

/* Writes b (plus a generated manifest.json; an existing one is replaced) to
 * path. redaction is copied into the manifest (may be NULL); reg feeds the
 * secret scan (may be NULL: patterns only). */
int bundle_write(bundle *b, const char *path, const cJSON *redaction, const secret_registry *reg,
                 mtv_err *err);

/* The tar bytes of b without writing (used by bundle_write and tests). */
int bundle_to_tar(const bundle *b, strbuf *out, mtv_err *err);

/* Reads a bundle from a file or memory. Member names must be relative paths
 * without "..": anything else is refused. name is used in messages. */
int bundle_read(bundle *b, const char *path, mtv_err *err);
int bundle_read_memory(bundle *b, const char *name, const void *data, size_t n, mtv_err *err);

/* 1 when data starts like a tar archive (ustar magic at offset 257). */
int bundle_sniff(const void *data, size_t n);

/* Checks every member against manifest.json: present, size and SHA-256.
 * Appends one line per problem; returns the number of problems. */
int bundle_check_manifest(const bundle *b, strbuf *problems);

#endif
