/*
 * lab_vsphere internals shared by the SOAP session (lab_vsphere.c) and the
 * property reader that turns RetrievePropertiesEx results into a lab_source
 * (lab_vsphere_props.c). Elements are matched by local name: vcsim and
 * vCenter put the vim25 namespace on different ancestors.
 */
#ifndef MTV_LAB_VSPHERE_INT_H
#define MTV_LAB_VSPHERE_INT_H

#include <libxml/tree.h>
#include <stddef.h>

#include "lab/lab_world.h"

/* The first element child named name (any namespace), or NULL. */
xmlNode *vsx_child(const xmlNode *n, const char *name);
/* The next element sibling after n named name, or NULL. */
xmlNode *vsx_next(const xmlNode *n, const char *name);
/* First descendant along a '/'-separated path of element names. */
xmlNode *vsx_path(const xmlNode *n, const char *path);
/* The element's text, malloc'd ("" for NULL); the caller frees. */
char *vsx_text(const xmlNode *n);
/* Text compared without allocating the caller's copy. */
int vsx_text_is(const xmlNode *n, const char *want);
long long vsx_num(const xmlNode *n, long long dflt);
/* The local part of xsi:type ("VirtualDisk"), malloc'd, "" when absent. */
char *vsx_xsi_type(const xmlNode *n);

/* RetrievePropertiesEx results: every <objects> element across the pages,
 * and the documents that hold them. */
typedef struct vsx_objects {
    xmlDoc **docs;
    size_t ndocs;
    xmlNode **objs;
    size_t nobjs;
} vsx_objects;

void vsx_objects_add_doc(vsx_objects *o, xmlDoc *doc, xmlNode *returnval);
void vsx_objects_free(vsx_objects *o);

/* Builds the source from the objects (datacenters, networks, port groups,
 * datastores, hosts, then VMs referring to them). about = the apiVersion. */
void vsx_build_source(const vsx_objects *o, const char *about, lab_source *src);

#endif
