/* fuzz_ovf: any bytes as an OVF descriptor must give a VM record or an error
 * message, never a crash. */
#include <stdint.h>

#include "providers/ova.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vm_record r;
    vm_record_init(&r);
    mtv_err err;
    if (ovf_record("fuzz.ovf", (const char *)data, size, &r, &err) == 0)
        cJSON_Delete(vm_record_to_json(&r));
    vm_record_free(&r);
    return 0;
}
