/* check_vbs: Virtualization Based Security is not running in a migrated
 * Windows guest whose plan turned nested virtualization off (upstream's
 * check_vbs_status): without vmx/svm the guest cannot run its hypervisor, and
 * a guest that still reports VBS running (DeviceGuard's
 * VirtualizationBasedSecurityStatus 2) did not get the CPU the plan asked
 * for. Status 1 (enabled, not running) and 0 (off) pass. Read over SSH, as
 * upstream. */
#include <string.h>

#include "checks/checks_int.h"

const char CHECK_VBS_COMMAND[] =
    "powershell -Command \"(Get-CimInstance -Namespace root\\Microsoft\\Windows\\DeviceGuard "
    "-ClassName Win32_DeviceGuard).VirtualizationBasedSecurityStatus\"";

int gate_vbs_status(const check_run *r, const check_vm *v)
{
    return gate_cpu_features(r, v) && v->ssh_ok && v->src->win_os == 1 &&
           v->dst->rec.power == VM_POWER_ON;
}

void check_vbs_status(const check_run *r, check_vm *v, check_out *o)
{
    if (!r->io.guest_run) {
        check_fail(o, "guest commands cannot be run in this run");
        return;
    }
    strbuf out = STRBUF_INIT;
    int status = -1;
    mtv_err err;
    mtv_err_clear(&err);
    if (r->io.guest_run(r->io.ud, v, CHECK_VBS_COMMAND, &out, &status, &err) < 0) {
        check_fail(o, "the VBS status could not be read: %s", err.msg);
    } else {
        /* the value alone, without the line ends and spaces PowerShell adds */
        const char *s = sb_str(&out);
        size_t a = strspn(s, " \t\r\n"), n = strlen(s + a);
        while (n && strchr(" \t\r\n", s[a + n - 1]))
            n--;
        if (status != 0)
            check_fail(o, "the VBS status command failed in the guest (exit %d): %.*s", status,
                       (int)(n > 200 ? 200 : n), s + a);
        else if (n == 1 && s[a] == '2')
            check_fail(o, "VBS is still running: VirtualizationBasedSecurityStatus 2, expected "
                          "not 2 (not running) with nested virtualization disabled");
        else if (!n)
            check_fail(o, "the VBS status command printed nothing");
    }
    sb_release(&out);
}
