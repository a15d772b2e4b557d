/*
 * junit: the writer (see junit.h). It prints the XML itself rather than
 * building a libxml2 tree: the text cleaning must happen on every string
 * anyway, and a writer that only appends keeps a large run's report cheap.
 */
#include "reporters/junit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/text.h"

typedef struct ctx {
    const junit_opts *o;
    const secret_registry *reg;
    size_t max;
} ctx;

/* Masks, strips escape sequences, masks again (a secret may have been split
 * by colour codes), into out. */
static void clean(const ctx *c, const char *s, strbuf *out)
{
    strbuf a = STRBUF_INIT, b = STRBUF_INIT;
    secrets_mask(c->reg, s, strlen(s), &a);
    text_strip_ansi(&b, a.buf ? a.buf : "", a.len);
    secrets_mask(c->reg, b.buf ? b.buf : "", b.len, out);
    sb_release(&a);
    sb_release(&b);
}

static void attr(strbuf *x, const ctx *c, const char *name, const char *value)
{
    if (!value)
        return;
    strbuf cl = STRBUF_INIT, line = STRBUF_INIT;
    clean(c, value, &cl);
    text_one_line(&line, sb_str(&cl), 2000);
    sb_addf(x, " %s=\"", name);
    text_xml_escape(x, sb_str(&line), line.len, TEXT_XML_ATTRIBUTE);
    sb_addc(x, '"');
    sb_release(&cl);
    sb_release(&line);
}

static void content(strbuf *x, const ctx *c, const char *value)
{
    strbuf cl = STRBUF_INIT, cut = STRBUF_INIT;
    clean(c, value, &cl);
    text_head_tail(&cut, sb_str(&cl), cl.len, c->max, c->o->log_hint);
    text_xml_escape(x, sb_str(&cut), cut.len, TEXT_XML_CONTENT);
    sb_release(&cl);
    sb_release(&cut);
}

static void add_time(strbuf *x, const char *name, double seconds)
{
    sb_addf(x, " %s=\"%.3f\"", name, seconds > 0 ? seconds : 0.0);
}

static const char *const FIRST_PROPS[] = {"provider", "provider_version", "storage_class",
                                          "mtv_version", "cluster"};
#define N_FIRST (sizeof FIRST_PROPS / sizeof FIRST_PROPS[0])

static void property(strbuf *x, const ctx *c, const char *name, const char *value)
{
    if (!value)
        return;
    sb_adds(x, "      <property");
    attr(x, c, "name", name);
    attr(x, c, "value", value);
    sb_adds(x, "/>\n");
}

static void properties(strbuf *x, const ctx *c, const run_results *r, const scenario_result *s)
{
    sb_adds(x, "    <properties>\n");
    for (size_t i = 0; i < N_FIRST; i++)
        property(x, c, FIRST_PROPS[i], results_get_prop(r, FIRST_PROPS[i]));
    property(x, c, "run_id", r->run_id && *r->run_id ? r->run_id : NULL);
    property(x, c, "cassette", s->cassette);
    for (size_t i = 0; i < r->n_props; i++) {
        int known = !strcmp(r->props[i].key, "run_id") || !strcmp(r->props[i].key, "cassette");
        for (size_t k = 0; k < N_FIRST; k++)
            known |= !strcmp(r->props[i].key, FIRST_PROPS[k]);
        if (!known)
            property(x, c, r->props[i].key, r->props[i].value);
    }
    sb_adds(x, "    </properties>\n");
}

static void testcase(strbuf *x, const ctx *c, const scenario_result *s, const step_result *st)
{
    sb_adds(x, "    <testcase");
    attr(x, c, "classname", s->scenario);
    attr(x, c, "name", st->test_name ? st->test_name : st->name);
    add_time(x, "time", st->seconds);
    if (c->o->testcase_file)
        attr(x, c, "file", s->file);
    const char *msg = st->message ? st->message : "";
    int open = 0;
    switch (st->status) {
    case STEP_FAILED:
    case STEP_ERROR:
        sb_adds(x, ">\n      <");
        sb_adds(x, st->status == STEP_FAILED ? "failure" : "error");
        attr(x, c, "message", msg);
        sb_addc(x, '>');
        content(x, c, st->detail && *st->detail ? st->detail : msg);
        sb_adds(x, st->status == STEP_FAILED ? "</failure>\n" : "</error>\n");
        open = 1;
        break;
    case STEP_SKIPPED: {
        sb_adds(x, ">\n      <skipped type=\"pytest.skip\"");
        attr(x, c, "message", msg);
        sb_addc(x, '>');
        strbuf t = STRBUF_INIT;
        if (s->file)
            sb_addf(&t, "%s: ", s->file);
        sb_adds(&t, msg);
        content(x, c, sb_str(&t));
        sb_release(&t);
        sb_adds(x, "</skipped>\n");
        open = 1;
        break;
    }
    case STEP_XFAILED:
        sb_adds(x, ">\n      <skipped type=\"pytest.xfail\"");
        attr(x, c, "message", msg);
        sb_adds(x, "/>\n");
        open = 1;
        break;
    case STEP_PASSED:
    case STEP_XPASSED:
        break;
    }
    if (st->log && *st->log) {
        if (!open)
            sb_adds(x, ">\n");
        open = 1;
        sb_adds(x, "      <system-out>");
        content(x, c, st->log);
        sb_adds(x, "</system-out>\n");
    }
    sb_adds(x, open ? "    </testcase>\n" : "/>\n");
}

void junit_render(const run_results *r, const junit_opts *o, strbuf *out)
{
    junit_opts defaults = {0};
    if (!o)
        o = &defaults;
    ctx c = {o, o->secrets ? o->secrets : log_secrets(),
             o->max_output ? o->max_output : JUNIT_DEFAULT_MAX_OUTPUT};
    char host[256] = "localhost";
    if (o->hostname)
        snprintf(host, sizeof host, "%s", o->hostname);
    else if (gethostname(host, sizeof host - 1) != 0)
        snprintf(host, sizeof host, "localhost");
    results_counts all = results_count(r);
    double total_time = r->seconds;
    if (total_time <= 0)
        for (size_t i = 0; i < r->n_scenarios; i++)
            total_time += r->scenarios[i]->seconds;

    sb_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
    attr(out, &c, "name", o->name ? o->name : "mtv-validate");
    sb_addf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\"", all.total, all.failed, all.errors);
    add_time(out, "time", total_time);
    sb_adds(out, ">\n");
    for (size_t i = 0; i < r->n_scenarios; i++) {
        const scenario_result *s = r->scenarios[i];
        size_t failed = 0, errors = 0, skipped = 0;
        double t = 0;
        for (size_t j = 0; j < s->n_steps; j++) {
            enum step_status st = s->steps[j].status;
            failed += st == STEP_FAILED;
            errors += st == STEP_ERROR;
            skipped += st == STEP_SKIPPED || st == STEP_XFAILED;
            t += s->steps[j].seconds;
        }
        if (s->seconds > t)
            t = s->seconds;
        char ts[32];
        clock_format_iso(s->started_ms ? s->started_ms : r->started_ms, ts);
        sb_adds(out, "  <testsuite");
        attr(out, &c, "name", s->test_name ? s->test_name : s->scenario);
        sb_addf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"", s->n_steps, failed,
                errors, skipped);
        add_time(out, "time", t);
        attr(out, &c, "timestamp", ts);
        attr(out, &c, "hostname", host);
        attr(out, &c, "file", s->file);
        sb_adds(out, ">\n");
        properties(out, &c, r, s);
        for (size_t j = 0; j < s->n_steps; j++)
            testcase(out, &c, s, &s->steps[j]);
        sb_adds(out, "  </testsuite>\n");
    }
    sb_adds(out, "</testsuites>\n");
}

int junit_write(const run_results *r, const junit_opts *o, const char *path, mtv_err *err)
{
    strbuf xml = STRBUF_INIT;
    junit_render(r, o, &xml);
    int rc = fs_write_atomic_mode(path, sb_str(&xml), xml.len, 0644, err);
    sb_release(&xml);
    if (rc < 0)
        mtv_err_prefix(err, "writing the JUnit report");
    return rc;
}
