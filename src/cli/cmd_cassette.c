/*
 * cassette: the tools around recorded runs: show, verify, diff, pack,
 * unpack, recover. Each subcommand is a cli_doc of its own so its --help is
 * complete; the work itself lives in recorder/ (summary, diff, bundle,
 * finalize), so the runner and tests use the same code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "recorder/bundle.h"
#include "recorder/cassette.h"
#include "recorder/diff.h"
#include "recorder/finalize.h"
#include "recorder/har.h"
#include "recorder/journal.h"
#include "recorder/scan.h"
#include "recorder/summary.h"
#include "util/fs.h"
#include "util/log.h"

static const char SECRETS_FILE_HELP[] =
    "Also treat every line of FILE as a secret value (blank lines and lines starting with # "
    "are skipped), for the secret scan.";

/* Registers each line of path in reg; values never appear in messages. */
static int load_secrets_file(const char *path, secret_registry *reg, mtv_err *err)
{
    if (!path)
        return 0;
    strbuf text = STRBUF_INIT;
    if (fs_read_file(path, &text, err) < 0) {
        sb_release(&text);
        return -1;
    }
    char *save = NULL;
    int n = 0;
    for (char *line = strtok_r(text.buf ? text.buf : (char *)"", "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        size_t l = strlen(line);
        while (l && line[l - 1] == '\r')
            line[--l] = '\0';
        if (!l || line[0] == '#')
            continue;
        char label[64];
        snprintf(label, sizeof label, "secrets-file:%d", ++n);
        secrets_add(reg, label, line);
        secrets_add(log_secrets(), label, line);
    }
    sb_release(&text);
    return 0;
}

static int one_pos(const char *cmd, int npos, int want, mtv_err *err)
{
    if (npos == want)
        return 0;
    return mtv_err_set(err, MTV_EXIT_USAGE, "cassette %s: expected %d argument%s, got %d; see "
                       "'mtv-validate cassette %s --help'", cmd, want, want == 1 ? "" : "s", npos, cmd);
}

/* ---- show ------------------------------------------------------------------ */

static cli_common show_common;
static long show_limit = 100;
static int show_no_timeline;

static const opt_def show_options[] = {
    {OPT_INT, 'n', "limit", "N", "Timeline lines to print; 0 prints all.", "100", &show_limit, 0,
     100000000, 0},
    {OPT_FLAG, 0, "no-timeline", NULL, "Print only the summary, no timeline.", NULL, &show_no_timeline, 0, 0, 0},
    CLI_COMMON_OPTIONS(&show_common),
    {0},
};

static const cli_doc show_doc = {
    .name = "cassette show",
    .summary = "summarise a cassette: entries by upstream, status codes, time, timeline",
    .usage = "cassette show [--limit N] [--no-timeline] BUNDLE|HAR",
    .description =
        "Reads a bundle (.tar) or a bare HAR file and prints how many exchanges each upstream "
        "(kubernetes, inventory, vsphere, ovirt, openstack, jira, ssh ...) had, their status codes "
        "and time, then the timeline in recording order: sequence number, start offset from the "
        "run's start, duration, upstream, method, path and status. Streams show their frame "
        "count; transport errors show their message.",
    .examples = "$ mtv-validate cassette show mtv-results/cassettes/cold-migration.tar\n"
                "$ mtv-validate cassette show --no-timeline cassette.har",
    .options = show_options,
};

static int cmd_show(int argc, char **argv)
{
    char **pos;
    int npos;
    int rc = cli_parse(&show_doc, &show_common, argc, argv, &pos, &npos);
    if (rc)
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    mtv_err err;
    mtv_err_clear(&err);
    cassette c;
    if (one_pos("show", npos, 1, &err) < 0 || cassette_load(&c, pos[0], &err) < 0) {
        free(pos);
        return cli_fail(&err);
    }
    free(pos);
    strbuf out = STRBUF_INIT;
    cassette_summary(&c, show_no_timeline ? 0 : show_limit == 0 ? (size_t)-1 : (size_t)show_limit, &out);
    fputs(out.buf, stdout);
    sb_release(&out);
    cassette_free(&c);
    return MTV_EXIT_OK;
}

/* ---- verify ------------------------------------------------------------------ */

static cli_common verify_common;
static const char *verify_secrets;

static const opt_def verify_options[] = {
    {OPT_STRING, 0, "secrets-file", "FILE", SECRETS_FILE_HELP, NULL, &verify_secrets, 0, 0, 0},
    CLI_COMMON_OPTIONS(&verify_common),
    {0},
};

static const cli_doc verify_doc = {
    .name = "cassette verify",
    .summary = "check a bundle's hashes, its HAR structure and that it holds no secret",
    .usage = "cassette verify [--secrets-file FILE] BUNDLE|HAR",
    .description =
        "Checks, and reports every problem found:\n"
        "  - every member matches the SHA-256 and size in manifest.json, and nothing is "
        "missing or unlisted (bundles only);\n"
        "  - cassette.har has the structure HAR 1.2 requires (what har-validator and browser "
        "devtools need) and loads for replay;\n"
        "  - no member holds a credential: unredacted Bearer/Basic credentials, OpenShift "
        "sha256~ tokens, JWTs, PEM private keys, vSphere session cookies, and any value listed "
        "in --secrets-file, in raw, base64, URL-encoded, JSON- or HTML-escaped form.\n"
        "Exit 0 when all checks pass, 1 when any fails.",
    .examples = "$ mtv-validate cassette verify run/cassettes/warm-migration.tar\n"
                "$ mtv-validate cassette verify --secrets-file my-secrets.txt shared.tar",
    .options = verify_options,
};

static int cmd_verify(int argc, char **argv)
{
    char **pos;
    int npos;
    int rc = cli_parse(&verify_doc, &verify_common, argc, argv, &pos, &npos);
    if (rc)
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    mtv_err err;
    mtv_err_clear(&err);
    secret_registry *reg = secrets_new();
    strbuf data = STRBUF_INIT, problems = STRBUF_INIT;
    bundle b = {0};
    int failed = 0;
    if (one_pos("verify", npos, 1, &err) < 0 || load_secrets_file(verify_secrets, reg, &err) < 0 ||
        fs_read_file(pos[0], &data, &err) < 0)
        goto fail;
    if (bundle_sniff(data.buf, data.len)) {
        if (bundle_read_memory(&b, pos[0], data.buf, data.len, &err) < 0)
            goto fail;
        int n = bundle_check_manifest(&b, &problems);
        printf("%-9s %s\n", n ? "FAIL" : "ok", "manifest: member hashes and sizes");
        failed += n > 0;
    } else {
        bundle_add(&b, BUNDLE_CASSETTE, data.buf ? data.buf : "", data.len);
    }
    const bundle_member *har = bundle_find(&b, BUNDLE_CASSETTE);
    if (!har) {
        sb_addf(&problems, "%s: the bundle has no %s\n", pos[0], BUNDLE_CASSETTE);
        printf("FAIL      har: missing\n");
        failed++;
    } else {
        cJSON *root = cJSON_ParseWithLength(har->data.buf ? har->data.buf : "", har->data.len);
        int n = root ? har_check(root, &problems, 50) : 1;
        if (!root)
            sb_addf(&problems, "%s: not valid JSON\n", BUNDLE_CASSETTE);
        cJSON_Delete(root);
        cassette c;
        mtv_err lerr;
        if (n == 0 && cassette_parse(&c, BUNDLE_CASSETTE, har->data.buf, har->data.len, &lerr) < 0) {
            sb_addf(&problems, "%s\n", lerr.msg);
            n++;
        } else if (n == 0) {
            cassette_free(&c);
        }
        printf("%-9s %s\n", n ? "FAIL" : "ok", "har: HAR 1.2 structure, loads for replay");
        failed += n > 0;
    }
    int leaks = 0;
    for (size_t i = 0; i < b.count; i++) {
        scan_finding f;
        if (scan_secrets(reg, b.members[i].data.buf ? b.members[i].data.buf : "", b.members[i].data.len, &f)) {
            sb_addf(&problems, "%s: holds a credential (%s) at byte %zu\n", b.members[i].name, f.rule,
                    f.offset);
            leaks++;
        }
    }
    printf("%-9s %s\n", leaks ? "FAIL" : "ok", "secrets: no credential in any member");
    failed += leaks > 0;
    if (problems.len)
        fprintf(stderr, "%s", problems.buf);
    bundle_free(&b);
    sb_release(&data);
    sb_release(&problems);
    secrets_free(reg);
    free(pos);
    return failed ? MTV_EXIT_FAILURES : MTV_EXIT_OK;
fail:
    bundle_free(&b);
    sb_release(&data);
    sb_release(&problems);
    secrets_free(reg);
    free(pos);
    return cli_fail(&err);
}

/* ---- diff ------------------------------------------------------------------------- */

static cli_common diff_common;
static int diff_json, diff_no_masks;
static opt_list diff_masks;
static long diff_details = 20;

static const opt_def diff_options[] = {
    {OPT_FLAG, 0, "json", NULL, "Print the differences as JSON.", NULL, &diff_json, 0, 0, 0},
    {OPT_LIST, 0, "mask", "KEY", "Also ignore JSON members named KEY.", NULL, &diff_masks, 0, 0, 0},
    {OPT_FLAG, 0, "no-default-masks", NULL,
     "Compare resourceVersion, uid, managedFields, timestamps ... too.", NULL, &diff_no_masks, 0, 0, 0},
    {OPT_INT, 0, "details", "N", "Field differences listed per exchange.", "20", &diff_details, 1, 10000, 0},
    CLI_COMMON_OPTIONS(&diff_common),
    {0},
};

static const cli_doc diff_doc = {
    .name = "cassette diff",
    .summary = "show where two recorded runs diverge, first divergence first",
    .usage = "cassette diff [--json] [--mask KEY]... A B",
    .description =
        "Aligns the exchanges of two cassettes (bundles or HAR files) by match key and "
        "occurrence, then compares each pair: status, transport error, and the body - JSON "
        "structurally, member by member, with volatile fields masked (resourceVersion, uid, "
        "managedFields, selfLink, generation, creationTimestamp and every key ending in "
        "Timestamp or Time). Exchanges present in one run only are listed where they happened. "
        "The first difference printed is the first exchange where the runs diverge, usually "
        "where to start looking. Exit 0 when the runs match, 1 when they differ.",
    .examples = "$ mtv-validate cassette diff good/cassettes/cold.tar bad/cassettes/cold.tar\n"
                "$ mtv-validate cassette diff --mask lastSyncTime --json a.tar b.tar > diff.json",
    .options = diff_options,
};

static int cmd_diff(int argc, char **argv)
{
    char **pos;
    int npos;
    int rc = cli_parse(&diff_doc, &diff_common, argc, argv, &pos, &npos);
    if (rc) {
        opt_list_free(&diff_masks);
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    }
    mtv_err err;
    mtv_err_clear(&err);
    cassette a = {0}, b = {0};
    if (one_pos("diff", npos, 2, &err) < 0 || cassette_load(&a, pos[0], &err) < 0 ||
        cassette_load(&b, pos[1], &err) < 0) {
        cassette_free(&a);
        free(pos);
        opt_list_free(&diff_masks);
        return cli_fail(&err);
    }
    const char **masks = calloc(diff_masks.count + 1, sizeof *masks);
    for (size_t i = 0; i < diff_masks.count; i++)
        masks[i] = diff_masks.items[i];
    diff_opts o = {masks, diff_no_masks, (int)diff_details};
    strbuf text = STRBUF_INIT;
    cJSON *json = NULL;
    int n = cassette_diff(&a, &b, &o, diff_json ? NULL : &text, diff_json ? &json : NULL);
    if (diff_json) {
        char *t = cJSON_Print(json);
        puts(t);
        free(t);
        cJSON_Delete(json);
    } else {
        fputs(text.buf, stdout);
    }
    sb_release(&text);
    free(masks);
    cassette_free(&a);
    cassette_free(&b);
    free(pos);
    opt_list_free(&diff_masks);
    return n ? MTV_EXIT_FAILURES : MTV_EXIT_OK;
}

/* ---- pack / unpack -------------------------------------------------------------- */

static cli_common pack_common;
static const char *pack_out, *pack_secrets;

static const opt_def pack_options[] = {
    {OPT_STRING, 'o', "output", "BUNDLE", "Bundle to write (required).", NULL, &pack_out, 0, 0, 0},
    {OPT_STRING, 0, "secrets-file", "FILE", SECRETS_FILE_HELP, NULL, &pack_secrets, 0, 0, 0},
    CLI_COMMON_OPTIONS(&pack_common),
    {0},
};

static const cli_doc pack_doc = {
    .name = "cassette pack",
    .summary = "make a reproducible bundle from a folder holding cassette.har",
    .usage = "cassette pack -o BUNDLE DIR",
    .description =
        "Packs every regular file of DIR (cassette.har is required; scenario.log and "
        "unmatched.json are usual) into a bundle: a tar with sorted names, mtime 0, owner "
        "root, and a fresh manifest.json with the SHA-256 of each member and the redaction "
        "summary from the cassette. The same folder always gives the same bytes. The secret "
        "scan runs first: if any member holds a credential nothing is written (exit 3).",
    .examples = "$ mtv-validate cassette unpack run.tar -o work/\n"
                "$ $EDITOR work/cassette.har\n"
                "$ mtv-validate cassette pack -o run-edited.tar work/",
    .options = pack_options,
};

static int cmd_pack(int argc, char **argv)
{
    char **pos;
    int npos;
    int rc = cli_parse(&pack_doc, &pack_common, argc, argv, &pos, &npos);
    if (rc)
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    mtv_err err;
    mtv_err_clear(&err);
    secret_registry *reg = secrets_new();
    bundle b = {0};
    char **names = NULL;
    size_t count = 0;
    cJSON *har = NULL, *summary = NULL;
    if (one_pos("pack", npos, 1, &err) < 0)
        goto out;
    if (!pack_out) {
        mtv_err_set(&err, MTV_EXIT_USAGE, "cassette pack: --output BUNDLE is required");
        goto out;
    }
    if (load_secrets_file(pack_secrets, reg, &err) < 0 || fs_list_dir(pos[0], NULL, &names, &count, &err) < 0)
        goto out;
    for (size_t i = 0; i < count; i++) {
        strbuf path = STRBUF_INIT, data = STRBUF_INIT;
        fs_join(&path, pos[0], names[i]);
        if (!fs_is_dir(path.buf) && strcmp(names[i], BUNDLE_MANIFEST) != 0) {
            if (fs_read_file(path.buf, &data, &err) < 0) {
                sb_release(&path);
                sb_release(&data);
                goto out;
            }
            bundle_add(&b, names[i], data.buf ? data.buf : "", data.len);
        }
        sb_release(&path);
        sb_release(&data);
    }
    const bundle_member *m = bundle_find(&b, BUNDLE_CASSETTE);
    if (!m) {
        mtv_err_set(&err, MTV_EXIT_USAGE, "cassette pack: %s has no %s", pos[0], BUNDLE_CASSETTE);
        goto out;
    }
    cassette c;
    if (cassette_parse(&c, BUNDLE_CASSETTE, m->data.buf ? m->data.buf : "", m->data.len, &err) < 0)
        goto out;
    cassette_free(&c);
    har = cJSON_ParseWithLength(m->data.buf, m->data.len);
    summary = finalize_redaction_summary(har);
    if (bundle_write(&b, pack_out, summary, reg, &err) == 0)
        printf("wrote %s (%zu members)\n", pack_out, b.count);
out:
    cJSON_Delete(har);
    cJSON_Delete(summary);
    fs_free_list(names, count);
    bundle_free(&b);
    secrets_free(reg);
    free(pos);
    return mtv_err_is_set(&err) ? cli_fail(&err) : MTV_EXIT_OK;
}

static cli_common unpack_common;
static const char *unpack_out;

static const opt_def unpack_options[] = {
    {OPT_STRING, 'o', "output", "DIR", "Folder to write the members into (created).", ".", &unpack_out, 0, 0, 0},
    CLI_COMMON_OPTIONS(&unpack_common),
    {0},
};

static const cli_doc unpack_doc = {
    .name = "cassette unpack",
    .summary = "extract a bundle's members into a folder",
    .usage = "cassette unpack [-o DIR] BUNDLE",
    .description =
        "Writes every member of BUNDLE (cassette.har, manifest.json, scenario.log, ...) into "
        "DIR. Members with absolute names or '..' are refused. A member that does not match "
        "the manifest is still written, with a warning, so a damaged bundle can be inspected.",
    .examples = "$ mtv-validate cassette unpack run/cassettes/cold.tar -o /tmp/cold\n"
                "$ jq '.log.entries | length' /tmp/cold/cassette.har",
    .options = unpack_options,
};

static int cmd_unpack(int argc, char **argv)
{
    char **pos;
    int npos;
    int rc = cli_parse(&unpack_doc, &unpack_common, argc, argv, &pos, &npos);
    if (rc)
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    mtv_err err;
    mtv_err_clear(&err);
    bundle b = {0};
    const char *dir = unpack_out ? unpack_out : ".";
    if (one_pos("unpack", npos, 1, &err) < 0 || bundle_read(&b, pos[0], &err) < 0 ||
        fs_mkdir_p(dir, 0755, &err) < 0)
        goto out;
    strbuf problems = STRBUF_INIT;
    if (bundle_check_manifest(&b, &problems))
        log_warn("%s does not match its manifest:\n%s", pos[0], problems.buf);
    sb_release(&problems);
    for (size_t i = 0; i < b.count; i++) {
        strbuf path = STRBUF_INIT;
        fs_join(&path, dir, b.members[i].name);
        char *slash = strrchr(path.buf, '/');
        if (slash) {
            *slash = '\0';
            int r = fs_mkdir_p(path.buf, 0755, &err);
            *slash = '/';
            if (r < 0) {
                sb_release(&path);
                goto out;
            }
        }
        int r = fs_write_atomic(path.buf, b.members[i].data.buf ? b.members[i].data.buf : "",
                                b.members[i].data.len, &err);
        if (r == 0)
            printf("%s\n", path.buf);
        sb_release(&path);
        if (r < 0)
            goto out;
    }
out:
    bundle_free(&b);
    free(pos);
    return mtv_err_is_set(&err) ? cli_fail(&err) : MTV_EXIT_OK;
}

/* ---- recover ------------------------------------------------------------------------ */

static cli_common recover_common;
static const char *recover_out, *recover_log, *recover_secrets;

static const opt_def recover_options[] = {
    {OPT_STRING, 'o', "output", "BUNDLE", "Bundle to write (required).", NULL, &recover_out, 0, 0, 0},
    {OPT_STRING, 0, "scenario-log", "FILE", "Include FILE as the bundle's scenario.log.", NULL,
     &recover_log, 0, 0, 0},
    {OPT_STRING, 0, "secrets-file", "FILE", SECRETS_FILE_HELP, NULL, &recover_secrets, 0, 0, 0},
    CLI_COMMON_OPTIONS(&recover_common),
    {0},
};

static const cli_doc recover_doc = {
    .name = "cassette recover",
    .summary = "rebuild a bundle from the journal of a run that was killed",
    .usage = "cassette recover -o BUNDLE [--scenario-log FILE] JOURNAL",
    .description =
        "A recording run appends every finished exchange to its journal (journal.ndjson in "
        "the run folder) and syncs it to disk before going on, so when the run dies (SIGKILL, "
        "out of memory, CI timeout) the journal still holds everything it did. recover turns "
        "that journal into the same bundle the run would have written: entries by sequence, "
        "variables, redaction summary, manifest. A torn last line (the process died while "
        "writing it) is dropped with a warning; any other unreadable line is skipped with a "
        "warning naming its line number. The secret scan applies as for any bundle.",
    .examples = "$ mtv-validate cassette recover -o cold.tar mtv-results/run-1/cold/journal.ndjson\n"
                "$ mtv-validate cassette show cold.tar",
    .options = recover_options,
};

static int cmd_recover(int argc, char **argv)
{
    char **pos;
    int npos;
    int rc = cli_parse(&recover_doc, &recover_common, argc, argv, &pos, &npos);
    if (rc)
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    mtv_err err;
    mtv_err_clear(&err);
    secret_registry *reg = secrets_new();
    journal_contents jc = {0};
    strbuf warnings = STRBUF_INIT;
    if (one_pos("recover", npos, 1, &err) < 0)
        goto out;
    if (!recover_out) {
        mtv_err_set(&err, MTV_EXIT_USAGE, "cassette recover: --output BUNDLE is required");
        goto out;
    }
    if (load_secrets_file(recover_secrets, reg, &err) < 0 || journal_load(pos[0], &jc, &warnings, &err) < 0)
        goto out;
    if (warnings.len)
        log_warn("%s", warnings.buf);
    if (finalize_bundle(&jc, recover_log, NULL, recover_out, reg, &err) == 0)
        printf("wrote %s: %d entries from %zu journal lines (%zu skipped)\n", recover_out,
               cJSON_GetArraySize(jc.entries), jc.lines, jc.skipped);
out:
    journal_contents_free(&jc);
    sb_release(&warnings);
    secrets_free(reg);
    free(pos);
    return mtv_err_is_set(&err) ? cli_fail(&err) : MTV_EXIT_OK;
}

/* ---- dispatch ------------------------------------------------------------------------ */

static const cli_command cassette_commands[] = {
    {"show", "summarise a cassette: upstreams, status codes, time, timeline", cmd_show},
    {"verify", "check hashes, HAR structure and that no secret is inside", cmd_verify},
    {"diff", "show where two recorded runs diverge, first divergence first", cmd_diff},
    {"pack", "make a reproducible bundle from a folder holding cassette.har", cmd_pack},
    {"unpack", "extract a bundle's members into a folder", cmd_unpack},
    {"recover", "rebuild a bundle from the journal of a killed run", cmd_recover},
    {NULL, NULL, NULL},
};

int cmd_cassette(int argc, char **argv)
{
    return cli_dispatch("cassette", "inspect, compare, verify and repair recorded cassettes",
                        cassette_commands, argc, argv);
}
