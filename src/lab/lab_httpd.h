/*
 * lab_httpd: the lab's HTTP(S) server, libmicrohttpd underneath.
 *
 * One thread per connection, so a watch can block in its stream callback
 * while other requests go on; HTTP/1.1 keep-alive; TLS (via libmicrohttpd's
 * GnuTLS backend) with PEM material from lab_tls, or plain HTTP when no
 * certificate is given. Requests are routed by the longest mounted path
 * prefix ("/api" matches "/api" and "/api/...", never "/apis"); mounts are
 * authenticated through lab_auth unless mounted public. Protocol upgrades
 * (101) run the handler's callback on a thread of its own with the
 * decrypted socket.
 *
 * Extension point: lab_httpd_mount lets other parts of the lab (part 2's
 * inventory service, sources) serve extra routes on the same listener.
 * Mount before lab_httpd_start. The server borrows auth and handler data.
 */
#ifndef MTV_LAB_HTTPD_H
#define MTV_LAB_HTTPD_H

#include <stddef.h>

#include "lab/lab_auth.h"
#include "lab/lab_req.h"
#include "util/err.h"

typedef struct lab_httpd_config {
    const char *host;        /* address to bind: "127.0.0.1", "::1", "0.0.0.0", a name */
    int port;                /* 0 = pick a free one */
    const char *cert_pem;    /* NULL = plain HTTP */
    const char *key_pem;
    lab_auth *auth;          /* NULL = no authentication */
    size_t max_body;         /* 0 = 4 MiB */
} lab_httpd_config;

enum { LAB_MOUNT_PUBLIC = 1 };

typedef struct lab_httpd lab_httpd;

lab_httpd *lab_httpd_new(const lab_httpd_config *cfg);
void lab_httpd_mount(lab_httpd *h, const char *prefix, unsigned flags, lab_handler fn, void *ud);
/* Binds the listening socket (so the port is known before serving). */
int lab_httpd_bind(lab_httpd *h, mtv_err *err);
/* Binds if needed and starts serving. */
int lab_httpd_start(lab_httpd *h, mtv_err *err);
int lab_httpd_port(const lab_httpd *h);
/* Ends streams and upgraded connections, stops the daemon, joins threads. */
void lab_httpd_stop(lab_httpd *h);
void lab_httpd_free(lab_httpd *h);

/* A filter sees every response before it is sent and may replace it or
 * set resp->fault (the API fault injector). Set before starting. */
void lab_httpd_set_filter(lab_httpd *h, lab_handler fn, void *ud);

/* Runs one request through the mounts and auth as the server would, without
 * a socket (used by tests and benchmarks). */
void lab_httpd_dispatch(lab_httpd *h, lab_req *req, lab_resp *resp);

#endif
