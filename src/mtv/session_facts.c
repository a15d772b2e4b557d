/* session_facts: mtv_session_get_facts (session.h), the names a session gave
 * its objects, for the steps that look at them after the migration. */
#include <string.h>

#include "mtv/session_int.h"

static const char *or_null(const strbuf *b)
{
    return b->len ? b->buf : NULL;
}

void mtv_session_get_facts(const mtv_session *s, mtv_session_facts *out)
{
    memset(out, 0, sizeof *out);
    out->session = or_null(&s->session);
    out->namespace_ = or_null(&s->ns);
    out->vm_namespace = or_null(&s->vm_ns) ? or_null(&s->vm_ns) : or_null(&s->ns);
    out->source_provider = or_null(&s->provider);
    out->source_secret = or_null(&s->secret);
    out->storage_map = or_null(&s->storagemap);
    out->network_map = or_null(&s->networkmap);
    out->plan = or_null(&s->plan);
    out->provider_type = s->type_name;
    out->vms = s->plan_vms;
    out->n_vms = s->n_vms;
    out->prepared = s->source_vms;
    out->n_prepared = s->n_source_vms;
}
