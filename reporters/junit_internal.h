/*
 * junit_internal: what the JUnit reader and merger share and nothing else
 * needs: parsing a report file with libxml2 into a tree whose root is known
 * to be <testsuites> or <testsuite>. Errors name the file and line.
 */
#ifndef MTV_REPORTERS_JUNIT_INTERNAL_H
#define MTV_REPORTERS_JUNIT_INTERNAL_H

#include <libxml/tree.h>

#include "util/err.h"

/* The caller frees the tree with xmlFreeDoc. */
xmlDoc *junit_parse_file(const char *path, mtv_err *err);

#endif
