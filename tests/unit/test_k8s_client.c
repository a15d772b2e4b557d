/* Unit tests for the Kubernetes resource client against the loopback test
 * server: URLs, verbs, bodies, paging, conflicts and the API server's Status
 * messages in errors. Watches and waits are in test_k8s_watch.c. */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/client.h"
#include "testserver.h"
#include "testutil.h"
#include "util/log.h"

#define TOKEN "sha256~canary-k8s-token-7f3a9c"

static ts_server *srv;
static transport *tp;
static secret_registry *reg;
static kube_config kc;
static k8s_client *cl;

static void start(int flags)
{
    srv = ts_start(flags);
    reg = secrets_new();
    transport_config cfg = {.mode = TRANSPORT_LIVE, .secrets = reg, .has_seed = 1, .seed = 7};
    mtv_err err;
    cr_assert_eq(transport_open(&tp, &cfg, &err), 0, "%s", err.msg);
    memset(&kc, 0, sizeof kc);
    kc.server = strdup(ts_url(srv));
    kc.namespace_ = strdup("mtv");
    kc.token = strdup(TOKEN);
    if (flags & TS_HTTPS)
        kc.ca_data = strdup(ts_ca_pem(srv));
    cr_assert_eq(k8s_client_new(&cl, &kc, tp, &err), 0, "%s", err.msg);
}

static void setup(void)
{
    log_set_level(LOG_WARN);
    start(TS_HTTP);
}

static void teardown(void)
{
    k8s_client_free(cl);
    kubeconfig_free(&kc);
    transport_free(tp);
    ts_stop(srv);
    secrets_free(reg);
}

TestSuite(k8s_client, .init = setup, .fini = teardown);

/* The value of a query parameter of a received request ("" when absent). */
static void query_param(const ts_request *r, const char *name, char *out, size_t n)
{
    out[0] = '\0';
    const char *q = strchr(r->uri, '?');
    size_t nl = strlen(name);
    while (q && *q) {
        q++;
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        if (len > nl && !strncmp(q, name, nl) && q[nl] == '=') {
            strbuf v = STRBUF_INIT;
            for (size_t i = nl + 1; i < len; i++) {
                if (q[i] == '%' && i + 2 < len + 1) {
                    char hex[3] = {q[i + 1], q[i + 2], 0};
                    sb_addc(&v, (char)strtol(hex, NULL, 16));
                    i += 2;
                } else {
                    sb_addc(&v, q[i] == '+' ? ' ' : q[i]);
                }
            }
            snprintf(out, n, "%s", sb_str(&v));
            sb_release(&v);
            return;
        }
        q = amp;
    }
}

static const char *STATUS_404 =
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
    "\"message\":\"plans.forklift.konveyor.io \\\"nope\\\" not found\",\"reason\":\"NotFound\","
    "\"details\":{\"name\":\"nope\",\"group\":\"forklift.konveyor.io\",\"kind\":\"plans\"},\"code\":404}";

Test(k8s_client, get_builds_the_namespaced_url_and_sends_the_token)
{
    const char *plan = "{\"apiVersion\":\"forklift.konveyor.io/v1beta1\",\"kind\":\"Plan\","
                       "\"metadata\":{\"name\":\"p1\",\"namespace\":\"mtv\",\"resourceVersion\":\"7\"}}";
    ts_route_static(srv, "GET", "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans/p1", 200,
                    "application/json", plan, strlen(plan));
    cJSON *obj = NULL;
    mtv_err err;
    cr_assert_eq(k8s_get(cl, &K8S_PLAN, NULL, "p1", &obj, &err), 0, "%s", err.msg);
    cr_assert_str_eq(k8s_obj_str(obj, "metadata.resourceVersion"), "7");
    const ts_request *r = ts_request_at(srv, 0);
    cr_assert_str_eq(http_headers_get(&r->headers, "Authorization"), "Bearer " TOKEN);
    cr_assert_str_eq(http_headers_get(&r->headers, "Accept"), "application/json");
    cJSON_Delete(obj);
}

Test(k8s_client, core_and_cluster_scoped_urls)
{
    const char *ns = "{\"kind\":\"Namespace\",\"metadata\":{\"name\":\"x y\"}}";
    ts_route_static(srv, "GET", "/api/v1/namespaces/x%20y", 200, "application/json", ns, strlen(ns));
    const char *list = "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"3\"},\"items\":[]}";
    ts_route_static(srv, "GET", "/api/v1/pods", 200, "application/json", list, strlen(list));
    cJSON *obj = NULL;
    mtv_err err;
    /* a namespace given to a cluster-scoped kind is ignored; names are escaped */
    cr_assert_eq(k8s_get(cl, &K8S_NAMESPACE, "ignored", "x y", &obj, &err), 0, "%s", err.msg);
    cJSON_Delete(obj);
    /* NULL namespace on a list of a namespaced kind = all namespaces */
    cr_assert_eq(k8s_list(cl, &K8S_POD, NULL, NULL, &obj, &err), 0, "%s", err.msg);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(obj, "items")), 0);
    cJSON_Delete(obj);
    cr_assert_eq(ts_count_path(srv, "/api/v1/pods"), 1);
}

Test(k8s_client, not_found_carries_the_status_message)
{
    ts_route_static(srv, "GET", "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans/nope", 404,
                    "application/json", STATUS_404, strlen(STATUS_404));
    cJSON *obj = (cJSON *)1;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(k8s_get(cl, &K8S_PLAN, "mtv", "nope", &obj, &err), K8S_NOT_FOUND);
    cr_assert_null(obj);
    cr_assert_str_eq(err.msg, "Plan mtv/nope: 404 NotFound: plans.forklift.konveyor.io \"nope\" not found");
    cr_assert_eq(err.exit_code, MTV_EXIT_ENV);
}

Test(k8s_client, invalid_uses_the_causes_when_the_message_is_empty)
{
    const char *st = "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"\",\"reason\":\"Invalid\","
                     "\"details\":{\"causes\":[{\"reason\":\"FieldValueRequired\",\"message\":\"Required value\","
                     "\"field\":\"spec.vms\"},{\"message\":\"must be a DNS-1123 label\",\"field\":"
                     "\"spec.targetNamespace\"}]},\"code\":422}";
    ts_route_static(srv, "POST", "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans", 422,
                    "application/json", st, strlen(st));
    cJSON *plan = cJSON_Parse("{\"metadata\":{\"name\":\"p1\"}}");
    mtv_err err;
    cr_assert_eq(k8s_create(cl, &K8S_PLAN, NULL, plan, NULL, &err), -1);
    cr_assert_str_eq(err.msg, "Plan mtv/p1: 422 Invalid: spec.vms: Required value; "
                              "spec.targetNamespace: must be a DNS-1123 label");
    cJSON_Delete(plan);
}

Test(k8s_client, a_body_that_is_not_a_status_is_quoted)
{
    const char *html = "<html>\n<body>upstream broke</body></html>";
    ts_route_static(srv, "GET", "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans/p1", 500,
                    "text/html", html, strlen(html));
    cJSON *obj;
    mtv_err err;
    cr_assert_eq(k8s_get(cl, &K8S_PLAN, NULL, "p1", &obj, &err), -1);
    cr_assert(strstr(err.msg, "Plan mtv/p1: HTTP 500"), "%s", err.msg);
    cr_assert(strstr(err.msg, "<html> <body>upstream broke</body></html>"), "%s", err.msg);
}

Test(k8s_client, unauthorized_says_what_to_do)
{
    const char *st = "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"Unauthorized\","
                     "\"reason\":\"Unauthorized\",\"code\":401}";
    ts_route_static(srv, "GET", "/version", 401, "application/json", st, strlen(st));
    cJSON *obj = NULL;
    mtv_err err;
    cr_assert_eq(k8s_get_raw(cl, "/version", &obj, &err), -1);
    cr_assert(strstr(err.msg, "/version: 401 Unauthorized: Unauthorized"), "%s", err.msg);
    cr_assert(strstr(err.msg, "oc login"), "%s", err.msg);
    cr_assert_null(obj);
}

Test(k8s_client, raw_get_of_a_text_body_is_a_json_string)
{
    ts_route_static(srv, "GET", "/readyz", 200, "text/plain", "ok", 2);
    cJSON *obj = NULL;
    mtv_err err;
    cr_assert_eq(k8s_get_raw(cl, "/readyz", &obj, &err), 0, "%s", err.msg);
    cr_assert_str_eq(cJSON_GetStringValue(obj), "ok");
    cJSON_Delete(obj);
}

/* ---- paging ----------------------------------------------------------------- */

typedef struct pager {
    int total;
    int expire_on_page;    /* answer 410 to this page's continue (once) */
    atomic_int expired;
} pager;

static void pager_handler(void *ud, const ts_request *req, ts_response *resp)
{
    pager *p = ud;
    char lim[16], cont[64];
    query_param(req, "limit", lim, sizeof lim);
    query_param(req, "continue", cont, sizeof cont);
    int limit = *lim ? atoi(lim) : p->total;
    int start = *cont ? atoi(cont + strlen("tok-")) : 0;
    if (*cont && p->expire_on_page && start / limit == p->expire_on_page &&
        !atomic_exchange(&p->expired, 1)) {
        const char *gone = "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"The provided "
                           "continue parameter is too old\",\"reason\":\"Expired\",\"code\":410}";
        resp->status = 410;
        ts_resp_body(resp, "application/json", gone, strlen(gone));
        return;
    }
    strbuf b = STRBUF_INIT;
    int end = start + limit < p->total ? start + limit : p->total;
    sb_addf(&b, "{\"kind\":\"PlanList\",\"apiVersion\":\"forklift.konveyor.io/v1beta1\","
                "\"metadata\":{\"resourceVersion\":\"%d\"", 100 + start);
    if (end < p->total)
        sb_addf(&b, ",\"continue\":\"tok-%d\",\"remainingItemCount\":%d", end, p->total - end);
    sb_adds(&b, "},\"items\":[");
    for (int i = start; i < end; i++)
        sb_addf(&b, "%s{\"metadata\":{\"name\":\"p%d\"}}", i > start ? "," : "", i);
    sb_adds(&b, "]}");
    ts_resp_body(resp, "application/json", b.buf, b.len);
    sb_release(&b);
}

Test(k8s_client, list_follows_continue_and_merges_pages)
{
    pager p = {.total = 5};
    ts_route(srv, "GET", "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans", pager_handler, &p);
    k8s_list_opts o = {.label_selector = "app=mtv,tier in (a,b)", .field_selector = "status.phase=Ready",
                       .limit = 2};
    cJSON *list = NULL;
    mtv_err err;
    cr_assert_eq(k8s_list(cl, &K8S_PLAN, "mtv", &o, &list, &err), 0, "%s", err.msg);
    cJSON *items = cJSON_GetObjectItem(list, "items");
    cr_assert_eq(cJSON_GetArraySize(items), 5);
    for (int i = 0; i < 5; i++) {
        char want[8];
        snprintf(want, sizeof want, "p%d", i);
        cr_assert_str_eq(k8s_obj_str(cJSON_GetArrayItem(items, i), "metadata.name"), want);
    }
    cr_assert_str_eq(k8s_obj_str(list, "metadata.resourceVersion"), "104");
    cr_assert_null(k8s_obj_str(list, "metadata.continue"));
    cr_assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(list, "metadata"), "remainingItemCount"));
    cr_assert_eq(ts_count(srv), 3);
    char v[128];
    query_param(ts_request_at(srv, 0), "labelSelector", v, sizeof v);
    cr_assert_str_eq(v, "app=mtv,tier in (a,b)");
    query_param(ts_request_at(srv, 0), "continue", v, sizeof v);
    cr_assert_str_eq(v, "");
    query_param(ts_request_at(srv, 2), "continue", v, sizeof v);
    cr_assert_str_eq(v, "tok-4");
    query_param(ts_request_at(srv, 2), "fieldSelector", v, sizeof v);
    cr_assert_str_eq(v, "status.phase=Ready");
    cJSON_Delete(list);
}

Test(k8s_client, an_expired_continue_token_lists_again_in_one_request)
{
    pager p = {.total = 5, .expire_on_page = 1};
    ts_route(srv, "GET", "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans", pager_handler, &p);
    k8s_list_opts o = {.limit = 2};
    cJSON *list = NULL;
    mtv_err err;
    cr_assert_eq(k8s_list(cl, &K8S_PLAN, "mtv", &o, &list, &err), 0, "%s", err.msg);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(list, "items")), 5);
    cr_assert_eq(ts_count(srv), 3);   /* page 0, the 410, then everything without limit */
    char v[16];
    query_param(ts_request_at(srv, 2), "limit", v, sizeof v);
    cr_assert_str_eq(v, "");
    cJSON_Delete(list);
}

/* ---- writes ----------------------------------------------------------------- */

static void echo_created(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    resp->status = 201;
    ts_resp_body(resp, "application/json", req->body.buf, req->body.len);
}

Test(k8s_client, create_fills_kind_and_api_version_and_names_the_field_manager)
{
    ts_route(srv, "POST", "/apis/forklift.konveyor.io/v1beta1/namespaces/target/plans", echo_created, NULL);
    cJSON *plan = cJSON_Parse("{\"metadata\":{\"name\":\"p1\",\"namespace\":\"target\"},\"spec\":{}}");
    cJSON *out = NULL;
    mtv_err err;
    cr_assert_eq(k8s_create(cl, &K8S_PLAN, NULL, plan, &out, &err), 0, "%s", err.msg);
    cr_assert_str_eq(k8s_obj_str(out, "apiVersion"), "forklift.konveyor.io/v1beta1");
    cr_assert_str_eq(k8s_obj_str(out, "kind"), "Plan");
    const ts_request *r = ts_request_at(srv, 0);
    cr_assert_str_eq(http_headers_get(&r->headers, "Content-Type"), "application/json");
    char v[64];
    query_param(r, "fieldManager", v, sizeof v);
    cr_assert_str_eq(v, "mtv-validate");
    cJSON_Delete(out);
    cJSON_Delete(plan);
}

Test(k8s_client, create_of_an_existing_object_is_k8s_exists)
{
    const char *st = "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"namespaces \\\"demo\\\" "
                     "already exists\",\"reason\":\"AlreadyExists\",\"code\":409}";
    ts_route_static(srv, "POST", "/api/v1/namespaces", 409, "application/json", st, strlen(st));
    cJSON *ns = cJSON_Parse("{\"metadata\":{\"name\":\"demo\"}}");
    mtv_err err;
    cr_assert_eq(k8s_create(cl, &K8S_NAMESPACE, NULL, ns, NULL, &err), K8S_EXISTS);
    cr_assert_str_eq(err.msg, "Namespace demo: 409 AlreadyExists: namespaces \"demo\" already exists");
    const ts_request *r = ts_request_at(srv, 0);
    cr_assert(tu_contains(r->body.buf, r->body.len, "\"apiVersion\":\"v1\""));
    cr_assert(tu_contains(r->body.buf, r->body.len, "\"kind\":\"Namespace\""));
    cJSON_Delete(ns);
}

static void echo_ok(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    (void)req;
    ts_resp_body(resp, "application/json", "{\"kind\":\"Plan\"}", 15);
}

Test(k8s_client, patch_types_and_the_status_subresource)
{
    ts_route(srv, "PATCH", "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans/p1*", echo_ok, NULL);
    cJSON *merge = cJSON_Parse("{\"spec\":{\"warm\":true}}");
    cJSON *json = cJSON_Parse("[{\"op\":\"replace\",\"path\":\"/status/phase\",\"value\":\"Ready\"}]");
    mtv_err err;
    cr_assert_eq(k8s_patch(cl, &K8S_PLAN, "mtv", "p1", K8S_PATCH_MERGE, merge, NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(k8s_patch(cl, &K8S_PLAN, "mtv", "p1", K8S_PATCH_JSON, json, "status", NULL, &err), 0, "%s", err.msg);
    const ts_request *a = ts_request_at(srv, 0), *b = ts_request_at(srv, 1);
    cr_assert_str_eq(a->path, "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans/p1");
    cr_assert_str_eq(http_headers_get(&a->headers, "Content-Type"), "application/merge-patch+json");
    cr_assert_str_eq(a->body.buf, "{\"spec\":{\"warm\":true}}");
    cr_assert_str_eq(b->path, "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans/p1/status");
    cr_assert_str_eq(http_headers_get(&b->headers, "Content-Type"), "application/json-patch+json");
    cJSON_Delete(merge);
    cJSON_Delete(json);
}

Test(k8s_client, replace_conflict_is_k8s_conflict)
{
    const char *st = "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"Operation cannot be "
                     "fulfilled on plans.forklift.konveyor.io \\\"p1\\\": the object has been modified; "
                     "please apply your changes to the latest version and try again\",\"reason\":"
                     "\"Conflict\",\"code\":409}";
    ts_route_static(srv, "PUT", "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans/p1", 409,
                    "application/json", st, strlen(st));
    cJSON *obj = cJSON_Parse("{\"metadata\":{\"name\":\"p1\",\"resourceVersion\":\"5\"}}");
    mtv_err err;
    cr_assert_eq(k8s_replace(cl, &K8S_PLAN, NULL, NULL, obj, NULL, NULL, &err), K8S_CONFLICT);
    cr_assert(strstr(err.msg, "Plan mtv/p1: 409 Conflict: Operation cannot be fulfilled"), "%s", err.msg);
    cr_assert_eq(ts_count(srv), 1);   /* PUT is not retried on 409 by the transport */
    cJSON_Delete(obj);
}

/* An object whose resourceVersion moves under the client: the first PUT
 * conflicts, as if another writer got there between GET and PUT. */
typedef struct racy {
    atomic_int version;
    atomic_int puts;
} racy;

static void racy_handler(void *ud, const ts_request *req, ts_response *resp)
{
    racy *r = ud;
    char b[256];
    if (!strcmp(req->method, "GET")) {
        int v = atomic_load(&r->version);
        snprintf(b, sizeof b, "{\"kind\":\"Plan\",\"metadata\":{\"name\":\"p1\",\"resourceVersion\":\"%d\","
                 "\"labels\":{\"n\":\"%d\"}}}", v, v);
        ts_resp_body(resp, "application/json", b, strlen(b));
        return;
    }
    int puts = atomic_fetch_add(&r->puts, 1);
    cJSON *sent = cJSON_ParseWithLength(req->body.buf, req->body.len);
    int sent_rv = atoi(k8s_obj_str(sent, "metadata.resourceVersion"));
    cJSON_Delete(sent);
    if (puts == 0)
        atomic_fetch_add(&r->version, 1);   /* someone else wrote first */
    if (sent_rv != atomic_load(&r->version)) {
        const char *st = "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"the object has "
                         "been modified\",\"reason\":\"Conflict\",\"code\":409}";
        resp->status = 409;
        ts_resp_body(resp, "application/json", st, strlen(st));
        return;
    }
    atomic_fetch_add(&r->version, 1);
    ts_resp_body(resp, "application/json", req->body.buf, req->body.len);
}

typedef struct mutation {
    int calls;
    int result;
    strbuf seen;
} mutation;

static int add_label(void *ud, cJSON *obj, mtv_err *err)
{
    (void)err;
    mutation *m = ud;
    m->calls++;
    sb_addf(&m->seen, "%s;", k8s_obj_str(obj, "metadata.resourceVersion"));
    cJSON *labels = cJSON_GetObjectItem(cJSON_GetObjectItem(obj, "metadata"), "labels");
    cJSON_AddStringToObject(labels, "validated", "yes");
    return m->result;
}

Test(k8s_client, update_retries_a_conflict_on_a_fresh_read)
{
    racy r = {0};
    atomic_store(&r.version, 10);
    ts_route(srv, NULL, "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans/p1", racy_handler, &r);
    mutation m = {0};
    mtv_err err;
    cr_assert_eq(k8s_update(cl, &K8S_PLAN, "mtv", "p1", add_label, &m, &err), 0, "%s", err.msg);
    cr_assert_eq(m.calls, 2);
    cr_assert_str_eq(m.seen.buf, "10;11;");
    cr_assert_eq(atomic_load(&r.puts), 2);
    const ts_request *last = ts_request_at(srv, ts_count(srv) - 1);
    cr_assert_str_eq(last->method, "PUT");
    cr_assert(tu_contains(last->body.buf, last->body.len, "\"validated\":\"yes\""));
    sb_release(&m.seen);
}

Test(k8s_client, update_with_nothing_to_change_writes_nothing)
{
    racy r = {0};
    ts_route(srv, NULL, "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans/p1", racy_handler, &r);
    mutation m = {.result = 1};
    mtv_err err;
    cr_assert_eq(k8s_update(cl, &K8S_PLAN, "mtv", "p1", add_label, &m, &err), 0, "%s", err.msg);
    cr_assert_eq(atomic_load(&r.puts), 0);
    m.result = -1;
    cr_assert_eq(k8s_update(cl, &K8S_PLAN, "mtv", "p1", add_label, &m, &err), -1);
    cr_assert_eq(atomic_load(&r.puts), 0);
    sb_release(&m.seen);
}

Test(k8s_client, delete_sends_the_propagation_policy)
{
    ts_route_static(srv, "DELETE", "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans/p1", 200,
                    "application/json", "{\"kind\":\"Status\",\"status\":\"Success\"}", 35);
    ts_route_static(srv, "DELETE", "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans/nope", 404,
                    "application/json", STATUS_404, strlen(STATUS_404));
    mtv_err err;
    cr_assert_eq(k8s_delete(cl, &K8S_PLAN, "mtv", "p1", "Foreground", &err), 0, "%s", err.msg);
    const ts_request *r = ts_request_at(srv, 0);
    cJSON *body = cJSON_ParseWithLength(r->body.buf, r->body.len);
    cr_assert_str_eq(k8s_obj_str(body, "propagationPolicy"), "Foreground");
    cr_assert_str_eq(k8s_obj_str(body, "kind"), "DeleteOptions");
    cJSON_Delete(body);
    cr_assert_eq(k8s_delete(cl, &K8S_PLAN, "mtv", "nope", NULL, &err), K8S_NOT_FOUND);
    cr_assert_eq(ts_request_at(srv, 1)->body.len, 0);
}

static void setup_tls(void) { start(TS_HTTPS); }
TestSuite(k8s_client_tls, .init = setup_tls, .fini = teardown);

Test(k8s_client_tls, https_with_the_kubeconfig_ca)
{
    ts_route_static(srv, "GET", "/version", 200, "application/json", "{\"minor\":\"32\"}", 14);
    cJSON *v = NULL;
    mtv_err err;
    cr_assert_eq(k8s_get_raw(cl, "/version", &v, &err), 0, "%s", err.msg);
    cr_assert_str_eq(k8s_obj_str(v, "minor"), "32");
    cJSON_Delete(v);
}

Test(k8s_client, a_config_without_a_server_is_refused)
{
    kube_config empty = {0};
    k8s_client *c = (k8s_client *)1;
    mtv_err err;
    cr_assert_eq(k8s_client_new(&c, &empty, tp, &err), -1);
    cr_assert_null(c);
    cr_assert(strstr(err.msg, "names no API server"), "%s", err.msg);
    empty.server = "ftp://x";
    cr_assert_eq(k8s_client_new(&c, &empty, tp, &err), -1);
    cr_assert(strstr(err.msg, "not an http:// or https:// URL"), "%s", err.msg);
}

/* ---- object helpers ------------------------------------------------------------ */

Test(k8s_objects, dotted_paths_and_conditions)
{
    cJSON *o = cJSON_Parse("{\"metadata\":{\"name\":\"p1\",\"generation\":3},"
                           "\"status\":{\"observedGeneration\":3,\"conditions\":["
                           "{\"type\":\"Ready\",\"status\":\"True\"},"
                           "{\"type\":\"Critical\",\"status\":\"False\",\"observedGeneration\":3}]}}");
    cr_assert_str_eq(k8s_obj_str(o, "metadata.name"), "p1");
    cr_assert_str_eq(k8s_obj_str(o, "status.conditions.1.type"), "Critical");
    cr_assert_null(k8s_obj_str(o, "metadata.generation"));
    cr_assert_null(k8s_obj_str(o, "metadata.nope.deeper"));
    cr_assert_not_null(k8s_condition(o, "Critical"));
    cr_assert_null(k8s_condition(o, "Succeeded"));
    cr_assert_eq(k8s_condition_true(o, "Ready"), 1);
    cr_assert_eq(k8s_condition_true(o, "Critical"), 0);
    /* a newer spec the controller has not seen: Ready is stale */
    cJSON_SetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "metadata"), "generation"), 4);
    cr_assert_eq(k8s_condition_true(o, "Ready"), 0);
    cJSON_Delete(o);
    cr_assert_null(k8s_condition(NULL, "Ready"));
    cr_assert_eq(k8s_condition_true(NULL, "Ready"), 0);
}
