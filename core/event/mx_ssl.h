#ifndef MX_SSL_H
#define MX_SSL_H

#include "mx_event.h"

#include <openssl/ssl.h>

/*
 * TLS on outgoing connections (the proxy's https upstreams, the Lua
 * cosockets): client SSL_CTXs made from nginx-style settings,
 * non-blocking handshake/read/write steps on an mx_connection_t, and
 * failures logged as nginx logs them on upstream connections:
 * "SSL_do_handshake() failed (SSL: error:...)", at error level for what
 * the peer or the network did, critical otherwise.
 *
 * Certificates are verified but never fail the handshake themselves:
 * the caller reads SSL_get_verify_result() afterwards, as nginx does,
 * so that its own message tells why.
 */

/* protocol bits, nginx's (0: unset) */
#define MX_SSL_PROTO_SET     0x0001
#define MX_SSL_SSLv2         0x0002
#define MX_SSL_SSLv3         0x0004
#define MX_SSL_TLSv1         0x0008
#define MX_SSL_TLSv1_1       0x0010
#define MX_SSL_TLSv1_2       0x0020
#define MX_SSL_TLSv1_3       0x0040

/* what an operation waits for when it returns MX_AGAIN */
#define MX_SSL_WANT_READ     1
#define MX_SSL_WANT_WRITE    2

/* the settings of a client context; paths are full, NUL-terminated */
typedef struct {
    mx_uint_t        protocols;       /* MX_SSL_* bits */
    const char      *ciphers;         /* OpenSSL's list */
    const char      *trusted_certificate;  /* NULL: none loaded */
    mx_int_t         verify_depth;
    const char      *certificate;     /* client certificate, or NULL */
    const char      *certificate_key;
    unsigned         session_cache:1; /* sessions go to save_session */
} mx_ssl_client_conf_t;

/*
 * A TLS connection attached to an outgoing mx_connection_t, living in the
 * connection's pool (so that it follows the connection into a keepalive
 * pool): freed with the pool; mx_ssl_conn_shutdown() sends the
 * close_notify first.
 */
typedef struct mx_ssl_conn_s  mx_ssl_conn_t;

/*
 * Called when the server gives a session the connection may resume later
 * (after the handshake in TLS 1.2, with a ticket in TLS 1.3): returns 1
 * when it keeps the reference to sess, 0 when sess is to be freed.
 */
typedef int (*mx_ssl_save_session_pt)(mx_ssl_conn_t *sc, SSL_SESSION *sess);

struct mx_ssl_conn_s {
    SSL                     *ssl;
    mx_connection_t         *c;
    mx_ssl_save_session_pt   save_session;    /* NULL: sessions dropped */
    void                    *data;            /* the save_session's */
};

/* the bit of a protocol name ("TLSv1.2", any case), 0 for none */
mx_uint_t mx_ssl_protocol_bit(const u_char *name, size_t len);

/*
 * A client context (TLS_client_method) from conf, with nginx's options;
 * NULL on failure, logged at level emerg through log. The caller frees it
 * with SSL_CTX_free() (mx_ssl_ctx_cleanup() as a pool cleanup).
 */
SSL_CTX *mx_ssl_client_ctx_create(const mx_ssl_client_conf_t *conf,
    mx_log_t *log);

/* a pool cleanup that frees the SSL_CTX data */
void mx_ssl_ctx_cleanup(void *data);

/*
 * Attaches a new client TLS connection from ctx to c (socket connected),
 * with server_name for SNI when not NULL and session to resume when not
 * NULL (it is not taken over). The mx_ssl_conn_t, NULL on failure
 * (logged at crit).
 */
mx_ssl_conn_t *mx_ssl_conn_create(mx_connection_t *c, SSL_CTX *ctx,
    const char *server_name, SSL_SESSION *session);

/* the TLS connection attached to c, or NULL for a plain one */
mx_ssl_conn_t *mx_ssl_conn_get(mx_connection_t *c);

/*
 * Sends a close_notify when the handshake is over and c is sound, without
 * waiting for it or for the peer's, and frees the TLS state of c (c
 * stays open and plain). Nothing for a plain connection.
 */
void mx_ssl_conn_shutdown(mx_connection_t *c);

/*
 * One step of the client handshake on c: MX_OK done, MX_AGAIN with *want
 * (MX_SSL_WANT_*), MX_ERROR (logged through c->log, c->error set).
 */
int mx_ssl_handshake(mx_connection_t *c, SSL *ssl, int *want);

/*
 * SSL_read(): bytes (> 0), 0 when the peer closed (cleanly or not),
 * MX_AGAIN with *want, MX_ERROR with *err the errno (0 for a TLS
 * failure), logged and c->error set.
 */
ssize_t mx_ssl_recv(mx_connection_t *c, SSL *ssl, u_char *buf, size_t size,
    int *want, int *err);

/* SSL_write() of at most size bytes: bytes, else as mx_ssl_recv */
ssize_t mx_ssl_send(mx_connection_t *c, SSL *ssl, const u_char *buf,
    size_t size, int *want, int *err);

/*
 * Sends a close_notify if the handshake is over and c is sound, without
 * waiting for it to go out or for the peer's; frees ssl (NULL is fine).
 */
void mx_ssl_shutdown(mx_connection_t *c, SSL *ssl);

/*
 * Logs text with OpenSSL's queue of errors, as nginx's ngx_ssl_error():
 * "text (SSL: error:0A00010B:SSL routines::wrong version number)"; the
 * queue is emptied.
 */
void mx_ssl_error(mx_uint_t level, mx_log_t *log, int err, const char *text);

#endif /* MX_SSL_H */
