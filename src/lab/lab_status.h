/*
 * lab_status: error answers shaped exactly as the Kubernetes API server
 * shapes them, plus the field-error list that 422 Invalid is built from.
 *
 * Every lab failure is a `Status` object (kind Status, apiVersion v1,
 * status Failure, message, reason, code, details). kubectl prints the
 * message, and for 422 builds its text from details.causes, so messages use
 * the API server's own wording ("plans.forklift.konveyor.io \"p1\" not
 * found", "Invalid value: ...", "Required value"). All constructors return a
 * new cJSON tree owned by the caller.
 */
#ifndef MTV_LAB_STATUS_H
#define MTV_LAB_STATUS_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "util/strbuf.h"

/* A bare Status: code, reason and message (details omitted when NULL). */
cJSON *lab_status_new(int code, const char *reason, const char *message, cJSON *details);
cJSON *lab_status_success(void);

/* "<resource>[.<group>] \"<name>\" not found" and friends. resource is the
 * plural ("plans"); group may be "" for the core group. */
cJSON *lab_status_not_found(const char *group, const char *resource, const char *name);
cJSON *lab_status_already_exists(const char *group, const char *resource, const char *name);
cJSON *lab_status_conflict(const char *group, const char *resource, const char *name,
                           const char *why);
cJSON *lab_status_bad_request(const char *message);
cJSON *lab_status_forbidden(const char *group, const char *resource, const char *name,
                            const char *why);
cJSON *lab_status_gone(const char *message);   /* 410 Expired */
cJSON *lab_status_method_not_allowed(void);
cJSON *lab_status_unsupported_media(const char *message);
cJSON *lab_status_not_acceptable(const char *message);
cJSON *lab_status_unauthorized(void);
cJSON *lab_status_internal(const char *message);
cJSON *lab_status_too_large(void);

/* Field errors, collected then turned into one 422 Invalid. The reason is a
 * CauseType ("FieldValueRequired", "FieldValueInvalid", ...); body is the
 * text after "<field>: " as apimachinery's ErrorBody renders it. */
typedef struct lab_field_err {
    char *field;
    char *reason;
    char *body;
} lab_field_err;

typedef struct lab_errlist {
    lab_field_err *items;
    size_t count, cap;
} lab_errlist;

void lab_errlist_add(lab_errlist *l, const char *field, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void lab_errlist_free(lab_errlist *l);

/* Appends a Go %q rendering of s (what BadValue strings look like). */
void lab_quote(strbuf *out, const char *s);

/* The 422: message "<Kind>[.<group>] \"<name>\" is invalid: <errors>" (one
 * error bare, several in brackets), details {name, group, kind, causes}. */
cJSON *lab_status_invalid(const char *group, const char *kind, const char *name,
                          const lab_errlist *errs);

#endif
