/*
 * lab_select: label and field selectors with the API server's grammar.
 *
 * Label selectors: comma-separated requirements, each "k=v", "k==v", "k!=v",
 * "k in (a,b)", "k notin (a)", "k" (exists), "!k" (does not exist), "k>3",
 * "k<3". Field selectors: "path=v", "path==v", "path!=v", comma-separated,
 * with backslash escapes. A selector is an AND of its requirements; an empty
 * one matches everything. Parse errors come back as the message a 400
 * BadRequest should carry. Selectors own their strings (lab_selector_free).
 */
#ifndef MTV_LAB_SELECT_H
#define MTV_LAB_SELECT_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "util/strbuf.h"

enum lab_sel_op { SEL_EQ, SEL_NE, SEL_IN, SEL_NOTIN, SEL_EXISTS, SEL_NOT_EXISTS, SEL_GT, SEL_LT };

typedef struct lab_sel_req {
    char *key;
    enum lab_sel_op op;
    char **values;
    size_t nvalues;
} lab_sel_req;

typedef struct lab_selector {
    lab_sel_req *reqs;
    size_t count;
} lab_selector;

/* Both return 0, or -1 with a message appended to err. s may be NULL. */
int lab_labelsel_parse(const char *s, lab_selector *out, strbuf *err);
int lab_fieldsel_parse(const char *s, lab_selector *out, strbuf *err);
void lab_selector_free(lab_selector *sel);

/* labels: the object's metadata.labels (may be NULL). */
int lab_labelsel_match(const lab_selector *sel, const cJSON *labels);

/* get returns the field's value as the API server stringifies it, or NULL
 * when absent (compared as ""). */
typedef const char *(*lab_field_getter)(void *ctx, const char *path, strbuf *scratch);
int lab_fieldsel_match(const lab_selector *sel, lab_field_getter get, void *ctx);

/* The value at a dotted path ("spec.nodeName") of obj, stringified as field
 * selectors see it (strings as is, booleans "true"/"false", numbers in
 * shortest form), into scratch; NULL when absent or not a scalar. */
const char *lab_field_value(const cJSON *obj, const char *path, strbuf *scratch);

#endif
