/* lab_sources: see lab_sources.h. */
#include "lab/lab_sources.h"

#include <stdlib.h>
#include <string.h>

struct lab_sources {
    lab_sources_config cfg;
};

static void fault_filter(void *ud, lab_req *req, lab_resp *resp)
{
    lab_faults_api(ud, req, resp);
}

int lab_sources_attach(const lab_sources_config *cfg, lab_sources **out, mtv_err *err)
{
    (void)err;
    lab_sources *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->cfg = *cfg;
    if (cfg->faults)
        lab_httpd_set_filter(lab_server_httpd(cfg->server), fault_filter, cfg->faults);
    *out = s;
    return 0;
}

int lab_sources_start(lab_sources *s, mtv_err *err)
{
    (void)s;
    (void)err;
    return 0;
}

void lab_sources_wire(lab_sources *s, lab_ctl_config *cc)
{
    (void)s;
    (void)cc;
}

void lab_sources_stop(lab_sources *s)
{
    (void)s;
}

void lab_sources_free(lab_sources *s)
{
    free(s);
}
