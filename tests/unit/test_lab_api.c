/* Unit tests for lab_api through lab_httpd_dispatch, without sockets: the
 * requests kubectl sends and the answers it needs (discovery in both forms,
 * Tables, OpenAPI v3, protobuf namespaces, Status errors, 422 from the real
 * Forklift CRDs, watches with bookmarks and 410), plus authentication. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "lab/lab_server.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/json.h"

static lab_server *srv;
static char auth[256];

/* A clock that stands still, so the ages Tables render do not depend on how
 * loaded the machine is. */
static time_t frozen(void *ud)
{
    (void)ud;
    return 1795000000;
}

static void start(const char *crds)
{
    lab_server_config cfg = {.crds_dir = crds, .bookmark_interval_ms = 200, .event_window = 64,
                             .now = frozen};
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(lab_server_new(&cfg, &srv, &err), 0, "%s", err.msg);
    snprintf(auth, sizeof auth, "Bearer %s", lab_server_token(srv));
}

static void setup_plain(void)
{
    start(NULL);
}

static void setup_crds(void)
{
    tu_require_shared();
    start(tu_shared("reference/forklift-crds"));
}

static void teardown(void)
{
    lab_server_free(srv);
    srv = NULL;
}

typedef struct answer {
    lab_resp r;
    cJSON *json;
} answer;

static answer call(const char *method, const char *target, const char *ctype, const void *body,
                   size_t body_len, const char *accept)
{
    lab_req req;
    lab_req_init(&req, method, target);
    lab_req_add_header(&req, "Authorization", auth);
    if (ctype)
        lab_req_add_header(&req, "Content-Type", ctype);
    if (accept)
        lab_req_add_header(&req, "Accept", accept);
    if (body)
        lab_req_set_body(&req, body, body_len);
    answer a;
    lab_resp_init(&a.r);
    lab_httpd_dispatch(lab_server_httpd(srv), &req, &a.r);
    lab_req_release(&req);
    a.json = a.r.stream ? NULL : cJSON_ParseWithLength(a.r.body.buf ? a.r.body.buf : "", a.r.body.len);
    return a;
}

static answer get(const char *target, const char *accept)
{
    return call("GET", target, NULL, NULL, 0, accept);
}

static answer send_json(const char *method, const char *target, const char *ctype, const char *body)
{
    return call(method, target, ctype ? ctype : "application/json", body, strlen(body), NULL);
}

static void done(answer *a)
{
    cJSON_Delete(a->json);
    lab_resp_release(&a->r);
}

static const char *str_at(const cJSON *j, const char *path)
{
    const cJSON *cur = j;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save, *t = strtok_r(buf, ".", &save); t && cur; t = strtok_r(NULL, ".", &save)) {
        if (cJSON_IsArray(cur))
            cur = cJSON_GetArrayItem(cur, atoi(t));
        else
            cur = cJSON_GetObjectItemCaseSensitive(cur, t);
    }
    return cJSON_IsString(cur) ? cur->valuestring : NULL;
}

static const cJSON *resource(const cJSON *list, const char *name)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(list, "resources"))
    {
        if (!strcmp(str_at(r, "name") ? str_at(r, "name") : "", name))
            return r;
    }
    return NULL;
}

TestSuite(lab_api, .init = setup_plain, .fini = teardown);
TestSuite(lab_api_crds, .init = setup_crds, .fini = teardown);

Test(lab_api, legacy_discovery)
{
    answer a = get("/api?timeout=32s", NULL);
    cr_assert_eq(a.r.status, 200);
    cr_assert_str_eq(str_at(a.json, "versions.0"), "v1");
    done(&a);
    a = get("/api/v1", NULL);
    const cJSON *ns = resource(a.json, "namespaces");
    cr_assert_not_null(ns);
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(ns, "namespaced")));
    cr_assert_str_eq(str_at(ns, "shortNames.0"), "ns");
    cr_assert_str_eq(str_at(ns, "kind"), "Namespace");
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(resource(a.json, "secrets"), "namespaced")));
    cr_assert_not_null(resource(a.json, "namespaces/status"));
    done(&a);
    a = get("/apis", NULL);
    char *txt = cJSON_PrintUnformatted(a.json);
    cr_assert(strstr(txt, "{\"name\":\"forklift.konveyor.io\",\"versions\":[{\"groupVersion\":"
                          "\"forklift.konveyor.io/v1beta1\",\"version\":\"v1beta1\"}]"), "%s", txt);
    cr_assert(strstr(txt, "\"kubevirt.io\"") && strstr(txt, "\"cdi.kubevirt.io\"") &&
              strstr(txt, "\"k8s.cni.cncf.io\"") && strstr(txt, "\"operators.coreos.com\"") &&
              strstr(txt, "\"route.openshift.io\"") && strstr(txt, "\"config.openshift.io\""));
    free(txt);
    done(&a);
    a = get("/apis/forklift.konveyor.io/v1beta1", NULL);
    const cJSON *plans = resource(a.json, "plans");
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(plans, "namespaced")));
    cr_assert_str_eq(str_at(plans, "singularName"), "plan");
    cr_assert_not_null(resource(a.json, "plans/status"));
    cr_assert_null(resource(a.json, "ovirtvolumepopulators/status"));
    done(&a);
    a = get("/apis/nope.io/v1", NULL);
    cr_assert_eq(a.r.status, 404);
    done(&a);
}

Test(lab_api, aggregated_discovery)
{
    const char *accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                         "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
                         "application/json";
    answer a = get("/apis?timeout=32s", accept);
    cr_assert_str_eq(lab_resp_header_get(&a.r, "Content-Type"),
                     "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    cr_assert_str_eq(str_at(a.json, "kind"), "APIGroupDiscoveryList");
    const cJSON *g, *found = NULL;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(a.json, "items"))
    {
        if (!strcmp(str_at(g, "metadata.name"), "forklift.konveyor.io"))
            found = g;
    }
    cr_assert_not_null(found);
    const cJSON *r = NULL, *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(found,
                       "versions"), 0), "resources"))
    {
        if (!strcmp(str_at(it, "resource"), "plans"))
            r = it;
    }
    cr_assert_not_null(r);
    cr_assert_str_eq(str_at(r, "scope"), "Namespaced");
    cr_assert_str_eq(str_at(r, "responseKind.kind"), "Plan");
    cr_assert_str_eq(str_at(r, "subresources.0.subresource"), "status");
    done(&a);
    a = get("/api", "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
    cr_assert(strstr(lab_resp_header_get(&a.r, "Content-Type"), "v=v2beta1"));
    cr_assert_null(str_at(a.json, "items.0.metadata.name"), "the core group has no name");
    done(&a);
}

Test(lab_api, version_with_and_without_slash_is_public)
{
    auth[0] = '\0';
    answer a = get("/version", NULL);
    cr_assert_eq(a.r.status, 200);
    cr_assert_str_eq(str_at(a.json, "minor"), "32");
    done(&a);
    a = get("/version/", NULL);
    cr_assert_eq(a.r.status, 200);
    done(&a);
    a = get("/api/v1/namespaces", NULL);
    cr_assert_eq(a.r.status, 401, "the API needs a token");
    cr_assert_str_eq(str_at(a.json, "reason"), "Unauthorized");
    done(&a);
    snprintf(auth, sizeof auth, "Bearer sha256~wrong");
    a = get("/api/v1/namespaces", NULL);
    cr_assert_eq(a.r.status, 401);
    done(&a);
}

Test(lab_api, tables_for_kubectl_get)
{
    const char *table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;"
                        "v=v1beta1;g=meta.k8s.io,application/json";
    answer a = get("/api/v1/namespaces?limit=500", table);
    cr_assert_str_eq(str_at(a.json, "kind"), "Table");
    cr_assert_str_eq(str_at(a.json, "columnDefinitions.1.name"), "Status");
    cr_assert_str_eq(str_at(a.json, "rows.0.cells.0"), "default");
    cr_assert_str_eq(str_at(a.json, "rows.0.cells.1"), "Active");
    cr_assert_str_eq(str_at(a.json, "rows.0.cells.2"), "0s");
    cr_assert_str_eq(str_at(a.json, "rows.0.object.kind"), "PartialObjectMetadata");
    cr_assert_not_null(str_at(a.json, "metadata.resourceVersion"));
    done(&a);
    a = get("/api/v1/namespaces?includeObject=Object", table);
    cr_assert_str_eq(str_at(a.json, "rows.0.object.kind"), "Namespace");
    done(&a);
    a = get("/api/v1/namespaces/default", table);
    cr_assert_str_eq(str_at(a.json, "kind"), "Table");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(a.json, "rows")), 1);
    done(&a);
    a = get("/api/v1/namespaces", "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io");
    cr_assert_str_eq(str_at(a.json, "kind"), "PartialObjectMetadataList");
    done(&a);
    a = get("/apis/forklift.konveyor.io/v1beta1/plans?limit=500", NULL);
    cr_assert_eq(a.r.status, 200, "an empty list is a list");
    cr_assert_str_eq(str_at(a.json, "kind"), "PlanList");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(a.json, "items")), 0);
    done(&a);
    a = get("/api/v1/namespaces", "application/vnd.kubernetes.protobuf");
    cr_assert_eq(a.r.status, 406);
    done(&a);
}

Test(lab_api, create_namespace_from_kubectls_protobuf)
{
    /* the 53 bytes `kubectl create ns x1` sends (shared/research/kubectl-needs.md 8.1) */
    static const unsigned char body[] = {
        0x6b, 0x38, 0x73, 0x00, 0x0a, 0x0f, 0x0a, 0x02, 'v', '1', 0x12, 0x09, 'N', 'a', 'm', 'e',
        's', 'p', 'a', 'c', 'e', 0x12, 0x1a, 0x0a, 0x12, 0x0a, 0x02, 'x', '1', 0x12, 0x00, 0x1a,
        0x00, 0x22, 0x00, 0x2a, 0x00, 0x32, 0x00, 0x38, 0x00, 0x42, 0x00, 0x12, 0x00, 0x1a, 0x02,
        0x0a, 0x00, 0x1a, 0x00, 0x22, 0x00};
    cr_assert_eq(sizeof body, 53);
    answer a = call("POST", "/api/v1/namespaces?fieldManager=kubectl-create&fieldValidation=Strict",
                    "application/vnd.kubernetes.protobuf", body, sizeof body,
                    "application/vnd.kubernetes.protobuf,application/json");
    cr_assert_eq(a.r.status, 201, "%s", a.r.body.buf);
    cr_assert_str_eq(lab_resp_header_get(&a.r, "Content-Type"), "application/json");
    cr_assert_str_eq(str_at(a.json, "metadata.name"), "x1");
    cr_assert_str_eq(str_at(a.json, "status.phase"), "Active");
    done(&a);
    a = call("POST", "/api/v1/namespaces", "application/vnd.kubernetes.protobuf", body, sizeof body,
             NULL);
    cr_assert_eq(a.r.status, 409);
    cr_assert_str_eq(str_at(a.json, "message"), "namespaces \"x1\" already exists");
    done(&a);
    a = call("POST", "/api/v1/namespaces", "application/vnd.kubernetes.protobuf", "junk", 4, NULL);
    cr_assert_eq(a.r.status, 415);
    done(&a);
}

Test(lab_api, status_errors_and_patches)
{
    answer a = get("/apis/forklift.konveyor.io/v1beta1/namespaces/default/plans/nope", NULL);
    cr_assert_eq(a.r.status, 404);
    char *txt = cJSON_PrintUnformatted(a.json);
    cr_assert_str_eq(txt, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":"
                          "\"Failure\",\"message\":\"plans.forklift.konveyor.io \\\"nope\\\" not "
                          "found\",\"reason\":\"NotFound\",\"details\":{\"name\":\"nope\",\"group\":"
                          "\"forklift.konveyor.io\",\"kind\":\"plans\"},\"code\":404}");
    free(txt);
    done(&a);
    a = send_json("POST", "/api/v1/namespaces/default/configmaps", NULL,
                  "{\"metadata\":{\"name\":\"c\",\"labels\":{\"k\":\"v\"}},\"data\":{\"a\":\"1\"}}");
    cr_assert_eq(a.r.status, 201);
    done(&a);
    a = send_json("PATCH", "/api/v1/namespaces/default/configmaps/c",
                  "application/strategic-merge-patch+json",
                  "{\"data\":{\"b\":\"2\"},\"$setElementOrder/x\":[]}");
    cr_assert_eq(a.r.status, 200, "built-in kinds take strategic merge patches");
    cr_assert_str_eq(str_at(a.json, "data.b"), "2");
    done(&a);
    a = send_json("POST", "/apis/forklift.konveyor.io/v1beta1/namespaces/default/hooks", NULL,
                  "{\"metadata\":{\"name\":\"h\"},\"spec\":{\"image\":\"x\"}}");
    cr_assert_eq(a.r.status, 201);
    done(&a);
    a = send_json("PATCH", "/apis/forklift.konveyor.io/v1beta1/namespaces/default/hooks/h",
                  "application/strategic-merge-patch+json", "{\"spec\":{\"image\":\"y\"}}");
    cr_assert_eq(a.r.status, 415, "custom resources refuse strategic merge");
    cr_assert(strstr(str_at(a.json, "message"), "accepted media types include: "
                                                "application/json-patch+json"));
    done(&a);
    a = send_json("PATCH", "/apis/forklift.konveyor.io/v1beta1/namespaces/default/hooks/h",
                  "application/json-patch+json", "[{\"op\":\"test\",\"path\":\"/spec/image\","
                  "\"value\":\"nope\"}]");
    cr_assert_eq(a.r.status, 422);
    done(&a);
    a = send_json("DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=k%3Dv", NULL, "");
    cr_assert_eq(a.r.status, 200);
    cr_assert_str_eq(str_at(a.json, "items.0.metadata.name"), "c");
    done(&a);
    a = get("/api/v1/namespaces/default/configmaps/c", NULL);
    cr_assert_eq(a.r.status, 404);
    done(&a);
    a = get("/api/v1/namespaces/default/configmaps?fieldSelector=spec.x%3D1", NULL);
    cr_assert_eq(a.r.status, 400);
    cr_assert_str_eq(str_at(a.json, "message"), "field label not supported: spec.x");
    done(&a);
    a = send_json("PUT", "/api/v1/namespaces/default/configmaps", NULL, "{}");
    cr_assert_eq(a.r.status, 405);
    done(&a);
}

static char *read_stream(lab_resp *r, int calls)
{
    strbuf out = STRBUF_INIT;
    char buf[65536];
    for (int i = 0; i < calls; i++) {
        long n = r->stream(r->stream_ctx, buf, sizeof buf, 100);
        if (n < 0)
            break;
        sb_add(&out, buf, (size_t)n);
    }
    char *s = sb_detach(&out, NULL);
    return s ? s : strdup("");
}

Test(lab_api, watch_streams_events_bookmarks_and_410)
{
    answer a = get("/api/v1/namespaces/default", NULL);
    const char *rv0 = str_at(a.json, "metadata.resourceVersion");
    char url[256];
    snprintf(url, sizeof url, "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=%s"
             "&allowWatchBookmarks=true", rv0);
    answer w = get(url, NULL);
    done(&a);
    cr_assert_not_null(w.r.stream);
    cr_assert_str_eq(lab_resp_header_get(&w.r, "Content-Type"), "application/json");
    a = send_json("POST", "/api/v1/namespaces/default/configmaps", NULL, "{\"metadata\":{\"name\":\"w1\"}}");
    done(&a);
    a = send_json("PATCH", "/api/v1/namespaces/default/configmaps/w1", "application/merge-patch+json",
                  "{\"data\":{\"x\":\"y\"}}");
    done(&a);
    char *events = read_stream(&w.r, 6);
    cr_assert(strstr(events, "{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":"
                             "\"ConfigMap\",\"metadata\":{\"name\":\"w1\""), "%s", events);
    cr_assert(strstr(events, "{\"type\":\"MODIFIED\""), "%s", events);
    cr_assert(strstr(events, "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"ConfigMap\","
                             "\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\""), "%s",
              events);
    free(events);
    done(&w);

    for (int i = 0; i < 80; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"metadata\":{\"name\":\"f%d\"}}", i);
        a = send_json("POST", "/api/v1/namespaces/default/configmaps", NULL, body);
        done(&a);
    }
    w = get(url, NULL);
    cr_assert_eq(w.r.status, 200, "expiry is reported in-band");
    events = read_stream(&w.r, 3);
    cr_assert(strstr(events, "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":"
                             "\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old "
                             "resource version: "), "%s", events);
    cr_assert(strstr(events, "\"reason\":\"Expired\",\"details\":{},\"code\":410}}"), "%s", events);
    free(events);
    done(&w);
}

Test(lab_api, watch_of_one_name_starts_with_its_state_as_a_table)
{
    answer a = send_json("POST", "/api/v1/namespaces/default/configmaps", NULL,
                         "{\"metadata\":{\"name\":\"one\"}}");
    done(&a);
    a = send_json("POST", "/api/v1/namespaces/default/configmaps", NULL,
                  "{\"metadata\":{\"name\":\"two\"}}");
    done(&a);
    answer w = get("/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Done"
                   "&resourceVersion=0&watch=true",
                   "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
    a = send_json("PATCH", "/api/v1/namespaces/default/configmaps/one",
                  "application/merge-patch+json", "{\"data\":{\"x\":\"1\"}}");
    done(&a);
    a = send_json("PATCH", "/api/v1/namespaces/default/configmaps/two",
                  "application/merge-patch+json", "{\"data\":{\"x\":\"1\"}}");
    done(&a);
    char *events = read_stream(&w.r, 4);
    char *first = strstr(events, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Table\"");
    cr_assert_not_null(first, "%s", events);
    cr_assert(strstr(first, "\"columnDefinitions\":[{\"name\":\"Name\""), "%s", events);
    char *second = strstr(first + 1, "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Table\"");
    cr_assert_not_null(second, "%s", events);
    cr_assert(strstr(second, "\"columnDefinitions\":[]"), "columns only in the first event");
    cr_assert_null(strstr(events, "\"two\""), "the field selector filters the stream");
    free(events);
    done(&w);
}

Test(lab_api, openapi_v3_is_what_kubectl_validation_needs)
{
    answer a = get("/openapi/v3?timeout=32s", NULL);
    const char *url = str_at(cJSON_GetObjectItem(cJSON_GetObjectItem(a.json, "paths"),
                                                 "apis/forklift.konveyor.io/v1beta1"),
                             "serverRelativeURL");
    cr_assert_not_null(url);
    cr_assert(!strncmp(url, "/openapi/v3/apis/forklift.konveyor.io/v1beta1?hash=", 51));
    char target[512];
    snprintf(target, sizeof target, "%s&timeout=32s", url);
    answer d = get(target, NULL);
    cr_assert_eq(d.r.status, 200);
    const cJSON *patch = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(d.json, "paths"),
                            "/apis/forklift.konveyor.io/v1beta1/namespaces/{namespace}/plans/{name}"),
        "patch");
    cr_assert_not_null(patch);
    cr_assert_str_eq(str_at(patch, "x-kubernetes-group-version-kind.kind"), "Plan");
    int has_fv = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(patch, "parameters"))
    {
        has_fv |= !strcmp(str_at(p, "name"), "fieldValidation");
    }
    cr_assert(has_fv);
    cr_assert_not_null(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(d.json,
                       "components"), "schemas"), "io.konveyor.forklift.v1beta1.Plan"));
    done(&d);
    cr_assert_not_null(cJSON_GetObjectItem(cJSON_GetObjectItem(a.json, "paths"), "api/v1"));
    done(&a);
    a = get("/openapi/v2", NULL);
    cr_assert_eq(a.r.status, 404);
    done(&a);
}

/* ---- with the real Forklift CRDs ---- */

static void ensure_ns(const char *ns)
{
    char body[256];
    snprintf(body, sizeof body, "{\"metadata\":{\"name\":\"%s\"}}", ns);
    answer a = send_json("POST", "/api/v1/namespaces", NULL, body);
    cr_assert(a.r.status == 201 || a.r.status == 409);
    done(&a);
}

Test(lab_api_crds, every_sample_spec_can_be_created)
{
    const char *files[] = {"providers", "networkmaps", "storagemaps", "plans", "migrations"};
    int created = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char rel[256];
        snprintf(rel, sizeof rel, "reference/forklift-cr-samples/console-plugin.%s.K8s.json",
                 files[f]);
        json_doc doc;
        mtv_err err;
        mtv_err_clear(&err);
        cr_assert_eq(json_doc_load(&doc, tu_shared(rel), JSON_STRICT, &err), 0, "%s", err.msg);
        const cJSON *item;
        cJSON_ArrayForEach(item, cJSON_GetObjectItem(doc.root, "items"))
        {
            const char *ns = str_at(item, "metadata.namespace");
            ensure_ns(ns);
            cJSON *obj = cJSON_CreateObject();
            cJSON_AddStringToObject(obj, "apiVersion", str_at(item, "apiVersion"));
            cJSON_AddStringToObject(obj, "kind", str_at(item, "kind"));
            cJSON *meta = cJSON_AddObjectToObject(obj, "metadata");
            cJSON_AddStringToObject(meta, "name", str_at(item, "metadata.name"));
            cJSON_AddItemToObject(obj, "spec",
                                  cJSON_Duplicate(cJSON_GetObjectItem(item, "spec"), 1));
            char *body = cJSON_PrintUnformatted(obj);
            char target[256];
            snprintf(target, sizeof target, "/apis/forklift.konveyor.io/v1beta1/namespaces/%s/%s"
                     "?fieldManager=kubectl-create&fieldValidation=Strict", ns, files[f]);
            answer a = send_json("POST", target, NULL, body);
            cr_assert_eq(a.r.status, 201, "%s %s: %s", files[f], str_at(item, "metadata.name"),
                         a.r.body.buf);
            cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(a.json,
                         "metadata"), "generation")), 1);
            created++;
            done(&a);
            free(body);
            cJSON_Delete(obj);
        }
        json_doc_free(&doc);
    }
    cr_assert_eq(created, 22, "6 providers, 4 network maps, 4 storage maps, 4 plans, 4 migrations");
}

static const char *plan_body =
    "{\"apiVersion\":\"forklift.konveyor.io/v1beta1\",\"kind\":\"Plan\",\"metadata\":{\"name\":"
    "\"p9\"},\"spec\":{\"provider\":{\"source\":{\"name\":\"vsphere\",\"namespace\":\"mtv\"},"
    "\"destination\":{\"name\":\"host\",\"namespace\":\"mtv\"}},\"map\":{\"network\":{\"name\":"
    "\"n\",\"namespace\":\"mtv\"},\"storage\":{\"name\":\"s\",\"namespace\":\"mtv\"}},"
    "\"targetNamespace\":\"target\",\"vms\":[{\"id\":\"vm-1\"}]%s}}";

Test(lab_api_crds, wrong_types_are_rejected_with_the_field_path)
{
    ensure_ns("mtv");
    char body[2048];
    snprintf(body, sizeof body, plan_body, ",\"warm\":\"yes\"");
    answer a = send_json("POST", "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans"
                                 "?fieldValidation=Strict", NULL, body);
    cr_assert_eq(a.r.status, 422);
    cr_assert_str_eq(str_at(a.json, "reason"), "Invalid");
    cr_assert_str_eq(str_at(a.json, "message"),
                     "Plan.forklift.konveyor.io \"p9\" is invalid: spec.warm: Invalid value: "
                     "\"string\": spec.warm in body must be of type boolean: \"string\"");
    cr_assert_str_eq(str_at(a.json, "details.kind"), "Plan");
    cr_assert_str_eq(str_at(a.json, "details.name"), "p9");
    cr_assert_str_eq(str_at(a.json, "details.causes.0.field"), "spec.warm");
    cr_assert_str_eq(str_at(a.json, "details.causes.0.reason"), "FieldValueTypeInvalid");
    done(&a);
    snprintf(body, sizeof body, plan_body, ",\"type\":\"teleport\",\"targetPowerState\":1");
    answer b = send_json("POST", "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans", NULL,
                         body);
    cr_assert_eq(b.r.status, 422);
    cr_assert_eq(cJSON_GetArraySize(str_at(b.json, "details.name") ?
                 cJSON_GetObjectItem(cJSON_GetObjectItem(b.json, "details"), "causes") : NULL) >= 2, 1);
    cr_assert(strstr(str_at(b.json, "message"), "[") && strstr(str_at(b.json, "message"),
              "spec.type: Unsupported value: \"teleport\": supported values: "),
              "several errors are listed in brackets: %s", str_at(b.json, "message"));
    done(&b);
}

Test(lab_api_crds, defaults_applied_unknown_fields_pruned_or_refused)
{
    ensure_ns("mtv");
    char body[2048];
    snprintf(body, sizeof body, plan_body, ",\"bogus\":1");
    answer a = send_json("POST", "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans"
                                 "?fieldValidation=Strict", NULL, body);
    cr_assert_eq(a.r.status, 400);
    cr_assert_str_eq(str_at(a.json, "message"), "Plan in version \"v1beta1\" cannot be handled as "
                                                "a Plan: strict decoding error: unknown field "
                                                "\"spec.bogus\"");
    done(&a);
    a = send_json("POST", "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans", NULL, body);
    cr_assert_eq(a.r.status, 201, "Warn is the default");
    cr_assert_str_eq(lab_resp_header_get(&a.r, "Warning"), "299 - \"unknown field \\\"spec.bogus\\\"\"");
    const cJSON *spec = cJSON_GetObjectItem(a.json, "spec");
    cr_assert_null(cJSON_GetObjectItem(spec, "bogus"), "pruned");
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(spec, "preserveStaticIPs")), "defaulted");
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(spec, "migrateSharedDisks")));
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(spec, "skipGuestConversion")));
    done(&a);
    /* an explicit false survives defaulting */
    a = send_json("PATCH", "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans/p9",
                  "application/merge-patch+json", "{\"spec\":{\"preserveStaticIPs\":false}}");
    cr_assert_eq(a.r.status, 200);
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(a.json, "spec"),
                                                "preserveStaticIPs")));
    cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(a.json, "metadata"),
                                                          "generation")), 2);
    done(&a);
    /* status writes are validated against the status schema */
    a = send_json("PATCH", "/apis/forklift.konveyor.io/v1beta1/namespaces/mtv/plans/p9/status",
                  "application/merge-patch+json",
                  "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}");
    cr_assert_eq(a.r.status, 422);
    cr_assert(strstr(str_at(a.json, "message"), "status.conditions[0].category: Required value"),
              "%s", str_at(a.json, "message"));
    done(&a);
}
