/*
 * Unit tests of core/upstream/mx_upstream_round_robin.c against nginx's
 * round robin: the smooth weighted sequence (weights 5, 1, 1 give
 * a a b a c a a), passive health (max_fails within fail_timeout), backup
 * peers, and the one-peer group that is never marked down.
 *
 * Groups are built by hand as mx_upstream_init_round_robin() builds them.
 * core/main/ (the real mx_modules[]) is not linked into unit tests.
 */

#include <check.h>
#include <string.h>
#include <arpa/inet.h>

#include "mx_upstream.h"


mx_module_t  *mx_modules[] = { NULL };
mx_uint_t     mx_modules_n = 0;

static mx_pool_t  *t_pool;
static mx_str_t    t_name = mx_string("backend");
static mx_log_t    t_log;             /* quiet: "temporarily disabled" */


static mx_upstream_rr_peers_t *
t_peers(mx_uint_t n, const mx_int_t *weights, mx_uint_t max_fails)
{
    mx_upstream_rr_peers_t  *peers;
    mx_upstream_rr_peer_t   *peer;
    mx_uint_t                i;

    peers = mx_pcalloc(t_pool, sizeof(mx_upstream_rr_peers_t));
    peer = mx_pcalloc(t_pool, n * sizeof(mx_upstream_rr_peer_t));
    ck_assert_ptr_nonnull(peers);
    ck_assert_ptr_nonnull(peer);

    for (i = 0; i < n; i++) {
        struct sockaddr_in  *sin = (struct sockaddr_in *) &peer[i].sockaddr;

        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t) (1000 + i));
        peer[i].socklen = sizeof(struct sockaddr_in);
        peer[i].name.data = (u_char *) "peer";
        peer[i].name.len = 4;
        peer[i].weight = weights ? weights[i] : 1;
        peer[i].effective_weight = peer[i].weight;
        peer[i].max_fails = max_fails;
        peer[i].fail_timeout = 10;
        peers->total_weight += peer[i].weight;
    }

    peers->number = n;
    peers->single = n == 1;
    peers->name = &t_name;
    peers->peer = peer;

    return peers;
}


static mx_uint_t
t_index(mx_upstream_rr_peers_t *peers, mx_upstream_rr_peer_t *p)
{
    return (mx_uint_t) (p - peers->peer);
}


static void
setup(void)
{
    mx_time_init();
    t_log = mx_log_main;
    t_log.level = MX_LOG_ERR;
    t_pool = mx_pool_create(4096);
    ck_assert_ptr_nonnull(t_pool);
}


static void
teardown(void)
{
    mx_pool_destroy(t_pool);
}


START_TEST(test_smooth_weights)
{
    static const mx_int_t  w[] = { 5, 1, 1 };
    static const char      want[] = "aabacaa" "aabacaa";

    mx_upstream_srv_conf_t      us;
    mx_upstream_rr_peer_data_t  rrp;
    mx_uint_t                   i;

    memset(&us, 0, sizeof(us));
    us.host = t_name;
    us.peers = t_peers(3, w, 1);

    for (i = 0; i < sizeof(want) - 1; i++) {
        ck_assert_int_eq(mx_upstream_rr_init_peer(t_pool, &us, &rrp), MX_OK);
        ck_assert_int_eq(rrp.tries, 3);
        ck_assert_int_eq(mx_upstream_rr_get_peer(&rrp), MX_OK);
        ck_assert_int_eq('a' + (int) t_index(us.peers, rrp.current),
                         want[i]);
        mx_upstream_rr_free_peer(&rrp, 0, &t_log);
        ck_assert_int_eq(rrp.tries, 2);
    }
}
END_TEST


START_TEST(test_failed_peer_is_skipped)
{
    mx_upstream_srv_conf_t      us;
    mx_upstream_rr_peer_data_t  rrp;
    mx_uint_t                   i;

    memset(&us, 0, sizeof(us));
    us.host = t_name;
    us.peers = t_peers(2, NULL, 1);

    /* the first pick is peer 0: it fails, the retry gets peer 1 */
    mx_upstream_rr_init_peer(t_pool, &us, &rrp);
    ck_assert_int_eq(mx_upstream_rr_get_peer(&rrp), MX_OK);
    ck_assert_uint_eq(t_index(us.peers, rrp.current), 0);
    mx_upstream_rr_free_peer(&rrp, MX_PEER_FAILED, &t_log);
    ck_assert_int_eq(mx_upstream_rr_get_peer(&rrp), MX_OK);
    ck_assert_uint_eq(t_index(us.peers, rrp.current), 1);
    mx_upstream_rr_free_peer(&rrp, 0, &t_log);

    /* within fail_timeout only peer 1 is chosen */
    for (i = 0; i < 4; i++) {
        mx_upstream_rr_init_peer(t_pool, &us, &rrp);
        ck_assert_int_eq(mx_upstream_rr_get_peer(&rrp), MX_OK);
        ck_assert_uint_eq(t_index(us.peers, rrp.current), 1);
        mx_upstream_rr_free_peer(&rrp, 0, &t_log);
    }

    /*
     * once fail_timeout passed, peer 0 is tried again, soon: its
     * effective weight went to 0 and grows back by one per pick
     */
    us.peers->peer[0].checked -= 11;
    us.peers->peer[0].accessed -= 11;

    for (i = 0; i < 3; i++) {
        mx_upstream_rr_init_peer(t_pool, &us, &rrp);
        ck_assert_int_eq(mx_upstream_rr_get_peer(&rrp), MX_OK);
        if (t_index(us.peers, rrp.current) == 0) {
            break;
        }
        mx_upstream_rr_free_peer(&rrp, 0, &t_log);
    }

    ck_assert_uint_lt(i, 3);
    mx_upstream_rr_free_peer(&rrp, 0, &t_log);
    ck_assert_uint_eq(us.peers->peer[0].fails, 0);
}
END_TEST


START_TEST(test_all_failed_is_busy)
{
    mx_upstream_srv_conf_t      us;
    mx_upstream_rr_peer_data_t  rrp;

    memset(&us, 0, sizeof(us));
    us.host = t_name;
    us.peers = t_peers(2, NULL, 1);

    mx_upstream_rr_init_peer(t_pool, &us, &rrp);
    ck_assert_int_eq(mx_upstream_rr_get_peer(&rrp), MX_OK);
    mx_upstream_rr_free_peer(&rrp, MX_PEER_FAILED, &t_log);
    ck_assert_int_eq(mx_upstream_rr_get_peer(&rrp), MX_OK);
    mx_upstream_rr_free_peer(&rrp, MX_PEER_FAILED, &t_log);
    ck_assert_int_eq(rrp.tries, 0);

    mx_upstream_rr_init_peer(t_pool, &us, &rrp);
    ck_assert_int_eq(mx_upstream_rr_get_peer(&rrp), MX_BUSY);
    ck_assert_ptr_eq(rrp.name, &us.host);
}
END_TEST


START_TEST(test_backup)
{
    mx_upstream_srv_conf_t      us;
    mx_upstream_rr_peer_data_t  rrp;
    mx_upstream_rr_peers_t     *backup;

    memset(&us, 0, sizeof(us));
    us.host = t_name;
    us.peers = t_peers(1, NULL, 1);
    backup = t_peers(1, NULL, 1);
    us.peers->single = 0;
    us.peers->next = backup;

    mx_upstream_rr_init_peer(t_pool, &us, &rrp);
    ck_assert_int_eq(rrp.tries, 2);
    ck_assert_int_eq(mx_upstream_rr_get_peer(&rrp), MX_OK);
    ck_assert_ptr_eq(rrp.current, &us.peers->peer[0]);
    mx_upstream_rr_free_peer(&rrp, MX_PEER_FAILED, &t_log);

    ck_assert_int_eq(mx_upstream_rr_get_peer(&rrp), MX_OK);
    ck_assert_ptr_eq(rrp.current, &backup->peer[0]);
    mx_upstream_rr_free_peer(&rrp, 0, &t_log);
}
END_TEST


START_TEST(test_single_never_down)
{
    mx_upstream_srv_conf_t      us;
    mx_upstream_rr_peer_data_t  rrp;
    mx_uint_t                   i;

    memset(&us, 0, sizeof(us));
    us.host = t_name;
    us.peers = t_peers(1, NULL, 1);

    for (i = 0; i < 3; i++) {
        mx_upstream_rr_init_peer(t_pool, &us, &rrp);
        ck_assert_int_eq(mx_upstream_rr_get_peer(&rrp), MX_OK);
        mx_upstream_rr_free_peer(&rrp, MX_PEER_FAILED, &t_log);
        ck_assert_int_eq(rrp.tries, 0);
    }

    /* a down peer is not chosen, even alone */
    us.peers->peer[0].down = 1;
    mx_upstream_rr_init_peer(t_pool, &us, &rrp);
    ck_assert_int_eq(mx_upstream_rr_get_peer(&rrp), MX_BUSY);
}
END_TEST


static Suite *
rr_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("mx_upstream_round_robin");
    tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);

    tcase_add_test(tc, test_smooth_weights);
    tcase_add_test(tc, test_failed_peer_is_skipped);
    tcase_add_test(tc, test_all_failed_is_busy);
    tcase_add_test(tc, test_backup);
    tcase_add_test(tc, test_single_never_down);

    suite_add_tcase(s, tc);

    return s;
}


int
main(void)
{
    int       failed;
    SRunner  *sr;

    sr = srunner_create(rr_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
