/* The vSphere adapter against a real vcsim (govmomi's simulator, started by
 * the test): lookups, hardware, guest data, clones with each disk_type and
 * added disks, power with guest waits, snapshots, deletes and faults. The
 * whole sequence is recorded, vcsim is stopped, and the sequence is replayed
 * from the bundle: every observation must come back identical, and the
 * bundle must hold neither the password nor the session cookie. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/providers.h"
#include "providers/prepare.h"
#include "providers/provider.h"
#include "providers/vim.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/log.h"
#include "vcsimpeer.h"

#define USER "mtv-tester"
#define PASSWORD "Canary-Vc-Pw-9f2e!"

static const char WORLD[] =
    "{\"networks\": [\"mtv-net-a\", \"mtv-net-b\"],"
    " \"vms\": ["
    "  {\"name\": \"mtv-tests-rhel8\", \"cpus\": 4, \"cores_per_socket\": 2, \"memory_mb\": 2048,"
    "   \"guest_id\": \"rhel7_64Guest\", \"firmware\": \"efi\", \"secure_boot\": true, \"power\": \"on\","
    "   \"disks\": [{\"size_gb\": 1}],"
    "   \"nics\": [{\"network\": \"mtv-net-a\", \"mac\": \"00:50:56:aa:00:01\", \"ip\": \"192.0.2.10\","
    "              \"prefix\": 26, \"origin\": \"manual\", \"gateway\": \"192.0.2.1\"}]},"
    "  {\"name\": \"mtv-win2019-3disks\", \"cpus\": 2, \"memory_mb\": 4096,"
    "   \"guest_id\": \"windows9Server64Guest\", \"power\": \"off\","
    "   \"disks\": [{\"size_gb\": 1}, {\"size_gb\": 2, \"thin\": false}, {\"size_gb\": 3}],"
    "   \"nics\": [{\"network\": \"mtv-net-a\", \"mac\": \"00:50:56:aa:00:02\"},"
    "              {\"network\": \"mtv-net-b\", \"mac\": \"00:50:56:aa:00:03\"}]},"
    "  {\"name\": \"rhel8-template\", \"cpus\": 1, \"memory_mb\": 512, \"template\": true,"
    "   \"power\": \"off\", \"disks\": [{\"size_gb\": 1}],"
    "   \"nics\": [{\"network\": \"VM Network\", \"mac\": \"00:50:56:aa:00:04\"}]}]}";

static const char *providers_file_for(const char *dir, const char *url, const char *extra)
{
    char text[4096];
    snprintf(text, sizeof text,
             "{\"vc\": {\"type\": \"vsphere\", \"version\": \"6.5\", \"fqdn\": \"127.0.0.1\","
             " \"api_url\": \"%s\", \"username\": \"" USER "\", \"password\": \"" PASSWORD "\"%s}}",
             url, extra ? extra : "");
    return tu_write(dir, "providers.json", text);
}

static void on_created(void *ud, const char *type, const char *kind, const char *id,
                       const char *name)
{
    sb_addf(ud, "created %s %s %s %s\n", type, kind, id, name ? name : "-");
}

static void note_err(strbuf *log, const char *what, int rc, const mtv_err *err)
{
    sb_addf(log, "%s rc=%d%s%s\n", what, rc, rc ? " " : "", rc ? err->msg : "");
}

static void note_record(strbuf *log, const vm_record *r)
{
    cJSON *j = vm_record_to_json(r);
    char *text = cJSON_PrintUnformatted(j);
    sb_addf(log, "record %s\n", text);
    free(text);
    cJSON_Delete(j);
}

typedef struct run {
    transport *t;
    source_provider *p;
    strbuf log;
} run;

static int info(run *r, const char *vm, vm_record *out)
{
    mtv_err err;
    int rc = source_vm_info(r->p, vm, out, &err);
    if (rc) {
        note_err(&r->log, vm, rc, &err);
        cr_log_info("%s: %s", vm, err.msg);
    } else
        note_record(&r->log, out);
    return rc;
}

/* Reads a property of the clone straight through vim (what the record does
 * not carry). */
static char *raw_prop(transport *t, const char *url, const char *vm_id, const char *path)
{
    vim_client c;
    vim_config cfg = {.url = url, .username = USER, .password = PASSWORD};
    mtv_err err;
    cr_assert_eq(vim_connect(&c, t, &cfg, &err), 0, "%s", err.msg);
    const char *paths[] = {path, NULL};
    vim_spec spec;
    vim_spec_init(&spec);
    vim_spec_props(&spec, "VirtualMachine", paths);
    vim_spec_obj(&spec, "VirtualMachine", vm_id);
    vim_objset set;
    cr_assert_eq(vim_retrieve(&c, &spec, &set, &err), 0, "%s", err.msg);
    char *v = vim_obj_str(vim_objset_get(&set, "VirtualMachine", vm_id), path);
    vim_objset_free(&set);
    vim_spec_free(&spec);
    vim_close(&c);
    return v;
}

static void scenario(run *r, const char *providers_path)
{
    providers_file pf;
    const provider_entry *entry;
    mtv_err err;
    cr_assert_eq(providers_open(&pf, providers_path, "vc", log_secrets(), &entry, &err), 0, "%s",
                 err.msg);
    source_config cfg = {.t = r->t, .entry = entry, .file = &pf, .poll_ms = 100,
                         .on_created = on_created, .created_ud = &r->log};
    cr_assert_eq(source_open(&r->p, &cfg, &err), 0, "%s", err.msg);

    vm_record rhel, win, rec;
    cr_assert_eq(info(r, "mtv-tests-rhel8", &rhel), 0);
    cr_assert_eq(info(r, "mtv-win2019-3disks", &win), 0);
    source_network *nets;
    size_t nnets;
    cr_assert_eq(source_networks(r->p, "mtv-win2019-3disks", &nets, &nnets, &err), 0, "%s", err.msg);
    sb_addf(&r->log, "networks %zu %s %s\n", nnets, nets[0].name, nnets > 1 ? nets[1].name : "-");
    source_networks_free(nets, nnets);
    cr_assert_eq(info(r, "mtv-tests-rhel9", &rec), -1);

    /* one clone per disk_type; the thick-eager one also gets CBT, another
     * datastore (by name) and an added disk in a folder of its own */
    clone_disk add_a = {.size_gb = 1};
    clone_disk add_c = {.size_gb = 2, .provision_type = "thick-lazy", .disk_mode = "persistent",
                        .datastore_path = "mtv-extra"};
    const struct { const char *type; clone_options o; } kinds[] = {
        {"thin", {.disk_type = "thin", .add_disks = &add_a, .nadd_disks = 1}},
        {"thick-lazy", {.disk_type = "thick-lazy"}},
        {"thick-eager", {.disk_type = "thick-eager", .add_disks = &add_c, .nadd_disks = 1,
                         .enable_cbt = 1, .target_datastore_id = "LocalDS_1"}},
    };
    strbuf names[4] = {STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT};
    strbuf ids[4] = {STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT};
    int rc;
    for (int i = 0; i < 3; i++) {
        source_clone_name(r->t, "auto-vs", "mtv-tests-rhel8", &names[i]);
        rc = source_clone(r->p, "mtv-tests-rhel8", names[i].buf, &kinds[i].o, &ids[i], &err);
        note_err(&r->log, kinds[i].type, rc, &err);
        cr_assert_eq(rc, 0, "%s: %s", kinds[i].type, err.msg);
        cr_assert_eq(info(r, names[i].buf, &rec), 0);
        cr_assert_eq(rec.ndisks, 1 + kinds[i].o.nadd_disks, "%s", kinds[i].type);
        cr_assert_eq(rec.nnics, 1);
        cr_assert_str_neq(rec.nics[0].mac, rhel.nics[0].mac, "a clone gets a new MAC");
        cr_assert_str_eq(rec.nics[0].network_name, "mtv-net-a");
        vm_record_free(&rec);
    }
    /* a clone placed on another host than its source's lands there */
    const char *other = strcmp(rhel.host, "DC0_C0_H1") ? "DC0_C0_H1" : "DC0_C0_H2";
    strbuf placed = STRBUF_INIT, placed_id = STRBUF_INIT;
    source_clone_name(r->t, "auto-vs", "mtv-tests-rhel8", &placed);
    clone_options on_host = {.target_host = other};
    rc = source_clone(r->p, "mtv-tests-rhel8", placed.buf, &on_host, &placed_id, &err);
    note_err(&r->log, "relocate-host", rc, &err);
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_assert_eq(info(r, placed.buf, &rec), 0);
    cr_assert_str_eq(rec.host, other, "the clone runs on the host asked for, not on %s", rhel.host);
    vm_record_free(&rec);
    cr_assert_eq(source_delete(r->p, SOURCE_KIND_VM, placed_id.buf, placed.buf, &err), 0, "%s",
                 err.msg);
    sb_release(&placed);
    sb_release(&placed_id);

    char *cbt = raw_prop(r->t, r->p->url, ids[2].buf, "config.changeTrackingEnabled");
    sb_addf(&r->log, "cbt %s\n", cbt ? cbt : "-");
    cr_assert_str_eq(cbt, "true");
    free(cbt);

    /* a template has no resource pool: the clone takes its host's */
    source_clone_name(r->t, "auto-vs", "rhel8-template", &names[3]);
    rc = source_clone(r->p, "rhel8-template", names[3].buf, NULL, &ids[3], &err);
    note_err(&r->log, "from-template", rc, &err);
    cr_assert_eq(rc, 0, "%s", err.msg);

    /* power with guest waits */
    rc = source_power(r->p, names[0].buf, VM_POWER_ON, 60000, &err);
    note_err(&r->log, "power-on", rc, &err);
    cr_assert_eq(rc, 0, "%s", err.msg);
    rc = source_wait_guest(r->p, names[0].buf, 30000, &err);
    note_err(&r->log, "guest", rc, &err);
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_assert_eq(info(r, names[0].buf, &rec), 0);
    cr_assert_eq(rec.power, VM_POWER_ON);
    cr_assert_eq(rec.guest_agent_running, 1);
    cr_assert_eq(rec.nics[0].nips, 1);
    cr_assert_str_eq(rec.nics[0].ips[0].gateway, "192.0.2.1");
    vm_record_free(&rec);
    rc = source_power(r->p, names[0].buf, VM_POWER_ON, 60000, &err);
    note_err(&r->log, "power-on-again", rc, &err);
    cr_assert_eq(rc, 0, "already on is fine");
    rc = source_power(r->p, names[0].buf, VM_POWER_OFF, 60000, &err);
    note_err(&r->log, "power-off", rc, &err);
    cr_assert_eq(info(r, names[0].buf, &rec), 0);
    cr_assert_eq(rec.power, VM_POWER_OFF);
    cr_assert_eq(rec.guest_agent_running, 0);
    vm_record_free(&rec);
    rc = source_wait_guest(r->p, names[0].buf, 30000, &err);
    note_err(&r->log, "guest-of-off-vm", rc, &err);
    cr_assert_eq(rc, -1);
    cr_assert(strstr(err.msg, "not powered on"), "%s", err.msg);

    /* snapshots */
    strbuf s1 = STRBUF_INIT, s2 = STRBUF_INIT;
    cr_assert_eq(source_snapshot_create(r->p, names[0].buf, "s1", "first", &s1, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(source_snapshot_create(r->p, names[0].buf, "s2", NULL, &s2, &err), 0, "%s",
                 err.msg);
    vm_snapshot *snaps;
    size_t nsnaps;
    cr_assert_eq(source_snapshot_list(r->p, names[0].buf, &snaps, &nsnaps, &err), 0, "%s", err.msg);
    cr_assert_eq(nsnaps, 2);
    cr_assert_str_eq(snaps[0].name, "s1");
    cr_assert_str_eq(snaps[0].description, "first");
    cr_assert_str_eq(snaps[1].ref, s2.buf);
    source_snapshots_free(snaps, nsnaps);
    rc = source_delete(r->p, SOURCE_KIND_SNAPSHOT, s2.buf, "s2", &err);
    note_err(&r->log, "delete-snapshot", rc, &err);
    cr_assert_eq(rc, 0, "%s", err.msg);
    rc = source_delete(r->p, SOURCE_KIND_SNAPSHOT, s2.buf, "s2", &err);
    note_err(&r->log, "delete-snapshot-again", rc, &err);
    cr_assert_eq(rc, 0, "a snapshot already gone is not an error");
    cr_assert_eq(source_snapshot_list(r->p, names[0].buf, &snaps, &nsnaps, &err), 0);
    cr_assert_eq(nsnaps, 1);
    source_snapshots_free(snaps, nsnaps);

    /* faults */
    rc = source_power(r->p, "rhel8-template", VM_POWER_ON, 60000, &err);
    note_err(&r->log, "power-template", rc, &err);
    cr_assert_eq(rc, -1);
    cr_assert(strstr(err.msg, "InvalidState"), "%s", err.msg);
    cr_assert(strstr(err.msg, "vsphere provider 'vc': powering VM 'rhel8-template' on"), "%s",
              err.msg);

    /* deletes: a powered-on clone is powered off first; repeats succeed */
    cr_assert_eq(source_power(r->p, names[1].buf, VM_POWER_ON, 60000, &err), 0, "%s", err.msg);
    for (int i = 0; i < 4; i++) {
        rc = source_delete(r->p, SOURCE_KIND_VM, ids[i].buf, names[i].buf, &err);
        note_err(&r->log, "delete", rc, &err);
        cr_assert_eq(rc, 0, "%s", err.msg);
    }
    rc = source_delete(r->p, SOURCE_KIND_VM, ids[1].buf, names[1].buf, &err);
    note_err(&r->log, "delete-again", rc, &err);
    cr_assert_eq(rc, 0);
    cr_assert_eq(info(r, names[1].buf, &rec), -1, "the clone is gone");

    /* the runner's prepare step on a scenario's params */
    cJSON *params = cJSON_Parse(
        "{\"virtual_machines\": [{\"name\": \"mtv-tests-rhel8\", \"source_vm_power\": \"on\","
        "   \"target_esxi_host\": \"DC0_C0_H2\","
        "   \"guest_agent\": true, \"add_nic\": true, \"add_nic_start_connected\": false,"
        "   \"disk_type\": \"thin\", \"add_disks\": [{\"size_gb\": 1}]},"
        "  {\"name\": \"mtv-win2019-3disks\", \"source_vm_power\": \"off\"}],"
        " \"warm_migration\": true, \"guest_agent_timeout\": 30, \"clone_to_same_host\": true}");
    prepare_options po = {.params = params, .name_prefix = "auto-prep"};
    prepared_vm *pvs;
    size_t npv;
    rc = source_prepare(r->p, &po, &pvs, &npv, &err);
    note_err(&r->log, "prepare", rc, &err);
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_assert_eq(npv, 2);
    cr_assert(pvs[0].cloned);
    cr_assert(strncmp(pvs[0].name, "auto-prep-mtv-tests-rhel8-", 26) == 0, "%s", pvs[0].name);
    cr_assert_eq(pvs[0].record.power, VM_POWER_ON);
    cr_assert_eq(pvs[0].record.guest_agent_running, 1);
    cr_assert_eq(pvs[0].record.nnics, 2, "the added NIC");
    cr_assert_eq(pvs[0].record.ndisks, 2, "the added disk");
    cr_assert_eq(pvs[0].record.nics[1].start_connected, 0);
    cr_assert_str_eq(pvs[0].disconnected_nic_mac, pvs[0].record.nics[1].mac);
    cr_assert_eq(pvs[1].record.power, VM_POWER_OFF);
    /* clone_to_same_host: the second clone joins the first on its host, not
     * its own source's */
    cr_assert_str_eq(pvs[0].record.host, "DC0_C0_H2");
    cr_assert_str_eq(pvs[1].record.host, pvs[0].record.host);
    cr_assert_str_neq(win.host, "DC0_C0_H2", "the second source is elsewhere");
    cr_assert_eq(pvs[1].record.ndisks, 3);
    note_record(&r->log, &pvs[0].record);
    for (size_t i = 0; i < npv; i++)
        cr_assert_eq(source_delete(r->p, SOURCE_KIND_VM, pvs[i].id, pvs[i].name, &err), 0, "%s",
                     err.msg);
    source_prepare_free(pvs, npv);
    cJSON_Delete(params);

    for (int i = 0; i < 4; i++) {
        sb_release(&names[i]);
        sb_release(&ids[i]);
    }
    sb_release(&s1);
    sb_release(&s2);
    vm_record_free(&rhel);
    vm_record_free(&win);
    source_close(r->p);
    providers_file_free(&pf);
}

Test(vsphere_vcsim, sequence_recorded_then_replayed_without_vcsim, .timeout = 240)
{
    static const char *const args[] = {"-user", USER, "-pass", PASSWORD, "-ds", "2", "-auto-guest",
                                       NULL};
    tu_vcsim v;
    tu_vcsim_start(&v, WORLD, args);
    const char *dir = tu_tmpdir();
    const char *providers = providers_file_for(dir, v.url, NULL);
    strbuf journal = STRBUF_INIT, bundle = STRBUF_INIT;
    fs_join(&journal, dir, "journal.ndjson");
    fs_join(&bundle, dir, "vsphere.tar");
    transport_config rc_cfg = {.mode = TRANSPORT_RECORD, .journal_path = journal.buf,
                               .scenario = "vsphere-adapter"};
    run live = {0}, again = {0};
    mtv_err err;
    cr_assert_eq(transport_open(&live.t, &rc_cfg, &err), 0, "%s", err.msg);
    scenario(&live, providers);
    cr_assert_eq(transport_finish(live.t, bundle.buf, NULL, &err), 0, "%s", err.msg);
    transport_free(live.t);
    tu_vcsim_stop(&v);

    const char *log = live.log.buf;
    cr_assert(strstr(log, "\"name\":\"mtv-tests-rhel8\""), "%s", log);
    cr_assert(strstr(log, "\"cpu\":{\"num_cores\":2,\"num_sockets\":2}"), "%s", log);
    cr_assert(strstr(log, "\"memory_in_mb\":2048"), "%s", log);
    cr_assert(strstr(log, "\"firmware\":{\"boot_firmware\":\"efi\",\"secure_boot\":true,"
                          "\"tpm_present\":false}"), "%s", log);
    cr_assert(strstr(log, "\"macAddress\":\"00:50:56:aa:00:01\",\"network\":{\"name\":\"mtv-net-a\""),
              "%s", log);
    cr_assert(strstr(log, "{\"ip_address\":\"192.0.2.10\",\"subnet_mask\":26,\"gateway\":\"192.0.2.1\","
                          "\"ip_origin\":\"manual\",\"is_static_ip\":true}"), "%s", log);
    cr_assert(strstr(log, "\"guest_agent_running\":true,\"win_os\":false"), "%s", log);
    cr_assert(strstr(log, "\"guest_agent_running\":false,\"win_os\":true"), "the Windows VM: %s", log);
    cr_assert(strstr(log, "\"size_in_kb\":2097152,\"storage\":{\"name\":\"LocalDS_0\""), "%s", log);
    cr_assert(strstr(log, "\"provision_type\":\"thick-lazy\""), "%s", log);
    cr_assert(strstr(log, "networks 2 mtv-net-a mtv-net-b"), "%s", log);
    cr_assert(strstr(log, "has no VirtualMachine named 'mtv-tests-rhel9' (did you mean "
                          "'mtv-tests-rhel8'?)"), "%s", log);
    cr_assert(strstr(log, "created vsphere vm vm-"), "clones reach the ledger: %s", log);
    cr_assert(strstr(log, "created vsphere snapshot snapshot-"), "%s", log);
    cr_assert(strstr(log, "cbt true"), "%s", log);

    transport_config rp_cfg = {.mode = TRANSPORT_REPLAY, .cassette_path = bundle.buf};
    cr_assert_eq(transport_open(&again.t, &rp_cfg, &err), 0, "%s", err.msg);
    scenario(&again, providers);
    strbuf unused = STRBUF_INIT;
    cr_assert_eq(transport_unused(again.t, &unused), 0, "unused: %s", sb_str(&unused));
    transport_free(again.t);
    cr_assert_str_eq(again.log.buf, live.log.buf, "replay observes what the live run did");

    size_t n;
    char *bytes = tu_read(bundle.buf, &n);
    cr_assert_not_null(bytes);
    cr_assert_not(tu_contains(bytes, n, PASSWORD), "the password is not in the bundle");
    cr_assert(tu_contains(bytes, n, "vmware_soap_session=<redacted:"), "the cookie is redacted");
    free(bytes);
    sb_release(&unused);
    sb_release(&journal);
    sb_release(&bundle);
    sb_release(&live.log);
    sb_release(&again.log);
}

/* A standalone ESXi host served over TLS with our own certificate: TLS is
 * verified by default (an unknown CA fails, the right CA file passes, and
 * skipping verification is an explicit choice), a wrong password is a clear
 * InvalidLogin, and an ESXi endpoint refuses to clone without a vCenter to
 * clone through. */
Test(vsphere_vcsim, esxi_over_tls, .timeout = 120)
{
    const char *dir = tu_tmpdir();
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
             "-keyout key.pem -out cert.pem -days 1 -subj /CN=127.0.0.1 "
             "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1", dir);
    if (system(cmd) != 0)
        cr_skip_test("the openssl command is not available to make a certificate");
    strbuf cert = STRBUF_INIT, key = STRBUF_INIT;
    fs_join(&cert, dir, "cert.pem");
    fs_join(&key, dir, "key.pem");
    const char *args[] = {"-esx", "-user", USER, "-pass", PASSWORD, "-tls-cert", cert.buf,
                          "-tls-key", key.buf, NULL};
    tu_vcsim v;
    tu_vcsim_start(&v, "{\"vms\": [{\"name\": \"esx-vm\", \"cpus\": 2, \"memory_mb\": 1024,"
                       " \"power\": \"on\", \"disks\": [{\"size_gb\": 1}],"
                       " \"nics\": [{\"mac\": \"00:50:56:aa:20:01\", \"ip\": \"192.0.2.20\"}]}]}",
                   args);
    cr_assert(strncmp(v.url, "https://", 8) == 0, "%s", v.url);
    const char *providers = providers_file_for(dir, v.url, ", \"endpoint_type\": \"esxi\"");
    providers_file pf;
    const provider_entry *entry;
    mtv_err err;
    cr_assert_eq(providers_open(&pf, providers, "vc", log_secrets(), &entry, &err), 0, "%s",
                 err.msg);
    transport *t;
    transport_config tc = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(&t, &tc, &err), 0);
    source_config cfg = {.t = t, .entry = entry, .file = &pf, .poll_ms = 50};
    source_provider *p;

    cr_assert_eq(source_open(&p, &cfg, &err), -1, "our CA is not trusted by default");
    cr_assert_eq(err.exit_code, MTV_EXIT_ENV);
    cr_assert(strcasestr(err.msg, "certificate") || strcasestr(err.msg, "SSL"), "%s", err.msg);

    cfg.ca_file = cert.buf;
    cr_assert_eq(source_open(&p, &cfg, &err), 0, "%s", err.msg);
    vm_record r;
    cr_assert_eq(source_vm_info(p, "esx-vm", &r, &err), 0, "%s", err.msg);
    cr_assert_eq(r.cpu_sockets, 2);
    cr_assert_eq(r.memory_mb, 1024);
    cr_assert_str_eq(r.nics[0].mac, "00:50:56:aa:20:01");
    cr_assert_str_eq(r.nics[0].network_name, "VM Network");
    vm_record_free(&r);
    strbuf id = STRBUF_INIT;
    cr_assert_eq(source_clone(p, "esx-vm", "esx-vm-clone", NULL, &id, &err), -1);
    cr_assert(strstr(err.msg, "is an ESXi host, and ESXi cannot clone VMs"), "%s", err.msg);
    cr_assert(strstr(err.msg, "set \"clone_provider\" in entry 'vc'"), "%s", err.msg);
    cr_assert_eq(source_power(p, "esx-vm", VM_POWER_OFF, 30000, &err), 0, "%s", err.msg);
    source_close(p);

    cfg.ca_file = NULL;
    cfg.insecure = 1;
    cr_assert_eq(source_open(&p, &cfg, &err), 0, "explicitly insecure: %s", err.msg);
    source_close(p);
    providers_file_free(&pf);

    providers = providers_file_for(dir, v.url, NULL);
    char *text = tu_read(providers, NULL);
    char *pw = strstr(text, PASSWORD);
    memcpy(pw, "Wrong", 5);
    providers = tu_write(dir, "wrong.json", text);
    free(text);
    cr_assert_eq(providers_open(&pf, providers, "vc", log_secrets(), &entry, &err), 0);
    cfg.entry = entry;
    cfg.file = &pf;
    cr_assert_eq(source_open(&p, &cfg, &err), -1);
    cr_assert(strstr(err.msg, "logging in to vSphere as '" USER "'"), "%s", err.msg);
    cr_assert(strstr(err.msg, "wrong user name or password (InvalidLogin)"), "%s", err.msg);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    providers_file_free(&pf);
    transport_free(t);
    tu_vcsim_stop(&v);
    sb_release(&cert);
    sb_release(&key);
    sb_release(&id);
}

/* An ESXi entry with clone_provider: clones go through the named vCenter
 * entry (a second vcsim standing in for the vCenter that manages the host;
 * the two simulators share no inventory, so where the clone lands tells
 * which session made it), the adapter drives its clones through that
 * vCenter, and a fresh adapter on the ESXi entry (a teardown or a later
 * cleanup) deletes them there. Without the providers file the clone provider
 * cannot be found, and the error says so. */
/* No .timeout: Criterion's timeout bookkeeping leaks (LeakSanitizer) when
 * two timed tests running simulators overlap; every wait here is bounded. */
Test(vsphere_vcsim, esxi_clones_through_its_clone_provider)
{
    static const char *const vc_args[] = {"-user", USER, "-pass", PASSWORD, "-auto-guest", NULL};
    static const char *const esx_args[] = {"-esx", "-user", USER, "-pass", PASSWORD, NULL};
    static const char VM[] = "{\"vms\": [{\"name\": \"mtv-tests-rhel8\", \"cpus\": 2, \"memory_mb\": 1024,"
                             " \"power\": \"off\", \"disks\": [{\"size_gb\": 1}],"
                             " \"nics\": [{\"mac\": \"00:50:56:aa:30:01\", \"ip\": \"192.0.2.30\"}]}]}";
    tu_vcsim vc, esx;
    tu_vcsim_start(&vc, VM, vc_args);
    tu_vcsim_start(&esx, VM, esx_args);
    const char *dir = tu_tmpdir();
    char text[4096];
    snprintf(text, sizeof text,
             "{\"esx\": {\"type\": \"vsphere\", \"version\": \"7.0\", \"fqdn\": \"127.0.0.1\","
             "  \"api_url\": \"%s\", \"username\": \"" USER "\", \"password\": \"" PASSWORD "\","
             "  \"endpoint_type\": \"esxi\", \"clone_provider\": \"vc\"},"
             " \"vc\": {\"type\": \"vsphere\", \"version\": \"7.0\", \"fqdn\": \"127.0.0.1\","
             "  \"api_url\": \"%s\", \"username\": \"" USER "\", \"password\": \"" PASSWORD "\"}}",
             esx.url, vc.url);
    const char *path = tu_write(dir, "providers.json", text);
    providers_file pf;
    const provider_entry *entry, *vc_entry;
    mtv_err err;
    cr_assert_eq(providers_open(&pf, path, "esx", log_secrets(), &entry, &err), 0, "%s", err.msg);
    vc_entry = providers_get(&pf, "vc", &err);
    cr_assert_not_null(vc_entry);
    transport *t;
    transport_config tc = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(&t, &tc, &err), 0);
    strbuf created = STRBUF_INIT, id = STRBUF_INIT, id2 = STRBUF_INIT;
    source_config cfg = {.t = t, .entry = entry, .poll_ms = 50, .on_created = on_created,
                         .created_ud = &created};
    source_provider *p, *p2, *on_vc;

    /* what `run` did before it passed the providers file */
    cr_assert_eq(source_open(&p, &cfg, &err), 0, "%s", err.msg);
    cr_assert_eq(source_clone(p, "mtv-tests-rhel8", "esx-clone-0", NULL, &id, &err), -1);
    cr_assert(strstr(err.msg, "clone_provider 'vc' needs the providers file"), "%s", err.msg);
    source_close(p);

    cfg.file = &pf;
    cr_assert_eq(source_open(&p, &cfg, &err), 0, "%s", err.msg);
    cr_assert_eq(source_clone(p, "mtv-tests-rhel8", "esx-clone-1", NULL, &id, &err), 0, "%s",
                 err.msg);
    cr_assert(strstr(created.buf, "created vsphere vm "), "the clone reaches the ledger: %s",
              created.buf);
    cr_assert(strstr(created.buf, id.buf), "%s", created.buf);
    /* driven through the vCenter that made it */
    cr_assert_eq(source_power(p, "esx-clone-1", VM_POWER_ON, 60000, &err), 0, "%s", err.msg);
    cr_assert_eq(source_wait_guest(p, "esx-clone-1", 30000, &err), 0, "%s", err.msg);
    vm_record rec;
    cr_assert_eq(source_vm_info(p, "esx-clone-1", &rec, &err), 0, "%s", err.msg);
    cr_assert_eq(rec.power, VM_POWER_ON);
    cr_assert_eq(rec.memory_mb, 1024);
    vm_record_free(&rec);

    source_config vcc = {.t = t, .entry = vc_entry, .file = &pf, .poll_ms = 50};
    cr_assert_eq(source_open(&on_vc, &vcc, &err), 0, "%s", err.msg);
    cr_assert_eq(source_vm_info(on_vc, "esx-clone-1", &rec, &err), 0, "the clone is on the vCenter: %s",
                 err.msg);
    vm_record_free(&rec);
    cr_assert_eq(source_open(&p2, &cfg, &err), 0, "%s", err.msg);
    cr_assert_eq(source_vm_info(p2, "esx-clone-1", &rec, &err), -1,
                 "the host's own simulator never saw a CloneVM_Task");

    /* a second clone, deleted by a fresh adapter on the ESXi entry */
    cr_assert_eq(source_clone(p, "mtv-tests-rhel8", "esx-clone-2", NULL, &id2, &err), 0, "%s",
                 err.msg);
    source_close(p);
    cr_assert_eq(source_delete(p2, SOURCE_KIND_VM, id.buf, "esx-clone-1", &err), 0, "%s", err.msg);
    cr_assert_eq(source_delete(p2, SOURCE_KIND_VM, id2.buf, "esx-clone-2", &err), 0, "%s", err.msg);
    cr_assert_eq(source_vm_info(on_vc, "esx-clone-1", &rec, &err), -1, "deleted on the vCenter");
    cr_assert_eq(source_vm_info(on_vc, "esx-clone-2", &rec, &err), -1, "deleted on the vCenter");
    cr_assert_eq(source_vm_info(on_vc, "mtv-tests-rhel8", &rec, &err), 0, "the source stays");
    vm_record_free(&rec);
    source_close(p2);
    source_close(on_vc);

    providers_file_free(&pf);
    transport_free(t);
    tu_vcsim_stop(&esx);
    tu_vcsim_stop(&vc);
    sb_release(&created);
    sb_release(&id);
    sb_release(&id2);
}
