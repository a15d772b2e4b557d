/*
 * ssh_pump: carries a byte stream (net/transport.h: a WebSocket tunnel) to a
 * file descriptor that libssh2 can use like a TCP socket. One end of a Unix
 * socket pair goes to libssh2; two threads copy between the other end and
 * the stream, one per direction, so neither direction ever waits for the
 * other and libssh2 keeps its own socket handling (blocking directions,
 * timeouts) unchanged.
 *
 * When either side ends or fails, the pump ends both: the socket pair is shut
 * down (libssh2 then sees end of file) and the stream is shut down (a
 * blocked read returns). The first failure is kept, so the SSH layer can say
 * "the tunnel closed: <why>" instead of libssh2's bare socket error.
 *
 * Internal to src/ssh. The pump owns the stream from ssh_pump_start on, and
 * closes it in ssh_pump_stop; the caller owns the descriptor it was given.
 */
#ifndef MTV_SSH_PUMP_H
#define MTV_SSH_PUMP_H

#include <pthread.h>

#include "net/transport.h"
#include "util/err.h"

typedef struct ssh_pump {
    net_bytestream *bs;
    int fd;                 /* the pump's end of the pair */
    pthread_t down, up;     /* stream -> fd, fd -> stream */
    pthread_mutex_t lock;
    int failed;
    mtv_err err;            /* the first failure */
    int ended;
} ssh_pump;

/* Takes over bs and starts the threads; *ssh_fd is the descriptor for
 * libssh2 (the caller closes it before ssh_pump_stop). On failure bs is
 * closed. */
int ssh_pump_start(ssh_pump *p, net_bytestream *bs, int *ssh_fd, mtv_err *err);

/* 1 and a copy of the first failure in out when the tunnel failed. */
int ssh_pump_failure(ssh_pump *p, mtv_err *out);

/* Ends both directions, joins the threads and closes the stream. Call after
 * closing the descriptor ssh_pump_start gave out. */
void ssh_pump_stop(ssh_pump *p);

#endif
