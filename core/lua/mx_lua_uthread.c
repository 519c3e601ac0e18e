#include "mx_lua_internal.h"

#include <lauxlib.h>

/*
 * ngx.thread.spawn, ngx.thread.wait, ngx.thread.kill: user threads, Lua
 * threads of a request that the runner schedules beside the entry thread
 * (mx_lua_coroutine.c keeps their records). Classic C functions: spawn
 * runs the new thread at once, within the call, and wait may yield.
 *
 * A thread object is the coroutine itself, as in lua-nginx-module; only
 * the thread that spawned a user thread may wait for it or kill it.
 */


/* level: 1 when the user calls the C function, 2 through a wrapper */
static mx_http_lua_ctx_t *
mx_http_lua_uthread_ctx(lua_State *L, int level)
{
    mx_http_request_t  *r;
    mx_http_lua_ctx_t  *ctx;

    r = lua_getexdata(L);
    if (r == NULL) {
        luaL_error(L, "no request found");
        return NULL;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        luaL_error(L, "no request ctx found");
        return NULL;
    }

    if (!mx_http_lua_can_wait(ctx) || ctx->cur_co == NULL) {
        /* with the caller's position, as lua-nginx-module raises it */
        luaL_where(L, level);
        lua_pushstring(L, mx_http_lua_context_error(ctx->context));
        lua_concat(L, 2);
        lua_error(L);
        return NULL;
    }

    return ctx;
}


static mx_http_lua_co_t *
mx_http_lua_uthread_find(mx_http_lua_ctx_t *ctx, lua_State *co)
{
    mx_http_lua_co_t  *t;

    for (t = ctx->threads; t; t = t->next) {
        if (t->co == co) {
            return t;
        }
    }

    return NULL;
}


/* a fresh record for a user thread: a collected one, or a new one */
static mx_http_lua_co_t *
mx_http_lua_uthread_record(mx_http_lua_ctx_t *ctx)
{
    mx_http_lua_co_t  *t, *next;

    for (t = ctx->threads; t; t = t->next) {
        if (t->status == MX_LUA_CO_DEAD && t != ctx->on_abort) {
            next = t->next;
            memset(t, 0, sizeof(mx_http_lua_co_t));
            t->next = next;
            t->co_ref = LUA_NOREF;
            return t;
        }
    }

    t = mx_pcalloc(ctx->request->pool, sizeof(mx_http_lua_co_t));
    if (t == NULL) {
        return NULL;
    }

    t->co_ref = LUA_NOREF;
    t->next = ctx->threads;
    ctx->threads = t;

    return t;
}


/* ngx.thread.spawn(func, ...): the thread, run until it first waits */
int
mx_http_lua_uthread_spawn(lua_State *L)
{
    int                 n, ref;
    lua_State          *co;
    mx_http_lua_co_t   *t, *parent;
    mx_http_request_t  *r;
    mx_http_lua_ctx_t  *ctx;

    n = lua_gettop(L);

    ctx = mx_http_lua_uthread_ctx(L, 2);
    r = ctx->request;

    luaL_checktype(L, 1, LUA_TFUNCTION);

    t = mx_http_lua_uthread_record(ctx);
    if (t == NULL) {
        return luaL_error(L, "no memory");
    }

    /* not from the VM's cache of entry threads: the user may keep it */
    co = mx_lua_vm_new_thread(L, &ref);
    if (co == NULL) {
        t->status = MX_LUA_CO_DEAD;
        return luaL_error(L, "no memory");
    }

    parent = ctx->cur_co;

    t->co = co;
    t->co_ref = ref;
    t->ctx = ctx;
    t->parent = parent;
    t->is_uthread = 1;
    t->status = MX_LUA_CO_SUSPENDED;

    lua_setexdata(co, r);

    /* the result, below the function and its arguments that go over */
    lua_pushthread(co);
    lua_xmove(co, L, 1);
    lua_insert(L, 1);
    lua_xmove(L, co, n);

    ctx->uthreads++;

    mx_http_lua_run_nested(r, ctx, t, n - 1);

    /*
     * Within the parent's run, what the new thread came to settles
     * nothing yet but itself (mx_http_lua_run_co ended it if it ended).
     * An ngx.exit/ngx.exec of it is the parent's to carry out: its
     * wrapper yields to the runner at once.
     */
    lua_pushboolean(L, ctx->exited || ctx->exec_uri.len || ctx->uri_jump);

    return 2;
}


/*
 * ngx.thread.wait(YIELD, t1, t2, ...): the results of the first of them
 * to end (true, ...), or false and the error; yields YIELD to the runner
 * until one ends.
 */
int
mx_http_lua_uthread_wait(lua_State *L)
{
    int                 i, n;
    lua_State          *sub;
    mx_http_lua_co_t   *cur, *t;
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_lua_uthread_ctx(L, 1);
    cur = ctx->cur_co;

    n = lua_gettop(L);

    if (n < 2) {
        return luaL_error(L, "at least one coroutine should be specified");
    }

    for (i = 2; i <= n; i++) {
        sub = lua_tothread(L, i);
        if (sub == NULL) {
            return luaL_argerror(L, i - 1, "coroutine expected");
        }

        t = mx_http_lua_uthread_find(ctx, sub);
        if (t == NULL) {
            return luaL_error(L, "attempt to wait on a coroutine that is "
                              "not a user thread");
        }

        if (t->status == MX_LUA_CO_DEAD) {
            lua_pushnil(L);
            lua_pushliteral(L, "already waited or killed");
            return 2;
        }

        if (t->parent != cur) {
            return luaL_error(L, "only the parent coroutine can wait on "
                              "the thread");
        }

        if (t->status == MX_LUA_CO_ZOMBIE) {
            lua_settop(L, 0);
            return mx_http_lua_thread_result(ctx, L, t);
        }
    }

    for (i = 2; i <= n; i++) {
        t = mx_http_lua_uthread_find(ctx, lua_tothread(L, i));
        if (t && t->status != MX_LUA_CO_DEAD) {
            t->awaited = 1;
        }
    }

    cur->waits_threads = 1;
    cur->waiting = 1;

    /* resumed with the results (mx_lua_coroutine.c) */
    lua_settop(L, 1);
    return lua_yield(L, 1);
}


/* ngx.thread.kill(t): 1, or nil and why */
int
mx_http_lua_uthread_kill(lua_State *L)
{
    lua_State          *sub;
    mx_http_lua_co_t   *t;
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_lua_uthread_ctx(L, 1);

    sub = lua_tothread(L, 1);
    if (sub == NULL) {
        return luaL_argerror(L, 1, "coroutine expected");
    }

    t = mx_http_lua_uthread_find(ctx, sub);
    if (t == NULL) {
        lua_pushnil(L);
        lua_pushliteral(L, "not user thread");
        return 2;
    }

    if (t->parent != ctx->cur_co && t->status != MX_LUA_CO_DEAD) {
        lua_pushnil(L);
        lua_pushliteral(L, "killer not parent");
        return 2;
    }

    switch (t->status) {

    case MX_LUA_CO_ZOMBIE:
        mx_http_lua_thread_collect(ctx, t);
        lua_pushnil(L);
        lua_pushliteral(L, "already terminated");
        return 2;

    case MX_LUA_CO_DEAD:
        lua_pushnil(L);
        lua_pushliteral(L, "already waited or killed");
        return 2;

    default:
        ctx->uthreads--;
        mx_http_lua_thread_collect(ctx, t);
        lua_pushinteger(L, 1);
        return 1;
    }
}


/* coroutine.status() says "zombie" for a user thread that ended but is
 * not collected yet, as lua-nginx-module's does; nil otherwise */
int
mx_http_lua_uthread_status(lua_State *L)
{
    lua_State          *sub;
    mx_http_request_t  *r;
    mx_http_lua_co_t   *t;
    mx_http_lua_ctx_t  *ctx;

    sub = lua_tothread(L, 1);
    r = lua_getexdata(L);

    if (sub == NULL || r == NULL) {
        return 0;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        return 0;
    }

    t = mx_http_lua_uthread_find(ctx, sub);
    if (t == NULL || t->status != MX_LUA_CO_ZOMBIE) {
        return 0;
    }

    lua_pushliteral(L, "zombie");
    return 1;
}


/*
 * ngx.on_abort(func): func runs as a user thread if the client closes the
 * connection while the request's Lua threads live (lua_check_client_abort
 * on); it usually ends the request with ngx.exit(499).
 */
int
mx_http_lua_on_abort(lua_State *L)
{
    int                      ref;
    lua_State               *co;
    mx_http_lua_co_t        *t;
    mx_http_request_t       *r;
    mx_http_lua_ctx_t       *ctx;
    mx_http_lua_loc_conf_t  *llcf;

    r = lua_getexdata(L);
    if (r == NULL) {
        return luaL_error(L, "no request found");
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        return luaL_error(L, "no request ctx found");
    }

    if (r->fake) {
        return luaL_error(L, "%s", mx_http_lua_context_error(ctx->context));
    }

    /* as lua-nginx-module, the directive is told of before the context */
    llcf = mx_http_get_module_loc_conf(r, mx_http_lua_module);

    if (!llcf->check_client_abort) {
        lua_pushnil(L);
        lua_pushliteral(L, "lua_check_client_abort is off");
        return 2;
    }

    if (!(ctx->context & MX_LUA_CONTEXT_YIELDABLE) || ctx->cur_co == NULL) {
        return luaL_error(L, "%s", mx_http_lua_context_error(ctx->context));
    }

    luaL_checktype(L, 1, LUA_TFUNCTION);

    if (ctx->on_abort) {
        lua_pushnil(L);
        lua_pushliteral(L, "duplicate call");
        return 2;
    }

    t = mx_http_lua_uthread_record(ctx);
    if (t == NULL) {
        return luaL_error(L, "no memory");
    }

    co = mx_lua_vm_new_thread(L, &ref);
    if (co == NULL) {
        t->status = MX_LUA_CO_DEAD;
        return luaL_error(L, "no memory");
    }

    t->co = co;
    t->co_ref = ref;
    t->ctx = ctx;
    t->parent = ctx->cur_co;
    t->is_uthread = 1;

    /* it waits for the abort; not a thread the request waits for yet */
    t->status = MX_LUA_CO_SUSPENDED;
    t->waiting = 1;

    lua_setexdata(co, r);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);

    ctx->on_abort = t;

    lua_pushinteger(L, 1);
    return 1;
}


/* the client closed the connection (lua_check_client_abort on) */
int
mx_http_lua_client_abort(mx_http_request_t *r)
{
    mx_http_lua_co_t   *t;
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);

    if (ctx == NULL || (ctx->entry.co == NULL && ctx->uthreads == 0)) {
        /* no Lua runs for it now */
        return MX_OK;
    }

    t = ctx->on_abort;

    if (t) {
        if (t->status == MX_LUA_CO_SUSPENDED && t->waiting) {
            ctx->uthreads++;
            mx_http_lua_wakeup_co(r, t);
        }

        return MX_OK;
    }

    /* no handler: the request ends here, as aborted */
    mx_http_lua_del_threads(ctx);
    ctx->resumed(r, ctx, MX_HTTP_CLIENT_CLOSED_REQUEST);

    return MX_OK;
}
