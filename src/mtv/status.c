/* status: see status.h. */
#include "mtv/status.h"

#include <stdlib.h>
#include <string.h>

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const char *str(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(get(o, k));
}

static const cJSON *condition(const cJSON *obj, const char *type)
{
    const cJSON *conds = get(get(obj, "status"), "conditions");
    for (const cJSON *c = cJSON_IsArray(conds) ? conds->child : NULL; c; c = c->next)
        if (str(c, "type") && !strcmp(str(c, "type"), type))
            return c;
    return NULL;
}

static int cond_true(const cJSON *c)
{
    return c && str(c, "status") && !strcmp(str(c, "status"), "True");
}

/* 1 when status.observedGeneration (if any) has reached metadata.generation. */
static int caught_up(const cJSON *obj)
{
    const cJSON *gen = get(get(obj, "metadata"), "generation");
    const cJSON *seen = get(get(obj, "status"), "observedGeneration");
    if (!cJSON_IsNumber(gen) || !cJSON_IsNumber(seen))
        return 1;
    return seen->valuedouble >= gen->valuedouble;
}

static void add_condition_line(strbuf *out, const cJSON *c)
{
    sb_addf(out, "%s=%s", str(c, "type") ? str(c, "type") : "?",
            str(c, "status") ? str(c, "status") : "?");
    if (str(c, "category"))
        sb_addf(out, " [%s]", str(c, "category"));
    if (str(c, "reason") && *str(c, "reason"))
        sb_addf(out, " %s", str(c, "reason"));
    if (str(c, "message") && *str(c, "message"))
        sb_addf(out, ": %s", str(c, "message"));
}

static void blocking(const cJSON *obj, strbuf *why)
{
    const cJSON *conds = get(get(obj, "status"), "conditions");
    for (const cJSON *c = cJSON_IsArray(conds) ? conds->child : NULL; c; c = c->next) {
        const char *cat = str(c, "category");
        if (cat && (!strcmp(cat, "Critical") || !strcmp(cat, "Error")) && cond_true(c)) {
            if (why->len)
                sb_adds(why, "; ");
            add_condition_line(why, c);
        }
    }
}

int mtv_status_ready(const cJSON *obj, strbuf *why)
{
    if (cond_true(condition(obj, "Ready")) && caught_up(obj))
        return 1;
    if (!why)
        return 0;
    blocking(obj, why);
    if (!why->len && !caught_up(obj))
        sb_adds(why, "the controller has not yet seen the latest generation");
    if (!why->len)
        sb_adds(why, "no Ready condition yet");
    return 0;
}

int mtv_status_provider(const cJSON *provider, strbuf *why)
{
    const char *phase = str(get(provider, "status"), "phase");
    if (phase && !strcmp(phase, "ConnectionFailed")) {
        if (why) {
            sb_adds(why, "phase ConnectionFailed");
            strbuf b = STRBUF_INIT;
            blocking(provider, &b);
            if (b.len)
                sb_addf(why, ": %s", b.buf);
            sb_release(&b);
        }
        return -1;
    }
    return mtv_status_ready(provider, why);
}

#define DESCRIBE_MAX_ITEMS 10

void mtv_status_describe(const cJSON *obj, strbuf *out)
{
    const char *kind = str(obj, "kind");
    const char *name = str(get(obj, "metadata"), "name");
    sb_addf(out, "%s %s", kind ? kind : "object", name ? name : "?");
    const char *phase = str(get(obj, "status"), "phase");
    if (phase)
        sb_addf(out, " phase %s", phase);
    const cJSON *gen = get(get(obj, "metadata"), "generation");
    const cJSON *seen = get(get(obj, "status"), "observedGeneration");
    if (cJSON_IsNumber(gen) && cJSON_IsNumber(seen))
        sb_addf(out, " generation %.0f (observed %.0f)", gen->valuedouble, seen->valuedouble);
    else if (cJSON_IsNumber(gen))
        sb_addf(out, " generation %.0f (never observed)", gen->valuedouble);
    const cJSON *conds = get(get(obj, "status"), "conditions");
    int any = 0;
    for (const cJSON *c = cJSON_IsArray(conds) ? conds->child : NULL; c; c = c->next) {
        sb_adds(out, any ? "\n  " : ":\n  ");
        add_condition_line(out, c);
        /* what a condition is about (the VMs with critical concerns, ...) */
        const cJSON *items = get(c, "items");
        int n = 0;
        for (const cJSON *i = cJSON_IsArray(items) ? items->child : NULL; i; i = i->next) {
            if (!cJSON_IsString(i))
                continue;
            if (++n > DESCRIBE_MAX_ITEMS) {
                sb_addf(out, "\n    ... %d more", cJSON_GetArraySize(items) - DESCRIBE_MAX_ITEMS);
                break;
            }
            sb_addf(out, "\n    - %s", i->valuestring);
        }
        any = 1;
    }
    if (!any)
        sb_adds(out, ": no conditions");
}

static const char *const EXEC_NAMES[] = {"waiting", "running", "succeeded", "failed", "canceled"};

const char *mtv_exec_name(enum mtv_exec e)
{
    return e <= MTV_EXEC_CANCELED ? EXEC_NAMES[e] : "?";
}

static int advisory_true(const cJSON *plan, const char *type)
{
    const cJSON *c = condition(plan, type);
    const char *cat = str(c, "category");
    return cond_true(c) && (!cat || !strcmp(cat, "Advisory"));
}

enum mtv_exec mtv_status_exec(const cJSON *plan, const char *migration_uid)
{
    const cJSON *hist = get(get(get(plan, "status"), "migration"), "history");
    int n = cJSON_IsArray(hist) ? cJSON_GetArraySize(hist) : 0;
    if (migration_uid) {
        if (n == 0)
            return MTV_EXEC_WAITING;
        const char *uid = str(get(cJSON_GetArrayItem(hist, n - 1), "migration"), "uid");
        if (!uid || strcmp(uid, migration_uid))
            return MTV_EXEC_WAITING;
    }
    if (advisory_true(plan, "Failed"))
        return MTV_EXEC_FAILED;
    if (advisory_true(plan, "Canceled"))
        return MTV_EXEC_CANCELED;
    if (advisory_true(plan, "Succeeded"))
        return MTV_EXEC_SUCCEEDED;
    if (advisory_true(plan, "Executing") || n > 0)
        return MTV_EXEC_RUNNING;
    return MTV_EXEC_WAITING;
}

static int64_t num(const cJSON *o, const char *k)
{
    const cJSON *v = get(o, k);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static void join_reasons(const cJSON *error, strbuf *out)
{
    const cJSON *rs = get(error, "reasons");
    for (const cJSON *r = cJSON_IsArray(rs) ? rs->child : NULL; r; r = r->next)
        if (cJSON_IsString(r)) {
            if (out->len)
                sb_adds(out, "; ");
            sb_adds(out, r->valuestring);
        }
}

static void fill_vm(const cJSON *vm, mtv_vm_status *s)
{
    memset(s, 0, sizeof *s);
    s->id = str(vm, "id");
    s->name = str(vm, "name");
    s->phase = str(vm, "phase");
    static const char *const outcomes[] = {"Failed", "Canceled", "Succeeded"};
    const cJSON *conds = get(vm, "conditions");
    for (int i = 0; i < 3 && !s->outcome; i++)
        for (const cJSON *c = cJSON_IsArray(conds) ? conds->child : NULL; c; c = c->next)
            if (str(c, "type") && !strcmp(str(c, "type"), outcomes[i]) && cond_true(c)) {
                s->outcome = outcomes[i];
                break;
            }
    const cJSON *pipe = get(vm, "pipeline");
    const cJSON *running = NULL, *last_done = NULL, *first = NULL, *failed = NULL;
    for (const cJSON *st = cJSON_IsArray(pipe) ? pipe->child : NULL; st; st = st->next) {
        const char *ph = str(st, "phase");
        if (!first)
            first = st;
        if (!failed && cJSON_IsObject(get(st, "error")))
            failed = st;
        if (!running && ph && !strcmp(ph, "Running"))
            running = st;
        if (ph && !strcmp(ph, "Completed"))
            last_done = st;
    }
    const cJSON *cur = failed ? failed : running ? running : last_done ? last_done : first;
    if (cur) {
        s->step = str(cur, "name");
        s->completed = num(get(cur, "progress"), "completed");
        s->total = num(get(cur, "progress"), "total");
        s->unit = str(get(cur, "annotations"), "unit");
    }
    strbuf r = STRBUF_INIT;
    if (failed) {
        s->failed_step = str(failed, "name");
        join_reasons(get(failed, "error"), &r);
    }
    if (!r.len)
        join_reasons(get(vm, "error"), &r);
    s->reasons = r.len ? sb_detach(&r, NULL) : NULL;
    sb_release(&r);
}

size_t mtv_status_vms(const cJSON *plan, mtv_vm_status **out)
{
    const cJSON *vms = get(get(get(plan, "status"), "migration"), "vms");
    size_t n = cJSON_IsArray(vms) ? (size_t)cJSON_GetArraySize(vms) : 0;
    mtv_vm_status *v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        abort();
    size_t i = 0;
    for (const cJSON *vm = n ? vms->child : NULL; vm; vm = vm->next)
        fill_vm(vm, &v[i++]);
    *out = v;
    return n;
}

void mtv_status_vms_free(mtv_vm_status *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].reasons);
    free(v);
}

static void vm_label(const mtv_vm_status *s, strbuf *out)
{
    sb_addf(out, "VM %s", s->name ? s->name : s->id ? s->id : "?");
    if (s->name && s->id)
        sb_addf(out, " (%s)", s->id);
}

size_t mtv_status_failures(const cJSON *plan, strbuf *out)
{
    mtv_vm_status *v;
    size_t n = mtv_status_vms(plan, &v), lines = 0;
    for (size_t i = 0; i < n; i++) {
        const mtv_vm_status *s = &v[i];
        if (s->outcome && !strcmp(s->outcome, "Succeeded"))
            continue;
        if (!s->outcome && !s->failed_step)
            continue;   /* still running, nothing wrong yet */
        if (out->len)
            sb_addc(out, '\n');
        vm_label(s, out);
        if (s->outcome && !strcmp(s->outcome, "Canceled"))
            sb_adds(out, " was canceled");
        else
            sb_addf(out, " failed at step %s", s->failed_step ? s->failed_step : "(none recorded)");
        if (s->phase)
            sb_addf(out, " (phase %s)", s->phase);
        if (s->reasons)
            sb_addf(out, ": %s", s->reasons);
        lines++;
    }
    mtv_status_vms_free(v, n);
    return lines;
}

int mtv_status_all_failed_at(const cJSON *plan, const char *step, strbuf *why)
{
    mtv_vm_status *v;
    size_t n = mtv_status_vms(plan, &v);
    int ok = n > 0;
    if (n == 0)
        sb_adds(why, "the Plan reports no VMs");
    for (size_t i = 0; i < n; i++) {
        const mtv_vm_status *s = &v[i];
        int failed = s->outcome && !strcmp(s->outcome, "Failed");
        if (failed && s->failed_step && !strcmp(s->failed_step, step))
            continue;
        ok = 0;
        if (why->len)
            sb_adds(why, "; ");
        vm_label(s, why);
        if (!failed)
            sb_addf(why, " did not fail (%s)", s->outcome ? s->outcome : "still running");
        else
            sb_addf(why, " failed at %s, not %s", s->failed_step ? s->failed_step : "an unknown step",
                    step);
    }
    mtv_status_vms_free(v, n);
    return ok;
}
