#include "mx_lua_module.h"
#include "mx_lua_ffi.h"

#include <strings.h>

/*
 * ngx.header and ngx.resp.get_headers (response headers),
 * ngx.req.get_headers and ngx.req.set_header (request headers).
 *
 * Response headers live in r->headers_out.headers; an entry with hash 0
 * is removed (it is kept so that clearing Server or Date tells the core
 * not to add its own). Content-Type and Content-Length live in their
 * headers_out fields only, as the core serializes them from there.
 */

/*
 * lua-nginx-module escapes what could split a header as "%XX": in names
 * all but token characters, in values control characters but HT. The
 * classes of every byte, filled on first use.
 */
#define MX_FFI_ESCAPE_NAME   1
#define MX_FFI_ESCAPE_VALUE  2

static u_char  mx_ffi_header_escape[256];


static void
mx_ffi_header_escape_init(void)
{
    static const char  specials[] = "\"(),/:;<=>?@[\\]{}";
    unsigned           c;

    for (c = 0; c < 256; c++) {
        if (c <= 0x20 || c >= 0x7f
            || memchr(specials, (int) c, sizeof(specials) - 1) != NULL)
        {
            mx_ffi_header_escape[c] |= MX_FFI_ESCAPE_NAME;
        }

        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            mx_ffi_header_escape[c] |= MX_FFI_ESCAPE_VALUE;
        }
    }
}


/* the number of bytes of src in class */
static size_t
mx_ffi_header_escapes(const u_char *src, size_t len, u_char class)
{
    size_t  i, n;

    /* NUL is escaped in both classes: 0 until the table is filled */
    if (mx_ffi_header_escape[0] == 0) {
        mx_ffi_header_escape_init();
    }

    n = 0;

    for (i = 0; i < len; i++) {
        n += (mx_ffi_header_escape[src[i]] & class) != 0;
    }

    return n;
}


/* mx_strlow() eight bytes at a time (ASCII letters only, as mx_tolower) */
static void
mx_ffi_strlow(u_char *dst, const u_char *src, size_t n)
{
    uint64_t  w, h, upper;

    for ( /* void */ ; n >= 8; n -= 8, src += 8, dst += 8) {
        memcpy(&w, src, 8);

        /* bit 7 of each byte in 'A'..'Z': at least 'A', not above 'Z',
         * and ASCII; bytes cannot carry into each other once masked */
        h = w & 0x7f7f7f7f7f7f7f7fULL;
        upper = (h + 0x3f3f3f3f3f3f3f3fULL)
                & ~(h + 0x2525252525252525ULL)
                & ~w & 0x8080808080808080ULL;

        w |= upper >> 2;
        memcpy(dst, &w, 8);
    }

    while (n--) {
        *dst++ = mx_tolower(*src);
        src++;
    }
}


static const u_char  mx_ffi_hex[] = "0123456789ABCDEF";


/* a header name as it goes out, with what the header list keeps of it */
typedef struct {
    mx_str_t      key;      /* escaped, NUL-terminated */
    u_char       *low;      /* key lowercased */
    mx_uint_t     hash;     /* mx_hash_key_lc(key), never 0 (removed) */
} mx_ffi_header_name_t;


#define MX_FFI_HEADER_RESP_NAME  1   /* "_" becomes "-" */
#define MX_FFI_HEADER_REQ_NAME   2


/*
 * Copies the name src into the pool, escaped, with the lowercase form
 * and the hash the header list needs. MX_OK or MX_ERROR.
 */
static int
mx_ffi_header_copy_name(mx_http_request_t *r, mx_ffi_header_name_t *name,
    const u_char *src, size_t len, int mode)
{
    size_t      i, n, size;
    u_char     *p, *q, c;
    mx_uint_t   hash;

    /* "_" is a token character: never escaped */
    n = mx_ffi_header_escapes(src, len, MX_FFI_ESCAPE_NAME);

    if (len > (SIZE_MAX - 1) / 6) {
        return MX_ERROR;
    }

    size = len + 2 * n;

    /* the key, its NUL and its lowercase form in one piece */
    p = mx_pnalloc(r->pool, 2 * size + 1);
    if (p == NULL) {
        return MX_ERROR;
    }

    q = p;

    for (i = 0; i < len; i++) {
        c = src[i];

        if (c == '_') {
            *q++ = (mode == MX_FFI_HEADER_RESP_NAME) ? '-' : '_';

        } else if (mx_ffi_header_escape[c] & MX_FFI_ESCAPE_NAME) {
            *q++ = '%';
            *q++ = mx_ffi_hex[c >> 4];
            *q++ = mx_ffi_hex[c & 0xf];

        } else {
            *q++ = c;
        }
    }

    *q++ = '\0';

    name->key.data = p;
    name->key.len = size;
    name->low = q;

    hash = 0;

    for (i = 0; i < size; i++) {
        c = mx_tolower(p[i]);
        q[i] = c;
        hash = hash * 31 + c;
    }

    name->hash = hash ? hash : 1;

    return MX_OK;
}


/* Copies the value src into the pool (NUL-terminated), escaped */
static int
mx_ffi_header_copy_value(mx_http_request_t *r, mx_str_t *dst,
    const u_char *src, size_t len)
{
    size_t   i, n;
    u_char  *p, c;

    n = mx_ffi_header_escapes(src, len, MX_FFI_ESCAPE_VALUE);

    if (len > (SIZE_MAX - 1) / 3) {
        return MX_ERROR;
    }

    p = mx_pnalloc(r->pool, len + 2 * n + 1);
    if (p == NULL) {
        return MX_ERROR;
    }

    dst->data = p;

    if (n == 0) {
        memcpy(p, src, len);
        p += len;

    } else {
        for (i = 0; i < len; i++) {
            c = src[i];

            if (mx_ffi_header_escape[c] & MX_FFI_ESCAPE_VALUE) {
                *p++ = '%';
                *p++ = mx_ffi_hex[c >> 4];
                *p++ = mx_ffi_hex[c & 0xf];
                continue;
            }

            *p++ = c;
        }
    }

    *p = '\0';
    dst->len = p - dst->data;

    return MX_OK;
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
mx_ffi_header_set_generic(mx_http_request_t *r,
    const mx_ffi_header_name_t *name, const mx_str_t *value, int override)
{
    mx_uint_t        i, matched;
    mx_table_elt_t  *h;
    const mx_str_t  *key = &name->key;

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
                h[i].hash = name->hash;
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

    h->key = *key;
    h->value = *value;
    h->lowcase_key = name->low;
    h->hash = value->len ? name->hash : 0;

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
    const mx_ffi_header_name_t *name, mx_str_t *value, int override)
{
    off_t            len;
    const mx_str_t  *key = &name->key;

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

    return mx_ffi_header_set_generic(r, name, value, override);
}


int
mx_ffi_set_resp_header(mx_http_request_t *r, const u_char *key_data,
    size_t key_len, int is_nil, const u_char *sval, size_t sval_len,
    mx_ffi_str_t *mvals, size_t mvals_len, int override,
    const char **errmsg)
{
    size_t                i;
    mx_str_t              value;
    mx_http_lua_ctx_t    *ctx;
    mx_ffi_header_name_t  key;

    if (mx_http_lua_check_fake(r)) {
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

    if (mx_ffi_header_copy_name(r, &key, key_data, key_len,
                                MX_FFI_HEADER_RESP_NAME)
        != MX_OK)
    {
        goto nomem;
    }

    ctx->headers_set = 1;

    if (is_nil || (mvals && mvals_len == 0)) {
        value.len = 0;
        value.data = (u_char *) "";

    } else if (mvals) {
        for (i = 0; i < mvals_len; i++) {
            if (mx_ffi_header_copy_value(r, &value, mvals[i].data,
                                         (size_t) mvals[i].len)
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
        if (mx_ffi_header_copy_value(r, &value, sval, sval_len) != MX_OK) {
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

    if (mx_http_lua_check_fake(r)) {
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


/* ------------------------------------------------ ngx.resp.get_headers */

/*
 * The headers the core writes from its own fields, which
 * lua-nginx-module lists before the others; out may be NULL to count
 * them. Content-Length is one of the list in nginx, the first of it here
 * (see below).
 */
static int
mx_ffi_resp_core_headers(mx_http_request_t *r, mx_ffi_table_elt_t *out)
{
    int                  n, chunked;
    mx_http_lua_ctx_t   *ctx;

    n = 0;

#define MX_FFI_PUT(k, v, vlen)                                             \
    if (out) {                                                             \
        out[n].key.data = (const u_char *) (k);                            \
        out[n].key.len = (int) (sizeof(k) - 1);                            \
        out[n].value.data = (const u_char *) (v);                          \
        out[n].value.len = (int) (vlen);                                   \
    }                                                                      \
    n++

    if (r->headers_out.content_type.len) {
        MX_FFI_PUT("content-type", r->headers_out.content_type.data,
                   r->headers_out.content_type.len);
    }

    if (r->headers_out.status == 101) {
        MX_FFI_PUT("connection", "upgrade", 7);

    } else if (r->keepalive) {
        MX_FFI_PUT("connection", "keep-alive", 10);

    } else {
        MX_FFI_PUT("connection", "close", 5);
    }

    /*
     * nginx has sent the header at the first ngx.say; moxy keeps it for
     * the first write, and decides on chunked output then, as below
     */
    chunked = r->chunked;
    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);

    if (!r->header_sent && ctx && ctx->header_sent && !ctx->header_only
        && r->http_version >= MX_HTTP_VERSION_11
        && r->headers_out.content_length_n < 0
        && r->headers_out.status != 204 && r->headers_out.status != 304)
    {
        chunked = 1;
    }

    if (chunked) {
        MX_FFI_PUT("transfer-encoding", "chunked", 7);
    }

#undef MX_FFI_PUT

    return n;
}


/* Content-Length as an entry of the list (out may be NULL to count) */
static int
mx_ffi_resp_content_length(mx_http_request_t *r, mx_ffi_table_elt_t *out)
{
    u_char  *p;

    if (r->headers_out.content_length_n < 0) {
        return 0;
    }

    if (out) {
        p = mx_pnalloc(r->pool, 21);
        if (p == NULL) {
            return MX_ERROR;
        }

        out->key.data = (const u_char *) "content-length";
        out->key.len = sizeof("content-length") - 1;
        out->value.data = p;
        out->value.len = (int) (mx_sprint_uint(p, (uint64_t)
                                    r->headers_out.content_length_n) - p);
    }

    return 1;
}


int
mx_ffi_resp_get_headers_count(mx_http_request_t *r, int max, int *truncated)
{
    int              extra, count, n;
    mx_uint_t        i;
    mx_table_elt_t  *h;

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    *truncated = 0;

    if (max < 0) {
        max = MX_FFI_MAX_HEADERS;
    }

    extra = mx_ffi_resp_core_headers(r, NULL);
    count = mx_ffi_resp_content_length(r, NULL);

    h = r->headers_out.headers.elts;

    for (i = 0; i < r->headers_out.headers.nelts; i++) {
        if (h[i].hash) {
            count++;
        }
    }

    if (max > 0 && count + extra > max) {
        *truncated = 1;

        /* lua-nginx-module always gives one header of the list */
        n = max - extra;
        count = mx_min(count, n > 1 ? n : 1);
    }

    return extra + count;
}


int
mx_ffi_resp_get_headers(mx_http_request_t *r, mx_ffi_table_elt_t *out,
    int count, int raw)
{
    int              n, rc;
    u_char          *low;
    mx_uint_t        i;
    mx_table_elt_t  *h;

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    n = mx_ffi_resp_core_headers(r, out);

    if (n < count) {
        rc = mx_ffi_resp_content_length(r, &out[n]);
        if (rc < 0) {
            return rc;
        }

        n += rc;
    }

    h = r->headers_out.headers.elts;

    for (i = 0; i < r->headers_out.headers.nelts && n < count; i++) {
        if (h[i].hash == 0) {
            continue;
        }

        if (raw) {
            out[n].key.data = h[i].key.data;

        } else {
            /* the core does not always fill lowcase_key */
            low = mx_pnalloc(r->pool, h[i].key.len ? h[i].key.len : 1);
            if (low == NULL) {
                return MX_ERROR;
            }

            mx_strlow(low, h[i].key.data, h[i].key.len);
            out[n].key.data = low;
        }

        out[n].key.len = (int) h[i].key.len;
        out[n].value.data = h[i].value.data;
        out[n].value.len = (int) h[i].value.len;
        n++;
    }

    return n;
}


/* ------------------------------------------------- ngx.req.get_headers */

int
mx_ffi_req_get_headers_count(mx_http_request_t *r, int max, int *truncated)
{
    int              count;
    mx_uint_t        i;
    mx_table_elt_t  *h;

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    *truncated = 0;

    if (max < 0) {
        max = MX_FFI_MAX_HEADERS;
    }

    h = r->headers_in.headers.elts;
    count = 0;

    /* removed headers (hash 0) keep their slot */
    for (i = 0; i < r->headers_in.headers.nelts; i++) {
        if (h[i].hash) {
            count++;
        }
    }

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

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    h = r->headers_in.headers.elts;
    n = 0;

    for (i = 0; i < r->headers_in.headers.nelts && n < count; i++) {

        if (h[i].hash == 0) {
            continue;
        }

        if (raw) {
            out[n].key.data = h[i].key.data;

        } else {
            low = h[i].lowcase_key;

            if (low == NULL) {
                low = mx_pnalloc(r->pool, h[i].key.len ? h[i].key.len : 1);
                if (low == NULL) {
                    return MX_ERROR;
                }

                mx_ffi_strlow(low, h[i].key.data, h[i].key.len);
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


/* ------------------------------------------------- ngx.req.set_header */

/* the request headers the core finds through a field of headers_in */
static const struct {
    mx_str_t    name;            /* lowercase */
    size_t      offset;
} mx_ffi_in_fields[] = {
    { mx_string("host"), offsetof(mx_http_headers_in_t, host) },
    { mx_string("connection"), offsetof(mx_http_headers_in_t, connection) },
    { mx_string("content-length"),
      offsetof(mx_http_headers_in_t, content_length) },
    { mx_string("transfer-encoding"),
      offsetof(mx_http_headers_in_t, transfer_encoding) },
    { mx_string("expect"), offsetof(mx_http_headers_in_t, expect) },
    { mx_string("user-agent"), offsetof(mx_http_headers_in_t, user_agent) },
    { mx_string("referer"), offsetof(mx_http_headers_in_t, referer) },
    { mx_string("content-type"),
      offsetof(mx_http_headers_in_t, content_type) },
    { mx_string("cookie"), offsetof(mx_http_headers_in_t, cookie) },
    { mx_string("x-forwarded-for"),
      offsetof(mx_http_headers_in_t, x_forwarded_for) },
};


static int
mx_ffi_header_is(const mx_table_elt_t *h, const u_char *key, size_t len)
{
    return h->hash != 0 && h->key.len == len
           && strncasecmp((char *) h->key.data, (char *) key, len) == 0;
}


/*
 * Points the headers_in fields at the first header of their name that
 * is still there (the array may have moved, entries may be gone) and
 * brings the flags derived from them up to date.
 */
static void
mx_ffi_req_headers_reindex(mx_http_request_t *r)
{
    mx_uint_t              i, k;
    mx_table_elt_t        *h, **field;
    mx_http_headers_in_t  *hin = &r->headers_in;

    h = hin->headers.elts;

    for (k = 0; k < mx_nelems(mx_ffi_in_fields); k++) {
        field = (mx_table_elt_t **) ((u_char *) hin
                                     + mx_ffi_in_fields[k].offset);
        *field = NULL;

        for (i = 0; i < hin->headers.nelts; i++) {
            if (mx_ffi_header_is(&h[i], mx_ffi_in_fields[k].name.data,
                                 mx_ffi_in_fields[k].name.len))
            {
                *field = &h[i];
                break;
            }
        }
    }

    hin->connection_close = 0;
    hin->connection_keepalive = 0;
    hin->connection_upgrade = 0;

    if (hin->connection) {
        h = hin->connection;

        hin->connection_close =
            memmem(h->value.data, h->value.len, "close", 5) != NULL
            || memmem(h->value.data, h->value.len, "Close", 5) != NULL;

        hin->connection_keepalive =
            memmem(h->value.data, h->value.len, "keep-alive", 10) != NULL
            || memmem(h->value.data, h->value.len, "Keep-Alive", 10) != NULL;

        hin->connection_upgrade =
            memmem(h->value.data, h->value.len, "pgrade", 6) != NULL;
    }

    hin->expect_continue = hin->expect && hin->expect->value.len == 12
                           && strncasecmp((char *) hin->expect->value.data,
                                          "100-continue", 12) == 0;
}


/*
 * lua-nginx-module's Host check: no "..", "/", "\\" or NUL; the port and
 * a trailing dot are cut, the rest lowercased. MX_OK with *server.
 */
static int
mx_ffi_validate_host(mx_http_request_t *r, const mx_str_t *host,
    mx_str_t *server)
{
    u_char  *h, ch;
    size_t   i, dot_pos, host_len;
    enum { sw_usual = 0, sw_literal, sw_rest } state;

    dot_pos = host->len;
    host_len = host->len;
    h = host->data;
    state = sw_usual;

    for (i = 0; i < host->len; i++) {
        ch = h[i];

        switch (ch) {

        case '.':
            if (dot_pos == i - 1) {
                return MX_DECLINED;
            }
            dot_pos = i;
            break;

        case ':':
            if (state == sw_usual) {
                host_len = i;
                state = sw_rest;
            }
            break;

        case '[':
            if (i == 0) {
                state = sw_literal;
            }
            break;

        case ']':
            if (state == sw_literal) {
                host_len = i + 1;
                state = sw_rest;
            }
            break;

        case '\0':
        case '/':
        case '\\':
            return MX_DECLINED;

        default:
            break;
        }
    }

    if (host_len && dot_pos == host_len - 1) {
        host_len--;
    }

    if (host_len == 0) {
        return MX_DECLINED;
    }

    server->data = mx_pnalloc(r->pool, host_len);
    if (server->data == NULL) {
        return MX_ERROR;
    }

    mx_strlow(server->data, h, host_len);
    server->len = host_len;

    return MX_OK;
}


/* as lua-nginx-module's ngx_http_set_header_helper() for headers_in */
static int
mx_ffi_req_header_set_one(mx_http_request_t *r,
    const mx_ffi_header_name_t *name, const mx_str_t *value, int override)
{
    off_t            len;
    mx_str_t         server;
    mx_uint_t        i;
    mx_table_elt_t  *h, *matched;
    const mx_str_t  *key = &name->key;

    /* the core's own view first: a bad value changes nothing */

    if (key->len == 4 && strncasecmp((char *) key->data, "host", 4) == 0) {
        if (value->len == 0) {
            mx_str_null(&server);

        } else if (mx_ffi_validate_host(r, value, &server) != MX_OK) {
            return MX_ERROR;
        }

        r->headers_in.server = server;

    } else if (key->len == 14
               && strncasecmp((char *) key->data, "content-length", 14)
                  == 0)
    {
        if (value->len == 0) {
            r->headers_in.content_length_n = -1;

        } else {
            len = mx_ffi_parse_length(value);
            if (len < 0) {
                return MX_ERROR;
            }

            r->headers_in.content_length_n = len;
        }
    }

    h = r->headers_in.headers.elts;

    if (override) {
        matched = NULL;

        for (i = 0; i < r->headers_in.headers.nelts; i++) {
            if (!mx_ffi_header_is(&h[i], key->data, key->len)) {
                continue;
            }

            if (value->len == 0 || matched) {
                /* removed, but keeps its slot */
                h[i].hash = 0;
                continue;
            }

            h[i].value = *value;
            matched = &h[i];
        }

        if (matched || value->len == 0) {
            mx_ffi_req_headers_reindex(r);
            return MX_OK;
        }
    }

    h = mx_array_push(&r->headers_in.headers);
    if (h == NULL) {
        return MX_ERROR;
    }

    h->key = *key;
    h->value = *value;
    h->lowcase_key = name->low;
    h->hash = value->len ? name->hash : 0;

    /* the push may have moved the array */
    mx_ffi_req_headers_reindex(r);

    return MX_OK;
}


int
mx_ffi_req_set_header(mx_http_request_t *r, const u_char *key,
    size_t key_len, const u_char *value, size_t value_len,
    mx_ffi_str_t *mvals, size_t mvals_len, int override,
    const char **errmsg)
{
    size_t                i;
    mx_str_t              v;
    mx_ffi_header_name_t  k;

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    if (r->http_version < MX_HTTP_VERSION_10) {
        return MX_DECLINED;
    }

    if (mx_ffi_header_copy_name(r, &k, key, key_len, MX_FFI_HEADER_REQ_NAME)
        != MX_OK)
    {
        goto nomem;
    }

    if (mvals && mvals_len) {
        for (i = 0; i < mvals_len; i++) {
            if (mx_ffi_header_copy_value(r, &v, mvals[i].data,
                                         (size_t) mvals[i].len)
                != MX_OK)
            {
                goto nomem;
            }

            if (mx_ffi_req_header_set_one(r, &k, &v, override && i == 0)
                != MX_OK)
            {
                *errmsg = "failed to set header";
                return MX_ERROR;
            }
        }

        return MX_OK;
    }

    if (mvals || value == NULL || value_len == 0) {
        /* nil, "" or {}: the header goes */
        v.len = 0;
        v.data = (u_char *) "";

    } else if (mx_ffi_header_copy_value(r, &v, value, value_len) != MX_OK) {
        goto nomem;
    }

    if (mx_ffi_req_header_set_one(r, &k, &v, override) != MX_OK) {
        *errmsg = "failed to set header";
        return MX_ERROR;
    }

    return MX_OK;

nomem:

    *errmsg = "no memory";
    return MX_ERROR;
}
