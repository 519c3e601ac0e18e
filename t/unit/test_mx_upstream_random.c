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

#include "mx_upstream.h"
#include "mx_upstream_internal.h"


mx_module_t  *mx_modules[] = { NULL };
mx_uint_t     mx_modules_n = 0;

static mx_pool_t                 *t_pool;
static void                      *t_main_conf[8];
static void                      *t_srv_conf[8];
static mx_http_conf_ctx_t         t_ctx;
static mx_conf_t                  t_cf;
static mx_connection_t            t_conn;
static mx_log_t                   t_log;


static void
t_setup(void)
{
    mx_time_init();

    t_pool = mx_pool_create(4096);
    ck_assert_ptr_nonnull(t_pool);

    memset(t_main_conf, 0, sizeof(t_main_conf));
    t_main_conf[mx_http_core_module.ctx_index] =
        mx_pcalloc(t_pool, sizeof(mx_http_core_main_conf_t));

    memset(t_srv_conf, 0, sizeof(t_srv_conf));
    t_ctx.main_conf = t_main_conf;
    t_ctx.srv_conf = t_srv_conf;
    t_ctx.loc_conf = NULL;

    memset(&t_cf, 0, sizeof(t_cf));
    t_cf.pool = t_pool;
    t_cf.ctx = &t_ctx;
    t_cf.module_type = MX_HTTP_MODULE;
    t_cf.cmd_type = MX_HTTP_UPS_CONF;
    t_cf.log = &mx_log_main;

    /* "upstream server temporarily disabled" stays out of the output */
    mx_log_use_stderr = 0;
    mx_log_main.level = 0;
    t_log = mx_log_main;

    memset(&t_conn, 0, sizeof(t_conn));
    t_conn.log = mx_log_main;
}


static void
t_teardown(void)
{
    mx_pool_destroy(t_pool);
}


/*
 * A group of "server NAME[ weight=W][ down]" lines, each of one address
 * (127.0.0.1:PORT, or the path of a unix: name), then the method's
 * directive with args (NULL ended) and its init_upstream.
 */
static mx_upstream_srv_conf_t *
t_group(const char *const *names, const mx_int_t *weights,
    const char *down, mx_conf_set_pt set, ...)
{
    mx_upstream_srv_conf_t  *us;
    mx_upstream_server_t    *s;
    struct sockaddr_in      *sin;
    struct sockaddr_un      *sun;
    mx_str_t                *arg;
    const char              *a;
    va_list                  ap;
    mx_uint_t                i;

    us = mx_pcalloc(t_pool, sizeof(mx_upstream_srv_conf_t));
    ck_assert_ptr_nonnull(us);

    us->host.data = (u_char *) "backend";
    us->host.len = 7;
    us->explicit = 1;
    us->servers = mx_array_create(t_pool, 4, sizeof(mx_upstream_server_t));
    ck_assert_ptr_nonnull(us->servers);

    for (i = 0; names[i]; i++) {
        s = mx_array_push(us->servers);
        ck_assert_ptr_nonnull(s);
        memset(s, 0, sizeof(mx_upstream_server_t));

        s->name.data = (u_char *) names[i];
        s->name.len = strlen(names[i]);
        s->weight = weights ? weights[i] : 1;
        s->max_fails = 1;
        s->fail_timeout = 10;
        s->down = down && down[i] == 'd';
        s->naddrs = 1;
        s->addrs = mx_pcalloc(t_pool, sizeof(struct sockaddr_storage));
        ck_assert_ptr_nonnull(s->addrs);

        if (strncmp(names[i], "unix:", 5) == 0) {
            sun = (struct sockaddr_un *) s->addrs;
            sun->sun_family = AF_UNIX;
            strcpy(sun->sun_path, names[i] + 5);

        } else {
            sin = (struct sockaddr_in *) s->addrs;
            sin->sin_family = AF_INET;
            sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            sin->sin_port = htons((uint16_t) atoi(strrchr(names[i], ':')
                                                  + 1));
        }
    }

    t_srv_conf[mx_http_upstream_module.ctx_index] = us;

    t_cf.args = mx_array_create(t_pool, 4, sizeof(mx_str_t));
    ck_assert_ptr_nonnull(t_cf.args);

    va_start(ap, set);
    arg = mx_array_push(t_cf.args);
    mx_str_set(arg, "method");

    while ((a = va_arg(ap, const char *)) != NULL) {
        arg = mx_array_push(t_cf.args);
        arg->data = (u_char *) a;
        arg->len = strlen(a);
    }

    va_end(ap);

    ck_assert_ptr_eq(set(&t_cf, NULL, us), MX_CONF_OK);
    ck_assert_ptr_nonnull(us->balancer);
    ck_assert_int_eq(us->balancer->init_upstream(&t_cf, us), MX_OK);

    return us;
}


/* a request with these arguments, from this IPv4 or IPv6 address */
static mx_http_request_t *
t_request(const char *args, const char *client)
{
    mx_http_request_t    *r;
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;

    r = mx_pcalloc(t_pool, sizeof(mx_http_request_t));
    ck_assert_ptr_nonnull(r);

    r->pool = t_pool;
    r->main_conf = t_main_conf;
    r->connection = &t_conn;

    if (args) {
        r->args.data = (u_char *) args;
        r->args.len = strlen(args);
    }

    memset(&t_conn.sockaddr, 0, sizeof(t_conn.sockaddr));

    if (client && strchr(client, ':')) {
        sin6 = (struct sockaddr_in6 *) &t_conn.sockaddr;
        sin6->sin6_family = AF_INET6;
        ck_assert_int_eq(inet_pton(AF_INET6, client, &sin6->sin6_addr), 1);

    } else if (client) {
        sin = (struct sockaddr_in *) &t_conn.sockaddr;
        sin->sin_family = AF_INET;
        ck_assert_int_eq(inet_pton(AF_INET, client, &sin->sin_addr), 1);
    }

    return r;
}


/* the letter of the peer the first try of r goes to, '-' when busy */
static char
t_first(mx_upstream_srv_conf_t *us, mx_http_request_t *r)
{
    mx_upstream_rr_peer_data_t  rrp;
    char                        c;

    ck_assert_int_eq(mx_upstream_init_peer(r, us, &rrp), MX_OK);

    if (mx_upstream_get_peer(&rrp) != MX_OK) {
        return '-';
    }

    c = (char) ('a' + (rrp.current - us->peers->peer));
    mx_upstream_free_peer(&rrp, 0, &t_log);

    return c;
}


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
