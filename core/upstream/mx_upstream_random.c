#include "mx_upstream.h"
#include "mx_upstream_internal.h"

/*
 * "random [two [least_conn]]": a peer drawn at random, weighted; with
 * "two", two different peers are drawn and the one with fewer active
 * connections per weight is used (the first drawn on a tie). A drawn
 * peer that is down, failed or already tried is drawn again; after 20
 * draws round robin takes over, as in nginx.
 */

#define MX_UPSTREAM_RANDOM_TRIES  20

typedef struct {
    mx_uint_t                 two;
    mx_upstream_rr_peers_t   *peers;         /* the primary ones */
    mx_uint_t                *ranges;        /* weight before peer i */
} mx_upstream_random_conf_t;

typedef struct {
    mx_upstream_random_conf_t  *conf;
    mx_uint_t                   tries;
} mx_upstream_random_peer_data_t;


static int mx_upstream_init_random(mx_conf_t *cf, mx_upstream_srv_conf_t *us);
static int mx_upstream_init_random_peer(mx_http_request_t *r,
    mx_upstream_srv_conf_t *us, mx_upstream_rr_peer_data_t *rrp);
static int mx_upstream_get_random_peer(mx_upstream_rr_peer_data_t *rrp);
static int mx_upstream_get_random2_peer(mx_upstream_rr_peer_data_t *rrp);


static const mx_upstream_balancer_t  mx_upstream_random_balancer = {
    "random",
    mx_upstream_init_random,
    mx_upstream_init_random_peer,
    0
};


char *
mx_upstream_random(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_upstream_random_conf_t  *rcf;
    mx_str_t                   *value;

    mx_unused(cmd);
    mx_unused(conf);

    rcf = mx_pcalloc(cf->pool, sizeof(mx_upstream_random_conf_t));
    if (rcf == NULL) {
        return MX_CONF_ERROR;
    }

    mx_upstream_set_balancer(cf, &mx_upstream_random_balancer, rcf);

    if (cf->args->nelts == 1) {
        return MX_CONF_OK;
    }

    value = cf->args->elts;

    if (mx_str_eq(&value[1], "two") != MX_OK) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid parameter \"%.*s\"",
                          MX_STR_ARG(value[1]));
        return MX_CONF_ERROR;
    }

    rcf->two = 1;

    /* least_conn is the only way to choose between the two */
    if (cf->args->nelts == 3 && mx_str_eq(&value[2], "least_conn") != MX_OK) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid parameter \"%.*s\"",
                          MX_STR_ARG(value[2]));
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;
}


static int
mx_upstream_init_random(mx_conf_t *cf, mx_upstream_srv_conf_t *us)
{
    mx_upstream_random_conf_t  *rcf = us->balancer_conf;
    mx_upstream_rr_peers_t     *peers;
    mx_uint_t                   i, total;

    if (mx_upstream_init_round_robin(cf, us) != MX_OK) {
        return MX_ERROR;
    }

    peers = us->peers;

    rcf->ranges = mx_palloc(cf->pool, peers->number * sizeof(mx_uint_t));
    if (rcf->ranges == NULL) {
        return MX_ERROR;
    }

    total = 0;

    for (i = 0; i < peers->number; i++) {
        rcf->ranges[i] = total;
        total += (mx_uint_t) peers->peer[i].weight;
    }

    rcf->peers = peers;

    return MX_OK;
}


static int
mx_upstream_init_random_peer(mx_http_request_t *r,
    mx_upstream_srv_conf_t *us, mx_upstream_rr_peer_data_t *rrp)
{
    mx_upstream_random_conf_t       *rcf = us->balancer_conf;
    mx_upstream_random_peer_data_t  *rp;

    rp = mx_pcalloc(r->pool, sizeof(mx_upstream_random_peer_data_t));
    if (rp == NULL) {
        return MX_ERROR;
    }

    if (mx_upstream_rr_init_peer(r->pool, us, rrp) != MX_OK) {
        return MX_ERROR;
    }

    rp->conf = rcf;

    rrp->get = rcf->two ? mx_upstream_get_random2_peer
                        : mx_upstream_get_random_peer;
    rrp->data = rp;

    return MX_OK;
}


/* a peer drawn by weight: the last range starting at or below x */
static mx_uint_t
mx_upstream_peek_random_peer(const mx_upstream_random_conf_t *rcf)
{
    mx_uint_t  i, j, k, x;

    x = (mx_uint_t) random() % rcf->peers->total_weight;

    i = 0;
    j = rcf->peers->number;

    while (j - i > 1) {
        k = (i + j) / 2;

        if (x < rcf->ranges[k]) {
            j = k;

        } else {
            i = k;
        }
    }

    return i;
}


/*
 * Round robin instead: after too many draws, for a group of one peer,
 * and once round robin went on to backup peers (only possible when
 * "backup" came before "random", which nginx allows).
 */
static int
mx_upstream_random_give_up(mx_upstream_rr_peer_data_t *rrp)
{
    mx_upstream_random_peer_data_t  *rp = rrp->data;

    return rp->tries > MX_UPSTREAM_RANDOM_TRIES || rrp->peers->single
           || rrp->peers != rp->conf->peers;
}


static int
mx_upstream_get_random_peer(mx_upstream_rr_peer_data_t *rrp)
{
    mx_upstream_random_peer_data_t  *rp = rrp->data;
    mx_upstream_rr_peer_t           *peer;
    mx_uint_t                        i;
    time_t                           now;

    if (mx_upstream_random_give_up(rrp)) {
        return mx_upstream_rr_get_peer(rrp);
    }

    now = mx_cached_time->sec;

    for ( ;; ) {
        i = mx_upstream_peek_random_peer(rp->conf);
        peer = &rrp->peers->peer[i];

        if (!mx_upstream_rr_tried(rrp, i) && !peer->down
            && !mx_upstream_rr_disabled(peer, now))
        {
            break;
        }

        if (++rp->tries > MX_UPSTREAM_RANDOM_TRIES) {
            return mx_upstream_rr_get_peer(rrp);
        }
    }

    mx_upstream_rr_take(rrp, i, now);

    return MX_OK;
}


static int
mx_upstream_get_random2_peer(mx_upstream_rr_peer_data_t *rrp)
{
    mx_upstream_random_peer_data_t  *rp = rrp->data;
    mx_upstream_rr_peer_t           *peer, *prev;
    mx_uint_t                        i, p;
    time_t                           now;

    if (mx_upstream_random_give_up(rrp)) {
        return mx_upstream_rr_get_peer(rrp);
    }

    now = mx_cached_time->sec;
    prev = NULL;
    p = 0;

    for ( ;; ) {
        i = mx_upstream_peek_random_peer(rp->conf);
        peer = &rrp->peers->peer[i];

        if (peer != prev && !mx_upstream_rr_tried(rrp, i) && !peer->down
            && !mx_upstream_rr_disabled(peer, now))
        {
            if (prev == NULL) {
                prev = peer;
                p = i;

            } else {
                if (peer->conns * (mx_uint_t) prev->weight
                    > prev->conns * (mx_uint_t) peer->weight)
                {
                    i = p;
                }

                break;
            }
        }

        if (++rp->tries > MX_UPSTREAM_RANDOM_TRIES) {
            return mx_upstream_rr_get_peer(rrp);
        }
    }

    mx_upstream_rr_take(rrp, i, now);

    return MX_OK;
}
