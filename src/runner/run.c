/* run: see run.h. One worker thread per job pulls the next scenario index
 * (in start order: the longest expected first, runner_start_order; never
 * one sharing a source VM used as it is with a running one); each scenario
 * runs start to end on one thread (its log tap, its transport). Results are shared: every write to them, and every
 * results.json rewrite, holds the runner's lock. */
#include "runner/run.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reporters/junit.h"
#include "runner/context.h"
#include "runner/watch.h"
#include "util/fs.h"
#include "util/log.h"

#define MAX_STEPS 32

typedef struct runner {
    const run_env *env;
    const run_item *items;
    size_t n;
    const runner_driver *d;
    const run_options *o;
    run_results *res;
    scenario_result **scen;     /* per item, created up front in order */
    size_t *order;              /* item indices in the order workers start them */
    ledger *ledger;
    atomic_int cancel;
    unsigned char *state;       /* per item: 0 waiting, 1 running, 2 done (under lock) */
    pthread_cond_t freed;       /* an item ended: a waiting one may start */
    run_watch *watch;
    pthread_mutex_t lock;
    size_t leftovers, bundle_errors, diverged;
    strbuf results_path, junit_path;
} runner;

typedef struct tap_state {
    FILE *file;
    strbuf *step_log;           /* the running step's captured lines, or NULL */
} tap_state;

static void tap_line(void *ud, enum log_level level, const char *line, size_t n)
{
    tap_state *s = ud;
    (void)level;
    if (s->file) {
        fwrite(line, 1, n, s->file);
        fflush(s->file);
    }
    if (s->step_log)
        sb_add(s->step_log, line, n);
}

/* The driver's VM events: logged (so each scenario's log keeps them), then
 * handed to the run's sink. */
static void progress_vm_event(void *ud, const progress_event *ev)
{
    const runner *r = ud;
    if (ev->kind == PROGRESS_VM) {
        enum log_level lvl = r->o->quiet_progress || r->o->progress.fn ? LOG_DEBUG : LOG_INFO;
        log_msg(lvl, "VM %s: %s, %s", ev->vm ? ev->vm : "?", ev->phase ? ev->phase : "?",
                ev->detail ? ev->detail : "");
    }
    progress_emit(&r->o->progress, ev);
}

static void emit(const runner *r, enum progress_kind kind, const char *scenario, const char *step,
                 const char *status, const char *message, double seconds, size_t index)
{
    progress_event ev = {.kind = kind, .scenario = scenario, .step = step, .status = status,
                         .message = message, .seconds = seconds, .index = index, .total = r->n,
                         .percent = -1};
    progress_emit(&r->o->progress, &ev);
}

size_t runner_steps(const scenario *sc, const runner_driver *d, const char **names,
                    const step_def **defs, size_t max, strbuf *left_out)
{
    static const step_def PREPARE = {"prepare", "set up the session: namespace, providers, inventory", 0};
    size_t k = 0;
    if (d->implements(d->ud, "prepare") && k < max) {
        names[k] = PREPARE.name;
        if (defs)
            defs[k] = &PREPARE;
        k++;
    }
    for (size_t i = 0; sc->pattern && i < sc->pattern->count; i++) {
        const step_def *s = &sc->pattern->steps[i];
        if (!d->implements(d->ud, s->name)) {
            if (left_out)
                sb_addf(left_out, "%s%s", left_out->len ? ", " : "", s->name);
            continue;
        }
        if (k < max) {
            names[k] = s->name;
            if (defs)
                defs[k] = s;
            k++;
        }
    }
    return k;
}

int runner_in_shard(size_t i, int index, int count)
{
    return count <= 1 || (int)(i % (size_t)count) == index - 1;
}

int runner_shard_parse(const char *text, int *index, int *count, mtv_err *err)
{
    char *end;
    long i = strtol(text ? text : "", &end, 10);
    long n = *end == '/' ? strtol(end + 1, &end, 10) : 0;
    if (!text || *end || i < 1 || n < 1 || i > n || n > 10000)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "--shard: expected I/N with 1 <= I <= N (e.g. 2/4), got '%s'",
                           text ? text : "");
    *index = (int)i;
    *count = (int)n;
    return 0;
}

int runner_exit_code(const run_results *res, const run_outcome *oc)
{
    if (oc->signal)
        return 128 + oc->signal;
    if (oc->diverged)
        return MTV_EXIT_DIVERGED;
    if (oc->leftovers || oc->bundle_errors || oc->timed_out)
        return MTV_EXIT_ENV;
    return results_exit_code(res);
}

/* The suffix upstream appends to item names: "-<provider>-<storage class>". */
static const char *name_suffix(const selected *sel)
{
    size_t n = strlen(sel->sc->name);
    return strncmp(sel->test_name, sel->sc->name, n) == 0 ? sel->test_name + n : "";
}

static void add_step(runner *r, scenario_result *s, const selected *sel, const char *name,
                     enum step_status st, const char *msg, const char *detail, const char *log,
                     int64_t started_ms, double seconds)
{
    char test_name[512];
    snprintf(test_name, sizeof test_name, "%s%s", name, name_suffix(sel));
    pthread_mutex_lock(&r->lock);
    scenario_add_step(s, name, test_name, st, msg && *msg ? msg : NULL, detail && *detail ? detail : NULL,
                      log && *log ? log : NULL, started_ms, seconds);
    pthread_mutex_unlock(&r->lock);
    emit(r, PROGRESS_STEP_END, sel->test_name, name, step_status_name(st), msg && *msg ? msg : NULL,
         seconds, 0);
}

static void write_results_locked(runner *r)
{
    mtv_err err;
    if (results_write(r->res, r->results_path.buf, &err) < 0)
        log_error("%s", err.msg);
}

/* Puts the driver's data into the scenario's result, masked: a secret can
 * reach results.json no other way than through here. Takes data. */
static void keep_data(runner *r, scenario_result *s, const char *scenario, cJSON *data)
{
    for (const cJSON *d = data ? data->child : NULL; d; d = d->next) {
        char *text = cJSON_PrintUnformatted(d);
        strbuf m = STRBUF_INIT;
        secrets_mask(log_secrets(), text, strlen(text), &m);
        cJSON_free(text);
        cJSON *masked = cJSON_Parse(m.buf);
        sb_release(&m);
        pthread_mutex_lock(&r->lock);
        int rc = masked ? scenario_set_data(s, d->string, masked) : -1;
        pthread_mutex_unlock(&r->lock);
        if (rc < 0)
            log_warn("%s: the driver's data key '%s' cannot be kept in results.json", scenario,
                     d->string);
    }
    cJSON_Delete(data);
}

static const char *interrupt_reason(runner *r, char *buf, size_t n)
{
    int sig = run_watch_signal(r->watch);
    if (sig)
        snprintf(buf, n, "run interrupted (%s)", sig == 2 ? "SIGINT" : "SIGTERM");
    else if (run_watch_timed_out(r->watch))
        snprintf(buf, n, "run timed out (--timeout)");
    else
        snprintf(buf, n, "run interrupted");
    return buf;
}

static int open_transport(runner *r, const run_item *it, const char *dir, transport **t,
                          strbuf *journal, mtv_err *err)
{
    transport_config tc = {.mode = r->o->mode, .scenario = it->sel->sc->name};
    if (r->o->mode == TRANSPORT_RECORD) {
        fs_join(journal, dir, "journal.ndjson");
        unlink(journal->buf);
        tc.journal_path = journal->buf;
    } else if (r->o->mode == TRANSPORT_REPLAY) {
        tc.cassette_path = it->cassette;
        tc.out_dir = dir;
    }
    return transport_open(t, &tc, err);
}

/* Finishes a recording into cassettes/<scenario>.tar. */
static void finish_recording(runner *r, transport *t, const run_item *it, scenario_result *s,
                             const char *log_path, const char *journal)
{
    mtv_err err;
    char *verdicts = run_verdicts_text(s);
    if (transport_var_set(t, RUN_VERDICTS_VAR, verdicts, &err) < 0)
        log_error("%s", err.msg);
    free(verdicts);
    strbuf dir = STRBUF_INIT, bundle = STRBUF_INIT;
    fs_join(&dir, r->o->out_dir, "cassettes");
    sb_addf(&bundle, "%s/%s.tar", dir.buf, it->sel->sc->name);
    if (fs_mkdir_p(dir.buf, 0755, &err) < 0 || transport_finish(t, bundle.buf, log_path, &err) < 0) {
        log_error("scenario %s: %s (the journal %s is kept; 'mtv-validate cassette recover' can "
                  "retry)",
                  it->sel->sc->name, err.msg, journal);
        pthread_mutex_lock(&r->lock);
        r->bundle_errors++;
        pthread_mutex_unlock(&r->lock);
    } else {
        pthread_mutex_lock(&r->lock);
        scenario_set_cassette(s, bundle.buf);
        pthread_mutex_unlock(&r->lock);
        unlink(journal);
        log_info("cassette: %s", bundle.buf);
    }
    sb_release(&dir);
    sb_release(&bundle);
}

static void run_one(runner *r, size_t i)
{
    const run_item *it = &r->items[i];
    const selected *sel = it->sel;
    const scenario *sc = sel->sc;
    scenario_result *s = r->scen[i];
    const char *names[MAX_STEPS];
    const step_def *defs[MAX_STEPS];
    strbuf left_out = STRBUF_INIT, dir = STRBUF_INIT, logp = STRBUF_INIT, journal = STRBUF_INIT;
    size_t n = runner_steps(sc, r->d, names, defs, MAX_STEPS, &left_out);

    fs_join(&dir, r->o->out_dir, sc->name);
    mtv_err err;
    mtv_err_clear(&err);
    if (fs_mkdir_p(dir.buf, 0755, &err) < 0)
        log_error("%s", err.msg);
    fs_join(&logp, dir.buf, "scenario.log");
    tap_state ts = {fopen(logp.buf, "w"), NULL};
    char prefix[160];
    snprintf(prefix, sizeof prefix, "[%s] ", sc->name);
    log_tap tap = {tap_line, &ts, LOG_DEBUG, r->o->jobs > 1 ? prefix : NULL};
    log_set_thread_tap(&tap);

    mtv_clock *wall = clock_new_real();
    int64_t scen_start = clock_now_ms(wall), scen_mono = clock_mono_ms(wall);
    emit(r, PROGRESS_SCENARIO_START, sel->test_name, NULL, NULL, NULL, 0, i + 1);
    /* with a console the scenario and step lines are its job: the log keeps them at debug */
    enum log_level chatty = r->o->progress.fn ? LOG_DEBUG : LOG_INFO;
    log_msg(chatty, "scenario %s (%s)", sel->test_name, sc->pattern ? sc->pattern->name : "no pattern");
    if (left_out.len)
        log_info("not carried out by this version: %s", left_out.buf);

    char why[256];
    const char *skip = it->skip ? it->skip : sel->skip;
    if (!skip && atomic_load(&r->cancel))
        skip = interrupt_reason(r, why, sizeof why);
    if (!skip && (n == 0 || (n == 1 && !strcmp(names[0], "prepare")))) {
        snprintf(why, sizeof why, "no step of pattern %s is carried out by this version",
                 sc->pattern ? sc->pattern->name : "(none)");
        skip = why;
        if (n == 0) {
            names[0] = "prepare";
            n = 1;
        }
    }
    if (skip) {
        log_info("skipped: %s", skip);
        for (size_t k = 0; k < n; k++)
            add_step(r, s, sel, names[k], STEP_SKIPPED, skip, NULL, NULL, scen_start, 0);
        goto done;
    }

    transport *t = NULL;
    if (open_transport(r, it, dir.buf, &t, &journal, &err) < 0) {
        log_error("%s", err.msg);
        for (size_t k = 0; k < n; k++)
            add_step(r, s, sel, names[k], STEP_ERROR, err.msg, NULL, NULL, scen_start, 0);
        goto done;
    }
    if (r->o->mode == TRANSPORT_RECORD) {
        char *ctx_text = run_context_text(r->env, sel, it->xfail);
        if (transport_var_set(t, RUN_CONTEXT_VAR, ctx_text, &err) < 0)
            log_error("%s", err.msg);
        free(ctx_text);
    }
    mtv_clock *clk = transport_clock(t);
    scenario_ctx ctx = {sel, r->env, t, r->ledger, &r->cancel, {progress_vm_event, r}};
    void *state = NULL;
    int begun = r->d->begin(r->d->ud, &ctx, &state, &err) == 0;
    if (!begun)
        log_error("could not set up scenario %s: %s", sc->name, err.msg);

    const char *failed_in_group[8] = {0};
    int diverged = 0;
    for (size_t k = 0; k < n; k++) {
        int g = defs[k]->group & 7;
        int64_t st_wall = clock_now_ms(clk), st_mono = clock_mono_ms(clk);
        if (!begun) {
            add_step(r, s, sel, names[k], STEP_ERROR, err.msg, NULL, NULL, st_wall, 0);
            continue;
        }
        if (failed_in_group[g]) {
            snprintf(why, sizeof why, "previous step failed (%s)", failed_in_group[g]);
            add_step(r, s, sel, names[k], STEP_XFAILED, why, NULL, NULL, st_wall, 0);
            continue;
        }
        if (atomic_load(&r->cancel)) {
            add_step(r, s, sel, names[k], STEP_SKIPPED, interrupt_reason(r, why, sizeof why), NULL,
                     NULL, st_wall, 0);
            continue;
        }
        strbuf step_log = STRBUF_INIT, detail = STRBUF_INIT;
        ts.step_log = &step_log;
        emit(r, PROGRESS_STEP_START, sel->test_name, names[k], NULL, NULL, 0, 0);
        log_msg(chatty, "step %s: %s", names[k], defs[k]->note ? defs[k]->note : "running");
        mtv_err serr;
        mtv_err_clear(&serr);
        enum step_status st = r->d->step(r->d->ud, state, names[k], &detail, &serr);
        int failed = st == STEP_FAILED || st == STEP_ERROR;
        if (it->xfail && (failed || st == STEP_PASSED)) {   /* an open linked issue */
            strbuf m = STRBUF_INIT;
            sb_addf(&m, "%s%s%s", it->xfail, serr.msg[0] ? ": " : "", serr.msg);
            snprintf(serr.msg, sizeof serr.msg, "%s", m.buf);
            sb_release(&m);
            st = failed ? STEP_XFAILED : STEP_XPASSED;
        }
        if (failed) {
            failed_in_group[g] = names[k];
            if (serr.exit_code == MTV_EXIT_DIVERGED)
                diverged = 1;
            log_msg(r->o->progress.fn ? LOG_DEBUG : LOG_ERROR, "step %s %s: %s", names[k],
                    step_status_name(st), serr.msg);
        }
        if (!failed)
            log_msg(chatty, "step %s %s%s%s", names[k], step_status_name(st), serr.msg[0] ? ": " : "",
                    serr.msg);
        ts.step_log = NULL;
        double secs = (double)(clock_mono_ms(clk) - st_mono) / 1000.0;
        add_step(r, s, sel, names[k], st, serr.msg, detail.buf, step_log.buf, st_wall, secs);
        sb_release(&step_log);
        sb_release(&detail);
    }

    if (begun && r->d->data)
        keep_data(r, s, sc->name, r->d->data(r->d->ud, state));

    if (begun && !r->o->skip_teardown) {
        strbuf left = STRBUF_INIT;
        mtv_err terr;
        mtv_err_clear(&terr);
        long kept = r->d->teardown(r->d->ud, state, &left, &terr);
        if (kept < 0) {
            log_error("teardown of %s failed: %s", sc->name, terr.msg);
            if (terr.exit_code == MTV_EXIT_DIVERGED)
                diverged = 1;
            kept = 1;
        }
        if (kept > 0) {
            log_error("teardown left %ld object%s behind (listed in resources.json):%s%s", kept,
                      kept == 1 ? "" : "s", left.len ? "\n" : "", left.buf ? left.buf : "");
            pthread_mutex_lock(&r->lock);
            r->leftovers += (size_t)kept;
            pthread_mutex_unlock(&r->lock);
        }
        sb_release(&left);
    } else if (begun) {
        log_warn("--skip-teardown: what %s created stays (resources.json lists it)", sc->name);
    }
    if (begun)
        r->d->end(r->d->ud, state);

    if (r->o->mode == TRANSPORT_REPLAY) {
        strbuf unused = STRBUF_INIT;
        size_t nu = transport_unused(t, &unused);
        if (nu)
            log_info("%zu recorded exchange%s never requested in replay:\n%s", nu, nu == 1 ? " was" : "s were",
                     unused.buf);
        sb_release(&unused);
    }
    if (diverged) {
        pthread_mutex_lock(&r->lock);
        r->diverged++;
        pthread_mutex_unlock(&r->lock);
    }
    if (r->o->mode == TRANSPORT_RECORD)
        finish_recording(r, t, it, s, logp.buf, journal.buf);
    transport_free(t);
done:
    log_set_thread_tap(NULL);
    if (ts.file)
        fclose(ts.file);
    pthread_mutex_lock(&r->lock);
    s->seconds = (double)(clock_mono_ms(wall) - scen_mono) / 1000.0;
    write_results_locked(r);
    pthread_mutex_unlock(&r->lock);
    emit(r, PROGRESS_SCENARIO_END, sel->test_name, NULL, NULL, NULL, s->seconds, i + 1);
    clock_free(wall);
    sb_release(&left_out);
    sb_release(&dir);
    sb_release(&logp);
    sb_release(&journal);
}

static int conflicts_with_running(const runner *r, size_t i)
{
    for (size_t j = 0; j < r->n; j++)
        if (r->state[j] == 1 && runner_items_conflict(&r->items[i], &r->items[j], r->env->set))
            return 1;
    return 0;
}

/* The next item to start (under the lock): the first waiting one in start
 * order that shares no source VM with a running one; waits while every
 * waiting item does. SIZE_MAX when none is left. */
static size_t pick_next(runner *r)
{
    for (;;) {
        int waiting = 0;
        for (size_t k = 0; k < r->n; k++) {
            size_t i = r->order[k];
            if (r->state[i] != 0)
                continue;
            waiting = 1;
            if (!conflicts_with_running(r, i)) {
                r->state[i] = 1;
                return i;
            }
        }
        if (!waiting)
            return SIZE_MAX;
        pthread_cond_wait(&r->freed, &r->lock);
    }
}

static void *worker(void *ud)
{
    runner *r = ud;
    for (;;) {
        pthread_mutex_lock(&r->lock);
        size_t i = pick_next(r);
        pthread_mutex_unlock(&r->lock);
        if (i == SIZE_MAX)
            return NULL;
        run_one(r, i);
        pthread_mutex_lock(&r->lock);
        r->state[i] = 2;
        pthread_cond_broadcast(&r->freed);
        pthread_mutex_unlock(&r->lock);
    }
}

int runner_run(const run_env *env, const run_item *items, size_t n, const runner_driver *d,
               const run_options *o, run_results *res, run_outcome *oc, mtv_err *err)
{
    memset(oc, 0, sizeof *oc);
    runner r;
    memset(&r, 0, sizeof r);
    r.env = env;
    r.items = items;
    r.n = n;
    r.d = d;
    r.o = o;
    r.res = res;
    pthread_mutex_init(&r.lock, NULL);
    atomic_init(&r.cancel, 0);
    pthread_cond_init(&r.freed, NULL);
    fs_join(&r.results_path, o->out_dir, "results.json");
    fs_join(&r.junit_path, o->out_dir, "junit.xml");
    strbuf ledger_path = STRBUF_INIT;
    fs_join(&ledger_path, o->out_dir, "resources.json");
    int rc = ledger_create(&r.ledger, ledger_path.buf, o->run_id ? o->run_id : res->run_id, err);
    sb_release(&ledger_path);
    if (rc < 0)
        goto out;
    if (o->mode == TRANSPORT_REPLAY)
        ledger_set_durable(r.ledger, 0);   /* nothing real to clean up after a crash */
    r.scen = calloc(n ? n : 1, sizeof *r.scen);
    r.order = calloc(n ? n : 1, sizeof *r.order);
    r.state = calloc(n ? n : 1, sizeof *r.state);
    if (!r.scen || !r.order || !r.state)
        abort();
    /* one job: selection order, as the user reads it; several: longest first */
    if (o->jobs > 1) {
        runner_start_order(items, n, r.order);
    } else {
        for (size_t i = 0; i < n; i++)
            r.order[i] = i;
    }
    for (size_t i = 0; i < n; i++)
        r.scen[i] = results_add_scenario(res, items[i].sel->sc->name, items[i].sel->test_name,
                                         items[i].sel->sc->path);
    if ((rc = run_watch_start(&r.watch, &r.cancel, o->handle_signals, o->timeout_ms, err)) < 0)
        goto out;
    emit(&r, PROGRESS_RUN_START, NULL, NULL, NULL, NULL, 0, 0);
    int jobs = o->jobs < 1 ? 1 : o->jobs;
    if ((size_t)jobs > n)
        jobs = n ? (int)n : 1;
    pthread_t *threads = calloc((size_t)jobs, sizeof *threads);
    if (!threads)
        abort();
    int started = 0;
    for (; started < jobs; started++)
        if (pthread_create(&threads[started], NULL, worker, &r) != 0)
            break;
    if (started == 0)
        worker(&r);   /* no thread could start: run here */
    for (int k = 0; k < started; k++)
        pthread_join(threads[k], NULL);
    free(threads);
    oc->signal = run_watch_signal(r.watch);
    oc->timed_out = run_watch_timed_out(r.watch);
    run_watch_stop(r.watch);
    oc->leftovers = r.leftovers;
    oc->bundle_errors = r.bundle_errors;
    oc->diverged = r.diverged;
    {
        char num[32];
        snprintf(num, sizeof num, "%zu", r.leftovers);
        results_set_prop(res, "leftovers", num);
    }
    pthread_mutex_lock(&r.lock);
    write_results_locked(&r);
    pthread_mutex_unlock(&r.lock);
    strbuf hint = STRBUF_INIT;
    sb_addf(&hint, "%s/<scenario>/scenario.log", o->out_dir);
    junit_opts jo = {.log_hint = hint.buf};
    int jrc = junit_write(res, &jo, r.junit_path.buf, err);
    sb_release(&hint);
    if (jrc < 0)
        log_error("%s", err->msg);
    rc = 0;
out:
    ledger_free(r.ledger);
    free(r.scen);
    free(r.order);
    free(r.state);
    sb_release(&r.results_path);
    sb_release(&r.junit_path);
    pthread_mutex_destroy(&r.lock);
    pthread_cond_destroy(&r.freed);
    return rc;
}
