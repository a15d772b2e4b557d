/*
 * lab_patch: the patch formats the API server accepts, applied to cJSON.
 *
 * JSON merge patch (RFC 7386): objects merge recursively, null deletes,
 * everything else replaces. JSON patch (RFC 6902): add, remove, replace,
 * move, copy and test, with RFC 6901 pointers ("-" appends). Strategic merge
 * patch is served as a merge patch with its "$..." directive keys dropped,
 * which is what built-in kinds need for the patches kubectl sends; the
 * caller decides which kinds accept it (custom resources answer 415).
 * Functions modify *doc in place (it may be replaced, e.g. by a root
 * "replace"); on error *doc is unspecified and err holds the message.
 */
#ifndef MTV_LAB_PATCH_H
#define MTV_LAB_PATCH_H

#include <cjson/cJSON.h>

#include "util/strbuf.h"

/* Merges patch into *doc (patch is not modified). */
void lab_merge_patch(cJSON **doc, const cJSON *patch);
/* Drops strategic-merge directives ($patch, $setElementOrder/..., $retainKeys,
 * $deleteFromPrimitiveList/...) from patch in place. */
void lab_strip_strategic_directives(cJSON *patch);
/* Applies an RFC 6902 operation array. Returns 0 or -1 with err. */
int lab_json_patch(cJSON **doc, const cJSON *ops, strbuf *err);

#endif
