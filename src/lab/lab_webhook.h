/*
 * lab_webhook: Forklift's admission webhooks (forklift-api, forklift.md
 * 11.5) as store admission hooks. Mutating: vSphere Providers get
 * settings.sdkEndpoint "vcenter" when missing, OVA and Hyper-V Providers
 * their finalizer, new Plans the populatorLabels annotation. Validating: a
 * bad sdkEndpoint, a Plan whose providers do not exist (unless archived),
 * a warm Plan from OpenStack, a Migration whose Plan does not exist. A
 * denial is a 400 whose message reads like the API server's for webhooks.
 *
 * Admission runs under the store's lock, so the webhook cannot read the
 * store; like a real webhook it answers from its own view of which
 * Providers and Plans exist, kept by a store write hook.
 * Ownership: lab_webhook_free; the store is borrowed.
 */
#ifndef MTV_LAB_WEBHOOK_H
#define MTV_LAB_WEBHOOK_H

#include "lab/lab_store.h"

typedef struct lab_webhook lab_webhook;

/* Registers the admission and write hooks on the store. */
lab_webhook *lab_webhook_new(lab_store *store);
void lab_webhook_free(lab_webhook *w);

#endif
