#include "mx_http.h"

#include <fcntl.h>
#include <sys/stat.h>

/*
 * Keeping a request body, whatever protocol delivers it: pieces stay
 * where the protocol read them while the body fits in
 * client_body_buffer_size; a larger body goes whole to a temporary file
 * in client_body_temp_path, removed when the request ends. An unbuffered
 * body's pieces are only lent to the reader, links and all.
 */

static mx_uint_t  mx_http_temp_number;


typedef struct {
    int         fd;
    u_char     *path;
} mx_http_temp_file_t;


static void
mx_http_temp_file_cleanup(void *data)
{
    mx_http_temp_file_t  *tf = data;

    if (tf->fd != -1) {
        close(tf->fd);
        tf->fd = -1;
    }

    if (tf->path) {
        (void) unlink((char *) tf->path);
    }
}


static int
mx_http_write_all(mx_http_request_t *r, int fd, const u_char *p, size_t len)
{
    ssize_t  n;

    while (len) {
        n = write(fd, p, len);
        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }

            mx_log_error(MX_LOG_CRIT, &r->connection->log, errno,
                         "write() \"%s\" failed",
                         r->request_body->temp_path.data);
            return MX_ERROR;
        }

        p += n;
        len -= n;
    }

    return MX_OK;
}


/* moves the body kept so far into a new temporary file */
static int
mx_http_body_to_file(mx_http_request_t *r)
{
    mx_http_core_loc_conf_t  *clcf;
    mx_http_request_body_t   *rb = r->request_body;
    mx_pool_cleanup_t        *cln;
    mx_http_temp_file_t      *tf;
    mx_chain_t               *cl;
    u_char                   *path;
    size_t                    len;
    int                       fd, tries;

    clcf = r->loc_conf[mx_http_core_module.ctx_index];

    cln = mx_pool_cleanup_add(r->pool, sizeof(mx_http_temp_file_t));
    if (cln == NULL) {
        return MX_ERROR;
    }

    tf = cln->data;
    tf->fd = -1;
    tf->path = NULL;
    cln->handler = mx_http_temp_file_cleanup;

    len = clcf->client_body_temp_path.len + 1 + 20 + 1;
    path = mx_pnalloc(r->pool, len);
    if (path == NULL) {
        return MX_ERROR;
    }

    for (tries = 0; ; tries++) {
        mx_http_temp_number = mx_http_temp_number * 7 + 1
                              + (mx_uint_t) mx_pid + (mx_uint_t) mx_current_msec;

        snprintf((char *) path, len, "%.*s/%010lu",
                 MX_STR_ARG(clcf->client_body_temp_path),
                 (unsigned long) (mx_http_temp_number % 10000000000UL));

        fd = open((char *) path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
        if (fd != -1) {
            break;
        }

        if (errno == ENOENT && tries == 0) {
            /* the folder is made on first use */
            (void) mkdir((char *) clcf->client_body_temp_path.data, 0700);
            continue;
        }

        if (errno != EEXIST || tries > 16) {
            mx_log_error(MX_LOG_CRIT, &r->connection->log, errno,
                         "open() \"%s\" failed", path);
            return MX_ERROR;
        }
    }

    tf->fd = fd;
    tf->path = path;
    rb->temp_fd = fd;
    rb->temp_path.data = path;
    rb->temp_path.len = strlen((char *) path);

    mx_log_error(MX_LOG_WARN, &r->connection->log, 0,
                 "a client request body is buffered to a temporary file %s",
                 path);

    for (cl = rb->bufs; cl; cl = cl->next) {
        if (mx_http_write_all(r, fd, cl->buf->pos,
                              cl->buf->last - cl->buf->pos) != MX_OK)
        {
            return MX_ERROR;
        }
    }

    rb->bufs = NULL;
    return MX_OK;
}


int
mx_http_request_body_save(mx_http_request_t *r, const u_char *data,
    size_t len)
{
    mx_http_core_loc_conf_t  *clcf;
    mx_http_request_body_t   *rb = r->request_body;
    mx_chain_t               *cl, **ll;
    mx_buf_t                 *b;

    if (rb->temp_fd != -1) {
        return mx_http_write_all(r, rb->temp_fd, data, len);
    }

    clcf = r->loc_conf[mx_http_core_module.ctx_index];

    if (r->request_body_no_buffering) {
        /* a piece for the reader, which sends it on before more is read */
        cl = rb->free;
        if (cl) {
            rb->free = cl->next;
            goto append;
        }

    } else if (rb->received > (off_t) clcf->client_body_buffer_size) {
        if (mx_http_body_to_file(r) != MX_OK) {
            return MX_ERROR;
        }
        return mx_http_write_all(r, rb->temp_fd, data, len);
    }

    /* the piece stays where the protocol read it: zero copies */
    b = mx_pcalloc(r->pool, sizeof(mx_buf_t) + sizeof(mx_chain_t));
    if (b == NULL) {
        return MX_ERROR;
    }

    b->fd = -1;
    cl = (mx_chain_t *) (b + 1);
    cl->buf = b;

append:

    cl->buf->pos = (u_char *) data;
    cl->buf->last = (u_char *) data + len;
    cl->next = NULL;

    for (ll = &rb->bufs; *ll; ll = &(*ll)->next) { /* void */ }
    *ll = cl;

    return MX_OK;
}
