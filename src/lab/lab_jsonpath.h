/*
 * lab_jsonpath: the JSONPath subset that printer columns use.
 *
 * CRD additionalPrinterColumns and the lab's built-in columns are paths like
 * ".status.phase", ".spec.vms[0].name", ".metadata.labels['app/x']" or
 * ".status.conditions[?(@.type=='Ready')].status". Supported: dotted names,
 * quoted bracket names, [N], [*], and [?(@.path == 'v')] / != / bare @.path
 * filters, optionally wrapped in {} and led by $. As in the API server's
 * table convertor, evaluation returns only the first match.
 */
#ifndef MTV_LAB_JSONPATH_H
#define MTV_LAB_JSONPATH_H

#include <cjson/cJSON.h>

#include "util/strbuf.h"

/* Returns 0 if expr parses (err gets the reason otherwise). */
int lab_jsonpath_check(const char *expr, strbuf *err);
/* First value expr selects in root (borrowed), or NULL. */
const cJSON *lab_jsonpath_first(const cJSON *root, const char *expr);

#endif
