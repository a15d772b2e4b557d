/*
 * ws_frame: see ws_frame.h. The decoder is a small state machine: gather a
 * header (2 to 14 bytes), then pass the payload through, unmasking it in
 * place, and go back to gathering.
 */
#include "net/ws_frame.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ws_mask(uint8_t *p, size_t n, const uint8_t key[4], uint64_t pos)
{
    size_t i = 0;
    /* eight bytes at a time with the key rotated to this offset */
    uint8_t k8[8];
    for (int j = 0; j < 8; j++)
        k8[j] = key[(pos + (uint64_t)j) & 3];
    uint64_t kw;
    memcpy(&kw, k8, 8);
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        w ^= kw;
        memcpy(p + i, &w, 8);
    }
    for (; i < n; i++)
        p[i] ^= key[(pos + i) & 3];
}

void ws_frame_encode(strbuf *out, int fin, int opcode, const uint8_t *mask_key, const void *payload,
                     size_t n)
{
    uint8_t h[WS_HEADER_MAX];
    size_t hl = 0;
    h[hl++] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0F));
    uint8_t mbit = mask_key ? 0x80 : 0;
    if (n < 126) {
        h[hl++] = (uint8_t)(mbit | n);
    } else if (n <= 0xFFFF) {
        h[hl++] = (uint8_t)(mbit | 126);
        h[hl++] = (uint8_t)(n >> 8);
        h[hl++] = (uint8_t)n;
    } else {
        h[hl++] = (uint8_t)(mbit | 127);
        for (int i = 7; i >= 0; i--)
            h[hl++] = (uint8_t)((uint64_t)n >> (8 * i));
    }
    if (mask_key) {
        memcpy(h + hl, mask_key, 4);
        hl += 4;
    }
    sb_add(out, h, hl);
    if (!n)
        return;
    size_t at = out->len;
    sb_add(out, payload, n);
    if (mask_key)
        ws_mask((uint8_t *)out->buf + at, n, mask_key, 0);
}

int ws_close_code_valid(int code)
{
    if (code >= 3000 && code <= 4999)
        return 1;   /* registered libraries and private use */
    switch (code) {
    case 1000: case 1001: case 1002: case 1003: case 1007: case 1008:
    case 1009: case 1010: case 1011: case 1012: case 1013: case 1014:
        return 1;
    default:
        return 0;
    }
}

void ws_decoder_init(ws_decoder *d, int expect_masked)
{
    memset(d, 0, sizeof *d);
    d->expect_masked = expect_masked;
}

static int violation(ws_decoder *d, int code, mtv_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int violation(ws_decoder *d, int code, mtv_err *err, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    d->failed = 1;
    d->fail_code = code;
    return mtv_err_set(err, MTV_EXIT_ENV, "WebSocket protocol error: %s", msg);
}

/* Bytes the header needs once its first two bytes are known. */
static size_t header_need(const uint8_t *h)
{
    size_t need = 2;
    uint8_t len7 = h[1] & 0x7F;
    need += len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    return need + (h[1] & 0x80 ? 4 : 0);
}

static int start_frame(ws_decoder *d, mtv_err *err)
{
    const uint8_t *h = d->hdr;
    d->fin = (h[0] & 0x80) != 0;
    d->opcode = h[0] & 0x0F;
    d->masked = (h[1] & 0x80) != 0;
    if (h[0] & 0x70)
        return violation(d, WS_CLOSE_PROTOCOL, err,
                         "reserved bits 0x%llx are set, but no extension was negotiated",
                         (long long)(h[0] & 0x70));
    int control = d->opcode >= 0x8;
    if (!(d->opcode <= WS_OP_BINARY || (control && d->opcode <= WS_OP_PONG)))
        return violation(d, WS_CLOSE_PROTOCOL, err, "reserved opcode 0x%llx", (long long)d->opcode);
    if (d->masked != d->expect_masked)
        return violation(d, WS_CLOSE_PROTOCOL, err,
                         d->expect_masked ? "a client frame is not masked (opcode 0x%llx)"
                                          : "a server frame is masked (opcode 0x%llx)",
                         (long long)d->opcode);
    uint8_t len7 = h[1] & 0x7F;
    size_t at = 2;
    if (len7 == 126) {
        d->len = ((uint64_t)h[2] << 8) | h[3];
        at = 4;
    } else if (len7 == 127) {
        d->len = 0;
        for (int i = 0; i < 8; i++)
            d->len = (d->len << 8) | h[2 + i];
        at = 10;
        if (d->len >> 63)
            return violation(d, WS_CLOSE_PROTOCOL, err, "frame length has its top bit set");
    } else {
        d->len = len7;
    }
    if (d->masked)
        memcpy(d->key, h + at, 4);
    d->pos = 0;
    if (control) {
        if (!d->fin)
            return violation(d, WS_CLOSE_PROTOCOL, err, "control frame 0x%llx is fragmented",
                             (long long)d->opcode);
        if (d->len > WS_CONTROL_MAX)
            return violation(d, WS_CLOSE_PROTOCOL, err, "control frame of %lld bytes (at most 125)",
                             (long long)d->len);
        d->ctrl_len = 0;
    } else if (d->opcode == WS_OP_CONT) {
        if (!d->in_message)
            return violation(d, WS_CLOSE_PROTOCOL, err,
                             "continuation frame outside a fragmented message");
    } else {
        if (d->in_message)
            return violation(d, WS_CLOSE_PROTOCOL, err,
                             "new message (opcode 0x%llx) inside a fragmented one",
                             (long long)d->opcode);
        d->in_message = 1;
        d->message_opcode = d->opcode;
        d->message_len = 0;
    }
    if (!control) {
        if (d->max_message && d->len > d->max_message - d->message_len)
            return violation(d, WS_CLOSE_TOO_BIG, err, "message larger than %lld bytes",
                             (long long)d->max_message);
        d->message_len += d->len;
    }
    d->in_frame = 1;
    return 0;
}

static int emit(ws_decoder *d, ws_event *ev, ws_event_fn fn, void *ud, mtv_err *err)
{
    ev->masked = d->masked;
    if (fn(ud, ev, err) != 0) {
        d->failed = 1;
        d->fail_code = WS_CLOSE_INTERNAL;
        return -1;
    }
    return 0;
}

static int end_control(ws_decoder *d, ws_event_fn fn, void *ud, mtv_err *err)
{
    ws_event ev = {.data = d->ctrl, .len = d->ctrl_len};
    if (d->opcode == WS_OP_PING) {
        ev.kind = WS_EV_PING;
    } else if (d->opcode == WS_OP_PONG) {
        ev.kind = WS_EV_PONG;
    } else {
        ev.kind = WS_EV_CLOSE;
        ev.close_code = WS_CLOSE_NO_STATUS;
        if (d->ctrl_len == 1)
            return violation(d, WS_CLOSE_PROTOCOL, err, "close frame with a 1-byte payload");
        if (d->ctrl_len >= 2) {
            ev.close_code = (d->ctrl[0] << 8) | d->ctrl[1];
            if (!ws_close_code_valid(ev.close_code))
                return violation(d, WS_CLOSE_PROTOCOL, err, "close code %lld may not be sent",
                                 (long long)ev.close_code);
            ev.data = d->ctrl + 2;
            ev.len = d->ctrl_len - 2;
        }
        d->closed = 1;
    }
    return emit(d, &ev, fn, ud, err);
}

static int end_frame(ws_decoder *d, ws_event_fn fn, void *ud, mtv_err *err)
{
    d->in_frame = 0;
    d->hdr_have = 0;
    d->frames++;
    if (d->opcode >= 0x8)
        return end_control(d, fn, ud, err);
    if (!d->fin)
        return 0;
    d->in_message = 0;
    ws_event ev = {.kind = WS_EV_END, .opcode = d->message_opcode};
    return emit(d, &ev, fn, ud, err);
}

int ws_decoder_feed(ws_decoder *d, uint8_t *p, size_t n, ws_event_fn fn, void *ud, mtv_err *err)
{
    if (d->failed)
        return mtv_err_set(err, MTV_EXIT_ENV, "the WebSocket stream already failed");
    size_t i = 0;
    while (i < n && !d->closed) {
        if (!d->in_frame) {
            if (d->hdr_have < 2) {
                d->hdr[d->hdr_have++] = p[i++];
                if (d->hdr_have < 2)
                    continue;
            }
            size_t need = header_need(d->hdr);
            while (d->hdr_have < need && i < n)
                d->hdr[d->hdr_have++] = p[i++];
            if (d->hdr_have < need)
                break;
            if (start_frame(d, err) < 0)
                return -1;
            if (d->len == 0 && end_frame(d, fn, ud, err) < 0)
                return -1;
            continue;
        }
        uint64_t left = d->len - d->pos;
        size_t take = (uint64_t)(n - i) < left ? n - i : (size_t)left;
        if (d->masked)
            ws_mask(p + i, take, d->key, d->pos);
        if (d->opcode >= 0x8) {
            memcpy(d->ctrl + d->ctrl_len, p + i, take);
            d->ctrl_len += take;
        } else if (take) {
            ws_event ev = {.kind = WS_EV_DATA, .opcode = d->message_opcode, .data = p + i, .len = take};
            if (emit(d, &ev, fn, ud, err) < 0)
                return -1;
        }
        d->pos += take;
        i += take;
        if (d->pos == d->len && end_frame(d, fn, ud, err) < 0)
            return -1;
    }
    return 0;
}
