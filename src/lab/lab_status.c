/* lab_status: see lab_status.h. */
#include "lab/lab_status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cJSON *lab_status_new(int code, const char *reason, const char *message, cJSON *details)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "kind", "Status");
    cJSON_AddStringToObject(s, "apiVersion", "v1");
    cJSON_AddItemToObject(s, "metadata", cJSON_CreateObject());
    cJSON_AddStringToObject(s, "status", code < 400 ? "Success" : "Failure");
    if (message)
        cJSON_AddStringToObject(s, "message", message);
    if (reason)
        cJSON_AddStringToObject(s, "reason", reason);
    cJSON_AddItemToObject(s, "details", details ? details : cJSON_CreateObject());
    cJSON_AddNumberToObject(s, "code", code);
    return s;
}

cJSON *lab_status_success(void)
{
    return lab_status_new(200, NULL, NULL, NULL);
}

static void qualified(strbuf *sb, const char *a, const char *group)
{
    sb_adds(sb, a);
    if (group && *group)
        sb_addf(sb, ".%s", group);
}

static cJSON *details(const char *group, const char *kind, const char *name)
{
    cJSON *d = cJSON_CreateObject();
    if (name)
        cJSON_AddStringToObject(d, "name", name);
    if (group && *group)
        cJSON_AddStringToObject(d, "group", group);
    if (kind)
        cJSON_AddStringToObject(d, "kind", kind);
    return d;
}

static cJSON *named_status(int code, const char *reason, const char *group, const char *resource,
                           const char *name, const char *suffix)
{
    strbuf m = STRBUF_INIT;
    qualified(&m, resource, group);
    sb_addf(&m, " \"%s\" %s", name, suffix);
    cJSON *s = lab_status_new(code, reason, m.buf, details(group, resource, name));
    sb_release(&m);
    return s;
}

cJSON *lab_status_not_found(const char *group, const char *resource, const char *name)
{
    return named_status(404, "NotFound", group, resource, name, "not found");
}

cJSON *lab_status_already_exists(const char *group, const char *resource, const char *name)
{
    return named_status(409, "AlreadyExists", group, resource, name, "already exists");
}

cJSON *lab_status_conflict(const char *group, const char *resource, const char *name,
                           const char *why)
{
    strbuf m = STRBUF_INIT;
    sb_adds(&m, "Operation cannot be fulfilled on ");
    qualified(&m, resource, group);
    sb_addf(&m, " \"%s\": %s", name, why);
    cJSON *s = lab_status_new(409, "Conflict", m.buf, details(group, resource, name));
    sb_release(&m);
    return s;
}

cJSON *lab_status_forbidden(const char *group, const char *resource, const char *name,
                            const char *why)
{
    strbuf m = STRBUF_INIT;
    qualified(&m, resource, group);
    sb_addf(&m, " \"%s\" is forbidden: %s", name, why);
    cJSON *s = lab_status_new(403, "Forbidden", m.buf, details(group, resource, name));
    sb_release(&m);
    return s;
}

cJSON *lab_status_bad_request(const char *message)
{
    return lab_status_new(400, "BadRequest", message, NULL);
}

cJSON *lab_status_gone(const char *message)
{
    return lab_status_new(410, "Expired", message, NULL);
}

cJSON *lab_status_method_not_allowed(void)
{
    return lab_status_new(405, "MethodNotAllowed",
                          "the server does not allow this method on the requested resource", NULL);
}

cJSON *lab_status_unsupported_media(const char *message)
{
    return lab_status_new(415, "UnsupportedMediaType", message, NULL);
}

cJSON *lab_status_not_acceptable(const char *message)
{
    return lab_status_new(406, "NotAcceptable", message, NULL);
}

cJSON *lab_status_unauthorized(void)
{
    return lab_status_new(401, "Unauthorized", "Unauthorized", NULL);
}

cJSON *lab_status_internal(const char *message)
{
    return lab_status_new(500, "InternalError", message, NULL);
}

cJSON *lab_status_too_large(void)
{
    return lab_status_new(413, "RequestEntityTooLarge", "the request body is too large", NULL);
}

void lab_errlist_add(lab_errlist *l, const char *field, const char *reason, const char *fmt, ...)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = realloc(l->items, l->cap * sizeof *l->items);
        if (!l->items)
            abort();
    }
    strbuf body = STRBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(&body, fmt, ap);
    va_end(ap);
    lab_field_err *e = &l->items[l->count++];
    e->field = strdup(field);
    e->reason = strdup(reason);
    e->body = sb_detach(&body, NULL);
    if (!e->body)
        e->body = strdup("");
}

void lab_errlist_free(lab_errlist *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->items[i].field);
        free(l->items[i].reason);
        free(l->items[i].body);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

void lab_quote(strbuf *out, const char *s)
{
    sb_addc(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': sb_adds(out, "\\\""); break;
        case '\\': sb_adds(out, "\\\\"); break;
        case '\n': sb_adds(out, "\\n"); break;
        case '\t': sb_adds(out, "\\t"); break;
        case '\r': sb_adds(out, "\\r"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                sb_addf(out, "\\x%02x", *p);
            else
                sb_addc(out, (char)*p);
        }
    }
    sb_addc(out, '"');
}

cJSON *lab_status_invalid(const char *group, const char *kind, const char *name,
                          const lab_errlist *errs)
{
    strbuf m = STRBUF_INIT;
    qualified(&m, kind, group);
    sb_addf(&m, " \"%s\" is invalid: ", name ? name : "");
    if (errs->count > 1)
        sb_addc(&m, '[');
    cJSON *causes = cJSON_CreateArray();
    for (size_t i = 0; i < errs->count; i++) {
        const lab_field_err *e = &errs->items[i];
        sb_addf(&m, "%s%s: %s", i ? ", " : "", e->field, e->body);
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "reason", e->reason);
        cJSON_AddStringToObject(c, "message", e->body);
        cJSON_AddStringToObject(c, "field", e->field);
        cJSON_AddItemToArray(causes, c);
    }
    if (errs->count > 1)
        sb_addc(&m, ']');
    cJSON *d = details(group, kind, name);
    cJSON_AddItemToObject(d, "causes", causes);
    cJSON *s = lab_status_new(422, "Invalid", m.buf, d);
    sb_release(&m);
    return s;
}
