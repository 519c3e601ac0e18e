#ifndef MX_LUA_MODULE_H
#define MX_LUA_MODULE_H

#include "mx_http.h"

#include <lua.h>

/*
 * The http Lua module: the lua_* directives, the per-request Lua context,
 * the content handler and the output buffering the ngx.say/ngx.print FFI
 * exports share with it.
 *
 * Compatibility reference: lua-nginx-module 0.10.x (directive names and
 * semantics, chunk names, error-log wording).
 */

extern mx_module_t  mx_http_lua_module;

/* where a Lua hook runs; lua/ checks the API it allows against these */
#define MX_LUA_CONTEXT_CONTENT    0x0001

typedef struct {
    mx_str_t            package_path;    /* lua_package_path, or empty */
    mx_str_t            package_cpath;   /* lua_package_cpath, or empty */
} mx_http_lua_main_conf_t;


/* the Lua state of one request, r->ctx[mx_http_lua_module.ctx_index] */
typedef struct {
    mx_http_request_t  *request;
    lua_State          *vm;          /* worker VM, or one of our own when
                                        lua_code_cache is off */
    lua_State          *co;          /* the entry thread while it lives */
    int                 co_ref;      /* its anchor in the registry */

    mx_uint_t           context;     /* MX_LUA_CONTEXT_* */
    mx_int_t            exit_code;   /* ngx.exit() argument */

    /* response body not yet given to the output filter */
    mx_chain_t         *out;
    mx_chain_t        **last_out;
    mx_buf_t           *buf;         /* the buffer being filled */
    size_t              pending;     /* bytes in out */

    unsigned            exited:1;        /* ngx.exit() was called */
    unsigned            headers_set:1;   /* ngx.header was written */
    unsigned            mime_set:1;      /* Content-Type is decided */
    unsigned            header_sent:1;   /* for Lua, headers are out */
    unsigned            header_only:1;   /* HEAD: the body is dropped */
    unsigned            eof:1;           /* last buffer sent */
    unsigned            buffering:1;     /* HTTP/1.0: Content-Length */
    unsigned            entered_content_phase:1;
    unsigned            own_vm:1;        /* vm is ours to close */
} mx_http_lua_ctx_t;

/* runs a content_by_lua* chunk for r */
typedef int (*mx_http_lua_handler_pt)(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx);

typedef struct {
    mx_flag_t           code_cache;      /* lua_code_cache */

    /* content_by_lua* */
    mx_http_lua_handler_pt    content_handler;  /* inline or file */
    mx_str_t            content_src;     /* Lua code, or the file path */
    mx_http_complex_value_t  *content_path;  /* file path with $vars */
    mx_str_t            content_chunkname; /* "=content_by_lua(f:N)" */
} mx_http_lua_loc_conf_t;

/* the request's Lua context, creating it; NULL on memory failure */
mx_http_lua_ctx_t *mx_http_lua_get_ctx(mx_http_request_t *r);

/* ------------------------------------- output (mx_lua_ffi_output.c) */

/*
 * Prepares the response header the first time Lua produces output:
 * status 200 unless set, the default Content-Type unless ngx.header was
 * written. The header itself goes out with the first flush, so that it
 * shares a write with the body. MX_OK or MX_ERROR.
 */
int mx_http_lua_send_header_if_needed(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx);

/* copies len bytes to the pending body; MX_OK or MX_ERROR */
int mx_http_lua_output(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    const u_char *data, size_t len);

/*
 * Passes the pending body (and the header, first time) to the output
 * filter; last adds the response's last buffer. MX_OK, MX_ERROR or an
 * HTTP status from the filters.
 */
int mx_http_lua_flush(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    int last);

/* ------------------------------------------ waiting (yield/resume) */

/*
 * How Lua waits without blocking the worker. An FFI call that cannot
 * finish at once (reading the body, later sockets, sleep) arranges to be
 * told when it can, and returns MX_AGAIN (ngx.AGAIN); its Lua wrapper
 * then calls base.yield_wait() (lua/resty/core/base.lua), which yields
 * the running coroutine back to the phase runner. The runner leaves the
 * request suspended (the phase handler returns MX_DONE). When the event
 * happens, the C side calls mx_http_lua_wakeup(r): the runner resumes the
 * waiting coroutine (never from inside the caller's stack: on the next
 * turn of the event loop), and the wrapper retries or collects the
 * result.
 */
void mx_http_lua_wakeup(mx_http_request_t *r);

#endif /* MX_LUA_MODULE_H */
