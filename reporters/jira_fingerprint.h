/*
 * jira_fingerprint: "the same failure" as a short stable string.
 *
 * Ticket automation must recognise a failure it already reported without
 * fuzzy text search (which breaks on brackets and merges unrelated text).
 * A fingerprint is the first 12 hex digits of SHA-256 over the scenario, the
 * step and the failure reason normalised the way Kubernetes' triage tool
 * does it: what differs between two runs of the same failure (timestamps,
 * UUIDs, IP addresses, long numbers, hex digests, generated names such as
 * "auto-k3x9q2") becomes a placeholder, whitespace is collapsed, terminal
 * escape sequences are dropped. It is stored on the issue as the label
 * "<prefix>-fp-<12 hex>", which JQL can match exactly.
 */
#ifndef MTV_REPORTERS_JIRA_FINGERPRINT_H
#define MTV_REPORTERS_JIRA_FINGERPRINT_H

#include "util/strbuf.h"

/* Appends the normalised form of text. */
void jira_fp_normalise(const char *text, strbuf *out);

/* The 12 hex digits (plus NUL) for a failure. */
void jira_fingerprint(const char *scenario, const char *step, const char *reason, char out[13]);

/* "<prefix>-fp-<fingerprint>" appended to out. */
void jira_fp_label(const char *prefix, const char *fingerprint, strbuf *out);

#endif
