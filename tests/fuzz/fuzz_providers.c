/* fuzz_providers: any bytes as a providers file must load or fail with
 * located diagnostics and be checked entry by entry, never crash or leak;
 * the same bytes are also tried as a scenario file, checked against every
 * entry when both load. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/providers.h"
#include "runner/params.h"

static char dir[64];

static void remove_dir(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/p.json", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/test_f.json", dir);
    unlink(path);
    rmdir(dir);
}

static const char *put(const char *name, const uint8_t *data, size_t size)
{
    static char path[128];
    if (!dir[0]) {
        strcpy(dir, "/tmp/mtv-fuzz-XXXXXX");
        if (!mkdtemp(dir))
            abort();
        atexit(remove_dir);
    }
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
    secret_registry *reg = secrets_new();
    diag_list d = DIAG_LIST_INIT;
    providers_file pf;
    int have_pf = providers_file_load(&pf, put("p.json", data, size), reg, &d) == 0;
    if (have_pf)
        providers_check(&pf, NULL, &d);
    scenario sc;
    if (scenario_load(&sc, put("test_f.json", data, size), reg, &d) == 0) {
        params_check(&sc, &d);
        for (size_t i = 0; have_pf && i < pf.count; i++)
            params_check_provider(&sc, pf.entries[i].type, &pf.entries[i], DIAG_WARNING, &d);
    }
    scenario_free(&sc);
    providers_file_free(&pf);
    diag_free(&d);
    secrets_free(reg);
    return 0;
}
