/* The OpenShift source adapter (its record from KubeVirt objects is
 * test_kubevirt.c's): its whole life cycle against the real lab
 * (src/lab) with a small simulated KubeVirt controller in this process:
 * create a source VM from a DataSource, start it, wait for the guest agent,
 * read it, list its networks, stop it and delete it; then the same adapter
 * logging in with the entry's user and password through the lab's OAuth
 * server, and a recording of a read replayed with the lab gone. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/providers.h"
#include "k8s/client.h"
#include "lab/lab_server.h"
#include "providers/openshift.h"
#include "providers/prepare.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/log.h"

static cJSON *json(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    cr_assert_not_null(j, "bad test JSON: %s", text);
    return j;
}

/* A running source VM (its record is test_kubevirt.c's business). */
static const char *VM_RUNNING =
    "{\"apiVersion\":\"kubevirt.io/v1\",\"kind\":\"VirtualMachine\","
    " \"metadata\":{\"name\":\"rhel9-src\",\"namespace\":\"src-vms\",\"uid\":\"6b1f0c2e-77aa-4c1e-9d7a-0e5f3c2b1a90\"},"
    " \"spec\":{\"runStrategy\":\"Always\","
    "  \"template\":{\"metadata\":{\"annotations\":{\"vm.kubevirt.io/os\":\"rhel9\"}},"
    "   \"spec\":{\"domain\":{\"cpu\":{\"cores\":1,\"sockets\":1},\"memory\":{\"guest\":\"1Gi\"},"
    "     \"firmware\":{\"uuid\":\"5d307ca9-b3ef-428c-8861-06e72d69f223\",\"serial\":\"SER-1\","
    "                 \"bootloader\":{\"efi\":{\"secureBoot\":true}}},"
    "     \"devices\":{\"tpm\":{},\"interfaces\":["
    "       {\"name\":\"default\",\"masquerade\":{},\"macAddress\":\"02:AB:CD:00:00:01\"},"
    "       {\"name\":\"secondary\",\"bridge\":{}}]}},"
    "    \"networks\":[{\"name\":\"default\",\"pod\":{}},"
    "                  {\"name\":\"secondary\",\"multus\":{\"networkName\":\"mtv-tests/mybridge\"}}],"
    "    \"volumes\":[{\"name\":\"rootdisk\",\"dataVolume\":{\"name\":\"rhel9-src-rootdisk\"}},"
    "                 {\"name\":\"cloudinitdisk\",\"cloudInitNoCloud\":{\"userData\":\"#cloud-config\"}},"
    "                 {\"name\":\"data\",\"persistentVolumeClaim\":{\"claimName\":\"rhel9-src-data\"}}]}}},"
    " \"status\":{\"printableStatus\":\"Running\"}}";

/* ---- against the lab, with a simulated KubeVirt controller ------------------------- */

/* Plays KubeVirt's part for the lab: a VM's DataVolume templates become
 * bound PVCs; a VM whose run strategy (or running flag) says run gets an
 * instance with a guest agent and an IP, and printableStatus Running; one
 * that says halt loses its instance and becomes Stopped. */
typedef struct kubevirt_sim {
    lab_server *lab;
    const lab_kind *vm, *vmi, *pvc;
    atomic_int stop;
    pthread_t th;
} kubevirt_sim;

static void sim_patch_status(kubevirt_sim *s, const lab_kind *k, const char *ns, const char *name,
                             const char *status_json)
{
    cJSON *patch = cJSON_Parse(status_json);
    lab_write_opts o = {.subresource = "status"};
    lab_result res = {0};
    lab_store_patch(lab_server_store(s->lab), k, ns, name, LAB_PATCH_MERGE, patch, &o, &res);
    lab_result_release(&res);
    cJSON_Delete(patch);
}

static void sim_create(kubevirt_sim *s, const lab_kind *k, const char *ns, cJSON *obj)
{
    lab_write_opts o = {0};
    lab_result res = {0};
    lab_store_create(lab_server_store(s->lab), k, ns, obj, &o, &res);
    lab_result_release(&res);
}

static void sim_reconcile(kubevirt_sim *s, const lab_blob *b)
{
    cJSON *vm = lab_blob_parse(b);
    const cJSON *dvt;
    cJSON_ArrayForEach(dvt, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vm, "spec"),
                                                              "dataVolumeTemplates")) {
        const char *name = k8s_obj_str(dvt, "metadata.name");
        const char *size = k8s_obj_str(dvt, "spec.storage.resources.requests.storage");
        const char *sc = k8s_obj_str(dvt, "spec.storageClassName");
        if (!sc)
            sc = k8s_obj_str(dvt, "spec.storage.storageClassName");
        char text[1024];
        snprintf(text, sizeof text,
                 "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolumeClaim\","
                 "\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"},"
                 "\"spec\":{\"storageClassName\":\"%s\",\"volumeMode\":\"Filesystem\","
                 "\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":\"%s\"}}}}",
                 name, b->ns, sc ? sc : "standard", size ? size : "1Gi");
        sim_create(s, s->pvc, b->ns, cJSON_Parse(text));   /* 409 once it exists: fine */
        snprintf(text, sizeof text, "{\"status\":{\"phase\":\"Bound\",\"capacity\":{\"storage\":\"%s\"}}}",
                 size ? size : "1Gi");
        sim_patch_status(s, s->pvc, b->ns, name, text);
    }
    const char *strategy = k8s_obj_str(vm, "spec.runStrategy");
    const cJSON *running = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vm, "spec"),
                                                            "running");
    const char *now = k8s_obj_str(vm, "status.printableStatus");
    int want_run = cJSON_IsBool(running) ? cJSON_IsTrue(running)
                   : strategy && (strcmp(strategy, "Always") == 0 || strcmp(strategy, "RerunOnFailure") == 0) ? 1
                   : strategy && strcmp(strategy, "Halted") == 0 ? 0
                   : now ? -1 : 0;   /* Manual: stays as it is */
    if (want_run == 1 && (!now || strcmp(now, "Running") != 0)) {
        char text[2048];
        snprintf(text, sizeof text,
                 "{\"apiVersion\":\"kubevirt.io/v1\",\"kind\":\"VirtualMachineInstance\","
                 "\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"},"
                 "\"spec\":{\"domain\":{\"cpu\":{\"cores\":1,\"sockets\":1,\"threads\":1},"
                 "\"memory\":{\"guest\":\"2Gi\"},\"devices\":{}}}}",
                 b->name, b->ns);
        sim_create(s, s->vmi, b->ns, cJSON_Parse(text));
        sim_patch_status(s, s->vmi, b->ns, b->name,
                         "{\"status\":{\"phase\":\"Running\",\"nodeName\":\"lab-worker-0\","
                         "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"},"
                         "{\"type\":\"AgentConnected\",\"status\":\"True\"}],"
                         "\"interfaces\":[{\"name\":\"default\",\"mac\":\"02:00:00:aa:bb:01\","
                         "\"interfaceName\":\"eth0\",\"ipAddress\":\"10.0.2.2\","
                         "\"ipAddresses\":[\"10.0.2.2\"]}]}}");
        sim_patch_status(s, s->vm, b->ns, b->name, "{\"status\":{\"printableStatus\":\"Running\"}}");
    } else if (want_run == 0 && (!now || strcmp(now, "Stopped") != 0)) {
        lab_delete_opts o = {0};
        lab_result res = {0};
        lab_store_delete(lab_server_store(s->lab), s->vmi, b->ns, b->name, &o, &res);
        lab_result_release(&res);
        sim_patch_status(s, s->vm, b->ns, b->name, "{\"status\":{\"printableStatus\":\"Stopped\"}}");
    }
    cJSON_Delete(vm);
}

static void *sim_main(void *ud)
{
    kubevirt_sim *s = ud;
    lab_watch_opts wo = {0};
    int code = 0;
    cJSON *status = NULL;
    lab_watch *w = lab_store_watch(lab_server_store(s->lab), s->vm, &wo, &code, &status);
    cJSON_Delete(status);
    while (w && !atomic_load(&s->stop)) {
        lab_event ev;
        int r = lab_watch_next(w, 50, &ev);
        if (r < 0)
            break;
        if (r != 1)
            continue;
        if (ev.type != LAB_DELETED && !ev.obj->terminating)
            sim_reconcile(s, ev.obj);
        lab_event_release(&ev);
    }
    lab_watch_free(w);
    return NULL;
}

static lab_server *lab;
static kubevirt_sim sim;
static char dir[4096];
static kube_config kc;

static void setup(void)
{
    log_set_level(LOG_WARN);
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    strbuf state = STRBUF_INIT;
    fs_join(&state, dir, "state");
    lab_server_config cfg = {.state_dir = state.buf, .bookmark_interval_ms = 100};
    mtv_err err;
    cr_assert_eq(lab_server_new(&cfg, &lab, &err), 0, "%s", err.msg);
    cr_assert_eq(lab_server_start(lab, &err), 0, "%s", err.msg);
    sb_release(&state);
    const lab_kinds *k = lab_server_kinds(lab);
    sim.lab = lab;
    sim.vm = lab_kinds_find(k, "kubevirt.io", "v1", "virtualmachines");
    sim.vmi = lab_kinds_find(k, "kubevirt.io", "v1", "virtualmachineinstances");
    sim.pvc = lab_kinds_find(k, "", "v1", "persistentvolumeclaims");
    cr_assert(sim.vm && sim.vmi && sim.pvc, "the lab serves VMs, VMIs and PVCs");
    atomic_store(&sim.stop, 0);
    cr_assert_eq(pthread_create(&sim.th, NULL, sim_main, &sim), 0);
    cr_assert_eq(kubeconfig_load(&kc, lab_server_kubeconfig_path(lab), NULL, NULL, &err), 0, "%s",
                 err.msg);
}

static void teardown(void)
{
    atomic_store(&sim.stop, 1);
    pthread_join(sim.th, NULL);
    kubeconfig_free(&kc);
    if (lab) {
        lab_server_stop(lab);
        lab_server_free(lab);
    }
    lab = NULL;
}

TestSuite(openshift_lab, .init = setup, .fini = teardown, .timeout = 180);

static void create_namespace(transport *t, const char *name)
{
    k8s_client *c;
    mtv_err err;
    cr_assert_eq(k8s_client_new(&c, &kc, t, &err), 0, "%s", err.msg);
    cJSON *ns = cJSON_CreateObject();
    cJSON_AddStringToObject(cJSON_AddObjectToObject(ns, "metadata"), "name", name);
    int rc = k8s_create(c, &K8S_NAMESPACE, NULL, ns, NULL, &err);
    cr_assert(rc == 0 || rc == K8S_EXISTS, "%s", err.msg);
    cJSON_Delete(ns);
    k8s_client_free(c);
}

#define PASSWORD_CANARY "Canary-Ocp-Pw-91fe!"

static const provider_entry *open_entry(providers_file *pf, const char *user, const char *password)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"ocp\": {\"type\": \"openshift\", \"version\": \"4.18\", \"host\": \"lab\", \"api_url\": \"%s\","
             " \"username\": \"%s\", \"password\": \"%s\", \"storage_class\": \"lab-ceph-rbd\"}}",
             lab_server_url(lab), user, password);
    const provider_entry *entry;
    mtv_err err;
    cr_assert_eq(providers_open(pf, tu_write(dir, "p.json", text), "ocp", log_secrets(), &entry, &err),
                 0, "%s", err.msg);
    return entry;
}

typedef struct ledger {
    int n;
    char kind[32], id[256], name[128], type[32];
} ledger;

static void created(void *ud, const char *type, const char *kind, const char *id, const char *name)
{
    ledger *l = ud;
    l->n++;
    snprintf(l->type, sizeof l->type, "%s", type);
    snprintf(l->kind, sizeof l->kind, "%s", kind);
    snprintf(l->id, sizeof l->id, "%s", id);
    snprintf(l->name, sizeof l->name, "%s", name);
}

Test(openshift_lab, create_start_read_stop_delete)
{
    transport *t;
    transport_config tc = {.mode = TRANSPORT_LIVE};
    mtv_err err;
    cr_assert_eq(transport_open(&t, &tc, &err), 0, "%s", err.msg);
    create_namespace(t, "src-vms");
    providers_file pf;
    const provider_entry *entry = open_entry(&pf, "kubeadmin", PASSWORD_CANARY);
    ledger l = {0};
    source_config cfg = {.t = t, .entry = entry, .kube = &kc, .ocp_namespace = "src-vms",
                         .ocp_network = "mtv-tests/mybridge", .on_created = created,
                         .created_ud = &l};
    source_provider *p;
    cr_assert_eq(source_open(&p, &cfg, &err), 0, "%s", err.msg);

    strbuf id = STRBUF_INIT;
    cr_assert_eq(source_clone(p, "rhel9", "mtv-src-1", NULL, &id, &err), 0, "%s", err.msg);
    cr_assert_str_eq(id.buf, "src-vms/mtv-src-1");
    cr_assert_eq(l.n, 1, "the created VM is reported for teardown");
    cr_assert_str_eq(l.type, "openshift");
    cr_assert_str_eq(l.kind, SOURCE_KIND_VM);
    cr_assert_str_eq(l.id, "src-vms/mtv-src-1");
    cr_assert_eq(source_clone(p, "rhel9", "mtv-src-1", NULL, NULL, &err), -1);
    cr_assert(strstr(err.msg, "src-vms/mtv-src-1 already exists"), "%s", err.msg);

    /* the VM as created: from the DataSource, on the entry's storage class */
    k8s_client *c;
    cr_assert_eq(k8s_client_new(&c, &kc, t, &err), 0, "%s", err.msg);
    cJSON *obj = NULL;
    cr_assert_eq(k8s_get(c, &K8S_VM, "src-vms", "mtv-src-1", &obj, &err), 0, "%s", err.msg);
    cr_assert_str_eq(k8s_obj_str(obj, "spec.runStrategy"), "Manual");
    cr_assert_str_eq(k8s_obj_str(obj, "spec.instancetype.name"), "u1.small");
    cr_assert_str_eq(k8s_obj_str(obj, "spec.preference.name"), "rhel.9");
    const cJSON *dvt = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "spec"),
                                         "dataVolumeTemplates"), 0);
    cr_assert_str_eq(k8s_obj_str(dvt, "spec.sourceRef.name"), "rhel9");
    cr_assert_str_eq(k8s_obj_str(dvt, "spec.sourceRef.namespace"), "openshift-virtualization-os-images");
    cr_assert_str_eq(k8s_obj_str(dvt, "spec.storage.storageClassName"), "lab-ceph-rbd");
    cJSON_Delete(obj);

    cr_assert_eq(source_power(p, "mtv-src-1", VM_POWER_ON, 60000, &err), 0, "%s", err.msg);
    cr_assert_eq(source_wait_guest(p, "mtv-src-1", 60000, &err), 0, "%s", err.msg);
    vm_record r;
    vm_record_init(&r);
    cr_assert_eq(source_vm_info(p, "src-vms/mtv-src-1", &r, &err), 0, "%s", err.msg);
    cr_assert_str_eq(r.name, "mtv-src-1");
    cr_assert_not_null(r.id, "the VM's uid");
    cr_assert_eq(r.power, VM_POWER_ON);
    cr_assert_eq(r.guest_agent_running, 1);
    cr_assert_str_eq(r.host, "lab-worker-0");
    cr_assert_eq(r.cpu_sockets, 1);
    cr_assert_eq(r.memory_mb, 2048);
    cr_assert_eq(r.nnics, 2);
    cr_assert_str_eq(r.nics[0].network_name, "pod");
    cr_assert_str_eq(r.nics[0].guest_nic_name, "eth0");
    cr_assert_str_eq(r.nics[0].ips[0].ip, "10.0.2.2");
    cr_assert_str_eq(r.nics[1].network_name, "mybridge");
    cr_assert_eq(r.ndisks, 1, "the root disk; cloud-init is not a disk");
    cr_assert_str_eq(r.disks[0].device_key, "mtv-src-1-rootdisk");
    cr_assert_eq(r.disks[0].size_kb, 30LL * 1024 * 1024);
    cr_assert_str_eq(r.disks[0].storage_name, "lab-ceph-rbd");
    vm_record_free(&r);

    source_network *nets;
    size_t n;
    cr_assert_eq(source_networks(p, "mtv-src-1", &nets, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(nets[0].name, "pod");
    cr_assert_str_eq(nets[1].name, "mybridge");
    cr_assert_str_eq(nets[1].id, "mtv-tests/mybridge");
    source_networks_free(nets, n);

    cr_assert_eq(source_power(p, "mtv-src-1", VM_POWER_OFF, 60000, &err), 0, "%s", err.msg);
    cr_assert_eq(source_wait_guest(p, "mtv-src-1", 1000, &err), -1);
    cr_assert(strstr(err.msg, "Stopped"), "%s", err.msg);
    vm_record_init(&r);
    cr_assert_eq(source_vm_info(p, "mtv-src-1", &r, &err), 0, "%s", err.msg);
    cr_assert_eq(r.power, VM_POWER_OFF);
    cr_assert_eq(r.guest_agent_running, 0);
    cr_assert_null(r.host, "no instance once stopped");
    vm_record_free(&r);

    cr_assert_eq(source_delete(p, l.kind, l.id, l.name, &err), 0, "%s", err.msg);
    obj = NULL;
    cr_assert_eq(k8s_get(c, &K8S_VM, "src-vms", "mtv-src-1", &obj, &err), K8S_NOT_FOUND);
    cr_assert_eq(source_delete(p, l.kind, l.id, l.name, &err), 0, "deleting twice is not an error");
    cr_assert_eq(source_delete(p, SOURCE_KIND_SNAPSHOT, "x", "x", &err), -1);
    cr_assert(strstr(err.msg, "snapshot"), "%s", err.msg);

    cr_assert_eq(source_vm_info(p, "no-such-vm", &r, &err), -1);
    cr_assert(strstr(err.msg, "no VirtualMachine src-vms/no-such-vm"), "%s", err.msg);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);

    k8s_client_free(c);
    sb_release(&id);
    source_close(p);
    providers_file_free(&pf);
    transport_free(t);
}

Test(openshift_lab, oauth_login_with_the_entry_then_a_recorded_read_replays_without_the_lab)
{
    lab_auth *a = lab_server_auth(lab);
    strbuf ca = STRBUF_INIT, journal = STRBUF_INIT, bundle = STRBUF_INIT;
    fs_join(&ca, dir, "ca.pem");
    mtv_err err;
    cr_assert_eq(fs_write_atomic(ca.buf, lab_server_ca_pem(lab), strlen(lab_server_ca_pem(lab)), &err),
                 0, "%s", err.msg);
    fs_join(&journal, dir, "journal.ndjson");
    fs_join(&bundle, dir, "ocp.tar");
    transport *t;
    transport_config live = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(&t, &live, &err), 0, "%s", err.msg);
    create_namespace(t, "default");
    k8s_client *c;
    cr_assert_eq(k8s_client_new(&c, &kc, t, &err), 0, "%s", err.msg);
    cJSON *vm = json(VM_RUNNING);
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(vm, "metadata"), "namespace",
                                           cJSON_CreateString("default"));
    cr_assert_eq(k8s_create(c, &K8S_VM, NULL, vm, NULL, &err), 0, "%s", err.msg);
    cJSON_Delete(vm);
    k8s_client_free(c);
    providers_file pf;
    const provider_entry *entry = open_entry(&pf, lab_auth_username(a), PASSWORD_CANARY);
    source_config kcfg = {.t = t, .entry = entry, .kube = &kc};
    source_provider *p = NULL;
    cr_assert_eq(source_open(&p, &kcfg, &err), 0, "%s", err.msg);
    cr_assert_eq(source_wait_guest(p, "rhel9-src", 60000, &err), 0, "%s", err.msg);
    source_close(p);
    providers_file_free(&pf);
    transport_free(t);

    /* a wrong password is refused, clearly, and never echoed */
    entry = open_entry(&pf, lab_auth_username(a), PASSWORD_CANARY);
    cr_assert_eq(transport_open(&t, &live, &err), 0, "%s", err.msg);
    source_config cfg = {.t = t, .entry = entry, .ca_file = ca.buf};
    cr_assert_eq(source_open(&p, &cfg, &err), -1);
    cr_assert(strstr(err.msg, "rejected the user name or password"), "%s", err.msg);
    cr_assert(!strstr(err.msg, PASSWORD_CANARY), "%s", err.msg);
    transport_free(t);
    providers_file_free(&pf);

    /* the right one logs in and reads the VM, recorded */
    entry = open_entry(&pf, lab_auth_username(a), lab_auth_password(a));
    transport_config rec = {.mode = TRANSPORT_RECORD, .journal_path = journal.buf, .scenario = "ocp"};
    cr_assert_eq(transport_open(&t, &rec, &err), 0, "%s", err.msg);
    cfg.t = t;
    cfg.entry = entry;
    cr_assert_eq(source_open(&p, &cfg, &err), 0, "%s", err.msg);
    vm_record live_r;
    vm_record_init(&live_r);
    cr_assert_eq(source_vm_info(p, "rhel9-src", &live_r, &err), 0, "%s", err.msg);
    cr_assert_str_eq(live_r.name, "rhel9-src");
    cr_assert_eq(live_r.power, VM_POWER_ON);
    cr_assert_eq(live_r.guest_agent_running, 1);
    cr_assert_eq(live_r.cpu_sockets, 1, "from the running instance");
    cr_assert_eq(live_r.nnics, 2);
    source_close(p);
    cr_assert_eq(transport_finish(t, bundle.buf, NULL, &err), 0, "%s", err.msg);
    transport_free(t);
    size_t nbytes;
    char *bytes = tu_read(bundle.buf, &nbytes);
    cr_assert(!tu_contains(bytes, nbytes, lab_auth_password(a)), "the password reached the cassette");
    free(bytes);

    /* the lab is gone; the recording answers the same calls */
    atomic_store(&sim.stop, 1);
    lab_server_stop(lab);
    transport_config rep = {.mode = TRANSPORT_REPLAY, .cassette_path = bundle.buf};
    cr_assert_eq(transport_open(&t, &rep, &err), 0, "%s", err.msg);
    cfg.t = t;
    cr_assert_eq(source_open(&p, &cfg, &err), 0, "%s", err.msg);
    vm_record replayed;
    vm_record_init(&replayed);
    cr_assert_eq(source_vm_info(p, "rhel9-src", &replayed, &err), 0, "%s", err.msg);
    cJSON *a_json = vm_record_to_json(&live_r), *b_json = vm_record_to_json(&replayed);
    cr_assert(cJSON_Compare(a_json, b_json, 1), "the replayed record equals the live one");
    cJSON_Delete(a_json);
    cJSON_Delete(b_json);
    source_close(p);
    strbuf unused = STRBUF_INIT;
    cr_assert_eq(transport_unused(t, &unused), 0, "%s", sb_str(&unused));
    sb_release(&unused);
    transport_free(t);
    vm_record_free(&live_r);
    vm_record_free(&replayed);
    providers_file_free(&pf);
    sb_release(&ca);
    sb_release(&journal);
    sb_release(&bundle);
}

Test(openshift_lab, prepare_creates_starts_and_reads_the_source_vm)
{
    transport *t;
    transport_config tc = {.mode = TRANSPORT_LIVE};
    mtv_err err;
    cr_assert_eq(transport_open(&t, &tc, &err), 0, "%s", err.msg);
    create_namespace(t, "prep-src");
    providers_file pf;
    const provider_entry *entry = open_entry(&pf, "kubeadmin", PASSWORD_CANARY);
    ledger l = {0};
    source_config cfg = {.t = t, .entry = entry, .kube = &kc, .ocp_namespace = "prep-src",
                         .on_created = created, .created_ud = &l};
    source_provider *p;
    cr_assert_eq(source_open(&p, &cfg, &err), 0, "%s", err.msg);
    cJSON *params = json("{\"virtual_machines\": [{\"name\": \"rhel9\", \"source_vm_power\": \"on\","
                         " \"guest_agent\": true}], \"guest_agent_timeout\": 60}");
    prepare_options po = {.params = params, .name_prefix = "auto-prep"};
    prepared_vm *pvs;
    size_t npv;
    cr_assert_eq(source_prepare(p, &po, &pvs, &npv, &err), 0, "%s", err.msg);
    cr_assert_eq(npv, 1);
    cr_assert(pvs[0].cloned, "a new source VM was made");
    cr_assert(!strncmp(pvs[0].name, "auto-prep-rhel9-", 16), "%s", pvs[0].name);
    cr_assert_eq(pvs[0].record.power, VM_POWER_ON);
    cr_assert_eq(pvs[0].record.guest_agent_running, 1);
    cr_assert_str_eq(pvs[0].record.name, pvs[0].name);
    cr_assert_eq(l.n, 1, "reported for teardown before anything else happened to it");
    cr_assert(strstr(l.id, pvs[0].name) && !strncmp(l.id, "prep-src/", 9), "%s", l.id);
    /* deleting by the record's id (the uid) and name removes the right VM */
    cr_assert_eq(source_delete(p, SOURCE_KIND_VM, pvs[0].id, pvs[0].name, &err), 0, "%s", err.msg);
    k8s_client *c;
    cr_assert_eq(k8s_client_new(&c, &kc, t, &err), 0, "%s", err.msg);
    cJSON *obj = NULL;
    cr_assert_eq(k8s_get(c, &K8S_VM, "prep-src", pvs[0].name, &obj, &err), K8S_NOT_FOUND);
    k8s_client_free(c);
    source_prepare_free(pvs, npv);
    cJSON_Delete(params);
    source_close(p);
    providers_file_free(&pf);
    transport_free(t);
}
