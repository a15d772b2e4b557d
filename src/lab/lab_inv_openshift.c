/*
 * lab_inv_openshift: OpenShift provider inventory, read live from the
 * lab's store at each request as the real service reads the cluster
 * (forklift.md 9.2, 9.6, 9.7): resources carry uid, version, namespace,
 * name, selfLink, path and id (= uid), and at detail >= 1 the raw object
 * (VMs also their running instance). Also turns a KubeVirt VirtualMachine
 * into the controller's normalized source VM, resolving disk sizes and
 * storage classes through its PVCs and DataVolumes.
 */
#include "lab/lab_inv_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

typedef struct coll {
    const char *name, *group, *version, *plural;
    int namespaced;
} coll;

static const coll colls[] = {
    {"vms", "kubevirt.io", "v1", "virtualmachines", 1},
    {"namespaces", "", "v1", "namespaces", 0},
    {"storageclasses", "storage.k8s.io", "v1", "storageclasses", 0},
    {"networkattachmentdefinitions", "k8s.cni.cncf.io", "v1", "network-attachment-definitions", 1},
    {"persistentvolumeclaims", "", "v1", "persistentvolumeclaims", 1},
    {"datavolumes", "cdi.kubevirt.io", "v1beta1", "datavolumes", 1},
    {"instancetypes", "instancetype.kubevirt.io", "v1beta1", "virtualmachineinstancetypes", 1},
    {"clusterinstancetypes", "instancetype.kubevirt.io", "v1beta1",
     "virtualmachineclusterinstancetypes", 0},
    {"kubevirts", NULL, NULL, NULL, 1},
};

static cJSON *get_obj(lab_store *store, const char *group, const char *version,
                      const char *plural, const char *ns, const char *name)
{
    const lab_kind *k = lab_kinds_find(lab_store_kinds(store), group, version, plural);
    if (!k)
        return NULL;
    lab_result res;
    lab_store_get(store, k, ns ? ns : "", name, &res);
    cJSON *o = res.code == 200 ? lab_blob_parse(res.obj) : NULL;
    lab_result_release(&res);
    return o;
}

cJSON *lab_inv_openshift_list(lab_store *store, const char *uid, const char *collection,
                              int detail, const char *ns, const char *name, int *code)
{
    const coll *c = NULL;
    for (size_t i = 0; i < sizeof colls / sizeof *colls; i++)
        if (!strcmp(colls[i].name, collection))
            c = &colls[i];
    if (!c) {
        *code = 404;
        return NULL;
    }
    *code = 200;
    cJSON *out = cJSON_CreateArray();
    if (!c->plural)
        return out;
    const lab_kind *k = lab_kinds_find(lab_store_kinds(store), c->group, c->version, c->plural);
    if (!k)
        return out;
    lab_list list;
    cJSON *st = NULL;
    if (lab_store_list(store, k, c->namespaced && ns ? ns : NULL, NULL, &list, &st) != 0) {
        cJSON_Delete(st);
        return out;
    }
    for (size_t i = 0; i < list.count; i++) {
        const lab_blob *b = list.items[i];
        if (name && strcmp(b->name, name))
            continue;
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "uid", b->uid);
        char rv[32];
        snprintf(rv, sizeof rv, "%llu", (unsigned long long)b->rv);
        cJSON_AddStringToObject(r, "version", rv);
        cJSON_AddStringToObject(r, "namespace", b->ns);
        cJSON_AddStringToObject(r, "name", b->name);
        inv_self_link(r, "openshift", uid, collection, b->uid);
        strbuf path = STRBUF_INIT;
        if (*b->ns)
            sb_addf(&path, "%s/%s", b->ns, b->name);
        else
            sb_adds(&path, b->name);
        cJSON_AddStringToObject(r, "path", path.buf);
        sb_release(&path);
        cJSON_AddStringToObject(r, "id", b->uid);
        if (detail >= 1) {
            cJSON_AddItemToObject(r, "object", lab_blob_parse(b));
            if (!strcmp(collection, "vms")) {
                cJSON *vmi = get_obj(store, "kubevirt.io", "v1", "virtualmachineinstances", b->ns,
                                     b->name);
                if (vmi)
                    cJSON_AddItemToObject(r, "instance", vmi);
            }
        }
        cJSON_AddItemToArray(out, r);
    }
    lab_list_release(&list);
    return out;
}

/* Kubernetes quantities ("2Gi", "2048Mi", "10G", "1073741824") in bytes. */
static long long quantity(const char *q)
{
    if (!q)
        return 0;
    char *end;
    double v = strtod(q, &end);
    static const struct {
        const char *suf;
        double mul;
    } sufs[] = {{"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0},
                {"Ti", 1099511627776.0}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9},
                {"T", 1e12}, {"", 1}};
    for (size_t i = 0; i < sizeof sufs / sizeof *sufs; i++)
        if (!strcmp(end, sufs[i].suf))
            return (long long)(v * sufs[i].mul);
    return (long long)v;
}

static const cJSON *path_get(const cJSON *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *cur = o;
    for (char *save, *t = strtok_r(buf, ".", &save); t && cur; t = strtok_r(NULL, ".", &save))
        cur = cJSON_GetObjectItemCaseSensitive(cur, t);
    return cur;
}

static const char *path_str(const cJSON *o, const char *path)
{
    return cJSON_GetStringValue(path_get(o, path));
}

static char *dup_s(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

int lab_inv_openshift_vm(lab_store *store, const char *ns, const char *name, const char *uid,
                         lab_vm *vm, cJSON **workload)
{
    memset(vm, 0, sizeof *vm);
    cJSON *obj = NULL;
    if (ns && name && *name) {
        obj = get_obj(store, "kubevirt.io", "v1", "virtualmachines", ns, name);
    } else if (uid && *uid) {
        const lab_kind *k = lab_kinds_find(lab_store_kinds(store), "kubevirt.io", "v1",
                                           "virtualmachines");
        lab_list list;
        cJSON *st = NULL;
        if (k && lab_store_list(store, k, NULL, NULL, &list, &st) == 0) {
            for (size_t i = 0; i < list.count && !obj; i++)
                if (!strcmp(list.items[i]->uid, uid))
                    obj = lab_blob_parse(list.items[i]);
            lab_list_release(&list);
        }
        cJSON_Delete(st);
    }
    if (!obj)
        return -1;
    const char *vm_ns = path_str(obj, "metadata.namespace");
    vm->name = dup_s(path_str(obj, "metadata.name"));
    vm->id = dup_s(path_str(obj, "metadata.uid"));
    const cJSON *dom = path_get(obj, "spec.template.spec.domain");
    const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(dom, "cpu");
    int sockets = cJSON_GetObjectItem(cpu, "sockets") ? cJSON_GetObjectItem(cpu, "sockets")->valueint : 1;
    int cores = cJSON_GetObjectItem(cpu, "cores") ? cJSON_GetObjectItem(cpu, "cores")->valueint : 1;
    int threads = cJSON_GetObjectItem(cpu, "threads") ? cJSON_GetObjectItem(cpu, "threads")->valueint : 1;
    vm->cpus = (sockets > 0 ? sockets : 1) * (cores > 0 ? cores : 1) * (threads > 0 ? threads : 1);
    vm->cores_per_socket = cores > 0 ? cores : 1;
    const char *mem = path_str(dom, "memory.guest");
    if (!mem)
        mem = path_str(dom, "resources.requests.memory");
    /* a VM sized by an instancetype takes CPUs and memory from it */
    const char *it = path_str(obj, "spec.instancetype.name");
    const char *it_kind = path_str(obj, "spec.instancetype.kind");
    int it_ns = it_kind && !strcmp(it_kind, "VirtualMachineInstancetype");
    cJSON *itype = it ? get_obj(store, "instancetype.kubevirt.io", "v1beta1",
                                it_ns ? "virtualmachineinstancetypes"
                                      : "virtualmachineclusterinstancetypes",
                                it_ns ? vm_ns : NULL, it)
                      : NULL;
    const cJSON *guest_cpus = path_get(itype, "spec.cpu.guest");
    if (!cpu && cJSON_IsNumber(guest_cpus) && guest_cpus->valueint > 0) {
        vm->cpus = guest_cpus->valueint;
        vm->cores_per_socket = 1;
    }
    if (!mem)
        mem = path_str(itype, "spec.memory.guest");
    vm->memory_mb = quantity(mem) / (1024 * 1024);
    cJSON_Delete(itype);
    vm->firmware = dup_s(path_get(dom, "firmware.bootloader.efi") ? "efi" : "bios");
    vm->secure_boot = cJSON_IsTrue(path_get(dom, "firmware.bootloader.efi.secureBoot"));
    vm->uuid = dup_s(path_str(dom, "firmware.serial") ? path_str(dom, "firmware.serial")
                                                        : vm->id);
    const char *rs = path_str(obj, "spec.runStrategy");
    const char *ps = path_str(obj, "status.printableStatus");
    vm->power_on = (rs && !strcmp(rs, "Always")) || cJSON_IsTrue(path_get(obj, "spec.running")) ||
                   (ps && !strcmp(ps, "Running"));
    vm->tools = 1;
    vm->change_tracking = 1;
    const cJSON *ann = path_get(obj, "spec.template.metadata.annotations");
    vm->guest_id = dup_s(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ann, "vm.kubevirt.io/os")));
    const cJSON *labels = path_get(obj, "metadata.labels");
    const char *os = NULL;
    const cJSON *l;
    cJSON_ArrayForEach(l, labels)
    {
        if (!strncmp(l->string, "os.template.kubevirt.io/", 24))
            os = l->string + 24;
    }
    vm->os_type = dup_s(os ? os : "");
    vm->is_windows = os && strstr(os, "win");
    vm->hostname = dup_s(vm->name);
    vm->host_id = dup_s("");
    vm->folder_path = dup_s("");
    const cJSON *vols = path_get(obj, "spec.template.spec.volumes");
    const cJSON *dvt = path_get(obj, "spec.dataVolumeTemplates");
    size_t nv = (size_t)cJSON_GetArraySize(vols);
    vm->disks = calloc(nv ? nv : 1, sizeof *vm->disks);
    if (!vm->disks)
        abort();
    const cJSON *v;
    cJSON_ArrayForEach(v, vols)
    {
        const char *claim = path_str(v, "persistentVolumeClaim.claimName");
        if (!claim)
            claim = path_str(v, "dataVolume.name");
        if (!claim)
            continue;
        lab_disk *d = &vm->disks[vm->ndisks++];
        d->id = dup_s(claim);
        d->file = dup_s(claim);
        d->bus = dup_s("virtio");
        d->serial = dup_s("");
        d->thin = 1;
        cJSON *pvc = get_obj(store, "", "v1", "persistentvolumeclaims", vm_ns, claim);
        const char *sc = pvc ? path_str(pvc, "spec.storageClassName") : NULL;
        const char *size = pvc ? path_str(pvc, "spec.resources.requests.storage") : NULL;
        const cJSON *t;
        cJSON_ArrayForEach(t, dvt)
        {
            if (!sc && !strcmp(path_str(t, "metadata.name") ? path_str(t, "metadata.name") : "",
                               claim)) {
                sc = path_str(t, "spec.storage.storageClassName");
                size = path_str(t, "spec.storage.resources.requests.storage");
            }
        }
        d->storage = dup_s(sc ? sc : "");
        d->storage_id = dup_s(sc ? sc : "");
        d->capacity = quantity(size);
        cJSON_Delete(pvc);
    }
    const cJSON *ifaces = path_get(dom, "devices.interfaces");
    const cJSON *nets = path_get(obj, "spec.template.spec.networks");
    size_t ni = (size_t)cJSON_GetArraySize(ifaces);
    vm->nics = calloc(ni ? ni : 1, sizeof *vm->nics);
    if (!vm->nics)
        abort();
    const cJSON *ifc;
    cJSON_ArrayForEach(ifc, ifaces)
    {
        lab_nic *n = &vm->nics[vm->nnics++];
        const char *iname = path_str(ifc, "name");
        n->mac = dup_s(path_str(ifc, "macAddress"));
        for (char *p = n->mac; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        n->ip = dup_s("");
        n->origin = dup_s("");
        n->gateway = dup_s("");
        n->model = dup_s(path_str(ifc, "model") ? path_str(ifc, "model") : "virtio");
        n->connected = !(path_str(ifc, "state") && !strcmp(path_str(ifc, "state"), "down"));
        n->id = dup_s(iname);
        const cJSON *net;
        cJSON_ArrayForEach(net, nets)
        {
            if (!iname || strcmp(path_str(net, "name") ? path_str(net, "name") : "", iname))
                continue;
            const char *multus = path_str(net, "multus.networkName");
            if (multus) {
                strbuf full = STRBUF_INIT;
                if (strchr(multus, '/'))
                    sb_adds(&full, multus);
                else
                    sb_addf(&full, "%s/%s", vm_ns, multus);
                n->network = dup_s(full.buf);
                n->network_id = dup_s(full.buf);
                sb_release(&full);
            } else {
                n->network = dup_s("pod");
                n->network_id = dup_s("pod");
            }
        }
        if (!n->network) {
            n->network = dup_s("pod");
            n->network_id = dup_s("pod");
        }
    }
    if (workload) {
        cJSON *w = cJSON_CreateObject();
        cJSON_AddStringToObject(w, "uid", vm->id);
        cJSON_AddStringToObject(w, "namespace", vm_ns ? vm_ns : "");
        cJSON_AddStringToObject(w, "name", vm->name);
        cJSON_AddStringToObject(w, "id", vm->id);
        cJSON_AddItemToObject(w, "object", obj);
        obj = NULL;
        *workload = w;
    }
    cJSON_Delete(obj);
    return 0;
}
