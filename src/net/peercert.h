/*
 * peercert: the certificate chain a TLS server presents, as PEM, the way
 * `openssl s_client -connect host:port -showcerts` shows it. Upstream stores
 * this chain in a source provider's Secret (cacert / ca.crt) when TLS
 * verification is on, so Forklift trusts the server it already talks to.
 *
 * This is a TLS handshake, not an HTTP exchange, so it cannot go through the
 * HTTP engine; callers wrap it in a transport custom entry (kind "tls") so it
 * is recorded and replayed like everything else. The server is not verified
 * here: the point is to learn what it presents.
 */
#ifndef MTV_NET_PEERCERT_H
#define MTV_NET_PEERCERT_H

#include "util/err.h"
#include "util/strbuf.h"

/* Appends every certificate the server sent, leaf first, as PEM. Errors
 * (class 3) name host:port and what failed (resolve, connect, handshake). */
int net_peer_chain_pem(const char *host, int port, long timeout_ms, strbuf *pem, mtv_err *err);

#endif
