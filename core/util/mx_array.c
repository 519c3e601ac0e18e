#include "mx_array.h"


mx_array_t *
mx_array_create(mx_pool_t *p, mx_uint_t n, size_t size)
{
    mx_array_t  *a;

    a = mx_palloc(p, sizeof(mx_array_t));
    if (a == NULL) {
        return NULL;
    }

    if (mx_array_init(a, p, n, size) != MX_OK) {
        return NULL;
    }

    return a;
}


int
mx_array_init(mx_array_t *a, mx_pool_t *p, mx_uint_t n, size_t size)
{
    if (n == 0) {
        n = 1;
    }

    if (size && n > SIZE_MAX / size) {
        return MX_ERROR;
    }

    a->nelts = 0;
    a->size = size;
    a->nalloc = n;
    a->pool = p;

    a->elts = mx_palloc(p, n * size);
    if (a->elts == NULL) {
        return MX_ERROR;
    }

    return MX_OK;
}


void *
mx_array_push(mx_array_t *a)
{
    void    *new;
    size_t   size;

    if (a->nelts == a->nalloc) {
        if (a->nalloc > SIZE_MAX / 2 / a->size) {
            return NULL;
        }

        size = a->size * a->nalloc;
        new = mx_palloc(a->pool, 2 * size);
        if (new == NULL) {
            return NULL;
        }

        memcpy(new, a->elts, size);
        a->elts = new;
        a->nalloc *= 2;
    }

    return (u_char *) a->elts + a->size * a->nelts++;
}
