/* Unit tests for mtv/retry on the Kubernetes client's real message shapes. */
#include <criterion/criterion.h>

#include "mtv/retry.h"

Test(retry, status_codes_decide)
{
    cr_assert(mtv_retryable("Secret ns/x: 500 InternalError: etcdserver: request timed out"));
    cr_assert(mtv_retryable("Secret ns/x: 429 TooManyRequests: slow down"));
    cr_assert(mtv_retryable("Plan ns/p: HTTP 503 Service Unavailable: upstream connect error"));
    cr_assert_not(mtv_retryable("Plan ns/p: 422 Invalid: spec.vms: Required value"));
    cr_assert_not(mtv_retryable("Provider ns/p: 403 Forbidden: providers is forbidden"));
    cr_assert_not(mtv_retryable("Plan ns/p: HTTP 400 Bad Request: admission webhook denied"));
    cr_assert_not(mtv_retryable("creating Plan p: Plan ns/p: 409 Conflict: the object has been modified"));
}

Test(retry, no_answer_is_retryable)
{
    cr_assert(mtv_retryable("Secret ns/x: POST kubernetes: cannot talk to https://api:6443: Connection reset"));
    cr_assert(mtv_retryable("Namespace auto-1: timed out after 60000 ms"));
    cr_assert(mtv_retryable(""));
}
