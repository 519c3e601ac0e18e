#include "mx_shmtx.h"


int
mx_shmtx_init(mx_shmtx_t *mtx)
{
    pthread_mutexattr_t  attr;
    int                  err;

    err = pthread_mutexattr_init(&attr);
    if (err != 0) {
        errno = err;
        return MX_ERROR;
    }

    err = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    if (err == 0) {
        err = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    }

    if (err == 0) {
        err = pthread_mutex_init(&mtx->mutex, &attr);
    }

    pthread_mutexattr_destroy(&attr);

    if (err != 0) {
        errno = err;
        return MX_ERROR;
    }

    return MX_OK;
}


static int
mx_shmtx_result(mx_shmtx_t *mtx, int err)
{
    switch (err) {

    case 0:
        return MX_OK;

    case EOWNERDEAD:
        /* we hold it now; without this the next unlock would make the
         * mutex unusable for good (ENOTRECOVERABLE) */
        err = pthread_mutex_consistent(&mtx->mutex);
        if (err != 0) {
            pthread_mutex_unlock(&mtx->mutex);
            errno = err;
            return MX_ERROR;
        }
        return MX_DONE;

    case EBUSY:
        return MX_AGAIN;

    default:
        errno = err;
        return MX_ERROR;
    }
}


int
mx_shmtx_lock(mx_shmtx_t *mtx)
{
    return mx_shmtx_result(mtx, pthread_mutex_lock(&mtx->mutex));
}


int
mx_shmtx_trylock(mx_shmtx_t *mtx)
{
    return mx_shmtx_result(mtx, pthread_mutex_trylock(&mtx->mutex));
}


void
mx_shmtx_unlock(mx_shmtx_t *mtx)
{
    pthread_mutex_unlock(&mtx->mutex);
}


void
mx_shmtx_destroy(mx_shmtx_t *mtx)
{
    pthread_mutex_destroy(&mtx->mutex);
}
