/*
 * list: shows which scenarios a run with the same selection would take,
 * their markers, steps and VMs, and for the ones that would be skipped the
 * reason, without touching a cluster. Selection is the runner's own
 * (runner/select.h), so what `list` shows is what `run` will do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_config.h"
#include "runner/select.h"
#include "util/log.h"

typedef struct list_opts {
    cli_common common;
    const char *markexpr, *keyexpr, *provider, *provider_type, *storage_class, *catalog,
        *providers_json;
    opt_list scenarios, sets;
    int json, doc;
} list_opts;

static void vm_names(const scenario *sc, strbuf *out, cJSON *json)
{
    const cJSON *vms = sc->params ? cJSON_GetObjectItemCaseSensitive(sc->params, "virtual_machines") : NULL;
    for (const cJSON *vm = cJSON_IsArray(vms) ? vms->child : NULL; vm; vm = vm->next) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(vm, "name");
        const char *name = cJSON_IsString(n) ? n->valuestring : "?";
        if (out)
            sb_addf(out, "%s%s", out->len ? ", " : "", name);
        if (json)
            cJSON_AddItemToArray(json, cJSON_CreateString(name));
    }
}

static void print_text(const list_opts *o, const catalog *c, const selection *sel, strbuf *out)
{
    size_t skipped = 0;
    for (size_t i = 0; i < sel->count; i++)
        skipped += sel->items[i].skip != NULL;
    sb_addf(out, "Catalog %s: %zu scenario%s selected", c->dir, sel->count, sel->count == 1 ? "" : "s");
    if (skipped)
        sb_addf(out, " (%zu skipped)", skipped);
    sb_addf(out, " of %zu", c->count);
    if (sel->deselected)
        sb_addf(out, "; %zu deselected by -m/-k/--scenario", sel->deselected);
    if (sel->not_applicable)
        sb_addf(out, "; %zu not written for this provider (provider markers)", sel->not_applicable);
    sb_adds(out, "\n");
    strbuf line = STRBUF_INIT;
    for (size_t i = 0; i < sel->count; i++) {
        const selected *s = &sel->items[i];
        const scenario *sc = s->sc;
        sb_addf(out, "\n%s\n", s->test_name);
        sb_reset(&line);
        for (size_t m = 0; m < sc->n_markers; m++)
            sb_addf(&line, "%s%s", m ? " " : "", sc->markers[m]);
        sb_addf(out, "  markers: %s\n", sb_str(&line));
        if (sc->pattern) {
            sb_addf(out, "  steps:   %s:", sc->pattern->name);
            for (size_t k = 0; k < sc->pattern->count; k++)
                sb_addf(out, "%s%s", k ? " > " : " ", sc->pattern->steps[k].name);
            sb_adds(out, "\n");
        }
        sb_reset(&line);
        vm_names(sc, &line, NULL);
        sb_addf(out, "  vms:     %s\n", line.len ? line.buf : "(none)");
        if (sc->cls || sc->id)
            sb_addf(out, "  upstream: %s%s%s%s\n", sc->cls ? sc->cls : "", sc->cls && sc->id ? " " : "",
                    sc->id ? "id " : "", sc->id ? sc->id : "");
        if (s->skip)
            sb_addf(out, "  SKIPPED: %s\n", s->skip);
        if (s->jira)
            sb_addf(out, "  jira:    %s (run=false): skipped while the issue is open (checked when run)\n",
                    s->jira->key);
        for (size_t p = 0; p < s->problems.count; p++)
            sb_addf(out, "  PROBLEM: %s\n", s->problems.items[p].text);
        if (o->doc && sc->doc_text) {
            sb_adds(out, "\n");
            for (const char *t = sc->doc_text; *t;) {
                const char *nl = strchr(t, '\n');
                size_t l = nl ? (size_t)(nl - t) : strlen(t);
                sb_addf(out, "    %.*s\n", (int)l, t);
                t += l + (nl ? 1 : 0);
            }
        }
    }
    sb_release(&line);
}

static void print_json(const list_opts *o, const catalog *c, const selection *sel, strbuf *out)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "catalog", c->dir);
    cJSON_AddItemToObject(root, "provider", o->provider ? cJSON_CreateString(o->provider) : cJSON_CreateNull());
    cJSON_AddItemToObject(root, "storage_class",
                          o->storage_class ? cJSON_CreateString(o->storage_class) : cJSON_CreateNull());
    cJSON_AddNumberToObject(root, "total", (double)c->count);
    cJSON_AddNumberToObject(root, "selected", (double)sel->count);
    cJSON_AddNumberToObject(root, "deselected", (double)sel->deselected);
    cJSON_AddNumberToObject(root, "not_applicable", (double)sel->not_applicable);
    cJSON *list = cJSON_AddArrayToObject(root, "scenarios");
    for (size_t i = 0; i < sel->count; i++) {
        const selected *s = &sel->items[i];
        const scenario *sc = s->sc;
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "name", sc->name);
        cJSON_AddStringToObject(j, "test_name", s->test_name);
        cJSON_AddStringToObject(j, "file", sc->path);
        cJSON_AddItemToObject(j, "class", sc->cls ? cJSON_CreateString(sc->cls) : cJSON_CreateNull());
        cJSON_AddItemToObject(j, "id", sc->id ? cJSON_CreateString(sc->id) : cJSON_CreateNull());
        cJSON_AddItemToObject(j, "suite", sc->suite ? cJSON_CreateString(sc->suite) : cJSON_CreateNull());
        cJSON *markers = cJSON_AddArrayToObject(j, "markers");
        for (size_t m = 0; m < sc->n_markers; m++)
            cJSON_AddItemToArray(markers, cJSON_CreateString(sc->markers[m]));
        cJSON_AddItemToObject(j, "pattern", sc->pattern ? cJSON_CreateString(sc->pattern->name) : cJSON_CreateNull());
        cJSON *steps = cJSON_AddArrayToObject(j, "steps");
        for (size_t k = 0; sc->pattern && k < sc->pattern->count; k++)
            cJSON_AddItemToArray(steps, cJSON_CreateString(sc->pattern->steps[k].name));
        vm_names(sc, NULL, cJSON_AddArrayToObject(j, "vms"));
        cJSON_AddItemToObject(j, "skip", s->skip ? cJSON_CreateString(s->skip) : cJSON_CreateNull());
        cJSON *jira = cJSON_AddArrayToObject(j, "jira");
        for (size_t k = 0; k < sc->n_jira; k++) {
            cJSON *l = cJSON_CreateObject();
            cJSON_AddStringToObject(l, "key", sc->jira[k].key);
            cJSON_AddBoolToObject(l, "run", sc->jira[k].run);
            cJSON_AddBoolToObject(l, "applies", s->jira == &sc->jira[k]);
            cJSON_AddItemToArray(jira, l);
        }
        cJSON *problems = cJSON_AddArrayToObject(j, "problems");
        for (size_t p = 0; p < s->problems.count; p++)
            cJSON_AddItemToArray(problems, cJSON_CreateString(s->problems.items[p].text));
        if (o->doc)
            cJSON_AddStringToObject(j, "doc", sc->doc_text ? sc->doc_text : "");
        cJSON_AddItemToArray(list, j);
    }
    char *text = cJSON_Print(root);
    if (!text)
        abort();
    sb_adds(out, text);
    sb_adds(out, "\n");
    cJSON_free(text);
    cJSON_Delete(root);
}

int cmd_list(int argc, char **argv)
{
    list_opts o;
    memset(&o, 0, sizeof o);
    const opt_def options[] = {
        {OPT_STRING, 'm', "markers", "EXPR",
         "Marker expression, as pytest -m: marker names with and, or, not and parentheses.", NULL,
         &o.markexpr, 0, 0, 0},
        {OPT_STRING, 'k', "keyword", "EXPR",
         "Keyword expression, as pytest -k: case-insensitive substrings of the test name, upstream "
         "class and id, suite and markers, with and, or, not and parentheses.",
         NULL, &o.keyexpr, 0, 0, 0},
        {OPT_LIST, 0, "scenario", "NAME", "Only this scenario (a catalog file name without .json).",
         NULL, &o.scenarios, 0, 0, 0},
        {OPT_STRING, 0, "provider", "KEY",
         "Source provider: an entry of the providers file. Applies provider markers, upstream's "
         "skips and the provider checks.",
         NULL, &o.provider, 0, 0, 0},
        {OPT_STRING, 0, "provider-type", "TYPE",
         "Like --provider, for a provider type (vsphere, ovirt, openstack, openshift, ova, hyperv) "
         "without a providers file.",
         NULL, &o.provider_type, 0, 0, 0},
        {OPT_STRING, 0, "storage-class", "SC", "Storage class, for the test names.",
         "the storage_class setting", &o.storage_class, 0, 0, 0},
        {OPT_STRING, 0, "catalog", "DIR", "Scenario catalog directory.",
         "$MTV_CATALOG_DIR, else ./scenarios, else the installed catalog", &o.catalog, 0, 0, 0},
        {OPT_STRING, 0, "providers-json", "PATH", "Providers file, for --provider.",
         "$PROVIDERS_JSON_PATH, else ./.providers.json", &o.providers_json, 0, 0, 0},
        {OPT_LIST, 0, "set", "KEY=VALUE",
         "Override a setting or a scenario key (<scenario>.<key>), type-checked.", NULL, &o.sets, 0,
         0, 0},
        {OPT_FLAG, 0, "doc", NULL, "Also print each scenario's test plan.", NULL, &o.doc, 0, 0, 0},
        {OPT_FLAG, 0, "json", NULL, "Print one JSON object instead of text.", NULL, &o.json, 0, 0, 0},
        CLI_COMMON_OPTIONS(&o.common),
        {0},
    };
    const cli_doc doc = {
        .name = "list",
        .summary = "show the scenarios a selection takes, with steps, VMs and skip reasons",
        .usage = "list [-m EXPR] [-k EXPR] [--scenario NAME]... [--provider KEY | --provider-type TYPE] "
                 "[--storage-class SC] [--catalog DIR] [--set KEY=VALUE]... [--doc] [--json]",
        .description =
            "Loads and checks the scenario catalog, selects scenarios exactly as a run would "
            "(--scenario, then -m and -k with pytest's semantics), and prints each selected one "
            "with its markers, its steps, its VMs and its upstream class and id.\n"
            "\n"
            "With --provider or --provider-type, scenarios whose provider markers exclude that "
            "provider are left out, and the others show upstream's skip reasons (for example "
            "'openstack warm migration is not supported.') and any problem the provider would "
            "cause (a missing LUKS passphrase, a copy-offload block without the datastore a "
            "scenario names). Test names are <scenario>-<provider>-<storage class>, as upstream's.\n"
            "\n"
            "A catalog with errors is not listed: the errors are printed and the exit code is 2 "
            "('mtv-validate config check' shows the same).",
        .examples = "$ mtv-validate list -m \"tier0 and not warm\" --provider-type vsphere\n"
                    "  upstream's tier0 cold scenarios for vSphere\n"
                    "$ mtv-validate list -k comprehensive --provider vsphere-8 --storage-class ceph-rbd\n"
                    "  test names as a run against that provider entry will report them\n"
                    "$ mtv-validate list -m copyoffload_sanity --json\n"
                    "  the same for scripts",
        .options = options,
    };
    char **pos;
    int npos;
    int rc = cli_parse(&doc, &o.common, argc, argv, &pos, &npos);
    if (rc) {
        opt_list_free(&o.scenarios);
        opt_list_free(&o.sets);
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    }
    mtv_err err;
    mtv_err_clear(&err);
    providers_file pf;
    memset(&pf, 0, sizeof pf);
    catalog c;
    memset(&c, 0, sizeof c);
    diag_list diags = DIAG_LIST_INIT;
    selection sel;
    memset(&sel, 0, sizeof sel);
    select_opts so;
    memset(&so, 0, sizeof so);
    strbuf out = STRBUF_INIT;
    int exit_code = MTV_EXIT_USAGE;

    if (npos > 0) {
        mtv_err_set(&err, MTV_EXIT_USAGE, "list: unexpected argument '%s'; see 'mtv-validate list --help'",
                    pos[0]);
        goto fail;
    }
    if (o.provider && o.provider_type) {
        mtv_err_set(&err, MTV_EXIT_USAGE, "list: give --provider or --provider-type, not both");
        goto fail;
    }
    if (o.provider) {
        if (cli_open_provider(o.providers_json, o.provider, &pf, &so.entry, &err) < 0)
            goto fail;
        so.provider_type = so.entry->type;
        so.provider_label = o.provider;
    } else if (o.provider_type) {
        if (cli_provider_type(o.provider_type, &so.provider_type, &err) < 0)
            goto fail;
        so.provider_label = o.provider_type;
    }
    if (catalog_open(&c, o.catalog, o.sets.items, o.sets.count, log_secrets(), &diags) < 0 ||
        diags.errors) {
        cli_print_diags(&diags);
        mtv_err_set(&err, MTV_EXIT_USAGE, "the scenario catalog has %zu problem%s (see above)",
                    diags.errors, diags.errors == 1 ? "" : "s");
        goto fail;
    }
    cli_print_diags(&diags);
    so.markexpr = o.markexpr;
    so.keyexpr = o.keyexpr;
    so.names = o.scenarios.items;
    so.n_names = o.scenarios.count;
    so.storage_class = o.storage_class ? o.storage_class : settings_str(&c.settings, "storage_class", NULL);
    if (select_scenarios(&c, &so, &sel, &err) < 0)
        goto fail;
    cli_print_diags(&sel.warnings);
    if (o.json)
        print_json(&o, &c, &sel, &out);
    else
        print_text(&o, &c, &sel, &out);
    cli_write_masked(stdout, sb_str(&out), out.len);
    exit_code = MTV_EXIT_OK;
    goto done;
fail:
    exit_code = cli_fail(&err);
done:
    sb_release(&out);
    selection_free(&sel);
    catalog_free(&c);
    diag_free(&diags);
    providers_file_free(&pf);
    opt_list_free(&o.scenarios);
    opt_list_free(&o.sets);
    free(pos);
    return exit_code;
}
