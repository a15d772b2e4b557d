/* lab_openapi: see lab_openapi.h. */
#include "lab/lab_openapi.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/strbuf.h"

typedef struct gv_doc {
    char *path;   /* "api/v1", "apis/g/v" */
    char *text;
    size_t len;
} gv_doc;

struct lab_openapi {
    gv_doc *docs;
    size_t ndocs;
    char *index;
    size_t index_len;
};

/* "forklift.konveyor.io" -> "io.konveyor.forklift.v1beta1.Plan"; core -> io.k8s.api.core.v1.X */
static void schema_name(strbuf *out, const lab_kind *k)
{
    if (!*k->group) {
        sb_addf(out, "io.k8s.api.core.%s.%s", k->version, k->kind);
        return;
    }
    const char *end = k->group + strlen(k->group);
    while (end > k->group) {
        const char *dot = end;
        while (dot > k->group && dot[-1] != '.')
            dot--;
        sb_add(out, dot, (size_t)(end - dot));
        sb_addc(out, '.');
        end = dot > k->group ? dot - 1 : dot;
    }
    sb_addf(out, "%s.%s", k->version, k->kind);
}

static cJSON *gvk(const lab_kind *k)
{
    cJSON *g = cJSON_CreateObject();
    cJSON_AddStringToObject(g, "group", k->group);
    cJSON_AddStringToObject(g, "version", k->version);
    cJSON_AddStringToObject(g, "kind", k->kind);
    return g;
}

static cJSON *query_param(const char *name, const char *desc)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "name", name);
    cJSON_AddStringToObject(p, "in", "query");
    cJSON_AddStringToObject(p, "description", desc);
    cJSON *s = cJSON_AddObjectToObject(p, "schema");
    cJSON_AddStringToObject(s, "type", "string");
    cJSON_AddBoolToObject(p, "uniqueItems", 1);
    return p;
}

static cJSON *write_params(int patch)
{
    cJSON *a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, query_param("dryRun", "When present, indicates that modifications "
                                                  "should not be persisted."));
    cJSON_AddItemToArray(a, query_param("fieldManager", "fieldManager is a name associated "
                                                        "with the actor or entity that is making "
                                                        "these changes."));
    cJSON_AddItemToArray(a, query_param("fieldValidation",
                                        "fieldValidation instructs the server on how to handle "
                                        "objects in the request containing unknown or duplicate "
                                        "fields. Valid values are: Ignore, Warn, Strict."));
    if (patch)
        cJSON_AddItemToArray(a, query_param("force", "Force is going to \"force\" Apply "
                                                     "requests."));
    return a;
}

static cJSON *ref_content(const char *ref, const char *const *types)
{
    cJSON *content = cJSON_CreateObject();
    for (; *types; types++) {
        cJSON *mt = cJSON_AddObjectToObject(content, *types);
        cJSON *schema = cJSON_AddObjectToObject(mt, "schema");
        cJSON_AddStringToObject(schema, "$ref", ref);
    }
    return content;
}

static cJSON *operation(const lab_kind *k, const char *action, const char *op_id,
                        const char *ref, cJSON *params, const char *const *body_types)
{
    static const char *const json_only[] = {"application/json", NULL};
    cJSON *op = cJSON_CreateObject();
    cJSON *tags = cJSON_AddArrayToObject(op, "tags");
    char tag[256];
    snprintf(tag, sizeof tag, "%s_%s", *k->group ? k->group : "core", k->version);
    for (char *c = tag; *c; c++)
        if (*c == '.')
            *c = '_';
    cJSON_AddItemToArray(tags, cJSON_CreateString(tag));
    cJSON_AddStringToObject(op, "operationId", op_id);
    cJSON_AddItemToObject(op, "parameters", params ? params : cJSON_CreateArray());
    if (body_types) {
        cJSON *rb = cJSON_AddObjectToObject(op, "requestBody");
        cJSON_AddItemToObject(rb, "content",
                              ref_content(body_types == json_only ? ref
                                          : "#/components/schemas/io.k8s.apimachinery.pkg.apis."
                                            "meta.v1.Patch", body_types));
        cJSON_AddBoolToObject(rb, "required", 1);
    }
    cJSON *responses = cJSON_AddObjectToObject(op, "responses");
    cJSON *ok = cJSON_AddObjectToObject(responses, "200");
    cJSON_AddStringToObject(ok, "description", "OK");
    cJSON_AddItemToObject(ok, "content", ref_content(ref, json_only));
    cJSON_AddStringToObject(op, "x-kubernetes-action", action);
    cJSON_AddItemToObject(op, "x-kubernetes-group-version-kind", gvk(k));
    return op;
}

static void add_kind(cJSON *paths, cJSON *schemas, const lab_kind *k)
{
    static const char *const json_only[] = {"application/json", NULL};
    static const char *const patch_types[] = {"application/json-patch+json",
                                              "application/merge-patch+json",
                                              "application/apply-patch+yaml", NULL};
    strbuf name = STRBUF_INIT, ref = STRBUF_INIT, base = STRBUF_INIT, p = STRBUF_INIT, id = STRBUF_INIT;
    schema_name(&name, k);
    sb_addf(&ref, "#/components/schemas/%s", name.buf);
    if (*k->group)
        sb_addf(&base, "/apis/%s/%s", k->group, k->version);
    else
        sb_addf(&base, "/api/%s", k->version);
    int ns = (k->flags & LAB_KIND_NAMESPACED) != 0;
    const char *scope = ns ? "Namespaced" : "";

    sb_addf(&p, "%s%s/%s", base.buf, ns ? "/namespaces/{namespace}" : "", k->plural);
    cJSON *coll = cJSON_AddObjectToObject(paths, p.buf);
    sb_reset(&id);
    sb_addf(&id, "list%s%s", scope, k->kind);
    cJSON_AddItemToObject(coll, "get", operation(k, "list", id.buf, ref.buf, NULL, NULL));
    sb_reset(&id);
    sb_addf(&id, "create%s%s", scope, k->kind);
    cJSON_AddItemToObject(coll, "post", operation(k, "post", id.buf, ref.buf, write_params(0), json_only));
    sb_reset(&id);
    sb_addf(&id, "deletecollection%s%s", scope, k->kind);
    cJSON_AddItemToObject(coll, "delete", operation(k, "deletecollection", id.buf, ref.buf, NULL, NULL));

    sb_addf(&p, "/{name}");
    cJSON *item = cJSON_AddObjectToObject(paths, p.buf);
    sb_reset(&id);
    sb_addf(&id, "read%s%s", scope, k->kind);
    cJSON_AddItemToObject(item, "get", operation(k, "get", id.buf, ref.buf, NULL, NULL));
    sb_reset(&id);
    sb_addf(&id, "replace%s%s", scope, k->kind);
    cJSON_AddItemToObject(item, "put", operation(k, "put", id.buf, ref.buf, write_params(0), json_only));
    sb_reset(&id);
    sb_addf(&id, "patch%s%s", scope, k->kind);
    cJSON_AddItemToObject(item, "patch", operation(k, "patch", id.buf, ref.buf, write_params(1), patch_types));
    sb_reset(&id);
    sb_addf(&id, "delete%s%s", scope, k->kind);
    cJSON_AddItemToObject(item, "delete", operation(k, "delete", id.buf, ref.buf, NULL, NULL));

    if (k->flags & LAB_KIND_STATUS) {
        sb_addf(&p, "/status");
        cJSON *st = cJSON_AddObjectToObject(paths, p.buf);
        sb_reset(&id);
        sb_addf(&id, "read%s%sStatus", scope, k->kind);
        cJSON_AddItemToObject(st, "get", operation(k, "get", id.buf, ref.buf, NULL, NULL));
        sb_reset(&id);
        sb_addf(&id, "replace%s%sStatus", scope, k->kind);
        cJSON_AddItemToObject(st, "put", operation(k, "put", id.buf, ref.buf, write_params(0), json_only));
        sb_reset(&id);
        sb_addf(&id, "patch%s%sStatus", scope, k->kind);
        cJSON_AddItemToObject(st, "patch", operation(k, "patch", id.buf, ref.buf, write_params(1), patch_types));
    }

    cJSON *schema = k->schema ? cJSON_Duplicate(k->schema, 1) : cJSON_CreateObject();
    if (!k->schema) {
        cJSON_AddStringToObject(schema, "type", "object");
        cJSON_AddBoolToObject(schema, "x-kubernetes-preserve-unknown-fields", 1);
    }
    cJSON *list = cJSON_CreateArray();
    cJSON_AddItemToArray(list, gvk(k));
    cJSON_DeleteItemFromObjectCaseSensitive(schema, "x-kubernetes-group-version-kind");
    cJSON_AddItemToObject(schema, "x-kubernetes-group-version-kind", list);
    cJSON_AddItemToObject(schemas, name.buf, schema);
    sb_release(&name);
    sb_release(&ref);
    sb_release(&base);
    sb_release(&p);
    sb_release(&id);
}

lab_openapi *lab_openapi_build(const lab_kinds *k)
{
    lab_openapi *o = calloc(1, sizeof *o);
    if (!o)
        abort();
    size_t ngv;
    const char **gvs = lab_kinds_group_versions(k, &ngv);
    cJSON *index = cJSON_CreateObject(), *ipaths = cJSON_AddObjectToObject(index, "paths");
    o->docs = calloc(ngv ? ngv : 1, sizeof *o->docs);
    if (!o->docs)
        abort();
    for (size_t i = 0; i < ngv; i++) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "openapi", "3.0.0");
        cJSON *info = cJSON_AddObjectToObject(doc, "info");
        cJSON_AddStringToObject(info, "title", "Kubernetes");
        cJSON_AddStringToObject(info, "version", "v1.32.0");
        cJSON *paths = cJSON_AddObjectToObject(doc, "paths");
        cJSON *comps = cJSON_AddObjectToObject(doc, "components");
        cJSON *schemas = cJSON_AddObjectToObject(comps, "schemas");
        for (size_t j = 0; j < k->count; j++)
            if (!strcmp(k->items[j]->api_version, gvs[i]))
                add_kind(paths, schemas, k->items[j]);
        cJSON *patch = cJSON_AddObjectToObject(schemas, "io.k8s.apimachinery.pkg.apis.meta.v1.Patch");
        cJSON_AddStringToObject(patch, "type", "object");
        cJSON_AddStringToObject(patch, "description", "Patch is provided to give a concrete name "
                                "and type to the Kubernetes PATCH request body.");
        strbuf path = STRBUF_INIT;
        sb_addf(&path, "%s/%s", strchr(gvs[i], '/') ? "apis" : "api", gvs[i]);
        gv_doc *d = &o->docs[o->ndocs++];
        d->path = sb_detach(&path, NULL);
        d->text = cJSON_PrintUnformatted(doc);
        d->len = strlen(d->text);
        cJSON_Delete(doc);
        char hash[65];
        sha256_hex(d->text, d->len, hash);
        for (char *c = hash; *c; c++)
            *c = (char)toupper((unsigned char)*c);
        strbuf url = STRBUF_INIT;
        sb_addf(&url, "/openapi/v3/%s?hash=%s", d->path, hash);
        cJSON *entry = cJSON_AddObjectToObject(ipaths, d->path);
        cJSON_AddStringToObject(entry, "serverRelativeURL", url.buf);
        sb_release(&url);
    }
    free(gvs);
    o->index = cJSON_PrintUnformatted(index);
    o->index_len = strlen(o->index);
    cJSON_Delete(index);
    return o;
}

void lab_openapi_free(lab_openapi *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->ndocs; i++) {
        free(o->docs[i].path);
        free(o->docs[i].text);
    }
    free(o->docs);
    free(o->index);
    free(o);
}

const char *lab_openapi_index(const lab_openapi *o, size_t *len)
{
    *len = o->index_len;
    return o->index;
}

const char *lab_openapi_doc(const lab_openapi *o, const char *gv_path, size_t *len)
{
    for (size_t i = 0; i < o->ndocs; i++)
        if (!strcmp(o->docs[i].path, gv_path)) {
            *len = o->docs[i].len;
            return o->docs[i].text;
        }
    return NULL;
}
