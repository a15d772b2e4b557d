/*
 * vsphere_guestops: commands run inside a vSphere guest through vim25's guest
 * operations (no SSH, no network path to the guest needed), and what the
 * vSphere adapter learns from them: the guest's NIC names and, where VMware
 * Tools do not say, the origin (static or DHCP) of its IPv4 addresses.
 *
 * As upstream (mtv-api-tests' vmware_guest_operations): the output goes to a
 * temporary file (GuestFileManager.CreateTemporaryFileInGuest), the command
 * runs under /bin/bash -c or cmd.exe /c with its output redirected there
 * (GuestProcessManager.StartProgramInGuest), ListProcessesInGuest is polled
 * until the process has an endTime, InitiateFileTransferFromGuest gives a URL
 * ("*" standing for the host we are connected to) read with one GET, and the
 * file is deleted. Every step is one transport exchange, so it records and
 * replays; the polling sleeps on the transport's clock. The guest password
 * travels only inside the SOAP <auth> element and, as a providers-file value
 * under a "password" key, is a registered secret.
 *
 * Ownership: strings passed in are borrowed; output goes into caller-owned
 * buffers and records.
 */
#ifndef MTV_PROVIDERS_VSPHERE_GUESTOPS_H
#define MTV_PROVIDERS_VSPHERE_GUESTOPS_H

#include <stdint.h>

#include "config/providers.h"
#include "providers/vim.h"
#include "providers/vm_record.h"

typedef struct vsphere_guest_login {
    const char *user;
    const char *password;
    int windows;                 /* cmd.exe and C:\Windows\Temp, else /bin/bash and /tmp */
} vsphere_guest_login;

/* Runs command in VM vm_id (a MoRef value); its stdout+stderr into out, its
 * exit code into *exit_code. timeout_ms bounds the wait for the process (0 =
 * 30 s). On failure fault (64 bytes, may be NULL) gets the vSphere fault type
 * (InvalidGuestLogin, GuestOperationsUnavailable, ...) when there was one. */
int vsphere_guest_run(vim_client *c, const char *vm_id, const vsphere_guest_login *login,
                      const char *command, int64_t timeout_ms, strbuf *out, int *exit_code,
                      char *fault, mtv_err *err);

/* 1 for faults that mean the guest login is wrong or not allowed. */
int vsphere_guest_auth_fault(const char *fault);

/* The commands the adapter runs. */
#define VSPHERE_GUEST_LINKS_LINUX "ip -j link show"
#define VSPHERE_GUEST_LINKS_WINDOWS "ipconfig /all"
extern const char VSPHERE_GUEST_ORIGINS_LINUX[];

/* Sets guest_nic_name on r's NICs from the output of the links command
 * (`ip -j link show`'s JSON array of {ifname, address}, as upstream, or
 * ipconfig's "Ethernet adapter NAME:" blocks with "Physical Address"),
 * matched by MAC; "lo" is skipped.
 * Returns how many NICs got a name. */
size_t vsphere_guest_apply_links(const char *text, int windows, vm_record *r);

/* Sets origin and is_static of addresses whose origin is unknown from the
 * origins script's "ADDRESS|METHOD" lines (method "manual" = static, any
 * other = "auto", as upstream). Returns how many addresses it set. */
size_t vsphere_guest_apply_origins(const char *text, vm_record *r);

/* Fills what guest operations tell about VM vm_id into r: NIC names and
 * unknown IP origins (Linux). Does nothing (returns 0) when the guest's
 * tools are not running or the entry has no guest login for its OS
 * (guest_vm_linux_user/_password, guest_vm_win_user/_password). A refused
 * login is an error naming the entry and its keys (MTV_EXIT_USAGE); other
 * failures (guest operations unavailable, a command that fails) are logged
 * as warnings and leave r as it was. */
int vsphere_guest_enrich(vim_client *c, const provider_entry *entry, const char *vm_id,
                         vm_record *r, mtv_err *err);

#endif
