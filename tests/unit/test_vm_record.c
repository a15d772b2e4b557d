/* The normalised VM record: JSON out and back in keeps every field, upstream
 * key names are used, unknown values stay unknown, and wrong types are errors
 * naming the exact key path. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "providers/vm_record.h"
#include "util/json.h"

static void fill(vm_record *r)
{
    vm_record_init(r);
    vr_set(&r->id, "vm-42");
    vr_set(&r->name, "mtv-tests-rhel8");
    vr_set(&r->uuid, "4202aaaa-bbbb-cccc-dddd-eeeeffff0000");
    vr_set(&r->provider_type, "vsphere");
    r->power = VM_POWER_ON;
    r->memory_mb = 4096;
    r->cpu_cores = 2;
    r->cpu_sockets = 2;
    vr_set(&r->boot_firmware, "efi");
    r->secure_boot = 1;
    r->tpm_present = 0;
    r->guest_agent_running = 1;
    r->win_os = 0;
    vm_nic *n = vm_record_add_nic(r);
    vr_set(&n->name, "Network adapter 1");
    vr_set_mac(&n->mac, "00-50-56-AA-00-01");
    vr_set(&n->network_name, "VM Network");
    vr_set(&n->network_id, "network-7");
    vr_set(&n->device_key, "4000");
    vm_ip *ip = vm_nic_add_ip(n);
    vr_set(&ip->ip, "192.0.2.10");
    ip->prefix = 24;
    vr_set(&ip->gateway, "192.0.2.1");
    vr_set(&ip->origin, "manual");
    ip->is_static = 1;
    vm_disk *d = vm_record_add_disk(r);
    vr_set(&d->name, "Hard disk 1");
    d->size_kb = 10485760;
    vr_set(&d->storage_name, "datastore1");
    vr_set(&d->device_key, "2000");
    d->unit_number = 0;
    d->controller_key = 1000;
    vm_snapshot *s = vm_record_add_snapshot(r);
    vr_set(&s->name, "before");
    vr_set(&s->id, "1");
    vr_set(&s->ref, "snapshot-76");
}

Test(vm_record, json_uses_upstream_keys_and_round_trips)
{
    vm_record r, back;
    fill(&r);
    cJSON *j = vm_record_to_json(&r);
    const cJSON *nic = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "network_interfaces"), 0);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(nic, "macAddress")),
                     "00:50:56:aa:00:01", "MACs are normalised to lower case with colons");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(nic, "network"),
                                                              "name")), "VM Network");
    const cJSON *ip = cJSON_GetArrayItem(cJSON_GetObjectItem(nic, "ip_addresses"), 0);
    cr_assert_eq(cJSON_GetObjectItem(ip, "subnet_mask")->valuedouble, 24);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(ip, "is_static_ip")));
    const cJSON *disk = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "disks"), 0);
    cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(disk, "device_key")),
              "a numeric device key is written as a number");
    cr_assert_eq(cJSON_GetObjectItem(disk, "size_in_kb")->valuedouble, 10485760);
    cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "cpu"), "num_sockets")->valuedouble, 2);
    cr_assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "cpu"), "num_threads"),
                   "unknown values are left out");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(j, "power_state")), "on");
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "firmware"), "secure_boot")));
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "snapshots_data")), 1);

    mtv_err err;
    cr_assert_eq(vm_record_from_json(&back, j, "t", &err), 0, "%s", err.msg);
    cJSON *again = vm_record_to_json(&back);
    strbuf a = STRBUF_INIT, b = STRBUF_INIT;
    json_print(&a, j, 1);
    json_print(&b, again, 1);
    cr_assert_str_eq(a.buf, b.buf, "JSON -> record -> JSON is the identity");
    cr_assert_eq(back.nics[0].ips[0].prefix, 24);
    cr_assert_eq(back.cpu_threads, VR_UNSET);
    cr_assert_eq(back.tpm_present, 0);
    cr_assert_eq(back.is_template, -1);
    sb_release(&a);
    sb_release(&b);
    cJSON_Delete(j);
    cJSON_Delete(again);
    vm_record_free(&r);
    vm_record_free(&back);
}

Test(vm_record, reads_an_upstream_dict_with_extra_keys)
{
    const char *text =
        "{\"id\":\"0d37ca3b\",\"name\":\"vm\",\"provider_type\":\"ovirt\",\"provider_vm_api\":{},"
        "\"network_interfaces\":[{\"name\":\"nic1\",\"macAddress\":\"00:1a:4a:16:01:00\","
        "\"network\":{\"name\":\"ovirtmgmt\",\"id\":\"n1\"}}],"
        "\"disks\":[{\"name\":\"d\",\"size_in_kb\":1024,\"storage\":{\"name\":\"sd\",\"id\":\"s1\"},"
        "\"device_key\":\"536617f1\"}],\"cpu\":{\"num_cores\":4,\"num_threads\":1,"
        "\"num_sockets\":2},\"memory_in_mb\":1024,\"snapshots_data\":[{\"description\":\"snap1\","
        "\"id\":\"c1\",\"snapshot_status\":\"ok\",\"snapshot_type\":\"regular\"}],"
        "\"power_state\":\"off\",\"serial\":null}";
    cJSON *j = cJSON_Parse(text);
    vm_record r;
    mtv_err err;
    cr_assert_eq(vm_record_from_json(&r, j, "x", &err), 0, "%s", err.msg);
    cr_assert_eq(r.power, VM_POWER_OFF);
    cr_assert_str_eq(r.disks[0].device_key, "536617f1");
    cr_assert_str_eq(r.disks[0].storage_id, "s1");
    cr_assert_eq(r.cpu_threads, 1);
    cr_assert_str_eq(r.snapshots[0].status, "ok");
    cr_assert_null(r.serial, "null is unknown");
    vm_record_free(&r);
    cJSON_Delete(j);
}

Test(vm_record, wrong_types_name_the_key_path)
{
    static const struct { const char *json, *msg; } cases[] = {
        {"{\"memory_in_mb\":\"lots\"}", "results: vm.memory_in_mb: expected a whole number, found a string"},
        {"{\"cpu\":{\"num_cores\":1.5}}", "results: vm.cpu.num_cores: expected a whole number"},
        {"{\"network_interfaces\":[{},{\"ip_addresses\":[{\"is_static_ip\":\"yes\"}]}]}",
         "results: vm.network_interfaces[1].ip_addresses[0].is_static_ip: expected true or false"},
        {"{\"disks\":{}}", "results: vm.disks: expected an array, found an object"},
        {"{\"disks\":[3]}", "results: vm.disks[0]: expected an object"},
        {"{\"power_state\":\"up\"}", "results: vm.power_state: expected \"on\", \"off\" or \"other\""},
        {"[]", "results: vm: expected a VM record"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *j = cJSON_Parse(cases[i].json);
        vm_record r;
        mtv_err err;
        cr_assert_eq(vm_record_from_json(&r, j, "results: vm", &err), -1, "%s", cases[i].json);
        cr_assert(strstr(err.msg, cases[i].msg), "%s -> %s", cases[i].json, err.msg);
        cr_assert_eq(r.nnics, 0, "a failed read leaves an empty record");
        cJSON_Delete(j);
    }
}

Test(vm_record, describe_names_every_part)
{
    vm_record r;
    fill(&r);
    strbuf out = STRBUF_INIT;
    vm_record_describe(&r, &out);
    cr_assert(strstr(out.buf, "mtv-tests-rhel8 (vsphere, id vm-42)"), "%s", out.buf);
    cr_assert(strstr(out.buf, "2 socket(s) x 2 core(s)"), "%s", out.buf);
    cr_assert(strstr(out.buf, "192.0.2.10/24 manual static gw 192.0.2.1"), "%s", out.buf);
    cr_assert(strstr(out.buf, "10485760 KiB on datastore1 (controller 1000 unit 0)"), "%s", out.buf);
    cr_assert(strstr(out.buf, "snapshot:  before (id 1)"), "%s", out.buf);
    sb_release(&out);
    vm_record_free(&r);
}
