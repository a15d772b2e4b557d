/*
 * run: carrying out selected scenarios: jobs, recording, the incremental
 * rule, interruption, teardown, and the output folder.
 *
 * Each scenario gets its own transport (so its own cassette, clock, seed and
 * generated names), its own log (RUN_DIR/<scenario>/scenario.log, also in its
 * bundle) and, through the driver, its own namespace. Up to `jobs` scenarios
 * run at once, the longest expected started first (runner_start_order);
 * results keep selection order whatever finishes first.
 *
 * Steps are test cases with upstream's incremental rule: once a step fails or
 * errors, the later steps of its group are xfailed "previous step failed
 * (<step>)". A skipped scenario (upstream's gating, or an item skipped by
 * known-issue gating) gets every step skipped with the reason and touches
 * nothing. Jira links are not looked at here: the caller decides them
 * (reporters/jira_gate.h) and sets the item's skip or xfail.
 *
 * Interruption: with handle_signals, the first SIGINT or SIGTERM (or the run
 * timeout) sets the cancel flag: running steps stop at their next wait,
 * remaining steps are skipped "run interrupted", teardown still runs,
 * cassettes and results are finalised. A second signal exits at once with
 * 128+signal, leaving resources.json (always current) for `cleanup`.
 *
 * Progress: RUN_START, SCENARIO_START, STEP_START, STEP_END, SCENARIO_END
 * and the driver's PROGRESS_VM events go to o->progress (util/progress.h);
 * VM events are also logged, so each scenario's log keeps them.
 *
 * The folder (o->out_dir, created by the caller):
 *   results.json  junit.xml  resources.json
 *   cassettes/<scenario>.tar               (record)
 *   <scenario>/scenario.log, journal.ndjson  (journal removed once bundled)
 * results.json is rewritten after every scenario, so a killed run keeps the
 * verdicts of the scenarios it finished.
 */
#ifndef MTV_RUNNER_RUN_H
#define MTV_RUNNER_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "config/providers.h"
#include "config/settings.h"
#include "net/transport.h"
#include "runner/catalog.h"
#include "runner/driver.h"
#include "runner/results.h"
#include "runner/select.h"
#include "util/progress.h"

struct kube_config;

/* What every scenario of a run shares. Borrowed. */
typedef struct run_env {
    const catalog *cat;
    const settings *set;
    const provider_entry *provider;      /* NULL when the driver needs none */
    const char *provider_key;
    const char *storage_class;
    const struct kube_config *kc;        /* the cluster (NULL in tests) */
    void *shared;                        /* the driver's run-wide state, or NULL */
    const providers_file *providers;     /* the whole file (an ESXi entry's clone_provider), or NULL */
} run_env;

typedef struct run_item {
    const selected *sel;
    const char *cassette;                /* replay: the scenario's bundle */
    const char *skip;                    /* skip it with this reason (known-issue gating); else
                                            sel->skip applies */
    const char *xfail;                   /* run it expecting failure (an open linked issue):
                                            failed and errored steps become xfailed with this
                                            reason, passed ones xpassed */
} run_item;

typedef struct run_options {
    const char *out_dir;
    enum transport_mode mode;            /* live, record or replay */
    int jobs;                            /* >= 1 */
    int64_t timeout_ms;                  /* the whole run, 0 = none */
    int skip_teardown;
    int handle_signals;                  /* CLI: SIGINT/SIGTERM handling as above */
    int quiet_progress;                  /* per-VM progress lines at debug level, not info */
    progress_sink progress;              /* run, scenario, step and VM events (a console); may be empty */
    const char *run_id;
} run_options;

typedef struct run_outcome {
    int signal;                          /* the signal that interrupted the run, or 0 */
    int timed_out;
    size_t leftovers;                    /* objects teardown could not remove */
    size_t bundle_errors;                /* cassettes that could not be written */
    size_t diverged;                     /* replay: scenarios whose requests had no recording */
} run_outcome;

/* Runs items (in order of results), filling res (created by the caller with
 * the run id). Returns 0 when the run could be carried out (whatever the
 * verdicts), -1 when it could not start (err). */
int runner_run(const run_env *env, const run_item *items, size_t n, const runner_driver *d,
               const run_options *o, run_results *res, run_outcome *oc, mtv_err *err);

/* The exit code of a finished run: 128+signal when interrupted; 4 when a
 * replay diverged; 3 when objects were left behind or a cassette could not be
 * written; else results_exit_code (1 when a step failed or errored). */
int runner_exit_code(const run_results *res, const run_outcome *oc);

/* The steps a scenario runs with driver d, in order: "prepare" (when
 * implemented) and the pattern's steps the driver implements. Fills names
 * (up to max) and returns the count; left_out lists the pattern steps the
 * driver does not carry out ("a, b"). */
size_t runner_steps(const scenario *sc, const runner_driver *d, const char **names,
                    const step_def **defs, size_t max, strbuf *left_out);

/* The order in which jobs start the items (indices into items, all of them,
 * into order[n]): the longest expected first (skipped ones last, then warm
 * before cold, more VMs first, else selection order; start_order.c says
 * why). runner_run uses it when jobs > 1; results keep selection order. */
void runner_start_order(const run_item *items, size_t n, size_t *order);
/* 1 when a and b migrate one same source VM as it is (set's
 * skip_source_clone, or a scenario's skip_clone), so they must not run at
 * once: runner_run starts the next item in start order that conflicts with
 * none running, and waits when every item left does. */
int runner_items_conflict(const run_item *a, const run_item *b, const settings *set);

/* Deterministic shard: 1 when the i-th selected scenario (0-based, selection
 * order) belongs to shard index (1-based) of count. */
int runner_in_shard(size_t i, int index, int count);
/* Parses "I/N" (1 <= I <= N). */
int runner_shard_parse(const char *text, int *index, int *count, mtv_err *err);

#endif
