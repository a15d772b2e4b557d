/*
 * http: the request and response values every client builds and reads.
 *
 * These are plain data: the transport (net/transport.h) sends them live,
 * records them, or answers them from a cassette, and the recorder turns them
 * into HAR entries. Headers are an ordered list (duplicates and order kept,
 * as on the wire and in HAR); bodies are binary-safe strbufs. Response bodies
 * are always decoded (gzip/deflate removed) while the original
 * Content-Encoding header is kept, which is what HAR stores too.
 *
 * Ownership: an http_request or http_response owns every string and buffer in
 * it and is released with http_request_free / http_response_free. The one
 * borrowed member is http_request.endpoint (and the strings inside the
 * endpoint), which must outlive the call that sends the request.
 */
#ifndef MTV_NET_HTTP_H
#define MTV_NET_HTTP_H

#include <stdatomic.h>
#include <stddef.h>

#include "util/strbuf.h"

/* ---- headers --------------------------------------------------------- */

typedef struct http_header {
    char *name;
    char *value;
} http_header;

typedef struct http_headers {
    http_header *items;
    size_t count, cap;
} http_headers;

void http_headers_add(http_headers *h, const char *name, const char *value);
/* Replaces every header of that name (case-insensitive) by one. */
void http_headers_set(http_headers *h, const char *name, const char *value);
/* First value of that name, case-insensitive; NULL when absent. */
const char *http_headers_get(const http_headers *h, const char *name);
void http_headers_remove(http_headers *h, const char *name);
void http_headers_copy(http_headers *dst, const http_headers *src);
void http_headers_free(http_headers *h);

/* ---- endpoint: where and how to talk to one upstream ------------------ */

enum net_auth_kind {
    NET_AUTH_NONE = 0,
    NET_AUTH_BEARER,   /* Authorization: Bearer <token> */
    NET_AUTH_BASIC,    /* Authorization: Basic base64(username:password) */
    NET_AUTH_COOKIE,   /* Cookie: <cookie>, e.g. "vmware_soap_session=..." */
};

typedef struct net_tls {
    const char *ca_file;     /* PEM bundle file to trust instead of the system's */
    const char *ca_pem;      /* or the PEM text itself (kubeconfig *-data) */
    const char *cert_file;   /* client certificate: file ... */
    const char *cert_pem;    /* ... or PEM text */
    const char *key_file;    /* client key: file ... */
    const char *key_pem;     /* ... or PEM text */
    int insecure;            /* 1 = do not verify the server (explicit opt-in) */
} net_tls;

typedef struct net_retry {
    int max_attempts;          /* total tries including the first; 1 = no retry */
    long base_delay_ms;        /* first backoff; doubles each retry */
    long max_delay_ms;         /* backoff cap */
    long max_retry_after_ms;   /* cap on a server's Retry-After */
} net_retry;

/* Every string is borrowed: it must live as long as requests use it. Change
 * an endpoint only while no request using it is in flight. */
typedef struct net_endpoint {
    const char *base_url;      /* "https://api.example:6443"; requests may be relative */
    net_tls tls;
    enum net_auth_kind auth;
    const char *token;         /* bearer */
    const char *username;      /* basic */
    const char *password;      /* basic */
    const char *cookie;        /* cookie auth, the whole Cookie header value */
    long connect_timeout_ms;   /* 0 = none */
    long total_timeout_ms;     /* whole exchange; 0 = none (use for watches) */
    long low_speed_bps;        /* abort when slower than this ... */
    long low_speed_time_s;     /* ... for this long (both 0 = off) */
    const char *proxy;         /* explicit proxy URL; NULL = the *_proxy environment */
    const char *user_agent;    /* NULL = "mtv-validate/<version>" */
    net_retry retry;
} net_endpoint;

/* Safe defaults: verify TLS, connect 10 s, total 60 s, low speed 1 B/s for
 * 60 s, 4 attempts with 250 ms base backoff capped at 8 s, Retry-After capped
 * at 30 s. */
void net_endpoint_init(net_endpoint *ep);

/* ---- request ---------------------------------------------------------- */

typedef struct http_request {
    char *method;              /* "GET", "POST", ... */
    char *upstream;            /* logical back end: kubernetes, inventory, vsphere, ovirt,
                                  openstack, jira, ... (cassettes group and match by it) */
    strbuf url;                /* absolute URL including the query */
    http_headers headers;
    strbuf body;
    const net_endpoint *endpoint; /* borrowed; NULL = defaults, no auth */
    int retry_safe;            /* 1 lets a non-idempotent request (POST, PATCH) be retried */
    long timeout_ms;           /* overrides endpoint total timeout when > 0 */
    atomic_int *cancel;        /* borrowed; when it becomes non-zero the exchange stops */
} http_request;

/* method and upstream are copied. url_or_path may be absolute, or a path
 * ("/api/v1/pods") joined to endpoint->base_url. */
void http_request_init(http_request *req, const net_endpoint *ep, const char *upstream,
                       const char *method, const char *url_or_path);
void http_request_free(http_request *req);
/* Appends "name=value" to the URL query, percent-encoding both. */
void http_request_query(http_request *req, const char *name, const char *value);
/* Sets the body and its Content-Type (NULL leaves Content-Type alone). */
void http_request_body(http_request *req, const char *content_type, const void *data, size_t n);
/* GET, HEAD, OPTIONS, PUT, DELETE, TRACE: retrying them cannot double an effect. */
int http_method_idempotent(const char *method);

/* ---- response --------------------------------------------------------- */

/* Phases in milliseconds as HAR defines them; -1 = not applicable. */
typedef struct http_timings {
    double blocked, dns, connect, ssl, send, wait, receive;
} http_timings;

typedef struct http_response {
    long status;               /* 0 when no response arrived */
    char *reason;              /* "OK"; may be "" */
    char *http_version;        /* "HTTP/1.1", "HTTP/2" */
    http_headers headers;
    strbuf body;               /* decoded */
    http_timings timings;
    int attempts;              /* tries transport_send made (1 = no retry) */
    int replayed;              /* 1 when answered from a cassette */
} http_response;

void http_response_free(http_response *resp);
/* Leaves resp empty (zeroed) and ready for reuse. */
void http_response_reset(http_response *resp);

/* ---- URL helpers -------------------------------------------------------- */

/* Splits an absolute URL: scheme://authority, path (default "/"), query
 * (without '?', may be ""). Any output may be NULL. Returns 0, or -1 when the
 * URL has no "scheme://". */
int http_url_split(const char *url, strbuf *origin, strbuf *path, strbuf *query);

/* Seconds or an HTTP-date in a Retry-After header, as milliseconds from
 * now_ms (epoch ms). Returns -1 when the value is neither. */
long http_retry_after_ms(const char *value, long long now_ms);

#endif
