/*
 * checks: upstream's check_vms as one general mechanism over the table of
 * checks (checks.c lists them: name, gate, function; one file per concern).
 *
 * checks_run runs the provider-level checks once, then, for every plan VM,
 * every check whose gate is true, each isolated from the others, and
 * collects all messages of all VMs. The result says which checks ran for
 * which VM (the step's log and JUnit output list them) and which were left
 * out by their gate.
 *
 * checks_failure formats the one failure upstream reports:
 *   "VM validation failed — <vm>: [<msg>; <msg>]; <vm2>: [...]"
 * with provider-level messages under "_provider".
 *
 * Ownership: a checks_result owns its strings; checks_result_free.
 */
#ifndef MTV_CHECKS_CHECKS_H
#define MTV_CHECKS_CHECKS_H

#include "checks/check.h"

typedef struct checks_vm_result {
    char *vm;                       /* the VM's name, or "_provider" */
    check_msgs ran;                 /* names of the checks that ran */
    check_msgs gated;               /* names of the checks whose gate was false */
    check_msgs msgs;                /* "<check> - <reason>" */
} checks_vm_result;

typedef struct checks_result {
    checks_vm_result *vms;          /* [0] is "_provider" */
    size_t n;
    size_t failures;                /* messages in all */
} checks_result;

/* The table, in the order checks run. */
const check_def *checks_table(size_t *n);
/* A check by name, or NULL. */
const check_def *checks_find(const char *name);

/* Runs the checks named in only (NULL-terminated; NULL = the whole table)
 * over vms. Never fails: problems are messages. */
void checks_run(const check_run *r, check_vm *vms, size_t n, const char *const *only,
                checks_result *out);
void checks_result_free(checks_result *res);

/* The one-line failure (empty when nothing failed) and, in detail, one line
 * per message grouped by VM. */
void checks_failure(const checks_result *res, strbuf *line, strbuf *detail);
/* "vm: check_a, check_b; vm2: ..." of the checks that ran. */
void checks_ran_summary(const checks_result *res, strbuf *out);

#endif
