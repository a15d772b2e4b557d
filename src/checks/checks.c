/*
 * checks: the table of post-migration checks and the one loop that runs
 * them (checks.h). Order follows upstream's check_vms, so messages read in
 * the order a user of the Python suite expects. Adding a check is one line
 * here and one file (or function) beside the others.
 */
#include "checks/checks.h"

#include <stdlib.h>
#include <string.h>

#include "checks/checks_int.h"
#include "util/log.h"

static const check_def TABLE[] = {
    {"check_ssl_configuration", 1, gate_ssl_configuration, check_ssl_configuration},
    {"check_vms_power_state", 0, NULL, check_vms_power_state},
    {"check_guest_agent", 0, gate_guest_agent, check_guest_agent},
    {"check_ssh_connectivity", 0, gate_ssh_connectivity, check_ssh_connectivity},
    {"check_static_ip_preservation", 0, gate_static_ip, check_static_ip_preservation},
    {"check_nic_name_preservation", 0, gate_nic_names, check_nic_name_preservation},
    {"check_disconnected_nic_state", 0, gate_disconnected_nic, check_disconnected_nic_state},
    {"check_vm_node_placement", 0, gate_node_placement, check_vm_node_placement},
    {"check_vm_labels", 0, gate_labels, check_vm_labels},
    {"check_vm_affinity", 0, gate_affinity, check_vm_affinity},
    {"check_cpu_features", 0, gate_cpu_features, check_cpu_features},
    {"check_vbs_status", 0, gate_vbs_status, check_vbs_status},
    {"check_cpu", 0, gate_not_ova, check_cpu},
    {"check_memory", 0, gate_not_ova, check_memory},
    {"check_network", 0, gate_network, check_network},
    {"check_storage", 0, gate_not_ova, check_storage},
    {"check_pvc_names", 0, gate_pvc_names, check_pvc_names},
    {"check_snapshots", 0, gate_snapshots, check_snapshots},
    {"check_serial_preservation", 0, gate_vsphere, check_serial_preservation},
    {"check_boot_configuration", 0, gate_vsphere, check_boot_configuration},
    {"check_false_vm_power_off", 0, gate_ovirt, check_false_vm_power_off},
    {"verify_vm_disk_count", 0, gate_disk_count, verify_vm_disk_count},
    {"check_vm_command_output", 0, gate_command_output, check_vm_command_output},
};

const check_def *checks_table(size_t *n)
{
    *n = sizeof TABLE / sizeof TABLE[0];
    return TABLE;
}

const check_def *checks_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof TABLE / sizeof TABLE[0]; i++)
        if (!strcmp(TABLE[i].name, name))
            return &TABLE[i];
    return NULL;
}

static int selected(const char *const *only, const char *name)
{
    if (!only)
        return 1;
    for (; *only; only++)
        if (!strcmp(*only, name))
            return 1;
    return 0;
}

static void run_one(const check_def *d, const check_run *r, check_vm *v, checks_vm_result *res)
{
    if (d->gate && !d->gate(r, v)) {
        check_msgs_add(&res->gated, d->name);
        return;
    }
    check_out o = {d->name, &res->msgs, 0};
    d->run(r, v, &o);
    check_msgs_add(&res->ran, d->name);
    log_msg(o.added ? LOG_WARN : LOG_DEBUG, "%s %s: %s", res->vm, d->name,
            o.added ? "mismatch" : "ok");
}

void checks_run(const check_run *r, check_vm *vms, size_t n, const char *const *only,
                checks_result *out)
{
    memset(out, 0, sizeof *out);
    out->vms = calloc(n + 1, sizeof *out->vms);
    if (!out->vms)
        abort();
    out->n = n + 1;
    out->vms[0].vm = strdup("_provider");
    if (!out->vms[0].vm)
        abort();
    size_t nt;
    const check_def *t = checks_table(&nt);
    /* provider-level checks look at no VM's records: give them the first VM for its params */
    check_vm none = {0};
    for (size_t k = 0; k < nt; k++)
        if (t[k].once && selected(only, t[k].name))
            run_one(&t[k], r, n ? &vms[0] : &none, &out->vms[0]);
    for (size_t i = 0; i < n; i++) {
        checks_vm_result *res = &out->vms[i + 1];
        res->vm = strdup(vms[i].name ? vms[i].name : "?");
        if (!res->vm)
            abort();
        for (size_t k = 0; k < nt; k++)
            if (!t[k].once && selected(only, t[k].name))
                run_one(&t[k], r, &vms[i], res);
    }
    for (size_t i = 0; i < out->n; i++)
        out->failures += out->vms[i].msgs.n;
}

void checks_result_free(checks_result *res)
{
    for (size_t i = 0; i < res->n; i++) {
        free(res->vms[i].vm);
        check_msgs_free(&res->vms[i].ran);
        check_msgs_free(&res->vms[i].gated);
        check_msgs_free(&res->vms[i].msgs);
    }
    free(res->vms);
    memset(res, 0, sizeof *res);
}

void checks_failure(const checks_result *res, strbuf *line, strbuf *detail)
{
    if (!res->failures)
        return;
    sb_adds(line, "VM validation failed \xe2\x80\x94 ");
    int first = 1;
    for (size_t i = 0; i < res->n; i++) {
        const checks_vm_result *v = &res->vms[i];
        if (!v->msgs.n)
            continue;
        sb_addf(line, "%s%s: [", first ? "" : "; ", v->vm);
        first = 0;
        if (detail)
            sb_addf(detail, "%s:\n", v->vm);
        for (size_t k = 0; k < v->msgs.n; k++) {
            sb_addf(line, "%s%s", k ? "; " : "", v->msgs.v[k]);
            if (detail)
                sb_addf(detail, "  %s\n", v->msgs.v[k]);
        }
        sb_addc(line, ']');
    }
}

void checks_ran_summary(const checks_result *res, strbuf *out)
{
    int first = 1;
    for (size_t i = 0; i < res->n; i++) {
        const checks_vm_result *v = &res->vms[i];
        if (!v->ran.n)
            continue;
        sb_addf(out, "%s%s: ", first ? "" : "; ", v->vm);
        first = 0;
        for (size_t k = 0; k < v->ran.n; k++)
            sb_addf(out, "%s%s", k ? ", " : "", v->ran.v[k]);
    }
}
