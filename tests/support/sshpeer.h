/*
 * sshpeer: a real OpenSSH server for tests, started with
 * tests/peers/sshd/start.sh on a free loopback port in a fresh folder, in the
 * foreground as a child of the test process that dies with it
 * (PR_SET_PDEATHSIG), so a crashed test never leaves an sshd behind.
 *
 * Key logins work for the current user with the client ed25519 key the
 * script makes. Password logins are enabled when a password is given and the
 * machine allows it (root and a private mount namespace; see start.sh);
 * password_ok says whether they are.
 *
 * Also a byte stream over a plain TCP connection (net/transport.h), so the
 * SSH layer can be tested with and without a WebSocket tunnel in between.
 */
#ifndef MTV_SSHPEER_H
#define MTV_SSHPEER_H

#include <sys/types.h>

#include "net/transport.h"

typedef struct sshp {
    pid_t pid;
    int port;
    int password_ok;
    char dir[512];
    char key[600];       /* the authorised client ed25519 private key */
    char user[64];
    char guests[512];    /* SSHD_GUESTS folder ("" = none): answer as the lab's guests */
} sshp;

/* Starts sshd; skips the current Criterion test when openssh-server is not
 * installed. password may be NULL. */
void sshp_start(sshp *p, const char *password);
/* The same, answering as the lab's guests (start.sh SSHD_GUESTS=guests; give
 * the lab the same folder as its guest_dir). */
void sshp_start_guests(sshp *p, const char *password, const char *guests);
void sshp_stop(sshp *p);

/* Makes a client key ("ed25519" or "rsa") named name in the peer's folder,
 * authorised for the user when authorize is set. passphrase may be NULL.
 * Returns the private key path (static slot, valid for 4 further calls). */
const char *sshp_keygen(sshp *p, const char *type, const char *name, const char *passphrase, int authorize);

/* "SHA256:..." of the server's host key, as ssh-keygen -l prints it. */
void sshp_host_fingerprint(sshp *p, char out[128]);

/* A byte stream over a new TCP connection to 127.0.0.1:port. */
net_bytestream *sshp_tcp_stream(int port);

#endif
