/* lab: the simulated OpenShift + MTV cluster ("mtv-validate lab serve",
 * "mtv-validate lab world"). The commands only parse options, assemble a
 * lab_server with its MTV part (lab_mtv), print where it is and wait for
 * SIGTERM/SIGINT; everything else lives in src/lab/. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lab/lab_mtv.h"
#include "lab/lab_server.h"
#include "lab/lab_world.h"
#include "util/log.h"
#include "util/strbuf.h"

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
    "against the CRDs' openAPIV3Schema as the API server does.\n\n"
    "MTV runs in it: a controller that gives Providers, maps, Hooks, Plans and Migrations the "
    "status the real Forklift controller writes and, for each migrated VM, creates the "
    "DataVolumes, PVCs, VirtualMachine and VirtualMachineInstance; the forklift-inventory "
    "service under /providers; simulated oVirt (/ovirt-engine) and OpenStack (/openstack) "
    "endpoints and OVA files built from the world file; a vSphere inventory read from a "
    "real vcsim with --vsphere; the VMI portforward subresource reaching --ssh-target; and "
    "faults injected from --faults. The state folder also receives '.providers.json' "
    "describing these sources with the credentials the lab accepts. --speed divides every "
    "delay of the controller: 100 runs a cold migration in about a second. See docs/lab.md.";

static const char serve_examples[] =
    "$ mtv-validate lab serve --crds ../shared/reference/forklift-crds --state-dir /tmp/lab\n"
    "  serve on a free port, validating Forklift kinds against their CRDs\n"
    "$ KUBECONFIG=/tmp/lab/kubeconfig kubectl get plans -A\n"
    "  use it from another terminal\n"
    "$ mtv-validate lab serve --listen 127.0.0.1:6443 --state-dir lab\n"
    "  serve on a fixed port\n"
    "$ mtv-validate lab serve --crds ../shared/reference/forklift-crds --speed 100 "
    "--faults faults.json\n"
    "  migrations in about a second, with injected failures\n"
    "$ mtv-validate lab serve --vsphere http://127.0.0.1:8989/sdk --ssh-target 127.0.0.1:2222\n"
    "  vSphere from a running vcsim; guest SSH reaches a local sshd";

static int cmd_lab_serve(int argc, char **argv)
{
    static cli_common common;
    static const char *listen, *crds, *state_dir = "mtv-lab", *user, *kube_minor;
    static const char *world, *faults, *speed_s = "1", *vsphere, *ssh_target, *ova_dir, *guest_dir;
    static const char *ocp_version = "4.20.0";
    static int plain_http, no_mtv;
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
        {OPT_STRING, 0, "world", "FILE",
         "The source platforms and their VMs (JSON; docs/lab.md). The top level is the vSphere "
         "part in the vcsim launcher's format.", "built-in world", &world, 0, 0, 0},
        {OPT_STRING, 0, "speed", "FACTOR",
         "Divide every delay of the simulated controller by FACTOR (100: a cold migration "
         "takes about a second).", "1", &speed_s, 0, 0, 0},
        {OPT_STRING, 0, "faults", "FILE",
         "Inject faults: failing or hanging VMs, wrong created VMs, plans that never become "
         "Ready, API errors (JSON; docs/lab.md).", NULL, &faults, 0, 0, 0},
        {OPT_STRING, 0, "vsphere", "URL",
         "Read vSphere providers' inventories from this vcsim SDK URL over SOAP instead of "
         "serving the world's vSphere part directly.", NULL, &vsphere, 0, 0, 0},
        {OPT_STRING, 0, "ssh-target", "HOST:PORT",
         "Where the VMI portforward subresource connects (an sshd standing in for the "
         "guests).", NULL, &ssh_target, 0, 0, 0},
        {OPT_STRING, 0, "guest-dir", "DIR",
         "Make each guest answer as itself: write its answers (nmcli, ipconfig, xfs_info) "
         "under DIR for an sshd started with tests/peers/sshd/start.sh SSHD_GUESTS=DIR "
         "(loopback --ssh-target only; docs/lab.md).", NULL, &guest_dir, 0, 0, 0},
        {OPT_STRING, 0, "ova-dir", "DIR", "Where the OVA files of the world are written.",
         "<state-dir>/ova", &ova_dir, 0, 0, 0},
        {OPT_STRING, 0, "openshift-version", "X.Y.Z",
         "The OpenShift release the ClusterVersion 'version' reports (the migrated VMs' "
         "serial format follows it: from 4.20 on, vSphere VMs get 'VMware-...' serials).",
         "4.20.0", &ocp_version, 0, 0, 0},
        {OPT_FLAG, 0, "no-mtv", NULL,
         "Serve only the Kubernetes API: no controller, inventory, sources or faults.", NULL,
         &no_mtv, 0, 0, 0},
        CLI_COMMON_OPTIONS(&common),
        {0},
    };
    static const cli_doc doc = {
        .name = "lab serve",
        .summary = "serve a simulated OpenShift + MTV cluster on loopback",
        .usage = "lab serve [--listen HOST:PORT] [--crds DIR] [--state-dir DIR] [--world FILE] "
                 "[--speed FACTOR] [options]",
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
    char *end;
    double speed = strtod(speed_s, &end);
    if (*end || !(speed >= 0.001 && speed <= 1000000)) {
        mtv_err_set(&err, MTV_EXIT_USAGE, "--speed %s: expected a number from 0.001 to 1000000",
                    speed_s);
        return cli_fail(&err);
    }
    int ma, mi, used = 0;
    if (sscanf(ocp_version, "%d.%d%n", &ma, &mi, &used) != 2 || ma < 0 || mi < 0 ||
        strspn(ocp_version, "0123456789.") != strlen(ocp_version) || used < 3) {
        mtv_err_set(&err, MTV_EXIT_USAGE, "--openshift-version %s: expected a release such as "
                    "4.19.3 or 4.20.0", ocp_version);
        return cli_fail(&err);
    }

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
    lab_mtv *mtv = NULL;
    lab_mtv_config mc = {.world_path = world, .faults_path = faults, .speed = speed,
                         .vsphere_url = vsphere, .ssh_target = ssh_target, .ova_dir = ova_dir,
                         .guest_dir = guest_dir,
                         .openshift_version = ocp_version, .write_providers = 1};
    if (!no_mtv && lab_mtv_attach(srv, &mc, &mtv, &err) < 0) {
        lab_server_free(srv);
        return cli_fail(&err);
    }
    if (lab_server_start(srv, &err) < 0 || (mtv && lab_mtv_start(mtv, &err) < 0)) {
        lab_server_stop(srv);
        lab_mtv_free(mtv);
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
    if (mtv) {
        printf("  MTV         controller at speed %g, inventory at %s/providers\n", speed,
               lab_server_url(srv));
        if (lab_mtv_providers_path(mtv))
            printf("  providers   %s\n", lab_mtv_providers_path(mtv));
        if (ssh_target)
            printf("  guests      portforward reaches %s\n", ssh_target);
    }
    printf("  try         KUBECONFIG=%s/kubeconfig kubectl get namespaces\n", dir);
    printf("Stop with Ctrl-C or SIGTERM.\n");
    fflush(stdout);
    free(abs_state);

    int sig = 0;
    sigwait(&sigs, &sig);
    log_info("lab: %s received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    lab_server_stop(srv);
    lab_mtv_free(mtv);
    lab_server_free(srv);
    return MTV_EXIT_OK;
}

static int cmd_lab_world(int argc, char **argv)
{
    static cli_common common;
    static const char *world;
    static int vsphere_only;
    static const opt_def options[] = {
        {OPT_STRING, 0, "world", "FILE", "The world file to check and print.", "built-in world",
         &world, 0, 0, 0},
        {OPT_FLAG, 0, "vsphere", NULL,
         "Print only the vSphere part, in the vcsim launcher's format (tests/peers).", NULL,
         &vsphere_only, 0, 0, 0},
        CLI_COMMON_OPTIONS(&common),
        {0},
    };
    static const cli_doc doc = {
        .name = "lab world",
        .summary = "check and print a lab world file",
        .usage = "lab world [--world FILE] [--vsphere]",
        .description =
            "Reads a world file (or the built-in world), reports the first problem with its "
            "file, line and column, and prints a summary of the sources and VMs it describes. "
            "With --vsphere it prints the vSphere part instead, as JSON the vcsim launcher "
            "(tests/peers/vcsim) takes with -world, so vcsim and the lab serve the same VMs.",
        .examples = "$ mtv-validate lab world\n"
                    "  the built-in world's sources and VMs\n"
                    "$ mtv-validate lab world --vsphere > world.json && vcsim -world world.json\n"
                    "  give the vcsim launcher the same VMs",
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
        mtv_err_set(&err, MTV_EXIT_USAGE, "lab world takes no arguments, got '%s'", pos[0]);
        free(pos);
        return cli_fail(&err);
    }
    free(pos);
    lab_world w;
    if (lab_world_load(&w, world, &err) < 0)
        return cli_fail(&err);
    strbuf out = STRBUF_INIT;
    if (vsphere_only) {
        lab_world_vsphere_json(&w, &out);
    } else {
        for (int t = 0; t < LAB_SRC_COUNT; t++) {
            const lab_source *s = &w.src[t];
            if (!s->present)
                continue;
            sb_addf(&out, "%s: %zu VMs, %zu networks, %zu storages\n", lab_src_type_name(s->type),
                    s->nvms, s->nnetworks, s->nstorages);
            for (size_t i = 0; i < s->nvms; i++) {
                const lab_vm *v = &s->vms[i];
                sb_addf(&out, "  %-32s %-38s %2d CPU %6lld MB %zu disk(s) %zu NIC(s) %s %s\n",
                        v->name, *v->id ? v->id : "(uid when created)", v->cpus, v->memory_mb,
                        v->ndisks, v->nnics, v->firmware, v->power_on ? "on" : "off");
            }
        }
    }
    fwrite(out.buf ? out.buf : "", 1, out.len, stdout);
    sb_release(&out);
    lab_world_free(&w);
    return MTV_EXIT_OK;
}

static const cli_command lab_commands[] = {
    {"serve", "serve a simulated OpenShift + MTV cluster on loopback", cmd_lab_serve},
    {"world", "check and print a lab world file", cmd_lab_world},
    {NULL, NULL, NULL},
};

int cmd_lab(int argc, char **argv)
{
    return cli_dispatch("lab", "a simulated OpenShift + MTV cluster for development and tests",
                        lab_commands, argc, argv);
}
