/* progress: see progress.h. */
#include "util/progress.h"

void progress_emit(const progress_sink *sink, const progress_event *ev)
{
    if (sink && sink->fn && ev)
        sink->fn(sink->ud, ev);
}

void progress_vm(const progress_sink *sink, const char *scenario, const char *step, const char *vm,
                 const char *phase, const char *detail, int percent)
{
    progress_event ev = {.kind = PROGRESS_VM, .scenario = scenario, .step = step, .vm = vm,
                         .phase = phase, .detail = detail, .percent = percent};
    progress_emit(sink, &ev);
}
