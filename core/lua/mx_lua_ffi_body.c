#include "mx_lua_module.h"
#include "mx_lua_ffi.h"

#include <fcntl.h>
#include <sys/stat.h>

/*
 * ngx.req.read_body, discard_body, get_body_data/get_body_file and the
 * body writers (set_body_data/set_body_file, init_body/append_body/
 * finish_body), after lua-nginx-module's ngx_http_lua_req_body.c.
 *
 * The body is r->request_body as the core keeps it: bufs in memory, or a
 * file (temp_fd, temp_path; bufs NULL). A body built by init_body lives
 * in one buffer (rb->bufs->buf, start..end its room) until it fills up;
 * then it goes on in a temporary file of ours, as nginx writes it.
 */


typedef struct {
    int         fd;
    u_char     *path;
    unsigned    clean:1;          /* remove the file with it */
} mx_ffi_body_file_t;


static int mx_ffi_body_post_read(mx_http_request_t *r);
static int mx_ffi_body_check(mx_http_request_t *r, const char **err);
static void mx_ffi_body_file_cleanup(void *data);
static void mx_ffi_body_drop_file(mx_http_request_t *r);
static int mx_ffi_body_temp_file(mx_http_request_t *r);
static int mx_ffi_body_write(mx_http_request_t *r, const u_char *data,
    size_t len);
static int mx_ffi_body_set_length(mx_http_request_t *r, off_t n);


/* the request whose body mx_http_read_client_body() is reading now,
 * within our call: its post handler then has no one to wake */
static mx_http_request_t  *mx_ffi_body_reading;

static mx_uint_t           mx_ffi_body_temp_number;


/* ---------------------------------------------------------- reading */

int
mx_ffi_req_read_body(mx_http_request_t *r)
{
    int                 rc;
    mx_http_lua_ctx_t  *ctx;

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    /* as nginx: a discarded or already read body is "read" */
    if (r->discard_body
        || (r->request_body
            && (r->request_body->discard || r->request_body->done)))
    {
        return MX_OK;
    }

    mx_ffi_body_reading = r;
    rc = mx_http_read_client_body(r, mx_ffi_body_post_read);
    mx_ffi_body_reading = NULL;

    if (rc == MX_AGAIN && r->request_body && r->request_body->done) {
        /* what had arrived completed it within the call (the post
         * handler ran already, no wakeup will come) */
        return MX_OK;
    }

    if (rc == MX_ERROR) {
        return 500;
    }

    if (rc == MX_AGAIN) {
        ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
        if (ctx) {
            /* the thread that waits for it */
            ctx->body_co = ctx->cur_co;
        }
    }

    return rc;
}


static int
mx_ffi_body_post_read(mx_http_request_t *r)
{
    if (r == mx_ffi_body_reading) {
        /* complete at once: the reader goes on without waiting */
        return MX_OK;
    }

    /* the reader waits in base.yield_wait() */
    mx_http_lua_wakeup(r);

    return MX_OK;
}


int
mx_ffi_req_discard_body(mx_http_request_t *r)
{
    int  rc;

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    rc = mx_http_discard_request_body(r);

    if (rc == MX_ERROR || rc >= 300) {
        return MX_ERROR;
    }

    return MX_OK;
}


int
mx_ffi_req_get_body_data(mx_http_request_t *r, const u_char **data,
    size_t *len)
{
    u_char                  *p;
    size_t                   n;
    mx_buf_t                *b;
    mx_chain_t              *cl;
    mx_http_request_body_t  *rb;

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    rb = r->request_body;

    if (rb == NULL || rb->temp_fd != -1 || rb->bufs == NULL) {
        return MX_DECLINED;
    }

    cl = rb->bufs;

    if (cl->next == NULL) {
        n = cl->buf->last - cl->buf->pos;
        if (n == 0) {
            return MX_DECLINED;
        }

        *data = cl->buf->pos;
        *len = n;
        return MX_OK;
    }

    n = 0;

    for ( /* void */ ; cl; cl = cl->next) {
        n += cl->buf->last - cl->buf->pos;
    }

    if (n == 0) {
        return MX_DECLINED;
    }

    /* joined once: the body becomes one buffer, as with nginx's
     * request_body_in_single_buf */

    b = mx_pcalloc(r->pool, sizeof(mx_buf_t) + sizeof(mx_chain_t));
    p = mx_pnalloc(r->pool, n);
    if (b == NULL || p == NULL) {
        return MX_ERROR;
    }

    b->start = p;
    b->pos = p;
    b->fd = -1;

    for (cl = rb->bufs; cl; cl = cl->next) {
        memcpy(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
        p += cl->buf->last - cl->buf->pos;
    }

    b->last = p;
    b->end = p;

    cl = (mx_chain_t *) (b + 1);
    cl->buf = b;
    cl->next = NULL;
    rb->bufs = cl;

    *data = b->pos;
    *len = n;

    return MX_OK;
}


int
mx_ffi_req_get_body_file(mx_http_request_t *r, const u_char **path,
    size_t *len)
{
    mx_http_request_body_t  *rb;

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    rb = r->request_body;

    if (rb == NULL || rb->temp_fd == -1 || rb->temp_path.len == 0) {
        return MX_DECLINED;
    }

    *path = rb->temp_path.data;
    *len = rb->temp_path.len;

    return MX_OK;
}


/* ---------------------------------------------------------- writing */

int
mx_ffi_req_set_body_data(mx_http_request_t *r, const u_char *data,
    size_t len, const char **err)
{
    int                      rc;
    mx_buf_t                *b;
    mx_chain_t              *cl;
    mx_http_request_body_t  *rb;

    rc = mx_ffi_body_check(r, err);
    if (rc != MX_OK) {
        return rc;
    }

    rb = r->request_body;

    mx_ffi_body_drop_file(r);

    if (len == 0) {
        rb->bufs = NULL;

    } else {
        b = mx_pcalloc(r->pool, sizeof(mx_buf_t) + sizeof(mx_chain_t));
        if (b == NULL) {
            goto nomem;
        }

        b->start = mx_pnalloc(r->pool, len);
        if (b->start == NULL) {
            goto nomem;
        }

        memcpy(b->start, data, len);
        b->pos = b->start;
        b->last = b->start + len;
        b->end = b->last;
        b->fd = -1;

        cl = (mx_chain_t *) (b + 1);
        cl->buf = b;
        cl->next = NULL;
        rb->bufs = cl;
    }

    if (mx_ffi_body_set_length(r, (off_t) len) != MX_OK) {
        *err = "failed to reset the Content-Length input header";
        return MX_ERROR;
    }

    return MX_OK;

nomem:

    *err = "no memory";
    return MX_ERROR;
}


int
mx_ffi_req_set_body_file(mx_http_request_t *r, const u_char *path,
    size_t len, int clean, u_char *errbuf, size_t *errlen)
{
    int                      n, fd;
    u_char                  *name;
    const char              *err, *op;
    struct stat              st;
    mx_pool_cleanup_t       *cln;
    mx_ffi_body_file_t      *tf;
    mx_http_request_body_t  *rb;

    err = NULL;

    if (mx_ffi_body_check(r, &err) != MX_OK) {
        if (err == NULL) {
            return MX_FFI_BAD_CONTEXT;
        }

        goto failed;
    }

    rb = r->request_body;

    name = mx_pnalloc(r->pool, len + 1);
    cln = mx_pool_cleanup_add(r->pool, sizeof(mx_ffi_body_file_t));
    if (name == NULL || cln == NULL) {
        err = "no memory";
        goto failed;
    }

    memcpy(name, path, len);
    name[len] = '\0';

    /* as lua-nginx-module, the old body is gone even if the file fails */
    mx_ffi_body_drop_file(r);
    rb->bufs = NULL;

    /* lua-nginx-module stats the file first, then opens it */
    op = "stat()";
    fd = -1;

    if (stat((char *) name, &st) == 0) {
        op = "open()";

        if (!S_ISDIR(st.st_mode)) {
            fd = open((char *) name, O_RDONLY | O_CLOEXEC);
        }

        if (fd != -1 && fstat(fd, &st) == -1) {
            mx_log_error(MX_LOG_CRIT, &r->connection->log, errno,
                         "fstat() \"%s\" failed", name);
            close(fd);
            fd = -1;
        }
    }

    if (fd == -1) {
        n = snprintf((char *) errbuf, *errlen, "%s \"%s\" failed", op,
                     (char *) name);
        *errlen = n < 0 ? 0 : mx_min((size_t) n, *errlen);
        return MX_ERROR;
    }

    tf = cln->data;
    tf->fd = fd;
    tf->path = name;
    tf->clean = clean ? 1 : 0;
    cln->handler = mx_ffi_body_file_cleanup;

    rb->temp_fd = fd;
    rb->temp_path.data = name;
    rb->temp_path.len = len;

    if (mx_ffi_body_set_length(r, st.st_size) != MX_OK) {
        err = "failed to reset the Content-Length input header";
        goto failed;
    }

    return MX_OK;

failed:

    n = snprintf((char *) errbuf, *errlen, "%s", err);
    *errlen = n < 0 ? 0 : mx_min((size_t) n, *errlen);
    return MX_ERROR;
}


int
mx_ffi_req_init_body(mx_http_request_t *r, long size, const char **err)
{
    int                       rc;
    mx_buf_t                 *b;
    mx_chain_t               *cl;
    mx_http_request_body_t   *rb;
    mx_http_core_loc_conf_t  *clcf;

    rc = mx_ffi_body_check(r, err);
    if (rc != MX_OK) {
        return rc;
    }

    if (size < 0) {
        clcf = mx_http_get_module_loc_conf(r, mx_http_core_module);
        size = (long) clcf->client_body_buffer_size;
    }

    rb = r->request_body;

    mx_ffi_body_drop_file(r);

    r->headers_in.content_length_n = 0;

    b = mx_pcalloc(r->pool, sizeof(mx_buf_t) + sizeof(mx_chain_t));
    if (b == NULL) {
        goto nomem;
    }

    /* a room of 0 bytes writes straight to the file; start still marks
     * the body as ours */
    b->start = mx_pnalloc(r->pool, size ? (size_t) size : 1);
    if (b->start == NULL) {
        goto nomem;
    }

    b->pos = b->start;
    b->last = b->start;
    b->end = b->start + size;
    b->fd = -1;

    cl = (mx_chain_t *) (b + 1);
    cl->buf = b;
    cl->next = NULL;
    rb->bufs = cl;

    return MX_OK;

nomem:

    *err = "no memory";
    return MX_ERROR;
}


int
mx_ffi_req_append_body(mx_http_request_t *r, const u_char *data,
    size_t len, const char **err)
{
    size_t                   n;
    mx_buf_t                *b;
    mx_http_request_body_t  *rb;

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    rb = r->request_body;

    if (rb == NULL || rb->bufs == NULL || rb->bufs->buf->start == NULL) {
        *err = "request_body not initialized";
        return MX_ERROR;
    }

    b = rb->bufs->buf;

    if (b->end == b->start) {
        /* init_body(0): the body goes to the file as it comes */
        if (mx_ffi_body_write(r, data, len) != MX_OK) {
            goto failed;
        }

        r->headers_in.content_length_n += len;
        return MX_OK;
    }

    while (len) {
        if (b->last == b->end) {
            if (mx_ffi_body_write(r, b->pos, b->last - b->pos) != MX_OK) {
                goto failed;
            }

            b->pos = b->start;
            b->last = b->start;
        }

        n = mx_min(len, (size_t) (b->end - b->last));
        memcpy(b->last, data, n);
        b->last += n;
        data += n;
        len -= n;
        r->headers_in.content_length_n += n;
    }

    return MX_OK;

failed:

    *err = "fail to write file";
    return MX_ERROR;
}


int
mx_ffi_req_finish_body(mx_http_request_t *r, const char **err)
{
    mx_buf_t                *b;
    mx_http_request_body_t  *rb;

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    rb = r->request_body;

    if (rb == NULL || rb->bufs == NULL || rb->bufs->buf->start == NULL) {
        *err = "request_body not initialized";
        return MX_ERROR;
    }

    if (rb->temp_fd != -1) {
        /* the rest joins what is in the file; the body is the file */
        b = rb->bufs->buf;

        if (mx_ffi_body_write(r, b->pos, b->last - b->pos) != MX_OK) {
            *err = "fail to write file";
            return MX_ERROR;
        }

        rb->bufs = NULL;
    }

    if (mx_ffi_body_set_length(r, r->headers_in.content_length_n) != MX_OK) {
        *err = "failed to reset the Content-Length input header";
        return MX_ERROR;
    }

    return MX_OK;
}


/* ---------------------------------------------------------- helpers */

/* the body may be replaced: it was read and not discarded */
static int
mx_ffi_body_check(mx_http_request_t *r, const char **err)
{
    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    if (r->discard_body
        || (r->request_body && r->request_body->discard))
    {
        *err = "request body already discarded asynchronously";
        return MX_ERROR;
    }

    if (r->request_body == NULL) {
        *err = "request body not read yet";
        return MX_ERROR;
    }

    return MX_OK;
}


static void
mx_ffi_body_file_cleanup(void *data)
{
    mx_ffi_body_file_t  *tf = data;

    if (tf->fd != -1) {
        close(tf->fd);
        tf->fd = -1;
    }

    if (tf->clean) {
        tf->clean = 0;

        if (unlink((char *) tf->path) == -1 && errno != ENOENT) {
            mx_log_error(MX_LOG_CRIT, mx_cycle->log, errno,
                         "unlink() \"%s\" failed", tf->path);
        }
    }
}


/*
 * The body stops being a file: a file of ours is closed (and removed if
 * it is to be) now, as lua-nginx-module does; the core's own temporary
 * file stays until the request ends.
 */
static void
mx_ffi_body_drop_file(mx_http_request_t *r)
{
    mx_pool_cleanup_t       *cln;
    mx_http_request_body_t  *rb = r->request_body;

    if (rb->temp_fd == -1) {
        return;
    }

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == mx_ffi_body_file_cleanup
            && ((mx_ffi_body_file_t *) cln->data)->fd == rb->temp_fd)
        {
            mx_ffi_body_file_cleanup(cln->data);
            break;
        }
    }

    rb->temp_fd = -1;
    rb->temp_path.len = 0;
    rb->temp_path.data = NULL;
}


/* a temporary file of ours in client_body_temp_path, removed with r */
static int
mx_ffi_body_temp_file(mx_http_request_t *r)
{
    int                       fd, tries;
    u_char                   *path;
    size_t                    len;
    mx_pool_cleanup_t        *cln;
    mx_ffi_body_file_t       *tf;
    mx_http_request_body_t   *rb = r->request_body;
    mx_http_core_loc_conf_t  *clcf;

    clcf = mx_http_get_module_loc_conf(r, mx_http_core_module);

    len = clcf->client_body_temp_path.len + 1 + 20 + 1;

    path = mx_pnalloc(r->pool, len);
    cln = mx_pool_cleanup_add(r->pool, sizeof(mx_ffi_body_file_t));
    if (path == NULL || cln == NULL) {
        return MX_ERROR;
    }

    for (tries = 0; /* void */; tries++) {
        mx_ffi_body_temp_number = mx_ffi_body_temp_number * 7 + 3
                                  + (mx_uint_t) getpid()
                                  + (mx_uint_t) mx_current_msec;

        snprintf((char *) path, len, "%.*s/%010lu",
                 MX_STR_ARG(clcf->client_body_temp_path),
                 (unsigned long) (mx_ffi_body_temp_number % 10000000000UL));

        fd = open((char *) path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC,
                  0600);
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

    tf = cln->data;
    tf->fd = fd;
    tf->path = path;
    tf->clean = 1;
    cln->handler = mx_ffi_body_file_cleanup;

    rb->temp_fd = fd;
    rb->temp_path.data = path;
    rb->temp_path.len = strlen((char *) path);

    mx_log_error(MX_LOG_WARN, &r->connection->log, 0,
                 "a client request body is buffered to a temporary file %s",
                 path);

    return MX_OK;
}


/* appends to the body's temporary file, making it first */
static int
mx_ffi_body_write(mx_http_request_t *r, const u_char *data, size_t len)
{
    ssize_t                  n;
    mx_http_request_body_t  *rb = r->request_body;

    if (rb->temp_fd == -1 && mx_ffi_body_temp_file(r) != MX_OK) {
        return MX_ERROR;
    }

    while (len) {
        n = write(rb->temp_fd, data, len);

        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }

            mx_log_error(MX_LOG_CRIT, &r->connection->log, errno,
                         "write() \"%s\" failed", rb->temp_path.data);
            return MX_ERROR;
        }

        data += n;
        len -= n;
    }

    return MX_OK;
}


/* the Content-Length request header follows the body (n >= 0) */
static int
mx_ffi_body_set_length(mx_http_request_t *r, off_t n)
{
    u_char      buf[24], *p;
    const char  *err;

    p = mx_sprint_uint(buf, (uint64_t) n);

    return mx_ffi_req_set_header(r, (const u_char *) "Content-Length", 14,
                                 buf, p - buf, NULL, 0, 1, &err);
}
