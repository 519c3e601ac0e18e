#include "mx_lua_internal.h"

/*
 * The phases whose Lua runs as an entry thread: rewrite_by_lua* (a
 * rewrite phase handler), access_by_lua* (an access phase handler) and
 * content_by_lua* (the location's content handler); the request body
 * they read first with lua_need_request_body; and how the request goes
 * on when their thread ends, at once or after waiting.
 */

static int mx_http_lua_phase_handler(mx_http_request_t *r,
    mx_uint_t context);
static int mx_http_lua_phase_result(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx, int rc);
static int mx_http_lua_content_result(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx, int rc);
static int mx_http_lua_phase_post_read(mx_http_request_t *r);
static int mx_http_lua_content_post_read(mx_http_request_t *r);


int
mx_http_lua_rewrite_handler(mx_http_request_t *r)
{
    return mx_http_lua_phase_handler(r, MX_LUA_CONTEXT_REWRITE);
}


int
mx_http_lua_access_handler(mx_http_request_t *r)
{
    return mx_http_lua_phase_handler(r, MX_LUA_CONTEXT_ACCESS);
}


/*
 * A rewrite or access phase handler. Returns MX_DECLINED to go on with
 * the phase's next handler, MX_DONE while the thread waits (or after
 * ngx.exec), else what finalizes the request.
 */
static int
mx_http_lua_phase_handler(mx_http_request_t *r, mx_uint_t context)
{
    int                      rc;
    lua_State               *L;
    mx_http_lua_ctx_t       *ctx;
    mx_http_lua_hook_t      *hook;
    mx_http_lua_loc_conf_t  *llcf;

    if (context == MX_LUA_CONTEXT_REWRITE && r->uri_changed) {
        /* "rewrite ... last" before it: the new location's turn comes */
        return MX_DECLINED;
    }

    llcf = mx_http_get_module_loc_conf(r, mx_http_lua_module);

    hook = context == MX_LUA_CONTEXT_REWRITE ? &llcf->rewrite : &llcf->access;

    if (!mx_http_lua_hook_isset(hook)) {
        return MX_DECLINED;
    }

    ctx = mx_http_lua_get_ctx(r);
    if (ctx == NULL) {
        return 500;
    }

    if (ctx->waiting_more_body) {
        return MX_DONE;
    }

    if (context == MX_LUA_CONTEXT_REWRITE ? ctx->entered_rewrite_phase
                                          : ctx->entered_access_phase)
    {
        /* "rewrite ... last" came back to this phase: run once only */
        return MX_DECLINED;
    }

    if (llcf->force_read_body && !ctx->read_body_done) {
        rc = mx_http_read_client_body(r, mx_http_lua_phase_post_read);

        if (rc == MX_ERROR || rc >= 300) {
            return rc;
        }

        if (rc == MX_AGAIN) {
            /* the post handler runs this handler again */
            ctx->waiting_more_body = 1;
            return MX_DONE;
        }
    }

    L = mx_http_lua_get_vm(r, ctx);
    if (L == NULL) {
        return 500;
    }

    rc = mx_http_lua_hook_push(r, L, hook);
    if (rc != MX_OK) {
        return rc;
    }

    if (context == MX_LUA_CONTEXT_REWRITE) {
        ctx->entered_rewrite_phase = 1;

    } else {
        ctx->entered_access_phase = 1;
    }

    rc = mx_http_lua_run_entry(r, ctx, L, context);

    if (rc == MX_DONE) {
        /* ngx.exec(): r may be gone */
        return MX_DONE;
    }

    return mx_http_lua_phase_result(r, ctx, rc);
}


/*
 * What a rewrite/access thread's end means for the phase runner, as
 * lua-nginx-module: a response already begun is finished (200); ngx.OK or
 * the code's end goes on with the next handler (with "satisfy all", the
 * only one there is, access does the same); other codes finalize.
 */
static int
mx_http_lua_phase_result(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    int rc)
{
    if (rc == MX_AGAIN || rc == MX_DONE) {
        return MX_DONE;
    }

    if (rc != MX_OK && rc != MX_DECLINED) {
        return rc;
    }

    if (r->header_sent || ctx->header_sent || ctx->out) {
        /* later phases would produce a second response */
        if (!ctx->eof) {
            rc = mx_http_lua_flush(r, ctx, 1);
            if (rc == MX_ERROR || rc >= 300) {
                return rc;
            }
        }

        return 200;
    }

    return MX_DECLINED;
}


int
mx_http_lua_content_handler(mx_http_request_t *r)
{
    int                      rc;
    lua_State               *L;
    mx_http_lua_ctx_t       *ctx;
    mx_http_lua_loc_conf_t  *llcf;

    llcf = mx_http_get_module_loc_conf(r, mx_http_lua_module);

    if (!mx_http_lua_hook_isset(&llcf->content)) {
        return MX_DECLINED;
    }

    ctx = mx_http_lua_get_ctx(r);
    if (ctx == NULL) {
        return 500;
    }

    if (ctx->entered_content_phase) {
        /* the runner resumes the thread itself: a bug, not a resumption */
        mx_log_error(MX_LOG_ALERT, &r->connection->log, 0,
                     "lua content handler entered twice");
        return MX_ERROR;
    }

    if (llcf->force_read_body && !ctx->read_body_done) {
        rc = mx_http_read_client_body(r, mx_http_lua_content_post_read);

        if (rc == MX_ERROR || rc >= 300) {
            return rc;
        }

        if (rc == MX_AGAIN) {
            ctx->waiting_more_body = 1;
            return MX_DONE;
        }
    }

    L = mx_http_lua_get_vm(r, ctx);
    if (L == NULL) {
        return 500;
    }

    rc = mx_http_lua_hook_push(r, L, &llcf->content);
    if (rc != MX_OK) {
        return rc;
    }

    ctx->entered_content_phase = 1;

    rc = mx_http_lua_run_entry(r, ctx, L, MX_LUA_CONTEXT_CONTENT);

    if (rc == MX_DONE) {
        return MX_DONE;
    }

    return mx_http_lua_content_result(r, ctx, rc);
}


/* the content thread ended: the rest of the response and its end */
static int
mx_http_lua_content_result(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    int rc)
{
    if (rc == MX_AGAIN || rc == MX_DONE) {
        return MX_DONE;
    }

    if (rc == MX_OK || rc == MX_DECLINED) {
        rc = mx_http_lua_flush(r, ctx, 1);
        if (rc == MX_ERROR || rc >= 300) {
            return rc;
        }

        return MX_OK;
    }

    return rc;
}


void
mx_http_lua_entry_resumed(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    int rc)
{
    if (rc == MX_AGAIN || rc == MX_DONE) {
        /* it waits again, or ngx.exec() took r elsewhere */
        return;
    }

    if (ctx->context == MX_LUA_CONTEXT_CONTENT) {
        mx_http_finalize_request(r, mx_http_lua_content_result(r, ctx, rc));
        return;
    }

    rc = mx_http_lua_phase_result(r, ctx, rc);

    if (rc == MX_DONE) {
        return;
    }

    if (rc == MX_DECLINED) {
        /* on with the phase's next handler, as the runner would */
        r->phase_handler++;
        mx_http_core_run_phases(r);
        return;
    }

    mx_http_finalize_request(r, rc);
}


/* lua_need_request_body: the body is in, run the handler again */
static int
mx_http_lua_phase_post_read(mx_http_request_t *r)
{
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        return MX_OK;
    }

    ctx->read_body_done = 1;

    if (ctx->waiting_more_body) {
        ctx->waiting_more_body = 0;
        mx_http_core_run_phases(r);
    }

    return MX_OK;
}


static int
mx_http_lua_content_post_read(mx_http_request_t *r)
{
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        return MX_OK;
    }

    ctx->read_body_done = 1;

    if (ctx->waiting_more_body) {
        ctx->waiting_more_body = 0;
        mx_http_finalize_request(r, mx_http_lua_content_handler(r));
    }

    return MX_OK;
}
