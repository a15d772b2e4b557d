/*
 * driver: what carries out a scenario's steps, behind a small table of
 * functions, so the runner (selection, jobs, signals, incremental rule,
 * recording, results) is one piece of code whatever executes the steps:
 * the Forklift lifecycle in real runs and replays (runner/mtv_driver.c),
 * scripted fakes in the runner's own tests.
 *
 * Per scenario the runner calls begin, then step for each step of the
 * scenario's pattern that the driver implements (others are left out of the
 * run, and the log says which), then teardown (unless --skip-teardown), then
 * end. A step returns its verdict; err.msg is the one-line message and
 * detail the full text. Steps must honour ctx->cancel in every wait.
 */
#ifndef MTV_RUNNER_DRIVER_H
#define MTV_RUNNER_DRIVER_H

#include <cjson/cJSON.h>
#include <stdatomic.h>

#include "net/transport.h"
#include "runner/results.h"
#include "runner/select.h"
#include "util/err.h"
#include "util/ledger.h"
#include "util/progress.h"
#include "util/strbuf.h"

struct run_env;

/* One scenario's run, as the runner hands it to the driver. Borrowed. */
typedef struct scenario_ctx {
    const selected *sel;          /* scenario, test name, skip reason */
    const struct run_env *env;    /* the run's shared inputs */
    transport *t;                 /* the scenario's own transport (live, record or replay) */
    ledger *ledger;               /* resources.json, shared by the run */
    atomic_int *cancel;           /* non-zero once the run is interrupted or timed out */
    progress_sink progress;       /* per-VM migration progress */
} scenario_ctx;

typedef struct runner_driver {
    void *ud;
    /* 1 when the driver carries out this step. "prepare" (creating the
     * session's namespace, providers, ...) runs first when implemented. */
    int (*implements)(void *ud, const char *step);
    /* Sets up per-scenario state; no I/O needed. -1 fails every step (error). */
    int (*begin)(void *ud, scenario_ctx *ctx, void **state, mtv_err *err);
    /* One step: STEP_PASSED, STEP_FAILED or STEP_ERROR (err.msg says why;
     * detail may hold more), or STEP_SKIPPED (err.msg: the reason). */
    enum step_status (*step)(void *ud, void *state, const char *step, strbuf *detail,
                             mtv_err *err);
    /* Removes what the scenario created. Returns how many objects are left
     * behind (listed in leftovers, one per line), or -1 on error. */
    long (*teardown)(void *ud, void *state, strbuf *leftovers, mtv_err *err);
    /* Frees the state. */
    void (*end)(void *ud, void *state);
    /* Optional (NULL): what the scenario observed besides verdicts, called
     * after its steps and before teardown. An object (the caller's) whose
     * keys become keys of the scenario in results.json, masked through the
     * secret registry (source_vms_data), or NULL for nothing. */
    cJSON *(*data)(void *ud, void *state);
} runner_driver;

#endif
