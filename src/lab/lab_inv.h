/*
 * lab_inv: the Forklift inventory service (forklift-inventory) as the lab
 * serves it on its own listener, per forklift.md section 9.
 *
 *   GET /providers[?detail=N]                      object keyed by type
 *   GET /providers/<type>                          list of provider resources
 *   GET /providers/<type>/<uid>                    one provider resource
 *   GET /providers/<type>/<uid>/<collection>       list (detail, name, limit, offset)
 *   GET /providers/<type>/<uid>/<collection>/<id>  one object, full detail
 *   GET /providers/<type>/<uid>/workloads/<vm-id>  the VM with expanded relations
 *
 * A provider's inventory is registered by the controller once the Provider
 * is connected: cached types (vSphere, oVirt, OpenStack, OVA, Hyper-V) as
 * collections built from a normalized lab_source by lab_inv_build; OpenShift
 * providers are read live from the lab's store at each request, as the real
 * service reads the cluster. Until the registered sync time has passed, the
 * provider's routes answer 206 with an empty body; an unknown uid answers
 * 404 with `X-Reason: ProviderNotFound`; a bad detail/limit/offset 400.
 *
 * Detail levels: 0 = base fields, 1 = the summary fields, >= 2 or "all" =
 * everything; the vSphere vms list is always full detail and single
 * objects are full detail (except vSphere hosts), as upstream does.
 *
 * Thread-safe (one mutex). The registry owns copies of everything given to
 * it; lookups hand out copies the caller frees.
 */
#ifndef MTV_LAB_INV_H
#define MTV_LAB_INV_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "lab/lab_req.h"
#include "lab/lab_store.h"
#include "lab/lab_world.h"

typedef struct lab_inv lab_inv;

/* now_ms: the clock that sync times are compared with (monotonic ms). */
lab_inv *lab_inv_new(lab_store *store, int64_t (*now_ms)(void *ud), void *ud);
void lab_inv_free(lab_inv *inv);

/* Registers (or replaces) the inventory of a Provider. src is copied; NULL
 * for OpenShift providers (read live). synced_at_ms: from then on the
 * provider's routes answer (206 before). */
void lab_inv_put(lab_inv *inv, const cJSON *provider, const lab_source *src,
                 int64_t synced_at_ms);
/* Updates the Provider CR copy (version, object) without touching data. */
void lab_inv_update_cr(lab_inv *inv, const cJSON *provider);
void lab_inv_remove(lab_inv *inv, const char *uid);
int lab_inv_has(lab_inv *inv, const char *uid);
int lab_inv_synced(lab_inv *inv, const char *uid);

/* The handler for /providers (ud = the lab_inv). */
void lab_inv_handle(void *inv, lab_req *req, lab_resp *resp);

/* Controller lookups. A VM by id, else by name (0 found, -1 none, -2 more
 * than one by name); *vm is a copy (lab_vm_release) and *workload, when
 * not NULL, the workload JSON (caller frees). */
int lab_inv_find_vm(lab_inv *inv, const char *uid, const char *id, const char *name,
                    lab_vm *vm, cJSON **workload);
/* A network or storage by id or name: 0 with id/name copies (free), -1 none,
 * -2 ambiguous. kind: "network" or "storage". OpenShift: NADs ("ns/name")
 * and storage classes. */
int lab_inv_find_ref(lab_inv *inv, const char *uid, const char *kind, const char *id,
                     const char *name, const char *ns, char **out_id, char **out_name);
/* Source power changes (a migration powering a source VM off). */
int lab_inv_set_power(lab_inv *inv, const char *uid, const char *vm_id, int on);
/* The same for every registered provider of a type (a source API action). */
void lab_inv_set_power_type(lab_inv *inv, const char *type, const char *vm_id, int on);
/* The provider type of a registered uid ("" when unknown; static string). */
const char *lab_inv_type(lab_inv *inv, const char *uid);

/* Re-reading a cached provider's source, as the real inventory keeps
 * watching it: fn reads the source of the Provider CR into *out (0), or
 * fails (-1: the data stays as it was). A cached provider is re-read on a
 * request once its data is older than period_ms, or at once after
 * lab_inv_stale_type said its source changed (a clone made or deleted
 * through a simulated API). fn runs without the inventory's lock, on the
 * requesting thread. fn NULL turns refreshing off. */
typedef int (*lab_inv_refresh_fn)(void *ud, const cJSON *provider, lab_source *out);
void lab_inv_set_refresh(lab_inv *inv, lab_inv_refresh_fn fn, void *ud, int64_t period_ms);
/* Marks every provider of a type ("ovirt") for a re-read at its next request. */
void lab_inv_stale_type(lab_inv *inv, const char *type);

/* ---- builders (lab_inv_build*.c) ---- */

/* The cached collections of a provider of src's type: an object whose
 * members are collection names holding arrays of full-detail resources
 * (vms, workloads, networks, ...). */
cJSON *lab_inv_build(const lab_source *src, const char *uid);
/* One VM at full detail and its workload form. */
cJSON *lab_inv_build_vm(const lab_source *src, const lab_vm *vm, const char *uid);
cJSON *lab_inv_build_workload(const lab_source *src, const lab_vm *vm, const char *uid);
/* The provider resource's counters for a cached type. */
void lab_inv_add_counters(const lab_source *src, cJSON *resource);
/* Which keys a detail level keeps for a collection of a type; NULL means
 * every key. level 0 or 1. */
const char *const *lab_inv_detail_keys(lab_src_type type, const char *collection, int level);

/* OpenShift collections read live from the store. */
cJSON *lab_inv_openshift_list(lab_store *store, const char *uid, const char *collection,
                              int detail, const char *ns, const char *name, int *code);
/* A normalized source VM from a KubeVirt VirtualMachine in the store. */
int lab_inv_openshift_vm(lab_store *store, const char *ns, const char *name, const char *uid,
                         lab_vm *vm, cJSON **workload);

#endif
