/*
 * jira_config: how mtv-validate reaches Jira and what it does there, from a
 * jira.cfg compatible with pytest-jira, environment variables and -c options.
 *
 * Sources, later ones winning: the files (an explicit --jira-config PATH, or
 * else those of /etc/jira.cfg, ~/jira.cfg and ./jira.cfg that exist, in that
 * order, as pytest-jira reads them), then PYTEST_JIRA_URL / _USERNAME /
 * _PASSWORD / _TOKEN and MTV_JIRA_<KEY> for any key, then `-c key=value`.
 * A file is INI ([DEFAULT] as pytest-jira reads it, plus an optional
 * [mtv-validate] section that overrides it for this tool only).
 *
 * Every pytest-jira key keeps its name and meaning; three are accepted for
 * compatibility and have no effect (docs_search: docstrings are never
 * scanned; issue_regex: keys are checked by the catalog loader;
 * return_jira_metadata). marker_strategy (what to do with a linked issue
 * that cannot be read: 404, which Jira also answers without permission)
 * defaults to strict instead of pytest-jira's "open", so a token that cannot
 * see the project fails loudly instead of skipping everything quietly. An
 * unknown key is an error with a suggestion: pytest-jira silently ignores
 * misspelt keys (its issue #143).
 *
 * Values are checked by jira_config_finish; messages name where the value
 * came from ("jira.cfg:7", "$MTV_JIRA_MAX_NEW_ISSUES", "-c timeout") and
 * never quote a password or token, which are registered as secrets the
 * moment they are read.
 *
 * Ownership: a jira_config owns every string in it (jira_config_free).
 */
#ifndef MTV_REPORTERS_JIRA_CONFIG_H
#define MTV_REPORTERS_JIRA_CONFIG_H

#include <stddef.h>

#include "util/err.h"
#include "util/secrets.h"
#include "util/strbuf.h"

enum jira_deployment { JIRA_DEPLOY_AUTO = 0, JIRA_DEPLOY_CLOUD, JIRA_DEPLOY_DC };

/* What to do with a linked issue that cannot be read (not_found) or when
 * Jira cannot be reached or answers with an error (on_error). */
enum jira_policy {
    JIRA_POLICY_STRICT = 0,   /* stop: the run cannot be gated honestly */
    JIRA_POLICY_SKIP,         /* skip the scenarios that link such issues */
    JIRA_POLICY_IGNORE,       /* treat such links as resolved: run normally */
    JIRA_POLICY_OPEN,         /* not_found only: treat as unresolved (pytest-jira's "open") */
    JIRA_POLICY_WARN,         /* not_found only: as ignore, with a warning */
};

typedef struct jira_list {
    char **items;             /* owned */
    size_t count;
} jira_list;

typedef struct jira_config {
    /* connection */
    char *url;                /* base URL without a trailing slash */
    char *username, *password, *token;
    int verify_tls;           /* ssl_verification; 0 only when asked */
    char *ca_file;
    long timeout_s;
    long retries;             /* connection_retry_total: retries of reads */
    double backoff_s;         /* connection_retry_backoff_factor */
    enum jira_deployment deployment;  /* resolved: CLOUD or DC after finish */
    /* known-issue gating */
    jira_list resolved_statuses;      /* lower case; default closed, resolved */
    jira_list resolved_resolutions;   /* lower case; empty = any */
    int resolved_by_category;         /* status category "done" also means resolved */
    char *version;                    /* product version (pytest-jira semantics) */
    jira_list components;
    enum jira_policy not_found;       /* marker_strategy */
    enum jira_policy on_error;        /* error_strategy: strict, skip or ignore */
    int run_default;                  /* run_test_case: default of a link's "run" */
    /* ticket automation */
    char *project;
    char *issue_type;
    jira_list labels;                 /* added to created issues */
    jira_list ticket_components;
    char *affects_version;
    char *label_prefix;               /* fingerprint labels: <prefix>-fp-<12 hex> */
    char *noreuse_label;              /* issues carrying it are never commented */
    int create_issues;
    long max_new_issues;              /* per run */
    long max_comments;                /* per run */
    long regression_days;             /* a match closed this recently is a possible regression */
    int regression_creates;           /* on_regression = create (default: comment) */
    int attach_bundle;
    long max_attachment_mb;
    char *build_url;
    /* bookkeeping */
    secret_registry *secrets;         /* borrowed */
    struct jira_raw *raw;             /* owned: values as read, with their origins */
    size_t n_raw;
    char *sources;                    /* "jira.cfg, $PYTEST_JIRA_TOKEN" for messages */
} jira_config;

/* Defaults; secrets read later are registered with reg (and the logger's). */
void jira_config_init(jira_config *c, secret_registry *reg);
void jira_config_free(jira_config *c);

/* Reads one file (INI). */
int jira_config_load_file(jira_config *c, const char *path, mtv_err *err);
/* Reads /etc/jira.cfg, ~/jira.cfg and ./jira.cfg, those that exist. */
int jira_config_load_default_files(jira_config *c, mtv_err *err);
/* PYTEST_JIRA_* and MTV_JIRA_* variables. */
int jira_config_load_env(jira_config *c, mtv_err *err);
/* One value; origin names where it came from ("-c token"). */
int jira_config_set(jira_config *c, const char *key, const char *value, const char *origin,
                    mtv_err *err);
/* "key=value" as -c gives it. */
int jira_config_set_arg(jira_config *c, const char *arg, mtv_err *err);
/* Checks and converts every value; fills the typed fields. Needs url. */
int jira_config_finish(jira_config *c, mtv_err *err);

/* All of the above: path (NULL = the default files), environment, sets. */
int jira_config_open(jira_config *c, const char *path, const char *const *sets, size_t n,
                     secret_registry *reg, mtv_err *err);

/* What ticket automation needs besides the connection (project). */
int jira_config_check_tickets(const jira_config *c, mtv_err *err);

const char *jira_policy_name(enum jira_policy p);
const char *jira_deployment_name(enum jira_deployment d);

/* The known keys, NULL-terminated (for help and suggestions). */
extern const char *const JIRA_CONFIG_KEYS[];

#endif
