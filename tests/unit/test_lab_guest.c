/* Unit tests for lab_guest: the facts of a migrated guest built from the
 * source VM and its VMI interfaces (static configuration kept, the faults
 * file's wrong.guest applied to the first NIC), the answer file names, and
 * the answers themselves read back with the validator's own parsers (so the
 * lab prints what the checks can read). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/guest_net.h"
#include "lab/lab_guest.h"
#include "testutil.h"
#include "util/fs.h"

static lab_nic nics[2] = {
    {.mac = "00:50:56:aa:00:03", .ip = "192.0.2.20", .prefix = 24, .origin = "manual",
     .gateway = "192.0.2.1"},
    {.mac = "00:50:56:aa:00:04", .ip = "198.51.100.20", .prefix = 26, .origin = "manual"},
};

static cJSON *interfaces(void)
{
    return cJSON_Parse("[{\"name\":\"net-0\",\"mac\":\"00:50:56:aa:00:03\",\"interfaceName\":\"eth0\","
                       "\"ipAddress\":\"192.0.2.20\"},{\"name\":\"net-1\",\"mac\":\"00:50:56:aa:00:04\","
                       "\"interfaceName\":\"eth1\",\"ipAddress\":\"198.51.100.20\"}]");
}

static char *facts_text(int windows, const char *wrong, cJSON **ifs_out)
{
    lab_vm vm = {.name = "vm1", .hostname = "win-1", .is_windows = windows, .nics = nics, .nnics = 2};
    cJSON *ifs = interfaces();
    cJSON *w = wrong ? cJSON_Parse(wrong) : NULL;
    cJSON *f = lab_guest_facts(&vm, ifs, w);
    char *text = cJSON_PrintUnformatted(f);
    cJSON_Delete(f);
    cJSON_Delete(w);
    if (ifs_out)
        *ifs_out = ifs;
    else
        cJSON_Delete(ifs);
    return text;
}

/* Writes the answers and reads one back. */
static char *answer(const char *facts, const char *file)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/g", tu_tmpdir());
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(lab_guest_write(facts, dir, &err), 0, "%s", err.msg);
    char path[600];
    snprintf(path, sizeof path, "%s/cmd/%s", dir, file);
    char *text = tu_read(path, NULL);
    cr_assert_not_null(text, "no answer %s", path);
    lab_guest_remove(dir);
    cr_assert(!fs_exists(dir), "the answers were not removed");
    return text;
}

Test(lab_guest, key_names_a_command_line)
{
    strbuf k = STRBUF_INIT;
    lab_guest_key("nmcli device show", &k);
    cr_assert_str_eq(k.buf, "nmcli_device_show");
    sb_reset(&k);
    lab_guest_key("ipconfig /all", &k);
    cr_assert_str_eq(k.buf, "ipconfig__all");
    sb_reset(&k);
    lab_guest_key("/usr/sbin/xfs_info /sdb1", &k);
    cr_assert_str_eq(k.buf, "_usr_sbin_xfs_info__sdb1");
    sb_release(&k);
}

Test(lab_guest, linux_nmcli_answer_carries_the_static_configuration)
{
    char *f = facts_text(0, NULL, NULL);
    char *out = answer(f, "nmcli_device_show");
    guest_ifaces g;
    guest_nmcli_parse(out, &g);
    const guest_iface *e0 = guest_ifaces_find(&g, "eth0", NULL);
    cr_assert_not_null(e0, "%s", out);
    cr_assert_str_eq(e0->mac, "00:50:56:aa:00:03");
    cr_assert_eq(e0->naddrs, 1);
    cr_assert_str_eq(e0->addrs[0].ip, "192.0.2.20");
    cr_assert_eq(e0->addrs[0].prefix, 24);
    cr_assert_str_eq(e0->gateway, "192.0.2.1");
    const guest_iface *e1 = guest_ifaces_find(&g, NULL, "00:50:56:AA:00:04");
    cr_assert_not_null(e1);
    cr_assert_eq(e1->addrs[0].prefix, 26);
    cr_assert_null(e1->gateway);
    guest_ifaces_free(&g);
    free(out);
    out = answer(f, "xfs_info");
    cr_assert(strstr(out, "crc=0"), "%s", out);
    free(out);
    free(f);
}

Test(lab_guest, windows_ipconfig_answer_reads_back)
{
    char *f = facts_text(1, NULL, NULL);
    char *out = answer(f, "ipconfig__all");
    guest_ifaces g;
    guest_ipconfig_parse(out, &g);
    cr_assert_eq(g.n, 2, "%s", out);
    cr_assert_str_eq(g.v[1].name, "eth1");
    cr_assert_str_eq(g.v[1].mac, "00:50:56:aa:00:04");
    cr_assert_eq(g.v[1].addrs[0].prefix, 26);
    cr_assert_str_eq(g.v[0].gateway, "192.0.2.1");
    guest_ifaces_free(&g);
    free(out);
    free(f);
}

Test(lab_guest, wrong_guest_changes_the_first_nic_and_the_outputs)
{
    cJSON *ifs = NULL;
    char *f = facts_text(0,
                         "{\"ip\":\"192.0.2.99\",\"prefix\":16,\"gateway\":\"192.0.2.254\","
                         "\"nic_name\":\"ens3\",\"output\":{\"xfs_info\":\"crc=1\\n\"}}",
                         &ifs);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(ifs, 0),
                                                              "interfaceName")),
                     "ens3", "the agent reports the renamed NIC too");
    cJSON_Delete(ifs);
    char *out = answer(f, "nmcli_device_show");
    guest_ifaces g;
    guest_nmcli_parse(out, &g);
    const guest_iface *e = guest_ifaces_find(&g, "ens3", NULL);
    cr_assert_not_null(e, "%s", out);
    cr_assert_str_eq(e->addrs[0].ip, "192.0.2.99");
    cr_assert_eq(e->addrs[0].prefix, 16);
    cr_assert_str_eq(e->gateway, "192.0.2.254");
    cr_assert_not_null(guest_ifaces_find(&g, "eth1", NULL), "the second NIC is untouched");
    guest_ifaces_free(&g);
    free(out);
    out = answer(f, "xfs_info");
    cr_assert_str_eq(out, "crc=1\n");
    free(out);
    free(f);
}

Test(lab_guest, bad_facts_are_an_error)
{
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(lab_guest_write("[1]", tu_tmpdir(), &err), -1);
    cr_assert(strstr(err.msg, "not a JSON object"), "%s", err.msg);
}
