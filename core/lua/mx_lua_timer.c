#include "mx_lua_internal.h"
#include "mx_lua_ffi.h"

#include <lauxlib.h>

/*
 * ngx.timer.at and ngx.timer.every: Lua callbacks run later by the
 * worker's loop, each on a request of its own (no client: a connection
 * without a socket), so that everything a request's Lua code can do to
 * wait (ngx.sleep, cosockets, light threads) works the same in a timer.
 *
 * A pending timer holds its function and arguments in the registry. When
 * the worker starts a graceful shutdown, the pending ones run at once
 * with premature = true, and the shutdown waits for the running ones.
 */

typedef struct mx_http_lua_timer_s  mx_http_lua_timer_t;

struct mx_http_lua_timer_s {
    ev_timer                  ev;
    int                       ref;        /* {func, arg1, ...} */
    int                       nargs;
    double                    period;     /* every(): > 0 */
    unsigned                  held:1;     /* made while exiting: the
                                             shutdown waits for it */

    void                    **main_conf;  /* of the code that made it */
    void                    **srv_conf;
    void                    **loc_conf;

    mx_http_lua_timer_t      *prev;       /* the pending ones */
    mx_http_lua_timer_t      *next;
};


static mx_http_lua_timer_t      *mx_http_lua_timers;
static mx_uint_t                 mx_http_lua_timers_pending;
static mx_uint_t                 mx_http_lua_timers_running;
static mx_http_lua_main_conf_t  *mx_http_lua_timer_lmcf;
static mx_http_conf_ctx_t       *mx_http_lua_timer_hctx;


static int mx_http_lua_timer_add(lua_State *L, int every);
static void mx_http_lua_timer_handler(struct ev_loop *loop, ev_timer *w,
    int revents);
static void mx_http_lua_timer_run(mx_http_lua_timer_t *t, int premature);
static void mx_http_lua_timer_resumed(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx, int rc);
static void mx_http_lua_timer_free(mx_http_lua_timer_t *t);
static void mx_http_lua_timers_abort(void);
static u_char *mx_http_lua_timer_log_handler(mx_log_t *log, u_char *buf,
    size_t len);


void
mx_http_lua_timer_init(mx_cycle_t *cycle, mx_http_lua_main_conf_t *lmcf)
{
    mx_unused(cycle);

    mx_http_lua_timer_lmcf = lmcf;
    mx_http_lua_timer_hctx = lmcf->fake_ctx;
    mx_exiting_hook = mx_http_lua_timers_abort;
}


int
mx_http_lua_timer_at(lua_State *L)
{
    return mx_http_lua_timer_add(L, 0);
}


int
mx_http_lua_timer_every(lua_State *L)
{
    return mx_http_lua_timer_add(L, 1);
}


static int
mx_http_lua_timer_add(lua_State *L, int every)
{
    int                   i, n, ref;
    double                delay;
    mx_http_request_t    *r;
    mx_http_lua_ctx_t    *ctx;
    mx_http_lua_timer_t  *t;

    n = lua_gettop(L);
    if (n < 2) {
        return luaL_error(L, "expecting at least 2 arguments but got %d", n);
    }

    delay = luaL_checknumber(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);

    if (every) {
        if (delay <= 0) {
            return luaL_error(L, "bad argument #1 to 'every' (delay must "
                              "be greater than zero)");
        }

    } else if (delay < 0) {
        return luaL_error(L, "invalid first argument");
    }

    r = lua_getexdata(L);

    if (r == NULL && mx_http_lua_global_context == MX_LUA_CONTEXT_INIT) {
        return luaL_error(L, "%s",
                          mx_http_lua_context_error(MX_LUA_CONTEXT_INIT));
    }

    if (mx_http_lua_timer_lmcf == NULL || mx_lua_vm == NULL) {
        return luaL_error(L, "no timer support in this process");
    }

    ctx = r ? mx_http_get_module_ctx(r, mx_http_lua_module) : NULL;

    if (ctx && ctx->own_vm) {
        /* its VM ends with the request */
        lua_pushnil(L);
        lua_pushliteral(L, "timers need lua_code_cache on");
        return 2;
    }

    if (mx_exiting && delay > 0) {
        /* as lua-nginx-module: only what runs at once is still taken */
        lua_pushnil(L);
        lua_pushliteral(L, "process exiting");
        return 2;
    }

    if (mx_http_lua_timers_pending
        >= (mx_uint_t) mx_http_lua_timer_lmcf->max_pending_timers)
    {
        lua_pushnil(L);
        lua_pushliteral(L, "too many pending timers");
        return 2;
    }

    lua_createtable(L, n - 1, 0);
    for (i = 2; i <= n; i++) {
        lua_pushvalue(L, i);
        lua_rawseti(L, -2, i - 1);
    }

    ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if (ref == LUA_NOREF || ref == LUA_REFNIL) {
        return luaL_error(L, "no memory");
    }

    t = calloc(1, sizeof(mx_http_lua_timer_t));
    if (t == NULL) {
        luaL_unref(L, LUA_REGISTRYINDEX, ref);
        return luaL_error(L, "no memory");
    }

    t->ref = ref;
    t->nargs = n - 2;
    t->period = every ? delay : 0;

    if (mx_exiting) {
        t->held = 1;
        mx_busy_tasks++;
    }

    if (r) {
        t->main_conf = r->main_conf;
        t->srv_conf = r->srv_conf;
        t->loc_conf = r->loc_conf;

    } else {
        t->main_conf = mx_http_lua_timer_hctx->main_conf;
        t->srv_conf = mx_http_lua_timer_hctx->srv_conf;
        t->loc_conf = mx_http_lua_timer_hctx->loc_conf;
    }

    ev_timer_init(&t->ev, mx_http_lua_timer_handler, delay, t->period);
    t->ev.data = t;
    ev_timer_start(mx_loop, &t->ev);

    t->next = mx_http_lua_timers;
    if (t->next) {
        t->next->prev = t;
    }
    mx_http_lua_timers = t;
    mx_http_lua_timers_pending++;

    lua_pushinteger(L, 1);
    return 1;
}


static void
mx_http_lua_timer_unlink(mx_http_lua_timer_t *t)
{
    if (t->prev) {
        t->prev->next = t->next;
    } else {
        mx_http_lua_timers = t->next;
    }

    if (t->next) {
        t->next->prev = t->prev;
    }

    t->prev = NULL;
    t->next = NULL;
    mx_http_lua_timers_pending--;
}


static void
mx_http_lua_timer_handler(struct ev_loop *loop, ev_timer *w, int revents)
{
    mx_http_lua_timer_t  *t = w->data;

    mx_unused(loop);
    mx_unused(revents);

    mx_time_update();

    if (t->period == 0) {
        mx_http_lua_timer_unlink(t);
    }

    /* every(): the next one is due a period after this one, whether this
     * run is over by then or not, as in lua-nginx-module */
    mx_http_lua_timer_run(t, 0);

    if (t->period == 0) {
        mx_http_lua_timer_free(t);
    }
}


static void
mx_http_lua_timer_free(mx_http_lua_timer_t *t)
{
    if (t->held) {
        mx_busy_tasks--;
    }

    if (ev_is_active(&t->ev)) {
        ev_timer_stop(mx_loop, &t->ev);
    }

    if (mx_lua_vm) {
        luaL_unref(mx_lua_vm, LUA_REGISTRYINDEX, t->ref);
    }

    free(t);
}


static void
mx_http_lua_timer_run(mx_http_lua_timer_t *t, int premature)
{
    int                  i, rc;
    lua_State           *L = mx_lua_vm;
    mx_http_request_t   *r;
    mx_http_lua_ctx_t   *ctx;

    if (L == NULL) {
        return;
    }

    if (mx_http_lua_timers_running
        >= (mx_uint_t) mx_http_lua_timer_lmcf->max_running_timers)
    {
        mx_log_error(MX_LOG_ALERT, mx_cycle->log, 0,
                     "%i lua_max_running_timers are not enough",
                     (int) mx_http_lua_timer_lmcf->max_running_timers);
        return;
    }

    /* a request without a client for the callback to run on */
    r = mx_http_lua_fake_request(t->main_conf, t->srv_conf, t->loc_conf,
                                 mx_http_lua_timer_log_handler);
    if (r == NULL) {
        goto nomem;
    }

    ctx = mx_http_lua_get_ctx(r);
    if (ctx == NULL) {
        mx_http_lua_fake_request_free(r);
        goto nomem;
    }

    ctx->vm = L;
    ctx->resumed = mx_http_lua_timer_resumed;

    lua_rawgeti(L, LUA_REGISTRYINDEX, t->ref);
    lua_rawgeti(L, -1, 1);
    lua_pushboolean(L, premature);

    for (i = 0; i < t->nargs; i++) {
        lua_rawgeti(L, -(3 + i), i + 2);
    }

    lua_remove(L, -(t->nargs + 3));

    mx_http_lua_timers_running++;
    mx_busy_tasks++;

    rc = mx_http_lua_run_entry_args(r, ctx, L, MX_LUA_CONTEXT_TIMER,
                                    t->nargs + 1);

    if (rc != MX_AGAIN) {
        mx_http_lua_timer_resumed(r, ctx, rc);
    }

    return;

nomem:

    mx_log_error(MX_LOG_ALERT, mx_cycle->log, 0,
                 "lua: failed to create a request for a timer: no memory");
}


/* the timer's threads are resumed from the loop, rc as for a request */
static void
mx_http_lua_timer_resumed(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    int rc)
{
    mx_unused(ctx);

    if (rc == MX_AGAIN) {
        return;
    }

    mx_http_lua_fake_request_free(r);

    mx_http_lua_timers_running--;
    mx_busy_tasks--;
}


/* a graceful shutdown starts: the pending callbacks run now, premature */
static void
mx_http_lua_timers_abort(void)
{
    mx_http_lua_timer_t  *t, *next;

    /* what the callbacks make now runs normally, later */
    next = mx_http_lua_timers;
    mx_http_lua_timers = NULL;

    while (next) {
        t = next;
        next = t->next;

        t->prev = NULL;
        t->next = NULL;
        mx_http_lua_timers_pending--;
        ev_timer_stop(mx_loop, &t->ev);

        mx_http_lua_timer_run(t, 1);
        mx_http_lua_timer_free(t);
    }
}


int
mx_ffi_timer_running_count(void)
{
    return (int) mx_http_lua_timers_running;
}


int
mx_ffi_timer_pending_count(void)
{
    return (int) mx_http_lua_timers_pending;
}


/* ------------------------------------------------- fake requests */

mx_http_request_t *
mx_http_lua_fake_request(void **main_conf, void **srv_conf, void **loc_conf,
    mx_log_handler_pt handler)
{
    mx_pool_t          *pool;
    mx_connection_t    *c;
    mx_http_request_t  *r;

    c = calloc(1, sizeof(mx_connection_t));
    if (c == NULL) {
        return NULL;
    }

    pool = mx_pool_create(1024);
    if (pool == NULL) {
        free(c);
        return NULL;
    }

    /* a connection without a socket, numbered as nginx numbers its fake
     * ones, that names the context in log lines */
    c->fd = -1;
    c->pool = pool;
    c->number = mx_conn_next_number();
    c->log = *mx_cycle->log;
    c->log.handler = handler;
    c->log.data = NULL;
    c->log.action = NULL;
    c->log.connection = c->number;

    r = mx_pcalloc(pool, sizeof(mx_http_request_t));
    if (r == NULL) {
        goto failed;
    }

    r->pool = pool;
    r->connection = c;
    r->fake = 1;
    r->main_conf = main_conf;
    r->srv_conf = srv_conf;
    r->loc_conf = loc_conf;
    r->method = MX_HTTP_UNKNOWN;
    r->headers_in.content_length_n = -1;
    r->headers_out.content_length_n = -1;
    r->headers_out.last_modified_time = -1;
    r->start_sec = mx_cached_time->sec;
    r->start_msec = mx_cached_time->msec;

    r->ctx = mx_pcalloc(pool, sizeof(void *) * mx_http_max_module);
    if (r->ctx == NULL) {
        goto failed;
    }

    if (mx_array_init(&r->headers_in.headers, pool, 1,
                      sizeof(mx_table_elt_t)) != MX_OK
        || mx_array_init(&r->headers_out.headers, pool, 1,
                         sizeof(mx_table_elt_t)) != MX_OK)
    {
        goto failed;
    }

    return r;

failed:

    mx_pool_destroy(pool);
    free(c);

    return NULL;
}


void
mx_http_lua_fake_request_free(mx_http_request_t *r)
{
    mx_connection_t  *c = r->connection;

    mx_pool_destroy(r->pool);
    free(c);
}


static u_char *
mx_http_lua_log_context(u_char *buf, size_t len, const char *what)
{
    int  n;

    n = snprintf((char *) buf, len, ", context: %s", what);

    if (n < 0) {
        return buf;
    }

    return buf + ((size_t) n < len ? (size_t) n : len);
}


static u_char *
mx_http_lua_timer_log_handler(mx_log_t *log, u_char *buf, size_t len)
{
    mx_unused(log);

    return mx_http_lua_log_context(buf, len, "ngx.timer");
}


u_char *
mx_http_lua_init_worker_log_handler(mx_log_t *log, u_char *buf, size_t len)
{
    mx_unused(log);

    return mx_http_lua_log_context(buf, len, "init_worker_by_lua*");
}
