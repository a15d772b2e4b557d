/*
 * ini: reading INI configuration files the way Python's ConfigParser does,
 * so files written for Python tools (pytest-jira's jira.cfg) read the same
 * here: "[section]" headers, "key = value" or "key: value", keys folded to
 * lower case, values trimmed, '#' and ';' comment lines, indented lines
 * continuing the previous value (joined with a newline), and the DEFAULT
 * section supplying values to every other section.
 *
 * Every entry remembers its line so that a checker can say where a bad value
 * is. Structural errors (a key before any section, a line that is neither a
 * section, a key nor a continuation, a key given twice in one section) fail
 * the load with "<file>:<line>: ..." as ConfigParser fails.
 *
 * Ownership: an ini_file owns its name and entries; ini_free releases them.
 */
#ifndef MTV_UTIL_INI_H
#define MTV_UTIL_INI_H

#include <stddef.h>

#include "util/err.h"

typedef struct ini_entry {
    char *section;     /* as written ("DEFAULT", "jira") */
    char *key;         /* lower case */
    char *value;       /* trimmed; continuation lines joined with '\n' */
    int line;          /* of the key */
} ini_entry;

typedef struct ini_file {
    char *name;        /* file name used in messages */
    ini_entry *items;  /* file order */
    size_t count, cap;
} ini_file;

/* Parses text (n bytes); name is used in messages. */
int ini_parse(ini_file *f, const char *name, const char *text, size_t n, mtv_err *err);
/* Reads and parses path. */
int ini_load(ini_file *f, const char *path, mtv_err *err);
void ini_free(ini_file *f);

/* The entry for key in section, falling back to DEFAULT as ConfigParser
 * does (section NULL or "DEFAULT" reads DEFAULT only). NULL when absent. */
const ini_entry *ini_get(const ini_file *f, const char *section, const char *key);

#endif
