/* Unit tests for lab_patch: RFC 7386 merge patch, RFC 6902 JSON patch and
 * the strategic-merge directives kubectl may send. */
#include <criterion/criterion.h>
#include <string.h>

#include "lab/lab_patch.h"

static char *merged(const char *doc, const char *patch)
{
    cJSON *d = cJSON_Parse(doc), *p = cJSON_Parse(patch);
    lab_merge_patch(&d, p);
    char *out = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    cJSON_Delete(p);
    return out;
}

Test(lab_patch, merge_patch_rfc7386_examples)
{
    const char *cases[][3] = {
        {"{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
        {"{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
        {"{\"a\":\"b\"}", "{\"a\":null}", "{}"},
        {"{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
        {"{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"},
        {"{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"},
        {"[1,2]", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"},
        {"{\"a\":\"foo\"}", "\"bar\"", "\"bar\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = merged(cases[i][0], cases[i][1]);
        cr_assert_str_eq(out, cases[i][2], "case %zu", i);
        free(out);
    }
}

static int json_patch(const char *doc, const char *ops, char **out, strbuf *err)
{
    cJSON *d = cJSON_Parse(doc), *o = cJSON_Parse(ops);
    int rc = lab_json_patch(&d, o, err);
    *out = rc == 0 ? cJSON_PrintUnformatted(d) : NULL;
    cJSON_Delete(d);
    cJSON_Delete(o);
    return rc;
}

Test(lab_patch, json_patch_operations)
{
    const char *doc = "{\"a\":{\"b\":[1,2,3]},\"c\":\"x\",\"d~/e\":1}";
    const char *cases[][2] = {
        {"[{\"op\":\"add\",\"path\":\"/a/b/1\",\"value\":9}]",
         "{\"a\":{\"b\":[1,9,2,3]},\"c\":\"x\",\"d~/e\":1}"},
        {"[{\"op\":\"add\",\"path\":\"/a/b/-\",\"value\":4}]",
         "{\"a\":{\"b\":[1,2,3,4]},\"c\":\"x\",\"d~/e\":1}"},
        {"[{\"op\":\"remove\",\"path\":\"/a/b/0\"},{\"op\":\"remove\",\"path\":\"/d~0~1e\"}]",
         "{\"a\":{\"b\":[2,3]},\"c\":\"x\"}"},
        {"[{\"op\":\"replace\",\"path\":\"/c\",\"value\":{\"k\":1}}]",
         "{\"a\":{\"b\":[1,2,3]},\"c\":{\"k\":1},\"d~/e\":1}"},
        {"[{\"op\":\"move\",\"from\":\"/c\",\"path\":\"/a/c\"}]",
         "{\"a\":{\"b\":[1,2,3],\"c\":\"x\"},\"d~/e\":1}"},
        {"[{\"op\":\"copy\",\"from\":\"/a/b/2\",\"path\":\"/z\"},{\"op\":\"test\",\"path\":\"/z\","
         "\"value\":3}]",
         "{\"a\":{\"b\":[1,2,3]},\"c\":\"x\",\"d~/e\":1,\"z\":3}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out;
        strbuf err = STRBUF_INIT;
        cr_assert_eq(json_patch(doc, cases[i][0], &out, &err), 0, "case %zu: %s", i, sb_str(&err));
        cr_assert_str_eq(out, cases[i][1], "case %zu", i);
        free(out);
        sb_release(&err);
    }
}

Test(lab_patch, json_patch_failures_say_why)
{
    const char *doc = "{\"a\":{\"b\":[1]}}";
    const char *cases[][2] = {
        {"[{\"op\":\"replace\",\"path\":\"/nope\",\"value\":1}]", "missing"},
        {"[{\"op\":\"remove\",\"path\":\"/a/b/5\"}]", "missing"},
        {"[{\"op\":\"test\",\"path\":\"/a/b/0\",\"value\":2}]", "test failed"},
        {"[{\"op\":\"frob\",\"path\":\"/a\"}]", "Unexpected kind: frob"},
        {"{\"op\":\"add\"}", "cannot unmarshal"},
        {"[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]", "must start with '/'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out;
        strbuf err = STRBUF_INIT;
        cr_assert_eq(json_patch(doc, cases[i][0], &out, &err), -1, "case %zu applied", i);
        cr_assert(strstr(sb_str(&err), cases[i][1]), "case %zu: %s", i, sb_str(&err));
        sb_release(&err);
    }
}

Test(lab_patch, strategic_directives_are_dropped)
{
    cJSON *p = cJSON_Parse("{\"$setElementOrder/containers\":[{\"name\":\"a\"}],\"metadata\":"
                           "{\"labels\":{\"x\":\"1\",\"$patch\":\"replace\"}},\"spec\":{\"a\":1}}");
    lab_strip_strategic_directives(p);
    char *out = cJSON_PrintUnformatted(p);
    cr_assert_str_eq(out, "{\"metadata\":{\"labels\":{\"x\":\"1\"}},\"spec\":{\"a\":1}}");
    free(out);
    cJSON_Delete(p);
}
