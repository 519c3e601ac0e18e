#include "mx_upstream.h"
#include "mx_upstream_internal.h"

/*
 * "hash KEY [consistent]" and "ip_hash", with nginx's arithmetic so that
 * a key (or a client) lands on the same server under moxy and nginx:
 *
 *   hash: the 15 bits (crc32(KEY) >> 16) & 0x7fff pick a slot of the
 *   total weight; a down, failed or tried peer rehashes with the number
 *   of the attempt before the key (Cache::Memcached's scheme), adding to
 *   the previous value; after 20 attempts round robin takes over.
 *
 *   hash consistent: a ring of 160 points per weight unit of every
 *   server, each point the crc32 of "HOST\0PORT" followed by the previous
 *   point (Cache::Memcached::Fast's ketama); a key goes to the first
 *   point at or after crc32(KEY), and a point of an unusable server to
 *   the next point. Removing a server moves only the keys it had.
 *
 *   ip_hash: the first three octets of an IPv4 client address (the whole
 *   IPv6 address) through hash = (hash * 113 + octet) % 6271 from 89;
 *   a retry continues the sequence.
 *
 * An empty key and a group of one peer go to round robin, as in nginx.
 */

#define MX_UPSTREAM_HASH_TRIES     20
#define MX_UPSTREAM_CHASH_POINTS   160

typedef struct {
    uint32_t                     hash;
    mx_str_t                    *server;         /* the "server" argument */
} mx_upstream_chash_point_t;

typedef struct {
    mx_http_complex_value_t      key;
    mx_upstream_chash_point_t   *points;         /* sorted, unique hashes */
    mx_uint_t                    npoints;
} mx_upstream_hash_conf_t;

/* a request's state beside its round robin data */
typedef struct {
    mx_upstream_hash_conf_t     *conf;
    mx_str_t                     key;
    mx_uint_t                    tries;
    mx_uint_t                    rehash;
    uint32_t                     hash;           /* consistent: a point */
} mx_upstream_hash_peer_data_t;

typedef struct {
    mx_uint_t                    hash;
    u_char                      *addr;
    mx_uint_t                    addrlen;
    mx_uint_t                    tries;
} mx_upstream_ip_hash_peer_data_t;


static int mx_upstream_init_hash(mx_conf_t *cf, mx_upstream_srv_conf_t *us);
static int mx_upstream_init_hash_peer(mx_http_request_t *r,
    mx_upstream_srv_conf_t *us, mx_upstream_rr_peer_data_t *rrp);
static int mx_upstream_get_hash_peer(mx_upstream_rr_peer_data_t *rrp);

static int mx_upstream_init_chash(mx_conf_t *cf, mx_upstream_srv_conf_t *us);
static int mx_upstream_init_chash_peer(mx_http_request_t *r,
    mx_upstream_srv_conf_t *us, mx_upstream_rr_peer_data_t *rrp);
static int mx_upstream_get_chash_peer(mx_upstream_rr_peer_data_t *rrp);

static int mx_upstream_init_ip_hash_peer(mx_http_request_t *r,
    mx_upstream_srv_conf_t *us, mx_upstream_rr_peer_data_t *rrp);
static int mx_upstream_get_ip_hash_peer(mx_upstream_rr_peer_data_t *rrp);


static const mx_upstream_balancer_t  mx_upstream_hash_balancer = {
    "hash",
    mx_upstream_init_hash,
    mx_upstream_init_hash_peer,
    0
};

static const mx_upstream_balancer_t  mx_upstream_chash_balancer = {
    "hash consistent",
    mx_upstream_init_chash,
    mx_upstream_init_chash_peer,
    0
};

static const mx_upstream_balancer_t  mx_upstream_ip_hash_balancer = {
    "ip_hash",
    mx_upstream_init_round_robin,
    mx_upstream_init_ip_hash_peer,
    0
};

/* the "address" of clients on unix sockets */
static u_char  mx_upstream_ip_hash_pseudo_addr[3];


/* ------------------------------------------------------------ crc32 */

static uint32_t  mx_upstream_crc32_table[256];


/* crc32 (zlib's) in steps: start with 0xffffffff, end with ^ 0xffffffff */
static uint32_t
mx_upstream_crc32_update(uint32_t crc, const u_char *p, size_t len)
{
    uint32_t  c;
    size_t    i;
    int       k;

    if (mx_upstream_crc32_table[1] == 0) {
        for (i = 0; i < 256; i++) {
            c = (uint32_t) i;

            for (k = 0; k < 8; k++) {
                c = (c & 1) ? 0xedb88320 ^ (c >> 1) : c >> 1;
            }

            mx_upstream_crc32_table[i] = c;
        }
    }

    while (len--) {
        crc = mx_upstream_crc32_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    }

    return crc;
}


/* ------------------------------------------------------------- conf */

char *
mx_upstream_hash(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_upstream_hash_conf_t  *hcf;
    mx_str_t                 *value;

    mx_unused(cmd);
    mx_unused(conf);

    value = cf->args->elts;

    hcf = mx_pcalloc(cf->pool, sizeof(mx_upstream_hash_conf_t));
    if (hcf == NULL) {
        return MX_CONF_ERROR;
    }

    hcf->key.raw = value[1];

    if (mx_http_compile_complex_value(cf, &hcf->key) != MX_OK) {
        return MX_CONF_ERROR;
    }

    if (cf->args->nelts == 2) {
        mx_upstream_set_balancer(cf, &mx_upstream_hash_balancer, hcf);
        return MX_CONF_OK;
    }

    /* nginx warns about a redefinition before it checks the parameter */
    mx_upstream_set_balancer(cf, &mx_upstream_chash_balancer, hcf);

    if (mx_str_eq(&value[2], "consistent") != MX_OK) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid parameter \"%.*s\"",
                          MX_STR_ARG(value[2]));
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;
}


char *
mx_upstream_ip_hash(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_unused(cmd);
    mx_unused(conf);

    mx_upstream_set_balancer(cf, &mx_upstream_ip_hash_balancer, NULL);

    return MX_CONF_OK;
}


static int
mx_upstream_init_hash(mx_conf_t *cf, mx_upstream_srv_conf_t *us)
{
    return mx_upstream_init_round_robin(cf, us);
}


static int
mx_upstream_chash_cmp_points(const void *one, const void *two)
{
    const mx_upstream_chash_point_t  *a = one, *b = two;

    return a->hash < b->hash ? -1 : a->hash > b->hash;
}


/*
 * The points of a server "HOST:PORT" (or "unix:PATH"): the crc32 of
 * HOST "\0" PORT continued by the previous point's four bytes, little
 * endian, as nginx computes them on the machines it mostly runs on.
 */
static void
mx_upstream_chash_server_points(mx_str_t *server, mx_uint_t n,
    mx_upstream_chash_point_t *point)
{
    u_char      *host, *port, c, prev[4];
    size_t       host_len, port_len, j;
    uint32_t     base, hash;
    mx_uint_t    i;

    host = server->data;
    host_len = server->len;
    port = NULL;
    port_len = 0;

    if (server->len >= 5
        && mx_strcasecmp_n(server->data, (u_char *) "unix:", 5) == 0)
    {
        host += 5;
        host_len -= 5;

    } else {
        /* the port: the digits after the last colon */
        for (j = 0; j < server->len; j++) {
            c = server->data[server->len - j - 1];

            if (c == ':') {
                host_len = server->len - j - 1;
                port = server->data + server->len - j;
                port_len = j;
                break;
            }

            if (c < '0' || c > '9') {
                break;
            }
        }
    }

    base = mx_upstream_crc32_update(0xffffffff, host, host_len);
    base = mx_upstream_crc32_update(base, (u_char *) "", 1);
    if (port_len) {
        base = mx_upstream_crc32_update(base, port, port_len);
    }

    memset(prev, 0, sizeof(prev));

    for (i = 0; i < n; i++) {
        hash = mx_upstream_crc32_update(base, prev, 4) ^ 0xffffffff;

        point[i].hash = hash;
        point[i].server = server;

        prev[0] = (u_char) (hash & 0xff);
        prev[1] = (u_char) ((hash >> 8) & 0xff);
        prev[2] = (u_char) ((hash >> 16) & 0xff);
        prev[3] = (u_char) ((hash >> 24) & 0xff);
    }
}


static int
mx_upstream_init_chash(mx_conf_t *cf, mx_upstream_srv_conf_t *us)
{
    mx_upstream_hash_conf_t    *hcf = us->balancer_conf;
    mx_upstream_rr_peers_t     *peers;
    mx_upstream_rr_peer_t      *peer;
    mx_upstream_chash_point_t  *points;
    mx_uint_t                   i, j, n, total;

    if (mx_upstream_init_round_robin(cf, us) != MX_OK) {
        return MX_ERROR;
    }

    peers = us->peers;

    if (peers->total_weight > (mx_uint_t) -1 / MX_UPSTREAM_CHASH_POINTS
                                / sizeof(mx_upstream_chash_point_t))
    {
        mx_log_error(MX_LOG_EMERG, cf->log, 0,
                     "too large weights in upstream \"%.*s\"",
                     MX_STR_ARG(us->host));
        return MX_ERROR;
    }

    total = peers->total_weight * MX_UPSTREAM_CHASH_POINTS;

    points = mx_palloc(cf->pool, total * sizeof(mx_upstream_chash_point_t));
    if (points == NULL) {
        return MX_ERROR;
    }

    n = 0;

    for (i = 0; i < peers->number; i++) {
        peer = &peers->peer[i];

        mx_upstream_chash_server_points(&peer->server,
                            (mx_uint_t) peer->weight * MX_UPSTREAM_CHASH_POINTS,
                            &points[n]);

        n += (mx_uint_t) peer->weight * MX_UPSTREAM_CHASH_POINTS;
    }

    qsort(points, n, sizeof(mx_upstream_chash_point_t),
          mx_upstream_chash_cmp_points);

    /* a server of several addresses put the same points in several times */
    for (i = 0, j = 1; j < n; j++) {
        if (points[i].hash != points[j].hash) {
            points[++i] = points[j];
        }
    }

    hcf->points = points;
    hcf->npoints = i + 1;

    return MX_OK;
}


/* -------------------------------------------------------- per request */

static int
mx_upstream_init_hash_peer(mx_http_request_t *r, mx_upstream_srv_conf_t *us,
    mx_upstream_rr_peer_data_t *rrp)
{
    mx_upstream_hash_conf_t       *hcf = us->balancer_conf;
    mx_upstream_hash_peer_data_t  *hp;

    hp = mx_pcalloc(r->pool, sizeof(mx_upstream_hash_peer_data_t));
    if (hp == NULL) {
        return MX_ERROR;
    }

    if (mx_upstream_rr_init_peer(r->pool, us, rrp) != MX_OK) {
        return MX_ERROR;
    }

    if (mx_http_complex_value(r, &hcf->key, &hp->key) != MX_OK) {
        return MX_ERROR;
    }

    hp->conf = hcf;

    rrp->get = mx_upstream_get_hash_peer;
    rrp->data = hp;

    return MX_OK;
}


static int
mx_upstream_get_hash_peer(mx_upstream_rr_peer_data_t *rrp)
{
    mx_upstream_hash_peer_data_t  *hp = rrp->data;
    mx_upstream_rr_peers_t        *peers = rrp->peers;
    uint32_t                       crc;
    mx_uint_t                      w, p;
    time_t                         now;
    u_char                         buf[32];
    int                            len;

    if (hp->tries > MX_UPSTREAM_HASH_TRIES || peers->single
        || hp->key.len == 0)
    {
        return mx_upstream_rr_get_peer(rrp);
    }

    now = mx_cached_time->sec;

    for ( ;; ) {
        crc = 0xffffffff;

        if (hp->rehash > 0) {
            len = snprintf((char *) buf, sizeof(buf), "%lu",
                           (unsigned long) hp->rehash);
            crc = mx_upstream_crc32_update(crc, buf, (size_t) len);
        }

        crc = mx_upstream_crc32_update(crc, hp->key.data, hp->key.len);
        crc ^= 0xffffffff;

        hp->hash += (crc >> 16) & 0x7fff;
        hp->rehash++;

        w = hp->hash % peers->total_weight;
        p = 0;

        while (w >= (mx_uint_t) peers->peer[p].weight) {
            w -= (mx_uint_t) peers->peer[p].weight;
            p++;
        }

        if (!mx_upstream_rr_tried(rrp, p) && !peers->peer[p].down
            && !mx_upstream_rr_disabled(&peers->peer[p], now))
        {
            break;
        }

        if (++hp->tries > MX_UPSTREAM_HASH_TRIES) {
            return mx_upstream_rr_get_peer(rrp);
        }
    }

    mx_upstream_rr_take(rrp, p, now);

    return MX_OK;
}


/* the first point at or after hash (npoints when there is none) */
static mx_uint_t
mx_upstream_find_chash_point(const mx_upstream_hash_conf_t *hcf,
    uint32_t hash)
{
    mx_uint_t  i, j, k;

    i = 0;
    j = hcf->npoints;

    while (i < j) {
        k = (i + j) / 2;

        if (hash > hcf->points[k].hash) {
            i = k + 1;

        } else if (hash < hcf->points[k].hash) {
            j = k;

        } else {
            return k;
        }
    }

    return i;
}


static int
mx_upstream_init_chash_peer(mx_http_request_t *r, mx_upstream_srv_conf_t *us,
    mx_upstream_rr_peer_data_t *rrp)
{
    mx_upstream_hash_peer_data_t  *hp;
    uint32_t                       crc;

    if (mx_upstream_init_hash_peer(r, us, rrp) != MX_OK) {
        return MX_ERROR;
    }

    hp = rrp->data;

    crc = mx_upstream_crc32_update(0xffffffff, hp->key.data, hp->key.len);
    hp->hash = (uint32_t) mx_upstream_find_chash_point(hp->conf,
                                                       crc ^ 0xffffffff);

    rrp->get = mx_upstream_get_chash_peer;

    return MX_OK;
}


static int
mx_upstream_get_chash_peer(mx_upstream_rr_peer_data_t *rrp)
{
    mx_upstream_hash_peer_data_t  *hp = rrp->data;
    mx_upstream_hash_conf_t       *hcf = hp->conf;
    mx_upstream_rr_peers_t        *peers = rrp->peers;
    mx_upstream_rr_peer_t         *peer, *best;
    mx_str_t                      *server;
    mx_uint_t                      i, best_i;
    mx_int_t                       total;
    time_t                         now;

    if (hp->tries > MX_UPSTREAM_HASH_TRIES || peers->single
        || hp->key.len == 0)
    {
        return mx_upstream_rr_get_peer(rrp);
    }

    now = mx_cached_time->sec;

    for ( ;; ) {
        server = hcf->points[hp->hash % hcf->npoints].server;

        /* the server's addresses share its points by weighted round robin */
        best = NULL;
        best_i = 0;
        total = 0;

        for (i = 0; i < peers->number; i++) {
            peer = &peers->peer[i];

            if (mx_upstream_rr_tried(rrp, i) || peer->down
                || peer->server.len != server->len
                || memcmp(peer->server.data, server->data, server->len) != 0
                || mx_upstream_rr_disabled(peer, now))
            {
                continue;
            }

            peer->current_weight += peer->effective_weight;
            total += peer->effective_weight;

            if (peer->effective_weight < peer->weight) {
                peer->effective_weight++;
            }

            if (best == NULL || peer->current_weight > best->current_weight) {
                best = peer;
                best_i = i;
            }
        }

        if (best) {
            best->current_weight -= total;
            break;
        }

        hp->hash++;
        hp->tries++;

        if (hp->tries >= hcf->npoints) {
            rrp->current = NULL;
            return MX_BUSY;
        }
    }

    mx_upstream_rr_take(rrp, best_i, now);

    return MX_OK;
}


static int
mx_upstream_init_ip_hash_peer(mx_http_request_t *r,
    mx_upstream_srv_conf_t *us, mx_upstream_rr_peer_data_t *rrp)
{
    mx_upstream_ip_hash_peer_data_t  *iphp;
    struct sockaddr_storage          *sa;

    iphp = mx_pcalloc(r->pool, sizeof(mx_upstream_ip_hash_peer_data_t));
    if (iphp == NULL) {
        return MX_ERROR;
    }

    if (mx_upstream_rr_init_peer(r->pool, us, rrp) != MX_OK) {
        return MX_ERROR;
    }

    sa = &r->connection->sockaddr;

    switch (sa->ss_family) {

    case AF_INET:
        /* the class C network: clients behind one NAT pool stay together */
        iphp->addr = (u_char *) &((struct sockaddr_in *) sa)->sin_addr.s_addr;
        iphp->addrlen = 3;
        break;

    case AF_INET6:
        iphp->addr = ((struct sockaddr_in6 *) sa)->sin6_addr.s6_addr;
        iphp->addrlen = 16;
        break;

    default:
        iphp->addr = mx_upstream_ip_hash_pseudo_addr;
        iphp->addrlen = 3;
        break;
    }

    iphp->hash = 89;

    rrp->get = mx_upstream_get_ip_hash_peer;
    rrp->data = iphp;

    return MX_OK;
}


static int
mx_upstream_get_ip_hash_peer(mx_upstream_rr_peer_data_t *rrp)
{
    mx_upstream_ip_hash_peer_data_t  *iphp = rrp->data;
    mx_upstream_rr_peers_t           *peers = rrp->peers;
    mx_uint_t                         i, w, p, hash;
    time_t                            now;

    if (iphp->tries > MX_UPSTREAM_HASH_TRIES || peers->single) {
        return mx_upstream_rr_get_peer(rrp);
    }

    now = mx_cached_time->sec;
    hash = iphp->hash;

    for ( ;; ) {
        for (i = 0; i < iphp->addrlen; i++) {
            hash = (hash * 113 + iphp->addr[i]) % 6271;
        }

        w = hash % peers->total_weight;
        p = 0;

        while (w >= (mx_uint_t) peers->peer[p].weight) {
            w -= (mx_uint_t) peers->peer[p].weight;
            p++;
        }

        if (!mx_upstream_rr_tried(rrp, p) && !peers->peer[p].down
            && !mx_upstream_rr_disabled(&peers->peer[p], now))
        {
            break;
        }

        if (++iphp->tries > MX_UPSTREAM_HASH_TRIES) {
            return mx_upstream_rr_get_peer(rrp);
        }
    }

    mx_upstream_rr_take(rrp, p, now);
    iphp->hash = hash;

    return MX_OK;
}
