/*
 * check_io: the real check_io (check.h) of a run: guest commands over SSH
 * through the VMI portforward (ssh/guest.h) with the providers entry's guest
 * login for the VM's OS (win_os), source events through the oVirt adapter,
 * and sleeps on the transport's clock, so all of it records and replays.
 * The run's cancel flag cuts every wait short (SIGINT during check_vms).
 *
 * Ownership: check_io_real borrows everything it is given; keep it alive
 * while the check_io it filled is used.
 */
#ifndef MTV_CHECKS_CHECK_IO_H
#define MTV_CHECKS_CHECK_IO_H

#include <stdatomic.h>

#include "checks/check.h"
#include "config/providers.h"
#include "net/http.h"
#include "net/transport.h"
#include "providers/provider.h"

typedef struct check_io_real {
    transport *t;
    const net_endpoint *cluster;     /* the Kubernetes API (portforward); NULL in replay is fine */
    const provider_entry *entry;     /* guest_vm_{linux,win}_{user,password} */
    source_provider *source;         /* for source events; may be NULL */
    long retry_total_ms;             /* SSH connect retries; 0 = 300 s */
    long retry_interval_ms;          /* 0 = 15 s */
    atomic_int *cancel;              /* the run's cancel flag, or NULL: SSH retries, commands and
                                        sleeps stop once it is set */
} check_io_real;

/* Fills io to use st. */
void check_io_init(check_io *io, check_io_real *st);

#endif
