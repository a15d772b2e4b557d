/*
 * kubeconfig_int: the YAML node helpers kubeconfig.c resolves with. A
 * kubeconfig is read as a libyaml document (not converted to JSON) because
 * every error must point at the line and column of the key at fault, and
 * libyaml keeps a position on every node. Not for use outside src/k8s/.
 */
#ifndef MTV_K8S_KUBECONFIG_INT_H
#define MTV_K8S_KUBECONFIG_INT_H

#include <yaml.h>

#include "util/err.h"

typedef struct kc_file {
    char *path;             /* as named (KUBECONFIG entry, --kubeconfig, ~/.kube/config) */
    char *dir;              /* its folder: relative paths inside resolve against it */
    yaml_document_t doc;
    int loaded;             /* doc holds a parsed document */
} kc_file;

/* Reads and parses path into f (path and dir copied). A YAML syntax error
 * names the file, line and column. */
int kc_file_load(kc_file *f, const char *path, mtv_err *err);
void kc_file_free(kc_file *f);

/* The root node, or NULL for an empty file. */
yaml_node_t *kc_root(kc_file *f);

/* Sets err to "<file>:<line>:<col>: <message>" (MTV_EXIT_USAGE) at node
 * (NULL: the file only) and returns -1. */
int kc_fail(mtv_err *err, const kc_file *f, const yaml_node_t *node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "a mapping", "a list", "a string". */
const char *kc_node_kind(const yaml_node_t *n);
/* 1 for an absent value: a plain empty, ~ or null scalar. */
int kc_is_null(const yaml_node_t *n);

/* The value of key in mapping map (NULL when absent). A key given twice is
 * an error naming both lines; keypath names map in messages. */
int kc_map_get(kc_file *f, yaml_node_t *map, const char *key, const char *keypath,
               yaml_node_t **out, mtv_err *err);
/* Items of a sequence node: count and the i-th node. */
size_t kc_seq_len(const yaml_node_t *seq);
yaml_node_t *kc_seq_at(kc_file *f, const yaml_node_t *seq, size_t i);

/* A string member: *out NULL when absent or null; otherwise the scalar's
 * text (owned by the document). *where (may be NULL) gets the value node,
 * or map when absent, for later messages. Non-scalars are an error. */
int kc_get_str(kc_file *f, yaml_node_t *map, const char *key, const char *keypath,
               const char **out, yaml_node_t **where, mtv_err *err);
/* A boolean member as YAML 1.1 reads it (true/false/yes/no/on/off); absent = 0. */
int kc_get_bool(kc_file *f, yaml_node_t *map, const char *key, const char *keypath, int *out,
                yaml_node_t **where, mtv_err *err);

#endif
