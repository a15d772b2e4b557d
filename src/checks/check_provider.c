/* check_provider: the source Provider's TLS setting (upstream
 * check_ssl_configuration): the Secret's insecureSkipVerify must say what
 * the run asked for. Provider-level: runs once per check_vms. */
#include <string.h>

#include "checks/checks_int.h"
#include "util/codec.h"

int gate_ssl_configuration(const check_run *r, const check_vm *v)
{
    (void)v;
    return check_source_is(r, "vsphere") || check_source_is(r, "ovirt") ||
           check_source_is(r, "openstack");
}

void check_ssl_configuration(const check_run *r, check_vm *v, check_out *o)
{
    (void)v;
    const char *want = r->expect_insecure ? "true" : "false";
    if (!r->provider_secret) {
        check_fail(o, "the source Provider's Secret could not be read; expected insecureSkipVerify "
                      "\"%s\"", want);
        return;
    }
    const char *enc = k8s_obj_str(r->provider_secret, "data.insecureSkipVerify");
    const char *plain = k8s_obj_str(r->provider_secret, "stringData.insecureSkipVerify");
    strbuf got = STRBUF_INIT;
    if (enc && b64_decode(&got, enc, strlen(enc)) < 0) {
        check_fail(o, "the Secret's insecureSkipVerify is not base64: expected \"%s\"", want);
        sb_release(&got);
        return;
    }
    if (!enc && plain)
        sb_adds(&got, plain);
    if (!enc && !plain)
        check_fail(o, "the Secret has no insecureSkipVerify key; expected \"%s\"", want);
    else if (strcmp(sb_str(&got), want))
        check_fail(o, "insecureSkipVerify: expected \"%s\", got \"%s\"", want, sb_str(&got));
    sb_release(&got);
}
