/* Unit tests for mtv/status against real controller-written objects
 * (shared/reference/forklift-cr-samples): readiness, the run's outcome and
 * whose run it is, per-VM failures naming the pipeline step, progress. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtv/status.h"
#include "testutil.h"
#include "util/json.h"

static cJSON *sample_list(const char *file)
{
    tu_require_shared();
    char rel[256];
    snprintf(rel, sizeof rel, "reference/forklift-cr-samples/%s", file);
    json_doc doc;
    mtv_err err;
    cr_assert_eq(json_doc_load(&doc, tu_shared(rel), JSON_STRICT, &err), 0, "%s", err.msg);
    cJSON *root = doc.root;
    doc.root = NULL;
    json_doc_free(&doc);
    return root;
}

static const cJSON *item_named(const cJSON *list, const char *name)
{
    const cJSON *items = cJSON_GetObjectItem(list, "items");
    for (const cJSON *i = items->child; i; i = i->next) {
        const char *n = cJSON_GetStringValue(
            cJSON_GetObjectItem(cJSON_GetObjectItem(i, "metadata"), "name"));
        if (n && !strcmp(n, name))
            return i;
    }
    cr_assert_fail("no sample named %s", name);
    return NULL;
}

static const char *migration_uid(const cJSON *plan)
{
    const cJSON *h = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(plan, "status"), "migration"),
                                         "history");
    const cJSON *last = cJSON_GetArrayItem(h, cJSON_GetArraySize(h) - 1);
    return cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(last, "migration"), "uid"));
}

Test(status, captured_plans_give_their_outcome_for_their_own_migration)
{
    cJSON *plans = sample_list("console-plugin.plans.K8s.json");
    static const struct {
        const char *plan;
        enum mtv_exec want;
    } cases[] = {
        {"bkhizgiy-plan", MTV_EXEC_SUCCEEDED},
        {"copy-of-mnecas-test-plan", MTV_EXEC_CANCELED},
        {"copy-of-mnecas-test-plan-local", MTV_EXEC_RUNNING},
        {"mnecas-test-plan", MTV_EXEC_FAILED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const cJSON *p = item_named(plans, cases[i].plan);
        cr_assert_eq(mtv_status_exec(p, migration_uid(p)), cases[i].want, "%s: %s", cases[i].plan,
                     mtv_exec_name(mtv_status_exec(p, migration_uid(p))));
        cr_assert_eq(mtv_status_exec(p, "not-our-migration-uid"), MTV_EXEC_WAITING);
        strbuf why = STRBUF_INIT;
        cr_assert_eq(mtv_status_ready(p, &why), 1);
        sb_release(&why);
    }
    cJSON_Delete(plans);
}

Test(status, failed_vm_names_its_step_and_reason)
{
    cJSON *plans = sample_list("console-plugin.plans.K8s.json");
    const cJSON *p = item_named(plans, "mnecas-test-plan");
    strbuf out = STRBUF_INIT;
    cr_assert_eq(mtv_status_failures(p, &out), 1);
    cr_assert(strstr(out.buf, "VM tg-mini-no-selinux-kernel (vm-35512) failed at step ImageConversion"),
              "%s", out.buf);
    cr_assert(strstr(out.buf, "phase Completed"));
    cr_assert(strstr(out.buf, "Guest conversion failed. See pod logs for details."));
    sb_reset(&out);
    cr_assert_eq(mtv_status_all_failed_at(p, "ImageConversion", &out), 1);
    cr_assert_eq(mtv_status_all_failed_at(p, "PostHook", &out), 0);
    cr_assert(strstr(out.buf, "failed at ImageConversion, not PostHook"), "%s", out.buf);
    sb_reset(&out);
    const cJSON *ok = item_named(plans, "bkhizgiy-plan");
    cr_assert_eq(mtv_status_failures(ok, &out), 0);
    cr_assert_eq(mtv_status_all_failed_at(ok, "PostHook", &out), 0);
    cr_assert(strstr(out.buf, "did not fail (Succeeded)"), "%s", out.buf);
    sb_reset(&out);
    const cJSON *canceled = item_named(plans, "copy-of-mnecas-test-plan");
    cr_assert_eq(mtv_status_failures(canceled, &out), 1);
    cr_assert(strstr(out.buf, "was canceled"), "%s", out.buf);
    sb_release(&out);
    cJSON_Delete(plans);
}

Test(status, vm_progress_points_at_the_step_in_flight)
{
    cJSON *plans = sample_list("console-plugin.plans.K8s.json");
    mtv_vm_status *v;
    size_t n = mtv_status_vms(item_named(plans, "bkhizgiy-plan"), &v);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(v[0].outcome, "Succeeded");
    cr_assert_str_eq(v[0].step, "VirtualMachineCreation");
    cr_assert_null(v[0].failed_step);
    mtv_status_vms_free(v, n);

    n = mtv_status_vms(item_named(plans, "mnecas-test-plan"), &v);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(v[0].step, "ImageConversion");
    cr_assert_str_eq(v[0].outcome, "Failed");
    mtv_status_vms_free(v, n);

    /* a VM mid-transfer: the running disk step with its MB counts */
    cJSON *plan = cJSON_Parse(
        "{\"status\": {\"migration\": {\"vms\": [{\"id\": \"vm-1\", \"name\": \"web\", "
        "\"phase\": \"CopyDisks\", \"pipeline\": ["
        "{\"name\": \"Initialize\", \"phase\": \"Completed\", \"progress\": {\"completed\": 1, \"total\": 1}},"
        "{\"name\": \"DiskTransfer\", \"phase\": \"Running\", \"annotations\": {\"unit\": \"MB\"}, "
        "\"progress\": {\"completed\": 512, \"total\": 2048}},"
        "{\"name\": \"VirtualMachineCreation\", \"phase\": \"Pending\", \"progress\": {\"completed\": 0, \"total\": 1}}]}]}}}");
    n = mtv_status_vms(plan, &v);
    cr_assert_str_eq(v[0].step, "DiskTransfer");
    cr_assert_eq(v[0].completed, 512);
    cr_assert_eq(v[0].total, 2048);
    cr_assert_str_eq(v[0].unit, "MB");
    cr_assert_null(v[0].outcome);
    mtv_status_vms_free(v, n);
    strbuf out = STRBUF_INIT;
    cr_assert_eq(mtv_status_failures(plan, &out), 0, "a running VM is no failure");
    sb_release(&out);
    cJSON_Delete(plan);
    cJSON_Delete(plans);
}

Test(status, providers_ready_broken_and_lagging)
{
    cJSON *provs = sample_list("console-plugin.providers.K8s.json");
    const cJSON *items = cJSON_GetObjectItem(provs, "items");
    size_t ready = 0;
    for (const cJSON *p = items->child; p; p = p->next)
        ready += mtv_status_provider(p, NULL) == 1;
    cr_assert_geq(ready, 1);
    cJSON_Delete(provs);

    cJSON *bad = cJSON_Parse(
        "{\"kind\": \"Provider\", \"metadata\": {\"name\": \"p\", \"generation\": 2}, \"status\": {"
        "\"phase\": \"ConnectionFailed\", \"observedGeneration\": 2, \"conditions\": ["
        "{\"type\": \"ConnectionTestFailed\", \"status\": \"True\", \"category\": \"Critical\", "
        "\"reason\": \"Tested\", \"message\": \"Could not connect: x509: unknown authority\"}]}}");
    strbuf why = STRBUF_INIT;
    cr_assert_eq(mtv_status_provider(bad, &why), -1);
    cr_assert(strstr(why.buf, "ConnectionTestFailed=True [Critical] Tested: Could not connect"), "%s",
              why.buf);
    sb_reset(&why);
    mtv_status_describe(bad, &why);
    cr_assert(strstr(why.buf, "Provider p phase ConnectionFailed generation 2 (observed 2)"), "%s",
              why.buf);
    cJSON_Delete(bad);

    cJSON *concerns = cJSON_Parse(
        "{\"kind\": \"Plan\", \"metadata\": {\"name\": \"p\"}, \"status\": {\"conditions\": ["
        "{\"type\": \"VMCriticalConcerns\", \"status\": \"True\", \"category\": \"Critical\", "
        "\"message\": \"VM has critical concerns.\", \"items\": [\"id:vm-1 name:'a' Disk lost.\"]}]}}");
    sb_reset(&why);
    mtv_status_describe(concerns, &why);
    cr_assert(strstr(why.buf, "VMCriticalConcerns=True [Critical]: VM has critical concerns.\n"
                              "    - id:vm-1 name:'a' Disk lost."), "%s", why.buf);
    cJSON_Delete(concerns);

    cJSON *lag = cJSON_Parse("{\"metadata\": {\"generation\": 3}, \"status\": {\"observedGeneration\": 2, "
                             "\"conditions\": [{\"type\": \"Ready\", \"status\": \"True\", "
                             "\"category\": \"Required\"}]}}");
    sb_reset(&why);
    cr_assert_eq(mtv_status_ready(lag, &why), 0);
    cr_assert(strstr(why.buf, "latest generation"));
    cJSON_Delete(lag);

    cJSON *blocked = cJSON_Parse(
        "{\"kind\": \"Plan\", \"metadata\": {\"name\": \"p\"}, \"status\": {\"conditions\": ["
        "{\"type\": \"VMNotFound\", \"status\": \"True\", \"category\": \"Critical\", "
        "\"reason\": \"NotFound\", \"message\": \"VM not found.\"},"
        "{\"type\": \"VMMissingGuestIPs\", \"status\": \"True\", \"category\": \"Warn\"}]}}");
    sb_reset(&why);
    cr_assert_eq(mtv_status_ready(blocked, &why), 0);
    cr_assert(strstr(why.buf, "VMNotFound=True [Critical] NotFound: VM not found."), "%s", why.buf);
    cr_assert_null(strstr(why.buf, "VMMissingGuestIPs"), "warnings do not block");
    cJSON_Delete(blocked);
    sb_release(&why);
}
