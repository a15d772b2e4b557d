/* Unit tests for util/codec against known vectors (RFC 4648, FIPS 180-2). */
#include <criterion/criterion.h>
#include <string.h>

#include "util/codec.h"

Test(codec, base64_rfc4648_vectors)
{
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        strbuf sb = STRBUF_INIT, back = STRBUF_INIT;
        b64_encode(&sb, in[i], strlen(in[i]));
        cr_assert_str_eq(sb_str(&sb), out[i]);
        cr_assert_eq(b64_decode(&back, sb.buf ? sb.buf : "", sb.len), 0);
        cr_assert_str_eq(sb_str(&back), in[i]);
        sb_release(&sb);
        sb_release(&back);
    }
}

Test(codec, base64url_has_no_padding_or_plus)
{
    strbuf sb = STRBUF_INIT;
    const unsigned char bytes[] = {0xfb, 0xff, 0xfe};
    b64url_encode(&sb, bytes, 3);
    cr_assert_str_eq(sb.buf, "-__-");
    sb_release(&sb);
}

Test(codec, base64_rejects_garbage)
{
    strbuf sb = STRBUF_INIT;
    cr_assert_eq(b64_decode(&sb, "ab$c", 4), -1);
    sb_release(&sb);
}

Test(codec, url_encoding_round_trip)
{
    strbuf sb = STRBUF_INIT, back = STRBUF_INIT;
    url_encode(&sb, "a b&c=d/é~", strlen("a b&c=d/é~"), 0);
    cr_assert_str_eq(sb.buf, "a%20b%26c%3Dd%2F%C3%A9~");
    url_decode(&back, sb.buf, sb.len, 0);
    cr_assert_str_eq(back.buf, "a b&c=d/é~");
    sb_reset(&sb);
    url_encode(&sb, "a b", 3, 1);
    cr_assert_str_eq(sb.buf, "a+b");
    sb_release(&sb);
    sb_release(&back);
}

Test(codec, json_escape_controls_and_quotes)
{
    strbuf sb = STRBUF_INIT;
    json_escape(&sb, "a\"b\\c\n\x01", 7);
    cr_assert_str_eq(sb.buf, "a\\\"b\\\\c\\n\\u0001");
    sb_release(&sb);
}

Test(codec, sha256_known_vector)
{
    char hex[65];
    sha256_hex("abc", 3, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
