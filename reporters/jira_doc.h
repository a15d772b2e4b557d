/*
 * jira_doc: the text of a comment or an issue description, written once and
 * rendered for either deployment: Atlassian Document Format (Cloud REST v3)
 * or wiki markup (Data Center REST v2).
 *
 * A document is a list of blocks: paragraphs of plain text, "Label: value"
 * lines whose value may link somewhere, and preformatted blocks for logs.
 * Every string is masked through the secret registry and loses terminal
 * escape sequences and control characters as it is added, so nothing that
 * reaches Jira can carry a credential or garbage. Wiki special characters
 * in plain text are escaped; a preformatted block cannot end early however
 * its text reads.
 *
 * jira_doc_fit shrinks the preformatted blocks (head and tail kept) until
 * the rendered document fits Jira's limit on a text field (32,767
 * characters).
 *
 * Ownership: the document owns copies of its strings (jira_doc_free).
 */
#ifndef MTV_REPORTERS_JIRA_DOC_H
#define MTV_REPORTERS_JIRA_DOC_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "util/secrets.h"
#include "util/strbuf.h"

#define JIRA_TEXT_LIMIT 32767

enum jira_block_kind { JIRA_BLOCK_PARA, JIRA_BLOCK_FIELD, JIRA_BLOCK_CODE };

typedef struct jira_block {
    enum jira_block_kind kind;
    char *label;              /* FIELD */
    char *text;               /* PARA, FIELD value, CODE */
    char *url;                /* FIELD: link target, or NULL */
} jira_block;

typedef struct jira_doc {
    jira_block *blocks;
    size_t count;
    const secret_registry *secrets;   /* borrowed; NULL = the logger's */
} jira_doc;

void jira_doc_init(jira_doc *d, const secret_registry *reg);
void jira_doc_free(jira_doc *d);

void jira_doc_para(jira_doc *d, const char *text);
/* "label: value", value linked to url when url is given; skipped when value
 * is NULL or empty. */
void jira_doc_field(jira_doc *d, const char *label, const char *value, const char *url);
void jira_doc_code(jira_doc *d, const char *text);

void jira_doc_wiki(const jira_doc *d, strbuf *out);
cJSON *jira_doc_adf(const jira_doc *d);
/* The body a field or comment takes: ADF (cloud = 1) or a wiki string. */
cJSON *jira_doc_render(const jira_doc *d, int cloud);
/* Shrinks code blocks until the rendering is at most limit characters. */
void jira_doc_fit(jira_doc *d, int cloud, size_t limit);

#endif
