#include "mx_http.h"

#include <pcre2.h>

/*
 * Regexes of the configuration (locations, server names): compiled once
 * with PCRE2's JIT, matched per request with one match block per
 * process, captures kept in the request for $1..$9 and named groups.
 */

#define MX_HTTP_REGEX_MAX_PAIRS  32

static pcre2_match_data  *mx_http_match_data;


mx_http_regex_t *
mx_http_regex_compile(mx_conf_t *cf, const mx_str_t *re, int caseless)
{
    mx_http_regex_t  *rx;
    pcre2_code       *code;
    PCRE2_SIZE        erroff;
    PCRE2_SPTR        table;
    uint32_t          count, entry, i;
    int               errcode;
    u_char            errstr[256];
    size_t            n;

    code = pcre2_compile(re->data, re->len, caseless ? PCRE2_CASELESS : 0,
                         &errcode, &erroff, NULL);
    if (code == NULL) {
        pcre2_get_error_message(errcode, errstr, sizeof(errstr));

        /* nginx names the rest of the pattern unless it is empty */
        if (erroff >= re->len) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "pcre2_compile() failed: %s in \"%.*s\"",
                              errstr, MX_STR_ARG(*re));
        } else {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "pcre2_compile() failed: %s in \"%.*s\" "
                              "at \"%.*s\"", errstr, MX_STR_ARG(*re),
                              (int) (re->len - erroff), re->data + erroff);
        }

        return NULL;
    }

    (void) pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);

    rx = mx_pcalloc(cf->pool, sizeof(mx_http_regex_t));
    if (rx == NULL) {
        pcre2_code_free(code);
        return NULL;
    }

    rx->code = code;

    /* the code lives as long as the configuration */
    {
        mx_pool_cleanup_t  *cln = mx_pool_cleanup_add(cf->pool, 0);

        if (cln == NULL) {
            pcre2_code_free(code);
            return NULL;
        }
        cln->handler = (mx_pool_cleanup_pt) pcre2_code_free;
        cln->data = code;
    }

    if (pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &count) != 0
        || count == 0)
    {
        return rx;
    }

    if (pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &entry) != 0
        || pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table) != 0)
    {
        return rx;
    }

    rx->names = mx_pcalloc(cf->pool, count * sizeof(*rx->names));
    if (rx->names == NULL) {
        return NULL;
    }

    /* each entry: the group number in two bytes, then the name */
    for (i = 0; i < count; i++) {
        const u_char  *e = table + (size_t) i * entry;

        n = strnlen((const char *) e + 2, entry - 2);

        rx->names[i].group = ((mx_uint_t) e[0] << 8) | e[1];
        rx->names[i].var = mx_http_add_variable(cf, e + 2, n,
                                                MX_HTTP_VAR_CHANGEABLE);
        if (rx->names[i].var == NULL) {
            return NULL;
        }
    }

    rx->nnames = count;
    return rx;
}


int
mx_http_regex_exec(mx_http_request_t *r, mx_http_regex_t *re,
    const mx_str_t *s)
{
    PCRE2_SIZE  *ov;
    mx_str_t     value;
    mx_uint_t    i, g;
    int          rc;

    if (mx_http_match_data == NULL) {
        mx_http_match_data = pcre2_match_data_create(MX_HTTP_REGEX_MAX_PAIRS,
                                                     NULL);
        if (mx_http_match_data == NULL) {
            return MX_ERROR;
        }
    }

    rc = pcre2_match(re->code, s->data, s->len, 0, 0, mx_http_match_data,
                     NULL);

    if (rc == PCRE2_ERROR_NOMATCH) {
        return MX_DECLINED;
    }

    if (rc < 0) {
        mx_log_error(MX_LOG_ALERT, &r->connection->log, 0,
                     "pcre2_match() failed: %d on \"%.*s\"", rc,
                     MX_STR_ARG(*s));
        return MX_ERROR;
    }

    if (rc == 0) {
        rc = MX_HTTP_REGEX_MAX_PAIRS;
    }

    ov = pcre2_get_ovector_pointer(mx_http_match_data);

    r->captures = mx_palloc(r->pool, 2 * (size_t) rc * sizeof(size_t));
    if (r->captures == NULL) {
        return MX_ERROR;
    }

    for (i = 0; i < 2 * (mx_uint_t) rc; i++) {
        r->captures[i] = ov[i] == PCRE2_UNSET ? (size_t) -1 : ov[i];
    }

    r->ncaptures = (mx_uint_t) rc;
    r->captures_data = s->data;

    for (i = 0; i < re->nnames; i++) {
        g = re->names[i].group;

        if (g >= (mx_uint_t) rc || ov[2 * g] == PCRE2_UNSET) {
            value.len = 0;
            value.data = (u_char *) "";
        } else {
            value.data = s->data + ov[2 * g];
            value.len = ov[2 * g + 1] - ov[2 * g];
        }

        if (mx_http_variable_set_value(r, re->names[i].var, &value)
            != MX_OK)
        {
            return MX_ERROR;
        }
    }

    return MX_OK;
}
