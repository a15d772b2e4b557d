/* finalize: see finalize.h. */
#include "recorder/finalize.h"

#include <string.h>

#include "recorder/bundle.h"
#include "recorder/har.h"
#include "util/clock.h"
#include "util/fs.h"

static cJSON *variables_of(const journal_contents *jc)
{
    cJSON *v = cJSON_CreateObject();
    const char *seed = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jc->meta, "seed"));
    const cJSON *start = cJSON_GetObjectItemCaseSensitive(jc->meta, "start_ms");
    if (seed)
        cJSON_AddStringToObject(v, "seed", seed);
    if (cJSON_IsNumber(start)) {
        char iso[32];
        clock_format_iso(har_clamp(start->valuedouble, 0, 100 * HAR_MAX_MS), iso);
        cJSON_AddNumberToObject(v, "start_ms", start->valuedouble);
        cJSON_AddStringToObject(v, "start_time", iso);
    }
    cJSON *names = cJSON_AddArrayToObject(v, "names");
    cJSON *values = cJSON_AddObjectToObject(v, "values");
    const cJSON *it;
    cJSON_ArrayForEach(it, jc->variables) {
        if (!cJSON_IsString(it))
            continue;
        if (strncmp(it->string, "name.", 5) == 0)
            cJSON_AddItemToArray(names, cJSON_CreateString(it->valuestring));
        else
            cJSON_AddStringToObject(values, it->string, it->valuestring);
    }
    return v;
}

cJSON *finalize_redaction_summary(const cJSON *har)
{
    cJSON *summary = cJSON_CreateObject();
    cJSON *rules = cJSON_AddObjectToObject(summary, "rules");
    cJSON *locs = cJSON_AddArrayToObject(summary, "locations");
    const cJSON *entries = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(har, "log"),
                                                           "entries");
    const cJSON *e;
    cJSON_ArrayForEach(e, entries) {
        const cJSON *seq = cJSON_GetObjectItemCaseSensitive(e, "_seq");
        const cJSON *r;
        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(e, "_redactions")) {
            const char *rule = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "rule"));
            const char *where = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "where"));
            if (!rule)
                continue;
            cJSON *count = cJSON_GetObjectItemCaseSensitive(rules, rule);
            if (count)
                cJSON_SetNumberValue(count, count->valuedouble + 1);
            else
                cJSON_AddNumberToObject(rules, rule, 1);
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "seq", cJSON_IsNumber(seq) ? seq->valuedouble : -1);
            cJSON_AddStringToObject(o, "rule", rule);
            cJSON_AddStringToObject(o, "where", where ? where : "");
            cJSON_AddItemToArray(locs, o);
        }
    }
    return summary;
}

cJSON *finalize_har(const journal_contents *jc)
{
    cJSON *cassette = cJSON_CreateObject();
    cJSON_AddStringToObject(cassette, "format", HAR_FORMAT);
    cJSON_AddStringToObject(cassette, "tool_version", MTV_VERSION);
    const cJSON *start = cJSON_GetObjectItemCaseSensitive(jc->meta, "start_ms");
    if (cJSON_IsNumber(start)) {
        char iso[32];
        clock_format_iso(har_clamp(start->valuedouble, 0, 100 * HAR_MAX_MS), iso);
        cJSON_AddStringToObject(cassette, "recorded_at", iso);
    }
    const char *scenario = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jc->meta, "scenario"));
    cJSON_AddStringToObject(cassette, "scenario", scenario ? scenario : "");
    const char *recorded_by =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jc->meta, "tool_version"));
    if (recorded_by)
        cJSON_AddStringToObject(cassette, "recorded_by", recorded_by);
    cJSON *root = har_log_build(cJSON_Duplicate(jc->entries, 1), variables_of(jc), cassette, NULL);
    cJSON *log = cJSON_GetObjectItemCaseSensitive(root, "log");
    cJSON_ReplaceItemInObjectCaseSensitive(log, "_redaction", finalize_redaction_summary(root));
    return root;
}

int finalize_bundle(const journal_contents *jc, const char *log_path, const char *extra_dir,
                    const char *bundle_path, const secret_registry *reg, mtv_err *err)
{
    cJSON *har = finalize_har(jc);
    strbuf text = STRBUF_INIT;
    har_print(&text, har);
    bundle b = {0};
    bundle_add(&b, BUNDLE_CASSETTE, text.buf, text.len);
    sb_release(&text);
    if (log_path && fs_exists(log_path)) {
        strbuf log = STRBUF_INIT;
        mtv_err ignored;
        if (fs_read_file(log_path, &log, &ignored) == 0)
            bundle_add(&b, BUNDLE_LOG, log.buf ? log.buf : "", log.len);
        sb_release(&log);
    }
    if (extra_dir) {
        strbuf p = STRBUF_INIT, data = STRBUF_INIT;
        fs_join(&p, extra_dir, BUNDLE_UNMATCHED);
        mtv_err ignored;
        if (fs_exists(p.buf) && fs_read_file(p.buf, &data, &ignored) == 0)
            bundle_add(&b, BUNDLE_UNMATCHED, data.buf ? data.buf : "", data.len);
        sb_release(&p);
        sb_release(&data);
    }
    const cJSON *summary = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(har, "log"),
                                                           "_redaction");
    int rc = bundle_write(&b, bundle_path, summary, reg, err);
    bundle_free(&b);
    cJSON_Delete(har);
    return rc;
}
