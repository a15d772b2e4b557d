/*
 * lab_ova: the OVA files of the world's OVA source, written into a folder
 * (the "NFS share" an OVA Provider's URL names).
 *
 * Each VM becomes <name>.ova: a POSIX tar (what OVA is) whose first member
 * is <name>.ovf (an OVF 1.0 envelope as VMware exports it: References,
 * DiskSection with capacities, NetworkSection, a VirtualSystem with the
 * guest OS, CPU and cores per socket, memory, SCSI controller, disks and
 * NICs with their MACs and networks, and the firmware), then <name>.mf
 * (SHA-256 of the other members), then one <name>-diskN.vmdk per disk:
 * a descriptor-only VMDK whose single extent is ZERO, so the file is a
 * few hundred bytes yet describes a disk of the world's capacity.
 */
#ifndef MTV_LAB_OVA_H
#define MTV_LAB_OVA_H

#include "lab/lab_world.h"
#include "util/err.h"
#include "util/strbuf.h"

/* The OVF document of one VM (appended to out). */
void lab_ova_ovf(const lab_vm *vm, strbuf *out);
/* Writes <dir>/<vm>.ova for every VM of src (creating dir). Returns the
 * number written, or -1 with err naming the file. */
int lab_ova_write_all(const lab_source *src, const char *dir, mtv_err *err);

#endif
