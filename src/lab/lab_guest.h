/*
 * lab_guest: the guests the lab does not have, made to answer. The lab's
 * portforward sends a guest's SSH to one real sshd (--ssh-target); what a
 * check reads inside the guest (`nmcli device show`, `ipconfig /all`,
 * `xfs_info`, the VBS status through `powershell`) must still be that VM's.
 * So:
 *
 *  - the controller records a migrated VM's guest facts on its VMI as the
 *    annotation LAB_GUEST_FACTS (JSON, read by the portforward only):
 *      {"os": "linux"|"windows",
 *       "nics": [{"name": "eth0", "mac": "02:..", "ip": "192.0.2.20",
 *                 "prefix": 24, "gateway": "192.0.2.1"}],
 *       "output": {"<command or program>": "<what it prints>"}}
 *    built from the VMI's interfaces and the source VM's network
 *    configuration, with the faults file's `wrong.guest` applied;
 *  - per connection, the portforward writes the answers of those facts into
 *    GUEST_DIR/<client address>/cmd/ (lab_guest_write) and connects to the
 *    sshd from that loopback address (127.77.x.y), so the sshd's
 *    ForceCommand (tests/peers/sshd/guest-shell) finds, from
 *    $SSH_CONNECTION, the answers of the guest it is standing in for.
 *
 * An answer file is named by the command with every character outside
 * [A-Za-z0-9._-] replaced by '_' ("nmcli device show" ->
 * "nmcli_device_show"), or by the program's base name ("xfs_info") to
 * answer it whatever its arguments; "<name>.exit" holds a non-zero exit
 * status. Commands without an answer run on the sshd's machine.
 *
 * Ownership: lab_guest_facts returns a cJSON the caller deletes; strings
 * passed in are borrowed.
 */
#ifndef MTV_LAB_GUEST_H
#define MTV_LAB_GUEST_H

#include <cjson/cJSON.h>

#include "lab/lab_world.h"
#include "util/err.h"
#include "util/strbuf.h"

#define LAB_GUEST_FACTS "lab.mtv-validate.io/guest"

/* The guest facts of a VM built from src whose VMI reports these status
 * interfaces ({name, mac, interfaceName, ipAddress}); wrong_guest is the
 * faults file's "wrong.guest" ({ip, prefix, gateway, nic_name, output}, for
 * the first NIC) or NULL. A renamed NIC is renamed in interfaces too, as
 * the guest agent would report it. */
cJSON *lab_guest_facts(const lab_vm *src, cJSON *interfaces, const cJSON *wrong_guest);

/* The answer file name of a command line (see above) into out. */
void lab_guest_key(const char *command, strbuf *out);

/* Writes the answers of facts (the annotation's JSON text) into dir/cmd/,
 * creating dir. */
int lab_guest_write(const char *facts_json, const char *dir, mtv_err *err);

/* Removes what lab_guest_write wrote (dir/cmd/ * and the folders). */
void lab_guest_remove(const char *dir);

#endif
