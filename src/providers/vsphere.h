/*
 * vsphere: the vSphere source adapter (vim25 SOAP through providers/vim.h).
 *
 * The adapter itself is reached through provider.h (vsphere_source_ops); this
 * header exposes the pieces worth testing or reusing on their own: the
 * property paths it reads for a VM and the conversion of those properties
 * (live, or parsed from recorded responses) into a vm_record.
 *
 * Upstream rules kept (mtv-api-tests' VMWareProvider.vm_dict): cpu cores are
 * numCoresPerSocket and sockets numCPU / cores; NIC IPs are the IPv4,
 * non-link-local addresses of guest.net, static when their origin is
 * "manual", with the gateway of the default route the guest reports for that
 * NIC; a DV port group whose name cannot be read is named "DVS-<key>";
 * guest_agent_running means powered on with VMware Tools running; win_os
 * means the guest id contains "win".
 */
#ifndef MTV_PROVIDERS_VSPHERE_H
#define MTV_PROVIDERS_VSPHERE_H

#include "providers/provider.h"
#include "providers/vim.h"
#include "providers/vm_record.h"

/* The VirtualMachine property paths vm_info reads, NULL-terminated. */
extern const char *const VSPHERE_VM_PATHS[];

/* Fills out from a VirtualMachine object. names (may be NULL) holds objects
 * with a "name" property (datastores, networks, DV port groups, hosts) used
 * to name what the VM refers to; without it names come from what the VM
 * itself says (backing deviceName, the datastore in a disk's file name). */
void vsphere_record_from(const vim_obj *vm, const vim_objset *names, vm_record *out);

/* The MoRef values a VM refers to that need names: datastores, networks,
 * DV port groups (by key) and its host, each "Type:value", into *refs
 * (malloc'd array of malloc'd strings). */
size_t vsphere_referenced(const vim_obj *vm, char ***refs);

#endif
