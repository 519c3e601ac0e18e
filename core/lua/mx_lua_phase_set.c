#include "mx_lua_internal.h"
#include "mx_lua_ffi.h"

/*
 * set_by_lua*: a code of the rewrite module, run in config order with
 * "set". The chunk gets the directive's extra arguments as "..." and as
 * ngx.arg[1..n]; what it returns (a string or a number; anything else is
 * the empty string) is assigned to the variable. It cannot wait.
 */

#define MX_HTTP_LUA_SET_STACK_ARGS  8


int
mx_http_lua_set_handler(mx_http_request_t *r, void *data)
{
    mx_http_lua_set_t  *set = data;

    int                 rc;
    size_t              len;
    mx_str_t           *args, stack_args[MX_HTTP_LUA_SET_STACK_ARGS];
    mx_str_t            value;
    mx_uint_t           i;
    lua_State          *L;
    const char         *s;
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_lua_get_ctx(r);
    if (ctx == NULL) {
        return MX_ERROR;
    }

    L = mx_http_lua_get_vm(r, ctx);
    if (L == NULL) {
        return MX_ERROR;
    }

    args = stack_args;

    if (set->nargs > MX_HTTP_LUA_SET_STACK_ARGS) {
        args = mx_palloc(r->pool, set->nargs * sizeof(mx_str_t));
        if (args == NULL) {
            return MX_ERROR;
        }
    }

    for (i = 0; i < set->nargs; i++) {
        if (mx_http_complex_value(r, &set->args[i], &args[i]) != MX_OK) {
            return MX_ERROR;
        }
    }

    if (mx_http_lua_hook_push(r, L, &set->hook) != MX_OK) {
        return MX_ERROR;
    }

    for (i = 0; i < set->nargs; i++) {
        lua_pushlstring(L, (const char *) args[i].data, args[i].len);
    }

    ctx->set_args = args;
    ctx->set_nargs = set->nargs;

    rc = mx_http_lua_call_hook(r, ctx, L, MX_LUA_CONTEXT_SET,
                               (int) set->nargs, 1, "set_by_lua*");

    ctx->set_args = NULL;
    ctx->set_nargs = 0;

    if (rc != MX_OK) {
        return MX_ERROR;
    }

    s = lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER
        ? lua_tolstring(L, -1, &len) : NULL;

    if (s == NULL || len == 0) {
        value.data = (u_char *) "";
        value.len = 0;

    } else {
        value.data = mx_pnalloc(r->pool, len);
        if (value.data == NULL) {
            lua_pop(L, 1);
            return MX_ERROR;
        }

        memcpy(value.data, s, len);
        value.len = len;
    }

    lua_pop(L, 1);

    return mx_http_variable_set_value(r, set->var, &value);
}


int
mx_ffi_setby_get_param(mx_http_request_t *r, int idx, const u_char **data,
    size_t *len)
{
    mx_http_lua_ctx_t  *ctx;

    if (r == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL || ctx->context != MX_LUA_CONTEXT_SET) {
        return MX_FFI_BAD_CONTEXT;
    }

    if (idx < 1 || (mx_uint_t) idx > ctx->set_nargs) {
        return MX_DECLINED;
    }

    *data = ctx->set_args[idx - 1].data;
    *len = ctx->set_args[idx - 1].len;

    return MX_OK;
}
