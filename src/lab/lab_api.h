/*
 * lab_api: the Kubernetes REST API over the store: discovery, OpenAPI,
 * /version, and every verb on every kind in the registry.
 *
 * Routing follows the API server's URL grammar (/api/v1/..., /apis/G/V/...,
 * namespaced and cluster-scoped, collection, item, subresource, legacy
 * /watch/ paths). Content negotiation follows kubectl: Table when Accept
 * asks for as=Table (rendered with the store's clock), PartialObjectMetadata
 * when asked, JSON otherwise; request bodies in JSON, YAML or the protobuf
 * envelope; merge, JSON and (for built-in kinds) strategic merge patches.
 * Watches are streamed as newline-delimited JSON events with BOOKMARKs and
 * ERROR 410 when a client resumes from too far back.
 *
 * Extension point: lab_api_register_subresource mounts a handler on
 * KIND/NAME/SUBRESOURCE (e.g. kubevirt.io virtualmachineinstances/portforward,
 * which answers with lab_resp_upgrade). The API checks that the object exists
 * before calling it.
 *
 * lab_api borrows the store and registry; it owns the discovery and OpenAPI
 * documents it builds at creation.
 */
#ifndef MTV_LAB_API_H
#define MTV_LAB_API_H

#include "lab/lab_kinds.h"
#include "lab/lab_req.h"
#include "lab/lab_store.h"

typedef struct lab_api_config {
    lab_store *store;
    const char *server_address;      /* "127.0.0.1:6443" for /api; may be set later */
    int bookmark_interval_ms;        /* 0 = 60000, the API server's rhythm */
    const char *kube_minor;          /* /version minor; NULL = "32" */
} lab_api_config;

typedef struct lab_api lab_api;

lab_api *lab_api_new(const lab_api_config *cfg);
void lab_api_free(lab_api *api);
void lab_api_set_server_address(lab_api *api, const char *address);
lab_store *lab_api_store(const lab_api *api);

/* The handler for /api, /apis, /version and /openapi (ud = the lab_api). */
void lab_api_handle(void *api, lab_req *req, lab_resp *resp);

typedef void (*lab_subresource_fn)(void *ud, const lab_kind *k, const char *ns,
                                   const char *name, const char *subresource, lab_req *req,
                                   lab_resp *resp);
/* Mounts fn on group/plural/NAME/subresource (group "" = core). Call before
 * serving. */
void lab_api_register_subresource(lab_api *api, const char *group, const char *plural,
                                  const char *subresource, lab_subresource_fn fn, void *ud);

#endif
