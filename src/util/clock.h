/*
 * clock: the one source of time. Every sleep, timeout, deadline and timestamp
 * in the program reads this clock, so that replay can swap real time for
 * virtual time: a virtual sleep returns at once and moves the clock forward,
 * which makes an hour of polling replay in milliseconds while every branch
 * that depends on elapsed time is taken exactly as it was when recorded.
 *
 * Two readings: wall time (milliseconds since the Unix epoch, for timestamps)
 * and monotonic time (milliseconds since the clock was made, for deadlines
 * and durations). A virtual clock starts at a given wall time (the recorded
 * run's start, from the cassette) with monotonic time 0.
 *
 * Thread-safe: readings and advances are atomic. The clock is owned by whoever
 * made it (clock_free); the transport owns the clock of a run.
 */
#ifndef MTV_UTIL_CLOCK_H
#define MTV_UTIL_CLOCK_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mtv_clock mtv_clock;

/* Real time; monotonic time counts from this call. */
mtv_clock *clock_new_real(void);
/* Virtual time starting at wall time start_ms (epoch milliseconds). */
mtv_clock *clock_new_virtual(int64_t start_ms);
void clock_free(mtv_clock *c);

int clock_is_virtual(const mtv_clock *c);
/* Wall time in epoch milliseconds. */
int64_t clock_now_ms(mtv_clock *c);
/* Wall time at which the clock started (epoch milliseconds). */
int64_t clock_start_ms(const mtv_clock *c);
/* Milliseconds since the clock started, never decreasing. Sub-millisecond
 * resolution is kept in clock_mono_us. */
int64_t clock_mono_ms(mtv_clock *c);
int64_t clock_mono_us(mtv_clock *c);

/* Sleeps ms milliseconds (real: nanosleep, resumed after signals; virtual:
 * advances the clock and returns at once). ms <= 0 returns at once. */
void clock_sleep_ms(mtv_clock *c, int64_t ms);
/* The same, cut short once *cancel (may be NULL) is non-zero: a real clock
 * looks at it every CLOCK_CANCEL_POLL_MS. Returns 0 after the whole sleep,
 * -1 when cancelled (before or during it). */
#define CLOCK_CANCEL_POLL_MS 100
int clock_sleep_ms_cancel(mtv_clock *c, int64_t ms, atomic_int *cancel);
/* Virtual only: moves monotonic time forward to mono_ms if it is behind
 * (replay follows the recorded timeline with this). No-op on a real clock. */
void clock_advance_to_ms(mtv_clock *c, int64_t mono_ms);

/* A point on the monotonic axis; 0 means "no deadline". */
typedef struct clock_deadline {
    int64_t at_ms;
} clock_deadline;

clock_deadline clock_deadline_in(mtv_clock *c, int64_t ms);
/* Milliseconds left (0 when passed; INT64_MAX for no deadline). */
int64_t clock_deadline_left_ms(mtv_clock *c, clock_deadline d);
int clock_deadline_passed(mtv_clock *c, clock_deadline d);

/* ISO 8601 UTC with milliseconds ("2026-11-27T21:19:54.123Z") of an epoch
 * millisecond value. out must hold 32 bytes. */
void clock_format_iso(int64_t epoch_ms, char out[32]);
/* Parses the same format (also without fraction, or with an offset).
 * Returns 0, or -1 when text is not such a timestamp. */
int clock_parse_iso(const char *text, int64_t *epoch_ms);

#endif
