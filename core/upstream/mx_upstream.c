#include "mx_upstream.h"
#include "mx_upstream_internal.h"
#include "mx_event_connect.h"
#include "mx_ssl.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/un.h>

/*
 * The "upstream" block and its directives, the groups proxy_pass refers
 * to, name resolution at config time, and the keepalive pool.
 */

static char *mx_upstream_block(mx_conf_t *cf, mx_command_t *cmd,
    void *dummy);
static char *mx_upstream_server(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_upstream_keepalive(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_upstream_keepalive_requests(mx_conf_t *cf,
    mx_command_t *cmd, void *conf);
static char *mx_upstream_keepalive_timeout(mx_conf_t *cf,
    mx_command_t *cmd, void *conf);

static int mx_upstream_preconfiguration(mx_conf_t *cf);
static void *mx_upstream_create_main_conf(mx_conf_t *cf);
static char *mx_upstream_init_main_conf(mx_conf_t *cf, void *conf);
static void mx_upstream_exit_process(mx_cycle_t *cycle);


static mx_command_t  mx_upstream_commands[] = {

    { mx_string("upstream"),
      MX_HTTP_MAIN_CONF|MX_CONF_BLOCK|MX_CONF_TAKE1,
      mx_upstream_block, 0, 0, NULL },

    { mx_string("server"),
      MX_HTTP_UPS_CONF|MX_CONF_1MORE,
      mx_upstream_server, MX_HTTP_SRV_CONF_OFFSET, 0, NULL },

    { mx_string("keepalive"),
      MX_HTTP_UPS_CONF|MX_CONF_TAKE1,
      mx_upstream_keepalive, MX_HTTP_SRV_CONF_OFFSET, 0, NULL },

    { mx_string("keepalive_requests"),
      MX_HTTP_UPS_CONF|MX_CONF_TAKE1,
      mx_upstream_keepalive_requests, MX_HTTP_SRV_CONF_OFFSET, 0, NULL },

    { mx_string("keepalive_timeout"),
      MX_HTTP_UPS_CONF|MX_CONF_TAKE1,
      mx_upstream_keepalive_timeout, MX_HTTP_SRV_CONF_OFFSET, 0, NULL },

    { mx_string("least_conn"),
      MX_HTTP_UPS_CONF|MX_CONF_NOARGS,
      mx_upstream_least_conn, MX_HTTP_SRV_CONF_OFFSET, 0, NULL },

    { mx_string("hash"),
      MX_HTTP_UPS_CONF|MX_CONF_TAKE12,
      mx_upstream_hash, MX_HTTP_SRV_CONF_OFFSET, 0, NULL },

    { mx_string("ip_hash"),
      MX_HTTP_UPS_CONF|MX_CONF_NOARGS,
      mx_upstream_ip_hash, MX_HTTP_SRV_CONF_OFFSET, 0, NULL },

    { mx_string("random"),
      MX_HTTP_UPS_CONF|MX_CONF_NOARGS|MX_CONF_TAKE12,
      mx_upstream_random, MX_HTTP_SRV_CONF_OFFSET, 0, NULL },

    mx_null_command
};

static mx_http_module_t  mx_upstream_module_ctx = {
    mx_upstream_preconfiguration,
    NULL,
    mx_upstream_create_main_conf,
    mx_upstream_init_main_conf,
    NULL, NULL, NULL, NULL
};

mx_module_t  mx_http_upstream_module = {
    "mx_http_upstream_module", 0, 0, MX_HTTP_MODULE, &mx_upstream_module_ctx,
    mx_upstream_commands, NULL, NULL, mx_upstream_exit_process
};


/* ------------------------------------------------------------ conf */

static int
mx_upstream_preconfiguration(mx_conf_t *cf)
{
    mx_uint_t  type;
    int        rc;

    /*
     * Variables must exist before the log module checks references at
     * its postconfiguration; mx_http_block() sets the module type only
     * after the preconfiguration handlers, so it is set here for the call.
     */
    type = cf->module_type;
    cf->module_type = MX_HTTP_MODULE;
    rc = mx_http_upstream_add_variables(cf);
    cf->module_type = type;

    return rc;
}


static void *
mx_upstream_create_main_conf(mx_conf_t *cf)
{
    mx_upstream_main_conf_t  *umcf;

    umcf = mx_pcalloc(cf->pool, sizeof(mx_upstream_main_conf_t));
    if (umcf == NULL) {
        return NULL;
    }

    if (mx_array_init(&umcf->upstreams, cf->pool, 4,
                      sizeof(mx_upstream_srv_conf_t *)) != MX_OK)
    {
        return NULL;
    }

    return umcf;
}


static mx_upstream_srv_conf_t *
mx_upstream_new(mx_conf_t *cf, mx_upstream_main_conf_t *umcf,
    const mx_str_t *host)
{
    mx_upstream_srv_conf_t  *us, **usp;

    us = mx_pcalloc(cf->pool, sizeof(mx_upstream_srv_conf_t));
    if (us == NULL) {
        return NULL;
    }

    if (mx_str_dup(cf->pool, &us->host, host->data, host->len) != MX_OK) {
        return NULL;
    }

    us->keepalive.requests = MX_CONF_UNSET_UINT;
    us->keepalive.timeout = MX_CONF_UNSET_MSEC;

    if (cf->conf_file) {
        us->file_name = cf->conf_file->name;
        us->line = cf->conf_file->line;
    }

    usp = mx_array_push(&umcf->upstreams);
    if (usp == NULL) {
        return NULL;
    }

    *usp = us;
    return us;
}


mx_upstream_srv_conf_t *
mx_upstream_add(mx_conf_t *cf, const mx_str_t *host, in_port_t port,
    in_port_t default_port)
{
    mx_upstream_main_conf_t   *umcf;
    mx_upstream_srv_conf_t   **usp, *us;
    mx_uint_t                  i;

    umcf = mx_http_conf_get_module_main_conf(cf, mx_http_upstream_module);
    usp = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {
        us = usp[i];

        if (us->host.len != host->len
            || mx_strcasecmp_n(us->host.data, host->data, host->len) != 0)
        {
            continue;
        }

        if (us->explicit) {
            if (port) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                                  "upstream \"%.*s\" may not have port %d",
                                  MX_STR_ARG(*host), (int) port);
                return NULL;
            }

            return us;
        }

        if ((port ? port : default_port) == us->port
            && (port == 0) == us->no_port)
        {
            return us;
        }
    }

    us = mx_upstream_new(cf, umcf, host);
    if (us == NULL) {
        return NULL;
    }

    us->port = port ? port : default_port;
    us->no_port = port == 0;

    return us;
}


/* "upstream NAME { ... }" */
static char *
mx_upstream_block(mx_conf_t *cf, mx_command_t *cmd, void *dummy)
{
    mx_upstream_main_conf_t   *umcf;
    mx_upstream_srv_conf_t   **usp, *us;
    mx_http_conf_ctx_t        *ctx, *pctx;
    mx_str_t                  *value;
    mx_conf_t                  pcf;
    mx_uint_t                  i;
    char                      *rv;

    mx_unused(cmd);
    mx_unused(dummy);

    value = cf->args->elts;
    umcf = mx_http_conf_get_module_main_conf(cf, mx_http_upstream_module);

    us = NULL;
    usp = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {
        if (usp[i]->host.len != value[1].len
            || mx_strcasecmp_n(usp[i]->host.data, value[1].data,
                               value[1].len) != 0)
        {
            continue;
        }

        if (usp[i]->explicit) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "duplicate upstream \"%.*s\"",
                              MX_STR_ARG(value[1]));
            return MX_CONF_ERROR;
        }

        if (!usp[i]->no_port) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "upstream \"%.*s\" may not have port %d in "
                              "%.*s:%lu", MX_STR_ARG(value[1]),
                              (int) usp[i]->port,
                              MX_STR_ARG(usp[i]->file_name),
                              (unsigned long) usp[i]->line);
            return MX_CONF_ERROR;
        }

        /* referenced by proxy_pass before being defined */
        us = usp[i];
    }

    if (us == NULL) {
        us = mx_upstream_new(cf, umcf, &value[1]);
        if (us == NULL) {
            return MX_CONF_ERROR;
        }
    }

    us->explicit = 1;
    us->file_name = cf->conf_file->name;
    us->line = cf->conf_file->line;

    us->servers = mx_array_create(cf->pool, 4, sizeof(mx_upstream_server_t));
    if (us->servers == NULL) {
        return MX_CONF_ERROR;
    }

    pctx = cf->ctx;

    ctx = mx_pcalloc(cf->pool, sizeof(mx_http_conf_ctx_t));
    if (ctx == NULL) {
        return MX_CONF_ERROR;
    }

    ctx->main_conf = pctx->main_conf;
    ctx->loc_conf = pctx->loc_conf;
    ctx->srv_conf = mx_pcalloc(cf->pool, sizeof(void *) * mx_http_max_module);
    if (ctx->srv_conf == NULL) {
        return MX_CONF_ERROR;
    }

    ctx->srv_conf[mx_http_upstream_module.ctx_index] = us;

    pcf = *cf;
    cf->ctx = ctx;
    cf->cmd_type = MX_HTTP_UPS_CONF;

    rv = mx_conf_parse(cf, NULL);

    *cf = pcf;

    if (rv != MX_CONF_OK) {
        return rv;
    }

    if (us->servers->nelts == 0) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "no servers are inside upstream");
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;
}


/*
 * Resolves "host[:port]", "ip:port", "[ip6]:port" or "unix:/path" into
 * addresses (IPv4 first, as nginx orders them). MX_OK, MX_DECLINED when
 * the host is not found, MX_ERROR with *err set for a malformed address.
 */
static int
mx_upstream_resolve(mx_pool_t *pool, const mx_str_t *url,
    in_port_t default_port, struct sockaddr_storage **addrs,
    mx_uint_t *naddrs, const char **err)
{
    struct addrinfo           hints, *res, *ai;
    struct sockaddr_storage  *sa;
    struct sockaddr_in       *sin;
    struct sockaddr_in6      *sin6;
    struct sockaddr_un       *sun;
    u_char                   *p, *last, *colon;
    char                      host[256];
    size_t                    hlen;
    mx_int_t                  port;
    mx_uint_t                 n, pass;
    int                       family;

    p = url->data;
    last = p + url->len;
    *err = NULL;

    if (url->len > 5 && memcmp(p, "unix:", 5) == 0) {
        if (url->len - 5 >= sizeof(sun->sun_path)) {
            *err = "too long path";
            return MX_ERROR;
        }

        sa = mx_pcalloc(pool, sizeof(struct sockaddr_storage));
        if (sa == NULL) {
            return MX_ERROR;
        }

        sun = (struct sockaddr_un *) sa;
        sun->sun_family = AF_UNIX;
        memcpy(sun->sun_path, p + 5, url->len - 5);
        *addrs = sa;
        *naddrs = 1;
        return MX_OK;
    }

    port = default_port;

    if (*p == '[') {
        colon = memchr(p, ']', url->len);
        if (colon == NULL) {
            *err = "invalid host";
            return MX_ERROR;
        }

        hlen = colon - p - 1;
        if (hlen == 0 || hlen >= sizeof(host)) {
            *err = "invalid host";
            return MX_ERROR;
        }

        memcpy(host, p + 1, hlen);
        host[hlen] = '\0';

        if (colon + 1 < last) {
            if (colon[1] != ':') {
                *err = "invalid host";
                return MX_ERROR;
            }

            port = mx_atoi(colon + 2, last - colon - 2);
            if (port < 1 || port > 65535) {
                *err = "invalid port";
                return MX_ERROR;
            }
        }

    } else {
        colon = memchr(p, ':', url->len);
        hlen = colon ? (size_t) (colon - p) : url->len;

        if (colon) {
            port = mx_atoi(colon + 1, last - colon - 1);
            if (port < 1 || port > 65535) {
                *err = "invalid port";
                return MX_ERROR;
            }
        }

        if (hlen == 0 || hlen >= sizeof(host)) {
            *err = "no host";
            return MX_ERROR;
        }

        memcpy(host, p, hlen);
        host[hlen] = '\0';
    }

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
#ifdef AI_ADDRCONFIG
    hints.ai_flags = AI_ADDRCONFIG;
#endif

    if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL) {
        /* a literal works even without configured addresses */
        hints.ai_flags = AI_NUMERICHOST;
        if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL) {
            return MX_DECLINED;
        }
    }

    n = 0;
    for (ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) {
            n++;
        }
    }

    if (n == 0) {
        freeaddrinfo(res);
        return MX_DECLINED;
    }

    sa = mx_pcalloc(pool, n * sizeof(struct sockaddr_storage));
    if (sa == NULL) {
        freeaddrinfo(res);
        return MX_ERROR;
    }

    *addrs = sa;
    *naddrs = 0;

    for (pass = 0; pass < 2; pass++) {
        family = pass == 0 ? AF_INET : AF_INET6;

        for (ai = res; ai; ai = ai->ai_next) {
            if (ai->ai_family != family) {
                continue;
            }

            /* getaddrinfo may list an address once per protocol */
            for (n = 0; n < *naddrs; n++) {
                if (memcmp(&sa[n], ai->ai_addr, ai->ai_addrlen) == 0) {
                    break;
                }
            }

            if (n < *naddrs) {
                continue;
            }

            memcpy(&sa[*naddrs], ai->ai_addr, ai->ai_addrlen);

            if (family == AF_INET) {
                sin = (struct sockaddr_in *) &sa[*naddrs];
                sin->sin_port = htons((in_port_t) port);
            } else {
                sin6 = (struct sockaddr_in6 *) &sa[*naddrs];
                sin6->sin6_port = htons((in_port_t) port);
            }

            (*naddrs)++;
        }
    }

    freeaddrinfo(res);
    return MX_OK;
}


static char *
mx_upstream_server(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_upstream_srv_conf_t  *us = conf;
    mx_upstream_server_t    *s;
    mx_str_t                *value, v;
    mx_uint_t                i;
    mx_int_t                 n;
    mx_msec_t                t;
    const char              *err;
    int                      rc;

    mx_unused(cmd);

    value = cf->args->elts;

    s = mx_array_push(us->servers);
    if (s == NULL) {
        return MX_CONF_ERROR;
    }

    memset(s, 0, sizeof(mx_upstream_server_t));
    s->name = value[1];
    s->weight = 1;
    s->max_fails = 1;
    s->fail_timeout = 10;

    for (i = 2; i < cf->args->nelts; i++) {

        if (value[i].len > 7 && memcmp(value[i].data, "weight=", 7) == 0) {
            n = mx_atoi(value[i].data + 7, value[i].len - 7);
            if (n == MX_ERROR || n == 0) {
                goto invalid;
            }
            s->weight = n;
            continue;
        }

        if (value[i].len > 10
            && memcmp(value[i].data, "max_fails=", 10) == 0)
        {
            n = mx_atoi(value[i].data + 10, value[i].len - 10);
            if (n == MX_ERROR) {
                goto invalid;
            }
            s->max_fails = (mx_uint_t) n;
            continue;
        }

        if (value[i].len > 13
            && memcmp(value[i].data, "fail_timeout=", 13) == 0)
        {
            v.data = value[i].data + 13;
            v.len = value[i].len - 13;
            t = mx_parse_time(&v, 1);
            if (t == MX_ERROR) {
                goto invalid;
            }
            s->fail_timeout = (time_t) (t / 1000);
            continue;
        }

        if (value[i].len > 10
            && memcmp(value[i].data, "max_conns=", 10) == 0)
        {
            /* per worker, as nginx without a shared zone */
            n = mx_atoi(value[i].data + 10, value[i].len - 10);
            if (n == MX_ERROR) {
                goto invalid;
            }
            s->max_conns = (mx_uint_t) n;
            continue;
        }

        if (mx_str_eq(&value[i], "backup") == MX_OK) {
            /* as nginx, only a method set before the server refuses it */
            if (us->balancer && !us->balancer->backup) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                                  "balancing method does not support "
                                  "parameter \"%.*s\"", MX_STR_ARG(value[i]));
                return MX_CONF_ERROR;
            }

            s->backup = 1;
            continue;
        }

        if (mx_str_eq(&value[i], "down") == MX_OK) {
            s->down = 1;
            continue;
        }

        goto invalid;
    }

    rc = mx_upstream_resolve(cf->pool, &value[1], 80, &s->addrs, &s->naddrs,
                             &err);
    if (rc == MX_DECLINED) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "host not found in upstream \"%.*s\"",
                          MX_STR_ARG(value[1]));
        return MX_CONF_ERROR;
    }

    if (rc != MX_OK) {
        if (err) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0, "%s in upstream \"%.*s\"",
                              err, MX_STR_ARG(value[1]));
        }
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;

invalid:

    mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid parameter \"%.*s\"",
                      MX_STR_ARG(value[i]));
    return MX_CONF_ERROR;
}


static char *
mx_upstream_keepalive(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_upstream_srv_conf_t  *us = conf;
    mx_str_t                *value;
    mx_int_t                 n;

    if (us->keepalive.max_cached) {
        return "is duplicate";
    }

    value = cf->args->elts;
    n = mx_atoi(value[1].data, value[1].len);

    if (n == MX_ERROR || n == 0) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "invalid value \"%.*s\" in \"%.*s\" directive",
                          MX_STR_ARG(value[1]), MX_STR_ARG(cmd->name));
        return MX_CONF_ERROR;
    }

    us->keepalive.max_cached = (mx_uint_t) n;
    return MX_CONF_OK;
}


static char *
mx_upstream_keepalive_requests(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_upstream_srv_conf_t  *us = conf;
    mx_str_t                *value;
    mx_int_t                 n;

    mx_unused(cmd);

    if (us->keepalive.requests != MX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    n = mx_atoi(value[1].data, value[1].len);
    if (n == MX_ERROR) {
        return "invalid number";
    }

    us->keepalive.requests = (mx_uint_t) n;
    return MX_CONF_OK;
}


static char *
mx_upstream_keepalive_timeout(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_upstream_srv_conf_t  *us = conf;
    mx_str_t                *value;
    mx_msec_t                t;

    mx_unused(cmd);

    if (us->keepalive.timeout != MX_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    value = cf->args->elts;
    t = mx_parse_time(&value[1], 1);
    if (t == MX_ERROR) {
        return "invalid value";
    }

    us->keepalive.timeout = t;
    return MX_CONF_OK;
}


/* resolves the implicit groups and builds every group's peers */
static char *
mx_upstream_init_main_conf(mx_conf_t *cf, void *conf)
{
    mx_upstream_main_conf_t   *umcf = conf;
    mx_upstream_srv_conf_t   **usp, *us;
    mx_upstream_server_t      *s;
    mx_uint_t                  i;
    const char                *err;
    mx_str_t                   url;
    u_char                     buf[300];
    int                        rc, n;

    usp = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {
        us = usp[i];

        if (us->keepalive.requests == MX_CONF_UNSET_UINT) {
            us->keepalive.requests = 1000;
        }

        if (us->keepalive.timeout == MX_CONF_UNSET_MSEC) {
            us->keepalive.timeout = 60000;
        }

        if (!us->explicit) {
            us->servers = mx_array_create(cf->pool, 1,
                                          sizeof(mx_upstream_server_t));
            if (us->servers == NULL) {
                return MX_CONF_ERROR;
            }

            s = mx_array_push(us->servers);
            if (s == NULL) {
                return MX_CONF_ERROR;
            }

            memset(s, 0, sizeof(mx_upstream_server_t));
            s->weight = 1;
            s->max_fails = 1;
            s->fail_timeout = 10;

            n = snprintf((char *) buf, sizeof(buf), "%.*s:%d",
                         MX_STR_ARG(us->host), (int) us->port);
            if (n < 0 || (size_t) n >= sizeof(buf)) {
                mx_log_error(MX_LOG_EMERG, cf->log, 0,
                             "host not found in upstream \"%.*s\" in "
                             "%.*s:%lu", MX_STR_ARG(us->host),
                             MX_STR_ARG(us->file_name),
                             (unsigned long) us->line);
                return MX_CONF_ERROR;
            }

            if (mx_str_dup(cf->pool, &s->name, buf, n) != MX_OK) {
                return MX_CONF_ERROR;
            }

            url = s->name;

            rc = mx_upstream_resolve(cf->pool, &url, us->port, &s->addrs,
                                     &s->naddrs, &err);
            if (rc != MX_OK) {
                mx_log_error(MX_LOG_EMERG, cf->log, 0,
                             "host not found in upstream \"%.*s\" in "
                             "%.*s:%lu", MX_STR_ARG(us->no_port ? us->host
                                                                : s->name),
                             MX_STR_ARG(us->file_name),
                             (unsigned long) us->line);
                return MX_CONF_ERROR;
            }
        }

        rc = us->balancer ? us->balancer->init_upstream(cf, us)
                          : mx_upstream_init_round_robin(cf, us);
        if (rc != MX_OK) {
            return MX_CONF_ERROR;
        }
    }

    return MX_CONF_OK;
}


mx_upstream_srv_conf_t *
mx_upstream_set_balancer(mx_conf_t *cf, const mx_upstream_balancer_t *b,
    void *conf)
{
    mx_upstream_srv_conf_t  *us;

    us = mx_http_conf_get_module_srv_conf(cf, mx_http_upstream_module);

    /* nginx's keepalive is a method wrapping the one before it */
    if (us->balancer || us->keepalive.max_cached) {
        mx_conf_log_error(MX_LOG_WARN, cf, 0,
                          "load balancing method redefined");
    }

    us->balancer = b;
    us->balancer_conf = conf;

    return us;
}


int
mx_upstream_init_peer(mx_http_request_t *r, mx_upstream_srv_conf_t *us,
    mx_upstream_rr_peer_data_t *rrp)
{
    if (us->balancer && us->balancer->init) {
        return us->balancer->init(r, us, rrp);
    }

    return mx_upstream_rr_init_peer(r->pool, us, rrp);
}


mx_upstream_srv_conf_t *
mx_upstream_find(mx_http_request_t *r, const mx_str_t *host, in_port_t port,
    in_port_t default_port)
{
    mx_upstream_main_conf_t   *umcf;
    mx_upstream_srv_conf_t   **usp;
    mx_uint_t                  i;

    umcf = mx_http_get_module_main_conf(r, mx_http_upstream_module);
    usp = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {
        if (usp[i]->host.len != host->len
            || mx_strcasecmp_n(usp[i]->host.data, host->data, host->len)
               != 0)
        {
            continue;
        }

        if (usp[i]->explicit ? port == 0
                             : usp[i]->port == (port ? port : default_port))
        {
            return usp[i];
        }
    }

    return NULL;
}


/* a peer of a group made at run time: nginx's defaults for one */
static int
mx_upstream_run_time_peer(mx_pool_t *pool, mx_upstream_rr_peer_t *peer,
    const struct sockaddr *sa, socklen_t socklen, const mx_str_t *host)
{
    u_char  buf[128], *e;

    memcpy(&peer->sockaddr, sa, socklen);
    peer->socklen = socklen;
    e = mx_sockaddr_text(sa, buf, sizeof(buf));
    if (mx_str_dup(pool, &peer->name, buf, e - buf) != MX_OK) {
        return MX_ERROR;
    }

    peer->server = *host;
    peer->weight = 1;
    peer->effective_weight = 1;
    peer->max_fails = 1;
    peer->fail_timeout = 10;

    return MX_OK;
}


mx_upstream_srv_conf_t *
mx_upstream_create_single(mx_pool_t *pool, const struct sockaddr *sa,
    socklen_t socklen, const mx_str_t *host)
{
    mx_upstream_srv_conf_t  *us;
    mx_upstream_rr_peers_t  *peers;
    mx_upstream_rr_peer_t   *peer;

    us = mx_pcalloc(pool, sizeof(mx_upstream_srv_conf_t));
    peers = mx_pcalloc(pool, sizeof(mx_upstream_rr_peers_t));
    peer = mx_pcalloc(pool, sizeof(mx_upstream_rr_peer_t));
    if (us == NULL || peers == NULL || peer == NULL) {
        return NULL;
    }

    us->host = *host;
    us->peers = peers;

    if (mx_upstream_run_time_peer(pool, peer, sa, socklen, host) != MX_OK) {
        return NULL;
    }

    peers->number = 1;
    peers->total_weight = 1;
    peers->single = 1;
    peers->name = &us->host;
    peers->peer = peer;

    return us;
}


mx_upstream_srv_conf_t *
mx_upstream_create_resolved(mx_pool_t *pool, const mx_str_t *host,
    in_port_t port, const mx_resolver_addr_t *addrs, mx_uint_t naddrs)
{
    mx_upstream_srv_conf_t   *us;
    mx_upstream_rr_peers_t   *peers;
    mx_upstream_rr_peer_t    *peer;
    struct sockaddr_storage   ss;
    mx_uint_t                 i;

    if (naddrs == 0 || naddrs > SIZE_MAX / sizeof(mx_upstream_rr_peer_t)) {
        return NULL;
    }

    us = mx_pcalloc(pool, sizeof(mx_upstream_srv_conf_t));
    peers = mx_pcalloc(pool, sizeof(mx_upstream_rr_peers_t));
    peer = mx_pcalloc(pool, naddrs * sizeof(mx_upstream_rr_peer_t));
    if (us == NULL || peers == NULL || peer == NULL) {
        return NULL;
    }

    if (mx_str_dup(pool, &us->host, host->data, host->len) != MX_OK) {
        return NULL;
    }

    us->port = port;
    us->peers = peers;

    for (i = 0; i < naddrs; i++) {
        if (addrs[i].socklen > sizeof(ss)) {
            return NULL;
        }

        memcpy(&ss, &addrs[i].sockaddr, addrs[i].socklen);

        if (ss.ss_family == AF_INET6) {
            ((struct sockaddr_in6 *) &ss)->sin6_port = htons(port);

        } else {
            ((struct sockaddr_in *) &ss)->sin_port = htons(port);
        }

        if (mx_upstream_run_time_peer(pool, &peer[i], (struct sockaddr *) &ss,
                                      addrs[i].socklen, &us->host)
            != MX_OK)
        {
            return NULL;
        }
    }

    peers->number = naddrs;
    peers->total_weight = naddrs;
    peers->single = naddrs == 1;
    peers->name = &us->host;
    peers->peer = peer;

    return us;
}


/* ------------------------------------------------------ keepalive */

typedef struct mx_upstream_ka_item_s  mx_upstream_ka_item_t;

struct mx_upstream_ka_item_s {
    mx_connection_t          *c;             /* NULL: free slot */
    mx_upstream_keepalive_t  *ka;
    struct sockaddr_storage   sockaddr;
    socklen_t                 socklen;
    uint64_t                  stamp;         /* for least recently used */
    unsigned                  ssl:1;         /* a TLS connection */
};

struct mx_upstream_keepalive_s {
    mx_upstream_keepalive_t  *next;          /* all pools of the worker */
    mx_uint_t                 n;
    uint64_t                  clock;
    mx_upstream_ka_item_t     items[];
};

static mx_upstream_keepalive_t  *mx_upstream_ka_all;

/* the peers that keep a TLS session, to free them at exit */
static mx_upstream_rr_peer_t    *mx_upstream_ssl_peers;


static void
mx_upstream_ka_close(mx_upstream_ka_item_t *it)
{
    mx_connection_t  *c = it->c;

    it->c = NULL;
    c->idle = 0;
    mx_ssl_conn_shutdown(c);
    mx_conn_close(c);
}


/* an idle connection is readable: the peer closed it, or sent garbage */
static void
mx_upstream_ka_close_handler(mx_connection_t *c)
{
    mx_upstream_ka_item_t  *it = c->data;
    u_char                  ch;
    ssize_t                 n;

    if (!c->close && !c->read_timedout) {
        n = recv(c->fd, &ch, 1, MSG_PEEK);
        if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
            return;
        }
    }

    mx_upstream_ka_close(it);
}


static mx_upstream_keepalive_t *
mx_upstream_ka_cache(mx_upstream_srv_conf_t *us)
{
    mx_upstream_keepalive_t  *ka;

    if (us->cache) {
        return us->cache;
    }

    ka = calloc(1, sizeof(mx_upstream_keepalive_t)
                   + us->keepalive.max_cached * sizeof(mx_upstream_ka_item_t));
    if (ka == NULL) {
        return NULL;
    }

    ka->n = us->keepalive.max_cached;
    ka->next = mx_upstream_ka_all;
    mx_upstream_ka_all = ka;
    us->cache = ka;

    return ka;
}


mx_connection_t *
mx_upstream_keepalive_get(mx_upstream_srv_conf_t *us,
    const struct sockaddr *sa, socklen_t socklen, int ssl)
{
    mx_upstream_keepalive_t  *ka = us->cache;
    mx_upstream_ka_item_t    *it, *best;
    mx_connection_t          *c;
    mx_uint_t                 i;

    if (ka == NULL) {
        return NULL;
    }

    /* the most recently used matching connection, as nginx's LIFO cache */
    best = NULL;
    for (i = 0; i < ka->n; i++) {
        it = &ka->items[i];
        if (it->c && it->socklen == socklen && it->ssl == (ssl != 0)
            && memcmp(&it->sockaddr, sa, socklen) == 0
            && (best == NULL || it->stamp > best->stamp))
        {
            best = it;
        }
    }

    if (best == NULL) {
        return NULL;
    }

    c = best->c;
    best->c = NULL;

    c->idle = 0;
    c->data = NULL;
    c->read_handler = NULL;
    c->write_handler = NULL;
    mx_conn_want_read(c, 0);
    mx_conn_want_write(c, 0);
    mx_conn_read_timer(c, 0);
    mx_conn_write_timer(c, 0);

    return c;
}


void
mx_upstream_keepalive_put(mx_upstream_srv_conf_t *us, mx_connection_t *c,
    const struct sockaddr *sa, socklen_t socklen)
{
    mx_upstream_keepalive_t  *ka;
    mx_upstream_ka_item_t    *it;
    mx_uint_t                 i;

    if (us->keepalive.max_cached == 0 || mx_exiting || mx_terminate
        || c->error || c->eof || c->requests >= us->keepalive.requests)
    {
        mx_ssl_conn_shutdown(c);
        mx_conn_close(c);
        return;
    }

    ka = mx_upstream_ka_cache(us);
    if (ka == NULL) {
        mx_ssl_conn_shutdown(c);
        mx_conn_close(c);
        return;
    }

    it = NULL;
    for (i = 0; i < ka->n; i++) {
        if (ka->items[i].c == NULL) {
            it = &ka->items[i];
            break;
        }
    }

    if (it == NULL) {
        /* full: the least recently used goes */
        it = &ka->items[0];
        for (i = 1; i < ka->n; i++) {
            if (ka->items[i].stamp < it->stamp) {
                it = &ka->items[i];
            }
        }

        mx_upstream_ka_close(it);
    }

    it->c = c;
    it->ka = ka;
    memcpy(&it->sockaddr, sa, socklen);
    it->socklen = socklen;
    it->stamp = ++ka->clock;
    it->ssl = mx_ssl_conn_get(c) != NULL;

    /* the request that used it is gone: log without its context */
    c->log = *mx_cycle->log;
    c->log.connection = 0;
    c->log.handler = NULL;
    c->log.data = NULL;
    c->log.action = NULL;

    c->data = it;
    c->idle = 1;
    c->read_timedout = 0;
    c->read_handler = mx_upstream_ka_close_handler;
    c->write_handler = NULL;
    mx_conn_want_write(c, 0);
    mx_conn_write_timer(c, 0);
    mx_conn_read_timer(c, us->keepalive.timeout);
    mx_conn_want_read(c, 1);
}


void
mx_upstream_peer_save_session(mx_upstream_rr_peer_t *peer, void *sess)
{
    if (peer->ssl_session) {
        SSL_SESSION_free(peer->ssl_session);

    } else {
        peer->ssl_next = mx_upstream_ssl_peers;
        mx_upstream_ssl_peers = peer;
    }

    peer->ssl_session = sess;
}


static void
mx_upstream_exit_process(mx_cycle_t *cycle)
{
    mx_upstream_keepalive_t  *ka, *next;
    mx_upstream_rr_peer_t    *peer;
    mx_uint_t                 i;

    mx_unused(cycle);

    for (peer = mx_upstream_ssl_peers; peer; peer = peer->ssl_next) {
        SSL_SESSION_free(peer->ssl_session);
        peer->ssl_session = NULL;
    }

    mx_upstream_ssl_peers = NULL;

    for (ka = mx_upstream_ka_all; ka; ka = next) {
        next = ka->next;

        for (i = 0; i < ka->n; i++) {
            if (ka->items[i].c) {
                mx_upstream_ka_close(&ka->items[i]);
            }
        }

        free(ka);
    }

    mx_upstream_ka_all = NULL;
}
