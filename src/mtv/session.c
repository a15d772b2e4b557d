/* session: construction, teardown and the helpers every step uses (see
 * session.h and session_int.h). */
#include <stdlib.h>
#include <string.h>

#include "mtv/retry.h"
#include "mtv/session_int.h"
#include "mtv/status.h"
#include "mtv/teardown.h"
#include "providers/prepare.h"
#include "util/log.h"

#define WAIT_SLICE_MS 5000   /* one watch per slice: a quiet stream is opened again this often */

int mtv_session_new(mtv_session **out, const mtv_session_config *cfg, mtv_err *err)
{
    *out = NULL;
    if (!cfg->k8s || !cfg->t || !cfg->ledger || !cfg->provider || !cfg->shared)
        return mtv_err_set(err, MTV_EXIT_USAGE, "a session needs a cluster client, a transport, a "
                                                "ledger, a source provider and the run's shared state");
    if (cfg->provider->type == PROVIDER_UNKNOWN)
        return mtv_err_set(err, MTV_EXIT_USAGE, "provider '%s' has no known type", cfg->provider->key);
    mtv_session *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->cfg = *cfg;
    s->k8s = cfg->k8s;
    s->t = cfg->t;
    s->shared = cfg->shared;
    s->type = cfg->provider->type;
    s->type_name = provider_type_name(s->type);
    s->mtv_ns = settings_str(cfg->set, "mtv_namespace", "openshift-mtv");
    *out = s;
    return 0;
}

void mtv_session_free(mtv_session *s)
{
    if (!s)
        return;
    mtv_shared_precopy_release(s);
    /* first: its logout still trusts source_ca */
    source_close(s->teardown_source);
    strbuf *bufs[] = {&s->session, &s->base, &s->ns, &s->vm_ns, &s->multus_ns, &s->nad_base,
                      &s->rand4, &s->secret, &s->provider, &s->dest, &s->dest_secret,
                      &s->offload_secret, &s->storagemap, &s->networkmap, &s->pre_hook,
                      &s->post_hook, &s->plan, &s->migration, &s->migration_uid, &s->inv_url,
                      &s->pid, &s->source_ca, &s->ocp_src_ns, &s->ocp_src_net};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        sb_release(bufs[i]);
    mtv_inventory_free(s->inv);
    cJSON_Delete(s->vms);
    free(s->plan_vms);
    source_prepare_free(s->source_vms, s->n_source_vms);
    for (size_t i = 0; i < s->n_owned; i++)
        free(s->owned[i]);
    free(s->owned);
    free(s);
}

const char *mtv_session_id(const mtv_session *s)
{
    return s->session.len ? s->session.buf : NULL;
}

const char *mtv_session_keep(mtv_session *s, const char *str)
{
    if (!str)
        return NULL;
    s->owned = realloc(s->owned, (s->n_owned + 1) * sizeof *s->owned);
    if (!s->owned)
        abort();
    char *d = strdup(str);
    if (!d)
        abort();
    s->owned[s->n_owned++] = d;
    return d;
}

int mtv_session_cancelled(mtv_session *s, mtv_err *err)
{
    if (s->cfg.cancel && atomic_load(s->cfg.cancel))
        return mtv_err_set(err, MTV_EXIT_ENV, "cancelled: the run is being interrupted");
    return 0;
}

/* k8s_get into OUT, which may be NULL when the caller needs no copy. */
static int get_into(mtv_session *s, const k8s_kind *k, const char *ns, const char *name,
                    cJSON **out, mtv_err *err)
{
    cJSON *obj = NULL;
    int rc = k8s_get(s->k8s, k, ns, name, &obj, err);
    if (out && rc == 0)
        *out = obj;
    else
        cJSON_Delete(obj);
    return rc;
}

/* POST is not retried by the transport (it could create twice); names here
 * are fixed, so after a failure that may be transient, a GET tells whether
 * the object exists (the POST got through) before the POST is sent again:
 * never a duplicate, and a 500, 429 or dropped connection changes nothing. */
static int create_retrying(mtv_session *s, const k8s_kind *k, const char *ns, const char *name,
                           const cJSON *obj, cJSON **out, mtv_err *err)
{
    int rc = -1;
    for (int attempt = 0; attempt < 5; attempt++) {
        if (attempt) {
            clock_sleep_ms(transport_clock(s->t), 1000LL << (attempt - 1));
            mtv_err gerr;
            int got = get_into(s, k, ns, name, out, &gerr);
            if (got == 0) {
                log_info("%s %s%s%s exists after a failed create: it got through", k->kind,
                         ns ? ns : "", ns ? "/" : "", name);
                return 0;
            }
            log_warn("creating %s %s again after: %s", k->kind, name, err->msg);
        }
        rc = k8s_create(s->k8s, k, ns, obj, out, err);
        if (rc == K8S_EXISTS) {
            log_info("%s %s%s%s already exists (a retried create): using it", k->kind, ns ? ns : "",
                     ns ? "/" : "", name);
            return get_into(s, k, ns, name, out, err);
        }
        if (rc == 0 || !mtv_retryable(err->msg))
            return rc;
    }
    return rc;
}

int mtv_session_create(mtv_session *s, const k8s_kind *k, cJSON *obj, cJSON **out, mtv_err *err)
{
    if (out)
        *out = NULL;
    const char *name = k8s_obj_str(obj, "metadata.name");
    const char *ns = k->namespaced ? k8s_obj_str(obj, "metadata.namespace") : NULL;
    char av[128];
    mtv_kind_api_version(k, av, sizeof av);
    ledger_item it = {.side = "cluster", .kind = k->kind, .api_version = av, .namespace_ = ns,
                      .name = name, .scenario = s->cfg.scenario,
                      .session = s->session.len ? s->session.buf : NULL};
    int rc = ledger_record(s->cfg.ledger, &it, clock_now_ms(transport_clock(s->t)), err);
    if (rc == 0)
        rc = create_retrying(s, k, ns, name, obj, out, err);
    if (rc == 0)
        log_info("created %s %s%s%s", k->kind, ns ? ns : "", ns ? "/" : "", name);
    else
        mtv_err_prefix(err, "creating %s %s", k->kind, name ? name : "?");
    cJSON_Delete(obj);
    return rc == 0 ? 0 : -1;
}

static int pred_active(void *ud, const cJSON *obj, mtv_err *err)
{
    (void)ud;
    (void)err;
    const char *phase = obj ? k8s_obj_str(obj, "status.phase") : NULL;
    return phase && !strcmp(phase, "Active");
}

int mtv_session_ensure_namespace(mtv_session *s, const char *name, mtv_err *err)
{
    cJSON *got = NULL;
    int rc = k8s_get(s->k8s, &K8S_NAMESPACE, NULL, name, &got, err);
    cJSON_Delete(got);
    if (rc == 0)
        return 0;
    if (rc != K8S_NOT_FOUND)
        return -1;
    if (mtv_session_create(s, &K8S_NAMESPACE, mtv_cr_namespace(name), NULL, err) < 0)
        return -1;
    strbuf detail = STRBUF_INIT;
    rc = mtv_session_wait(s, &K8S_NAMESPACE, NULL, name, pred_active, NULL, 120000, "to be Active",
                          &detail, err);
    sb_release(&detail);
    return rc == 0 ? 0 : -1;
}

typedef struct wait_ctx {
    k8s_pred_fn pred;
    void *ud;
    mtv_session *s;
    int cancelled, gave_up;
    cJSON *last;
} wait_ctx;

static int wrap_pred(void *ud, const cJSON *obj, mtv_err *err)
{
    wait_ctx *w = ud;
    if (mtv_session_cancelled(w->s, err) < 0) {
        w->cancelled = 1;
        return -1;
    }
    if (obj) {
        cJSON_Delete(w->last);
        w->last = cJSON_Duplicate(obj, 1);
    }
    int r = w->pred(w->ud, obj, err);
    if (r < 0)
        w->gave_up = 1;
    return r;
}

static void wrap_describe(void *ud, const cJSON *obj, strbuf *out)
{
    (void)ud;
    if (obj)
        mtv_status_describe(obj, out);
}

int mtv_session_wait(mtv_session *s, const k8s_kind *k, const char *ns, const char *name,
                     k8s_pred_fn pred, void *ud, int64_t timeout_ms, const char *what,
                     strbuf *detail, mtv_err *err)
{
    mtv_clock *clk = transport_clock(s->t);
    clock_deadline dl = clock_deadline_in(clk, timeout_ms);
    wait_ctx w = {pred, ud, s, 0, 0, NULL};
    int rc;
    for (;;) {
        int64_t left = clock_deadline_left_ms(clk, dl);
        int64_t slice = left < WAIT_SLICE_MS ? left : WAIT_SLICE_MS;
        int64_t started = clock_mono_ms(clk);
        if (slice <= 0) {
            rc = MTV_STEP_FAILED;
            break;
        }
        rc = k8s_wait_for_cancel(s->k8s, k, ns, name, wrap_pred, wrap_describe, &w, slice, s->cfg.cancel,
                                 err);
        if (rc == 0)
            break;
        if (w.cancelled || (s->cfg.cancel && atomic_load(s->cfg.cancel))) {
            rc = -1;
            break;
        }
        if (w.gave_up) {
            rc = MTV_STEP_FAILED;
            break;
        }
        if (clock_mono_ms(clk) - started < slice) {   /* not a timeout: the API failed */
            rc = -1;
            break;
        }
        if (clock_deadline_passed(clk, dl)) {
            rc = MTV_STEP_FAILED;
            break;
        }
    }
    if (rc == MTV_STEP_FAILED && !w.gave_up) {
        mtv_err_set(err, MTV_EXIT_FAILURES, "%s %s%s%s did not get %s within %lld s", k->kind,
                    ns ? ns : "", ns ? "/" : "", name, what, (long long)(timeout_ms / 1000));
    }
    if (rc != 0 && w.last && detail) {
        if (detail->len)
            sb_addc(detail, '\n');
        mtv_status_describe(w.last, detail);
    }
    cJSON_Delete(w.last);
    return rc;
}

long mtv_session_teardown(mtv_session *s, strbuf *leftovers, mtv_err *err)
{
    mtv_shared_precopy_release(s);
    mtv_teardown_opts o = {.scenario = s->cfg.scenario, .source_delete = mtv_session_source_delete,
                           .source_ud = s};
    return mtv_teardown(s->k8s, s->cfg.ledger, &o, leftovers, err);
}
