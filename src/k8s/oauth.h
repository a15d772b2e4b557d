/*
 * oauth: logging in to OpenShift with a username and password, as `oc login`
 * does: discover the OAuth server from
 * <api>/.well-known/oauth-authorization-server, then request
 * <authorization_endpoint>?response_type=token&client_id=openshift-challenging-client
 * with basic credentials and the X-CSRF-Token header; the 302 Location's
 * fragment carries access_token. Through the transport (upstream "oauth"),
 * so it is recorded, with the password and token redacted.
 */
#ifndef MTV_K8S_OAUTH_H
#define MTV_K8S_OAUTH_H

#include "k8s/kubeconfig.h"
#include "net/transport.h"

/* Fills kc->token from a login with kc->username/password against
 * kc->server (TLS per kc). The token is registered as a secret. */
int oauth_login(kube_config *kc, transport *t, mtv_err *err);

/* Upstream's environment way in: CLUSTER_HOST (API URL or host),
 * CLUSTER_USERNAME, CLUSTER_PASSWORD, CLUSTER_VERIFY_SSL ("false" = insecure).
 * Returns 1 when the variables are not set (nothing done), 0 after a
 * successful login, -1 on error. */
int oauth_kubeconfig_from_env(kube_config *kc, transport *t, secret_registry *reg, mtv_err *err);

#endif
