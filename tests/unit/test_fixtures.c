/* The journals under tests/data/cassettes/ feed the CLI integration test
 * and the demo: two recordings of a small migration, the second one failing.
 * This test checks they still load and say what the other tests rely on;
 * with MTV_WRITE_FIXTURES=1 it records them afresh against the loopback
 * server first (then commit the result). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/transport.h"
#include "recorder/journal.h"
#include "testserver.h"
#include "testutil.h"
#include "util/fs.h"

static int failing;

static void plan(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    (void)req;
    char body[512];
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"forklift.konveyor.io/v1beta1\",\"kind\":\"Plan\",\"metadata\":{\"name\":\"cold-1\","
             "\"namespace\":\"openshift-mtv\",\"resourceVersion\":\"%d\",\"uid\":\"%s\"},"
             "\"status\":{\"conditions\":[{\"type\":\"%s\",\"status\":\"True\",\"lastTransitionTime\":\"%s\"}]}}",
             failing ? 9911 : 4242, failing ? "2f6c-b" : "2f6c-a", failing ? "Failed" : "Succeeded",
             failing ? "2026-11-20T10:00:00Z" : "2026-11-19T09:00:00Z");
    ts_resp_body(resp, "application/json", body, strlen(body));
}

static void watch(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    (void)req;
    ts_resp_header(resp, "Content-Type", "application/json");
    const char *a = "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Migration\",\"status\":{\"phase\":\"Running\"}}}\n";
    const char *b = failing ? "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Migration\",\"status\":{\"phase\":\"Failed\"}}}\n"
                            : "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Migration\",\"status\":{\"phase\":\"Succeeded\"}}}\n";
    ts_resp_frame(resp, 0, a, strlen(a));
    ts_resp_frame(resp, 30, b, strlen(b));
}

static int ssh_live(void *ud, const cJSON *request, cJSON **response, mtv_err *err)
{
    (void)ud;
    (void)request;
    (void)err;
    *response = cJSON_Parse(failing ? "{\"stdout\":\"\",\"stderr\":\"connection refused\",\"exit_status\":255}"
                                    : "{\"stdout\":\"vm-web-01\\n\",\"stderr\":\"\",\"exit_status\":0}");
    return 0;
}

static int nothing(void *ud, const char *d, size_t n)
{
    (void)ud;
    (void)d;
    (void)n;
    return 0;
}

static void record(const char *path, int fail)
{
    failing = fail;
    ts_server *s = ts_start(TS_HTTP);
    const char *ns = "{\"kind\":\"Namespace\",\"metadata\":{\"name\":\"mtv-tests-auto-abc123\"}}";
    ts_route_static(s, "POST", "/api/v1/namespaces", 201, "application/json", ns, strlen(ns));
    ts_route(s, "GET", "/apis/forklift.konveyor.io/v1beta1/namespaces/openshift-mtv/plans/cold-1", plan, NULL);
    ts_route(s, "GET", "/apis/forklift.konveyor.io/v1beta1/namespaces/openshift-mtv/migrations", watch, NULL);
    const char *vms = "[{\"id\":\"vm-2001\",\"name\":\"vm-web-01\",\"powerState\":\"poweredOn\",\"cpuCount\":2}]";
    ts_route_static(s, "GET", "/providers/vsphere/p1/vms", 200, "application/json", vms, strlen(vms));
    const char *soap = "<?xml version=\"1.0\"?><soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                       "<soapenv:Body><RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval><objects>"
                       "<obj type=\"VirtualMachine\">vm-2001</obj><propSet><name>name</name><val>vm-web-01</val></propSet>"
                       "</objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>";
    ts_route_static(s, "POST", "/sdk", 200, "text/xml; charset=utf-8", soap, strlen(soap));
    const char *events = "{\"kind\":\"EventList\",\"items\":[{\"reason\":\"FailedMigration\"}]}";
    ts_route_static(s, "GET", "/api/v1/namespaces/openshift-mtv/events", 200, "application/json", events, strlen(events));

    secret_registry *reg = secrets_new();
    transport_config cfg = {.mode = TRANSPORT_RECORD, .journal_path = path, .scenario = "cold-migration",
                            .secrets = reg, .has_seed = 1, .seed = 2026};
    transport *t;
    mtv_err err;
    cr_assert_eq(transport_open(&t, &cfg, &err), 0, "%s", err.msg);
    net_endpoint k8s, inv, vc;
    net_endpoint_init(&k8s);
    k8s.base_url = ts_url(s);
    k8s.auth = NET_AUTH_BEARER;
    k8s.token = "sha256~fixture-token-not-real-0000000000";
    inv = k8s;
    vc = k8s;
    vc.auth = NET_AUTH_COOKIE;
    vc.cookie = "vmware_soap_session=\"fixture-session-0000\"";
    strbuf name = STRBUF_INIT;
    transport_name(t, "mtv-tests", &name);
    http_request req;
    http_response resp = {0};
    http_request_init(&req, &k8s, "kubernetes", "POST", "/api/v1/namespaces");
    strbuf body = STRBUF_INIT;
    sb_addf(&body, "{\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\"}}", name.buf);
    http_request_body(&req, "application/json", body.buf, body.len);
    transport_send(t, &req, &resp, &err);
    http_request_free(&req);
    http_request_init(&req, &inv, "inventory", "GET", "/providers/vsphere/p1/vms");
    http_request_query(&req, "detail", "1");
    transport_send(t, &req, &resp, &err);
    http_request_free(&req);
    http_request_init(&req, &vc, "vsphere", "POST", "/sdk");
    const char *call = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>"
                       "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">propertyCollector</_this>"
                       "<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet></propSet></specSet>"
                       "</RetrievePropertiesEx></soapenv:Body></soapenv:Envelope>";
    http_request_body(&req, "text/xml; charset=utf-8", call, strlen(call));
    transport_send(t, &req, &resp, &err);
    http_request_free(&req);
    http_request_init(&req, &k8s, "kubernetes", "GET", "/apis/forklift.konveyor.io/v1beta1/namespaces/openshift-mtv/migrations");
    http_request_query(&req, "watch", "1");
    transport_stream(t, &req, NET_FRAMES_LINES, nothing, NULL, &resp, &err);
    http_request_free(&req);
    http_request_init(&req, &k8s, "kubernetes", "GET", "/apis/forklift.konveyor.io/v1beta1/namespaces/openshift-mtv/plans/cold-1");
    transport_send(t, &req, &resp, &err);
    http_request_free(&req);
    if (fail) {
        http_request_init(&req, &k8s, "kubernetes", "GET", "/api/v1/namespaces/openshift-mtv/events");
        transport_send(t, &req, &resp, &err);
        http_request_free(&req);
    } else {
        cJSON *cmd = cJSON_Parse("{\"host\":\"vm-web-01\",\"user\":\"cloud-user\",\"command\":\"hostname\"}"), *out = NULL;
        transport_custom(t, "ssh", "guest:vm-web-01", cmd, ssh_live, NULL, &out, &err);
        cJSON_Delete(cmd);
        cJSON_Delete(out);
    }
    http_response_free(&resp);
    transport_free(t);
    ts_stop(s);
    secrets_free(reg);
    sb_release(&name);
    sb_release(&body);
}

Test(fixtures, sample_journals_load)
{
    const char *good = tu_src("tests/data/cassettes/cold-migration.good.journal.ndjson");
    const char *bad = tu_src("tests/data/cassettes/cold-migration.bad.journal.ndjson");
    const char *w = getenv("MTV_WRITE_FIXTURES");
    if (w && strcmp(w, "1") == 0) {
        record(good, 0);
        record(bad, 1);
        /* the good run was "killed" while writing one more line */
        FILE *f = fopen(good, "a");
        fputs("{\"t\":\"entry\",\"entry\":{\"_seq\":99,\"startedDate", f);
        fclose(f);
    }
    journal_contents jc;
    strbuf warn = STRBUF_INIT;
    mtv_err err;
    cr_assert_eq(journal_load(good, &jc, &warn, &err), 0, "%s", err.msg);
    cr_assert_eq(cJSON_GetArraySize(jc.entries), 6);
    cr_assert_eq(jc.skipped, 1);
    cr_assert(strstr(warn.buf, "last line is incomplete"), "%s", warn.buf);
    journal_contents_free(&jc);
    cr_assert_eq(journal_load(bad, &jc, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(cJSON_GetArraySize(jc.entries), 6);
    cr_assert_eq(jc.skipped, 0);
    journal_contents_free(&jc);
    sb_release(&warn);
}
