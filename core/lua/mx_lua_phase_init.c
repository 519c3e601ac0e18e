#include "mx_lua_internal.h"

#include <lauxlib.h>

/*
 * init_by_lua* (at configuration time, in the master before the workers
 * are forked, or the single process; and in each VM made for
 * lua_code_cache off), init_worker_by_lua* and exit_worker_by_lua* (in
 * each worker). They run on the VM's main thread, without a request.
 */

static int mx_http_lua_run_global(lua_State *L, const mx_http_lua_hook_t *hook,
    mx_uint_t context, const char *what, mx_log_t *log);


int
mx_http_lua_run_init(lua_State *L, mx_http_lua_main_conf_t *lmcf,
    mx_log_t *log)
{
    return mx_http_lua_run_global(L, &lmcf->init, MX_LUA_CONTEXT_INIT,
                                  "init_by_lua", log);
}


int
mx_http_lua_run_init_worker(lua_State *L, mx_http_lua_main_conf_t *lmcf,
    mx_log_t *log)
{
    int                  rc;
    mx_http_request_t   *r;
    mx_http_lua_ctx_t   *ctx;
    mx_http_conf_ctx_t  *hctx;

    if (!mx_http_lua_hook_isset(&lmcf->init_worker)) {
        return MX_OK;
    }

    /* as lua-nginx-module: a request without a client, so that ngx.log
     * names the context and ngx.ctx, ngx.timer... work */
    hctx = lmcf->fake_ctx;

    r = mx_http_lua_fake_request(hctx->main_conf, hctx->srv_conf,
                                 hctx->loc_conf,
                                 mx_http_lua_init_worker_log_handler);
    if (r == NULL) {
        return MX_ERROR;
    }

    ctx = mx_http_lua_get_ctx(r);
    if (ctx == NULL) {
        mx_http_lua_fake_request_free(r);
        return MX_ERROR;
    }

    ctx->vm = L;
    ctx->context = MX_LUA_CONTEXT_INIT_WORKER;

    lua_setexdata(L, r);

    rc = mx_http_lua_run_global(L, &lmcf->init_worker,
                                MX_LUA_CONTEXT_INIT_WORKER,
                                "init_worker_by_lua", log);

    lua_setexdata(L, NULL);

    mx_http_lua_fake_request_free(r);

    return rc;
}


void
mx_http_lua_run_exit_worker(lua_State *L, mx_http_lua_main_conf_t *lmcf,
    mx_log_t *log)
{
    (void) mx_http_lua_run_global(L, &lmcf->exit_worker,
                                  MX_LUA_CONTEXT_EXIT_WORKER,
                                  "exit_worker_by_lua", log);
}


static int
mx_http_lua_run_global(lua_State *L, const mx_http_lua_hook_t *hook,
    mx_uint_t context, const char *what, mx_log_t *log)
{
    int          rc;
    mx_uint_t    old;
    const char  *msg;

    if (!mx_http_lua_hook_isset(hook)) {
        return MX_OK;
    }

    /* runs once per VM: no code cache */
    if (hook->file) {
        rc = luaL_loadfile(L, (const char *) hook->src.data);

    } else {
        rc = luaL_loadbuffer(L, (const char *) hook->src.data, hook->src.len,
                             hook->chunkname);
    }

    if (rc == 0) {
        old = mx_http_lua_global_context;
        mx_http_lua_global_context = context;

        rc = mx_http_lua_pcall(L, 0, 0);

        mx_http_lua_global_context = old;
    }

    if (rc != 0) {
        msg = lua_tostring(L, -1);

        mx_log_error(MX_LOG_ERR, log, 0, "%s%s error: %s", what,
                     hook->file ? "_file" : "", msg ? msg : "unknown reason");

        lua_pop(L, 1);
        return MX_ERROR;
    }

    return MX_OK;
}
