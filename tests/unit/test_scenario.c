/* Unit tests for runner/scenario: the envelope of a scenario file (markers,
 * pattern, doc, jira, skipif, unknown keys), each message naming the file
 * with line:col, the key and the rule. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "config/providers.h"
#include "runner/scenario.h"
#include "testutil.h"

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

TestSuite(scenario, .init = setup, .fini = teardown);

#define DOC "\"doc\": [\"Summary.\", \"Purpose: p\", \"Prerequisites:\", \"- a\", \"Steps:\", \"1. b\", \"Expected result:\", \"- c\"]"
#define PARAMS "\"params\": {\"virtual_machines\": [{\"name\": \"vm1\"}]}"

static int load(const char *name, const char *text)
{
    return scenario_load(&sc, tu_write(tu_tmpdir(), name, text), NULL, &diags);
}

static void expect(const char *needle)
{
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < diags.count; i++)
        sb_addf(&sb, "%s\n", diags.items[i].text);
    cr_assert(strstr(sb_str(&sb), needle), "expected '%s' in:\n%s", needle, sb_str(&sb));
    sb_release(&sb);
}

Test(scenario, a_good_file_loads_every_field)
{
    cr_assert_eq(load("test_x.json",
                      "{\"class\": \"TestX\", \"id\": \"MTV-1\", \"suite\": \"warm\", \"markers\": [\"tier0\", "
                      "\"vsphere\"], \"pattern\": \"xfs\", " DOC ", \"jira\": [{\"key\": \"MTV-2846\", \"run\": "
                      "false, \"when\": {\"source_provider_type\": [\"ovirt\", \"openstack\"]}}], \"skipif\": "
                      "[{\"setting\": \"remote_ocp_cluster\", \"is\": false, \"reason\": \"No remote\"}], " PARAMS "}"),
                 0);
    cr_assert_eq(diags.count, 0, "%s", diags.count ? diags.items[0].text : "");
    cr_assert_str_eq(sc.name, "test_x");
    cr_assert_str_eq(sc.cls, "TestX");
    cr_assert_str_eq(sc.id, "MTV-1");
    cr_assert_eq(sc.n_markers, 2);
    cr_assert_str_eq(sc.pattern->name, "xfs");
    cr_assert_eq(sc.n_jira, 1);
    cr_assert_eq(sc.jira[0].run, 0);
    cr_assert_eq(sc.jira[0].when_types, (1u << PROVIDER_OVIRT) | (1u << PROVIDER_OPENSTACK));
    cr_assert_eq(sc.n_skipif, 1);
    cr_assert_eq(sc.skipif[0].is, 0);
    cr_assert(strstr(sc.doc_text, "Summary.\nPurpose: p\n"));
    cr_assert(scenario_has_keyword(&sc, "warm"), "the suite is a keyword");
    cr_assert(scenario_has_keyword(&sc, "tier0"));
    cr_assert(!scenario_has_keyword(&sc, "cold"));
    cr_assert_not_null(sc.params);
}

Test(scenario, unknown_keys_markers_and_patterns)
{
    load("test_x.json", "{\n\"markers\": [\"tier0\", \"tierO\", \"tier0\", 3],\n\"patern\": \"base\",\n"
                        "\"pattern\": \"bse\",\n" DOC ",\n\"suite\": \"hook\",\n" PARAMS "}");
    expect("test_x.json:2:22: error: markers[1]: 'tierO' is not a registered marker (did you mean 'tier0'?)");
    expect("test_x.json:2:31: error: markers[2]: 'tier0' is listed twice");
    expect("test_x.json:2:40: error: markers[3]: expected a marker name (string), got number");
    expect("test_x.json:3:1: error: unknown key \"patern\" (did you mean 'pattern'?)");
    expect("test_x.json:4:1: error: key \"pattern\": 'bse' is not a step pattern (did you mean 'base'?)");
    expect("test_x.json:6:1: error: key \"suite\": 'hook' is not one of upstream's tests/ folders (did you mean 'hooks'?)");
    cr_assert_eq(diags.errors, 6);
    cr_assert_null(sc.pattern);
}

Test(scenario, required_keys)
{
    load("test_x.json", "{\"params\": []}");
    expect("test_x.json:1:1: error: missing required key \"markers\"");
    expect("missing required key \"pattern\" (the step pattern; one of: base, plan_readiness");
    expect("missing required key \"doc\"");
    expect("test_x.json:1:2: error: key \"params\": expected an object, got array");
    cr_assert_null(sc.params);
}

Test(scenario, doc_needs_every_section)
{
    load("test_x.json", "{\"markers\": [], \"pattern\": \"base\", \"doc\": \"Purpose: only\\nSteps:\\n1. x\", " PARAMS "}");
    expect("key \"doc\": the test plan must open with a one-line summary");
    expect("the test plan has no line starting with \"Prerequisites:\"");
    expect("the test plan has no line starting with \"Expected result:\"");
    cr_assert_eq(diags.errors, 3, "Purpose: and Steps: are present");
}

Test(scenario, jira_and_skipif_rules)
{
    load("test_x.json", "{\"markers\": [], \"pattern\": \"base\", " DOC ",\n\"jira\": [{\"key\": \"mtv-1\"}, "
                        "{\"run\": \"no\"}, {\"key\": \"MTV-2\", \"when\": {\"source_provider_type\": \"rhv\"}}, "
                        "{\"key\": \"MTV-3\", \"who\": 1}],\n\"skipif\": [{\"setting\": \"remote_cluster\", \"is\": "
                        "false, \"reason\": \"r\"}, {\"setting\": \"remote_ocp_cluster\"}], " PARAMS "}");
    expect("test_x.json:2:11: error: jira[0].key: expected an issue key like \"MTV-2846\"");
    expect("jira[1].run: expected a boolean, got string");
    expect("jira[2].when.source_provider_type: expected a provider type (vsphere, ovirt");
    expect("jira[3]: unknown key \"who\"; keys: key, run, when");
    expect("test_x.json:3:12: error: skipif[0].setting: 'remote_cluster' is not a known setting");
    expect("skipif[1]: expected {\"setting\": NAME, \"is\": true|false, \"reason\": TEXT}");
    cr_assert_eq(sc.n_jira, 0);
    cr_assert_eq(sc.n_skipif, 0);
}

Test(scenario, file_name_and_syntax)
{
    cr_assert_eq(load("Test-X.json", "{\"markers\": [], \"pattern\": \"base\", " DOC ", " PARAMS "}"), 0);
    expect("Test-X.json:1:1: error: the file name must be <scenario_key>.json");
    scenario_free(&sc);
    diag_free(&diags);
    cr_assert_eq(load("test_y.json", "{\"markers\": [],\n \"pattern\": 'base'}"), -1);
    expect("test_y.json:2:13: error: strings and keys must use double quotes");
}

Test(scenario, overrides_change_the_reported_place)
{
    load("test_x.json", "{\"markers\": [], \"pattern\": \"base\", " DOC ",\n " PARAMS "}");
    strbuf w = STRBUF_INIT;
    scenario_where(&sc, "/params/virtual_machines/0/name", &w);
    cr_assert(strstr(w.buf, "test_x.json:2:"), "before the override: %s", w.buf);
    scenario_note_override(&sc, "/params/virtual_machines", "--set test_x.virtual_machines");
    scenario_where(&sc, "/params/virtual_machines/0/name", &w);
    cr_assert_str_eq(w.buf, "--set test_x.virtual_machines");
    scenario_where(&sc, "/params/virtual_machines_x", &w);
    cr_assert(strstr(w.buf, "test_x.json:"), "a longer key is not under the override: %s", w.buf);
    sb_release(&w);
}
