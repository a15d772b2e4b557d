/* jira_fingerprint: see jira_fingerprint.h. */
#include "reporters/jira_fingerprint.h"

#include <ctype.h>
#include <string.h>

#include "util/codec.h"
#include "util/text.h"

static int is_hex(char c)
{
    return isxdigit((unsigned char)c) != 0;
}

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Length of a UUID at s, or 0. */
static size_t match_uuid(const char *s)
{
    static const int groups[] = {8, 4, 4, 4, 12};
    size_t i = 0;
    for (int g = 0; g < 5; g++) {
        for (int k = 0; k < groups[g]; k++, i++)
            if (!is_hex(s[i]))
                return 0;
        if (g < 4 && s[i++] != '-')
            return 0;
    }
    return isalnum((unsigned char)s[i]) ? 0 : i;
}

static size_t run_digits(const char *s)
{
    size_t i = 0;
    while (isdigit((unsigned char)s[i]))
        i++;
    return i;
}

/* A date (2026-11-27, optionally with a time and zone) or a time of day
 * (21:19:54, optionally with a fraction); 0 when none starts at s. */
static size_t match_time(const char *s)
{
    size_t i = 0;
    if (run_digits(s) == 4 && s[4] == '-' && run_digits(s + 5) == 2 && s[7] == '-' && run_digits(s + 8) == 2) {
        i = 10;
        if ((s[i] == 'T' || s[i] == ' ') && run_digits(s + i + 1) == 2 && s[i + 3] == ':')
            i++;
        else
            return i;
    }
    size_t h = run_digits(s + i);
    if (h < 1 || h > 2 || s[i + h] != ':' || run_digits(s + i + h + 1) != 2)
        return i;
    i += h + 3;
    if (s[i] == ':' && run_digits(s + i + 1) == 2)
        i += 3;
    if ((s[i] == '.' || s[i] == ',') && run_digits(s + i + 1) > 0)
        i += 1 + run_digits(s + i + 1);
    if (s[i] == 'Z')
        i++;
    else if ((s[i] == '+' || s[i] == '-') && run_digits(s + i + 1) == 2 && i >= 16)
        i += 3 + (s[i + 3] == ':' ? 1 : 0) + (run_digits(s + i + 3 + (s[i + 3] == ':')) == 2 ? 2 : 0);
    return i;
}

static size_t match_ip(const char *s)
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        size_t d = run_digits(s + i);
        if (d < 1 || d > 3)
            return 0;
        i += d;
        if (part < 3) {
            if (s[i] != '.')
                return 0;
            i++;
        }
    }
    if (isalnum((unsigned char)s[i]) || (s[i] == '.' && isdigit((unsigned char)s[i + 1])))
        return 0;
    if (s[i] == ':' && run_digits(s + i + 1) > 0)
        i += 1 + run_digits(s + i + 1);
    return i;
}

/* An alphanumeric word: what it becomes. */
static void word(const char *w, size_t n, strbuf *out)
{
    size_t nd = 0, nhex = 0, switches = 0;
    for (size_t i = 0; i < n; i++) {
        nd += isdigit((unsigned char)w[i]) != 0;
        nhex += is_hex(w[i]);
        if (i && !isdigit((unsigned char)w[i]) != !isdigit((unsigned char)w[i - 1]))
            switches++;
    }
    if (digits(w, n)) {
        if (n >= 4)
            sb_adds(out, "<n>");
        else
            sb_add(out, w, n);
    } else if (nhex == n && n >= 8 && nd > 0) {
        sb_adds(out, "<hex>");
    } else if (switches >= 3) {
        /* letters and digits interleaved: generated ("k3x9q2"), not a
         * name ("rhel9", "sha256", "win2019") */
        sb_adds(out, "<id>");
    } else {
        sb_add(out, w, n);
    }
}

void jira_fp_normalise(const char *text, strbuf *out)
{
    strbuf plain = STRBUF_INIT;
    text_strip_ansi(&plain, text ? text : "", text ? strlen(text) : 0);
    const char *s = sb_str(&plain);
    size_t start = out->len;
    int space = 0;
    size_t i = 0;
    while (s[i]) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c)) {
            space = out->len > start;
            i++;
            continue;
        }
        if (space)
            sb_addc(out, ' ');
        space = 0;
        int boundary = i == 0 || !isalnum((unsigned char)s[i - 1]);
        size_t m;
        if (boundary && (m = match_uuid(s + i))) {
            sb_adds(out, "<uuid>");
            i += m;
        } else if (boundary && (m = match_time(s + i)) > 0) {
            sb_adds(out, "<time>");
            i += m;
        } else if (boundary && (m = match_ip(s + i))) {
            sb_adds(out, "<ip>");
            i += m;
        } else if (isalnum(c)) {
            size_t n = 0;
            while (isalnum((unsigned char)s[i + n]))
                n++;
            /* a decimal number ("600.5") is one number */
            if (digits(s + i, n) && s[i + n] == '.' && isdigit((unsigned char)s[i + n + 1])) {
                size_t f = run_digits(s + i + n + 1);
                sb_adds(out, "<n>");
                i += n + 1 + f;
                continue;
            }
            word(s + i, n, out);
            i += n;
        } else {
            sb_addc(out, (char)c);
            i++;
        }
    }
    sb_release(&plain);
}

void jira_fingerprint(const char *scenario, const char *step, const char *reason, char out[13])
{
    strbuf sb = STRBUF_INIT;
    sb_addf(&sb, "mtv-validate/1\n%s\n%s\n", scenario ? scenario : "", step ? step : "");
    jira_fp_normalise(reason, &sb);
    char hex[65];
    sha256_hex(sb.buf, sb.len, hex);
    memcpy(out, hex, 12);
    out[12] = '\0';
    sb_release(&sb);
}

void jira_fp_label(const char *prefix, const char *fingerprint, strbuf *out)
{
    sb_addf(out, "%s-fp-%s", prefix && *prefix ? prefix : "mtvval", fingerprint);
}
