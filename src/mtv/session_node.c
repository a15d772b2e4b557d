/*
 * session_node: upstream's labeled_worker_node fixture. A scenario with
 * target_node_selector (exactly one label; a null value means the session
 * id) needs a node that carries that label, or its VMs cannot be scheduled:
 * prepare labels the first schedulable worker node (by name) and records it
 * in the ledger as a "NodeLabel" entry (name: the node, id: the label key),
 * so teardown and `cleanup` take the label off again.
 */
#include <stdlib.h>
#include <string.h>

#include "mtv/session_int.h"
#include "util/clock.h"
#include "util/log.h"

static int by_name(const void *a, const void *b)
{
    const char *x = k8s_obj_str(*(const cJSON *const *)a, "metadata.name");
    const char *y = k8s_obj_str(*(const cJSON *const *)b, "metadata.name");
    return strcmp(x ? x : "", y ? y : "");
}

/* The first schedulable worker node by name (borrowed from list), or NULL. */
static const cJSON *pick_worker(const cJSON *list)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(list, "items");
    size_t n = (size_t)cJSON_GetArraySize(items), k = 0;
    const cJSON **v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        abort();
    const cJSON *node;
    cJSON_ArrayForEach(node, items)
    {
        if (!cJSON_IsTrue(k8s_obj_get(node, "spec.unschedulable")))
            v[k++] = node;
    }
    qsort(v, k, sizeof *v, by_name);
    const cJSON *hit = k ? v[0] : NULL;
    free(v);
    return hit;
}

int mtv_session_label_node(mtv_session *s, mtv_err *err)
{
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(s->cfg.params, "target_node_selector");
    if (!cJSON_IsObject(sel) || cJSON_GetArraySize(sel) != 1)
        return 0;
    const char *key = sel->child->string;
    const char *value = cJSON_IsNull(sel->child) ? s->session.buf : cJSON_GetStringValue(sel->child);
    if (!value)
        return mtv_err_set(err, MTV_EXIT_USAGE, "target_node_selector: the value of %s must be a "
                           "string or null", key);
    k8s_list_opts lo = {.label_selector = "node-role.kubernetes.io/worker"};
    cJSON *list = NULL;
    if (k8s_list(s->k8s, &K8S_NODE, NULL, &lo, &list, err) < 0) {
        mtv_err_prefix(err, "finding a worker node to label for target_node_selector");
        return -1;
    }
    const cJSON *node = pick_worker(list);
    if (!node) {
        cJSON_Delete(list);
        return mtv_err_set(err, MTV_EXIT_ENV, "target_node_selector: no schedulable node has the "
                           "label node-role.kubernetes.io/worker to carry %s=%s", key, value);
    }
    const char *name = k8s_obj_str(node, "metadata.name");
    char *keep = strdup(name ? name : "");
    cJSON_Delete(list);
    if (!keep)
        abort();
    ledger_item it = {.side = "cluster", .kind = "NodeLabel", .api_version = "v1", .name = keep,
                      .id = key, .scenario = s->cfg.scenario, .session = s->session.buf};
    int rc = ledger_record(s->cfg.ledger, &it, clock_now_ms(transport_clock(s->t)), err);
    if (rc == 0) {
        cJSON *patch = cJSON_CreateObject();
        cJSON *labels = cJSON_AddObjectToObject(cJSON_AddObjectToObject(patch, "metadata"), "labels");
        cJSON_AddStringToObject(labels, key, value);
        rc = k8s_patch(s->k8s, &K8S_NODE, NULL, keep, K8S_PATCH_MERGE, patch, NULL, NULL, err);
        cJSON_Delete(patch);
        if (rc != 0) {
            if (rc > 0)
                mtv_err_set(err, MTV_EXIT_ENV, "node %s is gone", keep);
            mtv_err_prefix(err, "labelling node %s with %s=%s", keep, key, value);
            rc = -1;
        }
    }
    if (rc == 0)
        log_info("labelled node %s with %s=%s for target_node_selector", keep, key, value);
    free(keep);
    return rc;
}
