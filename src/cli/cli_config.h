/*
 * cli_config: what `list`, `config check` (and later `run`) share to turn
 * their options into a providers entry and a checked catalog, with messages
 * that say where a path came from (--providers-json, $PROVIDERS_JSON_PATH,
 * or the default ./.providers.json).
 */
#ifndef MTV_CLI_CLI_CONFIG_H
#define MTV_CLI_CLI_CONFIG_H

#include <stdio.h>

#include "cli/opt.h"
#include "config/providers.h"
#include "runner/catalog.h"
#include "util/diag.h"
#include "util/strbuf.h"

/* Loads the providers file chosen by providers_json / the environment and
 * selects key (checking that entry). Fails with a message naming the file
 * and how it was chosen. */
int cli_open_provider(const char *providers_json, const char *key, providers_file *pf,
                      const provider_entry **entry, mtv_err *err);

/* Parses a --provider-type value. */
int cli_provider_type(const char *name, enum provider_type *out, mtv_err *err);

/* Writes text to out through the secret registry of the logger. */
void cli_write_masked(FILE *out, const char *text, size_t n);

/* Prints diags to stderr (masked). */
void cli_print_diags(const diag_list *diags);

#endif
