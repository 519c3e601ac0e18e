#include "mx_lua_internal.h"
#include "mx_lua_ffi.h"

#include <lauxlib.h>

/*
 * The entry thread of rewrite_by_lua*, access_by_lua* and content_by_lua*:
 * running it, what its yields mean (ngx.exit, ngx.exec, a wait), resuming
 * it when the event it waits for comes, and its errors.
 *
 * Lua yields to the runner with base.yield_wait() and ngx.exit()/exec()/
 * redirect(); the C side records why in the request's context first, so a
 * yield whose context says nothing is a plain coroutine.yield() of the
 * handler, which goes on at once.
 */

static int mx_http_lua_handle_exit(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx);
static int mx_http_lua_handle_exec(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx);
static int mx_http_lua_handle_error(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx, int rv);
static void mx_http_lua_post_resume(mx_http_lua_ctx_t *ctx);
static void mx_http_lua_resume_handler(struct ev_loop *loop, ev_timer *w,
    int revents);


int
mx_http_lua_run_entry(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    lua_State *L, mx_uint_t context)
{
    int         ref;
    lua_State  *co;

    co = mx_lua_vm_new_thread(L, &ref);
    if (co == NULL) {
        lua_pop(L, 1);
        mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                     "lua: failed to create new coroutine to handle request");
        return 500;
    }

    lua_xmove(L, co, 1);

    /* the API finds the request by thread.exdata(), inherited by the
     * coroutines the handler creates */
    lua_setexdata(co, r);

    ctx->co = co;
    ctx->co_ref = ref;
    ctx->context = context;
    ctx->exited = 0;
    ctx->exec_uri.len = 0;
    ctx->waiting = 0;

    return mx_http_lua_run_thread(r, ctx, 0);
}


int
mx_http_lua_run_thread(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    int nrets)
{
    int  rv;

    for ( ;; ) {
        rv = lua_resume(ctx->co, nrets);

        switch (rv) {

        case LUA_YIELD:
            if (ctx->exited) {
                return mx_http_lua_handle_exit(r, ctx);
            }

            if (ctx->exec_uri.len) {
                return mx_http_lua_handle_exec(r, ctx);
            }

            if (ctx->uri_jump) {
                /* as lua-nginx-module's rewrite jump: the thread ends, and
                 * the new location runs its own rewrite_by_lua* */
                ctx->uri_jump = 0;
                mx_http_lua_del_entry(ctx);
                ctx->entered_rewrite_phase = 0;
                return MX_OK;
            }

            lua_settop(ctx->co, 0);

            if (ctx->waiting) {
                return MX_AGAIN;
            }

            /* a bare coroutine.yield() in the entry thread: go on */
            nrets = 0;
            continue;

        case 0:
            if (ctx->exited) {
                /* ngx.exit() from a coroutine the handler resumed raw */
                return mx_http_lua_handle_exit(r, ctx);
            }

            mx_http_lua_del_entry(ctx);
            return MX_OK;

        default:
            return mx_http_lua_handle_error(r, ctx, rv);
        }
    }
}


void
mx_http_lua_del_entry(mx_http_lua_ctx_t *ctx)
{
    mx_http_lua_co_cleanup_pt  h;

    if (ctx->entry.cleanup) {
        /* abandoned while it waits: the waiter lets go */
        h = ctx->entry.cleanup;
        ctx->entry.cleanup = NULL;
        h(ctx->entry.cleanup_data);
    }

    if (ctx->co) {
        lua_setexdata(ctx->co, NULL);
    }

    if (ctx->vm && ctx->co_ref != LUA_NOREF) {
        /* one that ran to its end serves a later request */
        mx_lua_vm_free_thread(ctx->vm, ctx->co, ctx->co_ref);
    }

    ctx->co = NULL;
    ctx->co_ref = LUA_NOREF;
    ctx->waiting = 0;
}


static int
mx_http_lua_handle_error(mx_http_request_t *r, mx_http_lua_ctx_t *ctx, int rv)
{
    lua_State   *L = ctx->vm;
    const char  *err, *msg, *trace;

    switch (rv) {

    case LUA_ERRRUN:
        err = "runtime error";
        break;

    case LUA_ERRSYNTAX:
        err = "syntax error";
        break;

    case LUA_ERRMEM:
        err = "memory allocation error";
        mx_quit = 1;
        break;

    case LUA_ERRERR:
        err = "error handler error";
        break;

    default:
        err = "unknown error";
        break;
    }

    msg = lua_isstring(ctx->co, -1) ? lua_tostring(ctx->co, -1)
                                    : "unknown reason";

    mx_lua_vm_traceback(L, ctx->co);
    trace = lua_tostring(L, -1);

    mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                 "lua entry thread aborted: %s: %s\n%s", err, msg,
                 trace ? trace : "");

    lua_pop(L, 1);

    mx_http_lua_del_entry(ctx);

    if (r->header_sent || ctx->header_sent) {
        /* what was said goes out before the connection is closed */
        (void) mx_http_lua_flush(r, ctx, 0);
        return MX_ERROR;
    }

    return 500;
}


/* ngx.exit() yielded the entry thread: lua-nginx-module's rules */
static int
mx_http_lua_handle_exit(mx_http_request_t *r, mx_http_lua_ctx_t *ctx)
{
    int        rc;
    mx_int_t   code;

    code = ctx->exit_code;
    ctx->exited = 0;

    mx_http_lua_del_entry(ctx);

    if (!r->header_sent && !ctx->header_sent
        && r->headers_out.status == 0 && code >= 200)
    {
        r->headers_out.status = code;
    }

    if (ctx->buffering && r->headers_out.status
        && code != MX_ERROR && code != 408
        && code != MX_HTTP_CLIENT_CLOSED_REQUEST && code != MX_HTTP_CLOSE)
    {
        rc = mx_http_lua_flush(r, ctx, 1);
        if (rc == MX_ERROR || rc >= 300) {
            return rc;
        }

        return code >= 200 ? 200 : (int) code;
    }

    if (code == 204 && !r->header_sent && !ctx->header_sent) {
        /* as nginx finalizes a 204: the header alone, no Content-Type */
        r->headers_out.status = 204;
        r->headers_out.content_type.len = 0;
        r->headers_out.content_type.data = NULL;
        r->headers_out.content_type_set = 1;
        r->headers_out.content_length_n = -1;
        r->header_only = 1;
        ctx->headers_set = 1;
        ctx->mime_set = 1;
        ctx->header_only = 1;

        if (ctx->context != MX_LUA_CONTEXT_CONTENT) {
            rc = mx_http_lua_flush(r, ctx, 1);
            if (rc == MX_ERROR || rc >= 300) {
                return rc;
            }

            return 204;
        }
    }

    if ((code == MX_OK && ctx->context == MX_LUA_CONTEXT_CONTENT)
        || (code >= 200 && code < 300))
    {
        rc = mx_http_lua_flush(r, ctx, 1);
        if (rc == MX_ERROR || rc >= 300) {
            return rc;
        }
    }

    return (int) code;
}


/* ngx.exec() yielded the entry thread: the internal redirect */
static int
mx_http_lua_handle_exec(mx_http_request_t *r, mx_http_lua_ctx_t *ctx)
{
    mx_str_t  uri, args;

    uri = ctx->exec_uri;
    args = ctx->exec_args;
    ctx->exec_uri.len = 0;

    mx_http_lua_del_entry(ctx);

    if (uri.data[0] == '@') {
        if (args.len) {
            mx_log_error(MX_LOG_WARN, &r->connection->log, 0,
                         "query strings %.*s ignored when exec'ing named "
                         "location %.*s", MX_STR_ARG(args), MX_STR_ARG(uri));
        }

        (void) mx_http_internal_redirect(r, &uri, NULL);
        return MX_DONE;
    }

    /* the phases start again here; r may be finished when it returns */
    (void) mx_http_internal_redirect(r, &uri, &args);

    return MX_DONE;
}


/* ------------------------------------------------------------ waking */

void
mx_http_lua_wakeup(mx_http_request_t *r)
{
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);

    /* nothing waits: the operation ended before its wrapper yielded
     * (it then returned MX_OK), or the coroutine is gone */
    if (ctx == NULL || ctx->co == NULL || !ctx->waiting) {
        return;
    }

    mx_http_lua_post_resume(ctx);
}


mx_http_lua_co_t *
mx_http_lua_current_co(mx_http_request_t *r)
{
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL || ctx->co == NULL) {
        return NULL;
    }

    ctx->entry.co = ctx->co;

    return &ctx->entry;
}


void
mx_http_lua_co_set_cleanup(mx_http_lua_co_t *co,
    mx_http_lua_co_cleanup_pt handler, void *data)
{
    co->cleanup = handler;
    co->cleanup_data = data;
}


void
mx_http_lua_wakeup_co(mx_http_request_t *r, mx_http_lua_co_t *co)
{
    co->cleanup = NULL;
    mx_http_lua_wakeup(r);
}


static void
mx_http_lua_post_resume(mx_http_lua_ctx_t *ctx)
{
    if (ev_is_active(&ctx->resume)) {
        return;
    }

    /* a 0 timer: due on the next turn of the loop, never starved by
     * busy sockets as an idle watcher would be */
    ev_timer_init(&ctx->resume, mx_http_lua_resume_handler, 0., 0.);
    ctx->resume.data = ctx;
    ev_timer_start(mx_loop, &ctx->resume);
}


void
mx_http_lua_cancel_resume(mx_http_lua_ctx_t *ctx)
{
    if (ev_is_active(&ctx->resume)) {
        ev_timer_stop(mx_loop, &ctx->resume);
    }
}


static void
mx_http_lua_resume_handler(struct ev_loop *loop, ev_timer *w, int revents)
{
    int                 rc;
    mx_http_request_t  *r;
    mx_http_lua_ctx_t  *ctx = w->data;

    mx_unused(revents);

    ev_timer_stop(loop, w);

    if (ctx->co == NULL || !ctx->waiting) {
        return;
    }

    r = ctx->request;
    ctx->waiting = 0;

    rc = mx_http_lua_run_thread(r, ctx, 0);

    /* r may be finished after this */
    mx_http_lua_entry_resumed(r, ctx, rc);
}


int
mx_ffi_yield_wait(mx_http_request_t *r, const char **err)
{
    mx_http_lua_ctx_t  *ctx;

    if (r == NULL) {
        *err = "no request found";
        return MX_ERROR;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        *err = "no request ctx found";
        return MX_ERROR;
    }

    if (!(ctx->context & MX_LUA_CONTEXT_YIELDABLE) || ctx->co == NULL) {
        *err = mx_http_lua_context_error(ctx->context);
        return MX_FFI_BAD_CONTEXT;
    }

    ctx->waiting = 1;

    return MX_OK;
}


/* ------------------------------------------- ngx.flush and ngx.eof */

/*
 * Classic C functions, not FFI exports: sending runs the header and body
 * filters, and those may run Lua (header_filter_by_lua*), which must not
 * happen inside an FFI call.
 */

static mx_http_lua_ctx_t *
mx_http_lua_output_ctx(lua_State *L, mx_http_request_t **rp)
{
    mx_http_request_t  *r;
    mx_http_lua_ctx_t  *ctx;

    r = lua_getexdata(L);
    if (r == NULL) {
        if (mx_http_lua_global_context != MX_LUA_CONTEXT_INIT) {
            luaL_error(L, "%s",
                       mx_http_lua_context_error(mx_http_lua_global_context));

        } else {
            luaL_error(L, "no request found");
        }

        return NULL;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        luaL_error(L, "no request ctx found");
        return NULL;
    }

    if (!(ctx->context & MX_LUA_CONTEXT_YIELDABLE)) {
        luaL_error(L, "%s", mx_http_lua_context_error(ctx->context));
        return NULL;
    }

    *rp = r;

    return ctx;
}


int
mx_http_lua_ngx_flush(lua_State *L)
{
    int                 n, rc;
    mx_buf_t           *b;
    mx_chain_t         *cl;
    mx_http_request_t  *r;
    mx_http_lua_ctx_t  *ctx;

    n = lua_gettop(L);
    if (n > 1) {
        return luaL_error(L, "attempt to pass %d arguments, but accepted 0 "
                          "or 1", n);
    }

    ctx = mx_http_lua_output_ctx(L, &r);

    if (ctx->eof) {
        lua_pushnil(L);
        lua_pushliteral(L, "seen eof");
        return 2;
    }

    if (ctx->buffering) {
        /* HTTP/1.0: the body goes out whole, with its length */
        lua_pushinteger(L, 1);
        return 1;
    }

    if (mx_http_lua_send_header_if_needed(r, ctx) != MX_OK) {
        lua_pushnil(L);
        lua_pushliteral(L, "nginx output filter error");
        return 2;
    }

    /* a flush buffer: written now, not postponed */
    b = mx_pcalloc(r->pool, sizeof(mx_buf_t) + sizeof(mx_chain_t));
    if (b == NULL) {
        return luaL_error(L, "no memory");
    }

    cl = (mx_chain_t *) (b + 1);
    b->fd = -1;
    b->flush = 1;
    cl->buf = b;
    cl->next = NULL;

    *ctx->last_out = cl;
    ctx->last_out = &cl->next;
    ctx->buf = NULL;

    rc = mx_http_lua_flush(r, ctx, 0);
    if (rc == MX_ERROR || rc >= 300) {
        lua_pushnil(L);
        lua_pushliteral(L, "nginx output filter error");
        return 2;
    }

    lua_pushinteger(L, 1);
    return 1;
}


/* what ngx.say() could not pass on itself (see mx_http_lua_output) */
static int
mx_http_lua_flush_pending(lua_State *L)
{
    int                 rc;
    mx_http_request_t  *r;
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_lua_output_ctx(L, &r);

    rc = mx_http_lua_flush(r, ctx, 0);
    if (rc == MX_ERROR || rc >= 300) {
        lua_pushnil(L);
        lua_pushliteral(L, "nginx output filter error");
        return 2;
    }

    lua_pushinteger(L, 1);
    return 1;
}


int
mx_http_lua_ngx_eof(lua_State *L)
{
    int                 rc;
    mx_http_request_t  *r;
    mx_http_lua_ctx_t  *ctx;

    if (lua_gettop(L) != 0) {
        return luaL_error(L, "no argument is expected");
    }

    ctx = mx_http_lua_output_ctx(L, &r);

    if (ctx->eof) {
        lua_pushnil(L);
        lua_pushliteral(L, "seen eof");
        return 2;
    }

    rc = mx_http_lua_flush(r, ctx, 1);
    if (rc == MX_ERROR || rc >= 300) {
        lua_pushnil(L);
        lua_pushliteral(L, "nginx output filter error");
        return 2;
    }

    lua_pushinteger(L, 1);
    return 1;
}


const luaL_Reg  mx_lua_core_cfuncs[] = {
    { "flush", mx_http_lua_ngx_flush },
    { "eof", mx_http_lua_ngx_eof },
    { "flush_pending", mx_http_lua_flush_pending },
    { NULL, NULL }
};
