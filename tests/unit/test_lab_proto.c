/* Unit tests for lab_proto: the Kubernetes protobuf envelope of the kinds
 * kubectl creates with typed clients, decoded into their JSON form. */
#include <criterion/criterion.h>
#include <string.h>

#include "lab/lab_proto.h"

/* Appends a length-delimited field. */
static void ld(strbuf *b, int num, const void *data, size_t n)
{
    sb_addc(b, (char)(num << 3 | 2));
    sb_addc(b, (char)n);
    sb_add(b, data, n);
}

static void ld_str(strbuf *b, int num, const char *s)
{
    ld(b, num, s, strlen(s));
}

static void map_entry(strbuf *b, int num, const char *k, const char *v)
{
    strbuf e = STRBUF_INIT;
    ld_str(&e, 1, k);
    ld_str(&e, 2, v);
    ld(b, num, e.buf, e.len);
    sb_release(&e);
}

static void envelope(strbuf *out, const char *kind, const strbuf *raw)
{
    strbuf tm = STRBUF_INIT;
    ld_str(&tm, 1, "v1");
    ld_str(&tm, 2, kind);
    sb_add(out, "k8s\0", 4);
    ld(out, 1, tm.buf, tm.len);
    ld(out, 2, raw->buf, raw->len);
    sb_release(&tm);
}

Test(lab_proto, secret_with_labels_data_and_type)
{
    strbuf meta = STRBUF_INIT, raw = STRBUF_INIT, env = STRBUF_INIT;
    ld_str(&meta, 1, "s1");
    ld_str(&meta, 3, "demo");
    map_entry(&meta, 11, "app", "web");
    ld(&raw, 1, meta.buf, meta.len);
    map_entry(&raw, 2, "password", "hunter2");
    ld_str(&raw, 3, "Opaque");
    map_entry(&raw, 4, "user", "admin");
    sb_addc(&raw, (char)(5 << 3 | 0));
    sb_addc(&raw, 1);
    envelope(&env, "Secret", &raw);
    strbuf err = STRBUF_INIT;
    cJSON *obj = lab_proto_decode(env.buf, env.len, &err);
    cr_assert_not_null(obj, "%s", sb_str(&err));
    char *txt = cJSON_PrintUnformatted(obj);
    cr_assert_str_eq(txt, "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s1\","
                          "\"namespace\":\"demo\",\"labels\":{\"app\":\"web\"}},\"data\":"
                          "{\"password\":\"aHVudGVyMg==\"},\"type\":\"Opaque\",\"stringData\":"
                          "{\"user\":\"admin\"},\"immutable\":true}");
    free(txt);
    cJSON_Delete(obj);
    sb_release(&meta);
    sb_release(&raw);
    sb_release(&env);
    sb_release(&err);
}

Test(lab_proto, configmap_data)
{
    strbuf meta = STRBUF_INIT, raw = STRBUF_INIT, env = STRBUF_INIT;
    ld_str(&meta, 1, "cm1");
    ld(&raw, 1, meta.buf, meta.len);
    map_entry(&raw, 2, "a", "b");
    map_entry(&raw, 3, "bin", "\x01\x02");
    envelope(&env, "ConfigMap", &raw);
    strbuf err = STRBUF_INIT;
    cJSON *obj = lab_proto_decode(env.buf, env.len, &err);
    cr_assert_not_null(obj, "%s", sb_str(&err));
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(obj, "data"), "a")->valuestring, "b");
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(obj, "binaryData"), "bin")->valuestring,
                     "AQI=");
    cJSON_Delete(obj);
    sb_release(&meta);
    sb_release(&raw);
    sb_release(&env);
    sb_release(&err);
}

Test(lab_proto, bad_input_says_why)
{
    strbuf err = STRBUF_INIT;
    cr_assert_null(lab_proto_decode("{\"kind\":1}", 10, &err));
    cr_assert(strstr(sb_str(&err), "prefix is missing"));
    sb_reset(&err);
    cr_assert_null(lab_proto_decode("k8s\0\x0a\x7f", 6, &err), "length beyond the buffer");
    cr_assert(strstr(sb_str(&err), "malformed"), "%s", sb_str(&err));
    sb_reset(&err);
    strbuf raw = STRBUF_INIT, env = STRBUF_INIT;
    ld_str(&raw, 1, "");
    envelope(&env, "Pod", &raw);
    cr_assert_null(lab_proto_decode(env.buf, env.len, &err));
    cr_assert(strstr(sb_str(&err), "not Pod; send application/json"), "%s", sb_str(&err));
    sb_release(&raw);
    sb_release(&env);
    sb_release(&err);
}
