#include "mx_lua_internal.h"
#include "mx_lua_ffi.h"

#include <lauxlib.h>

/*
 * header_filter_by_lua* and body_filter_by_lua*: output filters inserted
 * at the top of the core's chains when the configuration has such
 * directives, and the FFI exports behind ngx.arg in a body filter.
 *
 * As in lua-nginx-module, a body filter does not drop Content-Length: a
 * filter that changes the body's length clears it itself in a header
 * filter (ngx.header.content_length = nil).
 */

static int mx_http_lua_header_filter(mx_http_request_t *r);
static int mx_http_lua_body_filter(mx_http_request_t *r, mx_chain_t *in);
static int mx_http_lua_filter_finalize(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx, mx_int_t code);
static mx_chain_t *mx_http_lua_filter_in_memory(mx_http_request_t *r,
    mx_chain_t *in);
static mx_http_lua_ctx_t *mx_http_lua_body_filter_ctx(mx_http_request_t *r);


static mx_http_output_header_filter_pt  mx_http_lua_next_header_filter;
static mx_http_output_body_filter_pt    mx_http_lua_next_body_filter;


int
mx_http_lua_filters_init(mx_conf_t *cf, mx_http_lua_main_conf_t *lmcf)
{
    mx_unused(cf);

    /* (a reload keeps the filters of the previous configuration) */

    if (lmcf->requires_header_filter
        && mx_http_top_header_filter != mx_http_lua_header_filter)
    {
        mx_http_lua_next_header_filter = mx_http_top_header_filter;
        mx_http_top_header_filter = mx_http_lua_header_filter;
    }

    if (lmcf->requires_body_filter
        && mx_http_top_body_filter != mx_http_lua_body_filter)
    {
        mx_http_lua_next_body_filter = mx_http_top_body_filter;
        mx_http_top_body_filter = mx_http_lua_body_filter;
    }

    return MX_OK;
}


/* ----------------------------------------------------- header filter */

static int
mx_http_lua_header_filter(mx_http_request_t *r)
{
    int                      rc;
    unsigned                 sent, lua_sent;
    mx_int_t                 code;
    lua_State               *L;
    mx_http_lua_ctx_t       *ctx;
    mx_http_lua_loc_conf_t  *llcf;

    llcf = mx_http_get_module_loc_conf(r, mx_http_lua_module);

    if (!mx_http_lua_hook_isset(&llcf->header_filter)) {
        return mx_http_lua_next_header_filter(r);
    }

    ctx = mx_http_lua_get_ctx(r);
    if (ctx == NULL) {
        return MX_ERROR;
    }

    L = mx_http_lua_get_vm(r, ctx);
    if (L == NULL) {
        return MX_ERROR;
    }

    if (mx_http_lua_hook_push(r, L, &llcf->header_filter) != MX_OK) {
        return MX_ERROR;
    }

    /* for the Lua code, the header is still being made: it may change it */
    sent = r->header_sent;
    lua_sent = ctx->header_sent;
    r->header_sent = 0;
    ctx->header_sent = 0;
    ctx->exited = 0;

    rc = mx_http_lua_call_hook(r, ctx, L, MX_LUA_CONTEXT_HEADER_FILTER, 0, 0,
                               "header_filter_by_lua*");

    r->header_sent = sent;
    ctx->header_sent = lua_sent;

    if (rc != MX_OK) {
        return MX_ERROR;
    }

    if (ctx->exited) {
        /* ngx.exit() returned there: the code went on to its end */
        ctx->exited = 0;
        code = ctx->exit_code;

        if (code == MX_ERROR || code == MX_HTTP_CLOSE || code == 408
            || code == MX_HTTP_CLIENT_CLOSED_REQUEST)
        {
            return MX_ERROR;
        }

        if (code >= 200 && !ctx->filter_finalized) {
            return mx_http_lua_filter_finalize(r, ctx, code);
        }
    }

    return mx_http_lua_next_header_filter(r);
}


/*
 * ngx.exit(status) in a header filter: the response is replaced by the
 * status's own (its built-in page), as nginx's filter finalization; the
 * original body is dropped when it comes, since the new response's last
 * buffer has gone out.
 */
static int
mx_http_lua_filter_finalize(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    mx_int_t code)
{
    int                       rc;
    mx_uint_t                 i;
    mx_http_err_page_t       *err;
    mx_http_core_loc_conf_t  *clcf;

    ctx->filter_finalized = 1;

    clcf = r->loc_conf[mx_http_core_module.ctx_index];

    if (!r->error_page && clcf->error_pages && r->uri_changes == 0) {
        err = clcf->error_pages->elts;

        for (i = 0; i < clcf->error_pages->nelts; i++) {
            if (err[i].status == (mx_uint_t) code) {
                /*
                 * an error page: a redirect cannot happen inside the
                 * filter chain of the handler producing the response, so
                 * this header fails and the request's finalization goes
                 * to the page instead (as nginx's filter finalization)
                 */
                r->filter_finalize_status = (mx_uint_t) code;
                return MX_ERROR;
            }
        }
    }

    r->headers_out.headers.nelts = 0;
    r->headers_out.status = 0;
    r->headers_out.status_line.len = 0;
    r->headers_out.content_type.len = 0;
    r->headers_out.content_type.data = NULL;
    r->headers_out.content_type_set = 1;     /* none, unless a page's */
    r->headers_out.content_length_n = -1;
    r->headers_out.location = NULL;
    r->headers_out.last_modified_time = -1;
    r->header_only = 0;

    /* the new header goes through the filters again, from the top */
    r->header_sent = 0;
    r->error_page = 1;

    rc = mx_http_special_response_handler(r, (mx_uint_t) code);
    if (rc == MX_ERROR) {
        return MX_ERROR;
    }

    /* this (the original) header must not go out */
    return MX_OK;
}


/* ------------------------------------------------------- body filter */

static int
mx_http_lua_body_filter(mx_http_request_t *r, mx_chain_t *in)
{
    int                      rc, replaced, flush;
    mx_int_t                 ret;
    mx_buf_t                *b;
    mx_chain_t              *cl, *out, *last;
    lua_State               *L;
    mx_http_lua_ctx_t       *ctx;
    mx_http_lua_loc_conf_t  *llcf;

    llcf = mx_http_get_module_loc_conf(r, mx_http_lua_module);

    if (!mx_http_lua_hook_isset(&llcf->body_filter) || in == NULL) {
        return mx_http_lua_next_body_filter(r, in);
    }

    ctx = mx_http_lua_get_ctx(r);
    if (ctx == NULL) {
        return MX_ERROR;
    }

    if (ctx->seen_last_in_filter) {
        /* ngx.arg[2] = true ended the body: the rest is dropped */
        return MX_OK;
    }

    L = mx_http_lua_get_vm(r, ctx);
    if (L == NULL) {
        return MX_ERROR;
    }

    in = mx_http_lua_filter_in_memory(r, in);
    if (in == NULL) {
        return MX_ERROR;
    }

    if (mx_http_lua_hook_push(r, L, &llcf->body_filter) != MX_OK) {
        return MX_ERROR;
    }

    ctx->filter_in = in;
    ctx->filter_out = NULL;
    ctx->filter_eof = 0;
    ctx->filter_eof_set = 0;

    flush = 0;

    for (cl = in; cl; cl = cl->next) {
        if (cl->buf->last_buf) {
            ctx->filter_eof = 1;
        }

        if (cl->buf->flush) {
            flush = 1;
        }
    }

    rc = mx_http_lua_call_hook(r, ctx, L, MX_LUA_CONTEXT_BODY_FILTER, 0, 1,
                               "body_filter_by_lua*");

    replaced = ctx->filter_out != NULL;
    out = replaced ? ctx->filter_out : in;
    ctx->filter_in = NULL;
    ctx->filter_out = NULL;

    if (rc != MX_OK) {
        return MX_ERROR;
    }

    /* "return ngx.ERROR" aborts the response */
    ret = lua_type(L, -1) == LUA_TNUMBER ? (mx_int_t) lua_tointeger(L, -1)
                                         : MX_OK;
    lua_pop(L, 1);

    if (ret == MX_ERROR) {
        return MX_ERROR;
    }

    if (ctx->filter_eof_set || replaced) {
        /* the last buffer flag follows ngx.arg[2] */
        last = NULL;

        for (cl = out; cl; cl = cl->next) {
            cl->buf->last_buf = 0;
            last = cl;
        }

        if (replaced && flush) {
            last->buf->flush = 1;
        }

        if (ctx->filter_eof) {
            if (last == NULL) {
                b = mx_pcalloc(r->pool, sizeof(mx_buf_t)
                                        + sizeof(mx_chain_t));
                if (b == NULL) {
                    return MX_ERROR;
                }

                last = (mx_chain_t *) (b + 1);
                b->fd = -1;
                last->buf = b;
                last->next = NULL;
                out = last;
            }

            last->buf->last_buf = 1;
            ctx->seen_last_in_filter = 1;
        }
    }

    return mx_http_lua_next_body_filter(r, out);
}


/*
 * Lua sees the body in memory: buffers of files (static responses) are
 * read into the pool, as nginx reads them for filters that need memory.
 * NULL on failure (logged).
 */
static mx_chain_t *
mx_http_lua_filter_in_memory(mx_http_request_t *r, mx_chain_t *in)
{
    size_t       size, n;
    ssize_t      got;
    mx_buf_t    *b, *ob;
    mx_chain_t  *cl, *out, **ll;

    for (cl = in; cl; cl = cl->next) {
        if (cl->buf->in_file) {
            break;
        }
    }

    if (cl == NULL) {
        return in;
    }

    out = NULL;
    ll = &out;

    for (cl = in; cl; cl = cl->next) {
        ob = cl->buf;

        b = mx_pcalloc(r->pool, sizeof(mx_buf_t) + sizeof(mx_chain_t));
        if (b == NULL) {
            return NULL;
        }

        if (ob->in_file) {
            size = (size_t) (ob->file_last - ob->file_pos);

            b->start = mx_pnalloc(r->pool, size ? size : 1);
            if (b->start == NULL) {
                return NULL;
            }

            for (n = 0; n < size; n += (size_t) got) {
                got = pread(ob->fd, b->start + n, size - n,
                            ob->file_pos + (off_t) n);

                if (got <= 0) {
                    if (got == -1 && errno == EINTR) {
                        got = 0;
                        continue;
                    }

                    mx_log_error(MX_LOG_CRIT, &r->connection->log,
                                 got == 0 ? 0 : errno, "pread() failed");
                    return NULL;
                }
            }

            b->pos = b->start;
            b->last = b->start + size;
            b->end = b->last;
            b->fd = -1;
            b->last_buf = ob->last_buf;
            b->flush = ob->flush;

            /* consumed */
            ob->file_pos = ob->file_last;

        } else {
            *b = *ob;
        }

        *ll = (mx_chain_t *) (b + 1);
        (*ll)->buf = b;
        (*ll)->next = NULL;
        ll = &(*ll)->next;
    }

    return out;
}


/* ------------------------------------------------ ngx.arg (body filter) */

static mx_http_lua_ctx_t *
mx_http_lua_body_filter_ctx(mx_http_request_t *r)
{
    mx_http_lua_ctx_t  *ctx;

    if (r == NULL) {
        return NULL;
    }

    ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
    if (ctx == NULL || ctx->context != MX_LUA_CONTEXT_BODY_FILTER) {
        return NULL;
    }

    return ctx;
}


int
mx_ffi_body_filter_get_body(mx_http_request_t *r, const u_char **data,
    size_t *len)
{
    size_t              total;
    mx_buf_t           *b, *one;
    mx_chain_t         *cl;
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_lua_body_filter_ctx(r);
    if (ctx == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    total = 0;
    one = NULL;

    for (cl = ctx->filter_out ? ctx->filter_out : ctx->filter_in;
         cl;
         cl = cl->next)
    {
        b = cl->buf;

        if (b->last > b->pos) {
            total += b->last - b->pos;
            one = one ? (mx_buf_t *) 1 : b;
        }
    }

    *len = total;

    if (one == NULL) {
        *data = (const u_char *) "";
        return MX_OK;
    }

    if (one != (mx_buf_t *) 1) {
        *data = one->pos;
        return MX_OK;
    }

    /* several buffers: Lua makes room, then copies */
    return MX_AGAIN;
}


int
mx_ffi_body_filter_copy_body(mx_http_request_t *r, u_char *buf)
{
    mx_buf_t           *b;
    mx_chain_t         *cl;
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_lua_body_filter_ctx(r);
    if (ctx == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    for (cl = ctx->filter_out ? ctx->filter_out : ctx->filter_in;
         cl;
         cl = cl->next)
    {
        b = cl->buf;

        if (b->last > b->pos) {
            memcpy(buf, b->pos, b->last - b->pos);
            buf += b->last - b->pos;
        }
    }

    return MX_OK;
}


int
mx_ffi_body_filter_get_eof(mx_http_request_t *r)
{
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_lua_body_filter_ctx(r);
    if (ctx == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    return ctx->filter_eof ? 1 : 0;
}


int
mx_ffi_body_filter_set_body(mx_http_request_t *r, const u_char *data,
    size_t len)
{
    mx_buf_t           *b;
    mx_chain_t         *cl;
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_lua_body_filter_ctx(r);
    if (ctx == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    b = mx_pcalloc(r->pool, sizeof(mx_buf_t) + sizeof(mx_chain_t));
    if (b == NULL) {
        return MX_ERROR;
    }

    if (len) {
        b->start = mx_pnalloc(r->pool, len);
        if (b->start == NULL) {
            return MX_ERROR;
        }

        memcpy(b->start, data, len);
    }

    b->pos = b->start;
    b->last = b->start + len;
    b->end = b->last;
    b->fd = -1;

    cl = (mx_chain_t *) (b + 1);
    cl->buf = b;
    cl->next = NULL;

    ctx->filter_out = cl;

    return MX_OK;
}


int
mx_ffi_body_filter_set_eof(mx_http_request_t *r, int eof)
{
    mx_http_lua_ctx_t  *ctx;

    ctx = mx_http_lua_body_filter_ctx(r);
    if (ctx == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    ctx->filter_eof = eof ? 1 : 0;
    ctx->filter_eof_set = 1;

    return MX_OK;
}
