/*
 * summary: what `mtv-validate cassette show` prints: entries by upstream with
 * their status codes and time, the overall status counts and wall-clock span,
 * and a timeline (sequence, start offset, duration, upstream, method, path,
 * status; streams with their frame count, custom entries by kind).
 */
#ifndef MTV_RECORDER_SUMMARY_H
#define MTV_RECORDER_SUMMARY_H

#include <stddef.h>

#include "recorder/cassette.h"
#include "util/strbuf.h"

/* Appends the report. timeline_limit: lines of timeline (0 = none,
 * (size_t)-1 = all). */
void cassette_summary(const cassette *c, size_t timeline_limit, strbuf *out);

#endif
