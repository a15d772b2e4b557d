/*
 * steps: the step patterns a scenario runs, defined once.
 *
 * Upstream runs each scenario as an incremental pytest class whose test
 * methods are the steps (test_create_storagemap, ..., test_check_vms); a
 * failed step marks the later ones of the class as expected failures. A
 * scenario file names its pattern ("base", "xfs", ...) and this table
 * expands it to the step names, which are upstream's method names without
 * the "test_" / "test_create_" prefix. Steps carry a group number: a pattern
 * made of several independent upstream classes (standalone deep inspection)
 * gives each class its own group, and a failure only affects its own group.
 */
#ifndef MTV_RUNNER_STEPS_H
#define MTV_RUNNER_STEPS_H

#include <stddef.h>

typedef struct step_def {
    const char *name;       /* "storagemap", "migrate", "verify_xfs_version", ... */
    const char *note;       /* what is special about it here, or NULL */
    int group;              /* 0 for most patterns; see above */
} step_def;

typedef struct step_pattern {
    const char *name;
    const char *summary;
    const step_def *steps;
    size_t count;
    /* plan-level params the pattern needs (present, and true when boolean) */
    const char *const *requires;
} step_pattern;

extern const step_pattern STEP_PATTERNS[];
extern const size_t STEP_PATTERN_COUNT;

/* The pattern named name, or NULL. */
const step_pattern *steps_find(const char *name);

#endif
