/* guest: run a command in a migrated VM, or check that SSH reaches it, the
 * way the checks do ("mtv-validate guest exec|probe"): through the VMI
 * portforward of the cluster API, with upstream's retries, optionally
 * recorded into a bundle or answered from a cassette. For troubleshooting
 * SSH checks and for trying guest logins before a run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_config.h"
#include "k8s/access.h"
#include "ssh/guest.h"
#include "util/log.h"

typedef struct guest_opts {
    cli_common common;
    const char *ns, *vm, *kubeconfig, *context, *providers_json, *provider, *user, *key, *password_env,
        *record, *replay;
    long port, timeout_s, retry_s, interval_s;
    int windows;
} guest_opts;

#define GUEST_OPTIONS(o)                                                                          \
    {OPT_STRING, 'n', "namespace", "NS", "Namespace of the VM (its VirtualMachineInstance).",      \
     "the context's namespace", &(o)->ns, 0, 0, 0},                                                                          \
    {OPT_STRING, 0, "vm", "NAME", "Name of the VM (its VirtualMachineInstance).", NULL, &(o)->vm,  \
     0, 0, 0},                                                                                    \
    {OPT_INT, 0, "port", "N", "Guest port of the SSH server.", "22", &(o)->port, 1, 65535, 0},     \
    {OPT_STRING, 0, "kubeconfig", "PATH", "Kubeconfig file to use (kubectl's --kubeconfig).",       \
     "CLUSTER_* login, else $KUBECONFIG, else ~/.kube/config", &(o)->kubeconfig, 0, 0, 0},        \
    {OPT_STRING, 0, "context", "NAME", "Kubeconfig context to use.", "the current-context",        \
     &(o)->context, 0, 0, 0},                                                                     \
    {OPT_STRING, 0, "providers-json", "PATH", "Providers file holding the guest logins.",          \
     "$PROVIDERS_JSON_PATH, else ./.providers.json", &(o)->providers_json, 0, 0, 0},              \
    {OPT_STRING, 0, "provider", "KEY", "Log in with this providers entry's guest_vm_linux_user/"  \
     "password (guest_vm_win_* with --windows).", NULL, &(o)->provider, 0, 0, 0},                 \
    {OPT_FLAG, 0, "windows", NULL, "The guest runs Windows (upstream's win_os).", NULL,           \
     &(o)->windows, 0, 0, 0},                                                                     \
    {OPT_STRING, 0, "user", "NAME", "Log in as NAME (instead of --provider).", NULL, &(o)->user,   \
     0, 0, 0},                                                                                    \
    {OPT_STRING, 0, "key", "PATH", "Private key file for --user (ed25519 or ECDSA; see "          \
     "docs/guest-access.md about RSA).", NULL, &(o)->key, 0, 0, 0},                               \
    {OPT_STRING, 0, "password-env", "VAR", "Environment variable holding the password for "       \
     "--user (never a password on the command line).", NULL, &(o)->password_env, 0, 0, 0},      \
    {OPT_INT, 0, "retry-seconds", "N", "Keep trying to connect this long.", "300", &(o)->retry_s,  \
     0, 86400, 0},                                                                                \
    {OPT_INT, 0, "retry-interval", "N", "Seconds between connection tries.", "15",                \
     &(o)->interval_s, 1, 3600, 0},                                                               \
    {OPT_STRING, 0, "record", "BUNDLE", "Record the session into BUNDLE (a cassette bundle; the "  \
     "journal is BUNDLE.journal).", NULL, &(o)->record, 0, 0, 0},                                 \
    {OPT_STRING, 0, "replay", "CASSETTE", "Answer from a recorded cassette instead: no cluster, "  \
     "no guest.", NULL, &(o)->replay, 0, 0, 0}


#define COMMON_DESCRIPTION                                                                        \
    "SSH reaches the guest through the cluster API: the VirtualMachineInstance's portforward "     \
    "subresource is opened as a WebSocket (subprotocol plain.kubevirt.io), and an SSH session "    \
    "runs inside it. No virtctl, no route to the pod network, no node access. The cluster is "     \
    "reached as a run reaches it: --kubeconfig or --context, else the CLUSTER_HOST, "             \
    "CLUSTER_USERNAME and CLUSTER_PASSWORD login, else $KUBECONFIG, else ~/.kube/config "         \
    "(docs/cluster-access.md). Connecting is retried every --retry-interval seconds for "          \
    "--retry-seconds while the VM is not reachable yet; a refused token (401, 403), a TLS "       \
    "failure or a refused login stop at once.\n\n"                                                 \
    "The login comes from the providers file (--provider, and --windows for the Windows "         \
    "keys), or from --user with --key or --password-env. Passwords, passphrases and tokens "       \
    "are masked in every message and recording. The guest's host key is logged, not checked: "   \
    "migrated VMs are fresh clones. See docs/guest-access.md."

static const char exec_description[] =
    "Runs COMMAND (the words after --, joined by spaces, run by the guest's shell) in the VM and "
    "copies its stdout and stderr to ours. The exit code is 0 when the command exited 0, 1 when "
    "it exited otherwise or was killed, and 2, 3 or 4 as below.\n\n" COMMON_DESCRIPTION;

static const char probe_description[] =
    "Connects and logs in, as the SSH connectivity check does, and prints the guest's host "
    "key and how many tries it took.\n\n" COMMON_DESCRIPTION;

typedef struct guest_run_state {
    providers_file pf;
    int have_pf;
    kube_config kc;
    int have_kc;
    strbuf journal;
    net_endpoint ep;
    transport *t;
    ssh_creds creds;
} guest_run_state;

static void state_free(guest_run_state *st)
{
    transport_free(st->t);
    if (st->have_pf)
        providers_file_free(&st->pf);
    if (st->have_kc)
        kubeconfig_free(&st->kc);
    sb_release(&st->journal);
}

/* Everything exec and probe share: options to a transport, endpoint and login. */
static int prepare(guest_opts *o, guest_run_state *st, guest_ctx *ctx, guest_target *vm, mtv_err *err)
{
    memset(st, 0, sizeof *st);
    if (!o->vm)
        return mtv_err_set(err, MTV_EXIT_USAGE, "--vm names the VM to reach");
    if (o->record && o->replay)
        return mtv_err_set(err, MTV_EXIT_USAGE, "--record and --replay exclude each other");
    if (o->replay && !o->ns)
        return mtv_err_set(err, MTV_EXIT_USAGE, "--replay needs --namespace (no cluster is asked for it)");
    if (o->provider && (o->user || o->key || o->password_env))
        return mtv_err_set(err, MTV_EXIT_USAGE, "--provider or --user/--key/--password-env, not both");
    if (o->provider) {
        const provider_entry *e;
        if (cli_open_provider(o->providers_json, o->provider, &st->pf, &e, err) < 0)
            return -1;
        st->have_pf = 1;
        if (guest_creds_from_provider(e, o->windows, &st->creds, err) < 0)
            return -1;
    } else if (o->user) {
        st->creds.user = o->user;
        st->creds.key_file = o->key;
        if (o->password_env) {
            st->creds.password = getenv(o->password_env);
            if (!st->creds.password || !*st->creds.password)
                return mtv_err_set(err, MTV_EXIT_USAGE, "--password-env: $%s is not set", o->password_env);
            secrets_add(log_secrets(), "guest.password", st->creds.password);
        }
        if (!st->creds.key_file && !st->creds.password)
            return mtv_err_set(err, MTV_EXIT_USAGE, "--user needs --key or --password-env");
    } else {
        return mtv_err_set(err, MTV_EXIT_USAGE, "who logs in: --provider KEY, or --user with --key or --password-env");
    }
    transport_config tc = {.mode = TRANSPORT_LIVE, .scenario = "guest"};
    if (o->record) {
        tc.mode = TRANSPORT_RECORD;
        sb_addf(&st->journal, "%s.journal", o->record);
        tc.journal_path = st->journal.buf;
    } else if (o->replay) {
        tc.mode = TRANSPORT_REPLAY;
        tc.cassette_path = o->replay;
    }
    if (transport_open(&st->t, &tc, err) < 0)
        return -1;
    net_endpoint_init(&st->ep);
    if (!o->replay) {
        /* the OAuth login, when there is one, goes through the transport: recorded too */
        if (k8s_access_resolve(&st->kc, o->kubeconfig, o->context, st->t, log_secrets(), err) < 0)
            return -1;
        st->have_kc = 1;
        kubeconfig_endpoint(&st->kc, &st->ep);
    }
    memset(ctx, 0, sizeof *ctx);
    ctx->t = st->t;
    ctx->cluster = o->replay ? NULL : &st->ep;
    ctx->retry_total_ms = o->retry_s * 1000;
    if (o->retry_s == 0)
        ctx->retry_total_ms = 1;   /* one try */
    ctx->retry_interval_ms = o->interval_s * 1000;
    ctx->command_timeout_ms = o->timeout_s * 1000;
    vm->namespace = o->ns ? o->ns : st->kc.namespace_;
    vm->name = o->vm;
    vm->port = (int)o->port;
    return 0;
}

/* Record: writes the bundle, also after a failure (the failure is recorded too). */
static int finish(guest_opts *o, guest_run_state *st, mtv_err *err)
{
    if (!o->record || !st->t)
        return 0;
    if (transport_finish(st->t, o->record, NULL, err) < 0)
        return -1;
    fprintf(stderr, "recorded into %s\n", o->record);
    return 0;
}

static int cmd_guest_exec(int argc, char **argv)
{
    static guest_opts o = {.port = 22, .timeout_s = 120, .retry_s = 300, .interval_s = 15};
    static const opt_def options[] = {
        GUEST_OPTIONS(&o),
        {OPT_INT, 0, "timeout", "SECONDS", "Limit for the command.", "120", &o.timeout_s, 1, 86400, 0},
        CLI_COMMON_OPTIONS(&o.common),
        {0},
    };
    static const cli_doc doc = {
        .name = "guest exec",
        .summary = "run a command in a migrated VM over SSH through the VMI portforward",
        .usage = "guest exec [-n NS] --vm NAME [--kubeconfig PATH] --provider KEY [--windows] [options] -- COMMAND...\n"
                 "guest exec -n NS --vm NAME --replay CASSETTE --user NAME --key PATH [options] -- COMMAND...",
        .description = exec_description,
        .examples = "$ mtv-validate guest exec -n mtv-tests --vm rhel9-x7k2 --provider vsphere-8 -- nmcli device show\n"
                    "  show the guest's network configuration as the static-IP check reads it\n"
                    "$ mtv-validate guest exec -n ns --vm vm1 --replay vm1.tar --provider vsphere-8 -- uname -a\n"
                    "  answer the same command from a recording, with no cluster",
        .options = options,
    };
    char **pos;
    int npos;
    int rc = cli_parse(&doc, &o.common, argc, argv, &pos, &npos);
    if (rc)
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    mtv_err err;
    mtv_err_clear(&err);
    strbuf command = STRBUF_INIT;
    for (int i = 0; i < npos; i++)
        sb_addf(&command, "%s%s", i ? " " : "", pos[i]);
    free(pos);
    if (!command.len) {
        sb_release(&command);
        mtv_err_set(&err, MTV_EXIT_USAGE, "guest exec: no command given (put it after --)");
        return cli_fail(&err);
    }
    guest_run_state st;
    guest_ctx ctx;
    guest_target vm;
    ssh_result r = {0};
    int exit_code = MTV_EXIT_OK;
    if (prepare(&o, &st, &ctx, &vm, &err) < 0 || guest_exec(&ctx, &vm, &st.creds, command.buf, &r, &err) < 0) {
        mtv_err ferr;
        if (finish(&o, &st, &ferr) < 0)
            log_error("%s", ferr.msg);
        exit_code = cli_fail(&err);
    } else {
        cli_write_masked(stdout, r.out.buf ? r.out.buf : "", r.out.len);
        cli_write_masked(stderr, r.err.buf ? r.err.buf : "", r.err.len);
        fflush(stdout);
        if (finish(&o, &st, &err) < 0) {
            exit_code = cli_fail(&err);
        } else if (r.exit_status != 0) {
            if (r.exit_signal[0])
                fprintf(stderr, "mtv-validate: the command was killed by SIG%s\n", r.exit_signal);
            else
                fprintf(stderr, "mtv-validate: the command exited with status %d\n", r.exit_status);
            exit_code = MTV_EXIT_FAILURES;
        }
    }
    ssh_result_free(&r);
    sb_release(&command);
    state_free(&st);
    return exit_code;
}

static int cmd_guest_probe(int argc, char **argv)
{
    static guest_opts o = {.port = 22, .retry_s = 300, .interval_s = 15};
    static const opt_def options[] = {GUEST_OPTIONS(&o), CLI_COMMON_OPTIONS(&o.common), {0}};
    static const cli_doc doc = {
        .name = "guest probe",
        .summary = "check that SSH reaches a migrated VM and the login works (the SSH connectivity check)",
        .usage = "guest probe [-n NS] --vm NAME [--kubeconfig PATH] --provider KEY [--windows] [options]\n"
                 "guest probe [-n NS] --vm NAME [--kubeconfig PATH] --user NAME --password-env VAR [options]",
        .description = probe_description,
        .examples = "$ mtv-validate guest probe -n mtv-tests --vm win2022-x7k2 --provider vsphere-8 --windows\n"
                    "  prints the guest's host key and how many tries it took",
        .options = options,
    };
    char **pos;
    int npos;
    int rc = cli_parse(&doc, &o.common, argc, argv, &pos, &npos);
    if (rc)
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    mtv_err err;
    mtv_err_clear(&err);
    if (npos) {
        mtv_err_set(&err, MTV_EXIT_USAGE, "guest probe takes no arguments, got '%s'", pos[0]);
        free(pos);
        return cli_fail(&err);
    }
    free(pos);
    guest_run_state st;
    guest_ctx ctx;
    guest_target vm;
    guest_session *s = NULL;
    int exit_code = MTV_EXIT_OK;
    if (prepare(&o, &st, &ctx, &vm, &err) < 0 || guest_connect(&ctx, &vm, &st.creds, &s, &err) < 0) {
        mtv_err ferr;
        if (finish(&o, &st, &ferr) < 0)
            log_error("%s", ferr.msg);
        exit_code = cli_fail(&err);
    } else {
        printf("%s/%s:%d: logged in as %s after %d %s; host key %s %s\n", vm.namespace, vm.name, vm.port,
               st.creds.user, guest_attempts(s), guest_attempts(s) == 1 ? "try" : "tries",
               guest_host_key_type(s), guest_host_key_sha256(s));
        fflush(stdout);
        guest_disconnect(s);
        if (finish(&o, &st, &err) < 0)
            exit_code = cli_fail(&err);
    }
    state_free(&st);
    return exit_code;
}

static const cli_command guest_commands[] = {
    {"exec", "run a command in a migrated VM over SSH through the VMI portforward", cmd_guest_exec},
    {"probe", "check that SSH reaches a migrated VM and the login works", cmd_guest_probe},
    {NULL, NULL, NULL},
};

int cmd_guest(int argc, char **argv)
{
    return cli_dispatch("guest", "commands in migrated VMs over SSH, as the checks run them", guest_commands,
                        argc, argv);
}
