/*
 * kubevirt: KubeVirt objects -> vm_record (see kubevirt.h for the rules).
 * One function per part of the record, each reading only the members it
 * names, so a field the objects lack stays unknown instead of guessed.
 */
#include "providers/kubevirt.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "k8s/quantity.h"

static const cJSON *at(const cJSON *o, const char *path)
{
    return o ? k8s_obj_get(o, path) : NULL;
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

static long long bytes_of(const char *q)
{
    long long b;
    return q && k8s_quantity_bytes(q, &b) == 0 ? b : -1;
}

const char *kubevirt_volume_claim(const cJSON *vol)
{
    const char *c = str(vol, "persistentVolumeClaim.claimName");
    return c ? c : str(vol, "dataVolume.name");
}

static const cJSON *by_name(const cJSON *list, const char *name)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
        if (name && str(e, "name") && !strcmp(str(e, "name"), name))
            return e;
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

static enum vm_power power_of(const cJSON *vm)
{
    const char *ps = str(vm, "status.printableStatus");
    return !ps                      ? VM_POWER_UNKNOWN
           : !strcmp(ps, "Running") ? VM_POWER_ON
           : !strcmp(ps, "Stopped") ? VM_POWER_OFF
                                    : VM_POWER_OTHER;
}

static void read_compute(vm_record *r, const cJSON *dom, const cJSON *tdom, const cJSON *itype)
{
    const cJSON *cpu = at(dom, "cpu") ? at(dom, "cpu") : at(tdom, "cpu");
    r->cpu_cores = num(cpu, "cores");
    r->cpu_sockets = num(cpu, "sockets");
    r->cpu_threads = num(cpu, "threads");
    if (r->cpu_cores == VR_UNSET && r->cpu_sockets == VR_UNSET && itype) {
        long long guest = num(itype, "spec.cpu.guest");
        r->cpu_sockets = guest;
        r->cpu_cores = guest == VR_UNSET ? VR_UNSET : 1;
    }
    static const char *const mem_paths[] = {"memory.guest", "resources.requests.memory"};
    const char *mem = NULL;
    const cJSON *doms[] = {dom, tdom};
    for (size_t d = 0; d < 2 && !mem; d++)
        for (size_t i = 0; i < 2 && !mem; i++)
            mem = str(doms[d], mem_paths[i]);
    if (!mem)
        mem = str(itype, "spec.memory.guest");
    long long b = bytes_of(mem);
    r->memory_mb = b < 0 ? VR_UNSET : b / 1048576;
}

static void read_firmware(vm_record *r, const cJSON *dom, const cJSON *tdom)
{
    const cJSON *fw = at(dom, "firmware") ? at(dom, "firmware") : at(tdom, "firmware");
    vr_set(&r->serial, str(fw, "serial"));
    vr_set(&r->uuid, str(fw, "uuid"));
    const cJSON *efi = at(fw, "bootloader.efi");
    vr_set(&r->boot_firmware, efi ? "efi" : "bios");
    const cJSON *sb = cJSON_GetObjectItemCaseSensitive(efi, "secureBoot");
    r->secure_boot = efi ? (cJSON_IsBool(sb) ? cJSON_IsTrue(sb) : 1) : 0; /* KubeVirt's default */
    const cJSON *tpm = at(dom, "devices.tpm") ? at(dom, "devices.tpm") : at(tdom, "devices.tpm");
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(tpm, "enabled");
    r->tpm_present = tpm && !cJSON_IsFalse(en);
}

static void read_guest(vm_record *r, const cJSON *vm, const cJSON *vmi)
{
    if (vmi) {
        const cJSON *c = k8s_condition(vmi, "AgentConnected");
        r->guest_agent_running = c && str(c, "status") && !strcmp(str(c, "status"), "True");
    } else {
        r->guest_agent_running = r->power == VM_POWER_OFF ? 0 : -1;
    }
    const char *os_id = str(vmi, "status.guestOSInfo.id");
    const char *os_name = str(vmi, "status.guestOSInfo.prettyName");
    if (!os_name)
        os_name = str(vmi, "status.guestOSInfo.name");
    const char *pref = str(vm, "spec.preference.name");
    /* annotation keys hold dots, so no dotted path for them */
    const char *os_label = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        at(vm, "spec.template.metadata.annotations"), "vm.kubevirt.io/os"));
    const char *os = os_name && *os_name ? os_name : pref && *pref ? pref : os_label;
    vr_set(&r->guest_os, os && *os ? os : NULL);
    r->win_os = (os_id && strcasestr(os_id, "windows")) || (os_name && strcasestr(os_name, "windows")) ||
                (pref && strcasestr(pref, "windows")) || (os_label && strcasestr(os_label, "win"));
    vr_set(&r->host, str(vmi, "status.nodeName"));
}

static int is_ipv4(const char *a)
{
    return a && strchr(a, '.') && !strchr(a, ':');
}

static void add_ip(vm_nic *n, const char *addr)
{
    if (!is_ipv4(addr))
        return;
    vm_ip *v = vm_nic_add_ip(n);
    const char *slash = strchr(addr, '/');
    if (slash) {
        vr_setn(&v->ip, addr, (size_t)(slash - addr));
        v->prefix = atoll(slash + 1);
    } else {
        vr_set(&v->ip, addr);
    }
}

static void read_nics(vm_record *r, const cJSON *tspec, const cJSON *vmi)
{
    const cJSON *ifc;
    cJSON_ArrayForEach(ifc, at(tspec, "domain.devices.interfaces"))
    {
        const char *name = str(ifc, "name");
        vm_nic *n = vm_record_add_nic(r);
        vr_set(&n->name, name);
        vr_set_mac(&n->mac, str(ifc, "macAddress"));
        const char *state = str(ifc, "state");
        n->connected = !(state && !strcmp(state, "down"));
        n->start_connected = n->connected;
        const cJSON *net = by_name(at(tspec, "networks"), name);
        if (cJSON_GetObjectItemCaseSensitive(net, "pod")) {
            vr_set(&n->network_name, "pod");
        } else if (str(net, "multus.networkName")) {
            const char *full = str(net, "multus.networkName"), *slash = strrchr(full, '/');
            vr_set(&n->network_name, slash ? slash + 1 : full);
            vr_set(&n->network_id, full);
        }
        const cJSON *st = by_name(at(vmi, "status.interfaces"), name), *e;
        if (!st && n->mac)
            cJSON_ArrayForEach(e, at(vmi, "status.interfaces")) if (!st && same_mac(str(e, "mac"), n->mac)) st = e;
        if (!st)
            continue;
        if (!n->mac)
            vr_set_mac(&n->mac, str(st, "mac"));
        vr_set(&n->guest_nic_name, str(st, "interfaceName"));
        const cJSON *ip;
        cJSON_ArrayForEach(ip, at(st, "ipAddresses")) add_ip(n, cJSON_GetStringValue(ip));
        if (!n->nips)
            add_ip(n, str(st, "ipAddress"));
    }
}

static void read_disks(vm_record *r, const cJSON *tspec, kubevirt_pvc_fn pvc, void *ud)
{
    const cJSON *vol;
    cJSON_ArrayForEach(vol, at(tspec, "volumes"))
    {
        if (at(vol, "cloudInitNoCloud") || at(vol, "cloudInitConfigDrive"))
            continue;
        const char *claim = kubevirt_volume_claim(vol);
        vm_disk *d = vm_record_add_disk(r);
        vr_set(&d->name, claim ? claim : str(vol, "name"));
        vr_set(&d->device_key, claim ? claim : str(vol, "name"));
        d->unit_number = (long long)(r->ndisks - 1);
        const cJSON *p = claim && pvc ? pvc(ud, claim) : NULL;
        if (!p)
            continue;
        long long b = bytes_of(str(p, "status.capacity.storage"));
        if (b < 0)
            b = bytes_of(str(p, "spec.resources.requests.storage"));
        d->size_kb = b < 0 ? VR_UNSET : b / 1024;
        vr_set(&d->storage_name, str(p, "spec.storageClassName"));
        vr_set(&d->disk_mode, str(p, "spec.volumeMode"));
    }
}

void kubevirt_record_from(const cJSON *vm, const cJSON *vmi, const cJSON *instancetype,
                          kubevirt_pvc_fn pvc, void *ud, vm_record *r)
{
    const cJSON *tspec = at(vm, "spec.template.spec");
    const cJSON *dom = at(vmi, "spec.domain"), *tdom = at(tspec, "domain");
    vr_set(&r->id, str(vm, "metadata.uid"));
    vr_set(&r->name, str(vm, "metadata.name"));
    vr_set(&r->provider_type, "openshift");
    r->power = power_of(vm);
    r->is_template = 0;
    read_compute(r, dom, tdom, instancetype);
    read_firmware(r, dom, tdom);
    read_guest(r, vm, vmi);
    read_nics(r, tspec, vmi);
    read_disks(r, tspec, pvc, ud);
}
