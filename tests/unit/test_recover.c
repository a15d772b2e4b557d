/* A recording child process is killed with SIGKILL in the middle of its run;
 * `mtv-validate cassette recover` on its journal must give a bundle holding
 * every exchange that completed before the kill. Also: a torn last line and
 * a garbage line in a journal are skipped with warnings, not fatal. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/transport.h"
#include "recorder/cassette.h"
#include "recorder/journal.h"
#include "testserver.h"
#include "testutil.h"
#include "util/fs.h"

#define COMPLETED 25

static void item(void *ud, const ts_request *req, ts_response *resp)
{
    (void)ud;
    strbuf b = STRBUF_INIT;
    sb_addf(&b, "{\"uri\":\"%s\"}", req->uri);
    ts_resp_body(resp, "application/json", b.buf, b.len);
    sb_release(&b);
}

static void child(const char *journal, const char *base, int fd)
{
    transport_config cfg = {.mode = TRANSPORT_RECORD, .journal_path = journal, .scenario = "killed"};
    transport *t;
    mtv_err err;
    if (transport_open(&t, &cfg, &err) < 0)
        _exit(2);
    net_endpoint ep;
    net_endpoint_init(&ep);
    ep.base_url = base;
    for (int i = 1;; i++) {
        http_request req;
        http_response resp = {0};
        char path[64];
        snprintf(path, sizeof path, "/items/%d", i);
        http_request_init(&req, &ep, "inventory", "GET", path);
        if (transport_send(t, &req, &resp, &err) < 0)
            _exit(3);
        http_request_free(&req);
        http_response_free(&resp);
        char one = 'x';
        if (write(fd, &one, 1) != 1)   /* the exchange is on disk: tell the parent */
            _exit(4);
    }
}

Test(recover, sigkill_mid_run_then_recover_keeps_every_completed_exchange)
{
    const char *dir = tu_tmpdir();
    ts_server *srv = ts_start(TS_HTTP);
    ts_route(srv, "GET", "/items/*", item, NULL);
    strbuf journal = STRBUF_INIT, bundle = STRBUF_INIT, cmd = STRBUF_INIT;
    fs_join(&journal, dir, "journal.ndjson");
    fs_join(&bundle, dir, "recovered.tar");
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        child(journal.buf, ts_url(srv), fds[1]);
    }
    close(fds[1]);
    int done = 0;
    char buf[1];
    while (done < COMPLETED && read(fds[0], buf, 1) == 1)
        done++;
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    close(fds[0]);
    ts_stop(srv);
    cr_assert_eq(done, COMPLETED, "the child completed %d exchanges", done);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    sb_addf(&cmd, "'%s/mtv-validate' cassette recover --log-level error -o '%s' '%s' >/dev/null",
            MTV_BINARY_DIR, bundle.buf, journal.buf);
    cr_assert_eq(system(cmd.buf), 0, "%s", cmd.buf);
    cassette c;
    mtv_err err;
    cr_assert_eq(cassette_load(&c, bundle.buf, &err), 0, "%s", err.msg);
    cr_assert_geq(c.count, COMPLETED);
    for (int i = 1; i <= COMPLETED; i++) {
        char want[64];
        snprintf(want, sizeof want, "GET inventory /items/%d -", i);
        int found = 0;
        for (size_t k = 0; k < c.count; k++)
            found += strcmp(c.entries[k].key, want) == 0 && c.entries[k].status == 200;
        cr_assert_eq(found, 1, "exchange %d missing from the recovered bundle", i);
    }
    const char *scenario = cJSON_GetStringValue(
        cJSON_GetObjectItem(c.meta, "scenario"));
    cr_assert_str_eq(scenario, "killed");
    cassette_free(&c);
    sb_release(&journal);
    sb_release(&bundle);
    sb_release(&cmd);
}

Test(recover, torn_and_garbage_lines_are_skipped_with_warnings)
{
    const char *text =
        "{\"t\":\"meta\",\"format\":\"mtv-journal/1\",\"seed\":\"0x1\",\"start_ms\":1700000000000}\n"
        "{\"t\":\"entry\",\"entry\":{\"_seq\":2,\"request\":{\"method\":\"GET\",\"url\":\"http://h/b\"},\"response\":{\"status\":200}}}\n"
        "this line is not json\n"
        "{\"t\":\"entry\",\"entry\":{\"_seq\":1,\"request\":{\"method\":\"GET\",\"url\":\"http://h/a\"},\"response\":{\"status\":200}}}\n"
        "{\"t\":\"var\",\"name\":\"name.000000\",\"value\":\"auto-abc123\"}\n"
        "{\"t\":\"entry\",\"entry\":{\"_seq\":3,\"req";
    journal_contents jc;
    strbuf warn = STRBUF_INIT;
    mtv_err err;
    cr_assert_eq(journal_parse("run/journal.ndjson", text, strlen(text), &jc, &warn, &err), 0, "%s", err.msg);
    cr_assert_eq(cJSON_GetArraySize(jc.entries), 2);
    cr_assert_eq(jc.skipped, 2);
    cr_assert(strstr(warn.buf, "run/journal.ndjson:3: not a journal line"), "%s", warn.buf);
    cr_assert(strstr(warn.buf, "run/journal.ndjson:6: last line is incomplete"), "%s", warn.buf);
    /* sorted by _seq, whatever the write order */
    cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetArrayItem(jc.entries, 0), "_seq")), 1);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(jc.variables, "name.000000")), "auto-abc123");
    journal_contents_free(&jc);
    sb_release(&warn);
}

Test(recover, text_that_is_no_journal_is_refused)
{
    journal_contents jc;
    mtv_err err;
    const char *text = "hello\nworld\n";
    cr_assert_eq(journal_parse("notes.txt", text, strlen(text), &jc, NULL, &err), -1);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    cr_assert(strstr(err.msg, "notes.txt: not a journal"), "%s", err.msg);
}
