/* Unit tests for util/strmap: inserts, replaces, deletes and growth keep
 * every key reachable; iteration visits each live key once. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "util/strmap.h"

Test(strmap, put_get_replace_delete)
{
    strmap m = STRMAP_INIT;
    int a = 1, b = 2, c = 3;
    cr_assert_null(strmap_get(&m, "x"));
    cr_assert_null(strmap_put(&m, "x", &a));
    cr_assert_null(strmap_put(&m, "y", &b));
    cr_assert_eq(strmap_get(&m, "x"), &a);
    cr_assert_eq(strmap_put(&m, "x", &c), &a, "replace returns the previous value");
    cr_assert_eq(strmap_get(&m, "x"), &c);
    cr_assert_eq(m.count, 2);
    cr_assert_eq(strmap_del(&m, "x"), &c);
    cr_assert_null(strmap_get(&m, "x"));
    cr_assert_eq(strmap_get(&m, "y"), &b, "deleting must not break other probe chains");
    cr_assert_null(strmap_del(&m, "x"));
    cr_assert_eq(m.count, 1);
    strmap_free(&m);
}

Test(strmap, growth_and_iteration_with_tombstones)
{
    strmap m = STRMAP_INIT;
    static int vals[5000];
    char key[32];
    for (int i = 0; i < 5000; i++) {
        vals[i] = i;
        snprintf(key, sizeof key, "ns-%d/obj-%d", i % 7, i);
        strmap_put(&m, key, &vals[i]);
    }
    for (int i = 0; i < 5000; i += 2) {
        snprintf(key, sizeof key, "ns-%d/obj-%d", i % 7, i);
        cr_assert_eq(strmap_del(&m, key), &vals[i]);
    }
    for (int i = 5000; i < 6000; i++) {
        snprintf(key, sizeof key, "again-%d", i);
        strmap_put(&m, key, &vals[i % 5000]);
    }
    cr_assert_eq(m.count, 3500);
    for (int i = 1; i < 5000; i += 2) {
        snprintf(key, sizeof key, "ns-%d/obj-%d", i % 7, i);
        cr_assert_eq(strmap_get(&m, key), &vals[i], "lost %s", key);
    }
    size_t it = 0, seen = 0;
    const char *k;
    void *v;
    while (strmap_next(&m, &it, &k, &v)) {
        cr_assert_eq(strmap_get(&m, k), v);
        seen++;
    }
    cr_assert_eq(seen, 3500);
    strmap_free(&m);
}
