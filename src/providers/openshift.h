/*
 * openshift: the OpenShift Virtualization source adapter (KubeVirt VMs read
 * and driven through the Kubernetes client, k8s/client.h), reached through
 * provider.h (openshift_source_ops).
 *
 * A VM is named "NAME" (in the source namespace) or "NAMESPACE/NAME". Its
 * record comes from the VirtualMachine, its running instance (VMI: guest
 * interface names, IPs, guest agent, node) and the PVCs behind its volumes
 * (size and storage class). Power goes through KubeVirt's start/stop
 * subresources (kubevirt_power).
 *
 * OpenShift sources are not cloned but created, as upstream's
 * create_source_cnv_vms does: "clone" makes a new VirtualMachine named
 * clone_name from a DataSource (u1.small instancetype, rhel.9 preference,
 * 30Gi root disk on the entry's storage_class, cloud-init login, an optional
 * second NIC on a Multus network), reported for teardown.
 *
 * The record and the power changes are providers/kubevirt.h's, which the
 * checks use for the migrated VM too.
 */
#ifndef MTV_PROVIDERS_OPENSHIFT_H
#define MTV_PROVIDERS_OPENSHIFT_H

#include <cjson/cJSON.h>

#include "providers/provider.h"
#include "providers/vm_record.h"

#endif
