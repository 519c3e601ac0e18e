#include "mx_lua_ssl.h"


static SSL_CTX *mx_lua_ssl_create_ctx(mx_conf_t *cf,
    mx_http_lua_loc_conf_t *conf);


char *
mx_lua_ssl_set_protocols(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_uint_t           *bits, i, bit;
    mx_str_t            *value;

    mx_unused(cmd);

    bits = &((mx_http_lua_loc_conf_t *) conf)->ssl_protocols;
    value = cf->args->elts;

    /* as nginx's bitmask slots: a repeated directive adds to the set */
    for (i = 1; i < cf->args->nelts; i++) {
        bit = mx_ssl_protocol_bit(value[i].data, value[i].len);

        if (bit == 0) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid value \"%.*s\"",
                              MX_STR_ARG(value[i]));
            return MX_CONF_ERROR;
        }

        if (*bits & bit) {
            mx_conf_log_error(MX_LOG_WARN, cf, 0, "duplicate value \"%.*s\"",
                              MX_STR_ARG(value[i]));

        } else {
            *bits |= MX_SSL_PROTO_SET | bit;
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
                              : (MX_SSL_PROTO_SET|MX_SSL_SSLv3|MX_SSL_TLSv1
                                 |MX_SSL_TLSv1_1|MX_SSL_TLSv1_2);
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

    cln->handler = mx_ssl_ctx_cleanup;
    cln->data = ctx;

    conf->ssl_ctx = ctx;

    if (inherited) {
        prev->ssl_ctx = ctx;
    }

    return MX_CONF_OK;
}


static SSL_CTX *
mx_lua_ssl_create_ctx(mx_conf_t *cf, mx_http_lua_loc_conf_t *conf)
{
    mx_ssl_client_conf_t  scf;
    mx_str_t              ciphers, trusted;

    memset(&scf, 0, sizeof(mx_ssl_client_conf_t));

    if (mx_str_dup(cf->pool, &ciphers, conf->ssl_ciphers.data,
                   conf->ssl_ciphers.len) != MX_OK)
    {
        return NULL;
    }

    scf.protocols = conf->ssl_protocols;
    scf.ciphers = (char *) ciphers.data;
    scf.verify_depth = conf->ssl_verify_depth;

    if (conf->ssl_trusted_certificate.len) {
        trusted = conf->ssl_trusted_certificate;

        if (mx_conf_full_name(cf->cycle, &trusted, 1) != MX_OK
            || mx_str_dup(cf->pool, &trusted, trusted.data, trusted.len)
               != MX_OK)
        {
            return NULL;
        }

        scf.trusted_certificate = (char *) trusted.data;
    }

    return mx_ssl_client_ctx_create(&scf, cf->log);
}
