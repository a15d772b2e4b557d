/*
 * scenario: one catalog entry, scenarios/<scenario_key>.json.
 *
 * The file wraps upstream's tests_params body ("params", upstream key
 * vocabulary unchanged) with what upstream expressed in Python around it:
 * markers, the step pattern, Jira links, setting-driven skips, the test-plan
 * docstring and, for cross-reference, upstream's class name, parametrize id
 * and tests/ folder ("suite"). See docs/scenarios.md for the format.
 *
 * Ownership: a scenario owns its parsed file; every const char * below points
 * into that tree and lives until scenario_free. `params` is the "params"
 * object of the tree itself, so `--set` overrides edit it in place and
 * remember which JSON Pointers they replaced (messages about those values
 * then name the --set option instead of a file line).
 */
#ifndef MTV_RUNNER_SCENARIO_H
#define MTV_RUNNER_SCENARIO_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "runner/steps.h"
#include "util/diag.h"
#include "util/json.h"
#include "util/secrets.h"
#include "util/strbuf.h"

typedef struct jira_link {
    const char *key;            /* "MTV-2846" */
    int run;                    /* 0: skip the scenario while the issue is open */
    unsigned when_types;        /* bit (1 << provider_type) per type; 0 = always */
} jira_link;

typedef struct skip_rule {
    const char *setting;        /* a settings name */
    int is;                     /* skip when the setting's truth value equals this */
    const char *reason;
} skip_rule;

typedef struct scenario_override {
    char *pointer;              /* "/params/warm_migration"; owned */
    char *option;               /* "--set test_x.warm_migration=true"; owned */
} scenario_override;

typedef struct scenario {
    char *name;                 /* the scenario key (file name without .json); owned */
    char *path;                 /* owned */
    json_doc doc;               /* owned */
    const char *cls;            /* upstream class name, or NULL */
    const char *id;             /* upstream parametrize id, or NULL */
    const char *suite;          /* upstream tests/<suite>/ folder, or NULL */
    const char **markers;       /* array owned, strings in doc */
    size_t n_markers;
    const step_pattern *pattern; /* NULL when missing or unknown */
    char *doc_text;             /* the test plan, lines joined; owned */
    jira_link *jira;            /* owned */
    size_t n_jira;
    skip_rule *skipif;          /* owned */
    size_t n_skipif;
    cJSON *params;              /* the "params" object in doc, or NULL when unusable */
    scenario_override *overrides; /* owned */
    size_t n_overrides;
} scenario;

/* The upstream tests/ folders a scenario may name as its suite. */
extern const char *const SCENARIO_SUITES[];

/* Parses path and checks everything but params (see params.h), appending
 * every problem to diags. Secret-like param values (luks_passphrase) are
 * registered with reg. Returns -1 only when the file cannot be used at all
 * (unreadable, not JSON, not an object). */
int scenario_load(scenario *sc, const char *path, secret_registry *reg, diag_list *diags);
void scenario_free(scenario *sc);

int scenario_has_marker(const scenario *sc, const char *marker);
/* Upstream keyword semantics: markers and the suite folder name. */
int scenario_has_keyword(const scenario *sc, const char *word);

/* "<file>:<line>:<col>" of pointer, or "--set ..." when an override put the
 * value there. Replaces out's contents. */
void scenario_where(const scenario *sc, const char *pointer, strbuf *out);

/* Records that pointer was set by option (copied). */
void scenario_note_override(scenario *sc, const char *pointer, const char *option);

#endif
