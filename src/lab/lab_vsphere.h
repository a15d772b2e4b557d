/*
 * lab_vsphere: the lab's vSphere inventory read from a real vCenter
 * simulator (vcsim, `lab serve --vsphere URL`) the way Forklift's vSphere
 * collector reads vCenter: SOAP over the transport, RetrieveServiceContent,
 * Login (session cookie), one ContainerView over the root folder and
 * RetrievePropertiesEx (continued while a token comes back) for virtual
 * machines, networks, port groups, datastores, hosts and datacenters.
 * The lab never answers SOAP itself: the endpoint is always the real
 * simulator, so ids (morefs) are the simulator's.
 *
 * Powering a VM off or on (a migration's PowerOffSource, a cancel's
 * restore) calls PowerOffVM_Task / PowerOnVM_Task and waits for the task,
 * with the credentials of the last successful collect for that URL.
 *
 * Thread-safe (one mutex around the remembered credentials; the transport
 * is thread-safe). Ownership: lab_vsphere_free; a collected lab_source is
 * the caller's (lab_source_release).
 */
#ifndef MTV_LAB_VSPHERE_H
#define MTV_LAB_VSPHERE_H

#include "lab/lab_world.h"
#include "util/err.h"

typedef struct lab_vsphere_login {
    const char *url;           /* SDK URL, "https://host/sdk" */
    const char *user;
    const char *password;
    const char *cacert;        /* PEM the server's certificate chains to, or NULL */
    int insecure;              /* skip TLS verification (explicit) */
} lab_vsphere_login;

typedef struct lab_vsphere lab_vsphere;

/* A collector with its own live transport; NULL with err when that fails. */
lab_vsphere *lab_vsphere_new(mtv_err *err);
void lab_vsphere_free(lab_vsphere *v);

/* Logs in, reads the inventory into *src (type vSphere, present) and logs
 * out. -1 with err (class MTV_EXIT_ENV) saying what failed: the
 * connection, the login ("incorrect user name or password"), a SOAP fault. */
int lab_vsphere_collect(lab_vsphere *v, const lab_vsphere_login *login, lab_source *src,
                        mtv_err *err);

/* Powers the VM with this moref on or off and waits for the task. */
int lab_vsphere_power(lab_vsphere *v, const char *url, const char *moref, int on, mtv_err *err);

/* Takes a snapshot of the VM ("lab-fault", add) or removes its current
 * one, and waits for the task: the "snapshot" source fault. */
int lab_vsphere_snapshot(lab_vsphere *v, const char *url, const char *moref, int add,
                         mtv_err *err);

#endif
