/*
 * lab_power: the power state of the lab's source VMs as the simulated
 * endpoints report it. It starts as the world says and changes when a
 * migration powers a source off (or back on after a cancel) and when a
 * client calls a start/stop action of a simulated API, so oVirt, OpenStack
 * and the inventory agree on what is running. Thread-safe; keys are the
 * source type and the VM id.
 */
#ifndef MTV_LAB_POWER_H
#define MTV_LAB_POWER_H

#include "lab/lab_world.h"

typedef struct lab_power lab_power;

lab_power *lab_power_new(void);
void lab_power_free(lab_power *p);
/* The VM's power: set by lab_power_set, else vm->power_on. */
int lab_power_get(lab_power *p, lab_src_type t, const lab_vm *vm);
void lab_power_set(lab_power *p, lab_src_type t, const char *vm_id, int on);

#endif
