#ifndef MX_SLAB_H
#define MX_SLAB_H

#include "mx_core.h"
#include "mx_shmtx.h"

/*
 * A slab allocator over one shared-memory zone, after nginx's
 * ngx_slab.c: the zone is cut into 4 KiB pages; requests up to 2 KiB
 * are served from pages split into chunks of one power-of-two size class
 * (8, 16, ... 2048 bytes), larger ones take runs of whole pages.
 *
 * Layout of a zone:
 *
 *   mx_slab_pool_t | reserved area (pool->data) | page descriptors |
 *   padding to a page boundary | pages
 *
 * Everything the allocator keeps is inside the zone and uses absolute
 * pointers: a zone is mapped by the master before fork and at the same
 * address in every worker, and it survives reloads in the master.
 *
 * Pages of 8-, 16- and 32-byte chunks keep their bitmap in their first
 * chunks; other chunk pages keep it in their descriptor. A chunk page
 * that becomes empty goes back to the free pages at once. Free page runs
 * are coalesced with their neighbours when freed; allocation is first
 * fit.
 *
 * Nothing here locks by itself except mx_slab_alloc()/mx_slab_free():
 * the *_locked functions expect the caller to hold pool->mutex, so that
 * an owner (the shared dict) can do several allocations in one critical
 * section.
 */

#define MX_SLAB_PAGE_SHIFT   12
#define MX_SLAB_PAGE_SIZE    ((size_t) 1 << MX_SLAB_PAGE_SHIFT)
#define MX_SLAB_MIN_SHIFT    3                        /* 8-byte chunks */
#define MX_SLAB_MAX_SHIFT    (MX_SLAB_PAGE_SHIFT - 1) /* 2 KiB chunks */
#define MX_SLAB_MAX_CHUNK    ((size_t) 1 << MX_SLAB_MAX_SHIFT)
#define MX_SLAB_NSLOTS       (MX_SLAB_MAX_SHIFT - MX_SLAB_MIN_SHIFT + 1)

typedef struct mx_slab_page_s  mx_slab_page_t;

struct mx_slab_page_s {
    mx_slab_page_t     *next;     /* in the free runs or a slot's list */
    mx_slab_page_t     *prev;
    uint64_t            map;      /* chunks in use (64..2048-byte pages) */
    uint32_t            npages;   /* first page of a run: its length;
                                     last page of a free run: the index
                                     of the run's first page */
    uint16_t            used;     /* chunk pages: chunks handed out */
    uint8_t             shift;    /* chunk pages: log2 of the chunk size */
    uint8_t             type;     /* MX_SLAB_* below (private) */
};

typedef struct {
    mx_uint_t           pages;    /* chunk pages of this class */
    mx_uint_t           used;     /* chunks in use */
    mx_uint_t           reqs;     /* allocations asked */
    mx_uint_t           fails;    /* allocations refused */
} mx_slab_stat_t;

typedef struct {
    mx_shmtx_t          mutex;
    size_t              size;       /* of the whole zone */
    u_char             *start;      /* the first page */
    u_char             *end;        /* after the last page */
    mx_uint_t           npages;
    mx_uint_t           pfree;      /* pages in free runs */
    mx_slab_page_t     *pages;      /* npages descriptors */
    mx_slab_page_t      free;       /* sentinel of the free runs */
    mx_slab_page_t      slots[MX_SLAB_NSLOTS];  /* sentinels of the chunk
                                                   pages with room */
    mx_slab_stat_t      stats[MX_SLAB_NSLOTS];
    void               *data;       /* the owner's reserved area */
    size_t              data_size;
    char                name[64];   /* "lua_shared_dict zone \"x\"", logs */
} mx_slab_pool_t;

/*
 * Lays a pool out over [addr, addr + size), addr aligned to 16 bytes
 * (a page boundary in a real zone). reserve bytes (zeroed, 16-byte
 * aligned) are kept for the owner at pool->data, which stays at the same
 * address for the zone's life. name is used in log messages (may be
 * NULL). Returns the pool (== addr), or NULL when the zone cannot hold
 * the header and at least one page.
 */
mx_slab_pool_t *mx_slab_init(void *addr, size_t size, size_t reserve,
    const char *name);

/*
 * Frees every allocation at once (the lock, the name and the reserved
 * area are kept, the latter's contents too). The caller holds the lock.
 */
void mx_slab_reset(mx_slab_pool_t *pool);

/*
 * Allocations: NULL when the zone has no room. Chunks are aligned to
 * their size class (at least 8 bytes), page runs to a page. The memory
 * is not zeroed except by the calloc variants.
 */
void *mx_slab_alloc(mx_slab_pool_t *pool, size_t size);
void *mx_slab_alloc_locked(mx_slab_pool_t *pool, size_t size);
void *mx_slab_calloc_locked(mx_slab_pool_t *pool, size_t size);

/*
 * Frees what an mx_slab_alloc* returned. A pointer the pool did not hand
 * out (or already freed) is logged at alert level and ignored. NULL is
 * accepted.
 */
void mx_slab_free(mx_slab_pool_t *pool, void *p);
void mx_slab_free_locked(mx_slab_pool_t *pool, void *p);

/* the bytes an allocation of size really takes (its class or pages) */
size_t mx_slab_alloc_size(size_t size);

/* the bytes in free pages (what lua's shdict:free_space() reports) */
#define mx_slab_free_space(pool)  ((pool)->pfree * MX_SLAB_PAGE_SIZE)

#endif /* MX_SLAB_H */
