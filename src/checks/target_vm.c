/* target_vm: see target_vm.h. Values the objects do not carry stay unknown
 * (vm_record's conventions), so a check can tell "absent" from "different". */
#include "checks/target_vm.h"

#include <stdlib.h>
#include <string.h>

#include "k8s/quantity.h"

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

static long long num(const cJSON *o, const char *path)
{
    const cJSON *n = at(o, path);
    return cJSON_IsNumber(n) ? (long long)n->valuedouble : VR_UNSET;
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

static void read_cpu_memory(target_vm *t, const cJSON *domain)
{
    vm_record *r = &t->rec;
    r->cpu_cores = num(domain, "cpu.cores");
    r->cpu_sockets = num(domain, "cpu.sockets");
    r->cpu_threads = num(domain, "cpu.threads");
    long long bytes;
    const char *guest = str(domain, "memory.guest");
    if (!guest)
        guest = str(domain, "resources.requests.memory");
    if (guest && k8s_quantity_bytes(guest, &bytes) == 0)
        r->memory_mb = bytes / (1024 * 1024);
    if (!t->cpu_features)
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

static void read_firmware(vm_record *r, const cJSON *domain)
{
    vr_set(&r->serial, str(domain, "firmware.serial"));
    const cJSON *efi = at(domain, "firmware.bootloader.efi");
    if (efi) {
        vr_set(&r->boot_firmware, "efi");
        const cJSON *sb = cJSON_GetObjectItemCaseSensitive(efi, "secureBoot");
        r->secure_boot = cJSON_IsBool(sb) ? cJSON_IsTrue(sb) : 1;
    } else {
        vr_set(&r->boot_firmware, "bios");
        r->secure_boot = 0;
    }
    const cJSON *tpm = at(domain, "devices.tpm");
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(tpm, "enabled");
    r->tpm_present = tpm && !(cJSON_IsBool(en) && !cJSON_IsTrue(en));
}

static const cJSON *find_named(const cJSON *arr, const char *key, const char *value)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        const char *v = str(e, key);
        if (v && value && !strcmp(v, value))
            return e;
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

static void read_nics(vm_record *r, const cJSON *tspec, const cJSON *vmi)
{
    const cJSON *ifc;
    cJSON_ArrayForEach(ifc, at(tspec, "domain.devices.interfaces"))
    {
        vm_nic *n = vm_record_add_nic(r);
        const char *name = str(ifc, "name");
        vr_set(&n->name, name);
        vr_set_mac(&n->mac, str(ifc, "macAddress"));
        const char *state = str(ifc, "state");
        n->connected = !(state && !strcmp(state, "down"));
        n->start_connected = n->connected;
        const cJSON *net = find_named(at(tspec, "networks"), "name", name);
        if (cJSON_GetObjectItemCaseSensitive(net, "pod")) {
            vr_set(&n->network_name, "pod");
        } else if (str(net, "multus.networkName")) {
            const char *mn = str(net, "multus.networkName"), *slash = strrchr(mn, '/');
            vr_set(&n->network_name, slash ? slash + 1 : mn);
            vr_set(&n->network_id, mn);
        }
        const cJSON *st = find_named(at(vmi, "status.interfaces"), "name", name);
        if (!st) {
            const cJSON *e;
            cJSON_ArrayForEach(e, at(vmi, "status.interfaces"))
            {
                if (same_mac(str(e, "mac"), n->mac))
                    st = e;
            }
        }
        if (!st)
            continue;
        vr_set(&n->guest_nic_name, str(st, "interfaceName"));
        if (!n->mac)
            vr_set_mac(&n->mac, str(st, "mac"));
        const cJSON *ips = cJSON_GetObjectItemCaseSensitive(st, "ipAddresses"), *ip;
        if (!cJSON_GetArraySize(ips) && str(st, "ipAddress")) {
            vm_ip *v = vm_nic_add_ip(n);
            vr_set(&v->ip, str(st, "ipAddress"));
        }
        cJSON_ArrayForEach(ip, ips)
        {
            if (!cJSON_IsString(ip))
                continue;
            vm_ip *v = vm_nic_add_ip(n);
            const char *slash = strchr(ip->valuestring, '/');
            if (slash) {
                vr_setn(&v->ip, ip->valuestring, (size_t)(slash - ip->valuestring));
                v->prefix = atoll(slash + 1);
            } else {
                vr_set(&v->ip, ip->valuestring);
            }
        }
    }
}

static const cJSON *find_pvc(const cJSON *const *pvcs, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (pvcs[i] && str(pvcs[i], "metadata.name") && !strcmp(str(pvcs[i], "metadata.name"), name))
            return pvcs[i];
    return NULL;
}

/* The claim behind a volume: persistentVolumeClaim.claimName or dataVolume.name. */
static const char *claim_of(const cJSON *vol)
{
    const char *c = str(vol, "persistentVolumeClaim.claimName");
    return c ? c : str(vol, "dataVolume.name");
}

static void read_disks(target_vm *t, const cJSON *tspec, const cJSON *const *pvcs, size_t npvcs)
{
    vm_record *r = &t->rec;
    const cJSON *vol;
    size_t count = 0;
    cJSON_ArrayForEach(vol, at(tspec, "volumes")) count += claim_of(vol) != NULL;
    t->access_modes = calloc(count ? count : 1, sizeof *t->access_modes);
    if (!t->access_modes)
        abort();
    cJSON_ArrayForEach(vol, at(tspec, "volumes"))
    {
        const char *claim = claim_of(vol);
        if (!claim)
            continue;
        size_t idx = r->ndisks;
        vm_disk *d = vm_record_add_disk(r);
        vr_set(&d->name, claim);
        vr_set(&d->device_key, claim);
        d->unit_number = (long long)idx;
        const cJSON *pvc = find_pvc(pvcs, npvcs, claim);
        if (!pvc)
            continue;
        const char *size = str(pvc, "status.capacity.storage");
        if (!size)
            size = str(pvc, "spec.resources.requests.storage");
        long long bytes;
        if (size && k8s_quantity_bytes(size, &bytes) == 0)
            d->size_kb = bytes / 1024;
        vr_set(&d->storage_name, str(pvc, "spec.storageClassName"));
        const char *mode = str(pvc, "spec.accessModes.0");
        t->access_modes[idx] = dup(mode ? mode : str(pvc, "status.accessModes.0"));
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
    vm_record *r = &t->rec;
    vr_set(&r->name, str(vm, "metadata.name"));
    vr_set(&r->id, str(vm, "metadata.uid"));
    vr_set(&r->provider_type, "openshift");
    t->namespace = dup(str(vm, "metadata.namespace"));
    t->printable_status = dup(str(vm, "status.printableStatus"));
    t->run_strategy = dup(str(vm, "spec.runStrategy"));
    const char *ps = t->printable_status;
    r->power = !ps ? VM_POWER_UNKNOWN
               : !strcmp(ps, "Running") ? VM_POWER_ON
               : !strcmp(ps, "Stopped") ? VM_POWER_OFF
                                        : VM_POWER_OTHER;
    const cJSON *tspec = at(vm, "spec.template.spec");
    const cJSON *vdomain = at(vm, "spec.template.spec.domain");
    const cJSON *idomain = at(vmi, "spec.domain");
    t->has_vmi = vmi != NULL;
    read_cpu_memory(t, idomain ? idomain : vdomain);
    read_firmware(r, vdomain);
    vr_set(&r->uuid, str(vdomain, "firmware.uuid"));
    r->guest_agent_running = vmi ? k8s_condition_true(vmi, "AgentConnected") == 1 : 0;
    t->node_name = dup(str(vmi, "status.nodeName"));
    const cJSON *labels = at(vm, "spec.template.metadata.labels");
    t->labels = cJSON_IsObject(labels) ? cJSON_Duplicate(labels, 1) : cJSON_CreateObject();
    const cJSON *aff = at(tspec, "affinity");
    t->affinity = cJSON_IsObject(aff) ? cJSON_Duplicate(aff, 1) : NULL;
    read_nics(r, tspec, vmi);
    read_disks(t, tspec, pvcs, npvcs);
    return 0;
}

const char *target_vm_label(const target_vm *t, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t->labels, key));
}

const vm_disk *target_vm_disk(const target_vm *t, const char *pvc, size_t *index)
{
    for (size_t i = 0; pvc && i < t->rec.ndisks; i++)
        if (t->rec.disks[i].name && !strcmp(t->rec.disks[i].name, pvc)) {
            if (index)
                *index = i;
            return &t->rec.disks[i];
        }
    return NULL;
}

const vm_nic *target_vm_nic_by_mac(const target_vm *t, const char *mac)
{
    for (size_t i = 0; i < t->rec.nnics; i++)
        if (same_mac(t->rec.nics[i].mac, mac))
            return &t->rec.nics[i];
    return NULL;
}
