/*
 * Every request the Jira reporters send is checked against Atlassian's own
 * OpenAPI specs (shared/reference/jira), served by Prism in validating mode:
 * Cloud v3 in one test, Data Center 10.3 in the other, each spec started
 * once. The specs' known defects are corrected at test time into a copy
 * (tests/node/prepare-jira-spec.js).
 *
 * Prism's answers are random (dynamic mode), so the reporters talk to a
 * small proxy: it sends each request to Prism to be validated and answers
 * with the stateful Jira stand-in, so that real flows run (gating, creating,
 * commenting, linking, attaching) and every one of their requests is
 * judged. A test fails on any violation Prism reports, on any request Prism
 * cannot route, and on any error line in Prism's log.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jirastub.h"
#include "net/transport.h"
#include "reporters/jira_fingerprint.h"
#include "reporters/jira_gate.h"
#include "reporters/jira_report.h"
#include "testserver.h"
#include "testutil.h"
#include "util/fs.h"

typedef struct proxy {
    char prism[64];
    const char *stub_url;
    transport *t;                   /* the proxy's own, live */
    net_endpoint prism_ep, stub_ep;
    pthread_mutex_t lock;
    strbuf violations;
    strbuf seen;                    /* "METHOD path" of every validated request */
} proxy;

static pid_t prism_pid;

static void stop_prism(void)
{
    if (prism_pid > 0) {
        kill(prism_pid, SIGTERM);
        waitpid(prism_pid, NULL, 0);
        prism_pid = 0;
    }
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

static int port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* Prepares the spec and starts Prism; returns its port. */
static int start_prism(const char *kind, const char *spec_file, const char *dir, const char *log)
{
    const char *prism = tu_src("tests/node/node_modules/.bin/prism");
    if (!fs_exists(prism) || system("node --version >/dev/null 2>&1") != 0)
        cr_skip_test("Prism missing (make deps installs tests/node)");
    tu_require_shared();
    strbuf spec = STRBUF_INIT, cmd = STRBUF_INIT;
    fs_join(&spec, dir, "spec.json");
    sb_addf(&cmd, "node '%s' %s '%s' '%s'", tu_src("tests/node/prepare-jira-spec.js"), kind,
            tu_shared(spec_file), spec.buf);
    cr_assert_eq(system(cmd.buf), 0, "preparing the spec failed: %s", cmd.buf);
    int port = free_port();
    char port_s[16];
    snprintf(port_s, sizeof port_s, "%d", port);
    atexit(stop_prism);
    prism_pid = fork();
    cr_assert_geq(prism_pid, 0);
    if (prism_pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);   /* never outlive the test */
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(prism, prism, "mock", "-d", "--errors", "--seed", "1", "-h", "127.0.0.1", "-p", port_s, spec.buf,
              (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 1200 && !port_open(port); i++) {
        int status;
        if (waitpid(prism_pid, &status, WNOHANG) == prism_pid) {
            prism_pid = 0;
            char *text = tu_read(log, NULL);
            cr_assert_fail("Prism exited while starting:\n%s", text ? text : "");
        }
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    cr_assert(port_open(port), "Prism did not start within 120 s");
    sb_release(&spec);
    sb_release(&cmd);
    return port;
}

static void forward(proxy *p, const ts_request *in, const net_endpoint *ep, http_response *out)
{
    http_request req;
    http_request_init(&req, ep, "jira", in->method, in->uri);
    for (size_t i = 0; i < in->headers.count; i++) {
        const char *n = in->headers.items[i].name;
        if (strcasecmp(n, "Host") && strcasecmp(n, "Content-Length") && strcasecmp(n, "Connection") &&
            strcasecmp(n, "Accept-Encoding") && strcasecmp(n, "Expect"))
            http_headers_add(&req.headers, n, in->headers.items[i].value);
    }
    if (in->body.len)
        http_request_body(&req, NULL, in->body.buf, in->body.len);
    req.retry_safe = 0;
    mtv_err err;
    if (transport_send(p->t, &req, out, &err) < 0)
        out->status = 0;
    http_request_free(&req);
}

static void proxy_handler(void *ud, const ts_request *req, ts_response *resp)
{
    proxy *p = ud;
    http_response v = {0}, a = {0};
    forward(p, req, &p->prism_ep, &v);
    const char *viol = http_headers_get(&v.headers, "sl-violations");
    pthread_mutex_lock(&p->lock);
    sb_addf(&p->seen, "%s %s\n", req->method, req->path);
    if (viol || v.status == 0 || v.status >= 400)
        sb_addf(&p->violations, "%s %s -> %ld %s %.900s\n", req->method, req->uri, v.status, viol ? viol : "",
                v.body.len ? v.body.buf : "");
    pthread_mutex_unlock(&p->lock);
    forward(p, req, &p->stub_ep, &a);
    resp->status = (int)a.status;
    for (size_t i = 0; i < a.headers.count; i++)
        if (!strcasecmp(a.headers.items[i].name, "Retry-After"))
            ts_resp_header(resp, "Retry-After", a.headers.items[i].value);
    ts_resp_body(resp, http_headers_get(&a.headers, "Content-Type") ? http_headers_get(&a.headers, "Content-Type")
                                                                     : "application/json",
                 a.body.buf ? a.body.buf : "", a.body.len);
    http_response_free(&v);
    http_response_free(&a);
}

static run_results *failing_run(const char *run_id, const char *cassette)
{
    run_results *r = results_new(run_id, 0);
    results_set_prop(r, "provider", "vsphere-8");
    results_set_prop(r, "storage_class", "ceph-rbd");
    results_set_prop(r, "mtv_version", "2.9.0");
    scenario_result *a = results_add_scenario(r, "test_new", "test_new-vsphere-8-ceph-rbd", NULL);
    scenario_set_cassette(a, cassette);
    scenario_add_step(a, "migrate", NULL, STEP_FAILED, "plan not Ready after 600 s", "Traceback\n  boom",
                      "\x1b[31mERROR\x1b[0m boom\n", 0, 600);
    scenario_result *b = results_add_scenario(r, "test_known", "test_known-vsphere-8-ceph-rbd", NULL);
    scenario_set_cassette(b, cassette);
    scenario_add_step(b, "check_vms", NULL, STEP_ERROR, "MAC address changed", NULL, NULL, 0, 3);
    return r;
}

static void against_spec(int cloud)
{
    const char *dir = tu_tmpdir();
    strbuf log = STRBUF_INIT;
    fs_join(&log, dir, "prism.log");
    int port = start_prism(cloud ? "cloud" : "dc",
                           cloud ? "reference/jira/jira-cloud-platform-swagger-v3.v3.json"
                                 : "reference/jira/jira-software-dc-10.3-openapi.json",
                           dir, log.buf);
    jirastub *stub = jirastub_start(cloud);
    jirastub_add_issue(stub, "MTV-1", "Closed", "done", "Done", "2026-01-01T00:00:00.000+0000", NULL);
    jirastub_add_issue(stub, "MTV-2", "In Progress", "indeterminate", NULL, NULL, NULL);
    char fp[13];
    jira_fingerprint("test_known", "check_vms", "MAC address changed", fp);
    strbuf label = STRBUF_INIT;
    jira_fp_label("mtvval", fp, &label);
    jirastub_add_issue(stub, "MTV-3", "Open", "new", NULL, NULL, label.buf);

    proxy p;
    memset(&p, 0, sizeof p);
    snprintf(p.prism, sizeof p.prism, "http://127.0.0.1:%d", port);
    pthread_mutex_init(&p.lock, NULL);
    transport_config tc = {.mode = TRANSPORT_LIVE};
    mtv_err err;
    cr_assert_eq(transport_open(&p.t, &tc, &err), 0, "%s", err.msg);
    net_endpoint_init(&p.prism_ep);
    p.prism_ep.base_url = p.prism;
    p.prism_ep.retry.max_attempts = 1;
    net_endpoint_init(&p.stub_ep);
    p.stub_ep.base_url = jirastub_url(stub);
    p.stub_ep.retry.max_attempts = 1;
    ts_server *front = ts_start(TS_HTTP);
    ts_route(front, NULL, "/*", proxy_handler, &p);

    const char *cassette = tu_write(dir, "bundle.tar", "a cassette bundle");
    jira_config cfg;
    jira_config_init(&cfg, NULL);
    jira_config_set(&cfg, "url", ts_url(front), "test", &err);
    jira_config_set(&cfg, "deployment", cloud ? "cloud" : "dc", "test", &err);
    if (cloud)
        jira_config_set(&cfg, "username", "bot@example.com", "test", &err);
    jira_config_set(&cfg, "token", "prism-token-0123456789", "test", &err);
    jira_config_set(&cfg, "project", "MTV", "test", &err);
    jira_config_set(&cfg, "build_url", "https://ci.example.com/job/1/", "test", &err);
    jira_config_set(&cfg, "attach_bundle", "true", "test", &err);
    jira_config_set(&cfg, "ticket_components", "Controller", "test", &err);
    jira_config_set(&cfg, "affects_version", "2.9.0", "test", &err);
    jira_config_set(&cfg, "labels", "ci", "test", &err);
    cr_assert_eq(jira_config_finish(&cfg, &err), 0, "%s", err.msg);

    /* gating: one batched lookup */
    jira_client *jc;
    cr_assert_eq(jira_client_new(&jc, &cfg, NULL, &err), 0, "%s", err.msg);
    scenario sc[2];
    memset(sc, 0, sizeof sc);
    jira_link l1[] = {{"MTV-1", 1, 0}}, l2[] = {{"MTV-2", 0, 0}};
    sc[0].name = (char *)"test_a";
    sc[0].jira = l1;
    sc[0].n_jira = 1;
    sc[1].name = (char *)"test_b";
    sc[1].jira = l2;
    sc[1].n_jira = 1;
    selected items[2];
    memset(items, 0, sizeof items);
    items[0].sc = &sc[0];
    items[1].sc = &sc[1];
    selection sel;
    memset(&sel, 0, sizeof sel);
    sel.items = items;
    sel.count = 2;
    jira_gate_decision *d;
    cr_assert_eq(jira_gate_check(jc, &sel, PROVIDER_VSPHERE, &d, &err), 0, "%s", err.msg);
    cr_assert_eq(d[0].action, JIRA_GATE_RUN);
    cr_assert_eq(d[1].action, JIRA_GATE_SKIP);
    jira_gate_free(d, 2);
    jira_client_free(jc);

    /* tickets: a new failure (create, link, attach) and a known one (comments, comment, link, attach) */
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    run_results *r = failing_run("run-prism", cassette);
    jira_report_opts o = {.out = f, .source = "junit.xml"};
    jira_report_stats st;
    int rc = jira_report_run(r, &cfg, NULL, &o, &st, &err);
    o.dry_run = 1;
    jira_report_run(r, &cfg, NULL, &o, &st, &err);
    fclose(f);
    cr_assert_eq(rc, 0, "%s\n%s", err.msg, out);
    cr_assert_eq(jirastub_created(stub), 1);
    cr_assert_eq(jirastub_comment_count(stub, "MTV-3"), 1);

    pthread_mutex_lock(&p.lock);
    const char *seen = sb_str(&p.seen);
    const char *api = cloud ? "/rest/api/3" : "/rest/api/2";
    char want[8][96];
    snprintf(want[0], 96, "GET %s/%s\n", api, cloud ? "search/jql" : "search");
    snprintf(want[1], 96, "POST %s/issue\n", api);
    snprintf(want[2], 96, "GET %s/issue/MTV-3/comment\n", api);
    snprintf(want[3], 96, "POST %s/issue/MTV-3/comment\n", api);
    snprintf(want[4], 96, "POST %s/issue/MTV-3/remotelink\n", api);
    snprintf(want[5], 96, "POST %s/issue/MTV-3/attachments\n", api);
    snprintf(want[6], 96, "POST %s/issue/MTV-4/remotelink\n", api);
    snprintf(want[7], 96, cloud ? "POST %s/issue/bulkfetch\n" : "GET %s/search\n", api);
    for (int i = 0; i < 8; i++)
        cr_assert(strstr(seen, want[i]), "Prism never saw %s in:\n%s", want[i], seen);
    cr_assert_eq(p.violations.len, 0, "Prism reported violations:\n%s", sb_str(&p.violations));
    pthread_mutex_unlock(&p.lock);

    char *prism_log = tu_read(log.buf, NULL);
    cr_assert_null(strstr(prism_log, "\xe2\x9c\x96"), "Prism logged an error:\n%s", strstr(prism_log, "\xe2\x9c\x96"));
    free(prism_log);

    /* and the check itself works: a malformed creation is caught */
    cr_assert_eq(jira_client_new(&jc, &cfg, NULL, &err), 0, "%s", err.msg);
    cJSON *bad = cJSON_Parse("{\"fields\": \"not an object\"}");
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "%s/issue", api);
    jira_reply rep;
    jira_call(jc, "POST", path.buf, NULL, bad, JIRA_WRITE | JIRA_ONCE, &rep, &err);
    jira_reply_free(&rep);
    cJSON_Delete(bad);
    sb_release(&path);
    jira_client_free(jc);
    pthread_mutex_lock(&p.lock);
    cr_assert(strstr(sb_str(&p.violations), "/issue"), "Prism let a malformed request through");
    pthread_mutex_unlock(&p.lock);
    stop_prism();
    free(out);
    results_free(r);
    jira_config_free(&cfg);
    ts_stop(front);
    transport_free(p.t);
    jirastub_stop(stub);
    sb_release(&p.violations);
    sb_release(&p.seen);
    sb_release(&label);
    sb_release(&log);
}

Test(jira_prism, data_center_spec_accepts_every_request, .timeout = 240)
{
    against_spec(0);
}

Test(jira_prism, cloud_spec_accepts_every_request, .timeout = 240)
{
    against_spec(1);
}
