#include "mx_http.h"

#include <arpa/inet.h>
#include <netdb.h>

/*
 * The "http" block and the core http module: server and location
 * blocks, listen, server_name and the core directives. Everything that
 * builds runtime structures from the config lives here.
 */

mx_uint_t  mx_http_max_module;

static char *mx_http_block(mx_conf_t *cf, mx_command_t *cmd, void *conf);
static char *mx_http_core_server(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_core_location(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_core_listen(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_core_server_name(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_core_root(mx_conf_t *cf, mx_command_t *cmd, void *conf);
static char *mx_http_core_index(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_core_types(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_core_type(mx_conf_t *cf, mx_command_t *dummy,
    void *conf);
static char *mx_http_core_error_page(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_core_add_header(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_core_keepalive_timeout(mx_conf_t *cf,
    mx_command_t *cmd, void *conf);
static char *mx_http_core_max_body_size(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_core_lingering_close(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_core_large_buffers(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_core_internal(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_core_temp_path(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_core_server_tokens(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_core_resolver(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);

static void *mx_http_core_create_main_conf(mx_conf_t *cf);
static char *mx_http_core_init_main_conf(mx_conf_t *cf, void *conf);
static void *mx_http_core_create_srv_conf(mx_conf_t *cf);
static char *mx_http_core_merge_srv_conf(mx_conf_t *cf, void *prev,
    void *conf);
static void *mx_http_core_create_loc_conf(mx_conf_t *cf);
static char *mx_http_core_error_log(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_core_merge_loc_conf(mx_conf_t *cf, void *prev,
    void *conf);

void mx_http_init_connection(mx_connection_t *c);


static mx_command_t  mx_http_commands[] = {

    { mx_string("http"),
      MX_MAIN_CONF|MX_CONF_BLOCK|MX_CONF_NOARGS,
      mx_http_block, 0, 0, NULL },

    mx_null_command
};

static mx_core_module_t  mx_http_module_ctx = { "http", NULL, NULL };

mx_module_t  mx_http_module = {
    "mx_http_module", 0, 0, MX_CORE_MODULE, &mx_http_module_ctx,
    mx_http_commands, NULL, NULL, NULL
};


#define MX_HTTP_MSL  (MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF)

static mx_command_t  mx_http_core_commands[] = {

    { mx_string("error_log"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_1MORE,
      mx_http_core_error_log,
      MX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { mx_string("server"),
      MX_HTTP_MAIN_CONF|MX_CONF_BLOCK|MX_CONF_NOARGS,
      mx_http_core_server, 0, 0, NULL },

    { mx_string("location"),
      MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_BLOCK|MX_CONF_TAKE12,
      mx_http_core_location, MX_HTTP_SRV_CONF_OFFSET, 0, NULL },

    { mx_string("listen"),
      MX_HTTP_SRV_CONF|MX_CONF_1MORE,
      mx_http_core_listen, MX_HTTP_SRV_CONF_OFFSET, 0, NULL },

    { mx_string("server_name"),
      MX_HTTP_SRV_CONF|MX_CONF_1MORE,
      mx_http_core_server_name, MX_HTTP_SRV_CONF_OFFSET, 0, NULL },

    { mx_string("root"),
      MX_HTTP_MSL|MX_CONF_TAKE1,
      mx_http_core_root, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("index"),
      MX_HTTP_MSL|MX_CONF_1MORE,
      mx_http_core_index, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("types"),
      MX_HTTP_MSL|MX_CONF_BLOCK|MX_CONF_NOARGS,
      mx_http_core_types, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("default_type"),
      MX_HTTP_MSL|MX_CONF_TAKE1,
      mx_conf_set_str_slot, MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_core_loc_conf_t, default_type), NULL },

    { mx_string("keepalive_timeout"),
      MX_HTTP_MSL|MX_CONF_TAKE12,
      mx_http_core_keepalive_timeout, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("keepalive_requests"),
      MX_HTTP_MSL|MX_CONF_TAKE1,
      mx_conf_set_num_slot, MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_core_loc_conf_t, keepalive_requests), NULL },

    { mx_string("client_max_body_size"),
      MX_HTTP_MSL|MX_CONF_TAKE1,
      mx_http_core_max_body_size, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("client_body_buffer_size"),
      MX_HTTP_MSL|MX_CONF_TAKE1,
      mx_conf_set_size_slot, MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_core_loc_conf_t, client_body_buffer_size), NULL },

    { mx_string("underscores_in_headers"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_CONF_FLAG,
      mx_conf_set_flag_slot, MX_HTTP_SRV_CONF_OFFSET,
      offsetof(mx_http_core_srv_conf_t, underscores_in_headers), NULL },

    { mx_string("ignore_invalid_headers"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_CONF_FLAG,
      mx_conf_set_flag_slot, MX_HTTP_SRV_CONF_OFFSET,
      offsetof(mx_http_core_srv_conf_t, ignore_invalid_headers), NULL },

    { mx_string("client_header_buffer_size"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_CONF_TAKE1,
      mx_conf_set_size_slot, MX_HTTP_SRV_CONF_OFFSET,
      offsetof(mx_http_core_srv_conf_t, client_header_buffer_size), NULL },

    { mx_string("large_client_header_buffers"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_CONF_TAKE2,
      mx_http_core_large_buffers, MX_HTTP_SRV_CONF_OFFSET, 0, NULL },

    { mx_string("client_header_timeout"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_CONF_TAKE1,
      mx_conf_set_msec_slot, MX_HTTP_SRV_CONF_OFFSET,
      offsetof(mx_http_core_srv_conf_t, client_header_timeout), NULL },

    { mx_string("client_body_timeout"),
      MX_HTTP_MSL|MX_CONF_TAKE1,
      mx_conf_set_msec_slot, MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_core_loc_conf_t, client_body_timeout), NULL },

    { mx_string("lingering_close"),
      MX_HTTP_MSL|MX_CONF_TAKE1,
      mx_http_core_lingering_close, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("lingering_time"),
      MX_HTTP_MSL|MX_CONF_TAKE1,
      mx_conf_set_msec_slot, MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_core_loc_conf_t, lingering_time), NULL },

    { mx_string("lingering_timeout"),
      MX_HTTP_MSL|MX_CONF_TAKE1,
      mx_conf_set_msec_slot, MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_core_loc_conf_t, lingering_timeout), NULL },

    { mx_string("send_timeout"),
      MX_HTTP_MSL|MX_CONF_TAKE1,
      mx_conf_set_msec_slot, MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_core_loc_conf_t, send_timeout), NULL },

    { mx_string("server_tokens"),
      MX_HTTP_MSL|MX_CONF_TAKE1,
      mx_http_core_server_tokens, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("absolute_redirect"),
      MX_HTTP_MSL|MX_CONF_FLAG,
      mx_conf_set_flag_slot, MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_core_loc_conf_t, absolute_redirect), NULL },

    { mx_string("port_in_redirect"),
      MX_HTTP_MSL|MX_CONF_FLAG,
      mx_conf_set_flag_slot, MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_core_loc_conf_t, port_in_redirect), NULL },

    { mx_string("server_name_in_redirect"),
      MX_HTTP_MSL|MX_CONF_FLAG,
      mx_conf_set_flag_slot, MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_core_loc_conf_t, server_name_in_redirect), NULL },

    { mx_string("error_page"),
      MX_HTTP_MSL|MX_CONF_2MORE,
      mx_http_core_error_page, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("add_header"),
      MX_HTTP_MSL|MX_CONF_TAKE23,
      mx_http_core_add_header, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("internal"),
      MX_HTTP_LOC_CONF|MX_CONF_NOARGS,
      mx_http_core_internal, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("client_body_temp_path"),
      MX_HTTP_MSL|MX_CONF_TAKE1234,
      mx_http_core_temp_path, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("resolver"),
      MX_HTTP_MSL|MX_CONF_1MORE,
      mx_http_core_resolver, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("resolver_timeout"),
      MX_HTTP_MSL|MX_CONF_TAKE1,
      mx_conf_set_msec_slot, MX_HTTP_LOC_CONF_OFFSET,
      offsetof(mx_http_core_loc_conf_t, resolver_timeout), NULL },

    { mx_string("proxy_temp_path"),
      MX_HTTP_MSL|MX_CONF_1MORE,
      mx_conf_noop_slot, 0, 0, NULL },

    { mx_string("sendfile"),
      MX_HTTP_MSL|MX_CONF_FLAG,
      mx_conf_noop_slot, 0, 0, NULL },

    { mx_string("tcp_nopush"),
      MX_HTTP_MSL|MX_CONF_FLAG,
      mx_conf_noop_slot, 0, 0, NULL },

    { mx_string("tcp_nodelay"),
      MX_HTTP_MSL|MX_CONF_FLAG,
      mx_conf_noop_slot, 0, 0, NULL },

    mx_null_command
};

static mx_http_module_t  mx_http_core_module_ctx = {
    NULL,
    NULL,
    mx_http_core_create_main_conf,
    mx_http_core_init_main_conf,
    mx_http_core_create_srv_conf,
    mx_http_core_merge_srv_conf,
    mx_http_core_create_loc_conf,
    mx_http_core_merge_loc_conf
};

mx_module_t  mx_http_core_module = {
    "mx_http_core_module", 0, 0, MX_HTTP_MODULE, &mx_http_core_module_ctx,
    mx_http_core_commands, NULL, NULL, NULL
};


/* ------------------------------------------------------------ http {} */

static char *
mx_http_merge_locations(mx_conf_t *cf, mx_array_t *locations,
    void **loc_conf, mx_http_module_t *module, mx_uint_t ctx_index)
{
    mx_http_core_loc_conf_t  **clcfp, *clcf;
    mx_uint_t                  i;
    char                      *rv;

    if (locations == NULL) {
        return MX_CONF_OK;
    }

    clcfp = locations->elts;

    for (i = 0; i < locations->nelts; i++) {
        clcf = clcfp[i];

        rv = module->merge_loc_conf(cf, loc_conf[ctx_index],
                                    clcf->loc_conf[ctx_index]);
        if (rv != MX_CONF_OK) {
            return rv;
        }

        rv = mx_http_merge_locations(cf, clcf->locations, clcf->loc_conf,
                                     module, ctx_index);
        if (rv != MX_CONF_OK) {
            return rv;
        }
    }

    return MX_CONF_OK;
}


static int mx_http_add_listening(mx_conf_t *cf,
    mx_http_core_main_conf_t *cmcf);


static char *
mx_http_block(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_conf_ctx_t         *ctx;
    mx_http_module_t           *module;
    mx_http_core_main_conf_t   *cmcf;
    mx_http_core_srv_conf_t   **cscfp;
    mx_http_core_loc_conf_t    *clcf;
    mx_conf_t                   pcf;
    mx_uint_t                   m, mi, s;
    char                       *rv;

    mx_unused(cmd);

    if (*(void **) conf) {
        return "is duplicate";
    }

    ctx = mx_pcalloc(cf->pool, sizeof(mx_http_conf_ctx_t));
    if (ctx == NULL) {
        return MX_CONF_ERROR;
    }

    *(void **) conf = ctx;

    mx_http_max_module = mx_count_modules(MX_HTTP_MODULE);

    ctx->main_conf = mx_pcalloc(cf->pool, sizeof(void *) * mx_http_max_module);
    ctx->srv_conf = mx_pcalloc(cf->pool, sizeof(void *) * mx_http_max_module);
    ctx->loc_conf = mx_pcalloc(cf->pool, sizeof(void *) * mx_http_max_module);
    if (ctx->main_conf == NULL || ctx->srv_conf == NULL
        || ctx->loc_conf == NULL)
    {
        return MX_CONF_ERROR;
    }

    for (m = 0; mx_modules[m]; m++) {
        if (mx_modules[m]->type != MX_HTTP_MODULE) {
            continue;
        }

        module = mx_modules[m]->ctx;
        mi = mx_modules[m]->ctx_index;

        if (module->create_main_conf) {
            ctx->main_conf[mi] = module->create_main_conf(cf);
            if (ctx->main_conf[mi] == NULL) {
                return MX_CONF_ERROR;
            }
        }

        if (module->create_srv_conf) {
            ctx->srv_conf[mi] = module->create_srv_conf(cf);
            if (ctx->srv_conf[mi] == NULL) {
                return MX_CONF_ERROR;
            }
        }

        if (module->create_loc_conf) {
            ctx->loc_conf[mi] = module->create_loc_conf(cf);
            if (ctx->loc_conf[mi] == NULL) {
                return MX_CONF_ERROR;
            }
        }
    }

    pcf = *cf;
    cf->ctx = ctx;
    cf->module_type = MX_HTTP_MODULE;

    for (m = 0; mx_modules[m]; m++) {
        if (mx_modules[m]->type != MX_HTTP_MODULE) {
            continue;
        }

        module = mx_modules[m]->ctx;
        if (module->preconfiguration) {
            if (module->preconfiguration(cf) != MX_OK) {
                return MX_CONF_ERROR;
            }
        }
    }

    cf->module_type = MX_HTTP_MODULE;
    cf->cmd_type = MX_HTTP_MAIN_CONF;
    rv = mx_conf_parse(cf, NULL);

    if (rv != MX_CONF_OK) {
        *cf = pcf;
        return rv;
    }

    cmcf = ctx->main_conf[mx_http_core_module.ctx_index];
    cscfp = cmcf->servers.elts;

    for (m = 0; mx_modules[m]; m++) {
        if (mx_modules[m]->type != MX_HTTP_MODULE) {
            continue;
        }

        module = mx_modules[m]->ctx;
        mi = mx_modules[m]->ctx_index;

        cf->ctx = ctx;

        if (module->init_main_conf) {
            rv = module->init_main_conf(cf, ctx->main_conf[mi]);
            if (rv != MX_CONF_OK) {
                *cf = pcf;
                return rv;
            }
        }

        for (s = 0; s < cmcf->servers.nelts; s++) {
            if (module->merge_srv_conf) {
                rv = module->merge_srv_conf(cf, ctx->srv_conf[mi],
                                            cscfp[s]->ctx_srv_conf[mi]);
                if (rv != MX_CONF_OK) {
                    *cf = pcf;
                    return rv;
                }
            }

            if (module->merge_loc_conf) {
                rv = module->merge_loc_conf(cf, ctx->loc_conf[mi],
                                            cscfp[s]->ctx_loc_conf[mi]);
                if (rv != MX_CONF_OK) {
                    *cf = pcf;
                    return rv;
                }

                clcf = cscfp[s]->root_locations;
                rv = mx_http_merge_locations(cf, clcf->locations,
                                             cscfp[s]->ctx_loc_conf,
                                             module, mi);
                if (rv != MX_CONF_OK) {
                    *cf = pcf;
                    return rv;
                }
            }
        }
    }

    for (m = 0; mx_modules[m]; m++) {
        if (mx_modules[m]->type != MX_HTTP_MODULE) {
            continue;
        }

        module = mx_modules[m]->ctx;
        if (module->postconfiguration) {
            if (module->postconfiguration(cf) != MX_OK) {
                *cf = pcf;
                return MX_CONF_ERROR;
            }
        }
    }

    /* every module has added its variables: check the references */
    if (mx_http_variables_init_vars(cf) != MX_OK) {
        *cf = pcf;
        return MX_CONF_ERROR;
    }

    *cf = pcf;

    if (mx_http_add_listening(cf, cmcf) != MX_OK) {
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;
}


static int
mx_http_add_listening(mx_conf_t *cf, mx_http_core_main_conf_t *cmcf)
{
    mx_http_port_t   *port;
    mx_listening_t   *ls;
    mx_uint_t         i;

    port = cmcf->ports.elts;

    for (i = 0; i < cmcf->ports.nelts; i++) {
        ls = mx_array_push(&cf->cycle->listening);
        if (ls == NULL) {
            return MX_ERROR;
        }

        memset(ls, 0, sizeof(mx_listening_t));
        ls->fd = -1;
        memcpy(&ls->sockaddr, &port[i].sockaddr, port[i].socklen);
        ls->socklen = port[i].socklen;
        ls->addr_text = port[i].addr_text;
        ls->backlog = port[i].backlog;
        ls->reuseport = port[i].reuseport;
        ls->handler = mx_http_init_connection;
        ls->servers = &port[i];
        ls->log = &mx_log_main;

        if (port[i].default_server == NULL) {
            port[i].default_server =
                ((mx_http_core_srv_conf_t **) port[i].servers.elts)[0];
        }
    }

    return MX_OK;
}


/* ---------------------------------------------------------- server {} */

static int
mx_http_add_port(mx_conf_t *cf, mx_http_core_srv_conf_t *cscf,
    struct sockaddr_storage *sa, socklen_t len, mx_str_t *text,
    int default_server, int reuseport, int backlog)
{
    mx_http_core_main_conf_t   *cmcf;
    mx_http_port_t             *port;
    mx_http_core_srv_conf_t   **s;
    mx_uint_t                   i;

    cmcf = mx_http_conf_get_module_main_conf(cf, mx_http_core_module);

    port = cmcf->ports.elts;
    for (i = 0; i < cmcf->ports.nelts; i++) {
        if (port[i].socklen == len
            && memcmp(&port[i].sockaddr, sa, len) == 0)
        {
            break;
        }
    }

    if (i == cmcf->ports.nelts) {
        port = mx_array_push(&cmcf->ports);
        if (port == NULL) {
            return MX_ERROR;
        }

        memset(port, 0, sizeof(mx_http_port_t));
        memcpy(&port->sockaddr, sa, len);
        port->socklen = len;
        port->addr_text = *text;
        port->backlog = backlog;
        if (mx_array_init(&port->servers, cf->pool, 2,
                          sizeof(mx_http_core_srv_conf_t *)) != MX_OK)
        {
            return MX_ERROR;
        }

    } else {
        port = &port[i];
    }

    s = port->servers.elts;
    for (i = 0; i < port->servers.nelts; i++) {
        if (s[i] == cscf) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0, "a duplicate listen %.*s",
                              MX_STR_ARG(*text));
            return MX_ERROR;
        }
    }

    if (default_server) {
        if (port->default_set) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "a duplicate default server for %.*s",
                              MX_STR_ARG(*text));
            return MX_ERROR;
        }

        port->default_set = 1;
        port->default_server = cscf;
    }

    if (reuseport) {
        port->reuseport = 1;
    }

    s = mx_array_push(&port->servers);
    if (s == NULL) {
        return MX_ERROR;
    }

    *s = cscf;
    return MX_OK;
}


static int
mx_http_parse_addr(mx_conf_t *cf, mx_str_t *value,
    struct sockaddr_storage *sa, socklen_t *len, mx_str_t *text)
{
    u_char               *p, *colon, *last;
    char                  host[256];
    mx_int_t              port;
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;
    size_t                hlen;
    struct addrinfo       hints, *res;

    memset(sa, 0, sizeof(*sa));
    p = value->data;
    last = p + value->len;

    if (value->len >= 5 && memcmp(p, "unix:", 5) == 0) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "unix domain sockets are not supported in "
                          "\"listen\"");
        return MX_ERROR;
    }

    if (*p == '[') {
        colon = memchr(p, ']', value->len);
        if (colon == NULL) {
            goto invalid;
        }

        hlen = colon - p - 1;
        if (hlen >= sizeof(host)) {
            goto invalid;
        }

        memcpy(host, p + 1, hlen);
        host[hlen] = '\0';

        if (colon + 1 < last && colon[1] == ':') {
            port = mx_atoi(colon + 2, last - colon - 2);
        } else if (colon + 1 == last) {
            port = 80;
        } else {
            goto invalid;
        }

        if (port < 1 || port > 65535) {
            goto invalid_port;
        }

        sin6 = (struct sockaddr_in6 *) sa;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t) port);
        if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
            goto invalid;
        }

        *len = sizeof(struct sockaddr_in6);
        goto done;
    }

    colon = NULL;
    for (u_char *q = p; q < last; q++) {
        if (*q == ':') {
            colon = q;
        }
    }

    sin = (struct sockaddr_in *) sa;
    sin->sin_family = AF_INET;
    *len = sizeof(struct sockaddr_in);

    if (colon == NULL) {
        /* "8080" or "host" */
        port = mx_atoi(p, value->len);
        if (port != MX_ERROR) {
            if (port < 1 || port > 65535) {
                goto invalid_port;
            }
            sin->sin_port = htons((uint16_t) port);
            sin->sin_addr.s_addr = htonl(INADDR_ANY);
            goto done;
        }

        hlen = value->len;
        port = 80;

    } else {
        hlen = colon - p;
        port = mx_atoi(colon + 1, last - colon - 1);
        if (port < 1 || port > 65535) {
            goto invalid_port;
        }
    }

    if (hlen >= sizeof(host) || hlen == 0) {
        goto invalid;
    }

    memcpy(host, p, hlen);
    host[hlen] = '\0';
    sin->sin_port = htons((uint16_t) port);

    if (strcmp(host, "*") == 0) {
        sin->sin_addr.s_addr = htonl(INADDR_ANY);

    } else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
        /* a name, resolved once at startup as nginx does */
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_INET;
        hints.ai_socktype = SOCK_STREAM;
        if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "host not found in \"%.*s\" of the \"listen\" "
                              "directive", MX_STR_ARG(*value));
            return MX_ERROR;
        }
        sin->sin_addr = ((struct sockaddr_in *) res->ai_addr)->sin_addr;
        freeaddrinfo(res);
    }

done:

    {
        char   buf[INET6_ADDRSTRLEN + 16], ip[INET6_ADDRSTRLEN];
        int    n;

        if (sa->ss_family == AF_INET6) {
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *) sa)->sin6_addr, ip,
                      sizeof(ip));
            n = snprintf(buf, sizeof(buf), "[%s]:%d", ip, (int) port);
        } else {
            inet_ntop(AF_INET, &((struct sockaddr_in *) sa)->sin_addr, ip,
                      sizeof(ip));
            n = snprintf(buf, sizeof(buf), "%s:%d", ip, (int) port);
        }

        if (mx_str_dup(cf->pool, text, (u_char *) buf, n) != MX_OK) {
            return MX_ERROR;
        }
    }

    return MX_OK;

invalid_port:

    mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                      "invalid port in \"%.*s\" of the \"listen\" directive",
                      MX_STR_ARG(*value));
    return MX_ERROR;

invalid:

    mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                      "invalid host in \"%.*s\" of the \"listen\" directive",
                      MX_STR_ARG(*value));
    return MX_ERROR;
}


static char *
mx_http_core_server(mx_conf_t *cf, mx_command_t *cmd, void *dummy)
{
    mx_http_conf_ctx_t         *ctx, *http_ctx;
    mx_http_module_t           *module;
    mx_http_core_srv_conf_t    *cscf, **cscfp;
    mx_http_core_main_conf_t   *cmcf;
    mx_http_core_loc_conf_t    *clcf;
    mx_conf_t                   pcf;
    mx_uint_t                   m, mi;
    char                       *rv;

    mx_unused(cmd);
    mx_unused(dummy);

    ctx = mx_pcalloc(cf->pool, sizeof(mx_http_conf_ctx_t));
    if (ctx == NULL) {
        return MX_CONF_ERROR;
    }

    http_ctx = cf->ctx;
    ctx->main_conf = http_ctx->main_conf;

    ctx->srv_conf = mx_pcalloc(cf->pool, sizeof(void *) * mx_http_max_module);
    ctx->loc_conf = mx_pcalloc(cf->pool, sizeof(void *) * mx_http_max_module);
    if (ctx->srv_conf == NULL || ctx->loc_conf == NULL) {
        return MX_CONF_ERROR;
    }

    for (m = 0; mx_modules[m]; m++) {
        if (mx_modules[m]->type != MX_HTTP_MODULE) {
            continue;
        }

        module = mx_modules[m]->ctx;
        mi = mx_modules[m]->ctx_index;

        if (module->create_srv_conf) {
            ctx->srv_conf[mi] = module->create_srv_conf(cf);
            if (ctx->srv_conf[mi] == NULL) {
                return MX_CONF_ERROR;
            }
        }

        if (module->create_loc_conf) {
            ctx->loc_conf[mi] = module->create_loc_conf(cf);
            if (ctx->loc_conf[mi] == NULL) {
                return MX_CONF_ERROR;
            }
        }
    }

    cscf = ctx->srv_conf[mx_http_core_module.ctx_index];
    cscf->ctx_main_conf = ctx->main_conf;
    cscf->ctx_srv_conf = ctx->srv_conf;
    cscf->ctx_loc_conf = ctx->loc_conf;
    cscf->file_name = cf->conf_file->name;
    cscf->line = cf->conf_file->line;

    clcf = ctx->loc_conf[mx_http_core_module.ctx_index];
    clcf->loc_conf = ctx->loc_conf;
    cscf->root_locations = clcf;

    cmcf = ctx->main_conf[mx_http_core_module.ctx_index];
    cscfp = mx_array_push(&cmcf->servers);
    if (cscfp == NULL) {
        return MX_CONF_ERROR;
    }
    *cscfp = cscf;

    pcf = *cf;
    cf->ctx = ctx;
    cf->cmd_type = MX_HTTP_SRV_CONF;

    rv = mx_conf_parse(cf, NULL);

    *cf = pcf;

    if (rv == MX_CONF_OK && !cscf->listen) {
        /* nginx's default: *:80 (or 8000 when not root) */
        struct sockaddr_storage  sa;
        socklen_t                len;
        mx_str_t                 text, v;

        if (geteuid() == 0) {
            mx_str_set(&v, "80");
        } else {
            mx_str_set(&v, "8000");
        }

        cf->ctx = ctx;
        if (mx_http_parse_addr(cf, &v, &sa, &len, &text) != MX_OK
            || mx_http_add_port(cf, cscf, &sa, len, &text, 0, 0, 511)
               != MX_OK)
        {
            *cf = pcf;
            return MX_CONF_ERROR;
        }
        *cf = pcf;
    }

    return rv;
}


static char *
mx_http_core_listen(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_core_srv_conf_t  *cscf = conf;
    mx_str_t                 *value, text;
    struct sockaddr_storage   sa;
    socklen_t                 len;
    mx_uint_t                 i;
    int                       def = 0, reuseport = 0, backlog = 511;
    mx_int_t                  n;

    mx_unused(cmd);

    cscf->listen = 1;
    value = cf->args->elts;

    if (mx_http_parse_addr(cf, &value[1], &sa, &len, &text) != MX_OK) {
        return MX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {
        if (mx_str_eq(&value[i], "default_server") == MX_OK
            || mx_str_eq(&value[i], "default") == MX_OK)
        {
            def = 1;

        } else if (mx_str_eq(&value[i], "reuseport") == MX_OK) {
            reuseport = 1;

        } else if (value[i].len > 8
                   && memcmp(value[i].data, "backlog=", 8) == 0)
        {
            n = mx_atoi(value[i].data + 8, value[i].len - 8);
            if (n == MX_ERROR || n == 0 || n > 65535) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                                  "invalid backlog \"%.*s\"",
                                  MX_STR_ARG(value[i]));
                return MX_CONF_ERROR;
            }
            backlog = (int) n;

        } else if (mx_str_eq(&value[i], "http2") == MX_OK
                   || mx_str_eq(&value[i], "ssl") == MX_OK
                   || mx_str_eq(&value[i], "quic") == MX_OK
                   || mx_str_eq(&value[i], "proxy_protocol") == MX_OK)
        {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "the \"%.*s\" parameter of the \"listen\" "
                              "directive is not supported yet",
                              MX_STR_ARG(value[i]));
            return MX_CONF_ERROR;

        } else if (mx_str_eq(&value[i], "bind") == MX_OK
                   || mx_str_eq(&value[i], "deferred") == MX_OK
                   || (value[i].len > 6
                       && memcmp(value[i].data, "rcvbuf", 6) == 0)
                   || (value[i].len > 6
                       && memcmp(value[i].data, "sndbuf", 6) == 0)
                   || (value[i].len > 13
                       && memcmp(value[i].data, "so_keepalive=", 13) == 0))
        {
            /* accepted */

        } else {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "invalid parameter \"%.*s\"",
                              MX_STR_ARG(value[i]));
            return MX_CONF_ERROR;
        }
    }

    if (mx_http_add_port(cf, cscf, &sa, len, &text, def, reuseport, backlog)
        != MX_OK)
    {
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;
}


static char *
mx_http_core_server_name(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_core_srv_conf_t  *cscf = conf;
    mx_http_server_name_t    *sn;
    mx_str_t                 *value;
    mx_uint_t                 i;

    mx_unused(cmd);

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        sn = mx_array_push(&cscf->server_names);
        if (sn == NULL) {
            return MX_CONF_ERROR;
        }

        memset(sn, 0, sizeof(mx_http_server_name_t));
        sn->name = value[i];

        if (value[i].len && value[i].data[0] == '~') {
            {
                mx_str_t  re;

                re.data = value[i].data + 1;
                re.len = value[i].len - 1;
                sn->regex = mx_http_regex_compile(cf, &re, 1);
                if (sn->regex == NULL) {
                    return MX_CONF_ERROR;
                }
            }

            continue;
        }

        mx_strlow(sn->name.data, sn->name.data, sn->name.len);

        if (sn->name.len > 1 && sn->name.data[0] == '*'
            && sn->name.data[1] == '.')
        {
            sn->wildcard_head = 1;

        } else if (sn->name.len > 1 && sn->name.data[sn->name.len - 1] == '*'
                   && sn->name.data[sn->name.len - 2] == '.')
        {
            sn->wildcard_tail = 1;

        } else if (sn->name.len > 1 && sn->name.data[0] == '.') {
            sn->leading_dot = 1;

        } else if (memchr(sn->name.data, '*', sn->name.len)) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "invalid server name or wildcard \"%.*s\" on "
                              "%s:%lu", MX_STR_ARG(value[i]),
                              cf->conf_file->name.data,
                              (unsigned long) cf->conf_file->line);
            return MX_CONF_ERROR;
        }
    }

    if (cscf->server_name.data == NULL && cscf->server_names.nelts) {
        sn = cscf->server_names.elts;
        cscf->server_name = sn[0].name;
    }

    return MX_CONF_OK;
}


/* -------------------------------------------------------- location {} */

static char *
mx_http_core_location(mx_conf_t *cf, mx_command_t *cmd, void *dummy)
{
    mx_http_conf_ctx_t        *ctx, *pctx;
    mx_http_module_t          *module;
    mx_http_core_loc_conf_t   *clcf, *pclcf, **clcfp;
    mx_str_t                  *value, name;
    mx_conf_t                  pcf;
    mx_uint_t                  m, mi;
    char                      *rv;
    int                        caseless = 0;

    mx_unused(cmd);
    mx_unused(dummy);

    ctx = mx_pcalloc(cf->pool, sizeof(mx_http_conf_ctx_t));
    if (ctx == NULL) {
        return MX_CONF_ERROR;
    }

    pctx = cf->ctx;
    ctx->main_conf = pctx->main_conf;
    ctx->srv_conf = pctx->srv_conf;

    ctx->loc_conf = mx_pcalloc(cf->pool, sizeof(void *) * mx_http_max_module);
    if (ctx->loc_conf == NULL) {
        return MX_CONF_ERROR;
    }

    for (m = 0; mx_modules[m]; m++) {
        if (mx_modules[m]->type != MX_HTTP_MODULE) {
            continue;
        }

        module = mx_modules[m]->ctx;
        mi = mx_modules[m]->ctx_index;

        if (module->create_loc_conf) {
            ctx->loc_conf[mi] = module->create_loc_conf(cf);
            if (ctx->loc_conf[mi] == NULL) {
                return MX_CONF_ERROR;
            }
        }
    }

    clcf = ctx->loc_conf[mx_http_core_module.ctx_index];
    clcf->loc_conf = ctx->loc_conf;

    value = cf->args->elts;

    if (cf->args->nelts == 3) {
        name = value[2];

        if (mx_str_eq(&value[1], "=") == MX_OK) {
            clcf->type = MX_HTTP_LOC_EXACT;
            clcf->exact_match = 1;

        } else if (mx_str_eq(&value[1], "^~") == MX_OK) {
            clcf->type = MX_HTTP_LOC_NOREGEX;
            clcf->noregex = 1;

        } else if (mx_str_eq(&value[1], "~") == MX_OK) {
            clcf->type = MX_HTTP_LOC_REGEX;

        } else if (mx_str_eq(&value[1], "~*") == MX_OK) {
            clcf->type = MX_HTTP_LOC_REGEX_CASELESS;
            caseless = 1;

        } else {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "invalid location modifier \"%.*s\"",
                              MX_STR_ARG(value[1]));
            return MX_CONF_ERROR;
        }

    } else {
        name = value[1];

        if (name.len && name.data[0] == '=') {
            clcf->type = MX_HTTP_LOC_EXACT;
            clcf->exact_match = 1;
            name.data++;
            name.len--;

        } else if (name.len > 1 && name.data[0] == '^'
                   && name.data[1] == '~')
        {
            clcf->type = MX_HTTP_LOC_NOREGEX;
            clcf->noregex = 1;
            name.data += 2;
            name.len -= 2;

        } else if (name.len > 1 && name.data[0] == '~'
                   && name.data[1] == '*')
        {
            clcf->type = MX_HTTP_LOC_REGEX_CASELESS;
            caseless = 1;
            name.data += 2;
            name.len -= 2;

        } else if (name.len && name.data[0] == '~') {
            clcf->type = MX_HTTP_LOC_REGEX;
            name.data++;
            name.len--;

        } else if (name.len && name.data[0] == '@') {
            clcf->type = MX_HTTP_LOC_NAMED;
            clcf->named = 1;
        }
    }

    clcf->name = name;

    if (clcf->type == MX_HTTP_LOC_REGEX
        || clcf->type == MX_HTTP_LOC_REGEX_CASELESS)
    {
        clcf->regex = mx_http_regex_compile(cf, &name, caseless);
        if (clcf->regex == NULL) {
            return MX_CONF_ERROR;
        }
    }

    pclcf = pctx->loc_conf[mx_http_core_module.ctx_index];

    if (cf->cmd_type == MX_HTTP_LOC_CONF) {
        /* nested: nginx's rules */
        if (pclcf->exact_match) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "location \"%.*s\" cannot be inside "
                              "the exact location \"%.*s\"",
                              MX_STR_ARG(clcf->name),
                              MX_STR_ARG(pclcf->name));
            return MX_CONF_ERROR;
        }

        if (pclcf->named) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "location \"%.*s\" cannot be inside "
                              "the named location \"%.*s\"",
                              MX_STR_ARG(clcf->name),
                              MX_STR_ARG(pclcf->name));
            return MX_CONF_ERROR;
        }

        if (clcf->named) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "named location \"%.*s\" can be "
                              "on the server level only",
                              MX_STR_ARG(clcf->name));
            return MX_CONF_ERROR;
        }

        if (clcf->regex == NULL && pclcf->regex == NULL
            && (clcf->name.len < pclcf->name.len
                || memcmp(clcf->name.data, pclcf->name.data,
                          pclcf->name.len) != 0))
        {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "location \"%.*s\" is outside location "
                              "\"%.*s\"", MX_STR_ARG(clcf->name),
                              MX_STR_ARG(pclcf->name));
            return MX_CONF_ERROR;
        }
    }

    clcf->parent = pclcf;

    if (pclcf->locations == NULL) {
        pclcf->locations = mx_array_create(cf->pool, 4,
                                           sizeof(mx_http_core_loc_conf_t *));
        if (pclcf->locations == NULL) {
            return MX_CONF_ERROR;
        }
    }

    /* duplicates of the same kind and name are an error, as in nginx */
    clcfp = pclcf->locations->elts;
    for (m = 0; m < pclcf->locations->nelts; m++) {
        if (clcfp[m]->type == clcf->type
            && clcfp[m]->name.len == clcf->name.len
            && memcmp(clcfp[m]->name.data, clcf->name.data,
                      clcf->name.len) == 0
            && clcf->regex == NULL)
        {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "duplicate location \"%.*s\"",
                              MX_STR_ARG(clcf->name));
            return MX_CONF_ERROR;
        }
    }

    clcfp = mx_array_push(pclcf->locations);
    if (clcfp == NULL) {
        return MX_CONF_ERROR;
    }
    *clcfp = clcf;

    pcf = *cf;
    cf->ctx = ctx;
    cf->cmd_type = MX_HTTP_LOC_CONF;

    rv = mx_conf_parse(cf, NULL);

    *cf = pcf;

    return rv;
}


/* ------------------------------------------------- simple directives */

static char *
mx_http_core_root(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_core_loc_conf_t  *clcf = conf;
    mx_str_t                 *value;

    mx_unused(cmd);

    if (clcf->root.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    clcf->root = value[1];

    /* nginx strips a trailing slash */
    if (clcf->root.len > 1 && clcf->root.data[clcf->root.len - 1] == '/') {
        clcf->root.len--;
    }

    if (mx_conf_full_name(cf->cycle, &clcf->root, 0) != MX_OK) {
        return MX_CONF_ERROR;
    }

    clcf->root_set = 1;
    return MX_CONF_OK;
}


static char *
mx_http_core_index(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_core_loc_conf_t  *clcf = conf;
    mx_str_t                 *value, *idx;
    mx_uint_t                 i;

    mx_unused(cmd);

    if (clcf->index == NULL) {
        clcf->index = mx_array_create(cf->pool, 2, sizeof(mx_str_t));
        if (clcf->index == NULL) {
            return MX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        if (value[i].len == 0) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "index \"%.*s\" in \"index\" directive is "
                              "invalid", MX_STR_ARG(value[1]));
            return MX_CONF_ERROR;
        }

        idx = mx_array_push(clcf->index);
        if (idx == NULL) {
            return MX_CONF_ERROR;
        }
        *idx = value[i];
    }

    return MX_CONF_OK;
}


static char *
mx_http_core_types(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_core_loc_conf_t  *clcf = conf;
    mx_conf_t                 save;
    char                     *rv;

    mx_unused(cmd);

    if (clcf->types == NULL) {
        clcf->types = mx_array_create(cf->pool, 64, sizeof(mx_http_type_t));
        if (clcf->types == NULL) {
            return MX_CONF_ERROR;
        }
    }

    save = *cf;
    cf->handler = mx_http_core_type;
    cf->handler_conf = conf;

    rv = mx_conf_parse(cf, NULL);

    *cf = save;
    return rv;
}


static char *
mx_http_core_type(mx_conf_t *cf, mx_command_t *dummy, void *conf)
{
    mx_http_core_loc_conf_t  *clcf = cf->handler_conf;
    mx_http_type_t           *type;
    mx_str_t                 *value;
    mx_uint_t                 i;

    mx_unused(dummy);
    mx_unused(conf);

    value = cf->args->elts;

    if (cf->args->nelts < 2) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "invalid number of arguments in \"types\" "
                          "directive");
        return MX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        type = mx_array_push(clcf->types);
        if (type == NULL) {
            return MX_CONF_ERROR;
        }

        type->exten = value[i];
        mx_strlow(type->exten.data, type->exten.data, type->exten.len);
        type->type = value[0];
    }

    return MX_CONF_OK;
}


static char *
mx_http_core_error_page(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_core_loc_conf_t  *clcf = conf;
    mx_http_err_page_t       *err;
    mx_str_t                 *value, uri;
    mx_uint_t                 i, n;
    mx_int_t                  overwrite = -1, code;

    mx_unused(cmd);

    value = cf->args->elts;
    n = cf->args->nelts - 1;
    uri = value[n];

    if (value[n - 1].data[0] == '=') {
        if (value[n - 1].len == 1) {
            overwrite = 0;
        } else {
            overwrite = mx_atoi(value[n - 1].data + 1, value[n - 1].len - 1);
            if (overwrite == MX_ERROR) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                                  "invalid value \"%.*s\"",
                                  MX_STR_ARG(value[n - 1]));
                return MX_CONF_ERROR;
            }
        }
        n--;
    }

    if (clcf->error_pages == NULL) {
        clcf->error_pages = mx_array_create(cf->pool, 4,
                                            sizeof(mx_http_err_page_t));
        if (clcf->error_pages == NULL) {
            return MX_CONF_ERROR;
        }
    }

    for (i = 1; i < n; i++) {
        code = mx_atoi(value[i].data, value[i].len);
        if (code == MX_ERROR || code < 300 || code > 599 || code == 499) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "value \"%.*s\" must be between 300 and 599",
                              MX_STR_ARG(value[i]));
            return MX_CONF_ERROR;
        }

        err = mx_array_push(clcf->error_pages);
        if (err == NULL) {
            return MX_CONF_ERROR;
        }

        err->status = (mx_uint_t) code;
        err->uri = uri;
        err->overwrite = overwrite;
    }

    return MX_CONF_OK;
}


static char *
mx_http_core_add_header(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_core_loc_conf_t  *clcf = conf;
    mx_http_add_header_t     *h;
    mx_str_t                 *value;

    mx_unused(cmd);

    value = cf->args->elts;

    if (clcf->add_headers == NULL) {
        clcf->add_headers = mx_array_create(cf->pool, 4,
                                            sizeof(mx_http_add_header_t));
        if (clcf->add_headers == NULL) {
            return MX_CONF_ERROR;
        }
    }

    h = mx_array_push(clcf->add_headers);
    if (h == NULL) {
        return MX_CONF_ERROR;
    }

    h->name = value[1];
    h->value = value[2];
    h->always = 0;
    h->cv = NULL;

    if (memchr(value[2].data, '$', value[2].len)) {
        h->cv = mx_pcalloc(cf->pool, sizeof(mx_http_complex_value_t));
        if (h->cv == NULL) {
            return MX_CONF_ERROR;
        }

        h->cv->raw = value[2];
        if (mx_http_compile_complex_value(cf, h->cv) != MX_OK) {
            return MX_CONF_ERROR;
        }
    }

    if (cf->args->nelts == 4) {
        if (mx_str_eq(&value[3], "always") != MX_OK) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "invalid value \"%.*s\"", MX_STR_ARG(value[3]));
            return MX_CONF_ERROR;
        }
        h->always = 1;
    }

    return MX_CONF_OK;
}


static char *
mx_http_core_keepalive_timeout(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_core_loc_conf_t  *clcf = conf;
    mx_str_t                 *value;

    mx_unused(cmd);

    if (clcf->keepalive_timeout != MX_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    value = cf->args->elts;
    clcf->keepalive_timeout = mx_parse_time(&value[1], 1);
    if (clcf->keepalive_timeout == MX_ERROR) {
        return "invalid value";
    }

    return MX_CONF_OK;
}


static char *
mx_http_core_lingering_close(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_core_loc_conf_t  *clcf = conf;
    mx_str_t                 *value;

    mx_unused(cmd);

    if (clcf->lingering_close != MX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (mx_str_eq(&value[1], "off") == MX_OK) {
        clcf->lingering_close = MX_HTTP_LINGERING_OFF;

    } else if (mx_str_eq(&value[1], "on") == MX_OK) {
        clcf->lingering_close = MX_HTTP_LINGERING_ON;

    } else if (mx_str_eq(&value[1], "always") == MX_OK) {
        clcf->lingering_close = MX_HTTP_LINGERING_ALWAYS;

    } else {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid value \"%.*s\"",
                          MX_STR_ARG(value[1]));
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;
}


static char *
mx_http_core_max_body_size(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_core_loc_conf_t  *clcf = conf;
    mx_str_t                 *value;
    ssize_t                   n;

    mx_unused(cmd);

    if (clcf->client_max_body_size != -1) {
        return "is duplicate";
    }

    value = cf->args->elts;
    n = mx_parse_size(&value[1]);
    if (n == MX_ERROR) {
        return "invalid value";
    }

    clcf->client_max_body_size = n;
    return MX_CONF_OK;
}


static char *
mx_http_core_large_buffers(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_core_srv_conf_t  *cscf = conf;
    mx_str_t                 *value;
    mx_int_t                  n;
    ssize_t                   size;

    mx_unused(cmd);

    if (cscf->large_client_header_buffers_num != MX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    n = mx_atoi(value[1].data, value[1].len);
    size = mx_parse_size(&value[2]);

    if (n == MX_ERROR || n == 0 || size == MX_ERROR || size == 0) {
        return "invalid value";
    }

    cscf->large_client_header_buffers_num = n;
    cscf->large_client_header_buffers_size = size;
    return MX_CONF_OK;
}


static char *
mx_http_core_server_tokens(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_core_loc_conf_t  *clcf = conf;
    mx_str_t                 *value;

    mx_unused(cmd);

    if (clcf->server_tokens != MX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (mx_str_eq(&value[1], "on") == MX_OK
        || mx_str_eq(&value[1], "build") == MX_OK)
    {
        clcf->server_tokens = 1;

    } else if (mx_str_eq(&value[1], "off") == MX_OK) {
        clcf->server_tokens = 0;

    } else {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid value \"%.*s\"",
                          MX_STR_ARG(value[1]));
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;
}


static char *
mx_http_core_temp_path(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_core_loc_conf_t  *clcf = conf;
    mx_str_t                 *value;
    mx_uint_t                 i;
    mx_int_t                  level;

    mx_unused(cmd);

    if (clcf->client_body_temp_path.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    /* the hashed sub-folder levels are checked but not used */
    for (i = 2; i < cf->args->nelts; i++) {
        level = mx_atoi(value[i].data, value[i].len);
        if (level == MX_ERROR || level == 0 || level > 2) {
            return "invalid value";
        }
    }

    clcf->client_body_temp_path = value[1];
    if (clcf->client_body_temp_path.len > 1
        && clcf->client_body_temp_path.data[
               clcf->client_body_temp_path.len - 1] == '/')
    {
        clcf->client_body_temp_path.len--;
    }

    if (mx_conf_full_name(cf->cycle, &clcf->client_body_temp_path, 0)
        != MX_OK)
    {
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;
}


static char *
mx_http_core_internal(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_core_loc_conf_t  *clcf = conf;

    mx_unused(cf);
    mx_unused(cmd);

    clcf->internal = 1;
    return MX_CONF_OK;
}


/* ---------------------------------------------------- conf structures */

/* resolver address ... [valid=time] [ipv6=on|off] [status_zone=zone] */
static char *
mx_http_core_resolver(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_core_loc_conf_t  *clcf = conf;
    mx_str_t                 *value, *addrs, s;
    mx_uint_t                 i, n;
    mx_msec_t                 valid;
    const char               *err;
    int                       ipv6;

    mx_unused(cmd);

    if (clcf->resolver != MX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    addrs = mx_palloc(cf->temp_pool, cf->args->nelts * sizeof(mx_str_t));
    if (addrs == NULL) {
        return MX_CONF_ERROR;
    }

    n = 0;
    valid = 0;
    ipv6 = 1;           /* nginx asks for both families by default */

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len >= 6
            && memcmp(value[i].data, "valid=", 6) == 0)
        {
            s.data = value[i].data + 6;
            s.len = value[i].len - 6;

            /* seconds: "ms" is refused as nginx does */
            valid = (s.len >= 2 && memmem(s.data, s.len, "ms", 2))
                    ? MX_ERROR : mx_parse_time(&s, 1);
            if (valid == MX_ERROR) {
                goto invalid;
            }
            continue;
        }

        if (value[i].len >= 5
            && memcmp(value[i].data, "ipv6=", 5) == 0)
        {
            if (mx_str_eq(&value[i], "ipv6=on") == MX_OK) {
                ipv6 = 1;

            } else if (mx_str_eq(&value[i], "ipv6=off") == MX_OK) {
                ipv6 = 0;

            } else {
                goto invalid;
            }
            continue;
        }

        if (value[i].len >= 12
            && memcmp(value[i].data, "status_zone=", 12) == 0)
        {
            continue;
        }

        addrs[n++] = value[i];
    }

    if (n == 0) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "no name servers defined");
        return MX_CONF_ERROR;
    }

    clcf->resolver = mx_resolver_create(cf->pool, addrs, n,
                                        (time_t) (valid / 1000), ipv6, &err);
    if (clcf->resolver == NULL) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "%s", err);
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;

invalid:

    mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid parameter: %.*s",
                      MX_STR_ARG(value[i]));
    return MX_CONF_ERROR;
}


static void *
mx_http_core_create_main_conf(mx_conf_t *cf)
{
    mx_http_core_main_conf_t  *cmcf;
    mx_uint_t                  i;

    cmcf = mx_pcalloc(cf->pool, sizeof(mx_http_core_main_conf_t));
    if (cmcf == NULL) {
        return NULL;
    }

    if (mx_array_init(&cmcf->servers, cf->pool, 4,
                      sizeof(mx_http_core_srv_conf_t *)) != MX_OK
        || mx_array_init(&cmcf->ports, cf->pool, 2, sizeof(mx_http_port_t))
           != MX_OK)
    {
        return NULL;
    }

    for (i = 0; i < MX_HTTP_NPHASES; i++) {
        if (mx_array_init(&cmcf->phases[i].handlers, cf->pool, 2,
                          sizeof(mx_http_handler_pt)) != MX_OK)
        {
            return NULL;
        }
    }

    return cmcf;
}


static char *
mx_http_core_init_main_conf(mx_conf_t *cf, void *conf)
{
    mx_unused(cf);
    mx_unused(conf);
    return MX_CONF_OK;
}


static void *
mx_http_core_create_srv_conf(mx_conf_t *cf)
{
    mx_http_core_srv_conf_t  *cscf;

    cscf = mx_pcalloc(cf->pool, sizeof(mx_http_core_srv_conf_t));
    if (cscf == NULL) {
        return NULL;
    }

    if (mx_array_init(&cscf->server_names, cf->pool, 2,
                      sizeof(mx_http_server_name_t)) != MX_OK)
    {
        return NULL;
    }

    cscf->client_header_buffer_size = MX_CONF_UNSET_SIZE;
    cscf->underscores_in_headers = MX_CONF_UNSET;
    cscf->ignore_invalid_headers = MX_CONF_UNSET;
    cscf->large_client_header_buffers_num = MX_CONF_UNSET_UINT;
    cscf->large_client_header_buffers_size = MX_CONF_UNSET_SIZE;
    cscf->client_header_timeout = MX_CONF_UNSET_MSEC;

    return cscf;
}


static char *
mx_http_core_merge_srv_conf(mx_conf_t *cf, void *parent, void *child)
{
    mx_http_core_srv_conf_t  *prev = parent, *conf = child;

    mx_unused(cf);

    mx_conf_merge_size_value(conf->client_header_buffer_size,
                             prev->client_header_buffer_size, 1024);
    mx_conf_merge_value(conf->underscores_in_headers,
                        prev->underscores_in_headers, 0);
    mx_conf_merge_value(conf->ignore_invalid_headers,
                        prev->ignore_invalid_headers, 1);
    mx_conf_merge_uint_value(conf->large_client_header_buffers_num,
                             prev->large_client_header_buffers_num, 4);
    mx_conf_merge_size_value(conf->large_client_header_buffers_size,
                             prev->large_client_header_buffers_size, 8192);
    mx_conf_merge_msec_value(conf->client_header_timeout,
                             prev->client_header_timeout, 60000);

    if (conf->server_name.data == NULL) {
        mx_str_set(&conf->server_name, "");
    }

    return MX_CONF_OK;
}


static void *
mx_http_core_create_loc_conf(mx_conf_t *cf)
{
    mx_http_core_loc_conf_t  *clcf;

    clcf = mx_pcalloc(cf->pool, sizeof(mx_http_core_loc_conf_t));
    if (clcf == NULL) {
        return NULL;
    }

    clcf->keepalive_timeout = MX_CONF_UNSET_MSEC;
    clcf->keepalive_requests = MX_CONF_UNSET_UINT;
    clcf->client_body_timeout = MX_CONF_UNSET_MSEC;
    clcf->send_timeout = MX_CONF_UNSET_MSEC;
    clcf->lingering_close = MX_CONF_UNSET_UINT;
    clcf->lingering_time = MX_CONF_UNSET_MSEC;
    clcf->lingering_timeout = MX_CONF_UNSET_MSEC;
    clcf->client_max_body_size = -1;
    clcf->client_body_buffer_size = MX_CONF_UNSET_SIZE;
    clcf->server_tokens = MX_CONF_UNSET;
    clcf->absolute_redirect = MX_CONF_UNSET;
    clcf->port_in_redirect = MX_CONF_UNSET;
    clcf->server_name_in_redirect = MX_CONF_UNSET;
    clcf->resolver = MX_CONF_UNSET_PTR;
    clcf->resolver_timeout = MX_CONF_UNSET_MSEC;

    return clcf;
}


static mx_str_t  mx_http_default_types[][2] = {
    { mx_string("html"), mx_string("text/html") },
    { mx_string("gif"), mx_string("image/gif") },
    { mx_string("jpg"), mx_string("image/jpeg") },
};


static char *
mx_http_core_merge_loc_conf(mx_conf_t *cf, void *parent, void *child)
{
    mx_http_core_loc_conf_t  *prev = parent, *conf = child;
    mx_http_type_t           *t;
    mx_str_t                 *idx;
    mx_uint_t                 i;

    if (conf->error_log == NULL) {
        conf->error_log = prev->error_log;
    }

    if (conf->root.data == NULL) {
        if (prev->root.data) {
            conf->root = prev->root;

        } else {
            mx_str_set(&conf->root, "html");
            if (mx_conf_full_name(cf->cycle, &conf->root, 0) != MX_OK) {
                return MX_CONF_ERROR;
            }
            prev->root = conf->root;
        }
    }

    if (conf->index == NULL) {
        if (prev->index == NULL) {
            prev->index = mx_array_create(cf->pool, 1, sizeof(mx_str_t));
            if (prev->index == NULL) {
                return MX_CONF_ERROR;
            }
            idx = mx_array_push(prev->index);
            if (idx == NULL) {
                return MX_CONF_ERROR;
            }
            mx_str_set(idx, "index.html");
        }
        conf->index = prev->index;
    }

    if (conf->types == NULL) {
        if (prev->types == NULL) {
            prev->types = mx_array_create(cf->pool, 4,
                                          sizeof(mx_http_type_t));
            if (prev->types == NULL) {
                return MX_CONF_ERROR;
            }

            for (i = 0; i < mx_nelems(mx_http_default_types); i++) {
                t = mx_array_push(prev->types);
                if (t == NULL) {
                    return MX_CONF_ERROR;
                }
                t->exten = mx_http_default_types[i][0];
                t->type = mx_http_default_types[i][1];
            }
        }
        conf->types = prev->types;
    }

    mx_conf_merge_str_value(conf->default_type, prev->default_type,
                            "text/plain");
    mx_conf_merge_msec_value(conf->keepalive_timeout,
                             prev->keepalive_timeout, 75000);
    mx_conf_merge_uint_value(conf->keepalive_requests,
                             prev->keepalive_requests, 1000);
    mx_conf_merge_msec_value(conf->client_body_timeout,
                             prev->client_body_timeout, 60000);
    mx_conf_merge_msec_value(conf->send_timeout, prev->send_timeout, 60000);
    mx_conf_merge_uint_value(conf->lingering_close, prev->lingering_close,
                             MX_HTTP_LINGERING_ON);
    mx_conf_merge_msec_value(conf->lingering_time, prev->lingering_time,
                             30000);
    mx_conf_merge_msec_value(conf->lingering_timeout,
                             prev->lingering_timeout, 5000);

    if (conf->client_max_body_size == -1) {
        conf->client_max_body_size = prev->client_max_body_size == -1
                                     ? 1024 * 1024
                                     : prev->client_max_body_size;
    }

    mx_conf_merge_size_value(conf->client_body_buffer_size,
                             prev->client_body_buffer_size, 16384);

    if (conf->client_body_temp_path.data == NULL) {
        if (prev->client_body_temp_path.data == NULL) {
            mx_str_set(&prev->client_body_temp_path, "client_body_temp");
            if (mx_conf_full_name(cf->cycle, &prev->client_body_temp_path, 0)
                != MX_OK)
            {
                return MX_CONF_ERROR;
            }
        }
        conf->client_body_temp_path = prev->client_body_temp_path;
    }
    mx_conf_merge_value(conf->server_tokens, prev->server_tokens, 1);
    mx_conf_merge_value(conf->absolute_redirect, prev->absolute_redirect, 1);
    mx_conf_merge_value(conf->port_in_redirect, prev->port_in_redirect, 1);
    mx_conf_merge_value(conf->server_name_in_redirect,
                        prev->server_name_in_redirect, 0);

    if (conf->error_pages == NULL) {
        conf->error_pages = prev->error_pages;
    }

    if (conf->add_headers == NULL) {
        conf->add_headers = prev->add_headers;
    }

    mx_conf_merge_ptr_value(conf->resolver, prev->resolver, NULL);
    mx_conf_merge_msec_value(conf->resolver_timeout, prev->resolver_timeout,
                             30000);

    return MX_CONF_OK;
}


/* error_log in http, server, location: where the requests' lines go */
static char *
mx_http_core_error_log(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_core_loc_conf_t  *clcf = conf;
    mx_str_t                 *value, name;
    mx_log_t                 *log;
    int                       level;

    mx_unused(cmd);

    value = cf->args->elts;

    if (cf->args->nelts > 3) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "invalid number of arguments in \"error_log\" "
                          "directive");
        return MX_CONF_ERROR;
    }

    /* as nginx's, the first one of a level is the one */
    if (clcf->error_log) {
        return MX_CONF_OK;
    }

    log = mx_pcalloc(cf->pool, sizeof(mx_log_t));
    if (log == NULL) {
        return MX_CONF_ERROR;
    }

    name = value[1];

    if (mx_str_eq(&name, "stderr") != MX_OK) {
        if (mx_conf_full_name(cf->cycle, &name, 0) != MX_OK) {
            return MX_CONF_ERROR;
        }
    }

    log->file = mx_log_open_file((char *) name.data);
    if (log->file == NULL) {
        mx_conf_log_error(MX_LOG_EMERG, cf, errno,
                          "open() \"%.*s\" failed", MX_STR_ARG(name));
        return MX_CONF_ERROR;
    }

    log->level = MX_LOG_ERR;

    if (cf->args->nelts == 3) {
        level = mx_log_parse_level(&value[2]);
        if (level == MX_ERROR) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "invalid log level \"%.*s\"",
                              MX_STR_ARG(value[2]));
            return MX_CONF_ERROR;
        }

        log->level = (mx_uint_t) level;
    }

    clcf->error_log = log;

    return MX_CONF_OK;
}
