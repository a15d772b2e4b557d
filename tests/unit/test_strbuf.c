/* Unit tests for util/strbuf: growth, binary safety, formatting, detach. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

Test(strbuf, empty_is_valid_c_string)
{
    strbuf sb = STRBUF_INIT;
    cr_assert_str_eq(sb_str(&sb), "");
    cr_assert_eq(sb.len, 0);
    sb_release(&sb);
}

Test(strbuf, appends_grow_and_stay_terminated)
{
    strbuf sb = STRBUF_INIT;
    for (int i = 0; i < 10000; i++)
        sb_addc(&sb, (char)('a' + i % 26));
    cr_assert_eq(sb.len, 10000);
    cr_assert_eq(sb.buf[10000], '\0');
    cr_assert_eq(sb.buf[26], 'a');
    sb_release(&sb);
}

Test(strbuf, binary_bytes_are_kept)
{
    strbuf sb = STRBUF_INIT;
    sb_add(&sb, "a\0b", 3);
    cr_assert_eq(sb.len, 3);
    cr_assert_eq(memcmp(sb.buf, "a\0b", 3), 0);
    sb_release(&sb);
}

Test(strbuf, formatted_append_and_truncate)
{
    strbuf sb = STRBUF_INIT;
    sb_addf(&sb, "%s-%d", "plan", 42);
    sb_addf(&sb, "/%05.1f", 3.14159);
    cr_assert_str_eq(sb.buf, "plan-42/003.1");
    sb_setlen(&sb, 4);
    cr_assert_str_eq(sb.buf, "plan");
    sb_setlen(&sb, 99);
    cr_assert_eq(sb.len, 4);
    sb_release(&sb);
}

Test(strbuf, detach_hands_over_memory)
{
    strbuf sb = STRBUF_INIT;
    sb_adds(&sb, "hello");
    size_t n;
    char *p = sb_detach(&sb, &n);
    cr_assert_eq(n, 5);
    cr_assert_str_eq(p, "hello");
    cr_assert_null(sb.buf);
    free(p);
    p = sb_detach(&sb, NULL);
    cr_assert_str_eq(p, "");
    free(p);
}
