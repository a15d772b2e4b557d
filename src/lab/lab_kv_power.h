/*
 * lab_kv_power: KubeVirt's VM lifecycle subresources, as virt-api serves
 * them (and virtctl start/stop/restart call them):
 *
 *   PUT /apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachines/NAME/start
 *   PUT .../stop
 *   PUT .../restart
 *
 * with an optional JSON body (StartOptions/StopOptions/RestartOptions;
 * dryRun ["All"] is honoured, the rest ignored), answered 202 Accepted
 * with no body. Like virt-api they only write the VirtualMachine: Halted
 * and Always/Once VMs get spec.runStrategy (or spec.running) changed,
 * Manual and RerunOnFailure VMs get a Start/Stop request appended to
 * status.stateChangeRequests; the lab controller's power reconciler
 * (lab_ctl_kubevirt.c) then acts. Refusals are KubeVirt's, as 409
 * Conflict Statuses: "VM is already running", "VM is not running",
 * "Always does not support manual start requests", ...
 */
#ifndef MTV_LAB_KV_POWER_H
#define MTV_LAB_KV_POWER_H

#include "lab/lab_req.h"
#include "lab/lab_store.h"

/* 1 when verb is start, stop or restart. */
int lab_kv_power_verb(const char *verb);
/* Serves one request for VM ns/name (verb as above). */
void lab_kv_power_handle(lab_store *store, const lab_req *req, lab_resp *resp, const char *ns,
                         const char *name, const char *verb);

#endif
