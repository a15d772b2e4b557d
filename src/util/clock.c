/* clock: see clock.h. The virtual clock is a counter of microseconds. */
#include "util/clock.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mtv_clock {
    int is_virtual;
    int64_t start_ms;            /* wall time at creation */
    struct timespec mono0;       /* real: monotonic origin */
    _Atomic int64_t virt_us;     /* virtual: microseconds since start */
};

static int64_t ts_us(const struct timespec *ts)
{
    return (int64_t)ts->tv_sec * 1000000 + ts->tv_nsec / 1000;
}

mtv_clock *clock_new_real(void)
{
    mtv_clock *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    c->start_ms = ts_us(&now) / 1000;
    clock_gettime(CLOCK_MONOTONIC, &c->mono0);
    return c;
}

mtv_clock *clock_new_virtual(int64_t start_ms)
{
    mtv_clock *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->is_virtual = 1;
    c->start_ms = start_ms;
    atomic_init(&c->virt_us, 0);
    return c;
}

void clock_free(mtv_clock *c)
{
    free(c);
}

int clock_is_virtual(const mtv_clock *c)
{
    return c->is_virtual;
}

int64_t clock_start_ms(const mtv_clock *c)
{
    return c->start_ms;
}

int64_t clock_mono_us(mtv_clock *c)
{
    if (c->is_virtual)
        return atomic_load(&c->virt_us);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return ts_us(&now) - ts_us(&c->mono0);
}

int64_t clock_mono_ms(mtv_clock *c)
{
    return clock_mono_us(c) / 1000;
}

int64_t clock_now_ms(mtv_clock *c)
{
    if (c->is_virtual)
        return c->start_ms + atomic_load(&c->virt_us) / 1000;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return ts_us(&now) / 1000;
}

void clock_sleep_ms(mtv_clock *c, int64_t ms)
{
    if (ms <= 0)
        return;
    if (c->is_virtual) {
        if (ms > INT64_MAX / 4000)
            ms = INT64_MAX / 4000;
        atomic_fetch_add(&c->virt_us, ms * 1000);
        return;
    }
    struct timespec req = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L}, rem;
    while (nanosleep(&req, &rem) < 0 && errno == EINTR)
        req = rem;
}

int clock_sleep_ms_cancel(mtv_clock *c, int64_t ms, atomic_int *cancel)
{
    if (!cancel) {
        clock_sleep_ms(c, ms);
        return 0;
    }
    if (c->is_virtual) {
        if (atomic_load(cancel))
            return -1;
        clock_sleep_ms(c, ms);
        return 0;
    }
    clock_deadline dl = clock_deadline_in(c, ms > 0 ? ms : 0);
    for (;;) {
        if (atomic_load(cancel))
            return -1;
        int64_t left = clock_deadline_left_ms(c, dl);
        if (ms <= 0 || left <= 0)
            return 0;
        clock_sleep_ms(c, left < CLOCK_CANCEL_POLL_MS ? left : CLOCK_CANCEL_POLL_MS);
    }
}

void clock_advance_to_ms(mtv_clock *c, int64_t mono_ms)
{
    if (!c->is_virtual)
        return;
    if (mono_ms > INT64_MAX / 2000)
        mono_ms = INT64_MAX / 2000;   /* no overflow, whatever a cassette says */
    int64_t want = mono_ms * 1000;
    int64_t cur = atomic_load(&c->virt_us);
    while (cur < want && !atomic_compare_exchange_weak(&c->virt_us, &cur, want))
        ;
}

clock_deadline clock_deadline_in(mtv_clock *c, int64_t ms)
{
    clock_deadline d = {clock_mono_ms(c) + (ms > 0 ? ms : 0)};
    if (d.at_ms == 0)
        d.at_ms = 1; /* 0 is reserved for "none" */
    return d;
}

int64_t clock_deadline_left_ms(mtv_clock *c, clock_deadline d)
{
    if (d.at_ms == 0)
        return INT64_MAX;
    int64_t left = d.at_ms - clock_mono_ms(c);
    return left > 0 ? left : 0;
}

int clock_deadline_passed(mtv_clock *c, clock_deadline d)
{
    return d.at_ms != 0 && clock_mono_ms(c) >= d.at_ms;
}

void clock_format_iso(int64_t epoch_ms, char out[32])
{
    time_t secs = (time_t)(epoch_ms / 1000);
    int ms = (int)(epoch_ms % 1000);
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t k = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + k, 32 - k, ".%03dZ", ms);
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int clock_parse_iso(const char *text, int64_t *epoch_ms)
{
    const char *p = text;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y, mo, d, h, mi, s;
    if (!p || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d) || (*p != 'T' && *p != ' ') || !*p++ || digits(&p, 2, &h) ||
        *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' || digits(&p, 2, &s))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return -1;
    int64_t frac = 0;
    if (*p == '.') {
        p++;
        int scale = 100, any = 0;
        while (*p >= '0' && *p <= '9') {
            frac += (*p - '0') * scale;
            scale /= 10;
            p++;
            any = 1;
        }
        if (!any)
            return -1;
    }
    int64_t offset_min = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (digits(&p, 2, &oh))
            return -1;
        if (*p == ':')
            p++;
        if (digits(&p, 2, &om))
            return -1;
        offset_min = sign * (oh * 60 + om);
    } else {
        return -1;
    }
    if (*p)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    time_t t = timegm(&tm);
    *epoch_ms = ((int64_t)t - offset_min * 60) * 1000 + frac;
    return 0;
}
