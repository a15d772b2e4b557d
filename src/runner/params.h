/*
 * params: upstream's scenario vocabulary (tests_params) and its checks.
 *
 * PARAM_DEFS lists every key upstream reads, per scope: the plan (top level
 * of "params"), each entry of virtual_machines, each entry of add_disks, the
 * pre_hook/post_hook dicts and xfs_check. Each key has its accepted types,
 * allowed values and limits; the same table drives the type of a `--set`
 * value and the "did you mean" for unknown keys.
 *
 * params_check runs the table over a scenario and then upstream's up-front
 * validation rules (rules.c, hooks.c); params_check_provider runs the rules
 * that depend on the source provider (provider_rules.c). Every problem names
 * the scenario file with line:col (or the --set option), the key and the
 * rule.
 */
#ifndef MTV_RUNNER_PARAMS_H
#define MTV_RUNNER_PARAMS_H

#include <cjson/cJSON.h>
#include <stdarg.h>

#include "config/providers.h"
#include "runner/scenario.h"
#include "util/diag.h"

enum param_scope { SCOPE_NONE = -1, SCOPE_PLAN, SCOPE_VM, SCOPE_DISK, SCOPE_HOOK, SCOPE_XFS_CHECK };

enum param_flags {
    PF_REQUIRED = 1 << 0,
    PF_NONEMPTY = 1 << 1,       /* strings: not empty or blank */
    PF_NAMESPACE = 1 << 2,      /* a namespace name once placeholders are expanded */
    PF_TEMPLATE = 1 << 3,       /* a Go template: placeholders are not expanded */
};

typedef struct param_def {
    enum param_scope scope;
    const char *name;
    unsigned types;             /* enum value_type bits */
    unsigned flags;
    const char *const *choices; /* allowed string values, NULL-terminated, or NULL */
    long min;                   /* whole numbers: lowest value */
    enum param_scope child;     /* scope of the object(s) it holds, or SCOPE_NONE */
} param_def;

extern const param_def PARAM_DEFS[];

const param_def *params_find(enum param_scope scope, const char *name);
const char *params_scope_name(enum param_scope scope);

/* Checks sc->params: types, allowed values, unknown keys, required keys,
 * placeholders, and upstream's rules. Appends to diags. */
void params_check(const scenario *sc, diag_list *diags);

/* Checks the rules that need the source provider: its type, and when entry
 * is given, its keys (LUKS passphrase, copy-offload block). Problems are
 * reported with severity sev: errors for a scenario about to run, warnings
 * when checking a whole catalog against one provider. */
void params_check_provider(const scenario *sc, enum provider_type type,
                           const provider_entry *entry, enum diag_severity sev,
                           diag_list *diags);

/* --- shared by the rule files -------------------------------------------- */

/* Reports a problem at pointer (under /params); disp is the human path
 * ("virtual_machines[0].add_nic"). */
void params_report(const scenario *sc, diag_list *diags, enum diag_severity sev,
                   const char *pointer, const char *disp, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void params_vreport(const scenario *sc, diag_list *diags, enum diag_severity sev,
                    const char *pointer, const char *disp, const char *fmt, va_list ap);

/* 1 when obj[key] is true. */
int params_true(const cJSON *obj, const char *key);

void params_rules_check(const scenario *sc, diag_list *diags);     /* rules.c */
void params_hook_check(const scenario *sc, const char *hook, diag_list *diags); /* hooks.c */

#endif
