/* rand: see rand.h. xoshiro256** by Blackman and Vigna (public domain
 * algorithm), seeded by splitmix64 so any 64-bit seed gives a good state. */
#include "util/rand.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

struct mtv_rand {
    pthread_mutex_t lock;
    uint64_t seed;
    uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

mtv_rand *rand_new(uint64_t seed)
{
    mtv_rand *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    pthread_mutex_init(&r->lock, NULL);
    r->seed = seed;
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
    return r;
}

mtv_rand *rand_new_entropy(void)
{
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)(uintptr_t)&ts;
    }
    return rand_new(seed);
}

void rand_free(mtv_rand *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->lock);
    free(r);
}

uint64_t rand_seed(const mtv_rand *r)
{
    return r->seed;
}

uint64_t rand_u64(mtv_rand *r)
{
    pthread_mutex_lock(&r->lock);
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    pthread_mutex_unlock(&r->lock);
    return result;
}

uint64_t rand_below(mtv_rand *r, uint64_t n)
{
    if (n == 0)
        return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do
        v = rand_u64(r);
    while (v >= limit);
    return v % n;
}

double rand_unit(mtv_rand *r)
{
    return (double)(rand_u64(r) >> 11) * 0x1.0p-53;
}

void rand_name(mtv_rand *r, const char *prefix, size_t n, strbuf *out)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    if (prefix && *prefix) {
        sb_adds(out, prefix);
        sb_addc(out, '-');
    }
    for (size_t i = 0; i < n; i++)
        sb_addc(out, alphabet[rand_below(r, 36)]);
}

void rand_seed_format(uint64_t seed, char out[24])
{
    snprintf(out, 24, "0x%016" PRIx64, seed);
}

int rand_seed_parse(const char *text, uint64_t *seed)
{
    if (!text || !*text)
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 0);
    if (errno || *end || text[0] == '-')
        return -1;
    *seed = (uint64_t)v;
    return 0;
}
