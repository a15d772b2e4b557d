/*
 * hooks: upstream's rules for a pre_hook / post_hook dict. Exactly one of
 *   expected_result      "succeed" or "fail" (a predefined playbook)
 *   playbook_base64      base64 of a UTF-8 Ansible playbook: a non-empty list of plays
 *   aap_job_template_id  a positive whole number (an AAP job template)
 * Empty and blank strings are refused. The playbook is decoded and parsed
 * here, so a broken hook fails the check, not a migration an hour later.
 */
#include <string.h>
#include <yaml.h>

#include "runner/params.h"
#include "util/codec.h"

static const char *const KINDS[] = {"expected_result", "playbook_base64", "aap_job_template_id"};

static int valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!len || i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += len;
    }
    return 1;
}

/* 0 when text is YAML whose document is a non-empty list of plays
 * (mappings); else why. The whole stream is parsed, so a syntax error
 * anywhere counts. */
static int check_playbook(const char *text, size_t n, strbuf *why)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    if (!yaml_parser_initialize(&parser)) {
        sb_adds(why, "the YAML parser could not start");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, n);
    int depth = 0, plays = 0, root_seen = 0;
    for (;;) {
        if (!yaml_parser_parse(&parser, &ev)) {
            sb_reset(why);
            sb_addf(why, "the playbook is not valid YAML: %s at line %zu",
                    parser.problem ? parser.problem : "syntax error", parser.problem_mark.line + 1);
            break;
        }
        yaml_event_type_t t = ev.type;
        yaml_event_delete(&ev);
        if (t == YAML_STREAM_END_EVENT)
            break;
        int opens = t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT;
        int closes = t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT;
        int node = opens || t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT;
        if (node && depth == 0 && !root_seen) {
            root_seen = 1;
            if (t != YAML_SEQUENCE_START_EVENT && !why->len)
                sb_adds(why, "the playbook must be a YAML list of plays");
        } else if (node && depth == 1 && !why->len) {
            plays++;
            if (t != YAML_MAPPING_START_EVENT)
                sb_addf(why, "item %d of the playbook is not a play (a mapping)", plays);
        }
        depth += opens - closes;
    }
    yaml_parser_delete(&parser);
    if (!why->len && !root_seen)
        sb_adds(why, "the playbook must be a YAML list of plays");
    else if (!why->len && plays == 0)
        sb_adds(why, "the playbook is an empty list: it needs at least one play");
    return why->len ? -1 : 0;
}

void params_hook_check(const scenario *sc, const char *hook, diag_list *diags)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(sc->params, hook);
    if (!cJSON_IsObject(h))
        return;
    strbuf ptr = STRBUF_INIT;
    sb_addf(&ptr, "/params/%s", hook);
    strbuf found = STRBUF_INIT;
    int count = 0;
    for (size_t k = 0; k < 3; k++)
        if (cJSON_GetObjectItemCaseSensitive(h, KINDS[k])) {
            sb_addf(&found, "%s%s", count ? ", " : "", KINDS[k]);
            count++;
        }
    if (count != 1)
        params_report(sc, diags, DIAG_ERROR, ptr.buf, hook,
                      "set exactly one of expected_result, playbook_base64 or aap_job_template_id "
                      "(found %s)",
                      count ? found.buf : "none");
    for (size_t k = 0; k < 2; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, KINDS[k]);
        if (!cJSON_IsString(v))
            continue;
        strbuf p = STRBUF_INIT, d = STRBUF_INIT;
        sb_addf(&p, "%s/%s", ptr.buf, KINDS[k]);
        sb_addf(&d, "%s.%s", hook, KINDS[k]);
        int blank = 1;
        for (const char *s = v->valuestring; *s; s++)
            blank &= *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';
        if (blank) {
            params_report(sc, diags, DIAG_ERROR, p.buf, d.buf, "must not be empty or blank");
        } else if (k == 1) {
            strbuf raw = STRBUF_INIT, why = STRBUF_INIT;
            if (b64_decode(&raw, v->valuestring, strlen(v->valuestring)) < 0)
                params_report(sc, diags, DIAG_ERROR, p.buf, d.buf, "is not valid base64");
            else if (!valid_utf8((const unsigned char *)sb_str(&raw), raw.len))
                params_report(sc, diags, DIAG_ERROR, p.buf, d.buf,
                              "decodes to bytes that are not UTF-8 text");
            else if (check_playbook(sb_str(&raw), raw.len, &why) < 0)
                params_report(sc, diags, DIAG_ERROR, p.buf, d.buf, "%s", why.buf);
            sb_release(&raw);
            sb_release(&why);
        }
        sb_release(&p);
        sb_release(&d);
    }
    sb_release(&ptr);
    sb_release(&found);
}
