/* access: see access.h. */
#include "k8s/access.h"

#include "k8s/oauth.h"

int k8s_access_resolve(kube_config *kc, const char *kubeconfig, const char *context, transport *t,
                       secret_registry *reg, mtv_err *err)
{
    if ((!kubeconfig || !*kubeconfig) && (!context || !*context)) {
        int rc = oauth_kubeconfig_from_env(kc, t, reg, err);
        if (rc <= 0)
            return rc;
    }
    return kubeconfig_load(kc, kubeconfig, context, reg, err);
}
