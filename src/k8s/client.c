/*
 * client: the request/response verbs of the Kubernetes client (get, list,
 * create, patch, replace, update, delete). Watches and waits live in
 * watch.c. Every call is one or more transport_send calls with upstream
 * "kubernetes"; this file only builds URLs and bodies and turns answers into
 * objects or into errors that carry the API server's Status message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/client_int.h"
#include "util/codec.h"
#include "util/log.h"

#define K8S_UPDATE_ATTEMPTS 8
#define K8S_UPDATE_BACKOFF_MS 20
#define K8S_LIST_MAX_PAGES 100000

int k8s_client_new(k8s_client **out, const kube_config *kc, transport *t, mtv_err *err)
{
    *out = NULL;
    if (!kc || !kc->server || !*kc->server)
        return mtv_err_set(err, MTV_EXIT_USAGE, "Kubernetes client: the configuration names no API "
                                                "server (kubeconfig cluster 'server')");
    if (strncmp(kc->server, "https://", 8) != 0 && strncmp(kc->server, "http://", 7) != 0)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "Kubernetes client: server '%s' (from %s) is not an http:// or https:// URL",
                           kc->server, kc->source ? kc->source : "the configuration");
    k8s_client *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->kc = kc;
    c->t = t;
    kubeconfig_endpoint(kc, &c->ep);
    c->watch_ep = c->ep;
    c->watch_ep.total_timeout_ms = 0;
    c->watch_ep.low_speed_bps = 0;
    c->watch_ep.low_speed_time_s = 0;
    c->watch_ep.retry.max_attempts = 1;
    *out = c;
    return 0;
}

void k8s_client_free(k8s_client *c)
{
    free(c);
}

transport *k8s_client_transport(k8s_client *c)
{
    return c->t;
}

const kube_config *k8s_client_config(const k8s_client *c)
{
    return c->kc;
}

/* ---- URLs and names --------------------------------------------------------- */

static void add_segment(strbuf *out, const char *s)
{
    sb_addc(out, '/');
    url_encode(out, s, strlen(s), 0);
}

void k8s_path(strbuf *out, const k8s_kind *k, const char *ns, const char *name, const char *sub)
{
    if (!k->group || !*k->group) {
        sb_addf(out, "/api/%s", k->version);
    } else {
        sb_addf(out, "/apis/%s/%s", k->group, k->version);
    }
    if (k->namespaced && ns && *ns) {
        sb_adds(out, "/namespaces");
        add_segment(out, ns);
    }
    sb_addf(out, "/%s", k->plural);
    if (name && *name) {
        add_segment(out, name);
        if (sub && *sub)
            add_segment(out, sub);
    }
}

void k8s_what(strbuf *out, const k8s_kind *k, const char *ns, const char *name)
{
    if (name && *name) {
        if (k->namespaced && ns && *ns)
            sb_addf(out, "%s %s/%s", k->kind, ns, name);
        else
            sb_addf(out, "%s %s", k->kind, name);
    } else if (!k->namespaced) {
        sb_addf(out, "%s list", k->kind);
    } else if (ns && *ns) {
        sb_addf(out, "%s list in %s", k->kind, ns);
    } else {
        sb_addf(out, "%s list in all namespaces", k->kind);
    }
}

const char *k8s_effective_ns(const k8s_client *c, const k8s_kind *k, const char *ns,
                             const cJSON *obj)
{
    if (!k->namespaced)
        return NULL;
    if (ns && *ns)
        return ns;
    const char *o = k8s_obj_str(obj, "metadata.namespace");
    if (o && *o)
        return o;
    return c->kc->namespace_ && *c->kc->namespace_ ? c->kc->namespace_ : "default";
}

/* ---- exchanges and errors --------------------------------------------------- */

void k8s_request_init(k8s_client *c, http_request *req, const char *method, const char *path)
{
    http_request_init(req, &c->ep, K8S_UPSTREAM, method, path);
    http_headers_add(&req->headers, "Accept", "application/json");
}

static const char *status_phrase(long code)
{
    switch (code) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

/* The Status message, or the causes when the message is empty. */
static void status_message(const cJSON *st, strbuf *out)
{
    const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "message"));
    if (msg && *msg) {
        sb_adds(out, msg);
        return;
    }
    const cJSON *cause;
    size_t start = out->len;
    const cJSON *details = cJSON_GetObjectItemCaseSensitive(st, "details");
    cJSON_ArrayForEach(cause, cJSON_GetObjectItemCaseSensitive(details, "causes")) {
        const char *field = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cause, "field"));
        const char *m = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cause, "message"));
        if (out->len > start)
            sb_adds(out, "; ");
        if (field && *field)
            sb_addf(out, "%s: ", field);
        sb_adds(out, m ? m : "(no message)");
    }
}

/* A body that is not a Status: its start on one line. */
static void body_excerpt(const strbuf *body, strbuf *out)
{
    size_t n = body->len < 200 ? body->len : 200;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)body->buf[i];
        sb_addc(out, ch == '\n' || ch == '\r' || ch == '\t' ? ' ' : ch < 32 ? '?' : (char)ch);
    }
    if (body->len > n)
        sb_adds(out, "...");
}

void k8s_status_error(k8s_client *c, const http_response *resp, const char *what, char reason[64],
                      mtv_err *err)
{
    strbuf msg = STRBUF_INIT, masked = STRBUF_INIT;
    cJSON *st = resp->body.len ? cJSON_ParseWithLength(resp->body.buf, resp->body.len) : NULL;
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "kind"));
    const char *why = NULL;
    if (kind && strcmp(kind, "Status") == 0) {
        why = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "reason"));
        sb_addf(&msg, "%s: %ld %s: ", what, resp->status,
                why && *why ? why : status_phrase(resp->status));
        status_message(st, &msg);
    } else {
        const char *phrase = resp->reason && *resp->reason ? resp->reason : status_phrase(resp->status);
        sb_addf(&msg, "%s: HTTP %ld %s", what, resp->status, phrase);
        if (resp->body.len) {
            sb_adds(&msg, ": ");
            body_excerpt(&resp->body, &msg);
        }
    }
    if (resp->status == 401)
        sb_adds(&msg, " (the API server rejected the credentials: renew the token with `oc login` "
                      "or a fresh kubeconfig, or check CLUSTER_USERNAME/CLUSTER_PASSWORD)");
    if (reason) {
        snprintf(reason, 64, "%s", why ? why : "");
    }
    secrets_mask(transport_secrets(c->t), msg.buf, msg.len, &masked);
    mtv_err_set(err, MTV_EXIT_ENV, "%s", masked.buf);
    cJSON_Delete(st);
    sb_release(&msg);
    sb_release(&masked);
}

int k8s_exchange(k8s_client *c, http_request *req, const char *what, cJSON **out,
                 char reason[64], mtv_err *err)
{
    if (out)
        *out = NULL;
    if (reason)
        reason[0] = '\0';
    http_response resp = {0};
    if (transport_send(c->t, req, &resp, err) < 0) {
        mtv_err_prefix(err, "%s", what);
        http_response_free(&resp);
        return -1;
    }
    log_debug("kubernetes: %s %s -> %ld", req->method, sb_str(&req->url), resp.status);
    int rc = 0;
    if (resp.status < 200 || resp.status >= 300) {
        k8s_status_error(c, &resp, what, reason, err);
        rc = (int)resp.status;
    } else if (out && resp.body.len) {
        *out = cJSON_ParseWithLength(resp.body.buf, resp.body.len);
        if (!*out) {
            const char *ct = http_headers_get(&resp.headers, "Content-Type");
            if (ct && strstr(ct, "json")) {
                rc = mtv_err_set(err, MTV_EXIT_ENV, "%s: %s %s answered %ld with a body that is not "
                                 "valid JSON", what, req->method, sb_str(&req->url), resp.status);
            } else {
                strbuf text = STRBUF_INIT;
                sb_add(&text, resp.body.buf, resp.body.len);
                *out = cJSON_CreateString(text.buf);
                sb_release(&text);
            }
        }
    }
    http_response_free(&resp);
    return rc;
}

/* The body sent for create and replace: the caller's object with apiVersion
 * and kind filled in when missing (the API server requires both). */
static char *object_body(const k8s_kind *k, const cJSON *obj)
{
    cJSON *copy = cJSON_Duplicate(obj, 1);
    if (!cJSON_IsObject(copy)) {
        cJSON_Delete(copy);
        return NULL;
    }
    if (!cJSON_GetObjectItemCaseSensitive(copy, "apiVersion")) {
        strbuf av = STRBUF_INIT;
        if (k->group && *k->group)
            sb_addf(&av, "%s/%s", k->group, k->version);
        else
            sb_adds(&av, k->version);
        cJSON_AddStringToObject(copy, "apiVersion", av.buf);
        sb_release(&av);
    }
    if (!cJSON_GetObjectItemCaseSensitive(copy, "kind"))
        cJSON_AddStringToObject(copy, "kind", k->kind);
    char *text = cJSON_PrintUnformatted(copy);
    cJSON_Delete(copy);
    return text;
}

static void json_body(http_request *req, const char *content_type, const char *text)
{
    http_request_body(req, content_type, text, strlen(text));
}

/* ---- verbs ---------------------------------------------------------------------- */

int k8s_get_raw(k8s_client *c, const char *path, cJSON **out, mtv_err *err)
{
    http_request req;
    k8s_request_init(c, &req, "GET", path);
    int rc = k8s_exchange(c, &req, path, out, NULL, err);
    http_request_free(&req);
    if (rc == 0 && !*out)
        rc = mtv_err_set(err, MTV_EXIT_ENV, "%s: the API server answered with an empty body", path);
    return rc == 0 ? 0 : -1;
}

int k8s_get(k8s_client *c, const k8s_kind *k, const char *ns, const char *name, cJSON **out,
            mtv_err *err)
{
    *out = NULL;
    ns = k8s_effective_ns(c, k, ns, NULL);
    strbuf path = STRBUF_INIT, what = STRBUF_INIT;
    k8s_path(&path, k, ns, name, NULL);
    k8s_what(&what, k, ns, name);
    http_request req;
    k8s_request_init(c, &req, "GET", path.buf);
    int rc = k8s_exchange(c, &req, what.buf, out, NULL, err);
    if (rc == 0 && !cJSON_IsObject(*out)) {
        cJSON_Delete(*out);
        *out = NULL;
        rc = mtv_err_set(err, MTV_EXIT_ENV, "%s: the API server answered without an object",
                         what.buf);
    }
    http_request_free(&req);
    sb_release(&path);
    sb_release(&what);
    return rc == 0 ? 0 : rc == 404 ? K8S_NOT_FOUND : -1;
}

/* Moves the items of page into merged (both List objects). */
static void take_items(cJSON *merged, cJSON *page)
{
    cJSON *dst = cJSON_GetObjectItemCaseSensitive(merged, "items");
    cJSON *src = cJSON_GetObjectItemCaseSensitive(page, "items");
    while (cJSON_IsArray(src) && cJSON_GetArraySize(src) > 0)
        cJSON_AddItemToArray(dst, cJSON_DetachItemFromArray(src, 0));
}

static void set_list_rv(cJSON *merged, const char *rv)
{
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(merged, "metadata");
    if (!cJSON_IsObject(meta)) {
        cJSON_DeleteItemFromObjectCaseSensitive(merged, "metadata");
        meta = cJSON_AddObjectToObject(merged, "metadata");
    }
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "resourceVersion");
    cJSON_AddStringToObject(meta, "resourceVersion", rv ? rv : "");
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "continue");
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "remainingItemCount");
}

int k8s_list(k8s_client *c, const k8s_kind *k, const char *ns, const k8s_list_opts *o, cJSON **out,
             mtv_err *err)
{
    *out = NULL;
    strbuf path = STRBUF_INIT, what = STRBUF_INIT;
    const char *lns = k->namespaced && ns && *ns ? ns : NULL;
    k8s_path(&path, k, lns, NULL, NULL);
    k8s_what(&what, k, lns, NULL);
    cJSON *merged = NULL;
    char *cont = NULL;
    int unpaged = 0, rc = 0;
    for (long pages = 0;; pages++) {
        if (pages >= K8S_LIST_MAX_PAGES) {
            rc = mtv_err_set(err, MTV_EXIT_ENV, "%s: more than %d pages; the API server keeps "
                             "answering with a continue token", what.buf, K8S_LIST_MAX_PAGES);
            break;
        }
        http_request req;
        k8s_request_init(c, &req, "GET", path.buf);
        if (o && o->label_selector && *o->label_selector)
            http_request_query(&req, "labelSelector", o->label_selector);
        if (o && o->field_selector && *o->field_selector)
            http_request_query(&req, "fieldSelector", o->field_selector);
        if (o && o->limit > 0 && !unpaged) {
            char lim[24];
            snprintf(lim, sizeof lim, "%ld", o->limit);
            http_request_query(&req, "limit", lim);
        }
        if (cont)
            http_request_query(&req, "continue", cont);
        cJSON *page = NULL;
        rc = k8s_exchange(c, &req, what.buf, &page, NULL, err);
        http_request_free(&req);
        if (rc == 410 && cont && !unpaged) {
            /* the continue token expired between pages: start over in one request */
            log_info("%s; listing again without paging", err->msg);
            mtv_err_clear(err);
            cJSON_Delete(merged);
            merged = NULL;
            free(cont);
            cont = NULL;
            unpaged = 1;
            continue;
        }
        if (rc != 0)
            break;
        if (!cJSON_IsObject(page) || (cJSON_GetObjectItemCaseSensitive(page, "items") &&
                                      !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(page, "items")) &&
                                      !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(page, "items")))) {
            cJSON_Delete(page);
            rc = mtv_err_set(err, MTV_EXIT_ENV, "%s: the API server answered with something other "
                             "than a List", what.buf);
            break;
        }
        const char *next = k8s_obj_str(page, "metadata.continue");
        char *next_copy = next && *next ? strdup(next) : NULL;
        const char *rv = k8s_obj_str(page, "metadata.resourceVersion");
        char *rv_copy = strdup(rv ? rv : "");
        if (!merged) {
            merged = page;
            if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(merged, "items"))) {
                cJSON_DeleteItemFromObjectCaseSensitive(merged, "items");
                cJSON_AddArrayToObject(merged, "items");
            }
        } else {
            take_items(merged, page);
            cJSON_Delete(page);
        }
        set_list_rv(merged, rv_copy);
        free(rv_copy);
        if (next_copy && cont && strcmp(next_copy, cont) == 0) {
            free(next_copy);
            rc = mtv_err_set(err, MTV_EXIT_ENV, "%s: the API server answered the same continue "
                             "token twice", what.buf);
            break;
        }
        free(cont);
        cont = next_copy;
        if (!cont)
            break;
    }
    free(cont);
    sb_release(&path);
    sb_release(&what);
    if (rc != 0) {
        cJSON_Delete(merged);
        return -1;
    }
    *out = merged;
    return 0;
}

int k8s_create(k8s_client *c, const k8s_kind *k, const char *ns, const cJSON *obj, cJSON **out,
               mtv_err *err)
{
    if (out)
        *out = NULL;
    ns = k8s_effective_ns(c, k, ns, obj);
    const char *name = k8s_obj_str(obj, "metadata.name");
    if (!name)
        name = k8s_obj_str(obj, "metadata.generateName");
    strbuf path = STRBUF_INIT, what = STRBUF_INIT;
    k8s_path(&path, k, ns, NULL, NULL);
    k8s_what(&what, k, ns, name ? name : "(unnamed)");
    char *body = object_body(k, obj);
    int rc;
    char reason[64] = "";
    if (!body) {
        rc = mtv_err_set(err, MTV_EXIT_USAGE, "%s: the object to create is not a JSON object",
                         what.buf);
    } else {
        http_request req;
        k8s_request_init(c, &req, "POST", path.buf);
        http_request_query(&req, "fieldManager", K8S_FIELD_MANAGER);
        json_body(&req, "application/json", body);
        rc = k8s_exchange(c, &req, what.buf, out, reason, err);
        http_request_free(&req);
    }
    free(body);
    sb_release(&path);
    sb_release(&what);
    if (rc == 409 && (!*reason || strcmp(reason, "AlreadyExists") == 0))
        return K8S_EXISTS;
    return rc == 0 ? 0 : -1;
}

int k8s_patch(k8s_client *c, const k8s_kind *k, const char *ns, const char *name,
              enum k8s_patch_type type, const cJSON *patch, const char *subresource, cJSON **out,
              mtv_err *err)
{
    if (out)
        *out = NULL;
    ns = k8s_effective_ns(c, k, ns, NULL);
    strbuf path = STRBUF_INIT, what = STRBUF_INIT;
    k8s_path(&path, k, ns, name, subresource);
    k8s_what(&what, k, ns, name);
    if (subresource && *subresource)
        sb_addf(&what, " (%s)", subresource);
    char *body = cJSON_PrintUnformatted(patch);
    http_request req;
    k8s_request_init(c, &req, "PATCH", path.buf);
    http_request_query(&req, "fieldManager", K8S_FIELD_MANAGER);
    json_body(&req, type == K8S_PATCH_JSON ? "application/json-patch+json"
                                           : "application/merge-patch+json",
              body ? body : "{}");
    /* a merge patch sets values, so sending it twice has the effect of once */
    req.retry_safe = type == K8S_PATCH_MERGE;
    int rc = k8s_exchange(c, &req, what.buf, out, NULL, err);
    http_request_free(&req);
    free(body);
    sb_release(&path);
    sb_release(&what);
    return rc == 0 ? 0 : -1;
}

int k8s_replace(k8s_client *c, const k8s_kind *k, const char *ns, const char *name, const cJSON *obj,
                const char *subresource, cJSON **out, mtv_err *err)
{
    if (out)
        *out = NULL;
    ns = k8s_effective_ns(c, k, ns, obj);
    if (!name)
        name = k8s_obj_str(obj, "metadata.name");
    strbuf path = STRBUF_INIT, what = STRBUF_INIT;
    k8s_path(&path, k, ns, name, subresource);
    k8s_what(&what, k, ns, name ? name : "(unnamed)");
    char *body = object_body(k, obj);
    int rc;
    if (!body || !name) {
        rc = mtv_err_set(err, MTV_EXIT_USAGE, "%s: replace needs a JSON object with a name",
                         what.buf);
    } else {
        http_request req;
        k8s_request_init(c, &req, "PUT", path.buf);
        http_request_query(&req, "fieldManager", K8S_FIELD_MANAGER);
        json_body(&req, "application/json", body);
        rc = k8s_exchange(c, &req, what.buf, out, NULL, err);
        http_request_free(&req);
    }
    free(body);
    sb_release(&path);
    sb_release(&what);
    return rc == 0 ? 0 : rc == 409 ? K8S_CONFLICT : -1;
}

int k8s_update(k8s_client *c, const k8s_kind *k, const char *ns, const char *name,
               k8s_mutate_fn mutate, void *ud, mtv_err *err)
{
    ns = k8s_effective_ns(c, k, ns, NULL);
    for (int attempt = 1;; attempt++) {
        cJSON *obj = NULL;
        int rc = k8s_get(c, k, ns, name, &obj, err);
        if (rc != 0)
            return -1;
        int m = mutate(ud, obj, err);
        if (m != 0) {
            cJSON_Delete(obj);
            return m > 0 ? 0 : -1;
        }
        rc = k8s_replace(c, k, ns, name, obj, NULL, NULL, err);
        cJSON_Delete(obj);
        if (rc != K8S_CONFLICT)
            return rc == 0 ? 0 : -1;
        if (attempt >= K8S_UPDATE_ATTEMPTS) {
            mtv_err_prefix(err, "still conflicting after %d read-modify-write attempts",
                           K8S_UPDATE_ATTEMPTS);
            return -1;
        }
        log_debug("%s; reading it again (attempt %d of %d)", err->msg, attempt + 1,
                  K8S_UPDATE_ATTEMPTS);
        mtv_err_clear(err);
        clock_sleep_ms(transport_clock(c->t), (int64_t)K8S_UPDATE_BACKOFF_MS * attempt);
    }
}

int k8s_delete(k8s_client *c, const k8s_kind *k, const char *ns, const char *name,
               const char *propagation, mtv_err *err)
{
    ns = k8s_effective_ns(c, k, ns, NULL);
    strbuf path = STRBUF_INIT, what = STRBUF_INIT;
    k8s_path(&path, k, ns, name, NULL);
    k8s_what(&what, k, ns, name);
    http_request req;
    k8s_request_init(c, &req, "DELETE", path.buf);
    if (propagation && *propagation) {
        cJSON *opts = cJSON_CreateObject();
        cJSON_AddStringToObject(opts, "kind", "DeleteOptions");
        cJSON_AddStringToObject(opts, "apiVersion", "v1");
        cJSON_AddStringToObject(opts, "propagationPolicy", propagation);
        char *text = cJSON_PrintUnformatted(opts);
        json_body(&req, "application/json", text);
        free(text);
        cJSON_Delete(opts);
    }
    int rc = k8s_exchange(c, &req, what.buf, NULL, NULL, err);
    http_request_free(&req);
    sb_release(&path);
    sb_release(&what);
    return rc == 0 ? 0 : rc == 404 ? K8S_NOT_FOUND : -1;
}
