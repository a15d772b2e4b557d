/* Unit tests for lab_world: the built-in world has every VM name the
 * shipped scenarios use, on every provider type; derived ids are stable;
 * provider sections rename shared VMs' networks; OVA storages are disk
 * files; bad worlds are reported with file:line:col and the key; the
 * vSphere part is what the vcsim launcher reads. */
#include <criterion/criterion.h>
#include <string.h>

#include "lab/lab_world.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/json.h"

static void collect_names(const cJSON *node, cJSON *names)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, node)
    {
        if (c->string && !strcmp(c->string, "virtual_machines") && cJSON_IsArray(c)) {
            const cJSON *vm;
            cJSON_ArrayForEach(vm, c)
            {
                const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(vm, "name"));
                if (n)
                    cJSON_AddItemToArray(names, cJSON_CreateString(n));
            }
        }
        collect_names(c, names);
    }
}

Test(lab_world, default_world_has_every_scenario_vm_on_every_provider)
{
    lab_world w;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(lab_world_load(&w, NULL, &err), 0, "%s", err.msg);
    char **files;
    size_t n;
    cr_assert_eq(fs_list_dir(tu_src("scenarios"), ".json", &files, &n, &err), 0, "%s", err.msg);
    cJSON *names = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        strbuf p = STRBUF_INIT;
        fs_join(&p, tu_src("scenarios"), files[i]);
        json_doc doc;
        cr_assert_eq(json_doc_load(&doc, p.buf, JSON_HASH_COMMENTS, &err), 0, "%s", err.msg);
        collect_names(doc.root, names);
        json_doc_free(&doc);
        sb_release(&p);
    }
    fs_free_list(files, n);
    cr_assert_gt(cJSON_GetArraySize(names), 10);
    const cJSON *name;
    cJSON_ArrayForEach(name, names)
    {
        for (int t = 0; t < LAB_SRC_COUNT; t++) {
            cr_assert(w.src[t].present, "%s missing", lab_src_type_name((lab_src_type)t));
            cr_assert_not_null(lab_source_find_vm(&w.src[t], NULL, name->valuestring),
                               "no VM %s on %s", name->valuestring,
                               lab_src_type_name((lab_src_type)t));
        }
    }
    cJSON_Delete(names);
    lab_world_free(&w);
}

Test(lab_world, derived_values_are_stable_and_per_provider)
{
    lab_world a, b;
    mtv_err err;
    cr_assert_eq(lab_world_load(&a, NULL, &err), 0);
    cr_assert_eq(lab_world_load(&b, NULL, &err), 0);
    const lab_vm *va = lab_source_find_vm(&a.src[LAB_SRC_OVIRT], NULL, "mtv-tests-rhel8");
    const lab_vm *vb = lab_source_find_vm(&b.src[LAB_SRC_OVIRT], NULL, "mtv-tests-rhel8");
    cr_assert_str_eq(va->id, vb->id);
    cr_assert_str_eq(va->disks[0].id, vb->disks[0].id);
    cr_assert_eq(strlen(va->id), 36);
    const lab_vm *vs = lab_source_find_vm(&a.src[LAB_SRC_VSPHERE], NULL, "mtv-tests-rhel8");
    cr_assert_str_eq(vs->id, "vm-1000");
    cr_assert_str_eq(vs->disks[0].file, "[LocalDS_0] mtv-tests-rhel8/mtv-tests-rhel8_0.vmdk");
    cr_assert_str_neq(va->id, vs->id);
    /* the oVirt section renames the shared VMs' networks position by position */
    cr_assert_str_eq(va->nics[0].network, "ovirtmgmt");
    cr_assert_str_eq(va->nics[1].network, "mtv-net-a");
    cr_assert_str_eq(vs->nics[0].network, "VM Network");
    cr_assert_str_eq(va->disks[0].storage, "data-nfs");
    /* MACs written in the world are kept */
    cr_assert_str_eq(va->nics[0].mac, "00:50:56:aa:00:01");
    /* OVA storages are the disk files */
    const lab_source *ova = &a.src[LAB_SRC_OVA];
    const lab_vm *vo = lab_source_find_vm(ova, NULL, "mtv-win2019-3disks");
    cr_assert_str_eq(vo->disks[2].storage, "mtv-win2019-3disks-disk3.vmdk");
    cr_assert_not_null(lab_source_find(ova->storages, ova->nstorages, NULL,
                                       "mtv-win2019-3disks-disk3.vmdk"));
    cr_assert(vs->is_windows == 0);
    cr_assert(lab_source_find_vm(&a.src[LAB_SRC_VSPHERE], NULL, "mtv-win2019-79")->is_windows);
    lab_world_free(&a);
    lab_world_free(&b);
}

static void expect_bad(const char *text, const char *where, const char *what)
{
    lab_world w;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(lab_world_parse(&w, "w.json", text, strlen(text), &err), -1, "%s parsed", text);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    cr_assert(strstr(err.msg, where), "expected '%s' in: %s", where, err.msg);
    cr_assert(strstr(err.msg, what), "expected '%s' in: %s", what, err.msg);
}

Test(lab_world, errors_name_the_file_position_and_key)
{
    expect_bad("{\"vms\": [{\"name\": \"a\",\n  \"cpus\": \"two\"}]}", "w.json:2:3:",
               "vms/0/cpus: expected an integer, got string");
    expect_bad("{\"vms\": [{\"cpus\": 2}]}", "w.json:1:10:", "every VM needs a \"name\"");
    expect_bad("{\"vms\": [{\"name\": \"a\", \"cpus\": 3, \"cores_per_socket\": 2}]}", "vms/0",
               "must be a multiple of");
    expect_bad("{\"vms\": [{\"name\": \"a\", \"nics\": [{\"mac\": \"zz\"}]}]}", "vms/0/nics/0/mac",
               "expected a MAC address");
    expect_bad("{\"vms\": [{\"name\": \"a\", \"power\": \"maybe\"}]}", "vms/0/power",
               "\"on\" or \"off\"");
    expect_bad("{\"vms\": [{\"name\": \"a\", \"colour\": 1}]}", "vms/0/colour",
               "unknown key in a VM");
    expect_bad("{\"ovirt\": {\"vms\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}}", "ovirt/vms/1/name",
               "used twice");
    expect_bad("{\"kvm\": {}}", "kvm", "unknown key in the world document");
    expect_bad("[1]", "w.json:1:1:", "expected a world document");
    expect_bad("{\"vms\": [{\"name\": \"a\", \"nics\": [{\"origin\": \"static\"}]}]}",
               "nics/0/origin", "\"manual\" (static)");
}

Test(lab_world, vsphere_part_is_the_launcher_format)
{
    const char *text = "# a lab world\n{\"networks\": [\"n1\"],\n \"vms\": [{\"name\": \"v\", \"cpus\": 2,"
                       " \"disks\": [{\"size_gb\": 3, \"storage\": \"ds\"}]}],\n"
                       " \"ovirt\": {\"networks\": [\"rhv-net\"]}}";
    lab_world w;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(lab_world_parse(&w, "w.json", text, strlen(text), &err), 0, "%s", err.msg);
    strbuf out = STRBUF_INIT;
    lab_world_vsphere_json(&w, &out);
    cJSON *j = cJSON_Parse(out.buf);
    cr_assert_not_null(j);
    cr_assert_eq(cJSON_GetArraySize(j), 2, "only networks and vms: %s", out.buf);
    cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "networks"), 0)->valuestring, "n1");
    cr_assert_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "vms"), 0), "cpus")
                     ->valueint, 2);
    /* the section without VMs shares them; the disk's lab-only storage key is honoured */
    const lab_vm *v = lab_source_find_vm(&w.src[LAB_SRC_OVIRT], NULL, "v");
    cr_assert_not_null(v);
    cr_assert_eq(v->disks[0].capacity, 3LL << 30);
    cr_assert_str_eq(lab_source_find_vm(&w.src[LAB_SRC_VSPHERE], NULL, "v")->disks[0].storage, "ds");
    cr_assert(!w.src[LAB_SRC_OPENSTACK].present);
    cJSON_Delete(j);
    sb_release(&out);
    lab_world_free(&w);
}
