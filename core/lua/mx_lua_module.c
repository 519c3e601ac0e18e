#include "mx_lua_module.h"
#include "mx_lua_vm.h"

#include <lauxlib.h>


static void *mx_http_lua_create_main_conf(mx_conf_t *cf);
static void *mx_http_lua_create_loc_conf(mx_conf_t *cf);
static char *mx_http_lua_merge_loc_conf(mx_conf_t *cf, void *parent,
    void *child);
static int mx_http_lua_init_process(mx_cycle_t *cycle);
static void mx_http_lua_exit_process(mx_cycle_t *cycle);

static char *mx_http_lua_package_path(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_lua_code_cache(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_lua_content_by_lua(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_lua_content_by_lua_file(mx_conf_t *cf,
    mx_command_t *cmd, void *conf);
static char *mx_http_lua_set_content_handler(mx_conf_t *cf,
    mx_http_lua_loc_conf_t *llcf);

static int mx_http_lua_content_handler(mx_http_request_t *r);
static int mx_http_lua_content_inline(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx);
static int mx_http_lua_content_file(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx);
static int mx_http_lua_content_by_chunk(lua_State *L, mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx);
static int mx_http_lua_run_thread(lua_State *L, mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx, int nrets);
static int mx_http_lua_handle_exit(lua_State *L, mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx);
static lua_State *mx_http_lua_get_vm(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx);
static void mx_http_lua_ctx_cleanup(void *data);
static u_char *mx_http_lua_gen_chunkname(mx_conf_t *cf, const char *tag,
    mx_uint_t line);
static void mx_http_lua_check_syntax(mx_conf_t *cf, const mx_str_t *src,
    const char *chunkname);


static mx_command_t  mx_http_lua_commands[] = {

    { mx_string("lua_package_path"),
      MX_HTTP_MAIN_CONF|MX_CONF_TAKE1,
      mx_http_lua_package_path,
      MX_HTTP_MAIN_CONF_OFFSET,
      offsetof(mx_http_lua_main_conf_t, package_path),
      NULL },

    { mx_string("lua_package_cpath"),
      MX_HTTP_MAIN_CONF|MX_CONF_TAKE1,
      mx_http_lua_package_path,
      MX_HTTP_MAIN_CONF_OFFSET,
      offsetof(mx_http_lua_main_conf_t, package_cpath),
      NULL },

    { mx_string("lua_code_cache"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_HTTP_LIF_CONF
          |MX_CONF_FLAG,
      mx_http_lua_code_cache,
      MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_lua_loc_conf_t, code_cache),
      NULL },

    { mx_string("content_by_lua_block"),
      MX_HTTP_LOC_CONF|MX_HTTP_LIF_CONF|MX_CONF_RAW_BLOCK|MX_CONF_NOARGS,
      mx_http_lua_content_by_lua,
      MX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { mx_string("content_by_lua"),
      MX_HTTP_LOC_CONF|MX_HTTP_LIF_CONF|MX_CONF_TAKE1,
      mx_http_lua_content_by_lua,
      MX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { mx_string("content_by_lua_file"),
      MX_HTTP_LOC_CONF|MX_HTTP_LIF_CONF|MX_CONF_TAKE1,
      mx_http_lua_content_by_lua_file,
      MX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    mx_null_command
};


static mx_http_module_t  mx_http_lua_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    mx_http_lua_create_main_conf,          /* create main configuration */
    NULL,                                  /* init main configuration */

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


/* ------------------------------------------------------------ conf */

static void *
mx_http_lua_create_main_conf(mx_conf_t *cf)
{
    /* package_path, package_cpath: empty */
    return mx_pcalloc(cf->pool, sizeof(mx_http_lua_main_conf_t));
}


static void *
mx_http_lua_create_loc_conf(mx_conf_t *cf)
{
    mx_http_lua_loc_conf_t  *conf;

    /* content_handler, content_src, content_path, content_chunkname:
     * NULL / empty */
    conf = mx_pcalloc(cf->pool, sizeof(mx_http_lua_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->code_cache = MX_CONF_UNSET;

    return conf;
}


static char *
mx_http_lua_merge_loc_conf(mx_conf_t *cf, void *parent, void *child)
{
    mx_http_lua_loc_conf_t  *prev = parent;
    mx_http_lua_loc_conf_t  *conf = child;

    mx_unused(cf);

    mx_conf_merge_value(conf->code_cache, prev->code_cache, 1);

    return MX_CONF_OK;
}


static char *
mx_http_lua_package_path(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_str_t  *field, *value;

    field = (mx_str_t *) ((char *) conf + cmd->offset);

    if (field->len != 0) {
        return "is duplicate";
    }

    value = cf->args->elts;

    /* an empty value keeps the default, as an unset directive */
    *field = value[1];

    return MX_CONF_OK;
}


static char *
mx_http_lua_code_cache(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    char                    *rv;
    mx_http_lua_loc_conf_t  *llcf = conf;

    rv = mx_conf_set_flag_slot(cf, cmd, conf);
    if (rv != MX_CONF_OK) {
        return rv;
    }

    if (!llcf->code_cache) {
        mx_conf_log_error(MX_LOG_ALERT, cf, 0,
                          "lua_code_cache is off; this will hurt "
                          "performance");
    }

    return MX_CONF_OK;
}


/* content_by_lua 'code' and content_by_lua_block { code } */
static char *
mx_http_lua_content_by_lua(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    u_char                  *p;
    mx_str_t                *value, *src;
    mx_uint_t                line;
    mx_http_lua_loc_conf_t  *llcf = conf;

    if (llcf->content_handler) {
        return "is duplicate";
    }

    value = cf->args->elts;
    src = &value[cf->args->nelts - 1];

    if (src->len == 0) {
        mx_conf_log_error(MX_LOG_ERR, cf, 0,
                          "invalid location config: no runnable Lua code");
        return MX_CONF_ERROR;
    }

    /*
     * The chunk is named after the directive's line, as in
     * lua-nginx-module. The parser hands a raw block over with the file
     * position at its closing "}", so count the body's lines back.
     */
    line = cf->conf_file->line;

    if (cmd->type & MX_CONF_RAW_BLOCK) {
        for (p = src->data; p < src->data + src->len; p++) {
            if (*p == '\n' && line > 1) {
                line--;
            }
        }
    }

    llcf->content_src = *src;
    llcf->content_chunkname.data = mx_http_lua_gen_chunkname(cf,
                                                             "content_by_lua",
                                                             line);
    if (llcf->content_chunkname.data == NULL) {
        return MX_CONF_ERROR;
    }

    llcf->content_chunkname.len = strlen((char *)
                                         llcf->content_chunkname.data);
    llcf->content_handler = mx_http_lua_content_inline;

    mx_http_lua_check_syntax(cf, src,
                             (const char *) llcf->content_chunkname.data);

    return mx_http_lua_set_content_handler(cf, llcf);
}


static char *
mx_http_lua_content_by_lua_file(mx_conf_t *cf, mx_command_t *cmd,
    void *conf)
{
    mx_str_t                *value, path;
    mx_http_lua_loc_conf_t  *llcf = conf;

    mx_unused(cmd);

    if (llcf->content_handler) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0) {
        mx_conf_log_error(MX_LOG_ERR, cf, 0,
                          "invalid location config: no runnable Lua code");
        return MX_CONF_ERROR;
    }

    if (memchr(value[1].data, '$', value[1].len) != NULL) {
        llcf->content_path = mx_pcalloc(cf->pool,
                                        sizeof(mx_http_complex_value_t));
        if (llcf->content_path == NULL) {
            return MX_CONF_ERROR;
        }

        llcf->content_path->raw = value[1];

        if (mx_http_compile_complex_value(cf, llcf->content_path) != MX_OK) {
            return MX_CONF_ERROR;
        }

    } else {
        /* relative to the -p prefix, as lua-nginx-module */
        path = value[1];

        if (mx_conf_full_name(cf->cycle, &path, 0) != MX_OK) {
            return MX_CONF_ERROR;
        }

        llcf->content_src = path;
    }

    llcf->content_handler = mx_http_lua_content_file;

    return mx_http_lua_set_content_handler(cf, llcf);
}


static char *
mx_http_lua_set_content_handler(mx_conf_t *cf, mx_http_lua_loc_conf_t *llcf)
{
    mx_http_core_loc_conf_t  *clcf;

    mx_unused(llcf);

    clcf = mx_http_conf_get_module_loc_conf(cf, mx_http_core_module);
    clcf->handler = mx_http_lua_content_handler;

    return MX_CONF_OK;
}


/*
 * lua-nginx-module compiles inline code at the first request and fails
 * that request (500, "failed to load inlined Lua code" at error level);
 * moxy does the same, so that every nginx config loads. It also tells
 * at load time (and with -t), as a warning.
 */
static void
mx_http_lua_check_syntax(mx_conf_t *cf, const mx_str_t *src,
    const char *chunkname)
{
    lua_State  *L;

    L = luaL_newstate();
    if (L == NULL) {
        return;
    }

    if (luaL_loadbuffer(L, (const char *) src->data, src->len, chunkname)
        != 0)
    {
        mx_conf_log_error(MX_LOG_WARN, cf, 0,
                          "syntax error in inlined Lua code, its requests will "
                          "fail: %s",
                          lua_isstring(L, -1) ? lua_tostring(L, -1)
                                              : "syntax error");
    }

    lua_close(L);
}


/* "=content_by_lua(nginx.conf:40)": the basename of the current file */
static u_char *
mx_http_lua_gen_chunkname(mx_conf_t *cf, const char *tag, mx_uint_t line)
{
    u_char    *name, *p, *file;
    size_t     len, flen;

    if (cf->conf_file && cf->conf_file->name.len) {
        file = cf->conf_file->name.data;
        flen = cf->conf_file->name.len;

        for (p = file + flen; p > file; p--) {
            if (p[-1] == '/') {
                break;
            }
        }

        flen -= p - file;
        file = p;

    } else {
        file = (u_char *) "command line";
        flen = sizeof("command line") - 1;
    }

    len = 1 + strlen(tag) + 1 + flen + 1 + 20 + 1 + 1;

    name = mx_pnalloc(cf->pool, len);
    if (name == NULL) {
        return NULL;
    }

    snprintf((char *) name, len, "=%s(%.*s:%lu)", tag, (int) flen,
             (char *) file, (unsigned long) line);

    return name;
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

    mx_lua_vm = mx_lua_vm_new(cycle, &lmcf->package_path,
                              &lmcf->package_cpath, cycle->log);
    if (mx_lua_vm == NULL) {
        return MX_ERROR;
    }

    return MX_OK;
}


static void
mx_http_lua_exit_process(mx_cycle_t *cycle)
{
    mx_unused(cycle);

    mx_lua_vm_free(mx_lua_vm);
    mx_lua_vm = NULL;
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
    ctx->co_ref = LUA_NOREF;
    ctx->last_out = &ctx->out;

    cln->handler = mx_http_lua_ctx_cleanup;
    cln->data = ctx;

    mx_http_set_ctx(r, ctx, mx_http_lua_module);

    return ctx;
}


/* the request is gone: release its coroutine and its own VM */
static void
mx_http_lua_ctx_cleanup(void *data)
{
    mx_http_lua_ctx_t  *ctx = data;

    if (ctx->vm == NULL) {
        return;
    }

    if (ctx->own_vm) {
        mx_lua_vm_free(ctx->vm);

    } else if (ctx->vm == mx_lua_vm) {
        /* (the worker VM may be gone already, at exit) */
        if (ctx->co) {
            lua_setexdata(ctx->co, NULL);
        }

        mx_lua_vm_del_thread(ctx->vm, ctx->co_ref);
    }

    ctx->co = NULL;
    ctx->co_ref = LUA_NOREF;
    ctx->vm = NULL;
}


/*
 * lua_code_cache off gives every request a VM of its own, so that
 * modules and files are loaded afresh, as lua-nginx-module does.
 */
static lua_State *
mx_http_lua_get_vm(mx_http_request_t *r, mx_http_lua_ctx_t *ctx)
{
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

    ctx->vm = mx_lua_vm_new(mx_cycle, &lmcf->package_path,
                            &lmcf->package_cpath, &r->connection->log);
    ctx->own_vm = ctx->vm != NULL;

    return ctx->vm;
}


static int
mx_http_lua_content_handler(mx_http_request_t *r)
{
    mx_http_lua_ctx_t       *ctx;
    mx_http_lua_loc_conf_t  *llcf;

    llcf = mx_http_get_module_loc_conf(r, mx_http_lua_module);

    if (llcf->content_handler == NULL) {
        return MX_DECLINED;
    }

    ctx = mx_http_lua_get_ctx(r);
    if (ctx == NULL) {
        return 500;
    }

    if (ctx->entered_content_phase) {
        /* nothing waits yet (no ngx.sleep, no cosockets): a second call
         * for the same request is a bug, not a resumption */
        mx_log_error(MX_LOG_ALERT, &r->connection->log, 0,
                     "lua content handler entered twice");
        return MX_ERROR;
    }

    ctx->entered_content_phase = 1;

    return llcf->content_handler(r, ctx);
}


static int
mx_http_lua_content_inline(mx_http_request_t *r, mx_http_lua_ctx_t *ctx)
{
    lua_State               *L;
    mx_http_lua_loc_conf_t  *llcf;

    llcf = mx_http_get_module_loc_conf(r, mx_http_lua_module);

    L = mx_http_lua_get_vm(r, ctx);
    if (L == NULL) {
        return 500;
    }

    if (mx_lua_vm_load_inline(L, llcf, &llcf->content_src,
                              (const char *) llcf->content_chunkname.data,
                              &r->connection->log)
        != MX_OK)
    {
        return 500;
    }

    return mx_http_lua_content_by_chunk(L, r, ctx);
}


static int
mx_http_lua_content_file(mx_http_request_t *r, mx_http_lua_ctx_t *ctx)
{
    int                      rc;
    u_char                  *p;
    lua_State               *L;
    mx_str_t                 path;
    mx_http_lua_loc_conf_t  *llcf;

    llcf = mx_http_get_module_loc_conf(r, mx_http_lua_module);

    if (llcf->content_path) {
        if (mx_http_complex_value(r, llcf->content_path, &path) != MX_OK) {
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
        path = llcf->content_src;
    }

    L = mx_http_lua_get_vm(r, ctx);
    if (L == NULL) {
        return 500;
    }

    rc = mx_lua_vm_load_file(L, (const char *) path.data, &r->connection->log);
    if (rc != MX_OK) {
        return rc >= 300 ? rc : 500;
    }

    return mx_http_lua_content_by_chunk(L, r, ctx);
}


/* runs the function on L's stack top as the request's entry thread */
static int
mx_http_lua_content_by_chunk(lua_State *L, mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx)
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
    ctx->context = MX_LUA_CONTEXT_CONTENT;

    return mx_http_lua_run_thread(L, r, ctx, 0);
}


static void
mx_http_lua_del_entry(lua_State *L, mx_http_lua_ctx_t *ctx)
{
    if (ctx->co) {
        lua_setexdata(ctx->co, NULL);
        ctx->co = NULL;
    }

    mx_lua_vm_del_thread(L, ctx->co_ref);
    ctx->co_ref = LUA_NOREF;
}


/*
 * Resumes the entry thread. Returns what the content handler returns:
 * MX_OK (response complete), MX_ERROR, or an HTTP status.
 */
static int
mx_http_lua_run_thread(lua_State *L, mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx, int nrets)
{
    int          rv, rc;
    const char  *err, *msg, *trace;

    for ( ;; ) {
        rv = lua_resume(ctx->co, nrets);

        switch (rv) {

        case LUA_YIELD:
            if (ctx->exited) {
                return mx_http_lua_handle_exit(L, r, ctx);
            }

            /* a bare coroutine.yield() in the entry thread: go on */
            lua_settop(ctx->co, 0);
            nrets = 0;
            continue;

        case 0:
            if (ctx->exited) {
                /* ngx.exit() in a coroutine of the handler's own */
                return mx_http_lua_handle_exit(L, r, ctx);
            }

            mx_http_lua_del_entry(L, ctx);

            rc = mx_http_lua_flush(r, ctx, 1);
            if (rc == MX_ERROR || rc >= 300) {
                return rc;
            }

            return MX_OK;

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

        mx_http_lua_del_entry(L, ctx);

        if (r->header_sent || ctx->header_sent) {
            /* what was said goes out before the connection is closed */
            (void) mx_http_lua_flush(r, ctx, 0);
            return MX_ERROR;
        }

        return 500;
    }
}


/* ngx.exit() yielded the entry thread */
static int
mx_http_lua_handle_exit(lua_State *L, mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx)
{
    int        rc;
    mx_int_t   code;

    code = ctx->exit_code;

    mx_http_lua_del_entry(L, ctx);

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

        return code >= 200 ? MX_OK : (int) code;
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
    }

    if (code == MX_OK || (code >= 200 && code < 300)) {
        rc = mx_http_lua_flush(r, ctx, 1);
        if (rc == MX_ERROR || rc >= 300) {
            return rc;
        }

        return MX_OK;
    }

    return (int) code;
}
