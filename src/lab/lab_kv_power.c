/* lab_kv_power: see lab_kv_power.h. The branches follow virt-api's per run
 * strategy; each ends in one store write (spec or status) or a refusal. */
#include "lab/lab_kv_power.h"

#include <stdio.h>
#include <string.h>

#include "lab/lab_kinds.h"
#include "lab/lab_status.h"

int lab_kv_power_verb(const char *verb)
{
    return verb && (!strcmp(verb, "start") || !strcmp(verb, "stop") || !strcmp(verb, "restart"));
}

static const char *s_at(const cJSON *o, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    return cJSON_GetStringValue(b ? cJSON_GetObjectItemCaseSensitive(x, b) : x);
}

static cJSON *get(lab_store *store, const char *plural, const char *ns, const char *name)
{
    const lab_kind *k = lab_kinds_find(lab_store_kinds(store), "kubevirt.io", "v1", plural);
    if (!k)
        return NULL;
    lab_result res;
    lab_store_get(store, k, ns, name, &res);
    cJSON *o = res.code == 200 ? lab_blob_parse(res.obj) : NULL;
    lab_result_release(&res);
    return o;
}

static cJSON *conflict(const char *name, const char *why)
{
    return lab_status_conflict("kubevirt.io", "virtualmachine", name, why);
}

/* spec.runStrategy (or spec.running) set so the VM runs or not. */
static cJSON *running_patch(const cJSON *vm, int on)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(vm, "spec");
    cJSON *p = cJSON_CreateObject();
    cJSON *ps = cJSON_AddObjectToObject(p, "spec");
    if (!cJSON_GetObjectItemCaseSensitive(spec, "runStrategy") &&
        cJSON_GetObjectItemCaseSensitive(spec, "running"))
        cJSON_AddBoolToObject(ps, "running", on);
    else
        cJSON_AddStringToObject(ps, "runStrategy", on ? "Always" : "Halted");
    return p;
}

/* status.stateChangeRequests with the given actions; NULL when a request
 * is already pending and this is not a lone Stop (which replaces them). */
static cJSON *requests_patch(const cJSON *vm, const cJSON *vmi, int stop, int start)
{
    const cJSON *pending = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(vm, "status"), "stateChangeRequests");
    if (cJSON_GetArraySize(pending) > 0 && !(stop && !start))
        return NULL;
    cJSON *p = cJSON_CreateObject();
    cJSON *reqs = cJSON_AddArrayToObject(cJSON_AddObjectToObject(p, "status"), "stateChangeRequests");
    if (stop) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "action", "Stop");
        const char *uid = s_at(vmi, "metadata", "uid");
        if (uid)
            cJSON_AddStringToObject(r, "uid", uid);
        cJSON_AddItemToArray(reqs, r);
    }
    if (start) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "action", "Start");
        cJSON_AddItemToArray(reqs, r);
    }
    return p;
}

static int dry_run(const cJSON *body)
{
    const cJSON *d, *e;
    d = cJSON_GetObjectItemCaseSensitive(body, "dryRun");
    cJSON_ArrayForEach(e, d) if (cJSON_IsString(e) && !strcmp(e->valuestring, "All")) return 1;
    return 0;
}

void lab_kv_power_handle(lab_store *store, const lab_req *req, lab_resp *resp, const char *ns,
                         const char *name, const char *verb)
{
    if (strcmp(req->method, "PUT")) {
        lab_resp_status(resp, lab_status_method_not_allowed());
        return;
    }
    cJSON *body = NULL;
    if (req->body_len) {
        body = cJSON_ParseWithLength(req->body, req->body_len);
        if (!cJSON_IsObject(body)) {
            cJSON_Delete(body);
            lab_resp_status(resp, lab_status_bad_request("the request body is not a JSON object"));
            return;
        }
    }
    cJSON *vm = get(store, "virtualmachines", ns, name);
    cJSON *vmi = get(store, "virtualmachineinstances", ns, name);
    const char *phase = s_at(vmi, "status", "phase");
    int running = vmi && !(phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")));
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(vm, "spec");
    const char *rs = s_at(vm, "spec", "runStrategy");
    if (!rs)
        rs = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "running")) ? "Always" : "Halted";
    int manual = !strcmp(rs, "Manual") || !strcmp(rs, "RerunOnFailure");
    int always = !strcmp(rs, "Always") || !strcmp(rs, "Once");
    cJSON *refusal = NULL, *patch = NULL;
    int status_patch = 0;
    char why[160];
    if (!vm) {
        refusal = lab_status_not_found("kubevirt.io", "virtualmachines", name);
    } else if (!strcmp(verb, "start")) {
        if (running)
            refusal = conflict(name, "VM is already running");
        else if (always) {
            snprintf(why, sizeof why, "%s does not support manual start requests", rs);
            refusal = conflict(name, why);
        } else if (manual)
            status_patch = 1, patch = requests_patch(vm, vmi, vmi != NULL, 1);
        else
            patch = running_patch(vm, 1);
    } else if (!strcmp(verb, "stop")) {
        if (always)
            patch = running_patch(vm, 0);
        else if (!running)
            refusal = conflict(name, "VM is not running");
        else if (manual)
            status_patch = 1, patch = requests_patch(vm, vmi, 1, 0);
        else
            refusal = conflict(name, "Halted only supports manual stop requests with a shorter "
                                     "graceperiod");
    } else {
        if (!strcmp(rs, "Halted") || !strcmp(rs, "Once")) {
            snprintf(why, sizeof why, "RunStategy %s does not support manual restart requests", rs);
            refusal = conflict(name, why);
        } else if (!vmi) {
            refusal = conflict(name, "VM is not running: Halted");
        } else {
            status_patch = 1, patch = requests_patch(vm, vmi, 1, 1);
        }
    }
    if (!refusal && status_patch && !patch)
        refusal = conflict(name, "unable to complete request: stop/start already underway");
    if (refusal) {
        lab_resp_status(resp, refusal);
    } else if (dry_run(body)) {
        lab_resp_raw(resp, 202, "application/json", "", 0);
    } else {
        const lab_kind *k = lab_kinds_find(lab_store_kinds(store), "kubevirt.io", "v1",
                                           "virtualmachines");
        lab_write_opts wo = {.subresource = status_patch ? "status" : NULL};
        lab_result res;
        lab_store_patch(store, k, ns, name, LAB_PATCH_MERGE, patch, &wo, &res);
        if (res.code >= 400) {
            lab_resp_status(resp, res.status);
            res.status = NULL;
        } else {
            lab_resp_raw(resp, 202, "application/json", "", 0);
        }
        lab_result_release(&res);
    }
    cJSON_Delete(patch);
    cJSON_Delete(body);
    cJSON_Delete(vm);
    cJSON_Delete(vmi);
}
