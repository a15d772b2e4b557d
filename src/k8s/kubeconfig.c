/*
 * kubeconfig: kubectl's rules for finding and merging kubeconfig files and
 * resolving one context into a kube_config (see kubeconfig.h).
 *
 * All files are parsed first and kept open while the context is resolved,
 * so every message can point at the file, line and key it is about; the
 * merged view is a table of (name -> file, node) per section in which the
 * first definition wins, which is kubectl's merge rule for named entries.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "k8s/kubeconfig.h"
#include "k8s/kubeconfig_int.h"
#include "util/codec.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/suggest.h"

typedef struct kc_entry {
    const char *name;      /* owned by the document */
    kc_file *f;
    yaml_node_t *item;     /* {name: ..., cluster: {...}} */
    yaml_node_t *body;     /* the inner mapping; NULL when absent */
} kc_entry;

typedef struct kc_table {
    const char *section;   /* "clusters" */
    const char *inner;     /* "cluster" */
    kc_entry *items;
    size_t n, cap;
} kc_table;

typedef struct kc_loader {
    kc_file **files;       /* each allocated on its own: entries point at them */
    size_t nfiles;
    kc_table clusters, users, contexts;
    const char *current;            /* current-context: the first file's that sets one */
    kc_file *current_file;
    yaml_node_t *current_node;
    strbuf sources;                 /* "a:b" for messages */
    secret_registry *reg;
} kc_loader;

static kc_entry *table_find(kc_table *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->items[i].name, name) == 0)
            return &t->items[i];
    return NULL;
}

static void table_add(kc_table *t, kc_entry e)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->items = realloc(t->items, t->cap * sizeof *t->items);
        if (!t->items)
            abort();
    }
    t->items[t->n++] = e;
}

/* " (did you mean 'x'?); contexts: a, b" */
static void table_hint(kc_table *t, const char *word, strbuf *out)
{
    const char **names = calloc(t->n + 1, sizeof *names);
    if (!names)
        abort();
    for (size_t i = 0; i < t->n; i++)
        names[i] = t->items[i].name;
    if (word)
        suggest_append(out, word, names, t->n);
    if (t->n == 0) {
        sb_addf(out, "; no %s are defined", t->section);
    } else {
        sb_addf(out, "; %s: ", t->section);
        for (size_t i = 0; i < t->n; i++)
            sb_addf(out, "%s%s", i ? ", " : "", names[i]);
    }
    free(names);
}

static void kc_secret(kc_loader *L, const char *label, const char *value)
{
    if (!value)
        return;
    if (L->reg)
        secrets_add(L->reg, label, value);
    if (L->reg != log_secrets())
        secrets_add(log_secrets(), label, value);
}

/* ---- collecting the named entries of one file --------------------------------- */

static int collect_section(kc_file *f, yaml_node_t *root, kc_table *t, mtv_err *err)
{
    yaml_node_t *seq;
    if (kc_map_get(f, root, t->section, "", &seq, err) < 0)
        return -1;
    if (kc_is_null(seq))
        return 0;
    if (seq->type != YAML_SEQUENCE_NODE)
        return kc_fail(err, f, seq, "%s: expected a list of named %s entries, found %s", t->section,
                       t->inner, kc_node_kind(seq));
    for (size_t i = 0; i < kc_seq_len(seq); i++) {
        yaml_node_t *item = kc_seq_at(f, seq, i);
        char path[64];
        snprintf(path, sizeof path, "%s[%zu]", t->section, i);
        if (!item || item->type != YAML_MAPPING_NODE)
            return kc_fail(err, f, item, "%s: expected a mapping with name and %s, found %s", path,
                           t->inner, kc_node_kind(item));
        const char *name;
        if (kc_get_str(f, item, "name", path, &name, NULL, err) < 0)
            return -1;
        if (!name || !*name)
            return kc_fail(err, f, item, "%s: the entry has no name", path);
        yaml_node_t *body;
        if (kc_map_get(f, item, t->inner, path, &body, err) < 0)
            return -1;
        if (kc_is_null(body))
            body = NULL;
        else if (body->type != YAML_MAPPING_NODE)
            return kc_fail(err, f, body, "%s.%s: expected a mapping, found %s", path, t->inner,
                           kc_node_kind(body));
        if (table_find(t, name)) {
            log_debug("%s:%zu: %s '%s' is defined earlier; the first definition is used", f->path,
                      item->start_mark.line + 1, t->inner, name);
            continue;
        }
        table_add(t, (kc_entry){name, f, item, body});
    }
    return 0;
}

static int collect(kc_loader *L, kc_file *f, mtv_err *err)
{
    yaml_node_t *root = kc_root(f);
    if (kc_is_null(root))
        return 0;
    if (root->type != YAML_MAPPING_NODE)
        return kc_fail(err, f, root, "expected a kubeconfig (a mapping with clusters, users and "
                       "contexts), found %s", kc_node_kind(root));
    if (collect_section(f, root, &L->clusters, err) < 0 ||
        collect_section(f, root, &L->users, err) < 0 ||
        collect_section(f, root, &L->contexts, err) < 0)
        return -1;
    const char *cur;
    yaml_node_t *where;
    if (kc_get_str(f, root, "current-context", "", &cur, &where, err) < 0)
        return -1;
    if (cur && *cur && !L->current) {
        L->current = cur;
        L->current_file = f;
        L->current_node = where;
    }
    return 0;
}

/* ---- sources ---------------------------------------------------------------------- */

static int add_file(kc_loader *L, const char *path, mtv_err *err)
{
    for (size_t i = 0; i < L->nfiles; i++)
        if (strcmp(L->files[i]->path, path) == 0)
            return 0;
    L->files = realloc(L->files, (L->nfiles + 1) * sizeof *L->files);
    kc_file *f = calloc(1, sizeof *f);
    if (!L->files || !f)
        abort();
    L->files[L->nfiles++] = f;   /* kept even when loading fails, so it is freed with the rest */
    int rc = kc_file_load(f, path, err);
    if (rc < 0)
        return -1;
    if (L->sources.len)
        sb_addc(&L->sources, ':');
    sb_adds(&L->sources, path);
    return collect(L, f, err);
}

static int load_sources(kc_loader *L, const char *explicit_path, mtv_err *err)
{
    if (explicit_path && *explicit_path) {
        if (!fs_exists(explicit_path))
            return mtv_err_set(err, MTV_EXIT_USAGE, "kubeconfig %s does not exist", explicit_path);
        return add_file(L, explicit_path, err);
    }
    const char *env = getenv("KUBECONFIG");
    if (env && *env) {
        char *list = strdup(env), *save = NULL;
        int rc = 0;
        for (char *p = strtok_r(list, ":", &save); p && rc == 0; p = strtok_r(NULL, ":", &save)) {
            if (!fs_exists(p)) {
                log_debug("KUBECONFIG names %s, which does not exist; skipped as kubectl does", p);
                continue;
            }
            rc = add_file(L, p, err);
        }
        free(list);
        if (rc < 0)
            return -1;
        if (L->nfiles == 0)
            return mtv_err_set(err, MTV_EXIT_USAGE, "KUBECONFIG=%s names no file that exists", env);
        return 0;
    }
    const char *home = getenv("HOME");
    strbuf def = STRBUF_INIT;
    sb_addf(&def, "%s/.kube/config", home && *home ? home : "");
    int rc;
    if (!home || !*home || !fs_exists(def.buf))
        rc = mtv_err_set(err, MTV_EXIT_USAGE,
                         "no cluster access configured: %s does not exist and KUBECONFIG is not "
                         "set; pass --kubeconfig PATH, set KUBECONFIG, or set CLUSTER_HOST, "
                         "CLUSTER_USERNAME and CLUSTER_PASSWORD",
                         home && *home ? def.buf : "~/.kube/config ($HOME unset)");
    else
        rc = add_file(L, def.buf, err);
    sb_release(&def);
    return rc;
}

/* ---- resolving -------------------------------------------------------------------------- */

static char *resolve_path(const kc_file *f, const char *p)
{
    strbuf out = STRBUF_INIT;
    if (p[0] == '/' || !f->dir || !strcmp(f->dir, "."))
        sb_adds(&out, p);
    else
        fs_join(&out, f->dir, p);
    return sb_detach(&out, NULL);
}

/* A file-valued key: resolved against its kubeconfig's folder and checked. */
static int file_key(kc_file *f, yaml_node_t *map, const char *key, const char *keypath, char **out,
                    mtv_err *err)
{
    *out = NULL;
    const char *v;
    yaml_node_t *where;
    if (kc_get_str(f, map, key, keypath, &v, &where, err) < 0)
        return -1;
    if (!v || !*v)
        return 0;
    char *p = resolve_path(f, v);
    if (access(p, R_OK) != 0) {
        int e = errno;
        kc_fail(err, f, where, "%s.%s: cannot read %s: %s", keypath, key, p, strerror(e));
        free(p);
        return -1;
    }
    *out = p;
    return 0;
}

/* A *-data key: base64 of PEM text. */
static int data_key(kc_file *f, yaml_node_t *map, const char *key, const char *keypath, char **out,
                    mtv_err *err)
{
    *out = NULL;
    const char *v;
    yaml_node_t *where;
    if (kc_get_str(f, map, key, keypath, &v, &where, err) < 0)
        return -1;
    if (!v || !*v)
        return 0;
    strbuf pem = STRBUF_INIT;
    if (b64_decode(&pem, v, strlen(v)) < 0 || pem.len == 0 || memchr(pem.buf, '\0', pem.len)) {
        sb_release(&pem);
        return kc_fail(err, f, where, "%s.%s: expected base64-encoded PEM data", keypath, key);
    }
    *out = sb_detach(&pem, NULL);
    return 0;
}

static int str_key(kc_file *f, yaml_node_t *map, const char *key, const char *keypath, char **out,
                   mtv_err *err)
{
    const char *v;
    *out = NULL;
    if (kc_get_str(f, map, key, keypath, &v, NULL, err) < 0)
        return -1;
    if (v && *v)
        *out = strdup(v);
    return 0;
}

static int resolve_cluster(kube_config *kc, kc_entry *e, mtv_err *err)
{
    strbuf kp = STRBUF_INIT;
    sb_addf(&kp, "clusters[name=%s].cluster", e->name);
    kc_file *f = e->f;
    yaml_node_t *m = e->body;
    int rc = -1;
    yaml_node_t *where, *iwhere;
    const char *server;
    if (kc_get_str(f, m, "server", kp.buf, &server, &where, err) < 0)
        goto out;
    if (!server || !*server) {
        kc_fail(err, f, m ? m : e->item, "%s.server: missing; expected the API server URL "
                "(https://api.example.com:6443)", kp.buf);
        goto out;
    }
    if (strncmp(server, "https://", 8) != 0 && strncmp(server, "http://", 7) != 0) {
        kc_fail(err, f, where, "%s.server: '%s' is not an https:// or http:// URL", kp.buf, server);
        goto out;
    }
    strbuf s = STRBUF_INIT;
    sb_adds(&s, server);
    while (s.len > 8 && s.buf[s.len - 1] == '/')
        sb_setlen(&s, s.len - 1);
    kc->server = sb_detach(&s, NULL);
    if (file_key(f, m, "certificate-authority", kp.buf, &kc->ca_file, err) < 0 ||
        data_key(f, m, "certificate-authority-data", kp.buf, &kc->ca_data, err) < 0 ||
        kc_get_bool(f, m, "insecure-skip-tls-verify", kp.buf, &kc->insecure, &iwhere, err) < 0 ||
        str_key(f, m, "proxy-url", kp.buf, &kc->proxy_url, err) < 0)
        goto out;
    if (kc->insecure && (kc->ca_file || kc->ca_data)) {
        kc_fail(err, f, iwhere, "%s: insecure-skip-tls-verify cannot be combined with "
                "certificate-authority or certificate-authority-data (kubectl refuses it too): "
                "remove one", kp.buf);
        goto out;
    }
    if (kc->ca_data && kc->ca_file) {
        free(kc->ca_file);   /* the data form overrides the file, as in kubectl */
        kc->ca_file = NULL;
    }
    rc = 0;
out:
    sb_release(&kp);
    return rc;
}

static int read_token_file(kc_loader *L, kube_config *kc, kc_file *f, yaml_node_t *m,
                           const char *kp, mtv_err *err)
{
    const char *v;
    yaml_node_t *where;
    if (kc_get_str(f, m, "tokenFile", kp, &v, &where, err) < 0)
        return -1;
    if (!v || !*v)
        return 0;
    char *p = resolve_path(f, v);
    strbuf tok = STRBUF_INIT;
    mtv_err ferr;
    mtv_err_clear(&ferr);
    int rc = 0;
    if (fs_read_file(p, &tok, &ferr) < 0) {
        if (kc->token)
            log_warn("%s:%zu: %s.tokenFile: %s; using the token given beside it", f->path,
                     where->start_mark.line + 1, kp, ferr.msg);
        else
            rc = kc_fail(err, f, where, "%s.tokenFile: %s", kp, ferr.msg);
    } else {
        while (tok.len && strchr(" \t\r\n", tok.buf[tok.len - 1]))
            sb_setlen(&tok, tok.len - 1);
        if (tok.len == 0 || memchr(tok.buf, '\0', tok.len)) {
            rc = kc_fail(err, f, where, "%s.tokenFile: %s holds no token", kp, p);
        } else {
            /* kubectl: a readable tokenFile takes precedence over token */
            kc_secret(L, "kubeconfig.token", tok.buf);
            if (kc->token) {
                OPENSSL_cleanse(kc->token, strlen(kc->token));
                free(kc->token);
            }
            kc->token = sb_detach(&tok, NULL);
        }
    }
    if (tok.buf)
        OPENSSL_cleanse(tok.buf, tok.len);
    sb_release(&tok);
    free(p);
    return rc;
}

static int resolve_user(kc_loader *L, kube_config *kc, kc_entry *e, mtv_err *err)
{
    strbuf kp = STRBUF_INIT;
    sb_addf(&kp, "users[name=%s].user", e->name);
    kc_file *f = e->f;
    yaml_node_t *m = e->body;
    int rc = -1;
    if (str_key(f, m, "token", kp.buf, &kc->token, err) < 0)
        goto out;
    kc_secret(L, "kubeconfig.token", kc->token);
    if (read_token_file(L, kc, f, m, kp.buf, err) < 0 ||
        file_key(f, m, "client-certificate", kp.buf, &kc->client_cert_file, err) < 0 ||
        data_key(f, m, "client-certificate-data", kp.buf, &kc->client_cert_data, err) < 0 ||
        file_key(f, m, "client-key", kp.buf, &kc->client_key_file, err) < 0 ||
        data_key(f, m, "client-key-data", kp.buf, &kc->client_key_data, err) < 0 ||
        str_key(f, m, "username", kp.buf, &kc->username, err) < 0 ||
        str_key(f, m, "password", kp.buf, &kc->password, err) < 0)
        goto out;
    kc_secret(L, "kubeconfig.password", kc->password);
    kc_secret(L, "kubeconfig.client-key", kc->client_key_data);
    if (kc->client_key_file) {
        strbuf key = STRBUF_INIT;
        mtv_err kerr;
        if (fs_read_file(kc->client_key_file, &key, &kerr) == 0 && key.len) {
            kc_secret(L, "kubeconfig.client-key", sb_str(&key));
            OPENSSL_cleanse(key.buf, key.len);
        }
        sb_release(&key);
    }
    if (kc->client_cert_data && kc->client_cert_file) {
        free(kc->client_cert_file);
        kc->client_cert_file = NULL;
    }
    if (kc->client_key_data && kc->client_key_file) {
        free(kc->client_key_file);
        kc->client_key_file = NULL;
    }
    int has_cert = kc->client_cert_file || kc->client_cert_data;
    int has_key = kc->client_key_file || kc->client_key_data;
    if (has_cert != has_key) {
        kc_fail(err, f, m, "%s: %s is given without %s; a client certificate needs both", kp.buf,
                has_cert ? "client-certificate" : "client-key",
                has_cert ? "client-key or client-key-data" : "client-certificate or "
                                                             "client-certificate-data");
        goto out;
    }
    if (!kc->token && !has_cert && !kc->username) {
        yaml_node_t *plugin = NULL;
        const char *which = "exec";
        if (kc_map_get(f, m, "exec", kp.buf, &plugin, err) < 0)
            goto out;
        if (!plugin) {
            which = "auth-provider";
            if (kc_map_get(f, m, "auth-provider", kp.buf, &plugin, err) < 0)
                goto out;
        }
        if (plugin && !kc_is_null(plugin)) {
            kc_fail(err, f, plugin, "%s.%s: credential plugins are not supported; give the user a "
                    "token (`oc whoami -t`), a client certificate, or log in with CLUSTER_HOST, "
                    "CLUSTER_USERNAME and CLUSTER_PASSWORD", kp.buf, which);
            goto out;
        }
    }
    rc = 0;
out:
    sb_release(&kp);
    return rc;
}

static int resolve(kc_loader *L, kube_config *kc, const char *context, mtv_err *err)
{
    const char *name = context && *context ? context : L->current;
    if (!name) {
        strbuf m = STRBUF_INIT;
        sb_addf(&m, "%s sets no current-context; pass --context NAME", L->sources.buf);
        table_hint(&L->contexts, NULL, &m);
        mtv_err_set(err, MTV_EXIT_USAGE, "%s", m.buf);
        sb_release(&m);
        return -1;
    }
    kc_entry *ctx = table_find(&L->contexts, name);
    if (!ctx) {
        strbuf m = STRBUF_INIT;
        sb_addf(&m, "context '%s' is not defined", name);
        table_hint(&L->contexts, name, &m);
        if (context && *context)
            mtv_err_set(err, MTV_EXIT_USAGE, "%s: %s", L->sources.buf, m.buf);
        else
            kc_fail(err, L->current_file, L->current_node, "current-context: %s", m.buf);
        sb_release(&m);
        return -1;
    }
    kc->context = strdup(name);
    strbuf kp = STRBUF_INIT;
    sb_addf(&kp, "contexts[name=%s].context", name);
    const char *cluster, *user, *ns;
    yaml_node_t *cwhere, *uwhere;
    int rc = -1;
    if (kc_get_str(ctx->f, ctx->body, "cluster", kp.buf, &cluster, &cwhere, err) < 0 ||
        kc_get_str(ctx->f, ctx->body, "user", kp.buf, &user, &uwhere, err) < 0 ||
        kc_get_str(ctx->f, ctx->body, "namespace", kp.buf, &ns, NULL, err) < 0)
        goto out;
    if (!cluster || !*cluster) {
        kc_fail(err, ctx->f, ctx->body ? ctx->body : ctx->item,
                "%s.cluster: missing; expected the name of a cluster", kp.buf);
        goto out;
    }
    kc_entry *cl = table_find(&L->clusters, cluster);
    if (!cl) {
        strbuf m = STRBUF_INIT;
        table_hint(&L->clusters, cluster, &m);
        kc_fail(err, ctx->f, cwhere, "%s.cluster: no cluster named '%s'%s", kp.buf, cluster, m.buf);
        sb_release(&m);
        goto out;
    }
    kc->namespace_ = strdup(ns && *ns ? ns : "default");
    if (resolve_cluster(kc, cl, err) < 0)
        goto out;
    if (user && *user) {
        kc_entry *u = table_find(&L->users, user);
        if (!u) {
            strbuf m = STRBUF_INIT;
            table_hint(&L->users, user, &m);
            kc_fail(err, ctx->f, uwhere, "%s.user: no user named '%s'%s", kp.buf, user, m.buf);
            sb_release(&m);
            goto out;
        }
        if (resolve_user(L, kc, u, err) < 0)
            goto out;
    }
    rc = 0;
out:
    sb_release(&kp);
    return rc;
}

int kubeconfig_load(kube_config *kc, const char *explicit_path, const char *context,
                    secret_registry *reg, mtv_err *err)
{
    memset(kc, 0, sizeof *kc);
    kc_loader L = {.clusters = {.section = "clusters", .inner = "cluster"},
                   .users = {.section = "users", .inner = "user"},
                   .contexts = {.section = "contexts", .inner = "context"},
                   .reg = reg};
    int rc = load_sources(&L, explicit_path, err);
    if (rc == 0)
        rc = resolve(&L, kc, context, err);
    if (rc == 0)
        kc->source = strdup(L.sources.buf);
    for (size_t i = 0; i < L.nfiles; i++) {
        kc_file_free(L.files[i]);
        free(L.files[i]);
    }
    free(L.files);
    free(L.clusters.items);
    free(L.users.items);
    free(L.contexts.items);
    sb_release(&L.sources);
    if (rc < 0) {
        kubeconfig_free(kc);
        return -1;
    }
    log_debug("kubeconfig: context %s, server %s, namespace %s (from %s)", kc->context, kc->server,
              kc->namespace_, kc->source);
    return 0;
}

void kubeconfig_endpoint(const kube_config *kc, net_endpoint *ep)
{
    net_endpoint_init(ep);
    ep->base_url = kc->server;
    ep->tls.ca_file = kc->ca_file;
    ep->tls.ca_pem = kc->ca_data;
    ep->tls.cert_file = kc->client_cert_file;
    ep->tls.cert_pem = kc->client_cert_data;
    ep->tls.key_file = kc->client_key_file;
    ep->tls.key_pem = kc->client_key_data;
    ep->tls.insecure = kc->insecure;
    ep->proxy = kc->proxy_url;
    if (kc->token && *kc->token) {
        ep->auth = NET_AUTH_BEARER;
        ep->token = kc->token;
    } else if (kc->username && kc->password) {
        ep->auth = NET_AUTH_BASIC;
        ep->username = kc->username;
        ep->password = kc->password;
    }
}

static void free_secret(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void kubeconfig_free(kube_config *kc)
{
    if (!kc)
        return;
    free(kc->source);
    free(kc->context);
    free(kc->server);
    free(kc->namespace_);
    free(kc->ca_file);
    free(kc->ca_data);
    free(kc->client_cert_file);
    free(kc->client_cert_data);
    free(kc->client_key_file);
    free_secret(kc->client_key_data);
    free_secret(kc->token);
    free(kc->username);
    free_secret(kc->password);
    free(kc->proxy_url);
    memset(kc, 0, sizeof *kc);
}
