/* check_power: the migrated VM's power state and guest agent, and on oVirt
 * that MTV did not force the source off behind the user's back. */
#include <string.h>

#include "checks/checks_int.h"

void check_vms_power_state(const check_run *r, check_vm *v, check_out *o)
{
    const char *want = cJSON_GetStringValue(check_param(r, "target_power_state"));
    const char *why = "target_power_state";
    if (!want) {
        want = cJSON_GetStringValue(check_vm_param(v, "source_vm_power"));
        why = "source_vm_power";
    }
    if (!want)
        return; /* upstream compares only when the scenario says what to expect */
    if (strcmp(want, "on") && strcmp(want, "off")) {
        check_fail(o, "%s is \"%s\"; expected \"on\" or \"off\"", why, want);
        return;
    }
    const char *got = vm_power_name(v->dst->rec.power);
    if (!got || strcmp(got, want))
        check_fail(o, "expected power state %s (%s), got %s (printableStatus %s)", want, why,
                   got ? got : "unknown",
                   v->dst->printable_status ? v->dst->printable_status : "not set");
}

int gate_guest_agent(const check_run *r, const check_vm *v)
{
    (void)r;
    return check_vm_param_true(v, "guest_agent");
}

void check_guest_agent(const check_run *r, check_vm *v, check_out *o)
{
    (void)r;
    if (v->dst->rec.guest_agent_running != 1)
        check_fail(o, "expected the guest agent to be connected (VMI condition AgentConnected=True), "
                      "got %s",
                   v->dst->has_vmi ? "not connected" : "no VirtualMachineInstance");
}

int gate_ovirt(const check_run *r, const check_vm *v)
{
    (void)v;
    return check_source_is(r, "ovirt");
}

#define USER_STOP_VM 33

void check_false_vm_power_off(const check_run *r, check_vm *v, check_out *o)
{
    if (!r->io.source_event_count) {
        check_fail(o, "the source's events cannot be read in this run");
        return;
    }
    size_t n = 0;
    mtv_err err;
    mtv_err_clear(&err);
    if (r->io.source_event_count(r->io.ud, v, USER_STOP_VM, &n, &err) < 0)
        check_fail(o, "reading the source VM's events failed: %s", err.msg);
    else if (n)
        check_fail(o, "expected no USER_STOP_VM (code 33) event for the source VM, got %zu", n);
}
