/*
 * wspeer: a KubeVirt-style portforward endpoint for tests: the WebSocket
 * server side of /apis/subresources.kubevirt.io/v1/namespaces/NS/
 * virtualmachineinstances/NAME/portforward/PORT, on the test server
 * (testserver.h, HTTP or HTTPS), bridging binary messages to a TCP port on
 * loopback (a real sshd) or echoing them back.
 *
 * Its frame codec is written here, independently of src/net/ws_frame.c, so
 * the client is checked against a second reading of RFC 6455 rather than
 * against itself: client frames must be masked (counted, and mask keys must
 * vary), server frames are never masked unless a test asks for that fault.
 *
 * Knobs make the server awkward on purpose: frames written a few bytes at a
 * time (the client must join reads), messages fragmented into continuation
 * frames, a ping before the data (the pong's payload is checked), a chosen
 * close code when the target ends, or a connection dropped without a close.
 *
 * Ownership: wsp_start returns a peer that owns its test server; wsp_stop
 * stops both.
 */
#ifndef MTV_WSPEER_H
#define MTV_WSPEER_H

#include <stdatomic.h>
#include <stddef.h>

#include "testserver.h"

typedef struct wsp_config {
    const char *token;          /* required "Bearer <token>"; NULL = none checked */
    const char *subprotocol;    /* chosen when offered; NULL = "plain.kubevirt.io" */
    int omit_subprotocol;       /* answer without Sec-WebSocket-Protocol */
    int wrong_accept;           /* answer with a bad Sec-WebSocket-Accept */
    const char *known_vm;       /* other VMI names get 404 with a Status; NULL = any */
    int target_port;            /* bridge to 127.0.0.1:PORT; 0 = echo each message */
    size_t split;               /* write server bytes in pieces of this size; 0 = whole */
    size_t fragment;            /* payload bytes per frame of a message; 0 = one frame */
    int ping_first;             /* send a ping before anything else */
    int close_code;             /* sent when the target ends; 0 = 1000 */
    const char *close_reason;
    int drop_without_close;     /* when the target ends, just drop the connection */
    int mask_server_frames;     /* a protocol fault: mask what the server sends */
    int close_after_messages;   /* echo: close (close_code) after this many messages; 0 = never */
    int refuse_first;           /* answer the first N upgrades 404 (a VMI not there yet) */
    int ping_each_message;      /* echo: send a ping before each echoed message */
} wsp_config;

typedef struct wsp_stats {
    atomic_int sessions;        /* upgrades answered with 101 */
    atomic_long frames_in;      /* client frames */
    atomic_long unmasked_in;    /* client frames without the mask bit (must stay 0) */
    atomic_long mask_changes;   /* frames whose mask key differed from the previous one */
    atomic_long bytes_in;       /* payload bytes from the client */
    atomic_long bytes_out;      /* payload bytes to the client */
    atomic_int pongs_ok;        /* pongs echoing our ping's payload */
    atomic_int pings_out;       /* pings we sent */
    atomic_int pings_in;        /* client pings (answered) */
    atomic_int close_in;        /* the client's close code (0 = none yet) */
    atomic_int bad_frames;      /* client frames breaking the protocol */
    atomic_int requests;        /* upgrade requests, answered or refused */
} wsp_stats;

typedef struct wsp wsp;

/* flags as ts_start: TS_HTTP or TS_HTTPS. The config is copied. */
wsp *wsp_start(int flags, const wsp_config *cfg);
void wsp_stop(wsp *p);

ts_server *wsp_server(wsp *p);
const char *wsp_url(wsp *p);
wsp_stats *wsp_get_stats(wsp *p);
/* The path of the last upgrade request ("" before one). */
const char *wsp_last_path(wsp *p);

#endif
