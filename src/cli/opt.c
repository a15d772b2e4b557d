/* opt: see opt.h. */
#include "cli/opt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

const char CLI_EXIT_CODES_HELP[] =
    "Exit codes:\n"
    "  0  success\n"
    "  1  validation ran and some tests failed\n"
    "  2  usage or configuration error\n"
    "  3  environment or infrastructure error\n"
    "  4  replay diverged from the recording\n";

static const opt_def *find_long(const opt_def *defs, const char *name, size_t len, int *negated)
{
    *negated = 0;
    for (const opt_def *d = defs; d && d->kind != OPT_END; d++)
        if (d->long_name && strlen(d->long_name) == len && strncmp(d->long_name, name, len) == 0)
            return d;
    if (len > 3 && strncmp(name, "no-", 3) == 0) {
        for (const opt_def *d = defs; d && d->kind != OPT_END; d++)
            if (d->kind == OPT_FLAG && d->negatable && d->long_name &&
                strlen(d->long_name) == len - 3 && strncmp(d->long_name, name + 3, len - 3) == 0) {
                *negated = 1;
                return d;
            }
    }
    return NULL;
}

static const opt_def *find_short(const opt_def *defs, char c)
{
    for (const opt_def *d = defs; d && d->kind != OPT_END; d++)
        if (d->short_name == c)
            return d;
    return NULL;
}

static void suggest(const opt_def *defs, const char *name, size_t len, strbuf *out)
{
    for (const opt_def *d = defs; d && d->kind != OPT_END; d++) {
        if (!d->long_name)
            continue;
        size_t l = strlen(d->long_name);
        size_t common = 0;
        while (common < l && common < len && d->long_name[common] == name[common])
            common++;
        if (common >= 3 || (len >= 3 && strstr(d->long_name, name)) ) {
            sb_addf(out, " (did you mean --%s?)", d->long_name);
            return;
        }
    }
}

static int store(const cli_doc *doc, const opt_def *d, const char *shown, const char *value,
                 mtv_err *err)
{
    switch (d->kind) {
    case OPT_STRING:
        *(const char **)d->dest = value;
        return 0;
    case OPT_LIST: {
        opt_list *l = d->dest;
        const char **n = realloc(l->items, (l->count + 1) * sizeof *n);
        if (!n)
            abort();
        l->items = n;
        l->items[l->count++] = value;
        return 0;
    }
    case OPT_INT: {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end)
            return mtv_err_set(err, MTV_EXIT_USAGE,
                               "%s: option %s expects a whole number, got '%s'", doc->name, shown, value);
        if (d->min < d->max && (v < d->min || v > d->max))
            return mtv_err_set(err, MTV_EXIT_USAGE, "%s: option %s must be between %ld and %ld, got %ld",
                               doc->name, shown, d->min, d->max, v);
        *(long *)d->dest = v;
        return 0;
    }
    default:
        return 0;
    }
}

int opt_parse(const cli_doc *doc, int argc, char **argv, char ***pos, int *npos, mtv_err *err)
{
    *pos = calloc((size_t)argc + 1, sizeof **pos);
    if (!*pos)
        abort();
    *npos = 0;
    int only_pos = 0;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            (*pos)[(*npos)++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            opt_print_help(doc, stdout);
            return 1;
        }
        const opt_def *d;
        const char *value = NULL;
        char shown[128];
        int negated = 0;
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            d = find_long(doc->options, name, len, &negated);
            snprintf(shown, sizeof shown, "--%.*s", (int)len, name);
            if (!d) {
                strbuf hint = STRBUF_INIT;
                suggest(doc->options, name, len, &hint);
                mtv_err_set(err, MTV_EXIT_USAGE, "%s: unknown option %s%s; see 'mtv-validate %s --help'",
                            doc->name, shown, sb_str(&hint), doc->name);
                sb_release(&hint);
                return -1;
            }
            if (eq)
                value = eq + 1;
        } else {
            d = find_short(doc->options, a[1]);
            snprintf(shown, sizeof shown, "-%c", a[1]);
            if (!d)
                return mtv_err_set(err, MTV_EXIT_USAGE, "%s: unknown option %s; see 'mtv-validate %s --help'",
                                   doc->name, shown, doc->name);
            if (a[2])
                value = a + 2;
        }
        if (d->kind == OPT_FLAG) {
            if (value)
                return mtv_err_set(err, MTV_EXIT_USAGE, "%s: option %s takes no value", doc->name, shown);
            *(int *)d->dest = negated ? 0 : 1;
            continue;
        }
        if (!value) {
            if (i + 1 >= argc)
                return mtv_err_set(err, MTV_EXIT_USAGE, "%s: option %s needs a value (%s)", doc->name,
                                   shown, d->arg_name ? d->arg_name : "VALUE");
            value = argv[++i];
        }
        if (store(doc, d, shown, value, err) < 0)
            return -1;
    }
    return 0;
}

static void print_wrapped(FILE *out, const char *text, int indent, int first_col)
{
    /* Keeps the author's line breaks; wraps long lines at 80 columns. */
    int col = first_col, pending = 0;
    const char *p = text;
    while (*p) {
        if (*p == '\n') {
            fputc('\n', out);
            p++;
            if (*p && *p != '\n')
                fprintf(out, "%*s", indent, "");
            col = indent;
            pending = 0;
            continue;
        }
        if (*p == ' ') {
            pending++;
            p++;
            continue;
        }
        const char *w = p;
        while (*p && *p != ' ' && *p != '\n')
            p++;
        int wl = (int)(p - w);
        if (col > indent && col + pending + wl > 80) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
            pending = 0;
        }
        fprintf(out, "%*s", pending, "");
        col += pending;
        pending = 0;
        fwrite(w, 1, (size_t)wl, out);
        col += wl;
    }
}

void opt_print_help(const cli_doc *doc, FILE *out)
{
    fprintf(out, "mtv-validate %s - %s\n\n", doc->name, doc->summary);
    fputs("Usage:\n", out);
    for (const char *u = doc->usage; u && *u;) {
        const char *nl = strchr(u, '\n');
        size_t l = nl ? (size_t)(nl - u) : strlen(u);
        fprintf(out, "  mtv-validate %.*s\n", (int)l, u);
        u += l + (nl ? 1 : 0);
    }
    if (doc->description) {
        fputc('\n', out);
        print_wrapped(out, doc->description, 0, 0);
        fputc('\n', out);
    }
    fputs("\nOptions:\n", out);
    for (const opt_def *d = doc->options; d && d->kind != OPT_END; d++) {
        char left[96];
        int n = 0;
        if (d->short_name)
            n = snprintf(left, sizeof left, "  -%c%s", d->short_name, d->long_name ? ", " : "");
        else
            n = snprintf(left, sizeof left, "      ");
        if (d->long_name)
            n += snprintf(left + n, sizeof left - (size_t)n, "--%s%s", d->negatable ? "[no-]" : "",
                          d->long_name);
        if (d->kind != OPT_FLAG && d->arg_name)
            snprintf(left + n, sizeof left - (size_t)n, " %s", d->arg_name);
        fprintf(out, "%-34s", left);
        int col = (int)strlen(left) < 34 ? 34 : (int)strlen(left);
        if ((int)strlen(left) >= 34) {
            fprintf(out, "\n%34s", "");
            col = 34;
        }
        strbuf text = STRBUF_INIT;
        sb_adds(&text, d->help ? d->help : "");
        if (d->default_doc)
            sb_addf(&text, " (default: %s)", d->default_doc);
        if (d->kind == OPT_LIST)
            sb_adds(&text, " Repeatable.");
        print_wrapped(out, text.buf, 34, col);
        sb_release(&text);
        fputc('\n', out);
    }
    fprintf(out, "  %-32s%s\n", "-h, --help", "Show this help and exit.");
    if (doc->examples) {
        fputs("\nExamples:\n", out);
        for (const char *e = doc->examples; *e;) {
            const char *nl = strchr(e, '\n');
            size_t l = nl ? (size_t)(nl - e) : strlen(e);
            fprintf(out, "  %.*s\n", (int)l, e);
            e += l + (nl ? 1 : 0);
        }
    }
    fputc('\n', out);
    fputs(CLI_EXIT_CODES_HELP, out);
}

void opt_list_free(opt_list *list)
{
    free(list->items);
    list->items = NULL;
    list->count = 0;
}
