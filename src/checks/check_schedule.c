/* check_schedule: where and how the migrated VM is scheduled: the node the
 * run labelled, the template labels, the affinity. A null value in the
 * scenario (Python None) stands for the session id, as upstream. */
#include <string.h>
#include <stdlib.h>

#include "checks/checks_int.h"

int gate_node_placement(const check_run *r, const check_vm *v)
{
    (void)v;
    return check_param(r, "target_node_selector") != NULL && r->labeled_node;
}

void check_vm_node_placement(const check_run *r, check_vm *v, check_out *o)
{
    const char *got = v->dst->node_name;
    if (!got || strcmp(got, r->labeled_node))
        check_fail(o, "expected the VM on node %s (labelled by the run), got %s", r->labeled_node,
                   got ? got : "no node (the VM is not running)");
}

int gate_labels(const check_run *r, const check_vm *v)
{
    (void)v;
    return cJSON_IsObject(check_param(r, "target_labels"));
}

void check_vm_labels(const check_run *r, check_vm *v, check_out *o)
{
    const cJSON *l;
    cJSON_ArrayForEach(l, check_param(r, "target_labels"))
    {
        const char *want = cJSON_IsNull(l) ? r->session_id : cJSON_GetStringValue(l);
        const char *got = target_vm_label(v->dst, l->string);
        if (!want)
            continue;
        if (!got)
            check_fail(o, "label %s: expected \"%s\", missing", l->string, want);
        else if (strcmp(got, want))
            check_fail(o, "label %s: expected \"%s\", got \"%s\"", l->string, want, got);
    }
}

int gate_affinity(const check_run *r, const check_vm *v)
{
    (void)v;
    return check_param(r, "target_affinity") != NULL;
}

void check_vm_affinity(const check_run *r, check_vm *v, check_out *o)
{
    const cJSON *want = check_param(r, "target_affinity");
    if (v->dst->affinity && cJSON_Compare(want, v->dst->affinity, 1))
        return;
    char *w = check_json(want, 400), *g = check_json(v->dst->affinity, 400);
    check_fail(o, "expected affinity %s, got %s", w, g);
    free(w);
    free(g);
}
