/* target_read: target_vm_read and target_cluster_version, the I/O half of
 * target_vm.h. Every read goes through the Kubernetes client (so through the
 * scenario's transport: recorded, replayed); waits watch, on its clock. A
 * VM found Stopped is started, read and stopped again (kubevirt_power). */
#include <stdlib.h>
#include <string.h>

#include "checks/target_vm.h"
#include "providers/kubevirt.h"
#include "util/log.h"

static int pred_settled(void *ud, const cJSON *obj, mtv_err *err)
{
    (void)ud;
    (void)err;
    const char *ps = k8s_obj_str(obj, "status.printableStatus");
    return ps && (!strcmp(ps, "Running") || !strcmp(ps, "Stopped"));
}

static void describe_status(void *ud, const cJSON *obj, strbuf *out)
{
    (void)ud;
    const char *ps = k8s_obj_str(obj, "status.printableStatus");
    sb_addf(out, "printableStatus %s", ps ? ps : "not set");
}

static int pred_agent(void *ud, const cJSON *obj, mtv_err *err)
{
    (void)ud;
    (void)err;
    return k8s_condition_true(obj, "AgentConnected") == 1;
}

static void describe_conditions(void *ud, const cJSON *obj, strbuf *out)
{
    (void)ud;
    const cJSON *c;
    sb_adds(out, "conditions:");
    cJSON_ArrayForEach(c, k8s_obj_get(obj, "status.conditions"))
    {
        const char *type = k8s_obj_str(c, "type"), *st = k8s_obj_str(c, "status");
        sb_addf(out, " %s=%s", type ? type : "?", st ? st : "?");
    }
}

static void add_note(strbuf *note, const char *msg)
{
    if (!note)
        return;
    if (note->len)
        sb_adds(note, "; ");
    sb_adds(note, msg);
}

int target_vm_read(k8s_client *c, const char *ns, const char *name, const target_read_opts *o,
                   target_vm *t, strbuf *note, mtv_err *err)
{
    target_read_opts def = {0};
    if (!o)
        o = &def;
    int64_t st_ms = o->status_timeout_ms > 0 ? o->status_timeout_ms : 120000;
    int64_t ga_ms = o->agent_timeout_ms > 0 ? o->agent_timeout_ms : 301000;
    mtv_err werr;
    mtv_err_clear(&werr);
    if (k8s_wait_for_cancel(c, &K8S_VM, ns, name, pred_settled, describe_status, NULL, st_ms, o->cancel,
                            &werr) < 0) {
        if (o->cancel && atomic_load(o->cancel)) {
            *err = werr;
            return -1;
        }
        log_warn("VirtualMachine %s/%s: %s", ns, name, werr.msg);
        add_note(note, werr.msg);
    }
    cJSON *vm = NULL, *vmi = NULL;
    int rc = k8s_get(c, &K8S_VM, ns, name, &vm, err);
    if (rc == K8S_NOT_FOUND)
        return mtv_err_set(err, MTV_EXIT_FAILURES, "VirtualMachine %s/%s does not exist", ns, name);
    if (rc < 0)
        return -1;
    /* a stopped VM is started for a moment to read its instance, and
     * stopped again, as upstream's vm_dict does; the record keeps the
     * VirtualMachine as it was read (Stopped) */
    const char *ps = k8s_obj_str(vm, "status.printableStatus");
    int cycled = 0;
    if (ps && !strcmp(ps, "Stopped")) {
        mtv_err_clear(&werr);
        if (kubevirt_power(c, ns, name, VM_POWER_ON, st_ms, o->cancel, &werr) < 0) {
            if (o->cancel && atomic_load(o->cancel)) {
                /* put it back as it was, without waiting long */
                mtv_err serr;
                mtv_err_clear(&serr);
                (void)kubevirt_power(c, ns, name, VM_POWER_OFF, 5000, NULL, &serr);
                cJSON_Delete(vm);
                *err = werr;
                return -1;
            }
            log_warn("VirtualMachine %s/%s: starting it to read its instance: %s", ns, name, werr.msg);
            add_note(note, werr.msg);
        } else {
            cycled = 1;
        }
    }
    int running = cycled || (ps && !strcmp(ps, "Running"));
    if (running && o->wait_guest_agent) {
        mtv_err_clear(&werr);
        if (k8s_wait_for_cancel(c, &K8S_VMI, ns, name, pred_agent, describe_conditions, NULL, ga_ms,
                                o->cancel, &werr) < 0) {
            if (o->cancel && atomic_load(o->cancel)) {
                if (cycled) {   /* put it back as it was, without waiting long */
                    mtv_err serr;
                    mtv_err_clear(&serr);
                    (void)kubevirt_power(c, ns, name, VM_POWER_OFF, 5000, NULL, &serr);
                }
                cJSON_Delete(vm);
                *err = werr;
                return -1;
            }
            log_warn("VirtualMachineInstance %s/%s: %s", ns, name, werr.msg);
            add_note(note, werr.msg);
        }
    }
    if (running) {
        rc = k8s_get(c, &K8S_VMI, ns, name, &vmi, err);
        if (rc != 0)
            vmi = NULL;
    }
    if (cycled) {
        mtv_err_clear(&werr);
        if (kubevirt_power(c, ns, name, VM_POWER_OFF, st_ms, o->cancel, &werr) < 0) {
            log_warn("VirtualMachine %s/%s: stopping it again: %s", ns, name, werr.msg);
            add_note(note, werr.msg);
        }
    }
    if (rc < 0) {
        cJSON_Delete(vm);
        return -1;
    }
    /* the PVCs behind the template's volumes, in volume order */
    const cJSON *vols = k8s_obj_get(vm, "spec.template.spec.volumes"), *v;
    size_t n = (size_t)cJSON_GetArraySize(vols), got = 0;
    cJSON **pvcs = calloc(n ? n : 1, sizeof *pvcs);
    if (!pvcs)
        abort();
    cJSON_ArrayForEach(v, vols)
    {
        const char *claim = k8s_obj_str(v, "persistentVolumeClaim.claimName");
        if (!claim)
            claim = k8s_obj_str(v, "dataVolume.name");
        if (!claim)
            continue;
        cJSON *p = NULL;
        rc = k8s_get(c, &K8S_PVC, ns, claim, &p, err);
        if (rc < 0) {
            for (size_t i = 0; i < got; i++)
                cJSON_Delete(pvcs[i]);
            free(pvcs);
            cJSON_Delete(vm);
            cJSON_Delete(vmi);
            return -1;
        }
        if (rc == 0)
            pvcs[got++] = p;
    }
    rc = target_vm_from_objects(t, vm, vmi, (const cJSON *const *)pvcs, got, err);
    for (size_t i = 0; i < got; i++)
        cJSON_Delete(pvcs[i]);
    free(pvcs);
    cJSON_Delete(vm);
    cJSON_Delete(vmi);
    return rc;
}

int target_cluster_version(k8s_client *c, strbuf *out, mtv_err *err)
{
    cJSON *cv = NULL;
    int rc = k8s_get(c, &K8S_CLUSTERVERSION, NULL, "version", &cv, err);
    if (rc == K8S_NOT_FOUND)
        return mtv_err_set(err, MTV_EXIT_ENV, "ClusterVersion 'version' not found (not OpenShift?)");
    if (rc < 0)
        return -1;
    const char *ver = NULL;
    const cJSON *h;
    cJSON_ArrayForEach(h, k8s_obj_get(cv, "status.history"))
    {
        const char *state = k8s_obj_str(h, "state");
        if (!ver && state && !strcmp(state, "Completed"))
            ver = k8s_obj_str(h, "version");
    }
    if (!ver)
        ver = k8s_obj_str(cv, "status.desired.version");
    if (!ver) {
        cJSON_Delete(cv);
        return mtv_err_set(err, MTV_EXIT_ENV, "ClusterVersion 'version' has no version in its status");
    }
    sb_reset(out);
    sb_adds(out, ver);
    cJSON_Delete(cv);
    return 0;
}
