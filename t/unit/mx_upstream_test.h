#ifndef MX_UPSTREAM_TEST_H
#define MX_UPSTREAM_TEST_H

/*
 * What the unit tests of the balancing methods share: a configuration
 * context for the upstream directives' setters, groups built through the
 * balancer's hooks as mx_upstream.c drives them, and a pick of one peer
 * as a letter ('a' for the first server). Included by one test file each.
 */

#include <check.h>

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


#endif /* MX_UPSTREAM_TEST_H */
