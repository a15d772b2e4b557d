/*
 * guest: commands in migrated VMs, the way the checks need them: SSH through
 * the KubeVirt VMI portforward subresource of the cluster API, so no virtctl,
 * no node access and no route to the pod network are needed:
 *
 *   GET <cluster>/apis/subresources.kubevirt.io/v1/namespaces/NS/
 *       virtualmachineinstances/NAME/portforward/PORT   (WebSocket,
 *       subprotocol plain.kubevirt.io, the cluster's bearer token and TLS)
 *
 * carries an SSH session (ssh/ssh_session.h) to the guest's port.
 *
 * Connecting retries as upstream does (every 15 s for up to 300 s, on the
 * transport's clock) while the guest is not reachable yet: no VMI or not
 * running yet (404, 400, 5xx), network faults, the tunnel closing, no SSH
 * server answering yet. It stops at once on what waiting cannot fix: the
 * token is refused (401, 403), TLS verification fails, or the guest refuses
 * the login, or the cancel flag is set (the run is being interrupted).
 *
 * Recording: each connect and each command is one custom cassette entry of
 * kind "ssh", upstream "guest:NS/VM" (transport_custom): the request names the VM,
 * port, user, login method and command (never a credential); the response
 * holds the host key, or stdout, stderr and the exit status, or the error.
 * A replay answers them from the cassette in order, with no cluster, no
 * tunnel and no guest, and its virtual clock jumps over the recorded retries.
 * Guest output is redacted like everything else recorded: a known secret
 * printed by a command comes back as <redacted:LABEL>.
 *
 * Credentials: the password and key passphrase are registered as secrets
 * with the transport (masked in every log, message and cassette) before
 * anything is sent.
 *
 * Ownership: a session holds copies of the target and the user name, and
 * borrows ctx (its transport and endpoint), which must outlive it; creds are
 * borrowed for the call that uses them.
 */
#ifndef MTV_SSH_GUEST_H
#define MTV_SSH_GUEST_H

#include "config/providers.h"
#include "net/http.h"
#include "net/transport.h"
#include "ssh/ssh_session.h"
#include "util/err.h"

typedef struct guest_ctx {
    transport *t;                  /* records, replays, and owns the clock */
    const net_endpoint *cluster;   /* the Kubernetes API: base URL, TLS, bearer token */
    long retry_total_ms;           /* keep trying to connect this long; 0 = 300 s */
    long retry_interval_ms;        /* between tries; 0 = 15 s */
    long command_timeout_ms;       /* default limit per command; 0 = 120 s */
    long ssh_timeout_ms;           /* SSH handshake and login per try; 0 = 30 s */
    atomic_int *cancel;            /* borrowed, may be NULL: once non-zero, connecting and
                                      commands stop at once ("cancelled: ...") */
} guest_ctx;

typedef struct guest_target {
    const char *namespace;         /* the VMI's namespace */
    const char *name;              /* the VMI (the migrated VM's name) */
    int port;                      /* 0 = 22 */
} guest_target;

typedef struct guest_session guest_session;

/* The login for a VM from a providers entry, as upstream picks it: the
 * guest_vm_win_user/_password keys when win_os, else guest_vm_linux_*.
 * Fails (exit 2) naming the missing key. The strings point into the entry. */
int guest_creds_from_provider(const provider_entry *e, int win_os, ssh_creds *out, mtv_err *err);

/* Opens the tunnel, handshakes and logs in, retrying as described above. */
int guest_connect(guest_ctx *ctx, const guest_target *vm, const ssh_creds *creds, guest_session **out,
                  mtv_err *err);

/* Runs one command (timeout_ms 0 = ctx->command_timeout_ms). A non-zero
 * exit status is a result (r->exit_status), not a failure. */
int guest_run(guest_session *s, const char *command, long timeout_ms, ssh_result *r, mtv_err *err);

/* Host key of the session ("ssh-ed25519", "SHA256:...") and connect tries. */
const char *guest_host_key_type(const guest_session *s);
const char *guest_host_key_sha256(const guest_session *s);
int guest_attempts(const guest_session *s);

void guest_disconnect(guest_session *s);

/* connect + run + disconnect. */
int guest_exec(guest_ctx *ctx, const guest_target *vm, const ssh_creds *creds, const char *command,
               ssh_result *r, mtv_err *err);

/* The "SSH connectivity" check: connect and log in, nothing else. 0 when the
 * guest let us in; attempts (may be NULL) gets how many tries it took. */
int guest_probe(guest_ctx *ctx, const guest_target *vm, const ssh_creds *creds, int *attempts,
                mtv_err *err);

/* "/apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachineinstances/NAME/portforward/PORT" */
void guest_portforward_path(const guest_target *vm, strbuf *out);

#endif
