#include "mx_lua_ssl.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>


typedef struct {
    const char  *name;
    mx_uint_t    mask;
} mx_lua_ssl_proto_t;


static int mx_lua_ssl_verify_callback(int ok, X509_STORE_CTX *x509_store);
static SSL_CTX *mx_lua_ssl_create_ctx(mx_conf_t *cf,
    mx_http_lua_loc_conf_t *conf);
static void mx_lua_ssl_free_ctx(void *data);
static void mx_lua_ssl_error(mx_uint_t level, mx_log_t *log, int err,
    const char *text);
static void mx_lua_ssl_conn_error(mx_connection_t *c, int sslerr, int err,
    const char *text);
static int mx_lua_ssl_peer_errno(int err);


static mx_lua_ssl_proto_t  mx_lua_ssl_protocols[] = {
    { "SSLv2",    MX_LUA_SSL_SSLv2 },
    { "SSLv3",    MX_LUA_SSL_SSLv3 },
    { "TLSv1",    MX_LUA_SSL_TLSv1 },
    { "TLSv1.1",  MX_LUA_SSL_TLSv1_1 },
    { "TLSv1.2",  MX_LUA_SSL_TLSv1_2 },
    { "TLSv1.3",  MX_LUA_SSL_TLSv1_3 },
    { NULL, 0 }
};


/* ------------------------------------------------------ configuration */

char *
mx_lua_ssl_set_protocols(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_uint_t           *bits, i, k;
    mx_str_t            *value;

    mx_unused(cmd);

    bits = &((mx_http_lua_loc_conf_t *) conf)->ssl_protocols;
    value = cf->args->elts;

    /* as nginx's bitmask slots: a repeated directive adds to the set */
    for (i = 1; i < cf->args->nelts; i++) {
        for (k = 0; mx_lua_ssl_protocols[k].name; k++) {
            if (mx_str_eq_ci(&value[i], mx_lua_ssl_protocols[k].name)
                == MX_OK)
            {
                break;
            }
        }

        if (mx_lua_ssl_protocols[k].name == NULL) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid value \"%.*s\"",
                              MX_STR_ARG(value[i]));
            return MX_CONF_ERROR;
        }

        if (*bits & mx_lua_ssl_protocols[k].mask) {
            mx_conf_log_error(MX_LOG_WARN, cf, 0, "duplicate value \"%.*s\"",
                              MX_STR_ARG(value[i]));

        } else {
            *bits |= MX_LUA_SSL_PROTO_SET | mx_lua_ssl_protocols[k].mask;
        }
    }

    return MX_CONF_OK;
}


char *
mx_lua_ssl_merge_conf(mx_conf_t *cf, mx_http_lua_loc_conf_t *prev,
    mx_http_lua_loc_conf_t *conf)
{
    int                 inherited;
    SSL_CTX            *ctx;
    mx_pool_cleanup_t  *cln;

    inherited = (conf->ssl_trusted_certificate.data == NULL
                 && conf->ssl_verify_depth == MX_CONF_UNSET
                 && conf->ssl_protocols == 0
                 && conf->ssl_ciphers.data == NULL);

    mx_conf_merge_str_value(conf->ssl_trusted_certificate,
                            prev->ssl_trusted_certificate, "");
    mx_conf_merge_value(conf->ssl_verify_depth, prev->ssl_verify_depth, 1);

    /* lua-nginx-module 0.10's default leaves TLSv1.3 out */
    if (conf->ssl_protocols == 0) {
        conf->ssl_protocols = prev->ssl_protocols
                              ? prev->ssl_protocols
                              : (MX_LUA_SSL_PROTO_SET|MX_LUA_SSL_SSLv3
                                 |MX_LUA_SSL_TLSv1|MX_LUA_SSL_TLSv1_1
                                 |MX_LUA_SSL_TLSv1_2);
    }

    mx_conf_merge_str_value(conf->ssl_ciphers, prev->ssl_ciphers, "DEFAULT");

    /*
     * One SSL_CTX per set of settings, as far as inheritance tells: a
     * location that sets none of them uses its parent's. The http{}
     * level is never merged itself, so its first child makes it one.
     */
    if (inherited && prev->ssl_ctx) {
        conf->ssl_ctx = prev->ssl_ctx;
        return MX_CONF_OK;
    }

    ctx = mx_lua_ssl_create_ctx(cf, conf);
    if (ctx == NULL) {
        return MX_CONF_ERROR;
    }

    cln = mx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        SSL_CTX_free(ctx);
        return MX_CONF_ERROR;
    }

    cln->handler = mx_lua_ssl_free_ctx;
    cln->data = ctx;

    conf->ssl_ctx = ctx;

    if (inherited) {
        prev->ssl_ctx = ctx;
    }

    return MX_CONF_OK;
}


/* the settings of nginx's ngx_ssl_create() that a client sees */
static SSL_CTX *
mx_lua_ssl_create_ctx(mx_conf_t *cf, mx_http_lua_loc_conf_t *conf)
{
    char        text[MX_MAX_ERROR_STR / 2];
    SSL_CTX    *ctx;
    mx_str_t    s;
    mx_uint_t   p;

    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        mx_lua_ssl_error(MX_LOG_EMERG, cf->log, 0, "SSL_CTX_new() failed");
        return NULL;
    }

    p = conf->ssl_protocols;

    SSL_CTX_clear_options(ctx, SSL_OP_NO_SSLv3|SSL_OP_NO_TLSv1
                               |SSL_OP_NO_TLSv1_1|SSL_OP_NO_TLSv1_2
                               |SSL_OP_NO_TLSv1_3);

    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION
                             | SSL_OP_IGNORE_UNEXPECTED_EOF
                             | (p & MX_LUA_SSL_SSLv3 ? 0 : SSL_OP_NO_SSLv3)
                             | (p & MX_LUA_SSL_TLSv1 ? 0 : SSL_OP_NO_TLSv1)
                             | (p & MX_LUA_SSL_TLSv1_1 ? 0
                                                        : SSL_OP_NO_TLSv1_1)
                             | (p & MX_LUA_SSL_TLSv1_2 ? 0
                                                        : SSL_OP_NO_TLSv1_2)
                             | (p & MX_LUA_SSL_TLSv1_3 ? 0
                                                        : SSL_OP_NO_TLSv1_3));

    /* the options decide, not the system's defaults */
    SSL_CTX_set_min_proto_version(ctx, 0);
    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);

    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS|SSL_MODE_NO_AUTO_CHAIN
                          |SSL_MODE_ENABLE_PARTIAL_WRITE
                          |SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_read_ahead(ctx, 1);

    if (mx_str_dup(cf->pool, &s, conf->ssl_ciphers.data,
                   conf->ssl_ciphers.len) != MX_OK)
    {
        goto failed;
    }

    if (SSL_CTX_set_cipher_list(ctx, (char *) s.data) == 0) {
        snprintf(text, sizeof(text), "SSL_CTX_set_cipher_list(\"%s\") failed",
                 (char *) s.data);
        mx_lua_ssl_error(MX_LOG_EMERG, cf->log, 0, text);
        goto failed;
    }

    /* without trusted certificates, as the reference, no callback:
     * verification stops at its first error, which is then the answer */
    if (conf->ssl_trusted_certificate.len) {
        SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx),
                           mx_lua_ssl_verify_callback);
        SSL_CTX_set_verify_depth(ctx, (int) conf->ssl_verify_depth);

        s = conf->ssl_trusted_certificate;

        if (mx_conf_full_name(cf->cycle, &s, 1) != MX_OK
            || mx_str_dup(cf->pool, &s, s.data, s.len) != MX_OK)
        {
            goto failed;
        }

        if (SSL_CTX_load_verify_locations(ctx, (char *) s.data, NULL) == 0) {
            snprintf(text, sizeof(text),
                     "SSL_CTX_load_verify_locations(\"%s\") failed",
                     (char *) s.data);
            mx_lua_ssl_error(MX_LOG_EMERG, cf->log, 0, text);
            goto failed;
        }

        /* a bundle may leave harmless errors behind */
        ERR_clear_error();
    }

    return ctx;

failed:

    SSL_CTX_free(ctx);
    return NULL;
}


/* nginx's: the chain is checked to its end, whatever it finds */
static int
mx_lua_ssl_verify_callback(int ok, X509_STORE_CTX *x509_store)
{
    mx_unused(ok);
    mx_unused(x509_store);

    return 1;
}


static void
mx_lua_ssl_free_ctx(void *data)
{
    SSL_CTX_free(data);
}


/* ----------------------------------------------------------------- I/O */

int
mx_lua_ssl_handshake(mx_connection_t *c, SSL *ssl, int *want)
{
    int  n, sslerr, err;

    ERR_clear_error();

    n = SSL_do_handshake(ssl);

    if (n == 1) {
        return MX_OK;
    }

    sslerr = SSL_get_error(ssl, n);
    err = (sslerr == SSL_ERROR_SYSCALL) ? errno : 0;

    if (sslerr == SSL_ERROR_WANT_READ) {
        *want = MX_LUA_SSL_WANT_READ;
        return MX_AGAIN;
    }

    if (sslerr == SSL_ERROR_WANT_WRITE) {
        *want = MX_LUA_SSL_WANT_WRITE;
        return MX_AGAIN;
    }

    c->error = 1;

    if (sslerr == SSL_ERROR_ZERO_RETURN || ERR_peek_error() == 0) {
        mx_log_error(err == 0 || mx_lua_ssl_peer_errno(err) ? MX_LOG_ERR
                                                          : MX_LOG_ALERT,
                     &c->log, err, "peer closed connection in SSL handshake");
        return MX_ERROR;
    }

    mx_lua_ssl_conn_error(c, sslerr, err, "SSL_do_handshake() failed");

    return MX_ERROR;
}


ssize_t
mx_lua_ssl_recv(mx_connection_t *c, SSL *ssl, u_char *buf, size_t size,
    int *want, int *err)
{
    int  n, sslerr;

    *err = 0;

    ERR_clear_error();

    n = SSL_read(ssl, buf, (int) mx_min(size, (size_t) INT_MAX));

    if (n > 0) {
        return n;
    }

    sslerr = SSL_get_error(ssl, n);

    switch (sslerr) {

    case SSL_ERROR_WANT_READ:
        *want = MX_LUA_SSL_WANT_READ;
        return MX_AGAIN;

    case SSL_ERROR_WANT_WRITE:
        *want = MX_LUA_SSL_WANT_WRITE;
        return MX_AGAIN;

    case SSL_ERROR_ZERO_RETURN:
        c->eof = 1;
        return 0;

    case SSL_ERROR_SYSCALL:
        *err = errno;

        if (*err == 0 && ERR_peek_error() == 0) {
            c->eof = 1;
            return 0;
        }

        break;

    default:
        break;
    }

    c->error = 1;
    mx_lua_ssl_conn_error(c, sslerr, *err, "SSL_read() failed");

    return MX_ERROR;
}


ssize_t
mx_lua_ssl_send(mx_connection_t *c, SSL *ssl, const u_char *buf,
    size_t size, int *want, int *err)
{
    int  n, sslerr;

    *err = 0;

    if (size == 0) {
        return 0;
    }

    ERR_clear_error();

    n = SSL_write(ssl, buf, (int) mx_min(size, (size_t) INT_MAX));

    if (n > 0) {
        return n;
    }

    sslerr = SSL_get_error(ssl, n);

    if (sslerr == SSL_ERROR_WANT_WRITE) {
        *want = MX_LUA_SSL_WANT_WRITE;
        return MX_AGAIN;
    }

    if (sslerr == SSL_ERROR_WANT_READ) {
        *want = MX_LUA_SSL_WANT_READ;
        return MX_AGAIN;
    }

    if (sslerr == SSL_ERROR_SYSCALL) {
        *err = errno;
    }

    c->error = 1;
    mx_lua_ssl_conn_error(c, sslerr, *err, "SSL_write() failed");

    return MX_ERROR;
}


void
mx_lua_ssl_shutdown(mx_connection_t *c, SSL *ssl)
{
    if (ssl == NULL) {
        return;
    }

    if (SSL_is_init_finished(ssl) && !c->error) {
        /* our close_notify only: the peer's is not waited for */
        SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
        ERR_clear_error();
        (void) SSL_shutdown(ssl);
    }

    ERR_clear_error();
    SSL_free(ssl);
}


/* ------------------------------------------------------------- errors */

/*
 * nginx's levels on upstream connections: what the peer or the network
 * did is an error, anything else is critical.
 */
static void
mx_lua_ssl_conn_error(mx_connection_t *c, int sslerr, int err,
    const char *text)
{
    int        reason;
    mx_uint_t  level;

    level = MX_LOG_CRIT;

    if (sslerr == SSL_ERROR_SYSCALL) {
        if (mx_lua_ssl_peer_errno(err)) {
            level = MX_LOG_ERR;
        }

    } else if (sslerr == SSL_ERROR_SSL) {
        reason = ERR_GET_REASON(ERR_peek_error());

        /* what a peer that is no TLS server, or a hostile one, causes;
         * and every alert it sends */
        if (reason == SSL_R_BAD_CHANGE_CIPHER_SPEC
            || reason == SSL_R_BLOCK_CIPHER_PAD_IS_WRONG
            || reason == SSL_R_DIGEST_CHECK_FAILED
            || reason == SSL_R_ERROR_IN_RECEIVED_CIPHER_LIST
            || reason == SSL_R_EXCESSIVE_MESSAGE_SIZE
            || reason == SSL_R_HTTPS_PROXY_REQUEST
            || reason == SSL_R_HTTP_REQUEST
            || reason == SSL_R_LENGTH_MISMATCH
            || reason == SSL_R_NO_CIPHERS_SPECIFIED
            || reason == SSL_R_NO_COMPRESSION_SPECIFIED
            || reason == SSL_R_NO_SHARED_CIPHER
            || reason == SSL_R_RECORD_LENGTH_MISMATCH
            || reason == SSL_R_UNEXPECTED_MESSAGE
            || reason == SSL_R_UNEXPECTED_RECORD
            || reason == SSL_R_UNKNOWN_ALERT_TYPE
            || reason == SSL_R_UNKNOWN_PROTOCOL
            || reason == SSL_R_UNSUPPORTED_PROTOCOL
            || reason == SSL_R_VERSION_TOO_LOW
            || reason == SSL_R_WRONG_VERSION_NUMBER
            || reason == SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC
            || reason == SSL_R_BAD_RECORD_TYPE
            || reason == SSL_R_PACKET_LENGTH_TOO_LONG
            || reason == SSL_R_UNEXPECTED_EOF_WHILE_READING
            || reason >= SSL_AD_REASON_OFFSET)
        {
            level = MX_LOG_ERR;
        }
    }

    mx_lua_ssl_error(level, &c->log, err, text);
}


/* what the peer or the network did */
static int
mx_lua_ssl_peer_errno(int err)
{
    switch (err) {
    case ECONNRESET:
    case EPIPE:
    case ENOTCONN:
    case ETIMEDOUT:
    case ECONNREFUSED:
    case ENETDOWN:
    case ENETUNREACH:
    case EHOSTDOWN:
    case EHOSTUNREACH:
        return 1;

    default:
        return 0;
    }
}


/*
 * Logs text with OpenSSL's queue of errors, as nginx's ngx_ssl_error():
 * "text (SSL: error:0A00010B:SSL routines::wrong version number)"; the
 * queue is emptied.
 */
static void
mx_lua_ssl_error(mx_uint_t level, mx_log_t *log, int err, const char *text)
{
    int            flags, n;
    char           msg[MX_MAX_ERROR_STR], *p, *last;
    const char    *data;
    unsigned long  e;

    p = msg;
    last = msg + sizeof(msg) - 1;

    n = snprintf(p, last - p, "%s", text);
    p += mx_min((size_t) mx_max(n, 0), (size_t) (last - p));

    if (ERR_peek_error()) {
        n = snprintf(p, last - p, " (SSL:");
        p += mx_min((size_t) mx_max(n, 0), (size_t) (last - p));

        for ( ;; ) {
            e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags);
            if (e == 0) {
                break;
            }

            if (p < last) {
                *p++ = ' ';
                ERR_error_string_n(e, p, last - p);
                p += strlen(p);
            }

            if ((flags & ERR_TXT_STRING) && data && *data && p < last) {
                n = snprintf(p, last - p, ":%s", data);
                p += mx_min((size_t) mx_max(n, 0), (size_t) (last - p));
            }
        }

        if (p < last) {
            *p++ = ')';
        }
    }

    *p = '\0';

    mx_log_error(level, log, err, "%s", msg);
}
