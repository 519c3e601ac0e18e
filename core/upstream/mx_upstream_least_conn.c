#include "mx_upstream.h"
#include "mx_upstream_internal.h"

/*
 * "least_conn": the live peer with the fewest active connections
 * relative to its weight (conns / weight); peers that tie share the
 * requests by smooth weighted round robin. Backup peers are used once no
 * primary one is left, as with round robin. Connections are counted per
 * worker, as nginx without a zone.
 */

static int mx_upstream_least_conn_init_peer(mx_http_request_t *r,
    mx_upstream_srv_conf_t *us, mx_upstream_rr_peer_data_t *rrp);
static int mx_upstream_least_conn_get_peer(mx_upstream_rr_peer_data_t *rrp);


static const mx_upstream_balancer_t  mx_upstream_least_conn_balancer = {
    "least_conn",
    mx_upstream_init_round_robin,
    mx_upstream_least_conn_init_peer,
    1
};


char *
mx_upstream_least_conn(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_unused(cmd);
    mx_unused(conf);

    mx_upstream_set_balancer(cf, &mx_upstream_least_conn_balancer, NULL);

    return MX_CONF_OK;
}


static int
mx_upstream_least_conn_init_peer(mx_http_request_t *r,
    mx_upstream_srv_conf_t *us, mx_upstream_rr_peer_data_t *rrp)
{
    if (mx_upstream_rr_init_peer(r->pool, us, rrp) != MX_OK) {
        return MX_ERROR;
    }

    rrp->get = mx_upstream_least_conn_get_peer;

    return MX_OK;
}


/* peer a has fewer connections per weight than b: -1, the same: 0, more: 1 */
static int
mx_upstream_least_conn_cmp(const mx_upstream_rr_peer_t *a,
    const mx_upstream_rr_peer_t *b)
{
    mx_uint_t  x, y;

    x = a->conns * (mx_uint_t) b->weight;
    y = b->conns * (mx_uint_t) a->weight;

    return x < y ? -1 : x > y;
}


static int
mx_upstream_least_conn_get_peer(mx_upstream_rr_peer_data_t *rrp)
{
    mx_upstream_rr_peers_t  *peers;
    mx_upstream_rr_peer_t   *peer, *best;
    mx_uint_t                i, n, p, many;
    mx_int_t                 total;
    time_t                   now;
    int                      rc;

    peers = rrp->peers;

    if (peers->single) {
        return mx_upstream_rr_get_peer(rrp);
    }

    now = mx_cached_time->sec;
    best = NULL;
    many = 0;
    p = 0;

    for (i = 0; i < peers->number; i++) {
        peer = &peers->peer[i];

        if (mx_upstream_rr_tried(rrp, i) || peer->down
            || mx_upstream_rr_disabled(peer, now))
        {
            continue;
        }

        if (best == NULL || mx_upstream_least_conn_cmp(peer, best) < 0) {
            best = peer;
            many = 0;
            p = i;

        } else if (mx_upstream_least_conn_cmp(peer, best) == 0) {
            many = 1;
        }
    }

    if (best == NULL) {
        goto failed;
    }

    if (many) {
        /* the ties share by smooth weighted round robin, from the first */
        total = 0;

        for (i = p; i < peers->number; i++) {
            peer = &peers->peer[i];

            if (mx_upstream_rr_tried(rrp, i) || peer->down
                || mx_upstream_least_conn_cmp(peer, best) != 0
                || mx_upstream_rr_disabled(peer, now))
            {
                continue;
            }

            peer->current_weight += peer->effective_weight;
            total += peer->effective_weight;

            if (peer->effective_weight < peer->weight) {
                peer->effective_weight++;
            }

            if (peer->current_weight > best->current_weight) {
                best = peer;
                p = i;
            }
        }

        best->current_weight -= total;
    }

    mx_upstream_rr_take(rrp, p, now);

    return MX_OK;

failed:

    if (peers->next) {
        rrp->peers = peers->next;

        n = (rrp->peers->number + MX_UPSTREAM_TRIED_BITS - 1)
            / MX_UPSTREAM_TRIED_BITS;
        for (i = 0; i < n; i++) {
            rrp->tried[i] = 0;
        }

        rc = mx_upstream_least_conn_get_peer(rrp);
        if (rc != MX_BUSY) {
            return rc;
        }
    }

    /* nginx's quick recovery: with every peer failed, all are live again */
    for (i = 0; i < peers->number; i++) {
        peers->peer[i].fails = 0;
    }

    rrp->current = NULL;

    return MX_BUSY;
}
