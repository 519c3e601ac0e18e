#ifndef MX_UPSTREAM_INTERNAL_H
#define MX_UPSTREAM_INTERNAL_H

#include "mx_upstream.h"

/*
 * The directives of the load-balancing methods, in the upstream block's
 * table (mx_upstream.c); each method's file holds its setter, its
 * mx_upstream_balancer_t and its get/free.
 */

/* "least_conn": mx_upstream_least_conn.c */
char *mx_upstream_least_conn(mx_conf_t *cf, mx_command_t *cmd, void *conf);

/* "hash KEY [consistent]" and "ip_hash": mx_upstream_hash.c */
char *mx_upstream_hash(mx_conf_t *cf, mx_command_t *cmd, void *conf);
char *mx_upstream_ip_hash(mx_conf_t *cf, mx_command_t *cmd, void *conf);

/* "random [two [least_conn]]": mx_upstream_random.c */
char *mx_upstream_random(mx_conf_t *cf, mx_command_t *cmd, void *conf);


/* -------------------------------- helpers of the methods' get_peer */

#define MX_UPSTREAM_TRIED_BITS  (8 * sizeof(uintptr_t))

/* 1 when peer i of rrp->peers was tried by this request */
static inline int
mx_upstream_rr_tried(const mx_upstream_rr_peer_data_t *rrp, mx_uint_t i)
{
    return (rrp->tried[i / MX_UPSTREAM_TRIED_BITS]
            & ((uintptr_t) 1 << (i % MX_UPSTREAM_TRIED_BITS))) != 0;
}


/*
 * 1 when max_fails failures within fail_timeout keep the peer out, or it
 * has max_conns connections in use
 */
static inline int
mx_upstream_rr_disabled(const mx_upstream_rr_peer_t *peer, time_t now)
{
    return (peer->max_fails && peer->fails >= peer->max_fails
            && now - peer->checked <= peer->fail_timeout)
           || (peer->max_conns && peer->conns >= peer->max_conns);
}


/*
 * Makes peer i of rrp->peers the request's current one, as round robin
 * does: counted in conns, marked tried, and a new check period started
 * when the last one is over.
 */
static inline void
mx_upstream_rr_take(mx_upstream_rr_peer_data_t *rrp, mx_uint_t i,
    time_t now)
{
    mx_upstream_rr_peer_t  *peer = &rrp->peers->peer[i];

    rrp->current = peer;
    peer->conns++;

    if (now - peer->checked > peer->fail_timeout) {
        peer->checked = now;
    }

    rrp->tried[i / MX_UPSTREAM_TRIED_BITS] |=
        (uintptr_t) 1 << (i % MX_UPSTREAM_TRIED_BITS);
}

#endif /* MX_UPSTREAM_INTERNAL_H */
