/* Unit tests for reporters/junit: pytest's xunit2 shape, counts, text
 * cleaning (ANSI, XML-illegal bytes, "]]>", invalid UTF-8), truncation,
 * validation with xmllint against the Jenkins xUnit schema, rendering with
 * xunit-viewer, reading back, merging shards, and canary secrets. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reporters/junit.h"
#include "testutil.h"
#include "util/codec.h"
#include "util/fs.h"

#define CANARY "canary-JUnit-s3cret-4242"

static run_results *sample(void)
{
    run_results *r = results_new("run-42", 1795812000000);
    r->seconds = 75.5;
    results_set_prop(r, "cluster", "https://api.ocp.example:6443");
    results_set_prop(r, "provider", "vsphere-8");
    results_set_prop(r, "storage_class", "ceph-rbd");
    results_set_prop(r, "mtv_version", "2.9.0");
    results_set_prop(r, "provider_version", "8.0.3");
    results_set_prop(r, "shard", "1/2");
    scenario_result *a = results_add_scenario(r, "test_cold", "test_cold-vsphere-8-ceph-rbd", "scenarios/test_cold.json");
    scenario_set_cassette(a, "cassettes/test_cold.tar");
    scenario_add_step(a, "storagemap", "storagemap-vsphere-8-ceph-rbd", STEP_PASSED, NULL, NULL,
                      "\x1b[32mINFO\x1b[0m ready\n", 1795812000000, 1.5);
    scenario_add_step(a, "migrate", "migrate-vsphere-8-ceph-rbd", STEP_FAILED,
                      "migrate - VM mtv-rhel8 failed\nat DiskTransfer <phase> & \"quotes\"",
                      "Traceback:\n  boom ]]> end\x01\x02\xff\xfe" " bad bytes", "\x1b[31mERROR\x1b[0m \x07" "bell\n",
                      1795812001500, 60);
    scenario_add_step(a, "check_vms", "check_vms-vsphere-8-ceph-rbd", STEP_XFAILED,
                      "previous step failed (migrate)", NULL, NULL, 0, 0);
    scenario_result *b = results_add_scenario(r, "test_warm", "test_warm-vsphere-8-ceph-rbd", "scenarios/test_warm.json");
    scenario_add_step(b, "plan", "plan-vsphere-8-ceph-rbd", STEP_SKIPPED, "https://jira.example/browse/MTV-2846",
                      NULL, NULL, 0, 0);
    scenario_add_step(b, "migrate", "migrate-vsphere-8-ceph-rbd", STEP_ERROR, "plan not Ready after 600 s",
                      NULL, NULL, 0, 14);
    scenario_add_step(b, "check_vms", "check_vms-vsphere-8-ceph-rbd", STEP_XPASSED, NULL, NULL, NULL, 0, 0);
    return r;
}

static char *render(const run_results *r, const junit_opts *o)
{
    strbuf x = STRBUF_INIT;
    junit_render(r, o, &x);
    return sb_detach(&x, NULL);
}

Test(junit, pytest_xunit2_shape)
{
    run_results *r = sample();
    junit_opts o = {.hostname = "ci-host"};
    char *x = render(r, &o);
    cr_assert(strstr(x, "<testsuites name=\"mtv-validate\" tests=\"6\" failures=\"1\" errors=\"1\" time=\"75.500\">"), "%s", x);
    cr_assert(strstr(x, "<testsuite name=\"test_cold-vsphere-8-ceph-rbd\" tests=\"3\" failures=\"1\" errors=\"0\" "
                        "skipped=\"1\" time=\"61.500\" timestamp=\"2026-11-27T20:40:00.000Z\" hostname=\"ci-host\" "
                        "file=\"scenarios/test_cold.json\">"), "%s", x);
    /* properties in the documented order, then the others */
    const char *p = strstr(x, "<property name=\"provider\" value=\"vsphere-8\"/>");
    const char *order[] = {"provider_version", "storage_class", "mtv_version", "cluster", "run_id", "cassette", "shard"};
    cr_assert_not_null(p);
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        char want[64];
        snprintf(want, sizeof want, "<property name=\"%s\"", order[i]);
        const char *q = strstr(p, want);
        cr_assert(q && q > p, "property %s out of order", order[i]);
        p = q;
    }
    cr_assert(strstr(x, "<testcase classname=\"test_cold\" name=\"migrate-vsphere-8-ceph-rbd\" time=\"60.000\">"), "%s", x);
    /* message on one line, escaped; detail in the element */
    cr_assert(strstr(x, "<failure message=\"migrate - VM mtv-rhel8 failed at DiskTransfer &lt;phase&gt; &amp; "
                        "&quot;quotes&quot;\">Traceback:\n  boom ]]&gt; end#x01#x02#xFF#xFE bad bytes</failure>"), "%s", x);
    cr_assert(strstr(x, "<system-out>ERROR #x07bell\n</system-out>"), "%s", x);
    cr_assert(strstr(x, "<skipped type=\"pytest.xfail\" message=\"previous step failed (migrate)\"/>"), "%s", x);
    cr_assert(strstr(x, "<skipped type=\"pytest.skip\" message=\"https://jira.example/browse/MTV-2846\">"
                        "scenarios/test_warm.json: https://jira.example/browse/MTV-2846</skipped>"), "%s", x);
    cr_assert(strstr(x, "<error message=\"plan not Ready after 600 s\">plan not Ready after 600 s</error>"), "%s", x);
    cr_assert(strstr(x, "<testcase classname=\"test_warm\" name=\"check_vms-vsphere-8-ceph-rbd\" time=\"0.000\"/>"),
              "an xpass is a plain passing testcase: %s", x);
    cr_assert_null(strchr(x, 0x1b));
    cr_assert_null(strstr(x, "file=\"scenarios/test_cold.json\"/>"), "testcase carries file without the option");
    free(x);
    results_free(r);
}

static int have(const char *cmd)
{
    char line[256];
    snprintf(line, sizeof line, "command -v %s >/dev/null 2>&1", cmd);
    return system(line) == 0;
}

static int xmllint_validate(const char *path, char **output)
{
    strbuf cmd = STRBUF_INIT;
    sb_addf(&cmd, "xmllint --noout --schema '%s' '%s' 2>&1", tu_shared("reference/junit/jenkins-xunit-junit-10.xsd"), path);
    FILE *p = popen(cmd.buf, "r");
    strbuf out = STRBUF_INIT;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        sb_add(&out, buf, n);
    int rc = pclose(p);
    sb_release(&cmd);
    *output = sb_detach(&out, NULL);
    return rc;
}

Test(junit, validates_against_the_jenkins_xunit_schema)
{
    tu_require_shared();
    if (!have("xmllint"))
        cr_skip_test("xmllint missing (make deps installs libxml2-utils)");
    run_results *r = sample();
    /* a log with every byte value and a large one that gets cut */
    char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (char)(i ? i : 'x');
    strbuf big = STRBUF_INIT;
    sb_add(&big, all, sizeof all);
    for (int i = 0; i < 5000; i++)
        sb_addf(&big, "\x1b[33mline %d\x1b[0m ]]> \xc3\xa9\n", i);
    scenario_add_step(r->scenarios[1], "extra", "extra-vsphere-8-ceph-rbd", STEP_FAILED, "all bytes", big.buf,
                      big.buf, 0, 1);
    const char *dir = tu_tmpdir();
    strbuf path = STRBUF_INIT;
    fs_join(&path, dir, "junit.xml");
    junit_opts o = {.max_output = 20000, .log_hint = "see run.log"};
    mtv_err err;
    cr_assert_eq(junit_write(r, &o, path.buf, &err), 0, "%s", err.msg);
    char *out = NULL;
    int rc = xmllint_validate(path.buf, &out);
    cr_assert_eq(rc, 0, "xmllint rejected the report:\n%s", out);
    cr_assert(strstr(out, "validates"), "%s", out);
    free(out);
    size_t len;
    char *x = tu_read(path.buf, &len);
    cr_assert(strstr(x, " bytes left out; see run.log ...]"), "no truncation note");
    cr_assert(strstr(x, "line 0"), "head missing");
    cr_assert(strstr(x, "line 4999"), "tail missing");
    cr_assert_lt(len, 200000, "the report was not bounded: %zu bytes", len);
    free(x);

    /* the GitLab option adds file= on testcases, which this schema rejects */
    o.testcase_file = 1;
    cr_assert_eq(junit_write(r, &o, path.buf, &err), 0, "%s", err.msg);
    rc = xmllint_validate(path.buf, &out);
    cr_assert_neq(rc, 0, "testcase@file validated: the schema check is not working");
    cr_assert(strstr(out, "attribute 'file'"), "%s", out);
    free(out);
    sb_release(&big);
    sb_release(&path);
    results_free(r);
}

Test(junit, renders_with_xunit_viewer)
{
    const char *bin = tu_src("tests/node/node_modules/.bin/xunit-viewer");
    if (!fs_exists(bin) || !have("node"))
        cr_skip_test("xunit-viewer missing (make deps installs it)");
    run_results *r = sample();
    const char *dir = tu_tmpdir();
    strbuf path = STRBUF_INIT, cmd = STRBUF_INIT;
    fs_join(&path, dir, "junit.xml");
    mtv_err err;
    cr_assert_eq(junit_write(r, NULL, path.buf, &err), 0, "%s", err.msg);
    /* console mode, and the HTML report: both must run without an error */
    sb_addf(&cmd, "cd '%s' && '%s' -r junit.xml -c -n -C false > out.txt 2> err.txt && '%s' -r junit.xml -o report.html "
                  ">> out.txt 2>> err.txt", dir, bin, bin);
    int rc = system(cmd.buf);
    strbuf f = STRBUF_INIT;
    fs_join(&f, dir, "out.txt");
    char *out = tu_read(f.buf, NULL);
    sb_reset(&f);
    fs_join(&f, dir, "err.txt");
    char *errs = tu_read(f.buf, NULL);
    cr_assert_eq(rc, 0, "xunit-viewer failed:\n%s\n%s", out, errs);
    cr_assert_str_eq(errs, "", "xunit-viewer complained: %s", errs);
    cr_assert(strstr(out, "migrate-vsphere-8-ceph-rbd"), "%s", out);
    cr_assert(strstr(out, "1 failure"), "%s", out);
    cr_assert(strstr(out, "1 error"), "%s", out);
    cr_assert(strstr(out, "2 skipped"), "%s", out);
    sb_reset(&f);
    fs_join(&f, dir, "report.html");
    cr_assert(fs_exists(f.buf), "no HTML report");
    free(out);
    free(errs);
    sb_release(&f);
    sb_release(&cmd);
    sb_release(&path);
    results_free(r);
}

Test(junit, canary_secrets_never_reach_the_file)
{
    secret_registry *reg = secrets_new();
    secrets_add(reg, "canary", CANARY);
    run_results *r = results_new("run-" CANARY, 0);
    results_set_prop(r, "cluster", "https://user:" CANARY "@api.example:6443");
    scenario_result *s = results_add_scenario(r, "test_x", "test_x-" CANARY, NULL);
    strbuf b64 = STRBUF_INIT, url = STRBUF_INIT, log = STRBUF_INIT;
    b64_encode(&b64, "Authorization: " CANARY, strlen("Authorization: " CANARY));
    url_encode(&url, "p=" CANARY "&x=1", strlen("p=" CANARY "&x=1"), 0);
    sb_addf(&log, "token %s\nbasic %s\nurl %s\ncoloured \x1b[1m%s\x1b[0m\n", CANARY, b64.buf, url.buf, CANARY);
    scenario_add_step(s, "migrate", NULL, STEP_FAILED, "password " CANARY " rejected", "detail " CANARY,
                      log.buf, 0, 1);
    scenario_set_cassette(s, "/tmp/" CANARY ".tar");
    junit_opts o = {.secrets = reg};
    char *x = render(r, &o);
    size_t off;
    const char *hit = secrets_find(reg, x, strlen(x), &off);
    cr_assert_null(hit, "a canary leaked at offset %zu: %.80s", off, x + off);
    cr_assert(strstr(x, "&lt;redacted:canary&gt;"), "%s", x);
    free(x);
    sb_release(&b64);
    sb_release(&url);
    sb_release(&log);
    results_free(r);
    secrets_free(reg);
}

Test(junit, reads_back_what_it_wrote)
{
    run_results *r = sample();
    const char *dir = tu_tmpdir();
    strbuf path = STRBUF_INIT;
    fs_join(&path, dir, "junit.xml");
    mtv_err err;
    cr_assert_eq(junit_write(r, NULL, path.buf, &err), 0, "%s", err.msg);
    run_results *back = junit_read(path.buf, &err);
    cr_assert_not_null(back, "%s", err.msg);
    cr_assert_str_eq(back->run_id, "run-42");
    cr_assert_str_eq(results_get_prop(back, "provider"), "vsphere-8");
    cr_assert_str_eq(results_get_prop(back, "shard"), "1/2");
    cr_assert_eq(back->n_scenarios, 2);
    const scenario_result *a = back->scenarios[0];
    cr_assert_str_eq(a->scenario, "test_cold");
    cr_assert_str_eq(a->test_name, "test_cold-vsphere-8-ceph-rbd");
    cr_assert_str_eq(a->cassette, "cassettes/test_cold.tar");
    cr_assert_str_eq(a->file, "scenarios/test_cold.json");
    cr_assert_eq(a->n_steps, 3);
    cr_assert_str_eq(a->steps[1].name, "migrate", "suffix not removed: %s", a->steps[1].name);
    cr_assert_str_eq(a->steps[1].test_name, "migrate-vsphere-8-ceph-rbd");
    cr_assert_eq(a->steps[1].status, STEP_FAILED);
    cr_assert_str_eq(a->steps[1].message, "migrate - VM mtv-rhel8 failed at DiskTransfer <phase> & \"quotes\"");
    cr_assert(strstr(a->steps[1].detail, "boom ]]> end"), "%s", a->steps[1].detail);
    cr_assert_str_eq(a->steps[1].log, "ERROR #x07bell\n");
    cr_assert_eq(a->steps[2].status, STEP_XFAILED);
    const scenario_result *b = back->scenarios[1];
    cr_assert_eq(b->steps[0].status, STEP_SKIPPED);
    cr_assert_eq(b->steps[1].status, STEP_ERROR);
    cr_assert_eq(b->steps[2].status, STEP_PASSED);
    results_counts n = results_count(back);
    cr_assert_eq(n.total, 6);
    cr_assert_eq(n.failed, 1);
    cr_assert_eq(n.errors, 1);
    results_free(back);
    sb_release(&path);
    results_free(r);
}

Test(junit, read_errors_name_file_and_line)
{
    const char *dir = tu_tmpdir();
    mtv_err err;
    const char *bad = tu_write(dir, "bad.xml", "<testsuites>\n<testsuite name=\"a\">\n<testcase name=\"x\">\n</testsuites>\n");
    cr_assert_null(junit_read(bad, &err));
    cr_assert(strstr(err.msg, "bad.xml:4: "), "%s", err.msg);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    const char *other = tu_write(dir, "other.xml", "<?xml version=\"1.0\"?>\n<html><body/></html>\n");
    cr_assert_null(junit_read(other, &err));
    cr_assert(strstr(err.msg, "other.xml:2: the root element is <html>"), "%s", err.msg);
    cr_assert_null(junit_read("/nonexistent/junit.xml", &err));
    cr_assert(strstr(err.msg, "/nonexistent/junit.xml"), "%s", err.msg);
}

Test(junit, merges_shards_and_foreign_reports)
{
    const char *dir = tu_tmpdir();
    run_results *r = sample();
    strbuf a = STRBUF_INIT, b = STRBUF_INIT, out = STRBUF_INIT, warnings = STRBUF_INIT;
    fs_join(&a, dir, "shard1.xml");
    fs_join(&out, dir, "merged.xml");
    mtv_err err;
    cr_assert_eq(junit_write(r, NULL, a.buf, &err), 0, "%s", err.msg);
    /* a pytest-style file with a <testsuite> root and no totals on it */
    const char *py = tu_write(dir, "pytest.xml",
                              "<testsuite name=\"pytest\">\n"
                              "<testcase classname=\"tests.test_a\" name=\"test_one\" time=\"0.5\"/>\n"
                              "<testcase classname=\"tests.test_a\" name=\"test_two\" time=\"1\"><failure message=\"x\">t</failure></testcase>\n"
                              "<testcase classname=\"test_cold\" name=\"migrate-vsphere-8-ceph-rbd\"/>\n"
                              "</testsuite>\n");
    const char *inputs[] = {a.buf, py};
    cr_assert_eq(junit_merge(inputs, 2, out.buf, &warnings, &err), 0, "%s", err.msg);
    cr_assert(strstr(warnings.buf, "test_cold::migrate-vsphere-8-ceph-rbd is also in"), "%s", sb_str(&warnings));
    char *x = tu_read(out.buf, NULL);
    cr_assert(strstr(x, "<testsuites name=\"mtv-validate\" tests=\"9\" failures=\"2\" errors=\"1\" time=\""), "%s", x);
    cr_assert(strstr(x, "<testsuite name=\"pytest\" tests=\"3\" failures=\"1\" errors=\"0\">"), "missing counts not filled in: %s", x);
    cr_assert(strstr(x, "<property name=\"cassette\" value=\"cassettes/test_cold.tar\"/>"), "properties lost");
    free(x);
    if (have("xmllint")) {
        tu_require_shared();
        char *o = NULL;
        cr_assert_eq(xmllint_validate(out.buf, &o), 0, "merged report invalid:\n%s", o);
        free(o);
    }
    /* a merged file can be merged again (the output may be an input) */
    const char *again[] = {out.buf, out.buf};
    cr_assert_eq(junit_merge(again, 2, out.buf, NULL, &err), 0, "%s", err.msg);
    x = tu_read(out.buf, NULL);
    cr_assert(strstr(x, "tests=\"18\""), "%s", x);
    free(x);
    /* a broken input fails the merge and leaves the output alone */
    fs_join(&b, dir, "broken.xml");
    tu_write(dir, "broken.xml", "<testsuites><testsuite name=\"x\"");
    const char *broken[] = {a.buf, b.buf};
    char *before = tu_read(out.buf, NULL);
    cr_assert_eq(junit_merge(broken, 2, out.buf, NULL, &err), -1);
    cr_assert(strstr(err.msg, "broken.xml:1: "), "%s", err.msg);
    char *after = tu_read(out.buf, NULL);
    cr_assert_str_eq(before, after);
    free(before);
    free(after);
    sb_release(&a);
    sb_release(&b);
    sb_release(&out);
    sb_release(&warnings);
    results_free(r);
}

Test(junit, write_error_names_the_path)
{
    run_results *r = sample();
    mtv_err err;
    cr_assert_eq(junit_write(r, NULL, "/nonexistent-dir/junit.xml", &err), -1);
    cr_assert(strstr(err.msg, "/nonexistent-dir/junit.xml"), "%s", err.msg);
    results_free(r);
}
