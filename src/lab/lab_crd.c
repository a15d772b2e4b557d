/* lab_crd: see lab_crd.h. */
#include "lab/lab_crd.h"

#include <stdlib.h>
#include <string.h>

#include "lab/lab_jsonpath.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/yamldoc.h"

static const char *str_at(const cJSON *obj, const char *key)
{
    const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    return cJSON_IsString(v) && *v->valuestring ? v->valuestring : NULL;
}

static int need_str(const cJSON *obj, const char *key, const char *where, const char **out,
                    mtv_err *err)
{
    *out = str_at(obj, key);
    if (!*out)
        return mtv_err_set(err, MTV_EXIT_USAGE, "%s.%s: expected a non-empty string", where, key);
    return 0;
}

/* Printer columns of one version, checked. */
static cJSON *columns_of(const cJSON *cols, const char *where, mtv_err *err)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *c;
    int i = 0;
    cJSON_ArrayForEach(c, cols)
    {
        const char *name = str_at(c, "name"), *type = str_at(c, "type"), *jp = str_at(c, "jsonPath");
        if (!jp)
            jp = str_at(c, "JSONPath");
        strbuf why = STRBUF_INIT;
        if (!name || !type || !jp || lab_jsonpath_check(jp, &why) < 0) {
            mtv_err_set(err, MTV_EXIT_USAGE,
                        "%s.additionalPrinterColumns[%d]: needs name, type and a supported "
                        "jsonPath%s%s", where, i, why.len ? ": " : "", sb_str(&why));
            sb_release(&why);
            cJSON_Delete(out);
            return NULL;
        }
        sb_release(&why);
        cJSON *col = cJSON_CreateObject();
        cJSON_AddStringToObject(col, "name", name);
        cJSON_AddStringToObject(col, "type", type);
        cJSON_AddStringToObject(col, "jsonPath", jp);
        const cJSON *prio = cJSON_GetObjectItemCaseSensitive(c, "priority");
        if (cJSON_IsNumber(prio))
            cJSON_AddNumberToObject(col, "priority", prio->valuedouble);
        const char *desc = str_at(c, "description"), *fmt = str_at(c, "format");
        if (desc)
            cJSON_AddStringToObject(col, "description", desc);
        if (fmt)
            cJSON_AddStringToObject(col, "format", fmt);
        cJSON_AddItemToArray(out, col);
        i++;
    }
    if (cJSON_GetArraySize(out) == 0) {
        cJSON *age = cJSON_CreateObject();
        cJSON_AddStringToObject(age, "name", "Age");
        cJSON_AddStringToObject(age, "type", "date");
        cJSON_AddStringToObject(age, "jsonPath", ".metadata.creationTimestamp");
        cJSON_AddItemToArray(out, age);
    }
    return out;
}

int lab_crd_add(lab_kinds *kinds, const cJSON *crd, const char *src, mtv_err *err)
{
    const char *kind = str_at(crd, "kind");
    if (!kind || strcmp(kind, "CustomResourceDefinition"))
        return mtv_err_set(err, MTV_EXIT_USAGE, "kind: expected CustomResourceDefinition, got %s",
                           kind ? kind : "nothing");
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(crd, "spec");
    const cJSON *names = spec ? cJSON_GetObjectItemCaseSensitive(spec, "names") : NULL;
    const char *group, *plural, *kname, *scope;
    if (!cJSON_IsObject(spec))
        return mtv_err_set(err, MTV_EXIT_USAGE, "spec: expected an object");
    if (need_str(spec, "group", "spec", &group, err) < 0 ||
        need_str(names, "plural", "spec.names", &plural, err) < 0 ||
        need_str(names, "kind", "spec.names", &kname, err) < 0 ||
        need_str(spec, "scope", "spec", &scope, err) < 0)
        return -1;
    if (strcmp(scope, "Namespaced") && strcmp(scope, "Cluster"))
        return mtv_err_set(err, MTV_EXIT_USAGE, "spec.scope: expected Namespaced or Cluster, got %s",
                           scope);
    const cJSON *versions = cJSON_GetObjectItemCaseSensitive(spec, "versions");
    /* apiextensions v1beta1 kept schema, columns and subresources at spec level */
    const cJSON *top_schema = cJSON_GetObjectItemCaseSensitive(spec, "validation");
    const cJSON *top_cols = cJSON_GetObjectItemCaseSensitive(spec, "additionalPrinterColumns");
    const cJSON *top_sub = cJSON_GetObjectItemCaseSensitive(spec, "subresources");
    cJSON *legacy = NULL;
    if (!cJSON_IsArray(versions)) {
        const char *v = str_at(spec, "version");
        if (!v)
            return mtv_err_set(err, MTV_EXIT_USAGE, "spec.versions: expected a list of versions");
        legacy = cJSON_CreateArray();
        cJSON *one = cJSON_CreateObject();
        cJSON_AddStringToObject(one, "name", v);
        cJSON_AddTrueToObject(one, "served");
        cJSON_AddItemToArray(legacy, one);
        versions = legacy;
    }
    int served = 0, i = 0;
    const cJSON *ver;
    cJSON_ArrayForEach(ver, versions)
    {
        strbuf where = STRBUF_INIT;
        sb_addf(&where, "spec.versions[%d]", i++);
        const char *vname;
        if (need_str(ver, "name", where.buf, &vname, err) < 0) {
            sb_release(&where);
            cJSON_Delete(legacy);
            return -1;
        }
        const cJSON *sv = cJSON_GetObjectItemCaseSensitive(ver, "served");
        if (cJSON_IsFalse(sv)) {
            sb_release(&where);
            continue;
        }
        const cJSON *schema_holder = cJSON_GetObjectItemCaseSensitive(ver, "schema");
        if (!schema_holder)
            schema_holder = top_schema;
        const cJSON *schema = schema_holder
                                  ? cJSON_GetObjectItemCaseSensitive(schema_holder, "openAPIV3Schema")
                                  : NULL;
        if (schema && !cJSON_IsObject(schema)) {
            mtv_err_set(err, MTV_EXIT_USAGE, "%s.schema.openAPIV3Schema: expected an object",
                        where.buf);
            sb_release(&where);
            cJSON_Delete(legacy);
            return -1;
        }
        const cJSON *cols = cJSON_GetObjectItemCaseSensitive(ver, "additionalPrinterColumns");
        cJSON *columns = columns_of(cols ? cols : top_cols, where.buf, err);
        if (!columns) {
            sb_release(&where);
            cJSON_Delete(legacy);
            return -1;
        }
        const cJSON *sub = cJSON_GetObjectItemCaseSensitive(ver, "subresources");
        if (!sub)
            sub = top_sub;
        lab_kind_def def = {.group = group, .version = vname, .kind = kname, .plural = plural};
        def.flags = LAB_KIND_CUSTOM;
        if (!strcmp(scope, "Namespaced"))
            def.flags |= LAB_KIND_NAMESPACED;
        if (sub && cJSON_GetObjectItemCaseSensitive(sub, "status"))
            def.flags |= LAB_KIND_STATUS;
        lab_kind *k = lab_kinds_add(kinds, &def);
        const char *singular = str_at(names, "singular");
        if (singular) {
            free(k->singular);
            k->singular = strdup(singular);
        }
        const char *list_kind = str_at(names, "listKind");
        if (list_kind) {
            free(k->list_kind);
            k->list_kind = strdup(list_kind);
        }
        lab_kind_set_names(k, cJSON_GetObjectItemCaseSensitive(names, "shortNames"),
                           cJSON_GetObjectItemCaseSensitive(names, "categories"));
        lab_kind_set_columns(k, columns);
        k->schema = schema ? cJSON_Duplicate(schema, 1) : NULL;
        free(k->source);
        k->source = strdup(src);
        served++;
        sb_release(&where);
    }
    cJSON_Delete(legacy);
    if (!served)
        return mtv_err_set(err, MTV_EXIT_USAGE, "spec.versions: no version is served");
    return 0;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static int load_file(lab_kinds *kinds, const char *path, cJSON *collected, mtv_err *err)
{
    cJSON *docs;
    if (has_suffix(path, ".json")) {
        json_doc doc;
        if (json_doc_load(&doc, path, JSON_STRICT, err) < 0)
            return -1;
        docs = cJSON_CreateArray();
        cJSON_AddItemToArray(docs, cJSON_Duplicate(doc.root, 1));
        json_doc_free(&doc);
    } else if (yamldoc_load(path, &docs, err) < 0) {
        return -1;
    }
    /* flatten `kind: List` documents */
    cJSON *flat = cJSON_CreateArray();
    const cJSON *d;
    cJSON_ArrayForEach(d, docs)
    {
        const char *kind = str_at(d, "kind");
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(d, "items");
        if (kind && has_suffix(kind, "List") && cJSON_IsArray(items)) {
            const cJSON *it;
            cJSON_ArrayForEach(it, items)
            {
                cJSON_AddItemToArray(flat, cJSON_Duplicate(it, 1));
            }
        } else {
            cJSON_AddItemToArray(flat, cJSON_Duplicate(d, 1));
        }
    }
    cJSON_Delete(docs);
    int n = 0, i = 0;
    cJSON_ArrayForEach(d, flat)
    {
        i++;
        if (lab_crd_add(kinds, d, path, err) < 0) {
            const char *name = cJSON_IsObject(d) ? str_at(cJSON_GetObjectItemCaseSensitive(d, "metadata"), "name") : NULL;
            mtv_err_prefix(err, "%s: document %d%s%s%s", path, i, name ? " (" : "",
                           name ? name : "", name ? ")" : "");
            cJSON_Delete(flat);
            return -1;
        }
        if (collected)
            cJSON_AddItemToArray(collected, cJSON_Duplicate(d, 1));
        n++;
    }
    cJSON_Delete(flat);
    return n;
}

int lab_crd_load_dir(lab_kinds *kinds, const char *dir, cJSON **crds, mtv_err *err)
{
    char **names;
    size_t count;
    if (crds)
        *crds = NULL;
    if (!fs_is_dir(dir))
        return mtv_err_set(err, MTV_EXIT_USAGE, "--crds %s: not a folder", dir);
    if (fs_list_dir(dir, NULL, &names, &count, err) < 0)
        return -1;
    cJSON *collected = crds ? cJSON_CreateArray() : NULL;
    int total = 0;
    strbuf path = STRBUF_INIT;
    for (size_t i = 0; i < count; i++) {
        if (!has_suffix(names[i], ".yaml") && !has_suffix(names[i], ".yml") &&
            !has_suffix(names[i], ".json"))
            continue;
        fs_join(&path, dir, names[i]);
        int n = load_file(kinds, path.buf, collected, err);
        if (n < 0) {
            total = -1;
            break;
        }
        total += n;
    }
    sb_release(&path);
    fs_free_list(names, count);
    if (total == 0)
        total = mtv_err_set(err, MTV_EXIT_USAGE,
                            "--crds %s: no CustomResourceDefinition found in *.yaml, *.yml or "
                            "*.json files", dir);
    if (total < 0) {
        cJSON_Delete(collected);
        return -1;
    }
    if (crds)
        *crds = collected;
    return total;
}
