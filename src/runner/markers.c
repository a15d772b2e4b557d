/* markers: the registered marker table (see markers.h). */
#include "runner/markers.h"

#include <string.h>

const marker_def MARKERS[] = {
    {"tier0", "core functionality (smoke)", PROVIDER_UNKNOWN},
    {"tier1", "extended functionality", PROVIDER_UNKNOWN},
    {"remote", "migration to a remote OpenShift cluster", PROVIDER_UNKNOWN},
    {"warm", "warm migration", PROVIDER_UNKNOWN},
    {"copyoffload", "copy-offload (XCOPY) migration", PROVIDER_UNKNOWN},
    {"copyoffload_sanity", "quick copy-offload subset", PROVIDER_UNKNOWN},
    {"copyoffload_snapshots", "copy-offload with source snapshots", PROVIDER_UNKNOWN},
    {"shared_disk", "shared disk migration", PROVIDER_UNKNOWN},
    {"incremental", "steps stop at the first failure (implied for every scenario)", PROVIDER_UNKNOWN},
    {"min_mtv_version", "needs at least a given MTV version", PROVIDER_UNKNOWN},
    {"ova", "written for OVA sources", PROVIDER_OVA},
    {"vsphere", "written for vSphere (vCenter) sources", PROVIDER_VSPHERE},
    {"esxi", "written for vSphere sources reached directly on ESXi", PROVIDER_VSPHERE},
    {"rhv", "written for RHV/oVirt sources", PROVIDER_OVIRT},
    {"hyperv", "written for Hyper-V sources", PROVIDER_HYPERV},
    {"openstack", "written for OpenStack sources", PROVIDER_OPENSTACK},
    {"openshift", "written for OpenShift Virtualization sources", PROVIDER_OPENSHIFT},
    {"deep_inspection", "Deep Inspection / Conversion", PROVIDER_UNKNOWN},
    {"ca_crt", "provider Secret with a ca.crt key", PROVIDER_UNKNOWN},
    {"aap", "Ansible Automation Platform hooks", PROVIDER_UNKNOWN},
    {"upgrade", "MTV operator upgrade", PROVIDER_UNKNOWN},
};

const size_t MARKER_COUNT = sizeof MARKERS / sizeof MARKERS[0];

const marker_def *markers_find(const char *name)
{
    for (size_t i = 0; i < MARKER_COUNT; i++)
        if (!strcmp(MARKERS[i].name, name))
            return &MARKERS[i];
    return NULL;
}

size_t markers_names(const char **out, size_t max)
{
    size_t n = 0;
    for (; n < MARKER_COUNT && n < max; n++)
        out[n] = MARKERS[n].name;
    return n;
}
