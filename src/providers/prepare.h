/*
 * prepare: getting a scenario's source VMs ready, the source half of
 * upstream's prepared_plan fixture.
 *
 * For each virtual_machines[i] of a scenario's params: pick the source (the
 * copy-offload default_vm_name for "clone": true VMs), clone it to a
 * run-unique name unless the plan says skip_clone or the type cannot clone
 * (OVA), with the VM's clone options (disk_type, add_disks, target datastore
 * and host, add_nic, changed block tracking for warm plans); set its power
 * per source_vm_power; wait for guest information when it is on and the
 * scenario needs the guest (guest_agent, preserve_static_ips); then read its
 * record, which the runner stores as source_vms_data.
 *
 * The seam with the lifecycle code: source_prepare stops there. Waiting for
 * the clones to show up in the Forklift inventory (two-phase, MAC
 * convergence) belongs to the lifecycle, which gets every prepared VM's name
 * and id from the result. Clones are reported through the provider's
 * on_created callback as they are made, so a failure half-way leaves nothing
 * the teardown ledger does not know about.
 *
 * Ownership: *vms is an array the caller frees (elements and array) with
 * source_prepare_free; the spec pointers in it borrow from opts->params.
 */
#ifndef MTV_PROVIDERS_PREPARE_H
#define MTV_PROVIDERS_PREPARE_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "providers/provider.h"

typedef struct prepare_options {
    const cJSON *params;          /* the scenario's params (upstream tests_params body) */
    const char *name_prefix;      /* the run's session id ("auto-k3x9q2"), prefix of clone names */
    int64_t power_timeout_ms;     /* default 600 s */
    int skip_clone;               /* 1: as the scenario's skip_clone, for every scenario */
} prepare_options;

typedef struct prepared_vm {
    const cJSON *spec;            /* virtual_machines[i] (borrowed) */
    char *source_name;            /* the VM or template the clone was made from */
    char *name;                   /* the VM the plan migrates (the clone, or the source) */
    char *id;                     /* its platform id */
    int cloned;
    enum vm_power original_power; /* before we touched it (skip_clone: restore at teardown) */
    vm_record record;             /* after power and guest waits */
    char *connected_nic_mac;      /* add_nic: the added NIC's MAC, by its start state */
    char *disconnected_nic_mac;
} prepared_vm;

/* Prepares every VM, in order. On failure *vms holds the VMs prepared so far
 * (*n of them; free it all the same) and err says which VM and step failed. */
int source_prepare(source_provider *p, const prepare_options *opts, prepared_vm **vms,
                   size_t *n, mtv_err *err);
void source_prepare_free(prepared_vm *vms, size_t n);

#endif
