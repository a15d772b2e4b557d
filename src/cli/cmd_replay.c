/*
 * replay: re-runs a recorded run (its folder, or one scenario's bundle)
 * offline, through the same runner and lifecycle code, with the replay
 * transport and its virtual clock, and compares the verdicts with the
 * recorded ones. Each cassette carries what it needs (runner/context.h): the
 * scenario as it ran, the settings, the providers entry (masked), the
 * storage class and the recorded verdicts, so no original file, cluster or
 * credential is needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_config.h"
#include "cli/cli_run.h"
#include "runner/context.h"
#include "runner/mtv_driver.h"
#include "util/fs.h"
#include "util/log.h"

typedef struct replay_opts {
    cli_common common;
    const char *output;
    opt_list scenarios;
    long jobs;
} replay_opts;

/* The cassettes to replay: the .tar files in DIR/cassettes, or the one bundle. */
static int find_cassettes(const char *src, char ***paths, size_t *n, mtv_err *err)
{
    *paths = NULL;
    *n = 0;
    if (!fs_is_dir(src)) {
        if (!fs_exists(src))
            return mtv_err_set(err, MTV_EXIT_USAGE, "replay: %s does not exist", src);
        *paths = calloc(1, sizeof **paths);
        (*paths)[0] = strdup(src);
        *n = 1;
        return 0;
    }
    strbuf dir = STRBUF_INIT;
    fs_join(&dir, src, "cassettes");
    char **names = NULL;
    size_t count = 0;
    int rc = fs_list_dir(dir.buf, ".tar", &names, &count, err);
    if (rc == 0 && count == 0)
        rc = mtv_err_set(err, MTV_EXIT_USAGE,
                         "replay: %s holds no cassettes; was the run made with --no-record?", dir.buf);
    if (rc == 0) {
        *paths = calloc(count, sizeof **paths);
        for (size_t i = 0; i < count; i++) {
            strbuf p = STRBUF_INIT;
            fs_join(&p, dir.buf, names[i]);
            (*paths)[i] = sb_detach(&p, NULL);
        }
        *n = count;
    }
    fs_free_list(names, count);
    sb_release(&dir);
    return rc;
}

static int wanted(const replay_opts *o, const char *scenario)
{
    if (o->scenarios.count == 0)
        return 1;
    for (size_t i = 0; i < o->scenarios.count; i++)
        if (!strcmp(o->scenarios.items[i], scenario))
            return 1;
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* The replay's exit code, or -1 with err. */
static int do_replay(replay_opts *o, const char *src, mtv_err *err)
{
    int exit_code = -1;
    char **cassettes = NULL;
    size_t n_cass = 0;
    strbuf out = STRBUF_INIT, input = STRBUF_INIT, path = STRBUF_INIT;
    run_results *recorded = results_new("recorded", 0), *res = NULL;
    run_context first;
    memset(&first, 0, sizeof first);
    char **chosen = NULL;       /* cassette per selected scenario, by name */
    char **xfails = NULL;       /* the recorded known-issue xfail reason per cassette */
    const char **names = NULL;
    size_t n = 0;
    catalog c;
    memset(&c, 0, sizeof c);
    providers_file pf;
    memset(&pf, 0, sizeof pf);
    selection sel;
    memset(&sel, 0, sizeof sel);
    diag_list diags = DIAG_LIST_INIT;
    run_item *items = NULL;
    kube_config kc;
    memset(&kc, 0, sizeof kc);
    mtv_shared *shared = NULL;

    if (find_cassettes(src, &cassettes, &n_cass, err) < 0)
        goto out;
    if (o->output)
        sb_adds(&out, o->output);
    else if (fs_is_dir(src))
        fs_join(&out, src, "replay");
    else
        sb_addf(&out, "%s.replay", src);
    fs_join(&input, out.buf, "input");
    if (fs_mkdir_p(input.buf, 0755, err) < 0)
        goto out;
    fs_join(&path, out.buf, "resources.json");
    unlink(path.buf);   /* a replay folder is redone each time */

    chosen = calloc(n_cass, sizeof *chosen);
    xfails = calloc(n_cass, sizeof *xfails);
    names = calloc(n_cass, sizeof *names);
    for (size_t i = 0; i < n_cass; i++) {
        transport *t = NULL;
        transport_config tc = {.mode = TRANSPORT_REPLAY, .cassette_path = cassettes[i]};
        if (transport_open(&t, &tc, err) < 0)
            goto out;
        run_context ctx;
        int rc = run_context_restore(transport_var_get(t, RUN_CONTEXT_VAR), cassettes[i], input.buf,
                                     &ctx, err);
        if (rc == 0 && !wanted(o, ctx.scenario)) {
            run_context_free(&ctx);
            transport_free(t);
            continue;
        }
        if (rc == 0)
            rc = run_verdicts_add(recorded, transport_var_get(t, RUN_VERDICTS_VAR), cassettes[i], err);
        transport_free(t);
        if (rc < 0) {
            run_context_free(&ctx);
            goto out;
        }
        xfails[n] = ctx.xfail ? strdup(ctx.xfail) : NULL;
        if (!first.scenario) {
            first = ctx;
        } else {
            if ((first.provider_key && ctx.provider_key && strcmp(first.provider_key, ctx.provider_key)) ||
                (first.storage_class && ctx.storage_class && strcmp(first.storage_class, ctx.storage_class))) {
                mtv_err_set(err, MTV_EXIT_USAGE,
                            "replay: %s was recorded with another provider or storage class than %s; "
                            "replay them separately",
                            cassettes[i], chosen[0]);
                run_context_free(&ctx);
                goto out;
            }
            run_context_free(&ctx);
        }
        chosen[n] = cassettes[i];
        names[n] = recorded->scenarios[recorded->n_scenarios - 1]->scenario;
        n++;
    }
    if (n == 0) {
        mtv_err_set(err, MTV_EXIT_USAGE, "replay: no cassette in %s is of the scenario(s) asked for", src);
        goto out;
    }

    fs_join(&path, input.buf, "catalog");
    if (catalog_open(&c, path.buf, NULL, 0, log_secrets(), &diags) < 0 || diags.errors) {
        cli_print_diags(&diags);
        mtv_err_set(err, MTV_EXIT_USAGE, "replay: the recorded scenarios do not load (see above)");
        goto out;
    }
    select_opts so = {.names = names, .n_names = n, .storage_class = first.storage_class};
    if (first.provider_key) {
        fs_join(&path, input.buf, "providers.json");
        if (providers_open(&pf, path.buf, first.provider_key, log_secrets(), &so.entry, err) < 0)
            goto out;
        so.provider_type = so.entry->type;
        so.provider_label = first.provider_key;
    }
    if (select_scenarios(&c, &so, &sel, err) < 0)
        goto out;
    items = calloc(sel.count ? sel.count : 1, sizeof *items);
    for (size_t i = 0; i < sel.count; i++) {
        items[i].sel = &sel.items[i];
        for (size_t k = 0; k < n; k++)
            if (!strcmp(names[k], sel.items[i].sc->name)) {
                items[i].cassette = chosen[k];
                items[i].xfail = xfails[k];
            }
    }
    kc.server = dup_or_null(first.server ? first.server : "https://replay.invalid");
    kc.namespace_ = dup_or_null(first.cluster_namespace ? first.cluster_namespace : "default");
    kc.token = strdup("replay-token");   /* requests carry it redacted, as recorded */
    kc.source = strdup("the recording");
    kc.context = strdup("replay");

    shared = mtv_shared_new();
    runner_driver d = runner_mtv_driver(shared);
    run_env env = {&c, &c.settings, so.entry, first.provider_key, first.storage_class, &kc, shared,
                   &pf};
    run_options ro = {.out_dir = out.buf, .mode = TRANSPORT_REPLAY, .jobs = (int)o->jobs,
                      .handle_signals = 1, .quiet_progress = 1, .run_id = "replay"};
    console *con = console_new(stdout, NULL);
    ro.progress = console_sink(con);
    mtv_clock *wall = clock_new_real();
    res = results_new("replay", clock_now_ms(wall));
    run_outcome oc;
    int rc = runner_run(&env, items, sel.count, &d, &ro, res, &oc, err);
    res->seconds = (double)clock_mono_us(wall) / 1e6;
    clock_free(wall);
    if (rc < 0) {
        console_free(con);
        goto out;
    }
    cli_run_summary(con, stdout, res, &oc, out.buf, o->common.log_file);
    console_free(con);
    strbuf diff = STRBUF_INIT;
    size_t ndiff = results_compare(recorded, res, &diff);
    if (ndiff) {
        strbuf msg = STRBUF_INIT;
        sb_addf(&msg, "verdicts differ from the recording (%zu difference%s):\n%s", ndiff,
                ndiff == 1 ? "" : "s", diff.buf);
        cli_write_masked(stdout, msg.buf, msg.len);
        sb_release(&msg);
    } else {
        printf("verdicts identical to the recording (%zu scenario%s, %.3f s of wall time)\n", sel.count,
               sel.count == 1 ? "" : "s", res->seconds);
    }
    sb_release(&diff);
    exit_code = oc.signal ? 128 + oc.signal : (oc.diverged || ndiff) ? MTV_EXIT_DIVERGED : MTV_EXIT_OK;
out:
    if (kc.server || kc.token)
        kubeconfig_free(&kc);
    mtv_shared_free(shared);
    free(items);
    selection_free(&sel);
    providers_file_free(&pf);
    catalog_free(&c);
    diag_free(&diags);
    run_context_free(&first);
    results_free(recorded);
    results_free(res);
    for (size_t i = 0; i < n_cass; i++)
        free(cassettes[i]);
    free(cassettes);
    for (size_t i = 0; xfails && i < n_cass; i++)
        free(xfails[i]);
    free(xfails);
    free(chosen);
    free(names);
    sb_release(&out);
    sb_release(&input);
    sb_release(&path);
    return exit_code;
}

int cmd_replay(int argc, char **argv)
{
    replay_opts o;
    memset(&o, 0, sizeof o);
    o.jobs = 1;
    const opt_def options[] = {
        {OPT_LIST, 0, "scenario", "NAME", "Only this scenario's cassette (repeatable).", NULL,
         &o.scenarios, 0, 0, 0},
        {OPT_STRING, 'o', "output", "DIR", "Folder for the replay's results (redone each time).",
         "RUN_DIR/replay, or BUNDLE.replay", &o.output, 0, 0, 0},
        {OPT_INT, 'j', "jobs", "N", "Replay up to N scenarios at once.", "1", &o.jobs, 1, 64, 0},
        CLI_COMMON_OPTIONS(&o.common),
        {0},
    };
    const cli_doc doc = {
        .name = "replay",
        .summary = "re-run a recorded run offline and compare its verdicts with the recording",
        .usage = "replay RUN_DIR|BUNDLE [--scenario NAME]... [-o DIR] [-j N]",
        .description =
            "Runs the recorded scenarios again through the same code as 'mtv-validate run', but "
            "every request is answered from the scenario's cassette and time is virtual: waits "
            "return at once and the clock follows the recording, so an hour-long migration "
            "replays in well under a second and takes the same branches. Nothing is contacted.\n"
            "\n"
            "RUN_DIR is a run's output folder (its cassettes/*.tar are replayed); BUNDLE is one "
            "cassette. The replay writes its own results.json, junit.xml and logs into the output "
            "folder, then compares each step's verdict with the recorded one.\n"
            "\n"
            "Exit 0 when the verdicts are identical. Exit 4 when they differ, or when the code "
            "asked for something the recording does not hold: the nearest recorded requests are "
            "named, field by field, in <output>/<scenario>/unmatched.json and the log. See "
            "docs/running.md.",
        .examples = "$ mtv-validate replay mtv-results/20261127-221500-a1b2\n"
                    "  replay every scenario of that run\n"
                    "$ mtv-validate replay run/ --scenario test_sanity_cold_mtv_migration\n"
                    "  just one\n"
                    "$ mtv-validate replay nightly/cassettes/test_post_hook_retain_failed_vm.tar\n"
                    "  a bundle on its own, e.g. attached to a bug report",
        .options = options,
    };
    char **pos;
    int npos;
    int rc = cli_parse(&doc, &o.common, argc, argv, &pos, &npos);
    int exit_code;
    if (rc) {
        exit_code = rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    } else if (npos != 1) {
        fprintf(stderr, "mtv-validate replay: expected one RUN_DIR or BUNDLE; see 'mtv-validate replay --help'\n");
        exit_code = MTV_EXIT_USAGE;
    } else {
        mtv_err err;
        mtv_err_clear(&err);
        exit_code = do_replay(&o, pos[0], &err);
        if (exit_code < 0)
            exit_code = cli_fail(&err);
    }
    opt_list_free(&o.scenarios);
    free(pos);
    return exit_code;
}
