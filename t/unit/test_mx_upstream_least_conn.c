/*
 * Unit tests of core/upstream/mx_upstream_least_conn.c: the peer with
 * the fewest connections per weight, ties shared by smooth weighted
 * round robin, failed and down peers skipped, backup peers last, and
 * nginx's quick recovery once every peer failed.
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


/* a request holding its peer (not freed): the peer's letter */
static char
t_hold(mx_upstream_srv_conf_t *us, mx_upstream_rr_peer_data_t **rrpp)
{
    mx_upstream_rr_peer_data_t  *rrp;

    rrp = mx_pcalloc(t_pool, sizeof(mx_upstream_rr_peer_data_t));
    ck_assert_ptr_nonnull(rrp);
    ck_assert_int_eq(mx_upstream_init_peer(t_request(NULL, NULL), us, rrp),
                     MX_OK);
    ck_assert_int_eq(mx_upstream_get_peer(rrp), MX_OK);

    *rrpp = rrp;

    return (char) ('a' + (rrp->current - us->peers->peer));
}


static const char *const  t_ab[] = {
    "127.0.0.1:19831", "127.0.0.1:19832", NULL
};

static const char *const  t_abc[] = {
    "127.0.0.1:19831", "127.0.0.1:19832", "127.0.0.1:19833", NULL
};


START_TEST(test_ties_by_weighted_round_robin)
{
    static const mx_int_t   w21[] = { 2, 1 };
    static const char       want[] = "abaaba";
    mx_upstream_srv_conf_t  *us;
    mx_uint_t                i;

    us = t_group(t_ab, w21, NULL, mx_upstream_least_conn, NULL);

    for (i = 0; i < sizeof(want) - 1; i++) {
        ck_assert_int_eq(t_first(us, t_request(NULL, NULL)), want[i]);
    }
}
END_TEST


START_TEST(test_fewest_connections)
{
    mx_upstream_srv_conf_t      *us;
    mx_upstream_rr_peer_data_t  *busy, *other;

    us = t_group(t_abc, NULL, NULL, mx_upstream_least_conn, NULL);

    /* a busy: b and c share the new requests, a gets none */
    ck_assert_int_eq(t_hold(us, &busy), 'a');
    ck_assert_int_eq(t_first(us, t_request(NULL, NULL)), 'b');
    ck_assert_int_eq(t_first(us, t_request(NULL, NULL)), 'c');
    ck_assert_int_eq(t_first(us, t_request(NULL, NULL)), 'b');
    ck_assert_int_eq(t_first(us, t_request(NULL, NULL)), 'c');

    /* b busy too: c only */
    ck_assert_int_eq(t_hold(us, &other), 'b');
    ck_assert_int_eq(t_first(us, t_request(NULL, NULL)), 'c');
    ck_assert_int_eq(t_first(us, t_request(NULL, NULL)), 'c');

    /* a done: a and c tie again */
    mx_upstream_free_peer(busy, 0, &t_log);
    ck_assert_uint_eq(us->peers->peer[0].conns, 0);
    ck_assert_int_ne(t_first(us, t_request(NULL, NULL)), 'b');
    mx_upstream_free_peer(other, 0, &t_log);
}
END_TEST


START_TEST(test_connections_per_weight)
{
    static const mx_int_t        w31[] = { 3, 1 };
    static const char            want[] = "abaaab";
    mx_upstream_srv_conf_t      *us;
    mx_upstream_rr_peer_data_t  *held[6];
    mx_uint_t                    i;

    us = t_group(t_ab, w31, NULL, mx_upstream_least_conn, NULL);

    /* a takes three for each one b takes */
    for (i = 0; i < sizeof(want) - 1; i++) {
        ck_assert_int_eq(t_hold(us, &held[i]), want[i]);
    }

    for (i = 0; i < sizeof(want) - 1; i++) {
        mx_upstream_free_peer(held[i], 0, &t_log);
    }

    ck_assert_uint_eq(us->peers->peer[0].conns, 0);
    ck_assert_uint_eq(us->peers->peer[1].conns, 0);
}
END_TEST


START_TEST(test_failed_and_down)
{
    mx_upstream_srv_conf_t      *us;
    mx_upstream_rr_peer_data_t   rrp;

    us = t_group(t_abc, NULL, "-d-", mx_upstream_least_conn, NULL);

    /* a fails: the retry goes to c (b is down), and a stays out */
    ck_assert_int_eq(mx_upstream_init_peer(t_request(NULL, NULL), us, &rrp),
                     MX_OK);
    ck_assert_int_eq(mx_upstream_get_peer(&rrp), MX_OK);
    ck_assert_ptr_eq(rrp.current, &us->peers->peer[0]);
    mx_upstream_free_peer(&rrp, MX_PEER_FAILED, &t_log);
    ck_assert_int_eq(mx_upstream_get_peer(&rrp), MX_OK);
    ck_assert_ptr_eq(rrp.current, &us->peers->peer[2]);
    mx_upstream_free_peer(&rrp, 0, &t_log);

    ck_assert_int_eq(t_first(us, t_request(NULL, NULL)), 'c');
    ck_assert_int_eq(t_first(us, t_request(NULL, NULL)), 'c');
}
END_TEST


START_TEST(test_backup_and_recovery)
{
    static const char *const     with_backup[] = {
        "127.0.0.1:19831", "127.0.0.1:19832", "127.0.0.1:19839", NULL
    };
    mx_upstream_srv_conf_t      *us;
    mx_upstream_server_t        *s;
    mx_upstream_rr_peer_data_t   rrp;
    mx_uint_t                    i;

    us = t_group(with_backup, NULL, NULL, mx_upstream_least_conn, NULL);

    /* rebuilt with the third server a backup */
    s = us->servers->elts;
    s[2].backup = 1;
    ck_assert_int_eq(us->balancer->init_upstream(&t_cf, us), MX_OK);
    ck_assert_uint_eq(us->peers->number, 2);
    ck_assert_ptr_nonnull(us->peers->next);

    ck_assert_int_eq(mx_upstream_init_peer(t_request(NULL, NULL), us, &rrp),
                     MX_OK);
    ck_assert_int_eq(rrp.tries, 3);

    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(mx_upstream_get_peer(&rrp), MX_OK);
        ck_assert_ptr_eq(rrp.peers, us->peers);
        mx_upstream_free_peer(&rrp, MX_PEER_FAILED, &t_log);
    }

    ck_assert_int_eq(mx_upstream_get_peer(&rrp), MX_OK);
    ck_assert_ptr_eq(rrp.current, &us->peers->next->peer[0]);
    mx_upstream_free_peer(&rrp, MX_PEER_FAILED, &t_log);
    ck_assert_int_eq(rrp.tries, 0);

    /* all failed: no live peer, and all are live again for the next */
    ck_assert_int_eq(t_first(us, t_request(NULL, NULL)), '-');
    ck_assert_uint_eq(us->peers->peer[0].fails, 0);
    ck_assert_uint_eq(us->peers->peer[1].fails, 0);
    ck_assert_int_ne(t_first(us, t_request(NULL, NULL)), '-');
}
END_TEST


START_TEST(test_single)
{
    static const char *const     one[] = { "127.0.0.1:19831", NULL };
    mx_upstream_srv_conf_t      *us;
    mx_upstream_rr_peer_data_t   rrp;

    us = t_group(one, NULL, NULL, mx_upstream_least_conn, NULL);

    /* a group of one peer is round robin's: never disabled */
    ck_assert_int_eq(mx_upstream_init_peer(t_request(NULL, NULL), us, &rrp),
                     MX_OK);
    ck_assert_int_eq(mx_upstream_get_peer(&rrp), MX_OK);
    mx_upstream_free_peer(&rrp, MX_PEER_FAILED, &t_log);
    ck_assert_int_eq(rrp.tries, 0);
    ck_assert_int_eq(t_first(us, t_request(NULL, NULL)), 'a');
}
END_TEST


static Suite *
least_conn_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("mx_upstream_least_conn");
    tc = tcase_create("core");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);

    tcase_add_test(tc, test_ties_by_weighted_round_robin);
    tcase_add_test(tc, test_fewest_connections);
    tcase_add_test(tc, test_connections_per_weight);
    tcase_add_test(tc, test_failed_and_down);
    tcase_add_test(tc, test_backup_and_recovery);
    tcase_add_test(tc, test_single);

    suite_add_tcase(s, tc);

    return s;
}


int
main(void)
{
    int       failed;
    SRunner  *sr;

    sr = srunner_create(least_conn_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
