#include "mx_lua_module.h"
#include "mx_lua_semaphore.h"

#include <limits.h>
#include <stdlib.h>

/*
 * A waiter is one wait of one Lua thread. It is in one of the
 * semaphore's two lists: the queue while it waits, "woken" from the
 * moment it got a resource or timed out until its thread collects the
 * outcome (the resume comes on a later turn of the loop, and the thread
 * may be abandoned before that: the resource it got must not be lost).
 * The thread's cleanup (mx_http_lua_co_set_cleanup) stays set in both
 * states.
 */

#define MX_LUA_SEMA_QUEUED    0
#define MX_LUA_SEMA_GRANTED   1
#define MX_LUA_SEMA_TIMEDOUT  2

/* waiters kept for reuse; a burst of waits leaves at most this many */
#define MX_LUA_SEMA_FREE_MAX  256

typedef struct {
    mx_lua_sema_waiter_t  *head;
    mx_lua_sema_waiter_t  *tail;
} mx_lua_sema_list_t;

struct mx_lua_sema_s {
    int                    count;     /* resources not handed out */
    int                    nqueued;   /* waiters in queue */
    mx_lua_sema_list_t     queue;     /* waiting, oldest first */
    mx_lua_sema_list_t     woken;     /* outcome not collected yet */
    ev_timer               dispatch;  /* hands resources given back by
                                         abandoned waiters */
};

struct mx_lua_sema_waiter_s {
    mx_lua_sema_t         *sem;       /* NULL once it is freed */
    mx_http_request_t     *request;
    mx_http_lua_co_t      *co;
    mx_lua_sema_waiter_t  *prev;      /* in one of sem's lists, or the
                                         free list (next only) */
    mx_lua_sema_waiter_t  *next;
    ev_timer               timer;     /* the wait's timeout */
    unsigned               state:2;   /* MX_LUA_SEMA_* */
};


static void mx_lua_sema_dispatch(mx_lua_sema_t *sem);
static void mx_lua_sema_dispatch_handler(struct ev_loop *loop, ev_timer *w,
    int revents);
static void mx_lua_sema_timeout_handler(struct ev_loop *loop, ev_timer *w,
    int revents);
static void mx_lua_sema_wake(mx_lua_sema_waiter_t *w, unsigned state);
static void mx_lua_sema_abandoned(void *data);
static void mx_lua_sema_waiter_free(mx_lua_sema_waiter_t *w);


static mx_lua_sema_waiter_t  *mx_lua_sema_free_waiters;
static mx_uint_t              mx_lua_sema_nfree;


static void
mx_lua_sema_list_append(mx_lua_sema_list_t *l, mx_lua_sema_waiter_t *w)
{
    w->next = NULL;
    w->prev = l->tail;

    if (l->tail) {
        l->tail->next = w;

    } else {
        l->head = w;
    }

    l->tail = w;
}


static void
mx_lua_sema_list_remove(mx_lua_sema_list_t *l, mx_lua_sema_waiter_t *w)
{
    if (w->prev) {
        w->prev->next = w->next;

    } else {
        l->head = w->next;
    }

    if (w->next) {
        w->next->prev = w->prev;

    } else {
        l->tail = w->prev;
    }

    w->prev = NULL;
    w->next = NULL;
}


mx_lua_sema_t *
mx_ffi_sema_new(int n)
{
    mx_lua_sema_t  *sem;

    sem = calloc(1, sizeof(mx_lua_sema_t));
    if (sem == NULL) {
        return NULL;
    }

    sem->count = n > 0 ? n : 0;

    ev_init(&sem->dispatch, mx_lua_sema_dispatch_handler);
    sem->dispatch.data = sem;

    return sem;
}


int
mx_ffi_sema_post(mx_lua_sema_t *sem, int n)
{
    if (n <= 0) {
        return MX_OK;
    }

    sem->count = n > INT_MAX - sem->count ? INT_MAX : sem->count + n;

    mx_lua_sema_dispatch(sem);

    return MX_OK;
}


int
mx_ffi_sema_count(mx_lua_sema_t *sem)
{
    return sem->count - sem->nqueued;
}


int
mx_ffi_sema_wait(mx_http_request_t *r, mx_lua_sema_t *sem, int ms,
    mx_lua_sema_waiter_t **waiter, const char **err)
{
    mx_http_lua_co_t      *co;
    mx_http_lua_ctx_t     *ctx;
    mx_lua_sema_waiter_t  *w;

    if (r == NULL) {
        *err = "no request found";
        return MX_ERROR;
    }

    if (mx_http_lua_check_context(r, MX_LUA_CONTEXT_WAITABLE, err)
        != MX_OK)
    {
        return MX_ERROR;
    }

    co = mx_http_lua_current_co(r);
    if (co == NULL) {
        ctx = mx_http_get_module_ctx(r, mx_http_lua_module);
        *err = mx_http_lua_context_error(ctx->context);
        return MX_ERROR;
    }

    /* first come, first served: nothing is taken while others wait */
    if (sem->queue.head == NULL && sem->count > 0) {
        sem->count--;
        return MX_OK;
    }

    if (ms <= 0) {
        return MX_DECLINED;
    }

    w = mx_lua_sema_free_waiters;
    if (w) {
        mx_lua_sema_free_waiters = w->next;
        mx_lua_sema_nfree--;

    } else {
        w = malloc(sizeof(mx_lua_sema_waiter_t));
        if (w == NULL) {
            *err = "no memory";
            return MX_ERROR;
        }
    }

    w->sem = sem;
    w->request = r;
    w->co = co;
    w->state = MX_LUA_SEMA_QUEUED;

    mx_lua_sema_list_append(&sem->queue, w);
    sem->nqueued++;

    ev_timer_init(&w->timer, mx_lua_sema_timeout_handler, ms / 1000.0, 0.);
    w->timer.data = w;
    ev_timer_start(mx_loop, &w->timer);

    mx_http_lua_co_set_cleanup(co, mx_lua_sema_abandoned, w);

    *waiter = w;

    return MX_AGAIN;
}


int
mx_ffi_sema_wait_result(mx_lua_sema_t *sem, mx_lua_sema_waiter_t *w)
{
    int  rc;

    mx_unused(sem);

    rc = w->state == MX_LUA_SEMA_GRANTED ? MX_OK : MX_DECLINED;

    if (w->sem) {
        if (w->state == MX_LUA_SEMA_QUEUED) {
            /* resumed for something else: the wait ends without */
            mx_lua_sema_list_remove(&w->sem->queue, w);
            w->sem->nqueued--;

        } else {
            mx_lua_sema_list_remove(&w->sem->woken, w);
        }
    }

    mx_lua_sema_waiter_free(w);

    return rc;
}


void
mx_ffi_sema_gc(mx_lua_sema_t *sem)
{
    mx_lua_sema_waiter_t  *w;

    if (sem == NULL) {
        return;
    }

    if (sem->queue.head && !mx_quit && !mx_terminate && !mx_exiting) {
        mx_log_error(MX_LOG_ERR, mx_cycle->log, 0,
                     "in lua semaphore gc wait queue is not empty while "
                     "the semaphore %p is being destroyed", sem);
    }

    /* only when the VM closes: their threads never run again */
    for (w = sem->queue.head; w; w = w->next) {
        ev_timer_stop(mx_loop, &w->timer);
        w->state = MX_LUA_SEMA_TIMEDOUT;
        w->sem = NULL;
    }

    for (w = sem->woken.head; w; w = w->next) {
        w->sem = NULL;
    }

    ev_timer_stop(mx_loop, &sem->dispatch);

    free(sem);
}


/* hands the resources to the waiters, oldest first */
static void
mx_lua_sema_dispatch(mx_lua_sema_t *sem)
{
    mx_lua_sema_waiter_t  *w;

    while (sem->count > 0 && sem->queue.head) {
        w = sem->queue.head;
        sem->count--;
        mx_lua_sema_wake(w, MX_LUA_SEMA_GRANTED);
    }
}


static void
mx_lua_sema_dispatch_handler(struct ev_loop *loop, ev_timer *w, int revents)
{
    mx_unused(revents);

    ev_timer_stop(loop, w);

    mx_lua_sema_dispatch(w->data);
}


static void
mx_lua_sema_timeout_handler(struct ev_loop *loop, ev_timer *t, int revents)
{
    mx_lua_sema_waiter_t  *w = t->data;

    mx_unused(loop);
    mx_unused(revents);

    mx_time_update();

    mx_lua_sema_wake(w, MX_LUA_SEMA_TIMEDOUT);
}


/* the queued waiter w is done waiting: its thread runs on the next turn
 * of the loop and collects state */
static void
mx_lua_sema_wake(mx_lua_sema_waiter_t *w, unsigned state)
{
    mx_lua_sema_t  *sem = w->sem;

    ev_timer_stop(mx_loop, &w->timer);

    mx_lua_sema_list_remove(&sem->queue, w);
    sem->nqueued--;
    mx_lua_sema_list_append(&sem->woken, w);

    w->state = state;

    mx_http_lua_wakeup_co(w->request, w->co);

    /* waking drops the cleanup; until the thread runs it may still be
     * abandoned */
    mx_http_lua_co_set_cleanup(w->co, mx_lua_sema_abandoned, w);
}


/*
 * The waiting thread ends without collecting: killed, or its request is
 * over. This runs while its request is being torn down, so a resource
 * it got goes to the next waiter later, from the loop.
 */
static void
mx_lua_sema_abandoned(void *data)
{
    mx_lua_sema_waiter_t  *w = data;
    mx_lua_sema_t         *sem = w->sem;

    if (sem) {
        switch (w->state) {

        case MX_LUA_SEMA_QUEUED:
            ev_timer_stop(mx_loop, &w->timer);
            mx_lua_sema_list_remove(&sem->queue, w);
            sem->nqueued--;
            break;

        case MX_LUA_SEMA_GRANTED:
            mx_lua_sema_list_remove(&sem->woken, w);
            sem->count++;

            if (sem->queue.head && !ev_is_active(&sem->dispatch)) {
                ev_timer_set(&sem->dispatch, 0., 0.);
                ev_timer_start(mx_loop, &sem->dispatch);
            }

            break;

        default: /* MX_LUA_SEMA_TIMEDOUT */
            mx_lua_sema_list_remove(&sem->woken, w);
            break;
        }
    }

    mx_lua_sema_waiter_free(w);
}


static void
mx_lua_sema_waiter_free(mx_lua_sema_waiter_t *w)
{
    if (mx_lua_sema_nfree >= MX_LUA_SEMA_FREE_MAX) {
        free(w);
        return;
    }

    w->sem = NULL;
    w->co = NULL;
    w->request = NULL;
    w->next = mx_lua_sema_free_waiters;
    mx_lua_sema_free_waiters = w;
    mx_lua_sema_nfree++;
}
