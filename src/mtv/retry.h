/*
 * retry: whether a failed Kubernetes request is worth sending again, read
 * from the client's error message (k8s/client.h writes "<Kind> <ns>/<name>:
 * <code> <Reason>: ..." for a Status, "... HTTP <code> ..." otherwise, and
 * no code at all when no answer came).
 *
 * Retryable: no answer (connection refused or reset, timeout), 429 and every
 * 5xx. Not retryable: any other status (400, 403, 404, 409, 422, ...), which
 * would fail the same way again.
 */
#ifndef MTV_MTV_RETRY_H
#define MTV_MTV_RETRY_H

int mtv_retryable(const char *msg);

#endif
