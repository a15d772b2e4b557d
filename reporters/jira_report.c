/*
 * jira_report: see jira_report.h. The flow is one search for all
 * fingerprints, then one decision per fingerprint; each Jira operation that
 * fails is counted and reported, and the next one is still tried, so one
 * broken issue does not keep the others from being updated.
 */
#include "reporters/jira_report.h"

#include <stdlib.h>
#include <string.h>

#include "reporters/console.h"
#include "reporters/jira_client.h"
#include "reporters/jira_doc.h"
#include "reporters/jira_fingerprint.h"
#include "reporters/jira_issue.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/text.h"

typedef struct group {
    char fp[13];
    char *label;
    const scenario_result *s;     /* first occurrence */
    const step_result *st;
    strbuf tests;                 /* "test::step" of every occurrence, comma-separated */
    size_t n;
} group;

typedef struct ctx {
    const run_results *r;
    const jira_config *cfg;
    jira_client *jc;
    const jira_report_opts *o;
    FILE *out;
    jira_report_stats *st;
    mtv_err *first;               /* the first error, kept for the caller */
    const char *build_url;
    char run_summary[256];
} ctx;

static void say(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(ctx *c, const char *fmt, ...)
{
    strbuf line = STRBUF_INIT, masked = STRBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(&line, fmt, ap);
    va_end(ap);
    secrets_mask(c->cfg->secrets ? c->cfg->secrets : log_secrets(), sb_str(&line), line.len, &masked);
    fprintf(c->out, "jira: %s\n", sb_str(&masked));
    fflush(c->out);
    sb_release(&line);
    sb_release(&masked);
}

static void failed(ctx *c, const mtv_err *e, const char *what)
{
    c->st->errors++;
    say(c, "error: %s: %s", what, e->msg);
    if (!mtv_err_is_set(c->first))
        mtv_err_set(c->first, MTV_EXIT_ENV, "%s: %s", what, e->msg);
}

/* ---- grouping -------------------------------------------------------------- */

static size_t collect(ctx *c, group **out)
{
    group *g = NULL;
    size_t n = 0;
    for (size_t i = 0; i < c->r->n_scenarios; i++) {
        const scenario_result *s = c->r->scenarios[i];
        for (size_t j = 0; j < s->n_steps; j++) {
            const step_result *st = &s->steps[j];
            if (st->status != STEP_FAILED && st->status != STEP_ERROR)
                continue;
            c->st->failures++;
            char fp[13];
            jira_fingerprint(s->scenario, st->name, st->message ? st->message : "", fp);
            group *hit = NULL;
            for (size_t k = 0; k < n && !hit; k++)
                if (!strcmp(g[k].fp, fp))
                    hit = &g[k];
            if (!hit) {
                g = realloc(g, (n + 1) * sizeof *g);
                if (!g)
                    abort();
                hit = &g[n++];
                memset(hit, 0, sizeof *hit);
                memcpy(hit->fp, fp, sizeof fp);
                strbuf label = STRBUF_INIT;
                jira_fp_label(c->cfg->label_prefix, fp, &label);
                hit->label = sb_detach(&label, NULL);
                hit->s = s;
                hit->st = st;
            }
            sb_addf(&hit->tests, "%s%s::%s", hit->n ? ", " : "", s->test_name, st->name);
            hit->n++;
        }
    }
    *out = g;
    return n;
}

static void groups_free(group *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(g[i].label);
        sb_release(&g[i].tests);
    }
    free(g);
}

/* ---- search ------------------------------------------------------------------ */

static int search_labels(ctx *c, const group *g, size_t n, jira_issue **issues, size_t *n_issues, mtv_err *err)
{
    strbuf jql = STRBUF_INIT;
    sb_adds(&jql, "project = ");
    jira_jql_quote(&jql, c->cfg->project);
    sb_adds(&jql, " AND labels in (");
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_adds(&jql, ", ");
        jira_jql_quote(&jql, g[i].label);
    }
    sb_adds(&jql, ") ORDER BY created DESC");
    cJSON *found = NULL;
    int rc = jira_search(c->jc, jql.buf, JIRA_ISSUE_FIELDS, 500, 0, &found, err);
    sb_release(&jql);
    *issues = NULL;
    *n_issues = 0;
    if (rc < 0)
        return -1;
    *issues = calloc((size_t)cJSON_GetArraySize(found) + 1, sizeof **issues);
    if (!*issues)
        abort();
    const cJSON *it;
    cJSON_ArrayForEach(it, found)
    {
        if (jira_issue_from_json(it, &(*issues)[*n_issues]) == 0)
            (*n_issues)++;
    }
    cJSON_Delete(found);
    return 0;
}

static void issues_free(jira_issue *is, size_t n)
{
    for (size_t i = 0; i < n; i++)
        jira_issue_free(&is[i]);
    free(is);
}

/* ---- documents --------------------------------------------------------------- */

static void add_context(ctx *c, jira_doc *d, const group *g)
{
    const run_results *r = c->r;
    jira_doc_field(d, "Build", c->build_url, c->build_url);
    jira_doc_field(d, "Run", c->run_summary, NULL);
    jira_doc_field(d, "Provider", results_get_prop(r, "provider"), NULL);
    jira_doc_field(d, "Provider version", results_get_prop(r, "provider_version"), NULL);
    jira_doc_field(d, "Storage class", results_get_prop(r, "storage_class"), NULL);
    jira_doc_field(d, "MTV version", results_get_prop(r, "mtv_version"), NULL);
    jira_doc_field(d, "Cluster", results_get_prop(r, "cluster"), NULL);
    jira_doc_field(d, "Failure", g->st->message, NULL);
    jira_doc_field(d, "Cassette", g->s->cassette, NULL);
    jira_doc_field(d, "Results", c->o->source, NULL);
    if (g->n > 1)
        jira_doc_field(d, "Failing the same way", sb_str(&g->tests), NULL);
    jira_doc_field(d, "Fingerprint", g->label, NULL);
}

static void add_evidence(jira_doc *d, const group *g)
{
    if (g->st->detail && *g->st->detail)
        jira_doc_code(d, g->st->detail);
    if (g->st->log && *g->st->log) {
        /* the end of a step's log is where its failure is */
        strbuf tail = STRBUF_INIT;
        const char *log = g->st->log;
        size_t len = strlen(log);
        size_t from = len > 8000 ? len - 8000 : 0;
        while (from > 0 && from < len && log[from - 1] != '\n')
            from++;
        if (from)
            sb_addf(&tail, "[... the step's log from byte %zu on ...]\n", from);
        sb_adds(&tail, log + from);
        jira_doc_code(d, tail.buf);
        sb_release(&tail);
    }
}

static void run_marker(const ctx *c, strbuf *out)
{
    sb_addf(out, "mtv-validate run %s", c->r->run_id && *c->r->run_id ? c->r->run_id : "(no run id)");
}

/* ---- operations on one issue -------------------------------------------------- */

static void remote_link(ctx *c, const char *key, const group *g)
{
    if (!c->build_url)
        return;
    cJSON *body = cJSON_CreateObject();
    strbuf gid = STRBUF_INIT, title = STRBUF_INIT, path = STRBUF_INIT;
    sb_addf(&gid, "mtv-validate:run=%s:fp=%s", c->r->run_id ? c->r->run_id : "", g->fp);
    if (gid.len > 255)
        sb_setlen(&gid, 255);
    cJSON_AddStringToObject(body, "globalId", gid.buf);
    cJSON *app = cJSON_AddObjectToObject(body, "application");
    cJSON_AddStringToObject(app, "type", "mtv-validate");
    cJSON_AddStringToObject(app, "name", "mtv-validate");
    cJSON_AddStringToObject(body, "relationship", "failed in");
    cJSON *obj = cJSON_AddObjectToObject(body, "object");
    cJSON_AddStringToObject(obj, "url", c->build_url);
    strbuf raw = STRBUF_INIT;
    run_marker(c, &raw);
    sb_addf(&raw, ": %s %s failed", g->s->test_name, g->st->name);
    text_one_line(&title, raw.buf, 255);
    sb_release(&raw);
    strbuf masked = STRBUF_INIT;
    secrets_mask(c->cfg->secrets ? c->cfg->secrets : log_secrets(), title.buf, title.len, &masked);
    cJSON_AddStringToObject(obj, "title", sb_str(&masked));
    cJSON *status = cJSON_AddObjectToObject(obj, "status");
    cJSON_AddBoolToObject(status, "resolved", 0);
    sb_addf(&path, "%s/issue/%s/remotelink", jira_client_api(c->jc), key);
    jira_reply rep;
    mtv_err e;
    mtv_err_clear(&e);
    if (jira_call(c->jc, "POST", path.buf, NULL, body, JIRA_WRITE | JIRA_IDEMPOTENT, &rep, &e) < 0)
        failed(c, &e, "linking the build");
    jira_reply_free(&rep);
    cJSON_Delete(body);
    sb_release(&gid);
    sb_release(&title);
    sb_release(&path);
    sb_release(&masked);
}

static void attach(ctx *c, const char *key, const group *g)
{
    if (!c->cfg->attach_bundle || !g->s->cassette)
        return;
    strbuf file = STRBUF_INIT, data = STRBUF_INIT, path = STRBUF_INIT;
    if (g->s->cassette[0] != '/' && c->o->base_dir)
        fs_join(&file, c->o->base_dir, g->s->cassette);
    else
        sb_adds(&file, g->s->cassette);
    mtv_err e;
    mtv_err_clear(&e);
    const char *label = NULL;
    size_t off;
    if (!fs_exists(file.buf)) {
        say(c, "%s: no bundle attached: %s does not exist", key, file.buf);
    } else if (fs_read_file(file.buf, &data, &e) < 0) {
        failed(c, &e, "reading the bundle to attach");
    } else if (data.len > (size_t)c->cfg->max_attachment_mb * 1024 * 1024) {
        say(c, "%s: no bundle attached: %s is %zu bytes, over max_attachment_mb = %ld", key, file.buf,
            data.len, c->cfg->max_attachment_mb);
    } else if ((label = secrets_find(c->cfg->secrets ? c->cfg->secrets : log_secrets(), data.buf, data.len,
                                     &off))) {
        c->st->errors++;
        say(c, "error: %s: not attaching %s: it holds the secret %s (offset %zu)", key, file.buf, label, off);
    } else {
        const char *base = strrchr(file.buf, '/');
        sb_addf(&path, "%s/issue/%s/attachments", jira_client_api(c->jc), key);
        jira_reply rep;
        if (jira_call_upload(c->jc, path.buf, base ? base + 1 : file.buf, data.buf, data.len, JIRA_WRITE, &rep,
                             &e) < 0)
            failed(c, &e, "attaching the bundle");
        else
            say(c, "%s: %s %s", key, jira_client_dry_run(c->jc) ? "would attach" : "attached",
                base ? base + 1 : file.buf);
        jira_reply_free(&rep);
    }
    sb_release(&file);
    sb_release(&data);
    sb_release(&path);
}

/* 1 when a comment on key already names this run, 0 when not, -1 on error. */
static int has_run_comment(ctx *c, const char *key)
{
    if (!c->r->run_id || !*c->r->run_id)
        return 0;
    strbuf path = STRBUF_INIT, marker = STRBUF_INIT;
    sb_addf(&path, "%s/issue/%s/comment", jira_client_api(c->jc), key);
    run_marker(c, &marker);
    const char *q[] = {"orderBy", "-created", "maxResults", "100", NULL};
    jira_reply rep;
    mtv_err e;
    mtv_err_clear(&e);
    int found = 0;
    if (jira_call(c->jc, "GET", path.buf, q, NULL, JIRA_READ, &rep, &e) < 0) {
        failed(c, &e, "reading the comments");
        found = -1;
    } else {
        const cJSON *cm;
        cJSON_ArrayForEach(cm, cJSON_GetObjectItemCaseSensitive(rep.json, "comments"))
        {
            char *text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(cm, "body"));
            found |= text && strstr(text, marker.buf) != NULL;
            cJSON_free(text);
        }
    }
    jira_reply_free(&rep);
    sb_release(&path);
    sb_release(&marker);
    return found;
}

static void comment(ctx *c, const jira_issue *is, const group *g, int regression)
{
    if (c->st->commented >= (size_t)c->cfg->max_comments) {
        c->st->capped++;
        say(c, "%s: not commented: max_comments (%ld) reached for this run", is->key, c->cfg->max_comments);
        return;
    }
    int had = has_run_comment(c, is->key);
    if (had < 0)
        return;
    if (had) {
        c->st->already++;
        say(c, "%s already has a comment for this run (%s)", is->key, sb_str(&g->tests));
        remote_link(c, is->key, g);
        return;
    }
    jira_doc d;
    jira_doc_init(&d, c->cfg->secrets);
    strbuf head = STRBUF_INIT;
    run_marker(c, &head);
    if (regression)
        sb_addf(&head, ": %s step %s failed again after this issue was closed: a possible regression "
                       "(the issue was not reopened).",
                g->s->test_name, g->st->name);
    else
        sb_addf(&head, ": %s step %s failed again.", g->s->test_name, g->st->name);
    jira_doc_para(&d, head.buf);
    add_context(c, &d, g);
    add_evidence(&d, g);
    jira_doc_fit(&d, jira_client_is_cloud(c->jc), JIRA_TEXT_LIMIT - 767);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "body", jira_doc_render(&d, jira_client_is_cloud(c->jc)));
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "%s/issue/%s/comment", jira_client_api(c->jc), is->key);
    jira_reply rep;
    mtv_err e;
    mtv_err_clear(&e);
    if (jira_call(c->jc, "POST", path.buf, NULL, body, JIRA_WRITE, &rep, &e) < 0) {
        failed(c, &e, "commenting");
    } else {
        c->st->commented++;
        say(c, "%s %s (%s issue, %s): %s", is->key,
            jira_client_dry_run(c->jc) ? "would get a comment" : "commented", regression ? "closed" : "open",
            g->label, sb_str(&g->tests));
        remote_link(c, is->key, g);
        attach(c, is->key, g);
    }
    jira_reply_free(&rep);
    cJSON_Delete(body);
    sb_release(&path);
    sb_release(&head);
    jira_doc_free(&d);
}

static cJSON *create_body(ctx *c, const group *g, const char *regression_of)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *f = cJSON_AddObjectToObject(body, "fields");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(f, "project"), "key", c->cfg->project);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(f, "issuetype"), "name", c->cfg->issue_type);
    strbuf raw = STRBUF_INIT, clean = STRBUF_INIT, summary = STRBUF_INIT;
    sb_addf(&raw, "[mtv-validate] %s %s: %s", g->s->scenario, g->st->name,
            g->st->message && *g->st->message ? g->st->message : step_status_name(g->st->status));
    secrets_mask(c->cfg->secrets ? c->cfg->secrets : log_secrets(), raw.buf, raw.len, &clean);
    sb_reset(&raw);
    text_strip_ansi(&raw, sb_str(&clean), clean.len);
    text_one_line(&summary, sb_str(&raw), 255);
    cJSON_AddStringToObject(f, "summary", summary.buf);
    jira_doc d;
    jira_doc_init(&d, c->cfg->secrets);
    strbuf head = STRBUF_INIT;
    sb_addf(&head, "%s step %s %s in ", g->s->test_name, g->st->name,
            g->st->status == STEP_ERROR ? "could not run (error)" : "failed");
    run_marker(c, &head);
    sb_addc(&head, '.');
    jira_doc_para(&d, head.buf);
    if (regression_of) {
        sb_reset(&head);
        sb_addf(&head, "The same failure was reported in %s, which is closed: this may be a regression.",
                regression_of);
        jira_doc_para(&d, head.buf);
    }
    add_context(c, &d, g);
    sb_reset(&head);
    sb_addf(&head, "mtv-validate finds this issue by its label %s: keep it, and later runs that fail the same "
                   "way comment here instead of opening a new issue.",
            g->label);
    jira_doc_para(&d, head.buf);
    add_evidence(&d, g);
    jira_doc_fit(&d, jira_client_is_cloud(c->jc), JIRA_TEXT_LIMIT - 767);
    cJSON_AddItemToObject(f, "description", jira_doc_render(&d, jira_client_is_cloud(c->jc)));
    cJSON *labels = cJSON_AddArrayToObject(f, "labels");
    cJSON_AddItemToArray(labels, cJSON_CreateString("mtv-validate"));
    cJSON_AddItemToArray(labels, cJSON_CreateString(g->label));
    for (size_t i = 0; i < c->cfg->labels.count; i++)
        cJSON_AddItemToArray(labels, cJSON_CreateString(c->cfg->labels.items[i]));
    if (c->cfg->ticket_components.count) {
        cJSON *comps = cJSON_AddArrayToObject(f, "components");
        for (size_t i = 0; i < c->cfg->ticket_components.count; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", c->cfg->ticket_components.items[i]);
            cJSON_AddItemToArray(comps, o);
        }
    }
    if (c->cfg->affects_version) {
        cJSON *vs = cJSON_AddArrayToObject(f, "versions");
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", c->cfg->affects_version);
        cJSON_AddItemToArray(vs, o);
    }
    jira_doc_free(&d);
    sb_release(&raw);
    sb_release(&clean);
    sb_release(&summary);
    sb_release(&head);
    return body;
}

/* The newest open issue with g's label, searched now (after a creation
 * whose outcome is unknown). 1 found (key into out), 0 none, -1 error. */
static int find_again(ctx *c, const group *g, strbuf *key_out)
{
    jira_issue *is = NULL;
    size_t n = 0;
    mtv_err e;
    mtv_err_clear(&e);
    if (search_labels(c, g, 1, &is, &n, &e) < 0) {
        failed(c, &e, "searching again after an unclear creation");
        return -1;
    }
    int found = 0;
    for (size_t i = 0; i < n && !found; i++)
        if (!jira_issue_done(&is[i]) && jira_issue_has_label(&is[i], g->label)) {
            sb_adds(key_out, is[i].key);
            found = 1;
        }
    issues_free(is, n);
    return found;
}

static void create(ctx *c, const group *g, const char *regression_of)
{
    if (!c->cfg->create_issues) {
        c->st->capped++;
        say(c, "no open issue for %s (%s); create_issues = false, so none is created", sb_str(&g->tests), g->label);
        return;
    }
    if (c->st->created >= (size_t)c->cfg->max_new_issues) {
        c->st->capped++;
        say(c, "no issue created for %s (%s): max_new_issues (%ld) reached for this run", sb_str(&g->tests),
            g->label, c->cfg->max_new_issues);
        return;
    }
    cJSON *body = create_body(c, g, regression_of);
    strbuf path = STRBUF_INIT, key = STRBUF_INIT;
    sb_addf(&path, "%s/issue", jira_client_api(c->jc));
    mtv_err e;
    for (int attempt = 1; attempt <= 2; attempt++) {
        jira_reply rep;
        mtv_err_clear(&e);
        int rc = jira_call(c->jc, "POST", path.buf, NULL, body, JIRA_WRITE | JIRA_ONCE, &rep, &e);
        if (rc == 0) {
            const cJSON *k = cJSON_GetObjectItemCaseSensitive(rep.json, "key");
            sb_adds(&key, cJSON_IsString(k) ? k->valuestring : jira_client_dry_run(c->jc) ? "(new issue)" : "");
            jira_reply_free(&rep);
            break;
        }
        long status = rep.status;
        long wait = http_retry_after_ms(rep.retry_after, clock_now_ms(transport_clock(jira_client_transport(c->jc))));
        jira_reply_free(&rep);
        if (status == 429 || status == 503 || status == 0) {
            /* not processed (429/503), or unknown (no answer): look before anything else */
            if (status != 0) {
                wait = wait < 0 ? 2000 : wait > 60000 ? 60000 : wait;
                clock_sleep_ms(transport_clock(jira_client_transport(c->jc)), wait);
            }
            int found = find_again(c, g, &key);
            if (found > 0)
                break;
            if (found == 0 && status != 0 && attempt == 1) {
                say(c, "creating an issue for %s was refused with %ld and no issue appeared; trying once more",
                    g->label, status);
                continue;
            }
        }
        failed(c, &e, "creating an issue (not retried)");
        break;
    }
    if (key.len) {
        c->st->created++;
        if (jira_client_dry_run(c->jc))
            say(c, "would create an issue for %s (%s); NEW stands for its key below", sb_str(&g->tests),
                g->label);
        else
            say(c, "created %s for %s (%s)", key.buf, sb_str(&g->tests), g->label);
        remote_link(c, jira_client_dry_run(c->jc) ? "NEW" : key.buf, g);
        attach(c, jira_client_dry_run(c->jc) ? "NEW" : key.buf, g);
    }
    cJSON_Delete(body);
    sb_release(&path);
    sb_release(&key);
}

/* ---- the run ------------------------------------------------------------------ */

static void decide(ctx *c, const group *g, const jira_issue *issues, size_t n)
{
    const jira_issue *open = NULL, *closed = NULL;
    for (size_t i = 0; i < n; i++) {
        const jira_issue *is = &issues[i];
        if (!jira_issue_has_label(is, g->label) || jira_issue_has_label(is, c->cfg->noreuse_label))
            continue;
        if (!jira_issue_done(is)) {
            if (!open)
                open = is;
        } else if (!closed) {
            closed = is;
        }
    }
    if (open) {
        comment(c, open, g, 0);
        return;
    }
    if (closed && closed->resolved_at && c->cfg->regression_days > 0) {
        int64_t when, now = clock_now_ms(transport_clock(jira_client_transport(c->jc)));
        if (clock_parse_iso(closed->resolved_at, &when) == 0 &&
            now - when <= (int64_t)c->cfg->regression_days * 86400000) {
            c->st->regressions++;
            char day[32];
            clock_format_iso(when, day);
            day[10] = '\0';
            say(c, "possible regression: %s fails again (%s); %s was closed on %s and is not reopened",
                sb_str(&g->tests), g->label, closed->key, day);
            if (c->cfg->regression_creates)
                create(c, g, closed->key);
            else
                comment(c, closed, g, 1);
            return;
        }
    }
    create(c, g, NULL);
}

void jira_report_stats_line(const jira_report_stats *s, int dry_run, strbuf *out)
{
    sb_addf(out, "%zu failure%s, %zu distinct: %zu %s, %zu %s, %zu already commented for this run, "
                 "%zu possible regression%s, %zu not reported (caps), %zu Jira error%s",
            s->failures, s->failures == 1 ? "" : "s", s->fingerprints, s->created,
            dry_run ? "to create" : "created", s->commented, dry_run ? "to comment" : "commented", s->already,
            s->regressions, s->regressions == 1 ? "" : "s", s->capped, s->errors, s->errors == 1 ? "" : "s");
}

int jira_report_run(const run_results *r, const jira_config *cfg, transport *t,
                    const jira_report_opts *o, jira_report_stats *stats, mtv_err *err)
{
    jira_report_opts none = {0};
    if (!o)
        o = &none;
    memset(stats, 0, sizeof *stats);
    mtv_err_clear(err);
    if (jira_config_check_tickets(cfg, err) < 0) {
        stats->errors++;
        return -1;
    }
    ctx c = {r, cfg, NULL, o, o->out ? o->out : stdout, stats, err, cfg->build_url, ""};
    strbuf line = STRBUF_INIT;
    console_summary_line(r, &line);
    snprintf(c.run_summary, sizeof c.run_summary, "%s", line.buf);
    sb_release(&line);
    group *g = NULL;
    size_t n = collect(&c, &g);
    stats->fingerprints = n;
    if (n == 0) {
        say(&c, "no failed or errored step: nothing to report");
        return 0;
    }
    mtv_err e;
    mtv_err_clear(&e);
    if (jira_client_new(&c.jc, cfg, t, &e) < 0) {
        failed(&c, &e, "connecting to Jira");
        groups_free(g, n);
        return -1;
    }
    if (o->dry_run)
        jira_client_set_dry_run(c.jc, c.out);
    jira_issue *issues = NULL;
    size_t n_issues = 0;
    if (search_labels(&c, g, n, &issues, &n_issues, &e) < 0) {
        failed(&c, &e, "searching for known failures");
        if (!o->dry_run) {
            say(&c, "no issue created or commented: without the search, duplicates could be made");
            stats->capped += n;
            n = 0;
        }
    }
    for (size_t i = 0; i < n; i++)
        decide(&c, &g[i], issues, n_issues);
    strbuf sum = STRBUF_INIT;
    jira_report_stats_line(stats, o->dry_run, &sum);
    say(&c, "%s%s", o->dry_run ? "dry run: " : "", sum.buf);
    sb_release(&sum);
    issues_free(issues, n_issues);
    groups_free(g, stats->fingerprints);
    jira_client_free(c.jc);
    return stats->errors ? -1 : 0;
}
