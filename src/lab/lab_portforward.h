/*
 * lab_portforward: KubeVirt's portforward subresource, the way virtctl
 * port-forward and the validator reach a guest's SSH:
 *
 *   GET /apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachineinstances/NAME/portforward/PORT[/tcp]
 *   GET /apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachines/NAME/portforward/PORT[/tcp]
 *
 * upgraded to a WebSocket with subprotocol plain.kubevirt.io whose binary
 * messages carry the raw TCP stream. The lab has no guests: every
 * running VMI's every port is proxied to one --ssh-target (an sshd), so
 * SSH checks run against a real server. The VMI must exist and be
 * Running (404 / 400 otherwise, as a Kubernetes Status). With a guest
 * folder, the sshd can tell the guests apart (lab_guest.h). A VMI annotated
 * LAB_GUEST_PORTS "closed" (the faults file's "ssh": "closed") has no open
 * port: the upgrade succeeds and the tunnel closes at once, as KubeVirt's
 * does when nothing listens in the guest.
 *
 * The same mount serves the lifecycle subresources (virtualmachines/NAME/
 * start|stop|restart), handed to lab_kv_power.h, and the group's discovery.
 *
 * Ownership: lab_portforward_free; the store is borrowed.
 */
#ifndef MTV_LAB_PORTFORWARD_H
#define MTV_LAB_PORTFORWARD_H

#include "lab/lab_req.h"
#include "lab/lab_store.h"

/* The VMI annotation the lab controller sets for a guest-ports fault. */
#define LAB_GUEST_PORTS "lab.mtv-validate.io/guest-ports"

typedef struct lab_portforward lab_portforward;

/* target: "HOST:PORT" or NULL (then upgrades are refused with a clear error). */
lab_portforward *lab_portforward_new(lab_store *store, const char *target);
/* Answering guests (lab_guest.h): with a loopback target, each session
 * writes its VMI's answers under dir/<source address>/ and connects from
 * that address (127.77.x.y). NULL = off. */
void lab_portforward_set_guest_dir(lab_portforward *p, const char *dir);
void lab_portforward_free(lab_portforward *p);
/* The handler for /apis/subresources.kubevirt.io (ud = the lab_portforward). */
void lab_portforward_handle(void *ud, lab_req *req, lab_resp *resp);

#endif
