/*
 * console: what a person watching a run sees.
 *
 * A console consumes progress events (util/progress.h): scenario and step
 * lines as they finish, and during long waits each VM's phase, pipeline step
 * and percent. On a terminal the in-flight part (running scenarios, their
 * current step and VMs) is a block at the bottom that is redrawn in place;
 * anywhere else (CI logs, files) the same information comes as plain lines,
 * a VM's progress at most once per interval unless its phase changes, so a
 * log stays readable. Colours only on a terminal, and never when NO_COLOR is
 * set to a non-empty value (no-color.org) or TERM is "dumb".
 *
 * At the end, console_summary prints the failures, pytest's summary line
 * ("3 passed, 1 failed, 0 skipped, 1 xfailed, 0 errors in 12.34s") and the
 * paths of the artifacts. Every line is masked through the secret registry
 * before it is written.
 *
 * Thread-safe: events from parallel scenarios may arrive at once.
 * Ownership: the console borrows out, the registry and the clock; it owns
 * its copies of event strings.
 */
#ifndef MTV_REPORTERS_CONSOLE_H
#define MTV_REPORTERS_CONSOLE_H

#include <stddef.h>
#include <stdio.h>

#include "runner/results.h"
#include "util/clock.h"
#include "util/progress.h"
#include "util/secrets.h"
#include "util/strbuf.h"

typedef struct console console;

typedef struct console_opts {
    int tty;                        /* -1: isatty(out); 0: plain lines; 1: redraw in place */
    int color;                      /* -1: on a terminal unless NO_COLOR / TERM=dumb; 0; 1 */
    long interval_ms;               /* plain mode: a VM's line at most this often; 0 = 30000 */
    int width;                      /* terminal columns; 0 = ask the terminal, else $COLUMNS, else 80 */
    const secret_registry *secrets; /* NULL = the logger's registry */
    mtv_clock *clock;               /* NULL = a real clock of its own */
} console_opts;

/* Opens a console on out; o may be NULL (all automatic). */
console *console_new(FILE *out, const console_opts *o);
/* Clears the live block and frees; out stays open. */
void console_free(console *c);

/* The progress callback (ud = the console), and a sink wrapping it. */
void console_progress(void *ud, const progress_event *ev);
progress_sink console_sink(console *c);

int console_is_tty(const console *c);
int console_has_color(const console *c);

typedef struct console_artifact {
    const char *what;               /* "junit", "log", "results", "cassettes" */
    const char *path;
} console_artifact;

/* Failures and errors (one line each), the summary line, then the
 * artifacts. */
void console_summary(console *c, const run_results *r, const console_artifact *artifacts, size_t n);

/* pytest's summary line for r without colour: "N passed, N failed, N
 * skipped, N xfailed, N errors in Xs" (", N xpassed" after xfailed when
 * there are any). Appends to out. */
void console_summary_line(const run_results *r, strbuf *out);

#endif
