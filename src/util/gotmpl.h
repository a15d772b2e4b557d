/*
 * gotmpl: Go text/template, with the Sprig functions Forklift offers, for
 * rendering the naming templates users put in Plans (pvcNameTemplate,
 * volumeNameTemplate, networkNameTemplate).
 *
 * A neutral library like the JSON parser: the lab renders PVC names with it
 * and the validator's checks render the expected names with it; what data a
 * template is given stays each caller's business.
 *
 * Language: text and {{actions}} with trim markers ({{- -}}) and comments;
 * pipelines with '|'; fields (.A.B), '.', variables ($x := / $x =, '$');
 * string, raw string, number, bool and nil literals; parenthesised
 * pipelines; if / else if / else, with / else, range (arrays and objects,
 * with $i, $v :=), break/continue; Go's builtins and, or, not, len, index,
 * print, printf, println, eq, ne, lt, le, gt, ge; and the Sprig functions
 * lower, upper, title, untitle, repeat, substr, nospace, trunc, initials,
 * contains, hasPrefix, hasSuffix, replace, trim, trimAll, trimSuffix,
 * trimPrefix, mustRegexReplaceAll, regexReplaceAll, add, add1, sub, div,
 * mod, mul, max, min, floor, ceil, round, toString, default.
 *
 * Data is a cJSON tree; integral numbers are Go ints (so .DiskIndex prints
 * "0", not "0.0"). As with the Go structs Forklift passes, reading a key the
 * data does not have is an error ("can't evaluate field X"), which is how an
 * invalid template is found before it is used. Regular expressions are POSIX
 * extended (RE2 differs in rare constructs such as \d; use [0-9]).
 *
 * Errors read like Go's: "template: NAME:LINE:COL: message". A parsed
 * template is immutable and can be executed from several threads at once.
 * Ownership: gotmpl_free releases a parsed template; outputs are appended to
 * the caller's strbuf.
 */
#ifndef MTV_UTIL_GOTMPL_H
#define MTV_UTIL_GOTMPL_H

#include <cjson/cJSON.h>

#include "util/err.h"
#include "util/strbuf.h"

typedef struct gotmpl gotmpl;

/* Parses text; name appears in messages. Returns 0, or -1 with err (exit
 * class MTV_EXIT_USAGE): syntax errors and undefined functions. */
int gotmpl_parse(gotmpl **out, const char *name, const char *text, mtv_err *err);
/* Executes with data as "." (may be NULL); appends the output to out.
 * Returns 0, or -1 with err (out then holds a partial result). */
int gotmpl_exec(const gotmpl *t, const cJSON *data, strbuf *out, mtv_err *err);
void gotmpl_free(gotmpl *t);

/* Parse, execute and free in one call. */
int gotmpl_render(const char *name, const char *text, const cJSON *data, strbuf *out,
                  mtv_err *err);

#endif
