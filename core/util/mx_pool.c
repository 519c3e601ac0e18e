#include "mx_pool.h"

#define MX_POOL_ALIGN  16
#define MX_POOL_LARGE  4096

struct mx_pool_block_s {
    u_char            *last;
    u_char            *end;
    mx_pool_block_t   *next;
    unsigned           failed;
};

struct mx_pool_large_s {
    mx_pool_large_t   *next;
};


static void *mx_palloc_block(mx_pool_t *pool, size_t size, int align);


mx_pool_t *
mx_pool_create(size_t block_size)
{
    mx_pool_t        *pool;
    mx_pool_block_t  *b;

    if (block_size < 512) {
        block_size = 512;
    }

    b = malloc(block_size);
    if (b == NULL) {
        return NULL;
    }

    b->last = (u_char *) b + sizeof(mx_pool_block_t);
    b->end = (u_char *) b + block_size;
    b->next = NULL;
    b->failed = 0;

    b->last = (u_char *) mx_align((uintptr_t) b->last, MX_POOL_ALIGN);
    pool = (mx_pool_t *) b->last;
    b->last += sizeof(mx_pool_t);

    pool->current = b;
    pool->first = b;
    pool->large = NULL;
    pool->cleanup = NULL;
    pool->block_size = block_size;

    return pool;
}


static void
mx_pool_run_cleanups(mx_pool_t *pool)
{
    mx_pool_cleanup_t  *c;

    while (pool->cleanup) {
        c = pool->cleanup;
        pool->cleanup = c->next;
        if (c->handler) {
            c->handler(c->data);
        }
    }
}


void
mx_pool_destroy(mx_pool_t *pool)
{
    mx_pool_block_t  *b, *next;
    mx_pool_large_t  *l, *lnext;

    if (pool == NULL) {
        return;
    }

    mx_pool_run_cleanups(pool);

    for (l = pool->large; l; l = lnext) {
        lnext = l->next;
        free(l);
    }

    /* the pool header lives in the first block: free it last */
    for (b = pool->first->next; b; b = next) {
        next = b->next;
        free(b);
    }

    free(pool->first);
}


void
mx_pool_reset(mx_pool_t *pool)
{
    mx_pool_block_t  *b, *next;
    mx_pool_large_t  *l, *lnext;

    mx_pool_run_cleanups(pool);

    for (l = pool->large; l; l = lnext) {
        lnext = l->next;
        free(l);
    }

    for (b = pool->first->next; b; b = next) {
        next = b->next;
        free(b);
    }

    b = pool->first;
    b->next = NULL;
    b->failed = 0;
    b->last = (u_char *) pool + sizeof(mx_pool_t);
    pool->current = b;
    pool->large = NULL;
}


static void *
mx_palloc_large(mx_pool_t *pool, size_t size)
{
    mx_pool_large_t  *l;
    size_t            hdr;

    hdr = mx_align(sizeof(mx_pool_large_t), MX_POOL_ALIGN);
    if (size > SIZE_MAX - hdr) {
        return NULL;
    }

    l = malloc(hdr + size);
    if (l == NULL) {
        return NULL;
    }

    l->next = pool->large;
    pool->large = l;

    return (u_char *) l + hdr;
}


static inline void *
mx_palloc_small(mx_pool_t *pool, size_t size, int align)
{
    mx_pool_block_t  *b;
    u_char           *m;

    for (b = pool->current; b; b = b->next) {
        m = b->last;
        if (align) {
            m = (u_char *) mx_align((uintptr_t) m, MX_POOL_ALIGN);
        }

        if (m <= b->end && (size_t) (b->end - m) >= size) {
            b->last = m + size;
            return m;
        }
    }

    return mx_palloc_block(pool, size, align);
}


static void *
mx_palloc_block(mx_pool_t *pool, size_t size, int align)
{
    mx_pool_block_t  *b, *p;
    u_char           *m;

    b = malloc(pool->block_size);
    if (b == NULL) {
        return NULL;
    }

    b->end = (u_char *) b + pool->block_size;
    b->next = NULL;
    b->failed = 0;

    m = (u_char *) b + sizeof(mx_pool_block_t);
    m = (u_char *) mx_align((uintptr_t) m, MX_POOL_ALIGN);
    b->last = m + size;

    /* blocks that keep failing stop being searched */
    for (p = pool->current; p->next; p = p->next) {
        if (p->failed++ > 4) {
            pool->current = p->next;
        }
    }

    p->next = b;

    mx_unused(align);
    return m;
}


void *
mx_palloc(mx_pool_t *pool, size_t size)
{
    if (size <= MX_POOL_LARGE
        && size + 2 * MX_POOL_ALIGN + sizeof(mx_pool_block_t)
           < pool->block_size)
    {
        return mx_palloc_small(pool, size, 1);
    }

    return mx_palloc_large(pool, size);
}


void *
mx_pnalloc(mx_pool_t *pool, size_t size)
{
    if (size <= MX_POOL_LARGE
        && size + 2 * MX_POOL_ALIGN + sizeof(mx_pool_block_t)
           < pool->block_size)
    {
        return mx_palloc_small(pool, size, 0);
    }

    return mx_palloc_large(pool, size);
}


void *
mx_pcalloc(mx_pool_t *pool, size_t size)
{
    void  *p;

    p = mx_palloc(pool, size);
    if (p) {
        memset(p, 0, size);
    }

    return p;
}


u_char *
mx_pstrdup(mx_pool_t *pool, const u_char *s, size_t len)
{
    u_char  *p;

    if (len == SIZE_MAX) {
        return NULL;
    }

    p = mx_pnalloc(pool, len + 1);
    if (p == NULL) {
        return NULL;
    }

    if (len) {
        memcpy(p, s, len);
    }
    p[len] = '\0';

    return p;
}


mx_pool_cleanup_t *
mx_pool_cleanup_add(mx_pool_t *pool, size_t size)
{
    mx_pool_cleanup_t  *c;

    c = mx_palloc(pool, sizeof(mx_pool_cleanup_t));
    if (c == NULL) {
        return NULL;
    }

    if (size) {
        c->data = mx_palloc(pool, size);
        if (c->data == NULL) {
            return NULL;
        }

    } else {
        c->data = NULL;
    }

    c->handler = NULL;
    c->next = pool->cleanup;
    pool->cleanup = c;

    return c;
}
