/*
 * engine: one HTTP attempt over libcurl, and nothing else. This is the only
 * file set in the program that includes <curl/curl.h>.
 *
 * An engine owns a libcurl share handle (connections, TLS sessions and DNS
 * shared between threads under locks), so any number of threads may run
 * exchanges on one engine at once; each exchange uses its own easy handle.
 * Retries, auth, recording and replay live above, in net/transport.c: the
 * engine sends exactly the headers it is given.
 */
#ifndef MTV_NET_ENGINE_H
#define MTV_NET_ENGINE_H

#include <sys/types.h>

#include "net/http.h"
#include "util/err.h"

typedef struct net_engine net_engine;

/* Why an attempt produced no response; decides whether a retry may help. */
enum net_failure {
    NET_OK = 0,
    NET_FAIL_CONNECT,    /* resolve/connect/reset/empty reply: retryable */
    NET_FAIL_TIMEOUT,    /* connect, total or low-speed timeout: retryable */
    NET_FAIL_TLS,        /* certificate verification or handshake: not retryable */
    NET_FAIL_CANCELLED,  /* the cancel flag or the frame callback stopped it */
    NET_FAIL_OTHER,      /* bad URL, out of memory, ...: not retryable */
};

/* How a streamed 2xx body is cut into frames. */
enum net_framing {
    NET_FRAMES_LINES = 0,  /* one frame per '\n'-terminated line (Kubernetes watch);
                              the newline is not part of the frame */
    NET_FRAMES_CHUNKS,     /* one frame per block as it arrives */
};

/* Return 0 to go on, non-zero to stop the stream (the exchange then ends
 * normally, with resp filled, and *failure = NET_FAIL_CANCELLED). */
typedef int (*net_frame_fn)(void *ud, const char *data, size_t n);

typedef struct net_sink {
    enum net_framing framing;
    net_frame_fn on_frame;
    void *ud;
} net_sink;

net_engine *net_engine_new(void);
void net_engine_free(net_engine *e);

/*
 * Sends req once. With sink == NULL the body is collected in resp->body.
 * With a sink, a 2xx body goes to sink->on_frame frame by frame and
 * resp->body stays empty; any other status is collected in resp->body.
 * Returns 0 when a response arrived (any status, or a stream the caller
 * stopped), -1 with err and *failure set when none did.
 */
int net_engine_exchange(net_engine *e, const http_request *req, const net_sink *sink,
                        http_response *resp, enum net_failure *failure, mtv_err *err);

/*
 * Raw connections, for tunnels (net/websocket.h): a connected byte stream
 * to the origin of url, plain for http:// and TLS for https:// exactly as
 * the endpoint says (CA, client certificate, explicit insecure), through the
 * endpoint's proxy or the *_proxy environment (always tunnelled with
 * CONNECT), within the endpoint's connect timeout. Opened with libcurl's
 * CONNECT_ONLY mode; it never takes or returns a pooled connection and
 * offers only HTTP/1.1 in ALPN, so the caller can speak HTTP/1.1 on it.
 *
 * send and recv never block: they return 0 when the socket is not ready
 * (recv sets *eof when the peer closed instead). net_conn_wait blocks until
 * the socket is ready (1) to read (for_write 0), to write (1) or either
 * (NET_WAIT_EITHER), timeout_ms passes (0; -1 waits forever), or wake_fd
 * (>= 0) becomes readable (2). One thread at a time per conn; the
 * conn is the caller's to net_conn_close.
 */
typedef struct net_conn net_conn;
int net_engine_connect(net_engine *e, const net_endpoint *ep, const char *url, net_conn **out,
                       enum net_failure *failure, mtv_err *err);
ssize_t net_conn_send(net_conn *c, const void *buf, size_t n, mtv_err *err);
ssize_t net_conn_recv(net_conn *c, void *buf, size_t n, int *eof, mtv_err *err);
#define NET_WAIT_EITHER 2
int net_conn_wait(net_conn *c, int for_write, int wake_fd, long timeout_ms);
/* "https://host:port" for messages (never with user:password@). */
const char *net_conn_origin(const net_conn *c);
void net_conn_close(net_conn *c);

/* "libcurl/7.88.1 OpenSSL/3.0..." */
const char *net_engine_version(void);

#endif
