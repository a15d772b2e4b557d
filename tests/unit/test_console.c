/* Unit tests for reporters/console: plain lines and their throttling, the
 * redrawn block on a terminal, colours and NO_COLOR, the summary line,
 * escape-sequence injection and canary secrets. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reporters/console.h"
#include "util/clock.h"

typedef struct capture {
    FILE *f;
    char *buf;
    size_t len;
} capture;

static void cap_open(capture *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    cr_assert_not_null(c->f);
}

static const char *cap_text(capture *c)
{
    fflush(c->f);
    return c->buf ? c->buf : "";
}

static void cap_close(capture *c)
{
    fclose(c->f);
    free(c->buf);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void ev(console *c, enum progress_kind kind, const char *scn, const char *step)
{
    progress_event e = {.kind = kind, .scenario = scn, .step = step, .percent = -1};
    console_progress(c, &e);
}

static void vm(console *c, const char *phase, int pct)
{
    progress_vm(&(progress_sink){console_progress, c}, "test_a-vsphere-ceph", "migrate", "mtv-rhel8", phase,
                "disk 1 of 2", pct);
}

Test(console, plain_lines_and_vm_throttling)
{
    capture cap;
    cap_open(&cap);
    mtv_clock *clk = clock_new_virtual(0);
    console_opts o = {.tty = 0, .color = 0, .interval_ms = 30000, .clock = clk};
    console *c = console_new(cap.f, &o);
    cr_assert_not(console_is_tty(c));
    progress_event start = {.kind = PROGRESS_RUN_START, .total = 2};
    console_progress(c, &start);
    progress_event s1 = {.kind = PROGRESS_SCENARIO_START, .scenario = "test_a-vsphere-ceph", .index = 1};
    console_progress(c, &s1);
    ev(c, PROGRESS_STEP_START, "test_a-vsphere-ceph", "migrate");
    vm(c, "DiskTransfer", 10);
    vm(c, "DiskTransfer", 20);          /* same phase, too soon: not printed */
    clock_sleep_ms(clk, 30000);
    vm(c, "DiskTransfer", 60);          /* interval passed */
    vm(c, "ImageConversion", 0);        /* new phase: at once */
    progress_event end = {.kind = PROGRESS_STEP_END, .scenario = "test_a-vsphere-ceph", .step = "migrate",
                          .status = "failed", .message = "VM failed\nat DiskTransfer", .seconds = 12};
    console_progress(c, &end);
    const char *t = cap_text(&cap);
    cr_assert(strstr(t, "[1/2] test_a-vsphere-ceph\n"), "%s", t);
    cr_assert(strstr(t, "  migrate ...\n"), "%s", t);
    cr_assert(strstr(t, "mtv-rhel8 DiskTransfer [##..................]  10%  disk 1 of 2\n"), "%s", t);
    cr_assert_null(strstr(t, " 20%"), "a throttled line was printed: %s", t);
    cr_assert(strstr(t, " 60%"), "%s", t);
    cr_assert(strstr(t, "ImageConversion"), "%s", t);
    cr_assert(strstr(t, "  FAILED   migrate (12.0s): VM failed at DiskTransfer\n"), "%s", t);
    cr_assert_null(strchr(t, 0x1b), "escape codes in plain output: %s", t);
    console_free(c);
    clock_free(clk);
    cap_close(&cap);
}

Test(console, terminal_redraws_the_live_block_in_place)
{
    capture cap;
    cap_open(&cap);
    mtv_clock *clk = clock_new_virtual(0);
    console_opts o = {.tty = 1, .color = 0, .width = 60, .clock = clk};
    console *c = console_new(cap.f, &o);
    ev(c, PROGRESS_SCENARIO_START, "test_a-vsphere-ceph", NULL);
    ev(c, PROGRESS_STEP_START, "test_a-vsphere-ceph", "migrate");
    vm(c, "DiskTransfer", 10);
    vm(c, "DiskTransfer", 20);
    const char *t = cap_text(&cap);
    /* scenario line + VM line = a block of two lines, erased before each redraw */
    cr_assert(strstr(t, "\r\x1b[2A\x1b[J"), "no redraw of a 2-line block: %s", t);
    cr_assert(strstr(t, " 20%"), "%s", t);   /* on a terminal every update shows */
    cr_assert(strstr(t, "  > test_a-vsphere-ceph: migrate"), "%s", t);
    /* no drawn line is wider than the terminal */
    const char *line = t;
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        size_t visible = 0;
        for (size_t i = 0; i < len; i++) {
            if (line[i] == 0x1b) {
                while (i < len && !((line[i] >= 'A' && line[i] <= 'Z') || (line[i] >= 'a' && line[i] <= 'z')))
                    i++;
                continue;
            }
            visible += line[i] != '\r';
        }
        cr_assert_leq(visible, 60, "line too wide (%zu): %.*s", visible, (int)len, line);
        line = nl ? nl + 1 : line + len;
    }
    ev(c, PROGRESS_SCENARIO_END, "test_a-vsphere-ceph", NULL);
    console_free(c);
    clock_free(clk);
    cap_close(&cap);
}

Test(console, colours_only_when_asked_and_never_with_no_color)
{
    capture cap;
    cap_open(&cap);
    console_opts o = {.tty = 0, .color = 1};
    console *c = console_new(cap.f, &o);
    progress_event end = {.kind = PROGRESS_STEP_END, .scenario = "s", .step = "plan", .status = "failed"};
    console_progress(c, &end);
    cr_assert(strstr(cap_text(&cap), "\x1b[31mFAILED"), "%s", cap_text(&cap));
    console_free(c);
    cap_close(&cap);

    setenv("NO_COLOR", "1", 1);
    cap_open(&cap);
    console_opts auto_color = {.tty = 1, .color = -1};
    c = console_new(cap.f, &auto_color);
    cr_assert_not(console_has_color(c));
    console_progress(c, &end);
    cr_assert_null(strstr(cap_text(&cap), "\x1b[31m"), "colour despite NO_COLOR");
    console_free(c);
    cap_close(&cap);
    setenv("NO_COLOR", "", 1);   /* empty means unset (no-color.org) */
    cap_open(&cap);
    c = console_new(cap.f, &auto_color);
    cr_assert(console_has_color(c));
    console_free(c);
    cap_close(&cap);
    unsetenv("NO_COLOR");
}

Test(console, messages_cannot_move_the_cursor)
{
    capture cap;
    cap_open(&cap);
    console_opts o = {.tty = 0, .color = 0};
    console *c = console_new(cap.f, &o);
    progress_event end = {.kind = PROGRESS_STEP_END, .scenario = "s", .step = "plan", .status = "error",
                          .message = "\x1b[2J\x1b[Hcleared \x07 screen"};
    console_progress(c, &end);
    const char *t = cap_text(&cap);
    cr_assert_null(strchr(t, 0x1b), "%s", t);
    cr_assert_null(strchr(t, 0x07), "%s", t);
    cr_assert(strstr(t, "ERROR    plan (0.0s): cleared screen"), "%s", t);
    console_free(c);
    cap_close(&cap);
}

static run_results *sample(void)
{
    run_results *r = results_new("run-1", 0);
    r->seconds = 2.5;
    scenario_result *s = results_add_scenario(r, "test_a", "test_a-vsphere-ceph", NULL);
    scenario_add_step(s, "storagemap", NULL, STEP_PASSED, NULL, NULL, NULL, 0, 1);
    scenario_add_step(s, "migrate", NULL, STEP_FAILED, "VM failed at DiskTransfer", NULL, NULL, 0, 1);
    scenario_add_step(s, "check_vms", NULL, STEP_XFAILED, "previous step failed (migrate)", NULL, NULL, 0, 0);
    scenario_result *t = results_add_scenario(r, "test_b", "test_b-vsphere-ceph", NULL);
    scenario_add_step(t, "plan", NULL, STEP_SKIPPED, "https://jira/browse/MTV-1", NULL, NULL, 0, 0);
    scenario_add_step(t, "migrate", NULL, STEP_ERROR, "plan not Ready after 600 s", NULL, NULL, 0, 0.5);
    return r;
}

Test(console, summary_line_failures_and_artifacts)
{
    run_results *r = sample();
    strbuf line = STRBUF_INIT;
    console_summary_line(r, &line);
    cr_assert_str_eq(line.buf, "1 passed, 1 failed, 1 skipped, 1 xfailed, 1 errors in 2.50s");
    scenario_add_step(r->scenarios[0], "extra", NULL, STEP_XPASSED, NULL, NULL, NULL, 0, 0);
    r->seconds = 3725;
    sb_reset(&line);
    console_summary_line(r, &line);
    cr_assert_str_eq(line.buf, "1 passed, 1 failed, 1 skipped, 1 xfailed, 1 xpassed, 1 errors in 3725.00s (1:02:05)");
    sb_release(&line);

    capture cap;
    cap_open(&cap);
    console_opts o = {.tty = 0, .color = 0};
    console *c = console_new(cap.f, &o);
    console_artifact arts[] = {{"junit", "out/junit.xml"}, {"log", "out/run.log"}};
    console_summary(c, r, arts, 2);
    const char *t = cap_text(&cap);
    cr_assert(strstr(t, "  FAILED   test_a-vsphere-ceph::migrate - VM failed at DiskTransfer\n"), "%s", t);
    cr_assert(strstr(t, "  ERROR    test_b-vsphere-ceph::migrate - plan not Ready after 600 s\n"), "%s", t);
    cr_assert_null(strstr(t, "check_vms"), "an xfail listed as a failure: %s", t);
    cr_assert(strstr(t, "  junit      out/junit.xml\n"), "%s", t);
    console_free(c);
    cap_close(&cap);
    results_free(r);
}

Test(console, canary_secret_never_printed)
{
    const char *canary = "canary-Console-5ecret-77";
    secret_registry *reg = secrets_new();
    secrets_add(reg, "canary", canary);
    capture cap;
    cap_open(&cap);
    console_opts o = {.tty = 1, .color = 1, .secrets = reg};
    console *c = console_new(cap.f, &o);
    progress_event end = {.kind = PROGRESS_STEP_END, .scenario = "s", .step = "plan", .status = "failed",
                          .message = "login with password canary-Console-5ecret-77 refused"};
    console_progress(c, &end);
    progress_vm(&(progress_sink){console_progress, c}, "s", "migrate", "vm", "Copy", "token=canary-Console-5ecret-77", 5);
    run_results *r = results_new("x", 0);
    scenario_add_step(results_add_scenario(r, "s", NULL, NULL), "plan", NULL, STEP_FAILED,
                      "Y2FuYXJ5LUNvbnNvbGUtNWVjcmV0LTc3 in base64", NULL, NULL, 0, 0);
    console_summary(c, r, NULL, 0);
    console_free(c);
    const char *t = cap_text(&cap);
    cr_assert_null(strstr(t, canary), "the canary leaked: %s", t);
    cr_assert_null(strstr(t, "Y2FuYXJ5LUNvbnNvbGUtNWVjcmV0LTc3"), "the base64 canary leaked: %s", t);
    cr_assert(strstr(t, "<redacted:canary>"), "%s", t);
    cap_close(&cap);
    results_free(r);
    secrets_free(reg);
}

typedef struct worker_arg {
    console *c;
    int id;
} worker_arg;

static void *worker(void *p)
{
    worker_arg *a = p;
    char name[32];
    snprintf(name, sizeof name, "scenario-%d", a->id);
    ev(a->c, PROGRESS_SCENARIO_START, name, NULL);
    for (int i = 0; i < 50; i++) {
        ev(a->c, PROGRESS_STEP_START, name, "migrate");
        progress_vm(&(progress_sink){console_progress, a->c}, name, "migrate", "vm", "Copy", NULL, i * 2);
        progress_event end = {.kind = PROGRESS_STEP_END, .scenario = name, .step = "migrate", .status = "passed"};
        console_progress(a->c, &end);
    }
    ev(a->c, PROGRESS_SCENARIO_END, name, NULL);
    return NULL;
}

Test(console, parallel_scenarios_write_whole_lines)
{
    capture cap;
    cap_open(&cap);
    console_opts o = {.tty = 0, .color = 0, .interval_ms = 1};
    console *c = console_new(cap.f, &o);
    pthread_t th[4];
    worker_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (worker_arg){c, i};
        pthread_create(&th[i], NULL, worker, &args[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    const char *t = cap_text(&cap);
    cr_assert_eq(count(t, "  PASSED   migrate (0.0s)\n"), 200, "lines were lost or torn");
    cr_assert_eq(count(t, "  done: scenario-"), 4);
    console_free(c);
    cap_close(&cap);
}

/* Automatic mode decides from the stream itself: a file is no terminal, so
 * no colour and no redrawing, even with a colour-friendly TERM; a real
 * pseudo-terminal gets both; forcing colour on the file gives colour. */
Test(console, automatic_colour_follows_the_terminal)
{
    unsetenv("NO_COLOR");
    setenv("TERM", "xterm-256color", 1);
    console_opts automatic = {.tty = -1, .color = -1};
    progress_event end = {.kind = PROGRESS_STEP_END, .scenario = "s", .step = "plan", .status = "failed"};

    FILE *file = tmpfile();
    cr_assert_not_null(file);
    console *c = console_new(file, &automatic);
    cr_assert_not(console_is_tty(c), "a file taken for a terminal");
    cr_assert_not(console_has_color(c), "colour on a file in automatic mode");
    console_progress(c, &end);
    console_free(c);
    char text[512] = "";
    rewind(file);
    size_t n = fread(text, 1, sizeof text - 1, file);
    text[n] = '\0';
    cr_assert(strstr(text, "FAILED"), "%s", text);
    cr_assert_null(strchr(text, '\x1b'), "escape sequence in a file: %s", text);
    fclose(file);

    console_opts forced = {.tty = -1, .color = 1};
    file = tmpfile();
    c = console_new(file, &forced);
    cr_assert(console_has_color(c));
    console_progress(c, &end);
    console_free(c);
    rewind(file);
    n = fread(text, 1, sizeof text - 1, file);
    text[n] = '\0';
    cr_assert(strstr(text, "\x1b[31mFAILED"), "no colour when forced: %s", text);
    fclose(file);

    int master = posix_openpt(O_RDWR | O_NOCTTY);
    cr_assert_geq(master, 0);
    cr_assert_eq(grantpt(master), 0);
    cr_assert_eq(unlockpt(master), 0);
    FILE *tty = fopen(ptsname(master), "w");
    cr_assert_not_null(tty, "cannot open the pseudo-terminal");
    c = console_new(tty, &automatic);
    cr_assert(console_is_tty(c), "a pseudo-terminal not taken for a terminal");
    cr_assert(console_has_color(c), "no colour on a terminal in automatic mode");
    console_free(c);
    fclose(tty);
    close(master);
    unsetenv("TERM");
}
