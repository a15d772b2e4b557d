/*
 * check_step: the check_vms step of the MTV driver (and the verifications
 * that are single checks of the table, such as verify_xfs_version), as
 * upstream's check_vms runs it: for every plan VM re-read the source
 * through its provider adapter, read the migrated VM from KubeVirt, run the
 * applicable checks (src/checks), and fail the step once with every
 * message of every VM.
 *
 * The step's log lists, per VM, which checks ran (and which their gates
 * left out), so the JUnit test case shows them in its system-out.
 */
#ifndef MTV_RUNNER_CHECK_STEP_H
#define MTV_RUNNER_CHECK_STEP_H

#include <stdatomic.h>

#include "config/providers.h"
#include "config/settings.h"
#include "k8s/client.h"
#include "mtv/session.h"
#include "runner/results.h"

typedef struct check_step_ctx {
    k8s_client *k8s;                 /* over t */
    transport *t;
    const settings *set;
    const provider_entry *provider;  /* the source entry: adapter and guest login */
    const cJSON *params;             /* the scenario's params */
    const char *storage_class;
    mtv_session *session;            /* after migrate: its facts and its source access */
    atomic_int *cancel;              /* the run's cancel flag, or NULL */
} check_step_ctx;

/* Runs the checks named in only (NULL = every check of check_vms). Returns
 * STEP_PASSED, STEP_FAILED (err.msg: the one-line failure; detail: one line
 * per message) or STEP_ERROR (nothing could be checked; err says why). When
 * the cancel flag is set on the way (SIGINT), every wait (VM status, guest
 * agent, SSH retries, static IP retries) ends at once and the step is
 * STEP_ERROR "cancelled: ..." with what was found so far in detail. */
enum step_status runner_check_step(const check_step_ctx *c, const char *const *only,
                                   strbuf *detail, mtv_err *err);

#endif
