/*
 * jirastub: a small stateful Jira for tests, on the test server.
 *
 * It keeps issues (key, summary, labels, status, status category,
 * resolution, resolution date), their comments, remote links (by globalId)
 * and attachments, and answers the requests the reporters send, on Cloud
 * paths (/rest/api/3: search/jql, issue/bulkfetch) or Data Center paths
 * (/rest/api/2: search): create issue, comment list and add, remote link,
 * attachment. Searches understand the two JQL forms the reporters write
 * ("key in (...)" and "project = P AND labels in (...)"), newest first.
 *
 * Tests can make the next requests to a path fail (status, Retry-After) or
 * go unanswered, and read everything back. Thread-safe.
 */
#ifndef MTV_JIRASTUB_H
#define MTV_JIRASTUB_H

#include <stddef.h>

#include "testserver.h"

typedef struct jirastub jirastub;

/* Starts a test server with the stand-in routed on it (cloud = 1: v3). */
jirastub *jirastub_start(int cloud);
void jirastub_stop(jirastub *j);
const char *jirastub_url(const jirastub *j);
ts_server *jirastub_server(jirastub *j);

/* Adds an issue; labels comma-separated; resolution/resolved_at may be NULL. */
void jirastub_add_issue(jirastub *j, const char *key, const char *status, const char *category,
                        const char *resolution, const char *resolved_at, const char *labels);
void jirastub_set_status(jirastub *j, const char *key, const char *status, const char *category,
                         const char *resolution, const char *resolved_at);

/* The next n requests whose path starts with prefix (method NULL = any)
 * answer status with Retry-After (may be NULL), or, with status 0, drop the
 * connection after the request was processed ("the answer was lost"). */
void jirastub_fail(jirastub *j, const char *method, const char *prefix, int status,
                   const char *retry_after, int n);

size_t jirastub_issue_count(jirastub *j);
/* Issues created through the API (not added by the test). */
size_t jirastub_created(jirastub *j);
size_t jirastub_comment_count(jirastub *j, const char *key);
/* The i-th comment body of key as sent (JSON text), NULL when absent. */
const char *jirastub_comment(jirastub *j, const char *key, size_t i);
size_t jirastub_remote_links(jirastub *j, const char *key);
size_t jirastub_attachments(jirastub *j, const char *key);
/* The key of the newest issue carrying label, or NULL. */
const char *jirastub_key_with_label(jirastub *j, const char *label);
/* The JSON body of the create request that made key (NULL when not created). */
const char *jirastub_create_body(jirastub *j, const char *key);
/* Requests seen whose path contains part (method NULL = any). */
size_t jirastub_requests(jirastub *j, const char *method, const char *part);

/* Everything at once, as JSON for processes that inspect the stand-in from
 * outside (tests/peers/jirastub): {"issues": [{key, status, created,
 * create_body, labels, comments (bodies as sent), remote_links (globalIds),
 * attachments}], "requests": [{method, uri, body}]}. The caller frees it. */
char *jirastub_state_json(jirastub *j);

#endif
