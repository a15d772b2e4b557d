/*
 * bench/replay: how fast cassettes load and answer, and what recording
 * costs. Builds a 50,000-entry cassette of Kubernetes-, inventory- and
 * vSphere-shaped exchanges, then prints:
 *   - load: read + parse + index, in MB/s (target >= 100 MB/s);
 *   - lookups/s on one core: index only (precomputed keys), and whole
 *     requests through transport_send in replay mode (redact, key, take,
 *     build the response) (target >= 200,000/s);
 *   - peak RSS;
 *   - recording overhead per exchange beyond copying the body (redact, key,
 *     HAR entry, journal line), without and with fsync (target < 50 us).
 * Numbers only; nothing here asserts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/transport.h"
#include "recorder/cassette.h"
#include "recorder/finalize.h"
#include "recorder/journal.h"
#include "recorder/har.h"
#include "recorder/matchkey.h"
#include "recorder/replay.h"
#include "util/fs.h"

#define ENTRIES 50000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pod_json(strbuf *out, int i)
{
    sb_addf(out,
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"virt-launcher-vm-%d-abcde\","
            "\"namespace\":\"mtv-tests\",\"uid\":\"6f1c2a4e-%08d-4b7e-9a51-0c2f3e4d5a6b\","
            "\"resourceVersion\":\"%d\",\"creationTimestamp\":\"2026-11-27T10:00:00Z\","
            "\"labels\":{\"kubevirt.io\":\"virt-launcher\",\"vm.kubevirt.io/name\":\"vm-%d\","
            "\"migration\":\"cold-%d\"},\"annotations\":{\"kubevirt.io/domain\":\"vm-%d\"}},"
            "\"spec\":{\"nodeName\":\"worker-%d\",\"containers\":[{\"name\":\"compute\",\"image\":"
            "\"registry.redhat.io/container-native-virtualization/virt-launcher@sha256:0123456789abcdef\","
            "\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"2Gi\"}}}]},"
            "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.128.%d.%d\",\"conditions\":[{\"type\":\"Ready\","
            "\"status\":\"True\",\"lastTransitionTime\":\"2026-11-27T10:01:00Z\"}],"
            "\"containerStatuses\":[{\"name\":\"compute\",\"ready\":true,\"restartCount\":0}]}}",
            i, i, 100000 + i, i, i % 97, i, i % 12, (i / 256) % 256, i % 256);
}

static void request_for(http_request *req, int i)
{
    char path[160];
    switch (i % 4) {
    case 0:
    case 1:
        snprintf(path, sizeof path, "http://bench/api/v1/namespaces/mtv-tests/pods/virt-launcher-vm-%d-abcde", i);
        http_request_init(req, NULL, "kubernetes", "GET", path);
        break;
    case 2:
        snprintf(path, sizeof path, "http://bench/providers/vsphere/p1/vms/vm-%d", i);
        http_request_init(req, NULL, "inventory", "GET", path);
        http_request_query(req, "detail", "4");
        break;
    default: {
        http_request_init(req, NULL, "kubernetes", "POST", "http://bench/apis/forklift.konveyor.io/v1beta1/namespaces/mtv-tests/plans");
        strbuf b = STRBUF_INIT;
        sb_addf(&b, "{\"kind\":\"Plan\",\"metadata\":{\"name\":\"plan-%d\"},\"spec\":{\"vms\":[{\"id\":\"vm-%d\"}]}}", i, i);
        http_request_body(req, "application/json", b.buf, b.len);
        sb_release(&b);
    }
    }
}

static void response_for(http_response *resp, int i)
{
    memset(resp, 0, sizeof *resp);
    resp->status = i % 4 == 3 ? 201 : 200;
    resp->reason = strdup(i % 4 == 3 ? "Created" : "OK");
    resp->http_version = strdup("HTTP/1.1");
    http_headers_add(&resp->headers, "Content-Type", "application/json");
    http_headers_add(&resp->headers, "Audit-Id", "0c7f6a2e-1b2c-4d5e-8f90-a1b2c3d4e5f6");
    http_headers_add(&resp->headers, "Date", "Fri, 27 Nov 2026 10:00:00 GMT");
    pod_json(&resp->body, i);
    resp->timings = (http_timings){-1, 0, 0, -1, 0.05, 1.5, 0.2};
}

/* VmHWM: the peak resident set of this address space (reset by exec,
 * unlike getrusage's ru_maxrss). */
static long peak_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

/* Records n exchanges through transport_record_exchange; returns seconds. */
static double record_run(const char *journal_file, int n, int sync, double *copy_s)
{
    transport_config cfg = {.mode = TRANSPORT_RECORD, .journal_path = journal_file, .journal_nosync = !sync,
                            .has_seed = 1, .seed = 1};
    cfg.secrets = secrets_new();
    transport *t;
    mtv_err err;
    if (transport_open(&t, &cfg, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    http_request *reqs = calloc((size_t)n, sizeof *reqs);
    http_response *resps = calloc((size_t)n, sizeof *resps);
    for (int i = 0; i < n; i++) {
        request_for(&reqs[i], i);
        response_for(&resps[i], i);
    }
    /* the baseline the target excludes: copying each body once */
    double t0 = now_s();
    strbuf sink = STRBUF_INIT;
    for (int i = 0; i < n; i++) {
        sb_reset(&sink);
        sb_add(&sink, reqs[i].body.buf, reqs[i].body.len);
        sb_add(&sink, resps[i].body.buf, resps[i].body.len);
    }
    *copy_s = now_s() - t0;
    sb_release(&sink);
    t0 = now_s();
    for (int i = 0; i < n; i++)
        transport_record_exchange(t, &reqs[i], &resps[i], &err);
    double dt = now_s() - t0;
    for (int i = 0; i < n; i++) {
        http_request_free(&reqs[i]);
        http_response_free(&resps[i]);
    }
    free(reqs);
    free(resps);
    secrets_free(cfg.secrets);
    transport_free(t);
    return dt;
}

/* The replay half runs in a fresh process (the program re-executes itself),
 * so its peak RSS is what replaying this cassette costs, not what building
 * it did. */
static int replay_phase(const char *har)
{
    mtv_err err;
    double t0;
    long rss_before = peak_rss_kb();
    /* load: read + parse + index */
    t0 = now_s();
    cassette c;
    if (cassette_load(&c, har, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    size_t bytes = c.bytes;
    replay *r;
    replay_open(&r, &c, NULL, &err);
    double load_s = now_s() - t0;
    printf("load: %.1f MB in %.3f s = %.0f MB/s (target >= 100)\n", (double)bytes / 1e6, load_s,
           (double)bytes / 1e6 / load_s);

    /* index lookups with precomputed keys: every entry once */
    const cassette *rc = replay_cassette(r);
    char **keys = malloc(rc->count * sizeof *keys);
    for (size_t i = 0; i < rc->count; i++)
        keys[i] = strdup(rc->entries[i].key);
    t0 = now_s();
    size_t hits = 0;
    for (size_t i = 0; i < rc->count; i++)
        hits += replay_take(r, keys[i], NULL, NULL, NULL, 0, &err) != NULL;
    double look_s = now_s() - t0;
    printf("index lookups: %zu in %.3f s = %.0f lookups/s (one core)\n", hits, look_s, (double)hits / look_s);
    for (size_t i = 0; i < rc->count; i++)
        free(keys[i]);
    free(keys);
    replay_free(r);

    /* whole requests through the replay transport */
    transport_config cfg = {.mode = TRANSPORT_REPLAY, .cassette_path = har};
    cfg.secrets = secrets_new();
    transport *t;
    if (transport_open(&t, &cfg, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    http_request *reqs = calloc(ENTRIES, sizeof *reqs);
    for (int i = 0; i < ENTRIES; i++)
        request_for(&reqs[i], i);
    t0 = now_s();
    size_t ok = 0;
    for (int i = 0; i < ENTRIES; i++) {
        http_response resp = {0};
        ok += transport_send(t, &reqs[i], &resp, &err) == 0 && resp.status >= 200;
        http_response_free(&resp);
    }
    double send_s = now_s() - t0;
    printf("replayed requests: %zu in %.3f s = %.0f requests/s (redact + key + take + response; target >= 200000)\n",
           ok, send_s, (double)ok / send_s);
    for (int i = 0; i < ENTRIES; i++)
        http_request_free(&reqs[i]);
    free(reqs);
    transport_free(t);
    secrets_free(cfg.secrets);
    printf("peak RSS: %.1f MB (%.1f MB before loading the cassette)\n", (double)peak_rss_kb() / 1024.0,
           (double)rss_before / 1024.0);

    return ok == ENTRIES ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--replay") == 0)
        return replay_phase(argv[2]);
    char dir[] = "/tmp/mtv-bench-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    strbuf jpath = STRBUF_INIT, har_path = STRBUF_INIT;
    fs_join(&jpath, dir, "journal.ndjson");
    fs_join(&har_path, dir, "bench.har");
    mtv_err err;

    /* recording overhead, and the journal that becomes the cassette */
    double copy_s, rec_s = record_run(jpath.buf, ENTRIES, 0, &copy_s);
    printf("record (no fsync):  %d exchanges in %.3f s: %.1f us/exchange, of which body copy %.2f us "
           "-> overhead %.1f us (target < 50)\n",
           ENTRIES, rec_s, rec_s / ENTRIES * 1e6, copy_s / ENTRIES * 1e6, (rec_s - copy_s) / ENTRIES * 1e6);
    strbuf sync_journal = STRBUF_INIT;
    fs_join(&sync_journal, dir, "sync.ndjson");
    double copy2, sync_s = record_run(sync_journal.buf, 2000, 1, &copy2);
    printf("record (fsync each): 2000 exchanges in %.3f s: %.1f us/exchange (fdatasync dominates; "
           "depends on the disk)\n", sync_s, sync_s / 2000 * 1e6);

    strbuf cmd = STRBUF_INIT;
    journal_contents jc;
    if (journal_load(jpath.buf, &jc, NULL, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double t0 = now_s();
    cJSON *har = finalize_har(&jc);
    strbuf text = STRBUF_INIT;
    har_print(&text, har);
    double fin_s = now_s() - t0;
    if (fs_write_atomic(har_path.buf, text.buf, text.len, &err) < 0)
        return 1;
    printf("finalise: %d entries, %.1f MB HAR in %.3f s\n", ENTRIES, (double)text.len / 1e6, fin_s);
    cJSON_Delete(har);
    journal_contents_free(&jc);
    sb_release(&text);

    strbuf self = STRBUF_INIT;
    sb_addf(&self, "/proc/%d/exe", (int)getpid());
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execl(self.buf, "bench_replay", "--replay", har_path.buf, (char *)NULL);
        _exit(127);
    }
    int status = 1;
    waitpid(pid, &status, 0);
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    sb_release(&self);

    if (getenv("MTV_BENCH_KEEP")) printf("kept %s\n", dir); else
    sb_addf(&cmd, "rm -rf '%s'", dir);
    if (system(cmd.buf) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    sb_release(&cmd);
    sb_release(&jpath);
    sb_release(&sync_journal);
    sb_release(&har_path);
    return ok ? 0 : 1;
}
