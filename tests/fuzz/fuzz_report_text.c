/* fuzz_report_text: any bytes, escaped for XML (content and attribute),
 * must give text libxml2 parses; cut head and tail, made one line and
 * fingerprinted without crashing; read as a jira.cfg without crashing. */
#include <libxml/parser.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reporters/jira_fingerprint.h"
#include "util/ini.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    strbuf doc = STRBUF_INIT, plain = STRBUF_INIT, cut = STRBUF_INIT, line = STRBUF_INIT, norm = STRBUF_INIT;
    text_strip_ansi(&plain, s, size);
    sb_adds(&doc, "<r a=\"");
    text_xml_escape(&doc, s, size, TEXT_XML_ATTRIBUTE);
    sb_adds(&doc, "\">");
    text_xml_escape(&doc, sb_str(&plain), plain.len, TEXT_XML_CONTENT);
    sb_adds(&doc, "</r>");
    xmlDoc *d = xmlReadMemory(doc.buf, (int)doc.len, "f.xml", "UTF-8",
                              XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE);
    if (!d)
        abort();   /* escaped text that is not well-formed XML */
    xmlFreeDoc(d);
    text_head_tail(&cut, s, size, size / 3 + 8, "hint");
    char *z = malloc(size + 1);
    memcpy(z, data, size);
    z[size] = '\0';
    text_one_line(&line, z, 64);
    if (line.len > 64)
        abort();
    jira_fp_normalise(z, &norm);
    char fp[13];
    jira_fingerprint(z, z, z, fp);
    ini_file f;
    mtv_err err;
    if (ini_parse(&f, "fuzz.cfg", s, size, &err) == 0) {
        ini_get(&f, "DEFAULT", "url");
        ini_free(&f);
    }
    free(z);
    sb_release(&doc);
    sb_release(&plain);
    sb_release(&cut);
    sb_release(&line);
    sb_release(&norm);
    return 0;
}
