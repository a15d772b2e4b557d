/* Unit tests for config/providers: every parser path and rule of the
 * providers file, each asserting the file:line:col, entry and key named in
 * the message, and that secret values never show. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/providers.h"
#include "testutil.h"
#include "util/log.h"

#define CANARY "Canary-Pw-7f3a9!"

static secret_registry *reg;
static diag_list diags;
static providers_file pf;

static void setup(void)
{
    reg = secrets_new();
    diag_init(&diags);
    memset(&pf, 0, sizeof pf);
}

static void teardown(void)
{
    providers_file_free(&pf);
    diag_free(&diags);
    secrets_free(reg);
}

TestSuite(providers, .init = setup, .fini = teardown);

/* Joins every diagnostic, masked as the CLI prints them. */
static char *all_diags(void)
{
    strbuf sb = STRBUF_INIT, masked = STRBUF_INIT;
    for (size_t i = 0; i < diags.count; i++)
        sb_addf(&sb, "%s\n", diags.items[i].text);
    secrets_mask(reg, sb_str(&sb), sb.len, &masked);
    sb_release(&sb);
    return sb_detach(&masked, NULL);
}

static void expect(const char *needle)
{
    char *t = all_diags();
    cr_assert(strstr(t, needle), "expected '%s' in:\n%s", needle, t);
    free(t);
}

static void expect_not(const char *needle)
{
    char *t = all_diags();
    cr_assert(!strstr(t, needle), "did not expect '%s' in:\n%s", needle, t);
    free(t);
}

static const char *write_file(const char *text)
{
    return tu_write(tu_tmpdir(), "p.json", text);
}

/* Loads text and checks every entry; returns the number of errors. */
static size_t load_check(const char *text)
{
    const char *path = write_file(text);
    if (providers_file_load(&pf, path, reg, &diags) < 0)
        return diags.errors;
    providers_check(&pf, NULL, &diags);
    return diags.errors;
}

#define VSPHERE_OK "\"type\": \"vsphere\", \"version\": \"8.0\", \"fqdn\": \"vc\", \"api_url\": \"https://vc/sdk\", \"username\": \"u\", \"password\": \"" CANARY "\""

Test(providers, missing_file_is_its_own_error)
{
    cr_assert_eq(providers_file_load(&pf, "/nonexistent/.providers.json", reg, &diags), -1);
    expect("/nonexistent/.providers.json: error: providers file not found");
    expect("docs/examples/providers.json.example");
}

Test(providers, empty_file_and_comment_only_file)
{
    cr_assert_eq(providers_file_load(&pf, write_file(""), reg, &diags), -1);
    expect("p.json: error: the providers file is empty; it must hold a JSON object");
    diag_free(&diags);
    cr_assert_eq(providers_file_load(&pf, write_file("# only\n  # comments\n"), reg, &diags), -1);
    expect("the providers file is empty (only whitespace or comments)");
}

Test(providers, non_object_top_level)
{
    cr_assert_eq(providers_file_load(&pf, write_file("\n[1, 2]\n"), reg, &diags), -1);
    expect("p.json:2:1: error: the top level must be a JSON object mapping entry names to providers, got array");
}

Test(providers, syntax_error_on_line_7_with_caret_and_no_secret)
{
    const char *text = "{\n"
                       "  \"vsphere\": {\n"
                       "    \"type\": \"vsphere\",\n"
                       "    \"version\": \"8.0\",\n"
                       "    \"fqdn\": \"vc\",\n"
                       "    \"username\": \"u\"\n"
                       "    \"password\": \"" CANARY "\"\n"
                       "  }\n"
                       "}\n";
    cr_assert_eq(providers_file_load(&pf, write_file(text), reg, &diags), -1);
    expect("p.json:7:5: error: missing ','");
    expect("\n        ^");
    expect("\"password\": \"<redacted:password>\"");
    expect_not(CANARY);
}

Test(providers, hash_comments_are_accepted)
{
    size_t errors = load_check("# header\n{\n  # the vCenter\n  \"vc\": {" VSPHERE_OK "}\n}\n");
    cr_assert_eq(errors, 0);
    cr_assert_eq(pf.count, 1);
    cr_assert_str_eq(pf.entries[0].key, "vc");
    cr_assert_eq(pf.entries[0].type, PROVIDER_VSPHERE);
}

Test(providers, secrets_are_registered_on_load)
{
    const char *text = "{\"vc\": {" VSPHERE_OK ", \"guest_vm_linux_password\": \"Linux-Canary-1\","
                       " \"luks_passphrase\": \"Luks-Canary-2\", \"copyoffload\": {\"storage_password\": "
                       "\"Array-Canary-3\", \"storage_secret_extra\": {\"API_TOKEN\": \"Token-Canary-4\"}}}}";
    cr_assert_eq(providers_file_load(&pf, write_file(text), reg, &diags), 0);
    const char *all[] = {CANARY, "Linux-Canary-1", "Luks-Canary-2", "Array-Canary-3", "Token-Canary-4"};
    for (size_t i = 0; i < 5; i++)
        cr_assert_not_null(secrets_find(reg, all[i], strlen(all[i]), NULL), "%s not registered", all[i]);
    cr_assert_null(secrets_find(reg, "vc", 2, NULL));
}

Test(providers, unknown_entry_lists_the_available_ones)
{
    cr_assert_eq(load_check("{\"vc\": {" VSPHERE_OK "}, \"rhv\": {\"type\": \"ovirt\"}}"), 5);
    mtv_err err;
    cr_assert_null(providers_get(&pf, "vsphere-8", &err));
    cr_assert(strstr(err.msg, "no provider entry named 'vsphere-8'; available: vc, rhv"), "%s", err.msg);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    cr_assert_not_null(providers_get(&pf, "vc", &err));
}

Test(providers, missing_required_keys_name_entry_key_and_type)
{
    cr_assert_eq(load_check("{\n\"os\": {\"type\": \"openstack\", \"version\": \"x\", \"fqdn\": \"f\","
                            " \"api_url\": \"a\", \"username\": \"u\", \"password\": \"p\"}}"),
                 5);
    expect("p.json:2:1: error: provider \"os\" (type openstack): missing required key \"user_domain_name\" (a string)");
    expect("missing required key \"project_domain_id\"");
}

Test(providers, mistyped_key_names_expected_type_not_value)
{
    cr_assert_eq(load_check("{\"vc\": {" VSPHERE_OK ",\n \"vddk_init_image\": 42}}"), 1);
    expect("p.json:2:2: error: provider \"vc\": key \"vddk_init_image\": expected a string, got number");
    diag_free(&diags);
    providers_file_free(&pf);
    cr_assert_eq(load_check("{\"vc\": {\"type\": \"vsphere\", \"version\": \"8\", \"fqdn\": \"f\", \"api_url\": "
                            "\"a\", \"username\": \"u\", \"password\": 12345678}}"),
                 1);
    expect("key \"password\": expected a string, got number");
    expect_not("12345678");
}

Test(providers, missing_type_and_unknown_type)
{
    cr_assert_eq(load_check("{\"a\": {\"version\": \"1\"}, \"b\": {\"type\": \"ovrit\"}, \"c\": \"x\"}"), 3);
    expect("provider \"a\": missing required key \"type\" (one of: vsphere, ovirt, openstack, openshift, ova, hyperv)");
    expect("provider \"b\": key \"type\": 'ovrit' is not a provider type (did you mean 'ovirt'?)");
    expect("provider \"c\": expected an object describing the provider, got string");
}

Test(providers, openshift_entries_are_strict)
{
    cr_assert_eq(load_check("{\"ocp\": {\"type\": \"openshift\", \"version\": \"4.20\", \"host\": \"h\", "
                            "\"api_url\": \"a\", \"username\": \"u\", \"password\": \"p\", "
                            "\"storage_class\": \"sc\", \"fqdn\": \"x\"}}"),
                 1);
    expect("provider \"ocp\": unknown key \"fqdn\"; openshift entries accept only: type, version, host");
}

Test(providers, openshift_entries_take_guest_logins_and_their_passwords_are_secrets)
{
    cr_assert_eq(load_check("{\"ocp\": {\"type\": \"openshift\", \"version\": \"4.20\", \"host\": \"h\", "
                            "\"api_url\": \"a\", \"username\": \"u\", \"password\": \"p\", "
                            "\"storage_class\": \"sc\", \"guest_vm_linux_user\": \"cloud-user\", "
                            "\"guest_vm_linux_password\": \"Lx-canary-91\", \"guest_vm_win_user\": \"Administrator\", "
                            "\"guest_vm_win_password\": \"Win-canary-92\"}}"),
                 0);
    cr_assert_eq(diags.warnings, 0);
    cr_assert_not_null(secrets_find(reg, "x Lx-canary-91 y", 16, NULL), "the Linux guest password is a secret");
    cr_assert_not_null(secrets_find(reg, "Win-canary-92", 13, NULL), "the Windows guest password is a secret");
    providers_file_free(&pf);
    memset(&pf, 0, sizeof pf);
    diag_free(&diags);
    diag_init(&diags);
    /* a typo in one of them is still an error in a strict entry, with the right key suggested */
    cr_assert_eq(load_check("{\"ocp\": {\"type\": \"openshift\", \"version\": \"4.20\", \"host\": \"h\", "
                            "\"api_url\": \"a\", \"username\": \"u\", \"password\": \"p\", "
                            "\"storage_class\": \"sc\", \"guest_vm_win_pasword\": \"x\"}}"),
                 1);
    expect("provider \"ocp\": unknown key \"guest_vm_win_pasword\" (did you mean 'guest_vm_win_password'?)");
}

Test(providers, unknown_keys_elsewhere_are_warnings_with_a_suggestion)
{
    cr_assert_eq(load_check("{\"vc\": {" VSPHERE_OK ", \"vddk_init_imag\": \"i\"}}"), 0);
    cr_assert_eq(diags.warnings, 1);
    expect("warning: provider \"vc\": unknown key \"vddk_init_imag\" (did you mean 'vddk_init_image'?)");
}

Test(providers, endpoint_type_and_clone_provider)
{
    cr_assert_eq(load_check("{\"vc\": {" VSPHERE_OK "},"
                            " \"esx\": {" VSPHERE_OK ", \"endpoint_type\": \"esxi\", \"clone_provider\": \"vc\"},"
                            " \"bad\": {" VSPHERE_OK ", \"endpoint_type\": \"vcentre\", \"clone_provider\": \"nope\"},"
                            " \"loop\": {" VSPHERE_OK ", \"endpoint_type\": \"esxi\", \"clone_provider\": \"esx\"}}"),
                 3);
    expect("provider \"bad\": key \"endpoint_type\": 'vcentre' is not one of: vcenter, esxi (did you mean 'vcenter'?)");
    expect("provider \"bad\": clone_provider \"nope\" is not an entry of this file; vsphere entries: vc, esx, loop");
    expect("provider \"loop\": clone_provider \"esx\" must name another vsphere entry connected to a vCenter");
    cr_assert(provider_is_esxi(&pf.entries[1]));
    cr_assert(!provider_is_esxi(&pf.entries[0]));
}

#define CO_BASE "\"storage_hostname\": \"h\", \"storage_username\": \"u\", \"storage_password\": \"ArrayPw-1234\""

Test(providers, copyoffload_vendor_requirements)
{
    cr_assert_eq(load_check("{\"vc\": {" VSPHERE_OK ", \"copyoffload\": {\"storage_vendor_product\": \"vantara\","
                            " \"datastore_id\": \"datastore-1\", " CO_BASE ", \"vantara_storage_id\": \"1\"}}}"),
                 2);
    expect("copyoffload: \"vantara_storage_port\" is required when storage_vendor_product is \"vantara\"; set it in the file or in $COPYOFFLOAD_VANTARA_STORAGE_PORT");
    expect("\"vantara_hostgroup_id_list\" is required");
    expect_not("\"vantara_storage_id\" is required");
}

Test(providers, copyoffload_required_keys_and_values)
{
    cr_assert_eq(load_check("{\"vc\": {" VSPHERE_OK ", \"copyoffload\": {\"storage_vendor_product\": \"netapp\","
                            " " CO_BASE ", \"rdm_lun_uuid\": \"eui.1\", \"dedicated_migration_hosts\": [],"
                            " \"esxi_clone_method\": \"ssh\", \"esxi_host\": \"e\", \"esxi_user\": \"root\"}}}"),
                 5);
    expect("missing required key \"copyoffload.datastore_id\" (a string)");
    expect("key \"copyoffload.storage_vendor_product\": 'netapp' is not one of: ontap, vantara");
    expect("'eui.1' is not an NAA LUN id");
    expect("expected at least one ESXi host id (e.g. \"host-3078\"), got an empty array");
    expect("\"esxi_password\" is required when esxi_clone_method is \"ssh\"");
}

Test(providers, copyoffload_environment_overrides)
{
    setenv("COPYOFFLOAD_STORAGE_PASSWORD", "Env-Array-Pw-9", 1);
    setenv("COPYOFFLOAD_ONTAP_SVM", "svm-from-env", 1);
    setenv("COPYOFFLOAD_DATASTORE_ID", "datastore-env", 1); /* not overridable */
    setenv("COPYOFFLOAD_STORAGE_SECRET_EXTRA", "{\"EXTRA\": \"1\", \"FLAG\": true}", 1);
    cr_assert_eq(load_check("{\"vc\": {" VSPHERE_OK ", \"copyoffload\": {\"storage_vendor_product\": \"ontap\","
                            " \"datastore_id\": \"datastore-1\", \"storage_hostname\": \"h\","
                            " \"storage_username\": \"u\", \"storage_password\": \"File-Pw-000\","
                            " \"storage_secret_extra\": {\"OLD\": \"x\"}}}}"),
                 0);
    const provider_entry *e = &pf.entries[0];
    cr_assert(provider_has_copyoffload(e));
    cr_assert_str_eq(copyoffload_str(e, "storage_password"), "Env-Array-Pw-9");
    cr_assert_str_eq(copyoffload_str(e, "ontap_svm"), "svm-from-env");
    cr_assert_str_eq(copyoffload_str(e, "datastore_id"), "datastore-1");
    const cJSON *extra = copyoffload_item(e, "storage_secret_extra");
    cr_assert_not_null(cJSON_GetObjectItem(extra, "EXTRA"));
    cr_assert_null(cJSON_GetObjectItem(extra, "OLD"));
    cr_assert_not_null(secrets_find(reg, "Env-Array-Pw-9", 14, NULL), "env secret not registered");
}

Test(providers, copyoffload_environment_extra_must_be_an_object)
{
    setenv("COPYOFFLOAD_STORAGE_SECRET_EXTRA", "[\"Extra-Secret-Value\"]", 1);
    load_check("{\"vc\": {" VSPHERE_OK ", \"copyoffload\": {\"storage_vendor_product\": \"powerstore\","
               " \"datastore_id\": \"d\", " CO_BASE "}}}");
    expect("$COPYOFFLOAD_STORAGE_SECRET_EXTRA: error: provider \"vc\": expected a JSON object of extra Secret keys, got array");
    setenv("COPYOFFLOAD_STORAGE_SECRET_EXTRA", "{\"K\": \"Extra-Secret-Value\"", 1);
    diag_free(&diags);
    providers_file_free(&pf);
    load_check("{\"vc\": {" VSPHERE_OK ", \"copyoffload\": {\"storage_vendor_product\": \"powerstore\","
               " \"datastore_id\": \"d\", " CO_BASE "}}}");
    expect("the variable is not valid JSON");
    expect_not("Extra-Secret-Value");
}

Test(providers, check_one_entry_only)
{
    const char *path = write_file("{\"good\": {" VSPHERE_OK "}, \"bad\": {\"type\": \"ova\"}}");
    cr_assert_eq(providers_file_load(&pf, path, reg, &diags), 0);
    cr_assert_eq(providers_check(&pf, "good", &diags), 0);
    cr_assert_eq(providers_check(&pf, "bad", &diags), 5);
    expect("provider \"bad\" (type ova): missing required key \"fqdn\"");
}

Test(providers, open_selects_and_reports_the_first_problem)
{
    const char *path = write_file("{\"good\": {" VSPHERE_OK "}, \"bad\": {\"type\": \"ova\"}}");
    const provider_entry *e;
    mtv_err err;
    cr_assert_eq(providers_open(&pf, path, "good", reg, &e, &err), 0);
    cr_assert_str_eq(e->key, "good");
    cr_assert_str_eq(provider_str(e, "fqdn"), "vc");
    providers_file_free(&pf);
    cr_assert_eq(providers_open(&pf, path, "bad", reg, &e, &err), -1);
    cr_assert_null(e);
    cr_assert(strstr(err.msg, "missing required key \"version\"") && strstr(err.msg, "(and 4 more problems"),
              "%s", err.msg);
}

Test(providers, resolve_path_precedence)
{
    strbuf out = STRBUF_INIT;
    unsetenv("PROVIDERS_JSON_PATH");
    cr_assert_str_eq(providers_resolve_path(NULL, &out), "the default ./.providers.json");
    cr_assert_str_eq(out.buf, ".providers.json");
    setenv("PROVIDERS_JSON_PATH", "/etc/p.json", 1);
    cr_assert_str_eq(providers_resolve_path(NULL, &out), "$PROVIDERS_JSON_PATH");
    cr_assert_str_eq(out.buf, "/etc/p.json");
    cr_assert_str_eq(providers_resolve_path("cli.json", &out), "--providers-json");
    cr_assert_str_eq(out.buf, "cli.json");
    sb_release(&out);
}

Test(providers, schema_key_must_be_a_string)
{
    cr_assert_eq(load_check("{\"$schema\": 1, \"vc\": {" VSPHERE_OK "}}"), 1);
    cr_assert_eq(pf.count, 1, "$schema is not an entry");
    expect("key \"$schema\": expected a string");
}

Test(providers, shipped_example_parses_with_comments)
{
    const char *path = tu_src("docs/examples/providers.json.example");
    cr_assert_eq(providers_file_load(&pf, path, reg, &diags), 0);
    cr_assert_eq(providers_check(&pf, NULL, &diags), 0);
    char *t = all_diags();
    cr_assert_eq(diags.count, 0, "%s", t);
    free(t);
    static const enum provider_type want[] = {PROVIDER_VSPHERE, PROVIDER_OVIRT, PROVIDER_OPENSTACK,
                                              PROVIDER_OPENSHIFT, PROVIDER_OVA, PROVIDER_HYPERV};
    for (size_t w = 0; w < 6; w++) {
        int found = 0;
        for (size_t i = 0; i < pf.count; i++)
            found |= pf.entries[i].type == want[w];
        cr_assert(found, "no %s entry in the example", provider_type_name(want[w]));
    }
    mtv_err err;
    const provider_entry *co = providers_get(&pf, "vsphere-copy-offload", &err);
    cr_assert_not_null(co);
    cr_assert_str_eq(copyoffload_str(co, "storage_vendor_product"), "ontap");
    cr_assert(provider_is_esxi(providers_get(&pf, "vsphere-esxi", &err)));
}

Test(providers, log_lines_mask_provider_secrets)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/run.log", tu_tmpdir());
    mtv_err err;
    log_set_level(LOG_OFF);
    cr_assert_eq(log_set_file(path, LOG_DEBUG, &err), 0);
    const char *p = write_file("{\"vc\": {" VSPHERE_OK ", \"copyoffload\": {\"esxi_password\": \"Esxi-Canary-55\"}}}");
    cr_assert_eq(providers_file_load(&pf, p, log_secrets(), &diags), 0);
    log_error("connecting with %s and %s", CANARY, "Esxi-Canary-55");
    log_shutdown();
    size_t n;
    char *text = tu_read(path, &n);
    cr_assert_not_null(text);
    cr_assert(!tu_contains(text, n, CANARY), "%s", text);
    cr_assert(!tu_contains(text, n, "Esxi-Canary-55"), "%s", text);
    cr_assert(tu_contains(text, n, "connecting with <redacted:vc.password> and <redacted:vc.copyoffload.esxi_password>"),
              "%s", text);
    free(text);
}
