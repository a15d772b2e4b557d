/*
 * lab_store: the in-memory object store with the API server's semantics.
 *
 * Objects live as immutable, reference-counted JSON snapshots (lab_blob): a
 * GET answers with the stored text as is, lists and watch events share the
 * same snapshots, and a write replaces a kind's entry with a new snapshot.
 * Every write bumps the one global resourceVersion by exactly one and
 * appends one event to a ring of the last `event_window` events, which is
 * what watches read; resuming from a resourceVersion that fell out of the
 * ring is answered with 410 Expired.
 *
 * Semantics kept: uid, creationTimestamp, generation bumped only when
 * something outside metadata (and outside status, for kinds with the status
 * subresource) changes, no write at all for a no-op update or patch, 409 on
 * a stale metadata.resourceVersion, status written only through the status
 * subresource, finalizers with deletionTimestamp, namespace termination that
 * deletes the namespace's content, background garbage collection of
 * ownerReferences dependents, CRD schema pruning/defaulting/validation with
 * fieldValidation Strict/Warn/Ignore, dry runs, admission hooks.
 *
 * Thread-safe (one mutex; watchers wait on a condition variable). Write
 * hooks run after the write, outside the lock, on the writer's thread.
 * Ownership: results and events hold blob references the caller releases
 * with lab_result_release / lab_event_release.
 */
#ifndef MTV_LAB_STORE_H
#define MTV_LAB_STORE_H

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lab/lab_kinds.h"
#include "lab/lab_schema.h"
#include "lab/lab_select.h"

typedef struct lab_blob {
    atomic_int refs;
    uint64_t rv;
    const lab_kind *kind;
    char *ns;             /* "" for cluster-scoped kinds */
    char *name;
    char *uid;
    cJSON *labels;        /* copy of metadata.labels, or NULL */
    char **owner_uids;    /* metadata.ownerReferences[].uid */
    size_t n_owners;
    int terminating;      /* metadata.deletionTimestamp is set */
    size_t body_off;      /* text + body_off skips `{"apiVersion":..,"kind":..,` (0: cannot) */
    size_t len;
    char *text;           /* compact JSON, NUL-terminated */
} lab_blob;

lab_blob *lab_blob_ref(lab_blob *b);
void lab_blob_unref(lab_blob *b);
/* A fresh tree of the snapshot (caller frees). */
cJSON *lab_blob_parse(const lab_blob *b);

typedef enum { LAB_ADDED, LAB_MODIFIED, LAB_DELETED } lab_event_type;

typedef struct lab_event {
    lab_event_type type;
    lab_blob *obj;        /* the new state (for DELETED: the last state, new resourceVersion) */
    lab_blob *prev;       /* the state before, or NULL */
} lab_event;

void lab_event_release(lab_event *ev);
const char *lab_event_type_name(lab_event_type t);

typedef struct lab_store_config {
    size_t event_window;              /* events kept for watch resume; 0 = 10000 */
    time_t (*now)(void *ud);          /* clock; NULL = time() */
    void *now_ud;
} lab_store_config;

typedef struct lab_store lab_store;

lab_store *lab_store_new(const lab_kinds *kinds, const lab_store_config *cfg);
void lab_store_free(lab_store *s);
/* Ends every watch (their next call returns -1); further watches end at once. */
void lab_store_close(lab_store *s);
time_t lab_store_now(const lab_store *s);
uint64_t lab_store_rv(lab_store *s);
const lab_kinds *lab_store_kinds(const lab_store *s);
size_t lab_store_count(lab_store *s);

/* Hooks (extension points). A write hook sees every committed event. An
 * admission hook runs for every create/update/delete before it is
 * committed: at phase MUTATE it may change a->obj, at phase VALIDATE it may
 * only refuse; refusing returns an HTTP code and sets *status. */
typedef void (*lab_write_hook)(void *ud, const lab_event *ev);
void lab_store_on_write(lab_store *s, lab_write_hook fn, void *ud);

typedef enum { LAB_ADMIT_CREATE, LAB_ADMIT_UPDATE, LAB_ADMIT_DELETE } lab_admit_op;
typedef enum { LAB_ADMIT_MUTATE, LAB_ADMIT_VALIDATE } lab_admit_phase;
typedef struct lab_admission {
    lab_admit_op op;
    lab_admit_phase phase;
    const lab_kind *kind;
    const char *subresource;  /* NULL or "status" */
    const cJSON *old;         /* NULL on create */
    cJSON *obj;               /* the object to be written (NULL on delete) */
    int dry_run;
} lab_admission;
typedef int (*lab_admit_fn)(void *ud, const lab_admission *a, cJSON **status);
void lab_store_add_admission(lab_store *s, lab_admit_fn fn, void *ud);

enum lab_field_validation { LAB_FV_IGNORE, LAB_FV_WARN, LAB_FV_STRICT };

typedef struct lab_write_opts {
    int dry_run;
    enum lab_field_validation validation;  /* default (0) = Ignore; the API layer passes Warn */
    const char *subresource;               /* NULL or "status" */
} lab_write_opts;

typedef struct lab_result {
    int code;             /* 200, 201, or the error's HTTP code */
    cJSON *status;        /* the error Status when code >= 400 (owned) */
    lab_blob *obj;        /* the resulting object (reference) on success */
    lab_strlist warnings; /* texts for Warning: 299 headers */
} lab_result;

void lab_result_release(lab_result *r);

/* Each fills *res. obj arguments are consumed. ns is ignored for
 * cluster-scoped kinds. */
void lab_store_create(lab_store *s, const lab_kind *k, const char *ns, cJSON *obj,
                      const lab_write_opts *o, lab_result *res);
void lab_store_get(lab_store *s, const lab_kind *k, const char *ns, const char *name,
                   lab_result *res);
void lab_store_update(lab_store *s, const lab_kind *k, const char *ns, const char *name,
                      cJSON *obj, const lab_write_opts *o, lab_result *res);

typedef enum { LAB_PATCH_MERGE, LAB_PATCH_JSON, LAB_PATCH_STRATEGIC } lab_patch_type;
void lab_store_patch(lab_store *s, const lab_kind *k, const char *ns, const char *name,
                     lab_patch_type type, const cJSON *patch, const lab_write_opts *o,
                     lab_result *res);

typedef struct lab_delete_opts {
    int dry_run;
    const char *propagation;      /* "Background" (default), "Foreground", "Orphan" */
    const char *precondition_uid;
    const char *precondition_rv;
} lab_delete_opts;
void lab_store_delete(lab_store *s, const lab_kind *k, const char *ns, const char *name,
                      const lab_delete_opts *o, lab_result *res);

typedef struct lab_list_opts {
    const lab_selector *labels;
    const lab_selector *fields;
    size_t limit;                 /* 0 = all */
    const char *continue_token;
} lab_list_opts;

typedef struct lab_list {
    lab_blob **items;             /* references, sorted by namespace then name */
    size_t count;
    uint64_t rv;
    char *continue_token;         /* set when limit cut the list */
    long remaining;               /* items after this page, when cut */
} lab_list;

/* ns NULL = every namespace. Returns 0, or an HTTP code with *status. */
int lab_store_list(lab_store *s, const lab_kind *k, const char *ns, const lab_list_opts *o,
                   lab_list *out, cJSON **status);
void lab_list_release(lab_list *l);

/* Whether blob matches the selectors (either may be NULL). */
int lab_store_matches(const lab_blob *b, const lab_selector *labels, const lab_selector *fields);

/* Watches. resource_version: NULL, "" or "0" start with synthetic ADDED
 * events for the current state; "N" streams every event after N. */
typedef struct lab_watch_opts {
    const char *ns;               /* NULL = every namespace */
    const lab_selector *labels;
    const lab_selector *fields;
    const char *resource_version;
    int send_initial;             /* sendInitialEvents=true */
} lab_watch_opts;

typedef struct lab_watch lab_watch;

/* Returns the watch, or NULL with *code and *status set (410 Expired when the
 * resourceVersion is older than the event window, 400 when malformed). */
lab_watch *lab_store_watch(lab_store *s, const lab_kind *k, const lab_watch_opts *o, int *code,
                           cJSON **status);
/* 1: *ev filled (release it); 0: nothing within wait_ms; -1: the store was
 * closed; -2: the watch fell behind the event window (send 410). A return
 * of 2 marks the end of the initial events (sendInitialEvents). */
int lab_watch_next(lab_watch *w, int wait_ms, lab_event *ev);
/* The resourceVersion everything up to which this watch has seen. */
uint64_t lab_watch_rv(const lab_watch *w);
void lab_watch_free(lab_watch *w);

#endif
