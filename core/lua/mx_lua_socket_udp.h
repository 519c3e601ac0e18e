#ifndef MX_LUA_SOCKET_UDP_H
#define MX_LUA_SOCKET_UDP_H

#include "mx_http.h"

/*
 * ngx.socket.udp: datagram cosockets (lua/resty/core/socket_udp.lua), as
 * lua-nginx-module's ngx_http_lua_socket_udp.c behaves: one connected
 * socket per object, non-blocking on the worker's loop.
 *
 * The state of a socket is malloc'ed and owned by its Lua object (ffi.gc
 * frees it). It belongs to the request that connected it: when that
 * request ends its descriptor is closed, and the state stays valid (the
 * methods then say "closed"). All functions take the calling request and
 * check it, besides their own results:
 *   MX_FFI_BAD_CONTEXT  a caller's mistake: Lua raises *err ("API
 *                       disabled in the context of ...", "bad request":
 *                       the socket is another live request's);
 *   MX_AGAIN            it waits: the wrapper calls base.yield_wait(),
 *                       then the function named below to collect.
 * *err points to static storage, valid until the next call.
 */

typedef struct mx_lua_socket_udp_s  mx_lua_socket_udp_t;

/* the largest datagram receive() returns, and its default size */
#define MX_LUA_SOCKET_UDP_MAX_DATAGRAM  65536

/* ngx.socket.udp(): MX_OK where Lua may wait, else MX_FFI_BAD_CONTEXT */
int mx_ffi_socket_udp_check(mx_http_request_t *r, const char **err);

/* a closed socket state; NULL on memory failure */
mx_lua_socket_udp_t *mx_ffi_socket_udp_new(void);

/* closes the socket (if open) and frees u; accepts NULL */
void mx_ffi_socket_udp_free(mx_lua_socket_udp_t *u);

/*
 * setpeername(): closes what u had open, then connects it to host ("IP",
 * "IP:PORT", "[IPv6]:PORT", "unix:/path", or a name for the location's
 * resolver; port 0 when not given, a port in host wins). timeout is the
 * object's own read timeout (<= 0: lua_socket_read_timeout). MX_OK
 * connected; MX_ERROR with *err; MX_AGAIN while the name is resolved:
 * after the wait call mx_ffi_socket_udp_resolved().
 */
int mx_ffi_socket_udp_setpeername(mx_http_request_t *r,
    mx_lua_socket_udp_t *u, const u_char *host, size_t len, int port,
    long timeout, const char **err);

/* connects to the address resolved; as mx_ffi_socket_udp_setpeername */
int mx_ffi_socket_udp_resolved(mx_http_request_t *r, mx_lua_socket_udp_t *u,
    const char **err);

/*
 * send(): one datagram of len bytes. data NULL only checks that the
 * socket can send. MX_OK; MX_ERROR with *err ("closed", "socket busy",
 * "partial write", the lower-cased system error).
 */
int mx_ffi_socket_udp_send(mx_http_request_t *r, mx_lua_socket_udp_t *u,
    const u_char *data, size_t len, const char **err);

/*
 * receive(): the next datagram, its first size bytes (at most
 * MX_LUA_SOCKET_UDP_MAX_DATAGRAM) copied to buf, *n set. buf NULL only
 * checks that the socket can receive. MX_OK; MX_ERROR with *err
 * ("closed", "socket busy", "timeout", the system error); MX_AGAIN: call
 * again with resumed 1 after the wait.
 */
int mx_ffi_socket_udp_receive(mx_http_request_t *r, mx_lua_socket_udp_t *u,
    int resumed, u_char *buf, size_t size, size_t *n, const char **err);

/* settimeout(): the read timeout in ms, <= 0: lua_socket_read_timeout */
void mx_ffi_socket_udp_settimeout(mx_lua_socket_udp_t *u, long timeout);

/* close(): MX_OK; MX_ERROR with *err ("closed", "socket busy") */
int mx_ffi_socket_udp_close(mx_http_request_t *r, mx_lua_socket_udp_t *u,
    const char **err);

#endif /* MX_LUA_SOCKET_UDP_H */
