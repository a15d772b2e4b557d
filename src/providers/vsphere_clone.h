/*
 * vsphere_clone: CloneVM_Task with the options the scenarios use (upstream
 * VMWareProvider.clone_vm): placement (datastore, host, resource pool), the
 * disk_type transform, added disks, new MAC addresses and changed block
 * tracking for warm migrations.
 *
 * The spec is built from the source VM's devices, and elements are written in
 * the order of the vim25 schema (vCenter rejects out-of-order elements).
 * Edited devices always carry their deviceInfo: vcsim crashes on an edit
 * without one.
 */
#ifndef MTV_PROVIDERS_VSPHERE_CLONE_H
#define MTV_PROVIDERS_VSPHERE_CLONE_H

#include "providers/provider.h"
#include "providers/vim.h"

/* Clones the VM or template named source as clone_name (powered off) and
 * puts the clone's MoRef value into id. */
int vsphere_clone(vim_client *c, const char *source, const char *clone_name,
                  const clone_options *o, strbuf *id, mtv_err *err);

/* The CloneVM_Task arguments for a source whose properties are in src
 * (config.hardware.device, parent, resourcePool, datastore) with placement
 * already resolved (datastore, pool, host MoRef values; host may be NULL) and
 * the datastore names needed for added disks' file names (ds_name of
 * datastore ids; may be NULL when no add_disks has a datastore_path). */
int vsphere_clone_spec(const vim_obj *src, const char *clone_name, const clone_options *o,
                       const char *folder, const char *datastore, const char *pool,
                       const char *host, const vim_objset *datastores, strbuf *args,
                       mtv_err *err);

#endif
