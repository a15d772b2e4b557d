/*
 * lab_kinds: the one registry of resource kinds the lab serves.
 *
 * Every kind is a row (group, version, kind, plural, scope, short names,
 * categories, flags, printer columns, selectable fields, schema); discovery,
 * routing, tables, OpenAPI and validation are all driven from these rows, so
 * adding a kind is adding a row. lab_kinds_new_builtin() holds the kinds the
 * validator touches (core, storage, route, forklift, kubevirt, CDI, Multus,
 * OpenShift config, OLM, CRDs themselves); CRD files loaded with lab_crd
 * replace a built-in row's schema, columns and names or add new rows.
 *
 * The registry owns its kinds. It is filled before the server starts and is
 * read-only afterwards, so readers need no lock.
 */
#ifndef MTV_LAB_KINDS_H
#define MTV_LAB_KINDS_H

#include <cjson/cJSON.h>
#include <stddef.h>

enum lab_kind_flags {
    LAB_KIND_NAMESPACED = 1,  /* else cluster-scoped */
    LAB_KIND_STATUS = 2,      /* has the status subresource */
    LAB_KIND_CUSTOM = 4,      /* a custom resource (CRD semantics: no strategic merge) */
    LAB_KIND_NO_GENERATION = 8, /* metadata.generation is not maintained */
    LAB_KIND_NAME_LABEL = 16, /* names are DNS-1123 labels, not subdomains */
};

typedef struct lab_kind {
    int index;              /* position in the registry */
    char *group;            /* "" for the core group */
    char *version;
    char *kind;
    char *plural;
    char *singular;
    char *list_kind;
    char *api_version;      /* "v1" or "group/version" */
    char **short_names;
    size_t n_short;
    char **categories;
    size_t n_categories;
    unsigned flags;
    cJSON *schema;          /* openAPIV3Schema; NULL = schemaless */
    cJSON *columns;         /* additionalPrinterColumns-shaped array, never NULL */
    char **fields;          /* field-selector paths besides metadata.name/namespace */
    size_t n_fields;
    char *source;           /* "built-in" or the CRD file it came from */
} lab_kind;

typedef struct lab_kinds {
    lab_kind **items;
    size_t count;
} lab_kinds;

/* Row format used by the built-in table and by tests. columns: ';'-separated
 * "NAME|type|jsonPath[|priority]"; short_names, categories and fields:
 * ','-separated. */
typedef struct lab_kind_def {
    const char *group, *version, *kind, *plural;
    const char *short_names;
    const char *categories;
    unsigned flags;
    const char *columns;
    const char *fields;
} lab_kind_def;

lab_kinds *lab_kinds_new(void);
lab_kinds *lab_kinds_new_builtin(void);
void lab_kinds_free(lab_kinds *k);

/* Adds a row, or replaces the row with the same group/version/plural.
 * Returns the kind (owned by the registry). */
lab_kind *lab_kinds_add(lab_kinds *k, const lab_kind_def *def);

/* Lookups; NULL when absent. */
lab_kind *lab_kinds_find(const lab_kinds *k, const char *group, const char *version,
                         const char *plural);
lab_kind *lab_kinds_find_kind(const lab_kinds *k, const char *group, const char *version,
                              const char *kind);
/* Distinct group/versions in registry order, as "v1" / "g/v" strings
 * (array owned by caller, strings by the kinds). */
const char **lab_kinds_group_versions(const lab_kinds *k, size_t *count);

/* Replaces the column list (takes ownership of columns). */
void lab_kind_set_columns(lab_kind *kind, cJSON *columns);
/* Replaces short names / categories from a JSON array of strings (copied). */
void lab_kind_set_names(lab_kind *kind, const cJSON *short_names, const cJSON *categories);
/* Whether path may be used in a field selector on this kind. */
int lab_kind_field_ok(const lab_kind *kind, const char *path);

#endif
