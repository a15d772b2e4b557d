/* lab_sources: see lab_sources.h. */
#include "lab/lab_sources.h"

#include <stdlib.h>
#include <string.h>

#include "lab/lab_portforward.h"

struct lab_sources {
    lab_sources_config cfg;
    lab_portforward *portforward;
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
    lab_httpd *h = lab_server_httpd(cfg->server);
    if (cfg->faults)
        lab_httpd_set_filter(h, fault_filter, cfg->faults);
    s->portforward = lab_portforward_new(lab_server_store(cfg->server), cfg->ssh_target);
    lab_httpd_mount(h, "/apis/subresources.kubevirt.io", 0, lab_portforward_handle,
                    s->portforward);
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
    if (!s)
        return;
    lab_portforward_free(s->portforward);
    free(s);
}
