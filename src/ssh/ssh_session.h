/*
 * ssh_session: an SSH client session (libssh2) over any byte stream
 * (net/transport.h), for running commands in migrated guests.
 *
 * The stream is carried to libssh2 through a socket pair (ssh/ssh_pump.h),
 * so the same code runs over a KubeVirt portforward tunnel or, in tests,
 * over anything else that moves bytes. libssh2 runs non-blocking and every
 * wait is bounded by a deadline on the given clock.
 *
 * The host key is captured, not verified: migrated guests are fresh clones
 * whose keys no known_hosts file has seen. Its type and SHA-256 fingerprint
 * (as `ssh-keygen -l` prints it) are kept for the log and the recording.
 *
 * Logins: a password (falling back to keyboard-interactive, answering every
 * prompt with the password, when the guest offers only that), or a private
 * key file (OpenSSH or PEM format, optional passphrase). libssh2 1.10 signs
 * RSA keys only with SHA-1 ("ssh-rsa"), which OpenSSH 8.8 and later refuse
 * by default; such a refusal is reported with that explanation.
 *
 * Secrets: the password and passphrase are never copied, logged or put in a
 * message; the key file is read only to tell its type and is wiped after.
 *
 * Ownership: ssh_open takes over the stream (closed by ssh_close, and on
 * failure); an ssh_result owns its buffers (ssh_result_free).
 */
#ifndef MTV_SSH_SESSION_H
#define MTV_SSH_SESSION_H

#include <stdatomic.h>

#include "net/transport.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/strbuf.h"

typedef struct ssh_creds {
    const char *user;
    const char *password;      /* password login when set ... */
    const char *key_file;      /* ... else this private key */
    const char *pubkey_file;   /* optional; NULL derives it from the private key */
    const char *passphrase;    /* the key's; NULL = none */
} ssh_creds;

typedef struct ssh_options {
    mtv_clock *clock;          /* required: every deadline is on it */
    long timeout_ms;           /* handshake, login, and each wait while closing; 0 = 30 s */
    const char *peer;          /* names the guest in messages ("ns/vm:22") */
    atomic_int *cancel;        /* borrowed, may be NULL: once non-zero every wait fails "cancelled" */
} ssh_options;

/* Limit on each of stdout and stderr kept per command; the rest is read and
 * dropped (truncated is set). */
#define SSH_OUTPUT_MAX (16u << 20)

typedef struct ssh_result {
    strbuf out;
    strbuf err;
    int exit_status;           /* the command's status; -1 when it had none (killed) */
    char exit_signal[32];      /* "KILL" when killed by a signal, else "" */
    int truncated;
} ssh_result;

typedef struct ssh_session ssh_session;

/* Handshake over bs. */
int ssh_open(net_bytestream *bs, const ssh_options *o, ssh_session **out, mtv_err *err);

/* "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", ... */
const char *ssh_host_key_type(const ssh_session *s);
/* "SHA256:<unpadded base64>" */
const char *ssh_host_key_sha256(const ssh_session *s);

/* Logs in. A refusal names the user, the method and what the guest offers. */
int ssh_auth(ssh_session *s, const ssh_creds *c, mtv_err *err);

/* Runs command in a new channel and collects stdout, stderr and the exit
 * status; fails when it has not finished within timeout_ms (0 = 120 s).
 * A non-zero exit status is a result, not a failure. */
int ssh_exec(ssh_session *s, const char *command, long timeout_ms, ssh_result *r, mtv_err *err);

/* Disconnects and frees; NULL is fine. */
void ssh_close(ssh_session *s);

void ssh_result_free(ssh_result *r);

/* 1 when the key file (or its .pub) holds an RSA key. */
int ssh_key_is_rsa(const char *key_file, const char *pubkey_file);

#endif
