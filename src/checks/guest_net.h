/*
 * guest_net: a guest's own view of its network interfaces, parsed from what
 * the static IP check runs in it: `nmcli device show` on Linux and
 * `ipconfig /all` on Windows (the fields upstream reads: name, MAC, IPv4
 * addresses with their prefix, default gateway).
 *
 * Ownership: guest_ifaces owns its strings; guest_ifaces_free.
 */
#ifndef MTV_CHECKS_GUEST_NET_H
#define MTV_CHECKS_GUEST_NET_H

#include <stddef.h>

typedef struct guest_addr {
    char *ip;
    int prefix;                 /* -1 when unknown */
} guest_addr;

typedef struct guest_iface {
    char *name;                 /* eth0, ens192, "Ethernet0" */
    char *mac;                  /* lower case, ':' separated, or NULL */
    char *gateway;              /* or NULL */
    guest_addr *addrs;
    size_t naddrs;
} guest_iface;

typedef struct guest_ifaces {
    guest_iface *v;
    size_t n;
} guest_ifaces;

void guest_nmcli_parse(const char *text, guest_ifaces *out);
void guest_ipconfig_parse(const char *text, guest_ifaces *out);
void guest_ifaces_free(guest_ifaces *g);

/* The interface named name, else the one with this MAC; NULL when neither. */
const guest_iface *guest_ifaces_find(const guest_ifaces *g, const char *name, const char *mac);

/* Prefix length of a dotted IPv4 netmask ("255.255.255.0" -> 24), -1 when
 * it is not one. */
int guest_mask_prefix(const char *mask);

#endif
