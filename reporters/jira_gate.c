/* jira_gate: see jira_gate.h. */
#include "reporters/jira_gate.h"

#include <stdlib.h>
#include <string.h>

#include "reporters/jira_issue.h"
#include "util/log.h"

const char *jira_gate_action_name(enum jira_gate_action a)
{
    return a == JIRA_GATE_SKIP ? "skip" : a == JIRA_GATE_XFAIL ? "xfail" : "run";
}

int jira_link_applies(const jira_link *link, enum provider_type type)
{
    return !link->when_types || (type != PROVIDER_UNKNOWN && (link->when_types & (1u << type)));
}

void jira_gate_free(jira_gate_decision *d, size_t n)
{
    for (size_t i = 0; d && i < n; i++) {
        free(d[i].reason);
        free(d[i].detail);
    }
    free(d);
}

typedef struct gate {
    const char **keys;        /* distinct linked keys, borrowed from the scenarios */
    size_t n_keys;
    jira_issue *issues;       /* what Jira returned */
    size_t n_issues;
} gate;

static int has_key(const gate *g, const char *key)
{
    for (size_t i = 0; i < g->n_keys; i++)
        if (!strcmp(g->keys[i], key))
            return 1;
    return 0;
}

static const jira_issue *issue_of(const gate *g, const char *key)
{
    for (size_t i = 0; i < g->n_issues; i++)
        if (!strcmp(g->issues[i].key, key))
            return &g->issues[i];
    return NULL;
}

static int considered(const selected *it)
{
    return !it->skip && it->sc && it->sc->n_jira > 0;
}

static void collect_keys(gate *g, const selection *sel, enum provider_type type)
{
    size_t cap = 0;
    for (size_t i = 0; i < sel->count; i++) {
        const selected *it = &sel->items[i];
        if (!considered(it))
            continue;
        for (size_t k = 0; k < it->sc->n_jira; k++) {
            const jira_link *l = &it->sc->jira[k];
            if (!jira_link_applies(l, type) || has_key(g, l->key))
                continue;
            if (g->n_keys == cap) {
                cap = cap ? cap * 2 : 16;
                g->keys = realloc(g->keys, cap * sizeof *g->keys);
                if (!g->keys)
                    abort();
            }
            g->keys[g->n_keys++] = l->key;
        }
    }
}

static void decide_on_error(const jira_config *cfg, const selection *sel, enum provider_type type,
                            const mtv_err *lookup, jira_gate_decision *d)
{
    for (size_t i = 0; i < sel->count; i++) {
        const selected *it = &sel->items[i];
        int linked = 0;
        for (size_t k = 0; considered(it) && k < it->sc->n_jira; k++)
            linked |= jira_link_applies(&it->sc->jira[k], type);
        if (!linked)
            continue;
        strbuf sb = STRBUF_INIT;
        if (cfg->on_error == JIRA_POLICY_SKIP) {
            d[i].action = JIRA_GATE_SKIP;
            sb_addf(&sb, "Jira connection issue, skipping test: %s", lookup->msg);
            d[i].reason = sb_detach(&sb, NULL);
        } else {
            sb_addf(&sb, "Jira could not be read (error_strategy = ignore): linked issues treated as resolved");
            d[i].detail = sb_detach(&sb, NULL);
        }
    }
}

static void decide(const jira_client *jc, const gate *g, const selected *it, enum provider_type type,
                   jira_gate_decision *d, strbuf *missing)
{
    const jira_config *cfg = jira_client_config(jc);
    strbuf detail = STRBUF_INIT;
    const char *skip_key = NULL, *xfail_key = NULL;
    for (size_t k = 0; considered(it) && k < it->sc->n_jira; k++) {
        const jira_link *l = &it->sc->jira[k];
        if (!jira_link_applies(l, type))
            continue;
        int run = l->run && cfg->run_default;
        if (detail.len)
            sb_adds(&detail, "; ");
        sb_addf(&detail, "%s: ", l->key);
        const jira_issue *is = issue_of(g, l->key);
        int open;
        if (is) {
            open = !jira_issue_resolved(cfg, is, &detail);
        } else {
            sb_adds(&detail, "cannot be read (not found, or no permission to see it)");
            switch (cfg->not_found) {
            case JIRA_POLICY_STRICT:
                if (!strstr(sb_str(missing), l->key))
                    sb_addf(missing, "%s%s", missing->len ? ", " : "", l->key);
                open = 0;
                break;
            case JIRA_POLICY_SKIP:
                open = 1;
                run = 0;
                break;
            case JIRA_POLICY_OPEN:
                open = 1;
                break;
            case JIRA_POLICY_WARN:
                log_warn("jira: %s (linked by %s) cannot be read; counted as resolved (marker_strategy = warn)",
                         l->key, it->sc->name);
                open = 0;
                break;
            default:
                open = 0;
                break;
            }
            sb_addf(&detail, " -> marker_strategy = %s", jira_policy_name(cfg->not_found));
        }
        if (open) {
            sb_addf(&detail, " (run=%s)", run ? "true: xfail" : "false: skip");
            if (!run && !skip_key)
                skip_key = l->key;
            if (run && !xfail_key)
                xfail_key = l->key;
        }
    }
    if (detail.len)
        d->detail = sb_detach(&detail, NULL);
    sb_release(&detail);
    const char *key = skip_key ? skip_key : xfail_key;
    if (key) {
        d->action = skip_key ? JIRA_GATE_SKIP : JIRA_GATE_XFAIL;
        strbuf url = STRBUF_INIT;
        jira_browse_url(jc, key, &url);
        d->reason = sb_detach(&url, NULL);
    }
}

int jira_gate_check(jira_client *jc, const selection *sel, enum provider_type type,
                    jira_gate_decision **out, mtv_err *err)
{
    const jira_config *cfg = jira_client_config(jc);
    jira_gate_decision *d = calloc(sel->count ? sel->count : 1, sizeof *d);
    if (!d)
        abort();
    gate g = {0};
    collect_keys(&g, sel, type);
    int rc = 0;
    if (g.n_keys) {
        cJSON *issues = NULL;
        mtv_err lookup;
        mtv_err_clear(&lookup);
        if (jira_fetch_issues(jc, g.keys, g.n_keys, JIRA_ISSUE_FIELDS, &issues, &lookup) < 0) {
            if (cfg->on_error == JIRA_POLICY_STRICT) {
                mtv_err_set(err, MTV_EXIT_ENV,
                            "looking up %zu linked Jira issue%s: %s (error_strategy = strict stops here; "
                            "skip or ignore go on without Jira)",
                            g.n_keys, g.n_keys == 1 ? "" : "s", lookup.msg);
                rc = -1;
            } else {
                log_warn("jira: %s; error_strategy = %s", lookup.msg, jira_policy_name(cfg->on_error));
                decide_on_error(cfg, sel, type, &lookup, d);
            }
        } else {
            g.issues = calloc((size_t)cJSON_GetArraySize(issues) + 1, sizeof *g.issues);
            if (!g.issues)
                abort();
            const cJSON *it;
            cJSON_ArrayForEach(it, issues)
            {
                if (jira_issue_from_json(it, &g.issues[g.n_issues]) == 0) {
                    if (has_key(&g, g.issues[g.n_issues].key))
                        g.n_issues++;
                    else
                        jira_issue_free(&g.issues[g.n_issues]);
                }
            }
            strbuf missing = STRBUF_INIT;
            for (size_t i = 0; i < sel->count; i++)
                decide(jc, &g, &sel->items[i], type, &d[i], &missing);
            if (missing.len) {
                mtv_err_set(err, MTV_EXIT_ENV,
                            "linked Jira issue%s %s cannot be read from %s: not found, or the token may "
                            "not see %s (marker_strategy = strict; use skip, ignore or open to go on)",
                            strchr(missing.buf, ',') ? "s" : "", missing.buf, cfg->url,
                            strchr(missing.buf, ',') ? "them" : "it");
                rc = -1;
            }
            sb_release(&missing);
        }
        cJSON_Delete(issues);
    }
    for (size_t i = 0; i < g.n_issues; i++)
        jira_issue_free(&g.issues[i]);
    free(g.issues);
    free(g.keys);
    if (rc < 0) {
        jira_gate_free(d, sel->count);
        *out = NULL;
        return -1;
    }
    for (size_t i = 0; i < sel->count; i++)
        if (d[i].action != JIRA_GATE_RUN)
            log_info("jira: %s: %s (%s)", sel->items[i].test_name ? sel->items[i].test_name : "?",
                     jira_gate_action_name(d[i].action), d[i].detail ? d[i].detail : d[i].reason);
    *out = d;
    return 0;
}
