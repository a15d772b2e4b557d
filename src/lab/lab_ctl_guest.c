/* lab_ctl_guest: the controller's side of the lab's answering guests
 * (lab_guest.h): the facts go on the VM's guest as an annotation, which
 * every instance the power reconciler starts carries: the one place the
 * portforward reads them from, so the two share no state. */
#include <stdlib.h>

#include "lab/lab_ctl_int.h"
#include "lab/lab_faults.h"
#include "lab/lab_guest.h"
#include "util/log.h"

void ctl_guest_annotate(const target_ctx *t, cJSON *metadata, cJSON *interfaces)
{
    const cJSON *bad = lab_faults_vm_wrong(t->c->cfg.faults, jpath_str(t->plan, "metadata.name"),
                                           t->src->name);
    cJSON *facts = lab_guest_facts(t->src, interfaces, cJSON_GetObjectItem(bad, "guest"));
    char *text = cJSON_PrintUnformatted(facts);
    cJSON_Delete(facts);
    if (!text) {
        log_warn("lab controller: could not record the guest of %s", t->src->name);
        return;
    }
    cJSON *ann = cJSON_GetObjectItem(metadata, "annotations");
    if (!ann)
        ann = cJSON_AddObjectToObject(metadata, "annotations");
    cJSON_DeleteItemFromObject(ann, LAB_GUEST_FACTS);
    cJSON_AddStringToObject(ann, LAB_GUEST_FACTS, text);
    free(text);
}
