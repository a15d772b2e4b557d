/*
 * lab_ovirt: a simulated oVirt / RHV engine, REST API v4 in XML, for the
 * validator's oVirt adapter. Mounted at /ovirt-engine on the lab listener:
 *
 *   POST /ovirt-engine/sso/oauth/token          password grant -> bearer token (JSON)
 *   GET  /ovirt-engine/api                      the API root (v4 dialect)
 *   GET  /ovirt-engine/api/vms[?search=name=X]  and /vms/ID, /vms/ID/nics,
 *        /vms/ID/diskattachments, /vms/ID/snapshots
 *   POST /ovirt-engine/api/vms/ID/start|stop|shutdown
 *   GET  /ovirt-engine/api/templates[?search=name=X], /templates/ID[/nics]:
 *        every world VM is also a template of the same name
 *   POST /ovirt-engine/api/vms[?clone=true]    <vm><name/><cluster/><template id/></vm>:
 *        a new VM from a template (down; new ids and MACs), 201
 *   DELETE /ovirt-engine/api/vms/ID            a VM made through the API, when down
 *   GET  /ovirt-engine/api/disks[/ID], storagedomains[/ID], networks[/ID],
 *        vnicprofiles[/ID], templates, clusters, datacenters, hosts, events
 *        (newest first; "search=Vms.id = ID" selects one VM's)
 *
 * Documents follow the element structure of the real recorded responses
 * (shared/reference/provider-samples/ovirt) with the world's oVirt VMs;
 * ids are those the lab's inventory reports. Requests need HTTP Basic with
 * the lab's oVirt user and password, or a token from the SSO endpoint;
 * anything else is the engine's 401 HTML page, unknown paths its 404 page.
 *
 * VMs made and removed through the API change what the engine serves and,
 * through lab_inv_stale_type, what the lab's inventory reports; the
 * world's own VMs cannot be removed.
 *
 * Thread-safe (a read-write lock around the VMs). Ownership:
 * lab_ovirt_free; the source (the world's), power table and inventory are
 * borrowed.
 */
#ifndef MTV_LAB_OVIRT_H
#define MTV_LAB_OVIRT_H

#include "lab/lab_inv.h"
#include "lab/lab_power.h"
#include "lab/lab_req.h"
#include "lab/lab_world.h"

typedef struct lab_ovirt lab_ovirt;

lab_ovirt *lab_ovirt_new(const lab_source *src, lab_power *power, lab_inv *inv,
                         const char *user, const char *password);
void lab_ovirt_free(lab_ovirt *o);
void lab_ovirt_handle(void *ud, lab_req *req, lab_resp *resp);
/* The engine's VMs as they are now (a copy: lab_source_release). */
void lab_ovirt_source(lab_ovirt *o, lab_source *out);

/* The engine's code for "VM powered off by a user" (a forced stop). */
#define LAB_OVIRT_USER_STOP_VM 33
/* Appends an event about a VM to the engine's log (thread-safe). */
void lab_ovirt_event(lab_ovirt *o, const char *vm_id, const char *vm_name, int code);

#endif
