#include "mx_lua_module.h"
#include "mx_lua_ffi.h"

/* ngx.req.get_method, ngx.req.get_uri_args */

/* as lua-nginx-module: NGX_HTTP_LUA_MAX_ARGS */
#define MX_FFI_MAX_ARGS  100


int
mx_ffi_req_get_method(mx_http_request_t *r)
{
    if (r == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    return (int) r->method;
}


int
mx_ffi_req_get_method_name(mx_http_request_t *r, const u_char **name,
    size_t *len)
{
    if (r == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    *name = r->method_name.data;
    *len = r->method_name.len;

    return MX_OK;
}


int
mx_ffi_req_get_uri_args_count(mx_http_request_t *r, int max, int *truncated)
{
    int      count;
    u_char  *p, *last;

    if (r == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    *truncated = 0;

    if (max < 0) {
        max = MX_FFI_MAX_ARGS;
    }

    last = r->args.data + r->args.len;
    count = 0;

    for (p = r->args.data; p != last; p++) {
        if (*p == '&') {
            count += count ? 1 : 2;
        }
    }

    if (count) {
        if (max > 0 && count > max) {
            count = max;
            *truncated = 1;
        }

        return count;
    }

    return r->args.len ? 1 : 0;
}


size_t
mx_ffi_req_get_querystring_len(mx_http_request_t *r)
{
    return r ? r->args.len : 0;
}


static int
mx_ffi_hex(u_char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


/*
 * Unescapes a query component in place: "+" is a space, "%XX" a byte;
 * a broken escape is kept as it was. Returns the new length.
 */
static size_t
mx_ffi_unescape_arg(u_char *s, size_t len)
{
    int      hi, lo;
    u_char  *d, *p, *end;

    d = s;
    p = s;
    end = s + len;

    while (p < end) {
        if (*p == '+') {
            *d++ = ' ';
            p++;
            continue;
        }

        if (*p != '%') {
            *d++ = *p++;
            continue;
        }

        hi = p + 1 < end ? mx_ffi_hex(p[1]) : -1;
        lo = p + 2 < end ? mx_ffi_hex(p[2]) : -1;

        if (hi < 0 || lo < 0) {
            /* "%" and what follows are taken as they are */
            *d++ = *p++;
            continue;
        }

        *d++ = (u_char) ((hi << 4) | lo);
        p += 3;
    }

    return d - s;
}


int
mx_ffi_req_get_uri_args(mx_http_request_t *r, u_char *buf,
    mx_ffi_table_elt_t *out, int count)
{
    int      i, parsing_value;
    size_t   n;
    u_char  *p, *q, *last;

    if (r == NULL || count <= 0) {
        return 0;
    }

    memcpy(buf, r->args.data, r->args.len);

    i = 0;
    parsing_value = 0;
    last = buf + r->args.len;
    p = buf;
    q = p;

    for ( ;; ) {
        if (p != last && *p == '=' && !parsing_value) {
            n = mx_ffi_unescape_arg(q, p - q);
            out[i].key.data = q;
            out[i].key.len = (int) n;

            p++;
            q = p;
            parsing_value = 1;
            continue;
        }

        if (p != last && *p != '&') {
            p++;
            continue;
        }

        /* the end of a pair: at "&" or at the end of the string */

        if (p == last && p == q && !parsing_value) {
            break;
        }

        n = mx_ffi_unescape_arg(q, p - q);

        if (parsing_value) {
            parsing_value = 0;

            if (out[i].key.len) {
                out[i].value.data = q;
                out[i].value.len = (int) n;
                i++;
            }

        } else if (n) {
            /* a key without "=" */
            out[i].key.data = q;
            out[i].key.len = (int) n;
            out[i].value.data = NULL;
            out[i].value.len = -1;
            i++;
        }

        if (i == count || p == last) {
            break;
        }

        p++;
        q = p;
    }

    return i;
}
