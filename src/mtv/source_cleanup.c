/* source_cleanup: see source_cleanup.h. One slot per providers-file entry
 * met, holding either the open adapter or the error that kept it closed. */
#include "mtv/source_cleanup.h"

#include <stdlib.h>
#include <string.h>

#include "mtv/crs.h"
#include "mtv/provider_ca.h"
#include "providers/provider.h"
#include "util/log.h"

typedef struct cleaner_slot {
    char *key;
    source_provider *p;    /* NULL: err says why */
    strbuf ca;             /* the server's chain, trusted by p (outlives it) */
    mtv_err err;
} cleaner_slot;

struct mtv_source_cleaner {
    mtv_source_cleaner_config cfg;
    cleaner_slot *slots;
    size_t n;
};

mtv_source_cleaner *mtv_source_cleaner_new(const mtv_source_cleaner_config *cfg)
{
    mtv_source_cleaner *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->cfg = *cfg;
    return c;
}

void mtv_source_cleaner_free(mtv_source_cleaner *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        source_close(c->slots[i].p);
        sb_release(&c->slots[i].ca);
        free(c->slots[i].key);
    }
    free(c->slots);
    free(c);
}

static void open_slot(mtv_source_cleaner *c, cleaner_slot *s)
{
    mtv_err_clear(&s->err);
    if (!c->cfg.file) {
        mtv_err_set(&s->err, MTV_EXIT_ENV, "cannot reach source provider '%s': %s", s->key,
                    c->cfg.file_error ? c->cfg.file_error : "no providers file");
        return;
    }
    const provider_entry *e = providers_get(c->cfg.file, s->key, &s->err);
    if (!e) {
        mtv_err_prefix(&s->err, "cannot reach source provider '%s'", s->key);
        return;
    }
    /* as `run` does: with neither a CA file nor --source-insecure, trust
     * the chain the server presents (recorded, so replay needs no server) */
    if (!c->cfg.insecure && !c->cfg.ca_file && mtv_provider_needs_ca(e->type, 0)) {
        mtv_err why;
        if (mtv_provider_fetch_ca(c->cfg.t, e, &s->ca, &why) < 0)
            log_warn("cleanup: the certificate chain of source provider '%s' could not be fetched "
                     "(%s); trusting the system's CAs for it", s->key, why.msg);
    }
    source_config sc = {
        .t = c->cfg.t,
        .entry = e,
        .file = c->cfg.file,
        .insecure = c->cfg.insecure,
        .ca_file = c->cfg.ca_file,
        .ca_pem = s->ca.len ? s->ca.buf : NULL,
        .kube = e->type == PROVIDER_OPENSHIFT ? c->cfg.kube : NULL,
    };
    if (source_open(&s->p, &sc, &s->err) < 0) {
        s->p = NULL;
        mtv_err_prefix(&s->err, "cannot reach source provider '%s'", s->key);
    }
}

static cleaner_slot *slot_for(mtv_source_cleaner *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->slots[i].key, key))
            return &c->slots[i];
    cleaner_slot *grown = realloc(c->slots, (c->n + 1) * sizeof *grown);
    if (!grown)
        abort();
    c->slots = grown;
    cleaner_slot *s = &c->slots[c->n++];
    memset(s, 0, sizeof *s);
    s->key = strdup(key);
    if (!s->key)
        abort();
    open_slot(c, s);
    return s;
}

int mtv_source_cleaner_delete(void *ud, const ledger_entry *e, mtv_err *err)
{
    mtv_source_cleaner *c = ud;
    const char *key = c->cfg.provider ? c->cfg.provider : e->provider;
    if (!key || !*key)
        return mtv_err_set(err, MTV_EXIT_ENV, "the entry names no source provider; give "
                                              "--provider");
    if (!e->id || !*e->id)
        return mtv_err_set(err, MTV_EXIT_ENV, "the entry has no id to find it by on '%s'", key);
    cleaner_slot *s = slot_for(c, key);
    if (!s->p) {
        *err = s->err;
        return -1;
    }
    if (e->provider_type && *e->provider_type && strcmp(e->provider_type, s->p->type_name) != 0)
        return mtv_err_set(err, MTV_EXIT_USAGE, "made on a %s provider, but '%s' is %s",
                           e->provider_type, key, s->p->type_name);
    int rc = source_delete(s->p, e->kind, e->id, e->name, err);
    if (rc == 0)
        log_info("deleted %s %s %s on '%s'", s->p->type_name, e->kind, e->name ? e->name : e->id,
                 key);
    return rc;
}
