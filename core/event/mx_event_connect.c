#include "mx_event_connect.h"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

/*
 * Outgoing connections: set up by mx_conn_init() like accepted ones, so
 * the same watchers, timers and graceful-shutdown accounting apply.
 */


mx_connection_t *
mx_conn_create_outgoing(int fd, mx_log_t *log, mx_connection_t *anchor)
{
    mx_connection_t  *c;

    if (anchor == NULL || anchor->destroyed) {
        mx_log_error(MX_LOG_ALERT, log, 0,
                     "outgoing connection without an active anchor");
        close(fd);
        return NULL;
    }

    if (mx_connection_count >= mx_worker_connections) {
        mx_log_error(MX_LOG_ALERT, log, 0,
                     "%lu worker_connections are not enough",
                     (unsigned long) mx_worker_connections);
        close(fd);
        return NULL;
    }

    c = calloc(1, sizeof(mx_connection_t));
    if (c == NULL) {
        close(fd);
        return NULL;
    }

    c->pool = mx_pool_create(512);
    if (c->pool == NULL) {
        free(c);
        close(fd);
        return NULL;
    }

    c->log = *log;
    c->number = log->connection;

    mx_conn_init(c, fd);

    return c;
}


int
mx_event_connect_peer(const struct sockaddr *sa, socklen_t socklen,
    const mx_str_t *name, mx_log_t *log, mx_connection_t *anchor,
    mx_connection_t **cp)
{
    mx_connection_t  *c;
    int               fd, rc, err, one = 1;

    *cp = NULL;

    fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                0);
    if (fd == -1) {
        mx_log_error(MX_LOG_ALERT, log, errno, "socket() failed");
        return MX_ERROR;
    }

    if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
        (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }

    c = mx_conn_create_outgoing(fd, log, anchor);
    if (c == NULL) {
        return MX_BUSY;
    }

    c->tcp_nodelay = 1;

    do {
        rc = connect(fd, sa, socklen);
    } while (rc == -1 && errno == EINTR);

    if (rc == 0) {
        *cp = c;
        return MX_OK;
    }

    err = errno;

    if (err == EINPROGRESS) {
        *cp = c;
        return MX_AGAIN;
    }

    if (err == ECONNREFUSED || err == ENETUNREACH || err == EHOSTUNREACH
        || err == ENETDOWN || err == EHOSTDOWN || err == ETIMEDOUT
        || err == ECONNRESET)
    {
        mx_log_error(MX_LOG_ERR, log, err, "connect() to %.*s failed",
                     MX_STR_ARG(*name));
    } else {
        mx_log_error(MX_LOG_CRIT, log, err, "connect() to %.*s failed",
                     MX_STR_ARG(*name));
    }

    mx_conn_close(c);
    return MX_ERROR;
}


int
mx_event_connect_result(mx_connection_t *c)
{
    int        err = 0;
    socklen_t  len = sizeof(err);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) {
        err = errno;
    }

    if (err) {
        c->error = 1;
        mx_log_error(MX_LOG_ERR, &c->log, err, "connect() failed");
        return MX_ERROR;
    }

    return MX_OK;
}


/* nginx logs these at error level on upstream connections, else alert */
static mx_uint_t
mx_peer_err_level(int err)
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


ssize_t
mx_peer_recv(mx_connection_t *c, u_char *buf, size_t size)
{
    ssize_t  n;

    for ( ;; ) {
        n = recv(c->fd, buf, size, 0);
        if (n >= 0) {
            if (n == 0) {
                c->eof = 1;
            }
            return n;
        }

        if (errno == EINTR) {
            continue;
        }

        if (errno == EAGAIN) {
            return MX_AGAIN;
        }

        c->error = 1;
        mx_log_error(mx_peer_err_level(errno), &c->log, errno,
                     "recv() failed");
        return MX_ERROR;
    }
}


ssize_t
mx_peer_writev(mx_connection_t *c, struct iovec *iov, int n)
{
    struct msghdr  msg;
    ssize_t        rc;

    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = iov;
    msg.msg_iovlen = n;

    for ( ;; ) {
        rc = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
        if (rc >= 0) {
            return rc;
        }

        if (errno == EINTR) {
            continue;
        }

        if (errno == EAGAIN) {
            return MX_AGAIN;
        }

        c->error = 1;
        mx_log_error(mx_peer_err_level(errno), &c->log, errno,
                     "writev() failed");
        return MX_ERROR;
    }
}


ssize_t
mx_peer_sendfile(mx_connection_t *c, int fd, off_t *offset, size_t size)
{
    ssize_t  n;

    for ( ;; ) {
        n = sendfile(c->fd, fd, offset, size);
        if (n >= 0) {
            return n;
        }

        if (errno == EINTR) {
            continue;
        }

        if (errno == EAGAIN) {
            return MX_AGAIN;
        }

        c->error = 1;
        mx_log_error(mx_peer_err_level(errno), &c->log, errno,
                     "sendfile() failed");
        return MX_ERROR;
    }
}


u_char *
mx_sockaddr_text(const struct sockaddr *sa, u_char *buf, size_t size)
{
    char  ip[INET6_ADDRSTRLEN];
    int   n;

    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6  *sin6 = (const struct sockaddr_in6 *) sa;

        inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
        n = snprintf((char *) buf, size, "[%s]:%d", ip,
                     (int) ntohs(sin6->sin6_port));

    } else if (sa->sa_family == AF_INET) {
        const struct sockaddr_in  *sin = (const struct sockaddr_in *) sa;

        inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
        n = snprintf((char *) buf, size, "%s:%d", ip,
                     (int) ntohs(sin->sin_port));

    } else {
        n = snprintf((char *) buf, size, "unix:");
    }

    if (n < 0) {
        return buf;
    }

    return buf + mx_min((size_t) n, size - 1);
}


/* ------------------------------------------------------ watchers */
