/*
 * quantity: Kubernetes resource quantities ("8Gi", "8192Mi", "500M", "1.5G",
 * "20971520") as whole bytes, the form the checks compare memory and disk
 * sizes in.
 */
#ifndef MTV_K8S_QUANTITY_H
#define MTV_K8S_QUANTITY_H

/* Parses a quantity with an optional binary (Ki..Ei) or decimal (k, M..E)
 * suffix into bytes, rounding a fraction up as the API server does.
 * Returns 0, or -1 when s is not a quantity (empty, unknown suffix, "m"
 * milli units, negative, or overflow). */
int k8s_quantity_bytes(const char *s, long long *out);

#endif
