/* lab_sources: see lab_sources.h. */
#include "lab/lab_sources.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#include "lab/lab_openstack.h"
#include "lab/lab_ova.h"
#include "lab/lab_ovirt.h"
#include "lab/lab_portforward.h"
#include "lab/lab_power.h"
#include "lab/lab_vsphere.h"

struct lab_sources {
    lab_sources_config cfg;
    lab_portforward *portforward;
    lab_power *power;
    lab_ovirt *ovirt;
    lab_openstack *openstack;
    lab_vsphere *vsphere;          /* with --vsphere */
};

/* The controller's view of a world source: its VMs' power as it is now. */
static int source_now(void *ud, lab_src_type type, lab_source *out)
{
    lab_sources *s = ud;
    if ((unsigned)type >= LAB_SRC_COUNT || !s->cfg.world->src[type].present)
        return -1;
    if (type == LAB_SRC_OVIRT && s->ovirt)
        lab_ovirt_source(s->ovirt, out);   /* with the VMs made through its API */
    else if (type == LAB_SRC_OPENSTACK && s->openstack)
        lab_openstack_source(s->openstack, out);
    else
        lab_source_copy(out, &s->cfg.world->src[type]);
    for (size_t i = 0; i < out->nvms; i++)
        out->vms[i].power_on = lab_power_get(s->power, type, &out->vms[i]);
    return 0;
}

static int collect_vsphere(void *ud, const cJSON *provider, const char *url, const char *user,
                           const char *password, const char *cacert, int insecure,
                           lab_source *src, mtv_err *err)
{
    (void)provider;
    lab_sources *s = ud;
    lab_vsphere_login l = {.url = url, .user = user, .password = password, .cacert = cacert,
                           .insecure = insecure};
    return lab_vsphere_collect(s->vsphere, &l, src, err);
}

static int power_world(void *ud, const cJSON *provider, const lab_vm *vm, int on, mtv_err *err)
{
    lab_sources *s = ud;
    const cJSON *spec = cJSON_GetObjectItem(provider, "spec");
    int t = lab_src_type_parse(cJSON_GetStringValue(cJSON_GetObjectItem(spec, "type")));
    if (t == LAB_SRC_VSPHERE && s->vsphere)
        return lab_vsphere_power(s->vsphere, cJSON_GetStringValue(cJSON_GetObjectItem(spec, "url")),
                                 vm->id, on, err);
    if (t >= 0)
        lab_power_set(s->power, (lab_src_type)t, vm->id, on);
    return 0;
}

/* A "source" fault: a snapshot taken or removed on vcsim behind the
 * migration's back, or a USER_STOP_VM event in the oVirt engine's log. */
static int touch_source(void *ud, const cJSON *provider, const lab_vm *vm, const cJSON *fault,
                        mtv_err *err)
{
    lab_sources *s = ud;
    const cJSON *spec = cJSON_GetObjectItem(provider, "spec");
    int t = lab_src_type_parse(cJSON_GetStringValue(cJSON_GetObjectItem(spec, "type")));
    const char *snap = cJSON_GetStringValue(cJSON_GetObjectItem(fault, "snapshot"));
    if (snap) {
        if (t != LAB_SRC_VSPHERE || !s->vsphere)
            return mtv_err_set(err, MTV_EXIT_USAGE, "a \"snapshot\" source fault needs a vSphere "
                                                    "provider served from vcsim (--vsphere)");
        if (lab_vsphere_snapshot(s->vsphere, cJSON_GetStringValue(cJSON_GetObjectItem(spec, "url")),
                                 vm->id, !strcmp(snap, "add"), err) < 0)
            return -1;
    }
    if (cJSON_IsTrue(cJSON_GetObjectItem(fault, "stop_event"))) {
        if (t != LAB_SRC_OVIRT || !s->ovirt)
            return mtv_err_set(err, MTV_EXIT_USAGE, "a \"stop_event\" source fault needs an oVirt "
                                                    "provider");
        lab_ovirt_event(s->ovirt, vm->id, vm->name, LAB_OVIRT_USER_STOP_VM);
    }
    return 0;
}

static void fault_filter(void *ud, lab_req *req, lab_resp *resp)
{
    lab_faults_api(ud, req, resp);
}

int lab_sources_attach(const lab_sources_config *cfg, lab_sources **out, mtv_err *err)
{
    lab_sources *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->cfg = *cfg;
    if (cfg->vsphere_url && !(s->vsphere = lab_vsphere_new(err))) {
        free(s);
        return -1;
    }
    lab_httpd *h = lab_server_httpd(cfg->server);
    if (cfg->faults)
        lab_httpd_set_filter(h, fault_filter, cfg->faults);
    s->power = lab_power_new();
    s->portforward = lab_portforward_new(lab_server_store(cfg->server), cfg->ssh_target);
    lab_portforward_set_guest_dir(s->portforward, cfg->guest_dir);
    lab_httpd_mount(h, "/apis/subresources.kubevirt.io", 0, lab_portforward_handle,
                    s->portforward);
    const lab_source *ov = &cfg->world->src[LAB_SRC_OVIRT];
    if (ov->present) {
        s->ovirt = lab_ovirt_new(ov, s->power, cfg->inv, cfg->users[LAB_SRC_OVIRT],
                                 cfg->passwords[LAB_SRC_OVIRT]);
        /* the engine does its own authentication (Basic or SSO tokens) */
        lab_httpd_mount(h, "/ovirt-engine", LAB_MOUNT_PUBLIC, lab_ovirt_handle, s->ovirt);
    }
    const lab_source *os = &cfg->world->src[LAB_SRC_OPENSTACK];
    if (os->present) {
        s->openstack = lab_openstack_new(os, s->power, cfg->inv, cfg->users[LAB_SRC_OPENSTACK],
                                         cfg->passwords[LAB_SRC_OPENSTACK]);
        /* Keystone issues the tokens the other services check */
        lab_httpd_mount(h, "/openstack", LAB_MOUNT_PUBLIC, lab_openstack_handle, s->openstack);
    }
    *out = s;
    return 0;
}

int lab_sources_start(lab_sources *s, mtv_err *err)
{
    if (s->openstack)
        lab_openstack_set_base(s->openstack, lab_server_url(s->cfg.server));
    const lab_source *ova = &s->cfg.world->src[LAB_SRC_OVA];
    if (ova->present && s->cfg.ova_dir) {
        int n = lab_ova_write_all(ova, s->cfg.ova_dir, err);
        if (n < 0)
            return -1;
        log_info("lab: %d OVA files in %s", n, s->cfg.ova_dir);
    }
    return 0;
}

void lab_sources_wire(lab_sources *s, lab_ctl_config *cc)
{
    cc->source = source_now;
    cc->source_ud = s;
    cc->power = power_world;
    cc->power_ud = s;
    cc->touch = touch_source;
    cc->touch_ud = s;
    if (s->vsphere) {
        cc->collect = collect_vsphere;
        cc->collect_ud = s;
    }
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
    lab_ovirt_free(s->ovirt);
    lab_openstack_free(s->openstack);
    lab_vsphere_free(s->vsphere);
    lab_power_free(s->power);
    free(s);
}
