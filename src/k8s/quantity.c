/* quantity: see quantity.h. Decimal digits and one optional fraction, then a
 * suffix looked up in a table; no exponent forms ("1e3"), which Forklift and
 * KubeVirt never write for sizes. */
#include "k8s/quantity.h"

#include <ctype.h>
#include <string.h>

static const struct {
    const char *suffix;
    long double mult;
} SUFFIXES[] = {
    {"", 1},
    {"Ki", 1024.0L},
    {"Mi", 1048576.0L},
    {"Gi", 1073741824.0L},
    {"Ti", 1099511627776.0L},
    {"Pi", 1125899906842624.0L},
    {"Ei", 1152921504606846976.0L},
    {"k", 1e3L},
    {"M", 1e6L},
    {"G", 1e9L},
    {"T", 1e12L},
    {"P", 1e15L},
    {"E", 1e18L},
};

int k8s_quantity_bytes(const char *s, long long *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    long double v = 0, scale = 1;
    int frac = 0;
    const char *p = s;
    for (; isdigit((unsigned char)*p) || (*p == '.' && !frac); p++) {
        if (*p == '.') {
            frac = 1;
            continue;
        }
        if (frac)
            scale /= 10;
        v = frac ? v + (*p - '0') * scale : v * 10 + (*p - '0');
    }
    for (size_t i = 0; i < sizeof SUFFIXES / sizeof SUFFIXES[0]; i++) {
        if (strcmp(p, SUFFIXES[i].suffix))
            continue;
        long double b = v * SUFFIXES[i].mult;
        if (b > 9.2e18L)
            return -1;
        long long whole = (long long)b;
        if ((long double)whole < b)
            whole++;
        *out = whole;
        return 0;
    }
    return -1;
}
