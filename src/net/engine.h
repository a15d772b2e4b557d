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

/* "libcurl/7.88.1 OpenSSL/3.0..." */
const char *net_engine_version(void);

#endif
