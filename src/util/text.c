/* text: see text.h. */
#include "util/text.h"

#include <string.h>

void text_strip_ansi(strbuf *out, const char *s, size_t n)
{
    size_t i = 0, run = 0;
    while (i < n) {
        if ((unsigned char)s[i] != 0x1b) {
            i++;
            continue;
        }
        sb_add(out, s + run, i - run);
        size_t j = i + 1;
        if (j < n && s[j] == '[') {                 /* CSI: parameters, intermediates, final */
            j++;
            while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] <= 0x3f)
                j++;
            while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] <= 0x2f)
                j++;
            if (j < n && (unsigned char)s[j] >= 0x40 && (unsigned char)s[j] <= 0x7e)
                j++;
        } else if (j < n && s[j] == ']') {          /* OSC: up to BEL or ST */
            j++;
            while (j < n && s[j] != '\a' && !(s[j] == 0x1b && j + 1 < n && s[j + 1] == '\\'))
                j++;
            j += j < n && s[j] == '\a' ? 1 : j + 1 < n ? 2 : 0;
        } else {                                    /* other escapes: intermediates, final */
            while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] <= 0x2f)
                j++;
            if (j < n && (unsigned char)s[j] >= 0x30 && (unsigned char)s[j] <= 0x7e)
                j++;
        }
        i = j > n ? n : j;
        run = i;
    }
    sb_add(out, s + run, n - run);
}

/* Decodes one UTF-8 sequence at s[0..n). Returns its length and sets *cp,
 * or 0 when the bytes there are not valid UTF-8 (overlong forms and
 * surrogates included). */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned long *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t len;
    unsigned long c, min;
    if ((s[0] & 0xe0) == 0xc0) {
        len = 2, c = s[0] & 0x1f, min = 0x80;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3, c = s[0] & 0x0f, min = 0x800;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4, c = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

static int xml_allowed(unsigned long c)
{
    return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
           (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

void text_xml_escape(strbuf *out, const char *s, size_t n, int mode)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned long c;
        size_t len = utf8_decode(u + i, n - i, &c);
        if (len == 0) {
            sb_addf(out, "#x%02X", u[i]);
            i++;
            continue;
        }
        if (!xml_allowed(c)) {
            sb_addf(out, "#x%02lX", c);
        } else {
            switch (c) {
            case '&': sb_adds(out, "&amp;"); break;
            case '<': sb_adds(out, "&lt;"); break;
            case '>': sb_adds(out, "&gt;"); break;
            case '"': sb_adds(out, "&quot;"); break;
            case '\'': sb_adds(out, "&apos;"); break;
            case '\t': sb_adds(out, mode == TEXT_XML_ATTRIBUTE ? "&#9;" : "\t"); break;
            case '\n': sb_adds(out, mode == TEXT_XML_ATTRIBUTE ? "&#10;" : "\n"); break;
            case '\r': sb_adds(out, "&#13;"); break;
            default: sb_add(out, s + i, len); break;
            }
        }
        i += len;
    }
}

size_t text_utf8_prefix(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    size_t k = max;
    /* step back over continuation bytes to the start of the sequence that
     * straddles the cut, then keep it only if it ends before max */
    size_t back = 0;
    while (k > 0 && back < 4 && ((unsigned char)s[k] & 0xc0) == 0x80) {
        k--;
        back++;
    }
    return k;
}

/* A cut position just after a newline at most 200 bytes before at, or at
 * itself when there is none. */
static size_t near_newline(const char *s, size_t lo, size_t at)
{
    for (size_t i = at; i > lo && at - i < 200; i--)
        if (s[i - 1] == '\n')
            return i;
    return at;
}

void text_head_tail(strbuf *out, const char *s, size_t n, size_t max, const char *hint)
{
    if (n <= max) {
        sb_add(out, s, n);
        return;
    }
    size_t half = max / 2;
    size_t head = near_newline(s, 0, text_utf8_prefix(s, n, half));
    /* the tail starts at the beginning of its first line, so the last lines
     * (where a failure usually is) stay whole */
    size_t tail = near_newline(s, head, n - half);
    if (tail < head)
        tail = head;
    while (tail < n && ((unsigned char)s[tail] & 0xc0) == 0x80)
        tail++;
    sb_add(out, s, head);
    if (head > 0 && s[head - 1] != '\n')
        sb_addc(out, '\n');
    sb_addf(out, "[... %zu bytes left out%s%s ...]\n", tail - head, hint && *hint ? "; " : "",
            hint && *hint ? hint : "");
    sb_add(out, s + tail, n - tail);
}

void text_one_line(strbuf *out, const char *s, size_t max)
{
    size_t start = out->len;
    int space = 0;
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f') {
            space = out->len > start;
            continue;
        }
        if (space)
            sb_addc(out, ' ');
        space = 0;
        sb_addc(out, *p);
    }
    if (max < 4)
        max = 4;
    size_t len = out->len - start;
    if (len > max) {
        size_t keep = text_utf8_prefix(out->buf + start, len, max - 3);
        sb_setlen(out, start + keep);
        sb_adds(out, "...");
    }
}
