/*
 * expr: pytest's selection expressions, for -m (markers) and -k (keywords).
 *
 *   expr     := and_expr ("or" and_expr)*
 *   and_expr := not_expr ("and" not_expr)*
 *   not_expr := "not" not_expr | "(" expr ")" | identifier
 *
 * Identifiers are runs of letters, digits and _ : + - . [ ] \ / (pytest's
 * set); "and", "or" and "not" are the operators. An empty expression selects
 * everything. What an identifier matches is up to the caller: -m compares
 * marker names exactly, -k looks for case-insensitive substrings of the
 * scenario's names. Errors give the column, as pytest does.
 *
 * Ownership: expr_parse returns a tree the caller frees with expr_free.
 */
#ifndef MTV_RUNNER_EXPR_H
#define MTV_RUNNER_EXPR_H

#include "util/err.h"

typedef struct expr expr;

/* what names the option in messages ("-m"). */
int expr_parse(const char *what, const char *text, expr **out, mtv_err *err);
void expr_free(expr *e);

/* Calls match(ident, ctx) for identifiers as needed; returns 1 or 0. */
typedef int (*expr_match_fn)(const char *ident, void *ctx);
int expr_eval(const expr *e, expr_match_fn match, void *ctx);

/* Calls fn for every identifier in the expression (to warn about unknown
 * markers). */
void expr_each_ident(const expr *e, void (*fn)(const char *ident, void *ctx), void *ctx);

#endif
