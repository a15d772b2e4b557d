/*
 * jirastub-peer: the unit tests' stateful Jira stand-in (tests/support/
 * jirastub.h) as a process, so shell tests can point `mtv-validate run
 * --jira` and `--jira-report` at it.
 *
 *   jirastub-peer --state FILE [--cloud] [--issue KEY:STATUS:CATEGORY[:RESOLUTION]]...
 *
 * Prints the base URL on one line once it listens. SIGUSR1 writes
 * everything it holds (issues, comments, remote links, every request body;
 * jirastub_state_json) to FILE, atomically; SIGTERM or SIGINT writes it too
 * and exits 0. Signals are taken with sigwait, so the server threads never
 * run a handler.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jirastub.h"
#include "util/fs.h"

static int usage(void)
{
    fprintf(stderr, "usage: jirastub-peer --state FILE [--cloud] "
                    "[--issue KEY:STATUS:CATEGORY[:RESOLUTION]]...\n");
    return 2;
}

static int write_state(jirastub *j, const char *path)
{
    char *text = jirastub_state_json(j);
    mtv_err err;
    int rc = fs_write_atomic(path, text, strlen(text), &err);
    if (rc < 0)
        fprintf(stderr, "jirastub-peer: %s\n", err.msg);
    free(text);
    return rc;
}

/* "MTV-100:Open:new" or "MTV-100:Closed:done:Done" */
static int seed(jirastub *j, const char *spec)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    char *f[4] = {0};
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ":", &save); t && n < 4; t = strtok_r(NULL, ":", &save))
        f[n++] = t;
    if (n < 3) {
        fprintf(stderr, "jirastub-peer: --issue %s: expected KEY:STATUS:CATEGORY[:RESOLUTION]\n", spec);
        return -1;
    }
    jirastub_add_issue(j, f[0], f[1], f[2], f[3], f[3] ? "2020-01-01T00:00:00.000+0000" : NULL, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    const char *state = NULL;
    int cloud = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--cloud"))
            cloud = 1;
        else if (!strcmp(argv[i], "--state") && i + 1 < argc)
            state = argv[++i];
        else if (!strcmp(argv[i], "--issue") && i + 1 < argc)
            i++;
        else
            return usage();
    }
    if (!state)
        return usage();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    jirastub *j = jirastub_start(cloud);
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--issue") && seed(j, argv[++i]) < 0) {
            jirastub_stop(j);
            return 2;
        }
    printf("%s\n", jirastub_url(j));
    fflush(stdout);
    int rc = 0;
    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0)
            continue;
        rc = write_state(j, state) < 0;
        if (sig != SIGUSR1)
            break;
    }
    jirastub_stop(j);
    return rc;
}
