/* session_maps: the "storagemap" and "networkmap" steps (see session.h):
 * upstream's get_storage_migration_map, multus_network_name and
 * get_network_migration_map over the inventory records prepare found. */
#include <string.h>

#include "mtv/names.h"
#include "mtv/session_int.h"
#include "util/json.h"
#include "util/log.h"

static int need_prepared(mtv_session *s, const char *step, mtv_err *err)
{
    if (s->prepared)
        return 0;
    return mtv_err_set(err, MTV_EXIT_ENV, "%s: the session was not prepared", step);
}

static void log_sources(const char *what, const cJSON *sources)
{
    strbuf b = STRBUF_INIT;
    json_print(&b, sources, 1);
    log_info("%s sources from the inventory: %s", what, b.buf);
    sb_release(&b);
}

/* Copy-offload: the storage Secret and the datastores the XCOPY plugin
 * serves (the providers entry's datastore_id). */
static int offload_setup(mtv_session *s, mtv_offload *off, const char **ds, mtv_err *err)
{
    const provider_entry *e = s->cfg.provider;
    ds[0] = copyoffload_str(e, "datastore_id");
    ds[1] = NULL;
    off->vendor = copyoffload_str(e, "storage_vendor_product");
    off->dedicated_hosts = copyoffload_item(e, "dedicated_migration_hosts");
    off->datastores = ds;
    if (!ds[0] || !off->vendor)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "provider '%s': copy-offload needs copyoffload.datastore_id and "
                           "copyoffload.storage_vendor_product",
                           e->key);
    mtv_names_generate(s->t, s->base.buf, "-storage", &s->offload_secret);
    cJSON *sec;
    if (mtv_cr_offload_secret((mtv_ref){s->offload_secret.buf, s->ns.buf}, e, &sec, err) < 0 ||
        mtv_session_create(s, &K8S_SECRET, sec, NULL, err) < 0)
        return -1;
    off->secret = s->offload_secret.buf;
    return 0;
}

int mtv_session_storagemap(mtv_session *s, strbuf *detail, mtv_err *err)
{
    (void)detail;
    if (need_prepared(s, "storagemap", err) < 0 || mtv_session_cancelled(s, err) < 0)
        return -1;
    cJSON *sources = NULL;
    mtv_offload off, *offp = NULL;
    const char *ds[2];
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s->cfg.params, "copyoffload"))) {
        if (offload_setup(s, &off, ds, err) < 0)
            return -1;
        offp = &off;
    } else {
        if (mtv_inventory_storage_sources(s->type_name, s->pid.buf, s->vms, mtv_inventory_fetch, s->inv,
                                          &sources, err) < 0)
            return MTV_STEP_FAILED;
        log_sources("storage", sources);
    }
    mtv_names_generate(s->t, s->base.buf, NULL, &s->storagemap);
    cJSON *map = mtv_cr_storagemap((mtv_ref){s->storagemap.buf, s->ns.buf},
                                   (mtv_ref){s->provider.buf, s->ns.buf}, (mtv_ref){s->dest.buf, s->ns.buf},
                                   sources, s->cfg.storage_class, NULL, NULL, offp);
    cJSON_Delete(sources);
    return mtv_session_create(s, &K8S_STORAGEMAP, map, NULL, err);
}

int mtv_session_networkmap(mtv_session *s, strbuf *detail, mtv_err *err)
{
    (void)detail;
    if (need_prepared(s, "networkmap", err) < 0 || mtv_session_cancelled(s, err) < 0)
        return -1;
    int per_nic = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s->cfg.params, "per_nic_network_map"));
    cJSON *sources = NULL;
    if (mtv_inventory_network_sources(s->type_name, s->pid.buf, s->vms, !per_nic, mtv_inventory_fetch,
                                      s->inv, &sources, err) < 0)
        return MTV_STEP_FAILED;
    log_sources("network", sources);
    size_t nads = mtv_nad_count((size_t)cJSON_GetArraySize(sources));
    for (size_t i = s->nads_made + 1; i <= nads; i++)
        if (mtv_session_create(s, &K8S_NAD, mtv_cr_nad(s->nad_base.buf, i, s->multus_ns.buf), NULL, err) < 0) {
            cJSON_Delete(sources);
            return -1;
        }
    mtv_names_generate(s->t, s->base.buf, NULL, &s->networkmap);
    cJSON *map = mtv_cr_networkmap((mtv_ref){s->networkmap.buf, s->ns.buf},
                                   (mtv_ref){s->provider.buf, s->ns.buf}, (mtv_ref){s->dest.buf, s->ns.buf},
                                   sources, s->nad_base.buf, s->multus_ns.buf, 0);
    cJSON_Delete(sources);
    return mtv_session_create(s, &K8S_NETWORKMAP, map, NULL, err);
}
