/* retry: see retry.h. The first status code in the message decides. */
#include "mtv/retry.h"

#include <string.h>

static int three_digits(const char *d)
{
    return d[0] >= '1' && d[0] <= '5' && d[1] >= '0' && d[1] <= '9' && d[2] >= '0' && d[2] <= '9' &&
           (d[3] == ' ' || d[3] == '\0' || d[3] == ':');
}

int mtv_retryable(const char *msg)
{
    for (const char *p = msg; p && *p; p++) {
        const char *d = NULL;
        if (p[0] == ':' && p[1] == ' ')
            d = p + 2;
        else if (!strncmp(p, "HTTP ", 5))
            d = p + 5;
        if (d && three_digits(d)) {
            int code = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
            return code == 429 || code >= 500;
        }
    }
    return 1;
}
