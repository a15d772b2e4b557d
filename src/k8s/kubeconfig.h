/*
 * kubeconfig: where the cluster is and how to authenticate, read the way
 * kubectl reads it.
 *
 * Sources, in kubectl's order: --kubeconfig PATH, else $KUBECONFIG (a
 * ':'-separated list merged with first-wins per map key: clusters, users,
 * contexts, and the first current-context set), else ~/.kube/config. The
 * context is --context or current-context. Resolved: server, namespace
 * (context namespace, else "default"), certificate-authority (file) and
 * certificate-authority-data, client-certificate/-key and their -data forms,
 * token and tokenFile, insecure-skip-tls-verify, proxy-url. Relative file
 * paths are resolved against the folder of the kubeconfig file that named
 * them. Parsed with libyaml; errors name the file, line and key.
 *
 * Upstream's other way in: CLUSTER_HOST / CLUSTER_USERNAME /
 * CLUSTER_PASSWORD (and CLUSTER_VERIFY_SSL) log in through the OpenShift
 * OAuth challenge flow (k8s/oauth.h) and yield an equivalent kube_config.
 *
 * Every credential found (token, password, key data) is registered in the
 * given secret registry (may be NULL) and in the logger's before this
 * returns, so it is masked everywhere.
 * Ownership: kube_config owns all its strings; kubeconfig_free releases them.
 */
#ifndef MTV_K8S_KUBECONFIG_H
#define MTV_K8S_KUBECONFIG_H

#include "net/http.h"
#include "util/err.h"
#include "util/secrets.h"

typedef struct kube_config {
    char *source;              /* file(s) it came from, for messages */
    char *context;             /* context name used */
    char *server;              /* "https://api.example:6443" */
    char *namespace_;          /* default namespace for the context */
    /* TLS */
    char *ca_file;
    char *ca_data;             /* PEM (decoded from certificate-authority-data) */
    int insecure;              /* insecure-skip-tls-verify */
    char *client_cert_file;
    char *client_cert_data;    /* PEM */
    char *client_key_file;
    char *client_key_data;     /* PEM */
    /* auth */
    char *token;               /* bearer token (token or the contents of tokenFile) */
    char *username;            /* basic or OAuth login */
    char *password;
    char *proxy_url;
} kube_config;

/* Loads per the rules above. explicit_path and context may be NULL. */
int kubeconfig_load(kube_config *kc, const char *explicit_path, const char *context,
                    secret_registry *reg, mtv_err *err);

/* Fills an endpoint (base URL, TLS, bearer auth, proxy) for requests to the
 * API server; the endpoint borrows kc's strings. */
void kubeconfig_endpoint(const kube_config *kc, net_endpoint *ep);

void kubeconfig_free(kube_config *kc);

#endif
