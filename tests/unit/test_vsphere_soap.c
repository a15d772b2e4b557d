/* The vim25 client on the wire, against the test server answering with
 * recorded vCenter responses: property-collector paging across the real
 * page1 (token) and page2 samples (vcsim never pages), vCenter's quoted
 * session cookie sent back exactly and masked in logs, and every kind of bad
 * answer (SOAP faults, a NotAuthenticated missingSet, an HTML error page,
 * a truncated body, nobody listening) turned into a clear error. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "providers/vim.h"
#include "testserver.h"
#include "testutil.h"
#include "util/clock.h"
#include "util/log.h"

#define PS "reference/provider-samples/vsphere/"
#define VS "reference/vcsim-samples/"
#define COOKIE_VALUE "\"52a8c3f1-7a51-b9c2-6a16-0d3c5e2f9b41\""

typedef struct fake {
    const char *login;          /* sample answering Login */
    int login_status;
    const char *retrieve;       /* sample answering RetrievePropertiesEx */
    int retrieve_status;
    const char *retrieve_ct;
    int truncate;
} fake;

static void answer_file(ts_response *r, int status, const char *rel, const char *ct, int truncate)
{
    size_t n;
    char *body = tu_read(tu_shared(rel), &n);
    cr_assert_not_null(body, "%s", rel);
    r->status = status;
    ts_resp_body(r, ct ? ct : "text/xml; charset=utf-8", body, truncate ? n / 3 : n);
    free(body);
}

static void sdk(void *ud, const ts_request *req, ts_response *r)
{
    fake *f = ud;
    const char *b = sb_str(&req->body);
    if (strstr(b, "<RetrieveServiceContent")) {
        answer_file(r, 200, PS "RetrieveServiceContent.vcenter-6.7.xml", NULL, 0);
    } else if (strstr(b, "<Login")) {
        answer_file(r, f->login_status, f->login, NULL, 0);
        if (f->login_status == 200)
            ts_resp_header(r, "Set-Cookie", "vmware_soap_session=" COOKIE_VALUE
                                            "; Path=/; HttpOnly; Secure");
    } else if (strstr(b, "<ContinueRetrievePropertiesEx")) {
        answer_file(r, 200, PS "ContinueRetrievePropertiesEx.inventory-page2.xml", NULL, 0);
    } else if (strstr(b, "<RetrievePropertiesEx")) {
        answer_file(r, f->retrieve_status, f->retrieve, f->retrieve_ct, f->truncate);
    } else if (strstr(b, "<Logout")) {
        const char *ok = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/"
                         "envelope/\"><soapenv:Body><LogoutResponse xmlns=\"urn:vim25\"/>"
                         "</soapenv:Body></soapenv:Envelope>";
        ts_resp_body(r, "text/xml", ok, strlen(ok));
    } else {
        answer_file(r, 500, VS "41-unknown-method-InvalidRequest.resp.xml", NULL, 0);
    }
}

static size_t count(const char *rel, const char *needle)
{
    char *t = tu_read(tu_shared(rel), NULL);
    size_t n = 0;
    for (const char *p = t; (p = strstr(p, needle)); p++)
        n++;
    free(t);
    return n;
}

static int connect(ts_server *s, vim_client *c, transport **t, mtv_err *err)
{
    transport_config cfg = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(t, &cfg, err), 0);
    char url[256];
    snprintf(url, sizeof url, "%s/sdk", ts_url(s));
    vim_config vc = {.url = url, .username = "administrator@vsphere.local",
                     .password = "Canary-Soap-Pw-1!"};
    return vim_connect(c, *t, &vc, err);
}

static void retrieve_inventory(vim_client *c, vim_objset *set, mtv_err *err, int *rc)
{
    vim_spec spec;
    vim_spec_init(&spec);
    static const char *const paths[] = {"name", "parent", NULL};
    vim_spec_props(&spec, "ManagedEntity", paths);
    vim_spec_obj(&spec, "Folder", "group-d1");
    *rc = vim_retrieve(c, &spec, set, err);
    vim_spec_free(&spec);
}

Test(vsphere_soap, paging_across_real_vcenter_pages_with_the_quoted_cookie)
{
    tu_require_shared();
    fake f = {.login = PS "Login.response.xml", .login_status = 200,
              .retrieve = PS "RetrievePropertiesEx.inventory-page1.token.xml",
              .retrieve_status = 200};
    ts_server *s = ts_start(TS_HTTP);
    ts_route(s, "POST", "/sdk", sdk, &f);
    vim_client c;
    transport *t;
    mtv_err err;
    cr_assert_eq(connect(s, &c, &t, &err), 0, "%s", err.msg);
    cr_assert_str_eq(c.api_type, "VirtualCenter");
    cr_assert_str_eq(c.api_version, "6.7");
    cr_assert_str_eq(c.soap_action, "\"urn:vim25/6.7\"");
    vim_objset set;
    int rc;
    retrieve_inventory(&c, &set, &err, &rc);
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_assert_eq(set.pages, 2);
    size_t want = count(PS "RetrievePropertiesEx.inventory-page1.token.xml", "<objects>") +
                  count(PS "ContinueRetrievePropertiesEx.inventory-page2.xml", "<objects>");
    cr_assert_gt(want, 10);
    cr_assert_eq(set.count, want, "every object of both pages");
    cr_assert_not_null(vim_objset_get(&set, "Datacenter", "datacenter-2"), "from page 1");
    vim_objset_free(&set);
    vim_close(&c);

    int saw_continue = 0, after_login = 0;
    for (size_t i = 0; i < ts_count(s); i++) {
        const ts_request *q = ts_request_at(s, i);
        const char *b = sb_str(&q->body);
        const char *cookie = http_headers_get(&q->headers, "Cookie");
        cr_assert_not_null(http_headers_get(&q->headers, "SOAPAction"));
        if (strstr(b, "<ContinueRetrievePropertiesEx")) {
            saw_continue = 1;
            cr_assert(strstr(b, "<token>0</token>"), "%s", b);
        }
        if (after_login) {
            cr_assert_str_eq(cookie, "vmware_soap_session=" COOKIE_VALUE,
                             "the cookie goes back exactly as set, quotes included");
        }
        if (strstr(b, "<Login"))
            after_login = 1;
    }
    cr_assert(saw_continue);
    /* the session is a secret now: with or without its quotes */
    strbuf masked = STRBUF_INIT;
    const char *line = "cookie 52a8c3f1-7a51-b9c2-6a16-0d3c5e2f9b41 in a log line";
    secrets_mask(log_secrets(), line, strlen(line), &masked);
    cr_assert_null(strstr(masked.buf, "52a8c3f1"), "%s", masked.buf);
    sb_release(&masked);
    transport_free(t);
    ts_stop(s);
}

Test(vsphere_soap, bad_answers_become_clear_errors)
{
    tu_require_shared();
    ts_server *s = ts_start(TS_HTTP);
    fake f = {.login = PS "Fault.InvalidLogin.xml", .login_status = 500};
    ts_route(s, "POST", "/sdk", sdk, &f);
    vim_client c;
    transport *t;
    mtv_err err;
    cr_assert_eq(connect(s, &c, &t, &err), -1);
    cr_assert(strstr(err.msg, "logging in to vSphere as 'administrator@vsphere.local'"), "%s",
              err.msg);
    cr_assert(strstr(err.msg, "wrong user name or password (InvalidLogin)"), "%s", err.msg);
    cr_assert_null(strstr(err.msg, "Canary-Soap-Pw"), "the password never shows");
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    vim_close(&c);
    transport_free(t);

    static const struct { const char *file; int status; const char *ct; int cut; const char *msg; } cases[] = {
        {VS "39-RetrievePropertiesEx-missingSet-NotAuthenticated.resp.xml", 200, NULL, 0,
         "was refused (NotAuthenticated): the session is not logged in"},
        {VS "35-RetrievePropertiesEx-ManagedObjectNotFound.resp.xml", 500, NULL, 0,
         "VirtualMachine vm-70 does not exist (ManagedObjectNotFound)"},
        {"reference/provider-samples/ovirt/error.404.wrong-path.html", 404, "text/html", 0,
         "answered HTTP 404 instead of a SOAP response (an HTML page)"},
        {PS "RetrievePropertiesEx.vm-22.config.xml", 200, NULL, 1,
         "the vSphere response to RetrievePropertiesEx is not well-formed XML (line"},
    };
    f.login = PS "Login.response.xml";
    f.login_status = 200;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        f.retrieve = cases[i].file;
        f.retrieve_status = cases[i].status;
        f.retrieve_ct = cases[i].ct;
        f.truncate = cases[i].cut;
        cr_assert_eq(connect(s, &c, &t, &err), 0, "%s", err.msg);
        vim_objset set;
        int rc;
        retrieve_inventory(&c, &set, &err, &rc);
        cr_assert_eq(rc, -1, "%s", cases[i].file);
        cr_assert(strstr(err.msg, cases[i].msg), "%s -> %s", cases[i].file, err.msg);
        cr_assert(strstr(err.msg, "/sdk"), "names the endpoint: %s", err.msg);
        vim_close(&c);
        transport_free(t);
    }
    ts_stop(s);

    /* nobody listening */
    transport_config cfg = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(&t, &cfg, &err), 0);
    vim_config vc = {.url = "http://127.0.0.1:1/sdk", .username = "u", .password = "p"};
    cr_assert_eq(vim_connect(&c, t, &vc, &err), -1);
    cr_assert(strstr(err.msg, "vSphere RetrieveServiceContent at http://127.0.0.1:1/sdk"), "%s",
              err.msg);
    cr_assert_eq(err.exit_code, MTV_EXIT_ENV);
    vim_close(&c);
    transport_free(t);
}

/* ---- task waits: scripted TaskInfo answers ---------------------------------------------- */

/* Per task, the answers to successive info polls; the last one repeats. */
typedef struct task_script {
    const char *task;
    const char *const *states;   /* "queued", "running:40", "success:vm-99", "error" */
    int polls;
} task_script;

typedef struct task_fake {
    task_script *scripts;
    size_t n;
    pthread_mutex_t mu;
} task_fake;

#define ENVELOPE_HEAD                                                                              \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"http://"          \
    "schemas.xmlsoap.org/soap/envelope/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">" \
    "<soapenv:Body>"
#define ENVELOPE_TAIL "</soapenv:Body></soapenv:Envelope>"

static void task_info(ts_response *r, const char *task, const char *state)
{
    strbuf b = STRBUF_INIT;
    char name[32];
    const char *colon = strchr(state, ':');
    snprintf(name, sizeof name, "%.*s", (int)(colon ? colon - state : (long)strlen(state)), state);
    sb_addf(&b, ENVELOPE_HEAD "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>"
                "<objects><obj type=\"Task\">%s</obj><propSet><name>info.state</name>"
                "<val xsi:type=\"TaskInfoState\">%s</val></propSet>", task, name);
    if (!strcmp(name, "running") && colon)
        sb_addf(&b, "<propSet><name>info.progress</name><val xsi:type=\"xsd:int\">%s</val>"
                    "</propSet>", colon + 1);
    if (!strcmp(name, "success") && colon)
        sb_addf(&b, "<propSet><name>info.result</name><val type=\"VirtualMachine\" "
                    "xsi:type=\"ManagedObjectReference\">%s</val></propSet>", colon + 1);
    if (!strcmp(name, "error"))
        sb_adds(&b, "<propSet><name>info.error</name><val xsi:type=\"LocalizedMethodFault\">"
                    "<fault xsi:type=\"InsufficientResourcesFault\"></fault>"
                    "<localizedMessage>Insufficient resources to satisfy configured failover "
                    "level for vSphere HA.</localizedMessage></val></propSet>");
    sb_adds(&b, "</objects></returnval></RetrievePropertiesExResponse>" ENVELOPE_TAIL);
    ts_resp_body(r, "text/xml; charset=utf-8", b.buf, b.len);
    sb_release(&b);
}

static void task_sdk(void *ud, const ts_request *req, ts_response *r)
{
    task_fake *f = ud;
    const char *b = sb_str(&req->body);
    const char *obj = strstr(b, "<obj type=\"Task\">");
    if (!strstr(b, "<RetrievePropertiesEx") || !obj) {
        fake login = {.login = PS "Login.response.xml", .login_status = 200};
        sdk(&login, req, r);
        return;
    }
    obj += strlen("<obj type=\"Task\">");
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < f->n; i++) {
        task_script *s = &f->scripts[i];
        if (strncmp(obj, s->task, strlen(s->task)) || obj[strlen(s->task)] != '<')
            continue;
        size_t k = 0;
        while (k < (size_t)s->polls && s->states[k + 1])
            k++;
        s->polls++;
        task_info(r, s->task, s->states[k]);
        pthread_mutex_unlock(&f->mu);
        return;
    }
    pthread_mutex_unlock(&f->mu);
    answer_file(r, 500, VS "35-RetrievePropertiesEx-ManagedObjectNotFound.resp.xml", NULL, 0);
}

static const char *const QUEUED_RUNNING_SUCCESS[] = {"queued", "running:40", "running:80",
                                                     "success:vm-99", NULL};
static const char *const RUNNING_THEN_ERROR[] = {"running:10", "error", NULL};
static const char *const FOREVER_RUNNING[] = {"running:5", NULL};

static ts_server *task_server(task_fake *f, task_script *scripts, size_t n)
{
    f->scripts = scripts;
    f->n = n;
    pthread_mutex_init(&f->mu, NULL);
    ts_server *s = ts_start(TS_HTTP);
    ts_route(s, "POST", "/sdk", task_sdk, f);
    return s;
}

static void connect_with(ts_server *s, vim_client *c, transport **t, mtv_clock *clk,
                         atomic_int *cancel)
{
    mtv_err err;
    transport_config cfg = {.mode = TRANSPORT_LIVE, .clock = clk};
    cr_assert_eq(transport_open(t, &cfg, &err), 0);
    char url[256];
    snprintf(url, sizeof url, "%s/sdk", ts_url(s));
    vim_config vc = {.url = url, .username = "administrator@vsphere.local",
                     .password = "Canary-Soap-Pw-1!", .cancel = cancel};
    cr_assert_eq(vim_connect(c, *t, &vc, &err), 0, "%s", err.msg);
}

Test(vsphere_soap, task_queued_then_running_then_success_error_and_timeout)
{
    tu_require_shared();
    task_script scripts[] = {{"task-101", QUEUED_RUNNING_SUCCESS, 0},
                             {"task-102", RUNNING_THEN_ERROR, 0},
                             {"task-103", FOREVER_RUNNING, 0}};
    task_fake f;
    ts_server *s = task_server(&f, scripts, 3);
    /* virtual time: the ten-minute wait below passes at once, as in a replay */
    mtv_clock *clk = clock_new_virtual(1700000000000);
    vim_client c;
    transport *t;
    connect_with(s, &c, &t, clk, NULL);
    mtv_err err;
    strbuf result = STRBUF_INIT;
    char fault[64];

    cr_assert_eq(vim_task_wait(&c, "task-101", 60000, "cloning VM 'a'", &result, fault, &err), 0,
                 "%s", err.msg);
    cr_assert_str_eq(result.buf, "vm-99", "the result of the successful task");
    cr_assert_eq(scripts[0].polls, 4, "queued, running 40%%, running 80%%, success: one poll each");
    cr_assert_str_eq(fault, "");

    cr_assert_eq(vim_task_wait(&c, "task-102", 60000, "powering VM 'b' on", NULL, fault, &err), -1);
    cr_assert_eq(scripts[1].polls, 2);
    cr_assert(strstr(err.msg, "powering VM 'b' on: vSphere task task-102 failed"), "%s", err.msg);
    cr_assert(strstr(err.msg, "InsufficientResourcesFault"), "the fault is named: %s", err.msg);
    cr_assert(strstr(err.msg, "Insufficient resources to satisfy"), "%s", err.msg);
    cr_assert_str_eq(fault, "InsufficientResourcesFault");

    int64_t before = clock_mono_ms(clk);
    cr_assert_eq(vim_task_wait(&c, "task-103", 0, "removing the snapshot", NULL, fault, &err), -1);
    cr_assert(strstr(err.msg, "removing the snapshot: vSphere task task-103 is still running "
                              "after 600 s"), "the default timeout, the task and its state: %s",
              err.msg);
    cr_assert_geq(clock_mono_ms(clk) - before, 600000, "the whole timeout was waited");
    cr_assert_gt(scripts[2].polls, 10, "polled all along, not once");
    cr_assert_eq(vim_task_wait(&c, "task-103", 45000, "x", NULL, NULL, &err), -1);
    cr_assert(strstr(err.msg, "still running after 45 s"), "%s", err.msg);

    vim_close(&c);
    transport_free(t);
    clock_free(clk);
    sb_release(&result);
    ts_stop(s);
    pthread_mutex_destroy(&f.mu);
}

typedef struct canceller {
    atomic_int *flag;
    ts_server *s;
} canceller;

/* Sets the flag once the wait has polled a few times (it is under way). */
static void *cancel_soon(void *ud)
{
    canceller *k = ud;
    while (ts_count(k->s) < 6)
        usleep(10000);
    atomic_store(k->flag, 1);
    return NULL;
}

Test(vsphere_soap, the_cancel_flag_ends_a_task_wait_of_minutes, .timeout = 60)
{
    tu_require_shared();
    task_script scripts[] = {{"task-104", FOREVER_RUNNING, 0}};
    task_fake f;
    ts_server *s = task_server(&f, scripts, 1);
    atomic_int cancel = 0;
    vim_client c;
    transport *t;
    connect_with(s, &c, &t, NULL, &cancel);
    canceller k = {&cancel, s};
    pthread_t th;
    pthread_create(&th, NULL, cancel_soon, &k);
    mtv_err err;
    int rc = vim_task_wait(&c, "task-104", 30 * 60000, "cloning VM 'c'", NULL, NULL, &err);
    pthread_join(th, NULL);
    cr_assert_eq(rc, -1);
    cr_assert(strstr(err.msg, "cancelled while cloning VM 'c'"), "%s", err.msg);
    cr_assert_geq(scripts[0].polls, 3, "the wait was under way when cancelled");

    /* set before the wait: it polls once and stops at the first sleep */
    int polls = scripts[0].polls;
    rc = vim_task_wait(&c, "task-104", 30 * 60000, "again", NULL, NULL, &err);
    cr_assert_eq(rc, -1);
    cr_assert(strstr(err.msg, "cancelled while again"), "%s", err.msg);
    cr_assert_eq(scripts[0].polls, polls + 1);
    vim_close(&c);
    transport_free(t);
    ts_stop(s);
    pthread_mutex_destroy(&f.mu);
}
