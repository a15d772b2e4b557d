/* Unit tests for util/clock and util/rand: the virtual clock jumps instead
 * of sleeping, deadlines follow it, a cancel flag cuts sleeps short,
 * timestamps round-trip, and a seeded
 * source repeats its sequence exactly (what replay relies on). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/rand.h"

Test(clock, virtual_sleep_advances_instead_of_waiting)
{
    mtv_clock *c = clock_new_virtual(1700000000000LL);
    cr_assert(clock_is_virtual(c));
    cr_assert_eq(clock_mono_ms(c), 0);
    cr_assert_eq(clock_now_ms(c), 1700000000000LL);
    clock_sleep_ms(c, 3600 * 1000);
    cr_assert_eq(clock_mono_ms(c), 3600 * 1000);
    cr_assert_eq(clock_now_ms(c), 1700000000000LL + 3600 * 1000);
    clock_advance_to_ms(c, 10);          /* never backwards */
    cr_assert_eq(clock_mono_ms(c), 3600 * 1000);
    clock_advance_to_ms(c, 3600 * 1000 + 5);
    cr_assert_eq(clock_mono_ms(c), 3600 * 1000 + 5);
    clock_free(c);
}

static void *set_later(void *ud)
{
    usleep(100000);
    atomic_store((atomic_int *)ud, 1);
    return NULL;
}

Test(clock, a_cancel_flag_cuts_sleeps_short)
{
    atomic_int cancel;
    atomic_init(&cancel, 0);
    mtv_clock *v = clock_new_virtual(1700000000000LL);
    cr_assert_eq(clock_sleep_ms_cancel(v, 1000, &cancel), 0, "not cancelled: the whole sleep");
    cr_assert_eq(clock_mono_ms(v), 1000);
    cr_assert_eq(clock_sleep_ms_cancel(v, 1000, NULL), 0);
    cr_assert_eq(clock_mono_ms(v), 2000);
    atomic_store(&cancel, 1);
    cr_assert_eq(clock_sleep_ms_cancel(v, 3600 * 1000, &cancel), -1);
    cr_assert_eq(clock_mono_ms(v), 2000, "a cancelled virtual sleep does not move the clock");
    clock_free(v);

    /* a real hour-long sleep, cancelled from another thread */
    atomic_store(&cancel, 0);
    mtv_clock *r = clock_new_real();
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, set_later, &cancel), 0);
    cr_assert_eq(clock_sleep_ms_cancel(r, 3600 * 1000, &cancel), -1);
    pthread_join(th, NULL);
    cr_assert_lt(clock_mono_ms(r), 3600 * 1000);
    clock_free(r);
}

Test(clock, deadlines_follow_the_clock)
{
    mtv_clock *c = clock_new_virtual(0);
    clock_deadline d = clock_deadline_in(c, 500);
    cr_assert_not(clock_deadline_passed(c, d));
    cr_assert_eq(clock_deadline_left_ms(c, d), 500);
    clock_sleep_ms(c, 499);
    cr_assert_eq(clock_deadline_left_ms(c, d), 1);
    clock_sleep_ms(c, 1);
    cr_assert(clock_deadline_passed(c, d));
    cr_assert_eq(clock_deadline_left_ms(c, d), 0);
    clock_deadline none = {0};
    cr_assert_not(clock_deadline_passed(c, none));
    clock_free(c);
}

Test(clock, real_clock_is_monotonic_and_wall_clock_is_now)
{
    mtv_clock *c = clock_new_real();
    cr_assert_not(clock_is_virtual(c));
    int64_t a = clock_mono_us(c);
    clock_advance_to_ms(c, 1000000);     /* no effect on a real clock */
    int64_t b = clock_mono_us(c);
    cr_assert_geq(b, a);
    cr_assert_lt(clock_mono_ms(c), 1000000);
    cr_assert_gt(clock_now_ms(c), 1600000000000LL);
    clock_free(c);
}

Test(clock, iso_timestamps_round_trip)
{
    char iso[32];
    clock_format_iso(1764278394123LL, iso);
    cr_assert_str_eq(iso, "2025-11-27T21:19:54.123Z");
    int64_t ms = 0;
    cr_assert_eq(clock_parse_iso(iso, &ms), 0);
    cr_assert_eq(ms, 1764278394123LL);
    cr_assert_eq(clock_parse_iso("2025-11-27T22:19:54+01:00", &ms), 0);
    cr_assert_eq(ms, 1764278394000LL);
    cr_assert_eq(clock_parse_iso("2025-13-27T21:19:54Z", &ms), -1);
    cr_assert_eq(clock_parse_iso("yesterday", &ms), -1);
    cr_assert_eq(clock_parse_iso("2025-11-27T21:19:54", &ms), -1);
}

Test(rand, same_seed_same_sequence_and_names)
{
    mtv_rand *a = rand_new(12345), *b = rand_new(12345), *c = rand_new(12346);
    int differs = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = rand_u64(a), y = rand_u64(b), z = rand_u64(c);
        cr_assert_eq(x, y);
        differs += x != z;
    }
    cr_assert_gt(differs, 90);
    strbuf n1 = STRBUF_INIT, n2 = STRBUF_INIT;
    rand_name(a, "auto", 6, &n1);
    rand_name(b, "auto", 6, &n2);
    cr_assert_str_eq(n1.buf, n2.buf);
    cr_assert_eq(n1.len, 11);
    cr_assert_eq(strncmp(n1.buf, "auto-", 5), 0);
    for (size_t i = 5; i < n1.len; i++)
        cr_assert((n1.buf[i] >= 'a' && n1.buf[i] <= 'z') || (n1.buf[i] >= '0' && n1.buf[i] <= '9'));
    sb_release(&n1);
    sb_release(&n2);
    rand_free(a);
    rand_free(b);
    rand_free(c);
}

Test(rand, below_stays_in_range_and_covers_it)
{
    mtv_rand *r = rand_new(7);
    int seen[10] = {0};
    for (int i = 0; i < 2000; i++) {
        uint64_t v = rand_below(r, 10);
        cr_assert_lt(v, 10);
        seen[v]++;
    }
    for (int i = 0; i < 10; i++)
        cr_assert_gt(seen[i], 100, "value %d drawn %d times", i, seen[i]);
    double u = rand_unit(r);
    cr_assert(u >= 0.0 && u < 1.0);
    cr_assert_eq(rand_below(r, 0), 0);
    rand_free(r);
}

Test(rand, seeds_format_and_parse_without_losing_bits)
{
    char text[24];
    rand_seed_format(0xfedcba9876543210ULL, text);
    cr_assert_str_eq(text, "0xfedcba9876543210");
    uint64_t s = 0;
    cr_assert_eq(rand_seed_parse(text, &s), 0);
    cr_assert_eq(s, 0xfedcba9876543210ULL);
    cr_assert_eq(rand_seed_parse("12", &s), 0);
    cr_assert_eq(s, 12);
    cr_assert_eq(rand_seed_parse("-1", &s), -1);
    cr_assert_eq(rand_seed_parse("0xzz", &s), -1);
    mtv_rand *r = rand_new_entropy();
    mtv_rand *r2 = rand_new_entropy();
    cr_assert_neq(rand_seed(r), rand_seed(r2));
    rand_free(r);
    rand_free(r2);
}
