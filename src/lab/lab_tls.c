/* lab_tls: see lab_tls.h. Uses the OpenSSL 3 API; every object is freed on
 * every path, and failures report OpenSSL's own reason. */
#include "lab/lab_tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

static int ossl_fail(mtv_err *err, const char *what)
{
    char buf[256] = "unknown error";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return mtv_err_set(err, MTV_EXIT_ENV, "generating the lab's TLS certificates: %s: %s", what, buf);
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

static X509 *new_cert(EVP_PKEY *key, const char *cn, int days)
{
    X509 *c = X509_new();
    if (!c)
        return NULL;
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    ASN1_INTEGER *sn = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    int ok = bn && sn && X509_set_version(c, 2) && X509_set_serialNumber(c, sn) &&
             X509_gmtime_adj(X509_getm_notBefore(c), -3600) &&
             X509_gmtime_adj(X509_getm_notAfter(c), (long)days * 86400) &&
             X509_set_pubkey(c, key);
    X509_NAME *name = X509_get_subject_name(c);
    ok = ok && X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                          (const unsigned char *)"mtv-validate lab", -1, -1, 0) &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    ASN1_INTEGER_free(sn);
    BN_free(bn);
    if (!ok) {
        X509_free(c);
        return NULL;
    }
    return c;
}

static char *pem_of(int (*write)(BIO *, void *), void *obj)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (b && write(b, obj)) {
        char *data;
        long n = BIO_get_mem_data(b, &data);
        out = strndup(data, (size_t)n);
    }
    BIO_free(b);
    return out;
}

static int write_cert(BIO *b, void *c)
{
    return PEM_write_bio_X509(b, c);
}

static int write_key(BIO *b, void *k)
{
    return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}

static void san_list(strbuf *san, const char *const *extra, size_t n)
{
    sb_adds(san, "IP:127.0.0.1,DNS:localhost");
    for (size_t i = 0; i < n; i++) {
        const char *h = extra[i];
        if (!h || !*h || !strcmp(h, "127.0.0.1") || !strcmp(h, "localhost"))
            continue;
        unsigned char buf[16];
        int ip = inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1;
        sb_addf(san, ",%s:%s", ip ? "IP" : "DNS", h);
    }
}

int lab_tls_generate(lab_tls *out, const char *const *extra_hosts, size_t n, mtv_err *err)
{
    memset(out, 0, sizeof *out);
    EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *key = EVP_EC_gen("P-256");
    X509 *ca = NULL, *cert = NULL;
    int rc = -1;
    strbuf san = STRBUF_INIT;
    if (!ca_key || !key) {
        ossl_fail(err, "key generation");
        goto done;
    }
    ca = new_cert(ca_key, "mtv-validate lab CA", 3650);
    if (!ca || !X509_set_issuer_name(ca, X509_get_subject_name(ca)) ||
        add_ext(ca, ca, NID_basic_constraints, "critical,CA:TRUE") < 0 ||
        add_ext(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") < 0 ||
        add_ext(ca, ca, NID_subject_key_identifier, "hash") < 0 ||
        !X509_sign(ca, ca_key, EVP_sha256())) {
        ossl_fail(err, "CA certificate");
        goto done;
    }
    san_list(&san, extra_hosts, n);
    cert = new_cert(key, "127.0.0.1", 825);
    if (!cert || !X509_set_issuer_name(cert, X509_get_subject_name(ca)) ||
        add_ext(cert, ca, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
        add_ext(cert, ca, NID_key_usage, "critical,digitalSignature,keyEncipherment") < 0 ||
        add_ext(cert, ca, NID_ext_key_usage, "serverAuth") < 0 ||
        add_ext(cert, ca, NID_subject_alt_name, san.buf) < 0 ||
        add_ext(cert, ca, NID_authority_key_identifier, "keyid:always") < 0 ||
        !X509_sign(cert, ca_key, EVP_sha256())) {
        ossl_fail(err, "server certificate");
        goto done;
    }
    out->ca_pem = pem_of(write_cert, ca);
    out->cert_pem = pem_of(write_cert, cert);
    out->key_pem = pem_of(write_key, key);
    if (!out->ca_pem || !out->cert_pem || !out->key_pem) {
        ossl_fail(err, "PEM encoding");
        lab_tls_free(out);
        goto done;
    }
    rc = 0;
done:
    sb_release(&san);
    X509_free(ca);
    X509_free(cert);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(key);
    return rc;
}

void lab_tls_free(lab_tls *t)
{
    free(t->ca_pem);
    if (t->key_pem) {
        OPENSSL_cleanse(t->key_pem, strlen(t->key_pem));
        free(t->key_pem);
    }
    free(t->cert_pem);
    memset(t, 0, sizeof *t);
}
