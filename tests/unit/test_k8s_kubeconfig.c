/* Unit tests for kubeconfig loading: kubectl's sources and merge rules,
 * context resolution, file and data forms, relative paths, tokenFile, the
 * endpoint it yields, errors that name file, line and key, and credentials
 * masked in logs from the moment they are read. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/kubeconfig.h"
#include "testutil.h"
#include "util/codec.h"
#include "util/fs.h"
#include "util/log.h"

#define TOKEN "sha256~canary-kubeconfig-token-b7e1"
#define PEM_CA "-----BEGIN CERTIFICATE-----\nMIIBcanaryCA\n-----END CERTIFICATE-----\n"
#define PEM_KEY "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIcanaryKEYbytes0123\n-----END EC PRIVATE KEY-----\n"

static secret_registry *reg;

static void setup(void)
{
    log_set_level(LOG_OFF);
    reg = secrets_new();
    unsetenv("KUBECONFIG");
}

static void teardown(void)
{
    secrets_free(reg);
}

TestSuite(kubeconfig, .init = setup, .fini = teardown);

static char *b64(const char *s)
{
    strbuf out = STRBUF_INIT;
    b64_encode(&out, s, strlen(s));
    return sb_detach(&out, NULL);
}

static const char *lab_config(const char *dir, const char *name)
{
    char *ca = b64(PEM_CA);
    strbuf y = STRBUF_INIT;
    sb_addf(&y,
            "apiVersion: v1\n"
            "kind: Config\n"
            "clusters:\n"
            "- name: lab\n"
            "  cluster:\n"
            "    server: https://127.0.0.1:6443/\n"
            "    certificate-authority-data: %s\n"
            "contexts:\n"
            "- name: lab\n"
            "  context:\n"
            "    cluster: lab\n"
            "    user: admin\n"
            "    namespace: mtv\n"
            "current-context: lab\n"
            "users:\n"
            "- name: admin\n"
            "  user:\n"
            "    token: " TOKEN "\n",
            ca);
    const char *p = tu_write(dir, name, y.buf);
    sb_release(&y);
    free(ca);
    return p;
}

static void assert_load_fails(const char *path, const char *context, const char *want)
{
    kube_config kc;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(kubeconfig_load(&kc, path, context, reg, &err), -1, "loaded, expected: %s", want);
    cr_assert(strstr(err.msg, want), "message: %s\nexpected: %s", err.msg, want);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    cr_assert_null(kc.server);
}

Test(kubeconfig, the_current_context_resolves_cluster_user_and_namespace)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());   /* tu_* slots are reused */
    const char *path = lab_config(dir, "config");
    kube_config kc;
    mtv_err err;
    cr_assert_eq(kubeconfig_load(&kc, path, NULL, reg, &err), 0, "%s", err.msg);
    cr_assert_str_eq(kc.server, "https://127.0.0.1:6443");
    cr_assert_str_eq(kc.context, "lab");
    cr_assert_str_eq(kc.namespace_, "mtv");
    cr_assert_str_eq(kc.ca_data, PEM_CA);
    cr_assert_str_eq(kc.token, TOKEN);
    cr_assert_str_eq(kc.source, path);
    cr_assert_eq(kc.insecure, 0);
    size_t off;
    cr_assert_not_null(secrets_find(reg, "x " TOKEN " y", strlen(TOKEN) + 4, &off));
    kubeconfig_free(&kc);
    cr_assert_null(kc.token);
}

Test(kubeconfig, endpoint_carries_tls_auth_and_proxy)
{
    kube_config kc = {.server = "https://api.x:6443", .ca_data = PEM_CA, .token = TOKEN,
                      .client_cert_file = "/c.crt", .client_key_data = PEM_KEY,
                      .proxy_url = "http://proxy:3128"};
    net_endpoint ep;
    kubeconfig_endpoint(&kc, &ep);
    cr_assert_str_eq(ep.base_url, "https://api.x:6443");
    cr_assert_eq(ep.auth, NET_AUTH_BEARER);
    cr_assert_str_eq(ep.token, TOKEN);
    cr_assert_str_eq(ep.tls.ca_pem, PEM_CA);
    cr_assert_str_eq(ep.tls.cert_file, "/c.crt");
    cr_assert_str_eq(ep.tls.key_pem, PEM_KEY);
    cr_assert_eq(ep.tls.insecure, 0);
    cr_assert_str_eq(ep.proxy, "http://proxy:3128");
    kube_config basic = {.server = "https://api.x:6443", .username = "admin", .password = "secretpw1",
                         .insecure = 1};
    kubeconfig_endpoint(&basic, &ep);
    cr_assert_eq(ep.auth, NET_AUTH_BASIC);
    cr_assert_str_eq(ep.password, "secretpw1");
    cr_assert_eq(ep.tls.insecure, 1);
}

Test(kubeconfig, kubeconfig_list_merges_first_definition_wins)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());   /* tu_* slots are reused */
    const char *a = tu_write(dir, "a.yaml",
                             "clusters:\n"
                             "- name: shared\n"
                             "  cluster: {server: 'https://first:6443'}\n"
                             "users:\n"
                             "- name: u\n"
                             "  user: {token: first-token-123}\n");
    const char *b = tu_write(dir, "b.yaml",
                             "clusters:\n"
                             "- name: shared\n"
                             "  cluster: {server: 'https://second:6443'}\n"
                             "- name: other\n"
                             "  cluster: {server: 'https://other:6443', insecure-skip-tls-verify: true}\n"
                             "users:\n"
                             "- name: u\n"
                             "  user: {token: second-token-456}\n"
                             "contexts:\n"
                             "- {name: main, context: {cluster: shared, user: u}}\n"
                             "- {name: alt, context: {cluster: other, user: u, namespace: alt-ns}}\n"
                             "current-context: main\n");
    const char *c = tu_write(dir, "c.yaml", "current-context: alt\n");
    strbuf env = STRBUF_INIT;
    sb_addf(&env, "%s/missing.yaml::%s:%s:%s", dir, a, b, c);
    setenv("KUBECONFIG", env.buf, 1);
    kube_config kc;
    mtv_err err;
    cr_assert_eq(kubeconfig_load(&kc, NULL, NULL, reg, &err), 0, "%s", err.msg);
    cr_assert_str_eq(kc.context, "main");           /* b sets it before c does */
    cr_assert_str_eq(kc.server, "https://first:6443");
    cr_assert_str_eq(kc.token, "first-token-123");
    cr_assert_str_eq(kc.namespace_, "default");
    kubeconfig_free(&kc);
    cr_assert_eq(kubeconfig_load(&kc, NULL, "alt", reg, &err), 0, "%s", err.msg);
    cr_assert_str_eq(kc.server, "https://other:6443");
    cr_assert_eq(kc.insecure, 1);
    cr_assert_str_eq(kc.namespace_, "alt-ns");
    cr_assert(strstr(kc.source, "a.yaml") && strstr(kc.source, "b.yaml"), "%s", kc.source);
    kubeconfig_free(&kc);
    sb_release(&env);
}

Test(kubeconfig, explicit_path_wins_over_kubeconfig)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());   /* tu_* slots are reused */
    const char *path = lab_config(dir, "config");
    setenv("KUBECONFIG", "/nonexistent/a:/nonexistent/b", 1);
    kube_config kc;
    mtv_err err;
    cr_assert_eq(kubeconfig_load(&kc, path, NULL, reg, &err), 0, "%s", err.msg);
    kubeconfig_free(&kc);
    assert_load_fails(NULL, NULL, "KUBECONFIG=/nonexistent/a:/nonexistent/b names no file that exists");
    assert_load_fails("/nonexistent/kubeconfig", NULL, "kubeconfig /nonexistent/kubeconfig does not exist");
}

Test(kubeconfig, home_kube_config_is_the_default)
{
    const char *home = tu_tmpdir();
    strbuf kube = STRBUF_INIT;
    fs_join(&kube, home, ".kube");
    mtv_err err;
    cr_assert_eq(fs_mkdir_p(kube.buf, 0700, &err), 0);
    setenv("HOME", home, 1);
    assert_load_fails(NULL, NULL, "no cluster access configured");
    assert_load_fails(NULL, NULL, "CLUSTER_HOST");
    lab_config(kube.buf, "config");
    kube_config kc;
    cr_assert_eq(kubeconfig_load(&kc, NULL, NULL, reg, &err), 0, "%s", err.msg);
    cr_assert(strstr(kc.source, "/.kube/config"));
    kubeconfig_free(&kc);
    sb_release(&kube);
}

Test(kubeconfig, relative_files_resolve_against_the_kubeconfig_folder)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());   /* tu_* slots are reused */
    tu_write(dir, "ca.crt", PEM_CA);
    tu_write(dir, "client.crt", "-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n");
    tu_write(dir, "client.key", PEM_KEY);
    tu_write(dir, "token", "  " TOKEN "\n\n");
    const char *path = tu_write(dir, "config",
                                "clusters:\n"
                                "- name: c\n"
                                "  cluster:\n"
                                "    server: https://api.example:6443\n"
                                "    certificate-authority: ca.crt\n"
                                "    proxy-url: http://proxy.example:3128\n"
                                "users:\n"
                                "- name: u\n"
                                "  user:\n"
                                "    client-certificate: client.crt\n"
                                "    client-key: client.key\n"
                                "    token: stale-token-overridden\n"
                                "    tokenFile: token\n"
                                "contexts:\n"
                                "- name: x\n"
                                "  context: {cluster: c, user: u}\n"
                                "current-context: x\n");
    kube_config kc;
    mtv_err err;
    cr_assert_eq(kubeconfig_load(&kc, path, NULL, reg, &err), 0, "%s", err.msg);
    strbuf want = STRBUF_INIT;
    fs_join(&want, dir, "ca.crt");
    cr_assert_str_eq(kc.ca_file, want.buf);
    fs_join(&want, dir, "client.key");
    cr_assert_str_eq(kc.client_key_file, want.buf);
    cr_assert_str_eq(kc.token, "  " TOKEN, "tokenFile wins, trailing whitespace trimmed");
    cr_assert_str_eq(kc.proxy_url, "http://proxy.example:3128");
    size_t off;
    /* the key file's contents are known secrets too */
    cr_assert_not_null(secrets_find(reg, PEM_KEY, strlen(PEM_KEY), &off));
    kubeconfig_free(&kc);
    sb_release(&want);
}

Test(kubeconfig, data_forms_override_files_and_anchors_work)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());   /* tu_* slots are reused */
    char *ca = b64(PEM_CA), *key = b64(PEM_KEY);
    strbuf y = STRBUF_INIT;
    sb_addf(&y,
            "clusters:\n"
            "- name: c\n"
            "  cluster: &cl\n"
            "    server: \"https://api.example:6443\"\n"
            "    certificate-authority: /does/not/matter/if/unread\n"
            "    certificate-authority-data: %s\n"
            "- name: copy\n"
            "  cluster: *cl\n"
            "users:\n"
            "- name: u\n"
            "  user:\n"
            "    client-certificate-data: %s\n"
            "    client-key-data: %s\n"
            "contexts:\n"
            "- name: x\n"
            "  context: {cluster: copy, user: u}\n",
            ca, ca, key);
    const char *path = tu_write(dir, "config", y.buf);
    kube_config kc;
    mtv_err err;
    /* an unreadable CA file is an error even when data overrides it */
    assert_load_fails(path, "x", "clusters[name=copy].cluster.certificate-authority: cannot read "
                                 "/does/not/matter/if/unread");
    sb_reset(&y);
    sb_addf(&y,
            "clusters:\n"
            "- name: c\n"
            "  cluster: &cl\n"
            "    server: \"https://api.example:6443\"\n"
            "    certificate-authority-data: %s\n"
            "- name: copy\n"
            "  cluster: *cl\n"
            "users:\n"
            "- name: u\n"
            "  user:\n"
            "    client-certificate-data: %s\n"
            "    client-key-data: %s\n"
            "contexts:\n"
            "- name: x\n"
            "  context: {cluster: copy, user: u}\n",
            ca, ca, key);
    path = tu_write(dir, "config2", y.buf);
    cr_assert_eq(kubeconfig_load(&kc, path, "x", reg, &err), 0, "%s", err.msg);
    cr_assert_str_eq(kc.server, "https://api.example:6443");
    cr_assert_str_eq(kc.client_key_data, PEM_KEY);
    cr_assert_null(kc.token);
    size_t off;
    cr_assert_not_null(secrets_find(reg, key, strlen(key), &off), "the key is masked in base64 too");
    kubeconfig_free(&kc);
    free(ca);
    free(key);
    sb_release(&y);
}

Test(kubeconfig, errors_name_file_line_and_key)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());   /* tu_* slots are reused */
    const char *p;

    p = tu_write(dir, "syntax.yaml", "clusters:\n- name: c\n  cluster: {server: [\n");
    assert_load_fails(p, NULL, "syntax.yaml:4:1: not valid YAML");

    p = tu_write(dir, "noserver.yaml",
                 "clusters:\n- name: c\n  cluster:\n    insecure-skip-tls-verify: true\n"
                 "contexts:\n- {name: x, context: {cluster: c}}\ncurrent-context: x\n");
    assert_load_fails(p, NULL, "noserver.yaml:4:5: clusters[name=c].cluster.server: missing; expected "
                               "the API server URL");

    p = tu_write(dir, "type.yaml",
                 "clusters:\n- name: c\n  cluster:\n    server: [a, b]\n"
                 "contexts:\n- {name: x, context: {cluster: c}}\ncurrent-context: x\n");
    assert_load_fails(p, NULL, "type.yaml:4:13: clusters[name=c].cluster.server: expected a string, found a list");

    p = tu_write(dir, "scheme.yaml",
                 "clusters:\n- name: c\n  cluster:\n    server: api.example:6443\n"
                 "contexts:\n- {name: x, context: {cluster: c}}\ncurrent-context: x\n");
    assert_load_fails(p, NULL, "scheme.yaml:4:13: clusters[name=c].cluster.server: 'api.example:6443' is "
                               "not an https:// or http:// URL");

    p = tu_write(dir, "nocluster.yaml",
                 "clusters:\n- name: lab\n  cluster: {server: 'https://a:1'}\n"
                 "contexts:\n- name: x\n  context:\n    cluster: lba\n"
                 "current-context: x\n");
    assert_load_fails(p, NULL, "nocluster.yaml:7:14: contexts[name=x].context.cluster: no cluster named "
                               "'lba' (did you mean 'lab'?); clusters: lab");

    p = tu_write(dir, "nouser.yaml",
                 "clusters:\n- name: lab\n  cluster: {server: 'https://a:1'}\n"
                 "contexts:\n- name: x\n  context: {cluster: lab, user: ghost}\n"
                 "current-context: x\n");
    assert_load_fails(p, NULL, "nouser.yaml:6:33: contexts[name=x].context.user: no user named 'ghost'; "
                               "no users are defined");

    p = tu_write(dir, "dup.yaml",
                 "clusters:\n- name: c\n  cluster:\n    server: https://a:1\n    server: https://b:1\n"
                 "contexts:\n- {name: x, context: {cluster: c}}\ncurrent-context: x\n");
    assert_load_fails(p, NULL, "dup.yaml:5:5: clusters[name=c].cluster.server: duplicate key (first given "
                               "on line 4)");

    p = tu_write(dir, "b64.yaml",
                 "clusters:\n- name: c\n  cluster:\n    server: https://a:1\n"
                 "    certificate-authority-data: '***not base64***'\n"
                 "contexts:\n- {name: x, context: {cluster: c}}\ncurrent-context: x\n");
    assert_load_fails(p, NULL, "b64.yaml:5:33: clusters[name=c].cluster.certificate-authority-data: "
                               "expected base64-encoded PEM data");

    p = tu_write(dir, "bool.yaml",
                 "clusters:\n- name: c\n  cluster:\n    server: https://a:1\n"
                 "    insecure-skip-tls-verify: maybe\n"
                 "contexts:\n- {name: x, context: {cluster: c}}\ncurrent-context: x\n");
    assert_load_fails(p, NULL, "bool.yaml:5:31: clusters[name=c].cluster.insecure-skip-tls-verify: "
                               "expected true or false, found 'maybe'");

    char *ca = b64(PEM_CA);
    strbuf y = STRBUF_INIT;
    sb_addf(&y, "clusters:\n- name: c\n  cluster:\n    server: https://a:1\n"
                "    certificate-authority-data: %s\n    insecure-skip-tls-verify: true\n"
                "contexts:\n- {name: x, context: {cluster: c}}\ncurrent-context: x\n", ca);
    p = tu_write(dir, "insecure.yaml", y.buf);
    assert_load_fails(p, NULL, "insecure.yaml:6:31: clusters[name=c].cluster: insecure-skip-tls-verify "
                               "cannot be combined with certificate-authority");
    free(ca);
    sb_release(&y);

    p = tu_write(dir, "tokenfile.yaml",
                 "clusters:\n- name: c\n  cluster: {server: 'https://a:1'}\n"
                 "users:\n- name: u\n  user:\n    tokenFile: gone.token\n"
                 "contexts:\n- {name: x, context: {cluster: c, user: u}}\ncurrent-context: x\n");
    assert_load_fails(p, NULL, "tokenfile.yaml:7:16: users[name=u].user.tokenFile: ");
    assert_load_fails(p, NULL, "gone.token");

    p = tu_write(dir, "halfcert.yaml",
                 "clusters:\n- name: c\n  cluster: {server: 'https://a:1'}\n"
                 "users:\n- name: u\n  user:\n    client-certificate-data: Zm9vYmFy\n"
                 "contexts:\n- {name: x, context: {cluster: c, user: u}}\ncurrent-context: x\n");
    assert_load_fails(p, NULL, "halfcert.yaml:7:5: users[name=u].user: client-certificate is given without "
                               "client-key");

    p = tu_write(dir, "exec.yaml",
                 "clusters:\n- name: c\n  cluster: {server: 'https://a:1'}\n"
                 "users:\n- name: u\n  user:\n    exec:\n      command: aws\n"
                 "contexts:\n- {name: x, context: {cluster: c, user: u}}\ncurrent-context: x\n");
    assert_load_fails(p, NULL, "exec.yaml:8:7: users[name=u].user.exec: credential plugins are not supported");

    p = tu_write(dir, "shape.yaml", "- just\n- a list\n");
    assert_load_fails(p, NULL, "shape.yaml:1:1: expected a kubeconfig (a mapping with clusters, users and "
                               "contexts), found a list");

    p = tu_write(dir, "noname.yaml", "clusters:\n- cluster: {server: 'https://a:1'}\n");
    assert_load_fails(p, NULL, "noname.yaml:2:3: clusters[0]: the entry has no name");
}

Test(kubeconfig, context_problems_list_what_exists)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());   /* tu_* slots are reused */
    const char *path = lab_config(dir, "config");
    assert_load_fails(path, "labb", "context 'labb' is not defined (did you mean 'lab'?); contexts: lab");
    const char *p = tu_write(dir, "nocurrent.yaml",
                             "clusters:\n- name: c\n  cluster: {server: 'https://a:1'}\n"
                             "contexts:\n- {name: one, context: {cluster: c}}\n"
                             "- {name: two, context: {cluster: c}}\n");
    assert_load_fails(p, NULL, "nocurrent.yaml sets no current-context; pass --context NAME; contexts: one, two");
    p = tu_write(dir, "badcurrent.yaml",
                 "clusters:\n- name: c\n  cluster: {server: 'https://a:1'}\n"
                 "contexts:\n- {name: one, context: {cluster: c}}\ncurrent-context: onr\n");
    assert_load_fails(p, NULL, "badcurrent.yaml:6:18: current-context: context 'onr' is not defined (did you "
                               "mean 'one'?)");
    p = tu_write(dir, "empty.yaml", "");
    assert_load_fails(p, NULL, "empty.yaml sets no current-context; pass --context NAME; no contexts are "
                               "defined");
}

Test(kubeconfig, credentials_are_masked_in_the_log_from_the_start)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());   /* tu_* slots are reused */
    const char *path = lab_config(dir, "config");
    strbuf logp = STRBUF_INIT;
    fs_join(&logp, dir, "run.log");
    mtv_err err;
    cr_assert_eq(log_set_file(logp.buf, LOG_DEBUG, &err), 0, "%s", err.msg);
    kube_config kc;
    cr_assert_eq(kubeconfig_load(&kc, path, NULL, reg, &err), 0, "%s", err.msg);
    char *enc = b64(TOKEN);
    log_error("a careless line with %s and %s", kc.token, enc);
    log_shutdown();
    size_t n;
    char *text = tu_read(logp.buf, &n);
    cr_assert_not_null(text);
    cr_assert(tu_contains(text, n, "a careless line"));
    cr_assert(!tu_contains(text, n, "canary-kubeconfig-token"), "%s", text);
    cr_assert(!tu_contains(text, n, enc), "%s", text);
    cr_assert(tu_contains(text, n, "<redacted:kubeconfig.token>"), "%s", text);
    free(text);
    free(enc);
    kubeconfig_free(&kc);
    sb_release(&logp);
}
