#include "mx_lua_shdict.h"
#include "mx_shm.h"

#include <sys/random.h>


#define MX_LUA_SHDICT_MAGIC  0x74636473   /* "sdct" */
#define MX_LUA_SHDICT_ALIGN  8

/* lua-nginx-module refuses sizes below two pages ("size <= 8191") */
#define MX_LUA_SHDICT_MIN_SIZE  8192


/* one lua_shared_dict directive of a configuration */
typedef struct {
    mx_str_t                 name;
    size_t                   size;
    mx_shm_zone_t           *zone;
    mx_lua_shdict_t         *dict;     /* in the zone, once mapped */
} mx_lua_shdict_conf_t;

typedef struct mx_lua_shdict_main_conf_s  mx_lua_shdict_main_conf_t;

struct mx_lua_shdict_main_conf_s {
    mx_array_t                   dicts;   /* mx_lua_shdict_conf_t * */
    mx_lua_shdict_main_conf_t   *older;   /* live configurations, */
    mx_lua_shdict_main_conf_t   *newer;   /* in order of creation */
};


static void *mx_lua_shdict_create_main_conf(mx_conf_t *cf);
static char *mx_lua_shdict_init_main_conf(mx_conf_t *cf, void *conf);
static void mx_lua_shdict_main_conf_cleanup(void *data);
static char *mx_lua_shdict_directive(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static int mx_lua_shdict_init_zone(mx_shm_zone_t *zone);
static void mx_lua_shdict_reset(mx_lua_shdict_t *d);


/* the newest configuration still alive: ngx.shared is built from it */
static mx_lua_shdict_main_conf_t  *mx_lua_shdict_newest;


static mx_command_t  mx_lua_shdict_commands[] = {

    { mx_string("lua_shared_dict"),
      MX_HTTP_MAIN_CONF|MX_CONF_TAKE2,
      mx_lua_shdict_directive,
      MX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    mx_null_command
};


static mx_http_module_t  mx_lua_shdict_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    mx_lua_shdict_create_main_conf,        /* create main configuration */
    mx_lua_shdict_init_main_conf,          /* init main configuration */

    NULL, NULL,                            /* srv conf */
    NULL, NULL                             /* loc conf */
};


mx_module_t  mx_http_lua_shdict_module = {
    "mx_http_lua_shdict_module",
    0,
    0,
    MX_HTTP_MODULE,
    &mx_lua_shdict_module_ctx,
    mx_lua_shdict_commands,
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL                                   /* exit process */
};


/* ------------------------------------------------------------ conf */

static void *
mx_lua_shdict_create_main_conf(mx_conf_t *cf)
{
    mx_lua_shdict_main_conf_t  *smcf;
    mx_pool_cleanup_t          *cln;

    smcf = mx_pcalloc(cf->pool, sizeof(mx_lua_shdict_main_conf_t));
    if (smcf == NULL) {
        return NULL;
    }

    if (mx_array_init(&smcf->dicts, cf->pool, 4,
                      sizeof(mx_lua_shdict_conf_t *)) != MX_OK)
    {
        return NULL;
    }

    cln = mx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    /*
     * While a reload is being read, the new configuration is the newest;
     * if it fails, freeing it makes the running one the newest again.
     */
    smcf->older = mx_lua_shdict_newest;
    if (smcf->older) {
        smcf->older->newer = smcf;
    }
    mx_lua_shdict_newest = smcf;

    cln->handler = mx_lua_shdict_main_conf_cleanup;
    cln->data = smcf;

    return smcf;
}


/*
 * At the end of http {}: the zones are mapped now rather than when the
 * whole configuration has been read, because init_by_lua* runs at the
 * http Lua module's postconfiguration (which comes after every module's
 * init_main_conf) and must find ngx.shared ready and writable, as in
 * nginx. mx_shm_cycle_init() maps the zones declared so far and will skip
 * them when mx_init_cycle() calls it again.
 */
static char *
mx_lua_shdict_init_main_conf(mx_conf_t *cf, void *conf)
{
    mx_lua_shdict_main_conf_t  *smcf = conf;

    if (smcf->dicts.nelts == 0) {
        return MX_CONF_OK;
    }

    if (mx_shm_cycle_init(cf->cycle) != MX_OK) {
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;
}


static void
mx_lua_shdict_main_conf_cleanup(void *data)
{
    mx_lua_shdict_main_conf_t  *smcf = data;

    if (smcf->older) {
        smcf->older->newer = smcf->newer;
    }

    if (smcf->newer) {
        smcf->newer->older = smcf->older;

    } else {
        mx_lua_shdict_newest = smcf->older;
    }
}


static char *
mx_lua_shdict_directive(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_lua_shdict_main_conf_t   *smcf = conf;
    mx_lua_shdict_conf_t        *sc, **psc;
    mx_shm_zone_t               *zone;
    mx_str_t                    *value;
    ssize_t                      size;
    char                         err[256];

    mx_unused(cmd);

    value = cf->args->elts;

    if (value[1].len == 0) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "invalid lua shared dict name \"%.*s\"",
                          MX_STR_ARG(value[1]));
        return MX_CONF_ERROR;
    }

    size = mx_parse_size(&value[2]);
    if (size == MX_ERROR || size < MX_LUA_SHDICT_MIN_SIZE) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "invalid lua shared dict size \"%.*s\"",
                          MX_STR_ARG(value[2]));
        return MX_CONF_ERROR;
    }

    zone = mx_shm_zone_add(cf->cycle, &value[1], (size_t) size,
                           &mx_http_lua_shdict_module, err, sizeof(err));
    if (zone == NULL) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "%s", err);
        return MX_CONF_ERROR;
    }

    if (zone->data) {
        sc = zone->data;
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "lua_shared_dict \"%.*s\" is already defined as "
                          "\"%.*s\"", MX_STR_ARG(value[1]),
                          MX_STR_ARG(sc->name));
        return MX_CONF_ERROR;
    }

    sc = mx_pcalloc(cf->pool, sizeof(mx_lua_shdict_conf_t));
    if (sc == NULL) {
        return MX_CONF_ERROR;
    }

    if (mx_str_dup(cf->pool, &sc->name, value[1].data, value[1].len)
        != MX_OK)
    {
        return MX_CONF_ERROR;
    }

    psc = mx_array_push(&smcf->dicts);
    if (psc == NULL) {
        return MX_CONF_ERROR;
    }

    *psc = sc;
    sc->size = (size_t) size;
    sc->zone = zone;

    zone->data = sc;
    zone->init = mx_lua_shdict_init_zone;

    return MX_CONF_OK;
}


/* ------------------------------------------------------------ zone */

static uint32_t
mx_lua_shdict_nbuckets(size_t size)
{
    uint32_t  n;

    n = 8;
    while (n < (1u << 24) && (size_t) n * 2 <= size / 512) {
        n *= 2;
    }

    return n;
}


static int
mx_lua_shdict_init_zone(mx_shm_zone_t *zone)
{
    mx_lua_shdict_conf_t  *sc = zone->data;
    mx_lua_shdict_t       *d;
    mx_slab_pool_t        *pool;
    size_t                 reserve, head;
    uint32_t               nbuckets;
    char                   logname[64];

    if (zone->shm.exists) {
        /* the same zone in the previous configuration: its dict goes on */
        pool = (mx_slab_pool_t *) zone->shm.addr;
        d = pool->data;

        if (d == NULL || d->magic != MX_LUA_SHDICT_MAGIC) {
            mx_log_error(MX_LOG_EMERG, &mx_log_main, 0,
                         "lua_shared_dict \"%.*s\" has a corrupted zone",
                         MX_STR_ARG(sc->name));
            return MX_ERROR;
        }

        sc->dict = d;
        return MX_OK;
    }

    nbuckets = mx_lua_shdict_nbuckets(zone->shm.size);
    head = mx_align(sizeof(mx_lua_shdict_t), MX_LUA_SHDICT_ALIGN);
    reserve = head + nbuckets * sizeof(mx_lua_shdict_node_t *)
              + sc->name.len + 1;

    snprintf(logname, sizeof(logname), "lua_shared_dict zone \"%.*s\"",
             MX_STR_ARG(sc->name));

    pool = mx_slab_init(zone->shm.addr, zone->shm.size, reserve, logname);
    if (pool == NULL) {
        mx_log_error(MX_LOG_EMERG, &mx_log_main, 0,
                     "lua_shared_dict \"%.*s\" is too small",
                     MX_STR_ARG(sc->name));
        return MX_ERROR;
    }

    d = pool->data;
    d->pool = pool;
    d->nbuckets = nbuckets;
    d->buckets = (mx_lua_shdict_node_t **) ((u_char *) d + head);
    d->capacity = zone->shm.size;
    d->name.data = (u_char *) (d->buckets + nbuckets);
    d->name.len = sc->name.len;
    memcpy(d->name.data, sc->name.data, sc->name.len);
    d->name.data[sc->name.len] = '\0';

    if (getrandom(d->seed, sizeof(d->seed), GRND_NONBLOCK)
        != (ssize_t) sizeof(d->seed))
    {
        /* no entropy this early: still different per zone and boot */
        d->seed[0] = (uint64_t) mx_current_msec ^ ((uint64_t) getpid() << 32);
        d->seed[1] = (uint64_t) (uintptr_t) d ^ (uint64_t) time(NULL);
    }

    mx_lua_shdict_reset(d);
    d->magic = MX_LUA_SHDICT_MAGIC;

    sc->dict = d;

    return MX_OK;
}


/* empties a dict: every node goes with the slab's pages */
static void
mx_lua_shdict_reset(mx_lua_shdict_t *d)
{
    mx_slab_reset(d->pool);
    memset(d->buckets, 0, d->nbuckets * sizeof(mx_lua_shdict_node_t *));
    mx_lua_shdict_queue_init(&d->lru);
}


mx_uint_t
mx_lua_shdict_count(void)
{
    return mx_lua_shdict_newest ? mx_lua_shdict_newest->dicts.nelts : 0;
}


mx_lua_shdict_t *
mx_lua_shdict_at(mx_uint_t i, mx_str_t *name)
{
    mx_lua_shdict_conf_t  **sc;

    if (mx_lua_shdict_newest == NULL
        || i >= mx_lua_shdict_newest->dicts.nelts)
    {
        return NULL;
    }

    sc = mx_lua_shdict_newest->dicts.elts;
    *name = sc[i]->name;

    return sc[i]->dict;
}


/* ------------------------------------------------------ primitives */

int
mx_lua_shdict_lock(mx_lua_shdict_t *d)
{
    int  rc;

    rc = mx_shmtx_lock(&d->pool->mutex);

    if (rc == MX_OK) {
        return MX_OK;
    }

    if (rc == MX_DONE) {
        mx_log_error(MX_LOG_ALERT, &mx_log_main, 0,
                     "lua_shared_dict \"%.*s\" was locked by a process that "
                     "died, its contents are dropped", MX_STR_ARG(d->name));
        mx_lua_shdict_reset(d);
        return MX_OK;
    }

    mx_log_error(MX_LOG_ALERT, &mx_log_main, errno,
                 "lua_shared_dict \"%.*s\": lock failed",
                 MX_STR_ARG(d->name));
    return MX_ERROR;
}


void
mx_lua_shdict_unlock(mx_lua_shdict_t *d)
{
    mx_shmtx_unlock(&d->pool->mutex);
}


/* SipHash-1-3 (Aumasson, Bernstein), 64-bit result */

#define MX_ROTL64(x, b)  (uint64_t) (((x) << (b)) | ((x) >> (64 - (b))))

#define MX_SIPROUND                                                        \
    do {                                                                   \
        v0 += v1; v1 = MX_ROTL64(v1, 13); v1 ^= v0;                        \
        v0 = MX_ROTL64(v0, 32);                                            \
        v2 += v3; v3 = MX_ROTL64(v3, 16); v3 ^= v2;                        \
        v0 += v3; v3 = MX_ROTL64(v3, 21); v3 ^= v0;                        \
        v2 += v1; v1 = MX_ROTL64(v1, 17); v1 ^= v2;                        \
        v2 = MX_ROTL64(v2, 32);                                            \
    } while (0)


uint32_t
mx_lua_shdict_hash(mx_lua_shdict_t *d, const u_char *key, size_t len)
{
    uint64_t        v0, v1, v2, v3, m, b;
    const u_char   *end;
    size_t          left;

    v0 = 0x736f6d6570736575ULL ^ d->seed[0];
    v1 = 0x646f72616e646f6dULL ^ d->seed[1];
    v2 = 0x6c7967656e657261ULL ^ d->seed[0];
    v3 = 0x7465646279746573ULL ^ d->seed[1];

    b = (uint64_t) len << 56;
    end = key + (len & ~(size_t) 7);

    for ( ; key != end; key += 8) {
        memcpy(&m, key, 8);
        v3 ^= m;
        MX_SIPROUND;
        v0 ^= m;
    }

    left = len & 7;
    switch (left) {
    case 7: b |= (uint64_t) key[6] << 48; /* fall through */
    case 6: b |= (uint64_t) key[5] << 40; /* fall through */
    case 5: b |= (uint64_t) key[4] << 32; /* fall through */
    case 4: b |= (uint64_t) key[3] << 24; /* fall through */
    case 3: b |= (uint64_t) key[2] << 16; /* fall through */
    case 2: b |= (uint64_t) key[1] << 8;  /* fall through */
    case 1: b |= (uint64_t) key[0];       break;
    case 0: break;
    }

    v3 ^= b;
    MX_SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    MX_SIPROUND;
    MX_SIPROUND;
    MX_SIPROUND;

    b = v0 ^ v1 ^ v2 ^ v3;

    return (uint32_t) (b ^ (b >> 32));
}


int
mx_lua_shdict_peek(mx_lua_shdict_t *d, uint32_t hash, const u_char *key,
    size_t len, mx_lua_shdict_node_t **np)
{
    mx_lua_shdict_node_t  *node;

    for (node = d->buckets[hash & (d->nbuckets - 1)]; node;
         node = node->hnext)
    {
        if (node->hash == hash && node->key_len == len
            && memcmp(node->data, key, len) == 0)
        {
            *np = node;
            return MX_OK;
        }
    }

    *np = NULL;
    return MX_DECLINED;
}


int
mx_lua_shdict_lookup(mx_lua_shdict_t *d, uint32_t hash, const u_char *key,
    size_t len, mx_lua_shdict_node_t **np)
{
    mx_lua_shdict_node_t  *node;

    if (mx_lua_shdict_peek(d, hash, key, len, np) != MX_OK) {
        return MX_DECLINED;
    }

    node = *np;
    mx_lua_shdict_touch(d, node);

    /* as nginx: expired once the deadline is strictly behind */
    if (node->expires != 0
        && (int64_t) (node->expires - mx_lua_shdict_now()) < 0)
    {
        return MX_DONE;
    }

    return MX_OK;
}


mx_uint_t
mx_lua_shdict_expire(mx_lua_shdict_t *d, mx_uint_t n)
{
    mx_lua_shdict_node_t  *node;
    uint64_t               now;
    mx_uint_t              freed;

    now = mx_lua_shdict_now();
    freed = 0;

    while (n < 3) {

        if (mx_lua_shdict_queue_empty(&d->lru)) {
            return freed;
        }

        node = (mx_lua_shdict_node_t *) d->lru.prev;

        if (n++ != 0) {
            if (node->expires == 0
                || (int64_t) (node->expires - now) > 0)
            {
                return freed;
            }
        }

        mx_lua_shdict_delete(d, node);
        freed++;
    }

    return freed;
}


mx_lua_shdict_queue_t *
mx_lua_shdict_list(mx_lua_shdict_node_t *node)
{
    uintptr_t  p;

    p = (uintptr_t) (node->data + node->key_len);
    p = (p + MX_LUA_SHDICT_ALIGN - 1) & ~(uintptr_t) (MX_LUA_SHDICT_ALIGN - 1);

    return (mx_lua_shdict_queue_t *) p;
}


mx_lua_shdict_node_t *
mx_lua_shdict_node_alloc(mx_lua_shdict_t *d, uint32_t hash,
    const u_char *key, size_t key_len, int value_type, size_t value_len)
{
    mx_lua_shdict_node_t  *node;
    size_t                 size;

    size = offsetof(mx_lua_shdict_node_t, data) + key_len;

    if (value_type == MX_LUA_SHDICT_TLIST) {
        size = mx_align(size, MX_LUA_SHDICT_ALIGN)
               + sizeof(mx_lua_shdict_queue_t);

    } else {
        if (value_len > UINT32_MAX || value_len > d->capacity) {
            return NULL;
        }

        size += value_len;
    }

    node = mx_slab_alloc_locked(d->pool, size);
    if (node == NULL) {
        return NULL;
    }

    node->hnext = NULL;
    node->lru.prev = NULL;
    node->lru.next = NULL;
    node->expires = 0;
    node->hash = hash;
    node->user_flags = 0;
    node->key_len = (uint16_t) key_len;
    node->value_type = (uint8_t) value_type;
    memcpy(node->data, key, key_len);

    if (value_type == MX_LUA_SHDICT_TLIST) {
        node->value_len = 0;
        mx_lua_shdict_queue_init(mx_lua_shdict_list(node));

    } else {
        node->value_len = (uint32_t) value_len;
    }

    return node;
}


void
mx_lua_shdict_insert(mx_lua_shdict_t *d, mx_lua_shdict_node_t *node)
{
    mx_lua_shdict_node_t  **bucket;

    bucket = &d->buckets[node->hash & (d->nbuckets - 1)];
    node->hnext = *bucket;
    *bucket = node;

    mx_lua_shdict_queue_insert_head(&d->lru, &node->lru);
}


void
mx_lua_shdict_touch(mx_lua_shdict_t *d, mx_lua_shdict_node_t *node)
{
    if (d->lru.next != &node->lru) {
        mx_lua_shdict_queue_remove(&node->lru);
        mx_lua_shdict_queue_insert_head(&d->lru, &node->lru);
    }
}


void
mx_lua_shdict_list_clear(mx_lua_shdict_t *d, mx_lua_shdict_node_t *node)
{
    mx_lua_shdict_queue_t  *list, *q, *next;

    list = mx_lua_shdict_list(node);

    for (q = list->next; q != list; q = next) {
        next = q->next;
        mx_slab_free_locked(d->pool, q);
    }

    mx_lua_shdict_queue_init(list);
    node->value_len = 0;
}


void
mx_lua_shdict_delete(mx_lua_shdict_t *d, mx_lua_shdict_node_t *node)
{
    mx_lua_shdict_node_t  **p;

    if (node->value_type == MX_LUA_SHDICT_TLIST) {
        mx_lua_shdict_list_clear(d, node);
    }

    for (p = &d->buckets[node->hash & (d->nbuckets - 1)]; *p;
         p = &(*p)->hnext)
    {
        if (*p == node) {
            *p = node->hnext;
            break;
        }
    }

    mx_lua_shdict_queue_remove(&node->lru);
    mx_slab_free_locked(d->pool, node);
}
