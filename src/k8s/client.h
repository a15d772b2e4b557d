/*
 * client: the Kubernetes REST client the validator uses for every cluster
 * object (Forklift kinds, KubeVirt VMs, namespaces, secrets, pods, PVCs, ...).
 *
 * Every request goes through the scenario's transport (net/transport.h) with
 * upstream "kubernetes", so it is recorded and replayable; waits use the
 * transport's clock, so a replayed one-hour wait is instant. A client is cheap:
 * make one per scenario over that scenario's transport.
 *
 * Objects are cJSON trees in the API's own JSON. Errors carry the API
 * server's Status message and reason, prefixed with the kind, namespace and
 * name ("Plan mtv/p1: 422 Invalid: spec.vms: Required value").
 *
 * Return values: 0 = done, K8S_NOT_FOUND / K8S_CONFLICT / K8S_EXISTS where
 * documented (err also filled, for callers that treat them as errors),
 * -1 = any other failure.
 *
 * Namespaces: for a namespaced kind, ns NULL in a single-object call means
 * the object's metadata.namespace (create, replace), else the context's
 * namespace; cluster-scoped kinds ignore ns. Writes name the field manager
 * "mtv-validate". Ownership: every cJSON handed out through *out is the
 * caller's (cJSON_Delete); objects passed in are only read. A client holds
 * no mutable state, so several threads may use one at once.
 */
#ifndef MTV_K8S_CLIENT_H
#define MTV_K8S_CLIENT_H

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdint.h>

#include "k8s/kubeconfig.h"
#include "net/transport.h"
#include "util/err.h"

enum { K8S_NOT_FOUND = 1, K8S_CONFLICT = 2, K8S_EXISTS = 3 };

/* A resource type. Well-known kinds are provided below. */
typedef struct k8s_kind {
    const char *group;         /* "" for the core group */
    const char *version;       /* "v1", "v1beta1" */
    const char *kind;          /* "Plan" */
    const char *plural;        /* "plans" */
    int namespaced;
} k8s_kind;

extern const k8s_kind K8S_NAMESPACE, K8S_SECRET, K8S_CONFIGMAP, K8S_POD, K8S_NODE, K8S_SERVICE,
    K8S_SERVICEACCOUNT, K8S_EVENT, K8S_PVC, K8S_PV, K8S_STORAGECLASS, K8S_ROUTE,
    K8S_CLUSTERVERSION, K8S_SUBSCRIPTION, K8S_CSV, K8S_CLUSTERROLEBINDING, K8S_NAD,
    K8S_DATAVOLUME, K8S_VM, K8S_VMI, K8S_PROVIDER, K8S_NETWORKMAP, K8S_STORAGEMAP, K8S_PLAN,
    K8S_MIGRATION, K8S_HOOK, K8S_HOST, K8S_FORKLIFTCONTROLLER, K8S_CONVERSION;

typedef struct k8s_client k8s_client;

/* Borrows kc and t, which must outlive the client. */
int k8s_client_new(k8s_client **out, const kube_config *kc, transport *t, mtv_err *err);
void k8s_client_free(k8s_client *c);
transport *k8s_client_transport(k8s_client *c);
const kube_config *k8s_client_config(const k8s_client *c);

/* Raw GET of an API path ("/version", "/apis/...") into *out. A 2xx body
 * that is not JSON ("/readyz" answers "ok") comes back as a JSON string. */
int k8s_get_raw(k8s_client *c, const char *path, cJSON **out, mtv_err *err);

/* GET one object. K8S_NOT_FOUND when absent. */
int k8s_get(k8s_client *c, const k8s_kind *k, const char *ns, const char *name, cJSON **out,
            mtv_err *err);

typedef struct k8s_list_opts {
    const char *label_selector;
    const char *field_selector;
    long limit;                 /* page size; 0 = server default. Pages are followed. */
} k8s_list_opts;

/* LIST (ns NULL = all namespaces for namespaced kinds). *out is the List
 * object with every page's items merged; its metadata.resourceVersion is the
 * last page's. */
int k8s_list(k8s_client *c, const k8s_kind *k, const char *ns, const k8s_list_opts *o, cJSON **out,
             mtv_err *err);

/* POST. K8S_EXISTS on 409 AlreadyExists. *out (may be NULL) = the created object. */
int k8s_create(k8s_client *c, const k8s_kind *k, const char *ns, const cJSON *obj, cJSON **out,
               mtv_err *err);

enum k8s_patch_type { K8S_PATCH_MERGE, K8S_PATCH_JSON };

/* PATCH (subresource NULL, or "status"). */
int k8s_patch(k8s_client *c, const k8s_kind *k, const char *ns, const char *name,
              enum k8s_patch_type type, const cJSON *patch, const char *subresource, cJSON **out,
              mtv_err *err);

/* PUT with the object's resourceVersion. K8S_CONFLICT on 409. */
int k8s_replace(k8s_client *c, const k8s_kind *k, const char *ns, const char *name, const cJSON *obj,
                const char *subresource, cJSON **out, mtv_err *err);

/* Read-modify-write with conflicts retried on a fresh read: mutate changes
 * obj in place and returns 0 (write), 1 (nothing to change) or -1 (abort). */
typedef int (*k8s_mutate_fn)(void *ud, cJSON *obj, mtv_err *err);
int k8s_update(k8s_client *c, const k8s_kind *k, const char *ns, const char *name,
               k8s_mutate_fn mutate, void *ud, mtv_err *err);

/* DELETE with propagationPolicy ("Background", "Foreground", "Orphan", or
 * NULL). K8S_NOT_FOUND when already gone. */
int k8s_delete(k8s_client *c, const k8s_kind *k, const char *ns, const char *name,
               const char *propagation, mtv_err *err);

/* Waits (by watching) until the object is gone; 0, or -1 on timeout with
 * a message naming the object and its deletionTimestamp/finalizers. */
int k8s_wait_deleted(k8s_client *c, const k8s_kind *k, const char *ns, const char *name,
                     int64_t timeout_ms, mtv_err *err);
/* The same, ended with a "cancelled" error once *cancel (may be NULL) is set. */
int k8s_wait_deleted_cancel(k8s_client *c, const k8s_kind *k, const char *ns, const char *name,
                            int64_t timeout_ms, atomic_int *cancel, mtv_err *err);

/* Watch events: type is "ADDED", "MODIFIED", "DELETED" (BOOKMARKs are
 * handled inside). Return 0 to continue, 1 to stop (success), -1 to stop
 * with err set. */
typedef int (*k8s_watch_fn)(void *ud, const char *type, const cJSON *obj, mtv_err *err);

typedef struct k8s_watch_opts {
    const char *label_selector;
    const char *field_selector;      /* e.g. "metadata.name=p1" */
    const char *resource_version;    /* NULL: list first and deliver current objects as ADDED */
    int64_t timeout_ms;              /* overall; 0 = none */
    atomic_int *cancel;              /* borrowed, may be NULL: once non-zero the watch stops at
                                        once (the open stream too), failing "cancelled" */
} k8s_watch_opts;

/* Watches with bookmarks; a dropped stream resumes from the last seen
 * resourceVersion, a 410 Gone relists (delivering the current objects as
 * ADDED again). Returns 0 when cb stopped with 1, -1 on error or timeout
 * (the message says which, and what was last seen). */
int k8s_watch(k8s_client *c, const k8s_kind *k, const char *ns, const k8s_watch_opts *o,
              k8s_watch_fn cb, void *ud, mtv_err *err);

/* Waits for one object to satisfy pred (1 = done, 0 = not yet, -1 = failed
 * with err set, e.g. a stop condition such as ConnectionFailed), by watching
 * with a field selector on its name. A missing object counts as "not yet".
 * On timeout the message includes what describe (may be NULL) says about the
 * last seen object. */
typedef int (*k8s_pred_fn)(void *ud, const cJSON *obj, mtv_err *err);
typedef void (*k8s_describe_fn)(void *ud, const cJSON *obj, strbuf *out);
int k8s_wait_for(k8s_client *c, const k8s_kind *k, const char *ns, const char *name,
                 k8s_pred_fn pred, k8s_describe_fn describe, void *ud, int64_t timeout_ms,
                 mtv_err *err);
/* The same wait, given up at once (-1, "cancelled: ...", exit class 3) when
 * *cancel becomes non-zero, e.g. the run's cancel flag on SIGINT. cancel may
 * be NULL. */
int k8s_wait_for_cancel(k8s_client *c, const k8s_kind *k, const char *ns, const char *name,
                        k8s_pred_fn pred, k8s_describe_fn describe, void *ud, int64_t timeout_ms,
                        atomic_int *cancel, mtv_err *err);

/* Helpers over objects. */
const char *k8s_obj_str(const cJSON *obj, const char *dotted_path);   /* "metadata.name" */
/* The member at a dotted path (a segment of digits indexes an array), or NULL. */
const cJSON *k8s_obj_get(const cJSON *obj, const char *dotted_path);
/* The condition of that type in status.conditions, or NULL. */
const cJSON *k8s_condition(const cJSON *obj, const char *type);
/* 1 when condition type has status "True" (and, for objects with
 * observedGeneration, status.observedGeneration == metadata.generation). */
int k8s_condition_true(const cJSON *obj, const char *type);

#endif
