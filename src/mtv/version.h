/*
 * version: which MTV (Forklift) release a cluster runs, for the reports.
 *
 * Read the way upstream's tooling finds the operator: the OLM Subscription
 * of the MTV operator in the MTV namespace (spec.name "mtv-operator", or
 * the community "forklift-operator") names its installed
 * ClusterServiceVersion in status.installedCSV, and that CSV's spec.version
 * is the release ("2.10.0"). When no Subscription says so (an operator
 * installed without OLM's bookkeeping), the namespace's CSV whose name starts
 * with one of those operator names is used.
 *
 * Ownership: the version is appended to the caller's strbuf.
 */
#ifndef MTV_MTV_VERSION_H
#define MTV_MTV_VERSION_H

#include "k8s/client.h"
#include "util/strbuf.h"

/* Appends the MTV version to out. Returns 0, or -1 with err naming what was
 * missing (no Subscription or CSV of the operator, a CSV without
 * spec.version) or the API error. */
int mtv_version_read(k8s_client *c, const char *ns, strbuf *out, mtv_err *err);

#endif
