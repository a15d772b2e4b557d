/* summary: see summary.h. */
#include "recorder/summary.h"

#include <stdlib.h>
#include <string.h>

#include "net/http.h"

typedef struct group {
    const char *name;
    size_t count;
    double time_ms;
    long statuses[8];
    size_t status_counts[8];
    size_t nstatus;
} group;

static void count_status(group *g, long status)
{
    for (size_t i = 0; i < g->nstatus; i++)
        if (g->statuses[i] == status) {
            g->status_counts[i]++;
            return;
        }
    if (g->nstatus < 8) {
        g->statuses[g->nstatus] = status;
        g->status_counts[g->nstatus++] = 1;
    }
}

static void print_statuses(strbuf *out, const group *g)
{
    for (size_t i = 0; i < g->nstatus; i++)
        sb_addf(out, "%s%ld x%zu", i ? ", " : "", g->statuses[i], g->status_counts[i]);
}

void cassette_summary(const cassette *c, size_t timeline_limit, strbuf *out)
{
    const cJSON *meta = c->meta;
    const char *scenario = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "scenario"));
    const char *at = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "recorded_at"));
    const char *ver = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "tool_version"));
    sb_addf(out, "%s: %zu entries", c->name, c->count);
    if (scenario && *scenario)
        sb_addf(out, ", scenario %s", scenario);
    if (at)
        sb_addf(out, ", recorded %s", at);
    if (ver)
        sb_addf(out, " by mtv-validate %s", ver);
    sb_addc(out, '\n');

    group groups[32];
    size_t ngroups = 0;
    group all = {"all", 0, 0, {0}, {0}, 0};
    long long first = -1, last = 0;
    for (size_t i = 0; i < c->count; i++) {
        const cassette_entry *e = &c->entries[i];
        group *g = NULL;
        for (size_t k = 0; k < ngroups; k++)
            if (strcmp(groups[k].name, e->upstream) == 0)
                g = &groups[k];
        if (!g && ngroups < 32) {
            g = &groups[ngroups++];
            memset(g, 0, sizeof *g);
            g->name = e->upstream;
        }
        if (g) {
            g->count++;
            g->time_ms += e->time_ms;
            count_status(g, e->status);
        }
        count_status(&all, e->status);
        all.time_ms += e->time_ms;
        if (e->t_ms >= 0) {
            if (first < 0 || e->t_ms < first)
                first = e->t_ms;
            long long end = e->t_ms + (long long)e->time_ms;
            if (end > last)
                last = end;
        }
    }
    sb_adds(out, "\nby upstream:\n");
    for (size_t k = 0; k < ngroups; k++) {
        sb_addf(out, "  %-16s %6zu  %10.1f ms  status ", groups[k].name, groups[k].count, groups[k].time_ms);
        print_statuses(out, &groups[k]);
        sb_addc(out, '\n');
    }
    sb_adds(out, "\nstatus codes: ");
    print_statuses(out, &all);
    sb_addf(out, "\ntime in exchanges: %.1f ms", all.time_ms);
    if (first >= 0)
        sb_addf(out, "; span of the run: %.3f s", (double)(last - first) / 1000.0);
    sb_addc(out, '\n');
    if (!timeline_limit)
        return;
    sb_addf(out, "\ntimeline:\n  %6s %10s %9s  %-16s %s\n", "seq", "t(ms)", "dur(ms)", "upstream", "request -> status");
    for (size_t i = 0; i < c->count && i < timeline_limit; i++) {
        const cassette_entry *e = &c->entries[i];
        strbuf path = STRBUF_INIT;
        if (http_url_split(e->url, NULL, &path, NULL) < 0)
            sb_adds(&path, e->url);
        sb_addf(out, "  %6lld %10lld %9.1f  %-16s %s %s", e->seq, e->t_ms, e->time_ms, e->upstream,
                e->method, path.buf);
        if (e->error)
            sb_addf(out, " -> error: %.100s", e->error);
        else
            sb_addf(out, " -> %ld", e->status);
        if (e->has_stream)
            sb_addf(out, " (stream, %d frames)",
                    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cassette_entry_stream(c, e), "frames")));
        if (e->has_custom)
            sb_addf(out, " (%s entry)",
                    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cassette_entry_custom(c, e), "kind")));
        sb_addc(out, '\n');
        sb_release(&path);
    }
    if (c->count > timeline_limit)
        sb_addf(out, "  ... %zu more (--limit 0 shows all)\n", c->count - timeline_limit);
}
