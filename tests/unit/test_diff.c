/* Unit tests for recorder/diff (semantic cassette comparison), the
 * cassette loader's errors, and bundle member safety. */
#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <string.h>

#include "recorder/bundle.h"
#include "recorder/cassette.h"
#include "recorder/diff.h"
#include "recorder/summary.h"

#define ENTRY(seq, method, url, status, body)                                                     \
    "{\"_seq\":" #seq ",\"_upstream\":\"kubernetes\",\"_t_ms\":" #seq "0,\"time\":5,"           \
    "\"request\":{\"method\":\"" method "\",\"url\":\"" url "\"},"                              \
    "\"response\":{\"status\":" #status ",\"headers\":[],\"content\":{\"size\":0,\"mimeType\":\"application/json\"," \
    "\"text\":" body "}}}"

static void load(cassette *c, const char *name, const char *entries)
{
    strbuf t = STRBUF_INIT;
    sb_addf(&t, "{\"log\":{\"version\":\"1.2\",\"entries\":[%s]}}", entries);
    mtv_err err;
    cr_assert_eq(cassette_parse(c, name, t.buf, t.len, &err), 0, "%s", err.msg);
    sb_release(&t);
}

static const char *A =
    ENTRY(1, "GET", "https://h/api/v1/namespaces", 200, "\"{\\\"items\\\":[],\\\"metadata\\\":{\\\"resourceVersion\\\":\\\"1\\\"}}\"") ","
    ENTRY(2, "GET", "https://h/apis/forklift.konveyor.io/v1beta1/plans/p", 200,
          "\"{\\\"status\\\":{\\\"phase\\\":\\\"Ready\\\",\\\"lastTransitionTime\\\":\\\"t1\\\"}}\"") ","
    ENTRY(3, "GET", "https://h/apis/forklift.konveyor.io/v1beta1/plans/p", 200,
          "\"{\\\"status\\\":{\\\"phase\\\":\\\"Succeeded\\\"}}\"") ","
    ENTRY(4, "DELETE", "https://h/api/v1/namespaces/x", 200, "\"{}\"");

Test(diff, identical_runs_match_with_volatile_fields_masked)
{
    cassette a, b;
    load(&a, "a.har", A);
    char *b_text = strdup(A);
    /* a different resourceVersion and timestamp are not a difference */
    char *rv = strstr(b_text, "\\\"1\\\"");
    rv[2] = '9';
    char *t1 = strstr(b_text, "t1");
    t1[1] = '2';
    load(&b, "b.har", b_text);
    strbuf text = STRBUF_INIT;
    cr_assert_eq(cassette_diff(&a, &b, NULL, &text, NULL), 0, "%s", text.buf);
    cr_assert(strstr(text.buf, "cassettes match: 4 exchanges"), "%s", text.buf);
    diff_opts strict = {.no_default_masks = 1};
    sb_reset(&text);
    cr_assert_eq(cassette_diff(&a, &b, &strict, &text, NULL), 2, "%s", text.buf);
    free(b_text);
    sb_release(&text);
    cassette_free(&a);
    cassette_free(&b);
}

Test(diff, first_divergence_is_printed_first_with_field_paths)
{
    cassette a, b;
    load(&a, "good.har", A);
    load(&b, "bad.har",
         ENTRY(1, "GET", "https://h/api/v1/namespaces", 200, "\"{\\\"items\\\":[]}\"") ","
         ENTRY(2, "GET", "https://h/apis/forklift.konveyor.io/v1beta1/plans/p", 200,
               "\"{\\\"status\\\":{\\\"phase\\\":\\\"Failed\\\"}}\"") ","
         ENTRY(3, "GET", "https://h/apis/forklift.konveyor.io/v1beta1/plans/p", 500, "\"oops\"") ","
         ENTRY(4, "GET", "https://h/api/v1/events", 200, "\"{}\""));
    strbuf text = STRBUF_INIT;
    cJSON *json = NULL;
    cr_assert_eq(cassette_diff(&a, &b, NULL, &text, NULL), 4, "%s", text.buf);
    cr_assert_eq(cassette_diff(&a, &b, NULL, NULL, &json), 4);
    const char *first = strstr(text.buf, "first divergence:");
    cr_assert_not_null(first, "%s", text.buf);
    cr_assert(strstr(first, "changed A#2 B#2: GET kubernetes /apis/forklift.konveyor.io/v1beta1/plans/p -"), "%s", text.buf);
    cr_assert(strstr(first, "body/status/phase: \"Ready\" -> \"Failed\""), "%s", text.buf);
    cr_assert(strstr(text.buf, "status: 200 -> 500"), "%s", text.buf);
    cr_assert(strstr(text.buf, "only_in_a A#4: DELETE"), "%s", text.buf);
    cr_assert(strstr(text.buf, "only_in_b B#4: GET kubernetes /api/v1/events"), "%s", text.buf);
    const cJSON *sum = cJSON_GetObjectItem(json, "summary");
    cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(sum, "changed")), 2);
    cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(sum, "only_in_a")), 1);
    cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(sum, "only_in_b")), 1);
    cJSON_Delete(json);
    sb_release(&text);
    cassette_free(&a);
    cassette_free(&b);
}

Test(diff, summary_counts_by_upstream)
{
    cassette a;
    load(&a, "a.har", A);
    strbuf out = STRBUF_INIT;
    cassette_summary(&a, (size_t)-1, &out);
    cr_assert(strstr(out.buf, "a.har: 4 entries"), "%s", out.buf);
    cr_assert(strstr(out.buf, "kubernetes            4"), "%s", out.buf);
    cr_assert(strstr(out.buf, "200 x4"), "%s", out.buf);
    cr_assert(strstr(out.buf, "DELETE /api/v1/namespaces/x -> 200"), "%s", out.buf);
    sb_release(&out);
    cassette_free(&a);
}

Test(cassette, loader_errors_name_the_entry_and_field)
{
    cassette c;
    mtv_err err;
    const char *bad = "{\"log\":{\"entries\":[{\"request\":{\"method\":\"GET\",\"url\":\"u\"},\"response\":{\"status\":\"200\"}}]}}";
    cr_assert_eq(cassette_parse(&c, "x.har", bad, strlen(bad), &err), -1);
    cr_assert_str_eq(err.msg, "x.har: /log/entries/0/response/status: expected a number");
    const char *syntax = "{\"log\":{\n  \"entries\": [,]}}";
    cr_assert_eq(cassette_parse(&c, "y.har", syntax, strlen(syntax), &err), -1);
    cr_assert(strstr(err.msg, "y.har:2:"), "%s", err.msg);
    const char *nohar = "{\"entries\":[]}";
    cr_assert_eq(cassette_parse(&c, "z.har", nohar, strlen(nohar), &err), -1);
    cr_assert(strstr(err.msg, "not a HAR file"), "%s", err.msg);
    const char *bom = "\xEF\xBB\xBF{\"log\":{\"entries\":[]}}";
    cr_assert_eq(cassette_parse(&c, "bom.har", bom, strlen(bom), &err), 0, "%s", err.msg);
    cassette_free(&c);
}

static la_ssize_t sink(struct archive *a, void *ud, const void *buf, size_t n)
{
    (void)a;
    sb_add(ud, buf, n);
    return (la_ssize_t)n;
}

Test(bundle, members_escaping_the_folder_are_refused)
{
    strbuf tar = STRBUF_INIT;
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_open2(a, &tar, NULL, sink, NULL, NULL);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "../evil");
    archive_entry_set_size(e, 1);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, "x", 1);
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    cr_assert(bundle_sniff(tar.buf, tar.len));
    bundle b;
    mtv_err err;
    cr_assert_eq(bundle_read_memory(&b, "evil.tar", tar.buf, tar.len, &err), -1);
    cr_assert(strstr(err.msg, "'../evil' is not a plain file with a relative name"), "%s", err.msg);
    cr_assert_eq(bundle_read_memory(&b, "junk.tar", "not a tar at all", 16, &err), -1);
    cr_assert_not(bundle_sniff("{}", 2));
    sb_release(&tar);
}
