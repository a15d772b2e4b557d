/* check_step: see check_step.h. Gathering is here (which objects, which
 * names, which source); deciding is in src/checks. */
#include "runner/check_step.h"

#include <stdlib.h>
#include <string.h>

#include "checks/check_io.h"
#include "checks/checks.h"
#include "mtv/crs.h"
#include "providers/prepare.h"
#include "providers/provider.h"
#include "util/log.h"

static cJSON *get_or_null(k8s_client *c, const k8s_kind *k, const char *ns, const char *name)
{
    if (!name)
        return NULL;
    cJSON *o = NULL;
    mtv_err err;
    mtv_err_clear(&err);
    int rc = k8s_get(c, k, ns, name, &o, &err);
    if (rc != 0) {
        log_warn("check_vms: reading %s %s/%s: %s", k->kind, ns ? ns : "", name,
                 rc < 0 ? err.msg : "not found");
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* The migrated VM's name: the Plan's targetName, else the status' newName,
 * else the source name (upstream's resolve_destination_vm_name). */
static const char *destination_name(const cJSON *plan, const mtv_plan_vm *pv)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, k8s_obj_get(plan, "spec.vms"))
    {
        const char *id = k8s_obj_str(v, "id"), *tn = k8s_obj_str(v, "targetName");
        if (id && pv->id && !strcmp(id, pv->id) && tn)
            return tn;
    }
    cJSON_ArrayForEach(v, k8s_obj_get(plan, "status.migration.vms"))
    {
        const char *id = k8s_obj_str(v, "id"), *nn = k8s_obj_str(v, "newName");
        if (id && pv->id && !strcmp(id, pv->id) && nn)
            return nn;
    }
    return pv->target_name ? pv->target_name : pv->name;
}

/* The node carrying the scenario's target_node_selector label, when exactly
 * one does (a null value stands for the session id). */
static char *labeled_node(k8s_client *c, const cJSON *params, const char *session)
{
    const cJSON *sel = cJSON_GetObjectItemCaseSensitive(params, "target_node_selector");
    if (!cJSON_IsObject(sel) || cJSON_GetArraySize(sel) != 1)
        return NULL;
    const cJSON *l = sel->child;
    const char *value = cJSON_IsNull(l) ? session : cJSON_GetStringValue(l);
    if (!value)
        return NULL;
    strbuf ls = STRBUF_INIT;
    sb_addf(&ls, "%s=%s", l->string, value);
    k8s_list_opts lo = {.label_selector = ls.buf};
    cJSON *list = NULL;
    mtv_err err;
    mtv_err_clear(&err);
    char *node = NULL;
    if (k8s_list(c, &K8S_NODE, NULL, &lo, &list, &err) == 0) {
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(list, "items");
        if (cJSON_GetArraySize(items) == 1)
            node = strdup(k8s_obj_str(cJSON_GetArrayItem(items, 0), "metadata.name"));
        else
            log_warn("check_vms: %d nodes carry %s; node placement is not checked",
                     cJSON_GetArraySize(items), ls.buf);
    }
    cJSON_Delete(list);
    sb_release(&ls);
    return node;
}

enum step_status runner_check_step(const check_step_ctx *c, const char *const *only,
                                   strbuf *detail, mtv_err *err)
{
    mtv_session_facts f;
    mtv_session_get_facts(c->session, &f);
    if (!f.plan || !f.n_vms) {
        mtv_err_set(err, MTV_EXIT_ENV, "no Plan to check: the plan step did not create one");
        return STEP_ERROR;
    }
    cJSON *plan = get_or_null(c->k8s, &K8S_PLAN, f.namespace_, f.plan);
    cJSON *nmap = get_or_null(c->k8s, &K8S_NETWORKMAP, f.namespace_, f.network_map);
    cJSON *smap = get_or_null(c->k8s, &K8S_STORAGEMAP, f.namespace_, f.storage_map);
    cJSON *secret = get_or_null(c->k8s, &K8S_SECRET, f.namespace_, f.source_secret);
    strbuf ocp = STRBUF_INIT;
    mtv_err verr;
    mtv_err_clear(&verr);
    if (target_cluster_version(c->k8s, &ocp, &verr) < 0)
        log_warn("check_vms: %s", verr.msg);
    char *node = labeled_node(c->k8s, c->params, f.session);
    const char *tmpl = NULL;
    mtv_err terr;
    mtv_err_clear(&terr);
    if (mtv_pvc_name_template(c->params, f.provider_type, &tmpl, &terr) < 0)
        log_warn("check_vms: %s", terr.msg);
    int insecure = settings_bool(c->set, "source_provider_insecure_skip_verify", 0);

    enum step_status verdict = STEP_PASSED;
    source_provider *src = NULL;
    if (mtv_session_source_open(c->session, &src, err) < 0) {
        mtv_err_prefix(err, "re-reading the source VMs");
        verdict = STEP_ERROR;
        goto out;
    }
    net_endpoint ep;
    net_endpoint_init(&ep);
    kubeconfig_endpoint(k8s_client_config(c->k8s), &ep);
    check_io_real io_state = {.t = c->t, .cluster = &ep, .entry = c->provider, .source = src,
                              .retry_total_ms = (long)settings_int(c->set, "guest_ssh_timeout", 300) * 1000,
                              .cancel = c->cancel};
    check_run run = {
        .provider_type = f.provider_type,
        .params = c->params,
        .plan = plan,
        .network_map = nmap,
        .storage_map = smap,
        .provider_secret = secret,
        .expect_insecure = insecure,
        .storage_class = c->storage_class,
        .session_id = f.session,
        .labeled_node = node,
        .ocp_version = ocp.len ? ocp.buf : NULL,
        .pvc_name_template = tmpl,
        .static_ip_timeout_ms = (int64_t)settings_int(c->set, "static_ip_timeout", 600) * 1000,
    };
    check_io_init(&run.io, &io_state);

    size_t n = f.n_vms;
    check_vm *vms = calloc(n, sizeof *vms);
    vm_record *srcs = calloc(n, sizeof *srcs);
    target_vm *dsts = calloc(n, sizeof *dsts);
    check_msgs *read_errs = calloc(n, sizeof *read_errs);
    if (!vms || !srcs || !dsts || !read_errs)
        abort();
    size_t usable = 0;
    for (size_t i = 0; i < n; i++) {
        const mtv_plan_vm *pv = &f.vms[i];
        vm_record_init(&srcs[i]);
        target_vm_init(&dsts[i]);
        if (c->cancel && atomic_load(c->cancel))
            continue;   /* interrupted: the VMs left are not read */
        mtv_err e;
        mtv_err_clear(&e);
        if (source_vm_info(src, pv->name, &srcs[i], &e) < 0) {
            strbuf m = STRBUF_INIT;
            sb_addf(&m, "source vm_dict - reading source VM %s failed: %s", pv->name, e.msg);
            check_msgs_add(&read_errs[i], m.buf);
            sb_release(&m);
            continue;
        }
        const cJSON *ga_timeout = cJSON_GetObjectItemCaseSensitive(c->params, "guest_agent_timeout");
        target_read_opts ro = {
            .wait_guest_agent = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pv->params, "guest_agent")),
            .agent_timeout_ms = cJSON_IsNumber(ga_timeout) ? (int64_t)(ga_timeout->valuedouble * 1000) : 0,
            .cancel = c->cancel,
        };
        const char *dname = destination_name(plan, pv);
        strbuf note = STRBUF_INIT;
        mtv_err_clear(&e);
        if (target_vm_read(c->k8s, f.vm_namespace, dname, &ro, &dsts[i], &note, &e) < 0) {
            strbuf m = STRBUF_INIT;
            sb_addf(&m, "destination vm_dict - reading VirtualMachine %s/%s failed: %s", f.vm_namespace,
                    dname, e.msg);
            check_msgs_add(&read_errs[i], m.buf);
            sb_release(&m);
            sb_release(&note);
            continue;
        }
        if (note.len)
            log_info("check_vms: %s: %s", pv->name, note.buf);
        sb_release(&note);
        const prepared_vm *before = i < f.n_prepared ? &f.prepared[i] : NULL;
        vms[usable++] = (check_vm){
            .name = pv->name, .params = pv->params, .src = &srcs[i],
            .src_before = before ? &before->record : NULL, .dst = &dsts[i],
            .added_nic_mac = !before                    ? NULL
                             : before->connected_nic_mac ? before->connected_nic_mac
                                                         : before->disconnected_nic_mac};
    }
    checks_result res;
    checks_run(&run, vms, usable, only, &res);
    strbuf ran = STRBUF_INIT;
    for (size_t i = 0; i < res.n; i++) {
        const checks_vm_result *v = &res.vms[i];
        if (!v->ran.n && !v->gated.n)
            continue;
        sb_reset(&ran);
        for (size_t k = 0; k < v->ran.n; k++)
            sb_addf(&ran, "%s%s", k ? ", " : "", v->ran.v[k]);
        log_info("checks run for %s: %s", v->vm, ran.len ? ran.buf : "none");
        sb_reset(&ran);
        for (size_t k = 0; k < v->gated.n; k++)
            sb_addf(&ran, "%s%s", k ? ", " : "", v->gated.v[k]);
        if (ran.len)
            log_info("checks not applicable to %s: %s", v->vm, ran.buf);
    }
    sb_release(&ran);
    /* VMs that could not be read count as failures of the step too */
    strbuf line = STRBUF_INIT;
    checks_failure(&res, &line, detail);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < read_errs[i].n; k++) {
            sb_addf(&line, "%s%s: [%s]", line.len ? "; " : "VM validation failed \xe2\x80\x94 ",
                    f.vms[i].name, read_errs[i].v[k]);
            if (detail)
                sb_addf(detail, "%s:\n  %s\n", f.vms[i].name, read_errs[i].v[k]);
        }
        check_msgs_free(&read_errs[i]);
    }
    if (c->cancel && atomic_load(c->cancel)) {
        /* the checks were cut short: their messages are no verdict on the VM */
        mtv_err_set(err, MTV_EXIT_ENV, "cancelled: the run is being interrupted (check_vms did not finish)");
        verdict = STEP_ERROR;
    } else if (line.len) {
        mtv_err_set(err, MTV_EXIT_FAILURES, "%s", line.buf);
        verdict = STEP_FAILED;
    }
    sb_release(&line);
    checks_result_free(&res);
    for (size_t i = 0; i < n; i++) {
        vm_record_free(&srcs[i]);
        target_vm_free(&dsts[i]);
    }
    free(vms);
    free(srcs);
    free(dsts);
    free(read_errs);
out:
    source_close(src);
    free(node);
    sb_release(&ocp);
    cJSON_Delete(plan);
    cJSON_Delete(nmap);
    cJSON_Delete(smap);
    cJSON_Delete(secret);
    return verdict;
}
