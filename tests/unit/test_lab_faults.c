/* Unit tests for lab_faults: each API fault kind observed through real
 * HTTPS requests to a running lab (500, 429 with Retry-After, a reset
 * connection, a slow body, a truncated body, a dropped watch), the count
 * and rate limits and the path and method filters, and faults files with
 * mistakes reported by file, line, column and key. (VM and plan faults are
 * observed in test_lab_ctl.) */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "lab/lab_faults.h"
#include "labtest.h"

static labtest lab;

static void stop(void)
{
    labtest_stop(&lab);
}

TestSuite(lab_faults, .fini = stop, .timeout = 60);

Test(lab_faults, http_500_and_429_with_retry_after)
{
    labtest_start(&lab, &(labtest_opts){
                            .faults_json = "{\"api\":[{\"path\":\"/api/v1/namespaces/default\","
                                           "\"fault\":\"500\",\"count\":1},{\"path\":\"/api/v1/"
                                           "configmaps\",\"method\":\"GET\",\"fault\":\"429\","
                                           "\"retry_after\":7}]}"});
    labtest_reply r = labtest_http(&lab, "GET", "/api/v1/namespaces/default", NULL, NULL);
    cr_assert_eq(r.code, 500);
    cr_assert(strstr(r.body.buf, "\"reason\":\"InternalError\""), "%s", r.body.buf);
    labtest_reply_free(&r);
    r = labtest_http(&lab, "GET", "/api/v1/namespaces/default", NULL, NULL);
    cr_assert_eq(r.code, 200, "count 1: only the first request fails");
    labtest_reply_free(&r);
    r = labtest_http(&lab, "GET", "/api/v1/configmaps", NULL, NULL);
    cr_assert_eq(r.code, 429);
    cr_assert(strstr(r.headers.buf, "Retry-After: 7"), "%s", r.headers.buf);
    cr_assert(strstr(r.body.buf, "\"reason\":\"TooManyRequests\""));
    labtest_reply_free(&r);
    r = labtest_http(&lab, "POST", "/api/v1/namespaces/default/configmaps",
                     "{\"metadata\":{\"name\":\"c\"}}", "application/json");
    cr_assert_eq(r.code, 201, "the method filter spares POST: %ld", r.code);
    labtest_reply_free(&r);
}

Test(lab_faults, reset_slow_and_truncated_bodies)
{
    labtest_start(&lab, &(labtest_opts){
                            .faults_json = "{\"seed\":3,\"api\":["
                                           "{\"path\":\"/apis/storage.k8s.io\",\"fault\":\"reset\"},"
                                           "{\"path\":\"/version\",\"fault\":\"slow\",\"delay_ms\":10},"
                                           "{\"path\":\"/api/v1/nodes\",\"fault\":\"truncate\"},"
                                           "{\"path\":\"/api/v1/pods\",\"fault\":\"500\",\"rate\":0}]}"});
    labtest_reply r = labtest_http(&lab, "GET", "/apis/storage.k8s.io/v1/storageclasses", NULL, NULL);
    cr_assert_eq(r.code, -(long)CURLE_GOT_NOTHING, "a reset connection answers nothing: %ld", r.code);
    labtest_reply_free(&r);
    r = labtest_http(&lab, "GET", "/version", NULL, NULL);
    cr_assert_eq(r.code, 200);
    cr_assert_geq(r.writes, 3, "a slow body trickles in pieces (%d)", r.writes);
    cJSON *v = cJSON_Parse(r.body.buf);
    cr_assert_not_null(v, "the slow body is complete: %s", r.body.buf);
    cJSON_Delete(v);
    labtest_reply_free(&r);
    r = labtest_http(&lab, "GET", "/api/v1/nodes", NULL, NULL);
    cr_assert_eq(r.code, -(long)CURLE_PARTIAL_FILE, "a truncated body: %ld", r.code);
    cr_assert_gt(r.body.len, 0, "part of the body came");
    cr_assert_null(cJSON_Parse(r.body.buf), "and it is not the whole JSON");
    labtest_reply_free(&r);
    r = labtest_http(&lab, "GET", "/api/v1/pods", NULL, NULL);
    cr_assert_eq(r.code, 200, "rate 0 never fires");
    labtest_reply_free(&r);
}

Test(lab_faults, dropped_watch)
{
    labtest_start(&lab, &(labtest_opts){
                            .faults_json = "{\"api\":[{\"path\":\"/api/v1/namespaces\",\"fault\":"
                                           "\"drop_watch\",\"after_events\":1}]}"});
    labtest_reply r = labtest_http(&lab, "GET", "/api/v1/namespaces?watch=true", NULL, NULL);
    cr_assert_lt(r.code, 0, "the watch ends with a transport error, not cleanly: %ld", r.code);
    cr_assert(strstr(r.body.buf, "\"type\":\"ADDED\""), "one event came first: %s", r.body.buf);
    cr_assert_eq(strstr(strstr(r.body.buf, "ADDED") + 5, "ADDED"), NULL,
                 "then the stream was dropped: %s", r.body.buf);
    labtest_reply_free(&r);
    r = labtest_http(&lab, "GET", "/api/v1/namespaces", NULL, NULL);
    cr_assert_eq(r.code, 200, "plain lists of the same path are spared");
    labtest_reply_free(&r);
}

static void expect_bad(const char *text, const char *want)
{
    lab_faults *f;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(lab_faults_parse(&f, "faults.json", text, &err), -1, "%s parsed", text);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    cr_assert(strstr(err.msg, want), "expected '%s' in: %s", want, err.msg);
}

Test(lab_faults, file_errors_name_the_position_and_key)
{
    expect_bad("{\"vms\": [{\"vm\": \"a\",\n  \"fail_at\": \"Copy\"}]}",
               "faults.json:2:3: vms/0/fail_at: \"Copy\" is not a pipeline step");
    expect_bad("{\"vms\": [{\"fail_at\": \"DiskTransfer\"}]}", "vms/0: missing \"vm\"");
    expect_bad("{\"vms\": [{\"vm\": \"a\"}]}",
               "needs \"fail_at\", \"hang_at\", \"wrong\" or \"source\"");
    expect_bad("{\"vms\": [{\"vm\": \"a\", \"wrong\": {\"colour\": 1}}]}", "vms/0/wrong/colour");
    expect_bad("{\"vms\": [{\"vm\": \"a\", \"wrong\": {\"power\": \"dim\"}}]}",
               "vms/0/wrong/power: \"dim\" is not one of on|off");
    expect_bad("{\"vms\": [{\"vm\": \"a\", \"wrong\": {\"ssh\": \"open\"}}]}",
               "vms/0/wrong/ssh: \"open\" is not one of closed");
    expect_bad("{\"vms\": [{\"vm\": \"a\", \"wrong\": {\"agent\": \"no\"}}]}",
               "vms/0/wrong/agent: expected true or false, got string");
    expect_bad("{\"vms\": [{\"vm\": \"a\", \"wrong\": {\"serial\": 7}}]}",
               "vms/0/wrong/serial: expected a non-empty string, got number");
    expect_bad("{\"vms\": [{\"vm\": \"a\", \"wrong\": {\"link\": 1}}]}",
               "vms/0/wrong/link: expected \"up\" or \"down\", got number");
    expect_bad("{\"vms\": [{\"vm\": \"a\", \"wrong\": {\"link\": {\"00:50:56:aa:00:01\": \"off\"}}}]}",
               "vms/0/wrong/link/00:50:56:aa:00:01: expected \"up\" or \"down\", got off");
    expect_bad("{\"vms\": [{\"vm\": \"a\", \"wrong\": {\"disks\": 1.5}}]}",
               "vms/0/wrong/disks: expected a whole number of disks");
    expect_bad("{\"vms\": [{\"vm\": \"a\", \"source\": {\"snapshot\": \"revert\"}}]}",
               "vms/0/source/snapshot: expected \"add\" or \"remove\"");
    expect_bad("{\"vms\": [{\"vm\": \"a\", \"source\": {\"stop_event\": 33}}]}",
               "vms/0/source/stop_event: expected true or false, got number");
    expect_bad("{\"vms\": [{\"vm\": \"a\", \"source\": {\"reboot\": true}}]}",
               "vms/0/source/reboot: unknown key");
    expect_bad("{\"providers\": [{\"provider\": \"p\"}]}",
               "providers/0/secret: expected an object of Secret keys");
    expect_bad("{\"providers\": [{\"provider\": \"p\", \"secret\": {\"insecureSkipVerify\": true}}]}",
               "providers/0/secret/insecureSkipVerify: expected a string, got boolean");
    expect_bad("{\"api\": [{\"fault\": \"404\"}]}", "api/0/fault: expected one of");
    expect_bad("{\"api\": [{\"fault\": \"500\", \"rate\": 2}]}", "api/0/rate");
    expect_bad("{\"plans\": [{\"plan\": \"p\"}]}", "plans/0: missing \"never_ready\"");
    expect_bad("{\"vm\": []}", "unknown key");
    expect_bad("{\"vms\": [", "faults.json:1:");
    lab_faults *f;
    mtv_err err;
    cr_assert_eq(lab_faults_parse(&f, "f", "# comments are fine\n{\"vms\": [{\"vm\": \"web-*\", "
                                           "\"plan\": \"p?\", \"hang_at\": \"Cutover\"}]}", &err),
                 0, "%s", err.msg);
    cr_assert(lab_faults_vm_hang(f, "p1", "web-01", "Cutover"));
    cr_assert(!lab_faults_vm_hang(f, "p12", "web-01", "Cutover"), "the plan pattern filters");
    cr_assert(!lab_faults_vm_hang(f, "p1", "db-01", "Cutover"));
    cr_assert_null(lab_faults_vm_fail(f, "p1", "web-01", "Cutover"));
    lab_faults_free(f);
    cr_assert_eq(lab_faults_parse(&f, "f", "{\"vms\": [{\"vm\": \"db\", \"source\": {\"snapshot\": "
                                           "\"remove\"}}], \"providers\": [{\"provider\": \"src-*\", "
                                           "\"secret\": {\"insecureSkipVerify\": \"false\"}}]}", &err),
                 0, "%s", err.msg);
    const cJSON *src = lab_faults_vm_source(f, "any", "db");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(src, "snapshot")), "remove");
    cr_assert_null(lab_faults_vm_source(f, "any", "web"));
    cr_assert_null(lab_faults_vm_wrong(f, "any", "db"), "a source fault is not a wrong VM");
    const cJSON *sec = lab_faults_provider_secret(f, "src-vsphere");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(sec, "insecureSkipVerify")), "false");
    cr_assert_null(lab_faults_provider_secret(f, "host"));
    lab_faults_free(f);
}
