/* libFuzzer target: the cassette loader (HAR text or bundle tar), the replay
 * index built on it, and every reader of a loaded entry. A cassette comes
 * from disk and may be damaged or hostile: none of this may crash, hang or
 * leak on any input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "recorder/bundle.h"
#include "recorder/cassette.h"
#include "recorder/har.h"
#include "recorder/replay.h"
#include "recorder/summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mtv_err err;
    if (bundle_sniff(data, size)) {
        bundle b;
        if (bundle_read_memory(&b, "fuzz.tar", data, size, &err) == 0) {
            strbuf problems = STRBUF_INIT;
            bundle_check_manifest(&b, &problems);
            sb_release(&problems);
            bundle_free(&b);
        }
        return 0;
    }
    cassette c;
    if (cassette_parse(&c, "fuzz.har", (const char *)data, size, &err) < 0)
        return 0;
    strbuf out = STRBUF_INIT;
    cassette_summary(&c, 64, &out);
    sb_release(&out);
    replay *r;
    if (replay_open(&r, &c, NULL, &err) < 0)
        return 0;
    const cassette *rc = replay_cassette(r);
    for (size_t i = 0; i < rc->count && i < 32; i++) {
        const cassette_entry *e = replay_take(r, rc->entries[i].key, rc->entries[i].url, NULL, "", 0, &err);
        if (!e)
            continue;
        http_response resp = {0};
        cassette_entry_response(rc, e, &resp, &err);
        http_response_free(&resp);
        strbuf body = STRBUF_INIT;
        cassette_entry_request_body(rc, e, &body);
        cassette_entry_stream(rc, e);
        cassette_entry_custom(rc, e);
        sb_release(&body);
    }
    /* a miss builds the near-miss report over the whole index */
    replay_take(r, "GET fuzz /nowhere -", "http://fuzz/nowhere", NULL, "{}", 2, &err);
    strbuf unused = STRBUF_INIT;
    replay_unused(r, &unused);
    sb_release(&unused);
    replay_free(r);
    return 0;
}
