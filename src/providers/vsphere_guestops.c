/* vsphere_guestops: see vsphere_guestops.h. Each vim25 step is its own small
 * function so a fault names the step that failed; the parsers take the text
 * of the guest's own tools and match NICs by MAC, the one identifier vSphere
 * and the guest share. */
#include "providers/vsphere_guestops.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "providers/pxml.h"
#include "util/clock.h"
#include "util/log.h"

/* Prints "ADDRESS|METHOD" for every IPv4 address of every active
 * NetworkManager connection (method: manual, auto, ...). Starts with nmcli so
 * a simulated guest can answer it by the program's name. */
const char VSPHERE_GUEST_ORIGINS_LINUX[] =
    "nmcli -t -f UUID connection show --active | while read -r uuid; do "
    "dev=$(nmcli -g GENERAL.DEVICES connection show \"$uuid\" 2>/dev/null); "
    "test -z \"$dev\" -o \"$dev\" = lo && continue; "
    "method=$(nmcli -g ipv4.method connection show \"$uuid\" 2>/dev/null); "
    "test -z \"$method\" && continue; "
    "ip -4 -o addr show \"$dev\" 2>/dev/null | while read -r _ _ _ cidr _; do "
    "printf '%s|%s\\n' \"${cidr%%/*}\" \"$method\"; done; done";

typedef struct gctx {
    vim_client *c;
    const char *vm;
    const vsphere_guest_login *login;
    const char *fm, *pm;
    char *fault;
} gctx;

int vsphere_guest_auth_fault(const char *fault)
{
    static const char *const auth[] = {"InvalidGuestLogin", "GuestPermissionDenied",
                                       "GuestAuthenticationChallenge", "GuestMultipleMappings",
                                       "NoPermission", NULL};
    for (size_t i = 0; fault && auth[i]; i++)
        if (!strcmp(fault, auth[i]))
            return 1;
    return 0;
}

/* <vm> and <auth> of every guest operation. */
static void head_args(const gctx *g, strbuf *a)
{
    sb_adds(a, "<vm type=\"VirtualMachine\">");
    px_escape(a, g->vm);
    sb_adds(a, "</vm><auth xsi:type=\"NamePasswordAuthentication\">"
               "<interactiveSession>false</interactiveSession>");
    px_elem(a, "username", g->login->user);
    px_elem(a, "password", g->login->password);
    sb_adds(a, "</auth>");
}

static int call(gctx *g, const char *op, const char *mgr_type, const char *mgr,
                const char *extra, vim_reply *r, mtv_err *err)
{
    strbuf a = STRBUF_INIT;
    head_args(g, &a);
    if (extra)
        sb_adds(&a, extra);
    int rc = vim_call(g->c, op, mgr_type, mgr, a.buf, r, err);
    sb_release(&a);
    if (rc && g->fault && r->fault[0])
        snprintf(g->fault, 64, "%s", r->fault);
    if (rc)
        mtv_err_prefix(err, "guest operation %s on VM %s", op, g->vm);
    return rc;
}

/* The guest operations managers from the ServiceContent. */
static int managers(vim_client *c, strbuf *fm, strbuf *pm, mtv_err *err)
{
    vim_reply r;
    if (vim_call(c, "RetrieveServiceContent", "ServiceInstance", "ServiceInstance", NULL, &r, err))
        return -1;
    char *gom = px_get(px_child(r.body, "returnval"), "guestOperationsManager");
    vim_reply_free(&r);
    if (!gom || !*gom) {
        free(gom);
        return mtv_err_set(err, MTV_EXIT_ENV, "vSphere at %s offers no guest operations manager",
                           c->url);
    }
    static const char *const paths[] = {"fileManager", "processManager", NULL};
    vim_spec spec;
    vim_spec_init(&spec);
    vim_spec_props(&spec, "GuestOperationsManager", paths);
    vim_spec_obj(&spec, "GuestOperationsManager", gom);
    vim_objset set;
    int rc = vim_retrieve(c, &spec, &set, err);
    vim_spec_free(&spec);
    if (!rc) {
        const vim_obj *o = vim_objset_get(&set, "GuestOperationsManager", gom);
        char *f = vim_obj_str(o, "fileManager"), *p = vim_obj_str(o, "processManager");
        if (f && p) {
            sb_adds(fm, f);
            sb_adds(pm, p);
        } else {
            rc = mtv_err_set(err, MTV_EXIT_ENV, "vSphere at %s: GuestOperationsManager %s has no %s",
                             c->url, gom, f ? "processManager" : "fileManager");
        }
        free(f);
        free(p);
        vim_objset_free(&set);
    }
    free(gom);
    return rc;
}

/* The transfer URL with "*" replaced by the host we are connected to. */
static void transfer_url(const vim_client *c, const char *url, strbuf *out)
{
    const char *star = strstr(url, "://*");
    if (!star) {
        sb_adds(out, url);
        return;
    }
    const char *h = strstr(c->url, "://");
    h = h ? h + 3 : c->url;
    size_t hl = strcspn(h, "/");
    sb_add(out, url, (size_t)(star - url) + 3);
    sb_add(out, h, hl);
    sb_adds(out, star + 4);
}

static int fetch_file(gctx *g, const char *path, strbuf *out, mtv_err *err)
{
    strbuf x = STRBUF_INIT;
    px_elem(&x, "guestFilePath", path);
    vim_reply r;
    int rc = call(g, "InitiateFileTransferFromGuest", "GuestFileManager", g->fm, x.buf, &r, err);
    sb_release(&x);
    if (rc)
        return -1;
    char *url = px_get(px_child(r.body, "returnval"), "url");
    vim_reply_free(&r);
    if (!url || !*url) {
        free(url);
        return mtv_err_set(err, MTV_EXIT_ENV, "guest file transfer from VM %s: no URL in the reply",
                           g->vm);
    }
    strbuf u = STRBUF_INIT;
    transfer_url(g->c, url, &u);
    free(url);
    /* same TLS trust as the SDK; the transfer URL carries its own ticket */
    net_endpoint ep = g->c->ep;
    ep.auth = NET_AUTH_NONE;
    ep.cookie = NULL;
    http_request req;
    http_request_init(&req, &ep, "vsphere", "GET", u.buf);
    req.retry_safe = 1;
    http_response resp = {0};
    rc = transport_send(g->c->t, &req, &resp, err);
    if (rc)
        mtv_err_prefix(err, "reading the output of a guest command of VM %s", g->vm);
    else if (resp.status != 200)
        rc = mtv_err_set(err, MTV_EXIT_ENV,
                         "reading the output of a guest command of VM %s: HTTP %ld from %s", g->vm,
                         resp.status, u.buf);
    else
        sb_add(out, resp.body.buf ? resp.body.buf : "", resp.body.len);
    http_request_free(&req);
    http_response_free(&resp);
    sb_release(&u);
    return rc;
}

/* Polls the process until it has an endTime; its exit code. */
static int wait_process(gctx *g, const char *pid, int64_t timeout_ms, int *code, mtv_err *err)
{
    mtv_clock *clk = transport_clock(g->c->t);
    clock_deadline dl = clock_deadline_in(clk, timeout_ms > 0 ? timeout_ms : 30000);
    strbuf x = STRBUF_INIT;
    px_elem(&x, "pids", pid);
    int rc = -1;
    for (;;) {
        vim_reply r;
        if (call(g, "ListProcessesInGuest", "GuestProcessManager", g->pm, x.buf, &r, err))
            break;
        xmlNode *p = px_child(r.body, "returnval");
        char *end = px_get(p, "endTime");
        if (end && *end) {
            *code = (int)px_get_ll(p, "exitCode", 0);
            rc = 0;
        } else if (!p) {
            rc = mtv_err_set(err, MTV_EXIT_ENV, "guest process %s of VM %s is not listed", pid,
                             g->vm);
        }
        free(end);
        vim_reply_free(&r);
        if (rc == 0 || !p)
            break;
        if (clock_deadline_passed(clk, dl)) {
            mtv_err_set(err, MTV_EXIT_ENV, "guest process %s of VM %s still running after %lld ms",
                        pid, g->vm, (long long)(timeout_ms > 0 ? timeout_ms : 30000));
            break;
        }
        if (vim_poll_sleep(g->c, 500, "waiting for a guest process", err))
            break;
    }
    sb_release(&x);
    return rc;
}

static void shell_quote(strbuf *out, const char *s)
{
    sb_addc(out, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            sb_adds(out, "'\\''");
        else
            sb_addc(out, *s);
    }
    sb_addc(out, '\'');
}

int vsphere_guest_run(vim_client *c, const char *vm_id, const vsphere_guest_login *login,
                      const char *command, int64_t timeout_ms, strbuf *out, int *exit_code,
                      char *fault, mtv_err *err)
{
    if (fault)
        fault[0] = 0;
    strbuf fm = STRBUF_INIT, pm = STRBUF_INIT, x = STRBUF_INIT, tmp = STRBUF_INIT;
    gctx g = {.c = c, .vm = vm_id, .login = login, .fault = fault};
    int rc = -1;
    if (managers(c, &fm, &pm, err))
        goto done;
    g.fm = fm.buf;
    g.pm = pm.buf;

    px_elem(&x, "prefix", "mtv_guest_cmd_");
    px_elem(&x, "suffix", ".txt");
    px_elem(&x, "directoryPath", login->windows ? "C:\\Windows\\Temp" : "/tmp");
    vim_reply r;
    if (call(&g, "CreateTemporaryFileInGuest", "GuestFileManager", g.fm, x.buf, &r, err))
        goto done;
    vim_reply_moref(&r, &tmp);
    vim_reply_free(&r);

    strbuf line = STRBUF_INIT, args = STRBUF_INIT;
    sb_addf(&line, "%s > %s 2>&1", command, tmp.buf);
    if (login->windows) {
        sb_addf(&args, "/c \"%s\"", line.buf);
    } else {
        sb_adds(&args, "-c ");
        shell_quote(&args, line.buf);
    }
    sb_reset(&x);
    sb_adds(&x, "<spec xsi:type=\"GuestProgramSpec\">");
    px_elem(&x, "programPath", login->windows ? "C:\\Windows\\System32\\cmd.exe" : "/bin/bash");
    px_elem(&x, "arguments", args.buf);
    sb_adds(&x, "</spec>");
    sb_release(&line);
    sb_release(&args);
    strbuf pid = STRBUF_INIT;
    if (!call(&g, "StartProgramInGuest", "GuestProcessManager", g.pm, x.buf, &r, err)) {
        vim_reply_moref(&r, &pid);
        vim_reply_free(&r);
        if (!wait_process(&g, pid.buf, timeout_ms, exit_code, err))
            rc = fetch_file(&g, tmp.buf, out, err);
    }
    sb_release(&pid);

    /* best effort: a leftover temporary file is no reason to fail */
    sb_reset(&x);
    px_elem(&x, "filePath", tmp.buf);
    mtv_err derr;
    char keep[64];
    g.fault = keep;
    if (!call(&g, "DeleteFileInGuest", "GuestFileManager", g.fm, x.buf, &r, &derr))
        vim_reply_free(&r);
    else
        log_debug("vsphere: %s", derr.msg);
done:
    sb_release(&fm);
    sb_release(&pm);
    sb_release(&x);
    sb_release(&tmp);
    return rc;
}

/* ---- parsing ------------------------------------------------------------------ */

static vm_nic *nic_by_mac(vm_record *r, const char *mac)
{
    char *norm = NULL;
    vr_set_mac(&norm, mac);
    vm_nic *hit = NULL;
    for (size_t i = 0; norm && !hit && i < r->nnics; i++) {
        char *m = NULL;
        vr_set_mac(&m, r->nics[i].mac);
        if (m && !strcmp(m, norm))
            hit = &r->nics[i];
        free(m);
    }
    free(norm);
    return hit;
}

static size_t name_nic(vm_record *r, const char *mac, const char *name, size_t nlen)
{
    vm_nic *n = nic_by_mac(r, mac);
    if (!n || !nlen)
        return 0;
    vr_setn(&n->guest_nic_name, name, nlen);
    return 1;
}

/* `ip -j link show`: [{"ifname": "eth0", "address": "00:50:56:..", ...}] */
static size_t links_ip(const char *text, vm_record *r)
{
    cJSON *a = cJSON_Parse(text);
    size_t named = 0;
    const cJSON *l;
    const cJSON *list = cJSON_IsArray(a) ? a : NULL;
    cJSON_ArrayForEach(l, list)
    {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "ifname"));
        const char *mac = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "address"));
        if (name && mac && strcmp(name, "lo") != 0)
            named += name_nic(r, mac, name, strlen(name));
    }
    if (!cJSON_IsArray(a))
        log_warn("vsphere: `%s` printed no JSON array: %.100s", VSPHERE_GUEST_LINKS_LINUX, text);
    cJSON_Delete(a);
    return named;
}

/* "Ethernet adapter Ethernet0:" ... "   Physical Address. . . : 00-50-56-AA-BB-CC" */
static size_t links_ipconfig(const char *text, vm_record *r)
{
    size_t named = 0;
    char *name = NULL;
    for (const char *l = text; l && *l;) {
        const char *eol = strchr(l, '\n');
        size_t len = eol ? (size_t)(eol - l) : strlen(l);
        while (len && (l[len - 1] == '\r' || l[len - 1] == ' '))
            len--;
        if (len && l[0] != ' ' && l[len - 1] == ':') {
            free(name);
            name = NULL;
            const char *a = strstr(l, " adapter ");
            if (a && a < l + len)
                name = strndup(a + 9, (size_t)(l + len - 1 - (a + 9)));
        } else if (name) {
            const char *k = l;
            while (*k == ' ')
                k++;
            const char *colon = memchr(l, ':', len);
            if (!strncmp(k, "Physical Address", 16) && colon) {
                char mac[32] = "";
                size_t ml = (size_t)(l + len - colon - 1);
                snprintf(mac, sizeof mac, "%.*s", (int)(ml < 31 ? ml : 31), colon + 1);
                char *m = mac;
                while (*m == ' ')
                    m++;
                for (char *q = m; *q; q++)
                    if (*q == '-')
                        *q = ':';
                named += name_nic(r, m, name, strlen(name));
            }
        }
        l = eol ? eol + 1 : NULL;
    }
    free(name);
    return named;
}

size_t vsphere_guest_apply_links(const char *text, int windows, vm_record *r)
{
    return windows ? links_ipconfig(text, r) : links_ip(text, r);
}

size_t vsphere_guest_apply_origins(const char *text, vm_record *r)
{
    size_t set = 0;
    for (const char *l = text; l && *l;) {
        const char *eol = strchr(l, '\n');
        size_t len = eol ? (size_t)(eol - l) : strlen(l);
        const char *bar = memchr(l, '|', len);
        if (bar) {
            char *ip = strndup(l, (size_t)(bar - l));
            char *method = strndup(bar + 1, (size_t)(l + len - bar - 1));
            method[strcspn(method, " \r\t")] = 0;
            for (size_t i = 0; i < r->nnics; i++)
                for (size_t k = 0; k < r->nics[i].nips; k++) {
                    vm_ip *a = &r->nics[i].ips[k];
                    if (a->is_static != -1 || !a->ip || strcmp(a->ip, ip))
                        continue;
                    a->is_static = !strcmp(method, "manual");
                    vr_set(&a->origin, a->is_static ? "manual" : "auto");
                    set++;
                }
            free(ip);
            free(method);
        }
        l = eol ? eol + 1 : NULL;
    }
    return set;
}

/* ---- the adapter's use -------------------------------------------------------- */

static int unknown_origins(const vm_record *r)
{
    for (size_t i = 0; i < r->nnics; i++)
        for (size_t k = 0; k < r->nics[i].nips; k++)
            if (r->nics[i].ips[k].is_static == -1)
                return 1;
    return 0;
}

/* Runs one command; 1 with its output, 0 when it could not be read (logged),
 * -1 on a refused login (err set). */
static int run_one(vim_client *c, const provider_entry *e, const char *vm_id, const char *vm_name,
                   const vsphere_guest_login *login, const char *user_key, const char *cmd,
                   const char *what, strbuf *out, mtv_err *err)
{
    char fault[64];
    int code = 0;
    mtv_err e2;
    if (vsphere_guest_run(c, vm_id, login, cmd, 0, out, &code, fault, &e2)) {
        if (vsphere_guest_auth_fault(fault))
            return mtv_err_set(err, MTV_EXIT_USAGE,
                               "provider '%s': the guest of VM %s refused the login of %s '%s' "
                               "(%s): check %s and its password in the providers file",
                               e->key, vm_name, user_key, login->user, fault, user_key);
        log_warn("vsphere: VM %s: %s not read through guest operations: %s", vm_name, what,
                 e2.msg);
        return 0;
    }
    if (code != 0) {
        log_warn("vsphere: VM %s: %s not read: `%.40s` exited with %d in the guest: %.200s",
                 vm_name, what, cmd, code, out->buf ? out->buf : "");
        return 0;
    }
    return 1;
}

int vsphere_guest_enrich(vim_client *c, const provider_entry *entry, const char *vm_id,
                         vm_record *r, mtv_err *err)
{
    const char *name = r->name ? r->name : vm_id;
    if (r->guest_agent_running != 1 || !r->nnics)
        return 0;
    int win = r->win_os == 1;
    const char *user_key = win ? "guest_vm_win_user" : "guest_vm_linux_user";
    vsphere_guest_login login = {
        .user = provider_str(entry, user_key),
        .password = provider_str(entry, win ? "guest_vm_win_password" : "guest_vm_linux_password"),
        .windows = win,
    };
    if (!login.user || !*login.user || !login.password) {
        log_debug("vsphere: VM %s: no %s in provider '%s': guest NIC names not read", name,
                  user_key, entry->key);
        return 0;
    }
    strbuf out = STRBUF_INIT;
    int rc = run_one(c, entry, vm_id, name, &login, user_key,
                     win ? VSPHERE_GUEST_LINKS_WINDOWS : VSPHERE_GUEST_LINKS_LINUX,
                     "guest NIC names", &out, err);
    if (rc == 1) {
        size_t n = vsphere_guest_apply_links(out.buf ? out.buf : "", win, r);
        log_debug("vsphere: VM %s: %zu of %zu NICs named by the guest", name, n, r->nnics);
    }
    if (rc >= 0 && !win && unknown_origins(r)) {
        sb_reset(&out);
        rc = run_one(c, entry, vm_id, name, &login, user_key, VSPHERE_GUEST_ORIGINS_LINUX,
                     "IP origins", &out, err);
        if (rc == 1)
            vsphere_guest_apply_origins(out.buf ? out.buf : "", r);
    }
    sb_release(&out);
    return rc < 0 ? -1 : 0;
}
