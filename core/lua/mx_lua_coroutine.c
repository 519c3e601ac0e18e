#include "mx_lua_internal.h"
#include "mx_lua_ffi.h"

#include <lauxlib.h>

/*
 * The Lua threads of a request: the entry thread of rewrite_by_lua*,
 * access_by_lua*, content_by_lua* (or of a timer) and the user threads of
 * ngx.thread.spawn; running them, what their yields mean (ngx.exit,
 * ngx.exec, a wait), resuming them when the event they wait for comes,
 * and their errors.
 *
 * Lua yields to the runner with base.yield_wait() and ngx.exit()/exec()/
 * redirect(); the C side records why first (in the request's context or
 * the thread's record), so a yield that says nothing is a plain
 * coroutine.yield() of the handler: the entry thread goes on at once when
 * it is alone, else the thread lets the others run first.
 *
 * The Lua code of a request is over when its entry thread and every user
 * thread have ended (as in lua-nginx-module); ngx.exit(), ngx.exec() or
 * an error in the entry thread end them all.
 */

/* what one resume of a thread came to */
#define MX_LUA_RUN_WAIT   0      /* it waits (or let others run) */
#define MX_LUA_RUN_DONE   1      /* it ended */
#define MX_LUA_RUN_ERROR  2      /* it failed (logged) */
#define MX_LUA_RUN_OP     3      /* ngx.exit/exec/a uri jump: all end */


static int mx_http_lua_resume(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    mx_http_lua_co_t *co, int nrets);
static void mx_http_lua_thread_ended(mx_http_lua_ctx_t *ctx,
    mx_http_lua_co_t *co, int rc);
static int mx_http_lua_handle_exit(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx);
static int mx_http_lua_handle_exec(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx);
static int mx_http_lua_handle_error(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx, mx_http_lua_co_t *co);
static void mx_http_lua_post(mx_http_lua_ctx_t *ctx, mx_http_lua_co_t *co);
static void mx_http_lua_resume_handler(struct ev_loop *loop, ev_timer *w,
    int revents);
static void mx_http_lua_resume_posted(mx_http_lua_ctx_t *ctx);
static void mx_http_lua_sleep_handler(struct ev_loop *loop, ev_timer *w,
    int revents);
static int mx_http_lua_flush_drained(mx_http_request_t *r);
static int mx_http_lua_flush_common(lua_State *L, int level);
static int mx_http_lua_ngx_flush_wait(lua_State *L);
static void mx_http_lua_flush_abandoned(void *data);


int
mx_http_lua_run_entry(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    lua_State *L, mx_uint_t context)
{
    return mx_http_lua_run_entry_args(r, ctx, L, context, 0);
}


int
mx_http_lua_run_entry_args(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    lua_State *L, mx_uint_t context, int nargs)
{
    int                ref;
    lua_State         *co;
    mx_http_lua_co_t  *entry;

    co = mx_lua_vm_new_thread(L, &ref);
    if (co == NULL) {
        lua_pop(L, nargs + 1);
        mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                     "lua: failed to create new coroutine to handle request");
        return 500;
    }

    lua_xmove(L, co, nargs + 1);

    /* the API finds the request by thread.exdata(), inherited by the
     * coroutines the handler creates */
    lua_setexdata(co, r);

    entry = &ctx->entry;
    memset(entry, 0, sizeof(mx_http_lua_co_t));
    entry->co = co;
    entry->co_ref = ref;
    entry->ctx = ctx;
    entry->status = MX_LUA_CO_SUSPENDED;

    if (ctx->posted_last == NULL) {
        ctx->posted_last = &ctx->posted;
    }

    ctx->context = context;
    ctx->exited = 0;
    ctx->exec_uri.len = 0;

    if ((context & MX_LUA_CONTEXT_YIELDABLE) && !ctx->watching_client
        && r->proto && r->proto->watch_client)
    {
        mx_http_lua_loc_conf_t  *llcf;

        llcf = mx_http_get_module_loc_conf(r, mx_http_lua_module);

        if (llcf->check_client_abort) {
            ctx->watching_client = 1;
            r->client_abort_handler = mx_http_lua_client_abort;
            r->proto->watch_client(r);
        }
    }

    return mx_http_lua_run_co(r, ctx, entry, nargs);
}


/*
 * Resumes co (from the loop or at its start) and settles what it came to
 * for the request's Lua code as a whole:
 *   MX_AGAIN   threads still wait;
 *   MX_OK      every thread ended;
 *   MX_DONE    ngx.exec() redirected r: do not touch r any more;
 *   MX_ERROR, an HTTP status, or another ngx.exit() code.
 */
int
mx_http_lua_run_co(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    mx_http_lua_co_t *co, int nrets)
{
    int  rc;

    rc = mx_http_lua_resume(r, ctx, co, nrets);

    switch (rc) {

    case MX_LUA_RUN_OP:
        if (ctx->exited) {
            return mx_http_lua_handle_exit(r, ctx);
        }

        if (ctx->exec_uri.len) {
            return mx_http_lua_handle_exec(r, ctx);
        }

        /* a uri jump (ngx.req.set_uri(uri, true)), as lua-nginx-module's:
         * the threads end, and the new location runs its own
         * rewrite_by_lua* */
        ctx->uri_jump = 0;
        mx_http_lua_del_threads(ctx);
        ctx->entered_rewrite_phase = 0;
        return MX_OK;

    case MX_LUA_RUN_ERROR:
        if (co == &ctx->entry) {
            return mx_http_lua_handle_error(r, ctx, co);
        }

        mx_http_lua_thread_ended(ctx, co, rc);
        break;

    case MX_LUA_RUN_DONE:
        mx_http_lua_thread_ended(ctx, co, rc);
        break;

    default: /* MX_LUA_RUN_WAIT */
        break;
    }

    if (ctx->entry.co == NULL && ctx->uthreads == 0) {
        return MX_OK;
    }

    return MX_AGAIN;
}


void
mx_http_lua_run_nested(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    mx_http_lua_co_t *co, int nrets)
{
    int  rc;

    rc = mx_http_lua_resume(r, ctx, co, nrets);

    if (rc == MX_LUA_RUN_DONE || rc == MX_LUA_RUN_ERROR) {
        mx_http_lua_thread_ended(ctx, co, rc);
    }
}


static int
mx_http_lua_resume(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    mx_http_lua_co_t *co, int nrets)
{
    int                rv;
    lua_State         *L = ctx->vm;
    mx_http_lua_co_t  *prev;
    const char        *err, *msg, *trace;

    prev = ctx->cur_co;
    if (prev) {
        prev->status = MX_LUA_CO_NORMAL;
    }

    ctx->cur_co = co;
    co->status = MX_LUA_CO_RUNNING;
    co->waiting = 0;
    co->cleanup = NULL;

    for ( ;; ) {
        rv = lua_resume(co->co, nrets);

        if (rv == LUA_YIELD) {
            if (ctx->exited || ctx->exec_uri.len || ctx->uri_jump) {
                rv = MX_LUA_RUN_OP;
                break;
            }

            lua_settop(co->co, 0);

            if (co->waiting) {
                rv = MX_LUA_RUN_WAIT;
                break;
            }

            if (co == &ctx->entry && ctx->uthreads == 0) {
                /* a bare coroutine.yield() of a lone entry thread */
                nrets = 0;
                continue;
            }

            /* the others run first */
            co->waiting = 1;
            mx_http_lua_post(ctx, co);
            rv = MX_LUA_RUN_WAIT;
            break;
        }

        if (rv == 0) {
            /* ngx.exit() from a coroutine the handler resumed raw */
            rv = ctx->exited ? MX_LUA_RUN_OP : MX_LUA_RUN_DONE;
            break;
        }

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

        msg = lua_isstring(co->co, -1) ? lua_tostring(co->co, -1)
                                       : "unknown reason";

        mx_lua_vm_traceback(L, co->co);
        trace = lua_tostring(L, -1);

        mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                     "lua %s thread aborted: %s: %s\n%s",
                     co->is_uthread ? "user" : "entry", err, msg,
                     trace ? trace : "");

        lua_pop(L, 1);

        co->errored = 1;
        rv = MX_LUA_RUN_ERROR;
        break;
    }

    co->status = (rv == MX_LUA_RUN_DONE || rv == MX_LUA_RUN_ERROR)
                 ? MX_LUA_CO_ZOMBIE : MX_LUA_CO_SUSPENDED;

    ctx->cur_co = prev;
    if (prev) {
        prev->status = MX_LUA_CO_RUNNING;
    }

    return rv;
}


/* --------------------------------------------------- thread records */

static void
mx_http_lua_unpost(mx_http_lua_ctx_t *ctx, mx_http_lua_co_t *co)
{
    mx_http_lua_co_t  **pp;

    if (!co->posted) {
        return;
    }

    /* in the queue, or among those being resumed now */
    for (pp = &ctx->posted; *pp; pp = &(*pp)->posted_next) {
        if (*pp == co) {
            *pp = co->posted_next;
            goto found;
        }
    }

    for (pp = &ctx->resuming; *pp; pp = &(*pp)->posted_next) {
        if (*pp == co) {
            *pp = co->posted_next;
            break;
        }
    }

found:

    ctx->posted_last = &ctx->posted;
    while (*ctx->posted_last) {
        ctx->posted_last = &(*ctx->posted_last)->posted_next;
    }

    co->posted = 0;
    co->posted_next = NULL;
}


/* releases co's Lua thread; the record stays, dead, for ngx.thread.* */
static void
mx_http_lua_co_release(mx_http_lua_ctx_t *ctx, mx_http_lua_co_t *co)
{
    mx_http_lua_co_t           *t;
    mx_http_lua_co_cleanup_pt   h;

    if (co->cleanup) {
        /* abandoned while it waits: the waiter lets go */
        h = co->cleanup;
        co->cleanup = NULL;
        h(co->cleanup_data);
    }

    if (ev_is_active(&co->sleep)) {
        ev_timer_stop(mx_loop, &co->sleep);
    }

    mx_http_lua_unpost(ctx, co);

    if (co->co && ctx->vm) {
        lua_setexdata(co->co, NULL);

        if (co->co_ref != LUA_NOREF) {
            if (co->is_uthread) {
                /* the user may hold it: never reused */
                mx_lua_vm_del_thread(ctx->vm, co->co_ref);

            } else {
                /* one that ran to its end serves a later request */
                mx_lua_vm_free_thread(ctx->vm, co->co, co->co_ref);
            }
        }
    }

    co->co_ref = LUA_NOREF;
    co->waiting = 0;
    co->waits_threads = 0;
    co->wait_done = NULL;
    co->status = MX_LUA_CO_DEAD;

    /* its children live on as orphans; ended ones nobody can collect */
    for (t = ctx->threads; t; t = t->next) {
        if (t->parent == co) {
            t->parent = NULL;
            t->awaited = 0;

            if (t->status == MX_LUA_CO_ZOMBIE) {
                mx_http_lua_co_release(ctx, t);
            }
        }
    }

    if (!co->is_uthread) {
        co->co = NULL;
    }
}


void
mx_http_lua_thread_collect(mx_http_lua_ctx_t *ctx, mx_http_lua_co_t *co)
{
    mx_http_lua_co_release(ctx, co);
}


/* a user thread ended (rc: DONE or ERROR), or the entry thread did */
static void
mx_http_lua_thread_ended(mx_http_lua_ctx_t *ctx, mx_http_lua_co_t *co,
    int rc)
{
    mx_http_lua_co_t  *parent, *t;

    mx_unused(rc);

    if (!co->is_uthread) {
        mx_http_lua_co_release(ctx, co);
        return;
    }

    ctx->uthreads--;

    parent = co->parent;

    if (parent == NULL || parent->status == MX_LUA_CO_DEAD
        || parent->status == MX_LUA_CO_ZOMBIE)
    {
        mx_http_lua_co_release(ctx, co);
        return;
    }

    /* a zombie: its results wait for ngx.thread.wait() */

    if (co->awaited && parent->waits_threads) {
        for (t = ctx->threads; t; t = t->next) {
            if (t->parent == parent) {
                t->awaited = 0;
            }
        }

        parent->waits_threads = 0;
        parent->wait_done = co;
        mx_http_lua_post(ctx, parent);
    }
}


/* ends every thread: ngx.exit, ngx.exec, an entry thread's error, the end
 * of the request */
void
mx_http_lua_del_threads(mx_http_lua_ctx_t *ctx)
{
    mx_http_lua_co_t  *t;

    if (ctx->entry.co) {
        mx_http_lua_co_release(ctx, &ctx->entry);
    }

    for (t = ctx->threads; t; t = t->next) {
        if (t->status != MX_LUA_CO_DEAD) {
            t->parent = NULL;
            mx_http_lua_co_release(ctx, t);
        }
    }

    ctx->uthreads = 0;
    ctx->posted = NULL;
    ctx->posted_last = &ctx->posted;
    ctx->resuming = NULL;
    ctx->body_co = NULL;
    ctx->cur_co = NULL;
}


static int
mx_http_lua_handle_error(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    mx_http_lua_co_t *co)
{
    mx_unused(co);

    mx_http_lua_del_threads(ctx);

    if (ctx->context & (MX_LUA_CONTEXT_TIMER|MX_LUA_CONTEXT_LOG)) {
        return MX_ERROR;
    }

    if (r->header_sent || ctx->header_sent) {
        /* what was said goes out before the connection is closed */
        (void) mx_http_lua_flush(r, ctx, 0);
        return MX_ERROR;
    }

    return 500;
}


/* ngx.exit() yielded a thread: lua-nginx-module's rules */
static int
mx_http_lua_handle_exit(mx_http_request_t *r, mx_http_lua_ctx_t *ctx)
{
    int        rc;
    mx_int_t   code;

    code = ctx->exit_code;
    ctx->exited = 0;

    mx_http_lua_del_threads(ctx);

    if (ctx->context & (MX_LUA_CONTEXT_TIMER|MX_LUA_CONTEXT_LOG)) {
        return MX_OK;
    }

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


/* ngx.exec() yielded a thread: the internal redirect */
static int
mx_http_lua_handle_exec(mx_http_request_t *r, mx_http_lua_ctx_t *ctx)
{
    mx_str_t  uri, args;

    uri = ctx->exec_uri;
    args = ctx->exec_args;
    ctx->exec_uri.len = 0;

    mx_http_lua_del_threads(ctx);

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
    mx_http_lua_co_t   *co;
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL || ctx->body_co == NULL) {
        return;
    }

    co = ctx->body_co;
    ctx->body_co = NULL;

    mx_http_lua_wakeup_co(r, co);
}


mx_http_lua_co_t *
mx_http_lua_current_co(mx_http_request_t *r)
{
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        return NULL;
    }

    return ctx->cur_co;
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
    mx_unused(r);

    /* nothing waits: the operation ended before its wrapper yielded (it
     * then returned MX_OK), or the thread is gone */
    if (co == NULL || co->co == NULL || !co->waiting
        || co->status != MX_LUA_CO_SUSPENDED)
    {
        return;
    }

    co->cleanup = NULL;

    mx_http_lua_post(co->ctx, co);
}


/*
 * Woken threads are resumed on the next turn of the loop, request after
 * request in the order they were woken (a semaphore's waiters get their
 * turns in its order): by a prepare watcher, right after the callbacks
 * that woke them and before the loop waits for events again, or by a 0
 * timer when they were woken during such a round (what threads wake
 * waits for the next turn, so a busy thread never starves the sockets,
 * nor they it).
 */
static mx_http_lua_ctx_t   *mx_http_lua_queue;
static mx_http_lua_ctx_t  **mx_http_lua_queue_last = &mx_http_lua_queue;
static mx_uint_t            mx_http_lua_queued;
static ev_timer             mx_http_lua_queue_ev;
static ev_prepare           mx_http_lua_queue_prep;
static unsigned             mx_http_lua_draining;

static void mx_http_lua_resume_prepare(struct ev_loop *loop, ev_prepare *w,
    int revents);


static void
mx_http_lua_schedule(void)
{
    if (mx_http_lua_draining) {
        /* woken by a thread being resumed: the next turn, at once */
        if (!ev_is_active(&mx_http_lua_queue_ev)) {
            ev_timer_init(&mx_http_lua_queue_ev, mx_http_lua_resume_handler,
                          0., 0.);
            ev_timer_start(mx_loop, &mx_http_lua_queue_ev);
        }
        return;
    }

    if (!ev_is_active(&mx_http_lua_queue_prep)) {
        ev_prepare_init(&mx_http_lua_queue_prep, mx_http_lua_resume_prepare);
        ev_prepare_start(mx_loop, &mx_http_lua_queue_prep);
    }
}


static void
mx_http_lua_post(mx_http_lua_ctx_t *ctx, mx_http_lua_co_t *co)
{
    if (!co->posted) {
        co->posted = 1;
        co->posted_next = NULL;
        *ctx->posted_last = co;
        ctx->posted_last = &co->posted_next;
    }

    if (!ctx->queued) {
        ctx->queued = 1;
        ctx->queue_next = NULL;
        *mx_http_lua_queue_last = ctx;
        mx_http_lua_queue_last = &ctx->queue_next;
        mx_http_lua_queued++;
    }

    mx_http_lua_schedule();
}


void
mx_http_lua_cancel_resume(mx_http_lua_ctx_t *ctx)
{
    mx_http_lua_ctx_t  **pp;

    if (!ctx->queued) {
        return;
    }

    for (pp = &mx_http_lua_queue; *pp; pp = &(*pp)->queue_next) {
        if (*pp == ctx) {
            *pp = ctx->queue_next;
            break;
        }
    }

    mx_http_lua_queue_last = &mx_http_lua_queue;
    while (*mx_http_lua_queue_last) {
        mx_http_lua_queue_last = &(*mx_http_lua_queue_last)->queue_next;
    }

    ctx->queued = 0;
    ctx->queue_next = NULL;
    mx_http_lua_queued--;
}


/* pushes onto L what ngx.thread.wait() returns for t; collects t */
int
mx_http_lua_thread_result(mx_http_lua_ctx_t *ctx, lua_State *L,
    mx_http_lua_co_t *t)
{
    int  n;

    if (t->errored) {
        lua_pushboolean(L, 0);
        lua_xmove(t->co, L, 1);
        n = 2;

    } else {
        n = lua_gettop(t->co);
        lua_pushboolean(L, 1);
        lua_xmove(t->co, L, n);
        n++;
    }

    mx_http_lua_co_release(ctx, t);

    return n;
}


static void
mx_http_lua_resume_queued(void)
{
    mx_uint_t           n;
    mx_http_lua_ctx_t  *ctx;

    ev_timer_stop(mx_loop, &mx_http_lua_queue_ev);
    ev_prepare_stop(mx_loop, &mx_http_lua_queue_prep);

    mx_http_lua_draining = 1;

    /* those queued now; what they wake waits for the next turn */
    for (n = mx_http_lua_queued; n && mx_http_lua_queue; n--) {
        ctx = mx_http_lua_queue;

        mx_http_lua_queue = ctx->queue_next;
        if (mx_http_lua_queue == NULL) {
            mx_http_lua_queue_last = &mx_http_lua_queue;
        }

        ctx->queued = 0;
        ctx->queue_next = NULL;
        mx_http_lua_queued--;

        mx_http_lua_resume_posted(ctx);
    }

    if (mx_http_lua_queue) {
        mx_http_lua_schedule();
    }

    mx_http_lua_draining = 0;
}


static void
mx_http_lua_resume_handler(struct ev_loop *loop, ev_timer *w, int revents)
{
    mx_unused(loop);
    mx_unused(w);
    mx_unused(revents);

    mx_http_lua_resume_queued();
}


static void
mx_http_lua_resume_prepare(struct ev_loop *loop, ev_prepare *w,
    int revents)
{
    mx_unused(loop);
    mx_unused(w);
    mx_unused(revents);

    mx_http_lua_resume_queued();
}


static void
mx_http_lua_resume_posted(mx_http_lua_ctx_t *ctx)
{
    int                 rc, nrets;
    mx_http_lua_co_t   *co;
    mx_http_request_t  *r;

    r = ctx->request;

    ctx->resuming = ctx->posted;
    ctx->posted = NULL;
    ctx->posted_last = &ctx->posted;

    while (ctx->resuming) {
        co = ctx->resuming;
        ctx->resuming = co->posted_next;

        co->posted = 0;
        co->posted_next = NULL;

        if (co->co == NULL || !co->waiting
            || co->status != MX_LUA_CO_SUSPENDED)
        {
            continue;
        }

        nrets = 0;

        if (co->wait_done) {
            nrets = mx_http_lua_thread_result(ctx, co->co,
                                                   co->wait_done);
            co->wait_done = NULL;
        }

        rc = mx_http_lua_run_co(r, ctx, co, nrets);

        if (rc != MX_AGAIN) {
            /* all ended: nothing left to resume; r may be finished after
             * this */
            ctx->resuming = NULL;
            ctx->resumed(r, ctx, rc);
            return;
        }
    }
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

    if (!mx_http_lua_can_wait(ctx) || ctx->cur_co == NULL) {
        *err = mx_http_lua_context_error(ctx->context);
        return MX_FFI_BAD_CONTEXT;
    }

    ctx->cur_co->waiting = 1;

    return MX_OK;
}


/* --------------------------------------------------------- ngx.sleep */

int
mx_ffi_sleep(mx_http_request_t *r, int ms, const char **err)
{
    mx_http_lua_co_t   *co;
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

    if (!mx_http_lua_can_wait(ctx) || ctx->cur_co == NULL) {
        *err = mx_http_lua_context_error(ctx->context);
        return MX_FFI_BAD_CONTEXT;
    }

    co = ctx->cur_co;

    ev_timer_init(&co->sleep, mx_http_lua_sleep_handler,
                  ms > 0 ? ms / 1000.0 : 0., 0.);
    co->sleep.data = co;
    ev_timer_start(mx_loop, &co->sleep);

    return MX_AGAIN;
}


static void
mx_http_lua_sleep_handler(struct ev_loop *loop, ev_timer *w, int revents)
{
    mx_http_lua_co_t  *co = w->data;

    mx_unused(revents);

    ev_timer_stop(loop, w);

    mx_time_update();

    mx_http_lua_wakeup_co(co->ctx->request, co);
}


/* ------------------------------------------- ngx.flush and ngx.eof */

/*
 * Classic C functions, not FFI exports: sending runs the header and body
 * filters, and those may run Lua (header_filter_by_lua*), which must not
 * happen inside an FFI call.
 */

/* raises msg with the position of the Lua function level calls up */
static int
mx_http_lua_raise(lua_State *L, int level, const char *msg)
{
    luaL_where(L, level);
    lua_pushstring(L, msg);
    lua_concat(L, 2);

    return lua_error(L);
}


/* level: 1 when the user calls the C function, 2 through a wrapper */
static mx_http_lua_ctx_t *
mx_http_lua_output_ctx(lua_State *L, mx_http_request_t **rp, int level)
{
    mx_http_request_t  *r;
    mx_http_lua_ctx_t  *ctx;

    r = lua_getexdata(L);
    if (r == NULL) {
        if (mx_http_lua_global_context != MX_LUA_CONTEXT_INIT) {
            mx_http_lua_raise(L, level,
                mx_http_lua_context_error(mx_http_lua_global_context));

        } else {
            mx_http_lua_raise(L, level, "no request found");
        }

        return NULL;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        mx_http_lua_raise(L, level, "no request ctx found");
        return NULL;
    }

    if (!(ctx->context & MX_LUA_CONTEXT_YIELDABLE)) {
        mx_http_lua_raise(L, level, mx_http_lua_context_error(ctx->context));
        return NULL;
    }

    *rp = r;

    return ctx;
}


int
mx_http_lua_ngx_flush(lua_State *L)
{
    return mx_http_lua_flush_common(L, 1);
}


/* ngx.flush(true) through its Lua wrapper (lua/resty/core/thread.lua) */
static int
mx_http_lua_ngx_flush_wait(lua_State *L)
{
    return mx_http_lua_flush_common(L, 2);
}


static int
mx_http_lua_flush_common(lua_State *L, int level)
{
    int                 n, rc;
    mx_http_request_t  *r;
    mx_http_lua_ctx_t  *ctx;

    n = lua_gettop(L);
    if (n > 1) {
        return luaL_error(L, "attempt to pass %d arguments, but accepted 0 "
                          "or 1", n);
    }

    ctx = mx_http_lua_output_ctx(L, &r, level);

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
    if (mx_http_lua_add_flush(r, ctx) != MX_OK) {
        return luaL_error(L, "no memory");
    }

    rc = mx_http_lua_flush(r, ctx, 0);
    if (rc == MX_ERROR || rc >= 300) {
        lua_pushnil(L);
        lua_pushliteral(L, "nginx output filter error");
        return 2;
    }

    if (n == 1 && lua_toboolean(L, 1) && r->blocked && ctx->cur_co
        && ctx->flush_co == NULL)
    {
        /* ngx.flush(true): the thread waits until the client took it all;
         * its wrapper yields on ngx.AGAIN */
        ctx->flush_co = ctx->cur_co;
        r->write_event_handler = mx_http_lua_flush_drained;
        mx_http_lua_co_set_cleanup(ctx->cur_co, mx_http_lua_flush_abandoned,
                                   ctx);

        lua_pushinteger(L, MX_AGAIN);
        return 1;
    }

    lua_pushinteger(L, 1);
    return 1;
}


/* the output of ngx.flush(true) is all written */
static int
mx_http_lua_flush_drained(mx_http_request_t *r)
{
    mx_http_lua_co_t   *co;
    mx_http_lua_ctx_t  *ctx;

    r->write_event_handler = NULL;

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL || ctx->flush_co == NULL) {
        return MX_OK;
    }

    co = ctx->flush_co;
    ctx->flush_co = NULL;

    mx_http_lua_wakeup_co(r, co);

    return MX_OK;
}


static void
mx_http_lua_flush_abandoned(void *data)
{
    mx_http_lua_ctx_t  *ctx = data;

    if (ctx->request->write_event_handler == mx_http_lua_flush_drained) {
        ctx->request->write_event_handler = NULL;
    }

    ctx->flush_co = NULL;
}


/* what ngx.say() could not pass on itself (see mx_http_lua_output) */
static int
mx_http_lua_flush_pending(lua_State *L)
{
    int                 rc;
    mx_http_request_t  *r;
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_lua_output_ctx(L, &r, 1);

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

    ctx = mx_http_lua_output_ctx(L, &r, 1);

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
    { "flush_wait", mx_http_lua_ngx_flush_wait },
    { "thread_spawn", mx_http_lua_uthread_spawn },
    { "thread_wait", mx_http_lua_uthread_wait },
    { "thread_kill", mx_http_lua_uthread_kill },
    { "thread_status", mx_http_lua_uthread_status },
    { "on_abort", mx_http_lua_on_abort },
    { "timer_at", mx_http_lua_timer_at },
    { "timer_every", mx_http_lua_timer_every },
    { NULL, NULL }
};
