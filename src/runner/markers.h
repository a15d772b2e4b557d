/*
 * markers: the registered scenario markers (upstream pytest.ini, run with
 * --strict-markers) and what the provider markers mean.
 *
 * A scenario may only carry registered markers. Provider markers (vsphere,
 * esxi, rhv, openstack, openshift, ova, hyperv) say which source providers a
 * scenario is written for; `incremental` is implied for every scenario.
 */
#ifndef MTV_RUNNER_MARKERS_H
#define MTV_RUNNER_MARKERS_H

#include <stddef.h>

#include "config/providers.h"

typedef struct marker_def {
    const char *name;
    const char *help;
    enum provider_type provider;   /* for provider markers, else PROVIDER_UNKNOWN */
} marker_def;

extern const marker_def MARKERS[];
extern const size_t MARKER_COUNT;

const marker_def *markers_find(const char *name);

/* Fills out with up to max marker names (for suggestions); returns how many. */
size_t markers_names(const char **out, size_t max);

#endif
