/*
 * The lab's KubeVirt power: the reconciler (lab_ctl_kubevirt.c) and the
 * start/stop/restart subresources (lab_kv_power.c), through the lab's API
 * as virtctl would use them. A stopped world VM starts through Starting as
 * the guest the world describes (its IPs, the agent up) and stops again;
 * a Manual VM only moves on requests; KubeVirt's refusals come back as 409
 * Statuses; legacy spec.running and Once decide too; and a migrated VM
 * whose faults made it wrong comes back just as wrong after a stop and a
 * start, also when the checks' reader (checks/target_read.c) starts it for
 * a moment to read its instance and stops it again.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/target_vm.h"
#include "k8s/client.h"
#include "labtest.h"
#include "util/log.h"

#define VMS "kubevirt.io/v1/virtualmachines"
#define VMIS "kubevirt.io/v1/virtualmachineinstances"
#define SRC "mtv-source-vms"
#define FK "forklift.konveyor.io/v1beta1/"
#define NS "openshift-mtv"

static labtest lab;

static void stop(void)
{
    labtest_stop(&lab);
}

TestSuite(lab_kubevirt, .fini = stop, .timeout = 60);

/* PUT a lifecycle subresource: the HTTP code, the body in *body (may be NULL). */
static long power(const char *ns, const char *name, const char *verb, strbuf *body)
{
    char path[512];
    snprintf(path, sizeof path, "/apis/subresources.kubevirt.io/v1/namespaces/%s/virtualmachines/%s/%s",
             ns, name, verb);
    labtest_reply r = labtest_http(&lab, "PUT", path, "{}", "application/json");
    long code = r.code;
    if (body)
        sb_adds(body, r.body.buf ? r.body.buf : "");
    labtest_reply_free(&r);
    return code;
}

static const char *str_at(const cJSON *o, const char *path)
{
    const char *s = cJSON_GetStringValue(labtest_path(o, path));
    return s ? s : "";
}

static int vmi_exists(const char *ns, const char *name)
{
    cJSON *vmi = labtest_get(&lab, VMIS, ns, name);
    int yes = vmi != NULL;
    cJSON_Delete(vmi);
    return yes;
}

Test(lab_kubevirt, stopped_world_vm_starts_as_its_guest_and_stops)
{
    labtest_start(&lab, &(labtest_opts){.speed = 100});
    /* the world's running VMs get KubeVirt's status at start */
    cJSON *vm = labtest_wait_str(&lab, VMS, SRC, "mtv-win2019-3disks", "status.runStrategy", "Always", 5000);
    cr_assert_str_eq(str_at(labtest_cond(vm, "Ready"), "status"), "True");
    cJSON_Delete(vm);
    vm = labtest_get(&lab, VMS, SRC, "mtv-tests-rhel8");
    cr_assert_str_eq(str_at(vm, "status.printableStatus"), "Stopped");
    cJSON_Delete(vm);
    cr_assert(!vmi_exists(SRC, "mtv-tests-rhel8"));
    strbuf body = STRBUF_INIT;
    cr_assert_eq(power(SRC, "mtv-tests-rhel8", "stop", &body), 409);
    cr_assert(strstr(body.buf, "VM is not running"), "%s", body.buf);
    cr_assert_eq(power(SRC, "mtv-tests-rhel8", "start", NULL), 202);
    vm = labtest_get(&lab, VMS, SRC, "mtv-tests-rhel8");
    cr_assert_str_eq(str_at(vm, "spec.runStrategy"), "Always", "start on Halted sets Always");
    cJSON_Delete(vm);
    vm = labtest_wait_str(&lab, VMS, SRC, "mtv-tests-rhel8", "status.printableStatus", "Starting", 5000);
    cJSON_Delete(vm);
    vm = labtest_wait_str(&lab, VMS, SRC, "mtv-tests-rhel8", "status.printableStatus", "Running", 5000);
    cr_assert(cJSON_IsTrue(labtest_path(vm, "status.ready")));
    cr_assert(cJSON_IsTrue(labtest_path(vm, "status.created")));
    cr_assert_str_eq(str_at(vm, "status.runStrategy"), "Always");
    cJSON_Delete(vm);
    cJSON *vmi = labtest_get(&lab, VMIS, SRC, "mtv-tests-rhel8");
    cr_assert_not_null(vmi);
    cr_assert_str_eq(str_at(vmi, "status.phase"), "Running");
    cr_assert_str_eq(str_at(vmi, "status.nodeName"), "worker-1");
    cr_assert_str_eq(str_at(labtest_cond(vmi, "AgentConnected"), "status"), "True");
    cr_assert_str_eq(str_at(vmi, "status.interfaces.0.ipAddress"), "192.0.2.10", "the world's IP");
    cr_assert_str_eq(str_at(vmi, "status.interfaces.1.mac"), "00:50:56:aa:00:02");
    cr_assert_str_eq(str_at(vmi, "metadata.ownerReferences.0.kind"), "VirtualMachine");
    cJSON_Delete(vmi);
    sb_reset(&body);
    cr_assert_eq(power(SRC, "mtv-tests-rhel8", "start", &body), 409);
    cr_assert(strstr(body.buf, "VM is already running"), "%s", body.buf);
    cr_assert_eq(power(SRC, "mtv-tests-rhel8", "stop", NULL), 202);
    vm = labtest_wait_str(&lab, VMS, SRC, "mtv-tests-rhel8", "status.printableStatus", "Stopped", 5000);
    cr_assert_str_eq(str_at(vm, "spec.runStrategy"), "Halted", "stop on Always sets Halted");
    cr_assert(cJSON_IsFalse(labtest_path(vm, "status.ready")));
    cJSON_Delete(vm);
    cr_assert(!vmi_exists(SRC, "mtv-tests-rhel8"), "a stopped VM has no instance");
    sb_release(&body);
}

Test(lab_kubevirt, manual_moves_on_requests_only_and_refusals_are_kubevirts)
{
    labtest_start(&lab, &(labtest_opts){.speed = 1000});
    free(labtest_create(&lab, VMS,
                        "{\"metadata\":{\"name\":\"man\",\"namespace\":\"" SRC "\"},\"spec\":{"
                        "\"runStrategy\":\"Manual\",\"template\":{\"spec\":{\"domain\":{\"devices\":"
                        "{\"interfaces\":[{\"name\":\"default\",\"masquerade\":{}}]}},"
                        "\"networks\":[{\"name\":\"default\",\"pod\":{}}]}}}}"));
    cJSON *vm = labtest_wait_str(&lab, VMS, SRC, "man", "status.printableStatus", "Stopped", 5000);
    cJSON_Delete(vm);
    strbuf body = STRBUF_INIT;
    cr_assert_eq(power(SRC, "man", "restart", &body), 409, "nothing to restart");
    cr_assert_eq(power(SRC, "man", "start", NULL), 202);
    vm = labtest_wait_str(&lab, VMS, SRC, "man", "status.printableStatus", "Running", 5000);
    cr_assert_str_eq(str_at(vm, "spec.runStrategy"), "Manual", "requests leave the strategy alone");
    cr_assert_null(labtest_path(vm, "status.stateChangeRequests.0"), "the request was consumed");
    cJSON_Delete(vm);
    cJSON *vmi = labtest_get(&lab, VMIS, SRC, "man");
    cr_assert_not_null(vmi);
    cr_assert(strncmp(str_at(vmi, "status.interfaces.0.mac"), "02:", 3) == 0,
              "a made-up guest gets a MAC: %s", str_at(vmi, "status.interfaces.0.mac"));
    cr_assert(strncmp(str_at(vmi, "status.interfaces.0.ipAddress"), "10.128.", 7) == 0);
    char *uid = strdup(str_at(vmi, "metadata.uid"));
    cJSON_Delete(vmi);
    cr_assert_eq(power(SRC, "man", "restart", NULL), 202);
    for (int i = 0; i < 100; i++) {
        vmi = labtest_get(&lab, VMIS, SRC, "man");
        int fresh = vmi && strcmp(str_at(vmi, "metadata.uid"), uid);
        cJSON_Delete(vmi);
        if (fresh)
            break;
        cr_assert_lt(i, 99, "restart made no new instance");
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    free(uid);
    cr_assert_eq(power(SRC, "man", "stop", NULL), 202);
    vm = labtest_wait_str(&lab, VMS, SRC, "man", "status.printableStatus", "Stopped", 5000);
    cJSON_Delete(vm);
    cr_assert(!vmi_exists(SRC, "man"));

    /* Always refuses start; Halted refuses stop; an unknown VM is 404 */
    free(labtest_create(&lab, VMS,
                        "{\"metadata\":{\"name\":\"alw\",\"namespace\":\"" SRC "\"},\"spec\":{"
                        "\"runStrategy\":\"Always\",\"template\":{\"spec\":{\"domain\":{}}}}}"));
    cJSON_Delete(labtest_wait_str(&lab, VMS, SRC, "alw", "status.printableStatus", "Running", 5000));
    sb_reset(&body);
    cr_assert_eq(power(SRC, "alw", "stop", NULL), 202);
    cJSON_Delete(labtest_wait_str(&lab, VMS, SRC, "alw", "status.printableStatus", "Stopped", 5000));
    labtest_patch(&lab, VMS, SRC, "alw", "{\"spec\":{\"runStrategy\":\"Always\"}}");
    cJSON_Delete(labtest_wait_str(&lab, VMS, SRC, "alw", "status.printableStatus", "Running", 5000));
    sb_reset(&body);
    cr_assert_eq(power(SRC, "alw", "restart", NULL), 202, "Always may restart");
    labtest_patch(&lab, VMS, SRC, "alw", "{\"spec\":{\"runStrategy\":\"Halted\"}}");
    cJSON_Delete(labtest_wait_str(&lab, VMS, SRC, "alw", "status.printableStatus", "Stopped", 5000));
    labtest_patch(&lab, VMS, SRC, "alw", "{\"spec\":{\"runStrategy\":\"Always\"}}");
    cJSON_Delete(labtest_wait_str(&lab, VMS, SRC, "alw", "status.printableStatus", "Running", 5000));
    sb_reset(&body);
    cr_assert_eq(power(SRC, "alw", "start", &body), 409);
    cr_assert(strstr(body.buf, "VM is already running"), "%s", body.buf);
    cr_assert_eq(power(SRC, "nobody", "start", NULL), 404);
    labtest_reply r = labtest_http(&lab, "GET",
                                   "/apis/subresources.kubevirt.io/v1/namespaces/" SRC
                                   "/virtualmachines/alw/start", NULL, NULL);
    cr_assert_eq(r.code, 405, "start is PUT only");
    labtest_reply_free(&r);
    r = labtest_http(&lab, "GET", "/apis/subresources.kubevirt.io/v1", NULL, NULL);
    cr_assert(strstr(r.body.buf, "virtualmachines/start"), "discovery lists start: %s", r.body.buf);
    labtest_reply_free(&r);
    sb_release(&body);
}

Test(lab_kubevirt, running_and_once_decide_too)
{
    labtest_start(&lab, &(labtest_opts){.speed = 1000});
    free(labtest_create(&lab, VMS,
                        "{\"metadata\":{\"name\":\"legacy\",\"namespace\":\"" SRC "\"},\"spec\":{"
                        "\"running\":true,\"template\":{\"spec\":{\"domain\":{}}}}}"));
    cJSON *vm = labtest_wait_str(&lab, VMS, SRC, "legacy", "status.printableStatus", "Running", 5000);
    cJSON_Delete(vm);
    cr_assert(vmi_exists(SRC, "legacy"));
    cr_assert_eq(power(SRC, "legacy", "stop", NULL), 202);
    vm = labtest_wait_str(&lab, VMS, SRC, "legacy", "status.printableStatus", "Stopped", 5000);
    cr_assert(cJSON_IsFalse(labtest_path(vm, "spec.running")), "stop sets running: false");
    cr_assert_null(labtest_path(vm, "spec.runStrategy"));
    cJSON_Delete(vm);
    free(labtest_create(&lab, VMS,
                        "{\"metadata\":{\"name\":\"once\",\"namespace\":\"" SRC "\"},\"spec\":{"
                        "\"runStrategy\":\"Once\",\"template\":{\"spec\":{\"domain\":{}}}}}"));
    cJSON_Delete(labtest_wait_str(&lab, VMS, SRC, "once", "status.printableStatus", "Running", 5000));
    strbuf body = STRBUF_INIT;
    cr_assert_eq(power(SRC, "once", "restart", &body), 409);
    cr_assert(strstr(body.buf, "does not support manual restart"), "%s", body.buf);
    sb_release(&body);
    labtest_delete(&lab, VMS, SRC, "once");
    for (int i = 0; i < 100 && vmi_exists(SRC, "once"); i++) {
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    cr_assert(!vmi_exists(SRC, "once"), "the instance goes with its VM");
}

Test(lab_kubevirt, a_wrong_migrated_vm_stays_wrong_across_a_stop_and_start)
{
    labtest_start(&lab, &(labtest_opts){
                            .speed = 1000,
                            .faults_json = "{\"vms\":[{\"vm\":\"mtv-win2019-3disks\",\"wrong\":{"
                                           "\"agent\":false,\"node\":\"worker-2\",\"ssh\":\"closed\"}}]}"});
    labtest_sources(&lab);
    free(labtest_create(
        &lab, FK "plans",
        "{\"metadata\":{\"name\":\"off\",\"namespace\":\"" NS "\"},\"spec\":{\"provider\":{"
        "\"source\":{\"name\":\"vsphere\",\"namespace\":\"" NS "\"},\"destination\":{\"name\":\"host\","
        "\"namespace\":\"" NS "\"}},\"map\":{\"network\":{\"name\":\"vsphere-net\",\"namespace\":\"" NS
        "\"},\"storage\":{\"name\":\"vsphere-sto\",\"namespace\":\"" NS "\"}},\"targetNamespace\":"
        "\"target-off\",\"targetPowerState\":\"off\",\"vms\":[{\"name\":\"mtv-win2019-3disks\"}]}}"));
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "off", "Ready", 5000));
    free(labtest_create(&lab, FK "migrations",
                        "{\"metadata\":{\"name\":\"off-run\",\"namespace\":\"" NS "\"},\"spec\":{"
                        "\"plan\":{\"name\":\"off\",\"namespace\":\"" NS "\"}}}"));
    cJSON_Delete(labtest_wait_cond(&lab, FK "plans", NS, "off", "Succeeded", 20000));
    const char *ns = "target-off", *name = "mtv-win2019-3disks";
    cJSON *vm = labtest_get(&lab, VMS, ns, name);
    cr_assert_str_eq(str_at(vm, "status.printableStatus"), "Stopped", "targetPowerState off");
    cJSON_Delete(vm);
    cr_assert(!vmi_exists(ns, name));
    for (int round = 0; round < 2; round++) {
        cr_assert_eq(power(ns, name, "start", NULL), 202);
        cJSON_Delete(labtest_wait_str(&lab, VMS, ns, name, "status.printableStatus", "Running", 5000));
        cJSON *vmi = labtest_get(&lab, VMIS, ns, name);
        cr_assert_str_eq(str_at(vmi, "status.nodeName"), "worker-2", "round %d", round);
        cr_assert_str_eq(str_at(labtest_cond(vmi, "AgentConnected"), "status"), "False");
        cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(labtest_path(vmi, "metadata.annotations"),
                                                                  "lab.mtv-validate.io/guest-ports")),
                         "closed");
        cr_assert_str_eq(str_at(vmi, "status.interfaces.0.ipAddress"), "192.0.2.20");
        cJSON_Delete(vmi);
        cr_assert_eq(power(ns, name, "stop", NULL), 202);
        cJSON_Delete(labtest_wait_str(&lab, VMS, ns, name, "status.printableStatus", "Stopped", 5000));
        cr_assert(!vmi_exists(ns, name));
    }
    /* the checks' reader: starts it, reads the instance, stops it again */
    kube_config kc;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(kubeconfig_load(&kc, lab_server_kubeconfig_path(lab.srv), NULL, log_secrets(), &err), 0,
                 "%s", err.msg);
    transport *t;
    transport_config tc = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(&t, &tc, &err), 0, "%s", err.msg);
    k8s_client *c;
    cr_assert_eq(k8s_client_new(&c, &kc, t, &err), 0, "%s", err.msg);
    target_vm tv;
    target_vm_init(&tv);
    strbuf note = STRBUF_INIT;
    target_read_opts ro = {.wait_guest_agent = 1, .agent_timeout_ms = 300};
    cr_assert_eq(target_vm_read(c, ns, name, &ro, &tv, &note, &err), 0, "%s", err.msg);
    cr_assert_eq(tv.rec.power, VM_POWER_OFF, "the record keeps the state it was found in");
    cr_assert(tv.has_vmi, "the instance was read while it ran");
    cr_assert_str_eq(tv.node_name, "worker-2");
    cr_assert_eq(tv.rec.guest_agent_running, 0, "the agent fault holds");
    cr_assert(strstr(note.buf, "AgentConnected"), "the agent wait ran out: %s", note.buf);
    cr_assert_str_eq(tv.rec.nics[0].ips[0].ip, "192.0.2.20");
    vm = labtest_get(&lab, VMS, ns, name);
    cr_assert_str_eq(str_at(vm, "status.printableStatus"), "Stopped", "stopped again");
    cr_assert_str_eq(str_at(vm, "spec.runStrategy"), "Halted");
    cJSON_Delete(vm);
    sb_release(&note);
    target_vm_free(&tv);
    k8s_client_free(c);
    transport_free(t);
    kubeconfig_free(&kc);
}

static void wait_gone(const char *gvp, const char *ns, const char *name)
{
    cJSON *o = NULL;
    for (int i = 0; i < 250 && (o = labtest_get(&lab, gvp, ns, name)); i++) {
        cJSON_Delete(o);
        o = NULL;
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    cr_assert_null(o, "%s %s/%s is still there", gvp, ns, name);
}

/* The storage class the lab marks as the cluster's default. */
static const char *default_class(void)
{
    static char name[128];
    labtest_reply r = labtest_http(&lab, "GET", "/apis/storage.k8s.io/v1/storageclasses", NULL, NULL);
    cJSON *list = cJSON_Parse(r.body.buf ? r.body.buf : "");
    labtest_reply_free(&r);
    const cJSON *sc;
    name[0] = 0;
    cJSON_ArrayForEach(sc, cJSON_GetObjectItem(list, "items"))
    {
        const cJSON *ann = labtest_path(sc, "metadata.annotations");
        const char *d = cJSON_GetStringValue(
            cJSON_GetObjectItem(ann, "storageclass.kubernetes.io/is-default-class"));
        if (d && !strcmp(d, "true"))
            snprintf(name, sizeof name, "%s", str_at(sc, "metadata.name"));
    }
    cJSON_Delete(list);
    cr_assert(name[0], "the lab has no default storage class");
    return name;
}

/* A VM as upstream creates OpenShift sources: sized by an instancetype, its
 * disk a dataVolumeTemplate without a storage class. */
Test(lab_kubevirt, instancetype_and_data_volume_templates_as_on_a_cluster)
{
    labtest_start(&lab, &(labtest_opts){.speed = 1000});
    free(labtest_create(&lab, VMS,
                        "{\"metadata\":{\"name\":\"from-ds\",\"namespace\":\"" SRC "\"},\"spec\":{"
                        "\"runStrategy\":\"Always\",\"instancetype\":{\"kind\":"
                        "\"VirtualMachineClusterInstancetype\",\"name\":\"u1.large\"},"
                        "\"dataVolumeTemplates\":[{\"metadata\":{\"name\":\"from-ds-root\"},"
                        "\"spec\":{\"sourceRef\":{\"kind\":\"DataSource\",\"name\":\"rhel9\"},"
                        "\"storage\":{\"resources\":{\"requests\":{\"storage\":\"30Gi\"}}}}}],"
                        "\"template\":{\"spec\":{\"domain\":{\"devices\":{}},\"volumes\":[{\"name\":"
                        "\"root\",\"dataVolume\":{\"name\":\"from-ds-root\"}}]}}}}"));
    cJSON *vm = labtest_wait_str(&lab, VMS, SRC, "from-ds", "status.printableStatus", "Running", 5000);
    cJSON_Delete(vm);
    /* the instance carries the instancetype's CPUs and memory */
    cJSON *vmi = labtest_get(&lab, VMIS, SRC, "from-ds");
    cr_assert_not_null(vmi);
    cr_assert_eq(labtest_path(vmi, "spec.domain.cpu.sockets")->valueint, 2);
    cr_assert_str_eq(str_at(vmi, "spec.domain.memory.guest"), "8Gi");
    cJSON_Delete(vmi);
    /* CDI's DataVolume and PVC, on the cluster's default storage class */
    cJSON *dv = labtest_get(&lab, "cdi.kubevirt.io/v1beta1/datavolumes", SRC, "from-ds-root");
    cr_assert_not_null(dv, "no DataVolume from the template");
    cr_assert_str_eq(str_at(dv, "status.phase"), "Succeeded");
    cr_assert_str_eq(str_at(dv, "metadata.ownerReferences.0.name"), "from-ds");
    cJSON_Delete(dv);
    cJSON *pvc = labtest_get(&lab, "v1/persistentvolumeclaims", SRC, "from-ds-root");
    cr_assert_not_null(pvc, "no PVC from the template");
    cr_assert_str_eq(str_at(pvc, "spec.storageClassName"), default_class());
    cr_assert_str_eq(str_at(pvc, "spec.resources.requests.storage"), "30Gi");
    cr_assert_str_eq(str_at(pvc, "status.phase"), "Bound");
    cJSON_Delete(pvc);
    /* a PVC owned by the VM but not made from its templates stays */
    free(labtest_create(&lab, "v1/persistentvolumeclaims",
                        "{\"metadata\":{\"name\":\"kept\",\"namespace\":\"" SRC "\","
                        "\"ownerReferences\":[{\"apiVersion\":\"kubevirt.io/v1\",\"kind\":"
                        "\"VirtualMachine\",\"name\":\"from-ds\",\"uid\":\"x\"}]},\"spec\":{"
                        "\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}"));
    labtest_delete(&lab, VMS, SRC, "from-ds");
    wait_gone("v1/persistentvolumeclaims", SRC, "from-ds-root");
    wait_gone("cdi.kubevirt.io/v1beta1/datavolumes", SRC, "from-ds-root");
    pvc = labtest_get(&lab, "v1/persistentvolumeclaims", SRC, "kept");
    cr_assert_not_null(pvc, "the garbage collection took a PVC it did not make");
    cJSON_Delete(pvc);
}
