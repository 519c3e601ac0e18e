#include "mx_upstream_internal.h"
#include "mx_event_connect.h"

#include <sys/un.h>

/*
 * nginx's smooth weighted round robin with passive health checks: a peer
 * that failed max_fails times within fail_timeout is skipped for
 * fail_timeout; backup peers are used once every primary one is down or
 * tried; a group of one peer is never marked down.
 */

#define MX_RR_BITS  (8 * sizeof(uintptr_t))


static mx_upstream_rr_peers_t *
mx_upstream_rr_build(mx_conf_t *cf, mx_upstream_srv_conf_t *us,
    mx_uint_t backup)
{
    mx_upstream_rr_peers_t  *peers;
    mx_upstream_rr_peer_t   *peer;
    mx_upstream_server_t    *s;
    mx_uint_t                i, j, n, w;
    u_char                   buf[128], *e;

    s = us->servers->elts;
    n = 0;
    w = 0;

    for (i = 0; i < us->servers->nelts; i++) {
        if (s[i].backup != backup) {
            continue;
        }

        n += s[i].naddrs;
        w += s[i].naddrs * s[i].weight;
    }

    if (n == 0) {
        return NULL;
    }

    peers = mx_pcalloc(cf->pool, sizeof(mx_upstream_rr_peers_t));
    peer = mx_pcalloc(cf->pool, n * sizeof(mx_upstream_rr_peer_t));
    if (peers == NULL || peer == NULL) {
        return NULL;
    }

    peers->number = n;
    peers->total_weight = w;
    peers->weighted = w != n;
    peers->name = &us->host;
    peers->peer = peer;

    n = 0;
    for (i = 0; i < us->servers->nelts; i++) {
        if (s[i].backup != backup) {
            continue;
        }

        for (j = 0; j < s[i].naddrs; j++) {
            memcpy(&peer[n].sockaddr, &s[i].addrs[j],
                   sizeof(struct sockaddr_storage));

            switch (s[i].addrs[j].ss_family) {
            case AF_INET:
                peer[n].socklen = sizeof(struct sockaddr_in);
                break;
            case AF_INET6:
                peer[n].socklen = sizeof(struct sockaddr_in6);
                break;
            default:
                peer[n].socklen = sizeof(struct sockaddr_un);
                break;
            }

            if (s[i].addrs[j].ss_family == AF_UNIX) {
                /* nginx names unix peers by the server argument */
                peer[n].name = s[i].name;
            } else {
                e = mx_sockaddr_text((struct sockaddr *) &s[i].addrs[j], buf,
                                     sizeof(buf));
                if (mx_str_dup(cf->pool, &peer[n].name, buf, e - buf)
                    != MX_OK)
                {
                    return NULL;
                }
            }

            peer[n].server = s[i].name;
            peer[n].config = 1;
            peer[n].weight = s[i].weight;
            peer[n].effective_weight = s[i].weight;
            peer[n].current_weight = 0;
            peer[n].max_fails = s[i].max_fails;
            peer[n].max_conns = s[i].max_conns;
            peer[n].fail_timeout = s[i].fail_timeout;
            peer[n].down = s[i].down;
            n++;
        }
    }

    return peers;
}


int
mx_upstream_init_round_robin(mx_conf_t *cf, mx_upstream_srv_conf_t *us)
{
    mx_upstream_rr_peers_t  *peers, *backup;
    mx_upstream_server_t    *s;
    mx_uint_t                i, nbackup;

    s = us->servers->elts;
    nbackup = 0;

    for (i = 0; i < us->servers->nelts; i++) {
        if (s[i].backup) {
            nbackup++;
        }
    }

    peers = mx_upstream_rr_build(cf, us, 0);
    if (peers == NULL) {
        mx_log_error(MX_LOG_EMERG, cf->log, 0,
                     "no servers in upstream \"%.*s\" in %.*s:%lu",
                     MX_STR_ARG(us->host), MX_STR_ARG(us->file_name),
                     (unsigned long) us->line);
        return MX_ERROR;
    }

    peers->single = peers->number == 1;

    if (nbackup) {
        backup = mx_upstream_rr_build(cf, us, 1);
        if (backup == NULL) {
            return MX_ERROR;
        }

        peers->single = 0;
        peers->next = backup;
    }

    us->peers = peers;
    return MX_OK;
}


int
mx_upstream_rr_init_peer(mx_pool_t *pool, mx_upstream_srv_conf_t *us,
    mx_upstream_rr_peer_data_t *rrp)
{
    mx_upstream_rr_peers_t  *peers = us->peers;
    mx_uint_t                n;

    rrp->peers = peers;
    rrp->current = NULL;
    rrp->name = &us->host;

    n = peers->number;
    if (peers->next && peers->next->number > n) {
        n = peers->next->number;
    }

    if (n <= MX_RR_BITS) {
        rrp->inline_tried = 0;
        rrp->tried = &rrp->inline_tried;

    } else {
        rrp->tried = mx_pcalloc(pool, ((n + MX_RR_BITS - 1) / MX_RR_BITS)
                                      * sizeof(uintptr_t));
        if (rrp->tried == NULL) {
            return MX_ERROR;
        }
    }

    rrp->tries = peers->number + (peers->next ? peers->next->number : 0);

    rrp->get = mx_upstream_rr_get_peer;
    rrp->free = mx_upstream_rr_free_peer;
    rrp->data = NULL;

    return MX_OK;
}


static mx_upstream_rr_peer_t *
mx_upstream_rr_pick(mx_upstream_rr_peer_data_t *rrp)
{
    mx_upstream_rr_peer_t  *peer, *best;
    mx_uint_t               i, p = 0;
    mx_int_t                total;
    time_t                  now;
    uintptr_t               m;

    now = mx_cached_time->sec;
    best = NULL;
    total = 0;

    for (i = 0; i < rrp->peers->number; i++) {
        peer = &rrp->peers->peer[i];
        m = (uintptr_t) 1 << (i % MX_RR_BITS);

        if (rrp->tried[i / MX_RR_BITS] & m) {
            continue;
        }

        if (peer->down) {
            continue;
        }

        if (mx_upstream_rr_disabled(peer, now)) {
            continue;
        }

        peer->current_weight += peer->effective_weight;
        total += peer->effective_weight;

        if (peer->effective_weight < peer->weight) {
            peer->effective_weight++;
        }

        if (best == NULL || peer->current_weight > best->current_weight) {
            best = peer;
            p = i;
        }
    }

    if (best == NULL) {
        return NULL;
    }

    rrp->tried[p / MX_RR_BITS] |= (uintptr_t) 1 << (p % MX_RR_BITS);
    best->current_weight -= total;

    if (now - best->checked > best->fail_timeout) {
        best->checked = now;
    }

    return best;
}


int
mx_upstream_rr_get_peer(mx_upstream_rr_peer_data_t *rrp)
{
    mx_upstream_rr_peers_t  *peers;
    mx_upstream_rr_peer_t   *peer;
    mx_uint_t                n, i;

    peers = rrp->peers;

    if (peers->single) {
        peer = &peers->peer[0];
        if (peer->down
            || (peer->max_conns && peer->conns >= peer->max_conns))
        {
            goto failed;
        }
        rrp->tried[0] |= 1;

    } else {
        peer = mx_upstream_rr_pick(rrp);
        if (peer == NULL) {
            goto failed;
        }
    }

    rrp->current = peer;
    peer->conns++;

    return MX_OK;

failed:

    if (peers->next) {
        /* the backup peers, with a fresh "tried" set */
        rrp->peers = peers->next;

        n = (rrp->peers->number + MX_RR_BITS - 1) / MX_RR_BITS;
        for (i = 0; i < n; i++) {
            rrp->tried[i] = 0;
        }

        if (mx_upstream_rr_get_peer(rrp) == MX_OK) {
            return MX_OK;
        }
    }

    rrp->current = NULL;
    return MX_BUSY;
}


void
mx_upstream_rr_free_peer(mx_upstream_rr_peer_data_t *rrp, mx_uint_t state,
    mx_log_t *log)
{
    mx_upstream_rr_peer_t  *peer = rrp->current;
    time_t                  now;

    if (peer == NULL) {
        return;
    }

    rrp->current = NULL;

    if (rrp->peers->single) {
        peer->conns--;
        rrp->tries = 0;
        return;
    }

    if (state & MX_PEER_FAILED) {
        now = mx_cached_time->sec;

        peer->fails++;
        peer->accessed = now;
        peer->checked = now;

        if (peer->max_fails) {
            peer->effective_weight -= peer->weight
                                      / (mx_int_t) peer->max_fails;

            if (peer->fails >= peer->max_fails) {
                mx_log_error(MX_LOG_WARN, log, 0,
                             "upstream server temporarily disabled");
            }
        }

        if (peer->effective_weight < 0) {
            peer->effective_weight = 0;
        }

    } else if (peer->accessed < peer->checked) {
        /* a success after the check period: the peer is live again */
        peer->fails = 0;
    }

    peer->conns--;

    if (rrp->tries) {
        rrp->tries--;
    }
}
