/*
 * ws_frame: the WebSocket wire format (RFC 6455 section 5) without any I/O:
 * one function that encodes a frame and an incremental decoder that takes
 * bytes split anywhere (one byte at a time, or many frames at once) and
 * reports what they mean as events.
 *
 * Kept apart from the connection (net/websocket.h) so that the part that
 * reads bytes from the network can be fuzzed and tested on its own. The
 * decoder never buffers data payloads: a data frame's bytes are reported as
 * they arrive, unmasked in place, so a frame of any declared size costs no
 * memory. Control frames (at most 125 bytes) are gathered and reported whole.
 *
 * Rules enforced (each violation fails the decoder with a message and the
 * close code to send): no reserved bits (no extension is ever negotiated),
 * no reserved opcodes, masking exactly as the role says (clients mask,
 * servers do not), control frames short and unfragmented, continuation
 * only inside a fragmented message and a new message only outside one, a
 * 64-bit length with its top bit clear, close payloads of 0 or >= 2 bytes
 * with a code a peer may send, and an optional cap on message size. Text
 * payloads are passed on as bytes (UTF-8 is not checked: the tunnels this
 * serves carry binary data). Bytes after a close frame are ignored.
 *
 * Pure functions on caller-owned state; no allocation.
 */
#ifndef MTV_NET_WS_FRAME_H
#define MTV_NET_WS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/strbuf.h"

enum ws_opcode {
    WS_OP_CONT = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xA,
};

/* Close codes (RFC 6455 section 7.4.1). */
enum ws_close_code {
    WS_CLOSE_NORMAL = 1000,
    WS_CLOSE_GOING_AWAY = 1001,
    WS_CLOSE_PROTOCOL = 1002,
    WS_CLOSE_UNSUPPORTED = 1003,
    WS_CLOSE_NO_STATUS = 1005,     /* never sent: "the close frame had no code" */
    WS_CLOSE_ABNORMAL = 1006,      /* never sent: "closed without a close frame" */
    WS_CLOSE_INVALID_DATA = 1007,
    WS_CLOSE_TOO_BIG = 1009,
    WS_CLOSE_INTERNAL = 1011,
};

#define WS_CONTROL_MAX 125
#define WS_HEADER_MAX 14

/* Appends one frame to out. mask_key != NULL masks the payload with it (what
 * a client must do); NULL sends it in the clear (a server). */
void ws_frame_encode(strbuf *out, int fin, int opcode, const uint8_t *mask_key, const void *payload,
                     size_t n);

/* XORs p[0..n) with key, p[0] being byte `pos` of the payload. */
void ws_mask(uint8_t *p, size_t n, const uint8_t key[4], uint64_t pos);

/* 1 if a peer may send code in a close frame. */
int ws_close_code_valid(int code);

enum ws_event_kind {
    WS_EV_DATA,    /* payload bytes of a text or binary message (any slice of it) */
    WS_EV_END,     /* the message that the DATA events belonged to is complete */
    WS_EV_PING,
    WS_EV_PONG,
    WS_EV_CLOSE,   /* close_code (WS_CLOSE_NO_STATUS when absent), data = reason */
};

typedef struct ws_event {
    enum ws_event_kind kind;
    int opcode;            /* DATA/END: WS_OP_TEXT or WS_OP_BINARY */
    const uint8_t *data;   /* unmasked payload; valid during the callback only */
    size_t len;
    int close_code;
    int masked;            /* the frame carrying it was masked */
} ws_event;

/* Called for each event; non-zero fails the feed with that as an error the
 * callback has put in err. */
typedef int (*ws_event_fn)(void *ud, const ws_event *ev, mtv_err *err);

typedef struct ws_decoder {
    int expect_masked;        /* 1 on a server (client frames are masked), 0 on a client */
    uint64_t max_message;     /* 0 = no cap */
    /* private */
    uint8_t hdr[WS_HEADER_MAX];
    size_t hdr_have;
    int in_frame, fin, opcode, masked;
    uint8_t key[4];
    uint64_t len, pos;
    int in_message, message_opcode;
    uint64_t message_len;
    uint8_t ctrl[WS_CONTROL_MAX];
    size_t ctrl_len;
    int closed;               /* a close frame was decoded */
    int failed;
    int fail_code;            /* close code to send after a failure */
    uint64_t frames;          /* complete frames decoded */
} ws_decoder;

void ws_decoder_init(ws_decoder *d, int expect_masked);

/* Decodes p[0..n), unmasking it in place. Returns 0, or -1 with err (and
 * d->fail_code set) on a protocol violation or a callback failure; a failed
 * decoder refuses further input. */
int ws_decoder_feed(ws_decoder *d, uint8_t *p, size_t n, ws_event_fn fn, void *ud, mtv_err *err);

#endif
