/*
 * inventory: the Forklift inventory service, as upstream's ForkliftInventory
 * uses it (research/mtv-api-tests.md §5.3, research/forklift.md §9).
 *
 * Every call is GET <base>/providers/<path> with the cluster's bearer token,
 * through the scenario's transport (upstream "inventory"), so it is recorded
 * and replayed. The base URL is https://<host of Route forklift-inventory in
 * mtv_namespace>; finding that Route is the lifecycle's job (it needs the
 * Kubernetes client), so this module only needs a URL and can be tested
 * against any HTTP server.
 *
 * The service answers 206 (empty) until a provider's collector reached
 * parity, and 404 with X-Reason: ProviderNotFound until it knows the
 * provider; both mean "not yet", and are retried every 5 s until the call's
 * deadline. Other statuses fail at once with the path and status.
 *
 * Mapping sources (what a StorageMap / NetworkMap entry's source is) are read
 * per provider type from the VMs' inventory records, following references
 * the way upstream does (datastores, disks and storage domains, NIC
 * profiles, volumes, networks). That walk is written over a fetch callback so
 * it is tested on inventory-shaped data without a server.
 *
 * Ownership: cJSON results are the caller's. The inventory borrows its
 * config (transport, TLS, token, cancel flag).
 */
#ifndef MTV_MTV_INVENTORY_H
#define MTV_MTV_INVENTORY_H

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdint.h>

#include "net/http.h"
#include "net/transport.h"
#include "util/err.h"

typedef struct mtv_inventory mtv_inventory;

typedef struct mtv_inventory_config {
    transport *t;
    const char *base_url;          /* "https://forklift-inventory-openshift-mtv.apps.example.com" */
    net_tls tls;                   /* copied; strings borrowed */
    const char *token;             /* bearer token; borrowed */
    int64_t not_ready_timeout_ms;  /* how long 206 / ProviderNotFound are retried (default 180 s) */
    int64_t poll_ms;               /* between retries (default 5 s) */
    atomic_int *cancel;            /* borrowed; non-zero stops waits */
} mtv_inventory_config;

int mtv_inventory_open(mtv_inventory **out, const mtv_inventory_config *cfg, mtv_err *err);
void mtv_inventory_free(mtv_inventory *inv);

/* GET /providers/<path> (path without a leading slash; may carry a query). */
int mtv_inventory_get(mtv_inventory *inv, const char *path, cJSON **out, mtv_err *err);

/* The inventory id (the Provider CR's uid) of the provider named name in
 * namespace ns, from /providers/<type>; retried until timeout_ms while it is
 * not listed yet. Appends it to id. */
int mtv_inventory_provider_id(mtv_inventory *inv, const char *type, const char *name,
                              const char *ns, int64_t timeout_ms, strbuf *id, mtv_err *err);

/* The VM named name, at full detail, waiting up to timeout_ms (polling
 * every 10 s) until the inventory has it (OpenStack: with its volumes
 * attached). The error lists the VM names the inventory does have. */
int mtv_inventory_wait_vm(mtv_inventory *inv, const char *type, const char *pid, const char *name,
                          int64_t timeout_ms, cJSON **vm, mtv_err *err);

/* ---- mapping sources ---------------------------------------------------- */

/* Reads "<type>/<pid>/<collection>[/<id>]" for the walk below. */
typedef int (*mtv_inventory_fetch_fn)(void *ud, const char *path, cJSON **out, mtv_err *err);

/* A fetch over a live inventory (ud = mtv_inventory *). */
int mtv_inventory_fetch(void *inv, const char *path, cJSON **out, mtv_err *err);

/* The StorageMap sources for vms (full-detail inventory records), one per
 * distinct storage: vsphere datastores, ovirt storage domains, openstack
 * volume types (+ "glance" for image-backed VMs), ova storages ({id}),
 * openshift storage classes, hyperv storages. Empty is an error. */
int mtv_inventory_storage_sources(const char *type, const char *pid, const cJSON *vms,
                                  mtv_inventory_fetch_fn fetch, void *ud, cJSON **sources,
                                  mtv_err *err);

/* The NetworkMap sources: one per distinct network (dedup), or one per NIC
 * in NIC order (per-NIC maps). openshift pod networks are {"type": "pod"}. */
int mtv_inventory_network_sources(const char *type, const char *pid, const cJSON *vms, int dedup,
                                  mtv_inventory_fetch_fn fetch, void *ud, cJSON **sources,
                                  mtv_err *err);

#endif
