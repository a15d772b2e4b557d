/* check_nic: each source NIC lands, under its MAC, on the network the
 * NetworkMap sends its source network to; a NIC added disconnected stays
 * disconnected. */
#include <string.h>

#include "checks/checks_int.h"

int gate_network(const check_run *r, const check_vm *v)
{
    (void)v;
    return !check_source_is(r, "ova") && !check_source_is(r, "openshift");
}

static const char *after_slash(const char *s)
{
    const char *p = s ? strrchr(s, '/') : NULL;
    return p ? p + 1 : s;
}

/* The map entry whose source is this NIC's network. */
static const cJSON *map_entry(const cJSON *map, const vm_nic *n)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, k8s_obj_get(map, "spec.map"))
    {
        const char *id = k8s_obj_str(e, "source.id"), *name = k8s_obj_str(e, "source.name");
        const char *type = k8s_obj_str(e, "source.type");
        if (id && n->network_id && !strcmp(id, n->network_id))
            return e;
        if (name && n->network_name && !strcmp(after_slash(name), after_slash(n->network_name)))
            return e;
        if (type && n->network_name && !strcmp(type, n->network_name))
            return e;
    }
    return NULL;
}

void check_network(const check_run *r, check_vm *v, check_out *o)
{
    if (!r->network_map) {
        check_fail(o, "the NetworkMap could not be read");
        return;
    }
    for (size_t i = 0; i < v->src->nnics; i++) {
        const vm_nic *n = &v->src->nics[i];
        const char *net = n->network_name ? n->network_name : n->network_id;
        const cJSON *e = map_entry(r->network_map, n);
        if (!e) {
            check_fail(o, "NIC %s: its network %s is not in the NetworkMap", n->mac ? n->mac : "?",
                       net ? net : "(unknown)");
            continue;
        }
        const char *dtype = k8s_obj_str(e, "destination.type");
        if (dtype && !strcmp(dtype, "ignored"))
            continue;
        const char *want = dtype && !strcmp(dtype, "pod") ? "pod" : k8s_obj_str(e, "destination.name");
        const vm_nic *d = target_vm_nic_by_mac(v->dst, n->mac);
        if (!d)
            check_fail(o, "NIC %s (network %s): expected on network %s, no destination NIC has "
                          "that MAC",
                       n->mac ? n->mac : "?", net ? net : "?", want ? want : "?");
        else if (!want || !d->network_name || strcmp(want, d->network_name))
            check_fail(o, "NIC %s (network %s): expected network %s, got %s", n->mac, net ? net : "?",
                       want ? want : "?", d->network_name ? d->network_name : "none");
    }
}

int gate_disconnected_nic(const check_run *r, const check_vm *v)
{
    return check_vm_param_true(v, "add_nic") && check_source_is(r, "vsphere");
}

void check_disconnected_nic_state(const check_run *r, check_vm *v, check_out *o)
{
    (void)r;
    int want_up = check_vm_param_true(v, "add_nic_start_connected");
    const char *mac = v->added_nic_mac ? v->added_nic_mac
                                       : cJSON_GetStringValue(check_vm_param(
                                             v, want_up ? "connected_nic_mac" : "disconnected_nic_mac"));
    /* without the MAC the preparation recorded: the clone's last NIC, the added one */
    if (!mac && v->src->nnics > 1)
        mac = v->src->nics[v->src->nnics - 1].mac;
    if (!mac) {
        check_fail(o, "the added NIC is unknown: no %s in the scenario and the source VM has "
                      "%zu NIC(s)",
                   want_up ? "connected_nic_mac" : "disconnected_nic_mac", v->src->nnics);
        return;
    }
    const vm_nic *d = target_vm_nic_by_mac(v->dst, mac);
    if (!d)
        check_fail(o, "the added NIC %s is missing on the destination VM", mac);
    else if (d->connected != want_up)
        check_fail(o, "the added NIC %s: expected link %s, got %s", mac, want_up ? "up" : "down",
                   d->connected ? "up" : "down");
}
