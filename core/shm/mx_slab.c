#include "mx_slab.h"
#include "mx_log.h"


#define MX_SLAB_FREE        1   /* first page of a free run */
#define MX_SLAB_FREE_TAIL   2   /* last page of a free run of 2+ pages */
#define MX_SLAB_FREE_BODY   3   /* other pages of a free run */
#define MX_SLAB_RUN         4   /* first page of an allocated run */
#define MX_SLAB_BUSY        5   /* other pages of an allocated run */
#define MX_SLAB_CHUNKS      6   /* a page cut into chunks */

/* chunk pages below this size keep their bitmap in the page itself */
#define MX_SLAB_MAP_SHIFT   6

#define mx_slab_page_index(pool, page)  ((mx_uint_t) ((page) - (pool)->pages))
#define mx_slab_page_addr(pool, page)                                      \
    ((pool)->start + (mx_slab_page_index(pool, page) << MX_SLAB_PAGE_SHIFT))


static void mx_slab_error(mx_slab_pool_t *pool, const char *what);
static mx_slab_page_t *mx_slab_alloc_pages(mx_slab_pool_t *pool,
    mx_uint_t n);
static void mx_slab_free_pages(mx_slab_pool_t *pool, mx_slab_page_t *page,
    mx_uint_t n);


static void
mx_slab_list_insert(mx_slab_page_t *head, mx_slab_page_t *page)
{
    page->next = head->next;
    page->prev = head;
    head->next->prev = page;
    head->next = page;
}


static void
mx_slab_list_remove(mx_slab_page_t *page)
{
    page->prev->next = page->next;
    page->next->prev = page->prev;
    page->next = NULL;
    page->prev = NULL;
}


/* chunks a page of this class has in all, and how many hold its bitmap */
static mx_uint_t
mx_slab_chunks(mx_uint_t shift)
{
    return MX_SLAB_PAGE_SIZE >> shift;
}


static mx_uint_t
mx_slab_reserved(mx_uint_t shift)
{
    size_t  map;

    if (shift >= MX_SLAB_MAP_SHIFT) {
        return 0;
    }

    map = mx_slab_chunks(shift) / 8;
    return (map + ((size_t) 1 << shift) - 1) >> shift;
}


static mx_uint_t
mx_slab_shift(size_t size)
{
    mx_uint_t  shift;

    shift = MX_SLAB_MIN_SHIFT;
    while (((size_t) 1 << shift) < size) {
        shift++;
    }

    return shift;
}


size_t
mx_slab_alloc_size(size_t size)
{
    if (size > MX_SLAB_MAX_CHUNK) {
        return mx_align(size, MX_SLAB_PAGE_SIZE);
    }

    return (size_t) 1 << mx_slab_shift(size);
}


mx_slab_pool_t *
mx_slab_init(void *addr, size_t size, size_t reserve, const char *name)
{
    mx_slab_pool_t  *pool;
    size_t           head, avail;
    mx_uint_t        n;
    u_char          *p;

    pool = addr;
    head = mx_align(sizeof(mx_slab_pool_t), 16) + mx_align(reserve, 16);

    if (size < head + sizeof(mx_slab_page_t) + MX_SLAB_PAGE_SIZE) {
        return NULL;
    }

    /* each page costs its size and a descriptor; the padding to the
     * first page boundary may take one more */
    avail = size - head;
    n = avail / (MX_SLAB_PAGE_SIZE + sizeof(mx_slab_page_t));

    for ( ;; ) {
        p = (u_char *) addr + head + n * sizeof(mx_slab_page_t);
        p = (u_char *) addr
            + mx_align((size_t) (p - (u_char *) addr), MX_SLAB_PAGE_SIZE);

        if (n == 0) {
            return NULL;
        }

        if (p + n * MX_SLAB_PAGE_SIZE <= (u_char *) addr + size) {
            break;
        }

        n--;
    }

    memset(pool, 0, sizeof(mx_slab_pool_t));

    if (mx_shmtx_init(&pool->mutex) != MX_OK) {
        return NULL;
    }

    pool->size = size;
    pool->data = (u_char *) addr + mx_align(sizeof(mx_slab_pool_t), 16);
    pool->data_size = reserve;
    memset(pool->data, 0, reserve);

    pool->pages = (mx_slab_page_t *) ((u_char *) addr + head);
    pool->npages = n;
    pool->start = p;
    pool->end = p + n * MX_SLAB_PAGE_SIZE;

    if (name) {
        snprintf(pool->name, sizeof(pool->name), "%s", name);
    }

    mx_slab_reset(pool);

    return pool;
}


void
mx_slab_reset(mx_slab_pool_t *pool)
{
    mx_slab_page_t  *page, *last;
    mx_uint_t        i;

    memset(pool->pages, 0, pool->npages * sizeof(mx_slab_page_t));
    memset(pool->stats, 0, sizeof(pool->stats));

    pool->free.next = &pool->free;
    pool->free.prev = &pool->free;

    for (i = 0; i < MX_SLAB_NSLOTS; i++) {
        pool->slots[i].next = &pool->slots[i];
        pool->slots[i].prev = &pool->slots[i];
    }

    /* one free run of every page */
    page = pool->pages;
    page->type = MX_SLAB_FREE;
    page->npages = (uint32_t) pool->npages;

    for (i = 1; i < pool->npages; i++) {
        pool->pages[i].type = MX_SLAB_FREE_BODY;
    }

    if (pool->npages > 1) {
        last = &pool->pages[pool->npages - 1];
        last->type = MX_SLAB_FREE_TAIL;
        last->npages = 0;
    }

    mx_slab_list_insert(&pool->free, page);
    pool->pfree = pool->npages;
}


void *
mx_slab_alloc(mx_slab_pool_t *pool, size_t size)
{
    void  *p;
    int    rc;

    rc = mx_shmtx_lock(&pool->mutex);
    if (rc == MX_ERROR) {
        return NULL;
    }

    p = mx_slab_alloc_locked(pool, size);
    mx_shmtx_unlock(&pool->mutex);

    return p;
}


void *
mx_slab_calloc_locked(mx_slab_pool_t *pool, size_t size)
{
    void  *p;

    p = mx_slab_alloc_locked(pool, size);
    if (p) {
        memset(p, 0, size);
    }

    return p;
}


void *
mx_slab_alloc_locked(mx_slab_pool_t *pool, size_t size)
{
    mx_slab_page_t  *page, *slot;
    mx_slab_stat_t  *stat;
    mx_uint_t        shift, chunks, reserved, i, n, bit;
    uint64_t        *map, m;
    u_char          *addr;

    if (size > MX_SLAB_MAX_CHUNK) {
        if (size > (size_t) pool->npages << MX_SLAB_PAGE_SHIFT) {
            return NULL;
        }

        n = (size + MX_SLAB_PAGE_SIZE - 1) >> MX_SLAB_PAGE_SHIFT;
        page = mx_slab_alloc_pages(pool, n);
        return page ? mx_slab_page_addr(pool, page) : NULL;
    }

    shift = mx_slab_shift(size);
    slot = &pool->slots[shift - MX_SLAB_MIN_SHIFT];
    stat = &pool->stats[shift - MX_SLAB_MIN_SHIFT];
    chunks = mx_slab_chunks(shift);
    reserved = mx_slab_reserved(shift);

    stat->reqs++;

    page = slot->next;

    if (page == slot) {
        /* no page of this class has room: start a new one */
        page = mx_slab_alloc_pages(pool, 1);
        if (page == NULL) {
            stat->fails++;
            return NULL;
        }

        page->type = MX_SLAB_CHUNKS;
        page->shift = (uint8_t) shift;
        page->used = 0;

        if (shift < MX_SLAB_MAP_SHIFT) {
            /* the bitmap takes the first chunks, which it marks used */
            map = (uint64_t *) mx_slab_page_addr(pool, page);
            memset(map, 0, chunks / 8);
            map[0] = ((uint64_t) 1 << reserved) - 1;
            page->map = 0;

        } else {
            /* bits past the page's chunks count as used */
            page->map = chunks == 64 ? 0 : ~(uint64_t) 0 << chunks;
        }

        mx_slab_list_insert(slot, page);
        stat->pages++;
    }

    addr = mx_slab_page_addr(pool, page);

    if (shift < MX_SLAB_MAP_SHIFT) {
        map = (uint64_t *) addr;
        n = chunks / 64;

    } else {
        map = &page->map;
        n = 1;
    }

    for (i = 0; i < n; i++) {
        m = map[i];
        if (m != ~(uint64_t) 0) {
            break;
        }
    }

    if (i == n) {
        /* a page on the list always has room */
        mx_slab_error(pool, "mx_slab_alloc(): full page in a slot list");
        stat->fails++;
        return NULL;
    }

    bit = (mx_uint_t) __builtin_ctzll(~m);
    map[i] |= (uint64_t) 1 << bit;
    page->used++;
    stat->used++;

    if (page->used == chunks - reserved) {
        mx_slab_list_remove(page);
    }

    return addr + ((i * 64 + bit) << shift);
}


void
mx_slab_free(mx_slab_pool_t *pool, void *p)
{
    if (p == NULL) {
        return;
    }

    if (mx_shmtx_lock(&pool->mutex) == MX_ERROR) {
        return;
    }

    mx_slab_free_locked(pool, p);
    mx_shmtx_unlock(&pool->mutex);
}


void
mx_slab_free_locked(mx_slab_pool_t *pool, void *p)
{
    mx_slab_page_t  *page;
    mx_slab_stat_t  *stat;
    mx_uint_t        shift, chunks, reserved, n, i, bit;
    uint64_t        *map;
    size_t           off;
    u_char          *addr;

    if (p == NULL) {
        return;
    }

    if ((u_char *) p < pool->start || (u_char *) p >= pool->end) {
        mx_slab_error(pool, "mx_slab_free(): outside of pool");
        return;
    }

    page = &pool->pages[((u_char *) p - pool->start) >> MX_SLAB_PAGE_SHIFT];
    addr = mx_slab_page_addr(pool, page);
    off = (u_char *) p - addr;

    switch (page->type) {

    case MX_SLAB_CHUNKS:
        shift = page->shift;
        chunks = mx_slab_chunks(shift);
        reserved = mx_slab_reserved(shift);

        if (off & (((size_t) 1 << shift) - 1)) {
            mx_slab_error(pool, "mx_slab_free(): pointer to wrong chunk");
            return;
        }

        n = off >> shift;
        if (n < reserved) {
            mx_slab_error(pool, "mx_slab_free(): pointer to wrong chunk");
            return;
        }

        map = shift < MX_SLAB_MAP_SHIFT ? (uint64_t *) addr : &page->map;
        i = n / 64;
        bit = n % 64;

        if (!(map[i] & ((uint64_t) 1 << bit))) {
            mx_slab_error(pool, "mx_slab_free(): chunk is already free");
            return;
        }

        map[i] &= ~((uint64_t) 1 << bit);

        stat = &pool->stats[shift - MX_SLAB_MIN_SHIFT];
        stat->used--;

        if (page->used == chunks - reserved) {
            /* it was full: it has room again */
            mx_slab_list_insert(&pool->slots[shift - MX_SLAB_MIN_SHIFT],
                                page);
        }

        page->used--;

        if (page->used == 0) {
            mx_slab_list_remove(page);
            stat->pages--;
            mx_slab_free_pages(pool, page, 1);
        }

        return;

    case MX_SLAB_RUN:
        if (off != 0) {
            mx_slab_error(pool, "mx_slab_free(): pointer to wrong page");
            return;
        }

        mx_slab_free_pages(pool, page, page->npages);
        return;

    case MX_SLAB_BUSY:
        mx_slab_error(pool, "mx_slab_free(): pointer to wrong page");
        return;

    default:
        mx_slab_error(pool, "mx_slab_free(): page is already free");
        return;
    }
}


static mx_slab_page_t *
mx_slab_alloc_pages(mx_slab_pool_t *pool, mx_uint_t n)
{
    mx_slab_page_t  *page, *rest, *last;
    mx_uint_t        i, len;

    for (page = pool->free.next; page != &pool->free; page = page->next) {

        if (page->npages < n) {
            continue;
        }

        len = page->npages;
        mx_slab_list_remove(page);

        if (len > n) {
            /* the rest of the run stays free; its last page must name
             * the new first one */
            rest = page + n;
            rest->type = MX_SLAB_FREE;
            rest->npages = (uint32_t) (len - n);
            mx_slab_list_insert(&pool->free, rest);

            if (len - n > 1) {
                last = page + len - 1;
                last->type = MX_SLAB_FREE_TAIL;
                last->npages = (uint32_t) mx_slab_page_index(pool, rest);
            }
        }

        page->type = MX_SLAB_RUN;
        page->npages = (uint32_t) n;

        for (i = 1; i < n; i++) {
            page[i].type = MX_SLAB_BUSY;
        }

        pool->pfree -= n;

        return page;
    }

    return NULL;
}


static void
mx_slab_free_pages(mx_slab_pool_t *pool, mx_slab_page_t *page, mx_uint_t n)
{
    mx_slab_page_t  *next, *prev, *head, *last;
    mx_uint_t        i;

    pool->pfree += n;

    page->type = MX_SLAB_FREE;
    page->npages = (uint32_t) n;
    page->used = 0;
    page->shift = 0;
    page->map = 0;

    for (i = 1; i < n; i++) {
        page[i].type = MX_SLAB_FREE_BODY;
    }

    /* join the free run that follows */
    next = page + n;
    if (next < pool->pages + pool->npages && next->type == MX_SLAB_FREE) {
        mx_slab_list_remove(next);
        n += next->npages;
        page->npages = (uint32_t) n;
        next->type = MX_SLAB_FREE_BODY;
    }

    /* and the one that precedes */
    if (page > pool->pages) {
        prev = page - 1;
        head = NULL;

        if (prev->type == MX_SLAB_FREE) {
            head = prev;

        } else if (prev->type == MX_SLAB_FREE_TAIL) {
            head = &pool->pages[prev->npages];
            prev->type = MX_SLAB_FREE_BODY;
        }

        if (head) {
            mx_slab_list_remove(head);
            head->npages += (uint32_t) n;
            page->type = MX_SLAB_FREE_BODY;
            page = head;
            n = head->npages;
        }
    }

    if (n > 1) {
        last = page + n - 1;
        last->type = MX_SLAB_FREE_TAIL;
        last->npages = (uint32_t) mx_slab_page_index(pool, page);
    }

    mx_slab_list_insert(&pool->free, page);
}


static void
mx_slab_error(mx_slab_pool_t *pool, const char *what)
{
    mx_log_error(MX_LOG_ALERT, &mx_log_main, 0, "%s%s%s", what,
                 pool->name[0] ? " in " : "", pool->name);
}
