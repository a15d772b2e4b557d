/* lab_ws: see lab_ws.h. */
#include "lab/lab_ws.h"

#include <errno.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>
#include <unistd.h>

#include "util/codec.h"

void lab_ws_accept(const char *key, char out[29])
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    strbuf in = STRBUF_INIT, b64 = STRBUF_INIT;
    sb_adds(&in, key);
    sb_adds(&in, guid);
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)in.buf, in.len, digest);
    b64_encode(&b64, digest, sizeof digest);
    memcpy(out, b64.buf, b64.len < 28 ? b64.len : 28);
    out[b64.len < 28 ? b64.len : 28] = '\0';
    sb_release(&in);
    sb_release(&b64);
}

int lab_ws_buffered(const lab_ws_reader *r)
{
    return r->pre_pos < r->pre_len;
}

static int read_exact(lab_ws_reader *r, void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n && r->pre_pos < r->pre_len) {
        *p++ = (unsigned char)r->pre[r->pre_pos++];
        n--;
    }
    while (n) {
        ssize_t k = read(r->fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int lab_ws_read_frame(lab_ws_reader *r, int *opcode, int *fin, strbuf *payload,
                      size_t max_payload)
{
    unsigned char h[2];
    if (read_exact(r, h, 2) < 0)
        return -1;
    *fin = (h[0] & 0x80) != 0;
    *opcode = h[0] & 0x0f;
    int masked = (h[1] & 0x80) != 0;
    uint64_t len = h[1] & 0x7f;
    if (len == 126) {
        unsigned char e[2];
        if (read_exact(r, e, 2) < 0)
            return -1;
        len = ((uint64_t)e[0] << 8) | e[1];
    } else if (len == 127) {
        unsigned char e[8];
        if (read_exact(r, e, 8) < 0)
            return -1;
        len = 0;
        for (int i = 0; i < 8; i++)
            len = (len << 8) | e[i];
    }
    if (len > max_payload)
        return -1;
    unsigned char mask[4] = {0};
    if (masked && read_exact(r, mask, 4) < 0)
        return -1;
    sb_reset(payload);
    sb_grow(payload, (size_t)len);
    if (len && read_exact(r, payload->buf, (size_t)len) < 0)
        return -1;
    if (masked)
        for (uint64_t i = 0; i < len; i++)
            payload->buf[i] ^= (char)mask[i % 4];
    payload->len = (size_t)len;
    payload->buf[len] = '\0';
    return 0;
}

static int write_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int lab_ws_write_frame(int fd, int opcode, const void *data, size_t n, int mask)
{
    unsigned char h[14];
    size_t hl = 0;
    h[hl++] = (unsigned char)(0x80 | (opcode & 0x0f));
    unsigned char m = mask ? 0x80 : 0;
    if (n < 126) {
        h[hl++] = (unsigned char)(m | n);
    } else if (n <= 0xffff) {
        h[hl++] = m | 126;
        h[hl++] = (unsigned char)(n >> 8);
        h[hl++] = (unsigned char)n;
    } else {
        h[hl++] = m | 127;
        for (int i = 7; i >= 0; i--)
            h[hl++] = (unsigned char)((uint64_t)n >> (8 * i));
    }
    unsigned char key[4] = {0};
    if (mask) {
        RAND_bytes(key, sizeof key);
        memcpy(h + hl, key, 4);
        hl += 4;
    }
    if (write_all(fd, h, hl) < 0)
        return -1;
    if (!mask)
        return n ? write_all(fd, data, n) : 0;
    unsigned char buf[4096];
    const unsigned char *p = data;
    for (size_t off = 0; off < n;) {
        size_t chunk = n - off < sizeof buf ? n - off : sizeof buf;
        for (size_t i = 0; i < chunk; i++)
            buf[i] = p[off + i] ^ key[(off + i) % 4];
        if (write_all(fd, buf, chunk) < 0)
            return -1;
        off += chunk;
    }
    return 0;
}
