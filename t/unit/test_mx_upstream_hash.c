/*
 * Unit tests of core/upstream/mx_upstream_hash.c: "hash", "hash ...
 * consistent" and "ip_hash" pick the servers nginx 1.22 picks (the
 * expected strings were recorded from nginx on the same groups: the
 * consistent ring depends on the "server" names, the plain hash on the
 * order and weights), the rehash past down and failed peers, the
 * consistent ring's stability when servers come and go, and the fall
 * back to round robin.
 *
 * Groups go through the directives' setters and the balancer's hooks as
 * mx_upstream.c drives them; core/main/ is not linked into unit tests.
 */

#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/un.h>

#include "mx_upstream_test.h"


/* the peers "?key=kN" goes to, N = 1..n */
static const char *
t_keys(mx_upstream_srv_conf_t *us, mx_uint_t n)
{
    static char  out[1024];
    char         args[32];
    mx_uint_t    k;

    for (k = 1; k <= n; k++) {
        snprintf(args, sizeof(args), "key=k%lu", (unsigned long) k);
        out[k - 1] = t_first(us, t_request(args, NULL));
    }

    out[n] = '\0';
    return out;
}


static const char *const  t_abc[] = {
    "127.0.0.1:19831", "127.0.0.1:19832", "127.0.0.1:19833", NULL
};

static const char *const  t_ab[] = {
    "127.0.0.1:19831", "127.0.0.1:19832", NULL
};

static const char *const  t_abcd[] = {
    "127.0.0.1:19831", "127.0.0.1:19832", "127.0.0.1:19833",
    "127.0.0.1:19834", NULL
};


START_TEST(test_hash_as_nginx)
{
    static const mx_int_t  w31[] = { 3, 1 };
    mx_upstream_srv_conf_t  *us;
    char                     args[32];
    char                     out[64];
    mx_uint_t                k;

    us = t_group(t_abc, NULL, NULL, mx_upstream_hash, "$arg_key", NULL);
    ck_assert_str_eq(t_keys(us, 24), "ababcacaaaaaacbccbaccbaa");

    /* weights are slots: "?key=N" over weights 3 and 1 */
    us = t_group(t_ab, w31, NULL, mx_upstream_hash, "$arg_key", NULL);
    for (k = 1; k <= 40; k++) {
        snprintf(args, sizeof(args), "key=%lu", (unsigned long) k);
        out[k - 1] = t_first(us, t_request(args, NULL));
    }
    out[40] = '\0';
    ck_assert_str_eq(out, "aaaaaababaabaabaaaaabaaaabababaaaaaababa");
}
END_TEST


START_TEST(test_hash_rehash_past_down)
{
    mx_upstream_srv_conf_t  *us;

    /* c's keys rehash (to a or b), the others stay */
    us = t_group(t_abc, NULL, "--d", mx_upstream_hash, "$arg_key", NULL);
    ck_assert_str_eq(t_keys(us, 30), "ababbabaaaaaabbbbbabbbaaabbaaa");
}
END_TEST


START_TEST(test_hash_retry)
{
    mx_upstream_srv_conf_t      *us;
    mx_upstream_rr_peer_data_t   rrp;
    mx_upstream_rr_peer_t       *first;

    us = t_group(t_abc, NULL, NULL, mx_upstream_hash, "$arg_key", NULL);

    /* k5 is c's; failing there, the request rehashes to another peer */
    ck_assert_int_eq(mx_upstream_init_peer(t_request("key=k5", NULL), us,
                                           &rrp), MX_OK);
    ck_assert_int_eq(rrp.tries, 3);
    ck_assert_int_eq(mx_upstream_get_peer(&rrp), MX_OK);
    first = rrp.current;
    ck_assert_ptr_eq(first, &us->peers->peer[2]);
    mx_upstream_free_peer(&rrp, MX_PEER_FAILED, &t_log);
    ck_assert_int_eq(rrp.tries, 2);

    ck_assert_int_eq(mx_upstream_get_peer(&rrp), MX_OK);
    ck_assert_ptr_ne(rrp.current, first);
    mx_upstream_free_peer(&rrp, 0, &t_log);

    /* c is disabled for fail_timeout: k5 goes elsewhere at once */
    ck_assert_int_ne(t_first(us, t_request("key=k5", NULL)), 'c');
    ck_assert_int_eq(t_first(us, t_request("key=k1", NULL)), 'a');
}
END_TEST


START_TEST(test_hash_fallbacks)
{
    mx_upstream_srv_conf_t  *us;

    /* no key: round robin */
    us = t_group(t_abc, NULL, NULL, mx_upstream_hash, "$arg_key", NULL);
    ck_assert_int_eq(t_first(us, t_request(NULL, NULL)), 'a');
    ck_assert_int_eq(t_first(us, t_request(NULL, NULL)), 'b');
    ck_assert_int_eq(t_first(us, t_request(NULL, NULL)), 'c');

    /* every peer down: 20 rehashes, then round robin finds none */
    us = t_group(t_abc, NULL, "ddd", mx_upstream_hash, "$arg_key", NULL);
    ck_assert_int_eq(t_first(us, t_request("key=k1", NULL)), '-');

    us = t_group(t_abc, NULL, "ddd", mx_upstream_hash, "$arg_key",
                 "consistent", NULL);
    ck_assert_int_eq(t_first(us, t_request("key=k1", NULL)), '-');
}
END_TEST


START_TEST(test_chash_as_nginx)
{
    static const char *const  weighted[] = {
        "127.0.0.1:19831", "127.0.0.1:19832", "localhost:19833", NULL
    };
    static const char *const  unix_peer[] = {
        "127.0.0.1:19831", "127.0.0.1:19832", "unix:/tmp/moxy-test-c.sock",
        NULL
    };
    static const mx_int_t     w311[] = { 3, 1, 1 };

    mx_upstream_srv_conf_t  *us;

    us = t_group(t_abc, NULL, NULL, mx_upstream_hash, "$arg_key",
                 "consistent", NULL);
    ck_assert_str_eq(t_keys(us, 40),
                     "cacaaaacbccbacabbcacaacaabcacbbcaaabcaab");

    us = t_group(weighted, w311, NULL, mx_upstream_hash, "$arg_key",
                 "consistent", NULL);
    ck_assert_str_eq(t_keys(us, 40),
                     "aaaaaaacaaabaaabbaaaaaaaaaacabccaaabcaaa");

    us = t_group(unix_peer, NULL, NULL, mx_upstream_hash, "$arg_key",
                 "consistent", NULL);
    ck_assert_str_eq(t_keys(us, 40),
                     "cacaaaaaccccaaacbcacaaccacaaabbaaaabcaab");
}
END_TEST


START_TEST(test_chash_stable)
{
    mx_upstream_srv_conf_t  *three, *down, *two, *four;
    char                     x[1001], y[1001], z[1001], w[1001];
    mx_uint_t                k, moved, added, c;

    three = t_group(t_abc, NULL, NULL, mx_upstream_hash, "$arg_key",
                    "consistent", NULL);
    down = t_group(t_abc, NULL, "--d", mx_upstream_hash, "$arg_key",
                   "consistent", NULL);
    two = t_group(t_ab, NULL, NULL, mx_upstream_hash, "$arg_key",
                  "consistent", NULL);
    four = t_group(t_abcd, NULL, NULL, mx_upstream_hash, "$arg_key",
                   "consistent", NULL);

    strcpy(x, t_keys(three, 1000));
    strcpy(y, t_keys(down, 1000));
    strcpy(z, t_keys(two, 1000));
    strcpy(w, t_keys(four, 1000));

    moved = 0;
    added = 0;
    c = 0;

    for (k = 0; k < 1000; k++) {
        /* c down is c removed: its keys go on to the next point */
        ck_assert_int_eq(y[k], z[k]);

        if (x[k] == 'c') {
            c++;
        } else if (y[k] != x[k]) {
            moved++;
        }

        if (w[k] == 'd') {
            added++;
        } else if (w[k] != x[k]) {
            moved++;
        }
    }

    ck_assert_uint_eq(moved, 0);

    /* about a third, a quarter */
    ck_assert_uint_gt(c, 250);
    ck_assert_uint_lt(c, 420);
    ck_assert_uint_gt(added, 170);
    ck_assert_uint_lt(added, 330);
}
END_TEST


START_TEST(test_chash_retry)
{
    mx_upstream_srv_conf_t      *us;
    mx_upstream_rr_peer_data_t   rrp;

    us = t_group(t_abc, NULL, NULL, mx_upstream_hash, "$arg_key",
                 "consistent", NULL);

    /* k1 is c's: failing there, the next point's server */
    ck_assert_int_eq(mx_upstream_init_peer(t_request("key=k1", NULL), us,
                                           &rrp), MX_OK);
    ck_assert_int_eq(mx_upstream_get_peer(&rrp), MX_OK);
    ck_assert_ptr_eq(rrp.current, &us->peers->peer[2]);
    mx_upstream_free_peer(&rrp, MX_PEER_FAILED, &t_log);

    ck_assert_int_eq(mx_upstream_get_peer(&rrp), MX_OK);
    ck_assert_ptr_ne(rrp.current, &us->peers->peer[2]);
    mx_upstream_free_peer(&rrp, MX_PEER_FAILED, &t_log);

    ck_assert_int_eq(mx_upstream_get_peer(&rrp), MX_OK);
    mx_upstream_free_peer(&rrp, MX_PEER_FAILED, &t_log);
    ck_assert_int_eq(rrp.tries, 0);

    /* all three failed: none is live */
    ck_assert_int_eq(t_first(us, t_request("key=k1", NULL)), '-');
}
END_TEST


START_TEST(test_ip_hash_as_nginx)
{
    static const mx_int_t  w1112[] = { 1, 1, 1, 2 };
    mx_upstream_srv_conf_t  *three, *four;

    three = t_group(t_abc, NULL, NULL, mx_upstream_ip_hash, NULL);
    four = t_group(t_abcd, w1112, NULL, mx_upstream_ip_hash, NULL);

    /* recorded from nginx */
    ck_assert_int_eq(t_first(three, t_request(NULL, "127.0.0.1")), 'c');
    ck_assert_int_eq(t_first(three, t_request(NULL, "::1")), 'c');
    ck_assert_int_eq(t_first(four, t_request(NULL, "127.0.0.1")), 'a');
    ck_assert_int_eq(t_first(four, t_request(NULL, "::1")), 'a');

    /* the last octet of IPv4 does not count, all of IPv6 does */
    ck_assert_int_eq(t_first(three, t_request(NULL, "10.0.0.1")), 'a');
    ck_assert_int_eq(t_first(three, t_request(NULL, "10.0.0.200")), 'a');
    ck_assert_int_eq(t_first(three, t_request(NULL, "192.168.1.77")), 'b');
    ck_assert_int_eq(t_first(four, t_request(NULL, "192.168.1.77")), 'd');
    ck_assert_int_eq(t_first(three, t_request(NULL, "2001:db8::1")), 'c');
    ck_assert_int_eq(t_first(three, t_request(NULL, "2001:db8::2")), 'a');
    ck_assert_int_eq(t_first(four, t_request(NULL, "2001:db8::2")), 'b');
}
END_TEST


START_TEST(test_ip_hash_down_and_retry)
{
    mx_upstream_srv_conf_t      *us;
    mx_upstream_rr_peer_data_t   rrp;

    /* 127.0.0.1's sequence: c, c, b */
    us = t_group(t_abc, NULL, "--d", mx_upstream_ip_hash, NULL);
    ck_assert_int_eq(t_first(us, t_request(NULL, "127.0.0.1")), 'b');

    us = t_group(t_abc, NULL, NULL, mx_upstream_ip_hash, NULL);
    ck_assert_int_eq(mx_upstream_init_peer(t_request(NULL, "127.0.0.1"),
                                           us, &rrp), MX_OK);
    ck_assert_int_eq(mx_upstream_get_peer(&rrp), MX_OK);
    ck_assert_ptr_eq(rrp.current, &us->peers->peer[2]);
    mx_upstream_free_peer(&rrp, MX_PEER_FAILED, &t_log);
    ck_assert_int_eq(mx_upstream_get_peer(&rrp), MX_OK);
    ck_assert_ptr_eq(rrp.current, &us->peers->peer[1]);
    mx_upstream_free_peer(&rrp, 0, &t_log);
}
END_TEST


static Suite *
hash_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("mx_upstream_hash");
    tc = tcase_create("core");
    tcase_add_checked_fixture(tc, t_setup, t_teardown);

    tcase_add_test(tc, test_hash_as_nginx);
    tcase_add_test(tc, test_hash_rehash_past_down);
    tcase_add_test(tc, test_hash_retry);
    tcase_add_test(tc, test_hash_fallbacks);
    tcase_add_test(tc, test_chash_as_nginx);
    tcase_add_test(tc, test_chash_stable);
    tcase_add_test(tc, test_chash_retry);
    tcase_add_test(tc, test_ip_hash_as_nginx);
    tcase_add_test(tc, test_ip_hash_down_and_retry);

    suite_add_tcase(s, tc);

    return s;
}


int
main(void)
{
    int       failed;
    SRunner  *sr;

    sr = srunner_create(hash_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
