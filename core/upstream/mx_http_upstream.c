#include "mx_http_upstream.h"
#include "mx_event_connect.h"

#include <sys/un.h>
#include <arpa/inet.h>
#include <openssl/x509v3.h>

/*
 * One request's way through an upstream group: connect, send, read the
 * header, then stream the body. The body goes through one buffer: read
 * (chunked encoding decoded in place), handed to the client, and when the
 * client cannot take it at once (MX_AGAIN) reading from the upstream
 * stops until r->write_event_handler says the output drained, so memory
 * stays flat whatever the size of the response.
 */

static void mx_http_upstream_start(mx_http_request_t *r);
static int mx_http_upstream_client_abort(mx_http_request_t *r);
static int mx_http_upstream_body_read(mx_http_request_t *r);
static void mx_http_upstream_connect(mx_http_upstream_t *u);
static void mx_http_upstream_send_handler(mx_connection_t *c);
static void mx_http_upstream_ssl_init(mx_http_upstream_t *u);
static void mx_http_upstream_ssl_handshake_handler(mx_connection_t *c);
static void mx_http_upstream_ssl_handshake(mx_http_upstream_t *u);
static int mx_http_upstream_ssl_save_session(mx_ssl_conn_t *sc,
    SSL_SESSION *sess);
static void mx_http_upstream_close_peer(mx_http_upstream_t *u);
static void mx_http_upstream_send_request(mx_http_upstream_t *u);
static void mx_http_upstream_watch_answer(mx_http_upstream_t *u);
static void mx_http_upstream_header_handler(mx_connection_t *c);
static void mx_http_upstream_process_response(mx_http_upstream_t *u);
static void mx_http_upstream_body_handler(mx_connection_t *c);
static void mx_http_upstream_process_body(mx_http_upstream_t *u);
static int mx_http_upstream_write_event(mx_http_request_t *r);
static void mx_http_upstream_next(mx_http_upstream_t *u, mx_uint_t ft);
static void mx_http_upstream_finalize(mx_http_upstream_t *u, int rc);
static void mx_http_upstream_cleanup(void *data);
static u_char *mx_http_upstream_log_handler(mx_log_t *log, u_char *buf,
    size_t len);



/* ------------------------------------------------------- creation */

mx_http_upstream_t *
mx_http_upstream_create(mx_http_request_t *r)
{
    mx_http_upstream_t  *u;
    mx_pool_cleanup_t   *cln;

    cln = mx_pool_cleanup_add(r->pool, sizeof(mx_http_upstream_t));
    if (cln == NULL) {
        return NULL;
    }

    u = cln->data;
    memset(u, 0, sizeof(mx_http_upstream_t));
    cln->handler = mx_http_upstream_cleanup;

    u->r = r;
    u->content_length_n = -1;
    mx_str_set(&u->schema, "http://");

    u->log = r->connection->log;
    u->client_handler = u->log.handler;
    u->client_data = u->log.data;
    u->log.handler = mx_http_upstream_log_handler;
    u->log.data = u;

    if (mx_array_init(&u->states, r->pool, 2,
                      sizeof(mx_http_upstream_state_t)) != MX_OK
        || mx_array_init(&u->headers_in, r->pool, 16,
                         sizeof(mx_table_elt_t)) != MX_OK)
    {
        return NULL;
    }

    mx_http_set_ctx(r, u, mx_http_upstream_module);

    return u;
}


mx_http_upstream_t *
mx_http_upstream_get(mx_http_request_t *r)
{
    mx_http_upstream_t  *u;
    mx_pool_cleanup_t   *cln;

    u = mx_http_get_module_ctx(r, mx_http_upstream_module);
    if (u) {
        return u;
    }

    /* an internal redirect (error_page) cleared the module contexts */
    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == mx_http_upstream_cleanup) {
            return cln->data;
        }
    }

    return NULL;
}


static void
mx_http_upstream_set_action(mx_http_upstream_t *u, const char *action)
{
    u->log.action = action;
    u->r->connection->log.action = action;

    if (u->peer_c) {
        u->peer_c->log.action = action;
    }
}


int
mx_http_upstream_init(mx_http_request_t *r)
{
    mx_http_upstream_t  *u;
    int                  rc;

    u = mx_http_upstream_get(r);

    if (u->body_started) {
        /* again, after the upstream's name was resolved */
        mx_http_upstream_start(r);
        return MX_DONE;
    }

    if (u->conf->pass_request_body
        && (r->headers_in.content_length_n > 0 || r->headers_in.chunked)
        && !r->discard_body
        && (r->request_body == NULL || !r->request_body->discard))
    {
        /* the module set r->request_body_no_buffering when it may */
        u->body_unbuffered = r->request_body_no_buffering
                             && r->request_body == NULL;
        r->request_body_no_buffering = u->body_unbuffered;

        rc = mx_http_read_client_body(r, mx_http_upstream_body_read);
        if (rc == MX_OK || rc == MX_AGAIN) {
            return MX_DONE;
        }

        return rc;
    }

    r->request_body_no_buffering = 0;

    rc = mx_http_discard_request_body(r);
    if (rc != MX_OK) {
        return rc;
    }

    mx_http_upstream_start(r);
    return MX_DONE;
}


/*
 * The body is read (buffered), or, unbuffered, the first time: pieces
 * may be there; later calls say more came or the body ended.
 */
static int
mx_http_upstream_body_read(mx_http_request_t *r)
{
    mx_http_upstream_t  *u;

    u = mx_http_upstream_get(r);

    if (u == NULL || u->finished) {
        return MX_DONE;
    }

    if (!u->body_started) {
        u->body_started = 1;
        mx_http_upstream_start(r);
        return MX_DONE;
    }

    if (u->body_waiting && !u->body_abandoned) {
        u->body_waiting = 0;
        mx_http_upstream_send_request(u);
    }

    /* otherwise the pieces go once what is being sent is out */
    return MX_DONE;
}


/*
 * The unbuffered body's pieces now in rb->bufs as the pieces to send
 * (after the request head for a new try), framed as one chunk when the
 * length is not known, with the last chunk once the body is complete.
 */
static int
mx_http_upstream_body_out(mx_http_upstream_t *u, int head)
{
    mx_http_request_t       *r = u->r;
    mx_http_request_body_t  *rb = r->request_body;
    mx_http_upstream_out_t  *o;
    mx_chain_t              *cl;
    mx_uint_t                n;
    size_t                   size;
    u_char                  *p;

    n = 4;
    size = 0;
    for (cl = rb->bufs; cl; cl = cl->next) {
        size += cl->buf->last - cl->buf->pos;
        n++;
    }

    if (n > u->out_alloc) {
        n = mx_max(n, 2 * u->out_alloc);
        o = mx_palloc(r->pool, n * sizeof(mx_http_upstream_out_t));
        if (o == NULL) {
            return MX_ERROR;
        }
        u->out = o;
        u->out_alloc = n;
    }

    o = u->out;
    n = 0;

    if (head) {
        o[n].data = u->request_head.data;
        o[n].len = u->request_head.len;
        o[n++].fd = -1;
    }

    if (u->body_chunked && size) {
        p = mx_sprint_hex(u->chunk_head, size);
        *p++ = '\r';
        *p++ = '\n';
        o[n].data = u->chunk_head;
        o[n].len = p - u->chunk_head;
        o[n++].fd = -1;
    }

    for (cl = rb->bufs; cl; cl = cl->next) {
        o[n].data = cl->buf->pos;
        o[n].len = cl->buf->last - cl->buf->pos;
        o[n++].fd = -1;
    }

    if (u->body_chunked && size) {
        o[n].data = (u_char *) "\r\n";
        o[n].len = 2;
        o[n++].fd = -1;
    }

    if (u->body_chunked && rb->done) {
        o[n].data = (u_char *) "0\r\n\r\n";
        o[n].len = 5;
        o[n++].fd = -1;
    }

    u->nout = n;
    u->out_idx = 0;
    u->out_off = 0;
    u->body_in_out = rb->bufs != NULL;
    u->body_all_out = rb->done;

    return MX_OK;
}


/*
 * Unbuffered: what was in out is written. MX_OK: out has more; MX_AGAIN:
 * waiting for the client; MX_DONE: the whole request is sent; or an HTTP
 * status from reading the body.
 */
static int
mx_http_upstream_body_next(mx_http_upstream_t *u)
{
    mx_http_request_body_t  *rb = u->r->request_body;
    int                      rc;

    for ( ;; ) {
        if (u->body_all_out) {
            return MX_DONE;
        }

        if (rb->bufs == NULL || u->body_in_out) {
            if (u->body_in_out) {
                u->body_consumed = 1;
                u->body_in_out = 0;
            }

            rc = mx_http_read_unbuffered_request_body(u->r);
            if (rc != MX_OK) {
                return rc;
            }
        }

        if (mx_http_upstream_body_out(u, 0) != MX_OK) {
            return 500;
        }

        if (u->nout) {
            return MX_OK;
        }
    }
}


/* builds the pieces to send: the request head, then the body */
static int
mx_http_upstream_build_out(mx_http_upstream_t *u)
{
    mx_http_request_t       *r = u->r;
    mx_http_request_body_t  *rb = r->request_body;
    mx_chain_t              *cl;
    mx_uint_t                n;

    n = 1;

    if (u->conf->pass_request_body && rb && !rb->discard) {
        if (rb->temp_fd != -1) {
            n++;
        } else {
            for (cl = rb->bufs; cl; cl = cl->next) {
                n++;
            }
        }
    }

    u->out = mx_pcalloc(r->pool, n * sizeof(mx_http_upstream_out_t));
    if (u->out == NULL) {
        return MX_ERROR;
    }

    u->out[0].data = u->request_head.data;
    u->out[0].len = u->request_head.len;
    u->out[0].fd = -1;
    u->nout = 1;

    if (n == 1) {
        return MX_OK;
    }

    if (rb->temp_fd != -1) {
        u->out[1].fd = rb->temp_fd;
        u->out[1].offset = 0;
        u->out[1].len = (size_t) rb->received;
        u->nout = 2;
        return MX_OK;
    }

    for (cl = rb->bufs; cl; cl = cl->next) {
        if (cl->buf->last == cl->buf->pos) {
            continue;
        }

        u->out[u->nout].data = cl->buf->pos;
        u->out[u->nout].len = cl->buf->last - cl->buf->pos;
        u->out[u->nout].fd = -1;
        u->nout++;
    }

    return MX_OK;
}


static void
mx_http_upstream_start(mx_http_request_t *r)
{
    mx_http_upstream_t  *u;
    mx_http_upstream_conf_t  *conf;
    int                  rc;

    u = mx_http_upstream_get(r);
    conf = u->conf;

    if (u->resolve) {
        rc = u->resolve(r);
        if (rc == MX_AGAIN) {
            return;
        }

        if (rc != MX_OK) {
            mx_http_finalize_request(r, rc);
            return;
        }
    }

    /* the length is not known yet: the body goes chunked */
    u->body_chunked = u->body_unbuffered && r->headers_in.chunked
                      && !r->request_body->done;

    if (u->create_request(r) != MX_OK
        || (!u->body_unbuffered && mx_http_upstream_build_out(u) != MX_OK)
        || mx_upstream_init_peer(r, conf->upstream, &u->rrp) != MX_OK)
    {
        mx_http_finalize_request(r, 500);
        return;
    }

    if (conf->next_upstream_tries
        && u->rrp.tries > conf->next_upstream_tries)
    {
        u->rrp.tries = conf->next_upstream_tries;
    }

    u->hsize = conf->buffer_size;
    u->hbuf = mx_pnalloc(r->pool, u->hsize);
    if (u->hbuf == NULL) {
        mx_http_finalize_request(r, 500);
        return;
    }

    u->peer_start_time = mx_current_msec;

    if (!conf->ignore_client_abort && r->proto && r->proto->watch_client) {
        /* a client that goes away ends the upstream's work too */
        r->client_abort_handler = mx_http_upstream_client_abort;
        r->proto->watch_client(r);
    }

    mx_http_upstream_connect(u);
}


static int
mx_http_upstream_client_abort(mx_http_request_t *r)
{
    mx_http_upstream_t  *u;

    u = mx_http_upstream_get(r);

    if (u == NULL || u->finished) {
        return MX_OK;
    }

    mx_log_error(MX_LOG_INFO, &r->connection->log, 0,
                 "client prematurely closed connection, so upstream "
                 "connection is closed too");

    mx_http_upstream_finalize(u, MX_HTTP_CLIENT_CLOSED_REQUEST);

    return MX_OK;
}


/* ------------------------------------------------------- connect */

static void
mx_http_upstream_reset(mx_http_upstream_t *u)
{
    mx_http_upstream_parse_init(u);

    u->out_idx = 0;
    u->out_off = 0;

    u->connecting = 0;
    u->request_sent = 0;
    u->request_done = 0;
    u->body_waiting = 0;
    u->cached = 0;
}


static void
mx_http_upstream_connect(mx_http_upstream_t *u)
{
    mx_http_request_t         *r = u->r;
    mx_http_upstream_state_t  *state;
    mx_upstream_rr_peer_t     *peer;
    mx_connection_t           *c;
    int                        rc;

    state = mx_array_push(&u->states);
    if (state == NULL) {
        mx_http_upstream_finalize(u, 500);
        return;
    }

    memset(state, 0, sizeof(mx_http_upstream_state_t));
    state->start = mx_current_msec;
    state->connect_time = -1;
    state->header_time = -1;
    state->response_time = -1;
    u->state = state;

    mx_http_upstream_reset(u);
    mx_http_upstream_set_action(u, "connecting to upstream");

    if (u->body_unbuffered && mx_http_upstream_body_out(u, 1) != MX_OK) {
        mx_http_upstream_finalize(u, 500);
        return;
    }

    rc = mx_upstream_get_peer(&u->rrp);

    if (rc == MX_ERROR) {
        mx_http_upstream_finalize(u, 500);
        return;
    }

    if (rc == MX_BUSY) {
        state->peer = u->rrp.name;
        mx_log_error(MX_LOG_ERR, &u->log, 0, "no live upstreams");
        mx_http_upstream_next(u, MX_UPSTREAM_FT_NOLIVE);
        return;
    }

    peer = u->rrp.current;
    state->peer = &peer->name;

    c = mx_upstream_keepalive_get(u->conf->upstream,
                                  (struct sockaddr *) &peer->sockaddr,
                                  peer->socklen, u->ssl);
    if (c) {
        u->cached = 1;
        u->peer_c = c;
        u->peer_ssl = u->ssl ? mx_ssl_conn_get(c) : NULL;
        c->log = u->log;
        c->data = u;
        c->requests++;
        state->connect_time = 0;
        mx_http_upstream_send_request(u);
        return;
    }

    rc = mx_event_connect_peer((struct sockaddr *) &peer->sockaddr,
                               peer->socklen, &peer->name, &u->log,
                               r->connection, &c);

    if (rc == MX_ERROR) {
        mx_http_upstream_next(u, MX_UPSTREAM_FT_ERROR);
        return;
    }

    if (rc == MX_BUSY) {
        mx_http_upstream_finalize(u, 500);
        return;
    }

    u->peer_c = c;
    u->peer_ssl = NULL;
    c->data = u;
    c->requests = 1;
    c->read_handler = NULL;
    c->write_handler = mx_http_upstream_send_handler;

    if (rc == MX_AGAIN) {
        u->connecting = 1;
        mx_conn_write_timer(c, u->conf->connect_timeout);
        mx_conn_want_write(c, 1);
        return;
    }

    state->connect_time = mx_current_msec - state->start;

    if (u->ssl) {
        mx_http_upstream_ssl_init(u);
        return;
    }

    mx_http_upstream_send_request(u);
}


/* ------------------------------------------------------- TLS */

/*
 * The name for SNI and for the certificate check, once per request:
 * proxy_ssl_name or the proxy_pass host, without a port (nginx strips
 * one, as $proxy_host or $http_host may carry it).
 */
static int
mx_http_upstream_ssl_name(mx_http_upstream_t *u)
{
    mx_str_t   name;
    u_char    *p, *last;

    if (u->ssl_name_set) {
        return MX_OK;
    }

    if (u->conf->ssl_name) {
        if (mx_http_complex_value(u->r, u->conf->ssl_name, &name) != MX_OK) {
            return MX_ERROR;
        }

    } else {
        name = u->ssl_host;
    }

    if (name.len) {
        p = name.data;
        last = name.data + name.len;

        if (*p == '[') {
            p = memchr(p, ']', last - p);
            if (p == NULL) {
                p = name.data;
            }
        }

        p = memchr(p, ':', last - p);
        if (p) {
            name.len = p - name.data;
        }
    }

    /* NUL-terminated for OpenSSL */
    p = mx_pnalloc(u->r->pool, name.len + 1);
    if (p == NULL) {
        return MX_ERROR;
    }

    memcpy(p, name.data, name.len);
    p[name.len] = '\0';

    u->ssl_name.data = p;
    u->ssl_name.len = name.len;
    u->ssl_name_set = 1;

    return MX_OK;
}


/* RFC 6066 has no server name for an address */
static int
mx_http_upstream_ssl_sni(mx_http_upstream_t *u)
{
    struct in_addr  in;

    if (!u->conf->ssl_server_name || u->ssl_name.len == 0
        || u->ssl_name.data[0] == '[')
    {
        return 0;
    }

    return inet_pton(AF_INET, (char *) u->ssl_name.data, &in) != 1;
}


/* the connection is up: TLS before the request, within connect_timeout */
static void
mx_http_upstream_ssl_init(mx_http_upstream_t *u)
{
    mx_connection_t        *c = u->peer_c;
    mx_upstream_rr_peer_t  *peer = u->rrp.current;
    SSL_SESSION            *sess;
    int                     reuse;

    mx_http_upstream_set_action(u, "SSL handshaking to upstream");

    if (mx_http_upstream_ssl_name(u) != MX_OK) {
        mx_http_upstream_finalize(u, 500);
        return;
    }

    /* only peers of the configuration outlive the request */
    reuse = u->conf->ssl_session_reuse && peer && peer->config;
    sess = reuse ? peer->ssl_session : NULL;

    u->peer_ssl = mx_ssl_conn_create(c, u->conf->ssl_ctx,
                                     mx_http_upstream_ssl_sni(u)
                                     ? (char *) u->ssl_name.data : NULL,
                                     sess);
    if (u->peer_ssl == NULL) {
        mx_http_upstream_finalize(u, 500);
        return;
    }

    if (reuse) {
        u->peer_ssl->save_session = mx_http_upstream_ssl_save_session;
        u->peer_ssl->data = peer;
    }

    c->read_handler = mx_http_upstream_ssl_handshake_handler;
    c->write_handler = mx_http_upstream_ssl_handshake_handler;

    if (!ev_is_active(&c->write_timer)) {
        mx_conn_write_timer(c, u->conf->connect_timeout);
    }

    mx_http_upstream_ssl_handshake(u);
}


static void
mx_http_upstream_ssl_handshake_handler(mx_connection_t *c)
{
    mx_http_upstream_t  *u = c->data;

    if (c->write_timedout || c->read_timedout) {
        c->write_timedout = 0;
        c->read_timedout = 0;
        mx_http_upstream_next(u, MX_UPSTREAM_FT_TIMEOUT);
        return;
    }

    mx_http_upstream_ssl_handshake(u);
}


static void
mx_http_upstream_ssl_handshake(mx_http_upstream_t *u)
{
    mx_connection_t  *c = u->peer_c;
    X509             *cert;
    long              rc;
    int               want, ok;

    rc = mx_ssl_handshake(c, u->peer_ssl->ssl, &want);

    if (rc == MX_AGAIN) {
        mx_conn_want_read(c, want == MX_SSL_WANT_READ);
        mx_conn_want_write(c, want == MX_SSL_WANT_WRITE);
        return;
    }

    mx_conn_want_read(c, 0);
    mx_conn_want_write(c, 0);
    mx_conn_write_timer(c, 0);
    c->read_handler = NULL;
    c->write_handler = mx_http_upstream_send_handler;

    if (rc == MX_ERROR) {
        mx_http_upstream_next(u, MX_UPSTREAM_FT_ERROR);
        return;
    }

    if (u->conf->ssl_verify) {
        rc = SSL_get_verify_result(u->peer_ssl->ssl);

        if (rc != X509_V_OK) {
            mx_log_error(MX_LOG_ERR, &c->log, 0, "upstream SSL certificate "
                         "verify error: (%ld:%s)", rc,
                         X509_verify_cert_error_string(rc));
            mx_http_upstream_next(u, MX_UPSTREAM_FT_ERROR);
            return;
        }

        cert = SSL_get1_peer_certificate(u->peer_ssl->ssl);

        ok = (cert != NULL && u->ssl_name.len
              && X509_check_host(cert, (char *) u->ssl_name.data,
                                 u->ssl_name.len, 0, NULL) == 1);

        X509_free(cert);

        if (!ok) {
            mx_log_error(MX_LOG_ERR, &c->log, 0, "upstream SSL certificate "
                         "does not match \"%.*s\"", MX_STR_ARG(u->ssl_name));
            mx_http_upstream_next(u, MX_UPSTREAM_FT_ERROR);
            return;
        }
    }

    mx_http_upstream_send_request(u);
}


/* the last session of a peer is the one offered on its next connection */
static int
mx_http_upstream_ssl_save_session(mx_ssl_conn_t *sc, SSL_SESSION *sess)
{
    mx_upstream_peer_save_session(sc->data, sess);
    return 1;
}


static void
mx_http_upstream_close_peer(mx_http_upstream_t *u)
{
    mx_connection_t  *c = u->peer_c;

    u->peer_c = NULL;
    u->peer_ssl = NULL;

    if (c) {
        mx_ssl_conn_shutdown(c);
        mx_conn_close(c);
    }
}


ssize_t
mx_http_upstream_peer_recv(mx_http_upstream_t *u, u_char *buf, size_t size)
{
    int  err;

    if (u->peer_ssl == NULL) {
        return mx_peer_recv(u->peer_c, buf, size);
    }

    return mx_ssl_recv(u->peer_c, u->peer_ssl->ssl, buf, size, &u->ssl_want,
                       &err);
}


ssize_t
mx_http_upstream_peer_send(mx_http_upstream_t *u, u_char *buf, size_t size)
{
    int  err;

    if (u->peer_ssl == NULL) {
        return mx_peer_writev(u->peer_c,
                              &(struct iovec) { buf, size }, 1);
    }

    return mx_ssl_send(u->peer_c, u->peer_ssl->ssl, buf, size, &u->ssl_want,
                       &err);
}


#define MX_HTTP_UPSTREAM_SSL_BUF  16384

/*
 * The request through TLS: the pieces from the current position copied
 * into one buffer (a file body read with pread(), as sendfile() cannot
 * encrypt) and written with SSL_write(). A retry after MX_AGAIN fills
 * the same bytes again, as OpenSSL wants. MX_OK, MX_AGAIN, MX_ERROR.
 */
static int
mx_http_upstream_ssl_write(mx_http_upstream_t *u)
{
    mx_connection_t         *c = u->peer_c;
    mx_http_upstream_out_t  *o;
    mx_uint_t                i;
    size_t                   len, off, room;
    ssize_t                  n;
    u_char                  *p;

    if (u->ssl_buf == NULL) {
        u->ssl_buf = mx_pnalloc(u->r->pool, MX_HTTP_UPSTREAM_SSL_BUF);
        if (u->ssl_buf == NULL) {
            return MX_ERROR;
        }
    }

    for ( ;; ) {
        p = u->ssl_buf;
        room = MX_HTTP_UPSTREAM_SSL_BUF;
        off = u->out_off;

        for (i = u->out_idx; i < u->nout && room; i++, off = 0) {
            o = &u->out[i];
            len = mx_min(o->len - off, room);

            if (len == 0) {
                continue;
            }

            if (o->fd == -1) {
                memcpy(p, o->data + off, len);

            } else {
                n = pread(o->fd, p, len, o->offset + (off_t) off);

                if (n == -1) {
                    mx_log_error(MX_LOG_CRIT, &c->log, errno,
                                 "pread() of the request body failed");
                    return MX_ERROR;
                }

                if ((size_t) n != len) {
                    mx_log_error(MX_LOG_ALERT, &c->log, 0,
                                 "the request body file was truncated");
                    return MX_ERROR;
                }
            }

            p += len;
            room -= len;
        }

        if (p == u->ssl_buf) {
            return MX_OK;
        }

        n = mx_http_upstream_peer_send(u, u->ssl_buf, p - u->ssl_buf);

        if (n == MX_AGAIN || n == MX_ERROR) {
            return (int) n;
        }

        /* what was written moves the position */
        while (n > 0 && u->out_idx < u->nout) {
            o = &u->out[u->out_idx];
            len = mx_min((size_t) n, o->len - u->out_off);
            u->out_off += len;
            n -= len;

            if (u->out_off == o->len) {
                u->out_idx++;
                u->out_off = 0;
            }
        }

        while (u->out_idx < u->nout && u->out[u->out_idx].len == u->out_off)
        {
            u->out_idx++;
            u->out_off = 0;
        }
    }
}


/* ---------------------------------------------------- the request */

static void
mx_http_upstream_send_handler(mx_connection_t *c)
{
    mx_http_upstream_t  *u = c->data;

    if (c->write_timedout) {
        c->write_timedout = 0;
        mx_http_upstream_next(u, MX_UPSTREAM_FT_TIMEOUT);
        return;
    }

    if (u->connecting) {
        if (mx_event_connect_result(c) != MX_OK) {
            mx_http_upstream_next(u, MX_UPSTREAM_FT_ERROR);
            return;
        }

        u->connecting = 0;
        u->state->connect_time = mx_current_msec - u->state->start;

        if (u->ssl) {
            mx_http_upstream_ssl_init(u);
            return;
        }
    }

    mx_http_upstream_send_request(u);
}


/* writes the pieces: MX_OK (all sent), MX_AGAIN, MX_ERROR (logged) */
static int
mx_http_upstream_write(mx_http_upstream_t *u)
{
    mx_connection_t         *c = u->peer_c;
    mx_http_upstream_out_t  *o;
    struct iovec             iov[16];
    mx_uint_t                i;
    ssize_t                  n;
    off_t                    off;
    int                      niov;

    if (u->peer_ssl) {
        return mx_http_upstream_ssl_write(u);
    }

    while (u->out_idx < u->nout) {
        o = &u->out[u->out_idx];

        if (o->fd != -1) {
            if (u->out_off == o->len) {
                u->out_idx++;
                u->out_off = 0;
                continue;
            }

            off = o->offset + (off_t) u->out_off;
            n = mx_peer_sendfile(c, o->fd, &off, o->len - u->out_off);
            if (n == MX_AGAIN || n == MX_ERROR) {
                return (int) n;
            }

            if (n == 0) {
                mx_log_error(MX_LOG_ALERT, &c->log, 0,
                             "sendfile() reported that the request body "
                             "file was truncated");
                return MX_ERROR;
            }

            u->out_off += n;
            continue;
        }

        niov = 0;
        for (i = u->out_idx; i < u->nout && niov < 16; i++) {
            if (u->out[i].fd != -1) {
                break;
            }

            iov[niov].iov_base = u->out[i].data
                                 + (i == u->out_idx ? u->out_off : 0);
            iov[niov].iov_len = u->out[i].len
                                - (i == u->out_idx ? u->out_off : 0);
            niov++;
        }

        n = mx_peer_writev(c, iov, niov);
        if (n == MX_AGAIN || n == MX_ERROR) {
            return (int) n;
        }

        while (n > 0) {
            o = &u->out[u->out_idx];
            if ((size_t) n >= o->len - u->out_off) {
                n -= o->len - u->out_off;
                u->out_idx++;
                u->out_off = 0;
            } else {
                u->out_off += n;
                n = 0;
            }
        }

        /* skip empty pieces */
        while (u->out_idx < u->nout && u->out[u->out_idx].fd == -1
               && u->out[u->out_idx].len == u->out_off)
        {
            u->out_idx++;
            u->out_off = 0;
        }
    }

    return MX_OK;
}


/*
 * While the request is still going, an answer (or a close) from the
 * upstream is read as it comes: it may not wait for the whole body.
 */
static void
mx_http_upstream_watch_answer(mx_http_upstream_t *u)
{
    mx_connection_t  *c = u->peer_c;

    if (u->peer_ssl && !u->body_waiting) {
        /* TLS: one operation at a time; the answer is read once the
         * pending write is done */
        mx_conn_want_read(c, 0);
        return;
    }

    c->read_handler = mx_http_upstream_header_handler;
    mx_conn_want_read(c, 1);
}


static void
mx_http_upstream_send_request(mx_http_upstream_t *u)
{
    mx_connection_t  *c = u->peer_c;
    int               rc;

    mx_http_upstream_set_action(u, "sending request to upstream");

    for ( ;; ) {
        rc = mx_http_upstream_write(u);
        u->request_sent = 1;

        if (rc == MX_ERROR) {
            mx_http_upstream_next(u, MX_UPSTREAM_FT_ERROR);
            return;
        }

        c->write_handler = mx_http_upstream_send_handler;

        if (rc == MX_AGAIN) {
            mx_conn_write_timer(c, u->conf->send_timeout);

            if (u->peer_ssl && u->ssl_want == MX_SSL_WANT_READ) {
                /* TLS must read first: the send goes on when it can */
                c->read_handler = mx_http_upstream_send_handler;
                mx_conn_want_write(c, 0);
                mx_conn_want_read(c, 1);
                return;
            }

            mx_http_upstream_watch_answer(u);
            mx_conn_want_write(c, 1);
            return;
        }

        if (!u->body_unbuffered) {
            break;
        }

        rc = mx_http_upstream_body_next(u);

        if (rc == MX_DONE) {
            break;
        }

        if (rc == MX_AGAIN) {
            /* the client is slower than the upstream */
            u->body_waiting = 1;
            c->write_handler = NULL;
            mx_conn_want_write(c, 0);
            mx_conn_write_timer(c, 0);
            mx_http_upstream_watch_answer(u);
            return;
        }

        if (rc != MX_OK) {
            mx_http_upstream_finalize(u, rc);
            return;
        }
    }

    u->request_done = 1;

    c->write_handler = NULL;
    mx_conn_want_write(c, 0);
    mx_conn_write_timer(c, 0);

    mx_http_upstream_set_action(u, "reading response header from upstream");

    c->read_handler = mx_http_upstream_header_handler;
    mx_conn_read_timer(c, u->conf->read_timeout);
    mx_conn_want_read(c, 1);
}


/* ---------------------------------------------------- the header */

static void
mx_http_upstream_header_handler(mx_connection_t *c)
{
    mx_http_upstream_t  *u = c->data;
    ssize_t              n;
    int                  rc;

    if (c->read_timedout) {
        c->read_timedout = 0;
        mx_http_upstream_next(u, MX_UPSTREAM_FT_TIMEOUT);
        return;
    }

    for ( ;; ) {
        if (u->hlast == u->hsize) {
            mx_log_error(MX_LOG_ERR, &u->log, 0,
                         "upstream sent too big header");
            mx_http_upstream_next(u, MX_UPSTREAM_FT_INVALID_HEADER);
            return;
        }

        n = mx_http_upstream_peer_recv(u, u->hbuf + u->hlast,
                                       u->hsize - u->hlast);

        if (n == MX_AGAIN) {
            mx_conn_want_read(c, 1);
            return;
        }

        if (n == MX_ERROR) {
            mx_http_upstream_next(u, MX_UPSTREAM_FT_ERROR);
            return;
        }

        if (n == 0) {
            mx_log_error(MX_LOG_ERR, &u->log, 0,
                         "upstream prematurely closed connection");
            mx_http_upstream_next(u, MX_UPSTREAM_FT_ERROR);
            return;
        }

        u->hlast += n;
        u->state->bytes_received += n;

        rc = mx_http_upstream_parse_header(u);

        if (rc == MX_AGAIN) {
            continue;
        }

        if (rc == MX_DECLINED) {
            mx_http_upstream_next(u, MX_UPSTREAM_FT_INVALID_HEADER);
            return;
        }

        if (rc == MX_ERROR) {
            mx_http_upstream_finalize(u, 500);
            return;
        }

        if (!u->request_done) {
            /* answered before the whole body: the rest is not sent, and
             * the connection cannot be kept */
            u->body_abandoned = 1;
            u->body_waiting = 0;
            c->write_handler = NULL;
            mx_conn_want_write(c, 0);
            mx_conn_write_timer(c, 0);
        }

        mx_http_upstream_process_response(u);
        return;
    }
}


static const struct {
    mx_uint_t   status;
    mx_uint_t   mask;
} mx_http_upstream_next_errors[] = {
    { 500, MX_UPSTREAM_FT_HTTP_500 },
    { 502, MX_UPSTREAM_FT_HTTP_502 },
    { 503, MX_UPSTREAM_FT_HTTP_503 },
    { 504, MX_UPSTREAM_FT_HTTP_504 },
    { 403, MX_UPSTREAM_FT_HTTP_403 },
    { 404, MX_UPSTREAM_FT_HTTP_404 },
    { 429, MX_UPSTREAM_FT_HTTP_429 },
};


static int
mx_http_upstream_non_idempotent(mx_http_upstream_t *u)
{
    return u->request_sent
           && (u->r->method & (MX_HTTP_POST|MX_HTTP_LOCK|MX_HTTP_PATCH));
}


/* MX_OK when a retry was started for the response status */
static int
mx_http_upstream_test_next(mx_http_upstream_t *u)
{
    mx_http_upstream_conf_t  *conf = u->conf;
    mx_uint_t                 i, mask;
    mx_msec_t                 timeout;

    for (i = 0; i < mx_nelems(mx_http_upstream_next_errors); i++) {
        if (u->status_n != mx_http_upstream_next_errors[i].status) {
            continue;
        }

        mask = mx_http_upstream_next_errors[i].mask;
        if (mx_http_upstream_non_idempotent(u)) {
            mask |= MX_UPSTREAM_FT_NON_IDEMPOTENT;
        }

        timeout = conf->next_upstream_timeout;

        if (u->rrp.tries > 1 && (conf->next_upstream & mask) == mask
            && !(timeout
                 && mx_current_msec - u->peer_start_time >= timeout))
        {
            mx_http_upstream_next(u, mx_http_upstream_next_errors[i].mask);
            return MX_OK;
        }

        return MX_DECLINED;
    }

    return MX_DECLINED;
}


/* MX_OK when an error_page takes over the upstream's error response */
static int
mx_http_upstream_intercept(mx_http_upstream_t *u)
{
    mx_http_core_loc_conf_t  *clcf;
    mx_http_err_page_t       *err;
    mx_uint_t                 i;

    if (!u->conf->intercept_errors || u->status_n < 300) {
        return MX_DECLINED;
    }

    clcf = mx_http_get_module_loc_conf(u->r, mx_http_core_module);
    if (clcf->error_pages == NULL) {
        return MX_DECLINED;
    }

    err = clcf->error_pages->elts;
    for (i = 0; i < clcf->error_pages->nelts; i++) {
        if (err[i].status == u->status_n) {
            mx_http_upstream_finalize(u, (int) u->status_n);
            return MX_OK;
        }
    }

    return MX_DECLINED;
}


static void
mx_http_upstream_process_response(mx_http_upstream_t *u)
{
    mx_http_request_t  *r = u->r;
    size_t              left;
    u_char             *p;
    int                 rc;

    u->state->header_time = mx_current_msec - u->state->start;
    u->state->status = u->status_n;

    if (!u->http09) {
        if (mx_http_upstream_test_next(u) == MX_OK) {
            return;
        }

        if (mx_http_upstream_intercept(u) == MX_OK) {
            return;
        }

        if (u->process_header(r) != MX_OK) {
            mx_http_upstream_finalize(u, 500);
            return;
        }

        if (u->status_n == 101
            && mx_http_find_header_in(r, (u_char *) "upgrade", 7) != NULL)
        {
            r->headers_out.status = 101;
            mx_http_upstream_tunnel_start(u);
            return;
        }

        r->headers_out.status = u->status_n;

        /* the upstream's status line, reason phrase included */
        p = mx_pnalloc(r->pool, 4 + u->reason_len);
        if (p == NULL) {
            mx_http_upstream_finalize(u, 500);
            return;
        }

        r->headers_out.status_line.data = p;
        r->headers_out.status_line.len = 3;
        p[0] = (u_char) ('0' + u->status_n / 100 % 10);
        p[1] = (u_char) ('0' + u->status_n / 10 % 10);
        p[2] = (u_char) ('0' + u->status_n % 10);

        if (u->reason_len) {
            p[3] = ' ';
            memcpy(p + 4, u->reason, u->reason_len);
            r->headers_out.status_line.len = 4 + u->reason_len;
        }

    } else {
        /* HTTP/0.9: no header to the client, the bytes as they come */
        r->http_version = MX_HTTP_VERSION_9;
        r->headers_out.status = 200;
        r->keepalive = 0;
    }

    u->bsize = u->hsize;
    if (u->conf->buffering
        && u->conf->bufs_num * u->conf->bufs_size > u->bsize)
    {
        u->bsize = u->conf->bufs_num * u->conf->bufs_size;
    }

    u->bbuf = mx_pnalloc(r->pool, u->bsize);
    if (u->bbuf == NULL) {
        mx_http_upstream_finalize(u, 500);
        return;
    }

    mx_http_upstream_set_action(u, "reading upstream");

    rc = mx_http_send_header(r);
    if (rc == MX_ERROR) {
        mx_http_upstream_finalize(u, MX_ERROR);
        return;
    }

    /* what came after the header is the start of the body */
    u->out_last = 0;

    if (u->http09) {
        memcpy(u->bbuf, u->hbuf, u->hlast);
        u->out_last = u->hlast;

    } else {
        left = u->hlast - u->hparsed;
        memcpy(u->bbuf, u->hbuf + u->hparsed, left);

        if (mx_http_upstream_parse_body(u, u->bbuf, left) != MX_OK) {
            u->body_error = 1;
        }
    }

    u->peer_c->read_handler = mx_http_upstream_body_handler;

    mx_http_upstream_process_body(u);
}


/* ------------------------------------------------------ the body */

/* hands the decoded bytes to the client; MX_OK, MX_AGAIN, MX_ERROR */
static int
mx_http_upstream_output(mx_http_upstream_t *u, int last)
{
    mx_buf_t  *b = &u->obuf;
    int        rc;

    if (u->out_last == 0 && !last) {
        return MX_OK;
    }

    memset(b, 0, sizeof(mx_buf_t));
    b->start = u->bbuf;
    b->pos = u->bbuf;
    b->last = u->bbuf + u->out_last;
    b->end = u->bbuf + u->bsize;
    b->fd = -1;
    b->flush = 1;
    b->last_buf = last ? 1 : 0;

    u->ochain.buf = b;
    u->ochain.next = NULL;

    u->state->response_length += u->out_last;
    u->out_last = 0;

    u->r->connection->log.action = "sending to client";
    rc = mx_http_output_filter(u->r, &u->ochain);
    u->r->connection->log.action = u->log.action;

    if (rc == MX_AGAIN && !last) {
        /* backpressure: no reading until the client took it all */
        u->out_pending = 1;
        u->r->write_event_handler = mx_http_upstream_write_event;

        if (u->peer_c) {
            mx_conn_want_read(u->peer_c, 0);
            mx_conn_read_timer(u->peer_c, 0);
        }
    }

    return rc;
}


static int
mx_http_upstream_write_event(mx_http_request_t *r)
{
    mx_http_upstream_t  *u;

    u = mx_http_upstream_get(r);

    r->write_event_handler = NULL;

    if (u == NULL || u->finished || !u->out_pending) {
        return MX_OK;
    }

    u->out_pending = 0;
    mx_http_upstream_process_body(u);

    return MX_OK;
}


static void
mx_http_upstream_body_handler(mx_connection_t *c)
{
    mx_http_upstream_t  *u = c->data;

    if (c->read_timedout) {
        c->read_timedout = 0;
        mx_log_error(MX_LOG_ERR, &u->log, ETIMEDOUT, "upstream timed out");
        u->body_error = 1;
    }

    mx_http_upstream_process_body(u);
}


/* the response is complete: the connection goes back or is closed */
static void
mx_http_upstream_finish(mx_http_upstream_t *u)
{
    mx_connection_t        *c = u->peer_c;
    mx_upstream_rr_peer_t  *peer = u->rrp.current;
    int                     rc;

    u->state->response_time = mx_current_msec - u->state->start;

    if (c) {
        if (!u->connection_close && u->request_done && !u->http09
            && !c->error && peer)
        {
            u->peer_c = NULL;
            u->peer_ssl = NULL;
            mx_upstream_keepalive_put(u->conf->upstream, c,
                                      (struct sockaddr *) &peer->sockaddr,
                                      peer->socklen);
        } else {
            mx_http_upstream_close_peer(u);
        }
    }

    if (u->rrp.current) {
        mx_upstream_free_peer(&u->rrp, 0, &u->log);
    }

    rc = mx_http_upstream_output(u, 1);

    mx_http_upstream_finalize(u, rc == MX_ERROR ? MX_ERROR : MX_OK);
}


static void
mx_http_upstream_process_body(mx_http_upstream_t *u)
{
    mx_connection_t  *c = u->peer_c;
    ssize_t           n;
    int               rc;

    for ( ;; ) {
        if (u->out_pending) {
            return;
        }

        if (u->body_error) {
            /* what arrived goes out, then the client is cut off */
            (void) mx_http_upstream_output(u, 0);
            mx_http_upstream_finalize(u, MX_ERROR);
            return;
        }

        if (u->message_done) {
            mx_http_upstream_finish(u);
            return;
        }

        if (u->out_last
            && (!u->conf->buffering || u->out_last == u->bsize))
        {
            if (mx_http_upstream_output(u, 0) == MX_ERROR) {
                mx_http_upstream_finalize(u, MX_ERROR);
                return;
            }
            continue;
        }

        n = mx_http_upstream_peer_recv(u, u->bbuf + u->out_last,
                                       u->bsize - u->out_last);

        if (n == MX_AGAIN) {
            if (u->out_last) {
                rc = mx_http_upstream_output(u, 0);
                if (rc == MX_ERROR) {
                    mx_http_upstream_finalize(u, MX_ERROR);
                    return;
                }
                continue;
            }

            mx_conn_want_read(c, 1);
            mx_conn_read_timer(c, u->conf->read_timeout);
            return;
        }

        if (n == MX_ERROR) {
            u->body_error = 1;
            continue;
        }

        if (n == 0) {
            if (u->http09) {
                u->message_done = 1;
                continue;
            }

            mx_http_upstream_parse_eof(u);

            if (!u->message_done) {
                mx_log_error(MX_LOG_ERR, &u->log, 0,
                             "upstream prematurely closed connection");
                u->body_error = 1;
            }

            /* the peer closed: nothing to keep alive */
            u->connection_close = 1;
            continue;
        }

        u->state->bytes_received += n;

        if (u->http09) {
            u->out_last += n;
            continue;
        }

        if (mx_http_upstream_parse_body(u, u->bbuf + u->out_last, n)
            != MX_OK)
        {
            u->body_error = 1;
        }
    }
}


/* ------------------------------------------------- retries and end */

static void
mx_http_upstream_next(mx_http_upstream_t *u, mx_uint_t ft)
{
    mx_http_upstream_conf_t  *conf = u->conf;
    mx_uint_t                 status, state;
    mx_msec_t                 timeout;

    if (u->rrp.current) {
        if (u->cached && ft == MX_UPSTREAM_FT_ERROR) {
            /* a kept-alive connection the peer had closed: not a try */
            u->rrp.tries++;
        }

        state = (ft == MX_UPSTREAM_FT_HTTP_403 || ft == MX_UPSTREAM_FT_HTTP_404)
                ? MX_PEER_NEXT : MX_PEER_FAILED;
        mx_upstream_free_peer(&u->rrp, state, &u->log);
    }

    if (ft == MX_UPSTREAM_FT_TIMEOUT) {
        mx_log_error(MX_LOG_ERR, &u->log, ETIMEDOUT, "upstream timed out");
    }

    switch (ft) {
    case MX_UPSTREAM_FT_TIMEOUT:
    case MX_UPSTREAM_FT_HTTP_504:
        status = 504;
        break;
    case MX_UPSTREAM_FT_HTTP_500:
        status = 500;
        break;
    case MX_UPSTREAM_FT_HTTP_503:
        status = 503;
        break;
    case MX_UPSTREAM_FT_HTTP_403:
        status = 403;
        break;
    case MX_UPSTREAM_FT_HTTP_404:
        status = 404;
        break;
    case MX_UPSTREAM_FT_HTTP_429:
        status = 429;
        break;
    default:
        status = 502;
        break;
    }

    u->state->status = status;
    u->state->response_time = mx_current_msec - u->state->start;

    if (mx_http_upstream_non_idempotent(u)) {
        ft |= MX_UPSTREAM_FT_NON_IDEMPOTENT;
    }

    timeout = conf->next_upstream_timeout;

    if (u->rrp.tries == 0
        || u->body_consumed || u->body_abandoned
        || (conf->next_upstream & ft) != ft
        || (timeout && mx_current_msec - u->peer_start_time >= timeout))
    {
        mx_http_upstream_finalize(u, (int) status);
        return;
    }

    if (u->peer_c) {
        mx_http_upstream_close_peer(u);
    }

    mx_http_upstream_connect(u);
}


/*
 * Ends the upstream part and finalizes r with rc; u (in r->pool) may be
 * gone when this returns.
 */
static void
mx_http_upstream_finalize(mx_http_upstream_t *u, int rc)
{
    mx_http_request_t  *r = u->r;

    if (u->finished) {
        return;
    }

    u->finished = 1;

    if (u->state && u->state->response_time == -1) {
        u->state->response_time = mx_current_msec - u->state->start;
    }

    if (u->peer_c) {
        mx_http_upstream_close_peer(u);
    }

    if (u->rrp.current) {
        mx_upstream_free_peer(&u->rrp, 0, &u->log);
    }

    r->write_event_handler = NULL;
    r->connection->log.action = NULL;

    mx_http_finalize_request(r, rc);
}


void
mx_http_upstream_finalize_request(mx_http_upstream_t *u, int rc)
{
    mx_http_upstream_finalize(u, rc);
}


/* r ends before the upstream part did (the client went away) */
static void
mx_http_upstream_cleanup(void *data)
{
    mx_http_upstream_t  *u = data;

    if (u->peer_c) {
        mx_http_upstream_close_peer(u);
    }

    if (u->rrp.current) {
        mx_upstream_free_peer(&u->rrp, 0, &u->log);
    }

    u->finished = 1;
}


/* ", upstream: "http://127.0.0.1:8080/uri"" before the ", host: ..." */
static u_char *
mx_http_upstream_log_handler(mx_log_t *log, u_char *buf, size_t len)
{
    mx_http_upstream_t  *u = log->data;
    mx_table_elt_t      *host;
    mx_log_t             client;
    u_char              *p, *ins, *last = buf + len;
    char                 up[2048];
    size_t               sl;
    int                  n;

    client = *log;
    client.handler = u->client_handler;
    client.data = u->client_data;

    p = u->client_handler ? u->client_handler(&client, buf, len) : buf;

    if (u->state == NULL || u->state->peer == NULL || p >= last) {
        return p;
    }

    n = snprintf(up, sizeof(up), ", upstream: \"%.*s%.*s%.*s\"",
                 MX_STR_ARG(u->schema), MX_STR_ARG(*u->state->peer),
                 MX_STR_ARG(u->uri));
    if (n <= 0) {
        return p;
    }

    if ((size_t) n >= sizeof(up)) {
        n = sizeof(up) - 1;
    }

    if ((size_t) n > (size_t) (last - p)) {
        n = (int) (last - p);
    }

    ins = p;
    host = u->r->headers_in.host;

    if (host) {
        sl = sizeof(", host: \"") - 1 + host->value.len + 1;
        if ((size_t) (p - buf) >= sl
            && memcmp(p - sl, ", host: \"", sizeof(", host: \"") - 1) == 0)
        {
            ins = p - sl;
        }
    }

    memmove(ins + n, ins, p - ins);
    memcpy(ins, up, n);

    return p + n;
}
