#include "mx_http_proxy_internal.h"

#include <arpa/inet.h>

/*
 * The HTTP proxy: proxy_pass and the proxy_* directives with nginx's
 * semantics: the URI sent upstream, the request headers (proxy_set_header
 * over nginx's defaults, then the client's), the response header copied
 * with the hidden ones left out and Location rewritten by proxy_redirect.
 * The exchange itself is mx_http_upstream.c's.
 */

static char *mx_http_proxy_pass(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_proxy_set_header(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_proxy_str_array(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_proxy_http_version(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_proxy_buffers(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_proxy_next_upstream(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_proxy_redirect(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_proxy_ssl_protocols(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_proxy_ssl_name(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_proxy_merge_ssl(mx_conf_t *cf,
    mx_http_proxy_loc_conf_t *prev, mx_http_proxy_loc_conf_t *conf);

static int mx_http_proxy_preconfiguration(mx_conf_t *cf);
static void *mx_http_proxy_create_loc_conf(mx_conf_t *cf);
static char *mx_http_proxy_merge_loc_conf(mx_conf_t *cf, void *parent,
    void *child);

static int mx_http_proxy_handler(mx_http_request_t *r);


/* a name proxy_pass evaluated to, being resolved; in r->pool */
typedef struct {
    mx_http_request_t        *r;
    mx_resolver_ctx_t        *rctx;      /* NULL: not running */
    mx_str_t                  host;
    in_port_t                 port;
    unsigned                  unix_socket:1;
} mx_http_proxy_resolve_t;

static int mx_http_proxy_resolve(mx_http_request_t *r);
static void mx_http_proxy_resolve_handler(mx_resolver_ctx_t *rctx);
static int mx_http_proxy_resolve_abort(mx_http_request_t *r);
static void mx_http_proxy_resolve_cleanup(void *data);


#define MX_PROXY_MSL   (MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF)
#define MX_PROXY_OFF(f)  offsetof(mx_http_proxy_loc_conf_t, f)
#define MX_PROXY_UOFF(f) offsetof(mx_http_proxy_loc_conf_t, upstream.f)

static mx_command_t  mx_http_proxy_commands[] = {

    { mx_string("proxy_pass"),
      MX_HTTP_LOC_CONF|MX_CONF_TAKE1,
      mx_http_proxy_pass, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("proxy_set_header"),
      MX_PROXY_MSL|MX_CONF_TAKE2,
      mx_http_proxy_set_header, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("proxy_hide_header"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_http_proxy_str_array, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_OFF(hide_headers), NULL },

    { mx_string("proxy_pass_header"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_http_proxy_str_array, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_OFF(pass_headers), NULL },

    { mx_string("proxy_pass_request_headers"),
      MX_PROXY_MSL|MX_CONF_FLAG,
      mx_conf_set_flag_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_UOFF(pass_request_headers), NULL },

    { mx_string("proxy_pass_request_body"),
      MX_PROXY_MSL|MX_CONF_FLAG,
      mx_conf_set_flag_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_UOFF(pass_request_body), NULL },

    { mx_string("proxy_http_version"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_http_proxy_http_version, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("proxy_connect_timeout"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_conf_set_msec_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_UOFF(connect_timeout), NULL },

    { mx_string("proxy_send_timeout"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_conf_set_msec_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_UOFF(send_timeout), NULL },

    { mx_string("proxy_read_timeout"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_conf_set_msec_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_UOFF(read_timeout), NULL },

    { mx_string("proxy_next_upstream_timeout"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_conf_set_msec_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_UOFF(next_upstream_timeout), NULL },

    { mx_string("proxy_next_upstream_tries"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_conf_set_num_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_UOFF(next_upstream_tries), NULL },

    { mx_string("proxy_next_upstream"),
      MX_PROXY_MSL|MX_CONF_1MORE,
      mx_http_proxy_next_upstream, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("proxy_buffering"),
      MX_PROXY_MSL|MX_CONF_FLAG,
      mx_conf_set_flag_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_UOFF(buffering), NULL },

    { mx_string("proxy_request_buffering"),
      MX_PROXY_MSL|MX_CONF_FLAG,
      mx_conf_set_flag_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_UOFF(request_buffering), NULL },

    { mx_string("proxy_ignore_client_abort"),
      MX_PROXY_MSL|MX_CONF_FLAG,
      mx_conf_set_flag_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_UOFF(ignore_client_abort), NULL },

    { mx_string("proxy_intercept_errors"),
      MX_PROXY_MSL|MX_CONF_FLAG,
      mx_conf_set_flag_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_UOFF(intercept_errors), NULL },

    { mx_string("proxy_buffer_size"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_conf_set_size_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_UOFF(buffer_size), NULL },

    { mx_string("proxy_buffers"),
      MX_PROXY_MSL|MX_CONF_TAKE2,
      mx_http_proxy_buffers, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("proxy_redirect"),
      MX_PROXY_MSL|MX_CONF_TAKE12,
      mx_http_proxy_redirect, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("proxy_ssl_protocols"),
      MX_PROXY_MSL|MX_CONF_1MORE,
      mx_http_proxy_ssl_protocols, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("proxy_ssl_ciphers"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_conf_set_str_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_OFF(ssl_ciphers), NULL },

    { mx_string("proxy_ssl_trusted_certificate"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_conf_set_str_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_OFF(ssl_trusted_certificate), NULL },

    { mx_string("proxy_ssl_verify_depth"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_conf_set_num_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_OFF(ssl_verify_depth), NULL },

    { mx_string("proxy_ssl_certificate"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_conf_set_str_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_OFF(ssl_certificate), NULL },

    { mx_string("proxy_ssl_certificate_key"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_conf_set_str_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_OFF(ssl_certificate_key), NULL },

    { mx_string("proxy_ssl_name"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_http_proxy_ssl_name, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("proxy_ssl_server_name"),
      MX_PROXY_MSL|MX_CONF_FLAG,
      mx_conf_set_flag_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_UOFF(ssl_server_name), NULL },

    { mx_string("proxy_ssl_verify"),
      MX_PROXY_MSL|MX_CONF_FLAG,
      mx_conf_set_flag_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_UOFF(ssl_verify), NULL },

    { mx_string("proxy_ssl_session_reuse"),
      MX_PROXY_MSL|MX_CONF_FLAG,
      mx_conf_set_flag_slot, MX_HTTP_LOC_CONF_OFFSET,
      MX_PROXY_UOFF(ssl_session_reuse), NULL },

    /* accepted: bodies are never spooled to temporary files */
    { mx_string("proxy_busy_buffers_size"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_conf_noop_slot, 0, 0, NULL },

    { mx_string("proxy_max_temp_file_size"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_conf_noop_slot, 0, 0, NULL },

    { mx_string("proxy_temp_file_write_size"),
      MX_PROXY_MSL|MX_CONF_TAKE1,
      mx_conf_noop_slot, 0, 0, NULL },

    mx_null_command
};

static mx_http_module_t  mx_http_proxy_module_ctx = {
    mx_http_proxy_preconfiguration,
    NULL,
    NULL, NULL,
    NULL, NULL,
    mx_http_proxy_create_loc_conf,
    mx_http_proxy_merge_loc_conf
};

mx_module_t  mx_http_proxy_module = {
    "mx_http_proxy_module", 0, 0, MX_HTTP_MODULE, &mx_http_proxy_module_ctx,
    mx_http_proxy_commands, NULL, NULL, NULL
};


/* nginx's defaults, after the proxy_set_header ones */
static const struct {
    const char           *name;
    const char           *value;
    mx_proxy_hdr_kind_e   kind;
} mx_http_proxy_default_headers[] = {
    { "Host", "$proxy_host", MX_PROXY_HDR_VALUE },
    { "Connection", "close", MX_PROXY_HDR_VALUE },
    { "Content-Length", "", MX_PROXY_HDR_BODY_LENGTH },
    { "Transfer-Encoding", "", MX_PROXY_HDR_CHUNKED },
    { "TE", "", MX_PROXY_HDR_VALUE },
    { "Keep-Alive", "", MX_PROXY_HDR_VALUE },
    { "Expect", "", MX_PROXY_HDR_VALUE },
    { "Upgrade", "", MX_PROXY_HDR_VALUE },
};

/* response headers nginx does not pass by default */
static const char  *mx_http_proxy_hide_default[] = {
    "date", "server", "x-pad", "x-accel-expires", "x-accel-redirect",
    "x-accel-limit-rate", "x-accel-buffering", "x-accel-charset",
};


/* ------------------------------------------------------ variables */

mx_http_proxy_loc_conf_t *
mx_http_proxy_conf(mx_http_request_t *r)
{
    return mx_http_get_module_loc_conf(r, mx_http_proxy_module);
}


static int
mx_http_proxy_var_host(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_http_proxy_loc_conf_t  *plcf = mx_http_proxy_conf(r);
    mx_http_proxy_ctx_t       *ctx;

    ctx = mx_http_get_module_ctx(r, mx_http_proxy_module);
    if (ctx) {
        *v = data ? ctx->port_text : ctx->host_header;
        return MX_OK;
    }

    if (plcf->url.data == NULL || plcf->url_cv) {
        return MX_DECLINED;
    }

    *v = data ? plcf->port_text : plcf->host_header;
    return MX_OK;
}


static int
mx_http_proxy_var_xff(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_table_elt_t  *h;
    mx_uint_t        i;
    size_t           len;
    u_char          *p;
    mx_str_t        *addr = &r->connection->addr_text;

    mx_unused(data);

    h = r->headers_in.headers.elts;
    len = 0;

    for (i = 0; i < r->headers_in.headers.nelts; i++) {
        if (h[i].hash && h[i].key.len == 15
            && mx_strcasecmp_n(h[i].key.data, (u_char *) "x-forwarded-for",
                               15) == 0)
        {
            len += h[i].value.len + 2;
        }
    }

    if (len == 0) {
        *v = *addr;
        return MX_OK;
    }

    p = mx_pnalloc(r->pool, len + addr->len);
    if (p == NULL) {
        return MX_DECLINED;
    }

    v->data = p;

    for (i = 0; i < r->headers_in.headers.nelts; i++) {
        if (h[i].hash && h[i].key.len == 15
            && mx_strcasecmp_n(h[i].key.data, (u_char *) "x-forwarded-for",
                               15) == 0)
        {
            memcpy(p, h[i].value.data, h[i].value.len);
            p += h[i].value.len;
            *p++ = ',';
            *p++ = ' ';
        }
    }

    memcpy(p, addr->data, addr->len);
    p += addr->len;

    v->len = p - v->data;
    return MX_OK;
}


int
mx_http_proxy_var_body_length(mx_http_request_t *r, mx_str_t *v,
    uintptr_t data)
{
    u_char  *p;
    off_t    n;

    mx_unused(data);

    if (r->request_body && !r->request_body->discard
        && (r->request_body->done || r->body_read))
    {
        n = r->request_body->received;
    } else if (r->headers_in.content_length_n >= 0) {
        n = r->headers_in.content_length_n;
    } else {
        return MX_DECLINED;
    }

    p = mx_pnalloc(r->pool, 24);
    if (p == NULL) {
        return MX_DECLINED;
    }

    v->data = p;
    v->len = mx_sprint_uint(p, (uint64_t) n) - p;
    return MX_OK;
}


static int
mx_http_proxy_preconfiguration(mx_conf_t *cf)
{
    static const struct {
        const char                    *name;
        mx_http_variable_handler_pt    get;
        uintptr_t                      data;
    } vars[] = {
        { "proxy_host", mx_http_proxy_var_host, 0 },
        { "proxy_port", mx_http_proxy_var_host, 1 },
        { "proxy_add_x_forwarded_for", mx_http_proxy_var_xff, 0 },
        { "proxy_internal_body_length", mx_http_proxy_var_body_length, 0 },
    };

    mx_http_variable_t  *v;
    mx_uint_t            i, type;

    /* see mx_upstream_preconfiguration() */
    type = cf->module_type;
    cf->module_type = MX_HTTP_MODULE;

    for (i = 0; i < mx_nelems(vars); i++) {
        v = mx_http_add_variable(cf, (u_char *) vars[i].name,
                                 strlen(vars[i].name), 0);
        if (v == NULL) {
            cf->module_type = type;
            return MX_ERROR;
        }

        v->get = vars[i].get;
        v->data = vars[i].data;
    }

    cf->module_type = type;
    return MX_OK;
}


/* ------------------------------------------------------ directives */

/*
 * Splits "http://host[:port][/uri]" ("unix:/path:/uri" for a socket).
 * NULL, or nginx's phrase for what is wrong; "prefix" for a URL that
 * is not http://.
 */
static const char *
mx_http_proxy_parse_url(const mx_str_t *url, mx_http_proxy_url_t *pu)
{
    u_char    *p, *last, *hend, *pend;
    mx_int_t   port;

    memset(pu, 0, sizeof(mx_http_proxy_url_t));

    if (url->len > 8
        && mx_strcasecmp_n(url->data, (u_char *) "https://", 8) == 0)
    {
        pu->ssl = 1;
        p = url->data + 8;

    } else if (url->len > 7
               && mx_strcasecmp_n(url->data, (u_char *) "http://", 7) == 0)
    {
        p = url->data + 7;

    } else {
        return "prefix";
    }

    last = url->data + url->len;
    pu->rest.data = p;
    pu->rest.len = last - p;

    if (last - p > 5 && memcmp(p, "unix:", 5) == 0) {
        hend = memchr(p + 5, ':', last - p - 5);
        pend = hend ? hend : last;
        pu->host.data = p;
        pu->host.len = pend - p;
        pu->unix_socket = 1;
        mx_str_set(&pu->host_header, "localhost");
        mx_str_set(&pu->port_text, "");
        p = hend ? hend + 1 : last;
        pu->uri.data = p;
        pu->uri.len = last - p;
        return NULL;
    }

    hend = p;
    if (*hend == '[') {
        hend = memchr(p, ']', last - p);
        if (hend == NULL) {
            return "invalid host";
        }
        hend++;
    }

    while (hend < last && *hend != ':' && *hend != '/' && *hend != '?') {
        hend++;
    }

    pu->host.data = p;
    pu->host.len = hend - p;

    if (pu->host.len == 0) {
        return "no host";
    }

    port = 0;
    pend = hend;

    if (hend < last && *hend == ':') {
        pend = hend + 1;
        while (pend < last && *pend != '/' && *pend != '?') {
            pend++;
        }

        port = mx_atoi(hend + 1, pend - hend - 1);
        if (port < 1 || port > 65535) {
            return "invalid port";
        }
    }

    pu->port = (in_port_t) port;

    if (port == 0) {
        pu->host_header = pu->host;

        if (pu->ssl) {
            mx_str_set(&pu->port_text, "443");
        } else {
            mx_str_set(&pu->port_text, "80");
        }

    } else {
        pu->host_header.data = pu->host.data;
        pu->host_header.len = pend - pu->host.data;
        pu->port_text.data = hend + 1;
        pu->port_text.len = pend - hend - 1;
    }

    pu->uri.data = pend;
    pu->uri.len = last - pend;

    return NULL;
}


static char *
mx_http_proxy_pass(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_proxy_loc_conf_t  *plcf = conf;
    mx_http_core_loc_conf_t   *clcf;
    mx_http_proxy_url_t        pu;
    mx_str_t                  *value, url;
    const char                *err;

    mx_unused(cmd);

    if (plcf->url.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    url = value[1];

    clcf = mx_http_conf_get_module_loc_conf(cf, mx_http_core_module);

    if (memchr(url.data, '$', url.len)) {
        /* evaluated per request; the host names an upstream block */
        plcf->url_cv = mx_pcalloc(cf->pool, sizeof(mx_http_complex_value_t));
        if (plcf->url_cv == NULL) {
            return MX_CONF_ERROR;
        }

        plcf->url_cv->raw = url;
        if (mx_http_compile_complex_value(cf, plcf->url_cv) != MX_OK) {
            return MX_CONF_ERROR;
        }

        plcf->url = url;
        clcf->handler = mx_http_proxy_handler;
        return MX_CONF_OK;
    }

    err = mx_http_proxy_parse_url(&url, &pu);

    if (err && strcmp(err, "prefix") == 0) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid URL prefix");
        return MX_CONF_ERROR;
    }

    if (err && pu.rest.data == NULL) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "%s", err);
        return MX_CONF_ERROR;
    }

    if (err) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "%s in upstream \"%.*s\"",
                          err, MX_STR_ARG(pu.rest));
        return MX_CONF_ERROR;
    }

    plcf->url = url;
    plcf->uri = pu.uri;
    plcf->host_header = pu.host_header;
    plcf->port_text = pu.port_text;
    plcf->host = pu.host;
    plcf->ssl = pu.ssl;

    plcf->upstream.upstream = mx_upstream_add(cf, &pu.host, pu.port,
                                              pu.ssl ? 443 : 80);
    if (plcf->upstream.upstream == NULL) {
        return MX_CONF_ERROR;
    }

    clcf->handler = mx_http_proxy_handler;

    if (clcf->named || clcf->regex) {
        if (plcf->uri.len) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "\"proxy_pass\" cannot have URI part in "
                              "location given by regular expression, or "
                              "inside named location, or inside \"if\" "
                              "statement, or inside \"limit_except\" block");
            return MX_CONF_ERROR;
        }

        mx_str_null(&plcf->location);

    } else {
        plcf->location = clcf->name;
    }

    return MX_CONF_OK;
}


static char *
mx_http_proxy_set_header(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_proxy_loc_conf_t  *plcf = conf;
    mx_http_proxy_keyval_t    *kv;
    mx_str_t                  *value;

    mx_unused(cmd);

    if (plcf->headers_source == NULL) {
        plcf->headers_source = mx_array_create(cf->pool, 4,
                                               sizeof(mx_http_proxy_keyval_t));
        if (plcf->headers_source == NULL) {
            return MX_CONF_ERROR;
        }
    }

    kv = mx_array_push(plcf->headers_source);
    if (kv == NULL) {
        return MX_CONF_ERROR;
    }

    value = cf->args->elts;
    kv->name = value[1];
    kv->value = value[2];

    return MX_CONF_OK;
}


static char *
mx_http_proxy_str_array(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_array_t  **a;
    mx_str_t     *value, *s;

    a = (mx_array_t **) ((char *) conf + cmd->offset);

    if (*a == NULL) {
        *a = mx_array_create(cf->pool, 4, sizeof(mx_str_t));
        if (*a == NULL) {
            return MX_CONF_ERROR;
        }
    }

    s = mx_array_push(*a);
    if (s == NULL) {
        return MX_CONF_ERROR;
    }

    value = cf->args->elts;
    *s = value[1];

    return MX_CONF_OK;
}


static char *
mx_http_proxy_http_version(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_proxy_loc_conf_t  *plcf = conf;
    mx_str_t                  *value;

    if (plcf->http_version != MX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (mx_str_eq(&value[1], "1.0") == MX_OK) {
        plcf->http_version = MX_HTTP_VERSION_10;

    } else if (mx_str_eq(&value[1], "1.1") == MX_OK) {
        plcf->http_version = MX_HTTP_VERSION_11;

    } else {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "invalid value \"%.*s\" in \"%.*s\" directive, "
                          "it must be \"1.0\" or \"1.1\"",
                          MX_STR_ARG(value[1]), MX_STR_ARG(cmd->name));
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;
}


static char *
mx_http_proxy_buffers(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_proxy_loc_conf_t  *plcf = conf;
    mx_str_t                  *value;
    mx_int_t                   n;
    ssize_t                    size;

    mx_unused(cmd);

    if (plcf->upstream.bufs_num != MX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    n = mx_atoi(value[1].data, value[1].len);
    if (n == MX_ERROR || n == 0) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid value \"%.*s\"",
                          MX_STR_ARG(value[1]));
        return MX_CONF_ERROR;
    }

    size = mx_parse_size(&value[2]);
    if (size == MX_ERROR || size == 0) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid value \"%.*s\"",
                          MX_STR_ARG(value[2]));
        return MX_CONF_ERROR;
    }

    plcf->upstream.bufs_num = (mx_uint_t) n;
    plcf->upstream.bufs_size = (size_t) size;

    return MX_CONF_OK;
}


static char *
mx_http_proxy_next_upstream(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    static const struct {
        const char  *name;
        mx_uint_t    mask;
    } masks[] = {
        { "error", MX_UPSTREAM_FT_ERROR },
        { "timeout", MX_UPSTREAM_FT_TIMEOUT },
        { "invalid_header", MX_UPSTREAM_FT_INVALID_HEADER },
        { "non_idempotent", MX_UPSTREAM_FT_NON_IDEMPOTENT },
        { "http_500", MX_UPSTREAM_FT_HTTP_500 },
        { "http_502", MX_UPSTREAM_FT_HTTP_502 },
        { "http_503", MX_UPSTREAM_FT_HTTP_503 },
        { "http_504", MX_UPSTREAM_FT_HTTP_504 },
        { "http_403", MX_UPSTREAM_FT_HTTP_403 },
        { "http_404", MX_UPSTREAM_FT_HTTP_404 },
        { "http_429", MX_UPSTREAM_FT_HTTP_429 },
        { "updating", 0 },
        { "off", MX_UPSTREAM_FT_OFF },
    };

    mx_http_proxy_loc_conf_t  *plcf = conf;
    mx_str_t                  *value;
    mx_uint_t                  i, j, mask;

    if (plcf->upstream.next_upstream != MX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    mask = 0;

    for (i = 1; i < cf->args->nelts; i++) {
        for (j = 0; j < mx_nelems(masks); j++) {
            if (mx_str_eq(&value[i], masks[j].name) == MX_OK) {
                break;
            }
        }

        if (j == mx_nelems(masks)) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "invalid value \"%.*s\"", MX_STR_ARG(value[i]));
            return MX_CONF_ERROR;
        }

        if ((mask & masks[j].mask) && masks[j].mask) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "duplicate value \"%.*s\"",
                              MX_STR_ARG(value[i]));
            return MX_CONF_ERROR;
        }

        mask |= masks[j].mask;
    }

    if ((mask & MX_UPSTREAM_FT_OFF) && mask != MX_UPSTREAM_FT_OFF) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "invalid value \"off\" in \"%.*s\" directive",
                          MX_STR_ARG(cmd->name));
        return MX_CONF_ERROR;
    }

    plcf->upstream.next_upstream = mask;
    return MX_CONF_OK;
}


static int
mx_http_proxy_cv(mx_conf_t *cf, mx_http_complex_value_t *cv,
    const mx_str_t *text)
{
    cv->raw = *text;
    cv->parts = NULL;

    if (memchr(text->data, '$', text->len) == NULL) {
        return MX_OK;
    }

    return mx_http_compile_complex_value(cf, cv);
}


static char *
mx_http_proxy_redirect(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_proxy_loc_conf_t  *plcf = conf;
    mx_http_proxy_redirect_t  *pr;
    mx_str_t                  *value, from;
    int                        caseless;

    mx_unused(cmd);

    if (plcf->redirect == 0) {
        return MX_CONF_OK;
    }

    plcf->redirect = 1;
    value = cf->args->elts;

    if (cf->args->nelts == 2) {
        if (mx_str_eq(&value[1], "off") == MX_OK
            || mx_str_eq(&value[1], "false") == MX_OK)
        {
            if (plcf->redirects) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                                  "invalid parameter \"%.*s\"",
                                  MX_STR_ARG(value[1]));
                return MX_CONF_ERROR;
            }

            plcf->redirect = 0;
            plcf->redirects = NULL;
            return MX_CONF_OK;
        }

        if (mx_str_eq(&value[1], "default") != MX_OK) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "invalid parameter \"%.*s\"",
                              MX_STR_ARG(value[1]));
            return MX_CONF_ERROR;
        }
    }

    if (plcf->redirects == NULL) {
        plcf->redirects = mx_array_create(cf->pool, 2,
                                          sizeof(mx_http_proxy_redirect_t));
        if (plcf->redirects == NULL) {
            return MX_CONF_ERROR;
        }
    }

    pr = mx_array_push(plcf->redirects);
    if (pr == NULL) {
        return MX_CONF_ERROR;
    }

    memset(pr, 0, sizeof(mx_http_proxy_redirect_t));

    if (cf->args->nelts == 2) {
        /* "default": what proxy_pass named becomes the location */
        if (plcf->url_cv) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "\"proxy_redirect default\" cannot be used "
                              "with \"proxy_pass\" directive with variables");
            return MX_CONF_ERROR;
        }

        if (plcf->url.data == NULL) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "\"proxy_redirect default\" should be placed "
                              "after the \"proxy_pass\" directive");
            return MX_CONF_ERROR;
        }

        if (plcf->uri.len) {
            pr->from.raw = plcf->url;
            pr->to.raw = plcf->location;

        } else {
            pr->from.raw.len = plcf->url.len + 1;
            pr->from.raw.data = mx_pnalloc(cf->pool, pr->from.raw.len);
            if (pr->from.raw.data == NULL) {
                return MX_CONF_ERROR;
            }
            memcpy(pr->from.raw.data, plcf->url.data, plcf->url.len);
            pr->from.raw.data[plcf->url.len] = '/';
            mx_str_set(&pr->to.raw, "/");
        }

        return MX_CONF_OK;
    }

    from = value[1];

    if (from.len && from.data[0] == '~') {
        from.data++;
        from.len--;
        caseless = 0;

        if (from.len && from.data[0] == '*') {
            from.data++;
            from.len--;
            caseless = 1;
        }

        pr->regex = mx_http_regex_compile(cf, &from, caseless);
        if (pr->regex == NULL) {
            return MX_CONF_ERROR;
        }

    } else if (mx_http_proxy_cv(cf, &pr->from, &from) != MX_OK) {
        return MX_CONF_ERROR;
    }

    if (mx_http_proxy_cv(cf, &pr->to, &value[2]) != MX_OK) {
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;
}


static char *
mx_http_proxy_ssl_protocols(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_proxy_loc_conf_t  *plcf = conf;
    mx_uint_t                  i, bit;
    mx_str_t                  *value;

    mx_unused(cmd);

    value = cf->args->elts;

    /* as nginx's bitmask slots: a repeated directive adds to the set */
    for (i = 1; i < cf->args->nelts; i++) {
        bit = mx_ssl_protocol_bit(value[i].data, value[i].len);

        if (bit == 0) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid value \"%.*s\"",
                              MX_STR_ARG(value[i]));
            return MX_CONF_ERROR;
        }

        if (plcf->ssl_protocols & bit) {
            mx_conf_log_error(MX_LOG_WARN, cf, 0, "duplicate value \"%.*s\"",
                              MX_STR_ARG(value[i]));

        } else {
            plcf->ssl_protocols |= MX_SSL_PROTO_SET | bit;
        }
    }

    return MX_CONF_OK;
}


static char *
mx_http_proxy_ssl_name(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_proxy_loc_conf_t  *plcf = conf;
    mx_http_complex_value_t   *cv;
    mx_str_t                  *value;

    mx_unused(cmd);

    if (plcf->upstream.ssl_name != MX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    cv = mx_pcalloc(cf->pool, sizeof(mx_http_complex_value_t));
    if (cv == NULL) {
        return MX_CONF_ERROR;
    }

    cv->raw = value[1];

    if (mx_http_compile_complex_value(cf, cv) != MX_OK) {
        return MX_CONF_ERROR;
    }

    plcf->upstream.ssl_name = cv;

    return MX_CONF_OK;
}


/* a path of the configuration, full and NUL-terminated; NULL if empty */
static const char *
mx_http_proxy_ssl_path(mx_conf_t *cf, mx_str_t *name)
{
    mx_str_t  s;

    if (name->len == 0) {
        return NULL;
    }

    s = *name;

    if (mx_conf_full_name(cf->cycle, &s, 1) != MX_OK
        || mx_str_dup(cf->pool, &s, s.data, s.len) != MX_OK)
    {
        return NULL;
    }

    return (char *) s.data;
}


/*
 * The proxy_ssl_* settings, and the SSL_CTX of the locations that may
 * talk to an https upstream: one per set of settings as far as
 * inheritance tells (a location that sets none of them uses its
 * parent's, and its siblings then too).
 */
static char *
mx_http_proxy_merge_ssl(mx_conf_t *cf, mx_http_proxy_loc_conf_t *prev,
    mx_http_proxy_loc_conf_t *conf)
{
    mx_http_upstream_conf_t  *u = &conf->upstream, *pu = &prev->upstream;
    mx_ssl_client_conf_t      scf;
    mx_pool_cleanup_t        *cln;
    mx_str_t                  ciphers;
    SSL_CTX                  *ctx;
    int                       inherited;

    inherited = (conf->ssl_protocols == 0
                 && conf->ssl_ciphers.data == NULL
                 && conf->ssl_trusted_certificate.data == NULL
                 && conf->ssl_verify_depth == MX_CONF_UNSET
                 && conf->ssl_certificate.data == NULL
                 && conf->ssl_certificate_key.data == NULL
                 && u->ssl_verify == MX_CONF_UNSET);

    /* nginx 1.22's default */
    if (conf->ssl_protocols == 0) {
        conf->ssl_protocols = prev->ssl_protocols
                              ? prev->ssl_protocols
                              : (MX_SSL_PROTO_SET|MX_SSL_TLSv1
                                 |MX_SSL_TLSv1_1|MX_SSL_TLSv1_2);
    }

    mx_conf_merge_str_value(conf->ssl_ciphers, prev->ssl_ciphers, "DEFAULT");
    mx_conf_merge_str_value(conf->ssl_trusted_certificate,
                            prev->ssl_trusted_certificate, "");
    mx_conf_merge_value(conf->ssl_verify_depth, prev->ssl_verify_depth, 1);
    mx_conf_merge_str_value(conf->ssl_certificate, prev->ssl_certificate,
                            "");
    mx_conf_merge_str_value(conf->ssl_certificate_key,
                            prev->ssl_certificate_key, "");

    mx_conf_merge_value(u->ssl_server_name, pu->ssl_server_name, 0);
    mx_conf_merge_value(u->ssl_verify, pu->ssl_verify, 0);
    mx_conf_merge_value(u->ssl_session_reuse, pu->ssl_session_reuse, 1);
    mx_conf_merge_ptr_value(u->ssl_name, pu->ssl_name, NULL);

    if (inherited && pu->ssl_ctx) {
        u->ssl_ctx = pu->ssl_ctx;
        return MX_CONF_OK;
    }

    if (!conf->ssl && conf->url_cv == NULL) {
        return MX_CONF_OK;
    }

    memset(&scf, 0, sizeof(mx_ssl_client_conf_t));

    if (mx_str_dup(cf->pool, &ciphers, conf->ssl_ciphers.data,
                   conf->ssl_ciphers.len) != MX_OK)
    {
        return MX_CONF_ERROR;
    }

    scf.protocols = conf->ssl_protocols;
    scf.ciphers = (char *) ciphers.data;
    scf.verify_depth = conf->ssl_verify_depth;
    scf.session_cache = 1;

    if (conf->ssl_certificate.len) {
        if (conf->ssl_certificate_key.len == 0) {
            mx_log_error(MX_LOG_EMERG, cf->log, 0,
                         "no \"proxy_ssl_certificate_key\" is defined "
                         "for certificate \"%.*s\"",
                         MX_STR_ARG(conf->ssl_certificate));
            return MX_CONF_ERROR;
        }

        scf.certificate = mx_http_proxy_ssl_path(cf, &conf->ssl_certificate);
        scf.certificate_key = mx_http_proxy_ssl_path(cf,
                                                 &conf->ssl_certificate_key);
        if (scf.certificate == NULL || scf.certificate_key == NULL) {
            return MX_CONF_ERROR;
        }
    }

    /* the trusted certificates are only loaded to verify */
    if (u->ssl_verify) {
        if (conf->ssl_trusted_certificate.len == 0) {
            mx_log_error(MX_LOG_EMERG, cf->log, 0, "no proxy_ssl_trusted_"
                         "certificate for proxy_ssl_verify");
            return MX_CONF_ERROR;
        }

        scf.trusted_certificate = mx_http_proxy_ssl_path(cf,
                                              &conf->ssl_trusted_certificate);
        if (scf.trusted_certificate == NULL) {
            return MX_CONF_ERROR;
        }
    }

    ctx = mx_ssl_client_ctx_create(&scf, cf->log);
    if (ctx == NULL) {
        return MX_CONF_ERROR;
    }

    cln = mx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        SSL_CTX_free(ctx);
        return MX_CONF_ERROR;
    }

    cln->handler = mx_ssl_ctx_cleanup;
    cln->data = ctx;

    u->ssl_ctx = ctx;

    if (inherited) {
        pu->ssl_ctx = ctx;
    }

    return MX_CONF_OK;
}


/* ------------------------------------------------------ conf */

static void *
mx_http_proxy_create_loc_conf(mx_conf_t *cf)
{
    mx_http_proxy_loc_conf_t  *plcf;

    plcf = mx_pcalloc(cf->pool, sizeof(mx_http_proxy_loc_conf_t));
    if (plcf == NULL) {
        return NULL;
    }

    plcf->upstream.connect_timeout = MX_CONF_UNSET_MSEC;
    plcf->upstream.send_timeout = MX_CONF_UNSET_MSEC;
    plcf->upstream.read_timeout = MX_CONF_UNSET_MSEC;
    plcf->upstream.next_upstream_timeout = MX_CONF_UNSET_MSEC;
    plcf->upstream.buffer_size = MX_CONF_UNSET_SIZE;
    plcf->upstream.bufs_num = MX_CONF_UNSET_UINT;
    plcf->upstream.buffering = MX_CONF_UNSET;
    plcf->upstream.request_buffering = MX_CONF_UNSET;
    plcf->upstream.ignore_client_abort = MX_CONF_UNSET;
    plcf->upstream.pass_request_headers = MX_CONF_UNSET;
    plcf->upstream.pass_request_body = MX_CONF_UNSET;
    plcf->upstream.intercept_errors = MX_CONF_UNSET;
    plcf->upstream.next_upstream = MX_CONF_UNSET_UINT;
    plcf->upstream.next_upstream_tries = MX_CONF_UNSET_UINT;
    plcf->upstream.ssl_server_name = MX_CONF_UNSET;
    plcf->upstream.ssl_verify = MX_CONF_UNSET;
    plcf->upstream.ssl_session_reuse = MX_CONF_UNSET;
    plcf->upstream.ssl_name = MX_CONF_UNSET_PTR;
    plcf->ssl_verify_depth = MX_CONF_UNSET;

    plcf->http_version = MX_CONF_UNSET_UINT;
    plcf->redirect = MX_CONF_UNSET;

    return plcf;
}


int
mx_http_proxy_name_in(const mx_array_t *a, const u_char *name, size_t len)
{
    const mx_str_t  *s;
    mx_uint_t        i;

    if (a == NULL) {
        return 0;
    }

    s = a->elts;
    for (i = 0; i < a->nelts; i++) {
        if (s[i].len == len && mx_strcasecmp_n(s[i].data, name, len) == 0) {
            return 1;
        }
    }

    return 0;
}


/* the request headers: proxy_set_header ones, then nginx's defaults */
static int
mx_http_proxy_init_headers(mx_conf_t *cf, mx_http_proxy_loc_conf_t *plcf)
{
    mx_http_proxy_keyval_t  *kv;
    mx_http_proxy_header_t  *h;
    mx_uint_t                i, j, n;
    mx_str_t                 name, value;

    n = (plcf->headers_source ? plcf->headers_source->nelts : 0)
        + mx_nelems(mx_http_proxy_default_headers);

    plcf->headers = mx_array_create(cf->pool, n,
                                    sizeof(mx_http_proxy_header_t));
    if (plcf->headers == NULL) {
        return MX_ERROR;
    }

    kv = plcf->headers_source ? plcf->headers_source->elts : NULL;
    n = plcf->headers_source ? plcf->headers_source->nelts : 0;

    for (i = 0; i < n; i++) {
        h = mx_array_push(plcf->headers);
        if (h == NULL) {
            return MX_ERROR;
        }

        h->name = kv[i].name;
        h->kind = MX_PROXY_HDR_VALUE;

        if (mx_http_proxy_cv(cf, &h->value, &kv[i].value) != MX_OK) {
            return MX_ERROR;
        }
    }

    for (j = 0; j < mx_nelems(mx_http_proxy_default_headers); j++) {
        name.data = (u_char *) mx_http_proxy_default_headers[j].name;
        name.len = strlen(mx_http_proxy_default_headers[j].name);

        for (i = 0; i < n; i++) {
            if (kv[i].name.len == name.len
                && mx_strcasecmp_n(kv[i].name.data, name.data, name.len) == 0)
            {
                break;
            }
        }

        if (i < n) {
            continue;
        }

        h = mx_array_push(plcf->headers);
        if (h == NULL) {
            return MX_ERROR;
        }

        h->name = name;
        h->kind = mx_http_proxy_default_headers[j].kind;

        value.data = (u_char *) mx_http_proxy_default_headers[j].value;
        value.len = strlen(mx_http_proxy_default_headers[j].value);

        if (mx_http_proxy_cv(cf, &h->value, &value) != MX_OK) {
            return MX_ERROR;
        }
    }

    return MX_OK;
}


static int
mx_http_proxy_init_hide(mx_conf_t *cf, mx_http_proxy_loc_conf_t *plcf)
{
    mx_str_t   *s, *hs;
    mx_uint_t   i;
    size_t      len;

    plcf->hide = mx_array_create(cf->pool, 16, sizeof(mx_str_t));
    if (plcf->hide == NULL) {
        return MX_ERROR;
    }

    for (i = 0; i < mx_nelems(mx_http_proxy_hide_default); i++) {
        len = strlen(mx_http_proxy_hide_default[i]);

        if (mx_http_proxy_name_in(plcf->pass_headers,
                                  (u_char *) mx_http_proxy_hide_default[i],
                                  len))
        {
            continue;
        }

        s = mx_array_push(plcf->hide);
        if (s == NULL) {
            return MX_ERROR;
        }

        s->data = (u_char *) mx_http_proxy_hide_default[i];
        s->len = len;
    }

    if (plcf->hide_headers) {
        hs = plcf->hide_headers->elts;

        for (i = 0; i < plcf->hide_headers->nelts; i++) {
            s = mx_array_push(plcf->hide);
            if (s == NULL) {
                return MX_ERROR;
            }
            *s = hs[i];
        }
    }

    return MX_OK;
}


static char *
mx_http_proxy_merge_loc_conf(mx_conf_t *cf, void *parent, void *child)
{
    mx_http_proxy_loc_conf_t  *prev = parent;
    mx_http_proxy_loc_conf_t  *conf = child;
    mx_http_upstream_conf_t   *u = &conf->upstream, *pu = &prev->upstream;
    mx_http_proxy_redirect_t  *pr;

    mx_conf_merge_msec_value(u->connect_timeout, pu->connect_timeout, 60000);
    mx_conf_merge_msec_value(u->send_timeout, pu->send_timeout, 60000);
    mx_conf_merge_msec_value(u->read_timeout, pu->read_timeout, 60000);
    mx_conf_merge_msec_value(u->next_upstream_timeout,
                             pu->next_upstream_timeout, 0);
    mx_conf_merge_size_value(u->buffer_size, pu->buffer_size, 4096);

    if (u->bufs_num == MX_CONF_UNSET_UINT) {
        if (pu->bufs_num == MX_CONF_UNSET_UINT) {
            u->bufs_num = 8;
            u->bufs_size = 4096;
        } else {
            u->bufs_num = pu->bufs_num;
            u->bufs_size = pu->bufs_size;
        }
    }

    mx_conf_merge_value(u->buffering, pu->buffering, 1);
    mx_conf_merge_value(u->request_buffering, pu->request_buffering, 1);
    mx_conf_merge_value(u->ignore_client_abort, pu->ignore_client_abort, 0);
    mx_conf_merge_value(u->pass_request_headers, pu->pass_request_headers, 1);
    mx_conf_merge_value(u->pass_request_body, pu->pass_request_body, 1);
    mx_conf_merge_value(u->intercept_errors, pu->intercept_errors, 0);
    mx_conf_merge_uint_value(u->next_upstream, pu->next_upstream,
                             MX_UPSTREAM_FT_ERROR|MX_UPSTREAM_FT_TIMEOUT);
    mx_conf_merge_uint_value(u->next_upstream_tries, pu->next_upstream_tries,
                             0);

    if (u->next_upstream & MX_UPSTREAM_FT_OFF) {
        u->next_upstream = MX_UPSTREAM_FT_OFF;
    }

    if (u->buffer_size < 64) {
        u->buffer_size = 64;
    }

    mx_conf_merge_uint_value(conf->http_version, prev->http_version,
                             MX_HTTP_VERSION_10);

    if (mx_http_proxy_merge_ssl(cf, prev, conf) != MX_CONF_OK) {
        return MX_CONF_ERROR;
    }

    if (conf->headers_source == NULL) {
        conf->headers_source = prev->headers_source;
        conf->headers = prev->headers;
    }

    if (conf->headers == NULL) {
        if (mx_http_proxy_init_headers(cf, conf) != MX_OK) {
            return MX_CONF_ERROR;
        }

        if (conf->headers_source == prev->headers_source) {
            /* the next locations inherit the compiled list too */
            prev->headers = conf->headers;
        }
    }

    if (conf->hide_headers == NULL && conf->pass_headers == NULL) {
        conf->hide_headers = prev->hide_headers;
        conf->pass_headers = prev->pass_headers;
        conf->hide = prev->hide;
    }

    if (conf->hide == NULL) {
        if (mx_http_proxy_init_hide(cf, conf) != MX_OK) {
            return MX_CONF_ERROR;
        }
    }

    mx_conf_merge_value(conf->redirect, prev->redirect, 1);

    if (conf->redirect) {
        if (conf->redirects == NULL) {
            conf->redirects = prev->redirects;
        }

        if (conf->redirects == NULL && conf->url.data && conf->url_cv == NULL)
        {
            conf->redirects = mx_array_create(cf->pool, 1,
                                              sizeof(mx_http_proxy_redirect_t));
            if (conf->redirects == NULL) {
                return MX_CONF_ERROR;
            }

            pr = mx_array_push(conf->redirects);
            if (pr == NULL) {
                return MX_CONF_ERROR;
            }

            memset(pr, 0, sizeof(mx_http_proxy_redirect_t));

            if (conf->uri.len) {
                pr->from.raw = conf->url;
                pr->to.raw = conf->location;

            } else {
                pr->from.raw.len = conf->url.len + 1;
                pr->from.raw.data = mx_pnalloc(cf->pool, pr->from.raw.len);
                if (pr->from.raw.data == NULL) {
                    return MX_CONF_ERROR;
                }
                memcpy(pr->from.raw.data, conf->url.data, conf->url.len);
                pr->from.raw.data[conf->url.len] = '/';
                mx_str_set(&pr->to.raw, "/");
            }
        }

    } else {
        conf->redirects = NULL;
    }

    return MX_CONF_OK;
}


/* ------------------------------------------------------ handler */

/* proxy_pass with variables: the URL of this request and its group */
static int
mx_http_proxy_eval(mx_http_request_t *r, mx_http_proxy_loc_conf_t *plcf,
    mx_http_upstream_t *u)
{
    mx_http_proxy_ctx_t      *ctx;
    mx_http_proxy_url_t       pu;
    mx_http_proxy_resolve_t  *pr;
    mx_pool_cleanup_t        *cln;
    mx_upstream_srv_conf_t   *us;
    mx_str_t                  url;
    struct sockaddr_storage   ss;
    struct sockaddr_in       *sin;
    struct sockaddr_in6      *sin6;
    socklen_t                 socklen;
    const char               *err;
    char                      ip[64];
    size_t                    n;

    if (mx_http_complex_value(r, plcf->url_cv, &url) != MX_OK) {
        return 500;
    }

    err = mx_http_proxy_parse_url(&url, &pu);
    if (err) {
        if (strcmp(err, "prefix") == 0) {
            mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                         "invalid URL prefix in \"%.*s\"", MX_STR_ARG(url));
        } else {
            mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                         "%s in upstream \"%.*s\"", err,
                         MX_STR_ARG(pu.rest));
        }
        return 500;
    }

    ctx = mx_pcalloc(r->pool, sizeof(mx_http_proxy_ctx_t));
    u->conf = mx_palloc(r->pool, sizeof(mx_http_upstream_conf_t));
    if (ctx == NULL || u->conf == NULL) {
        return 500;
    }

    ctx->host_header = pu.host_header;
    ctx->port_text = pu.port_text;
    ctx->uri = pu.uri;
    mx_http_set_ctx(r, ctx, mx_http_proxy_module);

    *u->conf = plcf->upstream;

    if (pu.ssl) {
        u->ssl = 1;
        u->ssl_host = pu.host;
        mx_str_set(&u->schema, "https://");
    }

    us = mx_upstream_find(r, &pu.host, pu.port, pu.ssl ? 443 : 80);

    if (us == NULL && !pu.unix_socket) {
        /* an address given literally needs no resolver */
        memset(&ss, 0, sizeof(ss));
        n = pu.host.len;
        socklen = 0;

        if (n > 2 && pu.host.data[0] == '[' && n - 2 < sizeof(ip)) {
            memcpy(ip, pu.host.data + 1, n - 2);
            ip[n - 2] = '\0';
            sin6 = (struct sockaddr_in6 *) &ss;
            if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
                sin6->sin6_family = AF_INET6;
                sin6->sin6_port = htons(pu.port ? pu.port
                                                : (pu.ssl ? 443 : 80));
                socklen = sizeof(struct sockaddr_in6);
            }

        } else if (n < sizeof(ip)) {
            memcpy(ip, pu.host.data, n);
            ip[n] = '\0';
            sin = (struct sockaddr_in *) &ss;
            if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
                sin->sin_family = AF_INET;
                sin->sin_port = htons(pu.port ? pu.port
                                              : (pu.ssl ? 443 : 80));
                socklen = sizeof(struct sockaddr_in);
            }
        }

        if (socklen) {
            us = mx_upstream_create_single(r->pool, (struct sockaddr *) &ss,
                                           socklen, &pu.host_header);
            if (us == NULL) {
                return 500;
            }
        }
    }

    if (us == NULL) {
        /* a name: resolved once the body is read, as nginx does */
        cln = mx_pool_cleanup_add(r->pool, sizeof(mx_http_proxy_resolve_t));
        if (cln == NULL) {
            return 500;
        }

        pr = cln->data;
        memset(pr, 0, sizeof(mx_http_proxy_resolve_t));
        cln->handler = mx_http_proxy_resolve_cleanup;

        pr->r = r;
        pr->host = pu.host;
        pr->port = pu.port ? pu.port : (pu.ssl ? 443 : 80);
        pr->unix_socket = pu.unix_socket;

        u->resolve = mx_http_proxy_resolve;
    }

    u->conf->upstream = us;
    return MX_OK;
}


static mx_http_proxy_resolve_t *
mx_http_proxy_resolve_get(mx_http_request_t *r)
{
    mx_pool_cleanup_t  *cln;

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == mx_http_proxy_resolve_cleanup) {
            return cln->data;
        }
    }

    return NULL;
}


/* u->resolve: starts the lookup of the name proxy_pass evaluated to */
static int
mx_http_proxy_resolve(mx_http_request_t *r)
{
    mx_http_upstream_t       *u;
    mx_http_proxy_resolve_t  *pr;
    mx_http_core_loc_conf_t  *clcf;
    mx_resolver_ctx_t        *rctx;

    u = mx_http_upstream_get(r);
    pr = mx_http_proxy_resolve_get(r);

    if (u == NULL || pr == NULL) {
        return 500;
    }

    u->resolve = NULL;

    clcf = mx_http_get_module_loc_conf(r, mx_http_core_module);

    if (clcf->resolver == NULL || pr->unix_socket) {
        mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                     "no resolver defined to resolve %.*s",
                     MX_STR_ARG(pr->host));
        return 502;
    }

    rctx = mx_resolve_start(clcf->resolver, &pr->host,
                            clcf->resolver_timeout);
    if (rctx == NULL) {
        return 500;
    }

    rctx->handler = mx_http_proxy_resolve_handler;
    rctx->data = pr;

    if (mx_resolve_name(rctx) != MX_OK) {
        mx_resolve_name_done(rctx);
        return 500;
    }

    pr->rctx = rctx;

    if (!u->conf->ignore_client_abort && r->proto && r->proto->watch_client)
    {
        r->client_abort_handler = mx_http_proxy_resolve_abort;
        r->proto->watch_client(r);
    }

    return MX_AGAIN;
}


/* the answer, always from the event loop */
static void
mx_http_proxy_resolve_handler(mx_resolver_ctx_t *rctx)
{
    mx_http_proxy_resolve_t  *pr = rctx->data;
    mx_http_request_t        *r = pr->r;
    mx_http_upstream_t       *u;
    mx_upstream_srv_conf_t   *us;
    int                       rc;

    pr->rctx = NULL;

    if (r->client_abort_handler == mx_http_proxy_resolve_abort) {
        r->client_abort_handler = NULL;
    }

    u = mx_http_upstream_get(r);

    if (u == NULL || u->finished) {
        /* r was finalized meanwhile and waits for its output to go */
        mx_resolve_name_done(rctx);
        return;
    }

    if (rctx->state || rctx->naddrs == 0) {
        mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                     "%.*s could not be resolved (%d: %s)",
                     MX_STR_ARG(rctx->name), rctx->state,
                     mx_resolver_strerror(rctx->state));
        mx_resolve_name_done(rctx);
        mx_http_upstream_finalize_request(u, 502);
        return;
    }

    us = mx_upstream_create_resolved(r->pool, &pr->host, pr->port,
                                     rctx->addrs, rctx->naddrs);
    mx_resolve_name_done(rctx);

    if (us == NULL) {
        mx_http_upstream_finalize_request(u, 500);
        return;
    }

    u->conf->upstream = us;

    rc = mx_http_upstream_init(r);
    if (rc != MX_DONE) {
        mx_http_finalize_request(r, rc);
    }
}


/* the client went away while the name was being resolved */
static int
mx_http_proxy_resolve_abort(mx_http_request_t *r)
{
    mx_http_proxy_resolve_t  *pr;
    mx_http_upstream_t       *u;

    pr = mx_http_proxy_resolve_get(r);
    u = mx_http_upstream_get(r);

    if (pr == NULL || pr->rctx == NULL || u == NULL || u->finished) {
        return MX_OK;
    }

    mx_resolve_name_done(pr->rctx);
    pr->rctx = NULL;

    mx_http_upstream_finalize_request(u, MX_HTTP_CLIENT_CLOSED_REQUEST);

    return MX_OK;
}


/* r ends with the lookup still running */
static void
mx_http_proxy_resolve_cleanup(void *data)
{
    mx_http_proxy_resolve_t  *pr = data;

    if (pr->rctx) {
        mx_resolve_name_done(pr->rctx);
        pr->rctx = NULL;
    }
}


static int
mx_http_proxy_handler(mx_http_request_t *r)
{
    mx_http_proxy_loc_conf_t  *plcf = mx_http_proxy_conf(r);
    mx_http_upstream_t        *u;
    int                        rc;

    u = mx_http_upstream_create(r);
    if (u == NULL) {
        return 500;
    }

    u->conf = &plcf->upstream;

    if (plcf->ssl) {
        u->ssl = 1;
        u->ssl_host = plcf->host;
        mx_str_set(&u->schema, "https://");
    }

    if (plcf->url_cv) {
        rc = mx_http_proxy_eval(r, plcf, u);
        if (rc != MX_OK) {
            return rc;
        }
    }
    u->create_request = mx_http_proxy_create_request;
    u->process_header = mx_http_proxy_process_header;

    /* a chunked body goes on as it comes only to an HTTP/1.1 upstream */
    if (!plcf->upstream.request_buffering
        && (!r->headers_in.chunked
            || plcf->http_version == MX_HTTP_VERSION_11))
    {
        r->request_body_no_buffering = 1;
    }

    return mx_http_upstream_init(r);
}
