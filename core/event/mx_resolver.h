#ifndef MX_RESOLVER_H
#define MX_RESOLVER_H

#include "mx_event.h"

#include <sys/socket.h>

/*
 * The asynchronous DNS resolver of the `resolver` directive: A (and, with
 * ipv6=on, AAAA) lookups on the worker's event loop, /etc/hosts first,
 * answers cached by their TTL (or by valid=), bounded retries within
 * resolver_timeout. Nothing here blocks. The protocol part is c-ares,
 * driven by libev watchers; nginx's resolver is the behavioural reference
 * (its error codes and texts).
 */

typedef struct mx_resolver_s      mx_resolver_t;
typedef struct mx_resolver_ctx_s  mx_resolver_ctx_t;

typedef void (*mx_resolver_handler_pt)(mx_resolver_ctx_t *ctx);

/* ctx->state: 0 or one of these (nginx's numbers) */
#define MX_RESOLVE_FORMERR   1
#define MX_RESOLVE_SERVFAIL  2
#define MX_RESOLVE_NXDOMAIN  3
#define MX_RESOLVE_NOTIMP    4
#define MX_RESOLVE_REFUSED   5
#define MX_RESOLVE_TIMEDOUT  110     /* ETIMEDOUT */

typedef struct {
    struct sockaddr_storage   sockaddr;    /* port 0 */
    socklen_t                 socklen;
} mx_resolver_addr_t;

struct mx_resolver_ctx_s {
    mx_resolver_t            *resolver;
    mx_str_t                  name;        /* a copy owned by ctx */
    mx_msec_t                 timeout;

    int                       state;       /* 0: resolved */
    mx_uint_t                 naddrs;      /* >= 1 when state is 0 */
    mx_resolver_addr_t       *addrs;       /* owned by ctx; IPv4 first */

    mx_resolver_handler_pt    handler;     /* set before mx_resolve_name */
    void                     *data;

    void                     *priv;        /* the resolver's own state */
};

/*
 * A resolver for the addresses of a `resolver` directive ("127.0.0.1",
 * "[::1]:5353", "localhost" resolved at config time...), made at
 * configuration time; the DNS channel itself is opened in the worker on
 * first use. valid: 0 to honour the answers' TTL; ipv6: also ask AAAA.
 * NULL with a message in *err (static) on failure.
 */
mx_resolver_t *mx_resolver_create(mx_pool_t *pool, mx_str_t *addrs,
    mx_uint_t naddrs, time_t valid, int ipv6, const char **err);

/*
 * A lookup of name (copied) on r; NULL on memory failure. Fill handler
 * and data, then call mx_resolve_name().
 */
mx_resolver_ctx_t *mx_resolve_start(mx_resolver_t *r, const mx_str_t *name,
    mx_msec_t timeout);

/*
 * Starts the lookup. MX_OK: the handler will be called exactly once,
 * always from the event loop (never within this call, even for a cached
 * name or an address literal), with ctx->state and the addresses set;
 * MX_ERROR: nothing started (memory), call mx_resolve_name_done().
 */
int mx_resolve_name(mx_resolver_ctx_t *ctx);

/*
 * Frees ctx, cancelling the lookup when it is still pending (its handler
 * is then never called). May be called from within the handler.
 */
void mx_resolve_name_done(mx_resolver_ctx_t *ctx);

/* "Host not found" for MX_RESOLVE_NXDOMAIN...; static storage */
const char *mx_resolver_strerror(int state);

#endif /* MX_RESOLVER_H */
