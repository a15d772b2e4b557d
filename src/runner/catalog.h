/*
 * catalog: the scenario catalog directory: settings.json plus one
 * <scenario_key>.json per scenario.
 *
 * The directory is --catalog DIR, else $MTV_CATALOG_DIR, else ./scenarios,
 * else the installed share/mtv-validate/scenarios. Loading parses every file
 * and reports every problem it finds (it never stops at the first), then
 * `--set` overrides are applied, then every scenario is checked, so that a
 * value given on the command line is checked exactly like one in a file.
 *
 * Ownership: a catalog owns its settings and scenarios.
 */
#ifndef MTV_RUNNER_CATALOG_H
#define MTV_RUNNER_CATALOG_H

#include <stddef.h>

#include "config/settings.h"
#include "runner/scenario.h"
#include "util/diag.h"
#include "util/secrets.h"
#include "util/strbuf.h"

typedef struct catalog {
    char *dir;              /* owned */
    settings settings;
    scenario *items;        /* owned, sorted by name */
    size_t count;
} catalog;

/* Writes the catalog directory into out; returns where it came from
 * ("--catalog", "$MTV_CATALOG_DIR", ...), or NULL (out lists what was
 * tried) when none exists. */
const char *catalog_resolve_dir(const char *cli_dir, strbuf *out);

/* Reads dir/settings.json and every other .json file in dir. Returns -1 when the
 * directory cannot be listed; problems in files go to diags. */
int catalog_load(catalog *c, const char *dir, secret_registry *reg, diag_list *diags);

/* Applies "--set KEY=VALUE" texts: KEY is a setting name, or
 * <scenario>.<param path> (dots between keys and array indexes, an optional
 * "tests_params." prefix as upstream's --tc). Values are typed by the key's
 * definition. Problems go to diags. */
void catalog_apply_sets(catalog *c, const char *const *sets, size_t n, secret_registry *reg,
                        diag_list *diags);

/* Checks every scenario's params (params_check). */
void catalog_check(const catalog *c, diag_list *diags);

/* All of the above: resolve, load, apply, check. Returns -1 when no catalog
 * could be read (problems are in diags either way). */
int catalog_open(catalog *c, const char *cli_dir, const char *const *sets, size_t n,
                 secret_registry *reg, diag_list *diags);

const scenario *catalog_find(const catalog *c, const char *name);
void catalog_free(catalog *c);

#endif
