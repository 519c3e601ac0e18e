#ifndef MX_UPSTREAM_H
#define MX_UPSTREAM_H

#include "mx_http.h"

/*
 * Upstream groups: the "upstream NAME { ... }" block and the implicit
 * groups proxy_pass makes for "host:port", their peers (resolved at
 * config time with getaddrinfo, as nginx does), the round-robin balancer
 * with passive health checks (mx_upstream_round_robin.c) and the
 * per-worker keepalive pool of idle upstream connections.
 *
 * Runtime state (weights, failures, the keepalive pool) lives in memory
 * of the cycle, which after fork is private to each worker, so a worker
 * balances and counts failures on its own, as nginx without a zone.
 */

typedef struct mx_upstream_srv_conf_s   mx_upstream_srv_conf_t;
typedef struct mx_upstream_rr_peers_s   mx_upstream_rr_peers_t;
typedef struct mx_upstream_keepalive_s  mx_upstream_keepalive_t;

/* one "server" line of an upstream block */
typedef struct {
    mx_str_t                  name;          /* as written */
    struct sockaddr_storage  *addrs;         /* getaddrinfo results */
    mx_uint_t                 naddrs;
    mx_int_t                  weight;
    mx_uint_t                 max_fails;
    time_t                    fail_timeout;  /* seconds */
    unsigned                  down:1;
    unsigned                  backup:1;
} mx_upstream_server_t;

typedef struct mx_upstream_rr_peer_s  mx_upstream_rr_peer_t;

struct mx_upstream_rr_peer_s {
    struct sockaddr_storage   sockaddr;
    socklen_t                 socklen;
    mx_str_t                  name;          /* "127.0.0.1:8080" */
    mx_str_t                  server;        /* the "server" argument */

    mx_int_t                  current_weight;
    mx_int_t                  effective_weight;
    mx_int_t                  weight;

    mx_uint_t                 conns;
    mx_uint_t                 fails;
    time_t                    accessed;
    time_t                    checked;

    mx_uint_t                 max_fails;
    time_t                    fail_timeout;

    unsigned                  down:1;
};

struct mx_upstream_rr_peers_s {
    mx_uint_t                 number;
    mx_uint_t                 total_weight;
    unsigned                  single:1;      /* one peer, no backup */
    unsigned                  weighted:1;
    mx_str_t                 *name;          /* the group's name */
    mx_upstream_rr_peers_t   *next;          /* the backup peers */
    mx_upstream_rr_peer_t    *peer;          /* number of them */
};

/* keepalive directives of a group */
typedef struct {
    mx_uint_t                 max_cached;    /* keepalive N; 0: off */
    mx_uint_t                 requests;      /* keepalive_requests */
    mx_msec_t                 timeout;       /* keepalive_timeout */
} mx_upstream_keepalive_conf_t;

struct mx_upstream_srv_conf_s {
    mx_str_t                  host;          /* block name or host */
    in_port_t                 port;          /* implicit groups */
    mx_array_t               *servers;       /* mx_upstream_server_t */
    mx_upstream_rr_peers_t   *peers;         /* built at init */

    mx_upstream_keepalive_conf_t  keepalive;
    mx_upstream_keepalive_t  *cache;         /* per worker, lazily */

    mx_str_t                  file_name;     /* where it was referenced */
    mx_uint_t                 line;

    unsigned                  explicit:1;    /* an "upstream" block */
    unsigned                  no_port:1;     /* referenced without port */
};

typedef struct {
    mx_array_t                upstreams;     /* mx_upstream_srv_conf_t * */
} mx_upstream_main_conf_t;

extern mx_module_t  mx_http_upstream_module;

/*
 * Finds or adds the group a proxy_pass refers to: host is an upstream
 * block's name or a host to resolve (port is 0 when the URL had none;
 * default_port is then used for resolution). NULL on failure (logged).
 */
mx_upstream_srv_conf_t *mx_upstream_add(mx_conf_t *cf, const mx_str_t *host,
    in_port_t port, in_port_t default_port);

/*
 * At run time (proxy_pass with variables): the "upstream" block named
 * host (port 0), or the group proxy_pass made for host:port; NULL.
 */
mx_upstream_srv_conf_t *mx_upstream_find(mx_http_request_t *r,
    const mx_str_t *host, in_port_t port);

/*
 * At run time: a group of one peer for an address given literally
 * (proxy_pass http://$ip:$port), in pool. NULL on failure.
 */
mx_upstream_srv_conf_t *mx_upstream_create_single(mx_pool_t *pool,
    const struct sockaddr *sa, socklen_t socklen, const mx_str_t *host);

/* ------------------------------------------------------ balancer */

/* the state of one request's peer choice */
typedef struct {
    mx_upstream_rr_peers_t   *peers;         /* primary, then backup */
    mx_upstream_rr_peer_t    *current;
    uintptr_t                *tried;         /* bitmap */
    uintptr_t                 data;          /* inline bitmap */
    mx_uint_t                 tries;         /* left */
    mx_str_t                 *name;          /* for "no live upstreams" */
} mx_upstream_rr_peer_data_t;

#define MX_PEER_FAILED   0x02
#define MX_PEER_NEXT     0x04

/* builds uscf->peers from its servers; MX_OK or MX_ERROR (logged) */
int mx_upstream_init_round_robin(mx_conf_t *cf, mx_upstream_srv_conf_t *us);

/* starts a choice for a request (memory from pool); MX_OK or MX_ERROR */
int mx_upstream_rr_init_peer(mx_pool_t *pool, mx_upstream_srv_conf_t *us,
    mx_upstream_rr_peer_data_t *rrp);

/*
 * Picks the next peer: MX_OK with rrp->current set, MX_BUSY when no peer
 * is live (rrp->name names the group).
 */
int mx_upstream_rr_get_peer(mx_upstream_rr_peer_data_t *rrp);

/*
 * Ends the use of rrp->current: state is 0, MX_PEER_FAILED or
 * MX_PEER_NEXT; counts passive failures ("upstream server temporarily
 * disabled" logged through log at warn) and decrements rrp->tries.
 */
void mx_upstream_rr_free_peer(mx_upstream_rr_peer_data_t *rrp,
    mx_uint_t state, mx_log_t *log);

/* ------------------------------------------------------ keepalive */

/*
 * Takes an idle connection to sa from the group's pool: the connection
 * with its handlers and timers cleared, c->idle reset, or NULL.
 */
mx_connection_t *mx_upstream_keepalive_get(mx_upstream_srv_conf_t *us,
    const struct sockaddr *sa, socklen_t socklen);

/*
 * Gives a connection whose response is complete to the group's pool
 * (the least recently used one is closed when the pool is full). The
 * connection must have no pending input and its c->requests counted.
 * It is closed instead when the group has no keepalive or too many
 * requests went through it. Either way the caller no longer owns c.
 */
void mx_upstream_keepalive_put(mx_upstream_srv_conf_t *us,
    mx_connection_t *c, const struct sockaddr *sa, socklen_t socklen);

/*
 * Adds the $upstream_* variables (defined in mx_http_upstream.c); called
 * at preconfiguration. MX_OK or MX_ERROR.
 */
int mx_http_upstream_add_variables(mx_conf_t *cf);

#endif /* MX_UPSTREAM_H */
