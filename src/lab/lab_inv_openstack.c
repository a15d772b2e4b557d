/*
 * lab_inv_openstack: OpenStack inventory resources (forklift.md 9.6): VMs
 * with Nova's addresses map and attachedVolumes whose elements carry the
 * Go field name ID (the model has no JSON tags upstream), volumes with
 * their volume type, one flavor per CPU/memory shape, networks with a
 * subnet each, one project and one region. Ids match the simulated Nova,
 * Neutron and Cinder endpoints (lab_openstack.c).
 */
#include "lab/lab_inv_int.h"

#include <stdio.h>
#include <string.h>

#include "util/strbuf.h"

static const char *TYPE = "openstack";

void inv_openstack_flavor_id(const lab_vm *vm, char out[37])
{
    strbuf k = STRBUF_INIT;
    sb_addf(&k, "openstack/flavor/%d/%lld", vm->cpus, vm->memory_mb);
    lab_stable_uuid(k.buf, out);
    sb_release(&k);
}

void inv_openstack_project_id(char out[37])
{
    /* Keystone ids are 32 hex digits */
    char uuid[37];
    lab_stable_uuid("openstack/project/admin", uuid);
    size_t j = 0;
    for (size_t i = 0; uuid[i]; i++)
        if (uuid[i] != '-')
            out[j++] = uuid[i];
    out[j] = '\0';
}

void inv_openstack_subnet_id(const char *network_id, char out[37])
{
    strbuf k = STRBUF_INIT;
    sb_addf(&k, "openstack/subnet/%s", network_id);
    lab_stable_uuid(k.buf, out);
    sb_release(&k);
}

static void base(cJSON *o, const char *id, const char *name, const char *uid, const char *col)
{
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddNumberToObject(o, "revision", 1);
    cJSON_AddStringToObject(o, "path", name);
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddStringToObject(o, "description", "");
    inv_self_link(o, TYPE, uid, col, id);
}

cJSON *inv_openstack_vm(const lab_source *s, const lab_vm *vm, const char *uid)
{
    (void)s;
    cJSON *o = cJSON_CreateObject();
    char project[37], flavor[37];
    inv_openstack_project_id(project);
    inv_openstack_flavor_id(vm, flavor);
    base(o, vm->id, vm->name, uid, "vms");
    cJSON_AddStringToObject(o, "tenantID", project);
    cJSON_AddStringToObject(o, "status", vm->power_on ? "ACTIVE" : "SHUTOFF");
    cJSON_AddStringToObject(o, "hostID", "a3b5c0d7e1f24a6b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d");
    cJSON_AddNumberToObject(o, "revisionValidated", 1);
    cJSON_AddStringToObject(o, "imageID", "");
    cJSON_AddStringToObject(o, "flavorID", flavor);
    cJSON *addrs = cJSON_AddObjectToObject(o, "addresses");
    for (size_t i = 0; i < vm->nnics; i++) {
        const lab_nic *n = &vm->nics[i];
        cJSON *list = cJSON_GetObjectItemCaseSensitive(addrs, n->network);
        if (!list)
            list = cJSON_AddArrayToObject(addrs, n->network);
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "OS-EXT-IPS-MAC:mac_addr", n->mac);
        cJSON_AddStringToObject(a, "OS-EXT-IPS:type", "fixed");
        cJSON_AddStringToObject(a, "addr", *n->ip ? n->ip : "");
        cJSON_AddNumberToObject(a, "version", strchr(n->ip, ':') ? 6 : 4);
        cJSON_AddItemToArray(list, a);
    }
    cJSON *av = cJSON_AddArrayToObject(o, "attachedVolumes");
    for (size_t i = 0; i < vm->ndisks; i++) {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "ID", vm->disks[i].id);
        cJSON_AddItemToArray(av, a);
    }
    cJSON_AddArrayToObject(o, "concerns");
    cJSON_AddStringToObject(o, "userID", "0b5e9a6f3c7d4e8f9a0b1c2d3e4f5a6b");
    cJSON_AddStringToObject(o, "updated", "2026-01-01T00:00:00Z");
    cJSON_AddStringToObject(o, "created", "2026-01-01T00:00:00Z");
    cJSON_AddNumberToObject(o, "progress", 0);
    cJSON_AddStringToObject(o, "accessIPv4", "");
    cJSON_AddStringToObject(o, "accessIPv6", "");
    cJSON_AddObjectToObject(o, "metadata");
    cJSON_AddStringToObject(o, "keyName", "");
    cJSON *sg = cJSON_AddArrayToObject(o, "securityGroups");
    cJSON *g = cJSON_CreateObject();
    cJSON_AddStringToObject(g, "name", "default");
    cJSON_AddItemToArray(sg, g);
    cJSON_AddArrayToObject(o, "tags");
    cJSON_AddArrayToObject(o, "serverGroups");
    return o;
}

static int has_flavor(const cJSON *arr, const char *id)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "id")), id))
            return 1;
    }
    return 0;
}

cJSON *inv_openstack_build(const lab_source *s, const char *uid)
{
    cJSON *cols = cJSON_CreateObject();
    cJSON *vms = cJSON_AddArrayToObject(cols, "vms");
    cJSON *wls = cJSON_AddArrayToObject(cols, "workloads");
    cJSON *vols = cJSON_AddArrayToObject(cols, "volumes");
    cJSON *flavors = cJSON_AddArrayToObject(cols, "flavors");
    char id[37], project[37];
    inv_openstack_project_id(project);
    for (size_t i = 0; i < s->nvms; i++) {
        const lab_vm *vm = &s->vms[i];
        cJSON_AddItemToArray(vms, inv_openstack_vm(s, vm, uid));
        cJSON_AddItemToArray(wls, inv_openstack_vm(s, vm, uid));
        inv_openstack_flavor_id(vm, id);
        if (!has_flavor(flavors, id)) {
            cJSON *f = cJSON_CreateObject();
            char name[48];
            snprintf(name, sizeof name, "lab.%dcpu.%lldmb", vm->cpus, vm->memory_mb);
            base(f, id, name, uid, "flavors");
            cJSON_AddNumberToObject(f, "vcpus", vm->cpus);
            cJSON_AddNumberToObject(f, "ram", (double)vm->memory_mb);
            cJSON_AddNumberToObject(f, "disk", 0);
            cJSON_AddNumberToObject(f, "swap", 0);
            cJSON_AddBoolToObject(f, "isPublic", 1);
            cJSON_AddObjectToObject(f, "extraSpecs");
            cJSON_AddItemToArray(flavors, f);
        }
        for (size_t j = 0; j < vm->ndisks; j++) {
            const lab_disk *d = &vm->disks[j];
            cJSON *v = cJSON_CreateObject();
            strbuf name = STRBUF_INIT;
            sb_addf(&name, "%s-disk-%zu", vm->name, j);
            base(v, d->id, name.buf, uid, "volumes");
            sb_release(&name);
            cJSON_AddStringToObject(v, "status", "in-use");
            cJSON_AddNumberToObject(v, "size", (double)((d->capacity + (1LL << 30) - 1) >> 30));
            cJSON_AddStringToObject(v, "availabilityZone", "nova");
            cJSON_AddStringToObject(v, "createdAt", "2026-01-01T00:00:00.000000");
            cJSON_AddStringToObject(v, "updatedAt", "2026-01-01T00:00:00.000000");
            cJSON_AddStringToObject(v, "volumeType", d->storage);
            cJSON_AddStringToObject(v, "snapshotID", "");
            cJSON_AddStringToObject(v, "sourceVolID", "");
            cJSON_AddStringToObject(v, "userID", "0b5e9a6f3c7d4e8f9a0b1c2d3e4f5a6b");
            cJSON_AddStringToObject(v, "bootable", j == 0 ? "true" : "false");
            cJSON_AddBoolToObject(v, "encrypted", 0);
            cJSON_AddBoolToObject(v, "multiattach", d->shared);
            cJSON *att = cJSON_AddArrayToObject(v, "attachments");
            cJSON *a = cJSON_CreateObject();
            cJSON_AddStringToObject(a, "ServerID", vm->id);
            cJSON_AddStringToObject(a, "VolumeID", d->id);
            char dev[32];
            snprintf(dev, sizeof dev, "/dev/vd%c", (char)('a' + j));
            cJSON_AddStringToObject(a, "Device", dev);
            cJSON_AddItemToArray(att, a);
            cJSON_AddObjectToObject(v, "metadata");
            cJSON_AddItemToArray(vols, v);
        }
    }
    cJSON *types = cJSON_AddArrayToObject(cols, "volumetypes");
    for (size_t i = 0; i < s->nstorages; i++) {
        cJSON *t = cJSON_CreateObject();
        base(t, s->storages[i].id, s->storages[i].name, uid, "volumetypes");
        cJSON_AddObjectToObject(t, "extraSpecs");
        cJSON_AddBoolToObject(t, "isPublic", 1);
        cJSON_AddItemToArray(types, t);
    }
    cJSON *nets = cJSON_AddArrayToObject(cols, "networks");
    cJSON *subs = cJSON_AddArrayToObject(cols, "subnets");
    for (size_t i = 0; i < s->nnetworks; i++) {
        const lab_named *n = &s->networks[i];
        cJSON *o = cJSON_CreateObject();
        base(o, n->id, n->name, uid, "networks");
        cJSON_AddStringToObject(o, "status", "ACTIVE");
        inv_openstack_subnet_id(n->id, id);
        cJSON *sl = cJSON_AddArrayToObject(o, "subnets");
        cJSON_AddItemToArray(sl, cJSON_CreateString(id));
        cJSON_AddStringToObject(o, "tenantID", project);
        cJSON_AddStringToObject(o, "projectID", project);
        cJSON_AddBoolToObject(o, "adminStateUp", 1);
        cJSON_AddBoolToObject(o, "shared", 0);
        cJSON_AddArrayToObject(o, "tags");
        cJSON_AddItemToArray(nets, o);
        cJSON *sn = cJSON_CreateObject();
        base(sn, id, n->name, uid, "subnets");
        cJSON_AddStringToObject(sn, "networkID", n->id);
        char cidr[32];
        snprintf(cidr, sizeof cidr, "10.%zu.0.0/24", 10 + i);
        cJSON_AddStringToObject(sn, "cidr", cidr);
        cJSON_AddNumberToObject(sn, "ipVersion", 4);
        cJSON_AddBoolToObject(sn, "enableDHCP", 1);
        cJSON_AddItemToArray(subs, sn);
    }
    cJSON_AddArrayToObject(cols, "snapshots");
    cJSON_AddArrayToObject(cols, "images");
    cJSON *projects = cJSON_AddArrayToObject(cols, "projects");
    cJSON *p = cJSON_CreateObject();
    base(p, project, "admin", uid, "projects");
    cJSON_AddBoolToObject(p, "isDomain", 0);
    cJSON_AddStringToObject(p, "domainID", "default");
    cJSON_AddBoolToObject(p, "enabled", 1);
    cJSON_AddItemToArray(projects, p);
    cJSON *regions = cJSON_AddArrayToObject(cols, "regions");
    cJSON *r = cJSON_CreateObject();
    base(r, "RegionOne", "RegionOne", uid, "regions");
    cJSON_AddStringToObject(r, "parentRegionID", "");
    cJSON_AddItemToArray(regions, r);
    return cols;
}

void inv_openstack_counters(const lab_source *s, cJSON *r)
{
    size_t vols = 0;
    for (size_t i = 0; i < s->nvms; i++)
        vols += s->vms[i].ndisks;
    cJSON_AddNumberToObject(r, "regionCount", 1);
    cJSON_AddNumberToObject(r, "projectCount", 1);
    cJSON_AddNumberToObject(r, "vmCount", (double)s->nvms);
    cJSON_AddNumberToObject(r, "imageCount", 0);
    cJSON_AddNumberToObject(r, "volumeCount", (double)vols);
    cJSON_AddNumberToObject(r, "volumeTypeCount", (double)s->nstorages);
    cJSON_AddNumberToObject(r, "networkCount", (double)s->nnetworks);
}
