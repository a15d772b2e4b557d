/*
 * journal: the crash-safe record of a run in progress.
 *
 * One JSON object per line (NDJSON), appended and fsync'd before the call
 * returns, so a run killed at any moment (SIGKILL, OOM, CI timeout) keeps
 * every exchange that completed. Lines:
 *
 *   {"t":"meta","format":"mtv-journal/1","tool_version":..,"scenario":..,
 *    "seed":"0x..","start_ms":..}                        first line
 *   {"t":"entry","entry":{HAR entry, already redacted}}  one per exchange
 *   {"t":"var","name":..,"value":..}                     run variables
 *   {"t":"redaction","rule":..,"seq":..,"where":..}      (inside entries today)
 *
 * Finalising (recorder/finalize.h) turns a journal into a HAR cassette; the
 * reader here is tolerant: a torn last line (the process died mid-write) is
 * dropped with a warning, a malformed line in the middle is skipped with a
 * warning naming its line number, and everything else is kept.
 *
 * The writer is thread-safe (one mutex; each line is written whole). The file
 * is created 0600: it holds what the run saw, after redaction.
 */
#ifndef MTV_RECORDER_JOURNAL_H
#define MTV_RECORDER_JOURNAL_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "util/err.h"
#include "util/strbuf.h"

#define JOURNAL_FORMAT "mtv-journal/1"

typedef struct journal journal;

/* Creates (truncates) path and writes meta (borrowed; "t" and "format" are
 * added). sync = 0 skips fsync (benchmarks and tests of the cost only). */
int journal_open(journal **out, const char *path, const cJSON *meta, int sync, mtv_err *err);
/* Appends {"t":"entry","entry":entry}; entry is borrowed. */
int journal_add_entry(journal *j, const cJSON *entry, mtv_err *err);
int journal_add_var(journal *j, const char *name, const char *value, mtv_err *err);
/* Closes the file (no finalising). NULL is fine. */
void journal_close(journal *j);
const char *journal_path(const journal *j);

/* What a journal holds. All trees owned by the struct (journal_contents_free). */
typedef struct journal_contents {
    cJSON *meta;        /* object; {} when the meta line was lost */
    cJSON *entries;     /* array, sorted by _seq */
    cJSON *variables;   /* object name -> value, last write wins */
    size_t lines;       /* lines read */
    size_t skipped;     /* lines dropped (torn or malformed) */
} journal_contents;

/* Parses journal text. name is used in warnings ("run/journal.ndjson:12: ...")
 * appended to warnings (may be NULL). Fails only when no line at all is a
 * journal line. */
int journal_parse(const char *name, const char *text, size_t n, journal_contents *out,
                  strbuf *warnings, mtv_err *err);
int journal_load(const char *path, journal_contents *out, strbuf *warnings, mtv_err *err);
void journal_contents_free(journal_contents *c);

#endif
