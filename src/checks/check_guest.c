/* check_guest: what needs a login to the migrated guest: that SSH lets us
 * in (its result gates the static IP checks), and the command-output check
 * the XFS scenarios use (`<command> <mount_point>` prints the expected
 * text). */
#include <string.h>

#include "checks/checks_int.h"

int gate_ssh_connectivity(const check_run *r, const check_vm *v)
{
    return r->io.guest_probe && v->dst->rec.power == VM_POWER_ON;
}

void check_ssh_connectivity(const check_run *r, check_vm *v, check_out *o)
{
    mtv_err err;
    mtv_err_clear(&err);
    if (r->io.guest_probe(r->io.ud, v, &err) < 0) {
        check_fail(o, "expected to log into %s/%s over SSH, could not: %s",
                   v->dst->namespace ? v->dst->namespace : "?", v->dst->rec.name, err.msg);
        return;
    }
    v->ssh_ok = 1;
}

int gate_command_output(const check_run *r, const check_vm *v)
{
    return cJSON_IsObject(check_param(r, "xfs_check")) && v->src->win_os != 1;
}

void check_vm_command_output(const check_run *r, check_vm *v, check_out *o)
{
    const cJSON *x = check_param(r, "xfs_check");
    const char *cmd = cJSON_GetStringValue(cJSON_GetObjectItem(x, "command"));
    const char *mp = cJSON_GetStringValue(cJSON_GetObjectItem(x, "mount_point"));
    const char *want = cJSON_GetStringValue(cJSON_GetObjectItem(x, "expected_output"));
    if (!cmd || !want) {
        check_fail(o, "xfs_check needs \"command\" and \"expected_output\" strings");
        return;
    }
    if (!r->io.guest_run) {
        check_fail(o, "guest commands cannot be run in this run");
        return;
    }
    if (v->dst->rec.power != VM_POWER_ON) {
        check_fail(o, "expected a running VM to run `%s` in, got power state %s", cmd,
                   vm_power_name(v->dst->rec.power) ? vm_power_name(v->dst->rec.power) : "unknown");
        return;
    }
    strbuf line = STRBUF_INIT, out = STRBUF_INIT;
    sb_adds(&line, cmd);
    if (mp)
        sb_addf(&line, " %s", mp);
    int status = -1;
    mtv_err err;
    mtv_err_clear(&err);
    if (r->io.guest_run(r->io.ud, v, line.buf, &out, &status, &err) < 0)
        check_fail(o, "`%s` could not be run: %s", line.buf, err.msg);
    else if (!strstr(sb_str(&out), want)) {
        strbuf cut = STRBUF_INIT;
        sb_add(&cut, sb_str(&out), out.len > 300 ? 300 : out.len);
        check_fail(o, "`%s` (exit %d): expected output containing \"%s\", got \"%s\"", line.buf,
                   status, want, cut.buf);
        sb_release(&cut);
    }
    sb_release(&line);
    sb_release(&out);
}
