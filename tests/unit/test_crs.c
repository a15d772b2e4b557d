/* Unit tests for mtv/crs: the bodies of every object the lifecycle creates,
 * against upstream's keys per provider type and the Forklift API shapes,
 * using the shipped scenario catalog's own params. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "mtv/crs.h"
#include "testutil.h"
#include "util/codec.h"
#include "util/json.h"

static const char PROVIDERS[] =
    "{\n"
    " \"vs\": {\"type\": \"vsphere\", \"version\": \"8.0\", \"fqdn\": \"vc.example.com\",\n"
    "        \"api_url\": \"https://vc.example.com/sdk\", \"username\": \"admin@vsphere.local\",\n"
    "        \"password\": \"Vs-canary-pass\", \"vddk_init_image\": \"quay.io/x/vddk:8\",\n"
    "        \"endpoint_type\": \"esxi\",\n"
    "        \"copyoffload\": {\"storage_vendor_product\": \"ontap\", \"datastore_id\": \"datastore-1\",\n"
    "           \"storage_hostname\": \"array.example.com\", \"storage_username\": \"admin\",\n"
    "           \"storage_password\": \"Array-canary-pass\", \"ontap_svm\": \"svm1\",\n"
    "           \"storage_secret_extra\": {\"ONTAP_SVM\": \"svm2\", \"SKIP_SSL\": true}}},\n"
    " \"rhv\": {\"type\": \"ovirt\", \"version\": \"4.5\", \"fqdn\": \"engine.example.com\",\n"
    "        \"api_url\": \"https://engine.example.com/ovirt-engine/api\",\n"
    "        \"username\": \"admin@internal\", \"password\": \"Ovirt-canary-pass\"},\n"
    " \"osp\": {\"type\": \"openstack\", \"version\": \"17\", \"fqdn\": \"keystone.example.com\",\n"
    "        \"api_url\": \"https://keystone.example.com:13000/v3\", \"username\": \"u\",\n"
    "        \"password\": \"Osp-canary-pass\", \"user_domain_name\": \"Default\",\n"
    "        \"region_name\": \"regionOne\", \"project_name\": \"mtv\",\n"
    "        \"user_domain_id\": \"default\", \"project_domain_id\": \"default\"},\n"
    " \"ova\": {\"type\": \"ova\", \"version\": \"1\", \"fqdn\": \"nfs.example.com\",\n"
    "        \"api_url\": \"nfs.example.com:/ova\", \"username\": \"x\", \"password\": \"Ova-canary-pass\"},\n"
    " \"ocp\": {\"type\": \"openshift\", \"version\": \"4.19\", \"host\": \"api.example.com\",\n"
    "        \"api_url\": \"https://api.example.com:6443\", \"username\": \"kubeadmin\",\n"
    "        \"password\": \"Ocp-canary-pass\", \"storage_class\": \"sc\"}\n"
    "}\n";

static providers_file pf;

static void load_providers(void)
{
    const char *p = tu_write(tu_tmpdir(), "providers.json", PROVIDERS);
    diag_list diags = DIAG_LIST_INIT;
    cr_assert_eq(providers_file_load(&pf, p, NULL, &diags), 0);
    diag_free(&diags);
}

static void free_providers(void)
{
    providers_file_free(&pf);
}

static const provider_entry *entry(const char *key)
{
    mtv_err err;
    const provider_entry *e = providers_get(&pf, key, &err);
    cr_assert_not_null(e, "%s", err.msg);
    return e;
}

static const char *at(const cJSON *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *cur = o;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
        cur = (*tok >= '0' && *tok <= '9') ? cJSON_GetArrayItem(cur, atoi(tok))
                                           : cJSON_GetObjectItemCaseSensitive(cur, tok);
    return cJSON_GetStringValue(cur);
}

static const cJSON *node(const cJSON *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *cur = o;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
        cur = (*tok >= '0' && *tok <= '9') ? cJSON_GetArrayItem(cur, atoi(tok))
                                           : cJSON_GetObjectItemCaseSensitive(cur, tok);
    return cur;
}

TestSuite(crs, .init = load_providers, .fini = free_providers);

Test(crs, namespace_carries_upstreams_labels)
{
    cJSON *ns = mtv_cr_namespace("auto-a1b2");
    cr_assert_str_eq(at(ns, "kind"), "Namespace");
    cr_assert_str_eq(at(ns, "metadata.name"), "auto-a1b2");
    const cJSON *labels = node(ns, "metadata.labels");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(labels, "pod-security.kubernetes.io/enforce")),
                     "restricted");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(labels, "pod-security.kubernetes.io/enforce-version")),
                     "latest");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(labels, "mutatevirtualmachines.kubemacpool.io")),
                     "ignore");
    cJSON_Delete(ns);
}

Test(crs, secrets_have_upstreams_keys_per_type)
{
    mtv_err err;
    cJSON *s;
    mtv_secret_spec spec = {.ref = {"sec", "ns"}, .entry = entry("vs"),
                            .url = "https://vc.example.com/sdk", .insecure = 0,
                            .cacert = "-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n"};
    cr_assert_eq(mtv_cr_provider_secret(&spec, &s, &err), 0, "%s", err.msg);
    cr_assert_str_eq(at(s, "stringData.user"), "admin@vsphere.local");
    cr_assert_str_eq(at(s, "stringData.password"), "Vs-canary-pass");
    cr_assert_str_eq(at(s, "stringData.url"), "https://vc.example.com/sdk");
    cr_assert_str_eq(at(s, "stringData.insecureSkipVerify"), "false");
    cr_assert_not_null(at(s, "stringData.cacert"));
    cr_assert_str_eq(at(s, "metadata.labels.createdForProviderType"), "vsphere");
    cJSON_Delete(s);

    spec.insecure = 1;   /* no CA when verification is off */
    cr_assert_eq(mtv_cr_provider_secret(&spec, &s, &err), 0);
    cr_assert_null(at(s, "stringData.cacert"));
    cr_assert_str_eq(at(s, "stringData.insecureSkipVerify"), "true");
    cJSON_Delete(s);

    spec.entry = entry("rhv");   /* oVirt: CA always (imageio) */
    spec.ca_key = "ca.crt";
    cr_assert_eq(mtv_cr_provider_secret(&spec, &s, &err), 0);
    cr_assert_not_null(cJSON_GetStringValue(cJSON_GetObjectItem(node(s, "stringData"), "ca.crt")));
    cr_assert_null(at(s, "stringData.cacert"));
    cr_assert_str_eq(at(s, "stringData.user"), "admin@internal");
    cJSON_Delete(s);

    spec.entry = entry("osp");
    spec.insecure = 0;
    spec.ca_key = NULL;
    cr_assert_eq(mtv_cr_provider_secret(&spec, &s, &err), 0);
    cr_assert_str_eq(at(s, "stringData.username"), "u");
    cr_assert_str_eq(at(s, "stringData.regionName"), "regionOne");
    cr_assert_str_eq(at(s, "stringData.projectName"), "mtv");
    cr_assert_str_eq(at(s, "stringData.domainName"), "Default");
    cr_assert_null(at(s, "stringData.user"));
    cJSON_Delete(s);

    spec.entry = entry("ova");
    cr_assert_eq(mtv_cr_provider_secret(&spec, &s, &err), 0);
    cr_assert_null(at(s, "stringData.password"));
    cr_assert_null(at(s, "stringData.cacert"));
    cr_assert_eq(cJSON_GetArraySize(node(s, "stringData")), 2);
    cJSON_Delete(s);

    spec.entry = entry("ocp");
    cr_assert_eq(mtv_cr_provider_secret(&spec, &s, &err), -1);
    cr_assert(strstr(err.msg, "token"));
    spec.token = "sha256~tok";
    cr_assert_eq(mtv_cr_provider_secret(&spec, &s, &err), 0);
    cr_assert_str_eq(at(s, "stringData.token"), "sha256~tok");
    cr_assert_str_eq(at(s, "stringData.insecureSkipVerify"), "true");
    cJSON_Delete(s);
}

Test(crs, ca_rules_and_endpoint)
{
    cr_assert(mtv_provider_needs_ca(PROVIDER_OVIRT, 1));
    cr_assert(mtv_provider_needs_ca(PROVIDER_VSPHERE, 0));
    cr_assert_not(mtv_provider_needs_ca(PROVIDER_VSPHERE, 1));
    cr_assert_not(mtv_provider_needs_ca(PROVIDER_OVA, 0));
    cr_assert_not(mtv_provider_needs_ca(PROVIDER_OPENSHIFT, 0));
    strbuf host = STRBUF_INIT;
    int port;
    mtv_err err;
    cr_assert_eq(mtv_provider_ca_endpoint(entry("vs"), &host, &port, &err), 0);
    cr_assert_str_eq(host.buf, "vc.example.com");
    cr_assert_eq(port, 443);
    sb_reset(&host);
    cr_assert_eq(mtv_provider_ca_endpoint(entry("osp"), &host, &port, &err), 0);
    cr_assert_str_eq(host.buf, "keystone.example.com", "the port api_url names");
    cr_assert_eq(port, 13000);
    sb_reset(&host);
    cr_assert_eq(mtv_provider_ca_endpoint(entry("ocp"), &host, &port, &err), 0);
    cr_assert_str_eq(host.buf, "api.example.com");
    cr_assert_eq(port, 6443);
    sb_reset(&host);
    cr_assert_eq(mtv_provider_ca_endpoint(entry("ova"), &host, &port, &err), 0);
    cr_assert_str_eq(host.buf, "nfs.example.com", "an NFS share has no URL scheme: fqdn");
    sb_release(&host);
    providers_file nofqdn;
    diag_list diags = DIAG_LIST_INIT;
    const char *p = tu_write(tu_tmpdir(), "nofqdn.json",
                             "{\"x\": {\"type\": \"vsphere\", \"api_url\": \"https://vc/sdk\"}}");
    cr_assert_eq(providers_file_load(&nofqdn, p, NULL, &diags), 0);
    diag_free(&diags);
    strbuf h2 = STRBUF_INIT;
    cr_assert_eq(mtv_provider_ca_endpoint(&nofqdn.entries[0], &h2, &port, &err), -1);
    sb_release(&h2);
    providers_file_free(&nofqdn);
    cr_assert(strstr(err.msg, "fqdn"));
}

Test(crs, providers_and_destinations)
{
    cJSON *p = mtv_cr_provider((mtv_ref){"src", "ns"}, entry("vs"), "https://vc.example.com/sdk",
                               (mtv_ref){"sec", "ns"}, 1);
    cr_assert_str_eq(at(p, "apiVersion"), MTV_API_FORKLIFT);
    cr_assert_str_eq(at(p, "spec.type"), "vsphere");
    cr_assert_str_eq(at(p, "spec.secret.name"), "sec");
    cr_assert_str_eq(at(p, "spec.settings.vddkInitImage"), "quay.io/x/vddk:8");
    cr_assert_str_eq(at(p, "spec.settings.sdkEndpoint"), "esxi");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(node(p, "metadata.annotations"),
                                                              "forklift.konveyor.io/empty-vddk-init-image")),
                     "yes");
    cJSON_Delete(p);
    p = mtv_cr_provider((mtv_ref){"src", "ns"}, entry("rhv"), "u", (mtv_ref){"sec", "ns"}, 1);
    cr_assert_null(node(p, "spec.settings"));
    cr_assert_null(node(p, "metadata.annotations"));
    cJSON_Delete(p);
    cJSON *d = mtv_cr_destination((mtv_ref){"auto-a1b2-local-ocp-provider", "ns"}, NULL, NULL);
    cr_assert_str_eq(at(d, "spec.type"), "openshift");
    cr_assert_str_eq(at(d, "spec.url"), "");
    cr_assert_eq(cJSON_GetArraySize(node(d, "spec.secret")), 0);
    cJSON_Delete(d);
    mtv_ref tok = {"tok", "ns"};
    d = mtv_cr_destination((mtv_ref){"dst", "ns"}, "https://api.remote:6443", &tok);
    cr_assert_str_eq(at(d, "spec.secret.name"), "tok");
    cJSON_Delete(d);
    cr_assert_str_eq(mtv_provider_url(entry("ocp"), "https://api.here:6443"), "https://api.here:6443");
    cr_assert_str_eq(mtv_provider_url(entry("ova"), NULL), "nfs.example.com:/ova");
}

Test(crs, maps_and_nads)
{
    cJSON *sources = cJSON_Parse("[{\"name\": \"datastore1\"}, {\"name\": \"datastore2\"}]");
    cJSON *sm = mtv_cr_storagemap((mtv_ref){"sm", "ns"}, (mtv_ref){"src", "ns"}, (mtv_ref){"dst", "ns"},
                                  sources, "ceph-rbd", "ReadWriteOnce", NULL, NULL);
    cr_assert_eq(cJSON_GetArraySize(node(sm, "spec.map")), 2);
    cr_assert_str_eq(at(sm, "spec.map.1.source.name"), "datastore2");
    cr_assert_str_eq(at(sm, "spec.map.0.destination.storageClass"), "ceph-rbd");
    cr_assert_str_eq(at(sm, "spec.map.0.destination.accessMode"), "ReadWriteOnce");
    cr_assert_null(node(sm, "spec.map.0.destination.volumeMode"));
    cr_assert_str_eq(at(sm, "spec.provider.destination.name"), "dst");
    cJSON_Delete(sm);

    const char *dss[] = {"datastore-1", "datastore-9", NULL};
    cJSON *hosts = cJSON_Parse("[\"host-1\"]");
    mtv_offload off = {"xcopy-secret", "ontap", hosts, dss};
    sm = mtv_cr_storagemap((mtv_ref){"sm", "ns"}, (mtv_ref){"src", "ns"}, (mtv_ref){"dst", "ns"}, NULL,
                           "sc", NULL, NULL, &off);
    cr_assert_eq(cJSON_GetArraySize(node(sm, "spec.map")), 2);
    cr_assert_str_eq(at(sm, "spec.map.1.source.id"), "datastore-9");
    cr_assert_str_eq(at(sm, "spec.map.0.destination.volumeMode"), "Block");
    cr_assert_str_eq(at(sm, "spec.map.0.offloadPlugin.vsphereXcopyConfig.secretRef"), "xcopy-secret");
    cr_assert_str_eq(at(sm, "spec.map.0.offloadPlugin.vsphereXcopyConfig.dedicatedMigrationHosts.0"),
                     "host-1");
    cJSON_Delete(sm);
    cJSON_Delete(hosts);

    cJSON *nets = cJSON_Parse("[{\"name\": \"VM Network\"}, {\"name\": \"Mgmt\"}, {\"name\": \"Storage\"}]");
    cJSON *nm = mtv_cr_networkmap((mtv_ref){"nm", "ns"}, (mtv_ref){"src", "ns"}, (mtv_ref){"dst", "ns"},
                                  nets, "cb-0a1b2c", "default", 0);
    cr_assert_str_eq(at(nm, "spec.map.0.destination.type"), "pod");
    cr_assert_str_eq(at(nm, "spec.map.1.destination.type"), "multus");
    cr_assert_str_eq(at(nm, "spec.map.1.destination.name"), "cb-0a1b2c-1");
    cr_assert_str_eq(at(nm, "spec.map.2.destination.name"), "cb-0a1b2c-2");
    cr_assert_str_eq(at(nm, "spec.map.2.destination.namespace"), "default");
    cr_assert_str_eq(at(nm, "spec.map.2.source.name"), "Storage");
    cJSON_Delete(nm);
    nm = mtv_cr_networkmap((mtv_ref){"nm", "ns"}, (mtv_ref){"s", "ns"}, (mtv_ref){"d", "ns"}, nets,
                           "cb", "ns", 1);
    cr_assert_str_eq(at(nm, "spec.map.2.destination.type"), "pod");
    cJSON_Delete(nm);
    cJSON_Delete(nets);
    cJSON_Delete(sources);

    cr_assert_eq(mtv_nad_count(0), 0);
    cr_assert_eq(mtv_nad_count(1), 0);
    cr_assert_eq(mtv_nad_count(3), 2);
    cJSON *nad = mtv_cr_nad("cb-0a1b2c", 1, "default");
    cr_assert_str_eq(at(nad, "metadata.name"), "cb-0a1b2c-1");
    cJSON *cfg = cJSON_Parse(at(nad, "spec.config"));
    cr_assert_str_eq(at(cfg, "type"), "cnv-bridge");
    cr_assert_str_eq(at(cfg, "cniVersion"), "0.3.1");
    cJSON_Delete(cfg);
    cJSON_Delete(nad);
    nad = mtv_cr_nad("cb-0a1b2c", 2, "default");
    cfg = cJSON_Parse(at(nad, "spec.config"));
    cr_assert_str_eq(at(cfg, "type"), "bridge");
    cr_assert_str_eq(at(cfg, "bridge"), "cb-0a1b2c-2");
    cJSON_Delete(cfg);
    cJSON_Delete(nad);
}

Test(crs, hooks)
{
    mtv_err err;
    cJSON *h, *params = cJSON_Parse("{\"expected_result\": \"fail\"}");
    cr_assert_eq(mtv_cr_hook((mtv_ref){"post", "ns"}, params, &h, &err), 0);
    cr_assert_str_eq(at(h, "spec.image"), MTV_HOOK_IMAGE);
    strbuf pb = STRBUF_INIT;
    const char *b64 = at(h, "spec.playbook");
    cr_assert_eq(b64_decode(&pb, b64, strlen(b64)), 0);
    cr_assert(strstr(pb.buf, "designed to fail"));
    cr_assert(strstr(pb.buf, "hosts: localhost"));
    sb_release(&pb);
    cJSON_Delete(h);
    cJSON_Delete(params);

    params = cJSON_Parse("{\"playbook_base64\": \"LSBob3N0czogbG9jYWxob3N0Cg==\"}");
    cr_assert_eq(mtv_cr_hook((mtv_ref){"pre", "ns"}, params, &h, &err), 0);
    cr_assert_str_eq(at(h, "spec.playbook"), "LSBob3N0czogbG9jYWxob3N0Cg==");
    cJSON_Delete(h);
    cJSON_Delete(params);

    params = cJSON_Parse("{\"aap_job_template_id\": 42}");
    cr_assert_eq(mtv_cr_hook((mtv_ref){"pre", "ns"}, params, &h, &err), 0);
    cr_assert_eq(cJSON_GetNumberValue(node(h, "spec.aap.jobTemplateId")), 42);
    cr_assert_null(node(h, "spec.image"));
    cJSON_Delete(h);
    cJSON_Delete(params);

    params = cJSON_Parse("{\"expected_result\": \"maybe\"}");
    cr_assert_eq(mtv_cr_hook((mtv_ref){"pre", "ns"}, params, &h, &err), -1);
    cr_assert(strstr(err.msg, "expected_result"));
    cJSON_Delete(params);

    params = cJSON_Parse("{\"pre_hook\": {\"expected_result\": \"succeed\"}, "
                         "\"post_hook\": {\"expected_result\": \"fail\"}}");
    cr_assert_str_eq(mtv_hook_expected_failure(params), "PostHook");
    cJSON_Delete(params);
    params = cJSON_Parse("{}");
    cr_assert_null(mtv_hook_expected_failure(params));
    cJSON_Delete(params);
}

static cJSON *scenario_params(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "scenarios/%s.json", name);
    json_doc doc;
    mtv_err err;
    cr_assert_eq(json_doc_load(&doc, tu_src(rel), JSON_HASH_COMMENTS, &err), 0, "%s", err.msg);
    cJSON *p = cJSON_DetachItemFromObjectCaseSensitive(doc.root, "params");
    json_doc_free(&doc);
    return p;
}

static mtv_plan_spec plan_spec(const cJSON *params, const mtv_plan_vm *vms, size_t n)
{
    mtv_plan_spec p = {
        .ref = {"auto-a1b2-source-vsphere-8-0-k7p5-warm", "auto-a1b2"},
        .source = {"src", "auto-a1b2"},
        .destination = {"auto-a1b2-local-ocp-provider", "auto-a1b2"},
        .storage_map = {"sm", "auto-a1b2"},
        .network_map = {"nm", "auto-a1b2"},
        .target_namespace = "mtv-vms-warm-comprehensive-1a2b",
        .vms = vms,
        .n_vms = n,
        .params = params,
        .provider_type = "vsphere",
        .session = "auto-a1b2",
    };
    return p;
}

Test(crs, plan_sends_every_key_the_scenario_sets_false_included)
{
    cJSON *params = scenario_params("test_warm_migration_comprehensive");
    mtv_plan_vm vms[] = {{"vm-1041", "mtv-win2022-ip-3disks", NULL, NULL, NULL, NULL}};
    mtv_plan_spec spec = plan_spec(params, vms, 1);
    cJSON *plan;
    mtv_err err;
    cr_assert_eq(mtv_cr_plan(&spec, &plan, &err), 0, "%s", err.msg);
    const cJSON *s = node(plan, "spec");
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(s, "warm")));
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(s, "preserveStaticIPs")));
    const cJSON *nested = cJSON_GetObjectItem(s, "enableNestedVirtualization");
    cr_assert(cJSON_IsFalse(nested), "an explicit false must be sent");
    cr_assert_str_eq(at(plan, "spec.targetPowerState"), "on");
    cr_assert_str_eq(at(plan, "spec.targetNamespace"), "mtv-vms-warm-comprehensive-1a2b");
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(s, "pvcNameTemplateUseGenerateName")));
    cr_assert(strstr(at(plan, "spec.pvcNameTemplate"), ".FileName"), "vsphere's own template");
    cr_assert_str_eq(at(plan, "spec.targetLabels.mtv-comprehensive-test"), "auto-a1b2");
    cr_assert_str_eq(at(plan, "spec.targetLabels.static-label"), "static-value");
    cr_assert_eq(cJSON_GetNumberValue(node(plan, "spec.targetAffinity.podAffinity."
                                                 "preferredDuringSchedulingIgnoredDuringExecution.0.weight")),
                 75);
    cr_assert_str_eq(at(plan, "spec.vms.0.id"), "vm-1041");
    cr_assert_null(node(plan, "spec.vms.0.hooks"));
    cr_assert_str_eq(at(plan, "spec.provider.destination.name"), "auto-a1b2-local-ocp-provider");
    cr_assert_str_eq(at(plan, "spec.map.network.name"), "nm");
    cJSON_Delete(plan);

    spec.provider_type = "ovirt";   /* the map's "default" */
    cr_assert_eq(mtv_cr_plan(&spec, &plan, &err), 0);
    cr_assert(strstr(at(plan, "spec.pvcNameTemplate"), ".VmName"));
    cJSON_Delete(plan);

    cJSON_ReplaceItemInObject(params, "preserve_static_ips", cJSON_CreateFalse());
    cr_assert_eq(mtv_cr_plan(&spec, &plan, &err), 0);
    cr_assert(cJSON_IsFalse(node(plan, "spec.preserveStaticIPs")));
    cJSON_Delete(plan);
    cJSON_Delete(params);
}

Test(crs, plan_attaches_hooks_to_every_vm)
{
    cJSON *params = scenario_params("test_post_hook_retain_failed_vm");
    mtv_plan_vm vms[] = {{"vm-1", "a", NULL, NULL, NULL, NULL}, {"vm-2", "b", "auto-a1b2-b", NULL, "luks-1", NULL}};
    mtv_plan_spec spec = plan_spec(params, vms, 2);
    spec.pre_hook = (mtv_ref){"pre", "auto-a1b2"};
    spec.post_hook = (mtv_ref){"post", "auto-a1b2"};
    cJSON *plan;
    mtv_err err;
    cr_assert_eq(mtv_cr_plan(&spec, &plan, &err), 0, "%s", err.msg);
    for (int i = 0; i < 2; i++) {
        char p[64];
        snprintf(p, sizeof p, "spec.vms.%d.hooks.0.step", i);
        cr_assert_str_eq(at(plan, p), "PreHook");
        snprintf(p, sizeof p, "spec.vms.%d.hooks.1.hook.name", i);
        cr_assert_str_eq(at(plan, p), "post");
    }
    cr_assert_str_eq(at(plan, "spec.vms.1.targetName"), "auto-a1b2-b");
    cr_assert_str_eq(at(plan, "spec.vms.1.luks.name"), "luks-1");
    cr_assert(cJSON_IsFalse(node(plan, "spec.warm")));
    cr_assert_str_eq(at(plan, "spec.targetPowerState"), "off");
    cr_assert_null(node(plan, "spec.preserveStaticIPs"), "not set by the scenario: CRD default");
    cJSON_Delete(plan);
    cJSON_Delete(params);
}

Test(crs, pvc_template_errors_and_copyoffload)
{
    cJSON *params = cJSON_Parse("{\"pvc_name_template\": {\"vsphere\": \"a\"}}");
    const char *t;
    mtv_err err;
    cr_assert_eq(mtv_pvc_name_template(params, "ovirt", &t, &err), -1);
    cr_assert(strstr(err.msg, "'ovirt'"));
    cr_assert_eq(mtv_pvc_name_template(params, "vsphere", &t, &err), 0);
    cr_assert_str_eq(t, "a");
    cJSON_AddTrueToObject(params, "copyoffload");
    cr_assert_eq(mtv_pvc_name_template(params, "ovirt", &t, &err), 0);
    cr_assert_str_eq(t, "pvc");
    cJSON_Delete(params);
    params = cJSON_Parse("{\"target_labels\": {\"x\": 5}}");
    mtv_plan_spec spec = plan_spec(params, NULL, 0);
    cJSON *plan;
    cr_assert_eq(mtv_cr_plan(&spec, &plan, &err), -1);
    cr_assert(strstr(err.msg, "target_labels.x"), "%s", err.msg);
    cJSON_Delete(params);
}

Test(crs, migration_cutover_and_patches)
{
    cJSON *m = mtv_cr_migration((mtv_ref){"mig", "ns"}, (mtv_ref){"plan", "ns"}, 0);
    cr_assert_null(node(m, "spec.cutover"));
    cr_assert_str_eq(at(m, "spec.plan.name"), "plan");
    cJSON_Delete(m);
    m = mtv_cr_migration((mtv_ref){"mig", "ns"}, (mtv_ref){"plan", "ns"}, 1767225600123LL);
    cr_assert_str_eq(at(m, "spec.cutover"), "2026-01-01T00:00:00Z");
    cJSON_Delete(m);

    cJSON *plan = cJSON_Parse("{\"spec\": {\"vms\": [{\"id\": \"vm-1\", \"name\": \"a\", "
                              "\"hooks\": []}, {\"id\": \"vm-2\"}]}}");
    cJSON *c = mtv_patch_cancel(plan);
    cr_assert_eq(cJSON_GetArraySize(node(c, "spec.cancel")), 2);
    cr_assert_str_eq(at(c, "spec.cancel.0.name"), "a");
    cr_assert_null(node(c, "spec.cancel.0.hooks"));
    cr_assert_str_eq(at(c, "spec.cancel.1.id"), "vm-2");
    cJSON_Delete(c);
    cJSON_Delete(plan);
    c = mtv_patch_archive();
    cr_assert(cJSON_IsTrue(node(c, "spec.archived")));
    cJSON_Delete(c);
    c = mtv_patch_precopy_interval(2);
    cr_assert_eq(cJSON_GetNumberValue(node(c, "spec.controller_precopy_interval")), 2);
    cJSON_Delete(c);
}

Test(crs, offload_and_luks_secrets)
{
    cJSON *s;
    mtv_err err;
    cr_assert_eq(mtv_cr_offload_secret((mtv_ref){"xc", "ns"}, entry("vs"), &s, &err), 0, "%s", err.msg);
    cr_assert_str_eq(at(s, "stringData.STORAGE_HOSTNAME"), "array.example.com");
    cr_assert_str_eq(at(s, "stringData.STORAGE_PASSWORD"), "Array-canary-pass");
    cr_assert_str_eq(at(s, "stringData.ONTAP_SVM"), "svm2", "storage_secret_extra wins");
    cr_assert_str_eq(at(s, "stringData.SKIP_SSL"), "true");
    cJSON_Delete(s);
    cr_assert_eq(mtv_cr_offload_secret((mtv_ref){"xc", "ns"}, entry("rhv"), &s, &err), -1);
    cr_assert(strstr(err.msg, "copyoffload"));
    s = mtv_cr_luks_secret((mtv_ref){"luks", "ns"}, "pass phrase");
    cr_assert_str_eq(at(s, "stringData.key"), "pass phrase");
    cJSON_Delete(s);
}
