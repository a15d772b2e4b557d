/*
 * lab_ctl_volumes: what KubeVirt and CDI make of a VirtualMachine's
 * spec.dataVolumeTemplates on a cluster. Each template becomes a DataVolume
 * owned by the VM (phase Succeeded: the lab has no bytes to import) and a
 * Bound PersistentVolumeClaim of the same name, on the template's storage
 * class or else the cluster's default one, as CDI's provisioner would.
 * When the VM is gone, the garbage collector removes what it owned, so a
 * source VM created and then deleted leaves nothing behind. Only volumes
 * made here (labelled FROM_TEMPLATE) are collected: the migration's own
 * PVCs, also owned by their VM, stay as the lab has always left them.
 */
#include <string.h>

#include "lab/lab_ctl_int.h"

#define FROM_TEMPLATE "lab.mtv-validate/from-data-volume-template"

static const char *default_class(lab_ctl *c, strbuf *out)
{
    cJSON *all = ctl_list(c, c->k_sc, NULL);
    const cJSON *sc;
    cJSON_ArrayForEach(sc, all)
    {
        const cJSON *ann = jpath(sc, "metadata.annotations");
        if (!strcmp(js(ann, "storageclass.kubernetes.io/is-default-class"), "true")) {
            sb_adds(out, jpath_str(sc, "metadata.name"));
            break;
        }
    }
    cJSON_Delete(all);
    return out->len ? out->buf : NULL;
}

static cJSON *owned_meta(const cJSON *vm, const char *ns, const char *name)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "name", name);
    cJSON_AddStringToObject(m, "namespace", ns);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(m, "labels"), FROM_TEMPLATE, "true");
    cJSON *refs = ctl_owner_refs("kubevirt.io/v1", "VirtualMachine", jpath_str(vm, "metadata.name"),
                                 jpath_str(vm, "metadata.uid"), 1);
    cJSON_AddBoolToObject(refs->child, "blockOwnerDeletion", 1);
    cJSON_AddItemToObject(m, "ownerReferences", refs);
    return m;
}

static void make_volume(lab_ctl *c, const cJSON *vm, const char *ns, const cJSON *t,
                        strbuf *dflt)
{
    const char *name = jpath_str(t, "metadata.name");
    const cJSON *storage = jpath(t, "spec.storage");
    if (!storage)
        storage = jpath(t, "spec.pvc");
    const char *sc = js(storage, "storageClassName");
    if (!*sc && !dflt->len)
        default_class(c, dflt);
    if (!*sc)
        sc = dflt->len ? dflt->buf : "";
    const char *size = jpath_str(storage, "resources.requests.storage");
    if (!*size)
        size = "30Gi";
    const char *mode = js(storage, "volumeMode");
    const cJSON *modes = cJSON_GetObjectItemCaseSensitive(storage, "accessModes");
    const char *am = cJSON_IsArray(modes) && cJSON_GetStringValue(modes->child)
                         ? modes->child->valuestring : "ReadWriteOnce";

    cJSON *probe = ctl_get(c, c->k_dv, ns, name);
    if (!probe) {
        cJSON *dv = cJSON_CreateObject();
        cJSON_AddStringToObject(dv, "apiVersion", "cdi.kubevirt.io/v1beta1");
        cJSON_AddStringToObject(dv, "kind", "DataVolume");
        cJSON_AddItemToObject(dv, "metadata", owned_meta(vm, ns, name));
        const cJSON *spec = jpath(t, "spec");
        cJSON_AddItemToObject(dv, "spec", cJSON_IsObject(spec) ? cJSON_Duplicate(spec, 1)
                                                              : cJSON_CreateObject());
        if (ctl_create(c, c->k_dv, ns, dv, NULL) == 201) {
            cJSON *st = cJSON_CreateObject();
            cJSON_AddStringToObject(st, "phase", "Succeeded");
            cJSON_AddStringToObject(st, "progress", "100.0%");
            cJSON_AddStringToObject(st, "claimName", name);
            ctl_write_status(c, c->k_dv, ns, name, st);
        }
    }
    cJSON_Delete(probe);

    probe = ctl_get(c, c->k_pvc, ns, name);
    if (!probe) {
        cJSON *pvc = cJSON_CreateObject();
        cJSON_AddStringToObject(pvc, "apiVersion", "v1");
        cJSON_AddStringToObject(pvc, "kind", "PersistentVolumeClaim");
        cJSON_AddItemToObject(pvc, "metadata", owned_meta(vm, ns, name));
        cJSON *ps = cJSON_AddObjectToObject(pvc, "spec");
        cJSON_AddItemToArray(cJSON_AddArrayToObject(ps, "accessModes"), cJSON_CreateString(am));
        cJSON_AddStringToObject(
            cJSON_AddObjectToObject(cJSON_AddObjectToObject(ps, "resources"), "requests"),
            "storage", size);
        if (*sc)
            cJSON_AddStringToObject(ps, "storageClassName", sc);
        cJSON_AddStringToObject(ps, "volumeMode", *mode ? mode : "Filesystem");
        if (ctl_create(c, c->k_pvc, ns, pvc, NULL) == 201) {
            cJSON *st = cJSON_CreateObject();
            cJSON_AddStringToObject(st, "phase", "Bound");
            cJSON_AddItemToArray(cJSON_AddArrayToObject(st, "accessModes"), cJSON_CreateString(am));
            cJSON_AddStringToObject(cJSON_AddObjectToObject(st, "capacity"), "storage", size);
            ctl_write_status(c, c->k_pvc, ns, name, st);
        }
    }
    cJSON_Delete(probe);
}

void ctl_kubevirt_volumes(lab_ctl *c, const cJSON *vm, const char *ns)
{
    if (!c->k_dv || !c->k_pvc)
        return;
    strbuf dflt = STRBUF_INIT;
    const cJSON *t;
    cJSON_ArrayForEach(t, jpath(vm, "spec.dataVolumeTemplates"))
    {
        if (*jpath_str(t, "metadata.name"))
            make_volume(c, vm, ns, t, &dflt);
    }
    sb_release(&dflt);
}

static int owned_by(const cJSON *obj, const char *vm_name)
{
    if (strcmp(js(jpath(obj, "metadata.labels"), FROM_TEMPLATE), "true") != 0)
        return 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, jpath(obj, "metadata.ownerReferences"))
    {
        if (!strcmp(js(r, "kind"), "VirtualMachine") && !strcmp(js(r, "name"), vm_name))
            return 1;
    }
    return 0;
}

void ctl_kubevirt_volumes_collect(lab_ctl *c, const char *ns, const char *vm_name)
{
    const lab_kind *kinds[] = {c->k_dv, c->k_pvc};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (!kinds[i])
            continue;
        cJSON *all = ctl_list(c, kinds[i], ns);
        const cJSON *o;
        cJSON_ArrayForEach(o, all)
        {
            if (owned_by(o, vm_name))
                ctl_delete(c, kinds[i], ns, jpath_str(o, "metadata.name"));
        }
        cJSON_Delete(all);
    }
}
