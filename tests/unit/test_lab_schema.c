/* Unit tests for lab_schema: pruning, defaulting and validation produce what
 * the API server produces, in its own words (expected strings are taken
 * from apiextensions-apiserver's validation tests). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "lab/lab_schema.h"

static cJSON *J(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    cr_assert_not_null(j, "bad JSON in test: %s", text);
    return j;
}

static int has_error(const lab_errlist *e, const char *field_and_body)
{
    for (size_t i = 0; i < e->count; i++) {
        char buf[2048];
        snprintf(buf, sizeof buf, "%s: %s", e->items[i].field, e->items[i].body);
        if (!strcmp(buf, field_and_body))
            return 1;
    }
    return 0;
}

static void dump(const lab_errlist *e)
{
    for (size_t i = 0; i < e->count; i++)
        cr_log_info("  %s: %s (%s)", e->items[i].field, e->items[i].body, e->items[i].reason);
}

#define EXPECT(errs, text)                                                                       \
    do {                                                                                         \
        if (!has_error(errs, text))                                                              \
            dump(errs);                                                                          \
        cr_assert(has_error(errs, text), "missing error: %s", text);                             \
    } while (0)

static lab_errlist validate(const char *schema, const char *obj)
{
    cJSON *s = J(schema), *o = J(obj);
    lab_errlist errs = {0};
    lab_schema_validate(s, o, &errs);
    cJSON_Delete(s);
    cJSON_Delete(o);
    return errs;
}

Test(lab_schema, type_errors_use_kube_openapi_wording)
{
    const char *schema = "{\"type\":\"object\",\"properties\":{\"field\":{\"type\":\"object\"},"
                         "\"n\":{\"type\":\"integer\"},\"s\":{\"type\":\"string\"},"
                         "\"f\":{\"type\":\"number\"}}}";
    lab_errlist e = validate(schema, "{\"field\":\"foo\",\"n\":1.5,\"s\":true,\"f\":3}");
    EXPECT(&e, "field: Invalid value: \"string\": field in body must be of type object: \"string\"");
    EXPECT(&e, "n: Invalid value: \"number\": n in body must be of type integer: \"number\"");
    EXPECT(&e, "s: Invalid value: \"boolean\": s in body must be of type string: \"boolean\"");
    cr_assert_eq(e.count, 3, "an integer is a valid number");
    cr_assert_str_eq(e.items[0].reason, "FieldValueTypeInvalid");
    lab_errlist_free(&e);
}

Test(lab_schema, required_enum_and_nested_paths)
{
    const char *schema =
        "{\"type\":\"object\",\"properties\":{\"field\":{\"type\":\"object\",\"required\":"
        "[\"nestedint\",\"nestedstring\"],\"properties\":{\"nestedint\":{\"type\":\"integer\","
        "\"enum\":[1,2]},\"nestedstring\":{\"type\":\"string\",\"enum\":[\"a\",\"b\"]}}},"
        "\"list\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"name\"],"
        "\"properties\":{\"name\":{\"type\":\"string\"}}}}}}";
    lab_errlist e = validate(schema, "{\"field\":{}}");
    EXPECT(&e, "field.nestedint: Required value");
    EXPECT(&e, "field.nestedstring: Required value");
    lab_errlist_free(&e);
    e = validate(schema, "{\"field\":{\"nestedint\":\"x\",\"nestedstring\":true},"
                         "\"list\":[{\"name\":\"ok\"},{}]}");
    EXPECT(&e, "field.nestedint: Invalid value: \"string\": field.nestedint in body must be of "
               "type integer: \"string\"");
    EXPECT(&e, "field.nestedint: Unsupported value: \"x\": supported values: \"1\", \"2\"");
    EXPECT(&e, "field.nestedstring: Unsupported value: true: supported values: \"a\", \"b\"");
    EXPECT(&e, "list[1].name: Required value");
    cr_assert_eq(e.count, 5);
    lab_errlist_free(&e);
}

Test(lab_schema, nullable_and_int_or_string)
{
    const char *schema = "{\"type\":\"object\",\"properties\":{"
                         "\"a\":{\"type\":\"object\",\"nullable\":true},"
                         "\"b\":{\"type\":\"object\"},"
                         "\"q\":{\"x-kubernetes-int-or-string\":true}}}";
    lab_errlist e = validate(schema, "{\"a\":null,\"q\":42}");
    cr_assert_eq(e.count, 0);
    lab_errlist_free(&e);
    e = validate(schema, "{\"b\":null,\"q\":true}");
    EXPECT(&e, "b: Invalid value: \"null\": b in body must be of type object: \"null\"");
    EXPECT(&e, "q: Invalid value: \"boolean\": q in body must be of type integer,string: "
               "\"boolean\"");
    lab_errlist_free(&e);
}

Test(lab_schema, limits_patterns_and_formats)
{
    const char *schema =
        "{\"type\":\"object\",\"properties\":{"
        "\"name\":{\"type\":\"string\",\"maxLength\":2,\"pattern\":\"^[a-z]+$\"},"
        "\"short\":{\"type\":\"string\",\"minLength\":3},"
        "\"count\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":3},"
        "\"items\":{\"type\":\"array\",\"maxItems\":2,\"items\":{\"type\":\"string\"}},"
        "\"some\":{\"type\":\"array\",\"minItems\":1},"
        "\"when\":{\"type\":\"string\",\"format\":\"date-time\"},"
        "\"digits\":{\"type\":\"string\",\"pattern\":\"^\\\\d+$\"}}}";
    lab_errlist e = validate(schema, "{\"name\":\"ABC\",\"short\":\"a\",\"count\":5,"
                                     "\"items\":[\"a\",\"b\",\"c\"],\"some\":[],"
                                     "\"when\":\"yesterday\",\"digits\":\"12a\"}");
    EXPECT(&e, "name: Too long: may not be more than 2 bytes");
    EXPECT(&e, "name: Invalid value: \"ABC\": name in body should match '^[a-z]+$'");
    EXPECT(&e, "short: Invalid value: \"a\": short in body should be at least 3 chars long");
    EXPECT(&e, "count: Invalid value: 5: count in body should be less than or equal to 3");
    EXPECT(&e, "items: Too many: 3: must have at most 2 items");
    EXPECT(&e, "some: Invalid value: 0: some in body should have at least 1 items");
    EXPECT(&e, "when: Invalid value: \"yesterday\": when in body must be of type date-time: "
               "\"yesterday\"");
    EXPECT(&e, "digits: Invalid value: \"12a\": digits in body should match '^\\d+$'");
    cr_assert_eq(e.count, 8);
    lab_errlist_free(&e);
    e = validate(schema, "{\"name\":\"ab\",\"count\":1,\"when\":\"2025-06-01T10:00:00Z\","
                         "\"digits\":\"123\"}");
    cr_assert_eq(e.count, 0);
    lab_errlist_free(&e);
}

Test(lab_schema, pruning_records_unknown_fields_and_respects_preservation)
{
    cJSON *s = J("{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":\"object\","
                 "\"properties\":{\"keep\":{\"type\":\"string\"},"
                 "\"free\":{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":true},"
                 "\"map\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"object\","
                 "\"properties\":{\"v\":{\"type\":\"string\"}}}},"
                 "\"list\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":"
                 "{\"id\":{\"type\":\"string\"}}}},"
                 "\"num\":{\"type\":\"x-kubernetes-int-or-string\",\"x-kubernetes-int-or-string\":"
                 "true}}}}}");
    cJSON *o = J("{\"apiVersion\":\"x/v1\",\"kind\":\"K\",\"metadata\":{\"name\":\"n\"},"
                 "\"spec\":{\"keep\":\"a\",\"drop\":1,\"free\":{\"any\":{\"thing\":1}},"
                 "\"map\":{\"k1\":{\"v\":\"x\",\"junk\":2}},\"list\":[{\"id\":\"1\",\"extra\":3}],"
                 "\"keep2\":null},\"top\":true}");
    lab_strlist unknown = {0};
    lab_schema_prune(s, o, &unknown);
    cr_assert_eq(unknown.count, 5);
    const char *want[] = {"spec.drop", "spec.map.k1.junk", "spec.list[0].extra", "spec.keep2",
                          "top"};
    for (size_t i = 0; i < 5; i++) {
        int found = 0;
        for (size_t j = 0; j < unknown.count; j++)
            found |= !strcmp(unknown.items[j], want[i]);
        cr_assert(found, "expected %s among the pruned fields", want[i]);
    }
    char *out = cJSON_PrintUnformatted(o);
    cr_assert_str_eq(out, "{\"apiVersion\":\"x/v1\",\"kind\":\"K\",\"metadata\":{\"name\":\"n\"},"
                          "\"spec\":{\"keep\":\"a\",\"free\":{\"any\":{\"thing\":1}},\"map\":"
                          "{\"k1\":{\"v\":\"x\"}},\"list\":[{\"id\":\"1\"}]}}");
    free(out);
    lab_strlist_free(&unknown);
    cJSON_Delete(s);
    cJSON_Delete(o);
}

Test(lab_schema, defaults_fill_absent_fields_recursively)
{
    cJSON *s = J("{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":\"object\","
                 "\"default\":{},\"properties\":{\"warm\":{\"type\":\"boolean\",\"default\":false},"
                 "\"mode\":{\"type\":\"string\",\"default\":\"cold\"},"
                 "\"opts\":{\"type\":\"object\",\"default\":{\"a\":1},\"properties\":{\"a\":"
                 "{\"type\":\"integer\"},\"b\":{\"type\":\"integer\",\"default\":2}}},"
                 "\"vms\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":"
                 "{\"hooks\":{\"type\":\"array\",\"default\":[]}}}}}}}}");
    cJSON *o = J("{\"spec\":{\"mode\":\"warm\",\"vms\":[{},{\"hooks\":[1]}]}}");
    lab_schema_default(s, o);
    char *out = cJSON_PrintUnformatted(o);
    cr_assert_str_eq(out, "{\"spec\":{\"mode\":\"warm\",\"vms\":[{\"hooks\":[]},{\"hooks\":[1]}],"
                          "\"warm\":false,\"opts\":{\"a\":1,\"b\":2}}}");
    free(out);
    cJSON_Delete(o);
    o = J("{}");
    lab_schema_default(s, o);
    out = cJSON_PrintUnformatted(o);
    cr_assert_str_eq(out, "{\"spec\":{\"warm\":false,\"mode\":\"cold\",\"opts\":{\"a\":1,\"b\":2}}}");
    free(out);
    cJSON_Delete(o);
    cJSON_Delete(s);
}
