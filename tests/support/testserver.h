/*
 * testserver: a programmable HTTP and HTTPS server on loopback for tests,
 * built on libmicrohttpd. Any test that needs a real peer (the transport,
 * the Kubernetes client, provider adapters) starts one, routes paths to
 * handlers or canned answers, and reads back what it received.
 *
 * HTTPS servers get a fresh CA and server certificate (EC P-256, SAN
 * 127.0.0.1 and localhost) made with OpenSSL at start; ts_ca_pem/ts_ca_file
 * give the CA to trust. A handler can answer with a status, headers, a body
 * (optionally gzip-encoded), a stream of frames with delays (chunked), or
 * drop the connection without answering, or answer 101 and hand the
 * connection to an upgrade function (WebSocket peers). Every request is kept
 * (method, raw URI, headers, body) for assertions.
 *
 * One thread per connection; ts_stop interrupts streams and joins them.
 * Ownership: the server owns requests it hands out (valid until ts_stop).
 */
#ifndef MTV_TESTSERVER_H
#define MTV_TESTSERVER_H

#include <stddef.h>

#include "net/http.h"
#include "util/strbuf.h"

typedef struct ts_server ts_server;

typedef struct ts_request {
    char *method;
    char *uri;            /* raw request target: "/api/v1/pods?limit=5" */
    char *path;           /* without the query */
    http_headers headers;
    strbuf body;
    int client_cert;      /* TS_CLIENT_CERT: 1 when a valid client certificate came */
} ts_request;

typedef struct ts_frame {
    long delay_ms;
    strbuf data;
} ts_frame;

/* Takes over a connection after its 101 answer (WebSocket and other
 * upgrades), on a thread the server owns: fd is the connection (plain bytes,
 * also over HTTPS), extra the bytes that came after the request head. It
 * must return once fd reaches end of file (ts_stop shuts it down), and must
 * not close fd. */
typedef void (*ts_upgrade_fn)(void *ud, int fd, const char *extra, size_t n);

typedef struct ts_response {
    int status;           /* default 200 */
    http_headers headers;
    strbuf body;
    int gzip;             /* send the body gzip-encoded (Content-Encoding: gzip) */
    int drop;             /* close the connection without any answer */
    ts_frame *frames;     /* streamed body (chunked), after delays */
    size_t nframes;
    ts_upgrade_fn upgrade;       /* with status 101: who takes the connection over */
    void *upgrade_ud;
    void (*upgrade_free)(void *ud);   /* called with upgrade_ud at the end (may be NULL) */
} ts_response;

typedef void (*ts_handler)(void *ud, const ts_request *req, ts_response *resp);

enum { TS_HTTP = 0, TS_HTTPS = 1, TS_CLIENT_CERT = 2 };

/* flags: TS_HTTP, TS_HTTPS, or TS_HTTPS | TS_CLIENT_CERT (mutual TLS: a
 * request without a client certificate signed by the server's CA gets 403
 * before any handler runs). */
ts_server *ts_start(int flags);
void ts_stop(ts_server *s);

const char *ts_url(const ts_server *s);       /* "http://127.0.0.1:PORT" */
const char *ts_ca_pem(const ts_server *s);    /* HTTPS only, else NULL */
const char *ts_ca_file(const ts_server *s);   /* the CA PEM in a file (HTTPS) */
/* A client certificate and key signed by the server's CA (HTTPS), as PEM
 * text and as files. */
const char *ts_client_cert_pem(const ts_server *s);
const char *ts_client_key_pem(const ts_server *s);
const char *ts_client_cert_file(const ts_server *s);
const char *ts_client_key_file(const ts_server *s);

/* Routes method (NULL = any) and path (exact, or a prefix ending in '*') to
 * fn. Later routes win over earlier ones. */
void ts_route(ts_server *s, const char *method, const char *path, ts_handler fn, void *ud);
/* A canned answer. */
void ts_route_static(ts_server *s, const char *method, const char *path, int status,
                     const char *content_type, const void *body, size_t n);

/* Answers, in order, for successive requests to one route; the last repeats. */
typedef struct ts_script_step {
    int status;
    const char *header_name, *header_value;   /* optional */
    const char *body;
    int drop;
} ts_script_step;
void ts_route_script(ts_server *s, const char *method, const char *path,
                     const ts_script_step *steps, size_t n);

/* Response helpers for handlers. */
void ts_resp_header(ts_response *r, const char *name, const char *value);
void ts_resp_body(ts_response *r, const char *content_type, const void *data, size_t n);
void ts_resp_frame(ts_response *r, long delay_ms, const void *data, size_t n);

/* Requests received so far (thread-safe snapshot count). */
size_t ts_count(ts_server *s);
/* The i-th request received (0-based); NULL when out of range. */
const ts_request *ts_request_at(ts_server *s, size_t i);
/* Requests received for path (exact match of the path part). */
size_t ts_count_path(ts_server *s, const char *path);

#endif
