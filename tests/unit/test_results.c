/* Unit tests for runner/results: counts, exit code, JSON round trip,
 * verdict comparison, and errors naming the bad field. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/results.h"
#include "testutil.h"

static run_results *sample(void)
{
    run_results *r = results_new("run-1", 1000);
    results_set_prop(r, "provider", "vsphere-8");
    results_set_prop(r, "storage_class", "ceph-rbd");
    scenario_result *s = results_add_scenario(r, "test_a", "test_a-vsphere-8-ceph-rbd", "scenarios/test_a.json");
    scenario_add_step(s, "storagemap", NULL, STEP_PASSED, NULL, NULL, "log line", 1000, 0.5);
    scenario_add_step(s, "migrate", NULL, STEP_FAILED, "migrate - VM failed at DiskTransfer",
                      "detail\nmore", NULL, 1500, 2);
    scenario_add_step(s, "check_vms", NULL, STEP_XFAILED, "previous step failed (migrate)", NULL, NULL,
                      3500, 0);
    scenario_result *t = results_add_scenario(r, "test_b", NULL, NULL);
    scenario_add_step(t, "plan", NULL, STEP_SKIPPED, "https://jira/browse/MTV-1", NULL, NULL, 0, 0);
    return r;
}

Test(results, counts_and_exit_code)
{
    run_results *r = sample();
    results_counts c = results_count(r);
    cr_assert_eq(c.total, 4);
    cr_assert_eq(c.passed, 1);
    cr_assert_eq(c.failed, 1);
    cr_assert_eq(c.xfailed, 1);
    cr_assert_eq(c.skipped, 1);
    cr_assert_eq(results_exit_code(r), MTV_EXIT_FAILURES);
    cr_assert_str_eq(scenario_first_failure(r->scenarios[0])->name, "migrate");
    cr_assert_null(scenario_first_failure(r->scenarios[1]));
    results_free(r);

    run_results *ok = results_new("x", 0);
    scenario_add_step(results_add_scenario(ok, "s", NULL, NULL), "plan", NULL, STEP_SKIPPED, NULL, NULL,
                      NULL, 0, 0);
    cr_assert_eq(results_exit_code(ok), MTV_EXIT_OK);
    results_free(ok);
}

Test(results, properties_replace_and_remove)
{
    run_results *r = sample();
    results_set_prop(r, "provider", "ovirt");
    cr_assert_str_eq(results_get_prop(r, "provider"), "ovirt");
    cr_assert_eq(r->n_props, 2);
    results_set_prop(r, "provider", NULL);
    cr_assert_null(results_get_prop(r, "provider"));
    cr_assert_str_eq(results_get_prop(r, "storage_class"), "ceph-rbd");
    results_free(r);
}

Test(results, json_round_trip_keeps_everything)
{
    run_results *r = sample();
    const char *dir = tu_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/results.json", dir);
    mtv_err err;
    cr_assert_eq(results_write(r, path, &err), 0, "%s", err.msg);
    run_results *back = results_read(path, &err);
    cr_assert_not_null(back, "%s", err.msg);
    cr_assert_str_eq(back->run_id, "run-1");
    cr_assert_eq(back->n_scenarios, 2);
    const scenario_result *s = back->scenarios[0];
    cr_assert_str_eq(s->test_name, "test_a-vsphere-8-ceph-rbd");
    cr_assert_str_eq(s->file, "scenarios/test_a.json");
    cr_assert_eq(s->n_steps, 3);
    cr_assert_eq(s->steps[1].status, STEP_FAILED);
    cr_assert_str_eq(s->steps[1].detail, "detail\nmore");
    cr_assert_str_eq(s->steps[0].log, "log line");
    cr_assert_str_eq(results_get_prop(back, "storage_class"), "ceph-rbd");
    strbuf diff = STRBUF_INIT;
    cr_assert_eq(results_compare(r, back, &diff), 0, "%s", sb_str(&diff));
    sb_release(&diff);
    results_free(back);
    results_free(r);
}

Test(results, compare_reports_each_divergence)
{
    run_results *a = sample();
    run_results *b = sample();
    b->scenarios[0]->steps[1].status = STEP_PASSED;
    scenario_add_step(results_add_scenario(b, "test_c", NULL, NULL), "plan", NULL, STEP_PASSED, NULL,
                      NULL, NULL, 0, 0);
    strbuf diff = STRBUF_INIT;
    cr_assert_eq(results_compare(a, b, &diff), 2, "%s", sb_str(&diff));
    cr_assert(strstr(diff.buf, "test_a-vsphere-8-ceph-rbd: step 2: recorded migrate failed, replayed migrate passed"),
              "%s", diff.buf);
    cr_assert(strstr(diff.buf, "test_c: replayed but not recorded"), "%s", diff.buf);
    sb_release(&diff);
    results_free(a);
    results_free(b);
}

Test(results, bad_file_names_the_field)
{
    const char *dir = tu_tmpdir();
    const char *p = tu_write(dir, "r.json",
                             "{\"scenarios\": [\n {\"scenario\": \"s\",\n  \"steps\": [\n   {\"name\": \"plan\", \"status\": \"great\"}]}]}");
    char path[4200];
    snprintf(path, sizeof path, "%s", p);
    mtv_err err;
    cr_assert_null(results_read(path, &err));
    cr_assert(strstr(err.msg, "r.json:4:4"), "%s", err.msg);
    cr_assert(strstr(err.msg, "/scenarios/0/steps/0 has no valid \"status\""), "%s", err.msg);
    p = tu_write(dir, "n.json", "[1]");
    snprintf(path, sizeof path, "%s", p);
    cr_assert_null(results_read(path, &err));
    cr_assert(strstr(err.msg, "not a results file"), "%s", err.msg);
}

Test(results, scenario_data_round_trips_and_is_no_verdict)
{
    run_results *r = sample();
    scenario_result *s = r->scenarios[0];
    cJSON *vms = cJSON_Parse("{\"vm-a\": {\"name\": \"vm-a\", \"memory_in_mb\": 2048,"
                             " \"cpu\": {\"num_cores\": 2, \"num_sockets\": 1}}}");
    cr_assert_eq(scenario_set_data(s, "source_vms_data", vms), 0);
    cr_assert_eq(scenario_set_data(s, "steps", cJSON_CreateArray()), -1,
                 "a key of the scenario's own is refused");
    cr_assert_null(cJSON_GetObjectItem(s->data, "steps"));
    const char *dir = tu_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/results.json", dir);
    mtv_err err;
    cr_assert_eq(results_write(r, path, &err), 0, "%s", err.msg);
    char *text = tu_read(path, NULL);
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *written = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "scenarios"), 0),
                                               "source_vms_data");
    cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(written, "vm-a"),
                                                          "memory_in_mb")), 2048,
                 "a key of the scenario in results.json");
    cJSON_Delete(root);

    run_results *back = results_read(path, &err);
    cr_assert_not_null(back, "%s", err.msg);
    cr_assert(cJSON_Compare(cJSON_GetObjectItem(back->scenarios[0]->data, "source_vms_data"),
                            cJSON_GetObjectItem(s->data, "source_vms_data"), 1),
              "read back as written");
    cr_assert_null(back->scenarios[1]->data, "a scenario without data has none");
    /* replay compares verdicts only: other records are no divergence */
    scenario_set_data(back->scenarios[0], "source_vms_data", cJSON_CreateObject());
    strbuf diff = STRBUF_INIT;
    cr_assert_eq(results_compare(r, back, &diff), 0, "%s", sb_str(&diff));
    scenario_set_data(back->scenarios[0], "source_vms_data", NULL);
    cr_assert_null(cJSON_GetObjectItem(back->scenarios[0]->data, "source_vms_data"), "removed");
    sb_release(&diff);
    results_free(back);
    results_free(r);
}
