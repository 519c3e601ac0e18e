#include "mx_event.h"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/uio.h>

struct ev_loop   *mx_loop;
volatile int      mx_quit;
volatile int      mx_terminate;
int               mx_exiting;
mx_uint_t         mx_connection_count;
void            (*mx_exiting_hook)(void);
mx_uint_t         mx_busy_tasks;
mx_uint_t         mx_worker_connections = 512;

static mx_connection_t  *mx_active_head;
static mx_uint_t         mx_connection_number;

static void mx_accept_cb(struct ev_loop *loop, ev_io *w, int revents);
static void mx_conn_read_cb(struct ev_loop *loop, ev_io *w, int revents);
static void mx_conn_write_cb(struct ev_loop *loop, ev_io *w, int revents);
static void mx_conn_rtimer_cb(struct ev_loop *loop, ev_timer *w, int rev);
static void mx_conn_wtimer_cb(struct ev_loop *loop, ev_timer *w, int rev);


mx_uint_t
mx_conn_next_number(void)
{
    return ++mx_connection_number;
}


int
mx_event_init(void)
{
    if (mx_loop) {
        return MX_OK;
    }

    mx_loop = ev_default_loop(EVFLAG_AUTO);
    if (mx_loop == NULL) {
        return MX_ERROR;
    }

    return MX_OK;
}


int
mx_listening_open(mx_array_t *listening, mx_log_t *log)
{
    mx_listening_t  *ls;
    mx_uint_t        i;
    int              fd, one = 1;

    ls = listening->elts;

    for (i = 0; i < listening->nelts; i++) {
        if (ls[i].fd != -1) {
            continue;
        }

        fd = socket(ls[i].sockaddr.ss_family,
                    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd == -1) {
            mx_log_error(MX_LOG_EMERG, log, errno, "socket() %.*s failed",
                         MX_STR_ARG(ls[i].addr_text));
            return MX_ERROR;
        }

        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));

        if (ls[i].reuseport) {
            (void) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
                              sizeof(one));
        }

        if (ls[i].sockaddr.ss_family == AF_INET6) {
            (void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
                              sizeof(one));
        }

        if (bind(fd, (struct sockaddr *) &ls[i].sockaddr, ls[i].socklen)
            == -1)
        {
            mx_log_error(MX_LOG_EMERG, log, errno, "bind() to %.*s failed",
                         MX_STR_ARG(ls[i].addr_text));
            close(fd);
            return MX_ERROR;
        }

        if (listen(fd, ls[i].backlog) == -1) {
            mx_log_error(MX_LOG_EMERG, log, errno,
                         "listen() to %.*s, backlog %d failed",
                         MX_STR_ARG(ls[i].addr_text), ls[i].backlog);
            close(fd);
            return MX_ERROR;
        }

        ls[i].fd = fd;
        ls[i].bound = 1;
    }

    return MX_OK;
}


void
mx_listening_enable(mx_array_t *listening)
{
    mx_listening_t  *ls;
    mx_uint_t        i;

    ls = listening->elts;
    for (i = 0; i < listening->nelts; i++) {
        if (ls[i].fd == -1 || ev_is_active(&ls[i].watcher)) {
            continue;
        }

        ev_io_init(&ls[i].watcher, mx_accept_cb, ls[i].fd, EV_READ);
        ls[i].watcher.data = &ls[i];
        ev_io_start(mx_loop, &ls[i].watcher);
    }
}


void
mx_listening_disable(mx_array_t *listening)
{
    mx_listening_t  *ls;
    mx_uint_t        i;

    ls = listening->elts;
    for (i = 0; i < listening->nelts; i++) {
        if (ev_is_active(&ls[i].watcher)) {
            ev_io_stop(mx_loop, &ls[i].watcher);
        }
    }
}


void
mx_listening_close(mx_array_t *listening)
{
    mx_listening_t  *ls;
    mx_uint_t        i;

    ls = listening->elts;
    for (i = 0; i < listening->nelts; i++) {
        if (mx_loop && ev_is_active(&ls[i].watcher)) {
            ev_io_stop(mx_loop, &ls[i].watcher);
        }

        if (ls[i].fd != -1 && !ls[i].inherited) {
            close(ls[i].fd);
            ls[i].fd = -1;
        }
    }
}


static void
mx_active_link(mx_connection_t *c)
{
    c->prev_active = NULL;
    c->next_active = mx_active_head;
    if (mx_active_head) {
        mx_active_head->prev_active = c;
    }
    mx_active_head = c;
}


static void
mx_active_unlink(mx_connection_t *c)
{
    if (c->prev_active) {
        c->prev_active->next_active = c->next_active;
    } else {
        mx_active_head = c->next_active;
    }

    if (c->next_active) {
        c->next_active->prev_active = c->prev_active;
    }
}


static void
mx_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    mx_listening_t   *ls = w->data;
    mx_connection_t  *c;
    struct sockaddr_storage  sa;
    socklen_t         len;
    int               fd, n;
    char              text[INET6_ADDRSTRLEN];

    mx_unused(loop);
    mx_unused(revents);

    mx_time_update();

    /* accept a batch, bounded so that one busy socket cannot starve */
    for (n = 0; n < 64; n++) {
        if (mx_exiting) {
            return;
        }

        len = sizeof(sa);
        fd = accept4(ls->fd, (struct sockaddr *) &sa, &len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd == -1) {
            if (errno == EAGAIN || errno == EINTR
                || errno == ECONNABORTED)
            {
                return;
            }

            mx_log_error(MX_LOG_ALERT, ls->log, errno, "accept4() failed");

            if (errno == EMFILE || errno == ENFILE) {
                /* let some connections close before accepting again */
                return;
            }

            return;
        }

        if (mx_connection_count >= mx_worker_connections) {
            mx_log_error(MX_LOG_ALERT, ls->log, 0,
                         "%lu worker_connections are not enough",
                         (unsigned long) mx_worker_connections);
            close(fd);
            return;
        }

        c = calloc(1, sizeof(mx_connection_t));
        if (c == NULL) {
            close(fd);
            return;
        }

        c->pool = mx_pool_create(512);
        if (c->pool == NULL) {
            free(c);
            close(fd);
            return;
        }

        c->fd = fd;
        c->listening = ls;
        memcpy(&c->sockaddr, &sa, len);
        c->socklen = len;
        c->local_socklen = sizeof(c->local_sockaddr);
        if (getsockname(fd, (struct sockaddr *) &c->local_sockaddr,
                        &c->local_socklen) == -1)
        {
            c->local_socklen = 0;
        }

        text[0] = '\0';
        if (sa.ss_family == AF_INET) {
            inet_ntop(AF_INET, &((struct sockaddr_in *) &sa)->sin_addr,
                      text, sizeof(text));
        } else if (sa.ss_family == AF_INET6) {
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *) &sa)->sin6_addr,
                      text, sizeof(text));
        } else {
            strcpy(text, "unix:");
        }

        if (mx_str_dup_raw(c->pool, &c->addr_text, text) != MX_OK) {
            mx_pool_destroy(c->pool);
            free(c);
            close(fd);
            return;
        }

        c->log = *ls->log;
        c->number = mx_conn_next_number();
        c->log.connection = c->number;

        mx_conn_init(c, fd);

        ls->handler(c);
    }
}


static void
mx_conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    mx_connection_t  *c = w->data;

    mx_unused(revents);

    if (c->read_off) {
        c->read_off = 0;
        ev_io_stop(loop, w);
        return;
    }

    mx_time_update();
    if (c->read_handler) {
        c->read_handler(c);
    }
}


static void
mx_conn_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    mx_connection_t  *c = w->data;

    mx_unused(loop);
    mx_unused(revents);

    mx_time_update();
    if (c->write_handler) {
        c->write_handler(c);
    }
}


static void
mx_conn_rtimer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    mx_connection_t  *c = w->data;

    mx_unused(loop);
    mx_unused(revents);

    mx_time_update();
    c->read_timedout = 1;
    if (c->read_handler) {
        c->read_handler(c);
    }
}


static void
mx_conn_wtimer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    mx_connection_t  *c = w->data;

    mx_unused(loop);
    mx_unused(revents);

    mx_time_update();
    c->write_timedout = 1;
    if (c->write_handler) {
        c->write_handler(c);
    }
}


void
mx_conn_init(mx_connection_t *c, int fd)
{
    c->fd = fd;

    ev_io_init(&c->rev, mx_conn_read_cb, fd, EV_READ);
    ev_io_init(&c->wev, mx_conn_write_cb, fd, EV_WRITE);
    ev_init(&c->read_timer, mx_conn_rtimer_cb);
    ev_init(&c->write_timer, mx_conn_wtimer_cb);
    c->rev.data = c;
    c->wev.data = c;
    c->read_timer.data = c;
    c->write_timer.data = c;

    mx_connection_count++;
    mx_active_link(c);
}


ssize_t
mx_conn_recv(mx_connection_t *c, u_char *buf, size_t size)
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
        mx_log_error(MX_LOG_INFO, &c->log, errno, "recv() failed");
        return MX_ERROR;
    }
}


ssize_t
mx_conn_send(mx_connection_t *c, const u_char *buf, size_t size)
{
    ssize_t  n;

    for ( ;; ) {
        n = send(c->fd, buf, size, MSG_NOSIGNAL);
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
        mx_log_error(MX_LOG_INFO, &c->log, errno, "send() failed");
        return MX_ERROR;
    }
}


ssize_t
mx_conn_writev(mx_connection_t *c, struct iovec *iov, int n)
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
        mx_log_error(MX_LOG_INFO, &c->log, errno, "writev() failed");
        return MX_ERROR;
    }
}


/*
 * Reading is turned off lazily: libev's epoll backend pays two system
 * calls to stop a watcher and start it again on a later turn (a request
 * waiting for its upstream, then the next request on the connection),
 * so the watcher stays on and is stopped only if an event comes while
 * reading is off.
 */
void
mx_conn_want_read(mx_connection_t *c, int on)
{
    if (on) {
        c->read_off = 0;

        if (!ev_is_active(&c->rev)) {
            ev_io_start(mx_loop, &c->rev);
        }

    } else if (ev_is_active(&c->rev)) {
        c->read_off = 1;
    }
}


int
mx_conn_reading(mx_connection_t *c)
{
    return ev_is_active(&c->rev) && !c->read_off;
}


void
mx_conn_want_write(mx_connection_t *c, int on)
{
    if (on && !ev_is_active(&c->wev)) {
        ev_io_start(mx_loop, &c->wev);

    } else if (!on && ev_is_active(&c->wev)) {
        ev_io_stop(mx_loop, &c->wev);
    }
}


void
mx_conn_read_timer(mx_connection_t *c, mx_msec_t ms)
{
    ev_timer_stop(mx_loop, &c->read_timer);
    c->read_timedout = 0;

    if (ms > 0) {
        ev_timer_set(&c->read_timer, (ev_tstamp) ms / 1000.0, 0.0);
        ev_timer_start(mx_loop, &c->read_timer);
    }
}


void
mx_conn_write_timer(mx_connection_t *c, mx_msec_t ms)
{
    ev_timer_stop(mx_loop, &c->write_timer);
    c->write_timedout = 0;

    if (ms > 0) {
        ev_timer_set(&c->write_timer, (ev_tstamp) ms / 1000.0, 0.0);
        ev_timer_start(mx_loop, &c->write_timer);
    }
}


void
mx_conn_close(mx_connection_t *c)
{
    if (c->destroyed) {
        return;
    }

    c->destroyed = 1;

    ev_io_stop(mx_loop, &c->rev);
    ev_io_stop(mx_loop, &c->wev);
    ev_timer_stop(mx_loop, &c->read_timer);
    ev_timer_stop(mx_loop, &c->write_timer);

    mx_active_unlink(c);
    mx_connection_count--;

    if (c->fd != -1) {
        close(c->fd);
        c->fd = -1;
    }

    mx_pool_destroy(c->pool);
    free(c);
}


void
mx_conn_close_idle(void)
{
    mx_connection_t  *c, *next;

    for (c = mx_active_head; c; c = next) {
        next = c->next_active;
        if (c->idle) {
            c->close = 1;
            if (c->read_handler) {
                c->read_handler(c);
            }
        }
    }
}


mx_uint_t
mx_conn_busy_count(void)
{
    mx_connection_t  *c;
    mx_uint_t         n;

    n = 0;
    for (c = mx_active_head; c; c = c->next_active) {
        if (!c->idle) {
            n++;
        }
    }

    return n;
}
