/* placeholder: see placeholder.h. */
#include "runner/placeholder.h"

#include <ctype.h>
#include <string.h>

const placeholder_values PLACEHOLDER_SAMPLE = {"auto-abcd", "abcd"};

int placeholder_expand(const char *in, const placeholder_values *v, strbuf *out, mtv_err *err)
{
    const char *p = in;
    while (*p) {
        if (*p != '{') {
            sb_addc(out, *p++);
            continue;
        }
        const char *q = p + 1;
        while (*q && (isalnum((unsigned char)*q) || *q == '_'))
            q++;
        if (*q != '}' || q == p + 1) {
            sb_addc(out, *p++);   /* not {identifier}: a literal brace */
            continue;
        }
        size_t len = (size_t)(q - p - 1);
        if (len == 7 && !strncmp(p + 1, "session", 7))
            sb_adds(out, v->session);
        else if (len == 5 && !strncmp(p + 1, "rand4", 5))
            sb_adds(out, v->rand4);
        else
            return mtv_err_set(err, MTV_EXIT_USAGE,
                               "unknown placeholder {%.*s}; placeholders are {session} and {rand4}",
                               (int)len, p + 1);
        p = q + 1;
    }
    return 0;
}

int placeholder_is_dns_label(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
            return 0;
    return 1;
}
