/* Unit tests for lab_table, lab_jsonpath and lab_meta's ages: cells are
 * rendered as the API server renders them, so kubectl prints them verbatim. */
#include <criterion/criterion.h>
#include <string.h>

#include "lab/lab_jsonpath.h"
#include "lab/lab_kinds.h"
#include "lab/lab_meta.h"
#include "lab/lab_table.h"

Test(lab_table, ages_follow_human_duration)
{
    /* the table measured from kubectl in shared/research/kubectl-needs.md, plus edges */
    const struct { long long s; const char *want; } cases[] = {
        {-5, "0s"}, {0, "0s"}, {61, "61s"}, {119, "119s"}, {121, "2m1s"}, {180, "3m"},
        {305, "5m5s"}, {632, "10m"}, {179 * 60, "179m"}, {181 * 60, "3h1m"}, {4 * 3600, "4h"},
        {320 * 60, "5h20m"}, {485 * 60, "8h"}, {47 * 3600, "47h"}, {49 * 3600, "2d1h"},
        {76 * 3600, "3d4h"}, {3 * 86400, "3d"}, {197 * 3600, "8d"}, {700 * 86400LL, "700d"},
        {731 * 86400LL, "2y1d"}, {1105 * 86400LL, "3y10d"}, {730 * 86400LL, "2y"},
        {9 * 365 * 86400LL, "9y"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        strbuf s = STRBUF_INIT;
        lab_age(&s, cases[i].s);
        cr_assert_str_eq(s.buf, cases[i].want, "%lld s", cases[i].s);
        sb_release(&s);
    }
}

Test(lab_table, times_round_trip)
{
    time_t t;
    cr_assert_eq(lab_time_parse("2025-06-01T10:00:00Z", &t), 0);
    char buf[32];
    lab_time_format(t, buf);
    cr_assert_str_eq(buf, "2025-06-01T10:00:00Z");
    time_t t2;
    cr_assert_eq(lab_time_parse("2025-06-01T12:00:00.123+02:00", &t2), 0);
    cr_assert_eq(t, t2);
    cr_assert_eq(lab_time_parse("2025-06-01", &t2), -1);
    cr_assert_eq(lab_time_parse("2025-06-01T10:00:00", &t2), -1, "a zone is required");
}

Test(lab_table, jsonpath_subset)
{
    cJSON *o = cJSON_Parse("{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"},"
                           "{\"type\":\"Failed\",\"status\":\"False\"}],\"list\":[{\"ip\":\"a\"},"
                           "{\"ip\":\"b\"}]},\"metadata\":{\"labels\":{\"app.kubernetes.io/name\":"
                           "\"x\"}}}");
    const struct { const char *expr, *want; } cases[] = {
        {".status.conditions[?(@.type=='Ready')].status", "True"},
        {"{.status.conditions[?(@.type==\"Failed\")].status}", "False"},
        {".status.list[1].ip", "b"},
        {".status.list[-1].ip", "b"},
        {".status.list[*].ip", "a"},
        {"$.metadata.labels['app.kubernetes.io/name']", "x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const cJSON *v = lab_jsonpath_first(o, cases[i].expr);
        cr_assert(cJSON_IsString(v), "%s found nothing", cases[i].expr);
        cr_assert_str_eq(v->valuestring, cases[i].want, "%s", cases[i].expr);
    }
    cr_assert_null(lab_jsonpath_first(o, ".status.conditions[?(@.type=='Gone')].status"));
    strbuf err = STRBUF_INIT;
    cr_assert_eq(lab_jsonpath_check(".a[?(@.x=='y'", &err), -1);
    cr_assert_eq(lab_jsonpath_check(".status.conditions[?(@.type=='Ready')].status", &err), 0);
    sb_release(&err);
    cJSON_Delete(o);
}

Test(lab_table, rows_render_cells_and_objects)
{
    lab_kinds *ks = lab_kinds_new_builtin();
    const lab_kind *plan = lab_kinds_find(ks, "forklift.konveyor.io", "v1beta1", "plans");
    cr_assert_not_null(plan);
    cJSON *obj = cJSON_Parse("{\"apiVersion\":\"forklift.konveyor.io/v1beta1\",\"kind\":\"Plan\","
                             "\"metadata\":{\"name\":\"p1\",\"namespace\":\"demo\","
                             "\"creationTimestamp\":\"2025-06-01T10:00:00Z\"},\"status\":"
                             "{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}");
    time_t created;
    lab_time_parse("2025-06-01T10:00:00Z", &created);
    cJSON *t = lab_table_new(plan, 1, 42);
    lab_table_add_row(t, plan, obj, LAB_INCLUDE_METADATA, created + 5 * 86400 + 3600);
    lab_table_add_row(t, plan, obj, LAB_INCLUDE_OBJECT, created);
    lab_table_add_row(t, plan, obj, LAB_INCLUDE_NONE, created);
    char *out = cJSON_PrintUnformatted(cJSON_GetObjectItem(t, "rows"));
    cr_assert(strstr(out, "{\"cells\":[\"p1\",\"True\",null,null,null,\"5d1h\"],\"object\":"
                          "{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\","),
              "%s", out);
    cr_assert(strstr(out, "\"object\":{\"apiVersion\":\"forklift.konveyor.io/v1beta1\""), "%s", out);
    cr_assert(strstr(out, "{\"cells\":[\"p1\",\"True\",null,null,null,\"0s\"]}"), "%s", out);
    free(out);
    cJSON *cols = cJSON_GetObjectItem(t, "columnDefinitions");
    cr_assert_eq(cJSON_GetArraySize(cols), 6);
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(cols, 0), "format")->valuestring, "name");
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "metadata"), "resourceVersion")
                         ->valuestring, "42");
    cJSON_Delete(t);
    cJSON_Delete(obj);
    lab_kinds_free(ks);
}
