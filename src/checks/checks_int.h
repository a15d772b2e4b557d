/*
 * checks_int: the gates and functions of the check files, for the table in
 * checks.c and the unit tests. Each file holds one concern:
 *   check_provider.c  provider TLS setting
 *   check_power.c     power state, guest agent, forced power-off (oVirt)
 *   check_guest.c     SSH connectivity, command output (XFS)
 *   check_static_ip.c static IPs and guest NIC names
 *   check_nic.c       networks through the NetworkMap, disconnected NIC
 *   check_schedule.c  node placement, labels, affinity
 *   check_compute.c   CPU, nested-virtualization features, memory
 *   check_vbs.c       VBS not running in a Windows guest without nested virt
 *   check_storage.c   storage class and access mode, disk count
 *   check_pvc_names.c PVC names from the Go template
 *   check_vsphere.c   snapshots, serial, boot configuration
 */
#ifndef MTV_CHECKS_CHECKS_INT_H
#define MTV_CHECKS_CHECKS_INT_H

#include "checks/check.h"

int gate_ssl_configuration(const check_run *r, const check_vm *v);
void check_ssl_configuration(const check_run *r, check_vm *v, check_out *o);

void check_vms_power_state(const check_run *r, check_vm *v, check_out *o);
int gate_guest_agent(const check_run *r, const check_vm *v);
void check_guest_agent(const check_run *r, check_vm *v, check_out *o);
int gate_ovirt(const check_run *r, const check_vm *v);
void check_false_vm_power_off(const check_run *r, check_vm *v, check_out *o);

int gate_ssh_connectivity(const check_run *r, const check_vm *v);
void check_ssh_connectivity(const check_run *r, check_vm *v, check_out *o);
int gate_command_output(const check_run *r, const check_vm *v);
void check_vm_command_output(const check_run *r, check_vm *v, check_out *o);

int gate_static_ip(const check_run *r, const check_vm *v);
void check_static_ip_preservation(const check_run *r, check_vm *v, check_out *o);
int gate_nic_names(const check_run *r, const check_vm *v);
void check_nic_name_preservation(const check_run *r, check_vm *v, check_out *o);

int gate_network(const check_run *r, const check_vm *v);
void check_network(const check_run *r, check_vm *v, check_out *o);
int gate_disconnected_nic(const check_run *r, const check_vm *v);
void check_disconnected_nic_state(const check_run *r, check_vm *v, check_out *o);

int gate_node_placement(const check_run *r, const check_vm *v);
void check_vm_node_placement(const check_run *r, check_vm *v, check_out *o);
int gate_labels(const check_run *r, const check_vm *v);
void check_vm_labels(const check_run *r, check_vm *v, check_out *o);
int gate_affinity(const check_run *r, const check_vm *v);
void check_vm_affinity(const check_run *r, check_vm *v, check_out *o);

int gate_not_ova(const check_run *r, const check_vm *v);
int gate_cpu_features(const check_run *r, const check_vm *v);
void check_cpu_features(const check_run *r, check_vm *v, check_out *o);
int gate_vbs_status(const check_run *r, const check_vm *v);
void check_vbs_status(const check_run *r, check_vm *v, check_out *o);
extern const char CHECK_VBS_COMMAND[];
void check_cpu(const check_run *r, check_vm *v, check_out *o);
void check_memory(const check_run *r, check_vm *v, check_out *o);

void check_storage(const check_run *r, check_vm *v, check_out *o);
int gate_disk_count(const check_run *r, const check_vm *v);
void verify_vm_disk_count(const check_run *r, check_vm *v, check_out *o);

int gate_pvc_names(const check_run *r, const check_vm *v);
void check_pvc_names(const check_run *r, check_vm *v, check_out *o);
/* The name the template gives disk index of v (the Go template data
 * upstream passes: VmName, DiskIndex, FileName, and Forklift's TargetVmName,
 * PlanName, VmId), cut as Forklift cuts it: 58 characters as a generateName
 * prefix, else 63. */
int check_pvc_expected(const check_run *r, const check_vm *v, const vm_disk *d, size_t index,
                       int generate, strbuf *out, mtv_err *err);

int gate_vsphere(const check_run *r, const check_vm *v);
int gate_snapshots(const check_run *r, const check_vm *v);
void check_snapshots(const check_run *r, check_vm *v, check_out *o);
void check_serial_preservation(const check_run *r, check_vm *v, check_out *o);
/* The serial a vSphere VM gets on this OpenShift version: ocp >= 4.20
 * "VMware-XX XX XX XX XX XX XX XX-XX XX XX XX XX XX XX XX" from the UUID, else
 * the UUID itself. */
void check_expected_serial(const char *uuid, const char *ocp_version, strbuf *out);
void check_boot_configuration(const check_run *r, check_vm *v, check_out *o);

#endif
