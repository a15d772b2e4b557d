/*
 * rand: the one source of randomness: a seeded generator (xoshiro256**,
 * seeded through splitmix64). Generated names (clone names, namespaces,
 * session ids: "auto-k3x9q2") and retry jitter come from here, never from
 * rand(3) or /dev/urandom directly, so that a replay seeded with the recorded
 * seed makes the very same names and so sends byte-identical requests.
 *
 * Thread-safe (a mutex per generator). Owned by its creator (rand_free).
 */
#ifndef MTV_UTIL_RAND_H
#define MTV_UTIL_RAND_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

typedef struct mtv_rand mtv_rand;

mtv_rand *rand_new(uint64_t seed);
/* Seeded from the operating system's entropy (getrandom). */
mtv_rand *rand_new_entropy(void);
void rand_free(mtv_rand *r);

/* The seed the generator was made with (stored in cassettes). */
uint64_t rand_seed(const mtv_rand *r);

uint64_t rand_u64(mtv_rand *r);
/* Uniform in [0, n); n == 0 returns 0. Unbiased. */
uint64_t rand_below(mtv_rand *r, uint64_t n);
/* Uniform in [0, 1). */
double rand_unit(mtv_rand *r);

/* Appends prefix, '-', and n characters from [a-z0-9] (a DNS-1123 label when
 * prefix is one): rand_name(r, "auto", 6, out) -> "auto-k3x9q2". */
void rand_name(mtv_rand *r, const char *prefix, size_t n, strbuf *out);

/* "0x" hex form of a seed and its inverse (cassettes store seeds as strings:
 * JSON numbers lose precision past 2^53). */
void rand_seed_format(uint64_t seed, char out[24]);
int rand_seed_parse(const char *text, uint64_t *seed);

#endif
