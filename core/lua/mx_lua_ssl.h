#ifndef MX_LUA_SSL_H
#define MX_LUA_SSL_H

#include "mx_lua_module.h"

#include <openssl/ssl.h>

/*
 * TLS for the Lua cosockets (tcpsock:sslhandshake): the client SSL_CTX of
 * each location, made at configuration time from lua_ssl_protocols,
 * lua_ssl_ciphers, lua_ssl_trusted_certificate and lua_ssl_verify_depth
 * (locations that change none of them share their parent's), and
 * non-blocking TLS I/O on a connection that logs failures the way nginx
 * logs them on upstream connections ("SSL_read() failed (SSL: ...)").
 *
 * Certificates are verified but never fail the handshake themselves:
 * the caller reads SSL_get_verify_result() afterwards, as lua-nginx-module
 * does, so that its own error tells why.
 */

/* lua_ssl_protocols, nginx's bits (0: unset) */
#define MX_LUA_SSL_PROTO_SET     0x0001
#define MX_LUA_SSL_SSLv2         0x0002
#define MX_LUA_SSL_SSLv3         0x0004
#define MX_LUA_SSL_TLSv1         0x0008
#define MX_LUA_SSL_TLSv1_1       0x0010
#define MX_LUA_SSL_TLSv1_2       0x0020
#define MX_LUA_SSL_TLSv1_3       0x0040

/* what an operation waits for when it returns MX_AGAIN */
#define MX_LUA_SSL_WANT_READ     1
#define MX_LUA_SSL_WANT_WRITE    2

/* the lua_ssl_protocols setter: names ORed into the location's bits */
char *mx_lua_ssl_set_protocols(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);

/*
 * Merges the lua_ssl_* fields of conf with prev's and gives conf its
 * SSL_CTX (freed with the configuration's pool). MX_CONF_OK, or
 * MX_CONF_ERROR with an [emerg] logged (a trusted certificate that does
 * not load, a cipher list OpenSSL refuses).
 */
char *mx_lua_ssl_merge_conf(mx_conf_t *cf, mx_http_lua_loc_conf_t *prev,
    mx_http_lua_loc_conf_t *conf);

/*
 * One step of the client handshake on c: MX_OK done, MX_AGAIN with *want
 * (MX_LUA_SSL_WANT_*), MX_ERROR (logged).
 */
int mx_lua_ssl_handshake(mx_connection_t *c, SSL *ssl, int *want);

/*
 * SSL_read(): bytes (> 0), 0 when the peer closed (cleanly or not),
 * MX_AGAIN with *want, MX_ERROR with *err the errno (0 for a TLS
 * failure), logged and c->error set.
 */
ssize_t mx_lua_ssl_recv(mx_connection_t *c, SSL *ssl, u_char *buf,
    size_t size, int *want, int *err);

/* SSL_write() of at most size bytes: bytes, else as mx_lua_ssl_recv */
ssize_t mx_lua_ssl_send(mx_connection_t *c, SSL *ssl, const u_char *buf,
    size_t size, int *want, int *err);

/*
 * Sends a close_notify if the handshake is over and c is sound, without
 * waiting for it to go out or for the peer's; frees ssl. c stays open.
 */
void mx_lua_ssl_shutdown(mx_connection_t *c, SSL *ssl);

#endif /* MX_LUA_SSL_H */
