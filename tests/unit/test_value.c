/* Unit tests for config/value: type checks, descriptions and command-line
 * conversion shared by every configuration file and --set. */
#include <criterion/criterion.h>
#include <string.h>

#include "config/value.h"

Test(value, matches_describes_and_converts)
{
    cJSON *v = NULL;
    mtv_err err;
    cr_assert_eq(value_from_text("k", "true", VT_BOOL | VT_STRING, &v, &err), 0);
    cr_assert(cJSON_IsTrue(v));
    cJSON_Delete(v);
    cr_assert_eq(value_from_text("k", "42", VT_INT, &v, &err), 0);
    cr_assert_eq(v->valueint, 42);
    cr_assert(value_matches(v, VT_INT));
    cr_assert(!value_matches(v, VT_STRING | VT_BOOL));
    cJSON_Delete(v);
    cr_assert_eq(value_from_text("k", "{\"a\": [1]}", VT_OBJECT, &v, &err), 0);
    cr_assert(cJSON_IsArray(cJSON_GetObjectItem(v, "a")));
    cJSON_Delete(v);
    cr_assert_eq(value_from_text("k", "{{ .VmName }}", VT_STRING | VT_OBJECT, &v, &err), 0,
                 "a string that is not JSON stays a string");
    cr_assert_str_eq(v->valuestring, "{{ .VmName }}");
    cJSON_Delete(v);
    cr_assert_eq(value_from_text("k", "{\"a\": ", VT_OBJECT, &v, &err), -1);
    cr_assert(strstr(err.msg, "k: the value is not valid JSON"), "%s", err.msg);
    cr_assert_eq(value_from_text("k", "1.5", VT_INT | VT_BOOL, &v, &err), -1);
    cr_assert_str_eq(err.msg, "k: expected a boolean (true or false) or a whole number, got '1.5'");
    cJSON *num = cJSON_CreateNumber(1.5);
    cr_assert(!value_matches(num, VT_INT), "1.5 is not a whole number");
    cJSON_Delete(num);
    cJSON *str = cJSON_CreateString("false");
    cr_assert(value_matches(str, VT_BOOL | VT_BOOLSTR));
    cr_assert(!value_matches(str, VT_BOOL));
    cr_assert_eq(value_truth(str), 0);
    cJSON_Delete(str);
}
