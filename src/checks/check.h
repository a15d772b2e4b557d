/*
 * check: what every post-migration check is given and how it reports, the
 * contract between the check files (check_*.c, one concern each) and the
 * table that runs them (checks.h).
 *
 * A check is a gate and a function. The gate says whether the check applies
 * to this VM in this scenario, exactly as upstream's check_vms decides
 * (research/mtv-api-tests.md §6); the function compares and appends one
 * message per mismatch through check_fail, which prefixes the check's name:
 * "<check> - <reason>", the reason naming the expected and the actual value.
 * A check never stops the others: whatever goes wrong inside it (a guest
 * that cannot be reached, a template that does not render) is one of its
 * messages.
 *
 * Everything outside the two VM records comes in check_run (the scenario,
 * the Forklift objects, the run's facts) and check_io (guest commands and
 * source-side questions), so checks are pure functions that unit tests feed
 * with recorded shapes and fake guests.
 *
 * Ownership: everything in check_run and check_vm is borrowed. Messages are
 * copied into the check_msgs the runner owns.
 */
#ifndef MTV_CHECKS_CHECK_H
#define MTV_CHECKS_CHECK_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "checks/target_vm.h"
#include "providers/vm_record.h"
#include "util/err.h"
#include "util/strbuf.h"

typedef struct check_vm check_vm;

/* Guest commands and source-side questions; any may be NULL (the checks that
 * need it then report that it is not available). */
typedef struct check_io {
    void *ud;
    /* Logs into the VM's guest (upstream's is_connective). 0 when it let us in. */
    int (*guest_probe)(void *ud, const check_vm *vm, mtv_err *err);
    /* Runs one command in the guest: output into out, exit status into *status. */
    int (*guest_run)(void *ud, const check_vm *vm, const char *command, strbuf *out, int *status,
                     mtv_err *err);
    /* How many events with code the source holds for the VM (oVirt). */
    int (*source_event_count)(void *ud, const check_vm *vm, int code, size_t *count, mtv_err *err);
    /* Waits ms on the run's clock between retries (virtual in replay); returns
     * early when the run is being interrupted. */
    void (*sleep_ms)(void *ud, int64_t ms);
    /* 1 once the run is being interrupted: retry loops stop (may be NULL). */
    int (*cancelled)(void *ud);
} check_io;

/* The scenario and the run's facts, shared by every VM of the plan. */
typedef struct check_run {
    const char *provider_type;      /* the source's: "vsphere", "ovirt", ... */
    const cJSON *params;            /* the scenario's params (plan-level keys) */
    const cJSON *plan;              /* the Plan object, or NULL */
    const cJSON *network_map;       /* the NetworkMap object, or NULL */
    const cJSON *storage_map;       /* the StorageMap object, or NULL */
    const cJSON *provider_secret;   /* the source Provider's Secret, or NULL */
    int expect_insecure;            /* source_provider_insecure_skip_verify */
    const char *storage_class;      /* the run's storage class */
    const char *session_id;         /* what a None label value stands for */
    const char *labeled_node;       /* the worker node the run labelled, or NULL */
    const char *ocp_version;        /* "4.20.0", or NULL when unknown */
    const char *pvc_name_template;  /* resolved for the source type, or NULL */
    int64_t static_ip_timeout_ms;   /* retries of the static IP check; 0 = 600 s */
    int64_t static_ip_interval_ms;  /* 0 = 30 s */
    check_io io;
} check_run;

/* One plan VM. */
struct check_vm {
    const char *name;               /* the scenario's VM name (the source VM) */
    const cJSON *params;            /* its virtual_machines[i] entry */
    const vm_record *src;           /* the source as re-read after the migration */
    const vm_record *src_before;    /* the source as stored before it (static IPs, snapshots),
                                       or NULL */
    const char *added_nic_mac;      /* the NIC prepare added to the clone (add_nic), or NULL */
    const target_vm *dst;           /* the migrated VM */
    int ssh_ok;                     /* set by the SSH check when the guest let us in */
};

/* Messages of one VM (or of the provider-level checks). */
typedef struct check_msgs {
    char **v;
    size_t n;
} check_msgs;

void check_msgs_add(check_msgs *m, const char *msg);
void check_msgs_free(check_msgs *m);

/* What a running check appends to. */
typedef struct check_out {
    const char *check;              /* the check's name */
    check_msgs *msgs;
    size_t added;                   /* messages this check appended */
} check_out;

/* Appends "<check> - <reason>". */
void check_fail(check_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef int (*check_gate_fn)(const check_run *r, const check_vm *v);
typedef void (*check_fn)(const check_run *r, check_vm *v, check_out *o);

typedef struct check_def {
    const char *name;               /* upstream's function name; stable */
    int once;                       /* 1: once per check_vms, not per VM (provider-level) */
    check_gate_fn gate;             /* NULL: always */
    check_fn run;
} check_def;

/* ---- helpers for the check files ---- */

/* A plan-level scenario key (check_param) or the VM entry's (check_vm_param), or NULL. */
const cJSON *check_param(const check_run *r, const char *key);
const cJSON *check_vm_param(const check_vm *v, const char *key);
/* 1 when the key is a JSON true. */
int check_param_true(const check_run *r, const char *key);
int check_vm_param_true(const check_vm *v, const char *key);
/* 1 when the source is of this type. */
int check_source_is(const check_run *r, const char *type);
/* Compact JSON of a value (caller frees), cut to max characters ("..."). */
char *check_json(const cJSON *v, size_t max);

#endif
