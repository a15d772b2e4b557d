/*
 * target_vm: the migrated VM as the checks see it, read from KubeVirt the way
 * upstream's OCPProvider.vm_dict reads it (research/mtv-api-tests.md §3.5):
 * the VirtualMachine, its VirtualMachineInstance (when running) and the PVCs
 * behind its volumes.
 *
 * The comparable part is a vm_record built by providers/kubevirt.h, the
 * same reading the OpenShift source adapter uses, so a check compares like
 * with like (rules there; disks are found by their claim, device_key), with
 * one difference: no instance means no guest agent (0, not unknown),
 * and beside it what only a KubeVirt VM has: namespace, printable status,
 * node, template labels, affinity, CPU features with their policies and the access
 * mode of each disk's PVC.
 *
 * Parsing (target_vm_from_objects) is a pure function over the objects, so
 * it runs on recorded shapes; reading (target_vm_read) goes through the
 * Kubernetes client, so it records and replays.
 *
 * Ownership: a target_vm owns everything in it; target_vm_free releases it.
 * Objects passed in are borrowed (copied where kept).
 */
#ifndef MTV_CHECKS_TARGET_VM_H
#define MTV_CHECKS_TARGET_VM_H

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdint.h>

#include "k8s/client.h"
#include "providers/vm_record.h"
#include "util/err.h"
#include "util/strbuf.h"

typedef struct target_vm {
    vm_record rec;
    char *namespace;
    char *printable_status;     /* status.printableStatus, or NULL */
    char *run_strategy;         /* spec.runStrategy, or NULL */
    char *node_name;            /* VMI status.nodeName, or NULL */
    cJSON *labels;              /* spec.template.metadata.labels (an object, maybe empty) */
    cJSON *affinity;            /* spec.template.spec.affinity, or NULL */
    cJSON *cpu_features;        /* {name: policy} of domain.cpu.features (an object, maybe empty) */
    char **access_modes;        /* per disk (parallel to rec.disks): the PVC's first mode, or NULL */
    int has_vmi;
} target_vm;

void target_vm_init(target_vm *t);
void target_vm_free(target_vm *t);

/* Builds t from a VirtualMachine, its VMI (NULL when not running) and the
 * PVCs of its volumes (any order; matched by name; missing ones leave the
 * disk's size and class unknown). Fails only when vm is not a
 * VirtualMachine object. */
int target_vm_from_objects(target_vm *t, const cJSON *vm, const cJSON *vmi,
                           const cJSON *const *pvcs, size_t npvcs, mtv_err *err);

typedef struct target_read_opts {
    int64_t status_timeout_ms;  /* wait for printableStatus Running or Stopped; 0 = 120 s */
    int wait_guest_agent;       /* also wait for AgentConnected (when running) ... */
    int64_t agent_timeout_ms;   /* ... this long; 0 = 301 s, upstream's default */
    atomic_int *cancel;         /* the run's cancel flag, or NULL: once set, the waits end at
                                   once and the read fails "cancelled" */
} target_read_opts;

/* Reads VM ns/name, its VMI and PVCs into t. A wait that runs out is not an
 * error: the VM is read as it is, and *note (may be NULL) says what was not
 * reached, for the checks' report. -1 when the VM cannot be read at all. */
int target_vm_read(k8s_client *c, const char *ns, const char *name, const target_read_opts *o,
                   target_vm *t, strbuf *note, mtv_err *err);

/* The cluster's OpenShift version from ClusterVersion "version" (the first
 * Completed history entry, else status.desired.version) into out; -1 when it
 * cannot be read (not OpenShift, no access). */
int target_cluster_version(k8s_client *c, strbuf *out, mtv_err *err);

/* The template label value, or NULL. */
const char *target_vm_label(const target_vm *t, const char *key);
/* The disk whose PVC is named name, or NULL. */
const vm_disk *target_vm_disk(const target_vm *t, const char *pvc, size_t *index);
/* The NIC with this MAC (any case or separator), or NULL. */
const vm_nic *target_vm_nic_by_mac(const target_vm *t, const char *mac);

#endif
