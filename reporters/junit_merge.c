/*
 * junit_merge: shards' JUnit files into one (see junit.h). Suites are copied
 * whole with libxml2, so whatever a producer put in them (properties,
 * system-err, rerun elements) survives; only the root's totals are ours.
 */
#include "reporters/junit.h"
#include "reporters/junit_internal.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"

typedef struct totals {
    long long tests, failures, errors;
    double time;
} totals;

typedef struct seen {
    char **keys;
    const char **files;
    size_t n, cap;
} seen;

static long long count_children(const xmlNode *suite, const char *child_kind)
{
    long long n = 0;
    for (const xmlNode *c = suite->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!strcmp((const char *)c->name, "testsuite")) {
            n += count_children(c, child_kind);
        } else if (!strcmp((const char *)c->name, "testcase")) {
            if (!child_kind) {
                n++;
                continue;
            }
            for (const xmlNode *k = c->children; k; k = k->next)
                if (k->type == XML_ELEMENT_NODE && !strcmp((const char *)k->name, child_kind)) {
                    n++;
                    break;
                }
        }
    }
    return n;
}

static long long attr_count(const xmlNode *suite, const char *name, const char *child_kind)
{
    xmlChar *v = xmlGetProp(suite, (const xmlChar *)name);
    long long n = v ? strtoll((const char *)v, NULL, 10) : count_children(suite, child_kind);
    xmlFree(v);
    return n;
}

static void note_cases(const xmlNode *suite, const char *file, seen *s, strbuf *warnings)
{
    for (const xmlNode *c = suite->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!strcmp((const char *)c->name, "testsuite")) {
            note_cases(c, file, s, warnings);
            continue;
        }
        if (strcmp((const char *)c->name, "testcase") != 0)
            continue;
        xmlChar *cls = xmlGetProp(c, (const xmlChar *)"classname");
        xmlChar *name = xmlGetProp(c, (const xmlChar *)"name");
        strbuf key = STRBUF_INIT;
        sb_addf(&key, "%s::%s", cls ? (const char *)cls : "", name ? (const char *)name : "");
        xmlFree(cls);
        xmlFree(name);
        int dup = 0;
        for (size_t i = 0; i < s->n && !dup; i++)
            if (!strcmp(s->keys[i], key.buf)) {
                dup = 1;
                if (warnings)
                    sb_addf(warnings, "%s: test %s is also in %s; both are kept (GitLab shows only the first)\n",
                            file, key.buf, s->files[i]);
            }
        if (!dup) {
            if (s->n == s->cap) {
                s->cap = s->cap ? s->cap * 2 : 64;
                s->keys = realloc(s->keys, s->cap * sizeof *s->keys);
                s->files = realloc(s->files, s->cap * sizeof *s->files);
                if (!s->keys || !s->files)
                    abort();
            }
            s->keys[s->n] = sb_detach(&key, NULL);
            s->files[s->n++] = file;
        }
        sb_release(&key);
    }
}

/* Copies suite under root; counts the schema requires but the producer
 * left out are filled in from the testcases. */
static void add_suite(xmlDoc *out, xmlNode *root, const xmlNode *suite, totals *t)
{
    static const char *const counts[][2] = {{"tests", NULL}, {"failures", "failure"}, {"errors", "error"}};
    long long v[3];
    xmlNode *copy = xmlDocCopyNode((xmlNode *)suite, out, 1);
    for (int i = 0; i < 3; i++) {
        v[i] = attr_count(suite, counts[i][0], counts[i][1]);
        if (!xmlHasProp(copy, (const xmlChar *)counts[i][0])) {
            char num[32];
            snprintf(num, sizeof num, "%lld", v[i]);
            xmlSetProp(copy, (const xmlChar *)counts[i][0], (const xmlChar *)num);
        }
    }
    t->tests += v[0];
    t->failures += v[1];
    t->errors += v[2];
    xmlChar *tm = xmlGetProp(suite, (const xmlChar *)"time");
    if (tm)
        t->time += strtod((const char *)tm, NULL);
    xmlFree(tm);
    xmlAddChild(root, copy);
}

int junit_merge(const char *const *inputs, size_t n, const char *out_path, strbuf *warnings,
                mtv_err *err)
{
    if (n == 0)
        return mtv_err_set(err, MTV_EXIT_USAGE, "nothing to merge: give at least one JUnit file");
    xmlDoc *out = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"testsuites");
    xmlDocSetRootElement(out, root);
    totals t = {0};
    seen s = {0};
    char *name = NULL;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        xmlDoc *in = junit_parse_file(inputs[i], err);
        if (!in) {
            rc = -1;
            break;
        }
        xmlNode *r = xmlDocGetRootElement(in);
        if (!name) {
            xmlChar *v = xmlGetProp(r, (const xmlChar *)"name");
            name = strdup(v && !strcmp((const char *)r->name, "testsuites") ? (const char *)v : "mtv-validate");
            xmlFree(v);
        }
        if (!strcmp((const char *)r->name, "testsuite")) {
            note_cases(r, inputs[i], &s, warnings);
            add_suite(out, root, r, &t);
        } else {
            for (xmlNode *k = r->children; k; k = k->next)
                if (k->type == XML_ELEMENT_NODE && !strcmp((const char *)k->name, "testsuite")) {
                    note_cases(k, inputs[i], &s, warnings);
                    add_suite(out, root, k, &t);
                }
        }
        xmlFreeDoc(in);
    }
    if (rc == 0) {
        char num[64];
        xmlSetProp(root, (const xmlChar *)"name", (const xmlChar *)(name ? name : "mtv-validate"));
        snprintf(num, sizeof num, "%lld", t.tests);
        xmlSetProp(root, (const xmlChar *)"tests", (const xmlChar *)num);
        snprintf(num, sizeof num, "%lld", t.failures);
        xmlSetProp(root, (const xmlChar *)"failures", (const xmlChar *)num);
        snprintf(num, sizeof num, "%lld", t.errors);
        xmlSetProp(root, (const xmlChar *)"errors", (const xmlChar *)num);
        snprintf(num, sizeof num, "%.3f", t.time);
        xmlSetProp(root, (const xmlChar *)"time", (const xmlChar *)num);
        xmlChar *buf = NULL;
        int len = 0;
        xmlDocDumpFormatMemoryEnc(out, &buf, &len, "UTF-8", 1);
        if (!buf || len <= 0) {
            rc = mtv_err_set(err, MTV_EXIT_ENV, "cannot serialise the merged report");
        } else {
            rc = fs_write_atomic_mode(out_path, buf, (size_t)len, 0644, err);
            if (rc < 0)
                mtv_err_prefix(err, "writing the merged report");
        }
        xmlFree(buf);
    }
    for (size_t i = 0; i < s.n; i++)
        free(s.keys[i]);
    free(s.keys);
    free(s.files);
    free(name);
    xmlFreeDoc(out);
    return rc;
}
