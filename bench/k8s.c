/* bench_k8s: what the Kubernetes client costs, measured against the lab on
 * loopback over HTTPS (one transport, live mode):
 *
 *   1. creates per second (POST, JSON in and out);
 *   2. a paged list of every object (limit 500) and a single unpaged one;
 *   3. watch events per second: a watch from the version before the creates
 *      replays them all as ADDED events through the line framing and the
 *      JSON parse of each event;
 *   4. k8s_wait_for on an object that already satisfies the predicate:
 *      the fixed cost of a wait (list, then stop on the first event);
 *   5. kubeconfig_load of the lab's kubeconfig.
 * Prints numbers; asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "k8s/client.h"
#include "lab/lab_server.h"
#include "util/log.h"

#define NOBJ 2000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const mtv_err *err)
{
    fprintf(stderr, "bench_k8s: %s\n", err->msg);
    exit(1);
}

typedef struct counter {
    int n, want;
} counter;

static int count(void *ud, const char *type, const cJSON *obj, mtv_err *err)
{
    (void)type;
    (void)obj;
    (void)err;
    counter *c = ud;
    return ++c->n >= c->want;
}

static int always(void *ud, const cJSON *obj, mtv_err *err)
{
    (void)ud;
    (void)obj;
    (void)err;
    return 1;
}

int main(void)
{
    log_set_level(LOG_WARN);
    char dir[] = "/tmp/bench-k8s-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    mtv_err err;
    lab_server *lab;
    lab_server_config cfg = {.state_dir = dir};
    if (lab_server_new(&cfg, &lab, &err) < 0 || lab_server_start(lab, &err) < 0)
        die(&err);
    transport *t;
    transport_config tc = {.mode = TRANSPORT_LIVE};
    if (transport_open(&t, &tc, &err) < 0)
        die(&err);

    kube_config kc;
    double t0 = now_s();
    for (int i = 0; i < 100; i++) {
        if (kubeconfig_load(&kc, lab_server_kubeconfig_path(lab), NULL, NULL, &err) < 0)
            die(&err);
        kubeconfig_free(&kc);
    }
    double load_us = (now_s() - t0) / 100 * 1e6;
    if (kubeconfig_load(&kc, lab_server_kubeconfig_path(lab), NULL, NULL, &err) < 0)
        die(&err);
    k8s_client *c;
    if (k8s_client_new(&c, &kc, t, &err) < 0)
        die(&err);
    cJSON *ns = cJSON_Parse("{\"metadata\":{\"name\":\"bench\"}}");
    if (k8s_create(c, &K8S_NAMESPACE, NULL, ns, NULL, &err) != 0)
        die(&err);
    cJSON_Delete(ns);
    cJSON *before = NULL;
    if (k8s_list(c, &K8S_CONFIGMAP, "bench", NULL, &before, &err) < 0)
        die(&err);
    char *rv0 = strdup(k8s_obj_str(before, "metadata.resourceVersion"));
    cJSON_Delete(before);

    t0 = now_s();
    for (int i = 0; i < NOBJ; i++) {
        char body[256];
        snprintf(body, sizeof body, "{\"metadata\":{\"name\":\"cm-%05d\",\"labels\":{\"bench\":\"yes\"}},"
                 "\"data\":{\"index\":\"%d\",\"payload\":\"0123456789abcdef0123456789abcdef\"}}", i, i);
        cJSON *cm = cJSON_Parse(body);
        if (k8s_create(c, &K8S_CONFIGMAP, "bench", cm, NULL, &err) != 0)
            die(&err);
        cJSON_Delete(cm);
    }
    double create_s = now_s() - t0;

    cJSON *list = NULL;
    k8s_list_opts paged = {.label_selector = "bench=yes", .limit = 500};
    t0 = now_s();
    if (k8s_list(c, &K8S_CONFIGMAP, "bench", &paged, &list, &err) < 0)
        die(&err);
    double paged_ms = (now_s() - t0) * 1000;
    int listed = cJSON_GetArraySize(cJSON_GetObjectItem(list, "items"));
    cJSON_Delete(list);
    t0 = now_s();
    if (k8s_list(c, &K8S_CONFIGMAP, "bench", NULL, &list, &err) < 0)
        die(&err);
    double whole_ms = (now_s() - t0) * 1000;
    cJSON_Delete(list);

    counter n = {0, NOBJ};
    k8s_watch_opts wo = {.resource_version = rv0, .timeout_ms = 120000};
    t0 = now_s();
    if (k8s_watch(c, &K8S_CONFIGMAP, "bench", &wo, count, &n, &err) < 0)
        die(&err);
    double watch_s = now_s() - t0;

    t0 = now_s();
    for (int i = 0; i < 50; i++)
        if (k8s_wait_for(c, &K8S_CONFIGMAP, "bench", "cm-00042", always, NULL, NULL, 60000, &err) < 0)
            die(&err);
    double wait_ms = (now_s() - t0) / 50 * 1000;

    printf("k8s client against the lab (HTTPS, loopback, %d ConfigMaps)\n", NOBJ);
    printf("  kubeconfig_load            %8.1f us\n", load_us);
    printf("  create                     %8.0f objects/s\n", NOBJ / create_s);
    printf("  list, pages of 500         %8.1f ms for %d objects\n", paged_ms, listed);
    printf("  list, one page             %8.1f ms\n", whole_ms);
    printf("  watch                      %8.0f events/s (%d events)\n", n.n / watch_s, n.n);
    printf("  wait_for, already true     %8.2f ms per wait\n", wait_ms);

    free(rv0);
    k8s_client_free(c);
    kubeconfig_free(&kc);
    transport_free(t);
    lab_server_stop(lab);
    lab_server_free(lab);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return 0;
}
