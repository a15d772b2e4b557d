/*
 * finalize: journal -> HAR cassette -> bundle. Used at the end of a recorded
 * scenario (transport_finish) and by `mtv-validate cassette recover` on the
 * journal of a run that was killed, so both paths give the same bundle.
 */
#ifndef MTV_RECORDER_FINALIZE_H
#define MTV_RECORDER_FINALIZE_H

#include <cjson/cJSON.h>

#include "recorder/journal.h"
#include "util/err.h"
#include "util/secrets.h"

/* Builds the HAR root from journal contents (copied; jc is unchanged):
 * entries by _seq, log._variables from the meta line and var lines,
 * log._redaction aggregated from the entries' _redactions. */
cJSON *finalize_har(const journal_contents *jc);

/* Aggregated redaction summary of a HAR root (copy): {rules, locations}. */
cJSON *finalize_redaction_summary(const cJSON *har);

/* Writes bundle_path holding cassette.har, manifest.json and, when log_path
 * names a readable file, scenario.log. extra_dir (may be NULL) may hold an
 * unmatched.json to include. Refuses (exit 3) when a secret remains. */
int finalize_bundle(const journal_contents *jc, const char *log_path, const char *extra_dir,
                    const char *bundle_path, const secret_registry *reg, mtv_err *err);

#endif
