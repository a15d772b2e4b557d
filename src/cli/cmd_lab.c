/* lab: the simulated OpenShift + MTV cluster ("mtv-validate lab serve").
 * The command only parses options, assembles a lab_server, prints where
 * it is and waits for SIGTERM/SIGINT; everything else lives in src/lab/. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "lab/lab_server.h"
#include "util/log.h"

static const char serve_description[] =
    "Serves a Kubernetes API on loopback that the real kubectl and the real Forklift CRDs "
    "accept: discovery, OpenAPI v3, Tables, watches, the status subresource, finalizers, "
    "optimistic concurrency and CRD schema validation, over HTTPS with a CA and certificate "
    "generated at start. Bearer tokens authenticate requests; the OpenShift OAuth challenge "
    "flow turns the login user's password into a token.\n\n"
    "The state folder receives 'kubeconfig' (server, CA data, admin token), 'ca.crt' and "
    "'lab.json' (URL, paths, login user and password). The server stays in the foreground "
    "until SIGTERM or SIGINT (Ctrl-C) and then exits 0. State is kept in memory only.\n\n"
    "Without --crds the Forklift, KubeVirt, CDI, Multus, OLM and OpenShift kinds are served "
    "schemaless; with --crds every create and update is validated, defaulted and pruned "
    "against the CRDs' openAPIV3Schema as the API server does. See docs/lab.md.";

static const char serve_examples[] =
    "$ mtv-validate lab serve --crds ../shared/reference/forklift-crds --state-dir /tmp/lab\n"
    "  serve on a free port, validating Forklift kinds against their CRDs\n"
    "$ KUBECONFIG=/tmp/lab/kubeconfig kubectl get plans -A\n"
    "  use it from another terminal\n"
    "$ mtv-validate lab serve --listen 127.0.0.1:6443 --state-dir lab\n"
    "  serve on a fixed port";

static int cmd_lab_serve(int argc, char **argv)
{
    static cli_common common;
    static const char *listen, *crds, *state_dir = "mtv-lab", *user, *kube_minor;
    static int plain_http;
    static long bookmark_s = 60, window = 10000;
    static const opt_def options[] = {
        {OPT_STRING, 0, "listen", "HOST:PORT",
         "Address to serve on; port 0 picks a free port. IPv6 as [::1]:PORT.", "127.0.0.1:0",
         &listen, 0, 0, 0},
        {OPT_STRING, 0, "crds", "DIR",
         "Load CustomResourceDefinitions from the *.yaml, *.yml and *.json files of DIR "
         "(multi-document files and `kind: List` accepted) and validate against them.",
         NULL, &crds, 0, 0, 0},
        {OPT_STRING, 0, "state-dir", "DIR",
         "Folder for kubeconfig, ca.crt and lab.json (created 0700).", "mtv-lab", &state_dir, 0,
         0, 0},
        {OPT_FLAG, 0, "plain-http", NULL,
         "Serve plain HTTP instead of HTTPS. kubectl sends no bearer token over plain HTTP, so "
         "only unauthenticated paths work; for debugging with curl.", NULL, &plain_http, 0, 0, 0},
        {OPT_STRING, 0, "user", "NAME", "The OAuth login user.", "kubeadmin", &user, 0, 0, 0},
        {OPT_INT, 0, "bookmark-interval", "SECONDS",
         "Seconds between BOOKMARK events on watches that allow them.", "60", &bookmark_s, 1,
         3600, 0},
        {OPT_INT, 0, "watch-window", "N",
         "Events kept for watch resumption; older resourceVersions get 410 Gone.", "10000",
         &window, 16, 10000000, 0},
        {OPT_STRING, 0, "kube-minor", "N",
         "Kubernetes minor version reported by /version (kubectl's dispatcher picks its client "
         "by it).", "32", &kube_minor, 0, 0, 0},
        CLI_COMMON_OPTIONS(&common),
        {0},
    };
    static const cli_doc doc = {
        .name = "lab serve",
        .summary = "serve a simulated Kubernetes API on loopback",
        .usage = "lab serve [--listen HOST:PORT] [--crds DIR] [--state-dir DIR] [options]",
        .description = serve_description,
        .examples = serve_examples,
        .options = options,
    };
    char **pos;
    int npos;
    int rc = cli_parse(&doc, &common, argc, argv, &pos, &npos);
    if (rc)
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    mtv_err err;
    mtv_err_clear(&err);
    if (npos) {
        mtv_err_set(&err, MTV_EXIT_USAGE, "lab serve takes no arguments, got '%s'", pos[0]);
        free(pos);
        return cli_fail(&err);
    }
    free(pos);

    /* Signals are taken synchronously by this thread; every server thread
     * inherits the blocked mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    lab_server_config cfg = {
        .listen = listen, .crds_dir = crds, .state_dir = state_dir, .plain_http = plain_http,
        .username = user, .bookmark_interval_ms = (int)(bookmark_s * 1000),
        .event_window = (size_t)window, .kube_minor = kube_minor,
    };
    lab_server *srv;
    if (lab_server_new(&cfg, &srv, &err) < 0)
        return cli_fail(&err);
    if (lab_server_start(srv, &err) < 0) {
        lab_server_free(srv);
        return cli_fail(&err);
    }
    char *abs_state = realpath(state_dir, NULL);
    const char *dir = abs_state ? abs_state : state_dir;
    printf("mtv-validate lab: serving the Kubernetes API at %s\n", lab_server_url(srv));
    printf("  kubeconfig  %s/kubeconfig\n", dir);
    if (!plain_http)
        printf("  CA          %s/ca.crt\n", dir);
    printf("  login       %s/lab.json (OAuth user %s)\n", dir, lab_auth_username(lab_server_auth(srv)));
    if (crds)
        printf("  CRDs        %d loaded from %s\n", lab_server_crd_count(srv), crds);
    printf("  try         KUBECONFIG=%s/kubeconfig kubectl get namespaces\n", dir);
    printf("Stop with Ctrl-C or SIGTERM.\n");
    fflush(stdout);
    free(abs_state);

    int sig = 0;
    sigwait(&sigs, &sig);
    log_info("lab: %s received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    lab_server_stop(srv);
    lab_server_free(srv);
    return MTV_EXIT_OK;
}

static const cli_command lab_commands[] = {
    {"serve", "serve a simulated Kubernetes API on loopback", cmd_lab_serve},
    {NULL, NULL, NULL},
};

int cmd_lab(int argc, char **argv)
{
    return cli_dispatch("lab", "a simulated OpenShift + MTV cluster for development and tests",
                        lab_commands, argc, argv);
}
