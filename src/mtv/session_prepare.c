/* session_prepare: the "prepare" step (see session.h): upstream's session
 * and class fixtures for one scenario. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/kubeconfig.h"
#include "mtv/names.h"
#include "mtv/provider_ca.h"
#include "mtv/session_int.h"
#include "mtv/status.h"
#include "providers/prepare.h"
#include "util/log.h"

static const char *jstr(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static const cJSON *param(const mtv_session *s, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(s->cfg.params, k);
}

/* Expands {session}/{rand4} in a scenario string into out, with the
 * scenario layer's expander (strings are used as written without one). */
static int expand(mtv_session *s, const char *in, strbuf *out, mtv_err *err)
{
    if (!s->cfg.expand) {
        sb_adds(out, in);
        return 0;
    }
    return s->cfg.expand(s->cfg.expand_ud, in, s->session.buf, s->rand4.buf, out, err);
}

static void names(mtv_session *s)
{
    mtv_names_session(s->t, &s->session);
    strbuf r = STRBUF_INIT;
    transport_name(s->t, "r", &r);        /* {rand4}: drawn once per session */
    sb_add(&s->rand4, r.buf + 2, 4);
    sb_release(&r);
    mtv_names_base(s->session.buf, s->type_name, provider_str(s->cfg.provider, "version"),
                   cJSON_IsTrue(param(s, "copyoffload")), &s->base);
    mtv_names_namespace(s->session.buf, settings_str(s->cfg.set, "target_namespace_prefix", "auto"),
                        &s->ns);
    mtv_names_nad_base(s->cfg.test_name ? s->cfg.test_name : s->cfg.scenario, s->session.buf,
                       &s->nad_base);
}

typedef struct provider_wait {
    int stop_on_failure;
} provider_wait;

static int pred_provider(void *ud, const cJSON *obj, mtv_err *err)
{
    const provider_wait *w = ud;
    if (!obj)
        return 0;
    strbuf why = STRBUF_INIT;
    int st = mtv_status_provider(obj, &why);
    if (st < 0 && w->stop_on_failure) {
        mtv_err_set(err, MTV_EXIT_FAILURES, "Provider %s: %s", k8s_obj_str(obj, "metadata.name"), why.buf);
        sb_release(&why);
        return -1;
    }
    sb_release(&why);
    return st == 1;
}

static int create_source_provider(mtv_session *s, strbuf *detail, mtv_err *err)
{
    const provider_entry *e = s->cfg.provider;
    const kube_config *kc = k8s_client_config(s->k8s);
    int insecure = settings_bool(s->cfg.set, "source_provider_insecure_skip_verify", 0) ||
                   (s->cfg.flags & MTV_SESSION_INSECURE);
    const char *url = mtv_provider_url(e, kc ? kc->server : NULL);
    strbuf *ca = &s->source_ca;   /* kept: the source adapter trusts it too */
    sb_reset(ca);
    if (mtv_provider_needs_ca(s->type, insecure) && mtv_provider_fetch_ca(s->t, s->cfg.provider, ca, err) < 0)
        return -1;
    mtv_names_generate(s->t, s->base.buf, NULL, &s->secret);
    mtv_secret_spec spec = {.ref = {s->secret.buf, s->ns.buf}, .entry = e, .url = url,
                            .insecure = insecure, .cacert = ca->len ? ca->buf : NULL,
                            .ca_key = (s->cfg.flags & MTV_SESSION_CA_CRT) ? "ca.crt" : "cacert",
                            .token = kc ? kc->token : NULL};
    cJSON *secret;
    int rc = mtv_cr_provider_secret(&spec, &secret, err);
    if (rc < 0 || mtv_session_create(s, &K8S_SECRET, secret, NULL, err) < 0)
        return -1;
    mtv_names_generate(s->t, s->base.buf, NULL, &s->provider);
    cJSON *p = mtv_cr_provider((mtv_ref){s->provider.buf, s->ns.buf}, e, url,
                               (mtv_ref){s->secret.buf, s->ns.buf}, cJSON_IsTrue(param(s, "copyoffload")));
    if (mtv_session_create(s, &K8S_PROVIDER, p, NULL, err) < 0)
        return -1;
    provider_wait w = {s->type != PROVIDER_OVA};
    return mtv_session_wait(s, &K8S_PROVIDER, s->ns.buf, s->provider.buf, pred_provider, &w, 600000,
                            "to be Ready", detail, err);
}

static int destination_provider(mtv_session *s, strbuf *detail, mtv_err *err)
{
    const kube_config *kc = k8s_client_config(s->k8s);
    cJSON *p;
    if (s->cfg.flags & MTV_SESSION_REMOTE) {
        sb_addf(&s->dest, "%s-destination-ocp-provider", s->session.buf);
        mtv_names_generate(s->t, s->base.buf, "-destination", &s->dest_secret);
        cJSON *tok = mtv_cr_token_secret((mtv_ref){s->dest_secret.buf, s->ns.buf},
                                         kc ? kc->token : NULL, 1);
        if (mtv_session_create(s, &K8S_SECRET, tok, NULL, err) < 0)
            return -1;
        mtv_ref sref = {s->dest_secret.buf, s->ns.buf};
        p = mtv_cr_destination((mtv_ref){s->dest.buf, s->ns.buf}, kc ? kc->server : "", &sref);
    } else {
        sb_addf(&s->dest, "%s-local-ocp-provider", s->session.buf);
        p = mtv_cr_destination((mtv_ref){s->dest.buf, s->ns.buf}, NULL, NULL);
    }
    if (mtv_session_create(s, &K8S_PROVIDER, p, NULL, err) < 0)
        return -1;
    provider_wait w = {1};
    return mtv_session_wait(s, &K8S_PROVIDER, s->ns.buf, s->dest.buf, pred_provider, &w, 600000,
                            "to be Ready", detail, err);
}

static int open_inventory(mtv_session *s, mtv_err *err)
{
    cJSON *route = NULL;
    if (k8s_get(s->k8s, &K8S_ROUTE, s->mtv_ns, "forklift-inventory", &route, err) != 0) {
        mtv_err_prefix(err, "finding the inventory (Route forklift-inventory in %s)", s->mtv_ns);
        return -1;
    }
    const char *host = k8s_obj_str(route, "spec.host");
    if (!host || !*host) {
        cJSON_Delete(route);
        return mtv_err_set(err, MTV_EXIT_ENV, "Route forklift-inventory in %s has no spec.host",
                           s->mtv_ns);
    }
    sb_addf(&s->inv_url, "https://%s", host);
    cJSON_Delete(route);
    const kube_config *kc = k8s_client_config(s->k8s);
    mtv_inventory_config ic = {.t = s->t, .base_url = s->inv_url.buf, .cancel = s->cfg.cancel};
    if (kc) {
        ic.token = kc->token;
        ic.tls.ca_file = kc->ca_file;
        ic.tls.ca_pem = kc->ca_data;
        ic.tls.insecure = kc->insecure || settings_bool(s->cfg.set, "insecure_verify_skip", 0);
    }
    return mtv_inventory_open(&s->inv, &ic, err);
}

/* Finds every scenario VM in the inventory, under the name prepare gave it
 * (a clone's); fills s->vms and s->plan_vms. */
static int inventory_vms(mtv_session *s, mtv_err *err)
{
    const cJSON *list = param(s, "virtual_machines");
    int64_t timeout = 300000;
    const cJSON *it = param(s, "inventory_timeout");
    if (cJSON_IsNumber(it) && it->valuedouble > 0)
        timeout = (int64_t)it->valuedouble * 1000;
    s->vms = cJSON_CreateArray();
    size_t n = cJSON_IsArray(list) ? (size_t)cJSON_GetArraySize(list) : 0;
    s->plan_vms = calloc(n ? n : 1, sizeof *s->plan_vms);
    if (!s->plan_vms)
        abort();
    for (const cJSON *v = n ? list->child : NULL; v; v = v->next) {
        const char *name = s->n_vms < s->n_source_vms ? s->source_vms[s->n_vms].name : jstr(v, "name");
        cJSON *rec = NULL;
        if (!name)
            return mtv_err_set(err, MTV_EXIT_USAGE, "virtual_machines[%zu] has no name", s->n_vms);
        if (mtv_inventory_wait_vm(s->inv, s->type_name, s->pid.buf, name, timeout, &rec, err) < 0)
            return -1;
        mtv_plan_vm *pv = &s->plan_vms[s->n_vms++];
        pv->id = mtv_session_keep(s, jstr(rec, "id"));
        pv->name = mtv_session_keep(s, name);
        pv->params = v;
        if (s->type == PROVIDER_OVA) {   /* never cloned: a unique target name instead */
            strbuf raw = STRBUF_INIT, tn = STRBUF_INIT;
            sb_addf(&raw, "%s-%s", s->session.buf, name);
            int rc = mtv_names_sanitize(raw.buf, MTV_NAME_MAX, &tn, err);
            if (rc == 0)
                pv->target_name = mtv_session_keep(s, tn.buf);
            sb_release(&raw);
            sb_release(&tn);
            if (rc < 0)
                return -1;
        }
        if (s->type == PROVIDER_OPENSHIFT)
            pv->namespace_ = mtv_session_keep(s, jstr(rec, "namespace"));
        cJSON_AddItemToArray(s->vms, rec);
        log_info("inventory: VM %s is %s", name, pv->id ? pv->id : "?");
    }
    if (s->n_vms == 0)
        return mtv_err_set(err, MTV_EXIT_USAGE, "the scenario names no virtual_machines");
    return 0;
}

static int hooks(mtv_session *s, mtv_err *err)
{
    static const char *const which[] = {"pre_hook", "post_hook"};
    strbuf *names_out[] = {&s->pre_hook, &s->post_hook};
    for (int i = 0; i < 2; i++) {
        const cJSON *h = param(s, which[i]);
        if (!cJSON_IsObject(h))
            continue;
        mtv_names_generate(s->t, s->base.buf, i ? "-post-hook" : "-pre-hook", names_out[i]);
        cJSON *hook;
        if (mtv_cr_hook((mtv_ref){names_out[i]->buf, s->ns.buf}, h, &hook, err) < 0 ||
            mtv_session_create(s, &K8S_HOOK, hook, NULL, err) < 0)
            return -1;
    }
    return 0;
}

static int luks(mtv_session *s, mtv_err *err)
{
    for (size_t i = 0; i < s->n_vms; i++) {
        mtv_plan_vm *pv = &s->plan_vms[i];
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pv->params, "luks")))
            continue;
        const char *pass = jstr(pv->params, "luks_passphrase");
        if (!pass)
            pass = provider_str(s->cfg.provider, "luks_passphrase");
        if (!pass)
            return mtv_err_set(err, MTV_EXIT_USAGE,
                               "VM %s has luks: true but neither it nor provider '%s' gives a "
                               "luks_passphrase",
                               pv->name, s->cfg.provider->key);
        strbuf name = STRBUF_INIT;
        mtv_names_generate(s->t, s->base.buf, "-luks", &name);
        int rc = mtv_session_create(s, &K8S_SECRET,
                                    mtv_cr_luks_secret((mtv_ref){name.buf, s->ns.buf}, pass), NULL, err);
        if (rc == 0)
            pv->luks_secret = mtv_session_keep(s, name.buf);
        sb_release(&name);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int extra_namespaces(mtv_session *s, mtv_err *err)
{
    const char *vm_ns = jstr(s->cfg.params, "vm_target_namespace");
    const char *multus = jstr(s->cfg.params, "multus_namespace");
    if (vm_ns) {
        if (expand(s, vm_ns, &s->vm_ns, err) < 0 || mtv_session_ensure_namespace(s, s->vm_ns.buf, err) < 0)
            return -1;
    } else {
        sb_adds(&s->vm_ns, s->ns.buf);
    }
    if (multus) {
        if (expand(s, multus, &s->multus_ns, err) < 0 ||
            mtv_session_ensure_namespace(s, s->multus_ns.buf, err) < 0)
            return -1;
    } else {
        sb_adds(&s->multus_ns, s->ns.buf);
    }
    return 0;
}

/* An OpenShift source's VMs: made by the run in ocp_source_namespace or,
 * as upstream does, in "<session>-source-vms" (created when missing and
 * removed by teardown), with a second NIC on the run's first NAD (made now
 * rather than by the networkmap step, which maps it to itself); found in
 * ocp_source_namespace when the run migrates existing VMs. */
static int source_namespace(mtv_session *s, mtv_err *err)
{
    if (s->type != PROVIDER_OPENSHIFT)
        return 0;
    const char *set = settings_str(s->cfg.set, "ocp_source_namespace", NULL);
    if (set)
        sb_adds(&s->ocp_src_ns, set);
    if (settings_bool(s->cfg.set, "skip_source_clone", 0))
        return 0;
    if (!set)
        sb_addf(&s->ocp_src_ns, "%s-source-vms", s->session.buf);
    if (mtv_session_ensure_namespace(s, s->ocp_src_ns.buf, err) < 0 ||
        mtv_session_create(s, &K8S_NAD, mtv_cr_nad(s->nad_base.buf, 1, s->multus_ns.buf), NULL,
                           err) < 0)
        return -1;
    s->nads_made = 1;
    sb_addf(&s->ocp_src_net, "%s/%s-1", s->multus_ns.buf, s->nad_base.buf);
    return 0;
}

int mtv_session_prepare(mtv_session *s, strbuf *detail, mtv_err *err)
{
    names(s);
    log_info("session %s: namespace %s, source %s (%s), storage class %s", s->session.buf, s->ns.buf,
             s->cfg.provider->key, s->type_name, s->cfg.storage_class ? s->cfg.storage_class : "(none)");
    if (!s->cfg.storage_class)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "no storage class: give --storage-class or set storage_class");
    if (mtv_session_ensure_namespace(s, s->ns.buf, err) < 0 || extra_namespaces(s, err) < 0 ||
        source_namespace(s, err) < 0)
        return -1;
    int rc = create_source_provider(s, detail, err);
    if (rc != 0)
        return rc;
    if (mtv_session_prepare_sources(s, err) < 0)
        return -1;
    if ((rc = destination_provider(s, detail, err)) != 0)
        return rc;
    if (open_inventory(s, err) < 0 ||
        mtv_inventory_provider_id(s->inv, s->type_name, s->provider.buf, s->ns.buf, 180000, &s->pid,
                                  err) < 0)
        return -1;
    if (inventory_vms(s, err) < 0 || hooks(s, err) < 0 || luks(s, err) < 0 ||
        mtv_session_label_node(s, err) < 0)
        return -1;
    if (cJSON_IsTrue(param(s, "warm_migration")) &&
        mtv_shared_precopy_acquire(s, settings_int(s->cfg.set, "snapshots_interval", 2), err) < 0)
        return -1;
    s->prepared = 1;
    return 0;
}
