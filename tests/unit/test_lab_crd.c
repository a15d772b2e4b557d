/* Unit tests for lab_crd: the real Forklift CRDs load into kinds with their
 * schemas, names, scope, columns and subresources; `kind: List` files and
 * new groups work; broken files are reported by file, document and field. */
#include <criterion/criterion.h>
#include <string.h>

#include "lab/lab_crd.h"
#include "testutil.h"

Test(lab_crd, forklift_reference_crds)
{
    tu_require_shared();
    lab_kinds *k = lab_kinds_new_builtin();
    size_t before = k->count;
    cJSON *crds;
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(lab_crd_load_dir(k, tu_shared("reference/forklift-crds"), &crds, &err), 14, "%s",
                 err.msg);
    cr_assert_eq(cJSON_GetArraySize(crds), 14);
    cr_assert_eq(k->count, before, "CRDs replace the built-in forklift rows");
    const lab_kind *plan = lab_kinds_find(k, "forklift.konveyor.io", "v1beta1", "plans");
    cr_assert_not_null(plan->schema);
    cr_assert(plan->flags & LAB_KIND_STATUS);
    cr_assert(plan->flags & LAB_KIND_NAMESPACED);
    cr_assert(plan->flags & LAB_KIND_CUSTOM);
    cr_assert(strstr(plan->source, "forklift.konveyor.io_plans.yaml"));
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(plan->columns, 0), "name")->valuestring,
                     "READY");
    const lab_kind *ovvp = lab_kinds_find(k, "forklift.konveyor.io", "v1beta1",
                                          "ovirtvolumepopulators");
    cr_assert_not(ovvp->flags & LAB_KIND_STATUS, "populators have no status subresource");
    cr_assert_eq(ovvp->n_short, 2);
    cr_assert_str_eq(ovvp->short_names[0], "ovvp");
    const lab_kind *fc = lab_kinds_find(k, "forklift.konveyor.io", "v1beta1", "forkliftcontrollers");
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(fc->columns, 0), "name")->valuestring,
                     "Age", "no printer columns means the API server's Age column");
    cJSON_Delete(crds);
    lab_kinds_free(k);
}

static const char *widget_list =
    "apiVersion: v1\nkind: List\nitems:\n"
    "- apiVersion: apiextensions.k8s.io/v1\n  kind: CustomResourceDefinition\n"
    "  metadata: {name: widgets.example.com}\n"
    "  spec:\n    group: example.com\n    scope: Cluster\n"
    "    names: {kind: Widget, plural: widgets, singular: widget, shortNames: [wd]}\n"
    "    versions:\n    - name: v1\n      served: true\n      storage: true\n"
    "      schema:\n        openAPIV3Schema:\n          type: object\n"
    "          properties: {spec: {type: object, properties: {size: {type: integer}}}}\n"
    "    - name: v0\n      served: false\n      storage: false\n";

Test(lab_crd, list_files_and_new_groups)
{
    const char *dir = tu_tmpdir();
    tu_write(dir, "all.yaml", widget_list);
    tu_write(dir, "README.md", "not a manifest");
    lab_kinds *k = lab_kinds_new_builtin();
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(lab_crd_load_dir(k, dir, NULL, &err), 1, "%s", err.msg);
    const lab_kind *w = lab_kinds_find(k, "example.com", "v1", "widgets");
    cr_assert_not_null(w);
    cr_assert_not(w->flags & LAB_KIND_NAMESPACED);
    cr_assert_str_eq(w->short_names[0], "wd");
    cr_assert_str_eq(w->api_version, "example.com/v1");
    cr_assert_null(lab_kinds_find(k, "example.com", "v0", "widgets"), "unserved versions are not served");
    lab_kinds_free(k);
}

static void load_fails(const char *text, const char *want)
{
    const char *dir = tu_tmpdir();
    tu_write(dir, "bad.yaml", text);
    lab_kinds *k = lab_kinds_new_builtin();
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(lab_crd_load_dir(k, dir, NULL, &err), -1);
    cr_assert_eq(err.exit_code, MTV_EXIT_USAGE);
    cr_assert(strstr(err.msg, want), "expected '%s' in: %s", want, err.msg);
    lab_kinds_free(k);
}

Test(lab_crd, broken_files_name_file_document_and_field)
{
    load_fails("kind: CustomResourceDefinition\nmetadata: {name: xs.example.org}\nspec:\n  group: example.org\n"
               "  scope: Namespaced\n  names: {kind: X}\n  versions: [{name: v1, served: true}]\n",
               "bad.yaml: document 1 (xs.example.org): spec.names.plural: expected a non-empty string");
    load_fails("---\nkind: ConfigMap\n", "bad.yaml: document 1: kind: expected CustomResourceDefinition");
    load_fails("kind: CustomResourceDefinition\nspec:\n  group: example.org\n  scope: Everywhere\n"
               "  names: {kind: X, plural: xs}\n", "spec.scope: expected Namespaced or Cluster");
    load_fails("kind: [\n", "bad.yaml:2:");
    load_fails("kind: CustomResourceDefinition\nspec:\n  group: example.org\n  scope: Cluster\n"
               "  names: {kind: X, plural: xs}\n  versions:\n  - name: v1\n"
               "    additionalPrinterColumns: [{name: A, type: string, jsonPath: '.a[?(@.b'}]\n",
               "spec.versions[0].additionalPrinterColumns[0]");
    const char *empty = tu_tmpdir();
    lab_kinds *k = lab_kinds_new_builtin();
    mtv_err err;
    mtv_err_clear(&err);
    cr_assert_eq(lab_crd_load_dir(k, empty, NULL, &err), -1);
    cr_assert(strstr(err.msg, "no CustomResourceDefinition found"), "%s", err.msg);
    cr_assert_eq(lab_crd_load_dir(k, "/nonexistent/crds", NULL, &err), -1);
    cr_assert(strstr(err.msg, "not a folder"));
    lab_kinds_free(k);
}
