/*
 * diag: a list of problems found in input files, so a check can report every
 * one of them instead of stopping at the first.
 *
 * Validators append errors and warnings as they go; the caller prints the
 * whole list and decides the exit code from the error count. Each item is
 * one formatted line, "<where>: error: <message>", where <where> is normally
 * file:line:col. Items own their text; the list owns its items.
 */
#ifndef MTV_UTIL_DIAG_H
#define MTV_UTIL_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "util/err.h"
#include "util/json.h"
#include "util/secrets.h"

enum diag_severity { DIAG_ERROR, DIAG_WARNING };

typedef struct diag_item {
    enum diag_severity severity;
    char *text;               /* owned; the whole line without a newline */
} diag_item;

typedef struct diag_list {
    diag_item *items;         /* owned */
    size_t count, cap;
    size_t errors, warnings;
} diag_list;

#define DIAG_LIST_INIT {0}

void diag_init(diag_list *list);
void diag_free(diag_list *list);

/* Appends "<where>: <severity>: <message>"; where may be NULL or "". */
void diag_add(diag_list *list, enum diag_severity sev, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_vadd(diag_list *list, enum diag_severity sev, const char *where, const char *fmt,
               va_list ap);

/* Same, with <where> = the file:line:col of the JSON Pointer in doc. */
void diag_at(diag_list *list, enum diag_severity sev, const json_doc *doc, const char *pointer,
             const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Appends an mtv_err's message as an error (it already names its place). */
void diag_add_err(diag_list *list, const mtv_err *err);

/* Moves every item of src to the end of dst, leaving src empty. */
void diag_take(diag_list *dst, diag_list *src);

/* Writes every item, one per line, masked through reg (may be NULL). */
void diag_print(const diag_list *list, FILE *out, const secret_registry *reg);

/* Fills err (exit class MTV_EXIT_USAGE) with the first error, followed by
 * "(and N more problems)" when there are more. Returns -1 when the list holds
 * errors, 0 otherwise. */
int diag_first_error(const diag_list *list, mtv_err *err);

#endif
