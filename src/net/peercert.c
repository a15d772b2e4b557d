/* peercert: see peercert.h. A plain socket connect bounded by poll(), then an
 * OpenSSL handshake bounded by socket timeouts; the chain is read with
 * SSL_get_peer_cert_chain and written out as PEM. */
#include "net/peercert.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int connect_bounded(const char *host, int port, long timeout_ms, mtv_err *err)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC}, *res = NULL;
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai != 0)
        return mtv_err_set(err, MTV_EXIT_ENV, "fetching the certificate of %s:%d: cannot resolve %s: %s",
                           host, port, host, gai_strerror(gai));
    int fd = -1, last_errno = 0;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        int flags = fcntl(fd, F_GETFL);
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
        int rc = connect(fd, a->ai_addr, a->ai_addrlen);
        if (rc < 0 && errno == EINPROGRESS) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            int soerr = ETIMEDOUT;
            socklen_t len = sizeof soerr;
            if (poll(&p, 1, (int)timeout_ms) == 1)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
            rc = soerr ? -1 : 0;
            errno = soerr;
        }
        if (rc < 0) {
            last_errno = errno;
            close(fd);
            fd = -1;
            continue;
        }
        fcntl(fd, F_SETFL, flags);
        struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    freeaddrinfo(res);
    if (fd < 0)
        return mtv_err_set(err, MTV_EXIT_ENV, "fetching the certificate of %s:%d: cannot connect: %s",
                           host, port, strerror(last_errno ? last_errno : ECONNREFUSED));
    return fd;
}

int net_peer_chain_pem(const char *host, int port, long timeout_ms, strbuf *pem, mtv_err *err)
{
    int fd = connect_bounded(host, port, timeout_ms > 0 ? timeout_ms : 10000, err);
    if (fd < 0)
        return -1;
    int rc = -1;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = ctx ? SSL_new(ctx) : NULL;
    if (!ssl) {
        mtv_err_set(err, MTV_EXIT_ENV, "fetching the certificate of %s:%d: OpenSSL could not start",
                    host, port);
        goto done;
    }
    SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);   /* learning what is presented, not trusting it */
    SSL_set_tlsext_host_name(ssl, host);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) {
        char why[256] = "the server closed the connection";
        unsigned long e = ERR_get_error();
        if (e)
            ERR_error_string_n(e, why, sizeof why);
        mtv_err_set(err, MTV_EXIT_ENV, "fetching the certificate of %s:%d: TLS handshake failed: %s",
                    host, port, why);
        goto done;
    }
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    int n = chain ? sk_X509_num(chain) : 0;
    if (n == 0) {
        mtv_err_set(err, MTV_EXIT_ENV, "fetching the certificate of %s:%d: the server sent none", host,
                    port);
        goto done;
    }
    BIO *mem = BIO_new(BIO_s_mem());
    for (int i = 0; i < n; i++)
        PEM_write_bio_X509(mem, sk_X509_value(chain, i));
    char *data;
    long len = BIO_get_mem_data(mem, &data);
    sb_add(pem, data, (size_t)len);
    BIO_free(mem);
    rc = 0;
done:
    ERR_clear_error();
    if (ssl) {
        SSL_shutdown(ssl);
        SSL_free(ssl);
    }
    SSL_CTX_free(ctx);
    close(fd);
    return rc;
}
