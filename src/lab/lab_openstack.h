/*
 * lab_openstack: simulated OpenStack services for the validator's
 * OpenStack adapter, mounted under /openstack on the lab listener:
 *
 *   identity (Keystone v3)  /openstack/identity/v3/auth/tokens  password auth,
 *                           201 with X-Subject-Token and a catalog of the others
 *   compute (Nova 2.1)      /openstack/compute/v2.1/servers[/detail|/ID],
 *                           /servers/ID/os-volume_attachments, /os-interface,
 *                           POST /servers/ID/action (os-stop, os-start),
 *                           /flavors[/detail|/ID]
 *   network (Neutron)       /openstack/network/v2.0/networks[/ID], subnets, ports
 *   block storage (Cinder)  /openstack/volume/v3/PROJECT/volumes[/detail|/ID],
 *                           /types, /snapshots/detail
 *   image (Glance v2)       /openstack/image/v2/images[/ID]
 *
 * JSON bodies use the keys and value types of the real recorded responses
 * (shared/reference/provider-samples/openstack) with the world's OpenStack
 * VMs (servers booted from volumes, one volume per disk, one flavor per
 * CPU/memory shape); ids match the lab's inventory. Every service but the
 * token endpoint needs X-Auth-Token; errors are the services' own JSON
 * shapes (401 Unauthorized, 404 itemNotFound).
 *
 * Ownership: lab_openstack_free; the source, power table and inventory
 * are borrowed. base_url (the lab's URL) is copied when set.
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

#endif
