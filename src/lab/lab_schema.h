/*
 * lab_schema: what the API server does with a custom resource's
 * openAPIV3Schema on every create and update.
 *
 * Three passes, in the API server's order:
 *   1. prune: drop fields the structural schema does not declare (unless
 *      x-kubernetes-preserve-unknown-fields or additionalProperties allow
 *      them), recording each as "spec.foo" so that fieldValidation=Strict can
 *      reject and Warn can warn; drop nulls the schema does not allow;
 *   2. default: fill absent fields that declare a default, recursively;
 *   3. validate: types (with nullable and x-kubernetes-int-or-string),
 *      required, enum, pattern, format date-time, min/max, lengths, item and
 *      property counts, items, additionalProperties, allOf/anyOf/oneOf,
 *      producing field errors worded as kube-openapi and apimachinery word
 *      them ("spec.warm: Invalid value: \"string\": spec.warm in body must
 *      be of type boolean: \"string\"").
 * Not done: CEL rules (x-kubernetes-validations), list-type uniqueness.
 * The root's apiVersion, kind and metadata are left to the caller.
 */
#ifndef MTV_LAB_SCHEMA_H
#define MTV_LAB_SCHEMA_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "lab/lab_status.h"

typedef struct lab_strlist {
    char **items;
    size_t count;
} lab_strlist;

void lab_strlist_add(lab_strlist *l, const char *s);
void lab_strlist_free(lab_strlist *l);

/* Passes 1-3 on a whole object. unknown may be NULL. */
void lab_schema_prune(const cJSON *schema, cJSON *obj, lab_strlist *unknown);
void lab_schema_default(const cJSON *schema, cJSON *obj);
void lab_schema_validate(const cJSON *schema, const cJSON *obj, lab_errlist *errs);

/* Validates value against schema as if it sat at path (used for subtrees
 * and by tests). */
void lab_schema_validate_at(const cJSON *schema, const cJSON *value, const char *path,
                            lab_errlist *errs);

#endif
