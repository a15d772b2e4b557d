/* yamldoc: see yamldoc.h. Built on libyaml's event parser rather than its
 * document loader, because only events say whether a scalar's tag was
 * implicit (the loader tags every untagged scalar !!str). Aliases copy the
 * anchored value; a depth limit and a value budget turn alias bombs into
 * errors. */
#include "util/yamldoc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/fs.h"
#include "util/strbuf.h"

#define YAMLDOC_MAX_DEPTH 512
#define YAMLDOC_MAX_NODES 1000000

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

static int parse_int(const char *s, double *out)
{
    strbuf clean = STRBUF_INIT;
    for (const char *p = s; *p; p++)
        if (*p != '_')
            sb_addc(&clean, *p);
    const char *t = sb_str(&clean);
    int neg = 0;
    if (*t == '+' || *t == '-')
        neg = *t++ == '-';
    int base = 10;
    if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))
        base = 16, t += 2;
    else if (t[0] == '0' && t[1] == 'o')
        base = 8, t += 2;
    else if (t[0] == '0' && t[1] == 'b')
        base = 2, t += 2;
    else if (t[0] == '0' && t[1])
        base = 8, t += 1;
    int ok = *t != '\0';
    const char *digits = base == 16 ? "0123456789abcdefABCDEF" : base == 8 ? "01234567"
                         : base == 2 ? "01" : "0123456789";
    for (const char *p = t; *p && ok; p++)
        ok = strchr(digits, *p) != NULL;
    if (ok) {
        errno = 0;
        unsigned long long v = strtoull(t, NULL, base);
        ok = errno == 0;
        *out = neg ? -(double)v : (double)v;
    }
    sb_release(&clean);
    return ok;
}

static int parse_float(const char *s, double *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    int digits = 0, dot = 0;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p == '.' && !dot)
            dot = 1;
        else
            break;
    }
    if (!digits)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p)
        return 0;
    *out = strtod(s, NULL);
    return isfinite(*out);
}

/* Resolution of an untagged plain scalar (go-yaml v2 / YAML 1.1 rules). */
static cJSON *plain_scalar(const char *v)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On",
                                        "ON", "y", "Y", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", "no", "No", "NO", "off",
                                         "Off", "OFF", "n", "N", NULL};
    if (in_list(v, nulls))
        return cJSON_CreateNull();
    if (in_list(v, trues))
        return cJSON_CreateTrue();
    if (in_list(v, falses))
        return cJSON_CreateFalse();
    double d;
    if (parse_int(v, &d) || parse_float(v, &d))
        return cJSON_CreateNumber(d);
    return cJSON_CreateString(v);
}

typedef struct frame {
    cJSON *node;          /* object or array being filled */
    char *key;            /* pending mapping key (objects) */
    yaml_mark_t key_mark;
    int key_is_merge;
    cJSON *merges;        /* values of '<<' keys, merged at the mapping's end */
    char *anchor;
} frame;

typedef struct anchor {
    char *name;
    cJSON *node;          /* borrowed from the tree being built */
} anchor;

typedef struct builder {
    const char *name;
    frame *stack;
    size_t depth, cap;
    anchor *anchors;
    size_t nanchors;
    size_t produced;
    cJSON *docs;
    cJSON *doc;           /* the current document's root */
    mtv_err *err;
} builder;

static int fail_mark(builder *b, yaml_mark_t m, const char *fmt, const char *arg)
{
    char what[512];
    snprintf(what, sizeof what, fmt, arg);
    return mtv_err_set(b->err, MTV_EXIT_USAGE, "%s:%zu:%zu: %s", b->name, (size_t)m.line + 1,
                       (size_t)m.column + 1, what);
}

static size_t count_nodes(const cJSON *n)
{
    size_t c = 1;
    for (const cJSON *ch = n->child; ch; ch = ch->next)
        c += count_nodes(ch);
    return c;
}

static void remember_anchor(builder *b, const char *name, cJSON *node)
{
    for (size_t i = 0; i < b->nanchors; i++)
        if (!strcmp(b->anchors[i].name, name)) {
            b->anchors[i].node = node;
            return;
        }
    b->anchors = realloc(b->anchors, (b->nanchors + 1) * sizeof *b->anchors);
    if (!b->anchors)
        abort();
    b->anchors[b->nanchors].name = strdup(name);
    b->anchors[b->nanchors++].node = node;
}

static void forget_anchors(builder *b)
{
    for (size_t i = 0; i < b->nanchors; i++)
        free(b->anchors[i].name);
    free(b->anchors);
    b->anchors = NULL;
    b->nanchors = 0;
}

static int merge_into(builder *b, cJSON *obj, const cJSON *src, yaml_mark_t m)
{
    if (cJSON_IsArray(src)) {
        for (const cJSON *c = src->child; c; c = c->next)
            if (merge_into(b, obj, c, m) < 0)
                return -1;
        return 0;
    }
    if (!cJSON_IsObject(src))
        return fail_mark(b, m, "%s", "a '<<' merge key needs a mapping or a list of mappings");
    for (const cJSON *c = src->child; c; c = c->next)
        if (!cJSON_GetObjectItemCaseSensitive(obj, c->string))
            cJSON_AddItemToObject(obj, c->string, cJSON_Duplicate(c, 1));
    return 0;
}

/* Places a finished value into the enclosing container (or as the root). */
static int place(builder *b, cJSON *value, const char *anchor_name, yaml_mark_t m)
{
    if (++b->produced > YAMLDOC_MAX_NODES) {
        cJSON_Delete(value);
        return fail_mark(b, m, "%s", "document expands to too many values (alias bomb?)");
    }
    if (anchor_name)
        remember_anchor(b, anchor_name, value);
    if (!b->depth) {
        b->doc = value;
        return 0;
    }
    frame *f = &b->stack[b->depth - 1];
    if (cJSON_IsArray(f->node)) {
        cJSON_AddItemToArray(f->node, value);
        return 0;
    }
    if (!f->key) {
        /* value is a key */
        if (!cJSON_IsString(value)) {
            char *txt = cJSON_PrintUnformatted(value);
            f->key = txt ? txt : strdup("");
            if (cJSON_IsNumber(value) || cJSON_IsBool(value) || cJSON_IsNull(value)) {
                cJSON_Delete(value);
                f->key_mark = m;
                return 0;
            }
            cJSON_Delete(value);
            return fail_mark(b, m, "%s", "mapping keys must be scalars");
        }
        f->key = strdup(value->valuestring);
        f->key_mark = m;
        cJSON_Delete(value);
        return 0;
    }
    char *key = f->key;
    f->key = NULL;
    if (f->key_is_merge) {
        f->key_is_merge = 0;
        free(key);
        if (!f->merges)
            f->merges = cJSON_CreateArray();
        cJSON_AddItemToArray(f->merges, value);
        return 0;
    }
    if (cJSON_GetObjectItemCaseSensitive(f->node, key)) {
        int rc = fail_mark(b, f->key_mark, "duplicate key '%s'", key);
        free(key);
        cJSON_Delete(value);
        return rc;
    }
    cJSON_AddItemToObject(f->node, key, value);
    free(key);
    return 0;
}

static cJSON *scalar_value(builder *b, const yaml_event_t *e, int *bad)
{
    const char *v = (const char *)e->data.scalar.value;
    const char *tag = (const char *)e->data.scalar.tag;
    *bad = 0;
    if (tag && strcmp(tag, "!")) {
        if (!strcmp(tag, YAML_STR_TAG))
            return cJSON_CreateString(v);
        if (!strcmp(tag, YAML_INT_TAG)) {
            double d;
            if (parse_int(v, &d))
                return cJSON_CreateNumber(d);
            *bad = fail_mark(b, e->start_mark, "'%s' is tagged !!int but is not an integer", v);
            return NULL;
        }
        if (!strcmp(tag, YAML_FLOAT_TAG)) {
            double d;
            if (parse_int(v, &d) || parse_float(v, &d))
                return cJSON_CreateNumber(d);
            *bad = fail_mark(b, e->start_mark, "'%s' is tagged !!float but is not a number", v);
            return NULL;
        }
        if (!strcmp(tag, YAML_BOOL_TAG) || !strcmp(tag, YAML_NULL_TAG)) {
            cJSON *r = plain_scalar(v);
            if ((!strcmp(tag, YAML_BOOL_TAG) && !cJSON_IsBool(r)) ||
                (!strcmp(tag, YAML_NULL_TAG) && !cJSON_IsNull(r))) {
                cJSON_Delete(r);
                *bad = fail_mark(b, e->start_mark, "'%s' does not match its tag", v);
                return NULL;
            }
            return r;
        }
        return cJSON_CreateString(v);
    }
    if (e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return cJSON_CreateString(v);
    return plain_scalar(v);
}

static void push(builder *b, cJSON *node, const char *anchor_name)
{
    if (b->depth == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->stack = realloc(b->stack, b->cap * sizeof *b->stack);
        if (!b->stack)
            abort();
    }
    b->stack[b->depth++] = (frame){.node = node, .anchor = anchor_name ? strdup(anchor_name) : NULL};
}

static void drop_stack(builder *b)
{
    while (b->depth) {
        frame *f = &b->stack[--b->depth];
        cJSON_Delete(f->node); /* frames are attached to their parent only when they end */
        free(f->key);
        free(f->anchor);
        cJSON_Delete(f->merges);
    }
}

static int on_event(builder *b, yaml_event_t *e)
{
    switch (e->type) {
    case YAML_DOCUMENT_START_EVENT:
        b->doc = NULL;
        return 0;
    case YAML_DOCUMENT_END_EVENT:
        forget_anchors(b);
        if (b->doc && !(cJSON_IsNull(b->doc)))
            cJSON_AddItemToArray(b->docs, b->doc);
        else
            cJSON_Delete(b->doc);
        b->doc = NULL;
        return 0;
    case YAML_SCALAR_EVENT: {
        frame *f = b->depth ? &b->stack[b->depth - 1] : NULL;
        if (f && cJSON_IsObject(f->node) && !f->key &&
            e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
            !strcmp((const char *)e->data.scalar.value, "<<")) {
            f->key = strdup("<<");
            f->key_is_merge = 1;
            f->key_mark = e->start_mark;
            return 0;
        }
        if (f && cJSON_IsObject(f->node) && !f->key) {
            f->key = strdup((const char *)e->data.scalar.value);
            f->key_mark = e->start_mark;
            if (e->data.scalar.anchor)
                remember_anchor(b, (const char *)e->data.scalar.anchor,
                                NULL);
            return 0;
        }
        int bad;
        cJSON *v = scalar_value(b, e, &bad);
        if (!v)
            return -1;
        return place(b, v, (const char *)e->data.scalar.anchor, e->start_mark);
    }
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)e->data.alias.anchor;
        for (size_t i = 0; i < b->nanchors; i++)
            if (!strcmp(b->anchors[i].name, name)) {
                if (!b->anchors[i].node)
                    return fail_mark(b, e->start_mark, "alias '%s' refers to a mapping key", name);
                b->produced += count_nodes(b->anchors[i].node);
                if (b->produced > YAMLDOC_MAX_NODES)
                    return fail_mark(b, e->start_mark, "%s",
                                     "document expands to too many values (alias bomb?)");
                return place(b, cJSON_Duplicate(b->anchors[i].node, 1), NULL, e->start_mark);
            }
        return fail_mark(b, e->start_mark, "unknown alias '%s'", name);
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (b->depth >= YAMLDOC_MAX_DEPTH)
            return fail_mark(b, e->start_mark, "nesting deeper than %s levels", "512");
        if (b->depth && cJSON_IsObject(b->stack[b->depth - 1].node) && !b->stack[b->depth - 1].key)
            return fail_mark(b, e->start_mark, "%s", "mapping keys must be scalars");
        push(b, e->type == YAML_SEQUENCE_START_EVENT ? cJSON_CreateArray() : cJSON_CreateObject(),
             (const char *)(e->type == YAML_SEQUENCE_START_EVENT ? e->data.sequence_start.anchor
                                                                 : e->data.mapping_start.anchor));
        return 0;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        frame f = b->stack[--b->depth];
        int rc = 0;
        if (f.merges)
            rc = merge_into(b, f.node, f.merges, e->start_mark);
        cJSON_Delete(f.merges);
        free(f.key);
        if (rc < 0) {
            cJSON_Delete(f.node);
            free(f.anchor);
            return -1;
        }
        rc = place(b, f.node, f.anchor, e->start_mark);
        free(f.anchor);
        return rc;
    }
    default:
        return 0;
    }
}

int yamldoc_parse(const char *name, const char *text, size_t n, cJSON **docs, mtv_err *err)
{
    *docs = NULL;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return mtv_err_set(err, MTV_EXIT_ENV, "%s: cannot initialise the YAML parser", name);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, n);
    builder b = {.name = name, .docs = cJSON_CreateArray(), .err = err};
    int rc = 0, done = 0;
    while (!done) {
        yaml_event_t e;
        if (!yaml_parser_parse(&parser, &e)) {
            rc = mtv_err_set(err, MTV_EXIT_USAGE, "%s:%zu:%zu: %s%s%s", name,
                             (size_t)parser.problem_mark.line + 1,
                             (size_t)parser.problem_mark.column + 1,
                             parser.problem ? parser.problem : "invalid YAML",
                             parser.context ? " " : "", parser.context ? parser.context : "");
            break;
        }
        done = e.type == YAML_STREAM_END_EVENT;
        rc = on_event(&b, &e);
        yaml_event_delete(&e);
        if (rc < 0)
            break;
    }
    yaml_parser_delete(&parser);
    if (rc < 0) {
        drop_stack(&b);
        cJSON_Delete(b.doc);
        cJSON_Delete(b.docs);
        forget_anchors(&b);
        free(b.stack);
        return -1;
    }
    free(b.stack);
    forget_anchors(&b);
    *docs = b.docs;
    return 0;
}

int yamldoc_load(const char *path, cJSON **docs, mtv_err *err)
{
    strbuf text = STRBUF_INIT;
    if (fs_read_file(path, &text, err) < 0) {
        sb_release(&text);
        return -1;
    }
    int rc = yamldoc_parse(path, sb_str(&text), text.len, docs, err);
    sb_release(&text);
    return rc;
}
