/* Unit tests for reporters/jira_gate and jira_issue against the stateful
 * Jira stand-in: one batched lookup, resolved issues let scenarios run,
 * open ones skip or xfail with the browse URL as reason, "when" conditions,
 * status-category mode, pytest-jira's version and component rules, and the
 * explicit not-found and connection-error policies. */
#include <criterion/criterion.h>
#include <string.h>

#include "jirastub.h"
#include "reporters/jira_gate.h"
#include "reporters/jira_issue.h"
#include "testutil.h"

typedef struct fixture {
    jirastub *stub;
    jira_config cfg;
    jira_client *jc;
    scenario sc[6];
    selected items[6];
    selection sel;
    jira_link links[6][2];
} fixture;

static void config(fixture *f, const char *url, int cloud, const char *const *sets, size_t n)
{
    mtv_err err;
    jira_config_init(&f->cfg, NULL);
    cr_assert_eq(jira_config_set(&f->cfg, "url", url, "test", &err), 0, "%s", err.msg);
    cr_assert_eq(jira_config_set(&f->cfg, "deployment", cloud ? "cloud" : "dc", "test", &err), 0, "%s", err.msg);
    if (cloud)
        cr_assert_eq(jira_config_set(&f->cfg, "username", "bot@example.com", "test", &err), 0);
    cr_assert_eq(jira_config_set(&f->cfg, "token", "gate-token-0123456789", "test", &err), 0);
    cr_assert_eq(jira_config_set(&f->cfg, "connection_retry_total", "1", "test", &err), 0);
    cr_assert_eq(jira_config_set(&f->cfg, "connection_retry_backoff_factor", "0", "test", &err), 0);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(jira_config_set_arg(&f->cfg, sets[i], &err), 0, "%s", err.msg);
    cr_assert_eq(jira_config_finish(&f->cfg, &err), 0, "%s", err.msg);
    cr_assert_eq(jira_client_new(&f->jc, &f->cfg, NULL, &err), 0, "%s", err.msg);
}

/* Scenario i links key (and key2 when given) with run and a "when" mask. */
static void link(fixture *f, size_t i, const char *name, const char *key, int run, unsigned when, const char *key2,
                 int run2)
{
    f->links[i][0] = (jira_link){key, run, when};
    f->links[i][1] = (jira_link){key2, run2, 0};
    f->sc[i].name = (char *)name;
    f->sc[i].jira = key ? f->links[i] : NULL;
    f->sc[i].n_jira = key ? (key2 ? 2 : 1) : 0;
    f->items[i].sc = &f->sc[i];
    f->items[i].test_name = (char *)name;
    if (i + 1 > f->sel.count)
        f->sel.count = i + 1;
    f->sel.items = f->items;
}

static void teardown(fixture *f)
{
    jira_client_free(f->jc);
    jira_config_free(&f->cfg);
    jirastub_stop(f->stub);
}

static void standard_issues(jirastub *s)
{
    jirastub_add_issue(s, "MTV-1", "Closed", "done", "Done", "2026-01-01T00:00:00.000+0000", NULL);
    jirastub_add_issue(s, "MTV-2", "In Progress", "indeterminate", NULL, NULL, NULL);
    jirastub_add_issue(s, "MTV-3", "New", "new", NULL, NULL, NULL);
    jirastub_add_issue(s, "MTV-4", "Done", "done", "Done", "2026-01-01T00:00:00.000+0000", NULL);
}

static void gate_decisions(int cloud)
{
    fixture f;
    memset(&f, 0, sizeof f);
    f.stub = jirastub_start(cloud);
    standard_issues(f.stub);
    config(&f, jirastub_url(f.stub), cloud, NULL, 0);
    link(&f, 0, "test_resolved", "MTV-1", 0, 0, NULL, 0);
    link(&f, 1, "test_open_skip", "MTV-2", 0, 0, NULL, 0);
    link(&f, 2, "test_open_xfail", "MTV-3", 1, 0, NULL, 0);
    link(&f, 3, "test_two_links", "MTV-1", 1, 0, "MTV-2", 0);
    link(&f, 4, "test_only_on_ovirt", "MTV-2", 0, 1u << PROVIDER_OVIRT, NULL, 0);
    link(&f, 5, "test_already_skipped", "MTV-3", 0, 0, NULL, 0);
    f.items[5].skip = (char *)"warm migration is not supported";
    jira_gate_decision *d = NULL;
    mtv_err err;
    cr_assert_eq(jira_gate_check(f.jc, &f.sel, PROVIDER_VSPHERE, &d, &err), 0, "%s", err.msg);
    cr_assert_eq(d[0].action, JIRA_GATE_RUN, "a resolved linked issue lets the scenario run");
    cr_assert(strstr(d[0].detail, "MTV-1: Closed (resolution Done): resolved"), "%s", d[0].detail);
    cr_assert_eq(d[1].action, JIRA_GATE_SKIP);
    strbuf url = STRBUF_INIT;
    sb_addf(&url, "%s/browse/MTV-2", jirastub_url(f.stub));
    cr_assert_str_eq(d[1].reason, url.buf);
    cr_assert_eq(d[2].action, JIRA_GATE_XFAIL);
    cr_assert(strstr(d[2].reason, "/browse/MTV-3"));
    cr_assert_eq(d[3].action, JIRA_GATE_SKIP, "run=false on an open issue wins");
    cr_assert(strstr(d[3].reason, "/browse/MTV-2"), "%s", d[3].reason);
    cr_assert_eq(d[4].action, JIRA_GATE_RUN, "the link's condition is for oVirt only");
    cr_assert_null(d[4].detail);
    cr_assert_eq(d[5].action, JIRA_GATE_RUN);
    /* one lookup for the whole selection */
    size_t lookups = cloud ? jirastub_requests(f.stub, "POST", "/issue/bulkfetch")
                           : jirastub_requests(f.stub, "GET", "/rest/api/2/search");
    cr_assert_eq(lookups, 1, "%zu lookups", lookups);
    cr_assert_eq(ts_count(jirastub_server(f.stub)), 1);
    /* the token goes the deployment's way */
    const char *auth = http_headers_get(&ts_request_at(jirastub_server(f.stub), 0)->headers, "Authorization");
    cr_assert(!strncmp(auth, cloud ? "Basic " : "Bearer ", cloud ? 6 : 7), "%s", auth);
    /* Data Center: a missing key must not fail the whole search */
    if (!cloud)
        cr_assert(strstr(ts_request_at(jirastub_server(f.stub), 0)->uri, "validateQuery=false"));
    sb_release(&url);
    jira_gate_free(d, f.sel.count);
    teardown(&f);
}

Test(jira_gate, decisions_with_one_lookup_data_center)
{
    gate_decisions(0);
}

Test(jira_gate, decisions_with_one_lookup_cloud)
{
    gate_decisions(1);
}

Test(jira_gate, no_links_no_request)
{
    fixture f;
    memset(&f, 0, sizeof f);
    f.stub = jirastub_start(0);
    config(&f, jirastub_url(f.stub), 0, NULL, 0);
    link(&f, 0, "test_plain", NULL, 0, 0, NULL, 0);
    jira_gate_decision *d;
    mtv_err err;
    cr_assert_eq(jira_gate_check(f.jc, &f.sel, PROVIDER_VSPHERE, &d, &err), 0, "%s", err.msg);
    cr_assert_eq(d[0].action, JIRA_GATE_RUN);
    cr_assert_eq(ts_count(jirastub_server(f.stub)), 0);
    jira_gate_free(d, 1);
    teardown(&f);
}

Test(jira_gate, done_category_is_resolved_only_when_asked)
{
    for (int mode = 0; mode < 2; mode++) {
        fixture f;
        memset(&f, 0, sizeof f);
        f.stub = jirastub_start(1);
        standard_issues(f.stub);
        const char *sets[] = {"resolved_by_category=true"};
        config(&f, jirastub_url(f.stub), 1, sets, mode);
        link(&f, 0, "test_done", "MTV-4", 1, 0, NULL, 0);
        jira_gate_decision *d;
        mtv_err err;
        cr_assert_eq(jira_gate_check(f.jc, &f.sel, PROVIDER_VSPHERE, &d, &err), 0, "%s", err.msg);
        cr_assert_eq(d[0].action, mode ? JIRA_GATE_RUN : JIRA_GATE_XFAIL, "mode %d", mode);
        jira_gate_free(d, 1);
        teardown(&f);
    }
}

Test(jira_gate, run_test_case_false_makes_open_links_skip)
{
    fixture f;
    memset(&f, 0, sizeof f);
    f.stub = jirastub_start(0);
    standard_issues(f.stub);
    const char *sets[] = {"run_test_case=false"};
    config(&f, jirastub_url(f.stub), 0, sets, 1);
    link(&f, 0, "test_open", "MTV-3", 1, 0, NULL, 0);
    jira_gate_decision *d;
    mtv_err err;
    cr_assert_eq(jira_gate_check(f.jc, &f.sel, PROVIDER_VSPHERE, &d, &err), 0, "%s", err.msg);
    cr_assert_eq(d[0].action, JIRA_GATE_SKIP);
    jira_gate_free(d, 1);
    teardown(&f);
}

static enum jira_gate_action not_found_with(const char *policy, int *rc, char *msg, size_t msg_len)
{
    fixture f;
    memset(&f, 0, sizeof f);
    f.stub = jirastub_start(0);
    standard_issues(f.stub);
    char set[64];
    snprintf(set, sizeof set, "marker_strategy=%s", policy);
    const char *sets[] = {set};
    config(&f, jirastub_url(f.stub), 0, sets, 1);
    link(&f, 0, "test_gone", "MTV-404", 0, 0, NULL, 0);
    link(&f, 1, "test_fine", "MTV-1", 0, 0, NULL, 0);
    jira_gate_decision *d = NULL;
    mtv_err err;
    mtv_err_clear(&err);
    *rc = jira_gate_check(f.jc, &f.sel, PROVIDER_VSPHERE, &d, &err);
    snprintf(msg, msg_len, "%s", err.msg);
    enum jira_gate_action a = d ? d[0].action : JIRA_GATE_RUN;
    if (d)
        cr_assert_eq(d[1].action, JIRA_GATE_RUN);
    jira_gate_free(d, 2);
    teardown(&f);
    return a;
}

Test(jira_gate, not_found_policies)
{
    int rc;
    char msg[4096];
    not_found_with("strict", &rc, msg, sizeof msg);
    cr_assert_eq(rc, -1, "strict must stop the run");
    cr_assert(strstr(msg, "linked Jira issue MTV-404 cannot be read"), "%s", msg);
    cr_assert(strstr(msg, "no permission") || strstr(msg, "may not see it"), "%s", msg);
    cr_assert_eq(not_found_with("skip", &rc, msg, sizeof msg), JIRA_GATE_SKIP);
    cr_assert_eq(rc, 0);
    cr_assert_eq(not_found_with("ignore", &rc, msg, sizeof msg), JIRA_GATE_RUN);
    cr_assert_eq(not_found_with("warn", &rc, msg, sizeof msg), JIRA_GATE_RUN);
    cr_assert_eq(not_found_with("open", &rc, msg, sizeof msg), JIRA_GATE_SKIP, "open + run=false skips");
}

static void connection_error_with(const char *policy, int http_error)
{
    fixture f;
    memset(&f, 0, sizeof f);
    f.stub = jirastub_start(0);
    standard_issues(f.stub);
    char set[64];
    snprintf(set, sizeof set, "error_strategy=%s", policy);
    const char *sets[] = {set};
    /* a closed port, or a Jira answering 500 */
    config(&f, http_error ? jirastub_url(f.stub) : "http://127.0.0.1:1", 0, sets, 1);
    if (http_error)
        jirastub_fail(f.stub, NULL, "/rest/api/2/search", 500, NULL, 10);
    link(&f, 0, "test_linked", "MTV-2", 0, 0, NULL, 0);
    link(&f, 1, "test_not_linked", NULL, 0, 0, NULL, 0);
    link(&f, 2, "test_linked_xfail", "MTV-3", 1, 0, NULL, 0);
    jira_gate_decision *d = NULL;
    mtv_err err;
    mtv_err_clear(&err);
    int rc = jira_gate_check(f.jc, &f.sel, PROVIDER_VSPHERE, &d, &err);
    if (!strcmp(policy, "strict")) {
        cr_assert_eq(rc, -1);
        cr_assert_eq(err.exit_code, MTV_EXIT_ENV);
        cr_assert(strstr(err.msg, "error_strategy = strict"), "%s", err.msg);
        cr_assert_null(strstr(err.msg, "gate-token-0123456789"), "the token leaked: %s", err.msg);
    } else if (!strcmp(policy, "skip")) {
        cr_assert_eq(rc, 0);
        cr_assert_eq(d[0].action, JIRA_GATE_SKIP);
        cr_assert(strstr(d[0].reason, "Jira connection issue, skipping test: "), "%s", d[0].reason);
        cr_assert_eq(d[1].action, JIRA_GATE_RUN, "a scenario without links is not touched");
        cr_assert_eq(d[2].action, JIRA_GATE_SKIP);
    } else {
        cr_assert_eq(rc, 0);
        /* ignore: every link counts as resolved, for every scenario (not just the first) */
        for (size_t i = 0; i < 3; i++)
            cr_assert_eq(d[i].action, JIRA_GATE_RUN, "item %zu", i);
        cr_assert(strstr(d[2].detail, "treated as resolved"), "%s", d[2].detail);
    }
    jira_gate_free(d, 3);
    teardown(&f);
}

Test(jira_gate, connection_error_policies)
{
    connection_error_with("strict", 0);
    connection_error_with("skip", 0);
    connection_error_with("ignore", 0);
    connection_error_with("strict", 1);
    connection_error_with("ignore", 1);
}

Test(jira_gate, rate_limited_lookup_is_retried)
{
    fixture f;
    memset(&f, 0, sizeof f);
    f.stub = jirastub_start(0);
    standard_issues(f.stub);
    config(&f, jirastub_url(f.stub), 0, NULL, 0);
    jirastub_fail(f.stub, "GET", "/rest/api/2/search", 429, "0", 1);
    link(&f, 0, "test_open", "MTV-2", 0, 0, NULL, 0);
    jira_gate_decision *d;
    mtv_err err;
    cr_assert_eq(jira_gate_check(f.jc, &f.sel, PROVIDER_VSPHERE, &d, &err), 0, "%s", err.msg);
    cr_assert_eq(d[0].action, JIRA_GATE_SKIP);
    cr_assert_eq(ts_count(jirastub_server(f.stub)), 2, "429 then the answer");
    jira_gate_free(d, 1);
    teardown(&f);
}

static int resolved(const char *json, const char *const *sets, size_t n, strbuf *why)
{
    jira_config cfg;
    mtv_err err;
    jira_config_init(&cfg, NULL);
    jira_config_set(&cfg, "url", "https://j.example", "t", &err);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(jira_config_set_arg(&cfg, sets[i], &err), 0, "%s", err.msg);
    cr_assert_eq(jira_config_finish(&cfg, &err), 0, "%s", err.msg);
    cJSON *j = cJSON_Parse(json);
    jira_issue is;
    cr_assert_eq(jira_issue_from_json(j, &is), 0);
    int r = jira_issue_resolved(&cfg, &is, why);
    jira_issue_free(&is);
    cJSON_Delete(j);
    jira_config_free(&cfg);
    return r;
}

Test(jira_issue, pytest_jira_version_and_component_rules)
{
    const char *closed_affecting = "{\"key\":\"MTV-9\",\"fields\":{\"status\":{\"name\":\"Closed\"},"
                                   "\"resolution\":{\"name\":\"Done\"},\"versions\":[{\"name\":\"2.9.0\"}],"
                                   "\"fixVersions\":[{\"name\":\"2.10.0\"}]}}";
    const char *open_other = "{\"key\":\"MTV-8\",\"fields\":{\"status\":{\"name\":\"Open\"},\"resolution\":null,"
                             "\"versions\":[{\"name\":\"2.8.0\"}],\"components\":[{\"name\":\"UI\"}]}}";
    strbuf why = STRBUF_INIT;
    cr_assert_eq(resolved(closed_affecting, NULL, 0, &why), 1);
    const char *v29[] = {"version=2.9.0"};
    sb_reset(&why);
    cr_assert_eq(resolved(closed_affecting, v29, 1, &why), 0, "closed but not fixed for 2.9.0");
    cr_assert(strstr(why.buf, "affects 2.9.0 without a fix"), "%s", why.buf);
    const char *v210[] = {"version=2.10.0"};
    cr_assert_eq(resolved(closed_affecting, v210, 1, &why), 1);
    cr_assert_eq(resolved(open_other, NULL, 0, &why), 0, "open and nothing configured: unresolved");
    sb_reset(&why);
    cr_assert_eq(resolved(open_other, v29, 1, &why), 1, "open, but for another version");
    cr_assert(strstr(why.buf, "not for version 2.9.0"), "%s", why.buf);
    const char *comp[] = {"components=Controller"};
    cr_assert_eq(resolved(open_other, comp, 1, &why), 1, "open, but for another component");
    const char *comp_ui[] = {"components=Controller,UI"};
    cr_assert_eq(resolved(open_other, comp_ui, 1, &why), 0);
    const char *resolutions[] = {"resolved_resolutions=fixed"};
    cr_assert_eq(resolved(closed_affecting, resolutions, 1, &why), 0, "resolution Done is not in the allow-list");
    const char *wontdo = "{\"key\":\"MTV-7\",\"fields\":{\"status\":{\"name\":\"RESOLVED\"},\"resolution\":{\"name\":\"Fixed\"}}}";
    cr_assert_eq(resolved(wontdo, resolutions, 1, &why), 1, "statuses and resolutions compare case-insensitively");
    sb_release(&why);
}
