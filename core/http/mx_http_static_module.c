#include "mx_http.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <arpa/inet.h>

/*
 * Static files: the content phase handler run for locations without a
 * handler of their own. It does what nginx's index and static modules do
 * together: "/dir/" tries the index files and internally redirects to the
 * first one that exists; "/dir" redirects to "/dir/"; a file is sent as an
 * in_file buffer. It also answers conditional requests (If-Modified-Since,
 * If-None-Match, If-Match, If-Unmodified-Since) as nginx's not_modified
 * filter does for static files.
 */

static int mx_http_static_postconfiguration(mx_conf_t *cf);

static mx_http_module_t  mx_http_static_module_ctx = {
    NULL,                                  /* preconfiguration */
    mx_http_static_postconfiguration,      /* postconfiguration */
    NULL, NULL,                            /* main conf */
    NULL, NULL,                            /* srv conf */
    NULL, NULL                             /* loc conf */
};

static mx_command_t  mx_http_static_commands[] = {
    mx_null_command
};

mx_module_t  mx_http_static_module = {
    "mx_http_static_module",
    0, 0,
    MX_HTTP_MODULE,
    &mx_http_static_module_ctx,
    mx_http_static_commands,
    NULL, NULL, NULL
};


static void
mx_http_static_close_file(void *data)
{
    int  *fd = data;

    if (*fd != -1) {
        close(*fd);
        *fd = -1;
    }
}


static mx_http_core_loc_conf_t *
mx_http_static_clcf(mx_http_request_t *r)
{
    return mx_http_get_module_loc_conf(r, mx_http_core_module);
}


int
mx_http_map_uri_to_path(mx_http_request_t *r, mx_str_t *path,
    size_t *root_len, size_t reserved)
{
    mx_http_core_loc_conf_t  *clcf;
    mx_str_t                  root, prefix;
    size_t                    len;
    u_char                   *p;

    clcf = r->loc_conf ? mx_http_static_clcf(r) : NULL;

    if (clcf != NULL && clcf->root.len) {
        root = clcf->root;

    } else {
        mx_str_set(&root, "html");
    }

    /* "root /srv/html/;" is "/srv/html", as in nginx */
    while (root.len > 1 && root.data[root.len - 1] == '/') {
        root.len--;
    }

    prefix.len = 0;
    prefix.data = NULL;

    if (root.data[0] != '/') {
        if (mx_cycle != NULL && mx_cycle->prefix.len) {
            prefix = mx_cycle->prefix;

        } else {
            mx_str_set(&prefix, MX_PREFIX);
        }
    }

    len = prefix.len + root.len + r->uri.len;
    if (len < r->uri.len || len + reserved + 1 < len) {
        return MX_ERROR;
    }

    p = mx_pnalloc(r->pool, len + reserved + 1);
    if (p == NULL) {
        return MX_ERROR;
    }

    path->data = p;

    if (prefix.len) {
        memcpy(p, prefix.data, prefix.len);
        p += prefix.len;
    }

    memcpy(p, root.data, root.len);
    p += root.len;

    if (root.len == 1 && root.data[0] == '/' && r->uri.len
        && r->uri.data[0] == '/')
    {
        /* "root /;" must not give "//uri" */
        p--;
    }

    *root_len = p - path->data;

    if (r->uri.len) {
        memcpy(p, r->uri.data, r->uri.len);
        p += r->uri.len;
    }

    *p = '\0';
    path->len = p - path->data;

    return MX_OK;
}


int
mx_http_set_content_type(mx_http_request_t *r)
{
    mx_http_core_loc_conf_t  *clcf;
    mx_http_type_t           *types;
    mx_array_t               *a;
    mx_str_t                  exten;
    u_char                    buf[32], *low;
    size_t                    i;
    mx_uint_t                 n;

    if (r->headers_out.content_type.len) {
        return MX_OK;
    }

    clcf = mx_http_static_clcf(r);

    /* the extension of r->uri's last segment, as ngx_http_set_exten() */
    exten.len = 0;
    exten.data = NULL;

    for (i = r->uri.len; i-- > 1; ) {
        if (r->uri.data[i] == '.' && r->uri.data[i - 1] != '/') {
            exten.data = &r->uri.data[i + 1];
            exten.len = r->uri.len - i - 1;
            break;
        }

        if (r->uri.data[i] == '/') {
            break;
        }
    }

    a = clcf->types;

    if (exten.len && a != NULL && a->nelts) {
        low = exten.data;

        for (i = 0; i < exten.len; i++) {
            if (exten.data[i] >= 'A' && exten.data[i] <= 'Z') {
                break;
            }
        }

        if (i < exten.len) {
            low = exten.len <= sizeof(buf) ? buf
                                           : mx_pnalloc(r->pool, exten.len);
            if (low == NULL) {
                return MX_ERROR;
            }

            mx_strlow(low, exten.data, exten.len);
        }

        types = a->elts;

        for (n = 0; n < a->nelts; n++) {
            if (types[n].exten.len == exten.len
                && memcmp(types[n].exten.data, low, exten.len) == 0)
            {
                r->headers_out.content_type = types[n].type;
                r->headers_out.content_type_set = 1;
                return MX_OK;
            }
        }
    }

    if (clcf->default_type.len == 0) {
        return MX_DECLINED;
    }

    r->headers_out.content_type = clcf->default_type;
    r->headers_out.content_type_set = 1;
    return MX_OK;
}


/* nginx's ngx_http_test_if_match(): header lists etags, or "*" */
static int
mx_http_static_etag_match(const mx_str_t *list, const mx_str_t *etag,
    int weak)
{
    u_char  *start, *end, ch;

    if (list->len == 1 && list->data[0] == '*') {
        return 1;
    }

    start = list->data;
    end = start + list->len;

    while (start < end) {
        if (weak && end - start > 2 && start[0] == 'W' && start[1] == '/') {
            start += 2;
        }

        if (etag->len > (size_t) (end - start)) {
            return 0;
        }

        if (memcmp(start, etag->data, etag->len) != 0) {
            goto skip;
        }

        start += etag->len;

        while (start < end) {
            ch = *start;
            if (ch == ' ' || ch == '\t') {
                start++;
                continue;
            }
            break;
        }

        if (start == end || *start == ',') {
            return 1;
        }

    skip:

        while (start < end && *start != ',') {
            start++;
        }

        while (start < end) {
            ch = *start;
            if (ch == ' ' || ch == '\t' || ch == ',') {
                start++;
                continue;
            }
            break;
        }
    }

    return 0;
}


/*
 * The not_modified filter's decision for a 200 with Last-Modified and
 * ETag: 0 to send the file, 304, or 412.
 */
static mx_uint_t
mx_http_static_conditional(mx_http_request_t *r, const mx_str_t *etag)
{
    mx_table_elt_t  *h, *ims, *inm;
    time_t           t, lm;

    lm = r->headers_out.last_modified_time;

    h = mx_http_find_header_in(r, (u_char *) "if-unmodified-since", 19);
    if (h != NULL) {
        t = mx_parse_http_time(h->value.data, h->value.len);
        if (lm == -1 || t < lm) {
            return 412;
        }
    }

    h = mx_http_find_header_in(r, (u_char *) "if-match", 8);
    if (h != NULL && !mx_http_static_etag_match(&h->value, etag, 0)) {
        return 412;
    }

    ims = mx_http_find_header_in(r, (u_char *) "if-modified-since", 17);
    inm = mx_http_find_header_in(r, (u_char *) "if-none-match", 13);

    if (ims == NULL && inm == NULL) {
        return 0;
    }

    /* "if_modified_since exact", nginx's default */
    if (ims != NULL) {
        t = mx_parse_http_time(ims->value.data, ims->value.len);
        if (lm == -1 || t != lm) {
            return 0;
        }
    }

    if (inm != NULL && !mx_http_static_etag_match(&inm->value, etag, 1)) {
        return 0;
    }

    return 304;
}


static int
mx_http_static_unsafe_uri(const mx_str_t *uri)
{
    const u_char  *p, *last;

    if (uri->len == 0 || uri->data[0] != '/') {
        return 1;
    }

    if (memchr(uri->data, '\0', uri->len) != NULL) {
        return 1;
    }

    p = uri->data;
    last = p + uri->len;

    /* "/../" or a trailing "/.." must have been resolved by the parser */
    for ( /* void */ ; p + 3 <= last; p++) {
        if (p[0] == '/' && p[1] == '.' && p[2] == '.'
            && (p + 3 == last || p[3] == '/'))
        {
            return 1;
        }
    }

    return 0;
}


/* the directory redirect: "http://host[:port]/uri/[?args]" */
static int
mx_http_static_location(mx_http_request_t *r)
{
    const struct sockaddr  *sa;
    mx_connection_t        *c;
    mx_table_elt_t         *h;
    mx_str_t                scheme, host;
    u_char                  addr[INET6_ADDRSTRLEN + 2], *loc, *p;
    in_port_t               port;
    socklen_t               slen;
    size_t                  len;
    int                     https;

    c = r->connection;

    if (r->schema.len) {
        scheme = r->schema;

    } else {
        mx_str_set(&scheme, "http");
    }

    https = (scheme.len == 5);

    if (c->local_socklen == 0) {
        slen = sizeof(c->local_sockaddr);
        if (getsockname(c->fd, (struct sockaddr *) &c->local_sockaddr, &slen)
            == 0)
        {
            c->local_socklen = slen;
        }
    }

    sa = (const struct sockaddr *) &c->local_sockaddr;
    port = 0;

    if (sa->sa_family == AF_INET) {
        port = ntohs(((const struct sockaddr_in *) sa)->sin_port);

    } else if (sa->sa_family == AF_INET6) {
        port = ntohs(((const struct sockaddr_in6 *) sa)->sin6_port);
    }

    if (r->headers_in.server.len) {
        host = r->headers_in.server;

    } else {
        host.data = addr;
        host.len = 0;

        if (sa->sa_family == AF_INET) {
            inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr,
                      (char *) addr, sizeof(addr));
            host.len = strlen((char *) addr);

        } else if (sa->sa_family == AF_INET6) {
            addr[0] = '[';
            inet_ntop(AF_INET6,
                      &((const struct sockaddr_in6 *) sa)->sin6_addr,
                      (char *) addr + 1, sizeof(addr) - 2);
            host.len = strlen((char *) addr);
            addr[host.len++] = ']';
        }
    }

    if ((https && port == 443) || (!https && port == 80)) {
        port = 0;
    }

    len = scheme.len + sizeof("://") - 1 + host.len + sizeof(":65535") - 1
          + r->uri.len + 1 + (r->args.len ? 1 + r->args.len : 0);

    loc = mx_pnalloc(r->pool, len);
    if (loc == NULL) {
        return MX_ERROR;
    }

    p = loc;
    memcpy(p, scheme.data, scheme.len);
    p += scheme.len;
    memcpy(p, "://", 3);
    p += 3;
    memcpy(p, host.data, host.len);
    p += host.len;

    if (port) {
        *p++ = ':';
        p = mx_sprint_uint(p, port);
    }

    memcpy(p, r->uri.data, r->uri.len);
    p += r->uri.len;
    *p++ = '/';

    if (r->args.len) {
        *p++ = '?';
        memcpy(p, r->args.data, r->args.len);
        p += r->args.len;
    }

    h = mx_http_add_header_out(r, (u_char *) "Location", 8, loc, p - loc);
    if (h == NULL) {
        return MX_ERROR;
    }

    r->headers_out.location = h;
    return MX_OK;
}


/* "uri/": the first index file that exists, else 403 or 404 */
static int
mx_http_static_index(mx_http_request_t *r)
{
    mx_http_core_loc_conf_t  *clcf;
    mx_connection_t          *c;
    mx_str_t                 *index, def, path, uri;
    mx_uint_t                 i, n;
    size_t                    root, reserve;
    struct stat               st;
    int                       dir_tested, err;
    u_char                   *name, *p;

    c = r->connection;
    clcf = mx_http_static_clcf(r);

    if (clcf->index != NULL && clcf->index->nelts) {
        index = clcf->index->elts;
        n = clcf->index->nelts;

    } else {
        mx_str_set(&def, "index.html");
        index = &def;
        n = 1;
    }

    reserve = 0;
    for (i = 0; i < n; i++) {
        reserve = mx_max(reserve, index[i].len);
    }

    if (mx_http_map_uri_to_path(r, &path, &root, reserve) != MX_OK) {
        return 500;
    }

    name = path.data + path.len;
    dir_tested = 0;

    for (i = 0; i < n; i++) {
        if (index[i].len == 0) {
            continue;
        }

        if (index[i].data[0] == '/') {
            /* an absolute index: the fallback URI, tried as it is */
            return mx_http_internal_redirect(r, &index[i], &r->args);
        }

        memcpy(name, index[i].data, index[i].len);
        name[index[i].len] = '\0';

        if (stat((char *) path.data, &st) == -1) {
            err = errno;

            if (err == EACCES) {
                mx_log_error(MX_LOG_ERR, &c->log, err,
                             "\"%s\" is forbidden", path.data);
                return 403;
            }

            if (err == ENOTDIR || err == ENAMETOOLONG) {
                mx_log_error(MX_LOG_ERR, &c->log, err,
                             "\"%s\" is not found", path.data);
                return 404;
            }

            if (!dir_tested) {
                /* a missing directory is a 404, as in nginx */
                *name = '\0';

                if (stat((char *) path.data, &st) == -1) {
                    err = errno;
                    memcpy(name, index[i].data, index[i].len);

                    if (err == ENOENT) {
                        mx_log_error(MX_LOG_ERR, &c->log, err,
                                     "\"%s\" is not found", path.data);
                        return 404;
                    }

                    if (err != EACCES) {
                        mx_log_error(MX_LOG_CRIT, &c->log, err,
                                     "stat() \"%s\" failed", path.data);
                        return 500;
                    }

                } else if (!S_ISDIR(st.st_mode)) {
                    mx_log_error(MX_LOG_ALERT, &c->log, 0,
                                 "\"%s\" is not a directory", path.data);
                    return 500;
                }

                dir_tested = 1;
            }

            continue;
        }

        uri.len = r->uri.len + index[i].len;
        uri.data = mx_pnalloc(r->pool, uri.len + 1);
        if (uri.data == NULL) {
            return 500;
        }

        p = uri.data;
        memcpy(p, r->uri.data, r->uri.len);
        memcpy(p + r->uri.len, index[i].data, index[i].len);
        p[uri.len] = '\0';

        return mx_http_internal_redirect(r, &uri, &r->args);
    }

    *name = '\0';
    mx_log_error(MX_LOG_ERR, &c->log, 0,
                 "directory index of \"%s\" is forbidden", path.data);
    return 403;
}


static int
mx_http_static_handler(mx_http_request_t *r)
{
    mx_connection_t     *c;
    mx_pool_cleanup_t   *cln;
    mx_table_elt_t      *h;
    mx_chain_t          *out;
    mx_buf_t            *b;
    mx_str_t             path, etag;
    size_t               root;
    struct stat          st;
    mx_uint_t            level, status;
    int                  rc, err, *fdp;
    u_char              *p;

    if (!(r->method & (MX_HTTP_GET | MX_HTTP_HEAD | MX_HTTP_POST))) {
        return 405;
    }

    if (mx_http_static_unsafe_uri(&r->uri)) {
        return 400;
    }

    if (r->uri.data[r->uri.len - 1] == '/') {
        return mx_http_static_index(r);
    }

    c = r->connection;

    if (mx_http_map_uri_to_path(r, &path, &root, 1) != MX_OK) {
        return 500;
    }

    cln = mx_pool_cleanup_add(r->pool, sizeof(int));
    if (cln == NULL) {
        return 500;
    }

    fdp = cln->data;
    *fdp = -1;
    cln->handler = mx_http_static_close_file;

    *fdp = open((char *) path.data, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

    if (*fdp == -1) {
        err = errno;

        switch (err) {
        case ENOENT:
        case ENOTDIR:
        case ENAMETOOLONG:
            level = MX_LOG_ERR;
            rc = 404;
            break;

        case EACCES:
        case EMLINK:
        case ELOOP:
            level = MX_LOG_ERR;
            rc = 403;
            break;

        default:
            level = MX_LOG_CRIT;
            rc = 500;
            break;
        }

        mx_log_error(level, &c->log, err, "open() \"%s\" failed", path.data);
        return rc;
    }

    if (fstat(*fdp, &st) == -1) {
        mx_log_error(MX_LOG_CRIT, &c->log, errno,
                     "fstat() \"%s\" failed", path.data);
        return 500;
    }

    if (S_ISDIR(st.st_mode)) {
        close(*fdp);
        *fdp = -1;

        if (mx_http_static_location(r) != MX_OK) {
            return 500;
        }

        return 301;
    }

    if (!S_ISREG(st.st_mode)) {
        mx_log_error(MX_LOG_CRIT, &c->log, 0,
                     "\"%s\" is not a regular file", path.data);
        return 404;
    }

    if (r->method == MX_HTTP_POST) {
        return 405;
    }

    if (mx_http_discard_request_body(r) != MX_OK) {
        return 500;
    }

    r->headers_out.status = 200;
    r->headers_out.content_length_n = st.st_size;
    r->headers_out.last_modified_time = st.st_mtime;

    /* nginx's "%xT-%xO" */
    p = mx_pnalloc(r->pool, 2 + 16 + 1 + 16 + 1);
    if (p == NULL) {
        return 500;
    }

    etag.data = p;
    *p++ = '"';
    p = mx_sprint_hex(p, (uint64_t) st.st_mtime);
    *p++ = '-';
    p = mx_sprint_hex(p, (uint64_t) st.st_size);
    *p++ = '"';
    etag.len = p - etag.data;

    h = mx_http_add_header_out(r, (u_char *) "ETag", 4, etag.data, etag.len);
    if (h == NULL) {
        return 500;
    }

    if (mx_http_set_content_type(r) == MX_ERROR) {
        return 500;
    }

    status = mx_http_static_conditional(r, &etag);

    if (status == 412) {
        /* an error page: without the file's validators, as nginx */
        h->hash = 0;
        r->headers_out.last_modified_time = -1;
        r->headers_out.content_length_n = -1;
        r->headers_out.content_type.len = 0;
        r->headers_out.content_type_set = 0;
        return 412;
    }

    if (status == 304) {
        r->headers_out.status = 304;
        r->headers_out.status_line.len = 0;
        r->headers_out.content_type.len = 0;
        r->headers_out.content_type.data = NULL;
        r->headers_out.content_length_n = -1;
        r->header_only = 1;
    }

    /* allocate before the header goes out, as nginx does */
    b = mx_pcalloc(r->pool, sizeof(mx_buf_t));
    out = mx_palloc(r->pool, sizeof(mx_chain_t));
    if (b == NULL || out == NULL) {
        return 500;
    }

    rc = mx_http_send_header(r);

    if (rc == MX_ERROR || rc > MX_OK || r->header_only
        || r->method == MX_HTTP_HEAD)
    {
        return rc;
    }

    b->fd = *fdp;
    b->file_pos = 0;
    b->file_last = st.st_size;
    b->in_file = st.st_size ? 1 : 0;
    b->last_buf = 1;

    out->buf = b;
    out->next = NULL;

    rc = mx_http_output_filter(r, out);

    if (rc == MX_AGAIN) {
        /* queued: the protocol writes the rest, the fd lives till then */
        return MX_OK;
    }

    return rc;
}


static int
mx_http_static_postconfiguration(mx_conf_t *cf)
{
    mx_http_core_main_conf_t  *cmcf;
    mx_http_handler_pt        *h;

    cmcf = mx_http_conf_get_module_main_conf(cf, mx_http_core_module);

    h = mx_array_push(&cmcf->phases[MX_HTTP_CONTENT_PHASE].handlers);
    if (h == NULL) {
        return MX_ERROR;
    }

    *h = mx_http_static_handler;
    return MX_OK;
}
