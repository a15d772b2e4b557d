/* json: see json.h. */
#include "util/json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/fs.h"

static void offset_to_line_col(const char *text, size_t off, int *line, int *col)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static void blank_hash_comments(char *text, size_t n)
{
    int at_line_start = 1;
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '\n') {
            at_line_start = 1;
            continue;
        }
        if (!at_line_start)
            continue;
        if (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')
            continue;
        if (text[i] == '#') {
            for (; i < n && text[i] != '\n'; i++)
                text[i] = ' ';
            i--;
        }
        at_line_start = 0;
    }
}

/*
 * A strict RFC 8259 syntax check that stops at the first error with its exact
 * offset and a reason; cJSON parses only text that passed it, so its own
 * (imprecise) error position is never shown.
 */
typedef struct checker {
    const char *s;
    size_t n, i;
    int depth;
    const char *why;
    int comments_allowed;
    char why_buf[160];   /* for messages built at run time */
} checker;

static int ck_fail(checker *c, const char *why)
{
    if (!c->why)
        c->why = why;
    return -1;
}

static void ck_ws(checker *c)
{
    while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\n' ||
                           c->s[c->i] == '\r'))
        c->i++;
}

static int ck_value(checker *c);

static int ck_unexpected(checker *c, const char *expected)
{
    if (c->i >= c->n)
        return ck_fail(c, "unexpected end of file: the JSON is truncated or a bracket is not closed");
    char ch = c->s[c->i];
    if (ch == '#' || (ch == '/' && c->i + 1 < c->n && (c->s[c->i + 1] == '/' || c->s[c->i + 1] == '*')))
        return ck_fail(c, c->comments_allowed
                              ? "comments are allowed only on lines of their own starting with '#'"
                              : "comments are not allowed in JSON");
    if (ch == '\'')
        return ck_fail(c, "strings and keys must use double quotes");
    snprintf(c->why_buf, sizeof c->why_buf, "expected %s", expected);
    return ck_fail(c, c->why_buf);
}

static int ck_string(checker *c)
{
    c->i++; /* opening quote */
    while (c->i < c->n) {
        unsigned char ch = (unsigned char)c->s[c->i];
        if (ch == '"') {
            c->i++;
            return 0;
        }
        if (ch < 0x20)
            return ck_fail(c, ch == '\n' ? "unterminated string (a string cannot span lines)"
                                         : "control character inside a string must be escaped");
        if (ch == '\\') {
            c->i++;
            if (c->i >= c->n)
                break;
            char e = c->s[c->i];
            if (e == 'u') {
                for (int k = 1; k <= 4; k++)
                    if (c->i + (size_t)k >= c->n || !isxdigit((unsigned char)c->s[c->i + (size_t)k]))
                        return ck_fail(c, "invalid \\u escape: expected 4 hex digits");
                c->i += 4;
            } else if (!strchr("\"\\/bfnrt", e)) {
                c->i--;
                return ck_fail(c, "invalid escape sequence in string");
            }
        }
        c->i++;
    }
    return ck_fail(c, "unterminated string: the closing '\"' is missing");
}

static int ck_number(checker *c)
{
    size_t start = c->i;
    if (c->s[c->i] == '-')
        c->i++;
    if (c->i < c->n && c->s[c->i] == '0') {
        c->i++;
    } else if (c->i < c->n && isdigit((unsigned char)c->s[c->i])) {
        while (c->i < c->n && isdigit((unsigned char)c->s[c->i]))
            c->i++;
    } else {
        c->i = start;
        return ck_fail(c, "invalid number");
    }
    if (c->i < c->n && c->s[c->i] == '.') {
        c->i++;
        if (c->i >= c->n || !isdigit((unsigned char)c->s[c->i]))
            return ck_fail(c, "invalid number: digits expected after '.'");
        while (c->i < c->n && isdigit((unsigned char)c->s[c->i]))
            c->i++;
    }
    if (c->i < c->n && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
        c->i++;
        if (c->i < c->n && (c->s[c->i] == '+' || c->s[c->i] == '-'))
            c->i++;
        if (c->i >= c->n || !isdigit((unsigned char)c->s[c->i]))
            return ck_fail(c, "invalid number: digits expected in the exponent");
        while (c->i < c->n && isdigit((unsigned char)c->s[c->i]))
            c->i++;
    }
    if (c->i < c->n && (isalnum((unsigned char)c->s[c->i]) || c->s[c->i] == '.')) {
        c->i = start;
        return ck_fail(c, "invalid number");
    }
    return 0;
}

static int ck_container(checker *c, char close)
{
    int is_obj = close == '}';
    if (++c->depth > 512)
        return ck_fail(c, "nesting deeper than 512 levels");
    c->i++;
    ck_ws(c);
    if (c->i < c->n && c->s[c->i] == close) {
        c->i++;
        c->depth--;
        return 0;
    }
    for (;;) {
        ck_ws(c);
        if (is_obj) {
            if (c->i < c->n && c->s[c->i] != '"') {
                if (c->s[c->i] == close)
                    return ck_fail(c, "trailing comma before the closing bracket is not allowed in JSON");
                if (isalpha((unsigned char)c->s[c->i]) || c->s[c->i] == '_')
                    return ck_fail(c, "object keys must be double-quoted strings");
                return ck_unexpected(c, "a double-quoted key");
            }
            if (c->i >= c->n)
                return ck_unexpected(c, "a key");
            if (ck_string(c) < 0)
                return -1;
            ck_ws(c);
            if (c->i >= c->n || c->s[c->i] != ':')
                return ck_unexpected(c, "':' after the key");
            c->i++;
            ck_ws(c);
        } else if (c->i < c->n && c->s[c->i] == close) {
            return ck_fail(c, "trailing comma before the closing bracket is not allowed in JSON");
        }
        if (ck_value(c) < 0)
            return -1;
        ck_ws(c);
        if (c->i < c->n && c->s[c->i] == ',') {
            c->i++;
            continue;
        }
        if (c->i < c->n && c->s[c->i] == close) {
            c->i++;
            c->depth--;
            return 0;
        }
        if (c->i < c->n && (c->s[c->i] == '"' || c->s[c->i] == '{' || c->s[c->i] == '[' ||
                            isalnum((unsigned char)c->s[c->i]) || c->s[c->i] == '-'))
            return ck_fail(c, is_obj ? "missing ',' between object members"
                                     : "missing ',' between array elements");
        return ck_unexpected(c, is_obj ? "',' or '}' after an object member"
                                       : "',' or ']' after an array element");
    }
}

static int ck_value(checker *c)
{
    ck_ws(c);
    if (c->i >= c->n)
        return ck_unexpected(c, "a value");
    char ch = c->s[c->i];
    if (ch == '{')
        return ck_container(c, '}');
    if (ch == '[')
        return ck_container(c, ']');
    if (ch == '"')
        return ck_string(c);
    if (ch == '-' || isdigit((unsigned char)ch))
        return ck_number(c);
    static const char *const lits[] = {"true", "false", "null"};
    for (int k = 0; k < 3; k++) {
        size_t l = strlen(lits[k]);
        if (c->n - c->i >= l && strncmp(c->s + c->i, lits[k], l) == 0 &&
            (c->i + l == c->n || !isalnum((unsigned char)c->s[c->i + l]))) {
            c->i += l;
            return 0;
        }
    }
    if (isalpha((unsigned char)ch))
        return ck_fail(c, "invalid literal: strings must be double-quoted; literals are true, false and null");
    return ck_unexpected(c, "a value");
}

/* Returns -1 with *off and *why set at the first syntax error. */
/* On failure *why points into buf (the checker's own buffer goes out of scope). */
static int check_syntax(const char *s, size_t n, int comments_allowed, size_t *off, char *buf,
                        size_t bufsize, const char **why)
{
    checker c = {s, n, 0, 0, NULL, comments_allowed, {0}};
    if (ck_value(&c) == 0) {
        ck_ws(&c);
        if (c.i == n)
            return 0;
        if (!c.why)
            ck_unexpected(&c, "the end of the file after the JSON value");
        if (c.why && strncmp(c.why, "expected", 8) == 0)
            c.why = "unexpected text after the end of the JSON value";
    }
    *off = c.i;
    snprintf(buf, bufsize, "%s", c.why ? c.why : "invalid JSON");
    *why = buf;
    return -1;
}

int json_doc_parse(json_doc *doc, const char *name, const char *text, size_t n, int flags,
                   mtv_err *err)
{
    memset(doc, 0, sizeof *doc);
    doc->name = strdup(name ? name : "<input>");
    doc->text = malloc(n + 1);
    if (!doc->name || !doc->text)
        abort();
    memcpy(doc->text, text, n);
    doc->text[n] = '\0';
    doc->len = n;
    if (flags & JSON_HASH_COMMENTS)
        blank_hash_comments(doc->text, n);

    size_t i = 0;
    while (i < n && isspace((unsigned char)doc->text[i]))
        i++;
    if (i == n) {
        mtv_err_set(err, MTV_EXIT_USAGE, "%s is empty%s", doc->name,
                    n ? " (only whitespace or comments)" : "");
        json_doc_free(doc);
        return -1;
    }
    if (memchr(doc->text, '\0', n)) {
        size_t off = strlen(doc->text);
        int line, col;
        offset_to_line_col(doc->text, off, &line, &col);
        mtv_err_set(err, MTV_EXIT_USAGE, "%s:%d:%d: NUL byte in JSON text", doc->name, line, col);
        json_doc_free(doc);
        return -1;
    }
    size_t off = 0;
    const char *what = NULL;
    char why[sizeof(((checker *)0)->why_buf)];
    if (check_syntax(doc->text, n, flags & JSON_HASH_COMMENTS, &off, why, sizeof why, &what) == 0) {
        doc->root = cJSON_ParseWithLength(doc->text, n);
        if (!doc->root) {
            off = 0;
            what = "could not be parsed";
        }
    }
    if (!doc->root) {
        int line, col;
        offset_to_line_col(doc->text, off, &line, &col);
        /* the line, as written (comments shown as they were) */
        size_t ls = off;
        while (ls > 0 && text[ls - 1] != '\n')
            ls--;
        size_t le = off;
        while (le < n && text[le] != '\n' && text[le] != '\r')
            le++;
        strbuf excerpt = STRBUF_INIT;
        if (le > ls || off < n) {
            sb_adds(&excerpt, "\n    ");
            sb_add(&excerpt, text + ls, le - ls);
            sb_adds(&excerpt, "\n    ");
            for (size_t k = ls; k < off && k < le; k++)
                sb_addc(&excerpt, text[k] == '\t' ? '\t' : ' ');
            sb_addc(&excerpt, '^');
        }
        mtv_err_set(err, MTV_EXIT_USAGE, "%s:%d:%d: %s%s", doc->name, line, col, what,
                    sb_str(&excerpt));
        sb_release(&excerpt);
        json_doc_free(doc);
        return -1;
    }
    return 0;
}

int json_doc_load(json_doc *doc, const char *path, int flags, mtv_err *err)
{
    strbuf sb = STRBUF_INIT;
    memset(doc, 0, sizeof *doc);
    if (fs_read_file(path, &sb, err) < 0) {
        sb_release(&sb);
        return -1;
    }
    int rc = json_doc_parse(doc, path, sb_str(&sb), sb.len, flags, err);
    sb_release(&sb);
    return rc;
}

void json_doc_free(json_doc *doc)
{
    if (!doc)
        return;
    cJSON_Delete(doc->root);
    free(doc->text);
    free(doc->name);
    memset(doc, 0, sizeof *doc);
}

/* --- locating a pointer in the text ----------------------------------- */

typedef struct scanner {
    const char *s;
    size_t n, i;
} scanner;

static void skip_ws(scanner *sc)
{
    while (sc->i < sc->n && isspace((unsigned char)sc->s[sc->i]))
        sc->i++;
}

/* Reads a string at sc->i into out (unescaped enough for comparison of
 * ordinary keys: \uXXXX kept literally). */
static int read_string(scanner *sc, strbuf *out)
{
    if (sc->i >= sc->n || sc->s[sc->i] != '"')
        return -1;
    sc->i++;
    while (sc->i < sc->n && sc->s[sc->i] != '"') {
        char c = sc->s[sc->i++];
        if (c == '\\' && sc->i < sc->n) {
            char e = sc->s[sc->i++];
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            default: c = e;
            }
        }
        if (out)
            sb_addc(out, c);
    }
    if (sc->i >= sc->n)
        return -1;
    sc->i++;
    return 0;
}

static int skip_value(scanner *sc)
{
    skip_ws(sc);
    if (sc->i >= sc->n)
        return -1;
    char c = sc->s[sc->i];
    if (c == '"')
        return read_string(sc, NULL);
    if (c == '{' || c == '[') {
        int depth = 0;
        while (sc->i < sc->n) {
            char d = sc->s[sc->i];
            if (d == '"') {
                if (read_string(sc, NULL) < 0)
                    return -1;
                continue;
            }
            if (d == '{' || d == '[')
                depth++;
            else if (d == '}' || d == ']')
                depth--;
            sc->i++;
            if (depth == 0)
                return 0;
        }
        return -1;
    }
    while (sc->i < sc->n && !strchr(",}] \t\r\n", sc->s[sc->i]))
        sc->i++;
    return 0;
}

static void next_token(const char **p, strbuf *tok)
{
    sb_reset(tok);
    while (**p && **p != '/') {
        if (**p == '~' && (*p)[1] == '1') {
            sb_addc(tok, '/');
            *p += 2;
        } else if (**p == '~' && (*p)[1] == '0') {
            sb_addc(tok, '~');
            *p += 2;
        } else {
            sb_addc(tok, *(*p)++);
        }
    }
}

int json_doc_locate(const json_doc *doc, const char *pointer, int *line, int *col)
{
    scanner sc = {doc->text, doc->len, 0};
    skip_ws(&sc);
    size_t best = sc.i;
    const char *p = pointer ? pointer : "";
    strbuf tok = STRBUF_INIT, key = STRBUF_INIT;
    int exact = 1;
    while (*p == '/') {
        p++;
        next_token(&p, &tok);
        skip_ws(&sc);
        if (sc.i >= sc.n) {
            exact = 0;
            break;
        }
        int found = 0;
        if (sc.s[sc.i] == '{') {
            sc.i++;
            for (;;) {
                skip_ws(&sc);
                if (sc.i >= sc.n || sc.s[sc.i] == '}')
                    break;
                size_t key_at = sc.i;
                sb_reset(&key);
                if (read_string(&sc, &key) < 0)
                    break;
                skip_ws(&sc);
                if (sc.i < sc.n && sc.s[sc.i] == ':')
                    sc.i++;
                if (key.len == tok.len && memcmp(key.buf ? key.buf : "", sb_str(&tok), tok.len) == 0) {
                    best = key_at;
                    found = 1;
                    break;
                }
                if (skip_value(&sc) < 0)
                    break;
                skip_ws(&sc);
                if (sc.i < sc.n && sc.s[sc.i] == ',')
                    sc.i++;
            }
        } else if (sc.s[sc.i] == '[') {
            char *endp;
            long want = strtol(sb_str(&tok), &endp, 10);
            sc.i++;
            for (long k = 0; *endp == '\0' && tok.len; k++) {
                skip_ws(&sc);
                if (sc.i >= sc.n || sc.s[sc.i] == ']')
                    break;
                if (k == want) {
                    best = sc.i;
                    found = 1;
                    break;
                }
                if (skip_value(&sc) < 0)
                    break;
                skip_ws(&sc);
                if (sc.i < sc.n && sc.s[sc.i] == ',')
                    sc.i++;
            }
        }
        if (!found) {
            exact = 0;
            break;
        }
    }
    sb_release(&tok);
    sb_release(&key);
    offset_to_line_col(doc->text, best, line, col);
    return exact ? 0 : -1;
}

void json_doc_where(const json_doc *doc, const char *pointer, strbuf *out)
{
    int line, col;
    json_doc_locate(doc, pointer, &line, &col);
    sb_reset(out);
    sb_addf(out, "%s:%d:%d", doc->name, line, col);
}

void json_pointer_append(strbuf *ptr, const char *token)
{
    sb_addc(ptr, '/');
    for (const char *t = token; *t; t++) {
        if (*t == '~')
            sb_adds(ptr, "~0");
        else if (*t == '/')
            sb_adds(ptr, "~1");
        else
            sb_addc(ptr, *t);
    }
}

void json_pointer_append_index(strbuf *ptr, size_t index)
{
    sb_addf(ptr, "/%zu", index);
}

const char *json_type_name(const cJSON *item)
{
    if (!item)
        return "missing";
    if (cJSON_IsString(item))
        return "string";
    if (cJSON_IsNumber(item))
        return "number";
    if (cJSON_IsBool(item))
        return "boolean";
    if (cJSON_IsObject(item))
        return "object";
    if (cJSON_IsArray(item))
        return "array";
    if (cJSON_IsNull(item))
        return "null";
    return "invalid";
}

static int cmp_items(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

static void print_string(strbuf *out, const char *s)
{
    sb_addc(out, '"');
    json_escape(out, s, strlen(s));
    sb_addc(out, '"');
}

void json_print(strbuf *out, const cJSON *item, int sorted)
{
    if (!item) {
        sb_adds(out, "null");
        return;
    }
    if (cJSON_IsObject(item)) {
        size_t n = (size_t)cJSON_GetArraySize(item), k = 0;
        const cJSON **kids = n ? malloc(n * sizeof *kids) : NULL;
        if (n && !kids)
            abort();
        for (const cJSON *c = item->child; c; c = c->next)
            kids[k++] = c;
        if (sorted && n > 1)
            qsort(kids, n, sizeof *kids, cmp_items);
        sb_addc(out, '{');
        for (size_t i = 0; i < n; i++) {
            if (i)
                sb_addc(out, ',');
            print_string(out, kids[i]->string ? kids[i]->string : "");
            sb_addc(out, ':');
            json_print(out, kids[i], sorted);
        }
        sb_addc(out, '}');
        free(kids);
    } else if (cJSON_IsArray(item)) {
        sb_addc(out, '[');
        for (const cJSON *c = item->child; c; c = c->next) {
            if (c != item->child)
                sb_addc(out, ',');
            json_print(out, c, sorted);
        }
        sb_addc(out, ']');
    } else if (cJSON_IsString(item)) {
        print_string(out, item->valuestring ? item->valuestring : "");
    } else {
        char *s = cJSON_PrintUnformatted(item);
        sb_adds(out, s ? s : "null");
        cJSON_free(s);
    }
}
