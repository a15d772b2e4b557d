/*
 * lab_inv_build: dispatch to the per-type builders, the detail-level key
 * tables, and the helpers they share. The key tables follow forklift.md
 * 9.4-9.6: detail 0 keeps the base fields of the type's model, detail 1
 * adds the summary (VM1) fields; anything higher is the whole object.
 */
#include "lab/lab_inv_int.h"

#include <string.h>

#include "util/strbuf.h"

void inv_self_link(cJSON *o, const char *type, const char *uid, const char *col, const char *id)
{
    strbuf sb = STRBUF_INIT;
    sb_addf(&sb, "providers/%s/%s/%s/%s", type, uid, col, id);
    cJSON_AddStringToObject(o, "selfLink", sb.buf);
    sb_release(&sb);
}

cJSON *inv_ref(const char *kind, const char *id)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "kind", kind);
    cJSON_AddStringToObject(r, "id", id ? id : "");
    return r;
}

const char *inv_guest_name(const lab_vm *vm)
{
    static const struct {
        const char *id, *name;
    } names[] = {
        {"rhel7_64Guest", "Red Hat Enterprise Linux 7 (64-bit)"},
        {"rhel8_64Guest", "Red Hat Enterprise Linux 8 (64-bit)"},
        {"rhel9_64Guest", "Red Hat Enterprise Linux 9 (64-bit)"},
        {"centos7_64Guest", "CentOS 7 (64-bit)"},
        {"windows9Server64Guest", "Microsoft Windows Server 2016 or later (64-bit)"},
        {"windows2019srv_64Guest", "Microsoft Windows Server 2019 (64-bit)"},
        {"windows2019srvNext_64Guest", "Microsoft Windows Server 2022 (64-bit)"},
        {"ubuntu64Guest", "Ubuntu Linux (64-bit)"},
        {"debian10_64Guest", "Debian GNU/Linux 10 (64-bit)"},
        {"otherGuest", "Other (32-bit)"},
    };
    for (size_t i = 0; vm->guest_id && i < sizeof names / sizeof *names; i++)
        if (!strcmp(vm->guest_id, names[i].id))
            return names[i].name;
    return vm->is_windows ? "Microsoft Windows Server 2019 (64-bit)" : "Other Linux (64-bit)";
}

long long inv_mib(long long bytes)
{
    return (bytes + 1024 * 1024 - 1) / (1024 * 1024);
}

cJSON *lab_inv_build(const lab_source *src, const char *uid)
{
    switch (src->type) {
    case LAB_SRC_VSPHERE: return inv_vsphere_build(src, uid);
    case LAB_SRC_OVIRT: return inv_ovirt_build(src, uid);
    case LAB_SRC_OPENSTACK: return inv_openstack_build(src, uid);
    case LAB_SRC_OVA: return inv_ova_build(src, uid);
    case LAB_SRC_HYPERV: return inv_hyperv_build(src, uid);
    default: return cJSON_CreateObject();
    }
}

cJSON *lab_inv_build_vm(const lab_source *src, const lab_vm *vm, const char *uid)
{
    switch (src->type) {
    case LAB_SRC_VSPHERE: return inv_vsphere_vm(src, vm, uid);
    case LAB_SRC_OVIRT: return inv_ovirt_vm(src, vm, uid);
    case LAB_SRC_OPENSTACK: return inv_openstack_vm(src, vm, uid);
    case LAB_SRC_OVA: return inv_ova_vm(src, vm, uid);
    case LAB_SRC_HYPERV: return inv_hyperv_vm(src, vm, uid);
    default: return cJSON_CreateObject();
    }
}

cJSON *lab_inv_build_workload(const lab_source *src, const lab_vm *vm, const char *uid)
{
    if (src->type == LAB_SRC_VSPHERE)
        return inv_vsphere_workload(src, vm, uid);
    return lab_inv_build_vm(src, vm, uid);
}

void lab_inv_add_counters(const lab_source *src, cJSON *r)
{
    switch (src->type) {
    case LAB_SRC_VSPHERE: inv_vsphere_counters(src, r); break;
    case LAB_SRC_OVIRT: inv_ovirt_counters(src, r); break;
    case LAB_SRC_OPENSTACK: inv_openstack_counters(src, r); break;
    default: inv_ova_counters(src, r); break;
    }
}

/* ---- detail levels ---- */

#define VS_BASE "id", "variant", "parent", "path", "revision", "name", "selfLink"
#define OV_BASE "id", "revision", "path", "name", "description", "selfLink"

static const char *const vs_base[] = {VS_BASE, NULL};
static const char *const vs_vm1[] = {VS_BASE, "revisionValidated", "isTemplate", "powerState",
                                     "host", "networks", "disks", "concerns", NULL};
static const char *const vs_host1[] = {VS_BASE, "cluster", "status", "inMaintenance",
                                       "managementServerIp", "thumbprint", "timezone",
                                       "cpuSockets", "cpuCores", "productName", "productVersion",
                                       NULL};
static const char *const vs_net1[] = {VS_BASE, "dvSwitch", "vlanId", "key", "tag", NULL};
static const char *const vs_ds1[] = {VS_BASE, "type", "capacity", "free", "maintenance", NULL};
static const char *const ov_base[] = {OV_BASE, NULL};
static const char *const ov_vm1[] = {OV_BASE, "cluster", "status", "host", "revisionValidated",
                                     "nics", "diskAttachments", "concerns", NULL};
static const char *const os_vm1[] = {OV_BASE, "tenantID", "status", "hostID",
                                     "revisionValidated", "imageID", "flavorID", "addresses",
                                     "attachedVolumes", "concerns", NULL};
static const char *const ova_vm1[] = {OV_BASE, "revisionValidated", "networks", "disks",
                                      "concerns", NULL};
static const char *const hv_vm1[] = {OV_BASE, "revisionValidated", "disks", "nics", "networks",
                                     "concerns", NULL};

const char *const *lab_inv_detail_keys(lab_src_type type, const char *col, int level)
{
    int vm = !strcmp(col, "vms") || !strcmp(col, "workloads");
    if (type == LAB_SRC_VSPHERE) {
        if (level <= 0)
            return vs_base;
        if (vm)
            return vs_vm1;
        if (!strcmp(col, "hosts"))
            return vs_host1;
        if (!strcmp(col, "networks"))
            return vs_net1;
        if (!strcmp(col, "datastores"))
            return vs_ds1;
        return NULL;
    }
    if (type == LAB_SRC_OPENSHIFT)
        return NULL;
    if (level <= 0)
        return ov_base;
    if (!vm)
        return NULL;
    switch (type) {
    case LAB_SRC_OVIRT: return ov_vm1;
    case LAB_SRC_OPENSTACK: return os_vm1;
    case LAB_SRC_OVA: return ova_vm1;
    case LAB_SRC_HYPERV: return hv_vm1;
    default: return NULL;
    }
}
