/*
 * jira_report: tickets from a run's failures, without duplicates or spam.
 *
 * Each failed or errored step gets a fingerprint (jira_fingerprint.h:
 * scenario, step, normalised reason); steps sharing one are one failure.
 * One JQL search per run finds the project's issues carrying any of the
 * fingerprint labels, then per failure:
 *
 *   an open issue has the label      -> one comment per run on the newest
 *                                       (a comment already naming this run
 *                                       id is not repeated);
 *   a matching issue was closed less -> a possible regression: reported,
 *   than regression_days ago            commented ("seen again"), never
 *                                       reopened; on_regression = create
 *                                       opens a new issue referring to it;
 *   otherwise                        -> a new issue: summary up to 255
 *                                       characters on one line, description
 *                                       cut head and tail to Jira's limit,
 *                                       labels (mtv-validate, the
 *                                       fingerprint, the configured ones),
 *                                       components, affected version.
 *
 * Issues carrying noreuse_label are never commented. With a build URL, every
 * touched issue gets a remote link whose globalId is stable for the run and
 * fingerprint, so re-reporting updates it instead of adding another. With
 * attach_bundle, the failed scenario's cassette bundle is attached (after a
 * secret scan; never above max_attachment_mb). Caps: max_new_issues and
 * max_comments per run; create_issues = false only comments.
 *
 * Issue creation is never re-sent blindly: after 429 or 503 the label is
 * searched again after Retry-After and the creation retried once only if
 * nothing appeared; after a lost answer the search decides whether the
 * issue exists, and nothing is retried.
 *
 * A Jira problem is reported (the call returns -1 and the stats count it),
 * but must never change a run's verdict or exit code: callers print it and
 * go on. Every text sent is masked through the secret registry.
 */
#ifndef MTV_REPORTERS_JIRA_REPORT_H
#define MTV_REPORTERS_JIRA_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "net/transport.h"
#include "reporters/jira_config.h"
#include "runner/results.h"
#include "util/err.h"

typedef struct jira_report_opts {
    int dry_run;              /* print every write instead of sending it */
    FILE *out;                /* one line per decision (and the dry run); NULL = stdout */
    const char *source;       /* where the results came from ("run/junit.xml"), for comments */
    const char *base_dir;     /* relative cassette paths are resolved against it; NULL = cwd */
} jira_report_opts;

typedef struct jira_report_stats {
    size_t failures;          /* failed or errored steps */
    size_t fingerprints;      /* distinct failures */
    size_t created;           /* new issues (in a dry run: that would be created) */
    size_t commented;         /* comments added */
    size_t already;           /* issues that already had this run's comment */
    size_t regressions;       /* matches closed recently */
    size_t capped;            /* not reported because of a cap or create_issues = false */
    size_t errors;            /* Jira operations that failed */
} jira_report_stats;

/*
 * Reports r's failures to Jira as configured (cfg must have passed
 * jira_config_finish and jira_config_check_tickets). t may be NULL (a live
 * transport is opened). Returns 0 when every Jira operation succeeded, -1
 * otherwise with the first problem in err; stats are filled either way.
 */
int jira_report_run(const run_results *r, const jira_config *cfg, transport *t,
                    const jira_report_opts *o, jira_report_stats *stats, mtv_err *err);

/* "3 failures, 2 distinct: 1 created, 1 commented, ..." appended to out. */
void jira_report_stats_line(const jira_report_stats *s, int dry_run, strbuf *out);

#endif
