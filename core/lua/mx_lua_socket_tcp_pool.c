#include "mx_lua_socket_tcp_int.h"
#include "mx_cycle.h"

/*
 * The keepalive pools of the TCP cosockets (setkeepalive()), one per key,
 * per worker; their idle connections outlive the requests that made
 * them, TLS state included.
 *
 * The idle connections of a pool are its items: a LIFO list (the most
 * recently idle is reused first, the oldest is closed for room) and a
 * free list, pool->size of them. pool->connections counts, as the
 * reference does, the pool's idle connections, the busy ones made while
 * it existed and the connects queued for it (opts.backlog); the pool goes
 * away when that falls to 0.
 */

#define MX_LUA_SOCKET_POOL_BUCKETS  64     /* a power of two */


typedef struct mx_lua_socket_item_s  mx_lua_socket_item_t;

struct mx_lua_socket_item_s {
    mx_lua_socket_item_t     *prev;      /* idle list, or free list */
    mx_lua_socket_item_t     *next;
    mx_lua_socket_pool_t     *pool;
    mx_connection_t          *c;         /* NULL when free */
    SSL                      *ssl;       /* c's TLS, if any */
    mx_uint_t                 reused;
};

struct mx_lua_socket_pool_s {
    mx_lua_socket_pool_t     *next;      /* in its bucket */
    mx_int_t                  size;
    mx_int_t                  backlog;   /* -1: connects are not queued */
    mx_int_t                  connections;
    mx_int_t                  queued;

    mx_lua_socket_item_t     *idle;      /* newest first */
    mx_lua_socket_item_t     *idle_last;
    mx_lua_socket_item_t     *free;

    mx_lua_socket_tcp_t      *queue;     /* queued connects, oldest first */
    mx_lua_socket_tcp_t      *queue_last;
    ev_timer                  resume;    /* a queued connect may go on */

    mx_lua_socket_item_t     *items;
    size_t                    key_len;
    u_char                    key[];
};


static mx_uint_t mx_lua_socket_pool_hash(const u_char *key, size_t len);
static void mx_lua_socket_pool_free(mx_lua_socket_pool_t *spool);
static void mx_lua_socket_pool_resume(mx_lua_socket_pool_t *spool);
static void mx_lua_socket_pool_resume_handler(struct ev_loop *loop,
    ev_timer *w, int revents);
static void mx_lua_socket_pool_gone(mx_lua_socket_pool_t *spool);
static void mx_lua_socket_item_close(mx_lua_socket_item_t *item);
static void mx_lua_socket_idle_handler(mx_connection_t *c);


static mx_lua_socket_pool_t  *mx_lua_socket_pools[MX_LUA_SOCKET_POOL_BUCKETS];

/* the pool found last: most workers talk to a peer or two */
static mx_lua_socket_pool_t  *mx_lua_socket_pool_last;


static mx_uint_t
mx_lua_socket_pool_hash(const u_char *key, size_t len)
{
    uint32_t  h = 2166136261u;

    while (len--) {
        h = (h ^ *key++) * 16777619u;
    }

    return h & (MX_LUA_SOCKET_POOL_BUCKETS - 1);
}


mx_lua_socket_pool_t *
mx_lua_socket_pool_find(const u_char *key, size_t len)
{
    mx_lua_socket_pool_t  *spool;

    spool = mx_lua_socket_pool_last;

    if (spool && spool->key_len == len && memcmp(spool->key, key, len) == 0) {
        return spool;
    }

    spool = mx_lua_socket_pools[mx_lua_socket_pool_hash(key, len)];

    for ( /* void */ ; spool; spool = spool->next) {
        if (spool->key_len == len && memcmp(spool->key, key, len) == 0) {
            mx_lua_socket_pool_last = spool;
            return spool;
        }
    }

    return NULL;
}


mx_lua_socket_pool_t *
mx_lua_socket_pool_create(const u_char *key, size_t len, mx_int_t size,
    mx_int_t backlog)
{
    mx_int_t               i;
    mx_uint_t              b;
    mx_lua_socket_pool_t  *spool;

    if (size <= 0 || (size_t) size > ((size_t) -1) / 2
                                      / sizeof(mx_lua_socket_item_t))
    {
        return NULL;
    }

    spool = calloc(1, sizeof(mx_lua_socket_pool_t) + len + 1);
    if (spool == NULL) {
        return NULL;
    }

    spool->items = calloc((size_t) size, sizeof(mx_lua_socket_item_t));
    if (spool->items == NULL) {
        free(spool);
        return NULL;
    }

    spool->size = size;
    spool->backlog = backlog;
    spool->key_len = len;
    memcpy(spool->key, key, len);

    for (i = size - 1; i >= 0; i--) {
        spool->items[i].pool = spool;
        spool->items[i].next = spool->free;
        spool->free = &spool->items[i];
    }

    ev_init(&spool->resume, mx_lua_socket_pool_resume_handler);
    spool->resume.data = spool;

    b = mx_lua_socket_pool_hash(key, len);
    spool->next = mx_lua_socket_pools[b];
    mx_lua_socket_pools[b] = spool;

    return spool;
}


/* no connection is left: idle, busy or queued */
static void
mx_lua_socket_pool_free(mx_lua_socket_pool_t *spool)
{
    mx_lua_socket_pool_t  **pp;

    pp = &mx_lua_socket_pools[mx_lua_socket_pool_hash(spool->key,
                                                      spool->key_len)];

    for ( /* void */ ; *pp; pp = &(*pp)->next) {
        if (*pp == spool) {
            *pp = spool->next;
            break;
        }
    }

    ev_timer_stop(mx_loop, &spool->resume);

    if (mx_lua_socket_pool_last == spool) {
        mx_lua_socket_pool_last = NULL;
    }

    free(spool->items);
    free(spool);
}


int
mx_lua_socket_pool_get(mx_lua_socket_tcp_t *s, mx_lua_socket_pool_t *spool,
    int resuming)
{
    mx_connection_t       *c;
    mx_lua_socket_item_t  *item;
    mx_msec_t              timeout;

    item = spool->idle;

    if (item) {
        spool->idle = item->next;
        if (spool->idle) {
            spool->idle->prev = NULL;

        } else {
            spool->idle_last = NULL;
        }

        item->next = spool->free;
        item->prev = NULL;
        spool->free = item;

        c = item->c;
        item->c = NULL;

        mx_conn_want_write(c, 0);
        mx_conn_read_timer(c, 0);
        mx_conn_write_timer(c, 0);
        c->idle = 0;
        c->close = 0;

        s->c = c;
        s->ssl = item->ssl;
        s->reused = item->reused + 1;
        item->ssl = NULL;

        /* what came while it was idle closed it, as far as the loop saw;
         * its read watcher stays on (see watch()) */
        s->drained = (s->ssl == NULL);

        mx_lua_socket_tcp_attach(s);

        /* the idle connection's count is the socket's now */
        if (!resuming) {
            s->spool = spool;

        } else {
            spool->connections--;
        }

        return MX_OK;
    }

    if (resuming) {
        return MX_DECLINED;
    }

    spool->connections++;
    s->spool = spool;

    if (spool->backlog < 0 || spool->connections <= spool->size) {
        return MX_DECLINED;
    }

    if (spool->connections > spool->size + spool->backlog) {
        s->conn_err = "too many waiting connect operations";
        return MX_ERROR;
    }

    s->qnext = NULL;
    s->qprev = spool->queue_last;
    if (spool->queue_last) {
        spool->queue_last->qnext = s;

    } else {
        spool->queue = s;
    }

    spool->queue_last = s;
    spool->queued++;
    s->queued = 1;

    timeout = mx_lua_socket_tcp_connect_timeout(s);
    ev_timer_set(&s->qtimer, (ev_tstamp) timeout / 1000.0, 0.0);
    ev_timer_start(mx_loop, &s->qtimer);

    return MX_AGAIN;
}


int
mx_lua_socket_pool_put(mx_lua_socket_tcp_t *s, mx_msec_t timeout,
    long pool_size, const char **err)
{
    int                      counted, dubious;
    char                     ch;
    ssize_t                  n;
    mx_connection_t         *c = s->c;
    mx_lua_socket_item_t    *item;
    mx_lua_socket_pool_t    *spool;

    /* the pool the socket is counted in is its key's */
    spool = s->spool;

    if (spool == NULL) {
        spool = mx_lua_socket_pool_find(s->key, s->key_len);
    }

    if (spool == NULL) {
        if (pool_size <= 0) {
            pool_size = (long) s->conf->socket_pool_size;
        }

        if (pool_size <= 0) {
            pool_size = 1;
        }

        spool = mx_lua_socket_pool_create(s->key, s->key_len, pool_size, -1);
        if (spool == NULL) {
            *err = "no memory";
            return MX_ERROR;
        }
    }

    counted = (s->spool == spool);

    if (s->spool && !counted) {
        /* counted in a pool of another key: cannot happen, but keep the
         * books right */
        mx_lua_socket_pool_release(s);
    }

    if (spool->free == NULL) {
        /* full: the connection idle for the longest goes */
        item = spool->idle_last;
        mx_lua_socket_item_close(item);

        if (counted) {
            spool->connections--;
        }

        /* mx_lua_socket_item_close() put it on the free list */
        spool->free = item->next;

    } else {
        item = spool->free;
        spool->free = item->next;

        if (!counted) {
            spool->connections++;
        }
    }

    s->spool = NULL;

    item->c = c;
    item->ssl = s->ssl;
    item->reused = s->reused;
    item->prev = NULL;
    item->next = spool->idle;

    if (spool->idle) {
        spool->idle->prev = item;

    } else {
        spool->idle_last = item;
    }

    spool->idle = item;

    s->c = NULL;
    s->ssl = NULL;

    /* the request that used it is gone: log without its context */
    c->log = *mx_cycle->log;
    c->log.connection = 0;
    c->log.handler = NULL;
    c->log.data = NULL;
    c->log.action = NULL;

    c->data = item;
    c->idle = 1;
    c->read_timedout = 0;
    c->write_timedout = 0;
    c->read_handler = mx_lua_socket_idle_handler;
    c->write_handler = NULL;
    mx_conn_want_write(c, 0);
    mx_conn_write_timer(c, 0);
    mx_conn_read_timer(c, timeout);
    mx_conn_want_read(c, 1);

    /* as the reference, a connection read dry is not looked at again */
    dubious = 0;

    if (item->ssl || !s->drained) {
        n = recv(c->fd, &ch, 1, MSG_PEEK);
        dubious = (n != -1 || (errno != EAGAIN && errno != EINTR));
    }

    mx_lua_socket_tcp_finalize(s);

    if (dubious || (item->ssl && SSL_has_pending(item->ssl))) {
        /* data nobody asked for, or the peer went away meanwhile */
        mx_lua_socket_item_close(item);
        spool->connections--;
        mx_lua_socket_pool_gone(spool);

        *err = "connection in dubious state";
        return MX_ERROR;
    }

    mx_lua_socket_pool_resume(spool);

    return MX_OK;
}


void
mx_lua_socket_pool_release(mx_lua_socket_tcp_t *s)
{
    mx_lua_socket_pool_t  *spool = s->spool;

    if (spool == NULL) {
        return;
    }

    s->spool = NULL;
    spool->connections--;
    mx_lua_socket_pool_gone(spool);
}


/* a connection left the pool's count: the pool goes when none is left,
 * else a queued connect may have room */
static void
mx_lua_socket_pool_gone(mx_lua_socket_pool_t *spool)
{
    if (spool->connections <= 0) {
        mx_lua_socket_pool_free(spool);
        return;
    }

    mx_lua_socket_pool_resume(spool);
}


/* a place may be free for a queued connect: see on the next turn */
static void
mx_lua_socket_pool_resume(mx_lua_socket_pool_t *spool)
{
    if (spool->queue == NULL || ev_is_active(&spool->resume)) {
        return;
    }

    ev_timer_set(&spool->resume, 0., 0.);
    ev_timer_start(mx_loop, &spool->resume);
}


static void
mx_lua_socket_pool_resume_handler(struct ev_loop *loop, ev_timer *w,
    int revents)
{
    int                    rc;
    mx_lua_socket_tcp_t   *s;
    mx_lua_socket_pool_t  *spool = w->data;

    mx_unused(loop);
    mx_unused(revents);

    mx_time_update();

    /* an idle connection to take over, or room for a new one */
    s = spool->queue;
    if (s == NULL
        || (spool->idle == NULL
            && spool->connections - spool->queued >= spool->size))
    {
        return;
    }

    mx_lua_socket_pool_dequeue(s);

    /* the next one, if there is room for it too */
    mx_lua_socket_pool_resume(spool);

    /* s stays counted; the pool may go away from here on */
    rc = mx_lua_socket_tcp_connect_peer(s, spool, 1);

    if (rc != MX_AGAIN) {
        mx_lua_socket_tcp_connect_done(s, rc);
    }
}


void
mx_lua_socket_pool_dequeue(mx_lua_socket_tcp_t *s)
{
    mx_lua_socket_pool_t  *spool = s->spool;

    ev_timer_stop(mx_loop, &s->qtimer);
    s->queued = 0;

    if (s->qprev) {
        s->qprev->qnext = s->qnext;

    } else {
        spool->queue = s->qnext;
    }

    if (s->qnext) {
        s->qnext->qprev = s->qprev;

    } else {
        spool->queue_last = s->qprev;
    }

    s->qprev = NULL;
    s->qnext = NULL;
    spool->queued--;
}


void
mx_lua_socket_queue_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
    mx_lua_socket_tcp_t  *s = w->data;

    mx_unused(loop);
    mx_unused(revents);

    mx_time_update();

    if (s->conf->socket_log_errors) {
        mx_log_error(MX_LOG_ERR, &s->request->connection->log, 0,
                     "lua tcp socket queued connect timed out, when trying "
                     "to connect to %.*s:%d", (int) mx_min(s->host_len, 256),
                     (char *) s->host, s->port);
    }

    mx_lua_socket_pool_dequeue(s);

    s->conn_err = "timeout";
    mx_lua_socket_tcp_connect_done(s, MX_ERROR);
}


/* closes an idle connection and frees its item (the count is the
 * caller's) */
static void
mx_lua_socket_item_close(mx_lua_socket_item_t *item)
{
    mx_connection_t       *c = item->c;
    mx_lua_socket_pool_t  *spool = item->pool;

    if (item->prev) {
        item->prev->next = item->next;

    } else {
        spool->idle = item->next;
    }

    if (item->next) {
        item->next->prev = item->prev;

    } else {
        spool->idle_last = item->prev;
    }

    item->c = NULL;
    item->prev = NULL;
    item->next = spool->free;
    spool->free = item;

    c->idle = 0;
    mx_lua_socket_tcp_close_conn(c, item->ssl);
    item->ssl = NULL;
}


/* an idle connection is readable (the peer closed it or sent what nobody
 * asked for), timed out, or the worker shuts down */
static void
mx_lua_socket_idle_handler(mx_connection_t *c)
{
    char                   ch;
    ssize_t                n;
    mx_lua_socket_item_t  *item = c->data;
    mx_lua_socket_pool_t  *spool = item->pool;

    if (!c->close && !c->read_timedout) {
        n = recv(c->fd, &ch, 1, MSG_PEEK);
        if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
            return;
        }
    }

    mx_lua_socket_item_close(item);
    spool->connections--;
    mx_lua_socket_pool_gone(spool);
}
