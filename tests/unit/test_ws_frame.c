/* Unit tests for net/ws_frame: the three length encodings, masking, the
 * decoder fed one byte at a time, fragmented messages with control frames
 * between the fragments, and every protocol violation it must refuse. */
#include <criterion/criterion.h>
#include <string.h>

#include "net/ws_frame.h"

typedef struct seen {
    strbuf data;        /* all DATA bytes */
    int ends, pings, pongs, closes;
    int close_code;
    strbuf control;     /* last control payload */
    int last_opcode;
    int masked;
} seen;

static int collect(void *ud, const ws_event *ev, mtv_err *err)
{
    (void)err;
    seen *s = ud;
    s->masked = ev->masked;
    switch (ev->kind) {
    case WS_EV_DATA:
        sb_add(&s->data, ev->data, ev->len);
        s->last_opcode = ev->opcode;
        break;
    case WS_EV_END:
        s->ends++;
        break;
    case WS_EV_PING:
    case WS_EV_PONG:
    case WS_EV_CLOSE:
        if (ev->kind == WS_EV_PING)
            s->pings++;
        else if (ev->kind == WS_EV_PONG)
            s->pongs++;
        else {
            s->closes++;
            s->close_code = ev->close_code;
        }
        sb_reset(&s->control);
        sb_add(&s->control, ev->data, ev->len);
        break;
    }
    return 0;
}

static void seen_free(seen *s)
{
    sb_release(&s->data);
    sb_release(&s->control);
}

/* Feeds the bytes one at a time, as the most awkward network would. */
static int feed_bytewise(ws_decoder *d, const strbuf *wire, seen *s, mtv_err *err)
{
    for (size_t i = 0; i < wire->len; i++) {
        uint8_t b = (uint8_t)wire->buf[i];
        if (ws_decoder_feed(d, &b, 1, collect, s, err) < 0)
            return -1;
    }
    return 0;
}

Test(ws_frame, length_encodings_round_trip_byte_by_byte)
{
    static const size_t sizes[] = {0, 1, 125, 126, 127, 65535, 65536, 70000};
    const uint8_t key[4] = {0xde, 0xad, 0xbe, 0xef};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t n = sizes[k];
        strbuf payload = STRBUF_INIT, wire = STRBUF_INIT;
        for (size_t i = 0; i < n; i++)
            sb_addc(&payload, (char)(i * 7 + 3));
        for (int masked = 0; masked < 2; masked++) {
            sb_reset(&wire);
            ws_frame_encode(&wire, 1, WS_OP_BINARY, masked ? key : NULL, payload.buf, n);
            size_t hl = 2 + (n < 126 ? 0 : n <= 0xFFFF ? 2 : 8) + (masked ? 4 : 0);
            cr_assert_eq(wire.len, hl + n, "size %zu: header %zu", n, wire.len - n);
            cr_assert_eq((uint8_t)wire.buf[0], 0x82);
            cr_assert_eq(((uint8_t)wire.buf[1] & 0x80) != 0, masked);
            ws_decoder d;
            ws_decoder_init(&d, masked);
            seen s = {0};
            mtv_err err;
            cr_assert_eq(feed_bytewise(&d, &wire, &s, &err), 0, "size %zu: %s", n, err.msg);
            cr_assert_eq(s.data.len, n, "size %zu", n);
            cr_assert(n == 0 || memcmp(s.data.buf, payload.buf, n) == 0, "size %zu", n);
            cr_assert_eq(s.ends, 1);
            cr_assert_eq(s.last_opcode, n ? WS_OP_BINARY : 0);
            cr_assert_eq(d.frames, 1);
            seen_free(&s);
        }
        sb_release(&payload);
        sb_release(&wire);
    }
}

Test(ws_frame, masking_changes_the_bytes_on_the_wire)
{
    const uint8_t key[4] = {1, 2, 3, 4};
    strbuf wire = STRBUF_INIT;
    ws_frame_encode(&wire, 1, WS_OP_TEXT, key, "hello", 5);
    cr_assert_eq(wire.len, 2 + 4 + 5);
    cr_assert_eq(memcmp(wire.buf + 2, key, 4), 0);
    cr_assert_neq(memcmp(wire.buf + 6, "hello", 5), 0);
    uint8_t copy[5];
    memcpy(copy, wire.buf + 6, 5);
    ws_mask(copy, 5, key, 0);
    cr_assert_eq(memcmp(copy, "hello", 5), 0);
    /* unmasking a slice that starts mid-payload uses the right key bytes */
    memcpy(copy, wire.buf + 6, 5);
    ws_mask(copy + 3, 2, key, 3);
    cr_assert_eq(memcmp(copy + 3, "lo", 2), 0);
    sb_release(&wire);
}

Test(ws_frame, fragmented_message_with_a_ping_in_between)
{
    strbuf wire = STRBUF_INIT;
    ws_frame_encode(&wire, 0, WS_OP_BINARY, NULL, "abc", 3);
    ws_frame_encode(&wire, 1, WS_OP_PING, NULL, "are you there", 13);
    ws_frame_encode(&wire, 0, WS_OP_CONT, NULL, "def", 3);
    ws_frame_encode(&wire, 1, WS_OP_CONT, NULL, "gh", 2);
    ws_frame_encode(&wire, 1, WS_OP_PONG, NULL, "p", 1);
    ws_decoder d;
    ws_decoder_init(&d, 0);
    seen s = {0};
    mtv_err err;
    cr_assert_eq(ws_decoder_feed(&d, (uint8_t *)wire.buf, wire.len, collect, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.data.len, 8);
    cr_assert_eq(memcmp(s.data.buf, "abcdefgh", 8), 0);
    cr_assert_eq(s.ends, 1);
    cr_assert_eq(s.pings, 1);
    cr_assert_eq(s.pongs, 1);
    cr_assert_eq(d.frames, 5);
    seen_free(&s);
    sb_release(&wire);
}

Test(ws_frame, close_frames_carry_code_and_reason_and_end_the_stream)
{
    strbuf wire = STRBUF_INIT;
    ws_frame_encode(&wire, 1, WS_OP_CLOSE, NULL, "\x03\xf3vmi gone", 10);   /* 1011 */
    ws_frame_encode(&wire, 1, WS_OP_BINARY, NULL, "late", 4);
    ws_decoder d;
    ws_decoder_init(&d, 0);
    seen s = {0};
    mtv_err err;
    cr_assert_eq(ws_decoder_feed(&d, (uint8_t *)wire.buf, wire.len, collect, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.closes, 1);
    cr_assert_eq(s.close_code, 1011);
    cr_assert_eq(s.control.len, 8);
    cr_assert_eq(memcmp(s.control.buf, "vmi gone", 8), 0);
    cr_assert_eq(s.data.len, 0, "bytes after a close are ignored");
    cr_assert(d.closed);

    /* an empty close frame means "no status" */
    sb_reset(&wire);
    ws_frame_encode(&wire, 1, WS_OP_CLOSE, NULL, "", 0);
    ws_decoder_init(&d, 0);
    seen s2 = {0};
    cr_assert_eq(ws_decoder_feed(&d, (uint8_t *)wire.buf, wire.len, collect, &s2, &err), 0);
    cr_assert_eq(s2.close_code, WS_CLOSE_NO_STATUS);
    seen_free(&s);
    seen_free(&s2);
    sb_release(&wire);
}

static void expect_violation(const void *bytes, size_t n, int expect_masked, int code, const char *words)
{
    strbuf wire = STRBUF_INIT;
    sb_add(&wire, bytes, n);
    ws_decoder d;
    ws_decoder_init(&d, expect_masked);
    d.max_message = 1000;
    seen s = {0};
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(ws_decoder_feed(&d, (uint8_t *)wire.buf, wire.len, collect, &s, &err), -1,
                 "accepted: %s", words);
    cr_assert_eq(d.fail_code, code, "%s: code %d", words, d.fail_code);
    cr_assert(strstr(err.msg, words), "'%s' not in '%s'", words, err.msg);
    /* a failed decoder takes nothing more */
    uint8_t more[2] = {0x82, 0x00};
    cr_assert_eq(ws_decoder_feed(&d, more, 2, collect, &s, &err), -1);
    seen_free(&s);
    sb_release(&wire);
}

Test(ws_frame, protocol_violations_are_refused_with_a_reason)
{
    expect_violation("\xc2\x00", 2, 0, WS_CLOSE_PROTOCOL, "reserved bits");
    expect_violation("\x83\x00", 2, 0, WS_CLOSE_PROTOCOL, "reserved opcode 0x3");
    expect_violation("\x8b\x00", 2, 0, WS_CLOSE_PROTOCOL, "reserved opcode 0xb");
    expect_violation("\x82\x80\x01\x02\x03\x04", 6, 0, WS_CLOSE_PROTOCOL, "server frame is masked");
    expect_violation("\x82\x00", 2, 1, WS_CLOSE_PROTOCOL, "client frame is not masked");
    expect_violation("\x09\x00", 2, 0, WS_CLOSE_PROTOCOL, "fragmented");
    expect_violation("\x89\x7e\x00\x7e", 4, 0, WS_CLOSE_PROTOCOL, "control frame of 126 bytes");
    expect_violation("\x80\x00", 2, 0, WS_CLOSE_PROTOCOL, "continuation frame outside");
    expect_violation("\x02\x01x\x82\x00", 5, 0, WS_CLOSE_PROTOCOL, "new message");
    expect_violation("\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00", 10, 0, WS_CLOSE_PROTOCOL, "top bit");
    expect_violation("\x88\x01\x03", 3, 0, WS_CLOSE_PROTOCOL, "1-byte payload");
    expect_violation("\x88\x02\x03\xed", 4, 0, WS_CLOSE_PROTOCOL, "close code 1005");
    expect_violation("\x88\x02\x03\xe7", 4, 0, WS_CLOSE_PROTOCOL, "close code 999");
    expect_violation("\x82\x7e\x03\xe9", 4, 0, WS_CLOSE_TOO_BIG, "larger than 1000");
}

Test(ws_frame, message_cap_counts_every_fragment)
{
    strbuf wire = STRBUF_INIT, part = STRBUF_INIT;
    for (int i = 0; i < 600; i++)
        sb_addc(&part, 'x');
    ws_frame_encode(&wire, 0, WS_OP_BINARY, NULL, part.buf, 600);
    ws_frame_encode(&wire, 1, WS_OP_CONT, NULL, part.buf, 600);
    ws_decoder d;
    ws_decoder_init(&d, 0);
    d.max_message = 1000;
    seen s = {0};
    mtv_err err;
    cr_assert_eq(ws_decoder_feed(&d, (uint8_t *)wire.buf, wire.len, collect, &s, &err), -1);
    cr_assert_eq(d.fail_code, WS_CLOSE_TOO_BIG);
    cr_assert_eq(s.data.len, 600, "the first fragment was delivered before the cap was hit");
    seen_free(&s);
    sb_release(&wire);
    sb_release(&part);
}

static int refuse(void *ud, const ws_event *ev, mtv_err *err)
{
    (void)ud;
    if (ev->kind == WS_EV_PING)
        return mtv_err_set(err, MTV_EXIT_ENV, "pong could not be sent");
    return 0;
}

Test(ws_frame, a_failing_callback_fails_the_feed)
{
    strbuf wire = STRBUF_INIT;
    ws_frame_encode(&wire, 1, WS_OP_PING, NULL, "x", 1);
    ws_decoder d;
    ws_decoder_init(&d, 0);
    mtv_err err;
    cr_assert_eq(ws_decoder_feed(&d, (uint8_t *)wire.buf, wire.len, refuse, NULL, &err), -1);
    cr_assert_str_eq(err.msg, "pong could not be sent");
    cr_assert_eq(d.fail_code, WS_CLOSE_INTERNAL);
    sb_release(&wire);
}

Test(ws_frame, close_code_rules)
{
    cr_assert(ws_close_code_valid(1000));
    cr_assert(ws_close_code_valid(1011));
    cr_assert(ws_close_code_valid(4000));
    cr_assert_not(ws_close_code_valid(1005));
    cr_assert_not(ws_close_code_valid(1006));
    cr_assert_not(ws_close_code_valid(1015));
    cr_assert_not(ws_close_code_valid(2999));
    cr_assert_not(ws_close_code_valid(5000));
}
