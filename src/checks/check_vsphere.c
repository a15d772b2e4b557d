/* check_vsphere: what only a vSphere source has to keep: its snapshots
 * (untouched by the migration), its serial number (in the form this
 * OpenShift version writes) and its boot firmware, secure boot and TPM. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks/checks_int.h"

int gate_vsphere(const check_run *r, const check_vm *v)
{
    (void)v;
    return check_source_is(r, "vsphere");
}

int gate_snapshots(const check_run *r, const check_vm *v)
{
    return check_source_is(r, "vsphere") &&
           (check_vm_param(v, "snapshots_before_migration") ||
            (v->src_before && v->src_before->nsnapshots));
}

static int by_id(const void *a, const void *b)
{
    const vm_snapshot *x = a, *y = b;
    return strcmp(x->id ? x->id : "", y->id ? y->id : "");
}

static int same_minute(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return !strncmp(a, b, 16);
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static size_t snapshots_of(const check_vm *v, vm_snapshot **out)
{
    const vm_record *b = v->src_before;
    if (b && b->nsnapshots) {
        *out = calloc(b->nsnapshots, sizeof **out);
        if (!*out)
            abort();
        memcpy(*out, b->snapshots, b->nsnapshots * sizeof **out);
        return b->nsnapshots;
    }
    /* the scenario's stored list (snapshots_before_migration: upstream's snapshots_data) */
    const cJSON *arr = check_vm_param(v, "snapshots_before_migration"), *e;
    size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out)
        abort();
    cJSON_ArrayForEach(e, arr)
    {
        vm_snapshot *s = &(*out)[i++];
        s->id = cJSON_GetStringValue(cJSON_GetObjectItem(e, "id"));
        s->name = cJSON_GetStringValue(cJSON_GetObjectItem(e, "name"));
        s->create_time = cJSON_GetStringValue(cJSON_GetObjectItem(e, "create_time"));
        s->state = cJSON_GetStringValue(cJSON_GetObjectItem(e, "state"));
    }
    return n;
}

void check_snapshots(const check_run *r, check_vm *v, check_out *o)
{
    (void)r;
    vm_snapshot *before, *after = NULL;
    size_t nb = snapshots_of(v, &before), na = v->src->nsnapshots;
    if (na) {
        after = calloc(na, sizeof *after);
        if (!after)
            abort();
        memcpy(after, v->src->snapshots, na * sizeof *after);
    }
    qsort(before, nb, sizeof *before, by_id);
    if (na)
        qsort(after, na, sizeof *after, by_id);
    if (nb != na)
        check_fail(o, "expected %zu snapshots (as before the migration), got %zu", nb, na);
    for (size_t i = 0; i < nb && i < na; i++) {
        const vm_snapshot *x = &before[i], *y = &after[i];
        if (!same(x->id, y->id))
            check_fail(o, "snapshot %zu: id expected %s, got %s", i, x->id ? x->id : "none", y->id ? y->id : "none");
        if (!same(x->name, y->name))
            check_fail(o, "snapshot %s: name expected \"%s\", got \"%s\"", x->id ? x->id : "?",
                       x->name ? x->name : "", y->name ? y->name : "");
        if (!same_minute(x->create_time, y->create_time))
            check_fail(o, "snapshot %s: create_time expected %s, got %s", x->id ? x->id : "?",
                       x->create_time ? x->create_time : "none", y->create_time ? y->create_time : "none");
        if (!same(x->state, y->state))
            check_fail(o, "snapshot %s: state expected %s, got %s", x->id ? x->id : "?",
                       x->state ? x->state : "none", y->state ? y->state : "none");
    }
    free(before);
    free(after);
}

/* 1 when version is at least major.minor. */
static int version_at_least(const char *version, int major, int minor)
{
    int a = 0, b = 0;
    if (!version || sscanf(version, "%d.%d", &a, &b) < 1)
        return 0;
    return a > major || (a == major && b >= minor);
}

void check_expected_serial(const char *uuid, const char *ocp_version, strbuf *out)
{
    sb_reset(out);
    if (!version_at_least(ocp_version, 4, 20)) {
        sb_adds(out, uuid ? uuid : "");
        return;
    }
    char hex[33];
    size_t n = 0;
    for (const char *p = uuid ? uuid : ""; *p && n < 32; p++)
        if (isxdigit((unsigned char)*p))
            hex[n++] = (char)toupper((unsigned char)*p);
    hex[n] = '\0';
    sb_adds(out, "VMware-");
    for (size_t i = 0; i + 1 < n; i += 2) {
        if (i == 16)
            sb_addc(out, '-');
        else if (i)
            sb_addc(out, ' ');
        sb_add(out, hex + i, 2);
    }
}

void check_serial_preservation(const check_run *r, check_vm *v, check_out *o)
{
    if (!v->src->uuid) {
        check_fail(o, "the source VM's uuid is unknown");
        return;
    }
    strbuf want = STRBUF_INIT;
    check_expected_serial(v->src->uuid, r->ocp_version, &want);
    const char *got = v->dst->rec.serial;
    if (!got || strcasecmp(got, want.buf))
        check_fail(o, "expected serial \"%s\" (OpenShift %s), got \"%s\"", want.buf,
                   r->ocp_version ? r->ocp_version : "version unknown", got ? got : "");
    sb_release(&want);
}

static const char *yn(int v)
{
    return v < 0 ? "unknown" : v ? "true" : "false";
}

void check_boot_configuration(const check_run *r, check_vm *v, check_out *o)
{
    (void)r;
    const vm_record *s = v->src, *d = &v->dst->rec;
    if (s->boot_firmware && (!d->boot_firmware || strcasecmp(s->boot_firmware, d->boot_firmware)))
        check_fail(o, "boot_firmware: expected %s, got %s", s->boot_firmware,
                   d->boot_firmware ? d->boot_firmware : "none");
    if (s->secure_boot >= 0 && s->secure_boot != d->secure_boot)
        check_fail(o, "secure_boot: expected %s, got %s", yn(s->secure_boot), yn(d->secure_boot));
    if (s->tpm_present >= 0 && s->tpm_present != d->tpm_present)
        check_fail(o, "tpm_present: expected %s, got %s", yn(s->tpm_present), yn(d->tpm_present));
}
