/* Unit tests for util/json: syntax errors name file:line:col with a caret,
 * comments are accepted only where allowed, pointers locate keys. */
#include <criterion/criterion.h>
#include <string.h>

#include "util/json.h"

static void assert_parse_error(const char *text, int flags, const char *expect_where,
                               const char *expect_what)
{
    json_doc doc;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(json_doc_parse(&doc, "f.json", text, strlen(text), flags, &err), -1);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    cr_assert(strstr(err.msg, expect_where), "expected '%s' in: %s", expect_where, err.msg);
    cr_assert(strstr(err.msg, expect_what), "expected '%s' in: %s", expect_what, err.msg);
}

Test(json, trailing_comma_names_line_and_caret)
{
    const char *text = "{\n  \"a\": 1,\n  \"b\": 2,\n}\n";
    assert_parse_error(text, JSON_STRICT, "f.json:4:1:", "trailing comma");
    json_doc doc;
    mtv_err err;
    json_doc_parse(&doc, "f.json", text, strlen(text), 0, &err);
    cr_assert(strstr(err.msg, "\n    }\n    ^"), "caret excerpt missing: %s", err.msg);
}

Test(json, missing_comma_and_truncation)
{
    assert_parse_error("{\"a\": 1\n \"b\": 2}", 0, "f.json:2:2:", "missing ','");
    assert_parse_error("{\"a\": [1, 2", 0, "f.json:1:", "truncated");
    assert_parse_error("{'a': 1}", 0, "f.json:1:2:", "double quotes");
    assert_parse_error("{\"a\": 1} x", 0, "f.json:1:10:", "after the end");
}

Test(json, empty_input_is_its_own_error)
{
    assert_parse_error("", 0, "f.json is empty", "");
    assert_parse_error("  \n\t ", 0, "f.json is empty", "whitespace");
    assert_parse_error("# only a comment\n", JSON_HASH_COMMENTS, "f.json is empty", "comments");
}

Test(json, hash_comments_only_when_allowed)
{
    const char *text = "# header\n{\n  # a comment line\n  \"a\": 1\n}\n";
    assert_parse_error(text, JSON_STRICT, "f.json:1:1:", "comments are not allowed");
    json_doc doc;
    mtv_err err;
    cr_assert_eq(json_doc_parse(&doc, "f.json", text, strlen(text), JSON_HASH_COMMENTS, &err), 0);
    cr_assert_eq(cJSON_GetObjectItem(doc.root, "a")->valueint, 1);
    int line, col;
    cr_assert_eq(json_doc_locate(&doc, "/a", &line, &col), 0);
    cr_assert_eq(line, 4);
    cr_assert_eq(col, 3);
    json_doc_free(&doc);
}

Test(json, hash_inside_strings_is_data)
{
    const char *text = "{\"a\": \"# not a comment\"}";
    json_doc doc;
    mtv_err err;
    cr_assert_eq(json_doc_parse(&doc, "f", text, strlen(text), JSON_HASH_COMMENTS, &err), 0);
    cr_assert_str_eq(cJSON_GetObjectItem(doc.root, "a")->valuestring, "# not a comment");
    json_doc_free(&doc);
}

Test(json, locate_nested_pointer_and_fallback)
{
    const char *text = "{\n \"vms\": [\n  {\"name\": \"a\"},\n  {\"name\": \"b\", \"x/y\": 1}\n ]\n}";
    json_doc doc;
    mtv_err err;
    cr_assert_eq(json_doc_parse(&doc, "s.json", text, strlen(text), 0, &err), 0);
    int line, col;
    cr_assert_eq(json_doc_locate(&doc, "/vms/1/name", &line, &col), 0);
    cr_assert_eq(line, 4);
    cr_assert_eq(col, 4);
    cr_assert_eq(json_doc_locate(&doc, "/vms/1/x~1y", &line, &col), 0);
    cr_assert_eq(line, 4);
    cr_assert_eq(json_doc_locate(&doc, "/vms/1/missing", &line, &col), -1);
    cr_assert_eq(line, 4, "falls back to the element");
    strbuf where = STRBUF_INIT;
    json_doc_where(&doc, "/vms/0/name", &where);
    cr_assert_str_eq(where.buf, "s.json:3:4");
    sb_release(&where);
    json_doc_free(&doc);
}

Test(json, pointer_escaping_and_type_names)
{
    strbuf p = STRBUF_INIT;
    json_pointer_append(&p, "a/b~c");
    json_pointer_append_index(&p, 3);
    cr_assert_str_eq(p.buf, "/a~1b~0c/3");
    sb_release(&p);
    cJSON *o = cJSON_Parse("[1,\"s\",true,null,{},[]]");
    const char *names[] = {"number", "string", "boolean", "null", "object", "array"};
    int i = 0;
    for (cJSON *c = o->child; c; c = c->next)
        cr_assert_str_eq(json_type_name(c), names[i++]);
    cr_assert_str_eq(json_type_name(NULL), "missing");
    cJSON_Delete(o);
}

Test(json, sorted_print_is_canonical)
{
    cJSON *a = cJSON_Parse("{\"b\":1,\"a\":{\"d\":[1,2],\"c\":\"x\\\"y\"}}");
    cJSON *b = cJSON_Parse("{\"a\":{\"c\":\"x\\\"y\",\"d\":[1,2]},\"b\":1}");
    strbuf x = STRBUF_INIT, y = STRBUF_INIT;
    json_print(&x, a, 1);
    json_print(&y, b, 1);
    cr_assert_str_eq(x.buf, y.buf);
    cr_assert_str_eq(x.buf, "{\"a\":{\"c\":\"x\\\"y\",\"d\":[1,2]},\"b\":1}");
    sb_release(&x);
    sb_release(&y);
    cJSON_Delete(a);
    cJSON_Delete(b);
}
