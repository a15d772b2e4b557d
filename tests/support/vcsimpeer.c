/* vcsimpeer: see vcsimpeer.h. */
#include "vcsimpeer.h"

#include <criterion/criterion.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

void tu_vcsim_start(tu_vcsim *v, const char *world_json, const char *const *args)
{
    memset(v, 0, sizeof *v);
    char bin[4096], cmd[8192];
    snprintf(bin, sizeof bin, "%s/peers/vcsim", MTV_BINARY_DIR);
    snprintf(cmd, sizeof cmd, "bash '%s' '%s' >&2", tu_src("tests/peers/vcsim/build.sh"), bin);
    int rc = system(cmd);
    if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77)
        cr_skip_test("vcsim launcher cannot be built here (no go or govmomi package)");
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "building the vcsim launcher failed");
    const char *world = NULL;
    if (world_json)
        world = tu_write(tu_tmpdir(), "world.json", world_json);
    const char *argv[32];
    int argc = 0;
    argv[argc++] = bin;
    argv[argc++] = "-l";
    argv[argc++] = "127.0.0.1:0";
    argv[argc++] = "-vm";
    argv[argc++] = "0";
    if (world) {
        argv[argc++] = "-world";
        argv[argc++] = world;
    }
    for (int i = 0; args && args[i] && argc < 30; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    int out[2];
    cr_assert_eq(pipe(out), 0);
    pid_t parent = getpid();
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(1);
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    close(out[1]);
    v->pid = pid;
    char line[65536];
    size_t n = 0;
    struct pollfd pfd = {.fd = out[0], .events = POLLIN};
    while (n < sizeof line - 1 && !memchr(line, '\n', n)) {
        if (poll(&pfd, 1, 60000) <= 0)
            break;
        ssize_t k = read(out[0], line + n, sizeof line - 1 - n);
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    close(out[0]);
    line[n] = 0;
    v->ready = cJSON_Parse(line);
    const char *url = cJSON_GetStringValue(cJSON_GetObjectItem(v->ready, "url"));
    if (!url) {
        tu_vcsim_stop(v);
        cr_assert_fail("vcsim did not get ready: '%s'", line);
    }
    snprintf(v->url, sizeof v->url, "%s", url);
}

void tu_vcsim_stop(tu_vcsim *v)
{
    if (v->pid > 0) {
        kill(v->pid, SIGTERM);
        waitpid(v->pid, NULL, 0);
        v->pid = 0;
    }
    cJSON_Delete(v->ready);
    v->ready = NULL;
}

const char *tu_vcsim_vm(const tu_vcsim *v, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(v->ready, "vms"), name));
}
