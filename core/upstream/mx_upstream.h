#ifndef MX_UPSTREAM_H
#define MX_UPSTREAM_H

#include "mx_http.h"

/*
 * Upstream groups: the "upstream NAME { ... }" block and the implicit
 * groups proxy_pass makes for "host:port", their peers (resolved at
 * config time with getaddrinfo, as nginx does), the balancers (round
 * robin with passive health checks in mx_upstream_round_robin.c, the
 * methods least_conn, hash, ip_hash and random beside it) and the
 * per-worker keepalive pool of idle upstream connections.
 *
 * Runtime state (weights, failures, the keepalive pool) lives in memory
 * of the cycle, which after fork is private to each worker, so a worker
 * balances and counts failures on its own, as nginx without a zone.
 */

typedef struct mx_upstream_srv_conf_s   mx_upstream_srv_conf_t;
typedef struct mx_upstream_rr_peers_s   mx_upstream_rr_peers_t;
typedef struct mx_upstream_keepalive_s  mx_upstream_keepalive_t;
typedef struct mx_upstream_balancer_s   mx_upstream_balancer_t;

/* one "server" line of an upstream block */
typedef struct {
    mx_str_t                  name;          /* as written */
    struct sockaddr_storage  *addrs;         /* getaddrinfo results */
    mx_uint_t                 naddrs;
    mx_int_t                  weight;
    mx_uint_t                 max_conns;     /* 0: no limit */
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

    mx_uint_t                 max_conns;     /* 0: no limit */
    mx_uint_t                 max_fails;
    time_t                    fail_timeout;

    void                     *ssl_session;   /* SSL_SESSION to resume */
    mx_upstream_rr_peer_t    *ssl_next;      /* peers holding one */

    unsigned                  down:1;
    unsigned                  config:1;      /* lives with the config */
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

    /* the method's directive sets both; NULL: round robin */
    const mx_upstream_balancer_t  *balancer;
    void                     *balancer_conf; /* the method's own */

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
 * host (port 0), or the group proxy_pass made for host:port (port 0:
 * default_port); NULL.
 */
mx_upstream_srv_conf_t *mx_upstream_find(mx_http_request_t *r,
    const mx_str_t *host, in_port_t port, in_port_t default_port);

/*
 * At run time: a group of one peer for an address given literally
 * (proxy_pass http://$ip:$port), in pool. NULL on failure.
 */
mx_upstream_srv_conf_t *mx_upstream_create_single(mx_pool_t *pool,
    const struct sockaddr *sa, socklen_t socklen, const mx_str_t *host);

/*
 * At run time: a round-robin group of the naddrs addresses host resolved
 * to (proxy_pass http://$name), each with port, as nginx makes for a
 * resolved name: weight 1, max_fails=1, fail_timeout=10s. In pool, host
 * copied; NULL on failure.
 */
mx_upstream_srv_conf_t *mx_upstream_create_resolved(mx_pool_t *pool,
    const mx_str_t *host, in_port_t port, const mx_resolver_addr_t *addrs,
    mx_uint_t naddrs);

/* ------------------------------------------------------ balancer */

typedef struct mx_upstream_rr_peer_data_s  mx_upstream_rr_peer_data_t;

/*
 * A method's choice of the next peer: MX_OK with rrp->current set (and
 * its conns counted), MX_BUSY when no peer is live (rrp->name names the
 * group), MX_ERROR to end the request with a 500.
 */
typedef int (*mx_upstream_get_peer_pt)(mx_upstream_rr_peer_data_t *rrp);

/* ends the use of rrp->current: state is 0, MX_PEER_FAILED or _NEXT */
typedef void (*mx_upstream_free_peer_pt)(mx_upstream_rr_peer_data_t *rrp,
    mx_uint_t state, mx_log_t *log);

/*
 * The state of one request's peer choice. Round robin's fields come
 * first; a method keeps its own state beside them (in data, from the
 * request's pool) and sets get/free, as nginx's methods wrap their
 * round robin data. current may point to a peer the method owns (one a
 * script chose), as long as its free does not hand it to round robin.
 */
struct mx_upstream_rr_peer_data_s {
    mx_upstream_rr_peers_t   *peers;         /* primary, then backup */
    mx_upstream_rr_peer_t    *current;
    uintptr_t                *tried;         /* bitmap */
    uintptr_t                 inline_tried;  /* the bitmap of few peers */
    mx_uint_t                 tries;         /* left */
    mx_str_t                 *name;          /* for "no live upstreams" */

    mx_upstream_get_peer_pt   get;
    mx_upstream_free_peer_pt  free;
    void                     *data;          /* the method's state */
};

#define MX_PEER_FAILED   0x02
#define MX_PEER_NEXT     0x04

/*
 * A load-balancing method, nginx's peer.init_upstream / init / get /
 * free. Its directive hands it to mx_upstream_set_balancer(); a group
 * without one balances by round robin.
 */
struct mx_upstream_balancer_s {
    const char               *name;          /* "least_conn" */

    /*
     * At the end of the configuration, once per group: builds us->peers
     * (mx_upstream_init_round_robin) and the method's data (in
     * us->balancer_conf). MX_OK or MX_ERROR (logged).
     */
    int                     (*init_upstream)(mx_conf_t *cf,
                                             mx_upstream_srv_conf_t *us);

    /*
     * Per request, before the first try: mx_upstream_rr_init_peer(),
     * then the method's state in rrp->data (from r->pool) and its
     * rrp->get / rrp->free. MX_OK or MX_ERROR.
     */
    int                     (*init)(mx_http_request_t *r,
                                    mx_upstream_srv_conf_t *us,
                                    mx_upstream_rr_peer_data_t *rrp);

    unsigned                  backup:1;      /* "server ... backup" allowed */
};

/*
 * For a method's directive (in an upstream block): makes b the method of
 * the group being parsed, with conf as us->balancer_conf, and warns
 * "load balancing method redefined" as nginx does when a method (or
 * keepalive, nginx's balancer wrapper) came before. Returns the group.
 */
mx_upstream_srv_conf_t *mx_upstream_set_balancer(mx_conf_t *cf,
    const mx_upstream_balancer_t *b, void *conf);

/*
 * Starts r's peer choice in us by us's method (round robin without one);
 * MX_OK or MX_ERROR. Then rrp->get / rrp->free (mx_upstream_get_peer(),
 * mx_upstream_free_peer()) pick and release peers until rrp->tries is 0.
 */
int mx_upstream_init_peer(mx_http_request_t *r, mx_upstream_srv_conf_t *us,
    mx_upstream_rr_peer_data_t *rrp);

#define mx_upstream_get_peer(rrp)  (rrp)->get(rrp)
#define mx_upstream_free_peer(rrp, state, log)                               \
    (rrp)->free(rrp, state, log)

/* builds uscf->peers from its servers; MX_OK or MX_ERROR (logged) */
int mx_upstream_init_round_robin(mx_conf_t *cf, mx_upstream_srv_conf_t *us);

/*
 * Starts a round robin choice for a request (memory from pool), with
 * rrp->get / rrp->free the round robin's and rrp->data NULL; MX_OK or
 * MX_ERROR.
 */
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
 * Takes an idle connection to sa from the group's pool, a TLS one
 * (mx_ssl_conn_get()) when ssl, else a plain one: the connection with its
 * handlers and timers cleared, c->idle reset, or NULL.
 */
mx_connection_t *mx_upstream_keepalive_get(mx_upstream_srv_conf_t *us,
    const struct sockaddr *sa, socklen_t socklen, int ssl);

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
 * Keeps sess (an SSL_SESSION whose reference is taken over) as the one
 * to resume with peer, freeing the one before; peer must have config set.
 * The sessions are freed when the worker exits.
 */
void mx_upstream_peer_save_session(mx_upstream_rr_peer_t *peer, void *sess);

/*
 * Adds the $upstream_* variables (defined in mx_http_upstream.c); called
 * at preconfiguration. MX_OK or MX_ERROR.
 */
int mx_http_upstream_add_variables(mx_conf_t *cf);

#endif /* MX_UPSTREAM_H */
