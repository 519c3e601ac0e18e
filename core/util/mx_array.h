#ifndef MX_ARRAY_H
#define MX_ARRAY_H

#include "mx_core.h"
#include "mx_pool.h"

/* A growable array of fixed-size elements living in a pool. */

typedef struct {
    void        *elts;
    mx_uint_t    nelts;
    size_t       size;
    mx_uint_t    nalloc;
    mx_pool_t   *pool;
} mx_array_t;

/* NULL on failure */
mx_array_t *mx_array_create(mx_pool_t *p, mx_uint_t n, size_t size);

/* MX_OK or MX_ERROR; initialises an array embedded in another struct */
int mx_array_init(mx_array_t *a, mx_pool_t *p, mx_uint_t n, size_t size);

/* a pointer to a new uninitialised element, NULL on failure */
void *mx_array_push(mx_array_t *a);

#endif /* MX_ARRAY_H */
