#ifndef MX_LUA_SEMAPHORE_H
#define MX_LUA_SEMAPHORE_H

#include "mx_http.h"

/*
 * ngx.semaphore (lua/ngx/semaphore.lua), as lua-resty-core's: a counter
 * of resources shared by every Lua thread of the worker (entry threads,
 * light threads, timers, whatever their request), and a FIFO of the
 * threads waiting for one.
 *
 * A semaphore is malloc'ed and owned by its Lua object (ffi.gc calls
 * mx_ffi_sema_gc). A thread that waits keeps the object alive in its
 * frame, so a semaphore with waiters is only collected when the VM
 * closes.
 *
 * post() hands resources to the waiters at once, in their order, and
 * wakes them; a waiter woken that way whose thread ends before it runs
 * again (killed, its request finished) gives its resource back, as no
 * thread took it.
 */

typedef struct mx_lua_sema_s         mx_lua_sema_t;
typedef struct mx_lua_sema_waiter_s  mx_lua_sema_waiter_t;

/* a semaphore with n resources (n >= 0, checked by Lua); NULL when out
 * of memory */
mx_lua_sema_t *mx_ffi_sema_new(int n);

/* adds n resources (n >= 1, checked by Lua), given to waiters first;
 * MX_OK */
int mx_ffi_sema_post(mx_lua_sema_t *sem, int n);

/* the resources left, or minus the number of threads waiting */
int mx_ffi_sema_count(mx_lua_sema_t *sem);

/*
 * sema:wait(ms / 1000) for the Lua thread running r's code now:
 *   MX_OK        it took a resource (none is taken while others wait);
 *   MX_DECLINED  none left and ms is 0: "timeout";
 *   MX_AGAIN     it waits: *waiter is set, the caller yields
 *                (base.yield_wait()) and then calls
 *                mx_ffi_sema_wait_result() with it;
 *   MX_ERROR     with *err (static): "no request found", "no request
 *                ctx found", "no memory", "API disabled in the context
 *                of ...".
 */
int mx_ffi_sema_wait(mx_http_request_t *r, mx_lua_sema_t *sem, int ms,
    mx_lua_sema_waiter_t **waiter, const char **err);

/* after the wait: MX_OK when the thread got a resource, MX_DECLINED when
 * the time ran out; frees waiter */
int mx_ffi_sema_wait_result(mx_lua_sema_t *sem, mx_lua_sema_waiter_t *waiter);

/* frees sem (accepts NULL); waiters still on it are forgotten (logged
 * unless the worker exits) */
void mx_ffi_sema_gc(mx_lua_sema_t *sem);

#endif /* MX_LUA_SEMAPHORE_H */
