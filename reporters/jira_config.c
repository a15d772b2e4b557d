/*
 * jira_config: see jira_config.h. Values are first collected as text with
 * their origin (files, environment, -c, in that order, later ones
 * replacing), then converted in one place, so every source is checked by
 * the same rules and every message can say where a bad value came from.
 */
#include "reporters/jira_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/fs.h"
#include "util/ini.h"
#include "util/log.h"
#include "util/suggest.h"

struct jira_raw {
    char *key;
    char *value;
    char *origin;
};

enum kind { K_STR, K_SECRET, K_BOOL, K_INT, K_FLOAT, K_LIST, K_ENUM, K_IGNORED };

typedef struct keydef {
    const char *name;
    enum kind kind;
    const char *choices;      /* K_ENUM: "a|b|c" */
    long min, max;            /* K_INT */
} keydef;

static const keydef KEYS[] = {
    /* pytest-jira's keys */
    {"url", K_STR, NULL, 0, 0},
    {"username", K_STR, NULL, 0, 0},
    {"password", K_SECRET, NULL, 0, 0},
    {"token", K_SECRET, NULL, 0, 0},
    {"ssl_verification", K_BOOL, NULL, 0, 0},
    {"version", K_STR, NULL, 0, 0},
    {"components", K_LIST, NULL, 0, 0},
    {"marker_strategy", K_ENUM, "strict|skip|ignore|open|warn", 0, 0},
    {"resolved_statuses", K_LIST, NULL, 0, 0},
    {"resolved_resolutions", K_LIST, NULL, 0, 0},
    {"run_test_case", K_BOOL, NULL, 0, 0},
    {"error_strategy", K_ENUM, "strict|skip|ignore", 0, 0},
    {"connection_retry_total", K_INT, NULL, 0, 20},
    {"connection_retry_backoff_factor", K_FLOAT, NULL, 0, 0},
    {"docs_search", K_IGNORED, NULL, 0, 0},
    {"issue_regex", K_IGNORED, NULL, 0, 0},
    {"return_jira_metadata", K_IGNORED, NULL, 0, 0},
    /* mtv-validate's own */
    {"deployment", K_ENUM, "auto|cloud|dc", 0, 0},
    {"ca_file", K_STR, NULL, 0, 0},
    {"timeout", K_INT, NULL, 1, 3600},
    {"resolved_by_category", K_BOOL, NULL, 0, 0},
    {"project", K_STR, NULL, 0, 0},
    {"issue_type", K_STR, NULL, 0, 0},
    {"labels", K_LIST, NULL, 0, 0},
    {"ticket_components", K_LIST, NULL, 0, 0},
    {"affects_version", K_STR, NULL, 0, 0},
    {"label_prefix", K_STR, NULL, 0, 0},
    {"noreuse_label", K_STR, NULL, 0, 0},
    {"create_issues", K_BOOL, NULL, 0, 0},
    {"max_new_issues", K_INT, NULL, 0, 1000},
    {"max_comments", K_INT, NULL, 0, 10000},
    {"regression_days", K_INT, NULL, 0, 3650},
    {"on_regression", K_ENUM, "comment|create", 0, 0},
    {"attach_bundle", K_BOOL, NULL, 0, 0},
    {"max_attachment_mb", K_INT, NULL, 1, 1024},
    {"build_url", K_STR, NULL, 0, 0},
    {NULL, K_STR, NULL, 0, 0},
};

const char *const JIRA_CONFIG_KEYS[] = {
    "url", "username", "password", "token", "ssl_verification", "version", "components",
    "marker_strategy", "resolved_statuses", "resolved_resolutions", "run_test_case",
    "error_strategy", "connection_retry_total", "connection_retry_backoff_factor", "docs_search",
    "issue_regex", "return_jira_metadata", "deployment", "ca_file", "timeout",
    "resolved_by_category", "project", "issue_type", "labels", "ticket_components",
    "affects_version", "label_prefix", "noreuse_label", "create_issues", "max_new_issues",
    "max_comments", "regression_days", "on_regression", "attach_bundle", "max_attachment_mb",
    "build_url", NULL,
};

static const keydef *find_key(const char *name)
{
    for (const keydef *k = KEYS; k->name; k++)
        if (!strcmp(k->name, name))
            return k;
    return NULL;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

static void list_free(jira_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

/* Comma-separated (or newline-separated, as ConfigParser continuation lines
 * give) items, trimmed, empties dropped; lower-cased when asked. */
static void list_parse(jira_list *l, const char *text, int lower)
{
    list_free(l);
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, ",\n");
        const char *s = p;
        size_t k = n;
        while (k && isspace((unsigned char)*s))
            s++, k--;
        while (k && isspace((unsigned char)s[k - 1]))
            k--;
        if (k) {
            l->items = realloc(l->items, (l->count + 1) * sizeof *l->items);
            if (!l->items)
                abort();
            char *item = strndup(s, k);
            if (!item)
                abort();
            if (lower)
                for (char *q = item; *q; q++)
                    *q = (char)tolower((unsigned char)*q);
            l->items[l->count++] = item;
        }
        p += n;
        if (*p)
            p++;
    }
}

void jira_config_init(jira_config *c, secret_registry *reg)
{
    memset(c, 0, sizeof *c);
    c->secrets = reg;
    c->verify_tls = 1;
    c->timeout_s = 30;
    c->retries = 5;
    c->backoff_s = 0.2;
    c->not_found = JIRA_POLICY_STRICT;
    c->on_error = JIRA_POLICY_STRICT;
    c->run_default = 1;
    c->create_issues = 1;
    c->max_new_issues = 5;
    c->max_comments = 20;
    c->regression_days = 30;
    c->max_attachment_mb = 10;
    list_parse(&c->resolved_statuses, "closed,resolved", 1);
    c->issue_type = xstrdup("Bug");
    c->label_prefix = xstrdup("mtvval");
    c->noreuse_label = xstrdup("mtvval-noreuse");
    c->sources = xstrdup("");
}

void jira_config_free(jira_config *c)
{
    free(c->url);
    free(c->username);
    free(c->password);
    free(c->token);
    free(c->ca_file);
    list_free(&c->resolved_statuses);
    list_free(&c->resolved_resolutions);
    free(c->version);
    list_free(&c->components);
    free(c->project);
    free(c->issue_type);
    list_free(&c->labels);
    list_free(&c->ticket_components);
    free(c->affects_version);
    free(c->label_prefix);
    free(c->noreuse_label);
    free(c->build_url);
    for (size_t i = 0; i < c->n_raw; i++) {
        free(c->raw[i].key);
        free(c->raw[i].value);
        free(c->raw[i].origin);
    }
    free(c->raw);
    free(c->sources);
    memset(c, 0, sizeof *c);
}

static void note_source(jira_config *c, const char *what)
{
    if (strstr(c->sources, what))
        return;
    strbuf sb = STRBUF_INIT;
    sb_addf(&sb, "%s%s%s", c->sources, *c->sources ? ", " : "", what);
    free(c->sources);
    c->sources = sb_detach(&sb, NULL);
}

static int unknown_key(const char *key, const char *origin, mtv_err *err)
{
    strbuf hint = STRBUF_INIT;
    size_t n = 0;
    while (JIRA_CONFIG_KEYS[n])
        n++;
    suggest_append(&hint, key, JIRA_CONFIG_KEYS, n);
    mtv_err_set(err, MTV_EXIT_USAGE, "%s: unknown Jira setting \"%s\"%s; see docs/reporting.md for the keys",
                origin, key, sb_str(&hint));
    sb_release(&hint);
    return -1;
}

int jira_config_set(jira_config *c, const char *key, const char *value, const char *origin,
                    mtv_err *err)
{
    const keydef *k = find_key(key);
    if (!k)
        return unknown_key(key, origin, err);
    if (k->kind == K_SECRET && value && *value) {
        char label[64];
        snprintf(label, sizeof label, "jira.%s", key);
        if (c->secrets)
            secrets_add(c->secrets, label, value);
        secrets_add(log_secrets(), label, value);
    }
    for (size_t i = 0; i < c->n_raw; i++)
        if (!strcmp(c->raw[i].key, key)) {
            free(c->raw[i].value);
            free(c->raw[i].origin);
            c->raw[i].value = xstrdup(value);
            c->raw[i].origin = xstrdup(origin);
            return 0;
        }
    c->raw = realloc(c->raw, (c->n_raw + 1) * sizeof *c->raw);
    if (!c->raw)
        abort();
    c->raw[c->n_raw].key = xstrdup(key);
    c->raw[c->n_raw].value = xstrdup(value);
    c->raw[c->n_raw].origin = xstrdup(origin);
    c->n_raw++;
    return 0;
}

int jira_config_set_arg(jira_config *c, const char *arg, mtv_err *err)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return mtv_err_set(err, MTV_EXIT_USAGE, "-c %s: expected KEY=VALUE, e.g. -c project=MTV", arg);
    char *key = strndup(arg, (size_t)(eq - arg));
    if (!key)
        abort();
    for (char *p = key; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    char origin[160];
    snprintf(origin, sizeof origin, "-c %s", key);
    int rc = jira_config_set(c, key, eq + 1, origin, err);
    free(key);
    return rc;
}

int jira_config_load_file(jira_config *c, const char *path, mtv_err *err)
{
    ini_file f;
    if (ini_load(&f, path, err) < 0)
        return -1;
    int rc = 0;
    /* [DEFAULT] first, then [mtv-validate], so the tool's section wins */
    const char *sections[] = {"DEFAULT", "mtv-validate"};
    for (int s = 0; s < 2 && rc == 0; s++)
        for (size_t i = 0; i < f.count && rc == 0; i++) {
            if (strcmp(f.items[i].section, sections[s]) != 0)
                continue;
            char origin[4200];
            snprintf(origin, sizeof origin, "%s:%d", path, f.items[i].line);
            rc = jira_config_set(c, f.items[i].key, f.items[i].value, origin, err);
        }
    if (rc == 0)
        note_source(c, path);
    ini_free(&f);
    return rc;
}

int jira_config_load_default_files(jira_config *c, mtv_err *err)
{
    const char *home = getenv("HOME");
    strbuf p = STRBUF_INIT;
    int rc = 0;
    if (fs_exists("/etc/jira.cfg"))
        rc = jira_config_load_file(c, "/etc/jira.cfg", err);
    if (rc == 0 && home && *home) {
        fs_join(&p, home, "jira.cfg");
        if (fs_exists(p.buf))
            rc = jira_config_load_file(c, p.buf, err);
    }
    if (rc == 0 && fs_exists("jira.cfg"))
        rc = jira_config_load_file(c, "jira.cfg", err);
    sb_release(&p);
    return rc;
}

int jira_config_load_env(jira_config *c, mtv_err *err)
{
    static const char *const pytest_keys[] = {"url", "username", "password", "token"};
    for (size_t i = 0; i < 4; i++) {
        char var[64];
        snprintf(var, sizeof var, "PYTEST_JIRA_%s", pytest_keys[i]);
        for (char *p = var; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        const char *v = getenv(var);
        if (v && *v) {
            char origin[80];
            snprintf(origin, sizeof origin, "$%s", var);
            if (jira_config_set(c, pytest_keys[i], v, origin, err) < 0)
                return -1;
            note_source(c, origin);
        }
    }
    for (const keydef *k = KEYS; k->name; k++) {
        char var[80];
        snprintf(var, sizeof var, "MTV_JIRA_%s", k->name);
        for (char *p = var; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        const char *v = getenv(var);
        if (v && *v) {
            char origin[96];
            snprintf(origin, sizeof origin, "$%s", var);
            if (jira_config_set(c, k->name, v, origin, err) < 0)
                return -1;
            note_source(c, origin);
        }
    }
    return 0;
}

/* ---- conversion ------------------------------------------------------------ */

static int bad(mtv_err *err, const struct jira_raw *r, const char *expected)
{
    const keydef *k = find_key(r->key);
    if (k && k->kind == K_SECRET)
        return mtv_err_set(err, MTV_EXIT_USAGE, "%s: %s: expected %s", r->origin, r->key, expected);
    return mtv_err_set(err, MTV_EXIT_USAGE, "%s: %s = \"%s\": expected %s", r->origin, r->key, r->value,
                       expected);
}

static int parse_bool(const struct jira_raw *r, int *out, mtv_err *err)
{
    static const char *const yes[] = {"1", "yes", "true", "on"}, *const no[] = {"0", "no", "false", "off"};
    for (int i = 0; i < 4; i++) {
        if (!strcasecmp(r->value, yes[i]))
            return *out = 1, 0;
        if (!strcasecmp(r->value, no[i]))
            return *out = 0, 0;
    }
    return bad(err, r, "a boolean (true/false, yes/no, on/off, 1/0)");
}

static int parse_long(const struct jira_raw *r, const keydef *k, long *out, mtv_err *err)
{
    char *end;
    errno = 0;
    long v = strtol(r->value, &end, 10);
    if (errno || end == r->value || *end || v < k->min || v > k->max) {
        char what[96];
        snprintf(what, sizeof what, "a whole number from %ld to %ld", k->min, k->max);
        return bad(err, r, what);
    }
    *out = v;
    return 0;
}

static int parse_enum(const struct jira_raw *r, const keydef *k, int *index, mtv_err *err)
{
    const char *p = k->choices;
    int i = 0;
    while (*p) {
        size_t n = strcspn(p, "|");
        if (strlen(r->value) == n && !strncasecmp(p, r->value, n))
            return *index = i, 0;
        p += n + (p[n] ? 1 : 0);
        i++;
    }
    char what[128];
    snprintf(what, sizeof what, "one of %s", k->choices);
    return bad(err, r, what);
}

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = v && *v ? xstrdup(v) : NULL;
}

static int apply(jira_config *c, const struct jira_raw *r, mtv_err *err)
{
    const keydef *k = find_key(r->key);
    const char *v = r->value;
    int b = 0, e = 0;
    long n = 0;
    switch (k->kind) {
    case K_IGNORED:
        log_debug("jira: %s (%s) is accepted for pytest-jira compatibility and has no effect", r->key,
                  r->origin);
        return 0;
    case K_BOOL:
        if (parse_bool(r, &b, err) < 0)
            return -1;
        if (!strcmp(k->name, "ssl_verification"))
            c->verify_tls = b;
        else if (!strcmp(k->name, "run_test_case"))
            c->run_default = b;
        else if (!strcmp(k->name, "resolved_by_category"))
            c->resolved_by_category = b;
        else if (!strcmp(k->name, "create_issues"))
            c->create_issues = b;
        else if (!strcmp(k->name, "attach_bundle"))
            c->attach_bundle = b;
        return 0;
    case K_INT:
        if (parse_long(r, k, &n, err) < 0)
            return -1;
        if (!strcmp(k->name, "connection_retry_total"))
            c->retries = n;
        else if (!strcmp(k->name, "timeout"))
            c->timeout_s = n;
        else if (!strcmp(k->name, "max_new_issues"))
            c->max_new_issues = n;
        else if (!strcmp(k->name, "max_comments"))
            c->max_comments = n;
        else if (!strcmp(k->name, "regression_days"))
            c->regression_days = n;
        else if (!strcmp(k->name, "max_attachment_mb"))
            c->max_attachment_mb = n;
        return 0;
    case K_FLOAT: {
        char *end;
        double d = strtod(v, &end);
        if (end == v || *end || d < 0 || d > 60)
            return bad(err, r, "a number of seconds from 0 to 60");
        c->backoff_s = d;
        return 0;
    }
    case K_ENUM:
        if (parse_enum(r, k, &e, err) < 0)
            return -1;
        if (!strcmp(k->name, "marker_strategy"))
            c->not_found = (enum jira_policy)e;
        else if (!strcmp(k->name, "error_strategy"))
            c->on_error = (enum jira_policy)e;
        else if (!strcmp(k->name, "deployment"))
            c->deployment = (enum jira_deployment)e;
        else if (!strcmp(k->name, "on_regression"))
            c->regression_creates = e == 1;
        return 0;
    case K_LIST:
        if (!strcmp(k->name, "components"))
            list_parse(&c->components, v, 0);
        else if (!strcmp(k->name, "resolved_statuses"))
            list_parse(&c->resolved_statuses, v, 1);
        else if (!strcmp(k->name, "resolved_resolutions"))
            list_parse(&c->resolved_resolutions, v, 1);
        else if (!strcmp(k->name, "labels"))
            list_parse(&c->labels, v, 0);
        else if (!strcmp(k->name, "ticket_components"))
            list_parse(&c->ticket_components, v, 0);
        return 0;
    case K_STR:
    case K_SECRET:
        break;
    }
    if (!strcmp(k->name, "url")) {
        size_t len = strlen(v);
        while (len && v[len - 1] == '/')
            len--;
        if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
            return bad(err, r, "an http:// or https:// URL such as https://redhat.atlassian.net");
        if (strchr(v, '?') || strchr(v, '#'))
            return bad(err, r, "the site's base URL, without a query or fragment");
        free(c->url);
        c->url = strndup(v, len);
        if (!c->url)
            abort();
    } else if (!strcmp(k->name, "username")) {
        set_str(&c->username, v);
    } else if (!strcmp(k->name, "password")) {
        set_str(&c->password, v);
    } else if (!strcmp(k->name, "token")) {
        set_str(&c->token, v);
    } else if (!strcmp(k->name, "version")) {
        set_str(&c->version, v);
    } else if (!strcmp(k->name, "ca_file")) {
        if (*v && !fs_exists(v))
            return bad(err, r, "the path of a readable PEM file");
        set_str(&c->ca_file, v);
    } else if (!strcmp(k->name, "project")) {
        for (const char *p = v; *p; p++)
            if (!isalnum((unsigned char)*p) && *p != '_')
                return bad(err, r, "a project key such as MTV");
        set_str(&c->project, v);
    } else if (!strcmp(k->name, "issue_type")) {
        set_str(&c->issue_type, *v ? v : "Bug");
    } else if (!strcmp(k->name, "affects_version")) {
        set_str(&c->affects_version, v);
    } else if (!strcmp(k->name, "label_prefix") || !strcmp(k->name, "noreuse_label")) {
        if (!*v || strpbrk(v, " \t\"'"))
            return bad(err, r, "a Jira label: no spaces or quotes");
        set_str(!strcmp(k->name, "label_prefix") ? &c->label_prefix : &c->noreuse_label, v);
    } else if (!strcmp(k->name, "build_url")) {
        set_str(&c->build_url, v);
    }
    return 0;
}

/* The CI job's URL when the CI tells it: Jenkins, GitLab, GitHub Actions. */
static void build_url_from_ci(jira_config *c)
{
    const char *v = getenv("BUILD_URL");
    if (!v || !*v)
        v = getenv("CI_JOB_URL");
    if (v && *v) {
        c->build_url = xstrdup(v);
        return;
    }
    const char *server = getenv("GITHUB_SERVER_URL"), *repo = getenv("GITHUB_REPOSITORY"),
               *run = getenv("GITHUB_RUN_ID");
    if (server && repo && run && *server && *repo && *run) {
        strbuf sb = STRBUF_INIT;
        sb_addf(&sb, "%s/%s/actions/runs/%s", server, repo, run);
        c->build_url = sb_detach(&sb, NULL);
    }
}

static int host_is_cloud(const char *url)
{
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    size_t n = strcspn(h, ":/");
    const char *suffix = ".atlassian.net";
    size_t sn = strlen(suffix);
    return (n > sn && !strncasecmp(h + n - sn, suffix, sn)) || (n == 17 && !strncasecmp(h, "api.atlassian.com", 17));
}

int jira_config_finish(jira_config *c, mtv_err *err)
{
    for (size_t i = 0; i < c->n_raw; i++)
        if (apply(c, &c->raw[i], err) < 0)
            return -1;
    if (!c->url)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "no Jira URL: set url in jira.cfg ([DEFAULT] section), $PYTEST_JIRA_URL or "
                           "-c url=https://...%s%s",
                           *c->sources ? "; read: " : "", c->sources);
    if (c->on_error == JIRA_POLICY_OPEN || c->on_error == JIRA_POLICY_WARN)
        c->on_error = JIRA_POLICY_STRICT;
    if (c->password && !c->username)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "Jira password is set without a username; set username too, or use token "
                           "(a Data Center personal access token alone, or a Cloud API token with "
                           "username = your e-mail)");
    if (c->deployment == JIRA_DEPLOY_AUTO)
        c->deployment = host_is_cloud(c->url) ? JIRA_DEPLOY_CLOUD : JIRA_DEPLOY_DC;
    if (c->deployment == JIRA_DEPLOY_CLOUD && c->token && !c->username)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "Jira Cloud (%s) takes an API token with your account's e-mail: set "
                           "username too (a token alone is sent as a Data Center bearer token)",
                           c->url);
    if (!c->build_url)
        build_url_from_ci(c);
    if (!c->token && !c->password)
        log_warn("jira: no token or password configured; talking to %s anonymously", c->url);
    return 0;
}

int jira_config_open(jira_config *c, const char *path, const char *const *sets, size_t n,
                     secret_registry *reg, mtv_err *err)
{
    jira_config_init(c, reg);
    int rc = path ? jira_config_load_file(c, path, err) : jira_config_load_default_files(c, err);
    if (rc == 0)
        rc = jira_config_load_env(c, err);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = jira_config_set_arg(c, sets[i], err);
    if (rc == 0)
        rc = jira_config_finish(c, err);
    return rc;
}

int jira_config_check_tickets(const jira_config *c, mtv_err *err)
{
    if (!c->project)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "no Jira project for tickets: set project in jira.cfg, $MTV_JIRA_PROJECT or "
                           "-c project=KEY");
    return 0;
}

const char *jira_policy_name(enum jira_policy p)
{
    static const char *const names[] = {"strict", "skip", "ignore", "open", "warn"};
    return p <= JIRA_POLICY_WARN ? names[p] : "?";
}

const char *jira_deployment_name(enum jira_deployment d)
{
    return d == JIRA_DEPLOY_CLOUD ? "cloud" : d == JIRA_DEPLOY_DC ? "data-center" : "auto";
}
