/* lab_jsonpath: see lab_jsonpath.h. The expression is re-scanned on every
 * evaluation: columns are short and tables small, so a compiled form would
 * only add an ownership problem. */
#include "lab/lab_jsonpath.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Parses one segment at *p into its parts. Kinds: 'n' name, 'i' index,
 * '*' wildcard, 'f' filter. Returns 0 at the end, 1 for a segment, -1 on error. */
typedef struct seg {
    char kind;
    strbuf name;      /* 'n'; the filter's @-path for 'f' */
    long index;
    int filter_op;    /* 0 exists, 1 ==, 2 != */
    strbuf value;     /* filter literal */
} seg;

static void seg_release(seg *s)
{
    sb_release(&s->name);
    sb_release(&s->value);
}

static int read_quoted(const char **p, strbuf *out)
{
    char q = **p;
    if (q != '\'' && q != '"')
        return -1;
    (*p)++;
    while (**p && **p != q) {
        if (**p == '\\' && (*p)[1])
            (*p)++;
        sb_addc(out, *(*p)++);
    }
    if (**p != q)
        return -1;
    (*p)++;
    return 0;
}

static int next_seg(const char **pp, seg *s)
{
    const char *p = *pp;
    sb_reset(&s->name);
    sb_reset(&s->value);
    if (!*p)
        return 0;
    if (*p == '.') {
        p++;
        if (*p == '[' || !*p)
            return -1;
        while (*p && *p != '.' && *p != '[') {
            if (*p == '\\' && p[1])
                p++;
            sb_addc(&s->name, *p++);
        }
        s->kind = 'n';
        *pp = p;
        return 1;
    }
    if (*p != '[')
        return -1;
    p++;
    while (*p == ' ')
        p++;
    if (*p == '\'' || *p == '"') {
        if (read_quoted(&p, &s->name) < 0)
            return -1;
        s->kind = 'n';
    } else if (*p == '*') {
        p++;
        s->kind = '*';
    } else if (*p == '?') {
        p++;
        if (*p++ != '(' || *p++ != '@')
            return -1;
        while (*p == '.' || *p == '_' || *p == '-' || isalnum((unsigned char)*p))
            sb_addc(&s->name, *p++);
        while (*p == ' ')
            p++;
        s->filter_op = 0;
        if ((p[0] == '=' && p[1] == '=') || (p[0] == '!' && p[1] == '=')) {
            s->filter_op = p[0] == '=' ? 1 : 2;
            p += 2;
            while (*p == ' ')
                p++;
            if (*p == '\'' || *p == '"') {
                if (read_quoted(&p, &s->value) < 0)
                    return -1;
            } else {
                while (*p && *p != ')' && *p != ' ')
                    sb_addc(&s->value, *p++);
            }
            while (*p == ' ')
                p++;
        }
        if (*p++ != ')')
            return -1;
        s->kind = 'f';
    } else if (isdigit((unsigned char)*p) || *p == '-') {
        char *end;
        s->index = strtol(p, &end, 10);
        p = end;
        s->kind = 'i';
    } else {
        return -1;
    }
    while (*p == ' ')
        p++;
    if (*p++ != ']')
        return -1;
    *pp = p;
    return 1;
}

static const char *body_of(const char *expr, strbuf *tmp)
{
    while (*expr == ' ')
        expr++;
    size_t n = strlen(expr);
    while (n && expr[n - 1] == ' ')
        n--;
    if (n >= 2 && expr[0] == '{' && expr[n - 1] == '}') {
        expr++;
        n -= 2;
    }
    if (n && expr[0] == '$') {
        expr++;
        n--;
    }
    sb_reset(tmp);
    sb_add(tmp, expr, n);
    return sb_str(tmp);
}

int lab_jsonpath_check(const char *expr, strbuf *err)
{
    strbuf tmp = STRBUF_INIT;
    const char *p = body_of(expr, &tmp);
    seg s = {0};
    int rc;
    while ((rc = next_seg(&p, &s)) > 0)
        ;
    if (rc < 0)
        sb_addf(err, "unsupported JSONPath expression '%s' near '%s'", expr, p);
    seg_release(&s);
    sb_release(&tmp);
    return rc < 0 ? -1 : 0;
}

static int filter_match(const cJSON *el, const seg *s)
{
    const cJSON *cur = el;
    const char *p = sb_str(&s->name);
    while (cur && *p) {
        if (*p == '.')
            p++;
        const char *end = strchr(p, '.');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char key[256];
        if (!n || n >= sizeof key)
            return 0;
        memcpy(key, p, n);
        key[n] = '\0';
        cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, key) : NULL;
        p += n;
    }
    if (s->filter_op == 0)
        return cur != NULL;
    int eq = 0;
    if (cJSON_IsString(cur))
        eq = strcmp(cur->valuestring, sb_str(&s->value)) == 0;
    else if (cJSON_IsBool(cur))
        eq = strcmp(cJSON_IsTrue(cur) ? "true" : "false", sb_str(&s->value)) == 0;
    else if (cJSON_IsNumber(cur))
        eq = cur->valuedouble == strtod(sb_str(&s->value), NULL);
    return s->filter_op == 1 ? eq : (cur != NULL && !eq);
}

static const cJSON *eval(const cJSON *node, const char *p)
{
    seg s = {0};
    int rc = next_seg(&p, &s);
    const cJSON *out = NULL;
    if (rc == 0) {
        out = node;
    } else if (rc > 0) {
        switch (s.kind) {
        case 'n':
            if (cJSON_IsObject(node)) {
                const cJSON *c = cJSON_GetObjectItemCaseSensitive(node, sb_str(&s.name));
                out = c ? eval(c, p) : NULL;
            }
            break;
        case 'i':
            if (cJSON_IsArray(node)) {
                int size = cJSON_GetArraySize(node);
                long idx = s.index < 0 ? size + s.index : s.index;
                if (idx >= 0 && idx < size)
                    out = eval(cJSON_GetArrayItem(node, (int)idx), p);
            }
            break;
        case '*':
        case 'f':
            if (cJSON_IsArray(node) || (s.kind == '*' && cJSON_IsObject(node)))
                for (const cJSON *c = node->child; c && !out; c = c->next)
                    if (s.kind == '*' || filter_match(c, &s))
                        out = eval(c, p);
            break;
        }
    }
    seg_release(&s);
    return out;
}

const cJSON *lab_jsonpath_first(const cJSON *root, const char *expr)
{
    strbuf tmp = STRBUF_INIT;
    const cJSON *out = eval(root, body_of(expr, &tmp));
    sb_release(&tmp);
    return out;
}
