/*
 * websocket: a WebSocket client (RFC 6455) for Kubernetes-style streaming
 * subresources, above all KubeVirt's VMI portforward
 * (/apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachineinstances/
 * NAME/portforward/PORT[/tcp], subprotocol "plain.kubevirt.io", where binary
 * messages carry the raw TCP bytes in both directions).
 *
 * The connection comes from the engine (net_engine_connect: libcurl's
 * CONNECT_ONLY, so TLS, client certificates, explicit insecure mode and
 * proxies behave exactly as for every other request); the HTTP/1.1 upgrade
 * and the framing are done here. The upgrade carries the request's own
 * headers (the transport has put the bearer token there), offers the
 * subprotocol, checks Sec-WebSocket-Accept and the subprotocol chosen, and
 * turns any other answer into an error with the status and the Kubernetes
 * Status message ("upgrade refused: 403 Forbidden: ... cannot get resource
 * virtualmachineinstances/portforward ..."). Frames sent are masked with a
 * fresh key from OpenSSL's generator (a protocol nonce, not run randomness:
 * it must not come from the run's seeded source, and a tunnel is never
 * replayed byte for byte).
 *
 * ws_read returns the payload bytes of data messages as one stream
 * (fragmented messages are joined, message boundaries are not kept: the
 * tunnels this serves are byte streams), answers pings with pongs, and
 * answers a close frame with a close frame. One thread may read while
 * another writes; any thread may call ws_shutdown to wake a blocked reader.
 * All waiting is bounded by the options' timeouts on the given clock.
 *
 * Ownership: ws_connect returns a connection the caller frees with ws_free.
 */
#ifndef MTV_NET_WEBSOCKET_H
#define MTV_NET_WEBSOCKET_H

#include <stddef.h>
#include <sys/types.h>

#include "net/engine.h"
#include "net/http.h"
#include "util/clock.h"
#include "util/err.h"

/* The subprotocol of KubeVirt's console, VNC and portforward subresources. */
#define WS_PROTOCOL_KUBEVIRT "plain.kubevirt.io"

typedef struct ws_options {
    const char *subprotocol;     /* offered; NULL offers none */
    mtv_clock *clock;            /* deadlines; required */
    long handshake_timeout_ms;   /* the 101 answer after connecting; 0 = 30 s */
    long write_timeout_ms;       /* a write stalled this long fails; 0 = 30 s */
    long read_timeout_ms;        /* a read idle this long fails; 0 = wait forever */
    long close_timeout_ms;       /* ws_close waits this long for the peer's close; 0 = 2 s */
    size_t max_frame;            /* payload bytes per frame sent; 0 = 16 KiB */
    size_t max_message;          /* a longer message received fails (1009); 0 = 64 MiB */
} ws_options;

typedef struct ws_conn ws_conn;

/*
 * Connects to req's URL (http:// or https://, ws:// and wss:// accepted) per
 * req->endpoint and upgrades. req's method is ignored (an upgrade is a GET);
 * its headers are sent as given. On success *out is open. On failure resp
 * (if not NULL) holds the answer that came instead (status 0 when none
 * did), *failure (if not NULL) says why no answer came, and err says what
 * happened in words, never quoting a header value.
 */
int ws_connect(net_engine *e, const http_request *req, const ws_options *o, ws_conn **out,
               http_response *resp, enum net_failure *failure, mtv_err *err);

/* Blocks until payload bytes arrive (returns how many, at most n), the
 * stream ends (0: the peer closed normally, or ws_shutdown), or it fails
 * (-1: the peer vanished, closed with an error code, broke the protocol,
 * or the read timeout passed). One reader at a time. */
ssize_t ws_read(ws_conn *c, void *buf, size_t n, mtv_err *err);

/* Sends buf as one message (WS_OP_BINARY or WS_OP_TEXT), split into frames
 * of at most max_frame bytes. One writer at a time. */
int ws_write(ws_conn *c, int opcode, const void *buf, size_t n, mtv_err *err);

/* Sends a ping (payload at most 125 bytes). The pong is counted in
 * ws_pongs_received when the reader meets it. */
int ws_ping(ws_conn *c, const void *data, size_t n, mtv_err *err);

/* Any thread: a blocked ws_read returns 0, later reads and writes end. */
void ws_shutdown(ws_conn *c);

/* The closing handshake: sends a close frame (code, reason) unless one was
 * sent, then reads (discarding data) until the peer's close, the end of the
 * connection or close_timeout. No read may be running. */
int ws_close(ws_conn *c, int code, const char *reason, mtv_err *err);

void ws_free(ws_conn *c);

/* The subprotocol the server chose ("" when none). */
const char *ws_subprotocol(const ws_conn *c);
/* The peer's close code (0 before one arrived; 1005 when it had none) and reason. */
int ws_peer_close_code(ws_conn *c);
const char *ws_peer_close_reason(ws_conn *c);
size_t ws_pings_received(ws_conn *c);
size_t ws_pongs_received(ws_conn *c);

/* Parses an HTTP/1.x response head ("HTTP/1.1 101 ...\r\n...\r\n\r\n") into
 * resp (status, reason, version, headers). Returns 0, or -1 with err when it
 * is not one. Exposed for tests and the fuzzer. */
int ws_parse_response_head(const char *head, size_t n, http_response *resp, mtv_err *err);

#endif
