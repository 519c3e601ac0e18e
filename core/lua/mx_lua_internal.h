#ifndef MX_LUA_INTERNAL_H
#define MX_LUA_INTERNAL_H

#include "mx_lua_module.h"
#include "mx_lua_vm.h"

/*
 * What the files of the http Lua module share: the directive table, the
 * hooks of each phase, the entry-thread runner. Not for the FFI exports
 * of other areas (they use mx_lua_module.h).
 */

/* the lua_* and *_by_lua* directives (mx_lua_directive.c) */
extern mx_command_t  mx_http_lua_commands[];

/*
 * The context of request-less Lua code running now: init_by_lua* (0),
 * MX_LUA_CONTEXT_INIT_WORKER, MX_LUA_CONTEXT_EXIT_WORKER.
 */
extern mx_uint_t  mx_http_lua_global_context;

/* ------------------------------------------------ loading (hooks) */

/*
 * Pushes the function of a hook onto L (compiled once per VM: inline
 * code by its address, files by path), evaluating a file path with
 * variables for r. MX_OK; else logged, and 500 (404 for a missing file)
 * or MX_ERROR.
 */
int mx_http_lua_hook_push(mx_http_request_t *r, lua_State *L,
    const mx_http_lua_hook_t *hook);

/*
 * Calls the function below nargs arguments on L's top in protected mode
 * with lua-nginx-module's traceback added to an error message, which is
 * left on the top. Returns lua_pcall's code.
 */
int mx_http_lua_pcall(lua_State *L, int nargs, int nresults);

/*
 * Runs the function on L's top (and its nargs arguments) for r in
 * context on L itself (not in a coroutine: set, filters, log), with r as
 * the thread's request. On failure logs "failed to run <what>: <error>"
 * and returns MX_ERROR; MX_OK with nresults values on L's stack.
 */
int mx_http_lua_call_hook(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    lua_State *L, mx_uint_t context, int nargs, int nresults,
    const char *what);

/* ----------------------------------- entry threads (mx_lua_coroutine.c) */

/*
 * Starts the function on L's top (below it: nothing; with _args, under
 * nargs arguments) as r's entry thread in context and runs it. Returns
 * what mx_http_lua_run_co() returns:
 *   MX_AGAIN   threads wait (resumed later from the loop, which then
 *              calls ctx->resumed with the outcome);
 *   MX_DONE    ngx.exec() redirected r: do not touch r any more;
 *   MX_OK      every thread ended (or ngx.exit(ngx.OK)); content's output
 *              is not flushed yet;
 *   MX_ERROR, an HTTP status, or another ngx.exit() code.
 */
int mx_http_lua_run_entry(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    lua_State *L, mx_uint_t context);
int mx_http_lua_run_entry_args(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    lua_State *L, mx_uint_t context, int nargs);

/* resumes co with nrets values on its stack; as above */
int mx_http_lua_run_co(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    mx_http_lua_co_t *co, int nrets);

/*
 * Runs the new user thread co within its parent's run (ngx.thread.spawn)
 * until it waits or ends; an ngx.exit/exec it does is left recorded in
 * ctx for the parent to yield to the runner.
 */
void mx_http_lua_run_nested(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    mx_http_lua_co_t *co, int nrets);

/* ends every thread of ctx (their waits abandoned); safe when none runs */
void mx_http_lua_del_threads(mx_http_lua_ctx_t *ctx);

/* ends (kills or collects) the user thread co */
void mx_http_lua_thread_collect(mx_http_lua_ctx_t *ctx, mx_http_lua_co_t *co);

/* pushes onto L what ngx.thread.wait() returns for the ended user thread
 * t (true and its results, or false and its error) and collects it;
 * returns the number of values */
int mx_http_lua_thread_result(mx_http_lua_ctx_t *ctx, lua_State *L,
    mx_http_lua_co_t *t);

/* stops a posted resume; safe when none is */
void mx_http_lua_cancel_resume(mx_http_lua_ctx_t *ctx);

/* ngx.flush/ngx.eof, classic C functions (they may run Lua filters) */
int mx_http_lua_ngx_flush(lua_State *L);
int mx_http_lua_ngx_eof(lua_State *L);

/* ngx.thread.spawn/wait/kill, classic C functions (mx_lua_uthread.c) */
int mx_http_lua_uthread_spawn(lua_State *L);
int mx_http_lua_uthread_wait(lua_State *L);
int mx_http_lua_uthread_kill(lua_State *L);
int mx_http_lua_uthread_status(lua_State *L);
int mx_http_lua_on_abort(lua_State *L);

/* r->client_abort_handler while Lua runs (lua_check_client_abort on) */
int mx_http_lua_client_abort(mx_http_request_t *r);

/* ngx.timer.* (mx_lua_timer.c): at(), every() are classic C functions */
int mx_http_lua_timer_at(lua_State *L);
int mx_http_lua_timer_every(lua_State *L);

/*
 * A request without a client (r->fake) for Lua code that runs outside
 * any request (timers, init_worker_by_lua*): the given confs, a
 * socket-less connection whose log lines end with handler's context.
 * NULL on memory failure.
 */
mx_http_request_t *mx_http_lua_fake_request(void **main_conf,
    void **srv_conf, void **loc_conf, mx_log_handler_pt handler);
void mx_http_lua_fake_request_free(mx_http_request_t *r);
u_char *mx_http_lua_init_worker_log_handler(mx_log_t *log, u_char *buf,
    size_t len);

/* lua_capture_error_log: starts capturing into size bytes (0: stops) */
void mx_lua_errlog_capture_init(size_t size);

/* in the worker, before any timer: the limits, the shutdown hook */
void mx_http_lua_timer_init(mx_cycle_t *cycle, mx_http_lua_main_conf_t *lmcf);

/* ----------------------------------------- phases (mx_lua_phase_*.c) */

/* rewrite/access phase handlers, the content handler (clcf->handler) */
int mx_http_lua_rewrite_handler(mx_http_request_t *r);
int mx_http_lua_access_handler(mx_http_request_t *r);
int mx_http_lua_content_handler(mx_http_request_t *r);

/*
 * The entry thread of r, resumed from the loop, came back with rc (as
 * mx_http_lua_run_thread returns): goes on with the request as its phase
 * requires (the next handler, the next phase, finalization).
 */
void mx_http_lua_entry_resumed(mx_http_request_t *r, mx_http_lua_ctx_t *ctx,
    int rc);

/* header_filter_by_lua*, body_filter_by_lua*: inserted at postconf */
int mx_http_lua_filters_init(mx_conf_t *cf, mx_http_lua_main_conf_t *lmcf);

/* the log phase handler */
int mx_http_lua_log_handler(mx_http_request_t *r);

/* set_by_lua*: a code of the rewrite module (data: mx_http_lua_set_t) */
typedef struct {
    mx_http_lua_hook_t         hook;
    mx_http_variable_t        *var;      /* the result */
    mx_uint_t                  nargs;
    mx_http_complex_value_t   *args;     /* nargs values */
} mx_http_lua_set_t;

int mx_http_lua_set_handler(mx_http_request_t *r, void *data);

/*
 * init_by_lua* in L (at config time, in the master, and in every VM made
 * for lua_code_cache off); init_worker_by_lua* and exit_worker_by_lua*
 * in the worker. MX_OK or MX_ERROR (logged as lua-nginx-module does).
 */
int mx_http_lua_run_init(lua_State *L, mx_http_lua_main_conf_t *lmcf,
    mx_log_t *log);
int mx_http_lua_run_init_worker(lua_State *L, mx_http_lua_main_conf_t *lmcf,
    mx_log_t *log);
void mx_http_lua_run_exit_worker(lua_State *L,
    mx_http_lua_main_conf_t *lmcf, mx_log_t *log);

#endif /* MX_LUA_INTERNAL_H */
