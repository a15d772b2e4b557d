/*
 * source_cleanup: deleting the source-side objects of a resources.json
 * (clones, snapshots, images, volumes) outside the run that made them, for
 * `mtv-validate cleanup`. Each ledger entry names the providers-file entry
 * it was made on ("provider") and the platform id; the cleaner opens that
 * entry's adapter once, on first use, and deletes through it
 * (source_delete, which treats "already gone" as done). A provider that
 * cannot be opened (no providers file, no such entry, unreachable, refused
 * login) is remembered, so every one of its objects is reported as left
 * over with the same reason instead of trying again for each.
 *
 * mtv_source_cleaner_delete is an mtv_source_delete_fn for mtv_teardown.
 *
 * Ownership: the cleaner owns the adapters it opened; the config's pointers
 * (transport, providers file, kube config, strings) are borrowed and must
 * outlive it.
 */
#ifndef MTV_MTV_SOURCE_CLEANUP_H
#define MTV_MTV_SOURCE_CLEANUP_H

#include "config/providers.h"
#include "k8s/kubeconfig.h"
#include "net/transport.h"
#include "util/ledger.h"

typedef struct mtv_source_cleaner_config {
    transport *t;                  /* required */
    const providers_file *file;    /* NULL: no providers file could be loaded ... */
    const char *file_error;        /* ... and why (for the leftover notes) */
    const char *provider;          /* use this entry for every object (else each object's own) */
    const char *ca_file;           /* trust this PEM bundle for the sources' TLS */
    int insecure;                  /* explicit: do not verify the sources' TLS */
    const kube_config *kube;       /* the cluster, for OpenShift sources */
} mtv_source_cleaner_config;

typedef struct mtv_source_cleaner mtv_source_cleaner;

mtv_source_cleaner *mtv_source_cleaner_new(const mtv_source_cleaner_config *cfg);
void mtv_source_cleaner_free(mtv_source_cleaner *c);

/* Deletes one source-side entry (ud = the cleaner); 0 when it is gone. */
int mtv_source_cleaner_delete(void *ud, const ledger_entry *e, mtv_err *err);

#endif
