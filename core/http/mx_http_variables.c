#include "mx_http.h"

#include <arpa/inet.h>
#include <limits.h>
#include <sys/random.h>

/*
 * Variables with nginx's names and semantics, and complex values.
 *
 * Built-in variables are a static table; other modules add theirs to
 * cmcf->variables (as pointers) with mx_http_add_variable(). A complex
 * value is compiled at config time into parts that hold the getter, so a
 * request never looks a name up. A reference to a name nobody defined yet
 * is kept as an "unresolved" entry, as nginx does, because "set $x" may
 * come after "log_format ... $x"; mx_http_variables_init_vars() complains
 * about the ones still unresolved at the end of the http block.
 */

typedef struct {
    mx_str_t                      name;
    mx_http_variable_handler_pt   get;
    mx_http_variable_set_pt       set;
    uintptr_t                     data;
} mx_http_builtin_var_t;

/* per-request state, in r->variables */
typedef struct {
    mx_uint_t      nvalues;
    mx_str_t      *values;       /* by index; data == NULL: not assigned */
    mx_str_t       request_id;
} mx_http_var_ctx_t;


static int mx_http_var_indexed(mx_http_request_t *r, mx_str_t *v,
    uintptr_t data);
static mx_http_var_ctx_t *mx_http_var_ctx(mx_http_request_t *r,
    mx_http_core_main_conf_t *cmcf);


/* ---------------------------------------------------------- helpers */

static mx_http_core_main_conf_t *
mx_http_var_cmcf(mx_http_request_t *r)
{
    if (r->main_conf == NULL) {
        return NULL;
    }

    return mx_http_get_module_main_conf(r, mx_http_core_module);
}


static mx_http_core_main_conf_t *
mx_http_var_conf_cmcf(mx_conf_t *cf)
{
    mx_http_conf_ctx_t  *ctx;

    if (cf->module_type != MX_HTTP_MODULE || cf->ctx == NULL) {
        return NULL;
    }

    ctx = cf->ctx;
    if (ctx->main_conf == NULL) {
        return NULL;
    }

    return ctx->main_conf[mx_http_core_module.ctx_index];
}


/* cmcf->variables may be zeroed or set up for another element size */
static int
mx_http_var_array(mx_conf_t *cf, mx_http_core_main_conf_t *cmcf)
{
    if (cmcf->variables.pool != NULL
        && cmcf->variables.size == sizeof(mx_http_variable_t *))
    {
        return MX_OK;
    }

    if (cmcf->variables.nelts != 0 && cmcf->variables.pool != NULL) {
        mx_log_error(MX_LOG_ALERT, cf->log, 0,
                     "cmcf->variables has elements of the wrong size");
        return MX_ERROR;
    }

    return mx_array_init(&cmcf->variables, cf->pool, 16,
                         sizeof(mx_http_variable_t *));
}


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


static int
mx_http_var_none(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_unused(r);
    mx_unused(v);
    mx_unused(data);

    return MX_DECLINED;
}


static int
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


static mx_http_builtin_var_t *
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


static mx_http_builtin_var_t *
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


static mx_http_variable_t *
mx_http_var_find_added(mx_http_core_main_conf_t *cmcf, const u_char *name,
    size_t len, int prefix)
{
    mx_http_variable_t  **vars, *v;
    mx_uint_t             i;

    if (cmcf == NULL || cmcf->variables.elts == NULL
        || cmcf->variables.size != sizeof(mx_http_variable_t *))
    {
        return NULL;
    }

    vars = cmcf->variables.elts;

    for (i = 0; i < cmcf->variables.nelts; i++) {
        v = vars[i];

        if (prefix) {
            if ((v->flags & MX_HTTP_VAR_PREFIX) && len > v->name.len
                && memcmp(v->name.data, name, v->name.len) == 0)
            {
                return v;
            }

            continue;
        }

        if (!(v->flags & MX_HTTP_VAR_PREFIX) && v->name.len == len
            && memcmp(v->name.data, name, len) == 0)
        {
            return v;
        }
    }

    return NULL;
}


/* the entry added under exactly this name (and kind) */
static mx_http_variable_t *
mx_http_var_find_entry(mx_http_core_main_conf_t *cmcf, const u_char *name,
    size_t len, mx_uint_t prefix)
{
    mx_http_variable_t  **vars;
    mx_uint_t             i;

    if (cmcf->variables.elts == NULL
        || cmcf->variables.size != sizeof(mx_http_variable_t *))
    {
        return NULL;
    }

    vars = cmcf->variables.elts;

    for (i = 0; i < cmcf->variables.nelts; i++) {
        if ((vars[i]->flags & MX_HTTP_VAR_PREFIX) == prefix
            && vars[i]->name.len == len
            && memcmp(vars[i]->name.data, name, len) == 0)
        {
            return vars[i];
        }
    }

    return NULL;
}


static int
mx_http_var_is_capture(const u_char *name, size_t len)
{
    return len == 1 && name[0] >= '1' && name[0] <= '9';
}


/* lowercases name into buf when needed; NULL when too long */
static const u_char *
mx_http_var_lower(const u_char *name, size_t len, u_char *buf, size_t size)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (name[i] >= 'A' && name[i] <= 'Z') {
            break;
        }
    }

    if (i == len) {
        return name;
    }

    if (len > size) {
        return NULL;
    }

    mx_strlow(buf, name, len);
    return buf;
}


/* ---------------------------------------------------- added values */

static mx_http_var_ctx_t *
mx_http_var_ctx(mx_http_request_t *r, mx_http_core_main_conf_t *cmcf)
{
    mx_http_var_ctx_t  *ctx;
    mx_uint_t           n;

    ctx = r->variables;
    n = cmcf ? cmcf->variables.nelts : 0;

    if (ctx != NULL && ctx->nvalues >= n) {
        return ctx;
    }

    if (ctx == NULL) {
        ctx = mx_pcalloc(r->pool, sizeof(mx_http_var_ctx_t));
        if (ctx == NULL) {
            return NULL;
        }

        r->variables = ctx;
    }

    if (n > ctx->nvalues) {
        mx_str_t  *values;

        values = mx_pcalloc(r->pool, n * sizeof(mx_str_t));
        if (values == NULL) {
            return NULL;
        }

        if (ctx->nvalues) {
            memcpy(values, ctx->values, ctx->nvalues * sizeof(mx_str_t));
        }

        ctx->values = values;
        ctx->nvalues = n;
    }

    return ctx;
}


static int
mx_http_var_indexed(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_http_core_main_conf_t   *cmcf;
    mx_http_variable_t        **vars, *var;
    mx_http_var_ctx_t          *ctx;

    cmcf = mx_http_var_cmcf(r);
    if (cmcf == NULL || data >= cmcf->variables.nelts) {
        return MX_DECLINED;
    }

    vars = cmcf->variables.elts;
    var = vars[data];

    if (var->get) {
        return var->get(r, v, var->data);
    }

    ctx = r->variables;
    if (ctx == NULL || data >= ctx->nvalues
        || ctx->values[data].data == NULL)
    {
        return MX_DECLINED;
    }

    *v = ctx->values[data];
    return MX_OK;
}


int
mx_http_variable_set_value(mx_http_request_t *r, mx_http_variable_t *var,
    const mx_str_t *value)
{
    mx_http_var_ctx_t  *ctx;
    mx_str_t            val;

    if (!(var->flags & MX_HTTP_VAR_CHANGEABLE)) {
        return MX_DECLINED;
    }

    if (var->set) {
        return var->set(r, value, var->data);
    }

    ctx = mx_http_var_ctx(r, mx_http_var_cmcf(r));
    if (ctx == NULL || var->index >= ctx->nvalues) {
        return MX_ERROR;
    }

    val = *value;
    if (val.data == NULL) {
        val.data = (u_char *) "";
    }

    ctx->values[var->index] = val;
    return MX_OK;
}


int
mx_http_variable_set(mx_http_request_t *r, const u_char *name, size_t len,
    const mx_str_t *value)
{
    mx_http_builtin_var_t  *b;
    mx_http_variable_t     *var;
    const u_char           *lname;
    u_char                  buf[64];
    u_char                 *heap = NULL;

    lname = mx_http_var_lower(name, len, buf, sizeof(buf));
    if (lname == NULL) {
        heap = mx_pnalloc(r->pool, len);
        if (heap == NULL) {
            return MX_ERROR;
        }

        mx_strlow(heap, name, len);
        lname = heap;
    }

    var = mx_http_var_find_added(mx_http_var_cmcf(r), lname, len, 0);
    if (var != NULL && !(var->flags & MX_HTTP_VAR_UNRESOLVED)) {
        return mx_http_variable_set_value(r, var, value);
    }

    b = mx_http_var_find_builtin(lname, len);
    if (b != NULL && b->set != NULL) {
        return b->set(r, value, b->data);
    }

    return MX_DECLINED;
}


/* ------------------------------------------------------ config time */

static mx_http_variable_t *
mx_http_var_push(mx_conf_t *cf, mx_http_core_main_conf_t *cmcf,
    const u_char *name, size_t len, mx_uint_t flags)
{
    mx_http_variable_t  *v, **slot;

    if (mx_http_var_array(cf, cmcf) != MX_OK) {
        return NULL;
    }

    v = mx_pcalloc(cf->pool, sizeof(mx_http_variable_t));
    if (v == NULL) {
        return NULL;
    }

    if (mx_str_dup(cf->pool, &v->name, name, len) != MX_OK) {
        return NULL;
    }

    mx_strlow(v->name.data, v->name.data, len);
    v->flags = flags;
    v->index = cmcf->variables.nelts;

    slot = mx_array_push(&cmcf->variables);
    if (slot == NULL) {
        return NULL;
    }

    *slot = v;
    return v;
}


mx_http_variable_t *
mx_http_add_variable(mx_conf_t *cf, const u_char *name, size_t len,
    mx_uint_t flags)
{
    mx_http_core_main_conf_t  *cmcf;
    mx_http_builtin_var_t     *b;
    mx_http_variable_t        *v;
    u_char                    *lname;

    cmcf = mx_http_var_conf_cmcf(cf);
    if (cmcf == NULL || len == 0) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid variable name");
        return NULL;
    }

    lname = mx_pnalloc(cf->temp_pool ? cf->temp_pool : cf->pool, len);
    if (lname == NULL) {
        return NULL;
    }

    mx_strlow(lname, name, len);

    v = mx_http_var_find_entry(cmcf, lname, len, flags & MX_HTTP_VAR_PREFIX);

    if (v != NULL) {
        if (v->flags & MX_HTTP_VAR_UNRESOLVED) {
            v->flags = flags;
            return v;
        }

        if (!(v->flags & MX_HTTP_VAR_CHANGEABLE)
            || !(flags & MX_HTTP_VAR_CHANGEABLE))
        {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "the duplicate \"%.*s\" variable",
                              (int) len, lname);
            return NULL;
        }

        return v;
    }

    if (!(flags & MX_HTTP_VAR_PREFIX)) {
        b = mx_http_var_find_builtin(lname, len);
        if (b != NULL) {
            if (b->set == NULL || !(flags & MX_HTTP_VAR_CHANGEABLE)) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                                  "the duplicate \"%.*s\" variable",
                                  (int) len, lname);
                return NULL;
            }

            /* "set $args ...": an entry that reads and writes r->args */
            v = mx_http_var_push(cf, cmcf, lname, len, flags);
            if (v == NULL) {
                return NULL;
            }

            v->get = b->get;
            v->set = b->set;
            v->data = b->data;
            return v;
        }
    }

    return mx_http_var_push(cf, cmcf, lname, len, flags);
}


int
mx_http_variable_compile(mx_conf_t *cf, const u_char *name, size_t len,
    mx_http_cv_part_t *part)
{
    mx_http_core_main_conf_t  *cmcf;
    mx_http_builtin_var_t     *b;
    mx_http_variable_t        *v;
    mx_str_t                  *full;
    u_char                    *lname;

    if (len == 0) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid variable name");
        return MX_ERROR;
    }

    lname = mx_pnalloc(cf->pool, len);
    if (lname == NULL) {
        return MX_ERROR;
    }

    mx_strlow(lname, name, len);

    part->text.data = lname;
    part->text.len = len;

    if (mx_http_var_is_capture(lname, len)) {
        part->get = mx_http_var_capture;
        part->data = lname[0] - '0';
        return MX_OK;
    }

    b = mx_http_var_find_builtin(lname, len);
    if (b != NULL) {
        part->get = b->get;
        part->data = b->data;
        return MX_OK;
    }

    cmcf = mx_http_var_conf_cmcf(cf);

    v = mx_http_var_find_added(cmcf, lname, len, 0);
    if (v != NULL) {
        part->get = mx_http_var_indexed;
        part->data = v->index;
        return MX_OK;
    }

    full = mx_palloc(cf->pool, sizeof(mx_str_t));
    if (full == NULL) {
        return MX_ERROR;
    }

    *full = part->text;

    b = mx_http_var_find_builtin_prefix(lname, len);
    if (b != NULL) {
        part->get = b->get;
        part->data = (uintptr_t) full;
        return MX_OK;
    }

    v = mx_http_var_find_added(cmcf, lname, len, 1);
    if (v != NULL) {
        /* a prefix added without a getter has no values */
        part->get = v->get ? v->get : mx_http_var_none;
        part->data = (uintptr_t) full;
        return MX_OK;
    }

    if (cmcf == NULL) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "unknown \"%.*s\" variable",
                          (int) len, lname);
        return MX_ERROR;
    }

    /* defined later ("set" in a server below), or an error at the end */
    v = mx_http_var_push(cf, cmcf, lname, len, MX_HTTP_VAR_UNRESOLVED);
    if (v == NULL) {
        return MX_ERROR;
    }

    part->get = mx_http_var_indexed;
    part->data = v->index;
    return MX_OK;
}


int
mx_http_variables_init_vars(mx_conf_t *cf)
{
    mx_http_core_main_conf_t   *cmcf;
    mx_http_variable_t        **vars, *v, *pv;
    mx_str_t                   *full;
    mx_uint_t                   i;

    cmcf = mx_http_var_conf_cmcf(cf);
    if (cmcf == NULL || cmcf->variables.elts == NULL
        || cmcf->variables.size != sizeof(mx_http_variable_t *))
    {
        return MX_OK;
    }

    vars = cmcf->variables.elts;

    for (i = 0; i < cmcf->variables.nelts; i++) {
        v = vars[i];

        if (!(v->flags & MX_HTTP_VAR_UNRESOLVED)) {
            continue;
        }

        /* a prefix variable added after the reference */
        pv = mx_http_var_find_added(cmcf, v->name.data, v->name.len, 1);
        if (pv != NULL && pv->get != NULL) {
            full = mx_palloc(cf->pool, sizeof(mx_str_t));
            if (full == NULL) {
                return MX_ERROR;
            }

            *full = v->name;
            v->get = pv->get;
            v->data = (uintptr_t) full;
            v->flags &= ~MX_HTTP_VAR_UNRESOLVED;
            continue;
        }

        mx_log_error(MX_LOG_EMERG, cf->log, 0, "unknown \"%.*s\" variable",
                     MX_STR_ARG(v->name));
        return MX_ERROR;
    }

    return MX_OK;
}


int
mx_http_variable_exists(const u_char *name, size_t len)
{
    u_char         buf[64];
    const u_char  *lname;

    if (len == 0) {
        return MX_DECLINED;
    }

    lname = mx_http_var_lower(name, len, buf, sizeof(buf));
    if (lname == NULL) {
        /* longer than any built-in: only a prefix can match */
        lname = name;
    }

    if (mx_http_var_is_capture(lname, len)
        || mx_http_var_find_builtin(lname, len) != NULL
        || mx_http_var_find_builtin_prefix(lname, len) != NULL)
    {
        return MX_OK;
    }

    return MX_DECLINED;
}


int
mx_http_variable_get(mx_http_request_t *r, const u_char *name, size_t len,
    mx_str_t *value)
{
    mx_http_core_main_conf_t  *cmcf;
    mx_http_builtin_var_t     *b;
    mx_http_variable_t        *v;
    const u_char              *lname;
    u_char                     buf[64], *heap;
    mx_str_t                  *full;

    if (len == 0) {
        return MX_DECLINED;
    }

    lname = mx_http_var_lower(name, len, buf, sizeof(buf));
    if (lname == NULL) {
        heap = mx_pnalloc(r->pool, len);
        if (heap == NULL) {
            return MX_DECLINED;
        }

        mx_strlow(heap, name, len);
        lname = heap;
    }

    if (mx_http_var_is_capture(lname, len)) {
        return mx_http_var_capture(r, value, lname[0] - '0');
    }

    b = mx_http_var_find_builtin(lname, len);
    if (b != NULL) {
        return b->get(r, value, b->data);
    }

    cmcf = mx_http_var_cmcf(r);

    v = mx_http_var_find_added(cmcf, lname, len, 0);
    if (v != NULL) {
        return mx_http_var_indexed(r, value, v->index);
    }

    b = mx_http_var_find_builtin_prefix(lname, len);
    v = b ? NULL : mx_http_var_find_added(cmcf, lname, len, 1);

    if (b == NULL && (v == NULL || v->get == NULL)) {
        return MX_DECLINED;
    }

    full = mx_palloc(r->pool, sizeof(mx_str_t));
    if (full == NULL) {
        return MX_DECLINED;
    }

    /* a prefix getter may keep pointing at the name: own a copy */
    full->data = (lname == buf) ? mx_pnalloc(r->pool, len) : (u_char *) lname;
    if (full->data == NULL) {
        return MX_DECLINED;
    }

    if (lname == buf) {
        memcpy(full->data, buf, len);
    }

    full->len = len;

    return b ? b->get(r, value, (uintptr_t) full)
             : v->get(r, value, (uintptr_t) full);
}


/* --------------------------------------------------- complex values */

int
mx_http_compile_complex_value(mx_conf_t *cf, mx_http_complex_value_t *v)
{
    mx_http_cv_part_t  *part;
    u_char             *p, *last, *start, ch;
    int                 bracket;
    mx_str_t            name;

    v->parts = NULL;

    if (v->raw.len == 0 || memchr(v->raw.data, '$', v->raw.len) == NULL) {
        return MX_OK;
    }

    v->parts = mx_array_create(cf->pool, 4, sizeof(mx_http_cv_part_t));
    if (v->parts == NULL) {
        return MX_ERROR;
    }

    p = v->raw.data;
    last = p + v->raw.len;

    while (p < last) {
        if (*p != '$') {
            start = p;
            while (p < last && *p != '$') {
                p++;
            }

            part = mx_array_push(v->parts);
            if (part == NULL) {
                return MX_ERROR;
            }

            part->text.data = start;
            part->text.len = p - start;
            part->get = NULL;
            part->data = 0;
            continue;
        }

        /* nginx's ngx_http_script_compile() */
        if (++p == last) {
            goto invalid;
        }

        if (*p >= '1' && *p <= '9') {
            name.data = p++;
            name.len = 1;
            goto variable;
        }

        bracket = 0;
        if (*p == '{') {
            bracket = 1;
            if (++p == last) {
                goto invalid;
            }
        }

        name.data = p;

        for ( /* void */ ; p < last; p++) {
            ch = *p;

            if (ch == '}' && bracket) {
                break;
            }

            if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
                || (ch >= '0' && ch <= '9') || ch == '_')
            {
                continue;
            }

            break;
        }

        name.len = p - name.data;

        if (bracket) {
            if (p == last || *p != '}') {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                                  "the closing bracket in \"%.*s\" "
                                  "variable is missing", MX_STR_ARG(name));
                return MX_ERROR;
            }

            p++;
        }

        if (name.len == 0) {
            goto invalid;
        }

    variable:

        part = mx_array_push(v->parts);
        if (part == NULL) {
            return MX_ERROR;
        }

        if (mx_http_variable_compile(cf, name.data, name.len, part)
            != MX_OK)
        {
            return MX_ERROR;
        }
    }

    return MX_OK;

invalid:

    mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid variable name");
    return MX_ERROR;
}


int
mx_http_cv_part_value(mx_http_request_t *r, const mx_http_cv_part_t *p,
    mx_str_t *v)
{
    if (p->get == NULL) {
        *v = p->text;
        return MX_OK;
    }

    if (p->get(r, v, p->data) != MX_OK) {
        v->len = 0;
        v->data = (u_char *) "";
        return MX_DECLINED;
    }

    return MX_OK;
}


int
mx_http_complex_value(mx_http_request_t *r,
    const mx_http_complex_value_t *v, mx_str_t *out)
{
    mx_http_cv_part_t  *parts;
    mx_str_t            vals[16], *values;
    mx_uint_t           i, n;
    size_t              len;
    u_char             *p;

    if (v->parts == NULL) {
        *out = v->raw;
        return MX_OK;
    }

    parts = v->parts->elts;
    n = v->parts->nelts;

    if (n == 1) {
        mx_http_cv_part_value(r, &parts[0], out);
        return MX_OK;
    }

    values = vals;
    if (n > mx_nelems(vals)) {
        values = mx_palloc(r->pool, n * sizeof(mx_str_t));
        if (values == NULL) {
            return MX_ERROR;
        }
    }

    len = 0;
    for (i = 0; i < n; i++) {
        mx_http_cv_part_value(r, &parts[i], &values[i]);
        len += values[i].len;
    }

    p = mx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        return MX_ERROR;
    }

    out->data = p;
    out->len = len;

    for (i = 0; i < n; i++) {
        if (values[i].len) {
            memcpy(p, values[i].data, values[i].len);
            p += values[i].len;
        }
    }

    *p = '\0';
    return MX_OK;
}
