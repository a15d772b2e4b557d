/* Unit tests for lab_vsphere_props: RetrievePropertiesEx answers (in the
 * shape vCenter and vcsim send) become the lab_source the inventory
 * serves. The live SOAP session against a real vcsim is covered by
 * tests/integration/test_lab_vsphere.sh; these pin the device and guest
 * cases vcsim never produces (SATA disks, TPM, secure boot, a default
 * route on the second NIC, a multi-writer disk) and the collect errors. */
#include <criterion/criterion.h>
#include <libxml/parser.h>
#include <string.h>

#include "lab/lab_vsphere.h"
#include "lab/lab_vsphere_int.h"
#include "testutil.h"

#define XSI "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""

static const char page1[] =
    "<?xml version=\"1.0\"?><soapenv:Envelope "
    "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" " XSI "><soapenv:Body>"
    "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval><token>1</token>"
    "<objects><obj type=\"Datacenter\">datacenter-2</obj>"
    "<propSet><name>name</name><val xsi:type=\"xsd:string\">DC-east</val></propSet></objects>"
    "<objects><obj type=\"Datastore\">datastore-11</obj>"
    "<propSet><name>name</name><val xsi:type=\"xsd:string\">nfs-a</val></propSet></objects>"
    "<objects><obj type=\"DistributedVirtualPortgroup\">dvportgroup-40</obj>"
    "<propSet><name>name</name><val xsi:type=\"xsd:string\">vlan-40</val></propSet></objects>"
    "<objects><obj type=\"Network\">network-7</obj>"
    "<propSet><name>name</name><val xsi:type=\"xsd:string\">VM Network</val></propSet></objects>"
    "<objects><obj type=\"HostSystem\">host-9</obj>"
    "<propSet><name>name</name><val xsi:type=\"xsd:string\">esx-1</val></propSet></objects>"
    "</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>";

static const char page2[] =
    "<?xml version=\"1.0\"?><soapenv:Envelope "
    "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" " XSI "><soapenv:Body>"
    "<ContinueRetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>"
    "<objects><obj type=\"VirtualMachine\">vm-100</obj>"
    "<propSet><name>name</name><val xsi:type=\"xsd:string\">win-efi</val></propSet>"
    "<propSet><name>config.uuid</name><val>4215-aaaa</val></propSet>"
    "<propSet><name>config.hardware.numCPU</name><val>4</val></propSet>"
    "<propSet><name>config.hardware.numCoresPerSocket</name><val>2</val></propSet>"
    "<propSet><name>config.hardware.memoryMB</name><val>8192</val></propSet>"
    "<propSet><name>config.guestId</name><val>windows2019srv_64Guest</val></propSet>"
    "<propSet><name>config.firmware</name><val>efi</val></propSet>"
    "<propSet><name>config.bootOptions</name><val xsi:type=\"VirtualMachineBootOptions\">"
    "<efiSecureBootEnabled>true</efiSecureBootEnabled></val></propSet>"
    "<propSet><name>config.changeTrackingEnabled</name><val>true</val></propSet>"
    "<propSet><name>runtime.powerState</name><val>poweredOn</val></propSet>"
    "<propSet><name>runtime.host</name><val type=\"HostSystem\">host-9</val></propSet>"
    "<propSet><name>guest.toolsRunningStatus</name><val>guestToolsRunning</val></propSet>"
    "<propSet><name>guest.hostName</name><val>win-efi.example.test</val></propSet>"
    "<propSet><name>config.hardware.device</name><val xsi:type=\"ArrayOfVirtualDevice\">"
    "<VirtualDevice xsi:type=\"VirtualAHCIController\"><key>15000</key><busNumber>0</busNumber>"
    "</VirtualDevice>"
    "<VirtualDevice xsi:type=\"ParaVirtualSCSIController\"><key>1000</key></VirtualDevice>"
    "<VirtualDevice xsi:type=\"VirtualDisk\"><key>16000</key><backing "
    "xsi:type=\"VirtualDiskFlatVer2BackingInfo\"><fileName>[nfs-a] win-efi/win-efi.vmdk</fileName>"
    "<datastore type=\"Datastore\">datastore-11</datastore><thinProvisioned>true</thinProvisioned>"
    "<uuid>6000C29a-1</uuid><sharing>sharingNone</sharing></backing><controllerKey>15000</controllerKey>"
    "<unitNumber>0</unitNumber><capacityInKB>1048576</capacityInKB></VirtualDevice>"
    "<VirtualDevice xsi:type=\"VirtualDisk\"><key>2001</key><backing "
    "xsi:type=\"VirtualDiskFlatVer2BackingInfo\"><fileName>[nfs-a] shared/data.vmdk</fileName>"
    "<datastore type=\"Datastore\">datastore-11</datastore><thinProvisioned>false</thinProvisioned>"
    "<sharing>sharingMultiWriter</sharing></backing><controllerKey>1000</controllerKey>"
    "<unitNumber>1</unitNumber><capacityInBytes>2147483648</capacityInBytes></VirtualDevice>"
    "<VirtualDevice xsi:type=\"VirtualE1000e\"><key>4000</key><backing "
    "xsi:type=\"VirtualEthernetCardNetworkBackingInfo\"><deviceName>VM Network</deviceName>"
    "<network type=\"Network\">network-7</network></backing><connectable>"
    "<startConnected>true</startConnected></connectable><macAddress>00:50:56:01:02:03</macAddress>"
    "</VirtualDevice>"
    "<VirtualDevice xsi:type=\"VirtualVmxnet3\"><key>4001</key><backing "
    "xsi:type=\"VirtualEthernetCardDistributedVirtualPortBackingInfo\"><port>"
    "<switchUuid>50 00</switchUuid><portgroupKey>dvportgroup-40</portgroupKey></port></backing>"
    "<connectable><startConnected>false</startConnected></connectable>"
    "<macAddress>00:50:56:01:02:04</macAddress></VirtualDevice>"
    "<VirtualDevice xsi:type=\"VirtualTPM\"><key>11000</key></VirtualDevice>"
    "</val></propSet>"
    "<propSet><name>guest.net</name><val xsi:type=\"ArrayOfGuestNicInfo\">"
    "<GuestNicInfo><network>VM Network</network><macAddress>00:50:56:01:02:03</macAddress>"
    "<ipConfig><ipAddress><ipAddress>fe80::1</ipAddress><prefixLength>64</prefixLength>"
    "<origin>linklayer</origin></ipAddress><ipAddress><ipAddress>10.0.0.5</ipAddress>"
    "<prefixLength>24</prefixLength><origin>dhcp</origin></ipAddress></ipConfig></GuestNicInfo>"
    "<GuestNicInfo><network>vlan-40</network><macAddress>00:50:56:01:02:04</macAddress>"
    "<ipConfig><ipAddress><ipAddress>192.0.2.9</ipAddress><prefixLength>26</prefixLength>"
    "<origin>manual</origin></ipAddress></ipConfig></GuestNicInfo></val></propSet>"
    "<propSet><name>guest.ipStack</name><val xsi:type=\"ArrayOfGuestStackInfo\"><GuestStackInfo>"
    "<ipRouteConfig><ipRoute><network>192.0.2.0</network><prefixLength>26</prefixLength>"
    "<gateway><device>1</device></gateway></ipRoute><ipRoute><network>0.0.0.0</network>"
    "<prefixLength>0</prefixLength><gateway><ipAddress>192.0.2.1</ipAddress><device>1</device>"
    "</gateway></ipRoute></ipRouteConfig></GuestStackInfo></val></propSet>"
    "</objects>"
    "<objects><obj type=\"VirtualMachine\">vm-101</obj>"
    "<propSet><name>name</name><val>bare</val></propSet>"
    "<propSet><name>runtime.powerState</name><val>poweredOff</val></propSet></objects>"
    "</returnval></ContinueRetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>";

static void add_page(vsx_objects *o, const char *xml)
{
    xmlDoc *d = xmlReadMemory(xml, (int)strlen(xml), "page.xml", NULL, XML_PARSE_NONET);
    cr_assert_not_null(d);
    xmlNode *answer = vsx_child(vsx_child(xmlDocGetRootElement(d), "Body"), NULL);
    vsx_objects_add_doc(o, d, vsx_child(answer, "returnval"));
}

Test(lab_vsphere, properties_become_the_source_the_inventory_serves)
{
    vsx_objects o = {0};
    add_page(&o, page1);
    add_page(&o, page2);
    lab_source s;
    vsx_build_source(&o, "7.0.3.0", &s);
    vsx_objects_free(&o);

    cr_assert_eq(s.type, LAB_SRC_VSPHERE);
    cr_assert_str_eq(s.about, "7.0.3.0");
    cr_assert_eq(s.nnetworks, 2);
    cr_assert_eq(s.nstorages, 1);
    cr_assert_str_eq(s.storages[0].id, "datastore-11");
    cr_assert_eq(s.nhosts, 1);
    cr_assert_str_eq(s.hosts[0].name, "esx-1");
    cr_assert_eq(s.nvms, 2);

    const lab_vm *vm = lab_source_find_vm(&s, "vm-100", NULL);
    cr_assert_not_null(vm);
    cr_assert_str_eq(vm->name, "win-efi");
    cr_assert_str_eq(vm->folder_path, "/DC-east/vm/win-efi");
    cr_assert_eq(vm->cpus, 4);
    cr_assert_eq(vm->cores_per_socket, 2);
    cr_assert_eq(vm->memory_mb, 8192);
    cr_assert(vm->is_windows && vm->secure_boot && vm->tpm && vm->change_tracking);
    cr_assert(vm->power_on && vm->tools);
    cr_assert_str_eq(vm->firmware, "efi");
    cr_assert_str_eq(vm->host_id, "host-9");
    cr_assert_str_eq(vm->hostname, "win-efi.example.test");

    cr_assert_eq(vm->ndisks, 2);
    cr_assert_str_eq(vm->disks[0].bus, "sata");
    cr_assert_eq(vm->disks[0].capacity, 1073741824LL);
    cr_assert(vm->disks[0].thin && !vm->disks[0].shared);
    cr_assert_str_eq(vm->disks[0].storage, "nfs-a");
    cr_assert_str_eq(vm->disks[0].serial, "6000C29a-1");
    cr_assert_eq(vm->disks[0].controller_key, 15000);
    cr_assert_str_eq(vm->disks[1].bus, "scsi");
    cr_assert_eq(vm->disks[1].capacity, 2147483648LL);
    cr_assert(vm->disks[1].shared && !vm->disks[1].thin);
    cr_assert_eq(vm->disks[1].unit, 1);

    cr_assert_eq(vm->nnics, 2);
    cr_assert_str_eq(vm->nics[0].model, "e1000e");
    cr_assert_str_eq(vm->nics[0].network, "VM Network");
    cr_assert_str_eq(vm->nics[0].ip, "10.0.0.5"); /* the IPv4 one, not the link-local v6 */
    cr_assert_str_eq(vm->nics[0].origin, "dhcp");
    cr_assert_str_eq(vm->nics[0].gateway, "");
    cr_assert_str_eq(vm->nics[1].model, "vmxnet3");
    cr_assert_str_eq(vm->nics[1].network, "vlan-40");
    cr_assert_str_eq(vm->nics[1].network_id, "dvportgroup-40");
    cr_assert(!vm->nics[1].connected);
    cr_assert_str_eq(vm->nics[1].ip, "192.0.2.9");
    cr_assert_eq(vm->nics[1].prefix, 26);
    cr_assert_str_eq(vm->nics[1].gateway, "192.0.2.1"); /* the default route's device 1 */

    const lab_vm *bare = lab_source_find_vm(&s, NULL, "bare");
    cr_assert_not_null(bare);
    cr_assert(!bare->power_on);
    cr_assert_eq(bare->ndisks, 0);
    cr_assert_str_eq(bare->firmware, "bios");
    cr_assert_str_eq(bare->hostname, "bare");

    /* the copy the controller takes of it is complete */
    lab_source copy;
    lab_source_copy(&copy, &s);
    cr_assert_str_eq(copy.vms[0].nics[1].gateway, "192.0.2.1");
    lab_source_release(&copy);
    lab_source_release(&s);
}

static const char tools_page[] =
    "<?xml version=\"1.0\"?><soapenv:Envelope "
    "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" " XSI "><soapenv:Body>"
    "<RetrievePropertiesExResponse xmlns=\"urn:vim25\"><returnval>"
    "<objects><obj type=\"VirtualMachine\">vm-1</obj>"
    "<propSet><name>name</name><val>off-with-tools</val></propSet>"
    "<propSet><name>runtime.powerState</name><val>poweredOff</val></propSet>"
    "<propSet><name>guest.toolsRunningStatus</name><val>guestToolsNotRunning</val></propSet>"
    "<propSet><name>guest.toolsStatus</name><val>toolsNotRunning</val></propSet></objects>"
    "<objects><obj type=\"VirtualMachine\">vm-2</obj>"
    "<propSet><name>name</name><val>off-without-tools</val></propSet>"
    "<propSet><name>runtime.powerState</name><val>poweredOff</val></propSet>"
    "<propSet><name>guest.toolsRunningStatus</name><val>guestToolsNotRunning</val></propSet>"
    "<propSet><name>guest.toolsStatus</name><val>toolsNotInstalled</val></propSet></objects>"
    "<objects><obj type=\"VirtualMachine\">vm-3</obj>"
    "<propSet><name>name</name><val>on-running</val></propSet>"
    "<propSet><name>runtime.powerState</name><val>poweredOn</val></propSet>"
    "<propSet><name>guest.toolsRunningStatus</name><val>guestToolsRunning</val></propSet>"
    "<propSet><name>guest.toolsStatus</name><val>toolsOld</val></propSet></objects>"
    "</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>";

/* tools means installed: a powered-off VM with tools still migrates to a
 * guest with an agent */
Test(lab_vsphere, tools_are_installed_unless_vcenter_says_not_installed)
{
    vsx_objects o = {0};
    add_page(&o, tools_page);
    lab_source s;
    vsx_build_source(&o, "7.0.3.0", &s);
    vsx_objects_free(&o);
    const lab_vm *on = lab_source_find_vm(&s, NULL, "on-running");
    const lab_vm *off = lab_source_find_vm(&s, NULL, "off-with-tools");
    const lab_vm *none = lab_source_find_vm(&s, NULL, "off-without-tools");
    cr_assert(on && off && none);
    cr_assert(on->tools && on->power_on);
    cr_assert(off->tools && !off->power_on);
    cr_assert(!none->tools);
    lab_source_release(&s);
}

Test(lab_vsphere, collect_errors_name_the_endpoint)
{
    mtv_err err;
    mtv_err_clear(&err);
    lab_vsphere *v = lab_vsphere_new(&err);
    cr_assert_not_null(v, "%s", err.msg);
    /* a port nothing listens on */
    lab_vsphere_login l = {.url = "http://127.0.0.1:9/sdk", .user = "u", .password = "secret-pw"};
    lab_source s;
    cr_assert_eq(lab_vsphere_collect(v, &l, &s, &err), -1);
    cr_assert(strstr(err.msg, "http://127.0.0.1:9/sdk"), "%s", err.msg);
    cr_assert_null(strstr(err.msg, "secret-pw"));
    /* power without a successful collect for that URL */
    mtv_err_clear(&err);
    cr_assert_eq(lab_vsphere_power(v, "http://127.0.0.1:9/sdk", "vm-1", 0, &err), -1);
    cr_assert(strstr(err.msg, "no successful login"), "%s", err.msg);
    lab_vsphere_free(v);
}
