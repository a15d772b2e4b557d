/* diag: see diag.h. */
#include "util/diag.h"

#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

void diag_init(diag_list *list)
{
    memset(list, 0, sizeof *list);
}

void diag_free(diag_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i].text);
    free(list->items);
    memset(list, 0, sizeof *list);
}

static void push(diag_list *list, enum diag_severity sev, char *text)
{
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        diag_item *n = realloc(list->items, cap * sizeof *n);
        if (!n)
            abort();
        list->items = n;
        list->cap = cap;
    }
    list->items[list->count].severity = sev;
    list->items[list->count].text = text;
    list->count++;
    if (sev == DIAG_ERROR)
        list->errors++;
    else
        list->warnings++;
}

void diag_vadd(diag_list *list, enum diag_severity sev, const char *where, const char *fmt,
               va_list ap)
{
    strbuf sb = STRBUF_INIT;
    if (where && *where)
        sb_addf(&sb, "%s: ", where);
    sb_adds(&sb, sev == DIAG_ERROR ? "error: " : "warning: ");
    sb_vaddf(&sb, fmt, ap);
    push(list, sev, sb_detach(&sb, NULL));
}

void diag_add(diag_list *list, enum diag_severity sev, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(list, sev, where, fmt, ap);
    va_end(ap);
}

void diag_at(diag_list *list, enum diag_severity sev, const json_doc *doc, const char *pointer,
             const char *fmt, ...)
{
    strbuf where = STRBUF_INIT;
    json_doc_where(doc, pointer, &where);
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(list, sev, where.buf, fmt, ap);
    va_end(ap);
    sb_release(&where);
}

void diag_add_err(diag_list *list, const mtv_err *err)
{
    strbuf sb = STRBUF_INIT;
    /* "file:line:col: msg" -> "file:line:col: error: msg" when it has a place */
    const char *m = err->msg;
    const char *sep = strstr(m, ": ");
    const char *first_space = strchr(m, ' ');
    if (sep && (!first_space || sep < first_space)) {
        sb_add(&sb, m, (size_t)(sep - m));
        sb_adds(&sb, ": error: ");
        sb_adds(&sb, sep + 2);
    } else {
        sb_adds(&sb, "error: ");
        sb_adds(&sb, m);
    }
    push(list, DIAG_ERROR, sb_detach(&sb, NULL));
}

void diag_take(diag_list *dst, diag_list *src)
{
    for (size_t i = 0; i < src->count; i++)
        push(dst, src->items[i].severity, src->items[i].text);
    free(src->items);
    memset(src, 0, sizeof *src);
}

void diag_print(const diag_list *list, FILE *out, const secret_registry *reg)
{
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < list->count; i++) {
        sb_reset(&sb);
        const char *t = list->items[i].text;
        if (reg)
            secrets_mask(reg, t, strlen(t), &sb);
        else
            sb_adds(&sb, t);
        sb_addc(&sb, '\n');
        fwrite(sb.buf, 1, sb.len, out);
    }
    sb_release(&sb);
}

int diag_first_error(const diag_list *list, mtv_err *err)
{
    for (size_t i = 0; i < list->count; i++) {
        if (list->items[i].severity != DIAG_ERROR)
            continue;
        const char *t = list->items[i].text;
        /* drop the "error: " tag: mtv_err printing adds its own */
        strbuf sb = STRBUF_INIT;
        const char *tag = strstr(t, "error: ");
        if (tag) {
            sb_add(&sb, t, (size_t)(tag - t));
            sb_adds(&sb, tag + 7);
        } else {
            sb_adds(&sb, t);
        }
        if (list->errors > 1)
            sb_addf(&sb, " (and %zu more problem%s; run 'mtv-validate config check' to see all)",
                    list->errors - 1, list->errors == 2 ? "" : "s");
        mtv_err_set(err, MTV_EXIT_USAGE, "%s", sb.buf);
        sb_release(&sb);
        return -1;
    }
    return 0;
}
