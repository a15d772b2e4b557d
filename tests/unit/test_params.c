/* Unit tests for runner/params (the key table), rules.c, hooks.c,
 * provider_rules.c and placeholder.c: every rule fires on a violation,
 * names the file with line:col, the key and the rule, and stays quiet on a
 * valid scenario. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "config/providers.h"
#include "runner/params.h"
#include "runner/placeholder.h"
#include "testutil.h"
#include "util/codec.h"

static diag_list diags;
static scenario sc;

static void setup(void)
{
    diag_init(&diags);
    memset(&sc, 0, sizeof sc);
}

static void teardown(void)
{
    scenario_free(&sc);
    diag_free(&diags);
}

TestSuite(params, .init = setup, .fini = teardown);

#define DOC "\"doc\": [\"S.\", \"Purpose: p\", \"Prerequisites:\", \"- a\", \"Steps:\", \"1. b\", \"Expected result:\", \"- c\"]"

/* Loads a scenario with the given pattern and params text (which starts on
 * line 2 of the file) and checks it. */
static size_t check(const char *pattern, const char *params)
{
    strbuf text = STRBUF_INIT;
    sb_addf(&text, "{\"markers\": [], \"pattern\": \"%s\", " DOC ", \"params\":\n%s}", pattern, params);
    const char *path = tu_write(tu_tmpdir(), "test_p.json", text.buf);
    sb_release(&text);
    cr_assert_eq(scenario_load(&sc, path, NULL, &diags), 0);
    cr_assert_eq(diags.errors, 0, "envelope: %s", diags.count ? diags.items[0].text : "");
    params_check(&sc, &diags);
    return diags.errors;
}

static char *joined(void)
{
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < diags.count; i++)
        sb_addf(&sb, "%s\n", diags.items[i].text);
    return sb_detach(&sb, NULL);
}

static void expect(const char *needle)
{
    char *t = joined();
    cr_assert(strstr(t, needle), "expected '%s' in:\n%s", needle, t);
    free(t);
}

#define VM "{\"name\": \"vm1\"}"

Test(params, a_valid_scenario_has_no_problem)
{
    cr_assert_eq(check("base", "{\"virtual_machines\": [{\"name\": \"vm1\", \"source_vm_power\": \"on\", "
                               "\"guest_agent\": true, \"add_disks\": [{\"size_gb\": 30, \"provision_type\": "
                               "\"thick-lazy\", \"disk_mode\": \"persistent\"}]}], \"warm_migration\": true, "
                               "\"preserve_static_ips\": true, \"target_labels\": {\"a\": null, \"b\": \"x-{session}\"}, "
                               "\"vm_target_namespace\": \"mtv-{rand4}\", \"pvc_name_template\": \"{{.VmName}}-{{.DiskIndex}}\"}"),
                 0);
    cr_assert_eq(diags.count, 0);
}

Test(params, types_values_and_limits)
{
    check("base", "{\"virtual_machines\": [{\"name\": \"vm1\",\n \"source_vm_power\": \"up\",\n \"guest_agent\": \"yes\","
                  "\n \"snapshots\": 0,\n \"disk_type\": \"thik-lazy\"}],\n \"warm_migration\": 1,\n"
                  " \"guest_agent_timeout\": 1.5}");
    expect("test_p.json:3:2: error: virtual_machines[0].source_vm_power: 'up' is not one of: \"on\", \"off\"");
    expect("test_p.json:4:2: error: virtual_machines[0].guest_agent: expected a boolean (true or false), got string");
    expect("test_p.json:5:2: error: virtual_machines[0].snapshots: must be at least 1, got 0");
    expect("test_p.json:6:2: error: virtual_machines[0].disk_type: 'thik-lazy' is not one of: \"thin\", \"thick-lazy\", \"thick-eager\" (did you mean 'thick-lazy'?)");
    expect("test_p.json:7:2: error: warm_migration: expected a boolean (true or false), got number");
    expect("test_p.json:8:2: error: guest_agent_timeout: expected a whole number, got number");
    cr_assert_eq(diags.errors, 6);
}

Test(params, unknown_keys_suggest_and_point_to_the_right_scope)
{
    check("base", "{\"virtual_machines\": [{\"name\": \"vm1\", \"warm_migration\": true, \"gest_agent\": true}],\n"
                  " \"source_vm_power\": \"on\",\n \"size_gb\": 3,\n \"warm_migraton\": true}");
    expect("virtual_machines[0].warm_migration: unknown virtual_machines entry key \"warm_migration\"; it is a plan-level key: move it to the top level of \"params\"");
    expect("virtual_machines[0].gest_agent: unknown virtual_machines entry key \"gest_agent\" (did you mean 'guest_agent'?)");
    expect("test_p.json:3:2: error: source_vm_power: unknown plan key \"source_vm_power\"; it is a per-VM key");
    expect("test_p.json:4:2: error: size_gb: unknown plan key \"size_gb\"; it is an add_disks key");
    expect("test_p.json:5:2: error: warm_migraton: unknown plan key \"warm_migraton\" (did you mean 'warm_migration'?)");
}

Test(params, required_keys_and_empty_lists)
{
    check("base", "{\"virtual_machines\": [{\"guest_agent\": true}, 3, {\"name\": \" \"}]}");
    expect("virtual_machines[0]: missing required key \"name\" (a string)");
    expect("virtual_machines[1]: expected an object (a virtual_machines entry), got number");
    expect("virtual_machines[2].name: must not be empty or blank");
    diag_free(&diags);
    scenario_free(&sc);
    check("base", "{\"virtual_machines\": []}");
    expect("virtual_machines: must list at least one VM");
    diag_free(&diags);
    scenario_free(&sc);
    check("base", "{\"warm_migration\": false}");
    expect("error: missing required key \"virtual_machines\" (an array)");
}

Test(params, placeholders_and_namespaces)
{
    check("base", "{\"virtual_machines\": [" VM "],\n \"vm_target_namespace\": \"ns-{sesion}\",\n"
                  " \"multus_namespace\": \"Bad_NS-{rand4}\",\n \"target_labels\": {\"k\": \"{rand5}\"}}");
    expect("test_p.json:3:2: error: vm_target_namespace: unknown placeholder {sesion}; placeholders are {session} and {rand4}");
    expect("test_p.json:4:2: error: multus_namespace: 'Bad_NS-{rand4}' is not a valid namespace name once expanded (e.g. 'Bad_NS-abcd')");
    expect("target_labels.k: unknown placeholder {rand5}");
}

Test(params, placeholder_expansion)
{
    placeholder_values v = {"auto-x1y2", "0f3a"};
    strbuf out = STRBUF_INIT;
    mtv_err err;
    cr_assert_eq(placeholder_expand("mtv-vms-{rand4}-{session}", &v, &out, &err), 0);
    cr_assert_str_eq(out.buf, "mtv-vms-0f3a-auto-x1y2");
    sb_reset(&out);
    cr_assert_eq(placeholder_expand("{{ .VmName }} {} {a-b}", &v, &out, &err), 0, "not placeholders");
    cr_assert_str_eq(out.buf, "{{ .VmName }} {} {a-b}");
    cr_assert_eq(placeholder_expand("x{uuid}", &v, &out, &err), -1);
    cr_assert(strstr(err.msg, "unknown placeholder {uuid}"));
    sb_release(&out);
    cr_assert(placeholder_is_dns_label("mtv-vms-0f3a"));
    cr_assert(!placeholder_is_dns_label("-a"));
    cr_assert(!placeholder_is_dns_label("a_b"));
    cr_assert(!placeholder_is_dns_label("0123456789012345678901234567890123456789012345678901234567890123"));
}

Test(params, add_nic_needs_start_connected)
{
    check("base", "{\"virtual_machines\": [{\"name\": \"vm1\",\n \"add_nic\": true}, {\"name\": \"vm2\", "
                  "\"add_nic\": true, \"add_nic_start_connected\": false}]}");
    expect("test_p.json:3:2: error: virtual_machines[0].add_nic: VM 'vm1' has add_nic true but no add_nic_start_connected");
    cr_assert_eq(diags.errors, 1);
}

Test(params, static_ips_need_powered_on_vms)
{
    check("base", "{\"virtual_machines\": [{\"name\": \"a\", \"source_vm_power\": \"on\"}, {\"name\": \"b\",\n"
                  " \"source_vm_power\": \"off\"}, {\"name\": \"c\"}], \"preserve_static_ips\": true}");
    expect("test_p.json:3:2: error: virtual_machines[1].source_vm_power: preserve_static_ips is true, so VM 'b' needs source_vm_power \"on\"");
    expect("virtual_machines[2]: preserve_static_ips is true, so VM 'c' needs");
    cr_assert_eq(diags.errors, 2);
}

Test(params, skip_clone_conflicts)
{
    check("base", "{\"virtual_machines\": [{\"name\": \"a\", \"add_nic\": true, \"add_nic_start_connected\": true,"
                  " \"migrate_shared_disks\": true}],\n \"skip_clone\": true, \"disable_drs_for_vms\": true,"
                  " \"clone_to_same_host\": true}");
    expect("test_p.json:3:2: error: skip_clone: skip_clone migrates the existing VMs, which conflicts with "
           "disable_drs_for_vms, clone_to_same_host, virtual_machines[].migrate_shared_disks, virtual_machines[].add_nic");
}

Test(params, node_selector_labels_affinity_and_pvc_templates)
{
    check("base", "{\"virtual_machines\": [" VM "],\n \"target_node_selector\": {\"a\": null, \"b\": \"x\"},\n"
                  " \"target_labels\": {\"bad key!\": \"v\", \"ok\": \"-bad-value\", \"n\": 3},\n"
                  " \"target_affinity\": {\"podAfinity\": {}},\n"
                  " \"pvc_name_template\": {\"vshpere\": \"{{.DiskIndex}}\", \"default\": \"\"}}");
    expect("test_p.json:3:2: error: target_node_selector: must hold exactly one label (the worker node gets that label), found 2");
    expect("target_labels.bad key!: 'bad key!' is not a valid Kubernetes label key");
    expect("target_labels.ok: '-bad-value' is not a valid label value");
    expect("target_labels.n: expected a string or null (null means the run's session id), got number");
    expect("test_p.json:5:22: error: target_affinity: unknown member \"podAfinity\" (did you mean 'podAffinity'?)");
    expect("pvc_name_template.vshpere: 'vshpere' is not a provider type (did you mean 'vsphere'?)");
    expect("pvc_name_template.default: expected a non-empty template string, got an empty string");
}

Test(params, add_disks_size_or_rdm)
{
    check("base", "{\"virtual_machines\": [{\"name\": \"a\", \"add_disks\": [{\"provision_type\": \"thin\"},"
                  " {\"rdm_type\": \"virtual\", \"size_gb\": 5}, {\"rdm_type\": \"physical\"}]}]}");
    expect("virtual_machines[0].add_disks[0]: a new disk needs size_gb (or rdm_type for an RDM LUN)");
    expect("virtual_machines[0].add_disks[1]: an RDM disk (rdm_type) takes its size from the LUN: remove size_gb");
    cr_assert_eq(diags.errors, 2);
}

Test(params, pattern_requirements)
{
    check("xfs", "{\"virtual_machines\": [" VM "]}");
    expect("error: pattern \"xfs\" needs params.xfs_check to be set");
    diag_free(&diags);
    scenario_free(&sc);
    check("copyoffload", "{\"virtual_machines\": [" VM "], \"copyoffload\": false}");
    expect("pattern \"copyoffload\" needs params.copyoffload to be true");
    diag_free(&diags);
    scenario_free(&sc);
    check("xfs", "{\"virtual_machines\": [" VM "], \"xfs_check\": {\"command\": \"/usr/sbin/xfs_info\"}}");
    expect("xfs_check: missing required key \"mount_point\" (a string)");
    expect("xfs_check: missing required key \"expected_output\"");
}

static void check_hook(const char *hook, const char *expect_text)
{
    diag_free(&diags);
    scenario_free(&sc);
    strbuf p = STRBUF_INIT;
    sb_addf(&p, "{\"virtual_machines\": [" VM "],\n \"pre_hook\": %s}", hook);
    check("base", p.buf);
    sb_release(&p);
    if (expect_text)
        expect(expect_text);
    else
        cr_assert_eq(diags.errors, 0, "%s", diags.count ? diags.items[0].text : "");
}

Test(params, hook_rules)
{
    strbuf b64 = STRBUF_INIT;
    const char *play = "- hosts: localhost\n  tasks:\n  - debug: {msg: hi}\n";
    b64_encode(&b64, play, strlen(play));
    strbuf hook = STRBUF_INIT;
    sb_addf(&hook, "{\"playbook_base64\": \"%s\"}", b64.buf);
    check_hook(hook.buf, NULL);
    check_hook("{\"expected_result\": \"succeed\"}", NULL);
    check_hook("{\"aap_job_template_id\": 7}", NULL);
    check_hook("{}", "test_p.json:3:2: error: pre_hook: set exactly one of expected_result, playbook_base64 or aap_job_template_id (found none)");
    check_hook("{\"expected_result\": \"fail\", \"aap_job_template_id\": 3}", "(found expected_result, aap_job_template_id)");
    check_hook("{\"expected_result\": \"pass\"}", "pre_hook.expected_result: 'pass' is not one of: \"succeed\", \"fail\"");
    check_hook("{\"aap_job_template_id\": true}", "pre_hook.aap_job_template_id: expected a whole number, got boolean");
    check_hook("{\"aap_job_template_id\": 0}", "pre_hook.aap_job_template_id: must be at least 1, got 0");
    check_hook("{\"playbook_base64\": \"  \"}", "pre_hook.playbook_base64: must not be empty or blank");
    check_hook("{\"playbook_base64\": \"***\"}", "pre_hook.playbook_base64: is not valid base64");
    check_hook("{\"playbook_base64\": \"/w==\"}", "decodes to bytes that are not UTF-8 text");
    sb_reset(&b64);
    b64_encode(&b64, "hosts: x\n", 9);
    sb_reset(&hook);
    sb_addf(&hook, "{\"playbook_base64\": \"%s\"}", b64.buf);
    check_hook(hook.buf, "the playbook must be a YAML list of plays");
    sb_reset(&b64);
    b64_encode(&b64, "[]\n", 3);
    sb_reset(&hook);
    sb_addf(&hook, "{\"playbook_base64\": \"%s\"}", b64.buf);
    check_hook(hook.buf, "the playbook is an empty list: it needs at least one play");
    sb_reset(&b64);
    b64_encode(&b64, "- a: [1\n", 8);
    sb_reset(&hook);
    sb_addf(&hook, "{\"playbook_base64\": \"%s\"}", b64.buf);
    check_hook(hook.buf, "the playbook is not valid YAML");
    sb_reset(&b64);
    b64_encode(&b64, "- hosts: x\n- just text\n", 22);
    sb_reset(&hook);
    sb_addf(&hook, "{\"playbook_base64\": \"%s\"}", b64.buf);
    check_hook(hook.buf, "item 2 of the playbook is not a play (a mapping)");
    sb_release(&b64);
    sb_release(&hook);
}

/* --- provider rules ----------------------------------------------------- */

static providers_file pf;

static const provider_entry *entry(const char *json)
{
    diag_list d = DIAG_LIST_INIT;
    cr_assert_eq(providers_file_load(&pf, tu_write(tu_tmpdir(), "p.json", json), NULL, &d), 0);
    diag_free(&d);
    return &pf.entries[0];
}

static size_t check_provider(enum provider_type t, const provider_entry *e)
{
    size_t before = diags.errors;
    params_check_provider(&sc, t, e, DIAG_ERROR, &diags);
    return diags.errors - before;
}

Test(params, provider_type_rules)
{
    check("base", "{\"virtual_machines\": [{\"name\": \"a\", \"migrate_shared_disks\": true}],\n"
                  " \"skip_clone\": true, \"preserve_static_ips\": false, \"disable_drs_for_vms\": false}");
    cr_assert_eq(check_provider(PROVIDER_VSPHERE, NULL), 0);
    cr_assert_eq(check_provider(PROVIDER_OVIRT, NULL), 2);
    expect("test_p.json:3:2: error: skip_clone: is not supported for ovirt source providers: RHV plans name templates");
    expect("migrate_shared_disks: shared disks can only be relinked on vSphere source providers, not ovirt");
}

Test(params, provider_type_rules_drs_and_static_ips)
{
    check("base", "{\"virtual_machines\": [{\"name\": \"a\", \"source_vm_power\": \"on\"}], \"skip_clone\": true,"
                  " \"preserve_static_ips\": true, \"disable_drs_for_vms\": true}");
    cr_assert_eq(diags.errors, 1, "skip_clone + disable_drs_for_vms is a static conflict");
    cr_assert_eq(check_provider(PROVIDER_HYPERV, NULL), 1);
    expect("disable_drs_for_vms: needs a vSphere clone provider; hyperv source providers have no DRS");
    cr_assert_eq(check_provider(PROVIDER_OVA, NULL), 2);
    expect("skip_clone: cannot be combined with preserve_static_ips on ova source providers");
}

#define VS "\"type\": \"vsphere\", \"version\": \"8\", \"fqdn\": \"f\", \"api_url\": \"a\", \"username\": \"u\", \"password\": \"p\""

Test(params, provider_entry_rules)
{
    check("base", "{\"virtual_machines\": [{\"name\": \"a\", \"luks\": true, \"target_datastore_id\": "
                  "\"non_xcopy_datastore_id\", \"add_disks\": [{\"rdm_type\": \"virtual\"}, {\"size_gb\": 1, "
                  "\"datastore_id\": \"secondary_datastore_id\"}]}, {\"name\": \"b\", \"luks\": true, "
                  "\"luks_passphrase\": \"own\"}], \"copyoffload\": true, \"pin_to_non_dedicated_host\": true}");
    const provider_entry *bare = entry("{\"vc\": {" VS "}}");
    cr_assert_eq(check_provider(PROVIDER_VSPHERE, bare), 6);
    expect("copyoffload: is true, but provider entry \"vc\" has no copyoffload block");
    expect("pin_to_non_dedicated_host: needs copyoffload.dedicated_migration_hosts in provider entry \"vc\"");
    expect("virtual_machines[0]: luks is true but there is no passphrase: set luks_passphrase on this VM or in provider entry \"vc\"");
    expect("virtual_machines[0].target_datastore_id: names the datastore \"non_xcopy_datastore_id\", but provider entry \"vc\" has no copyoffload.non_xcopy_datastore_id");
    expect("virtual_machines[0].add_disks[0]: an RDM disk needs the LUN id in copyoffload.rdm_lun_uuid");
    expect("virtual_machines[0].add_disks[1].datastore_id: names the datastore \"secondary_datastore_id\"");
    providers_file_free(&pf);
    const provider_entry *full = entry(
        "{\"vc\": {" VS ", \"luks_passphrase\": \"pp\", \"copyoffload\": {\"storage_vendor_product\": \"ontap\","
        " \"datastore_id\": \"d1\", \"secondary_datastore_id\": \"d2\", \"non_xcopy_datastore_id\": \"d3\","
        " \"rdm_lun_uuid\": \"naa.1\", \"dedicated_migration_hosts\": [\"host-1\"]}}}");
    cr_assert_eq(check_provider(PROVIDER_VSPHERE, full), 0);
    providers_file_free(&pf);
}
