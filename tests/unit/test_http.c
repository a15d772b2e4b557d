/* Unit tests for net/http: ordered headers, query building with escaping,
 * URL splitting, Retry-After parsing and idempotency. */
#include <criterion/criterion.h>
#include <string.h>

#include "net/http.h"

Test(http, headers_keep_order_and_duplicates)
{
    http_headers h = {0};
    http_headers_add(&h, "Set-Cookie", "a=1");
    http_headers_add(&h, "Content-Type", "text/plain");
    http_headers_add(&h, "set-cookie", "b=2");
    cr_assert_eq(h.count, 3);
    cr_assert_str_eq(http_headers_get(&h, "SET-COOKIE"), "a=1");
    cr_assert_str_eq(h.items[2].value, "b=2");
    http_headers_set(&h, "Set-Cookie", "c=3");
    cr_assert_eq(h.count, 2);
    cr_assert_str_eq(h.items[0].name, "Content-Type");
    cr_assert_str_eq(http_headers_get(&h, "set-cookie"), "c=3");
    http_headers_remove(&h, "content-type");
    cr_assert_null(http_headers_get(&h, "Content-Type"));
    http_headers copy = {0};
    http_headers_copy(&copy, &h);
    cr_assert_eq(copy.count, 1);
    http_headers_free(&h);
    http_headers_free(&copy);
}

Test(http, query_is_built_with_escaping)
{
    net_endpoint ep;
    net_endpoint_init(&ep);
    ep.base_url = "https://api.example:6443/";
    http_request req;
    http_request_init(&req, &ep, "kubernetes", "GET", "/api/v1/pods");
    cr_assert_str_eq(req.url.buf, "https://api.example:6443/api/v1/pods");
    http_request_query(&req, "labelSelector", "app in (a,b)");
    http_request_query(&req, "fieldSelector", "metadata.name=x&y");
    cr_assert_str_eq(req.url.buf, "https://api.example:6443/api/v1/pods?labelSelector=app%20in%20%28a%2Cb%29"
                                  "&fieldSelector=metadata.name%3Dx%26y");
    cr_assert_str_eq(req.upstream, "kubernetes");
    http_request_free(&req);
    http_request_init(&req, &ep, NULL, "get", "http://other/x?a=1#frag");
    http_request_query(&req, "b", "2");
    cr_assert_str_eq(req.url.buf, "http://other/x?a=1&b=2");
    cr_assert_str_eq(req.upstream, "http");
    http_request_free(&req);
}

Test(http, url_split)
{
    strbuf o = STRBUF_INIT, p = STRBUF_INIT, q = STRBUF_INIT;
    cr_assert_eq(http_url_split("https://u@h:1/a/b?x=1&y#f", &o, &p, &q), 0);
    cr_assert_str_eq(o.buf, "https://u@h:1");
    cr_assert_str_eq(p.buf, "/a/b");
    cr_assert_str_eq(q.buf, "x=1&y");
    cr_assert_eq(http_url_split("http://h", &o, &p, &q), 0);
    cr_assert_str_eq(p.buf, "/");
    cr_assert_eq(q.len, 0);
    cr_assert_eq(http_url_split("/relative", &o, &p, &q), -1);
    sb_release(&o);
    sb_release(&p);
    sb_release(&q);
}

Test(http, retry_after_seconds_and_dates)
{
    cr_assert_eq(http_retry_after_ms("120", 0), 120000);
    cr_assert_eq(http_retry_after_ms(" 0 ", 0), 0);
    /* Sun, 06 Nov 1994 08:49:37 GMT = 784111777 s */
    cr_assert_eq(http_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111777000LL - 5000), 5000);
    cr_assert_eq(http_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111777000LL + 5000), 0);
    cr_assert_eq(http_retry_after_ms("soon", 0), -1);
    cr_assert_eq(http_retry_after_ms("-5", 0), -1);
    cr_assert_eq(http_retry_after_ms(NULL, 0), -1);
}

Test(http, idempotent_methods)
{
    cr_assert(http_method_idempotent("GET"));
    cr_assert(http_method_idempotent("delete"));
    cr_assert(http_method_idempotent("PUT"));
    cr_assert_not(http_method_idempotent("POST"));
    cr_assert_not(http_method_idempotent("PATCH"));
}
