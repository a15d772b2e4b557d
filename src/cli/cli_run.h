/*
 * cli_run: what `run` and `replay` share: the end-of-run summary, durations
 * on the command line, and the run id.
 */
#ifndef MTV_CLI_CLI_RUN_H
#define MTV_CLI_CLI_RUN_H

#include <stdint.h>
#include <stdio.h>

#include "runner/run.h"

/* Prints counts, one line per scenario (its first failure when it has one),
 * leftovers and where the artifacts are. Masked. */
void cli_run_summary(FILE *out, const run_results *res, const run_outcome *oc, const char *out_dir,
                     const char *title);

/* "90" (seconds), "90s", "15m", "2h" -> milliseconds. */
int cli_parse_duration(const char *text, const char *option, int64_t *ms, mtv_err *err);

/* "20261127-221500-a1b2" from the real clock and fresh randomness. */
void cli_run_id(strbuf *out);

#endif
