/*
 * openstack: the OpenStack source adapter (Keystone v3, Nova, Neutron, Cinder,
 * Glance over JSON), reached through provider.h (openstack_source_ops).
 *
 * Keystone v3 password auth scoped to the entry's project (user and project
 * domains by name or id) yields the token (X-Subject-Token) and the service
 * catalog; endpoints are taken for the entry's region and the public
 * interface, and each can be overridden ("compute=URL", ...) so tests and labs
 * point the adapter anywhere. A clone is made as upstream does: a snapshot
 * image of the server; for a volume-backed server, volumes created from that
 * image's volume snapshots (boot order kept); then a new server from them
 * with the source's flavor and networks. Every image, volume snapshot, volume
 * and server made on the way is reported for teardown.
 *
 * The record conversion is a pure function over the API's JSON objects plus
 * a lookup for linked ones, tested on the recorded MicroStack samples.
 */
#ifndef MTV_PROVIDERS_OPENSTACK_H
#define MTV_PROVIDERS_OPENSTACK_H

#include <cjson/cJSON.h>

#include "providers/provider.h"
#include "providers/vm_record.h"

/* Finds a linked object: kind "networks", "subnets", "volumes" or "images"
 * and its id -> the object (not wrapped), or NULL. "volume_snapshots" with a
 * volume id -> an array of that volume's snapshots, or NULL. */
typedef const cJSON *(*openstack_lookup_fn)(void *ud, const char *kind, const char *id);

typedef struct openstack_parts {
    const cJSON *server;         /* the "server" object */
    const cJSON *flavor;         /* the "flavor" object; NULL when embedded in server */
    const cJSON *ports;          /* the server's Neutron ports (array); NULL: use addresses */
    const cJSON *attachments;    /* "volumeAttachments" (array); NULL: volumes_attached */
    openstack_lookup_fn lookup;
    void *ud;
} openstack_parts;

void openstack_record_from(const openstack_parts *in, vm_record *out);

/* The endpoint URL of the first service of one of types (in order) for
 * interface and region (NULL = any) in a Keystone v3 token body. */
int openstack_catalog_url(const cJSON *token_body, const char *const *types,
                          const char *interface, const char *region, strbuf *url);

/* An OpenStack error body ({"itemNotFound": {"message": ...}}, {"error":
 * {"message": ...}}, {"NeutronError": {...}}) as text into out; 0 when one
 * was found. */
int openstack_error_text(const char *body, size_t n, strbuf *out);

#endif
