/* cli_run: see cli_run.h. */
#include "cli/cli_run.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_config.h"
#include "util/fs.h"
#include "util/clock.h"
#include "util/rand.h"

void cli_run_summary(console *c, FILE *out, const run_results *res, const run_outcome *oc,
                     const char *out_dir, const char *log_path)
{
    strbuf s = STRBUF_INIT;
    if (oc->signal)
        sb_addf(&s, "interrupted by signal %d\n", oc->signal);
    if (oc->timed_out)
        sb_adds(&s, "stopped by --timeout\n");
    if (oc->leftovers)
        sb_addf(&s, "%zu object%s left behind: see %s/resources.json and 'mtv-validate cleanup'\n",
                oc->leftovers, oc->leftovers == 1 ? "" : "s", out_dir);
    if (oc->bundle_errors)
        sb_addf(&s, "%zu cassette%s could not be written (see the log)\n", oc->bundle_errors,
                oc->bundle_errors == 1 ? "" : "s");
    if (oc->diverged)
        sb_addf(&s, "%zu scenario%s diverged from the recording: see unmatched.json in %s/<scenario>/\n",
                oc->diverged, oc->diverged == 1 ? "" : "s", out_dir);
    fflush(out);
    cli_write_masked(out, s.buf ? s.buf : "", s.len);
    sb_release(&s);
    strbuf results = STRBUF_INIT, junit = STRBUF_INIT, ledger = STRBUF_INIT, cassettes = STRBUF_INIT;
    fs_join(&results, out_dir, "results.json");
    fs_join(&junit, out_dir, "junit.xml");
    fs_join(&ledger, out_dir, "resources.json");
    fs_join(&cassettes, out_dir, "cassettes");
    console_artifact a[5] = {{"results", results.buf}, {"junit", junit.buf}};
    size_t n = 2;
    if (log_path && *log_path)
        a[n++] = (console_artifact){"log", log_path};
    a[n++] = (console_artifact){"resources", ledger.buf};
    int any_cassette = 0;
    for (size_t i = 0; i < res->n_scenarios; i++)
        any_cassette |= res->scenarios[i]->cassette && !strncmp(res->scenarios[i]->cassette, out_dir,
                                                               strlen(out_dir));
    if (any_cassette)
        a[n++] = (console_artifact){"cassettes", cassettes.buf};
    console_summary(c, res, a, n);
    sb_release(&results);
    sb_release(&junit);
    sb_release(&ledger);
    sb_release(&cassettes);
}

int cli_parse_duration(const char *text, const char *option, int64_t *ms, mtv_err *err)
{
    char *end;
    double v = strtod(text ? text : "", &end);
    int64_t unit = 1000;
    if (end && *end) {
        if (!strcmp(end, "s"))
            unit = 1000;
        else if (!strcmp(end, "m"))
            unit = 60000;
        else if (!strcmp(end, "h"))
            unit = 3600000;
        else
            v = -1;
    }
    if (!text || end == text || v <= 0 || v > 1e7)
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "%s: expected a duration such as 3600, 90m or 2h, got '%s'", option,
                           text ? text : "");
    *ms = (int64_t)(v * (double)unit);
    return 0;
}

void cli_run_id(strbuf *out)
{
    mtv_clock *c = clock_new_real();
    time_t now = (time_t)(clock_now_ms(c) / 1000);
    clock_free(c);
    struct tm tm;
    gmtime_r(&now, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%Y%m%d-%H%M%S", &tm);
    mtv_rand *r = rand_new_entropy();
    strbuf name = STRBUF_INIT;
    rand_name(r, ts, 4, &name);
    rand_free(r);
    sb_add(out, name.buf, name.len);
    sb_release(&name);
}
