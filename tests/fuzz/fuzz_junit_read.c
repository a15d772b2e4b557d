/* fuzz_junit_read: any bytes as a JUnit file must be read or refused with
 * a located error, and what was read must render again as XML that
 * libxml2 parses; never a crash or a leak. */
#include <libxml/parser.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reporters/junit.h"

static char path[64];

static void remove_file(void)
{
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        strcpy(path, "/tmp/mtv-fuzz-junit-XXXXXX");
        int fd = mkstemp(path);
        if (fd < 0)
            abort();
        close(fd);
        atexit(remove_file);
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    mtv_err err;
    run_results *r = junit_read(path, &err);
    if (!r) {
        if (!strstr(err.msg, path))
            abort();   /* an error that does not name the file */
        return 0;
    }
    strbuf xml = STRBUF_INIT;
    junit_render(r, NULL, &xml);
    xmlDoc *d = xmlReadMemory(xml.buf, (int)xml.len, "again.xml", "UTF-8",
                              XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE);
    if (!d)
        abort();
    xmlFreeDoc(d);
    sb_release(&xml);
    results_free(r);
    return 0;
}
