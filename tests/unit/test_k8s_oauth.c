/* Unit tests for the OpenShift OAuth challenge login against an HTTPS test
 * server that answers as the OpenShift OAuth server does: metadata
 * discovery, basic credentials with X-CSRF-Token, the 302 with the token in
 * the fragment, refusals; CLUSTER_* from the environment; and canary
 * password and token kept out of the cassette, replayed without a server. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/client.h"
#include "k8s/oauth.h"
#include "testserver.h"
#include "testutil.h"
#include "util/codec.h"
#include "util/fs.h"
#include "util/log.h"

#define USER "kubeadmin"
#define PASSWORD "canary-oauth-password-Xq7"
#define ISSUED "sha256~canary-oauth-issued-token-0d9e"

static ts_server *srv;
static transport *tp;
static secret_registry *reg;

typedef struct oauth_server {
    const char *location;      /* override of the redirect */
    int no_metadata;
} oauth_server;

static oauth_server behaviour;

static void metadata(void *ud, const ts_request *req, ts_response *resp)
{
    (void)req;
    oauth_server *o = ud;
    if (o->no_metadata) {
        resp->status = 404;
        ts_resp_body(resp, "text/plain", "404 page not found\n", 19);
        return;
    }
    strbuf b = STRBUF_INIT;
    sb_addf(&b, "{\"issuer\":\"%s\",\"authorization_endpoint\":\"%s/oauth/authorize\","
                "\"token_endpoint\":\"%s/oauth/token\",\"response_types_supported\":[\"code\",\"token\"]}",
            ts_url(srv), ts_url(srv), ts_url(srv));
    ts_resp_body(resp, "application/json", b.buf, b.len);
    sb_release(&b);
}

static void authorize(void *ud, const ts_request *req, ts_response *resp)
{
    oauth_server *o = ud;
    const char *auth = http_headers_get(&req->headers, "Authorization");
    strbuf want = STRBUF_INIT;
    sb_adds(&want, "Basic ");
    b64_encode(&want, USER ":" PASSWORD, strlen(USER ":" PASSWORD));
    int ok = auth && !strcmp(auth, want.buf) && http_headers_get(&req->headers, "X-CSRF-Token") &&
             strstr(req->uri, "client_id=openshift-challenging-client") &&
             strstr(req->uri, "response_type=token");
    sb_release(&want);
    if (!ok) {
        resp->status = 401;
        ts_resp_header(resp, "WWW-Authenticate", "Basic realm=\"openshift\"");
        return;
    }
    resp->status = 302;
    strbuf loc = STRBUF_INIT;
    if (o->location)
        sb_adds(&loc, o->location);
    else
        sb_addf(&loc, "%s/oauth/token/implicit#access_token=" ISSUED "&expires_in=86400"
                      "&scope=user%%3Afull&token_type=Bearer", ts_url(srv));
    ts_resp_header(resp, "Location", loc.buf);
    sb_release(&loc);
}

static void routes(ts_server *s)
{
    ts_route(s, "GET", "/.well-known/oauth-authorization-server", metadata, &behaviour);
    ts_route(s, "GET", "/oauth/authorize", authorize, &behaviour);
}

static void setup(void)
{
    log_set_level(LOG_OFF);
    memset(&behaviour, 0, sizeof behaviour);
    srv = ts_start(TS_HTTPS);
    routes(srv);
    reg = secrets_new();
    transport_config cfg = {.mode = TRANSPORT_LIVE, .secrets = reg, .has_seed = 1, .seed = 9};
    mtv_err err;
    cr_assert_eq(transport_open(&tp, &cfg, &err), 0, "%s", err.msg);
    unsetenv("CLUSTER_HOST");
    unsetenv("CLUSTER_USERNAME");
    unsetenv("CLUSTER_PASSWORD");
    unsetenv("CLUSTER_VERIFY_SSL");
    unsetenv("CLUSTER_CA_BUNDLE");
}

static void teardown(void)
{
    transport_free(tp);
    ts_stop(srv);
    secrets_free(reg);
}

TestSuite(oauth, .init = setup, .fini = teardown);

static void login_config(kube_config *kc, const char *password)
{
    memset(kc, 0, sizeof *kc);
    kc->server = strdup(ts_url(srv));
    kc->ca_data = strdup(ts_ca_pem(srv));
    kc->username = strdup(USER);
    kc->password = strdup(password);
}

Test(oauth, challenge_login_yields_the_token)
{
    kube_config kc;
    login_config(&kc, PASSWORD);
    mtv_err err;
    cr_assert_eq(oauth_login(&kc, tp, &err), 0, "%s", err.msg);
    cr_assert_str_eq(kc.token, ISSUED);
    cr_assert_eq(ts_count(srv), 2);
    const ts_request *a = ts_request_at(srv, 1);
    cr_assert_str_eq(a->path, "/oauth/authorize");
    cr_assert_not_null(http_headers_get(&a->headers, "X-CSRF-Token"));
    size_t off;
    cr_assert_not_null(secrets_find(reg, ISSUED, strlen(ISSUED), &off), "the token is a known secret");
    cr_assert_not_null(secrets_find(log_secrets(), ISSUED, strlen(ISSUED), &off));
    /* the endpoint now authenticates with it */
    net_endpoint ep;
    kubeconfig_endpoint(&kc, &ep);
    cr_assert_eq(ep.auth, NET_AUTH_BEARER);
    kubeconfig_free(&kc);
}

Test(oauth, a_wrong_password_says_so)
{
    kube_config kc;
    login_config(&kc, "wrong-password-123");
    mtv_err err;
    cr_assert_eq(oauth_login(&kc, tp, &err), -1);
    cr_assert(strstr(err.msg, "OAuth login as 'kubeadmin'"), "%s", err.msg);
    cr_assert(strstr(err.msg, "rejected the user name or password (401 Unauthorized)"), "%s", err.msg);
    cr_assert(!strstr(err.msg, "wrong-password"), "%s", err.msg);
    cr_assert_null(kc.token);
    kubeconfig_free(&kc);
}

Test(oauth, an_api_server_without_oauth)
{
    behaviour.no_metadata = 1;
    kube_config kc;
    login_config(&kc, PASSWORD);
    mtv_err err;
    cr_assert_eq(oauth_login(&kc, tp, &err), -1);
    cr_assert(strstr(err.msg, "answered 404: 404 page not found"), "%s", err.msg);
    cr_assert(strstr(err.msg, "offers no OpenShift OAuth login"), "%s", err.msg);
    kubeconfig_free(&kc);
}

Test(oauth, a_refusal_in_the_redirect)
{
    behaviour.location = "https://x/oauth/token/implicit#error=access_denied"
                         "&error_description=scope+not+allowed";
    kube_config kc;
    login_config(&kc, PASSWORD);
    mtv_err err;
    cr_assert_eq(oauth_login(&kc, tp, &err), -1);
    cr_assert(strstr(err.msg, "refused: access_denied: scope not allowed"), "%s", err.msg);
    behaviour.location = "https://x/oauth/token/implicit#expires_in=1";
    cr_assert_eq(oauth_login(&kc, tp, &err), -1);
    cr_assert(strstr(err.msg, "carries no access_token"), "%s", err.msg);
    kubeconfig_free(&kc);
}

Test(oauth, an_untrusted_server_is_refused)
{
    kube_config kc;
    login_config(&kc, PASSWORD);
    free(kc.ca_data);
    kc.ca_data = NULL;
    mtv_err err;
    cr_assert_eq(oauth_login(&kc, tp, &err), -1);
    cr_assert_eq(err.exit_code, MTV_EXIT_ENV);
    cr_assert_eq(ts_count(srv), 0, "nothing may reach a server that failed verification");
    kubeconfig_free(&kc);
}

/* ---- CLUSTER_* ------------------------------------------------------------------ */

Test(oauth, environment_unset_does_nothing)
{
    kube_config kc;
    mtv_err err;
    cr_assert_eq(oauth_kubeconfig_from_env(&kc, tp, reg, &err), 1);
    cr_assert_eq(ts_count(srv), 0);
}

Test(oauth, environment_needs_all_three)
{
    setenv("CLUSTER_HOST", ts_url(srv), 1);
    setenv("CLUSTER_USERNAME", USER, 1);
    kube_config kc;
    mtv_err err;
    cr_assert_eq(oauth_kubeconfig_from_env(&kc, tp, reg, &err), -1);
    cr_assert(strstr(err.msg, "CLUSTER_PASSWORD is not set"), "%s", err.msg);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    setenv("CLUSTER_PASSWORD", PASSWORD, 1);
    setenv("CLUSTER_VERIFY_SSL", "maybe", 1);
    cr_assert_eq(oauth_kubeconfig_from_env(&kc, tp, reg, &err), -1);
    cr_assert(strstr(err.msg, "CLUSTER_VERIFY_SSL='maybe': expected true or false"), "%s", err.msg);
    setenv("CLUSTER_VERIFY_SSL", "false", 1);
    setenv("CLUSTER_CA_BUNDLE", "/nonexistent/ca.pem", 1);
    cr_assert_eq(oauth_kubeconfig_from_env(&kc, tp, reg, &err), -1);
    cr_assert(strstr(err.msg, "cannot be combined"), "%s", err.msg);
}

Test(oauth, environment_login_with_a_ca_bundle)
{
    /* host without a scheme: https is assumed */
    setenv("CLUSTER_HOST", ts_url(srv) + strlen("https://"), 1);
    setenv("CLUSTER_USERNAME", USER, 1);
    setenv("CLUSTER_PASSWORD", PASSWORD, 1);
    setenv("CLUSTER_CA_BUNDLE", ts_ca_file(srv), 1);
    kube_config kc;
    mtv_err err;
    cr_assert_eq(oauth_kubeconfig_from_env(&kc, tp, reg, &err), 0, "%s", err.msg);
    cr_assert_str_eq(kc.server, ts_url(srv));
    cr_assert_str_eq(kc.token, ISSUED);
    cr_assert_str_eq(kc.namespace_, "default");
    cr_assert_eq(kc.insecure, 0);
    size_t off;
    cr_assert_not_null(secrets_find(reg, PASSWORD, strlen(PASSWORD), &off));
    kubeconfig_free(&kc);
}

Test(oauth, environment_login_without_verification)
{
    setenv("CLUSTER_HOST", ts_url(srv), 1);
    setenv("CLUSTER_USERNAME", USER, 1);
    setenv("CLUSTER_PASSWORD", PASSWORD, 1);
    setenv("CLUSTER_VERIFY_SSL", "False", 1);
    kube_config kc;
    mtv_err err;
    cr_assert_eq(oauth_kubeconfig_from_env(&kc, tp, reg, &err), 0, "%s", err.msg);
    cr_assert_eq(kc.insecure, 1);
    cr_assert_str_eq(kc.token, ISSUED);
    kubeconfig_free(&kc);
}

/* ---- recorded, redacted, replayed ------------------------------------------------- */

Test(oauth_record, password_and_token_never_reach_the_cassette)
{
    log_set_level(LOG_OFF);
    memset(&behaviour, 0, sizeof behaviour);
    srv = ts_start(TS_HTTPS);
    routes(srv);
    ts_route_static(srv, "GET", "/version", 200, "application/json", "{\"minor\":\"32\"}", 14);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    strbuf journal = STRBUF_INIT, bundle = STRBUF_INIT, logp = STRBUF_INIT;
    fs_join(&journal, dir, "journal.ndjson");
    fs_join(&bundle, dir, "login.tar");
    fs_join(&logp, dir, "run.log");
    mtv_err err;
    cr_assert_eq(log_set_file(logp.buf, LOG_TRACE, &err), 0, "%s", err.msg);
    secret_registry *r = secrets_new();
    transport_config rec = {.mode = TRANSPORT_RECORD, .journal_path = journal.buf, .scenario = "login",
                            .secrets = r};
    transport *t;
    cr_assert_eq(transport_open(&t, &rec, &err), 0, "%s", err.msg);
    kube_config kc;
    login_config(&kc, PASSWORD);
    cr_assert_eq(oauth_login(&kc, t, &err), 0, "%s", err.msg);
    k8s_client *c;
    cr_assert_eq(k8s_client_new(&c, &kc, t, &err), 0, "%s", err.msg);
    cJSON *v = NULL;
    cr_assert_eq(k8s_get_raw(c, "/version", &v, &err), 0, "%s", err.msg);
    cJSON_Delete(v);
    cr_assert_str_eq(http_headers_get(&ts_request_at(srv, 2)->headers, "Authorization"), "Bearer " ISSUED);
    log_info("token in a log line: %s", kc.token);
    k8s_client_free(c);
    kubeconfig_free(&kc);
    /* the bundle scan refuses to write a bundle holding a known secret */
    cr_assert_eq(transport_finish(t, bundle.buf, logp.buf, &err), 0, "%s", err.msg);
    transport_free(t);
    ts_stop(srv);
    log_shutdown();
    const char *files[] = {journal.buf, bundle.buf, logp.buf};
    strbuf b64pw = STRBUF_INIT;
    b64_encode(&b64pw, USER ":" PASSWORD, strlen(USER ":" PASSWORD));
    for (int i = 0; i < 3; i++) {
        size_t n;
        char *bytes = tu_read(files[i], &n);
        cr_assert_not_null(bytes, "%s", files[i]);
        cr_assert(!tu_contains(bytes, n, "canary-oauth-issued-token"), "token in %s", files[i]);
        cr_assert(!tu_contains(bytes, n, "canary-oauth-password"), "password in %s", files[i]);
        cr_assert(!tu_contains(bytes, n, b64pw.buf), "basic credentials in %s", files[i]);
        free(bytes);
    }
    size_t n;
    char *j = tu_read(journal.buf, &n);
    cr_assert(tu_contains(j, n, "access_token=%3Credacted%3Aquery.access_token%3E"), "%s", j);
    free(j);

    transport_config rep = {.mode = TRANSPORT_REPLAY, .cassette_path = bundle.buf};
    cr_assert_eq(transport_open(&t, &rep, &err), 0, "%s", err.msg);
    memset(&kc, 0, sizeof kc);
    kc.server = strdup("https://api.replayed.invalid:6443");
    kc.username = strdup(USER);
    kc.password = strdup("another-password-on-replay");
    cr_assert_eq(oauth_login(&kc, t, &err), 0, "%s", err.msg);
    cr_assert_str_eq(kc.token, "<redacted:query.access_token>");
    cr_assert_eq(k8s_client_new(&c, &kc, t, &err), 0, "%s", err.msg);
    cr_assert_eq(k8s_get_raw(c, "/version", &v, &err), 0, "%s", err.msg);
    cr_assert_str_eq(k8s_obj_str(v, "minor"), "32");
    cJSON_Delete(v);
    strbuf unused = STRBUF_INIT;
    cr_assert_eq(transport_unused(t, &unused), 0, "%s", sb_str(&unused));
    k8s_client_free(c);
    kubeconfig_free(&kc);
    transport_free(t);
    secrets_free(r);
    sb_release(&unused);
    sb_release(&b64pw);
    sb_release(&journal);
    sb_release(&bundle);
    sb_release(&logp);
}
