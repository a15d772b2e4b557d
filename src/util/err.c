/* err: see err.h. Messages are truncated, never overflowed. */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void mtv_err_clear(mtv_err *err)
{
    if (!err)
        return;
    err->exit_code = 0;
    err->msg[0] = '\0';
}

int mtv_err_set(mtv_err *err, int exit_code, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->exit_code = exit_code ? exit_code : MTV_EXIT_ENV;
    return -1;
}

void mtv_err_prefix(mtv_err *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    size_t plen = strlen(prefix), olen = strlen(err->msg);
    if (plen + 2 >= sizeof err->msg)
        plen = sizeof err->msg - 3;
    if (plen + 2 + olen >= sizeof err->msg)
        olen = sizeof err->msg - plen - 3;
    memmove(err->msg + plen + 2, err->msg, olen);
    memcpy(err->msg, prefix, plen);
    err->msg[plen] = ':';
    err->msg[plen + 1] = ' ';
    err->msg[plen + 2 + olen] = '\0';
    if (!err->exit_code)
        err->exit_code = MTV_EXIT_ENV;
}

int mtv_err_is_set(const mtv_err *err)
{
    return err && err->msg[0] != '\0';
}
