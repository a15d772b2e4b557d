/*
 * kinds: the resource types the validator touches, as the API server names
 * them. One table of plain data; URLs are built from it (client_int.h), so a
 * new kind is one line here and one declaration in client.h.
 */
#include "k8s/client.h"

#define CORE(name, kind, plural, ns) const k8s_kind name = {"", "v1", kind, plural, ns}
#define KIND(name, group, version, kind, plural, ns) \
    const k8s_kind name = {group, version, kind, plural, ns}

CORE(K8S_NAMESPACE, "Namespace", "namespaces", 0);
CORE(K8S_SECRET, "Secret", "secrets", 1);
CORE(K8S_CONFIGMAP, "ConfigMap", "configmaps", 1);
CORE(K8S_POD, "Pod", "pods", 1);
CORE(K8S_NODE, "Node", "nodes", 0);
CORE(K8S_SERVICE, "Service", "services", 1);
CORE(K8S_SERVICEACCOUNT, "ServiceAccount", "serviceaccounts", 1);
CORE(K8S_EVENT, "Event", "events", 1);
CORE(K8S_PVC, "PersistentVolumeClaim", "persistentvolumeclaims", 1);
CORE(K8S_PV, "PersistentVolume", "persistentvolumes", 0);

KIND(K8S_STORAGECLASS, "storage.k8s.io", "v1", "StorageClass", "storageclasses", 0);
KIND(K8S_ROUTE, "route.openshift.io", "v1", "Route", "routes", 1);
KIND(K8S_CLUSTERVERSION, "config.openshift.io", "v1", "ClusterVersion", "clusterversions", 0);
KIND(K8S_SUBSCRIPTION, "operators.coreos.com", "v1alpha1", "Subscription", "subscriptions", 1);
KIND(K8S_CSV, "operators.coreos.com", "v1alpha1", "ClusterServiceVersion",
     "clusterserviceversions", 1);
KIND(K8S_CLUSTERROLEBINDING, "rbac.authorization.k8s.io", "v1", "ClusterRoleBinding",
     "clusterrolebindings", 0);
KIND(K8S_NAD, "k8s.cni.cncf.io", "v1", "NetworkAttachmentDefinition",
     "network-attachment-definitions", 1);
KIND(K8S_DATAVOLUME, "cdi.kubevirt.io", "v1beta1", "DataVolume", "datavolumes", 1);
KIND(K8S_VM, "kubevirt.io", "v1", "VirtualMachine", "virtualmachines", 1);
KIND(K8S_VMI, "kubevirt.io", "v1", "VirtualMachineInstance", "virtualmachineinstances", 1);

#define FORKLIFT(name, kind, plural) KIND(name, "forklift.konveyor.io", "v1beta1", kind, plural, 1)
FORKLIFT(K8S_PROVIDER, "Provider", "providers");
FORKLIFT(K8S_NETWORKMAP, "NetworkMap", "networkmaps");
FORKLIFT(K8S_STORAGEMAP, "StorageMap", "storagemaps");
FORKLIFT(K8S_PLAN, "Plan", "plans");
FORKLIFT(K8S_MIGRATION, "Migration", "migrations");
FORKLIFT(K8S_HOOK, "Hook", "hooks");
FORKLIFT(K8S_HOST, "Host", "hosts");
FORKLIFT(K8S_FORKLIFTCONTROLLER, "ForkliftController", "forkliftcontrollers");
FORKLIFT(K8S_CONVERSION, "Conversion", "conversions");
