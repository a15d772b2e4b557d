/*
 * teardown: removing what the ledger says was created, in upstream's order
 * (research/mtv-api-tests.md §7.5):
 *
 *   1. cancel every Migration still running (spec.cancel = the Plan's VMs)
 *      and wait until it is Canceled;
 *   2. archive every Plan (spec.archived) and wait for Archived, so the
 *      controller cleans up its pods, DataVolumes and PVCs;
 *   3. delete Migrations, Plans, Hooks, Providers, Hosts, Secrets, NADs,
 *      StorageMaps, NetworkMaps, Conversions, VirtualMachines and Pods, each
 *      waited until gone;
 *   4. delete the VirtualMachines the migrations made in namespaces the run
 *      created, then the namespaces themselves, waited until gone (which
 *      means their pods, DataVolumes and PVCs are gone too);
 *   5. source-side objects (clones, snapshots, images, volumes), newest
 *      first, through the adapter that made them (the run's own, or
 *      mtv/source_cleanup.h for `cleanup`), else they are left behind.
 *
 * Idempotent: an object already gone counts as deleted, so `cleanup` can run
 * any number of times on the same resources.json. Whatever is still there
 * after its wait is marked "leftover" in the ledger (with the reason) and
 * counted; upstream only logs leftovers, here they fail the run.
 */
#ifndef MTV_MTV_TEARDOWN_H
#define MTV_MTV_TEARDOWN_H

#include "k8s/client.h"
#include "util/ledger.h"

/* Deletes one source-side object; returns 0 when it is gone (or was), -1. */
typedef int (*mtv_source_delete_fn)(void *ud, const ledger_entry *e, mtv_err *err);

typedef struct mtv_teardown_opts {
    const char *scenario;            /* only this scenario's entries; NULL = all */
    int64_t object_timeout_ms;       /* per object (default 180 s) */
    int64_t namespace_timeout_ms;    /* per namespace (default 600 s) */
    mtv_source_delete_fn source_delete;   /* NULL: source entries are left over */
    void *source_ud;
} mtv_teardown_opts;

/* Returns the number of objects left behind (leftovers gets one line each),
 * or -1 when the ledger could not be updated. */
long mtv_teardown(k8s_client *c, ledger *l, const mtv_teardown_opts *o, strbuf *leftovers,
                  mtv_err *err);

/* The well-known kind for a ledger entry's apiVersion and kind, or NULL. */
const k8s_kind *mtv_kind_lookup(const char *api_version, const char *kind);
/* "group/version" or "version" of a kind, into out (32 bytes or more). */
void mtv_kind_api_version(const k8s_kind *k, char *out, size_t n);

#endif
