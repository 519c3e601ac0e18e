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
