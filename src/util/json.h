/*
 * json: parsing JSON files into cJSON with errors a user can act on.
 *
 * A json_doc keeps the text next to the tree so that later validation can
 * point at the line and column of any key (json_doc_locate with a JSON
 * Pointer, RFC 6901). Syntax errors come out as
 *
 *   .providers.json:7:5: expected ',' or '}' after an object member
 *       "password": "x"
 *       ^
 *
 * Files meant to be edited by hand may carry whole-line '#' comments (the
 * upstream example providers file does); those lines are blanked before
 * parsing, which keeps every line and column number true.
 */
#ifndef MTV_UTIL_JSON_H
#define MTV_UTIL_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "util/err.h"
#include "util/strbuf.h"

typedef struct json_doc {
    cJSON *root;        /* owned */
    char *text;         /* owned; comments blanked */
    size_t len;
    char *name;         /* owned; file name used in messages */
} json_doc;

enum { JSON_STRICT = 0, JSON_HASH_COMMENTS = 1 };

/* Parses text (copied). name is used in messages. Empty input is an error of
 * its own ("<name> is empty"). Returns 0 and fills doc, or -1 with err. */
int json_doc_parse(json_doc *doc, const char *name, const char *text, size_t n, int flags,
                   mtv_err *err);
int json_doc_load(json_doc *doc, const char *path, int flags, mtv_err *err);
void json_doc_free(json_doc *doc);

/* Line and column (1-based) of the member named by pointer ("/a/0/b"): the
 * key's opening quote for object members, the value for array elements.
 * Falls back to the nearest existing ancestor. Returns 0 when found exactly. */
int json_doc_locate(const json_doc *doc, const char *pointer, int *line, int *col);

/* "<name>:<line>:<col>" for pointer, into out (replacing its contents). */
void json_doc_where(const json_doc *doc, const char *pointer, strbuf *out);

/* Appends an RFC 6901 reference token (escaping ~ and /). */
void json_pointer_append(strbuf *ptr, const char *token);
void json_pointer_append_index(strbuf *ptr, size_t index);

/* Human name of a cJSON value's type: "string", "number", "boolean",
 * "object", "array", "null". */
const char *json_type_name(const cJSON *item);

/* Serialises item compactly (print_sorted=1 sorts object keys recursively,
 * giving a canonical form). Appends to out. */
void json_print(strbuf *out, const cJSON *item, int sorted);

#endif
