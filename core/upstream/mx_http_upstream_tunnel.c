#include "mx_http_upstream.h"
#include "mx_event_connect.h"

/*
 * WebSocket and other upgraded connections: after the upstream answered a
 * client's Upgrade with 101, the 101 header goes to the client and bytes
 * are relayed both ways, each way through one buffer: reading a side
 * stops while the other cannot take what was read. The tunnel ends when a
 * side closes and what it sent has been passed on, as in nginx.
 *
 * The HTTP/1 protocol code offers no way yet to hand a connection over,
 * so the tunnel borrows the client connection: it writes the 101 header
 * itself (nginx's "Connection: upgrade" included) and sets the
 * connection's handlers and data for the tunnel's life, restoring the
 * data before the request is finalized. TODO(lead): a protocol hook
 * (mx_http_proto_t.upgrade) that sends the header and detaches c.
 */

static void mx_http_tunnel_client_handler(mx_connection_t *c);
static void mx_http_tunnel_peer_handler(mx_connection_t *c);
static void mx_http_tunnel_process(mx_http_upstream_t *u);


static int
mx_http_tunnel_append(u_char **p, u_char *end, const char *name, size_t nlen,
    const u_char *value, size_t vlen)
{
    if ((size_t) (end - *p) < nlen + vlen + 4) {
        return MX_ERROR;
    }

    memcpy(*p, name, nlen);
    *p += nlen;
    *(*p)++ = ':';
    *(*p)++ = ' ';
    memcpy(*p, value, vlen);
    *p += vlen;
    *(*p)++ = '\r';
    *(*p)++ = '\n';

    return MX_OK;
}


/* the 101 header, then what the upstream sent after its header */
static int
mx_http_tunnel_header(mx_http_upstream_t *u)
{
    mx_http_request_t        *r = u->r;
    mx_http_core_loc_conf_t  *clcf;
    mx_table_elt_t           *h;
    mx_uint_t                 i;
    size_t                    len, left;
    u_char                   *p, *end;

    clcf = mx_http_get_module_loc_conf(r, mx_http_core_module);

    left = u->hlast - u->hparsed;
    if (left && u->hbuf[u->hparsed] == '\n') {
        /* the parser stopped on the header's last LF */
        left--;
    }

    len = sizeof("HTTP/1.1 101 Switching Protocols\r\n") - 1
          + sizeof("Server: moxy/" MX_VERSION "\r\n") - 1
          + 6 + mx_cached_http_time.len + 2
          + sizeof("Connection: upgrade\r\n") - 1 + 2;

    h = r->headers_out.headers.elts;
    for (i = 0; i < r->headers_out.headers.nelts; i++) {
        len += h[i].key.len + h[i].value.len + 4;
    }

    u->bsize = mx_max(len + left, u->hsize);
    u->bbuf = mx_pnalloc(r->pool, u->bsize);
    u->tsize = u->hsize;
    u->tbuf = mx_pnalloc(r->pool, u->tsize);
    if (u->bbuf == NULL || u->tbuf == NULL) {
        return MX_ERROR;
    }

    p = u->bbuf;
    end = u->bbuf + u->bsize;

    p += sprintf((char *) p, "HTTP/1.1 101 Switching Protocols\r\n");

    if (clcf->server_tokens) {
        p += sprintf((char *) p, "Server: moxy/" MX_VERSION "\r\n");
    } else {
        p += sprintf((char *) p, "Server: moxy\r\n");
    }

    (void) mx_http_tunnel_append(&p, end, "Date", 4, mx_cached_http_time.data,
                                 mx_cached_http_time.len);

    p += sprintf((char *) p, "Connection: upgrade\r\n");

    for (i = 0; i < r->headers_out.headers.nelts; i++) {
        if (h[i].hash == 0) {
            continue;
        }

        if (mx_http_tunnel_append(&p, end, (char *) h[i].key.data,
                                  h[i].key.len, h[i].value.data,
                                  h[i].value.len) != MX_OK)
        {
            return MX_ERROR;
        }
    }

    *p++ = '\r';
    *p++ = '\n';

    r->header_size = p - u->bbuf;

    memcpy(p, u->hbuf + u->hlast - left, left);
    p += left;

    u->dpos = 0;
    u->dlast = p - u->bbuf;

    return MX_OK;
}


void
mx_http_upstream_tunnel_start(mx_http_upstream_t *u)
{
    mx_http_request_t  *r = u->r;
    mx_connection_t    *c = r->connection;

    if (mx_http_tunnel_header(u) != MX_OK) {
        mx_http_upstream_finalize_request(u, 500);
        return;
    }

    /* the response is this header; the connection ends with the tunnel */
    r->header_sent = 1;
    r->last_sent = 1;
    r->keepalive = 0;

    u->upgraded = 1;
    u->client_c = c;
    u->client_c_data = c->data;

    c->data = u;
    c->read_handler = mx_http_tunnel_client_handler;
    c->write_handler = mx_http_tunnel_client_handler;

    u->peer_c->read_handler = mx_http_tunnel_peer_handler;
    u->peer_c->write_handler = mx_http_tunnel_peer_handler;

    u->log.action = "proxying upgraded connection";
    u->peer_c->log.action = u->log.action;
    c->log.action = u->log.action;

    mx_http_tunnel_process(u);
}


/* gives the client connection back to its protocol and ends r */
static void
mx_http_tunnel_end(mx_http_upstream_t *u, int rc)
{
    mx_connection_t  *c = u->client_c;

    c->data = u->client_c_data;
    c->read_handler = NULL;
    c->write_handler = NULL;
    mx_conn_want_read(c, 0);
    mx_conn_want_write(c, 0);
    mx_conn_read_timer(c, 0);
    mx_conn_write_timer(c, 0);

    mx_http_upstream_finalize_request(u, rc);
}


/*
 * Moves bytes from src to dst through buf: MX_OK (waiting for events),
 * MX_DONE (src closed and all its bytes passed on), MX_ERROR (logged).
 */
static int
mx_http_tunnel_pump(mx_http_upstream_t *u, mx_connection_t *src,
    mx_connection_t *dst, u_char *buf, size_t size, size_t *pos,
    size_t *last, unsigned *eof, int from_peer)
{
    ssize_t  n;
    int      want_read = 0, want_write = 0;

    for ( ;; ) {
        if (*pos < *last) {
            n = from_peer ? mx_conn_send(dst, buf + *pos, *last - *pos)
                          : mx_http_upstream_peer_send(u, buf + *pos,
                                                       *last - *pos);

            if (n == MX_ERROR) {
                return MX_ERROR;
            }

            if (n == MX_AGAIN) {
                want_write = 1;
                break;
            }

            *pos += n;

            if (from_peer) {
                u->r->bytes_sent += n;
            }

            continue;
        }

        *pos = 0;
        *last = 0;

        if (*eof) {
            return MX_DONE;
        }

        n = from_peer ? mx_http_upstream_peer_recv(u, buf + *last,
                                                   size - *last)
                      : mx_conn_recv(src, buf + *last, size - *last);

        if (n == MX_AGAIN) {
            want_read = 1;
            break;
        }

        if (n == MX_ERROR) {
            return MX_ERROR;
        }

        if (n == 0) {
            *eof = 1;
            continue;
        }

        if (from_peer) {
            u->state->bytes_received += n;
        }

        *last += n;
    }

    mx_conn_want_read(src, want_read);
    mx_conn_want_write(dst, want_write);

    return MX_OK;
}


static void
mx_http_tunnel_process(mx_http_upstream_t *u)
{
    mx_connection_t          *c = u->client_c, *pc = u->peer_c;
    mx_http_core_loc_conf_t  *clcf;
    int                       rc;

    /* upstream to client, then client to upstream */
    rc = mx_http_tunnel_pump(u, pc, c, u->bbuf, u->bsize, &u->dpos,
                             &u->dlast, &u->peer_eof, 1);
    if (rc == MX_ERROR) {
        mx_http_tunnel_end(u, MX_ERROR);
        return;
    }

    if (rc == MX_DONE) {
        mx_http_tunnel_end(u, MX_OK);
        return;
    }

    rc = mx_http_tunnel_pump(u, c, pc, u->tbuf, u->tsize, &u->tpos,
                             &u->tlast, &u->client_eof, 0);
    if (rc == MX_ERROR) {
        mx_http_tunnel_end(u, MX_ERROR);
        return;
    }

    if (rc == MX_DONE) {
        mx_http_tunnel_end(u, MX_OK);
        return;
    }

    /* idle: proxy_read_timeout on the upstream, send timeouts on writes */
    clcf = mx_http_get_module_loc_conf(u->r, mx_http_core_module);

    mx_conn_read_timer(pc, mx_conn_reading(pc) ? u->conf->read_timeout
                                                  : 0);
    mx_conn_write_timer(pc, ev_is_active(&pc->wev) ? u->conf->send_timeout
                                                   : 0);
    mx_conn_write_timer(c, ev_is_active(&c->wev) ? clcf->send_timeout : 0);
}


static void
mx_http_tunnel_client_handler(mx_connection_t *c)
{
    mx_http_upstream_t  *u = c->data;

    if (c->write_timedout) {
        c->write_timedout = 0;
        mx_log_error(MX_LOG_INFO, &c->log, ETIMEDOUT, "client timed out");
        mx_http_tunnel_end(u, 408);
        return;
    }

    mx_http_tunnel_process(u);
}


static void
mx_http_tunnel_peer_handler(mx_connection_t *c)
{
    mx_http_upstream_t  *u = c->data;

    if (c->read_timedout || c->write_timedout) {
        c->read_timedout = 0;
        c->write_timedout = 0;
        mx_log_error(MX_LOG_ERR, &u->log, ETIMEDOUT, "upstream timed out");
        mx_http_tunnel_end(u, 504);
        return;
    }

    mx_http_tunnel_process(u);
}
