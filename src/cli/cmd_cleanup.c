/*
 * cleanup: removes what an earlier run left on the cluster, from its
 * resources.json, in upstream's teardown order (mtv/teardown.h). Idempotent:
 * objects already gone count as deleted, and the file is updated as it goes,
 * so it can be run again after an interruption.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_config.h"
#include "cli/cli_run.h"
#include "k8s/access.h"
#include "mtv/source_cleanup.h"
#include "mtv/teardown.h"
#include "util/fs.h"
#include "util/log.h"

typedef struct cleanup_opts {
    cli_common common;
    const char *kubeconfig, *context, *timeout;
    const char *providers_json, *provider, *source_ca_file;
    int dry_run, source_insecure;
} cleanup_opts;

/* 1 when the ledger lists a source-side object still to remove. */
static int has_live_source(ledger *l)
{
    ledger_entry *e;
    size_t n;
    int any = 0;
    ledger_snapshot(l, NULL, 1, &e, &n);
    for (size_t i = 0; i < n && !any; i++)
        any = e[i].side && !strcmp(e[i].side, "source");
    ledger_entries_free(e, n);
    return any;
}

/* The providers file for the source objects: loaded when there are any. A
 * file that cannot be loaded is not fatal (the cluster side is still
 * cleaned); its error becomes the reason the source objects are left. */
static int load_providers(const cleanup_opts *o, providers_file *pf, strbuf *why)
{
    strbuf path = STRBUF_INIT;
    const char *src = providers_resolve_path(o->providers_json, &path);
    diag_list diags = DIAG_LIST_INIT;
    int rc = providers_file_load(pf, path.buf, log_secrets(), &diags);
    if (rc < 0) {
        sb_addf(why, "providers file %s (from %s) could not be loaded", path.buf, src);
        if (diags.count)
            sb_addf(why, ": %s", diags.items[0].text);
        sb_adds(why, "; give the run's providers file with --providers-json");
    }
    diag_free(&diags);
    sb_release(&path);
    return rc;
}

static void list_live(ledger *l, strbuf *out, size_t *n)
{
    ledger_entry *e;
    size_t count;
    ledger_snapshot(l, NULL, 1, &e, &count);
    for (size_t i = 0; i < count; i++)
        sb_addf(out, "  %s %s %s%s%s%s%s\n", e[i].side, e[i].kind, e[i].namespace_ ? e[i].namespace_ : "",
                e[i].namespace_ ? "/" : "", e[i].name ? e[i].name : e[i].id,
                e[i].state == LEDGER_LEFTOVER ? "  (left over before: " : "",
                e[i].state == LEDGER_LEFTOVER ? (e[i].note ? e[i].note : "") : "");
    *n = count;
    ledger_entries_free(e, count);
}

static int do_cleanup(cleanup_opts *o, const char *arg, mtv_err *err)
{
    strbuf path = STRBUF_INIT, text = STRBUF_INIT;
    if (fs_is_dir(arg))
        fs_join(&path, arg, "resources.json");
    else
        sb_adds(&path, arg);
    int exit_code = -1;
    ledger *l = NULL;
    transport *t = NULL;
    kube_config kc;
    int have_kc = 0;
    k8s_client *c = NULL;
    int64_t object_ms = 0;
    if (o->timeout && cli_parse_duration(o->timeout, "--timeout", &object_ms, err) < 0)
        goto out;
    if (ledger_open(&l, path.buf, err) < 0)
        goto out;
    size_t live;
    list_live(l, &text, &live);
    if (live == 0) {
        printf("%s: nothing left to remove (%zu object%s recorded, all deleted)\n", path.buf,
               ledger_count(l), ledger_count(l) == 1 ? "" : "s");
        exit_code = MTV_EXIT_OK;
        goto out;
    }
    if (o->dry_run) {
        sb_reset(&path);
        sb_addf(&path, "would remove %zu object%s:\n", live, live == 1 ? "" : "s");
        cli_write_masked(stdout, path.buf, path.len);
        cli_write_masked(stdout, text.buf, text.len);
        exit_code = MTV_EXIT_OK;
        goto out;
    }
    transport_config tc = {.mode = TRANSPORT_LIVE};
    if (transport_open(&t, &tc, err) < 0 ||
        k8s_access_resolve(&kc, o->kubeconfig, o->context, t, log_secrets(), err) < 0)
        goto out;
    have_kc = 1;
    if (k8s_client_new(&c, &kc, t, err) < 0)
        goto out;
    log_info("cleanup of %s on %s: %zu object%s", path.buf, kc.server, live, live == 1 ? "" : "s");
    strbuf left = STRBUF_INIT, why = STRBUF_INIT;
    providers_file pf;
    memset(&pf, 0, sizeof pf);
    int have_pf = has_live_source(l) && load_providers(o, &pf, &why) == 0;
    mtv_source_cleaner_config scc = {.t = t, .file = have_pf ? &pf : NULL,
                                     .file_error = why.len ? why.buf : NULL,
                                     .provider = o->provider, .ca_file = o->source_ca_file,
                                     .insecure = o->source_insecure, .kube = &kc};
    mtv_source_cleaner *sc = mtv_source_cleaner_new(&scc);
    mtv_teardown_opts to = {.object_timeout_ms = object_ms, .namespace_timeout_ms = object_ms,
                            .source_delete = mtv_source_cleaner_delete, .source_ud = sc};
    long kept = mtv_teardown(c, l, &to, &left, err);
    mtv_source_cleaner_free(sc);
    providers_file_free(&pf);
    sb_release(&why);
    if (kept < 0) {
        sb_release(&left);
        goto out;
    }
    strbuf msg = STRBUF_INIT;
    if (kept == 0)
        sb_addf(&msg, "removed %zu object%s; %s lists them as deleted\n", live, live == 1 ? "" : "s",
                path.buf);
    else
        sb_addf(&msg, "removed %ld of %zu objects; left behind (marked in %s):\n%s", (long)live - kept,
                live, path.buf, left.buf);
    cli_write_masked(stdout, msg.buf, msg.len);
    sb_release(&msg);
    sb_release(&left);
    exit_code = kept ? MTV_EXIT_ENV : MTV_EXIT_OK;
out:
    k8s_client_free(c);
    if (have_kc)
        kubeconfig_free(&kc);
    transport_free(t);
    ledger_free(l);
    sb_release(&path);
    sb_release(&text);
    return exit_code;
}

int cmd_cleanup(int argc, char **argv)
{
    cleanup_opts o;
    memset(&o, 0, sizeof o);
    const opt_def options[] = {
        {OPT_STRING, 0, "kubeconfig", "PATH", "Kubeconfig of the cluster (kubectl's rules).",
         "CLUSTER_* login, else $KUBECONFIG, else ~/.kube/config", &o.kubeconfig, 0, 0, 0},
        {OPT_STRING, 0, "context", "NAME", "Kubeconfig context.", "the current-context", &o.context,
         0, 0, 0},
        {OPT_STRING, 0, "timeout", "DURATION", "How long to wait for each object to go (3600, 90m, "
                                               "2h).",
         "180 s per object, 600 s per namespace", &o.timeout, 0, 0, 0},
        {OPT_STRING, 0, "providers-json", "PATH", "The providers file the run used, to reach the "
                                                  "source of its clones, snapshots, images and "
                                                  "volumes.",
         "$PROVIDERS_JSON_PATH, else ./.providers.json", &o.providers_json, 0, 0, 0},
        {OPT_STRING, 'p', "provider", "KEY", "Reach the source objects through this entry of the "
                                             "providers file.",
         "the entry each object was made on, as resources.json names it", &o.provider, 0, 0, 0},
        {OPT_STRING, 0, "source-ca-file", "PATH", "Trust this PEM CA bundle for the sources' TLS.",
         "the chain each source server presents (fetched and recorded, as run does for the "
         "Provider Secret)", &o.source_ca_file, 0, 0, 0},
        {OPT_FLAG, 0, "source-insecure", NULL, "Do not verify the sources' TLS certificates "
                                               "(explicit opt-in; never the default).",
         NULL, &o.source_insecure, 0, 0, 0},
        {OPT_FLAG, 'n', "dry-run", NULL, "Only list what would be removed.", NULL, &o.dry_run, 0, 0,
         0},
        CLI_COMMON_OPTIONS(&o.common),
        {0},
    };
    const cli_doc doc = {
        .name = "cleanup",
        .summary = "remove what an earlier run left on the cluster and the source, from its "
                   "resources.json",
        .usage = "cleanup RUN_DIR|RESOURCES_JSON [--kubeconfig PATH] [--context NAME] "
                 "[--providers-json PATH] [--provider KEY] [--source-ca-file PATH | "
                 "--source-insecure] [--timeout DURATION] [--dry-run]",
        .description =
            "Reads a run's resources.json (every object the run created, listed as it was "
            "created) and removes what is still there, in upstream's teardown order: running "
            "Migrations are canceled, Plans archived, then Migrations, Plans, Hooks, Providers, "
            "Secrets, NADs, maps and the rest are deleted and waited for, then the migrated "
            "VirtualMachines and the namespaces the run created. Objects already gone count as "
            "deleted; the file records each one's state as it goes, so cleanup can be run again "
            "at any time.\n"
            "\n"
            "Use it after a run killed with SIGKILL or a second Ctrl-C, after --skip-teardown, "
            "or when a run reported objects left behind. Exit 0 when nothing is left, 3 when "
            "something could not be removed (listed, and marked \"leftover\" in the file).\n"
            "\n"
            "Source-side objects (the run's clones of the source VMs, and the snapshots, images "
            "and volumes an OpenStack clone is made from) are deleted last, newest first, "
            "through the source adapter of the providers-file entry each was made on: give the "
            "run's providers file with --providers-json. A source that cannot be reached (no "
            "such entry, refused login, no answer, untrusted certificate) leaves its objects "
            "listed as left over with the reason, and cleanup can be run again once it is "
            "reachable. See docs/running.md.",
        .examples = "$ mtv-validate cleanup mtv-results/20261127-221500-a1b2\n"
                    "  remove what that run left\n"
                    "$ mtv-validate cleanup run/ --providers-json .providers.json "
                    "--source-ca-file rhv-ca.pem\n"
                    "  the same, with the clones it made in oVirt\n"
                    "$ mtv-validate cleanup run/resources.json --dry-run\n"
                    "  list it first",
        .options = options,
    };
    char **pos;
    int npos;
    int rc = cli_parse(&doc, &o.common, argc, argv, &pos, &npos);
    int exit_code;
    if (rc) {
        exit_code = rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    } else if (npos != 1) {
        fprintf(stderr, "mtv-validate cleanup: expected one RUN_DIR or resources.json; see "
                        "'mtv-validate cleanup --help'\n");
        exit_code = MTV_EXIT_USAGE;
    } else {
        mtv_err err;
        mtv_err_clear(&err);
        exit_code = do_cleanup(&o, pos[0], &err);
        if (exit_code < 0)
            exit_code = cli_fail(&err);
    }
    free(pos);
    return exit_code;
}
