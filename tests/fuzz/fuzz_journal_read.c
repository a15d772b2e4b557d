/* libFuzzer target: the journal reader and the finaliser that turns what it
 * read into a HAR cassette. A journal is what a killed run left behind, so
 * torn, truncated or corrupted input is the normal case here. */
#include <stddef.h>
#include <stdint.h>

#include "recorder/finalize.h"
#include "recorder/har.h"
#include "recorder/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    journal_contents jc;
    strbuf warnings = STRBUF_INIT;
    mtv_err err;
    if (journal_parse("fuzz.ndjson", (const char *)data, size, &jc, &warnings, &err) == 0) {
        cJSON *har = finalize_har(&jc);
        strbuf text = STRBUF_INIT;
        har_print(&text, har);
        har_check(har, &text, 16);
        cJSON *summary = finalize_redaction_summary(har);
        cJSON_Delete(summary);
        cJSON_Delete(har);
        sb_release(&text);
        journal_contents_free(&jc);
    }
    sb_release(&warnings);
    return 0;
}
