/*
 * watch: the run's interruption source. One thread waits for SIGINT and
 * SIGTERM (blocked in every other thread, so no handler and no global state
 * is needed) and for the run deadline:
 *
 *   first signal or the deadline  sets the run's cancel flag; the run winds
 *                                 down (teardown, cassettes, results);
 *   second signal                 exits at once with 128+signal.
 *
 * Start it before any other thread of the run, so they inherit the mask.
 */
#ifndef MTV_RUNNER_WATCH_H
#define MTV_RUNNER_WATCH_H

#include <stdatomic.h>
#include <stdint.h>

#include "util/err.h"

typedef struct run_watch run_watch;

/* signals: handle SIGINT/SIGTERM; timeout_ms: 0 = no deadline. */
int run_watch_start(run_watch **out, atomic_int *cancel, int signals, int64_t timeout_ms,
                    mtv_err *err);
/* The signal that interrupted the run, or 0. */
int run_watch_signal(run_watch *w);
int run_watch_timed_out(run_watch *w);
/* Stops the thread and restores the signal mask. NULL is fine. */
void run_watch_stop(run_watch *w);

#endif
