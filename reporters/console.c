/*
 * console: see console.h.
 *
 * The screen is two parts: lines already printed (scenario headers, step
 * verdicts, notes), which scroll away normally, and the live block under
 * them (running scenarios and their VMs), which a terminal redraws: erase it
 * (cursor up over its lines, clear to the end of the screen), print any new
 * permanent lines, draw it again. Each live line is cut to the terminal width
 * so that it never wraps, which would break the count of lines to go back
 * over. Without a terminal there is no live block: its content is printed as
 * ordinary lines, VM progress throttled per VM.
 */
#include "reporters/console.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/log.h"
#include "util/text.h"

#define C_RESET "\x1b[0m"
#define C_BOLD "\x1b[1m"
#define C_RED "\x1b[31m"
#define C_GREEN "\x1b[32m"
#define C_YELLOW "\x1b[33m"
#define C_DIM "\x1b[2m"

typedef struct live_scenario {
    char *name;
    char *step;                 /* may be NULL */
    int64_t step_started_ms;    /* monotonic */
} live_scenario;

typedef struct live_vm {
    char *scenario;
    char *vm;
    char *phase;
    char *detail;
    int percent;
    int64_t printed_ms;         /* plain mode: when its last line went out; -1 never */
    char *printed_phase;        /* plain mode: the phase of that line */
} live_vm;

struct console {
    FILE *out;
    int tty, color, width;
    long interval_ms;
    const secret_registry *secrets;
    mtv_clock *clock;
    int own_clock;
    pthread_mutex_t lock;
    size_t drawn;               /* lines of the live block now on screen */
    live_scenario *scn;
    size_t n_scn;
    live_vm *vms;
    size_t n_vms;
    size_t total;
};

static char *dup0(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

static void *grow(void *p, size_t n, size_t size)
{
    void *q = realloc(p, n * size);
    if (!q)
        abort();
    return q;
}

static int env_no_color(void)
{
    const char *nc = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    return (nc && *nc) || (term && !strcmp(term, "dumb"));
}

static int terminal_width(FILE *out)
{
    struct winsize ws;
    if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
        return ws.ws_col;
    const char *cols = getenv("COLUMNS");
    int n = cols ? atoi(cols) : 0;
    return n > 10 ? n : 80;
}

console *console_new(FILE *out, const console_opts *o)
{
    console_opts none = {.tty = -1, .color = -1};
    if (!o)
        o = &none;
    console *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->out = out;
    c->tty = o->tty < 0 ? isatty(fileno(out)) : o->tty != 0;
    c->color = o->color < 0 ? c->tty && !env_no_color() : o->color != 0;
    c->width = o->width > 10 ? o->width : c->tty ? terminal_width(out) : 80;
    c->interval_ms = o->interval_ms > 0 ? o->interval_ms : 30000;
    c->secrets = o->secrets ? o->secrets : log_secrets();
    c->clock = o->clock;
    if (!c->clock) {
        c->clock = clock_new_real();
        c->own_clock = 1;
    }
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

int console_is_tty(const console *c)
{
    return c->tty;
}

int console_has_color(const console *c)
{
    return c->color;
}

/* ---- output primitives ------------------------------------------------ */

/* Writes text (masked) as it is. */
static void put(console *c, const char *text, size_t n)
{
    strbuf masked = STRBUF_INIT;
    secrets_mask(c->secrets, text, n, &masked);
    fwrite(sb_str(&masked), 1, masked.len, c->out);
    sb_release(&masked);
}

static void color_on(console *c, strbuf *sb, const char *code)
{
    if (c->color)
        sb_adds(sb, code);
}

static void color_off(console *c, strbuf *sb)
{
    if (c->color)
        sb_adds(sb, C_RESET);
}

/* Untrusted text (names, messages) on one line, without escape sequences
 * of its own: a message must not be able to move the cursor. */
static void add_clean(strbuf *sb, const char *s, size_t max)
{
    if (!s)
        return;
    strbuf plain = STRBUF_INIT;
    text_strip_ansi(&plain, s, strlen(s));
    for (size_t i = 0; i < plain.len; i++)
        if ((unsigned char)plain.buf[i] < 0x20 || plain.buf[i] == 0x7f)
            plain.buf[i] = ' ';
    text_one_line(sb, sb_str(&plain), max);
    sb_release(&plain);
}

static void erase_live(console *c)
{
    if (c->tty && c->drawn) {
        char seq[32];
        int n = snprintf(seq, sizeof seq, "\r\x1b[%zuA\x1b[J", c->drawn);
        fwrite(seq, 1, (size_t)n, c->out);
        c->drawn = 0;
    }
}

static void fmt_duration(strbuf *sb, double seconds)
{
    if (seconds < 60)
        sb_addf(sb, "%.1fs", seconds);
    else if (seconds < 3600)
        sb_addf(sb, "%dm%02ds", (int)seconds / 60, (int)seconds % 60);
    else
        sb_addf(sb, "%dh%02dm", (int)seconds / 3600, ((int)seconds % 3600) / 60);
}

static void vm_line(console *c, strbuf *sb, const live_vm *v)
{
    sb_adds(sb, "      ");
    add_clean(sb, v->vm, 60);
    sb_addc(sb, ' ');
    color_on(c, sb, C_BOLD);
    add_clean(sb, *v->phase ? v->phase : "waiting", 40);
    color_off(c, sb);
    if (v->percent >= 0) {
        int p = v->percent > 100 ? 100 : v->percent;
        sb_adds(sb, " [");
        for (int i = 0; i < 20; i++)
            sb_addc(sb, i < p / 5 ? '#' : '.');
        sb_addf(sb, "] %3d%%", p);
    }
    if (*v->detail) {
        sb_adds(sb, "  ");
        add_clean(sb, v->detail, 120);
    }
}

/* Cuts a drawn line to the width, counting bytes outside escape sequences
 * (close enough for the ASCII the block is made of), and ends it. */
static void add_cut_line(console *c, strbuf *out, const char *line, size_t n)
{
    size_t visible = 0, i = 0, limit = (size_t)(c->width > 1 ? c->width - 1 : 1);
    while (i < n) {
        if (line[i] == 0x1b) {
            size_t j = i + 1;
            while (j < n && !((line[j] >= 'A' && line[j] <= 'Z') || (line[j] >= 'a' && line[j] <= 'z')))
                j++;
            sb_add(out, line + i, j < n ? j + 1 - i : n - i);
            i = j + 1;
            continue;
        }
        if (visible < limit && ((unsigned char)line[i] & 0xc0) != 0x80)
            visible++;
        else if (((unsigned char)line[i] & 0xc0) != 0x80)
            break;
        sb_addc(out, line[i]);
        i++;
    }
    while (i < n && ((unsigned char)line[i] & 0xc0) == 0x80)
        sb_addc(out, line[i++]);
    if (c->color)
        sb_adds(out, C_RESET);
    sb_addc(out, '\n');
}

static void draw_live(console *c)
{
    if (!c->tty)
        return;
    strbuf block = STRBUF_INIT, line = STRBUF_INIT;
    int64_t now = clock_mono_ms(c->clock);
    size_t lines = 0;
    for (size_t i = 0; i < c->n_scn; i++) {
        const live_scenario *s = &c->scn[i];
        sb_reset(&line);
        sb_adds(&line, "  > ");
        add_clean(&line, s->name, 200);
        if (s->step) {
            sb_adds(&line, ": ");
            color_on(c, &line, C_BOLD);
            add_clean(&line, s->step, 60);
            color_off(c, &line);
            sb_adds(&line, " (");
            fmt_duration(&line, (double)(now - s->step_started_ms) / 1000.0);
            sb_addc(&line, ')');
        }
        add_cut_line(c, &block, line.buf, line.len);
        lines++;
        for (size_t k = 0; k < c->n_vms; k++) {
            if (strcmp(c->vms[k].scenario, s->name) != 0)
                continue;
            sb_reset(&line);
            vm_line(c, &line, &c->vms[k]);
            add_cut_line(c, &block, line.buf, line.len);
            lines++;
        }
    }
    put(c, sb_str(&block), block.len);
    c->drawn = lines;
    sb_release(&block);
    sb_release(&line);
}

/* A permanent line: above the live block on a terminal. */
static void print_line(console *c, const strbuf *line)
{
    erase_live(c);
    put(c, sb_str(line), line->len);
    put(c, "\n", 1);
}

/* ---- state --------------------------------------------------------------- */

static live_scenario *find_scenario(console *c, const char *name, int create)
{
    for (size_t i = 0; i < c->n_scn; i++)
        if (!strcmp(c->scn[i].name, name))
            return &c->scn[i];
    if (!create)
        return NULL;
    c->scn = grow(c->scn, c->n_scn + 1, sizeof *c->scn);
    live_scenario *s = &c->scn[c->n_scn++];
    memset(s, 0, sizeof *s);
    s->name = dup0(name);
    return s;
}

static void drop_vms(console *c, const char *scenario)
{
    size_t w = 0;
    for (size_t i = 0; i < c->n_vms; i++) {
        live_vm *v = &c->vms[i];
        if (!strcmp(v->scenario, scenario)) {
            free(v->scenario);
            free(v->vm);
            free(v->phase);
            free(v->detail);
            free(v->printed_phase);
        } else {
            c->vms[w++] = *v;
        }
    }
    c->n_vms = w;
}

static void drop_scenario(console *c, const char *name)
{
    drop_vms(c, name);
    for (size_t i = 0; i < c->n_scn; i++) {
        if (strcmp(c->scn[i].name, name) != 0)
            continue;
        free(c->scn[i].name);
        free(c->scn[i].step);
        memmove(&c->scn[i], &c->scn[i + 1], (c->n_scn - i - 1) * sizeof *c->scn);
        c->n_scn--;
        return;
    }
}

static live_vm *find_vm(console *c, const char *scenario, const char *vm)
{
    for (size_t i = 0; i < c->n_vms; i++)
        if (!strcmp(c->vms[i].scenario, scenario) && !strcmp(c->vms[i].vm, vm))
            return &c->vms[i];
    c->vms = grow(c->vms, c->n_vms + 1, sizeof *c->vms);
    live_vm *v = &c->vms[c->n_vms++];
    memset(v, 0, sizeof *v);
    v->scenario = dup0(scenario);
    v->vm = dup0(vm);
    v->phase = dup0("");
    v->detail = dup0("");
    v->printed_phase = dup0("");
    v->printed_ms = -1;
    return v;
}

static void replace(char **dst, const char *s)
{
    free(*dst);
    *dst = dup0(s);
}

static const char *status_color(const char *status)
{
    if (!strcmp(status, "passed"))
        return C_GREEN;
    if (!strcmp(status, "failed") || !strcmp(status, "error"))
        return C_RED;
    return C_YELLOW;
}

static void status_word(console *c, strbuf *sb, const char *status)
{
    char word[16];
    size_t i = 0;
    for (; status[i] && i < sizeof word - 1; i++)
        word[i] = (char)(status[i] >= 'a' && status[i] <= 'z' ? status[i] - 32 : status[i]);
    word[i] = '\0';
    color_on(c, sb, status_color(status));
    sb_addf(sb, "%-8s", word);
    color_off(c, sb);
}

/* ---- events ------------------------------------------------------------- */

static void on_event(console *c, const progress_event *ev)
{
    const char *scn = ev->scenario ? ev->scenario : "";
    strbuf line = STRBUF_INIT;
    switch (ev->kind) {
    case PROGRESS_RUN_START:
        c->total = ev->total;
        break;
    case PROGRESS_SCENARIO_START:
        find_scenario(c, scn, 1);
        if (ev->total)
            sb_addf(&line, "[%zu/%zu] ", ev->index, ev->total);
        else if (c->total)
            sb_addf(&line, "[%zu/%zu] ", ev->index, c->total);
        color_on(c, &line, C_BOLD);
        add_clean(&line, scn, 300);
        color_off(c, &line);
        print_line(c, &line);
        break;
    case PROGRESS_STEP_START: {
        live_scenario *s = find_scenario(c, scn, 1);
        replace(&s->step, ev->step);
        s->step_started_ms = clock_mono_ms(c->clock);
        if (!c->tty) {
            sb_adds(&line, "  ");
            add_clean(&line, ev->step, 80);
            sb_adds(&line, " ...");
            print_line(c, &line);
        }
        break;
    }
    case PROGRESS_VM: {
        if (!ev->vm)
            break;
        find_scenario(c, scn, 1);
        live_vm *v = find_vm(c, scn, ev->vm);
        replace(&v->phase, ev->phase);
        replace(&v->detail, ev->detail);
        v->percent = ev->percent;
        if (!c->tty) {
            int64_t now = clock_mono_ms(c->clock);
            if (v->printed_ms < 0 || strcmp(v->printed_phase, v->phase) != 0 ||
                now - v->printed_ms >= c->interval_ms) {
                vm_line(c, &line, v);
                print_line(c, &line);
                v->printed_ms = now;
                replace(&v->printed_phase, v->phase);
            }
        }
        break;
    }
    case PROGRESS_STEP_END: {
        const char *status = ev->status ? ev->status : "passed";
        sb_adds(&line, "  ");
        status_word(c, &line, status);
        sb_addc(&line, ' ');
        add_clean(&line, ev->step, 80);
        sb_adds(&line, " (");
        fmt_duration(&line, ev->seconds);
        sb_addc(&line, ')');
        if (ev->message && *ev->message) {
            sb_adds(&line, ": ");
            add_clean(&line, ev->message, 400);
        }
        drop_vms(c, scn);
        live_scenario *s = find_scenario(c, scn, 0);
        if (s) {
            free(s->step);
            s->step = NULL;
        }
        print_line(c, &line);
        break;
    }
    case PROGRESS_SCENARIO_END:
        drop_scenario(c, scn);
        if (!c->tty) {
            sb_adds(&line, "  done: ");
            add_clean(&line, scn, 300);
            sb_adds(&line, " in ");
            fmt_duration(&line, ev->seconds);
            print_line(c, &line);
        }
        break;
    case PROGRESS_NOTE:
        sb_adds(&line, ev->scenario ? "  " : "");
        color_on(c, &line, C_DIM);
        add_clean(&line, ev->detail, 400);
        color_off(c, &line);
        print_line(c, &line);
        break;
    }
    sb_release(&line);
    if (c->tty) {
        erase_live(c);
        draw_live(c);
    }
    fflush(c->out);
}

void console_progress(void *ud, const progress_event *ev)
{
    console *c = ud;
    if (!c || !ev)
        return;
    pthread_mutex_lock(&c->lock);
    on_event(c, ev);
    pthread_mutex_unlock(&c->lock);
}

progress_sink console_sink(console *c)
{
    progress_sink s = {console_progress, c};
    return s;
}

/* ---- summary ---------------------------------------------------------------- */

void console_summary_line(const run_results *r, strbuf *out)
{
    results_counts n = results_count(r);
    sb_addf(out, "%zu passed, %zu failed, %zu skipped, %zu xfailed, ", n.passed, n.failed, n.skipped,
            n.xfailed);
    if (n.xpassed)
        sb_addf(out, "%zu xpassed, ", n.xpassed);
    sb_addf(out, "%zu errors in %.2fs", n.errors, r->seconds);
    if (r->seconds >= 60) {
        long s = (long)r->seconds;
        sb_addf(out, " (%ld:%02ld:%02ld)", s / 3600, (s % 3600) / 60, s % 60);
    }
}

void console_summary(console *c, const run_results *r, const console_artifact *artifacts, size_t n)
{
    pthread_mutex_lock(&c->lock);
    erase_live(c);
    strbuf line = STRBUF_INIT;
    int header = 0;
    for (size_t i = 0; i < r->n_scenarios; i++) {
        const scenario_result *s = r->scenarios[i];
        for (size_t j = 0; j < s->n_steps; j++) {
            const step_result *st = &s->steps[j];
            if (st->status != STEP_FAILED && st->status != STEP_ERROR)
                continue;
            if (!header) {
                sb_reset(&line);
                color_on(c, &line, C_BOLD);
                sb_adds(&line, "Failures and errors:");
                color_off(c, &line);
                print_line(c, &line);
                header = 1;
            }
            sb_reset(&line);
            sb_adds(&line, "  ");
            status_word(c, &line, step_status_name(st->status));
            sb_addc(&line, ' ');
            add_clean(&line, s->test_name, 300);
            sb_adds(&line, "::");
            add_clean(&line, st->name, 80);
            if (st->message && *st->message) {
                sb_adds(&line, " - ");
                add_clean(&line, st->message, 400);
            }
            print_line(c, &line);
        }
    }
    results_counts cnt = results_count(r);
    sb_reset(&line);
    color_on(c, &line, cnt.failed || cnt.errors ? C_RED : cnt.skipped || cnt.xfailed || cnt.xpassed ? C_YELLOW : C_GREEN);
    color_on(c, &line, C_BOLD);
    console_summary_line(r, &line);
    color_off(c, &line);
    print_line(c, &line);
    if (n) {
        sb_reset(&line);
        sb_adds(&line, "Artifacts:");
        print_line(c, &line);
        for (size_t i = 0; i < n; i++) {
            sb_reset(&line);
            sb_addf(&line, "  %-10s %s", artifacts[i].what ? artifacts[i].what : "",
                    artifacts[i].path ? artifacts[i].path : "");
            print_line(c, &line);
        }
    }
    draw_live(c);
    fflush(c->out);
    sb_release(&line);
    pthread_mutex_unlock(&c->lock);
}

void console_free(console *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    erase_live(c);
    fflush(c->out);
    pthread_mutex_unlock(&c->lock);
    while (c->n_scn)
        drop_scenario(c, c->scn[0].name);
    free(c->scn);
    free(c->vms);
    if (c->own_clock)
        clock_free(c->clock);
    pthread_mutex_destroy(&c->lock);
    free(c);
}
