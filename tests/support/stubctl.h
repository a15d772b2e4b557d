/*
 * stubctl: a scripted stand-in for the MTV controller and inventory, for
 * the lifecycle's tests against the in-process lab (part 1, the API server).
 *
 * It prepares the cluster the way an MTV install looks (namespace
 * openshift-mtv, Route forklift-inventory pointing at its own HTTPS
 * inventory, ForkliftController forklift-controller) and then, from a thread
 * polling the API every 20 ms through the Kubernetes client, writes status
 * the way the controllers do: Providers Ready (and listed in its inventory),
 * Plans Ready (and Archived when archived), and for each Migration a run in
 * two steps, executing with a disk transfer half done, then Succeeded, or
 * Failed at the configured pipeline step with a reason; a successful VM gets
 * its VirtualMachine in the target namespace; spec.cancel cancels (with
 * hold set, migrations stay executing until they are canceled).
 *
 * The inventory knows one source VM per name in vm_names (id vm-<n>), each
 * with one disk on datastore-1 ("datastore1") and NICs on network-1
 * ("VM Network") and network-2 ("Mgmt").
 *
 * This is test scaffolding with fixed, simple behaviour; the real simulator
 * is the lab's part 2.
 */
#ifndef MTV_STUBCTL_H
#define MTV_STUBCTL_H

#include "lab/lab_server.h"

typedef struct stubctl_config {
    const char *fail_step;       /* NULL: every VM succeeds; else the step that fails */
    const char *fail_reason;
    const char *const *vm_names; /* NULL-terminated */
    int hold;                    /* migrations stay executing until canceled */
} stubctl_config;

typedef struct stubctl stubctl;

/* Sets the cluster up and starts the controller thread. Aborts the test on
 * failure. */
stubctl *stubctl_start(lab_server *lab, const stubctl_config *cfg);
void stubctl_stop(stubctl *s);

/* Migrations the controller ran so far. */
int stubctl_migrations(stubctl *s);

#endif
