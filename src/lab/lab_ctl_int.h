/*
 * lab_ctl_int: the controller's private state and the helpers its
 * reconcilers share (lab_ctl*.c). Everything here runs on the controller
 * thread, except the queue, which store write hooks fill under `mu`.
 */
#ifndef MTV_LAB_CTL_INT_H
#define MTV_LAB_CTL_INT_H

#include <pthread.h>
#include <stdint.h>

#include "lab/lab_cond.h"
#include "lab/lab_ctl.h"
#include "util/clock.h"
#include "util/rand.h"
#include "util/strmap.h"

/* Work keys: "<tag>|<namespace>|<name>". */
#define KEY_PROVIDER 'P'
#define KEY_NETMAP 'N'
#define KEY_STORAGEMAP 'S'
#define KEY_HOOK 'H'
#define KEY_PLAN 'L'
#define KEY_MIGRATION 'M'
#define KEY_KUBEVIRT 'V' /* a VirtualMachine's power (lab_ctl_kubevirt.c) */
#define KEY_ALL 'A'     /* every Provider, map, Hook, Plan and Migration */

typedef struct timer_ent {
    int64_t due;
    char *key;
} timer_ent;

/* A VM of a running plan: when its current phase ends, and what it is
 * waiting for. */
typedef struct vm_rt {
    char *id;
    int64_t entered;           /* mono ms the current phase began */
    int64_t due;               /* mono ms it ends (INT64_MAX: waits for something) */
    int precopies;
    int64_t next_precopy;
    char *hook_job;            /* the Job of a running hook */
    lab_vm *at_start;          /* the source VM as the migration first read it */
} vm_rt;

typedef struct run_rt {
    char *plan_uid;
    char *migration_uid, *migration_name;
    vm_rt *vms;
    size_t nvms;
    char *cutover_seen;        /* Migration spec.cutover last seen */
    int pending;               /* VMs waiting for the in-flight limit at the last tick */
    long max_inflight;
    int64_t cutover_due;       /* mono ms; 0 = none yet */
    int64_t last_tick;
} run_rt;

typedef struct prov_rt {
    char *uid, *ns, *name;
    long long generation;
    char *secret_rv;
    int64_t ready_at;          /* mono ms the inventory is loaded */
    int connected;             /* 1 ok, -1 failed */
    char *error;
} prov_rt;

struct lab_ctl {
    lab_ctl_config cfg;
    char *ns;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int stop;
    int busy;
    char **queue;
    size_t nq, capq;
    strmap queued;
    timer_ent *timers;
    size_t ntimers, captimers;
    mtv_clock *clock;
    int own_clock;
    mtv_rand *rand;
    const lab_kind *k_provider, *k_netmap, *k_stomap, *k_hook, *k_plan, *k_migration, *k_fc,
        *k_secret, *k_ns, *k_vm, *k_vmi, *k_dv, *k_pvc, *k_pod, *k_job, *k_cm, *k_nad, *k_sc,
        *k_node;
    run_rt **runs;
    size_t nruns;
    strmap hooks;              /* "ns/job" -> the hook's outcome */
    strmap kvs;                /* "ns/name" -> the VirtualMachine's power state (kv_rt) */
    prov_rt *provs;
    size_t nprovs;
};

/* ---- lab_ctl.c: plumbing ---- */
int64_t ctl_now(lab_ctl *c);
/* A real-world duration in seconds, scaled by speed, in ms (at least 1). */
int64_t ctl_scaled(lab_ctl *c, double seconds);
void ctl_now_str(lab_ctl *c, char out[32]);
void ctl_enqueue(lab_ctl *c, char tag, const char *ns, const char *name);
void ctl_after(lab_ctl *c, char tag, const char *ns, const char *name, int64_t delay_ms);
/* The object, parsed (caller frees), or NULL. */
cJSON *ctl_get(lab_ctl *c, const lab_kind *k, const char *ns, const char *name);
/* Every object of a kind (ns NULL = all), parsed, as a JSON array. */
cJSON *ctl_list(lab_ctl *c, const lab_kind *k, const char *ns);
/* Replaces the status (consumed). Returns 1 when the object changed, 0
 * when the status was already that, -1 when the write failed. */
int ctl_write_status(lab_ctl *c, const lab_kind *k, const char *ns, const char *name,
                     cJSON *status);
/* Creates obj (consumed); *name_out (may be NULL) gets the name. */
int ctl_create(lab_ctl *c, const lab_kind *k, const char *ns, cJSON *obj, char **name_out);
int ctl_update(lab_ctl *c, const lab_kind *k, const char *ns, const char *name, cJSON *obj);
void ctl_delete(lab_ctl *c, const lab_kind *k, const char *ns, const char *name);
/* A ForkliftController setting in MTV's namespace (numbers may be strings). */
long ctl_fc_long(lab_ctl *c, const char *key, long dflt);
char *ctl_fc_str(lab_ctl *c, const char *key);
/* JSON helpers. */
const char *js(const cJSON *o, const char *key);          /* string member or "" */
const cJSON *jpath(const cJSON *o, const char *dotted);   /* nested member or NULL */
const char *jpath_str(const cJSON *o, const char *dotted);/* or "" */
cJSON *ctl_ref(const cJSON *obj);                           /* {namespace, name, uid, generation} */
/* metadata.ownerReferences naming one owner; controller adds "controller": true. */
cJSON *ctl_owner_refs(const char *api_version, const char *kind, const char *name, const char *uid,
                      int controller);

/* ---- reconcilers ---- */
void ctl_provider(lab_ctl *c, const char *ns, const char *name);
void ctl_map(lab_ctl *c, int network, const char *ns, const char *name);
void ctl_hook(lab_ctl *c, const char *ns, const char *name);
void ctl_plan(lab_ctl *c, const char *ns, const char *name);
void ctl_migration(lab_ctl *c, const char *ns, const char *name);

/* lab_ctl_provider.c */
const prov_rt *ctl_provider_state(lab_ctl *c, const char *uid);
/* A Ready provider by ref {name, namespace}: its object (caller frees) or
 * NULL, with *why set to the condition type that blocks. */
/* lab_inv_refresh_fn for the controller's inventory (ud = the lab_ctl). */
int ctl_provider_refresh(void *ud, const cJSON *provider, lab_source *out);
cJSON *ctl_provider_ready(lab_ctl *c, const cJSON *ref, const char *role, const char **why,
                          const char **reason);

/* lab_ctl_plan.c: validation into conditions */
void ctl_plan_validate(lab_ctl *c, const cJSON *plan, cJSON *conds);

/* lab_ctl_run.c: execution */
run_rt *ctl_run_find(lab_ctl *c, const char *plan_uid);
/* Starts, advances or finishes the plan's run; edits status.migration in
 * place (status is the plan's new status object). Returns the delay until
 * it wants to run again (ms), or -1 when nothing runs. */
int64_t ctl_run_step(lab_ctl *c, cJSON *plan, cJSON *status, int ready);
void ctl_run_forget(lab_ctl *c, const char *plan_uid);
/* Number of VMs in flight across all runs. */
int ctl_inflight(lab_ctl *c);

/* lab_ctl_target.c: what a migration creates in the target namespace */
typedef struct target_ctx {
    lab_ctl *c;
    const cJSON *plan;         /* the Plan */
    const cJSON *spec_vm;      /* its spec.vms[] entry */
    cJSON *vm_status;          /* status.migration.vms[] entry */
    const lab_vm *src;         /* the normalized source VM */
    lab_src_type src_type;
    const cJSON *migration;    /* the Migration (uid) */
    const char *target_ns;
} target_ctx;
/* The target VM name (targetName, the source name, or its sanitised form). */
void ctl_target_name(const target_ctx *t, strbuf *out);
int ctl_create_disks(target_ctx *t, mtv_err *err);
/* progress: 0..100 of the disk copy */
void ctl_disks_progress(target_ctx *t, int percent, const char *phase);
int ctl_create_vm(target_ctx *t, mtv_err *err);
/* The virt-v2v conversion Pod: created Running (done 0) or Succeeded (1). */
void ctl_conversion_pod(target_ctx *t, int done);
void ctl_delete_targets(target_ctx *t);
/* lab_ctl_serial.c: the SMBIOS serial of the target VM (firmware.serial):
 * the source uuid, or for vSphere on OpenShift 4.20 and later the
 * "VMware-XX XX ... XX-XX ... XX" form of it. */
void ctl_target_serial(const target_ctx *t, strbuf *out);
/* Renders a PVC name template with a VM's disk data (also used to
 * validate templates); returns 0 or -1 with err. */
int ctl_render_pvc_name(const char *tmpl, const cJSON *data, strbuf *out, mtv_err *err);
/* lab_ctl_guest.c: puts the guest facts (lab_guest.h) of the migrated VM,
 * with these status interfaces, in the annotations of metadata (the VM's
 * guest, which its instances copy). */
void ctl_guest_annotate(const target_ctx *t, cJSON *metadata, cJSON *interfaces);
/* lab_ctl_provider.c: reads a starting plan's vSphere source again. */
void ctl_plan_source_reread(lab_ctl *c, const cJSON *plan);

/* lab_ctl_kubevirt.c: VirtualMachine power */
/* Reconciles VM ns/name: creates or deletes its VMI per runStrategy and
 * stateChangeRequests, through Starting/Stopping (ctl_kubevirt) or at once
 * (ctl_kubevirt_now, for VMs the controller itself creates or powers). */
void ctl_kubevirt(lab_ctl *c, const char *ns, const char *name);
void ctl_kubevirt_now(lab_ctl *c, const char *ns, const char *name);
/* What VM ns/name's instances show (a VMI: metadata.annotations, status;
 * status.nodeName pins the node). Consumed. */
void ctl_kubevirt_guest(lab_ctl *c, const char *ns, const char *name, cJSON *vmi);
/* A schedulable worker node matching the selector (sorted by name), or NULL. */
char *ctl_pick_node(lab_ctl *c, const cJSON *selector);
void ctl_kubevirt_free(lab_ctl *c);
/* lab_ctl_volumes.c: the DataVolumes and PVCs of a VM's dataVolumeTemplates
 * (made when missing), and their collection once VM ns/vm_name is gone. */
void ctl_kubevirt_volumes(lab_ctl *c, const cJSON *vm, const char *ns);
void ctl_kubevirt_volumes_collect(lab_ctl *c, const char *ns, const char *vm_name);

/* lab_ctl_hook.c */
/* Starts the hook Job for step ("PreHook"/"PostHook"); *job gets its name.
 * workload (consumed, may be NULL) goes into the hook's ConfigMap. */
int ctl_hook_start(lab_ctl *c, const cJSON *plan, const cJSON *migration, const cJSON *spec_vm,
                   const char *vm_id, const char *step, cJSON *workload, char **job,
                   mtv_err *err);
/* Finishes it: 1 succeeded, 0 failed (*reason set, static or owned by c). */
int ctl_hook_finish(lab_ctl *c, const char *ns, const char *job, const char **reason);
void ctl_hooks_free(lab_ctl *c);
/* Whether a base64 playbook decodes and parses; *fails when a task fails. */
int ctl_playbook_check(const char *b64, int *fails, strbuf *why);

#endif
