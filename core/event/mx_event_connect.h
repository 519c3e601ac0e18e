#ifndef MX_EVENT_CONNECT_H
#define MX_EVENT_CONNECT_H

#include "mx_event.h"

/*
 * Outgoing TCP connections: a non-blocking socket connected to a peer,
 * wrapped in an mx_connection_t with the same watchers, timers and
 * handlers as an accepted one, and I/O helpers that log failures the way
 * nginx logs them on upstream connections (at error level, with the
 * caller's log action: "... while connecting to upstream").
 */

/*
 * Wraps fd (non-blocking, owned from now on) in a new connection: the
 * watchers and timers call c->read_handler / c->write_handler like those
 * of accepted connections, c->log is a copy of *log, c->pool is a small
 * pool of its own. The connection joins the process's active list (so a
 * graceful shutdown sees it, and closes it when c->idle); anchor is the
 * client connection it serves, which must still be open.
 * NULL on allocation failure or when worker_connections are exhausted
 * (logged); fd is closed then.
 */
mx_connection_t *mx_conn_create_outgoing(int fd, mx_log_t *log,
    mx_connection_t *anchor);

/*
 * Opens a socket for sa and starts connecting. *cp gets the connection
 * (its handlers are unset: set them before returning to the loop).
 * MX_OK: connected at once; MX_AGAIN: in progress, the write handler is
 * called when done (then call mx_event_connect_result()); MX_ERROR: failed,
 * logged at error level ("connect() to NAME failed (111: ...)") and *cp is
 * NULL; MX_BUSY: no connection left or no memory (logged), *cp is NULL.
 */
int mx_event_connect_peer(const struct sockaddr *sa, socklen_t socklen,
    const mx_str_t *name, mx_log_t *log, mx_connection_t *anchor,
    mx_connection_t **cp);

/*
 * After the write event of a connect in progress: MX_OK when connected,
 * MX_ERROR when it failed ("connect() failed (111: Connection refused)"
 * logged through c->log at error level).
 */
int mx_event_connect_result(mx_connection_t *c);

/*
 * recv/send/writev for outgoing connections: bytes, 0 on EOF (recv),
 * MX_AGAIN when not ready, MX_ERROR with c->error set and the failure
 * logged at error level through c->log ("recv() failed (104: ...)").
 */
ssize_t mx_peer_recv(mx_connection_t *c, u_char *buf, size_t size);
ssize_t mx_peer_writev(mx_connection_t *c, struct iovec *iov, int n);

/*
 * sendfile() of a file region to c: bytes, MX_AGAIN, MX_ERROR (logged
 * at error level, c->error set).
 */
ssize_t mx_peer_sendfile(mx_connection_t *c, int fd, off_t *offset,
    size_t size);

/* "127.0.0.1:80", "[::1]:8080" into buf (>= 64 bytes); returns the end */
u_char *mx_sockaddr_text(const struct sockaddr *sa, u_char *buf,
    size_t size);

#endif /* MX_EVENT_CONNECT_H */
