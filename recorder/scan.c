/* scan: see scan.h. Patterns are matched by hand (no regex engine): each is
 * an anchor string found with memmem, then a check of what follows. */
#include "recorder/scan.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static size_t run_of(const unsigned char *p, size_t left, const char *extra)
{
    size_t k = 0;
    while (k < left && (isalnum(p[k]) || (p[k] && strchr(extra, p[k]))))
        k++;
    return k;
}

typedef int (*tail_fn)(const unsigned char *p, size_t left);

static int tail_bearer(const unsigned char *p, size_t left)
{
    return run_of(p, left, "._~+/-") >= 16;
}

static int tail_basic(const unsigned char *p, size_t left)
{
    /* the whole header value must be the credential: "Basic dXNlcjpwYXNz" */
    size_t k = run_of(p, left, "+/=");
    return k >= 12 && (k == left || p[k] == '"' || p[k] == '\\' || p[k] == '\r' || p[k] == '\n');
}

static int tail_sha256(const unsigned char *p, size_t left)
{
    return run_of(p, left, "_-") >= 20;
}

static int tail_jwt(const unsigned char *p, size_t left)
{
    size_t a = run_of(p, left, "_-");
    if (a < 10 || a + 4 > left || p[a] != '.' || memcmp(p + a + 1, "eyJ", 3) != 0)
        return 0;
    return run_of(p + a + 4, left - a - 4, "_-") >= 10;
}

static int tail_any(const unsigned char *p, size_t left)
{
    (void)p;
    (void)left;
    return 1;
}

static int tail_cookie(const unsigned char *p, size_t left)
{
    size_t i = 0;
    while (i < left && (p[i] == '"' || p[i] == '\\'))
        i++;
    return i < left && p[i] != '<' && p[i] != ';' && p[i] != '&' && !isspace(p[i]) &&
           run_of(p + i, left - i, "_-") >= 8;
}

static const struct {
    const char *anchor;
    const char *rule;
    tail_fn tail;
} PATTERNS[] = {
    {"Bearer ", "pattern:bearer-token", tail_bearer},
    {"\"Basic ", "pattern:basic-credentials", tail_basic},
    {": Basic ", "pattern:basic-credentials", tail_basic},
    {"sha256~", "pattern:openshift-token", tail_sha256},
    {"eyJ", "pattern:jwt", tail_jwt},
    {"PRIVATE KEY-----", "pattern:pem-private-key", tail_any},
    {"vmware_soap_session=", "pattern:vsphere-session", tail_cookie},
};

int scan_secrets(const secret_registry *reg, const void *data, size_t n, scan_finding *f)
{
    size_t off = 0;
    const char *label = reg ? secrets_find(reg, data, n, &off) : NULL;
    if (label) {
        snprintf(f->rule, sizeof f->rule, "known-secret:%s", label);
        f->offset = off;
        return 1;
    }
    const unsigned char *base = data;
    size_t best = (size_t)-1;
    const char *best_rule = NULL;
    for (size_t k = 0; k < sizeof PATTERNS / sizeof PATTERNS[0]; k++) {
        size_t alen = strlen(PATTERNS[k].anchor);
        const unsigned char *p = base;
        size_t left = n;
        while (left >= alen) {
            const unsigned char *hit = memmem(p, left, PATTERNS[k].anchor, alen);
            if (!hit)
                break;
            size_t pos = (size_t)(hit - base);
            if (pos >= best)
                break;
            if (PATTERNS[k].tail(hit + alen, n - pos - alen)) {
                best = pos;
                best_rule = PATTERNS[k].rule;
                break;
            }
            p = hit + 1;
            left = n - pos - 1;
        }
    }
    if (!best_rule)
        return 0;
    snprintf(f->rule, sizeof f->rule, "%s", best_rule);
    f->offset = best;
    return 1;
}
