/* Unit tests for recorder/matchkey: what makes two requests "the same". */
#include <criterion/criterion.h>
#include <string.h>

#include "recorder/matchkey.h"

static char *key(const char *method, const char *up, const char *url, const char *ct, const char *body)
{
    strbuf k = STRBUF_INIT;
    matchkey_http(&k, method, up, url, ct, body ? body : "", body ? strlen(body) : 0, NULL);
    return sb_detach(&k, NULL);
}

#define SAME(a, b) do { char *x = a, *y = b; cr_assert_str_eq(x, y); free(x); free(y); } while (0)
#define DIFFERENT(a, b) do { char *x = a, *y = b; cr_assert_str_neq(x, y); free(x); free(y); } while (0)

Test(matchkey, host_is_ignored_and_query_sorted_without_volatile_params)
{
    char *k = key("get", "kubernetes", "https://a:6443/api/v1/pods?watch=1&limit=5&_=123", NULL, NULL);
    cr_assert_str_eq(k, "GET kubernetes /api/v1/pods?limit=5&watch=1 -");
    free(k);
    SAME(key("GET", "kubernetes", "https://a/x?b=2&a=1", NULL, NULL),
         key("GET", "kubernetes", "http://b:80/x?a=1&b=2", NULL, NULL));
    SAME(key("GET", "k", "http://h/x?s=a+b", NULL, NULL), key("GET", "k", "http://h/x?s=a%20b", NULL, NULL));
    DIFFERENT(key("GET", "kubernetes", "http://h/x", NULL, NULL), key("GET", "inventory", "http://h/x", NULL, NULL));
    DIFFERENT(key("GET", "k", "http://h/x?a=1", NULL, NULL), key("GET", "k", "http://h/x?a=2", NULL, NULL));
}

Test(matchkey, json_bodies_match_regardless_of_order_and_spacing)
{
    SAME(key("POST", "k", "http://h/x", "application/json", "{\"a\":1,\"b\":{\"c\":[1,2]}}"),
         key("POST", "k", "http://h/x", "application/json", " { \"b\" : {\"c\":[1, 2]}, \"a\":1 }"));
    DIFFERENT(key("POST", "k", "http://h/x", "application/json", "{\"b\":{\"c\":[2,1]}}"),
              key("POST", "k", "http://h/x", "application/json", "{\"b\":{\"c\":[1,2]}}"));
    char *k = key("POST", "k", "http://h/x", "application/json", "{}");
    cr_assert(strstr(k, " json:"), "%s", k);
    free(k);
}


Test(matchkey, soap_by_operation_this_and_arguments)
{
    const char *a = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>"
                    "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">propertyCollector</_this>"
                    "<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet></propSet></specSet>"
                    "</RetrievePropertiesEx></soapenv:Body></soapenv:Envelope>";
    const char *b = "<?xml version=\"1.0\"?>\n<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\">\n <S:Body>\n"
                    "  <v:RetrievePropertiesEx xmlns:v=\"urn:vim25\">\n   <v:_this type=\"PropertyCollector\"> propertyCollector </v:_this>\n"
                    "   <v:specSet><v:propSet><v:type>VirtualMachine</v:type><v:pathSet>name</v:pathSet></v:propSet></v:specSet>\n"
                    "  </v:RetrievePropertiesEx>\n </S:Body>\n</S:Envelope>\n";
    char *ka = key("POST", "vsphere", "https://vc/sdk", "text/xml", a);
    cr_assert(strstr(ka, "soap:RetrievePropertiesEx@PropertyCollector:propertyCollector:"), "%s", ka);
    SAME(ka, key("POST", "vsphere", "https://vc/sdk", "text/xml", b));
    const char *c = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>"
                    "<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">propertyCollector</_this>"
                    "<specSet><propSet><type>HostSystem</type><pathSet>name</pathSet></propSet></specSet>"
                    "</RetrievePropertiesEx></soapenv:Body></soapenv:Envelope>";
    DIFFERENT(key("POST", "vsphere", "https://vc/sdk", "text/xml", a), key("POST", "vsphere", "https://vc/sdk", "text/xml", c));
}

Test(matchkey, forms_sorted_and_other_bodies_by_bytes)
{
    SAME(key("POST", "o", "http://h/t", "application/x-www-form-urlencoded", "b=2&a=1"),
         key("POST", "o", "http://h/t", "application/x-www-form-urlencoded", "a=1&b=2"));
    char *k = key("PUT", "o", "http://h/t", "application/octet-stream", "\x01\x02");
    cr_assert(strstr(k, " raw:"), "%s", k);
    free(k);
    DIFFERENT(key("PUT", "o", "http://h/t", NULL, "abc"), key("PUT", "o", "http://h/t", NULL, "abd"));
}

Test(matchkey, custom_keys_and_split)
{
    cJSON *a = cJSON_Parse("{\"host\":\"h\",\"command\":\"ls\"}");
    cJSON *b = cJSON_Parse("{\"command\":\"ls\",\"host\":\"h\"}");
    strbuf ka = STRBUF_INIT, kb = STRBUF_INIT;
    matchkey_custom(&ka, "ssh", "guest:vm-1", a);
    matchkey_custom(&kb, "ssh", "guest:vm-1", b);
    cr_assert_str_eq(ka.buf, kb.buf);
    cr_assert_eq(strncmp(ka.buf, "ssh guest:vm-1 json:", 20), 0);
    matchkey_parts p;
    cr_assert_eq(matchkey_split("GET kubernetes /api/v1/pods?limit=5 -", &p), 0);
    cr_assert_eq(p.path_len, strlen("/api/v1/pods"));
    cr_assert_eq(strncmp(p.query, "limit=5", p.query_len), 0);
    cr_assert_eq(strncmp(p.body, "-", p.body_len), 0);
    cr_assert_eq(matchkey_split("nokey", &p), -1);
    cJSON_Delete(a);
    cJSON_Delete(b);
    sb_release(&ka);
    sb_release(&kb);
}
