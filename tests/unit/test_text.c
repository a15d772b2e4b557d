/* Unit tests for util/text: ANSI stripping, XML escaping of any bytes,
 * UTF-8-safe cuts, head-and-tail truncation, single lines. */
#include <criterion/criterion.h>
#include <libxml/parser.h>
#include <string.h>

#include "util/text.h"

static char *strip(const char *s)
{
    strbuf out = STRBUF_INIT;
    text_strip_ansi(&out, s, strlen(s));
    return sb_detach(&out, NULL);
}

Test(text, strip_ansi_removes_csi_osc_and_short_escapes)
{
    char *a = strip("\x1b[1;31mERROR\x1b[0m done \x1b]0;title\x07tail \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \x1b" "cX\x1b");
    cr_assert_str_eq(a, "ERROR done tail link X");
    free(a);
    char *b = strip("plain text, no escapes");
    cr_assert_str_eq(b, "plain text, no escapes");
    free(b);
    char *c = strip("\x1b[");   /* truncated sequence at the end */
    cr_assert_str_eq(c, "");
    free(c);
}

static char *esc(const char *s, size_t n, int mode)
{
    strbuf out = STRBUF_INIT;
    text_xml_escape(&out, s, n, mode);
    return sb_detach(&out, NULL);
}

Test(text, xml_escape_entities_controls_and_invalid_utf8)
{
    const char in[] = "a<b>&\"c\" ]]> \x01\x1b\x7f tab\tnl\n h\xc3\xa9 \xff\xfe \xed\xa0\x80 \xef\xbf\xbe";
    char *c = esc(in, sizeof in - 1, TEXT_XML_CONTENT);
    cr_assert_str_eq(c, "a&lt;b&gt;&amp;&quot;c&quot; ]]&gt; #x01#x1B\x7f tab\tnl\n h\xc3\xa9 #xFF#xFE "
                        "#xED#xA0#x80 #xFFFE");
    free(c);
    char *a = esc("x\ty\nz\r", 6, TEXT_XML_ATTRIBUTE);
    cr_assert_str_eq(a, "x&#9;y&#10;z&#13;");
    free(a);
    char nul[] = {'a', 0, 'b'};
    char *n = esc(nul, 3, TEXT_XML_CONTENT);
    cr_assert_str_eq(n, "a#x00b");
    free(n);
}

Test(text, escaped_bytes_always_parse_as_xml)
{
    /* every byte value, alone and in pairs, must give well-formed XML */
    strbuf doc = STRBUF_INIT;
    char all[512];
    for (int i = 0; i < 256; i++)
        all[2 * i] = (char)i, all[2 * i + 1] = (char)(255 - i);
    sb_adds(&doc, "<r a=\"");
    text_xml_escape(&doc, all, sizeof all, TEXT_XML_ATTRIBUTE);
    sb_adds(&doc, "\">");
    text_xml_escape(&doc, all, sizeof all, TEXT_XML_CONTENT);
    sb_adds(&doc, "</r>");
    xmlDoc *d = xmlReadMemory(doc.buf, (int)doc.len, "t.xml", "UTF-8", XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    cr_assert_not_null(d, "escaped text did not parse");
    xmlFreeDoc(d);
    sb_release(&doc);
}

Test(text, utf8_prefix_never_splits_a_sequence)
{
    const char *s = "ab\xc3\xa9\xe2\x82\xac";   /* a b é € */
    cr_assert_eq(text_utf8_prefix(s, 7, 3), 2);
    cr_assert_eq(text_utf8_prefix(s, 7, 4), 4);
    cr_assert_eq(text_utf8_prefix(s, 7, 5), 4);
    cr_assert_eq(text_utf8_prefix(s, 7, 6), 4);
    cr_assert_eq(text_utf8_prefix(s, 7, 7), 7);
    cr_assert_eq(text_utf8_prefix(s, 7, 100), 7);
}

Test(text, head_tail_keeps_both_ends_and_says_what_was_left_out)
{
    strbuf in = STRBUF_INIT, out = STRBUF_INIT;
    for (int i = 0; i < 1000; i++)
        sb_addf(&in, "line %04d\n", i);
    text_head_tail(&out, in.buf, in.len, 2000, "see run.log");
    cr_assert_lt(out.len, 2200);
    cr_assert(strstr(out.buf, "line 0000\n"), "head kept");
    cr_assert(strstr(out.buf, "line 0999\n"), "tail kept");
    cr_assert_null(strstr(out.buf, "line 0500"), "middle dropped");
    cr_assert(strstr(out.buf, " bytes left out; see run.log ...]\n"), "%s", out.buf);
    /* the note says exactly how much is missing */
    size_t missing = 0;
    const char *note = strstr(out.buf, "[... ");
    cr_assert_eq(sscanf(note, "[... %zu bytes", &missing), 1);
    const char *after = strchr(note, '\n') + 1;
    cr_assert_eq((size_t)(note - out.buf) + missing + strlen(after), in.len);
    sb_reset(&out);
    text_head_tail(&out, "short", 5, 2000, NULL);
    cr_assert_str_eq(out.buf, "short");
    sb_release(&in);
    sb_release(&out);
}

Test(text, one_line_collapses_whitespace_and_cuts_utf8_safely)
{
    strbuf out = STRBUF_INIT;
    text_one_line(&out, "  two\n\tlines  here \r\n", 100);
    cr_assert_str_eq(out.buf, "two lines here");
    sb_reset(&out);
    text_one_line(&out, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8);
    cr_assert_str_eq(out.buf, "\xc3\xa9\xc3\xa9...");
    sb_release(&out);
}
