/* The OVA adapter against real archives the test builds with libarchive: a
 * Windows VM with three disks and two NICs (OVF 1, VMware style), an unpacked
 * Linux OVF, an OVF 2 descriptor (EthernetPortItem/StorageItem), and broken
 * inputs (not an archive, no descriptor, a truncated descriptor) that must
 * give clear errors. */
#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/providers.h"
#include "providers/ova.h"
#include "providers/prepare.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/log.h"

static const char WIN_OVF[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\""
    " xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\""
    " xmlns:rasd=\"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData\""
    " xmlns:vssd=\"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData\""
    " xmlns:vmw=\"http://www.vmware.com/schema/ovf\">\n"
    " <References>\n"
    "  <File ovf:id=\"file1\" ovf:href=\"mtv-win2019-3disks-disk1.vmdk\" ovf:size=\"65536\"/>\n"
    "  <File ovf:id=\"file2\" ovf:href=\"mtv-win2019-3disks-disk2.vmdk\" ovf:size=\"65536\"/>\n"
    "  <File ovf:id=\"file3\" ovf:href=\"mtv-win2019-3disks-disk3.vmdk\" ovf:size=\"65536\"/>\n"
    " </References>\n"
    " <DiskSection><Info>Virtual disks</Info>\n"
    "  <Disk ovf:diskId=\"vmdisk1\" ovf:fileRef=\"file1\" ovf:capacity=\"40\" ovf:capacityAllocationUnits=\"byte * 2^30\"/>\n"
    "  <Disk ovf:diskId=\"vmdisk2\" ovf:fileRef=\"file2\" ovf:capacity=\"2048\" ovf:capacityAllocationUnits=\"byte * 2^20\"/>\n"
    "  <Disk ovf:diskId=\"vmdisk3\" ovf:fileRef=\"file3\" ovf:capacity=\"1073741824\"/>\n"
    " </DiskSection>\n"
    " <NetworkSection><Info>Networks</Info><Network ovf:name=\"VM Network\"/><Network ovf:name=\"mtv-net-b\"/></NetworkSection>\n"
    " <VirtualSystem ovf:id=\"mtv-win2019-3disks\">\n"
    "  <Info>A VM</Info><Name>mtv-win2019-3disks</Name>\n"
    "  <OperatingSystemSection ovf:id=\"112\" vmw:osType=\"windows2019srv_64Guest\"><Info>OS</Info>"
    "<Description>Microsoft Windows Server 2019 (64-bit)</Description></OperatingSystemSection>\n"
    "  <VirtualHardwareSection><Info>Hardware</Info>\n"
    "   <System><vssd:ElementName>Virtual Hardware Family</vssd:ElementName><vssd:VirtualSystemType>vmx-15</vssd:VirtualSystemType></System>\n"
    "   <Item><rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits><rasd:ElementName>4 virtual CPU(s)</rasd:ElementName>"
    "<rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>4</rasd:VirtualQuantity>"
    "<vmw:CoresPerSocket ovf:required=\"false\">2</vmw:CoresPerSocket></Item>\n"
    "   <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:ElementName>8192MB of memory</rasd:ElementName>"
    "<rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>8192</rasd:VirtualQuantity></Item>\n"
    "   <Item><rasd:Address>0</rasd:Address><rasd:ElementName>SCSI Controller 0</rasd:ElementName><rasd:InstanceID>3</rasd:InstanceID>"
    "<rasd:ResourceSubType>lsilogicsas</rasd:ResourceSubType><rasd:ResourceType>6</rasd:ResourceType></Item>\n"
    "   <Item><rasd:AddressOnParent>0</rasd:AddressOnParent><rasd:ElementName>Hard Disk 1</rasd:ElementName>"
    "<rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource><rasd:InstanceID>4</rasd:InstanceID><rasd:Parent>3</rasd:Parent>"
    "<rasd:ResourceType>17</rasd:ResourceType></Item>\n"
    "   <Item><rasd:AddressOnParent>1</rasd:AddressOnParent><rasd:ElementName>Hard Disk 2</rasd:ElementName>"
    "<rasd:HostResource>ovf:/disk/vmdisk2</rasd:HostResource><rasd:InstanceID>5</rasd:InstanceID><rasd:Parent>3</rasd:Parent>"
    "<rasd:ResourceType>17</rasd:ResourceType></Item>\n"
    "   <Item><rasd:AddressOnParent>2</rasd:AddressOnParent><rasd:ElementName>Hard Disk 3</rasd:ElementName>"
    "<rasd:HostResource>ovf:/disk/vmdisk3</rasd:HostResource><rasd:InstanceID>6</rasd:InstanceID><rasd:Parent>3</rasd:Parent>"
    "<rasd:ResourceType>17</rasd:ResourceType></Item>\n"
    "   <Item><rasd:Address>00:50:56:AA:10:01</rasd:Address><rasd:AddressOnParent>7</rasd:AddressOnParent>"
    "<rasd:AutomaticAllocation>true</rasd:AutomaticAllocation><rasd:Connection>VM Network</rasd:Connection>"
    "<rasd:ElementName>Network adapter 1</rasd:ElementName><rasd:InstanceID>7</rasd:InstanceID>"
    "<rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>\n"
    "   <Item><rasd:Address>00:50:56:aa:10:02</rasd:Address><rasd:AutomaticAllocation>false</rasd:AutomaticAllocation>"
    "<rasd:Connection>mtv-net-b</rasd:Connection><rasd:ElementName>Network adapter 2</rasd:ElementName>"
    "<rasd:InstanceID>8</rasd:InstanceID><rasd:ResourceSubType>E1000e</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>\n"
    "   <vmw:Config ovf:required=\"false\" vmw:key=\"firmware\" vmw:value=\"efi\"/>\n"
    "   <vmw:Config ovf:required=\"false\" vmw:key=\"bootOptions.efiSecureBootEnabled\" vmw:value=\"true\"/>\n"
    "  </VirtualHardwareSection>\n"
    " </VirtualSystem>\n"
    "</Envelope>\n";

static const char LINUX_OVF2[] =
    "<?xml version=\"1.0\"?>"
    "<ovf:Envelope xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/2\""
    " xmlns:rasd=\"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData\""
    " xmlns:epasd=\"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_EthernetPortAllocationSettingData\""
    " xmlns:sasd=\"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_StorageAllocationSettingData\">"
    "<ovf:References><ovf:File ovf:id=\"f1\" ovf:href=\"rhel9-disk.vmdk\"/></ovf:References>"
    "<ovf:DiskSection><ovf:Disk ovf:diskId=\"d1\" ovf:fileRef=\"f1\" ovf:capacity=\"10\""
    " ovf:capacityAllocationUnits=\"byte * 2^30\"/></ovf:DiskSection>"
    "<ovf:VirtualSystem ovf:id=\"rhel9-ovf2\">"
    "<ovf:OperatingSystemSection ovf:id=\"80\"><ovf:Description>Red Hat Enterprise Linux 9</ovf:Description></ovf:OperatingSystemSection>"
    "<ovf:VirtualHardwareSection>"
    "<ovf:Item><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>2</rasd:VirtualQuantity></ovf:Item>"
    "<ovf:Item><rasd:AllocationUnits>byte * 2^30</rasd:AllocationUnits><rasd:ResourceType>4</rasd:ResourceType>"
    "<rasd:VirtualQuantity>4</rasd:VirtualQuantity></ovf:Item>"
    "<ovf:EthernetPortItem><epasd:Connection>ovirtmgmt</epasd:Connection><epasd:ElementName>nic1</epasd:ElementName>"
    "<epasd:InstanceID>5</epasd:InstanceID><epasd:ResourceType>10</epasd:ResourceType></ovf:EthernetPortItem>"
    "<ovf:StorageItem><sasd:HostResource>ovf:/disk/d1</sasd:HostResource><sasd:InstanceID>6</sasd:InstanceID>"
    "<sasd:ResourceType>17</sasd:ResourceType></ovf:StorageItem>"
    "</ovf:VirtualHardwareSection></ovf:VirtualSystem></ovf:Envelope>";

/* An OVA as exporters write it: descriptor first, then the disks. */
static void write_ova(const char *path, const char *ovf_name, const char *ovf, int ndisks,
                      size_t disk_bytes)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_ustar(a);
    cr_assert_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, ovf_name);
    archive_entry_set_size(e, (la_int64_t)strlen(ovf));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, ovf, strlen(ovf));
    char *disk = calloc(1, disk_bytes);
    for (int i = 1; i <= ndisks; i++) {
        char name[128];
        snprintf(name, sizeof name, "mtv-win2019-3disks-disk%d.vmdk", i);
        archive_entry_clear(e);
        archive_entry_set_pathname(e, name);
        archive_entry_set_size(e, (la_int64_t)disk_bytes);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_write_header(a, e);
        memset(disk, 'A' + i, disk_bytes);
        archive_write_data(a, disk, disk_bytes);
    }
    free(disk);
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
}

Test(ova, windows_archive_with_three_disks_and_two_nics)
{
    const char *dir = tu_tmpdir();
    strbuf path = STRBUF_INIT;
    fs_join(&path, dir, "mtv-win2019-3disks.ova");
    write_ova(path.buf, "mtv-win2019-3disks.ovf", WIN_OVF, 3, 1 << 20);
    vm_record r;
    mtv_err err;
    cr_assert_eq(ova_read(path.buf, "mtv-win2019-3disks.ova", &r, &err), 0, "%s", err.msg);
    cr_assert_str_eq(r.id, "mtv-win2019-3disks.ova");
    cr_assert_str_eq(r.name, "mtv-win2019-3disks");
    cr_assert_str_eq(r.provider_type, "ova");
    cr_assert_eq(r.power, VM_POWER_OFF);
    cr_assert_eq(r.win_os, 1);
    cr_assert_str_eq(r.guest_os, "windows2019srv_64Guest");
    cr_assert_eq(r.cpu_sockets, 2);
    cr_assert_eq(r.cpu_cores, 2);
    cr_assert_eq(r.memory_mb, 8192);
    cr_assert_str_eq(r.boot_firmware, "efi");
    cr_assert_eq(r.secure_boot, 1);
    cr_assert_eq(r.ndisks, 3);
    cr_assert_eq(r.disks[0].size_kb, 40LL * 1024 * 1024, "40 x 2^30 bytes");
    cr_assert_eq(r.disks[1].size_kb, 2048LL * 1024, "2048 x 2^20 bytes");
    cr_assert_eq(r.disks[2].size_kb, 1024LL * 1024, "plain bytes");
    cr_assert_str_eq(r.disks[0].device_key, "vmdisk1");
    cr_assert_str_eq(r.disks[0].file, "mtv-win2019-3disks-disk1.vmdk");
    cr_assert_str_eq(r.disks[0].name, "Hard Disk 1");
    cr_assert_eq(r.disks[2].unit_number, 2);
    cr_assert_eq(r.disks[2].controller_key, 3);
    cr_assert_eq(r.nnics, 2);
    cr_assert_str_eq(r.nics[0].network_name, "VM Network");
    cr_assert_str_eq(r.nics[0].mac, "00:50:56:aa:10:01");
    cr_assert_eq(r.nics[0].start_connected, 1);
    cr_assert_str_eq(r.nics[1].network_name, "mtv-net-b");
    cr_assert_str_eq(r.nics[1].name, "Network adapter 2");
    cr_assert_eq(r.nics[1].start_connected, 0);
    vm_record_free(&r);
    sb_release(&path);
}

Test(ova, ovf2_descriptor)
{
    vm_record r;
    vm_record_init(&r);
    mtv_err err;
    cr_assert_eq(ovf_record("ovf2", LINUX_OVF2, strlen(LINUX_OVF2), &r, &err), 0, "%s", err.msg);
    cr_assert_str_eq(r.name, "rhel9-ovf2", "the VirtualSystem id when there is no Name");
    cr_assert_eq(r.win_os, 0);
    cr_assert_eq(r.cpu_sockets, 2);
    cr_assert_eq(r.cpu_cores, 1);
    cr_assert_eq(r.memory_mb, 4096, "4 x 2^30 bytes");
    cr_assert_str_eq(r.boot_firmware, "bios");
    cr_assert_eq(r.nnics, 1);
    cr_assert_str_eq(r.nics[0].network_name, "ovirtmgmt");
    cr_assert_null(r.nics[0].mac);
    cr_assert_eq(r.ndisks, 1);
    cr_assert_eq(r.disks[0].size_kb, 10LL * 1024 * 1024);
    cr_assert_str_eq(r.disks[0].file, "rhel9-disk.vmdk");
    vm_record_free(&r);
}

Test(ova, adapter_finds_vms_on_the_share_by_name)
{
    const char *dir = tu_tmpdir();
    strbuf p = STRBUF_INIT, sub = STRBUF_INIT;
    fs_join(&sub, dir, "exports/win");
    mtv_err err;
    cr_assert_eq(fs_mkdir_p(sub.buf, 0755, &err), 0);
    fs_join(&p, sub.buf, "win.ova");
    write_ova(p.buf, "win.ovf", WIN_OVF, 3, 4096);
    tu_write(dir, "rhel9.ovf", LINUX_OVF2);
    tu_write(dir, "garbage.ova", "this is not a tar archive at all, just text\n");
    char text[1024];
    snprintf(text, sizeof text, "{\"ova\": {\"type\": \"ova\", \"version\": \"1\", \"fqdn\": "
                                "\"nfs.example.com\", \"api_url\": \"nfs.example.com:/exports/ova\","
                                " \"username\": \"u\", \"password\": \"\"}}");
    providers_file pf;
    const provider_entry *e;
    cr_assert_eq(providers_open(&pf, tu_write(dir, "providers.json", text), "ova", log_secrets(),
                                &e, &err), 0, "%s", err.msg);
    transport *t;
    transport_config tc = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(&t, &tc, &err), 0);
    source_config cfg = {.t = t, .entry = e};
    source_provider *prov;
    cr_assert_eq(source_open(&prov, &cfg, &err), -1, "an NFS URL is not a local folder");
    cr_assert(strstr(err.msg, "not a local folder: mount it"), "%s", err.msg);
    cfg.ova_dir = dir;
    cr_assert_eq(source_open(&prov, &cfg, &err), 0, "%s", err.msg);
    vm_record r;
    cr_assert_eq(source_vm_info(prov, "mtv-win2019-3disks", &r, &err), 0, "%s", err.msg);
    cr_assert_str_eq(r.id, "exports/win/win.ova");
    cr_assert_eq(r.ndisks, 3);
    vm_record_free(&r);
    cr_assert_eq(source_vm_info(prov, "rhel9-ovf2", &r, &err), 0, "%s", err.msg);
    cr_assert_str_eq(r.id, "rhel9.ovf");
    vm_record_free(&r);
    cr_assert_eq(source_vm_info(prov, "rhel9-ovf", &r, &err), -1);
    cr_assert(strstr(err.msg, "holds a VM named 'rhel9-ovf' (did you mean 'rhel9-ovf2'?) (2 VMs"),
              "%s", err.msg);
    source_network *nets;
    size_t n;
    cr_assert_eq(source_networks(prov, "mtv-win2019-3disks", &nets, &n, &err), 0);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(nets[1].name, "mtv-net-b");
    source_networks_free(nets, n);
    strbuf id = STRBUF_INIT;
    cr_assert_eq(source_clone(prov, "rhel9-ovf2", "x", NULL, &id, &err), -1);
    cr_assert(strstr(err.msg, "the ova adapter cannot clone VMs"), "%s", err.msg);
    cr_assert_eq(source_power(prov, "rhel9-ovf2", VM_POWER_ON, 1000, &err), -1);
    cr_assert_not(source_can(prov, "clone"));
    /* prepare: OVA VMs are used as they are */
    cJSON *params = cJSON_Parse("{\"virtual_machines\": [{\"name\": \"mtv-win2019-3disks\","
                                " \"guest_agent\": true, \"source_vm_power\": \"on\"}]}");
    prepare_options po = {.params = params, .name_prefix = "auto-x"};
    prepared_vm *pvs;
    size_t npv;
    cr_assert_eq(source_prepare(prov, &po, &pvs, &npv, &err), 0, "%s", err.msg);
    cr_assert_eq(npv, 1);
    cr_assert_not(pvs[0].cloned);
    cr_assert_str_eq(pvs[0].name, "mtv-win2019-3disks");
    cr_assert_str_eq(pvs[0].id, "exports/win/win.ova");
    cr_assert_eq(pvs[0].record.power, VM_POWER_OFF, "an OVA cannot be powered");
    source_prepare_free(pvs, npv);
    cJSON_Delete(params);
    source_close(prov);
    transport_free(t);
    providers_file_free(&pf);
    sb_release(&p);
    sb_release(&sub);
    sb_release(&id);
}

Test(ova, a_share_this_machine_exports_is_read_in_place)
{
    const char *dir = tu_tmpdir();
    strbuf path = STRBUF_INIT;
    fs_join(&path, dir, "win.ova");
    write_ova(path.buf, "win.ovf", WIN_OVF, 3, 4096);
    sb_release(&path);
    char text[1024];
    snprintf(text, sizeof text, "{\"ova\": {\"type\": \"ova\", \"version\": \"1\", \"fqdn\": "
                                "\"127.0.0.1\", \"api_url\": \"127.0.0.1:%s\", \"username\": \"u\", "
                                "\"password\": \"\"}}", dir);
    providers_file pf;
    const provider_entry *e;
    mtv_err err;
    cr_assert_eq(providers_open(&pf, tu_write(dir, "providers.json", text), "ova", log_secrets(),
                                &e, &err), 0, "%s", err.msg);
    transport *t;
    transport_config tc = {.mode = TRANSPORT_LIVE};
    cr_assert_eq(transport_open(&t, &tc, &err), 0);
    source_config cfg = {.t = t, .entry = e};
    source_provider *prov;
    cr_assert_eq(source_open(&prov, &cfg, &err), 0, "no --ova-dir needed: %s", err.msg);
    vm_record r;
    cr_assert_eq(source_vm_info(prov, "mtv-win2019-3disks", &r, &err), 0, "%s", err.msg);
    cr_assert_eq(r.ndisks, 3);
    vm_record_free(&r);
    source_close(prov);
    transport_free(t);
    providers_file_free(&pf);
}

Test(ova, broken_inputs_give_clear_errors)
{
    const char *dir = tu_tmpdir();
    vm_record r;
    mtv_err err;
    const char *junk = tu_write(dir, "junk.ova", "\x01\x02not an archive");
    cr_assert_eq(ova_read(junk, "junk.ova", &r, &err), -1);
    cr_assert(strstr(err.msg, "junk.ova: cannot open as an OVA (tar) archive: Unrecognized archive format"), "%s", err.msg);

    strbuf p = STRBUF_INIT;
    fs_join(&p, dir, "nodesc.ova");
    write_ova(p.buf, "readme.txt", "hello", 1, 1024);
    cr_assert_eq(ova_read(p.buf, "nodesc.ova", &r, &err), -1);
    cr_assert(strstr(err.msg, "holds no .ovf descriptor (2 members)"), "%s", err.msg);

    sb_reset(&p);
    fs_join(&p, dir, "cut.ova");
    char half[sizeof WIN_OVF / 2 + 1];
    memcpy(half, WIN_OVF, sizeof half - 1);
    half[sizeof half - 1] = 0;
    write_ova(p.buf, "cut.ovf", half, 0, 0);
    cr_assert_eq(ova_read(p.buf, "cut.ova", &r, &err), -1);
    cr_assert(strstr(err.msg, "cut.ovf (in "), "%s", err.msg);
    cr_assert(strstr(err.msg, "not well-formed XML (line"), "%s", err.msg);

    const char *notovf = "<Envelope><Nothing/></Envelope>";
    vm_record_init(&r);
    cr_assert_eq(ovf_record("x.ovf", notovf, strlen(notovf), &r, &err), -1);
    cr_assert(strstr(err.msg, "no <Envelope> with a <VirtualSystem>"), "%s", err.msg);
    vm_record_free(&r);
    sb_release(&p);
}
