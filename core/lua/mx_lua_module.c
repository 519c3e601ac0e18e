#include "mx_lua_internal.h"
#include "mx_lua_ffi.h"
#include "mx_lua_ssl.h"

#include <lauxlib.h>

/*
 * The http Lua module: its configuration, the VM's life (made with
 * init_by_lua* at configuration time, in the master, so that workers
 * inherit it by fork), the phase hooks' installation, and the per-request
 * Lua context.
 */

static int mx_http_lua_postconfiguration(mx_conf_t *cf);
static void *mx_http_lua_create_main_conf(mx_conf_t *cf);
static char *mx_http_lua_init_main_conf(mx_conf_t *cf, void *conf);
static void *mx_http_lua_create_loc_conf(mx_conf_t *cf);
static char *mx_http_lua_merge_loc_conf(mx_conf_t *cf, void *parent,
    void *child);
static int mx_http_lua_init_process(mx_cycle_t *cycle);
static void mx_http_lua_exit_process(mx_cycle_t *cycle);
static int mx_http_lua_add_handler(mx_http_core_main_conf_t *cmcf,
    mx_http_phase_e phase, mx_http_handler_pt handler, int first);
static void mx_http_lua_cleanup_vm(void *data);
static void mx_http_lua_ctx_cleanup(void *data);


mx_uint_t  mx_http_lua_global_context;


static mx_http_module_t  mx_http_lua_module_ctx = {
    NULL,                                  /* preconfiguration */
    mx_http_lua_postconfiguration,         /* postconfiguration */

    mx_http_lua_create_main_conf,          /* create main configuration */
    mx_http_lua_init_main_conf,            /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    mx_http_lua_create_loc_conf,           /* create location configuration */
    mx_http_lua_merge_loc_conf             /* merge location configuration */
};


mx_module_t  mx_http_lua_module = {
    "mx_http_lua_module",
    0,
    0,
    MX_HTTP_MODULE,
    &mx_http_lua_module_ctx,
    mx_http_lua_commands,
    NULL,                                  /* init module */
    mx_http_lua_init_process,              /* init process */
    mx_http_lua_exit_process               /* exit process */
};


static const char  *mx_http_lua_context_names[] = {
    "set_by_lua*",                         /* 0x0001 */
    "rewrite_by_lua*",                     /* 0x0002 */
    "access_by_lua*",                      /* 0x0004 */
    "content_by_lua*",                     /* 0x0008 */
    "log_by_lua*",                         /* 0x0010 */
    "header_filter_by_lua*",               /* 0x0020 */
    "body_filter_by_lua*",                 /* 0x0040 */
    "ngx.timer",                           /* 0x0080 */
    "init_worker_by_lua*",                 /* 0x0100 */
    "balancer_by_lua*",                    /* 0x0200 */
    "ssl_certificate_by_lua*",             /* 0x0400 */
    "ssl_session_store_by_lua*",           /* 0x0800 */
    "ssl_session_fetch_by_lua*",           /* 0x1000 */
    "exit_worker_by_lua*",                 /* 0x2000 */
};

static const char  *mx_http_lua_context_errors[] = {
    "API disabled in the context of set_by_lua*",
    "API disabled in the context of rewrite_by_lua*",
    "API disabled in the context of access_by_lua*",
    "API disabled in the context of content_by_lua*",
    "API disabled in the context of log_by_lua*",
    "API disabled in the context of header_filter_by_lua*",
    "API disabled in the context of body_filter_by_lua*",
    "API disabled in the context of ngx.timer",
    "API disabled in the context of init_worker_by_lua*",
    "API disabled in the context of balancer_by_lua*",
    "API disabled in the context of ssl_certificate_by_lua*",
    "API disabled in the context of ssl_session_store_by_lua*",
    "API disabled in the context of ssl_session_fetch_by_lua*",
    "API disabled in the context of exit_worker_by_lua*",
};


/* the index of a single context bit in the tables above, or -1 */
static int
mx_http_lua_context_index(mx_uint_t context)
{
    int  i;

    for (i = 0; i < (int) mx_nelems(mx_http_lua_context_names); i++) {
        if (context == ((mx_uint_t) 1 << i)) {
            return i;
        }
    }

    return -1;
}


const char *
mx_http_lua_context_name(mx_uint_t context)
{
    int  i;

    i = mx_http_lua_context_index(context);

    return i < 0 ? "(unknown)" : mx_http_lua_context_names[i];
}


const char *
mx_http_lua_context_error(mx_uint_t context)
{
    int  i;

    i = mx_http_lua_context_index(context);

    return i < 0 ? "API disabled in the current context"
                 : mx_http_lua_context_errors[i];
}


int
mx_http_lua_check_context(mx_http_request_t *r, mx_uint_t contexts,
    const char **err)
{
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        *err = "no request ctx found";
        return MX_DECLINED;
    }

    if (!(ctx->context & contexts)) {
        /* lua_log_cosockets: log_by_lua* may do what a timer may */
        if (ctx->log_waitable && (contexts & MX_LUA_CONTEXT_TIMER)) {
            return MX_OK;
        }

        *err = mx_http_lua_context_error(ctx->context);
        return MX_DECLINED;
    }

    return MX_OK;
}


int
mx_http_lua_has_lua_filters(mx_http_request_t *r)
{
    mx_http_lua_loc_conf_t  *llcf;

    llcf = mx_http_get_module_loc_conf(r, mx_http_lua_module);

    return mx_http_lua_hook_isset(&llcf->header_filter)
           || mx_http_lua_hook_isset(&llcf->body_filter);
}


/* ------------------------------------------------------------ conf */

static void *
mx_http_lua_create_main_conf(mx_conf_t *cf)
{
    mx_http_lua_main_conf_t  *lmcf;

    /* package paths, vm, hooks, requires_*: empty */
    lmcf = mx_pcalloc(cf->pool, sizeof(mx_http_lua_main_conf_t));
    if (lmcf == NULL) {
        return NULL;
    }

    lmcf->rewrite_no_postpone = MX_CONF_UNSET;
    lmcf->access_no_postpone = MX_CONF_UNSET;
    lmcf->regex_cache_max_entries = MX_CONF_UNSET;
    lmcf->regex_match_limit = MX_CONF_UNSET;
    lmcf->max_pending_timers = MX_CONF_UNSET;
    lmcf->max_running_timers = MX_CONF_UNSET;

    /* a configuration without lua_capture_error_log captures nothing */
    mx_lua_errlog_capture_init(0);

    return lmcf;
}


static char *
mx_http_lua_init_main_conf(mx_conf_t *cf, void *conf)
{
    mx_http_lua_main_conf_t  *lmcf = conf;

    mx_unused(cf);

    mx_conf_init_value(lmcf->rewrite_no_postpone, 0);
    mx_conf_init_value(lmcf->access_no_postpone, 0);
    mx_conf_init_value(lmcf->regex_cache_max_entries, 1024);
    mx_conf_init_value(lmcf->regex_match_limit, 0);
    mx_conf_init_value(lmcf->max_pending_timers, 1024);
    mx_conf_init_value(lmcf->max_running_timers, 256);

    return MX_CONF_OK;
}


static void *
mx_http_lua_create_loc_conf(mx_conf_t *cf)
{
    mx_http_lua_loc_conf_t  *conf;

    /* the hooks: unset */
    conf = mx_pcalloc(cf->pool, sizeof(mx_http_lua_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->code_cache = MX_CONF_UNSET;
    conf->force_read_body = MX_CONF_UNSET;
    conf->socket_connect_timeout = MX_CONF_UNSET_MSEC;
    conf->socket_send_timeout = MX_CONF_UNSET_MSEC;
    conf->socket_read_timeout = MX_CONF_UNSET_MSEC;
    conf->socket_keepalive_timeout = MX_CONF_UNSET_MSEC;
    conf->socket_pool_size = MX_CONF_UNSET;
    conf->socket_buffer_size = MX_CONF_UNSET_SIZE;
    conf->socket_log_errors = MX_CONF_UNSET;
    conf->check_client_abort = MX_CONF_UNSET;
    conf->log_cosockets = MX_CONF_UNSET;
    conf->ssl_verify_depth = MX_CONF_UNSET;

    return conf;
}


static char *
mx_http_lua_merge_loc_conf(mx_conf_t *cf, void *parent, void *child)
{
    mx_http_lua_loc_conf_t  *prev = parent;
    mx_http_lua_loc_conf_t  *conf = child;

    mx_conf_merge_value(conf->code_cache, prev->code_cache, 1);
    mx_conf_merge_value(conf->force_read_body, prev->force_read_body, 0);
    mx_conf_merge_msec_value(conf->socket_connect_timeout,
                             prev->socket_connect_timeout, 60000);
    mx_conf_merge_msec_value(conf->socket_send_timeout,
                             prev->socket_send_timeout, 60000);
    mx_conf_merge_msec_value(conf->socket_read_timeout,
                             prev->socket_read_timeout, 60000);
    mx_conf_merge_msec_value(conf->socket_keepalive_timeout,
                             prev->socket_keepalive_timeout, 60000);
    mx_conf_merge_value(conf->socket_pool_size, prev->socket_pool_size, 30);
    mx_conf_merge_size_value(conf->socket_buffer_size,
                             prev->socket_buffer_size, 4096);
    mx_conf_merge_value(conf->socket_log_errors, prev->socket_log_errors, 1);
    mx_conf_merge_value(conf->check_client_abort, prev->check_client_abort,
                        0);
    mx_conf_merge_value(conf->log_cosockets, prev->log_cosockets, 0);

    if (mx_lua_ssl_merge_conf(cf, prev, conf) != MX_CONF_OK) {
        return MX_CONF_ERROR;
    }

    /* as lua-nginx-module: every hook but content is inherited */
    if (!mx_http_lua_hook_isset(&conf->rewrite)) {
        conf->rewrite = prev->rewrite;
    }

    if (!mx_http_lua_hook_isset(&conf->access)) {
        conf->access = prev->access;
    }

    if (!mx_http_lua_hook_isset(&conf->header_filter)) {
        conf->header_filter = prev->header_filter;
    }

    if (!mx_http_lua_hook_isset(&conf->body_filter)) {
        conf->body_filter = prev->body_filter;
    }

    if (!mx_http_lua_hook_isset(&conf->log)) {
        conf->log = prev->log;
    }

    return MX_CONF_OK;
}


/*
 * After the whole http{} block: the phase handlers and filters that the
 * configuration needs, then the VM, with init_by_lua* run in it now (in
 * the master or the single process, also for -t, as nginx does).
 */
/*
 * The confs of Lua code outside any request (init_worker_by_lua*, timers
 * made there): those of a location directly in http{}, every module's
 * server and location conf merged from the http{} level, as
 * lua-nginx-module makes them, so that unset values have their defaults.
 */
static int
mx_http_lua_make_fake_confs(mx_conf_t *cf, mx_http_lua_main_conf_t *lmcf)
{
    char                *rv;
    mx_uint_t            m, mi;
    mx_http_module_t    *module;
    mx_http_conf_ctx_t  *http, *ctx;

    http = cf->ctx;

    ctx = mx_pcalloc(cf->pool, sizeof(mx_http_conf_ctx_t));
    if (ctx == NULL) {
        return MX_ERROR;
    }

    ctx->main_conf = http->main_conf;
    ctx->srv_conf = mx_pcalloc(cf->pool, sizeof(void *) * mx_http_max_module);
    ctx->loc_conf = mx_pcalloc(cf->pool, sizeof(void *) * mx_http_max_module);
    if (ctx->srv_conf == NULL || ctx->loc_conf == NULL) {
        return MX_ERROR;
    }

    for (m = 0; mx_modules[m]; m++) {
        if (mx_modules[m]->type != MX_HTTP_MODULE) {
            continue;
        }

        module = mx_modules[m]->ctx;
        mi = mx_modules[m]->ctx_index;

        ctx->srv_conf[mi] = http->srv_conf[mi];
        ctx->loc_conf[mi] = http->loc_conf[mi];

        if (module->create_srv_conf && module->merge_srv_conf) {
            ctx->srv_conf[mi] = module->create_srv_conf(cf);
            if (ctx->srv_conf[mi] == NULL) {
                return MX_ERROR;
            }

            rv = module->merge_srv_conf(cf, http->srv_conf[mi],
                                        ctx->srv_conf[mi]);
            if (rv != MX_CONF_OK) {
                return MX_ERROR;
            }
        }

        if (module->create_loc_conf && module->merge_loc_conf) {
            ctx->loc_conf[mi] = module->create_loc_conf(cf);
            if (ctx->loc_conf[mi] == NULL) {
                return MX_ERROR;
            }

            rv = module->merge_loc_conf(cf, http->loc_conf[mi],
                                        ctx->loc_conf[mi]);
            if (rv != MX_CONF_OK) {
                return MX_ERROR;
            }
        }
    }

    lmcf->fake_ctx = ctx;

    return MX_OK;
}


static int
mx_http_lua_postconfiguration(mx_conf_t *cf)
{
    mx_http_lua_main_conf_t   *lmcf;
    mx_http_core_main_conf_t  *cmcf;
    mx_pool_cleanup_t         *cln;

    lmcf = mx_http_conf_get_module_main_conf(cf, mx_http_lua_module);
    cmcf = mx_http_conf_get_module_main_conf(cf, mx_http_core_module);

    if (mx_http_lua_make_fake_confs(cf, lmcf) != MX_OK) {
        return MX_ERROR;
    }

    /*
     * Phase handlers run in the order of their arrays. rewrite_by_lua*
     * and access_by_lua* go last in their phases (after "set", "rewrite",
     * "allow"...) unless told not to be postponed; log_by_lua* goes
     * first, so that variables it sets reach the access log.
     */
    if (lmcf->requires_rewrite
        && mx_http_lua_add_handler(cmcf, MX_HTTP_REWRITE_PHASE,
                                   mx_http_lua_rewrite_handler,
                                   lmcf->rewrite_no_postpone == 1)
           != MX_OK)
    {
        return MX_ERROR;
    }

    if (lmcf->requires_access
        && mx_http_lua_add_handler(cmcf, MX_HTTP_ACCESS_PHASE,
                                   mx_http_lua_access_handler,
                                   lmcf->access_no_postpone == 1)
           != MX_OK)
    {
        return MX_ERROR;
    }

    if (lmcf->requires_log
        && mx_http_lua_add_handler(cmcf, MX_HTTP_LOG_PHASE,
                                   mx_http_lua_log_handler, 1)
           != MX_OK)
    {
        return MX_ERROR;
    }

    if (mx_http_lua_filters_init(cf, lmcf) != MX_OK) {
        return MX_ERROR;
    }

    /* ngx.re's limits, before any Lua (init_by_lua* too) runs */
    mx_lua_regex_configure((mx_uint_t) lmcf->regex_cache_max_entries,
                           (mx_uint_t) lmcf->regex_match_limit);

    cln = mx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return MX_ERROR;
    }

    lmcf->vm = mx_lua_vm_new(cf->cycle, &lmcf->package_path,
                             &lmcf->package_cpath, cf->log);
    if (lmcf->vm == NULL) {
        return MX_ERROR;
    }

    /* the cycle's end closes it: a failed reload, the master's old one */
    cln->handler = mx_http_lua_cleanup_vm;
    cln->data = lmcf;

    if (mx_http_lua_run_init(lmcf->vm, lmcf, cf->log) != MX_OK) {
        return MX_ERROR;
    }

    return MX_OK;
}


static int
mx_http_lua_add_handler(mx_http_core_main_conf_t *cmcf, mx_http_phase_e phase,
    mx_http_handler_pt handler, int first)
{
    mx_array_t          *a;
    mx_http_handler_pt  *h;

    a = &cmcf->phases[phase].handlers;

    h = mx_array_push(a);
    if (h == NULL) {
        return MX_ERROR;
    }

    if (first) {
        h = a->elts;
        memmove(&h[1], &h[0], (a->nelts - 1) * sizeof(mx_http_handler_pt));
    }

    *h = handler;

    return MX_OK;
}


static void
mx_http_lua_cleanup_vm(void *data)
{
    mx_http_lua_main_conf_t  *lmcf = data;

    if (lmcf->vm == NULL) {
        return;
    }

    mx_lua_vm_free(lmcf->vm);

    if (mx_lua_vm == lmcf->vm) {
        mx_lua_vm = NULL;
    }

    lmcf->vm = NULL;
}


/* ---------------------------------------------------------- process */

static int
mx_http_lua_init_process(mx_cycle_t *cycle)
{
    mx_http_conf_ctx_t       *hctx;
    mx_http_lua_main_conf_t  *lmcf;

    hctx = cycle->conf_ctx[mx_http_module.index];
    if (hctx == NULL) {
        return MX_OK;
    }

    lmcf = hctx->main_conf[mx_http_lua_module.ctx_index];
    if (lmcf->vm == NULL) {
        return MX_OK;
    }

    /* the VM (and what init_by_lua* made) came with the fork; the
     * master's ngx.re limits may be of a newer, failed configuration */
    mx_lua_vm = lmcf->vm;

    mx_lua_regex_configure((mx_uint_t) lmcf->regex_cache_max_entries,
                           (mx_uint_t) lmcf->regex_match_limit);

    mx_http_lua_timer_init(cycle, lmcf);

    /* as nginx, a failing init_worker_by_lua* is logged, not fatal */
    (void) mx_http_lua_run_init_worker(mx_lua_vm, lmcf, cycle->log);

    return MX_OK;
}


static void
mx_http_lua_exit_process(mx_cycle_t *cycle)
{
    mx_http_conf_ctx_t       *hctx;
    mx_http_lua_main_conf_t  *lmcf;

    hctx = cycle->conf_ctx[mx_http_module.index];
    if (hctx == NULL) {
        return;
    }

    lmcf = hctx->main_conf[mx_http_lua_module.ctx_index];
    if (lmcf->vm == NULL) {
        return;
    }

    mx_http_lua_run_exit_worker(lmcf->vm, lmcf, cycle->log);

    /* requests still alive see mx_lua_vm gone and leave it alone */
    mx_lua_vm_free(lmcf->vm);
    mx_lua_vm = NULL;
    lmcf->vm = NULL;
}


/* ---------------------------------------------------------- requests */

mx_http_lua_ctx_t *
mx_http_lua_get_ctx(mx_http_request_t *r)
{
    mx_http_lua_ctx_t   *ctx;
    mx_pool_cleanup_t   *cln;

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx) {
        return ctx;
    }

    ctx = mx_pcalloc(r->pool, sizeof(mx_http_lua_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    cln = mx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    ctx->request = r;
    ctx->ctx_ref = LUA_NOREF;
    ctx->entry.co_ref = LUA_NOREF;
    ctx->posted_last = &ctx->posted;
    ctx->resumed = mx_http_lua_entry_resumed;
    ctx->last_out = &ctx->out;
    ctx->busy_last = &ctx->busy;

    cln->handler = mx_http_lua_ctx_cleanup;
    cln->data = ctx;

    mx_http_set_ctx(r, ctx, mx_http_lua_module);

    return ctx;
}


/*
 * The request is gone (or redirected away from this context): cancel a
 * posted resume, release the coroutine and ngx.ctx, close an own VM.
 */
static void
mx_http_lua_ctx_cleanup(void *data)
{
    mx_http_lua_ctx_t  *ctx = data;
    lua_State          *L;

    mx_http_lua_cancel_resume(ctx);

    L = ctx->vm;

    if (L != NULL && !ctx->own_vm && L != mx_lua_vm) {
        /* the worker VM is gone already, at exit: waits are undone, the
         * threads went with it */
        ctx->vm = NULL;
    }

    mx_http_lua_del_threads(ctx);

    if (L == NULL) {
        return;
    }

    if (ctx->own_vm) {
        mx_lua_vm_free(L);

    } else if (L == mx_lua_vm) {

        if (ctx->ctx_ref != LUA_NOREF) {
            lua_getfield(L, LUA_REGISTRYINDEX, "ngx_lua_ctx_tables");
            if (lua_istable(L, -1)) {
                luaL_unref(L, -1, ctx->ctx_ref);
            }
            lua_pop(L, 1);
        }
    }

    ctx->ctx_ref = LUA_NOREF;
    ctx->vm = NULL;
}


/*
 * lua_code_cache off gives every request a VM of its own, so that
 * modules and files are loaded afresh, as lua-nginx-module does; and it
 * runs init_by_lua* again in it.
 */
lua_State *
mx_http_lua_get_vm(mx_http_request_t *r, mx_http_lua_ctx_t *ctx)
{
    lua_State                *L;
    mx_http_lua_loc_conf_t   *llcf;
    mx_http_lua_main_conf_t  *lmcf;

    if (ctx->vm) {
        return ctx->vm;
    }

    llcf = mx_http_get_module_loc_conf(r, mx_http_lua_module);

    if (llcf->code_cache) {
        ctx->vm = mx_lua_vm;
        return ctx->vm;
    }

    lmcf = mx_http_get_module_main_conf(r, mx_http_lua_module);

    L = mx_lua_vm_new(mx_cycle, &lmcf->package_path, &lmcf->package_cpath,
                      &r->connection->log);
    if (L == NULL) {
        return NULL;
    }

    ctx->vm = L;
    ctx->own_vm = 1;

    if (mx_http_lua_run_init(L, lmcf, &r->connection->log) != MX_OK) {
        return NULL;
    }

    return L;
}
