/*
 * pxml: the small set of libxml2 helpers every XML-speaking adapter uses
 * (vSphere SOAP, oVirt REST, OVF descriptors).
 *
 * Parsing never touches the network, never expands external entities and
 * turns a syntax error into a message with the document's name, line and
 * libxml2's reason, so a truncated or malformed response is a clear error,
 * never a crash. Lookups go by local name and, for xsi:type, by namespace
 * URI: vCenter writes "xsi:type", vcsim "XMLSchema-instance:type", and both
 * mean the same attribute.
 *
 * Ownership: px_parse hands out an xmlDoc the caller frees with xmlFreeDoc.
 * Functions returning char * return malloc'd text the caller free()s;
 * functions returning xmlNode * return nodes owned by their document.
 */
#ifndef MTV_PROVIDERS_PXML_H
#define MTV_PROVIDERS_PXML_H

#include <libxml/tree.h>
#include <stddef.h>

#include "util/err.h"
#include "util/strbuf.h"

#define PX_XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

/* Parses n bytes. name is used in messages ("vSphere RetrievePropertiesEx
 * response"). Empty input is an error of its own. */
int px_parse(const char *name, const char *data, size_t n, xmlDoc **out, mtv_err *err);

/* 1 when node is an element whose local name is local. */
int px_is(const xmlNode *node, const char *local);
/* First element child (or next element sibling after node) with that local
 * name; local NULL matches any element. */
xmlNode *px_child(const xmlNode *parent, const char *local);
xmlNode *px_next(const xmlNode *node, const char *local);
/* Follows "a/b/c" through first children by local name. */
xmlNode *px_path(const xmlNode *node, const char *path);

/* Text content (malloc'd; NULL when node is NULL). */
char *px_text(const xmlNode *node);
/* Text of px_path(node, path), or NULL. */
char *px_get(const xmlNode *node, const char *path);
/* Same, parsed: whole number (dflt when absent or not a number), boolean
 * ("true"/"false"; dflt otherwise). */
long long px_get_ll(const xmlNode *node, const char *path, long long dflt);
int px_get_bool(const xmlNode *node, const char *path, int dflt);
/* 1 when px_get(node, path) equals s. */
int px_get_is(const xmlNode *node, const char *path, const char *s);

/* An attribute without namespace (malloc'd or NULL). */
char *px_attr(const xmlNode *node, const char *name);
/* An attribute in the namespace with that URI (malloc'd or NULL). */
char *px_attr_ns(const xmlNode *node, const char *name, const char *ns_uri);
/* The xsi:type of node, found by namespace URI, with any prefix removed
 * ("xsd:string" -> "string"). malloc'd or NULL. */
char *px_type(const xmlNode *node);
/* 1 when px_type(node) equals type. */
int px_type_is(const xmlNode *node, const char *type);

/* Appends s with &, <, >, " and ' escaped for XML text and attributes. */
void px_escape(strbuf *out, const char *s);
/* Appends <tag>escaped text</tag>; nothing when text is NULL. */
void px_elem(strbuf *out, const char *tag, const char *text);

#endif
