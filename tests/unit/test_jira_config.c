/* Unit tests for reporters/jira_config: pytest-jira's keys and ours from
 * jira.cfg, environment and -c in that order, checked values with their
 * origin, secrets registered and never quoted, deployment detection. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "reporters/jira_config.h"
#include "testutil.h"
#include "util/log.h"

static const char *write_cfg(const char *text)
{
    return tu_write(tu_tmpdir(), "jira.cfg", text);
}

static void clear_env(void)
{
    const char *vars[] = {"PYTEST_JIRA_URL", "PYTEST_JIRA_USERNAME", "PYTEST_JIRA_PASSWORD", "PYTEST_JIRA_TOKEN",
                          "MTV_JIRA_PROJECT", "MTV_JIRA_TOKEN", "BUILD_URL", "CI_JOB_URL", "GITHUB_RUN_ID"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        unsetenv(vars[i]);
}

Test(jira_config, reads_pytest_jira_keys_and_ours)
{
    clear_env();
    const char *path = write_cfg("[DEFAULT]\n"
                                 "url = https://issues.example.com/\n"
                                 "token = pat-0123456789abcdef\n"
                                 "ssl_verification = False\n"
                                 "version = 2.9.0\n"
                                 "components = Controller, UI\n"
                                 "marker_strategy = skip\n"
                                 "resolved_statuses = Closed,Resolved,Done\n"
                                 "resolved_resolutions = done\n"
                                 "run_test_case = no\n"
                                 "error_strategy = ignore\n"
                                 "connection_retry_total = 2\n"
                                 "connection_retry_backoff_factor = 0.5\n"
                                 "docs_search = False\n"
                                 "[mtv-validate]\n"
                                 "project = MTV\n"
                                 "labels = ci, nightly\n"
                                 "max_new_issues = 3\n"
                                 "on_regression = create\n"
                                 "resolved_by_category = yes\n");
    secret_registry *reg = secrets_new();
    jira_config c;
    mtv_err err;
    cr_assert_eq(jira_config_open(&c, path, NULL, 0, reg, &err), 0, "%s", err.msg);
    cr_assert_str_eq(c.url, "https://issues.example.com");
    cr_assert_eq(c.deployment, JIRA_DEPLOY_DC);
    cr_assert_eq(c.verify_tls, 0);
    cr_assert_str_eq(c.version, "2.9.0");
    cr_assert_eq(c.components.count, 2);
    cr_assert_str_eq(c.components.items[1], "UI");
    cr_assert_eq(c.not_found, JIRA_POLICY_SKIP);
    cr_assert_eq(c.resolved_statuses.count, 3);
    cr_assert_str_eq(c.resolved_statuses.items[2], "done", "statuses are compared in lower case");
    cr_assert_eq(c.run_default, 0);
    cr_assert_eq(c.on_error, JIRA_POLICY_IGNORE);
    cr_assert_eq(c.retries, 2);
    cr_assert_float_eq(c.backoff_s, 0.5, 1e-9);
    cr_assert_str_eq(c.project, "MTV");
    cr_assert_eq(c.labels.count, 2);
    cr_assert_eq(c.max_new_issues, 3);
    cr_assert_eq(c.regression_creates, 1);
    cr_assert_eq(c.resolved_by_category, 1);
    size_t off;
    cr_assert_str_eq(secrets_find(reg, "x pat-0123456789abcdef y", 24, &off), "jira.token");
    cr_assert_not_null(secrets_find(log_secrets(), "pat-0123456789abcdef", 20, &off), "not masked in logs");
    jira_config_free(&c);
    secrets_free(reg);
}

Test(jira_config, defaults_are_safe)
{
    clear_env();
    const char *path = write_cfg("[DEFAULT]\nurl = https://issues.example.com\n");
    jira_config c;
    mtv_err err;
    cr_assert_eq(jira_config_open(&c, path, NULL, 0, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(c.verify_tls, 1);
    cr_assert_eq(c.not_found, JIRA_POLICY_STRICT, "a 404 must not skip quietly by default");
    cr_assert_eq(c.on_error, JIRA_POLICY_STRICT);
    cr_assert_eq(c.run_default, 1);
    cr_assert_eq(c.resolved_statuses.count, 2);
    cr_assert_str_eq(c.issue_type, "Bug");
    cr_assert_str_eq(c.label_prefix, "mtvval");
    cr_assert_eq(jira_config_check_tickets(&c, &err), -1, "tickets without a project");
    cr_assert(strstr(err.msg, "no Jira project"), "%s", err.msg);
    jira_config_free(&c);
}

Test(jira_config, environment_then_options_win)
{
    clear_env();
    const char *path = write_cfg("[DEFAULT]\nurl = https://file.example.com\ntoken = file-token-123456\nproject = FILE\n");
    setenv("PYTEST_JIRA_URL", "https://env.example.com", 1);
    setenv("PYTEST_JIRA_TOKEN", "env-token-abcdef", 1);
    setenv("MTV_JIRA_PROJECT", "ENV", 1);
    setenv("BUILD_URL", "https://ci.example.com/job/7/", 1);
    const char *sets[] = {"project=CLI", "MAX_COMMENTS=4"};
    jira_config c;
    mtv_err err;
    cr_assert_eq(jira_config_open(&c, path, sets, 2, NULL, &err), 0, "%s", err.msg);
    cr_assert_str_eq(c.url, "https://env.example.com");
    cr_assert_str_eq(c.token, "env-token-abcdef");
    cr_assert_str_eq(c.project, "CLI");
    cr_assert_eq(c.max_comments, 4);
    cr_assert_str_eq(c.build_url, "https://ci.example.com/job/7/");
    cr_assert(strstr(c.sources, "$PYTEST_JIRA_TOKEN"), "%s", c.sources);
    jira_config_free(&c);
}

static void expect_error(const char *cfg, const char *const *sets, size_t n, const char *want, const char *never)
{
    clear_env();
    const char *path = write_cfg(cfg);
    jira_config c;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(jira_config_open(&c, path, sets, n, NULL, &err), -1, "accepted: %s", cfg);
    cr_assert(strstr(err.msg, want), "got: %s\nwanted: %s", err.msg, want);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    if (never)
        cr_assert_null(strstr(err.msg, never), "the message shows a secret: %s", err.msg);
    jira_config_free(&c);
}

Test(jira_config, bad_values_name_their_origin)
{
    expect_error("[DEFAULT]\nurl = https://a.example\nmarker_stratgy = skip\n", NULL, 0,
                 "jira.cfg:3: unknown Jira setting \"marker_stratgy\" (did you mean 'marker_strategy'?)", NULL);
    expect_error("[DEFAULT]\nurl = https://a.example\nconnection_error_strategy = ignore\n", NULL, 0,
                 "jira.cfg:3: unknown Jira setting \"connection_error_strategy\"", NULL);
    expect_error("[DEFAULT]\nurl = https://a.example\nssl_verification = maybe\n", NULL, 0,
                 "jira.cfg:3: ssl_verification = \"maybe\": expected a boolean", NULL);
    expect_error("[DEFAULT]\nurl = https://a.example\nerror_strategy = open\n", NULL, 0,
                 "error_strategy = \"open\": expected one of strict|skip|ignore", NULL);
    expect_error("[DEFAULT]\nurl = https://a.example\n", (const char *[]){"max_new_issues=5000"}, 1,
                 "-c max_new_issues: max_new_issues = \"5000\": expected a whole number from 0 to 1000", NULL);
    expect_error("[DEFAULT]\nurl = issues.example.com\n", NULL, 0, "jira.cfg:2: url = \"issues.example.com\": "
                 "expected an http:// or https:// URL", NULL);
    expect_error("[DEFAULT]\ntoken = t0ken-value-xyz\n", NULL, 0, "no Jira URL", "t0ken-value-xyz");
    expect_error("[DEFAULT]\nurl = https://a.example\npassword = hunter2-secret\n", NULL, 0,
                 "password is set without a username", "hunter2-secret");
    expect_error("[DEFAULT]\nurl = https://a.example\n", (const char *[]){"nonsense"}, 1,
                 "-c nonsense: expected KEY=VALUE", NULL);
    expect_error("[DEFAULT]\nurl = https://a.example\nproject = MTV X\n", NULL, 0, "expected a project key", NULL);
}

Test(jira_config, cloud_is_detected_and_needs_the_account_email)
{
    clear_env();
    jira_config c;
    mtv_err err;
    const char *path = write_cfg("[DEFAULT]\nurl = https://redhat.atlassian.net\nusername = bot@example.com\n"
                                 "token = cloud-api-token-123\n");
    cr_assert_eq(jira_config_open(&c, path, NULL, 0, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(c.deployment, JIRA_DEPLOY_CLOUD);
    jira_config_free(&c);
    expect_error("[DEFAULT]\nurl = https://redhat.atlassian.net\ntoken = cloud-api-token-123\n", NULL, 0,
                 "takes an API token with your account's e-mail", "cloud-api-token-123");
    /* an explicit deployment wins over the host name */
    path = write_cfg("[DEFAULT]\nurl = https://jira.corp.example\ndeployment = cloud\nusername = a@b.c\ntoken = x-token-12345\n");
    cr_assert_eq(jira_config_open(&c, path, NULL, 0, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(c.deployment, JIRA_DEPLOY_CLOUD);
    jira_config_free(&c);
}

Test(jira_config, file_errors_are_reported)
{
    clear_env();
    jira_config c;
    mtv_err err;
    cr_assert_eq(jira_config_open(&c, "/nonexistent/jira.cfg", NULL, 0, NULL, &err), -1);
    cr_assert(strstr(err.msg, "/nonexistent/jira.cfg"), "%s", err.msg);
    jira_config_free(&c);
    const char *path = write_cfg("url = https://a.example\n");
    cr_assert_eq(jira_config_open(&c, path, NULL, 0, NULL, &err), -1);
    cr_assert(strstr(err.msg, "jira.cfg:1: \"key = value\" before any section"), "%s", err.msg);
    jira_config_free(&c);
}
