/* fuzz_openshift: any JSON as [VirtualMachine, VMI, instancetype, [PVC...]]
 * must give a record (every member may be missing or of any type), never a
 * crash: the API objects come from a cluster we do not control. */
#include <stdint.h>
#include <string.h>

#include "k8s/quantity.h"
#include "providers/kubevirt.h"

static const cJSON *pvc_lookup(void *ud, const char *name)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, (const cJSON *)ud) {
        const cJSON *md = cJSON_GetObjectItemCaseSensitive(e, "metadata");
        const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "name"));
        if (n && strcmp(n, name) == 0)
            return e;
    }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *in = cJSON_ParseWithLength((const char *)data, size);
    if (!in)
        return 0;
    const cJSON *pvcs = cJSON_GetArrayItem(in, 3);
    vm_record r;
    vm_record_init(&r);
    kubevirt_record_from(cJSON_GetArrayItem(in, 0), cJSON_GetArrayItem(in, 1),
                         cJSON_GetArrayItem(in, 2), pvc_lookup, (void *)pvcs, &r);
    cJSON_Delete(vm_record_to_json(&r));
    vm_record_free(&r);
    long long bytes;
    (void)k8s_quantity_bytes(cJSON_GetStringValue(cJSON_GetArrayItem(in, 4)), &bytes);
    cJSON_Delete(in);
    return 0;
}
