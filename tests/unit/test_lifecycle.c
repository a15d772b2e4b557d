/* The Forklift lifecycle end to end against the in-process lab with its MTV
 * controller, inventory and simulated oVirt (tests/support/labtest): run
 * records every scenario and passes prepare, storagemap, networkmap, plan
 * and migrate; teardown leaves nothing of the run in the lab; the CLI's
 * replay reproduces the verdicts offline; a VM failing at DiskTransfer fails
 * migrate naming the step and reason; the hook scenario that expects a
 * PostHook failure passes; a warm scenario sets the precopy interval,
 * schedules a cutover and puts the interval back; the post-hook scenario's
 * VM, left off, is started for a moment by check_vms and passes; a --timeout cancels a
 * hanging migration and tears down. Behind the lab's VMI portforward a real
 * sshd stands in for every guest, so check_vms runs all of its checks,
 * SSH included, and passes on a clean migration. A Plan that never gets
 * Ready fails the plan step after plan_ready_timeout with the Plan's and
 * Providers' conditions. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "k8s/client.h"
#include "labtest.h"
#include "mtv/teardown.h"
#include "runner/mtv_driver.h"
#include "runner/run.h"
#include "sshpeer.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/log.h"

typedef struct world {
    sshp guest;
    labtest lab;
    char dir[4096], out[4200];
    providers_file pf;
    const provider_entry *entry;
    catalog cat;
    selection sel;
    kube_config kc;
    run_item items[4];
    size_t n;
    run_results *res;
    run_outcome oc;
} world;

#define GUEST_PW "Lifecycle-guest-canary-4r"

/* The lab's providers file with the guest logins of the sshd added to the
 * oVirt entry, written into the test's folder. */
static void providers_with_guest(world *w, char *out, size_t n)
{
    char *text = tu_read(lab_mtv_providers_path(w->lab.mtv), NULL);
    cJSON *root = cJSON_Parse(text);
    free(text);
    cJSON *e = cJSON_GetObjectItem(root, "ovirt");
    cr_assert_not_null(e);
    static const char *const os[] = {"linux", "win"};
    for (int i = 0; i < 2; i++) {
        char k[64];
        snprintf(k, sizeof k, "guest_vm_%s_user", os[i]);
        cJSON_DeleteItemFromObject(e, k);
        cJSON_AddStringToObject(e, k, w->guest.user);
        snprintf(k, sizeof k, "guest_vm_%s_password", os[i]);
        cJSON_AddStringToObject(e, k, GUEST_PW);
    }
    char *j = cJSON_Print(root);
    cJSON_Delete(root);
    snprintf(out, n, "%s", tu_write(w->dir, "providers.json", j));
    free(j);
}

/* FAULTS: the lab's faults file (NULL for none); SET: one more --set (or NULL). */
static void start_set(world *w, const char *faults, const char *set, const char *const *names,
                      size_t n)
{
    memset(w, 0, sizeof *w);
    tu_require_shared();
    log_set_level(getenv("MTV_TEST_LOG") ? LOG_DEBUG : LOG_OFF);
    /* every guest answers as itself: a Windows VM's PowerShell included */
    char guests[4200];
    snprintf(guests, sizeof guests, "%s/guests", tu_tmpdir());
    sshp_start_guests(&w->guest, GUEST_PW, guests);
    if (!w->guest.password_ok) {
        sshp_stop(&w->guest);
        cr_skip_test("this machine does not allow sshd password logins (see tests/peers/sshd/start.sh)");
    }
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", w->guest.port);
    labtest_opts lo = {.speed = 100, .faults_json = faults, .ssh_target = target,
                       .guest_dir = guests};
    labtest_start(&w->lab, &lo);
    snprintf(w->dir, sizeof w->dir, "%s", tu_tmpdir());
    mtv_err err;
    diag_list diags = DIAG_LIST_INIT;
    char pfile[4200];
    providers_with_guest(w, pfile, sizeof pfile);
    cr_assert_eq(providers_open(&w->pf, pfile, "ovirt", log_secrets(), &w->entry, &err), 0, "%s", err.msg);
    /* the lab's oVirt has no templates to clone from: its VMs are migrated */
    const char *sets[] = {"plan_wait_timeout=120", "snapshots_interval=2", "skip_source_clone=true",
                          set};
    cr_assert_eq(catalog_open(&w->cat, tu_src("scenarios"), sets, set ? 4 : 3, log_secrets(), &diags),
                 0);
    cr_assert_eq(diags.errors, 0);
    diag_free(&diags);
    select_opts so = {.names = names, .n_names = n, .provider_type = PROVIDER_OVIRT,
                      .entry = w->entry, .provider_label = "ovirt", .storage_class = "standard"};
    cr_assert_eq(select_scenarios(&w->cat, &so, &w->sel, &err), 0, "%s", err.msg);
    cr_assert_eq(w->sel.count, n);
    for (size_t i = 0; i < n; i++)
        w->items[i].sel = &w->sel.items[i];
    w->n = n;
    cr_assert_eq(kubeconfig_load(&w->kc, lab_server_kubeconfig_path(w->lab.srv), NULL, log_secrets(), &err),
                 0, "%s", err.msg);
    snprintf(w->out, sizeof w->out, "%s/run", w->dir);
    cr_assert_eq(fs_mkdir_p(w->out, 0755, &err), 0);
}

static void start(world *w, const char *faults, const char *const *names, size_t n)
{
    start_set(w, faults, NULL, names, n);
}

static void run_for(world *w, int jobs, int64_t timeout_ms)
{
    mtv_shared *shared = mtv_shared_new();
    runner_driver d = runner_mtv_driver(shared);
    run_env env = {&w->cat, &w->cat.settings, w->entry, "ovirt", "standard", &w->kc, shared,
                   &w->pf};
    run_options o = {.out_dir = w->out, .mode = TRANSPORT_RECORD, .jobs = jobs, .run_id = "lifecycle",
                     .timeout_ms = timeout_ms};
    w->res = results_new("lifecycle", 0);
    mtv_err err;
    cr_assert_eq(runner_run(&env, w->items, w->n, &d, &o, w->res, &w->oc, &err), 0, "%s", err.msg);
    mtv_shared_free(shared);
}

static void run(world *w, int jobs)
{
    run_for(w, jobs, 0);
}

static void stop(world *w)
{
    results_free(w->res);
    kubeconfig_free(&w->kc);
    selection_free(&w->sel);
    catalog_free(&w->cat);
    providers_file_free(&w->pf);
    labtest_stop(&w->lab);
    sshp_stop(&w->guest);
}

static const scenario_result *result(world *w, size_t i)
{
    return w->res->scenarios[i];
}

/* The scenario ran the six steps; the first n have the statuses st. */
static void assert_steps(const scenario_result *r, const char *const *names, const enum step_status *st,
                         size_t n)
{
    cr_assert_eq(r->n_steps, 6, "%s: %zu steps", r->scenario, r->n_steps);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(r->steps[i].name, names[i]);
        cr_assert_eq(r->steps[i].status, st[i], "%s %s: %s (%s)", r->scenario, names[i],
                     step_status_name(r->steps[i].status), r->steps[i].message ? r->steps[i].message : "");
    }
}

/* Every cluster object the run recorded is gone from the lab. */
static void assert_lab_clean(world *w)
{
    char p[4300];
    snprintf(p, sizeof p, "%s/resources.json", w->out);
    ledger *l;
    mtv_err err;
    cr_assert_eq(ledger_open(&l, p, &err), 0, "%s", err.msg);
    ledger_entry *e;
    size_t n;
    ledger_snapshot(l, NULL, 0, &e, &n);
    cr_assert_gt(n, 8, "the run recorded what it created");
    transport *t;
    transport_config tc = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(&t, &tc, &err), 0);
    k8s_client *c;
    cr_assert_eq(k8s_client_new(&c, &w->kc, t, &err), 0);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(e[i].state, LEDGER_DELETED, "%s %s is %s", e[i].kind, e[i].name, ledger_state_name(e[i].state));
        if (!strcmp(e[i].kind, "NodeLabel") || !strcmp(e[i].side, "source"))
            continue;   /* not a cluster object of its own */
        const k8s_kind *k = mtv_kind_lookup(e[i].api_version, e[i].kind);
        cr_assert_not_null(k, "%s", e[i].kind);
        cJSON *o = NULL;
        cr_assert_eq(k8s_get(c, k, e[i].namespace_, e[i].name, &o, &err), K8S_NOT_FOUND, "%s %s/%s still there",
                     e[i].kind, e[i].namespace_ ? e[i].namespace_ : "", e[i].name);
        cJSON_Delete(o);
    }
    ledger_entries_free(e, n);
    ledger_free(l);
    k8s_client_free(c);
    transport_free(t);
}

/* test_post_hook_retain_failed_vm migrates with target_power_state off and
 * guest_agent true: check_vms starts the stopped VM for a moment to read its
 * instance, as upstream does, so the guest agent check runs and passes and
 * the VM is left Stopped. */
static void assert_retained_vm_checked(const scenario_result *r)
{
    cr_assert_eq(r->n_steps, 6);
    const step_result *c = &r->steps[5];
    cr_assert_str_eq(c->name, "check_vms");
    cr_assert_eq(c->status, STEP_PASSED, "%s: %s", step_status_name(c->status), c->message ? c->message : "");
    cr_assert(c->log && strstr(c->log, "check_guest_agent"), "check_guest_agent ran");
    size_t blen;
    char *bundle = tu_read(r->cassette, &blen);
    cr_assert_not_null(bundle);
    cr_assert(tu_contains(bundle, blen, "/virtualmachines/mtv-tests-rhel8/start") &&
                  tu_contains(bundle, blen, "/virtualmachines/mtv-tests-rhel8/stop"),
              "started and stopped through the subresources, recorded for replay");
    free(bundle);
}

static const char *const BASE_STEPS[] = {"prepare", "storagemap", "networkmap", "plan", "migrate",
                                         "check_vms"};

static const char FAIL_DISK[] =
    "{\"vms\": [{\"vm\": \"mtv-*\", \"fail_at\": \"DiskTransfer\","
    " \"reason\": \"qemu-img: I/O error on the source disk\"}]}";

/* The ForkliftController's controller_precopy_interval (NULL when unset). */
static cJSON *precopy_interval(world *w)
{
    cJSON *fc = labtest_get(&w->lab, "forklift.konveyor.io/v1beta1/forkliftcontrollers", "openshift-mtv",
                            "forklift-controller");
    cr_assert_not_null(fc);
    cJSON *v = cJSON_DetachItemFromObject(cJSON_GetObjectItem(fc, "spec"), "controller_precopy_interval");
    cJSON_Delete(fc);
    return v;
}

/* The scenario's source_vms_data in a results.json (owned by root). */
static const cJSON *source_vms_data(const cJSON *root, const char *scenario)
{
    const cJSON *sc;
    cJSON_ArrayForEach(sc, cJSON_GetObjectItem(root, "scenarios"))
        if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(sc, "scenario")), scenario))
            return cJSON_GetObjectItem(sc, "source_vms_data");
    return NULL;
}

/* results.json keeps each scenario's source records: upstream's keys, one
 * per VM the plan migrates, and no credential in any of them. */
static cJSON *assert_source_vms_data(world *w, const char *dir)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/results.json", dir);
    size_t n;
    char *text = tu_read(path, &n);
    cr_assert_not_null(text, "%s", path);
    cr_assert_not(tu_contains(text, n, provider_str(w->entry, "password")));
    cr_assert_not(tu_contains(text, n, GUEST_PW));
    cr_assert_not(tu_contains(text, n, w->kc.token));
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *svd = source_vms_data(root, "test_cold_migration_comprehensive");
    cr_assert(cJSON_IsObject(svd) && cJSON_GetArraySize(svd) >= 1, "%s: no source_vms_data", path);
    const cJSON *vm;
    cJSON_ArrayForEach(vm, svd)
    {
        cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(vm, "name")), vm->string);
        const cJSON *cpu = cJSON_GetObjectItem(vm, "cpu");
        cr_assert_gt(cJSON_GetNumberValue(cJSON_GetObjectItem(cpu, "num_sockets")), 0, "%s", vm->string);
        cr_assert_gt(cJSON_GetNumberValue(cJSON_GetObjectItem(vm, "memory_in_mb")), 0, "%s", vm->string);
        const cJSON *nics = cJSON_GetObjectItem(vm, "network_interfaces");
        cr_assert(cJSON_GetArraySize(nics) >= 1, "%s has no NICs", vm->string);
        cr_assert_not_null(cJSON_GetStringValue(cJSON_GetObjectItem(nics->child, "macAddress")));
    }
    return root;
}

Test(lifecycle, cold_run_passes_cleans_up_and_replays, .timeout = 240)
{
    static const char *const names[] = {"test_cold_migration_comprehensive", "test_post_hook_retain_failed_vm"};
    world w;
    start(&w, NULL, names, 2);
    run(&w, 2);
    enum step_status ok[] = {STEP_PASSED, STEP_PASSED, STEP_PASSED, STEP_PASSED, STEP_PASSED, STEP_PASSED};
    assert_steps(result(&w, 0), BASE_STEPS, ok, 6);
    assert_steps(result(&w, 1), BASE_STEPS, ok, 6);
    assert_retained_vm_checked(result(&w, 1));
    cr_assert_eq(w.oc.leftovers, 0);
    cr_assert_eq(runner_exit_code(w.res, &w.oc), MTV_EXIT_OK);
    assert_lab_clean(&w);
    char logp[4400];
    snprintf(logp, sizeof logp, "%s/test_cold_migration_comprehensive/scenario.log", w.out);
    char *slog = tu_read(logp, NULL);
    cr_assert(slog && strstr(slog, "VM mtv-win2019-3disks: "), "per-VM progress is reported");
    cr_assert(strstr(slog, "VM mtv-win2019-3disks: Completed, Succeeded"));
    const char *ran = strstr(slog, "checks run for mtv-win2019-3disks: ");
    cr_assert(ran, "check_vms lists the checks it ran");
    cr_assert(strstr(ran, "check_ssh_connectivity") && strstr(ran, "check_cpu"), "%.300s", ran);
    free(slog);

    /* the cassette holds no credential */
    const char *pw = provider_str(w.entry, "password");
    cr_assert(pw && *pw);
    size_t blen;
    char *bundle = tu_read(result(&w, 0)->cassette, &blen);
    cr_assert_not_null(bundle);
    cr_assert(tu_contains(bundle, blen, "/plans"), "the bundle is searchable");
    cr_assert_not(tu_contains(bundle, blen, pw));
    cr_assert_not(tu_contains(bundle, blen, GUEST_PW), "nor the guest's password");
    cr_assert_not(tu_contains(bundle, blen, w.kc.token));
    free(bundle);

    /* replay through the command line, with the lab and the guest's sshd gone */
    labtest_stop(&w.lab);
    sshp_stop(&w.guest);
    char replay_out[4300];
    snprintf(replay_out, sizeof replay_out, "%s/replayed", w.dir);
    char *argv[] = {"replay", w.out, "-o", replay_out, "--log-level", getenv("MTV_TEST_REPLAY_LOG") ? "debug" : "off", NULL};
    cr_assert_eq(cmd_replay(6, argv), MTV_EXIT_OK);
    char p[4400];
    snprintf(p, sizeof p, "%s/results.json", replay_out);
    mtv_err err;
    run_results *rep = results_read(p, &err);
    cr_assert_not_null(rep, "%s", err.msg);
    strbuf diff = STRBUF_INIT;
    cr_assert_eq(results_compare(w.res, rep, &diff), 0, "%s", diff.buf);
    sb_release(&diff);
    results_free(rep);
    /* the replay reads the same source records back */
    cJSON *live = assert_source_vms_data(&w, w.out), *again = assert_source_vms_data(&w, replay_out);
    cr_assert(cJSON_Compare(source_vms_data(live, "test_cold_migration_comprehensive"),
                            source_vms_data(again, "test_cold_migration_comprehensive"), 1));
    cJSON_Delete(live);
    cJSON_Delete(again);
    stop(&w);
}

Test(lifecycle, disk_transfer_failure_fails_migrate_naming_step_and_reason, .timeout = 240)
{
    static const char *const names[] = {"test_cold_migration_comprehensive"};
    world w;
    start(&w, FAIL_DISK, names, 1);
    run(&w, 1);
    enum step_status st[] = {STEP_PASSED, STEP_PASSED, STEP_PASSED, STEP_PASSED, STEP_FAILED, STEP_XFAILED};
    assert_steps(result(&w, 0), BASE_STEPS, st, 6);
    const step_result *m = &result(&w, 0)->steps[4];
    cr_assert(strstr(m->message, "failed at step DiskTransfer"), "%s", m->message);
    cr_assert(strstr(m->message, "qemu-img: I/O error on the source disk"), "%s", m->message);
    cr_assert(m->detail && strstr(m->detail, "Failed=True"), "%s", m->detail ? m->detail : "");
    cr_assert_eq(runner_exit_code(w.res, &w.oc), MTV_EXIT_FAILURES);
    assert_lab_clean(&w);
    stop(&w);
}

Test(lifecycle, expected_post_hook_failure_passes, .timeout = 240)
{
    static const char *const names[] = {"test_post_hook_retain_failed_vm"};
    world w;
    start(&w, NULL, names, 1);
    run(&w, 1);
    enum step_status ok[] = {STEP_PASSED, STEP_PASSED, STEP_PASSED, STEP_PASSED, STEP_PASSED, STEP_PASSED};
    assert_steps(result(&w, 0), BASE_STEPS, ok, 6);
    assert_retained_vm_checked(result(&w, 0));
    assert_lab_clean(&w);
    stop(&w);

    /* the same scenario when the VMs fail elsewhere does not pass */
    start(&w, FAIL_DISK, names, 1);
    run(&w, 1);
    const step_result *m = &result(&w, 0)->steps[4];
    cr_assert_eq(m->status, STEP_FAILED);
    cr_assert(strstr(m->message, "not every VM at PostHook"), "%s", m->message);
    stop(&w);
}

Test(lifecycle, warm_sets_precopy_interval_and_cutover_then_reverts, .timeout = 240)
{
    static const char *const names[] = {"test_sanity_warm_mtv_migration"};
    world w;
    start(&w, NULL, names, 1);
    cJSON *before = precopy_interval(&w);
    run(&w, 1);
    enum step_status ok[] = {STEP_PASSED, STEP_PASSED, STEP_PASSED, STEP_PASSED, STEP_PASSED, STEP_PASSED};
    assert_steps(result(&w, 0), BASE_STEPS, ok, 6);
    /* the cassette shows the interval patch, the cutover and the precopies */
    size_t blen;
    char *bundle = tu_read(result(&w, 0)->cassette, &blen);
    cr_assert(bundle && tu_contains(bundle, blen, "controller_precopy_interval"), "the precopy patch was sent");
    cr_assert(tu_contains(bundle, blen, "cutover"));
    cr_assert(tu_contains(bundle, blen, "precopies"));
    free(bundle);
    cJSON *after = precopy_interval(&w);
    cr_assert((!before && !after) || cJSON_Compare(before, after, 1), "put back after the run");
    cJSON_Delete(before);
    cJSON_Delete(after);
    assert_lab_clean(&w);
    stop(&w);
}

Test(lifecycle, timeout_cancels_the_running_migration_then_tears_down, .timeout = 240)
{
    static const char *const names[] = {"test_cold_migration_comprehensive"};
    world w;
    start(&w, "{\"vms\": [{\"vm\": \"mtv-*\", \"hang_at\": \"DiskTransfer\"}]}", names, 1);
    run_for(&w, 1, 10000);
    const scenario_result *r = result(&w, 0);
    cr_assert_eq(r->steps[3].status, STEP_PASSED);
    cr_assert_eq(r->steps[4].status, STEP_ERROR, "%s", r->steps[4].message);
    cr_assert(strstr(r->steps[4].message, "cancelled"), "%s", r->steps[4].message);
    cr_assert(w.oc.timed_out);
    cr_assert_eq(w.oc.leftovers, 0);
    char logp[4400];
    snprintf(logp, sizeof logp, "%s/test_cold_migration_comprehensive/scenario.log", w.out);
    char *slog = tu_read(logp, NULL);
    cr_assert(slog && strstr(slog, "teardown: cancelling Migration"), "the running Migration was canceled");
    free(slog);
    assert_lab_clean(&w);
    stop(&w);
}

Test(lifecycle, never_ready_plan_fails_the_plan_step_with_conditions, .timeout = 240)
{
    static const char *const names[] = {"test_cold_migration_comprehensive"};
    world w;
    start_set(&w, "{\"plans\": [{\"plan\": \"*\", \"never_ready\": \"Storage array unreachable.\"}]}",
              "plan_ready_timeout=2", names, 1);
    run(&w, 1);
    const scenario_result *r = result(&w, 0);
    enum step_status st[] = {STEP_PASSED, STEP_PASSED, STEP_PASSED, STEP_FAILED, STEP_XFAILED, STEP_XFAILED};
    assert_steps(r, BASE_STEPS, st, 6);
    const step_result *p = &r->steps[3];
    cr_assert(strstr(p->message, "did not get Ready (plan_ready_timeout) within 2 s"), "%s", p->message);
    cr_assert(p->detail, "the failure carries the conditions");
    cr_assert(strstr(p->detail, "VMCriticalConcerns") && strstr(p->detail, "Storage array unreachable."),
              "the Plan's condition: %s", p->detail);
    cr_assert(strstr(p->detail, "Provider"), "the Providers' conditions: %s", p->detail);
    cr_assert(strstr(r->steps[4].message, "previous step failed (plan)"), "%s", r->steps[4].message);
    cr_assert_eq(runner_exit_code(w.res, &w.oc), MTV_EXIT_FAILURES);
    assert_lab_clean(&w);
    stop(&w);
}
