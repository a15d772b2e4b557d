/* Unit tests for util/secrets: a canary secret is masked in every encoding
 * the tool may emit it in, and ordinary text is left alone. */
#include <criterion/criterion.h>
#include <string.h>

#include "util/codec.h"
#include "util/secrets.h"

#define CANARY "Canary-P@ss w0rd/+="

static secret_registry *reg;

static void setup(void)
{
    reg = secrets_new();
    cr_assert_eq(secrets_add(reg, "vsphere.password", CANARY), 1);
}

static void teardown(void)
{
    secrets_free(reg);
}

static void assert_masked(const char *text)
{
    strbuf out = STRBUF_INIT;
    size_t hits = secrets_mask(reg, text, strlen(text), &out);
    cr_assert_geq(hits, 1, "no mask applied to: %s", text);
    cr_assert(strstr(out.buf, "<redacted:vsphere.password>"), "placeholder missing: %s", out.buf);
    cr_assert_null(secrets_find(reg, out.buf, out.len, NULL), "still found after mask: %s", out.buf);
    sb_release(&out);
}

TestSuite(secrets, .init = setup, .fini = teardown);

Test(secrets, raw_value)
{
    assert_masked("password=" CANARY ";");
}

Test(secrets, url_and_form_encoded)
{
    strbuf enc = STRBUF_INIT, text = STRBUF_INIT;
    for (int form = 0; form < 2; form++) {
        sb_reset(&enc);
        url_encode(&enc, CANARY, strlen(CANARY), form);
        sb_reset(&text);
        sb_addf(&text, "GET /login?pwd=%s&x=1", enc.buf);
        assert_masked(text.buf);
    }
    sb_release(&enc);
    sb_release(&text);
}

Test(secrets, json_escaped)
{
    secrets_add(reg, "quoted", "we\"ird\\secret");
    strbuf out = STRBUF_INIT;
    const char *text = "{\"password\":\"we\\\"ird\\\\secret\"}";
    cr_assert_eq(secrets_mask(reg, text, strlen(text), &out), 1);
    cr_assert_str_eq(out.buf, "{\"password\":\"<redacted:quoted>\"}");
    sb_release(&out);
}

Test(secrets, base64_at_every_alignment)
{
    /* Basic auth puts "user:" before the password, shifting the alignment. */
    const char *prefixes[] = {"", "u:", "us:", "user:"};
    for (int i = 0; i < 4; i++) {
        strbuf plain = STRBUF_INIT, enc = STRBUF_INIT, text = STRBUF_INIT;
        sb_addf(&plain, "%s%s", prefixes[i], CANARY);
        b64_encode(&enc, plain.buf, plain.len);
        sb_addf(&text, "Authorization: Basic %s", enc.buf);
        assert_masked(text.buf);
        sb_reset(&enc);
        b64url_encode(&enc, plain.buf, plain.len);
        sb_reset(&text);
        sb_addf(&text, "jwt=%s", enc.buf);
        assert_masked(text.buf);
        sb_release(&plain);
        sb_release(&enc);
        sb_release(&text);
    }
}

Test(secrets, same_secret_same_placeholder)
{
    strbuf out = STRBUF_INIT;
    const char *text = CANARY " and again " CANARY;
    cr_assert_eq(secrets_mask(reg, text, strlen(text), &out), 2);
    cr_assert_str_eq(out.buf, "<redacted:vsphere.password> and again <redacted:vsphere.password>");
    sb_release(&out);
}

Test(secrets, clean_text_untouched_and_short_values_ignored)
{
    cr_assert_eq(secrets_add(reg, "short", "12345"), 0);
    cr_assert_eq(secrets_add(reg, "dup", CANARY), 0);
    cr_assert_eq(secrets_count(reg), 1);
    strbuf out = STRBUF_INIT;
    const char *text = "nothing secret here: 12345 Canary-P@ss";
    cr_assert_eq(secrets_mask(reg, text, strlen(text), &out), 0);
    cr_assert_str_eq(out.buf, text);
    size_t off = 99;
    cr_assert_null(secrets_find(reg, text, strlen(text), &off));
    sb_release(&out);
}

Test(secrets, find_reports_offset_and_label)
{
    const char *text = "xx" CANARY;
    size_t off = 0;
    const char *label = secrets_find(reg, text, strlen(text), &off);
    cr_assert_str_eq(label, "vsphere.password");
    cr_assert_eq(off, 2);
}

/* what a replay hands back for a credential is not a credential */
Test(secrets, placeholders_are_not_secrets)
{
    cr_assert_eq(secrets_add(reg, "endpoint.cookie", "<redacted:cookie.vmware_soap_session>"), 0);
    const char *text = "session[&lt;redacted:cookie.vmware_soap_session&gt;]77281c09";
    cr_assert_null(secrets_find(reg, text, strlen(text), NULL));
}
