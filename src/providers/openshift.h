/*
 * openshift: the OpenShift Virtualization source adapter (KubeVirt VMs read
 * and driven through the Kubernetes client, k8s/client.h), reached through
 * provider.h (openshift_source_ops).
 *
 * A VM is named "NAME" (in the source namespace) or "NAMESPACE/NAME". Its
 * record comes from the VirtualMachine, its running instance (VMI: guest
 * interface names, IPs, guest agent, node) and the PVCs behind its volumes
 * (size and storage class). Power goes through KubeVirt's start/stop
 * subresources; where those are not served the adapter changes the VM's
 * runStrategy instead, then waits for printableStatus Running or Stopped.
 *
 * OpenShift sources are not cloned but created, as upstream's
 * create_source_cnv_vms does: "clone" makes a new VirtualMachine named
 * clone_name from a DataSource (u1.small instancetype, rhel.9 preference,
 * 30Gi root disk on the entry's storage_class, cloud-init login, an optional
 * second NIC on a Multus network), reported for teardown.
 *
 * The record conversion is a pure function over the API objects, tested on
 * its own.
 */
#ifndef MTV_PROVIDERS_OPENSHIFT_H
#define MTV_PROVIDERS_OPENSHIFT_H

#include <cjson/cJSON.h>

#include "providers/provider.h"
#include "providers/vm_record.h"

/* A PVC by name in the VM's namespace, or NULL. */
typedef const cJSON *(*openshift_pvc_fn)(void *ud, const char *name);

/* Fills out from a VirtualMachine, its VMI (NULL when not running) and an
 * instancetype (NULL when none or unknown). */
void openshift_record_from(const cJSON *vm, const cJSON *vmi, const cJSON *instancetype,
                           openshift_pvc_fn pvc, void *ud, vm_record *out);

/* Bytes of a Kubernetes quantity ("30Gi", "512M", "1.5Gi", "2048"); -1 when
 * it is not one. */
long long openshift_quantity(const char *q);

#endif
