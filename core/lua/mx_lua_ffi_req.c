#include "mx_lua_module.h"
#include "mx_lua_ffi.h"

/*
 * ngx.req: the request line (method, HTTP version, URI, query args), the
 * raw header, the start time, and the POST args of a body read in memory.
 */

/* as lua-nginx-module: NGX_HTTP_LUA_MAX_ARGS */
#define MX_FFI_MAX_ARGS  100


static size_t mx_ffi_unescape_arg(u_char *s, size_t len);
static int mx_ffi_raw_header_rebuild(mx_http_request_t *r, int no_req_line,
    const u_char **data, size_t *len);


int
mx_ffi_req_get_method(mx_http_request_t *r)
{
    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    return (int) r->method;
}


int
mx_ffi_req_get_method_name(mx_http_request_t *r, const u_char **name,
    size_t *len)
{
    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    *name = r->method_name.data;
    *len = r->method_name.len;

    return MX_OK;
}


int
mx_ffi_req_set_method(mx_http_request_t *r, int method)
{
    static const struct {
        int          method;
        const char  *name;
    } methods[] = {
        { MX_HTTP_GET, "GET" },
        { MX_HTTP_HEAD, "HEAD" },
        { MX_HTTP_POST, "POST" },
        { MX_HTTP_PUT, "PUT" },
        { MX_HTTP_DELETE, "DELETE" },
        { MX_HTTP_MKCOL, "MKCOL" },
        { MX_HTTP_COPY, "COPY" },
        { MX_HTTP_MOVE, "MOVE" },
        { MX_HTTP_OPTIONS, "OPTIONS" },
        { MX_HTTP_PROPFIND, "PROPFIND" },
        { MX_HTTP_PROPPATCH, "PROPPATCH" },
        { MX_HTTP_LOCK, "LOCK" },
        { MX_HTTP_UNLOCK, "UNLOCK" },
        { MX_HTTP_PATCH, "PATCH" },
        { MX_HTTP_TRACE, "TRACE" },
    };

    mx_uint_t  i;

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    for (i = 0; i < mx_nelems(methods); i++) {
        if (methods[i].method == method) {
            r->method = (mx_uint_t) method;
            r->method_name.data = (u_char *) methods[i].name;
            r->method_name.len = strlen(methods[i].name);
            return MX_OK;
        }
    }

    return MX_DECLINED;
}


int
mx_ffi_req_http_version(mx_http_request_t *r)
{
    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    return (int) r->http_version;
}


double
mx_ffi_req_start_time(mx_http_request_t *r)
{
    /* lua-nginx-module's fake requests have no start time: 0 */
    if (mx_http_lua_check_fake(r)) {
        return 0;
    }

    return (double) r->start_sec + (double) r->start_msec / 1000;
}


int
mx_ffi_req_is_internal(mx_http_request_t *r)
{
    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    return r->internal ? 1 : 0;
}


/* ------------------------------------------------------ raw header */

int
mx_ffi_req_raw_header(mx_http_request_t *r, int no_req_line,
    const u_char **data, size_t *len, const char **err)
{
    u_char                   *start, *p, *end;
    size_t                    max;
    mx_http_core_srv_conf_t  *cscf;

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    if (r->http_version == MX_HTTP_VERSION_20) {
        *err = "http2 requests not supported yet";
        return MX_ERROR;
    }

    if (r->request_line.data == NULL) {
        return mx_ffi_raw_header_rebuild(r, no_req_line, data, len);
    }

    /*
     * HTTP/1 keeps the request line and the headers as received, in one
     * buffer, for the request's life: the header ends at the first empty
     * line after the request line. The scan stays within what the server
     * accepts as a header; beyond that, the header is rebuilt.
     */

    cscf = (r->port && r->port->default_server) ? r->port->default_server
                                                : r->srv;
    max = 0;

    if (cscf) {
        max = cscf->client_header_buffer_size
              + cscf->large_client_header_buffers_size
                * cscf->large_client_header_buffers_num;
    }

    start = r->request_line.data;
    p = start + r->request_line.len;
    end = NULL;

    while ((size_t) (p - start) < max) {
        p = memchr(p, '\n', max - (p - start));
        if (p == NULL) {
            break;
        }

        if ((size_t) (p + 1 - start) < max && p[1] == '\n') {
            end = p + 2;
            break;
        }

        if ((size_t) (p + 2 - start) < max && p[1] == '\r' && p[2] == '\n') {
            end = p + 3;
            break;
        }

        p++;
    }

    if (end == NULL) {
        return mx_ffi_raw_header_rebuild(r, no_req_line, data, len);
    }

    if (no_req_line) {
        start += r->request_line.len;
        start += (*start == '\r') ? 2 : 1;
    }

    *data = start;
    *len = end - start;

    return MX_OK;
}


/* the request line and the headers as they are now, CRLF-terminated */
static int
mx_ffi_raw_header_rebuild(mx_http_request_t *r, int no_req_line,
    const u_char **data, size_t *len)
{
    u_char          *buf, *p;
    size_t           n;
    mx_uint_t        i;
    mx_table_elt_t  *h;

    h = r->headers_in.headers.elts;
    n = no_req_line ? 0 : r->request_line.len + 2;

    for (i = 0; i < r->headers_in.headers.nelts; i++) {
        if (h[i].hash) {
            n += h[i].key.len + 2 + h[i].value.len + 2;
        }
    }

    n += 2;

    buf = mx_pnalloc(r->pool, n);
    if (buf == NULL) {
        return MX_ERROR;
    }

    p = buf;

    if (!no_req_line) {
        if (r->request_line.len) {
            memcpy(p, r->request_line.data, r->request_line.len);
            p += r->request_line.len;
        }

        *p++ = '\r';
        *p++ = '\n';
    }

    for (i = 0; i < r->headers_in.headers.nelts; i++) {
        if (h[i].hash == 0) {
            continue;
        }

        memcpy(p, h[i].key.data, h[i].key.len);
        p += h[i].key.len;
        *p++ = ':';
        *p++ = ' ';

        if (h[i].value.len) {
            memcpy(p, h[i].value.data, h[i].value.len);
            p += h[i].value.len;
        }

        *p++ = '\r';
        *p++ = '\n';
    }

    *p++ = '\r';
    *p++ = '\n';

    *data = buf;
    *len = p - buf;

    return MX_OK;
}


/* ------------------------------------------------------------ URI */

int
mx_ffi_req_set_uri(mx_http_request_t *r, const u_char *uri, size_t len,
    int jump, int binary, u_char *errbuf, size_t *errlen)
{
    static const char  hex[] = "0123456789ABCDEF";

    int                 n;
    u_char             *p, *q, c;
    size_t              i, room;
    const char         *msg;
    mx_http_lua_ctx_t  *ctx;

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    if (!binary) {
        /* lua-nginx-module refuses %00-%08, %0A-%1F and %7F */
        for (i = 0; i < len; i++) {
            c = uri[i];
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                break;
            }
        }

        if (i < len) {
            n = snprintf((char *) errbuf, *errlen, "unsafe byte \"0x%02x\" in "
                         "uri \"", (unsigned) c);
            if (n < 0 || (size_t) n >= *errlen) {
                *errlen = n < 0 ? 0 : *errlen;
                return MX_ERROR;
            }

            /* the URI as lua-nginx-module logs it: "\xHH" for control
             * bytes, quotes, backslashes and non-ASCII */
            p = errbuf + n;
            room = *errlen - n;

            for (i = 0; i < len && room > 4; i++) {
                c = uri[i];

                if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f) {
                    *p++ = '\\';
                    *p++ = 'x';
                    *p++ = hex[c >> 4];
                    *p++ = hex[c & 0xf];
                    room -= 4;
                    continue;
                }

                *p++ = c;
                room--;
            }

            n = snprintf((char *) p, room, "\" (maybe you want to set the "
                         "'binary' argument?)");
            p += n < 0 ? 0 : mx_min((size_t) n, room);
            *errlen = p - errbuf;

            return MX_ERROR;
        }
    }

    /* as lua-nginx-module: after the fake request and unsafe byte tests */
    if (jump
        && mx_http_lua_check_context(r, MX_LUA_CONTEXT_REWRITE, &msg)
           != MX_OK)
    {
        n = snprintf((char *) errbuf, *errlen, "%s", msg);
        *errlen = n < 0 ? 0 : mx_min((size_t) n, *errlen);
        return MX_ERROR;
    }

    p = mx_pnalloc(r->pool, len);
    if (p == NULL) {
        n = snprintf((char *) errbuf, *errlen, "no memory");
        *errlen = n < 0 ? 0 : mx_min((size_t) n, *errlen);
        return MX_ERROR;
    }

    memcpy(p, uri, len);

    r->uri.data = p;
    r->uri.len = len;
    r->internal = 1;

    /* the extension, for the MIME type */
    mx_str_null(&r->exten);

    for (q = p + len; q > p; q--) {
        if (q[-1] == '.') {
            r->exten.data = q;
            r->exten.len = p + len - q;
            break;
        }

        if (q[-1] == '/') {
            break;
        }
    }

    if (jump) {
        /* the runner ends the entry thread at its yield, and the rewrite
         * phase looks the location up again */
        ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
        if (ctx) {
            ctx->uri_jump = 1;
        }

        r->uri_changed = 1;
        return MX_OK;
    }

    r->valid_location = 0;
    r->uri_changed = 0;

    return MX_OK;
}


int
mx_ffi_req_set_uri_args(mx_http_request_t *r, const u_char *args,
    size_t len)
{
    u_char  *p;

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    p = mx_pnalloc(r->pool, len ? len : 1);
    if (p == NULL) {
        return MX_ERROR;
    }

    memcpy(p, args, len);

    r->args.data = p;
    r->args.len = len;

    return MX_OK;
}


/* ------------------------------------------------------- URI args */

int
mx_ffi_req_get_uri_args_count(mx_http_request_t *r, int max, int *truncated)
{
    int      count;
    u_char  *p, *last;

    if (mx_http_lua_check_fake(r)) {
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
    return mx_http_lua_check_fake(r) ? 0 : r->args.len;
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

    if (mx_http_lua_check_fake(r) || count <= 0) {
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


/* ------------------------------------------------------ POST args */

int
mx_ffi_req_get_post_args_count(mx_http_request_t *r, size_t *len,
    const char **err)
{
    int            count;
    size_t         i, n;
    const u_char  *data;

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    *len = 0;

    if (r->discard_body) {
        return 0;
    }

    if (r->request_body == NULL) {
        *err = "no request body found; maybe you should turn on "
               "lua_need_request_body?";
        return MX_ERROR;
    }

    if (r->request_body->temp_fd != -1) {
        return MX_DECLINED;
    }

    if (mx_ffi_req_get_body_data(r, &data, &n) != MX_OK) {
        return 0;
    }

    count = 1;

    for (i = 0; i < n; i++) {
        if (data[i] == '&') {
            count++;
        }
    }

    *len = n;

    return count;
}


int
mx_ffi_req_get_post_args(mx_http_request_t *r, u_char *buf,
    mx_ffi_table_elt_t *out, int count, int max, int *truncated)
{
    int            i, pieces, parsing_value, end;
    size_t         n, len;
    u_char        *p, *q, *last;
    const u_char  *data;

    *truncated = 0;

    if (mx_http_lua_check_fake(r) || count <= 0
        || mx_ffi_req_get_body_data(r, &data, &len) != MX_OK)
    {
        return 0;
    }

    memcpy(buf, data, len);

    /*
     * lua-nginx-module's ngx_http_lua_parse_args(): max counts every
     * "&"-terminated piece, even an empty one, and the last piece is
     * taken whatever max says.
     */

    i = 0;
    pieces = 0;
    parsing_value = 0;
    last = buf + len;
    p = buf;
    q = p;

    while (i < count) {
        end = (p == last);

        if (!end && *p == '=' && !parsing_value) {
            n = mx_ffi_unescape_arg(q, p - q);
            out[i].key.data = q;
            out[i].key.len = (int) n;

            p++;
            q = p;
            parsing_value = 1;
            continue;
        }

        if (!end && *p != '&') {
            p++;
            continue;
        }

        if (end && p == q && !parsing_value) {
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
            out[i].key.data = q;
            out[i].key.len = (int) n;
            out[i].value.data = NULL;
            out[i].value.len = -1;
            i++;
        }

        if (end) {
            break;
        }

        if (max > 0 && ++pieces == max) {
            *truncated = 1;
            break;
        }

        p++;
        q = p;
    }

    return i;
}
