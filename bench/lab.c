/* bench_lab: how fast and how big the lab is.
 *
 *   1. memory: resident set size with 10,000 Plans stored, each carrying the
 *      spec and status of a real captured Plan (a synthetic spec without
 *      ../shared), created and then status-written as the controller does;
 *   2. GET requests per second on loopback through the whole stack (TLS,
 *      libmicrohttpd, auth, routing, store), one keep-alive client, with
 *      the process pinned to one CPU so client and server share one core;
 *      the same over plain HTTP; and the in-process dispatch rate without
 *      sockets, as the ceiling.
 * The store keeps its default watch window (10,000 events), which holds
 * references to superseded versions, so memory is measured as served.
 * Targets (issue 4): >= 2,000 GET/s on one core, < 100 MB for 10,000 objects.
 * Prints numbers; asserts nothing. */
#include <curl/curl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lab/lab_server.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"

#define NOBJ 10000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

/* The spec (and, through *status, the status) of the first captured Plan. */
static cJSON *sample_spec(const char *shared, cJSON **status)
{
    *status = NULL;
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "%s/reference/forklift-cr-samples/console-plugin.plans.K8s.json", shared);
    json_doc doc;
    mtv_err err;
    cJSON *spec = NULL;
    if (json_doc_load(&doc, path.buf, JSON_STRICT, &err) == 0) {
        cJSON *item = cJSON_GetArrayItem(cJSON_GetObjectItem(doc.root, "items"), 0);
        spec = cJSON_Duplicate(cJSON_GetObjectItem(item, "spec"), 1);
        *status = cJSON_Duplicate(cJSON_GetObjectItem(item, "status"), 1);
        json_doc_free(&doc);
    }
    sb_release(&path);
    if (!spec)
        spec = cJSON_Parse("{\"provider\":{\"source\":{\"name\":\"vsphere\",\"namespace\":\"mtv\"},"
                           "\"destination\":{\"name\":\"host\",\"namespace\":\"mtv\"}},\"map\":{"
                           "\"network\":{\"name\":\"n\",\"namespace\":\"mtv\"},\"storage\":{\"name\":"
                           "\"s\",\"namespace\":\"mtv\"}},\"targetNamespace\":\"t\",\"vms\":[{\"id\":"
                           "\"vm-1\",\"name\":\"a\"},{\"id\":\"vm-2\",\"name\":\"b\"}]}");
    return spec;
}

static size_t discard(char *p, size_t s, size_t n, void *ud)
{
    (void)p;
    *(size_t *)ud += s * n;
    return s * n;
}

static void http_rate(lab_server *srv, const char *label, const char *ca_file, double seconds)
{
    CURL *c = curl_easy_init();
    char url[512], auth[512];
    snprintf(url, sizeof url, "%s/apis/forklift.konveyor.io/v1beta1/namespaces/ns-2/plans/plan-42",
             lab_server_url(srv));
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", lab_server_token(srv));
    struct curl_slist *h = curl_slist_append(NULL, auth);
    size_t bytes = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &bytes);
    long n = 0, bad = 0;
    double t0 = now_s(), t;
    do {
        long code = 0;
        if (curl_easy_perform(c) != CURLE_OK ||
            (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code), code != 200))
            bad++;
        n++;
        t = now_s();
    } while (t - t0 < seconds);
    printf("  %-34s %8.0f GET/s  (%ld requests, %ld failed, %zu bytes each)\n", label,
           (double)n / (t - t0), n, bad, n ? bytes / (size_t)n : 0);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

static void dispatch_rate(lab_server *srv, double seconds)
{
    char auth[512];
    snprintf(auth, sizeof auth, "Bearer %s", lab_server_token(srv));
    long n = 0;
    double t0 = now_s(), t;
    do {
        lab_req req;
        lab_req_init(&req, "GET", "/apis/forklift.konveyor.io/v1beta1/namespaces/ns-2/plans/plan-42");
        lab_req_add_header(&req, "Authorization", auth);
        lab_resp resp;
        lab_resp_init(&resp);
        lab_httpd_dispatch(lab_server_httpd(srv), &req, &resp);
        lab_resp_release(&resp);
        lab_req_release(&req);
        n++;
        t = now_s();
    } while (t - t0 < seconds);
    printf("  %-34s %8.0f GET/s\n", "in-process dispatch (no socket)", (double)n / (t - t0));
}

static lab_server *start(const char *crds, int plain, mtv_err *err)
{
    lab_server_config cfg = {.crds_dir = crds, .plain_http = plain};
    lab_server *srv;
    if (lab_server_new(&cfg, &srv, err) < 0 || lab_server_start(srv, err) < 0)
        return NULL;
    return srv;
}

static void fill(lab_server *srv, const cJSON *spec, const cJSON *status)
{
    lab_store *st = lab_server_store(srv);
    const lab_kind *ns = lab_kinds_find(lab_server_kinds(srv), "", "v1", "namespaces");
    const lab_kind *plan = lab_kinds_find(lab_server_kinds(srv), "forklift.konveyor.io", "v1beta1",
                                          "plans");
    char name[64];
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "{\"metadata\":{\"name\":\"ns-%d\"}}", i);
        lab_result r;
        lab_store_create(st, ns, NULL, cJSON_Parse(name), NULL, &r);
        lab_result_release(&r);
    }
    for (int i = 0; i < NOBJ; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON *m = cJSON_AddObjectToObject(o, "metadata");
        snprintf(name, sizeof name, "plan-%d", i);
        cJSON_AddStringToObject(m, "name", name);
        cJSON *labels = cJSON_AddObjectToObject(m, "labels");
        cJSON_AddStringToObject(labels, "batch", i % 2 ? "odd" : "even");
        cJSON_AddItemToObject(o, "spec", cJSON_Duplicate(spec, 1));
        snprintf(name, sizeof name, "ns-%d", i % 10);
        lab_result r;
        lab_store_create(st, plan, name, o, NULL, &r);
        if (r.code != 201) {
            fprintf(stderr, "create failed: %d\n", r.code);
            exit(1);
        }
        char *obj_name = strdup(r.obj->name);
        lab_result_release(&r);
        if (status) {
            /* the controller's status, written through /status as it does */
            cJSON *patch = cJSON_CreateObject();
            cJSON_AddItemToObject(patch, "status", cJSON_Duplicate(status, 1));
            lab_write_opts wo = {.subresource = "status"};
            lab_store_patch(st, plan, name, obj_name, LAB_PATCH_MERGE, patch, &wo, &r);
            if (r.code != 200) {
                fprintf(stderr, "status write failed: %d %s\n", r.code,
                        cJSON_PrintUnformatted(r.status));
                exit(1);
            }
            lab_result_release(&r);
            cJSON_Delete(patch);
        }
        free(obj_name);
    }
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const char *shared = getenv("MTV_SHARED_DIR") ? getenv("MTV_SHARED_DIR") : MTV_SOURCE_DIR "/../shared";
    strbuf crds = STRBUF_INIT;
    sb_addf(&crds, "%s/reference/forklift-crds", shared);
    const char *crd_dir = fs_is_dir(crds.buf) ? crds.buf : NULL;
    cJSON *status;
    cJSON *spec = sample_spec(shared, &status);
    log_set_level(LOG_WARN);
    mtv_err err;
    mtv_err_clear(&err);

    long before = rss_kb();
    lab_server *srv = start(crd_dir, 0, &err);
    if (!srv) {
        fprintf(stderr, "bench_lab: %s\n", err.msg);
        return 1;
    }
    long started = rss_kb();
    double t0 = now_s();
    fill(srv, spec, status);
    double t1 = now_s();
    long filled = rss_kb();
    lab_result probe;
    lab_store_get(lab_server_store(srv), lab_kinds_find(lab_server_kinds(srv),
                  "forklift.konveyor.io", "v1beta1", "plans"), "ns-2", "plan-42", &probe);
    printf("bench_lab: %d Plans of %zu bytes each (spec and status of a captured Plan), schema "
           "validation %s\n", NOBJ, probe.obj ? probe.obj->len : 0,
           crd_dir ? "on: ../shared CRDs" : "off: no ../shared");
    lab_result_release(&probe);
    printf("  %-34s %8.1f MB  (server alone %.1f MB; target < 100 MB)\n", "RSS with 10,000 objects",
           (double)filled / 1024, (double)(started - before) / 1024);
    printf("  %-34s %8.1f MB\n", "growth for 10,000 objects", (double)(filled - started) / 1024);
    printf("  %-34s %8.0f objects/s\n", "create + status write", NOBJ / (t1 - t0));

    cpu_set_t one_cpu;
    CPU_ZERO(&one_cpu);
    CPU_SET(sched_getcpu(), &one_cpu);
    int pinned = sched_setaffinity(0, sizeof one_cpu, &one_cpu) == 0;
    printf("GET one Plan, one keep-alive client%s (target >= 2,000/s on one core):\n",
           pinned ? ", process pinned to one CPU" : "");
    char ca[512];
    snprintf(ca, sizeof ca, "%s/lab-bench-ca.%d.pem", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid());
    fs_write_atomic(ca, lab_server_ca_pem(srv), strlen(lab_server_ca_pem(srv)), &err);
    http_rate(srv, "HTTPS (verified against the lab CA)", ca, 3.0);
    remove(ca);
    dispatch_rate(srv, 1.0);
    lab_server_free(srv);

    lab_server *plain = start(NULL, 1, &err);
    if (plain) {
        fill(plain, spec, status);
        http_rate(plain, "plain HTTP", NULL, 2.0);
        lab_server_free(plain);
    }
    cJSON_Delete(spec);
    cJSON_Delete(status);
    sb_release(&crds);
    curl_global_cleanup();
    return 0;
}
