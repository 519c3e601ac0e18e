#ifndef MX_LUA_MODULE_H
#define MX_LUA_MODULE_H

#include "mx_http.h"

#include <lua.h>

/*
 * The http Lua module: the lua_* and *_by_lua* directives, the per-request
 * Lua context, the phase hooks (mx_lua_phase_*.c), the entry-thread runner
 * (mx_lua_coroutine.c) and the output buffering the ngx.say/ngx.print FFI
 * exports share with it.
 *
 * Compatibility reference: lua-nginx-module 0.10.x (directive names and
 * semantics, chunk names, error-log wording).
 */

extern mx_module_t  mx_http_lua_module;

/*
 * Where Lua code runs, lua-nginx-module's numbers (resty.core.phase names
 * them). Request-less code (init_by_lua*) has no context: 0.
 */
#define MX_LUA_CONTEXT_INIT           0x0000
#define MX_LUA_CONTEXT_SET            0x0001
#define MX_LUA_CONTEXT_REWRITE        0x0002
#define MX_LUA_CONTEXT_ACCESS         0x0004
#define MX_LUA_CONTEXT_CONTENT        0x0008
#define MX_LUA_CONTEXT_LOG            0x0010
#define MX_LUA_CONTEXT_HEADER_FILTER  0x0020
#define MX_LUA_CONTEXT_BODY_FILTER    0x0040
#define MX_LUA_CONTEXT_TIMER          0x0080
#define MX_LUA_CONTEXT_INIT_WORKER    0x0100
#define MX_LUA_CONTEXT_BALANCER       0x0200
#define MX_LUA_CONTEXT_EXIT_WORKER    0x2000

/* the request phases whose entry thread may wait (yield to the runner) */
#define MX_LUA_CONTEXT_YIELDABLE                                           \
    (MX_LUA_CONTEXT_REWRITE|MX_LUA_CONTEXT_ACCESS|MX_LUA_CONTEXT_CONTENT)

/*
 * Every context whose threads may wait: ngx.sleep, cosockets. The masks
 * of the API that waits all include MX_LUA_CONTEXT_TIMER: with
 * lua_log_cosockets on, mx_http_lua_check_context() lets log_by_lua* do
 * what a timer does.
 */
#define MX_LUA_CONTEXT_WAITABLE                                            \
    (MX_LUA_CONTEXT_YIELDABLE|MX_LUA_CONTEXT_TIMER)

#define mx_http_lua_can_wait(ctx)                                          \
    (((ctx)->context & MX_LUA_CONTEXT_WAITABLE) || (ctx)->log_waitable)

/*
 * The Lua code of one *_by_lua* directive: inline code (a _block or a
 * string) or a file. Unset when src is empty and path is NULL.
 */
typedef struct {
    mx_str_t                  src;        /* the code, or the file path */
    mx_http_complex_value_t  *path;       /* a file path with $variables */
    const char               *chunkname;  /* "=rewrite_by_lua(nginx.conf:12)"
                                             for inline code */
    unsigned                  file:1;
} mx_http_lua_hook_t;

#define mx_http_lua_hook_isset(h)  ((h)->src.len != 0 || (h)->path != NULL)

typedef struct {
    mx_str_t            package_path;    /* lua_package_path, or empty */
    mx_str_t            package_cpath;   /* lua_package_cpath, or empty */

    lua_State          *vm;              /* made at postconfiguration, in
                                            the master; workers inherit it */
    mx_http_lua_hook_t  init;            /* init_by_lua* */
    mx_http_lua_hook_t  init_worker;     /* init_worker_by_lua* */
    mx_http_lua_hook_t  exit_worker;     /* exit_worker_by_lua* */

    mx_flag_t           rewrite_no_postpone;
    mx_flag_t           access_no_postpone;

    mx_int_t            regex_cache_max_entries; /* for ngx.re (mx_lua_ffi
                                                    _regex.c) */
    mx_int_t            regex_match_limit;

    mx_http_conf_ctx_t *fake_ctx;        /* confs of request-less code */

    mx_int_t            max_pending_timers;  /* lua_max_pending_timers */
    mx_int_t            max_running_timers;  /* lua_max_running_timers */

    /* a directive of the kind appears somewhere: install the hook */
    unsigned            requires_rewrite:1;
    unsigned            requires_access:1;
    unsigned            requires_log:1;
    unsigned            requires_header_filter:1;
    unsigned            requires_body_filter:1;
} mx_http_lua_main_conf_t;

typedef struct {
    mx_flag_t           code_cache;      /* lua_code_cache */
    mx_flag_t           force_read_body; /* lua_need_request_body */

    /* cosockets (lua_socket_*) */
    mx_msec_t           socket_connect_timeout;
    mx_msec_t           socket_send_timeout;
    mx_msec_t           socket_read_timeout;
    mx_msec_t           socket_keepalive_timeout;
    mx_int_t            socket_pool_size;
    size_t              socket_buffer_size;
    mx_flag_t           socket_log_errors;
    mx_flag_t           check_client_abort;  /* lua_check_client_abort */
    mx_flag_t           log_cosockets;       /* lua_log_cosockets (moxy):
                                                log_by_lua* may wait */
    mx_str_t            ssl_trusted_certificate;
    mx_int_t            ssl_verify_depth;
    mx_uint_t           ssl_protocols;   /* MX_SSL_* bits, 0: unset */
    mx_str_t            ssl_ciphers;
    struct ssl_ctx_st  *ssl_ctx;         /* cosockets' TLS (mx_lua_ssl.h),
                                            maybe the parent's */

    /* inherited from http{} and server{} but content */
    mx_http_lua_hook_t  rewrite;
    mx_http_lua_hook_t  access;
    mx_http_lua_hook_t  content;
    mx_http_lua_hook_t  header_filter;
    mx_http_lua_hook_t  body_filter;
    mx_http_lua_hook_t  log;
} mx_http_lua_loc_conf_t;


typedef struct mx_http_lua_co_s   mx_http_lua_co_t;
typedef struct mx_http_lua_ctx_s  mx_http_lua_ctx_t;
typedef struct mx_http_lua_outbuf_s  mx_http_lua_outbuf_t;

typedef void (*mx_http_lua_co_cleanup_pt)(void *data);

/* where a Lua thread is, lua-nginx-module's coroutine states */
#define MX_LUA_CO_RUNNING    0
#define MX_LUA_CO_SUSPENDED  1
#define MX_LUA_CO_NORMAL     2     /* it resumed (spawned) another */
#define MX_LUA_CO_ZOMBIE     3     /* ended; results kept for its parent */
#define MX_LUA_CO_DEAD       4     /* ended and collected, or killed */

/*
 * One Lua thread the runner resumes: the entry thread of a phase (or of
 * a timer), or a user thread of ngx.thread.spawn (see "waiting" below).
 */
struct mx_http_lua_co_s {
    lua_State                  *co;
    int                         co_ref;      /* its registry anchor */
    mx_http_lua_ctx_t          *ctx;
    mx_http_lua_co_t           *parent;      /* the spawner, while alive */
    mx_http_lua_co_t           *next;        /* ctx->threads */
    mx_http_lua_co_t           *posted_next; /* ctx->posted */

    mx_http_lua_co_cleanup_pt   cleanup;     /* a waiter's undo */
    void                       *cleanup_data;

    mx_http_lua_co_t           *wait_done;   /* ngx.thread.wait: the
                                                thread that ended */
    ev_timer                    sleep;       /* ngx.sleep */

    unsigned                    status:3;    /* MX_LUA_CO_* */
    unsigned                    is_uthread:1;
    unsigned                    waiting:1;   /* yielded for an event */
    unsigned                    posted:1;    /* due to resume */
    unsigned                    awaited:1;   /* its parent waits for it */
    unsigned                    waits_threads:1;
    unsigned                    errored:1;   /* zombie of an error: the
                                                message on its stack */
};

/* the Lua state of one request, r->ctx[mx_http_lua_module.ctx_index] */
struct mx_http_lua_ctx_s {
    mx_http_request_t  *request;
    lua_State          *vm;          /* worker VM, or one of our own when
                                        lua_code_cache is off */
    int                 ctx_ref;     /* ngx.ctx, LUA_NOREF until used */

    mx_http_lua_co_t    entry;       /* the entry thread (entry.co set
                                        while it lives) */
    mx_http_lua_co_t   *cur_co;      /* the thread running now */
    mx_http_lua_co_t   *threads;     /* user threads, also ended ones */
    mx_http_lua_co_t   *posted;      /* threads due to resume, in order */
    mx_http_lua_co_t  **posted_last;
    mx_http_lua_co_t   *resuming;    /* the rest of those being resumed */
    mx_http_lua_ctx_t  *queue_next;  /* the worker's queue of requests
                                        with threads to resume */
    mx_uint_t           uthreads;    /* user threads not ended */
    mx_http_lua_co_t   *body_co;     /* waits for the request body */
    mx_http_lua_co_t   *on_abort;    /* ngx.on_abort()'s thread */
    mx_http_lua_co_t   *flush_co;    /* waits in ngx.flush(true) */

    /* the Lua code resumed from the loop came back with rc (as
     * mx_http_lua_run_co returns): goes on with what ran it */
    void              (*resumed)(mx_http_request_t *r,
                                 mx_http_lua_ctx_t *ctx, int rc);

    mx_uint_t           context;     /* MX_LUA_CONTEXT_* running now */
    mx_int_t            exit_code;   /* ngx.exit() argument */
    mx_str_t            exec_uri;    /* ngx.exec(): pending redirect */
    mx_str_t            exec_args;


    /* body_filter_by_lua*: the chain of the current call (ngx.arg) */
    mx_chain_t         *filter_in;
    mx_chain_t         *filter_out;      /* ngx.arg[1] was assigned */
    const mx_str_t     *set_args;        /* set_by_lua*: its arguments */
    mx_uint_t           set_nargs;

    /* response body not yet given to the output filter */
    mx_chain_t         *out;
    mx_chain_t        **last_out;
    mx_buf_t           *buf;         /* the buffer being filled */
    size_t              pending;     /* bytes in out */
    mx_http_lua_outbuf_t   *busy;    /* buffers handed out, oldest first */
    mx_http_lua_outbuf_t  **busy_last;
    mx_http_lua_outbuf_t   *free;    /* written ones, to fill again */

    unsigned            exited:1;        /* ngx.exit() was called */
    unsigned            headers_set:1;   /* ngx.header was written */
    unsigned            mime_set:1;      /* Content-Type is decided */
    unsigned            header_sent:1;   /* for Lua, headers are out */
    unsigned            header_only:1;   /* HEAD: the body is dropped */
    unsigned            eof:1;           /* last buffer sent */
    unsigned            buffering:1;     /* HTTP/1.0: Content-Length */
    unsigned            entered_rewrite_phase:1;
    unsigned            entered_access_phase:1;
    unsigned            entered_content_phase:1;
    unsigned            own_vm:1;        /* vm is ours to close */
    unsigned            watching_client:1;  /* lua_check_client_abort */
    unsigned            queued:1;        /* in the worker's queue */
    unsigned            log_waitable:1;  /* log_by_lua* runs as an entry
                                            thread (lua_log_cosockets) */
    unsigned            read_body_done:1;
    unsigned            waiting_more_body:1;
    unsigned            filter_eof:1;        /* ngx.arg[2] */
    unsigned            filter_eof_set:1;    /* ngx.arg[2] was assigned */
    unsigned            seen_last_in_filter:1;
    unsigned            filter_finalized:1;  /* ngx.exit() in a header
                                                filter replaced the
                                                response */
    unsigned            uri_jump:1;      /* ngx.req.set_uri(uri, true) in
                                            rewrite_by_lua*: set it, set
                                            r->uri_changed and yield
                                            (base.yield_jump()); the runner
                                            ends the thread and the core
                                            finds the location again */
};

/*
 * balancer_by_lua_block / balancer_by_lua_file (mx_lua_phase_balancer.c):
 * makes hook, filled by the directive, the Lua method of the upstream
 * block being parsed. MX_CONF_OK, or "is duplicate" for a second one.
 */
char *mx_http_lua_balancer_set(mx_conf_t *cf, mx_http_lua_hook_t *hook);

/* the request's Lua context, creating it; NULL on memory failure */
mx_http_lua_ctx_t *mx_http_lua_get_ctx(mx_http_request_t *r);

/*
 * The VM the request's Lua code runs in (the worker's, or the request's
 * own with lua_code_cache off, made and set up with init_by_lua* on the
 * first call). NULL on failure (logged).
 */
lua_State *mx_http_lua_get_vm(mx_http_request_t *r, mx_http_lua_ctx_t *ctx);

/* "rewrite_by_lua*" for MX_LUA_CONTEXT_REWRITE...; static storage */
const char *mx_http_lua_context_name(mx_uint_t context);

/*
 * "API disabled in the context of rewrite_by_lua*" for a context (or
 * "API disabled in the current context" when unknown); static storage.
 * FFI exports that refuse a context hand it to Lua as the error.
 */
const char *mx_http_lua_context_error(mx_uint_t context);

/*
 * MX_OK when the request's Lua code runs in one of the contexts; else
 * MX_DECLINED with *err the message above. No Lua context: MX_DECLINED
 * with "no request ctx found".
 */
int mx_http_lua_check_context(mx_http_request_t *r, mx_uint_t contexts,
    const char **err);

/*
 * True when r cannot serve the API on client request data (headers,
 * body, URI, args, method, variables, status): no request at all, or a
 * request without a client (r->fake: a timer's, init_worker_by_lua*'s).
 * The FFI exports of that API start with it and return
 * MX_FFI_BAD_CONTEXT, which lua/ raises as "API disabled in the current
 * context", the way lua-nginx-module refuses its fake requests. One flag
 * test, so that hot paths do not feel it.
 */
#define mx_http_lua_check_fake(r)  ((r) == NULL || (r)->fake)

/* 1 when r's location runs Lua in a header or body filter */
int mx_http_lua_has_lua_filters(mx_http_request_t *r);

/* ------------------------------------- output (mx_lua_ffi_output.c) */

/*
 * Prepares the response header the first time Lua produces output:
 * status 200 unless set, the default Content-Type unless ngx.header was
 * written. The header itself goes out with the first flush, so that it
 * shares a write with the body. MX_OK or MX_ERROR.
 */
int mx_http_lua_send_header_if_needed(mx_http_request_t *r,
    mx_http_lua_ctx_t *ctx);

/*
 * Copies len bytes to the pending body; MX_OK, MX_ERROR, or MX_AGAIN
 * when enough is pending to pass it on but Lua filters must run for it:
 * the caller must flush from a classic C function (see below), never
 * from an FFI call.
 */
int mx_http_lua_output(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    const u_char *data, size_t len);

/*
 * Passes the pending body (and the header, first time) to the output
 * filter; last adds the response's last buffer. MX_OK, MX_ERROR or an
 * HTTP status from the filters. Header and body filters may run Lua
 * (header_filter_by_lua*...): call it from C or from a lua_CFunction,
 * never from inside an FFI call.
 */
int mx_http_lua_flush(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    int last);

/* ngx.flush(): queues a flush buffer after the pending output */
int mx_http_lua_add_flush(mx_http_request_t *r, mx_http_lua_ctx_t *ctx);

/* ------------------------------------------ waiting (yield/resume) */

/*
 * How Lua waits without blocking the worker. An FFI call that cannot
 * finish at once (reading the body, later sockets, sleep) arranges to be
 * told when it can, and returns MX_AGAIN (ngx.AGAIN); its Lua wrapper
 * then calls base.yield_wait() (lua/resty/core/base.lua), which yields
 * the running coroutine back to the phase runner (through coroutines the
 * handler made itself). The runner leaves the request suspended (the
 * phase handler returns MX_DONE). When the event happens, the C side
 * calls mx_http_lua_wakeup(r): the runner resumes the waiting coroutine
 * (never from inside the caller's stack: on the next turn of the event
 * loop), yield_wait() returns, and the wrapper retries or collects the
 * result. An operation that completes within its FFI call returns MX_OK
 * (no yield); a wakeup for a coroutine that does not wait is ignored, so
 * a waker may call it unconditionally (mx_http_read_client_body() calls
 * its post handler within the call when the body is already in).
 *
 * Only rewrite_by_lua*, access_by_lua* and content_by_lua* can wait;
 * elsewhere yield_wait() raises "API disabled in the context of ...".
 * A request that ends while its coroutine waits (the client went away,
 * an error) frees the coroutine and cancels the resume: the waker must
 * cancel its own watchers with a cleanup on r->pool, and may call
 * mx_http_lua_wakeup() for a request whose coroutine is gone (ignored).
 */
void mx_http_lua_wakeup(mx_http_request_t *r);

/*
 * A request may run several Lua threads (its entry thread, the user
 * threads of ngx.thread.spawn; a timer runs on a request of its own), and
 * each can wait for something else. A waiting FFI call that is not about
 * the request itself (a socket, a sleep) keeps the thread that called it
 * and wakes that one:
 *
 *     co = mx_http_lua_current_co(r);       at the call, before MX_AGAIN
 *     mx_http_lua_co_set_cleanup(co, h, d); what to undo if abandoned
 *     ...
 *     mx_http_lua_wakeup_co(r, co);         when the event came
 *
 * A thread that waits can be abandoned instead of woken: ngx.thread.kill,
 * ngx.exit or an error in another thread, the end of the request. Then
 * h(d) runs (once): the waiter stops its watchers and forgets co, which
 * is invalid afterwards. Waking (or the thread's end) drops the cleanup;
 * a waiter that waits again sets it again.
 */
/* the thread running r's Lua now; NULL when none runs */
mx_http_lua_co_t *mx_http_lua_current_co(mx_http_request_t *r);

void mx_http_lua_co_set_cleanup(mx_http_lua_co_t *co,
    mx_http_lua_co_cleanup_pt handler, void *data);

/* resumes co on the next turn of the loop; ignored when co does not wait */
void mx_http_lua_wakeup_co(mx_http_request_t *r, mx_http_lua_co_t *co);

#endif /* MX_LUA_MODULE_H */
