#include "mx_http.h"
#include "mx_http_variables_internal.h"

#include <arpa/inet.h>
#include <limits.h>
#include <sys/random.h>

/*
 * The built-in variables with nginx's names and semantics ($uri, $args,
 * $remote_addr, $request_time, $http_*, $cookie_*, $1..$9, ...): their
 * getters and setters and the tables the engine (mx_http_variables.c)
 * looks names up in. A getter computes its value from the request each
 * time it is called; only $request_id is kept, because it must not
 * change within a request.
 */


/* ---------------------------------------------------------- helpers */

static int
mx_http_var_str(mx_str_t *v, const u_char *data, size_t len)
{
    if (data == NULL) {
        return MX_DECLINED;
    }

    v->data = (u_char *) data;
    v->len = len;
    return MX_OK;
}


static int
mx_http_var_static(mx_str_t *v, const char *s)
{
    v->data = (u_char *) s;
    v->len = strlen(s);
    return MX_OK;
}


static int
mx_http_var_uint(mx_http_request_t *r, mx_str_t *v, uint64_t n)
{
    u_char  *p;

    p = mx_pnalloc(r->pool, 21);
    if (p == NULL) {
        return MX_DECLINED;
    }

    v->data = p;
    v->len = mx_sprint_uint(p, n) - p;
    return MX_OK;
}


/* "sec.msec" as in $msec and $request_time */
static int
mx_http_var_msec(mx_http_request_t *r, mx_str_t *v, uint64_t sec,
    mx_uint_t msec)
{
    u_char  *p, *q;

    p = mx_pnalloc(r->pool, 21 + 4);
    if (p == NULL) {
        return MX_DECLINED;
    }

    q = mx_sprint_uint(p, sec);
    *q++ = '.';
    *q++ = (u_char) ('0' + msec / 100 % 10);
    *q++ = (u_char) ('0' + msec / 10 % 10);
    *q++ = (u_char) ('0' + msec % 10);

    v->data = p;
    v->len = q - p;
    return MX_OK;
}


/* the request header name as a variable suffix: lowercase, '-' is '_' */
static int
mx_http_var_header_match(const mx_table_elt_t *h, const u_char *name,
    size_t len)
{
    size_t  n;
    u_char  ch;

    if (h->hash == 0 || h->key.len != len) {
        return 0;
    }

    for (n = 0; n < len; n++) {
        ch = mx_tolower(h->key.data[n]);
        if (ch == '-') {
            ch = '_';
        }

        if (ch != name[n]) {
            return 0;
        }
    }

    return 1;
}


/*
 * The values of all headers named name (variable form) joined with sep,
 * as nginx 1.23+ does for repeated headers.
 */
static int
mx_http_var_headers(mx_http_request_t *r, const mx_array_t *headers,
    const u_char *name, size_t len, const char *sep, mx_str_t *v)
{
    mx_table_elt_t  *h, *first;
    mx_uint_t        i, n;
    size_t           total, seplen;
    u_char          *p;

    if (headers->elts == NULL) {
        return MX_DECLINED;
    }

    h = headers->elts;
    first = NULL;
    n = 0;
    total = 0;
    seplen = strlen(sep);

    for (i = 0; i < headers->nelts; i++) {
        if (!mx_http_var_header_match(&h[i], name, len)) {
            continue;
        }

        if (first == NULL) {
            first = &h[i];
        }

        n++;
        total += h[i].value.len + seplen;
    }

    if (first == NULL) {
        return MX_DECLINED;
    }

    if (n == 1) {
        v->data = first->value.data ? first->value.data : (u_char *) "";
        v->len = first->value.len;
        return MX_OK;
    }

    total -= seplen;

    p = mx_pnalloc(r->pool, total);
    if (p == NULL) {
        return MX_DECLINED;
    }

    v->data = p;
    v->len = total;

    for (i = 0; i < headers->nelts; i++) {
        if (!mx_http_var_header_match(&h[i], name, len)) {
            continue;
        }

        if (p != v->data) {
            memcpy(p, sep, seplen);
            p += seplen;
        }

        memcpy(p, h[i].value.data, h[i].value.len);
        p += h[i].value.len;
    }

    return MX_OK;
}


static const struct sockaddr *
mx_http_var_local_sockaddr(mx_http_request_t *r)
{
    mx_connection_t  *c;
    socklen_t         len;

    c = r->connection;
    if (c == NULL) {
        return NULL;
    }

    if (c->local_socklen == 0) {
        len = sizeof(c->local_sockaddr);
        if (getsockname(c->fd, (struct sockaddr *) &c->local_sockaddr, &len)
            == -1)
        {
            mx_log_error(MX_LOG_CRIT, &c->log, errno, "getsockname() failed");
            return NULL;
        }

        c->local_socklen = len;
    }

    return (const struct sockaddr *) &c->local_sockaddr;
}


static int
mx_http_var_addr_text(mx_http_request_t *r, const struct sockaddr *sa,
    mx_str_t *v)
{
    u_char  *p;

    if (sa == NULL) {
        return MX_DECLINED;
    }

    p = mx_pnalloc(r->pool, INET6_ADDRSTRLEN + sizeof("unix:"));
    if (p == NULL) {
        return MX_DECLINED;
    }

    switch (sa->sa_family) {
    case AF_INET:
        inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr,
                  (char *) p, INET6_ADDRSTRLEN);
        break;

    case AF_INET6:
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) sa)->sin6_addr,
                  (char *) p, INET6_ADDRSTRLEN);
        break;

    case AF_UNIX:
        return mx_http_var_static(v, "unix:");

    default:
        return MX_DECLINED;
    }

    v->data = p;
    v->len = strlen((char *) p);
    return MX_OK;
}


static int
mx_http_var_port(mx_http_request_t *r, const struct sockaddr *sa,
    mx_str_t *v)
{
    in_port_t  port;

    if (sa == NULL) {
        return MX_DECLINED;
    }

    switch (sa->sa_family) {
    case AF_INET:
        port = ntohs(((const struct sockaddr_in *) sa)->sin_port);
        break;
    case AF_INET6:
        port = ntohs(((const struct sockaddr_in6 *) sa)->sin6_port);
        break;
    default:
        /* nginx gives an empty value for unix sockets */
        return mx_http_var_static(v, "");
    }

    return mx_http_var_uint(r, v, port);
}


/* ------------------------------------------------------ the getters */

static int
mx_http_var_request_field(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    const mx_str_t  *s = (const mx_str_t *) ((u_char *) r + data);

    return mx_http_var_str(v, s->data, s->len);
}


static int
mx_http_var_args(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_unused(data);

    /* "/?" has no args either, as in nginx */
    if (r->args.len == 0) {
        return MX_DECLINED;
    }

    return mx_http_var_str(v, r->args.data, r->args.len);
}


static int
mx_http_var_set_args(mx_http_request_t *r, const mx_str_t *v, uintptr_t data)
{
    mx_unused(data);

    r->args.len = v->len;
    r->args.data = v->data ? v->data : (u_char *) "";
    return MX_OK;
}


static int
mx_http_var_is_args(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_unused(data);

    return mx_http_var_static(v, r->args.len ? "?" : "");
}


static int
mx_http_var_scheme(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_unused(data);

    if (r->schema.len) {
        return mx_http_var_str(v, r->schema.data, r->schema.len);
    }

    return mx_http_var_static(v, "http");
}


static int
mx_http_var_https(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_unused(data);

    if (r->schema.len == 5 && mx_strcasecmp_n(r->schema.data,
                                              (u_char *) "https", 5) == 0)
    {
        return mx_http_var_static(v, "on");
    }

    return mx_http_var_static(v, "");
}


static int
mx_http_var_remote_addr(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_connection_t  *c = r->connection;

    mx_unused(data);

    if (c == NULL) {
        return MX_DECLINED;
    }

    if (c->addr_text.len) {
        return mx_http_var_str(v, c->addr_text.data, c->addr_text.len);
    }

    return mx_http_var_addr_text(r, (struct sockaddr *) &c->sockaddr, v);
}


static int
mx_http_var_binary_remote_addr(mx_http_request_t *r, mx_str_t *v,
    uintptr_t data)
{
    const struct sockaddr  *sa;

    mx_unused(data);

    if (r->connection == NULL) {
        return MX_DECLINED;
    }

    sa = (const struct sockaddr *) &r->connection->sockaddr;

    switch (sa->sa_family) {
    case AF_INET:
        v->data = (u_char *) &((struct sockaddr_in *) sa)->sin_addr;
        v->len = 4;
        return MX_OK;
    case AF_INET6:
        v->data = (u_char *) &((struct sockaddr_in6 *) sa)->sin6_addr;
        v->len = 16;
        return MX_OK;
    default:
        return mx_http_var_static(v, "");
    }
}


static int
mx_http_var_remote_port(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_unused(data);

    if (r->connection == NULL) {
        return MX_DECLINED;
    }

    return mx_http_var_port(r, (struct sockaddr *) &r->connection->sockaddr,
                            v);
}


static int
mx_http_var_server_addr(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_unused(data);

    return mx_http_var_addr_text(r, mx_http_var_local_sockaddr(r), v);
}


static int
mx_http_var_server_port(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_unused(data);

    return mx_http_var_port(r, mx_http_var_local_sockaddr(r), v);
}


static int
mx_http_var_server_name(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_unused(data);

    if (r->srv == NULL || r->srv->server_name.data == NULL) {
        return mx_http_var_static(v, "");
    }

    return mx_http_var_str(v, r->srv->server_name.data,
                           r->srv->server_name.len);
}


static int
mx_http_var_host(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    const mx_str_t  *s;
    size_t           i;
    u_char          *p;

    mx_unused(data);

    s = &r->headers_in.server;
    if (s->len == 0) {
        return mx_http_var_server_name(r, v, 0);
    }

    for (i = 0; i < s->len; i++) {
        if (s->data[i] >= 'A' && s->data[i] <= 'Z') {
            break;
        }
    }

    if (i == s->len) {
        return mx_http_var_str(v, s->data, s->len);
    }

    p = mx_pnalloc(r->pool, s->len);
    if (p == NULL) {
        return MX_DECLINED;
    }

    mx_strlow(p, s->data, s->len);
    v->data = p;
    v->len = s->len;
    return MX_OK;
}


static int
mx_http_var_hostname(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    static u_char   name[HOST_NAME_MAX + 1];
    static size_t   len;

    mx_unused(r);
    mx_unused(data);

    if (len == 0) {
        if (gethostname((char *) name, sizeof(name) - 1) == -1) {
            return mx_http_var_static(v, "");
        }

        name[sizeof(name) - 1] = '\0';
        len = strlen((char *) name);
        mx_strlow(name, name, len);
    }

    return mx_http_var_str(v, name, len);
}


static int
mx_http_var_request_length(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_table_elt_t  *h;
    mx_uint_t        i;
    uint64_t         n;

    mx_unused(data);

    /*
     * The parser does not count the bytes it read; this is exact for
     * requests written as "Name: value\r\n".
     */
    n = r->request_line.len + 2 + 2;

    if (r->headers_in.headers.elts) {
        h = r->headers_in.headers.elts;
        for (i = 0; i < r->headers_in.headers.nelts; i++) {
            n += h[i].key.len + 2 + h[i].value.len + 2;
        }
    }

    if (r->request_body) {
        n += r->request_body->received;
    }

    return mx_http_var_uint(r, v, n);
}


static int
mx_http_var_request_body(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_chain_t  *cl;
    size_t       len;
    u_char      *p;

    mx_unused(data);

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return MX_DECLINED;
    }

    len = 0;
    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        if (cl->buf->in_file) {
            return MX_DECLINED;
        }

        len += cl->buf->last - cl->buf->pos;
    }

    cl = r->request_body->bufs;
    if (cl->next == NULL) {
        return mx_http_var_str(v, cl->buf->pos ? cl->buf->pos : (u_char *) "",
                               len);
    }

    p = mx_pnalloc(r->pool, len ? len : 1);
    if (p == NULL) {
        return MX_DECLINED;
    }

    v->data = p;
    v->len = len;

    for ( /* void */ ; cl; cl = cl->next) {
        if (cl->buf->last > cl->buf->pos) {
            memcpy(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
            p += cl->buf->last - cl->buf->pos;
        }
    }

    return MX_OK;
}


static uint64_t
mx_http_var_random(void)
{
    static uint64_t  s[2];
    static pid_t     seeded;
    uint64_t         x, y;

    /* xorshift128+, seeded per process: workers must not share ids */
    if (seeded != getpid()) {
        seeded = getpid();

        if (getrandom(s, sizeof(s), GRND_NONBLOCK) != sizeof(s)) {
            s[0] = (uint64_t) time(NULL) ^ ((uint64_t) seeded << 32);
            s[1] = (uint64_t) mx_current_msec ^ 0x9e3779b97f4a7c15ULL;
        }

        s[0] |= 1;
    }

    x = s[0];
    y = s[1];
    s[0] = y;
    x ^= x << 23;
    s[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
    return s[1] + y;
}


static int
mx_http_var_request_id(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    static const u_char   hex[] = "0123456789abcdef";
    mx_http_var_ctx_t    *ctx;
    uint64_t              a, b;
    u_char               *p;
    int                   i;

    mx_unused(data);

    ctx = r->variables;
    if (ctx != NULL && ctx->request_id.len) {
        *v = ctx->request_id;
        return MX_OK;
    }

    ctx = mx_http_var_ctx(r, NULL);

    p = mx_pnalloc(r->pool, 32);
    if (p == NULL) {
        return MX_DECLINED;
    }

    a = mx_http_var_random();
    b = mx_http_var_random();

    for (i = 0; i < 16; i++) {
        p[i] = hex[(a >> (60 - 4 * i)) & 0xf];
        p[16 + i] = hex[(b >> (60 - 4 * i)) & 0xf];
    }

    v->data = p;
    v->len = 32;

    if (ctx != NULL) {
        ctx->request_id = *v;
    }

    return MX_OK;
}


static int
mx_http_var_request_completion(mx_http_request_t *r, mx_str_t *v,
    uintptr_t data)
{
    mx_unused(data);

    return mx_http_var_static(v, r->done ? "OK" : "");
}


static int
mx_http_var_pipe(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_unused(r);
    mx_unused(data);

    return mx_http_var_static(v, ".");
}


static int
mx_http_var_status(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_uint_t  status;
    u_char    *p;

    mx_unused(data);

    if (r->err_status) {
        status = r->err_status;

    } else if (r->headers_out.status) {
        status = r->headers_out.status;

    } else if (r->http_version == MX_HTTP_VERSION_9) {
        status = 9;

    } else {
        status = 0;
    }

    p = mx_pnalloc(r->pool, 21);
    if (p == NULL) {
        return MX_DECLINED;
    }

    /* "%03ui" */
    if (status < 1000) {
        p[0] = (u_char) ('0' + status / 100 % 10);
        p[1] = (u_char) ('0' + status / 10 % 10);
        p[2] = (u_char) ('0' + status % 10);
        v->len = 3;

    } else {
        v->len = mx_sprint_uint(p, status) - p;
    }

    v->data = p;
    return MX_OK;
}


static int
mx_http_var_body_bytes_sent(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_unused(data);

    return mx_http_var_uint(r, v, r->body_sent > 0 ? r->body_sent : 0);
}


static int
mx_http_var_bytes_sent(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_unused(data);

    return mx_http_var_uint(r, v, r->bytes_sent > 0 ? r->bytes_sent : 0);
}


static int
mx_http_var_content_length(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_table_elt_t  *h = r->headers_in.content_length;

    mx_unused(data);

    if (h != NULL) {
        return mx_http_var_str(v, h->value.data ? h->value.data
                                                : (u_char *) "",
                               h->value.len);
    }

    if (r->request_body && r->headers_in.content_length_n >= 0) {
        return mx_http_var_uint(r, v, r->headers_in.content_length_n);
    }

    return MX_DECLINED;
}


static int
mx_http_var_content_type(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_table_elt_t  *h = r->headers_in.content_type;

    mx_unused(data);

    if (h == NULL) {
        return mx_http_var_headers(r, &r->headers_in.headers,
                                   (u_char *) "content_type", 12, ", ", v);
    }

    return mx_http_var_str(v, h->value.data ? h->value.data : (u_char *) "",
                           h->value.len);
}


static int
mx_http_var_request_time(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    int64_t  ms;

    mx_unused(data);

    ms = (int64_t) (mx_cached_time->sec - r->start_sec) * 1000
         + ((int64_t) mx_cached_time->msec - (int64_t) r->start_msec);
    if (ms < 0) {
        ms = 0;
    }

    return mx_http_var_msec(r, v, (uint64_t) ms / 1000, ms % 1000);
}


static int
mx_http_var_msec_now(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_unused(data);

    return mx_http_var_msec(r, v, (uint64_t) mx_cached_time->sec,
                            mx_cached_time->msec);
}


static int
mx_http_var_cached_str(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    const mx_str_t  *s = (const mx_str_t *) data;
    u_char          *p;

    /* the cached strings change every second: copy */
    p = mx_pnalloc(r->pool, s->len ? s->len : 1);
    if (p == NULL) {
        return MX_DECLINED;
    }

    memcpy(p, s->data, s->len);
    v->data = p;
    v->len = s->len;
    return MX_OK;
}


static int
mx_http_var_pid(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_unused(data);

    return mx_http_var_uint(r, v, (uint64_t) (mx_pid ? mx_pid : getpid()));
}


static int
mx_http_var_literal(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_unused(r);

    return mx_http_var_static(v, (const char *) data);
}


static int
mx_http_var_document_root(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_str_t  path;
    size_t    root;
    mx_str_t  saved;

    mx_unused(data);

    /* map an empty uri to get the root alone */
    saved = r->uri;
    r->uri.len = 0;
    r->uri.data = (u_char *) "";

    if (mx_http_map_uri_to_path(r, &path, &root, 0) != MX_OK) {
        r->uri = saved;
        return MX_DECLINED;
    }

    r->uri = saved;
    v->data = path.data;
    v->len = root;
    return MX_OK;
}


static int
mx_http_var_realpath_root(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    char      real[PATH_MAX];
    mx_str_t  root;

    if (mx_http_var_document_root(r, &root, data) != MX_OK) {
        return MX_DECLINED;
    }

    /* root.data is NUL-terminated at root.len by map_uri_to_path */
    root.data[root.len] = '\0';

    if (realpath((char *) root.data, real) == NULL) {
        mx_log_error(MX_LOG_CRIT, &r->connection->log, errno,
                     "realpath() \"%s\" failed", root.data);
        return MX_DECLINED;
    }

    v->len = strlen(real);
    v->data = mx_pnalloc(r->pool, v->len + 1);
    if (v->data == NULL) {
        return MX_DECLINED;
    }

    memcpy(v->data, real, v->len + 1);
    return MX_OK;
}


static int
mx_http_var_request_filename(mx_http_request_t *r, mx_str_t *v,
    uintptr_t data)
{
    size_t  root;

    mx_unused(data);

    if (mx_http_map_uri_to_path(r, v, &root, 0) != MX_OK) {
        return MX_DECLINED;
    }

    return MX_OK;
}


static int
mx_http_var_connection(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_unused(data);

    if (r->connection == NULL) {
        return MX_DECLINED;
    }

    return mx_http_var_uint(r, v, r->connection->number);
}


static int
mx_http_var_connection_requests(mx_http_request_t *r, mx_str_t *v,
    uintptr_t data)
{
    mx_unused(data);

    if (r->connection == NULL) {
        return MX_DECLINED;
    }

    return mx_http_var_uint(r, v, r->connection->requests);
}


static const signed char  mx_base64_basis[256] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
    -1,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
    -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1
};


/* nginx's ngx_decode_base64(): stops at '=', rejects other bytes */
static ssize_t
mx_http_var_decode_base64(u_char *dst, const u_char *src, size_t len)
{
    size_t   n, i;
    u_char  *d = dst;

    for (n = 0; n < len; n++) {
        if (src[n] == '=') {
            break;
        }

        if (mx_base64_basis[src[n]] < 0) {
            return -1;
        }
    }

    if (n % 4 == 1) {
        return -1;
    }

    for (i = 0; i + 3 < n; i += 4) {
        *d++ = (u_char) (mx_base64_basis[src[i]] << 2
                         | mx_base64_basis[src[i + 1]] >> 4);
        *d++ = (u_char) (mx_base64_basis[src[i + 1]] << 4
                         | mx_base64_basis[src[i + 2]] >> 2);
        *d++ = (u_char) (mx_base64_basis[src[i + 2]] << 6
                         | mx_base64_basis[src[i + 3]]);
    }

    if (n - i > 1) {
        *d++ = (u_char) (mx_base64_basis[src[i]] << 2
                         | mx_base64_basis[src[i + 1]] >> 4);
    }

    if (n - i > 2) {
        *d++ = (u_char) (mx_base64_basis[src[i + 1]] << 4
                         | mx_base64_basis[src[i + 2]] >> 2);
    }

    return d - dst;
}


static int
mx_http_var_remote_user(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_str_t  auth;
    u_char   *p;
    ssize_t   n;
    size_t    i;

    mx_unused(data);

    if (mx_http_var_headers(r, &r->headers_in.headers,
                            (u_char *) "authorization", 13, ", ", &auth)
        != MX_OK)
    {
        return MX_DECLINED;
    }

    if (auth.len < sizeof("Basic ") - 1
        || mx_strcasecmp_n(auth.data, (u_char *) "Basic ", 6) != 0)
    {
        return MX_DECLINED;
    }

    auth.data += 6;
    auth.len -= 6;

    while (auth.len && auth.data[0] == ' ') {
        auth.data++;
        auth.len--;
    }

    if (auth.len == 0) {
        return MX_DECLINED;
    }

    p = mx_pnalloc(r->pool, (auth.len + 3) / 4 * 3 + 1);
    if (p == NULL) {
        return MX_DECLINED;
    }

    n = mx_http_var_decode_base64(p, auth.data, auth.len);
    if (n < 0) {
        return MX_DECLINED;
    }

    for (i = 0; i < (size_t) n; i++) {
        if (p[i] == ':') {
            break;
        }
    }

    if (i == 0 || i == (size_t) n) {
        return MX_DECLINED;
    }

    v->data = p;
    v->len = i;
    return MX_OK;
}


/* ------------------------------------------------ prefix variables */

static const mx_str_t *
mx_http_var_suffix(uintptr_t data, size_t prefix, mx_str_t *s)
{
    const mx_str_t  *name = (const mx_str_t *) data;

    s->data = name->data + prefix;
    s->len = name->len - prefix;
    return s;
}


static int
mx_http_var_http(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_str_t  s;

    mx_http_var_suffix(data, sizeof("http_") - 1, &s);

    return mx_http_var_headers(r, &r->headers_in.headers, s.data, s.len,
                               (s.len == 6 && memcmp(s.data, "cookie", 6) == 0)
                               ? "; " : ", ", v);
}


static int
mx_http_var_arg(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_str_t   s;
    u_char    *p, *last, *start;

    mx_http_var_suffix(data, sizeof("arg_") - 1, &s);

    if (r->args.len == 0 || s.len == 0) {
        return MX_DECLINED;
    }

    p = r->args.data;
    last = p + r->args.len;

    /* nginx's ngx_http_arg(): "name=" at the start or after '&' */
    while (p < last) {
        start = p;

        while (p < last && *p != '&') {
            p++;
        }

        if ((size_t) (p - start) > s.len && start[s.len] == '='
            && mx_strcasecmp_n(start, s.data, s.len) == 0)
        {
            v->data = start + s.len + 1;
            v->len = p - v->data;
            return MX_OK;
        }

        p++;
    }

    return MX_DECLINED;
}


static int
mx_http_var_cookie(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_str_t         s;
    mx_table_elt_t  *h;
    mx_uint_t        i;
    u_char          *start, *end, *last, ch;

    mx_http_var_suffix(data, sizeof("cookie_") - 1, &s);

    if (s.len == 0 || r->headers_in.headers.elts == NULL) {
        return MX_DECLINED;
    }

    h = r->headers_in.headers.elts;

    /* nginx's ngx_http_parse_multi_header_lines() */
    for (i = 0; i < r->headers_in.headers.nelts; i++) {
        if (!mx_http_var_header_match(&h[i], (u_char *) "cookie", 6)) {
            continue;
        }

        start = h[i].value.data;
        end = start + h[i].value.len;

        while (start < end) {
            if ((size_t) (end - start) < s.len
                || mx_strcasecmp_n(start, s.data, s.len) != 0)
            {
                goto skip;
            }

            for (start += s.len; start < end && *start == ' '; start++) {
                /* void */
            }

            if (start == end || *start++ != '=') {
                goto skip;
            }

            while (start < end && *start == ' ') {
                start++;
            }

            last = start;
            while (last < end && *last != ';') {
                last++;
            }

            v->data = start;
            v->len = last - start;
            return MX_OK;

        skip:

            while (start < end) {
                ch = *start++;
                if (ch == ';' || ch == ',') {
                    break;
                }
            }

            while (start < end && *start == ' ') {
                start++;
            }
        }
    }

    return MX_DECLINED;
}


static int
mx_http_var_sent_http(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_str_t          s;
    mx_http_headers_out_t  *ho = &r->headers_out;
    u_char           *p;

    mx_http_var_suffix(data, sizeof("sent_http_") - 1, &s);

    if (s.len == 12 && memcmp(s.data, "content_type", 12) == 0) {
        if (ho->content_type.len) {
            return mx_http_var_str(v, ho->content_type.data,
                                   ho->content_type.len);
        }
    }

    if (mx_http_var_headers(r, &ho->headers, s.data, s.len, ", ", v)
        == MX_OK)
    {
        return MX_OK;
    }

    if (s.len == 14 && memcmp(s.data, "content_length", 14) == 0) {
        if (ho->content_length_n >= 0) {
            return mx_http_var_uint(r, v, ho->content_length_n);
        }

    } else if (s.len == 13 && memcmp(s.data, "last_modified", 13) == 0) {
        if (ho->last_modified_time >= 0) {
            p = mx_pnalloc(r->pool, 30);
            if (p == NULL) {
                return MX_DECLINED;
            }

            v->data = p;
            v->len = mx_http_time(p, ho->last_modified_time) - p;
            return MX_OK;
        }

    } else if (s.len == 8 && memcmp(s.data, "location", 8) == 0) {
        if (ho->location && ho->location->hash) {
            return mx_http_var_str(v, ho->location->value.data,
                                   ho->location->value.len);
        }

    } else if (s.len == 10 && memcmp(s.data, "connection", 10) == 0) {
        if (ho->status == 101) {
            return mx_http_var_static(v, "upgrade");
        }

        return mx_http_var_static(v, r->keepalive ? "keep-alive" : "close");

    } else if (s.len == 17 && memcmp(s.data, "transfer_encoding", 17) == 0) {
        if (r->chunked) {
            return mx_http_var_static(v, "chunked");
        }
    }

    return MX_DECLINED;
}


/* --------------------------------------------------------- captures */

int
mx_http_var_capture(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    /* $N of the last regex that matched (location, server_name) */
    if (r->captures == NULL || data >= r->ncaptures
        || r->captures[2 * data] == (size_t) -1)
    {
        v->len = 0;
        v->data = (u_char *) "";
        return MX_OK;
    }

    v->data = r->captures_data + r->captures[2 * data];
    v->len = r->captures[2 * data + 1] - r->captures[2 * data];
    return MX_OK;
}


/* ------------------------------------------------------- the tables */

#define MX_VAR_FIELD(name, field)                                          \
    { mx_string(name), mx_http_var_request_field, NULL,                   \
      offsetof(mx_http_request_t, field) }
#define MX_VAR(name, get)                                                  \
    { mx_string(name), get, NULL, 0 }

static mx_http_builtin_var_t  mx_http_builtin_vars[] = {
    MX_VAR_FIELD("uri", uri),
    MX_VAR_FIELD("document_uri", uri),
    MX_VAR_FIELD("request_uri", unparsed_uri),
    { mx_string("args"), mx_http_var_args, mx_http_var_set_args, 0 },
    { mx_string("query_string"), mx_http_var_args, mx_http_var_set_args,
      0 },
    MX_VAR("is_args", mx_http_var_is_args),
    MX_VAR_FIELD("request_method", method_name),
    MX_VAR_FIELD("server_protocol", http_protocol),
    MX_VAR_FIELD("request", request_line),
    MX_VAR("remote_addr", mx_http_var_remote_addr),
    MX_VAR("remote_port", mx_http_var_remote_port),
    MX_VAR("binary_remote_addr", mx_http_var_binary_remote_addr),
    MX_VAR("remote_user", mx_http_var_remote_user),
    MX_VAR("server_addr", mx_http_var_server_addr),
    MX_VAR("server_port", mx_http_var_server_port),
    MX_VAR("server_name", mx_http_var_server_name),
    MX_VAR("scheme", mx_http_var_scheme),
    MX_VAR("https", mx_http_var_https),
    MX_VAR("host", mx_http_var_host),
    MX_VAR("hostname", mx_http_var_hostname),
    MX_VAR("request_length", mx_http_var_request_length),
    MX_VAR("request_body", mx_http_var_request_body),
    MX_VAR("request_id", mx_http_var_request_id),
    MX_VAR("request_completion", mx_http_var_request_completion),
    MX_VAR("pipe", mx_http_var_pipe),
    MX_VAR("status", mx_http_var_status),
    MX_VAR("body_bytes_sent", mx_http_var_body_bytes_sent),
    MX_VAR("bytes_sent", mx_http_var_bytes_sent),
    MX_VAR("content_length", mx_http_var_content_length),
    MX_VAR("content_type", mx_http_var_content_type),
    MX_VAR("request_time", mx_http_var_request_time),
    MX_VAR("msec", mx_http_var_msec_now),
    { mx_string("time_local"), mx_http_var_cached_str, NULL,
      (uintptr_t) &mx_cached_http_log_time },
    { mx_string("time_iso8601"), mx_http_var_cached_str, NULL,
      (uintptr_t) &mx_cached_http_log_iso8601 },
    MX_VAR("pid", mx_http_var_pid),
    { mx_string("nginx_version"), mx_http_var_literal, NULL,
      (uintptr_t) MX_NGINX_VERSION },
    { mx_string("moxy_version"), mx_http_var_literal, NULL,
      (uintptr_t) MX_VERSION },
    MX_VAR("document_root", mx_http_var_document_root),
    MX_VAR("realpath_root", mx_http_var_realpath_root),
    MX_VAR("request_filename", mx_http_var_request_filename),
    MX_VAR("connection", mx_http_var_connection),
    MX_VAR("connection_requests", mx_http_var_connection_requests),
};

static mx_http_builtin_var_t  mx_http_builtin_prefix_vars[] = {
    MX_VAR("http_", mx_http_var_http),
    MX_VAR("arg_", mx_http_var_arg),
    MX_VAR("cookie_", mx_http_var_cookie),
    MX_VAR("sent_http_", mx_http_var_sent_http),
};


mx_http_builtin_var_t *
mx_http_var_find_builtin(const u_char *name, size_t len)
{
    mx_uint_t  i;

    for (i = 0; i < mx_nelems(mx_http_builtin_vars); i++) {
        if (mx_http_builtin_vars[i].name.len == len
            && memcmp(mx_http_builtin_vars[i].name.data, name, len) == 0)
        {
            return &mx_http_builtin_vars[i];
        }
    }

    return NULL;
}


mx_http_builtin_var_t *
mx_http_var_find_builtin_prefix(const u_char *name, size_t len)
{
    mx_uint_t  i;
    size_t     n;

    for (i = 0; i < mx_nelems(mx_http_builtin_prefix_vars); i++) {
        n = mx_http_builtin_prefix_vars[i].name.len;
        if (len > n
            && memcmp(mx_http_builtin_prefix_vars[i].name.data, name, n) == 0)
        {
            return &mx_http_builtin_prefix_vars[i];
        }
    }

    return NULL;
}
