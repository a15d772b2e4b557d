/* session_source: the source side of a session (see session.h): opening the
 * scenario's source adapter with the trust the session established for the
 * source Provider, upstream's prepared_plan preparation of the source VMs
 * (clone, power, guest wait, the record kept as source_vms_data), and
 * deleting what that preparation created at teardown.
 *
 * Every source object an adapter creates is written to the ledger from the
 * adapter's on_created callback, the moment it exists, so a run killed
 * half-way leaves nothing resources.json does not list. */
#include <stdlib.h>
#include <string.h>

#include "mtv/session_int.h"
#include "providers/prepare.h"
#include "util/log.h"

static void created(void *ud, const char *provider_type, const char *kind, const char *id,
                    const char *name)
{
    mtv_session *s = ud;
    ledger_item it = {.side = "source", .kind = kind, .id = id, .name = name,
                      .provider = s->cfg.provider->key, .provider_type = provider_type,
                      .scenario = s->cfg.scenario,
                      .session = s->session.len ? s->session.buf : NULL};
    mtv_err err;
    if (ledger_record(s->cfg.ledger, &it, clock_now_ms(transport_clock(s->t)), &err) < 0)
        log_error("resources.json: recording %s %s %s: %s", provider_type, kind, id, err.msg);
    else
        log_info("created %s %s %s%s%s%s on the source", provider_type, kind, id, name ? " (" : "",
                 name ? name : "", name ? ")" : "");
}

int mtv_session_source_open(mtv_session *s, struct source_provider **out, mtv_err *err)
{
    int insecure = settings_bool(s->cfg.set, "source_provider_insecure_skip_verify", 0) ||
                   (s->cfg.flags & MTV_SESSION_INSECURE);
    source_config sc = {
        .t = s->t,
        .entry = s->cfg.provider,
        .file = s->cfg.providers,
        .insecure = insecure,
        .ca_pem = s->source_ca.len ? s->source_ca.buf : NULL,
        .ova_dir = settings_str(s->cfg.set, "ova_dir", NULL),
        /* the OpenShift source is the cluster the session talks to, as the
         * Provider the session creates for it says (its url is the cluster's) */
        .kube = s->type == PROVIDER_OPENSHIFT ? k8s_client_config(s->k8s) : NULL,
        .ocp_namespace = s->ocp_src_ns.len ? s->ocp_src_ns.buf
                                           : settings_str(s->cfg.set, "ocp_source_namespace", NULL),
        .ocp_datasource = settings_str(s->cfg.set, "ocp_source_datasource", NULL),
        .ocp_network = s->ocp_src_net.len ? s->ocp_src_net.buf : NULL,
        .cancel = s->cfg.cancel,
        .on_created = created,
        .created_ud = s,
    };
    return source_open(out, &sc, err);
}

int mtv_session_prepare_sources(mtv_session *s, mtv_err *err)
{
    source_provider *p = NULL;
    if (mtv_session_source_open(s, &p, err) < 0) {
        mtv_err_prefix(err, "preparing the source VMs");
        return -1;
    }
    prepare_options po = {.params = s->cfg.params, .name_prefix = s->session.buf,
                          .skip_clone = settings_bool(s->cfg.set, "skip_source_clone", 0)};
    int rc = source_prepare(p, &po, &s->source_vms, &s->n_source_vms, err);
    source_close(p);
    return rc;
}

int mtv_session_source_delete(void *ud, const ledger_entry *e, mtv_err *err)
{
    mtv_session *s = ud;
    if (!e->provider || strcmp(e->provider, s->cfg.provider->key) != 0)
        return mtv_err_set(err, MTV_EXIT_ENV, "made on source provider '%s', not this run's '%s'",
                           e->provider ? e->provider : "?", s->cfg.provider->key);
    if (!s->teardown_source && mtv_session_source_open(s, &s->teardown_source, err) < 0)
        return -1;
    int rc = source_delete(s->teardown_source, e->kind, e->id, e->name, err);
    if (rc == 0)
        log_info("deleted %s %s %s on the source", e->provider_type ? e->provider_type : "",
                 e->kind, e->name ? e->name : e->id);
    return rc;
}
