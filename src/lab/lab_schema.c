/* lab_schema: see lab_schema.h. Schemas are walked as the cJSON the CRD was
 * loaded into; nothing is compiled, which keeps a CRD's schema and the one
 * served in /openapi/v3 the same object. Regular expressions are compiled
 * per use: patterns are rare and objects small. */
#include "lab/lab_schema.h"

#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_meta.h"

void lab_strlist_add(lab_strlist *l, const char *s)
{
    l->items = realloc(l->items, (l->count + 1) * sizeof *l->items);
    if (!l->items)
        abort();
    l->items[l->count++] = strdup(s);
}

void lab_strlist_free(lab_strlist *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

static const cJSON *get(const cJSON *schema, const char *key)
{
    return schema ? cJSON_GetObjectItemCaseSensitive(schema, key) : NULL;
}

static int flag(const cJSON *schema, const char *key)
{
    return cJSON_IsTrue(get(schema, key));
}

static const char *type_of_schema(const cJSON *schema)
{
    const cJSON *t = get(schema, "type");
    return cJSON_IsString(t) ? t->valuestring : NULL;
}

static void path_child(strbuf *path, size_t base, const char *key)
{
    sb_setlen(path, base);
    if (base)
        sb_addc(path, '.');
    sb_adds(path, key);
}

static void path_index(strbuf *path, size_t base, int i)
{
    sb_setlen(path, base);
    sb_addf(path, "[%d]", i);
}

/* ---- pruning ---- */

static void prune_node(const cJSON *schema, cJSON *value, strbuf *path, lab_strlist *unknown);

static void prune_object(const cJSON *schema, cJSON *obj, strbuf *path, lab_strlist *unknown)
{
    const cJSON *props = get(schema, "properties");
    const cJSON *addl = get(schema, "additionalProperties");
    int preserve = flag(schema, "x-kubernetes-preserve-unknown-fields");
    int embedded = flag(schema, "x-kubernetes-embedded-resource");
    size_t base = path->len;
    cJSON *c = obj->child;
    while (c) {
        cJSON *next = c->next;
        const cJSON *sub = props ? cJSON_GetObjectItemCaseSensitive(props, c->string) : NULL;
        if (!sub && cJSON_IsObject(addl))
            sub = addl;
        path_child(path, base, c->string);
        if (sub) {
            if (cJSON_IsNull(c) && !flag(sub, "nullable") && !get(sub, "default") &&
                !flag(sub, "x-kubernetes-preserve-unknown-fields")) {
                cJSON_Delete(cJSON_DetachItemViaPointer(obj, c));
            } else {
                prune_node(sub, c, path, unknown);
            }
        } else if (embedded && (!strcmp(c->string, "apiVersion") || !strcmp(c->string, "kind") ||
                                !strcmp(c->string, "metadata"))) {
            /* embedded resources keep their type and object metadata */
        } else if (!preserve && !cJSON_IsTrue(addl) && (props || cJSON_IsFalse(addl) || !addl)) {
            if (unknown)
                lab_strlist_add(unknown, sb_str(path));
            cJSON_Delete(cJSON_DetachItemViaPointer(obj, c));
        }
        c = next;
    }
    sb_setlen(path, base);
}

static void prune_node(const cJSON *schema, cJSON *value, strbuf *path, lab_strlist *unknown)
{
    if (flag(schema, "x-kubernetes-int-or-string"))
        return;
    if (cJSON_IsObject(value)) {
        const char *t = type_of_schema(schema);
        if (!t || !strcmp(t, "object"))
            prune_object(schema, value, path, unknown);
    } else if (cJSON_IsArray(value)) {
        const cJSON *items = get(schema, "items");
        if (!cJSON_IsObject(items))
            return;
        size_t base = path->len;
        int i = 0;
        for (cJSON *c = value->child; c; c = c->next, i++) {
            path_index(path, base, i);
            prune_node(items, c, path, unknown);
        }
        sb_setlen(path, base);
    }
}

void lab_schema_prune(const cJSON *schema, cJSON *obj, lab_strlist *unknown)
{
    if (!schema || !cJSON_IsObject(obj))
        return;
    strbuf path = STRBUF_INIT;
    const cJSON *props = get(schema, "properties");
    int preserve = flag(schema, "x-kubernetes-preserve-unknown-fields");
    cJSON *c = obj->child;
    while (c) {
        cJSON *next = c->next;
        if (strcmp(c->string, "apiVersion") && strcmp(c->string, "kind") &&
            strcmp(c->string, "metadata")) {
            const cJSON *sub = props ? cJSON_GetObjectItemCaseSensitive(props, c->string) : NULL;
            sb_reset(&path);
            sb_adds(&path, c->string);
            if (sub) {
                if (cJSON_IsNull(c) && !flag(sub, "nullable") && !get(sub, "default"))
                    cJSON_Delete(cJSON_DetachItemViaPointer(obj, c));
                else
                    prune_node(sub, c, &path, unknown);
            } else if (!preserve) {
                if (unknown)
                    lab_strlist_add(unknown, c->string);
                cJSON_Delete(cJSON_DetachItemViaPointer(obj, c));
            }
        }
        c = next;
    }
    sb_release(&path);
}

/* ---- defaulting ---- */

static void default_node(const cJSON *schema, cJSON *value);

static void default_object(const cJSON *schema, cJSON *obj)
{
    const cJSON *props = get(schema, "properties");
    for (const cJSON *p = props ? props->child : NULL; p; p = p->next) {
        const cJSON *def = get(p, "default");
        cJSON *cur = cJSON_GetObjectItemCaseSensitive(obj, p->string);
        if (def && (!cur || (cJSON_IsNull(cur) && !flag(p, "nullable")))) {
            if (cur)
                cJSON_DeleteItemFromObjectCaseSensitive(obj, p->string);
            cJSON_AddItemToObject(obj, p->string, cJSON_Duplicate(def, 1));
        }
    }
    const cJSON *addl = get(schema, "additionalProperties");
    for (cJSON *c = obj->child; c; c = c->next) {
        const cJSON *sub = props ? cJSON_GetObjectItemCaseSensitive(props, c->string) : NULL;
        if (!sub && cJSON_IsObject(addl))
            sub = addl;
        if (sub)
            default_node(sub, c);
    }
}

static void default_node(const cJSON *schema, cJSON *value)
{
    if (cJSON_IsObject(value)) {
        default_object(schema, value);
    } else if (cJSON_IsArray(value)) {
        const cJSON *items = get(schema, "items");
        if (cJSON_IsObject(items))
            for (cJSON *c = value->child; c; c = c->next)
                default_node(items, c);
    }
}

void lab_schema_default(const cJSON *schema, cJSON *obj)
{
    if (!schema || !cJSON_IsObject(obj))
        return;
    const cJSON *props = get(schema, "properties");
    for (const cJSON *p = props ? props->child : NULL; p; p = p->next) {
        if (!strcmp(p->string, "metadata") || !strcmp(p->string, "apiVersion") ||
            !strcmp(p->string, "kind"))
            continue;
        const cJSON *def = get(p, "default");
        cJSON *cur = cJSON_GetObjectItemCaseSensitive(obj, p->string);
        if (def && !cur)
            cJSON_AddItemToObject(obj, p->string, (cur = cJSON_Duplicate(def, 1)));
        if (cur)
            default_node(p, cur);
    }
}

/* ---- validation ---- */

static const char *value_type(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "array";
    if (cJSON_IsObject(v))
        return "object";
    if (cJSON_IsNumber(v))
        return v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 9.3e18
                   ? "integer" : "number";
    return "null";
}

/* Go's %v for a float64 or int64 BadValue. */
static void add_number(strbuf *out, double d)
{
    if (d == floor(d) && fabs(d) < 1e15)
        sb_addf(out, "%lld", (long long)d);
    else
        sb_addf(out, "%g", d);
}

/* apimachinery's rendering of a BadValue. */
static void bad_value(strbuf *out, const cJSON *v)
{
    if (cJSON_IsString(v)) {
        lab_quote(out, v->valuestring);
    } else if (cJSON_IsBool(v)) {
        sb_adds(out, cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsNumber(v)) {
        add_number(out, v->valuedouble);
    } else {
        char *s = cJSON_PrintUnformatted(v);
        sb_adds(out, s ? s : "null");
        free(s);
    }
}

static int type_ok(const char *want, const cJSON *v)
{
    const char *have = value_type(v);
    if (!strcmp(want, have))
        return 1;
    return !strcmp(want, "number") && !strcmp(have, "integer");
}

static void validate_node(const cJSON *schema, const cJSON *v, strbuf *path, lab_errlist *errs);

static int quiet_valid(const cJSON *schema, const cJSON *v, const char *path)
{
    lab_errlist tmp = {0};
    lab_schema_validate_at(schema, v, path, &tmp);
    int ok = tmp.count == 0;
    lab_errlist_free(&tmp);
    return ok;
}

/* ECMA-262 shorthands POSIX ERE lacks, outside bracket expressions. */
static void ecma_to_posix(const char *re, strbuf *out)
{
    int in_bracket = 0;
    for (const char *p = re; *p; p++) {
        if (*p == '\\' && p[1]) {
            const char *rep = NULL;
            if (p[1] == 'd')
                rep = in_bracket ? "0-9" : "[0-9]";
            else if (p[1] == 'w')
                rep = in_bracket ? "A-Za-z0-9_" : "[A-Za-z0-9_]";
            else if (p[1] == 's')
                rep = in_bracket ? "[:space:]" : "[[:space:]]";
            if (rep) {
                sb_adds(out, rep);
                p++;
                continue;
            }
            sb_addc(out, *p++);
            sb_addc(out, *p);
            continue;
        }
        if (*p == '[')
            in_bracket = 1;
        else if (*p == ']')
            in_bracket = 0;
        sb_addc(out, *p);
    }
}

static void check_string(const cJSON *schema, const cJSON *v, const char *p, lab_errlist *errs)
{
    const char *s = v->valuestring;
    size_t len = strlen(s);
    strbuf bv = STRBUF_INIT;
    bad_value(&bv, v);
    const cJSON *n;
    if (cJSON_IsNumber(n = get(schema, "maxLength")) && len > (size_t)n->valuedouble)
        lab_errlist_add(errs, p, "FieldValueTooLong", "Too long: may not be more than %lld bytes",
                        (long long)n->valuedouble);
    if (cJSON_IsNumber(n = get(schema, "minLength")) && len < (size_t)n->valuedouble)
        lab_errlist_add(errs, p, "FieldValueInvalid",
                        "Invalid value: %s: %s in body should be at least %lld chars long",
                        bv.buf, p, (long long)n->valuedouble);
    const cJSON *pat = get(schema, "pattern");
    if (cJSON_IsString(pat)) {
        strbuf posix = STRBUF_INIT;
        ecma_to_posix(pat->valuestring, &posix);
        regex_t re;
        if (regcomp(&re, sb_str(&posix), REG_EXTENDED | REG_NOSUB) == 0) {
            if (regexec(&re, s, 0, NULL, 0) != 0)
                lab_errlist_add(errs, p, "FieldValueInvalid",
                                "Invalid value: %s: %s in body should match '%s'", bv.buf, p,
                                pat->valuestring);
            regfree(&re);
        }
        sb_release(&posix);
    }
    const cJSON *fmt = get(schema, "format");
    time_t t;
    if (cJSON_IsString(fmt) && !strcmp(fmt->valuestring, "date-time") &&
        lab_time_parse(s, &t) < 0)
        lab_errlist_add(errs, p, "FieldValueInvalid",
                        "Invalid value: %s: %s in body must be of type date-time: %s", bv.buf, p,
                        bv.buf);
    sb_release(&bv);
}

static void check_number(const cJSON *schema, const cJSON *v, const char *p, lab_errlist *errs)
{
    double d = v->valuedouble;
    strbuf bv = STRBUF_INIT, lim = STRBUF_INIT;
    bad_value(&bv, v);
    const cJSON *n;
    if (cJSON_IsNumber(n = get(schema, "maximum"))) {
        int excl = flag(schema, "exclusiveMaximum");
        if (excl ? d >= n->valuedouble : d > n->valuedouble) {
            add_number(&lim, n->valuedouble);
            lab_errlist_add(errs, p, "FieldValueInvalid",
                            "Invalid value: %s: %s in body should be less than %s%s", bv.buf, p,
                            excl ? "" : "or equal to ", lim.buf);
        }
    }
    sb_reset(&lim);
    if (cJSON_IsNumber(n = get(schema, "minimum"))) {
        int excl = flag(schema, "exclusiveMinimum");
        if (excl ? d <= n->valuedouble : d < n->valuedouble) {
            add_number(&lim, n->valuedouble);
            lab_errlist_add(errs, p, "FieldValueInvalid",
                            "Invalid value: %s: %s in body should be greater than %s%s", bv.buf, p,
                            excl ? "" : "or equal to ", lim.buf);
        }
    }
    sb_reset(&lim);
    if (cJSON_IsNumber(n = get(schema, "multipleOf")) && n->valuedouble > 0) {
        double q = d / n->valuedouble;
        if (fabs(q - round(q)) > 1e-9) {
            add_number(&lim, n->valuedouble);
            lab_errlist_add(errs, p, "FieldValueInvalid",
                            "Invalid value: %s: %s in body should be a multiple of %s", bv.buf, p,
                            lim.buf);
        }
    }
    sb_release(&bv);
    sb_release(&lim);
}

static void check_enum(const cJSON *schema, const cJSON *v, const char *p, lab_errlist *errs)
{
    const cJSON *en = get(schema, "enum");
    if (!cJSON_IsArray(en))
        return;
    const cJSON *e;
    cJSON_ArrayForEach(e, en)
    {
        if (lab_json_equal(e, v))
            return;
    }
    strbuf bv = STRBUF_INIT, list = STRBUF_INIT;
    bad_value(&bv, v);
    cJSON_ArrayForEach(e, en)
    {
        if (list.len)
            sb_adds(&list, ", ");
        if (cJSON_IsString(e)) {
            lab_quote(&list, e->valuestring);
        } else {
            char *s = cJSON_PrintUnformatted(e);
            lab_quote(&list, s ? s : "null");
            free(s);
        }
    }
    lab_errlist_add(errs, p, "FieldValueNotSupported", "Unsupported value: %s: supported values: %s",
                    bv.buf, list.buf);
    sb_release(&bv);
    sb_release(&list);
}

static void check_compositions(const cJSON *schema, const cJSON *v, const char *p,
                               lab_errlist *errs)
{
    const cJSON *all = get(schema, "allOf"), *any = get(schema, "anyOf"), *one = get(schema, "oneOf");
    const cJSON *s;
    if (cJSON_IsArray(all)) {
        cJSON_ArrayForEach(s, all)
        {
            lab_schema_validate_at(s, v, p, errs);
        }
    }
    if (cJSON_IsArray(any) && !flag(schema, "x-kubernetes-int-or-string")) {
        int ok = 0;
        cJSON_ArrayForEach(s, any)
        {
            ok |= quiet_valid(s, v, p);
        }
        if (!ok)
            lab_errlist_add(errs, p, "FieldValueInvalid",
                            "Invalid value: \"\": \"%s\" must validate at least one schema (anyOf)",
                            p);
    }
    if (cJSON_IsArray(one)) {
        int n = 0;
        cJSON_ArrayForEach(s, one)
        {
            n += quiet_valid(s, v, p);
        }
        if (n != 1)
            lab_errlist_add(errs, p, "FieldValueInvalid",
                            "Invalid value: \"\": \"%s\" must validate one and only one schema "
                            "(oneOf)", p);
    }
}

static void validate_node(const cJSON *schema, const cJSON *v, strbuf *path, lab_errlist *errs)
{
    if (!cJSON_IsObject(schema))
        return;
    const char *p = sb_str(path);
    const char *want = type_of_schema(schema);
    int int_or_string = flag(schema, "x-kubernetes-int-or-string");
    int typed_ok = 1;
    if (cJSON_IsNull(v) && (flag(schema, "nullable") ||
                            (!want && !int_or_string) ||
                            flag(schema, "x-kubernetes-preserve-unknown-fields")))
        return;
    if (int_or_string) {
        const char *have = value_type(v);
        if (strcmp(have, "integer") && strcmp(have, "string")) {
            lab_errlist_add(errs, p, "FieldValueTypeInvalid",
                            "Invalid value: \"%s\": %s in body must be of type integer,string: "
                            "\"%s\"", have, p, have);
            typed_ok = 0;
        }
    } else if (want && !type_ok(want, v)) {
        const char *have = value_type(v);
        lab_errlist_add(errs, p, "FieldValueTypeInvalid",
                        "Invalid value: \"%s\": %s in body must be of type %s: \"%s\"", have, p,
                        want, have);
        typed_ok = 0;
    }
    check_enum(schema, v, p, errs);
    if (!typed_ok)
        return;
    check_compositions(schema, v, p, errs);
    size_t base = path->len;
    if (cJSON_IsString(v)) {
        check_string(schema, v, p, errs);
    } else if (cJSON_IsNumber(v)) {
        check_number(schema, v, p, errs);
    } else if (cJSON_IsArray(v)) {
        int n = cJSON_GetArraySize(v);
        const cJSON *lim;
        if (cJSON_IsNumber(lim = get(schema, "maxItems")) && n > lim->valuedouble)
            lab_errlist_add(errs, p, "FieldValueTooMany", "Too many: %d: must have at most %lld %s",
                            n, (long long)lim->valuedouble, lim->valuedouble == 1 ? "item" : "items");
        if (cJSON_IsNumber(lim = get(schema, "minItems")) && n < lim->valuedouble)
            lab_errlist_add(errs, p, "FieldValueInvalid",
                            "Invalid value: %d: %s in body should have at least %lld items", n, p,
                            (long long)lim->valuedouble);
        const cJSON *items = get(schema, "items");
        int i = 0;
        for (const cJSON *c = v->child; c; c = c->next, i++) {
            path_index(path, base, i);
            validate_node(items, c, path, errs);
        }
    } else if (cJSON_IsObject(v)) {
        int n = cJSON_GetArraySize(v);
        const cJSON *lim;
        if (cJSON_IsNumber(lim = get(schema, "maxProperties")) && n > lim->valuedouble)
            lab_errlist_add(errs, p, "FieldValueTooMany", "Too many: %d: must have at most %lld %s",
                            n, (long long)lim->valuedouble, lim->valuedouble == 1 ? "item" : "items");
        if (cJSON_IsNumber(lim = get(schema, "minProperties")) && n < lim->valuedouble)
            lab_errlist_add(errs, p, "FieldValueInvalid",
                            "Invalid value: %d: %s in body should have at least %lld properties", n,
                            p, (long long)lim->valuedouble);
        const cJSON *req = get(schema, "required"), *r;
        cJSON_ArrayForEach(r, req)
        {
            if (cJSON_IsString(r) && !cJSON_GetObjectItemCaseSensitive(v, r->valuestring)) {
                path_child(path, base, r->valuestring);
                lab_errlist_add(errs, sb_str(path), "FieldValueRequired", "Required value");
            }
        }
        const cJSON *props = get(schema, "properties");
        const cJSON *addl = get(schema, "additionalProperties");
        for (const cJSON *c = v->child; c; c = c->next) {
            const cJSON *sub = props ? cJSON_GetObjectItemCaseSensitive(props, c->string) : NULL;
            if (!sub && cJSON_IsObject(addl))
                sub = addl;
            if (!sub)
                continue;
            path_child(path, base, c->string);
            validate_node(sub, c, path, errs);
        }
    }
    sb_setlen(path, base);
}

void lab_schema_validate_at(const cJSON *schema, const cJSON *value, const char *path,
                            lab_errlist *errs)
{
    strbuf p = STRBUF_INIT;
    sb_adds(&p, path);
    validate_node(schema, value, &p, errs);
    sb_release(&p);
}

void lab_schema_validate(const cJSON *schema, const cJSON *obj, lab_errlist *errs)
{
    if (!schema || !cJSON_IsObject(obj))
        return;
    const cJSON *props = get(schema, "properties");
    strbuf path = STRBUF_INIT;
    const cJSON *req = get(schema, "required"), *r;
    cJSON_ArrayForEach(r, req)
    {
        if (cJSON_IsString(r) && strcmp(r->valuestring, "metadata") &&
            !cJSON_GetObjectItemCaseSensitive(obj, r->valuestring))
            lab_errlist_add(errs, r->valuestring, "FieldValueRequired", "Required value");
    }
    for (const cJSON *c = obj->child; c; c = c->next) {
        if (!strcmp(c->string, "metadata") || !strcmp(c->string, "apiVersion") ||
            !strcmp(c->string, "kind"))
            continue;
        const cJSON *sub = props ? cJSON_GetObjectItemCaseSensitive(props, c->string) : NULL;
        if (!sub)
            continue;
        sb_reset(&path);
        sb_adds(&path, c->string);
        validate_node(sub, c, &path, errs);
    }
    sb_release(&path);
}
