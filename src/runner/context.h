/*
 * context: what a recorded scenario needs to be replayed without the
 * original files or credentials, stored in its cassette as run variables.
 *
 *   run.context   the scenario file as it ran (overrides applied), the
 *                 settings, the providers entry and its key (with the entry
 *                 an ESXi entry clones through, clone_provider), the storage
 *                 class, the cluster's server URL and the known-issue xfail
 *                 reason the run gave the scenario, all masked: a secret
 *                 appears only as its "<redacted:LABEL>" placeholder, which
 *                 is also what the recorded requests hold in its place;
 *   run.verdicts  the scenario's step verdicts, for replay to compare with.
 *
 * Replay restores a catalog folder and a providers file from run.context and
 * runs the scenario through the same code as the live run.
 */
#ifndef MTV_RUNNER_CONTEXT_H
#define MTV_RUNNER_CONTEXT_H

#include <cjson/cJSON.h>

#include "runner/run.h"

#define RUN_CONTEXT_VAR "run.context"
#define RUN_VERDICTS_VAR "run.verdicts"
#define RUN_CONTEXT_FORMAT "mtv-run-context/1"

/* The masked context of one scenario of a run (caller frees); xfail is the
 * item's known-issue xfail reason, or NULL. */
char *run_context_text(const run_env *env, const selected *sel, const char *xfail);
/* The verdicts of a finished scenario (caller frees). */
char *run_verdicts_text(const scenario_result *s);

/* What a restored context gives back; strings owned (run_context_free). */
typedef struct run_context {
    char *scenario;         /* catalog key */
    char *test_name;
    char *provider_key;     /* may be NULL */
    char *storage_class;    /* may be NULL */
    char *server;           /* the cluster API URL recorded, may be NULL */
    char *cluster_namespace;
    char *xfail;            /* the run's known-issue xfail reason, or NULL */
} run_context;

/* Parses a context and writes <dir>/catalog/settings.json (first call only,
 * when absent), <dir>/catalog/<scenario>.json and, when the context names a
 * provider, adds it to <dir>/providers.json. Errors name the cassette. */
int run_context_restore(const char *text, const char *cassette, const char *dir, run_context *out,
                        mtv_err *err);
void run_context_free(run_context *c);

/* Adds a recorded scenario's verdicts to r (as results_read would). */
int run_verdicts_add(run_results *r, const char *text, const char *cassette, mtv_err *err);

#endif
