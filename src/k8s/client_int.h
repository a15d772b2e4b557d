/*
 * client_int: what the resource client's files share (client.c for the
 * request/response verbs, watch.c for watches and waits). Not for use
 * outside src/k8s/.
 */
#ifndef MTV_K8S_CLIENT_INT_H
#define MTV_K8S_CLIENT_INT_H

#include "k8s/client.h"

#define K8S_UPSTREAM "kubernetes"
#define K8S_FIELD_MANAGER "mtv-validate"

struct k8s_client {
    const kube_config *kc;
    transport *t;
    net_endpoint ep;        /* ordinary requests */
    net_endpoint watch_ep;  /* watches: no total timeout, no stall abort, no transport retries */
};

/* "/api/v1/namespaces/NS/pods/NAME/SUB" or "/apis/G/V/..."; ns NULL or
 * ignored for cluster-scoped kinds; name and sub may be NULL. Path
 * segments are percent-encoded. */
void k8s_path(strbuf *out, const k8s_kind *k, const char *ns, const char *name, const char *sub);

/* "Plan mtv/p1", "Plans in mtv", "Plans in all namespaces", "Namespace x". */
void k8s_what(strbuf *out, const k8s_kind *k, const char *ns, const char *name);

/* The namespace a namespaced call uses: ns, else the object's
 * metadata.namespace (obj may be NULL), else the context's namespace. */
const char *k8s_effective_ns(const k8s_client *c, const k8s_kind *k, const char *ns,
                             const cJSON *obj);

/* A request to the API server through the client's endpoint, JSON accepted. */
void k8s_request_init(k8s_client *c, http_request *req, const char *method, const char *path);

/* Sends req. A 2xx answer is parsed into *out (out may be NULL; a non-JSON
 * body becomes a JSON string) and 0 returned. Otherwise err holds
 * "<what>: <code> <reason>: <message>" from the Status body and the HTTP
 * status is returned (> 0); -1 when no answer came or the body was bad.
 * *reason (may be NULL) receives the Status reason ("AlreadyExists"). */
int k8s_exchange(k8s_client *c, http_request *req, const char *what, cJSON **out,
                 char reason[64], mtv_err *err);

/* Fills err from a non-2xx response. */
void k8s_status_error(k8s_client *c, const http_response *resp, const char *what, char reason[64],
                      mtv_err *err);

#endif
