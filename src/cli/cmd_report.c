/*
 * report: the reporters, run on files a run left behind, so a report can be
 * (re)made without running anything: JUnit from results.json, one JUnit
 * from the shards' files, the console summary, and Jira tickets from a JUnit
 * file. The work lives in reporters/; `run` calls the same functions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_config.h"
#include "reporters/console.h"
#include "reporters/jira_config.h"
#include "reporters/jira_report.h"
#include "reporters/junit.h"
#include "util/fs.h"
#include "util/log.h"

static int want_pos(const char *cmd, int npos, int min, int max, mtv_err *err)
{
    if (npos >= min && (max < 0 || npos <= max))
        return 0;
    return mtv_err_set(err, MTV_EXIT_USAGE, "report %s: expected %s%d argument%s, got %d; see "
                       "'mtv-validate report %s --help'",
                       cmd, max < 0 ? "at least " : "", min, min == 1 ? "" : "s", npos, cmd);
}

/* results.json, or a JUnit file (by its first non-blank character). */
static run_results *read_results(const char *path, mtv_err *err)
{
    strbuf head = STRBUF_INIT;
    if (fs_read_file(path, &head, err) < 0) {
        sb_release(&head);
        return NULL;
    }
    const char *p = sb_str(&head);
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || (unsigned char)*p == 0xef ||
           (unsigned char)*p == 0xbb || (unsigned char)*p == 0xbf)
        p++;
    int xml = *p == '<';
    sb_release(&head);
    return xml ? junit_read(path, err) : results_read(path, err);
}

static void dir_of(const char *path, strbuf *out)
{
    const char *slash = strrchr(path, '/');
    if (slash)
        sb_add(out, path, slash == path ? 1 : (size_t)(slash - path));
    else
        sb_adds(out, ".");
}

/* ---- junit -------------------------------------------------------------------- */

static cli_common junit_common;
static const char *junit_out, *junit_name, *junit_hint;
static long junit_max = JUNIT_DEFAULT_MAX_OUTPUT;
static int junit_case_file;

static const opt_def junit_options[] = {
    {OPT_STRING, 'o', "output", "FILE", "Where to write the report.", "junit.xml next to RESULTS",
     &junit_out, 0, 0, 0},
    {OPT_INT, 0, "max-output", "BYTES",
     "Largest step log or failure text kept in a testcase; longer ones keep their head and tail "
     "with a note of what was left out.",
     "100000", &junit_max, 1000, 100000000, 0},
    {OPT_STRING, 0, "name", "NAME", "The name of the <testsuites> element.", "mtv-validate",
     &junit_name, 0, 0, 0},
    {OPT_STRING, 0, "log-hint", "TEXT",
     "Where the whole logs are, named in the truncation notes (e.g. \"run.log in the build's "
     "artifacts\").",
     NULL, &junit_hint, 0, 0, 0},
    {OPT_FLAG, 0, "testcase-file", NULL,
     "Also write file= on every testcase, which GitLab shows; the Jenkins xUnit schema does not "
     "allow it there (the scenario file is always on its testsuite).",
     NULL, &junit_case_file, 0, 0, 0},
    CLI_COMMON_OPTIONS(&junit_common),
    {0},
};

static const cli_doc junit_doc = {
    .name = "report junit",
    .summary = "write the JUnit XML report of a run from its results.json",
    .usage = "report junit [-o FILE] [--max-output BYTES] [--testcase-file] RESULTS.json",
    .description =
        "Writes the JUnit XML that CI systems read (Jenkins, GitLab, GitHub reporters, "
        "xunit-viewer), in pytest's xunit2 shape: one testsuite per scenario, one testcase per "
        "step named <step>-<provider>-<storage class> with the scenario as classname; failures "
        "and errors with their message and full text; skips and expected failures as pytest "
        "writes them (type pytest.skip and pytest.xfail); the step's log in system-out; the "
        "run's provider, provider version, storage class, MTV version, cluster, run id and the "
        "scenario's cassette as properties.\n"
        "\n"
        "Logs lose terminal colour codes, characters XML 1.0 forbids are written as visible "
        "#xHH text, and known secrets are masked. The file validates against the Jenkins xUnit "
        "schema and is written atomically. See docs/reporting.md.",
    .examples = "$ mtv-validate report junit mtv-results/run-1/results.json\n"
                "  writes mtv-results/run-1/junit.xml\n"
                "$ mtv-validate report junit -o junit.xml --max-output 20000 results.json",
    .options = junit_options,
};

static int cmd_junit(int argc, char **argv)
{
    char **pos;
    int npos;
    int rc = cli_parse(&junit_doc, &junit_common, argc, argv, &pos, &npos);
    if (rc)
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    mtv_err err;
    mtv_err_clear(&err);
    run_results *r = NULL;
    strbuf out = STRBUF_INIT;
    if (want_pos("junit", npos, 1, 1, &err) < 0 || !(r = results_read(pos[0], &err)))
        goto done;
    if (junit_out) {
        sb_adds(&out, junit_out);
    } else {
        strbuf dir = STRBUF_INIT;
        dir_of(pos[0], &dir);
        fs_join(&out, dir.buf, "junit.xml");
        sb_release(&dir);
    }
    junit_opts o = {.name = junit_name, .max_output = (size_t)junit_max, .log_hint = junit_hint,
                    .testcase_file = junit_case_file};
    if (junit_write(r, &o, out.buf, &err) == 0) {
        results_counts n = results_count(r);
        printf("wrote %s: %zu tests, %zu failures, %zu errors, %zu skipped (%zu xfailed)\n", out.buf, n.total,
               n.failed, n.errors, n.skipped + n.xfailed, n.xfailed);
    }
done:
    results_free(r);
    sb_release(&out);
    free(pos);
    return mtv_err_is_set(&err) ? cli_fail(&err) : MTV_EXIT_OK;
}

/* ---- merge ---------------------------------------------------------------------- */

static cli_common merge_common;

static const opt_def merge_options[] = {
    CLI_COMMON_OPTIONS(&merge_common),
    {0},
};

static const cli_doc merge_doc = {
    .name = "report merge",
    .summary = "merge the JUnit files of shards into one",
    .usage = "report merge OUT IN...",
    .description =
        "Writes OUT with every <testsuite> of every IN (a file whose root is <testsuites> or "
        "<testsuite>, from mtv-validate or any other producer), copied whole, under one "
        "<testsuites> whose tests, failures, errors and time are the sums. A test (classname "
        "and name) present in two inputs is kept twice and named in a warning: GitLab would "
        "show only the first. OUT is written atomically and may be one of the inputs.",
    .examples = "$ mtv-validate report merge junit.xml shard-*/junit.xml",
    .options = merge_options,
};

static int cmd_merge(int argc, char **argv)
{
    char **pos;
    int npos;
    int rc = cli_parse(&merge_doc, &merge_common, argc, argv, &pos, &npos);
    if (rc)
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    mtv_err err;
    mtv_err_clear(&err);
    strbuf warnings = STRBUF_INIT;
    if (want_pos("merge", npos, 2, -1, &err) == 0 &&
        junit_merge((const char *const *)pos + 1, (size_t)npos - 1, pos[0], &warnings, &err) == 0) {
        if (warnings.len)
            cli_write_masked(stderr, warnings.buf, warnings.len);
        printf("wrote %s from %d file%s\n", pos[0], npos - 1, npos == 2 ? "" : "s");
    }
    sb_release(&warnings);
    free(pos);
    return mtv_err_is_set(&err) ? cli_fail(&err) : MTV_EXIT_OK;
}

/* ---- summary --------------------------------------------------------------------- */

static cli_common summary_common;
static const char *summary_color = "auto";

static const opt_def summary_options[] = {
    {OPT_STRING, 0, "color", "WHEN", "Colours: auto (on a terminal, unless NO_COLOR is set), always or never.",
     "auto", &summary_color, 0, 0, 0},
    CLI_COMMON_OPTIONS(&summary_common),
    {0},
};

static const cli_doc summary_doc = {
    .name = "report summary",
    .summary = "print a run's failures and its summary line",
    .usage = "report summary [--color WHEN] RESULTS.json|JUNIT.xml",
    .description =
        "Prints what the console shows at the end of a run: each failed or errored step with "
        "its message, then pytest's summary line \"N passed, N failed, N skipped, N xfailed, N "
        "errors in Xs\". Reads a results.json or a JUnit file (also one from another tool). "
        "Exits 1 when a step failed or errored, so scripts can gate on it.",
    .examples = "$ mtv-validate report summary mtv-results/run-1/results.json\n"
                "$ mtv-validate report summary --color never junit.xml",
    .options = summary_options,
};

static int cmd_summary(int argc, char **argv)
{
    char **pos;
    int npos;
    int rc = cli_parse(&summary_doc, &summary_common, argc, argv, &pos, &npos);
    if (rc)
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    mtv_err err;
    mtv_err_clear(&err);
    run_results *r = NULL;
    int exit_code = MTV_EXIT_OK;
    console_opts co = {.tty = -1, .color = -1};
    if (!strcmp(summary_color, "always"))
        co.color = 1;
    else if (!strcmp(summary_color, "never"))
        co.color = 0;
    else if (strcmp(summary_color, "auto") != 0)
        mtv_err_set(&err, MTV_EXIT_USAGE, "--color %s: expected auto, always or never", summary_color);
    if (!mtv_err_is_set(&err) && want_pos("summary", npos, 1, 1, &err) == 0 && (r = read_results(pos[0], &err))) {
        co.tty = 0;   /* a summary is never redrawn */
        if (co.color < 0)
            co.color = isatty(fileno(stdout)) && !(getenv("NO_COLOR") && *getenv("NO_COLOR"));
        console *c = console_new(stdout, &co);
        console_summary(c, r, NULL, 0);
        console_free(c);
        exit_code = results_exit_code(r);
    }
    results_free(r);
    free(pos);
    return mtv_err_is_set(&err) ? cli_fail(&err) : exit_code;
}

/* ---- jira ------------------------------------------------------------------------ */

static cli_common jira_common;
static const char *jira_junit, *jira_results, *jira_cfg_path, *jira_build_url;
static int jira_dry, jira_strict;
static opt_list jira_sets;

static const opt_def jira_options[] = {
    {OPT_STRING, 0, "junit", "FILE", "The JUnit report of the run (as written by mtv-validate).", NULL,
     &jira_junit, 0, 0, 0},
    {OPT_STRING, 0, "results", "FILE", "Or the run's results.json.", NULL, &jira_results, 0, 0, 0},
    {OPT_FLAG, 0, "dry-run", NULL,
     "Print every request that would change Jira instead of sending it (searches are still "
     "sent, so the decisions shown are real).",
     NULL, &jira_dry, 0, 0, 0},
    {OPT_STRING, 0, "jira-config", "PATH", "Read this jira.cfg only.",
     "/etc/jira.cfg, ~/jira.cfg, ./jira.cfg", &jira_cfg_path, 0, 0, 0},
    {OPT_LIST, 'c', "jira-set", "KEY=VALUE", "Set a jira.cfg key, e.g. -c project=MTV.", NULL,
     &jira_sets, 0, 0, 0},
    {OPT_STRING, 0, "build-url", "URL", "The CI job's URL, linked from every touched issue.",
     "$BUILD_URL, $CI_JOB_URL or the GitHub Actions run", &jira_build_url, 0, 0, 0},
    {OPT_FLAG, 0, "strict", NULL, "Exit 3 when a Jira operation failed (by default they are reported "
     "and the exit code stays 0).", NULL, &jira_strict, 0, 0, 0},
    CLI_COMMON_OPTIONS(&jira_common),
    {0},
};

static const cli_doc jira_doc = {
    .name = "report jira",
    .summary = "comment on or open Jira issues for a run's failures",
    .usage = "report jira (--junit FILE | --results FILE) [--dry-run] [--jira-config PATH] [-c KEY=VALUE]... "
             "[--build-url URL] [--strict]",
    .description =
        "Every failed or errored step gets a fingerprint (scenario, step and the failure reason "
        "with times, ids and addresses normalised), stored on its issue as the label "
        "<label_prefix>-fp-<12 hex>. One search per run finds the issues carrying them; then an "
        "open issue gets one comment per run (build URL, run id, summary, cassette), an issue "
        "closed within regression_days is reported as a possible regression and commented, never "
        "reopened, and any other failure opens a new issue (summary up to 255 characters, "
        "description cut head and tail to fit, labels, components, affected version). Every "
        "touched issue gets a remote link to the build with a stable globalId, and, with "
        "attach_bundle, the scenario's cassette bundle. max_new_issues and max_comments cap a "
        "run; issue creation is never re-sent blindly after a rate limit or a lost answer.\n"
        "\n"
        "Jira Cloud (username = e-mail, token = API token; REST v3) and Data Center (token = "
        "personal access token; REST v2) are told apart by the URL (or deployment = cloud|dc). "
        "Settings come from a pytest-jira compatible jira.cfg, $PYTEST_JIRA_URL, _USERNAME, "
        "_PASSWORD, _TOKEN, $MTV_JIRA_<KEY> and -c; see docs/reporting.md for every key.\n"
        "\n"
        "A Jira failure is printed but does not change the exit code unless --strict is given: "
        "the run's verdict is the JUnit file's, not Jira's.",
    .examples = "$ mtv-validate report jira --junit mtv-results/run-1/junit.xml --dry-run\n"
                "  show what would be commented and created\n"
                "$ PYTEST_JIRA_TOKEN=... mtv-validate report jira --junit junit.xml \\\n"
                "      -c url=https://issues.example.com -c project=MTV\n"
                "  against a Data Center instance, with a personal access token",
    .options = jira_options,
};

static int cmd_jira(int argc, char **argv)
{
    char **pos;
    int npos;
    int rc = cli_parse(&jira_doc, &jira_common, argc, argv, &pos, &npos);
    if (rc) {
        opt_list_free(&jira_sets);
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    }
    mtv_err err;
    mtv_err_clear(&err);
    jira_config cfg;
    memset(&cfg, 0, sizeof cfg);
    run_results *r = NULL;
    int exit_code = MTV_EXIT_OK;
    const char *input = jira_junit ? jira_junit : jira_results;
    strbuf base = STRBUF_INIT;
    if (want_pos("jira", npos, 0, 0, &err) < 0)
        goto done;
    if (!input || (jira_junit && jira_results)) {
        mtv_err_set(&err, MTV_EXIT_USAGE, "report jira: give --junit FILE or --results FILE (one of them)");
        goto done;
    }
    if (jira_config_open(&cfg, jira_cfg_path, jira_sets.items, jira_sets.count, log_secrets(), &err) < 0 ||
        jira_config_check_tickets(&cfg, &err) < 0)
        goto done;
    if (jira_build_url) {
        free(cfg.build_url);
        cfg.build_url = strdup(jira_build_url);
    }
    r = jira_junit ? junit_read(jira_junit, &err) : results_read(jira_results, &err);
    if (!r)
        goto done;
    dir_of(input, &base);
    jira_report_opts o = {.dry_run = jira_dry, .out = stdout, .source = input, .base_dir = base.buf};
    jira_report_stats st;
    mtv_err jerr;
    if (jira_report_run(r, &cfg, NULL, &o, &st, &jerr) < 0 && jira_strict) {
        err = jerr;
        exit_code = MTV_EXIT_ENV;
    }
done:
    results_free(r);
    jira_config_free(&cfg);
    opt_list_free(&jira_sets);
    sb_release(&base);
    free(pos);
    if (mtv_err_is_set(&err)) {
        int code = cli_fail(&err);
        return exit_code ? exit_code : code;
    }
    return exit_code;
}

/* ---- dispatch ---------------------------------------------------------------------- */

static const cli_command report_commands[] = {
    {"junit", "write the JUnit XML report from a run's results.json", cmd_junit},
    {"merge", "merge the JUnit files of shards into one", cmd_merge},
    {"summary", "print a run's failures and summary line", cmd_summary},
    {"jira", "comment on or open Jira issues for a run's failures", cmd_jira},
    {NULL, NULL, NULL},
};

int cmd_report(int argc, char **argv)
{
    return cli_dispatch("report", "make reports from a run's results: JUnit, summary, Jira", report_commands,
                        argc, argv);
}
