/* lab_select: see lab_select.h. A small hand-written lexer per grammar:
 * label selectors have set-based operators and parentheses, field selectors
 * only equality with escapes, so sharing one tokenizer would complicate both. */
#include "lab/lab_select.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static void add_req(lab_selector *sel, lab_sel_req req)
{
    sel->reqs = realloc(sel->reqs, (sel->count + 1) * sizeof *sel->reqs);
    if (!sel->reqs)
        abort();
    sel->reqs[sel->count++] = req;
}

static void add_value(lab_sel_req *r, const char *v, size_t n)
{
    r->values = realloc(r->values, (r->nvalues + 1) * sizeof *r->values);
    if (!r->values)
        abort();
    r->values[r->nvalues++] = strndup(v, n);
}

static void free_req(lab_sel_req *r)
{
    free(r->key);
    for (size_t i = 0; i < r->nvalues; i++)
        free(r->values[i]);
    free(r->values);
}

void lab_selector_free(lab_selector *sel)
{
    for (size_t i = 0; i < sel->count; i++)
        free_req(&sel->reqs[i]);
    free(sel->reqs);
    sel->reqs = NULL;
    sel->count = 0;
}

static int key_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' || c == '/';
}

static int value_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

static void skip_ws(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

static int bad_label(lab_selector *sel, lab_sel_req *r, strbuf *err, const char *s, const char *why)
{
    sb_addf(err, "unable to parse requirement: %s in \"%s\"", why, s);
    free_req(r);
    lab_selector_free(sel);
    return -1;
}

int lab_labelsel_parse(const char *s, lab_selector *out, strbuf *err)
{
    memset(out, 0, sizeof *out);
    if (!s)
        return 0;
    const char *p = s;
    skip_ws(&p);
    if (!*p)
        return 0;
    for (;;) {
        lab_sel_req r = {0};
        skip_ws(&p);
        int negated = 0;
        if (*p == '!') {
            negated = 1;
            p++;
            skip_ws(&p);
        }
        const char *k = p;
        while (key_char(*p))
            p++;
        if (p == k)
            return bad_label(out, &r, err, s, "expected a label key");
        r.key = strndup(k, (size_t)(p - k));
        skip_ws(&p);
        if (negated) {
            r.op = SEL_NOT_EXISTS;
        } else if (*p == ',' || *p == '\0') {
            r.op = SEL_EXISTS;
        } else if (p[0] == '=' || (p[0] == '!' && p[1] == '=') || p[0] == '>' || p[0] == '<') {
            if (p[0] == '!')
                r.op = SEL_NE, p += 2;
            else if (p[0] == '>')
                r.op = SEL_GT, p++;
            else if (p[0] == '<')
                r.op = SEL_LT, p++;
            else
                r.op = SEL_EQ, p += p[1] == '=' ? 2 : 1;
            skip_ws(&p);
            const char *v = p;
            while (value_char(*p))
                p++;
            add_value(&r, v, (size_t)(p - v));
            if ((r.op == SEL_GT || r.op == SEL_LT)) {
                char *end;
                strtol(r.values[0], &end, 10);
                if (!*r.values[0] || *end)
                    return bad_label(out, &r, err, s, "for 'gt', 'lt' operators, the value must be an integer");
            }
        } else if (strncmp(p, "in", 2) == 0 || strncmp(p, "notin", 5) == 0) {
            r.op = p[0] == 'i' ? SEL_IN : SEL_NOTIN;
            p += r.op == SEL_IN ? 2 : 5;
            skip_ws(&p);
            if (*p != '(')
                return bad_label(out, &r, err, s, "expected '(' after the set operator");
            p++;
            for (;;) {
                skip_ws(&p);
                const char *v = p;
                while (value_char(*p))
                    p++;
                add_value(&r, v, (size_t)(p - v));
                skip_ws(&p);
                if (*p == ',') {
                    p++;
                    continue;
                }
                if (*p == ')') {
                    p++;
                    break;
                }
                return bad_label(out, &r, err, s, "expected ',' or ')' in the value set");
            }
        } else {
            return bad_label(out, &r, err, s, "unexpected character after the key");
        }
        add_req(out, r);
        skip_ws(&p);
        if (*p == '\0')
            return 0;
        if (*p != ',') {
            lab_sel_req none = {0};
            return bad_label(out, &none, err, s, "expected ',' between requirements");
        }
        p++;
    }
}

int lab_labelsel_match(const lab_selector *sel, const cJSON *labels)
{
    for (size_t i = 0; i < sel->count; i++) {
        const lab_sel_req *r = &sel->reqs[i];
        const cJSON *v = labels ? cJSON_GetObjectItemCaseSensitive(labels, r->key) : NULL;
        const char *val = cJSON_IsString(v) ? v->valuestring : NULL;
        int in = 0;
        switch (r->op) {
        case SEL_EXISTS:
            if (!val)
                return 0;
            break;
        case SEL_NOT_EXISTS:
            if (val)
                return 0;
            break;
        case SEL_EQ:
        case SEL_IN:
            for (size_t j = 0; val && j < r->nvalues; j++)
                in |= strcmp(val, r->values[j]) == 0;
            if (!in)
                return 0;
            break;
        case SEL_NE:
        case SEL_NOTIN:
            for (size_t j = 0; val && j < r->nvalues; j++)
                in |= strcmp(val, r->values[j]) == 0;
            if (in)
                return 0;
            break;
        case SEL_GT:
        case SEL_LT: {
            if (!val)
                return 0;
            char *end;
            long have = strtol(val, &end, 10);
            if (!*val || *end)
                return 0;
            long want = strtol(r->values[0], NULL, 10);
            if (r->op == SEL_GT ? !(have > want) : !(have < want))
                return 0;
            break;
        }
        }
    }
    return 1;
}

/* Reads up to an unescaped stop character, undoing backslash escapes. */
static const char *field_token(const char *p, const char *stops, strbuf *tok)
{
    sb_reset(tok);
    while (*p && !strchr(stops, *p)) {
        if (*p == '\\' && p[1])
            p++;
        sb_addc(tok, *p++);
    }
    return p;
}

int lab_fieldsel_parse(const char *s, lab_selector *out, strbuf *err)
{
    memset(out, 0, sizeof *out);
    if (!s || !*s)
        return 0;
    strbuf tok = STRBUF_INIT;
    const char *p = s;
    for (;;) {
        lab_sel_req r = {0};
        p = field_token(p, "=!,", &tok);
        if (!tok.len || (*p != '=' && *p != '!')) {
            sb_addf(err, "invalid selector: '%s'; can't understand '%s'", s, sb_str(&tok));
            sb_release(&tok);
            lab_selector_free(out);
            return -1;
        }
        r.key = strdup(sb_str(&tok));
        if (*p == '!') {
            if (p[1] != '=') {
                sb_addf(err, "invalid selector: '%s'", s);
                free_req(&r);
                sb_release(&tok);
                lab_selector_free(out);
                return -1;
            }
            r.op = SEL_NE;
            p += 2;
        } else {
            r.op = SEL_EQ;
            p += p[1] == '=' ? 2 : 1;
        }
        p = field_token(p, ",", &tok);
        add_value(&r, sb_str(&tok), tok.len);
        add_req(out, r);
        if (!*p)
            break;
        p++;
    }
    sb_release(&tok);
    return 0;
}

int lab_fieldsel_match(const lab_selector *sel, lab_field_getter get, void *ctx)
{
    strbuf scratch = STRBUF_INIT;
    int ok = 1;
    for (size_t i = 0; ok && i < sel->count; i++) {
        const lab_sel_req *r = &sel->reqs[i];
        const char *v = get(ctx, r->key, &scratch);
        int eq = strcmp(v ? v : "", r->values[0]) == 0;
        ok = r->op == SEL_EQ ? eq : !eq;
    }
    sb_release(&scratch);
    return ok;
}

const char *lab_field_value(const cJSON *obj, const char *path, strbuf *scratch)
{
    const cJSON *cur = obj;
    const char *p = path;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        char key[256];
        if (n >= sizeof key)
            return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, key) : NULL;
        p += n + (dot ? 1 : 0);
    }
    sb_reset(scratch);
    if (cJSON_IsString(cur))
        return cur->valuestring;
    if (cJSON_IsBool(cur))
        return cJSON_IsTrue(cur) ? "true" : "false";
    if (cJSON_IsNumber(cur)) {
        sb_addf(scratch, "%.17g", cur->valuedouble);
        if (cur->valuedouble == (double)(long long)cur->valuedouble) {
            sb_reset(scratch);
            sb_addf(scratch, "%lld", (long long)cur->valuedouble);
        }
        return sb_str(scratch);
    }
    return NULL;
}
