#include "mx_ssl.h"

#include <limits.h>
#include <openssl/err.h>


static int mx_ssl_verify_callback(int ok, X509_STORE_CTX *x509_store);
static int mx_ssl_new_session(SSL *ssl, SSL_SESSION *sess);
static void mx_ssl_conn_cleanup(void *data);
static void mx_ssl_conn_error(mx_connection_t *c, int sslerr, int err,
    const char *text);
static int mx_ssl_peer_errno(int err);


static const struct {
    const char  *name;
    mx_uint_t    bit;
} mx_ssl_protocols[] = {
    { "SSLv2",    MX_SSL_SSLv2 },
    { "SSLv3",    MX_SSL_SSLv3 },
    { "TLSv1",    MX_SSL_TLSv1 },
    { "TLSv1.1",  MX_SSL_TLSv1_1 },
    { "TLSv1.2",  MX_SSL_TLSv1_2 },
    { "TLSv1.3",  MX_SSL_TLSv1_3 },
};


/* ------------------------------------------------------ contexts */

mx_uint_t
mx_ssl_protocol_bit(const u_char *name, size_t len)
{
    mx_uint_t  i;

    for (i = 0; i < mx_nelems(mx_ssl_protocols); i++) {
        if (strlen(mx_ssl_protocols[i].name) == len
            && strncasecmp(mx_ssl_protocols[i].name, (const char *) name,
                           len) == 0)
        {
            return mx_ssl_protocols[i].bit;
        }
    }

    return 0;
}


/* the settings of nginx's ngx_ssl_create() that a client sees */
SSL_CTX *
mx_ssl_client_ctx_create(const mx_ssl_client_conf_t *conf, mx_log_t *log)
{
    char        text[MX_MAX_ERROR_STR / 2];
    SSL_CTX    *ctx;
    mx_uint_t   p;

    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        mx_ssl_error(MX_LOG_EMERG, log, 0, "SSL_CTX_new() failed");
        return NULL;
    }

    p = conf->protocols;

    SSL_CTX_clear_options(ctx, SSL_OP_NO_SSLv3|SSL_OP_NO_TLSv1
                               |SSL_OP_NO_TLSv1_1|SSL_OP_NO_TLSv1_2
                               |SSL_OP_NO_TLSv1_3);

    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION
                             | SSL_OP_IGNORE_UNEXPECTED_EOF
                             | (p & MX_SSL_SSLv3 ? 0 : SSL_OP_NO_SSLv3)
                             | (p & MX_SSL_TLSv1 ? 0 : SSL_OP_NO_TLSv1)
                             | (p & MX_SSL_TLSv1_1 ? 0 : SSL_OP_NO_TLSv1_1)
                             | (p & MX_SSL_TLSv1_2 ? 0 : SSL_OP_NO_TLSv1_2)
                             | (p & MX_SSL_TLSv1_3 ? 0 : SSL_OP_NO_TLSv1_3));

    /* the options decide, not the system's defaults */
    SSL_CTX_set_min_proto_version(ctx, 0);
    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);

    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS|SSL_MODE_NO_AUTO_CHAIN
                          |SSL_MODE_ENABLE_PARTIAL_WRITE
                          |SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_read_ahead(ctx, 1);

    if (SSL_CTX_set_cipher_list(ctx, conf->ciphers) == 0) {
        snprintf(text, sizeof(text), "SSL_CTX_set_cipher_list(\"%s\") failed",
                 conf->ciphers);
        mx_ssl_error(MX_LOG_EMERG, log, 0, text);
        goto failed;
    }

    if (conf->certificate) {
        if (SSL_CTX_use_certificate_chain_file(ctx, conf->certificate) == 0)
        {
            snprintf(text, sizeof(text), "cannot load certificate \"%s\"",
                     conf->certificate);
            mx_ssl_error(MX_LOG_EMERG, log, 0, text);
            goto failed;
        }

        if (SSL_CTX_use_PrivateKey_file(ctx, conf->certificate_key,
                                        SSL_FILETYPE_PEM) == 0)
        {
            snprintf(text, sizeof(text),
                     "cannot load certificate key \"%s\"",
                     conf->certificate_key);
            mx_ssl_error(MX_LOG_EMERG, log, 0, text);
            goto failed;
        }
    }

    /* without trusted certificates, as the reference, no callback:
     * verification stops at its first error, which is then the answer */
    if (conf->trusted_certificate) {
        SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx),
                           mx_ssl_verify_callback);
        SSL_CTX_set_verify_depth(ctx, (int) conf->verify_depth);

        if (SSL_CTX_load_verify_locations(ctx, conf->trusted_certificate,
                                          NULL) == 0)
        {
            snprintf(text, sizeof(text),
                     "SSL_CTX_load_verify_locations(\"%s\") failed",
                     conf->trusted_certificate);
            mx_ssl_error(MX_LOG_EMERG, log, 0, text);
            goto failed;
        }

        /* a bundle may leave harmless errors behind */
        ERR_clear_error();
    }

    if (conf->session_cache) {
        /* sessions are kept by their owner, not in the context */
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT
                                            |SSL_SESS_CACHE_NO_INTERNAL);
        SSL_CTX_sess_set_new_cb(ctx, mx_ssl_new_session);
    }

    return ctx;

failed:

    SSL_CTX_free(ctx);
    return NULL;
}


void
mx_ssl_ctx_cleanup(void *data)
{
    SSL_CTX_free(data);
}


/* nginx's: the chain is checked to its end, whatever it finds */
static int
mx_ssl_verify_callback(int ok, X509_STORE_CTX *x509_store)
{
    mx_unused(ok);
    mx_unused(x509_store);

    return 1;
}


static int
mx_ssl_new_session(SSL *ssl, SSL_SESSION *sess)
{
    mx_ssl_conn_t  *sc;

    sc = SSL_get_app_data(ssl);

    if (sc == NULL || sc->save_session == NULL) {
        return 0;
    }

    return sc->save_session(sc, sess);
}


/* ------------------------------------------------------ connections */

mx_ssl_conn_t *
mx_ssl_conn_create(mx_connection_t *c, SSL_CTX *ctx, const char *server_name,
    SSL_SESSION *session)
{
    SSL                *ssl;
    mx_ssl_conn_t      *sc;
    mx_pool_cleanup_t  *cln;

    cln = mx_pool_cleanup_add(c->pool, sizeof(mx_ssl_conn_t));
    if (cln == NULL) {
        return NULL;
    }

    sc = cln->data;
    memset(sc, 0, sizeof(mx_ssl_conn_t));
    cln->handler = mx_ssl_conn_cleanup;

    ssl = SSL_new(ctx);
    if (ssl == NULL) {
        mx_ssl_error(MX_LOG_CRIT, &c->log, 0, "SSL_new() failed");
        return NULL;
    }

    sc->ssl = ssl;
    sc->c = c;

    if (SSL_set_fd(ssl, c->fd) == 0) {
        mx_ssl_error(MX_LOG_CRIT, &c->log, 0, "SSL_set_fd() failed");
        return NULL;
    }

    SSL_set_connect_state(ssl);
    SSL_set_app_data(ssl, sc);

    if (server_name && SSL_set_tlsext_host_name(ssl, server_name) == 0) {
        mx_ssl_error(MX_LOG_CRIT, &c->log, 0,
                     "SSL_set_tlsext_host_name() failed");
        return NULL;
    }

    if (session && SSL_set_session(ssl, session) == 0) {
        mx_ssl_error(MX_LOG_CRIT, &c->log, 0, "SSL_set_session() failed");
        return NULL;
    }

    return sc;
}


mx_ssl_conn_t *
mx_ssl_conn_get(mx_connection_t *c)
{
    mx_pool_cleanup_t  *cln;
    mx_ssl_conn_t      *sc;

    for (cln = c->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == mx_ssl_conn_cleanup) {
            sc = cln->data;
            return sc->ssl ? sc : NULL;
        }
    }

    return NULL;
}


void
mx_ssl_conn_shutdown(mx_connection_t *c)
{
    mx_ssl_conn_t  *sc;

    sc = mx_ssl_conn_get(c);
    if (sc == NULL) {
        return;
    }

    mx_ssl_shutdown(c, sc->ssl);
    sc->ssl = NULL;
}


/* the socket is closed by now: nothing more can be said to the peer */
static void
mx_ssl_conn_cleanup(void *data)
{
    mx_ssl_conn_t  *sc = data;

    if (sc->ssl) {
        SSL_free(sc->ssl);
        sc->ssl = NULL;
    }
}


/* ----------------------------------------------------------------- I/O */

int
mx_ssl_handshake(mx_connection_t *c, SSL *ssl, int *want)
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
        *want = MX_SSL_WANT_READ;
        return MX_AGAIN;
    }

    if (sslerr == SSL_ERROR_WANT_WRITE) {
        *want = MX_SSL_WANT_WRITE;
        return MX_AGAIN;
    }

    c->error = 1;

    if (sslerr == SSL_ERROR_ZERO_RETURN || ERR_peek_error() == 0) {
        mx_log_error(err == 0 || mx_ssl_peer_errno(err) ? MX_LOG_ERR
                                                        : MX_LOG_ALERT,
                     &c->log, err, "peer closed connection in SSL handshake");
        return MX_ERROR;
    }

    mx_ssl_conn_error(c, sslerr, err, "SSL_do_handshake() failed");

    return MX_ERROR;
}


ssize_t
mx_ssl_recv(mx_connection_t *c, SSL *ssl, u_char *buf, size_t size,
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
        *want = MX_SSL_WANT_READ;
        return MX_AGAIN;

    case SSL_ERROR_WANT_WRITE:
        *want = MX_SSL_WANT_WRITE;
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
    mx_ssl_conn_error(c, sslerr, *err, "SSL_read() failed");

    return MX_ERROR;
}


ssize_t
mx_ssl_send(mx_connection_t *c, SSL *ssl, const u_char *buf, size_t size,
    int *want, int *err)
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
        *want = MX_SSL_WANT_WRITE;
        return MX_AGAIN;
    }

    if (sslerr == SSL_ERROR_WANT_READ) {
        *want = MX_SSL_WANT_READ;
        return MX_AGAIN;
    }

    if (sslerr == SSL_ERROR_SYSCALL) {
        *err = errno;
    }

    c->error = 1;
    mx_ssl_conn_error(c, sslerr, *err, "SSL_write() failed");

    return MX_ERROR;
}


void
mx_ssl_shutdown(mx_connection_t *c, SSL *ssl)
{
    if (ssl == NULL) {
        return;
    }

    if (SSL_is_init_finished(ssl) && !c->error && c->fd != -1) {
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
mx_ssl_conn_error(mx_connection_t *c, int sslerr, int err, const char *text)
{
    int        reason;
    mx_uint_t  level;

    level = MX_LOG_CRIT;

    if (sslerr == SSL_ERROR_SYSCALL) {
        if (mx_ssl_peer_errno(err)) {
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

    mx_ssl_error(level, &c->log, err, text);
}


/* what the peer or the network did */
static int
mx_ssl_peer_errno(int err)
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


void
mx_ssl_error(mx_uint_t level, mx_log_t *log, int err, const char *text)
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
