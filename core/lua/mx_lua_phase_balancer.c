#include "mx_lua_internal.h"
#include "mx_lua_ffi.h"
#include "mx_http_upstream.h"
#include "mx_event_connect.h"

#include <arpa/inet.h>
#include <sys/un.h>

/*
 * balancer_by_lua*: a load-balancing method whose choice is Lua code. The
 * code runs before every try (the first and each retry), on the request's
 * VM with the request as its own, and cannot wait. ngx.balancer records
 * the try's peer here; without one the group's own servers are balanced
 * by round robin, as lua-nginx-module falls back. A script's peers are
 * not the group's: no passive health check counts them, and each gets
 * memory of its own, since a try's $upstream_addr keeps pointing to the
 * name of the peer it used.
 */

/* nginx's NGX_PEER_* numbers, which ngx.balancer names */
#define MX_LUA_BALANCER_PEER_NEXT    2
#define MX_LUA_BALANCER_PEER_FAILED  4

typedef struct {
    mx_http_request_t         *request;
    const mx_http_lua_hook_t  *hook;
    mx_upstream_rr_peer_t     *peer;         /* set_current_peer()'s, for
                                                the try being chosen */
    mx_int_t                   more_tries;   /* set_more_tries()'s */
    mx_uint_t                  total_tries;  /* runs of the code */
    int                        last_state;   /* MX_LUA_BALANCER_PEER_* */
    unsigned                   conf_cloned:1;
} mx_http_lua_balancer_peer_t;


static int mx_http_lua_balancer_init_peer(mx_http_request_t *r,
    mx_upstream_srv_conf_t *us, mx_upstream_rr_peer_data_t *rrp);
static int mx_http_lua_balancer_get_peer(mx_upstream_rr_peer_data_t *rrp);
static void mx_http_lua_balancer_free_peer(mx_upstream_rr_peer_data_t *rrp,
    mx_uint_t state, mx_log_t *log);


static const mx_upstream_balancer_t  mx_http_lua_balancer = {
    "balancer_by_lua",
    mx_upstream_init_round_robin,
    mx_http_lua_balancer_init_peer,
    1
};


char *
mx_http_lua_balancer_set(mx_conf_t *cf, mx_http_lua_hook_t *hook)
{
    mx_upstream_srv_conf_t  *us;

    us = mx_http_conf_get_module_srv_conf(cf, mx_http_upstream_module);

    if (us->balancer == &mx_http_lua_balancer) {
        return "is duplicate";
    }

    mx_upstream_set_balancer(cf, &mx_http_lua_balancer, hook);

    return MX_CONF_OK;
}


static int
mx_http_lua_balancer_init_peer(mx_http_request_t *r,
    mx_upstream_srv_conf_t *us, mx_upstream_rr_peer_data_t *rrp)
{
    mx_http_lua_balancer_peer_t  *bp;

    if (mx_upstream_rr_init_peer(r->pool, us, rrp) != MX_OK) {
        return MX_ERROR;
    }

    bp = mx_pcalloc(r->pool, sizeof(mx_http_lua_balancer_peer_t));
    if (bp == NULL) {
        return MX_ERROR;
    }

    bp->request = r;
    bp->hook = us->balancer_conf;

    rrp->get = mx_http_lua_balancer_get_peer;
    rrp->free = mx_http_lua_balancer_free_peer;
    rrp->data = bp;

    return MX_OK;
}


static int
mx_http_lua_balancer_get_peer(mx_upstream_rr_peer_data_t *rrp)
{
    mx_http_lua_balancer_peer_t  *bp = rrp->data;
    mx_http_request_t            *r = bp->request;
    mx_http_lua_ctx_t            *ctx;
    lua_State                    *L;
    unsigned                      exited;
    int                           rc;

    ctx = mx_http_lua_get_ctx(r);
    if (ctx == NULL) {
        return MX_ERROR;
    }

    L = mx_http_lua_get_vm(r, ctx);
    if (L == NULL) {
        return MX_ERROR;
    }

    bp->peer = NULL;
    bp->more_tries = 0;
    bp->total_tries++;

    if (mx_http_lua_hook_push(r, L, bp->hook) != MX_OK) {
        /* logged; as lua-nginx-module, the group's servers are used */
        return mx_upstream_rr_get_peer(rrp);
    }

    /* an ngx.exit() of an earlier phase is not this code's */
    exited = ctx->exited;
    ctx->exited = 0;

    rc = mx_http_lua_call_hook(r, ctx, L, MX_LUA_CONTEXT_BALANCER, 0, 0,
                               "balancer_by_lua*");

    if (rc == MX_OK && ctx->exited && ctx->exit_code != MX_OK) {
        rc = ctx->exit_code == MX_BUSY ? MX_BUSY : MX_ERROR;
    }

    ctx->exited |= exited;

    if (rc != MX_OK) {
        return rc;
    }

    if (bp->peer == NULL) {
        return mx_upstream_rr_get_peer(rrp);
    }

    rrp->current = bp->peer;

    if (bp->more_tries > 0) {
        rrp->tries += (mx_uint_t) bp->more_tries;
    }

    return MX_OK;
}


static void
mx_http_lua_balancer_free_peer(mx_upstream_rr_peer_data_t *rrp,
    mx_uint_t state, mx_log_t *log)
{
    mx_http_lua_balancer_peer_t  *bp = rrp->data;

    if (rrp->current == NULL || rrp->current != bp->peer) {
        mx_upstream_rr_free_peer(rrp, state, log);
        return;
    }

    bp->last_state = (state & MX_PEER_FAILED) ? MX_LUA_BALANCER_PEER_FAILED
                     : (state & MX_PEER_NEXT) ? MX_LUA_BALANCER_PEER_NEXT
                     : 0;

    rrp->current = NULL;

    if (rrp->tries) {
        rrp->tries--;
    }
}


/* ---------------------------------------------------- ngx.balancer */

/* the method's state of r while its code runs; NULL with *err */
static mx_http_lua_balancer_peer_t *
mx_http_lua_balancer_data(mx_http_request_t *r, mx_http_upstream_t **up,
    const char **err)
{
    mx_http_upstream_t  *u;
    mx_http_lua_ctx_t   *ctx;

    if (r == NULL) {
        *err = "no request found";
        return NULL;
    }

    u = mx_http_upstream_get(r);
    if (u == NULL) {
        *err = "no upstream found";
        return NULL;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        *err = "no ctx found";
        return NULL;
    }

    if (!(ctx->context & MX_LUA_CONTEXT_BALANCER)) {
        *err = "API disabled in the current context";
        return NULL;
    }

    if (u->rrp.get != mx_http_lua_balancer_get_peer || u->rrp.data == NULL) {
        *err = "no upstream peer data found";
        return NULL;
    }

    *up = u;

    return u->rrp.data;
}


/*
 * Parses "ip[:port]", "[ipv6][:port]" or "unix:/path" into peer, as
 * nginx's URL parser without resolving: the port is taken up to the end
 * from the first ':' after the host. NULL or the error.
 */
static const char *
mx_http_lua_balancer_parse(const u_char *addr, size_t len, int port,
    struct sockaddr_storage *ss, socklen_t *socklen)
{
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;
    struct sockaddr_un   *sun;
    const u_char         *host, *host_end, *p, *last;
    char                  buf[INET6_ADDRSTRLEN + 1];
    size_t                n;
    mx_int_t              pn;
    int                   v6;

    memset(ss, 0, sizeof(struct sockaddr_storage));

    if (len >= 5 && strncasecmp((const char *) addr, "unix:", 5) == 0) {
        n = len - 5;

        if (n == 0) {
            return "no path in the unix domain socket";
        }

        sun = (struct sockaddr_un *) ss;

        if (n + 1 > sizeof(sun->sun_path)) {
            return "too long path in the unix domain socket";
        }

        sun->sun_family = AF_UNIX;
        memcpy(sun->sun_path, addr + 5, n);
        *socklen = (socklen_t) sizeof(struct sockaddr_un);

        return NULL;
    }

    last = addr + len;
    v6 = 0;

    if (len && addr[0] == '[') {
        host = addr + 1;
        host_end = memchr(host, ']', len - 1);
        if (host_end == NULL) {
            return "invalid host";
        }

        p = host_end + 1;
        v6 = 1;

        if (p < last && *p != ':') {
            return "invalid host";
        }

    } else {
        host = addr;
        host_end = memchr(addr, ':', len);
        if (host_end == NULL) {
            host_end = last;
        }

        p = host_end;
    }

    if (p < last) {
        /* ":port" */
        pn = mx_atoi(p + 1, last - p - 1);
        if (pn < 1 || pn > 65535) {
            return "invalid port";
        }

        port = (int) pn;
    }

    n = host_end - host;

    if (n == 0) {
        return "no host";
    }

    if (n >= sizeof(buf)) {
        return "no host allowed";
    }

    memcpy(buf, host, n);
    buf[n] = '\0';

    if (v6) {
        sin6 = (struct sockaddr_in6 *) ss;

        if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) != 1) {
            return "invalid IPv6 address";
        }

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((in_port_t) port);
        *socklen = (socklen_t) sizeof(struct sockaddr_in6);

        return NULL;
    }

    sin = (struct sockaddr_in *) ss;

    if (inet_pton(AF_INET, buf, &sin->sin_addr) != 1) {
        return "no host allowed";
    }

    sin->sin_family = AF_INET;
    sin->sin_port = htons((in_port_t) port);
    *socklen = (socklen_t) sizeof(struct sockaddr_in);

    return NULL;
}


/* "a.b.c.d:port" as mx_sockaddr_text() writes it, into buf (22 bytes or
 * more); returns its end */
static u_char *
mx_http_lua_balancer_inet_text(const struct sockaddr_in *sin, u_char *buf)
{
    u_char        *p;
    const u_char  *a;
    mx_uint_t      i, n;

    a = (const u_char *) &sin->sin_addr;
    p = buf;

    for (i = 0; i < 4; i++) {
        n = a[i];

        if (n >= 100) {
            *p++ = (u_char) ('0' + n / 100);
        }

        if (n >= 10) {
            *p++ = (u_char) ('0' + n / 10 % 10);
        }

        *p++ = (u_char) ('0' + n % 10);
        *p++ = (i < 3) ? '.' : ':';
    }

    return mx_sprint_uint(p, ntohs(sin->sin_port));
}


int
mx_ffi_balancer_set_current_peer(mx_http_request_t *r, const u_char *addr,
    size_t addr_len, int port, const char **err)
{
    mx_http_lua_balancer_peer_t  *bp;
    mx_http_upstream_t           *u;
    mx_upstream_rr_peer_t        *peer;
    struct sockaddr_storage       ss;
    socklen_t                     socklen;
    u_char                        text[128], *e;
    const char                   *msg;
    size_t                        n;

    bp = mx_http_lua_balancer_data(r, &u, err);
    if (bp == NULL) {
        return MX_ERROR;
    }

    msg = mx_http_lua_balancer_parse(addr, addr_len, port, &ss, &socklen);
    if (msg != NULL) {
        *err = msg;
        return MX_ERROR;
    }

    peer = mx_pcalloc(r->pool, sizeof(mx_upstream_rr_peer_t));
    if (peer == NULL) {
        *err = "no memory";
        return MX_ERROR;
    }

    memcpy(&peer->sockaddr, &ss, socklen);
    peer->socklen = socklen;

    if (ss.ss_family == AF_UNIX) {
        n = addr_len;
        peer->name.data = mx_pnalloc(r->pool, n);
        if (peer->name.data == NULL) {
            *err = "no memory";
            return MX_ERROR;
        }

        /* "unix:" as written, whatever its case */
        memcpy(peer->name.data, "unix:", 5);
        memcpy(peer->name.data + 5, addr + 5, n - 5);
        peer->name.len = n;

    } else {
        if (ss.ss_family == AF_INET) {
            /* the common case, without the cost of snprintf() */
            e = mx_http_lua_balancer_inet_text(
                    (struct sockaddr_in *) &ss, text);

        } else {
            e = mx_sockaddr_text((struct sockaddr *) &ss, text,
                                 sizeof(text));
        }

        if (mx_str_dup(r->pool, &peer->name, text, e - text) != MX_OK) {
            *err = "no memory";
            return MX_ERROR;
        }
    }

    peer->server = peer->name;
    peer->weight = 1;
    peer->effective_weight = 1;

    bp->peer = peer;

    return MX_OK;
}


int
mx_ffi_balancer_set_more_tries(mx_http_request_t *r, int count,
    const char **err)
{
    mx_http_lua_balancer_peer_t  *bp;
    mx_http_upstream_t           *u;
    mx_uint_t                     max, total;

    bp = mx_http_lua_balancer_data(r, &u, err);
    if (bp == NULL) {
        return MX_ERROR;
    }

    /* the tries so far and those left, this one counted once */
    max = u->conf->next_upstream_tries;
    total = bp->total_tries + u->rrp.tries - 1;

    *err = NULL;

    if (max && count > 0 && total + (mx_uint_t) count > max) {
        count = total < max ? (int) (max - total) : 0;
        *err = "reduced tries due to limit";
    }

    bp->more_tries = count;

    return MX_OK;
}


int
mx_ffi_balancer_get_last_failure(mx_http_request_t *r, int *status,
    const char **err)
{
    mx_http_lua_balancer_peer_t  *bp;
    mx_http_upstream_t           *u;
    mx_http_upstream_state_t     *state;

    bp = mx_http_lua_balancer_data(r, &u, err);
    if (bp == NULL) {
        return MX_ERROR;
    }

    /* the last state is this try's */
    if (u->states.nelts > 1) {
        state = u->states.elts;
        *status = (int) state[u->states.nelts - 2].status;

    } else {
        *status = 0;
    }

    return bp->last_state;
}


int
mx_ffi_balancer_set_timeouts(mx_http_request_t *r, long connect_timeout,
    long send_timeout, long read_timeout, const char **err)
{
    mx_http_lua_balancer_peer_t  *bp;
    mx_http_upstream_t           *u;
    mx_http_upstream_conf_t      *conf;

    bp = mx_http_lua_balancer_data(r, &u, err);
    if (bp == NULL) {
        return MX_ERROR;
    }

    /* the location's conf is shared: the request gets a copy */
    if (!bp->conf_cloned) {
        conf = mx_palloc(r->pool, sizeof(mx_http_upstream_conf_t));
        if (conf == NULL) {
            *err = "no memory";
            return MX_ERROR;
        }

        memcpy(conf, u->conf, sizeof(mx_http_upstream_conf_t));
        u->conf = conf;
        bp->conf_cloned = 1;
    }

    if (connect_timeout > 0) {
        u->conf->connect_timeout = (mx_msec_t) connect_timeout;
    }

    if (send_timeout > 0) {
        u->conf->send_timeout = (mx_msec_t) send_timeout;
    }

    if (read_timeout > 0) {
        u->conf->read_timeout = (mx_msec_t) read_timeout;
    }

    return MX_OK;
}


int
mx_ffi_balancer_recreate_request(mx_http_request_t *r, const char **err)
{
    mx_http_lua_balancer_peer_t  *bp;
    mx_http_upstream_t           *u;

    bp = mx_http_lua_balancer_data(r, &u, err);
    if (bp == NULL) {
        return MX_ERROR;
    }

    if (u->create_request == NULL || u->nout == 0) {
        *err = "no upstream request to recreate";
        return MX_ERROR;
    }

    /* the body stays: only the head (the first piece) is made again */
    if (u->create_request(r) != MX_OK) {
        *err = "failed to recreate the upstream request";
        return MX_ERROR;
    }

    u->out[0].data = u->request_head.data;
    u->out[0].len = u->request_head.len;

    return MX_OK;
}
