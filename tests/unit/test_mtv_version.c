/* Unit tests for mtv/version: the MTV release read from the operator's OLM
 * objects on a test server that answers as the API server would: through
 * the Subscription's installedCSV, through the CSV list when no
 * Subscription names one, and clear errors when neither says. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "mtv/version.h"
#include "testserver.h"
#include "util/log.h"

#define OLM "/apis/operators.coreos.com/v1alpha1/namespaces/openshift-mtv"

static ts_server *srv;
static transport *tp;
static kube_config kc;
static k8s_client *cl;

static void setup(void)
{
    log_set_level(LOG_ERROR);
    srv = ts_start(TS_HTTP);
    transport_config cfg = {.mode = TRANSPORT_LIVE, .has_seed = 1, .seed = 1};
    mtv_err err;
    cr_assert_eq(transport_open(&tp, &cfg, &err), 0, "%s", err.msg);
    memset(&kc, 0, sizeof kc);
    kc.server = strdup(ts_url(srv));
    kc.namespace_ = strdup("default");
    kc.token = strdup("t");
    cr_assert_eq(k8s_client_new(&cl, &kc, tp, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
    k8s_client_free(cl);
    kubeconfig_free(&kc);
    transport_free(tp);
    ts_stop(srv);
}

TestSuite(mtv_version, .init = setup, .fini = teardown);

static void answer(const char *path, int status, const char *json)
{
    ts_route_static(srv, "GET", path, status, "application/json", json, strlen(json));
}

#define EMPTY_LIST "{\"kind\":\"List\",\"metadata\":{},\"items\":[]}"
#define NOT_FOUND "{\"kind\":\"Status\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404}"

Test(mtv_version, from_the_subscription_installed_csv)
{
    answer(OLM "/subscriptions", 200,
           "{\"items\":[{\"metadata\":{\"name\":\"other\"},\"spec\":{\"name\":\"kubevirt-hyperconverged\"},"
           "\"status\":{\"installedCSV\":\"kubevirt-hyperconverged-operator.v4.19.0\"}},"
           "{\"metadata\":{\"name\":\"mtv-operator\"},\"spec\":{\"name\":\"mtv-operator\"},"
           "\"status\":{\"installedCSV\":\"mtv-operator.v2.10.3\"}}]}");
    answer(OLM "/clusterserviceversions/mtv-operator.v2.10.3", 200,
           "{\"metadata\":{\"name\":\"mtv-operator.v2.10.3\"},\"spec\":{\"version\":\"2.10.3\"}}");
    answer(OLM "/clusterserviceversions/kubevirt-hyperconverged-operator.v4.19.0", 200,
           "{\"metadata\":{\"name\":\"kubevirt-hyperconverged-operator.v4.19.0\"},\"spec\":{\"version\":\"4.19.0\"}}");
    strbuf v = STRBUF_INIT;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(mtv_version_read(cl, "openshift-mtv", &v, &err), 0, "%s", err.msg);
    cr_assert_str_eq(v.buf, "2.10.3");
    sb_release(&v);
}

Test(mtv_version, from_the_csv_list_without_a_subscription)
{
    answer(OLM "/subscriptions", 200, EMPTY_LIST);
    answer(OLM "/clusterserviceversions", 200,
           "{\"items\":[{\"metadata\":{\"name\":\"forklift-operatorx.v9.9.9\"},\"spec\":{\"version\":\"9.9.9\"}},"
           "{\"metadata\":{\"name\":\"forklift-operator.v2.9.1\"},\"spec\":{\"version\":\"2.9.1\"}}]}");
    strbuf v = STRBUF_INIT;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(mtv_version_read(cl, "openshift-mtv", &v, &err), 0, "%s", err.msg);
    cr_assert_str_eq(v.buf, "2.9.1");
    sb_release(&v);
}

Test(mtv_version, a_missing_installed_csv_falls_back_to_the_list)
{
    answer(OLM "/subscriptions", 200,
           "{\"items\":[{\"spec\":{\"name\":\"mtv-operator\"},\"status\":{\"installedCSV\":\"mtv-operator.v2.8.0\"}}]}");
    answer(OLM "/clusterserviceversions/mtv-operator.v2.8.0", 404, NOT_FOUND);
    answer(OLM "/clusterserviceversions", 200,
           "{\"items\":[{\"metadata\":{\"name\":\"mtv-operator.v2.8.1\"},\"spec\":{\"version\":\"2.8.1\"}}]}");
    strbuf v = STRBUF_INIT;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(mtv_version_read(cl, "openshift-mtv", &v, &err), 0, "%s", err.msg);
    cr_assert_str_eq(v.buf, "2.8.1");
    sb_release(&v);
}

Test(mtv_version, nothing_to_say_is_an_error_naming_the_namespace)
{
    answer(OLM "/subscriptions", 200, EMPTY_LIST);
    answer(OLM "/clusterserviceversions", 200, EMPTY_LIST);
    strbuf v = STRBUF_INIT;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(mtv_version_read(cl, "openshift-mtv", &v, &err), -1);
    cr_assert(strstr(err.msg, "openshift-mtv") && strstr(err.msg, "mtv-operator"), "%s", err.msg);
    cr_assert_eq(v.len, 0);
    sb_release(&v);
}

Test(mtv_version, a_csv_without_version)
{
    answer(OLM "/subscriptions", 200,
           "{\"items\":[{\"spec\":{\"name\":\"mtv-operator\"},\"status\":{\"installedCSV\":\"mtv-operator.v2.10.0\"}}]}");
    answer(OLM "/clusterserviceversions/mtv-operator.v2.10.0", 200,
           "{\"metadata\":{\"name\":\"mtv-operator.v2.10.0\"},\"spec\":{}}");
    strbuf v = STRBUF_INIT;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(mtv_version_read(cl, "openshift-mtv", &v, &err), -1);
    cr_assert(strstr(err.msg, "mtv-operator.v2.10.0") && strstr(err.msg, "spec.version"), "%s", err.msg);
    sb_release(&v);
}
