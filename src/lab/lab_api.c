/* lab_api: see lab_api.h. One request is parsed into (group, version,
 * namespace, kind, name, subresource, verb) and then served by a verb
 * function; nothing is kind-specific here, the registry row says it all. */
#include "lab/lab_api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lab/lab_discovery.h"
#include "lab/lab_meta.h"
#include "lab/lab_proto.h"
#include "lab/lab_status.h"
#include "util/yamldoc.h"

#define LAB_MAX_BODY (3 * 1024 * 1024)

lab_api *lab_api_new(const lab_api_config *cfg)
{
    lab_api *api = calloc(1, sizeof *api);
    if (!api)
        abort();
    api->store = cfg->store;
    api->kinds = lab_store_kinds(cfg->store);
    api->openapi = lab_openapi_build(api->kinds);
    api->server_address = strdup(cfg->server_address ? cfg->server_address : "");
    api->bookmark_ms = cfg->bookmark_interval_ms > 0 ? cfg->bookmark_interval_ms : 60000;
    api->kube_minor = strdup(cfg->kube_minor ? cfg->kube_minor : "32");
    return api;
}

void lab_api_free(lab_api *api)
{
    if (!api)
        return;
    lab_openapi_free(api->openapi);
    free(api->server_address);
    free(api->kube_minor);
    for (size_t i = 0; i < api->nsubs; i++) {
        free(api->subs[i].group);
        free(api->subs[i].plural);
        free(api->subs[i].name);
    }
    free(api->subs);
    free(api);
}

void lab_api_set_server_address(lab_api *api, const char *address)
{
    free(api->server_address);
    api->server_address = strdup(address ? address : "");
}

lab_store *lab_api_store(const lab_api *api)
{
    return api->store;
}

void lab_api_register_subresource(lab_api *api, const char *group, const char *plural,
                                  const char *subresource, lab_subresource_fn fn, void *ud)
{
    api->subs = realloc(api->subs, (api->nsubs + 1) * sizeof *api->subs);
    if (!api->subs)
        abort();
    api->subs[api->nsubs++] = (lab_subres){strdup(group), strdup(plural), strdup(subresource),
                                           fn, ud};
}

/* ---- negotiation ---- */

typedef struct accept {
    lab_format format;
    int ok;                   /* something acceptable was offered */
    int aggregated;           /* as=APIGroupDiscoveryList */
    const char *agg_version;  /* "v2" or "v2beta1" */
} accept;

static int param_is(const char *range, const char *key, const char *value)
{
    char pat[128];
    snprintf(pat, sizeof pat, "%s=%s", key, value);
    for (const char *p = strchr(range, ';'); p; p = strchr(p + 1, ';')) {
        const char *q = p + 1;
        while (*q == ' ')
            q++;
        size_t n = strlen(pat);
        if (!strncmp(q, pat, n) && (q[n] == ';' || q[n] == '\0' || q[n] == ' '))
            return 1;
    }
    return 0;
}

static accept negotiate(const char *header)
{
    accept a = {LAB_FMT_JSON, 0, 0, "v2"};
    if (!header || !*header) {
        a.ok = 1;
        return a;
    }
    char *copy = strdup(header), *save = NULL;
    for (char *r = strtok_r(copy, ",", &save); r && !a.ok; r = strtok_r(NULL, ",", &save)) {
        while (*r == ' ')
            r++;
        size_t tl = strcspn(r, "; ");
        int json = (tl == 16 && !strncmp(r, "application/json", tl)) ||
                   (tl == 3 && !strncmp(r, "*/*", tl)) ||
                   (tl == 13 && !strncmp(r, "application/*", tl));
        if (!json)
            continue;
        if (param_is(r, "as", "Table")) {
            a.format = LAB_FMT_TABLE;
        } else if (param_is(r, "as", "PartialObjectMetadata") ||
                   param_is(r, "as", "PartialObjectMetadataList")) {
            a.format = LAB_FMT_META;
        } else if (param_is(r, "as", "APIGroupDiscoveryList")) {
            if (!param_is(r, "v", "v2") && !param_is(r, "v", "v2beta1"))
                continue;
            a.aggregated = 1;
            a.agg_version = param_is(r, "v", "v2") ? "v2" : "v2beta1";
        }
        a.ok = 1;
    }
    free(copy);
    return a;
}

static void not_acceptable(lab_resp *resp)
{
    lab_resp_status(resp, lab_status_not_acceptable(
                              "only the following media types are accepted: application/json, "
                              "application/json;as=Table;v=v1;g=meta.k8s.io"));
}

static void not_found_path(lab_resp *resp)
{
    lab_resp_status(resp, lab_status_new(404, "NotFound",
                                         "the server could not find the requested resource", NULL));
}

/* ---- bodies ---- */

static const char *media_type(const lab_req *req, char *buf, size_t n)
{
    const char *ct = lab_req_header(req, "Content-Type");
    if (!ct)
        return "";
    size_t len = strcspn(ct, "; ");
    if (len >= n)
        len = n - 1;
    memcpy(buf, ct, len);
    buf[len] = '\0';
    return buf;
}

/* Decodes the request body into a JSON tree or answers the error. */
static cJSON *decode_body(lab_req *req, lab_resp *resp)
{
    char mt[128];
    const char *type = media_type(req, mt, sizeof mt);
    if (req->body_len > LAB_MAX_BODY) {
        lab_resp_status(resp, lab_status_too_large());
        return NULL;
    }
    strbuf why = STRBUF_INIT;
    cJSON *obj = NULL;
    if (!*type || !strcmp(type, "application/json")) {
        const char *text = req->body ? req->body : "", *end = NULL;
        obj = cJSON_ParseWithLengthOpts(text, req->body_len, &end, 0);
        if (!obj)  /* the position comes back per call; cJSON_GetErrorPtr is shared by threads */
            sb_addf(&why, "couldn't get version/kind; json parse error: invalid JSON near byte %ld",
                    end ? (long)(end - text) : 0L);
    } else if (!strcmp(type, "application/yaml")) {
        cJSON *docs = NULL;
        mtv_err err;
        mtv_err_clear(&err);
        if (yamldoc_parse("body", req->body ? req->body : "", req->body_len, &docs, &err) < 0)
            sb_addf(&why, "couldn't get version/kind; yaml parse error: %s", err.msg);
        else if (cJSON_GetArraySize(docs) != 1)
            sb_adds(&why, "the body must hold exactly one YAML document");
        else
            obj = cJSON_DetachItemFromArray(docs, 0);
        cJSON_Delete(docs);
    } else if (!strcmp(type, "application/vnd.kubernetes.protobuf")) {
        obj = lab_proto_decode(req->body ? req->body : "", req->body_len, &why);
        if (!obj) {
            lab_resp_status(resp, lab_status_unsupported_media(why.buf));
            sb_release(&why);
            return NULL;
        }
    } else {
        sb_addf(&why, "the body of the request was in an unknown format - accepted media types "
                "include: application/json, application/yaml, application/vnd.kubernetes.protobuf");
        lab_resp_status(resp, lab_status_unsupported_media(why.buf));
        sb_release(&why);
        return NULL;
    }
    if (!obj)
        lab_resp_status(resp, lab_status_bad_request(why.buf));
    sb_release(&why);
    return obj;
}

/* ---- responses ---- */

static void add_warnings(lab_resp *resp, const lab_strlist *w)
{
    for (size_t i = 0; i < w->count; i++) {
        strbuf h = STRBUF_INIT;
        sb_adds(&h, "299 - ");
        lab_quote(&h, w->items[i]);
        lab_resp_header(resp, "Warning", h.buf);
        sb_release(&h);
    }
}

static void respond_object(lab_api *api, const lab_kind *k, int code, const lab_blob *b,
                           const accept *acc, lab_include inc, lab_resp *resp)
{
    if (acc->format == LAB_FMT_JSON) {
        lab_resp_raw(resp, code, "application/json", b->text, b->len);
        return;
    }
    cJSON *obj = lab_blob_parse(b), *out;
    if (acc->format == LAB_FMT_TABLE) {
        out = lab_table_new(k, 1, b->rv);
        lab_table_add_row(out, k, obj, inc, lab_store_now(api->store));
    } else {
        out = lab_partial_metadata(obj);
    }
    lab_resp_json(resp, code, out);
    cJSON_Delete(out);
    cJSON_Delete(obj);
}

static void respond_result(lab_api *api, const lab_kind *k, lab_result *res, const accept *acc,
                           lab_resp *resp)
{
    add_warnings(resp, &res->warnings);
    if (res->code >= 400) {
        lab_resp_status(resp, res->status);
        res->status = NULL;
    } else {
        respond_object(api, k, res->code, res->obj, acc, LAB_INCLUDE_METADATA, resp);
    }
    lab_result_release(res);
}

/* ---- parameters ---- */

static int truthy(const char *v)
{
    return v && (!strcmp(v, "true") || !strcmp(v, "1"));
}

static int write_opts(const lab_req *req, lab_write_opts *o, lab_resp *resp)
{
    memset(o, 0, sizeof *o);
    const char *dry = lab_req_query(req, "dryRun");
    if (dry && *dry) {
        if (strcmp(dry, "All")) {
            lab_resp_status(resp, lab_status_bad_request("dryRun: Unsupported value: only All "
                                                         "is supported"));
            return -1;
        }
        o->dry_run = 1;
    }
    const char *fv = lab_req_query(req, "fieldValidation");
    if (!fv || !*fv || !strcmp(fv, "Warn"))
        o->validation = LAB_FV_WARN;
    else if (!strcmp(fv, "Strict"))
        o->validation = LAB_FV_STRICT;
    else if (!strcmp(fv, "Ignore"))
        o->validation = LAB_FV_IGNORE;
    else {
        lab_resp_status(resp, lab_status_bad_request("fieldValidation must be one of Ignore, "
                                                     "Warn, or Strict"));
        return -1;
    }
    return 0;
}

static int selectors(const lab_kind *k, const lab_req *req, lab_selector *labels,
                     lab_selector *fields, lab_resp *resp)
{
    strbuf err = STRBUF_INIT;
    if (lab_labelsel_parse(lab_req_query(req, "labelSelector"), labels, &err) < 0 ||
        lab_fieldsel_parse(lab_req_query(req, "fieldSelector"), fields, &err) < 0) {
        lab_resp_status(resp, lab_status_bad_request(err.buf));
        sb_release(&err);
        lab_selector_free(labels);
        return -1;
    }
    for (size_t i = 0; i < fields->count; i++)
        if (!lab_kind_field_ok(k, fields->reqs[i].key)) {
            sb_addf(&err, "field label not supported: %s", fields->reqs[i].key);
            lab_resp_status(resp, lab_status_bad_request(err.buf));
            sb_release(&err);
            lab_selector_free(labels);
            lab_selector_free(fields);
            return -1;
        }
    sb_release(&err);
    return 0;
}

/* ---- verbs ---- */

typedef struct target {
    const lab_kind *kind;
    const char *ns;          /* NULL for all namespaces / cluster scope */
    const char *name;        /* NULL for the collection */
    const char *sub;         /* NULL, "status", or another subresource */
    int watch_path;          /* came in under /watch/ */
} target;

static void list_items(lab_api *api, const target *t, lab_req *req, const accept *acc,
                       lab_include inc, lab_resp *resp)
{
    const lab_kind *k = t->kind;
    lab_selector labels, fields;
    if (selectors(k, req, &labels, &fields, resp) < 0)
        return;
    lab_list_opts lo = {.labels = &labels, .fields = &fields,
                        .continue_token = lab_req_query(req, "continue")};
    const char *limit = lab_req_query(req, "limit");
    if (limit && *limit)
        lo.limit = (size_t)strtoul(limit, NULL, 10);
    lab_list list;
    cJSON *status;
    int code = lab_store_list(api->store, k, t->ns, &lo, &list, &status);
    lab_selector_free(&labels);
    lab_selector_free(&fields);
    if (code) {
        lab_resp_status(resp, status);
        return;
    }
    const char *rvm = lab_req_query(req, "resourceVersionMatch");
    const char *rv = lab_req_query(req, "resourceVersion");
    if (rvm && !strcmp(rvm, "Exact") && rv && strtoull(rv, NULL, 10) != list.rv) {
        lab_list_release(&list);
        lab_resp_status(resp, lab_status_gone("The resourceVersion for the provided list is too "
                                              "old."));
        return;
    }
    if (acc->format == LAB_FMT_JSON) {
        strbuf out = STRBUF_INIT;
        sb_addf(&out, "{\"apiVersion\":\"%s\",\"kind\":\"%s\",\"metadata\":{\"resourceVersion\":"
                "\"%llu\"", k->api_version, k->list_kind, (unsigned long long)list.rv);
        if (list.continue_token)
            sb_addf(&out, ",\"continue\":\"%s\",\"remainingItemCount\":%ld", list.continue_token,
                    list.remaining);
        sb_adds(&out, "},\"items\":[");
        for (size_t i = 0; i < list.count; i++) {
            const lab_blob *b = list.items[i];
            if (i)
                sb_addc(&out, ',');
            if (!(k->flags & LAB_KIND_CUSTOM) && b->body_off) {
                sb_addc(&out, '{');
                sb_add(&out, b->text + b->body_off, b->len - b->body_off);
            } else {
                sb_add(&out, b->text, b->len);
            }
        }
        sb_adds(&out, "]}");
        lab_resp_raw(resp, 200, "application/json", out.buf, out.len);
        sb_release(&out);
    } else {
        cJSON *out;
        if (acc->format == LAB_FMT_TABLE) {
            out = lab_table_new(k, 1, list.rv);
        } else {
            out = cJSON_CreateObject();
            cJSON_AddStringToObject(out, "kind", "PartialObjectMetadataList");
            cJSON_AddStringToObject(out, "apiVersion", "meta.k8s.io/v1");
            cJSON *m = cJSON_AddObjectToObject(out, "metadata");
            char buf[32];
            snprintf(buf, sizeof buf, "%llu", (unsigned long long)list.rv);
            cJSON_AddStringToObject(m, "resourceVersion", buf);
            cJSON_AddArrayToObject(out, "items");
        }
        if (list.continue_token) {
            cJSON *m = cJSON_GetObjectItemCaseSensitive(out, "metadata");
            cJSON_AddStringToObject(m, "continue", list.continue_token);
            cJSON_AddNumberToObject(m, "remainingItemCount", (double)list.remaining);
        }
        time_t now = lab_store_now(api->store);
        for (size_t i = 0; i < list.count; i++) {
            cJSON *obj = lab_blob_parse(list.items[i]);
            if (acc->format == LAB_FMT_TABLE)
                lab_table_add_row(out, k, obj, inc, now);
            else
                cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(out, "items"),
                                     lab_partial_metadata(obj));
            cJSON_Delete(obj);
        }
        lab_resp_json(resp, 200, out);
        cJSON_Delete(out);
    }
    lab_list_release(&list);
}

static void watch_items(lab_api *api, const target *t, lab_req *req, const accept *acc,
                        lab_include inc, lab_resp *resp)
{
    lab_watch_params p = {.kind = t->kind, .ns = t->ns, .format = acc->format, .include = inc};
    if (selectors(t->kind, req, &p.labels, &p.fields, resp) < 0)
        return;
    if (t->name) {
        /* GET .../NAME?watch=true: a watch of that one object */
        lab_selector extra;
        strbuf err = STRBUF_INIT, sel = STRBUF_INIT;
        sb_adds(&sel, "metadata.name=");
        for (const char *c = t->name; *c; c++) {
            if (*c == ',' || *c == '=' || *c == '\\')
                sb_addc(&sel, '\\');
            sb_addc(&sel, *c);
        }
        lab_fieldsel_parse(sel.buf, &extra, &err);
        for (size_t i = 0; i < extra.count; i++) {
            p.fields.reqs = realloc(p.fields.reqs, (p.fields.count + 1) * sizeof *p.fields.reqs);
            p.fields.reqs[p.fields.count++] = extra.reqs[i];
        }
        free(extra.reqs);
        sb_release(&err);
        sb_release(&sel);
    }
    p.resource_version = lab_req_query(req, "resourceVersion");
    p.send_initial = truthy(lab_req_query(req, "sendInitialEvents"));
    p.bookmarks = truthy(lab_req_query(req, "allowWatchBookmarks"));
    const char *ts = lab_req_query(req, "timeoutSeconds");
    if (ts && *ts)
        p.timeout_s = strtol(ts, NULL, 10);
    lab_api_watch(api, &p, resp);
}

static int parse_delete_options(lab_req *req, lab_delete_opts *o, cJSON **holder,
                                lab_resp *resp)
{
    memset(o, 0, sizeof *o);
    *holder = NULL;
    if (req->body_len) {
        cJSON *b = decode_body(req, resp);
        if (!b)
            return -1;
        *holder = b;
        const cJSON *pp = cJSON_GetObjectItemCaseSensitive(b, "propagationPolicy");
        if (cJSON_IsString(pp))
            o->propagation = pp->valuestring;
        const cJSON *orphan = cJSON_GetObjectItemCaseSensitive(b, "orphanDependents");
        if (cJSON_IsTrue(orphan))
            o->propagation = "Orphan";
        const cJSON *pre = cJSON_GetObjectItemCaseSensitive(b, "preconditions");
        const cJSON *uid = cJSON_GetObjectItemCaseSensitive(pre, "uid");
        const cJSON *rv = cJSON_GetObjectItemCaseSensitive(pre, "resourceVersion");
        if (cJSON_IsString(uid))
            o->precondition_uid = uid->valuestring;
        if (cJSON_IsString(rv))
            o->precondition_rv = rv->valuestring;
        const cJSON *dry = cJSON_GetObjectItemCaseSensitive(b, "dryRun");
        if (cJSON_GetArraySize(dry) > 0)
            o->dry_run = 1;
    }
    const char *qp = lab_req_query(req, "propagationPolicy");
    if (qp && *qp)
        o->propagation = qp;
    const char *dry = lab_req_query(req, "dryRun");
    if (dry && !strcmp(dry, "All"))
        o->dry_run = 1;
    if (o->propagation && strcmp(o->propagation, "Background") &&
        strcmp(o->propagation, "Foreground") && strcmp(o->propagation, "Orphan")) {
        lab_resp_status(resp, lab_status_bad_request("propagationPolicy: Unsupported value: "
                                                     "supported values: \"Foreground\", "
                                                     "\"Background\", \"Orphan\""));
        cJSON_Delete(*holder);
        *holder = NULL;
        return -1;
    }
    return 0;
}

static void delete_collection(lab_api *api, const target *t, lab_req *req, lab_resp *resp)
{
    const lab_kind *k = t->kind;
    lab_selector labels, fields;
    if (selectors(k, req, &labels, &fields, resp) < 0)
        return;
    lab_delete_opts dopt;
    cJSON *holder;
    if (parse_delete_options(req, &dopt, &holder, resp) < 0) {
        lab_selector_free(&labels);
        lab_selector_free(&fields);
        return;
    }
    lab_list_opts lo = {.labels = &labels, .fields = &fields};
    lab_list list;
    cJSON *status;
    int code = lab_store_list(api->store, k, t->ns, &lo, &list, &status);
    lab_selector_free(&labels);
    lab_selector_free(&fields);
    if (code) {
        cJSON_Delete(holder);
        lab_resp_status(resp, status);
        return;
    }
    strbuf out = STRBUF_INIT;
    sb_addf(&out, "{\"apiVersion\":\"%s\",\"kind\":\"%s\",\"metadata\":{},\"items\":[",
            k->api_version, k->list_kind);
    int first = 1;
    for (size_t i = 0; i < list.count; i++) {
        lab_result res;
        lab_store_delete(api->store, k, list.items[i]->ns, list.items[i]->name, &dopt, &res);
        if (res.code < 400) {
            if (!first)
                sb_addc(&out, ',');
            first = 0;
            sb_add(&out, res.obj->text, res.obj->len);
        }
        lab_result_release(&res);
    }
    sb_adds(&out, "]}");
    lab_resp_raw(resp, 200, "application/json", out.buf, out.len);
    sb_release(&out);
    lab_list_release(&list);
    cJSON_Delete(holder);
}

static void serve_collection(lab_api *api, const target *t, lab_req *req, const accept *acc,
                             lab_include inc, lab_resp *resp)
{
    const char *m = req->method;
    int watch = t->watch_path || truthy(lab_req_query(req, "watch"));
    if (!strcmp(m, "GET")) {
        if (watch)
            watch_items(api, t, req, acc, inc, resp);
        else
            list_items(api, t, req, acc, inc, resp);
        return;
    }
    if (!strcmp(m, "POST")) {
        if ((t->kind->flags & LAB_KIND_NAMESPACED) && !t->ns) {
            lab_resp_status(resp, lab_status_method_not_allowed());
            return;
        }
        lab_write_opts o;
        if (write_opts(req, &o, resp) < 0)
            return;
        cJSON *obj = decode_body(req, resp);
        if (!obj)
            return;
        lab_result res;
        lab_store_create(api->store, t->kind, t->ns, obj, &o, &res);
        respond_result(api, t->kind, &res, acc, resp);
        return;
    }
    if (!strcmp(m, "DELETE")) {
        delete_collection(api, t, req, resp);
        return;
    }
    lab_resp_status(resp, lab_status_method_not_allowed());
}

static int patch_type(const lab_req *req, lab_patch_type *out, lab_resp *resp)
{
    char mt[128];
    const char *type = media_type(req, mt, sizeof mt);
    if (!strcmp(type, "application/merge-patch+json"))
        *out = LAB_PATCH_MERGE;
    else if (!strcmp(type, "application/json-patch+json"))
        *out = LAB_PATCH_JSON;
    else if (!strcmp(type, "application/strategic-merge-patch+json"))
        *out = LAB_PATCH_STRATEGIC;
    else {
        lab_resp_status(resp, lab_status_unsupported_media(
                                  "the body of the request was in an unknown format - accepted "
                                  "media types include: application/json-patch+json, "
                                  "application/merge-patch+json, "
                                  "application/strategic-merge-patch+json (server-side apply is "
                                  "not implemented by the lab)"));
        return -1;
    }
    return 0;
}

static void serve_item(lab_api *api, const target *t, lab_req *req, const accept *acc,
                       lab_include inc, lab_resp *resp)
{
    const lab_kind *k = t->kind;
    const char *m = req->method;
    const char *ns = t->ns ? t->ns : "";
    if (t->sub && strcmp(t->sub, "status")) {
        for (size_t i = 0; i < api->nsubs; i++) {
            const lab_subres *s = &api->subs[i];
            if (!strcmp(s->group, k->group) && !strcmp(s->plural, k->plural) &&
                !strcmp(s->name, t->sub)) {
                lab_result res;
                lab_store_get(api->store, k, ns, t->name, &res);
                if (res.code >= 400) {
                    lab_resp_status(resp, res.status);
                    res.status = NULL;
                } else {
                    s->fn(s->ud, k, ns, t->name, t->sub, req, resp);
                }
                lab_result_release(&res);
                return;
            }
        }
        not_found_path(resp);
        return;
    }
    if (t->sub && !(k->flags & LAB_KIND_STATUS)) {
        not_found_path(resp);
        return;
    }
    if (!strcmp(m, "GET")) {
        if (t->watch_path || truthy(lab_req_query(req, "watch"))) {
            watch_items(api, t, req, acc, inc, resp);
            return;
        }
        lab_result res;
        lab_store_get(api->store, k, ns, t->name, &res);
        respond_result(api, k, &res, acc, resp);
        return;
    }
    lab_write_opts o;
    if (!strcmp(m, "PUT") || !strcmp(m, "PATCH")) {
        if (write_opts(req, &o, resp) < 0)
            return;
        o.subresource = t->sub;
    }
    lab_result res;
    if (!strcmp(m, "PUT")) {
        cJSON *obj = decode_body(req, resp);
        if (!obj)
            return;
        lab_store_update(api->store, k, ns, t->name, obj, &o, &res);
    } else if (!strcmp(m, "PATCH")) {
        lab_patch_type pt;
        if (patch_type(req, &pt, resp) < 0)
            return;
        cJSON *patch = cJSON_ParseWithLength(req->body ? req->body : "", req->body_len);
        if (!patch) {
            lab_resp_status(resp, lab_status_bad_request("the patch is not valid JSON"));
            return;
        }
        lab_store_patch(api->store, k, ns, t->name, pt, patch, &o, &res);
        cJSON_Delete(patch);
    } else if (!strcmp(m, "DELETE") && !t->sub) {
        lab_delete_opts dopt;
        cJSON *holder;
        if (parse_delete_options(req, &dopt, &holder, resp) < 0)
            return;
        lab_store_delete(api->store, k, ns, t->name, &dopt, &res);
        cJSON_Delete(holder);
    } else {
        lab_resp_status(resp, lab_status_method_not_allowed());
        return;
    }
    respond_result(api, k, &res, acc, resp);
}

/* ---- discovery, version, openapi ---- */

static void serve_version(lab_api *api, lab_resp *resp)
{
    cJSON *v = cJSON_CreateObject();
    char git[64];
    snprintf(git, sizeof git, "v1.%s.0", api->kube_minor);
    cJSON_AddStringToObject(v, "major", "1");
    cJSON_AddStringToObject(v, "minor", api->kube_minor);
    cJSON_AddStringToObject(v, "gitVersion", git);
    cJSON_AddStringToObject(v, "gitCommit", "0000000000000000000000000000000000000000");
    cJSON_AddStringToObject(v, "gitTreeState", "clean");
    cJSON_AddStringToObject(v, "buildDate", "2025-01-01T00:00:00Z");
    cJSON_AddStringToObject(v, "goVersion", "go1.23.0");
    cJSON_AddStringToObject(v, "compiler", "gc");
    cJSON_AddStringToObject(v, "platform", "linux/amd64");
    lab_resp_json(resp, 200, v);
    cJSON_Delete(v);
}

static void serve_tree(lab_resp *resp, cJSON *tree, const char *ctype)
{
    char *s = cJSON_PrintUnformatted(tree);
    lab_resp_raw(resp, 200, ctype, s, strlen(s));
    free(s);
    cJSON_Delete(tree);
}

static void serve_root_discovery(lab_api *api, int core, lab_req *req, lab_resp *resp)
{
    accept acc = negotiate(lab_req_header(req, "Accept"));
    if (acc.aggregated) {
        char ctype[128];
        snprintf(ctype, sizeof ctype,
                 "application/json;g=apidiscovery.k8s.io;v=%s;as=APIGroupDiscoveryList",
                 acc.agg_version);
        serve_tree(resp, lab_discovery_aggregated(api->kinds, core, acc.agg_version), ctype);
    } else if (!acc.ok) {
        not_acceptable(resp);
    } else {
        serve_tree(resp, core ? lab_discovery_api(api->kinds, api->server_address)
                              : lab_discovery_apis(api->kinds), "application/json");
    }
}

static void serve_group(lab_api *api, const char *group, lab_resp *resp)
{
    cJSON *all = lab_discovery_apis(api->kinds), *g, *found = NULL;
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(all, "groups"))
    {
        if (!strcmp(cJSON_GetObjectItemCaseSensitive(g, "name")->valuestring, group))
            found = g;
    }
    if (!found) {
        cJSON_Delete(all);
        not_found_path(resp);
        return;
    }
    cJSON *out = cJSON_Duplicate(found, 1);
    cJSON_Delete(all);
    cJSON_AddStringToObject(out, "kind", "APIGroup");
    cJSON_AddStringToObject(out, "apiVersion", "v1");
    serve_tree(resp, out, "application/json");
}

static void serve_openapi(lab_api *api, const char *rest, lab_resp *resp)
{
    size_t len;
    const char *text = !*rest ? lab_openapi_index(api->openapi, &len)
                              : lab_openapi_doc(api->openapi, rest, &len);
    if (!text) {
        not_found_path(resp);
        return;
    }
    lab_resp_raw(resp, 200, "application/json", text, len);
}

/* ---- routing ---- */

typedef struct segs {
    char *buf;
    const char *s[16];
    int n;
} segs;

static int split_path(const char *path, segs *out)
{
    out->buf = strdup(path);
    out->n = 0;
    for (char *save, *t = strtok_r(out->buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (out->n == 16)
            return -1;
        out->s[out->n++] = t;
    }
    return 0;
}

static void serve_resources(lab_api *api, const char *group, const char *version,
                            const char *const *rest, int nrest, lab_req *req, lab_resp *resp)
{
    if (nrest == 0) {
        cJSON *d = lab_discovery_resources(api->kinds, group, version);
        if (d)
            serve_tree(resp, d, "application/json");
        else
            not_found_path(resp);
        return;
    }
    target t = {0};
    if (!strcmp(rest[0], "watch")) {
        t.watch_path = 1;
        rest++;
        nrest--;
    }
    const lab_kind *k = NULL;
    if (nrest >= 3 && !strcmp(rest[0], "namespaces") &&
        (k = lab_kinds_find(api->kinds, group, version, rest[2])) &&
        (k->flags & LAB_KIND_NAMESPACED)) {
        t.kind = k;
        t.ns = rest[1];
        t.name = nrest >= 4 ? rest[3] : NULL;
        t.sub = nrest >= 5 ? rest[4] : NULL;
        if (nrest > 5) {
            not_found_path(resp);
            return;
        }
    } else if (nrest >= 1 && (k = lab_kinds_find(api->kinds, group, version, rest[0]))) {
        t.kind = k;
        t.name = nrest >= 2 ? rest[1] : NULL;
        t.sub = nrest >= 3 ? rest[2] : NULL;
        if (nrest > 3 || ((k->flags & LAB_KIND_NAMESPACED) && t.name)) {
            not_found_path(resp);
            return;
        }
    } else {
        not_found_path(resp);
        return;
    }
    accept acc = negotiate(lab_req_header(req, "Accept"));
    if (!acc.ok) {
        not_acceptable(resp);
        return;
    }
    lab_include inc;
    if (lab_include_parse(lab_req_query(req, "includeObject"), &inc) < 0) {
        lab_resp_status(resp, lab_status_bad_request("includeObject: Unsupported value: "
                                                     "supported values: \"None\", \"Metadata\", "
                                                     "\"Object\""));
        return;
    }
    if (t.name)
        serve_item(api, &t, req, &acc, inc, resp);
    else
        serve_collection(api, &t, req, &acc, inc, resp);
}

void lab_api_handle(void *ud, lab_req *req, lab_resp *resp)
{
    lab_api *api = ud;
    segs sg;
    if (split_path(req->path, &sg) < 0 || sg.n == 0) {
        free(sg.buf);
        not_found_path(resp);
        return;
    }
    const char *const *s = sg.s;
    int is_get = !strcmp(req->method, "GET");
    if (!strcmp(s[0], "version") && sg.n == 1) {
        serve_version(api, resp);
    } else if (!strcmp(s[0], "openapi") && sg.n >= 2 && !strcmp(s[1], "v3") && is_get) {
        strbuf rest = STRBUF_INIT;
        for (int i = 2; i < sg.n; i++)
            sb_addf(&rest, "%s%s", i > 2 ? "/" : "", s[i]);
        serve_openapi(api, sb_str(&rest), resp);
        sb_release(&rest);
    } else if (!strcmp(s[0], "api")) {
        if (sg.n == 1)
            serve_root_discovery(api, 1, req, resp);
        else
            serve_resources(api, "", s[1], s + 2, sg.n - 2, req, resp);
    } else if (!strcmp(s[0], "apis")) {
        if (sg.n == 1)
            serve_root_discovery(api, 0, req, resp);
        else if (sg.n == 2)
            serve_group(api, s[1], resp);
        else
            serve_resources(api, s[1], s[2], s + 3, sg.n - 3, req, resp);
    } else {
        not_found_path(resp);
    }
    free(sg.buf);
}
