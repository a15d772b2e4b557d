/*
 * vim_props: the property collector. Everything the adapter reads from
 * vSphere comes through vim_retrieve: one RetrievePropertiesEx, then
 * ContinueRetrievePropertiesEx for as long as the server hands back a token
 * (vCenter pages large results; vcsim never does), merged into one set of
 * objects whose property values stay XML nodes until someone asks for them.
 *
 * vim_obj_nodes answers "config.hardware.device" whether the caller retrieved
 * exactly that path or the whole "config": the same parser then works on
 * live answers and on recorded samples that fetched coarser properties.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/pxml.h"
#include "providers/vim.h"
#include "util/log.h"
#include "util/suggest.h"

#define VIM_MAX_PAGES 100000

/* ---- the object set ----------------------------------------------------------- */

void vim_objset_free(vim_objset *s)
{
    for (size_t i = 0; i < s->count; i++) {
        vim_obj *o = &s->objs[i];
        free(o->type);
        free(o->value);
        for (size_t j = 0; j < o->nprops; j++)
            free(o->props[j].name);
        free(o->props);
        for (size_t j = 0; j < o->nmissing; j++) {
            free(o->missing[j].path);
            free(o->missing[j].fault);
        }
        free(o->missing);
    }
    free(s->objs);
    for (size_t i = 0; i < s->ndocs; i++)
        xmlFreeDoc(s->docs[i]);
    free(s->docs);
    memset(s, 0, sizeof *s);
}

static void *grow(void *p, size_t n, size_t size)
{
    void *q = realloc(p, n * size);
    if (!q)
        abort();
    return q;
}

const vim_obj *vim_objset_get(const vim_objset *s, const char *type, const char *value)
{
    for (size_t i = 0; i < s->count; i++)
        if ((!type || strcmp(s->objs[i].type, type) == 0) && strcmp(s->objs[i].value, value) == 0)
            return &s->objs[i];
    return NULL;
}

static void take_content(vim_objset *s, const xmlNode *oc)
{
    xmlNode *objn = px_child(oc, "obj");
    char *value = px_text(objn);
    char *type = px_attr(objn, "type");
    if (!value || !type) {
        free(value);
        free(type);
        return;
    }
    vim_obj *o = (vim_obj *)vim_objset_get(s, type, value);
    if (o) {
        free(value);
        free(type);
    } else {
        s->objs = grow(s->objs, s->count + 1, sizeof *s->objs);
        o = &s->objs[s->count++];
        memset(o, 0, sizeof *o);
        o->type = type;
        o->value = value;
    }
    for (xmlNode *p = px_child(oc, "propSet"); p; p = px_next(p, "propSet")) {
        char *name = px_get(p, "name");
        if (!name)
            continue;
        o->props = grow(o->props, o->nprops + 1, sizeof *o->props);
        o->props[o->nprops].name = name;
        o->props[o->nprops++].val = px_child(p, "val");
    }
    for (xmlNode *m = px_child(oc, "missingSet"); m; m = px_next(m, "missingSet")) {
        o->missing = grow(o->missing, o->nmissing + 1, sizeof *o->missing);
        vim_missing *mi = &o->missing[o->nmissing++];
        mi->path = px_get(m, "path");
        mi->fault = px_type(px_path(m, "fault/fault"));
        if (!mi->path)
            mi->path = strdup("");
        if (!mi->fault)
            mi->fault = strdup("unknown fault");
    }
}

void vim_objset_take(vim_objset *s, xmlDoc *doc, const xmlNode *result, strbuf *token)
{
    s->docs = grow(s->docs, s->ndocs + 1, sizeof *s->docs);
    s->docs[s->ndocs++] = doc;
    s->pages++;
    if (token)
        sb_reset(token);
    for (xmlNode *rv = px_child(result, "returnval"); rv; rv = px_next(rv, "returnval")) {
        if (px_child(rv, "obj")) {          /* RetrieveProperties: bare ObjectContents */
            take_content(s, rv);
            continue;
        }
        char *tok = px_get(rv, "token");
        if (tok && token)
            sb_adds(token, tok);
        free(tok);
        for (xmlNode *oc = px_child(rv, "objects"); oc; oc = px_next(oc, "objects"))
            take_content(s, oc);
    }
}

/* ---- specs ------------------------------------------------------------------------ */

void vim_spec_init(vim_spec *s)
{
    sb_init(&s->props);
    sb_init(&s->objects);
}

void vim_spec_free(vim_spec *s)
{
    sb_release(&s->props);
    sb_release(&s->objects);
}

void vim_spec_props(vim_spec *s, const char *type, const char *const *paths)
{
    sb_adds(&s->props, "<propSet>");
    px_elem(&s->props, "type", type);
    if (!paths)
        sb_adds(&s->props, "<all>true</all>");
    for (size_t i = 0; paths && paths[i]; i++)
        px_elem(&s->props, "pathSet", paths[i]);
    sb_adds(&s->props, "</propSet>");
}

void vim_spec_obj(vim_spec *s, const char *type, const char *value)
{
    sb_addf(&s->objects, "<objectSet><obj type=\"%s\">", type);
    px_escape(&s->objects, value);
    sb_adds(&s->objects, "</obj><skip>false</skip></objectSet>");
}

void vim_spec_view(vim_spec *s, const char *view_id)
{
    sb_adds(&s->objects, "<objectSet><obj type=\"ContainerView\">");
    px_escape(&s->objects, view_id);
    sb_adds(&s->objects, "</obj><skip>true</skip><selectSet xsi:type=\"TraversalSpec\">"
                         "<name>view</name><type>ContainerView</type><path>view</path>"
                         "<skip>false</skip></selectSet></objectSet>");
}

/* ---- retrieve ----------------------------------------------------------------------- */

static int check_missing(const vim_client *c, const vim_objset *s, mtv_err *err)
{
    for (size_t i = 0; i < s->count; i++) {
        const vim_obj *o = &s->objs[i];
        for (size_t j = 0; j < o->nmissing; j++) {
            const vim_missing *m = &o->missing[j];
            if (strcmp(m->fault, "NotAuthenticated") == 0 || strcmp(m->fault, "NoPermission") == 0)
                return mtv_err_set(err, MTV_EXIT_ENV,
                                   "vSphere at %s: reading %s of %s %s was refused (%s): %s",
                                   c->url, m->path, o->type, o->value, m->fault,
                                   strcmp(m->fault, "NotAuthenticated") == 0
                                       ? "the session is not logged in; connect again"
                                       : "the user lacks the privilege to read it");
            log_debug("vsphere: %s %s: property %s not available (%s)", o->type, o->value,
                      m->path, m->fault);
        }
    }
    return 0;
}

int vim_retrieve(vim_client *c, const vim_spec *spec, vim_objset *out, mtv_err *err)
{
    return vim_retrieve_f(c, spec, out, NULL, err);
}

int vim_retrieve_f(vim_client *c, const vim_spec *spec, vim_objset *out, char *fault,
                   mtv_err *err)
{
    memset(out, 0, sizeof *out);
    if (fault)
        fault[0] = 0;
    strbuf args = STRBUF_INIT, token = STRBUF_INIT;
    sb_addf(&args, "<specSet>%s%s</specSet><options><maxObjects>500</maxObjects></options>",
            sb_str(&spec->props), sb_str(&spec->objects));
    vim_reply r;
    int rc = vim_call(c, "RetrievePropertiesEx", "PropertyCollector", c->property_collector,
                      args.buf, &r, err);
    while (rc == 0) {
        vim_objset_take(out, r.doc, r.body, &token);
        r.doc = NULL;
        if (!token.len)
            break;
        if (out->pages >= VIM_MAX_PAGES) {
            rc = mtv_err_set(err, MTV_EXIT_ENV, "vSphere at %s: more than %d result pages; giving up",
                             c->url, VIM_MAX_PAGES);
            break;
        }
        sb_reset(&args);
        px_elem(&args, "token", token.buf);
        rc = vim_call(c, "ContinueRetrievePropertiesEx", "PropertyCollector",
                      c->property_collector, args.buf, &r, err);
    }
    if (rc && fault)
        snprintf(fault, 64, "%s", r.fault);
    sb_release(&args);
    sb_release(&token);
    if (rc == 0)
        rc = check_missing(c, out, err);
    if (rc)
        vim_objset_free(out);
    return rc;
}

/* ---- reading values ---------------------------------------------------------------- */

xmlNode *vim_obj_prop(const vim_obj *o, const char *name)
{
    for (size_t i = 0; o && i < o->nprops; i++)
        if (strcmp(o->props[i].name, name) == 0)
            return o->props[i].val;
    return NULL;
}

static int is_array(const xmlNode *val)
{
    char *t = px_type(val);
    int yes = t && strncmp(t, "ArrayOf", 7) == 0;
    free(t);
    return yes;
}

static void collect(xmlNode *node, const char *path, xmlNode **items, size_t max, size_t *n)
{
    const char *dot = strchr(path, '.');
    size_t len = dot ? (size_t)(dot - path) : strlen(path);
    char seg[128];
    if (len >= sizeof seg)
        return;
    memcpy(seg, path, len);
    seg[len] = 0;
    for (xmlNode *c = px_child(node, seg); c; c = px_next(c, seg)) {
        if (dot) {
            collect(c, dot + 1, items, max, n);
        } else {
            if (*n < max)
                items[*n] = c;
            (*n)++;
        }
    }
}

size_t vim_obj_nodes(const vim_obj *o, const char *path, xmlNode **items, size_t max)
{
    size_t n = 0;
    xmlNode *val = vim_obj_prop(o, path);
    if (val) {
        if (!is_array(val)) {
            if (max)
                items[0] = val;
            return 1;
        }
        for (xmlNode *c = px_child(val, NULL); c; c = px_next(c, NULL)) {
            if (n < max)
                items[n] = c;
            n++;
        }
        return n;
    }
    const vim_prop *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; o && i < o->nprops; i++) {
        size_t len = strlen(o->props[i].name);
        if (len > best_len && strncmp(path, o->props[i].name, len) == 0 && path[len] == '.') {
            best = &o->props[i];
            best_len = len;
        }
    }
    if (best && best->val && is_array(best->val)) {   /* descend through every item */
        for (xmlNode *c = px_child(best->val, NULL); c; c = px_next(c, NULL))
            collect(c, path + best_len + 1, items, max, &n);
    } else if (best && best->val) {
        collect(best->val, path + best_len + 1, items, max, &n);
    }
    return n;
}

char *vim_obj_str(const vim_obj *o, const char *path)
{
    xmlNode *node;
    return vim_obj_nodes(o, path, &node, 1) ? px_text(node) : NULL;
}

long long vim_obj_ll(const vim_obj *o, const char *path, long long dflt)
{
    xmlNode *node;
    if (!vim_obj_nodes(o, path, &node, 1))
        return dflt;
    return px_get_ll(node, "", dflt);
}

int vim_obj_bool(const vim_obj *o, const char *path, int dflt)
{
    xmlNode *node;
    if (!vim_obj_nodes(o, path, &node, 1))
        return dflt;
    return px_get_bool(node, "", dflt);
}

/* ---- views and lookups --------------------------------------------------------------- */

int vim_view(vim_client *c, const char *type, const char **view_id, mtv_err *err)
{
    int free_slot = -1;
    for (int i = 0; i < VIM_VIEW_CACHE; i++) {
        if (c->views[i].type && strcmp(c->views[i].type, type) == 0) {
            *view_id = c->views[i].id;
            return 0;
        }
        if (!c->views[i].type && free_slot < 0)
            free_slot = i;
    }
    strbuf args = STRBUF_INIT, id = STRBUF_INIT;
    sb_adds(&args, "<container type=\"Folder\">");
    px_escape(&args, c->root_folder);
    sb_adds(&args, "</container>");
    px_elem(&args, "type", type);
    sb_adds(&args, "<recursive>true</recursive>");
    vim_reply r;
    int rc = vim_call(c, "CreateContainerView", "ViewManager", c->view_manager, args.buf, &r, err);
    sb_release(&args);
    if (rc)
        return -1;
    rc = vim_reply_moref(&r, &id);
    vim_reply_free(&r);
    if (rc) {
        sb_release(&id);
        return mtv_err_set(err, MTV_EXIT_ENV, "vSphere at %s: CreateContainerView returned no view",
                           c->url);
    }
    if (free_slot < 0) {   /* full: forget the oldest; the server keeps it until logout */
        free(c->views[0].type);
        free(c->views[0].id);
        memmove(&c->views[0], &c->views[1], sizeof c->views[0] * (VIM_VIEW_CACHE - 1));
        free_slot = VIM_VIEW_CACHE - 1;
    }
    c->views[free_slot].type = strdup(type);
    c->views[free_slot].id = sb_detach(&id, NULL);
    *view_id = c->views[free_slot].id;
    return 0;
}

int vim_list(vim_client *c, const char *type, vim_objset *out, mtv_err *err)
{
    const char *view;
    memset(out, 0, sizeof *out);
    if (vim_view(c, type, &view, err))
        return -1;
    vim_spec spec;
    vim_spec_init(&spec);
    static const char *const name_only[] = {"name", NULL};
    vim_spec_props(&spec, type, name_only);
    vim_spec_view(&spec, view);
    int rc = vim_retrieve(c, &spec, out, err);
    vim_spec_free(&spec);
    return rc;
}

int vim_find(vim_client *c, const char *type, const char *name, strbuf *value, mtv_err *err)
{
    vim_objset set;
    if (vim_list(c, type, &set, err))
        return -1;
    const char **names = calloc(set.count + 1, sizeof *names);
    char **owned = calloc(set.count + 1, sizeof *owned);
    if (!names || !owned)
        abort();
    int rc = -1;
    for (size_t i = 0; i < set.count; i++) {
        owned[i] = vim_obj_str(&set.objs[i], "name");
        names[i] = owned[i];
        if (rc && owned[i] && strcmp(owned[i], name) == 0) {
            sb_adds(value, set.objs[i].value);
            rc = 0;
        }
    }
    if (rc) {
        strbuf hint = STRBUF_INIT;
        suggest_append(&hint, name, names, set.count);
        mtv_err_set(err, MTV_EXIT_USAGE, "vSphere at %s has no %s named '%s'%s (%zu %s%s found)",
                    c->url, type, name, sb_str(&hint), set.count, type,
                    set.count == 1 ? "" : "s");
        sb_release(&hint);
    }
    for (size_t i = 0; i < set.count; i++)
        free(owned[i]);
    free(owned);
    free(names);
    vim_objset_free(&set);
    return rc;
}
