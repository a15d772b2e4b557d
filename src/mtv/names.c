/* names: see names.h. */
#include "mtv/names.h"

#include <ctype.h>
#include <string.h>

#include "util/codec.h"

static int alnum_lower(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* The 4 random characters upstream's shortuuid gives, from the transport's
 * recorded name source (which draws 6; the first 4 are kept). */
static void random4(transport *t, strbuf *out)
{
    strbuf n = STRBUF_INIT;
    transport_name(t, "x", &n);      /* "x-abcdef" */
    sb_add(out, n.buf + 2, 4);
    sb_release(&n);
}

void mtv_names_session(transport *t, strbuf *out)
{
    sb_adds(out, "auto-");
    random4(t, out);
}

static void add_dashed(strbuf *out, const char *s)
{
    for (; s && *s; s++)
        sb_addc(out, *s == '.' || *s == '_' ? '-' : (char)tolower((unsigned char)*s));
}

void mtv_names_base(const char *session, const char *type, const char *version, int copyoffload,
                    strbuf *out)
{
    sb_addf(out, "%s-source-%s", session, type);
    if (version && *version) {
        sb_addc(out, '-');
        add_dashed(out, version);
    }
    if (copyoffload)
        sb_adds(out, "-xcopy");
}

void mtv_names_keep_last(strbuf *name, size_t max)
{
    if (name->len <= max)
        return;
    size_t from = name->len - max;
    while (from < name->len && name->buf[from] == '-')
        from++;
    memmove(name->buf, name->buf + from, name->len - from);
    sb_setlen(name, name->len - from);
}

void mtv_names_generate(transport *t, const char *base, const char *suffix, strbuf *out)
{
    strbuf n = STRBUF_INIT;
    add_dashed(&n, base);
    sb_addc(&n, '-');
    random4(t, &n);
    add_dashed(&n, suffix);
    mtv_names_keep_last(&n, MTV_NAME_MAX);
    sb_add(out, n.buf, n.len);
    sb_release(&n);
}

int mtv_names_sanitize(const char *name, size_t max, strbuf *out, mtv_err *err)
{
    strbuf s = STRBUF_INIT;
    int in_run = 0;   /* a run of characters that were not allowed becomes one '-' */
    for (const char *p = name; *p; p++) {
        char c = (char)tolower((unsigned char)*p);
        if (c == '_' || c == '.')
            c = '-';
        if (alnum_lower(c) || c == '-') {
            sb_addc(&s, c);
            in_run = 0;
        } else if (!in_run) {
            sb_addc(&s, '-');
            in_run = 1;
        }
    }
    size_t from = 0, to = s.len;
    while (from < to && !alnum_lower(s.buf[from]))
        from++;
    while (to > from && !alnum_lower(s.buf[to - 1]))
        to--;
    if (to - from > max)
        to = from + max;
    while (to > from && s.buf[to - 1] == '-')
        to--;
    if (to == from) {
        sb_release(&s);
        return mtv_err_set(err, MTV_EXIT_USAGE,
                           "VM name '%s' cannot be made a DNS-1123 name: it has no letter or digit",
                           name);
    }
    sb_add(out, s.buf + from, to - from);
    sb_release(&s);
    return 0;
}

void mtv_names_namespace(const char *session, const char *prefix, strbuf *out)
{
    strbuf n = STRBUF_INIT;
    sb_adds(&n, session);
    for (const char *p = prefix ? prefix : ""; *p;) {
        if (!strncmp(p, "auto", 4)) {
            p += 4;
            continue;
        }
        sb_addc(&n, *p++);
    }
    if (n.len > MTV_NAME_MAX)
        sb_setlen(&n, MTV_NAME_MAX);
    sb_add(out, n.buf, n.len);
    sb_release(&n);
}

void mtv_names_nad_base(const char *test_name, const char *session, strbuf *out)
{
    strbuf in = STRBUF_INIT;
    sb_adds(&in, test_name);
    sb_addc(&in, '\0');
    sb_adds(&in, session);
    char hex[65];
    sha256_hex(in.buf, in.len, hex);
    sb_addf(out, "cb-%.6s", hex);
    sb_release(&in);
}
