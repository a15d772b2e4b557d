/* Unit tests for the lab's MTV controller, through the store as a client
 * sees it: provider connection failures and validation, plan validation
 * conditions, the admission webhooks, hooks that succeed and fail by their
 * playbook, the in-flight limit, cancel and a deleted Migration, an
 * OpenShift source, a deleted OVA Provider's finalizer, and every VM/plan fault kind of the faults file
 * (failing and hanging steps, a never-Ready plan, each wrong field of a
 * created VM, the source-side faults: a rewritten Provider Secret and a
 * USER_STOP_VM event in the oVirt engine's log), and the serial a vSphere
 * VM gets on OpenShift 4.20. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "labtest.h"
#include "util/codec.h"

#define FK "forklift.konveyor.io/v1beta1/"
#define NS "openshift-mtv"

static labtest lab;

static void stop(void)
{
    labtest_stop(&lab);
}

TestSuite(lab_ctl, .fini = stop, .timeout = 60);

static void plan(const char *name, const char *provider, const char *vms, const char *extra)
{
    free(labtest_create(
        &lab, FK "plans",
        "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"" NS "\"},\"spec\":{\"provider\":{"
        "\"source\":{\"name\":\"%s\",\"namespace\":\"" NS "\"},\"destination\":{\"name\":\"host\","
        "\"namespace\":\"" NS "\"}},\"map\":{\"network\":{\"name\":\"%s-net\",\"namespace\":\"" NS
        "\"},\"storage\":{\"name\":\"%s-sto\",\"namespace\":\"" NS "\"}},\"targetNamespace\":"
        "\"target-%s\",\"vms\":%s%s}}",
        name, provider, provider, provider, name, vms, extra ? extra : ""));
}

static void migrate(const char *plan_name, const char *extra)
{
    free(labtest_create(&lab, FK "migrations",
                        "{\"metadata\":{\"name\":\"%s-run\",\"namespace\":\"" NS "\"},\"spec\":{"
                        "\"plan\":{\"name\":\"%s\",\"namespace\":\"" NS "\"}%s}}",
                        plan_name, plan_name, extra ? extra : ""));
}

static const char *vm_field(const cJSON *plan_obj, int i, const char *path)
{
    char p[128];
    snprintf(p, sizeof p, "status.migration.vms.%d.%s", i, path);
    const char *s = cJSON_GetStringValue(labtest_path(plan_obj, p));
    return s ? s : "";
}

static const cJSON *step(const cJSON *plan_obj, int vm, const char *name)
{
    char p[64];
    snprintf(p, sizeof p, "status.migration.vms.%d.pipeline", vm);
    const cJSON *s;
    cJSON_ArrayForEach(s, labtest_path(plan_obj, p))
    {
        if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(s, "name")), name))
            return s;
    }
    return NULL;
}

Test(lab_ctl, provider_validation_and_connection_failures)
{
    labtest_start(&lab, NULL);
    free(labtest_create(&lab, "v1/secrets",
                        "{\"metadata\":{\"name\":\"bad\",\"namespace\":\"" NS "\"},\"stringData\":"
                        "{\"user\":\"admin@internal\",\"password\":\"not-the-password\"}}"));
    free(labtest_create(&lab, FK "providers",
                        "{\"metadata\":{\"name\":\"wrongpw\",\"namespace\":\"" NS "\"},\"spec\":{"
                        "\"type\":\"ovirt\",\"url\":\"https://x/ovirt-engine/api\",\"secret\":{"
                        "\"name\":\"bad\",\"namespace\":\"" NS "\"}}}"));
    cJSON *p = labtest_wait_cond(&lab, FK "providers", NS, "wrongpw", "ConnectionTestFailed", 5000);
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(p, "status.phase")), "ConnectionFailed");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(labtest_cond(p, "ConnectionTestFailed"),
                                                              "category")), "Critical");
    cr_assert(!labtest_has_cond(p, "Ready"));
    char *txt = cJSON_PrintUnformatted(p);
    cr_assert_null(strstr(txt, "not-the-password"));
    free(txt);
    cJSON_Delete(p);
    free(labtest_create(&lab, FK "providers",
                        "{\"metadata\":{\"name\":\"nosecret\",\"namespace\":\"" NS "\"},\"spec\":{"
                        "\"type\":\"ovirt\",\"url\":\"https://x/ovirt-engine/api\",\"secret\":{"
                        "\"name\":\"missing\",\"namespace\":\"" NS "\"}}}"));
    p = labtest_wait_cond(&lab, FK "providers", NS, "nosecret", "SecretNotValid", 5000);
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(p, "status.phase")), "ValidationFailed");
    cJSON_Delete(p);
    free(labtest_create(&lab, FK "providers",
                        "{\"metadata\":{\"name\":\"nourl\",\"namespace\":\"" NS "\"},\"spec\":{"
                        "\"type\":\"ovirt\",\"url\":\"\",\"secret\":{\"name\":\"bad\"}}}"));
    cJSON_Delete(labtest_wait_cond(&lab, FK "providers", NS, "nourl", "UrlNotValid", 5000));
    free(labtest_create(&lab, FK "providers",
                        "{\"metadata\":{\"name\":\"kvm\",\"namespace\":\"" NS "\"},\"spec\":{"
                        "\"type\":\"kvm\",\"url\":\"x\",\"secret\":{\"name\":\"bad\"}}}"));
    cJSON_Delete(labtest_wait_cond(&lab, FK "providers", NS, "kvm", "ProviderTypeNotSupported",
                                   5000));
    /* OVA gets its finalizer from the webhook */
    free(labtest_create(&lab, FK "providers",
                        "{\"metadata\":{\"name\":\"ova\",\"namespace\":\"" NS "\"},\"spec\":{"
                        "\"type\":\"ova\",\"url\":\"nfs.lab.test:/exports/ova\",\"secret\":{"
                        "\"name\":\"bad\",\"namespace\":\"" NS "\"}}}"));
    p = labtest_wait_cond(&lab, FK "providers", NS, "ova", "Ready", 5000);
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(p, "metadata.finalizers.0")),
                     "forklift/ova-provider");
    cJSON_Delete(p);
}

static int gone_within(const char *name, int ms)
{
    for (int waited = 0; waited < ms; waited += 20) {
        cJSON *o = labtest_get(&lab, FK "providers", NS, name);
        if (!o)
            return 1;
        cJSON_Delete(o);
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

Test(lab_ctl, deleted_ova_provider_loses_its_finalizer_and_goes)
{
    labtest_start(&lab, NULL);
    free(labtest_create(&lab, "v1/secrets",
                        "{\"metadata\":{\"name\":\"ova\",\"namespace\":\"" NS "\"},\"stringData\":"
                        "{\"url\":\"nfs.lab.test:/exports/ova\"}}"));
    const char *spec = "\"spec\":{\"type\":\"ova\",\"url\":\"nfs.lab.test:/exports/ova\","
                       "\"secret\":{\"name\":\"ova\",\"namespace\":\"" NS "\"}}";
    free(labtest_create(&lab, FK "providers",
                        "{\"metadata\":{\"name\":\"ova\",\"namespace\":\"" NS "\"},%s}", spec));
    /* a finalizer of someone else's stays: the controller removes only its own */
    free(labtest_create(&lab, FK "providers",
                        "{\"metadata\":{\"name\":\"ova-held\",\"namespace\":\"" NS "\","
                        "\"finalizers\":[\"example.com/hold\"]},%s}",
                        spec));
    cJSON_Delete(labtest_wait_cond(&lab, FK "providers", NS, "ova", "Ready", 5000));
    cJSON_Delete(labtest_wait_cond(&lab, FK "providers", NS, "ova-held", "Ready", 5000));
    labtest_delete(&lab, FK "providers", NS, "ova");
    labtest_delete(&lab, FK "providers", NS, "ova-held");
    cr_assert(gone_within("ova", 5000), "the deleted OVA Provider is still there");
    cJSON *held = NULL;
    for (int waited = 0; waited < 5000; waited += 20) {
        cJSON_Delete(held);
        held = labtest_get(&lab, FK "providers", NS, "ova-held");
        cr_assert_not_null(held, "a Provider with another finalizer went");
        if (cJSON_GetArraySize(labtest_path(held, "metadata.finalizers")) == 1)
            break;
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    cr_assert_eq(cJSON_GetArraySize(labtest_path(held, "metadata.finalizers")), 1,
                 "the controller's finalizer is removed, the other one kept");
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(held, "metadata.finalizers.0")),
                     "example.com/hold");
    cr_assert_not_null(labtest_path(held, "metadata.deletionTimestamp"));
    cJSON_Delete(held);
}

Test(lab_ctl, plan_validation_conditions)
{
    labtest_start(&lab, NULL);
    labtest_sources(&lab);
    plan("bad", "rhv",
         "[{\"name\":\"no-such-vm\"},{\"name\":\"mtv-tests-rhel8\"},{\"name\":\"mtv-tests-rhel8\"},"
         "{\"id\":\"\"}]",
         ",\"pvcNameTemplate\":\"{{ .Nope }}\"");
    cJSON *p = labtest_wait_cond(&lab, FK "plans", NS, "bad", "VMNotFound", 5000);
    cr_assert(labtest_has_cond(p, "DuplicateVM"));
    cr_assert(labtest_has_cond(p, "VMRefNotValid"));
    cr_assert(labtest_has_cond(p, "NotValid"), "an invalid PVC name template");
    cr_assert(!labtest_has_cond(p, "Ready"));
    const cJSON *nf = labtest_cond(p, "VMNotFound");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(nf, "category")), "Critical");
    cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(nf, "items"), 0)->valuestring,
                     " id: name:'no-such-vm' ");
    cJSON_Delete(p);
    /* a VM whose second NIC's network the map does not list */
    free(labtest_create(
        &lab, FK "networkmaps",
        "{\"metadata\":{\"name\":\"partial-net\",\"namespace\":\"" NS "\"},\"spec\":{\"provider\":"
        "{\"source\":{\"name\":\"rhv\",\"namespace\":\"" NS "\"},\"destination\":{\"name\":\"host\","
        "\"namespace\":\"" NS "\"}},\"map\":[{\"source\":{\"name\":\"ovirtmgmt\"},\"destination\":"
        "{\"type\":\"pod\"}},{\"source\":{\"name\":\"gone\"},\"destination\":{\"type\":\"pod\"}}]}}"));
    cJSON *m = labtest_wait_cond(&lab, FK "networkmaps", NS, "partial-net", "Ready", 5000);
    const cJSON *snv = labtest_cond(m, "SourceNetworkNotValid");
    cr_assert_not_null(snv, "a source network that is not found is a warning");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(snv, "category")), "Warn");
    cJSON_Delete(m);
    free(labtest_create(
        &lab, FK "plans",
        "{\"metadata\":{\"name\":\"unmapped\",\"namespace\":\"" NS "\"},\"spec\":{\"provider\":{"
        "\"source\":{\"name\":\"rhv\",\"namespace\":\"" NS "\"},\"destination\":{\"name\":\"host\","
        "\"namespace\":\"" NS "\"}},\"map\":{\"network\":{\"name\":\"partial-net\",\"namespace\":\""
        NS "\"},\"storage\":{\"name\":\"rhv-sto\",\"namespace\":\"" NS "\"}},\"targetNamespace\":"
        "\"t\",\"vms\":[{\"name\":\"mtv-rhel8-warm-2disks2nics\"}]}}"));
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "unmapped", "VMNetworksNotMapped", 5000));
    /* a plan whose map does not exist */
    free(labtest_create(
        &lab, FK "plans",
        "{\"metadata\":{\"name\":\"nomap\",\"namespace\":\"" NS "\"},\"spec\":{\"provider\":{"
        "\"source\":{\"name\":\"rhv\",\"namespace\":\"" NS "\"},\"destination\":{\"name\":\"host\","
        "\"namespace\":\"" NS "\"}},\"map\":{\"network\":{\"name\":\"x\",\"namespace\":\"" NS "\"},"
        "\"storage\":{\"name\":\"rhv-sto\",\"namespace\":\"" NS "\"}},\"targetNamespace\":\"t\","
        "\"vms\":[{\"name\":\"mtv-tests-rhel8\"}]}}"));
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "nomap", "NetworkMapRefNotValid", 5000));
    /* the webhook refuses a plan whose source provider does not exist */
    strbuf msg = STRBUF_INIT;
    int code = labtest_create_code(
        &lab, FK "plans",
        "{\"metadata\":{\"name\":\"orphan\",\"namespace\":\"" NS "\"},\"spec\":{\"provider\":{"
        "\"source\":{\"name\":\"nowhere\",\"namespace\":\"" NS "\"},\"destination\":{\"name\":"
        "\"host\",\"namespace\":\"" NS "\"}},\"map\":{\"network\":{\"name\":\"x\"},\"storage\":{"
        "\"name\":\"y\"}},\"targetNamespace\":\"t\",\"vms\":[{\"name\":\"a\"}]}}",
        &msg);
    cr_assert_eq(code, 400);
    cr_assert(strstr(msg.buf, "admission webhook \"validate-plan.forklift.konveyor\" denied the "
                              "request"), "%s", msg.buf);
    sb_reset(&msg);
    code = labtest_create_code(&lab, FK "migrations",
                               "{\"metadata\":{\"name\":\"m\",\"namespace\":\"" NS "\"},\"spec\":"
                               "{\"plan\":{\"name\":\"nope\"}}}", &msg);
    cr_assert_eq(code, 400, "a migration of a plan that does not exist");
    sb_release(&msg);
}

/* "- hosts: localhost\n  tasks:\n  - fail:\n      msg: boom\n" etc. */
static char *b64(const char *text)
{
    strbuf out = STRBUF_INIT;
    b64_encode(&out, text, strlen(text));
    return sb_detach(&out, NULL);
}

static void hook(const char *name, const char *playbook)
{
    char *pb = b64(playbook);
    free(labtest_create(&lab, FK "hooks",
                        "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"" NS "\"},\"spec\":{"
                        "\"image\":\"quay.io/konveyor/hook-runner:latest\",\"playbook\":\"%s\"}}",
                        name, pb));
    free(pb);
    cJSON_Delete(labtest_wait_cond(&lab, FK "hooks", NS, name, "Ready", 5000));
}

Test(lab_ctl, hooks_run_as_jobs_and_fail_by_their_playbook)
{
    labtest_start(&lab, NULL);
    labtest_sources(&lab);
    hook("ok", "- hosts: localhost\n  tasks:\n  - name: Hook executed\n    debug:\n"
               "      msg: Hook executed successfully\n");
    hook("bad", "- hosts: localhost\n  tasks:\n  - debug: {msg: before}\n  - fail:\n"
                "      msg: This hook is designed to fail for testing purposes\n");
    hook("skipped", "- hosts: localhost\n  tasks:\n  - fail: {msg: never}\n    when: false\n");
    /* a playbook that is not base64 or not a list makes the Hook not Ready */
    free(labtest_create(&lab, FK "hooks",
                        "{\"metadata\":{\"name\":\"garbage\",\"namespace\":\"" NS "\"},\"spec\":{"
                        "\"image\":\"x\",\"playbook\":\"!!!not base64!!!\"}}"));
    cJSON_Delete(labtest_wait_cond(&lab, FK "hooks", NS, "garbage", "InvalidPlaybook", 5000));
    plan("posthook", "rhv",
         "[{\"name\":\"mtv-tests-rhel8\",\"hooks\":[{\"step\":\"PreHook\",\"hook\":{\"name\":"
         "\"skipped\",\"namespace\":\"" NS "\"}},{\"step\":\"PostHook\",\"hook\":{\"name\":\"ok\","
         "\"namespace\":\"" NS "\"}}]}]", NULL);
    plan("prehook", "rhv",
         "[{\"name\":\"mtv-feature-rhel7-xfs\",\"hooks\":[{\"step\":\"PreHook\",\"hook\":{\"name\":"
         "\"bad\",\"namespace\":\"" NS "\"}}]}]", NULL);
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "posthook", "Ready", 5000));
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "prehook", "Ready", 5000));
    migrate("posthook", NULL);
    migrate("prehook", NULL);
    cJSON *ok = labtest_wait_cond(&lab, FK "plans", NS, "posthook", "Succeeded", 20000);
    const cJSON *post = step(ok, 0, "PostHook");
    cr_assert_not_null(post);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(post, "phase")), "Completed");
    cr_assert_not_null(step(ok, 0, "PreHook"));
    cJSON_Delete(ok);
    cJSON *bad = labtest_wait_cond(&lab, FK "plans", NS, "prehook", "Failed", 20000);
    const cJSON *pre = step(bad, 0, "PreHook");
    cr_assert_not_null(cJSON_GetObjectItem(pre, "error"), "the PreHook step carries the error");
    cr_assert_str_eq(vm_field(bad, 0, "error.phase"), "PreHook");
    cr_assert(!strcmp(cJSON_GetStringValue(labtest_path(step(bad, 0, "DiskTransfer"), "phase")),
                      "Pending"), "no disk is touched after a failed PreHook");
    cJSON_Delete(bad);
    /* the Jobs, their Pods and ConfigMaps, labelled as upstream labels them */
    labtest_reply r = labtest_http(&lab, "GET",
                                   "/apis/batch/v1/namespaces/" NS "/jobs?labelSelector=step%3DPreHook",
                                   NULL, NULL);
    cr_assert_eq(r.code, 200);
    cJSON *jobs = cJSON_Parse(r.body.buf);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(jobs, "items")), 2, "%s", r.body.buf);
    int failed = 0, complete = 0;
    const cJSON *j;
    cJSON_ArrayForEach(j, cJSON_GetObjectItem(jobs, "items"))
    {
        const char *t = cJSON_GetStringValue(labtest_path(j, "status.conditions.0.type"));
        failed += !strcmp(t, "Failed");
        complete += !strcmp(t, "Complete");
        cr_assert_str_eq(cJSON_GetStringValue(labtest_path(j, "metadata.ownerReferences.0.kind")),
                         "Plan");
        cr_assert_eq(cJSON_GetNumberValue(labtest_path(j, "spec.backoffLimit")), 1);
    }
    cr_assert_eq(failed, 1);
    cr_assert_eq(complete, 1);
    cJSON_Delete(jobs);
    labtest_reply_free(&r);
    r = labtest_http(&lab, "GET", "/api/v1/namespaces/" NS "/configmaps?labelSelector=step%3DPostHook",
                     NULL, NULL);
    cr_assert(strstr(r.body.buf, "Hook executed successfully"), "playbook.yml: %s", r.body.buf);
    cr_assert(strstr(r.body.buf, "workload.yml"));
    cr_assert(strstr(r.body.buf, "plan.yml"));
    labtest_reply_free(&r);
    r = labtest_http(&lab, "GET", "/api/v1/namespaces/" NS "/pods?labelSelector=step%3DPreHook",
                     NULL, NULL);
    cr_assert(strstr(r.body.buf, "\"phase\":\"Failed\""), "%s", r.body.buf);
    cr_assert(strstr(r.body.buf, "\"phase\":\"Succeeded\""));
    labtest_reply_free(&r);
}

Test(lab_ctl, inflight_limit_makes_vms_wait)
{
    labtest_start(&lab, &(labtest_opts){.speed = 300});
    labtest_sources(&lab);
    labtest_patch(&lab, FK "forkliftcontrollers", NS, "forklift-controller",
                  "{\"spec\":{\"controller_max_vm_inflight\":1}}");
    plan("two", "rhv", "[{\"name\":\"mtv-tests-rhel8\"},{\"name\":\"mtv-feature-rhel7-xfs\"}]", NULL);
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "two", "Ready", 5000));
    migrate("two", NULL);
    /* while the first VM runs, the second waits with a Pending condition */
    int saw_pending = 0, saw_message = 0;
    for (int i = 0; i < 2000 && !(saw_pending && saw_message); i++) {
        cJSON *p = labtest_get(&lab, FK "plans", NS, "two");
        char *txt = cJSON_PrintUnformatted(p);
        saw_pending |= strstr(txt, "Waiting to start migration: in-flight limit reached (max 1).") != NULL;
        saw_message |= strstr(txt, "1 VM(s) waiting to start migration (in-flight limit: 1).") != NULL;
        free(txt);
        cJSON_Delete(p);
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    cr_assert(saw_pending, "no VM waited with a Pending condition");
    cr_assert(saw_message, "the Ready message did not count the waiting VM");
    cJSON *p = labtest_wait_cond(&lab, FK "plans", NS, "two", "Succeeded", 20000);
    cr_assert(!labtest_has_cond(p, "Failed"));
    /* one at a time: the second started after the first completed */
    cr_assert_geq(strcmp(vm_field(p, 1, "started"), vm_field(p, 0, "completed")), 0);
    cJSON_Delete(p);
}

Test(lab_ctl, cancel_and_a_deleted_migration)
{
    labtest_start(&lab, &(labtest_opts){
                            .faults_json = "{\"vms\":[{\"vm\":\"mtv-tests-rhel8\",\"hang_at\":"
                                           "\"DiskTransfer\"},{\"vm\":\"mtv-feature-rhel7-xfs\","
                                           "\"hang_at\":\"DiskTransfer\"}]}"});
    labtest_sources(&lab);
    plan("c", "rhv", "[{\"name\":\"mtv-tests-rhel8\"}]", NULL);
    plan("d", "rhv", "[{\"name\":\"mtv-feature-rhel7-xfs\"}]", NULL);
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "c", "Ready", 5000));
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "d", "Ready", 5000));
    migrate("c", NULL);
    migrate("d", NULL);
    cJSON *p = labtest_wait_str(&lab, FK "plans", NS, "c", "status.migration.vms.0.phase",
                                "CopyDisks", 10000);
    char patch[256];
    snprintf(patch, sizeof patch, "{\"spec\":{\"cancel\":[{\"id\":\"%s\"}]}}",
             vm_field(p, 0, "id"));
    cJSON_Delete(p);
    labtest_patch(&lab, FK "migrations", NS, "c-run", patch);
    p = labtest_wait_cond(&lab, FK "plans", NS, "c", "Canceled", 10000);
    const cJSON *vc = NULL, *c;
    cJSON_ArrayForEach(c, labtest_path(p, "status.migration.vms.0.conditions"))
    {
        if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(c, "type")), "Canceled"))
            vc = c;
    }
    cr_assert_not_null(vc);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(vc, "reason")), "UserRequested");
    cr_assert_str_eq(vm_field(p, 0, "phase"), "Completed");
    cJSON_Delete(p);
    cJSON *m = labtest_wait_cond(&lab, FK "migrations", NS, "c-run", "Canceled", 10000);
    cr_assert_null(labtest_path(m, "status.completed"), "a canceled Migration gets no completed");
    cJSON_Delete(m);
    /* the disks of the canceled VM are cleaned up */
    cJSON *dvs = labtest_get(&lab, "v1/namespaces", NULL, "target-c");
    cr_assert_not_null(dvs);
    cJSON_Delete(dvs);
    labtest_reply r = labtest_http(&lab, "GET", "/apis/cdi.kubevirt.io/v1beta1/namespaces/target-c/datavolumes",
                                   NULL, NULL);
    cr_assert(strstr(r.body.buf, "\"items\":[]"), "%s", r.body.buf);
    labtest_reply_free(&r);
    /* deleting the active Migration cancels the run */
    cJSON_Delete(labtest_wait_str(&lab, FK "plans", NS, "d", "status.migration.vms.0.phase",
                                  "CopyDisks", 10000));
    labtest_delete(&lab, FK "migrations", NS, "d-run");
    p = labtest_wait_cond(&lab, FK "plans", NS, "d", "Canceled", 10000);
    const cJSON *cc = labtest_cond(p, "Canceled");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cc, "reason")), "Deleted");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cc, "message")),
                     "The migration has been deleted.");
    cJSON_Delete(p);
}

Test(lab_ctl, fault_fail_at_a_step_with_a_reason)
{
    labtest_start(&lab, &(labtest_opts){
                            .faults_json = "{\"vms\":[{\"vm\":\"mtv-tests-*\",\"plan\":\"f*\","
                                           "\"fail_at\":\"ImageConversion\",\"reason\":\"Guest "
                                           "conversion failed. See pod logs for details.\"}]}"});
    labtest_sources(&lab);
    plan("fail", "vsphere", "[{\"name\":\"mtv-tests-rhel8\"}]", NULL);
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "fail", "Ready", 5000));
    migrate("fail", NULL);
    cJSON *p = labtest_wait_cond(&lab, FK "plans", NS, "fail", "Failed", 20000);
    /* shaped like the captured failed plan */
    cr_assert_str_eq(vm_field(p, 0, "error.phase"), "ConvertGuest");
    cr_assert_str_eq(vm_field(p, 0, "error.reasons.0"),
                     "Guest conversion failed. See pod logs for details.");
    const cJSON *s = step(p, 0, "ImageConversion");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(s, "phase")), "Running");
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(s, "error.reasons.0")),
                     "Guest conversion failed. See pod logs for details.");
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(step(p, 0, "DiskTransferV2v"), "phase")),
                     "Pending");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(labtest_cond(p, "Failed"), "message")),
                     "The plan execution has FAILED.");
    cJSON_Delete(p);
    cJSON_Delete(labtest_wait_cond(&lab, FK "migrations", NS, "fail-run", "Failed", 5000));
    /* deleteVmOnFailMigration (default true): no VM is left behind */
    cJSON *vm = labtest_get(&lab, "kubevirt.io/v1/virtualmachines", "target-fail", "mtv-tests-rhel8");
    cr_assert_null(vm);
}

Test(lab_ctl, fault_plan_never_ready)
{
    labtest_start(&lab, &(labtest_opts){
                            .faults_json = "{\"plans\":[{\"plan\":\"stuck\",\"never_ready\":"
                                           "\"Storage array unreachable.\"}]}"});
    labtest_sources(&lab);
    plan("stuck", "rhv", "[{\"name\":\"mtv-tests-rhel8\"}]", NULL);
    cJSON *p = labtest_wait_cond(&lab, FK "plans", NS, "stuck", "VMCriticalConcerns", 5000);
    const cJSON *c = labtest_cond(p, "VMCriticalConcerns");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(c, "category")), "Critical");
    char *txt = cJSON_PrintUnformatted(c);
    cr_assert(strstr(txt, "Storage array unreachable."));
    free(txt);
    cJSON_Delete(p);
    migrate("stuck", NULL);
    cJSON *m = labtest_wait_cond(&lab, FK "migrations", NS, "stuck-run", "PlanNotReady", 5000);
    cJSON_Delete(m);
    struct timespec ts = {0, 200000000};
    nanosleep(&ts, NULL);
    p = labtest_get(&lab, FK "plans", NS, "stuck");
    cr_assert(!labtest_has_cond(p, "Ready"));
    cr_assert(!labtest_has_cond(p, "Executing"), "a plan that is not Ready never runs");
    cJSON_Delete(p);
}

Test(lab_ctl, fault_hang_keeps_a_vm_in_its_step)
{
    labtest_start(&lab, &(labtest_opts){
                            .faults_json = "{\"vms\":[{\"vm\":\"mtv-tests-rhel8\",\"hang_at\":"
                                           "\"VirtualMachineCreation\"}]}"});
    labtest_sources(&lab);
    plan("hang", "rhv", "[{\"name\":\"mtv-tests-rhel8\"}]", NULL);
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "hang", "Ready", 5000));
    migrate("hang", NULL);
    cJSON_Delete(labtest_wait_str(&lab, FK "plans", NS, "hang", "status.migration.vms.0.phase",
                                  "CreateVM", 10000));
    struct timespec ts = {0, 500000000};
    nanosleep(&ts, NULL);
    cJSON *p = labtest_get(&lab, FK "plans", NS, "hang");
    cr_assert_str_eq(vm_field(p, 0, "phase"), "CreateVM", "still there after a while");
    cr_assert(labtest_has_cond(p, "Executing"));
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(step(p, 0, "VirtualMachineCreation"), "phase")),
                     "Running");
    cJSON_Delete(p);
}

Test(lab_ctl, fault_wrong_created_vm)
{
    labtest_start(&lab, &(labtest_opts){
                            .faults_json = "{\"vms\":[{\"vm\":\"mtv-win2019-3disks\",\"wrong\":{"
                                           "\"labels\":{\"app\":\"other\",\"extra\":\"x\"},"
                                           "\"power\":\"on\",\"cpu\":{\"sockets\":3,\"cores\":1},"
                                           "\"memory\":\"512Mi\",\"mac\":\"02:00:00:00:00:99\","
                                           "\"network\":\"default/elsewhere\",\"storage_class\":"
                                           "\"slow\",\"pvc_name\":\"wrong-name\",\"node\":"
                                           "\"worker-2\",\"affinity\":null}}]}"});
    labtest_sources(&lab);
    plan("wrong", "vsphere", "[{\"name\":\"mtv-win2019-3disks\"}]",
         ",\"targetPowerState\":\"off\",\"targetAffinity\":{\"nodeAffinity\":{}},"
         "\"targetLabels\":{\"team\":\"a\"}");
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "wrong", "Ready", 5000));
    migrate("wrong", NULL);
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "wrong", "Succeeded", 20000));
    cJSON *vm = labtest_get(&lab, "kubevirt.io/v1/virtualmachines", "target-wrong",
                            "mtv-win2019-3disks");
    cr_assert_not_null(vm);
    const cJSON *tl = labtest_path(vm, "spec.template.metadata.labels");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(tl, "extra")), "x");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(tl, "app")), "other",
                     "a wrong label overrides the one the controller sets");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(tl, "team")), "a");
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(vm, "spec.runStrategy")), "Always",
                     "targetPowerState off, but the fault powers it on");
    cr_assert_eq(cJSON_GetNumberValue(labtest_path(vm, "spec.template.spec.domain.cpu.sockets")), 3);
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(vm, "spec.template.spec.domain.memory.guest")),
                     "512Mi");
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(
                         vm, "spec.template.spec.domain.devices.interfaces.0.macAddress")),
                     "02:00:00:00:00:99");
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(vm, "spec.template.spec.networks.0.multus.networkName")),
                     "default/elsewhere");
    cr_assert_null(labtest_path(vm, "spec.template.spec.affinity"), "affinity removed");
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(
                         vm, "spec.template.spec.volumes.0.persistentVolumeClaim.claimName")),
                     "wrong-name");
    cJSON *pvc = labtest_get(&lab, "v1/persistentvolumeclaims", "target-wrong", "wrong-name");
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(pvc, "spec.storageClassName")), "slow");
    cJSON_Delete(pvc);
    cJSON *vmi = labtest_get(&lab, "kubevirt.io/v1/virtualmachineinstances", "target-wrong",
                             "mtv-win2019-3disks");
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(vmi, "status.nodeName")), "worker-2");
    cJSON_Delete(vmi);
    cJSON_Delete(vm);
}

Test(lab_ctl, fault_dropped_disk_link_by_mac_and_vmware_serial)
{
    labtest_start(&lab, &(labtest_opts){
                            .faults_json = "{\"vms\":[{\"vm\":\"mtv-win2019-3disks\",\"wrong\":{"
                                           "\"disks\":2,\"link\":{\"00:50:56:AA:00:03\":"
                                           "\"down\"}}},{\"vm\":\"mtv-tests-rhel8\","
                                           "\"wrong\":{\"link\":{\"02:00:00:00:00:01\":"
                                           "\"down\"}}}]}"});
    labtest_sources(&lab);
    plan("drop", "vsphere", "[{\"name\":\"mtv-win2019-3disks\"},{\"name\":\"mtv-tests-rhel8\"}]",
         NULL);
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "drop", "Ready", 5000));
    migrate("drop", NULL);
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "drop", "Succeeded", 20000));
    cJSON *vm = labtest_get(&lab, "kubevirt.io/v1/virtualmachines", "target-drop",
                            "mtv-win2019-3disks");
    cr_assert_not_null(vm);
    cr_assert_eq(cJSON_GetArraySize(labtest_path(vm, "spec.template.spec.domain.devices.disks")), 2,
                 "three source disks, two kept");
    const cJSON *ifc = labtest_path(vm, "spec.template.spec.domain.devices.interfaces.0");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(ifc, "macAddress")), "00:50:56:aa:00:03");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(ifc, "state")), "down",
                     "the NIC named by its MAC (in any case) is down");
    cJSON *other = labtest_get(&lab, "kubevirt.io/v1/virtualmachines", "target-drop",
                               "mtv-tests-rhel8");
    cr_assert_not_null(other);
    cr_assert_null(labtest_path(other, "spec.template.spec.domain.devices.interfaces.0.state"),
                   "a MAC the VM does not have changes none of its NICs");
    cr_assert_eq(cJSON_GetArraySize(labtest_path(other, "spec.template.spec.domain.devices.disks")),
                 1, "no disk fault: every disk");
    cJSON_Delete(other);
    /* the lab's ClusterVersion says 4.20.0: VMware's serial form of the uuid */
    const char *serial = cJSON_GetStringValue(
        labtest_path(vm, "spec.template.spec.domain.firmware.serial"));
    cr_assert_not_null(serial);
    cr_assert_eq(strncmp(serial, "VMware-", 7), 0, "%s", serial);
    cr_assert_eq(strlen(serial), strlen("VMware-") + 8 * 3 - 1 + 1 + 8 * 3 - 1, "%s", serial);
    cr_assert_eq(serial[7 + 23], '-', "%s", serial);
    cJSON_Delete(vm);
}

Test(lab_ctl, openshift_4_19_serial_is_the_uuid)
{
    labtest_start(&lab, &(labtest_opts){.openshift_version = "4.19.7"});
    cJSON *cv = labtest_get(&lab, "config.openshift.io/v1/clusterversions", NULL, "version");
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(cv, "status.desired.version")), "4.19.7");
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(cv, "status.history.0.version")), "4.19.7");
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(cv, "spec.channel")), "stable-4.19");
    cJSON_Delete(cv);
    labtest_sources(&lab);
    plan("old", "vsphere", "[{\"name\":\"mtv-tests-rhel8\"}]", NULL);
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "old", "Ready", 5000));
    migrate("old", NULL);
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "old", "Succeeded", 20000));
    cJSON *vm = labtest_get(&lab, "kubevirt.io/v1/virtualmachines", "target-old", "mtv-tests-rhel8");
    const char *serial = cJSON_GetStringValue(
        labtest_path(vm, "spec.template.spec.domain.firmware.serial"));
    cr_assert_not_null(serial);
    cr_assert_eq(strlen(serial), 36, "a plain uuid before 4.20: %s", serial);
    cr_assert_eq(serial[8], '-', "%s", serial);
    cr_assert_neq(strncmp(serial, "VMware-", 7), 0, "%s", serial);
    cJSON_Delete(vm);
}

Test(lab_ctl, fault_provider_secret_and_ovirt_stop_event)
{
    labtest_start(&lab, &(labtest_opts){
                            .faults_json = "{\"vms\":[{\"vm\":\"mtv-tests-rhel8\",\"source\":"
                                           "{\"stop_event\":true}}],\"providers\":[{\"provider\":"
                                           "\"rh?\",\"secret\":{\"insecureSkipVerify\":\"true\"}}]}"});
    labtest_sources(&lab);
    cJSON *p = labtest_wait_cond(&lab, FK "providers", NS, "rhv", "ConnectionInsecure", 5000);
    cJSON_Delete(p);
    cJSON *sec = labtest_get(&lab, "v1/secrets", NS, "rhv");
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(sec, "data.insecureSkipVerify")), "dHJ1ZQ==",
                     "the lab stores \"true\" whatever the client wrote");
    cr_assert_not_null(labtest_path(sec, "data.password"), "other keys are kept");
    cJSON_Delete(sec);
    sec = labtest_get(&lab, "v1/secrets", NS, "vs");
    cr_assert_null(labtest_path(sec, "data.insecureSkipVerify"), "the pattern spares vsphere");
    cJSON_Delete(sec);

    char auth[512];
    strbuf cred = STRBUF_INIT, b = STRBUF_INIT;
    sb_addf(&cred, "%s:%s", lab_mtv_user(lab.mtv, LAB_SRC_OVIRT),
            lab_mtv_password(lab.mtv, LAB_SRC_OVIRT));
    b64_encode(&b, cred.buf, cred.len);
    snprintf(auth, sizeof auth, "Authorization: Basic %s", b.buf);
    sb_release(&cred);
    sb_release(&b);
    const char *const hdrs[] = {auth, "Accept: application/xml", NULL};
    labtest_reply r = labtest_http_headers(&lab, "GET", "/ovirt-engine/api/events", NULL, hdrs);
    cr_assert_eq(r.code, 200);
    cr_assert_null(strstr(r.body.buf, "<code>33</code>"), "no event before the migration");
    labtest_reply_free(&r);

    plan("stop", "rhv", "[{\"name\":\"mtv-tests-rhel8\"}]", NULL);
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "stop", "Ready", 5000));
    migrate("stop", NULL);
    p = labtest_wait_cond(&lab, FK "plans", NS, "stop", "Succeeded", 20000);
    char path[256];
    snprintf(path, sizeof path, "/ovirt-engine/api/events?search=Vms.id%%20%%3D%%20%s",
             vm_field(p, 0, "id"));
    cJSON_Delete(p);
    r = labtest_http_headers(&lab, "GET", path, NULL, hdrs);
    cr_assert_eq(r.code, 200);
    cr_assert(strstr(r.body.buf, "<code>33</code>"), "%s", r.body.buf);
    cr_assert(strstr(r.body.buf, "VM mtv-tests-rhel8 powered off"), "%s", r.body.buf);
    labtest_reply_free(&r);
    r = labtest_http_headers(&lab, "GET",
                             "/ovirt-engine/api/events?search=Vms.id%20%3D%20no-such-vm", NULL, hdrs);
    cr_assert_eq(r.code, 200);
    cr_assert_null(strstr(r.body.buf, "<event "), "the search selects one VM's: %s", r.body.buf);
    labtest_reply_free(&r);
}

Test(lab_ctl, openshift_source_vm_migrates_with_its_pvc_names)
{
    labtest_start(&lab, NULL);
    const char *ns = "mtv-source-vms";
    cJSON *src = labtest_get(&lab, "kubevirt.io/v1/virtualmachines", ns, "mtv-tests-rhel8");
    cr_assert_not_null(src, "the world's OpenShift VMs live in the store");
    cJSON_Delete(src);
    free(labtest_create(&lab, FK "networkmaps",
                        "{\"metadata\":{\"name\":\"host-net\",\"namespace\":\"" NS "\"},\"spec\":{"
                        "\"provider\":{\"source\":{\"name\":\"host\",\"namespace\":\"" NS "\"},"
                        "\"destination\":{\"name\":\"host\",\"namespace\":\"" NS "\"}},\"map\":["
                        "{\"source\":{\"type\":\"pod\"},\"destination\":{\"type\":\"pod\"}},"
                        "{\"source\":{\"name\":\"mtv-source-vms/mtv-net-a\"},\"destination\":{"
                        "\"type\":\"ignored\"}}]}}"));
    free(labtest_create(&lab, FK "storagemaps",
                        "{\"metadata\":{\"name\":\"host-sto\",\"namespace\":\"" NS "\"},\"spec\":{"
                        "\"provider\":{\"source\":{\"name\":\"host\",\"namespace\":\"" NS "\"},"
                        "\"destination\":{\"name\":\"host\",\"namespace\":\"" NS "\"}},\"map\":["
                        "{\"source\":{\"name\":\"standard\"},\"destination\":{\"storageClass\":"
                        "\"nfs-csi\"}}]}}"));
    cJSON_Delete(labtest_wait_cond(&lab, FK "networkmaps", NS, "host-net", "Ready", 5000));
    cJSON_Delete(labtest_wait_cond(&lab, FK "storagemaps", NS, "host-sto", "Ready", 5000));
    plan("ocp", "host", "[{\"name\":\"mtv-tests-rhel8\",\"namespace\":\"mtv-source-vms\"}]", NULL);
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "ocp", "Ready", 5000));
    migrate("ocp", NULL);
    cJSON *p = labtest_wait_cond(&lab, FK "plans", NS, "ocp", "Succeeded", 20000);
    const cJSON *pipe = labtest_path(p, "status.migration.vms.0.pipeline");
    cr_assert_eq(cJSON_GetArraySize(pipe), 3);
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(p, "status.migration.vms.0.pipeline.1.name")),
                     "DiskTransfer");
    cJSON_Delete(p);
    /* OpenShift sources keep the source PVC's name and use no generateName */
    cJSON *pvc = labtest_get(&lab, "v1/persistentvolumeclaims", "target-ocp",
                             "mtv-tests-rhel8-disk-0");
    cr_assert_not_null(pvc);
    cr_assert_str_eq(cJSON_GetStringValue(labtest_path(pvc, "spec.storageClassName")), "nfs-csi");
    cJSON_Delete(pvc);
}
