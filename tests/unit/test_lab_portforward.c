/* Unit tests for the VMI portforward subresource: a real SSH session
 * (libssh2) runs over the lab's WebSocket (plain.kubevirt.io, over HTTPS
 * verified against the lab's CA) to a real sshd started with
 * tests/peers/sshd/start.sh; the handshake answers RFC 6455's accept key
 * and the subprotocol; missing or stopped VMIs and plain requests are
 * refused with Kubernetes Status answers. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <libssh2.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab/lab_ws.h"
#include "labtest.h"
#include "testutil.h"

static labtest lab;
static pid_t sshd_pid;
static char key_path[4096];

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(fd, (struct sockaddr *)&a, sizeof a);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    int port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* Starts the test sshd; returns its port or skips the test. */
static int start_sshd(void)
{
    int port = free_port();
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "bash %s %s/sshd %d 2>&1", tu_src("tests/peers/sshd/start.sh"),
             tu_tmpdir(), port);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char line[8192] = "";
    while (fgets(line, sizeof line, p) && !strstr(line, "pid="))
        ;
    int rc = pclose(p);
    if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77)
        cr_skip_test("openssh-server is not installed");
    cr_assert(strstr(line, "pid="), "sshd did not start: %s", line);
    sshd_pid = (pid_t)atoi(strstr(line, "pid=") + 4);
    snprintf(key_path, sizeof key_path, "%s", strstr(line, "key=") + 4);
    key_path[strcspn(key_path, "\r\n")] = '\0';
    return port;
}

static void stop(void)
{
    labtest_stop(&lab);
    if (sshd_pid > 0) {
        kill(sshd_pid, SIGTERM);
        sshd_pid = 0;
    }
}

TestSuite(lab_portforward, .fini = stop, .timeout = 60);

static SSL *tls_connect(SSL_CTX **ctx, int *fd)
{
    *ctx = SSL_CTX_new(TLS_client_method());
    cr_assert_eq(SSL_CTX_load_verify_locations(*ctx, lab.ca, NULL), 1);
    SSL_CTX_set_verify(*ctx, SSL_VERIFY_PEER, NULL);
    *fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)lab_server_port(lab.srv)),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(connect(*fd, (struct sockaddr *)&a, sizeof a), 0);
    SSL *ssl = SSL_new(*ctx);
    SSL_set_fd(ssl, *fd);
    SSL_set1_host(ssl, "127.0.0.1");
    cr_assert_eq(SSL_connect(ssl), 1, "TLS with the lab CA");
    return ssl;
}

typedef struct pump {
    SSL *ssl;
    int sslfd, plain;   /* raw bytes of the TLS stream on plain */
} pump;

/* Copies the decrypted TLS stream to and from a socketpair end. */
static void *tls_pump(void *arg)
{
    pump *p = arg;
    char buf[16384];
    for (;;) {
        if (SSL_pending(p->ssl) == 0) {
            struct pollfd pf[2] = {{.fd = p->sslfd, .events = POLLIN},
                                   {.fd = p->plain, .events = POLLIN}};
            if (poll(pf, 2, 10000) <= 0)
                break;
            if (pf[1].revents) {
                ssize_t n = read(p->plain, buf, sizeof buf);
                if (n <= 0 || SSL_write(p->ssl, buf, (int)n) != n)
                    break;
            }
            if (!pf[0].revents)
                continue;
        }
        int n = SSL_read(p->ssl, buf, sizeof buf);
        if (n <= 0 || write(p->plain, buf, (size_t)n) != n)
            break;
    }
    shutdown(p->plain, SHUT_RDWR);
    return NULL;
}

typedef struct ws_pump {
    int ws;       /* the WebSocket connection (plain bytes) */
    int raw;      /* the SSH client's stream */
    const char *extra;
    size_t extra_len;
} ws_pump;

/* Client side of plain.kubevirt.io: masked binary frames out, payloads in. */
static void *ws_client(void *arg)
{
    ws_pump *w = arg;
    lab_ws_reader r = {w->ws, w->extra, w->extra_len, 0};
    strbuf payload = STRBUF_INIT;
    char buf[16384];
    for (;;) {
        if (!lab_ws_buffered(&r)) {
            struct pollfd pf[2] = {{.fd = w->ws, .events = POLLIN}, {.fd = w->raw, .events = POLLIN}};
            if (poll(pf, 2, 10000) <= 0)
                break;
            if (pf[1].revents) {
                ssize_t n = read(w->raw, buf, sizeof buf);
                if (n <= 0 || lab_ws_write_frame(w->ws, LAB_WS_BINARY, buf, (size_t)n, 1) < 0)
                    break;
            }
            if (!pf[0].revents)
                continue;
        }
        int op, fin;
        if (lab_ws_read_frame(&r, &op, &fin, &payload, 1 << 24) < 0 || op == LAB_WS_CLOSE)
            break;
        if (op == LAB_WS_BINARY && write(w->raw, payload.buf, payload.len) != (ssize_t)payload.len)
            break;
    }
    sb_release(&payload);
    shutdown(w->raw, SHUT_RDWR);
    shutdown(w->ws, SHUT_RDWR);
    return NULL;
}

Test(lab_portforward, ssh_session_over_the_websocket)
{
    int port = start_sshd();
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    labtest_start(&lab, &(labtest_opts){.ssh_target = target});
    /* the world's running OpenShift source VM has a Running VMI */
    cJSON *vmi = labtest_get(&lab, "kubevirt.io/v1/virtualmachineinstances", "mtv-source-vms",
                             "mtv-win2019-3disks");
    cr_assert_not_null(vmi);
    cJSON_Delete(vmi);
    SSL_CTX *ctx;
    int fd;
    SSL *ssl = tls_connect(&ctx, &fd);
    char req[2048];
    int n = snprintf(req, sizeof req,
                     "GET /apis/subresources.kubevirt.io/v1/namespaces/mtv-source-vms/"
                     "virtualmachineinstances/mtv-win2019-3disks/portforward/22/tcp HTTP/1.1\r\n"
                     "Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\nConnection: Upgrade\r\n"
                     "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Protocol: plain.kubevirt.io\r\n\r\n",
                     lab_server_token(lab.srv));
    cr_assert_eq(SSL_write(ssl, req, n), n);
    char head[4096];
    size_t got = 0;
    head[0] = '\0';
    while (got < sizeof head - 1 && !strstr(head, "\r\n\r\n")) {
        int k = SSL_read(ssl, head + got, 1);
        cr_assert_gt(k, 0, "closed before the response head");
        got += (size_t)k;
        head[got] = '\0';
    }
    cr_assert(!strncmp(head, "HTTP/1.1 101", 12), "%s", head);
    /* RFC 6455's own example key and answer */
    cr_assert(strstr(head, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "%s", head);
    cr_assert(strstr(head, "Sec-WebSocket-Protocol: plain.kubevirt.io"), "%s", head);
    int tp[2], sp[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, tp), 0);
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
    pump tls = {ssl, fd, tp[0]};
    ws_pump ws = {tp[1], sp[0], NULL, 0};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, tls_pump, &tls);
    pthread_create(&t2, NULL, ws_client, &ws);
    cr_assert_eq(libssh2_init(0), 0);
    LIBSSH2_SESSION *s = libssh2_session_init();
    libssh2_session_set_blocking(s, 1);
    cr_assert_eq(libssh2_session_handshake(s, sp[1]), 0, "SSH handshake through the lab");
    const char *user = getpwuid(getuid())->pw_name;
    char pub[4200];
    snprintf(pub, sizeof pub, "%s.pub", key_path);
    int rc = libssh2_userauth_publickey_fromfile(s, user, pub, key_path, NULL);
    char *msg = NULL;
    libssh2_session_last_error(s, &msg, NULL, 0);
    cr_assert_eq(rc, 0, "public key login as %s: %s", user, msg);
    LIBSSH2_CHANNEL *ch = libssh2_channel_open_session(s);
    cr_assert_not_null(ch);
    cr_assert_eq(libssh2_channel_exec(ch, "echo hello-from-the-guest; uname -s"), 0);
    strbuf out = STRBUF_INIT;
    char buf[1024];
    ssize_t k;
    while ((k = libssh2_channel_read(ch, buf, sizeof buf)) > 0)
        sb_add(&out, buf, (size_t)k);
    libssh2_channel_close(ch);
    libssh2_channel_wait_closed(ch);
    int status = libssh2_channel_get_exit_status(ch);
    libssh2_channel_free(ch);
    libssh2_session_disconnect(s, "done");
    libssh2_session_free(s);
    libssh2_exit();
    cr_assert(strstr(sb_str(&out), "hello-from-the-guest\nLinux"), "%s", sb_str(&out));
    cr_assert_eq(status, 0);
    sb_release(&out);
    close(sp[1]);
    pthread_join(t2, NULL);
    pthread_join(t1, NULL);
    close(sp[0]);
    close(tp[0]);
    close(tp[1]);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
}

Test(lab_portforward, refusals_are_kubernetes_statuses)
{
    labtest_start(&lab, &(labtest_opts){.ssh_target = "127.0.0.1:1"});
    labtest_reply r = labtest_http(&lab, "GET",
                                   "/apis/subresources.kubevirt.io/v1/namespaces/mtv-source-vms/"
                                   "virtualmachineinstances/nope/portforward/22", NULL, NULL);
    cr_assert_eq(r.code, 404);
    cr_assert(strstr(r.body.buf, "virtualmachineinstances.kubevirt.io \\\"nope\\\" not found"),
              "%s", r.body.buf);
    labtest_reply_free(&r);
    r = labtest_http(&lab, "GET",
                     "/apis/subresources.kubevirt.io/v1/namespaces/mtv-source-vms/"
                     "virtualmachines/mtv-win2019-3disks/portforward/22", NULL, NULL);
    cr_assert_eq(r.code, 400, "a plain GET is not a WebSocket");
    cr_assert(strstr(r.body.buf, "websocket"), "%s", r.body.buf);
    labtest_reply_free(&r);
    r = labtest_http(&lab, "GET", "/apis/subresources.kubevirt.io/v1", NULL, NULL);
    cr_assert_eq(r.code, 200);
    cr_assert(strstr(r.body.buf, "virtualmachineinstances/portforward"));
    labtest_reply_free(&r);
    r = labtest_http(&lab, "GET", "/apis/subresources.kubevirt.io/v1/namespaces/x/pods/y/exec", NULL,
                     NULL);
    cr_assert_eq(r.code, 404);
    labtest_reply_free(&r);
}
