/*
 * yamldoc: YAML files read into cJSON, the way Kubernetes tooling reads them.
 *
 * Kubernetes manifests (CRDs, `oc get -o yaml` output, kubeconfigs) are YAML
 * that is treated as JSON: every document becomes one JSON value. Plain
 * scalars resolve as sigs.k8s.io/yaml (go-yaml v2, YAML 1.1) resolves them:
 * null/~ and empty are null; true/false/yes/no/on/off/y/n are booleans;
 * decimal, 0x hex, 0o and leading-zero octal are integers; floats are numbers;
 * quoted, block and explicitly tagged (!!str) scalars stay strings. Mapping
 * keys are always strings. Anchors, aliases and `<<` merge keys work.
 * Duplicate keys are an error, as sigs.k8s.io/yaml's strict mode has them.
 *
 * Errors name the file, line and column: "crd.yaml:12:5: duplicate key 'x'".
 */
#ifndef MTV_UTIL_YAMLDOC_H
#define MTV_UTIL_YAMLDOC_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "util/err.h"

/* Parses every document of text into *docs, a JSON array (owned by the
 * caller: cJSON_Delete). Empty documents are skipped. name is used in
 * messages. Returns 0, or -1 with err (MTV_EXIT_USAGE). */
int yamldoc_parse(const char *name, const char *text, size_t n, cJSON **docs, mtv_err *err);
int yamldoc_load(const char *path, cJSON **docs, mtv_err *err);

#endif
