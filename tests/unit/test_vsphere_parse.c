/* The vSphere response parser and record conversion against recorded
 * responses nobody on this project wrote: real vCenter answers
 * (provider-samples/vsphere) and vcsim answers (vcsim-samples). Each
 * normalised record is asserted field by field, and every fault sample must
 * become a sentence naming what went wrong. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "providers/pxml.h"
#include "providers/vim.h"
#include "providers/vsphere.h"
#include "providers/vsphere_clone.h"
#include "testutil.h"

static char *sample(const char *rel, size_t *n)
{
    tu_require_shared();
    char *text = tu_read(tu_shared(rel), n);
    cr_assert_not_null(text, "missing sample %s", rel);
    return text;
}

/* Parses a RetrievePropertiesEx-style sample and adds it to set. */
static void take(vim_objset *set, const char *rel, const char *op)
{
    size_t n;
    char *text = sample(rel, &n);
    xmlDoc *doc;
    xmlNode *resp;
    mtv_err err;
    cr_assert_eq(vim_parse_response(op, 200, text, n, &doc, &resp, NULL, &err), 0, "%s: %s", rel,
                 err.msg);
    vim_objset_take(set, doc, resp, NULL);
    free(text);
}

static int fault_of(const char *rel, const char *op, long status, char *type, mtv_err *err)
{
    size_t n;
    char *text = sample(rel, &n);
    xmlDoc *doc = NULL;
    xmlNode *resp;
    int rc = vim_parse_response(op, status, text, n, &doc, &resp, type, err);
    if (doc)
        xmlFreeDoc(doc);
    free(text);
    return rc;
}

#define PS "reference/provider-samples/vsphere/"
#define VS "reference/vcsim-samples/"

Test(vsphere_parse, vcenter_67_appliance_vm_field_by_field)
{
    vim_objset set = {0};
    take(&set, PS "RetrievePropertiesEx.vm-22.config.xml", "RetrievePropertiesEx");
    take(&set, PS "RetrievePropertiesEx.vm-22.guest.xml", "RetrievePropertiesEx");
    take(&set, PS "RetrievePropertiesEx.vm-22.runtime.xml", "RetrievePropertiesEx");
    take(&set, PS "RetrievePropertiesEx.vm-22.summary.xml", "RetrievePropertiesEx");
    cr_assert_eq(set.count, 1, "four answers about one VM merge into one object");
    const vim_obj *vm = vim_objset_get(&set, "VirtualMachine", "vm-22");
    cr_assert_not_null(vm);
    vm_record r;
    vm_record_init(&r);
    vsphere_record_from(vm, NULL, &r);
    cr_assert_str_eq(r.id, "vm-22");
    cr_assert_str_eq(r.name, "VMware vCenter Server Appliance");
    cr_assert_str_eq(r.uuid, "564d69ec-9d48-1456-bab8-37a28bea2a63");
    cr_assert_str_eq(r.provider_type, "vsphere");
    cr_assert_eq(r.power, VM_POWER_ON);
    cr_assert_eq(r.cpu_cores, 1);
    cr_assert_eq(r.cpu_sockets, 2);
    cr_assert_eq(r.memory_mb, 10240);
    cr_assert_str_eq(r.boot_firmware, "bios");
    cr_assert_eq(r.secure_boot, 0);
    cr_assert_eq(r.tpm_present, 0);
    cr_assert_str_eq(r.guest_os, "other3xLinux64Guest");
    cr_assert_eq(r.win_os, 0);
    cr_assert_eq(r.guest_agent_running, 1, "toolsRunningStatus guestToolsRunning, powered on");
    cr_assert_eq(r.is_template, 0);
    cr_assert_eq(r.ndisks, 13);
    const vm_disk *d = &r.disks[0];
    cr_assert_str_eq(d->name, "Hard disk 1");
    cr_assert_eq(d->size_kb, 12582912);
    cr_assert_str_eq(d->storage_name, "datastore1", "named from the file's [datastore]");
    cr_assert_str_eq(d->storage_id, "datastore-15");
    cr_assert_str_eq(d->device_key, "2000");
    cr_assert_eq(d->unit_number, 0);
    cr_assert_eq(d->controller_key, 1000);
    cr_assert_str_eq(d->provision_type, "thin");
    cr_assert_str_eq(d->disk_mode, "persistent");
    cr_assert_str_eq(d->file, "[datastore1] VMware vCenter Server Appliance/VMware vCenter Server "
                              "Appliance.vmdk");
    cr_assert_eq(r.nnics, 1);
    const vm_nic *nic = &r.nics[0];
    cr_assert_str_eq(nic->name, "Network adapter 1");
    cr_assert_str_eq(nic->mac, "00:0c:29:ea:2a:63");
    cr_assert_str_eq(nic->network_name, "VM Network");
    cr_assert_str_eq(nic->network_id, "network-16");
    cr_assert_str_eq(nic->device_key, "4000");
    cr_assert_eq(nic->connected, 1);
    cr_assert_eq(nic->nips, 1);
    cr_assert_str_eq(nic->ips[0].ip, "10.0.0.4");
    cr_assert_eq(nic->ips[0].prefix, 16);
    cr_assert_str_eq(nic->ips[0].gateway, "10.0.0.1", "default route of device 0");
    cr_assert_null(nic->ips[0].origin, "this vCenter reports no origin");
    cr_assert_eq(r.nsnapshots, 0);
    vm_record_free(&r);
    vim_objset_free(&set);
}

Test(vsphere_parse, vcenter_55_box_with_two_cores_per_socket_and_delta_disk)
{
    vim_objset set = {0};
    take(&set, PS "RetrievePropertiesEx.vm-722.config.xml", "RetrievePropertiesEx");
    vm_record r;
    vm_record_init(&r);
    vsphere_record_from(vim_objset_get(&set, "VirtualMachine", "vm-722"), NULL, &r);
    cr_assert_str_eq(r.name, "box");
    cr_assert_str_eq(r.uuid, "420264ab-848b-1586-b589-b9bd3a71b3aa");
    cr_assert_eq(r.cpu_cores, 2);
    cr_assert_eq(r.cpu_sockets, 2, "numCPU 4 / 2 cores per socket");
    cr_assert_eq(r.memory_mb, 2048);
    cr_assert_str_eq(r.guest_os, "ubuntu64Guest");
    cr_assert_eq(r.power, VM_POWER_UNKNOWN, "runtime was not retrieved");
    cr_assert_eq(r.guest_agent_running, 0);
    cr_assert_eq(r.ndisks, 1);
    cr_assert_str_eq(r.disks[0].file, "[storage0] box/box-000001.vmdk", "the delta disk in use");
    cr_assert_str_eq(r.disks[0].storage_name, "storage0");
    cr_assert_str_eq(r.disks[0].storage_id, "datastore-21");
    cr_assert_eq(r.disks[0].size_kb, 16777216);
    cr_assert_eq(r.nnics, 1);
    cr_assert_str_eq(r.nics[0].mac, "00:50:56:82:28:7d");
    cr_assert_str_eq(r.nics[0].network_name, "VM Network");
    cr_assert_str_eq(r.nics[0].network_id, "network-22");
    cr_assert_eq(r.nics[0].nips, 0);
    vm_record_free(&r);
    vim_objset_free(&set);
}

Test(vsphere_parse, vcsim_devices_with_dv_portgroup_and_launcher_guest_data)
{
    vim_objset set = {0};
    /* 48 is the same model VM (DC0_C0_RP0_VM0) in an extended launcher run,
     * where it was vm-89: file it under vm-63 to join the two answers */
    take(&set, VS "48-RetrievePropertiesEx-guest-filled-by-launcher.resp.xml",
         "RetrievePropertiesEx");
    free(set.objs[0].value);
    set.objs[0].value = strdup("vm-63");
    take(&set, VS "10-RetrievePropertiesEx-vm-devices-summary.resp.xml", "RetrievePropertiesEx");
    cr_assert_eq(set.count, 1);
    vm_record r;
    vm_record_init(&r);
    vsphere_record_from(&set.objs[0], NULL, &r);
    cr_assert_str_eq(r.name, "DC0_C0_RP0_VM0");
    cr_assert_eq(r.power, VM_POWER_ON, "from summary.runtime");
    cr_assert_eq(r.guest_agent_running, 1);
    cr_assert_eq(r.ndisks, 1);
    cr_assert_str_eq(r.disks[0].device_key, "1345084660");
    cr_assert_eq(r.disks[0].size_kb, 1024);
    cr_assert_eq(r.disks[0].controller_key, 202);
    cr_assert_eq(r.disks[0].unit_number, 0);
    cr_assert_str_eq(r.disks[0].storage_name, "LocalDS_0");
    cr_assert_str_eq(r.disks[0].storage_id, "DSDIR@folder-5");
    cr_assert_eq(r.nnics, 1);
    const vm_nic *nic = &r.nics[0];
    cr_assert_str_eq(nic->mac, "00:0c:29:33:34:38");
    cr_assert_str_eq(nic->network_id, "dvportgroup-13");
    cr_assert_str_eq(nic->network_name, "DVS-dvportgroup-13", "upstream's fallback name");
    cr_assert_eq(nic->connected, 0);
    cr_assert_eq(nic->nips, 1, "the IPv6 link-local address is left out");
    cr_assert_str_eq(nic->ips[0].ip, "192.0.2.34");
    cr_assert_eq(nic->ips[0].prefix, 24);
    cr_assert_str_eq(nic->ips[0].origin, "dhcp");
    cr_assert_eq(nic->ips[0].is_static, 0);
    cr_assert_str_eq(nic->ips[0].gateway, "192.0.2.1");
    vm_record_free(&r);
    vim_objset_free(&set);
}

Test(vsphere_parse, names_from_a_lookup_replace_fallbacks)
{
    vim_objset set = {0}, names = {0};
    take(&set, VS "10-RetrievePropertiesEx-vm-devices-summary.resp.xml", "RetrievePropertiesEx");
    char **refs;
    size_t n = vsphere_referenced(&set.objs[0], &refs);
    cr_assert_eq(n, 2, "a datastore and a DV port group (no runtime.host was read)");
    cr_assert_str_eq(refs[0], "Datastore:DSDIR@folder-5");
    cr_assert_str_eq(refs[1], "DistributedVirtualPortgroup:dvportgroup-13");
    for (size_t i = 0; i < n; i++)
        free(refs[i]);
    free(refs);
    take(&names, VS "12-RetrievePropertiesEx-inventory.resp.xml", "RetrievePropertiesEx");
    vm_record r;
    vm_record_init(&r);
    vsphere_record_from(&set.objs[0], &names, &r);
    cr_assert_str_eq(r.nics[0].network_name, "DC0_DVPG0");
    vm_record_free(&r);
    vim_objset_free(&set);
    vim_objset_free(&names);
}

Test(vsphere_parse, snapshot_tree_is_flattened_parent_first)
{
    vim_objset set = {0};
    take(&set, VS "25-RetrievePropertiesEx-snapshot-tree.resp.xml", "RetrievePropertiesEx");
    vm_record r;
    vm_record_init(&r);
    vsphere_record_from(&set.objs[0], NULL, &r);
    cr_assert_eq(r.nsnapshots, 2);
    cr_assert_str_eq(r.snapshots[0].name, "pre-migration");
    cr_assert_str_eq(r.snapshots[0].id, "1");
    cr_assert_str_eq(r.snapshots[0].ref, "snapshot-76");
    cr_assert_str_eq(r.snapshots[0].description, "before warm migration");
    cr_assert_str_eq(r.snapshots[0].state, "poweredOn");
    cr_assert_str_eq(r.snapshots[0].create_time, "2026-11-27T20:55:16.761012548Z");
    cr_assert_str_eq(r.snapshots[1].name, "child");
    cr_assert_str_eq(r.snapshots[1].ref, "snapshot-78");
    vm_record_free(&r);
    vim_objset_free(&set);
}

Test(vsphere_parse, task_info_error_is_described)
{
    vim_objset set = {0};
    take(&set, VS "19-RetrievePropertiesEx-task-error-InvalidPowerState.resp.xml",
         "RetrievePropertiesEx");
    xmlNode *e = vim_obj_prop(&set.objs[0], "info.error");
    cr_assert_not_null(e);
    strbuf msg = STRBUF_INIT;
    char type[64];
    vim_fault_describe(px_child(e, "fault"), "*types.InvalidPowerState", &msg, type);
    cr_assert_str_eq(type, "InvalidPowerState");
    cr_assert(strstr(msg.buf, "the VM is poweredOn but the operation needs it poweredOn"), "%s",
              msg.buf);
    cr_assert_null(strstr(msg.buf, "*types"), "vcsim's Go type name adds nothing: %s", msg.buf);
    sb_release(&msg);
    vim_objset_free(&set);
}

Test(vsphere_parse, faults_become_sentences)
{
    mtv_err err;
    char type[64];
    cr_assert_eq(fault_of(PS "Fault.InvalidLogin.xml", "Login", 500, type, &err), -1);
    cr_assert_str_eq(type, "InvalidLogin");
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE, "wrong credentials are a configuration error");
    cr_assert(strstr(err.msg, "wrong user name or password"), "%s", err.msg);
    cr_assert(strstr(err.msg, "incorrect user name or password"), "vCenter's own text: %s", err.msg);

    cr_assert_eq(fault_of(VS "03-Login-InvalidLogin.resp.xml", "Login", 500, type, &err), -1);
    cr_assert_str_eq(type, "InvalidLogin");

    cr_assert_eq(fault_of(VS "27-RemoveSnapshot_Task-ManagedObjectNotFound.resp.xml",
                          "RemoveSnapshot_Task", 500, type, &err), -1);
    cr_assert_str_eq(type, "ManagedObjectNotFound");
    cr_assert(strstr(err.msg, "VirtualMachineSnapshot snapshot-78 does not exist"), "%s", err.msg);

    cr_assert_eq(fault_of(VS "35-RetrievePropertiesEx-ManagedObjectNotFound.resp.xml",
                          "RetrievePropertiesEx", 500, type, &err), -1);
    cr_assert_str_eq(type, "ManagedObjectNotFound");
    cr_assert(strstr(err.msg, "VirtualMachine vm-70 does not exist"), "%s", err.msg);

    cr_assert_eq(fault_of(VS "40-CreateContainerView-NotAuthenticated.resp.xml",
                          "CreateContainerView", 500, type, &err), -1);
    cr_assert_str_eq(type, "NotAuthenticated");
    cr_assert(strstr(err.msg, "not logged in"), "%s", err.msg);
    cr_assert(strstr(err.msg, "System.View"), "%s", err.msg);

    cr_assert_eq(fault_of(VS "37-RetrievePropertiesEx-InvalidArgument.resp.xml",
                          "RetrievePropertiesEx", 500, type, &err), -1);
    cr_assert(strstr(err.msg, "rejected 'undefined TraversalSpec name'"), "%s", err.msg);

    cr_assert_eq(fault_of(VS "41-unknown-method-InvalidRequest.resp.xml", "NoSuchMethod", 500, type,
                          &err), -1);
    cr_assert(strstr(err.msg, "does not support this request"), "%s", err.msg);

    cr_assert_eq(fault_of(VS "22-ShutdownGuest-InvalidPowerState.resp.xml", "ShutdownGuest", 500,
                          type, &err), -1);
    cr_assert_str_eq(type, "InvalidPowerState");
}

Test(vsphere_parse, bad_bodies_are_clear_errors)
{
    xmlDoc *doc;
    xmlNode *resp;
    mtv_err err;
    const char *html = "<html><head><title>Error</title></head><body>Unauthorized</body></html>";
    cr_assert_eq(vim_parse_response("Login", 401, html, strlen(html), &doc, &resp, NULL, &err), -1);
    cr_assert(strstr(err.msg, "HTTP 401 instead of a SOAP response"), "%s", err.msg);
    cr_assert(strstr(err.msg, "/sdk"), "hints at the URL: %s", err.msg);

    size_t n;
    char *text = sample(VS "09-RetrievePropertiesEx-vm-properties.resp.xml", &n);
    cr_assert_eq(vim_parse_response("RetrievePropertiesEx", 200, text, n / 2, &doc, &resp, NULL,
                                    &err), -1, "a truncated body");
    cr_assert(strstr(err.msg, "not well-formed XML (line"), "%s", err.msg);
    cr_assert_eq(vim_parse_response("RetrievePropertiesEx", 200, "", 0, &doc, &resp, NULL, &err),
                 -1);
    cr_assert(strstr(err.msg, "is empty"), "%s", err.msg);
    cr_assert_eq(vim_parse_response("Login", 200, text, n, &doc, &resp, NULL, &err), -1,
                 "a valid answer to another call");
    cr_assert(strstr(err.msg, "<RetrievePropertiesExResponse> where <LoginResponse> was expected"),
              "%s", err.msg);
    free(text);
}

Test(vsphere_parse, retrieve_properties_bare_objectcontents_and_missing_set)
{
    vim_objset set = {0};
    take(&set, PS "RetrieveProperties.missingSet-NotAuthenticated.xml", "RetrieveProperties");
    cr_assert_eq(set.count, 1);
    cr_assert_gt(set.objs[0].nmissing, 0);
    cr_assert_str_eq(set.objs[0].missing[0].fault, "NotAuthenticated");
    vim_objset_free(&set);
}

/* the clone spec for each disk_type, on vcsim's model VM */
Test(vsphere_parse, clone_spec_per_disk_type_added_disk_and_cbt)
{
    vim_objset set = {0};
    take(&set, VS "10-RetrievePropertiesEx-vm-devices-summary.resp.xml", "RetrievePropertiesEx");
    const vim_obj *src = &set.objs[0];
    static const struct { const char *type, *transform, *thin, *eager; } cases[] = {
        {"thin", "sparse", "true", "false"},
        {"thick-lazy", "flat", "false", "false"},
        {"thick-eager", "flat", "false", "true"},
    };
    for (size_t i = 0; i < 3; i++) {
        clone_disk add = {.size_gb = 2, .provision_type = "thick-eager",
                          .disk_mode = "independent_persistent"};
        clone_options o = {.disk_type = cases[i].type, .add_disks = &add, .nadd_disks = 1,
                           .enable_cbt = 1};
        strbuf args = STRBUF_INIT, want = STRBUF_INIT;
        mtv_err err;
        cr_assert_eq(vsphere_clone_spec(src, "clone-1", &o, "folder-3", "ds-1", "resgroup-26",
                                        NULL, NULL, &args, &err), 0, "%s", err.msg);
        sb_addf(&want, "<transform>%s</transform>", cases[i].transform);
        cr_assert(strstr(args.buf, want.buf), "%s: %s", cases[i].type, args.buf);
        sb_reset(&want);
        sb_addf(&want, "<disk><diskId>1345084660</diskId><datastore type=\"Datastore\">ds-1"
                       "</datastore><diskBackingInfo xsi:type=\"VirtualDiskFlatVer2BackingInfo\">"
                       "<fileName></fileName><diskMode>persistent</diskMode><thinProvisioned>%s"
                       "</thinProvisioned><eagerlyScrub>%s</eagerlyScrub>",
                cases[i].thin, cases[i].eager);
        cr_assert(strstr(args.buf, want.buf), "%s: %s", cases[i].type, args.buf);
        /* the added disk: next free unit on the pvscsi controller 202 (the
         * CD-ROM holds unit 0... of 202, the disk unit 0 too) */
        cr_assert(strstr(args.buf, "<key>-101</key>"), "%s", args.buf);
        cr_assert(strstr(args.buf, "<controllerKey>202</controllerKey><unitNumber>1</unitNumber>"
                                   "<capacityInKB>2097152</capacityInKB>"), "%s", args.buf);
        cr_assert(strstr(args.buf, "<diskMode>independent_persistent</diskMode><thinProvisioned>"
                                   "false</thinProvisioned><eagerlyScrub>true</eagerlyScrub>"),
                  "%s", args.buf);
        /* new MAC, deviceInfo kept (vcsim crashes without it), DV port kept */
        cr_assert(strstr(args.buf, "<operation>edit</operation><device xsi:type=\"VirtualE1000\">"
                                   "<key>4000</key><deviceInfo><label>"), "%s", args.buf);
        cr_assert(strstr(args.buf, "<portgroupKey>dvportgroup-13</portgroupKey>"), "%s", args.buf);
        cr_assert(strstr(args.buf, "<addressType>generated</addressType><macAddress></macAddress>"),
                  "%s", args.buf);
        cr_assert(strstr(args.buf, "<key>ctkEnabled</key>"), "%s", args.buf);
        cr_assert(strstr(args.buf, "<key>scsi0:0.ctkEnabled</key>"), "%s", args.buf);
        cr_assert(strstr(args.buf, "<key>scsi0:1.ctkEnabled</key>"), "the added disk too: %s",
                  args.buf);
        cr_assert(strstr(args.buf, "<powerOn>false</powerOn></spec>"), "%s", args.buf);
        /* schema order: location children, then template, config, powerOn */
        cr_assert_lt(strstr(args.buf, "<pool"), strstr(args.buf, "<disk>"));
        cr_assert_lt(strstr(args.buf, "<deviceChange>"), strstr(args.buf, "<extraConfig"));
        cr_assert_lt(strstr(args.buf, "<extraConfig"), strstr(args.buf, "<changeTracking"));
        sb_release(&args);
        sb_release(&want);
    }
    clone_options bad = {.disk_type = "thick"};
    strbuf args = STRBUF_INIT;
    mtv_err err;
    cr_assert_eq(vsphere_clone_spec(src, "c", &bad, "f", "d", "p", NULL, NULL, &args, &err), -1);
    cr_assert(strstr(err.msg, "disk_type 'thick' is not one of thin, thick-lazy, thick-eager"),
              "%s", err.msg);
    clone_options keep = {.keep_macs = 1};
    cr_assert_eq(vsphere_clone_spec(src, "c", &keep, "f", "d", "p", "host-1", NULL, &args, &err), 0);
    cr_assert_null(strstr(args.buf, "<deviceChange>"), "keeping MACs edits nothing: %s", args.buf);
    cr_assert(strstr(args.buf, "<host type=\"HostSystem\">host-1</host>"), "%s", args.buf);
    sb_release(&args);
    vim_objset_free(&set);
}
