/* secret_keys: see secret_keys.h. */
#include "config/secret_keys.h"

#include <string.h>

int config_is_secret_key(const char *key)
{
    static const char *const words[] = {"password", "passphrase", "token", "secret"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcasestr(key, words[i]))
            return 1;
    return 0;
}

/* Registers every string under a secret-looking key, at any depth. Objects
 * under such a key (storage_secret_extra) are walked, not registered. */
void config_register_secrets(secret_registry *reg, const cJSON *item, strbuf *label)
{
    size_t keep = label->len;
    int index = 0;
    for (const cJSON *c = item->child; c; c = c->next, index++) {
        sb_setlen(label, keep);
        if (c->string)
            sb_addf(label, "%s%s", keep ? "." : "", c->string);
        else
            sb_addf(label, "[%d]", index);
        if (cJSON_IsString(c) && c->string && config_is_secret_key(c->string))
            secrets_add(reg, label->buf, c->valuestring);
        else if (cJSON_IsObject(c) || cJSON_IsArray(c))
            config_register_secrets(reg, c, label);
    }
    sb_setlen(label, keep);
}

/*
 * A file that does not parse still gets its secrets registered, found by a
 * lexical scan for "key": "value" with a secret-looking key, because the
 * syntax error excerpt quotes a line of the file and that line may hold a
 * password. An unterminated value counts up to the end of its line.
 */
void config_scan_secrets(secret_registry *reg, const char *text)
{
    strbuf key = STRBUF_INIT, value = STRBUF_INIT;
    for (const char *p = text; (p = strchr(p, '"'));) {
        const char *k = p + 1, *ke = k;
        while (*ke && *ke != '"' && *ke != '\n')
            ke++;
        if (*ke != '"') {
            p = ke;
            continue;
        }
        const char *q = ke + 1;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != ':') {
            p = ke + 1;
            continue;
        }
        q++;
        while (*q == ' ' || *q == '\t')
            q++;
        sb_reset(&key);
        sb_add(&key, k, (size_t)(ke - k));
        if (*q != '"' || !config_is_secret_key(key.buf)) {
            p = q;
            continue;
        }
        const char *v = q + 1, *ve = v;
        while (*ve && *ve != '"' && *ve != '\n') {
            if (*ve == '\\' && ve[1] && ve[1] != '\n')
                ve++;
            ve++;
        }
        sb_reset(&value);
        sb_add(&value, v, (size_t)(ve - v));
        while (value.len && (value.buf[value.len - 1] == '\r' || value.buf[value.len - 1] == ' '))
            sb_setlen(&value, value.len - 1);
        if (value.len)
            secrets_add(reg, key.buf, value.buf);
        p = *ve == '"' ? ve + 1 : ve;
    }
    sb_release(&key);
    sb_release(&value);
}

