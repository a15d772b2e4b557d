/*
 * ovirt: the oVirt / RHV source adapter (REST API v4 in XML, the dialect the
 * official SDKs speak), reached through provider.h (ovirt_source_ops).
 *
 * Login is an SSO password grant (POST <engine>/sso/oauth/token) whose bearer
 * token then authorises every API call. Like upstream's OvirtProvider the
 * adapter refuses to work unless the data center MTV needs (MTV-CNV by
 * default) exists and is up. VMs are found with a search (name=<vm>); clones
 * are made from templates (vms?clone=true) and waited for until down.
 *
 * The conversion of API documents to a vm_record is a pure function over XML
 * nodes plus a lookup for linked objects (disks, storage domains, vNIC
 * profiles, networks), so tests run it on the recorded engine samples.
 */
#ifndef MTV_PROVIDERS_OVIRT_H
#define MTV_PROVIDERS_OVIRT_H

#include <libxml/tree.h>

#include "providers/provider.h"
#include "providers/vm_record.h"

/* Finds a linked object by collection ("disks", "storagedomains",
 * "vnicprofiles", "networks") and id: its element, or NULL. */
typedef xmlNode *(*ovirt_lookup_fn)(void *ud, const char *collection, const char *id);

/* Fills out from a <vm> and its <nics>, <disk_attachments> and <snapshots>
 * documents' roots (any may be NULL). */
void ovirt_record_from(const xmlNode *vm, const xmlNode *nics, const xmlNode *attachments,
                       const xmlNode *snapshots, ovirt_lookup_fn lookup, void *ud,
                       vm_record *out);

/* How many events with this code the engine holds for the VM (upstream's
 * check_false_vm_power_off looks for code 33, USER_STOP_VM). */
int ovirt_vm_event_count(source_provider *p, const char *vm, int code, size_t *count,
                         mtv_err *err);

/* "https://e/ovirt-engine/api" -> "https://e/ovirt-engine/sso/oauth/token". */
void ovirt_sso_url(const char *api_url, strbuf *out);

#endif
