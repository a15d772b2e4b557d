/*
 * lab_crd: CustomResourceDefinition files turned into lab kinds.
 *
 * Reads every *.yaml / *.yml / *.json file of a folder (sorted), each holding
 * one or more documents: a CustomResourceDefinition (apiextensions.k8s.io/v1,
 * or v1beta1 with its top-level validation/columns), or a `kind: List` of
 * them as `oc get crd -o yaml` prints. Each served version becomes a kind in
 * the registry (replacing a built-in row of the same group/version/plural),
 * carrying its openAPIV3Schema, printer columns, names, scope and status
 * subresource. The CRD objects themselves are collected so the server can
 * serve them under customresourcedefinitions.
 *
 * Errors name the file, the document and the field: "x.yaml: document 2
 * (CustomResourceDefinition plans.forklift.konveyor.io): spec.names.plural:
 * expected a string".
 */
#ifndef MTV_LAB_CRD_H
#define MTV_LAB_CRD_H

#include <cjson/cJSON.h>

#include "lab/lab_kinds.h"
#include "util/err.h"

/* Loads one parsed CRD object (not consumed) from file name src. */
int lab_crd_add(lab_kinds *kinds, const cJSON *crd, const char *src, mtv_err *err);

/* Loads a folder. *crds (may be NULL) receives a JSON array of the CRD
 * objects loaded (owned by caller). Returns the number of CRDs or -1. */
int lab_crd_load_dir(lab_kinds *kinds, const char *dir, cJSON **crds, mtv_err *err);

#endif
