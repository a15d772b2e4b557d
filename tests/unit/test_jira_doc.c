/* Unit tests for reporters/jira_doc: wiki markup that cannot be broken out
 * of, ADF that Cloud accepts, masking, and fitting Jira's size limit. */
#include <criterion/criterion.h>
#include <string.h>

#include "reporters/jira_doc.h"

Test(jira_doc, wiki_escapes_markup_but_keeps_identifiers)
{
    jira_doc d;
    jira_doc_init(&d, NULL);
    jira_doc_para(&d, "test_cold_migration failed: [link|http://x] {code} *bold* _it_ a-b -strike-");
    jira_doc_field(&d, "Build", "job 7", "https://ci.example.com/job/7/?a=b|c");
    jira_doc_field(&d, "Empty", "", NULL);
    jira_doc_code(&d, "line {noformat} inside\n\x1b[31mred\x1b[0m");
    strbuf w = STRBUF_INIT;
    jira_doc_wiki(&d, &w);
    cr_assert(strstr(w.buf, "test_cold_migration failed: \\[link\\|http://x\\] \\{code\\} \\*bold* \\_it_ a-b \\-strike-"),
              "%s", w.buf);
    cr_assert(strstr(w.buf, "*Build:* [job 7|https://ci.example.com/job/7/?a=b%7Cc]"), "%s", w.buf);
    cr_assert_null(strstr(w.buf, "Empty"), "an empty field was written");
    cr_assert(strstr(w.buf, "{noformat}\nline { noformat} inside\nred\n{noformat}"), "%s", w.buf);
    sb_release(&w);
    jira_doc_free(&d);
}

Test(jira_doc, adf_document_shape)
{
    jira_doc d;
    jira_doc_init(&d, NULL);
    jira_doc_para(&d, "hello\nworld");
    jira_doc_field(&d, "Build", "job 7", "https://ci/7");
    jira_doc_code(&d, "log");
    cJSON *adf = jira_doc_render(&d, 1);
    cr_assert_str_eq(cJSON_GetObjectItem(adf, "type")->valuestring, "doc");
    cr_assert_eq(cJSON_GetObjectItem(adf, "version")->valueint, 1);
    const cJSON *content = cJSON_GetObjectItem(adf, "content");
    cr_assert_eq(cJSON_GetArraySize(content), 3);
    const cJSON *para = cJSON_GetArrayItem(content, 0);
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(para, "content"), 0), "text")->valuestring,
                     "hello world");
    char *text = cJSON_PrintUnformatted(adf);
    cr_assert(strstr(text, "{\"type\":\"link\",\"attrs\":{\"href\":\"https://ci/7\"}}"), "%s", text);
    cr_assert(strstr(text, "{\"type\":\"codeBlock\",\"attrs\":{\"language\":\"text\"},\"content\":[{\"type\":\"text\",\"text\":\"log\"}]}"),
              "%s", text);
    cJSON_free(text);
    cJSON_Delete(adf);
    cJSON *wiki = jira_doc_render(&d, 0);
    cr_assert(cJSON_IsString(wiki));
    cJSON_Delete(wiki);
    jira_doc_free(&d);
}

Test(jira_doc, masks_and_fits)
{
    secret_registry *reg = secrets_new();
    secrets_add(reg, "canary", "canary-Doc-s3cret-11");
    jira_doc d;
    jira_doc_init(&d, reg);
    jira_doc_para(&d, "password canary-Doc-s3cret-11");
    strbuf big = STRBUF_INIT;
    for (int i = 0; i < 20000; i++)
        sb_addf(&big, "line %d [x]\n", i);
    jira_doc_code(&d, big.buf);
    jira_doc_code(&d, big.buf);
    for (int cloud = 0; cloud < 2; cloud++) {
        jira_doc_fit(&d, cloud, 30000);
        cJSON *body = jira_doc_render(&d, cloud);
        char *text = cloud ? cJSON_PrintUnformatted(body) : strdup(body->valuestring);
        cr_assert_leq(strlen(text), 30000, "%zu characters", strlen(text));
        cr_assert(strstr(text, "line 19999"), "the tail was lost");
        cr_assert(strstr(text, "line 0"), "the head was lost");
        cr_assert_null(strstr(text, "canary-Doc-s3cret-11"));
        cr_assert(strstr(text, "redacted:canary"));
        if (cloud)
            cJSON_free(text);
        else
            free(text);
        cJSON_Delete(body);
    }
    sb_release(&big);
    jira_doc_free(&d);
    secrets_free(reg);
}
