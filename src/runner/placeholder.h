/*
 * placeholder: the run-time values a scenario string may name.
 *
 * Upstream computed some values in Python when its config was imported
 * (f"mtv-vms-cold-comprehensive-{uuid4().hex[:4]}") or meant "the session id"
 * by None. A scenario file writes them as placeholders instead:
 *
 *   {session}   the run's session id (upstream's session_uuid, "auto-xxxx")
 *   {rand4}     4 random lowercase hex characters, drawn once per run
 *
 * and a JSON null in target_labels / target_node_selector keeps upstream's
 * meaning (the session id). Any other {identifier} is an error, so a typo
 * cannot reach a cluster as a literal namespace name. Strings that are Go
 * templates (pvc_name_template) are not expanded.
 */
#ifndef MTV_RUNNER_PLACEHOLDER_H
#define MTV_RUNNER_PLACEHOLDER_H

#include "util/err.h"
#include "util/strbuf.h"

typedef struct placeholder_values {
    const char *session;   /* "auto-3f9k" */
    const char *rand4;     /* "a1b2" */
} placeholder_values;

/* Values used to check what an expanded string will look like. */
extern const placeholder_values PLACEHOLDER_SAMPLE;

/* Appends in to out with placeholders replaced. Returns -1 (err names the
 * unknown placeholder) when in holds an {identifier} that is not one. */
int placeholder_expand(const char *in, const placeholder_values *v, strbuf *out, mtv_err *err);

/* 1 when s is a DNS-1123 label (namespace name): 1-63 of [a-z0-9-],
 * starting and ending with a letter or digit. */
int placeholder_is_dns_label(const char *s);

#endif
