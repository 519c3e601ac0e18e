#ifndef MX_LUA_SHDICT_H
#define MX_LUA_SHDICT_H

#include "mx_http.h"
#include "mx_slab.h"
#include "mx_lua_ffi.h"

/*
 * lua_shared_dict NAME SIZE and the dictionaries behind ngx.shared.NAME.
 *
 * Each dict is a shared-memory zone (core/shm/mx_shm.h) with a slab pool
 * (mx_slab.h) whose reserved area holds the mx_lua_shdict_t below and
 * the hash buckets; entries are slab allocations. All of a dict's state
 * is in the zone, behind the pool's lock, so every worker sees the same
 * dict, and the dict survives a reload when its name and size are
 * unchanged.
 *
 * Entries are found by a seeded SipHash of the key in a hash table of a
 * fixed number of buckets (the zone size / 512, a power of two: at most
 * a few entries per chain at any fill), and kept on an LRU list (most
 * recently used first) which is also what eviction and lazy expiry walk,
 * as in lua-nginx-module: every operation first drops up to two expired
 * entries from the LRU tail, and a store that finds no room evicts from
 * the tail (the "forcible" flag). Expiry times are on the monotonic
 * clock in ms (mx_current_msec, cached per event loop turn), so that
 * wall-clock jumps do not expire or revive entries.
 *
 * This header is for the shared-dict files only (mx_lua_shdict.c, the
 * zone and the module; mx_lua_ffi_shdict.c, the operations): the
 * primitives below expect the caller to hold the dict's lock.
 */

/* value types: Lua's type numbers, and lists */
#define MX_LUA_SHDICT_TNIL       0
#define MX_LUA_SHDICT_TBOOLEAN   1
#define MX_LUA_SHDICT_TNUMBER    3
#define MX_LUA_SHDICT_TSTRING    4
#define MX_LUA_SHDICT_TLIST      5

#define MX_LUA_SHDICT_MAX_KEY    65535

typedef struct mx_lua_shdict_queue_s  mx_lua_shdict_queue_t;

struct mx_lua_shdict_queue_s {
    mx_lua_shdict_queue_t   *prev;
    mx_lua_shdict_queue_t   *next;
};

typedef struct mx_lua_shdict_node_s  mx_lua_shdict_node_t;

/* an entry; the LRU link comes first, so that the queue is the node */
struct mx_lua_shdict_node_s {
    mx_lua_shdict_queue_t    lru;
    mx_lua_shdict_node_t    *hnext;       /* hash chain */
    uint64_t                 expires;     /* monotonic ms; 0: never */
    uint32_t                 hash;
    uint32_t                 value_len;   /* bytes; lists: items */
    uint32_t                 user_flags;
    uint16_t                 key_len;
    uint8_t                  value_type;  /* MX_LUA_SHDICT_T* */
    u_char                   data[];      /* the key, then the value; a
                                             list's queue head after the
                                             key, aligned */
};

/* an item of a list value */
typedef struct {
    mx_lua_shdict_queue_t    queue;
    uint32_t                 value_len;
    uint8_t                  value_type;  /* TSTRING or TNUMBER */
    u_char                   data[];
} mx_lua_shdict_list_node_t;

/* a dict: the head of its zone's reserved area */
typedef struct mx_lua_shdict_s {
    mx_slab_pool_t          *pool;
    mx_lua_shdict_node_t   **buckets;     /* nbuckets, after this struct */
    uint32_t                 nbuckets;    /* a power of two */
    uint32_t                 magic;
    uint64_t                 seed[2];     /* the SipHash key */
    mx_lua_shdict_queue_t    lru;         /* head: most recently used */
    size_t                   capacity;    /* the configured size */
    mx_str_t                 name;        /* in the reserved area too */
} mx_lua_shdict_t;

/* the http module of the lua_shared_dict directive */
extern mx_module_t  mx_http_lua_shdict_module;

/* ---------------------------------------- the dicts of this process */

/*
 * The dicts of the newest configuration of this process (the one being
 * loaded while init_by_lua* runs in the master, else the running one):
 * how many, and the i-th with its name (NULL once out of range or when
 * the zone is not mapped yet).
 */
mx_uint_t mx_lua_shdict_count(void);
mx_lua_shdict_t *mx_lua_shdict_at(mx_uint_t i, mx_str_t *name);

/* ------------------------------------ primitives (lock held unless
 *                                        said otherwise) */

/*
 * Takes the dict's lock (not held). MX_OK, or MX_ERROR (logged) when it
 * cannot be taken. A dict whose lock was held by a process that died is
 * emptied (its lists may be half-updated) and the event logged at alert
 * level; the lock is then taken and MX_OK returned.
 */
int mx_lua_shdict_lock(mx_lua_shdict_t *d);
void mx_lua_shdict_unlock(mx_lua_shdict_t *d);

/* the cached monotonic clock, ms: what expires is compared with */
#define mx_lua_shdict_now()  ((uint64_t) mx_current_msec)

uint32_t mx_lua_shdict_hash(mx_lua_shdict_t *d, const u_char *key,
    size_t len);

/*
 * Finds a key and makes it the most recently used. MX_OK (live),
 * MX_DONE (found but expired) or MX_DECLINED (absent, *np NULL).
 */
int mx_lua_shdict_lookup(mx_lua_shdict_t *d, uint32_t hash,
    const u_char *key, size_t len, mx_lua_shdict_node_t **np);

/* the same without touching the LRU order or looking at expiry:
 * MX_OK or MX_DECLINED */
int mx_lua_shdict_peek(mx_lua_shdict_t *d, uint32_t hash,
    const u_char *key, size_t len, mx_lua_shdict_node_t **np);

/*
 * lua-nginx-module's ngx_http_lua_shdict_expire(): n == 1 drops up to two
 * expired entries from the LRU tail; n == 0 drops the tail entry whatever
 * its expiry, then up to two expired ones. Returns how many were dropped.
 */
mx_uint_t mx_lua_shdict_expire(mx_lua_shdict_t *d, mx_uint_t n);

/*
 * A node for key_len bytes of key and value_len bytes of value (or a
 * list head with MX_LUA_SHDICT_TLIST), its key copied, not yet linked;
 * NULL when the zone is full.
 */
mx_lua_shdict_node_t *mx_lua_shdict_node_alloc(mx_lua_shdict_t *d,
    uint32_t hash, const u_char *key, size_t key_len, int value_type,
    size_t value_len);

/* the value bytes of a node (not for lists) */
#define mx_lua_shdict_value(node)  ((node)->data + (node)->key_len)

/* the queue head of a list node's items */
mx_lua_shdict_queue_t *mx_lua_shdict_list(mx_lua_shdict_node_t *node);

/* links a new node into the hash table and at the LRU head */
void mx_lua_shdict_insert(mx_lua_shdict_t *d, mx_lua_shdict_node_t *node);

/* unlinks a node and frees it (and a list's items) */
void mx_lua_shdict_delete(mx_lua_shdict_t *d, mx_lua_shdict_node_t *node);

/* makes a node the most recently used */
void mx_lua_shdict_touch(mx_lua_shdict_t *d, mx_lua_shdict_node_t *node);

/* frees the items of a list node, leaving it an empty list */
void mx_lua_shdict_list_clear(mx_lua_shdict_t *d,
    mx_lua_shdict_node_t *node);

#define mx_lua_shdict_queue_init(q)  (q)->prev = (q); (q)->next = (q)
#define mx_lua_shdict_queue_empty(h)  ((h)->next == (h))

static inline void
mx_lua_shdict_queue_insert_head(mx_lua_shdict_queue_t *h,
    mx_lua_shdict_queue_t *q)
{
    q->next = h->next;
    q->prev = h;
    h->next->prev = q;
    h->next = q;
}

static inline void
mx_lua_shdict_queue_insert_tail(mx_lua_shdict_queue_t *h,
    mx_lua_shdict_queue_t *q)
{
    q->prev = h->prev;
    q->next = h;
    h->prev->next = q;
    h->prev = q;
}

static inline void
mx_lua_shdict_queue_remove(mx_lua_shdict_queue_t *q)
{
    q->prev->next = q->next;
    q->next->prev = q->prev;
    q->prev = NULL;
    q->next = NULL;
}

/* --------------------------------- FFI exports (mx_lua_ffi_shdict.c) */

/*
 * ngx.shared.DICT for lua/resty/core/shdict.lua, with the contracts of
 * lua-nginx-module's ngx_http_lua_ffi_shdict_* (same arguments, codes and
 * messages); d is a dict from mx_ffi_shdict_at(), valid while the VM
 * that got it runs. Keys are 1..65535 bytes (Lua checks). Times are in
 * ms. *err points to static strings. None may be called with the lock
 * held, none calls back into Lua.
 */

/* store ops */
#define MX_FFI_SHDICT_ADD         0x0001
#define MX_FFI_SHDICT_REPLACE     0x0002
#define MX_FFI_SHDICT_SAFE_STORE  0x0004

/* the dicts to put in ngx.shared: how many, and each with its name
 * (NULL when i is out of range) */
int mx_ffi_shdict_count(void);
mx_lua_shdict_t *mx_ffi_shdict_at(int i, const u_char **name,
    size_t *name_len);

/*
 * set/add/replace/safe_* and delete (value_type TNIL): the value is
 * str_value_buf (TSTRING) or num_value (TNUMBER; TBOOLEAN: 0 or not).
 * exptime > 0 sets a TTL. MX_OK; MX_DECLINED with *errmsg "exists" (add)
 * or "not found" (replace); MX_ERROR with *errmsg "no memory" or
 * "attempt to add or replace nil values". *forcible tells whether live
 * entries were evicted to make room.
 */
int mx_ffi_shdict_store(mx_lua_shdict_t *d, int op, const u_char *key,
    size_t key_len, int value_type, const u_char *str_value_buf,
    size_t str_value_len, double num_value, long exptime, int user_flags,
    const char **errmsg, int *forcible);

/*
 * get/get_stale: *value_type TNIL when absent (or expired and not
 * get_stale). A string is copied to *str_value_buf when it fits in
 * *str_value_len bytes, else to a malloc()ed buffer that replaces
 * *str_value_buf (free it with mx_ffi_shdict_free()); a boolean is one
 * byte in *str_value_buf, a number is *num_value. MX_OK; MX_ERROR with
 * *err "value is a list" (or NULL on a memory failure).
 */
int mx_ffi_shdict_get(mx_lua_shdict_t *d, const u_char *key,
    size_t key_len, int *value_type, u_char **str_value_buf,
    size_t *str_value_len, double *num_value, int *user_flags,
    int get_stale, int *is_stale, const char **err);

/*
 * incr: *value += the stored number (or init + *value, with init_ttl,
 * when has_init and the key is absent). MX_OK with the result in
 * *value; MX_ERROR with *err "not found", "not a number" or "no memory".
 */
int mx_ffi_shdict_incr(mx_lua_shdict_t *d, const u_char *key,
    size_t key_len, double *value, const char **err, int has_init,
    double init, long init_ttl, int *forcible);

/* marks every entry expired (get_stale still sees them); MX_OK */
int mx_ffi_shdict_flush_all(mx_lua_shdict_t *d);

/* frees up to max (0: all) expired entries; returns how many */
int mx_ffi_shdict_flush_expired(mx_lua_shdict_t *d, int max);

/*
 * ttl: ms left (0: no expiry; negative: expired, not yet removed), or
 * MX_DECLINED when absent.
 */
long mx_ffi_shdict_get_ttl(mx_lua_shdict_t *d, const u_char *key,
    size_t key_len);

/* expire: a new TTL (0: none) for a present key; MX_OK or MX_DECLINED */
int mx_ffi_shdict_set_expire(mx_lua_shdict_t *d, const u_char *key,
    size_t key_len, long exptime);

/* the configured size, and the bytes in free slab pages */
size_t mx_ffi_shdict_capacity(mx_lua_shdict_t *d);
size_t mx_ffi_shdict_free_space(mx_lua_shdict_t *d);

/*
 * lpush (left 1) / rpush (left 0) a TSTRING or TNUMBER: the new length;
 * MX_DECLINED with *err "value not a list"; MX_ERROR with *err
 * "no memory" (lists never evict).
 */
int mx_ffi_shdict_push(mx_lua_shdict_t *d, int left, const u_char *key,
    size_t key_len, int value_type, const u_char *str_value_buf,
    size_t str_value_len, double num_value, const char **err);

/*
 * lpop / rpop: the value as for mx_ffi_shdict_get (TNIL when absent);
 * MX_OK; MX_DECLINED with *err "value not a list"; MX_ERROR with *err.
 */
int mx_ffi_shdict_pop(mx_lua_shdict_t *d, int left, const u_char *key,
    size_t key_len, int *value_type, u_char **str_value_buf,
    size_t *str_value_len, double *num_value, const char **err);

/* llen: the length (0 when absent); MX_DECLINED, "value not a list" */
int mx_ffi_shdict_llen(mx_lua_shdict_t *d, const u_char *key,
    size_t key_len, const char **err);

/*
 * get_keys: the keys of up to max (0: all) live entries, least recently
 * used first, as *keys: one malloc()ed block (free it with
 * mx_ffi_shdict_free(); NULL when there are none). Returns the count, or
 * MX_ERROR on a memory failure.
 */
int mx_ffi_shdict_get_keys(mx_lua_shdict_t *d, int max,
    mx_ffi_str_t **keys);

/* frees what get, pop and get_keys malloc()ed; accepts NULL */
void mx_ffi_shdict_free(void *p);

#endif /* MX_LUA_SHDICT_H */
