/*
 * Unit tests of core/upstream/mx_upstream_random.c: draws follow the
 * weights and skip down, failed and tried peers; "two" takes the less
 * busy of two different peers; round robin takes over when drawing
 * finds nothing.
 *
 * Groups go through the directive's setter and the balancer's hooks as
 * mx_upstream.c drives them; core/main/ is not linked into unit tests.
 */

#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/un.h>

#include "mx_upstream_test.h"


static const char *const  t_abc[] = {
    "127.0.0.1:19831", "127.0.0.1:19832", "127.0.0.1:19833", NULL
};


/* how many of n first tries went to each peer */
static void
t_count(mx_upstream_srv_conf_t *us, mx_uint_t n, mx_uint_t *count)
{
    mx_uint_t  i;
    char       c;

    memset(count, 0, 3 * sizeof(mx_uint_t));

    for (i = 0; i < n; i++) {
        c = t_first(us, t_request(NULL, NULL));
        ck_assert(c >= 'a' && c <= 'c');
        count[c - 'a']++;
    }
}


START_TEST(test_weights)
{
    static const mx_int_t   w132[] = { 1, 3, 2 };
    mx_upstream_srv_conf_t  *us;
    mx_uint_t                count[3];

    us = t_group(t_abc, w132, NULL, mx_upstream_random, NULL);
    t_count(us, 6000, count);

    /* 1000, 3000, 2000 give or take much more than chance allows */
    ck_assert_uint_gt(count[0], 800);
    ck_assert_uint_lt(count[0], 1200);
    ck_assert_uint_gt(count[1], 2750);
    ck_assert_uint_lt(count[1], 3250);
    ck_assert_uint_gt(count[2], 1750);
    ck_assert_uint_lt(count[2], 2250);
}
END_TEST


START_TEST(test_down_and_failed)
{
    mx_upstream_srv_conf_t      *us;
    mx_upstream_rr_peer_data_t   rrp;
    mx_upstream_rr_peer_t       *first;
    mx_uint_t                    count[3];

    us = t_group(t_abc, NULL, "-d-", mx_upstream_random, NULL);
    t_count(us, 300, count);
    ck_assert_uint_eq(count[1], 0);
    ck_assert_uint_gt(count[0], 0);
    ck_assert_uint_gt(count[2], 0);

    /* the one that failed is not drawn again, by this request or others */
    ck_assert_int_eq(mx_upstream_init_peer(t_request(NULL, NULL), us, &rrp),
                     MX_OK);
    ck_assert_int_eq(mx_upstream_get_peer(&rrp), MX_OK);
    first = rrp.current;
    mx_upstream_free_peer(&rrp, MX_PEER_FAILED, &t_log);
    ck_assert_int_eq(mx_upstream_get_peer(&rrp), MX_OK);
    ck_assert_ptr_ne(rrp.current, first);
    mx_upstream_free_peer(&rrp, 0, &t_log);

    t_count(us, 100, count);
    ck_assert_uint_eq(count[first - us->peers->peer], 0);
}
END_TEST


START_TEST(test_all_down)
{
    mx_upstream_srv_conf_t  *us;

    /* 20 draws, then round robin, which finds none */
    us = t_group(t_abc, NULL, "ddd", mx_upstream_random, NULL);
    ck_assert_int_eq(t_first(us, t_request(NULL, NULL)), '-');

    us = t_group(t_abc, NULL, "ddd", mx_upstream_random, "two", NULL);
    ck_assert_int_eq(t_first(us, t_request(NULL, NULL)), '-');
}
END_TEST


START_TEST(test_two_least_conn)
{
    static const char *const     ab[] = {
        "127.0.0.1:19831", "127.0.0.1:19832", NULL
    };
    mx_upstream_srv_conf_t      *us;
    mx_upstream_rr_peer_data_t   busy;
    mx_uint_t                    i, count[3];
    char                         other;

    us = t_group(ab, NULL, NULL, mx_upstream_random, "two", "least_conn",
                 NULL);

    ck_assert_int_eq(mx_upstream_init_peer(t_request(NULL, NULL), us,
                                           &busy), MX_OK);
    ck_assert_int_eq(mx_upstream_get_peer(&busy), MX_OK);

    /* two peers: both drawn every time, the idle one wins */
    other = busy.current == &us->peers->peer[0] ? 'b' : 'a';

    for (i = 0; i < 50; i++) {
        ck_assert_int_eq(t_first(us, t_request(NULL, NULL)), other);
    }

    mx_upstream_free_peer(&busy, 0, &t_log);

    /* idle both: the draws decide */
    t_count(us, 200, count);
    ck_assert_uint_gt(count[0], 0);
    ck_assert_uint_gt(count[1], 0);
}
END_TEST


START_TEST(test_two_of_three)
{
    mx_upstream_srv_conf_t      *us;
    mx_upstream_rr_peer_data_t   busy_a, busy_b;
    mx_uint_t                    count[3];

    us = t_group(t_abc, NULL, NULL, mx_upstream_random, "two", NULL);

    /* a and b busy: c wins whenever it is drawn, and it is in 2 of 3 */
    while (1) {
        ck_assert_int_eq(mx_upstream_init_peer(t_request(NULL, NULL), us,
                                               &busy_a), MX_OK);
        ck_assert_int_eq(mx_upstream_get_peer(&busy_a), MX_OK);
        if (busy_a.current == &us->peers->peer[0]) {
            break;
        }
        mx_upstream_free_peer(&busy_a, 0, &t_log);
    }

    while (1) {
        ck_assert_int_eq(mx_upstream_init_peer(t_request(NULL, NULL), us,
                                               &busy_b), MX_OK);
        ck_assert_int_eq(mx_upstream_get_peer(&busy_b), MX_OK);
        if (busy_b.current == &us->peers->peer[1]) {
            break;
        }
        mx_upstream_free_peer(&busy_b, 0, &t_log);
    }

    t_count(us, 3000, count);
    ck_assert_uint_gt(count[2], 1800);
    ck_assert_uint_lt(count[2], 2200);

    mx_upstream_free_peer(&busy_a, 0, &t_log);
    mx_upstream_free_peer(&busy_b, 0, &t_log);
}
END_TEST


static Suite *
random_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("mx_upstream_random");
    tc = tcase_create("core");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);

    tcase_add_test(tc, test_weights);
    tcase_add_test(tc, test_down_and_failed);
    tcase_add_test(tc, test_all_down);
    tcase_add_test(tc, test_two_least_conn);
    tcase_add_test(tc, test_two_of_three);

    suite_add_tcase(s, tc);

    return s;
}


int
main(void)
{
    int       failed;
    SRunner  *sr;

    sr = srunner_create(random_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
