/*
 * cli_run: what `run` and `replay` share: the end-of-run summary on the
 * console reporter, durations on the command line, and the run id.
 */
#ifndef MTV_CLI_CLI_RUN_H
#define MTV_CLI_CLI_RUN_H

#include <stdint.h>
#include <stdio.h>

#include "reporters/console.h"
#include "runner/run.h"

/* The end of a run on the console: failures, pytest's summary line, what
 * interrupted the run or was left behind, and where the artifacts are
 * (log_path: the run's log, listed when not NULL or empty). Masked. */
void cli_run_summary(console *c, FILE *out, const run_results *res, const run_outcome *oc,
                     const char *out_dir, const char *log_path);

/* "90" (seconds), "90s", "15m", "2h" -> milliseconds. */
int cli_parse_duration(const char *text, const char *option, int64_t *ms, mtv_err *err);

/* "20261127-221500-a1b2" from the real clock and fresh randomness. */
void cli_run_id(strbuf *out);

#endif
