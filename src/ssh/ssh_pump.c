/*
 * ssh_pump: see ssh_pump.h. Each thread ends the whole pump when its own
 * direction ends, which is what makes shutdown simple: closing libssh2's
 * descriptor ends the upward thread, which shuts the stream down, which ends
 * the downward one.
 */
#include "ssh/ssh_pump.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define PUMP_CHUNK 32768

static void pump_end(ssh_pump *p, const mtv_err *why)
{
    pthread_mutex_lock(&p->lock);
    if (why && !p->failed && !p->ended) {
        p->failed = 1;
        p->err = *why;
    }
    p->ended = 1;
    pthread_mutex_unlock(&p->lock);
    shutdown(p->fd, SHUT_RDWR);
    p->bs->shutdown(p->bs);
}

static void *pump_down(void *ud)
{
    ssh_pump *p = ud;
    char *buf = malloc(PUMP_CHUNK);
    if (!buf)
        abort();
    mtv_err err;
    mtv_err_clear(&err);
    int failed = 0;
    for (;;) {
        ssize_t n = p->bs->read(p->bs, buf, PUMP_CHUNK, &err);
        if (n < 0)
            failed = 1;
        if (n <= 0)
            break;
        ssize_t off = 0;
        while (off < n) {
            ssize_t w = send(p->fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                goto out;   /* the SSH side is gone: nothing to report */
            off += w;
        }
    }
out:
    free(buf);
    pump_end(p, failed ? &err : NULL);
    return NULL;
}

static void *pump_up(void *ud)
{
    ssh_pump *p = ud;
    char *buf = malloc(PUMP_CHUNK);
    if (!buf)
        abort();
    mtv_err err;
    mtv_err_clear(&err);
    int failed = 0;
    for (;;) {
        ssize_t n = recv(p->fd, buf, PUMP_CHUNK, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (p->bs->write(p->bs, buf, (size_t)n, &err) < 0) {
            failed = 1;
            break;
        }
    }
    free(buf);
    pump_end(p, failed ? &err : NULL);
    return NULL;
}

int ssh_pump_start(ssh_pump *p, net_bytestream *bs, int *ssh_fd, mtv_err *err)
{
    int sv[2];
    *ssh_fd = -1;
    p->bs = bs;
    p->failed = p->ended = 0;
    mtv_err_clear(&p->err);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        bs->close(bs);
        return mtv_err_set(err, MTV_EXIT_ENV, "cannot make a socket pair for the SSH tunnel");
    }
    p->fd = sv[1];
    pthread_mutex_init(&p->lock, NULL);
    if (pthread_create(&p->down, NULL, pump_down, p) != 0)
        abort();
    if (pthread_create(&p->up, NULL, pump_up, p) != 0)
        abort();
    *ssh_fd = sv[0];
    return 0;
}

int ssh_pump_failure(ssh_pump *p, mtv_err *out)
{
    pthread_mutex_lock(&p->lock);
    int failed = p->failed;
    if (failed && out)
        *out = p->err;
    pthread_mutex_unlock(&p->lock);
    return failed;
}

void ssh_pump_stop(ssh_pump *p)
{
    pump_end(p, NULL);
    pthread_join(p->up, NULL);
    pthread_join(p->down, NULL);
    close(p->fd);
    pthread_mutex_destroy(&p->lock);
    p->bs->close(p->bs);
    p->bs = NULL;
}
