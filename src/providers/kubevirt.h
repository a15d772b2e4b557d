/*
 * kubevirt: the one reading of a KubeVirt VirtualMachine into a vm_record,
 * and the one way to power one, shared by the OpenShift source adapter
 * (openshift.c) and the checks' view of a migrated VM (checks/target_vm.c).
 * Upstream's OCPProvider.vm_dict reads both sides the same way, so a source
 * record and a target record made here compare like with like.
 *
 * Rules (research/mtv-api-tests.md §3.5):
 *   power        printableStatus Running -> on, Stopped -> off, other ->
 *                other, absent -> unknown
 *   cpu, memory  the running instance's domain (instancetypes expanded)
 *                when there is one, else the template's, else the
 *                instancetype's spec.cpu.guest (as sockets) and memory.guest
 *   firmware     bootloader efi/bios, efi.secureBoot (KubeVirt's default
 *                true), serial, uuid; TPM present unless absent or
 *                enabled: false
 *   guest agent  VMI condition AgentConnected=True; a stopped VM has none
 *                (0); no instance and power not known to be off: unknown
 *   guest OS     the VMI's guestOSInfo, else the preference, else the
 *                vm.kubevirt.io/os annotation; win_os when any says Windows
 *   host         the VMI's nodeName
 *   nics[]       the template's interfaces in order: name, MAC (else the
 *                VMI's), network "pod" or the Multus name after its
 *                namespace (network_id = the full name), connected unless
 *                state is down; guest_nic_name and IPv4 addresses (prefix
 *                split off) from the VMI interface of the same name, else
 *                the same MAC
 *   disks[]      the template's volumes in order, cloud-init ones left
 *                out: name and device_key = the claim (PVC or DataVolume)
 *                else the volume name, unit_number = index, size (bound
 *                capacity, else the request), storage class and volume
 *                mode from the PVC
 *
 * Pure over the objects given (no I/O), so it runs on recorded shapes.
 */
#ifndef MTV_PROVIDERS_KUBEVIRT_H
#define MTV_PROVIDERS_KUBEVIRT_H

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdint.h>

#include "k8s/client.h"
#include "providers/vm_record.h"
#include "util/err.h"

/* A PVC of the VM's namespace by claim name, or NULL. */
typedef const cJSON *(*kubevirt_pvc_fn)(void *ud, const char *claim);

/* Fills out (left as vm_record_init made it) from a VirtualMachine, its
 * VMI (NULL when none) and instancetype (NULL when none or unknown). pvc
 * may be NULL (sizes and classes stay unknown). Objects are borrowed. */
void kubevirt_record_from(const cJSON *vm, const cJSON *vmi, const cJSON *instancetype,
                          kubevirt_pvc_fn pvc, void *ud, vm_record *out);

/* The claim behind a volume (persistentVolumeClaim.claimName or
 * dataVolume.name), or NULL. */
const char *kubevirt_volume_claim(const cJSON *volume);

/* Starts (VM_POWER_ON) or stops (VM_POWER_OFF) VirtualMachine ns/name and
 * waits up to timeout_ms (0 = 600 s) for printableStatus Running or
 * Stopped. Through KubeVirt's start/stop subresource (PUT, 202); where that
 * is not served (404) by setting spec.runStrategy (spec.running on VMs that
 * use it). A VM already in that state is left alone. Every request goes
 * through the client's transport, so it records and replays. cancel (may
 * be NULL) ends the wait at once when set. */
int kubevirt_power(k8s_client *c, const char *ns, const char *name, enum vm_power want,
                   int64_t timeout_ms, atomic_int *cancel, mtv_err *err);

#endif
