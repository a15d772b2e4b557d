/*
 * jira_gate: known-issue gating, decided once at collection time, the way
 * pytest-jira decides it and without its traps.
 *
 * Scenarios link Jira issues in the catalog ("jira": [{"key", "run",
 * "when"}], runner/scenario.h). For the selection about to run, the gate
 * gathers every link that applies (its "when" matches the source provider,
 * and the scenario is not already skipped), looks all their issues up in
 * ONE batched request (per 100 keys), and decides per scenario:
 *
 *   an unresolved issue linked with run=false  -> skip (never executed)
 *   an unresolved issue linked with run=true   -> xfail (runs; a failure is
 *                                                 expected, a pass is xpassed)
 *   every linked issue resolved (jira_issue.h) -> run normally
 *
 * The reason is the browse URL (https://<site>/browse/MTV-2846), as
 * pytest-jira writes it, so it lands in JUnit's <skipped message=...>; the
 * decision's detail line says, per issue, why it counted as open or
 * resolved. run_test_case = false makes every open link skip.
 *
 * A linked issue Jira does not return (deleted, moved, or invisible to the
 * token: Jira answers the same for all three) follows marker_strategy:
 * strict (the default) fails the call naming every such key; skip skips the
 * scenarios linking it; ignore (and warn, which also logs) counts it as
 * resolved; open counts it as unresolved (pytest-jira's default). When the
 * lookup itself fails (connection, TLS, 401, 5xx), error_strategy: strict
 * fails the call; skip skips every scenario with an applicable link, with
 * the error as reason; ignore runs them all as if every issue were
 * resolved (unlike pytest-jira's ignore, which stops processing).
 *
 * Ownership: decisions are a malloc'd array parallel to sel->items, owned
 * by the caller (jira_gate_free).
 */
#ifndef MTV_REPORTERS_JIRA_GATE_H
#define MTV_REPORTERS_JIRA_GATE_H

#include <stddef.h>

#include "config/providers.h"
#include "reporters/jira_client.h"
#include "runner/select.h"
#include "util/err.h"

enum jira_gate_action { JIRA_GATE_RUN = 0, JIRA_GATE_XFAIL, JIRA_GATE_SKIP };

typedef struct jira_gate_decision {
    enum jira_gate_action action;
    char *reason;             /* SKIP/XFAIL: the browse URL (or the policy's text); else NULL */
    char *detail;             /* "MTV-1: Closed: resolved; MTV-2: In Progress: open"; NULL without links */
} jira_gate_decision;

/* Decides for every item of sel. Returns -1 (err, class 3) only under a
 * strict policy; *out is then NULL. */
int jira_gate_check(jira_client *jc, const selection *sel, enum provider_type type,
                    jira_gate_decision **out, mtv_err *err);
void jira_gate_free(jira_gate_decision *d, size_t n);

const char *jira_gate_action_name(enum jira_gate_action a);   /* "run", "xfail", "skip" */

/* Does link apply for the source provider type (its "when" condition)? */
int jira_link_applies(const jira_link *link, enum provider_type type);

#endif
