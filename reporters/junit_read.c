/*
 * junit_read: a JUnit file back into a run (see junit.h). Written for our
 * own reports but tolerant of other producers' (pytest, Surefire): unknown
 * elements and attributes are ignored, nested suites are walked, and a
 * testcase without classname is filed under its suite's name.
 */
#include "reporters/junit.h"
#include "reporters/junit_internal.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"

static int is(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* An attribute as a malloc'd string (caller frees), or NULL. */
static char *prop(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = strdup((const char *)v);
    xmlFree(v);
    if (!s)
        abort();
    return s;
}

static char *text_of(const xmlNode *n)
{
    xmlChar *v = xmlNodeGetContent(n);
    char *s = strdup(v ? (const char *)v : "");
    xmlFree(v);
    if (!s)
        abort();
    return s;
}

static double num(const xmlNode *n, const char *name)
{
    char *v = prop(n, name);
    double d = v ? strtod(v, NULL) : 0;
    free(v);
    return d;
}

typedef struct reader {
    run_results *r;
    int have_run_id;
} reader;

static scenario_result *scenario_for(run_results *r, const char *classname, const char *suite_name,
                                     const char *file)
{
    for (size_t i = 0; i < r->n_scenarios; i++)
        if (!strcmp(r->scenarios[i]->scenario, classname))
            return r->scenarios[i];
    return results_add_scenario(r, classname, suite_name ? suite_name : classname, file);
}

/* "<step>-<provider>-<storage_class>" -> "<step>" when the suffix is there. */
static char *step_name(const run_results *r, const char *test_name)
{
    strbuf suffix = STRBUF_INIT;
    const char *p = results_get_prop(r, "provider"), *sc = results_get_prop(r, "storage_class");
    if (p && *p)
        sb_addf(&suffix, "-%s", p);
    if (sc && *sc)
        sb_addf(&suffix, "-%s", sc);
    size_t n = strlen(test_name);
    char *name;
    if (suffix.len && n > suffix.len && !strcmp(test_name + n - suffix.len, suffix.buf))
        name = strndup(test_name, n - suffix.len);
    else
        name = strdup(test_name);
    if (!name)
        abort();
    sb_release(&suffix);
    return name;
}

static void read_case(reader *rd, const xmlNode *tc, const char *suite_name, const char *suite_file,
                      const char *cassette)
{
    char *classname = prop(tc, "classname");
    char *name = prop(tc, "name");
    const char *cls = classname && *classname ? classname : suite_name ? suite_name : "unnamed";
    /* our suites are named after the scenario's test name; others' are not */
    scenario_result *s = scenario_for(rd->r, cls, cassette || suite_file ? suite_name : NULL, suite_file);
    if (cassette && !s->cassette)
        scenario_set_cassette(s, cassette);
    enum step_status st = STEP_PASSED;
    char *message = NULL, *detail = NULL;
    strbuf log = STRBUF_INIT;
    for (const xmlNode *k = tc->children; k; k = k->next) {
        if (is(k, "failure") || is(k, "error")) {
            st = is(k, "failure") ? STEP_FAILED : STEP_ERROR;
            free(message);
            free(detail);
            message = prop(k, "message");
            detail = text_of(k);
        } else if (is(k, "skipped")) {
            char *type = prop(k, "type");
            st = type && !strcmp(type, "pytest.xfail") ? STEP_XFAILED : STEP_SKIPPED;
            free(type);
            free(message);
            message = prop(k, "message");
        } else if (is(k, "system-out") || is(k, "system-err")) {
            char *t = text_of(k);
            if (log.len && *t)
                sb_addc(&log, '\n');
            sb_adds(&log, t);
            free(t);
        }
    }
    const char *tn = name && *name ? name : "unnamed";
    char *step = step_name(rd->r, tn);
    scenario_add_step(s, step, tn, st, message, detail, log.len ? log.buf : NULL, 0, num(tc, "time"));
    free(step);
    free(message);
    free(detail);
    sb_release(&log);
    free(classname);
    free(name);
}

static void read_suite(reader *rd, const xmlNode *suite)
{
    char *suite_name = prop(suite, "name");
    char *suite_file = prop(suite, "file");
    char *cassette = NULL;
    for (const xmlNode *k = suite->children; k; k = k->next) {
        if (!is(k, "properties"))
            continue;
        for (const xmlNode *p = k->children; p; p = p->next) {
            if (!is(p, "property"))
                continue;
            char *pn = prop(p, "name"), *pv = prop(p, "value");
            if (pn && pv) {
                if (!strcmp(pn, "cassette")) {
                    free(cassette);
                    cassette = strdup(pv);
                } else if (!strcmp(pn, "run_id")) {
                    if (!rd->have_run_id) {
                        free(rd->r->run_id);
                        rd->r->run_id = strdup(pv);
                        rd->have_run_id = 1;
                    }
                } else if (!results_get_prop(rd->r, pn)) {
                    results_set_prop(rd->r, pn, pv);
                }
            }
            free(pn);
            free(pv);
        }
    }
    for (const xmlNode *k = suite->children; k; k = k->next) {
        if (is(k, "testcase"))
            read_case(rd, k, suite_name, suite_file, cassette);
        else if (is(k, "testsuite"))
            read_suite(rd, k);
    }
    free(suite_name);
    free(suite_file);
    free(cassette);
}

/* libxml2 reports every error it meets; the first one is the cause. */
typedef struct first_error {
    int line;
    strbuf msg;
} first_error;

static void keep_first_error(void *ud, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = ud;
    first_error *f = ctxt ? ctxt->_private : NULL;
    if (f && e && !f->msg.len && e->level >= XML_ERR_ERROR) {
        f->line = e->line;
        sb_adds(&f->msg, e->message ? e->message : "not well-formed XML");
    }
}

xmlDoc *junit_parse_file(const char *path, mtv_err *err)
{
    strbuf text = STRBUF_INIT;
    if (fs_read_file(path, &text, err) < 0) {
        sb_release(&text);
        return NULL;
    }
    if (text.len > (size_t)0x7fffffff) {
        mtv_err_set(err, MTV_EXIT_USAGE, "%s: larger than 2 GiB; not a report this tool can read", path);
        sb_release(&text);
        return NULL;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        abort();
    first_error first = {0, STRBUF_INIT};
    ctxt->_private = &first;
    ctxt->sax->serror = keep_first_error;
    xmlDoc *doc = xmlCtxtReadMemory(ctxt, sb_str(&text), (int)text.len, path, "UTF-8",
                                    XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_NOERROR |
                                        XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        strbuf msg = STRBUF_INIT;
        if (first.msg.len)
            sb_adds(&msg, first.msg.buf);
        else
            sb_adds(&msg, e && e->message ? e->message : "not well-formed XML");
        while (msg.len && (msg.buf[msg.len - 1] == '\n' || msg.buf[msg.len - 1] == ' '))
            sb_setlen(&msg, msg.len - 1);
        mtv_err_set(err, MTV_EXIT_USAGE, "%s:%d: %s", path, first.msg.len ? first.line : e ? e->line : 0,
                    msg.buf);
        sb_release(&msg);
    } else {
        const xmlNode *root = xmlDocGetRootElement(doc);
        if (!is(root, "testsuites") && !is(root, "testsuite")) {
            mtv_err_set(err, MTV_EXIT_USAGE,
                        "%s:%d: the root element is <%s>; a JUnit report starts with <testsuites> or "
                        "<testsuite>",
                        path, root ? root->line : 1, root ? (const char *)root->name : "(none)");
            xmlFreeDoc(doc);
            doc = NULL;
        }
    }
    xmlFreeParserCtxt(ctxt);
    sb_release(&first.msg);
    sb_release(&text);
    return doc;
}

run_results *junit_read(const char *path, mtv_err *err)
{
    xmlDoc *doc = junit_parse_file(path, err);
    if (!doc)
        return NULL;
    const xmlNode *root = xmlDocGetRootElement(doc);
    reader rd = {results_new("", 0), 0};
    if (is(root, "testsuite")) {
        read_suite(&rd, root);
        rd.r->seconds = num(root, "time");
    } else {
        for (const xmlNode *k = root->children; k; k = k->next)
            if (is(k, "testsuite")) {
                read_suite(&rd, k);
                rd.r->seconds += num(k, "time");
            }
        if (num(root, "time") > 0)
            rd.r->seconds = num(root, "time");
    }
    if (!rd.r->run_id)
        rd.r->run_id = strdup("");
    xmlFreeDoc(doc);
    return rd.r;
}
