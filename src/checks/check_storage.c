/* check_storage: every disk arrived, on the run's storage class, with the
 * access mode Ceph RBD needs (BZ#2064936: RWX unless the StorageMap asked
 * for ReadWriteOnce); and the disk count of scenarios that add disks. */
#include <string.h>

#include "checks/checks_int.h"

#define CEPH_RBD "ocs-storagecluster-ceph-rbd"

static const char *map_access_mode(const cJSON *map)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, k8s_obj_get(map, "spec.map"))
    {
        const char *m = k8s_obj_str(e, "destination.accessMode");
        if (m)
            return m;
    }
    return NULL;
}

void check_storage(const check_run *r, check_vm *v, check_out *o)
{
    const vm_record *d = &v->dst->rec;
    if (v->src->ndisks != d->ndisks)
        check_fail(o, "disk count: expected %zu (the source's), got %zu", v->src->ndisks, d->ndisks);
    for (size_t i = 0; i < d->ndisks; i++) {
        const char *sc = d->disks[i].storage_name, *pvc = d->disks[i].name;
        if (r->storage_class && (!sc || strcmp(sc, r->storage_class)))
            check_fail(o, "disk %s: expected storage class %s, got %s", pvc ? pvc : "?",
                       r->storage_class, sc ? sc : "none (PVC not found)");
        if (!sc || strcmp(sc, CEPH_RBD))
            continue;
        const char *mm = map_access_mode(r->storage_map);
        const char *want = mm && !strcmp(mm, "ReadWriteOnce") ? "ReadWriteOnce" : "ReadWriteMany";
        const char *got = v->dst->access_modes ? v->dst->access_modes[i] : NULL;
        if (!got || strcmp(got, want))
            check_fail(o, "disk %s on %s: expected access mode %s, got %s", pvc ? pvc : "?", CEPH_RBD,
                       want, got ? got : "none");
    }
}

int gate_disk_count(const check_run *r, const check_vm *v)
{
    (void)r;
    return cJSON_GetArraySize(check_vm_param(v, "add_disks")) > 0;
}

void verify_vm_disk_count(const check_run *r, check_vm *v, check_out *o)
{
    (void)r;
    size_t want = 1 + (size_t)cJSON_GetArraySize(check_vm_param(v, "add_disks"));
    if (v->dst->rec.ndisks != want)
        check_fail(o, "expected %zu disks (1 + %zu added), got %zu", want, want - 1,
                   v->dst->rec.ndisks);
}
