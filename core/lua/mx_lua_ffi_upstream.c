#include "mx_lua_module.h"
#include "mx_lua_ffi.h"
#include "mx_http_upstream.h"
#include "mx_event_connect.h"

/*
 * ngx.upstream: the upstream groups of the configuration and the peers
 * each worker balances over. The groups are the cycle's (the same for
 * a request and a timer), as lua-upstream-nginx-module falls back to
 * the cycle's configuration without a request.
 */


static mx_upstream_main_conf_t *
mx_ffi_upstream_main_conf(void)
{
    mx_http_conf_ctx_t  *hctx;

    if (mx_cycle == NULL) {
        return NULL;
    }

    hctx = mx_cycle->conf_ctx[mx_http_module.index];
    if (hctx == NULL) {
        return NULL;
    }

    return hctx->main_conf[mx_http_upstream_module.ctx_index];
}


int
mx_ffi_upstream_count(void)
{
    mx_upstream_main_conf_t  *umcf;

    umcf = mx_ffi_upstream_main_conf();
    if (umcf == NULL) {
        return 0;
    }

    return (int) umcf->upstreams.nelts;
}


/* a block is named as written; a group proxy_pass made carries its port */
static int
mx_ffi_upstream_port(const mx_upstream_srv_conf_t *us)
{
    return us->explicit ? 0 : (int) us->port;
}


int
mx_ffi_upstream_name(int i, mx_ffi_str_t *name, int *port)
{
    mx_upstream_main_conf_t   *umcf;
    mx_upstream_srv_conf_t   **usp;

    umcf = mx_ffi_upstream_main_conf();
    if (umcf == NULL || i < 0 || (mx_uint_t) i >= umcf->upstreams.nelts) {
        return MX_DECLINED;
    }

    usp = umcf->upstreams.elts;

    name->data = usp[i]->host.data;
    name->len = (int) usp[i]->host.len;
    *port = mx_ffi_upstream_port(usp[i]);

    return MX_OK;
}


void *
mx_ffi_upstream_find(const u_char *name, size_t len)
{
    mx_upstream_main_conf_t   *umcf;
    mx_upstream_srv_conf_t   **usp, *us;
    mx_uint_t                  i;
    const u_char              *colon;
    size_t                     hlen;
    int                        port;

    umcf = mx_ffi_upstream_main_conf();
    if (umcf == NULL || name == NULL) {
        return NULL;
    }

    usp = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {
        if (usp[i]->host.len == len
            && memcmp(usp[i]->host.data, name, len) == 0)
        {
            return usp[i];
        }
    }

    /* "host:port", as get_upstreams() names a group proxy_pass made */
    colon = NULL;
    for (hlen = len; hlen > 0; hlen--) {
        if (name[hlen - 1] == ':') {
            colon = &name[hlen - 1];
            break;
        }
    }

    if (colon == NULL || colon + 1 == name + len) {
        return NULL;
    }

    port = 0;
    for (const u_char *p = colon + 1; p < name + len; p++) {
        if (*p < '0' || *p > '9' || port > 65535) {
            return NULL;
        }
        port = port * 10 + (*p - '0');
    }

    if (port < 1 || port > 65535) {
        return NULL;
    }

    hlen = (size_t) (colon - name);

    for (i = 0; i < umcf->upstreams.nelts; i++) {
        us = usp[i];

        if (!us->explicit && us->port == port && us->host.len == hlen
            && memcmp(us->host.data, name, hlen) == 0)
        {
            return us;
        }
    }

    return NULL;
}


int
mx_ffi_upstream_server_count(void *data)
{
    mx_upstream_srv_conf_t  *us = data;

    if (us == NULL || us->servers == NULL) {
        return 0;
    }

    return (int) us->servers->nelts;
}


static mx_upstream_server_t *
mx_ffi_upstream_server(mx_upstream_srv_conf_t *us, int i)
{
    mx_upstream_server_t  *s;

    if (us == NULL || us->servers == NULL || i < 0
        || (mx_uint_t) i >= us->servers->nelts)
    {
        return NULL;
    }

    s = us->servers->elts;

    return &s[i];
}


int
mx_ffi_upstream_server_get(void *data, int i, mx_ffi_upstream_server_t *out)
{
    mx_upstream_server_t  *s;

    s = mx_ffi_upstream_server(data, i);
    if (s == NULL) {
        return MX_DECLINED;
    }

    out->name.data = s->name.data;
    out->name.len = (int) s->name.len;
    out->naddrs = (int) s->naddrs;
    out->weight = (int) s->weight;
    out->max_fails = (int) s->max_fails;
    out->fail_timeout = (int) s->fail_timeout;
    out->backup = s->backup;
    out->down = s->down;

    return MX_OK;
}


int
mx_ffi_upstream_server_addr(void *data, int i, int j, u_char *buf,
    size_t size)
{
    mx_upstream_server_t  *s;
    u_char                *end;

    s = mx_ffi_upstream_server(data, i);
    if (s == NULL || j < 0 || (mx_uint_t) j >= s->naddrs || size < 64) {
        return MX_DECLINED;
    }

    end = mx_sockaddr_text((struct sockaddr *) &s->addrs[j], buf, size);

    return (int) (end - buf);
}


/* the primary or backup peers of us; NULL with *err */
static mx_upstream_rr_peers_t *
mx_ffi_upstream_peers(mx_upstream_srv_conf_t *us, int backup,
    const char **err)
{
    mx_upstream_rr_peers_t  *peers;

    if (us == NULL || us->peers == NULL) {
        *err = "no peer data";
        return NULL;
    }

    peers = us->peers;

    if (backup) {
        peers = peers->next;
        if (peers == NULL) {
            *err = "no backup peers";
            return NULL;
        }
    }

    return peers;
}


int
mx_ffi_upstream_peer_count(void *data, int backup, const char **err)
{
    mx_upstream_rr_peers_t  *peers;

    peers = mx_ffi_upstream_peers(data, backup, err);
    if (peers == NULL) {
        return MX_DECLINED;
    }

    return (int) peers->number;
}


static mx_upstream_rr_peer_t *
mx_ffi_upstream_peer(mx_upstream_srv_conf_t *us, int backup, int id,
    const char **err)
{
    mx_upstream_rr_peers_t  *peers;

    peers = mx_ffi_upstream_peers(us, backup, err);
    if (peers == NULL) {
        return NULL;
    }

    if (id < 0 || (mx_uint_t) id >= peers->number) {
        *err = "bad peer id";
        return NULL;
    }

    return &peers->peer[id];
}


int
mx_ffi_upstream_peer_get(void *data, int backup, int id,
    mx_ffi_upstream_peer_t *out, const char **err)
{
    mx_upstream_rr_peer_t  *peer;

    peer = mx_ffi_upstream_peer(data, backup, id, err);
    if (peer == NULL) {
        return MX_DECLINED;
    }

    out->name.data = peer->name.data;
    out->name.len = (int) peer->name.len;
    out->weight = (int) peer->weight;
    out->current_weight = (int) peer->current_weight;
    out->effective_weight = (int) peer->effective_weight;
    out->conns = (int) peer->conns;
    out->fails = (int) peer->fails;
    out->max_fails = (int) peer->max_fails;
    out->fail_timeout = (int) peer->fail_timeout;
    out->accessed = (double) peer->accessed;
    out->checked = (double) peer->checked;
    out->down = peer->down;

    return MX_OK;
}


int
mx_ffi_upstream_set_peer_down(void *data, int backup, int id, int down,
    const char **err)
{
    mx_upstream_rr_peer_t  *peer;

    peer = mx_ffi_upstream_peer(data, backup, id, err);
    if (peer == NULL) {
        return MX_DECLINED;
    }

    peer->down = down ? 1 : 0;

    return MX_OK;
}


int
mx_ffi_upstream_current_name(mx_http_request_t *r, mx_ffi_str_t *name,
    int *port)
{
    mx_http_upstream_t      *u;
    mx_upstream_srv_conf_t  *us;

    if (r == NULL || mx_http_get_module_ctx(r, mx_http_lua_module) == NULL) {
        return MX_FFI_BAD_CONTEXT;
    }

    u = mx_http_upstream_get(r);
    if (u == NULL || u->conf == NULL) {
        return MX_DECLINED;
    }

    us = u->conf->upstream;
    if (us == NULL || us->host.len == 0) {
        return MX_DECLINED;
    }

    name->data = us->host.data;
    name->len = (int) us->host.len;
    *port = mx_ffi_upstream_port(us);

    return MX_OK;
}
