/*
 * kubeconfig_yaml: reading a kubeconfig file as a libyaml document with
 * positions (see kubeconfig_int.h). Only the keys kubeconfig.c asks for are
 * visited, so an alias that points back at its own parent cannot send a
 * walk in circles, and nothing is expanded.
 */
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "k8s/kubeconfig_int.h"
#include "util/fs.h"

int kc_fail(mtv_err *err, const kc_file *f, const yaml_node_t *node, const char *fmt, ...)
{
    strbuf msg = STRBUF_INIT;
    if (node)
        sb_addf(&msg, "%s:%zu:%zu: ", f->path, node->start_mark.line + 1, node->start_mark.column + 1);
    else
        sb_addf(&msg, "%s: ", f->path);
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(&msg, fmt, ap);
    va_end(ap);
    mtv_err_set(err, MTV_EXIT_USAGE, "%s", msg.buf);
    sb_release(&msg);
    return -1;
}

int kc_file_load(kc_file *f, const char *path, mtv_err *err)
{
    memset(f, 0, sizeof *f);
    f->path = strdup(path);
    char *copy = strdup(path);
    f->dir = strdup(dirname(copy));
    free(copy);
    strbuf text = STRBUF_INIT;
    if (fs_read_file(path, &text, err) < 0) {
        sb_release(&text);
        err->exit_code = MTV_EXIT_USAGE;
        return -1;
    }
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        abort();
    yaml_parser_set_input_string(&p, (const unsigned char *)sb_str(&text), text.len);
    int rc = 0;
    if (!yaml_parser_load(&p, &f->doc)) {
        strbuf m = STRBUF_INIT;
        sb_addf(&m, "%s:%zu:%zu: not valid YAML: %s", path, p.problem_mark.line + 1,
                p.problem_mark.column + 1, p.problem ? p.problem : "syntax error");
        if (p.context)
            sb_addf(&m, " (%s, line %zu)", p.context, p.context_mark.line + 1);
        rc = mtv_err_set(err, MTV_EXIT_USAGE, "%s", m.buf);
        sb_release(&m);
    } else {
        f->loaded = 1;
    }
    yaml_parser_delete(&p);
    sb_release(&text);
    return rc;
}

void kc_file_free(kc_file *f)
{
    if (f->loaded)
        yaml_document_delete(&f->doc);
    free(f->path);
    free(f->dir);
    memset(f, 0, sizeof *f);
}

yaml_node_t *kc_root(kc_file *f)
{
    return f->loaded ? yaml_document_get_root_node(&f->doc) : NULL;
}

const char *kc_node_kind(const yaml_node_t *n)
{
    if (!n)
        return "nothing";
    switch (n->type) {
    case YAML_MAPPING_NODE: return "a mapping";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_SCALAR_NODE: return "a string";
    default: return "nothing";
    }
}

static const char *scalar_text(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

int kc_is_null(const yaml_node_t *n)
{
    if (!n)
        return 1;
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    const char *s = scalar_text(n);
    return n->data.scalar.length == 0 || !strcmp(s, "~") || !strcmp(s, "null") ||
           !strcmp(s, "Null") || !strcmp(s, "NULL");
}

int kc_map_get(kc_file *f, yaml_node_t *map, const char *key, const char *keypath,
               yaml_node_t **out, mtv_err *err)
{
    *out = NULL;
    if (!map || map->type != YAML_MAPPING_NODE)
        return 0;
    yaml_node_t *first_key = NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(&f->doc, p->key);
        if (!k || k->type != YAML_SCALAR_NODE || strcmp(scalar_text(k), key) != 0)
            continue;
        if (first_key)
            return kc_fail(err, f, k, "%s%s%s: duplicate key (first given on line %zu)", keypath,
                           *keypath ? "." : "", key, first_key->start_mark.line + 1);
        first_key = k;
        *out = yaml_document_get_node(&f->doc, p->value);
    }
    return 0;
}

size_t kc_seq_len(const yaml_node_t *seq)
{
    if (!seq || seq->type != YAML_SEQUENCE_NODE)
        return 0;
    return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

yaml_node_t *kc_seq_at(kc_file *f, const yaml_node_t *seq, size_t i)
{
    return yaml_document_get_node(&f->doc, seq->data.sequence.items.start[i]);
}

int kc_get_str(kc_file *f, yaml_node_t *map, const char *key, const char *keypath,
               const char **out, yaml_node_t **where, mtv_err *err)
{
    *out = NULL;
    if (where)
        *where = map;
    yaml_node_t *v;
    if (kc_map_get(f, map, key, keypath, &v, err) < 0)
        return -1;
    if (!v || kc_is_null(v))
        return 0;
    if (where)
        *where = v;
    if (v->type != YAML_SCALAR_NODE)
        return kc_fail(err, f, v, "%s%s%s: expected a string, found %s", keypath, *keypath ? "." : "",
                       key, kc_node_kind(v));
    if (strlen(scalar_text(v)) != v->data.scalar.length)
        return kc_fail(err, f, v, "%s%s%s: the value holds a NUL character", keypath,
                       *keypath ? "." : "", key);
    *out = scalar_text(v);
    return 0;
}

int kc_get_bool(kc_file *f, yaml_node_t *map, const char *key, const char *keypath, int *out,
                yaml_node_t **where, mtv_err *err)
{
    *out = 0;
    const char *s;
    yaml_node_t *v;
    if (kc_get_str(f, map, key, keypath, &s, &v, err) < 0)
        return -1;
    if (where)
        *where = v;
    if (!s)
        return 0;
    static const char *const yes[] = {"true", "yes", "on", "y", NULL};
    static const char *const no[] = {"false", "no", "off", "n", NULL};
    if (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        for (int i = 0; yes[i]; i++)
            if (!strcasecmp(s, yes[i])) {
                *out = 1;
                return 0;
            }
        for (int i = 0; no[i]; i++)
            if (!strcasecmp(s, no[i]))
                return 0;
    }
    return kc_fail(err, f, v, "%s%s%s: expected true or false, found '%s'", keypath,
                   *keypath ? "." : "", key, s);
}
