#include "mx_lua_internal.h"
#include "mx_lua_ffi.h"

/*
 * ngx.say/ngx.print output. Lua output is gathered in request-pool
 * buffers and handed to the output filter in batches: when enough is
 * pending, and at the end of the handler with the last buffer, so that a
 * small response goes out with its header in one write.
 */

/* pending bytes that make us pass the body on */
#define MX_HTTP_LUA_FLUSH_SIZE   16384

/* the first buffer fits a pool block; later ones grow */
#define MX_HTTP_LUA_BUF_FIRST    512
#define MX_HTTP_LUA_BUF_NEXT     4000
#define MX_HTTP_LUA_BUF_LARGE    16384


/*
 * A buffer of Lua output, kept on the request's lists once handed to the
 * output filter (busy) and taken again when the protocol has written
 * everything (free), so that a handler that flushes often does not grow
 * the request's pool per flush.
 */
struct mx_http_lua_outbuf_s {
    mx_buf_t                  buf;
    mx_chain_t                cl;
    mx_http_lua_outbuf_t     *next;      /* busy or free */
};


static mx_chain_t *mx_http_lua_alloc_buf(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx, size_t size);


int
mx_http_lua_send_header_if_needed(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx)
{
    if (r->header_sent || ctx->header_sent) {
        return MX_OK;
    }

    if (r->headers_out.status == 0) {
        r->headers_out.status = 200;
    }

    if (!ctx->mime_set) {
        ctx->mime_set = 1;

        if (r->headers_out.status != 304
            && mx_http_set_content_type(r) == MX_ERROR)
        {
            return MX_ERROR;
        }

        /* decided, even when there is no default_type */
        r->headers_out.content_type_set = 1;
    }

    if (!ctx->headers_set) {
        r->headers_out.content_length_n = -1;
    }

    /* HTTP/1.0 without Content-Length: the whole body is gathered to
     * count it (lua_http10_buffering), and the header stays open */
    if (r->http_version < MX_HTTP_VERSION_11
        && r->headers_out.content_length_n < 0
        && !(r->method & MX_HTTP_HEAD))
    {
        ctx->buffering = 1;
    }

    if (!ctx->buffering) {
        ctx->header_sent = 1;
    }

    return MX_OK;
}


static mx_chain_t *
mx_http_lua_alloc_buf(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    size_t size)
{
    u_char                 *start;
    mx_http_lua_outbuf_t   *ob, **pp;

    if (r->out == NULL && ctx->busy) {
        /* all that went out is written: the buffers are free again */
        *ctx->busy_last = ctx->free;
        ctx->free = ctx->busy;
        ctx->busy = NULL;
        ctx->busy_last = &ctx->busy;
    }

    /* a free one with room enough */
    for (pp = &ctx->free; *pp; pp = &(*pp)->next) {
        if ((size_t) ((*pp)->buf.end - (*pp)->buf.start) >= size) {
            break;
        }
    }

    ob = *pp;

    if (ob) {
        *pp = ob->next;
        start = ob->buf.start;
        size = ob->buf.end - ob->buf.start;

    } else {
        ob = mx_palloc(r->pool, sizeof(mx_http_lua_outbuf_t));
        if (ob == NULL) {
            return NULL;
        }

        start = NULL;

        if (size) {
            start = mx_pnalloc(r->pool, size);
            if (start == NULL) {
                return NULL;
            }
        }
    }

    memset(&ob->buf, 0, sizeof(mx_buf_t));
    ob->buf.start = start;
    ob->buf.pos = start;
    ob->buf.last = start;
    ob->buf.end = start + size;
    ob->buf.fd = -1;

    ob->cl.buf = &ob->buf;
    ob->cl.next = NULL;

    ob->next = NULL;

    *ctx->last_out = &ob->cl;
    ctx->last_out = &ob->cl.next;
    ctx->buf = &ob->buf;

    return &ob->cl;
}


/* ngx.flush(): a flush buffer after what is pending */
int
mx_http_lua_add_flush(mx_http_request_t *r, mx_http_lua_ctx_t *ctx)
{
    mx_chain_t  *cl;

    cl = mx_http_lua_alloc_buf(r, ctx, 0);
    if (cl == NULL) {
        return MX_ERROR;
    }

    cl->buf->flush = 1;
    ctx->buf = NULL;

    return MX_OK;
}


int
mx_http_lua_output(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    const u_char *data, size_t len)
{
    size_t     n, size;
    mx_buf_t  *b;

    if (ctx->header_only) {
        return MX_OK;
    }

    while (len) {
        b = ctx->buf;

        if (b == NULL || b->last == b->end) {
            if (ctx->out == NULL && ctx->pending == 0 && b == NULL) {
                size = MX_HTTP_LUA_BUF_FIRST;

            } else if (ctx->pending < MX_HTTP_LUA_BUF_NEXT) {
                size = MX_HTTP_LUA_BUF_NEXT;

            } else {
                size = MX_HTTP_LUA_BUF_LARGE;
            }

            /* a large piece gets one buffer of its own size */
            if (len > size) {
                size = len;
            }

            if (mx_http_lua_alloc_buf(r, ctx, size) == NULL) {
                return MX_ERROR;
            }

            b = ctx->buf;
        }

        n = mx_min(len, (size_t) (b->end - b->last));
        memcpy(b->last, data, n);
        b->last += n;
        data += n;
        len -= n;
        ctx->pending += n;
    }

    if (ctx->pending >= MX_HTTP_LUA_FLUSH_SIZE && !ctx->buffering) {
        if (mx_http_lua_has_lua_filters(r)) {
            /* Lua filters must not run inside an FFI call */
            return MX_AGAIN;
        }

        return mx_http_lua_flush(r, ctx, 0);
    }

    return MX_OK;
}


int
mx_http_lua_flush(mx_http_request_t *r, mx_http_lua_ctx_t *ctx, int last)
{
    int                     rc;
    mx_chain_t             *cl, *ln;
    mx_http_lua_outbuf_t   *ob;

    if (ctx->eof) {
        return MX_OK;
    }

    if (!r->header_sent) {
        rc = mx_http_lua_send_header_if_needed(r, ctx);
        if (rc != MX_OK) {
            return rc;
        }

        if (ctx->buffering) {
            if (!last) {
                return MX_OK;
            }

            if (r->headers_out.content_length_n < 0) {
                r->headers_out.content_length_n = (off_t) ctx->pending;
            }
        }

        rc = mx_http_send_header(r);
        if (rc == MX_ERROR || rc > MX_OK) {
            return rc;
        }
    }

    if (ctx->out == NULL && !last) {
        return MX_OK;
    }

    if (last) {
        if (ctx->buf) {
            ctx->buf->last_buf = 1;

        } else {
            cl = mx_http_lua_alloc_buf(r, ctx, 0);
            if (cl == NULL) {
                return MX_ERROR;
            }

            cl->buf->last_buf = 1;
        }

        ctx->eof = 1;
    }

    cl = ctx->out;

    ctx->out = NULL;
    ctx->last_out = &ctx->out;
    ctx->buf = NULL;
    ctx->pending = 0;

    /* ours until the protocol has written them */
    for (ln = cl; ln; ln = ln->next) {
        ob = (mx_http_lua_outbuf_t *)
                 ((u_char *) ln - offsetof(mx_http_lua_outbuf_t, cl));
        *ctx->busy_last = ob;
        ctx->busy_last = &ob->next;
    }

    rc = mx_http_output_filter(r, cl);

    if (rc == MX_AGAIN) {
        /* queued: the protocol writes it when the socket is ready */
        return MX_OK;
    }

    return rc;
}


int
mx_ffi_output(mx_http_request_t *r, const u_char *data, size_t len,
    int flags, const char **err)
{
    int                 rc;
    mx_http_lua_ctx_t  *ctx;

    if (r == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL) {
        *err = "no request ctx found";
        return MX_FFI_BAD_CONTEXT;
    }

    if (!(ctx->context & MX_LUA_CONTEXT_YIELDABLE)) {
        *err = mx_http_lua_context_error(ctx->context);
        return MX_FFI_BAD_CONTEXT;
    }

    if (flags & MX_FFI_OUTPUT_MORE) {
        /* the first piece did the checks; HEAD drops the rest */
        if (ctx->header_only || ctx->eof) {
            return MX_OK;
        }

        goto append;
    }

    if (ctx->header_only) {
        *err = "header only";
        return MX_DECLINED;
    }

    if (ctx->eof) {
        *err = "seen eof";
        return MX_DECLINED;
    }

    if (mx_http_lua_send_header_if_needed(r, ctx) != MX_OK) {
        *err = "nginx output filter error";
        return MX_ERROR;
    }

    if (r->method & MX_HTTP_HEAD) {
        /* the header goes now, the body nowhere, as lua-nginx-module */
        ctx->header_only = 1;

        if (mx_http_lua_has_lua_filters(r)) {
            return MX_AGAIN;
        }

        rc = mx_http_lua_flush(r, ctx, 0);
        if (rc == MX_ERROR || rc >= 300) {
            *err = "nginx output filter error";
            return MX_ERROR;
        }

        return MX_OK;
    }

append:

    rc = MX_OK;

    if (len) {
        rc = mx_http_lua_output(r, ctx, data, len);
        if (rc == MX_ERROR || rc >= 300) {
            goto failed;
        }
    }

    if (flags & MX_FFI_OUTPUT_NEWLINE) {
        rc = mx_http_lua_output(r, ctx, (const u_char *) "\n", 1);
        if (rc == MX_ERROR || rc >= 300) {
            goto failed;
        }
    }

    /* MX_AGAIN: Lua passes the output on with a classic C call */
    return rc;

failed:

    *err = "nginx output filter error";
    return MX_ERROR;
}
