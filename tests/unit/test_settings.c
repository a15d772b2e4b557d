/* Unit tests for config/settings: the shipped settings,
 * unknown keys with suggestions, type errors with line:col, and --set values
 * typed by the setting's definition. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "config/settings.h"
#include "testutil.h"

static secret_registry *reg;
static diag_list diags;
static settings s;

static void setup(void)
{
    reg = secrets_new();
    diag_init(&diags);
    settings_init(&s);
}

static void teardown(void)
{
    settings_free(&s);
    diag_free(&diags);
    secrets_free(reg);
}

TestSuite(settings, .init = setup, .fini = teardown);

static void expect(const char *needle)
{
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < diags.count; i++)
        sb_addf(&sb, "%s\n", diags.items[i].text);
    cr_assert(strstr(sb_str(&sb), needle), "expected '%s' in:\n%s", needle, sb_str(&sb));
    sb_release(&sb);
}

static int load(const char *text)
{
    settings_free(&s);
    return settings_load(&s, tu_write(tu_tmpdir(), "settings.json", text), reg, &diags);
}

Test(settings, shipped_settings_have_upstream_defaults)
{
    settings_free(&s);
    cr_assert_eq(settings_load(&s, tu_src("scenarios/settings.json"), reg, &diags), 0);
    cr_assert_eq(diags.count, 0, "%s", diags.count ? diags.items[0].text : "");
    cr_assert_str_eq(settings_str(&s, "mtv_namespace", NULL), "openshift-mtv");
    cr_assert_eq(settings_int(&s, "plan_wait_timeout", 0), 3600);
    cr_assert_eq(settings_int(&s, "snapshots_interval", 0), 2);
    cr_assert_eq(settings_int(&s, "mins_before_cutover", 0), 5);
    cr_assert_eq(settings_bool(&s, "insecure_verify_skip", 0), 1, "\"true\" string is true");
    cr_assert_eq(settings_bool(&s, "source_provider_insecure_skip_verify", 1), 0);
    cr_assert_str_eq(settings_str(&s, "remote_ocp_cluster", "x"), "");
    cr_assert_null(settings_get(&s, "storage_class"), "runtime keys are unset by default");
    cr_assert_eq(settings_int(&s, "storage_class", 600), 600, "unset falls back to the caller's default");
}

Test(settings, unknown_key_and_type_errors_with_place)
{
    cr_assert_eq(load("{\n  \"plan_wait_timout\": 10,\n  \"plan_wait_timeout\": \"1h\",\n"
                      "  \"snapshots_interval\": 0,\n  \"insecure_verify_skip\": \"maybe\"\n}"),
                 0);
    cr_assert_eq(diags.errors, 4);
    expect("settings.json:2:3: error: unknown setting \"plan_wait_timout\" (did you mean 'plan_wait_timeout'?)");
    expect("settings.json:3:3: error: setting \"plan_wait_timeout\": expected a whole number, got string");
    expect("settings.json:4:3: error: setting \"snapshots_interval\": must be at least 1, got 0");
    expect("settings.json:5:3: error: setting \"insecure_verify_skip\": expected a boolean (true or false), got string 'maybe'");
    cr_assert_null(settings_get(&s, "plan_wait_timeout"), "bad values are not kept");
}

Test(settings, not_an_object_and_syntax_errors)
{
    cr_assert_eq(load("[]"), -1);
    expect("settings.json:1:1: error: the top level must be a JSON object of settings, got array");
    diag_free(&diags);
    cr_assert_eq(load("{\n \"cluster_password\": \"Canary-Settings-1\"\n \"x\": 1}"), -1);
    expect("settings.json:3:2: error: missing ','");
    cr_assert_not_null(secrets_find(reg, "Canary-Settings-1", 17, NULL),
                       "secrets of an unparsable file are still registered");
}

Test(settings, set_from_the_command_line_is_typed)
{
    mtv_err err;
    cr_assert_eq(settings_set(&s, "plan_wait_timeout", "7200", reg, &err), 0);
    cr_assert_eq(settings_int(&s, "plan_wait_timeout", 0), 7200);
    cr_assert_eq(settings_set(&s, "plan_wait_timeout", "two hours", reg, &err), -1);
    cr_assert_str_eq(err.msg, "--set plan_wait_timeout: expected a whole number, got 'two hours'");
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    cr_assert_eq(settings_set(&s, "mins_before_cutover", "-1", reg, &err), -1);
    cr_assert(strstr(err.msg, "must be at least 0, got -1"), "%s", err.msg);
    cr_assert_eq(settings_set(&s, "source_provider_insecure_skip_verify", "TRUE", reg, &err), 0);
    cr_assert_eq(settings_bool(&s, "source_provider_insecure_skip_verify", 0), 1);
    cr_assert_eq(settings_set(&s, "storage_clas", "ceph", reg, &err), -1);
    cr_assert_str_eq(err.msg, "--set storage_clas: unknown setting (did you mean 'storage_class'?)");
    cr_assert_eq(settings_set(&s, "cluster_password", "Canary-Cli-Pw", reg, &err), 0);
    cr_assert_not_null(secrets_find(reg, "Canary-Cli-Pw", 13, NULL));
}
