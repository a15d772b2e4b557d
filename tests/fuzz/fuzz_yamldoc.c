/* fuzz_yamldoc: arbitrary bytes as a YAML file must convert or fail with a
 * file:line:col message, never crash or run away (aliases are bounded). */
#include <stdint.h>
#include <stdlib.h>

#include "util/yamldoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *docs = NULL;
    mtv_err err;
    if (yamldoc_parse("fuzz.yaml", (const char *)data, size, &docs, &err) == 0)
        cJSON_Delete(docs);
    return 0;
}
