/*
 * status: reading what the Forklift controllers wrote into .status, as pure
 * functions over the objects (no I/O), so every rule is unit-tested against
 * real captured objects (shared/reference/forklift-cr-samples).
 *
 * Rules (research/forklift.md §2.2, §4.4-4.6, §5, §8; upstream §5.7-5.8):
 *  - a Provider is ready when its Ready condition is True and
 *    observedGeneration has caught up; it is broken when its phase is
 *    ConnectionFailed (upstream stops waiting there);
 *  - a Plan is ready the same way; when it is not, the Critical and Error
 *    conditions say why;
 *  - a Plan's run is over when it carries an Advisory Succeeded, Failed or
 *    Canceled condition that is True, and it belongs to our Migration when
 *    the last status.migration.history entry names that Migration's uid;
 *  - a VM failed at the first pipeline step that carries an error; its
 *    reasons are that step's (else the VM's) error reasons.
 *
 * Ownership: strings in mtv_vm_status point into the object passed in, which
 * must outlive them; reasons is owned (mtv_status_vms_free).
 */
#ifndef MTV_MTV_STATUS_H
#define MTV_MTV_STATUS_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/* 1 ready, 0 not yet, -1 broken (phase ConnectionFailed); why gets the
 * conditions that explain a 0 or -1. */
int mtv_status_provider(const cJSON *provider, strbuf *why);

/* 1 ready, 0 not yet (why: the blocking Critical/Error conditions, or that
 * the controller has not caught up with the latest generation). */
int mtv_status_ready(const cJSON *obj, strbuf *why);

/* One line per condition: "Type=True [category] reason: message", each
 * followed by its items ("    - ...", at most 10), plus the phase and
 * generations, for diagnostics on a timeout. */
void mtv_status_describe(const cJSON *obj, strbuf *out);

enum mtv_exec {
    MTV_EXEC_WAITING = 0,   /* our Migration has not started on the Plan yet */
    MTV_EXEC_RUNNING,
    MTV_EXEC_SUCCEEDED,
    MTV_EXEC_FAILED,
    MTV_EXEC_CANCELED,
};
const char *mtv_exec_name(enum mtv_exec e);

/* The state of the Plan's run for the Migration with uid migration_uid
 * (NULL: whatever run the Plan shows). */
enum mtv_exec mtv_status_exec(const cJSON *plan, const char *migration_uid);

typedef struct mtv_vm_status {
    const char *id;
    const char *name;
    const char *phase;          /* itinerary phase, "Completed" at the end */
    const char *step;           /* the step in progress (or the last one done) */
    int64_t completed, total;   /* that step's progress */
    const char *unit;           /* "MB" for disk steps, else NULL */
    const char *outcome;        /* "Succeeded", "Failed", "Canceled" or NULL */
    const char *failed_step;    /* the first step with an error, else NULL */
    char *reasons;              /* "; "-joined error reasons, or NULL */
} mtv_vm_status;

/* The VMs of plan.status.migration.vms[]. Returns the count; *out is an
 * owned array (mtv_status_vms_free). */
size_t mtv_status_vms(const cJSON *plan, mtv_vm_status **out);
void mtv_status_vms_free(mtv_vm_status *v, size_t n);

/* One line per VM that did not succeed: "VM web-01 (vm-2958) failed at step
 * DiskTransfer (phase CopyDisks): <reasons>". Returns the number of lines. */
size_t mtv_status_failures(const cJSON *plan, strbuf *out);

/* Upstream's expected-failure rule: 1 when every VM failed and each failed
 * at step (e.g. "PostHook"); else 0 with why naming the VMs that did not. */
int mtv_status_all_failed_at(const cJSON *plan, const char *step, strbuf *why);

#endif
