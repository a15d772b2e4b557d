/*
 * session_int: the session's state and helpers shared by its files
 * (session.c: life cycle and helpers; session_prepare.c; session_maps.c;
 * session_run.c: plan and migration; shared.c: run-wide state). Not for
 * use outside src/mtv/.
 */
#ifndef MTV_MTV_SESSION_INT_H
#define MTV_MTV_SESSION_INT_H

#include "mtv/crs.h"
#include "mtv/inventory.h"
#include "mtv/session.h"

struct mtv_session {
    mtv_session_config cfg;
    k8s_client *k8s;
    transport *t;
    mtv_shared *shared;
    enum provider_type type;
    const char *type_name;
    const char *mtv_ns;
    strbuf session, base, ns, vm_ns, multus_ns, nad_base, rand4;
    strbuf secret, provider, dest, dest_secret, offload_secret;
    strbuf storagemap, networkmap, pre_hook, post_hook, plan, migration, migration_uid;
    mtv_inventory *inv;
    strbuf inv_url, pid;
    cJSON *vms;               /* the scenario VMs' inventory records, in scenario order */
    mtv_plan_vm *plan_vms;
    size_t n_vms;
    char **owned;             /* strings plan_vms point at */
    size_t n_owned;
    strbuf source_ca;         /* the source server's chain, as the Provider Secret trusts it */
    strbuf ocp_src_ns;        /* an OpenShift source's VM namespace ("" = the adapter's default) */
    strbuf ocp_src_net;       /* "ns/name" of the NAD new OpenShift source VMs also attach to */
    size_t nads_made;         /* NADs (1..n of nad_base) already made by prepare */
    struct prepared_vm *source_vms;   /* the prepared source VMs (source_vms_data) */
    size_t n_source_vms;
    struct source_provider *teardown_source;   /* opened when teardown deletes clones */
    int precopy_held;
    int prepared;
};

/* Creates obj (consumed) after recording it in the ledger; an object that
 * already exists under that name (a retried create) is read back instead.
 * *out (may be NULL) receives the object. */
int mtv_session_create(mtv_session *s, const k8s_kind *k, cJSON *obj, cJSON **out, mtv_err *err);

/* Creates the namespace unless it exists, recording it only when created. */
int mtv_session_ensure_namespace(mtv_session *s, const char *name, mtv_err *err);

/* Waits up to timeout_ms for pred over the object (watching, in slices, so
 * the cancel flag is honoured). Returns 0 when pred said done,
 * MTV_STEP_FAILED when it gave up (pred -1) or the time ran out (err names
 * what was awaited; detail gets the last seen object's conditions), -1 when
 * cancelled or the API failed. what: "to be Ready". */
int mtv_session_wait(mtv_session *s, const k8s_kind *k, const char *ns, const char *name,
                     k8s_pred_fn pred, void *ud, int64_t timeout_ms, const char *what,
                     strbuf *detail, mtv_err *err);

/* Keeps a string for the session's lifetime and returns it. */
const char *mtv_session_keep(mtv_session *s, const char *str);

int mtv_session_cancelled(mtv_session *s, mtv_err *err);

/* session_node.c: labels a worker node for target_node_selector (0 when the
 * scenario sets none), recorded for teardown as a NodeLabel entry. */
int mtv_session_label_node(mtv_session *s, mtv_err *err);

/* session_source.c: prepares the scenario's source VMs into s->source_vms;
 * deletes one source-side ledger entry (an mtv_source_delete_fn, ud = s). */
int mtv_session_prepare_sources(mtv_session *s, mtv_err *err);
int mtv_session_source_delete(void *ud, const ledger_entry *e, mtv_err *err);

/* shared.c */
int mtv_shared_precopy_acquire(mtv_session *s, long minutes, mtv_err *err);
void mtv_shared_precopy_release(mtv_session *s);

#endif
