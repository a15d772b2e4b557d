/* select: see select.h. */
#include "runner/select.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/value.h"
#include "runner/expr.h"
#include "runner/markers.h"
#include "runner/params.h"
#include "util/suggest.h"

const char *select_skip_reason(const scenario *sc, enum provider_type type,
                               const settings *set, strbuf *out)
{
    sb_reset(out);
    const char *tname = provider_type_name(type);
    if ((type == PROVIDER_OPENSTACK || type == PROVIDER_OPENSHIFT || type == PROVIDER_OVA ||
         type == PROVIDER_HYPERV) && scenario_has_keyword(sc, "warm")) {
        sb_addf(out, "%s warm migration is not supported.", tname);
        return out->buf;
    }
    static const char *const vsphere_only[] = {"copyoffload", "shared_disk", "deep_inspection", "aap",
                                               "luks"};
    for (size_t i = 0; type != PROVIDER_UNKNOWN && type != PROVIDER_VSPHERE && i < 5; i++)
        if (scenario_has_keyword(sc, vsphere_only[i])) {
            sb_adds(out, "Test is only applicable to vSphere source providers");
            return out->buf;
        }
    if ((type == PROVIDER_OPENSHIFT || type == PROVIDER_OVA) && scenario_has_keyword(sc, "ca_crt")) {
        sb_addf(out, "%s does not use CA certificates in provider secret", tname);
        return out->buf;
    }
    for (size_t i = 0; i < sc->n_skipif; i++) {
        int truth = set ? value_truth(settings_get(set, sc->skipif[i].setting)) : -1;
        if ((truth < 0 ? 0 : truth) == sc->skipif[i].is) {
            sb_adds(out, sc->skipif[i].reason);
            return out->buf;
        }
    }
    const cJSON *vms = sc->params ? cJSON_GetObjectItemCaseSensitive(sc->params, "virtual_machines") : NULL;
    for (const cJSON *vm = cJSON_IsArray(vms) ? vms->child : NULL; vm; vm = vm->next)
        if (type != PROVIDER_UNKNOWN && type != PROVIDER_VSPHERE && params_true(vm, "add_nic")) {
            sb_adds(out, "add_nic is only supported for vSphere source providers");
            return out->buf;
        }
    return NULL;
}

int select_provider_applies(const scenario *sc, enum provider_type type, const provider_entry *entry)
{
    if (type == PROVIDER_UNKNOWN)
        return 1;
    int has_provider_marker = 0;
    for (size_t i = 0; i < sc->n_markers; i++) {
        const marker_def *m = markers_find(sc->markers[i]);
        if (!m || m->provider == PROVIDER_UNKNOWN)
            continue;
        has_provider_marker = 1;
        if (m->provider != type)
            continue;
        if (type != PROVIDER_VSPHERE || !entry)
            return 1;
        /* a vSphere entry is either a vCenter or an ESXi endpoint */
        int esxi_marker = !strcmp(m->name, "esxi");
        if (esxi_marker == provider_is_esxi(entry))
            return 1;
    }
    return !has_provider_marker;
}

typedef struct kmatch {
    const scenario *sc;
    const char *test_name;
} kmatch;

static int match_marker(const char *ident, void *ctx)
{
    return scenario_has_marker(((kmatch *)ctx)->sc, ident);
}

static int match_keyword(const char *ident, void *ctx)
{
    kmatch *k = ctx;
    const char *names[4] = {k->test_name, k->sc->cls, k->sc->id, k->sc->suite};
    for (size_t i = 0; i < 4; i++)
        if (names[i] && strcasestr(names[i], ident))
            return 1;
    for (size_t i = 0; i < k->sc->n_markers; i++)
        if (strcasestr(k->sc->markers[i], ident))
            return 1;
    return 0;
}

static void warn_unknown_marker(const char *ident, void *ctx)
{
    diag_list *w = ctx;
    if (markers_find(ident))
        return;
    const char *names[64];
    size_t n = markers_names(names, 64);
    strbuf hint = STRBUF_INIT;
    suggest_append(&hint, ident, names, n);
    diag_add(w, DIAG_WARNING, "-m", "'%s' is not a registered marker%s; it matches no scenario", ident,
             sb_str(&hint));
    sb_release(&hint);
}

static char *test_name(const scenario *sc, const select_opts *o)
{
    strbuf sb = STRBUF_INIT;
    sb_adds(&sb, sc->name);
    if (o->provider_label && *o->provider_label)
        sb_addf(&sb, "-%s", o->provider_label);
    if (o->storage_class && *o->storage_class)
        sb_addf(&sb, "-%s", o->storage_class);
    return sb_detach(&sb, NULL);
}

static const jira_link *jira_skip(const scenario *sc, enum provider_type type)
{
    for (size_t i = 0; i < sc->n_jira; i++) {
        const jira_link *l = &sc->jira[i];
        if (l->run)
            continue;
        if (!l->when_types || (type != PROVIDER_UNKNOWN && (l->when_types & (1u << type))))
            return l;
    }
    return NULL;
}

int select_scenarios(const catalog *c, const select_opts *o, selection *out, mtv_err *err)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < o->n_names; i++) {
        if (catalog_find(c, o->names[i]))
            continue;
        const char **names = calloc(c->count ? c->count : 1, sizeof *names);
        if (!names)
            abort();
        for (size_t k = 0; k < c->count; k++)
            names[k] = c->items[k].name;
        strbuf hint = STRBUF_INIT;
        suggest_append(&hint, o->names[i], names, c->count);
        mtv_err_set(err, MTV_EXIT_USAGE, "--scenario %s: no such scenario in %s%s; see 'mtv-validate list'",
                    o->names[i], c->dir, sb_str(&hint));
        sb_release(&hint);
        free(names);
        return -1;
    }
    expr *m = NULL, *k = NULL;
    if (expr_parse("-m", o->markexpr, &m, err) < 0)
        return -1;
    if (expr_parse("-k", o->keyexpr, &k, err) < 0) {
        expr_free(m);
        return -1;
    }
    expr_each_ident(m, warn_unknown_marker, &out->warnings);
    out->items = calloc(c->count ? c->count : 1, sizeof *out->items);
    if (!out->items)
        abort();
    strbuf reason = STRBUF_INIT;
    for (size_t i = 0; i < c->count; i++) {
        const scenario *sc = &c->items[i];
        int named = o->n_names == 0;
        for (size_t n = 0; n < o->n_names; n++)
            named |= !strcmp(o->names[n], sc->name);
        if (!named)
            continue;
        char *name = test_name(sc, o);
        kmatch km = {sc, name};
        if (!expr_eval(m, match_marker, &km) || !expr_eval(k, match_keyword, &km)) {
            out->deselected++;
            free(name);
            continue;
        }
        if (!select_provider_applies(sc, o->provider_type, o->entry)) {
            out->not_applicable++;
            free(name);
            continue;
        }
        selected *s = &out->items[out->count++];
        s->sc = sc;
        s->test_name = name;
        const char *why = select_skip_reason(sc, o->provider_type, &c->settings, &reason);
        if (why) {
            s->skip = strdup(why);
            if (!s->skip)
                abort();
        }
        s->jira = jira_skip(sc, o->provider_type);
        if (o->provider_type != PROVIDER_UNKNOWN && !s->skip)
            params_check_provider(sc, o->provider_type, o->entry, DIAG_ERROR, &s->problems);
    }
    sb_release(&reason);
    expr_free(m);
    expr_free(k);
    return 0;
}

void selection_free(selection *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++) {
        free(s->items[i].test_name);
        free(s->items[i].skip);
        diag_free(&s->items[i].problems);
    }
    free(s->items);
    diag_free(&s->warnings);
    memset(s, 0, sizeof *s);
}
