#include "mx_http.h"

#include <sys/sendfile.h>
#include <netinet/tcp.h>

/*
 * HTTP/1.x on a connection: the request line and headers, keep-alive and
 * pipelining, request bodies (Content-Length and chunked), and the
 * output queue written with writev()/sendfile().
 *
 * The header block of a request is parsed in one piece once its end is
 * in the buffer, line by line with memchr() (mx_http_parse.c), so header
 * names and values point into the connection buffer, which stays in
 * place until the request is finished. A general-purpose parser that
 * takes a byte at a time cost a fifth of a small request's instructions.
 */

#define MX_H1_POSTPONE   1460    /* nginx's postpone_output */
#define MX_H1_SMALL_FILE 32768   /* read into memory, sent with the header */
#define MX_H1_MAX_IOV    64

typedef enum {
    MX_H1_READING_HEADERS = 0,
    MX_H1_PROCESSING,
    MX_H1_DISCARDING,
    MX_H1_IDLE,
    MX_H1_LINGERING
} mx_h1_state_e;

/*
 * A link of the chunked framing (a chunk's size line, its body links,
 * its end): taken again once written, so that a long chunked response
 * does not grow the request's pool a little per chunk.
 */
typedef struct mx_h1_link_s  mx_h1_link_t;

struct mx_h1_link_s {
    mx_chain_t           cl;
    mx_buf_t             buf;
    u_char               data[24];   /* a chunk size line */
    mx_h1_link_t        *next;       /* in flight, or free */
};

typedef struct {
    mx_connection_t     *c;
    mx_http_port_t      *port;
    mx_http_request_t   *r;

    /* the request's framing links: queued in r->out (in its order), and
     * written ones to take again; from r->pool */
    mx_h1_link_t        *inflight;
    mx_h1_link_t       **inflight_last;
    mx_h1_link_t        *free_links;

    u_char              *buf;        /* malloc'ed; owned by the connection */
    size_t               size;
    size_t               pos;        /* parsed up to */
    size_t               last;       /* data up to */
    size_t               scan;       /* header end search resumes here */

    u_char              *body_buf;   /* overflow for the body, r->pool */
    size_t               body_pos, body_last, body_size;

    off_t                body_rest;  /* of the Content-Length */
    mx_http_chunked_t    chunked;
    unsigned             body_chunked:1;
    unsigned             message_complete:1;
    unsigned             header_error:1;
    unsigned             reading_body:1;
    unsigned             continue_sent:1;
    unsigned             watch_client:1; /* for a client abort */
    unsigned             body_taken:1;   /* by take_body */
    unsigned             raw:1;          /* the connection is Lua's */

    mx_h1_state_e        state;

    mx_msec_t            lingering_end;
    mx_msec_t            lingering_timeout;
} mx_h1_conn_t;

static void mx_h1_read_request(mx_connection_t *c);
static void mx_h1_keepalive_handler(mx_connection_t *c);
static void mx_h1_write_handler(mx_connection_t *c);
static void mx_h1_body_handler(mx_connection_t *c);
static void mx_h1_discard_handler(mx_connection_t *c);
static void mx_h1_close(mx_h1_conn_t *hc);
static void mx_h1_lingering_handler(mx_connection_t *c);
static int mx_h1_detach(mx_h1_conn_t *hc, mx_http_request_t *r);
static void mx_h1_finish(mx_http_request_t *r);
static int  mx_h1_flush(mx_http_request_t *r);
static void mx_h1_close_with(mx_h1_conn_t *hc, mx_uint_t status);

static int mx_h1_send_header(mx_http_request_t *r);
static int mx_h1_send_chain(mx_http_request_t *r, mx_chain_t *in);
static void mx_h1_finalize(mx_http_request_t *r, int rc);
static int mx_h1_read_body(mx_http_request_t *r);
static int mx_h1_discard_body(mx_http_request_t *r);

static void mx_h1_watch_client(mx_http_request_t *r);
static int mx_h1_take_body(mx_http_request_t *r, int raw,
    mx_str_t *preread);
static int mx_h1_read_unbuffered(mx_http_request_t *r);
static void mx_h1_watch_start(mx_h1_conn_t *hc);
static void mx_h1_client_check(mx_connection_t *c);

static const mx_http_proto_t  mx_h1_proto = {
    mx_h1_send_header,
    mx_h1_send_chain,
    mx_h1_finalize,
    mx_h1_read_body,
    mx_h1_discard_body,
    mx_h1_watch_client,
    mx_h1_take_body,
    mx_h1_read_unbuffered
};



/* ------------------------------------------------------- connection */

void
mx_http_init_connection(mx_connection_t *c)
{
    mx_h1_conn_t             *hc;
    mx_http_port_t           *port = c->listening->servers;
    mx_http_core_srv_conf_t  *cscf = port->default_server;
    int                       one = 1;

    hc = mx_pcalloc(c->pool, sizeof(mx_h1_conn_t));
    if (hc == NULL) {
        mx_conn_close(c);
        return;
    }

    hc->c = c;
    hc->port = port;
    hc->size = cscf->client_header_buffer_size;
    hc->buf = malloc(hc->size);
    if (hc->buf == NULL) {
        mx_conn_close(c);
        return;
    }

    (void) setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    c->data = hc;
    c->log.handler = mx_http_log_error_handler;
    c->log.data = hc;
    c->log.action = "reading client request line";

    c->read_handler = mx_h1_read_request;
    c->write_handler = NULL;

    mx_conn_read_timer(c, cscf->client_header_timeout);
    mx_conn_want_read(c, 1);
}


static void
mx_h1_close(mx_h1_conn_t *hc)
{
    mx_connection_t  *c = hc->c;

    if (hc->r) {
        mx_http_free_request(hc->r);
        hc->r = NULL;
    }

    free(hc->buf);
    hc->buf = NULL;
    mx_conn_close(c);
}


/*
 * The response is out but the client may still be sending its request
 * (a body not read): closing now would make the kernel answer with a
 * reset, which can destroy the response in the client's buffers. So,
 * as nginx, the sending side is shut and what comes is read and dropped
 * for up to lingering_time, waiting at most lingering_timeout each time.
 * hc->r is gone by now.
 */
static void
mx_h1_lingering_close(mx_h1_conn_t *hc, mx_http_core_loc_conf_t *clcf)
{
    mx_connection_t  *c = hc->c;

    if (clcf->lingering_close == MX_HTTP_LINGERING_OFF
        || clcf->lingering_timeout == 0 || c->error || mx_exiting
        || hc->buf == NULL)
    {
        mx_h1_close(hc);
        return;
    }

    if (shutdown(c->fd, SHUT_WR) == -1) {
        mx_h1_close(hc);
        return;
    }

    hc->lingering_end = mx_current_msec + clcf->lingering_time;
    hc->lingering_timeout = clcf->lingering_timeout;
    hc->state = MX_H1_LINGERING;
    c->idle = 1;            /* a shutdown does not wait for it */

    c->write_handler = NULL;
    mx_conn_want_write(c, 0);
    mx_conn_write_timer(c, 0);

    c->read_handler = mx_h1_lingering_handler;
    mx_conn_read_timer(c, hc->lingering_timeout);
    mx_conn_want_read(c, 1);
}


static void
mx_h1_lingering_handler(mx_connection_t *c)
{
    mx_h1_conn_t  *hc = c->data;
    ssize_t        n;
    mx_msec_t      left;

    if (c->close || c->read_timedout
        || mx_current_msec >= hc->lingering_end)
    {
        mx_h1_close(hc);
        return;
    }

    do {
        n = mx_conn_recv(c, hc->buf, hc->size);
    } while (n > 0);

    if (n != MX_AGAIN) {
        mx_h1_close(hc);
        return;
    }

    left = hc->lingering_end - mx_current_msec;
    mx_conn_read_timer(c, mx_min(left, hc->lingering_timeout));
}


/* closes with a status for the access log but no response */
static void
mx_h1_close_with(mx_h1_conn_t *hc, mx_uint_t status)
{
    if (hc->r) {
        if (hc->r->headers_out.status == 0) {
            hc->r->headers_out.status = status;
        }
        if (mx_http_log_request(hc->r) == MX_AGAIN) {
            (void) mx_h1_detach(hc, hc->r);
        }
    }

    mx_h1_close(hc);
}


/*
 * A log handler still runs (Lua waiting in log_by_lua*): the request
 * keeps the buffer its header block points into, the connection goes on
 * with a copy. MX_ERROR on memory failure: r is gone then too.
 */
static int
mx_h1_detach(mx_h1_conn_t *hc, mx_http_request_t *r)
{
    u_char             *nb;
    mx_h1_conn_t       *copy;
    mx_pool_cleanup_t  *cln;

    hc->r = NULL;

    nb = malloc(hc->size);
    cln = mx_pool_cleanup_add(r->pool, 0);

    if (nb == NULL || cln == NULL) {
        free(nb);
        mx_http_free_request(r);
        return MX_ERROR;
    }

    memcpy(nb, hc->buf, hc->last);
    cln->handler = free;
    cln->data = hc->buf;
    hc->buf = nb;

    copy = mx_http_request_detach(r, sizeof(mx_h1_conn_t));
    if (copy == NULL) {
        return MX_ERROR;
    }

    copy->c = r->connection;
    copy->r = r;

    return MX_OK;
}


/* ------------------------------------------------------ client abort */

static void
mx_h1_watch_client(mx_http_request_t *r)
{
    mx_h1_conn_t  *hc = r->connection->data;

    if (r->detached || hc->r != r || hc->raw) {
        return;
    }

    hc->watch_client = 1;

    if (hc->c->read_handler == NULL) {
        /* not reading the body now (done, or not asked for) */
        mx_h1_watch_start(hc);
    }
}


static void
mx_h1_watch_start(mx_h1_conn_t *hc)
{
    hc->c->read_handler = mx_h1_client_check;
    mx_conn_want_read(hc->c, 1);
}


static void
mx_h1_client_check(mx_connection_t *c)
{
    char                 buf[1];
    ssize_t              n;
    mx_h1_conn_t        *hc = c->data;
    mx_http_request_t   *r = hc->r;
    mx_http_handler_pt   h;

    n = recv(c->fd, buf, 1, MSG_PEEK);

    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    {
        return;
    }

    c->read_handler = NULL;
    mx_conn_want_read(c, 0);
    hc->watch_client = 0;

    if (n > 0 || r == NULL) {
        /* the client says more: it is there (a close cannot be seen now) */
        return;
    }

    mx_log_error(MX_LOG_INFO, &c->log, n < 0 ? errno : 0,
                 "client prematurely closed connection");

    c->error = 1;
    r->keepalive = 0;

    h = r->client_abort_handler;
    r->client_abort_handler = NULL;

    if (h) {
        (void) h(r);
    }
}


/* ------------------------------------------------------ body pieces */

/* a piece of the body: counted, checked and kept; MX_OK or MX_ERROR */
static int
mx_h1_body_piece(mx_h1_conn_t *hc, u_char *at, size_t len)
{
    mx_http_request_t        *r = hc->r;
    mx_http_core_loc_conf_t  *clcf;
    mx_http_request_body_t   *rb = r->request_body;

    if (rb == NULL) {
        return MX_OK;
    }

    rb->received += len;

    /* a discarded body has no limit, as in nginx */
    if (rb->discard) {
        return MX_OK;
    }

    clcf = r->loc_conf[mx_http_core_module.ctx_index];
    if (clcf->client_max_body_size
        && rb->received > clcf->client_max_body_size)
    {
        hc->header_error = 1;   /* 413, see the caller */
        return MX_OK;
    }

    /* the body stays where it was read: connection or body buffer */
    return mx_http_request_body_save(r, at, len);
}


/* ----------------------------------------------------- request line */

static mx_uint_t
mx_h1_method(const u_char *m, size_t len)
{
#define MX_M(name, id)                                                        \
    if (len == sizeof(name) - 1 && memcmp(m, name, sizeof(name) - 1) == 0) { \
        return id;                                                            \
    }

    switch (len) {
    case 3:
        MX_M("GET", MX_HTTP_GET);
        MX_M("PUT", MX_HTTP_PUT);
        break;
    case 4:
        MX_M("POST", MX_HTTP_POST);
        MX_M("HEAD", MX_HTTP_HEAD);
        MX_M("COPY", MX_HTTP_COPY);
        MX_M("MOVE", MX_HTTP_MOVE);
        MX_M("LOCK", MX_HTTP_LOCK);
        break;
    case 5:
        MX_M("PATCH", MX_HTTP_PATCH);
        MX_M("TRACE", MX_HTTP_TRACE);
        MX_M("MKCOL", MX_HTTP_MKCOL);
        break;
    case 6:
        MX_M("DELETE", MX_HTTP_DELETE);
        MX_M("UNLOCK", MX_HTTP_UNLOCK);
        break;
    case 7:
        MX_M("OPTIONS", MX_HTTP_OPTIONS);
        MX_M("CONNECT", MX_HTTP_CONNECT);
        break;
    case 8:
        MX_M("PROPFIND", MX_HTTP_PROPFIND);
        break;
    case 9:
        MX_M("PROPPATCH", MX_HTTP_PROPPATCH);
        break;
    }

#undef MX_M

    return MX_HTTP_UNKNOWN;
}


static int
mx_h1_hex(u_char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c = mx_tolower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


/*
 * Decodes %XX and normalizes "//", "/./" and "/../" in the path as nginx
 * does; MX_DECLINED when the path climbs above the root.
 */
static int
mx_h1_parse_uri(mx_http_request_t *r)
{
    u_char   *src, *end, *q, *dst, *start, ch;
    int       hi, lo;
    size_t    i;

    src = r->unparsed_uri.data;
    end = src + r->unparsed_uri.len;

    if (src == end) {
        return MX_DECLINED;
    }

    /* absolute form: "http://host/path" */
    if (*src != '/') {
        if (end - src > 7 && mx_strcasecmp_n(src, (u_char *) "http://", 7)
                             == 0)
        {
            src += 7;
        } else if (end - src > 8
                   && mx_strcasecmp_n(src, (u_char *) "https://", 8) == 0)
        {
            src += 8;
        } else if (r->method == MX_HTTP_OPTIONS && end - src == 1
                   && *src == '*')
        {
            mx_str_set(&r->uri, "*");
            return MX_OK;
        } else {
            return MX_DECLINED;
        }

        r->headers_in.server.data = src;
        while (src < end && *src != '/' && *src != '?') {
            src++;
        }
        r->headers_in.server.len = src - r->headers_in.server.data;

        if (src < end && *src == '?') {
            return MX_DECLINED;
        }

        if (src == end) {
            mx_str_set(&r->uri, "/");
            return MX_OK;
        }
    }

    q = memchr(src, '?', end - src);
    if (q) {
        r->args.data = q + 1;
        r->args.len = end - q - 1;
        end = q;
    }

    dst = mx_pnalloc(r->pool, end - src + 1);
    if (dst == NULL) {
        return MX_ERROR;
    }

    start = dst;

    while (src < end) {
        ch = *src++;

        if (ch == '%' && end - src >= 2) {
            hi = mx_h1_hex(src[0]);
            lo = mx_h1_hex(src[1]);
            if (hi >= 0 && lo >= 0) {
                ch = (u_char) (hi * 16 + lo);
                src += 2;
                if (ch == '\0') {
                    return MX_DECLINED;
                }
            }

        } else if (ch == '%') {
            return MX_DECLINED;
        }

        if (ch == '/' && dst > start && dst[-1] == '/') {
            /* merge slashes */
            continue;
        }

        *dst++ = ch;

        /* "/." and "/.." at a segment end */
        if (dst - start >= 2 && dst[-1] == '/' && dst[-2] == '.'
            && (dst - start == 2 || dst[-3] == '/'))
        {
            if (dst - start >= 3) {
                dst -= 2;
            }

        } else if (dst - start >= 3 && dst[-1] == '/' && dst[-2] == '.'
                   && dst[-3] == '.' && (dst - start >= 4 && dst[-4] == '/'))
        {
            dst -= 4;
            if (dst == start) {
                return MX_DECLINED;
            }
            while (dst > start && dst[-1] != '/') {
                dst--;
            }
        }
    }

    /* a trailing "/." or "/.." */
    if (dst - start >= 2 && dst[-1] == '.' && dst[-2] == '/') {
        dst--;

    } else if (dst - start >= 3 && dst[-1] == '.' && dst[-2] == '.'
               && dst[-3] == '/')
    {
        dst -= 3;
        if (dst == start) {
            return MX_DECLINED;
        }
        while (dst > start && dst[-1] != '/') {
            dst--;
        }
    }

    r->uri.data = start;
    r->uri.len = dst - start;

    if (r->uri.len == 0) {
        return MX_DECLINED;
    }

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

    return MX_OK;
}


/* indexes the headers the core uses; MX_DECLINED on a bad request */
static int
mx_h1_process_headers(mx_http_request_t *r)
{
    mx_http_headers_in_t  *hin = &r->headers_in;
    mx_table_elt_t        *h;
    mx_uint_t              i;
    off_t                  n;

    h = hin->headers.elts;

    for (i = 0; i < hin->headers.nelts; i++) {

#define MX_IS(name)                                                       \
    (h[i].key.len == sizeof(name) - 1                                     \
     && mx_strcasecmp_n(h[i].key.data, (u_char *) name,                   \
                        sizeof(name) - 1) == 0)

        h[i].hash = mx_hash_key_lc(h[i].key.data, h[i].key.len);

        if (h[i].key.len == 0) {
            return MX_DECLINED;
        }

        if (MX_IS("host")) {
            if (hin->host) {
                mx_log_error(MX_LOG_INFO, &r->connection->log, 0,
                             "client sent duplicate host header: "
                             "\"%.*s: %.*s\", previous value: "
                             "\"%.*s: %.*s\"", MX_STR_ARG(h[i].key),
                             MX_STR_ARG(h[i].value),
                             MX_STR_ARG(hin->host->key),
                             MX_STR_ARG(hin->host->value));
                return MX_DECLINED;
            }
            hin->host = &h[i];

        } else if (MX_IS("content-length")) {
            n = 0;
            if (h[i].value.len == 0 || h[i].value.len > 18) {
                goto invalid_cl;
            }
            for (size_t k = 0; k < h[i].value.len; k++) {
                if (h[i].value.data[k] < '0' || h[i].value.data[k] > '9') {
                    goto invalid_cl;
                }
                n = n * 10 + (h[i].value.data[k] - '0');
            }

            if (hin->content_length) {
                mx_log_error(MX_LOG_INFO, &r->connection->log, 0,
                             "client sent duplicate header line: "
                             "\"%.*s: %.*s\", previous value: "
                             "\"%.*s: %.*s\"", MX_STR_ARG(h[i].key),
                             MX_STR_ARG(h[i].value),
                             MX_STR_ARG(hin->content_length->key),
                             MX_STR_ARG(hin->content_length->value));
                return MX_DECLINED;
            }

            hin->content_length = &h[i];
            hin->content_length_n = n;
            continue;

        invalid_cl:
            mx_log_error(MX_LOG_INFO, &r->connection->log, 0,
                         "client sent invalid \"Content-Length\" header");
            return MX_DECLINED;

        } else if (MX_IS("transfer-encoding")) {
            if (hin->transfer_encoding) {
                return MX_DECLINED;
            }
            hin->transfer_encoding = &h[i];

        } else if (MX_IS("connection")) {
            hin->connection = &h[i];
            if (memmem(h[i].value.data, h[i].value.len, "close", 5)
                || memmem(h[i].value.data, h[i].value.len, "Close", 5))
            {
                hin->connection_close = 1;
            }
            if (h[i].value.len >= 10
                && (memmem(h[i].value.data, h[i].value.len, "keep-alive", 10)
                    || memmem(h[i].value.data, h[i].value.len,
                              "Keep-Alive", 10)))
            {
                hin->connection_keepalive = 1;
            }
            if (memmem(h[i].value.data, h[i].value.len, "pgrade", 6)) {
                hin->connection_upgrade = 1;
            }

        } else if (MX_IS("expect")) {
            hin->expect = &h[i];
            if (h[i].value.len == 12
                && mx_strcasecmp_n(h[i].value.data,
                                   (u_char *) "100-continue", 12) == 0)
            {
                hin->expect_continue = 1;
            }

        } else if (MX_IS("user-agent")) {
            hin->user_agent = &h[i];

        } else if (MX_IS("referer")) {
            hin->referer = &h[i];

        } else if (MX_IS("content-type")) {
            hin->content_type = &h[i];

        } else if (MX_IS("cookie")) {
            if (hin->cookie == NULL) {
                hin->cookie = &h[i];
            }

        } else if (MX_IS("x-forwarded-for")) {
            if (hin->x_forwarded_for == NULL) {
                hin->x_forwarded_for = &h[i];
            }
        }

#undef MX_IS
    }

    if (hin->transfer_encoding) {
        if (r->http_version < MX_HTTP_VERSION_11) {
            mx_log_error(MX_LOG_INFO, &r->connection->log, 0,
                         "client sent HTTP/1.0 request with "
                         "\"Transfer-Encoding\" header");
            return MX_DECLINED;
        }

        if (hin->transfer_encoding->value.len == 7
            && mx_strcasecmp_n(hin->transfer_encoding->value.data,
                               (u_char *) "chunked", 7) == 0)
        {
            if (hin->content_length) {
                /* both: a smuggling attempt */
                mx_log_error(MX_LOG_INFO, &r->connection->log, 0,
                             "client sent \"Content-Length\" and "
                             "\"Transfer-Encoding\" headers at the same "
                             "time");
                return MX_DECLINED;
            }

            hin->chunked = 1;
            hin->content_length_n = -1;

        } else {
            mx_log_error(MX_LOG_INFO, &r->connection->log, 0,
                         "client sent unknown \"Transfer-Encoding\": "
                         "\"%.*s\"",
                         MX_STR_ARG(hin->transfer_encoding->value));
            return 501;
        }
    }

    return MX_OK;
}


/* ------------------------------------------------------ reading */

/* the offset just past the end of the header block, or 0 */
static size_t
mx_h1_find_header_end(mx_h1_conn_t *hc)
{
    u_char  *p, *end;

    p = hc->buf + (hc->scan > hc->pos ? hc->scan : hc->pos);
    end = hc->buf + hc->last;

    while ((p = memchr(p, '\n', end - p)) != NULL) {
        if (p + 1 < end && p[1] == '\n') {
            return p + 2 - hc->buf;
        }

        if (p + 2 < end && p[1] == '\r' && p[2] == '\n') {
            return p + 3 - hc->buf;
        }

        p++;
    }

    /* resume where a terminator could still start */
    hc->scan = hc->last > 3 ? hc->last - 3 : 0;
    return 0;
}


/* MX_DECLINED (logged) when a header line is longer than a large buffer */
static int
mx_h1_check_lines(mx_h1_conn_t *hc, u_char *ls, u_char *end)
{
    mx_http_core_srv_conf_t  *cscf = hc->port->default_server;
    u_char                   *le;

    while (ls < end) {
        le = memchr(ls, '\n', end - ls);
        if ((size_t) ((le ? le : end) - ls)
            >= cscf->large_client_header_buffers_size)
        {
            mx_log_error(MX_LOG_INFO, &hc->c->log, 0,
                         "client sent too long header line: \"%.*s...\"",
                         (int) mx_min((size_t) (end - ls), 1024), ls);
            return MX_DECLINED;
        }

        if (le == NULL) {
            break;
        }

        ls = le + 1;
    }

    return MX_OK;
}


/* MX_OK, MX_DECLINED (would exceed limits: *status set), MX_ERROR */
static int
mx_h1_grow(mx_h1_conn_t *hc, mx_uint_t *status)
{
    mx_http_core_srv_conf_t  *cscf = hc->port->default_server;
    size_t                    max, line, nsize;
    u_char                   *nl, *nbuf;

    max = cscf->large_client_header_buffers_size
          * cscf->large_client_header_buffers_num;

    /* the request line must fit into one large buffer */
    nl = memchr(hc->buf + hc->pos, '\n', hc->last - hc->pos);
    line = nl ? (size_t) (nl - (hc->buf + hc->pos))
              : hc->last - hc->pos;

    if (line >= cscf->large_client_header_buffers_size) {
        *status = 414;
        return MX_DECLINED;
    }

    /* every header line must fit into one large buffer too */
    if (nl && mx_h1_check_lines(hc, nl + 1, hc->buf + hc->last) != MX_OK) {
        *status = 494;
        return MX_DECLINED;
    }

    if (hc->last - hc->pos >= max) {
        *status = 494;
        return MX_DECLINED;
    }

    /* keep unparsed data at the start */
    if (hc->pos > 0) {
        memmove(hc->buf, hc->buf + hc->pos, hc->last - hc->pos);
        hc->last -= hc->pos;
        hc->scan = hc->scan > hc->pos ? hc->scan - hc->pos : 0;
        hc->pos = 0;
        if (hc->last < hc->size) {
            return MX_OK;
        }
    }

    nsize = hc->size < cscf->large_client_header_buffers_size
            ? cscf->large_client_header_buffers_size
            : hc->size + cscf->large_client_header_buffers_size;
    if (nsize > max) {
        nsize = max;
    }

    if (nsize <= hc->size) {
        *status = 494;
        return MX_DECLINED;
    }

    nbuf = realloc(hc->buf, nsize);
    if (nbuf == NULL) {
        return MX_ERROR;
    }

    hc->buf = nbuf;
    hc->size = nsize;
    return MX_OK;
}


/* a request that failed to parse: a response, then close */
static void
mx_h1_bad_request(mx_h1_conn_t *hc, mx_uint_t status)
{
    mx_http_request_t  *r = hc->r;

    if (r == NULL) {
        r = mx_http_create_request(hc->c, &mx_h1_proto, hc->port);
        if (r == NULL) {
            mx_h1_close(hc);
            return;
        }
        hc->r = r;
    }

    if (r->http_version < MX_HTTP_VERSION_10) {
        r->http_version = MX_HTTP_VERSION_10;
    }

    hc->state = MX_H1_PROCESSING;
    r->keepalive = 0;
    r->body_read = 1;
    hc->c->read_handler = NULL;
    mx_conn_want_read(hc->c, 0);
    mx_conn_read_timer(hc->c, 0);
    mx_http_finalize_request(r, (int) status);
}


/*
 * The request line, "METHOD URI HTTP/x.y", from p up to its end: the
 * method, URI and version into r, as nginx reads them (any upper-case
 * method; blanks between the parts; a line without a version is an
 * HTTP/0.9 request). MX_OK, or the status to answer (logged).
 */
static mx_uint_t
mx_h1_request_line(mx_http_request_t *r, u_char *p, u_char *end)
{
    mx_log_t  *log = &r->connection->log;
    u_char    *m, *u;

    r->request_line.data = p;
    r->request_line.len = end - p;

    for (m = p; m < end && ((*m >= 'A' && *m <= 'Z') || *m == '_'
                            || *m == '-'); m++)
    {
        /* void */
    }

    if (m == p || m == end || *m != ' ' || m - p > 32) {
        mx_log_error(MX_LOG_INFO, log, 0, "client sent invalid method");
        return 400;
    }

    r->method_name.data = p;
    r->method_name.len = m - p;
    r->method = mx_h1_method(p, m - p);

    for (p = m; p < end && *p == ' '; p++) { /* void */ }

    for (u = p; u < end && *u > ' ' && *u != 0x7f; u++) { /* void */ }

    if (u == p || (u < end && *u != ' ')) {
        mx_log_error(MX_LOG_INFO, log, 0, "client sent invalid request");
        return 400;
    }

    r->unparsed_uri.data = p;
    r->unparsed_uri.len = u - p;

    for (p = u; p < end && *p == ' '; p++) { /* void */ }

    if (p == end) {
        /* HTTP/0.9: not served */
        mx_log_error(MX_LOG_INFO, log, 0, "client sent invalid version");
        return 505;
    }

    if (end - p < 8 || memcmp(p, "HTTP/", 5) != 0
        || p[5] < '0' || p[5] > '9' || p[6] != '.'
        || p[7] < '0' || p[7] > '9')
    {
        mx_log_error(MX_LOG_INFO, log, 0, "client sent invalid version");
        return 400;
    }

    for (u = p + 8; u < end && *u == ' '; u++) { /* void */ }

    if (u != end) {
        mx_log_error(MX_LOG_INFO, log, 0, "client sent invalid version");
        return 400;
    }

    r->http_version = (p[5] - '0') * 1000 + (p[7] - '0');

    if (p[5] != '1') {
        mx_log_error(MX_LOG_INFO, log, 0, "client sent invalid version");
        return 505;
    }

    return MX_OK;
}


/*
 * The header lines up to the empty one, by nginx's rules: a name is
 * letters, digits and '-' ('_' with underscores_in_headers); a line with
 * other bytes in its name is dropped (logged at info) under
 * ignore_invalid_headers, refused otherwise; a blank or a control byte
 * in a name, an empty name, or NUL or a lone CR anywhere is refused; a
 * line without a colon is a name with an empty value. MX_OK or a status
 * to answer (logged).
 */
static mx_uint_t
mx_h1_header_lines(mx_http_request_t *r, u_char *p, u_char *last)
{
    mx_http_core_srv_conf_t  *cscf = r->srv;
    mx_table_elt_t           *h;
    u_char                   *nl, *end, *q, *ne, *v, c;
    unsigned                  invalid;

    for ( /* void */ ; p < last; p = nl + 1) {
        nl = memchr(p, '\n', last - p);
        if (nl == NULL) {
            nl = last - 1;
        }

        end = (nl > p && nl[-1] == '\r') ? nl - 1 : nl;

        if (end == p) {
            return MX_OK;
        }

        invalid = 0;

        for (q = p; q < end && *q != ':'; q++) {
            c = *q;

            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9') || c == '-')
            {
                continue;
            }

            if (c <= ' ' || c == 0x7f) {
                goto bad;
            }

            if (c != '_' || !cscf->underscores_in_headers) {
                invalid = 1;
            }
        }

        if (q == p) {
            goto bad;
        }

        ne = q;
        v = (q < end) ? q + 1 : end;

        while (v < end && *v == ' ') {
            v++;
        }

        for (q = v; q < end; q++) {
            if (*q == '\0' || *q == '\r') {
                goto bad;
            }
        }

        if (invalid) {
            if (!cscf->ignore_invalid_headers) {
                goto bad;
            }

            mx_log_error(MX_LOG_INFO, &r->connection->log, 0,
                         "client sent invalid header line: \"%.*s\"",
                         (int) (end - p), p);
            continue;
        }

        while (end > v && end[-1] == ' ') {
            end--;
        }

        h = mx_array_push(&r->headers_in.headers);
        if (h == NULL) {
            return 500;
        }

        h->key.data = p;
        h->key.len = ne - p;
        h->value.data = v;
        h->value.len = end - v;
        h->lowcase_key = NULL;
        h->hash = 1;
    }

    return MX_OK;

bad:

    mx_log_error(MX_LOG_INFO, &r->connection->log, 0,
                 "client sent invalid header line: \"%.*s\"",
                 (int) (end - p), p);
    return 400;
}


static void
mx_h1_start_request(mx_h1_conn_t *hc, size_t end)
{
    mx_connection_t     *c = hc->c;
    mx_http_request_t   *r;
    u_char              *p, *last, *nl, *eol;
    mx_uint_t            status;
    int                  rc;

    r = mx_http_create_request(c, &mx_h1_proto, hc->port);
    if (r == NULL) {
        mx_h1_close(hc);
        return;
    }

    hc->r = r;
    hc->inflight = NULL;
    hc->inflight_last = &hc->inflight;
    hc->free_links = NULL;
    hc->message_complete = 0;
    hc->header_error = 0;
    hc->continue_sent = 0;
    hc->body_taken = 0;
    hc->body_buf = NULL;
    hc->state = MX_H1_PROCESSING;

    hc->body_chunked = 0;
    hc->body_rest = 0;
    hc->chunked.state = 0;
    hc->chunked.size = 0;

    p = hc->buf + hc->pos;
    last = hc->buf + end;

    /* the block ends with an empty line: the first line is whole */
    nl = memchr(p, '\n', last - p);
    eol = (nl > p && nl[-1] == '\r') ? nl - 1 : nl;

    status = mx_h1_request_line(r, p, eol);

    if (status == MX_OK) {
        status = mx_h1_header_lines(r, nl + 1, last);
    }

    hc->pos = end;

    if (status != MX_OK) {
        hc->pos = hc->last;
        mx_h1_bad_request(hc, status);
        return;
    }

    if (r->http_version == MX_HTTP_VERSION_11) {
        mx_str_set(&r->http_protocol, "HTTP/1.1");
    } else {
        mx_str_set(&r->http_protocol, "HTTP/1.0");
    }

    rc = mx_h1_process_headers(r);
    if (rc != MX_OK) {
        hc->pos = hc->last;
        mx_h1_bad_request(hc, rc == MX_DECLINED ? 400 : (mx_uint_t) rc);
        return;
    }

    if (mx_h1_parse_uri(r) != MX_OK) {
        mx_log_error(MX_LOG_INFO, &c->log, 0, "client sent invalid request");
        hc->pos = hc->last;
        mx_h1_bad_request(hc, 400);
        return;
    }

    r->keepalive = r->http_version == MX_HTTP_VERSION_11
                   ? !r->headers_in.connection_close
                   : r->headers_in.connection_keepalive;

    /* the body's framing */
    if (r->headers_in.chunked) {
        hc->body_chunked = 1;

    } else if (r->headers_in.content_length_n > 0) {
        hc->body_rest = r->headers_in.content_length_n;

    } else {
        hc->message_complete = 1;
        r->body_read = 1;
    }

    hc->c->read_handler = NULL;
    mx_conn_want_read(c, 0);
    mx_conn_read_timer(c, 0);
    c->log.action = NULL;

    mx_http_process_request(r);
}


static void
mx_h1_read_request(mx_connection_t *c)
{
    mx_h1_conn_t  *hc = c->data;
    ssize_t        n;
    size_t         end;
    mx_uint_t      status;
    int            rc;

    if (c->read_timedout) {
        if (memchr(hc->buf + hc->pos, '\n', hc->last - hc->pos)) {
            c->log.action = "reading client request headers";
        }
        mx_log_error(MX_LOG_INFO, &c->log, ETIMEDOUT, "client timed out");
        mx_h1_close_with(hc, 408);
        return;
    }

    if (c->close) {
        mx_h1_close(hc);
        return;
    }

    for ( ;; ) {
        /* skip empty lines between pipelined requests, as nginx does */
        while (hc->pos < hc->last
               && (hc->buf[hc->pos] == '\r' || hc->buf[hc->pos] == '\n'))
        {
            hc->pos++;
        }

        end = mx_h1_find_header_end(hc);
        if (end) {
            /* only a block longer than a large buffer can hold a long line */
            if (end - hc->pos
                > hc->port->default_server->large_client_header_buffers_size)
            {
                u_char  *nl = memchr(hc->buf + hc->pos, '\n', end - hc->pos);

                if (nl && mx_h1_check_lines(hc, nl + 1, hc->buf + end)
                          != MX_OK)
                {
                    hc->pos = hc->last;
                    mx_h1_bad_request(hc, 494);
                    return;
                }
            }

            mx_h1_start_request(hc, end);
            return;
        }

        if (hc->last == hc->size) {
            rc = mx_h1_grow(hc, &status);
            if (rc == MX_ERROR) {
                mx_h1_close(hc);
                return;
            }

            if (rc == MX_DECLINED) {
                if (status == 414) {
                    mx_log_error(MX_LOG_INFO, &c->log, 0,
                                 "client sent too long URI");
                }
                hc->pos = hc->last;
                mx_h1_bad_request(hc, status);
                return;
            }
        }

        n = mx_conn_recv(c, hc->buf + hc->last, hc->size - hc->last);

        if (n == MX_AGAIN) {
            mx_conn_want_read(c, 1);
            if (!ev_is_active(&c->read_timer)) {
                mx_conn_read_timer(c,
                    hc->port->default_server->client_header_timeout);
            }
            return;
        }

        if (n == 0 || n == MX_ERROR) {
            if (n == 0 && hc->last > hc->pos) {
                mx_log_error(MX_LOG_INFO, &c->log, 0,
                             "client prematurely closed connection");
            }
            mx_h1_close(hc);
            return;
        }

        if (hc->last == hc->pos && c->idle) {
            c->idle = 0;
        }

        hc->last += n;
    }
}


static void
mx_h1_keepalive_handler(mx_connection_t *c)
{
    mx_h1_conn_t  *hc = c->data;

    if (c->read_timedout || c->close) {
        mx_h1_close(hc);
        return;
    }

    if (hc->buf == NULL) {
        hc->buf = malloc(hc->size);
        if (hc->buf == NULL) {
            mx_h1_close(hc);
            return;
        }
    }

    c->idle = 0;
    c->log.action = "reading client request line";
    c->read_handler = mx_h1_read_request;
    mx_conn_read_timer(c, hc->port->default_server->client_header_timeout);
    mx_h1_read_request(c);
}


/* ------------------------------------------------------ body */

/*
 * Feeds buffered bytes to the parser: MX_OK when the body is complete,
 * MX_AGAIN when more is needed, MX_ERROR / 413 / 400 on failure.
 */
static int
mx_h1_feed_body(mx_h1_conn_t *hc)
{
    mx_str_t   d;
    u_char    *data, *p, *end;
    size_t    *pos, last, n;
    int        rc;

    if (hc->message_complete) {
        return MX_OK;
    }

    if (hc->body_buf) {
        data = hc->body_buf;
        pos = &hc->body_pos;
        last = hc->body_last;
    } else {
        data = hc->buf;
        pos = &hc->pos;
        last = hc->last;
    }

    if (last == *pos) {
        return MX_AGAIN;
    }

    p = data + *pos;
    end = data + last;

    if (!hc->body_chunked) {
        n = (size_t) mx_min((off_t) (end - p), hc->body_rest);
        rc = mx_h1_body_piece(hc, p, n);
        p += n;
        hc->body_rest -= n;

        if (hc->body_rest == 0) {
            hc->message_complete = 1;
        }

    } else {
        for ( ;; ) {
            rc = mx_http_parse_chunked(&hc->chunked, &p, end, &d);

            if (rc == MX_OK) {
                rc = mx_h1_body_piece(hc, d.data, d.len);
                if (rc != MX_OK || hc->header_error) {
                    break;
                }
                continue;
            }

            if (rc == MX_DONE) {
                hc->message_complete = 1;
                rc = MX_OK;
                break;
            }

            if (rc == MX_AGAIN) {
                rc = MX_OK;
                break;
            }

            *pos = p - data;
            mx_log_error(MX_LOG_ERR, &hc->c->log, 0,
                         "client sent invalid chunked body");
            return 400;
        }
    }

    *pos = p - data;

    if (rc != MX_OK) {
        return 500;
    }

    if (hc->header_error) {
        return 413;
    }

    return hc->message_complete ? MX_OK : MX_AGAIN;
}


/*
 * Whether the bytes in the body buffer, all parsed, may be overwritten:
 * nothing points at them once they are dropped, in the body's temporary
 * file, or sent on by an unbuffered reader.
 */
static int
mx_h1_body_buf_free(mx_h1_conn_t *hc)
{
    mx_http_request_body_t  *rb = hc->r->request_body;

    if (hc->body_pos != hc->body_last) {
        return 0;
    }

    return rb == NULL || rb->discard || rb->temp_fd != -1
           || (hc->r->request_body_no_buffering && rb->bufs == NULL);
}


/*
 * The client closed (or broke) the connection in the middle of its body:
 * nothing can be answered; the access log says 400, as nginx's does.
 */
static int
mx_h1_body_closed(mx_h1_conn_t *hc)
{
    mx_log_error(MX_LOG_INFO, &hc->c->log, 0,
                 "client prematurely closed connection");

    hc->c->error = 1;

    if (!hc->r->header_sent) {
        hc->r->headers_out.status = 400;
    }

    return MX_HTTP_CLIENT_CLOSED_REQUEST;
}


/* reads more body bytes: MX_OK read some, MX_AGAIN, MX_ERROR/eof */
static int
mx_h1_recv_body(mx_h1_conn_t *hc)
{
    mx_http_request_t        *r = hc->r;
    mx_http_core_loc_conf_t  *clcf;
    ssize_t                   n;

    if (hc->body_buf == NULL && hc->last < hc->size) {
        n = mx_conn_recv(hc->c, hc->buf + hc->last, hc->size - hc->last);
        if (n > 0) {
            hc->last += n;
        }

    } else {
        if (hc->body_buf && hc->body_last == hc->body_size
            && mx_h1_body_buf_free(hc))
        {
            hc->body_pos = 0;
            hc->body_last = 0;

        } else if (hc->body_buf == NULL || hc->body_last == hc->body_size) {
            /* the previous body buffer is referenced by r's body chain */
            clcf = r->loc_conf[mx_http_core_module.ctx_index];
            hc->body_size = clcf->client_body_buffer_size;
            if (hc->body_size < 1024) {
                hc->body_size = 1024;
            }
            hc->body_buf = mx_pnalloc(r->pool, hc->body_size);
            if (hc->body_buf == NULL) {
                return MX_ERROR;
            }
            hc->body_pos = 0;
            hc->body_last = 0;
        }

        n = mx_conn_recv(hc->c, hc->body_buf + hc->body_last,
                         hc->body_size - hc->body_last);
        if (n > 0) {
            hc->body_last += n;
        }
    }

    if (n == MX_AGAIN) {
        return MX_AGAIN;
    }

    if (n <= 0) {
        return MX_ERROR;
    }

    return MX_OK;
}


static int
mx_h1_send_continue(mx_h1_conn_t *hc)
{
    static const char  cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    ssize_t            n;

    if (hc->continue_sent || !hc->r->headers_in.expect_continue
        || hc->r->expect_tested
        || hc->r->http_version < MX_HTTP_VERSION_11)
    {
        return MX_OK;
    }

    hc->continue_sent = 1;

    n = mx_conn_send(hc->c, (u_char *) cont, sizeof(cont) - 1);
    if (n != sizeof(cont) - 1) {
        return MX_ERROR;
    }

    return MX_OK;
}


/* the body is no longer read from the connection (done, or failed) */
static void
mx_h1_body_stop(mx_h1_conn_t *hc)
{
    hc->c->read_handler = NULL;
    mx_conn_want_read(hc->c, 0);
    mx_conn_read_timer(hc->c, 0);
    hc->c->log.action = NULL;
}


static void
mx_h1_body_done(mx_h1_conn_t *hc, int rc)
{
    mx_http_request_t       *r = hc->r;
    mx_http_request_body_t  *rb = r->request_body;

    mx_h1_body_stop(hc);

    if (rc != MX_OK) {
        r->keepalive = 0;
        r->body_read = 1;
        mx_http_finalize_request(r, rc);
        return;
    }

    if (hc->watch_client) {
        mx_h1_watch_start(hc);
    }

    r->body_read = 1;
    rb->done = 1;
    rb->rest = 0;

    if (rb->post_handler) {
        rb->post_handler(r);
    }
}


/*
 * Unbuffered body: parses and reads until there are pieces for the
 * reader, the body ends (MX_OK either way), nothing is there (MX_AGAIN,
 * reading armed) or it fails (an HTTP status). Called only when the
 * reader holds no pieces, so the buffers may be reused.
 */
static int
mx_h1_body_pump(mx_h1_conn_t *hc)
{
    mx_http_request_t        *r = hc->r;
    mx_http_request_body_t   *rb = r->request_body;
    mx_http_core_loc_conf_t  *clcf;
    int                       rc;

    for ( ;; ) {
        rc = mx_h1_feed_body(hc);

        if (rc == MX_OK) {
            mx_h1_body_stop(hc);

            r->body_read = 1;
            rb->done = 1;
            rb->rest = 0;

            if (hc->watch_client) {
                mx_h1_watch_start(hc);
            }

            return MX_OK;
        }

        if (rc != MX_AGAIN) {
            return rc;
        }

        if (rb->bufs) {
            mx_conn_want_read(hc->c, 0);
            mx_conn_read_timer(hc->c, 0);
            return MX_OK;
        }

        rc = mx_h1_recv_body(hc);

        if (rc == MX_AGAIN) {
            clcf = r->loc_conf[mx_http_core_module.ctx_index];
            mx_conn_want_read(hc->c, 1);
            mx_conn_read_timer(hc->c, clcf->client_body_timeout);
            return MX_AGAIN;
        }

        if (rc == MX_ERROR) {
            return mx_h1_body_closed(hc);
        }
    }
}


static void
mx_h1_unbuffered_handler(mx_h1_conn_t *hc)
{
    mx_http_request_t       *r = hc->r;
    mx_http_request_body_t  *rb = r->request_body;
    int                      rc;

    if (hc->c->read_timedout) {
        mx_log_error(MX_LOG_INFO, &hc->c->log, ETIMEDOUT,
                     "client timed out");
        mx_h1_body_done(hc, 408);
        return;
    }

    if (rb->bufs) {
        /* the reader is still sending the last pieces on */
        mx_conn_want_read(hc->c, 0);
        return;
    }

    rc = mx_h1_body_pump(hc);

    if (rc == MX_AGAIN) {
        return;
    }

    if (rc != MX_OK) {
        mx_h1_body_done(hc, rc);
        return;
    }

    rb->post_handler(r);
}


static int
mx_h1_read_unbuffered(mx_http_request_t *r)
{
    mx_h1_conn_t            *hc = r->connection->data;
    mx_http_request_body_t  *rb = r->request_body;
    int                      rc;

    if (rb->done) {
        return MX_OK;
    }

    rc = mx_h1_body_pump(hc);

    if (rc != MX_OK && rc != MX_AGAIN) {
        /* r is finalized with rc: the rest of the body is not read */
        mx_h1_body_stop(hc);
        r->keepalive = 0;
        r->body_read = 1;
    }

    return rc;
}


static void
mx_h1_body_handler(mx_connection_t *c)
{
    mx_h1_conn_t             *hc = c->data;
    mx_http_request_t        *r = hc->r;
    mx_http_core_loc_conf_t  *clcf;
    int                       rc;

    if (r->request_body_no_buffering) {
        mx_h1_unbuffered_handler(hc);
        return;
    }

    if (c->read_timedout) {
        mx_log_error(MX_LOG_INFO, &c->log, ETIMEDOUT, "client timed out");
        mx_h1_body_done(hc, 408);
        return;
    }

    for ( ;; ) {
        rc = mx_h1_feed_body(hc);
        if (rc != MX_AGAIN) {
            mx_h1_body_done(hc, rc);
            return;
        }

        rc = mx_h1_recv_body(hc);
        if (rc == MX_AGAIN) {
            clcf = r->loc_conf[mx_http_core_module.ctx_index];
            mx_conn_want_read(c, 1);
            mx_conn_read_timer(c, clcf->client_body_timeout);
            return;
        }

        if (rc == MX_ERROR) {
            mx_h1_body_done(hc, mx_h1_body_closed(hc));
            return;
        }
    }
}


static int
mx_h1_read_body(mx_http_request_t *r)
{
    mx_h1_conn_t  *hc = r->connection->data;
    int            rc;

    if (r->body_read || hc->message_complete) {
        r->body_read = 1;
        r->request_body->done = 1;
        return MX_OK;
    }

    rc = mx_h1_feed_body(hc);
    if (rc == MX_OK) {
        r->body_read = 1;
        r->request_body->done = 1;
        return MX_OK;
    }

    if (rc != MX_AGAIN) {
        r->keepalive = 0;
        return rc;
    }

    if (mx_h1_send_continue(hc) != MX_OK) {
        return MX_HTTP_CLIENT_CLOSED_REQUEST;
    }

    hc->c->log.action = "reading client request body";
    hc->c->read_handler = mx_h1_body_handler;

    if (r->request_body_no_buffering) {
        rc = mx_h1_body_pump(hc);
        if (rc == MX_OK && r->body_read) {
            return MX_OK;
        }

        if (rc == MX_OK || rc == MX_AGAIN) {
            return MX_AGAIN;
        }

        mx_h1_body_stop(hc);
        r->keepalive = 0;
        return rc;
    }

    mx_h1_body_handler(hc->c);

    return MX_AGAIN;
}


int
mx_http_read_client_body(mx_http_request_t *r,
    mx_http_handler_pt post_handler)
{
    mx_http_request_body_t  *rb;
    int                      rc;

    if (r->request_body) {
        if (r->request_body->done) {
            post_handler(r);
            return MX_OK;
        }
        return MX_AGAIN;
    }

    rb = mx_pcalloc(r->pool, sizeof(mx_http_request_body_t));
    if (rb == NULL) {
        return 500;
    }

    rb->rest = r->headers_in.content_length_n;
    rb->post_handler = post_handler;
    rb->temp_fd = -1;
    r->request_body = rb;

    rc = r->proto->read_body(r);
    if (rc == MX_OK || (rc == MX_AGAIN && r->request_body_no_buffering)) {
        post_handler(r);
        return MX_OK;
    }

    return rc;
}


int
mx_http_read_unbuffered_request_body(mx_http_request_t *r)
{
    mx_http_request_body_t  *rb = r->request_body;
    mx_chain_t              *cl;

    if (rb->bufs) {
        for (cl = rb->bufs; cl->next; cl = cl->next) { /* void */ }
        cl->next = rb->free;
        rb->free = rb->bufs;
        rb->bufs = NULL;
    }

    return r->proto->read_unbuffered(r);
}


int
mx_http_discard_request_body(mx_http_request_t *r)
{
    if (r->discard_body || r->body_read) {
        return MX_OK;
    }

    if (r->request_body && !r->request_body->discard) {
        /* being read: the reader decides */
        return MX_OK;
    }

    return r->proto->discard_body(r);
}


static int
mx_h1_discard_body(mx_http_request_t *r)
{
    mx_h1_conn_t  *hc = r->connection->data;
    int            rc;

    r->discard_body = 1;

    if (hc->message_complete) {
        r->body_read = 1;
        return MX_OK;
    }

    if (r->request_body == NULL) {
        r->request_body = mx_pcalloc(r->pool, sizeof(mx_http_request_body_t));
        if (r->request_body == NULL) {
            return 500;
        }
        r->request_body->temp_fd = -1;
    }

    r->request_body->discard = 1;

    if (r->headers_in.content_length_n > 0 || r->headers_in.chunked) {
        if (mx_h1_send_continue(hc) != MX_OK) {
            r->keepalive = 0;
            return MX_OK;
        }
    }

    /* what already arrived is checked now, so a bad body gets its 400 */
    rc = mx_h1_feed_body(hc);

    if (rc == MX_OK) {
        r->body_read = 1;
        return MX_OK;
    }

    if (rc == 400) {
        r->keepalive = 0;
        r->body_read = 1;
        return 400;
    }

    return MX_OK;
}


static void
mx_h1_discard_handler(mx_connection_t *c)
{
    mx_h1_conn_t  *hc = c->data;
    int            rc;

    if (c->read_timedout) {
        mx_h1_close_with(hc, 0);
        return;
    }

    for ( ;; ) {
        rc = mx_h1_feed_body(hc);
        if (rc == MX_OK) {
            hc->r->body_read = 1;
            c->read_handler = NULL;
            mx_conn_want_read(c, 0);
            mx_conn_read_timer(c, 0);
            mx_h1_finish(hc->r);
            return;
        }

        if (rc != MX_AGAIN) {
            mx_h1_close_with(hc, 0);
            return;
        }

        rc = mx_h1_recv_body(hc);
        if (rc == MX_AGAIN) {
            mx_conn_want_read(c, 1);
            if (!ev_is_active(&c->read_timer)) {
                mx_conn_read_timer(c, 5000);
            }
            return;
        }

        if (rc == MX_ERROR) {
            mx_h1_close_with(hc, 0);
            return;
        }
    }
}


static int
mx_h1_take_body(mx_http_request_t *r, int raw, mx_str_t *preread)
{
    mx_h1_conn_t            *hc = r->connection->data;
    mx_http_request_body_t  *rb;
    u_char                  *data;
    size_t                  *pos, last, n;

    if (raw && hc->raw) {
        return MX_DECLINED;
    }

    rb = r->request_body;

    if (rb == NULL) {
        rb = mx_pcalloc(r->pool, sizeof(mx_http_request_body_t));
        if (rb == NULL) {
            return MX_ERROR;
        }

        rb->temp_fd = -1;
        r->request_body = rb;
    }

    rb->done = 1;

    if (!raw && mx_h1_send_continue(hc) != MX_OK) {
        r->keepalive = 0;
        return MX_ERROR;
    }

    /* what the connection read past the header block (and the body, when
     * the core read it) */
    if (hc->body_buf) {
        data = hc->body_buf;
        pos = &hc->body_pos;
        last = hc->body_last;

    } else {
        data = hc->buf;
        pos = &hc->pos;
        last = hc->last;
    }

    n = last - *pos;

    if (raw) {
        hc->raw = 1;
        hc->watch_client = 0;
        r->keepalive = 0;
        r->body_read = 1;
        r->client_abort_handler = NULL;
        rb->rest = 0;

        if (hc->c->read_handler == mx_h1_client_check) {
            hc->c->read_handler = NULL;
            mx_conn_want_read(hc->c, 0);
        }

    } else {
        hc->body_taken = 1;

        if ((off_t) n > r->headers_in.content_length_n) {
            n = (size_t) r->headers_in.content_length_n;
        }

        rb->rest = r->headers_in.content_length_n - n;

        if (rb->rest == 0) {
            r->body_read = 1;
        }
    }

    preread->data = data + *pos;
    preread->len = n;
    *pos += n;

    return MX_OK;
}


/* ------------------------------------------------------- output */

static void
mx_h1_queue(mx_http_request_t *r, mx_chain_t *in)
{
    mx_chain_t  **ll;

    for (ll = &r->out; *ll; ll = &(*ll)->next) { /* void */ }
    *ll = in;
}


static mx_chain_t *
mx_h1_mem_link(mx_http_request_t *r, u_char *data, size_t len)
{
    mx_buf_t    *b;
    mx_chain_t  *cl;

    b = mx_pcalloc(r->pool, sizeof(mx_buf_t) + sizeof(mx_chain_t));
    if (b == NULL) {
        return NULL;
    }

    b->start = data;
    b->pos = data;
    b->last = data + len;
    b->end = b->last;
    b->fd = -1;

    cl = (mx_chain_t *) (b + 1);
    cl->buf = b;
    cl->next = NULL;
    return cl;
}


/* a framing link for buf, or for len bytes of data (copied when they fit
 * the link, else pointed to: static data) */
static mx_chain_t *
mx_h1_frame_link(mx_h1_conn_t *hc, mx_http_request_t *r, mx_buf_t *buf,
    const u_char *data, size_t len)
{
    mx_h1_link_t  *l;

    l = hc->free_links;

    if (l) {
        hc->free_links = l->next;

    } else {
        l = mx_palloc(r->pool, sizeof(mx_h1_link_t));
        if (l == NULL) {
            return NULL;
        }
    }

    if (buf == NULL) {
        memset(&l->buf, 0, sizeof(mx_buf_t));
        l->buf.fd = -1;

        if (len <= sizeof(l->data)) {
            memcpy(l->data, data, len);
            data = l->data;
        }

        l->buf.start = (u_char *) data;
        l->buf.pos = (u_char *) data;
        l->buf.last = (u_char *) data + len;
        l->buf.end = l->buf.last;
        buf = &l->buf;
    }

    l->cl.buf = buf;
    l->cl.next = NULL;
    l->next = NULL;

    if (hc->inflight_last == NULL) {
        hc->inflight_last = &hc->inflight;
    }

    *hc->inflight_last = l;
    hc->inflight_last = &l->next;

    return &l->cl;
}


/* the first link of r->out is written: drops it, taking ours again */
static void
mx_h1_out_done(mx_http_request_t *r)
{
    mx_chain_t    *cl = r->out;
    mx_h1_conn_t  *hc = r->connection->data;
    mx_h1_link_t  *l;

    r->out = cl->next;

    l = hc->inflight;

    if (l != NULL && &l->cl == cl) {
        hc->inflight = l->next;
        if (hc->inflight == NULL) {
            hc->inflight_last = &hc->inflight;
        }

        l->next = hc->free_links;
        hc->free_links = l;
    }
}


static int
mx_h1_append_header(u_char **p, u_char *end, const char *name, size_t nlen,
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


static int
mx_h1_send_header(mx_http_request_t *r)
{
    mx_h1_conn_t             *hc = r->connection->data;
    mx_http_core_loc_conf_t  *clcf;
    mx_http_headers_out_t    *ho = &r->headers_out;
    mx_table_elt_t           *h;
    const mx_str_t           *line;
    mx_str_t                  ct, host;
    mx_chain_t               *cl;
    mx_uint_t                 i;
    size_t                    len;
    u_char                   *buf, *p, *end, num[32], tbuf[64];
    int                       n, port, own_server, own_date, own_lm;

    clcf = r->loc_conf[mx_http_core_module.ctx_index];

    if (r->http_version < MX_HTTP_VERSION_10) {
        return MX_OK;
    }

    /* the response framing (none after a 1xx: another protocol) */
    if (ho->content_length_n == -1 && !r->header_only && ho->status >= 200)
    {
        if (r->http_version >= MX_HTTP_VERSION_11) {
            r->chunked = 1;
        } else {
            r->keepalive = 0;
        }
    }

    if (r->keepalive) {
        if (hc->c->requests >= clcf->keepalive_requests
            || clcf->keepalive_timeout == 0 || mx_exiting)
        {
            r->keepalive = 0;
        }
    }

    len = 512;
    h = ho->headers.elts;
    for (i = 0; i < ho->headers.nelts; i++) {
        len += h[i].key.len + h[i].value.len + 4;
    }
    len += ho->content_type.len + clcf->default_type.len;
    if (r->headers_in.server.len) {
        len += r->headers_in.server.len;
    } else {
        len += r->srv->server_name.len + 64;
    }
    if (ho->location) {
        len += ho->location->value.len;
    }

    buf = mx_pnalloc(r->pool, len);
    if (buf == NULL) {
        return MX_ERROR;
    }

    p = buf;
    end = buf + len;

    memcpy(p, "HTTP/1.1 ", 9);
    p += 9;

    if (ho->status_line.len) {
        p = mx_cpymem(p, ho->status_line.data, ho->status_line.len);

    } else {
        line = mx_http_status_line(ho->status);
        if (line->len) {
            p = mx_cpymem(p, line->data, line->len);

        } else {
            /* an unknown status: its three digits and an empty reason */
            *p++ = (u_char) ('0' + ho->status / 100 % 10);
            *p++ = (u_char) ('0' + ho->status / 10 % 10);
            *p++ = (u_char) ('0' + ho->status % 10);
            *p++ = ' ';
        }
    }

    *p++ = '\r';
    *p++ = '\n';

    /* a Server, Date or Last-Modified set by a handler replaces ours */
    own_server = own_date = own_lm = 0;
    for (i = 0; i < ho->headers.nelts; i++) {
        if (h[i].key.len == 6
            && mx_strcasecmp_n(h[i].key.data, (u_char *) "server", 6) == 0)
        {
            own_server = 1;
        } else if (h[i].key.len == 4
                   && mx_strcasecmp_n(h[i].key.data, (u_char *) "date", 4)
                      == 0)
        {
            own_date = 1;
        } else if (h[i].key.len == 13
                   && mx_strcasecmp_n(h[i].key.data,
                                      (u_char *) "last-modified", 13) == 0)
        {
            own_lm = 1;
        }
    }

    if (own_server) {
        /* already in the list, or cleared on purpose */

    } else if (clcf->server_tokens) {
        (void) mx_h1_append_header(&p, end, "Server", 6,
                                   (u_char *) "moxy/" MX_VERSION,
                                   sizeof("moxy/" MX_VERSION) - 1);
    } else {
        (void) mx_h1_append_header(&p, end, "Server", 6,
                                   (u_char *) "moxy", 4);
    }

    if (!own_date) {
        (void) mx_h1_append_header(&p, end, "Date", 4,
                                   mx_cached_http_time.data,
                                   mx_cached_http_time.len);
    }

    if (ho->status != 304 && ho->status != 204) {
        ct = ho->content_type;
        if (ct.len == 0 && !ho->content_type_set) {
            ct = clcf->default_type;
            if (mx_http_set_content_type(r) == MX_OK) {
                ct = ho->content_type;
            }
        }
        if (ct.len) {
            (void) mx_h1_append_header(&p, end, "Content-Type", 12,
                                       ct.data, ct.len);
        }
    }

    if (ho->content_length_n >= 0 && ho->status != 304
        && ho->status != 204)
    {
        n = (int) (mx_sprint_uint(num, (uint64_t) ho->content_length_n)
                   - num);
        (void) mx_h1_append_header(&p, end, "Content-Length", 14, num, n);
    }

    if (ho->last_modified_time != -1 && ho->status != 204 && !own_lm) {
        u_char  *e = mx_http_time(tbuf, ho->last_modified_time);

        (void) mx_h1_append_header(&p, end, "Last-Modified", 13, tbuf,
                                   e - tbuf);
    }

    if (ho->location && ho->location->hash && ho->location->value.len
        && ho->location->value.data[0] == '/' && clcf->absolute_redirect)
    {
        /* absolute_redirect: http://host[:port]/path */
        host = (r->headers_in.server.len && !clcf->server_name_in_redirect)
               ? r->headers_in.server : r->srv->server_name;
        port = 80;
        if (r->connection->local_sockaddr.ss_family == AF_INET) {
            port = ntohs(((struct sockaddr_in *)
                          &r->connection->local_sockaddr)->sin_port);
        } else if (r->connection->local_sockaddr.ss_family == AF_INET6) {
            port = ntohs(((struct sockaddr_in6 *)
                          &r->connection->local_sockaddr)->sin6_port);
        }

        if ((size_t) (end - p) > host.len + ho->location->value.len + 40) {
            if (port != 80 && clcf->port_in_redirect) {
                p += sprintf((char *) p, "Location: http://%.*s:%d%.*s\r\n",
                             MX_STR_ARG(host), port,
                             MX_STR_ARG(ho->location->value));
            } else {
                p += sprintf((char *) p, "Location: http://%.*s%.*s\r\n",
                             MX_STR_ARG(host),
                             MX_STR_ARG(ho->location->value));
            }
        }

    } else if (ho->location && ho->location->hash) {
        (void) mx_h1_append_header(&p, end, "Location", 8,
                                   ho->location->value.data,
                                   ho->location->value.len);
    }

    if (r->chunked) {
        (void) mx_h1_append_header(&p, end, "Transfer-Encoding", 17,
                                   (u_char *) "chunked", 7);
    }

    if (ho->status == 101) {
        (void) mx_h1_append_header(&p, end, "Connection", 10,
                                   (u_char *) "upgrade", 7);

    } else if (r->keepalive) {
        (void) mx_h1_append_header(&p, end, "Connection", 10,
                                   (u_char *) "keep-alive", 10);
    } else {
        (void) mx_h1_append_header(&p, end, "Connection", 10,
                                   (u_char *) "close", 5);
    }

    for (i = 0; i < ho->headers.nelts; i++) {
        if (h[i].hash == 0 || &h[i] == ho->location) {
            continue;
        }

        if (mx_h1_append_header(&p, end, (char *) h[i].key.data,
                                h[i].key.len, h[i].value.data,
                                h[i].value.len) != MX_OK)
        {
            return MX_ERROR;
        }
    }

    if (end - p < 2) {
        return MX_ERROR;
    }

    *p++ = '\r';
    *p++ = '\n';

    cl = mx_h1_mem_link(r, buf, p - buf);
    if (cl == NULL) {
        return MX_ERROR;
    }

    r->header_size = p - buf;
    mx_h1_queue(r, cl);

    if (r->header_only) {
        r->last_sent = 1;
        return mx_h1_flush(r);
    }

    return MX_OK;
}


/*
 * A small file is read into memory (from the page cache, as nginx does
 * with sendfile off) so that it leaves in one writev with the header
 * instead of a second send. On any failure the buffer stays a file one.
 */
static void
mx_h1_file_to_memory(mx_http_request_t *r, mx_buf_t *b)
{
    size_t    len;
    ssize_t   n;
    u_char   *p;

    len = (size_t) (b->file_last - b->file_pos);
    if (len == 0) {
        return;
    }

    p = mx_pnalloc(r->pool, len);
    if (p == NULL) {
        return;
    }

    n = pread(b->fd, p, len, b->file_pos);
    if (n != (ssize_t) len) {
        return;
    }

    b->start = p;
    b->pos = p;
    b->last = p + len;
    b->end = b->last;
    b->file_pos = b->file_last;
    b->in_file = 0;
}


static int
mx_h1_send_chain(mx_http_request_t *r, mx_chain_t *in)
{
    mx_chain_t    *cl, *ln, *head, **tail;
    mx_h1_conn_t  *hc = r->connection->data;
    off_t          size = 0;
    int            last = 0, flush = 0;
    u_char        *p;

    if (r->header_only || r->http_version < MX_HTTP_VERSION_10) {
        if (r->http_version < MX_HTTP_VERSION_10) {
            /* HTTP/0.9: the body only */
            mx_h1_queue(r, in);
        }
        return mx_h1_flush(r);
    }

    for (cl = in; cl; cl = cl->next) {
        if (cl->buf->in_file
            && cl->buf->file_last - cl->buf->file_pos <= MX_H1_SMALL_FILE)
        {
            mx_h1_file_to_memory(r, cl->buf);
        }

        size += mx_buf_size(cl->buf);
        if (cl->buf->last_buf) {
            last = 1;
        }
        if (cl->buf->flush) {
            flush = 1;
        }
    }

    if (!r->chunked) {
        mx_h1_queue(r, in);

    } else {
        head = NULL;
        tail = &head;

        if (size) {
            u_char  line[24];

            p = mx_sprint_hex(line, (uint64_t) size);
            *p++ = '\r';
            *p++ = '\n';

            ln = mx_h1_frame_link(hc, r, NULL, line, (size_t) (p - line));
            if (ln == NULL) {
                return MX_ERROR;
            }
            *tail = ln;
            tail = &ln->next;

            for (cl = in; cl; cl = cl->next) {
                if (mx_buf_size(cl->buf) == 0) {
                    continue;
                }
                ln = mx_h1_frame_link(hc, r, cl->buf, NULL, 0);
                if (ln == NULL) {
                    return MX_ERROR;
                }
                *tail = ln;
                tail = &ln->next;
            }

            ln = mx_h1_frame_link(hc, r, NULL, (u_char *) "\r\n", 2);
            if (ln == NULL) {
                return MX_ERROR;
            }
            *tail = ln;
            tail = &ln->next;
        }

        if (last) {
            ln = mx_h1_frame_link(hc, r, NULL, (u_char *) "0\r\n\r\n", 5);
            if (ln == NULL) {
                return MX_ERROR;
            }
            *tail = ln;
        }

        if (head) {
            mx_h1_queue(r, head);
        }
    }

    if (!last && !flush) {
        /* postpone small writes, as nginx's postpone_output */
        size = 0;
        for (cl = r->out; cl; cl = cl->next) {
            size += mx_buf_size(cl->buf);
        }

        if (size < MX_H1_POSTPONE) {
            return MX_OK;
        }
    }

    return mx_h1_flush(r);
}


/* writes r->out: MX_OK when empty, MX_AGAIN when blocked, MX_ERROR */
static int
mx_h1_flush(mx_http_request_t *r)
{
    mx_connection_t          *c = r->connection;
    mx_http_core_loc_conf_t  *clcf;
    struct iovec              iov[MX_H1_MAX_IOV];
    mx_chain_t               *cl;
    mx_buf_t                 *b;
    ssize_t                   n, sent;
    int                       niov;
    off_t                     off;

    if (c->error) {
        return MX_ERROR;
    }

    while (r->out) {
        b = r->out->buf;

        if (b->in_file) {
            if (b->file_pos >= b->file_last) {
                mx_h1_out_done(r);
                continue;
            }

            off = b->file_pos;
            n = sendfile(c->fd, b->fd, &off,
                         (size_t) mx_min(b->file_last - b->file_pos,
                                         (off_t) 0x7ffff000));
            if (n == -1) {
                if (errno == EAGAIN) {
                    goto blocked;
                }
                if (errno == EINTR) {
                    continue;
                }
                mx_log_error(MX_LOG_INFO, &c->log, errno, "sendfile() failed");
                c->error = 1;
                return MX_ERROR;
            }

            if (n == 0) {
                mx_log_error(MX_LOG_ALERT, &c->log, 0,
                             "sendfile() reported that the file was "
                             "truncated");
                c->error = 1;
                return MX_ERROR;
            }

            b->file_pos += n;
            r->bytes_sent += n;
            continue;
        }

        niov = 0;
        for (cl = r->out; cl && niov < MX_H1_MAX_IOV; cl = cl->next) {
            if (cl->buf->in_file) {
                break;
            }
            if (cl->buf->last == cl->buf->pos) {
                continue;
            }
            iov[niov].iov_base = cl->buf->pos;
            iov[niov].iov_len = cl->buf->last - cl->buf->pos;
            niov++;
        }

        if (niov == 0) {
            /* only empty buffers before a file or the end */
            while (r->out && !r->out->buf->in_file
                   && r->out->buf->pos == r->out->buf->last)
            {
                mx_h1_out_done(r);
            }
            continue;
        }

        sent = mx_conn_writev(c, iov, niov);
        if (sent == MX_AGAIN) {
            goto blocked;
        }

        if (sent == MX_ERROR) {
            return MX_ERROR;
        }

        r->bytes_sent += sent;

        while (r->out && sent >= 0) {
            b = r->out->buf;
            if (b->in_file) {
                break;
            }

            if (b->last - b->pos <= sent) {
                sent -= b->last - b->pos;
                b->pos = b->last;
                mx_h1_out_done(r);
                if (sent == 0) {
                    /* drop empty buffers that follow */
                    while (r->out && !r->out->buf->in_file
                           && r->out->buf->pos == r->out->buf->last)
                    {
                        mx_h1_out_done(r);
                    }
                    break;
                }

            } else {
                b->pos += sent;
                break;
            }
        }
    }

    r->body_sent = r->bytes_sent > r->header_size
                   ? r->bytes_sent - r->header_size : 0;

    if (r->blocked) {
        r->blocked = 0;
        mx_conn_want_write(c, 0);
        mx_conn_write_timer(c, 0);
    }

    return MX_OK;

blocked:

    r->body_sent = r->bytes_sent > r->header_size
                   ? r->bytes_sent - r->header_size : 0;
    clcf = r->loc_conf[mx_http_core_module.ctx_index];
    r->blocked = 1;
    c->write_handler = mx_h1_write_handler;
    mx_conn_want_write(c, 1);
    mx_conn_write_timer(c, clcf->send_timeout);
    return MX_AGAIN;
}


static void
mx_h1_write_handler(mx_connection_t *c)
{
    mx_h1_conn_t       *hc = c->data;
    mx_http_request_t  *r = hc->r;
    int                 rc;

    if (r == NULL) {
        mx_conn_want_write(c, 0);
        return;
    }

    if (c->write_timedout) {
        mx_log_error(MX_LOG_INFO, &c->log, ETIMEDOUT, "client timed out");
        c->error = 1;
        mx_h1_close_with(hc, 408);
        return;
    }

    rc = mx_h1_flush(r);

    if (rc == MX_ERROR) {
        mx_h1_close_with(hc, MX_HTTP_CLIENT_CLOSED_REQUEST);
        return;
    }

    if (rc == MX_OK && r->done) {
        mx_h1_finish(r);
        return;
    }

    if (rc == MX_OK && r->write_event_handler) {
        (void) r->write_event_handler(r);
    }
}


/* ------------------------------------------------------ finalize */

static void
mx_h1_finalize(mx_http_request_t *r, int rc)
{
    mx_h1_conn_t  *hc = r->connection->data;
    int            frc;

    if (rc == MX_ERROR) {
        mx_h1_close_with(hc, 500);
        return;
    }

    frc = mx_h1_flush(r);
    if (frc == MX_ERROR) {
        mx_h1_close_with(hc, MX_HTTP_CLIENT_CLOSED_REQUEST);
        return;
    }

    r->done = 1;

    if (frc == MX_AGAIN) {
        /* mx_h1_write_handler finishes when the output is gone */
        return;
    }

    mx_h1_finish(r);
}


/* the response is out: log, then keep-alive, pipelining or close */
static void
mx_h1_finish(mx_http_request_t *r)
{
    mx_h1_conn_t   *hc = r->connection->data;
    mx_connection_t *c = hc->c;
    mx_http_core_loc_conf_t  *clcf;
    size_t          rest;
    unsigned        keepalive, linger;

    hc->watch_client = 0;
    r->client_abort_handler = NULL;

    if (c->read_handler == mx_h1_client_check) {
        c->read_handler = NULL;
        mx_conn_want_read(c, 0);
    }

    clcf = r->loc_conf[mx_http_core_module.ctx_index];

    if (!r->body_read && !hc->message_complete) {
        if (!r->keepalive || (r->headers_in.expect_continue
                              && !hc->continue_sent))
        {
            /* the client is waiting to be told to send the body */
            if (mx_http_log_request(r) == MX_AGAIN) {
                (void) mx_h1_detach(hc, r);
            }

            if (hc->r) {
                mx_http_free_request(hc->r);
                hc->r = NULL;
            }

            mx_h1_lingering_close(hc, clcf);
            return;
        }

        /* read and drop the rest of the body, then go on */
        if (r->request_body == NULL) {
            r->request_body = mx_pcalloc(r->pool,
                                         sizeof(mx_http_request_body_t));
            if (r->request_body == NULL) {
                mx_h1_close(hc);
                return;
            }
            r->request_body->temp_fd = -1;
        }

        r->request_body->discard = 1;

        if (hc->body_taken) {
            /* what the reader left of the body is still to come */
            hc->body_rest = r->request_body->rest;
        }

        hc->state = MX_H1_DISCARDING;
        c->read_handler = mx_h1_discard_handler;
        mx_h1_discard_handler(c);
        return;
    }

    keepalive = r->keepalive;
    linger = !hc->message_complete && !hc->raw;
    if (clcf->lingering_close == MX_HTTP_LINGERING_ALWAYS) {
        linger = 1;
    }

    if (mx_http_log_request(r) == MX_AGAIN) {
        if (mx_h1_detach(hc, r) != MX_OK) {
            mx_h1_close(hc);
            return;
        }
    }

    if (!keepalive || c->error || mx_exiting) {
        if (linger) {
            if (hc->r) {
                mx_http_free_request(hc->r);
                hc->r = NULL;
            }

            mx_h1_lingering_close(hc, clcf);
            return;
        }

        mx_h1_close(hc);
        return;
    }

    /* pipelined bytes may sit in the body buffer */
    rest = 0;
    if (hc->body_buf && hc->body_pos < hc->body_last) {
        rest = hc->body_last - hc->body_pos;
        if (rest > hc->size) {
            u_char  *nb = realloc(hc->buf, rest);

            if (nb == NULL) {
                mx_h1_close(hc);
                return;
            }
            hc->buf = nb;
            hc->size = rest;
        }
        memcpy(hc->buf, hc->body_buf + hc->body_pos, rest);
        hc->pos = 0;
        hc->last = rest;

    } else if (hc->pos < hc->last) {
        rest = hc->last - hc->pos;
        memmove(hc->buf, hc->buf + hc->pos, rest);
        hc->pos = 0;
        hc->last = rest;

    } else {
        hc->pos = 0;
        hc->last = 0;
    }

    hc->scan = 0;
    hc->body_buf = NULL;

    if (hc->r) {
        mx_http_free_request(r);
        hc->r = NULL;
    }

    if (rest == 0) {
        /* an idle connection keeps no buffer: it is taken again when
         * the next request comes (thousands of idle clients are common) */
        free(hc->buf);
        hc->buf = NULL;
        hc->size = hc->port->default_server->client_header_buffer_size;
    }
    hc->state = MX_H1_IDLE;

    c->write_handler = NULL;
    mx_conn_want_write(c, 0);
    mx_conn_write_timer(c, 0);

    c->read_handler = mx_h1_keepalive_handler;
    c->idle = 1;
    mx_conn_read_timer(c, clcf->keepalive_timeout);
    mx_conn_want_read(c, 1);

    if (rest) {
        /* the next pipelined request: on the next loop iteration */
        ev_feed_event(mx_loop, &c->rev, EV_READ);
    }
}


/* ------------------------------------------------------ error log */

u_char *
mx_http_log_error_handler(mx_log_t *log, u_char *buf, size_t len)
{
    mx_h1_conn_t       *hc = log->data;
    mx_http_request_t  *r;
    u_char             *p = buf, *last = buf + len;
    int                 n;

    if (hc == NULL) {
        return buf;
    }

#define MX_APPEND(...)                                                    \
    if (p < last) {                                                       \
        n = snprintf((char *) p, last - p, __VA_ARGS__);                  \
        if (n > 0) {                                                      \
            p += mx_min((size_t) n, (size_t) (last - p));                 \
        }                                                                 \
    }

    MX_APPEND(", client: %.*s", MX_STR_ARG(hc->c->addr_text));

    r = hc->r;
    if (r == NULL) {
        /* nginx names the server once a request has begun to arrive */
        if (hc->last > hc->pos && hc->port->default_server->server_name.len)
        {
            MX_APPEND(", server: %.*s",
                      MX_STR_ARG(hc->port->default_server->server_name));
        } else {
            MX_APPEND(", server: %.*s",
                      MX_STR_ARG(hc->c->listening->addr_text));
        }
        return p;
    }

    MX_APPEND(", server: %.*s", MX_STR_ARG(r->srv->server_name));

    if (r->request_line.len) {
        MX_APPEND(", request: \"%.*s\"", MX_STR_ARG(r->request_line));
    }

    if (r->headers_in.host) {
        MX_APPEND(", host: \"%.*s\"", MX_STR_ARG(r->headers_in.host->value));
    }

#undef MX_APPEND

    return p;
}
