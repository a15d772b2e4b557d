/* libFuzzer target: the WebSocket frame decoder and the upgrade answer's
 * head parser, the two places where bytes from the network (a cluster, or
 * anything pretending to be one) are read before anything else checks them.
 * The first input byte picks the role and how the rest is cut into reads;
 * whatever the cut, the decoder must report the same events. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/websocket.h"
#include "net/ws_frame.h"

typedef struct tally {
    strbuf data;
    unsigned long events;
} tally;

static int count(void *ud, const ws_event *ev, mtv_err *err)
{
    (void)err;
    tally *t = ud;
    t->events++;
    if (ev->kind == WS_EV_DATA)
        sb_add(&t->data, ev->data, ev->len);
    if (ev->kind != WS_EV_DATA && ev->kind != WS_EV_END && ev->len > WS_CONTROL_MAX)
        abort();   /* a control payload can never exceed 125 bytes */
    return 0;
}

static int run(const uint8_t *data, size_t size, int masked, size_t step, tally *t)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        abort();
    memcpy(copy, data, size);
    ws_decoder d;
    ws_decoder_init(&d, masked);
    d.max_message = 1u << 20;
    mtv_err err;
    int rc = 0;
    for (size_t off = 0; off < size && rc == 0; off += step) {
        size_t n = size - off < step ? size - off : step;
        rc = ws_decoder_feed(&d, copy + off, n, count, t, &err);
    }
    free(copy);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int masked = data[0] & 1;
    size_t step = (size_t)(data[0] >> 1) + 1;
    data++;
    size--;
    tally whole = {STRBUF_INIT, 0}, cut = {STRBUF_INIT, 0};
    int a = run(data, size, masked, size ? size : 1, &whole);
    int b = run(data, size, masked, step, &cut);
    /* the same bytes mean the same thing however they arrive */
    if (a != b || whole.data.len != cut.data.len ||
        (whole.data.len && memcmp(whole.data.buf, cut.data.buf, whole.data.len) != 0))
        abort();
    if (whole.data.len > size)
        abort();
    sb_release(&whole.data);
    sb_release(&cut.data);

    http_response resp = {0};
    mtv_err err;
    ws_parse_response_head((const char *)data, size, &resp, &err);
    http_response_free(&resp);
    return 0;
}
