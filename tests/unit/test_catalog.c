/* Unit tests for runner/catalog and runner/steps: the shipped catalog is
 * complete and clean, --set overrides are typed and reported at their
 * option, problems in one file do not hide the others, and the catalog
 * directory is found in the documented order. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/catalog.h"
#include "runner/params.h"
#include "runner/steps.h"
#include "testutil.h"

static catalog cat;
static diag_list diags;

static void setup(void)
{
    diag_init(&diags);
    memset(&cat, 0, sizeof cat);
}

static void teardown(void)
{
    catalog_free(&cat);
    diag_free(&diags);
}

TestSuite(catalog, .init = setup, .fini = teardown);

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

/* Upstream's current scenario keys (mtv-api-tests tests_params), written
 * out by hand from its test classes: the catalog must hold each one. */
static const char *const UPSTREAM_KEYS[] = {
    "test_sanity_cold_mtv_migration", "test_cold_remote_ocp", "test_cold_migration_comprehensive",
    "test_cold_migration_xfs", "test_cold_dual_nic_same_network_migration", "test_ca_crt_cold_migration",
    "test_insecure_skip_verify_cold_migration", "test_ova_cold_migration",
    "test_sanity_warm_mtv_migration", "test_mtv_migration_warm_2disks2nics", "test_warm_remote_ocp",
    "test_mtv_clusterrole_warm_migration", "test_mtv_clusterrole_warm_migration_with_scc",
    "test_warm_migration_comprehensive", "test_warm_migration_xfs", "test_post_hook_retain_failed_vm",
    "test_aap_hook_migration", "test_plan_archive_pvc_cleanup", "test_shared_disk_rhel_migration",
    "test_luks_cold_migration", "test_luks_cold_migration_wrong_key", "test_standalone_di_vsphere",
    "test_warm_di_concerns", "test_upgrade_cold_migration",
    "test_copyoffload_thin_migration", "test_copyoffload_thick_lazy_migration",
    "test_copyoffload_thick_eager_migration", "test_copyoffload_multi_disk_migration",
    "test_copyoffload_dual_disk_mixed_thin_thick_migration",
    "test_copyoffload_multi_disk_different_path_migration", "test_copyoffload_multi_datastore_migration",
    "test_copyoffload_multi_disk_different_datastore_path_migration",
    "test_copyoffload_mixed_datastore_migration", "test_copyoffload_fallback_large_migration",
    "test_copyoffload_rdm_virtual_disk_migration", "test_copyoffload_rdm_physical_disk_migration",
    "test_copyoffload_warm_rdm_virtual_disk_migration", "test_copyoffload_thin_snapshots_migration",
    "test_copyoffload_thick_lazy_snapshots_migration", "test_copyoffload_thick_eager_snapshots_migration",
    "test_copyoffload_2tb_vm_snapshots_migration", "test_copyoffload_independent_persistent_disk_migration",
    "test_copyoffload_independent_nonpersistent_disk_migration", "test_copyoffload_large_vm_migration",
    "test_copyoffload_10_mixed_disks_migration", "test_copyoffload_populator_throttling_migration",
    "test_copyoffload_vm_populator_throttling_migration",
    "test_copyoffload_dedicated_migration_host_migration",
    "test_copyoffload_dedicated_migration_host_invalid_id_migration",
    "test_copyoffload_nonconforming_name_migration", "test_copyoffload_warm_migration",
    "test_copyoffload_scale_migration", "test_simultaneous_copyoffload_migrations",
    "test_concurrent_xcopy_vddk_migration",
};

Test(catalog, shipped_catalog_is_complete_and_clean)
{
    cr_assert_eq(catalog_load(&cat, tu_src("scenarios"), NULL, &diags), 0);
    catalog_check(&cat, &diags);
    char *t = joined();
    cr_assert_eq(diags.count, 0, "%s", t);
    free(t);
    for (size_t i = 0; i < sizeof UPSTREAM_KEYS / sizeof UPSTREAM_KEYS[0]; i++)
        cr_assert_not_null(catalog_find(&cat, UPSTREAM_KEYS[i]), "%s missing", UPSTREAM_KEYS[i]);
    for (size_t i = 0; i < cat.count; i++) {
        const scenario *sc = &cat.items[i];
        cr_assert_not_null(sc->pattern, "%s", sc->name);
        cr_assert_not_null(sc->doc_text, "%s", sc->name);
        cr_assert_not_null(sc->suite, "%s has no suite", sc->name);
        cr_assert_gt(sc->n_markers, 0, "%s has no marker", sc->name);
        if (scenario_has_marker(sc, "copyoffload"))
            cr_assert(params_true(sc->params, "copyoffload"), "%s: copyoffload marker without params", sc->name);
        if (params_true(sc->params, "warm_migration"))
            cr_assert(scenario_has_keyword(sc, "warm"), "%s: warm plan without the warm keyword", sc->name);
    }
    const scenario *warm = catalog_find(&cat, "test_sanity_warm_mtv_migration");
    cr_assert_eq(warm->n_jira, 1);
    cr_assert_str_eq(warm->jira[0].key, "MTV-2846");
    cr_assert_eq(warm->jira[0].run, 0);
}

static void load_tmp(const char **files, size_t n)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    for (size_t i = 0; i < n; i += 2)
        tu_write(dir, files[i], files[i + 1]);
    cr_assert_eq(catalog_load(&cat, dir, NULL, &diags), 0);
}

#define DOC "\"doc\": [\"S.\", \"Purpose: p\", \"Prerequisites:\", \"- a\", \"Steps:\", \"1. b\", \"Expected result:\", \"- c\"]"
#define GOOD "{\"markers\": [\"tier0\"], \"pattern\": \"base\", " DOC ", \"params\": {\"virtual_machines\": [{\"name\": \"vm1\"}], \"warm_migration\": false}}"

Test(catalog, problems_in_one_file_do_not_hide_the_others)
{
    const char *files[] = {"settings.json", "{\"plan_wait_timeout\": \"x\"}",
                           "test_a.json", "{\"markers\": [\"tier9\"], \"pattern\": \"base\", " DOC ", \"params\": {\"virtual_machines\": [{\"name\": \"a\", \"color\": 1}]}}",
                           "test_b.json", "{ broken",
                           "test_c.json", GOOD};
    load_tmp(files, 8);
    catalog_check(&cat, &diags);
    cr_assert_eq(cat.count, 2, "the broken file is left out, the others are kept");
    expect("settings.json:1:2: error: setting \"plan_wait_timeout\": expected a whole number");
    expect("test_a.json:1:14: error: markers[0]: 'tier9' is not a registered marker");
    expect("test_a.json:1:188: error: virtual_machines[0].color: unknown virtual_machines entry key \"color\"");
    expect("test_b.json:1:3: error: object keys must be double-quoted strings");
    cr_assert_eq(diags.errors, 4);
}

Test(catalog, empty_or_missing_catalog)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    tu_write(dir, "settings.json", "{}");
    cr_assert_eq(catalog_load(&cat, dir, NULL, &diags), 0);
    expect("error: the catalog holds no scenario files (<scenario_key>.json)");
    catalog_free(&cat);
    diag_free(&diags);
    cr_assert_eq(catalog_load(&cat, "/nonexistent/scenarios", NULL, &diags), -1);
    expect("/nonexistent/scenarios: error: the scenario catalog is not a directory");
}

Test(catalog, set_overrides_settings_and_scenarios)
{
    const char *files[] = {"settings.json", "{\"plan_wait_timeout\": 3600}", "test_c.json", GOOD};
    load_tmp(files, 4);
    const char *sets[] = {
        "plan_wait_timeout=7200",
        "test_c.warm_migration=true",
        "tests_params.test_c.virtual_machines.0.source_vm_power=on",
        "test_c.virtual_machines.1={\"name\": \"vm2\"}",
        "test_c.target_labels.team=qe",
        "test_c.target_labels.owner=null",
    };
    catalog_apply_sets(&cat, sets, 6, NULL, &diags);
    catalog_check(&cat, &diags);
    char *t = joined();
    cr_assert_eq(diags.count, 0, "%s", t);
    free(t);
    const scenario *sc = catalog_find(&cat, "test_c");
    cr_assert_eq(settings_int(&cat.settings, "plan_wait_timeout", 0), 7200);
    cr_assert(params_true(sc->params, "warm_migration"));
    const cJSON *vms = cJSON_GetObjectItem(sc->params, "virtual_machines");
    cr_assert_eq(cJSON_GetArraySize(vms), 2);
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(vms, 0), "source_vm_power")->valuestring, "on");
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(vms, 1), "name")->valuestring, "vm2");
    const cJSON *labels = cJSON_GetObjectItem(sc->params, "target_labels");
    cr_assert_str_eq(cJSON_GetObjectItem(labels, "team")->valuestring, "qe");
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(labels, "owner")));
}

Test(catalog, set_errors_name_the_option_key_and_type)
{
    const char *files[] = {"settings.json", "{}", "test_c.json", GOOD};
    load_tmp(files, 4);
    const char *sets[] = {
        "test_c.warm_migration=maybe",
        "test_c.warm_migratoin=true",
        "test_c.virtual_machines.5.name=x",
        "test_d.warm_migration=true",
        "plan_wait_timeout=soon",
        "no_equals_sign",
        "test_c=1",
        "storage_class.x=1",
        "test_c.virtual_machines.0.source_vm_power=of",
    };
    catalog_apply_sets(&cat, sets, 9, NULL, &diags);
    catalog_check(&cat, &diags);
    expect("error: --set test_c.warm_migration: expected a boolean (true or false), got 'maybe'");
    expect("error: --set test_c.warm_migratoin: unknown plan key \"warm_migratoin\" (did you mean 'warm_migration'?)");
    expect("error: --set test_c.virtual_machines.5.name: '5' is not an index of this array (it has 1 entries: 0..0)");
    expect("error: --set test_d.warm_migration: 'test_d' is neither a setting nor a scenario of the catalog (did you mean 'test_c'?)");
    expect("error: --set plan_wait_timeout: expected a whole number, got 'soon'");
    expect("--set: error: 'no_equals_sign': expected KEY=VALUE");
    expect("error: --set test_c: name a key of the scenario's params");
    expect("error: --set storage_class.x: 'storage_class' is a setting and has no sub-keys");
    expect("--set test_c.virtual_machines.0.source_vm_power: error: virtual_machines[0].source_vm_power: 'of' is not one of: \"on\", \"off\"");
    cr_assert_eq(diags.errors, 9);
}

Test(catalog, directory_resolution_order)
{
    strbuf out = STRBUF_INIT;
    setenv("MTV_CATALOG_DIR", "/env/scenarios", 1);
    cr_assert_str_eq(catalog_resolve_dir("/cli/scenarios", &out), "--catalog");
    cr_assert_str_eq(out.buf, "/cli/scenarios");
    cr_assert_str_eq(catalog_resolve_dir(NULL, &out), "$MTV_CATALOG_DIR");
    cr_assert_str_eq(out.buf, "/env/scenarios");
    unsetenv("MTV_CATALOG_DIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    cr_assert_eq(chdir(dir), 0);
    const char *src = catalog_resolve_dir(NULL, &out);
    if (src)
        cr_assert_str_eq(src, "the installed catalog", "no ./scenarios here");
    else
        cr_assert(strstr(out.buf, "no scenario catalog found: tried ./scenarios and "), "%s", out.buf);
    tu_write(dir, "scenarios", "");
    cr_assert_eq(remove("scenarios"), 0);
    cr_assert_eq(system("mkdir scenarios"), 0);
    cr_assert_str_eq(catalog_resolve_dir(NULL, &out), "./scenarios");
    cr_assert_str_eq(out.buf, "scenarios");
    sb_release(&out);
}

Test(steps, patterns_expand_to_upstream_step_names)
{
    const step_pattern *base = steps_find("base");
    cr_assert_not_null(base);
    const char *want[] = {"storagemap", "networkmap", "plan", "migrate", "check_vms"};
    cr_assert_eq(base->count, 5);
    for (size_t i = 0; i < 5; i++)
        cr_assert_str_eq(base->steps[i].name, want[i]);
    const step_pattern *xfs = steps_find("xfs");
    cr_assert_eq(xfs->count, 6);
    cr_assert_str_eq(xfs->steps[4].name, "verify_xfs_version");
    const step_pattern *vm = steps_find("copyoffload_vm_populator_throttling");
    cr_assert_eq(vm->count, 8);
    cr_assert_str_eq(steps_find("shared_disk_windows")->steps[0].name, "label_shared_disk");
    cr_assert_eq(steps_find("plan_readiness")->count, 3);
    cr_assert_null(steps_find("nope"));
    for (size_t i = 0; i < STEP_PATTERN_COUNT; i++) {
        cr_assert_gt(STEP_PATTERNS[i].count, 0);
        for (size_t j = i + 1; j < STEP_PATTERN_COUNT; j++)
            cr_assert_str_neq(STEP_PATTERNS[i].name, STEP_PATTERNS[j].name);
        for (size_t a = 0; a < STEP_PATTERNS[i].count; a++)
            for (size_t b = a + 1; b < STEP_PATTERNS[i].count; b++)
                cr_assert_str_neq(STEP_PATTERNS[i].steps[a].name, STEP_PATTERNS[i].steps[b].name,
                                  "%s repeats a step", STEP_PATTERNS[i].name);
    }
}
