/*
 * lab_openapi: the OpenAPI v3 documents the API server publishes, built
 * once from the kind registry (and so from the loaded CRDs).
 *
 * GET /openapi/v3 is an index of group-versions with a hashed
 * serverRelativeURL each; GET /openapi/v3/apis/G/V (or api/v1) is that
 * group-version's document: paths for every kind with their operations
 * (x-kubernetes-action, x-kubernetes-group-version-kind, and the dryRun /
 * fieldManager / fieldValidation parameters kubectl looks for before it
 * trusts server-side field validation) and components.schemas holding each
 * kind's openAPIV3Schema. Texts are built at start and immutable, so they
 * are served without copying or locking.
 */
#ifndef MTV_LAB_OPENAPI_H
#define MTV_LAB_OPENAPI_H

#include <stddef.h>

#include "lab/lab_kinds.h"

typedef struct lab_openapi lab_openapi;

lab_openapi *lab_openapi_build(const lab_kinds *k);
void lab_openapi_free(lab_openapi *o);

/* The index document. */
const char *lab_openapi_index(const lab_openapi *o, size_t *len);
/* The document for "api/v1" or "apis/G/V"; NULL when unknown. */
const char *lab_openapi_doc(const lab_openapi *o, const char *gv_path, size_t *len);

#endif
