/* start_order: the order in which a run's workers pick up its items.
 *
 * With several jobs, the run's wall time is bounded by when its longest
 * scenario ends, so the longest ones should start first: the classic
 * longest-processing-time-first rule. Durations are not known before a
 * run, so the expected length is read from the scenario: a warm migration
 * (precopies until the cutover) outlasts a cold one, and a plan with more
 * VMs outlasts one with fewer. Items that will be skipped take no time and
 * come last. Equal items keep selection order, so the order is
 * deterministic. Results are unaffected: they stay in selection order.
 *
 * Two scenarios that migrate one same source VM as it is (no clone of their
 * own: the skip_source_clone setting or the scenario's skip_clone) must not
 * run at once: one would power the VM off or migrate it under the other.
 * runner_items_conflict says so; the run then starts the next item in this
 * order that conflicts with none running. */
#include <stdlib.h>
#include <string.h>

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

/* 1 when the item migrates its source VMs as they are. */
static int uses_source_as_is(const run_item *it, const settings *set)
{
    if (it->skip || it->sel->skip)
        return 0;   /* a skipped item touches nothing */
    if (set && settings_bool(set, "skip_source_clone", 0))
        return 1;
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it->sel->sc->params, "skip_clone"));
}

int runner_items_conflict(const run_item *a, const run_item *b, const settings *set)
{
    if (!uses_source_as_is(a, set) || !uses_source_as_is(b, set))
        return 0;
    const cJSON *va, *vb;
    cJSON_ArrayForEach(va, cJSON_GetObjectItemCaseSensitive(a->sel->sc->params, "virtual_machines"))
    {
        const char *na = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(va, "name"));
        if (!na)
            continue;
        cJSON_ArrayForEach(vb, cJSON_GetObjectItemCaseSensitive(b->sel->sc->params, "virtual_machines"))
        {
            const char *nb = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(vb, "name"));
            if (nb && !strcmp(na, nb))
                return 1;
        }
    }
    return 0;
}
