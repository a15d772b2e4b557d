/* jira_doc: see jira_doc.h. */
#include "reporters/jira_doc.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/text.h"

void jira_doc_init(jira_doc *d, const secret_registry *reg)
{
    memset(d, 0, sizeof *d);
    d->secrets = reg ? reg : log_secrets();
}

void jira_doc_free(jira_doc *d)
{
    for (size_t i = 0; i < d->count; i++) {
        free(d->blocks[i].label);
        free(d->blocks[i].text);
        free(d->blocks[i].url);
    }
    free(d->blocks);
    memset(d, 0, sizeof *d);
}

/* Masked, without escape sequences; controls other than newline and tab
 * become spaces (code blocks keep lines; other text is made one line). */
static char *clean(const jira_doc *d, const char *s, int multiline)
{
    strbuf a = STRBUF_INIT, b = STRBUF_INIT, c = STRBUF_INIT;
    secrets_mask(d->secrets, s, strlen(s), &a);
    text_strip_ansi(&b, sb_str(&a), a.len);
    secrets_mask(d->secrets, sb_str(&b), b.len, &c);
    for (size_t i = 0; i < c.len; i++) {
        unsigned char ch = (unsigned char)c.buf[i];
        if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
            c.buf[i] = ' ';
    }
    char *out;
    if (multiline) {
        out = sb_detach(&c, NULL);
    } else {
        strbuf line = STRBUF_INIT;
        text_one_line(&line, sb_str(&c), 4000);
        out = sb_detach(&line, NULL);
    }
    if (!out) {
        out = strdup("");
        if (!out)
            abort();
    }
    sb_release(&a);
    sb_release(&b);
    sb_release(&c);
    return out;
}

static jira_block *add(jira_doc *d, enum jira_block_kind kind)
{
    d->blocks = realloc(d->blocks, (d->count + 1) * sizeof *d->blocks);
    if (!d->blocks)
        abort();
    jira_block *b = &d->blocks[d->count++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    return b;
}

void jira_doc_para(jira_doc *d, const char *text)
{
    if (text && *text)
        add(d, JIRA_BLOCK_PARA)->text = clean(d, text, 0);
}

void jira_doc_field(jira_doc *d, const char *label, const char *value, const char *url)
{
    if (!value || !*value)
        return;
    jira_block *b = add(d, JIRA_BLOCK_FIELD);
    b->label = clean(d, label, 0);
    b->text = clean(d, value, 0);
    b->url = url && *url ? clean(d, url, 0) : NULL;
}

void jira_doc_code(jira_doc *d, const char *text)
{
    if (!text || !*text)
        return;
    char *t = clean(d, text, 1);
    size_t len = strlen(t);
    if (len > JIRA_TEXT_LIMIT) {
        /* no field takes more; jira_doc_fit trims further */
        strbuf cut = STRBUF_INIT;
        text_head_tail(&cut, t, len, JIRA_TEXT_LIMIT, "the full text is in the attached bundle or the run's log");
        free(t);
        t = sb_detach(&cut, NULL);
    }
    add(d, JIRA_BLOCK_CODE)->text = t;
}

/* ---- wiki markup --------------------------------------------------------- */

/* Plain text in wiki markup. Links, macros, tables and images are markup
 * anywhere; emphasis marks (*bold*, _italic_, -strike-, +under+, ^sup^,
 * ~sub~) only where a word starts, so "test_cold_migration" stays as is. */
static void wiki_text(strbuf *out, const char *s)
{
    for (const char *p = s; *p; p++) {
        int word_start = p == s || !((p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= 'A' && p[-1] <= 'Z') ||
                                     (p[-1] >= '0' && p[-1] <= '9'));
        if (strchr("\\[]{}|!", *p) || (strchr("*_-+^~", *p) && word_start))
            sb_addc(out, '\\');
        sb_addc(out, *p);
    }
}

static void wiki_url(strbuf *out, const char *s)
{
    for (const char *p = s; *p; p++) {
        if (*p == '|' || *p == ']' || *p == '[' || *p == ' ')
            sb_addf(out, "%%%02X", (unsigned char)*p);
        else
            sb_addc(out, *p);
    }
}

void jira_doc_wiki(const jira_doc *d, strbuf *out)
{
    for (size_t i = 0; i < d->count; i++) {
        const jira_block *b = &d->blocks[i];
        if (i)
            sb_adds(out, b->kind == JIRA_BLOCK_FIELD && d->blocks[i - 1].kind == JIRA_BLOCK_FIELD ? "\n" : "\n\n");
        switch (b->kind) {
        case JIRA_BLOCK_PARA:
            wiki_text(out, b->text);
            break;
        case JIRA_BLOCK_FIELD:
            sb_adds(out, "*");
            wiki_text(out, b->label);
            sb_adds(out, ":* ");
            if (b->url) {
                sb_addc(out, '[');
                wiki_text(out, b->text);
                sb_addc(out, '|');
                wiki_url(out, b->url);
                sb_addc(out, ']');
            } else {
                wiki_text(out, b->text);
            }
            break;
        case JIRA_BLOCK_CODE: {
            sb_adds(out, "{noformat}\n");
            /* only the closing macro is special inside: break any occurrence */
            const char *p = b->text;
            const char *hit;
            while ((hit = strstr(p, "{noformat}"))) {
                sb_add(out, p, (size_t)(hit - p));
                sb_adds(out, "{ noformat}");
                p = hit + 10;
            }
            sb_adds(out, p);
            if (out->len && out->buf[out->len - 1] != '\n')
                sb_addc(out, '\n');
            sb_adds(out, "{noformat}");
            break;
        }
        }
    }
}

/* ---- Atlassian Document Format ---------------------------------------------- */

static cJSON *adf_text(const char *text, const char *mark)
{
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "type", "text");
    cJSON_AddStringToObject(t, "text", text);
    if (mark) {
        cJSON *marks = cJSON_AddArrayToObject(t, "marks");
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "type", mark);
        cJSON_AddItemToArray(marks, m);
    }
    return t;
}

cJSON *jira_doc_adf(const jira_doc *d)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "type", "doc");
    cJSON_AddNumberToObject(doc, "version", 1);
    cJSON *content = cJSON_AddArrayToObject(doc, "content");
    for (size_t i = 0; i < d->count; i++) {
        const jira_block *b = &d->blocks[i];
        cJSON *node = cJSON_CreateObject();
        cJSON *inner = NULL;
        if (b->kind == JIRA_BLOCK_CODE) {
            cJSON_AddStringToObject(node, "type", "codeBlock");
            cJSON *attrs = cJSON_AddObjectToObject(node, "attrs");
            cJSON_AddStringToObject(attrs, "language", "text");
            inner = cJSON_AddArrayToObject(node, "content");
            cJSON_AddItemToArray(inner, adf_text(b->text, NULL));
        } else {
            cJSON_AddStringToObject(node, "type", "paragraph");
            inner = cJSON_AddArrayToObject(node, "content");
            if (b->kind == JIRA_BLOCK_PARA) {
                cJSON_AddItemToArray(inner, adf_text(b->text, NULL));
            } else {
                strbuf label = STRBUF_INIT;
                sb_addf(&label, "%s: ", b->label);
                cJSON_AddItemToArray(inner, adf_text(label.buf, "strong"));
                sb_release(&label);
                cJSON *value = adf_text(b->text, NULL);
                if (b->url) {
                    cJSON *marks = cJSON_AddArrayToObject(value, "marks");
                    cJSON *m = cJSON_CreateObject();
                    cJSON_AddStringToObject(m, "type", "link");
                    cJSON *attrs = cJSON_AddObjectToObject(m, "attrs");
                    cJSON_AddStringToObject(attrs, "href", b->url);
                    cJSON_AddItemToArray(marks, m);
                }
                cJSON_AddItemToArray(inner, value);
            }
        }
        cJSON_AddItemToArray(content, node);
    }
    return doc;
}

cJSON *jira_doc_render(const jira_doc *d, int cloud)
{
    if (cloud)
        return jira_doc_adf(d);
    strbuf w = STRBUF_INIT;
    jira_doc_wiki(d, &w);
    cJSON *s = cJSON_CreateString(sb_str(&w));
    sb_release(&w);
    return s;
}

static size_t rendered_size(const jira_doc *d, int cloud)
{
    if (!cloud) {
        strbuf w = STRBUF_INIT;
        jira_doc_wiki(d, &w);
        size_t n = w.len;
        sb_release(&w);
        return n;
    }
    cJSON *adf = jira_doc_adf(d);
    char *text = cJSON_PrintUnformatted(adf);
    size_t n = text ? strlen(text) : 0;
    cJSON_free(text);
    cJSON_Delete(adf);
    return n;
}

void jira_doc_fit(jira_doc *d, int cloud, size_t limit)
{
    for (int round = 0; round < 8; round++) {
        size_t size = rendered_size(d, cloud);
        if (size <= limit)
            return;
        size_t code = 0;
        for (size_t i = 0; i < d->count; i++)
            if (d->blocks[i].kind == JIRA_BLOCK_CODE)
                code += strlen(d->blocks[i].text);
        if (code == 0)
            return;
        size_t excess = size - limit + 200;   /* room for the notes */
        for (size_t i = 0; i < d->count; i++) {
            jira_block *b = &d->blocks[i];
            if (b->kind != JIRA_BLOCK_CODE)
                continue;
            size_t len = strlen(b->text);
            size_t cut = excess * len / code + 1;
            /* escaping may make the rendering larger than the text: cut more */
            size_t keep = len > cut * 2 ? len - cut * 2 : 64;
            strbuf s = STRBUF_INIT;
            text_head_tail(&s, b->text, len, keep, "the full text is in the attached bundle or the run's log");
            free(b->text);
            b->text = sb_detach(&s, NULL);
        }
    }
}
