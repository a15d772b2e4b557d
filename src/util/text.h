/*
 * text: shaping untrusted text for the places reports put it: XML 1.0
 * documents (JUnit), single-line fields (Jira summaries, XML attributes) and
 * size-limited bodies (JUnit system-out, Jira descriptions).
 *
 * Step logs and failure messages come from tools that colour their output
 * and from remote systems that may send any bytes, so every function here
 * accepts arbitrary bytes (invalid UTF-8, NULs, ANSI escape sequences) and
 * produces well-formed output. All of them append to out.
 */
#ifndef MTV_UTIL_TEXT_H
#define MTV_UTIL_TEXT_H

#include <stddef.h>

#include "util/strbuf.h"

/* s[0..n) without terminal escape sequences: CSI ("ESC [ ... final byte",
 * colours and cursor moves), OSC ("ESC ] ... BEL" or "... ESC \") and
 * the other escapes ("ESC c", "ESC ( B"). A lone ESC at the very end is
 * dropped too. */
void text_strip_ansi(strbuf *out, const char *s, size_t n);

enum { TEXT_XML_CONTENT = 0, TEXT_XML_ATTRIBUTE = 1 };

/* s[0..n) as XML 1.0 character data: & < > " ' become entities (so "]]>"
 * can never appear), and every byte that is not valid UTF-8, or encodes a
 * code point XML 1.0 forbids (controls other than tab, newline and carriage
 * return, surrogates, U+FFFE, U+FFFF), is written as the visible text
 * "#xHH" the way pytest does (a character reference would itself be
 * illegal). In attribute mode tab, newline and carriage return become
 * character references so parsers keep them. */
void text_xml_escape(strbuf *out, const char *s, size_t n, int mode);

/* The largest k <= max such that s[0..k) does not end inside a UTF-8
 * sequence (k = n when n <= max). */
size_t text_utf8_prefix(const char *s, size_t n, size_t max);

/* s[0..n) when n <= max, else about max/2 bytes from its start and from its
 * end joined by the line "[... N bytes left out<hint> ...]", where hint
 * (may be NULL) says where the whole text is. Cuts fall at line starts
 * when one is within 200 bytes (the tail may then be up to 200 bytes
 * longer, so its first line is whole), never inside a UTF-8 sequence. */
void text_head_tail(strbuf *out, const char *s, size_t n, size_t max, const char *hint);

/* s on one line: runs of whitespace (newlines included) become one space,
 * leading and trailing space is dropped, and the result is cut to at most
 * max bytes (UTF-8 safe, ending in "..." when cut; max >= 4). */
void text_one_line(strbuf *out, const char *s, size_t max);

#endif
