/*
 * run: migrates the selected scenarios' VMs through MTV on a cluster,
 * recording every exchange, and leaves a folder with the verdicts
 * (results.json, junit.xml), the log, resources.json and one cassette per
 * scenario. Selection is `list`'s (runner/select.h), execution the runner's
 * (runner/run.h) with the Forklift lifecycle driver.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_config.h"
#include "cli/cli_run.h"
#include "k8s/access.h"
#include "k8s/client.h"
#include "mtv/version.h"
#include "reporters/jira_gate.h"
#include "reporters/jira_report.h"
#include "runner/mtv_driver.h"
#include "runner/run.h"
#include "util/fs.h"
#include "util/log.h"

typedef struct run_opts {
    cli_common common;
    const char *provider, *storage_class, *providers_json, *kubeconfig, *context, *markexpr,
        *keyexpr, *catalog, *output, *shard, *timeout, *jira_config;
    opt_list scenarios, sets, jira_sets;
    int record, skip_teardown, jira, jira_report;
    long jobs;
} run_opts;

static int open_output(const char *dir, mtv_err *err)
{
    strbuf p = STRBUF_INIT;
    fs_join(&p, dir, "resources.json");
    int exists = fs_exists(p.buf);
    sb_release(&p);
    if (exists)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "--output %s already holds a run (resources.json); choose another folder", dir);
    return fs_mkdir_p(dir, 0755, err);
}

/* The MTV version the cluster runs, into out; a cluster that does not say
 * leaves out empty (logged): the reports then lack the property, the run
 * goes on. */
static void read_mtv_version(const kube_config *kc, transport *t, const char *ns, strbuf *out)
{
    k8s_client *c = NULL;
    mtv_err err;
    mtv_err_clear(&err);
    if (k8s_client_new(&c, kc, t, &err) < 0 || mtv_version_read(c, ns, out, &err) < 0) {
        log_warn("MTV version unknown (the reports leave it out): %s", err.msg);
        sb_reset(out);
    } else {
        log_info("MTV %s in namespace %s", out->buf, ns);
    }
    k8s_client_free(c);
}

/* After the run: its failures to Jira (jira_report_run prints each decision
 * and its counts). A Jira problem is printed and logged, never turned into
 * the exit code: that stays the validation's. */
static void report_to_jira(const run_results *res, const jira_config *jcfg, const char *out_dir)
{
    jira_report_stats st;
    jira_report_opts jo = {.source = out_dir, .base_dir = NULL};
    mtv_err err;
    mtv_err_clear(&err);
    if (jira_report_run(res, jcfg, NULL, &jo, &st, &err) < 0) {
        log_error("jira report: %s", err.msg);
        fprintf(stdout, "jira: the report failed (%zu Jira error%s, see above); the exit code is the "
                        "validation's\n",
                st.errors, st.errors == 1 ? "" : "s");
    }
    fflush(stdout);
}

/* The run's exit code, or -1 with err when it could not run. */
static int do_run(run_opts *o, mtv_err *err)
{
    int exit_code = -1;
    providers_file pf;
    memset(&pf, 0, sizeof pf);
    catalog c;
    memset(&c, 0, sizeof c);
    diag_list diags = DIAG_LIST_INIT;
    selection sel;
    memset(&sel, 0, sizeof sel);
    select_opts so;
    memset(&so, 0, sizeof so);
    strbuf run_id = STRBUF_INIT, out_dir = STRBUF_INIT, log_path = STRBUF_INIT;
    strbuf mtv_version = STRBUF_INIT;
    run_item *items = NULL;
    transport *t = NULL;
    kube_config kc;
    int have_kc = 0;
    mtv_shared *shared = NULL;
    run_results *res = NULL;
    jira_config jcfg;
    int have_jcfg = 0;
    jira_gate_decision *gate = NULL;

    if (catalog_open(&c, o->catalog, o->sets.items, o->sets.count, log_secrets(), &diags) < 0 ||
        diags.errors) {
        cli_print_diags(&diags);
        mtv_err_set(err, MTV_EXIT_USAGE, "the scenario catalog has %zu problem%s (see above)",
                    diags.errors, diags.errors == 1 ? "" : "s");
        goto out;
    }
    cli_print_diags(&diags);
    const char *provider = o->provider ? o->provider : settings_str(&c.settings, "source_provider", NULL);
    const char *sc = o->storage_class ? o->storage_class : settings_str(&c.settings, "storage_class", NULL);
    if (!provider || !sc) {
        mtv_err_set(err, MTV_EXIT_USAGE,
                    "run needs a source provider and a storage class: give --provider KEY and "
                    "--storage-class SC (or set source_provider and storage_class)");
        goto out;
    }
    if (cli_open_provider(o->providers_json, provider, &pf, &so.entry, err) < 0)
        goto out;
    so.markexpr = o->markexpr;
    so.keyexpr = o->keyexpr;
    so.names = o->scenarios.items;
    so.n_names = o->scenarios.count;
    so.provider_type = so.entry->type;
    so.provider_label = provider;
    so.storage_class = sc;
    if (select_scenarios(&c, &so, &sel, err) < 0)
        goto out;
    cli_print_diags(&sel.warnings);
    int shard_i = 1, shard_n = 1;
    if (o->shard && runner_shard_parse(o->shard, &shard_i, &shard_n, err) < 0)
        goto out;
    int64_t timeout_ms = 0;
    if (o->timeout && cli_parse_duration(o->timeout, "--timeout", &timeout_ms, err) < 0)
        goto out;
    items = calloc(sel.count ? sel.count : 1, sizeof *items);
    if (!items)
        abort();
    size_t n = 0, problems = 0;
    for (size_t i = 0; i < sel.count; i++) {
        if (!runner_in_shard(i, shard_i, shard_n))
            continue;
        if (sel.items[i].problems.errors && !sel.items[i].skip) {
            diag_print(&sel.items[i].problems, stderr, log_secrets());
            problems += sel.items[i].problems.errors;
        }
        items[n++].sel = &sel.items[i];
    }
    if (problems) {
        mtv_err_set(err, MTV_EXIT_USAGE, "%zu problem%s with provider '%s' (see above)", problems,
                    problems == 1 ? "" : "s", provider);
        goto out;
    }
    if (n == 0) {
        mtv_err_set(err, MTV_EXIT_USAGE, "no scenario selected (see 'mtv-validate list' with the same options)");
        goto out;
    }

    if (o->jira || o->jira_report) {
        have_jcfg = 1;   /* jira_config_open initialises it, even when it fails */
        if (jira_config_open(&jcfg, o->jira_config, o->jira_sets.items, o->jira_sets.count, log_secrets(),
                             err) < 0 ||
            (o->jira_report && jira_config_check_tickets(&jcfg, err) < 0))
            goto out;
    }
    if (o->jira) {
        jira_client *jc = NULL;
        if (jira_client_new(&jc, &jcfg, NULL, err) < 0 ||
            jira_gate_check(jc, &sel, so.entry->type, &gate, err) < 0) {
            jira_client_free(jc);
            goto out;
        }
        jira_client_free(jc);
        for (size_t k = 0; k < n; k++) {
            const jira_gate_decision *dd = &gate[items[k].sel - sel.items];
            if (dd->action == JIRA_GATE_SKIP)
                items[k].skip = dd->reason;
            else if (dd->action == JIRA_GATE_XFAIL)
                items[k].xfail = dd->reason;
            if (dd->detail)
                log_info("%s: %s -> %s", items[k].sel->test_name, dd->detail,
                         jira_gate_action_name(dd->action));
        }
    } else {
        for (size_t k = 0; k < n; k++)
            if (items[k].sel->jira)
                log_info("%s links %s (run=false); not checked without --jira", items[k].sel->test_name,
                         items[k].sel->jira->key);
    }

    cli_run_id(&run_id);
    if (o->output)
        sb_adds(&out_dir, o->output);
    else
        sb_addf(&out_dir, "mtv-results/%s", run_id.buf);
    if (open_output(out_dir.buf, err) < 0)
        goto out;
    if (!o->common.log_file) {
        fs_join(&log_path, out_dir.buf, "run.log");
        if (log_set_file(log_path.buf, LOG_DEBUG, err) < 0)
            goto out;
    }
    log_info("run %s: %zu scenario%s (shard %d/%d), provider %s (%s), storage class %s, %ld job%s, "
             "%s",
             run_id.buf, n, n == 1 ? "" : "s", shard_i, shard_n, provider,
             provider_type_name(so.entry->type), sc, o->jobs, o->jobs == 1 ? "" : "s",
             o->record ? "recording" : "not recording");

    transport_config tc = {.mode = TRANSPORT_LIVE};
    if (transport_open(&t, &tc, err) < 0)
        goto out;
    if (k8s_access_resolve(&kc, o->kubeconfig, o->context, t, log_secrets(), err) < 0)
        goto out;
    have_kc = 1;
    log_info("cluster %s (%s)", kc.server, kc.source);
    const char *mtv_ns = settings_str(&c.settings, "mtv_namespace", "openshift-mtv");
    read_mtv_version(&kc, t, mtv_ns, &mtv_version);

    shared = mtv_shared_new();
    runner_driver d = runner_mtv_driver(shared);
    run_env env = {&c, &c.settings, so.entry, provider, sc, &kc, shared, &pf};
    run_options ro = {.out_dir = out_dir.buf,
                      .mode = o->record ? TRANSPORT_RECORD : TRANSPORT_LIVE,
                      .jobs = (int)o->jobs,
                      .timeout_ms = timeout_ms,
                      .skip_teardown = o->skip_teardown,
                      .handle_signals = 1,
                      .run_id = run_id.buf};
    console *con = console_new(stdout, NULL);
    ro.progress = console_sink(con);
    mtv_clock *wall = clock_new_real();
    res = results_new(run_id.buf, clock_now_ms(wall));
    results_set_prop(res, "provider", provider);
    results_set_prop(res, "provider_type", provider_type_name(so.entry->type));
    results_set_prop(res, "provider_version", provider_str(so.entry, "version"));
    results_set_prop(res, "storage_class", sc);
    if (mtv_version.len)
        results_set_prop(res, "mtv_version", mtv_version.buf);
    results_set_prop(res, "cluster", kc.server);
    results_set_prop(res, "mtv_namespace", mtv_ns);
    if (shard_n > 1)
        results_set_prop(res, "shard", o->shard);
    run_outcome oc;
    int rc = runner_run(&env, items, n, &d, &ro, res, &oc, err);
    res->seconds = (double)clock_mono_ms(wall) / 1000.0;
    clock_free(wall);
    if (rc < 0) {
        console_free(con);
        goto out;
    }
    strbuf rp = STRBUF_INIT;
    fs_join(&rp, out_dir.buf, "results.json");
    if (results_write(res, rp.buf, err) < 0)
        log_error("%s", err->msg);
    sb_release(&rp);
    cli_run_summary(con, stdout, res, &oc, out_dir.buf,
                    o->common.log_file ? o->common.log_file : log_path.buf);
    console_free(con);
    exit_code = runner_exit_code(res, &oc);
    mtv_err_clear(err);
    if (o->jira_report)
        report_to_jira(res, &jcfg, out_dir.buf);
out:
    if (gate)
        jira_gate_free(gate, sel.count);
    if (have_jcfg)
        jira_config_free(&jcfg);
    results_free(res);
    mtv_shared_free(shared);
    if (have_kc)
        kubeconfig_free(&kc);
    transport_free(t);
    free(items);
    selection_free(&sel);
    catalog_free(&c);
    diag_free(&diags);
    providers_file_free(&pf);
    sb_release(&run_id);
    sb_release(&out_dir);
    sb_release(&log_path);
    sb_release(&mtv_version);
    return exit_code;
}

int cmd_run(int argc, char **argv)
{
    run_opts o;
    memset(&o, 0, sizeof o);
    o.record = 1;
    o.jobs = 1;
    const opt_def options[] = {
        {OPT_STRING, 0, "provider", "KEY", "Source provider: an entry of the providers file.",
         "the source_provider setting", &o.provider, 0, 0, 0},
        {OPT_STRING, 0, "storage-class", "SC", "Storage class of the migrated disks.",
         "the storage_class setting", &o.storage_class, 0, 0, 0},
        {OPT_STRING, 0, "providers-json", "PATH", "Providers file.",
         "$PROVIDERS_JSON_PATH, else ./.providers.json", &o.providers_json, 0, 0, 0},
        {OPT_STRING, 0, "kubeconfig", "PATH", "Kubeconfig of the cluster (kubectl's rules).",
         "CLUSTER_* login, else $KUBECONFIG, else ~/.kube/config", &o.kubeconfig, 0, 0, 0},
        {OPT_STRING, 0, "context", "NAME", "Kubeconfig context.", "the current-context", &o.context,
         0, 0, 0},
        {OPT_STRING, 'm', "markers", "EXPR", "Marker expression, as pytest -m.", NULL, &o.markexpr, 0,
         0, 0},
        {OPT_STRING, 'k', "keyword", "EXPR", "Keyword expression, as pytest -k.", NULL, &o.keyexpr, 0,
         0, 0},
        {OPT_LIST, 0, "scenario", "NAME", "Only this scenario (repeatable).", NULL, &o.scenarios, 0,
         0, 0},
        {OPT_LIST, 0, "set", "KEY=VALUE", "Override a setting or a scenario key, type-checked.", NULL,
         &o.sets, 0, 0, 0},
        {OPT_STRING, 0, "catalog", "DIR", "Scenario catalog directory.",
         "$MTV_CATALOG_DIR, else ./scenarios, else the installed catalog", &o.catalog, 0, 0, 0},
        {OPT_STRING, 'o', "output", "DIR", "Folder for the run's results, log, resources.json and "
                                          "cassettes (must not hold a run yet).",
         "./mtv-results/<run id>", &o.output, 0, 0, 0},
        {OPT_FLAG, 0, "record", NULL, "Record every exchange into one cassette per scenario "
                                      "(--no-record: do not).",
         "on", &o.record, 0, 0, 1},
        {OPT_FLAG, 0, "skip-teardown", NULL,
         "Leave everything the run created in place (resources.json lists it; "
         "'mtv-validate cleanup' removes it later).",
         NULL, &o.skip_teardown, 0, 0, 0},
        {OPT_INT, 'j', "jobs", "N", "Run up to N independent scenarios at once, each in its own "
                                    "namespace.",
         "1", &o.jobs, 1, 64, 0},
        {OPT_STRING, 0, "shard", "I/N", "Run the I-th of N deterministic parts of the selection "
                                        "(every N-th scenario, starting at the I-th).",
         NULL, &o.shard, 0, 0, 0},
        {OPT_STRING, 0, "timeout", "DURATION", "Stop the run after DURATION (3600, 90m, 2h): cancel, "
                                               "tear down, finalise.",
         "none", &o.timeout, 0, 0, 0},
        {OPT_FLAG, 0, "jira", NULL, "Known-issue gating, as pytest --jira: a scenario whose linked "
                                    "issue is open is skipped (run=false) or run expecting failure.",
         NULL, &o.jira, 0, 0, 0},
        {OPT_FLAG, 0, "jira-report", NULL, "After the run, report its failures to Jira (as 'report "
                                           "jira'); a Jira problem is printed and never changes "
                                           "the exit code.",
         NULL, &o.jira_report, 0, 0, 0},
        {OPT_STRING, 0, "jira-config", "PATH", "Jira configuration (pytest-jira's jira.cfg).",
         "/etc/jira.cfg, ~/jira.cfg, ./jira.cfg", &o.jira_config, 0, 0, 0},
        {OPT_LIST, 'c', "jira-set", "KEY=VALUE", "Override one Jira configuration key.", NULL,
         &o.jira_sets, 0, 0, 0},
        CLI_COMMON_OPTIONS(&o.common),
        {0},
    };
    const cli_doc doc = {
        .name = "run",
        .summary = "migrate the selected scenarios' VMs through MTV on a cluster, recording them",
        .usage = "run --provider KEY --storage-class SC [-m EXPR] [-k EXPR] [--scenario NAME]... "
                 "[--set KEY=VALUE]... [--kubeconfig PATH] [--context NAME] [-o DIR] [--no-record] "
                 "[--skip-teardown] [-j N] [--shard I/N] [--timeout DURATION] [--jira] [--jira-report] "
                 "[--jira-config PATH] [-c KEY=VALUE]...",
        .description =
            "Selects scenarios exactly as 'mtv-validate list' does and runs each as its steps, "
            "upstream's test methods: prepare (namespace, source Secret and Provider, destination "
            "Provider, inventory, hooks), storagemap, networkmap, plan (Ready within "
            "plan_ready_timeout, 360 s) and migrate (until the Plan succeeds or fails, or "
            "plan_wait_timeout), then check_vms (every migrated VM compared with its source: power, CPU, memory, NICs and networks, "
            "storage, labels, affinity, guest agent, SSH and the other checks of docs/checks.md) "
            "and verify_xfs_version. Steps of a scenario's pattern that this version does not "
            "carry out (the other verify_* steps) are left out and the log says which. Once a "
            "step fails the later steps are "
            "xfailed \"previous step failed (<step>)\".\n"
            "\n"
            "Each scenario has its own session id, namespace and cassette; with --jobs N up to N "
            "of them run at once. Every object is listed in resources.json as it is created, and "
            "removed at the end of its scenario in upstream's teardown order; whatever cannot be "
            "removed is reported and makes the exit code 3.\n"
            "\n"
            "The first Ctrl-C (SIGINT) or SIGTERM cancels running migrations, tears down, writes "
            "the cassettes and results and exits with 128+signal; a second one exits at once, "
            "leaving resources.json for 'mtv-validate cleanup'.\n"
            "\n"
            "The folder: results.json, junit.xml, run.log (unless --log-file), resources.json, "
            "cassettes/<scenario>.tar and <scenario>/scenario.log; the last lines list them. "
            "'mtv-validate replay DIR' re-runs it offline.\n"
            "\n"
            "With --jira, the Jira issues scenarios link are looked up once before anything runs "
            "(docs/reporting.md): an open issue linked with run=false skips its scenario, one "
            "linked with run=true runs it with failures xfailed. Without --jira links are not "
            "checked. --jira-report files or comments the run's failures afterwards, as 'report "
            "jira' does (a Jira that fails is printed and logged; the exit code stays the "
            "validation's). See docs/running.md and docs/reporting.md.\n"
            "\n"
            "The properties of results.json and junit.xml name the provider, its version, the "
            "storage class, the cluster and the MTV version its operator's ClusterServiceVersion "
            "announces (left out when the cluster does not say).",
        .examples = "$ mtv-validate run -m tier0 --provider vsphere-8 --storage-class ceph-rbd\n"
                    "  upstream's smoke scenarios against the vsphere-8 entry of .providers.json\n"
                    "$ mtv-validate run --scenario test_sanity_cold_mtv_migration --provider ovirt \\\n"
                    "    --storage-class nfs --kubeconfig ~/ocp/kubeconfig -o /tmp/cold\n"
                    "  one scenario, artifacts in /tmp/cold\n"
                    "$ mtv-validate run -m tier0 --provider vsphere-8 --storage-class ceph-rbd -j 4 "
                    "--shard 1/2\n"
                    "  the first half of tier0, four scenarios at a time\n"
                    "$ mtv-validate run -m tier0 --provider vsphere-8 --storage-class ceph-rbd --jira "
                    "--jira-report \\\n"
                    "    -c url=https://issues.example.com -c project=MTV\n"
                    "  skip known issues first, then comment on or open issues for the failures",
        .options = options,
    };
    char **pos;
    int npos;
    int rc = cli_parse(&doc, &o.common, argc, argv, &pos, &npos);
    int exit_code;
    if (rc) {
        exit_code = rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    } else if (npos > 0) {
        fprintf(stderr, "mtv-validate run: unexpected argument '%s'; see 'mtv-validate run --help'\n",
                pos[0]);
        exit_code = MTV_EXIT_USAGE;
    } else {
        mtv_err err;
        mtv_err_clear(&err);
        exit_code = do_run(&o, &err);
        if (exit_code < 0)
            exit_code = cli_fail(&err);
    }
    opt_list_free(&o.scenarios);
    opt_list_free(&o.sets);
    opt_list_free(&o.jira_sets);
    free(pos);
    return exit_code;
}
