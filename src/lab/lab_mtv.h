/*
 * lab_mtv: part 2 of the lab, assembled onto a lab_server: "MTV installed
 * on an OpenShift cluster with OpenShift Virtualization". It adds
 *
 *   - the cluster's furniture: namespace openshift-mtv with the
 *     ForkliftController, the `host` Provider, the forklift-inventory
 *     Route and Service, the MTV operator's CSV and pods; worker Nodes,
 *     StorageClasses, the ClusterVersion; and the OpenShift source VMs of
 *     the world in their namespace;
 *   - Forklift's admission webhooks (lab_webhook) and controller (lab_ctl);
 *   - the inventory service on the lab's listener (/providers, lab_inv);
 *   - simulated source endpoints: oVirt REST API v4 (/ovirt-engine) and
 *     OpenStack (/openstack/...), OVA files written into a folder, and a
 *     vSphere inventory read from a real vcsim (--vsphere);
 *   - guest access: the VMI portforward subresource proxied to an sshd;
 *   - API faults (--faults);
 *   - `.providers.json` in the state folder, describing these sources in
 *     upstream's format with the credentials the lab accepts.
 *
 * Use: lab_server_new, lab_mtv_attach, lab_server_start, lab_mtv_start;
 * stop with lab_server_stop, lab_mtv_stop; free lab_mtv before the server.
 */
#ifndef MTV_LAB_MTV_H
#define MTV_LAB_MTV_H

#include "lab/lab_server.h"
#include "lab/lab_world.h"
#include "util/err.h"

typedef struct lab_mtv_config {
    const char *world_path;     /* NULL = the compiled-in world */
    const char *faults_path;    /* NULL = none */
    double speed;               /* 0 = 1 */
    const char *vsphere_url;    /* a vcsim SDK URL; NULL = vSphere served from the world */
    const char *vsphere_user;   /* NULL = "user" (the vcsim launcher's default) */
    const char *vsphere_password; /* NULL = "pass" */
    const char *ssh_target;     /* "HOST:PORT" the portforward subresource reaches; NULL = none */
    const char *guest_dir;      /* answering guests' folder (lab_guest.h); NULL = none */
    const char *ova_dir;        /* NULL = <state dir>/ova */
    const char *namespace;      /* NULL = "openshift-mtv" */
    const char *openshift_version; /* the ClusterVersion's version; NULL = "4.20.0" */
    int write_providers;        /* write <state dir>/.providers.json */
} lab_mtv_config;

typedef struct lab_mtv lab_mtv;

int lab_mtv_attach(lab_server *srv, const lab_mtv_config *cfg, lab_mtv **out, mtv_err *err);
int lab_mtv_start(lab_mtv *m, mtv_err *err);
void lab_mtv_stop(lab_mtv *m);
void lab_mtv_free(lab_mtv *m);

const lab_world *lab_mtv_world(const lab_mtv *m);
/* The credentials a source type accepts (NULL for none). */
const char *lab_mtv_user(const lab_mtv *m, lab_src_type t);
const char *lab_mtv_password(const lab_mtv *m, lab_src_type t);
/* Where .providers.json and the OVA files went (NULL when not written). */
const char *lab_mtv_providers_path(const lab_mtv *m);
const char *lab_mtv_ova_dir(const lab_mtv *m);
/* Waits until the controller is idle (tests). */
void lab_mtv_settle(lab_mtv *m, int timeout_ms);

#endif
