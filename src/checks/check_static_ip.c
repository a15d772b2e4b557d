/* check_static_ip: the guest kept the static IPv4 addresses it had at the
 * source (address, prefix, gateway), on the interface with the same name or
 * MAC, read inside the guest (nmcli on Linux, ipconfig /all on Windows) and
 * retried while the guest applies them (600 s / 30 s, on the run's clock);
 * and on vSphere the guest's NIC names are the source's. */
#include <string.h>

#include "checks/checks_int.h"
#include "checks/guest_net.h"

int gate_static_ip(const check_run *r, const check_vm *v)
{
    return v->ssh_ok && check_param_true(r, "preserve_static_ips") &&
           (check_source_is(r, "vsphere") || check_source_is(r, "hyperv"));
}

int gate_nic_names(const check_run *r, const check_vm *v)
{
    return gate_static_ip(r, v) && check_source_is(r, "vsphere");
}

static const vm_record *source_data(const check_vm *v)
{
    return v->src_before ? v->src_before : v->src;
}

/* One comparison of the guest's interfaces with the source's static IPs. */
static void compare(const vm_record *s, const guest_ifaces *g, check_msgs *out)
{
    for (size_t i = 0; i < s->nnics; i++) {
        const vm_nic *n = &s->nics[i];
        for (size_t k = 0; k < n->nips; k++) {
            const vm_ip *ip = &n->ips[k];
            if (ip->is_static != 1 || !ip->ip || strchr(ip->ip, ':'))
                continue;
            strbuf m = STRBUF_INIT;
            const guest_iface *gi = guest_ifaces_find(g, n->guest_nic_name, n->mac);
            const guest_addr *hit = NULL;
            for (size_t a = 0; gi && a < gi->naddrs && !hit; a++)
                if (gi->addrs[a].ip && !strcmp(gi->addrs[a].ip, ip->ip))
                    hit = &gi->addrs[a];
            if (!gi)
                sb_addf(&m, "%s (NIC %s): no guest interface named %s or with that MAC", ip->ip,
                        n->mac ? n->mac : "?", n->guest_nic_name ? n->guest_nic_name : "?");
            else if (!hit)
                sb_addf(&m, "%s: expected on guest interface %s, not there", ip->ip, gi->name);
            else if (ip->prefix != VR_UNSET && hit->prefix >= 0 && hit->prefix != ip->prefix)
                sb_addf(&m, "%s on %s: prefix expected /%lld, got /%d", ip->ip, gi->name, ip->prefix,
                        hit->prefix);
            else if (ip->gateway && *ip->gateway && (!gi->gateway || strcmp(gi->gateway, ip->gateway)))
                sb_addf(&m, "%s on %s: gateway expected %s, got %s", ip->ip, gi->name, ip->gateway,
                        gi->gateway ? gi->gateway : "none");
            if (m.len)
                check_msgs_add(out, m.buf);
            sb_release(&m);
        }
    }
}

static size_t static_count(const vm_record *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nnics; i++)
        for (size_t k = 0; k < s->nics[i].nips; k++)
            n += s->nics[i].ips[k].is_static == 1;
    return n;
}

void check_static_ip_preservation(const check_run *r, check_vm *v, check_out *o)
{
    const vm_record *s = source_data(v);
    if (!static_count(s)) {
        check_fail(o, "the source data has no static IP address to compare (%s)",
                   v->src_before ? "source_vms_data" : "the source re-read after the migration");
        return;
    }
    if (!r->io.guest_run) {
        check_fail(o, "guest commands cannot be run in this run");
        return;
    }
    int win = s->win_os == 1;
    const char *cmd = win ? "ipconfig /all" : "nmcli device show";
    int64_t total = r->static_ip_timeout_ms > 0 ? r->static_ip_timeout_ms : 600000;
    int64_t step = r->static_ip_interval_ms > 0 ? r->static_ip_interval_ms : 30000;
    int64_t tries = r->io.sleep_ms ? total / step + 1 : 1;
    check_msgs last = {0};
    for (int64_t t = 0; t < tries; t++) {
        if (t && r->io.cancelled && r->io.cancelled(r->io.ud))
            break;   /* interrupted: the last try's messages stand */
        check_msgs_free(&last);
        if (t)
            r->io.sleep_ms(r->io.ud, step);
        strbuf out = STRBUF_INIT;
        int status = -1;
        mtv_err err;
        mtv_err_clear(&err);
        if (r->io.guest_run(r->io.ud, v, cmd, &out, &status, &err) < 0) {
            strbuf m = STRBUF_INIT;
            sb_addf(&m, "`%s` could not be run: %s", cmd, err.msg);
            check_msgs_add(&last, m.buf);
            sb_release(&m);
        } else {
            guest_ifaces g;
            (win ? guest_ipconfig_parse : guest_nmcli_parse)(sb_str(&out), &g);
            compare(s, &g, &last);
            guest_ifaces_free(&g);
        }
        sb_release(&out);
        if (!last.n)
            break;
    }
    for (size_t i = 0; i < last.n; i++)
        check_fail(o, "%s", last.v[i]);
    check_msgs_free(&last);
}

void check_nic_name_preservation(const check_run *r, check_vm *v, check_out *o)
{
    (void)r;
    const vm_record *s = source_data(v);
    for (size_t i = 0; i < s->nnics; i++) {
        const vm_nic *n = &s->nics[i];
        if (!n->guest_nic_name)
            continue;
        const vm_nic *d = target_vm_nic_by_mac(v->dst, n->mac);
        const char *got = d ? d->guest_nic_name : NULL;
        if (!got || strcmp(got, n->guest_nic_name))
            check_fail(o, "NIC %s: expected guest interface name %s, got %s", n->mac ? n->mac : "?",
                       n->guest_nic_name, got ? got : d ? "none reported" : "no NIC with that MAC");
    }
}
