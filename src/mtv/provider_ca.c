/* provider_ca: see provider_ca.h. */
#include "mtv/provider_ca.h"

#include <cjson/cJSON.h>

#include "mtv/crs.h"
#include "net/peercert.h"

typedef struct tls_fetch {
    strbuf host;
    int port;
} tls_fetch;

static int tls_live(void *ud, const cJSON *req, cJSON **resp, mtv_err *err)
{
    (void)req;
    tls_fetch *f = ud;
    strbuf pem = STRBUF_INIT;
    if (net_peer_chain_pem(f->host.buf, f->port, 15000, &pem, err) < 0) {
        sb_release(&pem);
        return -1;
    }
    *resp = cJSON_CreateObject();
    cJSON_AddStringToObject(*resp, "pem", pem.buf);
    sb_release(&pem);
    return 0;
}

int mtv_provider_fetch_ca(transport *t, const provider_entry *e, strbuf *pem, mtv_err *err)
{
    tls_fetch f = {STRBUF_INIT, 0};
    if (mtv_provider_ca_endpoint(e, &f.host, &f.port, err) < 0) {
        sb_release(&f.host);
        return -1;
    }
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "host", f.host.buf);
    cJSON_AddNumberToObject(req, "port", f.port);
    cJSON *resp = NULL;
    int rc = transport_custom(t, "tls", provider_type_name(e->type), req, tls_live, &f, &resp, err);
    cJSON_Delete(req);
    const char *got = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(resp, "pem"));
    if (rc == 0 && got)
        sb_adds(pem, got);
    else if (rc == 0)
        rc = mtv_err_set(err, MTV_EXIT_ENV, "no certificate came from %s:%d", f.host.buf, f.port);
    cJSON_Delete(resp);
    sb_release(&f.host);
    return rc;
}
