#include "mx_lua_internal.h"

/*
 * log_by_lua*: a log phase handler, run before the access log so that the
 * variables it sets are logged. The response is out; Lua may read the
 * request, ngx.ctx and variables, and log. With lua_log_cosockets on (a
 * moxy directive) it may also wait: sleep, cosockets, light threads; the
 * access log line is written when it ends.
 */


static void mx_http_lua_log_resumed(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx, int rc);


int
mx_http_lua_log_handler(mx_http_request_t *r)
{
    int                      rc;
    lua_State               *L;
    const char              *action;
    mx_http_lua_ctx_t       *ctx;
    mx_http_lua_loc_conf_t  *llcf;

    llcf = mx_http_get_module_loc_conf(r, mx_http_lua_module);

    if (!mx_http_lua_hook_isset(&llcf->log)) {
        return MX_DECLINED;
    }

    ctx = mx_http_lua_get_ctx(r);
    if (ctx == NULL) {
        return MX_ERROR;
    }

    L = mx_http_lua_get_vm(r, ctx);
    if (L == NULL) {
        return MX_ERROR;
    }

    /* nginx's error lines end with "while logging request" here */
    action = r->connection->log.action;
    r->connection->log.action = "logging request";

    if (mx_http_lua_hook_push(r, L, &llcf->log) != MX_OK) {
        r->connection->log.action = action;
        return MX_OK;
    }

    if (llcf->log_cosockets) {
        /* an entry thread that may wait: the response is out, the request
         * lives on (detached from its connection) until it ends */
        ctx->log_waitable = 1;
        ctx->resumed = mx_http_lua_log_resumed;

        rc = mx_http_lua_run_entry(r, ctx, L, MX_LUA_CONTEXT_LOG);
        if (rc == MX_AGAIN) {
            return MX_AGAIN;
        }

        ctx->log_waitable = 0;
        r->connection->log.action = action;
        return MX_OK;
    }

    (void) mx_http_lua_call_hook(r, ctx, L, MX_LUA_CONTEXT_LOG, 0, 0,
                                 "log_by_lua*");

    r->connection->log.action = action;

    return MX_OK;
}


static void
mx_http_lua_log_resumed(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    int rc)
{
    if (rc == MX_AGAIN) {
        return;
    }

    ctx->log_waitable = 0;

    /* the log handlers after this one; r may be freed then */
    mx_http_log_resume(r);
}
