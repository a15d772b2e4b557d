/*
 * mtv_driver: the runner driver that carries out scenarios on a cluster with
 * the Forklift lifecycle (mtv/session.h): one Kubernetes client over the
 * scenario's transport, one session per scenario.
 *
 * Steps carried out: prepare, storagemap, networkmap, plan, migrate,
 * check_vms and verify_xfs_version (runner/check_step.h). The other steps of
 * a pattern (the other verify_* steps, provider-side preparation) belong to
 * later modules and are left out of the run rather than faked.
 *
 * Verdicts: a session step that reports the product did not do what the
 * scenario expects is failed; one that could not be carried out (bad
 * configuration, API unreachable, cancelled) is an error.
 */
#ifndef MTV_RUNNER_MTV_DRIVER_H
#define MTV_RUNNER_MTV_DRIVER_H

#include "mtv/session.h"
#include "runner/driver.h"

/* The driver; shared is the run's mtv_shared (owned by the caller). */
runner_driver runner_mtv_driver(mtv_shared *shared);

#endif
