/*
 * lab_table: server-side printing, the meta.k8s.io/v1 Table kubectl asks
 * for with `Accept: application/json;as=Table;...`.
 *
 * Columns are Name followed by the kind's printer columns (CRD
 * additionalPrinterColumns, or the built-in row's). Cells are rendered the
 * way the API server renders them: strings printed, integers and numbers as
 * JSON numbers, dates as human ages ("5m5s") computed against `now`, since
 * kubectl prints cells verbatim. Each row carries the object as kubectl
 * requests it: PartialObjectMetadata (default), the whole object, or none.
 * Returned trees are owned by the caller.
 */
#ifndef MTV_LAB_TABLE_H
#define MTV_LAB_TABLE_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <time.h>

#include "lab/lab_kinds.h"

typedef enum { LAB_INCLUDE_METADATA, LAB_INCLUDE_OBJECT, LAB_INCLUDE_NONE } lab_include;

/* Parses includeObject=None|Metadata|Object (NULL = Metadata). -1 if bad. */
int lab_include_parse(const char *s, lab_include *out);

/* An empty Table; column definitions only when with_columns (watch events
 * after the first carry none, as the API server sends them). */
cJSON *lab_table_new(const lab_kind *k, int with_columns, uint64_t rv);
/* Appends obj's row. */
void lab_table_add_row(cJSON *table, const lab_kind *k, const cJSON *obj, lab_include inc,
                       time_t now);

/* {"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":...} */
cJSON *lab_partial_metadata(const cJSON *obj);

#endif
