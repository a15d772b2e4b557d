/*
 * openshift_parse: KubeVirt objects -> vm_record (upstream OCPProvider's
 * vm_dict rules: CPU and memory from the running instance's domain when
 * there is one, NICs from the template's interfaces and networks ("pod" or
 * the Multus network name after its namespace), guest interface names and
 * IPs from the instance, disks from the PVCs behind the volumes with
 * cloud-init volumes left out, the guest agent from AgentConnected).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "providers/openshift.h"

static const cJSON *at(const cJSON *o, const char *path)
{
    char seg[128];
    while (o && path && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof seg)
            return NULL;
        memcpy(seg, path, n);
        seg[n] = 0;
        o = cJSON_GetObjectItemCaseSensitive(o, seg);
        path = dot ? dot + 1 : NULL;
    }
    return o;
}

static const char *str(const cJSON *o, const char *path)
{
    return cJSON_GetStringValue(at(o, path));
}

static long long num(const cJSON *o, const char *path)
{
    const cJSON *v = at(o, path);
    return cJSON_IsNumber(v) ? (long long)v->valuedouble : VR_UNSET;
}

long long openshift_quantity(const char *q)
{
    if (!q || !*q)
        return -1;
    char *end;
    double v = strtod(q, &end);
    if (end == q || v < 0)
        return -1;
    static const struct { const char *suffix; double f; } units[] = {
        {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0},
        {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"", 1},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(end, units[i].suffix) == 0)
            return (long long)(v * units[i].f);
    return -1;
}

static const cJSON *condition(const cJSON *obj, const char *type)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, at(obj, "status.conditions"))
        if (str(c, "type") && strcmp(str(c, "type"), type) == 0)
            return c;
    return NULL;
}

static const cJSON *by_name(const cJSON *list, const char *name)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
        if (name && str(e, "name") && strcmp(str(e, "name"), name) == 0)
            return e;
    return NULL;
}

static void add_nics(vm_record *r, const cJSON *tspec, const cJSON *vmi)
{
    const cJSON *ifc;
    cJSON_ArrayForEach(ifc, at(tspec, "domain.devices.interfaces")) {
        const char *name = str(ifc, "name");
        vm_nic *nic = vm_record_add_nic(r);
        vr_set(&nic->name, name);
        vr_set_mac(&nic->mac, str(ifc, "macAddress"));
        const cJSON *net = by_name(at(tspec, "networks"), name);
        if (cJSON_GetObjectItemCaseSensitive(net, "pod")) {
            vr_set(&nic->network_name, "pod");
        } else {
            const char *full = str(net, "multus.networkName");
            const char *slash = full ? strchr(full, '/') : NULL;
            vr_set(&nic->network_name, slash ? slash + 1 : full);
            vr_set(&nic->network_id, full);
        }
        const cJSON *st = by_name(at(vmi, "status.interfaces"), name);
        if (!st)
            continue;
        if (!nic->mac)
            vr_set_mac(&nic->mac, str(st, "mac"));
        vr_set(&nic->guest_nic_name, str(st, "interfaceName"));
        const cJSON *ips = at(st, "ipAddresses");
        const cJSON *ip;
        int any = 0;
        cJSON_ArrayForEach(ip, ips) {
            const char *a = cJSON_GetStringValue(ip);
            if (a && strchr(a, '.') && !strchr(a, ':')) {
                vm_ip *v = vm_nic_add_ip(nic);
                vr_set(&v->ip, a);
                any = 1;
            }
        }
        const char *single = str(st, "ipAddress");
        if (!any && single && strchr(single, '.') && !strchr(single, ':')) {
            vm_ip *v = vm_nic_add_ip(nic);
            vr_set(&v->ip, single);
        }
    }
}

static void add_disks(vm_record *r, const cJSON *tspec, openshift_pvc_fn pvc, void *ud)
{
    const cJSON *vol;
    long long unit = 0;
    cJSON_ArrayForEach(vol, at(tspec, "volumes")) {
        if (cJSON_GetObjectItemCaseSensitive(vol, "cloudInitNoCloud") ||
            cJSON_GetObjectItemCaseSensitive(vol, "cloudInitConfigDrive"))
            continue;
        const char *claim = str(vol, "dataVolume.name");
        if (!claim)
            claim = str(vol, "persistentVolumeClaim.claimName");
        vm_disk *d = vm_record_add_disk(r);
        vr_set(&d->name, str(vol, "name"));
        vr_set(&d->device_key, claim ? claim : str(vol, "name"));
        d->unit_number = unit++;
        const cJSON *p = claim && pvc ? pvc(ud, claim) : NULL;
        if (!p)
            continue;
        long long bytes = openshift_quantity(str(p, "status.capacity.storage"));
        if (bytes < 0)
            bytes = openshift_quantity(str(p, "spec.resources.requests.storage"));
        d->size_kb = bytes < 0 ? VR_UNSET : bytes / 1024;
        vr_set(&d->storage_name, str(p, "spec.storageClassName"));
        vr_set(&d->disk_mode, str(p, "spec.volumeMode"));
    }
}

void openshift_record_from(const cJSON *vm, const cJSON *vmi, const cJSON *instancetype,
                           openshift_pvc_fn pvc, void *ud, vm_record *r)
{
    const cJSON *tspec = at(vm, "spec.template.spec");
    vr_set(&r->id, str(vm, "metadata.uid"));
    vr_set(&r->name, str(vm, "metadata.name"));
    vr_set(&r->provider_type, "openshift");
    vr_set(&r->uuid, str(tspec, "domain.firmware.uuid"));
    vr_set(&r->serial, str(tspec, "domain.firmware.serial"));
    const char *ps = str(vm, "status.printableStatus");
    r->power = !ps                             ? VM_POWER_UNKNOWN
               : strcmp(ps, "Running") == 0    ? VM_POWER_ON
               : strcmp(ps, "Stopped") == 0    ? VM_POWER_OFF
                                                : VM_POWER_OTHER;
    /* the instance's domain has everything expanded (instancetypes too) */
    const cJSON *dom = vmi ? at(vmi, "spec.domain") : NULL;
    const cJSON *tdom = at(tspec, "domain");
    const cJSON *cpu = at(dom, "cpu") ? at(dom, "cpu") : at(tdom, "cpu");
    r->cpu_cores = num(cpu, "cores");
    r->cpu_sockets = num(cpu, "sockets");
    r->cpu_threads = num(cpu, "threads");
    if (r->cpu_cores == VR_UNSET && r->cpu_sockets == VR_UNSET && instancetype) {
        long long guest = num(instancetype, "spec.cpu.guest");
        r->cpu_sockets = guest;
        r->cpu_cores = guest == VR_UNSET ? VR_UNSET : 1;
    }
    const char *mem = str(dom, "memory.guest");
    if (!mem)
        mem = str(dom, "resources.requests.memory");
    if (!mem)
        mem = str(tdom, "memory.guest");
    if (!mem)
        mem = str(tdom, "resources.requests.memory");
    if (!mem)
        mem = str(instancetype, "spec.memory.guest");
    long long bytes = openshift_quantity(mem);
    r->memory_mb = bytes < 0 ? VR_UNSET : bytes / 1048576;
    const cJSON *fw = at(dom, "firmware") ? at(dom, "firmware") : at(tdom, "firmware");
    const cJSON *efi = at(fw, "bootloader.efi");
    vr_set(&r->boot_firmware, efi ? "efi" : "bios");
    const cJSON *sb = cJSON_GetObjectItemCaseSensitive(efi, "secureBoot");
    r->secure_boot = efi ? (cJSON_IsBool(sb) ? cJSON_IsTrue(sb) : 1) : 0;   /* KubeVirt's default */
    r->tpm_present = at(dom, "devices.tpm") || at(tdom, "devices.tpm");
    const cJSON *agent = vmi ? condition(vmi, "AgentConnected") : NULL;
    r->guest_agent_running = r->power == VM_POWER_OFF ? 0
                             : vmi ? agent && str(agent, "status") && strcmp(str(agent, "status"), "True") == 0
                                   : -1;
    const char *os_id = str(vmi, "status.guestOSInfo.id");
    const char *os_name = str(vmi, "status.guestOSInfo.prettyName");
    const char *pref = str(vm, "spec.preference.name");
    /* annotation keys contain dots, so no dotted path for them */
    const char *os_label = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        at(vm, "spec.template.metadata.annotations"), "vm.kubevirt.io/os"));
    vr_set(&r->guest_os, os_name ? os_name : pref ? pref : os_label);
    r->win_os = (os_id && strcasestr(os_id, "windows")) || (os_name && strcasestr(os_name, "windows")) ||
                (pref && strcasestr(pref, "windows")) || (os_label && strcasestr(os_label, "win"));
    vr_set(&r->host, str(vmi, "status.nodeName"));
    r->is_template = 0;
    add_nics(r, tspec, vmi);
    add_disks(r, tspec, pvc, ud);
}
