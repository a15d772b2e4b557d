/* check_io: see check_io.h. Each guest question is its own SSH login (a
 * probe, or connect + command + disconnect): the checks ask few questions,
 * and a fresh session per question keeps each recorded entry self-contained. */
#include "checks/check_io.h"

#include <string.h>

#include "providers/ovirt.h"
#include "ssh/guest.h"
#include "util/clock.h"

static void setup(check_io_real *st, const check_vm *v, guest_ctx *ctx, guest_target *tg)
{
    *ctx = (guest_ctx){.t = st->t, .cluster = st->cluster, .retry_total_ms = st->retry_total_ms,
                       .retry_interval_ms = st->retry_interval_ms, .cancel = st->cancel};
    *tg = (guest_target){.namespace = v->dst->namespace, .name = v->dst->rec.name, .port = 22};
}

static int win_os(const check_vm *v)
{
    const vm_record *s = v->src_before ? v->src_before : v->src;
    return s->win_os == 1;
}

static int probe(void *ud, const check_vm *v, mtv_err *err)
{
    check_io_real *st = ud;
    ssh_creds creds;
    if (guest_creds_from_provider(st->entry, win_os(v), &creds, err) < 0)
        return -1;
    guest_ctx ctx;
    guest_target tg;
    setup(st, v, &ctx, &tg);
    return guest_probe(&ctx, &tg, &creds, NULL, err);
}

static int run(void *ud, const check_vm *v, const char *command, strbuf *out, int *status,
               mtv_err *err)
{
    check_io_real *st = ud;
    ssh_creds creds;
    if (guest_creds_from_provider(st->entry, win_os(v), &creds, err) < 0)
        return -1;
    guest_ctx ctx;
    guest_target tg;
    setup(st, v, &ctx, &tg);
    ssh_result r;
    memset(&r, 0, sizeof r);
    int rc = guest_exec(&ctx, &tg, &creds, command, &r, err);
    if (rc == 0) {
        sb_add(out, sb_str(&r.out), r.out.len);
        *status = r.exit_status;
    }
    ssh_result_free(&r);
    return rc;
}

static int events(void *ud, const check_vm *v, int code, size_t *count, mtv_err *err)
{
    check_io_real *st = ud;
    if (!st->source || st->source->type != PROVIDER_OVIRT)
        return mtv_err_set(err, MTV_EXIT_ENV, "no oVirt source connection");
    return ovirt_vm_event_count(st->source, v->src->name ? v->src->name : v->name, code, count, err);
}

static void sleep_ms(void *ud, int64_t ms)
{
    check_io_real *st = ud;
    clock_sleep_ms_cancel(transport_clock(st->t), ms, st->cancel);
}

static int cancelled(void *ud)
{
    check_io_real *st = ud;
    return st->cancel && atomic_load(st->cancel);
}

void check_io_init(check_io *io, check_io_real *st)
{
    *io = (check_io){.ud = st, .guest_probe = probe, .guest_run = run, .source_event_count = events,
                     .sleep_ms = sleep_ms, .cancelled = cancelled};
}
