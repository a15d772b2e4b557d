/* bench_lab_mtv: how big the lab's MTV is with a large world, and how fast
 * it migrates.
 *
 *   1. memory: resident set size with a world of 1,000 vSphere VMs (two
 *      disks and two NICs each) loaded, a Provider connected and its
 *      inventory served (one detail=1 listing of every VM read through);
 *   2. time: a cold Plan of 100 of those VMs migrated at --speed 1000,
 *      from creating the Migration until the Plan's Succeeded condition,
 *      with the default in-flight limit of 20 VMs.
 * Everything goes through the lab's request dispatch in-process (auth,
 * admission webhooks, store, controller), without sockets, so the numbers
 * are the lab's and not the loopback's. Targets (issue 5): < 100 MB with
 * 1,000 VMs; the 100-VM plan in < 5 s. Prints numbers; asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lab/lab_mtv.h"
#include "lab/lab_server.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strbuf.h"

#define NVMS 1000
#define NPLAN 100
#define NS "openshift-mtv"
#define FK "/apis/forklift.konveyor.io/v1beta1/namespaces/" NS "/"

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

static void world(strbuf *w)
{
    sb_adds(w, "{\"networks\": [\"VM Network\", \"bench-net\"], \"vms\": [");
    for (int i = 0; i < NVMS; i++)
        sb_addf(w, "%s{\"name\": \"bench-vm-%04d\", \"cpus\": 2, \"cores_per_socket\": 1, "
                   "\"memory_mb\": 4096, \"guest_id\": \"rhel8_64Guest\", \"power\": \"on\", "
                   "\"tools\": true, \"disks\": [{\"size_gb\": 20}, {\"size_gb\": 50}], "
                   "\"nics\": [{\"network\": \"VM Network\", \"mac\": \"00:50:56:%02x:%02x:01\", "
                   "\"ip\": \"10.%d.%d.10\", \"prefix\": 16, \"origin\": \"manual\", "
                   "\"gateway\": \"10.%d.0.1\"}, {\"network\": \"bench-net\", "
                   "\"mac\": \"00:50:56:%02x:%02x:02\"}]}",
                i ? ", " : "", i, i / 256, i % 256, i / 256, i % 256, i / 256, i / 256, i % 256);
    sb_adds(w, "]}");
}

/* One API request in-process; returns the status and leaves the body in out. */
static int call(lab_server *srv, const char *method, const char *path, const char *body,
                strbuf *out)
{
    char auth[512];
    snprintf(auth, sizeof auth, "Bearer %s", lab_server_token(srv));
    lab_req req;
    lab_req_init(&req, method, path);
    lab_req_add_header(&req, "Authorization", auth);
    if (body) {
        lab_req_add_header(&req, "Content-Type", "application/json");
        lab_req_set_body(&req, body, strlen(body));
    }
    lab_resp resp;
    lab_resp_init(&resp);
    lab_httpd_dispatch(lab_server_httpd(srv), &req, &resp);
    int status = resp.status;
    if (out) {
        sb_reset(out);
        sb_add(out, resp.body.buf ? resp.body.buf : "", resp.body.len);
    }
    lab_resp_release(&resp);
    lab_req_release(&req);
    return status;
}

static void create(lab_server *srv, const char *plural, const char *body)
{
    strbuf out = STRBUF_INIT;
    strbuf path = STRBUF_INIT;
    if (!strcmp(plural, "secrets"))
        sb_addf(&path, "/api/v1/namespaces/" NS "/secrets");
    else
        sb_addf(&path, FK "%s", plural);
    int st = call(srv, "POST", path.buf, body, &out);
    if (st != 201) {
        fprintf(stderr, "bench_lab_mtv: create %s: %d %s\n", plural, st, sb_str(&out));
        exit(1);
    }
    sb_release(&out);
    sb_release(&path);
}

/* Polls an object until its status has a condition of that type. */
static int wait_cond(lab_server *srv, mtv_clock *clk, const char *plural, const char *name,
                     const char *type, double timeout_s)
{
    strbuf out = STRBUF_INIT, path = STRBUF_INIT, want = STRBUF_INIT;
    sb_addf(&path, FK "%s/%s", plural, name);
    sb_addf(&want, "\"type\":\"%s\"", type);
    double t0 = now_s();
    int ok = 0;
    while (!ok && now_s() - t0 < timeout_s) {
        ok = call(srv, "GET", path.buf, NULL, &out) == 200 && strstr(sb_str(&out), want.buf);
        if (!ok)
            clock_sleep_ms(clk, 5);
    }
    sb_release(&out);
    sb_release(&path);
    sb_release(&want);
    return ok;
}

static char *uid_of(lab_server *srv, const char *plural, const char *name)
{
    strbuf out = STRBUF_INIT, path = STRBUF_INIT;
    sb_addf(&path, FK "%s/%s", plural, name);
    call(srv, "GET", path.buf, NULL, &out);
    cJSON *o = cJSON_Parse(sb_str(&out));
    const char *uid = cJSON_GetStringValue(
        cJSON_GetObjectItem(cJSON_GetObjectItem(o, "metadata"), "uid"));
    char *r = strdup(uid ? uid : "");
    cJSON_Delete(o);
    sb_release(&out);
    sb_release(&path);
    return r;
}

int main(void)
{
    const char *shared = getenv("MTV_SHARED_DIR") ? getenv("MTV_SHARED_DIR") : MTV_SOURCE_DIR "/../shared";
    strbuf crds = STRBUF_INIT;
    sb_addf(&crds, "%s/reference/forklift-crds", shared);
    log_set_level(LOG_WARN);
    mtv_err err;
    mtv_err_clear(&err);
    mtv_clock *clk = clock_new_real();

    char dir[] = "/tmp/bench-lab-mtv.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    strbuf w = STRBUF_INIT, wpath = STRBUF_INIT, sdir = STRBUF_INIT;
    world(&w);
    sb_addf(&wpath, "%s/world.json", dir);
    sb_addf(&sdir, "%s/state", dir);
    if (fs_write_atomic(wpath.buf, w.buf, w.len, &err) < 0) {
        fprintf(stderr, "bench_lab_mtv: %s\n", err.msg);
        return 1;
    }
    size_t world_bytes = w.len;
    sb_release(&w);

    long before = rss_kb();
    lab_server_config cfg = {.crds_dir = fs_is_dir(crds.buf) ? crds.buf : NULL,
                             .state_dir = sdir.buf};
    lab_server *srv;
    lab_mtv *mtv = NULL;
    lab_mtv_config mc = {.world_path = wpath.buf, .speed = 1000};
    if (lab_server_new(&cfg, &srv, &err) < 0 || lab_mtv_attach(srv, &mc, &mtv, &err) < 0 ||
        lab_server_start(srv, &err) < 0 || lab_mtv_start(mtv, &err) < 0) {
        fprintf(stderr, "bench_lab_mtv: %s\n", err.msg);
        return 1;
    }
    long started = rss_kb();

    create(srv, "secrets", "{\"metadata\":{\"name\":\"vs\"},\"stringData\":{\"user\":\"u\","
                           "\"password\":\"p\",\"insecureSkipVerify\":\"true\"}}");
    create(srv, "providers", "{\"metadata\":{\"name\":\"vs\"},\"spec\":{\"type\":\"vsphere\","
                             "\"url\":\"https://vcenter.bench/sdk\",\"secret\":{\"name\":\"vs\","
                             "\"namespace\":\"" NS "\"}}}");
    double t0 = now_s();
    if (!wait_cond(srv, clk, "providers", "vs", "Ready", 60)) {
        fprintf(stderr, "bench_lab_mtv: the provider did not become Ready\n");
        return 1;
    }
    double ready_s = now_s() - t0;
    long connected = rss_kb();
    char *puid = uid_of(srv, "providers", "vs");
    strbuf inv = STRBUF_INIT, ipath = STRBUF_INIT;
    sb_addf(&ipath, "/providers/vsphere/%s/vms?detail=1", puid);
    t0 = now_s();
    int ist = call(srv, "GET", ipath.buf, NULL, &inv);
    double inv_s = now_s() - t0;
    long loaded = rss_kb();
    cJSON *vms = cJSON_Parse(sb_str(&inv));
    int nlisted = cJSON_GetArraySize(vms);
    cJSON_Delete(vms);

    printf("bench_lab_mtv: a world of %d vSphere VMs (%zu bytes of JSON), speed 1000\n", NVMS,
           world_bytes);
    printf("  %-40s %8.1f MB  (before start %.1f MB; target < 100 MB)\n",
           "RSS with the world and its inventory", (double)loaded / 1024, (double)before / 1024);
    printf("  %-40s %8.1f MB\n", "growth from starting the lab and MTV",
           (double)(started - before) / 1024);
    printf("  %-40s %8.1f MB\n", "growth from connecting the provider",
           (double)(connected - started) / 1024);
    printf("  %-40s %8.1f MB\n", "growth from serving the listing once",
           (double)(loaded - connected) / 1024);
    printf("  %-40s %8.3f s\n", "provider Ready (inventory loaded)", ready_s);
    printf("  %-40s %8.3f s  (HTTP %d, %d VMs, %zu bytes)\n", "inventory vms?detail=1", inv_s, ist,
           nlisted, inv.len);

    create(srv, "networkmaps", "{\"metadata\":{\"name\":\"n\"},\"spec\":{\"provider\":{\"source\":"
                               "{\"name\":\"vs\",\"namespace\":\"" NS "\"},\"destination\":{\"name\":"
                               "\"host\",\"namespace\":\"" NS "\"}},\"map\":[{\"source\":{\"name\":"
                               "\"VM Network\"},\"destination\":{\"type\":\"pod\"}},{\"source\":"
                               "{\"name\":\"bench-net\"},\"destination\":{\"type\":\"ignored\"}}]}}");
    create(srv, "storagemaps", "{\"metadata\":{\"name\":\"s\"},\"spec\":{\"provider\":{\"source\":"
                               "{\"name\":\"vs\",\"namespace\":\"" NS "\"},\"destination\":{\"name\":"
                               "\"host\",\"namespace\":\"" NS "\"}},\"map\":[{\"source\":{\"name\":"
                               "\"LocalDS_0\"},\"destination\":{\"storageClass\":\"standard\"}}]}}");
    strbuf plan = STRBUF_INIT;
    sb_adds(&plan, "{\"metadata\":{\"name\":\"big\"},\"spec\":{\"provider\":{\"source\":{\"name\":"
                   "\"vs\",\"namespace\":\"" NS "\"},\"destination\":{\"name\":\"host\","
                   "\"namespace\":\"" NS "\"}},\"map\":{\"network\":{\"name\":\"n\",\"namespace\":"
                   "\"" NS "\"},\"storage\":{\"name\":\"s\",\"namespace\":\"" NS "\"}},"
                   "\"targetNamespace\":\"bench-target\",\"vms\":[");
    for (int i = 0; i < NPLAN; i++)
        sb_addf(&plan, "%s{\"name\":\"bench-vm-%04d\"}", i ? "," : "", i * (NVMS / NPLAN));
    sb_adds(&plan, "]}}");
    create(srv, "plans", plan.buf);
    sb_release(&plan);
    if (!wait_cond(srv, clk, "plans", "big", "Ready", 60)) {
        fprintf(stderr, "bench_lab_mtv: the plan did not become Ready\n");
        return 1;
    }
    t0 = now_s();
    create(srv, "migrations", "{\"metadata\":{\"name\":\"big-run\"},\"spec\":{\"plan\":{\"name\":"
                              "\"big\",\"namespace\":\"" NS "\"}}}");
    int ok = wait_cond(srv, clk, "plans", "big", "Succeeded", 120);
    double mig_s = now_s() - t0;
    long end = rss_kb();
    printf("  %-40s %8.3f s  (%s; target < 5 s)\n", "cold plan of 100 VMs, create to Succeeded",
           mig_s, ok ? "Succeeded" : "did NOT succeed within 120 s");
    printf("  %-40s %8.1f MB\n", "RSS after the migration", (double)end / 1024);

    lab_server_stop(srv);
    lab_mtv_free(mtv);
    lab_server_free(srv);
    clock_free(clk);
    free(puid);
    sb_release(&inv);
    sb_release(&ipath);
    strbuf rm = STRBUF_INIT;
    sb_addf(&rm, "rm -rf '%s'", dir);
    if (system(rm.buf) != 0)
        fprintf(stderr, "bench_lab_mtv: could not remove %s\n", dir);
    sb_release(&rm);
    sb_release(&wpath);
    sb_release(&sdir);
    sb_release(&crds);
    return ok ? 0 : 1;
}
