#include "mx_lua_internal.h"
#include "mx_lua_ffi.h"

/* the request-less bits: phase, ngx.config, ngx.worker */


int
mx_ffi_get_phase(mx_http_request_t *r)
{
    mx_http_lua_ctx_t  *ctx;

    if (r == NULL) {
        /* request-less code: init, init_worker, exit_worker */
        return (int) mx_http_lua_global_context;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    return (int) ctx->context;
}


int
mx_ffi_config_nginx_version(void)
{
    return MX_NGINX_VERSION_NUM;
}


int
mx_ffi_config_lua_version(void)
{
    return MX_LUA_VERSION_NUM;
}


void
mx_ffi_config_prefix(const u_char **data, size_t *len)
{
    if (mx_cycle == NULL) {
        *data = (const u_char *) "";
        *len = 0;
        return;
    }

    *data = mx_cycle->prefix.data;
    *len = mx_cycle->prefix.len;
}


int
mx_ffi_worker_pid(void)
{
    return (int) (mx_pid ? mx_pid : getpid());
}
