/* expr: a recursive-descent parser for pytest's -m / -k grammar (see expr.h). */
#include "runner/expr.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum node_kind { N_ALL, N_IDENT, N_NOT, N_AND, N_OR };

struct expr {
    enum node_kind kind;
    char *ident;
    expr *a, *b;
};

enum tok_kind { T_END, T_LPAREN, T_RPAREN, T_AND, T_OR, T_NOT, T_IDENT };

typedef struct lexer {
    const char *what, *s;
    size_t pos;          /* start of the current token */
    size_t next;         /* after it */
    enum tok_kind kind;
    mtv_err *err;
    int depth;
} lexer;

static int ident_char(char c)
{
    return isalnum((unsigned char)c) || strchr("_:+-.[]\\/", c) != NULL;
}

static int lex(lexer *l)
{
    size_t i = l->next;
    while (l->s[i] == ' ' || l->s[i] == '\t')
        i++;
    l->pos = i;
    char c = l->s[i];
    if (!c) {
        l->kind = T_END;
        l->next = i;
        return 0;
    }
    if (c == '(' || c == ')') {
        l->kind = c == '(' ? T_LPAREN : T_RPAREN;
        l->next = i + 1;
        return 0;
    }
    if (!ident_char(c) || (unsigned char)c >= 0x80)
        return mtv_err_set(l->err, MTV_EXIT_USAGE, "%s \"%s\": at column %zu: unexpected character '%c'",
                           l->what, l->s, i + 1, c);
    size_t j = i;
    while (l->s[j] && ident_char(l->s[j]))
        j++;
    size_t n = j - i;
    l->kind = T_IDENT;
    if (n == 3 && !strncmp(l->s + i, "and", 3))
        l->kind = T_AND;
    else if (n == 2 && !strncmp(l->s + i, "or", 2))
        l->kind = T_OR;
    else if (n == 3 && !strncmp(l->s + i, "not", 3))
        l->kind = T_NOT;
    l->next = j;
    return 0;
}

static const char *tok_name(const lexer *l)
{
    switch (l->kind) {
    case T_END: return "end of input";
    case T_LPAREN: return "'('";
    case T_RPAREN: return "')'";
    case T_AND: return "'and'";
    case T_OR: return "'or'";
    case T_NOT: return "'not'";
    default: return "an identifier";
    }
}

static expr *node(enum node_kind k, expr *a, expr *b)
{
    expr *e = calloc(1, sizeof *e);
    if (!e)
        abort();
    e->kind = k;
    e->a = a;
    e->b = b;
    return e;
}

static int fail_expected(lexer *l, const char *expected)
{
    return mtv_err_set(l->err, MTV_EXIT_USAGE, "%s \"%s\": at column %zu: expected %s; got %s",
                       l->what, l->s, l->pos + 1, expected, tok_name(l));
}

static expr *parse_or(lexer *l);

static expr *parse_not(lexer *l)
{
    if (l->kind == T_NOT) {
        if (lex(l) < 0)
            return NULL;
        expr *inner = parse_not(l);
        return inner ? node(N_NOT, inner, NULL) : NULL;
    }
    if (l->kind == T_LPAREN) {
        if (++l->depth > 200) {
            mtv_err_set(l->err, MTV_EXIT_USAGE, "%s: parentheses nested too deeply", l->what);
            return NULL;
        }
        if (lex(l) < 0)
            return NULL;
        expr *inner = parse_or(l);
        if (!inner)
            return NULL;
        if (l->kind != T_RPAREN) {
            fail_expected(l, "')' or an operator");
            expr_free(inner);
            return NULL;
        }
        l->depth--;
        if (lex(l) < 0) {
            expr_free(inner);
            return NULL;
        }
        return inner;
    }
    if (l->kind == T_IDENT) {
        expr *e = node(N_IDENT, NULL, NULL);
        e->ident = strndup(l->s + l->pos, l->next - l->pos);
        if (!e->ident)
            abort();
        if (lex(l) < 0) {
            expr_free(e);
            return NULL;
        }
        return e;
    }
    fail_expected(l, "'not', '(' or an identifier");
    return NULL;
}

static expr *parse_and(lexer *l)
{
    expr *left = parse_not(l);
    while (left && l->kind == T_AND) {
        if (lex(l) < 0) {
            expr_free(left);
            return NULL;
        }
        expr *right = parse_not(l);
        if (!right) {
            expr_free(left);
            return NULL;
        }
        left = node(N_AND, left, right);
    }
    return left;
}

static expr *parse_or(lexer *l)
{
    expr *left = parse_and(l);
    while (left && l->kind == T_OR) {
        if (lex(l) < 0) {
            expr_free(left);
            return NULL;
        }
        expr *right = parse_and(l);
        if (!right) {
            expr_free(left);
            return NULL;
        }
        left = node(N_OR, left, right);
    }
    return left;
}

int expr_parse(const char *what, const char *text, expr **out, mtv_err *err)
{
    *out = NULL;
    lexer l = {what, text ? text : "", 0, 0, T_END, err, 0};
    if (lex(&l) < 0)
        return -1;
    if (l.kind == T_END) {
        *out = node(N_ALL, NULL, NULL);
        return 0;
    }
    expr *e = parse_or(&l);
    if (!e)
        return -1;
    if (l.kind != T_END) {
        fail_expected(&l, "'and', 'or' or end of input");
        expr_free(e);
        return -1;
    }
    *out = e;
    return 0;
}

void expr_free(expr *e)
{
    if (!e)
        return;
    expr_free(e->a);
    expr_free(e->b);
    free(e->ident);
    free(e);
}

int expr_eval(const expr *e, expr_match_fn match, void *ctx)
{
    switch (e->kind) {
    case N_ALL: return 1;
    case N_IDENT: return match(e->ident, ctx) ? 1 : 0;
    case N_NOT: return !expr_eval(e->a, match, ctx);
    case N_AND: return expr_eval(e->a, match, ctx) && expr_eval(e->b, match, ctx);
    case N_OR: return expr_eval(e->a, match, ctx) || expr_eval(e->b, match, ctx);
    }
    return 0;
}

void expr_each_ident(const expr *e, void (*fn)(const char *ident, void *ctx), void *ctx)
{
    if (!e)
        return;
    if (e->kind == N_IDENT)
        fn(e->ident, ctx);
    expr_each_ident(e->a, fn, ctx);
    expr_each_ident(e->b, fn, ctx);
}
