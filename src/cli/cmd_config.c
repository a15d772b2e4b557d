/*
 * config: commands about configuration files. `config check` validates the
 * providers file, the settings and the whole scenario catalog in one go and
 * reports every problem it finds, so a broken setup is fixed in one pass
 * rather than one error per run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_config.h"
#include "runner/params.h"
#include "runner/select.h"
#include "util/log.h"

static const cli_command config_commands[] = {
    {"check", "validate the providers file, the settings and the scenario catalog", cmd_config_check},
    {NULL, NULL, NULL},
};

int cmd_config(int argc, char **argv)
{
    return cli_dispatch("config", "check configuration files", config_commands, argc, argv);
}

/* Checks the catalog's scenarios against one provider; problems become
 * warnings: they only matter for the scenarios a run against it selects. */
static void check_against_provider(const catalog *c, const provider_entry *e, diag_list *diags)
{
    strbuf reason = STRBUF_INIT;
    for (size_t i = 0; i < c->count; i++) {
        const scenario *sc = &c->items[i];
        if (!select_provider_applies(sc, e->type, e) ||
            select_skip_reason(sc, e->type, &c->settings, &reason))
            continue;
        params_check_provider(sc, e->type, e, DIAG_WARNING, diags);
    }
    sb_release(&reason);
}

int cmd_config_check(int argc, char **argv)
{
    cli_common common;
    memset(&common, 0, sizeof common);
    const char *providers_json = NULL, *provider = NULL, *catalog_dir = NULL;
    opt_list sets = {0};
    const opt_def options[] = {
        {OPT_STRING, 0, "providers-json", "PATH", "Providers file to check.",
         "$PROVIDERS_JSON_PATH, else ./.providers.json", &providers_json, 0, 0, 0},
        {OPT_STRING, 0, "provider", "KEY",
         "Check only this entry of the providers file, and the catalog against it.",
         "every entry", &provider, 0, 0, 0},
        {OPT_STRING, 0, "catalog", "DIR", "Scenario catalog directory.",
         "$MTV_CATALOG_DIR, else ./scenarios, else the installed catalog", &catalog_dir, 0, 0, 0},
        {OPT_LIST, 0, "set", "KEY=VALUE",
         "Override a setting or a scenario key (<scenario>.<key>) before checking.", NULL, &sets, 0,
         0, 0},
        CLI_COMMON_OPTIONS(&common),
        {0},
    };
    const cli_doc doc = {
        .name = "config check",
        .summary = "validate the providers file, the settings and the scenario catalog",
        .usage = "config check [--providers-json PATH] [--provider KEY] [--catalog DIR] [--set KEY=VALUE]...",
        .description =
            "Reads the providers file, scenarios/settings.json and every scenario file, and reports "
            "every problem found, each with file:line:column, the entry or key, and what is "
            "expected: JSON syntax errors (with the line and a caret), unknown or mistyped keys, "
            "missing required keys per provider type, copy-offload settings (after the "
            "COPYOFFLOAD_* environment overrides), and upstream's scenario rules.\n"
            "\n"
            "With --provider, only that entry is checked, and every scenario a run against it "
            "would take is checked against it too (LUKS passphrase, copy-offload datastores, what "
            "the provider type supports); those findings are warnings.\n"
            "\n"
            "Secret values are never printed. The exit code is 2 when any error was found, 0 "
            "otherwise (warnings alone do not fail).",
        .examples = "$ mtv-validate config check\n"
                    "  ./.providers.json and ./scenarios\n"
                    "$ mtv-validate config check --providers-json ~/mtv/providers.json --provider vsphere-8\n"
                    "  one entry, and the catalog against it\n"
                    "$ mtv-validate config check --set plan_wait_timeout=7200\n"
                    "  also type-checks the override",
        .options = options,
    };
    char **pos;
    int npos;
    int rc = cli_parse(&doc, &common, argc, argv, &pos, &npos);
    if (rc) {
        opt_list_free(&sets);
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    }
    if (npos > 0) {
        mtv_err err;
        mtv_err_set(&err, MTV_EXIT_USAGE, "config check: unexpected argument '%s'", pos[0]);
        free(pos);
        opt_list_free(&sets);
        return cli_fail(&err);
    }
    diag_list diags = DIAG_LIST_INIT;
    providers_file pf;
    catalog c;
    strbuf path = STRBUF_INIT, summary = STRBUF_INIT;
    const char *src = providers_resolve_path(providers_json, &path);
    const provider_entry *entry = NULL;
    size_t before = diags.errors;
    if (providers_file_load(&pf, path.buf, log_secrets(), &diags) == 0) {
        if (provider) {
            mtv_err err;
            mtv_err_clear(&err);
            if (!(entry = providers_get(&pf, provider, &err)))
                diag_add_err(&diags, &err);
        }
        if (!provider || entry)
            providers_check(&pf, provider, &diags);
        sb_addf(&summary, "providers file %s (from %s): %s checked, ", path.buf, src,
                provider ? "1 entry" : "all entries");
    } else {
        sb_addf(&summary, "providers file %s (from %s): not usable (see above), ", path.buf, src);
    }
    size_t provider_errors = diags.errors - before;
    if (provider_errors)
        entry = NULL;   /* a broken entry would only add noise to the scenario checks */
    int cat = catalog_open(&c, catalog_dir, sets.items, sets.count, log_secrets(), &diags);
    if (cat == 0) {
        if (entry)
            check_against_provider(&c, entry, &diags);
        sb_addf(&summary, "catalog %s: settings and %zu scenarios checked", c.dir, c.count);
    } else {
        sb_adds(&summary, "catalog: not usable (see above)");
    }
    cli_print_diags(&diags);
    printf("config check: %s; %zu error%s, %zu warning%s\n", summary.buf, diags.errors,
           diags.errors == 1 ? "" : "s", diags.warnings, diags.warnings == 1 ? "" : "s");
    int exit_code = diags.errors ? MTV_EXIT_USAGE : MTV_EXIT_OK;
    if (diags.errors)
        log_debug("config check found %zu errors", diags.errors);
    catalog_free(&c);
    providers_file_free(&pf);
    diag_free(&diags);
    sb_release(&path);
    sb_release(&summary);
    opt_list_free(&sets);
    free(pos);
    return exit_code;
}
