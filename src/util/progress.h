/*
 * progress: what a run reports while it works, as plain events.
 *
 * The migration lifecycle (layer 4) knows each VM's phase, pipeline step and
 * percent during long waits; the console reporter (layer 5) draws them. The
 * event type and callback live here, below both, so the lifecycle reports
 * progress without knowing who listens: it calls progress_emit on the sink
 * it was given, and a NULL sink (tests, replay without a console) is fine.
 *
 * Events carry borrowed strings, valid only during the call: a consumer
 * copies what it keeps. Sinks may be called from several threads at once
 * (scenarios run in parallel jobs); a consumer locks what it shares.
 */
#ifndef MTV_UTIL_PROGRESS_H
#define MTV_UTIL_PROGRESS_H

#include <stddef.h>

enum progress_kind {
    PROGRESS_RUN_START,       /* total: scenarios in the run */
    PROGRESS_SCENARIO_START,  /* scenario; index (1-based) of total */
    PROGRESS_STEP_START,      /* scenario, step */
    PROGRESS_VM,              /* scenario, step, vm, phase, detail, percent */
    PROGRESS_STEP_END,        /* scenario, step, status, message, seconds */
    PROGRESS_SCENARIO_END,    /* scenario, seconds */
    PROGRESS_NOTE,            /* scenario (may be NULL), detail: free text */
};

typedef struct progress_event {
    enum progress_kind kind;
    const char *scenario;     /* the scenario's test name */
    const char *step;         /* "storagemap", "migrate", "check_vms" */
    const char *vm;           /* source VM name */
    const char *phase;        /* MTV's VM phase: "DiskTransfer", "ImageConversion", "Completed" */
    const char *detail;       /* pipeline step ("DiskTransfer: disk 1 of 2") or note text */
    int percent;              /* 0..100; -1 when unknown */
    const char *status;       /* STEP_END: "passed", "failed", "error", "skipped", "xfailed", "xpassed" */
    const char *message;      /* STEP_END: failure, skip or xfail reason; may be NULL */
    double seconds;           /* STEP_END, SCENARIO_END: duration */
    size_t index, total;      /* RUN_START: total; SCENARIO_START: index of total */
} progress_event;

typedef void (*progress_fn)(void *ud, const progress_event *ev);

typedef struct progress_sink {
    progress_fn fn;           /* NULL: nobody listens */
    void *ud;
} progress_sink;

/* Calls sink->fn(ud, ev) when there is a listener; sink may be NULL. */
void progress_emit(const progress_sink *sink, const progress_event *ev);

/* Shorthand for a PROGRESS_VM event. */
void progress_vm(const progress_sink *sink, const char *scenario, const char *step, const char *vm,
                 const char *phase, const char *detail, int percent);

#endif
