/*
 * lab_openstack: simulated OpenStack services for the validator's
 * OpenStack adapter, mounted under /openstack on the lab listener:
 *
 *   identity (Keystone v3)  /openstack/identity/v3/auth/tokens  password auth,
 *                           201 with X-Subject-Token and a catalog of the others
 *   compute (Nova 2.1)      /openstack/compute/v2.1/servers[/detail|/ID],
 *                           /servers/ID/os-volume_attachments, /os-interface,
 *                           POST /servers/ID/action (os-stop, os-start, createImage),
 *                           POST /servers (block_device_mapping_v2 or imageRef),
 *                           DELETE /servers/ID (servers made through the API),
 *                           /flavors[/detail|/ID]
 *   network (Neutron)       /openstack/network/v2.0/networks[/ID], subnets, ports
 *   block storage (Cinder)  /openstack/volume/v3/PROJECT/volumes[/detail|/ID],
 *                           POST /volumes (from a snapshot), DELETE /volumes/ID,
 *                           /types, /snapshots[/detail|/ID][?volume_id=], DELETE
 *   image (Glance v2)       /openstack/image/v2/images[/ID], DELETE /images/ID
 *
 * JSON bodies use the keys and value types of the real recorded responses
 * (shared/reference/provider-samples/openstack) with the world's OpenStack
 * VMs (servers booted from volumes, one volume per disk, one flavor per
 * CPU/memory shape); ids match the lab's inventory. Every service but the
 * token endpoint needs X-Auth-Token; errors are the services' own JSON
 * shapes (401 Unauthorized, 404 itemNotFound).
 *
 * A server clone is made as Nova makes one of a volume-backed server:
 * createImage takes a Cinder snapshot of every volume and a Glance image
 * whose block_device_mapping names them (202 with the image's Location);
 * volumes made from the snapshots boot a new server (ACTIVE at once, new
 * ids and MACs, the source's shape). Deleting a server leaves its volumes
 * available; an attached volume cannot be deleted (400), as in Cinder.
 * Servers made or deleted change what the lab's inventory reports
 * (lab_inv_stale_type); the world's servers cannot be deleted.
 *
 * Thread-safe (a read-write lock around servers, snapshots, images and
 * volumes). Ownership: lab_openstack_free; the source (the world's), power
 * table and inventory are borrowed. base_url (the lab's URL) is copied when set.
 */
#ifndef MTV_LAB_OPENSTACK_H
#define MTV_LAB_OPENSTACK_H

#include "lab/lab_inv.h"
#include "lab/lab_power.h"
#include "lab/lab_req.h"
#include "lab/lab_world.h"

typedef struct lab_openstack lab_openstack;

lab_openstack *lab_openstack_new(const lab_source *src, lab_power *power, lab_inv *inv,
                                 const char *user, const char *password);
/* The lab's URL, for the service catalog (once the port is known). */
void lab_openstack_set_base(lab_openstack *o, const char *base_url);
void lab_openstack_free(lab_openstack *o);
void lab_openstack_handle(void *ud, lab_req *req, lab_resp *resp);
/* The servers as they are now (a copy: lab_source_release). */
void lab_openstack_source(lab_openstack *o, lab_source *out);

#endif
