#ifndef MX_LUA_SSL_H
#define MX_LUA_SSL_H

#include "mx_lua_module.h"

#include "mx_ssl.h"

/*
 * The lua_ssl_* directives: the client SSL_CTX of each location for the
 * Lua cosockets (tcpsock:sslhandshake), made at configuration time from
 * lua_ssl_protocols, lua_ssl_ciphers, lua_ssl_trusted_certificate and
 * lua_ssl_verify_depth (locations that change none of them share their
 * parent's). The TLS I/O itself is mx_ssl.h's.
 */

/* what an operation waits for when it returns MX_AGAIN */
#define MX_LUA_SSL_WANT_READ     MX_SSL_WANT_READ
#define MX_LUA_SSL_WANT_WRITE    MX_SSL_WANT_WRITE

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

#endif /* MX_LUA_SSL_H */
