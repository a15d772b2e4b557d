/* lab_webhook: see lab_webhook.h. */
#include "lab/lab_webhook.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_status.h"
#include "util/strbuf.h"
#include "util/strmap.h"

struct lab_webhook {
    pthread_mutex_t mu;
    strmap providers;   /* "ns/name" -> 1 */
    strmap plans;
    const lab_kind *k_provider, *k_plan, *k_migration;
};

static void key(strbuf *k, const char *ns, const char *name)
{
    sb_reset(k);
    sb_addf(k, "%s/%s", ns ? ns : "", name ? name : "");
}

static void on_write(void *ud, const lab_event *ev)
{
    lab_webhook *w = ud;
    strmap *m = ev->obj->kind == w->k_provider ? &w->providers
                : ev->obj->kind == w->k_plan   ? &w->plans
                                               : NULL;
    if (!m)
        return;
    strbuf k = STRBUF_INIT;
    key(&k, ev->obj->ns, ev->obj->name);
    pthread_mutex_lock(&w->mu);
    if (ev->type == LAB_DELETED)
        strmap_del(m, k.buf);
    else
        strmap_put(m, k.buf, (void *)1);
    pthread_mutex_unlock(&w->mu);
    sb_release(&k);
}

static int exists(lab_webhook *w, strmap *m, const cJSON *ref, const char *dflt_ns)
{
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(ref, "name"));
    const char *ns = cJSON_GetStringValue(cJSON_GetObjectItem(ref, "namespace"));
    if (!name || !*name)
        return 0;
    strbuf k = STRBUF_INIT;
    key(&k, ns && *ns ? ns : dflt_ns, name);
    pthread_mutex_lock(&w->mu);
    int r = strmap_get(m, k.buf) != NULL;
    pthread_mutex_unlock(&w->mu);
    sb_release(&k);
    return r;
}

static int deny(cJSON **status, const char *hook, const char *why)
{
    strbuf msg = STRBUF_INIT;
    sb_addf(&msg, "admission webhook \"%s\" denied the request: %s", hook, why);
    *status = lab_status_new(400, "BadRequest", msg.buf, NULL);
    sb_release(&msg);
    return 400;
}

static const char *str_at(const cJSON *o, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    if (b)
        x = cJSON_GetObjectItemCaseSensitive(x, b);
    const char *s = cJSON_GetStringValue(x);
    return s ? s : "";
}

static void add_finalizer(cJSON *obj, const char *f)
{
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    cJSON *fins = cJSON_GetObjectItemCaseSensitive(meta, "finalizers");
    if (!fins)
        fins = cJSON_AddArrayToObject(meta, "finalizers");
    const cJSON *e;
    cJSON_ArrayForEach(e, fins)
    {
        if (cJSON_IsString(e) && !strcmp(e->valuestring, f))
            return;
    }
    cJSON_AddItemToArray(fins, cJSON_CreateString(f));
}

static int admit(void *ud, const lab_admission *a, cJSON **status)
{
    lab_webhook *w = ud;
    if (a->op == LAB_ADMIT_DELETE || (a->subresource && *a->subresource) || !a->obj)
        return 0;
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(a->obj, "spec");
    const char *ns = str_at(a->obj, "metadata", "namespace");
    if (a->kind == w->k_provider) {
        const char *type = str_at(a->obj, "spec", "type");
        if (a->phase == LAB_ADMIT_MUTATE) {
            if (!strcmp(type, "vsphere") && !*str_at(spec, "settings", "sdkEndpoint")) {
                cJSON *sp = cJSON_GetObjectItemCaseSensitive(a->obj, "spec");
                cJSON *settings = cJSON_GetObjectItemCaseSensitive(sp, "settings");
                if (!settings)
                    settings = cJSON_AddObjectToObject(sp, "settings");
                cJSON_AddStringToObject(settings, "sdkEndpoint", "vcenter");
            }
            /* a Provider being deleted may not get its finalizer back */
            int deleting = cJSON_GetObjectItem(cJSON_GetObjectItem(a->obj, "metadata"),
                                               "deletionTimestamp") != NULL;
            if (!strcmp(type, "ova") && !deleting)
                add_finalizer(a->obj, "forklift/ova-provider");
            if (!strcmp(type, "hyperv") && !deleting)
                add_finalizer(a->obj, "forklift/hyperv-provider");
            return 0;
        }
        const char *ep = str_at(spec, "settings", "sdkEndpoint");
        if (!strcmp(type, "vsphere") && *ep && strcmp(ep, "vcenter") && strcmp(ep, "esxi"))
            return deny(status, "provider-validate.forklift.konveyor",
                        "the sdkEndpoint setting must be \"vcenter\" or \"esxi\"");
        return 0;
    }
    if (a->kind == w->k_plan) {
        if (a->phase == LAB_ADMIT_MUTATE) {
            if (a->op == LAB_ADMIT_CREATE) {
                cJSON *meta = cJSON_GetObjectItemCaseSensitive(a->obj, "metadata");
                cJSON *ann = cJSON_GetObjectItemCaseSensitive(meta, "annotations");
                if (!ann)
                    ann = cJSON_AddObjectToObject(meta, "annotations");
                if (!cJSON_GetObjectItem(ann, "populatorLabels"))
                    cJSON_AddStringToObject(ann, "populatorLabels", "True");
            }
            return 0;
        }
        if (cJSON_IsTrue(cJSON_GetObjectItem(spec, "archived")))
            return 0;
        const cJSON *prov = cJSON_GetObjectItem(spec, "provider");
        static const char *const roles[] = {"source", "destination"};
        for (int i = 0; i < 2; i++) {
            const cJSON *ref = cJSON_GetObjectItem(prov, roles[i]);
            if (!exists(w, &w->providers, ref, ns)) {
                strbuf why = STRBUF_INIT;
                sb_addf(&why, "the %s provider %s/%s was not found", roles[i],
                        str_at(ref, "namespace", NULL), str_at(ref, "name", NULL));
                int rc = deny(status, "validate-plan.forklift.konveyor", why.buf);
                sb_release(&why);
                return rc;
            }
        }
        return 0;
    }
    if (a->kind == w->k_migration && a->phase == LAB_ADMIT_VALIDATE) {
        const cJSON *ref = cJSON_GetObjectItem(spec, "plan");
        if (!exists(w, &w->plans, ref, ns)) {
            strbuf why = STRBUF_INIT;
            sb_addf(&why, "the plan %s/%s was not found",
                    *str_at(ref, "namespace", NULL) ? str_at(ref, "namespace", NULL) : ns,
                    str_at(ref, "name", NULL));
            int rc = deny(status, "validate-migration.forklift.konveyor", why.buf);
            sb_release(&why);
            return rc;
        }
    }
    return 0;
}

lab_webhook *lab_webhook_new(lab_store *store)
{
    lab_webhook *w = calloc(1, sizeof *w);
    if (!w)
        abort();
    pthread_mutex_init(&w->mu, NULL);
    const lab_kinds *k = lab_store_kinds(store);
    w->k_provider = lab_kinds_find(k, "forklift.konveyor.io", "v1beta1", "providers");
    w->k_plan = lab_kinds_find(k, "forklift.konveyor.io", "v1beta1", "plans");
    w->k_migration = lab_kinds_find(k, "forklift.konveyor.io", "v1beta1", "migrations");
    const lab_kind *kinds[] = {w->k_provider, w->k_plan};
    strmap *maps[] = {&w->providers, &w->plans};
    for (int i = 0; i < 2; i++) {
        lab_list list;
        cJSON *st = NULL;
        if (kinds[i] && lab_store_list(store, kinds[i], NULL, NULL, &list, &st) == 0) {
            strbuf kk = STRBUF_INIT;
            for (size_t j = 0; j < list.count; j++) {
                key(&kk, list.items[j]->ns, list.items[j]->name);
                strmap_put(maps[i], kk.buf, (void *)1);
            }
            sb_release(&kk);
            lab_list_release(&list);
        }
        cJSON_Delete(st);
    }
    lab_store_on_write(store, on_write, w);
    lab_store_add_admission(store, admit, w);
    return w;
}

void lab_webhook_free(lab_webhook *w)
{
    if (!w)
        return;
    strmap_free(&w->providers);
    strmap_free(&w->plans);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
