/*
 * cluster: commands about the cluster a run talks to. `cluster check`
 * resolves access exactly as a run does (k8s/access.h), logs in when
 * CLUSTER_* say so, and asks the API server who we are and whether the
 * APIs a migration needs (Forklift, KubeVirt) are served, so a missing
 * token, an untrusted CA or an uninstalled operator shows up in seconds
 * instead of at the first step of a long run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "k8s/access.h"
#include "k8s/client.h"
#include "util/log.h"

static const cli_command cluster_commands[] = {
    {"check", "check cluster access: credentials, TLS, identity and the MTV and KubeVirt APIs",
     cmd_cluster_check},
    {NULL, NULL, NULL},
};

int cmd_cluster(int argc, char **argv)
{
    return cli_dispatch("cluster", "commands about the cluster a run talks to", cluster_commands,
                        argc, argv);
}

/* An API group-version the validator needs: served, and how many resources. */
typedef struct api_need {
    const char *label;
    const char *path;          /* discovery document */
    const char *want;          /* a resource that must be listed */
    const char *missing_hint;
} api_need;

static const api_need needs[] = {
    {"forklift", "/apis/forklift.konveyor.io/v1beta1", "plans",
     "the Migration Toolkit for Virtualization (Forklift) operator is not installed"},
    {"kubevirt", "/apis/kubevirt.io/v1", "virtualmachines",
     "OpenShift Virtualization (KubeVirt) is not installed"},
    {NULL, NULL, NULL, NULL},
};

static int has_resource(const cJSON *doc, const char *name)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(doc, "resources"))
        if (!strcmp(k8s_obj_str(r, "name") ? k8s_obj_str(r, "name") : "", name))
            return 1;
    return 0;
}

/* One row of the report; problems make the check fail. */
static void row(cJSON *report, strbuf *text, const char *key, const char *value)
{
    cJSON_AddStringToObject(report, key, value);
    sb_addf(text, "  %-11s %s\n", key, value);
}

static void problem(cJSON *problems, strbuf *text, const char *key, const char *msg)
{
    cJSON_AddItemToArray(problems, cJSON_CreateString(msg));
    sb_addf(text, "  %-11s PROBLEM: %s\n", key, msg);
}

static void check_cluster(k8s_client *c, cJSON *report, cJSON *problems, strbuf *text)
{
    mtv_err err;
    cJSON *v = NULL;
    if (k8s_get_raw(c, "/version", &v, &err) < 0) {
        problem(problems, text, "kubernetes", err.msg);
        return;   /* nothing else will answer either */
    }
    const char *gv = k8s_obj_str(v, "gitVersion");
    row(report, text, "kubernetes", gv ? gv : "(no gitVersion)");
    cJSON_Delete(v);

    cJSON *user = NULL;
    if (k8s_get_raw(c, "/apis/user.openshift.io/v1/users/~", &user, &err) == 0) {
        const char *name = k8s_obj_str(user, "metadata.name");
        row(report, text, "user", name ? name : "(unnamed)");
    } else {
        log_debug("%s", err.msg);
        row(report, text, "user", "unknown (not an OpenShift API server)");
    }
    cJSON_Delete(user);

    for (const api_need *n = needs; n->label; n++) {
        cJSON *doc = NULL;
        strbuf line = STRBUF_INIT;
        if (k8s_get_raw(c, n->path, &doc, &err) < 0) {
            sb_addf(&line, "%s is not served: %s (%s)", n->path + strlen("/apis/"), n->missing_hint,
                    err.msg);
            problem(problems, text, n->label, line.buf);
        } else if (!has_resource(doc, n->want)) {
            sb_addf(&line, "%s does not list %s", n->path + strlen("/apis/"), n->want);
            problem(problems, text, n->label, line.buf);
        } else {
            sb_addf(&line, "%s: %d resources", n->path + strlen("/apis/"),
                    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "resources")));
            row(report, text, n->label, line.buf);
        }
        cJSON_Delete(doc);
        sb_release(&line);
    }
}

int cmd_cluster_check(int argc, char **argv)
{
    static cli_common common;
    static const char *kubeconfig, *context;
    static int as_json;
    static const opt_def options[] = {
        {OPT_STRING, 0, "kubeconfig", "PATH", "Kubeconfig file to use (kubectl's --kubeconfig).",
         "CLUSTER_* login, else $KUBECONFIG, else ~/.kube/config", &kubeconfig, 0, 0, 0},
        {OPT_STRING, 0, "context", "NAME", "Kubeconfig context to use.", "the current-context",
         &context, 0, 0, 0},
        {OPT_FLAG, 0, "json", NULL, "Print the result as one JSON object.", NULL, &as_json, 0, 0, 0},
        CLI_COMMON_OPTIONS(&common),
        {0},
    };
    static const cli_doc doc = {
        .name = "cluster check",
        .summary = "check cluster access: credentials, TLS, identity and the MTV and KubeVirt APIs",
        .usage = "cluster check [--kubeconfig PATH] [--context NAME] [--json]",
        .description =
            "Resolves cluster access the way a run does: --kubeconfig or --context select a "
            "kubeconfig; otherwise CLUSTER_HOST, CLUSTER_USERNAME and CLUSTER_PASSWORD log in "
            "through the OpenShift OAuth server (CLUSTER_VERIFY_SSL=false skips TLS verification, "
            "CLUSTER_CA_BUNDLE names a CA file); otherwise $KUBECONFIG, else ~/.kube/config. "
            "Then it asks the API server for its version and for the user the credentials "
            "belong to, and checks that the Forklift (forklift.konveyor.io/v1beta1) and KubeVirt "
            "(kubevirt.io/v1) APIs are served.\n\n"
            "TLS is verified against the kubeconfig's certificate authority (or the system's) "
            "unless the kubeconfig sets insecure-skip-tls-verify. Credentials never appear in "
            "the output or the log. Exit 0 when everything answers, 3 when the cluster cannot "
            "be reached or an API is missing, 2 when the configuration is wrong. See "
            "docs/cluster-access.md.",
        .examples = "$ mtv-validate cluster check\n"
                    "  the current context of $KUBECONFIG or ~/.kube/config\n"
                    "$ mtv-validate cluster check --kubeconfig /tmp/lab/kubeconfig\n"
                    "  a lab started with `mtv-validate lab serve --state-dir /tmp/lab`\n"
                    "$ CLUSTER_HOST=https://api.ocp.example:6443 CLUSTER_USERNAME=kubeadmin \\\n"
                    "  CLUSTER_PASSWORD=... mtv-validate cluster check --json\n"
                    "  log in with a password, as upstream's suite does",
        .options = options,
    };
    char **pos;
    int npos;
    int rc = cli_parse(&doc, &common, argc, argv, &pos, &npos);
    if (rc)
        return rc > 0 ? MTV_EXIT_OK : MTV_EXIT_USAGE;
    if (npos > 0) {
        fprintf(stderr, "mtv-validate cluster check: unexpected argument '%s'\n", pos[0]);
        free(pos);
        return MTV_EXIT_USAGE;
    }
    free(pos);
    mtv_err err;
    mtv_err_clear(&err);
    transport *t = NULL;
    transport_config cfg = {.mode = TRANSPORT_LIVE};
    if (transport_open(&t, &cfg, &err) < 0)
        return cli_fail(&err);
    kube_config kc;
    if (k8s_access_resolve(&kc, kubeconfig, context, t, log_secrets(), &err) < 0) {
        transport_free(t);
        return cli_fail(&err);
    }
    k8s_client *c = NULL;
    if (k8s_client_new(&c, &kc, t, &err) < 0) {
        kubeconfig_free(&kc);
        transport_free(t);
        return cli_fail(&err);
    }
    cJSON *report = cJSON_CreateObject();
    cJSON *problems = cJSON_CreateArray();
    strbuf text = STRBUF_INIT, access = STRBUF_INIT;
    sb_addf(&access, "%s (context %s)", kc.source, kc.context);
    row(report, &text, "access", access.buf);
    row(report, &text, "server", kc.server);
    row(report, &text, "namespace", kc.namespace_);
    row(report, &text, "tls", kc.insecure ? "NOT verified (insecure-skip-tls-verify)"
                              : kc.ca_file || kc.ca_data ? "verified against the configured CA"
                                                         : "verified against the system CAs");
    check_cluster(c, report, problems, &text);
    int ok = cJSON_GetArraySize(problems) == 0;
    cJSON_AddBoolToObject(report, "ok", ok);
    cJSON_AddItemToObject(report, "problems", problems);
    strbuf out = STRBUF_INIT;
    if (as_json) {
        char *j = cJSON_PrintUnformatted(report);
        sb_adds(&out, j);
        sb_addc(&out, '\n');
        free(j);
    } else {
        sb_addf(&out, "cluster access %s\n%s", ok ? "ok" : "has problems", text.buf);
    }
    strbuf masked = STRBUF_INIT;
    secrets_mask(log_secrets(), out.buf, out.len, &masked);
    fputs(masked.buf, stdout);
    cJSON_Delete(report);
    sb_release(&text);
    sb_release(&access);
    sb_release(&out);
    sb_release(&masked);
    k8s_client_free(c);
    kubeconfig_free(&kc);
    transport_free(t);
    return ok ? MTV_EXIT_OK : MTV_EXIT_ENV;
}
