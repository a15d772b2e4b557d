/* guest_net: see guest_net.h. Both parsers are line based and tolerant:
 * lines they do not know are skipped, so a newer nmcli or a localised
 * ipconfig loses fields rather than failing. */
#include "checks/guest_net.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/vm_record.h"

static guest_iface *add_iface(guest_ifaces *g)
{
    guest_iface *v = realloc(g->v, (g->n + 1) * sizeof *v);
    if (!v)
        abort();
    g->v = v;
    memset(&v[g->n], 0, sizeof v[g->n]);
    return &v[g->n++];
}

static void add_addr(guest_iface *i, const char *ip, size_t n, int prefix)
{
    guest_addr *a = realloc(i->addrs, (i->naddrs + 1) * sizeof *a);
    if (!a)
        abort();
    i->addrs = a;
    a[i->naddrs].ip = strndup(ip, n);
    if (!a[i->naddrs].ip)
        abort();
    a[i->naddrs++].prefix = prefix;
}

static char *trimmed(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    char *d = strndup(s, n);
    if (!d)
        abort();
    return d;
}

static void set_mac(char **dst, const char *raw)
{
    char *t = trimmed(raw);
    free(*dst);
    *dst = NULL;
    if (*t)
        vr_set_mac(dst, t);
    free(t);
}

/* Calls fn for each line of text (without the newline). */
#define FOR_LINES(text, line)                                                                      \
    for (char *copy_ = strdup(text ? text : ""), *save_ = NULL,                                    \
              *line = copy_ ? strtok_r(copy_, "\r\n", &save_) : NULL;                              \
         line || (free(copy_), 0); line = strtok_r(NULL, "\r\n", &save_))

void guest_nmcli_parse(const char *text, guest_ifaces *out)
{
    memset(out, 0, sizeof *out);
    guest_iface *cur = NULL;
    FOR_LINES(text, line)
    {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        const char *key = line, *val = colon + 1;
        char *v = trimmed(val);
        if (!strcmp(key, "GENERAL.DEVICE")) {
            cur = add_iface(out);
            cur->name = v;
            continue;
        }
        if (cur && !strcmp(key, "GENERAL.HWADDR")) {
            set_mac(&cur->mac, val);
        } else if (cur && !strncmp(key, "IP4.ADDRESS", 11) && *v) {
            char *slash = strchr(v, '/');
            add_addr(cur, v, slash ? (size_t)(slash - v) : strlen(v), slash ? atoi(slash + 1) : -1);
        } else if (cur && !strcmp(key, "IP4.GATEWAY") && *v && strcmp(v, "--")) {
            free(cur->gateway);
            cur->gateway = v;
            continue;
        }
        free(v);
    }
}

int guest_mask_prefix(const char *mask)
{
    unsigned a, b, c, d;
    if (!mask || sscanf(mask, "%u.%u.%u.%u", &a, &b, &c, &d) != 4 || a > 255 || b > 255 ||
        c > 255 || d > 255)
        return -1;
    unsigned long m = ((unsigned long)a << 24) | (b << 16) | (c << 8) | d;
    int n = 0;
    while (n < 32 && (m & (0x80000000UL >> n)))
        n++;
    for (int k = n; k < 32; k++)
        if (m & (0x80000000UL >> k))
            return -1;
    return n;
}

/* "   IPv4 Address. . . . . . . . . . . : 10.0.0.5(Preferred)" -> key, value */
static int ipconfig_kv(char *line, char **key, char **val)
{
    char *colon = strstr(line, " : ");
    if (!colon)
        return 0;
    *colon = '\0';
    *val = colon + 3;
    char *k = line;
    while (*k == ' ')
        k++;
    size_t n = strlen(k);
    while (n && (k[n - 1] == ' ' || k[n - 1] == '.'))
        k[--n] = '\0';
    *key = k;
    return 1;
}

void guest_ipconfig_parse(const char *text, guest_ifaces *out)
{
    memset(out, 0, sizeof *out);
    guest_iface *cur = NULL;
    int in_gateway = 0;
    FOR_LINES(text, line)
    {
        if (line[0] && line[0] != ' ') {
            /* "Ethernet adapter Ethernet0:" starts an adapter; others end it */
            char *ad = strstr(line, "adapter ");
            size_t n = strlen(line);
            cur = NULL;
            in_gateway = 0;
            if (ad && n && line[n - 1] == ':') {
                cur = add_iface(out);
                cur->name = strndup(ad + 8, (size_t)(line + n - 1 - (ad + 8)));
                if (!cur->name)
                    abort();
            }
            continue;
        }
        if (!cur)
            continue;
        char *key, *val;
        if (!ipconfig_kv(line, &key, &val)) {
            /* a continuation line: a second gateway */
            char *t = trimmed(line);
            if (in_gateway && !cur->gateway && *t && strchr(t, '.') && !strchr(t, ':')) {
                cur->gateway = t;
                t = NULL;
            }
            free(t);
            continue;
        }
        in_gateway = 0;
        char *v = trimmed(val);
        char *paren = strchr(v, '(');
        if (paren)
            *paren = '\0';
        if (!strcmp(key, "Physical Address")) {
            set_mac(&cur->mac, v);
        } else if (!strcmp(key, "IPv4 Address") || !strcmp(key, "IP Address")) {
            if (*v && !strchr(v, ':'))
                add_addr(cur, v, strlen(v), -1);
        } else if (!strcmp(key, "Subnet Mask") && cur->naddrs) {
            cur->addrs[cur->naddrs - 1].prefix = guest_mask_prefix(v);
        } else if (!strcmp(key, "Default Gateway")) {
            in_gateway = 1;
            if (*v && !strchr(v, ':')) {
                free(cur->gateway);
                cur->gateway = v;
                v = NULL;
            }
        }
        free(v);
    }
}

void guest_ifaces_free(guest_ifaces *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->v[i].name);
        free(g->v[i].mac);
        free(g->v[i].gateway);
        for (size_t k = 0; k < g->v[i].naddrs; k++)
            free(g->v[i].addrs[k].ip);
        free(g->v[i].addrs);
    }
    free(g->v);
    memset(g, 0, sizeof *g);
}

const guest_iface *guest_ifaces_find(const guest_ifaces *g, const char *name, const char *mac)
{
    for (size_t i = 0; name && i < g->n; i++)
        if (g->v[i].name && !strcmp(g->v[i].name, name))
            return &g->v[i];
    char *norm = NULL;
    if (mac)
        vr_set_mac(&norm, mac);
    const guest_iface *hit = NULL;
    for (size_t i = 0; norm && !hit && i < g->n; i++)
        if (g->v[i].mac && !strcmp(g->v[i].mac, norm))
            hit = &g->v[i];
    free(norm);
    return hit;
}
