#ifndef MX_LUA_SOCKET_TCP_INT_H
#define MX_LUA_SOCKET_TCP_INT_H

#include "mx_lua_socket_tcp.h"
#include "mx_lua_ssl.h"

/*
 * What the files of the TCP cosockets share: the socket's state, the
 * keepalive pools (mx_lua_socket_tcp_pool.c) and the socket functions the
 * pools call back. Not for other areas: they use mx_lua_socket_tcp.h.
 */

#define MX_LUA_SOCKET_FT_ERROR    1
#define MX_LUA_SOCKET_FT_TIMEOUT  2
#define MX_LUA_SOCKET_FT_CLOSED   3
#define MX_LUA_SOCKET_FT_NOMEM    4
#define MX_LUA_SOCKET_FT_CLIENTABORT  6  /* a request socket's client left */

#define MX_LUA_SOCKET_RECV_UNTIL  5

typedef struct mx_lua_socket_pool_s  mx_lua_socket_pool_t;

/* one thread waiting on a socket, and the record its cleanup gets */
typedef struct {
    mx_lua_socket_tcp_t      *s;
    mx_http_lua_co_t         *co;        /* set until the outcome is
                                            collected */
} mx_lua_socket_waiter_t;

struct mx_lua_socket_tcp_s {
    mx_http_request_t        *request;   /* of the last connect() */
    mx_pool_cleanup_t        *cleanup;   /* on request->pool till it ends */
    mx_http_lua_loc_conf_t   *conf;      /* the request's location's */
    mx_connection_t          *c;
    SSL                      *ssl;       /* c's TLS, once sslhandshake()
                                            began; pooled with c */
    mx_lua_socket_pool_t     *spool;     /* counted in its connections */
    mx_resolver_ctx_t        *rctx;

    mx_lua_socket_tcp_t      *qprev;     /* in spool's connect queue */
    mx_lua_socket_tcp_t      *qnext;
    ev_timer                  qtimer;

    u_char                   *key;       /* the pool's key */
    size_t                    key_len;
    u_char                   *host;      /* as given to connect() */
    size_t                    host_len;
    int                       port;
    u_char                   *names_big; /* key and host when too long
                                            for names (malloc) */
    size_t                    names_size;
    u_char                    names[64];

    struct sockaddr_storage   sockaddr;
    socklen_t                 socklen;
    char                      addr[128]; /* "127.0.0.1", "unix:/path" */

    /* as set by settimeout(s); 0: the location's */
    mx_msec_t                 connect_timeout;
    mx_msec_t                 send_timeout;
    mx_msec_t                 read_timeout;

    mx_lua_socket_waiter_t    reader;
    mx_lua_socket_waiter_t    writer;    /* sending, connecting or in
                                            the TLS handshake */

    /* reading */
    u_char                   *buf;
    u_char                   *pos;
    u_char                   *last;
    u_char                   *end;
    u_char                   *out;
    size_t                    out_len;
    size_t                    out_size;
    const u_char             *rdata;     /* the answer when it could stay
                                            in buf, else NULL: out has it */
    size_t                    rlen;
    int                       mode;      /* MX_LUA_SOCKET_RECV_* */
    size_t                    length;    /* of the request: bytes, max or
                                            a receiveuntil size */
    size_t                    rest;
    mx_lua_socket_pattern_t  *pattern;
    int                       read_rc;   /* MX_AGAIN while it runs */
    int                       read_ft;
    int                       read_errno;

    /* writing */
    const u_char             *send_data;
    size_t                    send_len;
    size_t                    sent;
    int                       write_rc;
    int                       write_ft;
    int                       write_errno;

    int                       conn_rc;
    const char               *conn_err;

    /* TLS: what the pending operations wait for, the handshake's */
    int                       read_wants;    /* MX_LUA_SSL_WANT_* */
    int                       write_wants;
    int                       hs_wants;
    int                       hs_rc;         /* MX_AGAIN while it runs */
    const char               *hs_err;
    int                       hs_code;       /* X509_V_ERR_* of hs_err */
    SSL_SESSION              *hs_session;    /* for the result, owned */
    u_char                   *ssl_name;      /* server_name (malloc) */
    size_t                    ssl_name_len;
    size_t                    ssl_name_size;

    mx_uint_t                 reused;

    /* ngx.req.socket(): the body's state, whose rest bounds the reads
     * (NULL: raw, or any other socket); valid while the request lives */
    mx_http_request_body_t   *body;

    char                     *msg;       /* formatted messages (malloc,
                                            on the first) */

    unsigned                  ended:1;       /* request is gone */
    unsigned                  connecting:1;  /* till the outcome is
                                                collected */
    unsigned                  conn_pending:1;
    unsigned                  hs_pending:1;
    unsigned                  ssl_verify:1;
    unsigned                  ssl_reuse:1;   /* hand the session out */
    unsigned                  queued:1;
    unsigned                  read_closed:1;
    unsigned                  write_closed:1;
    unsigned                  eof:1;
    /* a plain connection read dry, its read watcher on since: bytes
     * coming would have called the read handler, which clears it */
    unsigned                  drained:1;
    unsigned                  downstream:1;  /* ngx.req.socket()'s: a dup
                                                of the client's fd */
};


/* ------------------------------- pools (mx_lua_socket_tcp_pool.c) */

/* the pool of a key; NULL when none */
mx_lua_socket_pool_t *mx_lua_socket_pool_find(const u_char *key,
    size_t len);

/*
 * A pool of size idle connections; backlog >= 0 queues the connects
 * beyond size (up to backlog of them), -1 never. NULL on memory failure
 * or a bad size.
 */
mx_lua_socket_pool_t *mx_lua_socket_pool_create(const u_char *key,
    size_t len, mx_int_t size, mx_int_t backlog);

/*
 * connect() through the pool: MX_OK with the most recently idle
 * connection made the socket's (s->c, s->ssl, s->reused; its handlers
 * set by mx_lua_socket_tcp_attach()); MX_AGAIN queued (the pool resumes
 * it with mx_lua_socket_tcp_connect_peer(), or it times out); MX_ERROR
 * with s->conn_err (the queue is full); MX_DECLINED: connect a new one.
 * The socket is counted in the pool from now on (resuming: it already
 * is).
 */
int mx_lua_socket_pool_get(mx_lua_socket_tcp_t *s,
    mx_lua_socket_pool_t *spool, int resuming);

/*
 * setkeepalive() once the socket passed the checks: its connection (and
 * TLS) goes idle in the pool of its key, created with pool_size (<= 0:
 * lua_socket_pool_size) if needed, for timeout ms (0: no limit), and the
 * socket is closed. MX_OK; MX_ERROR with *err ("no memory", "connection
 * in dubious state": the connection is closed then).
 */
int mx_lua_socket_pool_put(mx_lua_socket_tcp_t *s, mx_msec_t timeout,
    long pool_size, const char **err);

/* the socket's connection no longer counts in its pool */
void mx_lua_socket_pool_release(mx_lua_socket_tcp_t *s);

/* a queued connect leaves the queue (still counted) */
void mx_lua_socket_pool_dequeue(mx_lua_socket_tcp_t *s);

/* s->qtimer's callback: a queued connect timed out */
void mx_lua_socket_queue_timeout(struct ev_loop *loop, ev_timer *w,
    int revents);


/* ----------------------------------- sockets (mx_lua_socket_tcp.c) */

/*
 * Connects s through its pool (NULL: none) or anew: MX_OK, MX_AGAIN
 * (then mx_lua_socket_tcp_connect_done() tells the outcome), MX_ERROR
 * with s->conn_err. resuming: a queued connect going on.
 */
int mx_lua_socket_tcp_connect_peer(mx_lua_socket_tcp_t *s,
    mx_lua_socket_pool_t *spool, int resuming);

/* the end of a connect that waited: its outcome for the waiting thread */
void mx_lua_socket_tcp_connect_done(mx_lua_socket_tcp_t *s, int rc);

mx_msec_t mx_lua_socket_tcp_connect_timeout(mx_lua_socket_tcp_t *s);

/* an idle connection (s->c) serves s now: its handlers and log */
void mx_lua_socket_tcp_attach(mx_lua_socket_tcp_t *s);

/*
 * Closes the connection and whatever leads to one (a lookup, a queued
 * connect, its count in the pool); the waiters are the caller's business.
 */
void mx_lua_socket_tcp_finalize(mx_lua_socket_tcp_t *s);

/*
 * Closes c, sending a TLS close_notify first when ssl is given and the
 * connection is sound (never waiting for it to go out); ssl is freed.
 */
void mx_lua_socket_tcp_close_conn(mx_connection_t *c, SSL *ssl);

#endif /* MX_LUA_SOCKET_TCP_INT_H */
