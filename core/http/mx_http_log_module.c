#include "mx_http.h"
#include "mx_http_log_module.h"

#include <fcntl.h>

/*
 * The access log: log_format, access_log, one line per request written
 * in the log phase. Formats are compiled at config time into parts
 * (literals and variable getters); each variable's value is escaped as
 * nginx does and a variable without a value is written as "-".
 *
 * Files are opened once per path at config time and kept on a process
 * list that outlives reloads, so that SIGUSR1 can reopen them in place.
 */

#define MX_HTTP_LOG_ESCAPE_DEFAULT  0
#define MX_HTTP_LOG_ESCAPE_JSON     1
#define MX_HTTP_LOG_ESCAPE_NONE     2


typedef struct {
    mx_str_t               name;
    mx_array_t            *parts;     /* mx_http_cv_part_t */
    mx_uint_t              escape;
    size_t                 literal;   /* bytes of literal text */
} mx_http_log_fmt_t;

typedef struct {
    mx_array_t             formats;   /* mx_http_log_fmt_t * */
    mx_http_log_fmt_t     *combined;
} mx_http_log_main_conf_t;

typedef struct {
    mx_log_file_t        *file;     /* NULL: the path has variables */
    mx_http_complex_value_t   *path;
    mx_http_log_fmt_t         *format;
    mx_http_complex_value_t   *filter;   /* if=, or NULL */
} mx_http_log_t;

typedef struct {
    mx_array_t            *logs;      /* mx_http_log_t */
    mx_flag_t              off;
} mx_http_log_loc_conf_t;


static char *mx_http_log_set_format(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_log_set_log(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static void *mx_http_log_create_main_conf(mx_conf_t *cf);
static void *mx_http_log_create_loc_conf(mx_conf_t *cf);
static char *mx_http_log_merge_loc_conf(mx_conf_t *cf, void *parent,
    void *child);
static int mx_http_log_postconfiguration(mx_conf_t *cf);


static mx_str_t  mx_http_combined_fmt = mx_string(
    "$remote_addr - $remote_user [$time_local] "
    "\"$request\" $status $body_bytes_sent "
    "\"$http_referer\" \"$http_user_agent\"");

static mx_str_t  mx_http_access_log = mx_string("logs/access.log");


static mx_command_t  mx_http_log_commands[] = {

    { mx_string("log_format"),
      MX_HTTP_MAIN_CONF | MX_CONF_2MORE,
      mx_http_log_set_format, MX_HTTP_MAIN_CONF_OFFSET, 0, NULL },

    { mx_string("access_log"),
      MX_HTTP_MAIN_CONF | MX_HTTP_SRV_CONF | MX_HTTP_LOC_CONF
      | MX_HTTP_LIF_CONF | MX_CONF_1MORE,
      mx_http_log_set_log, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    /* descriptors are kept open anyway: accepted for compatibility */
    { mx_string("open_log_file_cache"),
      MX_HTTP_MAIN_CONF | MX_HTTP_SRV_CONF | MX_HTTP_LOC_CONF
      | MX_CONF_TAKE1234,
      mx_conf_noop_slot, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    mx_null_command
};

static mx_http_module_t  mx_http_log_module_ctx = {
    NULL,                                  /* preconfiguration */
    mx_http_log_postconfiguration,         /* postconfiguration */
    mx_http_log_create_main_conf,
    NULL,
    NULL, NULL,                            /* srv conf */
    mx_http_log_create_loc_conf,
    mx_http_log_merge_loc_conf
};

mx_module_t  mx_http_log_module = {
    "mx_http_log_module",
    0, 0,
    MX_HTTP_MODULE,
    &mx_http_log_module_ctx,
    mx_http_log_commands,
    NULL, NULL, NULL
};




/* ----------------------------------------------------------- config */

static void *
mx_http_log_create_main_conf(mx_conf_t *cf)
{
    mx_http_log_main_conf_t  *lmcf;

    lmcf = mx_pcalloc(cf->pool, sizeof(mx_http_log_main_conf_t));
    if (lmcf == NULL) {
        return NULL;
    }

    if (mx_array_init(&lmcf->formats, cf->pool, 4,
                      sizeof(mx_http_log_fmt_t *)) != MX_OK)
    {
        return NULL;
    }

    return lmcf;
}


static void *
mx_http_log_create_loc_conf(mx_conf_t *cf)
{
    mx_http_log_loc_conf_t  *llcf;

    llcf = mx_pcalloc(cf->pool, sizeof(mx_http_log_loc_conf_t));
    if (llcf == NULL) {
        return NULL;
    }

    llcf->off = 0;
    return llcf;
}


/*
 * Compiles the format's arguments, concatenated, as nginx's
 * ngx_http_log_compile_format(): "$name" or "${name}".
 */
static int
mx_http_log_compile_format(mx_conf_t *cf, mx_http_log_fmt_t *fmt,
    mx_str_t *args, mx_uint_t nargs)
{
    mx_http_cv_part_t  *part;
    mx_uint_t           s;

    fmt->parts = mx_array_create(cf->pool, 8, sizeof(mx_http_cv_part_t));
    if (fmt->parts == NULL) {
        return MX_ERROR;
    }

    for (s = 0; s < nargs; s++) {
        if (mx_http_compile_parts(cf, fmt->parts, &args[s]) != MX_OK) {
            return MX_ERROR;
        }
    }

    /* the literal bytes, to size a line before the variables are read */
    part = fmt->parts->elts;
    for (s = 0; s < fmt->parts->nelts; s++) {
        if (part[s].get == NULL) {
            fmt->literal += part[s].text.len;
        }
    }

    return MX_OK;
}


static mx_http_log_fmt_t *
mx_http_log_find_format(mx_conf_t *cf, mx_http_log_main_conf_t *lmcf,
    const mx_str_t *name)
{
    mx_http_log_fmt_t  **fmt;
    mx_uint_t            i;

    fmt = lmcf->formats.elts;
    for (i = 0; i < lmcf->formats.nelts; i++) {
        if (fmt[i]->name.len == name->len
            && memcmp(fmt[i]->name.data, name->data, name->len) == 0)
        {
            return fmt[i];
        }
    }

    if (mx_str_eq(name, "combined") != MX_OK) {
        return NULL;
    }

    /* the predefined format, compiled when first used */
    if (lmcf->combined == NULL) {
        lmcf->combined = mx_pcalloc(cf->pool, sizeof(mx_http_log_fmt_t));
        if (lmcf->combined == NULL) {
            return NULL;
        }

        lmcf->combined->name = *name;

        if (mx_http_log_compile_format(cf, lmcf->combined,
                                       &mx_http_combined_fmt, 1) != MX_OK)
        {
            lmcf->combined = NULL;
            return NULL;
        }
    }

    return lmcf->combined;
}


static char *
mx_http_log_set_format(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_log_main_conf_t  *lmcf = conf;
    mx_http_log_fmt_t        *fmt, **slot;
    mx_str_t                 *value, esc;
    mx_uint_t                 i, first;

    mx_unused(cmd);

    value = cf->args->elts;

    fmt = NULL;
    slot = lmcf->formats.elts;
    for (i = 0; i < lmcf->formats.nelts; i++) {
        if (slot[i]->name.len == value[1].len
            && memcmp(slot[i]->name.data, value[1].data, value[1].len) == 0)
        {
            fmt = slot[i];
        }
    }

    if (fmt != NULL || mx_str_eq(&value[1], "combined") == MX_OK) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "duplicate \"log_format\" name \"%.*s\"",
                          MX_STR_ARG(value[1]));
        return MX_CONF_ERROR;
    }

    fmt = mx_pcalloc(cf->pool, sizeof(mx_http_log_fmt_t));
    if (fmt == NULL) {
        return MX_CONF_ERROR;
    }

    fmt->name = value[1];
    fmt->escape = MX_HTTP_LOG_ESCAPE_DEFAULT;
    first = 2;

    if (value[2].len > 7 && memcmp(value[2].data, "escape=", 7) == 0) {
        esc.data = value[2].data + 7;
        esc.len = value[2].len - 7;

        if (mx_str_eq(&esc, "json") == MX_OK) {
            fmt->escape = MX_HTTP_LOG_ESCAPE_JSON;

        } else if (mx_str_eq(&esc, "none") == MX_OK) {
            fmt->escape = MX_HTTP_LOG_ESCAPE_NONE;

        } else if (mx_str_eq(&esc, "default") != MX_OK) {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "unknown log format escaping \"%.*s\"",
                              MX_STR_ARG(esc));
            return MX_CONF_ERROR;
        }

        first = 3;
    }

    if (mx_http_log_compile_format(cf, fmt, &value[first],
                                   cf->args->nelts - first) != MX_OK)
    {
        return MX_CONF_ERROR;
    }

    slot = mx_array_push(&lmcf->formats);
    if (slot == NULL) {
        return MX_CONF_ERROR;
    }

    *slot = fmt;
    return MX_CONF_OK;
}


static int
mx_http_log_add(mx_conf_t *cf, mx_http_log_loc_conf_t *llcf,
    mx_str_t *path, mx_http_log_fmt_t *fmt, mx_http_complex_value_t *filter)
{
    mx_http_log_t  *log;
    mx_str_t        full;

    if (llcf->logs == NULL) {
        llcf->logs = mx_array_create(cf->pool, 2, sizeof(mx_http_log_t));
        if (llcf->logs == NULL) {
            return MX_ERROR;
        }
    }

    log = mx_array_push(llcf->logs);
    if (log == NULL) {
        return MX_ERROR;
    }

    memset(log, 0, sizeof(mx_http_log_t));
    log->format = fmt;
    log->filter = filter;

    if (memchr(path->data, '$', path->len) != NULL) {
        log->path = mx_pcalloc(cf->pool, sizeof(mx_http_complex_value_t));
        if (log->path == NULL) {
            return MX_ERROR;
        }

        log->path->raw = *path;
        return mx_http_compile_complex_value(cf, log->path);
    }

    if (mx_str_dup(cf->pool, &full, path->data, path->len) != MX_OK
        || mx_conf_full_name(cf->cycle, &full, 0) != MX_OK)
    {
        return MX_ERROR;
    }

    log->file = mx_log_open_file((char *) full.data);
    if (log->file == NULL) {
        /* as nginx, reported without a file:line */
        mx_log_error(MX_LOG_EMERG, cf->log, errno, "open() \"%s\" failed",
                     full.data);
        return MX_ERROR;
    }

    return MX_OK;
}


static char *
mx_http_log_set_log(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_log_loc_conf_t   *llcf = conf;
    mx_http_log_main_conf_t  *lmcf;
    mx_http_complex_value_t  *filter;
    mx_http_log_fmt_t        *fmt;
    mx_str_t                 *value, name, s;
    mx_uint_t                 i;

    mx_unused(cmd);

    value = cf->args->elts;

    if (mx_str_eq(&value[1], "off") == MX_OK) {
        llcf->off = 1;

        if (cf->args->nelts == 2) {
            return MX_CONF_OK;
        }

        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid parameter \"%.*s\"",
                          MX_STR_ARG(value[2]));
        return MX_CONF_ERROR;
    }

    if (value[1].len > 7 && memcmp(value[1].data, "syslog:", 7) == 0) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                          "syslog access logs are not supported");
        return MX_CONF_ERROR;
    }

    lmcf = mx_http_conf_get_module_main_conf(cf, mx_http_log_module);

    i = 2;

    if (cf->args->nelts >= 3 && memchr(value[2].data, '=', value[2].len)
        == NULL && mx_str_eq(&value[2], "gzip") != MX_OK)
    {
        name = value[2];
        i = 3;

    } else {
        mx_str_set(&name, "combined");
    }

    fmt = mx_http_log_find_format(cf, lmcf, &name);
    if (fmt == NULL) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "unknown log format \"%.*s\"",
                          MX_STR_ARG(name));
        return MX_CONF_ERROR;
    }

    filter = NULL;

    for ( /* void */ ; i < cf->args->nelts; i++) {
        if (value[i].len > 7 && memcmp(value[i].data, "buffer=", 7) == 0) {
            s.data = value[i].data + 7;
            s.len = value[i].len - 7;

            if (mx_parse_size(&s) == MX_ERROR) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                                  "invalid buffer size \"%.*s\"",
                                  MX_STR_ARG(s));
                return MX_CONF_ERROR;
            }

            /* lines are written at once: nothing is buffered */
            continue;
        }

        if (value[i].len > 6 && memcmp(value[i].data, "flush=", 6) == 0) {
            s.data = value[i].data + 6;
            s.len = value[i].len - 6;

            if (mx_parse_time(&s, 1) == MX_ERROR) {
                mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                                  "invalid flush time \"%.*s\"",
                                  MX_STR_ARG(s));
                return MX_CONF_ERROR;
            }

            continue;
        }

        if (value[i].len > 3 && memcmp(value[i].data, "if=", 3) == 0) {
            filter = mx_pcalloc(cf->pool, sizeof(mx_http_complex_value_t));
            if (filter == NULL) {
                return MX_CONF_ERROR;
            }

            filter->raw.data = value[i].data + 3;
            filter->raw.len = value[i].len - 3;

            if (mx_http_compile_complex_value(cf, filter) != MX_OK) {
                return MX_CONF_ERROR;
            }

            continue;
        }

        if (mx_str_eq(&value[i], "gzip") == MX_OK
            || (value[i].len > 5 && memcmp(value[i].data, "gzip=", 5) == 0))
        {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "compressed access logs are not supported");
            return MX_CONF_ERROR;
        }

        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid parameter \"%.*s\"",
                          MX_STR_ARG(value[i]));
        return MX_CONF_ERROR;
    }

    if (mx_http_log_add(cf, llcf, &value[1], fmt, filter) != MX_OK) {
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;
}


static char *
mx_http_log_merge_loc_conf(mx_conf_t *cf, void *parent, void *child)
{
    mx_http_log_loc_conf_t   *prev = parent, *conf = child;
    mx_http_log_main_conf_t  *lmcf;
    mx_http_log_fmt_t        *fmt;
    mx_str_t                  name;

    if (conf->logs || conf->off) {
        return MX_CONF_OK;
    }

    conf->logs = prev->logs;
    conf->off = prev->off;

    if (conf->logs || conf->off) {
        return MX_CONF_OK;
    }

    /* nothing anywhere: nginx's logs/access.log in "combined" */
    lmcf = mx_http_conf_get_module_main_conf(cf, mx_http_log_module);

    mx_str_set(&name, "combined");
    fmt = mx_http_log_find_format(cf, lmcf, &name);
    if (fmt == NULL) {
        return MX_CONF_ERROR;
    }

    if (mx_http_log_add(cf, conf, &mx_http_access_log, fmt, NULL) != MX_OK) {
        return MX_CONF_ERROR;
    }

    /* let the locations below share the array */
    prev->logs = conf->logs;
    return MX_CONF_OK;
}


/* ---------------------------------------------------------- writing */

/* nginx's ngx_http_log_escape(): '"', '\', < 0x20 and >= 0x7f */
static mx_uint_t
mx_http_log_needs_escape(u_char ch)
{
    return ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\';
}


static size_t
mx_http_log_escaped_len(const mx_str_t *v, mx_uint_t escape)
{
    size_t  n, i;
    u_char  ch;

    n = v->len;

    switch (escape) {

    case MX_HTTP_LOG_ESCAPE_DEFAULT:
        for (i = 0; i < v->len; i++) {
            if (mx_http_log_needs_escape(v->data[i])) {
                n += 3;
            }
        }
        break;

    case MX_HTTP_LOG_ESCAPE_JSON:
        for (i = 0; i < v->len; i++) {
            ch = v->data[i];

            if (ch == '"' || ch == '\\' || ch == '\n' || ch == '\r'
                || ch == '\t' || ch == '\b' || ch == '\f')
            {
                n += 1;

            } else if (ch < 0x20) {
                n += 5;
            }
        }
        break;

    default:
        break;
    }

    return n;
}


static u_char *
mx_http_log_escape(u_char *dst, const mx_str_t *v, mx_uint_t escape)
{
    static const u_char  hex[] = "0123456789ABCDEF";
    size_t               i;
    u_char               ch;

    if (escape == MX_HTTP_LOG_ESCAPE_NONE) {
        memcpy(dst, v->data, v->len);
        return dst + v->len;
    }

    for (i = 0; i < v->len; i++) {
        ch = v->data[i];

        if (escape == MX_HTTP_LOG_ESCAPE_DEFAULT) {
            if (mx_http_log_needs_escape(ch)) {
                *dst++ = '\\';
                *dst++ = 'x';
                *dst++ = hex[ch >> 4];
                *dst++ = hex[ch & 0xf];

            } else {
                *dst++ = ch;
            }

            continue;
        }

        /* json */
        switch (ch) {
        case '"':  *dst++ = '\\'; *dst++ = '"'; break;
        case '\\': *dst++ = '\\'; *dst++ = '\\'; break;
        case '\n': *dst++ = '\\'; *dst++ = 'n'; break;
        case '\r': *dst++ = '\\'; *dst++ = 'r'; break;
        case '\t': *dst++ = '\\'; *dst++ = 't'; break;
        case '\b': *dst++ = '\\'; *dst++ = 'b'; break;
        case '\f': *dst++ = '\\'; *dst++ = 'f'; break;
        default:
            if (ch < 0x20) {
                *dst++ = '\\';
                *dst++ = 'u';
                *dst++ = '0';
                *dst++ = '0';
                *dst++ = hex[ch >> 4];
                *dst++ = hex[ch & 0xf];

            } else {
                *dst++ = ch;
            }
        }
    }

    return dst;
}


static void
mx_http_log_write(mx_http_request_t *r, mx_http_log_t *log, u_char *buf,
    size_t len)
{
    mx_str_t   path;
    ssize_t    n;
    int        fd;
    u_char    *name;

    if (log->file) {
        fd = log->file->fd;
        name = log->file->name.data;

    } else {
        /* a path with variables: opened for each line, as nginx without
         * open_log_file_cache */
        if (mx_http_complex_value(r, log->path, &path) != MX_OK) {
            return;
        }

        if (mx_str_dup(r->pool, &path, path.data, path.len) != MX_OK
            || (path.data[0] != '/'
                && mx_conf_full_name(mx_cycle, &path, 0) != MX_OK))
        {
            return;
        }

        name = path.data;
        fd = open((char *) name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                  0644);
        if (fd == -1) {
            mx_log_error(MX_LOG_ERR, &r->connection->log, errno,
                         "open() \"%s\" failed", name);
            return;
        }
    }

    n = write(fd, buf, len);

    if (n == -1) {
        mx_log_error(MX_LOG_ALERT, &r->connection->log, errno,
                     "write() to \"%s\" failed", name);

    } else if ((size_t) n != len) {
        mx_log_error(MX_LOG_ALERT, &r->connection->log, 0,
                     "write() to \"%s\" was incomplete: %zd of %zu",
                     name, n, len);
    }

    if (log->file == NULL) {
        close(fd);
    }
}


static int
mx_http_log_handler(mx_http_request_t *r)
{
    mx_http_log_loc_conf_t  *llcf;
    mx_http_log_t           *log;
    mx_http_log_fmt_t       *fmt;
    mx_http_cv_part_t       *parts;
    mx_str_t                 vals[32], *values, val;
    u_char                   stack[2048], *line, *p;
    mx_uint_t                i, l, n;
    size_t                   len;
    unsigned char            found[32], *ok;

    if (r->loc_conf == NULL) {
        return MX_OK;
    }

    llcf = mx_http_get_module_loc_conf(r, mx_http_log_module);
    if (llcf == NULL || llcf->off || llcf->logs == NULL) {
        return MX_OK;
    }

    log = llcf->logs->elts;

    for (l = 0; l < llcf->logs->nelts; l++) {

        if (log[l].filter) {
            if (mx_http_complex_value(r, log[l].filter, &val) != MX_OK) {
                return MX_ERROR;
            }

            if (val.len == 0 || (val.len == 1 && val.data[0] == '0')) {
                continue;
            }
        }

        fmt = log[l].format;
        parts = fmt->parts->elts;
        n = fmt->parts->nelts;

        values = vals;
        ok = found;

        if (n > mx_nelems(vals)) {
            values = mx_palloc(r->pool, n * sizeof(mx_str_t));
            ok = mx_pnalloc(r->pool, n);
            if (values == NULL || ok == NULL) {
                return MX_ERROR;
            }
        }

        len = 1;   /* "\n" */

        for (i = 0; i < n; i++) {
            if (parts[i].get == NULL) {
                len += parts[i].text.len;
                continue;
            }

            ok[i] = (mx_http_cv_part_value(r, &parts[i], &values[i])
                     == MX_OK);

            if (!ok[i]) {
                len += (fmt->escape == MX_HTTP_LOG_ESCAPE_DEFAULT) ? 1 : 0;
                continue;
            }

            len += mx_http_log_escaped_len(&values[i], fmt->escape);
        }

        line = stack;
        if (len > sizeof(stack)) {
            line = mx_pnalloc(r->pool, len);
            if (line == NULL) {
                return MX_ERROR;
            }
        }

        p = line;

        for (i = 0; i < n; i++) {
            if (parts[i].get == NULL) {
                memcpy(p, parts[i].text.data, parts[i].text.len);
                p += parts[i].text.len;
                continue;
            }

            if (!ok[i]) {
                /* "-" for a variable without a value, but in json/none */
                if (fmt->escape == MX_HTTP_LOG_ESCAPE_DEFAULT) {
                    *p++ = '-';
                }

                continue;
            }

            p = mx_http_log_escape(p, &values[i], fmt->escape);
        }

        *p++ = '\n';

        mx_http_log_write(r, &log[l], line, p - line);
    }

    return MX_OK;
}


static int
mx_http_log_postconfiguration(mx_conf_t *cf)
{
    mx_http_core_main_conf_t  *cmcf;
    mx_http_handler_pt        *h;

    cmcf = mx_http_conf_get_module_main_conf(cf, mx_http_core_module);

    h = mx_array_push(&cmcf->phases[MX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return MX_ERROR;
    }

    *h = mx_http_log_handler;

    /*
     * Every "set" and "map" is known by now: complain about variables
     * nobody defined (idempotent, the core may call it again later).
     */
    return mx_http_variables_init_vars(cf);
}
