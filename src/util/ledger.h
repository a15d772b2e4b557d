/*
 * ledger: resources.json, the crash-safe list of every object a run created,
 * on the cluster and on the source side, so that whatever a run leaves behind
 * (a crash, kill -9, a failed teardown) can be removed later by
 * `mtv-validate cleanup FILE`.
 *
 * Anything that creates an object records it here the moment the creation
 * succeeded (ledger_record): the Forklift lifecycle for cluster objects, the
 * provider adapters for source-side clones and snapshots. Every change
 * rewrites the whole file atomically (temporary file, fsync, rename), so a
 * reader always sees a complete file that holds every object created up to
 * the last returned call. Teardown and cleanup mark entries deleted or
 * leftover; entries are never dropped, so the file is also the run's record
 * of what it touched.
 *
 * File shape (docs/running.md):
 *   {"format": "mtv-resources/1", "run_id": "...", "resources": [
 *     {"side": "cluster", "kind": "Plan", "apiVersion": "forklift.konveyor.io/v1beta1",
 *      "namespace": "auto-ab12", "name": "...", "scenario": "...", "session": "auto-ab12",
 *      "created": "2026-...Z", "state": "created"}, ...]}
 *
 * Thread-safe: parallel scenarios share one ledger. Ownership: a ledger owns
 * its entries; ledger_item fields are borrowed for the call; snapshots are
 * copies the caller frees with ledger_entries_free.
 */
#ifndef MTV_UTIL_LEDGER_H
#define MTV_UTIL_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define LEDGER_FORMAT "mtv-resources/1"

typedef struct ledger ledger;

/* What was created. side is "cluster" or "source". Cluster objects name
 * kind, api_version and (when namespaced) namespace_; source objects name
 * provider (providers-file entry), provider_type and id (moref, UUID) as the
 * adapter that made them needs to find them again. Unused fields NULL. */
typedef struct ledger_item {
    const char *side;
    const char *kind;
    const char *api_version;
    const char *namespace_;
    const char *name;
    const char *id;
    const char *provider;
    const char *provider_type;
    const char *scenario;
    const char *session;
} ledger_item;

enum ledger_state { LEDGER_CREATED = 0, LEDGER_DELETED, LEDGER_LEFTOVER };

const char *ledger_state_name(enum ledger_state st);

/* A copy of one entry (owned strings) with its position in the ledger. */
typedef struct ledger_entry {
    size_t index;
    char *side, *kind, *api_version, *namespace_, *name, *id, *provider, *provider_type,
        *scenario, *session, *note;
    enum ledger_state state;
    int64_t created_ms;
} ledger_entry;

/* Starts a new file at path (replacing any), written at once. */
int ledger_create(ledger **out, const char *path, const char *run_id, mtv_err *err);
/* Opens an existing file to continue it (cleanup). Errors name the file and
 * the entry that is malformed. */
int ledger_open(ledger **out, const char *path, mtv_err *err);
void ledger_free(ledger *l);

/* durable 0: later rewrites skip fsync (still written whole and renamed into
 * place). For a replay, where nothing real exists to clean up, so the
 * ledger need not survive a power cut. Default 1. */
void ledger_set_durable(ledger *l, int durable);

const char *ledger_path(const ledger *l);
const char *ledger_run_id(const ledger *l);

/* Records a created object and rewrites the file before returning. Recording
 * an object already listed (same side, kind, namespace, name and id) only
 * sets it back to created. */
int ledger_record(ledger *l, const ledger_item *it, int64_t now_ms, mtv_err *err);

/* Sets an entry's state (note: why it is a leftover, or NULL) and rewrites. */
int ledger_set_state(ledger *l, size_t index, enum ledger_state st, const char *note,
                     mtv_err *err);

size_t ledger_count(ledger *l);

/* Copies of the entries, in creation order; scenario NULL = all, else only
 * that scenario's; only_live keeps entries not yet deleted. */
int ledger_snapshot(ledger *l, const char *scenario, int only_live, ledger_entry **out,
                    size_t *n);
void ledger_entries_free(ledger_entry *e, size_t n);

#endif
