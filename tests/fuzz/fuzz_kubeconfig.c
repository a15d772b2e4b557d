/* fuzz_kubeconfig: any bytes as a kubeconfig must resolve or fail with a
 * located error, never crash or leak; resolved configs must yield an
 * endpoint. A readable ca.crt and token sit beside it so file references
 * can resolve too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "k8s/kubeconfig.h"
#include "util/log.h"

static char dir[64];

static void remove_dir(void)
{
    const char *names[] = {"config", "ca.crt", "token"};
    char path[128];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static const char *put(const char *name, const void *data, size_t size)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        strcpy(dir, "/tmp/mtv-fuzz-kc-XXXXXX");
        if (!mkdtemp(dir))
            abort();
        atexit(remove_dir);
        log_set_level(LOG_OFF);
        put("ca.crt", "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n", 55);
        put("token", "fuzz-token-value\n", 17);
    }
    const char *path = put("config", data, size);
    secret_registry *reg = secrets_new();
    const char *contexts[] = {NULL, "x"};
    for (int i = 0; i < 2; i++) {
        kube_config kc;
        mtv_err err;
        if (kubeconfig_load(&kc, path, contexts[i], reg, &err) == 0) {
            net_endpoint ep;
            kubeconfig_endpoint(&kc, &ep);
            if (!ep.base_url || strncmp(ep.base_url, "http", 4) != 0)
                abort();
            kubeconfig_free(&kc);
        } else if (!err.msg[0]) {
            abort();   /* a failure must say why */
        }
    }
    secrets_free(reg);
    return 0;
}
