#include "mx_lua_module.h"
#include "mx_lua_ffi.h"

/*
 * Leaving the handler: ngx.exit, ngx.exec, ngx.redirect; and ngx.status,
 * ngx.headers_sent, ngx.ctx's anchor. The exports record what to do in
 * the request's Lua context; the Lua wrappers then yield the entry thread
 * and the runner (mx_lua_coroutine.c) does it.
 */

#define mx_ffi_errf(err, errlen, ...)                                      \
    do {                                                                   \
        int  n_ = snprintf((char *) (err), *(errlen), __VA_ARGS__);        \
        *(errlen) = n_ < 0 ? 0 : mx_min((size_t) n_, *(errlen));           \
    } while (0)


static int mx_ffi_parse_unsafe_uri(mx_http_request_t *r, mx_str_t *uri,
    mx_str_t *args);


int
mx_ffi_exit(mx_http_request_t *r, int status, u_char *err, size_t *errlen)
{
    mx_http_lua_ctx_t  *ctx;

    if (status == MX_AGAIN || status == MX_DONE) {
        mx_ffi_errf(err, errlen, "bad argument to 'ngx.exit': does not "
                    "accept NGX_AGAIN or NGX_DONE");
        return MX_ERROR;
    }

    if (r == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        mx_ffi_errf(err, errlen, "no request ctx found");
        return MX_ERROR;
    }

    if (!(ctx->context & (MX_LUA_CONTEXT_REWRITE|MX_LUA_CONTEXT_ACCESS
                          |MX_LUA_CONTEXT_CONTENT|MX_LUA_CONTEXT_TIMER
                          |MX_LUA_CONTEXT_HEADER_FILTER
                          |MX_LUA_CONTEXT_BALANCER)))
    {
        mx_ffi_errf(err, errlen, "%s", mx_http_lua_context_error(ctx->context));
        return MX_ERROR;
    }

    if ((r->header_sent || ctx->header_sent)
        && status >= 300
        && status != 408
        && status != MX_HTTP_CLIENT_CLOSED_REQUEST
        && status != MX_HTTP_CLOSE)
    {
        if ((mx_uint_t) status != r->headers_out.status) {
            mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                         "attempt to set status %d via ngx.exit after "
                         "sending out the response status %lu", status,
                         (unsigned long) r->headers_out.status);
        }

        status = 200;
    }

    ctx->exit_code = status;
    ctx->exited = 1;

    /* a header filter or a balancer goes on to its end; the caller then
     * acts on it */
    if (ctx->context & (MX_LUA_CONTEXT_HEADER_FILTER|MX_LUA_CONTEXT_BALANCER))
    {
        return MX_DONE;
    }

    return MX_OK;
}


int
mx_ffi_exec(mx_http_request_t *r, const u_char *uri, size_t uri_len,
    const u_char *args, size_t args_len, u_char *err, size_t *errlen)
{
    u_char             *p;
    mx_str_t            u, a;
    mx_http_lua_ctx_t  *ctx;

    if (r == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        mx_ffi_errf(err, errlen, "no ctx found");
        return MX_ERROR;
    }

    if (!(ctx->context & (MX_LUA_CONTEXT_REWRITE|MX_LUA_CONTEXT_ACCESS
                          |MX_LUA_CONTEXT_CONTENT)))
    {
        mx_ffi_errf(err, errlen, "%s", mx_http_lua_context_error(ctx->context));
        return MX_ERROR;
    }

    u.data = mx_pnalloc(r->pool, uri_len);
    if (u.data == NULL) {
        mx_ffi_errf(err, errlen, "no memory");
        return MX_ERROR;
    }

    memcpy(u.data, uri, uri_len);
    u.len = uri_len;

    mx_str_null(&a);

    if (mx_ffi_parse_unsafe_uri(r, &u, &a) != MX_OK) {
        mx_ffi_errf(err, errlen, "unsafe uri");
        return MX_ERROR;
    }

    if (args_len) {
        if (a.len == 0) {
            a.data = mx_pnalloc(r->pool, args_len);
            if (a.data == NULL) {
                mx_ffi_errf(err, errlen, "no memory");
                return MX_ERROR;
            }

            memcpy(a.data, args, args_len);
            a.len = args_len;

        } else {
            p = mx_pnalloc(r->pool, a.len + 1 + args_len);
            if (p == NULL) {
                mx_ffi_errf(err, errlen, "no memory");
                return MX_ERROR;
            }

            memcpy(p, a.data, a.len);
            p[a.len] = '&';
            memcpy(p + a.len + 1, args, args_len);

            a.data = p;
            a.len += 1 + args_len;
        }
    }

    if (r->header_sent || ctx->header_sent) {
        mx_ffi_errf(err, errlen, "attempt to call ngx.exec after sending out "
                    "response headers");
        return MX_ERROR;
    }

    ctx->exec_uri = u;
    ctx->exec_args = a;

    return MX_OK;
}


/*
 * nginx's ngx_http_parse_unsafe_uri(): the query string is split off into
 * args; "..", "/../" and NUL are refused (logged).
 */
static int
mx_ffi_parse_unsafe_uri(mx_http_request_t *r, mx_str_t *uri, mx_str_t *args)
{
    u_char  *p, ch;
    size_t   len;

    p = uri->data;
    len = uri->len;

    if (len == 0 || p[0] == '?') {
        goto unsafe;
    }

    if (p[0] == '.' && len > 1 && p[1] == '.'
        && (len == 2 || p[2] == '/'))
    {
        goto unsafe;
    }

    for ( /* void */ ; len; len--) {

        ch = *p++;

        if (ch == '?') {
            args->len = len - 1;
            args->data = p;
            uri->len -= len;

            break;
        }

        if (ch == '\0') {
            goto unsafe;
        }

        if (ch == '/' && len > 2) {
            /* detect "/../" and "/.." */
            if (p[0] == '.' && p[1] == '.' && (len == 3 || p[2] == '/')) {
                goto unsafe;
            }
        }
    }

    return MX_OK;

unsafe:

    mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                 "unsafe URI \"%.*s\" was detected", MX_STR_ARG(*uri));

    return MX_ERROR;
}


int
mx_ffi_redirect(mx_http_request_t *r, const u_char *uri, size_t len,
    int status, u_char *err, size_t *errlen)
{
    u_char             *p;
    mx_table_elt_t     *h;
    mx_http_lua_ctx_t  *ctx;

    if (r == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        mx_ffi_errf(err, errlen, "no request ctx found");
        return MX_ERROR;
    }

    if (!(ctx->context & (MX_LUA_CONTEXT_REWRITE|MX_LUA_CONTEXT_ACCESS
                          |MX_LUA_CONTEXT_CONTENT)))
    {
        mx_ffi_errf(err, errlen, "%s", mx_http_lua_context_error(ctx->context));
        return MX_ERROR;
    }

    if (r->header_sent || ctx->header_sent) {
        mx_ffi_errf(err, errlen, "attempt to call ngx.redirect after sending "
                    "out the headers");
        return MX_ERROR;
    }

    p = mx_pnalloc(r->pool, len ? len : 1);
    if (p == NULL) {
        mx_ffi_errf(err, errlen, "no memory");
        return MX_ERROR;
    }

    memcpy(p, uri, len);

    h = mx_http_add_header_out(r, (const u_char *) "Location", 8, p, len);
    if (h == NULL) {
        mx_ffi_errf(err, errlen, "no memory");
        return MX_ERROR;
    }

    /*
     * As lua-nginx-module: a local "/path" stays as it is; the core only
     * completes the Location it owns (headers_out.location).
     */
    if (len && p[0] != '/') {
        r->headers_out.location = h;
    }

    r->headers_out.status = (mx_uint_t) status;

    ctx->exit_code = status;
    ctx->exited = 1;

    return MX_OK;
}


int
mx_ffi_get_resp_status(mx_http_request_t *r)
{
    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    if (r->err_status) {
        return (int) r->err_status;
    }

    if (r->headers_out.status) {
        return (int) r->headers_out.status;
    }

    if (r->http_version == MX_HTTP_VERSION_9) {
        return 9;
    }

    return 0;
}


int
mx_ffi_set_resp_status(mx_http_request_t *r, int status)
{
    mx_http_lua_ctx_t  *ctx;

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);

    if (r->header_sent || (ctx && ctx->header_sent)) {
        mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                     "attempt to set ngx.status after sending out "
                     "response headers");
        return MX_DECLINED;
    }

    r->headers_out.status = (mx_uint_t) status;

    if (status == 101) {
        mx_str_set(&r->headers_out.status_line, "101 Switching Protocols");

    } else {
        r->headers_out.status_line.len = 0;
    }

    return MX_OK;
}


int
mx_ffi_headers_sent(mx_http_request_t *r)
{
    mx_http_lua_ctx_t  *ctx;

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);

    return (r->header_sent || (ctx && ctx->header_sent)) ? 1 : 0;
}


int
mx_ffi_get_ctx_ref(mx_http_request_t *r)
{
    mx_http_lua_ctx_t  *ctx;

    if (r == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    return ctx->ctx_ref;
}


int
mx_ffi_set_ctx_ref(mx_http_request_t *r, int ref)
{
    mx_http_lua_ctx_t  *ctx;

    if (r == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    ctx->ctx_ref = ref;

    return MX_OK;
}
