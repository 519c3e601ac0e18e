#include "mx_resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <limits.h>
#include <netdb.h>

/*
 * One c-ares channel per resolver and process, opened on first use so
 * that workers never share the master's sockets. Each name has a node in
 * a small hash table: the answer while its TTL runs (LRU-bounded), and
 * the lookups waiting for a query in flight, which they share. Handlers
 * always run from a lookup's own timer: a zero timer for an answer at
 * hand, resolver_timeout's timer otherwise; the c-ares callback only
 * fills in the waiting lookups and arms their zero timers, so a handler
 * never runs inside c-ares and never within mx_resolve_name().
 */

#define MX_RESOLVER_BUCKETS     1024          /* a power of two */
#define MX_RESOLVER_CACHE_MAX   4096          /* names per resolver */
#define MX_RESOLVER_MAX_ADDRS   64            /* kept per name */
#define MX_RESOLVER_TRY_MS      2000          /* the first try, doubled */
#define MX_RESOLVER_TRIES       3             /* 2 + 4 + 8 s per server */
#define MX_RESOLVER_TIMEOUT     30000         /* timeout 0 means this */


typedef struct mx_resolver_node_s  mx_resolver_node_t;
typedef struct mx_resolver_io_s    mx_resolver_io_t;
typedef struct mx_resolver_wait_s  mx_resolver_wait_t;

struct mx_resolver_node_s {
    mx_resolver_node_t     *next;          /* in its bucket */
    mx_resolver_node_t     *lru_prev;      /* more recently used */
    mx_resolver_node_t     *lru_next;
    uint32_t                hash;
    mx_resolver_t          *resolver;

    mx_resolver_addr_t     *addrs;         /* malloc'ed; the answer */
    mx_uint_t               naddrs;
    ev_tstamp               expire;        /* ev_now() based */

    mx_resolver_wait_t     *waiting;       /* lookups for the query */
    unsigned                querying:1;    /* c-ares holds a pointer */

    size_t                  len;
    u_char                  name[];        /* lowercase, NUL-terminated */
};

struct mx_resolver_io_s {
    ev_io                   io;
    mx_resolver_t          *resolver;
    mx_resolver_io_t       *next;
};

enum {
    MX_RESOLVER_IDLE = 0,
    MX_RESOLVER_WAITING,                   /* on node->waiting */
    MX_RESOLVER_READY,                     /* result set, zero timer */
    MX_RESOLVER_DELIVERED
};

struct mx_resolver_wait_s {
    mx_resolver_ctx_t       ctx;           /* first: ctx->priv == this */
    ev_timer                timer;
    int                     phase;
    mx_resolver_node_t     *node;          /* while WAITING */
    mx_resolver_wait_t     *prev, *next;   /* on node->waiting */
};

struct mx_resolver_s {
    struct ares_addr_port_node  *servers;  /* pool memory */
    time_t                  valid;
    int                     ipv6;

    ares_channel            channel;       /* NULL until first use */
    pid_t                   pid;           /* the channel's process */
    ev_timer                timer;         /* ares_timeout() */
    mx_resolver_io_t       *ios;           /* c-ares' sockets */

    mx_resolver_node_t    **buckets;
    mx_uint_t               nnodes;
    mx_resolver_node_t      lru;           /* sentinel; next: newest */
};


static void mx_resolver_cleanup(void *data);
static int mx_resolver_open(mx_resolver_t *r);
static void mx_resolver_sock_state(void *data, ares_socket_t fd,
    int readable, int writable);
static void mx_resolver_io_handler(struct ev_loop *loop, ev_io *w,
    int revents);
static void mx_resolver_timer_handler(struct ev_loop *loop, ev_timer *w,
    int revents);
static void mx_resolver_arm_timer(mx_resolver_t *r);
static void mx_resolver_answer(void *arg, int status, int timeouts,
    struct ares_addrinfo *ai);
static void mx_resolver_wait_handler(struct ev_loop *loop, ev_timer *w,
    int revents);
static void mx_resolver_ready(mx_resolver_wait_t *w, int state,
    const mx_resolver_addr_t *addrs, mx_uint_t naddrs);
static int mx_resolver_literal(mx_resolver_ctx_t *ctx);
static mx_resolver_node_t *mx_resolver_lookup(mx_resolver_t *r,
    const u_char *name, size_t len, uint32_t hash);
static mx_resolver_node_t *mx_resolver_node_add(mx_resolver_t *r,
    const u_char *name, size_t len, uint32_t hash);
static void mx_resolver_node_free(mx_resolver_t *r, mx_resolver_node_t *n);
static void mx_resolver_lru_touch(mx_resolver_t *r, mx_resolver_node_t *n);
static void mx_resolver_unwait(mx_resolver_wait_t *w);
static int mx_resolver_state(int status);


/* ------------------------------------------------------- configuration */

static char  mx_resolver_errstr[256];


static const char *
mx_resolver_error(const char *what, const mx_str_t *addr)
{
    snprintf(mx_resolver_errstr, sizeof(mx_resolver_errstr),
             "%s in resolver \"%.*s\"", what,
             (int) mx_min(addr->len, 200), (const char *) addr->data);

    return mx_resolver_errstr;
}


/* appends the addresses of one "host[:port]" of the directive */
static const char *
mx_resolver_parse(mx_pool_t *pool, const mx_str_t *addr,
    struct ares_addr_port_node ***tail)
{
    struct ares_addr_port_node  *sn;
    struct addrinfo              hints, *res, *ai;
    const u_char                *p, *last, *host, *port;
    size_t                       hlen;
    mx_int_t                     n;
    char                         buf[256];
    int                          v6;

    p = addr->data;
    last = p + addr->len;
    port = NULL;
    v6 = 0;

    if (p < last && *p == '[') {
        host = p + 1;
        p = memchr(host, ']', last - host);
        if (p == NULL) {
            return mx_resolver_error("invalid host", addr);
        }

        hlen = p - host;
        p++;

        if (p < last) {
            if (*p != ':') {
                return mx_resolver_error("invalid host", addr);
            }
            port = p + 1;
        }

        v6 = 1;

    } else {
        if (memchr(p, '/', last - p)) {
            return mx_resolver_error("invalid host", addr);
        }

        host = p;
        p = memchr(p, ':', last - p);
        hlen = (p ? p : last) - host;
        if (p) {
            port = p + 1;
        }
    }

    n = 53;

    if (port) {
        n = mx_atoi(port, last - port);
        if (n < 1 || n > 65535) {
            return mx_resolver_error("invalid port", addr);
        }
    }

    if (hlen == 0) {
        return mx_resolver_error("no host", addr);
    }

    if (hlen >= sizeof(buf)) {
        return mx_resolver_error("invalid host", addr);
    }

    memcpy(buf, host, hlen);
    buf[hlen] = '\0';

    if (v6) {
        sn = mx_pcalloc(pool, sizeof(struct ares_addr_port_node));
        if (sn == NULL) {
            return "out of memory";
        }

        if (inet_pton(AF_INET6, buf, &sn->addr.addr6) != 1) {
            return mx_resolver_error("invalid IPv6 address", addr);
        }

        sn->family = AF_INET6;
        sn->udp_port = sn->tcp_port = (int) n;
        **tail = sn;
        *tail = &sn->next;
        return NULL;
    }

    /* names are resolved once, at configuration time, as nginx does */
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;

    if (getaddrinfo(buf, NULL, &hints, &res) != 0) {
        return mx_resolver_error("host not found", addr);
    }

    for (ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) {
            continue;
        }

        sn = mx_pcalloc(pool, sizeof(struct ares_addr_port_node));
        if (sn == NULL) {
            freeaddrinfo(res);
            return "out of memory";
        }

        sn->family = ai->ai_family;
        if (ai->ai_family == AF_INET) {
            sn->addr.addr4 = ((struct sockaddr_in *) ai->ai_addr)->sin_addr;

        } else {
            memcpy(&sn->addr.addr6,
                   &((struct sockaddr_in6 *) ai->ai_addr)->sin6_addr,
                   sizeof(sn->addr.addr6));
        }

        sn->udp_port = sn->tcp_port = (int) n;
        **tail = sn;
        *tail = &sn->next;
    }

    freeaddrinfo(res);
    return NULL;
}


mx_resolver_t *
mx_resolver_create(mx_pool_t *pool, mx_str_t *addrs, mx_uint_t naddrs,
    time_t valid, int ipv6, const char **err)
{
    mx_resolver_t                *r;
    mx_pool_cleanup_t            *cln;
    struct ares_addr_port_node  **tail;
    mx_uint_t                     i;

    r = mx_pcalloc(pool, sizeof(mx_resolver_t));
    if (r == NULL) {
        *err = "out of memory";
        return NULL;
    }

    tail = &r->servers;

    for (i = 0; i < naddrs; i++) {
        *err = mx_resolver_parse(pool, &addrs[i], &tail);
        if (*err) {
            return NULL;
        }
    }

    if (r->servers == NULL) {
        *err = "no name servers defined";
        return NULL;
    }

    cln = mx_pool_cleanup_add(pool, 0);
    if (cln == NULL) {
        *err = "out of memory";
        return NULL;
    }

    cln->handler = mx_resolver_cleanup;
    cln->data = r;

    r->valid = valid;
    r->ipv6 = ipv6;
    r->lru.lru_next = &r->lru;
    r->lru.lru_prev = &r->lru;

    ev_timer_init(&r->timer, mx_resolver_timer_handler, 0., 0.);
    r->timer.data = r;

    *err = NULL;
    return r;
}


/*
 * The configuration's pool goes away: only the process that opened the
 * channel closes it; lookups still waiting are answered with an error by
 * their own timers, which no longer look at the resolver.
 */
static void
mx_resolver_cleanup(void *data)
{
    mx_resolver_t       *r = data;
    mx_resolver_node_t  *n, *next;
    mx_resolver_io_t    *io;
    mx_uint_t            i;

    if (r->channel == NULL || r->pid != getpid()) {
        return;
    }

    /* every query in flight is answered ARES_EDESTRUCTION here */
    ares_destroy(r->channel);
    r->channel = NULL;

    ev_timer_stop(mx_loop, &r->timer);

    while (r->ios) {
        io = r->ios;
        r->ios = io->next;
        ev_io_stop(mx_loop, &io->io);
        free(io);
    }

    for (i = 0; i < MX_RESOLVER_BUCKETS; i++) {
        for (n = r->buckets[i]; n; n = next) {
            next = n->next;
            free(n->addrs);
            free(n);
        }
    }

    free(r->buckets);
    r->buckets = NULL;
    r->nnodes = 0;
}


/* ------------------------------------------------------------- channel */

static int
mx_resolver_open(mx_resolver_t *r)
{
    struct ares_options   opts;
    int                   rc, mask;

    if (r->channel && r->pid == getpid()) {
        return MX_OK;
    }

    /* a channel inherited through fork() belongs to the parent */
    r->channel = NULL;
    r->ios = NULL;
    r->buckets = NULL;
    r->nnodes = 0;
    r->lru.lru_next = &r->lru;
    r->lru.lru_prev = &r->lru;
    ev_timer_init(&r->timer, mx_resolver_timer_handler, 0., 0.);
    r->timer.data = r;

    rc = ares_library_init(ARES_LIB_INIT_ALL);
    if (rc != ARES_SUCCESS) {
        mx_log_error(MX_LOG_ALERT, &mx_log_main, 0,
                     "ares_library_init() failed: %s", ares_strerror(rc));
        return MX_ERROR;
    }

    r->buckets = calloc(MX_RESOLVER_BUCKETS, sizeof(mx_resolver_node_t *));
    if (r->buckets == NULL) {
        return MX_ERROR;
    }

    memset(&opts, 0, sizeof(opts));

    /* answers as they come, like nginx: no retry on SERVFAIL or REFUSED */
    opts.flags = ARES_FLAG_NOCHECKRESP;
    opts.timeout = MX_RESOLVER_TRY_MS;
    opts.tries = MX_RESOLVER_TRIES;
    opts.ndomains = 0;                  /* no search list */
    opts.lookups = (char *) "fb";       /* /etc/hosts, then DNS */
    opts.sock_state_cb = mx_resolver_sock_state;
    opts.sock_state_cb_data = r;

    mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES
           | ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS | ARES_OPT_SOCK_STATE_CB;

    rc = ares_init_options(&r->channel, &opts, mask);
    if (rc != ARES_SUCCESS) {
        mx_log_error(MX_LOG_ALERT, &mx_log_main, 0,
                     "ares_init_options() failed: %s", ares_strerror(rc));
        r->channel = NULL;
        goto failed;
    }

    rc = ares_set_servers_ports(r->channel, r->servers);
    if (rc != ARES_SUCCESS) {
        mx_log_error(MX_LOG_ALERT, &mx_log_main, 0,
                     "ares_set_servers_ports() failed: %s",
                     ares_strerror(rc));
        ares_destroy(r->channel);
        r->channel = NULL;
        goto failed;
    }

    r->pid = getpid();
    return MX_OK;

failed:

    free(r->buckets);
    r->buckets = NULL;
    return MX_ERROR;
}


static void
mx_resolver_sock_state(void *data, ares_socket_t fd, int readable,
    int writable)
{
    mx_resolver_t      *r = data;
    mx_resolver_io_t   *io, **pio;
    int                 events;

    for (pio = &r->ios; *pio; pio = &(*pio)->next) {
        if ((*pio)->io.fd == fd) {
            break;
        }
    }

    io = *pio;
    events = (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0);

    if (events == 0) {
        if (io) {
            ev_io_stop(mx_loop, &io->io);
            *pio = io->next;
            free(io);
        }
        return;
    }

    if (io == NULL) {
        io = calloc(1, sizeof(mx_resolver_io_t));
        if (io == NULL) {
            /* the query then ends by its timeout */
            mx_log_error(MX_LOG_ALERT, &mx_log_main, 0,
                         "resolver: no memory for a socket watcher");
            return;
        }

        io->resolver = r;
        io->next = r->ios;
        r->ios = io;

    } else {
        ev_io_stop(mx_loop, &io->io);
    }

    ev_io_init(&io->io, mx_resolver_io_handler, fd, events);
    io->io.data = io;
    ev_io_start(mx_loop, &io->io);
}


static void
mx_resolver_io_handler(struct ev_loop *loop, ev_io *w, int revents)
{
    mx_resolver_io_t  *io = w->data;
    mx_resolver_t     *r = io->resolver;
    ares_socket_t      rfd, wfd;

    mx_unused(loop);

    rfd = (revents & EV_READ) ? w->fd : ARES_SOCKET_BAD;
    wfd = (revents & EV_WRITE) ? w->fd : ARES_SOCKET_BAD;

    /* may close the socket and free io */
    ares_process_fd(r->channel, rfd, wfd);

    mx_resolver_arm_timer(r);
}


static void
mx_resolver_timer_handler(struct ev_loop *loop, ev_timer *w, int revents)
{
    mx_resolver_t  *r = w->data;

    mx_unused(loop);
    mx_unused(revents);

    ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);

    mx_resolver_arm_timer(r);
}


static void
mx_resolver_arm_timer(mx_resolver_t *r)
{
    struct timeval   tv, *tvp;

    if (r->channel == NULL) {
        return;
    }

    ev_timer_stop(mx_loop, &r->timer);

    tvp = ares_timeout(r->channel, NULL, &tv);
    if (tvp == NULL) {
        return;
    }

    /* ev_now() lags the real time; a later wake-up is harmless */
    ev_timer_set(&r->timer, tvp->tv_sec + tvp->tv_usec / 1e6 + 0.001, 0.);
    ev_timer_start(mx_loop, &r->timer);
}


/* ------------------------------------------------------------- lookups */

mx_resolver_ctx_t *
mx_resolve_start(mx_resolver_t *r, const mx_str_t *name, mx_msec_t timeout)
{
    mx_resolver_wait_t  *w;
    mx_resolver_ctx_t   *ctx;

    w = calloc(1, sizeof(mx_resolver_wait_t));
    if (w == NULL) {
        return NULL;
    }

    ctx = &w->ctx;

    ctx->name.data = malloc(name->len + 1);
    if (ctx->name.data == NULL) {
        free(w);
        return NULL;
    }

    memcpy(ctx->name.data, name->data, name->len);
    ctx->name.data[name->len] = '\0';
    ctx->name.len = name->len;

    ctx->resolver = r;
    ctx->timeout = timeout;
    ctx->priv = w;

    ev_timer_init(&w->timer, mx_resolver_wait_handler, 0., 0.);
    w->timer.data = w;

    return ctx;
}


int
mx_resolve_name(mx_resolver_ctx_t *ctx)
{
    mx_resolver_wait_t          *w = ctx->priv;
    mx_resolver_t               *r = ctx->resolver;
    mx_resolver_node_t          *n;
    struct ares_addrinfo_hints   hints;
    u_char                       lname[256];
    mx_msec_t                    timeout;
    uint32_t                     hash;
    size_t                       i, len;

    if (w->phase != MX_RESOLVER_IDLE) {
        return MX_ERROR;
    }

    if (mx_resolver_literal(ctx) == MX_OK) {
        return MX_OK;
    }

    len = ctx->name.len;

    /* a trailing dot names the same host */
    if (len > 1 && ctx->name.data[len - 1] == '.') {
        len--;
    }

    if (len == 0 || len > 253
        || memchr(ctx->name.data, '\0', ctx->name.len) != NULL)
    {
        mx_resolver_ready(w, MX_RESOLVE_FORMERR, NULL, 0);
        return MX_OK;
    }

    if (r == NULL || mx_resolver_open(r) != MX_OK) {
        mx_resolver_ready(w, MX_RESOLVE_SERVFAIL, NULL, 0);
        return MX_OK;
    }

    hash = 2166136261u;
    for (i = 0; i < len; i++) {
        lname[i] = mx_tolower(ctx->name.data[i]);
        hash = (hash ^ lname[i]) * 16777619u;
    }
    lname[len] = '\0';

    n = mx_resolver_lookup(r, lname, len, hash);

    if (n && n->naddrs && n->expire > ev_now(mx_loop)) {
        mx_resolver_lru_touch(r, n);
        mx_resolver_ready(w, 0, n->addrs, n->naddrs);
        return MX_OK;
    }

    if (n == NULL) {
        n = mx_resolver_node_add(r, lname, len, hash);
        if (n == NULL) {
            return MX_ERROR;
        }

    } else {
        mx_resolver_lru_touch(r, n);
    }

    /* wait first: the answer may come within ares_getaddrinfo() */
    w->phase = MX_RESOLVER_WAITING;
    w->node = n;
    w->prev = NULL;
    w->next = n->waiting;
    if (n->waiting) {
        n->waiting->prev = w;
    }
    n->waiting = w;

    timeout = ctx->timeout > 0 ? ctx->timeout : MX_RESOLVER_TIMEOUT;
    ev_timer_set(&w->timer, timeout / 1000.0, 0.);
    ev_timer_start(mx_loop, &w->timer);

    if (n->querying) {
        return MX_OK;
    }

    n->querying = 1;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = r->ipv6 ? AF_UNSPEC : AF_INET;
    hints.ai_flags = ARES_AI_NOSORT;

    /* n may be gone when this returns */
    ares_getaddrinfo(r->channel, (char *) n->name, NULL, &hints,
                     mx_resolver_answer, n);

    mx_resolver_arm_timer(r);

    return MX_OK;
}


void
mx_resolve_name_done(mx_resolver_ctx_t *ctx)
{
    mx_resolver_wait_t  *w;

    if (ctx == NULL) {
        return;
    }

    w = ctx->priv;

    if (w->phase == MX_RESOLVER_WAITING) {
        mx_resolver_unwait(w);
    }

    ev_timer_stop(mx_loop, &w->timer);

    free(ctx->addrs);
    free(ctx->name.data);
    free(w);
}


const char *
mx_resolver_strerror(int state)
{
    switch (state) {
    case 0:
        return "No error";
    case MX_RESOLVE_FORMERR:
        return "Format error";
    case MX_RESOLVE_SERVFAIL:
        return "Server failure";
    case MX_RESOLVE_NXDOMAIN:
        return "Host not found";
    case MX_RESOLVE_NOTIMP:
        return "Unimplemented";
    case MX_RESOLVE_REFUSED:
        return "Operation refused";
    case MX_RESOLVE_TIMEDOUT:
        return "Operation timed out";
    default:
        return "Unknown error";
    }
}


/* "1.2.3.4", "::1" or "[::1]": answered without DNS */
static int
mx_resolver_literal(mx_resolver_ctx_t *ctx)
{
    mx_resolver_addr_t    a;
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;
    char                  buf[INET6_ADDRSTRLEN + 1];
    const u_char         *p;
    size_t                len;

    p = ctx->name.data;
    len = ctx->name.len;

    if (len > 2 && p[0] == '[' && p[len - 1] == ']') {
        p++;
        len -= 2;
    }

    if (len == 0 || len >= sizeof(buf)) {
        return MX_DECLINED;
    }

    memcpy(buf, p, len);
    buf[len] = '\0';

    memset(&a, 0, sizeof(a));

    sin = (struct sockaddr_in *) &a.sockaddr;
    if (p == ctx->name.data && inet_pton(AF_INET, buf, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        a.socklen = sizeof(struct sockaddr_in);
        mx_resolver_ready(ctx->priv, 0, &a, 1);
        return MX_OK;
    }

    sin6 = (struct sockaddr_in6 *) &a.sockaddr;
    if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        a.socklen = sizeof(struct sockaddr_in6);
        mx_resolver_ready(ctx->priv, 0, &a, 1);
        return MX_OK;
    }

    return MX_DECLINED;
}


/* sets the result and lets the loop call the handler */
static void
mx_resolver_ready(mx_resolver_wait_t *w, int state,
    const mx_resolver_addr_t *addrs, mx_uint_t naddrs)
{
    mx_resolver_ctx_t  *ctx = &w->ctx;

    free(ctx->addrs);
    ctx->addrs = NULL;
    ctx->naddrs = 0;
    ctx->state = state;

    if (state == 0) {
        ctx->addrs = malloc(naddrs * sizeof(mx_resolver_addr_t));
        if (ctx->addrs == NULL) {
            ctx->state = MX_RESOLVE_SERVFAIL;

        } else {
            memcpy(ctx->addrs, addrs, naddrs * sizeof(mx_resolver_addr_t));
            ctx->naddrs = naddrs;
        }
    }

    w->phase = MX_RESOLVER_READY;

    ev_timer_stop(mx_loop, &w->timer);
    ev_timer_set(&w->timer, 0., 0.);
    ev_timer_start(mx_loop, &w->timer);
}


static void
mx_resolver_wait_handler(struct ev_loop *loop, ev_timer *t, int revents)
{
    mx_resolver_wait_t  *w = t->data;
    mx_resolver_ctx_t   *ctx = &w->ctx;

    mx_unused(loop);
    mx_unused(revents);

    if (w->phase == MX_RESOLVER_WAITING) {
        /* resolver_timeout; the query itself may go on for others */
        mx_resolver_unwait(w);
        ctx->state = MX_RESOLVE_TIMEDOUT;
        ctx->naddrs = 0;

    } else if (w->phase != MX_RESOLVER_READY) {
        return;
    }

    w->phase = MX_RESOLVER_DELIVERED;

    /* may free ctx */
    ctx->handler(ctx);
}


static void
mx_resolver_unwait(mx_resolver_wait_t *w)
{
    if (w->prev) {
        w->prev->next = w->next;

    } else {
        w->node->waiting = w->next;
    }

    if (w->next) {
        w->next->prev = w->prev;
    }

    w->prev = w->next = NULL;
    w->node = NULL;
    w->phase = MX_RESOLVER_IDLE;
}


/* the c-ares callback of a node's query */
static void
mx_resolver_answer(void *arg, int status, int timeouts,
    struct ares_addrinfo *ai)
{
    mx_resolver_node_t          *n = arg;
    mx_resolver_t               *r;
    mx_resolver_wait_t          *w;
    mx_resolver_addr_t          *addrs;
    struct ares_addrinfo_node   *an;
    struct ares_addrinfo_cname  *cn;
    mx_uint_t                    naddrs;
    int                          state, family, pass;
    long                         ttl;

    mx_unused(timeouts);

    n->querying = 0;
    r = n->resolver;

    if (status == ARES_EDESTRUCTION) {
        while ((w = n->waiting) != NULL) {
            mx_resolver_unwait(w);
            mx_resolver_ready(w, MX_RESOLVE_SERVFAIL, NULL, 0);
        }

        /* the cleanup frees the node with the table */
        if (ai) {
            ares_freeaddrinfo(ai);
        }
        return;
    }

    state = mx_resolver_state(status);
    addrs = NULL;
    naddrs = 0;
    ttl = LONG_MAX;

    if (state == 0) {
        addrs = malloc(MX_RESOLVER_MAX_ADDRS * sizeof(mx_resolver_addr_t));
        if (addrs == NULL) {
            state = MX_RESOLVE_SERVFAIL;
        }
    }

    /* IPv4 first, as nginx orders them */
    for (pass = 0; state == 0 && pass < 2; pass++) {
        family = pass == 0 ? AF_INET : AF_INET6;

        for (an = ai ? ai->nodes : NULL; an; an = an->ai_next) {
            if (an->ai_family != family || naddrs == MX_RESOLVER_MAX_ADDRS
                || an->ai_addrlen > sizeof(struct sockaddr_storage))
            {
                continue;
            }

            memset(&addrs[naddrs], 0, sizeof(mx_resolver_addr_t));
            memcpy(&addrs[naddrs].sockaddr, an->ai_addr, an->ai_addrlen);
            addrs[naddrs].socklen = an->ai_addrlen;

            /* port 0: the caller sets its own */
            if (family == AF_INET) {
                ((struct sockaddr_in *) &addrs[naddrs].sockaddr)->sin_port = 0;
            } else {
                ((struct sockaddr_in6 *) &addrs[naddrs].sockaddr)
                    ->sin6_port = 0;
            }

            naddrs++;
            ttl = mx_min(ttl, (long) an->ai_ttl);
        }
    }

    if (state == 0) {
        for (cn = ai ? ai->cnames : NULL; cn; cn = cn->next) {
            ttl = mx_min(ttl, (long) cn->ttl);
        }

        if (naddrs == 0) {
            state = MX_RESOLVE_NXDOMAIN;
        }
    }

    if (ai) {
        ares_freeaddrinfo(ai);
    }

    if (state != 0) {
        free(addrs);
        addrs = NULL;
        naddrs = 0;
    }

    while ((w = n->waiting) != NULL) {
        mx_resolver_unwait(w);
        mx_resolver_ready(w, state, addrs, naddrs);
    }

    free(n->addrs);
    n->addrs = addrs;
    n->naddrs = naddrs;

    if (state != 0) {
        mx_resolver_node_free(r, n);
        return;
    }

    if (r->valid) {
        ttl = (long) r->valid;
    }

    n->expire = ev_now(mx_loop) + (ttl > 0 ? (ev_tstamp) ttl : 0.);

    if (ttl <= 0) {
        mx_resolver_node_free(r, n);
    }
}


static int
mx_resolver_state(int status)
{
    switch (status) {
    case ARES_SUCCESS:
        return 0;
    case ARES_EFORMERR:
    case ARES_EBADNAME:
        return MX_RESOLVE_FORMERR;
    case ARES_ENOTFOUND:
    case ARES_ENODATA:
        return MX_RESOLVE_NXDOMAIN;
    case ARES_ENOTIMP:
        return MX_RESOLVE_NOTIMP;
    case ARES_EREFUSED:
        return MX_RESOLVE_REFUSED;
    case ARES_ETIMEOUT:
    case ARES_ECONNREFUSED:
        /* nginx keeps resending until resolver_timeout */
        return MX_RESOLVE_TIMEDOUT;
    default:
        return MX_RESOLVE_SERVFAIL;
    }
}


/* --------------------------------------------------------------- cache */

static mx_resolver_node_t *
mx_resolver_lookup(mx_resolver_t *r, const u_char *name, size_t len,
    uint32_t hash)
{
    mx_resolver_node_t  *n;

    for (n = r->buckets[hash & (MX_RESOLVER_BUCKETS - 1)]; n; n = n->next) {
        if (n->hash == hash && n->len == len
            && memcmp(n->name, name, len) == 0)
        {
            return n;
        }
    }

    return NULL;
}


static mx_resolver_node_t *
mx_resolver_node_add(mx_resolver_t *r, const u_char *name, size_t len,
    uint32_t hash)
{
    mx_resolver_node_t  *n, *prev, **b;

    /* the least recently used names go first; queries in flight stay */
    n = r->lru.lru_prev;

    while (r->nnodes >= MX_RESOLVER_CACHE_MAX && n != &r->lru) {
        prev = n->lru_prev;
        if (!n->querying) {
            mx_resolver_node_free(r, n);
        }
        n = prev;
    }

    n = calloc(1, sizeof(mx_resolver_node_t) + len + 1);
    if (n == NULL) {
        return NULL;
    }

    memcpy(n->name, name, len + 1);
    n->len = len;
    n->hash = hash;
    n->resolver = r;

    b = &r->buckets[hash & (MX_RESOLVER_BUCKETS - 1)];
    n->next = *b;
    *b = n;

    n->lru_next = r->lru.lru_next;
    n->lru_prev = &r->lru;
    r->lru.lru_next->lru_prev = n;
    r->lru.lru_next = n;

    r->nnodes++;

    return n;
}


/* unlinks and frees a node that c-ares does not hold */
static void
mx_resolver_node_free(mx_resolver_t *r, mx_resolver_node_t *n)
{
    mx_resolver_node_t  **p;

    for (p = &r->buckets[n->hash & (MX_RESOLVER_BUCKETS - 1)];
         *p;
         p = &(*p)->next)
    {
        if (*p == n) {
            *p = n->next;
            break;
        }
    }

    n->lru_prev->lru_next = n->lru_next;
    n->lru_next->lru_prev = n->lru_prev;

    r->nnodes--;

    free(n->addrs);
    free(n);
}


static void
mx_resolver_lru_touch(mx_resolver_t *r, mx_resolver_node_t *n)
{
    n->lru_prev->lru_next = n->lru_next;
    n->lru_next->lru_prev = n->lru_prev;

    n->lru_next = r->lru.lru_next;
    n->lru_prev = &r->lru;
    r->lru.lru_next->lru_prev = n;
    r->lru.lru_next = n;
}
