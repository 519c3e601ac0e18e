#include "mx_http.h"

/*
 * The protocol-independent life of a request: validation of what the
 * protocol parsed, server and location choice, the phase runner,
 * internal redirects and finalization.
 */

#define MX_HTTP_MAX_URI_CHANGES  10



mx_uint_t
mx_hash_key_lc(const u_char *data, size_t len)
{
    mx_uint_t  key = 0;

    while (len--) {
        key = key * 31 + mx_tolower(*data);
        data++;
    }

    return key ? key : 1;
}


static int mx_http_log_run(mx_http_request_t *r);


void
mx_http_set_error_log(mx_http_request_t *r)
{
    mx_http_core_loc_conf_t  *clcf;

    clcf = r->loc_conf[mx_http_core_module.ctx_index];

    if (clcf->error_log) {
        r->connection->log.file = clcf->error_log->file;
        r->connection->log.level = clcf->error_log->level;

    } else if (mx_cycle && mx_cycle->log) {
        /* a keep-alive connection's previous request may have moved it */
        r->connection->log.file = mx_cycle->log->file;
        r->connection->log.level = mx_cycle->log->level;
    }
}


mx_http_request_t *
mx_http_create_request(mx_connection_t *c, const mx_http_proto_t *proto,
    mx_http_port_t *port)
{
    mx_pool_t          *pool;
    mx_http_request_t  *r;

    pool = mx_pool_create(4096);
    if (pool == NULL) {
        return NULL;
    }

    r = mx_pcalloc(pool, sizeof(mx_http_request_t));
    if (r == NULL) {
        mx_pool_destroy(pool);
        return NULL;
    }

    r->pool = pool;
    r->connection = c;
    r->proto = proto;
    r->port = port;
    r->srv = port->default_server;
    r->srv_conf = r->srv->ctx_srv_conf;
    r->loc_conf = r->srv->ctx_loc_conf;
    r->main_conf = r->srv->ctx_main_conf;
    mx_http_set_error_log(r);

    r->ctx = mx_pcalloc(pool, sizeof(void *) * mx_http_max_module);
    if (r->ctx == NULL) {
        mx_pool_destroy(pool);
        return NULL;
    }

    if (mx_array_init(&r->headers_in.headers, pool, 16,
                      sizeof(mx_table_elt_t)) != MX_OK
        || mx_array_init(&r->headers_out.headers, pool, 8,
                         sizeof(mx_table_elt_t)) != MX_OK)
    {
        mx_pool_destroy(pool);
        return NULL;
    }

    r->headers_in.content_length_n = -1;
    r->headers_out.content_length_n = -1;
    r->headers_out.last_modified_time = -1;
    r->start_sec = mx_cached_time->sec;
    r->start_msec = mx_cached_time->msec;
    r->method = MX_HTTP_UNKNOWN;
    r->phase = MX_HTTP_POST_READ_PHASE;
    mx_str_set(&r->schema, "http");

    c->requests++;

    return r;
}


void
mx_http_free_request(mx_http_request_t *r)
{
    mx_pool_destroy(r->pool);
}


mx_table_elt_t *
mx_http_find_header_in(mx_http_request_t *r, const u_char *lowcase,
    size_t len)
{
    mx_table_elt_t  *h;
    mx_uint_t        i;

    h = r->headers_in.headers.elts;
    for (i = 0; i < r->headers_in.headers.nelts; i++) {
        if (h[i].hash && h[i].key.len == len
            && mx_strcasecmp_n(h[i].key.data, lowcase, len) == 0)
        {
            return &h[i];
        }
    }

    return NULL;
}


mx_table_elt_t *
mx_http_add_header_out(mx_http_request_t *r, const u_char *key, size_t klen,
    const u_char *val, size_t vlen)
{
    mx_table_elt_t  *h;

    h = mx_array_push(&r->headers_out.headers);
    if (h == NULL) {
        return NULL;
    }

    h->key.data = (u_char *) key;
    h->key.len = klen;
    h->value.data = (u_char *) val;
    h->value.len = vlen;
    h->lowcase_key = NULL;
    h->hash = mx_hash_key_lc(key, klen);

    return h;
}


/* picks the server block by the Host name, as nginx: exact, *.wildcard,
 * wildcard.*, then regexes, else the default server of the port */
static mx_http_core_srv_conf_t *
mx_http_find_server(mx_http_request_t *r, mx_http_port_t *port,
    const mx_str_t *host)
{
    mx_http_core_srv_conf_t  **servers, *head = NULL, *tail = NULL;
    mx_http_server_name_t     *sn;
    mx_uint_t                  i, j;
    size_t                     head_len = 0, tail_len = 0;

    servers = port->servers.elts;

    if (host->len == 0) {
        return port->default_server;
    }

    for (i = 0; i < port->servers.nelts; i++) {
        sn = servers[i]->server_names.elts;

        for (j = 0; j < servers[i]->server_names.nelts; j++) {
            if (sn[j].regex) {
                continue;
            }

            if (sn[j].wildcard_head || sn[j].leading_dot) {
                size_t  off = sn[j].wildcard_head ? 1 : 0;
                size_t  n = sn[j].name.len - off;

                /* ".example.com" also matches "example.com" itself */
                if (sn[j].leading_dot && host->len == n - 1
                    && memcmp(host->data, sn[j].name.data + 1, n - 1) == 0)
                {
                    if (n > head_len) {
                        head = servers[i];
                        head_len = n;
                    }
                    continue;
                }

                if (host->len > n
                    && memcmp(host->data + host->len - n,
                              sn[j].name.data + off, n) == 0
                    && n > head_len)
                {
                    head = servers[i];
                    head_len = n;
                }

                continue;
            }

            if (sn[j].wildcard_tail) {
                size_t  n = sn[j].name.len - 1;

                if (host->len > n
                    && memcmp(host->data, sn[j].name.data, n) == 0
                    && n > tail_len)
                {
                    tail = servers[i];
                    tail_len = n;
                }

                continue;
            }

            if (sn[j].name.len == host->len
                && memcmp(sn[j].name.data, host->data, host->len) == 0)
            {
                return servers[i];
            }
        }
    }

    if (head) {
        return head;
    }

    if (tail) {
        return tail;
    }

    for (i = 0; i < port->servers.nelts; i++) {
        sn = servers[i]->server_names.elts;

        for (j = 0; j < servers[i]->server_names.nelts; j++) {
            if (sn[j].regex
                && mx_http_regex_exec(r, sn[j].regex, host) == MX_OK)
            {
                return servers[i];
            }
        }
    }

    return port->default_server;
}


/* validates and lowercases the Host header value into headers_in.server */
static int
mx_http_validate_host(mx_http_request_t *r, mx_str_t *host)
{
    u_char   *h, ch;
    size_t    i, dot_pos, host_len;
    int       state;

    h = host->data;
    dot_pos = host->len;
    host_len = host->len;
    state = 0;   /* 0: usual, 1: in [ipv6] */

    for (i = 0; i < host->len; i++) {
        ch = h[i];

        switch (ch) {

        case '.':
            if (dot_pos == i - 1) {
                return MX_DECLINED;
            }
            dot_pos = i;
            break;

        case ':':
            if (state == 0) {
                host_len = i;
            }
            break;

        case '[':
            if (i == 0) {
                state = 1;
            }
            break;

        case ']':
            if (state == 1) {
                state = 0;
            }
            break;

        case '\0':
            return MX_DECLINED;

        default:
            if (ch == '/' || ch == '\\') {
                return MX_DECLINED;
            }
            break;
        }
    }

    if (dot_pos == host_len - 1) {
        host_len--;
    }

    if (host_len == 0) {
        return MX_DECLINED;
    }

    r->headers_in.server.data = mx_pnalloc(r->pool, host_len);
    if (r->headers_in.server.data == NULL) {
        return MX_ERROR;
    }

    mx_strlow(r->headers_in.server.data, h, host_len);
    r->headers_in.server.len = host_len;

    return MX_OK;
}


void
mx_http_process_request(mx_http_request_t *r)
{
    mx_http_headers_in_t  *hin = &r->headers_in;
    mx_connection_t       *c = r->connection;
    int                    rc;

    r->phase = MX_HTTP_SERVER_REWRITE_PHASE;

    if (hin->server.len || hin->host) {
        /* a host in the request line wins over the Host header */
        rc = mx_http_validate_host(r, hin->server.len ? &hin->server
                                                      : &hin->host->value);
        if (rc == MX_ERROR) {
            mx_http_finalize_request(r, MX_ERROR);
            return;
        }

        if (rc == MX_DECLINED) {
            mx_log_error(MX_LOG_INFO, &c->log, 0,
                         "client sent invalid host header");
            mx_http_finalize_request(r, 400);
            return;
        }

        r->srv = mx_http_find_server(r, r->port, &hin->server);

    } else if (r->http_version == MX_HTTP_VERSION_11) {
        mx_log_error(MX_LOG_INFO, &c->log, 0,
                     "client sent HTTP/1.1 request without \"Host\" header");
        mx_http_finalize_request(r, 400);
        return;
    }

    r->srv_conf = r->srv->ctx_srv_conf;
    r->loc_conf = r->srv->ctx_loc_conf;
    mx_http_set_error_log(r);

    mx_http_core_run_phases(r);
}


int
mx_http_internal_redirect(mx_http_request_t *r, const mx_str_t *uri,
    const mx_str_t *args)
{
    mx_http_core_loc_conf_t  *clcf;

    if (++r->uri_changes > MX_HTTP_MAX_URI_CHANGES) {
        mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                     "rewrite or internal redirection cycle "
                     "while internally redirecting to \"%.*s\"",
                     MX_STR_ARG(*uri));
        mx_http_finalize_request(r, 500);
        return MX_DONE;
    }

    /* an internal redirect starts the module contexts afresh */
    memset(r->ctx, 0, sizeof(void *) * mx_http_max_module);
    r->internal = 1;
    r->valid_location = 0;

    if (uri->len && uri->data[0] == '@') {
        clcf = mx_http_find_named_location(r, uri);
        if (clcf == NULL) {
            mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                         "could not find named location \"%.*s\"",
                         MX_STR_ARG(*uri));
            mx_http_finalize_request(r, 500);
            return MX_DONE;
        }

        r->loc_conf = clcf->loc_conf;
        mx_http_set_error_log(r);
        r->phase = MX_HTTP_REWRITE_PHASE;
        r->phase_handler = -1;
        mx_http_core_run_phases(r);
        return MX_DONE;
    }

    r->uri = *uri;
    if (args) {
        r->args = *args;
    } else {
        mx_str_null(&r->args);
    }

    {
        /* the extension, for the MIME type */
        size_t  i;

        mx_str_null(&r->exten);
        for (i = r->uri.len; i > 0; i--) {
            if (r->uri.data[i - 1] == '.') {
                r->exten.data = &r->uri.data[i];
                r->exten.len = r->uri.len - i;
                break;
            }
            if (r->uri.data[i - 1] == '/') {
                break;
            }
        }
    }

    r->phase = MX_HTTP_SERVER_REWRITE_PHASE;
    r->phase_handler = -1;
    mx_http_core_run_phases(r);

    return MX_DONE;
}


void
mx_http_core_run_phases(mx_http_request_t *r)
{
    mx_http_core_main_conf_t  *cmcf;
    mx_http_core_loc_conf_t   *clcf;
    mx_http_handler_pt        *h;
    mx_array_t                *handlers;
    int                        rc;

    cmcf = r->main_conf[mx_http_core_module.ctx_index];

    while (r->phase < MX_HTTP_LOG_PHASE) {

        switch (r->phase) {

        case MX_HTTP_SERVER_REWRITE_PHASE:
            if (r->phase_handler < 0) {
                /* an internal redirect starts at the server's level */
                r->loc_conf = r->srv->ctx_loc_conf;
                mx_http_set_error_log(r);
            }
            break;

        case MX_HTTP_FIND_CONFIG_PHASE:
            if (mx_http_find_location(r) != MX_OK) {
                rc = 500;
                goto finalize;
            }

            clcf = r->loc_conf[mx_http_core_module.ctx_index];

            if (clcf->internal && !r->internal) {
                rc = 404;
                goto finalize;
            }

            if (r->headers_in.content_length_n > 0
                && clcf->client_max_body_size
                && r->headers_in.content_length_n
                   > clcf->client_max_body_size)
            {
                mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                             "client intended to send too large body: "
                             "%lld bytes",
                             (long long) r->headers_in.content_length_n);
                r->keepalive = 0;
                r->lingering_close = 1;
                r->expect_tested = 1;    /* no "100 Continue" for it */
                rc = 413;
                goto finalize;
            }

            r->phase++;
            r->phase_handler = 0;
            continue;

        case MX_HTTP_POST_REWRITE_PHASE:
            if (r->uri_changed) {
                /* "rewrite" changed the URI: find the location again */
                r->uri_changed = 0;

                if (++r->uri_changes > MX_HTTP_MAX_URI_CHANGES) {
                    mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                                 "rewrite or internal redirection cycle "
                                 "while processing \"%.*s\"",
                                 MX_STR_ARG(r->uri));
                    rc = 500;
                    goto finalize;
                }

                r->phase = MX_HTTP_FIND_CONFIG_PHASE;
                r->phase_handler = 0;
                continue;
            }

            r->phase++;
            r->phase_handler = 0;
            continue;

        case MX_HTTP_CONTENT_PHASE:
            clcf = r->loc_conf[mx_http_core_module.ctx_index];
            if (clcf->handler) {
                r->content_handler = clcf->handler;
                r->phase = MX_HTTP_LOG_PHASE;
                rc = clcf->handler(r);
                if (rc == MX_DONE) {
                    return;
                }
                goto finalize;
            }
            break;

        default:
            break;
        }

        if (r->phase_handler < 0) {
            r->phase_handler = 0;
        }

        handlers = &cmcf->phases[r->phase].handlers;

        if ((mx_uint_t) r->phase_handler >= handlers->nelts) {
            if (r->phase == MX_HTTP_CONTENT_PHASE) {
                /* nobody produced a response */
                r->phase = MX_HTTP_LOG_PHASE;
                rc = 404;
                goto finalize;
            }

            r->phase++;
            r->phase_handler = 0;
            continue;
        }

        h = handlers->elts;
        rc = h[r->phase_handler](r);

        if (rc == MX_DECLINED) {
            r->phase_handler++;
            continue;
        }

        if (rc == MX_OK && r->phase != MX_HTTP_CONTENT_PHASE) {
            r->phase++;
            r->phase_handler = 0;
            continue;
        }

        if (rc == MX_DONE) {
            return;
        }

        if (r->phase == MX_HTTP_CONTENT_PHASE) {
            r->phase = MX_HTTP_LOG_PHASE;
        }

        goto finalize;
    }

    return;

finalize:

    mx_http_finalize_request(r, rc);
}


int
mx_http_log_request(mx_http_request_t *r)
{
    if (r->logged) {
        return r->log_pending ? MX_AGAIN : MX_OK;
    }

    r->logged = 1;
    r->log_index = 0;

    /* log lines written while logging say so, as nginx's */
    r->connection->log.action = "logging request";

    return mx_http_log_run(r);
}


static int
mx_http_log_run(mx_http_request_t *r)
{
    int                        rc;
    mx_http_handler_pt        *h;
    mx_http_core_main_conf_t  *cmcf;

    cmcf = r->main_conf[mx_http_core_module.ctx_index];
    h = cmcf->phases[MX_HTTP_LOG_PHASE].handlers.elts;

    while (r->log_index < cmcf->phases[MX_HTTP_LOG_PHASE].handlers.nelts) {
        rc = h[r->log_index++](r);

        if (rc == MX_AGAIN) {
            r->log_pending = 1;
            return MX_AGAIN;
        }
    }

    r->log_pending = 0;

    return MX_OK;
}


void
mx_http_log_resume(mx_http_request_t *r)
{
    if (!r->log_pending) {
        return;
    }

    r->connection->log.action = "logging request";

    if (mx_http_log_run(r) == MX_AGAIN) {
        return;
    }

    if (r->detached) {
        mx_busy_tasks--;
        mx_http_free_request(r);
    }
}


void *
mx_http_request_detach(mx_http_request_t *r, size_t size)
{
    u_char           *p;
    void             *data;
    mx_connection_t  *c, *fake;

    c = r->connection;

    fake = mx_palloc(r->pool, sizeof(mx_connection_t) + size
                              + c->addr_text.len);
    if (fake == NULL) {
        mx_http_free_request(r);
        return NULL;
    }

    /* the identity and the log of the client connection, no socket */
    memset(fake, 0, sizeof(mx_connection_t));
    fake->fd = -1;
    fake->log = c->log;
    fake->listening = c->listening;
    fake->sockaddr = c->sockaddr;
    fake->socklen = c->socklen;
    fake->local_sockaddr = c->local_sockaddr;
    fake->local_socklen = c->local_socklen;
    fake->number = c->number;
    fake->requests = c->requests;

    data = (u_char *) fake + sizeof(mx_connection_t);
    memcpy(data, c->data, size);
    fake->data = data;
    fake->log.data = data;

    p = (u_char *) data + size;
    memcpy(p, c->addr_text.data, c->addr_text.len);
    fake->addr_text.data = p;
    fake->addr_text.len = c->addr_text.len;

    r->connection = fake;
    r->detached = 1;
    mx_busy_tasks++;

    return data;
}


void
mx_http_finalize_request(mx_http_request_t *r, int rc)
{
    if (rc == MX_DONE) {
        /* someone else will finalize, once the work is done */
        return;
    }

    if (r->filter_finalize_status) {
        /* whatever the handler came to: the error page a header filter
         * asked for, the response the handler made never went out */
        rc = (int) r->filter_finalize_status;
        r->filter_finalize_status = 0;

        r->headers_out.headers.nelts = 0;
        r->headers_out.status = 0;
        r->headers_out.status_line.len = 0;
        r->headers_out.content_type.len = 0;
        r->headers_out.content_type.data = NULL;
        r->headers_out.content_type_set = 0;
        r->headers_out.content_length_n = -1;
        r->headers_out.location = NULL;
        r->headers_out.last_modified_time = -1;
        r->header_only = 0;
        r->header_sent = 0;
        r->last_sent = 0;
        r->out = NULL;
    }

    if (rc == MX_DECLINED) {
        rc = MX_OK;
    }

    if (rc == MX_ERROR || rc == MX_HTTP_CLOSE
        || rc == MX_HTTP_CLIENT_CLOSED_REQUEST || rc == 408)
    {
        if (r->headers_out.status == 0 && rc != MX_ERROR) {
            r->headers_out.status = (mx_uint_t) rc;
        }

        if (rc == MX_ERROR && !r->header_sent
            && r->headers_out.status == 0)
        {
            r->headers_out.status = 500;
        }

        r->keepalive = 0;
        r->proto->finalize(r, MX_ERROR);
        return;
    }

    if (rc >= 300) {
        if (r->header_sent) {
            /* too late for an error page: cut the response */
            r->keepalive = 0;
            r->proto->finalize(r, MX_ERROR);
            return;
        }

        rc = mx_http_special_response_handler(r, (mx_uint_t) rc);
        if (rc == MX_DONE) {
            return;
        }

        if (rc == MX_ERROR) {
            r->keepalive = 0;
            r->proto->finalize(r, MX_ERROR);
            return;
        }
    }

    if (rc >= 200 && rc < 300 && !r->header_sent) {
        if (rc == 201 || rc == 204) {
            /* nginx sends these with an empty body */
            r->headers_out.status = (mx_uint_t) rc;
            r->headers_out.content_length_n = 0;
            r->header_only = r->header_only || rc == 204;

        } else if (r->headers_out.status == 0) {
            r->headers_out.status = (mx_uint_t) rc;
        }
    }

    /* a complete response: make sure the last buffer went out */
    if (!r->last_sent) {
        if (!r->header_sent) {
            if (r->headers_out.status == 0) {
                r->headers_out.status = 200;
            }
            if (r->headers_out.content_length_n == -1) {
                r->headers_out.content_length_n = 0;
            }
            if (mx_http_send_header(r) == MX_ERROR) {
                r->keepalive = 0;
                r->proto->finalize(r, MX_ERROR);
                return;
            }
        }

        if (mx_http_send_data(r, NULL, 0, 1) == MX_ERROR) {
            r->keepalive = 0;
            r->proto->finalize(r, MX_ERROR);
            return;
        }
    }

    r->proto->finalize(r, MX_OK);
}
