/*
 * select: which scenarios a run (or `list`) takes, and which of them are
 * skipped, with upstream's collection-time rules.
 *
 *  1. --scenario NAME (repeatable) narrows to those scenarios;
 *  2. -m keeps scenarios whose markers satisfy the expression, -k those whose
 *     names (test name, upstream class and id, suite, markers) contain the
 *     expression's words, case-insensitively (pytest semantics);
 *  3. with a source provider known, scenarios whose provider markers exclude
 *     it are left out (vsphere/esxi/rhv/openstack/openshift/ova/hyperv);
 *  4. the rest are selected; a selected scenario may still be skipped, with
 *     upstream's reason: warm on providers without warm migration, vSphere-
 *     only features elsewhere, CA-certificate tests on providers without
 *     one, and the scenario's own setting-driven skips.
 *
 * Test names are <scenario>-<provider>-<storage_class> as upstream renames
 * its items. Ownership: a selection owns its items' names and reasons; the
 * scenarios belong to the catalog, which must outlive the selection.
 */
#ifndef MTV_RUNNER_SELECT_H
#define MTV_RUNNER_SELECT_H

#include <stddef.h>

#include "config/providers.h"
#include "runner/catalog.h"
#include "util/diag.h"
#include "util/err.h"

typedef struct select_opts {
    const char *markexpr;            /* -m, or NULL */
    const char *keyexpr;             /* -k, or NULL */
    const char *const *names;        /* --scenario values */
    size_t n_names;
    enum provider_type provider_type; /* PROVIDER_UNKNOWN: no provider gating */
    const provider_entry *entry;     /* the providers file entry, or NULL */
    const char *provider_label;      /* in test names: the entry key or the type; NULL to omit */
    const char *storage_class;       /* in test names; NULL to omit */
} select_opts;

typedef struct selected {
    const scenario *sc;
    char *test_name;                 /* owned */
    char *skip;                      /* owned skip reason, or NULL */
    const jira_link *jira;           /* a run=false link that applies here, or NULL */
    diag_list problems;              /* provider-dependent problems (params_check_provider) */
} selected;

typedef struct selection {
    selected *items;                 /* owned, catalog order */
    size_t count;
    size_t not_applicable;           /* left out by provider markers */
    size_t deselected;               /* left out by -m / -k */
    diag_list warnings;              /* e.g. unregistered markers in -m */
} selection;

int select_scenarios(const catalog *c, const select_opts *o, selection *out, mtv_err *err);
void selection_free(selection *s);

/* Upstream's skip reason for sc, or NULL (reason written into out). */
const char *select_skip_reason(const scenario *sc, enum provider_type type,
                               const settings *set, strbuf *out);

/* 1 when sc's provider markers allow the provider (or it has none). */
int select_provider_applies(const scenario *sc, enum provider_type type, const provider_entry *entry);

#endif
