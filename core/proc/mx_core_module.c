#include "mx_proc.h"

#include <sys/resource.h>

static void *mx_core_module_create_conf(mx_cycle_t *cycle);
static char *mx_core_module_init_conf(mx_cycle_t *cycle, void *conf);
static char *mx_set_worker_processes(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_set_error_log(mx_conf_t *cf, mx_command_t *cmd, void *conf);
static char *mx_set_env(mx_conf_t *cf, mx_command_t *cmd, void *conf);
static char *mx_set_path(mx_conf_t *cf, mx_command_t *cmd, void *conf);
static char *mx_events_block(mx_conf_t *cf, mx_command_t *cmd, void *conf);
static char *mx_set_worker_connections(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static void *mx_event_core_create_conf(mx_cycle_t *cycle);
static char *mx_event_core_init_conf(mx_cycle_t *cycle, void *conf);


static mx_command_t  mx_core_commands[] = {

    { mx_string("daemon"),
      MX_MAIN_CONF|MX_CONF_FLAG,
      mx_conf_set_flag_slot, 0,
      offsetof(mx_core_conf_t, daemon), NULL },

    { mx_string("master_process"),
      MX_MAIN_CONF|MX_CONF_FLAG,
      mx_conf_set_flag_slot, 0,
      offsetof(mx_core_conf_t, master), NULL },

    { mx_string("worker_processes"),
      MX_MAIN_CONF|MX_CONF_TAKE1,
      mx_set_worker_processes, 0, 0, NULL },

    { mx_string("worker_rlimit_nofile"),
      MX_MAIN_CONF|MX_CONF_TAKE1,
      mx_conf_set_num_slot, 0,
      offsetof(mx_core_conf_t, rlimit_nofile), NULL },

    { mx_string("pid"),
      MX_MAIN_CONF|MX_CONF_TAKE1,
      mx_set_path, 0,
      offsetof(mx_core_conf_t, pid), NULL },

    { mx_string("user"),
      MX_MAIN_CONF|MX_CONF_TAKE12,
      mx_conf_noop_slot, 0, 0, NULL },

    { mx_string("error_log"),
      MX_MAIN_CONF|MX_CONF_1MORE,
      mx_set_error_log, 0, 0, NULL },

    { mx_string("env"),
      MX_MAIN_CONF|MX_CONF_TAKE1,
      mx_set_env, 0, 0, NULL },

    { mx_string("pcre_jit"),
      MX_MAIN_CONF|MX_CONF_FLAG,
      mx_conf_noop_slot, 0, 0, NULL },

    { mx_string("worker_shutdown_timeout"),
      MX_MAIN_CONF|MX_CONF_TAKE1,
      mx_conf_noop_slot, 0, 0, NULL },

    mx_null_command
};

static mx_core_module_t  mx_core_module_ctx = {
    "core",
    mx_core_module_create_conf,
    mx_core_module_init_conf
};

mx_module_t  mx_core_module = {
    "mx_core_module", 0, 0, MX_CORE_MODULE, &mx_core_module_ctx,
    mx_core_commands, NULL, NULL, NULL
};


static mx_command_t  mx_events_commands[] = {

    { mx_string("events"),
      MX_MAIN_CONF|MX_CONF_BLOCK|MX_CONF_NOARGS,
      mx_events_block, 0, 0, NULL },

    mx_null_command
};

static mx_core_module_t  mx_events_module_ctx = {
    "events", NULL, NULL
};

mx_module_t  mx_events_module = {
    "mx_events_module", 0, 0, MX_CORE_MODULE, &mx_events_module_ctx,
    mx_events_commands, NULL, NULL, NULL
};


static mx_command_t  mx_event_core_commands[] = {

    { mx_string("worker_connections"),
      MX_EVENT_CONF|MX_CONF_TAKE1,
      mx_set_worker_connections, 0, 0, NULL },

    { mx_string("accept_mutex"),
      MX_EVENT_CONF|MX_CONF_FLAG,
      mx_conf_noop_slot, 0, 0, NULL },

    { mx_string("accept_mutex_delay"),
      MX_EVENT_CONF|MX_CONF_TAKE1,
      mx_conf_noop_slot, 0, 0, NULL },

    { mx_string("multi_accept"),
      MX_EVENT_CONF|MX_CONF_FLAG,
      mx_conf_noop_slot, 0, 0, NULL },

    { mx_string("use"),
      MX_EVENT_CONF|MX_CONF_TAKE1,
      mx_conf_noop_slot, 0, 0, NULL },

    mx_null_command
};

/* the event modules' contexts have the core ctx shape */
static mx_core_module_t  mx_event_core_module_ctx = {
    "event_core",
    mx_event_core_create_conf,
    mx_event_core_init_conf
};

mx_module_t  mx_event_core_module = {
    "mx_event_core_module", 0, 0, MX_EVENT_MODULE,
    &mx_event_core_module_ctx, mx_event_core_commands, NULL, NULL, NULL
};


static void *
mx_core_module_create_conf(mx_cycle_t *cycle)
{
    mx_core_conf_t  *ccf;

    ccf = mx_pcalloc(cycle->pool, sizeof(mx_core_conf_t));
    if (ccf == NULL) {
        return NULL;
    }

    ccf->daemon = MX_CONF_UNSET;
    ccf->master = MX_CONF_UNSET;
    ccf->worker_processes = MX_CONF_UNSET;
    ccf->rlimit_nofile = MX_CONF_UNSET;
    ccf->error_log_level = MX_CONF_UNSET;

    if (mx_array_init(&ccf->env, cycle->pool, 4, sizeof(mx_str_t))
        != MX_OK)
    {
        return NULL;
    }

    return ccf;
}


static char *
mx_core_module_init_conf(mx_cycle_t *cycle, void *conf)
{
    mx_core_conf_t  *ccf = conf;
    struct rlimit    rl;

    mx_conf_init_value(ccf->daemon, 1);
    mx_conf_init_value(ccf->master, 1);
    mx_conf_init_value(ccf->worker_processes, 1);

    if (ccf->pid.data == NULL) {
        mx_str_set(&ccf->pid, "logs/nginx.pid");
        if (mx_conf_full_name(cycle, &ccf->pid, 0) != MX_OK) {
            return MX_CONF_ERROR;
        }
    }

    if (ccf->error_log.data == NULL) {
        mx_str_set(&ccf->error_log, "logs/error.log");
        if (mx_conf_full_name(cycle, &ccf->error_log, 0) != MX_OK) {
            return MX_CONF_ERROR;
        }
    }

    mx_conf_init_value(ccf->error_log_level, MX_LOG_ERR);

    if (ccf->rlimit_nofile != MX_CONF_UNSET && !cycle->test_config) {
        rl.rlim_cur = (rlim_t) ccf->rlimit_nofile;
        rl.rlim_max = (rlim_t) ccf->rlimit_nofile;
        if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
            mx_log_error(MX_LOG_ALERT, cycle->log, errno,
                         "setrlimit(RLIMIT_NOFILE, %ld) failed",
                         (long) ccf->rlimit_nofile);
        }
    }

    return MX_CONF_OK;
}


static char *
mx_set_worker_processes(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_core_conf_t  *ccf = conf;
    mx_str_t        *value;
    long             n;

    mx_unused(cmd);

    if (ccf->worker_processes != MX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (mx_str_eq(&value[1], "auto") == MX_OK) {
        n = sysconf(_SC_NPROCESSORS_ONLN);
        ccf->worker_processes = n > 0 ? n : 1;
        return MX_CONF_OK;
    }

    ccf->worker_processes = mx_atoi(value[1].data, value[1].len);
    if (ccf->worker_processes == MX_ERROR || ccf->worker_processes == 0
        || ccf->worker_processes > 1024)
    {
        ccf->worker_processes = MX_CONF_UNSET;
        return "invalid value";
    }

    return MX_CONF_OK;
}


static char *
mx_set_error_log(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_core_conf_t  *ccf = conf;
    mx_str_t        *value;
    int              level;

    mx_unused(cmd);

    value = cf->args->elts;

    if (cf->args->nelts > 3) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "invalid number of arguments in \"error_log\" "
                          "directive");
        return MX_CONF_ERROR;
    }

    /* the first error_log wins, as nginx's first log is the main one */
    if (ccf->error_log.data) {
        return MX_CONF_OK;
    }

    ccf->error_log = value[1];

    if (mx_str_eq(&value[1], "stderr") != MX_OK) {
        if (mx_conf_full_name(cf->cycle, &ccf->error_log, 0) != MX_OK) {
            return MX_CONF_ERROR;
        }
    }

    if (cf->args->nelts == 3) {
        level = mx_log_parse_level(&value[2]);
        if (level == MX_ERROR) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "invalid log level \"%.*s\"",
                              MX_STR_ARG(value[2]));
            return MX_CONF_ERROR;
        }

        ccf->error_log_level = level;
    }

    return MX_CONF_OK;
}


static char *
mx_set_env(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_core_conf_t  *ccf = conf;
    mx_str_t        *value, *var;

    mx_unused(cmd);

    value = cf->args->elts;

    var = mx_array_push(&ccf->env);
    if (var == NULL) {
        return MX_CONF_ERROR;
    }

    *var = value[1];
    return MX_CONF_OK;
}


static char *
mx_set_path(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_str_t  *field, *value;

    field = (mx_str_t *) ((u_char *) conf + cmd->offset);
    if (field->data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    *field = value[1];

    if (mx_conf_full_name(cf->cycle, field, 0) != MX_OK) {
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;
}


static char *
mx_events_block(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    void              ***slot = conf;
    void               **ctx;
    mx_core_module_t    *m;
    mx_uint_t            i, n;
    mx_conf_t            pcf;
    char                *rv;

    mx_unused(cmd);

    if (*slot) {
        return "is duplicate";
    }

    n = mx_count_modules(MX_EVENT_MODULE);

    ctx = mx_pcalloc(cf->pool, n * sizeof(void *) + 1);
    if (ctx == NULL) {
        return MX_CONF_ERROR;
    }

    *slot = ctx;

    for (i = 0; mx_modules[i]; i++) {
        if (mx_modules[i]->type != MX_EVENT_MODULE) {
            continue;
        }

        m = mx_modules[i]->ctx;
        if (m->create_conf) {
            ctx[mx_modules[i]->ctx_index] = m->create_conf(cf->cycle);
            if (ctx[mx_modules[i]->ctx_index] == NULL) {
                return MX_CONF_ERROR;
            }
        }
    }

    pcf = *cf;
    cf->ctx = ctx;
    cf->module_type = MX_EVENT_MODULE;
    cf->cmd_type = MX_EVENT_CONF;

    rv = mx_conf_parse(cf, NULL);

    *cf = pcf;

    if (rv != MX_CONF_OK) {
        return rv;
    }

    for (i = 0; mx_modules[i]; i++) {
        if (mx_modules[i]->type != MX_EVENT_MODULE) {
            continue;
        }

        m = mx_modules[i]->ctx;
        if (m->init_conf) {
            rv = m->init_conf(cf->cycle, ctx[mx_modules[i]->ctx_index]);
            if (rv != MX_CONF_OK) {
                return rv;
            }
        }
    }

    return MX_CONF_OK;
}


static void *
mx_event_core_create_conf(mx_cycle_t *cycle)
{
    mx_event_conf_t  *ecf;

    ecf = mx_palloc(cycle->pool, sizeof(mx_event_conf_t));
    if (ecf == NULL) {
        return NULL;
    }

    ecf->connections = MX_CONF_UNSET_UINT;
    return ecf;
}


static char *
mx_event_core_init_conf(mx_cycle_t *cycle, void *conf)
{
    mx_event_conf_t  *ecf = conf;

    mx_unused(cycle);

    if (ecf->connections == MX_CONF_UNSET_UINT) {
        ecf->connections = 512;
    }

    return MX_CONF_OK;
}


static char *
mx_set_worker_connections(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_event_conf_t  *ecf = conf;
    mx_str_t         *value;
    mx_int_t          n;

    mx_unused(cmd);

    if (ecf->connections != MX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    n = mx_atoi(value[1].data, value[1].len);
    if (n == MX_ERROR) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid number \"%.*s\"",
                          MX_STR_ARG(value[1]));
        return MX_CONF_ERROR;
    }

    ecf->connections = (mx_uint_t) n;
    return MX_CONF_OK;
}
