/*
 * gotmpl: see gotmpl.h. Three stages: a lexer that cuts the text into text
 * runs and action tokens (applying the trim markers), a recursive-descent
 * parser that builds a small tree (lists, actions, if/with/range, pipelines
 * of commands of operands) and resolves function names up front as Go does,
 * and an evaluator over tagged values. Strings made while executing live in
 * an arena freed when the execution ends, so no value needs an owner.
 */
#include "util/gotmpl.h"

#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- tokens ---------------------------------------------------------- */

enum tk {
    T_TEXT, T_LEFT, T_RIGHT, T_FIELD, T_DOT, T_VAR, T_STRING, T_INT, T_FLOAT, T_BOOL, T_NIL,
    T_IDENT, T_PIPE, T_LPAREN, T_RPAREN, T_DECLARE, T_ASSIGN, T_COMMA, T_EOF,
};

typedef struct token {
    enum tk t;
    char *s;              /* text, name or unquoted string (owned) */
    size_t len;           /* for T_TEXT (may hold NULs? no: templates are C strings) */
    long long i;
    double f;
    int space_before;     /* whitespace separated it from the previous token */
    int line, col;
} token;

typedef struct lexer {
    const char *name, *src;
    size_t pos, n;
    token *toks;
    size_t ntoks, cap;
    mtv_err *err;
} lexer;

static void *xalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p)
        abort();
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        abort();
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static void where(const char *src, size_t pos, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < pos && src[i]; i++) {
        if (src[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static int lex_fail(lexer *lx, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int lex_fail(lexer *lx, size_t pos, const char *fmt, ...)
{
    int line, col;
    where(lx->src, pos, &line, &col);
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mtv_err_set(lx->err, MTV_EXIT_USAGE, "template: %s:%d:%d: %s", lx->name, line, col,
                       msg);
}

static token *push(lexer *lx, enum tk t, size_t pos, int space)
{
    if (lx->ntoks == lx->cap) {
        lx->cap = lx->cap ? lx->cap * 2 : 32;
        lx->toks = realloc(lx->toks, lx->cap * sizeof *lx->toks);
        if (!lx->toks)
            abort();
    }
    token *k = &lx->toks[lx->ntoks++];
    memset(k, 0, sizeof *k);
    k->t = t;
    k->space_before = space;
    where(lx->src, pos, &k->line, &k->col);
    return k;
}

static int is_ident_char(int c)
{
    return isalnum(c) || c == '_';
}

/* Go string literal escapes; *end receives the position after the closing quote. */
static int lex_string(lexer *lx, size_t start, strbuf *out, size_t *end)
{
    size_t i = start + 1;
    for (;;) {
        if (i >= lx->n || lx->src[i] == '\n')
            return lex_fail(lx, start, "unterminated quoted string");
        char c = lx->src[i];
        if (c == '"') {
            *end = i + 1;
            return 0;
        }
        if (c != '\\') {
            sb_addc(out, c);
            i++;
            continue;
        }
        if (i + 1 >= lx->n)
            return lex_fail(lx, start, "unterminated quoted string");
        char e = lx->src[i + 1];
        i += 2;
        switch (e) {
        case 'n': sb_addc(out, '\n'); break;
        case 't': sb_addc(out, '\t'); break;
        case 'r': sb_addc(out, '\r'); break;
        case 'a': sb_addc(out, '\a'); break;
        case 'b': sb_addc(out, '\b'); break;
        case 'f': sb_addc(out, '\f'); break;
        case 'v': sb_addc(out, '\v'); break;
        case '\\': sb_addc(out, '\\'); break;
        case '"': sb_addc(out, '"'); break;
        case '\'': sb_addc(out, '\''); break;
        case 'x': {
            if (i + 2 > lx->n || !isxdigit((unsigned char)lx->src[i]) ||
                !isxdigit((unsigned char)lx->src[i + 1]))
                return lex_fail(lx, i, "invalid \\x escape in string");
            char hex[3] = {lx->src[i], lx->src[i + 1], 0};
            sb_addc(out, (char)strtol(hex, NULL, 16));
            i += 2;
            break;
        }
        case 'u': {
            if (i + 4 > lx->n)
                return lex_fail(lx, i, "invalid \\u escape in string");
            char hex[5];
            memcpy(hex, lx->src + i, 4);
            hex[4] = 0;
            char *endp;
            unsigned long cp = strtoul(hex, &endp, 16);
            if (*endp)
                return lex_fail(lx, i, "invalid \\u escape in string");
            i += 4;
            if (cp < 0x80) {
                sb_addc(out, (char)cp);
            } else if (cp < 0x800) {
                sb_addc(out, (char)(0xC0 | (cp >> 6)));
                sb_addc(out, (char)(0x80 | (cp & 0x3F)));
            } else {
                sb_addc(out, (char)(0xE0 | (cp >> 12)));
                sb_addc(out, (char)(0x80 | ((cp >> 6) & 0x3F)));
                sb_addc(out, (char)(0x80 | (cp & 0x3F)));
            }
            break;
        }
        default:
            return lex_fail(lx, i - 2, "unknown escape sequence \\%c in string", e);
        }
    }
}

static int lex_number(lexer *lx, size_t start, size_t *end)
{
    const char *s = lx->src + start;
    char *e1, *e2;
    long long iv = strtoll(s, &e1, 0);
    double fv = strtod(s, &e2);
    token *k;
    if (e2 > e1) {
        k = push(lx, T_FLOAT, start, 0);
        k->f = fv;
        *end = start + (size_t)(e2 - s);
    } else {
        k = push(lx, T_INT, start, 0);
        k->i = iv;
        k->f = (double)iv;
        *end = start + (size_t)(e1 - s);
    }
    if (*end == start)
        return lex_fail(lx, start, "bad number syntax");
    if (*end < lx->n && is_ident_char((unsigned char)lx->src[*end]))
        return lex_fail(lx, start, "bad number syntax: %.*s", (int)(*end - start + 1), s);
    return 0;
}

/* Lexes one action body from pos (just after the "{{" at open and an optional "- ").
 * Returns the position after "}}" and whether it ended with " -}}". */
static int lex_action(lexer *lx, size_t open, size_t pos, size_t *after, int *trim_right)
{
    int space = 0;
    size_t start_action = open;
    for (;;) {
        if (pos >= lx->n)
            return lex_fail(lx, start_action, "unclosed action");
        char c = lx->src[pos];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            /* " -}}" ends the action and trims what follows */
            size_t j = pos;
            while (j < lx->n && strchr(" \t\r\n", lx->src[j]))
                j++;
            if (j + 2 < lx->n && lx->src[j] == '-' && lx->src[j + 1] == '}' &&
                lx->src[j + 2] == '}') {
                push(lx, T_RIGHT, j, 1);
                *after = j + 3;
                *trim_right = 1;
                return 0;
            }
            space = 1;
            pos = j;
            continue;
        }
        if (c == '}' && pos + 1 < lx->n && lx->src[pos + 1] == '}') {
            push(lx, T_RIGHT, pos, space);
            *after = pos + 2;
            *trim_right = 0;
            return 0;
        }
        token *k;
        if (c == '|') {
            push(lx, T_PIPE, pos, space);
            pos++;
        } else if (c == '(') {
            push(lx, T_LPAREN, pos, space);
            pos++;
        } else if (c == ')') {
            push(lx, T_RPAREN, pos, space);
            pos++;
        } else if (c == ',') {
            push(lx, T_COMMA, pos, space);
            pos++;
        } else if (c == ':' && pos + 1 < lx->n && lx->src[pos + 1] == '=') {
            push(lx, T_DECLARE, pos, space);
            pos += 2;
        } else if (c == '=') {
            push(lx, T_ASSIGN, pos, space);
            pos++;
        } else if (c == '"') {
            strbuf sb = STRBUF_INIT;
            size_t end = 0;
            if (lex_string(lx, pos, &sb, &end) < 0) {
                sb_release(&sb);
                return -1;
            }
            k = push(lx, T_STRING, pos, space);
            k->len = sb.len;
            k->s = sb.buf ? sb_detach(&sb, NULL) : xstrndup("", 0);
            pos = end;
        } else if (c == '`') {
            const char *close = memchr(lx->src + pos + 1, '`', lx->n - pos - 1);
            if (!close)
                return lex_fail(lx, pos, "unterminated raw quoted string");
            k = push(lx, T_STRING, pos, space);
            k->len = (size_t)(close - (lx->src + pos + 1));
            k->s = xstrndup(lx->src + pos + 1, k->len);
            pos = (size_t)(close - lx->src) + 1;
        } else if (c == '\'') {
            if (pos + 2 >= lx->n || lx->src[pos + 2] != '\'')
                return lex_fail(lx, pos, "unterminated character constant");
            k = push(lx, T_INT, pos, space);
            k->i = (unsigned char)lx->src[pos + 1];
            k->f = (double)k->i;
            pos += 3;
        } else if (c == '.' && pos + 1 < lx->n && (isalpha((unsigned char)lx->src[pos + 1]) ||
                                                  lx->src[pos + 1] == '_')) {
            size_t e = pos + 1;
            while (e < lx->n && is_ident_char((unsigned char)lx->src[e]))
                e++;
            k = push(lx, T_FIELD, pos, space);
            k->s = xstrndup(lx->src + pos + 1, e - pos - 1);
            pos = e;
        } else if (c == '.' && !(pos + 1 < lx->n && isdigit((unsigned char)lx->src[pos + 1]))) {
            push(lx, T_DOT, pos, space);
            pos++;
        } else if (c == '$') {
            size_t e = pos + 1;
            while (e < lx->n && is_ident_char((unsigned char)lx->src[e]))
                e++;
            k = push(lx, T_VAR, pos, space);
            k->s = xstrndup(lx->src + pos, e - pos);
            pos = e;
        } else if (isdigit((unsigned char)c) || ((c == '-' || c == '+' || c == '.') &&
                                                pos + 1 < lx->n &&
                                                (isdigit((unsigned char)lx->src[pos + 1]) ||
                                                 lx->src[pos + 1] == '.'))) {
            size_t end = 0;
            if (lex_number(lx, pos, &end) < 0)
                return -1;
            lx->toks[lx->ntoks - 1].space_before = space;
            pos = end;
        } else if (isalpha((unsigned char)c) || c == '_') {
            size_t e = pos;
            while (e < lx->n && is_ident_char((unsigned char)lx->src[e]))
                e++;
            size_t len = e - pos;
            if ((len == 4 && !strncmp(lx->src + pos, "true", 4)) ||
                (len == 5 && !strncmp(lx->src + pos, "false", 5))) {
                k = push(lx, T_BOOL, pos, space);
                k->i = len == 4;
            } else if (len == 3 && !strncmp(lx->src + pos, "nil", 3)) {
                push(lx, T_NIL, pos, space);
            } else {
                k = push(lx, T_IDENT, pos, space);
                k->s = xstrndup(lx->src + pos, len);
            }
            pos = e;
        } else {
            return lex_fail(lx, pos, "unexpected \"%c\" in command", c);
        }
        space = 0;
    }
}

static void trim_text_right(token *t)
{
    while (t->len && strchr(" \t\r\n", t->s[t->len - 1]))
        t->len--;
    t->s[t->len] = '\0';
}

static int lex(lexer *lx)
{
    size_t pos = 0;
    int trim_next = 0;
    while (pos < lx->n) {
        const char *open = strstr(lx->src + pos, "{{");
        size_t text_end = open ? (size_t)(open - lx->src) : lx->n;
        size_t ts = pos;
        if (trim_next)
            while (ts < text_end && strchr(" \t\r\n", lx->src[ts]))
                ts++;
        token *text = NULL;
        if (text_end > ts) {
            text = push(lx, T_TEXT, ts, 0);
            text->s = xstrndup(lx->src + ts, text_end - ts);
            text->len = text_end - ts;
        }
        if (!open)
            break;
        size_t p = text_end + 2;
        int trim_left = p + 1 < lx->n && lx->src[p] == '-' && strchr(" \t\r\n", lx->src[p + 1]);
        if (trim_left) {
            if (text)
                trim_text_right(text);
            p++;
        }
        /* a comment action: slash-star ... star-slash */
        size_t q = p;
        while (trim_left && q < lx->n && strchr(" \t\r\n", lx->src[q]))
            q++;
        if (q + 1 < lx->n && lx->src[q] == '/' && lx->src[q + 1] == '*') {
            const char *end = strstr(lx->src + q + 2, "*/");
            if (!end)
                return lex_fail(lx, q, "unclosed comment");
            size_t r = (size_t)(end - lx->src) + 2;
            int tr = 0;
            if (r + 3 <= lx->n && !strncmp(lx->src + r, " -}}", 4)) {
                tr = 1;
                r += 4;
            } else if (r + 1 < lx->n && lx->src[r] == '}' && lx->src[r + 1] == '}') {
                r += 2;
            } else {
                return lex_fail(lx, q, "comment ends before closing delimiter");
            }
            trim_next = tr;
            pos = r;
            continue;
        }
        push(lx, T_LEFT, text_end, 0);
        size_t after = 0;
        int trim_right = 0;
        if (lex_action(lx, text_end, p, &after, &trim_right) < 0)
            return -1;
        trim_next = trim_right;
        pos = after;
    }
    push(lx, T_EOF, lx->n, 0);
    return 0;
}

/* ---- tree ------------------------------------------------------------ */

typedef struct tval tval;
typedef struct exec_ctx exec_ctx;
typedef int (*fn_impl)(exec_ctx *x, tval *args, size_t n, tval *out);

typedef struct fn_def {
    const char *name;
    int min_args, max_args;   /* max -1 = variadic */
    fn_impl impl;
} fn_def;

enum akind { A_FIELD, A_DOT, A_VAR, A_STR, A_INT, A_FLOAT, A_BOOL, A_NIL, A_FUNC, A_PIPE };

typedef struct pipeline pipeline;

typedef struct operand {
    enum akind k;
    char *s;                  /* string value, variable or function name */
    size_t len;
    long long i;
    double f;
    char **chain;             /* field names after the operand */
    size_t nchain;
    pipeline *pipe;           /* A_PIPE */
    const fn_def *fn;         /* A_FUNC */
    int line, col;
} operand;

typedef struct command {
    operand *args;
    size_t nargs;
    int line, col;
} command;

struct pipeline {
    char **decl;              /* variables declared or assigned */
    size_t ndecl;
    int assign;               /* '=' rather than ':=' */
    command *cmds;
    size_t ncmds;
    int line, col;
};

enum nkind { N_TEXT, N_ACTION, N_IF, N_WITH, N_RANGE, N_BREAK, N_CONTINUE };

typedef struct node node;
typedef struct nodelist {
    node *items;
    size_t count;
} nodelist;

struct node {
    enum nkind k;
    char *text;
    size_t len;
    pipeline *pipe;
    nodelist list, elselist;
    int line, col;
};

struct gotmpl {
    char *name;
    nodelist root;
};

static void pipeline_free(pipeline *p);

static void operand_free(operand *o)
{
    free(o->s);
    for (size_t i = 0; i < o->nchain; i++)
        free(o->chain[i]);
    free(o->chain);
    if (o->pipe)
        pipeline_free(o->pipe);
}

static void pipeline_free(pipeline *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ndecl; i++)
        free(p->decl[i]);
    free(p->decl);
    for (size_t i = 0; i < p->ncmds; i++) {
        for (size_t j = 0; j < p->cmds[i].nargs; j++)
            operand_free(&p->cmds[i].args[j]);
        free(p->cmds[i].args);
    }
    free(p->cmds);
    free(p);
}

static void list_free(nodelist *l)
{
    for (size_t i = 0; i < l->count; i++) {
        node *n = &l->items[i];
        free(n->text);
        pipeline_free(n->pipe);
        list_free(&n->list);
        list_free(&n->elselist);
    }
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

void gotmpl_free(gotmpl *t)
{
    if (!t)
        return;
    list_free(&t->root);
    free(t->name);
    free(t);
}

static node *list_add(nodelist *l)
{
    l->items = realloc(l->items, (l->count + 1) * sizeof *l->items);
    if (!l->items)
        abort();
    node *n = &l->items[l->count++];
    memset(n, 0, sizeof *n);
    return n;
}

/* ---- parser ---------------------------------------------------------- */

typedef struct parser {
    lexer *lx;
    size_t i;
    int range_depth;
    const fn_def *fns;
} parser;

static const fn_def *find_fn(const fn_def *fns, const char *name);

static token *peek(parser *p)
{
    return &p->lx->toks[p->i];
}

static token *next(parser *p)
{
    token *t = &p->lx->toks[p->i];
    if (t->t != T_EOF)
        p->i++;
    return t;
}

static int perr(parser *p, const token *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int perr(parser *p, const token *t, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mtv_err_set(p->lx->err, MTV_EXIT_USAGE, "template: %s:%d:%d: %s", p->lx->name,
                       t->line, t->col, msg);
}

static const char *tk_name(const token *t)
{
    switch (t->t) {
    case T_RIGHT: return "\"}}\"";
    case T_RPAREN: return "\")\"";
    case T_LPAREN: return "\"(\"";
    case T_PIPE: return "\"|\"";
    case T_EOF: return "end of input";
    case T_DECLARE: return "\":=\"";
    case T_ASSIGN: return "\"=\"";
    case T_COMMA: return "\",\"";
    default: return t->s ? t->s : "token";
    }
}

static pipeline *parse_pipeline(parser *p, enum tk end, int allow_decl);

static void chain_add(operand *o, const char *name)
{
    o->chain = realloc(o->chain, (o->nchain + 1) * sizeof *o->chain);
    if (!o->chain)
        abort();
    o->chain[o->nchain++] = xstrndup(name, strlen(name));
}

static int parse_operand(parser *p, operand *o)
{
    token *t = next(p);
    memset(o, 0, sizeof *o);
    o->line = t->line;
    o->col = t->col;
    switch (t->t) {
    case T_FIELD:
        o->k = A_FIELD;
        chain_add(o, t->s);
        break;
    case T_DOT: o->k = A_DOT; break;
    case T_VAR:
        o->k = A_VAR;
        o->s = xstrndup(t->s, strlen(t->s));
        break;
    case T_STRING:
        o->k = A_STR;
        o->s = xstrndup(t->s, t->len);
        o->len = t->len;
        break;
    case T_INT:
        o->k = A_INT;
        o->i = t->i;
        o->f = t->f;
        break;
    case T_FLOAT:
        o->k = A_FLOAT;
        o->f = t->f;
        break;
    case T_BOOL:
        o->k = A_BOOL;
        o->i = t->i;
        break;
    case T_NIL: o->k = A_NIL; break;
    case T_IDENT: {
        static const char *const kw[] = {"if", "else", "end", "range", "with", "define",
                                         "template", "block", "break", "continue", NULL};
        for (const char *const *k = kw; *k; k++)
            if (!strcmp(t->s, *k))
                return perr(p, t, "unexpected <%s> in operand", t->s);
        o->fn = find_fn(p->fns, t->s);
        if (!o->fn)
            return perr(p, t, "function \"%s\" not defined", t->s);
        o->k = A_FUNC;
        o->s = xstrndup(t->s, strlen(t->s));
        break;
    }
    case T_LPAREN:
        o->k = A_PIPE;
        o->pipe = parse_pipeline(p, T_RPAREN, 0);
        if (!o->pipe)
            return -1;
        next(p);
        break;
    default:
        return perr(p, t, "unexpected %s in operand", tk_name(t));
    }
    while (peek(p)->t == T_FIELD && !peek(p)->space_before) {
        if (o->k == A_FUNC || o->k == A_STR || o->k == A_INT || o->k == A_FLOAT ||
            o->k == A_BOOL || o->k == A_NIL)
            return perr(p, peek(p), "unexpected . after term \"%s\"", o->s ? o->s : "literal");
        chain_add(o, next(p)->s);
    }
    return 0;
}

static pipeline *parse_pipeline(parser *p, enum tk end, int allow_decl)
{
    pipeline *pl = xalloc(sizeof *pl);
    token *first = peek(p);
    pl->line = first->line;
    pl->col = first->col;
    /* declarations: $x := / $x = / $i, $v := */
    if (allow_decl && first->t == T_VAR) {
        size_t save = p->i;
        size_t nvars = 0;
        char *names[2] = {0};
        while (peek(p)->t == T_VAR && nvars < 2) {
            names[nvars++] = peek(p)->s;
            next(p);
            if (peek(p)->t == T_COMMA && nvars == 1) {
                next(p);
                continue;
            }
            break;
        }
        if (peek(p)->t == T_DECLARE || (peek(p)->t == T_ASSIGN && nvars == 1)) {
            pl->assign = peek(p)->t == T_ASSIGN;
            next(p);
            pl->decl = xalloc(nvars * sizeof *pl->decl);
            for (size_t i = 0; i < nvars; i++)
                pl->decl[i] = xstrndup(names[i], strlen(names[i]));
            pl->ndecl = nvars;
        } else {
            p->i = save;
        }
    }
    for (;;) {
        command c = {0};
        c.line = peek(p)->line;
        c.col = peek(p)->col;
        while (peek(p)->t != T_PIPE && peek(p)->t != end) {
            if (peek(p)->t == T_EOF || peek(p)->t == T_RIGHT || peek(p)->t == T_RPAREN) {
                perr(p, peek(p), "unexpected %s in %s", tk_name(peek(p)),
                     end == T_RPAREN ? "parenthesized pipeline" : "command");
                goto fail_cmd;
            }
            c.args = realloc(c.args, (c.nargs + 1) * sizeof *c.args);
            if (!c.args)
                abort();
            if (parse_operand(p, &c.args[c.nargs]) < 0) {
                operand_free(&c.args[c.nargs]);
                goto fail_cmd;
            }
            c.nargs++;
        }
        if (!c.nargs) {
            perr(p, peek(p), "missing value for %s", end == T_RPAREN ? "parenthesized pipeline"
                                                                      : "command");
            goto fail_cmd;
        }
        pl->cmds = realloc(pl->cmds, (pl->ncmds + 1) * sizeof *pl->cmds);
        if (!pl->cmds)
            abort();
        pl->cmds[pl->ncmds++] = c;
        if (peek(p)->t == T_PIPE) {
            next(p);
            continue;
        }
        return pl;
    fail_cmd:
        for (size_t j = 0; j < c.nargs; j++)
            operand_free(&c.args[j]);
        free(c.args);
        pipeline_free(pl);
        return NULL;
    }
}

enum stop { STOP_NONE, STOP_END, STOP_ELSE };

static int parse_list(parser *p, nodelist *l, enum stop *why);

static int expect_right(parser *p)
{
    token *t = next(p);
    if (t->t != T_RIGHT)
        return perr(p, t, "unexpected %s; expected \"}}\"", tk_name(t));
    return 0;
}

/* if/with/range after the keyword. */
static int parse_control(parser *p, node *n, enum nkind k)
{
    n->k = k;
    if (k == N_RANGE)
        p->range_depth++;
    n->pipe = parse_pipeline(p, T_RIGHT, 1);
    if (!n->pipe || expect_right(p) < 0)
        return -1;
    enum stop why;
    if (parse_list(p, &n->list, &why) < 0)
        return -1;
    if (k == N_RANGE)
        p->range_depth--;
    if (why == STOP_ELSE) {
        /* {{else}} or {{else if ...}} / {{else with ...}} */
        token *t = peek(p);
        if (t->t == T_IDENT && (!strcmp(t->s, "if") || !strcmp(t->s, "with")) && k != N_RANGE) {
            enum nkind kk = !strcmp(t->s, "if") ? N_IF : N_WITH;
            next(p);
            node *inner = list_add(&n->elselist);
            inner->line = t->line;
            inner->col = t->col;
            return parse_control(p, inner, kk); /* the chain shares the final {{end}} */
        }
        if (expect_right(p) < 0)
            return -1;
        if (parse_list(p, &n->elselist, &why) < 0)
            return -1;
        if (why != STOP_END)
            return perr(p, peek(p), "expected end; found %s", why == STOP_ELSE ? "else" : "EOF");
    } else if (why != STOP_END) {
        return perr(p, peek(p), "unexpected EOF: missing {{end}}");
    }
    return 0;
}

static int parse_list(parser *p, nodelist *l, enum stop *why)
{
    *why = STOP_NONE;
    for (;;) {
        token *t = next(p);
        if (t->t == T_EOF)
            return 0;
        if (t->t == T_TEXT) {
            node *n = list_add(l);
            n->k = N_TEXT;
            n->text = xstrndup(t->s, t->len);
            n->len = t->len;
            continue;
        }
        if (t->t != T_LEFT)
            return perr(p, t, "unexpected %s", tk_name(t));
        token *k = peek(p);
        if (k->t == T_IDENT) {
            if (!strcmp(k->s, "end") || !strcmp(k->s, "else")) {
                next(p);
                if (!strcmp(k->s, "end")) {
                    if (expect_right(p) < 0)
                        return -1;
                    *why = STOP_END;
                } else {
                    *why = STOP_ELSE;
                }
                return 0;
            }
            if (!strcmp(k->s, "if") || !strcmp(k->s, "with") || !strcmp(k->s, "range")) {
                next(p);
                node *n = list_add(l);
                n->line = k->line;
                n->col = k->col;
                if (parse_control(p, n, !strcmp(k->s, "if") ? N_IF
                                        : !strcmp(k->s, "with") ? N_WITH : N_RANGE) < 0)
                    return -1;
                continue;
            }
            if (!strcmp(k->s, "break") || !strcmp(k->s, "continue")) {
                if (!p->range_depth)
                    return perr(p, k, "{{%s}} outside {{range}}", k->s);
                next(p);
                node *n = list_add(l);
                n->k = !strcmp(k->s, "break") ? N_BREAK : N_CONTINUE;
                if (expect_right(p) < 0)
                    return -1;
                continue;
            }
            if (!strcmp(k->s, "define") || !strcmp(k->s, "template") || !strcmp(k->s, "block"))
                return perr(p, k, "{{%s}} is not supported in naming templates", k->s);
        }
        node *n = list_add(l);
        n->k = N_ACTION;
        n->line = k->line;
        n->col = k->col;
        n->pipe = parse_pipeline(p, T_RIGHT, 1);
        if (!n->pipe || expect_right(p) < 0)
            return -1;
    }
}

/* ---- values ---------------------------------------------------------- */

enum vk { V_NIL, V_BOOL, V_INT, V_FLOAT, V_STR, V_JSON };

struct tval {
    enum vk k;
    long long i;              /* bool and int */
    double f;
    const char *s;            /* arena-owned */
    size_t len;
    const cJSON *j;           /* object or array borrowed from the data */
};

typedef struct var {
    const char *name;
    tval v;
} var;

struct exec_ctx {
    const gotmpl *t;
    strbuf *out;
    mtv_err *err;
    char **arena;
    size_t narena, carena;
    var *vars;
    size_t nvars, cvars;
    int line, col;            /* of the node being evaluated, for messages */
};

static const char *arena_add(exec_ctx *x, char *s)
{
    if (x->narena == x->carena) {
        x->carena = x->carena ? x->carena * 2 : 16;
        x->arena = realloc(x->arena, x->carena * sizeof *x->arena);
        if (!x->arena)
            abort();
    }
    x->arena[x->narena++] = s;
    return s;
}

static tval vstr_n(exec_ctx *x, const char *s, size_t n)
{
    tval v = {.k = V_STR};
    v.s = arena_add(x, xstrndup(s, n));
    v.len = n;
    return v;
}

static tval vstr(exec_ctx *x, const char *s)
{
    return vstr_n(x, s, strlen(s));
}

static tval vstr_sb(exec_ctx *x, strbuf *sb)
{
    tval v = {.k = V_STR};
    v.len = sb->len;
    v.s = arena_add(x, sb->buf ? sb_detach(sb, NULL) : xstrndup("", 0));
    return v;
}

static tval vint(long long i)
{
    return (tval){.k = V_INT, .i = i, .f = (double)i};
}

static tval vfloat(double f)
{
    return (tval){.k = V_FLOAT, .f = f};
}

static tval vbool(int b)
{
    return (tval){.k = V_BOOL, .i = b != 0};
}

static tval from_json(exec_ctx *x, const cJSON *j)
{
    if (!j || cJSON_IsNull(j))
        return (tval){.k = V_NIL};
    if (cJSON_IsBool(j))
        return vbool(cJSON_IsTrue(j));
    if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        if (d == floor(d) && fabs(d) < 9.0e15)
            return vint((long long)d);
        return vfloat(d);
    }
    if (cJSON_IsString(j))
        return vstr(x, j->valuestring);
    return (tval){.k = V_JSON, .j = j};
}

static int xfail(exec_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int xfail(exec_ctx *x, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mtv_err_set(x->err, MTV_EXIT_USAGE, "template: %s:%d:%d: executing \"%s\": %s",
                       x->t->name, x->line, x->col, x->t->name, msg);
}

static const char *kind_name(const tval *v)
{
    switch (v->k) {
    case V_NIL: return "nil";
    case V_BOOL: return "bool";
    case V_INT: return "int";
    case V_FLOAT: return "float64";
    case V_STR: return "string";
    default: return cJSON_IsArray(v->j) ? "slice" : "map";
    }
}

static int truth(const tval *v)
{
    switch (v->k) {
    case V_NIL: return 0;
    case V_BOOL:
    case V_INT: return v->i != 0;
    case V_FLOAT: return v->f != 0;
    case V_STR: return v->len != 0;
    default: return cJSON_GetArraySize(v->j) != 0;
    }
}

/* Go's %v of a float64: shortest representation that round-trips. */
static void fmt_float(strbuf *out, double f)
{
    if (isnan(f)) {
        sb_adds(out, "NaN");
        return;
    }
    if (isinf(f)) {
        sb_adds(out, f > 0 ? "+Inf" : "-Inf");
        return;
    }
    char buf[64];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, f);
        if (strtod(buf, NULL) == f)
            break;
    }
    /* Go writes exponents with at least two digits: 1e+21, 1e-07 */
    char *e = strchr(buf, 'e');
    if (e) {
        char mant[64];
        snprintf(mant, sizeof mant, "%.*s", (int)(e - buf), buf);
        int ex = atoi(e + 1);
        sb_addf(out, "%se%c%02d", mant, ex < 0 ? '-' : '+', ex < 0 ? -ex : ex);
    } else {
        sb_adds(out, buf);
    }
}

static void print_val(strbuf *out, const tval *v)
{
    switch (v->k) {
    case V_NIL: sb_adds(out, "<no value>"); break;
    case V_BOOL: sb_adds(out, v->i ? "true" : "false"); break;
    case V_INT: sb_addf(out, "%lld", v->i); break;
    case V_FLOAT: fmt_float(out, v->f); break;
    case V_STR: sb_add(out, v->s, v->len); break;
    default: {
        char *txt = cJSON_PrintUnformatted(v->j);
        sb_adds(out, txt ? txt : "");
        free(txt);
    }
    }
}

static tval to_string(exec_ctx *x, const tval *v)
{
    if (v->k == V_STR)
        return *v;
    strbuf sb = STRBUF_INIT;
    if (v->k != V_NIL)
        print_val(&sb, v);
    return vstr_sb(x, &sb);
}

static int to_int(exec_ctx *x, const char *fn, const tval *v, long long *out)
{
    *out = 0;
    switch (v->k) {
    case V_INT:
    case V_BOOL: *out = v->i; return 0;
    case V_FLOAT: *out = (long long)v->f; return 0;
    case V_NIL: *out = 0; return 0;
    case V_STR: {
        /* Sprig's toInt64 turns strings into numbers, 0 when they are not */
        char *end;
        long long i = strtoll(v->s, &end, 10);
        *out = (*v->s && !*end) ? i : 0;
        return 0;
    }
    default: return xfail(x, "%s: expected a number, got %s", fn, kind_name(v));
    }
}

static double to_float(const tval *v)
{
    switch (v->k) {
    case V_INT:
    case V_BOOL: return (double)v->i;
    case V_FLOAT: return v->f;
    case V_STR: return strtod(v->s, NULL);
    default: return 0;
    }
}

/* ---- functions ------------------------------------------------------- */

#define FN(name) static int fn_##name(exec_ctx *x, tval *a, size_t n, tval *out)
#define UNUSED_N (void)n

static int strfn_check(exec_ctx *x, const char *fn, tval *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] = to_string(x, &a[i]);
    (void)fn;
    return 0;
}

FN(lower)
{
    UNUSED_N;
    tval s = to_string(x, &a[0]);
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < s.len; i++)
        sb_addc(&sb, (char)tolower((unsigned char)s.s[i]));
    *out = vstr_sb(x, &sb);
    return 0;
}

FN(upper)
{
    UNUSED_N;
    tval s = to_string(x, &a[0]);
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < s.len; i++)
        sb_addc(&sb, (char)toupper((unsigned char)s.s[i]));
    *out = vstr_sb(x, &sb);
    return 0;
}

FN(title)
{
    UNUSED_N;
    tval s = to_string(x, &a[0]);
    strbuf sb = STRBUF_INIT;
    int start = 1;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.s[i];
        sb_addc(&sb, (char)(start ? toupper(c) : c));
        start = isspace(c) || (!isalnum(c) && c != '_' && c != '\'');
    }
    *out = vstr_sb(x, &sb);
    return 0;
}

FN(untitle)
{
    UNUSED_N;
    tval s = to_string(x, &a[0]);
    strbuf sb = STRBUF_INIT;
    int start = 1;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.s[i];
        sb_addc(&sb, (char)(start ? tolower(c) : c));
        start = isspace(c);
    }
    *out = vstr_sb(x, &sb);
    return 0;
}

FN(repeat)
{
    UNUSED_N;
    long long count;
    if (to_int(x, "repeat", &a[0], &count) < 0)
        return -1;
    tval s = to_string(x, &a[1]);
    if (count < 0)
        return xfail(x, "error calling repeat: strings: negative Repeat count");
    if (count * (long long)s.len > 1 << 20)
        return xfail(x, "error calling repeat: result longer than 1 MiB");
    strbuf sb = STRBUF_INIT;
    for (long long i = 0; i < count; i++)
        sb_add(&sb, s.s, s.len);
    *out = vstr_sb(x, &sb);
    return 0;
}

FN(substr)
{
    UNUSED_N;
    long long start, end;
    if (to_int(x, "substr", &a[0], &start) < 0 || to_int(x, "substr", &a[1], &end) < 0)
        return -1;
    tval s = to_string(x, &a[2]);
    long long len = (long long)s.len;
    if (start < 0) {
        if (end > len || end < 0)
            end = len;
        *out = vstr_n(x, s.s, (size_t)end);
    } else if (end < 0 || end > len) {
        if (start > len)
            return xfail(x, "error calling substr: slice bounds out of range");
        *out = vstr_n(x, s.s + start, (size_t)(len - start));
    } else {
        if (start > end)
            return xfail(x, "error calling substr: slice bounds out of range [%lld:%lld]", start,
                         end);
        *out = vstr_n(x, s.s + start, (size_t)(end - start));
    }
    return 0;
}

FN(nospace)
{
    UNUSED_N;
    tval s = to_string(x, &a[0]);
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < s.len; i++)
        if (!isspace((unsigned char)s.s[i]))
            sb_addc(&sb, s.s[i]);
    *out = vstr_sb(x, &sb);
    return 0;
}

FN(trunc)
{
    UNUSED_N;
    long long c;
    if (to_int(x, "trunc", &a[0], &c) < 0)
        return -1;
    tval s = to_string(x, &a[1]);
    long long len = (long long)s.len;
    if (c < 0 && len + c > 0)
        *out = vstr_n(x, s.s + len + c, (size_t)-c);
    else if (c >= 0 && len > c)
        *out = vstr_n(x, s.s, (size_t)c);
    else
        *out = s;
    return 0;
}

FN(initials)
{
    UNUSED_N;
    tval s = to_string(x, &a[0]);
    strbuf sb = STRBUF_INIT;
    int start = 1;
    for (size_t i = 0; i < s.len; i++) {
        if (isspace((unsigned char)s.s[i])) {
            start = 1;
        } else if (start) {
            sb_addc(&sb, s.s[i]);
            start = 0;
        }
    }
    *out = vstr_sb(x, &sb);
    return 0;
}

static int has_at(const tval *s, const tval *sub, size_t at)
{
    return sub->len <= s->len && at <= s->len - sub->len && !memcmp(s->s + at, sub->s, sub->len);
}

FN(contains)
{
    strfn_check(x, "contains", a, n);
    *out = vbool(memmem(a[1].s, a[1].len, a[0].s, a[0].len) != NULL || a[0].len == 0);
    return 0;
}

FN(hasPrefix)
{
    strfn_check(x, "hasPrefix", a, n);
    *out = vbool(has_at(&a[1], &a[0], 0));
    return 0;
}

FN(hasSuffix)
{
    strfn_check(x, "hasSuffix", a, n);
    *out = vbool(a[0].len <= a[1].len && has_at(&a[1], &a[0], a[1].len - a[0].len));
    return 0;
}

FN(replace)
{
    strfn_check(x, "replace", a, n);
    const tval *old = &a[0], *new_ = &a[1], *src = &a[2];
    strbuf sb = STRBUF_INIT;
    if (!old->len) {
        /* Go inserts new before every rune and at the end */
        for (size_t i = 0; i < src->len; i++) {
            sb_add(&sb, new_->s, new_->len);
            sb_addc(&sb, src->s[i]);
        }
        sb_add(&sb, new_->s, new_->len);
    } else {
        size_t i = 0;
        while (i < src->len) {
            if (has_at(src, old, i)) {
                sb_add(&sb, new_->s, new_->len);
                i += old->len;
            } else {
                sb_addc(&sb, src->s[i++]);
            }
        }
    }
    *out = vstr_sb(x, &sb);
    return 0;
}

static tval trim_set(exec_ctx *x, const tval *s, const char *set, size_t setlen, int left,
                     int right)
{
    size_t b = 0, e = s->len;
    while (left && b < e && memchr(set, s->s[b], setlen))
        b++;
    while (right && e > b && memchr(set, s->s[e - 1], setlen))
        e--;
    return vstr_n(x, s->s + b, e - b);
}

FN(trim)
{
    strfn_check(x, "trim", a, n);
    *out = trim_set(x, &a[0], " \t\r\n\v\f", 6, 1, 1);
    return 0;
}

FN(trimAll)
{
    strfn_check(x, "trimAll", a, n);
    *out = trim_set(x, &a[1], a[0].s, a[0].len, 1, 1);
    return 0;
}

FN(trimSuffix)
{
    strfn_check(x, "trimSuffix", a, n);
    const tval *suf = &a[0], *s = &a[1];
    if (suf->len <= s->len && has_at(s, suf, s->len - suf->len))
        *out = vstr_n(x, s->s, s->len - suf->len);
    else
        *out = *s;
    return 0;
}

FN(trimPrefix)
{
    strfn_check(x, "trimPrefix", a, n);
    const tval *pre = &a[0], *s = &a[1];
    if (has_at(s, pre, 0))
        *out = vstr_n(x, s->s + pre->len, s->len - pre->len);
    else
        *out = *s;
    return 0;
}

/* regexp.ReplaceAllString with $1 / ${1} / $$ expansion, on POSIX ERE. */
static int regex_replace(exec_ctx *x, const char *fn, tval *a, int must, tval *out)
{
    strfn_check(x, fn, a, 3);
    const tval *pat = &a[0], *src = &a[1], *repl = &a[2];
    regex_t re;
    int rc = regcomp(&re, pat->s, REG_EXTENDED);
    if (rc) {
        char why[256];
        regerror(rc, &re, why, sizeof why);
        regfree(&re);
        if (!must) {
            *out = *src;
            return 0;
        }
        return xfail(x, "error calling %s: error parsing regexp: %s: `%s`", fn, why, pat->s);
    }
    strbuf sb = STRBUF_INIT;
    size_t pos = 0;
    regmatch_t m[10];
    int last_empty_at = -1;
    while (pos <= src->len) {
        if (regexec(&re, src->s + pos, 10, m, pos ? REG_NOTBOL : 0) != 0)
            break;
        size_t ms = pos + (size_t)m[0].rm_so, me = pos + (size_t)m[0].rm_eo;
        if (ms == me && (int)ms == last_empty_at) {
            if (pos < src->len)
                sb_addc(&sb, src->s[pos]);
            pos++;
            continue;
        }
        sb_add(&sb, src->s + pos, ms - pos);
        for (size_t i = 0; i < repl->len; i++) {
            char c = repl->s[i];
            if (c != '$' || i + 1 >= repl->len) {
                sb_addc(&sb, c);
                continue;
            }
            if (repl->s[i + 1] == '$') {
                sb_addc(&sb, '$');
                i++;
                continue;
            }
            size_t j = i + 1;
            int braced = repl->s[j] == '{';
            if (braced)
                j++;
            size_t d = j;
            while (d < repl->len && isdigit((unsigned char)repl->s[d]))
                d++;
            if (d == j || (braced && (d >= repl->len || repl->s[d] != '}'))) {
                sb_addc(&sb, c);
                continue;
            }
            int g = atoi(repl->s + j);
            if (g < 10 && m[g].rm_so >= 0)
                sb_add(&sb, src->s + pos + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
            i = braced ? d : d - 1;
        }
        if (me == ms) {
            last_empty_at = (int)me;
            if (me < src->len)
                sb_addc(&sb, src->s[me]);
            pos = me + 1;
        } else {
            pos = me;
        }
    }
    if (pos < src->len)
        sb_add(&sb, src->s + pos, src->len - pos);
    regfree(&re);
    *out = vstr_sb(x, &sb);
    return 0;
}

FN(mustRegexReplaceAll)
{
    UNUSED_N;
    return regex_replace(x, "mustRegexReplaceAll", a, 1, out);
}

FN(regexReplaceAll)
{
    UNUSED_N;
    return regex_replace(x, "regexReplaceAll", a, 0, out);
}

static int ints(exec_ctx *x, const char *fn, tval *a, size_t n, long long *v)
{
    for (size_t i = 0; i < n; i++)
        if (to_int(x, fn, &a[i], &v[i]) < 0)
            return -1;
    return 0;
}

FN(add)
{
    long long v[16] = {0}, sum = 0;
    if (n > 16 || ints(x, "add", a, n, v) < 0)
        return n > 16 ? xfail(x, "add: too many arguments") : -1;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    *out = vint(sum);
    return 0;
}

FN(add1)
{
    UNUSED_N;
    long long v;
    if (to_int(x, "add1", &a[0], &v) < 0)
        return -1;
    *out = vint(v + 1);
    return 0;
}

FN(sub)
{
    long long v[2] = {0};
    if (ints(x, "sub", a, n, v) < 0)
        return -1;
    *out = vint(v[0] - v[1]);
    return 0;
}

FN(div)
{
    long long v[2] = {0};
    if (ints(x, "div", a, n, v) < 0)
        return -1;
    if (!v[1])
        return xfail(x, "error calling div: runtime error: integer divide by zero");
    *out = vint(v[0] / v[1]);
    return 0;
}

FN(mod)
{
    long long v[2] = {0};
    if (ints(x, "mod", a, n, v) < 0)
        return -1;
    if (!v[1])
        return xfail(x, "error calling mod: runtime error: integer divide by zero");
    *out = vint(v[0] % v[1]);
    return 0;
}

FN(mul)
{
    long long v[16] = {0}, p = 1;
    if (n > 16 || ints(x, "mul", a, n, v) < 0)
        return n > 16 ? xfail(x, "mul: too many arguments") : -1;
    for (size_t i = 0; i < n; i++)
        p *= v[i];
    *out = vint(p);
    return 0;
}

static int minmax(exec_ctx *x, const char *fn, tval *a, size_t n, int want_max, tval *out)
{
    long long v[16] = {0};
    if (n > 16 || ints(x, fn, a, n, v) < 0)
        return n > 16 ? xfail(x, "%s: too many arguments", fn) : -1;
    long long r = v[0];
    for (size_t i = 1; i < n; i++)
        if (want_max ? v[i] > r : v[i] < r)
            r = v[i];
    *out = vint(r);
    return 0;
}

FN(max)
{
    return minmax(x, "max", a, n, 1, out);
}

FN(min)
{
    return minmax(x, "min", a, n, 0, out);
}

FN(floor)
{
    UNUSED_N;
    (void)x;
    *out = vfloat(floor(to_float(&a[0])));
    return 0;
}

FN(ceil)
{
    UNUSED_N;
    (void)x;
    *out = vfloat(ceil(to_float(&a[0])));
    return 0;
}

FN(round)
{
    long long places;
    if (to_int(x, "round", &a[1], &places) < 0)
        return -1;
    double r_opt = n > 2 ? to_float(&a[2]) : 0.5;
    double v = to_float(&a[0]);
    double pow10 = pow(10, (double)places);
    double digit = pow10 * v;
    double i;
    double frac = modf(digit, &i);
    double rounded;
    if (v >= 0)
        rounded = frac >= r_opt ? ceil(digit) : floor(digit);
    else
        rounded = -frac >= r_opt ? floor(digit) : ceil(digit);
    *out = vfloat(rounded / pow10);
    return 0;
}

FN(toString)
{
    UNUSED_N;
    *out = to_string(x, &a[0]);
    return 0;
}

FN(default)
{
    /* default DEFAULT GIVEN: GIVEN unless it is empty */
    if (n < 2 || !truth(&a[1]))
        *out = a[0];
    else
        *out = a[1];
    (void)x;
    return 0;
}

FN(and)
{
    (void)x;
    for (size_t i = 0; i < n; i++)
        if (!truth(&a[i]) || i == n - 1) {
            *out = a[i];
            return 0;
        }
    return 0;
}

FN(or)
{
    (void)x;
    for (size_t i = 0; i < n; i++)
        if (truth(&a[i]) || i == n - 1) {
            *out = a[i];
            return 0;
        }
    return 0;
}

FN(not)
{
    UNUSED_N;
    (void)x;
    *out = vbool(!truth(&a[0]));
    return 0;
}

FN(len)
{
    UNUSED_N;
    if (a[0].k == V_STR)
        *out = vint((long long)a[0].len);
    else if (a[0].k == V_JSON)
        *out = vint(cJSON_GetArraySize(a[0].j));
    else
        return xfail(x, "error calling len: len of type %s", kind_name(&a[0]));
    return 0;
}

FN(index)
{
    tval cur = a[0];
    for (size_t i = 1; i < n; i++) {
        if (cur.k == V_JSON && cJSON_IsArray(cur.j)) {
            long long k;
            if (to_int(x, "index", &a[i], &k) < 0)
                return -1;
            if (k < 0 || k >= cJSON_GetArraySize(cur.j))
                return xfail(x, "error calling index: index out of range: %lld", k);
            cur = from_json(x, cJSON_GetArrayItem(cur.j, (int)k));
        } else if (cur.k == V_JSON) {
            tval key = to_string(x, &a[i]);
            cur = from_json(x, cJSON_GetObjectItemCaseSensitive(cur.j, key.s));
        } else if (cur.k == V_STR) {
            long long k;
            if (to_int(x, "index", &a[i], &k) < 0)
                return -1;
            if (k < 0 || k >= (long long)cur.len)
                return xfail(x, "error calling index: index out of range: %lld", k);
            cur = vint((unsigned char)cur.s[k]);
        } else {
            return xfail(x, "error calling index: can't index item of type %s", kind_name(&cur));
        }
    }
    *out = cur;
    return 0;
}

static int basic_kind(const tval *v)
{
    switch (v->k) {
    case V_INT:
    case V_FLOAT: return 1;
    case V_STR: return 2;
    case V_BOOL: return 3;
    case V_NIL: return 4;
    default: return 0;
    }
}

/* -1, 0, 1 ordering of two comparable values; 2 when incomparable. */
static int compare(const tval *a, const tval *b)
{
    int ka = basic_kind(a), kb = basic_kind(b);
    if (!ka || ka != kb)
        return 2;
    if (ka == 1) {
        double x = to_float(a), y = to_float(b);
        if (a->k == V_INT && b->k == V_INT)
            return a->i < b->i ? -1 : a->i > b->i;
        return x < y ? -1 : x > y;
    }
    if (ka == 2) {
        size_t n = a->len < b->len ? a->len : b->len;
        int c = memcmp(a->s, b->s, n);
        if (c)
            return c < 0 ? -1 : 1;
        return a->len < b->len ? -1 : a->len > b->len;
    }
    if (ka == 3)
        return a->i == b->i ? 0 : 3;
    return 0;
}

FN(eq)
{
    for (size_t i = 1; i < n; i++) {
        int c = compare(&a[0], &a[i]);
        if (c == 2)
            return xfail(x, "error calling eq: incompatible types for comparison");
        if (c == 0) {
            *out = vbool(1);
            return 0;
        }
    }
    *out = vbool(0);
    return 0;
}

FN(ne)
{
    UNUSED_N;
    int c = compare(&a[0], &a[1]);
    if (c == 2)
        return xfail(x, "error calling ne: incompatible types for comparison");
    *out = vbool(c != 0);
    return 0;
}

static int ordered(exec_ctx *x, const char *fn, tval *a, int *c)
{
    *c = compare(&a[0], &a[1]);
    if (*c == 2 || *c == 3 || a[0].k == V_NIL)
        return xfail(x, "error calling %s: invalid type for comparison", fn);
    return 0;
}

FN(lt)
{
    UNUSED_N;
    int c;
    if (ordered(x, "lt", a, &c) < 0)
        return -1;
    *out = vbool(c < 0);
    return 0;
}

FN(le)
{
    UNUSED_N;
    int c;
    if (ordered(x, "le", a, &c) < 0)
        return -1;
    *out = vbool(c <= 0);
    return 0;
}

FN(gt)
{
    UNUSED_N;
    int c;
    if (ordered(x, "gt", a, &c) < 0)
        return -1;
    *out = vbool(c > 0);
    return 0;
}

FN(ge)
{
    UNUSED_N;
    int c;
    if (ordered(x, "ge", a, &c) < 0)
        return -1;
    *out = vbool(c >= 0);
    return 0;
}

FN(print)
{
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        /* Go's Sprint adds spaces between operands when neither is a string */
        if (i && a[i].k != V_STR && a[i - 1].k != V_STR)
            sb_addc(&sb, ' ');
        print_val(&sb, &a[i]);
    }
    *out = vstr_sb(x, &sb);
    return 0;
}

FN(println)
{
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_addc(&sb, ' ');
        print_val(&sb, &a[i]);
    }
    sb_addc(&sb, '\n');
    *out = vstr_sb(x, &sb);
    return 0;
}

/* The verbs naming templates use: %s %d %v %q %x %X %f %g %e %t %c %%, with
 * flags, width and precision. */
FN(printf)
{
    tval f = to_string(x, &a[0]);
    strbuf sb = STRBUF_INIT;
    size_t arg = 1;
    for (size_t i = 0; i < f.len; i++) {
        if (f.s[i] != '%') {
            sb_addc(&sb, f.s[i]);
            continue;
        }
        size_t j = i + 1;
        char spec[32] = "%";
        size_t sl = 1;
        while (j < f.len && strchr("+-# 0", f.s[j]) && sl < 8)
            spec[sl++] = f.s[j++];
        while (j < f.len && (isdigit((unsigned char)f.s[j]) || f.s[j] == '.') && sl < 24)
            spec[sl++] = f.s[j++];
        if (j >= f.len) {
            sb_adds(&sb, "%!(NOVERB)");
            break;
        }
        char verb = f.s[j];
        i = j;
        if (verb == '%') {
            sb_addc(&sb, '%');
            continue;
        }
        if (arg >= n) {
            sb_addf(&sb, "%%!%c(MISSING)", verb);
            continue;
        }
        tval *v = &a[arg++];
        char tmp[256];
        switch (verb) {
        case 'd':
        case 'x':
        case 'X':
        case 'o':
        case 'c':
            if (v->k == V_STR && (verb == 'x' || verb == 'X')) {
                for (size_t k = 0; k < v->len; k++)
                    sb_addf(&sb, verb == 'x' ? "%02x" : "%02X", (unsigned char)v->s[k]);
            } else if (v->k == V_INT || v->k == V_BOOL) {
                spec[sl++] = 'l';
                spec[sl++] = 'l';
                spec[sl++] = verb;
                spec[sl] = 0;
                snprintf(tmp, sizeof tmp, spec, v->i);
                sb_adds(&sb, tmp);
            } else {
                sb_addf(&sb, "%%!%c(%s=", verb, kind_name(v));
                print_val(&sb, v);
                sb_addc(&sb, ')');
            }
            break;
        case 'f':
        case 'F':
        case 'g':
        case 'G':
        case 'e':
        case 'E':
            if (v->k == V_INT || v->k == V_FLOAT) {
                spec[sl++] = verb;
                spec[sl] = 0;
                snprintf(tmp, sizeof tmp, spec, to_float(v));
                sb_adds(&sb, tmp);
            } else {
                sb_addf(&sb, "%%!%c(%s=", verb, kind_name(v));
                print_val(&sb, v);
                sb_addc(&sb, ')');
            }
            break;
        case 'q': {
            tval s = to_string(x, v);
            sb_addc(&sb, '"');
            for (size_t k = 0; k < s.len; k++) {
                if (s.s[k] == '"' || s.s[k] == '\\')
                    sb_addc(&sb, '\\');
                sb_addc(&sb, s.s[k]);
            }
            sb_addc(&sb, '"');
            break;
        }
        case 's':
        case 'v':
        case 't': {
            strbuf one = STRBUF_INIT;
            print_val(&one, v);
            if (v->k == V_NIL)
                sb_reset(&one), sb_adds(&one, "<nil>");
            spec[sl++] = 's';
            spec[sl] = 0;
            strbuf padded = STRBUF_INIT;
            sb_addf(&padded, spec, one.buf ? one.buf : "");
            sb_add(&sb, padded.buf, padded.len);
            sb_release(&padded);
            sb_release(&one);
            break;
        }
        default:
            sb_addf(&sb, "%%!%c(%s=", verb, kind_name(v));
            print_val(&sb, v);
            sb_addc(&sb, ')');
        }
    }
    *out = vstr_sb(x, &sb);
    return 0;
}

static const fn_def functions[] = {
    {"and", 1, -1, fn_and},
    {"or", 1, -1, fn_or},
    {"not", 1, 1, fn_not},
    {"len", 1, 1, fn_len},
    {"index", 1, -1, fn_index},
    {"print", 0, -1, fn_print},
    {"printf", 1, -1, fn_printf},
    {"println", 0, -1, fn_println},
    {"eq", 2, -1, fn_eq},
    {"ne", 2, 2, fn_ne},
    {"lt", 2, 2, fn_lt},
    {"le", 2, 2, fn_le},
    {"gt", 2, 2, fn_gt},
    {"ge", 2, 2, fn_ge},
    {"lower", 1, 1, fn_lower},
    {"upper", 1, 1, fn_upper},
    {"title", 1, 1, fn_title},
    {"untitle", 1, 1, fn_untitle},
    {"repeat", 2, 2, fn_repeat},
    {"substr", 3, 3, fn_substr},
    {"nospace", 1, 1, fn_nospace},
    {"trunc", 2, 2, fn_trunc},
    {"initials", 1, 1, fn_initials},
    {"contains", 2, 2, fn_contains},
    {"hasPrefix", 2, 2, fn_hasPrefix},
    {"hasSuffix", 2, 2, fn_hasSuffix},
    {"replace", 3, 3, fn_replace},
    {"trim", 1, 1, fn_trim},
    {"trimAll", 2, 2, fn_trimAll},
    {"trimSuffix", 2, 2, fn_trimSuffix},
    {"trimPrefix", 2, 2, fn_trimPrefix},
    {"mustRegexReplaceAll", 3, 3, fn_mustRegexReplaceAll},
    {"regexReplaceAll", 3, 3, fn_regexReplaceAll},
    {"add", 0, -1, fn_add},
    {"add1", 1, 1, fn_add1},
    {"sub", 2, 2, fn_sub},
    {"div", 2, 2, fn_div},
    {"mod", 2, 2, fn_mod},
    {"mul", 1, -1, fn_mul},
    {"max", 1, -1, fn_max},
    {"min", 1, -1, fn_min},
    {"floor", 1, 1, fn_floor},
    {"ceil", 1, 1, fn_ceil},
    {"round", 2, 3, fn_round},
    {"toString", 1, 1, fn_toString},
    {"default", 1, 2, fn_default},
    {NULL, 0, 0, NULL},
};

static const fn_def *find_fn(const fn_def *fns, const char *name)
{
    for (const fn_def *f = fns; f->name; f++)
        if (!strcmp(f->name, name))
            return f;
    return NULL;
}

/* ---- evaluation ------------------------------------------------------ */

static int eval_pipeline(exec_ctx *x, const pipeline *p, const tval *dot, tval *out);

static const tval *lookup_var(exec_ctx *x, const char *name)
{
    for (size_t i = x->nvars; i-- > 0;)
        if (!strcmp(x->vars[i].name, name))
            return &x->vars[i].v;
    return NULL;
}

static void push_var(exec_ctx *x, const char *name, tval v)
{
    if (x->nvars == x->cvars) {
        x->cvars = x->cvars ? x->cvars * 2 : 8;
        x->vars = realloc(x->vars, x->cvars * sizeof *x->vars);
        if (!x->vars)
            abort();
    }
    x->vars[x->nvars++] = (var){name, v};
}

static int field_chain(exec_ctx *x, tval cur, char *const *chain, size_t n, const char *base,
                       tval *out)
{
    strbuf path = STRBUF_INIT;
    sb_adds(&path, base);
    for (size_t i = 0; i < n; i++) {
        sb_addf(&path, ".%s", chain[i]);
        if (cur.k == V_NIL) {
            int rc = xfail(x, "at <%s>: nil pointer evaluating interface {}.%s", path.buf,
                           chain[i]);
            sb_release(&path);
            return rc;
        }
        if (cur.k != V_JSON || !cJSON_IsObject(cur.j)) {
            int rc = xfail(x, "at <%s>: can't evaluate field %s in type %s", path.buf, chain[i],
                           kind_name(&cur));
            sb_release(&path);
            return rc;
        }
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(cur.j, chain[i]);
        if (!item) {
            int rc = xfail(x, "at <%s>: can't evaluate field %s in type %s", path.buf, chain[i],
                           "the template data");
            sb_release(&path);
            return rc;
        }
        cur = from_json(x, item);
    }
    sb_release(&path);
    *out = cur;
    return 0;
}

static int eval_operand(exec_ctx *x, const operand *o, const tval *dot, tval *out)
{
    x->line = o->line;
    x->col = o->col;
    switch (o->k) {
    case A_FIELD: return field_chain(x, *dot, o->chain, o->nchain, "", out);
    case A_DOT: *out = *dot; return 0;
    case A_VAR: {
        const tval *v = lookup_var(x, o->s);
        if (!v)
            return xfail(x, "undefined variable: %s", o->s);
        return field_chain(x, *v, o->chain, o->nchain, o->s, out);
    }
    case A_STR: *out = (tval){.k = V_STR, .s = o->s, .len = o->len}; return 0;
    case A_INT: *out = vint(o->i); return 0;
    case A_FLOAT: *out = vfloat(o->f); return 0;
    case A_BOOL: *out = vbool((int)o->i); return 0;
    case A_NIL: *out = (tval){.k = V_NIL}; return 0;
    case A_PIPE: {
        tval v = {.k = V_NIL};
        if (eval_pipeline(x, o->pipe, dot, &v) < 0)
            return -1;
        return field_chain(x, v, o->chain, o->nchain, "(pipeline)", out);
    }
    case A_FUNC: return xfail(x, "function %s used as a value", o->s);
    }
    return -1;
}

static int eval_command(exec_ctx *x, const command *c, const tval *dot, const tval *piped,
                        tval *out)
{
    const operand *first = &c->args[0];
    if (first->k != A_FUNC) {
        if (c->nargs > 1 || piped) {
            x->line = c->args[c->nargs > 1 ? 1 : 0].line;
            x->col = c->args[c->nargs > 1 ? 1 : 0].col;
            return xfail(x, "can't give argument to non-function %s",
                         first->k == A_FIELD ? first->chain[0] : "value");
        }
        return eval_operand(x, first, dot, out);
    }
    size_t n = c->nargs - 1 + (piped ? 1 : 0);
    const fn_def *f = first->fn;
    if ((int)n < f->min_args || (f->max_args >= 0 && (int)n > f->max_args)) {
        x->line = first->line;
        x->col = first->col;
        if (f->max_args == f->min_args)
            return xfail(x, "at <%s>: wrong number of args for %s: want %d got %zu", f->name,
                         f->name, f->min_args, n);
        return xfail(x, "at <%s>: wrong number of args for %s: want at least %d got %zu",
                     f->name, f->name, f->min_args, n);
    }
    tval *args = xalloc((n ? n : 1) * sizeof *args);
    for (size_t i = 1; i < c->nargs; i++)
        if (eval_operand(x, &c->args[i], dot, &args[i - 1]) < 0) {
            free(args);
            return -1;
        }
    if (piped)
        args[n - 1] = *piped;
    x->line = first->line;
    x->col = first->col;
    int rc = f->impl(x, args, n, out);
    free(args);
    return rc;
}

static int eval_pipeline(exec_ctx *x, const pipeline *p, const tval *dot, tval *out)
{
    tval v = {.k = V_NIL};
    for (size_t i = 0; i < p->ncmds; i++) {
        tval r;
        if (eval_command(x, &p->cmds[i], dot, i ? &v : NULL, &r) < 0)
            return -1;
        v = r;
    }
    if (p->ndecl == 1 && p->assign) {
        tval *slot = NULL;
        for (size_t k = x->nvars; k-- > 0 && !slot;)
            if (!strcmp(x->vars[k].name, p->decl[0]))
                slot = &x->vars[k].v;
        if (!slot)
            return xfail(x, "undefined variable: %s", p->decl[0]);
        *slot = v;
    } else if (p->ndecl == 1) {
        push_var(x, p->decl[0], v);
    }
    *out = v;
    return 0;
}

enum flow { FLOW_NORMAL, FLOW_BREAK, FLOW_CONTINUE };

static int walk(exec_ctx *x, const nodelist *l, const tval *dot, enum flow *flow);

static int walk_scoped(exec_ctx *x, const nodelist *l, const tval *dot, enum flow *flow)
{
    size_t mark = x->nvars;
    int rc = walk(x, l, dot, flow);
    x->nvars = mark;
    return rc;
}

static int walk_range(exec_ctx *x, const node *n, const tval *dot, enum flow *flow)
{
    size_t mark = x->nvars;
    tval v = {.k = V_NIL};
    /* range's declarations bind per element, not to the pipeline's value */
    pipeline tmp = *n->pipe;
    tmp.ndecl = 0;
    if (eval_pipeline(x, &tmp, dot, &v) < 0)
        return -1;
    int rc = 0;
    size_t count = 0;
    if (v.k == V_JSON) {
        const cJSON *e;
        long long idx = 0;
        cJSON_ArrayForEach(e, v.j)
        {
            x->nvars = mark;
            tval ev = from_json(x, e);
            tval key = cJSON_IsArray(v.j) ? vint(idx) : vstr(x, e->string);
            if (n->pipe->ndecl == 1) {
                push_var(x, n->pipe->decl[0], ev);
            } else if (n->pipe->ndecl == 2) {
                push_var(x, n->pipe->decl[0], key);
                push_var(x, n->pipe->decl[1], ev);
            }
            count++;
            idx++;
            enum flow f = FLOW_NORMAL;
            if ((rc = walk_scoped(x, &n->list, &ev, &f)) < 0 || f == FLOW_BREAK)
                break;
        }
    } else if (v.k == V_INT) {
        for (long long i = 0; i < v.i; i++) {
            x->nvars = mark;
            tval ev = vint(i);
            if (n->pipe->ndecl >= 1)
                push_var(x, n->pipe->decl[0], ev);
            count++;
            enum flow f = FLOW_NORMAL;
            if ((rc = walk_scoped(x, &n->list, &ev, &f)) < 0 || f == FLOW_BREAK)
                break;
        }
    } else if (v.k != V_NIL) {
        rc = xfail(x, "range can't iterate over %s", kind_name(&v));
    }
    x->nvars = mark;
    if (rc == 0 && count == 0)
        rc = walk_scoped(x, &n->elselist, dot, flow);
    return rc;
}

static int walk(exec_ctx *x, const nodelist *l, const tval *dot, enum flow *flow)
{
    for (size_t i = 0; i < l->count; i++) {
        const node *n = &l->items[i];
        switch (n->k) {
        case N_TEXT: sb_add(x->out, n->text, n->len); break;
        case N_ACTION: {
            tval v = {.k = V_NIL};
            if (eval_pipeline(x, n->pipe, dot, &v) < 0)
                return -1;
            if (!n->pipe->ndecl)
                print_val(x->out, &v);
            break;
        }
        case N_IF:
        case N_WITH: {
            size_t mark = x->nvars;
            tval v = {.k = V_NIL};
            if (eval_pipeline(x, n->pipe, dot, &v) < 0)
                return -1;
            int rc;
            if (truth(&v))
                rc = walk(x, &n->list, n->k == N_WITH ? &v : dot, flow);
            else
                rc = walk(x, &n->elselist, dot, flow);
            x->nvars = mark;
            if (rc < 0)
                return -1;
            if (*flow != FLOW_NORMAL)
                return 0;
            break;
        }
        case N_RANGE:
            if (walk_range(x, n, dot, flow) < 0)
                return -1;
            break;
        case N_BREAK: *flow = FLOW_BREAK; return 0;
        case N_CONTINUE: *flow = FLOW_CONTINUE; return 0;
        }
    }
    return 0;
}

/* ---- API ------------------------------------------------------------- */

int gotmpl_parse(gotmpl **out, const char *name, const char *text, mtv_err *err)
{
    *out = NULL;
    if (!name)
        name = "template";
    lexer lx = {.name = name, .src = text ? text : "", .n = text ? strlen(text) : 0, .err = err};
    int rc = lex(&lx);
    gotmpl *t = NULL;
    if (rc == 0) {
        t = xalloc(sizeof *t);
        t->name = xstrndup(name, strlen(name));
        parser p = {.lx = &lx, .fns = functions};
        enum stop why;
        rc = parse_list(&p, &t->root, &why);
        if (rc == 0 && why != STOP_NONE)
            rc = perr(&p, &lx.toks[p.i ? p.i - 1 : 0], "unexpected {{%s}}",
                      why == STOP_END ? "end" : "else");
    }
    for (size_t i = 0; i < lx.ntoks; i++)
        free(lx.toks[i].s);
    free(lx.toks);
    if (rc < 0) {
        gotmpl_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

int gotmpl_exec(const gotmpl *t, const cJSON *data, strbuf *out, mtv_err *err)
{
    exec_ctx x = {.t = t, .out = out, .err = err};
    tval dot = from_json(&x, data);
    push_var(&x, "$", dot);
    enum flow flow = FLOW_NORMAL;
    int rc = walk(&x, &t->root, &dot, &flow);
    for (size_t i = 0; i < x.narena; i++)
        free(x.arena[i]);
    free(x.arena);
    free(x.vars);
    return rc;
}

int gotmpl_render(const char *name, const char *text, const cJSON *data, strbuf *out,
                  mtv_err *err)
{
    gotmpl *t;
    if (gotmpl_parse(&t, name, text, err) < 0)
        return -1;
    int rc = gotmpl_exec(t, data, out, err);
    gotmpl_free(t);
    return rc;
}
