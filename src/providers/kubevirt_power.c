/*
 * kubevirt_power: starting and stopping a KubeVirt VM the way virtctl does
 * (PUT .../virtualmachines/NAME/start|stop on subresources.kubevirt.io,
 * answered 202), with the run strategy as the fallback for API servers
 * that do not serve KubeVirt's subresources, then a watch until
 * printableStatus says the VM got there. Shared by the OpenShift source
 * adapter (prepare, power_off_source) and the checks, which start a
 * powered-off migrated VM for a moment to read its instance.
 */
#include <string.h>

#include "providers/kubevirt.h"
#include "util/log.h"

static int status_is(void *ud, const cJSON *obj, mtv_err *err)
{
    (void)err;
    const char *now = k8s_obj_str(obj, "status.printableStatus");
    return now && !strcmp(now, (const char *)ud);
}

static void describe_status(void *ud, const cJSON *obj, strbuf *out)
{
    (void)ud;
    const char *now = k8s_obj_str(obj, "status.printableStatus");
    sb_addf(out, "printableStatus %s", now ? now : "unset");
}

/* PUT the start/stop subresource: 0 accepted (or already so: 409), 1 not
 * served (404), -1 failed. */
static int subresource(k8s_client *c, const char *ns, const char *name, const char *verb,
                       mtv_err *err)
{
    net_endpoint ep;
    net_endpoint_init(&ep);
    kubeconfig_endpoint(k8s_client_config(c), &ep);
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "/apis/subresources.kubevirt.io/v1/namespaces/%s/virtualmachines/%s/%s", ns,
            name, verb);
    http_request req;
    http_request_init(&req, &ep, "kubernetes", "PUT", path.buf);
    http_request_body(&req, "application/json", "{}", 2);
    http_headers_set(&req.headers, "Accept", "application/json");
    http_response resp = {0};
    int rc = transport_send(k8s_client_transport(c), &req, &resp, err);
    if (rc == 0) {
        if (resp.status == 404)
            rc = 1;
        else if (resp.status == 409) /* already in that state, or a strategy that forbids it */
            log_debug("kubevirt: %s %s/%s: %.*s", verb, ns, name,
                      (int)(resp.body.len < 300 ? resp.body.len : 300), sb_str(&resp.body));
        else if (resp.status < 200 || resp.status > 299)
            rc = mtv_err_set(err, MTV_EXIT_ENV, "PUT %s answered HTTP %ld: %.*s", path.buf,
                             resp.status, (int)(resp.body.len < 300 ? resp.body.len : 300),
                             sb_str(&resp.body));
    }
    http_request_free(&req);
    http_response_free(&resp);
    sb_release(&path);
    return rc;
}

int kubevirt_power(k8s_client *c, const char *ns, const char *name, enum vm_power want,
                   int64_t timeout_ms, atomic_int *cancel, mtv_err *err)
{
    cJSON *vm = NULL;
    int rc = k8s_get(c, &K8S_VM, ns, name, &vm, err);
    if (rc == K8S_NOT_FOUND)
        return mtv_err_set(err, MTV_EXIT_FAILURES, "VirtualMachine %s/%s does not exist", ns, name);
    if (rc)
        return -1;
    const char *target = want == VM_POWER_ON ? "Running" : "Stopped";
    const char *now = k8s_obj_str(vm, "status.printableStatus");
    int already = now && !strcmp(now, target);
    int has_running = k8s_obj_get(vm, "spec.running") != NULL;
    cJSON_Delete(vm);
    if (already)
        return 0;
    rc = subresource(c, ns, name, want == VM_POWER_ON ? "start" : "stop", err);
    if (rc == 1) {
        log_debug("kubevirt: no start/stop subresource; patching %s/%s", ns, name);
        cJSON *patch = cJSON_CreateObject();
        cJSON *spec = cJSON_AddObjectToObject(patch, "spec");
        if (has_running)
            cJSON_AddBoolToObject(spec, "running", want == VM_POWER_ON);
        else
            cJSON_AddStringToObject(spec, "runStrategy", want == VM_POWER_ON ? "Always" : "Halted");
        rc = k8s_patch(c, &K8S_VM, ns, name, K8S_PATCH_MERGE, patch, NULL, NULL, err);
        cJSON_Delete(patch);
    }
    if (rc)
        return -1;
    return k8s_wait_for_cancel(c, &K8S_VM, ns, name, status_is, describe_status, (void *)target,
                               timeout_ms > 0 ? timeout_ms : 600000, cancel, err);
}
