/* results: see results.h. */
#include "runner/results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"
#include "util/json.h"

static const char *const status_names[] = {"passed", "failed", "error", "skipped", "xfailed", "xpassed"};

const char *step_status_name(enum step_status st)
{
    return st <= STEP_XPASSED ? status_names[st] : "unknown";
}

int step_status_parse(const char *name, enum step_status *out)
{
    for (int i = 0; i <= STEP_XPASSED; i++)
        if (name && strcmp(name, status_names[i]) == 0) {
            *out = (enum step_status)i;
            return 0;
        }
    return -1;
}

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

static void *grow(void *p, size_t n, size_t size)
{
    void *q = realloc(p, n * size);
    if (!q)
        abort();
    return q;
}

run_results *results_new(const char *run_id, int64_t started_ms)
{
    run_results *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    r->run_id = dup_or_null(run_id ? run_id : "");
    r->started_ms = started_ms;
    pthread_mutex_init(&r->lock, NULL);
    return r;
}

static void step_free(step_result *st)
{
    free(st->name);
    free(st->test_name);
    free(st->message);
    free(st->detail);
    free(st->log);
}

static void scenario_free(scenario_result *s)
{
    for (size_t i = 0; i < s->n_steps; i++)
        step_free(&s->steps[i]);
    free(s->steps);
    free(s->scenario);
    free(s->test_name);
    free(s->file);
    free(s->cassette);
    cJSON_Delete(s->data);
    free(s);
}

void results_free(run_results *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_scenarios; i++)
        scenario_free(r->scenarios[i]);
    free(r->scenarios);
    for (size_t i = 0; i < r->n_props; i++) {
        free(r->props[i].key);
        free(r->props[i].value);
    }
    free(r->props);
    free(r->run_id);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

void results_set_prop(run_results *r, const char *key, const char *value)
{
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->n_props; i++) {
        if (strcmp(r->props[i].key, key) != 0)
            continue;
        free(r->props[i].value);
        if (value) {
            r->props[i].value = dup_or_null(value);
        } else {
            free(r->props[i].key);
            memmove(&r->props[i], &r->props[i + 1], (r->n_props - i - 1) * sizeof *r->props);
            r->n_props--;
        }
        pthread_mutex_unlock(&r->lock);
        return;
    }
    if (value) {
        r->props = grow(r->props, r->n_props + 1, sizeof *r->props);
        r->props[r->n_props].key = dup_or_null(key);
        r->props[r->n_props].value = dup_or_null(value);
        r->n_props++;
    }
    pthread_mutex_unlock(&r->lock);
}

const char *results_get_prop(const run_results *r, const char *key)
{
    for (size_t i = 0; i < r->n_props; i++)
        if (strcmp(r->props[i].key, key) == 0)
            return r->props[i].value;
    return NULL;
}

scenario_result *results_add_scenario(run_results *r, const char *scenario, const char *test_name,
                                      const char *file)
{
    scenario_result *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->scenario = dup_or_null(scenario);
    s->test_name = dup_or_null(test_name ? test_name : scenario);
    s->file = dup_or_null(file);
    pthread_mutex_lock(&r->lock);
    r->scenarios = grow(r->scenarios, r->n_scenarios + 1, sizeof *r->scenarios);
    r->scenarios[r->n_scenarios++] = s;
    pthread_mutex_unlock(&r->lock);
    return s;
}

void scenario_set_cassette(scenario_result *s, const char *path)
{
    free(s->cassette);
    s->cassette = dup_or_null(path);
}

static const char *const SCENARIO_FIELDS[] = {"scenario", "test_name", "file", "cassette",
                                              "started_ms", "seconds", "steps", NULL};

static int is_scenario_field(const char *key)
{
    for (size_t i = 0; SCENARIO_FIELDS[i]; i++)
        if (!strcmp(key, SCENARIO_FIELDS[i]))
            return 1;
    return 0;
}

int scenario_set_data(scenario_result *s, const char *key, cJSON *value)
{
    if (is_scenario_field(key)) {
        cJSON_Delete(value);
        return -1;
    }
    if (!s->data)
        s->data = cJSON_CreateObject();
    cJSON_DeleteItemFromObjectCaseSensitive(s->data, key);
    if (value)
        cJSON_AddItemToObject(s->data, key, value);
    return 0;
}

step_result *scenario_add_step(scenario_result *s, const char *name, const char *test_name,
                               enum step_status status, const char *message, const char *detail,
                               const char *log, int64_t started_ms, double seconds)
{
    s->steps = grow(s->steps, s->n_steps + 1, sizeof *s->steps);
    step_result *st = &s->steps[s->n_steps++];
    st->name = dup_or_null(name);
    st->test_name = dup_or_null(test_name ? test_name : name);
    st->status = status;
    st->message = dup_or_null(message);
    st->detail = dup_or_null(detail);
    st->log = dup_or_null(log);
    st->started_ms = started_ms;
    st->seconds = seconds;
    if (s->n_steps == 1 && !s->started_ms)
        s->started_ms = started_ms;
    return st;
}

const step_result *scenario_first_failure(const scenario_result *s)
{
    for (size_t i = 0; i < s->n_steps; i++)
        if (s->steps[i].status == STEP_FAILED || s->steps[i].status == STEP_ERROR)
            return &s->steps[i];
    return NULL;
}

results_counts results_count(const run_results *r)
{
    results_counts c = {0};
    for (size_t i = 0; i < r->n_scenarios; i++) {
        const scenario_result *s = r->scenarios[i];
        for (size_t j = 0; j < s->n_steps; j++) {
            c.total++;
            switch (s->steps[j].status) {
            case STEP_PASSED: c.passed++; break;
            case STEP_FAILED: c.failed++; break;
            case STEP_ERROR: c.errors++; break;
            case STEP_SKIPPED: c.skipped++; break;
            case STEP_XFAILED: c.xfailed++; break;
            case STEP_XPASSED: c.xpassed++; break;
            }
        }
    }
    return c;
}

int results_exit_code(const run_results *r)
{
    results_counts c = results_count(r);
    return c.failed || c.errors ? MTV_EXIT_FAILURES : MTV_EXIT_OK;
}

/* --- JSON ------------------------------------------------------------- */

static void add_str(cJSON *o, const char *key, const char *value)
{
    if (value)
        cJSON_AddStringToObject(o, key, value);
}

cJSON *results_to_json(const run_results *r)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "format_version", 1);
    add_str(root, "run_id", r->run_id);
    cJSON_AddNumberToObject(root, "started_ms", (double)r->started_ms);
    cJSON_AddNumberToObject(root, "seconds", r->seconds);
    cJSON *props = cJSON_AddArrayToObject(root, "properties");
    for (size_t i = 0; i < r->n_props; i++) {
        cJSON *p = cJSON_CreateObject();
        add_str(p, "name", r->props[i].key);
        add_str(p, "value", r->props[i].value);
        cJSON_AddItemToArray(props, p);
    }
    cJSON *scs = cJSON_AddArrayToObject(root, "scenarios");
    for (size_t i = 0; i < r->n_scenarios; i++) {
        const scenario_result *s = r->scenarios[i];
        cJSON *so = cJSON_CreateObject();
        add_str(so, "scenario", s->scenario);
        add_str(so, "test_name", s->test_name);
        add_str(so, "file", s->file);
        add_str(so, "cassette", s->cassette);
        cJSON_AddNumberToObject(so, "started_ms", (double)s->started_ms);
        cJSON_AddNumberToObject(so, "seconds", s->seconds);
        cJSON *steps = cJSON_AddArrayToObject(so, "steps");
        for (size_t j = 0; j < s->n_steps; j++) {
            const step_result *st = &s->steps[j];
            cJSON *t = cJSON_CreateObject();
            add_str(t, "name", st->name);
            add_str(t, "test_name", st->test_name);
            add_str(t, "status", step_status_name(st->status));
            add_str(t, "message", st->message);
            add_str(t, "detail", st->detail);
            add_str(t, "log", st->log);
            cJSON_AddNumberToObject(t, "started_ms", (double)st->started_ms);
            cJSON_AddNumberToObject(t, "seconds", st->seconds);
            cJSON_AddItemToArray(steps, t);
        }
        for (const cJSON *d = s->data ? s->data->child : NULL; d; d = d->next)
            cJSON_AddItemToObject(so, d->string, cJSON_Duplicate(d, 1));
        cJSON_AddItemToArray(scs, so);
    }
    return root;
}

int results_write(const run_results *r, const char *path, mtv_err *err)
{
    cJSON *root = results_to_json(r);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return mtv_err_set(err, MTV_EXIT_ENV, "cannot serialise results for %s", path);
    strbuf sb = STRBUF_INIT;
    sb_adds(&sb, text);
    sb_addc(&sb, '\n');
    cJSON_free(text);
    int rc = fs_write_atomic_mode(path, sb.buf, sb.len, 0644, err);
    sb_release(&sb);
    return rc;
}

static const char *get_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double get_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static int bad_field(mtv_err *err, const json_doc *doc, const char *pointer, const char *what)
{
    strbuf where = STRBUF_INIT;
    json_doc_where(doc, pointer, &where);
    mtv_err_set(err, MTV_EXIT_USAGE, "%s: %s %s", where.buf, pointer, what);
    sb_release(&where);
    return -1;
}

static int read_steps(scenario_result *s, const cJSON *steps, const json_doc *doc, size_t si,
                      mtv_err *err)
{
    size_t j = 0;
    for (const cJSON *t = steps ? steps->child : NULL; t; t = t->next, j++) {
        char ptr[96];
        snprintf(ptr, sizeof ptr, "/scenarios/%zu/steps/%zu", si, j);
        enum step_status st;
        const char *name = get_str(t, "name");
        if (!name)
            return bad_field(err, doc, ptr, "has no string \"name\"");
        if (step_status_parse(get_str(t, "status"), &st) < 0)
            return bad_field(err, doc, ptr,
                             "has no valid \"status\" (passed, failed, error, skipped, xfailed, xpassed)");
        scenario_add_step(s, name, get_str(t, "test_name"), st, get_str(t, "message"),
                          get_str(t, "detail"), get_str(t, "log"), (int64_t)get_num(t, "started_ms"),
                          get_num(t, "seconds"));
    }
    return 0;
}

run_results *results_read(const char *path, mtv_err *err)
{
    json_doc doc;
    if (json_doc_load(&doc, path, JSON_STRICT, err) < 0)
        return NULL;
    const cJSON *root = doc.root;
    if (!cJSON_IsObject(root) || !cJSON_IsArray(cJSON_GetObjectItem(root, "scenarios"))) {
        mtv_err_set(err, MTV_EXIT_USAGE, "%s: not a results file (an object with \"scenarios\" expected)",
                    path);
        json_doc_free(&doc);
        return NULL;
    }
    run_results *r = results_new(get_str(root, "run_id"), (int64_t)get_num(root, "started_ms"));
    r->seconds = get_num(root, "seconds");
    const cJSON *props = cJSON_GetObjectItem(root, "properties");
    for (const cJSON *p = cJSON_IsArray(props) ? props->child : NULL; p; p = p->next)
        if (get_str(p, "name"))
            results_set_prop(r, get_str(p, "name"), get_str(p, "value") ? get_str(p, "value") : "");
    size_t si = 0;
    for (const cJSON *so = cJSON_GetObjectItem(root, "scenarios")->child; so; so = so->next, si++) {
        char ptr[64];
        snprintf(ptr, sizeof ptr, "/scenarios/%zu", si);
        if (!get_str(so, "scenario")) {
            bad_field(err, &doc, ptr, "has no string \"scenario\"");
            results_free(r);
            json_doc_free(&doc);
            return NULL;
        }
        scenario_result *s = results_add_scenario(r, get_str(so, "scenario"), get_str(so, "test_name"),
                                                  get_str(so, "file"));
        scenario_set_cassette(s, get_str(so, "cassette"));
        s->seconds = get_num(so, "seconds");
        if (read_steps(s, cJSON_GetObjectItem(so, "steps"), &doc, si, err) < 0) {
            results_free(r);
            json_doc_free(&doc);
            return NULL;
        }
        s->started_ms = (int64_t)get_num(so, "started_ms");
        for (const cJSON *d = so->child; d; d = d->next)
            if (d->string && !is_scenario_field(d->string))
                scenario_set_data(s, d->string, cJSON_Duplicate(d, 1));
    }
    json_doc_free(&doc);
    return r;
}

static const scenario_result *find_scenario(const run_results *r, const char *test_name)
{
    for (size_t i = 0; i < r->n_scenarios; i++)
        if (strcmp(r->scenarios[i]->test_name, test_name) == 0)
            return r->scenarios[i];
    return NULL;
}

size_t results_compare(const run_results *a, const run_results *b, strbuf *diff)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_scenarios; i++) {
        const scenario_result *sa = a->scenarios[i];
        const scenario_result *sb = find_scenario(b, sa->test_name);
        if (!sb) {
            sb_addf(diff, "%s: recorded but not replayed\n", sa->test_name);
            n++;
            continue;
        }
        size_t steps = sa->n_steps > sb->n_steps ? sa->n_steps : sb->n_steps;
        for (size_t j = 0; j < steps; j++) {
            const step_result *x = j < sa->n_steps ? &sa->steps[j] : NULL;
            const step_result *y = j < sb->n_steps ? &sb->steps[j] : NULL;
            if (x && y && strcmp(x->name, y->name) == 0 && x->status == y->status)
                continue;
            sb_addf(diff, "%s: step %zu: recorded %s %s, replayed %s %s%s%s\n", sa->test_name, j + 1,
                    x ? x->name : "-", x ? step_status_name(x->status) : "(none)",
                    y ? y->name : "-", y ? step_status_name(y->status) : "(none)",
                    y && y->message ? ": " : "", y && y->message ? y->message : "");
            n++;
        }
    }
    for (size_t i = 0; i < b->n_scenarios; i++)
        if (!find_scenario(a, b->scenarios[i]->test_name)) {
            sb_addf(diff, "%s: replayed but not recorded\n", b->scenarios[i]->test_name);
            n++;
        }
    return n;
}
