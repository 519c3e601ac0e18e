#include "mx_lua_module.h"
#include "mx_lua_socket_udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * ngx.socket.udp over plain socket()/connect()/send()/recv(), watched by
 * an ev_io and an ev_timer of the socket's own. A receive that must wait
 * only waits for readability: the datagram (or the error an ICMP message
 * left on the socket) is read when the thread runs again, so nothing is
 * buffered between the event and the resume.
 */

/* where the reference allows UDP cosockets */
#define MX_LUA_CONTEXT_UDP_COSOCKET                                        \
    (MX_LUA_CONTEXT_YIELDABLE|MX_LUA_CONTEXT_TIMER)

struct mx_lua_socket_udp_s {
    int                   fd;            /* -1: closed */
    mx_http_request_t    *request;       /* the owner, NULL once it ended */
    mx_pool_cleanup_t    *cleanup;       /* on the owner's pool */
    mx_http_lua_co_t     *co;            /* the thread waiting */
    mx_resolver_ctx_t    *resolver;      /* a name being resolved */
    in_port_t             port;          /* for the name's address */

    mx_msec_t             read_timeout;
    mx_msec_t             conf_timeout;  /* lua_socket_read_timeout */

    ev_io                 rev;
    ev_timer              timer;

    unsigned              log_errors:1;  /* lua_socket_log_errors */
    unsigned              waiting:1;     /* until the waiter collects */
    unsigned              timedout:1;
    unsigned              resolved:1;    /* the resolver answered */
};


static int mx_lua_socket_udp_owner(mx_http_request_t *r,
    mx_lua_socket_udp_t *u, const char **err);
static int mx_lua_socket_udp_parse(const u_char *host, size_t len,
    int *port, struct sockaddr_storage *sa, socklen_t *socklen,
    mx_str_t *name, const char **err);
static int mx_lua_socket_udp_connect(mx_http_request_t *r,
    mx_lua_socket_udp_t *u, struct sockaddr *sa, socklen_t socklen,
    const char **err);
static int mx_lua_socket_udp_wait(mx_http_request_t *r,
    mx_lua_socket_udp_t *u, const char **err);
static void mx_lua_socket_udp_finalize(mx_lua_socket_udp_t *u);
static void mx_lua_socket_udp_request_done(void *data);
static void mx_lua_socket_udp_abandoned(void *data);
static void mx_lua_socket_udp_resolve_handler(mx_resolver_ctx_t *ctx);
static void mx_lua_socket_udp_read_handler(struct ev_loop *loop, ev_io *w,
    int revents);
static void mx_lua_socket_udp_timeout_handler(struct ev_loop *loop,
    ev_timer *w, int revents);
static void mx_lua_socket_udp_wake(mx_lua_socket_udp_t *u);
static mx_uint_t mx_lua_socket_udp_err_level(int err);
static const char *mx_lua_socket_udp_strerror(int err);
static void mx_lua_socket_udp_log_closed(mx_http_request_t *r,
    mx_lua_socket_udp_t *u, const char *what);


/* the messages handed to Lua, which copies them at once */
static char  mx_lua_socket_udp_errstr[MX_MAX_ERROR_STR];


int
mx_ffi_socket_udp_check(mx_http_request_t *r, const char **err)
{
    if (mx_http_lua_check_context(r, MX_LUA_CONTEXT_UDP_COSOCKET, err)
        != MX_OK)
    {
        return MX_FFI_BAD_CONTEXT;
    }

    return MX_OK;
}


mx_lua_socket_udp_t *
mx_ffi_socket_udp_new(void)
{
    mx_lua_socket_udp_t  *u;

    u = calloc(1, sizeof(mx_lua_socket_udp_t));
    if (u == NULL) {
        return NULL;
    }

    u->fd = -1;
    u->conf_timeout = 60000;
    u->read_timeout = 60000;

    ev_init(&u->rev, mx_lua_socket_udp_read_handler);
    u->rev.data = u;
    ev_init(&u->timer, mx_lua_socket_udp_timeout_handler);
    u->timer.data = u;

    return u;
}


void
mx_ffi_socket_udp_free(mx_lua_socket_udp_t *u)
{
    if (u == NULL) {
        return;
    }

    if (u->cleanup) {
        u->cleanup->handler = NULL;
        u->cleanup = NULL;
    }

    mx_lua_socket_udp_finalize(u);
    free(u);
}


int
mx_ffi_socket_udp_setpeername(mx_http_request_t *r, mx_lua_socket_udp_t *u,
    const u_char *host, size_t len, int port, long timeout,
    const char **err)
{
    int                        rc;
    socklen_t                  socklen;
    mx_str_t                   name;
    mx_pool_cleanup_t         *cln;
    mx_http_lua_co_t          *co;
    mx_resolver_ctx_t         *rctx;
    struct sockaddr_storage    sa;
    mx_http_lua_loc_conf_t    *llcf;
    mx_http_core_loc_conf_t   *clcf;
    const char                *perr;

    if (mx_http_lua_check_context(r, MX_LUA_CONTEXT_UDP_COSOCKET, err)
        != MX_OK)
    {
        return MX_FFI_BAD_CONTEXT;
    }

    if (u->request != NULL && u->request != r) {
        *err = "bad request";
        return MX_FFI_BAD_CONTEXT;
    }

    if (u->waiting) {
        *err = "socket busy";
        return MX_ERROR;
    }

    /* a new peer: what was open goes */
    mx_lua_socket_udp_finalize(u);

    llcf = mx_http_get_module_loc_conf(r, mx_http_lua_module);

    u->conf_timeout = llcf->socket_read_timeout;
    u->read_timeout = timeout > 0 ? (mx_msec_t) timeout : u->conf_timeout;
    u->log_errors = llcf->socket_log_errors ? 1 : 0;

    if (u->cleanup == NULL) {
        cln = mx_pool_cleanup_add(r->pool, 0);
        if (cln == NULL) {
            *err = "no memory";
            return MX_ERROR;
        }

        cln->handler = mx_lua_socket_udp_request_done;
        cln->data = u;
        u->cleanup = cln;
    }

    u->request = r;

    rc = mx_lua_socket_udp_parse(host, len, &port, &sa, &socklen, &name,
                                 &perr);

    if (rc == MX_ERROR) {
        snprintf(mx_lua_socket_udp_errstr, sizeof(mx_lua_socket_udp_errstr),
                 "failed to parse host name \"%.*s\": %s", (int) len,
                 (const char *) host, perr);
        *err = mx_lua_socket_udp_errstr;
        return MX_ERROR;
    }

    if (rc == MX_OK) {
        return mx_lua_socket_udp_connect(r, u, (struct sockaddr *) &sa,
                                         socklen, err);
    }

    /* a name: the location's resolver, as the reference (even for
     * "localhost") */

    clcf = mx_http_get_module_loc_conf(r, mx_http_core_module);

    if (clcf->resolver == NULL) {
        snprintf(mx_lua_socket_udp_errstr, sizeof(mx_lua_socket_udp_errstr),
                 "no resolver defined to resolve \"%.*s\"", (int) len,
                 (const char *) host);
        *err = mx_lua_socket_udp_errstr;
        return MX_ERROR;
    }

    co = mx_http_lua_current_co(r);
    if (co == NULL) {
        *err = "no running lua thread";
        return MX_FFI_BAD_CONTEXT;
    }

    rctx = mx_resolve_start(clcf->resolver, &name, clcf->resolver_timeout);
    if (rctx == NULL) {
        *err = "failed to start the resolver";
        return MX_ERROR;
    }

    rctx->handler = mx_lua_socket_udp_resolve_handler;
    rctx->data = u;

    if (mx_resolve_name(rctx) != MX_OK) {
        mx_resolve_name_done(rctx);
        snprintf(mx_lua_socket_udp_errstr, sizeof(mx_lua_socket_udp_errstr),
                 "%.*s could not be resolved", (int) len,
                 (const char *) host);
        *err = mx_lua_socket_udp_errstr;
        return MX_ERROR;
    }

    u->resolver = rctx;
    u->port = (in_port_t) port;
    u->co = co;
    u->waiting = 1;
    mx_http_lua_co_set_cleanup(co, mx_lua_socket_udp_abandoned, u);

    return MX_AGAIN;
}


int
mx_ffi_socket_udp_resolved(mx_http_request_t *r, mx_lua_socket_udp_t *u,
    const char **err)
{
    int                        rc;
    mx_uint_t                  i;
    socklen_t                  socklen;
    mx_resolver_ctx_t         *rctx;
    struct sockaddr_storage    sa;

    if (u->request != r) {
        *err = "bad request";
        return MX_FFI_BAD_CONTEXT;
    }

    rctx = u->resolver;

    u->waiting = 0;

    if (rctx == NULL || !u->resolved) {
        *err = "resolver not working";
        return MX_ERROR;
    }

    u->resolver = NULL;
    u->resolved = 0;

    if (rctx->state || rctx->naddrs == 0) {
        snprintf(mx_lua_socket_udp_errstr, sizeof(mx_lua_socket_udp_errstr),
                 "%.*s could not be resolved (%d: %s)",
                 MX_STR_ARG(rctx->name), rctx->state,
                 mx_resolver_strerror(rctx->state));
        *err = mx_lua_socket_udp_errstr;
        mx_resolve_name_done(rctx);
        return MX_ERROR;
    }

    i = rctx->naddrs == 1 ? 0 : (mx_uint_t) random() % rctx->naddrs;

    socklen = rctx->addrs[i].socklen;
    memcpy(&sa, &rctx->addrs[i].sockaddr, socklen);

    mx_resolve_name_done(rctx);

    if (sa.ss_family == AF_INET6) {
        ((struct sockaddr_in6 *) &sa)->sin6_port = htons(u->port);

    } else {
        ((struct sockaddr_in *) &sa)->sin_port = htons(u->port);
    }

    rc = mx_lua_socket_udp_connect(r, u, (struct sockaddr *) &sa, socklen,
                                   err);

    return rc;
}


int
mx_ffi_socket_udp_send(mx_http_request_t *r, mx_lua_socket_udp_t *u,
    const u_char *data, size_t len, const char **err)
{
    int      rc, e;
    ssize_t  n;

    if (u == NULL || u->fd == -1) {
        mx_lua_socket_udp_log_closed(r, u, "send");
        *err = "closed";
        return MX_ERROR;
    }

    rc = mx_lua_socket_udp_owner(r, u, err);
    if (rc != MX_OK) {
        return rc;
    }

    if (data == NULL) {
        return MX_OK;
    }

    do {
        n = send(u->fd, data, len, 0);
    } while (n == -1 && errno == EINTR);

    if (n == -1) {
        e = errno;

        if (e != EAGAIN && e != EWOULDBLOCK) {
            mx_log_error(mx_lua_socket_udp_err_level(e),
                         &r->connection->log, e, "send() failed");
        }

        *err = mx_lua_socket_udp_strerror(e);
        return MX_ERROR;
    }

    if ((size_t) n != len) {
        *err = "partial write";
        return MX_ERROR;
    }

    return MX_OK;
}


int
mx_ffi_socket_udp_receive(mx_http_request_t *r, mx_lua_socket_udp_t *u,
    int resumed, u_char *buf, size_t size, size_t *n, const char **err)
{
    int      rc, e;
    ssize_t  got;

    if (u == NULL || u->fd == -1) {
        if (!resumed) {
            mx_lua_socket_udp_log_closed(r, u, "receive");
        }

        *err = "closed";
        return MX_ERROR;
    }

    if (resumed) {
        if (u->request != r) {
            *err = "bad request";
            return MX_FFI_BAD_CONTEXT;
        }

        u->waiting = 0;

        if (u->timedout) {
            u->timedout = 0;
            *err = "timeout";
            return MX_ERROR;
        }

    } else {
        rc = mx_lua_socket_udp_owner(r, u, err);
        if (rc != MX_OK) {
            return rc;
        }
    }

    if (buf == NULL) {
        return MX_OK;
    }

    if (size > MX_LUA_SOCKET_UDP_MAX_DATAGRAM) {
        size = MX_LUA_SOCKET_UDP_MAX_DATAGRAM;
    }

    do {
        got = recv(u->fd, buf, size, 0);
    } while (got == -1 && errno == EINTR);

    if (got >= 0) {
        *n = (size_t) got;
        return MX_OK;
    }

    e = errno;

    if (e == EAGAIN || e == EWOULDBLOCK) {
        return mx_lua_socket_udp_wait(r, u, err);
    }

    mx_log_error(mx_lua_socket_udp_err_level(e), &r->connection->log, e,
                 "recv() failed");

    *err = mx_lua_socket_udp_strerror(e);
    return MX_ERROR;
}


void
mx_ffi_socket_udp_settimeout(mx_lua_socket_udp_t *u, long timeout)
{
    u->read_timeout = timeout > 0 ? (mx_msec_t) timeout : u->conf_timeout;
}


int
mx_ffi_socket_udp_close(mx_http_request_t *r, mx_lua_socket_udp_t *u,
    const char **err)
{
    int  rc;

    if (u == NULL || u->fd == -1) {
        *err = "closed";
        return MX_ERROR;
    }

    rc = mx_lua_socket_udp_owner(r, u, err);
    if (rc != MX_OK) {
        return rc;
    }

    mx_lua_socket_udp_finalize(u);

    return MX_OK;
}


/* the checks of an operation on an open socket */
static int
mx_lua_socket_udp_owner(mx_http_request_t *r, mx_lua_socket_udp_t *u,
    const char **err)
{
    if (u->request != r) {
        *err = "bad request";
        return MX_FFI_BAD_CONTEXT;
    }

    if (u->waiting) {
        *err = "socket busy";
        return MX_ERROR;
    }

    return MX_OK;
}


/*
 * What nginx's URL parser makes of the peer: MX_OK with an address (IP
 * literals, "unix:" paths), MX_DECLINED with a name to resolve (name
 * points into host) and *port, MX_ERROR with the parser's words. A port
 * in host wins over *port.
 */
static int
mx_lua_socket_udp_parse(const u_char *host, size_t len, int *port,
    struct sockaddr_storage *sa, socklen_t *socklen, mx_str_t *name,
    const char **err)
{
    int                   n;
    size_t                i, hlen, plen;
    u_char                buf[INET6_ADDRSTRLEN + 1];
    const u_char         *h, *p, *rb;
    struct sockaddr_un   *sun;
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;

    memset(sa, 0, sizeof(struct sockaddr_storage));

    if (len >= 5 && strncasecmp((const char *) host, "unix:", 5) == 0) {
        p = host + 5;
        plen = len - 5;

        if (plen == 0) {
            *err = "no path in the unix domain socket";
            return MX_ERROR;
        }

        sun = (struct sockaddr_un *) sa;

        if (plen + 1 > sizeof(sun->sun_path)) {
            *err = "too long path in the unix domain socket";
            return MX_ERROR;
        }

        sun->sun_family = AF_UNIX;
        memcpy(sun->sun_path, p, plen);
        *socklen = (socklen_t) sizeof(struct sockaddr_un);

        return MX_OK;
    }

    if (len && host[0] == '[') {
        rb = memchr(host, ']', len);
        if (rb == NULL) {
            *err = "invalid host";
            return MX_ERROR;
        }

        h = host + 1;
        hlen = rb - h;
        p = rb + 1;
        plen = host + len - p;

        if (plen && *p != ':') {
            *err = "invalid host";
            return MX_ERROR;
        }

        if (plen) {
            p++;
            plen--;
        } else {
            p = NULL;
        }

    } else {
        h = host;
        p = memchr(host, ':', len);

        if (p) {
            hlen = p - host;
            p++;
            plen = host + len - p;

        } else {
            hlen = len;
            plen = 0;
        }
    }

    if (p) {
        if (plen == 0 || plen > 5) {
            *err = "invalid port";
            return MX_ERROR;
        }

        n = 0;

        for (i = 0; i < plen; i++) {
            if (p[i] < '0' || p[i] > '9') {
                *err = "invalid port";
                return MX_ERROR;
            }

            n = n * 10 + (p[i] - '0');
        }

        if (n < 1 || n > 65535) {
            *err = "invalid port";
            return MX_ERROR;
        }

        *port = n;
    }

    if (hlen == 0) {
        *err = "no host";
        return MX_ERROR;
    }

    if (host[0] == '[') {
        sin6 = (struct sockaddr_in6 *) sa;

        if (hlen >= sizeof(buf)) {
            *err = "invalid IPv6 address";
            return MX_ERROR;
        }

        memcpy(buf, h, hlen);
        buf[hlen] = '\0';

        if (inet_pton(AF_INET6, (const char *) buf, &sin6->sin6_addr) != 1) {
            *err = "invalid IPv6 address";
            return MX_ERROR;
        }

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((in_port_t) *port);
        *socklen = (socklen_t) sizeof(struct sockaddr_in6);

        return MX_OK;
    }

    if (hlen < sizeof(buf)) {
        memcpy(buf, h, hlen);
        buf[hlen] = '\0';

        sin = (struct sockaddr_in *) sa;

        if (inet_pton(AF_INET, (const char *) buf, &sin->sin_addr) == 1) {
            sin->sin_family = AF_INET;
            sin->sin_port = htons((in_port_t) *port);
            *socklen = (socklen_t) sizeof(struct sockaddr_in);

            return MX_OK;
        }
    }

    name->data = (u_char *) h;
    name->len = hlen;

    return MX_DECLINED;
}


/*
 * As the reference, a socket whose bind() or connect() failed stays open
 * (unconnected): later sends fail with the system's word for it.
 */
static int
mx_lua_socket_udp_connect(mx_http_request_t *r, mx_lua_socket_udp_t *u,
    struct sockaddr *sa, socklen_t socklen, const char **err)
{
    int              fd, e;
    mx_log_t        *log;
    struct sockaddr  autobind;

    log = &r->connection->log;

    fd = socket(sa->sa_family, SOCK_DGRAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0);
    if (fd == -1) {
        e = errno;
        mx_log_error(MX_LOG_ALERT, log, e, "socket() failed");
        *err = mx_lua_socket_udp_strerror(e);
        return MX_ERROR;
    }

    u->fd = fd;
    ev_io_set(&u->rev, fd, EV_READ);

    if (sa->sa_family == AF_UNIX) {
        /* an abstract name of our own, so that the peer can answer */
        memset(&autobind, 0, sizeof(struct sockaddr));
        autobind.sa_family = AF_UNIX;

        if (bind(fd, &autobind, sizeof(sa_family_t)) == -1) {
            e = errno;
            mx_log_error(MX_LOG_CRIT, log, e, "bind() failed");
            *err = mx_lua_socket_udp_strerror(e);
            return MX_ERROR;
        }
    }

    if (connect(fd, sa, socklen) == -1) {
        e = errno;
        mx_log_error(MX_LOG_CRIT, log, e, "connect() failed");
        *err = mx_lua_socket_udp_strerror(e);
        return MX_ERROR;
    }

    return MX_OK;
}


/* nothing to read yet: the thread waits for a datagram or the timeout */
static int
mx_lua_socket_udp_wait(mx_http_request_t *r, mx_lua_socket_udp_t *u,
    const char **err)
{
    mx_http_lua_co_t  *co;

    if (mx_http_lua_check_context(r, MX_LUA_CONTEXT_UDP_COSOCKET, err)
        != MX_OK)
    {
        return MX_FFI_BAD_CONTEXT;
    }

    co = mx_http_lua_current_co(r);
    if (co == NULL) {
        *err = "no running lua thread";
        return MX_FFI_BAD_CONTEXT;
    }

    u->co = co;
    u->waiting = 1;
    u->timedout = 0;
    mx_http_lua_co_set_cleanup(co, mx_lua_socket_udp_abandoned, u);

    ev_io_start(mx_loop, &u->rev);
    ev_timer_set(&u->timer, (ev_tstamp) u->read_timeout / 1000., 0.);
    ev_timer_start(mx_loop, &u->timer);

    return MX_AGAIN;
}


/* stops everything in flight and closes the descriptor; u stays usable */
static void
mx_lua_socket_udp_finalize(mx_lua_socket_udp_t *u)
{
    if (u->co) {
        mx_http_lua_co_set_cleanup(u->co, NULL, NULL);
        u->co = NULL;
    }

    if (u->resolver) {
        mx_resolve_name_done(u->resolver);
        u->resolver = NULL;
    }

    ev_io_stop(mx_loop, &u->rev);
    ev_timer_stop(mx_loop, &u->timer);

    if (u->fd != -1) {
        close(u->fd);
        u->fd = -1;
    }

    u->waiting = 0;
    u->timedout = 0;
    u->resolved = 0;
}


/* the owner's pool goes: the socket is closed, the Lua object stays */
static void
mx_lua_socket_udp_request_done(void *data)
{
    mx_lua_socket_udp_t  *u = data;

    u->cleanup = NULL;
    mx_lua_socket_udp_finalize(u);
    u->request = NULL;
}


/* the waiting thread was killed or its request ended: as the reference,
 * the socket is closed */
static void
mx_lua_socket_udp_abandoned(void *data)
{
    mx_lua_socket_udp_t  *u = data;

    u->co = NULL;
    mx_lua_socket_udp_finalize(u);
}


static void
mx_lua_socket_udp_resolve_handler(mx_resolver_ctx_t *ctx)
{
    mx_lua_socket_udp_t  *u = ctx->data;

    /* the answer is read by mx_ffi_socket_udp_resolved() */
    u->resolved = 1;
    mx_lua_socket_udp_wake(u);
}


static void
mx_lua_socket_udp_read_handler(struct ev_loop *loop, ev_io *w, int revents)
{
    mx_lua_socket_udp_t  *u = w->data;

    mx_unused(revents);

    ev_io_stop(loop, &u->rev);
    ev_timer_stop(loop, &u->timer);

    mx_lua_socket_udp_wake(u);
}


static void
mx_lua_socket_udp_timeout_handler(struct ev_loop *loop, ev_timer *w,
    int revents)
{
    mx_lua_socket_udp_t  *u = w->data;

    mx_unused(revents);

    ev_io_stop(loop, &u->rev);
    ev_timer_stop(loop, &u->timer);

    u->timedout = 1;

    if (u->log_errors) {
        mx_log_error(MX_LOG_ERR, &u->request->connection->log, 0,
                     "lua udp socket read timed out");
    }

    mx_lua_socket_udp_wake(u);
}


static void
mx_lua_socket_udp_wake(mx_lua_socket_udp_t *u)
{
    mx_http_lua_co_t  *co;

    co = u->co;
    u->co = NULL;

    if (co != NULL && u->request != NULL) {
        mx_http_lua_wakeup_co(u->request, co);
    }
}


/* nginx's ngx_connection_error() levels */
static mx_uint_t
mx_lua_socket_udp_err_level(int err)
{
    switch (err) {
    case 0:
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


/* strerror() lower-cased, as the reference returns it (LuaSocket's way) */
static const char *
mx_lua_socket_udp_strerror(int err)
{
    size_t  len;

    len = strlen(strerror(err));
    if (len >= sizeof(mx_lua_socket_udp_errstr)) {
        len = sizeof(mx_lua_socket_udp_errstr) - 1;
    }

    mx_strlow((u_char *) mx_lua_socket_udp_errstr,
              (const u_char *) strerror(err), len);
    mx_lua_socket_udp_errstr[len] = '\0';

    return mx_lua_socket_udp_errstr;
}


static void
mx_lua_socket_udp_log_closed(mx_http_request_t *r, mx_lua_socket_udp_t *u,
    const char *what)
{
    mx_http_lua_loc_conf_t  *llcf;

    llcf = mx_http_get_module_loc_conf(r, mx_http_lua_module);

    if (!llcf->socket_log_errors) {
        return;
    }

    /* nginx prints pointers as 16 upper-case hex digits; a closed socket
     * has no connection */
    mx_log_error(MX_LOG_ERR, &r->connection->log, 0,
                 "attempt to %s data on a closed socket: u:%016" PRIXPTR
                 ", c:%016" PRIXPTR, what, (uintptr_t) u, (uintptr_t) 0);
}
