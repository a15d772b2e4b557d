/* Unit tests for net/peercert: the chain fetched from a real HTTPS server on
 * loopback verifies against that server's CA; failures name host:port. */
#include <criterion/criterion.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdlib.h>
#include <string.h>

#include "net/peercert.h"
#include "testserver.h"
#include "testutil.h"

static int port_of(const char *url)
{
    const char *colon = strrchr(url, ':');
    return colon ? atoi(colon + 1) : 0;
}

Test(peercert, chain_verifies_against_the_servers_ca)
{
    ts_server *srv = ts_start(TS_HTTPS);
    strbuf pem = STRBUF_INIT;
    mtv_err err;
    cr_assert_eq(net_peer_chain_pem("127.0.0.1", port_of(ts_url(srv)), 5000, &pem, &err), 0, "%s",
                 err.msg);
    cr_assert(strstr(pem.buf, "-----BEGIN CERTIFICATE-----"));

    BIO *b = BIO_new_mem_buf(pem.buf, (int)pem.len);
    X509 *leaf = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    cr_assert_not_null(leaf);
    BIO *cb = BIO_new_mem_buf(ts_ca_pem(srv), -1);
    X509 *ca = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    BIO_free(cb);
    X509_STORE *store = X509_STORE_new();
    X509_STORE_add_cert(store, ca);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, leaf, NULL);
    cr_assert_eq(X509_verify_cert(ctx), 1, "the fetched leaf is the one the CA issued");
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    X509_free(ca);
    X509_free(leaf);
    sb_release(&pem);
    ts_stop(srv);
}

Test(peercert, failures_name_the_endpoint)
{
    ts_server *plain = ts_start(TS_HTTP);   /* speaks HTTP, not TLS */
    int port = port_of(ts_url(plain));
    strbuf pem = STRBUF_INIT;
    mtv_err err;
    cr_assert_eq(net_peer_chain_pem("127.0.0.1", port, 3000, &pem, &err), -1);
    cr_assert(strstr(err.msg, "127.0.0.1:") && strstr(err.msg, "TLS handshake failed"), "%s", err.msg);
    cr_assert_eq(err.exit_code, MTV_EXIT_ENV);
    ts_stop(plain);
    cr_assert_eq(net_peer_chain_pem("127.0.0.1", port, 3000, &pem, &err), -1);
    cr_assert(strstr(err.msg, "cannot connect"), "%s", err.msg);
    cr_assert_eq(net_peer_chain_pem("no-such-host.invalid", 443, 3000, &pem, &err), -1);
    cr_assert(strstr(err.msg, "cannot resolve no-such-host.invalid"), "%s", err.msg);
    cr_assert_eq(pem.len, 0);
    sb_release(&pem);
}
