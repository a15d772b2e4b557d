/*
 * lab_faults: what can be made to go wrong in the lab (`--faults FILE`),
 * so the validator's failure paths can be exercised on demand.
 *
 * A faults file is JSON:
 *
 *   {"seed": 7,
 *    "vms": [
 *      {"vm": "mtv-tests-rhel8", "plan": "p1", "fail_at": "DiskTransfer",
 *       "reason": "Unable to connect to the source disk."},
 *      {"vm": "web-*", "hang_at": "ImageConversion"},
 *      {"vm": "db", "wrong": {"labels": {"app": "other"}, "power": "off",
 *                             "cpu": {"sockets": 3, "cores": 1}, "memory": "512Mi",
 *                             "mac": "02:00:00:00:00:99", "network": "pod",
 *                             "storage_class": "slow", "pvc_name": "wrong-name",
 *                             "node": "worker-2", "affinity": null,
 *                             "link": {"00:50:56:aa:bb:cc": "up"}, "disks": 1}},
 *      {"vm": "vsphere-vm", "source": {"snapshot": "add"}},
 *      {"vm": "ovirt-vm", "source": {"stop_event": true}}],
 *    "plans": [{"plan": "stuck-*", "never_ready": "Storage array unreachable."}],
 *    "providers": [{"provider": "*", "secret": {"insecureSkipVerify": "true"}}],
 *    "api": [{"path": "/apis/forklift.konveyor.io/", "method": "GET", "rate": 0.5,
 *             "fault": "429", "retry_after": 2, "count": 3}]}
 *
 * "vm" and "plan" are shell patterns (fnmatch) on the source VM name and
 * the Plan name; "plan" may be left out. A step name is a pipeline step
 * (Initialize, PreHook, DiskTransfer, DiskAllocation, ImageConversion,
 * DiskTransferV2v, Cutover, VirtualMachineCreation, PostHook, ...). API
 * faults: "500", "429" (with Retry-After), "reset" (connection closed
 * without an answer), "slow" (the body trickles out, "delay_ms" per
 * chunk), "truncate" (the connection closes halfway through the body),
 * "drop_watch" (a watch stream ends abruptly after "after_events" events).
 * "rate" is the probability per matching request (seeded, so runs
 * repeat), "count" caps how many times the fault fires (0 = no cap).
 *
 * Thread-safe (API-fault counters and the random source are locked).
 * Ownership: lab_faults_free releases what lab_faults_load made.
 */
#ifndef MTV_LAB_FAULTS_H
#define MTV_LAB_FAULTS_H

#include <cjson/cJSON.h>

#include "lab/lab_req.h"
#include "util/err.h"

typedef struct lab_faults lab_faults;

/* path NULL = no faults (an empty set). */
int lab_faults_load(lab_faults **out, const char *path, mtv_err *err);
int lab_faults_parse(lab_faults **out, const char *name, const char *text, mtv_err *err);
void lab_faults_free(lab_faults *f);

/* The reason a VM fails at a pipeline step, or NULL. */
const char *lab_faults_vm_fail(const lab_faults *f, const char *plan, const char *vm,
                               const char *step);
/* Whether the VM hangs at that step. */
int lab_faults_vm_hang(const lab_faults *f, const char *plan, const char *vm, const char *step);
/* The "wrong" object for a VM (borrowed), or NULL. */
const cJSON *lab_faults_vm_wrong(const lab_faults *f, const char *plan, const char *vm);
/* The "source" object for a VM (borrowed), or NULL: what happens to the
 * source VM when the migration stops it ("snapshot": "add"/"remove",
 * "stop_event": true). */
const cJSON *lab_faults_vm_source(const lab_faults *f, const char *plan, const char *vm);
/* The Secret keys and values the lab stores in a Provider's Secret instead
 * of the client's (borrowed), or NULL. */
const cJSON *lab_faults_provider_secret(const lab_faults *f, const char *provider);
/* The message a Plan's Critical condition carries when it must never be
 * Ready, or NULL. */
const char *lab_faults_plan_blocked(const lab_faults *f, const char *plan);

/* API faults, applied to a response the server is about to send: may
 * replace it (500, 429) or mark it for the transport to misbehave
 * (reset, slow, truncate, drop). Returns 1 when a fault fired. */
int lab_faults_api(lab_faults *f, const lab_req *req, lab_resp *resp);

#endif
