/*
 * lab_sources: the lab's source platforms and guest access, mounted on the
 * lab's listener: the simulated oVirt REST API (/ovirt-engine), the
 * simulated OpenStack services (/openstack/...), OVA files written into a
 * folder, the vSphere collector that reads a real vcsim over SOAP, the
 * KubeVirt portforward subresource proxied to an sshd, and the API fault
 * filter. One place that knows which of these a lab has, so lab_mtv only
 * assembles.
 *
 * Ownership: lab_sources_free; everything in the config is borrowed and
 * must outlive the sources.
 */
#ifndef MTV_LAB_SOURCES_H
#define MTV_LAB_SOURCES_H

#include "lab/lab_ctl.h"
#include "lab/lab_faults.h"
#include "lab/lab_inv.h"
#include "lab/lab_server.h"
#include "lab/lab_world.h"
#include "util/err.h"

typedef struct lab_sources_config {
    lab_server *server;
    const lab_world *world;
    lab_faults *faults;            /* may be NULL */
    lab_inv *inv;
    const char *ssh_target;        /* "HOST:PORT" or NULL */
    const char *guest_dir;         /* answering guests' folder (lab_guest.h) or NULL */
    const char *vsphere_url;       /* vcsim SDK URL or NULL */
    const char *ova_dir;           /* where OVA files go, or NULL */
    const char *users[LAB_SRC_COUNT];
    const char *passwords[LAB_SRC_COUNT];
} lab_sources_config;

typedef struct lab_sources lab_sources;

/* Mounts the endpoints (before the server starts). */
int lab_sources_attach(const lab_sources_config *cfg, lab_sources **out, mtv_err *err);
/* After the server started: writes the OVA files. */
int lab_sources_start(lab_sources *s, mtv_err *err);
/* Gives the controller the source, vSphere collect, power and source-fault
 * ("source" in the faults file) callbacks. */
void lab_sources_wire(lab_sources *s, lab_ctl_config *cc);
void lab_sources_stop(lab_sources *s);
void lab_sources_free(lab_sources *s);

#endif
