/*
 * access: how a run reaches the cluster, in one decision shared by every
 * command that needs it (run, cleanup, cluster check):
 *
 *   1. --kubeconfig PATH or --context NAME given: that kubeconfig (kubectl's rules);
 *   2. else CLUSTER_HOST, CLUSTER_USERNAME and CLUSTER_PASSWORD set: the
 *      OpenShift OAuth login upstream's suite uses (k8s/oauth.h);
 *   3. else $KUBECONFIG, else ~/.kube/config.
 *
 * The login of step 2 goes through t, so in record mode it is recorded
 * (password and token redacted). A replay needs no cluster access at all.
 * Ownership as for kubeconfig_load: kc owns its strings (kubeconfig_free).
 */
#ifndef MTV_K8S_ACCESS_H
#define MTV_K8S_ACCESS_H

#include "k8s/kubeconfig.h"
#include "net/transport.h"

int k8s_access_resolve(kube_config *kc, const char *kubeconfig, const char *context, transport *t,
                       secret_registry *reg, mtv_err *err);

#endif
