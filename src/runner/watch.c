/* watch: see watch.h. sigtimedwait in a loop, waking every 200 ms to check
 * the deadline; SIGUSR2, blocked like the others and sent to this thread
 * alone, wakes it at once when the run is over. */
#include "runner/watch.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/log.h"

struct run_watch {
    pthread_t thread;
    atomic_int *cancel;
    atomic_int stop;
    atomic_int sig;
    atomic_int timed_out;
    sigset_t set, old;
    mtv_clock *clock;
    clock_deadline deadline;
};

static const char *sig_name(int s)
{
    return s == SIGINT ? "SIGINT" : s == SIGTERM ? "SIGTERM" : "a signal";
}

static void *watch_main(void *ud)
{
    run_watch *w = ud;
    struct timespec tick = {0, 200 * 1000 * 1000};
    while (!atomic_load(&w->stop)) {
        siginfo_t info;
        int s = sigtimedwait(&w->set, &info, &tick);
        if (s == SIGUSR2)
            continue;   /* stop: the loop condition says so */
        if (s > 0) {
            if (atomic_load(&w->sig)) {
                log_error("second %s: exiting now; objects this run created are listed in "
                          "resources.json for 'mtv-validate cleanup'",
                          sig_name(s));
                _exit(128 + s);
            }
            atomic_store(&w->sig, s);
            atomic_store(w->cancel, 1);
            log_warn("%s: cancelling running migrations and tearing down; send it again to exit "
                     "at once",
                     sig_name(s));
            continue;
        }
        if (w->deadline.at_ms && !atomic_load(&w->timed_out) &&
            clock_deadline_passed(w->clock, w->deadline)) {
            atomic_store(&w->timed_out, 1);
            atomic_store(w->cancel, 1);
            log_warn("the run's --timeout has passed: cancelling and tearing down");
        }
    }
    return NULL;
}

int run_watch_start(run_watch **out, atomic_int *cancel, int signals, int64_t timeout_ms,
                    mtv_err *err)
{
    run_watch *w = calloc(1, sizeof *w);
    if (!w)
        abort();
    w->cancel = cancel;
    w->clock = clock_new_real();
    if (timeout_ms > 0)
        w->deadline = clock_deadline_in(w->clock, timeout_ms);
    sigemptyset(&w->set);
    sigaddset(&w->set, SIGUSR2);
    if (signals) {
        sigaddset(&w->set, SIGINT);
        sigaddset(&w->set, SIGTERM);
    }
    pthread_sigmask(SIG_BLOCK, &w->set, &w->old);
    int rc = pthread_create(&w->thread, NULL, watch_main, w);
    if (rc != 0) {
        pthread_sigmask(SIG_SETMASK, &w->old, NULL);
        clock_free(w->clock);
        free(w);
        *out = NULL;
        return mtv_err_set(err, MTV_EXIT_ENV, "cannot start the run's watch thread: %s", strerror(rc));
    }
    *out = w;
    return 0;
}

int run_watch_signal(run_watch *w)
{
    return w ? atomic_load(&w->sig) : 0;
}

int run_watch_timed_out(run_watch *w)
{
    return w ? atomic_load(&w->timed_out) : 0;
}

void run_watch_stop(run_watch *w)
{
    if (!w)
        return;
    atomic_store(&w->stop, 1);
    pthread_kill(w->thread, SIGUSR2);
    pthread_join(w->thread, NULL);
    pthread_sigmask(SIG_SETMASK, &w->old, NULL);
    clock_free(w->clock);
    free(w);
}
