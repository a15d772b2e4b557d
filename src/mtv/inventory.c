/* inventory: the HTTP side of the inventory client (see inventory.h). */
#include "mtv/inventory.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"

struct mtv_inventory {
    transport *t;
    net_endpoint ep;
    char *base;
    int64_t not_ready_ms, poll_ms;
    atomic_int *cancel;
};

int mtv_inventory_open(mtv_inventory **out, const mtv_inventory_config *cfg, mtv_err *err)
{
    *out = NULL;
    if (!cfg->base_url || strncmp(cfg->base_url, "http", 4))
        return mtv_err_set(err, MTV_EXIT_ENV, "inventory: no usable URL ('%s')",
                           cfg->base_url ? cfg->base_url : "");
    mtv_inventory *inv = calloc(1, sizeof *inv);
    if (!inv)
        abort();
    inv->t = cfg->t;
    inv->base = strdup(cfg->base_url);
    if (!inv->base)
        abort();
    size_t n = strlen(inv->base);
    while (n && inv->base[n - 1] == '/')
        inv->base[--n] = '\0';
    net_endpoint_init(&inv->ep);
    inv->ep.base_url = inv->base;
    inv->ep.tls = cfg->tls;
    if (cfg->token) {
        inv->ep.auth = NET_AUTH_BEARER;
        inv->ep.token = cfg->token;
    }
    inv->not_ready_ms = cfg->not_ready_timeout_ms > 0 ? cfg->not_ready_timeout_ms : 180000;
    inv->poll_ms = cfg->poll_ms > 0 ? cfg->poll_ms : 5000;
    inv->cancel = cfg->cancel;
    *out = inv;
    return 0;
}

void mtv_inventory_free(mtv_inventory *inv)
{
    if (!inv)
        return;
    free(inv->base);
    free(inv);
}

static int cancelled(mtv_inventory *inv, mtv_err *err)
{
    if (inv->cancel && atomic_load(inv->cancel))
        return mtv_err_set(err, MTV_EXIT_ENV, "inventory: cancelled");
    return 0;
}

/* One GET. 0 with *out for 200; 1 for "not ready yet" (206, or 404 with
 * X-Reason ProviderNotFound); -1 otherwise. */
static int get_once(mtv_inventory *inv, const char *path, cJSON **out, mtv_err *err)
{
    *out = NULL;
    strbuf url = STRBUF_INIT;
    sb_addf(&url, "/providers/%s", path);
    http_request req;
    http_request_init(&req, &inv->ep, "inventory", "GET", url.buf);
    http_headers_set(&req.headers, "Accept", "application/json");
    req.cancel = inv->cancel;
    http_response resp;
    memset(&resp, 0, sizeof resp);
    int rc = transport_send(inv->t, &req, &resp, err);
    if (rc < 0) {
        mtv_err_prefix(err, "inventory GET %s", url.buf);
    } else if (resp.status == 206) {
        rc = 1;
    } else if (resp.status == 404 && http_headers_get(&resp.headers, "X-Reason") &&
               !strcmp(http_headers_get(&resp.headers, "X-Reason"), "ProviderNotFound")) {
        rc = 1;
    } else if (resp.status != 200) {
        const char *why = http_headers_get(&resp.headers, "forklift-error-message");
        rc = mtv_err_set(err, MTV_EXIT_ENV, "inventory GET %s: HTTP %ld%s%s", url.buf, resp.status,
                         why ? ": " : "", why ? why : "");
    } else if (!(*out = cJSON_ParseWithLength(resp.body.buf ? resp.body.buf : "", resp.body.len))) {
        rc = mtv_err_set(err, MTV_EXIT_ENV, "inventory GET %s: the answer is not JSON", url.buf);
    }
    http_response_free(&resp);
    http_request_free(&req);
    sb_release(&url);
    return rc;
}

int mtv_inventory_get(mtv_inventory *inv, const char *path, cJSON **out, mtv_err *err)
{
    mtv_clock *clk = transport_clock(inv->t);
    clock_deadline dl = clock_deadline_in(clk, inv->not_ready_ms);
    for (;;) {
        if (cancelled(inv, err))
            return -1;
        int rc = get_once(inv, path, out, err);
        if (rc <= 0)
            return rc;
        if (clock_deadline_passed(clk, dl))
            return mtv_err_set(err, MTV_EXIT_ENV,
                               "inventory GET /providers/%s: the provider's inventory was still "
                               "loading (206 or ProviderNotFound) after %lld s",
                               path, (long long)(inv->not_ready_ms / 1000));
        log_debug("inventory /providers/%s: not loaded yet, retrying", path);
        clock_sleep_ms(clk, inv->poll_ms);
    }
}

int mtv_inventory_fetch(void *ud, const char *path, cJSON **out, mtv_err *err)
{
    return mtv_inventory_get(ud, path, out, err);
}

static const char *jstr(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

int mtv_inventory_provider_id(mtv_inventory *inv, const char *type, const char *name,
                              const char *ns, int64_t timeout_ms, strbuf *id, mtv_err *err)
{
    mtv_clock *clk = transport_clock(inv->t);
    clock_deadline dl = clock_deadline_in(clk, timeout_ms);
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "%s?detail=1", type);
    int rc = -1;
    for (;;) {
        cJSON *list = NULL;
        if (mtv_inventory_get(inv, path.buf, &list, err) < 0)
            break;
        const cJSON *hit = NULL;
        for (const cJSON *p = cJSON_IsArray(list) ? list->child : NULL; p && !hit; p = p->next)
            if (jstr(p, "name") && !strcmp(jstr(p, "name"), name) &&
                (!ns || !jstr(p, "namespace") || !strcmp(jstr(p, "namespace"), ns)))
                hit = p;
        const char *uid = hit ? (jstr(hit, "uid") ? jstr(hit, "uid") : jstr(hit, "id")) : NULL;
        if (uid) {
            sb_adds(id, uid);
            cJSON_Delete(list);
            rc = 0;
            break;
        }
        cJSON_Delete(list);
        if (clock_deadline_passed(clk, dl)) {
            mtv_err_set(err, MTV_EXIT_ENV,
                        "inventory: provider %s/%s (%s) is not listed under /providers/%s after "
                        "%lld s",
                        ns ? ns : "", name, type, type, (long long)(timeout_ms / 1000));
            break;
        }
        if (cancelled(inv, err))
            break;
        clock_sleep_ms(clk, inv->poll_ms);
    }
    sb_release(&path);
    return rc;
}

/* 1 when the record is complete enough to build maps from. */
static int vm_complete(const char *type, const cJSON *vm)
{
    if (!strcmp(type, "openstack")) {
        const cJSON *vols = cJSON_GetObjectItemCaseSensitive(vm, "attachedVolumes");
        return cJSON_IsArray(vols) && cJSON_GetArraySize(vols) > 0;
    }
    return 1;
}

int mtv_inventory_wait_vm(mtv_inventory *inv, const char *type, const char *pid, const char *name,
                          int64_t timeout_ms, cJSON **vm, mtv_err *err)
{
    *vm = NULL;
    mtv_clock *clk = transport_clock(inv->t);
    clock_deadline dl = clock_deadline_in(clk, timeout_ms);
    strbuf path = STRBUF_INIT, names = STRBUF_INIT;
    int rc = -1;
    for (;;) {
        cJSON *list = NULL;
        sb_reset(&path);
        sb_addf(&path, "%s/%s/vms?detail=4", type, pid);
        if (mtv_inventory_get(inv, path.buf, &list, err) < 0)
            break;
        const char *id = NULL;
        sb_reset(&names);
        for (const cJSON *v = cJSON_IsArray(list) ? list->child : NULL; v; v = v->next) {
            const char *n = jstr(v, "name");
            if (n && !strcmp(n, name))
                id = jstr(v, "id");
            else if (n && names.len < 400)
                sb_addf(&names, "%s%s", names.len ? ", " : "", n);
        }
        if (id) {
            strbuf one = STRBUF_INIT;
            sb_addf(&one, "%s/%s/vms/%s", type, pid, id);
            cJSON *full = NULL;
            int got = mtv_inventory_get(inv, one.buf, &full, err);
            sb_release(&one);
            if (got < 0) {
                cJSON_Delete(list);
                break;
            }
            if (vm_complete(type, full)) {
                *vm = full;
                cJSON_Delete(list);
                rc = 0;
                break;
            }
            cJSON_Delete(full);
        }
        cJSON_Delete(list);
        if (clock_deadline_passed(clk, dl)) {
            mtv_err_set(err, MTV_EXIT_ENV,
                        "inventory: VM '%s' is not%s in provider %s (%s) after %lld s; the "
                        "inventory has: %s",
                        name, id ? " complete (no attached volumes yet)" : "", pid, type,
                        (long long)(timeout_ms / 1000), names.len ? names.buf : "no VMs");
            break;
        }
        if (cancelled(inv, err))
            break;
        clock_sleep_ms(clk, 10000);
    }
    sb_release(&path);
    sb_release(&names);
    return rc;
}
