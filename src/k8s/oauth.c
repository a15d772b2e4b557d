/*
 * oauth: the OpenShift challenge login `oc login -u` performs (see oauth.h).
 * Two GETs through the transport with upstream "oauth": the OAuth server's
 * metadata from the API server, then the authorize endpoint with basic
 * credentials and X-CSRF-Token, whose 302 Location fragment carries the
 * token. The recorder redacts the basic credentials and the fragment's
 * access_token, and the token is registered as a secret as soon as it is
 * read, so neither reaches a cassette or a log.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "k8s/oauth.h"
#include "util/codec.h"
#include "util/fs.h"
#include "util/log.h"

#define OAUTH_UPSTREAM "oauth"
#define OAUTH_METADATA_PATH "/.well-known/oauth-authorization-server"
#define OAUTH_CLIENT "openshift-challenging-client"

static void oauth_endpoint(const kube_config *kc, net_endpoint *ep)
{
    net_endpoint_init(ep);
    ep->base_url = kc->server;
    ep->tls.ca_file = kc->ca_file;
    ep->tls.ca_pem = kc->ca_data;
    ep->tls.insecure = kc->insecure;
    ep->proxy = kc->proxy_url;
}

static void excerpt(const strbuf *body, strbuf *out)
{
    size_t n = body->len < 160 ? body->len : 160;
    for (size_t i = 0; i < n; i++)
        sb_addc(out, (unsigned char)body->buf[i] < 32 ? ' ' : body->buf[i]);
}

/* authorization_endpoint from the API server's OAuth metadata. */
static int discover(const kube_config *kc, transport *t, strbuf *authorize, mtv_err *err)
{
    net_endpoint ep;
    oauth_endpoint(kc, &ep);
    http_request req;
    http_request_init(&req, &ep, OAUTH_UPSTREAM, "GET", OAUTH_METADATA_PATH);
    http_headers_add(&req.headers, "Accept", "application/json");
    http_response resp = {0};
    int rc = transport_send(t, &req, &resp, err);
    if (rc < 0) {
        mtv_err_prefix(err, "OAuth login at %s", kc->server);
    } else if (resp.status != 200) {
        strbuf b = STRBUF_INIT;
        excerpt(&resp.body, &b);
        rc = mtv_err_set(err, MTV_EXIT_ENV,
                         "OAuth login at %s: GET %s answered %ld%s%s; this API server offers no "
                         "OpenShift OAuth login: use a kubeconfig with a token instead",
                         kc->server, OAUTH_METADATA_PATH, resp.status, b.len ? ": " : "", sb_str(&b));
        sb_release(&b);
    } else {
        cJSON *meta = cJSON_ParseWithLength(resp.body.buf, resp.body.len);
        const char *ae = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "authorization_endpoint"));
        if (!ae || (strncmp(ae, "https://", 8) != 0 && strncmp(ae, "http://", 7) != 0))
            rc = mtv_err_set(err, MTV_EXIT_ENV, "OAuth login at %s: %s has no authorization_endpoint "
                             "URL", kc->server, OAUTH_METADATA_PATH);
        else
            sb_adds(authorize, ae);
        cJSON_Delete(meta);
    }
    http_request_free(&req);
    http_response_free(&resp);
    return rc;
}

/* A parameter of "a=1&b=2", percent-decoded into out; 1 when present. */
static int form_param(const char *params, const char *name, strbuf *out)
{
    size_t nl = strlen(name);
    const char *p = params;
    while (p && *p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            url_decode(out, p + nl + 1, len - nl - 1, 1);
            return 1;
        }
        p = amp ? amp + 1 : NULL;
    }
    return 0;
}

static int take_token(kube_config *kc, transport *t, const char *location, mtv_err *err)
{
    const char *params = strchr(location, '#');
    if (!params)
        params = strchr(location, '?');
    params = params ? params + 1 : "";
    strbuf tok = STRBUF_INIT, e = STRBUF_INIT, desc = STRBUF_INIT;
    int rc = 0;
    if (form_param(params, "error", &e)) {
        form_param(params, "error_description", &desc);
        rc = mtv_err_set(err, MTV_EXIT_ENV, "OAuth login as '%s' at %s refused: %s%s%s", kc->username,
                         kc->server, e.buf, desc.len ? ": " : "", sb_str(&desc));
    } else if (!form_param(params, "access_token", &tok) || tok.len == 0) {
        rc = mtv_err_set(err, MTV_EXIT_ENV, "OAuth login as '%s' at %s: the server's redirect carries "
                         "no access_token", kc->username, kc->server);
    } else {
        /* a replayed cassette holds a placeholder, which is no secret */
        if (strncmp(tok.buf, "<redacted:", 10) != 0)
            transport_secret(t, "oauth.token", tok.buf);
        if (kc->token) {
            OPENSSL_cleanse(kc->token, strlen(kc->token));
            free(kc->token);
        }
        kc->token = strdup(tok.buf);
        OPENSSL_cleanse(tok.buf, tok.len);
    }
    sb_release(&tok);
    sb_release(&e);
    sb_release(&desc);
    return rc;
}

int oauth_login(kube_config *kc, transport *t, mtv_err *err)
{
    if (!kc->server || !*kc->server)
        return mtv_err_set(err, MTV_EXIT_USAGE, "OAuth login: no API server URL");
    if (!kc->username || !*kc->username || !kc->password || !*kc->password)
        return mtv_err_set(err, MTV_EXIT_USAGE, "OAuth login at %s needs a user name and a password",
                           kc->server);
    strbuf authorize = STRBUF_INIT;
    if (discover(kc, t, &authorize, err) < 0) {
        sb_release(&authorize);
        return -1;
    }
    net_endpoint ep;
    oauth_endpoint(kc, &ep);
    ep.auth = NET_AUTH_BASIC;
    ep.username = kc->username;
    ep.password = kc->password;
    http_request req;
    http_request_init(&req, &ep, OAUTH_UPSTREAM, "GET", authorize.buf);
    http_request_query(&req, "response_type", "token");
    http_request_query(&req, "client_id", OAUTH_CLIENT);
    http_headers_add(&req.headers, "X-CSRF-Token", "1");
    http_response resp = {0};
    int rc = transport_send(t, &req, &resp, err);
    const char *loc = http_headers_get(&resp.headers, "Location");
    if (rc < 0) {
        mtv_err_prefix(err, "OAuth login as '%s'", kc->username);
    } else if (resp.status == 401) {
        rc = mtv_err_set(err, MTV_EXIT_ENV, "OAuth login as '%s' at %s failed: the OAuth server "
                         "rejected the user name or password (401 Unauthorized)", kc->username,
                         authorize.buf);
    } else if (resp.status >= 300 && resp.status < 400 && loc) {
        rc = take_token(kc, t, loc, err);
    } else {
        strbuf b = STRBUF_INIT;
        excerpt(&resp.body, &b);
        rc = mtv_err_set(err, MTV_EXIT_ENV, "OAuth login as '%s' at %s: expected a redirect with a "
                         "token, got %ld%s%s", kc->username, authorize.buf, resp.status,
                         b.len ? ": " : "", sb_str(&b));
        sb_release(&b);
    }
    if (rc == 0)
        log_info("logged in to %s as %s", kc->server, kc->username);
    http_request_free(&req);
    http_response_free(&resp);
    sb_release(&authorize);
    return rc;
}

/* ---- CLUSTER_* environment ------------------------------------------------------ */

static const char *env_value(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static int parse_verify(const char *v, int *insecure, mtv_err *err)
{
    static const char *const off[] = {"false", "0", "no", "off", NULL};
    static const char *const on[] = {"true", "1", "yes", "on", NULL};
    *insecure = 0;
    if (!v)
        return 0;
    for (int i = 0; off[i]; i++)
        if (!strcasecmp(v, off[i])) {
            *insecure = 1;
            return 0;
        }
    for (int i = 0; on[i]; i++)
        if (!strcasecmp(v, on[i]))
            return 0;
    return mtv_err_set(err, MTV_EXIT_USAGE, "CLUSTER_VERIFY_SSL='%s': expected true or false", v);
}

int oauth_kubeconfig_from_env(kube_config *kc, transport *t, secret_registry *reg, mtv_err *err)
{
    const char *host = env_value("CLUSTER_HOST"), *user = env_value("CLUSTER_USERNAME");
    const char *pass = env_value("CLUSTER_PASSWORD");
    if (!host && !user && !pass)
        return 1;
    memset(kc, 0, sizeof *kc);
    const char *missing = !host ? "CLUSTER_HOST" : !user ? "CLUSTER_USERNAME" : !pass ? "CLUSTER_PASSWORD" : NULL;
    if (missing)
        return mtv_err_set(err, MTV_EXIT_USAGE, "CLUSTER_HOST, CLUSTER_USERNAME and CLUSTER_PASSWORD "
                           "go together, but %s is not set", missing);
    if (reg)
        secrets_add(reg, "cluster.password", pass);
    if (reg != log_secrets())
        secrets_add(log_secrets(), "cluster.password", pass);
    int insecure;
    if (parse_verify(getenv("CLUSTER_VERIFY_SSL"), &insecure, err) < 0)
        return -1;
    const char *ca = env_value("CLUSTER_CA_BUNDLE");
    if (insecure && ca)
        return mtv_err_set(err, MTV_EXIT_USAGE, "CLUSTER_VERIFY_SSL=false cannot be combined with "
                           "CLUSTER_CA_BUNDLE: unset one");
    strbuf server = STRBUF_INIT;
    if (!strstr(host, "://"))
        sb_adds(&server, "https://");
    sb_adds(&server, host);
    while (server.len > 8 && server.buf[server.len - 1] == '/')
        sb_setlen(&server, server.len - 1);
    if (strncmp(server.buf, "https://", 8) != 0 && strncmp(server.buf, "http://", 7) != 0) {
        sb_release(&server);
        return mtv_err_set(err, MTV_EXIT_USAGE, "CLUSTER_HOST='%s': expected an API server URL such "
                           "as https://api.example.com:6443", host);
    }
    kc->server = sb_detach(&server, NULL);
    kc->source = strdup("CLUSTER_HOST, CLUSTER_USERNAME, CLUSTER_PASSWORD");
    kc->context = strdup("cluster-login");
    kc->namespace_ = strdup("default");
    kc->insecure = insecure;
    kc->username = strdup(user);
    kc->password = strdup(pass);
    if (ca && strncmp(ca, "-----BEGIN", 10) != 0 && !fs_exists(ca)) {
        kubeconfig_free(kc);
        return mtv_err_set(err, MTV_EXIT_USAGE, "CLUSTER_CA_BUNDLE=%s: no such file (give a PEM file "
                           "or the PEM text itself)", ca);
    }
    if (ca) {
        if (strncmp(ca, "-----BEGIN", 10) == 0)
            kc->ca_data = strdup(ca);
        else
            kc->ca_file = strdup(ca);
    }
    if (insecure)
        log_warn("CLUSTER_VERIFY_SSL=%s: the certificates of %s and its OAuth server are not verified",
                 getenv("CLUSTER_VERIFY_SSL"), kc->server);
    if (oauth_login(kc, t, err) < 0) {
        kubeconfig_free(kc);
        return -1;
    }
    return 0;
}
