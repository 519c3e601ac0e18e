#include "mx_lua_internal.h"
#include "mx_http_rewrite_module.h"
#include "mx_lua_ssl.h"

#include <lauxlib.h>

/*
 * The directives of the http Lua module: where each *_by_lua* hook's code
 * comes from (a _block, a string, a _file), its chunk name, and the flags
 * around them.
 */

/* which hook a *_by_lua* directive sets */
typedef enum {
    MX_LUA_HOOK_INIT = 0,
    MX_LUA_HOOK_INIT_WORKER,
    MX_LUA_HOOK_EXIT_WORKER,
    MX_LUA_HOOK_REWRITE,
    MX_LUA_HOOK_ACCESS,
    MX_LUA_HOOK_CONTENT,
    MX_LUA_HOOK_HEADER_FILTER,
    MX_LUA_HOOK_BODY_FILTER,
    MX_LUA_HOOK_LOG,
    MX_LUA_HOOK_BALANCER
} mx_http_lua_hook_kind_e;

typedef struct {
    mx_http_lua_hook_kind_e   kind;
    const char               *tag;       /* the chunk name's prefix */
} mx_http_lua_hook_desc_t;


static char *mx_http_lua_package_path(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_lua_capture_error_log(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_lua_code_cache(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_lua_by_lua(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_lua_by_lua_file(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_lua_set_by_lua(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_lua_balancer_by_lua(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_lua_hook_done(mx_conf_t *cf, mx_command_t *cmd);
static int mx_http_lua_file_path(mx_conf_t *cf, const mx_str_t *value,
    mx_http_lua_hook_t *hook);
static const char *mx_http_lua_gen_chunkname(mx_conf_t *cf, mx_command_t *cmd,
    const char *tag, const mx_str_t *src);
static void mx_http_lua_check_syntax(mx_conf_t *cf, const mx_str_t *src,
    const char *chunkname);


#define mx_lua_hook_desc(kind, tag)                                        \
    static mx_http_lua_hook_desc_t  mx_lua_desc_##kind = { kind, tag }

mx_lua_hook_desc(MX_LUA_HOOK_INIT, "init_by_lua");
mx_lua_hook_desc(MX_LUA_HOOK_INIT_WORKER, "init_worker_by_lua");
mx_lua_hook_desc(MX_LUA_HOOK_EXIT_WORKER, "exit_worker_by_lua");
mx_lua_hook_desc(MX_LUA_HOOK_REWRITE, "rewrite_by_lua");
mx_lua_hook_desc(MX_LUA_HOOK_ACCESS, "access_by_lua");
mx_lua_hook_desc(MX_LUA_HOOK_CONTENT, "content_by_lua");
mx_lua_hook_desc(MX_LUA_HOOK_HEADER_FILTER, "header_filter_by_lua");
mx_lua_hook_desc(MX_LUA_HOOK_BODY_FILTER, "body_filter_by_lua");
mx_lua_hook_desc(MX_LUA_HOOK_LOG, "log_by_lua");
mx_lua_hook_desc(MX_LUA_HOOK_BALANCER, "balancer_by_lua");


/* the three forms of a hook directive: name_block, name, name_file */
#define mx_lua_hook_commands(name, kind, where, offset_conf, st, field)    \
    { mx_string(name "_block"),                                            \
      where|MX_CONF_RAW_BLOCK|MX_CONF_NOARGS,                              \
      mx_http_lua_by_lua, offset_conf, offsetof(st, field),                \
      &mx_lua_desc_##kind },                                               \
    { mx_string(name),                                                     \
      where|MX_CONF_TAKE1,                                                 \
      mx_http_lua_by_lua, offset_conf, offsetof(st, field),                \
      &mx_lua_desc_##kind },                                               \
    { mx_string(name "_file"),                                             \
      where|MX_CONF_TAKE1,                                                 \
      mx_http_lua_by_lua_file, offset_conf, offsetof(st, field),           \
      &mx_lua_desc_##kind }

#define MX_LUA_LOC_CONTEXTS                                                \
    (MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_HTTP_LIF_CONF)

#define MX_LUA_SET_CONTEXTS                                                \
    (MX_HTTP_SRV_CONF|MX_HTTP_SIF_CONF|MX_HTTP_LOC_CONF|MX_HTTP_LIF_CONF)


mx_command_t  mx_http_lua_commands[] = {

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
      MX_LUA_LOC_CONTEXTS|MX_CONF_FLAG,
      mx_http_lua_code_cache,
      MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_lua_loc_conf_t, code_cache),
      NULL },

    { mx_string("lua_need_request_body"),
      MX_LUA_LOC_CONTEXTS|MX_CONF_FLAG,
      mx_conf_set_flag_slot,
      MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_lua_loc_conf_t, force_read_body),
      NULL },

    { mx_string("rewrite_by_lua_no_postpone"),
      MX_HTTP_MAIN_CONF|MX_CONF_FLAG,
      mx_conf_set_flag_slot,
      MX_HTTP_MAIN_CONF_OFFSET,
      offsetof(mx_http_lua_main_conf_t, rewrite_no_postpone),
      NULL },

    { mx_string("access_by_lua_no_postpone"),
      MX_HTTP_MAIN_CONF|MX_CONF_FLAG,
      mx_conf_set_flag_slot,
      MX_HTTP_MAIN_CONF_OFFSET,
      offsetof(mx_http_lua_main_conf_t, access_no_postpone),
      NULL },

    { mx_string("lua_regex_cache_max_entries"),
      MX_HTTP_MAIN_CONF|MX_CONF_TAKE1,
      mx_conf_set_num_slot,
      MX_HTTP_MAIN_CONF_OFFSET,
      offsetof(mx_http_lua_main_conf_t, regex_cache_max_entries),
      NULL },

    { mx_string("lua_regex_match_limit"),
      MX_HTTP_MAIN_CONF|MX_CONF_TAKE1,
      mx_conf_set_num_slot,
      MX_HTTP_MAIN_CONF_OFFSET,
      offsetof(mx_http_lua_main_conf_t, regex_match_limit),
      NULL },

    { mx_string("lua_capture_error_log"),
      MX_HTTP_MAIN_CONF|MX_CONF_TAKE1,
      mx_http_lua_capture_error_log,
      MX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { mx_string("lua_max_pending_timers"),
      MX_HTTP_MAIN_CONF|MX_CONF_TAKE1,
      mx_conf_set_num_slot,
      MX_HTTP_MAIN_CONF_OFFSET,
      offsetof(mx_http_lua_main_conf_t, max_pending_timers),
      NULL },

    { mx_string("lua_max_running_timers"),
      MX_HTTP_MAIN_CONF|MX_CONF_TAKE1,
      mx_conf_set_num_slot,
      MX_HTTP_MAIN_CONF_OFFSET,
      offsetof(mx_http_lua_main_conf_t, max_running_timers),
      NULL },

    { mx_string("lua_socket_connect_timeout"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_TAKE1,
      mx_conf_set_msec_slot,
      MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_lua_loc_conf_t, socket_connect_timeout),
      NULL },

    { mx_string("lua_socket_send_timeout"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_TAKE1,
      mx_conf_set_msec_slot,
      MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_lua_loc_conf_t, socket_send_timeout),
      NULL },

    { mx_string("lua_socket_read_timeout"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_TAKE1,
      mx_conf_set_msec_slot,
      MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_lua_loc_conf_t, socket_read_timeout),
      NULL },

    { mx_string("lua_socket_keepalive_timeout"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_TAKE1,
      mx_conf_set_msec_slot,
      MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_lua_loc_conf_t, socket_keepalive_timeout),
      NULL },

    { mx_string("lua_socket_pool_size"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_TAKE1,
      mx_conf_set_num_slot,
      MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_lua_loc_conf_t, socket_pool_size),
      NULL },

    { mx_string("lua_socket_buffer_size"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_TAKE1,
      mx_conf_set_size_slot,
      MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_lua_loc_conf_t, socket_buffer_size),
      NULL },

    { mx_string("lua_socket_log_errors"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_FLAG,
      mx_conf_set_flag_slot,
      MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_lua_loc_conf_t, socket_log_errors),
      NULL },

    { mx_string("lua_check_client_abort"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_FLAG,
      mx_conf_set_flag_slot,
      MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_lua_loc_conf_t, check_client_abort),
      NULL },

    { mx_string("lua_log_cosockets"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_FLAG,
      mx_conf_set_flag_slot,
      MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_lua_loc_conf_t, log_cosockets),
      NULL },

    { mx_string("lua_ssl_trusted_certificate"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_TAKE1,
      mx_conf_set_str_slot,
      MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_lua_loc_conf_t, ssl_trusted_certificate),
      NULL },

    { mx_string("lua_ssl_verify_depth"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_TAKE1,
      mx_conf_set_num_slot,
      MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_lua_loc_conf_t, ssl_verify_depth),
      NULL },

    { mx_string("lua_ssl_protocols"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_1MORE,
      mx_lua_ssl_set_protocols,
      MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_lua_loc_conf_t, ssl_protocols),
      NULL },

    { mx_string("lua_ssl_ciphers"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_TAKE1,
      mx_conf_set_str_slot,
      MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_lua_loc_conf_t, ssl_ciphers),
      NULL },

    mx_lua_hook_commands("init_by_lua", MX_LUA_HOOK_INIT, MX_HTTP_MAIN_CONF,
                         MX_HTTP_MAIN_CONF_OFFSET, mx_http_lua_main_conf_t,
                         init),

    mx_lua_hook_commands("init_worker_by_lua", MX_LUA_HOOK_INIT_WORKER,
                         MX_HTTP_MAIN_CONF, MX_HTTP_MAIN_CONF_OFFSET,
                         mx_http_lua_main_conf_t, init_worker),

    mx_lua_hook_commands("exit_worker_by_lua", MX_LUA_HOOK_EXIT_WORKER,
                         MX_HTTP_MAIN_CONF, MX_HTTP_MAIN_CONF_OFFSET,
                         mx_http_lua_main_conf_t, exit_worker),

    mx_lua_hook_commands("rewrite_by_lua", MX_LUA_HOOK_REWRITE,
                         MX_LUA_LOC_CONTEXTS, MX_HTTP_LOC_CONF_OFFSET,
                         mx_http_lua_loc_conf_t, rewrite),

    mx_lua_hook_commands("access_by_lua", MX_LUA_HOOK_ACCESS,
                         MX_LUA_LOC_CONTEXTS, MX_HTTP_LOC_CONF_OFFSET,
                         mx_http_lua_loc_conf_t, access),

    mx_lua_hook_commands("content_by_lua", MX_LUA_HOOK_CONTENT,
                         MX_HTTP_LOC_CONF|MX_HTTP_LIF_CONF,
                         MX_HTTP_LOC_CONF_OFFSET, mx_http_lua_loc_conf_t,
                         content),

    mx_lua_hook_commands("header_filter_by_lua", MX_LUA_HOOK_HEADER_FILTER,
                         MX_LUA_LOC_CONTEXTS, MX_HTTP_LOC_CONF_OFFSET,
                         mx_http_lua_loc_conf_t, header_filter),

    mx_lua_hook_commands("body_filter_by_lua", MX_LUA_HOOK_BODY_FILTER,
                         MX_LUA_LOC_CONTEXTS, MX_HTTP_LOC_CONF_OFFSET,
                         mx_http_lua_loc_conf_t, body_filter),

    mx_lua_hook_commands("log_by_lua", MX_LUA_HOOK_LOG,
                         MX_LUA_LOC_CONTEXTS, MX_HTTP_LOC_CONF_OFFSET,
                         mx_http_lua_loc_conf_t, log),

    { mx_string("set_by_lua_block"),
      MX_LUA_SET_CONTEXTS|MX_CONF_RAW_BLOCK|MX_CONF_TAKE1,
      mx_http_lua_set_by_lua,
      MX_HTTP_LOC_CONF_OFFSET,
      0,
      "set_by_lua" },

    { mx_string("set_by_lua"),
      MX_LUA_SET_CONTEXTS|MX_CONF_2MORE,
      mx_http_lua_set_by_lua,
      MX_HTTP_LOC_CONF_OFFSET,
      0,
      "set_by_lua" },

    { mx_string("set_by_lua_file"),
      MX_LUA_SET_CONTEXTS|MX_CONF_2MORE,
      mx_http_lua_set_by_lua,
      MX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* lua-nginx-module has no plain "balancer_by_lua" */
    { mx_string("balancer_by_lua_block"),
      MX_HTTP_UPS_CONF|MX_CONF_RAW_BLOCK|MX_CONF_NOARGS,
      mx_http_lua_balancer_by_lua,
      MX_HTTP_MAIN_CONF_OFFSET,
      0,
      &mx_lua_desc_MX_LUA_HOOK_BALANCER },

    { mx_string("balancer_by_lua_file"),
      MX_HTTP_UPS_CONF|MX_CONF_TAKE1,
      mx_http_lua_balancer_by_lua,
      MX_HTTP_MAIN_CONF_OFFSET,
      0,
      &mx_lua_desc_MX_LUA_HOOK_BALANCER },

    mx_null_command
};


static char *
mx_http_lua_capture_error_log(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    ssize_t    size;
    mx_str_t  *value;

    mx_unused(cmd);
    mx_unused(conf);

    value = cf->args->elts;

    size = mx_parse_size(&value[1]);

    if (size == MX_ERROR) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "invalid capture error log size \"%.*s\"",
                          MX_STR_ARG(value[1]));
        return MX_CONF_ERROR;
    }

    if (size < 4096) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "invalid capture error log size \"%.*s\", "
                          "minimum size is 4096", MX_STR_ARG(value[1]));
        return MX_CONF_ERROR;
    }

    /* from now on, in this process and the workers it starts */
    mx_lua_errlog_capture_init((size_t) size);

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


/* rewrite_by_lua 'code' and rewrite_by_lua_block { code }, for every hook */
static char *
mx_http_lua_by_lua(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_str_t                 *value, *src;
    mx_http_lua_hook_t       *hook;
    mx_http_lua_hook_desc_t  *desc = cmd->post;

    hook = (mx_http_lua_hook_t *) ((char *) conf + cmd->offset);

    if (mx_http_lua_hook_isset(hook)) {
        return "is duplicate";
    }

    value = cf->args->elts;
    src = &value[cf->args->nelts - 1];

    if (src->len == 0) {
        mx_conf_log_error(MX_LOG_ERR, cf, 0,
                          "invalid location config: no runnable Lua code");
        return MX_CONF_ERROR;
    }

    hook->src = *src;
    hook->chunkname = mx_http_lua_gen_chunkname(cf, cmd, desc->tag, src);
    if (hook->chunkname == NULL) {
        return MX_CONF_ERROR;
    }

    mx_http_lua_check_syntax(cf, src, hook->chunkname);

    return mx_http_lua_hook_done(cf, cmd);
}


static char *
mx_http_lua_by_lua_file(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_str_t            *value;
    mx_http_lua_hook_t  *hook;

    hook = (mx_http_lua_hook_t *) ((char *) conf + cmd->offset);

    if (mx_http_lua_hook_isset(hook)) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0) {
        mx_conf_log_error(MX_LOG_ERR, cf, 0,
                          "invalid location config: no runnable Lua code");
        return MX_CONF_ERROR;
    }

    if (mx_http_lua_file_path(cf, &value[1], hook) != MX_OK) {
        return MX_CONF_ERROR;
    }

    return mx_http_lua_hook_done(cf, cmd);
}


/* a hook is set: what its kind needs at postconfiguration and now */
static char *
mx_http_lua_hook_done(mx_conf_t *cf, mx_command_t *cmd)
{
    mx_http_lua_hook_desc_t   *desc = cmd->post;
    mx_http_lua_main_conf_t   *lmcf;
    mx_http_core_loc_conf_t   *clcf;

    lmcf = mx_http_conf_get_module_main_conf(cf, mx_http_lua_module);

    switch (desc->kind) {

    case MX_LUA_HOOK_REWRITE:
        lmcf->requires_rewrite = 1;
        break;

    case MX_LUA_HOOK_ACCESS:
        lmcf->requires_access = 1;
        break;

    case MX_LUA_HOOK_CONTENT:
        clcf = mx_http_conf_get_module_loc_conf(cf, mx_http_core_module);
        clcf->handler = mx_http_lua_content_handler;
        break;

    case MX_LUA_HOOK_HEADER_FILTER:
        lmcf->requires_header_filter = 1;
        break;

    case MX_LUA_HOOK_BODY_FILTER:
        lmcf->requires_body_filter = 1;
        break;

    case MX_LUA_HOOK_LOG:
        lmcf->requires_log = 1;
        break;

    default:
        break;
    }

    return MX_CONF_OK;
}


/*
 * A *_by_lua_file path: with $variables it is evaluated per request,
 * else made absolute against the -p prefix now, as lua-nginx-module.
 */
static int
mx_http_lua_file_path(mx_conf_t *cf, const mx_str_t *value,
    mx_http_lua_hook_t *hook)
{
    mx_str_t  path;

    hook->file = 1;

    if (memchr(value->data, '$', value->len) != NULL) {
        hook->path = mx_pcalloc(cf->pool, sizeof(mx_http_complex_value_t));
        if (hook->path == NULL) {
            return MX_ERROR;
        }

        hook->path->raw = *value;

        return mx_http_compile_complex_value(cf, hook->path);
    }

    path = *value;

    if (mx_conf_full_name(cf->cycle, &path, 0) != MX_OK) {
        return MX_ERROR;
    }

    hook->src = path;

    return MX_OK;
}


/*
 * set_by_lua $res 'code' [$arg...];  set_by_lua_block $res [$arg...] { }
 * set_by_lua_file $res path [$arg...]: a code of the rewrite module, so
 * that it runs in config order with "set".
 */
static char *
mx_http_lua_set_by_lua(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_str_t           *value, *src, *args, name;
    mx_uint_t           i, nargs;
    mx_http_lua_set_t  *set;

    mx_unused(conf);

    value = cf->args->elts;

    if (value[1].len < 2 || value[1].data[0] != '$') {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "invalid variable name \"%.*s\"",
                          MX_STR_ARG(value[1]));
        return MX_CONF_ERROR;
    }

    set = mx_pcalloc(cf->pool, sizeof(mx_http_lua_set_t));
    if (set == NULL) {
        return MX_CONF_ERROR;
    }

    if (cmd->type & MX_CONF_RAW_BLOCK) {
        src = &value[cf->args->nelts - 1];
        args = &value[2];
        nargs = cf->args->nelts - 3;

    } else {
        src = &value[2];
        args = &value[3];
        nargs = cf->args->nelts - 3;
    }

    if (src->len == 0) {
        mx_conf_log_error(MX_LOG_ERR, cf, 0,
                          "invalid location config: no runnable Lua code");
        return MX_CONF_ERROR;
    }

    if (cmd->post == NULL) {
        if (mx_http_lua_file_path(cf, src, &set->hook) != MX_OK) {
            return MX_CONF_ERROR;
        }

    } else {
        set->hook.src = *src;
        set->hook.chunkname = mx_http_lua_gen_chunkname(cf, cmd, cmd->post,
                                                        src);
        if (set->hook.chunkname == NULL) {
            return MX_CONF_ERROR;
        }

        mx_http_lua_check_syntax(cf, src, set->hook.chunkname);
    }

    name.data = value[1].data + 1;
    name.len = value[1].len - 1;

    set->var = mx_http_add_variable(cf, name.data, name.len,
                                    MX_HTTP_VAR_CHANGEABLE);
    if (set->var == NULL) {
        return MX_CONF_ERROR;
    }

    set->nargs = nargs;

    if (nargs) {
        set->args = mx_pcalloc(cf->pool,
                               nargs * sizeof(mx_http_complex_value_t));
        if (set->args == NULL) {
            return MX_CONF_ERROR;
        }

        for (i = 0; i < nargs; i++) {
            set->args[i].raw = args[i];

            if (mx_http_compile_complex_value(cf, &set->args[i]) != MX_OK) {
                return MX_CONF_ERROR;
            }
        }
    }

    if (mx_http_rewrite_add_code(cf, mx_http_lua_set_handler, set)
        != MX_OK)
    {
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;
}


/*
 * balancer_by_lua_block { } and balancer_by_lua_file path, in an upstream
 * block: the Lua module has no conf there, so the hook is the method's
 * own (offset 0 of a new one), handed to mx_lua_phase_balancer.c.
 */
static char *
mx_http_lua_balancer_by_lua(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    char                *rv;
    mx_http_lua_hook_t  *hook;

    mx_unused(conf);

    hook = mx_pcalloc(cf->pool, sizeof(mx_http_lua_hook_t));
    if (hook == NULL) {
        return MX_CONF_ERROR;
    }

    rv = (cmd->type & MX_CONF_RAW_BLOCK) ? mx_http_lua_by_lua(cf, cmd, hook)
                                         : mx_http_lua_by_lua_file(cf, cmd,
                                                                   hook);
    if (rv != MX_CONF_OK) {
        return rv;
    }

    return mx_http_lua_balancer_set(cf, hook);
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


/*
 * "=rewrite_by_lua(nginx.conf:40)": the basename of the current file and
 * the directive's line. The parser hands a raw block over with the file
 * position at its closing "}", so the body's lines are counted back.
 */
static const char *
mx_http_lua_gen_chunkname(mx_conf_t *cf, mx_command_t *cmd, const char *tag,
    const mx_str_t *src)
{
    u_char     *name, *p, *file;
    size_t      len, flen;
    mx_uint_t   line;

    line = cf->conf_file ? cf->conf_file->line : 0;

    if (cmd->type & MX_CONF_RAW_BLOCK) {
        for (p = src->data; p < src->data + src->len; p++) {
            if (*p == '\n' && line > 1) {
                line--;
            }
        }
    }

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

    return (const char *) name;
}
