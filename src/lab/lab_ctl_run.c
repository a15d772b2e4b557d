/*
 * lab_ctl_run: one Migration of a Plan, as the plan controller runs it
 * (forklift.md 4.4, 5.3, 8). A run starts when the Plan is Ready and a
 * pending Migration exists: a history snapshot is appended, Executing is
 * set, every VM gets an itinerary (the ordered phases its source type,
 * warm/cold, hooks and conversion need) and a pipeline of Pending steps.
 * Each tick (3 s / speed) moves every VM whose phase time is up to its next
 * phase, doing what the phase does (hook Jobs, powering the source off,
 * DataVolumes, the conversion Pod, the VirtualMachine), and keeps step and
 * task progress, warm precopies and cutover, the in-flight limit, cancels
 * and injected faults. The Plan's status is the run's only memory besides
 * phase end times; the run ends with every VM Completed and the terminal
 * condition on the plan and its snapshot.
 */
#include "lab/lab_ctl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_meta.h"
#include "util/log.h"

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

/* ---- itineraries and pipelines ---- */

typedef struct step_def {
    const char *name, *desc;
    const char *built_from;   /* the phase that adds this step to a pipeline */
    int disk;
} step_def;

static const step_def steps[] = {
    {"Initialize", "Initialize migration.", "Started", 0},
    {"PreHook", "Run pre-migration hook.", "PreHook", 0},
    {"PreflightInspection", "Inspect VM before migration.", "PreflightInspection", 0},
    {"DiskAllocation", "Allocate disks.", "AllocateDisks", 1},
    {"DiskTransfer", "Transfer disks.", "CopyDisks", 1},
    {"Cutover", "Finalize disk transfer.", "Finalize", 1},
    {"ImageConversion", "Convert image to kubevirt.", "ConvertGuest", 0},
    {"DiskTransferV2v", "Copy disks.", "CopyDisksVirtV2V", 1},
    {"ConvertOpenstackSnapshot", "Convert OpenStack snapshot.", "ConvertOpenstackSnapshot", 1},
    {"VirtualMachineCreation", "Create VM.", "CreateVM", 0},
    {"WaitForGuestReboots", "Wait for Windows guest reboot after conversion.",
     "WaitForGuestReboots", 0},
    {"PostHook", "Run post-migration hook.", "PostHook", 0},
    {"WaitForFinalSnapshotConsolidation", "Waiting for final snapshot removal and consolidation",
     "WaitForFinalSnapshotRemoval", 0},
};

static const step_def *step_named(const char *name)
{
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
        if (!strcmp(steps[i].name, name))
            return &steps[i];
    return NULL;
}

typedef struct vm_kind {
    lab_src_type type;
    int warm, prehook, posthook, convert, v2v_copy, preflight;
} vm_kind;

static int in(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list))
            return 1;
    return 0;
}

/* The step a phase is reported under (NULL for Completed). */
static const char *step_of(const char *phase, const vm_kind *k)
{
    static const char *const init[] = {"Started", "CreateInitialSnapshot", "WaitForInitialSnapshot",
                                       "StoreInitialSnapshotDeltas", NULL};
    static const char *const power[] = {"StorePowerState", "PowerOffSource", "WaitForPowerOff",
                                        NULL};
    static const char *const transfer[] = {"CopyDisks", "CopyingPaused", "RemovePreviousSnapshot",
                                           "WaitForPreviousSnapshotRemoval", "CreateSnapshot",
                                           "WaitForSnapshot", "StoreSnapshotDeltas",
                                           "AddCheckpoint", NULL};
    static const char *const cutover[] = {"RemovePenultimateSnapshot",
                                          "WaitForPenultimateSnapshotRemoval",
                                          "CreateFinalSnapshot", "WaitForFinalSnapshot",
                                          "AddFinalCheckpoint", "Finalize", "RemoveFinalSnapshot",
                                          NULL};
    if (in(phase, init))
        return "Initialize";
    if (in(phase, power))
        return k->warm ? "Cutover" : "Initialize";
    if (!strcmp(phase, "CreateDataVolumes"))
        return k->preflight ? "DiskTransfer" : "Initialize";
    if (in(phase, transfer))
        return "DiskTransfer";
    if (in(phase, cutover))
        return "Cutover";
    if (!strcmp(phase, "AllocateDisks"))
        return "DiskAllocation";
    if (!strcmp(phase, "CreateGuestConversionPod") || !strcmp(phase, "ConvertGuest"))
        return "ImageConversion";
    if (!strcmp(phase, "CopyDisksVirtV2V"))
        return "DiskTransferV2v";
    if (!strcmp(phase, "CreateVM"))
        return "VirtualMachineCreation";
    if (!strcmp(phase, "WaitForFinalSnapshotRemoval"))
        return "WaitForFinalSnapshotConsolidation";
    if (!strcmp(phase, "Completed"))
        return NULL;
    return phase; /* PreHook, PostHook, PreflightInspection, ConvertOpenstackSnapshot, ... */
}

#define MAX_PHASES 48

static size_t itinerary(const vm_kind *k, const char **out)
{
    size_t n = 0;
#define P(x) (out[n++] = (x))
    int vs = k->type == LAB_SRC_VSPHERE;
    P("Started");
    if (k->prehook)
        P("PreHook");
    if (!k->warm) {
        P("StorePowerState");
        P("PowerOffSource");
        P("WaitForPowerOff");
        P("CreateDataVolumes");
        if (!k->v2v_copy)
            P("CopyDisks");
        else
            P("AllocateDisks");
        if (k->convert) {
            P("CreateGuestConversionPod");
            P("ConvertGuest");
        }
        if (k->v2v_copy)
            P("CopyDisksVirtV2V");
        if (k->type == LAB_SRC_OPENSTACK)
            P("ConvertOpenstackSnapshot");
    } else {
        P("CreateInitialSnapshot");
        P("WaitForInitialSnapshot");
        if (vs)
            P("StoreInitialSnapshotDeltas");
        if (k->preflight)
            P("PreflightInspection");
        P("CreateDataVolumes");
        P("CopyDisks");
        P("CopyingPaused");
        if (vs) {
            P("RemovePreviousSnapshot");
            P("WaitForPreviousSnapshotRemoval");
        }
        P("CreateSnapshot");
        P("WaitForSnapshot");
        if (vs)
            P("StoreSnapshotDeltas");
        P("AddCheckpoint");
        P("StorePowerState");
        P("PowerOffSource");
        P("WaitForPowerOff");
        if (vs) {
            P("RemovePenultimateSnapshot");
            P("WaitForPenultimateSnapshotRemoval");
        }
        P("CreateFinalSnapshot");
        P("WaitForFinalSnapshot");
        P("AddFinalCheckpoint");
        P("Finalize");
        if (vs)
            P("RemoveFinalSnapshot");
        if (k->convert) {
            P("CreateGuestConversionPod");
            P("ConvertGuest");
        }
    }
    P("CreateVM");
    if (k->posthook)
        P("PostHook");
    P("Completed");
#undef P
    return n;
}

static int has_hook(const cJSON *spec_vm, const char *step)
{
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(spec_vm, "hooks"))
    {
        if (!strcmp(js(h, "step"), step))
            return 1;
    }
    return 0;
}

static int plan_bool(const cJSON *spec, const char *key, int dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, key);
    return v ? cJSON_IsTrue(v) : dflt;
}

static vm_kind kind_of(const cJSON *plan, const cJSON *spec_vm, lab_src_type type)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(plan, "spec");
    vm_kind k = {.type = type};
    k.warm = plan_bool(spec, "warm", 0) || !strcmp(js(spec, "type"), "warm");
    k.prehook = has_hook(spec_vm, "PreHook");
    k.posthook = has_hook(spec_vm, "PostHook");
    int skip = plan_bool(spec, "skipGuestConversion", 0);
    k.convert = (type == LAB_SRC_VSPHERE || type == LAB_SRC_OVA || type == LAB_SRC_HYPERV) && !skip;
    int shared = plan_bool(spec, "migrateSharedDisks", 1);
    k.v2v_copy = type == LAB_SRC_OVA || type == LAB_SRC_HYPERV ||
                 (type == LAB_SRC_VSPHERE && !k.warm && shared && !skip &&
                  strcmp(js(spec, "type"), "conversion"));
    k.preflight = type == LAB_SRC_VSPHERE && k.warm && plan_bool(spec, "runPreflightInspection", 1) &&
                  !skip;
    return k;
}

static const char *task_name(const lab_vm *vm, const lab_disk *d, lab_src_type t)
{
    (void)vm;
    if (t == LAB_SRC_VSPHERE || t == LAB_SRC_OVA || t == LAB_SRC_HYPERV)
        return d->file;
    return d->id;
}

static cJSON *progress(long long done, long long total)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddNumberToObject(p, "completed", (double)done);
    cJSON_AddNumberToObject(p, "total", (double)total);
    return p;
}

static cJSON *build_pipeline(const char **phases, size_t n, const lab_vm *vm, lab_src_type t)
{
    cJSON *pipe = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        for (size_t s = 0; s < sizeof steps / sizeof *steps; s++) {
            const step_def *d = &steps[s];
            if (strcmp(d->built_from, phases[i]))
                continue;
            cJSON *st = cJSON_CreateObject();
            cJSON_AddStringToObject(st, "name", d->name);
            cJSON_AddStringToObject(st, "description", d->desc);
            if (strcmp(d->name, "Cutover"))
                cJSON_AddStringToObject(st, "phase", "Pending");
            long long total = 0;
            if (d->disk) {
                cJSON *ann = cJSON_AddObjectToObject(st, "annotations");
                cJSON_AddStringToObject(ann, "unit", "MB");
                cJSON *tasks = cJSON_CreateArray();
                for (size_t k = 0; k < vm->ndisks; k++) {
                    long long mib = (vm->disks[k].capacity + (1 << 20) - 1) >> 20;
                    total += mib;
                    cJSON *task = cJSON_CreateObject();
                    cJSON_AddStringToObject(task, "name", task_name(vm, &vm->disks[k], t));
                    cJSON *ta = cJSON_AddObjectToObject(task, "annotations");
                    cJSON_AddStringToObject(ta, "unit", "MB");
                    cJSON_AddItemToObject(task, "progress", progress(0, mib));
                    cJSON_AddItemToArray(tasks, task);
                }
                cJSON_AddItemToObject(st, "progress", progress(0, total));
                cJSON_AddItemToObject(st, "tasks", tasks);
            } else {
                cJSON_AddItemToObject(st, "progress", progress(0, 1));
            }
            cJSON_AddItemToArray(pipe, st);
        }
    }
    return pipe;
}

/* ---- timing ---- */

static double phase_seconds(const char *phase, const lab_vm *vm)
{
    double gb = 0;
    for (size_t i = 0; vm && i < vm->ndisks; i++)
        gb += (double)vm->disks[i].capacity / (1024.0 * 1024 * 1024);
    if (!strcmp(phase, "CopyDisks") || !strcmp(phase, "CopyDisksVirtV2V")) {
        double s = 20 + gb * 0.5;
        return s > 120 ? 120 : s;
    }
    static const struct {
        const char *phase;
        double s;
    } t[] = {{"AllocateDisks", 5}, {"CreateGuestConversionPod", 5}, {"ConvertGuest", 45},
             {"ConvertOpenstackSnapshot", 10}, {"PreflightInspection", 20}, {"PreHook", 10},
             {"PostHook", 10}, {"Finalize", 10}, {"CreateVM", 3}};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (!strcmp(t[i].phase, phase))
            return t[i].s;
    return 3;
}

static int64_t tick_ms(lab_ctl *c)
{
    int64_t t = ctl_scaled(c, 3);
    return t < 20 ? 20 : t;
}

/* ---- run state ---- */

run_rt *ctl_run_find(lab_ctl *c, const char *plan_uid)
{
    for (size_t i = 0; i < c->nruns; i++)
        if (!strcmp(c->runs[i]->plan_uid, plan_uid))
            return c->runs[i];
    return NULL;
}

static vm_rt *vm_state(run_rt *r, const char *id)
{
    for (size_t i = 0; i < r->nvms; i++)
        if (!strcmp(r->vms[i].id, id))
            return &r->vms[i];
    r->vms = realloc(r->vms, (r->nvms + 1) * sizeof *r->vms);
    if (!r->vms)
        abort();
    vm_rt *v = &r->vms[r->nvms++];
    memset(v, 0, sizeof *v);
    v->id = xstrdup(id);
    return v;
}

int ctl_inflight(lab_ctl *c)
{
    int n = 0;
    for (size_t i = 0; i < c->nruns; i++)
        for (size_t j = 0; j < c->runs[i]->nvms; j++)
            n += c->runs[i]->vms[j].due != 0;
    return n;
}

/* ---- the plan's status helpers ---- */

static void set_str(cJSON *o, const char *key, const char *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, key);
    if (v)
        cJSON_AddStringToObject(o, key, v);
}

static cJSON *obj_member(cJSON *o, const char *key)
{
    cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!m)
        m = cJSON_AddObjectToObject(o, key);
    return m;
}

static cJSON *find_step(cJSON *vm_status, const char *name)
{
    cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(vm_status, "pipeline"))
    {
        if (!strcmp(js(s, "name"), name))
            return s;
    }
    return NULL;
}

static void set_progress(cJSON *o, long long done)
{
    cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "progress");
    cJSON *c = cJSON_GetObjectItemCaseSensitive(p, "completed");
    if (c)
        cJSON_SetNumberValue(c, (double)done);
}

static long long progress_total(const cJSON *o)
{
    return (long long)cJSON_GetNumberValue(jpath(o, "progress.total"));
}

/* Disk step progress: fraction of each task's total. */
static void disk_progress(cJSON *step, double fraction)
{
    long long sum = 0;
    cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(step, "tasks"))
    {
        long long total = progress_total(t);
        long long done = (long long)((double)total * fraction);
        set_progress(t, done);
        sum += done;
    }
    set_progress(step, sum);
}

static void complete_step(cJSON *step, const char *now)
{
    if (!strcmp(js(step, "phase"), "Completed") || cJSON_GetObjectItem(step, "error"))
        return;
    if (!*js(step, "started"))
        set_str(step, "started", now);
    set_str(step, "phase", "Completed");
    set_str(step, "completed", now);
    if (cJSON_GetObjectItem(step, "tasks")) {
        cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(step, "tasks"))
        {
            set_progress(t, progress_total(t));
            set_str(t, "phase", "Completed");
            set_str(t, "reason", "Transfer completed.");
            if (!*js(t, "started"))
                set_str(t, "started", now);
            set_str(t, "completed", now);
        }
        set_progress(step, progress_total(step));
    }
}

static void start_step(cJSON *vm_status, const char *name, const char *now)
{
    cJSON *pipe = cJSON_GetObjectItemCaseSensitive(vm_status, "pipeline");
    cJSON *s;
    cJSON_ArrayForEach(s, pipe)
    {
        if (!strcmp(js(s, "name"), name))
            break;
        complete_step(s, now);
    }
    if (!s || !strcmp(js(s, "phase"), "Running") || !strcmp(js(s, "phase"), "Completed"))
        return;
    set_str(s, "phase", "Running");
    set_str(s, "started", now);
    cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(s, "tasks"))
    {
        if (!*js(t, "started"))
            set_str(t, "started", now);
    }
}

static void vm_condition(cJSON *vm_status, const char *type, const char *reason,
                         const char *message, const char *now)
{
    cJSON *conds = cJSON_GetObjectItemCaseSensitive(vm_status, "conditions");
    if (!conds)
        conds = cJSON_AddArrayToObject(vm_status, "conditions");
    lab_cond_set(conds, type, LAB_CAT_ADVISORY, reason, message, 1, NULL);
    lab_cond_finish(conds, NULL, now);
}

/* ---- a VM's context for the target side ---- */

typedef struct vm_ctx {
    lab_ctl *c;
    run_rt *run;
    cJSON *plan;
    cJSON *status;          /* the plan's new status */
    cJSON *migration;
    const cJSON *spec_vm;
    cJSON *vm_status;
    vm_rt *rt;
    lab_vm src;
    int have_src;
    lab_src_type type;
    const char *provider_uid;
    cJSON *provider;
    vm_kind kind;
    const char *phases[MAX_PHASES];
    size_t nphases;
    char now[32];
} vm_ctx;

static target_ctx target_of(vm_ctx *v)
{
    target_ctx t = {.c = v->c, .plan = v->plan, .spec_vm = v->spec_vm, .vm_status = v->vm_status,
                    .src = &v->src, .src_type = v->type, .migration = v->migration,
                    .target_ns = jpath_str(v->plan, "spec.targetNamespace")};
    return t;
}

/* An OpenShift source VM is stopped and started through its runStrategy,
 * which the power reconciler acts on at once. */
static void set_kubevirt_power(vm_ctx *v, int on)
{
    lab_ctl *c = v->c;
    const char *ns = js(v->spec_vm, "namespace");
    cJSON *patch = cJSON_Parse(on ? "{\"spec\":{\"runStrategy\":\"Always\"}}"
                                  : "{\"spec\":{\"runStrategy\":\"Halted\"}}");
    lab_result res;
    lab_store_patch(c->cfg.store, c->k_vm, ns, v->src.name, LAB_PATCH_MERGE, patch, NULL, &res);
    lab_result_release(&res);
    cJSON_Delete(patch);
    ctl_kubevirt_now(c, ns, v->src.name);
}

static void set_power(vm_ctx *v, int on)
{
    if (!v->have_src || v->src.power_on == on)
        return;
    if (v->type == LAB_SRC_OPENSHIFT)
        set_kubevirt_power(v, on);
    lab_inv_set_power(v->c->cfg.inv, v->provider_uid, v->src.id, on);
    if (v->c->cfg.power) {
        mtv_err err;
        mtv_err_clear(&err);
        if (v->c->cfg.power(v->c->cfg.power_ud, v->provider, &v->src, on, &err) < 0)
            log_warn("lab controller: powering %s %s: %s", v->src.name, on ? "on" : "off",
                     err.msg);
    }
    v->src.power_on = on;
}

/* A "source" fault: the source VM changes while the migration stops it. */
static void touch_source(vm_ctx *v)
{
    const cJSON *f = lab_faults_vm_source(v->c->cfg.faults, jpath_str(v->plan, "metadata.name"),
                                          v->src.name);
    if (!f || !v->have_src || !v->c->cfg.touch)
        return;
    mtv_err err;
    mtv_err_clear(&err);
    if (v->c->cfg.touch(v->c->cfg.touch_ud, v->provider, &v->src, f, &err) < 0)
        log_warn("lab controller: the source fault on %s: %s", v->src.name, err.msg);
    else
        log_info("lab controller: injected a source fault on %s", v->src.name);
}

static int delete_on_failure(vm_ctx *v)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(v->plan, "spec");
    return plan_bool(spec, "deleteVmOnFailMigration", 1) ||
           cJSON_IsTrue(cJSON_GetObjectItem(v->spec_vm, "deleteVmOnFailMigration"));
}

static void finish_vm(vm_ctx *v)
{
    set_str(v->vm_status, "phase", "Completed");
    set_str(v->vm_status, "completed", v->now);
    v->rt->due = 0;
    v->rt->entered = -1;
}

static void fail_vm(vm_ctx *v, const char *reason)
{
    char phase[64]; /* finish_vm replaces the status string */
    snprintf(phase, sizeof phase, "%s", js(v->vm_status, "phase"));
    const char *sname = step_of(phase, &v->kind);
    cJSON *step = sname ? find_step(v->vm_status, sname) : NULL;
    cJSON *reasons = cJSON_CreateArray();
    cJSON_AddItemToArray(reasons, cJSON_CreateString(reason));
    if (step) {
        if (!*js(step, "started"))
            set_str(step, "started", v->now);
        if (!strcmp(js(step, "phase"), "Pending") || !*js(step, "phase"))
            set_str(step, "phase", "Running");
        cJSON *err = cJSON_CreateObject();
        cJSON_AddStringToObject(err, "phase", js(step, "phase"));
        cJSON_AddItemToObject(err, "reasons", cJSON_Duplicate(reasons, 1));
        cJSON_DeleteItemFromObjectCaseSensitive(step, "error");
        cJSON_AddItemToObject(step, "error", err);
        set_str(step, "completed", v->now);
    }
    cJSON *err = cJSON_CreateObject();
    cJSON_AddStringToObject(err, "phase", phase);
    cJSON_AddItemToObject(err, "reasons", reasons);
    cJSON_DeleteItemFromObjectCaseSensitive(v->vm_status, "error");
    cJSON_AddItemToObject(v->vm_status, "error", err);
    vm_condition(v->vm_status, "Failed", NULL, "The VM migration has FAILED.", v->now);
    finish_vm(v);
    log_info("lab controller: plan %s: VM %s failed at %s: %s",
             jpath_str(v->plan, "metadata.name"), js(v->vm_status, "name"), phase, reason);
    /* a VM that failed its PostHook was migrated: it is kept, as the MTV
     * that upstream's test_post_hook_retain_failed_vm runs against does */
    if (delete_on_failure(v) && strcmp(phase, "PostHook") != 0) {
        target_ctx t = target_of(v);
        ctl_delete_targets(&t);
    }
}

static void cancel_vm(vm_ctx *v, const char *reason)
{
    vm_condition(v->vm_status, "Canceled", reason, "The migration has been canceled.", v->now);
    finish_vm(v);
    target_ctx t = target_of(v);
    ctl_delete_targets(&t);
    if (!strcmp(js(v->vm_status, "restorePowerState"), "On"))
        set_power(v, 1);
}

static int64_t precopy_interval_ms(lab_ctl *c)
{
    long minutes = ctl_fc_long(c, "controller_precopy_interval", 60);
    if (minutes < 1)
        minutes = 1;
    return ctl_scaled(c, (double)minutes * 60);
}

static size_t phase_index(vm_ctx *v, const char *phase)
{
    for (size_t i = 0; i < v->nphases; i++)
        if (!strcmp(v->phases[i], phase))
            return i;
    return v->nphases;
}

static cJSON *warm_status(vm_ctx *v)
{
    cJSON *w = cJSON_GetObjectItemCaseSensitive(v->vm_status, "warm");
    if (!w) {
        w = cJSON_AddObjectToObject(v->vm_status, "warm");
        cJSON_AddNumberToObject(w, "successes", 0);
        cJSON_AddNumberToObject(w, "failures", 0);
        cJSON_AddNumberToObject(w, "consecutiveFailures", 0);
        cJSON_AddArrayToObject(w, "precopies");
    }
    return w;
}

/* Enters a phase: bookkeeping and the phase's action. Returns 0, or -1
 * after failing the VM. */
static int enter(vm_ctx *v, const char *phase)
{
    lab_ctl *c = v->c;
    int64_t now = ctl_now(c);
    set_str(v->vm_status, "phase", phase);
    v->rt->entered = now;
    v->rt->due = now + ctl_scaled(c, phase_seconds(phase, v->have_src ? &v->src : NULL));
    if (!strcmp(phase, "Completed")) {
        cJSON *pipe = cJSON_GetObjectItemCaseSensitive(v->vm_status, "pipeline");
        cJSON *s;
        cJSON_ArrayForEach(s, pipe)
        {
            complete_step(s, v->now);
        }
        vm_condition(v->vm_status, "Succeeded", NULL, "The VM migration has SUCCEEDED.", v->now);
        finish_vm(v);
        return 0;
    }
    const char *sname = step_of(phase, &v->kind);
    if (sname)
        start_step(v->vm_status, sname, v->now);
    const char *plan_name = jpath_str(v->plan, "metadata.name");
    if (sname && lab_faults_vm_hang(c->cfg.faults, plan_name, v->src.name, sname))
        v->rt->due = INT64_MAX;
    mtv_err err;
    mtv_err_clear(&err);
    target_ctx t = target_of(v);
    if (!strcmp(phase, "PreHook") || !strcmp(phase, "PostHook")) {
        cJSON *wl = NULL;
        lab_vm tmp;
        if (lab_inv_find_vm(c->cfg.inv, v->provider_uid, v->src.id, NULL, &tmp, &wl) == 0)
            lab_vm_release(&tmp);
        free(v->rt->hook_job);
        v->rt->hook_job = NULL;
        if (ctl_hook_start(c, v->plan, v->migration, v->spec_vm, v->src.id, phase, wl,
                           &v->rt->hook_job, &err) < 0) {
            fail_vm(v, err.msg);
            return -1;
        }
    } else if (!strcmp(phase, "StorePowerState")) {
        set_str(v->vm_status, "restorePowerState", v->src.power_on ? "On" : "Off");
    } else if (!strcmp(phase, "PowerOffSource")) {
        set_power(v, 0);
        touch_source(v);
    } else if (!strcmp(phase, "CreateDataVolumes")) {
        if (ctl_create_disks(&t, &err) < 0) {
            fail_vm(v, err.msg);
            return -1;
        }
    } else if (!strcmp(phase, "CopyDisks") && v->kind.warm) {
        cJSON *w = warm_status(v);
        cJSON *pre = cJSON_CreateObject();
        cJSON_AddStringToObject(pre, "start", v->now);
        char buf[64];
        snprintf(buf, sizeof buf, "snapshot-%d", 100 + v->rt->precopies);
        cJSON_AddStringToObject(pre, "snapshot", buf);
        snprintf(buf, sizeof buf, "task-%d", 200 + 2 * v->rt->precopies);
        cJSON_AddStringToObject(pre, "createTaskId", buf);
        cJSON *deltas = cJSON_AddArrayToObject(pre, "deltas");
        for (size_t i = 0; i < v->src.ndisks; i++) {
            cJSON *d = cJSON_CreateObject();
            cJSON_AddStringToObject(d, "disk", task_name(&v->src, &v->src.disks[i], v->type));
            snprintf(buf, sizeof buf, "52 %02x %02x 6c 1a 7f 3c 4e-%02d", v->rt->precopies & 0xff,
                     (int)i, v->rt->precopies % 100);
            cJSON_AddStringToObject(d, "deltaId", buf);
            cJSON_AddItemToArray(deltas, d);
        }
        cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(w, "precopies"), pre);
        /* later precopies move only the deltas */
        if (v->rt->precopies > 0)
            v->rt->due = now + ctl_scaled(c, 8);
    } else if (!strcmp(phase, "CopyingPaused")) {
        int64_t due = v->rt->next_precopy;
        if (v->run->cutover_due && v->run->cutover_due < due)
            due = v->run->cutover_due;
        v->rt->due = due ? due : INT64_MAX;
    } else if (!strcmp(phase, "CreateGuestConversionPod")) {
        ctl_conversion_pod(&t, 0);
    } else if (!strcmp(phase, "CreateVM")) {
        if (ctl_create_vm(&t, &err) < 0) {
            fail_vm(v, err.msg);
            return -1;
        }
    }
    return 0;
}

/* Leaves a phase (its time is up). Returns 0, or -1 after failing the VM. */
static int leave(vm_ctx *v, const char *phase)
{
    lab_ctl *c = v->c;
    const char *sname = step_of(phase, &v->kind);
    /* a step fails in the phase that does its work (ConvertGuest for
     * ImageConversion), as in the captured failed plan */
    const step_def *sd = sname ? step_named(sname) : NULL;
    const char *reason = sd && !strcmp(sd->built_from, phase)
                             ? lab_faults_vm_fail(c->cfg.faults, jpath_str(v->plan, "metadata.name"),
                                                  v->src.name, sname)
                             : NULL;
    if (reason) {
        fail_vm(v, reason);
        return -1;
    }
    target_ctx t = target_of(v);
    if (!strcmp(phase, "PreHook") || !strcmp(phase, "PostHook")) {
        const char *why = NULL;
        if (v->rt->hook_job &&
            !ctl_hook_finish(c, jpath_str(v->plan, "metadata.namespace"), v->rt->hook_job, &why)) {
            fail_vm(v, why ? why : "Job has reached the specified backoff limit");
            return -1;
        }
    } else if (!strcmp(phase, "ConvertGuest")) {
        ctl_conversion_pod(&t, 1);
    } else if (!strcmp(phase, "CopyDisks") || !strcmp(phase, "CopyDisksVirtV2V")) {
        ctl_disks_progress(&t, 100, "Succeeded");
        cJSON *step = find_step(v->vm_status, step_of(phase, &v->kind));
        if (step)
            disk_progress(step, 1.0);
        if (v->kind.warm && !strcmp(phase, "CopyDisks")) {
            cJSON *w = warm_status(v);
            cJSON *pre = cJSON_GetArrayItem(cJSON_GetObjectItem(w, "precopies"),
                                            cJSON_GetArraySize(cJSON_GetObjectItem(w, "precopies")) - 1);
            if (pre)
                set_str(pre, "end", v->now);
            cJSON *succ = cJSON_GetObjectItemCaseSensitive(w, "successes");
            cJSON_SetNumberValue(succ, succ->valuedouble + 1);
            v->rt->precopies++;
            int64_t iv = precopy_interval_ms(c);
            v->rt->next_precopy = ctl_now(c) + iv;
            char at[32];
            lab_time_format(lab_store_now(c->cfg.store) + (time_t)(iv / 1000), at);
            set_str(w, "nextPrecopyAt", at);
            /* each task notes the precopy it belongs to */
            cJSON *t2;
            char n[16];
            snprintf(n, sizeof n, "%d", v->rt->precopies);
            cJSON_ArrayForEach(t2, cJSON_GetObjectItemCaseSensitive(step, "tasks"))
            {
                cJSON *ann = obj_member(t2, "annotations");
                set_str(ann, "Precopy", n);
            }
        }
    }
    return 0;
}

static const char *next_phase(vm_ctx *v, const char *phase)
{
    if (!strcmp(phase, "AddCheckpoint"))
        return "CopyDisks";
    if (!strcmp(phase, "CopyingPaused") && v->run->cutover_due &&
        ctl_now(v->c) >= v->run->cutover_due)
        return "StorePowerState";
    size_t i = phase_index(v, phase);
    return i + 1 < v->nphases ? v->phases[i + 1] : "Completed";
}

/* Progress of the phase in flight, as a fraction of its time. */
static void update_progress(vm_ctx *v)
{
    const char *phase = js(v->vm_status, "phase");
    int copy = !strcmp(phase, "CopyDisks") || !strcmp(phase, "CopyDisksVirtV2V") ||
               !strcmp(phase, "Finalize") || !strcmp(phase, "ConvertOpenstackSnapshot");
    if (!copy || v->rt->due == INT64_MAX)
        return;
    if (!strcmp(phase, "CopyDisks") && v->kind.warm && v->rt->precopies > 0)
        return;
    int64_t span = v->rt->due - v->rt->entered;
    double f = span > 0 ? (double)(ctl_now(v->c) - v->rt->entered) / (double)span : 1;
    if (f > 0.99)
        f = 0.99;
    if (f < 0)
        f = 0;
    cJSON *step = find_step(v->vm_status, step_of(phase, &v->kind));
    if (step)
        disk_progress(step, f);
    if (strcmp(phase, "Finalize")) {
        target_ctx t = target_of(v);
        ctl_disks_progress(&t, (int)(f * 100), "ImportInProgress");
    }
}

/* ---- starting a run ---- */

static cJSON *pick_migration(lab_ctl *c, const cJSON *plan)
{
    cJSON *migs = ctl_list(c, c->k_migration, jpath_str(plan, "metadata.namespace"));
    cJSON *best = NULL;
    const cJSON *m;
    cJSON_ArrayForEach(m, migs)
    {
        if (strcmp(jpath_str(m, "spec.plan.name"), jpath_str(plan, "metadata.name")))
            continue;
        const cJSON *conds = jpath(m, "status.conditions");
        if (*jpath_str(m, "status.completed") || lab_cond_has(conds, "Succeeded") ||
            lab_cond_has(conds, "Failed") || lab_cond_has(conds, "Canceled") ||
            jpath(m, "metadata.deletionTimestamp"))
            continue;
        /* one that already ran belongs to the history */
        int ran = 0;
        const cJSON *h;
        cJSON_ArrayForEach(h, jpath(plan, "status.migration.history"))
        {
            ran |= !strcmp(jpath_str(h, "migration.uid"), jpath_str(m, "metadata.uid"));
        }
        if (ran)
            continue;
        if (!best) {
            best = (cJSON *)m;
            continue;
        }
        int cmp = strcmp(jpath_str(m, "metadata.creationTimestamp"),
                         jpath_str(best, "metadata.creationTimestamp"));
        if (cmp < 0 || (cmp == 0 && strcmp(jpath_str(m, "metadata.name"),
                                           jpath_str(best, "metadata.name")) < 0))
            best = (cJSON *)m;
    }
    cJSON *r = best ? cJSON_Duplicate(best, 1) : NULL;
    cJSON_Delete(migs);
    return r;
}

static void ensure_namespace(lab_ctl *c, const char *ns)
{
    cJSON *n = ctl_get(c, c->k_ns, NULL, ns);
    if (n) {
        cJSON_Delete(n);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "apiVersion", "v1");
    cJSON_AddStringToObject(o, "kind", "Namespace");
    cJSON *m = cJSON_AddObjectToObject(o, "metadata");
    cJSON_AddStringToObject(m, "name", ns);
    ctl_create(c, c->k_ns, NULL, o, NULL);
}

static cJSON *snapshot(lab_ctl *c, const cJSON *plan, const cJSON *mig, const char *now)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(plan, "spec");
    const char *pns = jpath_str(plan, "metadata.namespace");
    cJSON *s = cJSON_CreateObject();
    cJSON *conds = cJSON_AddArrayToObject(s, "conditions");
    lab_cond_set(conds, "Executing", LAB_CAT_ADVISORY, NULL, "The plan is EXECUTING.", 1, NULL);
    lab_cond_finish(conds, NULL, now);
    const char *refs[][3] = {{"provider.source", "provider", "source"},
                             {"provider.destination", "provider", "destination"},
                             {"map.network", "map", "network"},
                             {"map.storage", "map", "storage"}};
    for (size_t i = 0; i < 4; i++) {
        const cJSON *r = jpath(spec, refs[i][0]);
        const lab_kind *k = i < 2 ? c->k_provider : i == 2 ? c->k_netmap : c->k_stomap;
        cJSON *o = ctl_get(c, k, *js(r, "namespace") ? js(r, "namespace") : pns, js(r, "name"));
        cJSON *holder = obj_member(s, refs[i][1]);
        if (o)
            cJSON_AddItemToObject(holder, refs[i][2], ctl_ref(o));
        cJSON_Delete(o);
    }
    cJSON_AddItemToObject(s, "plan", ctl_ref(plan));
    cJSON_AddItemToObject(s, "migration", ctl_ref(mig));
    return s;
}

static void start_run(lab_ctl *c, cJSON *plan, cJSON *status, cJSON *mig)
{
    char now[32];
    ctl_now_str(c, now);
    cJSON *m = obj_member(status, "migration");
    cJSON *history = cJSON_GetObjectItemCaseSensitive(m, "history");
    if (!history)
        history = cJSON_AddArrayToObject(m, "history");
    cJSON_AddItemToArray(history, snapshot(c, plan, mig, now));
    ctl_plan_source_reread(c, plan);
    set_str(m, "started", now);
    cJSON_DeleteItemFromObjectCaseSensitive(m, "completed");
    run_rt *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    r->plan_uid = xstrdup(jpath_str(plan, "metadata.uid"));
    r->migration_uid = xstrdup(jpath_str(mig, "metadata.uid"));
    r->migration_name = xstrdup(jpath_str(mig, "metadata.name"));
    const cJSON *src_ref = jpath(plan, "spec.provider.source");
    cJSON *src = ctl_get(c, c->k_provider, *js(src_ref, "namespace") ? js(src_ref, "namespace")
                                                                     : jpath_str(plan, "metadata.namespace"),
                         js(src_ref, "name"));
    const char *src_uid = jpath_str(src, "metadata.uid");
    int t = lab_src_type_parse(jpath_str(src, "spec.type"));
    const cJSON *old_vms = cJSON_GetObjectItemCaseSensitive(m, "vms");
    cJSON *vms = cJSON_CreateArray();
    const cJSON *sv;
    cJSON_ArrayForEach(sv, jpath(plan, "spec.vms"))
    {
        const char *id = js(sv, "id"), *name = js(sv, "name"), *vns = js(sv, "namespace");
        lab_vm vm;
        strbuf full = STRBUF_INIT;
        if (*vns)
            sb_addf(&full, "%s/%s", vns, name);
        else
            sb_adds(&full, name);
        int found = lab_inv_find_vm(c->cfg.inv, src_uid, id, full.buf, &vm, NULL) == 0;
        sb_release(&full);
        const char *rid = found ? vm.id : id;
        /* a VM that succeeded before keeps its pipeline */
        const cJSON *ov, *keep = NULL;
        cJSON_ArrayForEach(ov, old_vms)
        {
            if (!strcmp(js(ov, "id"), rid) && !strcmp(js(ov, "phase"), "Completed") &&
                lab_cond_has(cJSON_GetObjectItem(ov, "conditions"), "Succeeded"))
                keep = ov;
        }
        if (keep) {
            cJSON_AddItemToArray(vms, cJSON_Duplicate(keep, 1));
            if (found)
                lab_vm_release(&vm);
            continue;
        }
        cJSON *e = cJSON_Duplicate(sv, 1);
        set_str(e, "id", rid);
        if (found)
            set_str(e, "name", vm.name);
        vm_kind k = kind_of(plan, sv, t < 0 ? LAB_SRC_VSPHERE : (lab_src_type)t);
        const char *phases[MAX_PHASES];
        size_t n = itinerary(&k, phases);
        set_str(e, "phase", "Started");
        lab_vm empty = {0};
        cJSON_AddItemToObject(e, "pipeline", build_pipeline(phases, n, found ? &vm : &empty,
                                                            k.type));
        cJSON_AddItemToArray(vms, e);
        vm_state(r, rid);
        if (found)
            lab_vm_release(&vm);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(m, "vms");
    cJSON_AddItemToObject(m, "vms", vms);
    cJSON *conds = cJSON_GetObjectItemCaseSensitive(status, "conditions");
    lab_cond_remove(conds, "Succeeded");
    lab_cond_remove(conds, "Failed");
    lab_cond_remove(conds, "Canceled");
    lab_cond_set(conds, "Executing", LAB_CAT_ADVISORY, NULL, "The plan is EXECUTING.", 1, NULL);
    ensure_namespace(c, jpath_str(plan, "spec.targetNamespace"));
    c->runs = realloc(c->runs, (c->nruns + 1) * sizeof *c->runs);
    if (!c->runs)
        abort();
    c->runs[c->nruns++] = r;
    r->last_tick = ctl_now(c);
    log_info("lab controller: plan %s/%s: migration %s started (%d VMs)",
             jpath_str(plan, "metadata.namespace"), jpath_str(plan, "metadata.name"),
             r->migration_name, cJSON_GetArraySize(vms));
    cJSON_Delete(src);
}

/* ---- the tick ---- */

static void finish_run(lab_ctl *c, run_rt *r, cJSON *plan, cJSON *status, const char *outcome,
                       const char *reason, const char *message)
{
    char now[32];
    ctl_now_str(c, now);
    cJSON *m = obj_member(status, "migration");
    set_str(m, "completed", now);
    cJSON *hist = cJSON_GetObjectItemCaseSensitive(m, "history");
    cJSON *snap = cJSON_GetArrayItem(hist, cJSON_GetArraySize(hist) - 1);
    cJSON *sc = cJSON_GetObjectItemCaseSensitive(snap, "conditions");
    lab_cond_remove(sc, "Executing");
    lab_cond_set(sc, outcome, LAB_CAT_ADVISORY, reason, message, 1, NULL);
    lab_cond_finish(sc, NULL, now);
    cJSON *conds = cJSON_GetObjectItemCaseSensitive(status, "conditions");
    lab_cond_remove(conds, "Executing");
    lab_cond_set(conds, outcome, LAB_CAT_ADVISORY, reason, message, 1, NULL);
    log_info("lab controller: plan %s/%s: %s", jpath_str(plan, "metadata.namespace"),
             jpath_str(plan, "metadata.name"), message);
    ctl_run_forget(c, r->plan_uid);
}

/* While VMs wait for the in-flight limit, the Ready message counts them. */
static void ready_message(cJSON *status, const run_rt *r)
{
    if (!r->pending)
        return;
    char msg[128];
    snprintf(msg, sizeof msg, "%d VM(s) waiting to start migration (in-flight limit: %ld).",
             r->pending, r->max_inflight);
    cJSON *conds = cJSON_GetObjectItemCaseSensitive(status, "conditions");
    if (lab_cond_has(conds, "Ready"))
        lab_cond_set(conds, "Ready", LAB_CAT_REQUIRED, NULL, msg, 0, NULL);
}

static const cJSON *cancel_ref(const cJSON *mig, const char *id)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, jpath(mig, "spec.cancel"))
    {
        if (!strcmp(js(e, "id"), id))
            return e;
    }
    return NULL;
}

int64_t ctl_run_step(lab_ctl *c, cJSON *plan, cJSON *status, int ready)
{
    const char *plan_uid = jpath_str(plan, "metadata.uid");
    run_rt *r = ctl_run_find(c, plan_uid);
    if (!r) {
        if (!ready || lab_cond_has(cJSON_GetObjectItem(status, "conditions"), "Succeeded"))
            return -1;
        cJSON *mig = pick_migration(c, plan);
        if (!mig)
            return -1;
        start_run(c, plan, status, mig);
        cJSON_Delete(mig);
        return tick_ms(c);
    }
    int64_t now = ctl_now(c);
    int64_t tick = tick_ms(c);
    if (now - r->last_tick < tick) {
        ready_message(status, r);
        return tick - (now - r->last_tick);
    }
    r->last_tick = now;
    cJSON *m = obj_member(status, "migration");
    cJSON *vms = cJSON_GetObjectItemCaseSensitive(m, "vms");
    cJSON *mig = ctl_get(c, c->k_migration, jpath_str(plan, "metadata.namespace"),
                         r->migration_name);
    int deleted = !mig || strcmp(jpath_str(mig, "metadata.uid"), r->migration_uid) ||
                  jpath(mig, "metadata.deletionTimestamp");
    if (mig) {
        const char *cut = jpath_str(mig, "spec.cutover");
        if (*cut && (!r->cutover_seen || strcmp(r->cutover_seen, cut))) {
            time_t at;
            if (lab_time_parse(cut, &at) == 0) {
                double left = difftime(at, lab_store_now(c->cfg.store));
                r->cutover_due = now + (left > 0 ? ctl_scaled(c, left) : 0);
            }
            free(r->cutover_seen);
            r->cutover_seen = xstrdup(cut);
        }
    }
    const cJSON *src_ref = jpath(plan, "spec.provider.source");
    cJSON *provider = ctl_get(c, c->k_provider, *js(src_ref, "namespace") ? js(src_ref, "namespace")
                                                                          : jpath_str(plan, "metadata.namespace"),
                              js(src_ref, "name"));
    int t = lab_src_type_parse(jpath_str(provider, "spec.type"));
    long max_inflight = ctl_fc_long(c, "controller_max_vm_inflight", 20);
    int inflight = ctl_inflight(c);
    int pending = 0, all_done = 1;
    cJSON *sv;
    cJSON_ArrayForEach(sv, vms)
    {
        if (!strcmp(js(sv, "phase"), "Completed"))
            continue;
        all_done = 0;
        vm_ctx v = {.c = c, .run = r, .plan = plan, .status = status, .migration = mig,
                    .vm_status = sv, .type = t < 0 ? LAB_SRC_VSPHERE : (lab_src_type)t,
                    .provider = provider};
        v.provider_uid = jpath_str(provider, "metadata.uid");
        const cJSON *spec_vm;
        cJSON_ArrayForEach(spec_vm, jpath(plan, "spec.vms"))
        {
            if (!strcmp(js(spec_vm, "id"), js(sv, "id")) ||
                (!*js(spec_vm, "id") && !strcmp(js(spec_vm, "name"), js(sv, "name"))))
                break;
        }
        v.spec_vm = spec_vm ? spec_vm : sv;
        v.rt = vm_state(r, js(sv, "id"));
        ctl_now_str(c, v.now);
        strbuf full = STRBUF_INIT;
        if (*js(sv, "namespace"))
            sb_addf(&full, "%s/%s", js(sv, "namespace"), js(sv, "name"));
        else
            sb_adds(&full, js(sv, "name"));
        v.have_src = lab_inv_find_vm(c->cfg.inv, v.provider_uid, js(sv, "id"), full.buf, &v.src,
                                     NULL) == 0;
        sb_release(&full);
        /* the inventory follows the source, which the migration powers off
         * (no agent, no IPs then): but for its power, the VM is as it was
         * when the migration first read it */
        if (v.have_src && !v.rt->at_start) {
            v.rt->at_start = calloc(1, sizeof *v.rt->at_start);
            if (!v.rt->at_start)
                abort();
            lab_vm_copy(v.rt->at_start, &v.src);
        } else if (v.have_src) {
            int on = v.src.power_on;
            lab_vm_release(&v.src);
            lab_vm_copy(&v.src, v.rt->at_start);
            v.src.power_on = on;
        }
        v.kind = kind_of(plan, v.spec_vm, v.type);
        v.nphases = itinerary(&v.kind, v.phases);
        if (deleted) {
            cancel_vm(&v, "Modified");
        } else if (cancel_ref(mig, js(sv, "id"))) {
            cancel_vm(&v, "UserRequested");
        } else if (!v.have_src) {
            vm_condition(sv, "Canceled", "NotFound", "The migration has been canceled.", v.now);
            finish_vm(&v);
        } else if (v.rt->due == 0 && v.rt->entered == 0) {
            /* not started: the in-flight limit decides */
            cJSON *conds = cJSON_GetObjectItemCaseSensitive(sv, "conditions");
            if (inflight >= max_inflight) {
                char msg[128];
                snprintf(msg, sizeof msg,
                         "Waiting to start migration: in-flight limit reached (max %ld).",
                         max_inflight);
                if (!lab_cond_has(conds, "Pending"))
                    vm_condition(sv, "Pending", NULL, msg, v.now);
                pending++;
            } else {
                lab_cond_remove(conds, "Pending");
                if (conds && !cJSON_GetArraySize(conds))
                    cJSON_DeleteItemFromObjectCaseSensitive(sv, "conditions");
                set_str(sv, "started", v.now);
                inflight++;
                enter(&v, "Started");
            }
        } else {
            /* CopyingPaused waits for the next precopy or the cutover */
            if (!strcmp(js(sv, "phase"), "CopyingPaused")) {
                int64_t due = v.rt->next_precopy;
                if (r->cutover_due && r->cutover_due < due)
                    due = r->cutover_due;
                v.rt->due = due;
            }
            int guard = 0;
            while (v.rt->due && ctl_now(c) >= v.rt->due && guard++ < MAX_PHASES * 2) {
                const char *cur = js(sv, "phase");
                char curbuf[64];
                snprintf(curbuf, sizeof curbuf, "%s", cur);
                if (leave(&v, curbuf) < 0)
                    break;
                if (enter(&v, next_phase(&v, curbuf)) < 0)
                    break;
                if (!strcmp(js(sv, "phase"), "Completed"))
                    break;
            }
            if (strcmp(js(sv, "phase"), "Completed"))
                update_progress(&v);
        }
        if (v.have_src)
            lab_vm_release(&v.src);
    }
    int64_t ret = tick;
    if (deleted) {
        finish_run(c, r, plan, status, "Canceled", "Deleted", "The migration has been deleted.");
        ret = -1;
    } else if (all_done) {
        /* VM outcomes were written a tick ago; now the plan's */
        int failed = 0, succeeded = 0;
        cJSON_ArrayForEach(sv, vms)
        {
            const cJSON *conds = cJSON_GetObjectItem(sv, "conditions");
            failed |= lab_cond_has(conds, "Failed");
            succeeded |= lab_cond_has(conds, "Succeeded");
        }
        if (failed)
            finish_run(c, r, plan, status, "Failed", NULL, "The plan execution has FAILED.");
        else if (succeeded)
            finish_run(c, r, plan, status, "Succeeded", NULL, "The plan execution has SUCCEEDED.");
        else
            finish_run(c, r, plan, status, "Canceled", "UserRequested",
                       "The plan execution has been CANCELED.");
        ret = -1;
    }
    if (ret >= 0) { /* finish_run freed the run */
        r->pending = pending;
        r->max_inflight = max_inflight;
        ready_message(status, r);
    }
    cJSON_Delete(mig);
    cJSON_Delete(provider);
    return ret;
}
