/*
 * lab_discovery: the API discovery documents, built from the kind registry.
 *
 * Legacy discovery (/api APIVersions, /apis APIGroupList, /api/v1 and
 * /apis/G/V APIResourceList) for clients that do not ask otherwise, and
 * aggregated discovery (APIGroupDiscoveryList, apidiscovery.k8s.io v2 or
 * v2beta1) for kubectl 1.26+, which then fetches nothing else. Every tree
 * returned is new and owned by the caller.
 */
#ifndef MTV_LAB_DISCOVERY_H
#define MTV_LAB_DISCOVERY_H

#include <cjson/cJSON.h>

#include "lab/lab_kinds.h"

/* server_address: "host:port" for serverAddressByClientCIDRs. */
cJSON *lab_discovery_api(const lab_kinds *k, const char *server_address);
cJSON *lab_discovery_apis(const lab_kinds *k);
/* NULL when the group/version is not served. group "" = core. */
cJSON *lab_discovery_resources(const lab_kinds *k, const char *group, const char *version);
/* core=1 for /api (the core group only), 0 for /apis (every other group).
 * version is "v2" or "v2beta1". */
cJSON *lab_discovery_aggregated(const lab_kinds *k, int core, const char *version);

#endif
