/* bench catalog: how long loading and checking the shipped scenario catalog
 * and selecting from it take, since every list, config check and run starts
 * with both. Prints numbers; asserts nothing. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "runner/catalog.h"
#include "runner/select.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    const int rounds = 50;
    double load = 0, sel = 0;
    size_t scenarios = 0, n_selected = 0;
    for (int i = 0; i < rounds; i++) {
        catalog c;
        diag_list d = DIAG_LIST_INIT;
        double t0 = now();
        if (catalog_load(&c, MTV_SOURCE_DIR "/scenarios", NULL, &d) < 0) {
            fprintf(stderr, "cannot load the catalog\n");
            return 1;
        }
        catalog_check(&c, &d);
        double t1 = now();
        select_opts o = {.markexpr = "(tier0 or tier1) and not warm", .keyexpr = "migration",
                         .provider_type = PROVIDER_VSPHERE, .provider_label = "vsphere"};
        selection s;
        mtv_err err;
        if (select_scenarios(&c, &o, &s, &err) < 0) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        double t2 = now();
        load += t1 - t0;
        sel += t2 - t1;
        scenarios = c.count;
        n_selected = s.count;
        selection_free(&s);
        catalog_free(&c);
        diag_free(&d);
    }
    printf("catalog load+check: %zu scenarios in %.2f ms (mean of %d)\n", scenarios, load * 1e3 / rounds, rounds);
    printf("selection (-m, -k, vsphere gating): %zu selected in %.3f ms\n", n_selected, sel * 1e3 / rounds);
    return 0;
}
