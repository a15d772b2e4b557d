/*
 * lab_ctl_provider: the Provider reconciler (forklift.md 2.2 and 12). It
 * validates type, URL and Secret, tests the connection (the world's
 * credentials, or a real vcsim through the collect callback), registers
 * the provider's inventory with lab_inv, shows LoadInventory and phase
 * Staging while the inventory "loads" (206 from the inventory service
 * meanwhile), then InventoryCreated, Ready and phase Ready. A failed
 * connection test is ConnectionTestFailed (Critical) with phase
 * ConnectionFailed and is retried. A Provider being deleted loses its
 * inventory and then the forklift/ova-provider or forklift/hyperv-provider
 * finalizer the admission webhook gave it, as Forklift removes it once the
 * per-provider server is gone; other finalizers are left to their owners.
 */
#include "lab/lab_ctl_int.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/log.h"

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

static prov_rt *state(lab_ctl *c, const char *uid, const char *ns, const char *name)
{
    for (size_t i = 0; i < c->nprovs; i++)
        if (!strcmp(c->provs[i].uid, uid))
            return &c->provs[i];
    c->provs = realloc(c->provs, (c->nprovs + 1) * sizeof *c->provs);
    if (!c->provs)
        abort();
    prov_rt *p = &c->provs[c->nprovs++];
    memset(p, 0, sizeof *p);
    p->uid = xstrdup(uid);
    p->ns = xstrdup(ns);
    p->name = xstrdup(name);
    p->generation = -1;
    return p;
}

const prov_rt *ctl_provider_state(lab_ctl *c, const char *uid)
{
    for (size_t i = 0; i < c->nprovs; i++)
        if (!strcmp(c->provs[i].uid, uid))
            return &c->provs[i];
    return NULL;
}

static void forget(lab_ctl *c, const char *ns, const char *name)
{
    for (size_t i = 0; i < c->nprovs; i++) {
        prov_rt *p = &c->provs[i];
        if (strcmp(p->ns, ns) || strcmp(p->name, name))
            continue;
        lab_inv_remove(c->cfg.inv, p->uid);
        free(p->uid);
        free(p->ns);
        free(p->name);
        free(p->secret_rv);
        free(p->error);
        c->provs[i] = c->provs[--c->nprovs];
        return;
    }
}

/* A Secret data value, decoded. */
static char *secret_value(const cJSON *secret, const char *key)
{
    const char *b64 = js(cJSON_GetObjectItemCaseSensitive(secret, "data"), key);
    if (!*b64)
        return NULL;
    strbuf out = STRBUF_INIT;
    if (b64_decode(&out, b64, strlen(b64)) < 0) {
        sb_release(&out);
        return NULL;
    }
    return out.buf ? sb_detach(&out, NULL) : xstrdup("");
}

static const char *const known_types[] = {"vsphere", "ovirt", "openstack", "openshift", "ova",
                                          "ec2", "hyperv", "nutanix", NULL};

static int known_type(const char *t)
{
    for (const char *const *k = known_types; *k; k++)
        if (!strcmp(*k, t))
            return 1;
    return 0;
}

/* Connection test; on success fills *src (cached types) and returns 0. */
/* A "providers" fault: the Secret ends up holding other values than the
 * client wrote (as if something rewrote it after creation). 1 when the
 * Secret was changed. */
static int rewrite_secret(lab_ctl *c, const cJSON *p, const cJSON *secret)
{
    const cJSON *want = lab_faults_provider_secret(c->cfg.faults, jpath_str(p, "metadata.name")), *e;
    if (!want)
        return 0;
    cJSON *copy = cJSON_Duplicate(secret, 1);
    cJSON *data = cJSON_GetObjectItemCaseSensitive(copy, "data");
    if (!data)
        data = cJSON_AddObjectToObject(copy, "data");
    cJSON *plain = cJSON_GetObjectItemCaseSensitive(copy, "stringData");
    int changed = 0;
    cJSON_ArrayForEach(e, want)
    {
        char *now = secret_value(secret, e->string);
        if (!now || strcmp(now, e->valuestring)) {
            strbuf b = STRBUF_INIT;
            b64_encode(&b, e->valuestring, strlen(e->valuestring));
            cJSON_DeleteItemFromObjectCaseSensitive(data, e->string);
            cJSON_AddStringToObject(data, e->string, sb_str(&b));
            cJSON_DeleteItemFromObjectCaseSensitive(plain, e->string);
            sb_release(&b);
            changed = 1;
        }
        free(now);
    }
    if (changed) {
        log_info("lab controller: rewriting the Secret of Provider %s (faults file)",
                 jpath_str(p, "metadata.name"));
        ctl_update(c, c->k_secret, jpath_str(secret, "metadata.namespace"),
                   jpath_str(secret, "metadata.name"), copy);
    } else {
        cJSON_Delete(copy);
    }
    return changed;
}

static int connect_source(lab_ctl *c, const cJSON *p, const cJSON *secret, lab_source *src,
                          int *live, strbuf *why)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(p, "spec");
    const char *type = js(spec, "type"), *url = js(spec, "url");
    *live = 0;
    memset(src, 0, sizeof *src);
    if (!strcmp(type, "openshift")) {
        *live = 1;
        if (!*url)
            return 0;
        char *token = secret_value(secret, "token");
        int ok = token && *token && c->cfg.self_url && !strncmp(url, c->cfg.self_url,
                                                               strlen(c->cfg.self_url));
        if (!ok)
            sb_addf(why, "Connection test, failed: %s", token && *token
                                                            ? "the lab can only reach its own API "
                                                              "server as a remote cluster"
                                                            : "the secret has no token");
        free(token);
        return ok ? 0 : -1;
    }
    int t = lab_src_type_parse(type);
    char *user = secret_value(secret, t == LAB_SRC_OPENSTACK ? "username" : "user");
    if (!user && t == LAB_SRC_HYPERV)
        user = secret_value(secret, "username");
    char *pass = secret_value(secret, "password");
    char *insecure = secret_value(secret, "insecureSkipVerify");
    int rc = -1;
    if (t == LAB_SRC_VSPHERE && c->cfg.collect) {
        mtv_err err;
        mtv_err_clear(&err);
        char *cacert = secret_value(secret, "cacert");
        rc = c->cfg.collect(c->cfg.collect_ud, p, url, user, pass, cacert,
                            insecure && !strcmp(insecure, "true"), src, &err);
        free(cacert);
        if (rc < 0)
            sb_addf(why, "Connection test, failed: %s", err.msg);
    } else if (t < 0 || !c->cfg.world->src[t].present) {
        sb_addf(why, "Connection test, failed: the lab's world has no %s source", type);
    } else if (t != LAB_SRC_OVA && c->cfg.users[t] &&
               (!user || !pass || strcmp(user, c->cfg.users[t]) ||
                strcmp(pass, c->cfg.passwords[t]))) {
        sb_addf(why, "Connection test, failed: %s", !user || !pass
                                                        ? "the secret has no user and password"
                                                        : "401 Unauthorized: the user name or "
                                                          "password was rejected");
    } else if (c->cfg.source) {
        rc = c->cfg.source(c->cfg.source_ud, (lab_src_type)t, src);
        if (rc < 0)
            sb_addf(why, "Connection test, failed: the %s source is not available", type);
    } else {
        lab_source_copy(src, &c->cfg.world->src[t]);
        rc = 0;
    }
    free(user);
    free(pass);
    free(insecure);
    return rc;
}

/* The inventory's re-read of a connected Provider's source (lab_inv.h):
 * the same connection the controller makes, with the Secret as it is now. */
int ctl_provider_refresh(void *ud, const cJSON *p, lab_source *out)
{
    lab_ctl *c = ud;
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(p, "spec");
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(p, "metadata");
    const cJSON *sref = cJSON_GetObjectItemCaseSensitive(spec, "secret");
    cJSON *secret = ctl_get(c, c->k_secret, *js(sref, "namespace") ? js(sref, "namespace")
                                                                   : js(meta, "namespace"),
                            js(sref, "name"));
    if (!secret)
        return -1;
    int live = 0;
    strbuf why = STRBUF_INIT;
    int rc = connect_source(c, p, secret, out, &live, &why);
    if (rc == 0 && live)
        rc = -1;   /* read at each request anyway */
    else if (rc < 0)
        log_debug("lab inventory: re-reading %s: %s", js(meta, "name"), why.buf);
    sb_release(&why);
    cJSON_Delete(secret);
    return rc;
}

static int own_finalizer(const char *f)
{
    return !strcmp(f, "forklift/ova-provider") || !strcmp(f, "forklift/hyperv-provider");
}

/* Tears down a Provider being deleted: its inventory, then its finalizer.
 * A conflicting write is retried on the next reconcile. */
static void finalize(lab_ctl *c, cJSON *p, const char *ns, const char *name)
{
    forget(c, ns, name);
    cJSON *fins = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(p, "metadata"),
                                                   "finalizers");
    int removed = 0;
    for (cJSON *f = fins ? fins->child : NULL, *next; f; f = next) {
        next = f->next;
        if (cJSON_IsString(f) && own_finalizer(f->valuestring)) {
            cJSON_Delete(cJSON_DetachItemViaPointer(fins, f));
            removed = 1;
        }
    }
    if (!removed)
        return;
    int code = ctl_update(c, c->k_provider, ns, name, cJSON_Duplicate(p, 1));
    if (code == 200)
        log_debug("lab controller: provider %s/%s torn down, finalizer removed", ns, name);
    else if (code != 404)
        ctl_after(c, KEY_PROVIDER, ns, name, 100);
}

void ctl_provider(lab_ctl *c, const char *ns, const char *name)
{
    cJSON *p = ctl_get(c, c->k_provider, ns, name);
    if (!p) {
        forget(c, ns, name);
        return;
    }
    if (*jpath_str(p, "metadata.deletionTimestamp")) {
        finalize(c, p, ns, name);
        cJSON_Delete(p);
        return;
    }
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(p, "metadata");
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(p, "spec");
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(p, "status");
    const char *uid = js(meta, "uid"), *type = js(spec, "type"), *url = js(spec, "url");
    long long gen = (long long)cJSON_GetNumberValue(cJSON_GetObjectItem(meta, "generation"));
    int host = !strcmp(type, "openshift") && !*url;
    prov_rt *rt = state(c, uid, ns, name);
    cJSON *conds = lab_cond_stage(cJSON_GetObjectItem(old, "conditions"));
    const char *phase = "Ready";
    int64_t requeue = -1;

    if (!known_type(type)) {
        lab_cond_set(conds, "ProviderTypeNotSupported", LAB_CAT_CRITICAL, "NotSupported",
                     "The provider type is not supported.", 0, NULL);
    } else if (!host && !*url) {
        lab_cond_set(conds, "UrlNotValid", LAB_CAT_CRITICAL, "NotSet",
                     "The provider URL is not valid.", 0, NULL);
    } else if (!strcmp(type, "ova") && fnmatch("[!:]*:/[!:]*", url, 0) != 0) {
        lab_cond_set(conds, "UrlNotValid", LAB_CAT_CRITICAL, "Malformed",
                     "The provider URL is not valid.", 0, NULL);
    }
    cJSON *secret = NULL;
    const cJSON *sref = cJSON_GetObjectItemCaseSensitive(spec, "secret");
    if (!host && !lab_cond_blocked(conds)) {
        secret = ctl_get(c, c->k_secret, *js(sref, "namespace") ? js(sref, "namespace") : ns,
                         js(sref, "name"));
        if (secret && rewrite_secret(c, p, secret)) {
            cJSON_Delete(secret);
            secret = ctl_get(c, c->k_secret, *js(sref, "namespace") ? js(sref, "namespace") : ns,
                             js(sref, "name"));
        }
        if (!secret)
            lab_cond_set(conds, "SecretNotValid", LAB_CAT_CRITICAL,
                         *js(sref, "name") ? "NotFound" : "NotSet",
                         "The provider secret is not valid.", 0, NULL);
    }
    if (lab_cond_blocked(conds)) {
        phase = "ValidationFailed";
        lab_inv_remove(c->cfg.inv, uid);
        rt->connected = 0;
    } else {
        lab_cond_set(conds, "Validated", LAB_CAT_ADVISORY, "Completed",
                     "Validation has been completed.", 0, NULL);
        char *insecure = secret ? secret_value(secret, "insecureSkipVerify") : NULL;
        if (insecure && !strcmp(insecure, "true"))
            lab_cond_set(conds, "ConnectionInsecure", LAB_CAT_WARN, "SkipTLSVerification",
                         "TLS is susceptible to machine-in-the-middle attacks when certificate "
                         "verification is skipped.", 0, NULL);
        free(insecure);
        const char *srv = secret ? jpath_str(secret, "metadata.resourceVersion") : "";
        int64_t now = ctl_now(c);
        int retest = rt->generation != gen || strcmp(rt->secret_rv ? rt->secret_rv : "", srv) ||
                     (rt->connected < 0 && now >= rt->ready_at) ||
                     (rt->connected >= 0 && !lab_inv_has(c->cfg.inv, uid));
        if (retest) {
            lab_source src;
            int live;
            strbuf why = STRBUF_INIT;
            if (connect_source(c, p, secret, &src, &live, &why) == 0) {
                /* a real inventory takes a while to load; proportional to its size */
                size_t nvms = live ? 0 : src.nvms;
                rt->ready_at = now + ctl_scaled(c, 3.0 + (double)nvms * 0.05);
                lab_inv_put(c->cfg.inv, p, live ? NULL : &src, rt->ready_at);
                if (!live)
                    lab_source_release(&src);
                rt->connected = 1;
                free(rt->error);
                rt->error = NULL;
                log_debug("lab controller: provider %s/%s (%s) connected", ns, name, type);
            } else {
                rt->connected = -1;
                free(rt->error);
                rt->error = sb_detach(&why, NULL);
                rt->ready_at = now + (ctl_scaled(c, 30) > 1000 ? ctl_scaled(c, 30) : 1000);
                lab_inv_remove(c->cfg.inv, uid);
                log_info("lab controller: provider %s/%s: %s", ns, name, rt->error);
            }
            sb_release(&why);
            rt->generation = gen;
            free(rt->secret_rv);
            rt->secret_rv = xstrdup(srv);
        } else {
            lab_inv_update_cr(c->cfg.inv, p);
        }
        if (rt->connected < 0) {
            lab_cond_set(conds, "ConnectionTestFailed", LAB_CAT_CRITICAL, "Tested", rt->error, 0,
                         NULL);
            phase = "ConnectionFailed";
            requeue = rt->ready_at - now;
        } else {
            lab_cond_set(conds, "ConnectionTestSucceeded", LAB_CAT_REQUIRED, "Tested",
                         "Connection test, succeeded.", 0, NULL);
            if (now < rt->ready_at) {
                lab_cond_set(conds, "LoadInventory", LAB_CAT_ADVISORY, "Started",
                             "Loading the inventory.", 0, NULL);
                phase = "Staging";
                requeue = rt->ready_at - now;
            } else {
                lab_cond_set(conds, "InventoryCreated", LAB_CAT_REQUIRED, "Completed",
                             "The inventory has been loaded.", 0, NULL);
            }
        }
    }
    if (!lab_cond_blocked(conds) && lab_cond_has(conds, "InventoryCreated"))
        lab_cond_set(conds, "Ready", LAB_CAT_REQUIRED, NULL, "The provider is ready.", 0, NULL);
    char now_s[32];
    ctl_now_str(c, now_s);
    lab_cond_finish(conds, cJSON_GetObjectItem(old, "conditions"), now_s);
    cJSON *st = cJSON_CreateObject();
    cJSON_AddItemToObject(st, "conditions", conds);
    cJSON_AddNumberToObject(st, "observedGeneration", (double)gen);
    cJSON_AddStringToObject(st, "phase", phase);
    if (!strcmp(type, "vsphere") || !strcmp(type, "ovirt"))
        cJSON_AddStringToObject(st, "fingerprint",
                                "D7:CC:22:02:41:8F:BF:7D:6D:95:A8:01:E1:43:F8:E6:90:E6:DF:75");
    if (secret)
        cJSON_AddStringToObject(st, "secretResourceVersion",
                                jpath_str(secret, "metadata.resourceVersion"));
    ctl_write_status(c, c->k_provider, ns, name, st);
    if (requeue >= 0)
        ctl_after(c, KEY_PROVIDER, ns, name, requeue);
    cJSON_Delete(secret);
    cJSON_Delete(p);
}

cJSON *ctl_provider_ready(lab_ctl *c, const cJSON *ref, const char *role, const char **why,
                          const char **reason)
{
    *why = NULL;
    *reason = NULL;
    int src = !strcmp(role, "source");
    const char *name = js(ref, "name"), *ns = js(ref, "namespace");
    cJSON *p = *name ? ctl_get(c, c->k_provider, ns, name) : NULL;
    if (!p) {
        *why = src ? "SourceProviderNotValid" : "DestinationProviderNotValid";
        *reason = *name ? "NotFound" : "NotSet";
        return NULL;
    }
    if (!src && strcmp(jpath_str(p, "spec.type"), "openshift")) {
        *why = "DestinationProviderNotValid";
        *reason = "TypeNotValid";
        cJSON_Delete(p);
        return NULL;
    }
    const cJSON *gen = jpath(p, "metadata.generation");
    const cJSON *og = jpath(p, "status.observedGeneration");
    if (!lab_cond_has(jpath(p, "status.conditions"), "Ready") || !og || !gen ||
        og->valuedouble != gen->valuedouble ||
        !lab_inv_synced(c->cfg.inv, jpath_str(p, "metadata.uid"))) {
        *why = src ? "SourceProviderNotReady" : "DestinationProviderNotReady";
        *reason = "NotReady";
        cJSON_Delete(p);
        return NULL;
    }
    return p;
}

/* Forklift's vSphere collector follows the vCenter as it changes; the lab
 * reads vcsim when a Provider connects. A migration reads the source VMs
 * as they are when it starts (a VM the test's preparation just powered on
 * is on), so the source Provider of a starting run is read again. */
void ctl_plan_source_reread(lab_ctl *c, const cJSON *plan)
{
    const cJSON *ref = jpath(plan, "spec.provider.source");
    const char *pns = jpath_str(plan, "metadata.namespace");
    cJSON *p = ctl_get(c, c->k_provider, *js(ref, "namespace") ? js(ref, "namespace") : pns,
                       js(ref, "name"));
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(p, "spec");
    if (!p || strcmp(js(spec, "type"), "vsphere") || !c->cfg.collect ||
        !lab_inv_has(c->cfg.inv, jpath_str(p, "metadata.uid"))) {
        cJSON_Delete(p);
        return;
    }
    const cJSON *sref = cJSON_GetObjectItemCaseSensitive(spec, "secret");
    cJSON *secret = ctl_get(c, c->k_secret,
                            *js(sref, "namespace") ? js(sref, "namespace")
                                                   : jpath_str(p, "metadata.namespace"),
                            js(sref, "name"));
    lab_source src;
    int live;
    strbuf why = STRBUF_INIT;
    if (secret && connect_source(c, p, secret, &src, &live, &why) == 0) {
        lab_inv_put(c->cfg.inv, p, live ? NULL : &src, ctl_now(c));
        if (!live)
            lab_source_release(&src);
    } else {
        log_info("lab controller: re-reading the source of plan %s: %s",
                 jpath_str(plan, "metadata.name"), why.len ? why.buf : "no secret");
    }
    sb_release(&why);
    cJSON_Delete(secret);
    cJSON_Delete(p);
}
