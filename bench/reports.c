/* bench reports: the cost of the reports at the end of a large run: the
 * JUnit file of 200 scenarios with coloured 20 KB step logs (render, then
 * read back as `report jira` does), and failure fingerprints. Prints
 * numbers; asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reporters/jira_fingerprint.h"
#include "reporters/junit.h"
#include "util/fs.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    strbuf log = STRBUF_INIT;
    for (int i = 0; log.len < 20000; i++)
        sb_addf(&log, "\x1b[32m2026-11-27T20:15:%02d.123Z INFO\x1b[0m plan plan-auto-k3x9q2 VM vm-%d DiskTransfer %d%% <ok> & more\n",
                i % 60, i, i % 100);
    run_results *r = results_new("bench-run", 1795812000000);
    results_set_prop(r, "provider", "vsphere-8");
    results_set_prop(r, "storage_class", "ceph-rbd");
    const char *steps[] = {"storagemap", "networkmap", "plan", "migrate", "check_vms", "cleanup"};
    for (int s = 0; s < 200; s++) {
        char name[64], test[96];
        snprintf(name, sizeof name, "test_scenario_%03d", s);
        snprintf(test, sizeof test, "%s-vsphere-8-ceph-rbd", name);
        scenario_result *sc = results_add_scenario(r, name, test, "scenarios/x.json");
        for (int k = 0; k < 6; k++)
            scenario_add_step(sc, steps[k], steps[k], k == 4 && s % 10 == 0 ? STEP_FAILED : STEP_PASSED,
                              k == 4 ? "check failed at 2026-11-27T20:15:01Z" : NULL, NULL, log.buf, 0, 1.5);
    }
    size_t in_bytes = 200 * 6 * log.len;
    const int rounds = 5;
    strbuf xml = STRBUF_INIT;
    double t0 = now();
    for (int i = 0; i < rounds; i++) {
        sb_reset(&xml);
        junit_render(r, NULL, &xml);
    }
    double render = (now() - t0) / rounds;
    char path[] = "/tmp/mtv-bench-junit-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    mtv_err err;
    if (fs_write_atomic(path, xml.buf, xml.len, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    t0 = now();
    run_results *back = junit_read(path, &err);
    double read = now() - t0;
    unlink(path);
    if (!back) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    printf("junit render: 1200 testcases, %.1f MB of logs -> %.1f MB of XML in %.1f ms (%.0f MB/s)\n",
           in_bytes / 1e6, xml.len / 1e6, render * 1e3, in_bytes / 1e6 / render);
    printf("junit read back: %zu scenarios in %.1f ms\n", back->n_scenarios, read * 1e3);
    const int fps = 20000;
    char fp[13];
    t0 = now();
    for (int i = 0; i < fps; i++)
        jira_fingerprint("test_scenario_001", "migrate",
                         "plan plan-auto-k3x9q2 not Ready after 600 s at 2026-11-27T20:15:01Z (uid 3f2a9c1e-1b2c-4d5e-8f90-0123456789ab)", fp);
    printf("fingerprints: %.2f us each\n", (now() - t0) / fps * 1e6);
    results_free(back);
    results_free(r);
    sb_release(&xml);
    sb_release(&log);
    return 0;
}
