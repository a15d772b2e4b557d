/* pxml: see pxml.h. */
#include "providers/pxml.h"

#include <errno.h>
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

int px_parse(const char *name, const char *data, size_t n, xmlDoc **out, mtv_err *err)
{
    *out = NULL;
    if (!data || n == 0)
        return mtv_err_set(err, MTV_EXIT_ENV, "%s is empty (expected an XML document)", name);
    if (n > (size_t)0x7fffffff)
        return mtv_err_set(err, MTV_EXIT_ENV, "%s is too large (%zu bytes)", name, n);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        abort();
    xmlDoc *doc = xmlCtxtReadMemory(ctxt, data, (int)n, NULL, NULL,
                                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    int rc = 0;
    if (!doc || !xmlDocGetRootElement(doc)) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        if (e && e->message) {
            size_t len = strlen(e->message);
            while (len && (e->message[len - 1] == '\n' || e->message[len - 1] == ' '))
                len--;
            rc = mtv_err_set(err, MTV_EXIT_ENV,
                             "%s is not well-formed XML (line %d, column %d: %.*s); the answer "
                             "may be truncated or not XML at all",
                             name, e->line, e->int2, (int)len, e->message);
        } else {
            rc = mtv_err_set(err, MTV_EXIT_ENV, "%s is not an XML document", name);
        }
        if (doc)
            xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    *out = doc;
    return rc;
}

int px_is(const xmlNode *node, const char *local)
{
    return node && node->type == XML_ELEMENT_NODE &&
           (!local || strcmp((const char *)node->name, local) == 0);
}

xmlNode *px_next(const xmlNode *node, const char *local)
{
    if (!node)
        return NULL;
    for (xmlNode *c = node->next; c; c = c->next)
        if (px_is(c, local))
            return c;
    return NULL;
}

xmlNode *px_child(const xmlNode *parent, const char *local)
{
    if (!parent)
        return NULL;
    for (xmlNode *c = parent->children; c; c = c->next)
        if (px_is(c, local))
            return c;
    return NULL;
}

xmlNode *px_path(const xmlNode *node, const char *path)
{
    char seg[128];
    const xmlNode *cur = node;
    while (cur && path && *path) {
        const char *slash = strchr(path, '/');
        size_t n = slash ? (size_t)(slash - path) : strlen(path);
        if (n >= sizeof seg)
            return NULL;
        memcpy(seg, path, n);
        seg[n] = 0;
        cur = px_child(cur, seg);
        path = slash ? slash + 1 : NULL;
    }
    return (xmlNode *)cur;
}

char *px_text(const xmlNode *node)
{
    if (!node)
        return NULL;
    xmlChar *c = xmlNodeGetContent(node);
    char *s = strdup(c ? (const char *)c : "");
    xmlFree(c);
    if (!s)
        abort();
    return s;
}

char *px_get(const xmlNode *node, const char *path)
{
    return px_text(px_path(node, path));
}

long long px_get_ll(const xmlNode *node, const char *path, long long dflt)
{
    char *s = px_get(node, path);
    if (!s)
        return dflt;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    int ok = end != s && *end == 0 && errno == 0;
    free(s);
    return ok ? v : dflt;
}

int px_get_bool(const xmlNode *node, const char *path, int dflt)
{
    char *s = px_get(node, path);
    int v = !s ? dflt : strcmp(s, "true") == 0 ? 1 : strcmp(s, "false") == 0 ? 0 : dflt;
    free(s);
    return v;
}

int px_get_is(const xmlNode *node, const char *path, const char *want)
{
    char *s = px_get(node, path);
    int eq = s && want && strcmp(s, want) == 0;
    free(s);
    return eq;
}

static char *own(xmlChar *v)
{
    if (!v)
        return NULL;
    char *s = strdup((const char *)v);
    xmlFree(v);
    if (!s)
        abort();
    return s;
}

char *px_attr(const xmlNode *node, const char *name)
{
    if (!node || node->type != XML_ELEMENT_NODE)
        return NULL;
    return own(xmlGetNoNsProp(node, (const xmlChar *)name));
}

char *px_attr_ns(const xmlNode *node, const char *name, const char *ns_uri)
{
    if (!node || node->type != XML_ELEMENT_NODE)
        return NULL;
    return own(xmlGetNsProp(node, (const xmlChar *)name, (const xmlChar *)ns_uri));
}

char *px_type(const xmlNode *node)
{
    char *t = px_attr_ns(node, "type", PX_XSI_NS);
    if (t) {
        char *colon = strchr(t, ':');
        if (colon)
            memmove(t, colon + 1, strlen(colon + 1) + 1);
    }
    return t;
}

int px_type_is(const xmlNode *node, const char *type)
{
    char *t = px_type(node);
    int eq = t && strcmp(t, type) == 0;
    free(t);
    return eq;
}

void px_escape(strbuf *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': sb_adds(out, "&amp;"); break;
        case '<': sb_adds(out, "&lt;"); break;
        case '>': sb_adds(out, "&gt;"); break;
        case '"': sb_adds(out, "&quot;"); break;
        case '\'': sb_adds(out, "&apos;"); break;
        default: sb_addc(out, *s);
        }
    }
}

void px_elem(strbuf *out, const char *tag, const char *text)
{
    if (!text)
        return;
    sb_addf(out, "<%s>", tag);
    px_escape(out, text);
    sb_addf(out, "</%s>", tag);
}
