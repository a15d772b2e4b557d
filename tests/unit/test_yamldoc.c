/* Unit tests for util/yamldoc: YAML becomes the JSON Kubernetes tooling
 * would make of it (scalar resolution, tags, anchors, merges, several
 * documents) and errors point at file:line:col. */
#include <criterion/criterion.h>
#include <string.h>

#include "util/strbuf.h"
#include "util/yamldoc.h"

static cJSON *parse_ok(const char *text)
{
    cJSON *docs = NULL;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(yamldoc_parse("t.yaml", text, strlen(text), &docs, &err), 0, "%s", err.msg);
    return docs;
}

static void parse_fails(const char *text, const char *want)
{
    cJSON *docs = NULL;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(yamldoc_parse("t.yaml", text, strlen(text), &docs, &err), -1);
    cr_assert_null(docs);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    cr_assert(strstr(err.msg, want), "expected '%s' in: %s", want, err.msg);
}

Test(yamldoc, scalars_resolve_like_kubernetes)
{
    cJSON *docs = parse_ok("i: 253\nneg: -7\nhex: 0x1F\noct: 0755\nf: 1.5\nexp: 2e3\n"
                           "t: true\ny: yes\noff: off\nn: null\ntilde: ~\nempty:\n"
                           "q: \"253\"\nsq: 'true'\ntagged: !!str 12\nblock: |\n  a\n  b\n"
                           "ver: 1.2.3\nword: hello\n");
    cJSON *d = cJSON_GetArrayItem(docs, 0);
    cr_assert_eq(cJSON_GetArraySize(docs), 1);
    cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(d, "i")));
    cr_assert_eq(cJSON_GetObjectItem(d, "i")->valuedouble, 253);
    cr_assert_eq(cJSON_GetObjectItem(d, "neg")->valuedouble, -7);
    cr_assert_eq(cJSON_GetObjectItem(d, "hex")->valuedouble, 31);
    cr_assert_eq(cJSON_GetObjectItem(d, "oct")->valuedouble, 493);
    cr_assert_eq(cJSON_GetObjectItem(d, "f")->valuedouble, 1.5);
    cr_assert_eq(cJSON_GetObjectItem(d, "exp")->valuedouble, 2000);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(d, "t")));
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(d, "y")));
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(d, "off")));
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(d, "n")));
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(d, "tilde")));
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(d, "empty")));
    cr_assert_str_eq(cJSON_GetObjectItem(d, "q")->valuestring, "253");
    cr_assert_str_eq(cJSON_GetObjectItem(d, "sq")->valuestring, "true");
    cr_assert_str_eq(cJSON_GetObjectItem(d, "tagged")->valuestring, "12");
    cr_assert_str_eq(cJSON_GetObjectItem(d, "block")->valuestring, "a\nb\n");
    cr_assert_str_eq(cJSON_GetObjectItem(d, "ver")->valuestring, "1.2.3");
    cr_assert_str_eq(cJSON_GetObjectItem(d, "word")->valuestring, "hello");
    cJSON_Delete(docs);
}

Test(yamldoc, documents_anchors_and_merge_keys)
{
    cJSON *docs = parse_ok("---\n---\nbase: &b {x: 1, y: [1, 2]}\nderived:\n  <<: *b\n  y: 3\n"
                           "copy: *b\n---\n- a\n- b\n");
    cr_assert_eq(cJSON_GetArraySize(docs), 2, "empty documents are skipped");
    cJSON *d = cJSON_GetArrayItem(docs, 0);
    cJSON *derived = cJSON_GetObjectItem(d, "derived");
    cr_assert_eq(cJSON_GetObjectItem(derived, "x")->valuedouble, 1, "merged from the anchor");
    cr_assert_eq(cJSON_GetObjectItem(derived, "y")->valuedouble, 3, "own keys win over merges");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "copy"), "y")), 2);
    cr_assert(cJSON_IsArray(cJSON_GetArrayItem(docs, 1)));
    cJSON_Delete(docs);
}

Test(yamldoc, errors_name_line_and_column)
{
    parse_fails("a: 1\nb: 2\na: 3\n", "t.yaml:3:1: duplicate key 'a'");
    parse_fails("a: [1, 2\n", "t.yaml:2:");
    parse_fails("x: *nope\n", "unknown alias 'nope'");
    parse_fails("n: !!int abc\n", "t.yaml:1:4:");
}

Test(yamldoc, alias_bombs_end_in_an_error)
{
    strbuf y = STRBUF_INIT;
    sb_adds(&y, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 12; i++)
        sb_addf(&y, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
                i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    parse_fails(y.buf, "too many values");
    sb_release(&y);
}
