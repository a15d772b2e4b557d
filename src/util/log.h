/*
 * log: the one logger, and the only global mutable state in the program.
 *
 * Lines look like "2026-11-27T21:19:54.123Z INFO  message" and go to stderr
 * (at or above the console level) and, when a log file is set, to that file
 * (at or above the file level, default debug). Every line passes through the
 * logger's secret registry first, so a credential can never reach a log in
 * any encoding the registry knows. Thread-safe; a line is written whole.
 */
#ifndef MTV_UTIL_LOG_H
#define MTV_UTIL_LOG_H

#include <stdarg.h>

#include "util/err.h"
#include "util/secrets.h"

enum log_level { LOG_TRACE, LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

/* Parses "trace|debug|info|warn|error|off" (case-insensitive). */
int log_level_parse(const char *name, enum log_level *out, mtv_err *err);
const char *log_level_name(enum log_level level);

void log_set_level(enum log_level level);          /* console; default info */
enum log_level log_get_level(void);
/* Opens (appends to) path for the file sink; NULL closes it. */
int log_set_file(const char *path, enum log_level level, mtv_err *err);

/* The registry whose values are masked in every line. Never NULL. */
secret_registry *log_secrets(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap);

#define log_trace(...) log_msg(LOG_TRACE, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/*
 * Per-thread tap: while set, every line this thread logs at or above
 * tap->level is also handed, masked and time-stamped, to tap->fn, and every
 * line this thread writes to the console and the log file starts with
 * tap->prefix (e.g. "[test_x] "). The runner uses it to give each scenario
 * its own log and each step its captured output while scenarios run in
 * parallel. The struct is copied; prefix and ud are borrowed. NULL clears.
 */
typedef void (*log_tap_fn)(void *ud, enum log_level level, const char *line, size_t n);
typedef struct log_tap {
    log_tap_fn fn;
    void *ud;
    enum log_level level;
    const char *prefix;
} log_tap;
void log_set_thread_tap(const log_tap *tap);

/* Writes "mtv-validate: error: <msg>" to stderr (masked) and logs it. */
void log_report_error(const mtv_err *err);

/* Closes the file sink. */
void log_shutdown(void);

#endif
