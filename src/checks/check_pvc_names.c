/* check_pvc_names: the PVC of every disk carries the name the scenario's
 * pvc_name_template gives it, rendered with the same Go template engine the
 * lab uses (util/gotmpl): exact when pvc_name_template_use_generate_name is
 * false, else as the prefix of a generated name. On vSphere the disks are
 * numbered in (controller, unit) order and the PVC must sit at that index. */
#include <stdlib.h>
#include <string.h>

#include "checks/checks_int.h"
#include "util/gotmpl.h"
#include "util/log.h"

int gate_pvc_names(const check_run *r, const check_vm *v)
{
    (void)v;
    return r->pvc_name_template && !check_source_is(r, "ova");
}

static const char *base_name(const char *file)
{
    if (!file)
        return "";
    const char *b = strrchr(file, '/');
    if (!b)
        b = strrchr(file, ']');
    b = b ? b + 1 : file;
    while (*b == ' ')
        b++;
    return b;
}

int check_pvc_expected(const check_run *r, const check_vm *v, const vm_disk *d, size_t index,
                       int generate, strbuf *out, mtv_err *err)
{
    cJSON *data = cJSON_CreateObject();
    const char *vm_name = v->src->name ? v->src->name : v->name;
    cJSON_AddStringToObject(data, "VmName", vm_name ? vm_name : "");
    cJSON_AddStringToObject(data, "TargetVmName", v->dst->rec.name ? v->dst->rec.name : "");
    cJSON_AddStringToObject(data, "PlanName", k8s_obj_str(r->plan, "metadata.name") ? k8s_obj_str(r->plan, "metadata.name") : "");
    cJSON_AddStringToObject(data, "VmId", v->src->id ? v->src->id : "");
    cJSON_AddNumberToObject(data, "DiskIndex", (double)index);
    cJSON_AddStringToObject(data, "FileName", base_name(d ? d->file : NULL));
    sb_reset(out);
    int rc = gotmpl_render("pvc_name_template", r->pvc_name_template, data, out, err);
    cJSON_Delete(data);
    if (rc < 0)
        return -1;
    size_t max = generate ? 58 : 63;
    if (out->len > max)
        sb_setlen(out, max);
    return 0;
}

/* vSphere numbers disks by controller, then unit. */
static int by_bus(const void *a, const void *b)
{
    const vm_disk *x = *(const vm_disk *const *)a, *y = *(const vm_disk *const *)b;
    if (x->controller_key != y->controller_key)
        return x->controller_key < y->controller_key ? -1 : 1;
    return x->unit_number < y->unit_number ? -1 : x->unit_number > y->unit_number;
}

void check_pvc_names(const check_run *r, check_vm *v, check_out *o)
{
    int vsphere = check_source_is(r, "vsphere");
    const char *t = r->pvc_name_template;
    if (!vsphere && (strstr(t, ".FileName") || strstr(t, ".DiskIndex"))) {
        log_warn("%s: pvc_name_template uses .FileName or .DiskIndex, which only vSphere sources "
                 "define; PVC names not compared (as upstream)",
                 o->check);
        return;
    }
    const cJSON *ug = check_param(r, "pvc_name_template_use_generate_name");
    int generate = ug ? cJSON_IsTrue(ug) : 1;
    size_t n = v->src->ndisks;
    const vm_disk **order = calloc(n ? n : 1, sizeof *order);
    /* a PVC answers for one disk only: with a prefix, several could match */
    char *used = calloc(v->dst->rec.ndisks + 1, 1);
    if (!order || !used)
        abort();
    for (size_t i = 0; i < n; i++)
        order[i] = &v->src->disks[i];
    if (vsphere)
        qsort(order, n, sizeof *order, by_bus);
    strbuf want = STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        mtv_err err;
        mtv_err_clear(&err);
        if (check_pvc_expected(r, v, order[i], i, generate, &want, &err) < 0) {
            check_fail(o, "disk %zu: the template does not render: %s", i, err.msg);
            continue;
        }
        const vm_disk *hit = NULL;
        size_t at = 0;
        for (size_t k = 0; k < v->dst->rec.ndisks && !hit; k++) {
            const char *name = v->dst->rec.disks[k].name;
            if (!used[k] && name &&
                (generate ? !strncmp(name, want.buf, want.len) : !strcmp(name, want.buf))) {
                hit = &v->dst->rec.disks[k];
                at = k;
                used[k] = 1;
            }
        }
        if (!hit) {
            strbuf got = STRBUF_INIT;
            for (size_t k = 0; k < v->dst->rec.ndisks; k++)
                sb_addf(&got, "%s%s", k ? ", " : "", v->dst->rec.disks[k].name ? v->dst->rec.disks[k].name : "?");
            check_fail(o, "disk %zu: expected a PVC %s \"%s\", got [%s]", i,
                       generate ? "named with the prefix" : "named", want.buf, got.buf);
            sb_release(&got);
        } else if (vsphere && at != i) {
            check_fail(o, "disk %zu: PVC %s is volume %zu of the VM, expected %zu", i, hit->name, at, i);
        }
    }
    sb_release(&want);
    free(used);
    free(order);
}
