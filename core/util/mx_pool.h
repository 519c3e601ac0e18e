#ifndef MX_POOL_H
#define MX_POOL_H

#include "mx_core.h"

/*
 * An arena: small allocations come from chained blocks, large ones are
 * kept on a list; everything is released at once by mx_pool_destroy(),
 * after the registered cleanups have run (in reverse order of adding).
 */

typedef void (*mx_pool_cleanup_pt)(void *data);

typedef struct mx_pool_cleanup_s  mx_pool_cleanup_t;

struct mx_pool_cleanup_s {
    mx_pool_cleanup_pt   handler;
    void                *data;
    mx_pool_cleanup_t   *next;
};

typedef struct mx_pool_block_s  mx_pool_block_t;
typedef struct mx_pool_large_s  mx_pool_large_t;

typedef struct {
    mx_pool_block_t     *current;
    mx_pool_block_t     *first;
    mx_pool_large_t     *large;
    mx_pool_cleanup_t   *cleanup;
    size_t               block_size;
} mx_pool_t;

/* NULL on allocation failure */
mx_pool_t *mx_pool_create(size_t block_size);

/* runs the cleanups and frees all memory; accepts NULL */
void mx_pool_destroy(mx_pool_t *pool);

/* frees everything but the first block, keeping the pool usable */
void mx_pool_reset(mx_pool_t *pool);

/* aligned allocation; NULL on failure */
void *mx_palloc(mx_pool_t *pool, size_t size);

/* unaligned allocation for byte strings; NULL on failure */
void *mx_pnalloc(mx_pool_t *pool, size_t size);

/* zeroed aligned allocation; NULL on failure */
void *mx_pcalloc(mx_pool_t *pool, size_t size);

/* copies s into the pool with a trailing NUL not counted in len */
u_char *mx_pstrdup(mx_pool_t *pool, const u_char *s, size_t len);

/*
 * Registers a cleanup with room for "size" bytes of data (data is NULL
 * when size is 0, to be set by the caller). NULL on failure.
 */
mx_pool_cleanup_t *mx_pool_cleanup_add(mx_pool_t *pool, size_t size);

#endif /* MX_POOL_H */
