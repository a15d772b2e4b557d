/* crs_maps: StorageMap, NetworkMap and the NADs a NetworkMap points at (see
 * crs.h). Source items come from the inventory already in the shape the
 * map's source ref takes ({"name"}, {"id"}, {"id","name"}, {"type":"pod"}). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtv/crs.h"

static void add_ref(cJSON *parent, const char *key, mtv_ref r)
{
    cJSON *o = cJSON_AddObjectToObject(parent, key);
    cJSON_AddStringToObject(o, "name", r.name);
    cJSON_AddStringToObject(o, "namespace", r.namespace_);
}

static cJSON *map_object(const char *kind, mtv_ref ref, mtv_ref source, mtv_ref destination,
                         cJSON **map)
{
    cJSON *o = mtv_cr_object(MTV_API_FORKLIFT, kind, ref.name, ref.namespace_);
    cJSON *spec = cJSON_AddObjectToObject(o, "spec");
    cJSON *prov = cJSON_AddObjectToObject(spec, "provider");
    add_ref(prov, "source", source);
    add_ref(prov, "destination", destination);
    *map = cJSON_AddArrayToObject(spec, "map");
    return o;
}

static cJSON *storage_destination(const char *sc, const char *access_mode, const char *volume_mode)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "storageClass", sc);
    if (access_mode)
        cJSON_AddStringToObject(d, "accessMode", access_mode);
    if (volume_mode)
        cJSON_AddStringToObject(d, "volumeMode", volume_mode);
    return d;
}

cJSON *mtv_cr_storagemap(mtv_ref ref, mtv_ref source, mtv_ref destination, const cJSON *sources,
                         const char *storage_class, const char *access_mode,
                         const char *volume_mode, const mtv_offload *offload)
{
    cJSON *map;
    cJSON *o = map_object("StorageMap", ref, source, destination, &map);
    if (offload) {
        for (const char *const *ds = offload->datastores; ds && *ds; ds++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddItemToObject(e, "destination",
                                  storage_destination(storage_class, access_mode,
                                                      volume_mode ? volume_mode : "Block"));
            cJSON_AddItemToObject(e, "source", cJSON_CreateObject());
            cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(e, "source"), "id", *ds);
            cJSON *plugin = cJSON_AddObjectToObject(e, "offloadPlugin");
            cJSON *x = cJSON_AddObjectToObject(plugin, "vsphereXcopyConfig");
            cJSON_AddStringToObject(x, "secretRef", offload->secret);
            cJSON_AddStringToObject(x, "storageVendorProduct", offload->vendor);
            if (cJSON_IsArray(offload->dedicated_hosts) && cJSON_GetArraySize(offload->dedicated_hosts))
                cJSON_AddItemToObject(x, "dedicatedMigrationHosts",
                                      cJSON_Duplicate(offload->dedicated_hosts, 1));
            cJSON_AddItemToArray(map, e);
        }
        return o;
    }
    for (const cJSON *s = cJSON_IsArray(sources) ? sources->child : NULL; s; s = s->next) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToObject(e, "destination",
                              storage_destination(storage_class, access_mode, volume_mode));
        cJSON_AddItemToObject(e, "source", cJSON_Duplicate(s, 1));
        cJSON_AddItemToArray(map, e);
    }
    return o;
}

cJSON *mtv_cr_networkmap(mtv_ref ref, mtv_ref source, mtv_ref destination, const cJSON *sources,
                         const char *nad_base, const char *multus_ns, int pod_only)
{
    cJSON *map;
    cJSON *o = map_object("NetworkMap", ref, source, destination, &map);
    size_t i = 0;
    for (const cJSON *s = cJSON_IsArray(sources) ? sources->child : NULL; s; s = s->next, i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON *d = cJSON_AddObjectToObject(e, "destination");
        if (i == 0 || pod_only) {
            cJSON_AddStringToObject(d, "type", "pod");
        } else {
            char name[128];
            snprintf(name, sizeof name, "%s-%zu", nad_base, i);
            cJSON_AddStringToObject(d, "name", name);
            cJSON_AddStringToObject(d, "namespace", multus_ns);
            cJSON_AddStringToObject(d, "type", "multus");
        }
        cJSON_AddItemToObject(e, "source", cJSON_Duplicate(s, 1));
        cJSON_AddItemToArray(map, e);
    }
    return o;
}

size_t mtv_nad_count(size_t n_sources)
{
    return n_sources > 1 ? n_sources - 1 : 0;
}

cJSON *mtv_cr_nad(const char *nad_base, size_t n, const char *namespace_)
{
    char name[128];
    snprintf(name, sizeof name, "%s-%zu", nad_base, n);
    cJSON *o = mtv_cr_object("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition", name, namespace_);
    cJSON *cfg = cJSON_CreateObject();
    cJSON_AddStringToObject(cfg, "cniVersion", "0.3.1");
    if (n == 1) {
        cJSON_AddStringToObject(cfg, "type", "cnv-bridge");
        cJSON_AddStringToObject(cfg, "bridge", "cnv-bridge");
    } else {
        cJSON_AddStringToObject(cfg, "type", "bridge");
        cJSON_AddStringToObject(cfg, "bridge", name);
    }
    char *text = cJSON_PrintUnformatted(cfg);
    if (!text)
        abort();
    cJSON *spec = cJSON_AddObjectToObject(o, "spec");
    cJSON_AddStringToObject(spec, "config", text);
    cJSON_free(text);
    cJSON_Delete(cfg);
    return o;
}
