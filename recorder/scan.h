/*
 * scan: the last line of defence: looks for credentials in bytes that are
 * about to be written (bundles) or that were handed to us (cassette verify).
 *
 * Two detectors: the known-secret registry (every value the run learned, in
 * every encoding it knows) and patterns that are credentials whatever their
 * value: an unredacted Bearer or Basic credential, an OpenShift "sha256~"
 * token, a JWT, a PEM private key, a vSphere session cookie. Placeholders
 * ("<redacted:...>") never match.
 *
 * Findings name the rule (or the secret's label) and a byte offset, never
 * the value. Pure; thread-safe.
 */
#ifndef MTV_RECORDER_SCAN_H
#define MTV_RECORDER_SCAN_H

#include <stddef.h>

#include "util/secrets.h"

typedef struct scan_finding {
    char rule[96];     /* "known-secret:vsphere.password", "pattern:jwt", ... */
    size_t offset;
} scan_finding;

/* 1 and *f filled when something is found, 0 when clean. reg may be NULL. */
int scan_secrets(const secret_registry *reg, const void *data, size_t n, scan_finding *f);

#endif
