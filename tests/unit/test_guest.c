/* Unit tests for ssh/guest, the API the checks use: SSH to a VMI through the
 * portforward peer (tests/support/wspeer.h) to a real sshd; record a
 * session's commands, then replay them with sshd and the peer stopped;
 * canary credentials never reach the journal, the bundle or the log;
 * upstream's retry policy (retry while the VMI is not there, stop at once on
 * 403 or a refused login, give up after the window, stop when the run's
 * cancel flag is set); credentials from the providers file by win_os. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/providers.h"
#include "ssh/guest.h"
#include "sshpeer.h"
#include "testutil.h"
#include "util/log.h"
#include "wspeer.h"

#define TOKEN "sha256~guest-test-token-777"
#define PASSPHRASE "Canary-Passphrase-4242"
#define PASSWORD "Canary-Guest-Password-99"

static sshp sshd;
static wsp *peer;
static transport *tp;
static secret_registry *reg;
static net_endpoint ep;
static const char *dir;
static mtv_clock *vclock;   /* when set, the transport's clock: sleeps are instant */

static void setup(void)
{
    dir = tu_tmpdir();
    reg = secrets_new();
}

static void teardown(void)
{
    transport_free(tp);
    tp = NULL;
    wsp_stop(peer);
    peer = NULL;
    sshp_stop(&sshd);
    secrets_free(reg);
    clock_free(vclock);
    vclock = NULL;
    log_set_file(NULL, LOG_DEBUG, NULL);
}

TestSuite(guest, .init = setup, .fini = teardown, .timeout = 120);

static void start_peers(const char *password, wsp_config cfg)
{
    sshp_start(&sshd, password);
    if (!cfg.target_port)
        cfg.target_port = sshd.port;
    if (!cfg.token)
        cfg.token = TOKEN;
    peer = wsp_start(TS_HTTPS, &cfg);
    net_endpoint_init(&ep);
    ep.base_url = wsp_url(peer);
    ep.tls.ca_pem = ts_ca_pem(wsp_server(peer));
    ep.auth = NET_AUTH_BEARER;
    ep.token = TOKEN;
}

static void open_transport(enum transport_mode mode, const char *path)
{
    transport_config tc = {.mode = mode, .secrets = reg, .scenario = "guest-test", .has_seed = 1, .seed = 7,
                           .clock = mode == TRANSPORT_REPLAY ? NULL : vclock};
    if (mode == TRANSPORT_RECORD)
        tc.journal_path = path;
    else if (mode == TRANSPORT_REPLAY)
        tc.cassette_path = path;
    mtv_err err;
    cr_assert_eq(transport_open(&tp, &tc, &err), 0, "%s", err.msg);
}

static const char *path_in(const char *name)
{
    static char slots[4][700];
    static int n;
    char *s = slots[n++ % 4];
    snprintf(s, sizeof slots[0], "%s/%s", dir, name);
    return s;
}

static void assert_file_clean(const char *path, const char *what)
{
    size_t n = 0;
    char *text = tu_read(path, &n);
    cr_assert_not_null(text, "%s missing", path);
    cr_assert_not(tu_contains(text, n, PASSPHRASE), "%s holds the passphrase", what);
    cr_assert_not(tu_contains(text, n, PASSWORD), "%s holds the password", what);
    cr_assert_not(tu_contains(text, n, TOKEN), "%s holds the token", what);
    free(text);
}

/* The session both runs do: the same calls, so the replay matches. */
typedef struct outcome {
    char key_type[32], key_sha256[64];
    strbuf out1, err1, out2;
    int status1, status2, probe_attempts;
} outcome;

static void drive(guest_ctx *ctx, const ssh_creds *creds, outcome *o)
{
    guest_target vm = {"mtv-tests", "rhel9-clone", 22};
    guest_session *s = NULL;
    mtv_err err;
    cr_assert_eq(guest_connect(ctx, &vm, creds, &s, &err), 0, "%s", err.msg);
    snprintf(o->key_type, sizeof o->key_type, "%s", guest_host_key_type(s));
    snprintf(o->key_sha256, sizeof o->key_sha256, "%s", guest_host_key_sha256(s));
    ssh_result r;
    cr_assert_eq(guest_run(s, "echo hello; echo " PASSPHRASE " >&2; exit 4", 0, &r, &err), 0, "%s", err.msg);
    sb_adds(&o->out1, sb_str(&r.out));
    sb_adds(&o->err1, sb_str(&r.err));
    o->status1 = r.exit_status;
    ssh_result_free(&r);
    cr_assert_eq(guest_run(s, "printf 'bin\\001\\377ary'", 0, &r, &err), 0, "%s", err.msg);
    sb_add(&o->out2, r.out.buf, r.out.len);
    o->status2 = r.exit_status;
    ssh_result_free(&r);
    guest_disconnect(s);
    cr_assert_eq(guest_probe(ctx, &vm, creds, &o->probe_attempts, &err), 0, "%s", err.msg);
}

static void outcome_free(outcome *o)
{
    sb_release(&o->out1);
    sb_release(&o->err1);
    sb_release(&o->out2);
}

Test(guest, record_then_replay_with_no_sshd_and_no_secret_anywhere)
{
    start_peers(NULL, (wsp_config){0});
    const char *key = sshp_keygen(&sshd, "ed25519", "guest_key", PASSPHRASE, 1);
    const char *journal = path_in("guest.journal"), *bundle = path_in("guest.tar"), *logf = path_in("run.log");
    mtv_err err;
    cr_assert_eq(log_set_file(logf, LOG_DEBUG, &err), 0, "%s", err.msg);
    open_transport(TRANSPORT_RECORD, journal);
    guest_ctx ctx = {.t = tp, .cluster = &ep};
    ssh_creds creds = {.user = sshd.user, .key_file = key, .passphrase = PASSPHRASE};
    outcome rec = {0};
    drive(&ctx, &creds, &rec);
    cr_assert_str_eq(rec.key_type, "ssh-ed25519");
    char fp[128];
    sshp_host_fingerprint(&sshd, fp);
    cr_assert_str_eq(rec.key_sha256, fp);
    cr_assert_str_eq(rec.out1.buf, "hello\n");
    cr_assert_str_eq(rec.err1.buf, PASSPHRASE "\n", "the live run sees the real output");
    cr_assert_eq(rec.status1, 4);
    cr_assert_eq(rec.out2.len, 8);
    cr_assert_eq(memcmp(rec.out2.buf, "bin\001\377ary", 8), 0, "binary output survives");
    cr_assert_eq(rec.probe_attempts, 1);
    cr_assert_eq(transport_finish(tp, bundle, logf, &err), 0, "%s", err.msg);
    transport_free(tp);
    tp = NULL;
    log_set_file(NULL, LOG_DEBUG, NULL);

    size_t n = 0;
    char *text = tu_read(journal, &n);
    cr_assert(tu_contains(text, n, "\"command\":\"echo hello;"), "the command is recorded");
    cr_assert(tu_contains(text, n, "\"op\":\"connect\""));
    cr_assert(tu_contains(text, n, "\"stdout_base64\""), "binary output is kept as base64");
    free(text);
    assert_file_clean(journal, "the journal");
    assert_file_clean(bundle, "the bundle");
    assert_file_clean(logf, "the log");

    /* nothing to talk to any more */
    wsp_stop(peer);
    peer = NULL;
    sshp_stop(&sshd);
    open_transport(TRANSPORT_REPLAY, bundle);
    guest_ctx rctx = {.t = tp};
    outcome rep = {0};
    drive(&rctx, &creds, &rep);
    cr_assert_str_eq(rep.key_sha256, rec.key_sha256);
    cr_assert_str_eq(rep.out1.buf, rec.out1.buf);
    cr_assert_str_eq(rep.err1.buf, "<redacted:guest.key-passphrase>\n", "the recording was redacted");
    cr_assert_eq(rep.status1, 4);
    cr_assert_eq(rep.out2.len, 8);
    cr_assert_eq(memcmp(rep.out2.buf, rec.out2.buf, 8), 0);
    strbuf unused = STRBUF_INIT;
    cr_assert_eq(transport_unused(tp, &unused), 0, "%s", sb_str(&unused));
    sb_release(&unused);
    outcome_free(&rec);
    outcome_free(&rep);
}

Test(guest, password_logins_record_and_replay)
{
    start_peers(PASSWORD, (wsp_config){0});
    if (!sshd.password_ok)
        cr_skip_test("password logins need root and a private mount namespace here");
    const char *journal = path_in("pw.journal"), *bundle = path_in("pw.tar");
    open_transport(TRANSPORT_RECORD, journal);
    guest_ctx ctx = {.t = tp, .cluster = &ep};
    ssh_creds creds = {.user = sshd.user, .password = PASSWORD};
    guest_target vm = {"ns", "vm", 0};
    ssh_result r;
    mtv_err err;
    cr_assert_eq(guest_exec(&ctx, &vm, &creds, "echo pw-ok", &r, &err), 0, "%s", err.msg);
    cr_assert_str_eq(sb_str(&r.out), "pw-ok\n");
    ssh_result_free(&r);
    cr_assert_eq(transport_finish(tp, bundle, NULL, &err), 0, "%s", err.msg);
    transport_free(tp);
    tp = NULL;
    assert_file_clean(bundle, "the bundle");
    wsp_stop(peer);
    peer = NULL;
    sshp_stop(&sshd);
    open_transport(TRANSPORT_REPLAY, bundle);
    guest_ctx rctx = {.t = tp};
    cr_assert_eq(guest_exec(&rctx, &vm, &creds, "echo pw-ok", &r, &err), 0, "%s", err.msg);
    cr_assert_str_eq(sb_str(&r.out), "pw-ok\n");
    ssh_result_free(&r);
}

Test(guest, connecting_retries_until_the_vmi_is_there_and_replays_instantly)
{
    start_peers(NULL, (wsp_config){.refuse_first = 2});
    const char *journal = path_in("retry.journal"), *bundle = path_in("retry.tar");
    vclock = clock_new_virtual(1700000000000LL);
    open_transport(TRANSPORT_RECORD, journal);
    guest_ctx ctx = {.t = tp, .cluster = &ep, .retry_interval_ms = 150, .retry_total_ms = 20000};
    ssh_creds creds = {.user = sshd.user, .key_file = sshd.key};
    guest_target vm = {"ns", "late-vm", 22};
    int attempts = 0;
    mtv_err err;
    int64_t t0 = clock_mono_ms(transport_clock(tp));
    cr_assert_eq(guest_probe(&ctx, &vm, &creds, &attempts, &err), 0, "%s", err.msg);
    int64_t took = clock_mono_ms(transport_clock(tp)) - t0;
    cr_assert_eq(attempts, 3);
    cr_assert_eq(atomic_load(&wsp_get_stats(peer)->requests), 3);
    cr_assert_eq(took, 300, "two waits of 150 ms on the transport's clock");
    cr_assert_eq(transport_finish(tp, bundle, NULL, &err), 0, "%s", err.msg);
    transport_free(tp);
    tp = NULL;
    open_transport(TRANSPORT_REPLAY, bundle);
    guest_ctx rctx = {.t = tp, .retry_interval_ms = 150};
    int64_t r0 = clock_mono_ms(transport_clock(tp));
    cr_assert_eq(guest_probe(&rctx, &vm, &creds, &attempts, &err), 0, "%s", err.msg);
    cr_assert_eq(attempts, 3, "the replay reports the recorded tries");
    cr_assert_geq(clock_mono_ms(transport_clock(tp)) - r0, 300, "virtual time covers the recorded waits");
}

Test(guest, a_forbidden_token_is_not_retried)
{
    start_peers(NULL, (wsp_config){.token = "the-cluster-wants-another-token"});
    open_transport(TRANSPORT_LIVE, NULL);
    guest_ctx ctx = {.t = tp, .cluster = &ep, .retry_interval_ms = 100};
    ssh_creds creds = {.user = sshd.user, .key_file = sshd.key};
    guest_target vm = {"ns", "vm", 22};
    mtv_err err;
    cr_assert_eq(guest_probe(&ctx, &vm, &creds, NULL, &err), -1);
    cr_assert(strstr(err.msg, "403"), "%s", err.msg);
    cr_assert(strstr(err.msg, "ns/vm:22"), "%s", err.msg);
    cr_assert_null(strstr(err.msg, TOKEN));
    cr_assert_eq(atomic_load(&wsp_get_stats(peer)->requests), 1);
}

Test(guest, a_refused_login_is_not_retried_and_replays_as_the_same_error)
{
    start_peers(NULL, (wsp_config){0});
    const char *stranger = sshp_keygen(&sshd, "ed25519", "stranger", NULL, 0);
    const char *journal = path_in("refused.journal"), *bundle = path_in("refused.tar");
    open_transport(TRANSPORT_RECORD, journal);
    guest_ctx ctx = {.t = tp, .cluster = &ep, .retry_interval_ms = 100};
    ssh_creds creds = {.user = sshd.user, .key_file = stranger};
    guest_target vm = {"ns", "vm", 22};
    mtv_err err, rerr;
    cr_assert_eq(guest_probe(&ctx, &vm, &creds, NULL, &err), -1);
    cr_assert(strstr(err.msg, "was refused"), "%s", err.msg);
    cr_assert_eq(atomic_load(&wsp_get_stats(peer)->requests), 1);
    cr_assert_eq(transport_finish(tp, bundle, NULL, &rerr), 0, "%s", rerr.msg);
    transport_free(tp);
    tp = NULL;
    open_transport(TRANSPORT_REPLAY, bundle);
    guest_ctx rctx = {.t = tp};
    cr_assert_eq(guest_probe(&rctx, &vm, &creds, NULL, &rerr), -1);
    cr_assert_str_eq(rerr.msg, err.msg);
}

Test(guest, gives_up_when_the_window_closes)
{
    start_peers(NULL, (wsp_config){.target_port = 1});   /* the guest never listens */
    vclock = clock_new_virtual(1700000000000LL);
    open_transport(TRANSPORT_LIVE, NULL);
    guest_ctx ctx = {.t = tp, .cluster = &ep, .retry_interval_ms = 100, .retry_total_ms = 450,
                     .ssh_timeout_ms = 2000};
    ssh_creds creds = {.user = sshd.user, .key_file = sshd.key};
    guest_target vm = {"ns", "vm", 22};
    mtv_err err;
    cr_assert_eq(guest_probe(&ctx, &vm, &creds, NULL, &err), -1);
    /* tries at 0, 100, 200, 300, 400 and 450 ms of the transport's (virtual) clock */
    cr_assert(strstr(err.msg, "gave up after 6 tries"), "%s", err.msg);
    cr_assert(strstr(err.msg, "connection refused"), "%s", err.msg);
    cr_assert_eq(atomic_load(&wsp_get_stats(peer)->requests), 6);
}

static void *cancel_soon(void *ud)
{
    usleep(300000);
    atomic_store((atomic_int *)ud, 1);
    return NULL;
}

Test(guest, the_cancel_flag_ends_the_retries)
{
    start_peers(NULL, (wsp_config){.target_port = 1});   /* the guest never listens */
    open_transport(TRANSPORT_LIVE, NULL);
    atomic_int cancel;
    atomic_init(&cancel, 0);
    /* upstream's window: a try every 15 s for 300 s, on the real clock */
    guest_ctx ctx = {.t = tp, .cluster = &ep, .retry_interval_ms = 15000, .retry_total_ms = 300000,
                     .cancel = &cancel};
    ssh_creds creds = {.user = sshd.user, .key_file = sshd.key};
    guest_target vm = {"ns", "vm", 22};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, cancel_soon, &cancel), 0);
    mtv_err err;
    cr_assert_eq(guest_probe(&ctx, &vm, &creds, NULL, &err), -1);
    pthread_join(th, NULL);
    cr_assert(strstr(err.msg, "cancelled: the run is being interrupted"), "%s", err.msg);
    cr_assert(strstr(err.msg, "ns/vm:22"), "%s", err.msg);
    cr_assert_eq(atomic_load(&wsp_get_stats(peer)->requests), 1, "tried again after the cancel");
    /* already cancelled: not even one try */
    cr_assert_eq(guest_probe(&ctx, &vm, &creds, NULL, &err), -1);
    cr_assert(strstr(err.msg, "cancelled"), "%s", err.msg);
    cr_assert_eq(atomic_load(&wsp_get_stats(peer)->requests), 1);
}

Test(guest, replay_of_an_unrecorded_command_diverges)
{
    start_peers(NULL, (wsp_config){0});
    const char *journal = path_in("one.journal"), *bundle = path_in("one.tar");
    open_transport(TRANSPORT_RECORD, journal);
    guest_ctx ctx = {.t = tp, .cluster = &ep};
    ssh_creds creds = {.user = sshd.user, .key_file = sshd.key};
    guest_target vm = {"ns", "vm", 22};
    ssh_result r;
    mtv_err err;
    cr_assert_eq(guest_exec(&ctx, &vm, &creds, "true", &r, &err), 0, "%s", err.msg);
    ssh_result_free(&r);
    cr_assert_eq(transport_finish(tp, bundle, NULL, &err), 0, "%s", err.msg);
    transport_free(tp);
    tp = NULL;
    open_transport(TRANSPORT_REPLAY, bundle);
    guest_ctx rctx = {.t = tp};
    cr_assert_eq(guest_exec(&rctx, &vm, &creds, "rm -rf /tmp/other", &r, &err), -1);
    cr_assert_eq(err.exit_code, MTV_EXIT_DIVERGED, "%s", err.msg);
    cr_assert(strstr(err.msg, "SSH command 'rm -rf /tmp/other' as"), "names the command: %s", err.msg);
    ssh_result_free(&r);
}

Test(guest, credentials_from_the_providers_file_by_win_os)
{
    const char *file = tu_write(dir, "providers.json",
                                "{\"vsphere-8\": {\"type\": \"vsphere\", \"version\": \"8.0\",\n"
                                "  \"guest_vm_linux_user\": \"root\", \"guest_vm_linux_password\": \"" PASSWORD "\"}}\n");
    providers_file pf;
    diag_list diags = {0};
    cr_assert_eq(providers_file_load(&pf, file, reg, &diags), 0);
    mtv_err err;
    const provider_entry *e = providers_get(&pf, "vsphere-8", &err);
    cr_assert_not_null(e, "%s", err.msg);
    ssh_creds c;
    cr_assert_eq(guest_creds_from_provider(e, 0, &c, &err), 0, "%s", err.msg);
    cr_assert_str_eq(c.user, "root");
    cr_assert_str_eq(c.password, PASSWORD);
    cr_assert_eq(guest_creds_from_provider(e, 1, &c, &err), -1);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    cr_assert(strstr(err.msg, "guest_vm_win_user"), "%s", err.msg);
    cr_assert(strstr(err.msg, "vsphere-8"), "%s", err.msg);
    cr_assert_null(strstr(err.msg, PASSWORD));
    providers_file_free(&pf);
    diag_free(&diags);
}

Test(guest, portforward_path)
{
    strbuf p = STRBUF_INIT;
    guest_target vm = {"mtv-tests", "win2022", 0};
    guest_portforward_path(&vm, &p);
    cr_assert_str_eq(p.buf, "/apis/subresources.kubevirt.io/v1/namespaces/mtv-tests/virtualmachineinstances/"
                            "win2022/portforward/22");
    sb_release(&p);
}
