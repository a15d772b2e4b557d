/* Canary secrets planted in every place and encoding an exchange can carry
 * them (headers, cookies, query, JSON and SOAP and form bodies, Kubernetes
 * Secrets, watch frames, custom entries, error messages) must never reach
 * the journal, the cassette, the bundle or the log; a secret that slipped
 * through makes the bundle write refuse, leaving nothing behind. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "net/transport.h"
#include "recorder/bundle.h"
#include "recorder/journal.h"
#include "testserver.h"
#include "testutil.h"
#include "util/codec.h"
#include "util/fs.h"
#include "util/log.h"

/* known to the registry before the run (providers file, kubeconfig) */
#define KNOWN_PASS "Canary-Known-P@ss/w0rd+1"
#define KNOWN_TOKEN "sha256~CanaryKnownTokenABCDEFGHIJ0123"
/* never registered: only the redaction rules can catch these */
#define RULE_BEARER "canary-bearer-ZYXW-0001-abcdefgh"
#define RULE_COOKIE "canary-cookie-52c1e9-0002"
#define RULE_QUERY "canary-query-token-0003"
#define RULE_JSON "canary-json-password-0004"
#define RULE_SOAP "canary-soap-password-0005"
#define RULE_FORM "canary-form-password-0006"
#define RULE_SECRET "canary-secret-data-0007"
#define RULE_STRINGDATA "canary-string-data-0008"
#define RULE_SUBJECT "canary-subject-token-0009"
#define RULE_SETCOOKIE "canary-set-cookie-0010"
#define RULE_WATCH "canary-watch-secret-0011"
#define RULE_SSH "canary-ssh-password-0012"

static const char *const ALL[] = {KNOWN_PASS, KNOWN_TOKEN, RULE_BEARER, RULE_COOKIE, RULE_QUERY,
                                  RULE_JSON, RULE_SOAP, RULE_FORM, RULE_SECRET, RULE_STRINGDATA,
                                  RULE_SUBJECT, RULE_SETCOOKIE, RULE_WATCH, RULE_SSH, NULL};

static void b64(strbuf *out, const char *s)
{
    b64_encode(out, s, strlen(s));
}

static void secret_api(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    (void)req;
    strbuf body = STRBUF_INIT;
    sb_adds(&body, "{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"vsphere-creds\"},"
                   "\"data\":{\"password\":\"");
    b64(&body, RULE_SECRET);
    sb_adds(&body, "\",\"user\":\"");
    b64(&body, "administrator@vsphere.local");
    sb_adds(&body, "\"},\"stringData\":{\"token\":\"" RULE_STRINGDATA "\"}}");
    ts_resp_body(resp, "application/json", body.buf, body.len);
    ts_resp_header(resp, "X-Subject-Token", RULE_SUBJECT);
    ts_resp_header(resp, "Set-Cookie", "vmware_soap_session=\"" RULE_SETCOOKIE "\"; Path=/; HttpOnly");
    sb_release(&body);
}

static void echo_known(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    (void)req;
    /* the known secrets come back in several encodings */
    strbuf body = STRBUF_INIT, enc = STRBUF_INIT;
    sb_adds(&body, "{\"raw\":\"" KNOWN_PASS "\",\"b64\":\"");
    b64(&body, "admin:" KNOWN_PASS);
    sb_adds(&body, "\",\"url\":\"");
    url_encode(&enc, KNOWN_TOKEN, strlen(KNOWN_TOKEN), 0);
    sb_add(&body, enc.buf, enc.len);
    sb_adds(&body, "\",\"note\":\"token is ");
    json_escape(&body, KNOWN_TOKEN, strlen(KNOWN_TOKEN));
    sb_adds(&body, "\"}");
    ts_resp_body(resp, "application/json", body.buf, body.len);
    sb_release(&body);
    sb_release(&enc);
}

static void watch_secrets(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    (void)req;
    strbuf ev = STRBUF_INIT;
    sb_adds(&ev, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Secret\",\"data\":{\"key\":\"");
    b64(&ev, RULE_WATCH);
    sb_adds(&ev, "\"}}}\n");
    ts_resp_frame(resp, 0, ev.buf, ev.len);
    sb_reset(&ev);
    sb_adds(&ev, "{\"kind\":\"SecretList\",\"items\":[{\"data\":{\"x\":\"");
    b64(&ev, RULE_WATCH);
    sb_adds(&ev, "\"}}]}\n");
    ts_resp_frame(resp, 5, ev.buf, ev.len);
    sb_release(&ev);
}

static int ssh_live(void *ud, const cJSON *request, cJSON **response, mtv_err *err)
{
    (void)ud;
    (void)request;
    (void)err;
    *response = cJSON_CreateObject();
    cJSON_AddStringToObject(*response, "stdout", "login with " KNOWN_PASS "\n");
    cJSON_AddNumberToObject(*response, "exit_status", 0);
    return 0;
}

static int drop_frame(void *ud, const char *d, size_t n)
{
    (void)ud;
    (void)d;
    (void)n;
    return 0;
}

static void send(transport *t, http_request *req)
{
    http_response resp = {0};
    mtv_err err;
    cr_assert_eq(transport_send(t, req, &resp, &err), 0, "%s", err.msg);
    http_response_free(&resp);
    http_request_free(req);
}

/* Every canary, and its base64, URL and JSON forms, is absent from data. */
static void assert_clean(const char *what, const char *data, size_t n)
{
    secret_registry *check = secrets_new();
    for (int i = 0; ALL[i]; i++)
        secrets_add(check, ALL[i], ALL[i]);
    size_t off = 0;
    const char *label = secrets_find(check, data, n, &off);
    cr_assert_null(label, "%s leaks canary %s at byte %zu: ...%.60s...", what, label, off,
                   data + (off > 20 ? off - 20 : 0));
    secrets_free(check);
}

static void record_all(const char *dir, const char *bundle_path, const char *log_path)
{
    ts_server *srv = ts_start(TS_HTTP);
    ts_route_static(srv, NULL, "*", 200, "application/json", "{}", 2);
    ts_route(srv, "GET", "/api/v1/namespaces/openshift-mtv/secrets/vsphere-creds", secret_api, NULL);
    ts_route(srv, NULL, "/echo", echo_known, NULL);
    ts_route(srv, "GET", "/api/v1/secrets", watch_secrets, NULL);

    cr_assert_eq(log_set_file(log_path, LOG_TRACE, NULL), 0);
    log_set_level(LOG_OFF);
    secrets_add(log_secrets(), "providers.vsphere.password", KNOWN_PASS);
    secrets_add(log_secrets(), "kubeconfig.token", KNOWN_TOKEN);

    strbuf journal_file = STRBUF_INIT;
    fs_join(&journal_file, dir, "journal.ndjson");
    transport_config cfg = {.mode = TRANSPORT_RECORD, .journal_path = journal_file.buf, .scenario = "canary"};
    transport *t;
    mtv_err err;
    cr_assert_eq(transport_open(&t, &cfg, &err), 0, "%s", err.msg);
    net_endpoint ep;
    net_endpoint_init(&ep);
    ep.base_url = ts_url(srv);
    ep.auth = NET_AUTH_BEARER;
    ep.token = KNOWN_TOKEN;

    http_request req;
    http_request_init(&req, &ep, "kubernetes", "GET", "/api/v1/namespaces/openshift-mtv/secrets/vsphere-creds");
    send(t, &req);

    http_request_init(&req, &ep, "inventory", "POST", "/echo");
    http_headers_add(&req.headers, "Authorization", "Bearer " RULE_BEARER);
    http_headers_add(&req.headers, "Cookie", "vmware_soap_session=\"" RULE_COOKIE "\"; other=1");
    http_headers_add(&req.headers, "X-Note", "pass " KNOWN_PASS);
    http_request_query(&req, "token", RULE_QUERY);
    http_request_query(&req, "name", "keep-me");
    const char *json = "{\"url\":\"https://vc.example\",\"password\":\"" RULE_JSON "\",\"user\":\"u\","
                       "\"note\":\"uses " KNOWN_PASS "\"}";
    http_request_body(&req, "application/json", json, strlen(json));
    send(t, &req);

    http_request_init(&req, &ep, "vsphere", "POST", "/sdk");
    const char *soap = "<?xml version=\"1.0\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                       "<soapenv:Body><Login xmlns=\"urn:vim25\"><_this type=\"SessionManager\">SessionManager</_this>"
                       "<userName>administrator@vsphere.local</userName><password>" RULE_SOAP "</password>"
                       "</Login></soapenv:Body></soapenv:Envelope>";
    http_request_body(&req, "text/xml; charset=utf-8", soap, strlen(soap));
    send(t, &req);

    http_request_init(&req, &ep, "ovirt", "POST", "/ovirt-engine/sso/oauth/token");
    const char *form = "grant_type=password&username=admin%40internal&password=" RULE_FORM "&scope=ovirt-app-api";
    http_request_body(&req, "application/x-www-form-urlencoded", form, strlen(form));
    send(t, &req);

    http_request_init(&req, &ep, "kubernetes", "GET", "/api/v1/secrets");
    http_request_query(&req, "watch", "true");
    http_response resp = {0};
    cr_assert_eq(transport_stream(t, &req, NET_FRAMES_LINES, drop_frame, NULL, &resp, &err), 0, "%s", err.msg);
    http_response_free(&resp);
    http_request_free(&req);

    cJSON *cmd = cJSON_CreateObject();
    cJSON_AddStringToObject(cmd, "command", "login");
    cJSON_AddStringToObject(cmd, "password", RULE_SSH);
    cJSON *out = NULL;
    cr_assert_eq(transport_custom(t, "ssh", "guest:vm-1", cmd, ssh_live, NULL, &out, &err), 0, "%s", err.msg);
    cJSON_Delete(cmd);
    cJSON_Delete(out);

    /* an error message that names a known secret */
    net_endpoint dead;
    net_endpoint_init(&dead);
    dead.retry.max_attempts = 1;
    http_request_init(&req, &dead, "jira", "GET", "http://127.0.0.1:1/rest?x=" KNOWN_PASS);
    http_response r2 = {0};
    cr_assert_eq(transport_send(t, &req, &r2, &err), -1);
    log_error("request failed: %s (token %s)", err.msg, KNOWN_TOKEN);
    log_debug("learned secrets are masked in the log too: %s %s", RULE_SUBJECT, RULE_JSON);
    http_response_free(&r2);
    http_request_free(&req);

    cr_assert_eq(transport_finish(t, bundle_path, log_path, &err), 0, "%s", err.msg);
    transport_free(t);
    ts_stop(srv);
    sb_release(&journal_file);
}

Test(canary, no_secret_reaches_journal_cassette_bundle_or_log)
{
    const char *dir = tu_tmpdir();
    strbuf bundle_path = STRBUF_INIT, log_path = STRBUF_INIT, journal_file = STRBUF_INIT;
    fs_join(&bundle_path, dir, "canary.tar");
    fs_join(&log_path, dir, "run.log");
    fs_join(&journal_file, dir, "journal.ndjson");
    record_all(dir, bundle_path.buf, log_path.buf);

    size_t n;
    char *data = tu_read(journal_file.buf, &n);
    cr_assert_not_null(data);
    assert_clean("journal", data, n);
    cr_assert(tu_contains(data, n, "<redacted:"), "journal shows placeholders");
    free(data);

    data = tu_read(bundle_path.buf, &n);
    cr_assert_not_null(data);
    assert_clean("bundle", data, n);
    free(data);

    bundle b;
    mtv_err err;
    cr_assert_eq(bundle_read(&b, bundle_path.buf, &err), 0, "%s", err.msg);
    for (size_t i = 0; i < b.count; i++)
        assert_clean(b.members[i].name, b.members[i].data.buf, b.members[i].data.len);
    const bundle_member *har = bundle_find(&b, "cassette.har");
    cr_assert_not_null(bundle_find(&b, "scenario.log"));
    const char *h = har->data.buf;
    size_t hn = har->data.len;
    /* what is not secret survives, and the rules say where they acted */
    cr_assert(tu_contains(h, hn, "keep-me"));
    cr_assert(tu_contains(h, hn, "administrator@vsphere.local"));
    cr_assert(tu_contains(h, hn, "Bearer <redacted:"));
    cr_assert(tu_contains(h, hn, "vmware_soap_session=<redacted:cookie.vmware_soap_session>"));
    cr_assert(tu_contains(h, hn, "&lt;redacted:xml.password&gt;"));
    const cJSON *rules = cJSON_GetObjectItem(cJSON_GetObjectItem(b.manifest, "redaction"), "rules");
    static const char *const expect[] = {"header", "cookie", "query", "json-key", "k8s-secret",
                                         "xml-element", "form-field", "known-secret", NULL};
    for (int i = 0; expect[i]; i++)
        cr_assert(cJSON_GetNumberValue(cJSON_GetObjectItem(rules, expect[i])) >= 1,
                  "rule %s never fired", expect[i]);
    bundle_free(&b);

    data = tu_read(log_path.buf, &n);
    cr_assert_not_null(data);
    cr_assert(tu_contains(data, n, "request failed"), "the log was written");
    assert_clean("log", data, n);
    free(data);
    log_set_file(NULL, LOG_DEBUG, NULL);
    sb_release(&bundle_path);
    sb_release(&log_path);
    sb_release(&journal_file);
}

static void late(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    (void)req;
    const char *b = ud ? "{\"jwt\":\"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06YWRtaW4ifQ.c2lnbmF0dXJl\"}"
                       : "{\"note\":\"Late-Secret-Value-77\"}";
    ts_resp_body(resp, "application/json", b, strlen(b));
}

static void refuse_case(int jwt)
{
    const char *dir = tu_tmpdir();
    ts_server *srv = ts_start(TS_HTTP);
    ts_route(srv, "GET", "/late", late, jwt ? (void *)1 : NULL);
    secret_registry *reg = secrets_new();
    strbuf journal_file = STRBUF_INIT, bundle_path = STRBUF_INIT;
    fs_join(&journal_file, dir, "journal.ndjson");
    fs_join(&bundle_path, dir, "late.tar");
    transport_config cfg = {.mode = TRANSPORT_RECORD, .journal_path = journal_file.buf, .secrets = reg};
    transport *t;
    mtv_err err;
    cr_assert_eq(transport_open(&t, &cfg, &err), 0, "%s", err.msg);
    http_request req;
    http_request_init(&req, NULL, "inventory", "GET", ts_url(srv));
    sb_adds(&req.url, "/late");
    send(t, &req);
    /* learned after the exchange was journalled: redaction could not know */
    secrets_add(reg, "late.secret", "Late-Secret-Value-77");
    cr_assert_eq(transport_finish(t, bundle_path.buf, NULL, &err), -1);
    cr_assert_eq(err.exit_code, MTV_EXIT_ENV);
    cr_assert(strstr(err.msg, "refusing to write bundle"), "%s", err.msg);
    cr_assert(strstr(err.msg, jwt ? "pattern:jwt" : "known-secret:late.secret"), "%s", err.msg);
    cr_assert(!strstr(err.msg, "Late-Secret-Value-77"), "the message never shows the value");
    cr_assert(!fs_exists(bundle_path.buf), "no bundle left behind");
    char **names;
    size_t count;
    cr_assert_eq(fs_list_dir(dir, NULL, &names, &count, &err), 0);
    cr_assert_eq(count, 1, "only the journal remains (no temporary file)");
    cr_assert_str_eq(names[0], "journal.ndjson");
    fs_free_list(names, count);
    transport_free(t);
    ts_stop(srv);
    secrets_free(reg);
    sb_release(&journal_file);
    sb_release(&bundle_path);
}

Test(canary, bundle_write_refuses_a_secret_learned_too_late)
{
    refuse_case(0);
}

Test(canary, bundle_write_refuses_an_unredacted_jwt)
{
    refuse_case(1);
}
