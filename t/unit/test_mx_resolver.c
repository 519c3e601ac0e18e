/*
 * Unit tests of core/event/mx_resolver.c: lookups on the libev loop
 * against a tiny DNS server living in the same loop (a UDP socket on an
 * ephemeral port answering with raw packets). Names choose the answer:
 *
 *   one.test     A 10.0.0.1, TTL 300
 *   many.test    A 10.0.0.1 .2 .3 and AAAA 2001:db8::1, TTL 300
 *   short.test   A 10.0.0.9, TTL 1
 *   nx.test      NXDOMAIN           fail.test     SERVFAIL
 *   silent.test  never answered     slow.test     A after 200 ms
 *   v6.test      only AAAA (no A: "Host not found" with ipv6=off)
 *   c<N>.test    A 10.1.x.y, TTL 300 (to fill the cache)
 *
 * The server counts the queries it sees, which shows the cache and the
 * shared queries at work. core/main/ is not linked into unit tests.
 */

#include <check.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "mx_conf.h"
#include "mx_resolver.h"


mx_module_t  *mx_modules[] = { NULL };
mx_uint_t     mx_modules_n = 0;

static mx_pool_t   *t_pool;

/* the DNS server */
static int          t_fd = -1;
static int          t_port;
static ev_io        t_io;
static mx_uint_t    t_queries;           /* every query seen */
static mx_uint_t    t_queries_a;         /* type A only */

typedef struct {
    ev_timer                 timer;
    struct sockaddr_storage  peer;
    socklen_t                peerlen;
    size_t                   len;
    u_char                   buf[512];
} t_delayed_t;

/* the lookups */
typedef struct {
    mx_uint_t       calls;
    int             state;
    mx_uint_t       naddrs;
    char            addr[8][INET6_ADDRSTRLEN];
    ev_tstamp       at;
    int             free_in_handler;
} t_result_t;


static size_t
t_put16(u_char *p, unsigned v)
{
    p[0] = (u_char) (v >> 8);
    p[1] = (u_char) v;
    return 2;
}


static size_t
t_answer_rr(u_char *p, unsigned type, unsigned ttl, const char *addr)
{
    u_char  *start = p;
    int      af = type == 1 ? AF_INET : AF_INET6;
    size_t   n = type == 1 ? 4 : 16;

    p += t_put16(p, 0xc00c);             /* the question's name */
    p += t_put16(p, type);
    p += t_put16(p, 1);
    p += t_put16(p, ttl >> 16);
    p += t_put16(p, ttl & 0xffff);
    p += t_put16(p, (unsigned) n);
    ck_assert_int_eq(inet_pton(af, addr, p), 1);

    return (size_t) (p + n - start);
}


/* builds the reply to the query q (qlen bytes) into out; 0: no reply */
static size_t
t_reply(const u_char *q, size_t qlen, u_char *out, int *delay)
{
    const u_char  *p, *last;
    char           name[256];
    size_t         nlen, qend;
    unsigned       qtype, rcode, an;
    u_char        *o;

    *delay = 0;
    last = q + qlen;

    if (qlen < 12) {
        return 0;
    }

    /* the question name, as dotted text */
    p = q + 12;
    nlen = 0;

    while (p < last && *p) {
        if (*p > 63 || p + 1 + *p > last || nlen + *p + 1 >= sizeof(name)) {
            return 0;
        }
        if (nlen) {
            name[nlen++] = '.';
        }
        memcpy(name + nlen, p + 1, *p);
        nlen += *p;
        p += 1 + *p;
    }
    name[nlen] = '\0';

    if (p + 5 > last) {
        return 0;
    }

    qtype = (unsigned) (p[1] << 8 | p[2]);
    qend = (size_t) (p + 5 - q);

    t_queries++;
    if (qtype == 1) {
        t_queries_a++;
    }

    if (strcmp(name, "silent.test") == 0) {
        return 0;
    }

    memcpy(out, q, qend);
    o = out + qend;
    rcode = 0;
    an = 0;

    if (strcmp(name, "one.test") == 0 || strcmp(name, "slow.test") == 0) {
        if (qtype == 1) {
            o += t_answer_rr(o, 1, 300, "10.0.0.1");
            an = 1;
        }
        *delay = name[0] == 's';

    } else if (strcmp(name, "many.test") == 0) {
        if (qtype == 1) {
            o += t_answer_rr(o, 1, 300, "10.0.0.1");
            o += t_answer_rr(o, 1, 300, "10.0.0.2");
            o += t_answer_rr(o, 1, 300, "10.0.0.3");
            an = 3;

        } else if (qtype == 28) {
            o += t_answer_rr(o, 28, 300, "2001:db8::1");
            an = 1;
        }

    } else if (strcmp(name, "short.test") == 0) {
        if (qtype == 1) {
            o += t_answer_rr(o, 1, 1, "10.0.0.9");
            an = 1;
        }

    } else if (strcmp(name, "v6.test") == 0) {
        if (qtype == 28) {
            o += t_answer_rr(o, 28, 300, "2001:db8::6");
            an = 1;
        }

    } else if (name[0] == 'c' && strstr(name, ".test")) {
        if (qtype == 1) {
            o += t_answer_rr(o, 1, 300, "10.1.0.1");
            an = 1;
        }

    } else if (strcmp(name, "fail.test") == 0) {
        rcode = 2;

    } else {
        rcode = 3;
    }

    out[2] = (u_char) (0x80 | (q[2] & 0x01));      /* QR, RD as asked */
    out[3] = (u_char) (0x80 | rcode);              /* RA */
    t_put16(out + 4, 1);
    t_put16(out + 6, an);
    t_put16(out + 8, 0);
    t_put16(out + 10, 0);

    return (size_t) (o - out);
}


static void
t_delayed_send(struct ev_loop *loop, ev_timer *w, int revents)
{
    t_delayed_t  *d = w->data;

    mx_unused(loop);
    mx_unused(revents);

    (void) sendto(t_fd, d->buf, d->len, 0,
                  (struct sockaddr *) &d->peer, d->peerlen);
    free(d);
}


static void
t_server_read(struct ev_loop *loop, ev_io *w, int revents)
{
    struct sockaddr_storage  peer;
    socklen_t                peerlen;
    u_char                   q[512], out[512];
    ssize_t                  n;
    size_t                   len;
    t_delayed_t             *d;
    int                      delay;

    mx_unused(revents);

    for ( ;; ) {
        peerlen = sizeof(peer);
        n = recvfrom(w->fd, q, sizeof(q), 0, (struct sockaddr *) &peer,
                     &peerlen);
        if (n <= 0) {
            return;
        }

        len = t_reply(q, (size_t) n, out, &delay);
        if (len == 0) {
            continue;
        }

        if (!delay) {
            (void) sendto(w->fd, out, len, 0, (struct sockaddr *) &peer,
                          peerlen);
            continue;
        }

        d = calloc(1, sizeof(t_delayed_t));
        ck_assert_ptr_nonnull(d);
        memcpy(d->buf, out, len);
        d->len = len;
        d->peer = peer;
        d->peerlen = peerlen;
        ev_timer_init(&d->timer, t_delayed_send, 0.2, 0.);
        d->timer.data = d;
        ev_timer_start(loop, &d->timer);
    }
}


static void
t_server_start(void)
{
    struct sockaddr_in  sin;
    socklen_t           len;

    t_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    ck_assert_int_ge(t_fd, 0);

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(t_fd, (struct sockaddr *) &sin, sizeof(sin)), 0);

    len = sizeof(sin);
    ck_assert_int_eq(getsockname(t_fd, (struct sockaddr *) &sin, &len), 0);
    t_port = ntohs(sin.sin_port);

    ev_io_init(&t_io, t_server_read, t_fd, EV_READ);
    ev_io_start(mx_loop, &t_io);
}


static mx_resolver_t *
t_resolver(time_t valid, int ipv6)
{
    mx_resolver_t  *r;
    mx_str_t        addr;
    const char     *err;
    char            buf[64];

    snprintf(buf, sizeof(buf), "127.0.0.1:%d", t_port);
    addr.data = (u_char *) buf;
    addr.len = strlen(buf);

    err = NULL;
    r = mx_resolver_create(t_pool, &addr, 1, valid, ipv6, &err);
    ck_assert_msg(r != NULL, "%s", err ? err : "");

    return r;
}


static void
t_handler(mx_resolver_ctx_t *ctx)
{
    t_result_t  *res = ctx->data;
    mx_uint_t    i;
    void        *a;
    int          af;

    res->calls++;
    res->state = ctx->state;
    res->naddrs = ctx->naddrs;
    res->at = ev_time();

    for (i = 0; i < ctx->naddrs && i < 8; i++) {
        af = ctx->addrs[i].sockaddr.ss_family;
        a = af == AF_INET
            ? (void *) &((struct sockaddr_in *) &ctx->addrs[i].sockaddr)
                  ->sin_addr
            : (void *) &((struct sockaddr_in6 *) &ctx->addrs[i].sockaddr)
                  ->sin6_addr;
        inet_ntop(af, a, res->addr[i], INET6_ADDRSTRLEN);
    }

    if (res->free_in_handler) {
        mx_resolve_name_done(ctx);
    }
}


static mx_resolver_ctx_t *
t_lookup(mx_resolver_t *r, const char *name, mx_msec_t timeout,
    t_result_t *res)
{
    mx_resolver_ctx_t  *ctx;
    mx_str_t            s;

    s.data = (u_char *) name;
    s.len = strlen(name);

    memset(res, 0, sizeof(*res));
    res->free_in_handler = 1;

    ctx = mx_resolve_start(r, &s, timeout);
    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(ctx->name.len, s.len);

    ctx->handler = t_handler;
    ctx->data = res;

    ck_assert_int_eq(mx_resolve_name(ctx), MX_OK);

    /* never from within mx_resolve_name() */
    ck_assert_uint_eq(res->calls, 0);

    return ctx;
}


static int         t_deadline_hit;

static void
t_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
    mx_unused(loop);
    mx_unused(w);
    mx_unused(revents);
    t_deadline_hit = 1;
}


/* runs the loop until *calls reaches want or secs pass */
static void
t_run(mx_uint_t *calls, mx_uint_t want, double secs)
{
    ev_timer  t;

    t_deadline_hit = 0;
    ev_timer_init(&t, t_deadline, secs, 0.);
    ev_now_update(mx_loop);
    ev_timer_start(mx_loop, &t);

    while (!t_deadline_hit && (calls == NULL || *calls < want)) {
        ev_run(mx_loop, EVRUN_ONCE);
    }

    ev_timer_stop(mx_loop, &t);
}


static void
setup(void)
{
    mx_time_init();
    ck_assert_int_eq(mx_event_init(), MX_OK);
    mx_log_main.level = MX_LOG_ERR;
    t_pool = mx_pool_create(4096);
    ck_assert_ptr_nonnull(t_pool);
    t_queries = 0;
    t_queries_a = 0;
    t_server_start();
}


static void
teardown(void)
{
    /* closes the channels */
    mx_pool_destroy(t_pool);
    ev_io_stop(mx_loop, &t_io);
    close(t_fd);
}


START_TEST(test_one_name)
{
    mx_resolver_t  *r = t_resolver(0, 0);
    t_result_t      res;

    t_lookup(r, "one.test", 5000, &res);
    t_run(&res.calls, 1, 5);

    ck_assert_uint_eq(res.calls, 1);
    ck_assert_int_eq(res.state, 0);
    ck_assert_uint_eq(res.naddrs, 1);
    ck_assert_str_eq(res.addr[0], "10.0.0.1");
    ck_assert_uint_eq(t_queries, 1);
}
END_TEST


START_TEST(test_several_addresses)
{
    mx_resolver_t  *r4 = t_resolver(0, 0);
    mx_resolver_t  *r6 = t_resolver(0, 1);
    t_result_t      res;

    t_lookup(r4, "MANY.test.", 5000, &res);
    t_run(&res.calls, 1, 5);

    ck_assert_int_eq(res.state, 0);
    ck_assert_uint_eq(res.naddrs, 3);
    ck_assert_str_eq(res.addr[0], "10.0.0.1");
    ck_assert_str_eq(res.addr[1], "10.0.0.2");
    ck_assert_str_eq(res.addr[2], "10.0.0.3");
    ck_assert_uint_eq(t_queries, 1);

    /* ipv6=on asks AAAA too; IPv4 comes first */
    t_lookup(r6, "many.test", 5000, &res);
    t_run(&res.calls, 1, 5);

    ck_assert_int_eq(res.state, 0);
    ck_assert_uint_eq(res.naddrs, 4);
    ck_assert_str_eq(res.addr[0], "10.0.0.1");
    ck_assert_str_eq(res.addr[3], "2001:db8::1");
    ck_assert_uint_eq(t_queries, 3);
}
END_TEST


START_TEST(test_errors)
{
    mx_resolver_t  *r = t_resolver(0, 0);
    t_result_t      nx, fail, v6;

    t_lookup(r, "nx.test", 5000, &nx);
    t_lookup(r, "fail.test", 5000, &fail);
    t_lookup(r, "v6.test", 5000, &v6);
    t_run(&nx.calls, 1, 5);
    t_run(&fail.calls, 1, 5);
    t_run(&v6.calls, 1, 5);

    ck_assert_int_eq(nx.state, MX_RESOLVE_NXDOMAIN);
    ck_assert_uint_eq(nx.naddrs, 0);
    ck_assert_str_eq(mx_resolver_strerror(nx.state), "Host not found");

    /* answered once, not retried */
    ck_assert_int_eq(fail.state, MX_RESOLVE_SERVFAIL);
    ck_assert_str_eq(mx_resolver_strerror(fail.state), "Server failure");

    ck_assert_int_eq(v6.state, MX_RESOLVE_NXDOMAIN);

    ck_assert_uint_eq(t_queries, 3);

    ck_assert_str_eq(mx_resolver_strerror(MX_RESOLVE_FORMERR),
                     "Format error");
    ck_assert_str_eq(mx_resolver_strerror(MX_RESOLVE_NOTIMP),
                     "Unimplemented");
    ck_assert_str_eq(mx_resolver_strerror(MX_RESOLVE_REFUSED),
                     "Operation refused");
    ck_assert_str_eq(mx_resolver_strerror(MX_RESOLVE_TIMEDOUT),
                     "Operation timed out");
}
END_TEST


START_TEST(test_timeout)
{
    mx_resolver_t  *r = t_resolver(0, 0);
    t_result_t      res;
    ev_tstamp       start;

    start = ev_time();
    t_lookup(r, "silent.test", 300, &res);
    t_run(&res.calls, 1, 5);

    ck_assert_uint_eq(res.calls, 1);
    ck_assert_int_eq(res.state, MX_RESOLVE_TIMEDOUT);
    ck_assert_int_eq(res.state, 110);
    ck_assert_uint_eq(res.naddrs, 0);
    ck_assert(res.at - start >= 0.29);
    ck_assert(res.at - start < 1.5);
}
END_TEST


START_TEST(test_cache)
{
    mx_resolver_t  *r = t_resolver(0, 0);
    t_result_t      a, b, c;

    t_lookup(r, "short.test", 5000, &a);
    t_run(&a.calls, 1, 5);
    ck_assert_int_eq(a.state, 0);
    ck_assert_uint_eq(t_queries, 1);

    /* within the TTL of 1s: from the cache, still through the loop */
    t_lookup(r, "Short.Test", 5000, &b);
    t_run(&b.calls, 1, 5);
    ck_assert_int_eq(b.state, 0);
    ck_assert_str_eq(b.addr[0], "10.0.0.9");
    ck_assert_uint_eq(t_queries, 1);

    t_run(NULL, 0, 1.2);

    t_lookup(r, "short.test", 5000, &c);
    t_run(&c.calls, 1, 5);
    ck_assert_int_eq(c.state, 0);
    ck_assert_uint_eq(t_queries, 2);
}
END_TEST


START_TEST(test_valid)
{
    mx_resolver_t  *r = t_resolver(1, 0);     /* valid=1s over TTL 300 */
    t_result_t      a, b;

    t_lookup(r, "one.test", 5000, &a);
    t_run(&a.calls, 1, 5);
    t_lookup(r, "one.test", 5000, &b);
    t_run(&b.calls, 1, 5);
    ck_assert_uint_eq(t_queries, 1);

    t_run(NULL, 0, 1.2);

    t_lookup(r, "one.test", 5000, &a);
    t_run(&a.calls, 1, 5);
    ck_assert_int_eq(a.state, 0);
    ck_assert_uint_eq(t_queries, 2);
}
END_TEST


START_TEST(test_shared_and_cancel)
{
    mx_resolver_t      *r = t_resolver(0, 0);
    mx_resolver_ctx_t  *c1;
    t_result_t          a, b, c;

    c1 = t_lookup(r, "slow.test", 5000, &a);
    t_lookup(r, "slow.test", 5000, &b);
    t_lookup(r, "slow.test", 5000, &c);

    /* cancelled before the answer: its handler is never called */
    mx_resolve_name_done(c1);

    t_run(&b.calls, 1, 5);
    t_run(&c.calls, 1, 5);
    t_run(NULL, 0, 0.3);

    ck_assert_uint_eq(a.calls, 0);
    ck_assert_uint_eq(b.calls, 1);
    ck_assert_uint_eq(c.calls, 1);
    ck_assert_int_eq(b.state, 0);
    ck_assert_str_eq(c.addr[0], "10.0.0.1");

    /* one query for the three lookups */
    ck_assert_uint_eq(t_queries, 1);
}
END_TEST


START_TEST(test_cancel_all)
{
    mx_resolver_t      *r = t_resolver(0, 0);
    mx_resolver_ctx_t  *ctx;
    t_result_t          a, b;

    /* nobody waits when the answer comes: it is still cached */
    ctx = t_lookup(r, "slow.test", 5000, &a);
    mx_resolve_name_done(ctx);
    t_run(NULL, 0, 0.5);
    ck_assert_uint_eq(a.calls, 0);
    ck_assert_uint_eq(t_queries, 1);

    t_lookup(r, "slow.test", 5000, &b);
    t_run(&b.calls, 1, 5);
    ck_assert_int_eq(b.state, 0);
    ck_assert_uint_eq(t_queries, 1);

    /* cancelling an answer at hand */
    ctx = t_lookup(r, "slow.test", 5000, &a);
    mx_resolve_name_done(ctx);
    ctx = t_lookup(r, "127.0.0.1", 5000, &a);
    mx_resolve_name_done(ctx);
    t_run(NULL, 0, 0.1);
    ck_assert_uint_eq(a.calls, 0);
}
END_TEST


START_TEST(test_cache_bound)
{
    mx_resolver_t      *r = t_resolver(0, 0);
    static t_result_t   res[64];
    mx_uint_t           i, j, calls, queries;
    char                name[32];

    /* one name more than the cache holds (4096), in batches */
    for (i = 0; i <= 4096; i += 64) {
        calls = 0;
        for (j = 0; j < 64 && i + j <= 4096; j++) {
            snprintf(name, sizeof(name), "c%lu.test", (unsigned long) (i + j));
            t_lookup(r, name, 5000, &res[j]);
        }

        for ( ;; ) {
            calls = 0;
            for (j = 0; j < 64 && i + j <= 4096; j++) {
                calls += res[j].calls;
            }
            if (calls == j) {
                break;
            }
            t_run(NULL, 0, 0.01);
        }

        for (j = 0; j < 64 && i + j <= 4096; j++) {
            ck_assert_int_eq(res[j].state, 0);
        }
    }

    ck_assert_uint_eq(t_queries, 4097);

    /* the newest is still there, the least recently used is gone */
    t_lookup(r, "c4096.test", 5000, &res[0]);
    t_run(&res[0].calls, 1, 5);
    queries = t_queries;
    ck_assert_uint_eq(queries, 4097);

    t_lookup(r, "c0.test", 5000, &res[0]);
    t_run(&res[0].calls, 1, 5);
    ck_assert_int_eq(res[0].state, 0);
    ck_assert_uint_eq(t_queries, 4098);
}
END_TEST


START_TEST(test_literals)
{
    mx_resolver_t  *r = t_resolver(0, 0);
    t_result_t      a, b, c;

    t_lookup(r, "192.0.2.7", 5000, &a);
    t_lookup(r, "[2001:db8::7]", 5000, &b);
    t_lookup(r, "::1", 5000, &c);
    t_run(&a.calls, 1, 5);
    t_run(&b.calls, 1, 5);
    t_run(&c.calls, 1, 5);

    ck_assert_int_eq(a.state, 0);
    ck_assert_uint_eq(a.naddrs, 1);
    ck_assert_str_eq(a.addr[0], "192.0.2.7");
    ck_assert_str_eq(b.addr[0], "2001:db8::7");
    ck_assert_str_eq(c.addr[0], "::1");
    ck_assert_uint_eq(t_queries, 0);
}
END_TEST


START_TEST(test_etc_hosts)
{
    mx_resolver_t  *r = t_resolver(0, 0);
    t_result_t      res;

    t_lookup(r, "localhost", 5000, &res);
    t_run(&res.calls, 1, 5);

    ck_assert_int_eq(res.state, 0);
    ck_assert_uint_ge(res.naddrs, 1);
    ck_assert_str_eq(res.addr[0], "127.0.0.1");
    ck_assert_uint_eq(t_queries, 0);
}
END_TEST


START_TEST(test_handler_keeps_ctx)
{
    mx_resolver_t      *r = t_resolver(0, 0);
    mx_resolver_ctx_t  *ctx;
    t_result_t          res;

    /* the caller may keep ctx after the handler and free it later */
    ctx = t_lookup(r, "one.test", 5000, &res);
    res.free_in_handler = 0;
    t_run(&res.calls, 1, 5);
    ck_assert_int_eq(ctx->state, 0);
    ck_assert_uint_eq(ctx->naddrs, 1);
    ck_assert_int_eq(ctx->addrs[0].sockaddr.ss_family, AF_INET);
    ck_assert_int_eq(((struct sockaddr_in *) &ctx->addrs[0].sockaddr)
                     ->sin_port, 0);
    mx_resolve_name_done(ctx);
    mx_resolve_name_done(NULL);
}
END_TEST


START_TEST(test_create_errors)
{
    static const struct {
        const char  *addr;
        const char  *err;
    } bad[] = {
        { "foo:bar", "invalid port in resolver \"foo:bar\"" },
        { "127.0.0.1:0", "invalid port in resolver \"127.0.0.1:0\"" },
        { "127.0.0.1:", "invalid port in resolver \"127.0.0.1:\"" },
        { "::1", "invalid port in resolver \"::1\"" },
        { "[::1", "invalid host in resolver \"[::1\"" },
        { "[::1]x", "invalid host in resolver \"[::1]x\"" },
        { ":53", "no host in resolver \":53\"" },
        { "[zz]:53", "invalid IPv6 address in resolver \"[zz]:53\"" },
        { "nosuchhost.invalid",
          "host not found in resolver \"nosuchhost.invalid\"" },
    };

    mx_str_t     s;
    const char  *err;
    mx_uint_t    i;

    for (i = 0; i < mx_nelems(bad); i++) {
        s.data = (u_char *) bad[i].addr;
        s.len = strlen(bad[i].addr);
        err = NULL;
        ck_assert_ptr_null(mx_resolver_create(t_pool, &s, 1, 0, 0, &err));
        ck_assert_str_eq(err, bad[i].err);
    }

    s.data = (u_char *) "[::1]:5353";
    s.len = strlen("[::1]:5353");
    ck_assert_ptr_nonnull(mx_resolver_create(t_pool, &s, 1, 0, 1, &err));
}
END_TEST


static Suite *
resolver_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("mx_resolver");
    tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 20);

    tcase_add_test(tc, test_one_name);
    tcase_add_test(tc, test_several_addresses);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_timeout);
    tcase_add_test(tc, test_cache);
    tcase_add_test(tc, test_valid);
    tcase_add_test(tc, test_shared_and_cancel);
    tcase_add_test(tc, test_cancel_all);
    tcase_add_test(tc, test_cache_bound);
    tcase_add_test(tc, test_literals);
    tcase_add_test(tc, test_etc_hosts);
    tcase_add_test(tc, test_handler_keeps_ctx);
    tcase_add_test(tc, test_create_errors);

    suite_add_tcase(s, tc);

    return s;
}


int
main(void)
{
    int       failed;
    SRunner  *sr;

    sr = srunner_create(resolver_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
