/* codec: see codec.h. SHA-256 comes from OpenSSL's EVP interface. */
#include "util/codec.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static const char B64_STD[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char B64_URL[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64_encode_with(strbuf *out, const unsigned char *p, size_t n,
                            const char *alpha, int pad)
{
    sb_grow(out, (n + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        char q[4] = {alpha[v >> 18], alpha[(v >> 12) & 63], alpha[(v >> 6) & 63], alpha[v & 63]};
        sb_add(out, q, 4);
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        sb_addc(out, alpha[v >> 18]);
        sb_addc(out, alpha[(v >> 12) & 63]);
        if (i + 1 < n)
            sb_addc(out, alpha[(v >> 6) & 63]);
        else if (pad)
            sb_addc(out, '=');
        if (pad)
            sb_addc(out, '=');
    }
}

void b64_encode(strbuf *out, const void *data, size_t n)
{
    b64_encode_with(out, data, n, B64_STD, 1);
}

void b64url_encode(strbuf *out, const void *data, size_t n)
{
    b64_encode_with(out, data, n, B64_URL, 0);
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

int b64_decode(strbuf *out, const char *text, size_t n)
{
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (c == '=' )
            break;
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        int v = b64_value(c);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            sb_addc(out, (char)(acc >> bits & 0xff));
        }
    }
    return 0;
}

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

void url_encode(strbuf *out, const char *s, size_t n, int form)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c)) {
            sb_addc(out, (char)c);
        } else if (form && c == ' ') {
            sb_addc(out, '+');
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            sb_add(out, e, 3);
        }
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void url_decode(strbuf *out, const char *s, size_t n, int form)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n &&
            hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            sb_addc(out, (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2])));
            i += 2;
        } else if (form && s[i] == '+') {
            sb_addc(out, ' ');
        } else {
            sb_addc(out, s[i]);
        }
    }
}

void json_escape(strbuf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': sb_adds(out, "\\\""); break;
        case '\\': sb_adds(out, "\\\\"); break;
        case '\b': sb_adds(out, "\\b"); break;
        case '\f': sb_adds(out, "\\f"); break;
        case '\n': sb_adds(out, "\\n"); break;
        case '\r': sb_adds(out, "\\r"); break;
        case '\t': sb_adds(out, "\\t"); break;
        default:
            if (c < 0x20)
                sb_addf(out, "\\u%04x", c);
            else
                sb_addc(out, (char)c);
        }
    }
}

void hex_encode(strbuf *out, const void *data, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = data;
    sb_grow(out, n * 2);
    for (size_t i = 0; i < n; i++) {
        sb_addc(out, hex[p[i] >> 4]);
        sb_addc(out, hex[p[i] & 15]);
    }
}

void sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(data, n, md, &mdlen, EVP_sha256(), NULL);
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}
