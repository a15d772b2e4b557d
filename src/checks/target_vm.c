/* target_vm: see target_vm.h. Values the objects do not carry stay unknown
 * (vm_record's conventions), so a check can tell "absent" from "different". */
#include "checks/target_vm.h"

#include <stdlib.h>
#include <string.h>

#include "providers/kubevirt.h"

static char *dup(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

static const cJSON *at(const cJSON *o, const char *path)
{
    return k8s_obj_get(o, path);
}

static const char *str(const cJSON *o, const char *path)
{
    return k8s_obj_str(o, path);
}

void target_vm_init(target_vm *t)
{
    memset(t, 0, sizeof *t);
    vm_record_init(&t->rec);
}

void target_vm_free(target_vm *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->rec.ndisks && t->access_modes; i++)
        free(t->access_modes[i]);
    free(t->access_modes);
    cJSON_Delete(t->cpu_features);
    vm_record_free(&t->rec);
    free(t->namespace);
    free(t->printable_status);
    free(t->run_strategy);
    free(t->node_name);
    cJSON_Delete(t->labels);
    cJSON_Delete(t->affinity);
    target_vm_init(t);
}

static void read_cpu_features(target_vm *t, const cJSON *domain)
{
    t->cpu_features = cJSON_CreateObject();
    const cJSON *f;
    cJSON_ArrayForEach(f, at(domain, "cpu.features"))
    {
        const char *policy = str(f, "policy"), *name = str(f, "name");
        if (!name || cJSON_GetObjectItemCaseSensitive(t->cpu_features, name))
            continue;
        /* KubeVirt's default policy is require */
        cJSON_AddStringToObject(t->cpu_features, name, policy ? policy : "require");
    }
}

typedef struct pvc_list {
    const cJSON *const *pvcs;
    size_t n;
} pvc_list;

static const cJSON *find_pvc(void *ud, const char *name)
{
    const pvc_list *l = ud;
    for (size_t i = 0; name && i < l->n; i++)
        if (l->pvcs[i] && str(l->pvcs[i], "metadata.name") &&
            !strcmp(str(l->pvcs[i], "metadata.name"), name))
            return l->pvcs[i];
    return NULL;
}

static void read_access_modes(target_vm *t, pvc_list *l)
{
    t->access_modes = calloc(t->rec.ndisks ? t->rec.ndisks : 1, sizeof *t->access_modes);
    if (!t->access_modes)
        abort();
    for (size_t i = 0; i < t->rec.ndisks; i++) {
        const cJSON *pvc = find_pvc(l, t->rec.disks[i].device_key);
        const char *mode = str(pvc, "spec.accessModes.0");
        t->access_modes[i] = dup(mode ? mode : str(pvc, "status.accessModes.0"));
    }
}

int target_vm_from_objects(target_vm *t, const cJSON *vm, const cJSON *vmi,
                           const cJSON *const *pvcs, size_t npvcs, mtv_err *err)
{
    target_vm_free(t);
    const char *kind = str(vm, "kind");
    if (!cJSON_IsObject(vm) || (kind && strcmp(kind, "VirtualMachine")) || !str(vm, "metadata.name"))
        return mtv_err_set(err, MTV_EXIT_ENV, "not a VirtualMachine object (kind %s)",
                           kind ? kind : "missing");
    pvc_list l = {pvcs, npvcs};
    kubevirt_record_from(vm, vmi, NULL, find_pvc, &l, &t->rec);
    /* the checks ask "connected?": no instance means no agent */
    if (!vmi)
        t->rec.guest_agent_running = 0;
    t->namespace = dup(str(vm, "metadata.namespace"));
    t->printable_status = dup(str(vm, "status.printableStatus"));
    t->run_strategy = dup(str(vm, "spec.runStrategy"));
    t->has_vmi = vmi != NULL;
    const cJSON *tspec = at(vm, "spec.template.spec");
    const cJSON *idomain = at(vmi, "spec.domain");
    read_cpu_features(t, idomain ? idomain : at(tspec, "domain"));
    t->node_name = dup(str(vmi, "status.nodeName"));
    const cJSON *labels = at(vm, "spec.template.metadata.labels");
    t->labels = cJSON_IsObject(labels) ? cJSON_Duplicate(labels, 1) : cJSON_CreateObject();
    const cJSON *aff = at(tspec, "affinity");
    t->affinity = cJSON_IsObject(aff) ? cJSON_Duplicate(aff, 1) : NULL;
    read_access_modes(t, &l);
    return 0;
}

const char *target_vm_label(const target_vm *t, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t->labels, key));
}

const vm_disk *target_vm_disk(const target_vm *t, const char *pvc, size_t *index)
{
    for (size_t i = 0; pvc && i < t->rec.ndisks; i++)
        if (t->rec.disks[i].device_key && !strcmp(t->rec.disks[i].device_key, pvc)) {
            if (index)
                *index = i;
            return &t->rec.disks[i];
        }
    return NULL;
}

static int same_mac(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    for (; *a && *b; a++, b++) {
        char x = *a == '-' ? ':' : (char)(*a | 0x20), y = *b == '-' ? ':' : (char)(*b | 0x20);
        if (x != y)
            return 0;
    }
    return !*a && !*b;
}

const vm_nic *target_vm_nic_by_mac(const target_vm *t, const char *mac)
{
    for (size_t i = 0; i < t->rec.nnics; i++)
        if (same_mac(t->rec.nics[i].mac, mac))
            return &t->rec.nics[i];
    return NULL;
}
