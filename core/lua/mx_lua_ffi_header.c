#include "mx_lua_module.h"
#include "mx_lua_ffi.h"

#include <strings.h>

/*
 * ngx.header (response headers) and ngx.req.get_headers.
 *
 * Response headers live in r->headers_out.headers; an entry with hash 0
 * is removed (it is kept so that clearing Server or Date tells the core
 * not to add its own). Content-Type and Content-Length live in their
 * headers_out fields only, as the core serializes them from there.
 */

/* lua-nginx-module escapes what could split a header: in names all but
 * token characters, in values control characters but HT */
static const char  mx_ffi_name_specials[] = "\"(),/:;<=>?@[\\]{}";


static int
mx_ffi_header_name_escape(u_char c)
{
    return c <= 0x20 || c >= 0x7f
           || memchr(mx_ffi_name_specials, c, sizeof(mx_ffi_name_specials) - 1)
              != NULL;
}


static int
mx_ffi_header_value_escape(u_char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}


/*
 * Copies src into the pool, escaping unsafe bytes as "%XX" (and turning
 * "_" into "-" in names). MX_OK or MX_ERROR.
 */
static int
mx_ffi_header_copy(mx_http_request_t *r, mx_str_t *dst, const u_char *src,
    size_t len, int is_name)
{
    static const u_char  hex[] = "0123456789ABCDEF";
    size_t               i, n;
    u_char              *p, c;

    n = 0;

    for (i = 0; i < len; i++) {
        c = src[i];
        if (is_name ? (c != '_' && mx_ffi_header_name_escape(c))
                    : mx_ffi_header_value_escape(c))
        {
            n++;
        }
    }

    p = mx_pnalloc(r->pool, len + 2 * n + 1);
    if (p == NULL) {
        return MX_ERROR;
    }

    dst->data = p;

    for (i = 0; i < len; i++) {
        c = src[i];

        if (is_name && c == '_') {
            *p++ = '-';
            continue;
        }

        if (is_name ? mx_ffi_header_name_escape(c)
                    : mx_ffi_header_value_escape(c))
        {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 0xf];
            continue;
        }

        *p++ = c;
    }

    *p = '\0';
    dst->len = p - dst->data;

    return MX_OK;
}


static mx_uint_t
mx_ffi_header_hash(const mx_str_t *key)
{
    mx_uint_t  hash;

    hash = mx_hash_key_lc(key->data, key->len);

    /* 0 means "removed" */
    return hash ? hash : 1;
}


/* removes every response header named key */
static void
mx_ffi_header_clear(mx_http_request_t *r, const mx_str_t *key)
{
    mx_uint_t        i;
    mx_table_elt_t  *h;

    h = r->headers_out.headers.elts;

    for (i = 0; i < r->headers_out.headers.nelts; i++) {
        if (h[i].hash != 0 && h[i].key.len == key->len
            && strncasecmp((char *) h[i].key.data, (char *) key->data,
                           key->len) == 0)
        {
            h[i].hash = 0;
            h[i].value.len = 0;
        }
    }
}


/* as lua-nginx-module's ngx_http_set_header_helper() */
static int
mx_ffi_header_set_generic(mx_http_request_t *r, const mx_str_t *key,
    const mx_str_t *value, int override)
{
    u_char          *low;
    mx_uint_t        i, hash, matched;
    mx_table_elt_t  *h;

    hash = mx_ffi_header_hash(key);

    if (override) {
        matched = 0;
        h = r->headers_out.headers.elts;

        for (i = 0; i < r->headers_out.headers.nelts; i++) {
            if (h[i].hash == 0 || h[i].key.len != key->len
                || strncasecmp((char *) h[i].key.data, (char *) key->data,
                               key->len) != 0)
            {
                continue;
            }

            if (value->len == 0 || matched) {
                h[i].value.len = 0;
                h[i].hash = 0;

            } else {
                h[i].value = *value;
                h[i].hash = hash;
            }

            matched = 1;
        }

        if (matched) {
            return MX_OK;
        }
    }

    /* a removed entry is still added: it tells the core that a header it
     * adds by itself (Server, Date) was cleared */
    h = mx_array_push(&r->headers_out.headers);
    if (h == NULL) {
        return MX_ERROR;
    }

    low = mx_pnalloc(r->pool, key->len);
    if (low == NULL) {
        return MX_ERROR;
    }

    mx_strlow(low, key->data, key->len);

    h->key = *key;
    h->value = *value;
    h->lowcase_key = low;
    h->hash = value->len ? hash : 0;

    return MX_OK;
}


/* "123" only, as ngx_atosz(); -1 when invalid */
static off_t
mx_ffi_parse_length(const mx_str_t *v)
{
    off_t   n;
    size_t  i;

    if (v->len == 0) {
        return -1;
    }

    n = 0;

    for (i = 0; i < v->len; i++) {
        if (v->data[i] < '0' || v->data[i] > '9') {
            return -1;
        }

        if (n > ((off_t) INT64_MAX - 9) / 10) {
            return -1;
        }

        n = n * 10 + (v->data[i] - '0');
    }

    return n;
}


static int
mx_ffi_header_set(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    const mx_str_t *key, mx_str_t *value, int override)
{
    off_t  len;

    switch (key->len) {

    case 12:
        if (strncasecmp((char *) key->data, "Content-Type", 12) != 0) {
            break;
        }

        r->headers_out.content_type = *value;
        r->headers_out.content_type_set = 1;
        ctx->mime_set = 1;
        mx_ffi_header_clear(r, key);
        return MX_OK;

    case 14:
        if (strncasecmp((char *) key->data, "Content-Length", 14) != 0) {
            break;
        }

        if (value->len == 0) {
            r->headers_out.content_length_n = -1;
            mx_ffi_header_clear(r, key);
            return MX_OK;
        }

        len = mx_ffi_parse_length(value);
        if (len < 0) {
            return MX_ERROR;
        }

        r->headers_out.content_length_n = len;
        mx_ffi_header_clear(r, key);
        return MX_OK;

    case 13:
        if (strncasecmp((char *) key->data, "Last-Modified", 13) != 0) {
            break;
        }

        r->headers_out.last_modified_time =
            value->len ? mx_parse_http_time(value->data, value->len) : -1;
        break;

    default:
        break;
    }

    return mx_ffi_header_set_generic(r, key, value, override);
}


int
mx_ffi_set_resp_header(mx_http_request_t *r, const u_char *key_data,
    size_t key_len, int is_nil, const u_char *sval, size_t sval_len,
    mx_ffi_str_t *mvals, size_t mvals_len, int override,
    const char **errmsg)
{
    size_t              i;
    mx_str_t            key, value;
    mx_http_lua_ctx_t  *ctx;

    if (r == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    if (r->header_sent || ctx->header_sent) {
        mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                     "attempt to set ngx.header.HEADER after sending out "
                     "response headers");
        return MX_DECLINED;
    }

    if (mx_ffi_header_copy(r, &key, key_data, key_len, 1) != MX_OK) {
        goto nomem;
    }

    ctx->headers_set = 1;

    if (is_nil || (mvals && mvals_len == 0)) {
        value.len = 0;
        value.data = (u_char *) "";

    } else if (mvals) {
        for (i = 0; i < mvals_len; i++) {
            if (mx_ffi_header_copy(r, &value, mvals[i].data,
                                   (size_t) mvals[i].len, 0)
                != MX_OK)
            {
                goto nomem;
            }

            if (mx_ffi_header_set(r, ctx, &key, &value, override && i == 0)
                != MX_OK)
            {
                *errmsg = "failed to set header";
                return MX_ERROR;
            }
        }

        return MX_OK;

    } else {
        if (mx_ffi_header_copy(r, &value, sval, sval_len, 0) != MX_OK) {
            goto nomem;
        }
    }

    if (mx_ffi_header_set(r, ctx, &key, &value, override) != MX_OK) {
        *errmsg = "failed to set header";
        return MX_ERROR;
    }

    return MX_OK;

nomem:

    *errmsg = "no memory";
    return MX_ERROR;
}


int
mx_ffi_get_resp_header(mx_http_request_t *r, const u_char *key,
    size_t key_len, u_char *key_buf, mx_ffi_str_t *values, int max,
    const char **errmsg)
{
    int              found;
    u_char          *p;
    size_t           i;
    mx_uint_t        n;
    mx_table_elt_t  *h;

    if (r == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    if (mx_http_get_module_ctx(r, mx_http_lua_module) == NULL) {
        *errmsg = "no ctx found";
        return MX_ERROR;
    }

    if (memchr(key, '_', key_len) != NULL) {
        for (i = 0; i < key_len; i++) {
            key_buf[i] = key[i] == '_' ? '-' : key[i];
        }

        key = key_buf;
    }

    switch (key_len) {

    case 14:
        if (r->headers_out.content_length_n >= 0
            && strncasecmp((char *) key, "Content-Length", 14) == 0)
        {
            p = mx_pnalloc(r->pool, 21);
            if (p == NULL) {
                *errmsg = "no memory";
                return MX_ERROR;
            }

            values[0].data = p;
            values[0].len = (int) (mx_sprint_uint(p, (uint64_t)
                                       r->headers_out.content_length_n)
                                   - p);
            return 1;
        }

        break;

    case 12:
        if (strncasecmp((char *) key, "Content-Type", 12) == 0
            && r->headers_out.content_type.len)
        {
            values[0].data = r->headers_out.content_type.data;
            values[0].len = (int) r->headers_out.content_type.len;
            return 1;
        }

        break;

    case 13:
        if (strncasecmp((char *) key, "Last-Modified", 13) == 0) {
            if (r->headers_out.last_modified_time < 0) {
                return 0;
            }

            p = mx_pnalloc(r->pool, sizeof("Mon, 28 Sep 1970 06:00:00 GMT"));
            if (p == NULL) {
                *errmsg = "no memory";
                return MX_ERROR;
            }

            values[0].data = p;
            values[0].len = (int) (mx_http_time(p,
                                       r->headers_out.last_modified_time)
                                   - p);
            return 1;
        }

        break;

    default:
        break;
    }

    found = 0;
    h = r->headers_out.headers.elts;

    for (n = 0; n < r->headers_out.headers.nelts; n++) {
        if (h[n].hash == 0 || h[n].key.len != key_len
            || strncasecmp((char *) h[n].key.data, (char *) key, key_len)
               != 0)
        {
            continue;
        }

        values[found].data = h[n].value.data;
        values[found].len = (int) h[n].value.len;

        if (++found >= max) {
            break;
        }
    }

    return found;
}


/* as lua-nginx-module: NGX_HTTP_LUA_MAX_HEADERS */
#define MX_FFI_MAX_HEADERS  100


int
mx_ffi_req_get_headers_count(mx_http_request_t *r, int max, int *truncated)
{
    int  count;

    if (r == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    *truncated = 0;

    if (max < 0) {
        max = MX_FFI_MAX_HEADERS;
    }

    count = (int) r->headers_in.headers.nelts;

    if (max > 0 && count > max) {
        *truncated = 1;
        count = max;
    }

    return count;
}


int
mx_ffi_req_get_headers(mx_http_request_t *r, mx_ffi_table_elt_t *out,
    int count, int raw)
{
    int              n;
    u_char          *low;
    mx_uint_t        i;
    mx_table_elt_t  *h;

    if (r == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    h = r->headers_in.headers.elts;
    n = 0;

    for (i = 0; i < r->headers_in.headers.nelts && n < count; i++) {

        if (raw) {
            out[n].key.data = h[i].key.data;

        } else {
            low = h[i].lowcase_key;

            if (low == NULL) {
                low = mx_pnalloc(r->pool, h[i].key.len);
                if (low == NULL) {
                    return MX_ERROR;
                }

                mx_strlow(low, h[i].key.data, h[i].key.len);
                h[i].lowcase_key = low;
            }

            out[n].key.data = low;
        }

        out[n].key.len = (int) h[i].key.len;
        out[n].value.data = h[i].value.data;
        out[n].value.len = (int) h[i].value.len;
        n++;
    }

    return MX_OK;
}
