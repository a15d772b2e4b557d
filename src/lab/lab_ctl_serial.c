/*
 * lab_ctl_serial: the serial number a migrated VM's firmware carries.
 * Forklift copies the source's uuid; for vSphere sources on OpenShift 4.20
 * and later it writes the uuid the way VMware's own SMBIOS serial reads
 * ("VMware-42 1a 2b ... 7c-8d ..."), so guests that key licences on the
 * serial see the same value after the migration. The cluster's release is
 * read from the ClusterVersion the lab serves (lab serve --openshift-version),
 * at the moment the VM is created, as the real controller would see it.
 */
#include <ctype.h>
#include <stdio.h>

#include "lab/lab_ctl_int.h"
#include "lab/lab_kinds.h"
#include "lab/lab_store.h"

static int release_at_least(lab_ctl *c, int major, int minor)
{
    const lab_kind *k = lab_kinds_find(lab_store_kinds(c->cfg.store), "config.openshift.io", "v1",
                                       "clusterversions");
    cJSON *cv = k ? ctl_get(c, k, NULL, "version") : NULL;
    int a = 0, b = 0, ok = 0;
    if (cv && sscanf(jpath_str(cv, "status.desired.version"), "%d.%d", &a, &b) == 2)
        ok = a > major || (a == major && b >= minor);
    cJSON_Delete(cv);
    return ok;
}

void ctl_target_serial(const target_ctx *t, strbuf *out)
{
    const char *uuid = t->src->uuid ? t->src->uuid : "";
    sb_reset(out);
    if (t->src_type != LAB_SRC_VSPHERE || !release_at_least(t->c, 4, 20)) {
        sb_adds(out, uuid);
        return;
    }
    sb_adds(out, "VMware-");
    size_t n = 0;
    for (const char *p = uuid; *p && n < 32; p++) {
        if (!isxdigit((unsigned char)*p))
            continue;
        if (n && n % 2 == 0)
            sb_addc(out, n == 16 ? '-' : ' ');
        sb_addc(out, (char)tolower((unsigned char)*p));
        n++;
    }
}
