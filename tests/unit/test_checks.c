/*
 * The post-migration checks on real shapes: the VirtualMachine, VMI and PVCs
 * the lab controller built for mtv-win2019-3disks (comprehensive cold
 * scenario, OpenStack source) and the OpenStack adapter's record of its
 * source, in tests/data/checks/. The clean pair passes every applicable
 * check; each check then fails on one changed property with a message that
 * starts with its name and names the expected and actual values; gates keep
 * checks out where upstream keeps them out.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "checks/checks.h"
#include "checks/checks_int.h"
#include "checks/guest_net.h"
#include "testutil.h"

static cJSON *load(const char *name)
{
    strbuf p = STRBUF_INIT;
    sb_addf(&p, "tests/data/checks/%s", name);
    char *text = tu_read(tu_src(p.buf), NULL);
    cr_assert(text, "missing %s", p.buf);
    cJSON *j = cJSON_Parse(text);
    cr_assert(j, "bad JSON in %s", p.buf);
    free(text);
    sb_release(&p);
    return j;
}

static const char *PARAMS =
    "{\"virtual_machines\": [{\"name\": \"mtv-win2019-3disks\", \"source_vm_power\": \"on\","
    " \"guest_agent\": true}],"
    " \"warm_migration\": false, \"target_power_state\": \"on\", \"preserve_static_ips\": true,"
    " \"enable_nested_virtualization\": false,"
    " \"target_node_selector\": {\"mtv-comprehensive-node\": null},"
    " \"target_labels\": {\"mtv-comprehensive-label\": null, \"test-type\": \"comprehensive\"},"
    " \"target_affinity\": {\"podAffinity\": {\"preferredDuringSchedulingIgnoredDuringExecution\":"
    "   [{\"podAffinityTerm\": {\"labelSelector\": {\"matchLabels\": {\"app\": \"test\"}},"
    "     \"topologyKey\": \"kubernetes.io/hostname\"}, \"weight\": 50}]}}}";

typedef struct fx {
    cJSON *vm, *vmi, *pvcs, *nmap, *smap, *params, *src_json, *secret;
    vm_record src;
    target_vm dst;
    check_run run;
    check_vm v;
    checks_result res;
} fx;

static fx F;
static check_msgs ALL;

static void setup(void)
{
    memset(&F, 0, sizeof F);
    F.vm = load("vm-win2019-3disks.json");
    F.vmi = load("vmi-win2019-3disks.json");
    F.pvcs = load("pvcs-win2019-3disks.json");
    F.nmap = load("networkmap.json");
    F.smap = load("storagemap.json");
    F.src_json = load("source-openstack-win2019-3disks.json");
    F.params = cJSON_Parse(PARAMS);
    F.secret = cJSON_Parse("{\"kind\":\"Secret\",\"data\":{\"insecureSkipVerify\":\"dHJ1ZQ==\"}}");
    cr_assert(F.params && F.secret);
    const cJSON *pv[8];
    size_t n = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, F.pvcs) pv[n++] = p;
    mtv_err err;
    mtv_err_clear(&err);
    target_vm_init(&F.dst);
    cr_assert_eq(target_vm_from_objects(&F.dst, F.vm, F.vmi, pv, n, &err), 0, "%s", err.msg);
    vm_record_init(&F.src);
    cr_assert_eq(vm_record_from_json(&F.src, F.src_json, "source", &err), 0, "%s", err.msg);
    F.run = (check_run){.provider_type = "openstack", .params = F.params, .network_map = F.nmap,
                        .storage_map = F.smap, .provider_secret = F.secret, .expect_insecure = 1,
                        .storage_class = "standard", .session_id = "auto-lmkp",
                        .labeled_node = "worker-1", .ocp_version = "4.20.0"};
    F.v = (check_vm){.name = "mtv-win2019-3disks",
                     .params = cJSON_GetArrayItem(cJSON_GetObjectItem(F.params, "virtual_machines"), 0),
                     .src = &F.src, .dst = &F.dst};
}

static void teardown(void)
{
    checks_result_free(&F.res);
    check_msgs_free(&ALL);
    target_vm_free(&F.dst);
    vm_record_free(&F.src);
    cJSON *all[] = {F.vm, F.vmi, F.pvcs, F.nmap, F.smap, F.params, F.src_json, F.secret};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        cJSON_Delete(all[i]);
}

TestSuite(checks, .init = setup, .fini = teardown);

/* Runs one check (or all with NULL) and returns the messages of the VM and
 * of the provider-level checks. */
static const check_msgs *run_only(const char *name)
{
    checks_result_free(&F.res);
    check_msgs_free(&ALL);
    const char *only[] = {name, NULL};
    checks_run(&F.run, &F.v, 1, name ? only : NULL, &F.res);
    for (size_t i = 0; i < F.res.n; i++)
        for (size_t k = 0; k < F.res.vms[i].msgs.n; k++)
            check_msgs_add(&ALL, F.res.vms[i].msgs.v[k]);
    return &ALL;
}

static int ran(const char *name)
{
    for (size_t i = 0; i < F.res.n; i++)
        for (size_t k = 0; k < F.res.vms[i].ran.n; k++)
            if (!strcmp(F.res.vms[i].ran.v[k], name))
                return 1;
    return 0;
}

/* Exactly one message, starting "<name> - " and containing every needle. */
static void expect_one(const char *name, const char *a, const char *b)
{
    const check_msgs *m = run_only(name);
    cr_assert(ran(name), "%s did not run", name);
    cr_assert_eq(m->n, 1, "%s: %zu messages (first: %s)", name, m->n, m->n ? m->v[0] : "");
    strbuf pre = STRBUF_INIT;
    sb_addf(&pre, "%s - ", name);
    cr_assert(!strncmp(m->v[0], pre.buf, pre.len), "message does not start with the check: %s", m->v[0]);
    sb_release(&pre);
    if (a)
        cr_assert(strstr(m->v[0], a), "'%s' not in: %s", a, m->v[0]);
    if (b)
        cr_assert(strstr(m->v[0], b), "'%s' not in: %s", b, m->v[0]);
}

static void expect_pass(const char *name)
{
    const check_msgs *m = run_only(name);
    cr_assert(ran(name), "%s did not run", name);
    cr_assert_eq(m->n, 0, "%s: %s", name, m->n ? m->v[0] : "");
}

static void expect_gated(const char *name)
{
    run_only(name);
    cr_assert(!ran(name), "%s ran although its gate is false", name);
}

Test(checks, target_record_from_the_lab_objects)
{
    const vm_record *r = &F.dst.rec;
    cr_assert_eq(r->power, VM_POWER_ON);
    cr_assert_eq(r->cpu_cores, 2);
    cr_assert_eq(r->cpu_sockets, 2);
    cr_assert_eq(r->memory_mb, 8192);
    cr_assert_str_eq(r->boot_firmware, "efi");
    cr_assert_eq(r->secure_boot, 0);
    cr_assert_eq(r->tpm_present, 0);
    cr_assert_eq(r->guest_agent_running, 1);
    cr_assert_str_eq(F.dst.node_name, "worker-1");
    cr_assert_eq(r->nnics, 2);
    cr_assert_str_eq(r->nics[0].network_name, "pod");
    cr_assert_str_eq(r->nics[0].mac, "00:50:56:aa:00:03");
    cr_assert_str_eq(r->nics[0].guest_nic_name, "eth0");
    cr_assert_str_eq(r->nics[1].network_name, "cb-b19033-1");
    cr_assert_eq(r->ndisks, 3);
    cr_assert_str_eq(r->disks[0].name, "mtv-win2019-3disks-isks-disk-0");
    cr_assert_eq(r->disks[0].size_kb, 61440LL * 1024);
    cr_assert_str_eq(r->disks[2].storage_name, "standard");
    cr_assert_eq(r->disks[2].unit_number, 2);
    cr_assert_str_eq(F.dst.access_modes[1], "ReadWriteOnce");
    cr_assert_str_eq(target_vm_label(&F.dst, "test-type"), "comprehensive");
    cr_assert_eq(cJSON_GetArraySize(F.dst.cpu_features), 2);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(F.dst.cpu_features, "vmx")), "disable");
    cr_assert(F.dst.affinity);
}

Test(checks, stopped_vm_without_vmi_is_off_with_no_agent)
{
    cJSON *vm = cJSON_Duplicate(F.vm, 1);
    cJSON *st = cJSON_GetObjectItem(vm, "status");
    cJSON_ReplaceItemInObject(st, "printableStatus", cJSON_CreateString("Stopped"));
    target_vm t;
    target_vm_init(&t);
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(target_vm_from_objects(&t, vm, NULL, NULL, 0, &err), 0);
    cr_assert_eq(t.rec.power, VM_POWER_OFF);
    cr_assert_eq(t.rec.guest_agent_running, 0);
    cr_assert_eq(t.rec.ndisks, 3);
    cr_assert_null(t.rec.disks[0].storage_name);
    cr_assert_null(t.node_name);
    target_vm_free(&t);
    cJSON_Delete(vm);
    cJSON *pod = cJSON_Parse("{\"kind\": \"Pod\", \"metadata\": {\"name\": \"x\"}}");
    cr_assert_eq(target_vm_from_objects(&t, pod, NULL, NULL, 0, &err), -1);
    cr_assert(strstr(err.msg, "Pod"), "%s", err.msg);
    cJSON_Delete(pod);
}

Test(checks, clean_migration_passes_every_applicable_check)
{
    const check_msgs *m = run_only(NULL);
    for (size_t i = 0; i < F.res.n; i++)
        cr_assert_eq(F.res.vms[i].msgs.n, 0, "%s: %s", F.res.vms[i].vm, F.res.vms[i].msgs.v[0]);
    (void)m;
    const char *expected[] = {"check_ssl_configuration", "check_vms_power_state", "check_guest_agent",
                              "check_vm_node_placement", "check_vm_labels", "check_vm_affinity",
                              "check_cpu_features", "check_cpu", "check_memory", "check_network",
                              "check_storage"};
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        cr_assert(ran(expected[i]), "%s did not run", expected[i]);
    /* no guest access given, an OpenStack source: these stay out */
    cr_assert(!ran("check_ssh_connectivity"));
    cr_assert(!ran("check_serial_preservation"));
    cr_assert(!ran("check_false_vm_power_off"));
    strbuf line = STRBUF_INIT;
    checks_failure(&F.res, &line, NULL);
    cr_assert_eq(line.len, 0);
    sb_release(&line);
}

Test(checks, ssl_configuration)
{
    expect_pass("check_ssl_configuration");
    F.run.expect_insecure = 0;
    expect_one("check_ssl_configuration", "expected \"false\"", "got \"true\"");
    F.run.provider_type = "ova";
    expect_gated("check_ssl_configuration");
}

Test(checks, power_state)
{
    expect_pass("check_vms_power_state");
    cJSON_ReplaceItemInObject(F.params, "target_power_state", cJSON_CreateString("off"));
    expect_one("check_vms_power_state", "expected power state off", "got on");
    cJSON_DeleteItemFromObject(F.params, "target_power_state");
    F.dst.rec.power = VM_POWER_OTHER;
    expect_one("check_vms_power_state", "(source_vm_power)", "got other");
}

Test(checks, guest_agent)
{
    expect_pass("check_guest_agent");
    F.dst.rec.guest_agent_running = 0;
    expect_one("check_guest_agent", "AgentConnected=True", "not connected");
    cJSON_ReplaceItemInObject((cJSON *)F.v.params, "guest_agent", cJSON_CreateFalse());
    expect_gated("check_guest_agent");
}

Test(checks, node_placement)
{
    expect_pass("check_vm_node_placement");
    F.run.labeled_node = "worker-2";
    expect_one("check_vm_node_placement", "on node worker-2", "got worker-1");
    F.run.labeled_node = NULL;
    expect_gated("check_vm_node_placement");
}

Test(checks, labels_none_means_the_session)
{
    expect_pass("check_vm_labels");
    F.run.session_id = "auto-other";
    expect_one("check_vm_labels", "expected \"auto-other\"", "got \"auto-lmkp\"");
    cJSON_DeleteItemFromObject(F.params, "target_labels");
    expect_gated("check_vm_labels");
}

Test(checks, affinity_deep_equality)
{
    expect_pass("check_vm_affinity");
    cJSON *w = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(F.params, "target_affinity"), "podAffinity"),
        "preferredDuringSchedulingIgnoredDuringExecution"), 0), "weight");
    cJSON_SetNumberValue(w, 75);
    expect_one("check_vm_affinity", "\"weight\":75", "\"weight\":50");
}

Test(checks, nested_virtualization_features)
{
    expect_pass("check_cpu_features");
    cJSON_ReplaceItemInObject(F.dst.cpu_features, "svm", cJSON_CreateString("optional"));
    expect_one("check_cpu_features", "svm with policy disable", "got policy optional");
    cJSON_DeleteItemFromObject(F.dst.cpu_features, "svm");
    expect_one("check_cpu_features", "svm with policy disable", "got no svm feature");
    cJSON_ReplaceItemInObject(F.params, "enable_nested_virtualization", cJSON_CreateTrue());
    expect_gated("check_cpu_features");
}

Test(checks, cpu_and_memory)
{
    expect_pass("check_cpu");
    expect_pass("check_memory");
    F.src.cpu_cores = 4;
    expect_one("check_cpu", "num_cores: expected 4, got 2", NULL);
    F.src.memory_mb = 4096;
    expect_one("check_memory", "expected 4096", "got 8192");
    F.run.provider_type = "ova";
    expect_gated("check_cpu");
    expect_gated("check_memory");
}

Test(checks, network_through_the_map)
{
    expect_pass("check_network");
    vr_set(&F.dst.rec.nics[1].network_name, "pod");
    expect_one("check_network", "expected network cb-b19033-1", "got pod");
    F.run.provider_type = "openshift";
    expect_gated("check_network");
}

Test(checks, storage_class_count_and_ceph_access_mode)
{
    expect_pass("check_storage");
    F.run.storage_class = "fast";
    const check_msgs *m = run_only("check_storage");
    cr_assert_eq(m->n, 3);
    cr_assert(strstr(m->v[0], "check_storage - disk mtv-win2019-3disks-isks-disk-0: expected storage "
                              "class fast, got standard"), "%s", m->v[0]);
    F.run.storage_class = "ocs-storagecluster-ceph-rbd";
    for (size_t i = 0; i < F.dst.rec.ndisks; i++)
        vr_set(&F.dst.rec.disks[i].storage_name, "ocs-storagecluster-ceph-rbd");
    m = run_only("check_storage");
    cr_assert_eq(m->n, 3, "RWO on ceph without an RWO mapping");
    cr_assert(strstr(m->v[0], "expected access mode ReadWriteMany, got ReadWriteOnce"), "%s", m->v[0]);
    F.run.storage_class = "standard";
    for (size_t i = 0; i < F.dst.rec.ndisks; i++)
        vr_set(&F.dst.rec.disks[i].storage_name, "standard");
    F.src.ndisks = 2;
    expect_one("check_storage", "expected 2", "got 3");
    F.src.ndisks = 3;
}

Test(checks, disk_count_of_added_disks)
{
    expect_gated("verify_vm_disk_count");
    cJSON *add = cJSON_Parse("[{\"size_gb\": 30}, {\"size_gb\": 30}]");
    cJSON_AddItemToObject((cJSON *)F.v.params, "add_disks", add);
    expect_pass("verify_vm_disk_count");
    cJSON_DeleteItemFromArray(add, 1);
    expect_one("verify_vm_disk_count", "expected 2 disks", "got 3");
}

Test(checks, serial_by_openshift_version)
{
    strbuf s = STRBUF_INIT;
    check_expected_serial("4231c9a5-3b1d-7f6e-8a90-1234567890ab", "4.20.1", &s);
    cr_assert_str_eq(s.buf, "VMware-42 31 C9 A5 3B 1D 7F 6E-8A 90 12 34 56 78 90 AB");
    check_expected_serial("4231c9a5-3b1d-7f6e-8a90-1234567890ab", "4.19.9", &s);
    cr_assert_str_eq(s.buf, "4231c9a5-3b1d-7f6e-8a90-1234567890ab");
    sb_release(&s);
    expect_gated("check_serial_preservation");
    F.run.provider_type = "vsphere";
    vr_set(&F.src.uuid, "4231c9a5-3b1d-7f6e-8a90-1234567890ab");
    vr_set(&F.dst.rec.serial, "vmware-42 31 c9 a5 3b 1d 7f 6e-8a 90 12 34 56 78 90 ab");
    expect_pass("check_serial_preservation");
    F.run.ocp_version = "4.18.3";
    expect_one("check_serial_preservation", "expected serial \"4231c9a5-3b1d-7f6e-8a90-1234567890ab\"",
               "OpenShift 4.18.3");
}

Test(checks, boot_configuration)
{
    F.run.provider_type = "vsphere";
    expect_pass("check_boot_configuration");
    F.src.secure_boot = 1;
    F.src.tpm_present = 1;
    const check_msgs *m = run_only("check_boot_configuration");
    cr_assert_eq(m->n, 2);
    cr_assert(strstr(m->v[0], "secure_boot: expected true, got false"), "%s", m->v[0]);
    cr_assert(strstr(m->v[1], "tpm_present: expected true, got false"), "%s", m->v[1]);
}

Test(checks, pvc_names_from_the_template)
{
    F.run.provider_type = "vsphere";
    F.run.pvc_name_template = "{{ .VmName | trunc 32 | trimSuffix \"-\" }}-{{ .VmName | trunc -4 }}-disk-{{.DiskIndex}}";
    /* the lab named them with this template on OpenStack; pretend vSphere order = unit order */
    for (size_t i = 0; i < F.src.ndisks; i++) {
        F.src.disks[i].controller_key = 1000;
        F.src.disks[i].unit_number = (long long)i;
    }
    expect_pass("check_pvc_names");
    cJSON_AddFalseToObject(F.params, "pvc_name_template_use_generate_name");
    expect_pass("check_pvc_names");
    vr_set(&F.dst.rec.disks[1].name, "wrong-name");
    expect_one("check_pvc_names", "expected a PVC named \"mtv-win2019-3disks-isks-disk-1\"",
               "wrong-name");
    /* on vSphere the PVC of disk i must be the VM's volume i */
    vr_set(&F.dst.rec.disks[0].name, "mtv-win2019-3disks-isks-disk-1");
    vr_set(&F.dst.rec.disks[1].name, "mtv-win2019-3disks-isks-disk-0");
    const check_msgs *m = run_only("check_pvc_names");
    cr_assert_eq(m->n, 2);
    cr_assert(strstr(m->v[0], "disk 0: PVC mtv-win2019-3disks-isks-disk-0 is volume 1 of the VM, "
                              "expected 0"), "%s", m->v[0]);
    /* non-vSphere sources skip templates using .DiskIndex, as upstream */
    F.run.provider_type = "openstack";
    expect_pass("check_pvc_names");
    /* with generateName every disk of a VM-name template shares the prefix:
     * each PVC answers for one disk only, so a wrong one is still found */
    F.run.pvc_name_template = "{{ .VmName }}-disk";
    cJSON_ReplaceItemInObject(F.params, "pvc_name_template_use_generate_name", cJSON_CreateTrue());
    for (size_t i = 0; i < F.dst.rec.ndisks; i++)
        vr_set(&F.dst.rec.disks[i].name, i ? "mtv-win2019-3disks-diskx7k2q" : "other");
    expect_one("check_pvc_names", "disk 2: expected a PVC named with the prefix \"mtv-win2019-3disks-disk\"",
               "got [other, mtv-win2019-3disks-diskx7k2q");
    F.run.pvc_name_template = NULL;
    expect_gated("check_pvc_names");
}

/* ---- guest checks with a fake guest ---- */

typedef struct fake_guest {
    int probe_rc;
    const char *output;
    int runs;
    size_t events;
    int cancel_after_runs;       /* > 0: the run is interrupted once this many commands ran */
} fake_guest;

static int fake_probe(void *ud, const check_vm *v, mtv_err *err)
{
    (void)v;
    fake_guest *g = ud;
    return g->probe_rc ? mtv_err_set(err, MTV_EXIT_ENV, "connection refused by the test") : 0;
}

static int fake_run(void *ud, const check_vm *v, const char *cmd, strbuf *out, int *status, mtv_err *err)
{
    (void)v;
    (void)cmd;
    (void)err;
    fake_guest *g = ud;
    g->runs++;
    sb_adds(out, g->output);
    *status = 0;
    return 0;
}

static int fake_events(void *ud, const check_vm *v, int code, size_t *count, mtv_err *err)
{
    (void)v;
    (void)err;
    fake_guest *g = ud;
    *count = code == 33 ? g->events : 0;
    return 0;
}

static void fake_sleep(void *ud, int64_t ms)
{
    (void)ud;
    (void)ms;
}

static int fake_cancelled(void *ud)
{
    fake_guest *g = ud;
    return g->cancel_after_runs > 0 && g->runs >= g->cancel_after_runs;
}

static fake_guest G;

static void with_guest(const char *output)
{
    G = (fake_guest){0, output, 0, 0, 0};
    F.run.io = (check_io){&G, fake_probe, fake_run, fake_events, fake_sleep, fake_cancelled};
}

Test(checks, ssh_connectivity)
{
    expect_gated("check_ssh_connectivity");
    with_guest("");
    expect_pass("check_ssh_connectivity");
    G.probe_rc = 1;
    expect_one("check_ssh_connectivity", "over SSH", "connection refused by the test");
    F.dst.rec.power = VM_POWER_OFF;
    expect_gated("check_ssh_connectivity");
}

static const char *IPCONFIG =
    "\r\nWindows IP Configuration\r\n\r\n"
    "   Host Name . . . . . . . . . . . . : win2019\r\n\r\n"
    "Ethernet adapter Ethernet 2:\r\n\r\n"
    "   Connection-specific DNS Suffix  . : \r\n"
    "   Description . . . . . . . . . . . : Red Hat VirtIO Ethernet Adapter #2\r\n"
    "   Physical Address. . . . . . . . . : 00-50-56-AA-00-04\r\n"
    "   DHCP Enabled. . . . . . . . . . . : No\r\n"
    "   IPv4 Address. . . . . . . . . . . : 198.51.100.20(Preferred) \r\n"
    "   Subnet Mask . . . . . . . . . . . : 255.255.255.0\r\n"
    "   Default Gateway . . . . . . . . . : fe80::1%5\r\n"
    "                                       198.51.100.1\r\n"
    "   DNS Servers . . . . . . . . . . . : 198.51.100.53\r\n";

static void static_source(void)
{
    F.run.provider_type = "vsphere";
    vm_nic *n = &F.src.nics[1];
    n->ips[0].is_static = 1;
    n->ips[0].prefix = 24;
    vr_set(&n->ips[0].gateway, "198.51.100.1");
    vr_set(&n->guest_nic_name, "Ethernet 2");
}

Test(checks, static_ip_windows_ipconfig)
{
    static_source();
    with_guest(IPCONFIG);
    F.v.ssh_ok = 0;
    expect_gated("check_static_ip_preservation");
    F.v.ssh_ok = 1;
    const char *only[] = {"check_static_ip_preservation", NULL};
    checks_result_free(&F.res);
    checks_run(&F.run, &F.v, 1, only, &F.res);
    cr_assert_eq(F.res.vms[1].msgs.n, 0, "%s", F.res.vms[1].msgs.v[0]);
    cr_assert_eq(G.runs, 1);
    vr_set(&F.src.nics[1].ips[0].gateway, "198.51.100.254");
    F.run.static_ip_timeout_ms = 60000;
    F.run.static_ip_interval_ms = 30000;
    G.runs = 0;
    expect_one("check_static_ip_preservation", "gateway expected 198.51.100.254", "got 198.51.100.1");
    cr_assert_eq(G.runs, 3, "retried until the time ran out: %d", G.runs);
    /* interrupted (SIGINT) after the first try: no more tries, its message stands */
    F.run.static_ip_timeout_ms = 600000;
    G.runs = 0;
    G.cancel_after_runs = 1;
    expect_one("check_static_ip_preservation", "gateway expected 198.51.100.254", "got 198.51.100.1");
    cr_assert_eq(G.runs, 1, "retried after the run was interrupted: %d tries", G.runs);
}

Test(checks, static_ip_linux_nmcli_matched_by_mac)
{
    static_source();
    F.src.win_os = 0;
    vr_set(&F.src.nics[1].guest_nic_name, "ens192");
    F.v.ssh_ok = 1;
    with_guest("GENERAL.DEVICE:                         eth1\n"
               "GENERAL.TYPE:                           ethernet\n"
               "GENERAL.HWADDR:                         00:50:56:AA:00:04\n"
               "IP4.ADDRESS[1]:                         198.51.100.20/25\n"
               "IP4.GATEWAY:                            198.51.100.1\n"
               "\n"
               "GENERAL.DEVICE:                         lo\n"
               "IP4.ADDRESS[1]:                         127.0.0.1/8\n"
               "IP4.GATEWAY:                            --\n");
    expect_one("check_static_ip_preservation", "prefix expected /24", "got /25");
    /* nothing static at the source: upstream's error */
    F.src.nics[1].ips[0].is_static = 0;
    expect_one("check_static_ip_preservation", "no static IP", NULL);
}

Test(checks, nic_name_preservation)
{
    static_source();
    F.v.ssh_ok = 1;
    with_guest("");
    vr_set(&F.src.nics[1].guest_nic_name, "eth1");
    vr_set(&F.src.nics[0].guest_nic_name, "eth0");
    expect_pass("check_nic_name_preservation");
    vr_set(&F.src.nics[1].guest_nic_name, "ens224");
    expect_one("check_nic_name_preservation", "expected guest interface name ens224", "got eth1");
    F.run.provider_type = "hyperv";
    expect_gated("check_nic_name_preservation");
}

Test(checks, disconnected_nic)
{
    expect_gated("check_disconnected_nic_state");
    F.run.provider_type = "vsphere";
    cJSON_AddTrueToObject((cJSON *)F.v.params, "add_nic");
    cJSON_AddFalseToObject((cJSON *)F.v.params, "add_nic_start_connected");
    expect_one("check_disconnected_nic_state", "00:50:56:aa:00:04: expected link down", "got up");
    F.dst.rec.nics[1].connected = 0;
    expect_pass("check_disconnected_nic_state");
}

Test(checks, command_output)
{
    expect_gated("check_vm_command_output");
    cJSON_AddItemToObject(F.params, "xfs_check",
                          cJSON_Parse("{\"command\": \"/usr/sbin/xfs_info\", \"mount_point\": \"/\","
                                      " \"expected_output\": \"crc=0\"}"));
    F.src.win_os = 0;
    with_guest("meta-data=/dev/vda1 isize=256 agcount=4\n         =  crc=0 finobt=0\n");
    expect_pass("check_vm_command_output");
    with_guest("meta-data=/dev/vda1 isize=512\n         =  crc=1 finobt=1\n");
    expect_one("check_vm_command_output", "`/usr/sbin/xfs_info /`", "expected output containing \"crc=0\"");
    F.src.win_os = 1;
    expect_gated("check_vm_command_output");
}

Test(checks, false_power_off_on_ovirt)
{
    expect_gated("check_false_vm_power_off");
    F.run.provider_type = "ovirt";
    with_guest("");
    expect_pass("check_false_vm_power_off");
    G.events = 2;
    expect_one("check_false_vm_power_off", "USER_STOP_VM (code 33)", "got 2");
}

Test(checks, snapshots_unchanged)
{
    F.run.provider_type = "vsphere";
    expect_gated("check_snapshots");
    vm_record before;
    vm_record_init(&before);
    vm_snapshot *s = vm_record_add_snapshot(&before);
    vr_set(&s->id, "snapshot-101");
    vr_set(&s->name, "before");
    vr_set(&s->create_time, "2026-01-01T10:00:12Z");
    vr_set(&s->state, "poweredOff");
    F.v.src_before = &before;
    s = vm_record_add_snapshot(&F.src);
    vr_set(&s->id, "snapshot-101");
    vr_set(&s->name, "before");
    vr_set(&s->create_time, "2026-01-01T10:00:59Z");
    vr_set(&s->state, "poweredOff");
    expect_pass("check_snapshots");
    vr_set(&s->name, "renamed");
    expect_one("check_snapshots", "name expected \"before\"", "got \"renamed\"");
    F.v.src_before = NULL;
    vm_record_free(&before);
}

Test(checks, one_failure_for_all_vms_in_upstream_form)
{
    F.src.memory_mb = 1024;
    F.run.expect_insecure = 0;
    run_only(NULL);
    cr_assert_eq(F.res.failures, 2);
    strbuf line = STRBUF_INIT, detail = STRBUF_INIT;
    checks_failure(&F.res, &line, &detail);
    cr_assert(!strncmp(line.buf, "VM validation failed \xe2\x80\x94 _provider: [check_ssl_configuration - ",
                       strlen("VM validation failed \xe2\x80\x94 _provider: [check_ssl_configuration - ")),
              "%s", line.buf);
    cr_assert(strstr(line.buf, "; mtv-win2019-3disks: [check_memory - memory_in_mb: expected 1024, got 8192]"),
              "%s", line.buf);
    cr_assert(strstr(detail.buf, "mtv-win2019-3disks:\n  check_memory - "), "%s", detail.buf);
    sb_release(&line);
    sb_release(&detail);
    strbuf sum = STRBUF_INIT;
    checks_ran_summary(&F.res, &sum);
    cr_assert(strstr(sum.buf, "mtv-win2019-3disks: check_vms_power_state, check_guest_agent"), "%s", sum.buf);
    sb_release(&sum);
}

Test(checks, table_names_are_unique_and_findable)
{
    size_t n;
    const check_def *t = checks_table(&n);
    cr_assert_geq(n, 20);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(checks_find(t[i].name), &t[i]);
        for (size_t k = i + 1; k < n; k++)
            cr_assert_str_neq(t[i].name, t[k].name);
    }
    cr_assert_null(checks_find("check_nothing"));
}

/* ---- guest network parsers ---- */

Test(guest_net, ipconfig_adapters_masks_and_second_line_gateway)
{
    guest_ifaces g;
    guest_ipconfig_parse(IPCONFIG, &g);
    cr_assert_eq(g.n, 1);
    cr_assert_str_eq(g.v[0].name, "Ethernet 2");
    cr_assert_str_eq(g.v[0].mac, "00:50:56:aa:00:04");
    cr_assert_eq(g.v[0].naddrs, 1);
    cr_assert_str_eq(g.v[0].addrs[0].ip, "198.51.100.20");
    cr_assert_eq(g.v[0].addrs[0].prefix, 24);
    cr_assert_str_eq(g.v[0].gateway, "198.51.100.1");
    cr_assert_eq(guest_ifaces_find(&g, "nope", "00-50-56-AA-00-04"), &g.v[0]);
    cr_assert_null(guest_ifaces_find(&g, "nope", "00:00:00:00:00:01"));
    guest_ifaces_free(&g);
    cr_assert_eq(guest_mask_prefix("255.255.240.0"), 20);
    cr_assert_eq(guest_mask_prefix("255.0.255.0"), -1);
    cr_assert_eq(guest_mask_prefix("garbage"), -1);
}

Test(guest_net, nmcli_devices)
{
    guest_ifaces g;
    guest_nmcli_parse("GENERAL.DEVICE:   ens192\nGENERAL.HWADDR:  00:50:56:AA:00:01\n"
                      "IP4.ADDRESS[1]:  192.0.2.10/24\nIP4.ADDRESS[2]:  192.0.2.11/24\n"
                      "IP4.GATEWAY:     192.0.2.1\nIP6.ADDRESS[1]:  fe80::1/64\n\n"
                      "GENERAL.DEVICE:  lo\nIP4.GATEWAY:  --\n",
                      &g);
    cr_assert_eq(g.n, 2);
    cr_assert_str_eq(g.v[0].name, "ens192");
    cr_assert_eq(g.v[0].naddrs, 2);
    cr_assert_str_eq(g.v[0].addrs[1].ip, "192.0.2.11");
    cr_assert_str_eq(g.v[0].gateway, "192.0.2.1");
    cr_assert_null(g.v[1].gateway);
    guest_ifaces_free(&g);
    guest_nmcli_parse("", &g);
    cr_assert_eq(g.n, 0);
    guest_ifaces_free(&g);
}

Test(checks, pvc_expected_names_are_cut_as_forklift_cuts_them)
{
    F.run.pvc_name_template = "{{.VmName}}-{{.VmName}}-disk-{{.DiskIndex}}";
    vr_set(&F.src.name, "a-rather-long-virtual-machine-name-x");
    strbuf out = STRBUF_INIT;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(check_pvc_expected(&F.run, &F.v, &F.src.disks[0], 0, 1, &out, &err), 0, "%s", err.msg);
    cr_assert_eq(out.len, 58);
    cr_assert_str_eq(out.buf, "a-rather-long-virtual-machine-name-x-a-rather-long-virtual");
    cr_assert_eq(check_pvc_expected(&F.run, &F.v, &F.src.disks[0], 7, 0, &out, &err), 0, "%s", err.msg);
    cr_assert_eq(out.len, 63);
    F.run.pvc_name_template = "{{ .NoSuchField }}";
    cr_assert_eq(check_pvc_expected(&F.run, &F.v, &F.src.disks[0], 0, 0, &out, &err), -1);
    cr_assert(strstr(err.msg, "NoSuchField"), "%s", err.msg);
    sb_release(&out);
}

Test(checks, vbs_status)
{
    cr_assert(strstr(CHECK_VBS_COMMAND, "Win32_DeviceGuard).VirtualizationBasedSecurityStatus"));
    with_guest("1\r\n");
    F.v.ssh_ok = 0;
    expect_gated("check_vbs_status");
    F.v.ssh_ok = 1;
    expect_pass("check_vbs_status");
    cr_assert_eq(G.runs, 1);
    G.output = "0\r\n";
    expect_pass("check_vbs_status");
    G.output = "\r\n2\r\n";
    expect_one("check_vbs_status", "VBS is still running", "VirtualizationBasedSecurityStatus 2");
    G.output = "12\r\n";
    expect_pass("check_vbs_status");
    G.output = " \r\n";
    expect_one("check_vbs_status", "printed nothing", NULL);
    F.src.win_os = 0;
    expect_gated("check_vbs_status");
    F.src.win_os = 1;
    cJSON_ReplaceItemInObject(F.params, "enable_nested_virtualization", cJSON_CreateTrue());
    expect_gated("check_vbs_status");
}
