#ifndef MX_EVENT_H
#define MX_EVENT_H

#include "mx_core.h"
#include "mx_pool.h"
#include "mx_array.h"
#include "mx_log.h"
#include "mx_times.h"
#include "mx_string.h"

#include <ev.h>
#include <sys/socket.h>
#include <netinet/in.h>

/*
 * The event layer: one libev loop per process, listening sockets, and
 * connections with their read/write watchers and timers.
 */

typedef struct mx_connection_s  mx_connection_t;
typedef struct mx_listening_s   mx_listening_t;

typedef void (*mx_connection_handler_pt)(mx_connection_t *c);

/* the loop of this process */
extern struct ev_loop  *mx_loop;

/* set by signal handlers / the master; checked by workers */
extern volatile int     mx_quit;        /* graceful: stop accepting */
extern volatile int     mx_terminate;   /* fast */
extern int              mx_exiting;     /* in graceful shutdown */

struct mx_listening_s {
    int                        fd;
    struct sockaddr_storage    sockaddr;
    socklen_t                  socklen;
    mx_str_t                   addr_text;    /* "127.0.0.1:8080" */
    int                        backlog;

    mx_connection_handler_pt   handler;      /* called for each accept */
    void                      *servers;      /* the protocol's data */

    ev_io                      watcher;
    mx_log_t                  *log;

    unsigned                   reuseport:1;
    unsigned                   inherited:1;  /* from the old cycle/env */
    unsigned                   bound:1;
    unsigned                   ipv6only:1;
};

struct mx_connection_s {
    int                        fd;
    void                      *data;          /* protocol state */

    ev_io                      rev;           /* readable */
    ev_io                      wev;           /* writable */
    ev_timer                   read_timer;
    ev_timer                   write_timer;

    mx_connection_handler_pt   read_handler;
    mx_connection_handler_pt   write_handler;

    mx_listening_t            *listening;
    mx_pool_t                 *pool;
    mx_log_t                   log;

    struct sockaddr_storage    sockaddr;
    socklen_t                  socklen;
    mx_str_t                   addr_text;     /* "127.0.0.1" */
    struct sockaddr_storage    local_sockaddr;
    socklen_t                  local_socklen;

    mx_uint_t                  number;        /* "*N" in the error log */
    mx_uint_t                  requests;

    mx_connection_t           *next_free;     /* reusable connections */
    mx_connection_t           *prev_active, *next_active;

    unsigned                   read_timedout:1;
    unsigned                   write_timedout:1;
    unsigned                   error:1;
    unsigned                   close:1;       /* close when idle */
    unsigned                   idle:1;        /* keepalive, may be closed */
    unsigned                   destroyed:1;
    unsigned                   tcp_nodelay:1;
    unsigned                   eof:1;
    unsigned                   read_off:1;    /* the watcher is on but
                                                 reading is not wanted */
};

/* creates the loop; MX_OK or MX_ERROR */
int mx_event_init(void);

/* opens, binds and listens every socket of the array that is not open */
int mx_listening_open(mx_array_t *listening, mx_log_t *log);

/* starts/stops accepting on all listening sockets of the array */
void mx_listening_enable(mx_array_t *listening);
void mx_listening_disable(mx_array_t *listening);

/* closes the descriptors of the array that are not marked inherited */
void mx_listening_close(mx_array_t *listening);

/*
 * Called once when the worker starts a graceful shutdown (Lua runs its
 * pending timers then), and the work without a connection that the
 * shutdown waits for (Lua timers running).
 */
extern void      (*mx_exiting_hook)(void);
extern mx_uint_t   mx_busy_tasks;

/* the next connection number ("*N" in the error log), for connections
 * without a socket too */
mx_uint_t mx_conn_next_number(void);

/* number of connections open in this process */
extern mx_uint_t  mx_connection_count;
extern mx_uint_t  mx_worker_connections;

/*
 * Reading and writing. Return bytes, 0 on EOF (read), MX_AGAIN when the
 * socket is not ready, MX_ERROR (c->error set, logged at info).
 */
ssize_t mx_conn_recv(mx_connection_t *c, u_char *buf, size_t size);
ssize_t mx_conn_send(mx_connection_t *c, const u_char *buf, size_t size);
ssize_t mx_conn_writev(mx_connection_t *c, struct iovec *iov, int n);

/*
 * Sets up a connection's watchers and timers for fd (accepted or
 * outgoing) and counts it among the active connections; c is zeroed,
 * with its pool and log set. mx_conn_close() undoes it.
 */
void mx_conn_init(mx_connection_t *c, int fd);

/* start/stop watching for readiness; the handlers are called then */
void mx_conn_want_read(mx_connection_t *c, int on);
void mx_conn_want_write(mx_connection_t *c, int on);

/* whether read events are wanted now */
int mx_conn_reading(mx_connection_t *c);

/* (re)arms the read or write timer; 0 stops it */
void mx_conn_read_timer(mx_connection_t *c, mx_msec_t ms);
void mx_conn_write_timer(mx_connection_t *c, mx_msec_t ms);

/* closes the socket, stops watchers, destroys c->pool; frees c */
void mx_conn_close(mx_connection_t *c);

/*
 * Graceful shutdown: idle connections (c->idle) are closed at once and
 * from then on whenever they become idle.
 */
void mx_conn_close_idle(void);

/* active connections other than idle ones */
mx_uint_t mx_conn_busy_count(void);

#endif /* MX_EVENT_H */
