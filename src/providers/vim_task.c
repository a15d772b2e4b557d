/*
 * vim_task: waiting for a vSphere Task by polling its info.
 *
 * Polling rather than WaitForUpdatesEx keeps every wait a plain sequence of
 * identical reads, which record and replay one for one; the sleeps between
 * them are on the transport's clock, so a replayed ten-minute clone returns
 * at once. The interval starts short (vcsim and quick reconfigures finish in
 * milliseconds) and grows to 2 s (clones on vCenter take minutes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/pxml.h"
#include "providers/vim.h"
#include "util/log.h"

int vim_poll_sleep(vim_client *c, int64_t ms, const char *what, mtv_err *err)
{
    if (clock_sleep_ms_cancel(transport_clock(c->t), ms, c->cancel) == 0)
        return 0;
    return mtv_err_set(err, MTV_EXIT_ENV, "cancelled while %s: the run is being interrupted",
                       what);
}

int vim_task_wait(vim_client *c, const char *task, int64_t timeout_ms, const char *what,
                  strbuf *result, char *fault, mtv_err *err)
{
    if (fault)
        fault[0] = 0;
    static const char *const paths[] = {"info.state", "info.error", "info.result",
                                        "info.progress", "info.descriptionId", NULL};
    mtv_clock *clk = transport_clock(c->t);
    if (timeout_ms <= 0)
        timeout_ms = 600000;
    clock_deadline dl = clock_deadline_in(clk, timeout_ms);
    int64_t delay = 250;
    for (;;) {
        vim_spec spec;
        vim_spec_init(&spec);
        vim_spec_props(&spec, "Task", paths);
        vim_spec_obj(&spec, "Task", task);
        vim_objset set;
        int rc = vim_retrieve(c, &spec, &set, err);
        vim_spec_free(&spec);
        if (rc) {
            mtv_err_prefix(err, "%s: waiting for task %s", what, task);
            return -1;
        }
        const vim_obj *o = set.count ? &set.objs[0] : NULL;
        char *state = vim_obj_str(o, "info.state");
        if (state && strcmp(state, "success") == 0) {
            char *res = vim_obj_str(o, "info.result");
            if (result && res)
                sb_adds(result, res);
            free(res);
            free(state);
            vim_objset_free(&set);
            return 0;
        }
        if (state && strcmp(state, "error") == 0) {
            xmlNode *e = vim_obj_prop(o, "info.error");
            char *text = px_get(e, "localizedMessage");
            strbuf msg = STRBUF_INIT;
            vim_fault_describe(px_child(e, "fault"), text, &msg, fault);
            mtv_err_set(err, MTV_EXIT_ENV, "%s: vSphere task %s failed: %s", what, task, msg.buf);
            sb_release(&msg);
            free(text);
            free(state);
            vim_objset_free(&set);
            return -1;
        }
        if (!state || (strcmp(state, "queued") != 0 && strcmp(state, "running") != 0)) {
            mtv_err_set(err, MTV_EXIT_ENV, "%s: vSphere task %s has no known state ('%s')", what,
                        task, state ? state : "none");
            free(state);
            vim_objset_free(&set);
            return -1;
        }
        long long progress = vim_obj_ll(o, "info.progress", -1);
        vim_objset_free(&set);
        if (clock_deadline_passed(clk, dl)) {
            mtv_err_set(err, MTV_EXIT_ENV, "%s: vSphere task %s is still %s after %lld s", what,
                        task, state, (long long)(timeout_ms / 1000));
            free(state);
            return -1;
        }
        if (progress >= 0)
            log_debug("vsphere: %s: task %s %s, %lld%%", what, task, state, progress);
        free(state);
        int64_t left = clock_deadline_left_ms(clk, dl);
        if (vim_poll_sleep(c, delay < left ? delay : left, what, err))
            return -1;
        delay = delay * 2 > 2000 ? 2000 : delay * 2;
    }
}

int vim_run_task(vim_client *c, const char *op, const char *this_type, const char *this_value,
                 const char *args, int64_t timeout_ms, const char *what, strbuf *result,
                 char *fault, mtv_err *err)
{
    vim_reply r;
    if (fault)
        fault[0] = 0;
    if (vim_call(c, op, this_type, this_value, args, &r, err)) {
        if (fault)
            snprintf(fault, 64, "%s", r.fault);
        mtv_err_prefix(err, "%s", what);
        return -1;
    }
    strbuf task = STRBUF_INIT;
    int rc = vim_reply_moref(&r, &task);
    vim_reply_free(&r);
    if (rc)
        rc = mtv_err_set(err, MTV_EXIT_ENV, "%s: %s returned no task", what, op);
    else
        rc = vim_task_wait(c, task.buf, timeout_ms, what, result, fault, err);
    sb_release(&task);
    return rc;
}
