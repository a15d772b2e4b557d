/*
 * lab_inv_int: what the inventory builders share (lab_inv_build.c and one
 * file per provider type). Private to the inventory.
 */
#ifndef MTV_LAB_INV_INT_H
#define MTV_LAB_INV_INT_H

#include <cjson/cJSON.h>

#include "lab/lab_inv.h"

/* "providers/<type>/<uid>/<collection>/<id>" */
void inv_self_link(cJSON *o, const char *type, const char *uid, const char *col, const char *id);
/* {"kind": kind, "id": id} */
cJSON *inv_ref(const char *kind, const char *id);
/* A guest OS name for a vSphere guestId ("Red Hat Enterprise Linux 7 (64-bit)"). */
const char *inv_guest_name(const lab_vm *vm);
/* MiB, rounded up, of a byte count. */
long long inv_mib(long long bytes);

/* Per type: collections, one VM, one workload, counters. */
cJSON *inv_vsphere_build(const lab_source *s, const char *uid);
cJSON *inv_vsphere_vm(const lab_source *s, const lab_vm *vm, const char *uid);
cJSON *inv_vsphere_workload(const lab_source *s, const lab_vm *vm, const char *uid);
void inv_vsphere_counters(const lab_source *s, cJSON *r);

cJSON *inv_ovirt_build(const lab_source *s, const char *uid);
cJSON *inv_ovirt_vm(const lab_source *s, const lab_vm *vm, const char *uid);
void inv_ovirt_counters(const lab_source *s, cJSON *r);

cJSON *inv_openstack_build(const lab_source *s, const char *uid);
cJSON *inv_openstack_vm(const lab_source *s, const lab_vm *vm, const char *uid);
void inv_openstack_counters(const lab_source *s, cJSON *r);

cJSON *inv_ova_build(const lab_source *s, const char *uid);
cJSON *inv_ova_vm(const lab_source *s, const lab_vm *vm, const char *uid);
cJSON *inv_hyperv_build(const lab_source *s, const char *uid);
cJSON *inv_hyperv_vm(const lab_source *s, const lab_vm *vm, const char *uid);
void inv_ova_counters(const lab_source *s, cJSON *r);

/* Stable ids the oVirt and OpenStack builders and simulated APIs agree on. */
void inv_ovirt_profile_id(const lab_source *s, const char *network, char out[37]);
void inv_ovirt_cluster_id(char out[37]);
/* The engine's one data center: named as MTV's test environments name it,
 * which the oVirt adapter (like upstream) requires to be there and up. */
#define INV_OVIRT_DATACENTER "MTV-CNV"
void inv_ovirt_datacenter_id(char out[37]);
void inv_ovirt_host_id(char out[37]);
void inv_openstack_flavor_id(const lab_vm *vm, char out[37]);
void inv_openstack_project_id(char out[37]);
void inv_openstack_subnet_id(const char *network_id, char out[37]);

#endif
