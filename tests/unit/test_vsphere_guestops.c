/* vSphere guest operations: the parsers of the guest's own tools, the
 * ServiceContent field a real vCenter names its guest operations manager
 * with, and the whole path against vcsim answering from a guest directory:
 * NIC names by MAC for a Linux and a Windows guest, a refused guest login as
 * a configuration error, record then replay, and a canary guest password
 * that reaches neither the bundle, the log nor the error. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/providers.h"
#include "providers/provider.h"
#include "providers/pxml.h"
#include "providers/vsphere_guestops.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/log.h"
#include "vcsimpeer.h"

#define GUEST_PW "Canary-Guest-Pw-5c1d"

static void two_nics(vm_record *r, const char *mac0, const char *mac1)
{
    vm_record_init(r);
    vr_set(&vm_record_add_nic(r)->mac, mac0);
    vr_set(&vm_record_add_nic(r)->mac, mac1);
}

Test(vsphere_guestops, ip_link_json_names_by_mac)
{
    vm_record r;
    two_nics(&r, "00:50:56:aa:00:0e", "00:50:56:AA:00:0D");
    const char *text =
        "[{\"ifindex\":1,\"ifname\":\"lo\",\"link_type\":\"loopback\","
        "\"address\":\"00:00:00:00:00:00\"},"
        "{\"ifindex\":2,\"ifname\":\"ens192\",\"flags\":[\"UP\"],\"mtu\":1500,"
        "\"link_type\":\"ether\",\"address\":\"00:50:56:aa:00:0d\","
        "\"broadcast\":\"ff:ff:ff:ff:ff:ff\"},"
        "{\"ifindex\":3,\"ifname\":\"eth1\",\"address\":\"00:50:56:aa:00:0e\","
        "\"altnames\":[\"enp19s0\"]},"
        "{\"ifindex\":4,\"ifname\":\"virbr0\",\"address\":\"52:54:00:00:00:01\"}]\n";
    cr_assert_eq(vsphere_guest_apply_links(text, 0, &r), 2);
    cr_assert_str_eq(r.nics[0].guest_nic_name, "eth1");
    cr_assert_str_eq(r.nics[1].guest_nic_name, "ens192");
    vm_record_free(&r);
    two_nics(&r, "00:50:56:aa:00:0e", "00:50:56:aa:00:0d");
    cr_assert_eq(vsphere_guest_apply_links("ip: command not found\n", 0, &r), 0, "not JSON");
    cr_assert_null(r.nics[0].guest_nic_name);
    vm_record_free(&r);
}

Test(vsphere_guestops, ipconfig_names_by_mac)
{
    vm_record r;
    two_nics(&r, "00:50:56:aa:00:03", "00:50:56:aa:00:99");
    const char *text = "\r\nWindows IP Configuration\r\n\r\n   Host Name . . . . . : WIN\r\n\r\n"
                       "Ethernet adapter Ethernet 2:\r\n\r\n"
                       "   Description . . . . . . . . . . . : vmxnet3 Ethernet Adapter\r\n"
                       "   Physical Address. . . . . . . . . : 00-50-56-AA-00-03\r\n"
                       "   DHCP Enabled. . . . . . . . . . . : No\r\n\r\n"
                       "Tunnel adapter isatap.lan:\r\n\r\n"
                       "   Physical Address. . . . . . . . . : 00-00-00-00-00-00-00-E0\r\n";
    cr_assert_eq(vsphere_guest_apply_links(text, 1, &r), 1);
    cr_assert_str_eq(r.nics[0].guest_nic_name, "Ethernet 2");
    cr_assert_null(r.nics[1].guest_nic_name, "no adapter with that MAC");
    vm_record_free(&r);
}

Test(vsphere_guestops, origins_fill_only_unknown)
{
    vm_record r;
    vm_record_init(&r);
    vm_nic *n = vm_record_add_nic(&r);
    n->ips = calloc(3, sizeof *n->ips);
    n->nips = 3;
    vr_set(&n->ips[0].ip, "192.0.2.5");
    n->ips[0].is_static = -1;
    vr_set(&n->ips[1].ip, "192.0.2.6");
    n->ips[1].is_static = -1;
    vr_set(&n->ips[2].ip, "192.0.2.7");
    vr_set(&n->ips[2].origin, "dhcp");
    n->ips[2].is_static = 0;
    size_t set = vsphere_guest_apply_origins("192.0.2.5|manual\n192.0.2.6|auto\r\n"
                                             "192.0.2.7|manual\ngarbage\n", &r);
    cr_assert_eq(set, 2);
    cr_assert_eq(n->ips[0].is_static, 1);
    cr_assert_str_eq(n->ips[0].origin, "manual");
    cr_assert_eq(n->ips[1].is_static, 0);
    cr_assert_str_eq(n->ips[1].origin, "auto");
    cr_assert_str_eq(n->ips[2].origin, "dhcp", "what tools said stands");
    vm_record_free(&r);
}

Test(vsphere_guestops, auth_faults)
{
    cr_assert(vsphere_guest_auth_fault("InvalidGuestLogin"));
    cr_assert(vsphere_guest_auth_fault("GuestPermissionDenied"));
    cr_assert_not(vsphere_guest_auth_fault("GuestOperationsUnavailable"));
    cr_assert_not(vsphere_guest_auth_fault(""));
    cr_assert_not(vsphere_guest_auth_fault(NULL));
}

/* A real vCenter 6.7 names the manager where the adapter looks for it. */
Test(vsphere_guestops, real_service_content_has_the_manager)
{
    tu_require_shared();
    size_t n;
    char *body = tu_read(tu_shared("reference/provider-samples/vsphere/RetrieveServiceContent.vcenter-6.7.xml"), &n);
    cr_assert_not_null(body);
    xmlDoc *doc;
    xmlNode *resp;
    char fault[64];
    mtv_err err;
    cr_assert_eq(vim_parse_response("RetrieveServiceContent", 200, body, n, &doc, &resp, fault, &err),
                 0, "%s", err.msg);
    char *gom = px_get(px_child(resp, "returnval"), "guestOperationsManager");
    cr_assert_not_null(gom);
    cr_assert_str_eq(gom, "guestOperationsManager");
    free(gom);
    xmlFreeDoc(doc);
    free(body);
}

/* ---- against vcsim ------------------------------------------------------------ */

static const char WORLD[] =
    "{\"networks\": [\"mtv-net-a\"], \"vms\": ["
    "  {\"name\": \"lin\", \"cpus\": 1, \"memory_mb\": 512, \"guest_id\": \"rhel7_64Guest\","
    "   \"power\": \"on\", \"disks\": [{\"size_gb\": 1}],"
    "   \"nics\": [{\"network\": \"mtv-net-a\", \"mac\": \"00:50:56:aa:01:01\", \"ip\": \"192.0.2.10\","
    "              \"prefix\": 24, \"origin\": \"manual\", \"gateway\": \"192.0.2.1\"},"
    "             {\"network\": \"VM Network\", \"mac\": \"00:50:56:aa:01:02\"}]},"
    "  {\"name\": \"win\", \"cpus\": 1, \"memory_mb\": 512, \"guest_id\": \"windows9Server64Guest\","
    "   \"power\": \"on\", \"disks\": [{\"size_gb\": 1}],"
    "   \"nics\": [{\"network\": \"mtv-net-a\", \"mac\": \"00:50:56:aa:02:01\"}]},"
    "  {\"name\": \"mute\", \"cpus\": 1, \"memory_mb\": 512, \"guest_id\": \"rhel7_64Guest\","
    "   \"power\": \"on\", \"disks\": [{\"size_gb\": 1}],"
    "   \"nics\": [{\"network\": \"mtv-net-a\", \"mac\": \"00:50:56:aa:03:01\"}]}]}";

static void answer(const char *guests, const char *vm, const char *key, const char *text)
{
    strbuf d = STRBUF_INIT;
    fs_join(&d, guests, vm);
    mtv_err err;
    cr_assert_eq(fs_mkdir_p(d.buf, 0755, &err), 0, "%s", err.msg);
    tu_write(d.buf, key, text);
    sb_release(&d);
}

/* vm_info of each VM, one line each: names, or the error. */
static void infos(transport *t, const char *providers, strbuf *log)
{
    providers_file pf;
    const provider_entry *entry;
    mtv_err err;
    cr_assert_eq(providers_open(&pf, providers, "vc", log_secrets(), &entry, &err), 0, "%s",
                 err.msg);
    source_config cfg = {.t = t, .entry = entry, .file = &pf, .poll_ms = 100};
    source_provider *p;
    cr_assert_eq(source_open(&p, &cfg, &err), 0, "%s", err.msg);
    static const char *const vms[] = {"lin", "win", "mute"};
    for (size_t i = 0; i < 3; i++) {
        vm_record r;
        vm_record_init(&r);
        if (source_vm_info(p, vms[i], &r, &err)) {
            sb_addf(log, "%s error %d %s\n", vms[i], err.exit_code, err.msg);
        } else {
            sb_addf(log, "%s", vms[i]);
            for (size_t k = 0; k < r.nnics; k++)
                sb_addf(log, " %s=%s", r.nics[k].mac,
                        r.nics[k].guest_nic_name ? r.nics[k].guest_nic_name : "-");
            sb_addc(log, '\n');
        }
        vm_record_free(&r);
    }
    source_close(p);
    providers_file_free(&pf);
}

static const char *providers_for(const char *dir, const char *url, const char *pw)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"vc\": {\"type\": \"vsphere\", \"version\": \"6.5\", \"fqdn\": \"127.0.0.1\","
             " \"api_url\": \"%s\", \"username\": \"user\", \"password\": \"pass\","
             " \"guest_vm_linux_user\": \"mtv\", \"guest_vm_linux_password\": \"%s\","
             " \"guest_vm_win_user\": \"mtv\", \"guest_vm_win_password\": \"%s\"}}",
             url, pw, pw);
    return tu_write(dir, strcmp(pw, GUEST_PW) ? "wrong.json" : "providers.json", text);
}

Test(vsphere_guestops, vcsim_names_recorded_replayed_and_secret, .timeout = 180)
{
    const char *dir = tu_tmpdir();
    strbuf guests = STRBUF_INIT, journal = STRBUF_INIT, bundle = STRBUF_INIT, logf = STRBUF_INIT;
    fs_join(&guests, dir, "guests");
    answer(guests.buf, "lin", "ip_-j_link_show",
           "[{\"ifname\":\"lo\",\"address\":\"00:00:00:00:00:00\"},"
           "{\"ifname\":\"ens192\",\"address\":\"00:50:56:aa:01:01\"},"
           "{\"ifname\":\"ens224\",\"address\":\"00:50:56:aa:01:02\"}]\n");
    answer(guests.buf, "win", "ipconfig__all",
           "\r\nEthernet adapter Ethernet0:\r\n\r\n"
           "   Physical Address. . . . . . . . . : 00-50-56-AA-02-01\r\n");
    static const char *args[] = {"-guest-dir", NULL, "-guest-user", "mtv", "-guest-pass", GUEST_PW, NULL};
    args[1] = guests.buf;
    tu_vcsim v;
    tu_vcsim_start(&v, WORLD, args);

    fs_join(&logf, dir, "run.log");
    mtv_err err;
    cr_assert_eq(log_set_file(logf.buf, LOG_TRACE, &err), 0, "%s", err.msg);
    fs_join(&journal, dir, "journal.ndjson");
    fs_join(&bundle, dir, "guest.tar");
    transport_config rc_cfg = {.mode = TRANSPORT_RECORD, .journal_path = journal.buf,
                               .scenario = "vsphere-guestops"};
    transport *t;
    cr_assert_eq(transport_open(&t, &rc_cfg, &err), 0, "%s", err.msg);
    strbuf live = STRBUF_INIT;
    infos(t, providers_for(dir, v.url, GUEST_PW), &live);
    cr_assert_eq(transport_finish(t, bundle.buf, NULL, &err), 0, "%s", err.msg);
    transport_free(t);

    /* a wrong guest password: a configuration error naming the keys */
    transport_config live_cfg = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(&t, &live_cfg, &err), 0, "%s", err.msg);
    strbuf wrong = STRBUF_INIT;
    infos(t, providers_for(dir, v.url, "Wrong-" GUEST_PW), &wrong);
    transport_free(t);
    tu_vcsim_stop(&v);
    log_set_file(NULL, LOG_INFO, &err);

    cr_assert(strstr(live.buf, "lin 00:50:56:aa:01:01=ens192 00:50:56:aa:01:02=ens224\n"), "%s",
              live.buf);
    cr_assert(strstr(live.buf, "win 00:50:56:aa:02:01=Ethernet0\n"), "%s", live.buf);
    cr_assert(strstr(live.buf, "mute 00:50:56:aa:03:01=-\n"), "no answer, no name: %s", live.buf);
    cr_assert(strstr(wrong.buf, "lin error 2 "), "%s", wrong.buf);
    cr_assert(strstr(wrong.buf, "InvalidGuestLogin"), "%s", wrong.buf);
    cr_assert(strstr(wrong.buf, "guest_vm_linux_user"), "%s", wrong.buf);
    cr_assert(strstr(wrong.buf, "guest_vm_win_user"), "%s", wrong.buf);
    cr_assert_not(strstr(wrong.buf, GUEST_PW), "%s", wrong.buf);

    transport_config rp_cfg = {.mode = TRANSPORT_REPLAY, .cassette_path = bundle.buf};
    cr_assert_eq(transport_open(&t, &rp_cfg, &err), 0, "%s", err.msg);
    strbuf again = STRBUF_INIT;
    infos(t, providers_for(dir, v.url, GUEST_PW), &again);
    strbuf unused = STRBUF_INIT;
    cr_assert_eq(transport_unused(t, &unused), 0, "unused: %s", sb_str(&unused));
    transport_free(t);
    cr_assert_str_eq(again.buf, live.buf, "replay reads the same names");

    size_t n;
    char *bytes = tu_read(bundle.buf, &n);
    cr_assert_not_null(bytes);
    cr_assert_not(tu_contains(bytes, n, GUEST_PW), "the guest password is not in the bundle");
    cr_assert(tu_contains(bytes, n, "StartProgramInGuest"), "guest operations were recorded");
    free(bytes);
    bytes = tu_read(logf.buf, &n);
    cr_assert_not_null(bytes);
    cr_assert(tu_contains(bytes, n, "ip: command not found") ||
                  tu_contains(bytes, n, "exited with 127"), "the mute guest is a warning");
    cr_assert_not(tu_contains(bytes, n, GUEST_PW), "the guest password is not in the log");
    free(bytes);
    sb_release(&unused);
    sb_release(&live);
    sb_release(&wrong);
    sb_release(&again);
    sb_release(&guests);
    sb_release(&journal);
    sb_release(&bundle);
    sb_release(&logf);
}
