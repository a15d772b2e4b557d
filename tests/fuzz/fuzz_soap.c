/* fuzz_soap: any bytes as a vSphere SOAP answer must parse into objects or
 * fail with a message, never crash; whatever parses is turned into a VM
 * record (every property path the adapter reads) and its fault, if any, is
 * described. */
#include <stdint.h>
#include <stdlib.h>

#include "providers/pxml.h"
#include "providers/vim.h"
#include "providers/vsphere.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xmlDoc *doc;
    xmlNode *resp;
    mtv_err err;
    char fault[64];
    /* a leading 'F' makes the answer an HTTP 500 (where faults come) */
    int as_fault = size > 0 && data[0] == 'F';
    if (vim_parse_response("RetrievePropertiesEx", as_fault ? 500 : 200,
                           (const char *)data + as_fault, size - (size_t)as_fault, &doc, &resp,
                           fault, &err) != 0)
        return 0;
    vim_objset set = {0};
    strbuf token = STRBUF_INIT;
    vim_objset_take(&set, doc, resp, &token);
    for (size_t i = 0; i < set.count; i++) {
        vm_record r;
        vm_record_init(&r);
        vsphere_record_from(&set.objs[i], &set, &r);
        cJSON_Delete(vm_record_to_json(&r));
        vm_record_free(&r);
        char **refs;
        size_t n = vsphere_referenced(&set.objs[i], &refs);
        for (size_t k = 0; k < n; k++)
            free(refs[k]);
        free(refs);
        xmlNode *e = vim_obj_prop(&set.objs[i], "info.error");
        if (e) {
            strbuf msg = STRBUF_INIT;
            vim_fault_describe(px_child(e, "fault"), NULL, &msg, fault);
            sb_release(&msg);
        }
    }
    sb_release(&token);
    vim_objset_free(&set);
    return 0;
}
