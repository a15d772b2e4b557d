/*
 * jira_issue: the few fields of a Jira issue that gating and ticket
 * automation read, and pytest-jira's rule for "resolved".
 *
 * Resolved (jira_issue_resolved), as pytest-jira decides it, plus an opt-in
 * for workflows that end in "Done":
 *   - the status name is in resolved_statuses (case-insensitive; default
 *     closed, resolved), or resolved_by_category is on and the status
 *     category is "done"; and, when resolved_resolutions is set, the
 *     resolution is one of them. Such an issue is still unresolved for a
 *     configured product version listed in its affects-versions and not in
 *     its fix-versions ("closed, but not fixed for you");
 *   - any other issue is unresolved only when it affects you: no version is
 *     configured, or it has no affects-versions, or the version is among
 *     them; and no components are configured, or it has none, or they
 *     share one. An open issue for another version or component counts as
 *     resolved, and the scenario runs normally.
 *
 * Ownership: a jira_issue owns its strings (jira_issue_free).
 */
#ifndef MTV_REPORTERS_JIRA_ISSUE_H
#define MTV_REPORTERS_JIRA_ISSUE_H

#include <cjson/cJSON.h>

#include "reporters/jira_config.h"
#include "util/strbuf.h"

/* The fields to ask Jira for, comma-separated. */
#define JIRA_ISSUE_FIELDS "summary,status,resolution,resolutiondate,labels,versions,fixVersions,components"

typedef struct jira_issue {
    char *key;
    char *summary;            /* may be "" */
    char *status;             /* status name as Jira writes it; "" when absent */
    char *category;           /* status category key: "new", "indeterminate", "done"; "" */
    char *resolution;         /* NULL when unresolved */
    char *resolved_at;        /* resolutiondate, ISO 8601; NULL when unresolved */
    jira_list labels, versions, fix_versions, components;
} jira_issue;

/* Reads {"key": .., "fields": {..}}; -1 when there is no string "key". */
int jira_issue_from_json(const cJSON *j, jira_issue *out);
void jira_issue_free(jira_issue *is);

int jira_issue_has_label(const jira_issue *is, const char *label);
/* Status category "done" (or, when Jira gave none, a resolution). */
int jira_issue_done(const jira_issue *is);

/* 1 when resolved for this configuration, else 0; appends why to why
 * ("Closed (resolution Done): resolved"). */
int jira_issue_resolved(const jira_config *cfg, const jira_issue *is, strbuf *why);

#endif
