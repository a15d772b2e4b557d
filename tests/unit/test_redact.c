/* Unit tests for recorder/redact rule by rule, and recorder/scan. */
#include <criterion/criterion.h>
#include <string.h>

#include "recorder/redact.h"
#include "recorder/scan.h"
#include "util/codec.h"

static secret_registry *reg;
static redactor rd;
static cJSON *report;

static void setup(void)
{
    reg = secrets_new();
    rd.secrets = reg;
    report = cJSON_CreateArray();
}

static void teardown(void)
{
    secrets_free(reg);
    cJSON_Delete(report);
}

TestSuite(redact, .init = setup, .fini = teardown);

static int has_rule(const char *rule, const char *where)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, report) {
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "rule")), rule) == 0 &&
            (!where || strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "where")), where) == 0))
            return 1;
    }
    return 0;
}

Test(redact, names)
{
    int learn;
    cr_assert(redact_name_sensitive("password", &learn) && learn);
    cr_assert(redact_name_sensitive("bearerToken", &learn) && learn);
    cr_assert(redact_name_sensitive("client-key-data", &learn) && learn);
    cr_assert(redact_name_sensitive("sortKey", &learn) && !learn);
    cr_assert_not(redact_name_sensitive("secretName", &learn));
    cr_assert_not(redact_name_sensitive("secretRef", &learn));
    cr_assert_not(redact_name_sensitive("tokenUrl", &learn));
    cr_assert_not(redact_name_sensitive("key", &learn));
    cr_assert_not(redact_name_sensitive("name", &learn));
}

Test(redact, headers_keep_scheme_and_cookie_names_and_learn_values)
{
    http_headers h = {0};
    http_headers_add(&h, "Authorization", "Bearer tok-123456789");
    http_headers_add(&h, "Cookie", "vmware_soap_session=\"abcdef123\"; lang=en");
    http_headers_add(&h, "X-Auth-Token", "gAAAAAtoken");
    http_headers_add(&h, "Accept", "application/json");
    redact_headers(&rd, &h, "request", report);
    cr_assert_str_eq(http_headers_get(&h, "Authorization"), "Bearer <redacted:header.authorization>");
    cr_assert_str_eq(http_headers_get(&h, "Cookie"),
                     "vmware_soap_session=<redacted:cookie.vmware_soap_session>; lang=<redacted:cookie.lang>");
    cr_assert_str_eq(http_headers_get(&h, "X-Auth-Token"), "<redacted:header.x-auth-token>");
    cr_assert_str_eq(http_headers_get(&h, "Accept"), "application/json");
    cr_assert(has_rule("header", "request.headers.Authorization"));
    cr_assert(has_rule("cookie", "request.headers.Cookie"));
    const char *later = "{\"echo\":\"tok-123456789\",\"c\":\"\\\"abcdef123\\\"\"}";
    cr_assert_not_null(secrets_find(reg, later, strlen(later), NULL), "learned values are known secrets");
    /* redacting again changes nothing: placeholders are stable */
    redact_headers(&rd, &h, "request", NULL);
    cr_assert_str_eq(http_headers_get(&h, "Authorization"), "Bearer <redacted:header.authorization>");
    http_headers_free(&h);
}

Test(redact, basic_auth_password_is_learned)
{
    http_headers h = {0};
    strbuf v = STRBUF_INIT;
    sb_adds(&v, "Basic ");
    b64_encode(&v, "admin:s3cret-basic", 18);
    http_headers_add(&h, "Authorization", v.buf);
    redact_headers(&rd, &h, "request", report);
    const char *text = "password was s3cret-basic";
    cr_assert_not_null(secrets_find(reg, text, strlen(text), NULL));
    http_headers_free(&h);
    sb_release(&v);
}

Test(redact, query_parameters)
{
    strbuf url = STRBUF_INIT;
    sb_adds(&url, "https://h/x?name=vm-1&access_token=abc%2Bdef123&sig=zzzzzz#top");
    redact_url(&rd, &url, "request", report);
    cr_assert_str_eq(url.buf, "https://h/x?name=vm-1&access_token=%3Credacted%3Aquery.access_token%3E"
                              "&sig=%3Credacted%3Aquery.sig%3E#top");
    cr_assert(has_rule("query", "request.query.access_token"));
    cr_assert_not_null(secrets_find(reg, "abc+def123", 10, NULL));
    sb_release(&url);
}

Test(redact, fragment_parameters_and_redirect_locations)
{
    /* OAuth's implicit grant: the token comes back in a redirect's fragment */
    const char *loc = "https://oauth.example/oauth/token/implicit#access_token=sha256~frag-canary-91"
                      "&expires_in=86400&scope=user%3Afull&token_type=Bearer";
    http_headers h = {0};
    http_headers_add(&h, "Location", loc);
    http_headers_add(&h, "Content-Location", "/plain/path");
    redact_headers(&rd, &h, "response", report);
    cr_assert_str_eq(http_headers_get(&h, "Location"),
                     "https://oauth.example/oauth/token/implicit#access_token=%3Credacted%3Aquery.access_token%3E"
                     "&expires_in=86400&scope=user%3Afull&token_type=Bearer");
    cr_assert_str_eq(http_headers_get(&h, "Content-Location"), "/plain/path");
    cr_assert(has_rule("query", "response.headers.Location.query.access_token"));
    size_t off;
    cr_assert_not_null(secrets_find(reg, "sha256~frag-canary-91", 21, &off), "the token is learned");
    http_headers_free(&h);

    strbuf url = STRBUF_INIT;
    sb_adds(&url, "https://h/p?x=1&password=pw-canary-2#frag&token=t-canary-3");
    redact_url(&rd, &url, "request", report);
    cr_assert_str_eq(url.buf, "https://h/p?x=1&password=%3Credacted%3Aquery.password%3E"
                              "#frag&token=%3Credacted%3Aquery.token%3E");
    sb_release(&url);
}

Test(redact, clean_json_stays_byte_identical)
{
    strbuf body = STRBUF_INIT;
    const char *text = "{ \"kind\" : \"Pod\",\n  \"metadata\": {\"name\": \"token-less\", \"labels\": {\"key\": 1}} }";
    sb_adds(&body, text);
    redact_body(&rd, &body, "application/json", "response", report);
    cr_assert_str_eq(body.buf, text);
    cr_assert_eq(cJSON_GetArraySize(report), 0);
    sb_release(&body);
}

Test(redact, secret_data_stays_base64_and_keys_by_name)
{
    strbuf body = STRBUF_INIT;
    sb_adds(&body, "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\",\"annotations\":{"
                   "\"kubectl.kubernetes.io/last-applied-configuration\":\"{...}\"}},"
                   "\"data\":{\"password\":\"cGFzc3dvcmQtMTIz\",\"user\":\"YWRtaW5pc3RyYXRvcg==\"},"
                   "\"stringData\":{\"url\":\"https://vc\"}}");
    redact_body(&rd, &body, "application/json", "response", report);
    cJSON *j = cJSON_Parse(body.buf);
    const char *pw = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "password"));
    strbuf dec = STRBUF_INIT;
    cr_assert_eq(b64_decode(&dec, pw, strlen(pw)), 0);
    cr_assert_str_eq(dec.buf, "<redacted:k8s-secret.password>");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "stringData"), "url")),
                     "<redacted:k8s-secret.url>");
    cr_assert(has_rule("k8s-secret", "response.body/data/password"));
    cr_assert(has_rule("k8s-secret", "response.body/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration"));
    cr_assert_not_null(secrets_find(reg, "password-123", 12, NULL), "decoded value learned");
    cr_assert_null(secrets_find(reg, "administrator", 13, NULL), "user names are not learned");
    cJSON_Delete(j);
    sb_release(&dec);
    sb_release(&body);
}

Test(redact, json_keys_soap_and_forms)
{
    strbuf body = STRBUF_INIT;
    sb_adds(&body, "{\"auth\":{\"identity\":{\"password\":{\"user\":{\"name\":\"u\",\"password\":\"pw-openstack\"}}}},"
                   "\"sshPrivateKey\":\"-----BEGIN\",\"secretRef\":{\"name\":\"keep\"},\"sortKey\":\"keep-me-too\"}");
    redact_body(&rd, &body, NULL, "request", report);
    cr_assert(strstr(body.buf, "\"password\":\"<redacted:json.password>\""), "%s", body.buf);
    cr_assert(strstr(body.buf, "\"name\":\"keep\""), "%s", body.buf);
    cr_assert(strstr(body.buf, "\"sortKey\":\"<redacted:json.sortkey>\""), "%s", body.buf);
    cr_assert(has_rule("json-key", "request.body/auth/identity/password/user/password"));
    cr_assert_null(secrets_find(reg, "keep-me-too", 11, NULL), "weak names are not learned");

    sb_reset(&body);
    sb_adds(&body, "<Envelope><Body><Login><userName>root</userName><ns:password>a&amp;b-pass</ns:password></Login></Body></Envelope>");
    redact_body(&rd, &body, "text/xml", "request", report);
    cr_assert_str_eq(body.buf, "<Envelope><Body><Login><userName>root</userName><ns:password>&lt;redacted:xml.password&gt;"
                               "</ns:password></Login></Body></Envelope>");
    cr_assert_not_null(secrets_find(reg, "a&b-pass", 8, NULL));

    sb_reset(&body);
    sb_adds(&body, "grant_type=password&username=admin&password=form-pass-1");
    redact_body(&rd, &body, "application/x-www-form-urlencoded", "request", report);
    cr_assert_str_eq(body.buf, "grant_type=password&username=admin&password=%3Credacted%3Aquery.password%3E");
    cr_assert(has_rule("form-field", NULL));
    sb_release(&body);
}

Test(redact, known_secrets_anywhere)
{
    secrets_add(reg, "providers.password", "Pr0vider-Pass");
    strbuf body = STRBUF_INIT;
    unsigned char bin[] = {0, 1, 'P', 'r', '0', 'v', 'i', 'd', 'e', 'r', '-', 'P', 'a', 's', 's', 2};
    sb_add(&body, bin, sizeof bin);
    redact_body(&rd, &body, "application/octet-stream", "response", report);
    cr_assert_null(secrets_find(reg, body.buf, body.len, NULL));
    cr_assert(has_rule("known-secret", "response.body"));
    sb_release(&body);
}

Test(scan, patterns_and_placeholders)
{
    scan_finding f;
    const char *cases[][2] = {
        {"{\"value\":\"Bearer abcdefghijklmnopqrstuvwxyz\"}", "pattern:bearer-token"},
        {"{\"name\":\"Authorization\",\"value\":\"Basic YWRtaW46cGFzc3dvcmQ=\"}", "pattern:basic-credentials"},
        {"token sha256~abcdefghijklmnopqrstuvwxyz012", "pattern:openshift-token"},
        {"x eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.sig", "pattern:jwt"},
        {"-----BEGIN EC PRIVATE KEY-----\nMHc", "pattern:pem-private-key"},
        {"Cookie: vmware_soap_session=\"52a1b2c3d4e5\"", "pattern:vsphere-session"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(scan_secrets(NULL, cases[i][0], strlen(cases[i][0]), &f), 1, "%s", cases[i][0]);
        cr_assert_str_eq(f.rule, cases[i][1]);
    }
    const char *clean[] = {
        "Bearer <redacted:header.authorization>", "\"Basic <redacted:x>\"",
        "Basic authentication is configured", "vmware_soap_session=<redacted:cookie.vmware_soap_session>",
        "-----BEGIN CERTIFICATE-----", "eyJhbGciOiJSUzI1NiJ9 (one part only)"};
    for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++)
        cr_assert_eq(scan_secrets(NULL, clean[i], strlen(clean[i]), &f), 0, "%s -> %s", clean[i], f.rule);
    secret_registry *r = secrets_new();
    secrets_add(r, "late", "some-known-value");
    cr_assert_eq(scan_secrets(r, "xx some-known-value", 19, &f), 1);
    cr_assert_str_eq(f.rule, "known-secret:late");
    cr_assert_eq(f.offset, 3);
    secrets_free(r);
}

/* a session key vcsim echoes inside an XML answer: the placeholder must not
 * turn into a stray tag, or replayed answers stop being XML */
Test(redact, known_secrets_in_xml_stay_well_formed)
{
    secrets_add(reg, "cookie.vmware_soap_session", "5f0c3c43-0f1a-4bd1-9d34-1f3bd7c4d7a1");
    strbuf body = STRBUF_INIT;
    sb_adds(&body, "<r><returnval type=\"ContainerView\">session[5f0c3c43-0f1a-4bd1-9d34-"
                   "1f3bd7c4d7a1]77281c09</returnval></r>");
    redact_body(&rd, &body, "text/xml; charset=utf-8", "response", report);
    cr_assert_str_eq(body.buf, "<r><returnval type=\"ContainerView\">session[&lt;redacted:cookie."
                               "vmware_soap_session&gt;]77281c09</returnval></r>");
    sb_release(&body);
}
