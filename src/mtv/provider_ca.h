/*
 * provider_ca: the certificate chain a source provider's server presents,
 * fetched as upstream does (openssl s_client against the api_url's host and
 * port, else fqdn:443) and recorded as a transport custom entry of kind
 * "tls", so a replay needs no server. `run` puts it in the Provider Secret
 * and trusts it for its own source adapter; `cleanup` trusts it for the
 * adapters it opens when given neither a CA file nor --source-insecure.
 */
#ifndef MTV_MTV_PROVIDER_CA_H
#define MTV_MTV_PROVIDER_CA_H

#include "config/providers.h"
#include "net/transport.h"
#include "util/err.h"
#include "util/strbuf.h"

/* Appends the chain (PEM, leaf first) to pem. Errors name the entry's
 * missing key or the server that could not be reached. */
int mtv_provider_fetch_ca(transport *t, const provider_entry *e, strbuf *pem, mtv_err *err);

#endif
