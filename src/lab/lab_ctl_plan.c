/*
 * lab_ctl_plan: the Plan reconciler: validation into conditions as
 * forklift.md 4.6 orders them (the provider pair first, and nothing else
 * when the source is not Ready), Ready when no Critical or Error remains,
 * observedGeneration, then the migration run (lab_ctl_run.c). Per-VM
 * checks are skipped while the plan executes and for VMs that already
 * succeeded, like upstream. Condition items are refs in upstream's string
 * form " id:<id> name:'<name>' ".
 */
#include "lab/lab_ctl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_meta.h"
#include "util/gotmpl.h"

static void add_item(cJSON **arr, const char *id, const char *name)
{
    if (!*arr)
        *arr = cJSON_CreateArray();
    strbuf ref = STRBUF_INIT;
    sb_addf(&ref, " id:%s name:'%s' ", id ? id : "", name ? name : "");
    cJSON_AddItemToArray(*arr, cJSON_CreateString(ref.buf));
    sb_release(&ref);
}

/* Whether the map resolves a source ref (by id, or by name). */
static int mapped(const cJSON *map, const char *id, const char *name, int network, int *pod)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, jpath(map, "spec.map"))
    {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "source");
        const char *sid = js(s, "id"), *sname = js(s, "name");
        int hit = (*sid && id && !strcmp(sid, id)) || (*sname && name && !strcmp(sname, name));
        if (!hit && *sname && name && strchr(sname, '/'))
            hit = !strcmp(strrchr(sname, '/') + 1, name) || !strcmp(sname, name);
        if (!hit && network && id && !strcmp(id, "pod") && !strcmp(js(s, "type"), "pod"))
            hit = 1;
        /* the resolved references count too */
        if (!hit) {
            const cJSON *r;
            cJSON_ArrayForEach(r, jpath(map, "status.references"))
            {
                if (id && !strcmp(js(r, "id"), id) && (!strcmp(js(r, "id"), sid) ||
                                                      !strcmp(js(r, "name"), sname)))
                    hit = 1;
            }
        }
        if (hit) {
            if (pod)
                *pod = !strcmp(jpath_str(e, "destination.type"), "pod");
            return !network || strcmp(jpath_str(e, "destination.type"), "ignored") ? 1 : 2;
        }
    }
    return 0;
}

int ctl_render_pvc_name(const char *tmpl, const cJSON *data, strbuf *out, mtv_err *err)
{
    if (gotmpl_render("pvcNameTemplate", tmpl, data, out, err) < 0)
        return -1;
    /* whitespace-trimmed output must be a DNS-1123 label */
    size_t b = 0, e = out->len;
    while (b < e && strchr(" \t\r\n", out->buf[b]))
        b++;
    while (e > b && strchr(" \t\r\n", out->buf[e - 1]))
        e--;
    char *trimmed = strndup(out->buf + b, e - b);
    sb_reset(out);
    sb_adds(out, trimmed);
    free(trimmed);
    const char *bad = *out->buf ? lab_name_dns1123_label(out->buf) : "must not be empty";
    if (bad)
        return mtv_err_set(err, MTV_EXIT_USAGE, "the PVC name \"%s\" %s", out->buf, bad);
    return 0;
}

static int template_ok(const char *tmpl)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "VmName", "vm-name");
    cJSON_AddStringToObject(d, "TargetVmName", "vm-name");
    cJSON_AddStringToObject(d, "PlanName", "plan");
    cJSON_AddNumberToObject(d, "DiskIndex", 0);
    cJSON_AddNumberToObject(d, "RootDiskIndex", 0);
    cJSON_AddStringToObject(d, "VmId", "vm-1");
    cJSON_AddStringToObject(d, "WinDriveLetter", "c");
    cJSON_AddBoolToObject(d, "Shared", 0);
    cJSON_AddStringToObject(d, "FileName", "disk-0.vmdk");
    cJSON_AddStringToObject(d, "SourcePVCName", "pvc");
    cJSON_AddStringToObject(d, "SourcePVCNamespace", "ns");
    cJSON_AddStringToObject(d, "DiskId", "disk-0");
    cJSON_AddStringToObject(d, "VolumeID", "vol-0");
    cJSON_AddStringToObject(d, "SnapshotID", "snap-0");
    strbuf out = STRBUF_INIT;
    mtv_err err;
    mtv_err_clear(&err);
    int ok = ctl_render_pvc_name(tmpl, d, &out, &err) == 0;
    sb_release(&out);
    cJSON_Delete(d);
    return ok;
}

static void check_vms(lab_ctl *c, const cJSON *plan, const cJSON *src, const cJSON *netmap,
                      const cJSON *stomap, cJSON *conds)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(plan, "spec");
    const char *src_uid = jpath_str(src, "metadata.uid");
    const char *src_type = jpath_str(src, "spec.type");
    int vsphere = !strcmp(src_type, "vsphere");
    int warm = cJSON_IsTrue(cJSON_GetObjectItem(spec, "warm")) ||
               !strcmp(js(spec, "type"), "warm");
    const cJSON *psi = cJSON_GetObjectItem(spec, "preserveStaticIPs");
    int preserve = !psi || cJSON_IsTrue(psi);
    const char *target_ns = js(spec, "targetNamespace");
    const char *plan_uid = jpath_str(plan, "metadata.uid");
    cJSON *refbad = NULL, *notfound = NULL, *dup = NULL, *ambiguous = NULL, *netbad = NULL,
          *stobad = NULL, *multipod = NULL, *cbt = NULL, *noips = NULL, *badname = NULL,
          *exists = NULL, *hookbad = NULL, *hooknotready = NULL, *hookstep = NULL,
          *tmplbad = NULL, *badtarget = NULL;
    const cJSON *vms = cJSON_GetObjectItemCaseSensitive(spec, "vms");
    const cJSON *prior = jpath(plan, "status.migration.vms");
    const cJSON *v;
    int idx = 0;
    cJSON_ArrayForEach(v, vms)
    {
        idx++;
        const char *id = js(v, "id"), *name = js(v, "name"), *vns = js(v, "namespace");
        /* VMs that already succeeded are not validated again */
        const cJSON *pv;
        int done = 0;
        cJSON_ArrayForEach(pv, prior)
        {
            if (*id && !strcmp(js(pv, "id"), id) && lab_cond_has(cJSON_GetObjectItem(pv, "conditions"), "Succeeded"))
                done = 1;
        }
        if (done)
            continue;
        if (!*id && !*name) {
            add_item(&refbad, id, name);
            continue;
        }
        const cJSON *w;
        int n = 0;
        cJSON_ArrayForEach(w, vms)
        {
            if ((*id && !strcmp(js(w, "id"), id)) || (!*id && *name && !strcmp(js(w, "name"), name)))
                n++;
        }
        if (n > 1)
            add_item(&dup, id, name);
        lab_vm vm;
        strbuf full = STRBUF_INIT;
        if (*vns)
            sb_addf(&full, "%s/%s", vns, name);
        else
            sb_adds(&full, name);
        int rc = lab_inv_find_vm(c->cfg.inv, src_uid, id, full.buf, &vm, NULL);
        sb_release(&full);
        if (rc == -2) {
            add_item(&ambiguous, id, name);
            continue;
        }
        if (rc < 0) {
            add_item(&notfound, id, name);
            continue;
        }
        const char *tn = js(v, "targetName");
        if (*tn && lab_name_dns1123_subdomain(tn))
            add_item(&badtarget, vm.id, vm.name);
        if (!*tn && lab_name_dns1123_subdomain(vm.name))
            add_item(&badname, vm.id, vm.name);
        /* a target VM of that name that another plan made */
        target_ctx t = {.c = c, .plan = plan, .spec_vm = v, .src = &vm, .target_ns = target_ns};
        strbuf tname = STRBUF_INIT;
        ctl_target_name(&t, &tname);
        cJSON *existing = ctl_get(c, c->k_vm, target_ns, tname.buf);
        if (existing && strcmp(jpath_str(existing, "metadata.labels.plan"), plan_uid))
            add_item(&exists, vm.id, vm.name);
        cJSON_Delete(existing);
        sb_release(&tname);
        int pods = 0, netok = 1, stook = 1;
        for (size_t i = 0; netmap && i < vm.nnics; i++) {
            int pod = 0;
            int m = mapped(netmap, vm.nics[i].network_id, vm.nics[i].network, 1, &pod);
            if (!m)
                netok = 0;
            else if (m == 1 && pod)
                pods++;
        }
        for (size_t i = 0; stomap && i < vm.ndisks; i++)
            if (!mapped(stomap, vm.disks[i].storage_id, vm.disks[i].storage, 0, NULL))
                stook = 0;
        if (!netok)
            add_item(&netbad, vm.id, vm.name);
        if (pods > 1)
            add_item(&multipod, vm.id, vm.name);
        if (!stook)
            add_item(&stobad, vm.id, vm.name);
        if (warm && vsphere && !vm.change_tracking)
            add_item(&cbt, vm.id, vm.name);
        if (preserve && vsphere && vm.nnics) {
            int ips = 0;
            for (size_t i = 0; i < vm.nnics; i++)
                ips += vm.power_on && vm.tools && *vm.nics[i].ip;
            if (!ips)
                add_item(&noips, vm.id, vm.name);
        }
        const char *vt = js(v, "pvcNameTemplate");
        if (*vt && !template_ok(vt))
            add_item(&tmplbad, vm.id, vm.name);
        const cJSON *h;
        cJSON_ArrayForEach(h, cJSON_GetObjectItem(v, "hooks"))
        {
            const char *step = js(h, "step");
            if (strcmp(step, "PreHook") && strcmp(step, "PostHook"))
                add_item(&hookstep, vm.id, vm.name);
            const cJSON *href = cJSON_GetObjectItem(h, "hook");
            cJSON *hook = ctl_get(c, c->k_hook, *js(href, "namespace") ? js(href, "namespace")
                                                                        : jpath_str(plan, "metadata.namespace"),
                                  js(href, "name"));
            if (!hook)
                add_item(&hookbad, vm.id, vm.name);
            else if (!lab_cond_has(jpath(hook, "status.conditions"), "Ready"))
                add_item(&hooknotready, vm.id, vm.name);
            cJSON_Delete(hook);
        }
        lab_vm_release(&vm);
    }
    (void)idx;
    struct {
        cJSON *items;
        const char *type, *cat, *reason, *msg;
    } out[] = {
        {refbad, "VMRefNotValid", LAB_CAT_CRITICAL, "NotValid", "VM reference (id/name) not valid."},
        {notfound, "VMNotFound", LAB_CAT_CRITICAL, "NotFound", "VM not found."},
        {dup, "DuplicateVM", LAB_CAT_CRITICAL, "NotUnique", "Duplicate (source) VM."},
        {ambiguous, "DuplicateVM", LAB_CAT_CRITICAL, "Ambiguous", "Ambiguous (source) VM reference."},
        {badtarget, "NotValid", LAB_CAT_CRITICAL, "NotValid", "The target name is not valid."},
        {badname, "TargetNameNotValid", LAB_CAT_WARN, "NotValid",
         "Target VM name does not comply with DNS1123 RFC, will be automatically changed."},
        {exists, "VMAlreadyExists", LAB_CAT_CRITICAL, "NotUnique",
         "Target VM already exists."},
        {netbad, "VMNetworksNotMapped", LAB_CAT_CRITICAL, "NotValid",
         "VM has unmapped networks."},
        {multipod, "VMMultiplePodNetworkMappings", LAB_CAT_CRITICAL, "NotValid",
         "VM has more than one interface mapped to the pod network."},
        {stobad, "VMStorageNotMapped", LAB_CAT_CRITICAL, "NotValid", "VM has unmapped storage."},
        {cbt, "VMMissingChangedBlockTracking", LAB_CAT_CRITICAL, "NotValid",
         "Changed Block Tracking (CBT) has not been enabled on some VM. This feature is a "
         "prerequisite for VM warm migration."},
        {noips, "VMMissingGuestIPs", LAB_CAT_WARN, "NotValid",
         "Guest information on vNICs is missing, cannot preserve static IPs. Make sure VMware "
         "Tools is installed and the VM is running."},
        {tmplbad, "NotValid", LAB_CAT_CRITICAL, "NotValid", "VM PVC name template is invalid."},
        {hookstep, "HookStepNotValid", LAB_CAT_CRITICAL, "NotValid", "Hook step not valid."},
        {hookbad, "HookNotValid", LAB_CAT_CRITICAL, "NotFound", "Hook not found."},
        {hooknotready, "HookNotReady", LAB_CAT_CRITICAL, "NotReady", "Hook not ready."},
    };
    for (size_t i = 0; i < sizeof out / sizeof *out; i++) {
        if (!out[i].items)
            continue;
        if (lab_cond_has(conds, out[i].type)) {
            cJSON_Delete(out[i].items);
            continue;
        }
        lab_cond_set(conds, out[i].type, out[i].cat, out[i].reason, out[i].msg, 0, out[i].items);
    }
}

void ctl_plan_validate(lab_ctl *c, const cJSON *plan, cJSON *conds)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(plan, "spec");
    const char *why, *reason;
    cJSON *src = ctl_provider_ready(c, jpath(spec, "provider.source"), "source", &why, &reason);
    if (!src) {
        lab_cond_set(conds, why, LAB_CAT_CRITICAL, reason,
                     !strcmp(why, "SourceProviderNotValid") ? "The source provider is not valid."
                                                            : "The source provider is not ready.",
                     0, NULL);
        return;
    }
    cJSON *dst = ctl_provider_ready(c, jpath(spec, "provider.destination"), "destination", &why,
                                    &reason);
    if (!dst)
        lab_cond_set(conds, why, LAB_CAT_CRITICAL, reason,
                     !strcmp(why, "DestinationProviderNotValid")
                         ? "The destination provider is not valid."
                         : "The destination provider is not ready.",
                     0, NULL);
    const char *tns = js(spec, "targetNamespace");
    if (!*tns || lab_name_dns1123_label(tns))
        lab_cond_set(conds, "NamespaceNotValid", LAB_CAT_CRITICAL, "NotValid",
                     "Target namespace is not valid.", 0, NULL);
    const char *pns = jpath_str(plan, "metadata.namespace");
    const cJSON *nref = jpath(spec, "map.network"), *sref = jpath(spec, "map.storage");
    cJSON *netmap = ctl_get(c, c->k_netmap, *js(nref, "namespace") ? js(nref, "namespace") : pns,
                            js(nref, "name"));
    cJSON *stomap = ctl_get(c, c->k_stomap, *js(sref, "namespace") ? js(sref, "namespace") : pns,
                            js(sref, "name"));
    int type_conversion = !strcmp(js(spec, "type"), "conversion");
    if (!netmap)
        lab_cond_set(conds, "NetworkMapRefNotValid", LAB_CAT_CRITICAL,
                     *js(nref, "name") ? "NotFound" : "NotSet", "Map.Network is not valid.", 0,
                     NULL);
    else if (!lab_cond_has(jpath(netmap, "status.conditions"), "Ready"))
        lab_cond_set(conds, "NetworkMapNotReady", LAB_CAT_CRITICAL, "NotReady",
                     "Map.Network does not have Ready condition.", 0, NULL);
    if (!stomap && !type_conversion)
        lab_cond_set(conds, "StorageRefNotValid", LAB_CAT_CRITICAL,
                     *js(sref, "name") ? "NotFound" : "NotSet", "Map.Storage is not valid.", 0,
                     NULL);
    else if (stomap && !lab_cond_has(jpath(stomap, "status.conditions"), "Ready"))
        lab_cond_set(conds, "StorageMapNotReady", LAB_CAT_CRITICAL, "NotReady",
                     "Map.Storage does not have Ready condition.", 0, NULL);
    const char *type = js(spec, "type"), *stype = jpath_str(src, "spec.type");
    int warm = cJSON_IsTrue(cJSON_GetObjectItem(spec, "warm")) || !strcmp(type, "warm");
    if (*type && strcmp(type, "cold") && strcmp(type, "warm") && strcmp(type, "live") &&
        strcmp(type, "conversion"))
        lab_cond_set(conds, "MigrationTypeNotValid", LAB_CAT_CRITICAL, "NotValid",
                     "The migration type is not valid.", 0, NULL);
    else if (!strcmp(type, "live") && strcmp(stype, "openshift"))
        lab_cond_set(conds, "MigrationTypeNotValid", LAB_CAT_CRITICAL, "NotSupported",
                     "Live migration is only supported from OpenShift.", 0, NULL);
    if (warm && strcmp(stype, "vsphere") && strcmp(stype, "ovirt"))
        lab_cond_set(conds, "WarmMigrationNotReady", LAB_CAT_CRITICAL, "NotSupported",
                     "Warm migration from the source provider is not supported.", 0, NULL);
    if (!strcmp(stype, "vsphere") && (warm || cJSON_IsTrue(cJSON_GetObjectItem(spec, "skipGuestConversion")))) {
        const char *vddk = jpath_str(src, "spec.settings.vddkInitImage");
        char *fc = ctl_fc_str(c, "vddk_image");
        if (!*vddk && !fc)
            lab_cond_set(conds, "VDDKInitImageUnavailable", LAB_CAT_CRITICAL, "NotSet",
                         "VDDK init image is not set on the provider or the ForkliftController.",
                         0, NULL);
        free(fc);
    }
    const char *pt = js(spec, "pvcNameTemplate");
    if (*pt && !template_ok(pt))
        lab_cond_set(conds, "NotValid", LAB_CAT_CRITICAL, "NotValid", "PVC name template is invalid.",
                     0, NULL);
    const char *blocked = lab_faults_plan_blocked(c->cfg.faults, jpath_str(plan, "metadata.name"));
    if (blocked) {
        cJSON *items = cJSON_CreateArray();
        cJSON_AddItemToArray(items, cJSON_CreateString(blocked));
        lab_cond_set(conds, "VMCriticalConcerns", LAB_CAT_CRITICAL, "NotValid",
                     "VM has critical concerns.", 0, items);
    }
    if (!lab_cond_has(conds, "Executing"))
        check_vms(c, plan, src, netmap, stomap, conds);
    cJSON_Delete(netmap);
    cJSON_Delete(stomap);
    cJSON_Delete(src);
    cJSON_Delete(dst);
}

static void enqueue_migrations(lab_ctl *c, const char *ns, const char *name)
{
    cJSON *migs = ctl_list(c, c->k_migration, ns);
    const cJSON *m;
    cJSON_ArrayForEach(m, migs)
    {
        if (!strcmp(jpath_str(m, "spec.plan.name"), name))
            ctl_enqueue(c, KEY_MIGRATION, ns, jpath_str(m, "metadata.name"));
    }
    cJSON_Delete(migs);
}

void ctl_plan(lab_ctl *c, const char *ns, const char *name)
{
    cJSON *plan = ctl_get(c, c->k_plan, ns, name);
    if (!plan) {
        /* a deleted plan: forget runs whose plan is gone */
        for (size_t i = 0; i < c->nruns;) {
            cJSON *all = ctl_list(c, c->k_plan, NULL);
            int alive = 0;
            const cJSON *p;
            cJSON_ArrayForEach(p, all)
            {
                alive |= !strcmp(jpath_str(p, "metadata.uid"), c->runs[i]->plan_uid);
            }
            cJSON_Delete(all);
            if (alive)
                i++;
            else
                ctl_run_forget(c, c->runs[i]->plan_uid);
        }
        return;
    }
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(plan, "spec");
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(plan, "status");
    const cJSON *old_conds = cJSON_GetObjectItemCaseSensitive(old, "conditions");
    cJSON *conds = lab_cond_stage(old_conds);
    int archived = cJSON_IsTrue(cJSON_GetObjectItem(spec, "archived"));
    int ready = 0;
    if (archived) {
        lab_cond_set(conds, "Archived", LAB_CAT_ADVISORY, "UserRequested",
                     "The migration plan has been archived.", 0, NULL);
    } else {
        ctl_plan_validate(c, plan, conds);
        ready = !lab_cond_blocked(conds);
        if (ready)
            lab_cond_set(conds, "Ready", LAB_CAT_REQUIRED, NULL, "The migration plan is ready.", 0,
                         NULL);
    }
    cJSON *st = cJSON_CreateObject();
    cJSON_AddItemToObject(st, "conditions", conds);
    cJSON_AddNumberToObject(st, "observedGeneration",
                            cJSON_GetNumberValue(jpath(plan, "metadata.generation")));
    const cJSON *om = cJSON_GetObjectItemCaseSensitive(old, "migration");
    if (om)
        cJSON_AddItemToObject(st, "migration", cJSON_Duplicate(om, 1));
    int64_t delay = archived ? -1 : ctl_run_step(c, plan, st, ready);
    char now_s[32];
    ctl_now_str(c, now_s);
    lab_cond_finish(cJSON_GetObjectItem(st, "conditions"), old_conds, now_s);
    if (ctl_write_status(c, c->k_plan, ns, name, st) == 1)
        enqueue_migrations(c, ns, name);
    if (delay >= 0)
        ctl_after(c, KEY_PLAN, ns, name, delay);
    else if (!ready && !archived)
        ctl_after(c, KEY_PLAN, ns, name, ctl_scaled(c, 3) > 250 ? ctl_scaled(c, 3) : 250);
    cJSON_Delete(plan);
}

/* ---- Migration ---- */

static const cJSON *snapshot_for(const cJSON *plan, const char *mig_uid)
{
    const cJSON *h, *hit = NULL;
    cJSON_ArrayForEach(h, jpath(plan, "status.migration.history"))
    {
        if (!strcmp(jpath_str(h, "migration.uid"), mig_uid))
            hit = h;
    }
    return hit;
}

void ctl_migration(lab_ctl *c, const char *ns, const char *name)
{
    cJSON *m = ctl_get(c, c->k_migration, ns, name);
    if (!m)
        return;
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(m, "spec");
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(m, "status");
    if (*js(old, "completed")) {
        cJSON_Delete(m);
        return;
    }
    const cJSON *old_conds = cJSON_GetObjectItemCaseSensitive(old, "conditions");
    if (lab_cond_has(old_conds, "Canceled")) {
        cJSON_Delete(m);
        return;
    }
    const cJSON *pref = cJSON_GetObjectItemCaseSensitive(spec, "plan");
    const char *pns = *js(pref, "namespace") ? js(pref, "namespace") : ns;
    cJSON *plan = ctl_get(c, c->k_plan, pns, js(pref, "name"));
    /* the controller owns the Migration through its Plan */
    if (plan && !jpath(m, "metadata.ownerReferences")) {
        cJSON *upd = cJSON_Duplicate(m, 1);
        cJSON *meta = cJSON_GetObjectItemCaseSensitive(upd, "metadata");
        cJSON_AddItemToObject(meta, "ownerReferences",
                              ctl_owner_refs("forklift.konveyor.io/v1beta1", "Plan",
                                             jpath_str(plan, "metadata.name"),
                                             jpath_str(plan, "metadata.uid"), 0));
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "resourceVersion");
        ctl_update(c, c->k_migration, ns, name, upd);
    }
    cJSON *conds = lab_cond_stage(old_conds);
    if (!plan) {
        lab_cond_set(conds, "PlanNotValid", LAB_CAT_CRITICAL, *js(pref, "name") ? "NotFound" : "NotSet",
                     "The migration plan is not valid.", 0, NULL);
    } else if (!lab_cond_has(jpath(plan, "status.conditions"), "Ready") &&
               !snapshot_for(plan, jpath_str(m, "metadata.uid"))) {
        lab_cond_set(conds, "PlanNotReady", LAB_CAT_CRITICAL, "NotReady",
                     "The migration plan does not have the Ready condition.", 0, NULL);
    }
    cJSON *st = cJSON_CreateObject();
    const cJSON *snap = plan ? snapshot_for(plan, jpath_str(m, "metadata.uid")) : NULL;
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(snap, "conditions");
    int terminal = 0;
    if (snap) {
        if (lab_cond_has(sc, "Executing"))
            lab_cond_set(conds, "Running", LAB_CAT_ADVISORY, NULL, "The migration is RUNNING.", 1,
                         NULL);
        static const char *const ends[][2] = {{"Succeeded", "The migration has SUCCEEDED."},
                                              {"Failed", "The migration has FAILED."},
                                              {"Canceled", NULL}};
        for (size_t i = 0; i < 3; i++) {
            const cJSON *e = lab_cond_find(sc, ends[i][0]);
            if (!e)
                continue;
            lab_cond_remove(conds, "Running");
            lab_cond_set(conds, ends[i][0], LAB_CAT_ADVISORY, js(e, "reason"),
                         ends[i][1] ? ends[i][1] : js(e, "message"), 1, NULL);
            terminal = i < 2 ? 1 : 2;
        }
    }
    if (!lab_cond_blocked(conds))
        lab_cond_set(conds, "Ready", LAB_CAT_REQUIRED, NULL, "The migration is ready.", 0, NULL);
    char now_s[32];
    ctl_now_str(c, now_s);
    lab_cond_finish(conds, old_conds, now_s);
    cJSON_AddItemToObject(st, "conditions", conds);
    cJSON_AddNumberToObject(st, "observedGeneration",
                            cJSON_GetNumberValue(jpath(m, "metadata.generation")));
    if (snap) {
        const char *started = jpath_str(plan, "status.migration.started");
        if (*started)
            cJSON_AddStringToObject(st, "started", started);
        if (terminal == 1)
            cJSON_AddStringToObject(st, "completed", now_s);
        const cJSON *vms = jpath(plan, "status.migration.vms");
        if (vms)
            cJSON_AddItemToObject(st, "vms", cJSON_Duplicate(vms, 1));
    }
    if (ctl_write_status(c, c->k_migration, ns, name, st) == 1 && plan)
        ctl_enqueue(c, KEY_PLAN, pns, jpath_str(plan, "metadata.name"));
    cJSON_Delete(plan);
    cJSON_Delete(m);
}
