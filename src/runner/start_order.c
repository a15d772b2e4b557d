/* start_order: the order in which a run's workers pick up its items.
 *
 * With several jobs, the run's wall time is bounded by when its longest
 * scenario ends, so the longest ones should start first: the classic
 * longest-processing-time-first rule. Durations are not known before a
 * run, so the expected length is read from the scenario: a warm migration
 * (precopies until the cutover) outlasts a cold one, and a plan with more
 * VMs outlasts one with fewer. Items that will be skipped take no time and
 * come last. Equal items keep selection order, so the order is
 * deterministic. Results are unaffected: they stay in selection order. */
#include <stdlib.h>

#include "runner/run.h"

typedef struct order_key {
    size_t index;
    int skipped;
    int warm;
    int vms;
} order_key;

static int by_expected_length(const void *a, const void *b)
{
    const order_key *x = a, *y = b;
    if (x->skipped != y->skipped)
        return x->skipped - y->skipped;
    if (x->warm != y->warm)
        return y->warm - x->warm;
    if (x->vms != y->vms)
        return y->vms - x->vms;
    return x->index < y->index ? -1 : x->index > y->index;
}

void runner_start_order(const run_item *items, size_t n, size_t *order)
{
    order_key *keys = calloc(n ? n : 1, sizeof *keys);
    if (!keys)
        abort();
    for (size_t i = 0; i < n; i++) {
        const selected *sel = items[i].sel;
        const cJSON *params = sel->sc->params;
        keys[i] = (order_key){
            .index = i,
            .skipped = items[i].skip != NULL || sel->skip != NULL,
            .warm = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(params, "warm_migration")),
            .vms = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(params, "virtual_machines")),
        };
    }
    qsort(keys, n, sizeof *keys, by_expected_length);
    for (size_t i = 0; i < n; i++)
        order[i] = keys[i].index;
    free(keys);
}
