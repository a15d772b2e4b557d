/*
 * lab_tls: the lab's own certificate authority and serving certificate,
 * generated with OpenSSL at every start.
 *
 * An ECDSA P-256 CA (CA:TRUE, keyCertSign) signs a P-256 server certificate
 * (serverAuth) whose subjectAltName lists every host the lab is reached by:
 * IP:127.0.0.1 and DNS:localhost always, plus the --listen host. Go clients
 * such as kubectl verify SANs only, so the CN is informational. Only PEM
 * text leaves this module; the CA key is discarded once the server
 * certificate is signed, so nothing else can be issued under this CA.
 */
#ifndef MTV_LAB_TLS_H
#define MTV_LAB_TLS_H

#include <stddef.h>

#include "util/err.h"

typedef struct lab_tls {
    char *ca_pem;        /* CA certificate (goes into kubeconfig and ca.crt) */
    char *cert_pem;      /* server certificate */
    char *key_pem;       /* server private key, PKCS#8 */
} lab_tls;

/* extra_hosts: additional SAN entries (IP literals or DNS names). */
int lab_tls_generate(lab_tls *out, const char *const *extra_hosts, size_t n, mtv_err *err);
void lab_tls_free(lab_tls *t);

#endif
