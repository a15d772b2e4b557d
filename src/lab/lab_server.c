/* lab_server: see lab_server.h. */
#include "lab/lab_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_crd.h"
#include "lab/lab_tls.h"
#include "util/codec.h"
#include "util/fs.h"
#include "util/log.h"

struct lab_server {
    lab_server_config cfg;
    char *host;
    int port;
    lab_kinds *kinds;
    lab_store *store;
    lab_api *api;
    lab_auth *auth;
    lab_httpd *httpd;
    lab_tls tls;
    char *url;
    char *state_dir;
    char *kubeconfig;
    int ncrds;
    int started;
};

int lab_parse_listen(const char *listen, char **host, int *port, mtv_err *err)
{
    *host = NULL;
    *port = 0;
    if (!listen || !*listen)
        listen = "127.0.0.1:0";
    const char *h = listen, *p = NULL;
    size_t hl;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || (close[1] && close[1] != ':'))
            return mtv_err_set(err, MTV_EXIT_USAGE, "--listen %s: expected [IPV6]:PORT", listen);
        h = listen + 1;
        hl = (size_t)(close - h);
        p = close[1] ? close + 2 : NULL;
    } else {
        const char *colon = strrchr(listen, ':');
        if (colon && strchr(listen, ':') != colon)
            return mtv_err_set(err, MTV_EXIT_USAGE,
                               "--listen %s: write IPv6 addresses in brackets: [::1]:PORT", listen);
        hl = colon ? (size_t)(colon - listen) : strlen(listen);
        p = colon ? colon + 1 : NULL;
    }
    if (p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (!*p || *end || v < 0 || v > 65535)
            return mtv_err_set(err, MTV_EXIT_USAGE,
                               "--listen %s: the port must be a number from 0 to 65535 (0 picks a "
                               "free one)", listen);
        *port = (int)v;
    }
    *host = hl ? strndup(h, hl) : strdup("127.0.0.1");
    return 0;
}

static void seed(lab_server *s)
{
    const lab_kind *ns = lab_kinds_find(s->kinds, "", "v1", "namespaces");
    static const char *const names[] = {"default", "kube-system", "kube-public", NULL};
    for (const char *const *n = names; ns && *n; n++) {
        cJSON *obj = cJSON_CreateObject();
        cJSON_AddObjectToObject(obj, "metadata");
        cJSON_AddStringToObject(cJSON_GetObjectItem(obj, "metadata"), "name", *n);
        lab_result res;
        lab_store_create(s->store, ns, NULL, obj, NULL, &res);
        lab_result_release(&res);
    }
}

static void seed_crds(lab_server *s, const cJSON *crds)
{
    const lab_kind *k = lab_kinds_find(s->kinds, "apiextensions.k8s.io", "v1",
                                       "customresourcedefinitions");
    const cJSON *crd;
    cJSON_ArrayForEach(crd, crds)
    {
        if (!k)
            break;
        cJSON *obj = cJSON_Duplicate(crd, 1);
        cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
        cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
        if (meta) {
            static const char *const drop[] = {"resourceVersion", "uid", "creationTimestamp",
                                               "generation", "managedFields", NULL};
            for (const char *const *d = drop; *d; d++)
                cJSON_DeleteItemFromObjectCaseSensitive(meta, *d);
        }
        const char *av = cJSON_GetStringValue(cJSON_GetObjectItem(obj, "apiVersion"));
        if (av && strcmp(av, "apiextensions.k8s.io/v1")) {
            cJSON_DeleteItemFromObjectCaseSensitive(obj, "apiVersion");
            cJSON_AddStringToObject(obj, "apiVersion", "apiextensions.k8s.io/v1");
        }
        lab_result res;
        lab_store_create(s->store, k, NULL, obj, NULL, &res);
        if (res.code == 201) {
            cJSON *st = cJSON_Parse("{\"status\":{\"conditions\":["
                                    "{\"type\":\"NamesAccepted\",\"status\":\"True\",\"reason\":"
                                    "\"NoConflicts\",\"message\":\"no conflicts found\"},"
                                    "{\"type\":\"Established\",\"status\":\"True\",\"reason\":"
                                    "\"InitialNamesAccepted\",\"message\":\"the initial names have "
                                    "been accepted\"}]}}");
            lab_write_opts wo = {.subresource = "status"};
            lab_result r2;
            lab_store_patch(s->store, k, "", res.obj->name, LAB_PATCH_MERGE, st, &wo, &r2);
            lab_result_release(&r2);
            cJSON_Delete(st);
        } else {
            log_warn("lab: could not serve CRD object %s: HTTP %d",
                     cJSON_GetStringValue(cJSON_GetObjectItem(
                         cJSON_GetObjectItem(crd, "metadata"), "name")), res.code);
        }
        lab_result_release(&res);
    }
}

int lab_server_new(const lab_server_config *cfg, lab_server **out, mtv_err *err)
{
    *out = NULL;
    lab_server *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->cfg = *cfg;
    s->cfg.crds_dir = NULL;
    s->cfg.state_dir = NULL;
    if (lab_parse_listen(cfg->listen, &s->host, &s->port, err) < 0) {
        free(s);
        return -1;
    }
    s->kinds = lab_kinds_new_builtin();
    cJSON *crds = NULL;
    if (cfg->crds_dir) {
        int n = lab_crd_load_dir(s->kinds, cfg->crds_dir, &crds, err);
        if (n < 0) {
            lab_server_free(s);
            return -1;
        }
        s->ncrds = n;
    }
    if (cfg->state_dir)
        s->state_dir = strdup(cfg->state_dir);
    lab_store_config sc = {.event_window = cfg->event_window, .now = cfg->now,
                           .now_ud = cfg->now_ud};
    s->store = lab_store_new(s->kinds, &sc);
    seed(s);
    seed_crds(s, crds);
    cJSON_Delete(crds);
    lab_api_config ac = {.store = s->store, .bookmark_interval_ms = cfg->bookmark_interval_ms,
                         .kube_minor = cfg->kube_minor};
    s->api = lab_api_new(&ac);
    s->auth = lab_auth_new(cfg->username);
    if (!cfg->plain_http) {
        const char *extra[] = {s->host};
        if (lab_tls_generate(&s->tls, extra, 1, err) < 0) {
            lab_server_free(s);
            return -1;
        }
    }
    lab_httpd_config hc = {.host = s->host, .port = s->port, .cert_pem = s->tls.cert_pem,
                           .key_pem = s->tls.key_pem, .auth = s->auth};
    s->httpd = lab_httpd_new(&hc);
    static const char *const api_mounts[] = {"/api", "/apis", "/openapi", NULL};
    for (const char *const *m = api_mounts; *m; m++)
        lab_httpd_mount(s->httpd, *m, 0, lab_api_handle, s->api);
    lab_httpd_mount(s->httpd, "/version", LAB_MOUNT_PUBLIC, lab_api_handle, s->api);
    lab_httpd_mount(s->httpd, "/.well-known/oauth-authorization-server", LAB_MOUNT_PUBLIC,
                    lab_auth_oauth_handle, s->auth);
    lab_httpd_mount(s->httpd, "/oauth", LAB_MOUNT_PUBLIC, lab_auth_oauth_handle, s->auth);
    lab_httpd_mount(s->httpd, "/apis/user.openshift.io/v1/users", 0, lab_auth_user_handle,
                    s->auth);
    *out = s;
    return 0;
}

static void yaml_quoted(strbuf *out, const char *s)
{
    sb_addc(out, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            sb_addc(out, '\\');
        sb_addc(out, *s);
    }
    sb_addc(out, '"');
}

static int write_state(lab_server *s, mtv_err *err)
{
    if (!s->state_dir)
        return 0;
    if (fs_mkdir_p(s->state_dir, 0700, err) < 0)
        return -1;
    strbuf path = STRBUF_INIT, text = STRBUF_INIT, ca_path = STRBUF_INIT;
    int rc = 0;
    if (s->tls.ca_pem) {
        fs_join(&ca_path, s->state_dir, "ca.crt");
        rc = fs_write_atomic(ca_path.buf, s->tls.ca_pem, strlen(s->tls.ca_pem), err);
    }
    if (rc == 0) {
        sb_adds(&text, "apiVersion: v1\nkind: Config\nclusters:\n- name: mtv-lab\n  cluster:\n"
                       "    server: ");
        yaml_quoted(&text, s->url);
        if (s->tls.ca_pem) {
            sb_adds(&text, "\n    certificate-authority-data: ");
            strbuf b64 = STRBUF_INIT;
            b64_encode(&b64, s->tls.ca_pem, strlen(s->tls.ca_pem));
            yaml_quoted(&text, b64.buf);
            sb_release(&b64);
        }
        sb_adds(&text, "\ncontexts:\n- name: mtv-lab\n  context:\n    cluster: mtv-lab\n"
                       "    user: mtv-lab-admin\n    namespace: default\ncurrent-context: mtv-lab\n"
                       "users:\n- name: mtv-lab-admin\n  user:\n    token: ");
        yaml_quoted(&text, lab_auth_admin_token(s->auth));
        sb_adds(&text, "\npreferences: {}\n");
        fs_join(&path, s->state_dir, "kubeconfig");
        rc = fs_write_atomic(path.buf, text.buf, text.len, err);
        s->kubeconfig = strdup(path.buf);
    }
    if (rc == 0) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "url", s->url);
        cJSON_AddStringToObject(j, "kubeconfig", s->kubeconfig);
        if (s->tls.ca_pem)
            cJSON_AddStringToObject(j, "ca", ca_path.buf);
        cJSON_AddStringToObject(j, "username", lab_auth_username(s->auth));
        cJSON_AddStringToObject(j, "password", lab_auth_password(s->auth));
        char *txt = cJSON_Print(j);
        fs_join(&path, s->state_dir, "lab.json");
        rc = fs_write_atomic(path.buf, txt, strlen(txt), err);
        free(txt);
        cJSON_Delete(j);
    }
    sb_release(&path);
    sb_release(&text);
    sb_release(&ca_path);
    return rc;
}

int lab_server_start(lab_server *s, mtv_err *err)
{
    if (lab_httpd_bind(s->httpd, err) < 0)
        return -1;
    s->port = lab_httpd_port(s->httpd);
    const char *h = s->host;
    if (!strcmp(h, "0.0.0.0") || !strcmp(h, "::") || !*h)
        h = "127.0.0.1";
    strbuf u = STRBUF_INIT, addr = STRBUF_INIT;
    int v6 = strchr(h, ':') != NULL;
    sb_addf(&addr, "%s%s%s:%d", v6 ? "[" : "", h, v6 ? "]" : "", s->port);
    sb_addf(&u, "%s://%s", s->cfg.plain_http ? "http" : "https", addr.buf);
    s->url = sb_detach(&u, NULL);
    lab_api_set_server_address(s->api, addr.buf);
    lab_auth_set_issuer(s->auth, s->url);
    sb_release(&addr);
    if (lab_httpd_start(s->httpd, err) < 0)
        return -1;
    s->started = 1;
    if (write_state(s, err) < 0) {
        lab_server_stop(s);
        return -1;
    }
    log_info("lab: serving %s (%d CRDs loaded)", s->url, s->ncrds);
    return 0;
}

void lab_server_stop(lab_server *s)
{
    if (!s || !s->started)
        return;
    lab_store_close(s->store);
    lab_httpd_stop(s->httpd);
    s->started = 0;
}

void lab_server_free(lab_server *s)
{
    if (!s)
        return;
    lab_server_stop(s);
    lab_httpd_free(s->httpd);
    lab_api_free(s->api);
    lab_auth_free(s->auth);
    lab_store_free(s->store);
    lab_kinds_free(s->kinds);
    lab_tls_free(&s->tls);
    free(s->host);
    free(s->url);
    free(s->state_dir);
    free(s->kubeconfig);
    free(s);
}

const char *lab_server_url(const lab_server *s) { return s->url; }
int lab_server_port(const lab_server *s) { return s->port; }
const char *lab_server_token(const lab_server *s) { return lab_auth_admin_token(s->auth); }
const char *lab_server_ca_pem(const lab_server *s) { return s->tls.ca_pem; }
const char *lab_server_state_dir(const lab_server *s) { return s->state_dir; }
const char *lab_server_kubeconfig_path(const lab_server *s) { return s->kubeconfig; }
int lab_server_crd_count(const lab_server *s) { return s->ncrds; }
lab_store *lab_server_store(lab_server *s) { return s->store; }
lab_api *lab_server_api(lab_server *s) { return s->api; }
lab_httpd *lab_server_httpd(lab_server *s) { return s->httpd; }
lab_auth *lab_server_auth(lab_server *s) { return s->auth; }
const lab_kinds *lab_server_kinds(const lab_server *s) { return s->kinds; }
