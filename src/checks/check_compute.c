/* check_compute: CPU topology, memory, and the CPU features that keep
 * nested virtualization off. Values the source does not know are not
 * compared (upstream compares only truthy source values). */
#include <string.h>

#include "checks/checks_int.h"

int gate_not_ova(const check_run *r, const check_vm *v)
{
    (void)v;
    return !check_source_is(r, "ova");
}

int gate_cpu_features(const check_run *r, const check_vm *v)
{
    (void)v;
    const cJSON *nested = check_param(r, "enable_nested_virtualization");
    return cJSON_IsFalse(nested) && !check_source_is(r, "openshift");
}

static const char *const NESTED_VIRT_FEATURES[] = {"vmx", "svm"};

void check_cpu_features(const check_run *r, check_vm *v, check_out *o)
{
    (void)r;
    for (size_t i = 0; i < sizeof NESTED_VIRT_FEATURES / sizeof NESTED_VIRT_FEATURES[0]; i++) {
        const char *policy = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(v->dst->cpu_features, NESTED_VIRT_FEATURES[i]));
        if (!policy)
            check_fail(o, "expected CPU feature %s with policy disable (nested virtualization off), "
                          "got no %s feature",
                       NESTED_VIRT_FEATURES[i], NESTED_VIRT_FEATURES[i]);
        else if (strcmp(policy, "disable"))
            check_fail(o, "expected CPU feature %s with policy disable (nested virtualization off), "
                          "got policy %s",
                       NESTED_VIRT_FEATURES[i], policy);
    }
}

void check_cpu(const check_run *r, check_vm *v, check_out *o)
{
    (void)r;
    const vm_record *s = v->src, *d = &v->dst->rec;
    strbuf why = STRBUF_INIT;
    if (s->cpu_cores != VR_UNSET && s->cpu_cores && s->cpu_cores != d->cpu_cores)
        sb_addf(&why, "num_cores: expected %lld, got %lld", s->cpu_cores,
                d->cpu_cores == VR_UNSET ? 0 : d->cpu_cores);
    if (s->cpu_sockets != VR_UNSET && s->cpu_sockets && s->cpu_sockets != d->cpu_sockets)
        sb_addf(&why, "%snum_sockets: expected %lld, got %lld", why.len ? ", " : "", s->cpu_sockets,
                d->cpu_sockets == VR_UNSET ? 0 : d->cpu_sockets);
    if (why.len)
        check_fail(o, "CPU failed checks: %s", why.buf);
    sb_release(&why);
}

void check_memory(const check_run *r, check_vm *v, check_out *o)
{
    (void)r;
    long long want = v->src->memory_mb, got = v->dst->rec.memory_mb;
    if (want == VR_UNSET)
        check_fail(o, "the source VM's memory is unknown");
    else if (want != got)
        check_fail(o, "memory_in_mb: expected %lld, got %lld", want, got == VR_UNSET ? 0 : got);
}
