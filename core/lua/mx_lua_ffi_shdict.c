#include "mx_lua_shdict.h"

/*
 * ngx.shared.DICT operations, following lua-nginx-module's
 * ngx_http_lua_shdict.c step by step (lazy expiry first, the lookup that
 * makes the entry the most recently used, reuse of a node whose value
 * has the same size, up to 30 evictions from the LRU tail when a store
 * finds no room) so that return values, messages and eviction order are
 * the same.
 */

/* how many times a store evicts the LRU tail before giving up */
#define MX_LUA_SHDICT_EVICT_TRIES  30

static const char  mx_lua_shdict_lock_err[] = "failed to lock the dict";


int
mx_ffi_shdict_count(void)
{
    return (int) mx_lua_shdict_count();
}


mx_lua_shdict_t *
mx_ffi_shdict_at(int i, const u_char **name, size_t *name_len)
{
    mx_lua_shdict_t  *d;
    mx_str_t          n;

    if (i < 0) {
        return NULL;
    }

    d = mx_lua_shdict_at((mx_uint_t) i, &n);
    if (d == NULL) {
        return NULL;
    }

    *name = n.data;
    *name_len = n.len;

    return d;
}


static void
mx_lua_shdict_set_expires(mx_lua_shdict_node_t *node, long exptime)
{
    node->expires = exptime > 0
                    ? mx_lua_shdict_now() + (uint64_t) exptime : 0;
}


/*
 * Allocates a node, evicting from the LRU tail when the zone is full and
 * evict is set. NULL when there is still no room.
 */
static mx_lua_shdict_node_t *
mx_lua_shdict_alloc_evict(mx_lua_shdict_t *d, uint32_t hash,
    const u_char *key, size_t key_len, int value_type, size_t value_len,
    int evict, int *forcible)
{
    mx_lua_shdict_node_t  *node;
    mx_uint_t              i;

    node = mx_lua_shdict_node_alloc(d, hash, key, key_len, value_type,
                                    value_len);
    if (node || !evict) {
        return node;
    }

    for (i = 0; i < MX_LUA_SHDICT_EVICT_TRIES; i++) {
        if (mx_lua_shdict_expire(d, 0) == 0) {
            break;
        }

        *forcible = 1;

        node = mx_lua_shdict_node_alloc(d, hash, key, key_len, value_type,
                                        value_len);
        if (node) {
            return node;
        }
    }

    return NULL;
}


int
mx_ffi_shdict_store(mx_lua_shdict_t *d, int op, const u_char *key,
    size_t key_len, int value_type, const u_char *str_value_buf,
    size_t str_value_len, double num_value, long exptime, int user_flags,
    const char **errmsg, int *forcible)
{
    mx_lua_shdict_node_t  *node;
    uint32_t               hash;
    u_char                 c;
    int                    rc;

    *forcible = 0;

    if (key_len == 0 || key_len > MX_LUA_SHDICT_MAX_KEY) {
        *errmsg = key_len ? "key too long" : "empty key";
        return MX_ERROR;
    }

    switch (value_type) {

    case MX_LUA_SHDICT_TSTRING:
        break;

    case MX_LUA_SHDICT_TNUMBER:
        str_value_buf = (const u_char *) &num_value;
        str_value_len = sizeof(double);
        break;

    case MX_LUA_SHDICT_TBOOLEAN:
        c = num_value ? 1 : 0;
        str_value_buf = &c;
        str_value_len = sizeof(u_char);
        break;

    case MX_LUA_SHDICT_TNIL:
        if (op & (MX_FFI_SHDICT_ADD|MX_FFI_SHDICT_REPLACE)) {
            *errmsg = "attempt to add or replace nil values";
            return MX_ERROR;
        }

        str_value_buf = NULL;
        str_value_len = 0;
        break;

    default:
        *errmsg = "unsupported value type";
        return MX_ERROR;
    }

    if (str_value_buf == NULL && value_type == MX_LUA_SHDICT_TSTRING) {
        /* an empty Lua string may come as a NULL pointer */
        str_value_buf = (const u_char *) "";
    }

    hash = mx_lua_shdict_hash(d, key, key_len);

    if (mx_lua_shdict_lock(d) != MX_OK) {
        *errmsg = mx_lua_shdict_lock_err;
        return MX_ERROR;
    }

    mx_lua_shdict_expire(d, 1);

    rc = mx_lua_shdict_lookup(d, hash, key, key_len, &node);

    if (op & MX_FFI_SHDICT_REPLACE) {
        if (rc != MX_OK) {
            mx_lua_shdict_unlock(d);
            *errmsg = "not found";
            return MX_DECLINED;
        }

        goto replace;
    }

    if (op & MX_FFI_SHDICT_ADD) {
        if (rc == MX_OK) {
            mx_lua_shdict_unlock(d);
            *errmsg = "exists";
            return MX_DECLINED;
        }

        if (rc == MX_DONE) {
            /* there but expired: as good as absent */
            goto replace;
        }

        goto insert;
    }

    if (rc == MX_DECLINED) {
        goto insert;
    }

    if (value_type == MX_LUA_SHDICT_TNIL) {
        goto remove;
    }

replace:

    if (str_value_buf
        && str_value_len == node->value_len
        && node->value_type != MX_LUA_SHDICT_TLIST)
    {
        /* same size: overwrite in place (the lookup made it the MRU) */
        mx_lua_shdict_set_expires(node, exptime);
        node->user_flags = (uint32_t) user_flags;
        node->value_type = (uint8_t) value_type;
        memcpy(mx_lua_shdict_value(node), str_value_buf, str_value_len);

        mx_lua_shdict_unlock(d);
        return MX_OK;
    }

remove:

    mx_lua_shdict_delete(d, node);

insert:

    if (str_value_buf == NULL) {
        /* delete of an absent key */
        mx_lua_shdict_unlock(d);
        return MX_OK;
    }

    node = mx_lua_shdict_alloc_evict(d, hash, key, key_len, value_type,
                                     str_value_len,
                                     !(op & MX_FFI_SHDICT_SAFE_STORE),
                                     forcible);
    if (node == NULL) {
        mx_lua_shdict_unlock(d);
        *errmsg = "no memory";
        return MX_ERROR;
    }

    mx_lua_shdict_set_expires(node, exptime);
    node->user_flags = (uint32_t) user_flags;
    memcpy(mx_lua_shdict_value(node), str_value_buf, str_value_len);

    mx_lua_shdict_insert(d, node);
    mx_lua_shdict_unlock(d);

    return MX_OK;
}


int
mx_ffi_shdict_get(mx_lua_shdict_t *d, const u_char *key, size_t key_len,
    int *value_type, u_char **str_value_buf, size_t *str_value_len,
    double *num_value, int *user_flags, int get_stale, int *is_stale,
    const char **err)
{
    mx_lua_shdict_node_t  *node;
    uint32_t               hash;
    size_t                 len;
    u_char                *value;
    int                    rc;

    *err = NULL;

    if (key_len == 0 || key_len > MX_LUA_SHDICT_MAX_KEY) {
        *err = key_len ? "key too long" : "empty key";
        return MX_ERROR;
    }

    hash = mx_lua_shdict_hash(d, key, key_len);

    if (mx_lua_shdict_lock(d) != MX_OK) {
        *err = mx_lua_shdict_lock_err;
        return MX_ERROR;
    }

    if (!get_stale) {
        mx_lua_shdict_expire(d, 1);
    }

    rc = mx_lua_shdict_lookup(d, hash, key, key_len, &node);

    if (rc == MX_DECLINED || (rc == MX_DONE && !get_stale)) {
        mx_lua_shdict_unlock(d);
        *value_type = MX_LUA_SHDICT_TNIL;
        return MX_OK;
    }

    *value_type = node->value_type;
    value = mx_lua_shdict_value(node);
    len = node->value_len;

    switch (node->value_type) {

    case MX_LUA_SHDICT_TSTRING:
        if (*str_value_len < len) {
            *str_value_buf = malloc(len);
            if (*str_value_buf == NULL) {
                mx_lua_shdict_unlock(d);
                return MX_ERROR;
            }
        }

        memcpy(*str_value_buf, value, len);
        *str_value_len = len;
        break;

    case MX_LUA_SHDICT_TNUMBER:
        memcpy(num_value, value, sizeof(double));
        *str_value_len = len;
        break;

    case MX_LUA_SHDICT_TBOOLEAN:
        if (*str_value_len < 1) {
            mx_lua_shdict_unlock(d);
            return MX_ERROR;
        }

        (*str_value_buf)[0] = value[0];
        break;

    case MX_LUA_SHDICT_TLIST:
        mx_lua_shdict_unlock(d);
        *err = "value is a list";
        return MX_ERROR;

    default:
        mx_lua_shdict_unlock(d);
        mx_log_error(MX_LOG_ERR, &mx_log_main, 0,
                     "bad value type found for key %.*s in shared_dict "
                     "%.*s: %d", (int) key_len, key, MX_STR_ARG(d->name),
                     *value_type);
        return MX_ERROR;
    }

    *user_flags = (int) node->user_flags;

    mx_lua_shdict_unlock(d);

    if (get_stale) {
        *is_stale = (rc == MX_DONE);
    }

    return MX_OK;
}


int
mx_ffi_shdict_incr(mx_lua_shdict_t *d, const u_char *key, size_t key_len,
    double *value, const char **err, int has_init, double init,
    long init_ttl, int *forcible)
{
    mx_lua_shdict_node_t  *node;
    uint32_t               hash;
    double                 num;
    int                    rc;

    *forcible = 0;

    if (key_len == 0 || key_len > MX_LUA_SHDICT_MAX_KEY) {
        *err = key_len ? "key too long" : "empty key";
        return MX_ERROR;
    }

    hash = mx_lua_shdict_hash(d, key, key_len);

    if (mx_lua_shdict_lock(d) != MX_OK) {
        *err = mx_lua_shdict_lock_err;
        return MX_ERROR;
    }

    mx_lua_shdict_expire(d, 1);

    rc = mx_lua_shdict_lookup(d, hash, key, key_len, &node);

    if (rc == MX_OK) {
        if (node->value_type != MX_LUA_SHDICT_TNUMBER
            || node->value_len != sizeof(double))
        {
            mx_lua_shdict_unlock(d);
            *err = "not a number";
            return MX_ERROR;
        }

        memcpy(&num, mx_lua_shdict_value(node), sizeof(double));
        num += *value;
        memcpy(mx_lua_shdict_value(node), &num, sizeof(double));

        mx_lua_shdict_unlock(d);

        *value = num;
        return MX_OK;
    }

    if (!has_init) {
        mx_lua_shdict_unlock(d);
        *err = "not found";
        return MX_ERROR;
    }

    num = *value + init;

    if (rc == MX_DONE) {
        if (node->value_len == sizeof(double)
            && node->value_type != MX_LUA_SHDICT_TLIST)
        {
            /* an expired entry of the right size takes the new value */
            goto setvalue;
        }

        mx_lua_shdict_delete(d, node);
    }

    node = mx_lua_shdict_alloc_evict(d, hash, key, key_len,
                                     MX_LUA_SHDICT_TNUMBER, sizeof(double),
                                     1, forcible);
    if (node == NULL) {
        mx_lua_shdict_unlock(d);
        *err = "no memory";
        return MX_ERROR;
    }

    mx_lua_shdict_insert(d, node);

setvalue:

    node->user_flags = 0;
    node->value_type = MX_LUA_SHDICT_TNUMBER;
    mx_lua_shdict_set_expires(node, init_ttl);
    memcpy(mx_lua_shdict_value(node), &num, sizeof(double));

    mx_lua_shdict_unlock(d);

    *value = num;
    return MX_OK;
}


int
mx_ffi_shdict_flush_all(mx_lua_shdict_t *d)
{
    mx_lua_shdict_queue_t  *q;

    if (mx_lua_shdict_lock(d) != MX_OK) {
        return MX_ERROR;
    }

    /* expired, not freed: flush_expired() or later stores reclaim them */
    for (q = d->lru.next; q != &d->lru; q = q->next) {
        ((mx_lua_shdict_node_t *) q)->expires = 1;
    }

    mx_lua_shdict_expire(d, 0);
    mx_lua_shdict_unlock(d);

    return MX_OK;
}


int
mx_ffi_shdict_flush_expired(mx_lua_shdict_t *d, int max)
{
    mx_lua_shdict_queue_t  *q, *prev;
    mx_lua_shdict_node_t   *node;
    uint64_t                now;
    int                     freed;

    if (mx_lua_shdict_lock(d) != MX_OK) {
        return 0;
    }

    now = mx_lua_shdict_now();
    freed = 0;

    for (q = d->lru.prev; q != &d->lru; q = prev) {
        prev = q->prev;
        node = (mx_lua_shdict_node_t *) q;

        if (node->expires != 0 && node->expires <= now) {
            mx_lua_shdict_delete(d, node);
            freed++;

            if (max > 0 && freed == max) {
                break;
            }
        }
    }

    mx_lua_shdict_unlock(d);

    return freed;
}


long
mx_ffi_shdict_get_ttl(mx_lua_shdict_t *d, const u_char *key,
    size_t key_len)
{
    mx_lua_shdict_node_t  *node;
    uint64_t               expires;
    uint32_t               hash;

    hash = mx_lua_shdict_hash(d, key, key_len);

    if (mx_lua_shdict_lock(d) != MX_OK) {
        return MX_DECLINED;
    }

    if (mx_lua_shdict_peek(d, hash, key, key_len, &node) != MX_OK) {
        mx_lua_shdict_unlock(d);
        return MX_DECLINED;
    }

    expires = node->expires;
    mx_lua_shdict_unlock(d);

    if (expires == 0) {
        return 0;
    }

    return (long) (int64_t) (expires - mx_lua_shdict_now());
}


int
mx_ffi_shdict_set_expire(mx_lua_shdict_t *d, const u_char *key,
    size_t key_len, long exptime)
{
    mx_lua_shdict_node_t  *node;
    uint32_t               hash;

    hash = mx_lua_shdict_hash(d, key, key_len);

    if (mx_lua_shdict_lock(d) != MX_OK) {
        return MX_ERROR;
    }

    if (mx_lua_shdict_peek(d, hash, key, key_len, &node) != MX_OK) {
        mx_lua_shdict_unlock(d);
        return MX_DECLINED;
    }

    mx_lua_shdict_set_expires(node, exptime);
    mx_lua_shdict_unlock(d);

    return MX_OK;
}


size_t
mx_ffi_shdict_capacity(mx_lua_shdict_t *d)
{
    return d->capacity;
}


size_t
mx_ffi_shdict_free_space(mx_lua_shdict_t *d)
{
    size_t  bytes;

    if (mx_lua_shdict_lock(d) != MX_OK) {
        return 0;
    }

    bytes = mx_slab_free_space(d->pool);
    mx_lua_shdict_unlock(d);

    return bytes;
}


int
mx_ffi_shdict_push(mx_lua_shdict_t *d, int left, const u_char *key,
    size_t key_len, int value_type, const u_char *str_value_buf,
    size_t str_value_len, double num_value, const char **err)
{
    mx_lua_shdict_node_t       *node;
    mx_lua_shdict_list_node_t  *item;
    uint32_t                    hash;
    int                         rc, n;

    if (key_len == 0 || key_len > MX_LUA_SHDICT_MAX_KEY) {
        *err = key_len ? "key too long" : "empty key";
        return MX_DECLINED;
    }

    switch (value_type) {

    case MX_LUA_SHDICT_TSTRING:
        if (str_value_buf == NULL) {
            str_value_buf = (const u_char *) "";
        }
        break;

    case MX_LUA_SHDICT_TNUMBER:
        str_value_buf = (const u_char *) &num_value;
        str_value_len = sizeof(double);
        break;

    default:
        *err = "bad value type";
        return MX_DECLINED;
    }

    if (str_value_len > UINT32_MAX || str_value_len > d->capacity) {
        *err = "no memory";
        return MX_ERROR;
    }

    hash = mx_lua_shdict_hash(d, key, key_len);

    if (mx_lua_shdict_lock(d) != MX_OK) {
        *err = mx_lua_shdict_lock_err;
        return MX_ERROR;
    }

    mx_lua_shdict_expire(d, 1);

    rc = mx_lua_shdict_lookup(d, hash, key, key_len, &node);

    if (rc == MX_DONE) {
        if (node->value_type == MX_LUA_SHDICT_TLIST) {
            /* an expired list starts again empty */
            node->expires = 0;
            mx_lua_shdict_list_clear(d, node);
            goto push;
        }

        mx_lua_shdict_delete(d, node);
        rc = MX_DECLINED;
    }

    if (rc == MX_OK) {
        if (node->value_type != MX_LUA_SHDICT_TLIST) {
            mx_lua_shdict_unlock(d);
            *err = "value not a list";
            return MX_DECLINED;
        }

        goto push;
    }

    node = mx_lua_shdict_node_alloc(d, hash, key, key_len,
                                    MX_LUA_SHDICT_TLIST, 0);
    if (node == NULL) {
        mx_lua_shdict_unlock(d);
        *err = "no memory";
        return MX_ERROR;
    }

    mx_lua_shdict_insert(d, node);

push:

    item = mx_slab_alloc_locked(d->pool,
                                offsetof(mx_lua_shdict_list_node_t, data)
                                + str_value_len);
    if (item == NULL) {
        if (node->value_len == 0) {
            mx_lua_shdict_delete(d, node);
        }

        mx_lua_shdict_unlock(d);
        *err = "no memory";
        return MX_ERROR;
    }

    item->value_len = (uint32_t) str_value_len;
    item->value_type = (uint8_t) value_type;
    memcpy(item->data, str_value_buf, str_value_len);

    if (left) {
        mx_lua_shdict_queue_insert_head(mx_lua_shdict_list(node),
                                        &item->queue);

    } else {
        mx_lua_shdict_queue_insert_tail(mx_lua_shdict_list(node),
                                        &item->queue);
    }

    n = (int) ++node->value_len;

    mx_lua_shdict_unlock(d);

    return n;
}


int
mx_ffi_shdict_pop(mx_lua_shdict_t *d, int left, const u_char *key,
    size_t key_len, int *value_type, u_char **str_value_buf,
    size_t *str_value_len, double *num_value, const char **err)
{
    mx_lua_shdict_node_t       *node;
    mx_lua_shdict_list_node_t  *item;
    mx_lua_shdict_queue_t      *list;
    uint32_t                    hash;
    int                         rc;

    if (key_len == 0 || key_len > MX_LUA_SHDICT_MAX_KEY) {
        *err = key_len ? "key too long" : "empty key";
        return MX_DECLINED;
    }

    hash = mx_lua_shdict_hash(d, key, key_len);

    if (mx_lua_shdict_lock(d) != MX_OK) {
        *err = mx_lua_shdict_lock_err;
        return MX_ERROR;
    }

    mx_lua_shdict_expire(d, 1);

    rc = mx_lua_shdict_lookup(d, hash, key, key_len, &node);

    if (rc != MX_OK) {
        mx_lua_shdict_unlock(d);
        *value_type = MX_LUA_SHDICT_TNIL;
        return MX_OK;
    }

    if (node->value_type != MX_LUA_SHDICT_TLIST) {
        mx_lua_shdict_unlock(d);
        *err = "value not a list";
        return MX_DECLINED;
    }

    list = mx_lua_shdict_list(node);

    if (node->value_len == 0 || mx_lua_shdict_queue_empty(list)) {
        /* never kept: the last pop deletes the entry */
        mx_lua_shdict_unlock(d);
        *err = "bad lua list length";
        return MX_ERROR;
    }

    item = (mx_lua_shdict_list_node_t *) (left ? list->next : list->prev);

    *value_type = item->value_type;

    if (item->value_type == MX_LUA_SHDICT_TNUMBER) {
        memcpy(num_value, item->data, sizeof(double));

    } else {
        if (*str_value_len < item->value_len) {
            *str_value_buf = malloc(item->value_len);
            if (*str_value_buf == NULL) {
                mx_lua_shdict_unlock(d);
                *err = "no memory";
                return MX_ERROR;
            }
        }

        memcpy(*str_value_buf, item->data, item->value_len);
        *str_value_len = item->value_len;
    }

    mx_lua_shdict_queue_remove(&item->queue);
    mx_slab_free_locked(d->pool, item);

    if (--node->value_len == 0) {
        mx_lua_shdict_delete(d, node);
    }

    mx_lua_shdict_unlock(d);

    return MX_OK;
}


int
mx_ffi_shdict_llen(mx_lua_shdict_t *d, const u_char *key, size_t key_len,
    const char **err)
{
    mx_lua_shdict_node_t  *node;
    uint32_t               hash;
    int                    n;

    if (key_len == 0 || key_len > MX_LUA_SHDICT_MAX_KEY) {
        *err = key_len ? "key too long" : "empty key";
        return MX_DECLINED;
    }

    hash = mx_lua_shdict_hash(d, key, key_len);

    if (mx_lua_shdict_lock(d) != MX_OK) {
        *err = mx_lua_shdict_lock_err;
        return MX_ERROR;
    }

    mx_lua_shdict_expire(d, 1);

    if (mx_lua_shdict_lookup(d, hash, key, key_len, &node) != MX_OK) {
        mx_lua_shdict_unlock(d);
        return 0;
    }

    if (node->value_type != MX_LUA_SHDICT_TLIST) {
        mx_lua_shdict_unlock(d);
        *err = "value not a list";
        return MX_DECLINED;
    }

    n = (int) node->value_len;
    mx_lua_shdict_unlock(d);

    return n;
}


int
mx_ffi_shdict_get_keys(mx_lua_shdict_t *d, int max, mx_ffi_str_t **keys)
{
    mx_lua_shdict_queue_t  *q;
    mx_lua_shdict_node_t   *node;
    mx_ffi_str_t           *out;
    uint64_t                now;
    size_t                  bytes;
    u_char                 *p;
    int                     n, i;

    *keys = NULL;

    if (mx_lua_shdict_lock(d) != MX_OK) {
        return MX_ERROR;
    }

    now = mx_lua_shdict_now();

    /* first the size: the same walk as the copy below */
    n = 0;
    bytes = 0;

    for (q = d->lru.prev; q != &d->lru; q = q->prev) {
        node = (mx_lua_shdict_node_t *) q;

        if (node->expires == 0 || node->expires > now) {
            n++;
            bytes += node->key_len;

            if (max > 0 && n == max) {
                break;
            }
        }
    }

    if (n == 0) {
        mx_lua_shdict_unlock(d);
        return 0;
    }

    out = malloc(n * sizeof(mx_ffi_str_t) + bytes);
    if (out == NULL) {
        mx_lua_shdict_unlock(d);
        return MX_ERROR;
    }

    p = (u_char *) (out + n);
    i = 0;

    for (q = d->lru.prev; q != &d->lru && i < n; q = q->prev) {
        node = (mx_lua_shdict_node_t *) q;

        if (node->expires == 0 || node->expires > now) {
            memcpy(p, node->data, node->key_len);
            out[i].data = p;
            out[i].len = node->key_len;
            p += node->key_len;
            i++;
        }
    }

    mx_lua_shdict_unlock(d);

    *keys = out;
    return n;
}


void
mx_ffi_shdict_free(void *p)
{
    free(p);
}
