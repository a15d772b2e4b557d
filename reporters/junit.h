/*
 * junit: the run's results as JUnit XML, the file every CI system reads.
 *
 * The shape follows pytest's xunit2 output, which the Jenkins xUnit schema
 * (shared/reference/junit/jenkins-xunit-junit-10.xsd) accepts and Jenkins,
 * GitLab, GitHub reporters and xunit-viewer all read:
 *
 *   <testsuites name tests failures errors time>
 *     <testsuite name=<scenario test name> tests failures errors skipped
 *                time timestamp hostname file=<scenario file>>
 *       <properties> provider, provider_version, storage_class, mtv_version,
 *                    cluster, run_id, cassette, then any other run property
 *       <testcase classname=<scenario> name=<step>-<provider>-<storage_class> time>
 *         <failure message=...>detail</failure>            failed
 *         <error message=...>detail</error>                error
 *         <skipped type="pytest.skip" message=reason>file: reason</skipped>
 *         <skipped type="pytest.xfail" message=reason/>    expected failure
 *         <system-out>the step's log</system-out>
 *
 * One testsuite per scenario (pytest writes one for the session) so that a
 * scenario's file and cassette can be said where the schema allows: the
 * schema has no file attribute on testcase; junit_opts.testcase_file adds it
 * for GitLab, which shows it, at the cost of schema validity. An xpassed step
 * is a passing testcase, as pytest writes a non-strict XPASS.
 *
 * Every text goes through the secret registry, loses terminal escape
 * sequences, is cut head and tail past a size limit with a note, and has
 * XML-illegal characters written as visible "#xHH" text. Files are written
 * atomically.
 *
 * Ownership: results are only read; junit_read returns a run the caller
 * frees with results_free.
 */
#ifndef MTV_REPORTERS_JUNIT_H
#define MTV_REPORTERS_JUNIT_H

#include <stddef.h>

#include "runner/results.h"
#include "util/err.h"
#include "util/secrets.h"
#include "util/strbuf.h"

#define JUNIT_DEFAULT_MAX_OUTPUT 100000

typedef struct junit_opts {
    const char *name;                 /* <testsuites name>; NULL = "mtv-validate" */
    size_t max_output;                /* per testcase system-out and failure text; 0 = default */
    const char *hostname;             /* NULL = this host's name */
    const char *log_hint;             /* where whole logs are, named in truncation notes */
    int testcase_file;                /* also write file= on each testcase (not schema-valid) */
    const secret_registry *secrets;   /* NULL = the logger's registry */
} junit_opts;

/* Appends the XML document for r (o may be NULL for defaults). */
void junit_render(const run_results *r, const junit_opts *o, strbuf *out);
/* Renders and writes path atomically. */
int junit_write(const run_results *r, const junit_opts *o, const char *path, mtv_err *err);

/*
 * Reads a JUnit file back into a run (for `report jira`): one scenario per
 * classname, steps from testcases (status from failure, error, skipped with
 * type pytest.xfail or not, else passed), the step's name with the
 * "-<provider>-<storage_class>" suffix removed when the suite's properties
 * give them, run properties and cassettes from the suites' properties.
 * Errors name the file, line and what was expected.
 */
run_results *junit_read(const char *path, mtv_err *err);

/*
 * Merges the JUnit files of shards into one: every <testsuite> of every
 * input (whose root is <testsuites> or <testsuite>) under one <testsuites>
 * whose totals are recomputed. A testcase (classname, name) present in two
 * inputs is kept and reported in warnings (GitLab would show only the
 * first). Writes out_path atomically.
 */
int junit_merge(const char *const *inputs, size_t n, const char *out_path, strbuf *warnings,
                mtv_err *err);

#endif
