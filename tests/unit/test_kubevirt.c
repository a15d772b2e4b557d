/* The one KubeVirt VM reading (providers/kubevirt.h): a running VM with
 * its instance and PVCs field by field, a stopped one sized by its
 * instancetype, the shapes only some VMs have (TPM switched off, IPs with
 * prefixes, an instance interface found by MAC, a link down, a container
 * disk), and objects of the wrong shape, which give unknowns and never a
 * crash. */
#include <criterion/criterion.h>
#include <string.h>

#include "k8s/client.h"
#include "k8s/quantity.h"
#include "providers/kubevirt.h"

static cJSON *json(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    cr_assert_not_null(j, "bad test JSON: %s", text);
    return j;
}

/* ---- the record from KubeVirt objects ---------------------------------------------- */

static const char *VM_RUNNING =
    "{\"apiVersion\":\"kubevirt.io/v1\",\"kind\":\"VirtualMachine\","
    " \"metadata\":{\"name\":\"rhel9-src\",\"namespace\":\"src-vms\",\"uid\":\"6b1f0c2e-77aa-4c1e-9d7a-0e5f3c2b1a90\"},"
    " \"spec\":{\"runStrategy\":\"Always\","
    "  \"template\":{\"metadata\":{\"annotations\":{\"vm.kubevirt.io/os\":\"rhel9\"}},"
    "   \"spec\":{\"domain\":{\"cpu\":{\"cores\":1,\"sockets\":1},\"memory\":{\"guest\":\"1Gi\"},"
    "     \"firmware\":{\"uuid\":\"5d307ca9-b3ef-428c-8861-06e72d69f223\",\"serial\":\"SER-1\","
    "                 \"bootloader\":{\"efi\":{\"secureBoot\":true}}},"
    "     \"devices\":{\"tpm\":{},\"interfaces\":["
    "       {\"name\":\"default\",\"masquerade\":{},\"macAddress\":\"02:AB:CD:00:00:01\"},"
    "       {\"name\":\"secondary\",\"bridge\":{}}]}},"
    "    \"networks\":[{\"name\":\"default\",\"pod\":{}},"
    "                  {\"name\":\"secondary\",\"multus\":{\"networkName\":\"mtv-tests/mybridge\"}}],"
    "    \"volumes\":[{\"name\":\"rootdisk\",\"dataVolume\":{\"name\":\"rhel9-src-rootdisk\"}},"
    "                 {\"name\":\"cloudinitdisk\",\"cloudInitNoCloud\":{\"userData\":\"#cloud-config\"}},"
    "                 {\"name\":\"data\",\"persistentVolumeClaim\":{\"claimName\":\"rhel9-src-data\"}}]}}},"
    " \"status\":{\"printableStatus\":\"Running\"}}";

static const char *VMI_RUNNING =
    "{\"apiVersion\":\"kubevirt.io/v1\",\"kind\":\"VirtualMachineInstance\","
    " \"metadata\":{\"name\":\"rhel9-src\",\"namespace\":\"src-vms\"},"
    " \"spec\":{\"domain\":{\"cpu\":{\"cores\":2,\"sockets\":3,\"threads\":1},\"memory\":{\"guest\":\"4Gi\"}}},"
    " \"status\":{\"nodeName\":\"worker-1\","
    "  \"guestOSInfo\":{\"id\":\"rhel\",\"prettyName\":\"Red Hat Enterprise Linux 9.4 (Plow)\"},"
    "  \"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"},{\"type\":\"AgentConnected\",\"status\":\"True\"}],"
    "  \"interfaces\":[{\"name\":\"default\",\"mac\":\"02:ab:cd:00:00:01\",\"interfaceName\":\"eth0\","
    "                   \"ipAddress\":\"10.128.2.41\",\"ipAddresses\":[\"10.128.2.41\",\"fd02::29\"]},"
    "                  {\"name\":\"secondary\",\"mac\":\"02:ab:cd:00:00:02\",\"interfaceName\":\"eth1\","
    "                   \"ipAddress\":\"192.168.50.7\"}]}}";

static const char *PVCS =
    "[{\"metadata\":{\"name\":\"rhel9-src-rootdisk\"},"
    "  \"spec\":{\"storageClassName\":\"ocs-storagecluster-ceph-rbd\",\"volumeMode\":\"Block\","
    "           \"resources\":{\"requests\":{\"storage\":\"30Gi\"}}},"
    "  \"status\":{\"capacity\":{\"storage\":\"32Gi\"}}},"
    " {\"metadata\":{\"name\":\"rhel9-src-data\"},"
    "  \"spec\":{\"storageClassName\":\"nfs-csi\",\"resources\":{\"requests\":{\"storage\":\"512Mi\"}}}}]";

static const cJSON *pvc_from_list(void *ud, const char *name)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, (const cJSON *)ud)
        if (strcmp(k8s_obj_str(e, "metadata.name"), name) == 0)
            return e;
    return NULL;
}

Test(kubevirt, running_vm_record_field_by_field)
{
    cJSON *vm = json(VM_RUNNING), *vmi = json(VMI_RUNNING), *pvcs = json(PVCS);
    vm_record r;
    vm_record_init(&r);
    kubevirt_record_from(vm, vmi, NULL, pvc_from_list, pvcs, &r);
    cr_assert_str_eq(r.id, "6b1f0c2e-77aa-4c1e-9d7a-0e5f3c2b1a90");
    cr_assert_str_eq(r.name, "rhel9-src");
    cr_assert_str_eq(r.provider_type, "openshift");
    cr_assert_str_eq(r.uuid, "5d307ca9-b3ef-428c-8861-06e72d69f223");
    cr_assert_str_eq(r.serial, "SER-1");
    cr_assert_eq(r.power, VM_POWER_ON);
    cr_assert_eq(r.cpu_cores, 2, "the instance's domain wins over the template");
    cr_assert_eq(r.cpu_sockets, 3);
    cr_assert_eq(r.cpu_threads, 1);
    cr_assert_eq(r.memory_mb, 4096);
    cr_assert_str_eq(r.boot_firmware, "efi");
    cr_assert_eq(r.secure_boot, 1);
    cr_assert_eq(r.tpm_present, 1, "an empty tpm device is a TPM");
    cr_assert_eq(r.guest_agent_running, 1);
    cr_assert_eq(r.win_os, 0);
    cr_assert_str_eq(r.guest_os, "Red Hat Enterprise Linux 9.4 (Plow)");
    cr_assert_str_eq(r.host, "worker-1");

    cr_assert_eq(r.nnics, 2);
    cr_assert_str_eq(r.nics[0].name, "default");
    cr_assert_str_eq(r.nics[0].mac, "02:ab:cd:00:00:01", "lower-cased");
    cr_assert_str_eq(r.nics[0].network_name, "pod");
    cr_assert_null(r.nics[0].network_id);
    cr_assert_str_eq(r.nics[0].guest_nic_name, "eth0");
    cr_assert_eq(r.nics[0].nips, 1, "IPv4 only, as upstream");
    cr_assert_str_eq(r.nics[0].ips[0].ip, "10.128.2.41");
    cr_assert_str_eq(r.nics[1].mac, "02:ab:cd:00:00:02", "from the instance when the template has none");
    cr_assert_str_eq(r.nics[1].network_name, "mybridge", "the Multus name after its namespace");
    cr_assert_str_eq(r.nics[1].network_id, "mtv-tests/mybridge");
    cr_assert_str_eq(r.nics[1].guest_nic_name, "eth1");
    cr_assert_eq(r.nics[1].nips, 1, "the single ipAddress when there is no list");
    cr_assert_str_eq(r.nics[1].ips[0].ip, "192.168.50.7");

    cr_assert_eq(r.ndisks, 2, "cloud-init volumes are not disks");
    cr_assert_str_eq(r.disks[0].name, "rhel9-src-rootdisk", "named by its claim");
    cr_assert_str_eq(r.disks[0].device_key, "rhel9-src-rootdisk");
    cr_assert_eq(r.disks[0].unit_number, 0);
    cr_assert_eq(r.disks[0].size_kb, 32LL * 1024 * 1024, "the bound capacity, not the request");
    cr_assert_str_eq(r.disks[0].storage_name, "ocs-storagecluster-ceph-rbd");
    cr_assert_str_eq(r.disks[0].disk_mode, "Block");
    cr_assert_str_eq(r.disks[1].device_key, "rhel9-src-data");
    cr_assert_eq(r.disks[1].unit_number, 1, "numbered skipping the cloud-init volume");
    cr_assert_eq(r.disks[1].size_kb, 512LL * 1024, "the request when nothing is bound yet");
    cr_assert_str_eq(r.disks[1].storage_name, "nfs-csi");

    /* the record survives its JSON round trip */
    cJSON *j = vm_record_to_json(&r);
    vm_record back;
    vm_record_init(&back);
    mtv_err err;
    cr_assert_eq(vm_record_from_json(&back, j, "test", &err), 0, "%s", err.msg);
    cr_assert_str_eq(back.nics[1].network_name, "mybridge");
    cr_assert_eq(back.disks[0].size_kb, r.disks[0].size_kb);
    vm_record_free(&back);
    cJSON_Delete(j);
    vm_record_free(&r);
    cJSON_Delete(vm);
    cJSON_Delete(vmi);
    cJSON_Delete(pvcs);
}

Test(kubevirt, stopped_windows_vm_sized_by_its_instancetype)
{
    cJSON *vm = json("{\"metadata\":{\"name\":\"win2k22\",\"uid\":\"u-2\"},"
                     " \"spec\":{\"instancetype\":{\"name\":\"u1.large\"},\"preference\":{\"name\":\"windows.2k22\"},"
                     "  \"template\":{\"spec\":{\"domain\":{\"devices\":{\"interfaces\":[{\"name\":\"default\",\"masquerade\":{}}]}},"
                     "   \"networks\":[{\"name\":\"default\",\"pod\":{}}],"
                     "   \"volumes\":[{\"name\":\"root\",\"dataVolume\":{\"name\":\"win-root\"}}]}}},"
                     " \"status\":{\"printableStatus\":\"Stopped\"}}");
    cJSON *it = json("{\"spec\":{\"cpu\":{\"guest\":2},\"memory\":{\"guest\":\"8Gi\"}}}");
    vm_record r;
    vm_record_init(&r);
    kubevirt_record_from(vm, NULL, it, NULL, NULL, &r);
    cr_assert_eq(r.power, VM_POWER_OFF);
    cr_assert_eq(r.cpu_sockets, 2, "instancetype vCPUs, as sockets (KubeVirt's default)");
    cr_assert_eq(r.cpu_cores, 1);
    cr_assert_eq(r.memory_mb, 8192);
    cr_assert_eq(r.win_os, 1, "from the preference");
    cr_assert_str_eq(r.boot_firmware, "bios");
    cr_assert_eq(r.secure_boot, 0);
    cr_assert_eq(r.guest_agent_running, 0, "a stopped VM has no agent");
    cr_assert_eq(r.nnics, 1);
    cr_assert_null(r.nics[0].guest_nic_name);
    cr_assert_eq(r.ndisks, 1);
    cr_assert_eq(r.disks[0].size_kb, VR_UNSET, "no PVC lookup given: size unknown, not guessed");
    vm_record_free(&r);
    cJSON_Delete(vm);
    cJSON_Delete(it);

    /* a VM with no status yet: power unknown; a Windows OS from the annotation */
    vm = json("{\"metadata\":{\"name\":\"w\"},\"spec\":{\"template\":{\"metadata\":{\"annotations\":"
              "{\"vm.kubevirt.io/os\":\"windows2k19\"}},\"spec\":{}}}}");
    vm_record_init(&r);
    kubevirt_record_from(vm, NULL, NULL, NULL, NULL, &r);
    cr_assert_eq(r.power, VM_POWER_UNKNOWN);
    cr_assert_eq(r.win_os, 1);
    cr_assert_eq(r.guest_agent_running, -1, "unknown without an instance");
    cr_assert_eq(r.memory_mb, VR_UNSET);
    vm_record_free(&r);
    cJSON_Delete(vm);
}

Test(kubevirt, tpm_off_prefixes_mac_match_link_down_container_disk)
{
    cJSON *vm = json(
        "{\"kind\":\"VirtualMachine\",\"metadata\":{\"name\":\"t\"},"
        " \"spec\":{\"template\":{\"spec\":{\"domain\":{\"devices\":{\"tpm\":{\"enabled\":false},"
        "   \"interfaces\":[{\"name\":\"net-0\",\"macAddress\":\"02:00:00:00:00:0A\",\"state\":\"down\"}]}},"
        "  \"networks\":[{\"name\":\"net-0\",\"multus\":{\"networkName\":\"plain\"}}],"
        "  \"volumes\":[{\"name\":\"boot\",\"containerDisk\":{\"image\":\"x\"}}]}}},"
        " \"status\":{\"printableStatus\":\"Stopped\"}}");
    /* the instance names its interface otherwise: found by MAC */
    cJSON *vmi = json(
        "{\"status\":{\"interfaces\":[{\"name\":\"other\",\"mac\":\"02-00-00-00-00-0a\","
        "  \"interfaceName\":\"ens3\",\"ipAddresses\":[\"192.0.2.5/24\",\"fe80::1/64\"]}],"
        "  \"conditions\":[{\"type\":\"AgentConnected\",\"status\":\"False\"}]}}");
    vm_record r;
    vm_record_init(&r);
    kubevirt_record_from(vm, vmi, NULL, NULL, NULL, &r);
    cr_assert_eq(r.power, VM_POWER_OFF);
    cr_assert_eq(r.tpm_present, 0, "enabled: false is no TPM");
    cr_assert_eq(r.guest_agent_running, 0, "the condition says False");
    cr_assert_eq(r.nnics, 1);
    cr_assert_eq(r.nics[0].connected, 0, "state down");
    cr_assert_str_eq(r.nics[0].network_name, "plain", "a Multus name without a namespace");
    cr_assert_str_eq(r.nics[0].guest_nic_name, "ens3");
    cr_assert_eq(r.nics[0].nips, 1, "the IPv6 link-local address is left out");
    cr_assert_str_eq(r.nics[0].ips[0].ip, "192.0.2.5");
    cr_assert_eq(r.nics[0].ips[0].prefix, 24);
    cr_assert_eq(r.ndisks, 1);
    cr_assert_str_eq(r.disks[0].name, "boot", "no claim: the volume's name");
    cr_assert_eq(r.disks[0].size_kb, VR_UNSET);
    vm_record_free(&r);
    cJSON_Delete(vm);
    cJSON_Delete(vmi);
}

Test(kubevirt, wrong_shapes_give_unknowns)
{
    static const char WEIRD[] = "{\"spec\":{\"template\":{\"spec\":"
                                "{\"volumes\":{\"a\":1},\"domain\":{\"cpu\":\"x\"}}}}}";
    const char *cases[] = {"[]", "{\"spec\":[1,2]}", WEIRD, "42"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cJSON *vm = json(cases[i]);
        vm_record r;
        vm_record_init(&r);
        kubevirt_record_from(vm, vm, vm, NULL, NULL, &r);
        cr_assert_eq(r.power, VM_POWER_UNKNOWN, "case %zu", i);
        cr_assert_eq(r.memory_mb, VR_UNSET, "case %zu", i);
        cr_assert_eq(r.cpu_cores, VR_UNSET, "case %zu", i);
        cr_assert_eq(r.nnics, 0, "case %zu", i);
        vm_record_free(&r);
        cJSON_Delete(vm);
    }
}

Test(kubevirt, volume_claims)
{
    cJSON *v = json("[{\"persistentVolumeClaim\":{\"claimName\":\"a\"}},{\"dataVolume\":{\"name\":\"b\"}},"
                    "{\"emptyDisk\":{}}]");
    cr_assert_str_eq(kubevirt_volume_claim(cJSON_GetArrayItem(v, 0)), "a");
    cr_assert_str_eq(kubevirt_volume_claim(cJSON_GetArrayItem(v, 1)), "b");
    cr_assert_null(kubevirt_volume_claim(cJSON_GetArrayItem(v, 2)));
    cJSON_Delete(v);
}
