/*
 * names: how the validator names what it creates, as upstream mtv-api-tests
 * does (its utilities/naming.py and resources.py), so that objects on a
 * shared cluster read the same whichever tool made them:
 *
 *   session id       "auto-" + 4 random lowercase characters   auto-a1b2
 *   base name        <session>-source-<type>-<version, '.'->'-'>[-xcopy]
 *                                                  auto-a1b2-source-vsphere-8-0
 *   generated name   <base>-<4 random chars>[suffix]  auto-a1b2-source-vsphere-8-0-k7p5-cold
 *   namespace        <session><target_namespace_prefix without "auto">, first 63
 *   destination      <session>-local-ocp-provider / <session>-destination-ocp-provider
 *   NAD base         cb-<first 6 hex of sha256("<test name>\0<session>")>, NADs <base>-1, -2 ...
 *
 * A generated name longer than 63 characters keeps its last 63 (the random
 * part and the kind suffix are what make it unique). VM names from a source
 * are made DNS-1123 labels with upstream's sanitising.
 *
 * Randomness comes only from the scenario's transport (transport_name), so
 * a replay regenerates the very same names. Pure otherwise.
 */
#ifndef MTV_MTV_NAMES_H
#define MTV_MTV_NAMES_H

#include <stddef.h>

#include "net/transport.h"
#include "util/err.h"
#include "util/strbuf.h"

#define MTV_NAME_MAX 63

/* Appends "auto-xxxx". */
void mtv_names_session(transport *t, strbuf *out);

/* Appends the base name. version may be NULL (left out). */
void mtv_names_base(const char *session, const char *type, const char *version, int copyoffload,
                    strbuf *out);

/* Appends base + "-" + 4 random characters + suffix (suffix may be NULL),
 * with '_' and '.' made '-', lower case, keeping the last 63 characters. */
void mtv_names_generate(transport *t, const char *base, const char *suffix, strbuf *out);

/* Keeps the last max characters of name (and drops any '-' that then leads). */
void mtv_names_keep_last(strbuf *name, size_t max);

/* Upstream's sanitize_kubernetes_name: lower case, '_' and '.' to '-', runs of
 * other characters to '-', leading and trailing non-alphanumerics dropped,
 * cut to max and trailing '-' dropped. A name with no letter or digit is an
 * error naming it. Appends to out. */
int mtv_names_sanitize(const char *name, size_t max, strbuf *out, mtv_err *err);

/* Appends the run namespace: session + prefix with every "auto" removed,
 * cut to 63. */
void mtv_names_namespace(const char *session, const char *prefix, strbuf *out);

/* Appends the NAD base for a scenario's test name. */
void mtv_names_nad_base(const char *test_name, const char *session, strbuf *out);

#endif
