/* sshpeer: see sshpeer.h. */
#include "sshpeer.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0)
        cr_assert_fail("no free loopback port");
    close(fd);
    return ntohs(a.sin_port);
}

static void nap(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* 1 started, 0 the script refused the password mode (77), -1 failed. */
static int try_start(sshp *p, const char *password)
{
    char log[600];
    snprintf(log, sizeof log, "%s/sshd.log", p->dir);
    unlink(log);
    p->port = free_port();
    pid_t pid = fork();
    if (pid < 0)
        cr_assert_fail("fork failed");
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        char port[16];
        snprintf(port, sizeof port, "%d", p->port);
        setenv("SSHD_FOREGROUND", "1", 1);
        if (password)
            setenv("SSHD_PASSWORD", password, 1);
        if (p->guests[0])
            setenv("SSHD_GUESTS", p->guests, 1);
        execl("/bin/bash", "bash", tu_src("tests/peers/sshd/start.sh"), p->dir, port, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 600; i++) {   /* keys are made first: allow 30 s on a busy machine */
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
                char *text = tu_read(log, NULL);
                int no_sshd = text && strstr(text, "not installed");
                free(text);
                if (no_sshd)
                    cr_skip_test("openssh-server is not installed");
                return 0;
            }
            return -1;
        }
        char *text = tu_read(log, NULL);
        int up = text && strstr(text, "Server listening");
        free(text);
        if (up) {
            p->pid = pid;
            return 1;
        }
        nap(50);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

void sshp_start(sshp *p, const char *password)
{
    sshp_start_guests(p, password, NULL);
}

void sshp_start_guests(sshp *p, const char *password, const char *guests)
{
    memset(p, 0, sizeof *p);
    if (guests)
        snprintf(p->guests, sizeof p->guests, "%s", guests);
    snprintf(p->dir, sizeof p->dir, "%s", tu_tmpdir());
    snprintf(p->key, sizeof p->key, "%s/client_ed25519", p->dir);
    const char *u = getenv("USER");
    FILE *f = popen("id -un", "r");
    if (f && fgets(p->user, sizeof p->user, f))
        p->user[strcspn(p->user, "\n")] = '\0';
    else if (u)
        snprintf(p->user, sizeof p->user, "%s", u);
    if (f)
        pclose(f);
    for (int attempt = 0; attempt < 3; attempt++) {   /* a port taken meanwhile: try another */
        int rc = try_start(p, password);
        if (rc == 1) {
            p->password_ok = password != NULL;
            return;
        }
        if (rc == 0)
            password = NULL;   /* no password mode here: key logins only */
    }
    char log[600];
    snprintf(log, sizeof log, "%s/sshd.log", p->dir);
    char *text = tu_read(log, NULL);
    cr_assert_fail("sshd did not start: %s", text ? text : "(no log)");
}

void sshp_stop(sshp *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGTERM);
        waitpid(p->pid, NULL, 0);
        p->pid = 0;
    }
}

const char *sshp_keygen(sshp *p, const char *type, const char *name, const char *passphrase, int authorize)
{
    static char slots[4][600];
    static int next;
    char *path = slots[next++ % 4];
    snprintf(path, sizeof slots[0], "%s/%s", p->dir, name);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "ssh-keygen -q -t %s %s -N '%s' -f '%s' </dev/null", type,
             strcmp(type, "rsa") == 0 ? "-b 2048" : "", passphrase ? passphrase : "", path);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    if (authorize) {
        snprintf(cmd, sizeof cmd, "cat '%s.pub' >> '%s/authorized_keys/%s'", path, p->dir, p->user);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
    }
    return path;
}

void sshp_host_fingerprint(sshp *p, char out[128])
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "ssh-keygen -l -E sha256 -f '%s/ssh_host_ed25519_key.pub'", p->dir);
    FILE *f = popen(cmd, "r");
    char line[512] = "";
    if (f && fgets(line, sizeof line, f)) {
        /* "256 SHA256:abc... comment (ED25519)" */
        char *s = strchr(line, ' ');
        s = s ? s + 1 : line;
        s[strcspn(s, " \n")] = '\0';
        if (snprintf(out, 128, "%s", s) >= 128)
            out[0] = '\0';   /* not a fingerprint */
    } else {
        out[0] = '\0';
    }
    if (f)
        pclose(f);
}

/* ---- a TCP byte stream -------------------------------------------------------------- */

typedef struct tcp_stream {
    net_bytestream base;
    int fd;
} tcp_stream;

static ssize_t tcp_read(net_bytestream *s, void *buf, size_t n, mtv_err *err)
{
    tcp_stream *t = (tcp_stream *)s;
    for (;;) {
        ssize_t k = recv(t->fd, buf, n, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return mtv_err_set(err, MTV_EXIT_ENV, "tcp read: %s", strerror(errno));
        return k;
    }
}

static int tcp_write(net_bytestream *s, const void *buf, size_t n, mtv_err *err)
{
    tcp_stream *t = (tcp_stream *)s;
    const char *p = buf;
    while (n) {
        ssize_t k = send(t->fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return mtv_err_set(err, MTV_EXIT_ENV, "tcp write: %s", strerror(errno));
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static void tcp_shutdown(net_bytestream *s)
{
    shutdown(((tcp_stream *)s)->fd, SHUT_RDWR);
}

static void tcp_close(net_bytestream *s)
{
    tcp_stream *t = (tcp_stream *)s;
    close(t->fd);
    free(t);
}

net_bytestream *sshp_tcp_stream(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        cr_assert_fail("cannot connect to 127.0.0.1:%d", port);
    tcp_stream *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    t->fd = fd;
    t->base.read = tcp_read;
    t->base.write = tcp_write;
    t->base.shutdown = tcp_shutdown;
    t->base.close = tcp_close;
    t->base.impl = t;
    return &t->base;
}
