/*
 * lab_inv: see lab_inv.h. The registry keeps, per Provider uid, a copy of
 * the CR, the normalized source and the collections built from it; the
 * handler parses the route, checks the query like the upstream web layer
 * (400 on a bad detail/limit/offset), and prints the requested part under
 * the lock. Cached collections are plain cJSON arrays, so serving a
 * collection is filter + project + print.
 */
#include "lab/lab_inv.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_status.h"
#include "util/strbuf.h"

typedef struct inv_provider {
    char *uid, *name, *ns, *type;
    cJSON *cr;                /* the Provider CR as last seen */
    lab_source src;           /* cached types */
    int cached;
    cJSON *cols;              /* collections (cached types) */
    int64_t synced_at;
    int64_t read_at;          /* when src was last read (refresh) */
    int stale;                /* the source changed: re-read at the next request */
} inv_provider;

struct lab_inv {
    pthread_mutex_t mu;
    lab_store *store;
    int64_t (*now_ms)(void *ud);
    void *now_ud;
    inv_provider *items;
    size_t count;
    lab_inv_refresh_fn refresh;
    void *refresh_ud;
    int64_t refresh_period;
};

static const char *const all_types[] = {"openshift", "vsphere", "ovirt", "openstack", "ova",
                                        "ec2", "hyperv", NULL};

lab_inv *lab_inv_new(lab_store *store, int64_t (*now_ms)(void *ud), void *ud)
{
    lab_inv *inv = calloc(1, sizeof *inv);
    if (!inv)
        abort();
    pthread_mutex_init(&inv->mu, NULL);
    inv->store = store;
    inv->now_ms = now_ms;
    inv->now_ud = ud;
    return inv;
}

static void provider_release(inv_provider *p)
{
    free(p->uid);
    free(p->name);
    free(p->ns);
    free(p->type);
    cJSON_Delete(p->cr);
    cJSON_Delete(p->cols);
    if (p->cached)
        lab_source_release(&p->src);
    memset(p, 0, sizeof *p);
}

void lab_inv_free(lab_inv *inv)
{
    if (!inv)
        return;
    for (size_t i = 0; i < inv->count; i++)
        provider_release(&inv->items[i]);
    free(inv->items);
    pthread_mutex_destroy(&inv->mu);
    free(inv);
}

static inv_provider *find(lab_inv *inv, const char *uid)
{
    for (size_t i = 0; uid && i < inv->count; i++)
        if (!strcmp(inv->items[i].uid, uid))
            return &inv->items[i];
    return NULL;
}

static char *dup_str(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

static const char *cr_str(const cJSON *cr, const char *section, const char *key)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(cr, section);
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

void lab_inv_put(lab_inv *inv, const cJSON *provider, const lab_source *src,
                 int64_t synced_at_ms)
{
    const char *uid = cr_str(provider, "metadata", "uid");
    if (!uid)
        return;
    cJSON *cols = src ? lab_inv_build(src, uid) : NULL;
    pthread_mutex_lock(&inv->mu);
    inv_provider *p = find(inv, uid);
    if (!p) {
        inv->items = realloc(inv->items, (inv->count + 1) * sizeof *inv->items);
        if (!inv->items)
            abort();
        p = &inv->items[inv->count++];
        memset(p, 0, sizeof *p);
    } else {
        provider_release(p);
    }
    p->uid = dup_str(uid);
    p->name = dup_str(cr_str(provider, "metadata", "name"));
    p->ns = dup_str(cr_str(provider, "metadata", "namespace"));
    p->type = dup_str(cr_str(provider, "spec", "type"));
    p->cr = cJSON_Duplicate(provider, 1);
    if (src) {
        lab_source_copy(&p->src, src);
        p->cached = 1;
    }
    p->cols = cols;
    p->synced_at = synced_at_ms;
    p->read_at = inv->now_ms(inv->now_ud);
    pthread_mutex_unlock(&inv->mu);
}

static int synced(lab_inv *inv, const inv_provider *p)
{
    return inv->now_ms(inv->now_ud) >= p->synced_at;
}

void lab_inv_set_refresh(lab_inv *inv, lab_inv_refresh_fn fn, void *ud, int64_t period_ms)
{
    pthread_mutex_lock(&inv->mu);
    inv->refresh = fn;
    inv->refresh_ud = ud;
    inv->refresh_period = period_ms > 0 ? period_ms : 1000;
    pthread_mutex_unlock(&inv->mu);
}

void lab_inv_stale_type(lab_inv *inv, const char *type)
{
    pthread_mutex_lock(&inv->mu);
    for (size_t i = 0; i < inv->count; i++)
        if (!strcmp(inv->items[i].type, type))
            inv->items[i].stale = 1;
    pthread_mutex_unlock(&inv->mu);
}

/* Revisions only grow: an object read again keeps the revision it had
 * (a change made since, such as a power state, counted one more). */
static void keep_revisions(cJSON *fresh_cols, const cJSON *old_cols)
{
    const cJSON *col;
    cJSON_ArrayForEach(col, old_cols)
    {
        cJSON *now = cJSON_GetObjectItemCaseSensitive(fresh_cols, col->string);
        const cJSON *o;
        cJSON_ArrayForEach(o, col)
        {
            const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "id"));
            const cJSON *rev = cJSON_GetObjectItemCaseSensitive(o, "revision");
            cJSON *n;
            cJSON_ArrayForEach(n, now)
            {
                const char *nid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(n, "id"));
                if (!id || !nid || strcmp(id, nid) || !cJSON_IsNumber(rev))
                    continue;
                cJSON_ReplaceItemInObjectCaseSensitive(n, "revision",
                                                       cJSON_CreateNumber(rev->valuedouble));
                if (cJSON_GetObjectItemCaseSensitive(n, "revisionValidated"))
                    cJSON_ReplaceItemInObjectCaseSensitive(n, "revisionValidated",
                                                           cJSON_CreateNumber(rev->valuedouble));
                break;
            }
        }
    }
}

/* Re-reads a cached provider's source when it is due (see lab_inv.h). The
 * read happens outside the lock; a provider removed meanwhile drops it. */
static void refresh_if_due(lab_inv *inv, const char *uid)
{
    pthread_mutex_lock(&inv->mu);
    inv_provider *p = find(inv, uid);
    int64_t now = inv->now_ms(inv->now_ud);
    lab_inv_refresh_fn fn = inv->refresh;
    void *ud = inv->refresh_ud;
    cJSON *cr = NULL;
    if (fn && p && p->cached && synced(inv, p) &&
        (p->stale || now - p->read_at >= inv->refresh_period)) {
        cr = cJSON_Duplicate(p->cr, 1);
        p->stale = 0;
        p->read_at = now;   /* one reader at a time re-reads */
    }
    pthread_mutex_unlock(&inv->mu);
    if (!cr)
        return;
    lab_source src;
    memset(&src, 0, sizeof src);
    char *id = dup_str(uid);
    if (fn(ud, cr, &src) == 0) {
        cJSON *cols = lab_inv_build(&src, id);
        pthread_mutex_lock(&inv->mu);
        p = find(inv, id);
        if (p && p->cached) {
            keep_revisions(cols, p->cols);
            lab_source_release(&p->src);
            p->src = src;
            memset(&src, 0, sizeof src);
            cJSON_Delete(p->cols);
            p->cols = cols;
            cols = NULL;
        }
        pthread_mutex_unlock(&inv->mu);
        cJSON_Delete(cols);
        lab_source_release(&src);
    }
    free(id);
    cJSON_Delete(cr);
}

void lab_inv_update_cr(lab_inv *inv, const cJSON *provider)
{
    pthread_mutex_lock(&inv->mu);
    inv_provider *p = find(inv, cr_str(provider, "metadata", "uid"));
    if (p) {
        cJSON_Delete(p->cr);
        p->cr = cJSON_Duplicate(provider, 1);
    }
    pthread_mutex_unlock(&inv->mu);
}

void lab_inv_remove(lab_inv *inv, const char *uid)
{
    pthread_mutex_lock(&inv->mu);
    inv_provider *p = find(inv, uid);
    if (p) {
        provider_release(p);
        size_t i = (size_t)(p - inv->items);
        memmove(&inv->items[i], &inv->items[i + 1], (inv->count - i - 1) * sizeof *inv->items);
        inv->count--;
    }
    pthread_mutex_unlock(&inv->mu);
}

int lab_inv_has(lab_inv *inv, const char *uid)
{
    pthread_mutex_lock(&inv->mu);
    int r = find(inv, uid) != NULL;
    pthread_mutex_unlock(&inv->mu);
    return r;
}


int lab_inv_synced(lab_inv *inv, const char *uid)
{
    pthread_mutex_lock(&inv->mu);
    inv_provider *p = find(inv, uid);
    int r = p && synced(inv, p);
    pthread_mutex_unlock(&inv->mu);
    return r;
}

const char *lab_inv_type(lab_inv *inv, const char *uid)
{
    pthread_mutex_lock(&inv->mu);
    inv_provider *p = find(inv, uid);
    const char *t = "";
    for (const char *const *k = all_types; p && *k; k++)
        if (!strcmp(*k, p->type))
            t = *k;
    pthread_mutex_unlock(&inv->mu);
    return t;
}

/* ---- lookups for the controller ---- */

int lab_inv_find_vm(lab_inv *inv, const char *uid, const char *id, const char *name,
                    lab_vm *vm, cJSON **workload)
{
    if (workload)
        *workload = NULL;
    refresh_if_due(inv, uid);
    pthread_mutex_lock(&inv->mu);
    inv_provider *p = find(inv, uid);
    int rc = -1;
    if (p && p->cached) {
        const lab_vm *found = NULL;
        int matches = 0;
        for (size_t i = 0; i < p->src.nvms; i++) {
            if (id && *id && !strcmp(p->src.vms[i].id, id)) {
                found = &p->src.vms[i];
                matches = 1;
                break;
            }
        }
        if (!found)
            for (size_t i = 0; name && *name && i < p->src.nvms; i++)
                if (!strcmp(p->src.vms[i].name, name)) {
                    found = found ? found : &p->src.vms[i];
                    matches++;
                }
        if (matches > 1) {
            rc = -2;
        } else if (found) {
            lab_vm_copy(vm, found);
            if (workload)
                *workload = lab_inv_build_workload(&p->src, found, p->uid);
            rc = 0;
        }
    }
    int live = p && !p->cached;
    pthread_mutex_unlock(&inv->mu);
    if (live) {
        /* OpenShift: refs are namespace/name or the VM uid */
        char *ns = NULL;
        const char *nm = name;
        if (name && strchr(name, '/')) {
            ns = strndup(name, (size_t)(strchr(name, '/') - name));
            nm = strchr(name, '/') + 1;
        }
        rc = lab_inv_openshift_vm(inv->store, ns, nm, id, vm, workload);
        free(ns);
    }
    return rc;
}

int lab_inv_find_ref(lab_inv *inv, const char *uid, const char *kind, const char *id,
                     const char *name, const char *ns, char **out_id, char **out_name)
{
    *out_id = *out_name = NULL;
    pthread_mutex_lock(&inv->mu);
    inv_provider *p = find(inv, uid);
    int rc = -1;
    int live = p && !p->cached;
    if (p && p->cached) {
        const lab_named *list = !strcmp(kind, "network") ? p->src.networks : p->src.storages;
        size_t n = !strcmp(kind, "network") ? p->src.nnetworks : p->src.nstorages;
        const lab_named *hit = NULL;
        int matches = 0;
        for (size_t i = 0; id && *id && i < n && !hit; i++)
            if (!strcmp(list[i].id, id)) {
                hit = &list[i];
                matches = 1;
            }
        for (size_t i = 0; !hit && name && *name && i < n; i++)
            if (!strcmp(list[i].name, name) || (strchr(name, '/') &&
                                                 !strcmp(strrchr(name, '/') + 1, list[i].name)))
                matches++;
        for (size_t i = 0; !hit && matches == 1 && i < n; i++)
            if (!strcmp(list[i].name, name) || (strchr(name, '/') &&
                                                 !strcmp(strrchr(name, '/') + 1, list[i].name)))
                hit = &list[i];
        if (matches > 1)
            rc = -2;
        else if (hit) {
            *out_id = dup_str(hit->id);
            *out_name = dup_str(hit->name);
            rc = 0;
        }
    }
    pthread_mutex_unlock(&inv->mu);
    if (live) {
        const lab_kind *k = NULL;
        const lab_kinds *kinds = lab_store_kinds(inv->store);
        char *nsbuf = NULL;
        const char *nm = name && *name ? name : id;
        if (!strcmp(kind, "network")) {
            k = lab_kinds_find(kinds, "k8s.cni.cncf.io", "v1", "network-attachment-definitions");
            if (nm && strchr(nm, '/')) {
                nsbuf = strndup(nm, (size_t)(strchr(nm, '/') - nm));
                ns = nsbuf;
                nm = strchr(nm, '/') + 1;
            }
        } else {
            k = lab_kinds_find(kinds, "storage.k8s.io", "v1", "storageclasses");
            ns = NULL;
        }
        lab_result res;
        if (k && nm) {
            lab_store_get(inv->store, k, ns ? ns : "", nm, &res);
            if (res.code == 200) {
                *out_name = dup_str(nm);
                strbuf sid = STRBUF_INIT;
                if (ns)
                    sb_addf(&sid, "%s/%s", ns, nm);
                else
                    sb_adds(&sid, nm);
                *out_id = sb_detach(&sid, NULL);
                rc = 0;
            }
            lab_result_release(&res);
        }
        free(nsbuf);
    }
    return rc;
}

int lab_inv_set_power(lab_inv *inv, const char *uid, const char *vm_id, int on)
{
    pthread_mutex_lock(&inv->mu);
    inv_provider *p = find(inv, uid);
    int rc = -1;
    for (size_t i = 0; p && p->cached && i < p->src.nvms; i++) {
        lab_vm *vm = &p->src.vms[i];
        if (strcmp(vm->id, vm_id))
            continue;
        vm->power_on = on;
        static const char *const cols[] = {"vms", "workloads"};
        for (int c = 0; c < 2; c++) {
            cJSON *arr = cJSON_GetObjectItemCaseSensitive(p->cols, cols[c]);
            cJSON *e;
            int idx = 0;
            cJSON_ArrayForEach(e, arr)
            {
                if (!strcmp(or_empty(cJSON_GetStringValue(cJSON_GetObjectItem(e, "id"))), vm_id)) {
                    cJSON *fresh = c ? lab_inv_build_workload(&p->src, vm, p->uid)
                                     : lab_inv_build_vm(&p->src, vm, p->uid);
                    cJSON *rev = cJSON_GetObjectItemCaseSensitive(e, "revision");
                    int r = rev ? rev->valueint + 1 : 2;
                    cJSON_ReplaceItemInObjectCaseSensitive(fresh, "revision",
                                                           cJSON_CreateNumber(r));
                    if (cJSON_GetObjectItem(fresh, "revisionValidated"))
                        cJSON_ReplaceItemInObjectCaseSensitive(fresh, "revisionValidated",
                                                               cJSON_CreateNumber(r));
                    cJSON_ReplaceItemInArray(arr, idx, fresh);
                    break;
                }
                idx++;
            }
        }
        rc = 0;
        break;
    }
    pthread_mutex_unlock(&inv->mu);
    return rc;
}

void lab_inv_set_power_type(lab_inv *inv, const char *type, const char *vm_id, int on)
{
    pthread_mutex_lock(&inv->mu);
    size_t n = inv->count;
    char **uids = calloc(n ? n : 1, sizeof *uids);
    if (!uids)
        abort();
    for (size_t i = 0; i < n; i++)
        uids[i] = !strcmp(inv->items[i].type, type) ? dup_str(inv->items[i].uid) : NULL;
    pthread_mutex_unlock(&inv->mu);
    for (size_t i = 0; i < n; i++) {
        if (uids[i])
            lab_inv_set_power(inv, uids[i], vm_id, on);
        free(uids[i]);
    }
    free(uids);
}

/* ---- the REST handler ---- */

static void not_found(lab_resp *resp, int provider)
{
    lab_resp_raw(resp, 404, "application/json", "", 0);
    if (provider)
        lab_resp_header(resp, "X-Reason", "ProviderNotFound");
}

static void bad_request(lab_resp *resp, const char *why)
{
    lab_resp_raw(resp, 400, "application/json", "", 0);
    lab_resp_header(resp, "forklift-error-message", why);
}

typedef struct query {
    int detail;
    long limit, offset;
    const char *name, *ns;
} query;

static int parse_long(const char *s, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

static int parse_query(lab_req *req, query *q, lab_resp *resp)
{
    memset(q, 0, sizeof *q);
    q->limit = -1;
    const char *d = lab_req_query(req, "detail");
    if (d) {
        long v;
        if (!strcmp(d, "all"))
            q->detail = 9;
        else if (parse_long(d, &v) < 0) {
            bad_request(resp, "detail: expected an integer or \"all\"");
            return -1;
        } else
            q->detail = (int)v;
    }
    const char *l = lab_req_query(req, "limit"), *o = lab_req_query(req, "offset");
    if ((l && parse_long(l, &q->limit) < 0) || (o && parse_long(o, &q->offset) < 0)) {
        bad_request(resp, "limit and offset must be non-negative integers");
        return -1;
    }
    q->name = lab_req_query(req, "name");
    q->ns = lab_req_query(req, "namespace");
    return 0;
}

static cJSON *provider_resource(lab_inv *inv, const inv_provider *p, int detail)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "uid", p->uid);
    cJSON_AddStringToObject(r, "version", or_empty(cr_str(p->cr, "metadata", "resourceVersion")));
    cJSON_AddStringToObject(r, "namespace", p->ns);
    cJSON_AddStringToObject(r, "name", p->name);
    strbuf link = STRBUF_INIT;
    sb_addf(&link, "providers/%s/%s", p->type, p->uid);
    cJSON_AddStringToObject(r, "selfLink", link.buf);
    sb_release(&link);
    if (detail < 1)
        return r;
    cJSON_AddStringToObject(r, "type", p->type);
    cJSON_AddItemToObject(r, "object", cJSON_Duplicate(p->cr, 1));
    if (p->cached) {
        lab_inv_add_counters(&p->src, r);
    } else {
        int code;
        cJSON *vms = lab_inv_openshift_list(inv->store, p->uid, "vms", 0, NULL, NULL, &code);
        cJSON *nads = lab_inv_openshift_list(inv->store, p->uid, "networkattachmentdefinitions", 0,
                                             NULL, NULL, &code);
        cJSON *scs = lab_inv_openshift_list(inv->store, p->uid, "storageclasses", 0, NULL, NULL,
                                            &code);
        cJSON_AddNumberToObject(r, "vmCount", cJSON_GetArraySize(vms));
        cJSON_AddNumberToObject(r, "networkCount", cJSON_GetArraySize(nads));
        cJSON_AddNumberToObject(r, "storageClassCount", cJSON_GetArraySize(scs));
        cJSON_Delete(vms);
        cJSON_Delete(nads);
        cJSON_Delete(scs);
    }
    return r;
}

static void send_json(lab_resp *resp, int code, cJSON *body)
{
    lab_resp_json(resp, code, body);
    cJSON_Delete(body);
}

static int name_matches(const cJSON *obj, const char *name)
{
    const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "name"));
    if (!n)
        return 0;
    if (!strchr(name, '/'))
        return !strcmp(n, name);
    /* an inventory path: the last element is the name, the path a suffix */
    const char *last = strrchr(name, '/') + 1;
    const char *path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "path"));
    if (strcmp(n, last))
        return 0;
    if (!path)
        return 1;
    size_t pl = strlen(path), nl = strlen(name);
    return pl >= nl && !strcmp(path + pl - nl, name);
}

static cJSON *project(const cJSON *obj, const char *const *keys)
{
    if (!keys)
        return cJSON_Duplicate(obj, 1);
    cJSON *out = cJSON_CreateObject();
    const cJSON *m;
    cJSON_ArrayForEach(m, obj)
    {
        for (const char *const *k = keys; *k; k++)
            if (!strcmp(*k, m->string)) {
                cJSON_AddItemToObject(out, m->string, cJSON_Duplicate(m, 1));
                break;
            }
    }
    return out;
}

static void serve_list(lab_resp *resp, const cJSON *arr, lab_src_type type, const char *col,
                       const query *q)
{
    cJSON *out = cJSON_CreateArray();
    const char *const *keys = NULL;
    int full = q->detail >= 2 || (type == LAB_SRC_VSPHERE && !strcmp(col, "vms"));
    if (!full)
        keys = lab_inv_detail_keys(type, col, q->detail);
    const cJSON *e;
    long idx = 0, taken = 0;
    cJSON_ArrayForEach(e, arr)
    {
        if (type == LAB_SRC_VSPHERE && !strcmp(col, "vms") &&
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "isTemplate")))
            continue;
        if (q->name && !name_matches(e, q->name))
            continue;
        if (idx++ < q->offset)
            continue;
        if (q->limit >= 0 && taken >= q->limit)
            break;
        cJSON_AddItemToArray(out, project(e, keys));
        taken++;
    }
    send_json(resp, 200, out);
}

static void serve_provider(lab_inv *inv, inv_provider *p, char **parts, size_t n,
                           const query *q, lab_req *req, lab_resp *resp)
{
    if (!synced(inv, p)) {
        lab_resp_raw(resp, 206, "application/json", "", 0);
        return;
    }
    if (n == 0) {
        send_json(resp, 200, provider_resource(inv, p, q->detail ? q->detail : 1));
        return;
    }
    const char *col = parts[0];
    if (!p->cached) {
        if (lab_req_header(req, "X-Watch") && !strcmp(col, "vms")) {
            lab_resp_raw(resp, 501, "application/json", "", 0);
            return;
        }
        int code = 200;
        cJSON *list = lab_inv_openshift_list(inv->store, p->uid, col, n > 1 ? 9 : q->detail,
                                             q->ns, n > 1 ? NULL : q->name, &code);
        if (code != 200 || !list) {
            cJSON_Delete(list);
            not_found(resp, 0);
            return;
        }
        if (n > 1) {
            /* one object by id (the uid) or ns/name */
            const cJSON *e;
            cJSON *hit = NULL;
            strbuf want = STRBUF_INIT;
            for (size_t i = 1; i < n; i++)
                sb_addf(&want, "%s%s", i > 1 ? "/" : "", parts[i]);
            cJSON_ArrayForEach(e, list)
            {
                const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(e, "id"));
                const char *nm = cJSON_GetStringValue(cJSON_GetObjectItem(e, "name"));
                const char *ns = cJSON_GetStringValue(cJSON_GetObjectItem(e, "namespace"));
                strbuf nsn = STRBUF_INIT;
                sb_addf(&nsn, "%s/%s", ns ? ns : "", nm ? nm : "");
                if ((id && !strcmp(id, want.buf)) || !strcmp(nsn.buf, want.buf) ||
                    (nm && !ns && !strcmp(nm, want.buf)))
                    hit = cJSON_Duplicate(e, 1);
                sb_release(&nsn);
                if (hit)
                    break;
            }
            sb_release(&want);
            cJSON_Delete(list);
            if (!hit) {
                not_found(resp, 0);
                return;
            }
            send_json(resp, 200, hit);
            return;
        }
        query q2 = *q;
        q2.name = NULL;
        q2.detail = 9;
        serve_list(resp, list, LAB_SRC_OPENSHIFT, col, &q2);
        cJSON_Delete(list);
        return;
    }
    if (lab_req_header(req, "X-Watch")) {
        lab_resp_raw(resp, 501, "application/json", "", 0);
        lab_resp_header(resp, "forklift-error-message", "the lab does not serve inventory watches");
        return;
    }
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(p->cols, col);
    if (!arr) {
        not_found(resp, 0);
        return;
    }
    if (n == 1) {
        serve_list(resp, arr, p->src.type, col, q);
        return;
    }
    if (n != 2) {
        not_found(resp, 0);
        return;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "id"));
        if (!id)
            id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "ID"));
        if (id && !strcmp(id, parts[1])) {
            const char *const *keys = NULL;
            if (p->src.type == LAB_SRC_VSPHERE && !strcmp(col, "hosts") && q->detail < 2)
                keys = lab_inv_detail_keys(p->src.type, col, q->detail);
            send_json(resp, 200, project(e, keys));
            return;
        }
    }
    not_found(resp, 0);
}

static void free_parts(char **parts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(parts[i]);
    free(parts);
}

void lab_inv_handle(void *ud, lab_req *req, lab_resp *resp)
{
    lab_inv *inv = ud;
    if (strcmp(req->method, "GET")) {
        lab_resp_raw(resp, 405, "application/json", "", 0);
        return;
    }
    /* split /providers/<type>/<uid>/<collection>/<id>... */
    char **parts = NULL;
    size_t n = 0;
    const char *p = req->path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        parts = realloc(parts, (n + 1) * sizeof *parts);
        if (!parts)
            abort();
        parts[n++] = strndup(p, len);
        p += len;
    }
    query q;
    if (n == 0 || strcmp(parts[0], "providers")) {
        not_found(resp, 0);
        free_parts(parts, n);
        return;
    }
    if (parse_query(req, &q, resp) < 0) {
        free_parts(parts, n);
        return;
    }
    if (n <= 2 && lab_req_header(req, "X-Watch")) {
        bad_request(resp, "provider lists cannot be watched");
        free_parts(parts, n);
        return;
    }
    pthread_mutex_lock(&inv->mu);
    if (n == 1 || n == 2) {
        cJSON *out = n == 1 ? cJSON_CreateObject() : cJSON_CreateArray();
        int known = 0;
        for (const char *const *t = all_types; *t; t++) {
            if (n == 2 && strcmp(parts[1], *t))
                continue;
            known = 1;
            cJSON *list = cJSON_CreateArray();
            for (size_t i = 0; i < inv->count; i++) {
                inv_provider *ip = &inv->items[i];
                if (strcmp(ip->type, *t) || (q.ns && strcmp(q.ns, ip->ns)) ||
                    (q.name && strcmp(q.name, ip->name)))
                    continue;
                cJSON_AddItemToArray(list, provider_resource(inv, ip, q.detail));
            }
            if (n == 1)
                cJSON_AddItemToObject(out, *t, list);
            else {
                cJSON_Delete(out);
                out = list;
            }
        }
        pthread_mutex_unlock(&inv->mu);
        if (!known) {
            cJSON_Delete(out);
            not_found(resp, 0);
        } else {
            send_json(resp, 200, out);
        }
        free_parts(parts, n);
        return;
    }
    pthread_mutex_unlock(&inv->mu);
    refresh_if_due(inv, parts[2]);
    pthread_mutex_lock(&inv->mu);
    inv_provider *ip = find(inv, parts[2]);
    if (!ip || strcmp(ip->type, parts[1])) {
        pthread_mutex_unlock(&inv->mu);
        not_found(resp, 1);
        free_parts(parts, n);
        return;
    }
    serve_provider(inv, ip, parts + 3, n - 3, &q, req, resp);
    pthread_mutex_unlock(&inv->mu);
    free_parts(parts, n);
}
