/* lab_guest: see lab_guest.h. The answers are printed in the layout of the
 * real tools (nmcli's "KEY:   value" lines, ipconfig's dotted labels) so the
 * validator's parsers read them as they read a real guest's. */
#include "lab/lab_guest.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/fs.h"

static const char *str(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    return s ? s : "";
}

/* The source NIC behind a VMI interface: same MAC, else same position. */
static const lab_nic *source_nic(const lab_vm *src, const char *mac, size_t k)
{
    for (size_t j = 0; j < src->nnics; j++)
        if (src->nics[j].mac && !strcasecmp(src->nics[j].mac, mac))
            return &src->nics[j];
    return k < src->nnics ? &src->nics[k] : NULL;
}

cJSON *lab_guest_facts(const lab_vm *src, cJSON *interfaces, const cJSON *wrong_guest)
{
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "os", src->is_windows ? "windows" : "linux");
    if (src->hostname)
        cJSON_AddStringToObject(f, "hostname", src->hostname);
    cJSON *nics = cJSON_AddArrayToObject(f, "nics");
    cJSON *vif;
    size_t k = 0;
    cJSON_ArrayForEach(vif, interfaces)
    {
        const char *ip = str(vif, "ipAddress");
        const lab_nic *n = source_nic(src, str(vif, "mac"), k);
        int same = n && n->ip && *ip && !strcmp(n->ip, ip);
        const cJSON *w = k == 0 ? wrong_guest : NULL;
        cJSON *e = cJSON_CreateObject();
        const char *name = str(vif, "interfaceName");
        if (cJSON_IsString(cJSON_GetObjectItem(w, "nic_name"))) {
            name = str(w, "nic_name");
            cJSON_ReplaceItemInObject(vif, "interfaceName", cJSON_CreateString(name));
            name = str(vif, "interfaceName");
        }
        cJSON_AddStringToObject(e, "name", name);
        cJSON_AddStringToObject(e, "mac", str(vif, "mac"));
        if (cJSON_IsString(cJSON_GetObjectItem(w, "ip")))
            ip = str(w, "ip");
        if (*ip)
            cJSON_AddStringToObject(e, "ip", ip);
        int prefix = same && n->prefix > 0 ? n->prefix : 24;
        if (cJSON_IsNumber(cJSON_GetObjectItem(w, "prefix")))
            prefix = cJSON_GetObjectItem(w, "prefix")->valueint;
        cJSON_AddNumberToObject(e, "prefix", prefix);
        const char *gw = same && n->gateway ? n->gateway : "";
        if (cJSON_IsString(cJSON_GetObjectItem(w, "gateway")))
            gw = str(w, "gateway");
        if (*gw)
            cJSON_AddStringToObject(e, "gateway", gw);
        cJSON_AddItemToArray(nics, e);
        k++;
    }
    cJSON *out = cJSON_AddObjectToObject(f, "output");
    const cJSON *o;
    cJSON_ArrayForEach(o, cJSON_GetObjectItem(wrong_guest, "output"))
        if (cJSON_IsString(o) && o->string)
            cJSON_AddStringToObject(out, o->string, o->valuestring);
    return f;
}

void lab_guest_key(const char *command, strbuf *out)
{
    for (const char *p = command; *p; p++)
        sb_addc(out, isalnum((unsigned char)*p) || strchr("._-", *p) ? *p : '_');
}

static void mac_upper(const char *mac, char sep, strbuf *out)
{
    for (const char *p = mac; *p; p++)
        sb_addc(out, *p == ':' || *p == '-' ? sep : (char)toupper((unsigned char)*p));
}

static void mask_of(int prefix, strbuf *out)
{
    unsigned long m = prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffUL : (0xffffffffUL << (32 - prefix)) & 0xffffffffUL;
    sb_addf(out, "%lu.%lu.%lu.%lu", (m >> 24) & 255, (m >> 16) & 255, (m >> 8) & 255, m & 255);
}

#define NM_KEY "%-40s"

static void nmcli_device_show(const cJSON *f, strbuf *o)
{
    const cJSON *n;
    cJSON_ArrayForEach(n, cJSON_GetObjectItem(f, "nics"))
    {
        sb_addf(o, NM_KEY "%s\n", "GENERAL.DEVICE:", str(n, "name"));
        sb_addf(o, NM_KEY "ethernet\n", "GENERAL.TYPE:");
        sb_addf(o, NM_KEY, "GENERAL.HWADDR:");
        mac_upper(str(n, "mac"), ':', o);
        sb_addf(o, "\n" NM_KEY "1500\n", "GENERAL.MTU:");
        sb_addf(o, NM_KEY "100 (connected)\n", "GENERAL.STATE:");
        sb_addf(o, NM_KEY "%s\n", "GENERAL.CONNECTION:", str(n, "name"));
        if (*str(n, "ip"))
            sb_addf(o, NM_KEY "%s/%d\n", "IP4.ADDRESS[1]:", str(n, "ip"),
                    cJSON_GetObjectItem(n, "prefix")->valueint);
        sb_addf(o, NM_KEY "%s\n", "IP4.GATEWAY:", *str(n, "gateway") ? str(n, "gateway") : "--");
        sb_addf(o, NM_KEY "--\n\n", "IP6.GATEWAY:");
    }
    sb_addf(o, NM_KEY "lo\n" NM_KEY "loopback\n" NM_KEY "00:00:00:00:00:00\n" NM_KEY
               "100 (connected (externally))\n" NM_KEY "127.0.0.1/8\n" NM_KEY "--\n",
            "GENERAL.DEVICE:", "GENERAL.TYPE:", "GENERAL.HWADDR:", "GENERAL.STATE:",
            "IP4.ADDRESS[1]:", "IP4.GATEWAY:");
}

static void ipconfig_all(const cJSON *f, strbuf *o)
{
    sb_addf(o, "\r\nWindows IP Configuration\r\n\r\n"
               "   Host Name . . . . . . . . . . . . : %s\r\n"
               "   Primary Dns Suffix  . . . . . . . : \r\n"
               "   Node Type . . . . . . . . . . . . : Hybrid\r\n"
               "   IP Routing Enabled. . . . . . . . : No\r\n"
               "   WINS Proxy Enabled. . . . . . . . : No\r\n",
            *str(f, "hostname") ? str(f, "hostname") : "WIN-LAB");
    const cJSON *n;
    cJSON_ArrayForEach(n, cJSON_GetObjectItem(f, "nics"))
    {
        sb_addf(o, "\r\nEthernet adapter %s:\r\n\r\n", str(n, "name"));
        sb_adds(o, "   Connection-specific DNS Suffix  . : \r\n"
                   "   Description . . . . . . . . . . . : Red Hat VirtIO Ethernet Adapter\r\n"
                   "   Physical Address. . . . . . . . . : ");
        mac_upper(str(n, "mac"), '-', o);
        sb_adds(o, "\r\n   DHCP Enabled. . . . . . . . . . . : No\r\n"
                   "   Autoconfiguration Enabled . . . . : Yes\r\n");
        if (*str(n, "ip")) {
            sb_addf(o, "   IPv4 Address. . . . . . . . . . . : %s(Preferred) \r\n"
                       "   Subnet Mask . . . . . . . . . . . : ",
                    str(n, "ip"));
            mask_of(cJSON_GetObjectItem(n, "prefix")->valueint, o);
            sb_adds(o, "\r\n");
        }
        sb_addf(o, "   Default Gateway . . . . . . . . . : %s\r\n"
                   "   NetBIOS over Tcpip. . . . . . . . : Enabled\r\n",
                str(n, "gateway"));
    }
}

/* What `xfs_info` prints in the lab's Linux guests: the geometry of a v4
 * (crc=0) XFS file system, as RHEL 7 created them. */
static const char *xfs_info_v4 =
    "meta-data=/dev/sdb1              isize=256    agcount=4, agsize=655296 blks\n"
    "         =                       sectsz=512   attr=2, projid32bit=1\n"
    "         =                       crc=0        finobt=0, sparse=0, rmapbt=0\n"
    "         =                       reflink=0\n"
    "data     =                       bsize=4096   blocks=2621184, imaxpct=25\n"
    "         =                       sunit=0      swidth=0 blks\n"
    "naming   =version 2              bsize=4096   ascii-ci=0, ftype=0\n"
    "log      =internal log           bsize=4096   blocks=2560, version=2\n"
    "         =                       sectsz=512   sunit=0 blks, lazy-count=1\n"
    "realtime =none                   extsz=4096   blocks=0, rtextents=0\n";

static int put(const char *cmd_dir, const char *command, const char *text, mtv_err *err)
{
    strbuf key = STRBUF_INIT, path = STRBUF_INIT;
    lab_guest_key(command, &key);
    fs_join(&path, cmd_dir, key.buf);
    int rc = fs_write_atomic(path.buf, text, strlen(text), err);
    sb_release(&key);
    sb_release(&path);
    return rc;
}

int lab_guest_write(const char *facts_json, const char *dir, mtv_err *err)
{
    cJSON *f = cJSON_Parse(facts_json ? facts_json : "{}");
    if (!cJSON_IsObject(f)) {
        cJSON_Delete(f);
        return mtv_err_set(err, MTV_EXIT_ENV, "the guest facts annotation is not a JSON object");
    }
    strbuf cmd = STRBUF_INIT, text = STRBUF_INIT;
    fs_join(&cmd, dir, "cmd");
    int rc = fs_mkdir_p(cmd.buf, 0755, err);
    int win = !strcmp(str(f, "os"), "windows");
    if (!rc && cJSON_IsArray(cJSON_GetObjectItem(f, "nics"))) {
        (win ? ipconfig_all : nmcli_device_show)(f, &text);
        rc = put(cmd.buf, win ? "ipconfig /all" : "nmcli device show", text.buf, err);
    }
    if (!rc && !win)
        rc = put(cmd.buf, "xfs_info", xfs_info_v4, err);
    /* DeviceGuard's VirtualizationBasedSecurityStatus: 1, enabled but not
     * running, as in a guest without nested virtualization */
    if (!rc && win)
        rc = put(cmd.buf, "powershell", "1\r\n", err);
    const cJSON *o;
    cJSON_ArrayForEach(o, cJSON_GetObjectItem(f, "output"))
        if (!rc && cJSON_IsString(o) && o->string)
            rc = put(cmd.buf, o->string, o->valuestring, err);
    sb_release(&cmd);
    sb_release(&text);
    cJSON_Delete(f);
    return rc;
}

void lab_guest_remove(const char *dir)
{
    strbuf cmd = STRBUF_INIT;
    fs_join(&cmd, dir, "cmd");
    DIR *d = opendir(cmd.buf);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        strbuf p = STRBUF_INIT;
        fs_join(&p, cmd.buf, e->d_name);
        unlink(p.buf);
        sb_release(&p);
    }
    if (d)
        closedir(d);
    rmdir(cmd.buf);
    rmdir(dir);
    sb_release(&cmd);
}
