#include "mx_http.h"
#include "mx_http_rewrite_module.h"

#include <sys/stat.h>

/*
 * The rewrite module: "set", "rewrite", "break", "return" and "if"
 * compiled in config order into a list of codes per server or location,
 * run in the
 * server-rewrite phase (server level) and the rewrite phase (location
 * level), as nginx's rewrite module does. Other modules add codes of
 * their own (set_by_lua) with mx_http_rewrite_add_code().
 */

typedef enum {
    MX_REWRITE_SET = 0,
    MX_REWRITE_RETURN,
    MX_REWRITE_REWRITE,
    MX_REWRITE_BREAK,
    MX_REWRITE_CUSTOM,
    MX_REWRITE_IF
} mx_http_rewrite_op_e;

/* "if" conditions */
typedef enum {
    MX_IF_VALUE = 0,        /* if ($v): not empty and not "0" */
    MX_IF_EQUAL,            /* = and != */
    MX_IF_REGEX,            /* ~ ~* !~ !~* */
    MX_IF_FILE,             /* -f !-f */
    MX_IF_DIR,              /* -d !-d */
    MX_IF_EXISTS,           /* -e !-e */
    MX_IF_EXEC              /* -x !-x */
} mx_http_rewrite_if_e;

#define MX_REWRITE_FLAG_NONE       0
#define MX_REWRITE_FLAG_LAST       1
#define MX_REWRITE_FLAG_BREAK      2
#define MX_REWRITE_FLAG_REDIRECT   3
#define MX_REWRITE_FLAG_PERMANENT  4

typedef struct {
    mx_http_rewrite_op_e        op;
    mx_uint_t                   status;     /* return, redirects */
    mx_uint_t                   flag;       /* rewrite */
    mx_http_regex_t            *regex;      /* rewrite */
    mx_http_complex_value_t     value;      /* set, return, rewrite */
    unsigned                    has_value:1;
    mx_http_variable_t         *var;        /* set */
    mx_http_rewrite_code_pt     handler;    /* custom */
    void                       *data;

    mx_http_rewrite_if_e        cond;       /* if */
    unsigned                    negative:1;
    mx_http_complex_value_t     operand;    /* the value compared with */
    mx_array_t                 *block;      /* the codes inside "if" */
} mx_http_rewrite_code_t;

typedef struct {
    mx_array_t                 *codes;      /* mx_http_rewrite_code_t */
} mx_http_rewrite_loc_conf_t;


static void *mx_http_rewrite_create_loc_conf(mx_conf_t *cf);
static int mx_http_rewrite_init(mx_conf_t *cf);
static char *mx_http_rewrite_set(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_rewrite_return(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_rewrite(mx_conf_t *cf, mx_command_t *cmd, void *conf);
static char *mx_http_rewrite_break(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static char *mx_http_rewrite_if(mx_conf_t *cf, mx_command_t *cmd,
    void *conf);
static int mx_http_rewrite_run(mx_http_request_t *r, mx_array_t *codes);

#define MX_REWRITE_CONF                                                    \
    (MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_HTTP_SIF_CONF|MX_HTTP_LIF_CONF)


static mx_command_t  mx_http_rewrite_commands[] = {

    { mx_string("set"),
      MX_REWRITE_CONF|MX_CONF_TAKE2,
      mx_http_rewrite_set, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("return"),
      MX_REWRITE_CONF|MX_CONF_TAKE12,
      mx_http_rewrite_return, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("rewrite"),
      MX_REWRITE_CONF|MX_CONF_TAKE23,
      mx_http_rewrite, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("break"),
      MX_REWRITE_CONF|MX_CONF_NOARGS,
      mx_http_rewrite_break, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("if"),
      MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_BLOCK|MX_CONF_1MORE,
      mx_http_rewrite_if, MX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { mx_string("rewrite_log"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_FLAG,
      mx_conf_noop_slot, 0, 0, NULL },

    { mx_string("uninitialized_variable_warn"),
      MX_HTTP_MAIN_CONF|MX_HTTP_SRV_CONF|MX_HTTP_LOC_CONF|MX_CONF_FLAG,
      mx_conf_noop_slot, 0, 0, NULL },

    mx_null_command
};

static mx_http_module_t  mx_http_rewrite_module_ctx = {
    NULL,
    mx_http_rewrite_init,
    NULL, NULL,
    NULL, NULL,
    mx_http_rewrite_create_loc_conf,
    NULL      /* codes are not inherited, as in nginx */
};

mx_module_t  mx_http_rewrite_module = {
    "mx_http_rewrite_module", 0, 0, MX_HTTP_MODULE,
    &mx_http_rewrite_module_ctx, mx_http_rewrite_commands, NULL, NULL, NULL
};


static void *
mx_http_rewrite_create_loc_conf(mx_conf_t *cf)
{
    return mx_pcalloc(cf->pool, sizeof(mx_http_rewrite_loc_conf_t));
}


static mx_http_rewrite_code_t *
mx_http_rewrite_push(mx_conf_t *cf, mx_http_rewrite_loc_conf_t *rlcf)
{
    mx_http_rewrite_code_t  *code;

    if (rlcf->codes == NULL) {
        rlcf->codes = mx_array_create(cf->pool, 4,
                                      sizeof(mx_http_rewrite_code_t));
        if (rlcf->codes == NULL) {
            return NULL;
        }
    }

    code = mx_array_push(rlcf->codes);
    if (code == NULL) {
        return NULL;
    }

    memset(code, 0, sizeof(mx_http_rewrite_code_t));
    return code;
}


static int
mx_http_rewrite_value(mx_conf_t *cf, mx_http_rewrite_code_t *code,
    const mx_str_t *value)
{
    code->value.raw = *value;
    code->has_value = 1;

    return mx_http_compile_complex_value(cf, &code->value);
}


int
mx_http_rewrite_add_code(mx_conf_t *cf, mx_http_rewrite_code_pt handler,
    void *data)
{
    mx_http_rewrite_loc_conf_t  *rlcf;
    mx_http_rewrite_code_t      *code;

    rlcf = mx_http_conf_get_module_loc_conf(cf, mx_http_rewrite_module);

    code = mx_http_rewrite_push(cf, rlcf);
    if (code == NULL) {
        return MX_ERROR;
    }

    code->op = MX_REWRITE_CUSTOM;
    code->handler = handler;
    code->data = data;

    return MX_OK;
}


static char *
mx_http_rewrite_set(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_rewrite_code_t  *code;
    mx_str_t                *value, name;

    mx_unused(cmd);

    value = cf->args->elts;

    if (value[1].len < 2 || value[1].data[0] != '$') {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid variable name \"%.*s\"",
                          MX_STR_ARG(value[1]));
        return MX_CONF_ERROR;
    }

    name.data = value[1].data + 1;
    name.len = value[1].len - 1;

    code = mx_http_rewrite_push(cf, conf);
    if (code == NULL) {
        return MX_CONF_ERROR;
    }

    code->op = MX_REWRITE_SET;
    code->var = mx_http_add_variable(cf, name.data, name.len,
                                     MX_HTTP_VAR_CHANGEABLE);
    if (code->var == NULL) {
        return MX_CONF_ERROR;
    }

    if (mx_http_rewrite_value(cf, code, &value[2]) != MX_OK) {
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;
}


static int
mx_http_rewrite_is_url(const mx_str_t *s)
{
    return (s->len > 7 && memcmp(s->data, "http://", 7) == 0)
           || (s->len > 8 && memcmp(s->data, "https://", 8) == 0)
           || (s->len > 7 && memcmp(s->data, "$scheme", 7) == 0);
}


static char *
mx_http_rewrite_return(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_rewrite_code_t  *code;
    mx_str_t                *value;
    mx_int_t                 status;

    mx_unused(cmd);

    value = cf->args->elts;

    code = mx_http_rewrite_push(cf, conf);
    if (code == NULL) {
        return MX_CONF_ERROR;
    }

    code->op = MX_REWRITE_RETURN;

    status = mx_atoi(value[1].data, value[1].len);

    if (status == MX_ERROR) {
        if (cf->args->nelts == 2 && mx_http_rewrite_is_url(&value[1])) {
            code->status = 302;
            if (mx_http_rewrite_value(cf, code, &value[1]) != MX_OK) {
                return MX_CONF_ERROR;
            }
            return MX_CONF_OK;
        }

        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid return code \"%.*s\"",
                          MX_STR_ARG(value[1]));
        return MX_CONF_ERROR;
    }

    if (status > 999) {
        mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid return code \"%.*s\"",
                          MX_STR_ARG(value[1]));
        return MX_CONF_ERROR;
    }

    code->status = (mx_uint_t) status;

    if (cf->args->nelts == 3
        && mx_http_rewrite_value(cf, code, &value[2]) != MX_OK)
    {
        return MX_CONF_ERROR;
    }

    return MX_CONF_OK;
}


static char *
mx_http_rewrite(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_rewrite_code_t  *code;
    mx_str_t                *value;

    mx_unused(cmd);

    value = cf->args->elts;

    code = mx_http_rewrite_push(cf, conf);
    if (code == NULL) {
        return MX_CONF_ERROR;
    }

    code->op = MX_REWRITE_REWRITE;

    code->regex = mx_http_regex_compile(cf, &value[1], 0);
    if (code->regex == NULL) {
        return MX_CONF_ERROR;
    }

    if (mx_http_rewrite_value(cf, code, &value[2]) != MX_OK) {
        return MX_CONF_ERROR;
    }

    if (mx_http_rewrite_is_url(&value[2])) {
        code->flag = MX_REWRITE_FLAG_REDIRECT;
        code->status = 302;
    }

    if (cf->args->nelts == 4) {
        if (mx_str_eq(&value[3], "last") == MX_OK) {
            code->flag = MX_REWRITE_FLAG_LAST;

        } else if (mx_str_eq(&value[3], "break") == MX_OK) {
            code->flag = MX_REWRITE_FLAG_BREAK;

        } else if (mx_str_eq(&value[3], "redirect") == MX_OK) {
            code->flag = MX_REWRITE_FLAG_REDIRECT;
            code->status = 302;

        } else if (mx_str_eq(&value[3], "permanent") == MX_OK) {
            code->flag = MX_REWRITE_FLAG_PERMANENT;
            code->status = 301;

        } else {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "invalid parameter \"%.*s\"",
                              MX_STR_ARG(value[3]));
            return MX_CONF_ERROR;
        }
    }

    return MX_CONF_OK;
}


static char *
mx_http_rewrite_break(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_rewrite_code_t  *code;

    mx_unused(cmd);

    code = mx_http_rewrite_push(cf, conf);
    if (code == NULL) {
        return MX_CONF_ERROR;
    }

    code->op = MX_REWRITE_BREAK;
    return MX_CONF_OK;
}


/*
 * "if (condition) { ... }": the words between the parentheses as nginx
 * splits them; only rewrite directives may stand in the block.
 */
static char *
mx_http_rewrite_if(mx_conf_t *cf, mx_command_t *cmd, void *conf)
{
    mx_http_rewrite_loc_conf_t  *rlcf = conf, *inner;
    mx_http_rewrite_code_t      *code;
    mx_http_conf_ctx_t          *ctx, *pctx;
    mx_str_t                    *value, args[3], op;
    mx_uint_t                    i, n;
    mx_conf_t                    save;
    char                        *rv;

    mx_unused(cmd);

    value = cf->args->elts;

    /* strip "(" and ")" and drop the words they leave empty */
    n = 0;
    for (i = 1; i < cf->args->nelts; i++) {
        mx_str_t  w = value[i];

        if (i == 1) {
            if (w.len == 0 || w.data[0] != '(') {
                goto invalid;
            }
            w.data++;
            w.len--;
        }

        if (i == cf->args->nelts - 1) {
            if (w.len == 0 || w.data[w.len - 1] != ')') {
                goto invalid;
            }
            w.len--;
        }

        if (w.len == 0) {
            continue;
        }

        if (n == 3) {
            goto invalid;
        }

        args[n++] = w;
    }

    code = mx_http_rewrite_push(cf, rlcf);
    if (code == NULL) {
        return MX_CONF_ERROR;
    }

    code->op = MX_REWRITE_IF;

    if (n == 1 && args[0].data[0] == '$') {
        code->cond = MX_IF_VALUE;
        code->value.raw = args[0];

    } else if (n == 2 && (args[0].len == 2 || args[0].len == 3)
               && memchr("!-", args[0].data[0], 2))
    {
        op = args[0];
        if (op.data[0] == '!') {
            code->negative = 1;
            op.data++;
            op.len--;
        }

        if (op.len != 2 || op.data[0] != '-') {
            goto invalid;
        }

        switch (op.data[1]) {
        case 'f': code->cond = MX_IF_FILE; break;
        case 'd': code->cond = MX_IF_DIR; break;
        case 'e': code->cond = MX_IF_EXISTS; break;
        case 'x': code->cond = MX_IF_EXEC; break;
        default: goto invalid;
        }

        code->value.raw = args[1];

    } else if (n == 3 && args[0].data[0] == '$') {
        op = args[1];
        code->value.raw = args[0];
        code->operand.raw = args[2];

        if (mx_str_eq(&op, "=") == MX_OK || mx_str_eq(&op, "!=") == MX_OK) {
            code->cond = MX_IF_EQUAL;
            code->negative = op.len == 2;

        } else if (mx_str_eq(&op, "~") == MX_OK
                   || mx_str_eq(&op, "~*") == MX_OK
                   || mx_str_eq(&op, "!~") == MX_OK
                   || mx_str_eq(&op, "!~*") == MX_OK)
        {
            code->cond = MX_IF_REGEX;
            code->negative = op.data[0] == '!';
            code->regex = mx_http_regex_compile(cf, &args[2],
                                              op.data[op.len - 1] == '*');
            if (code->regex == NULL) {
                return MX_CONF_ERROR;
            }

        } else {
            mx_conf_log_error(MX_LOG_EMERG, cf, 0,
                              "unexpected \"%.*s\" in condition",
                              MX_STR_ARG(op));
            return MX_CONF_ERROR;
        }

        if (code->cond == MX_IF_EQUAL
            && mx_http_compile_complex_value(cf, &code->operand) != MX_OK)
        {
            return MX_CONF_ERROR;
        }

    } else {
        goto invalid;
    }

    if (mx_http_compile_complex_value(cf, &code->value) != MX_OK) {
        return MX_CONF_ERROR;
    }

    /* the block's directives add to a code list of their own */
    inner = mx_pcalloc(cf->pool, sizeof(mx_http_rewrite_loc_conf_t));
    ctx = mx_pcalloc(cf->pool, sizeof(mx_http_conf_ctx_t));
    if (inner == NULL || ctx == NULL) {
        return MX_CONF_ERROR;
    }

    pctx = cf->ctx;
    ctx->main_conf = pctx->main_conf;
    ctx->srv_conf = pctx->srv_conf;
    ctx->loc_conf = mx_palloc(cf->pool, sizeof(void *) * mx_http_max_module);
    if (ctx->loc_conf == NULL) {
        return MX_CONF_ERROR;
    }

    memcpy(ctx->loc_conf, pctx->loc_conf,
           sizeof(void *) * mx_http_max_module);
    ctx->loc_conf[mx_http_rewrite_module.ctx_index] = inner;

    save = *cf;
    cf->ctx = ctx;
    cf->cmd_type = (save.cmd_type == MX_HTTP_SRV_CONF) ? MX_HTTP_SIF_CONF
                                                       : MX_HTTP_LIF_CONF;
    rv = mx_conf_parse(cf, NULL);
    *cf = save;

    if (rv != MX_CONF_OK) {
        return rv;
    }

    code->block = inner->codes;
    return MX_CONF_OK;

invalid:

    mx_conf_log_error(MX_LOG_EMERG, cf, 0, "invalid condition \"%.*s\"",
                      MX_STR_ARG(value[1]));
    return MX_CONF_ERROR;
}


/* ------------------------------------------------------------ runtime */

static int
mx_http_rewrite_run_return(mx_http_request_t *r, mx_http_rewrite_code_t *c)
{
    mx_table_elt_t  *h;
    mx_str_t         text;

    if (!c->has_value) {
        return (int) c->status;
    }

    if (mx_http_complex_value(r, &c->value, &text) != MX_OK) {
        return 500;
    }

    if (c->status == 301 || c->status == 302 || c->status == 303
        || c->status == 307 || c->status == 308)
    {
        h = mx_http_add_header_out(r, (u_char *) "Location", 8, text.data,
                                   text.len);
        if (h == NULL) {
            return 500;
        }

        r->headers_out.location = h;
        return (int) c->status;
    }

    /* the type comes from the URI's extension, as for static files */
    if (mx_http_send_response(r, c->status, NULL, &text) == MX_ERROR) {
        return MX_ERROR;
    }

    return MX_OK;
}


/*
 * "rewrite": MX_DECLINED (no match, go on), MX_OK (uri changed, go on),
 * MX_DONE (stop the codes), or a status to finalize with.
 */
static int
mx_http_rewrite_run_rewrite(mx_http_request_t *r, mx_http_rewrite_code_t *c)
{
    mx_table_elt_t  *h;
    mx_str_t         to, args;
    u_char          *q, *p;
    int              rc, keep_args;

    rc = mx_http_regex_exec(r, c->regex, &r->uri);
    if (rc == MX_DECLINED) {
        return MX_DECLINED;
    }

    if (rc != MX_OK) {
        return 500;
    }

    if (mx_http_complex_value(r, &c->value, &to) != MX_OK) {
        return 500;
    }

    if (c->flag == MX_REWRITE_FLAG_REDIRECT
        || c->flag == MX_REWRITE_FLAG_PERMANENT)
    {
        /* the original arguments follow unless the target ends with "?" */
        if (to.len && to.data[to.len - 1] == '?') {
            to.len--;

        } else if (r->args.len) {
            p = mx_pnalloc(r->pool, to.len + 1 + r->args.len);
            if (p == NULL) {
                return 500;
            }
            memcpy(p, to.data, to.len);
            p[to.len] = memchr(to.data, '?', to.len) ? '&' : '?';
            memcpy(p + to.len + 1, r->args.data, r->args.len);
            to.data = p;
            to.len += 1 + r->args.len;
        }

        h = mx_http_add_header_out(r, (u_char *) "Location", 8, to.data,
                                   to.len);
        if (h == NULL) {
            return 500;
        }

        r->headers_out.location = h;
        return (int) c->status;
    }

    /* a trailing "?" means: no arguments but the replacement's own */
    keep_args = 1;
    if (to.len && to.data[to.len - 1] == '?') {
        to.len--;
        keep_args = 0;
    }

    q = memchr(to.data, '?', to.len);
    if (q) {
        args.data = q + 1;
        args.len = to.data + to.len - q - 1;
        to.len = q - to.data;

        if (keep_args && r->args.len) {
            p = mx_pnalloc(r->pool, args.len + 1 + r->args.len);
            if (p == NULL) {
                return 500;
            }
            memcpy(p, args.data, args.len);
            p[args.len] = '&';
            memcpy(p + args.len + 1, r->args.data, r->args.len);
            args.data = p;
            args.len += 1 + r->args.len;
        }

        r->args = args;

    } else if (!keep_args) {
        mx_str_null(&r->args);
    }

    r->uri = to;

    {
        /* the extension, for the MIME type */
        size_t  i;

        mx_str_null(&r->exten);
        for (i = r->uri.len; i > 0; i--) {
            if (r->uri.data[i - 1] == '.') {
                r->exten.data = &r->uri.data[i];
                r->exten.len = r->uri.len - i;
                break;
            }
            if (r->uri.data[i - 1] == '/') {
                break;
            }
        }
    }

    if (c->flag == MX_REWRITE_FLAG_BREAK) {
        r->uri_changed = 0;
        return MX_DONE;
    }

    r->uri_changed = 1;

    return c->flag == MX_REWRITE_FLAG_LAST ? MX_DONE : MX_OK;
}


/* MX_OK (true), MX_DECLINED (false) or MX_ERROR */
static int
mx_http_rewrite_test(mx_http_request_t *r, mx_http_rewrite_code_t *c)
{
    mx_str_t     value, operand;
    struct stat  st;
    u_char      *path;
    int          rc;

    if (mx_http_complex_value(r, &c->value, &value) != MX_OK) {
        return MX_ERROR;
    }

    switch (c->cond) {

    case MX_IF_VALUE:
        rc = value.len && !(value.len == 1 && value.data[0] == '0');
        break;

    case MX_IF_EQUAL:
        if (mx_http_complex_value(r, &c->operand, &operand) != MX_OK) {
            return MX_ERROR;
        }
        rc = value.len == operand.len
             && memcmp(value.data, operand.data, value.len) == 0;
        break;

    case MX_IF_REGEX:
        rc = mx_http_regex_exec(r, c->regex, &value);
        if (rc == MX_ERROR) {
            return MX_ERROR;
        }
        rc = (rc == MX_OK);
        break;

    default:
        path = mx_pstrdup(r->pool, value.data, value.len);
        if (path == NULL) {
            return MX_ERROR;
        }

        if (stat((char *) path, &st) == -1) {
            rc = 0;
        } else if (c->cond == MX_IF_FILE) {
            rc = S_ISREG(st.st_mode);
        } else if (c->cond == MX_IF_DIR) {
            rc = S_ISDIR(st.st_mode);
        } else if (c->cond == MX_IF_EXEC) {
            rc = access((char *) path, X_OK) == 0;
        } else {
            rc = 1;
        }
        break;
    }

    if (c->negative) {
        rc = !rc;
    }

    return rc ? MX_OK : MX_DECLINED;
}


/*
 * Runs a code list: MX_OK when it ran to the end, MX_DECLINED when a
 * code stopped it (break, rewrite last/break), MX_DONE when a response
 * was finalized, or a status / MX_ERROR.
 */
static int
mx_http_rewrite_run(mx_http_request_t *r, mx_array_t *codes)
{
    mx_http_rewrite_code_t  *c;
    mx_str_t                 value;
    mx_uint_t                i;
    int                      rc;

    c = codes->elts;

    for (i = 0; i < codes->nelts; i++) {

        switch (c[i].op) {

        case MX_REWRITE_SET:
            if (mx_http_complex_value(r, &c[i].value, &value) != MX_OK
                || mx_http_variable_set_value(r, c[i].var, &value) != MX_OK)
            {
                return 500;
            }
            break;

        case MX_REWRITE_RETURN:
            rc = mx_http_rewrite_run_return(r, &c[i]);
            if (rc == MX_OK) {
                /* the response is complete */
                mx_http_finalize_request(r, MX_OK);
                return MX_DONE;
            }
            return rc;

        case MX_REWRITE_REWRITE:
            rc = mx_http_rewrite_run_rewrite(r, &c[i]);
            if (rc == MX_DONE) {
                return MX_DECLINED;
            }
            if (rc != MX_OK && rc != MX_DECLINED) {
                return rc;
            }
            break;

        case MX_REWRITE_BREAK:
            return MX_DECLINED;

        case MX_REWRITE_CUSTOM:
            if (c[i].handler(r, c[i].data) != MX_OK) {
                return 500;
            }
            break;

        case MX_REWRITE_IF:
            rc = mx_http_rewrite_test(r, &c[i]);
            if (rc == MX_ERROR) {
                return 500;
            }

            if (rc == MX_OK && c[i].block) {
                rc = mx_http_rewrite_run(r, c[i].block);
                if (rc != MX_OK) {
                    return rc;
                }
            }
            break;
        }
    }

    return MX_OK;
}


/* the phase handler of both the server-rewrite and the rewrite phase */
static int
mx_http_rewrite_handler(mx_http_request_t *r)
{
    mx_http_rewrite_loc_conf_t  *rlcf;
    int                          rc;

    /* a request that matched no location has only the server's codes */
    if (r->phase == MX_HTTP_REWRITE_PHASE
        && r->loc_conf == r->srv->ctx_loc_conf)
    {
        return MX_DECLINED;
    }

    rlcf = mx_http_get_module_loc_conf(r, mx_http_rewrite_module);
    if (rlcf->codes == NULL) {
        return MX_DECLINED;
    }

    rc = mx_http_rewrite_run(r, rlcf->codes);

    return (rc == MX_OK) ? MX_DECLINED : rc;
}


static int
mx_http_rewrite_init(mx_conf_t *cf)
{
    mx_http_core_main_conf_t  *cmcf;
    mx_http_handler_pt        *h;

    cmcf = mx_http_conf_get_module_main_conf(cf, mx_http_core_module);

    h = mx_array_push(&cmcf->phases[MX_HTTP_SERVER_REWRITE_PHASE].handlers);
    if (h == NULL) {
        return MX_ERROR;
    }
    *h = mx_http_rewrite_handler;

    h = mx_array_push(&cmcf->phases[MX_HTTP_REWRITE_PHASE].handlers);
    if (h == NULL) {
        return MX_ERROR;
    }
    *h = mx_http_rewrite_handler;

    return MX_OK;
}
