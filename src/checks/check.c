/* check: the helpers every check file shares (check.h). */
#include "checks/check.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void check_msgs_add(check_msgs *m, const char *msg)
{
    char **v = realloc(m->v, (m->n + 1) * sizeof *v);
    char *d = strdup(msg ? msg : "");
    if (!v || !d)
        abort();
    m->v = v;
    m->v[m->n++] = d;
}

void check_msgs_free(check_msgs *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->v[i]);
    free(m->v);
    m->v = NULL;
    m->n = 0;
}

void check_fail(check_out *o, const char *fmt, ...)
{
    strbuf s = STRBUF_INIT;
    sb_addf(&s, "%s - ", o->check);
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(&s, fmt, ap);
    va_end(ap);
    check_msgs_add(o->msgs, s.buf);
    o->added++;
    sb_release(&s);
}

const cJSON *check_param(const check_run *r, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->params, key);
    return cJSON_IsNull(v) ? NULL : v;
}

const cJSON *check_vm_param(const check_vm *v, const char *key)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(v->params, key);
    return cJSON_IsNull(x) ? NULL : x;
}

int check_param_true(const check_run *r, const char *key)
{
    return cJSON_IsTrue(check_param(r, key));
}

int check_vm_param_true(const check_vm *v, const char *key)
{
    return cJSON_IsTrue(check_vm_param(v, key));
}

int check_source_is(const check_run *r, const char *type)
{
    return r->provider_type && !strcmp(r->provider_type, type);
}

char *check_json(const cJSON *v, size_t max)
{
    char *s = v ? cJSON_PrintUnformatted(v) : strdup("null");
    if (!s)
        abort();
    if (max > 3 && strlen(s) > max)
        strcpy(s + max - 3, "...");
    return s;
}
