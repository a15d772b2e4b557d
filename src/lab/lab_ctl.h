/*
 * lab_ctl: the simulated MTV controller. It watches the store and writes
 * status the way Forklift's controllers do (forklift.md sections 2-10 and
 * the section 12 checklist): Provider phases and conditions (registering
 * each connected provider's inventory with lab_inv), map references and
 * validity, Hook validity, Plan validation and Ready, Migration runs with
 * history snapshots, per-VM itineraries and pipelines for cold and warm
 * migrations, hooks run as Jobs and Pods, the in-flight limit, cancel, and
 * on VM creation the target VirtualMachine, its DataVolumes and PVCs and a
 * running VirtualMachineInstance. Beside Forklift it plays KubeVirt's
 * virt-controller for power: every VirtualMachine's runStrategy and start/
 * stop requests decide whether its instance exists (lab_ctl_kubevirt.c).
 *
 * It writes status only through the status subresource and never touches
 * spec; the only metadata it writes is what the real controller writes
 * (the Plan ownerReference on Migrations).
 *
 * Time: every delay is the real controller's (3 s requeues, minutes of
 * disk copy and conversion, precopies every controller_precopy_interval
 * minutes) divided by `speed`, so speed 100 runs a cold migration in about
 * a second. A warm cutover time is honoured as the delay between seeing it
 * and that time, divided by speed.
 *
 * One controller thread does all reconciling; store write hooks only
 * queue work. Ownership: the controller borrows everything in its config.
 */
#ifndef MTV_LAB_CTL_H
#define MTV_LAB_CTL_H

#include "lab/lab_faults.h"
#include "lab/lab_inv.h"
#include "lab/lab_store.h"
#include "lab/lab_world.h"
#include "util/clock.h"
#include "util/err.h"

/* Collects a source for a Provider that is not served from the world
 * (vSphere through a real vcsim): fills *src or returns -1 with err (the
 * connection test failure the Provider reports). cacert is the secret's
 * "cacert" (PEM) or NULL. */
typedef int (*lab_collect_fn)(void *ud, const cJSON *provider, const char *url,
                              const char *user, const char *password, const char *cacert,
                              int insecure, lab_source *src, mtv_err *err);
/* Powers a source VM on or off (a migration's PowerOffSource); the
 * controller has already updated the inventory. */
typedef int (*lab_power_fn)(void *ud, const cJSON *provider, const lab_vm *vm, int on,
                            mtv_err *err);

/* Applies a VM's "source" fault (lab_faults_vm_source) to the source
 * platform when the migration stops the VM (PowerOffSource). */
typedef int (*lab_touch_fn)(void *ud, const cJSON *provider, const lab_vm *vm,
                            const cJSON *fault, mtv_err *err);

/* A copy of a world source as it is now (power states applied); 0 or -1. */
typedef int (*lab_source_fn)(void *ud, lab_src_type type, lab_source *out);

typedef struct lab_ctl_config {
    lab_store *store;
    lab_inv *inv;
    const lab_world *world;
    lab_faults *faults;            /* NULL = none */
    double speed;                  /* >= 0.001; 1 = real time */
    const char *namespace;         /* MTV's namespace; NULL = "openshift-mtv" */
    /* credentials the world's sources accept, per lab_src_type (NULL = any) */
    const char *users[LAB_SRC_COUNT];
    const char *passwords[LAB_SRC_COUNT];
    lab_collect_fn collect;        /* vSphere providers when set */
    void *collect_ud;
    lab_power_fn power;
    void *power_ud;
    lab_touch_fn touch;            /* NULL = "source" faults do nothing */
    void *touch_ud;
    lab_source_fn source;          /* NULL = copy the world's sources as loaded */
    void *source_ud;
    const char *self_url;          /* the lab's URL: remote OpenShift providers pointing here */
    mtv_clock *clock;              /* borrowed; shared with lab_inv; NULL = a real clock of its own */
} lab_ctl_config;

typedef struct lab_ctl lab_ctl;

lab_ctl *lab_ctl_new(const lab_ctl_config *cfg);
/* Subscribes to the store and starts the controller thread. */
int lab_ctl_start(lab_ctl *c, mtv_err *err);
/* Stops the thread (pending work is dropped). Safe to call twice. */
void lab_ctl_stop(lab_ctl *c);
void lab_ctl_free(lab_ctl *c);

/* What the instances of VirtualMachine metadata.namespace/metadata.name
 * show when KubeVirt's power reconciler starts it (a VMI; its annotations
 * and status count). Before lab_ctl_start only. vmi is copied. */
void lab_ctl_guest(lab_ctl *c, const cJSON *vmi);

/* Waits until the controller has no queued work due now (tests). */
void lab_ctl_settle(lab_ctl *c, int timeout_ms);

#endif
