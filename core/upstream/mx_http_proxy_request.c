#include "mx_http_proxy_internal.h"

/*
 * The proxy's side of the exchange: the request sent upstream (nginx's
 * URI rules, proxy_set_header over the defaults, then the client's
 * headers) and the response header copied to the client (hidden headers
 * left out, Location rewritten by proxy_redirect).
 */


/* nginx's NGX_ESCAPE_URI: space, '#', '%', '?', controls and non-ASCII */
static int
mx_http_proxy_must_escape(u_char ch)
{
    return ch <= 0x20 || ch >= 0x7f || ch == '#' || ch == '%' || ch == '?';
}


static size_t
mx_http_proxy_escape(u_char *dst, const u_char *src, size_t len)
{
    static const u_char  hex[] = "0123456789ABCDEF";
    size_t               i, n;

    n = 0;
    for (i = 0; i < len; i++) {
        if (mx_http_proxy_must_escape(src[i])) {
            if (dst) {
                *dst++ = '%';
                *dst++ = hex[src[i] >> 4];
                *dst++ = hex[src[i] & 0xf];
            }
            n += 3;

        } else {
            if (dst) {
                *dst++ = src[i];
            }
            n++;
        }
    }

    return n;
}


static int
mx_http_proxy_hex(u_char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c = mx_tolower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


/*
 * Whether the request line's URI still is what r->uri and r->args say
 * (nginx's r->valid_unparsed_uri, which moxy's core does not keep): the
 * path decoded, with slashes merged, must equal r->uri. *quoted is set
 * when the path had %-escapes (nginx's r->quoted_uri).
 */
static int
mx_http_proxy_unparsed_valid(mx_http_request_t *r, mx_str_t *raw,
    int *quoted)
{
    u_char  *p, *end, *q, *u, *uend, ch, prev;
    int      hi, lo;

    *quoted = 0;
    p = r->unparsed_uri.data;
    end = p + r->unparsed_uri.len;

    if (p == NULL || p == end) {
        return 0;
    }

    if (*p != '/') {
        /* absolute form: the path starts after the host */
        if (end - p > 7 && mx_strcasecmp_n(p, (u_char *) "http://", 7) == 0)
        {
            p += 7;
        } else if (end - p > 8
                   && mx_strcasecmp_n(p, (u_char *) "https://", 8) == 0)
        {
            p += 8;
        } else {
            return 0;
        }

        while (p < end && *p != '/') {
            p++;
        }

        if (p == end) {
            return 0;
        }
    }

    raw->data = p;
    raw->len = end - p;

    q = memchr(p, '?', end - p);
    if (q) {
        if (r->args.len != (size_t) (end - q - 1)
            || (r->args.len && memcmp(r->args.data, q + 1, r->args.len)))
        {
            return 0;
        }
        end = q;

    } else if (r->args.len) {
        return 0;
    }

    if (r->internal || r->uri_changes) {
        return 0;
    }

    u = r->uri.data;
    uend = u + r->uri.len;
    prev = '\0';

    while (p < end) {
        ch = *p++;

        if (ch == '%' && end - p >= 2) {
            hi = mx_http_proxy_hex(p[0]);
            lo = mx_http_proxy_hex(p[1]);
            if (hi >= 0 && lo >= 0) {
                ch = (u_char) (hi * 16 + lo);
                p += 2;
                *quoted = 1;
            }
        }

        /* the core merges slashes */
        if (ch == '/' && prev == '/') {
            continue;
        }

        if (u == uend || *u != ch) {
            return 0;
        }

        prev = ch;
        u++;
    }

    return u == uend;
}


static int
mx_http_proxy_build_uri(mx_http_request_t *r,
    mx_http_proxy_loc_conf_t *plcf, mx_str_t *uri)
{
    mx_http_proxy_ctx_t  *ctx;
    mx_str_t              raw, rest;
    size_t                loc_len, len;
    int                   quoted, escape, valid;
    u_char               *p;

    ctx = mx_http_get_module_ctx(r, mx_http_proxy_module);
    if (ctx && ctx->uri.len) {
        /* proxy_pass with variables and a URI: sent as it is */
        *uri = ctx->uri;
        return MX_OK;
    }

    valid = mx_http_proxy_unparsed_valid(r, &raw, &quoted);

    if (plcf->uri.len == 0 && valid) {
        *uri = raw;
        return MX_OK;
    }

    loc_len = 0;
    if (plcf->uri.len && r->valid_location && plcf->location.len
        && r->uri.len >= plcf->location.len
        && memcmp(r->uri.data, plcf->location.data, plcf->location.len) == 0)
    {
        loc_len = plcf->location.len;
    }

    if (plcf->uri.len && loc_len == 0 && plcf->location.len) {
        /* the URI no longer is in the location ("rewrite ... break"):
         * nginx sends it whole */
        plcf = NULL;
    }

    rest.data = r->uri.data + loc_len;
    rest.len = r->uri.len - loc_len;

    /* nginx escapes a decoded URI when it had escapes or was changed */
    escape = quoted || r->internal || !valid;

    len = (plcf ? plcf->uri.len : 0)
          + (escape ? mx_http_proxy_escape(NULL, rest.data, rest.len)
                    : rest.len)
          + 1 + r->args.len;

    p = mx_pnalloc(r->pool, len);
    if (p == NULL) {
        return MX_ERROR;
    }

    uri->data = p;

    if (plcf) {
        memcpy(p, plcf->uri.data, plcf->uri.len);
        p += plcf->uri.len;
    }

    if (escape) {
        p += mx_http_proxy_escape(p, rest.data, rest.len);
    } else {
        memcpy(p, rest.data, rest.len);
        p += rest.len;
    }

    if (r->args.len) {
        *p++ = '?';
        memcpy(p, r->args.data, r->args.len);
        p += r->args.len;
    }

    uri->len = p - uri->data;
    return MX_OK;
}


int
mx_http_proxy_create_request(mx_http_request_t *r)
{
    mx_http_proxy_loc_conf_t  *plcf = mx_http_proxy_conf(r);
    mx_http_upstream_t        *u = mx_http_upstream_get(r);
    mx_http_proxy_header_t    *ph;
    mx_table_elt_t            *h;
    mx_str_t                  *values, uri;
    mx_uint_t                  i, j, nh;
    size_t                     len;
    u_char                    *p;

    if (mx_http_proxy_build_uri(r, plcf, &uri) != MX_OK) {
        return MX_ERROR;
    }

    u->uri = uri;

    ph = plcf->headers->elts;
    nh = plcf->headers->nelts;

    values = mx_pcalloc(r->pool, nh * sizeof(mx_str_t));
    if (values == NULL) {
        return MX_ERROR;
    }

    len = r->method_name.len + 1 + uri.len + sizeof(" HTTP/1.x\r\n") - 1;

    for (i = 0; i < nh; i++) {
        switch (ph[i].kind) {

        case MX_PROXY_HDR_BODY_LENGTH:
            /* nginx sends the client's length even without the body */
            if (u->body_chunked
                || mx_http_proxy_var_body_length(r, &values[i], 0) != MX_OK)
            {
                values[i].len = 0;
            }
            break;

        case MX_PROXY_HDR_CHUNKED:
            /* a body of a length not known yet, passed on as it comes */
            if (u->body_chunked) {
                mx_str_set(&values[i], "chunked");
            } else {
                values[i].len = 0;
            }
            break;

        default:
            if (ph[i].value.parts == NULL) {
                values[i] = ph[i].value.raw;
            } else if (mx_http_complex_value(r, &ph[i].value, &values[i])
                       != MX_OK)
            {
                return MX_ERROR;
            }
            break;
        }

        if (values[i].len) {
            len += ph[i].name.len + 2 + values[i].len + 2;
        }
    }

    h = r->headers_in.headers.elts;

    if (plcf->upstream.pass_request_headers) {
        for (i = 0; i < r->headers_in.headers.nelts; i++) {
            if (h[i].hash == 0) {
                continue;
            }
            len += h[i].key.len + 2 + h[i].value.len + 2;
        }
    }

    len += 2;

    p = mx_pnalloc(r->pool, len);
    if (p == NULL) {
        return MX_ERROR;
    }

    u->request_head.data = p;

    memcpy(p, r->method_name.data, r->method_name.len);
    p += r->method_name.len;
    *p++ = ' ';
    memcpy(p, uri.data, uri.len);
    p += uri.len;

    if (plcf->http_version == MX_HTTP_VERSION_11) {
        memcpy(p, " HTTP/1.1\r\n", 11);
    } else {
        memcpy(p, " HTTP/1.0\r\n", 11);
    }
    p += 11;

    for (i = 0; i < nh; i++) {
        if (values[i].len == 0) {
            continue;
        }

        memcpy(p, ph[i].name.data, ph[i].name.len);
        p += ph[i].name.len;
        *p++ = ':';
        *p++ = ' ';
        memcpy(p, values[i].data, values[i].len);
        p += values[i].len;
        *p++ = '\r';
        *p++ = '\n';
    }

    if (plcf->upstream.pass_request_headers) {
        for (i = 0; i < r->headers_in.headers.nelts; i++) {
            if (h[i].hash == 0) {
                continue;
            }

            /* a header proxy_set_header (or a default) decides about */
            for (j = 0; j < nh; j++) {
                if (ph[j].name.len == h[i].key.len
                    && mx_strcasecmp_n(ph[j].name.data, h[i].key.data,
                                       h[i].key.len) == 0)
                {
                    break;
                }
            }

            if (j < nh) {
                continue;
            }

            memcpy(p, h[i].key.data, h[i].key.len);
            p += h[i].key.len;
            *p++ = ':';
            *p++ = ' ';
            memcpy(p, h[i].value.data, h[i].value.len);
            p += h[i].value.len;
            *p++ = '\r';
            *p++ = '\n';
        }
    }

    *p++ = '\r';
    *p++ = '\n';

    u->request_head.len = p - u->request_head.data;

    return MX_OK;
}


/* ------------------------------------------------------ response */

/* proxy_redirect: MX_OK (rewritten), MX_DECLINED */
static int
mx_http_proxy_rewrite_location(mx_http_request_t *r,
    mx_http_proxy_loc_conf_t *plcf, mx_table_elt_t *h)
{
    mx_http_proxy_redirect_t  *pr;
    mx_str_t                   from, to, value;
    mx_uint_t                  i;
    u_char                    *p;
    int                        rc;

    if (plcf->redirects == NULL) {
        return MX_DECLINED;
    }

    pr = plcf->redirects->elts;
    value = h->value;

    for (i = 0; i < plcf->redirects->nelts; i++) {

        if (pr[i].regex) {
            rc = mx_http_regex_exec(r, pr[i].regex, &value);
            if (rc == MX_ERROR) {
                return MX_DECLINED;
            }
            if (rc != MX_OK) {
                continue;
            }

            from = value;     /* the whole value is replaced */

        } else {
            from = pr[i].from.raw;
            if (pr[i].from.parts
                && mx_http_complex_value(r, &pr[i].from, &from) != MX_OK)
            {
                return MX_DECLINED;
            }

            if (from.len > value.len
                || memcmp(value.data, from.data, from.len) != 0)
            {
                continue;
            }
        }

        to = pr[i].to.raw;
        if (pr[i].to.parts
            && mx_http_complex_value(r, &pr[i].to, &to) != MX_OK)
        {
            return MX_DECLINED;
        }

        p = mx_pnalloc(r->pool, to.len + value.len - from.len + 1);
        if (p == NULL) {
            return MX_DECLINED;
        }

        memcpy(p, to.data, to.len);
        memcpy(p + to.len, value.data + from.len, value.len - from.len);

        h->value.data = p;
        h->value.len = to.len + value.len - from.len;
        return MX_OK;
    }

    return MX_DECLINED;
}


int
mx_http_proxy_process_header(mx_http_request_t *r)
{
    mx_http_proxy_loc_conf_t  *plcf = mx_http_proxy_conf(r);
    mx_http_upstream_t        *u = mx_http_upstream_get(r);
    mx_table_elt_t            *h, *ho;
    mx_uint_t                  i;
    mx_str_t                  *key, *val;
    off_t                      n;
    size_t                     k;
    int                        have_ct = 0;

    h = u->headers_in.elts;

    for (i = 0; i < u->headers_in.nelts; i++) {
        key = &h[i].key;
        val = &h[i].value;

#define MX_KEY(name)                                                      \
    (key->len == sizeof(name) - 1                                         \
     && mx_strcasecmp_n(key->data, (u_char *) name, sizeof(name) - 1) == 0)

        if (MX_KEY("x-accel-buffering")) {
            if (val->len == 2 && mx_strcasecmp_n(val->data, (u_char *) "no",
                                                 2) == 0)
            {
                u->conf = mx_pcalloc(r->pool,
                                     sizeof(mx_http_upstream_conf_t));
                if (u->conf == NULL) {
                    return MX_ERROR;
                }
                *u->conf = plcf->upstream;
                u->conf->buffering = 0;
            }
        }

        if (mx_http_proxy_name_in(plcf->hide, key->data, key->len)) {
            continue;
        }

        if (MX_KEY("content-length")) {
            n = 0;
            for (k = 0; k < val->len; k++) {
                if (val->data[k] < '0' || val->data[k] > '9'
                    || n > (INT64_MAX - 9) / 10)
                {
                    mx_log_error(MX_LOG_ERR, &u->log, 0,
                                 "upstream sent invalid \"Content-Length\" "
                                 "header: \"%.*s\"", MX_STR_ARG(*val));
                    return MX_ERROR;
                }
                n = n * 10 + (val->data[k] - '0');
            }

            u->content_length_n = n;
            r->headers_out.content_length_n = n;
            continue;
        }

        if (MX_KEY("transfer-encoding") || MX_KEY("connection")
            || MX_KEY("keep-alive"))
        {
            continue;
        }

        if (MX_KEY("content-type")) {
            r->headers_out.content_type = *val;
            r->headers_out.content_type_set = 1;
            have_ct = 1;
            continue;
        }

        ho = mx_http_add_header_out(r, key->data, key->len, val->data,
                                    val->len);
        if (ho == NULL) {
            return MX_ERROR;
        }

        if (MX_KEY("location") && plcf->redirect
            && mx_http_proxy_rewrite_location(r, plcf, ho) == MX_OK)
        {
            /* rewritten ones go through absolute_redirect, as in nginx */
            r->headers_out.location = ho;
        }

#undef MX_KEY
    }

    if (!have_ct) {
        /* no Content-Type from the upstream: none to the client */
        r->headers_out.content_type.len = 0;
        r->headers_out.content_type_set = 1;
    }

    return MX_OK;
}
