/*
 * Unit tests of the shared dict (core/lua/mx_lua_shdict.c, the zone and
 * the directive; core/lua/mx_lua_ffi_shdict.c, the operations), driven
 * through the FFI exports as lua/resty/core/shdict.lua drives them, with
 * the clock (mx_current_msec) moved by hand:
 *
 *   - the directive: sizes, names, duplicates;
 *   - values of every type, flags, add/replace/delete, incr;
 *   - TTLs: lazy expiry, get_stale, ttl/expire, flush_all/flush_expired;
 *   - the hash table under many keys and deletions;
 *   - LRU eviction order and "forcible"; "no memory" and safe stores;
 *   - lists; get_keys; values larger than the caller's buffer;
 *   - a reload (a second cycle declaring the dict) keeps the data;
 *   - a process dying with the lock held empties the dict, which works on.
 *
 * core/main/ (the real mx_modules[]) is not linked into unit tests.
 */

#include <check.h>
#include <signal.h>
#include <sys/wait.h>

#include "mx_lua_shdict.h"
#include "mx_shm.h"


mx_module_t  *mx_modules[] = { NULL };
mx_uint_t     mx_modules_n = 0;


#define T_NIL      MX_LUA_SHDICT_TNIL
#define T_BOOLEAN  MX_LUA_SHDICT_TBOOLEAN
#define T_NUMBER   MX_LUA_SHDICT_TNUMBER
#define T_STRING   MX_LUA_SHDICT_TSTRING

typedef struct {
    mx_cycle_t     *cycle;
    mx_conf_t       cf;
    void           *smcf;
} t_conf_t;

static t_conf_t  t_confs[4];
static int       t_nconfs;


/* a cycle whose http {} holds "lua_shared_dict NAME SIZE" lines */
static char *
t_directive(t_conf_t *tc, const char *name, const char *size)
{
    mx_command_t  *cmd;
    mx_str_t      *arg;

    tc->cf.args->nelts = 0;

    arg = mx_array_push(tc->cf.args);
    mx_str_set(arg, "lua_shared_dict");
    arg = mx_array_push(tc->cf.args);
    arg->data = (u_char *) name;
    arg->len = strlen(name);
    arg = mx_array_push(tc->cf.args);
    arg->data = (u_char *) size;
    arg->len = strlen(size);

    cmd = &mx_http_lua_shdict_module.commands[0];
    return cmd->set(&tc->cf, cmd, tc->smcf);
}


static t_conf_t *
t_config(void)
{
    t_conf_t          *tc;
    mx_http_module_t  *m;

    tc = &t_confs[t_nconfs++];
    memset(tc, 0, sizeof(t_conf_t));

    tc->cycle = calloc(1, sizeof(mx_cycle_t));
    tc->cycle->pool = mx_pool_create(4096);
    tc->cf.cycle = tc->cycle;
    tc->cf.pool = tc->cycle->pool;
    tc->cf.args = mx_array_create(tc->cf.pool, 4, sizeof(mx_str_t));

    m = mx_http_lua_shdict_module.ctx;
    tc->smcf = m->create_main_conf(&tc->cf);
    ck_assert_ptr_nonnull(tc->smcf);

    return tc;
}


static void
t_free_config(t_conf_t *tc)
{
    mx_pool_destroy(tc->cycle->pool);
    free(tc->cycle);
    tc->cycle = NULL;
}


static mx_lua_shdict_t *
t_dict(const char *size)
{
    t_conf_t         *tc;
    mx_lua_shdict_t  *d;
    mx_str_t          name;

    tc = t_config();
    ck_assert_ptr_eq(t_directive(tc, "dogs", size), MX_CONF_OK);
    ck_assert_int_eq(mx_shm_cycle_init(tc->cycle), MX_OK);

    ck_assert_uint_eq(mx_lua_shdict_count(), 1);
    d = mx_lua_shdict_at(0, &name);
    ck_assert_ptr_nonnull(d);
    ck_assert(mx_str_eq(&name, "dogs") == MX_OK);

    return d;
}


static void
t_setup(void)
{
    t_nconfs = 0;
    mx_current_msec = 1000000;
    mx_log_main.level = MX_LOG_STDERR;    /* expected errors: quiet */
}


static void
t_teardown(void)
{
    int  i;

    for (i = t_nconfs - 1; i >= 0; i--) {
        if (t_confs[i].cycle) {
            t_free_config(&t_confs[i]);
        }
    }

    mx_log_main.level = MX_LOG_NOTICE;
}


/* ------------------------------------------------------- helpers */

static int   t_forcible;
static const char  *t_err;


static int
t_set(mx_lua_shdict_t *d, int op, const char *key, const char *val,
    long exptime)
{
    return mx_ffi_shdict_store(d, op, (const u_char *) key, strlen(key),
                               val ? T_STRING : T_NIL,
                               (const u_char *) val, val ? strlen(val) : 0,
                               0, exptime, 0, &t_err, &t_forcible);
}


static int
t_set_num(mx_lua_shdict_t *d, const char *key, double num, int flags)
{
    return mx_ffi_shdict_store(d, 0, (const u_char *) key, strlen(key),
                               T_NUMBER, NULL, 0, num, 0, flags, &t_err,
                               &t_forcible);
}


/* the value as a string ("<nil>", "<num:1.5>", "<true>"), static */
static const char *
t_get(mx_lua_shdict_t *d, const char *key, int stale)
{
    static char   out[256];
    static u_char buf[128];
    u_char       *p;
    size_t        len;
    double        num;
    int           type, flags, is_stale, rc;

    p = buf;
    len = sizeof(buf);
    is_stale = 0;

    rc = mx_ffi_shdict_get(d, (const u_char *) key, strlen(key), &type, &p,
                           &len, &num, &flags, stale, &is_stale, &t_err);
    if (rc != MX_OK) {
        snprintf(out, sizeof(out), "<error:%s>", t_err ? t_err : "");
        return out;
    }

    switch (type) {
    case T_NIL:
        return "<nil>";
    case T_NUMBER:
        snprintf(out, sizeof(out), "<num:%g%s>", num,
                 is_stale ? " stale" : "");
        return out;
    case T_BOOLEAN:
        return p[0] ? "<true>" : "<false>";
    default:
        snprintf(out, sizeof(out), "%.*s%s", (int) mx_min(len, 200), p,
                 is_stale ? " stale" : "");
        if (p != buf) {
            mx_ffi_shdict_free(p);
        }
        return out;
    }
}


/* ------------------------------------------------------ directive */

START_TEST(test_directive)
{
    t_conf_t  *tc;

    tc = t_config();

    ck_assert_ptr_eq(t_directive(tc, "a", "1k"), MX_CONF_ERROR);
    ck_assert_ptr_eq(t_directive(tc, "a", "8191"), MX_CONF_ERROR);
    ck_assert_ptr_eq(t_directive(tc, "a", "12q"), MX_CONF_ERROR);
    ck_assert_ptr_eq(t_directive(tc, "", "1m"), MX_CONF_ERROR);
    ck_assert_ptr_eq(t_directive(tc, "a", "8k"), MX_CONF_OK);
    ck_assert_ptr_eq(t_directive(tc, "a", "8k"), MX_CONF_ERROR);
    ck_assert_ptr_eq(t_directive(tc, "a", "16k"), MX_CONF_ERROR);
    ck_assert_ptr_eq(t_directive(tc, "b", "1M"), MX_CONF_OK);

    ck_assert_int_eq(mx_shm_cycle_init(tc->cycle), MX_OK);
    ck_assert_uint_eq(mx_lua_shdict_count(), 2);

    /* the smallest dict still holds something */
    ck_assert_int_eq(t_set_num(mx_lua_shdict_at(0, &(mx_str_t) {0, NULL}),
                               "k", 1, 0), MX_OK);
}
END_TEST


/* --------------------------------------------------------- values */

START_TEST(test_values)
{
    mx_lua_shdict_t  *d;
    u_char            buf[8], *p;
    size_t            len;
    double            num;
    int               type, flags, stale;

    d = t_dict("1m");

    ck_assert_int_eq(t_set(d, 0, "s", "hello", 0), MX_OK);
    ck_assert_int_eq(t_forcible, 0);
    ck_assert_int_eq(t_set_num(d, "n", 2.5, 7), MX_OK);
    ck_assert_int_eq(mx_ffi_shdict_store(d, 0, (u_char *) "b", 1, T_BOOLEAN,
                                         NULL, 0, 1, 0, 0, &t_err,
                                         &t_forcible), MX_OK);
    ck_assert_int_eq(t_set(d, 0, "empty", "", 0), MX_OK);

    ck_assert_str_eq(t_get(d, "s", 0), "hello");
    ck_assert_str_eq(t_get(d, "n", 0), "<num:2.5>");
    ck_assert_str_eq(t_get(d, "b", 0), "<true>");
    ck_assert_str_eq(t_get(d, "empty", 0), "");
    ck_assert_str_eq(t_get(d, "none", 0), "<nil>");

    p = buf;
    len = sizeof(buf);
    ck_assert_int_eq(mx_ffi_shdict_get(d, (u_char *) "n", 1, &type, &p, &len,
                                       &num, &flags, 0, &stale, &t_err),
                     MX_OK);
    ck_assert_int_eq(flags, 7);

    /* same size: overwritten in place; other size: a new node */
    ck_assert_int_eq(t_set(d, 0, "s", "HELLO", 0), MX_OK);
    ck_assert_str_eq(t_get(d, "s", 0), "HELLO");
    ck_assert_int_eq(t_set(d, 0, "s", "a longer value", 0), MX_OK);
    ck_assert_str_eq(t_get(d, "s", 0), "a longer value");
    ck_assert_int_eq(t_set_num(d, "s", 1, 0), MX_OK);
    ck_assert_str_eq(t_get(d, "s", 0), "<num:1>");

    /* add, replace, delete */
    ck_assert_int_eq(t_set(d, MX_FFI_SHDICT_ADD, "s", "x", 0), MX_DECLINED);
    ck_assert_str_eq(t_err, "exists");
    ck_assert_int_eq(t_set(d, MX_FFI_SHDICT_REPLACE, "z", "x", 0),
                     MX_DECLINED);
    ck_assert_str_eq(t_err, "not found");
    ck_assert_int_eq(t_set(d, MX_FFI_SHDICT_REPLACE, "z", NULL, 0),
                     MX_ERROR);
    ck_assert_str_eq(t_err, "attempt to add or replace nil values");
    ck_assert_int_eq(t_set(d, 0, "s", NULL, 0), MX_OK);
    ck_assert_str_eq(t_get(d, "s", 0), "<nil>");
    ck_assert_int_eq(t_set(d, 0, "s", NULL, 0), MX_OK);
    ck_assert_int_eq(t_set(d, MX_FFI_SHDICT_ADD, "s", "x", 0), MX_OK);
    ck_assert_str_eq(t_get(d, "s", 0), "x");
}
END_TEST


START_TEST(test_incr)
{
    mx_lua_shdict_t  *d;
    double            v;

    d = t_dict("1m");

    v = 1;
    ck_assert_int_eq(mx_ffi_shdict_incr(d, (u_char *) "n", 1, &v, &t_err,
                                        0, 0, 0, &t_forcible), MX_ERROR);
    ck_assert_str_eq(t_err, "not found");

    v = 1;
    ck_assert_int_eq(mx_ffi_shdict_incr(d, (u_char *) "n", 1, &v, &t_err,
                                        1, 10, 0, &t_forcible), MX_OK);
    ck_assert(v == 11);

    v = -0.5;
    ck_assert_int_eq(mx_ffi_shdict_incr(d, (u_char *) "n", 1, &v, &t_err,
                                        1, 10, 0, &t_forcible), MX_OK);
    ck_assert(v == 10.5);

    t_set(d, 0, "s", "12345678", 0);
    v = 1;
    ck_assert_int_eq(mx_ffi_shdict_incr(d, (u_char *) "s", 1, &v, &t_err,
                                        1, 0, 0, &t_forcible), MX_ERROR);
    ck_assert_str_eq(t_err, "not a number");

    /* init_ttl */
    v = 1;
    ck_assert_int_eq(mx_ffi_shdict_incr(d, (u_char *) "t", 1, &v, &t_err,
                                        1, 0, 500, &t_forcible), MX_OK);
    ck_assert_int_eq(mx_ffi_shdict_get_ttl(d, (u_char *) "t", 1), 500);
    mx_current_msec += 501;
    ck_assert_str_eq(t_get(d, "t", 0), "<nil>");
}
END_TEST


/* ----------------------------------------------------------- TTLs */

START_TEST(test_ttl)
{
    mx_lua_shdict_t  *d;

    d = t_dict("1m");

    t_set(d, 0, "a", "A", 100);
    t_set(d, 0, "b", "B", 0);

    ck_assert_int_eq(mx_ffi_shdict_get_ttl(d, (u_char *) "a", 1), 100);
    ck_assert_int_eq(mx_ffi_shdict_get_ttl(d, (u_char *) "b", 1), 0);
    ck_assert_int_eq(mx_ffi_shdict_get_ttl(d, (u_char *) "c", 1),
                     MX_DECLINED);

    mx_current_msec += 99;
    ck_assert_str_eq(t_get(d, "a", 0), "A");
    mx_current_msec += 2;
    ck_assert_str_eq(t_get(d, "a", 1), "A stale");
    ck_assert_int_eq(mx_ffi_shdict_get_ttl(d, (u_char *) "a", 1), -1);
    ck_assert_str_eq(t_get(d, "a", 0), "<nil>");

    /* add over an expired entry */
    ck_assert_int_eq(t_set(d, MX_FFI_SHDICT_ADD, "a", "again", 0), MX_OK);
    ck_assert_str_eq(t_get(d, "a", 0), "again");

    ck_assert_int_eq(mx_ffi_shdict_set_expire(d, (u_char *) "b", 1, 50),
                     MX_OK);
    ck_assert_int_eq(mx_ffi_shdict_set_expire(d, (u_char *) "x", 1, 50),
                     MX_DECLINED);
    mx_current_msec += 51;
    ck_assert_str_eq(t_get(d, "b", 0), "<nil>");

    /* flush_all: all expired, still there for get_stale, but the 3 least
     * recently used are freed at once (a, c1, c2) */
    t_set(d, 0, "c1", "1", 0);
    t_set(d, 0, "c2", "2", 0);
    t_set(d, 0, "c3", "3", 0);
    t_set(d, 0, "c", "C", 0);
    ck_assert_int_eq(mx_ffi_shdict_flush_all(d), MX_OK);
    ck_assert_str_eq(t_get(d, "c", 1), "C stale");
    ck_assert_str_eq(t_get(d, "c2", 1), "<nil>");
    ck_assert_int_eq(mx_ffi_shdict_flush_expired(d, 0), 2);
    ck_assert_str_eq(t_get(d, "c", 1), "<nil>");
}
END_TEST


START_TEST(test_flush_expired)
{
    mx_lua_shdict_t  *d;
    char              key[32];
    int               i;
    size_t            free_space;

    d = t_dict("1m");
    free_space = mx_ffi_shdict_free_space(d);

    for (i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        t_set(d, 0, key, "some value", i < 60 ? 10 : 0);
    }

    mx_current_msec += 11;
    ck_assert_int_eq(mx_ffi_shdict_flush_expired(d, 25), 25);
    ck_assert_int_eq(mx_ffi_shdict_flush_expired(d, 0), 35);
    ck_assert_int_eq(mx_ffi_shdict_flush_expired(d, 0), 0);

    ck_assert_int_eq(mx_ffi_shdict_flush_all(d), MX_OK);
    ck_assert_int_eq(mx_ffi_shdict_flush_expired(d, 0), 37);
    ck_assert_uint_eq(mx_ffi_shdict_free_space(d), free_space);
}
END_TEST


/* ----------------------------------------------------- many keys */

START_TEST(test_many_keys)
{
    mx_lua_shdict_t  *d;
    char              key[32], val[32];
    int               i;
    size_t            free_space;

    d = t_dict("8m");
    free_space = mx_ffi_shdict_free_space(d);

    for (i = 0; i < 50000; i++) {
        snprintf(key, sizeof(key), "key:%d", i);
        snprintf(val, sizeof(val), "value %d", i);
        ck_assert_int_eq(t_set(d, 0, key, val, 0), MX_OK);
        ck_assert_int_eq(t_forcible, 0);
    }

    for (i = 0; i < 50000; i += 2) {
        snprintf(key, sizeof(key), "key:%d", i);
        ck_assert_int_eq(t_set(d, 0, key, NULL, 0), MX_OK);
    }

    for (i = 0; i < 50000; i++) {
        snprintf(key, sizeof(key), "key:%d", i);
        snprintf(val, sizeof(val), "value %d", i);
        ck_assert_str_eq(t_get(d, key, 0), i % 2 ? val : "<nil>");
    }

    for (i = 1; i < 50000; i += 2) {
        snprintf(key, sizeof(key), "key:%d", i);
        ck_assert_int_eq(t_set(d, 0, key, NULL, 0), MX_OK);
    }

    ck_assert_uint_eq(mx_ffi_shdict_free_space(d), free_space);
    ck_assert_uint_eq(mx_ffi_shdict_capacity(d), 8 * 1024 * 1024);
}
END_TEST


/* ------------------------------------------------------ eviction */

START_TEST(test_eviction)
{
    mx_lua_shdict_t  *d;
    char              key[32], val[1001];
    int               i, first;

    d = t_dict("64k");
    memset(val, 'v', 1000);
    val[1000] = '\0';

    first = 0;
    for (i = 0; i < 100; i++) {
        /* k0 stays the most recently used */
        t_get(d, "k0", 0);
        snprintf(key, sizeof(key), "k%d", i);
        ck_assert_int_eq(t_set(d, 0, key, val, 0), MX_OK);
        if (t_forcible && first == 0) {
            first = i;
        }
    }

    ck_assert_int_gt(first, 5);
    ck_assert_str_ne(t_get(d, "k0", 0), "<nil>");
    ck_assert_str_eq(t_get(d, "k1", 0), "<nil>");
    ck_assert_str_ne(t_get(d, "k99", 0), "<nil>");

    /* safe stores never evict */
    ck_assert_int_eq(t_set(d, MX_FFI_SHDICT_SAFE_STORE, "new", val, 0),
                     MX_ERROR);
    ck_assert_str_eq(t_err, "no memory");
    ck_assert_int_eq(t_forcible, 0);
    ck_assert_str_ne(t_get(d, "k99", 0), "<nil>");
}
END_TEST


START_TEST(test_no_memory)
{
    mx_lua_shdict_t  *d;
    char             *huge;

    d = t_dict("64k");
    huge = malloc(100000);
    memset(huge, 'h', 99999);
    huge[99999] = '\0';

    ck_assert_int_eq(t_set(d, 0, "huge", huge, 0), MX_ERROR);
    ck_assert_str_eq(t_err, "no memory");
    ck_assert_int_eq(t_forcible, 0);

    t_set(d, 0, "a", "1", 0);
    ck_assert_int_eq(t_set(d, 0, "huge", huge, 0), MX_ERROR);
    ck_assert_int_eq(t_forcible, 1);
    ck_assert_str_eq(t_get(d, "a", 0), "<nil>");

    free(huge);
}
END_TEST


/* ---------------------------------------------------------- lists */

START_TEST(test_lists)
{
    mx_lua_shdict_t  *d;
    u_char            buf[4], *p;
    size_t            len;
    double            num;
    int               type, i;
    char              big[5000];

    d = t_dict("1m");

    ck_assert_int_eq(mx_ffi_shdict_push(d, 0, (u_char *) "l", 1, T_STRING,
                                        (u_char *) "b", 1, 0, &t_err), 1);
    ck_assert_int_eq(mx_ffi_shdict_push(d, 1, (u_char *) "l", 1, T_NUMBER,
                                        NULL, 0, 7, &t_err), 2);
    memset(big, 'x', sizeof(big));
    ck_assert_int_eq(mx_ffi_shdict_push(d, 0, (u_char *) "l", 1, T_STRING,
                                        (u_char *) big, sizeof(big), 0,
                                        &t_err), 3);
    ck_assert_int_eq(mx_ffi_shdict_push(d, 0, (u_char *) "l", 1, T_BOOLEAN,
                                        NULL, 0, 1, &t_err), MX_DECLINED);
    ck_assert_str_eq(t_err, "bad value type");
    ck_assert_int_eq(mx_ffi_shdict_llen(d, (u_char *) "l", 1, &t_err), 3);
    ck_assert_str_eq(t_get(d, "l", 0), "<error:value is a list>");

    /* lpop: 7; rpop: the big one, through a malloc()ed buffer; lpop: b */
    p = buf;
    len = sizeof(buf);
    ck_assert_int_eq(mx_ffi_shdict_pop(d, 1, (u_char *) "l", 1, &type, &p,
                                       &len, &num, &t_err), MX_OK);
    ck_assert_int_eq(type, T_NUMBER);
    ck_assert(num == 7);

    ck_assert_int_eq(mx_ffi_shdict_pop(d, 0, (u_char *) "l", 1, &type, &p,
                                       &len, &num, &t_err), MX_OK);
    ck_assert_int_eq(type, T_STRING);
    ck_assert_uint_eq(len, sizeof(big));
    ck_assert_ptr_ne(p, buf);
    ck_assert_int_eq(memcmp(p, big, sizeof(big)), 0);
    mx_ffi_shdict_free(p);

    p = buf;
    len = sizeof(buf);
    ck_assert_int_eq(mx_ffi_shdict_pop(d, 1, (u_char *) "l", 1, &type, &p,
                                       &len, &num, &t_err), MX_OK);
    ck_assert_int_eq(type, T_STRING);
    ck_assert_uint_eq(len, 1);
    ck_assert_uint_eq(buf[0], 'b');

    /* the last pop removed the entry */
    ck_assert_int_eq(mx_ffi_shdict_pop(d, 1, (u_char *) "l", 1, &type, &p,
                                       &len, &num, &t_err), MX_OK);
    ck_assert_int_eq(type, T_NIL);
    ck_assert_int_eq(mx_ffi_shdict_llen(d, (u_char *) "l", 1, &t_err), 0);

    t_set(d, 0, "s", "str", 0);
    ck_assert_int_eq(mx_ffi_shdict_push(d, 0, (u_char *) "s", 1, T_NUMBER,
                                        NULL, 0, 1, &t_err), MX_DECLINED);
    ck_assert_str_eq(t_err, "value not a list");
    ck_assert_int_eq(mx_ffi_shdict_llen(d, (u_char *) "s", 1, &t_err),
                     MX_DECLINED);

    /* a list replaced by a value frees its items */
    for (i = 0; i < 100; i++) {
        mx_ffi_shdict_push(d, 0, (u_char *) "l2", 2, T_NUMBER, NULL, 0, i,
                           &t_err);
    }
    ck_assert_int_eq(t_set(d, 0, "l2", "plain", 0), MX_OK);
    ck_assert_str_eq(t_get(d, "l2", 0), "plain");

    /* an expired list starts again empty */
    for (i = 0; i < 3; i++) {
        mx_ffi_shdict_push(d, 0, (u_char *) "l3", 2, T_NUMBER, NULL, 0, i,
                           &t_err);
    }
    mx_ffi_shdict_set_expire(d, (u_char *) "l3", 2, 10);
    mx_current_msec += 11;
    ck_assert_int_eq(mx_ffi_shdict_push(d, 0, (u_char *) "l3", 2, T_NUMBER,
                                        NULL, 0, 1, &t_err), 1);
}
END_TEST


/* ------------------------------------------------------- get_keys */

START_TEST(test_get_keys)
{
    mx_lua_shdict_t  *d;
    mx_ffi_str_t     *keys;
    char              key[32];
    int               i, n;

    d = t_dict("1m");

    ck_assert_int_eq(mx_ffi_shdict_get_keys(d, 0, &keys), 0);
    ck_assert_ptr_null(keys);

    for (i = 0; i < 10; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        t_set(d, 0, key, "v", i == 5 ? 10 : 0);
    }

    t_get(d, "k0", 0);
    mx_current_msec += 11;

    n = mx_ffi_shdict_get_keys(d, 0, &keys);
    ck_assert_int_eq(n, 9);
    ck_assert_int_eq(keys[0].len, 2);
    ck_assert_int_eq(memcmp(keys[0].data, "k1", 2), 0);
    ck_assert_int_eq(memcmp(keys[8].data, "k0", 2), 0);
    mx_ffi_shdict_free(keys);

    n = mx_ffi_shdict_get_keys(d, 3, &keys);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(memcmp(keys[2].data, "k3", 2), 0);
    mx_ffi_shdict_free(keys);
}
END_TEST


/* ------------------------------------------------ reload, recovery */

START_TEST(test_reload_keeps_data)
{
    mx_lua_shdict_t  *d, *d2;
    t_conf_t         *tc;
    mx_str_t          name;

    d = t_dict("1m");
    t_set(d, 0, "k", "kept", 0);

    /* the new configuration declares the same dict, and one more */
    tc = t_config();
    ck_assert_ptr_eq(t_directive(tc, "cats", "1m"), MX_CONF_OK);
    ck_assert_ptr_eq(t_directive(tc, "dogs", "1m"), MX_CONF_OK);
    ck_assert_int_eq(mx_shm_cycle_init(tc->cycle), MX_OK);

    ck_assert_uint_eq(mx_lua_shdict_count(), 2);
    d2 = mx_lua_shdict_at(1, &name);
    ck_assert(mx_str_eq(&name, "dogs") == MX_OK);
    ck_assert_ptr_eq(d2, d);

    /* the old one goes; the new one still has the data */
    t_free_config(&t_confs[0]);
    ck_assert_str_eq(t_get(d2, "k", 0), "kept");
    ck_assert_uint_eq(mx_lua_shdict_count(), 2);

    /* a failed reload (freed before the old one) gives the old one back */
    tc = t_config();
    ck_assert_uint_eq(mx_lua_shdict_count(), 0);
    t_free_config(tc);
    ck_assert_uint_eq(mx_lua_shdict_count(), 2);
}
END_TEST


START_TEST(test_holder_dies)
{
    mx_lua_shdict_t  *d;
    pid_t             pid;
    int               status;

    d = t_dict("1m");
    t_set(d, 0, "k", "v", 0);

    pid = fork();
    ck_assert_int_ne(pid, -1);

    if (pid == 0) {
        mx_lua_shdict_lock(d);
        kill(getpid(), SIGKILL);
        _exit(0);
    }

    ck_assert_int_eq(waitpid(pid, &status, 0), pid);

    /* the dict may have been half-updated: it starts again empty */
    ck_assert_str_eq(t_get(d, "k", 0), "<nil>");
    ck_assert_int_eq(t_set(d, 0, "k", "again", 0), MX_OK);
    ck_assert_str_eq(t_get(d, "k", 0), "again");
}
END_TEST


START_TEST(test_shared_with_children)
{
    mx_lua_shdict_t  *d;
    pid_t             pid[4];
    double            v;
    int               i, j, status;

    d = t_dict("1m");

    for (i = 0; i < 4; i++) {
        pid[i] = fork();
        ck_assert_int_ne(pid[i], -1);

        if (pid[i] == 0) {
            for (j = 0; j < 20000; j++) {
                v = 1;
                if (mx_ffi_shdict_incr(d, (u_char *) "n", 1, &v, &t_err, 1,
                                       0, 0, &t_forcible) != MX_OK)
                {
                    _exit(1);
                }
            }
            _exit(0);
        }
    }

    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
        ck_assert_int_eq(WEXITSTATUS(status), 0);
    }

    ck_assert_str_eq(t_get(d, "n", 0), "<num:80000>");
}
END_TEST


static Suite *
shdict_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("mx_lua_shdict");
    tc = tcase_create("core");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);
    tcase_set_timeout(tc, 60);

    tcase_add_test(tc, test_directive);
    tcase_add_test(tc, test_values);
    tcase_add_test(tc, test_incr);
    tcase_add_test(tc, test_ttl);
    tcase_add_test(tc, test_flush_expired);
    tcase_add_test(tc, test_many_keys);
    tcase_add_test(tc, test_eviction);
    tcase_add_test(tc, test_no_memory);
    tcase_add_test(tc, test_lists);
    tcase_add_test(tc, test_get_keys);
    tcase_add_test(tc, test_reload_keeps_data);
    tcase_add_test(tc, test_holder_dies);
    tcase_add_test(tc, test_shared_with_children);

    suite_add_tcase(s, tc);

    return s;
}


int
main(void)
{
    int       failed;
    SRunner  *sr;

    sr = srunner_create(shdict_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
