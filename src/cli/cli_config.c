/* cli_config: see cli_config.h. */
#include "cli/cli_config.h"

#include <string.h>

#include "util/log.h"
#include "util/suggest.h"

int cli_open_provider(const char *providers_json, const char *key, providers_file *pf,
                      const provider_entry **entry, mtv_err *err)
{
    strbuf path = STRBUF_INIT;
    const char *src = providers_resolve_path(providers_json, &path);
    int rc = providers_open(pf, path.buf, key, log_secrets(), entry, err);
    if (rc < 0 && strcmp(src, "--providers-json") != 0 && !strstr(err->msg, "no provider entry"))
        mtv_err_prefix(err, "providers file %s (from %s)", path.buf, src);
    sb_release(&path);
    return rc;
}

int cli_provider_type(const char *name, enum provider_type *out, mtv_err *err)
{
    *out = provider_type_from_name(name);
    if (*out != PROVIDER_UNKNOWN)
        return 0;
    strbuf hint = STRBUF_INIT;
    suggest_append(&hint, name, PROVIDER_TYPE_NAMES + 1, PROVIDER_TYPE_COUNT - 1);
    mtv_err_set(err, MTV_EXIT_USAGE,
                "--provider-type: '%s' is not a provider type%s; types: vsphere, ovirt, openstack, "
                "openshift, ova, hyperv",
                name, sb_str(&hint));
    sb_release(&hint);
    return -1;
}

void cli_write_masked(FILE *out, const char *text, size_t n)
{
    strbuf sb = STRBUF_INIT;
    secrets_mask(log_secrets(), text, n, &sb);
    fwrite(sb_str(&sb), 1, sb.len, out);
    sb_release(&sb);
}

void cli_print_diags(const diag_list *diags)
{
    diag_print(diags, stderr, log_secrets());
}
