#ifndef MX_SHMTX_H
#define MX_SHMTX_H

#include "mx_core.h"

#include <pthread.h>

/*
 * A lock shared by the processes that map the memory it lives in: a
 * pthread mutex with PTHREAD_PROCESS_SHARED and PTHREAD_MUTEX_ROBUST.
 *
 * Why a mutex and not nginx's spinlock: the critical sections it guards
 * (a shared-dict operation, a slab allocation) last microseconds, so an
 * uncontended lock is one atomic instruction and a contended one spins
 * briefly in glibc before sleeping on a futex. A waiter never burns a CPU
 * while the holder is descheduled, and never waits longer than the
 * holder's critical section: no code holding the lock may block or call
 * back into Lua. Robustness covers the one case where a worker could wait
 * forever: a process that dies (crash, SIGKILL) while holding the lock.
 * The kernel then hands the lock to the next waiter with EOWNERDEAD;
 * mx_shmtx_lock() makes it usable again and reports MX_DONE, so that the
 * owner of the protected data can repair or reset it.
 */

typedef struct {
    pthread_mutex_t     mutex;
} mx_shmtx_t;

/* initialises a lock in shared memory; MX_OK or MX_ERROR (errno set) */
int mx_shmtx_init(mx_shmtx_t *mtx);

/*
 * Takes the lock. MX_OK; MX_DONE when the previous holder died while
 * holding it (the lock is now held and consistent again, but the data
 * it protects may be half-updated); MX_ERROR when the lock cannot be
 * taken (errno set; never expected).
 */
int mx_shmtx_lock(mx_shmtx_t *mtx);

/* MX_OK when taken, MX_DONE as above, MX_AGAIN when held by another */
int mx_shmtx_trylock(mx_shmtx_t *mtx);

void mx_shmtx_unlock(mx_shmtx_t *mtx);

/* only for a lock no process will use again */
void mx_shmtx_destroy(mx_shmtx_t *mtx);

#endif /* MX_SHMTX_H */
