#include "mx_lua_module.h"
#include "mx_lua_ffi.h"

/* ngx.exit, ngx.status, ngx.headers_sent */


int
mx_ffi_exit(mx_http_request_t *r, int status, u_char *err, size_t *errlen)
{
    int                 n;
    mx_http_lua_ctx_t  *ctx;

    if (status == MX_AGAIN || status == MX_DONE) {
        n = snprintf((char *) err, *errlen, "bad argument to 'ngx.exit': "
                     "does not accept NGX_AGAIN or NGX_DONE");
        *errlen = n < 0 ? 0 : mx_min((size_t) n, *errlen);
        return MX_ERROR;
    }

    if (r == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL || ctx->co == NULL) {
        n = snprintf((char *) err, *errlen, "no request ctx found");
        *errlen = n < 0 ? 0 : mx_min((size_t) n, *errlen);
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

    return MX_OK;
}


int
mx_ffi_get_resp_status(mx_http_request_t *r)
{
    if (r == NULL) {
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

    if (r == NULL) {
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

    if (r == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);

    return (r->header_sent || (ctx && ctx->header_sent)) ? 1 : 0;
}
