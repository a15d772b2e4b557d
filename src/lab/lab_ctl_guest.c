/* lab_ctl_guest: the controller's side of the lab's answering guests
 * (lab_guest.h): the facts go on the VMI as an annotation, the one place
 * the portforward reads them from, so the two share no state. */
#include <stdlib.h>

#include "lab/lab_ctl_int.h"
#include "lab/lab_faults.h"
#include "lab/lab_guest.h"
#include "util/log.h"

void ctl_guest_annotate(target_ctx *t, const char *name, cJSON *interfaces)
{
    lab_ctl *c = t->c;
    const cJSON *bad = lab_faults_vm_wrong(c->cfg.faults, jpath_str(t->plan, "metadata.name"),
                                           t->src->name);
    cJSON *facts = lab_guest_facts(t->src, interfaces, cJSON_GetObjectItem(bad, "guest"));
    char *text = cJSON_PrintUnformatted(facts);
    cJSON_Delete(facts);
    cJSON *vmi = ctl_get(c, c->k_vmi, t->target_ns, name);
    if (vmi && text) {
        cJSON *md = cJSON_GetObjectItem(vmi, "metadata");
        cJSON *ann = cJSON_GetObjectItem(md, "annotations");
        if (!ann)
            ann = cJSON_AddObjectToObject(md, "annotations");
        cJSON_DeleteItemFromObject(ann, LAB_GUEST_FACTS);
        cJSON_AddStringToObject(ann, LAB_GUEST_FACTS, text);
        /* ctl_update consumes the object */
        if (ctl_update(c, c->k_vmi, t->target_ns, name, vmi) >= 300)
            log_warn("lab controller: could not record the guest of %s/%s", t->target_ns, name);
    } else {
        cJSON_Delete(vmi);
    }
    free(text);
}
