/* matchkey: see matchkey.h. SOAP bodies are read with libxml2 (no network,
 * no entity expansion) only to find the operation and canonicalise it. */
#include "recorder/matchkey.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/http.h"
#include "util/codec.h"
#include "util/json.h"

const char *const MATCHKEY_VOLATILE_PARAMS[] = {"_", "_t", "nocache", "cachebuster", NULL};

static void add_digest(strbuf *out, const char *kind, const void *data, size_t n)
{
    char hex[65];
    sha256_hex(data, n, hex);
    sb_addf(out, "%s:%.16s", kind, hex);
}

typedef struct qpair {
    char *name, *value;
} qpair;

static int cmp_pair(const void *a, const void *b)
{
    const qpair *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

static int is_volatile(const char *name, const char *const *vol)
{
    for (int i = 0; vol[i]; i++)
        if (strcmp(name, vol[i]) == 0)
            return 1;
    return 0;
}

/* Appends "a=1&b=2" (canonical, sorted) for a raw query or form body. */
static void canonical_pairs(strbuf *out, const char *q, size_t n, const char *const *vol)
{
    qpair *pairs = NULL;
    size_t count = 0, cap = 0;
    const char *p = q, *end = q + n;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp ? amp : end;
        if (e > p) {
            const char *eq = memchr(p, '=', (size_t)(e - p));
            strbuf name = STRBUF_INIT, value = STRBUF_INIT;
            url_decode(&name, p, eq ? (size_t)(eq - p) : (size_t)(e - p), 1);
            if (eq)
                url_decode(&value, eq + 1, (size_t)(e - eq - 1), 1);
            if (vol && is_volatile(sb_str(&name), vol)) {
                sb_release(&name);
                sb_release(&value);
            } else {
                if (count == cap) {
                    cap = cap ? cap * 2 : 8;
                    pairs = realloc(pairs, cap * sizeof *pairs);
                    if (!pairs)
                        abort();
                }
                pairs[count].name = name.buf ? sb_detach(&name, NULL) : strdup("");
                pairs[count].value = value.buf ? sb_detach(&value, NULL) : strdup("");
                count++;
            }
        }
        p = e + 1;
    }
    qsort(pairs, count, sizeof *pairs, cmp_pair);
    for (size_t i = 0; i < count; i++) {
        if (i)
            sb_addc(out, '&');
        url_encode(out, pairs[i].name, strlen(pairs[i].name), 0);
        sb_addc(out, '=');
        url_encode(out, pairs[i].value, strlen(pairs[i].value), 0);
        free(pairs[i].name);
        free(pairs[i].value);
    }
    free(pairs);
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    xmlInitParser();
}

static const char *local_name(const xmlNode *n)
{
    return (const char *)n->name;
}

static xmlNode *first_element(xmlNode *n)
{
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            return n;
    return NULL;
}

static void trimmed(strbuf *out, const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    sb_add(out, s, n);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* name[attr=v,...](children|text) with attributes sorted, prefixes dropped. */
static void canon_xml(strbuf *out, xmlNode *n)
{
    sb_adds(out, local_name(n));
    char *attrs[64];
    int na = 0;
    for (xmlAttr *a = n->properties; a && na < 64; a = a->next) {
        xmlChar *v = xmlNodeGetContent((xmlNode *)a);
        strbuf s = STRBUF_INIT;
        sb_addf(&s, "%s=%s", (const char *)a->name, v ? (const char *)v : "");
        xmlFree(v);
        attrs[na++] = sb_detach(&s, NULL);
    }
    qsort(attrs, (size_t)na, sizeof attrs[0], cmp_str);
    sb_addc(out, '[');
    for (int i = 0; i < na; i++) {
        sb_addf(out, "%s%s", i ? "," : "", attrs[i]);
        free(attrs[i]);
    }
    sb_adds(out, "](");
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            canon_xml(out, c);
        } else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            strbuf t = STRBUF_INIT;
            trimmed(&t, (const char *)c->content);
            json_escape(out, t.buf ? t.buf : "", t.len);
            sb_release(&t);
        }
    }
    sb_addc(out, ')');
}

static int soap_key(strbuf *out, const char *body, size_t n)
{
    pthread_once(&xml_once, xml_init);
    if (n > INT32_MAX)
        return -1;
    xmlDoc *doc = xmlReadMemory(body, (int)n, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
                                    XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    if (!doc)
        return -1;
    int rc = -1;
    xmlNode *env = xmlDocGetRootElement(doc);
    if (env && strcmp(local_name(env), "Envelope") == 0) {
        xmlNode *b = first_element(env->children);
        while (b && strcmp(local_name(b), "Body") != 0)
            b = first_element(b->next);
        xmlNode *op = b ? first_element(b->children) : NULL;
        if (op) {
            strbuf canon = STRBUF_INIT, self = STRBUF_INIT;
            for (xmlNode *c = first_element(op->children); c; c = first_element(c->next)) {
                if (strcmp(local_name(c), "_this") == 0 && !self.len) {
                    xmlChar *type = xmlGetProp(c, (const xmlChar *)"type");
                    xmlChar *val = xmlNodeGetContent(c);
                    sb_addf(&self, "%s:", type ? (const char *)type : "");
                    trimmed(&self, val ? (const char *)val : "");
                    xmlFree(type);
                    xmlFree(val);
                } else {
                    canon_xml(&canon, c);
                }
            }
            sb_addf(out, "soap:%s@%s:", local_name(op), self.len ? self.buf : "-");
            char hex[65];
            sha256_hex(canon.buf ? canon.buf : "", canon.len, hex);
            sb_addf(out, "%.16s", hex);
            sb_release(&canon);
            sb_release(&self);
            rc = 0;
        }
    }
    xmlFreeDoc(doc);
    return rc;
}

static void body_part(strbuf *out, const char *ct, const char *body, size_t n)
{
    if (n == 0) {
        sb_addc(out, '-');
        return;
    }
    int text = !memchr(body, '\0', n);
    size_t i = 0;
    while (i < n && isspace((unsigned char)body[i]))
        i++;
    char first = i < n ? body[i] : 0;
    if (text && ((ct && strcasestr(ct, "json")) || first == '{' || first == '[')) {
        cJSON *root = cJSON_ParseWithLength(body, n);
        if (root) {
            strbuf canon = STRBUF_INIT;
            json_print(&canon, root, 1);
            cJSON_Delete(root);
            add_digest(out, "json", canon.buf, canon.len);
            sb_release(&canon);
            return;
        }
    }
    if (text && first == '<') {
        size_t mark = out->len;
        if (soap_key(out, body, n) == 0)
            return;
        sb_setlen(out, mark);
    }
    if (text && ct && strcasestr(ct, "x-www-form-urlencoded")) {
        strbuf canon = STRBUF_INIT;
        canonical_pairs(&canon, body, n, NULL);
        add_digest(out, "form", canon.buf ? canon.buf : "", canon.len);
        sb_release(&canon);
        return;
    }
    add_digest(out, "raw", body, n);
}

void matchkey_http(strbuf *out, const char *method, const char *upstream, const char *url,
                   const char *content_type, const void *body, size_t n,
                   const char *const *volatile_params)
{
    for (const char *m = method; *m; m++)
        sb_addc(out, (char)toupper((unsigned char)*m));
    sb_addf(out, " %s ", upstream && *upstream ? upstream : "http");
    strbuf path = STRBUF_INIT, query = STRBUF_INIT;
    if (http_url_split(url, NULL, &path, &query) < 0) {
        const char *q = strchr(url, '?');
        sb_add(&path, url, q ? (size_t)(q - url) : strlen(url));
        if (q)
            sb_adds(&query, q + 1);
    }
    for (size_t i = 0; i < path.len; i++)   /* keys are space-separated */
        if (path.buf[i] == ' ')
            sb_adds(out, "%20");
        else
            sb_addc(out, path.buf[i]);
    if (query.len) {
        size_t mark = out->len;
        sb_addc(out, '?');
        canonical_pairs(out, query.buf, query.len,
                        volatile_params ? volatile_params : MATCHKEY_VOLATILE_PARAMS);
        if (out->len == mark + 1)
            sb_setlen(out, mark);
    }
    sb_addc(out, ' ');
    body_part(out, content_type, body, n);
    sb_release(&path);
    sb_release(&query);
}

void matchkey_custom(strbuf *out, const char *kind, const char *upstream, const cJSON *request)
{
    strbuf canon = STRBUF_INIT;
    json_print(&canon, request, 1);
    sb_addf(out, "%s %s ", kind, upstream && *upstream ? upstream : "-");
    add_digest(out, "json", canon.buf ? canon.buf : "", canon.len);
    sb_release(&canon);
}

int matchkey_split(const char *key, matchkey_parts *p)
{
    memset(p, 0, sizeof *p);
    const char *s1 = strchr(key, ' ');
    const char *s2 = s1 ? strchr(s1 + 1, ' ') : NULL;
    const char *s3 = s2 ? strrchr(s2 + 1, ' ') : NULL;
    if (!s1 || !s2)
        return -1;
    p->method = key;
    p->method_len = (size_t)(s1 - key);
    p->upstream = s1 + 1;
    p->upstream_len = (size_t)(s2 - s1 - 1);
    const char *target = s2 + 1;
    const char *tend = s3 ? s3 : target + strlen(target);
    const char *q = memchr(target, '?', (size_t)(tend - target));
    p->path = target;
    p->path_len = (size_t)((q ? q : tend) - target);
    if (q) {
        p->query = q + 1;
        p->query_len = (size_t)(tend - q - 1);
    } else {
        p->query = tend;
    }
    p->body = s3 ? s3 + 1 : tend;
    p->body_len = strlen(p->body);
    return 0;
}
