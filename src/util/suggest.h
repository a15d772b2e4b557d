/*
 * suggest: "did you mean ...?" for misspelt keys, markers and names.
 *
 * Picks the candidate with the smallest edit distance (insertions, deletions,
 * substitutions and swaps of neighbours) when it is close enough to be a
 * plausible typo: at most a third of the word's length, and at least 1.
 */
#ifndef MTV_UTIL_SUGGEST_H
#define MTV_UTIL_SUGGEST_H

#include <stddef.h>

#include "util/strbuf.h"

/* Edit distance (optimal string alignment), case-sensitive. */
size_t suggest_distance(const char *a, const char *b);

/* The closest plausible candidate, or NULL (also when word is itself a
 * candidate). cands may hold NULLs (skipped). */
const char *suggest_word(const char *word, const char *const *cands, size_t n);

/* Appends " (did you mean 'X'?)" when a candidate is close; nothing otherwise. */
void suggest_append(strbuf *out, const char *word, const char *const *cands, size_t n);

#endif
