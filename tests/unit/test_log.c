/* Unit tests for util/log: levels, file sink, masking of registered secrets. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/log.h"

Test(log, level_names_parse_and_reject)
{
    enum log_level lvl;
    mtv_err err;
    cr_assert_eq(log_level_parse("DEBUG", &lvl, &err), 0);
    cr_assert_eq(lvl, LOG_DEBUG);
    cr_assert_eq(log_level_parse("warning", &lvl, &err), 0);
    cr_assert_eq(lvl, LOG_WARN);
    cr_assert_eq(log_level_parse("loud", &lvl, &err), -1);
    cr_assert(strstr(err.msg, "unknown log level 'loud'"));
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
}

Test(log, file_gets_masked_iso_lines)
{
    const char *dir = tu_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/run.log", dir);
    mtv_err err;
    log_set_level(LOG_OFF);
    cr_assert_eq(log_set_file(path, LOG_DEBUG, &err), 0);
    secrets_add(log_secrets(), "ovirt.password", "Hunter2-canary");
    log_info("logging in with %s", "Hunter2-canary");
    log_debug("two\nlines");
    log_trace("not written at debug");
    mtv_err_set(&err, MTV_EXIT_ENV, "login failed for password Hunter2-canary");
    log_report_error(&err);
    log_set_file(NULL, LOG_DEBUG, &err);
    size_t n;
    char *text = tu_read(path, &n);
    cr_assert_not_null(text);
    cr_assert(!tu_contains(text, n, "Hunter2-canary"), "secret leaked: %s", text);
    cr_assert(tu_contains(text, n, "logging in with <redacted:ovirt.password>"), "%s", text);
    cr_assert(tu_contains(text, n, "info  logging"), "%s", text);
    cr_assert(tu_contains(text, n, "two lines"), "one record per line: %s", text);
    cr_assert(!tu_contains(text, n, "not written"), "%s", text);
    cr_assert(tu_contains(text, n, "Z info"), "ISO timestamp with Z: %s", text);
    cr_assert(tu_contains(text, n, "login failed for password <redacted:ovirt.password>"), "%s", text);
    free(text);
}

Test(log, unwritable_file_is_a_clear_error)
{
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(log_set_file("/nonexistent-dir/x.log", LOG_DEBUG, &err), -1);
    cr_assert(strstr(err.msg, "/nonexistent-dir/x.log"), "%s", err.msg);
}

typedef struct tap_box {
    strbuf lines;
    int calls;
} tap_box;

static void tap_collect(void *ud, enum log_level level, const char *line, size_t n)
{
    tap_box *b = ud;
    (void)level;
    sb_add(&b->lines, line, n);
    b->calls++;
}

static void *other_thread(void *ud)
{
    (void)ud;
    log_info("from another thread");
    return NULL;
}

Test(log, thread_tap_gets_only_this_threads_masked_lines)
{
    log_set_level(LOG_OFF);
    secrets_add(log_secrets(), "tap.password", "Tapped-canary-77");
    tap_box box = {STRBUF_INIT, 0};
    log_tap tap = {tap_collect, &box, LOG_DEBUG, "[scenario-a] "};
    log_set_thread_tap(&tap);
    log_debug("password is %s", "Tapped-canary-77");
    log_trace("below the tap level");
    pthread_t th;
    pthread_create(&th, NULL, other_thread, NULL);
    pthread_join(th, NULL);
    log_set_thread_tap(NULL);
    log_info("after the tap was removed");
    cr_assert_eq(box.calls, 1);
    cr_assert(strstr(box.lines.buf, "[scenario-a] password is <redacted:tap.password>"), "%s",
              box.lines.buf);
    cr_assert_null(strstr(box.lines.buf, "Tapped-canary-77"));
    cr_assert_null(strstr(box.lines.buf, "another thread"));
    sb_release(&box.lines);
}
