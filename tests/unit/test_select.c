/* Unit tests for runner/select: -m/-k/--scenario selection, provider
 * markers, upstream's collection-time skip reasons (exact strings), setting
 * skips, Jira links and test names, over a small catalog written here. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/select.h"
#include "testutil.h"

static catalog cat;
static diag_list diags;
static selection sel;
static providers_file pf;

#define DOC "\"doc\": [\"S.\", \"Purpose: p\", \"Prerequisites:\", \"- a\", \"Steps:\", \"1. b\", \"Expected result:\", \"- c\"]"

static void scen(const char *dir, const char *name, const char *suite, const char *markers, const char *extra,
                 const char *vm)
{
    strbuf path = STRBUF_INIT, text = STRBUF_INIT;
    sb_addf(&path, "%s.json", name);
    sb_addf(&text, "{\"suite\": \"%s\", \"markers\": [%s], \"pattern\": \"base\", " DOC "%s, \"params\": "
                   "{\"virtual_machines\": [%s]}}",
            suite, markers, extra, vm ? vm : "{\"name\": \"vm\"}");
    tu_write(dir, path.buf, text.buf);
    sb_release(&path);
    sb_release(&text);
}

static void setup(void)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    tu_write(dir, "settings.json", "{\"remote_ocp_cluster\": \"\", \"storage_class\": \"nfs\"}");
    scen(dir, "s_cold", "cold", "\"tier0\", \"vsphere\", \"rhv\"", "", NULL);
    scen(dir, "s_warm", "warm", "\"tier0\", \"warm\"", "", NULL);
    scen(dir, "s_copy", "copyoffload", "\"copyoffload\"", "", NULL);
    scen(dir, "s_luks", "luks", "\"tier1\"", "", NULL);
    scen(dir, "s_ca", "cold", "\"ca_crt\", \"tier1\"", "", NULL);
    scen(dir, "s_remote", "cold", "\"remote\"",
         ", \"skipif\": [{\"setting\": \"remote_ocp_cluster\", \"is\": false, \"reason\": \"No remote OCP cluster provided\"}]",
         NULL);
    scen(dir, "s_ova", "cold", "\"tier0\", \"ova\"", "", NULL);
    scen(dir, "s_esxi", "cold", "\"esxi\", \"tier1\"", "", NULL);
    scen(dir, "s_nic", "cold", "\"tier1\"", "",
         "{\"name\": \"vm\", \"add_nic\": true, \"add_nic_start_connected\": false}");
    scen(dir, "s_jira", "warm", "\"tier1\"",
         ", \"class\": \"TestJiraLinked\", \"id\": \"MTV-42:linked\", \"jira\": [{\"key\": \"MTV-2846\", "
         "\"run\": false, \"when\": {\"source_provider_type\": \"ovirt\"}}]",
         NULL);
    diag_init(&diags);
    cr_assert_eq(catalog_load(&cat, dir, NULL, &diags), 0);
    catalog_check(&cat, &diags);
    cr_assert_eq(diags.errors, 0, "%s", diags.count ? diags.items[0].text : "");
    memset(&sel, 0, sizeof sel);
    memset(&pf, 0, sizeof pf);
}

static void teardown(void)
{
    selection_free(&sel);
    catalog_free(&cat);
    diag_free(&diags);
    providers_file_free(&pf);
}

TestSuite(select, .init = setup, .fini = teardown);

static void run(select_opts *o)
{
    selection_free(&sel);
    mtv_err err;
    cr_assert_eq(select_scenarios(&cat, o, &sel, &err), 0, "%s", err.msg);
}

static const selected *find(const char *name)
{
    for (size_t i = 0; i < sel.count; i++)
        if (!strcmp(sel.items[i].sc->name, name))
            return &sel.items[i];
    return NULL;
}

/* "a,b," of the selected names. */
static const char *names(void)
{
    static char buf[512];
    buf[0] = '\0';
    for (size_t i = 0; i < sel.count; i++) {
        strcat(buf, sel.items[i].sc->name);
        strcat(buf, ",");
    }
    return buf;
}

Test(select, marker_expression_and_provider_markers)
{
    select_opts o = {.markexpr = "tier0 and not warm", .provider_type = PROVIDER_VSPHERE,
                     .provider_label = "vsphere"};
    run(&o);
    cr_assert_str_eq(names(), "s_cold,");
    cr_assert_eq(sel.not_applicable, 1, "s_ova is written for ova only");
    cr_assert_eq(sel.deselected, 8);
    o.provider_type = PROVIDER_UNKNOWN;
    run(&o);
    cr_assert_str_eq(names(), "s_cold,s_ova,", "without a provider, provider markers do not filter");
}

Test(select, upstream_skip_reasons)
{
    select_opts o = {.provider_type = PROVIDER_OPENSTACK};
    run(&o);
    cr_assert_str_eq(find("s_warm")->skip, "openstack warm migration is not supported.");
    cr_assert_str_eq(find("s_copy")->skip, "Test is only applicable to vSphere source providers");
    cr_assert_str_eq(find("s_luks")->skip, "Test is only applicable to vSphere source providers",
                     "luks is a keyword through the suite, as upstream's tests/luks/ package");
    cr_assert_null(find("s_ca")->skip);
    cr_assert_str_eq(find("s_nic")->skip, "add_nic is only supported for vSphere source providers");
    o.provider_type = PROVIDER_OPENSHIFT;
    run(&o);
    cr_assert_str_eq(find("s_ca")->skip, "openshift does not use CA certificates in provider secret");
    cr_assert_str_eq(find("s_warm")->skip, "openshift warm migration is not supported.");
    o.provider_type = PROVIDER_OVIRT;
    run(&o);
    cr_assert_null(find("s_warm")->skip, "RHV supports warm migration");
    cr_assert_str_eq(find("s_copy")->skip, "Test is only applicable to vSphere source providers");
    o.provider_type = PROVIDER_VSPHERE;
    run(&o);
    cr_assert_null(find("s_copy")->skip);
    cr_assert_null(find("s_nic")->skip);
}

Test(select, setting_driven_skips)
{
    select_opts o = {.markexpr = "remote"};
    run(&o);
    cr_assert_str_eq(find("s_remote")->skip, "No remote OCP cluster provided");
    mtv_err err;
    cr_assert_eq(settings_set(&cat.settings, "remote_ocp_cluster", "api.remote", NULL, &err), 0);
    run(&o);
    cr_assert_null(find("s_remote")->skip);
}

Test(select, keyword_expression_is_case_insensitive_over_names)
{
    select_opts o = {.keyexpr = "COLD and not ca and not remote and not ova and not esxi and not nic"};
    run(&o);
    cr_assert_str_eq(names(), "s_cold,", "suite cold matches COLD");
    o.keyexpr = "testjira or mtv-42";
    run(&o);
    cr_assert_str_eq(names(), "s_jira,", "class and id are keywords");
    o.keyexpr = "s_w";
    run(&o);
    cr_assert_str_eq(names(), "s_warm,");
    o.keyexpr = "copyoff";
    run(&o);
    cr_assert_str_eq(names(), "s_copy,", "substrings of markers match");
}

Test(select, scenario_names_narrow_and_unknown_ones_fail)
{
    const char *want[] = {"s_warm", "s_copy"};
    select_opts o = {.names = want, .n_names = 2, .markexpr = "not copyoffload"};
    run(&o);
    cr_assert_str_eq(names(), "s_warm,");
    const char *bad[] = {"s_wram"};
    select_opts b = {.names = bad, .n_names = 1};
    mtv_err err;
    selection_free(&sel);
    cr_assert_eq(select_scenarios(&cat, &b, &sel, &err), -1);
    cr_assert(strstr(err.msg, "--scenario s_wram: no such scenario in") && strstr(err.msg, "(did you mean 's_warm'?)"),
              "%s", err.msg);
    selection_free(&sel);
    select_opts m = {.markexpr = "tier0 or"};
    cr_assert_eq(select_scenarios(&cat, &m, &sel, &err), -1);
    cr_assert(strstr(err.msg, "at column 9"), "%s", err.msg);
}

Test(select, unregistered_markers_warn)
{
    select_opts o = {.markexpr = "tierO or tier1"};
    run(&o);
    cr_assert_eq(sel.warnings.warnings, 1);
    cr_assert(strstr(sel.warnings.items[0].text, "'tierO' is not a registered marker (did you mean 'tier0'?)"));
}

Test(select, test_names_and_jira)
{
    select_opts o = {.markexpr = "tier1", .provider_type = PROVIDER_OVIRT, .provider_label = "rhv-4-4",
                     .storage_class = "ceph-rbd"};
    run(&o);
    cr_assert_str_eq(find("s_jira")->test_name, "s_jira-rhv-4-4-ceph-rbd");
    cr_assert_not_null(find("s_jira")->jira);
    cr_assert_str_eq(find("s_jira")->jira->key, "MTV-2846");
    o.provider_type = PROVIDER_VSPHERE;
    o.provider_label = NULL;
    o.storage_class = NULL;
    run(&o);
    cr_assert_null(find("s_jira")->jira, "the link applies to ovirt only");
    cr_assert_str_eq(find("s_jira")->test_name, "s_jira");
}

Test(select, esxi_entries_take_esxi_scenarios)
{
    const char *path = tu_write(tu_tmpdir(), "p.json",
        "{\"esx\": {\"type\": \"vsphere\", \"version\": \"8\", \"fqdn\": \"e\", \"api_url\": \"a\","
        " \"username\": \"u\", \"password\": \"p\", \"endpoint_type\": \"esxi\"}}");
    cr_assert_eq(providers_file_load(&pf, path, NULL, &diags), 0);
    select_opts o = {.provider_type = PROVIDER_VSPHERE, .entry = &pf.entries[0]};
    run(&o);
    cr_assert_not_null(find("s_esxi"));
    cr_assert_null(find("s_cold"), "written for vCenter (vsphere marker) only");
    o.entry = NULL;
    run(&o);
    cr_assert_not_null(find("s_cold"), "a provider type alone takes both");
    cr_assert_not_null(find("s_esxi"));
}
