#include "mx_http_upstream.h"

/*
 * $upstream_addr, $upstream_status, $upstream_response_time,
 * $upstream_connect_time, $upstream_header_time,
 * $upstream_response_length, $upstream_bytes_received (one value per
 * try, ", " between them, as nginx) and $upstream_http_NAME.
 */


typedef enum {
    MX_UPS_VAR_ADDR = 0,
    MX_UPS_VAR_STATUS,
    MX_UPS_VAR_RESPONSE_TIME,
    MX_UPS_VAR_CONNECT_TIME,
    MX_UPS_VAR_HEADER_TIME,
    MX_UPS_VAR_RESPONSE_LENGTH,
    MX_UPS_VAR_BYTES_RECEIVED
} mx_ups_var_e;


static int
mx_http_upstream_var(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_http_upstream_t        *u;
    mx_http_upstream_state_t  *st;
    mx_uint_t                  i;
    mx_msec_t                  ms;
    size_t                     len;
    u_char                    *p;

    u = mx_http_upstream_get(r);
    if (u == NULL || u->states.nelts == 0) {
        return MX_DECLINED;
    }

    st = u->states.elts;

    len = 0;
    for (i = 0; i < u->states.nelts; i++) {
        len += (st[i].peer ? st[i].peer->len : 1) + 32;
    }

    p = mx_pnalloc(r->pool, len);
    if (p == NULL) {
        return MX_DECLINED;
    }

    v->data = p;

    for (i = 0; i < u->states.nelts; i++) {
        if (i) {
            *p++ = ',';
            *p++ = ' ';
        }

        switch ((mx_ups_var_e) data) {

        case MX_UPS_VAR_ADDR:
            if (st[i].peer) {
                memcpy(p, st[i].peer->data, st[i].peer->len);
                p += st[i].peer->len;
            } else {
                *p++ = '-';
            }
            break;

        case MX_UPS_VAR_STATUS:
            if (st[i].status) {
                p = mx_sprint_uint(p, st[i].status);
            } else {
                *p++ = '-';
            }
            break;

        case MX_UPS_VAR_RESPONSE_TIME:
        case MX_UPS_VAR_CONNECT_TIME:
        case MX_UPS_VAR_HEADER_TIME:
            ms = data == MX_UPS_VAR_RESPONSE_TIME ? st[i].response_time
                 : data == MX_UPS_VAR_CONNECT_TIME ? st[i].connect_time
                 : st[i].header_time;

            if (ms == -1) {
                *p++ = '-';
            } else {
                p += sprintf((char *) p, "%lld.%03lld",
                             (long long) (ms / 1000),
                             (long long) (ms % 1000));
            }
            break;

        case MX_UPS_VAR_RESPONSE_LENGTH:
            p = mx_sprint_uint(p, (uint64_t) st[i].response_length);
            break;

        case MX_UPS_VAR_BYTES_RECEIVED:
            p = mx_sprint_uint(p, (uint64_t) st[i].bytes_received);
            break;
        }
    }

    v->len = p - v->data;
    return MX_OK;
}


/* $upstream_http_NAME: a header of the last upstream response */
static int
mx_http_upstream_var_http(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    const mx_str_t      *full = (const mx_str_t *) data;
    mx_http_upstream_t  *u;
    mx_table_elt_t      *h;
    mx_uint_t            i;
    size_t               n, k;
    u_char               a, b;

    u = mx_http_upstream_get(r);
    if (u == NULL || !u->header_done) {
        return MX_DECLINED;
    }

    n = full->len - (sizeof("upstream_http_") - 1);
    h = u->headers_in.elts;

    for (i = 0; i < u->headers_in.nelts; i++) {
        if (h[i].key.len != n) {
            continue;
        }

        for (k = 0; k < n; k++) {
            a = mx_tolower(h[i].key.data[k]);
            b = full->data[sizeof("upstream_http_") - 1 + k];
            if (a == '-') {
                a = '_';
            }
            if (a != b) {
                break;
            }
        }

        if (k == n) {
            *v = h[i].value;
            return MX_OK;
        }
    }

    return MX_DECLINED;
}


int
mx_http_upstream_add_variables(mx_conf_t *cf)
{
    static const struct {
        const char    *name;
        mx_ups_var_e   which;
    } vars[] = {
        { "upstream_addr", MX_UPS_VAR_ADDR },
        { "upstream_status", MX_UPS_VAR_STATUS },
        { "upstream_response_time", MX_UPS_VAR_RESPONSE_TIME },
        { "upstream_connect_time", MX_UPS_VAR_CONNECT_TIME },
        { "upstream_header_time", MX_UPS_VAR_HEADER_TIME },
        { "upstream_response_length", MX_UPS_VAR_RESPONSE_LENGTH },
        { "upstream_bytes_received", MX_UPS_VAR_BYTES_RECEIVED },
    };

    mx_http_variable_t  *v;
    mx_uint_t            i;

    for (i = 0; i < mx_nelems(vars); i++) {
        v = mx_http_add_variable(cf, (u_char *) vars[i].name,
                                 strlen(vars[i].name), 0);
        if (v == NULL) {
            return MX_ERROR;
        }

        v->get = mx_http_upstream_var;
        v->data = (uintptr_t) vars[i].which;
    }

    v = mx_http_add_variable(cf, (u_char *) "upstream_http_",
                             sizeof("upstream_http_") - 1,
                             MX_HTTP_VAR_PREFIX);
    if (v == NULL) {
        return MX_ERROR;
    }

    v->get = mx_http_upstream_var_http;

    return MX_OK;
}


