/* Unit tests for util/ledger (resources.json): recording, states, reopening,
 * malformed files named precisely, and that a SIGKILL never leaves a file
 * that misses an object whose recording had returned. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "util/ledger.h"

static const char *path_in(const char *dir, const char *name)
{
    static char buf[4][4200];
    static int slot;
    char *p = buf[slot++ % 4];
    snprintf(p, 4200, "%s/%s", dir, name);
    return p;
}

static ledger_item plan(const char *scenario, const char *name)
{
    ledger_item it = {.side = "cluster", .kind = "Plan",
                      .api_version = "forklift.konveyor.io/v1beta1", .namespace_ = "auto-ab12",
                      .name = name, .scenario = scenario, .session = "auto-ab12"};
    return it;
}

Test(ledger, records_survive_reopen_with_every_field)
{
    const char *p = path_in(tu_tmpdir(), "resources.json");
    mtv_err err;
    ledger *l;
    cr_assert_eq(ledger_create(&l, p, "run-7", &err), 0, "%s", err.msg);
    ledger_item a = plan("test_a", "p1");
    cr_assert_eq(ledger_record(l, &a, 1700000000000LL, &err), 0, "%s", err.msg);
    ledger_item clone = {.side = "source", .kind = "vm", .name = "auto-ab12-rhel8-x1y2",
                         .id = "vm-1041", .provider = "vsphere-8", .provider_type = "vsphere",
                         .scenario = "test_a", .session = "auto-ab12"};
    cr_assert_eq(ledger_record(l, &clone, 1700000001000LL, &err), 0);
    ledger_item b = plan("test_b", "p2");
    cr_assert_eq(ledger_record(l, &b, 1700000002000LL, &err), 0);
    ledger_free(l);

    cr_assert_eq(ledger_open(&l, p, &err), 0, "%s", err.msg);
    cr_assert_str_eq(ledger_run_id(l), "run-7");
    cr_assert_eq(ledger_count(l), 3);
    ledger_entry *e;
    size_t n;
    ledger_snapshot(l, "test_a", 0, &e, &n);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(e[0].kind, "Plan");
    cr_assert_str_eq(e[0].namespace_, "auto-ab12");
    cr_assert_str_eq(e[0].api_version, "forklift.konveyor.io/v1beta1");
    cr_assert_eq(e[0].created_ms, 1700000000000LL);
    cr_assert_str_eq(e[1].side, "source");
    cr_assert_str_eq(e[1].id, "vm-1041");
    cr_assert_str_eq(e[1].provider_type, "vsphere");
    cr_assert_null(e[1].namespace_);
    cr_assert_eq(e[1].index, 1);
    ledger_entries_free(e, n);
    ledger_free(l);
}

Test(ledger, states_and_duplicates)
{
    const char *p = path_in(tu_tmpdir(), "resources.json");
    mtv_err err;
    ledger *l;
    cr_assert_eq(ledger_create(&l, p, "r", &err), 0);
    ledger_item a = plan("s", "p1"), b = plan("s", "p2");
    ledger_record(l, &a, 0, &err);
    ledger_record(l, &b, 0, &err);
    ledger_record(l, &a, 0, &err);     /* a retried create: still one entry */
    cr_assert_eq(ledger_count(l), 2);
    cr_assert_eq(ledger_set_state(l, 0, LEDGER_DELETED, NULL, &err), 0);
    cr_assert_eq(ledger_set_state(l, 1, LEDGER_LEFTOVER, "still present after 120 s", &err), 0);
    cr_assert_eq(ledger_set_state(l, 9, LEDGER_DELETED, NULL, &err), -1);
    ledger_entry *e;
    size_t n;
    ledger_snapshot(l, NULL, 1, &e, &n);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(e[0].name, "p2");
    cr_assert_eq(e[0].state, LEDGER_LEFTOVER);
    cr_assert_str_eq(e[0].note, "still present after 120 s");
    ledger_entries_free(e, n);
    /* re-created after deletion: live again, in place */
    ledger_record(l, &a, 0, &err);
    ledger_snapshot(l, NULL, 1, &e, &n);
    cr_assert_eq(n, 2);
    cr_assert_eq(e[0].index, 0);
    cr_assert_eq(e[0].state, LEDGER_CREATED);
    ledger_entries_free(e, n);
    ledger_free(l);

    char *text = tu_read(p, NULL);
    cr_assert(strstr(text, "\"state\":\t\"leftover\"") || strstr(text, "\"leftover\""));
    cr_assert(strstr(text, "mtv-resources/1"));
    free(text);
}

Test(ledger, incomplete_items_are_refused)
{
    const char *p = path_in(tu_tmpdir(), "resources.json");
    mtv_err err;
    ledger *l;
    cr_assert_eq(ledger_create(&l, p, "r", &err), 0);
    ledger_item bad = {.side = "cluster", .name = "x"};
    cr_assert_eq(ledger_record(l, &bad, 0, &err), -1);
    cr_assert(strstr(err.msg, "kind"));
    cr_assert_eq(ledger_count(l), 0);
    ledger_free(l);
}

Test(ledger, malformed_files_name_the_entry)
{
    const char *dir = tu_tmpdir();
    mtv_err err;
    ledger *l;
    const char *p = tu_write(dir, "a.json", "{\"resources\": []}");
    cr_assert_eq(ledger_open(&l, p, &err), -1);
    cr_assert(strstr(err.msg, "not a resources file"), "%s", err.msg);
    p = tu_write(dir, "b.json",
                 "{\"format\": \"mtv-resources/1\", \"resources\": [{\"side\": \"cluster\", "
                 "\"kind\": \"Plan\", \"name\": \"p\"}, {\"side\": \"elsewhere\", \"kind\": \"x\", "
                 "\"name\": \"y\"}]}");
    cr_assert_eq(ledger_open(&l, p, &err), -1);
    cr_assert(strstr(err.msg, "resources[1].side"), "%s", err.msg);
    p = tu_write(dir, "c.json",
                 "{\"format\": \"mtv-resources/1\", \"resources\": [{\"side\": \"cluster\", "
                 "\"kind\": \"Plan\", \"name\": 5}]}");
    cr_assert_eq(ledger_open(&l, p, &err), -1);
    cr_assert(strstr(err.msg, "resources[0].name must be a string"), "%s", err.msg);
    p = tu_write(dir, "d.json", "{\"format\": \"mtv-resources/1\", \"resources\": [");
    cr_assert_eq(ledger_open(&l, p, &err), -1);
    cr_assert(strstr(err.msg, "d.json:1:"), "%s", err.msg);
}

/* A child records entries and reports each returned call through a pipe;
 * the parent kills it mid-stream. The file must parse and hold at least
 * every entry the child saw recorded. */
Test(ledger, sigkill_never_loses_a_recorded_object)
{
    const char *p = path_in(tu_tmpdir(), "resources.json");
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        close(fds[0]);
        mtv_err err;
        ledger *l;
        if (ledger_create(&l, p, "kill", &err) < 0)
            _exit(2);
        for (int i = 0;; i++) {
            char name[32];
            snprintf(name, sizeof name, "plan-%d", i);
            ledger_item it = plan("s", name);
            if (ledger_record(l, &it, 0, &err) < 0)
                _exit(3);
            unsigned char done = 1;
            if (write(fds[1], &done, 1) != 1)
                _exit(4);
        }
    }
    close(fds[1]);
    size_t seen = 0;
    unsigned char c;
    while (seen < 25 && read(fds[0], &c, 1) == 1)
        seen++;
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    close(fds[0]);
    cr_assert(WIFSIGNALED(status));
    mtv_err err;
    ledger *l;
    cr_assert_eq(ledger_open(&l, p, &err), 0, "%s", err.msg);
    cr_assert_geq(ledger_count(l), seen);
    ledger_free(l);
}

Test(ledger, non_durable_writes_still_land_whole)
{
    const char *p = path_in(tu_tmpdir(), "resources.json");
    mtv_err err;
    ledger *l;
    cr_assert_eq(ledger_create(&l, p, "replay", &err), 0);
    ledger_set_durable(l, 0);
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        ledger_item it = plan("s", name);
        cr_assert_eq(ledger_record(l, &it, 0, &err), 0, "%s", err.msg);
    }
    cr_assert_eq(ledger_set_state(l, 4, LEDGER_DELETED, NULL, &err), 0);
    ledger_free(l);
    cr_assert_eq(ledger_open(&l, p, &err), 0, "%s", err.msg);
    cr_assert_eq(ledger_count(l), 5);
    ledger_entry *e;
    size_t n;
    ledger_snapshot(l, NULL, 1, &e, &n);
    cr_assert_eq(n, 4);
    ledger_entries_free(e, n);
    ledger_free(l);
}
