/*
 * scenario: loading one scenario file and checking its envelope (everything
 * around "params"). Unknown keys are refused with the closest known one, so
 * a typo cannot silently drop a marker or a Jira link.
 */
#include "runner/scenario.h"

#include <stdlib.h>
#include <string.h>

#include "config/providers.h"
#include "config/secret_keys.h"
#include "config/settings.h"
#include "config/value.h"
#include "runner/markers.h"
#include "util/fs.h"
#include "util/suggest.h"

const char *const SCENARIO_SUITES[] = {
    "cold", "warm", "copyoffload", "hooks", "plan_lifecycle", "shared_disk",
    "luks", "deep_inspection", "upgrade", NULL,
};

static const char *const ENVELOPE_KEYS[] = {
    "class", "id", "suite", "markers", "pattern", "doc", "jira", "skipif", "params",
};
#define N_ENVELOPE (sizeof ENVELOPE_KEYS / sizeof ENVELOPE_KEYS[0])

/* Sections every test plan needs, after upstream's test_plan_schema. */
static const char *const DOC_SECTIONS[] = {"Purpose:", "Prerequisites:", "Steps:", "Expected result:"};

typedef struct ectx {
    scenario *sc;
    diag_list *diags;
    strbuf ptr;
} ectx;

static void err_at(ectx *c, const char *pointer, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void err_at(ectx *c, const char *pointer, const char *fmt, ...)
{
    strbuf where = STRBUF_INIT, msg = STRBUF_INIT;
    scenario_where(c->sc, pointer, &where);
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(&msg, fmt, ap);
    va_end(ap);
    diag_add(c->diags, DIAG_ERROR, where.buf, "%s", msg.buf);
    sb_release(&where);
    sb_release(&msg);
}

static const char *ptr2(ectx *c, const char *key, long index)
{
    sb_reset(&c->ptr);
    json_pointer_append(&c->ptr, key);
    if (index >= 0)
        json_pointer_append_index(&c->ptr, (size_t)index);
    return c->ptr.buf;
}

static const char *opt_string(ectx *c, const cJSON *root, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v)
        return NULL;
    if (!cJSON_IsString(v) || !v->valuestring[0]) {
        err_at(c, ptr2(c, key, -1), "key \"%s\": expected a non-empty string, got %s", key,
               cJSON_IsString(v) ? "an empty string" : json_type_name(v));
        return NULL;
    }
    return v->valuestring;
}

static void load_markers(ectx *c, const cJSON *root)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "markers");
    if (!m) {
        err_at(c, "", "missing required key \"markers\" (an array of marker names, e.g. [\"tier0\"])");
        return;
    }
    if (!cJSON_IsArray(m)) {
        err_at(c, ptr2(c, "markers", -1), "key \"markers\": expected an array of marker names, got %s",
               json_type_name(m));
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(m);
    c->sc->markers = calloc(n ? n : 1, sizeof *c->sc->markers);
    if (!c->sc->markers)
        abort();
    const char *names[64];
    size_t nn = markers_names(names, 64);
    long i = 0;
    for (const cJSON *x = m->child; x; x = x->next, i++) {
        if (!cJSON_IsString(x)) {
            err_at(c, ptr2(c, "markers", i), "markers[%ld]: expected a marker name (string), got %s", i,
                   json_type_name(x));
            continue;
        }
        if (!markers_find(x->valuestring)) {
            strbuf hint = STRBUF_INIT, all = STRBUF_INIT;
            suggest_append(&hint, x->valuestring, names, nn);
            for (size_t k = 0; k < nn; k++)
                sb_addf(&all, "%s%s", k ? ", " : "", names[k]);
            err_at(c, ptr2(c, "markers", i), "markers[%ld]: '%s' is not a registered marker%s; registered: %s",
                   i, x->valuestring, sb_str(&hint), all.buf);
            sb_release(&hint);
            sb_release(&all);
            continue;
        }
        if (scenario_has_marker(c->sc, x->valuestring)) {
            err_at(c, ptr2(c, "markers", i), "markers[%ld]: '%s' is listed twice", i, x->valuestring);
            continue;
        }
        c->sc->markers[c->sc->n_markers++] = x->valuestring;
    }
}

static void load_pattern(ectx *c, const cJSON *root)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "pattern");
    strbuf all = STRBUF_INIT;
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; i < STEP_PATTERN_COUNT && n < 64; i++) {
        names[n++] = STEP_PATTERNS[i].name;
        sb_addf(&all, "%s%s", i ? ", " : "", STEP_PATTERNS[i].name);
    }
    if (!p) {
        err_at(c, "", "missing required key \"pattern\" (the step pattern; one of: %s)", all.buf);
    } else if (!cJSON_IsString(p)) {
        err_at(c, ptr2(c, "pattern", -1), "key \"pattern\": expected a string (one of: %s), got %s",
               all.buf, json_type_name(p));
    } else if (!(c->sc->pattern = steps_find(p->valuestring))) {
        strbuf hint = STRBUF_INIT;
        suggest_append(&hint, p->valuestring, names, n);
        err_at(c, ptr2(c, "pattern", -1), "key \"pattern\": '%s' is not a step pattern%s; patterns: %s",
               p->valuestring, sb_str(&hint), all.buf);
        sb_release(&hint);
    }
    sb_release(&all);
}

static void load_doc(ectx *c, const cJSON *root)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "doc");
    strbuf text = STRBUF_INIT;
    if (!d) {
        err_at(c, "", "missing required key \"doc\" (the test plan: summary, Purpose:, "
                      "Prerequisites:, Steps:, Expected result:)");
        return;
    }
    if (cJSON_IsString(d)) {
        sb_adds(&text, d->valuestring);
    } else if (cJSON_IsArray(d)) {
        long i = 0;
        for (const cJSON *l = d->child; l; l = l->next, i++) {
            if (!cJSON_IsString(l)) {
                err_at(c, ptr2(c, "doc", i), "doc[%ld]: expected a line of text (string), got %s", i,
                       json_type_name(l));
                sb_release(&text);
                return;
            }
            sb_addf(&text, "%s%s", i ? "\n" : "", l->valuestring);
        }
    } else {
        err_at(c, ptr2(c, "doc", -1), "key \"doc\": expected a string or an array of lines, got %s",
               json_type_name(d));
        return;
    }
    const char *t = sb_str(&text);
    while (*t == ' ' || *t == '\n')
        t++;
    if (!*t || !strncmp(t, "Purpose:", 8))
        err_at(c, ptr2(c, "doc", -1), "key \"doc\": the test plan must open with a one-line summary");
    for (size_t s = 0; s < sizeof DOC_SECTIONS / sizeof DOC_SECTIONS[0]; s++) {
        int found = 0;
        for (const char *line = sb_str(&text); line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
            if (!strncmp(line, DOC_SECTIONS[s], strlen(DOC_SECTIONS[s]))) {
                found = 1;
                break;
            }
        if (!found)
            err_at(c, ptr2(c, "doc", -1),
                   "key \"doc\": the test plan has no line starting with \"%s\" (sections: summary, "
                   "Purpose:, Prerequisites:, Steps:, Expected result:)",
                   DOC_SECTIONS[s]);
    }
    c->sc->doc_text = sb_detach(&text, NULL);
}

static void load_jira(ectx *c, const cJSON *root)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, "jira");
    if (!j)
        return;
    if (!cJSON_IsArray(j)) {
        err_at(c, ptr2(c, "jira", -1), "key \"jira\": expected an array of links, got %s", json_type_name(j));
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(j);
    c->sc->jira = calloc(n ? n : 1, sizeof *c->sc->jira);
    if (!c->sc->jira)
        abort();
    long i = 0;
    strbuf p = STRBUF_INIT;
    for (const cJSON *l = j->child; l; l = l->next, i++) {
        sb_reset(&p);
        sb_addf(&p, "/jira/%ld", i);
        if (!cJSON_IsObject(l)) {
            err_at(c, p.buf, "jira[%ld]: expected an object {\"key\": \"MTV-123\", \"run\": false, "
                             "\"when\": {...}}, got %s", i, json_type_name(l));
            continue;
        }
        jira_link link = {NULL, 1, 0};
        int ok = 1;
        for (const cJSON *m = l->child; m; m = m->next) {
            size_t keep = p.len;
            json_pointer_append(&p, m->string);
            if (!strcmp(m->string, "key")) {
                const char *k = cJSON_IsString(m) ? m->valuestring : NULL;
                const char *dash = k ? strchr(k, '-') : NULL;
                int good = dash && dash > k && dash[1];
                for (const char *q = k; good && q < dash; q++)
                    good = (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9');
                for (const char *q = dash ? dash + 1 : NULL; good && *q; q++)
                    good = *q >= '0' && *q <= '9';
                if (!good) {
                    err_at(c, p.buf, "jira[%ld].key: expected an issue key like \"MTV-2846\"", i);
                    ok = 0;
                }
                link.key = k;
            } else if (!strcmp(m->string, "run")) {
                if (!cJSON_IsBool(m)) {
                    err_at(c, p.buf, "jira[%ld].run: expected a boolean, got %s", i, json_type_name(m));
                    ok = 0;
                }
                link.run = cJSON_IsTrue(m);
            } else if (!strcmp(m->string, "when")) {
                if (!cJSON_IsObject(m)) {
                    err_at(c, p.buf, "jira[%ld].when: expected an object of conditions, got %s", i,
                           json_type_name(m));
                    ok = 0;
                    sb_setlen(&p, keep);
                    continue;
                }
                for (const cJSON *w = m->child; w; w = w->next) {
                    size_t keep2 = p.len;
                    json_pointer_append(&p, w->string);
                    if (strcmp(w->string, "source_provider_type") != 0) {
                        err_at(c, p.buf, "jira[%ld].when: unknown condition \"%s\"; conditions: "
                                         "source_provider_type", i, w->string);
                        ok = 0;
                    } else {
                        const cJSON *one = cJSON_IsArray(w) ? w->child : w;
                        for (; one; one = cJSON_IsArray(w) ? one->next : NULL) {
                            enum provider_type t =
                                cJSON_IsString(one) ? provider_type_from_name(one->valuestring) : 0;
                            if (!t) {
                                err_at(c, p.buf, "jira[%ld].when.source_provider_type: expected a "
                                                 "provider type (vsphere, ovirt, openstack, openshift, "
                                                 "ova, hyperv) or an array of them", i);
                                ok = 0;
                                break;
                            }
                            link.when_types |= 1u << t;
                        }
                    }
                    sb_setlen(&p, keep2);
                }
            } else {
                err_at(c, p.buf, "jira[%ld]: unknown key \"%s\"; keys: key, run, when", i, m->string);
                ok = 0;
            }
            sb_setlen(&p, keep);
        }
        if (!link.key && ok) {
            err_at(c, p.buf, "jira[%ld]: missing required key \"key\" (e.g. \"MTV-2846\")", i);
            ok = 0;
        }
        if (ok)
            c->sc->jira[c->sc->n_jira++] = link;
    }
    sb_release(&p);
}

static void load_skipif(ectx *c, const cJSON *root)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "skipif");
    if (!s)
        return;
    if (!cJSON_IsArray(s)) {
        err_at(c, ptr2(c, "skipif", -1), "key \"skipif\": expected an array of rules, got %s",
               json_type_name(s));
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(s);
    c->sc->skipif = calloc(n ? n : 1, sizeof *c->sc->skipif);
    if (!c->sc->skipif)
        abort();
    long i = 0;
    for (const cJSON *r = s->child; r; r = r->next, i++) {
        const char *p = ptr2(c, "skipif", i);
        const cJSON *setting = cJSON_GetObjectItemCaseSensitive(r, "setting");
        const cJSON *is = cJSON_GetObjectItemCaseSensitive(r, "is");
        const cJSON *reason = cJSON_GetObjectItemCaseSensitive(r, "reason");
        if (!cJSON_IsObject(r) || !cJSON_IsString(setting) || !cJSON_IsBool(is) ||
            !cJSON_IsString(reason) || !reason->valuestring[0] || cJSON_GetArraySize(r) != 3) {
            err_at(c, p, "skipif[%ld]: expected {\"setting\": NAME, \"is\": true|false, \"reason\": "
                         "TEXT} (skip when the setting is, or is not, set)", i);
            continue;
        }
        if (!settings_find(setting->valuestring)) {
            err_at(c, p, "skipif[%ld].setting: '%s' is not a known setting", i, setting->valuestring);
            continue;
        }
        skip_rule rule = {setting->valuestring, cJSON_IsTrue(is), reason->valuestring};
        c->sc->skipif[c->sc->n_skipif++] = rule;
    }
}

int scenario_load(scenario *sc, const char *path, secret_registry *reg, diag_list *diags)
{
    memset(sc, 0, sizeof *sc);
    sc->path = strdup(path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t blen = strlen(base);
    sc->name = strndup(base, blen > 5 && !strcmp(base + blen - 5, ".json") ? blen - 5 : blen);
    if (!sc->path || !sc->name)
        abort();
    mtv_err err;
    mtv_err_clear(&err);
    if (json_doc_load(&sc->doc, path, JSON_STRICT, &err) < 0) {
        strbuf raw = STRBUF_INIT;
        mtv_err ignored;
        if (reg && fs_read_file(path, &raw, &ignored) == 0)
            config_scan_secrets(reg, sb_str(&raw));
        sb_release(&raw);
        diag_add_err(diags, &err);
        return -1;
    }
    ectx c = {sc, diags, STRBUF_INIT};
    const cJSON *root = sc->doc.root;
    if (!cJSON_IsObject(root)) {
        err_at(&c, "", "a scenario file must hold a JSON object, got %s", json_type_name(root));
        sb_release(&c.ptr);
        return -1;
    }
    for (const char *k = sc->name; *k; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_')) {
            err_at(&c, "", "the file name must be <scenario_key>.json with a key of lowercase "
                           "letters, digits and '_' (upstream's tests_params key)");
            break;
        }
    for (const cJSON *m = root->child; m; m = m->next) {
        int known = 0;
        for (size_t i = 0; i < N_ENVELOPE; i++)
            known |= !strcmp(ENVELOPE_KEYS[i], m->string);
        if (known)
            continue;
        strbuf hint = STRBUF_INIT;
        suggest_append(&hint, m->string, ENVELOPE_KEYS, N_ENVELOPE);
        err_at(&c, ptr2(&c, m->string, -1),
               "unknown key \"%s\"%s; a scenario file has: class, id, suite, markers, pattern, doc, "
               "jira, skipif, params (upstream's keys go inside \"params\")",
               m->string, sb_str(&hint));
        sb_release(&hint);
    }
    sc->cls = opt_string(&c, root, "class");
    sc->id = opt_string(&c, root, "id");
    sc->suite = opt_string(&c, root, "suite");
    if (sc->suite) {
        size_t n = 0;
        int known = 0;
        for (; SCENARIO_SUITES[n]; n++)
            known |= !strcmp(SCENARIO_SUITES[n], sc->suite);
        if (!known) {
            strbuf hint = STRBUF_INIT;
            suggest_append(&hint, sc->suite, SCENARIO_SUITES, n);
            err_at(&c, ptr2(&c, "suite", -1),
                   "key \"suite\": '%s' is not one of upstream's tests/ folders%s (cold, warm, "
                   "copyoffload, hooks, plan_lifecycle, shared_disk, luks, deep_inspection, upgrade)",
                   sc->suite, sb_str(&hint));
            sc->suite = NULL;
            sb_release(&hint);
        }
    }
    load_markers(&c, root);
    load_pattern(&c, root);
    load_doc(&c, root);
    load_jira(&c, root);
    load_skipif(&c, root);
    cJSON *params = cJSON_GetObjectItemCaseSensitive(root, "params");
    if (!params)
        err_at(&c, "", "missing required key \"params\" (upstream's tests_params body)");
    else if (!cJSON_IsObject(params))
        err_at(&c, "/params", "key \"params\": expected an object, got %s", json_type_name(params));
    else
        sc->params = params;
    if (sc->params && reg) {
        strbuf label = STRBUF_INIT;
        sb_adds(&label, sc->name);
        config_register_secrets(reg, sc->params, &label);
        sb_release(&label);
    }
    sb_release(&c.ptr);
    return 0;
}

void scenario_free(scenario *sc)
{
    if (!sc)
        return;
    for (size_t i = 0; i < sc->n_overrides; i++) {
        free(sc->overrides[i].pointer);
        free(sc->overrides[i].option);
    }
    free(sc->overrides);
    free(sc->markers);
    free(sc->jira);
    free(sc->skipif);
    free(sc->doc_text);
    free(sc->name);
    free(sc->path);
    json_doc_free(&sc->doc);
    memset(sc, 0, sizeof *sc);
}

int scenario_has_marker(const scenario *sc, const char *marker)
{
    for (size_t i = 0; i < sc->n_markers; i++)
        if (!strcmp(sc->markers[i], marker))
            return 1;
    return 0;
}

int scenario_has_keyword(const scenario *sc, const char *word)
{
    return scenario_has_marker(sc, word) || (sc->suite && !strcmp(sc->suite, word));
}

void scenario_where(const scenario *sc, const char *pointer, strbuf *out)
{
    for (size_t i = 0; i < sc->n_overrides; i++) {
        size_t l = strlen(sc->overrides[i].pointer);
        if (!strncmp(pointer, sc->overrides[i].pointer, l) && (pointer[l] == '\0' || pointer[l] == '/')) {
            sb_reset(out);
            sb_adds(out, sc->overrides[i].option);
            return;
        }
    }
    json_doc_where(&sc->doc, pointer, out);
}

void scenario_note_override(scenario *sc, const char *pointer, const char *option)
{
    scenario_override *n = realloc(sc->overrides, (sc->n_overrides + 1) * sizeof *n);
    if (!n)
        abort();
    sc->overrides = n;
    n[sc->n_overrides].pointer = strdup(pointer);
    n[sc->n_overrides].option = strdup(option);
    if (!n[sc->n_overrides].pointer || !n[sc->n_overrides].option)
        abort();
    sc->n_overrides++;
}
