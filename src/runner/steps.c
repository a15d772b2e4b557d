/* steps: the step pattern table (see steps.h). Upstream's names are kept so
 * that a failing step reads the same in both tools' reports. */
#include "runner/steps.h"

#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MIGRATE_FAILS "expects the migration to fail"

static const step_def BASE[] = {
    {"storagemap", NULL, 0}, {"networkmap", NULL, 0}, {"plan", NULL, 0},
    {"migrate", NULL, 0},    {"check_vms", NULL, 0},
};
static const step_def PLAN_READINESS[] = {
    {"storagemap", NULL, 0}, {"networkmap", NULL, 0}, {"plan", "the Plan must become Ready", 0},
};
static const step_def CA_CRT[] = {
    {"verify_ca_crt_secret", "the provider Secret carries ca.crt instead of cacert", 0},
    {"storagemap", NULL, 0}, {"networkmap", NULL, 0}, {"plan", "the Plan must become Ready", 0},
};
static const step_def INSECURE[] = {
    {"verify_insecure_skip_verify", "the provider Secret has insecureSkipVerify \"true\"", 0},
    {"storagemap", NULL, 0}, {"networkmap", NULL, 0}, {"plan", "the Plan must become Ready", 0},
};
static const step_def MIGRATE_FAILS_STEPS[] = {
    {"storagemap", NULL, 0}, {"networkmap", NULL, 0}, {"plan", NULL, 0},
    {"migrate", MIGRATE_FAILS, 0},
};
static const step_def XFS[] = {
    {"storagemap", NULL, 0}, {"networkmap", NULL, 0}, {"plan", NULL, 0}, {"migrate", NULL, 0},
    {"verify_xfs_version", "runs xfs_check in the guest", 0}, {"check_vms", NULL, 0},
};
static const step_def LUKS[] = {
    {"storagemap", NULL, 0}, {"networkmap", NULL, 0}, {"plan", NULL, 0}, {"migrate", NULL, 0},
    {"verify_luks_encryption", "lsblk in the guest shows a crypto_LUKS device", 0},
    {"check_vms", NULL, 0},
};
static const step_def SHARED_DISK[] = {
    {"storagemap", NULL, 0}, {"networkmap", NULL, 0}, {"plan", NULL, 0}, {"migrate", NULL, 0},
    {"verify_shared_disk_data", "both VMs read each other's marker on the shared disk", 0},
    {"check_vms", NULL, 0},
};
static const step_def SHARED_DISK_WINDOWS[] = {
    {"label_shared_disk", "labels the shared NTFS volume on the source owner VM", 0},
    {"storagemap", NULL, 0}, {"networkmap", NULL, 0}, {"plan", NULL, 0}, {"migrate", NULL, 0},
    {"verify_shared_disk_data", "both VMs read each other's marker on the shared disk", 0},
    {"check_vms", NULL, 0},
};
static const step_def PLAN_ARCHIVE[] = {
    {"storagemap", NULL, 0}, {"networkmap", NULL, 0}, {"plan", NULL, 0},
    {"migrate", MIGRATE_FAILS, 0},
    {"archive_and_delete_plan", NULL, 0},
    {"verify_pvc_cleanup", "no PVC or DataVolume of the plan is left", 0},
};
static const step_def COPYOFFLOAD[] = {
    {"storagemap", NULL, 0}, {"networkmap", NULL, 0}, {"plan", NULL, 0}, {"migrate", NULL, 0},
    {"check_xcopy_used", NULL, 0}, {"check_vms", NULL, 0},
};
static const step_def COPYOFFLOAD_SNAPSHOTS[] = {
    {"create_snapshots_and_data_marker", NULL, 0},
    {"storagemap", NULL, 0}, {"networkmap", NULL, 0}, {"plan", NULL, 0}, {"migrate", NULL, 0},
    {"check_xcopy_used", "snapshot VMs fall back: xcopyUsed=0", 0}, {"check_vms", NULL, 0},
    {"check_data_integrity", NULL, 0},
};
static const step_def POPULATOR_THROTTLING[] = {
    {"storagemap", NULL, 0}, {"networkmap", NULL, 0}, {"plan", NULL, 0}, {"migrate", NULL, 0},
    {"verify_populator_throttling", NULL, 0}, {"check_xcopy_used", NULL, 0},
    {"check_vms", NULL, 0},
};
static const step_def VM_POPULATOR_THROTTLING[] = {
    {"storagemap", NULL, 0}, {"networkmap", NULL, 0}, {"plan", NULL, 0}, {"migrate", NULL, 0},
    {"verify_vm_inflight_throttling", NULL, 0}, {"verify_populator_throttling", NULL, 0},
    {"check_xcopy_used", NULL, 0}, {"check_vms", NULL, 0},
};
static const step_def DEDICATED_HOST[] = {
    {"storagemap", NULL, 0}, {"networkmap", NULL, 0}, {"plan", NULL, 0}, {"migrate", NULL, 0},
    {"verify_dedicated_migration_host", NULL, 0}, {"check_xcopy_used", NULL, 0},
    {"check_vms", NULL, 0},
};
static const step_def DEDICATED_HOST_INVALID[] = {
    {"storagemap", NULL, 0}, {"networkmap", NULL, 0}, {"plan", NULL, 0},
    {"migrate", MIGRATE_FAILS, 0},
    {"verify_populate_pod_failure_reason", "the populate pod reports the unknown host id", 0},
};
static const step_def SIMULTANEOUS[] = {
    {"storagemap", "one per plan", 0}, {"networkmap", "one per plan", 0},
    {"plan", "two plans", 0},
    {"migrate_vms_simultaneously", "both plans execute at the same time", 0},
    {"check_xcopy_used", NULL, 0}, {"check_vms", NULL, 0},
};
static const step_def CONCURRENT_VDDK[] = {
    {"storagemap", "an XCOPY map and a VDDK map", 0}, {"networkmap", NULL, 0},
    {"plan", "an XCOPY plan and a VDDK plan", 0},
    {"migrate_vms_concurrently", "both plans execute at the same time", 0},
    {"check_xcopy_used", "only the XCOPY plan uses XCOPY", 0}, {"check_vms", NULL, 0},
};
static const step_def DI_STANDALONE[] = {
    {"create_conversion", NULL, 1},
    {"wait_for_completion", NULL, 1},
    {"verify_di_results", NULL, 1},
    {"create_and_cancel_conversion", NULL, 2},
    {"verify_cancel_cleanup", NULL, 2},
    {"verify_snapshot_cleanup", NULL, 2},
    {"rerun_di_after_cancel", NULL, 2},
    {"rerun_wait_for_completion", NULL, 2},
    {"rerun_verify_results", NULL, 2},
    {"create_invalid_conversion", "no VDDK image: the Conversion must not run", 3},
    {"verify_validation_error", "Critical condition VDDKImageNotSet", 3},
};
static const step_def DI_PLAN_DRIVEN[] = {
    {"storagemap", NULL, 0}, {"networkmap", NULL, 0}, {"plan", NULL, 0},
    {"migrate_vms_fails", "fails at PreflightInspection", 0},
    {"verify_di_concerns", "the Critical concern blocked the migration", 0},
};
static const step_def UPGRADE[] = {
    {"storagemap", "created before the upgrade", 0}, {"networkmap", "created before the upgrade", 0},
    {"plan", "created before the upgrade", 0},
    {"upgrade_mtv", NULL, 0}, {"verify_post_upgrade", NULL, 0},
    {"migrate", NULL, 0}, {"check_vms", NULL, 0},
};

static const char *const REQ_XFS[] = {"xfs_check", NULL};
static const char *const REQ_COPYOFFLOAD[] = {"copyoffload", NULL};
static const char *const REQ_SHARED[] = {"migrate_shared_disks", NULL};
static const char *const REQ_ARCHIVE[] = {"post_hook", NULL};

const step_pattern STEP_PATTERNS[] = {
    {"base", "the 5-step migration", BASE, N(BASE), NULL},
    {"plan_readiness", "3-step plan readiness: no migration, the Ready Plan is the proof",
     PLAN_READINESS, N(PLAN_READINESS), NULL},
    {"ca_crt", "4-step plan readiness with a ca.crt provider Secret", CA_CRT, N(CA_CRT), NULL},
    {"insecure_skip_verify", "4-step plan readiness with an insecureSkipVerify provider",
     INSECURE, N(INSECURE), NULL},
    {"migrate_fails", "4-step: the migration must fail", MIGRATE_FAILS_STEPS,
     N(MIGRATE_FAILS_STEPS), NULL},
    {"xfs", "6-step XFS v4 compatibility", XFS, N(XFS), REQ_XFS},
    {"luks", "6-step LUKS encrypted disk", LUKS, N(LUKS), NULL},
    {"shared_disk", "6-step shared disk (Linux)", SHARED_DISK, N(SHARED_DISK), REQ_SHARED},
    {"shared_disk_windows", "7-step shared disk (Windows)", SHARED_DISK_WINDOWS,
     N(SHARED_DISK_WINDOWS), REQ_SHARED},
    {"plan_archive", "6-step plan archive and PVC cleanup", PLAN_ARCHIVE, N(PLAN_ARCHIVE),
     REQ_ARCHIVE},
    {"copyoffload", "6-step copy-offload", COPYOFFLOAD, N(COPYOFFLOAD), REQ_COPYOFFLOAD},
    {"copyoffload_snapshots", "8-step copy-offload with source snapshots",
     COPYOFFLOAD_SNAPSHOTS, N(COPYOFFLOAD_SNAPSHOTS), REQ_COPYOFFLOAD},
    {"copyoffload_populator_throttling", "7-step copy-offload populator throttling",
     POPULATOR_THROTTLING, N(POPULATOR_THROTTLING), REQ_COPYOFFLOAD},
    {"copyoffload_vm_populator_throttling", "8-step copy-offload VM and populator throttling",
     VM_POPULATOR_THROTTLING, N(VM_POPULATOR_THROTTLING), REQ_COPYOFFLOAD},
    {"copyoffload_dedicated_host", "7-step copy-offload dedicated migration host",
     DEDICATED_HOST, N(DEDICATED_HOST), REQ_COPYOFFLOAD},
    {"copyoffload_dedicated_host_invalid", "5-step copy-offload with an unknown dedicated host",
     DEDICATED_HOST_INVALID, N(DEDICATED_HOST_INVALID), REQ_COPYOFFLOAD},
    {"copyoffload_simultaneous", "two copy-offload plans at once", SIMULTANEOUS,
     N(SIMULTANEOUS), REQ_COPYOFFLOAD},
    {"copyoffload_concurrent_vddk", "an XCOPY plan and a VDDK plan at once", CONCURRENT_VDDK,
     N(CONCURRENT_VDDK), REQ_COPYOFFLOAD},
    {"di_standalone", "three standalone Deep Inspection groups: run, cancel and rerun, validation",
     DI_STANDALONE, N(DI_STANDALONE), NULL},
    {"di_plan_driven", "warm plan blocked by Deep Inspection concerns", DI_PLAN_DRIVEN,
     N(DI_PLAN_DRIVEN), NULL},
    {"upgrade", "plan created before an MTV upgrade, migrated after it", UPGRADE, N(UPGRADE),
     NULL},
};

const size_t STEP_PATTERN_COUNT = N(STEP_PATTERNS);

const step_pattern *steps_find(const char *name)
{
    for (size_t i = 0; name && i < STEP_PATTERN_COUNT; i++)
        if (!strcmp(STEP_PATTERNS[i].name, name))
            return &STEP_PATTERNS[i];
    return NULL;
}
