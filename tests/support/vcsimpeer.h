/*
 * vcsimpeer: starts the vcsim launcher (tests/peers/vcsim) from a C test.
 *
 * The launcher is built once per build folder (build.sh caches it and
 * serialises concurrent builds); a test that finds no Go toolchain or no
 * govmomi package is skipped, not failed. The simulator runs as a child that
 * dies with the test process, and tu_vcsim_stop ends it with SIGTERM so it
 * removes its temporary datastore folders.
 */
#ifndef MTV_VCSIMPEER_H
#define MTV_VCSIMPEER_H

#include <cjson/cJSON.h>
#include <sys/types.h>

typedef struct tu_vcsim {
    pid_t pid;
    char url[256];        /* "http://127.0.0.1:PORT/sdk" (https with -tls-cert) */
    cJSON *ready;         /* the launcher's ready line: {"url":..,"vms":{name: moref}} */
} tu_vcsim;

/* Starts the launcher with world_json (may be NULL) written to a file and
 * the extra arguments (NULL-terminated, may be NULL). Skips the current test
 * when the launcher cannot be built here. */
void tu_vcsim_start(tu_vcsim *v, const char *world_json, const char *const *args);
void tu_vcsim_stop(tu_vcsim *v);
/* The MoRef value the launcher gave a world VM, or NULL. */
const char *tu_vcsim_vm(const tu_vcsim *v, const char *name);

#endif
