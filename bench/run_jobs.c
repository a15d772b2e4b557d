/* bench_run_jobs: what --jobs buys against the lab.
 *
 * Starts the lab in-process (HTTPS on loopback, MTV controller, inventory,
 * simulated oVirt, at --speed 100 as the end-to-end tests use), then runs
 * the same 8 oVirt scenarios twice through the runner exactly as `run`
 * does (recording on, full teardown): once with one job, once with four.
 * Each run has its own output folder and sessions, so the second does not
 * reuse anything of the first. Prints both wall times, the ratio (target
 * from issue 6: >= 3) and each run's verdict counts, so a speed-up bought
 * by failing early shows. Asserts nothing.
 *
 * The guests: a real sshd on loopback (tests/peers/sshd/start.sh, password
 * login) stands behind the lab's VMI portforward, and the providers entry
 * gets its login, so check_vms logs into every guest as it does on a
 * cluster. Where that sshd cannot run (no openssh-server, not root for
 * password logins) the bench says so and measures the lifecycle with
 * check_vms failing its SSH checks at once.
 *
 * Usage: bench_run_jobs [SPEED]   (MTV_SHARED_DIR locates the CRDs) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "config/providers.h"
#include "k8s/kubeconfig.h"
#include "lab/lab_mtv.h"
#include "lab/lab_server.h"
#include "runner/catalog.h"
#include "runner/mtv_driver.h"
#include "runner/run.h"
#include "runner/select.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strbuf.h"

/* the eight scenarios that run from oVirt (the others are skipped there) */
static const char *const NAMES[] = {
    "test_ca_crt_cold_migration",      "test_cold_migration_comprehensive",
    "test_insecure_skip_verify_cold_migration_rhv",
    "test_mtv_migration_warm_2disks2nics",
    "test_plan_archive_pvc_cleanup",   "test_post_hook_retain_failed_vm",
    "test_sanity_warm_mtv_migration",  "test_warm_migration_comprehensive",
};
#define N_SCEN (sizeof NAMES / sizeof *NAMES)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const mtv_err *err)
{
    fprintf(stderr, "bench_run_jobs: %s: %s\n", what, err ? err->msg : "failed");
    exit(1);
}

#define GUEST_PASSWORD "Bench-guest-pw-5r"

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static int port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* Starts the guests' sshd in dir/sshd on a free port, a child that dies with
 * the bench. Returns its pid (port in *port), or 0 when it cannot run. */
static pid_t start_guest_sshd(const char *dir, int *port)
{
    char sdir[600], portbuf[16];
    snprintf(sdir, sizeof sdir, "%s/sshd", dir);
    *port = free_port();
    snprintf(portbuf, sizeof portbuf, "%d", *port);
    pid_t pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        setenv("SSHD_FOREGROUND", "1", 1);
        setenv("SSHD_PASSWORD", GUEST_PASSWORD, 1);
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(127);
        execl("/bin/bash", "bash", MTV_SOURCE_DIR "/tests/peers/sshd/start.sh", sdir, portbuf, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) {
        if (port_open(*port))
            return pid;
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return 0;   /* start.sh gave up (77: no sshd, or no password logins here) */
        usleep(100000);
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    return 0;
}

/* The lab's providers file with the guests' login in the oVirt entry, at out. */
static void write_providers_with_guest(const char *in, const char *out)
{
    strbuf text = STRBUF_INIT;
    mtv_err err;
    if (fs_read_file(in, &text, &err) < 0)
        die(in, &err);
    cJSON *root = cJSON_Parse(sb_str(&text));
    cJSON *entry = cJSON_GetObjectItemCaseSensitive(root, "ovirt");
    if (!cJSON_IsObject(entry))
        die("the lab's providers file has no ovirt entry", NULL);
    const struct passwd *pw = getpwuid(getuid());
    const char *user = pw ? pw->pw_name : "root";   /* start.sh lets this user in */
    cJSON_AddStringToObject(entry, "guest_vm_linux_user", user);
    cJSON_AddStringToObject(entry, "guest_vm_linux_password", GUEST_PASSWORD);
    cJSON_AddStringToObject(entry, "guest_vm_win_user", user);
    cJSON_AddStringToObject(entry, "guest_vm_win_password", GUEST_PASSWORD);
    char *json = cJSON_Print(root);
    if (fs_write_atomic_mode(out, json, strlen(json), 0600, &err) < 0)
        die(out, &err);
    free(json);
    cJSON_Delete(root);
    sb_release(&text);
}

typedef struct counts {
    int passed, failed, other;
} counts;

/* One run of every scenario with `jobs` jobs; returns its wall time. */
static double run_once(const run_env *env, const selection *sel, const char *out, int jobs,
                       counts *c)
{
    mtv_err err;
    if (fs_mkdir_p(out, 0755, &err) < 0)
        die(out, &err);
    run_item items[N_SCEN];
    memset(items, 0, sizeof items);
    for (size_t i = 0; i < sel->count; i++)
        items[i].sel = &sel->items[i];
    mtv_shared *shared = mtv_shared_new();
    runner_driver d = runner_mtv_driver(shared);
    run_env e = *env;
    e.shared = shared;
    run_options o = {.out_dir = out, .mode = TRANSPORT_RECORD, .jobs = jobs,
                     .run_id = jobs == 1 ? "jobs-1" : "jobs-n", .quiet_progress = 1};
    run_results *res = results_new(o.run_id, 0);
    run_outcome oc;
    double t0 = now_s();
    if (runner_run(&e, items, sel->count, &d, &o, res, &oc, &err) < 0)
        die("run", &err);
    double wall = now_s() - t0;
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < res->n_scenarios; i++)
        for (size_t j = 0; j < res->scenarios[i]->n_steps; j++) {
            enum step_status st = res->scenarios[i]->steps[j].status;
            if (st == STEP_PASSED)
                c->passed++;
            else if (st == STEP_FAILED || st == STEP_ERROR)
                c->failed++;
            else
                c->other++;
        }
    if (oc.leftovers)
        fprintf(stderr, "bench_run_jobs: %zu objects left behind by the %d-job run\n",
                oc.leftovers, jobs);
    results_free(res);
    mtv_shared_free(shared);
    return wall;
}

int main(int argc, char **argv)
{
    double speed = argc > 1 ? atof(argv[1]) : 100;
    const char *shared_dir = getenv("MTV_SHARED_DIR") ? getenv("MTV_SHARED_DIR")
                                                      : MTV_SOURCE_DIR "/../shared";
    strbuf crds = STRBUF_INIT, sdir = STRBUF_INIT, out1 = STRBUF_INIT, out4 = STRBUF_INIT;
    sb_addf(&crds, "%s/reference/forklift-crds", shared_dir);
    log_set_level(LOG_ERROR);
    mtv_err err;
    mtv_err_clear(&err);
    char dir[] = "/tmp/bench-run-jobs.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    sb_addf(&sdir, "%s/state", dir);
    sb_addf(&out1, "%s/jobs-1", dir);
    sb_addf(&out4, "%s/jobs-4", dir);

    int ssh_port = 0;
    pid_t sshd = start_guest_sshd(dir, &ssh_port);
    char ssh_target[64];
    snprintf(ssh_target, sizeof ssh_target, "127.0.0.1:%d", ssh_port);
    if (!sshd)
        fprintf(stderr, "bench_run_jobs: no sshd for the guests here (tests/peers/sshd/start.sh needs "
                        "openssh-server and root): check_vms fails its SSH checks, the lifecycle is "
                        "measured\n");

    lab_server_config cfg = {.crds_dir = fs_is_dir(crds.buf) ? crds.buf : NULL,
                             .state_dir = sdir.buf};
    lab_server *srv;
    lab_mtv *mtv = NULL;
    lab_mtv_config mc = {.speed = speed, .write_providers = 1, .ssh_target = sshd ? ssh_target : NULL};
    if (lab_server_new(&cfg, &srv, &err) < 0 || lab_mtv_attach(srv, &mc, &mtv, &err) < 0 ||
        lab_server_start(srv, &err) < 0 || lab_mtv_start(mtv, &err) < 0)
        die("starting the lab", &err);

    strbuf pjson = STRBUF_INIT;
    sb_addf(&pjson, "%s/providers.json", dir);
    write_providers_with_guest(lab_mtv_providers_path(mtv), pjson.buf);
    providers_file pf;
    const provider_entry *entry;
    if (providers_open(&pf, pjson.buf, "ovirt", log_secrets(), &entry, &err) < 0)
        die("providers", &err);
    catalog cat;
    diag_list diags = DIAG_LIST_INIT;
    /* every scenario clones its source VM, as upstream does, so no two of
     * them migrate the same VM and all may run at once */
    static const char *const sets[] = {"plan_wait_timeout=600", "snapshots_interval=2"};
    if (catalog_open(&cat, MTV_SOURCE_DIR "/scenarios", sets, 2, log_secrets(), &diags) < 0 ||
        diags.errors) {
        diag_print(&diags, stderr, log_secrets());
        die("catalog", NULL);
    }
    diag_free(&diags);
    selection sel;
    select_opts so = {.names = NAMES, .n_names = N_SCEN, .provider_type = PROVIDER_OVIRT,
                      .entry = entry, .provider_label = "ovirt", .storage_class = "standard"};
    if (select_scenarios(&cat, &so, &sel, &err) < 0)
        die("selection", &err);
    kube_config kc;
    if (kubeconfig_load(&kc, lab_server_kubeconfig_path(srv), NULL, log_secrets(), &err) < 0)
        die("kubeconfig", &err);
    run_env env = {&cat, &cat.settings, entry, "ovirt", "standard", &kc, NULL, NULL};

    counts c1, c4;
    double t1 = run_once(&env, &sel, out1.buf, 1, &c1);
    double t4 = run_once(&env, &sel, out4.buf, 4, &c4);
    printf("bench_run_jobs: %zu oVirt scenarios against the in-process lab (speed %g), guests: %s\n",
           sel.count, speed, sshd ? "a real sshd (check_vms logs in)" : "none (SSH checks fail)");
    printf("  --jobs 1: %8.2f s  (%d steps passed, %d failed or errored, %d other)\n", t1,
           c1.passed, c1.failed, c1.other);
    printf("  --jobs 4: %8.2f s  (%d steps passed, %d failed or errored, %d other)\n", t4,
           c4.passed, c4.failed, c4.other);
    printf("  speed-up: %8.2fx  (target >= 3x)\n", t4 > 0 ? t1 / t4 : 0.0);

    kubeconfig_free(&kc);
    selection_free(&sel);
    catalog_free(&cat);
    providers_file_free(&pf);
    lab_server_stop(srv);
    lab_mtv_free(mtv);
    lab_server_free(srv);
    if (sshd) {
        kill(sshd, SIGTERM);
        waitpid(sshd, NULL, 0);
    }
    sb_release(&pjson);
    strbuf rm = STRBUF_INIT;
    sb_addf(&rm, "rm -rf '%s'", dir);
    if (system(rm.buf) != 0)
        fprintf(stderr, "bench_run_jobs: could not remove %s\n", dir);
    sb_release(&rm);
    sb_release(&crds);
    sb_release(&sdir);
    sb_release(&out1);
    sb_release(&out4);
    return 0;
}
