/*
 * lab_ctl_target: what a migration creates in the target namespace,
 * following forklift.md section 10: DataVolumes and their PVCs named by
 * the PVC name template (10.7), the virt-v2v conversion Pod, and the
 * KubeVirt VirtualMachine (name rules 10.1, labels 10.2, scheduling 10.3,
 * devices 10.5, runStrategy 10.6, static IPs 10.9) and its guest: what a
 * VirtualMachineInstance reports (agent, interfaces, IPs) whenever the
 * KubeVirt power reconciler (lab_ctl_kubevirt.c) runs it.
 * The controller finds its objects again by their labels (plan, vmID), as
 * the real one does. "wrong" faults are applied here, at creation.
 */
#include "lab/lab_ctl_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_meta.h"
#include "lab/lab_portforward.h"
#include "util/codec.h"
#include "util/log.h"

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

/* ---- names (10.1) ---- */

static void trim_set(strbuf *s, const char *set)
{
    size_t b = 0, e = s->len;
    while (b < e && strchr(set, s->buf[b]))
        b++;
    while (e > b && strchr(set, s->buf[e - 1]))
        e--;
    memmove(s->buf, s->buf + b, e - b);
    sb_setlen(s, e - b);
}

static void sanitize(lab_ctl *c, const char *name, strbuf *out)
{
    strbuf low = STRBUF_INIT;
    for (const char *p = name; *p; p++)
        sb_addc(&low, (char)tolower((unsigned char)*p));
    trim_set(&low, ".-");
    strbuf res = STRBUF_INIT;
    char *save, *copy = xstrdup(low.buf ? low.buf : "");
    for (char *part = strtok_r(copy, ".", &save); part; part = strtok_r(NULL, ".", &save)) {
        strbuf pp = STRBUF_INIT;
        for (char *q = part; *q; q++) {
            char ch = *q;
            if (strchr("_+* /\\", ch))
                ch = '-';
            if (!(isalnum((unsigned char)ch) || ch == '-'))
                continue;
            if (ch == '-' && pp.len && pp.buf[pp.len - 1] == '-')
                continue;
            sb_addc(&pp, ch);
        }
        trim_set(&pp, "-.");
        if (pp.len > 63)
            sb_setlen(&pp, 63);
        if (pp.len) {
            if (res.len)
                sb_addc(&res, '.');
            sb_add(&res, pp.buf, pp.len);
        }
        sb_release(&pp);
    }
    free(copy);
    sb_release(&low);
    if (res.len > 63)
        sb_setlen(&res, 63);
    if (res.len)
        trim_set(&res, "-.");
    if (!res.len)
        rand_name(c->rand, "vm", 4, &res);
    sb_reset(out);
    sb_add(out, res.buf, res.len);
    sb_release(&res);
}

void ctl_target_name(const target_ctx *t, strbuf *out)
{
    sb_reset(out);
    const char *tn = js(t->spec_vm, "targetName");
    if (*tn) {
        sb_adds(out, tn);
        return;
    }
    if (!lab_name_dns1123_subdomain(t->src->name)) {
        sb_adds(out, t->src->name);
        return;
    }
    sanitize(t->c, t->src->name, out);
}

/* ---- helpers ---- */

static cJSON *owner_labels(const target_ctx *t)
{
    cJSON *l = cJSON_CreateObject();
    cJSON_AddStringToObject(l, "migration", jpath_str(t->migration, "metadata.uid"));
    cJSON_AddStringToObject(l, "plan", jpath_str(t->plan, "metadata.uid"));
    cJSON_AddStringToObject(l, "vmID", t->src->id);
    cJSON_AddStringToObject(l, "plan-name", jpath_str(t->plan, "metadata.name"));
    cJSON_AddStringToObject(l, "plan-namespace", jpath_str(t->plan, "metadata.namespace"));
    return l;
}

static cJSON *new_obj(const char *api, const char *kind, const char *ns, const char *name)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "apiVersion", api);
    cJSON_AddStringToObject(o, "kind", kind);
    cJSON *m = cJSON_AddObjectToObject(o, "metadata");
    if (name)
        cJSON_AddStringToObject(m, "name", name);
    cJSON_AddStringToObject(m, "namespace", ns);
    return o;
}

static char *selector(const target_ctx *t)
{
    strbuf s = STRBUF_INIT;
    sb_addf(&s, "plan=%s,vmID=%s", jpath_str(t->plan, "metadata.uid"), t->src->id);
    return sb_detach(&s, NULL);
}

/* Objects of kind k in the target namespace carrying the VM's labels. */
static cJSON *owned(lab_ctl *c, const lab_kind *k, const target_ctx *t)
{
    cJSON *out = cJSON_CreateArray();
    char *sel = selector(t);
    lab_selector ls;
    strbuf why = STRBUF_INIT;
    if (lab_labelsel_parse(sel, &ls, &why) == 0) {
        lab_list_opts lo = {.labels = &ls};
        lab_list list;
        cJSON *st = NULL;
        if (lab_store_list(c->cfg.store, k, t->target_ns, &lo, &list, &st) == 0) {
            for (size_t i = 0; i < list.count; i++)
                cJSON_AddItemToArray(out, lab_blob_parse(list.items[i]));
            lab_list_release(&list);
        }
        cJSON_Delete(st);
        lab_selector_free(&ls);
    }
    sb_release(&why);
    free(sel);
    return out;
}

static int annotation_index(const cJSON *o)
{
    const cJSON *ann = jpath(o, "metadata.annotations");
    return atoi(js(ann, "forklift.konveyor.io/disk-index"));
}

static int by_index(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return annotation_index(x) - annotation_index(y);
}

/* The PVCs of the VM, in disk order (array of borrowed items of list). */
static size_t sorted_pvcs(cJSON *list, const cJSON **out, size_t max)
{
    size_t n = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        if (n < max)
            out[n++] = e;
    }
    qsort(out, n, sizeof *out, by_index);
    return n;
}

/* The storage map entry for a disk's storage. */
static const cJSON *storage_dest(lab_ctl *c, const target_ctx *t, const lab_disk *d,
                                 cJSON **map_out)
{
    const cJSON *ref = jpath(t->plan, "spec.map.storage");
    const char *pns = jpath_str(t->plan, "metadata.namespace");
    cJSON *map = ctl_get(c, c->k_stomap, *js(ref, "namespace") ? js(ref, "namespace") : pns,
                         js(ref, "name"));
    *map_out = map;
    const cJSON *e;
    cJSON_ArrayForEach(e, jpath(map, "spec.map"))
    {
        const cJSON *s = cJSON_GetObjectItem(e, "source");
        if ((*js(s, "id") && !strcmp(js(s, "id"), d->storage_id)) ||
            (*js(s, "name") && (!strcmp(js(s, "name"), d->storage) ||
                                (strrchr(js(s, "name"), '/') &&
                                 !strcmp(strrchr(js(s, "name"), '/') + 1, d->storage)))))
            return cJSON_GetObjectItem(e, "destination");
    }
    /* the first entry when nothing matches (the plan validated that it maps) */
    return cJSON_GetObjectItem(cJSON_GetArrayItem(jpath(map, "spec.map"), 0), "destination");
}

static const char *file_name(const char *file)
{
    const char *b = strrchr(file, '/');
    if (!b)
        b = strrchr(file, ']');
    b = b ? b + 1 : file;
    while (*b == ' ')
        b++;
    return b;
}

static void pvc_name(lab_ctl *c, const target_ctx *t, size_t idx, strbuf *name, int *generate)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(t->plan, "spec");
    int ocp = t->src_type == LAB_SRC_OPENSHIFT;
    const lab_disk *d = &t->src->disks[idx];
    char *fc = NULL;
    const char *tmpl = js(t->spec_vm, "pvcNameTemplate");
    if (!*tmpl)
        tmpl = js(spec, "pvcNameTemplate");
    if (!*tmpl) {
        fc = ctl_fc_str(c, ocp ? "controller_ocp_pvc_name_template" : "controller_pvc_name_template");
        tmpl = fc ? fc : ocp ? "{{.SourcePVCName}}"
                             : "{{trunc 15 .PlanName}}-{{trunc 15 .TargetVmName}}-disk-{{.DiskIndex}}";
    }
    const cJSON *ug = cJSON_GetObjectItem(spec, "pvcNameTemplateUseGenerateName");
    *generate = ug ? cJSON_IsTrue(ug) : !ocp;
    strbuf target = STRBUF_INIT;
    ctl_target_name(t, &target);
    cJSON *data = cJSON_CreateObject();
    cJSON_AddStringToObject(data, "VmName", t->src->name);
    cJSON_AddStringToObject(data, "TargetVmName", target.buf);
    cJSON_AddStringToObject(data, "PlanName", jpath_str(t->plan, "metadata.name"));
    cJSON_AddNumberToObject(data, "DiskIndex", (double)idx);
    cJSON_AddNumberToObject(data, "RootDiskIndex", 0);
    cJSON_AddStringToObject(data, "VmId", t->src->id);
    cJSON_AddStringToObject(data, "WinDriveLetter", t->src->is_windows ? "c" : "");
    cJSON_AddBoolToObject(data, "Shared", d->shared);
    cJSON_AddStringToObject(data, "FileName", file_name(d->file ? d->file : ""));
    cJSON_AddStringToObject(data, "SourcePVCName", d->id ? d->id : "");
    cJSON_AddStringToObject(data, "SourcePVCNamespace", js(t->spec_vm, "namespace"));
    cJSON_AddStringToObject(data, "DiskId", d->id ? d->id : "");
    cJSON_AddStringToObject(data, "VolumeID", d->id ? d->id : "");
    cJSON_AddStringToObject(data, "SnapshotID", "");
    mtv_err err;
    mtv_err_clear(&err);
    sb_reset(name);
    if (ctl_render_pvc_name(tmpl, data, name, &err) < 0) {
        /* upstream's fallback when the template fails at run time */
        sb_reset(name);
        sb_addf(name, "%s-%s", jpath_str(t->plan, "metadata.name"), t->src->id);
        *generate = 1;
    }
    if (*generate) {
        if (name->len > 58)
            sb_setlen(name, 58);
        if (!name->len || name->buf[name->len - 1] != '-')
            sb_addc(name, '-');
    } else {
        if (name->len > 63)
            sb_setlen(name, 63);
        while (name->len && name->buf[name->len - 1] == '-')
            sb_setlen(name, name->len - 1);
    }
    cJSON_Delete(data);
    sb_release(&target);
    free(fc);
}

static const cJSON *wrong(const target_ctx *t)
{
    return lab_faults_vm_wrong(t->c->cfg.faults, jpath_str(t->plan, "metadata.name"),
                               t->src->name);
}

/* ---- disks ---- */

int ctl_create_disks(target_ctx *t, mtv_err *err)
{
    lab_ctl *c = t->c;
    cJSON *existing = owned(c, c->k_dv, t);
    int have = cJSON_GetArraySize(existing);
    cJSON_Delete(existing);
    if (have)
        return 0; /* a retried phase finds them */
    const cJSON *bad = wrong(t);
    size_t ndisks = t->src->ndisks;
    const cJSON *keep = cJSON_GetObjectItem(bad, "disks");
    if (cJSON_IsNumber(keep) && (size_t)keep->valuedouble < ndisks)
        ndisks = (size_t)keep->valuedouble;
    for (size_t i = 0; i < ndisks; i++) {
        const lab_disk *d = &t->src->disks[i];
        strbuf name = STRBUF_INIT;
        int gen;
        pvc_name(c, t, i, &name, &gen);
        if (i == 0 && js(bad, "pvc_name")[0]) {
            sb_reset(&name);
            sb_adds(&name, js(bad, "pvc_name"));
            gen = 0;
        }
        cJSON *map = NULL;
        const cJSON *dest = storage_dest(c, t, d, &map);
        const char *sc = js(dest, "storageClass");
        if (js(bad, "storage_class")[0])
            sc = js(bad, "storage_class");
        long long mib = (d->capacity + (1 << 20) - 1) >> 20;
        char size[32];
        snprintf(size, sizeof size, "%lldMi", mib ? mib : 1);
        cJSON *dv = new_obj("cdi.kubevirt.io/v1beta1", "DataVolume", t->target_ns,
                            gen ? NULL : name.buf);
        cJSON *meta = cJSON_GetObjectItem(dv, "metadata");
        if (gen)
            cJSON_AddStringToObject(meta, "generateName", name.buf);
        cJSON *labels = owner_labels(t);
        cJSON_AddStringToObject(labels, "vmUUID", t->src->uuid ? t->src->uuid : "");
        if (d->shared)
            cJSON_AddStringToObject(labels, "shareable", "true");
        cJSON_AddItemToObject(meta, "labels", labels);
        cJSON *ann = cJSON_AddObjectToObject(meta, "annotations");
        cJSON_AddStringToObject(ann, "forklift.konveyor.io/disk-source",
                                *d->file ? d->file : d->id);
        char idx[32];
        snprintf(idx, sizeof idx, "%zu", i);
        cJSON_AddStringToObject(ann, "forklift.konveyor.io/disk-index", idx);
        cJSON_AddStringToObject(ann, "cdi.kubevirt.io/storage.bind.immediate.requested", "true");
        cJSON *spec = cJSON_AddObjectToObject(dv, "spec");
        cJSON *source = cJSON_AddObjectToObject(spec, "source");
        if (t->src_type == LAB_SRC_VSPHERE) {
            cJSON *vddk = cJSON_AddObjectToObject(source, "vddk");
            cJSON_AddStringToObject(vddk, "backingFile", d->file);
            cJSON_AddStringToObject(vddk, "uuid", t->src->uuid);
        } else if (t->src_type == LAB_SRC_OVIRT) {
            cJSON *io = cJSON_AddObjectToObject(source, "imageio");
            cJSON_AddStringToObject(io, "diskId", d->id);
        } else {
            cJSON_AddObjectToObject(source, "blank");
        }
        cJSON *st = cJSON_AddObjectToObject(spec, "storage");
        cJSON *res = cJSON_AddObjectToObject(st, "resources");
        cJSON *req = cJSON_AddObjectToObject(res, "requests");
        cJSON_AddStringToObject(req, "storage", size);
        cJSON_AddStringToObject(st, "storageClassName", sc);
        const char *am = js(dest, "accessMode"), *vm = js(dest, "volumeMode");
        if (js(bad, "access_mode")[0])
            am = js(bad, "access_mode");
        if (*am) {
            cJSON *ams = cJSON_AddArrayToObject(st, "accessModes");
            cJSON_AddItemToArray(ams, cJSON_CreateString(am));
        }
        if (*vm)
            cJSON_AddStringToObject(st, "volumeMode", vm);
        cJSON *pvc_template = cJSON_Duplicate(dv, 1);
        char *dv_name = NULL;
        int code = ctl_create(c, c->k_dv, t->target_ns, dv, &dv_name);
        if (code != 201) {
            cJSON_Delete(pvc_template);
            cJSON_Delete(map);
            sb_release(&name);
            return mtv_err_set(err, MTV_EXIT_ENV, "creating the DataVolume for disk %zu failed "
                               "(HTTP %d)", i, code);
        }
        cJSON *dvst = cJSON_CreateObject();
        cJSON_AddStringToObject(dvst, "phase", "ImportScheduled");
        cJSON_AddStringToObject(dvst, "progress", "N/A");
        ctl_write_status(c, c->k_dv, t->target_ns, dv_name, dvst);
        /* CDI's PVC has the DataVolume's name */
        cJSON *pvc = new_obj("v1", "PersistentVolumeClaim", t->target_ns, dv_name);
        cJSON *pm = cJSON_GetObjectItem(pvc, "metadata");
        cJSON_AddItemToObject(pm, "labels", cJSON_Duplicate(jpath(pvc_template, "metadata.labels"), 1));
        cJSON_AddItemToObject(pm, "annotations",
                              cJSON_Duplicate(jpath(pvc_template, "metadata.annotations"), 1));
        cJSON *ps = cJSON_AddObjectToObject(pvc, "spec");
        cJSON *pams = cJSON_AddArrayToObject(ps, "accessModes");
        cJSON_AddItemToArray(pams, cJSON_CreateString(*am ? am : "ReadWriteOnce"));
        cJSON *pres = cJSON_AddObjectToObject(ps, "resources");
        cJSON *preq = cJSON_AddObjectToObject(pres, "requests");
        cJSON_AddStringToObject(preq, "storage", size);
        cJSON_AddStringToObject(ps, "storageClassName", sc);
        cJSON_AddStringToObject(ps, "volumeMode", *vm ? vm : "Filesystem");
        char volume[80];
        snprintf(volume, sizeof volume, "pvc-%.36s", jpath_str(t->migration, "metadata.uid"));
        cJSON_AddStringToObject(ps, "volumeName", volume);
        if (ctl_create(c, c->k_pvc, t->target_ns, pvc, NULL) == 201) {
            cJSON *pst = cJSON_CreateObject();
            cJSON_AddStringToObject(pst, "phase", "Bound");
            cJSON *a = cJSON_AddArrayToObject(pst, "accessModes");
            cJSON_AddItemToArray(a, cJSON_CreateString(*am ? am : "ReadWriteOnce"));
            cJSON *cap = cJSON_AddObjectToObject(pst, "capacity");
            cJSON_AddStringToObject(cap, "storage", size);
            ctl_write_status(c, c->k_pvc, t->target_ns, dv_name, pst);
        }
        cJSON_Delete(pvc_template);
        cJSON_Delete(map);
        free(dv_name);
        sb_release(&name);
    }
    return 0;
}

void ctl_disks_progress(target_ctx *t, int percent, const char *phase)
{
    lab_ctl *c = t->c;
    cJSON *dvs = owned(c, c->k_dv, t);
    const cJSON *dv;
    cJSON_ArrayForEach(dv, dvs)
    {
        cJSON *st = cJSON_CreateObject();
        cJSON_AddStringToObject(st, "phase", phase);
        char p[16];
        snprintf(p, sizeof p, "%d.00%%", percent > 100 ? 100 : percent);
        cJSON_AddStringToObject(st, "progress", p);
        if (!strcmp(phase, "Succeeded")) {
            cJSON *conds = cJSON_AddArrayToObject(st, "conditions");
            static const char *const types[][2] = {{"Bound", "Bound"}, {"Ready", "True"},
                                                   {"Running", "False"}};
            for (int i = 0; i < 3; i++) {
                cJSON *cnd = cJSON_CreateObject();
                cJSON_AddStringToObject(cnd, "type", types[i][0]);
                cJSON_AddStringToObject(cnd, "status", i == 2 ? "False" : "True");
                cJSON_AddStringToObject(cnd, "reason", i == 2 ? "Completed" : types[i][1]);
                cJSON_AddItemToArray(conds, cnd);
            }
        }
        ctl_write_status(c, c->k_dv, t->target_ns, jpath_str(dv, "metadata.name"), st);
    }
    cJSON_Delete(dvs);
}

void ctl_conversion_pod(target_ctx *t, int done)
{
    lab_ctl *c = t->c;
    cJSON *pods = owned(c, c->k_pod, t);
    const cJSON *existing = NULL, *p;
    cJSON_ArrayForEach(p, pods)
    {
        const cJSON *l = jpath(p, "metadata.labels");
        if (!strcmp(js(l, "forklift.app"), "virt-v2v"))
            existing = p;
    }
    char name_buf[256];
    const char *name = existing ? jpath_str(existing, "metadata.name") : NULL;
    if (!existing) {
        strbuf gen = STRBUF_INIT;
        sb_addf(&gen, "%s-%s-", jpath_str(t->plan, "metadata.name"), t->src->id);
        for (char *q = gen.buf; *q; q++)
            *q = (char)tolower((unsigned char)*q);
        cJSON *pod = new_obj("v1", "Pod", t->target_ns, NULL);
        cJSON *meta = cJSON_GetObjectItem(pod, "metadata");
        cJSON_AddStringToObject(meta, "generateName", gen.buf);
        cJSON *labels = owner_labels(t);
        cJSON_AddStringToObject(labels, "forklift.app", "virt-v2v");
        cJSON_AddItemToObject(meta, "labels", labels);
        cJSON *spec = cJSON_AddObjectToObject(pod, "spec");
        cJSON_AddStringToObject(spec, "restartPolicy", "Never");
        cJSON_AddStringToObject(spec, "nodeName", "worker-0");
        cJSON *ctrs = cJSON_AddArrayToObject(spec, "containers");
        cJSON *ctr = cJSON_CreateObject();
        cJSON_AddStringToObject(ctr, "name", "virt-v2v");
        cJSON_AddStringToObject(ctr, "image", "quay.io/kubev2v/forklift-virt-v2v:latest");
        cJSON_AddItemToArray(ctrs, ctr);
        char *created = NULL;
        ctl_create(c, c->k_pod, t->target_ns, pod, &created);
        snprintf(name_buf, sizeof name_buf, "%s", created ? created : "");
        free(created);
        name = name_buf;
        sb_release(&gen);
    }
    if (name && *name) {
        cJSON *st = cJSON_CreateObject();
        cJSON_AddStringToObject(st, "phase", done ? "Succeeded" : "Running");
        cJSON_AddStringToObject(st, "podIP", "10.128.2.15");
        ctl_write_status(c, c->k_pod, t->target_ns, name, st);
    }
    cJSON_Delete(pods);
}

/* ---- the VirtualMachine (10.2-10.6, 10.9) ---- */

static const cJSON *net_dest(lab_ctl *c, const target_ctx *t, const lab_nic *n, cJSON **map_out)
{
    const cJSON *ref = jpath(t->plan, "spec.map.network");
    const char *pns = jpath_str(t->plan, "metadata.namespace");
    cJSON *map = ctl_get(c, c->k_netmap, *js(ref, "namespace") ? js(ref, "namespace") : pns,
                         js(ref, "name"));
    *map_out = map;
    const cJSON *e;
    cJSON_ArrayForEach(e, jpath(map, "spec.map"))
    {
        const cJSON *s = cJSON_GetObjectItem(e, "source");
        const char *sid = js(s, "id"), *sname = js(s, "name");
        if ((*sid && !strcmp(sid, n->network_id)) || (*sname && !strcmp(sname, n->network)) ||
            (*sname && strrchr(sname, '/') && !strcmp(strrchr(sname, '/') + 1, n->network)) ||
            (!strcmp(n->network_id, "pod") && !strcmp(js(s, "type"), "pod")))
            return cJSON_GetObjectItem(e, "destination");
    }
    return NULL;
}

static const char *run_strategy(const target_ctx *t)
{
    const char *tps = js(t->spec_vm, "targetPowerState");
    if (!*tps)
        tps = jpath_str(t->plan, "spec.targetPowerState");
    if (!strcmp(tps, "on"))
        return "Always";
    if (!strcmp(tps, "off"))
        return "Halted";
    return !strcmp(js(t->vm_status, "restorePowerState"), "On") ? "Always" : "Halted";
}

static void pod_ip(const lab_nic *n, size_t idx, char out[64])
{
    char hex[65];
    sha256_hex(n->mac, strlen(n->mac), hex);
    unsigned a = (unsigned)strtoul((char[]){hex[0], hex[1], 0}, NULL, 16);
    unsigned b = (unsigned)strtoul((char[]){hex[2], hex[3], 0}, NULL, 16);
    snprintf(out, 64, "10.%u.%u.%u", 128 + (unsigned)idx, a, b ? b : 1);
}

/* What the migrated VM's instances show whenever KubeVirt's power
 * reconciler starts it (lab_ctl_kubevirt.c): the guest behind the source
 * VM, with the faults that make it wrong. */
static cJSON *guest_of(const target_ctx *t, const cJSON *vm_copy, const char *created)
{
    const lab_vm *src = t->src;
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(t->plan, "spec");
    const cJSON *bad = wrong(t);
    cJSON *guest = cJSON_CreateObject();
    cJSON *gm = cJSON_AddObjectToObject(guest, "metadata");
    cJSON_AddStringToObject(gm, "name", created);
    cJSON_AddStringToObject(gm, "namespace", t->target_ns);
    if (js(bad, "ssh")[0]) /* read by the lab's portforward, never by the validator */
        cJSON_AddStringToObject(cJSON_AddObjectToObject(gm, "annotations"), LAB_GUEST_PORTS,
                                js(bad, "ssh"));
    cJSON *ist = cJSON_AddObjectToObject(guest, "status");
    if (js(bad, "node")[0])
        cJSON_AddStringToObject(ist, "nodeName", js(bad, "node"));
    cJSON *ic = cJSON_AddArrayToObject(ist, "conditions");
    int agent_up = src->tools && !cJSON_IsFalse(cJSON_GetObjectItem(bad, "agent"));
    if (src->tools) {
        cJSON *agent = cJSON_CreateObject();
        cJSON_AddStringToObject(agent, "type", "AgentConnected");
        cJSON_AddStringToObject(agent, "status", agent_up ? "True" : "False");
        if (!agent_up)
            cJSON_AddStringToObject(agent, "reason", "GuestAgentNotConnected");
        cJSON_AddItemToArray(ic, agent);
    }
    int preserve = !cJSON_GetObjectItem(spec, "preserveStaticIPs") ||
                   cJSON_IsTrue(cJSON_GetObjectItem(spec, "preserveStaticIPs"));
    cJSON *iif = cJSON_AddArrayToObject(ist, "interfaces");
    const cJSON *vif;
    size_t k = 0;
    cJSON_ArrayForEach(vif, jpath(vm_copy, "spec.template.spec.domain.devices.interfaces"))
    {
        /* the source NIC behind this interface (same MAC, else same order) */
        const lab_nic *n = NULL;
        for (size_t j = 0; j < src->nnics && !n; j++)
            if (!strcmp(src->nics[j].mac, js(vif, "macAddress")))
                n = &src->nics[j];
        if (!n && k < src->nnics)
            n = &src->nics[k];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", js(vif, "name"));
        cJSON_AddStringToObject(e, "mac", js(vif, "macAddress"));
        char ifname[32];
        snprintf(ifname, sizeof ifname, "eth%zu", k);
        cJSON_AddStringToObject(e, "interfaceName", ifname);
        cJSON_AddStringToObject(e, "infoSource", "domain, guest-agent");
        char ip[64] = "";
        int masq = cJSON_GetObjectItem(vif, "masquerade") != NULL;
        if (n && *n->ip && !strcmp(n->origin, "manual") && preserve &&
            (t->src_type == LAB_SRC_VSPHERE || t->src_type == LAB_SRC_HYPERV))
            snprintf(ip, sizeof ip, "%s", n->ip);
        else if (masq && n)
            pod_ip(n, k, ip);
        else if (n && *n->ip)
            snprintf(ip, sizeof ip, "%s", n->ip);
        if (*ip && src->tools) {
            cJSON_AddStringToObject(e, "ipAddress", ip);
            cJSON *ips = cJSON_AddArrayToObject(e, "ipAddresses");
            cJSON_AddItemToArray(ips, cJSON_CreateString(ip));
        }
        cJSON_AddItemToArray(iif, e);
        k++;
    }
    if (src->tools) {
        cJSON *os = cJSON_AddObjectToObject(ist, "guestOSInfo");
        cJSON_AddStringToObject(os, "id", src->is_windows ? "mswindows" : "rhel");
        cJSON_AddStringToObject(os, "name", src->is_windows ? "Microsoft Windows Server"
                                                            : "Red Hat Enterprise Linux");
    }
    cJSON_AddStringToObject(ist, "migrationMethod", "BlockMigration");
    ctl_guest_annotate(t, gm, iif);
    return guest;
}

int ctl_create_vm(target_ctx *t, mtv_err *err)
{
    lab_ctl *c = t->c;
    const lab_vm *src = t->src;
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(t->plan, "spec");
    const cJSON *bad = wrong(t);
    strbuf name = STRBUF_INIT;
    ctl_target_name(t, &name);
    if (strcmp(name.buf, src->name)) {
        cJSON_DeleteItemFromObjectCaseSensitive(t->vm_status, "newName");
        cJSON_AddStringToObject(t->vm_status, "newName", name.buf);
    }
    cJSON *existing = ctl_get(c, c->k_vm, t->target_ns, name.buf);
    if (existing) {
        int ours = !strcmp(jpath_str(existing, "metadata.labels.plan"),
                           jpath_str(t->plan, "metadata.uid")) &&
                   !strcmp(jpath_str(existing, "metadata.labels.vmID"), src->id);
        cJSON_Delete(existing);
        if (ours) {
            sb_release(&name);
            return 0;
        }
        int rc = mtv_err_set(err, MTV_EXIT_ENV, "virtualmachines.kubevirt.io \"%s\" already "
                             "exists", name.buf);
        sb_release(&name);
        return rc;
    }
    cJSON *vm = new_obj("kubevirt.io/v1", "VirtualMachine", t->target_ns, name.buf);
    cJSON *meta = cJSON_GetObjectItem(vm, "metadata");
    cJSON *labels = owner_labels(t);
    cJSON_AddStringToObject(labels, "resource", "vm-config");
    if (t->src_type == LAB_SRC_VSPHERE || t->src_type == LAB_SRC_OVA ||
        t->src_type == LAB_SRC_HYPERV)
        cJSON_AddStringToObject(labels, "guestConverted",
                                cJSON_IsTrue(cJSON_GetObjectItem(spec, "skipGuestConversion"))
                                    ? "false" : "true");
    cJSON_AddItemToObject(meta, "labels", labels);
    if (strcmp(name.buf, src->name) && !*js(t->spec_vm, "targetName")) {
        cJSON *ann = cJSON_AddObjectToObject(meta, "annotations");
        cJSON_AddStringToObject(ann, "openshift.io/display-name", src->name);
        cJSON_AddStringToObject(ann, "original-ID", src->id);
    }
    cJSON *vspec = cJSON_AddObjectToObject(vm, "spec");
    const char *rs = run_strategy(t);
    if (js(bad, "power")[0])
        rs = !strcmp(js(bad, "power"), "off") ? "Halted" : "Always";
    cJSON_AddStringToObject(vspec, "runStrategy", rs);
    cJSON *tmpl = cJSON_AddObjectToObject(vspec, "template");
    cJSON *tmeta = cJSON_AddObjectToObject(tmpl, "metadata");
    cJSON *tlabels = cJSON_AddObjectToObject(tmeta, "labels");
    const cJSON *l;
    cJSON_ArrayForEach(l, cJSON_GetObjectItem(spec, "targetLabels"))
    {
        cJSON_AddItemToObject(tlabels, l->string, cJSON_Duplicate(l, 1));
    }
    cJSON_DeleteItemFromObjectCaseSensitive(tlabels, "app");
    cJSON_AddStringToObject(tlabels, "app", name.buf);
    cJSON_ArrayForEach(l, cJSON_GetObjectItem(bad, "labels"))
    {
        cJSON_DeleteItemFromObjectCaseSensitive(tlabels, l->string);
        if (!cJSON_IsNull(l))
            cJSON_AddItemToObject(tlabels, l->string, cJSON_Duplicate(l, 1));
    }
    cJSON *tann = cJSON_AddObjectToObject(tmeta, "annotations");
    cJSON_AddStringToObject(tann, "vm.kubevirt.io/flavor", "");
    cJSON_AddStringToObject(tann, "vm.kubevirt.io/os", "");
    cJSON_AddStringToObject(tann, "vm.kubevirt.io/workload", "");
    cJSON *tspec = cJSON_AddObjectToObject(tmpl, "spec");
    cJSON *dom = cJSON_AddObjectToObject(tspec, "domain");
    cJSON *cpu = cJSON_AddObjectToObject(dom, "cpu");
    int cps = src->cores_per_socket > 0 ? src->cores_per_socket : 1;
    int sockets = src->cpus / cps > 0 ? src->cpus / cps : 1, cores = cps;
    const cJSON *bcpu = cJSON_GetObjectItem(bad, "cpu");
    if (cJSON_GetObjectItem(bcpu, "sockets"))
        sockets = cJSON_GetObjectItem(bcpu, "sockets")->valueint;
    if (cJSON_GetObjectItem(bcpu, "cores"))
        cores = cJSON_GetObjectItem(bcpu, "cores")->valueint;
    cJSON_AddNumberToObject(cpu, "sockets", sockets);
    cJSON_AddNumberToObject(cpu, "cores", cores);
    const cJSON *nested = cJSON_GetObjectItem(spec, "enableNestedVirtualization");
    if (nested) {
        cJSON *feats = cJSON_AddArrayToObject(cpu, "features");
        const char *pol = cJSON_IsTrue(nested) ? "optional" : "disable";
        if (js(bad, "cpu_features")[0])
            pol = js(bad, "cpu_features");
        static const char *const names[] = {"vmx", "svm"};
        for (int i = 0; i < 2; i++) {
            cJSON *f = cJSON_CreateObject();
            cJSON_AddStringToObject(f, "name", names[i]);
            cJSON_AddStringToObject(f, "policy", pol);
            cJSON_AddItemToArray(feats, f);
        }
    }
    cJSON *mem = cJSON_AddObjectToObject(dom, "memory");
    char memq[32];
    snprintf(memq, sizeof memq, "%lldMi", src->memory_mb);
    cJSON_AddStringToObject(mem, "guest", js(bad, "memory")[0] ? js(bad, "memory") : memq);
    cJSON *fw = cJSON_AddObjectToObject(dom, "firmware");
    strbuf serial = STRBUF_INIT;
    ctl_target_serial(t, &serial);
    cJSON_AddStringToObject(fw, "serial", js(bad, "serial")[0] ? js(bad, "serial") : sb_str(&serial));
    sb_release(&serial);
    cJSON *boot = cJSON_AddObjectToObject(fw, "bootloader");
    const char *firmware = js(bad, "firmware")[0] ? js(bad, "firmware") : src->firmware;
    int secure_boot = src->secure_boot, has_tpm = src->tpm;
    if (cJSON_IsBool(cJSON_GetObjectItem(bad, "secure_boot")))
        secure_boot = cJSON_IsTrue(cJSON_GetObjectItem(bad, "secure_boot"));
    if (cJSON_IsBool(cJSON_GetObjectItem(bad, "tpm")))
        has_tpm = cJSON_IsTrue(cJSON_GetObjectItem(bad, "tpm"));
    if (!strcmp(firmware, "efi")) {
        cJSON *efi = cJSON_AddObjectToObject(boot, "efi");
        cJSON_AddBoolToObject(efi, "secureBoot", secure_boot);
        if (secure_boot) {
            cJSON *feat = cJSON_AddObjectToObject(dom, "features");
            cJSON *smm = cJSON_AddObjectToObject(feat, "smm");
            cJSON_AddBoolToObject(smm, "enabled", 1);
        }
    } else {
        cJSON_AddObjectToObject(boot, "bios");
    }
    cJSON *clock = cJSON_AddObjectToObject(dom, "clock");
    cJSON_AddStringToObject(clock, "timezone", "UTC");
    cJSON *dev = cJSON_AddObjectToObject(dom, "devices");
    cJSON *disks = cJSON_AddArrayToObject(dev, "disks");
    cJSON *ifaces = cJSON_AddArrayToObject(dev, "interfaces");
    cJSON *inputs = cJSON_AddArrayToObject(dev, "inputs");
    cJSON *tablet = cJSON_CreateObject();
    cJSON_AddStringToObject(tablet, "bus", "virtio");
    cJSON_AddStringToObject(tablet, "name", "tablet");
    cJSON_AddStringToObject(tablet, "type", "tablet");
    cJSON_AddItemToArray(inputs, tablet);
    cJSON *tpm = cJSON_AddObjectToObject(dev, "tpm");
    if (has_tpm)
        cJSON_AddBoolToObject(tpm, "persistent", 1);
    else
        cJSON_AddBoolToObject(tpm, "enabled", 0);
    cJSON *nets = cJSON_AddArrayToObject(tspec, "networks");
    cJSON *vols = cJSON_AddArrayToObject(tspec, "volumes");
    cJSON *pvc_list = owned(c, c->k_pvc, t);
    const cJSON *pvcs[256];
    size_t npvc = sorted_pvcs(pvc_list, pvcs, 256);
    for (size_t i = 0; i < npvc; i++) {
        char vname[32];
        snprintf(vname, sizeof vname, "vol-%zu", i);
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "name", vname);
        cJSON *dd = cJSON_AddObjectToObject(d, "disk");
        cJSON_AddStringToObject(dd, "bus", "virtio");
        if (i < src->ndisks && src->disks[i].serial && *src->disks[i].serial)
            cJSON_AddStringToObject(d, "serial", src->disks[i].serial);
        if (i < src->ndisks && src->disks[i].shared) {
            cJSON_AddBoolToObject(d, "shareable", 1);
            cJSON_AddStringToObject(d, "cache", "none");
        }
        if (i == 0)
            cJSON_AddNumberToObject(d, "bootOrder", 1);
        cJSON_AddItemToArray(disks, d);
        cJSON *v = cJSON_CreateObject();
        cJSON_AddStringToObject(v, "name", vname);
        cJSON *pc = cJSON_AddObjectToObject(v, "persistentVolumeClaim");
        cJSON_AddStringToObject(pc, "claimName", jpath_str(pvcs[i], "metadata.name"));
        cJSON_AddItemToArray(vols, v);
    }
    size_t netn = 0;
    for (size_t i = 0; i < src->nnics; i++) {
        const lab_nic *n = &src->nics[i];
        cJSON *map = NULL;
        const cJSON *dest = net_dest(c, t, n, &map);
        const char *dt = js(dest, "type");
        if (!dest || !strcmp(dt, "ignored")) {
            cJSON_Delete(map);
            continue;
        }
        char nname[32];
        snprintf(nname, sizeof nname, "net-%zu", netn++);
        cJSON *ifc = cJSON_CreateObject();
        cJSON_AddStringToObject(ifc, "name", nname);
        const char *mac = n->mac;
        if (netn == 1 && js(bad, "mac")[0])
            mac = js(bad, "mac");
        cJSON_AddStringToObject(ifc, "macAddress", mac);
        cJSON_AddStringToObject(ifc, "model", "virtio");
        const char *bad_net = netn == 1 ? js(bad, "network") : "";
        cJSON *net = cJSON_CreateObject();
        cJSON_AddStringToObject(net, "name", nname);
        if ((!strcmp(dt, "pod") && !*bad_net) || !strcmp(bad_net, "pod")) {
            cJSON_AddObjectToObject(ifc, "masquerade");
            cJSON_AddObjectToObject(net, "pod");
        } else {
            cJSON_AddObjectToObject(ifc, "bridge");
            cJSON *mu = cJSON_AddObjectToObject(net, "multus");
            strbuf nn = STRBUF_INIT;
            if (*bad_net)
                sb_adds(&nn, bad_net);
            else
                sb_addf(&nn, "%s/%s", js(dest, "namespace"), js(dest, "name"));
            cJSON_AddStringToObject(mu, "networkName", nn.buf);
            sb_release(&nn);
        }
        int up = n->connected;
        const cJSON *link = cJSON_GetObjectItem(bad, "link");
        if (cJSON_IsObject(link))
            link = n->mac ? cJSON_GetObjectItem(link, n->mac) : NULL;
        else if (netn != 1)
            link = NULL;
        if (cJSON_IsString(link))
            up = strcmp(link->valuestring, "down") != 0;
        if (!up)
            cJSON_AddStringToObject(ifc, "state", "down");
        cJSON_AddItemToArray(ifaces, ifc);
        cJSON_AddItemToArray(nets, net);
        cJSON_Delete(map);
    }
    const cJSON *ns = cJSON_GetObjectItem(spec, "targetNodeSelector");
    if (ns && cJSON_GetArraySize(ns))
        cJSON_AddItemToObject(tspec, "nodeSelector", cJSON_Duplicate(ns, 1));
    const cJSON *aff = cJSON_GetObjectItem(spec, "targetAffinity");
    if (bad && cJSON_GetObjectItem(bad, "affinity"))
        aff = cJSON_GetObjectItem(bad, "affinity");
    if (aff && !cJSON_IsNull(aff))
        cJSON_AddItemToObject(tspec, "affinity", cJSON_Duplicate(aff, 1));
    cJSON *vm_copy = cJSON_Duplicate(vm, 1);
    char *created = NULL;
    int code = ctl_create(c, c->k_vm, t->target_ns, vm, &created);
    if (code != 201) {
        cJSON_Delete(vm_copy);
        cJSON_Delete(pvc_list);
        sb_release(&name);
        return mtv_err_set(err, MTV_EXIT_ENV, "creating the VirtualMachine failed (HTTP %d)", code);
    }
    cJSON *vm_obj = ctl_get(c, c->k_vm, t->target_ns, created);
    const char *vm_uid = jpath_str(vm_obj, "metadata.uid");
    /* PVCs now belong to the VM */
    for (size_t i = 0; i < npvc; i++) {
        cJSON *p = cJSON_Duplicate(pvcs[i], 1);
        cJSON *pm = cJSON_GetObjectItem(p, "metadata");
        cJSON_DeleteItemFromObjectCaseSensitive(pm, "ownerReferences");
        cJSON_AddItemToObject(pm, "ownerReferences",
                              ctl_owner_refs("kubevirt.io/v1", "VirtualMachine", created, vm_uid, 0));
        cJSON_DeleteItemFromObjectCaseSensitive(pm, "resourceVersion");
        ctl_update(c, c->k_pvc, t->target_ns, jpath_str(pvcs[i], "metadata.name"), p);
    }
    cJSON *guest = guest_of(t, vm_copy, created);
    ctl_kubevirt_guest(c, t->target_ns, created, guest);
    ctl_kubevirt_now(c, t->target_ns, created);
    cJSON *now_vm = ctl_get(c, c->k_vm, t->target_ns, created);
    const char *ps = jpath_str(now_vm, "status.printableStatus");
    log_info("lab controller: created VirtualMachine %s/%s (%s, %s)", t->target_ns, created, rs,
             *ps ? ps : "no status");
    cJSON_Delete(now_vm);
    free(created);
    cJSON_Delete(vm_obj);
    cJSON_Delete(vm_copy);
    cJSON_Delete(pvc_list);
    sb_release(&name);
    return 0;
}

void ctl_delete_targets(target_ctx *t)
{
    lab_ctl *c = t->c;
    strbuf name = STRBUF_INIT;
    ctl_target_name(t, &name);
    cJSON *vm = ctl_get(c, c->k_vm, t->target_ns, name.buf);
    if (vm && !strcmp(jpath_str(vm, "metadata.labels.plan"), jpath_str(t->plan, "metadata.uid"))) {
        ctl_delete(c, c->k_vmi, t->target_ns, name.buf);
        ctl_delete(c, c->k_vm, t->target_ns, name.buf);
    }
    cJSON_Delete(vm);
    sb_release(&name);
    const lab_kind *kinds[] = {c->k_dv, c->k_pvc, c->k_pod};
    for (size_t k = 0; k < 3; k++) {
        cJSON *list = owned(c, kinds[k], t);
        const cJSON *o;
        cJSON_ArrayForEach(o, list)
        {
            ctl_delete(c, kinds[k], t->target_ns, jpath_str(o, "metadata.name"));
        }
        cJSON_Delete(list);
    }
}
