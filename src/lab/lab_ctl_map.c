/*
 * lab_ctl_map: the NetworkMap, StorageMap and Hook reconcilers
 * (forklift.md 3.2, 6). Maps check the provider pair, resolve each source
 * entry against the source provider's inventory (status.references gets
 * the resolved {id, name}), and check destinations (NADs, storage
 * classes). A source entry that is not found is only a warning, as
 * upstream: the Plan is the one that refuses a VM using it. Hooks check
 * the image and that the playbook decodes and parses.
 */
#include "lab/lab_ctl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *item(const char *s)
{
    return cJSON_CreateString(s);
}

void ctl_map(lab_ctl *c, int network, const char *ns, const char *name)
{
    const lab_kind *k = network ? c->k_netmap : c->k_stomap;
    cJSON *m = ctl_get(c, k, ns, name);
    if (!m)
        return;
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(m, "spec");
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(m, "status");
    cJSON *conds = lab_cond_stage(cJSON_GetObjectItem(old, "conditions"));
    cJSON *refs = cJSON_CreateArray();
    const char *why, *reason;
    cJSON *src = ctl_provider_ready(c, jpath(spec, "provider.source"), "source", &why, &reason);
    if (!src)
        lab_cond_set(conds, why, LAB_CAT_CRITICAL, reason,
                     !strcmp(why, "SourceProviderNotValid") ? "The source provider is not valid."
                                                            : "The source provider is not ready.",
                     0, NULL);
    cJSON *dst = ctl_provider_ready(c, jpath(spec, "provider.destination"), "destination", &why,
                                    &reason);
    if (!dst)
        lab_cond_set(conds, why, LAB_CAT_CRITICAL, reason,
                     !strcmp(why, "DestinationProviderNotValid")
                         ? "The destination provider is not valid."
                         : "The destination provider is not ready.",
                     0, NULL);
    const char *kind = network ? "Network" : "Storage";
    cJSON *notset = cJSON_CreateArray(), *notfound = cJSON_CreateArray(),
          *ambiguous = cJSON_CreateArray(), *baddst = cJSON_CreateArray();
    const cJSON *e;
    int idx = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(spec, "map"))
    {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "source");
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "destination");
        const char *id = js(s, "id"), *nm = js(s, "name"), *type = js(s, "type");
        char label[64];
        snprintf(label, sizeof label, "map[%d]", idx++);
        if (src) {
            if (!*id && !*nm && !*type) {
                cJSON_AddItemToArray(notset, item(label));
            } else if (network && !*id && !*nm && !strcmp(type, "pod")) {
                /* the OpenShift pod network */
            } else {
                char *rid = NULL, *rname = NULL;
                int rc = lab_inv_find_ref(c->cfg.inv, jpath_str(src, "metadata.uid"),
                                          network ? "network" : "storage", id, nm, js(s, "namespace"),
                                          &rid, &rname);
                strbuf ref = STRBUF_INIT;
                sb_addf(&ref, " id:%s name:'%s' ", id, nm);
                if (rc == 0) {
                    cJSON *r = cJSON_CreateObject();
                    cJSON_AddStringToObject(r, "id", rid);
                    cJSON_AddStringToObject(r, "name", rname);
                    cJSON_AddItemToArray(refs, r);
                } else if (rc == -2) {
                    cJSON_AddItemToArray(ambiguous, item(ref.buf));
                } else {
                    cJSON_AddItemToArray(notfound, item(ref.buf));
                }
                sb_release(&ref);
                free(rid);
                free(rname);
            }
        }
        if (dst && network) {
            const char *dt = js(d, "type");
            if (!strcmp(dt, "multus")) {
                cJSON *nad = *js(d, "namespace") ? ctl_get(c, c->k_nad, js(d, "namespace"),
                                                           js(d, "name"))
                                                 : NULL;
                if (!nad)
                    cJSON_AddItemToArray(baddst, item(label));
                cJSON_Delete(nad);
            } else if (strcmp(dt, "pod") && strcmp(dt, "ignored")) {
                cJSON_AddItemToArray(baddst, item(label));
            }
        } else if (dst) {
            cJSON *sc = ctl_get(c, c->k_sc, NULL, js(d, "storageClass"));
            if (!sc)
                cJSON_AddItemToArray(baddst, item(label));
            cJSON_Delete(sc);
        }
    }
    char type_buf[64];
    snprintf(type_buf, sizeof type_buf, "Source%sNotValid", kind);
    if (cJSON_GetArraySize(notset))
        lab_cond_set(conds, type_buf, LAB_CAT_CRITICAL, "NotSet",
                     network ? "Source network (id/name) not specified."
                             : "Source storage (id/name) not specified.",
                     0, cJSON_Duplicate(notset, 1));
    else if (cJSON_GetArraySize(ambiguous))
        lab_cond_set(conds, type_buf, LAB_CAT_CRITICAL, "Ambiguous",
                     network ? "Source network has ambiguous references."
                             : "Source storage has ambiguous references.",
                     0, cJSON_Duplicate(ambiguous, 1));
    else if (cJSON_GetArraySize(notfound))
        lab_cond_set(conds, type_buf, LAB_CAT_WARN, "NotFound",
                     network ? "Source network not found." : "Source storage not found.", 0,
                     cJSON_Duplicate(notfound, 1));
    if (cJSON_GetArraySize(baddst)) {
        snprintf(type_buf, sizeof type_buf, "Destination%sNotValid", kind);
        lab_cond_set(conds, type_buf, LAB_CAT_CRITICAL, "NotFound",
                     network ? "Destination network not found."
                             : "Destination storage class not found.",
                     0, cJSON_Duplicate(baddst, 1));
    }
    cJSON_Delete(notset);
    cJSON_Delete(notfound);
    cJSON_Delete(ambiguous);
    cJSON_Delete(baddst);
    if (!lab_cond_blocked(conds))
        lab_cond_set(conds, "Ready", LAB_CAT_REQUIRED, NULL,
                     network ? "The network map is ready." : "The storage map is ready.", 0,
                     NULL);
    char now_s[32];
    ctl_now_str(c, now_s);
    lab_cond_finish(conds, cJSON_GetObjectItem(old, "conditions"), now_s);
    cJSON *st = cJSON_CreateObject();
    cJSON_AddItemToObject(st, "conditions", conds);
    cJSON_AddNumberToObject(st, "observedGeneration",
                            cJSON_GetNumberValue(jpath(m, "metadata.generation")));
    cJSON_AddItemToObject(st, "references", refs);
    ctl_write_status(c, k, ns, name, st);
    cJSON_Delete(src);
    cJSON_Delete(dst);
    cJSON_Delete(m);
}

void ctl_hook(lab_ctl *c, const char *ns, const char *name)
{
    cJSON *h = ctl_get(c, c->k_hook, ns, name);
    if (!h)
        return;
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(h, "spec");
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(h, "status");
    cJSON *conds = lab_cond_stage(cJSON_GetObjectItem(old, "conditions"));
    const cJSON *aap = cJSON_GetObjectItemCaseSensitive(spec, "aap");
    if (aap) {
        if (*js(spec, "image") || *js(spec, "playbook"))
            lab_cond_set(conds, "InvalidHookExecute", LAB_CAT_CRITICAL, "NotValid",
                         "An AAP hook cannot have an image or a playbook.", 0, NULL);
    } else {
        if (!*js(spec, "image"))
            lab_cond_set(conds, "InvalidImage", LAB_CAT_CRITICAL, "NotSet",
                         "The hook image is not set.", 0, NULL);
        const char *pb = js(spec, "playbook");
        int fails;
        strbuf why = STRBUF_INIT;
        if (*pb && ctl_playbook_check(pb, &fails, &why) < 0)
            lab_cond_set(conds, "InvalidPlaybook", LAB_CAT_CRITICAL, "NotValid", why.buf, 0,
                         NULL);
        sb_release(&why);
    }
    if (!lab_cond_blocked(conds))
        lab_cond_set(conds, "Ready", LAB_CAT_REQUIRED, NULL, "The hook is ready.", 0, NULL);
    char now_s[32];
    ctl_now_str(c, now_s);
    lab_cond_finish(conds, cJSON_GetObjectItem(old, "conditions"), now_s);
    cJSON *st = cJSON_CreateObject();
    cJSON_AddItemToObject(st, "conditions", conds);
    cJSON_AddNumberToObject(st, "observedGeneration",
                            cJSON_GetNumberValue(jpath(h, "metadata.generation")));
    ctl_write_status(c, c->k_hook, ns, name, st);
    cJSON_Delete(h);
}
