/*
 * Unit tests of core/shm/mx_shm.c: declaring zones while a config is
 * read, mapping them once it is, and their life across cycles (reloads):
 *
 *   - a name declared twice: the same zone with the same size and owner,
 *     nginx's messages otherwise;
 *   - mapping calls each zone's init with shm.exists 0 and a fresh,
 *     zeroed, shared mapping;
 *   - a later cycle declaring a zone with the same name, size and owner
 *     gets the same mapping (shm.exists 1, contents kept); another size
 *     gets a new one;
 *   - a mapping is unmapped with the last cycle that declares it: freeing
 *     the old cycle after a reload keeps the zones the new one took over,
 *     freeing a failed new cycle keeps the old cycle's zones;
 *   - a failing init fails mx_shm_cycle_init; a zone of size 0 too.
 *
 * Cycles are built by hand: mx_shm only uses cycle->pool.
 * core/main/ (the real mx_modules[]) is not linked into unit tests.
 */

#include <check.h>
#include <sys/mman.h>

#include "mx_shm.h"
#include "mx_conf.h"
#include "mx_string.h"


mx_module_t  *mx_modules[] = { NULL };
mx_uint_t     mx_modules_n = 0;


static int   t_tag_a, t_tag_b;        /* two owners */
static int   t_inits;


static mx_cycle_t *
t_cycle(void)
{
    mx_cycle_t  *cycle;

    cycle = calloc(1, sizeof(mx_cycle_t));
    ck_assert_ptr_nonnull(cycle);
    cycle->pool = mx_pool_create(4096);
    ck_assert_ptr_nonnull(cycle->pool);

    return cycle;
}


static void
t_free_cycle(mx_cycle_t *cycle)
{
    mx_pool_destroy(cycle->pool);
    free(cycle);
}


static int
t_mapped(void *addr, size_t size)
{
    return msync(addr, size, MS_ASYNC) == 0;
}


static int
t_init(mx_shm_zone_t *zone)
{
    t_inits++;

    if (!zone->shm.exists) {
        /* a fresh mapping is zeroed */
        ck_assert_uint_eq(zone->shm.addr[0], 0);
        ck_assert_uint_eq(zone->shm.addr[zone->shm.size - 1], 0);
        memcpy(zone->shm.addr, "fresh", 6);
    }

    return MX_OK;
}


static int
t_init_fails(mx_shm_zone_t *zone)
{
    mx_unused(zone);
    return MX_ERROR;
}


static mx_shm_zone_t *
t_add(mx_cycle_t *cycle, const char *name, size_t size, void *tag)
{
    mx_str_t        n;
    mx_shm_zone_t  *zone;
    char            err[256];

    n.data = (u_char *) name;
    n.len = strlen(name);

    err[0] = '\0';
    zone = mx_shm_zone_add(cycle, &n, size, tag, err, sizeof(err));
    if (zone && zone->init == NULL) {
        zone->init = t_init;
    }

    return zone;
}


START_TEST(test_declare)
{
    mx_cycle_t     *c;
    mx_shm_zone_t  *a, *b, *zones;
    mx_str_t        n;
    mx_uint_t       count;
    char            err[256];

    c = t_cycle();

    ck_assert_ptr_null(mx_shm_cycle_zones(c, &count));
    ck_assert_uint_eq(count, 0);

    a = t_add(c, "one", 65536, &t_tag_a);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(a->shm.size, 65536);
    ck_assert_ptr_null(a->shm.addr);
    ck_assert_ptr_eq(a->tag, &t_tag_a);
    ck_assert(mx_str_eq(&a->shm.name, "one") == MX_OK);

    b = t_add(c, "two", 65536, &t_tag_a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_ne(a, b);

    /* the same again: the same zone (array elements may have moved) */
    a = t_add(c, "one", 65536, &t_tag_a);
    zones = mx_shm_cycle_zones(c, &count);
    ck_assert_uint_eq(count, 2);
    ck_assert_ptr_eq(a, &zones[0]);

    n.data = (u_char *) "one";
    n.len = 3;

    ck_assert_ptr_null(mx_shm_zone_add(c, &n, 131072, &t_tag_a, err,
                                       sizeof(err)));
    ck_assert_str_eq(err, "the size 131072 of shared memory zone \"one\" "
                     "conflicts with already declared size 65536");

    ck_assert_ptr_null(mx_shm_zone_add(c, &n, 65536, &t_tag_b, err,
                                       sizeof(err)));
    ck_assert_str_eq(err, "the shared memory zone \"one\" is already "
                     "declared for a different use");

    /* never mapped: freeing the cycle has nothing to unmap */
    t_free_cycle(c);
}
END_TEST


START_TEST(test_map)
{
    mx_cycle_t     *c;
    mx_shm_zone_t  *a, *b;

    c = t_cycle();
    t_inits = 0;

    a = t_add(c, "one", 65536, &t_tag_a);
    b = t_add(c, "two", 100000, &t_tag_a);

    ck_assert_int_eq(mx_shm_cycle_init(c), MX_OK);
    ck_assert_int_eq(t_inits, 2);

    ck_assert_ptr_nonnull(a->shm.addr);
    ck_assert_ptr_nonnull(b->shm.addr);
    ck_assert_uint_eq((uintptr_t) a->shm.addr % 4096, 0);
    ck_assert(!a->shm.exists);
    ck_assert_str_eq((char *) a->shm.addr, "fresh");
    ck_assert(t_mapped(b->shm.addr, b->shm.size));

    /* a second call does nothing */
    ck_assert_int_eq(mx_shm_cycle_init(c), MX_OK);
    ck_assert_int_eq(t_inits, 2);

    t_free_cycle(c);
}
END_TEST


START_TEST(test_reload)
{
    mx_cycle_t     *old, *new;
    mx_shm_zone_t  *keep, *resize, *drop, *keep2, *resize2, *added;
    u_char         *resize_addr, *drop_addr;

    old = t_cycle();
    keep = t_add(old, "keep", 65536, &t_tag_a);
    resize = t_add(old, "resize", 65536, &t_tag_a);
    drop = t_add(old, "drop", 65536, &t_tag_a);
    ck_assert_int_eq(mx_shm_cycle_init(old), MX_OK);

    memcpy(keep->shm.addr, "data", 5);
    resize_addr = resize->shm.addr;
    drop_addr = drop->shm.addr;

    /* the reload */
    new = t_cycle();
    keep2 = t_add(new, "keep", 65536, &t_tag_a);
    resize2 = t_add(new, "resize", 131072, &t_tag_a);
    added = t_add(new, "added", 65536, &t_tag_a);
    ck_assert_int_eq(mx_shm_cycle_init(new), MX_OK);

    ck_assert(keep2->shm.exists);
    ck_assert_ptr_eq(keep2->shm.addr, keep->shm.addr);
    ck_assert_str_eq((char *) keep2->shm.addr, "data");

    ck_assert(!resize2->shm.exists);
    ck_assert_ptr_ne(resize2->shm.addr, resize_addr);
    ck_assert_str_eq((char *) resize2->shm.addr, "fresh");
    ck_assert(!added->shm.exists);

    /* the old cycle goes: what the new one did not take is unmapped */
    t_free_cycle(old);

    ck_assert(t_mapped(keep2->shm.addr, 65536));
    ck_assert_str_eq((char *) keep2->shm.addr, "data");
    ck_assert(!t_mapped(resize_addr, 65536));
    ck_assert(!t_mapped(drop_addr, 65536));
    ck_assert(t_mapped(resize2->shm.addr, 131072));

    /* and the last cycle unmaps the rest */
    resize_addr = keep2->shm.addr;
    t_free_cycle(new);
    ck_assert(!t_mapped(resize_addr, 65536));
}
END_TEST


START_TEST(test_failed_reload)
{
    mx_cycle_t     *old, *new;
    mx_shm_zone_t  *keep, *keep2, *bad;
    u_char         *addr;

    old = t_cycle();
    keep = t_add(old, "keep", 65536, &t_tag_a);
    ck_assert_int_eq(mx_shm_cycle_init(old), MX_OK);
    memcpy(keep->shm.addr, "data", 5);

    new = t_cycle();
    keep2 = t_add(new, "keep", 65536, &t_tag_a);
    bad = t_add(new, "bad", 65536, &t_tag_a);
    bad->init = t_init_fails;
    ck_assert_int_eq(mx_shm_cycle_init(new), MX_ERROR);
    ck_assert_ptr_eq(keep2->shm.addr, keep->shm.addr);
    addr = bad->shm.addr;
    ck_assert_ptr_nonnull(addr);

    /* the failed cycle is freed: the running one keeps its zone */
    t_free_cycle(new);

    ck_assert(t_mapped(keep->shm.addr, 65536));
    ck_assert_str_eq((char *) keep->shm.addr, "data");
    ck_assert(!t_mapped(addr, 65536));

    t_free_cycle(old);
}
END_TEST


START_TEST(test_owner_and_size_make_the_zone)
{
    mx_cycle_t     *c1, *c2;
    mx_shm_zone_t  *a, *b;

    c1 = t_cycle();
    a = t_add(c1, "z", 65536, &t_tag_a);
    ck_assert_int_eq(mx_shm_cycle_init(c1), MX_OK);

    /* another owner of the same name in the next cycle: a new zone */
    c2 = t_cycle();
    b = t_add(c2, "z", 65536, &t_tag_b);
    ck_assert_int_eq(mx_shm_cycle_init(c2), MX_OK);
    ck_assert(!b->shm.exists);
    ck_assert_ptr_ne(a->shm.addr, b->shm.addr);

    t_free_cycle(c2);
    t_free_cycle(c1);
}
END_TEST


START_TEST(test_zero_size)
{
    mx_cycle_t  *c;

    mx_log_main.level = MX_LOG_STDERR;

    c = t_cycle();
    ck_assert_ptr_nonnull(t_add(c, "z", 0, &t_tag_a));
    ck_assert_int_eq(mx_shm_cycle_init(c), MX_ERROR);
    t_free_cycle(c);

    mx_log_main.level = MX_LOG_NOTICE;
}
END_TEST


static Suite *
shm_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("mx_shm");
    tc = tcase_create("core");

    tcase_add_test(tc, test_declare);
    tcase_add_test(tc, test_map);
    tcase_add_test(tc, test_reload);
    tcase_add_test(tc, test_failed_reload);
    tcase_add_test(tc, test_owner_and_size_make_the_zone);
    tcase_add_test(tc, test_zero_size);

    suite_add_tcase(s, tc);

    return s;
}


int
main(void)
{
    int       failed;
    SRunner  *sr;

    sr = srunner_create(shm_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
