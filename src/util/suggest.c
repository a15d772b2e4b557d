/* suggest: see suggest.h. */
#include "util/suggest.h"

#include <stdlib.h>
#include <string.h>

size_t suggest_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t w = lb + 1;
    size_t *d = malloc((la + 1) * w * sizeof *d);
    if (!d)
        abort();
    for (size_t i = 0; i <= la; i++)
        d[i * w] = i;
    for (size_t j = 0; j <= lb; j++)
        d[j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = d[(i - 1) * w + j] + 1;
            if (d[i * w + j - 1] + 1 < best)
                best = d[i * w + j - 1] + 1;
            if (d[(i - 1) * w + j - 1] + cost < best)
                best = d[(i - 1) * w + j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[(i - 2) * w + j - 2] + 1 < best)
                best = d[(i - 2) * w + j - 2] + 1;
            d[i * w + j] = best;
        }
    }
    size_t r = d[la * w + lb];
    free(d);
    return r;
}

const char *suggest_word(const char *word, const char *const *cands, size_t n)
{
    size_t len = strlen(word);
    size_t limit = len / 3 > 1 ? len / 3 : 1;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++)
        if (cands[i] && strcmp(cands[i], word) == 0)
            return NULL;   /* a known word needs no suggestion */
    for (size_t i = 0; i < n; i++) {
        if (!cands[i])
            continue;
        size_t d = suggest_distance(word, cands[i]);
        if (d <= limit && d < best_d) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}

void suggest_append(strbuf *out, const char *word, const char *const *cands, size_t n)
{
    const char *s = suggest_word(word, cands, n);
    if (s)
        sb_addf(out, " (did you mean '%s'?)", s);
}
