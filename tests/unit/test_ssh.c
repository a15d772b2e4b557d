/* Unit tests for ssh/ssh_session against a real OpenSSH server on loopback
 * (tests/peers/sshd/start.sh), over a plain TCP stream and through the
 * WebSocket portforward peer: host key capture, key and password logins,
 * clear refusals (wrong key, RSA against OpenSSH 9, wrong password), stdout,
 * stderr, exit status and signal, large output through split and fragmented
 * frames, command timeouts, and a tunnel that fails. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/engine.h"
#include "net/transport.h"
#include "net/websocket.h"
#include "ssh/ssh_session.h"
#include "sshpeer.h"
#include "testutil.h"
#include "wspeer.h"

#define CANARY_PASSWORD "Canary-Guest-pw-4711"

static sshp sshd;
static mtv_clock *clk;
static wsp *peer;
static transport *tp;

static void setup_keys(void)
{
    clk = clock_new_real();
    sshp_start(&sshd, NULL);
}

static void setup_password(void)
{
    clk = clock_new_real();
    sshp_start(&sshd, CANARY_PASSWORD);
}

static void teardown(void)
{
    transport_free(tp);
    tp = NULL;
    wsp_stop(peer);
    peer = NULL;
    sshp_stop(&sshd);
    clock_free(clk);
}

TestSuite(ssh, .init = setup_keys, .fini = teardown, .timeout = 120);
TestSuite(ssh_password, .init = setup_password, .fini = teardown, .timeout = 120);

static ssh_session *open_tcp(void)
{
    ssh_options o = {.clock = clk, .peer = "test/sshd:22"};
    ssh_session *s = NULL;
    mtv_err err;
    cr_assert_eq(ssh_open(sshp_tcp_stream(sshd.port), &o, &s, &err), 0, "%s", err.msg);
    return s;
}

/* An SSH session through the WebSocket peer bridging to sshd. */
static ssh_session *open_tunnel(const wsp_config *extra)
{
    wsp_config cfg = extra ? *extra : (wsp_config){0};
    cfg.target_port = sshd.port;
    peer = wsp_start(TS_HTTPS, &cfg);
    transport_config tc = {.mode = TRANSPORT_LIVE, .clock = clk};
    mtv_err err;
    cr_assert_eq(transport_open(&tp, &tc, &err), 0, "%s", err.msg);
    static net_endpoint ep;
    net_endpoint_init(&ep);
    ep.base_url = wsp_url(peer);
    ep.tls.ca_pem = ts_ca_pem(wsp_server(peer));
    http_request req;
    http_request_init(&req, &ep, "kubernetes", "GET",
                      "/apis/subresources.kubevirt.io/v1/namespaces/ns/virtualmachineinstances/vm/portforward/22");
    net_bytestream *bs = NULL;
    cr_assert_eq(transport_open_bytestream(tp, &req, WS_PROTOCOL_KUBEVIRT, &bs, NULL, NULL, &err), 0, "%s",
                 err.msg);
    http_request_free(&req);
    ssh_options o = {.clock = clk, .peer = "ns/vm:22"};
    ssh_session *s = NULL;
    cr_assert_eq(ssh_open(bs, &o, &s, &err), 0, "%s", err.msg);
    return s;
}

static void login_with_key(ssh_session *s)
{
    ssh_creds c = {.user = sshd.user, .key_file = sshd.key};
    mtv_err err;
    cr_assert_eq(ssh_auth(s, &c, &err), 0, "%s", err.msg);
}

static void run(ssh_session *s, const char *cmd, ssh_result *r)
{
    mtv_err err;
    cr_assert_eq(ssh_exec(s, cmd, 20000, r, &err), 0, "%s: %s", cmd, err.msg);
}

Test(ssh, host_key_stdout_stderr_and_exit_status_over_tcp)
{
    ssh_session *s = open_tcp();
    char fp[128];
    sshp_host_fingerprint(&sshd, fp);
    cr_assert_str_eq(ssh_host_key_type(s), "ssh-ed25519");
    cr_assert_str_eq(ssh_host_key_sha256(s), fp, "the fingerprint is ssh-keygen's");
    login_with_key(s);
    ssh_result r;
    run(s, "echo out; echo err >&2; exit 3", &r);
    cr_assert_str_eq(sb_str(&r.out), "out\n");
    cr_assert_str_eq(sb_str(&r.err), "err\n");
    cr_assert_eq(r.exit_status, 3);
    cr_assert_str_eq(r.exit_signal, "");
    ssh_result_free(&r);
    /* one session, many commands */
    run(s, "id -un", &r);
    char want[80];
    snprintf(want, sizeof want, "%s\n", sshd.user);
    cr_assert_str_eq(sb_str(&r.out), want);
    cr_assert_eq(r.exit_status, 0);
    ssh_result_free(&r);
    ssh_close(s);
}

/* Output that arrives while the other stream is being read sits in
 * libssh2's queue, not on the socket: many short commands give that race
 * its chances, and a wait on the socket would then never end. */
Test(ssh, output_queued_while_reading_the_other_stream_is_not_waited_for)
{
    ssh_session *s = open_tcp();
    login_with_key(s);
    for (int i = 0; i < 40; i++) {
        char cmd[64], want[32];
        snprintf(cmd, sizeof cmd, i % 2 ? "echo o%d" : "echo e%d >&2", i);
        snprintf(want, sizeof want, i % 2 ? "o%d\n" : "e%d\n", i);
        ssh_result r;
        mtv_err err;
        cr_assert_eq(ssh_exec(s, cmd, 5000, &r, &err), 0, "command %d: %s", i, err.msg);
        cr_assert_str_eq(sb_str(i % 2 ? &r.out : &r.err), want);
        ssh_result_free(&r);
    }
    ssh_close(s);
}

Test(ssh, commands_through_the_websocket_tunnel_with_awkward_frames)
{
    wsp_config cfg = {.split = 3, .fragment = 50, .ping_first = 1};
    ssh_session *s = open_tunnel(&cfg);
    login_with_key(s);
    ssh_result r;
    run(s, "printf 'a%.0s' $(seq 1 300); echo; echo E >&2; exit 7", &r);
    cr_assert_eq(r.out.len, 301);
    cr_assert_eq(r.out.buf[0], 'a');
    cr_assert_str_eq(sb_str(&r.err), "E\n");
    cr_assert_eq(r.exit_status, 7);
    ssh_result_free(&r);
    ssh_close(s);
    wsp_stats *st = wsp_get_stats(peer);
    cr_assert_eq(atomic_load(&st->unmasked_in), 0);
    cr_assert_gt(atomic_load(&st->frames_in), 5);
    cr_assert_eq(atomic_load(&st->pongs_ok), 1);
    cr_assert_eq(atomic_load(&st->bad_frames), 0);
}

Test(ssh, large_output_through_the_tunnel)
{
    wsp_config cfg = {.split = 1000, .fragment = 4000};
    ssh_session *s = open_tunnel(&cfg);
    login_with_key(s);
    ssh_result r;
    mtv_err err;
    cr_assert_eq(ssh_exec(s, "head -c 300000 /dev/zero | tr '\\0' x", 90000, &r, &err), 0, "%s", err.msg);
    cr_assert_eq(r.out.len, 300000);
    cr_assert_eq(r.out.buf[299999], 'x');
    cr_assert_eq(r.exit_status, 0);
    cr_assert_not(r.truncated);
    ssh_result_free(&r);
    ssh_close(s);
}

Test(ssh, a_command_reading_stdin_sees_its_end)
{
    ssh_session *s = open_tcp();
    login_with_key(s);
    ssh_result r;
    mtv_err err;
    cr_assert_eq(ssh_exec(s, "cat; echo done", 20000, &r, &err), 0, "%s", err.msg);
    cr_assert_str_eq(sb_str(&r.out), "done\n");
    ssh_result_free(&r);
    ssh_close(s);
}

Test(ssh, a_command_killed_by_a_signal)
{
    ssh_session *s = open_tcp();
    login_with_key(s);
    ssh_result r;
    run(s, "kill -KILL $$", &r);
    cr_assert_str_eq(r.exit_signal, "KILL");
    cr_assert_eq(r.exit_status, -1);
    ssh_result_free(&r);
    ssh_close(s);
}

Test(ssh, a_command_that_does_not_finish_in_time)
{
    ssh_session *s = open_tcp();
    login_with_key(s);
    ssh_result r;
    mtv_err err;
    cr_assert_eq(ssh_exec(s, "sleep 5", 300, &r, &err), -1);
    cr_assert(strstr(err.msg, "did not finish within 300 ms"), "%s", err.msg);
    cr_assert(strstr(err.msg, "test/sshd:22"), "%s", err.msg);
    ssh_result_free(&r);
    ssh_close(s);
}

Test(ssh, an_unauthorised_key_is_refused_clearly)
{
    const char *other = sshp_keygen(&sshd, "ed25519", "stranger", NULL, 0);
    ssh_session *s = open_tcp();
    ssh_creds c = {.user = sshd.user, .key_file = other};
    mtv_err err;
    cr_assert_eq(ssh_auth(s, &c, &err), -1);
    cr_assert(strstr(err.msg, "was refused"), "%s", err.msg);
    cr_assert(strstr(err.msg, other), "names the key: %s", err.msg);
    cr_assert(strstr(err.msg, "offers: publickey"), "%s", err.msg);
    cr_assert_null(strstr(err.msg, "SHA-1"), "no RSA hint for an ed25519 key: %s", err.msg);
    ssh_close(s);
}

Test(ssh, an_rsa_key_against_openssh_9_is_explained)
{
    const char *rsa = sshp_keygen(&sshd, "rsa", "client_rsa", NULL, 1);
    cr_assert(ssh_key_is_rsa(rsa, NULL));
    cr_assert_not(ssh_key_is_rsa(sshd.key, NULL));
    ssh_session *s = open_tcp();
    ssh_creds c = {.user = sshd.user, .key_file = rsa};
    mtv_err err;
    int rc = ssh_auth(s, &c, &err);
    if (rc == 0)
        cr_skip_test("this libssh2 signs RSA with SHA-2: nothing to explain");
    cr_assert(strstr(err.msg, "SHA-1"), "%s", err.msg);
    cr_assert(strstr(err.msg, "ed25519"), "suggests a key type that works: %s", err.msg);
    ssh_close(s);
}

Test(ssh, key_files_that_cannot_be_used)
{
    ssh_session *s = open_tcp();
    ssh_creds c = {.user = sshd.user, .key_file = "/nonexistent/id_ed25519"};
    mtv_err err;
    cr_assert_eq(ssh_auth(s, &c, &err), -1);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    cr_assert(strstr(err.msg, "/nonexistent/id_ed25519"), "%s", err.msg);
    ssh_close(s);
    /* a passphrase-protected key without its passphrase */
    const char *locked = sshp_keygen(&sshd, "ed25519", "locked", "Key-Passphrase-99", 1);
    s = open_tcp();
    ssh_creds l = {.user = sshd.user, .key_file = locked};
    cr_assert_eq(ssh_auth(s, &l, &err), -1);
    cr_assert(strstr(err.msg, "cannot be used") || strstr(err.msg, "refused"), "%s", err.msg);
    ssh_close(s);
    /* and with it */
    s = open_tcp();
    l.passphrase = "Key-Passphrase-99";
    cr_assert_eq(ssh_auth(s, &l, &err), 0, "%s", err.msg);
    ssh_close(s);
}

Test(ssh, passwords_are_refused_when_the_guest_takes_only_keys)
{
    ssh_session *s = open_tcp();
    ssh_creds c = {.user = sshd.user, .password = CANARY_PASSWORD};
    mtv_err err;
    cr_assert_eq(ssh_auth(s, &c, &err), -1);
    cr_assert(strstr(err.msg, "does not accept passwords"), "%s", err.msg);
    cr_assert_null(strstr(err.msg, CANARY_PASSWORD));
    ssh_close(s);
}

Test(ssh, a_tunnel_that_fails_is_reported_with_its_reason)
{
    wsp_config cfg = {0};
    cfg.target_port = 1;   /* the peer cannot reach the guest: it closes with the dial error */
    peer = wsp_start(TS_HTTP, &cfg);
    transport_config tc = {.mode = TRANSPORT_LIVE, .clock = clk};
    mtv_err err;
    cr_assert_eq(transport_open(&tp, &tc, &err), 0, "%s", err.msg);
    net_endpoint ep;
    net_endpoint_init(&ep);
    ep.base_url = wsp_url(peer);
    http_request req;
    http_request_init(&req, &ep, "kubernetes", "GET",
                      "/apis/subresources.kubevirt.io/v1/namespaces/ns/virtualmachineinstances/vm/portforward/22");
    net_bytestream *bs = NULL;
    cr_assert_eq(transport_open_bytestream(tp, &req, WS_PROTOCOL_KUBEVIRT, &bs, NULL, NULL, &err), 0, "%s",
                 err.msg);
    http_request_free(&req);
    ssh_options o = {.clock = clk, .peer = "ns/vm:22", .timeout_ms = 5000};
    ssh_session *s = NULL;
    cr_assert_eq(ssh_open(bs, &o, &s, &err), -1);
    cr_assert_null(s);
    cr_assert(strstr(err.msg, "the tunnel failed"), "%s", err.msg);
    cr_assert(strstr(err.msg, "connection refused"), "%s", err.msg);
    cr_assert(strstr(err.msg, "ns/vm:22"), "%s", err.msg);
}

Test(ssh_password, right_and_wrong_passwords)
{
    if (!sshd.password_ok)
        cr_skip_test("password logins need root and a private mount namespace here");
    ssh_session *s = open_tcp();
    ssh_creds c = {.user = sshd.user, .password = "Wrong-pw-00000"};
    mtv_err err;
    cr_assert_eq(ssh_auth(s, &c, &err), -1);
    cr_assert(strstr(err.msg, "with a password was refused"), "%s", err.msg);
    cr_assert_null(strstr(err.msg, "Wrong-pw-00000"), "%s", err.msg);
    ssh_close(s);
    s = open_tcp();
    c.password = CANARY_PASSWORD;
    cr_assert_eq(ssh_auth(s, &c, &err), 0, "%s", err.msg);
    ssh_result r;
    run(s, "echo logged-in", &r);
    cr_assert_str_eq(sb_str(&r.out), "logged-in\n");
    ssh_result_free(&r);
    ssh_close(s);
}
