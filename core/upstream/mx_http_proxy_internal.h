#ifndef MX_HTTP_PROXY_INTERNAL_H
#define MX_HTTP_PROXY_INTERNAL_H

#include "mx_http_upstream.h"

/*
 * Shared by the proxy module's files (mx_http_proxy_module.c: directives,
 * conf, variables, the handler; mx_http_proxy_request.c: the request and
 * the response header) and by nothing else.
 */

typedef enum {
    MX_PROXY_HDR_VALUE = 0,       /* a (complex) value; empty: not sent */
    MX_PROXY_HDR_BODY_LENGTH,     /* $proxy_internal_body_length */
    MX_PROXY_HDR_CHUNKED          /* $proxy_internal_chunked */
} mx_proxy_hdr_kind_e;

typedef struct {
    mx_str_t                   name;
    mx_http_complex_value_t    value;
    mx_proxy_hdr_kind_e        kind;
} mx_http_proxy_header_t;

typedef struct {
    mx_str_t                   name;
    mx_str_t                   value;
} mx_http_proxy_keyval_t;

typedef struct {
    mx_http_complex_value_t    from;
    mx_http_complex_value_t    to;
    mx_http_regex_t           *regex;      /* "~from" */
} mx_http_proxy_redirect_t;

typedef struct {
    mx_str_t                   host;       /* "127.0.0.1", "backend" */
    mx_str_t                   host_header;  /* $proxy_host */
    mx_str_t                   port_text;    /* $proxy_port */
    mx_str_t                   uri;        /* "/..." or "" */
    mx_str_t                   rest;       /* after "http://" */
    in_port_t                  port;       /* 0: none given */
    unsigned                   unix_socket:1;
    unsigned                   ssl:1;      /* "https://" */
} mx_http_proxy_url_t;

/* per request, when proxy_pass has variables */
typedef struct {
    mx_str_t                   host_header;
    mx_str_t                   port_text;
    mx_str_t                   uri;
} mx_http_proxy_ctx_t;

typedef struct {
    mx_http_upstream_conf_t    upstream;

    mx_http_complex_value_t   *url_cv;     /* proxy_pass with variables */
    mx_str_t                   url;        /* the proxy_pass argument */
    mx_str_t                   location;   /* replaced by the URI part */
    mx_str_t                   uri;        /* the URI part, "" if none */
    mx_str_t                   host_header;  /* $proxy_host */
    mx_str_t                   port_text;    /* $proxy_port */
    mx_str_t                   host;       /* the default proxy_ssl_name */
    unsigned                   ssl:1;      /* proxy_pass https:// */

    /* proxy_ssl_*: the settings of upstream.ssl_ctx */
    mx_uint_t                  ssl_protocols;  /* MX_SSL_* bits, 0: unset */
    mx_str_t                   ssl_ciphers;
    mx_str_t                   ssl_trusted_certificate;
    mx_int_t                   ssl_verify_depth;
    mx_str_t                   ssl_certificate;
    mx_str_t                   ssl_certificate_key;

    mx_array_t                *headers_source;  /* mx_http_proxy_keyval_t */
    mx_array_t                *headers;         /* mx_http_proxy_header_t */
    mx_array_t                *hide_headers;    /* mx_str_t */
    mx_array_t                *pass_headers;    /* mx_str_t */
    mx_array_t                *hide;            /* lowercase, merged */

    mx_uint_t                  http_version;
    mx_flag_t                  redirect;
    mx_array_t                *redirects;  /* mx_http_proxy_redirect_t */
} mx_http_proxy_loc_conf_t;

extern mx_module_t  mx_http_proxy_module;

/* the location's proxy conf of r */
mx_http_proxy_loc_conf_t *mx_http_proxy_conf(mx_http_request_t *r);

/* 1 when name (any case) is in a (mx_str_t), else 0; a may be NULL */
int mx_http_proxy_name_in(const mx_array_t *a, const u_char *name,
    size_t len);

/* $proxy_internal_body_length: MX_OK with *v, MX_DECLINED without body */
int mx_http_proxy_var_body_length(mx_http_request_t *r, mx_str_t *v,
    uintptr_t data);

/* builds u->request_head and u->uri; MX_OK or MX_ERROR */
int mx_http_proxy_create_request(mx_http_request_t *r);

/* copies the upstream's header into r->headers_out; MX_OK or MX_ERROR */
int mx_http_proxy_process_header(mx_http_request_t *r);

#endif /* MX_HTTP_PROXY_INTERNAL_H */
