/* Unit tests for util/gotmpl: a table of templates (every pvcNameTemplate
 * the shipped scenarios use, plus the Sprig functions Forklift documents)
 * with their data and expected output as Go's text/template + Sprig
 * produce it; the scenarios are scanned so a new template cannot ship
 * untested; and parse and execution errors name the position. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "util/fs.h"
#include "util/gotmpl.h"
#include "util/json.h"

typedef struct tcase {
    const char *tmpl;
    const char *data;   /* JSON */
    const char *want;
} tcase;

/* Expected outputs were worked out from Go's and Sprig's definitions:
 * trunc N keeps the first N bytes, trunc -N the last N; trimSuffix removes
 * one suffix; replace is strings.Replace(src, old, new, -1). */
static const tcase table[] = {
    /* scenarios/test_cold_migration_comprehensive.json and the warm one's "default" */
    {"{{ .VmName | trunc 32 | trimSuffix \"-\" }}-{{ .VmName | trunc -4 }}-disk-{{.DiskIndex}}",
     "{\"VmName\":\"mtv-win2019-3disks\",\"DiskIndex\":0}", "mtv-win2019-3disks-isks-disk-0"},
    {"{{ .VmName | trunc 32 | trimSuffix \"-\" }}-{{ .VmName | trunc -4 }}-disk-{{.DiskIndex}}",
     "{\"VmName\":\"auto-k3x9-mtv-win2019-3disks-ceph-rbd-4-20\",\"DiskIndex\":2}",
     "auto-k3x9-mtv-win2019-3disks-cep-4-20-disk-2"},
    {"{{ .VmName | trunc 32 | trimSuffix \"-\" }}-{{ .VmName | trunc -4 }}-disk-{{.DiskIndex}}",
     "{\"VmName\":\"abcdefghij-abcdefghij-abcdefghij-z\",\"DiskIndex\":1}",
     "abcdefghij-abcdefghij-abcdefghij-ij-z-disk-1"},
    {"{{ .VmName | trunc 32 | trimSuffix \"-\" }}-{{ .VmName | trunc -4 }}-disk-{{.DiskIndex}}",
     "{\"VmName\":\"abcdefghij-abcdefghij-abcdefghi-xyz\",\"DiskIndex\":3}",
     "abcdefghij-abcdefghij-abcdefghi--xyz-disk-3"},
    {"{{ .VmName | trunc 32 | trimSuffix \"-\" }}-{{ .VmName | trunc -4 }}-disk-{{.DiskIndex}}",
     "{\"VmName\":\"vm\",\"DiskIndex\":0}", "vm-vm-disk-0"},
    /* scenarios/test_warm_migration_comprehensive.json "vsphere" */
    {"{{ .FileName | trimSuffix \".vmdk\" | replace \"_\" \"-\" }}-{{.DiskIndex}}",
     "{\"FileName\":\"mtv_win2022_ip_3disks_1.vmdk\",\"DiskIndex\":1}",
     "mtv-win2022-ip-3disks-1-1"},
    {"{{ .FileName | trimSuffix \".vmdk\" | replace \"_\" \"-\" }}-{{.DiskIndex}}",
     "{\"FileName\":\"disk.vmdk.vmdk\",\"DiskIndex\":0}", "disk.vmdk-0"},
    /* the copy-offload scenarios force a literal */
    {"pvc", "{}", "pvc"},
    /* Forklift's built-in defaults (forklift.md 10.7) */
    {"{{trunc 15 .PlanName}}-{{trunc 15 .TargetVmName}}-disk-{{.DiskIndex}}",
     "{\"PlanName\":\"a-very-long-plan-name\",\"TargetVmName\":\"mtv-tests-rhel8\",\"DiskIndex\":0}",
     "a-very-long-pla-mtv-tests-rhel8-disk-0"},
    {"{{.SourcePVCName}}", "{\"SourcePVCName\":\"rootdisk-abc\"}", "rootdisk-abc"},
    /* the rest of the Sprig set Forklift offers */
    {"{{ lower .A }}|{{ upper .A }}|{{ title \"hello wide world\" }}|{{ untitle \"Hello World\" }}",
     "{\"A\":\"MiXed\"}", "mixed|MIXED|Hello Wide World|hello world"},
    {"{{ repeat 3 \"ab\" }}|{{ substr 1 3 \"hello\" }}|{{ substr -1 2 \"hello\" }}|"
     "{{ substr 2 -1 \"hello\" }}|{{ nospace \" a b\\tc \" }}|{{ initials \"foo bar baz\" }}",
     "{}", "ababab|el|he|llo|abc|fbb"},
    {"{{ trunc 0 \"abc\" }}|{{ trunc 10 \"abc\" }}|{{ trunc -10 \"abc\" }}|{{ trunc -3 \"abc\" }}",
     "{}", "|abc|abc|abc"},
    {"{{ contains \"ell\" \"hello\" }} {{ hasPrefix \"he\" \"hello\" }} {{ hasSuffix \"lo\" \"hello\" }} "
     "{{ contains \"z\" \"hello\" }}",
     "{}", "true true true false"},
    {"[{{ trim \"  x y  \" }}][{{ trimAll \"-$\" \"$-a-b-$\" }}][{{ trimPrefix \"pre-\" \"pre-fix\" }}]"
     "[{{ trimSuffix \"x\" \"abc\" }}]",
     "{}", "[x y][a-b][fix][abc]"},
    {"{{ replace \"a\" \"\" \"banana\" }}|{{ replace \".\" \"-\" .Name }}", "{\"Name\":\"a.b.c\"}",
     "bnn|a-b-c"},
    {"{{ mustRegexReplaceAll \"[^a-z0-9-]+\" .Name \"-\" }}",
     "{\"Name\":\"My_VM.name 01\"}", "-y-name-01"},
    {"{{ .Name | lower | mustRegexReplaceAll \"[^a-z0-9]+\" \"x\" }}",
     "{\"Name\":\"A_B\"}", "x"},
    {"{{ mustRegexReplaceAll \"(a+)(b)\" \"xaab-ab\" \"${2}$1\" }}", "{}", "xbaa-ba"},
    {"{{ add 1 2 3 }} {{ add1 .DiskIndex }} {{ sub 10 4 }} {{ div 7 2 }} {{ mod 7 3 }} "
     "{{ mul 2 3 4 }} {{ max 3 9 2 }} {{ min 3 9 2 }}",
     "{\"DiskIndex\":4}", "6 5 6 3 1 24 9 2"},
    {"{{ floor 2.7 }} {{ ceil 2.1 }} {{ round 2.5 0 }} {{ round 3.14159 2 }} {{ floor 3 }}",
     "{}", "2 3 3 3.14 3"},
    {"disk-{{ add .DiskIndex 1 }}-of-{{ .VmName }}", "{\"DiskIndex\":0,\"VmName\":\"web\"}",
     "disk-1-of-web"},
    /* Go's own control structures and builtins */
    {"{{ if eq .DiskIndex 0 }}root{{ else if eq .DiskIndex 1 }}one{{ else }}data{{ end }}-{{.VmName}}",
     "{\"DiskIndex\":1,\"VmName\":\"v\"}", "one-v"},
    {"{{ if .Shared }}shared{{ else }}own{{ end }}", "{\"Shared\":false}", "own"},
    {"{{- /* a comment */ -}}\n  {{ .A -}}  \n  {{- .B }}", "{\"A\":\"x\",\"B\":\"y\"}", "xy"},
    {"{{ $n := .VmName | upper }}{{ $n }}-{{ $n = \"z\" }}{{ $n }}", "{\"VmName\":\"ab\"}", "AB-z"},
    {"{{ range $i, $d := .Disks }}{{ if $i }},{{ end }}{{ $i }}:{{ $d.name }}{{ end }}",
     "{\"Disks\":[{\"name\":\"a\"},{\"name\":\"b\"}]}", "0:a,1:b"},
    {"{{ range .L }}{{ if eq . 2 }}{{ break }}{{ end }}{{ . }}{{ end }}|{{ range .E }}x{{ else }}empty{{ end }}",
     "{\"L\":[1,2,3],\"E\":[]}", "1|empty"},
    {"{{ with .Missing }}has{{ else }}none{{ end }}|{{ len .VmName }}|{{ index .L 1 }}",
     "{\"Missing\":\"\",\"VmName\":\"four\",\"L\":[\"a\",\"b\"]}", "none|4|b"},
    {"{{ printf \"%s-%03d\" .VmName .DiskIndex }}|{{ printf \"%q\" \"x\" }}|{{ print 1 2 }}",
     "{\"VmName\":\"vm\",\"DiskIndex\":7}", "vm-007|\"x\"|1 2"},
    {"{{ and true .A }} {{ or \"\" .B }} {{ not .C }} {{ ne 1 2 }} {{ lt 1 2 }} {{ ge \"b\" \"a\" }}",
     "{\"A\":\"yes\",\"B\":\"fallback\",\"C\":false}", "yes fallback true true true true"},
    {"{{ (printf \"%s\" .A | upper) }}{{ (.O).k }}", "{\"A\":\"q\",\"O\":{\"k\":\"v\"}}", "Qv"},
    {"{{ 1.5 }} {{ 0x10 }} {{ -3 }} {{ `raw\\n` }} {{ \"\\u00e9\" }} {{ true }} {{ 'a' }}", "{}",
     "1.5 16 -3 raw\\n \xc3\xa9 true 97"},
};

static void run_case(const tcase *c)
{
    cJSON *data = cJSON_Parse(c->data);
    cr_assert_not_null(data, "bad test data %s", c->data);
    strbuf out = STRBUF_INIT;
    mtv_err err;
    mtv_err_clear(&err);
    int rc = gotmpl_render("pvc", c->tmpl, data, &out, &err);
    cr_assert_eq(rc, 0, "%s: %s", c->tmpl, err.msg);
    cr_assert_str_eq(sb_str(&out), c->want, "template %s with %s", c->tmpl, c->data);
    sb_release(&out);
    cJSON_Delete(data);
}

Test(gotmpl, table)
{
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        run_case(&table[i]);
}

static int in_table(const char *tmpl)
{
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (!strcmp(table[i].tmpl, tmpl))
            return 1;
    return 0;
}

static void collect_templates(const cJSON *node, int under_template, size_t *found,
                              const char *file)
{
    if (cJSON_IsString(node) && under_template) {
        cr_assert(in_table(node->valuestring),
                  "%s: the PVC name template %s is not in the test table", file,
                  node->valuestring);
        (*found)++;
        return;
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, node)
    {
        int t = under_template || (c->string && strstr(c->string, "name_template") &&
                                   !strstr(c->string, "use_generate_name"));
        collect_templates(c, t, found, file);
    }
}

Test(gotmpl, every_scenario_template_is_in_the_table)
{
    char **names;
    size_t n;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(fs_list_dir(tu_src("scenarios"), ".json", &names, &n, &err), 0, "%s", err.msg);
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        strbuf path = STRBUF_INIT;
        fs_join(&path, tu_src("scenarios"), names[i]);
        json_doc doc;
        cr_assert_eq(json_doc_load(&doc, path.buf, JSON_HASH_COMMENTS, &err), 0, "%s", err.msg);
        collect_templates(doc.root, 0, &found, names[i]);
        json_doc_free(&doc);
        sb_release(&path);
    }
    fs_free_list(names, n);
    cr_assert_geq(found, 3, "expected the scenarios' PVC name templates, found %zu", found);
}

static void expect_error(const char *tmpl, const char *data, const char *want)
{
    cJSON *d = data ? cJSON_Parse(data) : NULL;
    strbuf out = STRBUF_INIT;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(gotmpl_render("pvc", tmpl, d, &out, &err), -1, "%s rendered as %s", tmpl,
                 sb_str(&out));
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    cr_assert(strstr(err.msg, want), "%s: expected '%s' in: %s", tmpl, want, err.msg);
    sb_release(&out);
    cJSON_Delete(d);
}

Test(gotmpl, parse_errors_name_the_position)
{
    expect_error("{{ .VmName | nosuch }}", NULL, "template: pvc:1:14: function \"nosuch\" not defined");
    expect_error("a\n{{ .VmName", NULL, "pvc:2:1: unclosed action");
    expect_error("{{ if .A }}x", NULL, "missing {{end}}");
    expect_error("{{ end }}", NULL, "unexpected {{end}}");
    expect_error("{{ \"abc }}", NULL, "unterminated quoted string");
    expect_error("{{ .A | }}", NULL, "missing value for command");
    expect_error("{{ ( .A }}", NULL, "unexpected \"}}\"");
    expect_error("{{ 12ab }}", NULL, "bad number syntax");
    expect_error("{{ break }}", NULL, "outside {{range}}");
    expect_error("{{ template \"x\" }}", NULL, "not supported");
    expect_error("{{/* open", NULL, "unclosed comment");
}

Test(gotmpl, execution_errors_name_the_field)
{
    expect_error("{{ .VmNme }}", "{\"VmName\":\"x\"}", "can't evaluate field VmNme");
    expect_error("x{{ trunc 3 }}", "{}", "pvc:1:5: executing \"pvc\": at <trunc>: wrong number of args "
                 "for trunc: want 2 got 1");
    expect_error("{{ div 1 0 }}", "{}", "integer divide by zero");
    expect_error("{{ mustRegexReplaceAll \"(\" \"a\" \"b\" }}", "{}", "error parsing regexp");
    expect_error("{{ .A 1 }}", "{\"A\":1}", "can't give argument to non-function A");
    expect_error("{{ $x }}", "{}", "undefined variable: $x");
    expect_error("{{ .A.B }}", "{\"A\":\"s\"}", "can't evaluate field B in type string");
    expect_error("{{ eq .A 1 }}", "{\"A\":\"s\"}", "incompatible types for comparison");
}

Test(gotmpl, parsed_template_is_reusable)
{
    gotmpl *t;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(gotmpl_parse(&t, "vol", "vol-{{ .VolumeIndex }}", &err), 0, "%s", err.msg);
    for (int i = 0; i < 3; i++) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddNumberToObject(d, "VolumeIndex", i);
        strbuf out = STRBUF_INIT;
        cr_assert_eq(gotmpl_exec(t, d, &out, &err), 0, "%s", err.msg);
        char want[16];
        snprintf(want, sizeof want, "vol-%d", i);
        cr_assert_str_eq(out.buf, want);
        sb_release(&out);
        cJSON_Delete(d);
    }
    gotmpl_free(t);
}
