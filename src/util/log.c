/* log: see log.h. */
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <strings.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static enum log_level console_level = LOG_INFO;
static enum log_level file_level = LOG_DEBUG;
static FILE *log_file;
static secret_registry *registry;

static _Thread_local log_tap thread_tap;

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error", "off"};

static void log_init_once(void)
{
    registry = secrets_new();
}

secret_registry *log_secrets(void)
{
    pthread_once(&log_once, log_init_once);
    return registry;
}

int log_level_parse(const char *name, enum log_level *out, mtv_err *err)
{
    for (int i = LOG_TRACE; i <= LOG_OFF; i++) {
        if (name && strcasecmp(name, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    if (name && strcasecmp(name, "warning") == 0) {
        *out = LOG_WARN;
        return 0;
    }
    return mtv_err_set(err, MTV_EXIT_USAGE,
                       "unknown log level '%s': expected one of trace, debug, info, warn, error, off",
                       name ? name : "");
}

const char *log_level_name(enum log_level level)
{
    return level >= LOG_TRACE && level <= LOG_OFF ? level_names[level] : "?";
}

void log_set_level(enum log_level level)
{
    pthread_mutex_lock(&log_lock);
    console_level = level;
    pthread_mutex_unlock(&log_lock);
}

enum log_level log_get_level(void)
{
    return console_level;
}

int log_set_file(const char *path, enum log_level level, mtv_err *err)
{
    FILE *f = NULL;
    if (path && !(f = fopen(path, "a")))
        return mtv_err_set(err, MTV_EXIT_ENV, "cannot open log file %s: %s", path, strerror(errno));
    pthread_mutex_lock(&log_lock);
    if (log_file)
        fclose(log_file);
    log_file = f;
    file_level = level;
    pthread_mutex_unlock(&log_lock);
    return 0;
}

static void format_time(char *buf, size_t n)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    size_t k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + k, n - k, ".%03dZ", (int)(tv.tv_usec / 1000));
}

void log_set_thread_tap(const log_tap *tap)
{
    if (tap)
        thread_tap = *tap;
    else
        memset(&thread_tap, 0, sizeof thread_tap);
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
    int tapped = thread_tap.fn && level >= thread_tap.level && level < LOG_OFF;
    if (level >= LOG_OFF ||
        (level < console_level && (!log_file || level < file_level) && !tapped))
        return;
    strbuf raw = STRBUF_INIT, line = STRBUF_INIT;
    sb_vaddf(&raw, fmt, ap);
    char ts[40];
    format_time(ts, sizeof ts);
    sb_addf(&line, "%s %-5s ", ts, level_names[level]);
    if (thread_tap.prefix)
        sb_adds(&line, thread_tap.prefix);
    for (char *p = raw.buf; p && *p; p++)   /* one record per line, always */
        if (*p == '\n' && p[1])
            *p = ' ';
    secrets_mask(log_secrets(), raw.buf ? raw.buf : "", raw.len, &line);
    if (line.len == 0 || line.buf[line.len - 1] != '\n')
        sb_addc(&line, '\n');
    pthread_mutex_lock(&log_lock);
    if (level >= console_level)
        fputs(line.buf, stderr);
    if (log_file && level >= file_level) {
        fputs(line.buf, log_file);
        fflush(log_file);
    }
    pthread_mutex_unlock(&log_lock);
    if (tapped)
        thread_tap.fn(thread_tap.ud, level, line.buf, line.len);
    sb_release(&raw);
    sb_release(&line);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}

void log_report_error(const mtv_err *err)
{
    if (!mtv_err_is_set(err))
        return;
    strbuf masked = STRBUF_INIT;
    secrets_mask(log_secrets(), err->msg, strlen(err->msg), &masked);
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "mtv-validate: error: %s\n", sb_str(&masked));
    if (log_file) {
        char ts[40];
        format_time(ts, sizeof ts);
        fprintf(log_file, "%s error %s\n", ts, sb_str(&masked));
        fflush(log_file);
    }
    pthread_mutex_unlock(&log_lock);
    sb_release(&masked);
}

void log_shutdown(void)
{
    pthread_mutex_lock(&log_lock);
    if (log_file)
        fclose(log_file);
    log_file = NULL;
    pthread_mutex_unlock(&log_lock);
}
