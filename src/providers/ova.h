/*
 * ova: the OVA source adapter and the OVF descriptor parser, reached through
 * provider.h (ova_source_ops).
 *
 * An OVA is a tar archive whose first member is an OVF descriptor (XML)
 * followed by the disk images. The adapter reads archives with libarchive as
 * a stream: only the descriptor is kept in memory (capped), disk members are
 * skipped, so a 100 GB OVA costs a few kilobytes. Unpacked OVFs (a .ovf file
 * next to its disks) are read too. The archives live on the NFS share the
 * entry's api_url names; the adapter reads them from a local folder: the
 * share's mount point (source_config.ova_dir), or api_url itself when it is a
 * local path or a share this machine exports ("127.0.0.1:/srv/ova").
 *
 * OVA VMs are never cloned, powered or deleted (as upstream), so the adapter
 * only looks: vm_info and networks. Their power state is "off".
 *
 * Ownership: records are the caller's. ovf_record is a pure function of the
 * descriptor text, tested and fuzzed on its own.
 */
#ifndef MTV_PROVIDERS_OVA_H
#define MTV_PROVIDERS_OVA_H

#include <stddef.h>

#include "providers/provider.h"
#include "providers/vm_record.h"

/* Largest OVF descriptor accepted (the XML, not the disks). */
#define OVF_MAX_BYTES (16u << 20)

/* Fills out from an OVF descriptor (OVF 1.x Items or 2.x EthernetPortItem /
 * StorageItem): name, CPU (sockets x cores per socket), memory, disks with
 * capacity, controller and unit, NICs with network and MAC, guest OS type
 * (win_os), firmware and secure boot. name is used in messages. */
int ovf_record(const char *name, const char *xml, size_t n, vm_record *out, mtv_err *err);

/* Reads the descriptor of an .ova archive (streamed) or an .ovf file at path
 * and converts it; the record's id is id (the path relative to the share). */
int ova_read(const char *path, const char *id, vm_record *out, mtv_err *err);

#endif
