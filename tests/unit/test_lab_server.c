/* Unit tests for lab_server over real loopback sockets: HTTPS verified
 * against the generated CA, the files written for clients, bearer-token
 * authentication, the OpenShift OAuth challenge login, chunked watch
 * streams, protocol upgrades reaching a subresource handler, and secrets
 * kept out of the log. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab/lab_server.h"
#include "testutil.h"
#include "util/codec.h"
#include "util/log.h"

static lab_server *srv;
static char state[4096], ca_path[4200], log_path[4200];

static void echo(void *ctx, int fd, const char *extra, size_t n)
{
    (void)ctx;
    if (n)
        (void)!write(fd, extra, n);
    char buf[256];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0)
        if (write(fd, buf, (size_t)r) != r)
            break;
}

static void echo_subresource(void *ud, const lab_kind *k, const char *ns, const char *name,
                             const char *sub, lab_req *req, lab_resp *resp)
{
    (void)ud;
    (void)k;
    (void)ns;
    (void)name;
    (void)sub;
    const char *up = lab_req_header(req, "Upgrade");
    if (!up || strcmp(up, "x-echo")) {
        lab_resp_raw(resp, 400, "text/plain", "upgrade required", 16);
        return;
    }
    lab_resp_upgrade(resp, "x-echo", echo, NULL, NULL);
}

static void setup(void)
{
    snprintf(state, sizeof state, "%s/state", tu_tmpdir());
    snprintf(ca_path, sizeof ca_path, "%s/ca.crt", state);
    snprintf(log_path, sizeof log_path, "%s/lab.log", state);
    lab_server_config cfg = {.state_dir = state, .bookmark_interval_ms = 100};
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(lab_server_new(&cfg, &srv, &err), 0, "%s", err.msg);
    lab_api_register_subresource(lab_server_api(srv), "kubevirt.io", "virtualmachineinstances",
                                 "echo", echo_subresource, NULL);
    cr_assert_eq(lab_server_start(srv, &err), 0, "%s", err.msg);
    cr_assert_eq(log_set_file(log_path, LOG_TRACE, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
    log_set_file(NULL, LOG_DEBUG, NULL);
    lab_server_free(srv);
    srv = NULL;
}

TestSuite(lab_server, .init = setup, .fini = teardown, .timeout = 60);

typedef struct reply {
    long code;
    strbuf body, headers;
} reply;

static size_t collect(char *p, size_t s, size_t n, void *ud)
{
    sb_add(ud, p, s * n);
    return s * n;
}

static reply http(const char *method, const char *path, const char *token, const char *body,
                  const char *ctype, struct curl_slist *extra, int verify)
{
    reply r = {0};
    CURL *c = curl_easy_init();
    char url[512];
    snprintf(url, sizeof url, "%s%s", lab_server_url(srv), path);
    struct curl_slist *h = extra;
    char hdr[512];
    if (token) {
        snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, hdr);
    }
    if (ctype) {
        snprintf(hdr, sizeof hdr, "Content-Type: %s", ctype);
        h = curl_slist_append(h, hdr);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (verify)
        curl_easy_setopt(c, CURLOPT_CAINFO, ca_path);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.code);
    else
        r.code = -(long)rc;
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return r;
}

static void reply_free(reply *r)
{
    sb_release(&r->body);
    sb_release(&r->headers);
}

Test(lab_server, writes_kubeconfig_ca_and_login_files)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/kubeconfig", state);
    char *kc = tu_read(path, NULL);
    cr_assert_not_null(kc);
    cr_assert(strstr(kc, lab_server_url(srv)), "%s", kc);
    cr_assert(strstr(kc, lab_server_token(srv)));
    strbuf b64 = STRBUF_INIT;
    b64_encode(&b64, lab_server_ca_pem(srv), strlen(lab_server_ca_pem(srv)));
    cr_assert(strstr(kc, b64.buf), "certificate-authority-data holds the CA");
    sb_release(&b64);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 077, 0, "kubeconfig is private");
    free(kc);
    char *ca = tu_read(ca_path, NULL);
    cr_assert_str_eq(ca, lab_server_ca_pem(srv));
    free(ca);
    snprintf(path, sizeof path, "%s/lab.json", state);
    char *lj = tu_read(path, NULL);
    cr_assert(strstr(lj, "\"username\":\t\"kubeadmin\""), "%s", lj);
    cr_assert(strstr(lj, lab_auth_password(lab_server_auth(srv))));
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 077, 0);
    free(lj);
    cr_assert(!strncmp(lab_server_url(srv), "https://127.0.0.1:", 18));
}

Test(lab_server, https_is_verified_and_tokens_are_required)
{
    reply r = http("GET", "/api/v1/namespaces/default", lab_server_token(srv), NULL, NULL, NULL, 1);
    cr_assert_eq(r.code, 200, "%ld %s", r.code, r.body.buf);
    cr_assert(strstr(r.body.buf, "\"name\":\"default\""));
    reply_free(&r);
    r = http("GET", "/api/v1/namespaces/default", lab_server_token(srv), NULL, NULL, NULL, 0);
    cr_assert_eq(r.code, -(long)CURLE_PEER_FAILED_VERIFICATION,
                 "without the lab CA the certificate must not verify (%ld)", r.code);
    reply_free(&r);
    r = http("GET", "/api/v1/namespaces/default", NULL, NULL, NULL, NULL, 1);
    cr_assert_eq(r.code, 401);
    cr_assert(strstr(r.body.buf, "\"reason\":\"Unauthorized\""));
    reply_free(&r);
    r = http("GET", "/version", NULL, NULL, NULL, NULL, 1);
    cr_assert_eq(r.code, 200);
    reply_free(&r);
}

static char *location_token(const char *headers)
{
    const char *loc = strstr(headers, "Location: ");
    cr_assert_not_null(loc, "%s", headers);
    const char *t = strstr(loc, "#access_token=");
    cr_assert_not_null(t);
    t += 14;
    size_t n = strcspn(t, "&\r\n");
    return strndup(t, n);
}

Test(lab_server, oauth_challenge_login)
{
    reply r = http("GET", "/.well-known/oauth-authorization-server", NULL, NULL, NULL, NULL, 1);
    cr_assert_eq(r.code, 200);
    char want[600];
    snprintf(want, sizeof want, "\"authorization_endpoint\":\"%s/oauth/authorize\"",
             lab_server_url(srv));
    cr_assert(strstr(r.body.buf, want), "%s", r.body.buf);
    reply_free(&r);

    const char *authz = "/oauth/authorize?response_type=token&client_id=openshift-challenging-client";
    r = http("GET", authz, NULL, NULL, NULL, NULL, 1);
    cr_assert_eq(r.code, 401);
    cr_assert(strstr(r.body.buf, "X-CSRF-Token header is required"));
    cr_assert_null(strstr(r.headers.buf, "WWW-Authenticate"));
    reply_free(&r);

    struct curl_slist *h = curl_slist_append(NULL, "X-CSRF-Token: 1");
    r = http("GET", authz, NULL, NULL, NULL, h, 1);
    cr_assert_eq(r.code, 401);
    cr_assert(strstr(r.headers.buf, "WWW-Authenticate: Basic realm=\"openshift\""), "%s",
              r.headers.buf);
    reply_free(&r);

    strbuf basic = STRBUF_INIT, cred = STRBUF_INIT;
    sb_addf(&cred, "kubeadmin:wrong-password");
    sb_adds(&basic, "Authorization: Basic ");
    b64_encode(&basic, cred.buf, cred.len);
    h = curl_slist_append(curl_slist_append(NULL, "X-CSRF-Token: 1"), basic.buf);
    r = http("GET", authz, NULL, NULL, NULL, h, 1);
    cr_assert_eq(r.code, 401);
    reply_free(&r);

    sb_reset(&cred);
    sb_reset(&basic);
    sb_addf(&cred, "kubeadmin:%s", lab_auth_password(lab_server_auth(srv)));
    sb_adds(&basic, "Authorization: Basic ");
    b64_encode(&basic, cred.buf, cred.len);
    h = curl_slist_append(curl_slist_append(NULL, "X-CSRF-Token: 1"), basic.buf);
    r = http("GET", authz, NULL, NULL, NULL, h, 1);
    cr_assert_eq(r.code, 302);
    snprintf(want, sizeof want, "Location: %s/oauth/token/implicit#access_token=sha256~",
             lab_server_url(srv));
    cr_assert(strstr(r.headers.buf, want), "%s", r.headers.buf);
    cr_assert(strstr(r.headers.buf, "&expires_in=86400&scope=user%3Afull&token_type=Bearer"));
    char *token = location_token(r.headers.buf);
    reply_free(&r);

    r = http("GET", "/apis/user.openshift.io/v1/users/~", token, NULL, NULL, NULL, 1);
    cr_assert_eq(r.code, 200);
    cr_assert(strstr(r.body.buf, "\"name\":\"kubeadmin\""), "%s", r.body.buf);
    reply_free(&r);
    r = http("GET", "/api/v1/namespaces", token, NULL, NULL, NULL, 1);
    cr_assert_eq(r.code, 200);
    reply_free(&r);

    /* neither the issued token nor the password reached the log */
    log_set_file(NULL, LOG_DEBUG, NULL);
    size_t n;
    char *log = tu_read(log_path, &n);
    cr_assert_not_null(log);
    cr_assert(strstr(log, "/oauth/authorize"), "requests are logged");
    cr_assert_null(strstr(log, token));
    cr_assert_null(strstr(log, lab_auth_password(lab_server_auth(srv))));
    cr_assert_null(strstr(log, lab_server_token(srv)));
    free(log);
    free(token);
    sb_release(&basic);
    sb_release(&cred);
}

typedef struct watcher {
    strbuf body, headers;
    char url[512];
} watcher;

static void *watch_thread(void *arg)
{
    watcher *w = arg;
    CURL *c = curl_easy_init();
    char hdr[512];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", lab_server_token(srv));
    struct curl_slist *h = curl_slist_append(NULL, hdr);
    curl_easy_setopt(c, CURLOPT_URL, w->url);
    curl_easy_setopt(c, CURLOPT_CAINFO, ca_path);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &w->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &w->headers);
    curl_easy_perform(c);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

Test(lab_server, watches_stream_chunked_events_until_timeout)
{
    reply r = http("GET", "/api/v1/namespaces/default", lab_server_token(srv), NULL, NULL, NULL, 1);
    const char *rvp = strstr(r.body.buf, "\"resourceVersion\":\"");
    cr_assert_not_null(rvp);
    unsigned long long rv = strtoull(rvp + 19, NULL, 10);
    reply_free(&r);
    watcher w = {0};
    snprintf(w.url, sizeof w.url, "%s/api/v1/namespaces/default/configmaps?watch=true"
             "&resourceVersion=%llu&timeoutSeconds=2", lab_server_url(srv), rv);
    pthread_t t;
    pthread_create(&t, NULL, watch_thread, &w);
    for (int i = 0; i < 3; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"metadata\":{\"name\":\"cm%d\"}}", i);
        r = http("POST", "/api/v1/namespaces/default/configmaps", lab_server_token(srv), body,
                 "application/json", NULL, 1);
        cr_assert_eq(r.code, 201);
        reply_free(&r);
    }
    pthread_join(t, NULL);
    cr_assert(strstr(w.headers.buf, "Transfer-Encoding: chunked"), "%s", w.headers.buf);
    cr_assert(strstr(w.headers.buf, "Content-Type: application/json"));
    for (int i = 0; i < 3; i++) {
        char want[64];
        snprintf(want, sizeof want, "\"name\":\"cm%d\"", i);
        cr_assert(strstr(w.body.buf, want), "missing %s in %s", want, w.body.buf);
    }
    cr_assert(strstr(w.body.buf, "{\"type\":\"ADDED\",\"object\":{"));
    sb_release(&w.body);
    sb_release(&w.headers);
}

static SSL *tls_connect(SSL_CTX **ctx_out, int *fd_out)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    cr_assert_eq(SSL_CTX_load_verify_locations(ctx, ca_path, NULL), 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)lab_server_port(srv))};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set1_host(ssl, "127.0.0.1");
    cr_assert_eq(SSL_connect(ssl), 1, "TLS handshake with the lab CA");
    *ctx_out = ctx;
    *fd_out = fd;
    return ssl;
}

Test(lab_server, upgrades_reach_subresource_handlers)
{
    reply r = http("POST", "/apis/kubevirt.io/v1/namespaces/default/virtualmachineinstances",
                   lab_server_token(srv), "{\"metadata\":{\"name\":\"vm1\"}}", "application/json",
                   NULL, 1);
    cr_assert_eq(r.code, 201, "%s", r.body.buf);
    reply_free(&r);
    SSL_CTX *ctx;
    int fd;
    SSL *ssl = tls_connect(&ctx, &fd);
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET /apis/kubevirt.io/v1/namespaces/default/virtualmachineinstances/vm1/echo "
                     "HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                     "Connection: Upgrade\r\nUpgrade: x-echo\r\n\r\n", lab_server_token(srv));
    cr_assert_eq(SSL_write(ssl, req, n), n);
    char head[2048];
    size_t got = 0;
    while (got < sizeof head - 1 && !strstr(head, "\r\n\r\n")) {
        int k = SSL_read(ssl, head + got, 1);
        cr_assert_gt(k, 0, "connection closed before the response head");
        got += (size_t)k;
        head[got] = '\0';
    }
    cr_assert(!strncmp(head, "HTTP/1.1 101", 12), "%s", head);
    cr_assert(strstr(head, "Upgrade: x-echo"), "%s", head);
    cr_assert_eq(SSL_write(ssl, "ping", 4), 4);
    char buf[8] = {0};
    size_t echoed = 0;
    while (echoed < 4) {
        int k = SSL_read(ssl, buf + echoed, (int)(4 - echoed));
        cr_assert_gt(k, 0);
        echoed += (size_t)k;
    }
    cr_assert_str_eq(buf, "ping");
    SSL_shutdown(ssl);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);

    r = http("GET", "/apis/kubevirt.io/v1/namespaces/default/virtualmachineinstances/nope/echo",
             lab_server_token(srv), NULL, NULL, NULL, 1);
    cr_assert_eq(r.code, 404, "subresources of missing objects are 404");
    reply_free(&r);
}

Test(lab_server, stopping_ends_open_watches)
{
    watcher w = {0};
    snprintf(w.url, sizeof w.url, "%s/api/v1/namespaces?watch=true", lab_server_url(srv));
    pthread_t t;
    pthread_create(&t, NULL, watch_thread, &w);
    reply r = http("GET", "/version", NULL, NULL, NULL, NULL, 1);
    reply_free(&r);
    usleep(200000);
    lab_server_stop(srv);
    pthread_join(t, NULL);
    cr_assert(strstr(w.body.buf, "\"name\":\"default\""), "the watch had started: %s", w.body.buf);
    sb_release(&w.body);
    sb_release(&w.headers);
}

Test(lab_listen, parsing)
{
    char *host;
    int port;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(lab_parse_listen(NULL, &host, &port, &err), 0);
    cr_assert_str_eq(host, "127.0.0.1");
    cr_assert_eq(port, 0);
    free(host);
    cr_assert_eq(lab_parse_listen("localhost:6443", &host, &port, &err), 0);
    cr_assert_str_eq(host, "localhost");
    cr_assert_eq(port, 6443);
    free(host);
    cr_assert_eq(lab_parse_listen("[::1]:8443", &host, &port, &err), 0);
    cr_assert_str_eq(host, "::1");
    cr_assert_eq(port, 8443);
    free(host);
    cr_assert_eq(lab_parse_listen(":9000", &host, &port, &err), 0);
    cr_assert_str_eq(host, "127.0.0.1");
    free(host);
    cr_assert_eq(lab_parse_listen("::1:80", &host, &port, &err), -1);
    cr_assert(strstr(err.msg, "brackets"), "%s", err.msg);
    cr_assert_eq(lab_parse_listen("h:70000", &host, &port, &err), -1);
    cr_assert(strstr(err.msg, "0 to 65535"));
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
}

Test(lab_listen, plain_http_on_ipv6_loopback)
{
    lab_server_config cfg = {.listen = "[::1]:0", .plain_http = 1};
    mtv_err err;
    mtv_err_clear(&err);
    lab_server *s;
    cr_assert_eq(lab_server_new(&cfg, &s, &err), 0, "%s", err.msg);
    if (lab_server_start(s, &err) < 0) {
        lab_server_free(s);
        cr_skip_test("no IPv6 loopback here: %s", err.msg);
    }
    cr_assert(!strncmp(lab_server_url(s), "http://[::1]:", 13), "%s", lab_server_url(s));
    cr_assert_null(lab_server_ca_pem(s));
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "%s/version", lab_server_url(s));
    strbuf body = STRBUF_INIT;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    cr_assert_eq(curl_easy_perform(c), CURLE_OK);
    cr_assert(strstr(body.buf, "\"major\":\"1\""));
    curl_easy_cleanup(c);
    sb_release(&body);
    lab_server_free(s);
}
