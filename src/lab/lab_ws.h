/*
 * lab_ws: the WebSocket framing (RFC 6455) the lab's upgraded endpoints
 * speak: the handshake's Sec-WebSocket-Accept, and reading and writing
 * frames on a blocking file descriptor. Client frames are masked, server
 * frames are not (set mask accordingly); fragmented messages are returned
 * frame by frame, which is all a byte-stream tunnel such as KubeVirt's
 * plain.kubevirt.io portforward needs.
 *
 * A lab_ws_reader first hands out bytes that arrived with the HTTP request
 * (libmicrohttpd's "extra" data), then reads the socket. Nothing here
 * allocates besides the payload strbuf the caller owns.
 */
#ifndef MTV_LAB_WS_H
#define MTV_LAB_WS_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

enum {
    LAB_WS_CONT = 0x0, LAB_WS_TEXT = 0x1, LAB_WS_BINARY = 0x2, LAB_WS_CLOSE = 0x8,
    LAB_WS_PING = 0x9, LAB_WS_PONG = 0xA,
};

/* base64(SHA-1(key + RFC 6455 GUID)) into out (29 bytes with the NUL). */
void lab_ws_accept(const char *key, char out[29]);

typedef struct lab_ws_reader {
    int fd;
    const char *pre;          /* bytes read before the upgrade (borrowed) */
    size_t pre_len, pre_pos;
} lab_ws_reader;

/* Whether bytes are waiting in the pre-read buffer. */
int lab_ws_buffered(const lab_ws_reader *r);
/* Reads one frame: its opcode and fin bit, the unmasked payload into
 * payload (replacing it). Payloads over max_payload are an error. Returns
 * 0, or -1 on end of stream or a protocol error. */
int lab_ws_read_frame(lab_ws_reader *r, int *opcode, int *fin, strbuf *payload,
                      size_t max_payload);
/* Writes one final frame; mask = 1 for a client. Returns 0 or -1. */
int lab_ws_write_frame(int fd, int opcode, const void *data, size_t n, int mask);

#endif
