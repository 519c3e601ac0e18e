#include "mx_lua_socket_tcp_int.h"
#include "mx_event_connect.h"
#include "mx_cycle.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/un.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

/*
 * TCP cosockets, after lua-nginx-module's ngx_http_lua_socket_tcp.c: the
 * same states, messages and keepalive pools (mx_lua_socket_tcp_pool.c),
 * on mx_connection_t, in plain TCP or over TLS once sslhandshake() began.
 *
 * Data read from the peer goes to s->buf (lua_socket_buffer_size bytes);
 * the receive pattern at work (s->mode) moves what it takes to s->out,
 * the answer handed to Lua, unless the answer lies whole in s->buf (a
 * line, a size already read): then s->rdata points at it there. The read
 * buffer never grows: it refills only once the pattern took all of it, so
 * memory grows with the answer only, as data arrives.
 *
 * The sockets die with their Lua objects, whenever the collector gets to
 * them; their buffers are given back as soon as the connection is closed
 * or pooled, to a few kept for the next sockets of the worker.
 */


#define MX_LUA_SOCKET_FREE_BUFS     32     /* buffers kept, at most */
#define MX_LUA_SOCKET_FREE_BUF_MAX  16384  /* the largest one kept */
#define MX_LUA_SOCKET_MSG_SIZE      384
#define MX_LUA_SOCKET_NERRNO        256    /* errno texts kept */


typedef struct mx_lua_socket_free_buf_s  mx_lua_socket_free_buf_t;

struct mx_lua_socket_free_buf_s {
    mx_lua_socket_free_buf_t  *next;
    size_t                     size;
};


struct mx_lua_socket_pattern_s {
    size_t                    len;
    int                       state;     /* pattern bytes matched; -1: the
                                            last piece was returned */
    unsigned                  inclusive:1;
    size_t                   *border;    /* KMP: border[i] is the longest
                                            proper border of pat[0..i] */
    u_char                    pat[];
};


static int mx_lua_socket_tcp_owner(mx_http_request_t *r,
    mx_lua_socket_tcp_t *s, const char **err);
static int mx_lua_socket_tcp_parse(mx_lua_socket_tcp_t *s);
static int mx_lua_socket_tcp_resolve(mx_lua_socket_tcp_t *s);
static void mx_lua_socket_tcp_resolve_handler(mx_resolver_ctx_t *ctx);
static int mx_lua_socket_tcp_connect_addr(mx_lua_socket_tcp_t *s);
static void mx_lua_socket_tcp_connected_handler(mx_lua_socket_tcp_t *s);
static int mx_lua_socket_tcp_read(mx_lua_socket_tcp_t *s, size_t *got);
static int mx_lua_socket_tcp_filter(mx_lua_socket_tcp_t *s, size_t size);
static int mx_lua_socket_tcp_until(mx_lua_socket_tcp_t *s, size_t size);
static int mx_lua_socket_tcp_out(mx_lua_socket_tcp_t *s, const u_char *p,
    size_t n);
static void mx_lua_socket_tcp_out_reset(mx_lua_socket_tcp_t *s);
static int mx_lua_socket_tcp_recv_start(mx_http_request_t *r,
    mx_lua_socket_tcp_t *s, const u_char **data, size_t *len,
    const char **err);
static int mx_lua_socket_tcp_recv_outcome(mx_lua_socket_tcp_t *s,
    const u_char **data, size_t *len, const char **err);
static ssize_t mx_lua_socket_tcp_recv(mx_lua_socket_tcp_t *s, u_char *buf,
    size_t size);
static int mx_lua_socket_tcp_send(mx_lua_socket_tcp_t *s);
static void mx_lua_socket_tcp_read_handler(mx_connection_t *c);
static void mx_lua_socket_tcp_write_handler(mx_connection_t *c);
static void mx_lua_socket_tcp_read_ready(mx_lua_socket_tcp_t *s);
static void mx_lua_socket_tcp_write_ready(mx_lua_socket_tcp_t *s);
static void mx_lua_socket_tcp_watch(mx_lua_socket_tcp_t *s);
static void mx_lua_socket_tcp_handshake_handler(mx_lua_socket_tcp_t *s);
static void mx_lua_socket_tcp_handshake_done(mx_lua_socket_tcp_t *s,
    int rc);
static int mx_lua_socket_tcp_ssl_verify(mx_lua_socket_tcp_t *s);
static void mx_lua_socket_tcp_read_error(mx_lua_socket_tcp_t *s, int ft);
static void mx_lua_socket_tcp_write_error(mx_lua_socket_tcp_t *s, int ft);
static void mx_lua_socket_tcp_finalize_read(mx_lua_socket_tcp_t *s);
static void mx_lua_socket_tcp_finalize_write(mx_lua_socket_tcp_t *s);
static void mx_lua_socket_tcp_request_done(void *data);
static int mx_lua_socket_tcp_wait(mx_http_request_t *r,
    mx_lua_socket_waiter_t *w, const char **err);
static void mx_lua_socket_tcp_wake(mx_lua_socket_waiter_t *w);
static void mx_lua_socket_tcp_collected(mx_lua_socket_waiter_t *w);
static void mx_lua_socket_tcp_abandoned(void *data);
static mx_msec_t mx_lua_socket_tcp_send_timeout(mx_lua_socket_tcp_t *s);
static mx_msec_t mx_lua_socket_tcp_read_timeout(mx_lua_socket_tcp_t *s);
static const char *mx_lua_socket_tcp_error(int ft, int err);
static const char *mx_lua_socket_tcp_fmt(mx_lua_socket_tcp_t *s,
    const char *fmt, ...);
static mx_uint_t mx_lua_socket_tcp_err_level(int err);
static int mx_lua_socket_tcp_log_errors(mx_http_request_t *r);
static int mx_lua_socket_tcp_sockopt(int option, int *level, int *name);
static int mx_lua_socket_tcp_set_str(u_char **p, size_t *size,
    size_t *len, const u_char *data, size_t n);
static int mx_lua_socket_tcp_set_names(mx_lua_socket_tcp_t *s,
    const u_char *host, size_t host_len, const u_char *key, size_t key_len,
    int port);
static u_char *mx_lua_socket_buf_get(size_t size);
static void mx_lua_socket_buf_put(u_char *p, size_t size);
static void mx_lua_socket_tcp_release_bufs(mx_lua_socket_tcp_t *s);


static mx_lua_socket_free_buf_t  *mx_lua_socket_free_bufs;
static mx_uint_t                   mx_lua_socket_nfree_bufs;
static char                       *mx_lua_socket_errno_texts[
                                                      MX_LUA_SOCKET_NERRNO];


/* ------------------------------------------------------------ objects */

int
mx_ffi_socket_tcp_check(mx_http_request_t *r, const char **err)
{
    if (r == NULL) {
        *err = "no request found";
        return MX_FFI_BAD_CONTEXT;
    }

    if (mx_http_lua_check_context(r, MX_LUA_CONTEXT_COSOCKET, err) != MX_OK)
    {
        return MX_FFI_BAD_CONTEXT;
    }

    return MX_OK;
}


mx_lua_socket_tcp_t *
mx_ffi_socket_tcp_new(void)
{
    mx_lua_socket_tcp_t  *s;

    s = calloc(1, sizeof(mx_lua_socket_tcp_t));
    if (s == NULL) {
        return NULL;
    }

    s->reader.s = s;
    s->writer.s = s;
    s->read_rc = MX_OK;
    s->write_rc = MX_OK;
    s->conn_rc = MX_OK;
    s->hs_rc = MX_OK;

    ev_init(&s->qtimer, mx_lua_socket_queue_timeout);
    s->qtimer.data = s;

    return s;
}


void
mx_ffi_socket_tcp_free(mx_lua_socket_tcp_t *s)
{
    if (s == NULL) {
        return;
    }

    if (s->cleanup) {
        s->cleanup->handler = NULL;
        s->cleanup = NULL;
    }

    /* a waiting thread keeps its socket alive; this is for safety only */
    mx_lua_socket_tcp_collected(&s->reader);
    mx_lua_socket_tcp_collected(&s->writer);

    mx_lua_socket_tcp_finalize(s);

    if (s->hs_session) {
        SSL_SESSION_free(s->hs_session);
    }

    mx_lua_socket_tcp_release_bufs(s);
    free(s->names_big);
    free(s->ssl_name);
    free(s->msg);
    free(s);
}


/* the checks every operation on a connected socket starts with */
static int
mx_lua_socket_tcp_owner(mx_http_request_t *r, mx_lua_socket_tcp_t *s,
    const char **err)
{
    if (s->request != r || s->ended) {
        *err = "bad request";
        return MX_FFI_BAD_CONTEXT;
    }

    return MX_OK;
}


/* ---------------------------------------------------- ngx.req.socket */

int
mx_ffi_req_socket(mx_http_request_t *r, int raw, mx_lua_socket_tcp_t **sp,
    const char **err)
{
    int                      fd, rc;
    size_t                   size;
    mx_str_t                 preread;
    mx_connection_t         *c;
    mx_pool_cleanup_t       *cln;
    mx_lua_socket_tcp_t     *s;
    mx_http_request_body_t  *rb;
    mx_http_lua_loc_conf_t  *llcf;

    *sp = NULL;

    if (r == NULL) {
        *err = "no request found";
        return MX_FFI_BAD_CONTEXT;
    }

    if (mx_http_lua_check_context(r, MX_LUA_CONTEXT_REWRITE
                                     |MX_LUA_CONTEXT_ACCESS
                                     |MX_LUA_CONTEXT_CONTENT, err)
        != MX_OK)
    {
        return MX_FFI_BAD_CONTEXT;
    }

    if (r->proto == NULL || r->proto->take_body == NULL) {
        *err = "not supported";
        return MX_ERROR;
    }

    rb = r->request_body;

    if (raw) {
        /* the core's reading, or a body socket's, is not over */
        if (rb && !rb->discard && (!rb->done || !r->body_read)) {
            *err = "pending request body reading in some other thread";
            return MX_ERROR;
        }

        if (r->out) {
            *err = "pending data to write";
            return MX_ERROR;
        }

    } else {
        if (r->headers_in.chunked) {
            *err = "chunked request bodies not supported yet";
            return MX_ERROR;
        }

        /* (the core keeps a discarded body's state too) */
        if (r->discard_body || (rb && rb->discard)) {
            /* nginx forgets a body discarded whole at once */
            *err = r->body_read ? "no body" : "request body discarded";
            return MX_ERROR;
        }

        if (rb) {
            *err = "request body already exists";
            return MX_ERROR;
        }

        if (r->headers_in.content_length_n <= 0) {
            *err = "no body";
            return MX_ERROR;
        }
    }

    s = mx_ffi_socket_tcp_new();
    cln = mx_pool_cleanup_add(r->pool, 0);

    if (s == NULL || cln == NULL) {
        free(s);
        *err = "no memory";
        return MX_ERROR;
    }

    /* a connection of its own on the same socket: the cosocket machinery
     * watches and closes it without touching the client's */
    fd = fcntl(r->connection->fd, F_DUPFD_CLOEXEC, 0);
    if (fd == -1) {
        mx_log_error(MX_LOG_ALERT, &r->connection->log, errno,
                     "dup() failed");
        free(s);
        *err = "no memory";
        return MX_ERROR;
    }

    c = mx_conn_create_outgoing(fd, &r->connection->log, r->connection);
    if (c == NULL) {
        free(s);
        *err = "no live connection";
        return MX_ERROR;
    }

    rc = r->proto->take_body(r, raw, &preread);

    if (rc != MX_OK) {
        mx_conn_close(c);
        free(s);
        *err = rc == MX_DECLINED ? "duplicate call" : "test expect failed";
        return MX_ERROR;
    }

    llcf = mx_http_get_module_loc_conf(r, mx_http_lua_module);

    cln->handler = mx_lua_socket_tcp_request_done;
    cln->data = s;
    s->cleanup = cln;

    s->request = r;
    s->conf = llcf;
    s->c = c;
    s->drained = 0;
    s->downstream = 1;
    s->body = raw ? NULL : r->request_body;
    mx_lua_socket_tcp_attach(s);

    /* the client's connection has it already */
    c->tcp_nodelay = 1;

    snprintf(s->addr, sizeof(s->addr), "%.*s",
             (int) mx_min(r->connection->addr_text.len, sizeof(s->addr) - 1),
             (char *) r->connection->addr_text.data);

    if (raw && !r->header_sent) {
        /* the header is the socket's to send now */
        r->header_sent = 1;
    }

    size = llcf->socket_buffer_size ? llcf->socket_buffer_size : 4096;
    size = mx_max(size, preread.len);

    s->buf = mx_lua_socket_buf_get(size);
    if (s->buf == NULL) {
        /* the preread bytes are lost with the socket */
        s->read_closed = 1;
        s->write_closed = 1;
        *sp = s;
        return MX_OK;
    }

    memcpy(s->buf, preread.data, preread.len);
    s->pos = s->buf;
    s->last = s->buf + preread.len;
    s->end = s->buf + size;

    *sp = s;

    return MX_OK;
}


/* ------------------------------------------------------------ connect */

int
mx_ffi_socket_tcp_connect(mx_http_request_t *r, mx_lua_socket_tcp_t *s,
    const u_char *host, size_t host_len, int port, const u_char *key,
    size_t key_len, int pool_size, int backlog, const char **err)
{
    int                      rc;
    mx_pool_cleanup_t       *cln;
    mx_lua_socket_pool_t    *spool;
    mx_http_lua_loc_conf_t  *llcf;

    if (mx_ffi_socket_tcp_check(r, err) != MX_OK) {
        return MX_FFI_BAD_CONTEXT;
    }

    if (s->request && (s->request != r || s->ended)) {
        *err = "bad request";
        return MX_FFI_BAD_CONTEXT;
    }

    if (s->connecting) {
        *err = "socket busy connecting";
        return MX_ERROR;
    }

    if (s->reader.co) {
        *err = "socket busy reading";
        return MX_ERROR;
    }

    if (s->writer.co) {
        *err = "socket busy writing";
        return MX_ERROR;
    }

    /* as the reference: connecting again drops the old connection */
    mx_lua_socket_tcp_finalize(s);

    llcf = mx_http_get_module_loc_conf(r, mx_http_lua_module);

    if (pool_size < 0) {
        pool_size = (int) llcf->socket_pool_size;
    }

    if (s->cleanup == NULL) {
        cln = mx_pool_cleanup_add(r->pool, 0);
        if (cln == NULL) {
            *err = "no memory";
            return MX_ERROR;
        }

        cln->handler = mx_lua_socket_tcp_request_done;
        cln->data = s;
        s->cleanup = cln;
    }

    s->request = r;
    s->conf = llcf;
    s->reused = 0;
    s->read_closed = 0;
    s->write_closed = 0;
    s->eof = 0;
    s->pos = s->buf;
    s->last = s->buf;
    s->out_len = 0;
    s->rdata = NULL;

    if (mx_lua_socket_tcp_set_names(s, host, host_len, key, key_len, port)
        != MX_OK)
    {
        *err = "no memory";
        return MX_ERROR;
    }

    s->port = port;

    spool = mx_lua_socket_pool_find(s->key, s->key_len);

    if (spool == NULL && pool_size > 0) {
        spool = mx_lua_socket_pool_create(s->key, s->key_len, pool_size,
                                          backlog);
        if (spool == NULL) {
            *err = "no memory";
            return MX_ERROR;
        }
    }

    rc = mx_lua_socket_tcp_connect_peer(s, spool, 0);

    if (rc == MX_AGAIN) {
        s->connecting = 1;
        s->conn_pending = 1;
        s->conn_rc = MX_AGAIN;

        if (mx_lua_socket_tcp_wait(r, &s->writer, err) != MX_OK) {
            s->connecting = 0;
            s->conn_pending = 0;
            mx_lua_socket_tcp_finalize(s);
            return MX_FFI_BAD_CONTEXT;
        }

        return MX_AGAIN;
    }

    if (rc != MX_OK) {
        *err = s->conn_err;
        mx_lua_socket_tcp_finalize(s);
        return MX_ERROR;
    }

    return MX_OK;
}


int
mx_ffi_socket_tcp_connect_result(mx_http_request_t *r,
    mx_lua_socket_tcp_t *s, const char **err)
{
    if (s->conn_pending) {
        mx_lua_socket_tcp_wait(r, &s->writer, err);
        return MX_AGAIN;
    }

    mx_lua_socket_tcp_collected(&s->writer);
    s->connecting = 0;

    if (s->conn_rc != MX_OK) {
        *err = s->conn_err;
        return MX_ERROR;
    }

    return MX_OK;
}


int
mx_lua_socket_tcp_connect_peer(mx_lua_socket_tcp_t *s,
    mx_lua_socket_pool_t *spool, int resuming)
{
    int  rc;

    if (spool) {
        rc = mx_lua_socket_pool_get(s, spool, resuming);
        if (rc != MX_DECLINED) {
            return rc;
        }
    }

    rc = mx_lua_socket_tcp_parse(s);

    if (rc == MX_DECLINED) {
        return mx_lua_socket_tcp_resolve(s);
    }

    if (rc != MX_OK) {
        return MX_ERROR;
    }

    return mx_lua_socket_tcp_connect_addr(s);
}


void
mx_lua_socket_tcp_attach(mx_lua_socket_tcp_t *s)
{
    mx_connection_t  *c = s->c;
    mx_connection_t  *client = s->request->connection;

    c->log = client->log;
    c->number = client->log.connection;
    c->data = s;
    c->read_handler = mx_lua_socket_tcp_read_handler;
    c->write_handler = mx_lua_socket_tcp_write_handler;
}


/*
 * s->host into s->sockaddr: MX_OK for an address, MX_DECLINED for a name
 * to resolve, MX_ERROR with s->conn_err (nginx's ngx_parse_url() errors).
 */
static int
mx_lua_socket_tcp_parse(mx_lua_socket_tcp_t *s)
{
    size_t                 len;
    u_char                *host, *p;
    char                   text[INET6_ADDRSTRLEN + 1];
    struct sockaddr_un    *sun;
    struct sockaddr_in    *sin;
    struct sockaddr_in6   *sin6;

    host = s->host;
    len = s->host_len;

    memset(&s->sockaddr, 0, sizeof(s->sockaddr));

    if (len >= 5 && strncasecmp((char *) host, "unix:", 5) == 0) {
        p = host + 5;
        len -= 5;

        sun = (struct sockaddr_un *) &s->sockaddr;

        if (len == 0) {
            s->conn_err = mx_lua_socket_tcp_fmt(s, "failed to parse host "
                              "name \"%.*s\": no path in the unix domain "
                              "socket", (int) s->host_len, (char *) host);
            return MX_ERROR;
        }

        if (len >= sizeof(sun->sun_path)) {
            s->conn_err = mx_lua_socket_tcp_fmt(s, "failed to parse host "
                              "name \"%.*s\": too long path in the unix "
                              "domain socket",
                              (int) mx_min(s->host_len, 256), (char *) host);
            return MX_ERROR;
        }

        sun->sun_family = AF_UNIX;
        memcpy(sun->sun_path, p, len);
        s->socklen = sizeof(struct sockaddr_un);

        snprintf(s->addr, sizeof(s->addr), "unix:%.*s", (int) len,
                 (char *) p);

        return MX_OK;
    }

    if (len == 0) {
        s->conn_err = "failed to parse host name \"\": no host";
        return MX_ERROR;
    }

    p = host;

    if (host[0] == '[' && host[len - 1] == ']') {
        p = host + 1;
        len -= 2;
    }

    if (len < sizeof(text)) {
        memcpy(text, p, len);
        text[len] = '\0';

        sin = (struct sockaddr_in *) &s->sockaddr;

        if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
            sin->sin_family = AF_INET;
            sin->sin_port = htons((in_port_t) s->port);
            s->socklen = sizeof(struct sockaddr_in);
            snprintf(s->addr, sizeof(s->addr), "%s", text);
            return MX_OK;
        }

        sin6 = (struct sockaddr_in6 *) &s->sockaddr;

        if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
            sin6->sin6_family = AF_INET6;
            sin6->sin6_port = htons((in_port_t) s->port);
            s->socklen = sizeof(struct sockaddr_in6);
            snprintf(s->addr, sizeof(s->addr), "%s", text);
            return MX_OK;
        }
    }

    if (p != host) {
        s->conn_err = mx_lua_socket_tcp_fmt(s, "failed to parse host name "
                                            "\"%.*s\": invalid IPv6 address",
                                            (int) mx_min(s->host_len, 256),
                                            (char *) host);
        return MX_ERROR;
    }

    return MX_DECLINED;
}


static int
mx_lua_socket_tcp_resolve(mx_lua_socket_tcp_t *s)
{
    mx_str_t                   name;
    mx_resolver_ctx_t         *rctx;
    mx_http_core_loc_conf_t   *clcf;

    clcf = mx_http_get_module_loc_conf(s->request, mx_http_core_module);

    name.data = s->host;
    name.len = s->host_len;

    if (clcf->resolver == NULL) {
        s->conn_err = mx_lua_socket_tcp_fmt(s, "no resolver defined to "
                                            "resolve \"%.*s\"",
                                            (int) mx_min(name.len, 256),
                                            (char *) name.data);
        return MX_ERROR;
    }

    rctx = mx_resolve_start(clcf->resolver, &name, clcf->resolver_timeout);
    if (rctx == NULL) {
        s->conn_err = "failed to start the resolver";
        return MX_ERROR;
    }

    rctx->handler = mx_lua_socket_tcp_resolve_handler;
    rctx->data = s;

    if (mx_resolve_name(rctx) != MX_OK) {
        mx_resolve_name_done(rctx);
        s->conn_err = mx_lua_socket_tcp_fmt(s, "%.*s could not be resolved",
                                            (int) mx_min(name.len, 256),
                                            (char *) name.data);
        return MX_ERROR;
    }

    s->rctx = rctx;

    return MX_AGAIN;
}


static void
mx_lua_socket_tcp_resolve_handler(mx_resolver_ctx_t *ctx)
{
    int                    rc;
    mx_uint_t              i;
    struct sockaddr_in    *sin;
    struct sockaddr_in6   *sin6;
    mx_lua_socket_tcp_t   *s = ctx->data;

    s->rctx = NULL;

    if (ctx->state || ctx->naddrs == 0) {
        s->conn_err = mx_lua_socket_tcp_fmt(s, "%.*s could not be resolved "
                                            "(%d: %s)",
                                            (int) mx_min(ctx->name.len, 256),
                                            (char *) ctx->name.data,
                                            ctx->state,
                                            mx_resolver_strerror(ctx->state));
        mx_resolve_name_done(ctx);
        mx_lua_socket_tcp_connect_done(s, MX_ERROR);
        return;
    }

    /* as the reference: one of the addresses, at random */
    i = ctx->naddrs == 1 ? 0 : (mx_uint_t) random() % ctx->naddrs;

    memcpy(&s->sockaddr, &ctx->addrs[i].sockaddr, ctx->addrs[i].socklen);
    s->socklen = ctx->addrs[i].socklen;

    mx_resolve_name_done(ctx);

    if (s->sockaddr.ss_family == AF_INET6) {
        sin6 = (struct sockaddr_in6 *) &s->sockaddr;
        sin6->sin6_port = htons((in_port_t) s->port);
        inet_ntop(AF_INET6, &sin6->sin6_addr, s->addr, sizeof(s->addr));

    } else {
        sin = (struct sockaddr_in *) &s->sockaddr;
        sin->sin_port = htons((in_port_t) s->port);
        inet_ntop(AF_INET, &sin->sin_addr, s->addr, sizeof(s->addr));
    }

    rc = mx_lua_socket_tcp_connect_addr(s);

    if (rc != MX_AGAIN) {
        mx_lua_socket_tcp_connect_done(s, rc);
    }
}


static int
mx_lua_socket_tcp_connect_addr(mx_lua_socket_tcp_t *s)
{
    int                 fd, rc, err;
    char                name[160];
    mx_log_t           *log;
    mx_connection_t    *c;

    log = &s->request->connection->log;

    fd = socket(s->sockaddr.ss_family,
                SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        err = errno;
        mx_log_error(MX_LOG_ALERT, log, err, "socket() failed");
        s->conn_err = mx_lua_socket_tcp_error(MX_LUA_SOCKET_FT_ERROR, err);
        return MX_ERROR;
    }

    c = mx_conn_create_outgoing(fd, log, s->request->connection);
    if (c == NULL) {
        s->conn_err = "no live connection";
        return MX_ERROR;
    }

    c->data = s;
    c->read_handler = mx_lua_socket_tcp_read_handler;
    c->write_handler = mx_lua_socket_tcp_write_handler;
    s->c = c;
    s->drained = 0;

    if (s->sockaddr.ss_family == AF_UNIX) {
        /* as nginx: no TCP_NODELAY to set on these */
        c->tcp_nodelay = 1;
    }

    do {
        rc = connect(fd, (struct sockaddr *) &s->sockaddr, s->socklen);
    } while (rc == -1 && errno == EINTR);

    if (rc == 0) {
        return MX_OK;
    }

    err = errno;

    if (err == EINPROGRESS) {
        mx_conn_want_write(c, 1);
        mx_conn_write_timer(c, mx_lua_socket_tcp_connect_timeout(s));
        return MX_AGAIN;
    }

    if (s->sockaddr.ss_family == AF_UNIX) {
        snprintf(name, sizeof(name), "%s", s->addr);

    } else if (s->sockaddr.ss_family == AF_INET6) {
        snprintf(name, sizeof(name), "[%s]:%d", s->addr, s->port);

    } else {
        snprintf(name, sizeof(name), "%s:%d", s->addr, s->port);
    }

    /* nginx's ngx_event_connect_peer() logs this whatever
     * lua_socket_log_errors says */
    /* (Linux says EAGAIN for a unix socket whose listen queue is full) */
    if (err == ECONNREFUSED || err == EAGAIN || err == ECONNRESET
        || err == ENETUNREACH || err == EHOSTUNREACH || err == ENETDOWN
        || err == EHOSTDOWN)
    {
        mx_log_error(MX_LOG_ERR, &c->log, err, "connect() to %s failed",
                     name);

    } else {
        mx_log_error(MX_LOG_CRIT, &c->log, err, "connect() to %s failed",
                     name);
    }

    s->conn_err = mx_lua_socket_tcp_error(MX_LUA_SOCKET_FT_ERROR, err);
    return MX_ERROR;
}


void
mx_lua_socket_tcp_connect_done(mx_lua_socket_tcp_t *s, int rc)
{
    s->conn_pending = 0;
    s->conn_rc = rc;

    if (rc != MX_OK) {
        mx_lua_socket_tcp_finalize(s);
    }

    mx_lua_socket_tcp_wake(&s->writer);
}


static void
mx_lua_socket_tcp_connected_handler(mx_lua_socket_tcp_t *s)
{
    int               err;
    socklen_t         len;
    mx_connection_t  *c = s->c;

    if (c->write_timedout) {
        c->write_timedout = 0;

        if (s->conf->socket_log_errors) {
            mx_log_error(MX_LOG_ERR, &s->request->connection->log, 0,
                         "lua tcp socket connect timed out, when connecting "
                         "to %s:%d", s->addr, s->port);
        }

        s->conn_err = "timeout";
        mx_lua_socket_tcp_connect_done(s, MX_ERROR);
        return;
    }

    mx_conn_write_timer(c, 0);
    mx_conn_want_write(c, 0);

    err = 0;
    len = sizeof(err);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) {
        err = errno;
    }

    if (err) {
        if (s->conf->socket_log_errors) {
            mx_log_error(MX_LOG_ERR, &c->log, err, "connect() failed");
        }

        s->conn_err = mx_lua_socket_tcp_error(MX_LUA_SOCKET_FT_ERROR, err);
        mx_lua_socket_tcp_connect_done(s, MX_ERROR);
        return;
    }

    mx_lua_socket_tcp_connect_done(s, MX_OK);
}


/* ---------------------------------------------------------- receiving */

int
mx_ffi_socket_tcp_receive(mx_http_request_t *r, mx_lua_socket_tcp_t *s,
    int mode, size_t size, const u_char **data, size_t *len,
    const char **err)
{
    *data = NULL;
    *len = 0;

    if (r == NULL) {
        *err = "no request found";
        return MX_FFI_BAD_CONTEXT;
    }

    if (s == NULL || s->c == NULL || s->read_closed) {
        if (mx_lua_socket_tcp_log_errors(r)) {
            mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                         "attempt to receive data on a closed socket: u:%p, "
                         "c:%p, ft:%d eof:%d", (void *) s,
                         s ? (void *) s->c : NULL,
                         s ? s->read_ft : 0, s ? (int) s->eof : 0);
        }

        *err = "closed";
        return MX_ERROR;
    }

    if (mx_lua_socket_tcp_owner(r, s, err) != MX_OK) {
        return MX_FFI_BAD_CONTEXT;
    }

    if (s->connecting) {
        *err = "socket busy connecting";
        return MX_ERROR;
    }

    if (s->reader.co) {
        *err = "socket busy reading";
        return MX_ERROR;
    }

    if (mode == MX_LUA_SOCKET_RECV_BAD) {
        return MX_DECLINED;
    }

    mx_lua_socket_tcp_out_reset(s);

    if (mode == MX_LUA_SOCKET_RECV_BYTES && size == 0) {
        *data = (const u_char *) "";
        return MX_OK;
    }

    s->mode = mode;
    s->length = size;
    s->rest = size;
    s->pattern = NULL;

    return mx_lua_socket_tcp_recv_start(r, s, data, len, err);
}


mx_lua_socket_pattern_t *
mx_ffi_socket_tcp_pattern_new(const u_char *pat, size_t len, int inclusive)
{
    size_t                    i, k;
    mx_lua_socket_pattern_t  *p;

    if (len == 0 || len > (size_t) 1 << 30) {
        return NULL;
    }

    p = malloc(sizeof(mx_lua_socket_pattern_t) + len);
    if (p == NULL) {
        return NULL;
    }

    p->border = malloc(len * sizeof(size_t));
    if (p->border == NULL) {
        free(p);
        return NULL;
    }

    memcpy(p->pat, pat, len);
    p->len = len;
    p->state = 0;
    p->inclusive = inclusive ? 1 : 0;

    p->border[0] = 0;
    k = 0;

    for (i = 1; i < len; i++) {
        while (k > 0 && pat[i] != pat[k]) {
            k = p->border[k - 1];
        }

        if (pat[i] == pat[k]) {
            k++;
        }

        p->border[i] = k;
    }

    return p;
}


void
mx_ffi_socket_tcp_pattern_free(mx_lua_socket_pattern_t *p)
{
    if (p == NULL) {
        return;
    }

    free(p->border);
    free(p);
}


int
mx_ffi_socket_tcp_receive_until(mx_http_request_t *r,
    mx_lua_socket_tcp_t *s, mx_lua_socket_pattern_t *p, size_t size,
    const u_char **data, size_t *len, const char **err)
{
    *data = NULL;
    *len = 0;

    if (s == NULL || s->c == NULL || s->read_closed) {
        *err = "closed";
        return MX_ERROR;
    }

    if (r == NULL) {
        *err = "no request found";
        return MX_FFI_BAD_CONTEXT;
    }

    if (mx_lua_socket_tcp_owner(r, s, err) != MX_OK) {
        return MX_FFI_BAD_CONTEXT;
    }

    if (s->connecting) {
        *err = "socket busy connecting";
        return MX_ERROR;
    }

    if (s->reader.co) {
        *err = "socket busy reading";
        return MX_ERROR;
    }

    if (p->state == -1) {
        p->state = 0;
        return MX_DONE;
    }

    mx_lua_socket_tcp_out_reset(s);
    s->mode = MX_LUA_SOCKET_RECV_UNTIL;
    s->length = size;
    s->rest = size;
    s->pattern = p;

    return mx_lua_socket_tcp_recv_start(r, s, data, len, err);
}


static int
mx_lua_socket_tcp_recv_start(mx_http_request_t *r, mx_lua_socket_tcp_t *s,
    const u_char **data, size_t *len, const char **err)
{
    int     rc;
    size_t  got, size;

    if (s->buf == NULL) {
        size = s->conf->socket_buffer_size;
        if (size == 0) {
            size = 4096;
        }

        s->buf = mx_lua_socket_buf_get(size);
        if (s->buf == NULL) {
            *err = "no memory";
            return MX_ERROR;
        }

        s->pos = s->buf;
        s->last = s->buf;
        s->end = s->buf + size;
    }

    s->read_rc = MX_AGAIN;

    rc = mx_lua_socket_tcp_read(s, &got);

    if (rc == MX_AGAIN) {
        if (mx_lua_socket_tcp_wait(r, &s->reader, err) != MX_OK) {
            s->read_rc = MX_OK;
            s->pattern = NULL;
            return MX_FFI_BAD_CONTEXT;
        }

        mx_lua_socket_tcp_watch(s);
        mx_conn_read_timer(s->c, mx_lua_socket_tcp_read_timeout(s));
        return MX_AGAIN;
    }

    if (rc == MX_ERROR) {
        mx_lua_socket_tcp_read_error(s, s->read_ft);
    }

    s->read_rc = rc;

    return mx_lua_socket_tcp_recv_outcome(s, data, len, err);
}


int
mx_ffi_socket_tcp_receive_result(mx_http_request_t *r,
    mx_lua_socket_tcp_t *s, const u_char **data, size_t *len,
    const char **err)
{
    *data = NULL;
    *len = 0;

    if (s->read_rc == MX_AGAIN) {
        mx_lua_socket_tcp_wait(r, &s->reader, err);
        return MX_AGAIN;
    }

    mx_lua_socket_tcp_collected(&s->reader);

    return mx_lua_socket_tcp_recv_outcome(s, data, len, err);
}


static int
mx_lua_socket_tcp_recv_outcome(mx_lua_socket_tcp_t *s, const u_char **data,
    size_t *len, const char **err)
{
    s->pattern = NULL;

    if (s->rdata) {
        *data = s->rdata;
        *len = s->rlen;

    } else {
        *data = s->out ? s->out : (const u_char *) "";
        *len = s->out_len;
    }

    if (s->read_rc == MX_OK) {
        return MX_OK;
    }

    *err = mx_lua_socket_tcp_error(s->read_ft, s->read_errno);
    return MX_ERROR;
}


/*
 * Feeds the pattern at work from the buffer, reading more as it needs.
 * MX_OK: done; MX_AGAIN: the socket has no more now; MX_ERROR: s->read_ft
 * (and s->read_errno) say why. *got counts the bytes read from the peer.
 */
static int
mx_lua_socket_tcp_read(mx_lua_socket_tcp_t *s, size_t *got)
{
    int       rc;
    size_t    size;
    ssize_t   n;

    *got = 0;

    for ( ;; ) {
        size = s->last - s->pos;

        if (size || s->eof) {
            rc = mx_lua_socket_tcp_filter(s, size);
            if (rc != MX_AGAIN) {
                return rc;
            }

            /* the pattern took it all and wants more */
            continue;
        }

        s->pos = s->buf;
        s->last = s->buf;

        s->read_ft = MX_LUA_SOCKET_FT_ERROR;

        n = mx_lua_socket_tcp_recv(s, s->last, s->end - s->last);

        if (n == MX_AGAIN) {
            return MX_AGAIN;
        }

        if (n == MX_ERROR) {
            return MX_ERROR;
        }

        if (n == 0) {
            s->eof = 1;
            continue;
        }

        s->last += n;
        *got += n;
    }
}


/* bytes read into buf, 0 at the end of the stream, MX_AGAIN (s->read_wants
 * says for what), MX_ERROR (logged, s->read_errno set; or s->read_ft
 * MX_LUA_SOCKET_FT_CLIENTABORT) */
static ssize_t
mx_lua_socket_tcp_recv(mx_lua_socket_tcp_t *s, u_char *buf, size_t size)
{
    int       err;
    ssize_t   n;

    if (s->ssl) {
        n = mx_ssl_recv(s->c, s->ssl, buf, size, &s->read_wants, &err);
        if (n == MX_ERROR) {
            s->read_errno = err;
        }

        return n;
    }

    if (s->body) {
        /* the body's end is the peer's for its reader */
        if (s->body->rest <= 0) {
            return 0;
        }

        if ((off_t) size > s->body->rest) {
            size = (size_t) s->body->rest;
        }
    }

    if (s->drained) {
        /* nothing came since: wait for the read handler (as nginx does
         * with its ready flag), rather than a recv() that finds nothing */
        s->read_wants = MX_LUA_SSL_WANT_READ;
        return MX_AGAIN;
    }

    for ( ;; ) {
        n = recv(s->c->fd, buf, size, 0);

        if (n == 0 && s->downstream
            && (s->conf->check_client_abort == 1
                || (s->body && s->body->rest > 0)))
        {
            /* as the reference: the client's close is not an end */
            s->read_ft = MX_LUA_SOCKET_FT_CLIENTABORT;
            return MX_ERROR;
        }

        if (n >= 0) {
            if (s->body && n > 0) {
                s->body->rest -= n;

                if (s->body->rest == 0) {
                    /* nothing left for the core to discard */
                    s->request->body_read = 1;
                }
            }

            if (n > 0 && (size_t) n < size) {
                s->drained = 1;
            }

            return n;
        }

        err = errno;

        if (err == EINTR) {
            continue;
        }

        if (err == EAGAIN) {
            s->drained = 1;
            s->read_wants = MX_LUA_SSL_WANT_READ;
            return MX_AGAIN;
        }

        s->c->error = 1;
        s->read_errno = err;
        mx_log_error(mx_lua_socket_tcp_err_level(err), &s->c->log, err,
                     "recv() failed");
        return MX_ERROR;
    }
}


/* one step of the receive pattern over the size bytes at s->pos (0: the
 * peer closed): MX_OK, MX_AGAIN having taken them all, MX_ERROR */
static int
mx_lua_socket_tcp_filter(mx_lua_socket_tcp_t *s, size_t size)
{
    u_char  *p, *nl, *cr;
    size_t   n;

    switch (s->mode) {

    case MX_LUA_SOCKET_RECV_LINE:
        if (size == 0) {
            s->read_ft = MX_LUA_SOCKET_FT_CLOSED;
            return MX_ERROR;
        }

        nl = memchr(s->pos, '\n', size);
        n = nl ? (size_t) (nl - s->pos) : size;

        if (nl && s->out_len == 0) {
            /* a whole line, "\r" at most at its end: no copy */
            p = s->pos;

            if (n && p[n - 1] == '\r') {
                n--;
            }

            if (memchr(p, '\r', n) == NULL) {
                s->rdata = p;
                s->rlen = n;
                s->pos = nl + 1;
                return MX_OK;
            }

            n = nl - s->pos;
        }

        /* a line loses every "\r" in it, as in the reference */
        p = s->pos;
        while (n) {
            cr = memchr(p, '\r', n);
            if (cr == NULL) {
                if (mx_lua_socket_tcp_out(s, p, n) != MX_OK) {
                    return MX_ERROR;
                }

                break;
            }

            if (mx_lua_socket_tcp_out(s, p, cr - p) != MX_OK) {
                return MX_ERROR;
            }

            n -= cr - p + 1;
            p = cr + 1;
        }

        if (nl) {
            s->pos = nl + 1;
            return MX_OK;
        }

        s->pos = s->last;
        return MX_AGAIN;

    case MX_LUA_SOCKET_RECV_ALL:
        if (size == 0) {
            return MX_OK;
        }

        if (mx_lua_socket_tcp_out(s, s->pos, size) != MX_OK) {
            return MX_ERROR;
        }

        s->pos += size;
        return MX_AGAIN;

    case MX_LUA_SOCKET_RECV_BYTES:
    case MX_LUA_SOCKET_RECV_ANY:
        if (size == 0) {
            s->read_ft = MX_LUA_SOCKET_FT_CLOSED;
            return MX_ERROR;
        }

        n = mx_min(size, s->rest);

        if (s->out_len == 0
            && (n == s->rest || s->mode == MX_LUA_SOCKET_RECV_ANY))
        {
            /* all of the answer at once: no copy */
            s->rdata = s->pos;
            s->rlen = n;
            s->pos += n;
            s->rest -= n;
            return MX_OK;
        }

        if (mx_lua_socket_tcp_out(s, s->pos, n) != MX_OK) {
            return MX_ERROR;
        }

        s->pos += n;
        s->rest -= n;

        if (s->mode == MX_LUA_SOCKET_RECV_ANY || s->rest == 0) {
            return MX_OK;
        }

        return MX_AGAIN;

    default: /* MX_LUA_SOCKET_RECV_UNTIL */
        if (size == 0) {
            s->read_ft = MX_LUA_SOCKET_FT_CLOSED;
            return MX_ERROR;
        }

        return mx_lua_socket_tcp_until(s, size);
    }
}


/*
 * receiveuntil: Knuth-Morris-Pratt over the stream. The bytes that may
 * begin the pattern are held back in the pattern's state (they are a
 * prefix of it); a mismatch releases the ones that can no longer match.
 * With a size, the answer is cut after about size bytes: like the
 * reference, released bytes are never split, so it may go beyond.
 */
static int
mx_lua_socket_tcp_until(mx_lua_socket_tcp_t *s, size_t size)
{
    u_char                   *p, *last, *q;
    size_t                    st, t, n;
    mx_lua_socket_pattern_t  *pt = s->pattern;

    p = s->pos;
    last = s->pos + size;
    st = (size_t) pt->state;

    while (p < last) {

        if (*p == pt->pat[st]) {
            p++;
            st++;

            if (st == pt->len) {
                s->pos = p;
                pt->state = s->length ? -1 : 0;

                if (pt->inclusive
                    && mx_lua_socket_tcp_out(s, pt->pat, pt->len) != MX_OK)
                {
                    return MX_ERROR;
                }

                return MX_OK;
            }

            continue;
        }

        if (st == 0) {
            /* a run that cannot start the pattern goes out whole */
            q = memchr(p, pt->pat[0], last - p);
            n = (q ? q : last) - p;

            if (s->length) {
                n = mx_min(n, s->rest);
            }

            if (mx_lua_socket_tcp_out(s, p, n) != MX_OK) {
                return MX_ERROR;
            }

            p += n;

            if (s->length) {
                s->rest -= n;

                if (s->rest == 0) {
                    s->pos = p;
                    pt->state = 0;
                    return MX_OK;
                }
            }

            continue;
        }

        /* the longest border of what is held back that *p may extend */
        t = st;
        do {
            t = pt->border[t - 1];
        } while (t > 0 && pt->pat[t] != *p);

        n = st - t;

        if (mx_lua_socket_tcp_out(s, pt->pat, n) != MX_OK) {
            return MX_ERROR;
        }

        st = t;

        if (s->length) {
            if (s->rest <= n) {
                s->rest = 0;
                s->pos = p;
                pt->state = (int) st;
                return MX_OK;
            }

            s->rest -= n;
        }
    }

    s->pos = p;
    pt->state = (int) st;

    return MX_AGAIN;
}


static int
mx_lua_socket_tcp_out(mx_lua_socket_tcp_t *s, const u_char *p, size_t n)
{
    u_char  *out;
    size_t   size;

    if (n == 0) {
        return MX_OK;
    }

    if (s->out_size - s->out_len < n) {
        size = s->out_size ? s->out_size : 256;

        while (size - s->out_len < n) {
            if (size > ((size_t) -1) / 2) {
                s->read_ft = MX_LUA_SOCKET_FT_NOMEM;
                return MX_ERROR;
            }

            size *= 2;
        }

        out = realloc(s->out, size);
        if (out == NULL) {
            s->read_ft = MX_LUA_SOCKET_FT_NOMEM;
            return MX_ERROR;
        }

        s->out = out;
        s->out_size = size;
    }

    memcpy(s->out + s->out_len, p, n);
    s->out_len += n;

    return MX_OK;
}


/* a new answer; the room a big one took is given back */
static void
mx_lua_socket_tcp_out_reset(mx_lua_socket_tcp_t *s)
{
    s->out_len = 0;
    s->rdata = NULL;

    if (s->out_size > 65536) {
        free(s->out);
        s->out = NULL;
        s->out_size = 0;
    }
}


static void
mx_lua_socket_tcp_read_handler(mx_connection_t *c)
{
    mx_lua_socket_tcp_t  *s = c->data;

    /* bytes, or the end, may have come: the next read will tell */
    s->drained = 0;

    if (c->read_timedout) {
        c->read_timedout = 0;

        if (s->read_rc == MX_AGAIN) {
            if (s->conf->socket_log_errors) {
                mx_log_error(MX_LOG_ERR, &s->request->connection->log, 0,
                             "lua tcp socket read timed out");
            }

            s->read_ft = MX_LUA_SOCKET_FT_TIMEOUT;
            s->read_rc = MX_ERROR;
            mx_lua_socket_tcp_wake(&s->reader);
        }

        mx_lua_socket_tcp_watch(s);
        return;
    }

    if (s->hs_pending) {
        mx_lua_socket_tcp_handshake_handler(s);
        return;
    }

    if (s->write_rc == MX_AGAIN && s->write_wants == MX_LUA_SSL_WANT_READ) {
        mx_lua_socket_tcp_write_ready(s);
    }

    if (s->read_rc == MX_AGAIN && s->read_wants != MX_LUA_SSL_WANT_WRITE) {
        mx_lua_socket_tcp_read_ready(s);
    }

    mx_lua_socket_tcp_watch(s);
}


/* the pending read may go on */
static void
mx_lua_socket_tcp_read_ready(mx_lua_socket_tcp_t *s)
{
    int     rc;
    size_t  got;

    rc = mx_lua_socket_tcp_read(s, &got);

    if (rc == MX_AGAIN) {
        if (got) {
            /* the timeout is for the peer's silence, as nginx's */
            mx_conn_read_timer(s->c, mx_lua_socket_tcp_read_timeout(s));
        }

        return;
    }

    mx_conn_read_timer(s->c, 0);

    if (rc == MX_ERROR) {
        mx_lua_socket_tcp_read_error(s, s->read_ft);
    }

    s->read_rc = rc;
    mx_lua_socket_tcp_wake(&s->reader);
}


/* a read failed: but for a timeout, the reading side is done */
static void
mx_lua_socket_tcp_read_error(mx_lua_socket_tcp_t *s, int ft)
{
    s->read_ft = ft;

    if (ft != MX_LUA_SOCKET_FT_TIMEOUT) {
        mx_lua_socket_tcp_finalize_read(s);
    }
}


/* ------------------------------------------------------------ sending */

int
mx_ffi_socket_tcp_send(mx_http_request_t *r, mx_lua_socket_tcp_t *s,
    const u_char *data, size_t len, int bad_arg, const char **err)
{
    int   rc, one;

    if (r == NULL) {
        *err = "no request found";
        return MX_FFI_BAD_CONTEXT;
    }

    if (s == NULL || s->c == NULL || s->write_closed) {
        if (mx_lua_socket_tcp_log_errors(r)) {
            mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                         "attempt to send data on a closed socket: u:%p, "
                         "c:%p, ft:%d eof:%d", (void *) s,
                         s ? (void *) s->c : NULL,
                         s ? s->write_ft : 0, s ? (int) s->eof : 0);
        }

        *err = "closed";
        return MX_ERROR;
    }

    if (mx_lua_socket_tcp_owner(r, s, err) != MX_OK) {
        return MX_FFI_BAD_CONTEXT;
    }

    if (s->connecting) {
        *err = "socket busy connecting";
        return MX_ERROR;
    }

    if (s->writer.co) {
        *err = "socket busy writing";
        return MX_ERROR;
    }

    if (bad_arg) {
        return MX_DECLINED;
    }

    if (len == 0) {
        return MX_OK;
    }

    /* nginx's tcp_nodelay, on by default, set before the first send */
    if (!s->c->tcp_nodelay) {
        one = 1;

        if (setsockopt(s->c->fd, IPPROTO_TCP, TCP_NODELAY, &one,
                       sizeof(one)) == -1)
        {
            if (s->conf->socket_log_errors) {
                mx_log_error(MX_LOG_ERR, &s->c->log, errno,
                             "setsockopt(TCP_NODELAY) failed");
            }

            *err = "setsocketopt tcp_nodelay failed";
            return MX_ERROR;
        }

        s->c->tcp_nodelay = 1;
    }

    s->send_data = data;
    s->send_len = len;
    s->sent = 0;
    s->write_rc = MX_AGAIN;

    rc = mx_lua_socket_tcp_send(s);

    if (rc == MX_AGAIN) {
        if (mx_lua_socket_tcp_wait(r, &s->writer, err) != MX_OK) {
            s->write_rc = MX_OK;
            s->send_data = NULL;
            return MX_FFI_BAD_CONTEXT;
        }

        mx_lua_socket_tcp_watch(s);
        mx_conn_write_timer(s->c, mx_lua_socket_tcp_send_timeout(s));
        return MX_AGAIN;
    }

    s->send_data = NULL;
    s->write_rc = rc;

    if (rc == MX_ERROR) {
        mx_lua_socket_tcp_write_error(s, MX_LUA_SOCKET_FT_ERROR);
        *err = mx_lua_socket_tcp_error(s->write_ft, s->write_errno);
        return MX_ERROR;
    }

    return MX_OK;
}


int
mx_ffi_socket_tcp_send_result(mx_http_request_t *r, mx_lua_socket_tcp_t *s,
    const char **err)
{
    if (s->write_rc == MX_AGAIN) {
        mx_lua_socket_tcp_wait(r, &s->writer, err);
        return MX_AGAIN;
    }

    mx_lua_socket_tcp_collected(&s->writer);

    if (s->write_rc == MX_OK) {
        return MX_OK;
    }

    *err = mx_lua_socket_tcp_error(s->write_ft, s->write_errno);
    return MX_ERROR;
}


/* writes what is left: MX_OK, MX_AGAIN, MX_ERROR (logged as nginx) */
static int
mx_lua_socket_tcp_send(mx_lua_socket_tcp_t *s)
{
    int               err;
    ssize_t           n;
    mx_connection_t  *c = s->c;

    while (s->sent < s->send_len) {

        if (s->ssl) {
            n = mx_ssl_send(c, s->ssl, s->send_data + s->sent,
                                s->send_len - s->sent, &s->write_wants, &err);

            if (n == MX_AGAIN) {
                return MX_AGAIN;
            }

            if (n == MX_ERROR) {
                s->write_errno = err;
                return MX_ERROR;
            }

            s->sent += n;
            continue;
        }

        n = send(c->fd, s->send_data + s->sent, s->send_len - s->sent,
                 MSG_NOSIGNAL);

        if (n >= 0) {
            s->sent += n;
            continue;
        }

        if (errno == EINTR) {
            continue;
        }

        if (errno == EAGAIN) {
            s->write_wants = MX_LUA_SSL_WANT_WRITE;
            return MX_AGAIN;
        }

        err = errno;
        s->write_errno = err;
        c->error = 1;
        mx_log_error(mx_lua_socket_tcp_err_level(err), &c->log, err,
                     "send() failed");
        return MX_ERROR;
    }

    return MX_OK;
}


static void
mx_lua_socket_tcp_write_handler(mx_connection_t *c)
{
    mx_lua_socket_tcp_t  *s = c->data;

    if (s->conn_pending) {
        mx_lua_socket_tcp_connected_handler(s);
        return;
    }

    if (s->hs_pending) {
        mx_lua_socket_tcp_handshake_handler(s);
        return;
    }

    if (c->write_timedout) {
        c->write_timedout = 0;

        if (s->write_rc == MX_AGAIN) {
            if (s->conf->socket_log_errors) {
                mx_log_error(MX_LOG_ERR, &s->request->connection->log, 0,
                             "lua tcp socket write timed out");
            }

            s->write_rc = MX_ERROR;
            mx_lua_socket_tcp_write_error(s, MX_LUA_SOCKET_FT_TIMEOUT);
            mx_lua_socket_tcp_wake(&s->writer);
        }

        mx_lua_socket_tcp_watch(s);
        return;
    }

    if (s->read_rc == MX_AGAIN && s->read_wants == MX_LUA_SSL_WANT_WRITE) {
        mx_lua_socket_tcp_read_ready(s);
    }

    if (s->write_rc == MX_AGAIN && s->write_wants != MX_LUA_SSL_WANT_READ) {
        mx_lua_socket_tcp_write_ready(s);
    }

    mx_lua_socket_tcp_watch(s);
}


/* the pending send may go on */
static void
mx_lua_socket_tcp_write_ready(mx_lua_socket_tcp_t *s)
{
    int     rc;
    size_t  sent;

    sent = s->sent;

    rc = mx_lua_socket_tcp_send(s);

    if (rc == MX_AGAIN) {
        if (s->sent != sent) {
            mx_conn_write_timer(s->c, mx_lua_socket_tcp_send_timeout(s));
        }

        return;
    }

    mx_conn_write_timer(s->c, 0);

    s->send_data = NULL;
    s->write_rc = rc;

    if (rc == MX_ERROR) {
        mx_lua_socket_tcp_write_error(s, MX_LUA_SOCKET_FT_ERROR);
    }

    mx_lua_socket_tcp_wake(&s->writer);
}


/*
 * Watches for the readiness the pending operations wait for: over TLS, a
 * read may need the socket writable and a write may need it readable. A
 * connection read dry stays watched for reading too, so that its
 * "drained" holds (and a watcher is not stopped and started again on
 * every request): the first event ends that.
 */
static void
mx_lua_socket_tcp_watch(mx_lua_socket_tcp_t *s)
{
    int  rd, wr;

    if (s->c == NULL) {
        return;
    }

    rd = s->drained && !s->read_closed;
    wr = s->conn_pending;

    if (s->hs_pending) {
        if (s->hs_wants == MX_LUA_SSL_WANT_WRITE) {
            wr = 1;

        } else {
            rd = 1;
        }
    }

    if (!s->read_closed && s->read_rc == MX_AGAIN) {
        if (s->read_wants == MX_LUA_SSL_WANT_WRITE) {
            wr = 1;

        } else {
            rd = 1;
        }
    }

    if (!s->write_closed && s->write_rc == MX_AGAIN) {
        if (s->write_wants == MX_LUA_SSL_WANT_READ) {
            rd = 1;

        } else {
            wr = 1;
        }
    }

    mx_conn_want_read(s->c, rd);
    mx_conn_want_write(s->c, wr);
}


/* a send failed (a timeout too): the writing side is done */
static void
mx_lua_socket_tcp_write_error(mx_lua_socket_tcp_t *s, int ft)
{
    s->write_ft = ft;
    s->send_data = NULL;
    mx_lua_socket_tcp_finalize_write(s);
}


/* ---------------------------------------------------------------- TLS */

int
mx_ffi_socket_tcp_sslhandshake(mx_http_request_t *r, mx_lua_socket_tcp_t *s,
    void *sess, int reuse, const u_char *name, size_t name_len, int verify,
    int ocsp_status_req, const char **err)
{
    int               rc;
    SSL              *ssl;
    mx_connection_t  *c;

    if (r == NULL) {
        *err = "no request found";
        return MX_FFI_BAD_CONTEXT;
    }

    if (s == NULL || s->request == NULL) {
        return MX_DECLINED;
    }

    if (s->c == NULL || s->read_closed || s->write_closed) {
        *err = "closed";
        return MX_ERROR;
    }

    /* the reference answers this one, it does not raise it */
    if (s->request != r || s->ended) {
        *err = "bad request";
        return MX_ERROR;
    }

    if (s->connecting) {
        *err = "socket busy connecting";
        return MX_ERROR;
    }

    if (s->reader.co) {
        *err = "socket busy reading";
        return MX_ERROR;
    }

    if (s->writer.co) {
        *err = "socket busy writing";
        return MX_ERROR;
    }

    c = s->c;

    s->hs_err = NULL;
    s->hs_code = 0;

    if (s->hs_session) {
        SSL_SESSION_free(s->hs_session);
        s->hs_session = NULL;
    }

    if (s->ssl) {
        /* TLS already (a pooled connection, or a second call): as the
         * reference, the session given back, or the current one */
        if (sess) {
            return MX_DONE;
        }

        s->hs_session = reuse ? SSL_get1_session(s->ssl) : NULL;
        s->hs_rc = MX_OK;
        return MX_OK;
    }

    ssl = s->conf->ssl_ctx ? SSL_new(s->conf->ssl_ctx) : NULL;

    if (ssl == NULL || SSL_set_fd(ssl, c->fd) == 0) {
        SSL_free(ssl);
        ERR_clear_error();
        *err = "failed to create ssl connection";
        return MX_ERROR;
    }

    SSL_set_connect_state(ssl);

    if (sess) {
        if (SSL_set_session(ssl, sess) == 0) {
            SSL_free(ssl);
            ERR_clear_error();
            *err = "ssl set session failed";
            return MX_ERROR;
        }

        /* a session was given: the one that comes out is handed back */
        reuse = 1;
    }

    s->ssl_name_len = 0;

    if (name) {
        if (mx_lua_socket_tcp_set_str(&s->ssl_name, &s->ssl_name_size,
                                      &s->ssl_name_len, name, name_len)
            != MX_OK)
        {
            SSL_free(ssl);
            *err = "no memory";
            return MX_ERROR;
        }

        if (SSL_set_tlsext_host_name(ssl, (char *) s->ssl_name) == 0) {
            SSL_free(ssl);
            ERR_clear_error();
            s->ssl_name_len = 0;
            *err = "SSL_set_tlsext_host_name failed";
            return MX_ERROR;
        }
    }

    if (ocsp_status_req) {
        /* asked for; nothing checks the answer */
        SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp);
    }

    s->ssl = ssl;
    s->drained = 0;
    s->ssl_verify = verify ? 1 : 0;
    s->ssl_reuse = reuse ? 1 : 0;
    s->hs_pending = 1;
    s->hs_rc = MX_AGAIN;

    rc = mx_ssl_handshake(c, ssl, &s->hs_wants);

    if (rc == MX_AGAIN) {
        if (mx_lua_socket_tcp_wait(r, &s->writer, err) != MX_OK) {
            mx_lua_socket_tcp_finalize(s);
            return MX_FFI_BAD_CONTEXT;
        }

        /* as the reference, the handshake has the connect timeout and
         * counts as connecting */
        s->connecting = 1;
        mx_conn_write_timer(c, mx_lua_socket_tcp_connect_timeout(s));
        mx_lua_socket_tcp_watch(s);
        return MX_AGAIN;
    }

    if (rc == MX_ERROR) {
        s->hs_err = "handshake failed";
    }

    mx_lua_socket_tcp_handshake_done(s, rc);

    return MX_OK;
}


int
mx_ffi_socket_tcp_sslhandshake_result(mx_http_request_t *r,
    mx_lua_socket_tcp_t *s, void **sess, const char **err, int *code)
{
    *sess = NULL;
    *code = 0;

    if (s->hs_rc == MX_AGAIN) {
        mx_lua_socket_tcp_wait(r, &s->writer, err);
        return MX_AGAIN;
    }

    mx_lua_socket_tcp_collected(&s->writer);
    s->connecting = 0;

    if (s->hs_rc != MX_OK) {
        *err = s->hs_err ? s->hs_err : "handshake failed";
        *code = s->hs_code;
        return MX_ERROR;
    }

    *sess = s->hs_session;
    s->hs_session = NULL;

    return MX_OK;
}


void
mx_ffi_socket_tcp_ssl_free_session(void *sess)
{
    SSL_SESSION_free(sess);
}


static void
mx_lua_socket_tcp_handshake_handler(mx_lua_socket_tcp_t *s)
{
    int               rc;
    mx_connection_t  *c = s->c;

    if (c->write_timedout) {
        c->write_timedout = 0;

        /* the reference logs nothing for it */
        s->hs_err = "timeout";
        mx_lua_socket_tcp_handshake_done(s, MX_ERROR);
        return;
    }

    rc = mx_ssl_handshake(c, s->ssl, &s->hs_wants);

    if (rc == MX_AGAIN) {
        mx_lua_socket_tcp_watch(s);
        return;
    }

    if (rc == MX_ERROR) {
        s->hs_err = "handshake failed";
    }

    mx_lua_socket_tcp_handshake_done(s, rc);
}


/* the handshake's outcome for sslhandshake_result(); a failure closes
 * the socket */
static void
mx_lua_socket_tcp_handshake_done(mx_lua_socket_tcp_t *s, int rc)
{
    s->hs_pending = 0;

    mx_conn_write_timer(s->c, 0);

    if (rc == MX_OK) {
        rc = mx_lua_socket_tcp_ssl_verify(s);
    }

    s->hs_rc = rc;

    if (rc == MX_OK) {
        if (s->ssl_reuse) {
            s->hs_session = SSL_get1_session(s->ssl);
        }

        mx_lua_socket_tcp_watch(s);

    } else {
        mx_lua_socket_tcp_finalize(s);
    }

    mx_lua_socket_tcp_wake(&s->writer);
}


/* sslhandshake()'s ssl_verify: the chain, then the name, with the
 * reference's messages */
static int
mx_lua_socket_tcp_ssl_verify(mx_lua_socket_tcp_t *s)
{
    int        ok;
    long       rc;
    X509      *cert;
    mx_log_t  *log;

    if (!s->ssl_verify) {
        return MX_OK;
    }

    log = &s->request->connection->log;

    rc = SSL_get_verify_result(s->ssl);

    if (rc != X509_V_OK) {
        s->hs_err = X509_verify_cert_error_string(rc);
        s->hs_code = (int) rc;

        if (s->conf->socket_log_errors) {
            mx_log_error(MX_LOG_ERR, log, 0, "lua ssl certificate verify "
                         "error: (%ld: %s)", rc, s->hs_err);
        }

        return MX_ERROR;
    }

    if (s->ssl_name_len == 0) {
        return MX_OK;
    }

    cert = SSL_get1_peer_certificate(s->ssl);

    ok = (cert != NULL
          && X509_check_host(cert, (char *) s->ssl_name, s->ssl_name_len, 0,
                             NULL) == 1);

    X509_free(cert);

    if (ok) {
        return MX_OK;
    }

    s->hs_err = "certificate host mismatch";

    if (s->conf->socket_log_errors) {
        mx_log_error(MX_LOG_ERR, log, 0, "lua ssl certificate does not "
                     "match host \"%.*s\"", (int) s->ssl_name_len,
                     (char *) s->ssl_name);
    }

    return MX_ERROR;
}


/* ------------------------------------------------------ the rest of it */

int
mx_ffi_socket_tcp_close(mx_http_request_t *r, mx_lua_socket_tcp_t *s,
    const char **err)
{
    if (r == NULL) {
        *err = "no request found";
        return MX_FFI_BAD_CONTEXT;
    }

    if (s == NULL || s->c == NULL || (s->read_closed && s->write_closed)) {
        *err = "closed";
        return MX_ERROR;
    }

    if (mx_lua_socket_tcp_owner(r, s, err) != MX_OK) {
        return MX_FFI_BAD_CONTEXT;
    }

    if (s->connecting) {
        *err = "socket busy connecting";
        return MX_ERROR;
    }

    if (s->reader.co) {
        *err = "socket busy reading";
        return MX_ERROR;
    }

    if (s->writer.co) {
        *err = "socket busy writing";
        return MX_ERROR;
    }

    mx_lua_socket_tcp_finalize(s);
    mx_lua_socket_tcp_release_bufs(s);

    return MX_OK;
}


void
mx_ffi_socket_tcp_settimeouts(mx_lua_socket_tcp_t *s, long connect_timeout,
    long send_timeout, long read_timeout)
{
    s->connect_timeout = connect_timeout > 0 ? connect_timeout : 0;
    s->send_timeout = send_timeout > 0 ? send_timeout : 0;
    s->read_timeout = read_timeout > 0 ? read_timeout : 0;
}


int
mx_ffi_socket_tcp_getreusedtimes(mx_lua_socket_tcp_t *s)
{
    if (s == NULL || s->c == NULL || (s->read_closed && s->write_closed)) {
        return -1;
    }

    return (int) s->reused;
}


int
mx_ffi_socket_tcp_setkeepalive(mx_http_request_t *r, mx_lua_socket_tcp_t *s,
    long timeout, long pool_size, int bad_arg, const char **err)
{
    int               rc;
    mx_connection_t  *c;

    if (s == NULL || s->c == NULL || s->read_closed || s->write_closed) {
        *err = "closed";
        return MX_ERROR;
    }

    if (r == NULL) {
        *err = "no request found";
        return MX_FFI_BAD_CONTEXT;
    }

    if (mx_lua_socket_tcp_owner(r, s, err) != MX_OK) {
        return MX_FFI_BAD_CONTEXT;
    }

    if (s->connecting) {
        *err = "socket busy connecting";
        return MX_ERROR;
    }

    if (s->reader.co) {
        *err = "socket busy reading";
        return MX_ERROR;
    }

    if (s->writer.co) {
        *err = "socket busy writing";
        return MX_ERROR;
    }

    c = s->c;

    if (s->pos != s->last || (s->ssl && SSL_pending(s->ssl) > 0)) {
        *err = "unread data in buffer";
        return MX_ERROR;
    }

    if (s->eof || c->error) {
        *err = "invalid connection";
        return MX_ERROR;
    }

    if (bad_arg) {
        return MX_DECLINED;
    }

    if (mx_exiting || mx_terminate || mx_quit) {
        mx_lua_socket_tcp_finalize(s);
        mx_lua_socket_tcp_release_bufs(s);
        return MX_OK;
    }

    if (timeout < 0) {
        timeout = (long) s->conf->socket_keepalive_timeout;
    }

    rc = mx_lua_socket_pool_put(s, (mx_msec_t) timeout, pool_size, err);

    if (s->c == NULL) {
        /* pooled, or closed as dubious */
        mx_lua_socket_tcp_release_bufs(s);
    }

    return rc;
}


/* an option's setsockopt() level and name; MX_ERROR when unknown */
static int
mx_lua_socket_tcp_sockopt(int option, int *level, int *name)
{
    *level = SOL_SOCKET;

    switch (option) {
    case MX_LUA_SOCKOPT_KEEPALIVE:
        *name = SO_KEEPALIVE;
        return MX_OK;

    case MX_LUA_SOCKOPT_REUSEADDR:
        *name = SO_REUSEADDR;
        return MX_OK;

    case MX_LUA_SOCKOPT_TCP_NODELAY:
        *level = IPPROTO_TCP;
        *name = TCP_NODELAY;
        return MX_OK;

    case MX_LUA_SOCKOPT_SNDBUF:
        *name = SO_SNDBUF;
        return MX_OK;

    case MX_LUA_SOCKOPT_RCVBUF:
        *name = SO_RCVBUF;
        return MX_OK;

    default:
        return MX_ERROR;
    }
}


int
mx_ffi_socket_tcp_setoption(mx_lua_socket_tcp_t *s, int option, int value,
    const char **err)
{
    int  level, name;

    if (s == NULL || s->c == NULL) {
        *err = "closed";
        return MX_ERROR;
    }

    if (mx_lua_socket_tcp_sockopt(option, &level, &name) != MX_OK) {
        *err = mx_lua_socket_tcp_fmt(s, "unsupported option: %d", option);
        return MX_ERROR;
    }

    if (setsockopt(s->c->fd, level, name, &value, sizeof(value)) == -1) {
        *err = mx_lua_socket_tcp_fmt(s, "%s", strerror(errno));
        return MX_ERROR;
    }

    if (option == MX_LUA_SOCKOPT_TCP_NODELAY) {
        /* the user decided: send() leaves it alone */
        s->c->tcp_nodelay = 1;
    }

    return MX_OK;
}


int
mx_ffi_socket_tcp_getoption(mx_lua_socket_tcp_t *s, int option, int *value,
    const char **err)
{
    int        level, name;
    socklen_t  len;

    if (s == NULL || s->c == NULL) {
        *err = "closed";
        return MX_ERROR;
    }

    if (mx_lua_socket_tcp_sockopt(option, &level, &name) != MX_OK) {
        *err = mx_lua_socket_tcp_fmt(s, "unsupported option %d", option);
        return MX_ERROR;
    }

    len = sizeof(int);

    if (getsockopt(s->c->fd, level, name, value, &len) == -1) {
        *err = mx_lua_socket_tcp_fmt(s, "%s", strerror(errno));
        return MX_ERROR;
    }

    return MX_OK;
}


/* ---------------------------------------------------------- closing */

static void
mx_lua_socket_tcp_finalize_read(mx_lua_socket_tcp_t *s)
{
    s->read_closed = 1;
    s->pos = s->buf;
    s->last = s->buf;

    if (s->c) {
        mx_lua_socket_tcp_watch(s);
        mx_conn_read_timer(s->c, 0);
    }
}


static void
mx_lua_socket_tcp_finalize_write(mx_lua_socket_tcp_t *s)
{
    s->write_closed = 1;

    if (s->c) {
        mx_lua_socket_tcp_watch(s);
        mx_conn_write_timer(s->c, 0);
    }
}


void
mx_lua_socket_tcp_finalize(mx_lua_socket_tcp_t *s)
{
    if (s->queued) {
        mx_lua_socket_pool_dequeue(s);
    }

    if (s->rctx) {
        mx_resolve_name_done(s->rctx);
        s->rctx = NULL;
    }

    s->read_closed = 1;
    s->write_closed = 1;
    s->conn_pending = 0;
    s->send_data = NULL;

    if (s->hs_pending) {
        s->hs_pending = 0;
        s->hs_rc = MX_ERROR;
        s->hs_err = "closed";
        s->hs_code = 0;
    }

    s->pattern = NULL;
    s->pos = s->buf;
    s->last = s->buf;

    if (s->read_rc == MX_AGAIN) {
        s->read_rc = MX_ERROR;
        s->read_ft = MX_LUA_SOCKET_FT_CLOSED;
    }

    if (s->write_rc == MX_AGAIN) {
        s->write_rc = MX_ERROR;
        s->write_ft = MX_LUA_SOCKET_FT_CLOSED;
    }

    if (s->c) {
        mx_lua_socket_tcp_close_conn(s->c, s->ssl);
        s->c = NULL;
        s->ssl = NULL;
    }

    mx_lua_socket_pool_release(s);
}


void
mx_lua_socket_tcp_close_conn(mx_connection_t *c, SSL *ssl)
{
    mx_ssl_shutdown(c, ssl);
    mx_conn_close(c);
}


/* the request ends: its sockets close, their waiters are let go */
static void
mx_lua_socket_tcp_request_done(void *data)
{
    mx_lua_socket_tcp_t  *s = data;

    s->cleanup = NULL;
    s->body = NULL;

    mx_lua_socket_tcp_collected(&s->reader);
    mx_lua_socket_tcp_collected(&s->writer);
    s->connecting = 0;

    mx_lua_socket_tcp_finalize(s);
    mx_lua_socket_tcp_release_bufs(s);

    s->ended = 1;
}


/* ---------------------------------------------------------- waiting */

static int
mx_lua_socket_tcp_wait(mx_http_request_t *r, mx_lua_socket_waiter_t *w,
    const char **err)
{
    mx_http_lua_co_t  *co;

    co = mx_http_lua_current_co(r);
    if (co == NULL) {
        *err = "no Lua thread to wait in";
        return MX_ERROR;
    }

    w->co = co;
    mx_http_lua_co_set_cleanup(co, mx_lua_socket_tcp_abandoned, w);

    return MX_OK;
}


static void
mx_lua_socket_tcp_wake(mx_lua_socket_waiter_t *w)
{
    mx_http_lua_co_t     *co = w->co;
    mx_lua_socket_tcp_t  *s = w->s;

    if (co == NULL || s->ended) {
        return;
    }

    mx_http_lua_wakeup_co(s->request, co);

    /* till the thread collects the outcome, abandoning it frees the
     * socket for others */
    mx_http_lua_co_set_cleanup(co, mx_lua_socket_tcp_abandoned, w);
}


/* the waiter has its outcome (or is let go): forget its thread */
static void
mx_lua_socket_tcp_collected(mx_lua_socket_waiter_t *w)
{
    mx_http_lua_co_t  *co = w->co;

    if (co == NULL) {
        return;
    }

    w->co = NULL;

    if (co->cleanup == mx_lua_socket_tcp_abandoned && co->cleanup_data == w)
    {
        mx_http_lua_co_set_cleanup(co, NULL, NULL);
    }
}


/*
 * The waiting thread is gone (killed, ngx.exit in another, the request's
 * end): as the reference, an operation it leaves unfinished closes the
 * socket; another thread waiting on it gets "closed".
 */
static void
mx_lua_socket_tcp_abandoned(void *data)
{
    mx_lua_socket_waiter_t  *w = data;
    mx_lua_socket_waiter_t  *other;
    mx_lua_socket_tcp_t     *s = w->s;
    int                      pending;

    w->co = NULL;

    if (w == &s->reader) {
        pending = (s->read_rc == MX_AGAIN);
        other = &s->writer;

    } else {
        pending = (s->conn_pending || s->hs_pending
                   || s->write_rc == MX_AGAIN);
        s->connecting = 0;
        other = &s->reader;
    }

    if (!pending) {
        return;
    }

    /* the other side's operation, if any, ends "closed" */
    mx_lua_socket_tcp_finalize(s);
    mx_lua_socket_tcp_wake(other);
}


/* ---------------------------------------------------------- helpers */

/* settimeout(s)'s values, or the location's lua_socket_*_timeout */

mx_msec_t
mx_lua_socket_tcp_connect_timeout(mx_lua_socket_tcp_t *s)
{
    return s->connect_timeout ? s->connect_timeout
                              : s->conf->socket_connect_timeout;
}


static mx_msec_t
mx_lua_socket_tcp_send_timeout(mx_lua_socket_tcp_t *s)
{
    return s->send_timeout ? s->send_timeout : s->conf->socket_send_timeout;
}


static mx_msec_t
mx_lua_socket_tcp_read_timeout(mx_lua_socket_tcp_t *s)
{
    return s->read_timeout ? s->read_timeout : s->conf->socket_read_timeout;
}


/* the message Lua gets for a failure: "timeout", "closed", or errno's
 * text in lower case (as LuaSocket), made once per worker and errno */
static const char *
mx_lua_socket_tcp_error(int ft, int err)
{
    size_t       i;
    char        *text;
    const char  *msg;

    switch (ft) {
    case MX_LUA_SOCKET_FT_TIMEOUT:
        return "timeout";

    case MX_LUA_SOCKET_FT_CLOSED:
        return "closed";

    case MX_LUA_SOCKET_FT_NOMEM:
        return "no memory";

    case MX_LUA_SOCKET_FT_CLIENTABORT:
        return "client aborted";

    default:
        break;
    }

    if (err <= 0 || err >= MX_LUA_SOCKET_NERRNO) {
        return "error";
    }

    if (mx_lua_socket_errno_texts[err]) {
        return mx_lua_socket_errno_texts[err];
    }

    msg = strerror(err);

    text = malloc(strlen(msg) + 1);
    if (text == NULL) {
        return "error";
    }

    for (i = 0; msg[i]; i++) {
        text[i] = (char) mx_tolower((u_char) msg[i]);
    }

    text[i] = '\0';
    mx_lua_socket_errno_texts[err] = text;

    return text;
}


/* a message of the socket's own, valid until its next one (s->msg is made
 * on the first) */
static const char *
mx_lua_socket_tcp_fmt(mx_lua_socket_tcp_t *s, const char *fmt, ...)
{
    va_list  args;

    if (s->msg == NULL) {
        s->msg = malloc(MX_LUA_SOCKET_MSG_SIZE);
        if (s->msg == NULL) {
            return "no memory";
        }
    }

    va_start(args, fmt);
    vsnprintf(s->msg, MX_LUA_SOCKET_MSG_SIZE, fmt, args);
    va_end(args);

    return s->msg;
}


/* nginx's levels for upstream socket errors */
static mx_uint_t
mx_lua_socket_tcp_err_level(int err)
{
    switch (err) {
    case ECONNRESET:
    case EPIPE:
    case ENOTCONN:
    case ETIMEDOUT:
    case ECONNREFUSED:
    case ENETDOWN:
    case ENETUNREACH:
    case EHOSTDOWN:
    case EHOSTUNREACH:
        return MX_LOG_ERR;

    default:
        return MX_LOG_ALERT;
    }
}


static int
mx_lua_socket_tcp_log_errors(mx_http_request_t *r)
{
    mx_http_lua_loc_conf_t  *llcf;

    llcf = mx_http_get_module_loc_conf(r, mx_http_lua_module);

    return llcf->socket_log_errors == 1;
}


/* copies data into *p, growing it; MX_OK or MX_ERROR */
static int
mx_lua_socket_tcp_set_str(u_char **p, size_t *size, size_t *len,
    const u_char *data, size_t n)
{
    u_char  *np;

    if (*size < n + 1) {
        np = realloc(*p, n + 1);
        if (np == NULL) {
            return MX_ERROR;
        }

        *p = np;
        *size = n + 1;
    }

    memcpy(*p, data, n);
    (*p)[n] = '\0';
    *len = n;

    return MX_OK;
}


/* host and key (NULL: "host:port"), NUL-terminated, in s->names when
 * they fit; MX_OK or MX_ERROR */
static int
mx_lua_socket_tcp_set_names(mx_lua_socket_tcp_t *s, const u_char *host,
    size_t host_len, const u_char *key, size_t key_len, int port)
{
    int      n;
    size_t   need;
    u_char  *p, digits[8];

    n = 0;

    if (key == NULL) {
        /* the port's digits, backwards */
        do {
            digits[n++] = (u_char) ('0' + port % 10);
            port /= 10;
        } while (port && n < (int) sizeof(digits));

        key_len = host_len + 1 + n;
    }

    need = host_len + key_len + 2;

    if (need <= sizeof(s->names)) {
        p = s->names;

    } else {
        if (s->names_size < need) {
            p = realloc(s->names_big, need);
            if (p == NULL) {
                return MX_ERROR;
            }

            s->names_big = p;
            s->names_size = need;
        }

        p = s->names_big;
    }

    s->host = p;
    s->host_len = host_len;
    memcpy(p, host, host_len);
    p[host_len] = '\0';

    p += host_len + 1;

    s->key = p;
    s->key_len = key_len;

    if (key) {
        memcpy(p, key, key_len);

    } else {
        memcpy(p, host, host_len);
        p += host_len;
        *p++ = ':';

        while (n) {
            *p++ = digits[--n];
        }

        p = s->key;
    }

    p[key_len] = '\0';

    return MX_OK;
}


/* a buffer of size bytes, one given back earlier if any; NULL on memory
 * failure */
static u_char *
mx_lua_socket_buf_get(size_t size)
{
    mx_lua_socket_free_buf_t  *b, **bp;

    for (bp = &mx_lua_socket_free_bufs; *bp; bp = &(*bp)->next) {
        b = *bp;

        if (b->size == size) {
            *bp = b->next;
            mx_lua_socket_nfree_bufs--;
            return (u_char *) b;
        }
    }

    return malloc(size);
}


/* p (size bytes, from mx_lua_socket_buf_get or malloc) is free: kept for
 * the next sockets, or freed; NULL is ignored */
static void
mx_lua_socket_buf_put(u_char *p, size_t size)
{
    mx_lua_socket_free_buf_t  *b;

    if (p == NULL) {
        return;
    }

    if (mx_lua_socket_nfree_bufs >= MX_LUA_SOCKET_FREE_BUFS
        || size > MX_LUA_SOCKET_FREE_BUF_MAX
        || size < sizeof(mx_lua_socket_free_buf_t))
    {
        free(p);
        return;
    }

    b = (mx_lua_socket_free_buf_t *) p;
    b->size = size;
    b->next = mx_lua_socket_free_bufs;
    mx_lua_socket_free_bufs = b;
    mx_lua_socket_nfree_bufs++;
}


/* the socket is closed and no outcome of it is to be collected: its read
 * and answer buffers go back */
static void
mx_lua_socket_tcp_release_bufs(mx_lua_socket_tcp_t *s)
{
    mx_lua_socket_buf_put(s->buf, s->end - s->buf);
    s->buf = NULL;
    s->pos = NULL;
    s->last = NULL;
    s->end = NULL;

    mx_lua_socket_buf_put(s->out, s->out_size);
    s->out = NULL;
    s->out_size = 0;
    s->out_len = 0;
    s->rdata = NULL;
}
