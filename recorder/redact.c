/*
 * redact: see redact.h. JSON bodies are parsed only when a cheap scan finds
 * a word that could name a credential, and re-serialised only when a rule
 * fired, so clean bodies stay byte-identical and cost one pass.
 */
#include "recorder/redact.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/codec.h"
#include "util/json.h"

static const char *const STRONG_WORDS[] = {
    "password", "passwd", "passphrase", "secret", "token", "credential", "apikey", "api_key",
    "api-key", "privatekey", "private_key", "private-key", "accesskey", "access_key",
    "secretkey", "cookie", "key-data", "keydata", NULL};
static const char *const EXCLUDED_SUFFIXES[] = {
    "name", "names", "ref", "namespace", "url", "uri", "file", "path", "type", "ttl",
    "seconds", "expiry", "expires", "expiresat", "expiration", "version", NULL};

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Kubernetes fields named "...Key" that hold no key material. */
static const char *const PLAIN_KEY_NAMES[] = {"topologyKey", NULL};

int redact_name_sensitive(const char *name, int *learn)
{
    int l = 0;
    if (learn)
        *learn = 0;
    if (!name || !*name)
        return 0;
    for (int i = 0; PLAIN_KEY_NAMES[i]; i++)
        if (!strcmp(name, PLAIN_KEY_NAMES[i]))
            return 0;
    for (int i = 0; EXCLUDED_SUFFIXES[i]; i++)
        if (ends_with_ci(name, EXCLUDED_SUFFIXES[i]) && strlen(name) > strlen(EXCLUDED_SUFFIXES[i]))
            return 0;
    for (int i = 0; STRONG_WORDS[i]; i++)
        if (strcasestr(name, STRONG_WORDS[i])) {
            l = 1;
            break;
        }
    if (!l && !(ends_with_ci(name, "key") && strlen(name) > 3))
        return 0;
    if (learn)
        *learn = l;
    return 1;
}

static void report_hit(cJSON *report, const char *rule, const char *where, const char *detail)
{
    if (!report)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "rule", rule);
    strbuf w = STRBUF_INIT;
    sb_adds(&w, where);
    if (detail)
        sb_adds(&w, detail);
    cJSON_AddStringToObject(o, "where", w.buf);
    sb_release(&w);
    cJSON_AddItemToArray(report, o);
}

static int is_placeholder(const char *v)
{
    return strncmp(v, "<redacted:", 10) == 0;
}

static void learn(const redactor *r, const char *label, const char *value)
{
    if (r->secrets && value && !is_placeholder(value))
        secrets_add(r->secrets, label, value);
}

static void lower_into(strbuf *out, const char *s)
{
    for (; *s; s++)
        sb_addc(out, (char)tolower((unsigned char)*s));
}

/* ---- headers ------------------------------------------------------------ */

static int header_sensitive(const char *name)
{
    static const char *const exact[] = {"authorization", "proxy-authorization", "cookie",
                                        "set-cookie", "x-auth-token", "x-subject-token",
                                        "x-api-key", "api-key", NULL};
    static const char *const words[] = {"token", "secret", "password", "passwd", "session",
                                        "apikey", "api-key", "credential", NULL};
    for (int i = 0; exact[i]; i++)
        if (strcasecmp(name, exact[i]) == 0)
            return 1;
    for (int i = 0; words[i]; i++)
        if (strcasestr(name, words[i]))
            return 1;
    return 0;
}

/* "a=1; b=2" -> "a=<redacted:cookie.a>; b=<redacted:cookie.b>". With
 * attrs=1 (Set-Cookie) only the first pair is a cookie. */
static void redact_cookie_value(const redactor *r, const char *value, int attrs, strbuf *out)
{
    const char *p = value;
    int first = 1;
    while (*p) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if ((first || !attrs) && eq) {
            strbuf name = STRBUF_INIT, val = STRBUF_INIT, label = STRBUF_INIT;
            const char *ns = p;
            while (ns < eq && *ns == ' ')
                ns++;
            sb_add(&name, ns, (size_t)(eq - ns));
            sb_add(&val, eq + 1, len - (size_t)(eq + 1 - p));
            sb_addf(&label, "cookie.%s", name.buf);
            learn(r, label.buf, val.buf);
            sb_add(out, p, (size_t)(eq + 1 - p));
            sb_addf(out, "<redacted:%s>", label.buf);
            sb_release(&name);
            sb_release(&val);
            sb_release(&label);
        } else {
            sb_add(out, p, len);
        }
        first = 0;
        if (!end)
            break;
        sb_addc(out, ';');
        p = end + 1;
    }
}

void redact_headers(const redactor *r, http_headers *h, const char *where, cJSON *report)
{
    strbuf out = STRBUF_INIT, label = STRBUF_INIT, loc = STRBUF_INIT;
    for (size_t i = 0; i < h->count; i++) {
        http_header *hd = &h->items[i];
        sb_reset(&out);
        sb_reset(&loc);
        sb_addf(&loc, "%s.headers.%s", where, hd->name);
        if (header_sensitive(hd->name) && !is_placeholder(hd->value)) {
            sb_reset(&label);
            sb_adds(&label, "header.");
            lower_into(&label, hd->name);
            if (!strcasecmp(hd->name, "cookie") || !strcasecmp(hd->name, "set-cookie")) {
                redact_cookie_value(r, hd->value, !strcasecmp(hd->name, "set-cookie"), &out);
                report_hit(report, "cookie", loc.buf, NULL);
            } else {
                const char *sp = strchr(hd->value, ' ');
                const char *cred = hd->value;
                if (sp && (!strcasecmp(hd->name, "authorization") ||
                           !strcasecmp(hd->name, "proxy-authorization"))) {
                    sb_add(&out, hd->value, (size_t)(sp + 1 - hd->value));
                    cred = sp + 1;
                    if (!strncasecmp(hd->value, "basic ", 6)) {
                        strbuf plain = STRBUF_INIT;
                        if (b64_decode(&plain, cred, strlen(cred)) == 0) {
                            const char *colon = memchr(plain.buf ? plain.buf : "", ':', plain.len);
                            if (colon)
                                learn(r, "header.authorization.password", colon + 1);
                        }
                        sb_release(&plain);
                    }
                }
                learn(r, label.buf, cred);
                if (*cred)
                    sb_addf(&out, "<redacted:%s>", label.buf);
                report_hit(report, "header", loc.buf, NULL);
            }
        } else if (!strcasecmp(hd->name, "location") || !strcasecmp(hd->name, "content-location")) {
            /* a redirect may carry credentials in its query or fragment */
            sb_adds(&out, hd->value);
            redact_url(r, &out, loc.buf, report);
            if (strcmp(sb_str(&out), hd->value) == 0)
                continue;
        } else if (r->secrets) {
            if (secrets_mask(r->secrets, hd->value, strlen(hd->value), &out) == 0)
                continue;
            report_hit(report, "known-secret", loc.buf, NULL);
        } else {
            continue;
        }
        free(hd->value);
        hd->value = sb_detach(&out, NULL);
        if (!hd->value)
            hd->value = strdup("");
    }
    sb_release(&out);
    sb_release(&label);
    sb_release(&loc);
}

/* ---- URL query ------------------------------------------------------------ */

/* Redacts the sensitive parameters of "a=1&b=2" in [p, stop) into out;
 * returns 1 when one was. */
static int redact_params(const redactor *r, const char *p, const char *stop, strbuf *out,
                         const char *where, cJSON *report)
{
    int changed = 0;
    while (p < stop) {
        const char *amp = memchr(p, '&', (size_t)(stop - p));
        const char *end = amp ? amp : stop;
        const char *eq = memchr(p, '=', (size_t)(end - p));
        strbuf name = STRBUF_INIT;
        url_decode(&name, p, eq ? (size_t)(eq - p) : (size_t)(end - p), 1);
        int lrn = 0;
        int sens = eq && (redact_name_sensitive(name.buf, &lrn) || !strcasecmp(name.buf, "sig") ||
                          !strcasecmp(name.buf, "signature") || !strcasecmp(name.buf, "key"));
        if (sens) {
            strbuf val = STRBUF_INIT, label = STRBUF_INIT, ph = STRBUF_INIT;
            url_decode(&val, eq + 1, (size_t)(end - eq - 1), 1);
            sb_adds(&label, "query.");
            lower_into(&label, name.buf);
            if (!is_placeholder(val.buf)) {
                learn(r, label.buf, val.buf);
                sb_add(out, p, (size_t)(eq + 1 - p));
                sb_addf(&ph, "<redacted:%s>", label.buf);
                url_encode(out, ph.buf, ph.len, 0);
                strbuf loc = STRBUF_INIT;
                sb_addf(&loc, "%s.query.%s", where, name.buf);
                report_hit(report, "query", loc.buf, NULL);
                sb_release(&loc);
                changed = 1;
            } else {
                sb_add(out, p, (size_t)(end - p));
            }
            sb_release(&val);
            sb_release(&label);
            sb_release(&ph);
        } else {
            sb_add(out, p, (size_t)(end - p));
        }
        sb_release(&name);
        if (amp)
            sb_addc(out, '&');
        p = end + 1;
    }
    return changed;
}

/* The query and the fragment are both parameter lists: OAuth's implicit
 * grant returns its access_token in the fragment of a redirect. */
void redact_url(const redactor *r, strbuf *url, const char *where, cJSON *report)
{
    const char *u = sb_str(url);
    const char *frag = strchr(u, '#');
    size_t uend = frag ? (size_t)(frag - u) : url->len;
    const char *q = memchr(u, '?', uend);
    strbuf out = STRBUF_INIT;
    int changed = 0;
    if (q || frag) {
        sb_add(&out, u, q ? (size_t)(q + 1 - u) : uend);
        if (q)
            changed |= redact_params(r, q + 1, u + uend, &out, where, report);
        if (frag) {
            sb_addc(&out, '#');
            changed |= redact_params(r, frag + 1, u + url->len, &out, where, report);
        }
    }
    if (changed) {
        sb_reset(url);
        sb_add(url, out.buf, out.len);
    }
    sb_reset(&out);
    if (r->secrets && secrets_mask(r->secrets, url->buf ? url->buf : "", url->len, &out)) {
        sb_reset(url);
        sb_add(url, out.buf, out.len);
        strbuf loc = STRBUF_INIT;
        sb_addf(&loc, "%s.url", where);
        report_hit(report, "known-secret", loc.buf, NULL);
        sb_release(&loc);
    }
    sb_release(&out);
}

/* ---- JSON ------------------------------------------------------------------ */

typedef struct jctx {
    const redactor *r;
    cJSON *report;
    const char *where;
    int hits;
} jctx;

static void set_string(cJSON *item, const char *s)
{
    cJSON_SetValuestring(item, s);
}

static void json_hit(jctx *c, const char *rule, const strbuf *ptr)
{
    report_hit(c->report, rule, c->where, ptr->buf ? ptr->buf : "");
    c->hits++;
}

/* Secret keys whose values are identifiers, not credentials (Forklift
 * provider secrets): still redacted in the Secret, but not learned, so the
 * same user name or URL elsewhere in the cassette stays readable. */
static int secret_key_public(const char *key)
{
    static const char *const public_keys[] = {
        "user", "username", "url", "thumbprint", "cacert", "ca.crt", "tls.crt",
        "insecureSkipVerify", "domainName", "projectName", "regionName", "authType",
        "userDomainName", "projectDomainName", "projectID", "userID", NULL};
    for (int i = 0; public_keys[i]; i++)
        if (strcmp(key, public_keys[i]) == 0)
            return 1;
    return 0;
}

/* Secret keys that only ever hold a flag: kept verbatim when the value is
 * "true" or "false", so what a check reads back from a recorded Secret
 * (the Provider's TLS setting) replays as it ran. */
static int secret_key_flag(const char *key, const char *value, int encoded)
{
    if (strcmp(key, "insecureSkipVerify"))
        return 0;
    strbuf plain = STRBUF_INIT;
    if (encoded)
        b64_decode(&plain, value, strlen(value));
    else
        sb_adds(&plain, value);
    int flag = !strcmp(sb_str(&plain), "true") || !strcmp(sb_str(&plain), "false");
    sb_release(&plain);
    return flag;
}

static void redact_secret_object(jctx *c, cJSON *secret, strbuf *ptr)
{
    size_t base = ptr->len;
    for (int pass = 0; pass < 2; pass++) {
        const char *member = pass ? "stringData" : "data";
        cJSON *map = cJSON_GetObjectItemCaseSensitive(secret, member);
        if (!cJSON_IsObject(map))
            continue;
        cJSON *v;
        cJSON_ArrayForEach(v, map) {
            if (!cJSON_IsString(v) || is_placeholder(v->valuestring) ||
                secret_key_flag(v->string, v->valuestring, pass == 0))
                continue;
            sb_setlen(ptr, base);
            json_pointer_append(ptr, member);
            json_pointer_append(ptr, v->string);
            strbuf label = STRBUF_INIT, ph = STRBUF_INIT;
            sb_addf(&label, "k8s-secret.%s", v->string);
            int keep = !secret_key_public(v->string);
            if (pass == 0) {
                strbuf plain = STRBUF_INIT;
                if (keep && b64_decode(&plain, v->valuestring, strlen(v->valuestring)) == 0 &&
                    plain.len && !memchr(plain.buf, '\0', plain.len))
                    learn(c->r, label.buf, plain.buf);
                sb_release(&plain);
                if (keep)
                    learn(c->r, label.buf, v->valuestring);
                strbuf text = STRBUF_INIT;
                sb_addf(&text, "<redacted:%s>", label.buf);
                b64_encode(&ph, text.buf, text.len);
                sb_release(&text);
            } else {
                if (keep)
                    learn(c->r, label.buf, v->valuestring);
                sb_addf(&ph, "<redacted:%s>", label.buf);
            }
            set_string(v, ph.buf);
            json_hit(c, "k8s-secret", ptr);
            sb_release(&label);
            sb_release(&ph);
        }
    }
    cJSON *ann = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(secret, "metadata"),
                                                  "annotations");
    cJSON *last = cJSON_GetObjectItemCaseSensitive(ann, "kubectl.kubernetes.io/last-applied-configuration");
    if (cJSON_IsString(last) && !is_placeholder(last->valuestring)) {
        sb_setlen(ptr, base);
        sb_adds(ptr, "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration");
        set_string(last, "<redacted:k8s-secret.last-applied>");
        json_hit(c, "k8s-secret", ptr);
    }
    sb_setlen(ptr, base);
}

static void walk(jctx *c, cJSON *item, strbuf *ptr, int in_secret_list)
{
    size_t base = ptr->len;
    if (cJSON_IsObject(item)) {
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(item, "kind");
        const char *k = cJSON_IsString(kind) ? kind->valuestring : NULL;
        int secret = in_secret_list || (k && strcmp(k, "Secret") == 0);
        if (secret)
            redact_secret_object(c, item, ptr);
        int list = k && strcmp(k, "SecretList") == 0;
        cJSON *m;
        cJSON_ArrayForEach(m, item) {
            if (secret && m->string && (!strcmp(m->string, "data") || !strcmp(m->string, "stringData")))
                continue;   /* done above, with placeholders that stay base64 */
            sb_setlen(ptr, base);
            json_pointer_append(ptr, m->string ? m->string : "");
            int lrn = 0;
            if (cJSON_IsString(m) && redact_name_sensitive(m->string, &lrn)) {
                if (is_placeholder(m->valuestring) || !*m->valuestring)
                    continue;
                strbuf label = STRBUF_INIT, ph = STRBUF_INIT;
                sb_adds(&label, "json.");
                lower_into(&label, m->string);
                if (lrn)
                    learn(c->r, label.buf, m->valuestring);
                sb_addf(&ph, "<redacted:%s>", label.buf);
                set_string(m, ph.buf);
                json_hit(c, "json-key", ptr);
                sb_release(&label);
                sb_release(&ph);
            } else if (cJSON_IsArray(m) || cJSON_IsObject(m)) {
                walk(c, m, ptr, list && m->string && strcmp(m->string, "items") == 0);
            }
        }
    } else if (cJSON_IsArray(item)) {
        size_t i = 0;
        cJSON *e;
        cJSON_ArrayForEach(e, item) {
            sb_setlen(ptr, base);
            json_pointer_append_index(ptr, i++);
            if (cJSON_IsArray(e) || cJSON_IsObject(e))
                walk(c, e, ptr, in_secret_list && cJSON_IsObject(e));
        }
    }
    sb_setlen(ptr, base);
}

static void mask_strings(jctx *c, cJSON *item, strbuf *ptr)
{
    size_t base = ptr->len;
    size_t i = 0;
    cJSON *e;
    if (cJSON_IsString(item) && c->r->secrets) {
        strbuf out = STRBUF_INIT;
        if (secrets_mask(c->r->secrets, item->valuestring, strlen(item->valuestring), &out)) {
            set_string(item, out.buf);
            report_hit(c->report, "known-secret", c->where, ptr->buf ? ptr->buf : "");
            c->hits++;
        }
        sb_release(&out);
        return;
    }
    cJSON_ArrayForEach(e, item) {
        sb_setlen(ptr, base);
        if (e->string)
            json_pointer_append(ptr, e->string);
        else
            json_pointer_append_index(ptr, i);
        i++;
        mask_strings(c, e, ptr);
    }
    sb_setlen(ptr, base);
}

void redact_json(const redactor *r, cJSON *item, const char *where, cJSON *report)
{
    jctx c = {r, report, where, 0};
    strbuf ptr = STRBUF_INIT;
    walk(&c, item, &ptr, 0);
    mask_strings(&c, item, &ptr);
    sb_release(&ptr);
}

static int may_hold_credentials(const char *text)
{
    static const char *const words[] = {"secret", "password", "passwd", "token", "key",
                                        "credential", "passphrase", "cookie", NULL};
    for (int i = 0; words[i]; i++)
        if (strcasestr(text, words[i]))
            return 1;
    return 0;
}

static int looks_json(const strbuf *body, const char *ct)
{
    if (ct && strcasestr(ct, "json"))
        return 1;
    for (size_t i = 0; i < body->len; i++) {
        char ch = body->buf[i];
        if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
            continue;
        return ch == '{' || ch == '[';
    }
    return 0;
}

/* ---- XML and forms ----------------------------------------------------------- */

static int xml_name_sensitive(const char *name, size_t n)
{
    static const char *const names[] = {"password", "passwd", "passphrase", NULL};
    for (int i = 0; names[i]; i++)
        if (strlen(names[i]) == n && strncasecmp(name, names[i], n) == 0)
            return 1;
    return 0;
}

static void xml_unescape(strbuf *out, const char *s, size_t n)
{
    static const struct { const char *ent; char ch; } ents[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (size_t i = 0; i < n;) {
        int done = 0;
        for (size_t k = 0; k < 5 && s[i] == '&'; k++) {
            size_t l = strlen(ents[k].ent);
            if (i + l <= n && strncmp(s + i, ents[k].ent, l) == 0) {
                sb_addc(out, ents[k].ch);
                i += l;
                done = 1;
                break;
            }
        }
        if (!done)
            sb_addc(out, s[i++]);
    }
}

static int redact_xml(const redactor *r, strbuf *body, const char *where, cJSON *report)
{
    strbuf out = STRBUF_INIT;
    const char *s = body->buf;
    size_t n = body->len, copied = 0;
    int hits = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] != '<' || s[i + 1] == '/' || s[i + 1] == '?' || s[i + 1] == '!')
            continue;
        size_t j = i + 1;
        while (j < n && !strchr(" \t\r\n/>", s[j]))
            j++;
        const char *name = s + i + 1;
        size_t nl = j - i - 1;
        const char *colon = memchr(name, ':', nl);
        if (colon) {
            nl -= (size_t)(colon + 1 - name);
            name = colon + 1;
        }
        if (!xml_name_sensitive(name, nl))
            continue;
        const char *gt = memchr(s + j, '>', n - j);
        if (!gt || gt[-1] == '/')
            continue;
        size_t start = (size_t)(gt + 1 - s);
        const char *lt = memchr(s + start, '<', n - start);
        size_t end = lt ? (size_t)(lt - s) : n;
        if (end == start)
            continue;
        strbuf value = STRBUF_INIT, label = STRBUF_INIT;
        xml_unescape(&value, s + start, end - start);
        sb_adds(&label, "xml.");
        for (size_t k = 0; k < nl; k++)
            sb_addc(&label, (char)tolower((unsigned char)name[k]));
        learn(r, label.buf, value.buf);
        sb_add(&out, s + copied, start - copied);
        sb_addf(&out, "&lt;redacted:%s&gt;", label.buf);
        copied = end;
        strbuf loc = STRBUF_INIT;
        sb_addf(&loc, "%s.body<%.*s>", where, (int)nl, name);
        report_hit(report, "xml-element", loc.buf, NULL);
        sb_release(&loc);
        sb_release(&value);
        sb_release(&label);
        hits++;
        i = end;
    }
    if (hits) {
        sb_add(&out, s + copied, n - copied);
        sb_reset(body);
        sb_add(body, out.buf, out.len);
    }
    sb_release(&out);
    return hits;
}

static int redact_form(const redactor *r, strbuf *body, const char *where, cJSON *report)
{
    /* A form is a query string: the query rule is the form rule. */
    strbuf url = STRBUF_INIT, loc = STRBUF_INIT;
    sb_adds(&url, "x:?");
    sb_add(&url, body->buf, body->len);
    sb_addf(&loc, "%s.form", where);
    cJSON *rep = cJSON_CreateArray();
    redact_url(r, &url, loc.buf, rep);
    int hits = cJSON_GetArraySize(rep);
    if (hits) {
        sb_reset(body);
        sb_add(body, url.buf + 3, url.len - 3);
        cJSON *it;
        cJSON_ArrayForEach(it, rep) {
            const char *rule = cJSON_GetStringValue(cJSON_GetObjectItem(it, "rule"));
            const char *w = cJSON_GetStringValue(cJSON_GetObjectItem(it, "where"));
            report_hit(report, rule && !strcmp(rule, "query") ? "form-field" : "known-secret",
                       w ? w : loc.buf, NULL);
        }
    }
    cJSON_Delete(rep);
    sb_release(&loc);
    sb_release(&url);
    return hits;
}

/* Known-secret masking writes "<redacted:LABEL>", which inside an XML body
 * would be a stray tag: escape such placeholders so the body stays
 * well-formed and its text reads back as the placeholder. */
static void xml_escape_placeholders(strbuf *body)
{
    static const char mark[] = "<redacted:";
    if (!memmem(body->buf, body->len, mark, sizeof mark - 1))
        return;
    strbuf out = STRBUF_INIT;
    size_t i = 0;
    while (i < body->len) {
        const char *p = memmem(body->buf + i, body->len - i, mark, sizeof mark - 1);
        if (!p) {
            sb_add(&out, body->buf + i, body->len - i);
            break;
        }
        size_t at = (size_t)(p - body->buf), j = at + sizeof mark - 1;
        while (j < body->len && (isalnum((unsigned char)body->buf[j]) || body->buf[j] == '.' ||
                                 body->buf[j] == '_' || body->buf[j] == '-'))
            j++;
        sb_add(&out, body->buf + i, at - i);
        if (j < body->len && body->buf[j] == '>') {
            sb_adds(&out, "&lt;");
            sb_add(&out, body->buf + at + 1, j - at - 1);
            sb_adds(&out, "&gt;");
            i = j + 1;
        } else {
            sb_addc(&out, '<');
            i = at + 1;
        }
    }
    sb_reset(body);
    sb_add(body, out.buf, out.len);
    sb_release(&out);
}

void redact_body(const redactor *r, strbuf *body, const char *content_type, const char *where,
                 cJSON *report)
{
    if (body->len == 0)
        return;
    strbuf loc = STRBUF_INIT;
    sb_addf(&loc, "%s.body", where);
    int text = !memchr(body->buf, '\0', body->len), xml = 0;
    if (text && looks_json(body, content_type) && may_hold_credentials(body->buf)) {
        cJSON *root = cJSON_ParseWithLength(body->buf, body->len);
        if (root) {
            jctx c = {r, report, loc.buf, 0};
            strbuf ptr = STRBUF_INIT;
            walk(&c, root, &ptr, 0);
            sb_release(&ptr);
            if (c.hits) {
                char *printed = cJSON_PrintUnformatted(root);
                sb_reset(body);
                sb_adds(body, printed);
                free(printed);
            }
            cJSON_Delete(root);
        }
    } else if (text && (xml = body->buf[0] == '<' ||
                               (content_type && strcasestr(content_type, "xml")))) {
        redact_xml(r, body, where, report);
    } else if (text && content_type && strcasestr(content_type, "x-www-form-urlencoded")) {
        redact_form(r, body, where, report);
    }
    if (r->secrets) {
        strbuf out = STRBUF_INIT;
        if (secrets_mask(r->secrets, body->buf, body->len, &out)) {
            sb_reset(body);
            sb_add(body, out.buf, out.len);
            if (xml)
                xml_escape_placeholders(body);
            report_hit(report, "known-secret", loc.buf, NULL);
        }
        sb_release(&out);
    }
    sb_release(&loc);
}

void redact_request(const redactor *r, http_request *req, cJSON *report)
{
    redact_headers(r, &req->headers, "request", report);
    redact_url(r, &req->url, "request", report);
    redact_body(r, &req->body, http_headers_get(&req->headers, "Content-Type"), "request", report);
}

void redact_response(const redactor *r, http_response *resp, cJSON *report)
{
    redact_headers(r, &resp->headers, "response", report);
    redact_body(r, &resp->body, http_headers_get(&resp->headers, "Content-Type"), "response", report);
}
