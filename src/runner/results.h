/*
 * results: what a run found, as data. The runner fills it (steps as test
 * cases, upstream's incremental rule), reporters read it (console, JUnit,
 * Jira), and `replay` compares the verdicts of two of them.
 *
 * One run_results holds scenario results, each an ordered list of step
 * results. Scenarios may run in parallel jobs: results_add_scenario and the
 * step functions lock the run; a scenario_result itself is only written by the
 * job running that scenario. The whole tree serialises to and from JSON
 * (results.json in the output folder), which is also how a replay learns the
 * recorded verdicts.
 *
 * Ownership: the run owns every scenario, step and string in it; strings
 * passed in are copied. Pointers to scenarios stay valid until results_free.
 */
#ifndef MTV_RUNNER_RESULTS_H
#define MTV_RUNNER_RESULTS_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/strbuf.h"

enum step_status {
    STEP_PASSED,
    STEP_FAILED,    /* the step ran and an assertion failed */
    STEP_ERROR,     /* the step could not run: infrastructure, timeout of a dependency */
    STEP_SKIPPED,   /* not run: gating, a linked Jira issue with run=false */
    STEP_XFAILED,   /* expected failure: previous step failed, or a linked open issue */
    STEP_XPASSED,   /* expected to fail but passed */
};

const char *step_status_name(enum step_status st);   /* "passed", "failed", ... */
int step_status_parse(const char *name, enum step_status *out);

typedef struct step_result {
    char *name;          /* step name from the pattern: "storagemap", "check_vms" */
    char *test_name;     /* "<step>-<provider>-<storage_class>" */
    enum step_status status;
    char *message;       /* one line: failure message, skip or xfail reason; may be NULL */
    char *detail;        /* full failure text (multi-line); may be NULL */
    char *log;           /* the step's log lines; may be NULL */
    int64_t started_ms;  /* wall clock, ms since epoch */
    double seconds;
} step_result;

typedef struct kv_pair {
    char *key;
    char *value;
} kv_pair;

typedef struct scenario_result {
    char *scenario;      /* catalog key: "test_sanity_cold_mtv_migration" */
    char *test_name;     /* "<scenario>-<provider>-<storage_class>" */
    char *file;          /* scenario file, for JUnit's file attribute; may be NULL */
    char *cassette;      /* path of the scenario's bundle; may be NULL */
    step_result *steps;
    size_t n_steps;
    int64_t started_ms;
    double seconds;
    /* what the scenario observed besides verdicts, one results.json key of
     * the scenario each (source_vms_data: the source VMs' records); an
     * object, or NULL. Not verdicts: results_compare ignores it. */
    cJSON *data;
} scenario_result;

typedef struct run_results {
    char *run_id;
    int64_t started_ms;
    double seconds;
    kv_pair *props;      /* ordered: provider, provider_version, storage_class, mtv_version, cluster, ... */
    size_t n_props;
    scenario_result **scenarios;
    size_t n_scenarios;
    pthread_mutex_t lock;
} run_results;

typedef struct results_counts {
    size_t passed, failed, errors, skipped, xfailed, xpassed, total;
} results_counts;

run_results *results_new(const char *run_id, int64_t started_ms);
void results_free(run_results *r);

/* Sets (or replaces) a run property; value NULL removes it. */
void results_set_prop(run_results *r, const char *key, const char *value);
const char *results_get_prop(const run_results *r, const char *key);

/* Appends a scenario and returns it (owned by r). */
scenario_result *results_add_scenario(run_results *r, const char *scenario, const char *test_name,
                                      const char *file);
void scenario_set_cassette(scenario_result *s, const char *path);
/* Sets (replaces) the scenario's data key to value, which s takes over
 * (value NULL removes it). Keys naming a results.json field of the scenario
 * itself ("steps", ...) are refused with -1. */
int scenario_set_data(scenario_result *s, const char *key, cJSON *value);

/* Appends a finished step. message/detail/log may be NULL. Returns it. */
step_result *scenario_add_step(scenario_result *s, const char *name, const char *test_name,
                               enum step_status status, const char *message, const char *detail,
                               const char *log, int64_t started_ms, double seconds);

/* The first step that failed or errored, or NULL (upstream's incremental
 * rule: later steps become xfail "previous step failed (<name>)"). */
const step_result *scenario_first_failure(const scenario_result *s);

results_counts results_count(const run_results *r);
/* Exit code for a finished run: 0 when nothing failed or errored, else 1. */
int results_exit_code(const run_results *r);

/* results.json: a stable, sorted, pretty JSON document. */
cJSON *results_to_json(const run_results *r);
int results_write(const run_results *r, const char *path, mtv_err *err);
/* Reads a results.json back; errors name the file and the field. */
run_results *results_read(const char *path, mtv_err *err);

/* Compares verdicts (scenario keys, step names, statuses) of a recorded and
 * a replayed run. Appends one line per difference to diff; returns the
 * number of differences (0 = identical verdicts). Messages are not compared:
 * they carry times and generated names. */
size_t results_compare(const run_results *recorded, const run_results *replayed, strbuf *diff);

#endif
