/*
 * err: the one error object every fallible function fills.
 *
 * A function that can fail returns int (0 = ok, -1 = failed) and writes a
 * message a user can act on into a caller-owned mtv_err, together with the
 * exit-code class the failure belongs to. Callers add context by prefixing
 * ("reading scenarios/x.json: ...") rather than by wrapping objects, so the
 * struct stays a fixed-size value that needs no freeing and is safe to keep
 * on the stack of any thread.
 */
#ifndef MTV_UTIL_ERR_H
#define MTV_UTIL_ERR_H

#include <stddef.h>

/* Process exit codes; documented in every --help and in the README. */
enum mtv_exit {
    MTV_EXIT_OK = 0,
    MTV_EXIT_FAILURES = 1,   /* validation ran, some tests failed */
    MTV_EXIT_USAGE = 2,      /* bad command line or configuration */
    MTV_EXIT_ENV = 3,        /* environment or infrastructure error */
    MTV_EXIT_DIVERGED = 4,   /* replay diverged from the recording */
};

#define MTV_ERR_MSG_MAX 4096

typedef struct mtv_err {
    int exit_code;                /* one of enum mtv_exit; 0 when unset */
    char msg[MTV_ERR_MSG_MAX];
} mtv_err;

/* Resets to "no error". */
void mtv_err_clear(mtv_err *err);

/* Sets the message (printf-style) and exit class; returns -1 so callers can
 * write `return mtv_err_set(err, MTV_EXIT_USAGE, "...")`. err may be NULL. */
int mtv_err_set(mtv_err *err, int exit_code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends context: "<prefix>: <old message>". Keeps the exit class. */
void mtv_err_prefix(mtv_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* True once a message has been set. */
int mtv_err_is_set(const mtv_err *err);

#endif
