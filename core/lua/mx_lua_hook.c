#include "mx_lua_internal.h"

#include <lauxlib.h>

/*
 * The code of a *_by_lua* directive: loading it (through the VM's code
 * cache) and calling it on the VM's main thread for the hooks that do not
 * run as an entry thread (set, filters, log, init).
 */


int
mx_http_lua_hook_push(mx_http_request_t *r, lua_State *L,
    const mx_http_lua_hook_t *hook)
{
    int        rc;
    u_char    *p;
    mx_str_t   path;
    mx_log_t  *log;

    log = &r->connection->log;

    if (!hook->file) {
        /* the code's address is its key: shared by inheriting locations */
        if (mx_lua_vm_load_inline(L, hook->src.data, &hook->src,
                                  hook->chunkname, log)
            != MX_OK)
        {
            return 500;
        }

        return MX_OK;
    }

    if (hook->path) {
        if (mx_http_complex_value(r, hook->path, &path) != MX_OK) {
            return MX_ERROR;
        }

        if (path.len == 0) {
            return 500;
        }

        /* NUL-terminated, relative to the prefix */
        if (path.data[0] == '/') {
            p = mx_pnalloc(r->pool, path.len + 1);
            if (p == NULL) {
                return MX_ERROR;
            }

            memcpy(p, path.data, path.len);
            p[path.len] = '\0';

        } else {
            p = mx_pnalloc(r->pool, mx_cycle->prefix.len + path.len + 1);
            if (p == NULL) {
                return MX_ERROR;
            }

            memcpy(p, mx_cycle->prefix.data, mx_cycle->prefix.len);
            memcpy(p + mx_cycle->prefix.len, path.data, path.len);
            p[mx_cycle->prefix.len + path.len] = '\0';
        }

        path.data = p;

    } else {
        path = hook->src;
    }

    rc = mx_lua_vm_load_file(L, (const char *) path.data, log);
    if (rc != MX_OK) {
        return rc >= 300 ? rc : 500;
    }

    return MX_OK;
}


int
mx_http_lua_pcall(lua_State *L, int nargs, int nresults)
{
    int  base, rc;

    base = lua_gettop(L) - nargs;

    mx_lua_vm_push_traceback(L);
    lua_insert(L, base);

    rc = lua_pcall(L, nargs, nresults, base);

    lua_remove(L, base);

    return rc;
}


int
mx_http_lua_call_hook(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    lua_State *L, mx_uint_t context, int nargs, int nresults,
    const char *what)
{
    int          rc, base;
    void        *old_r;
    size_t       len;
    mx_uint_t    old_context;
    const char  *msg;

    base = lua_gettop(L) - nargs - 1;

    /*
     * A filter may run while the entry thread is inside ngx.flush(): the
     * main thread is free then, but the request's context is restored.
     */
    old_r = lua_getexdata(L);
    old_context = ctx->context;

    lua_setexdata(L, r);
    ctx->context = context;

    rc = mx_http_lua_pcall(L, nargs, nresults);

    ctx->context = old_context;
    lua_setexdata(L, old_r);

    if (rc != 0) {
        msg = lua_tolstring(L, -1, &len);
        if (msg == NULL) {
            msg = "unknown reason";
            len = sizeof("unknown reason") - 1;
        }

        mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                     "failed to run %s: %.*s", what, (int) len, msg);

        lua_settop(L, base);

        if (rc == LUA_ERRMEM) {
            mx_quit = 1;
        }

        return MX_ERROR;
    }

    return MX_OK;
}
