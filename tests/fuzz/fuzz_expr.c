/* fuzz_expr: -m/-k expressions from arbitrary bytes must parse or fail with
 * a message, never crash, and a parsed tree must evaluate. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runner/expr.h"

static int odd_length(const char *ident, void *ctx)
{
    (void)ctx;
    return strlen(ident) % 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    expr *e;
    mtv_err err;
    if (expr_parse("-m", text, &e, &err) == 0) {
        expr_eval(e, odd_length, NULL);
        expr_free(e);
    }
    free(text);
    return 0;
}
