#include "mx_http.h"
#include "mx_http_variables_internal.h"

/*
 * Variables with nginx's names and semantics, and complex values: the
 * engine that finds a variable by name and evaluates it.
 *
 * Built-in variables are static tables in mx_http_variables_builtin.c;
 * other modules add theirs to cmcf->variables (as pointers) with
 * mx_http_add_variable(). A complex value is compiled at config time into
 * parts that hold the getter, so a request never looks a name up. A
 * reference to a name nobody defined yet is kept as an "unresolved"
 * entry, as nginx does, because "set $x" may come after "log_format ...
 * $x"; mx_http_variables_init_vars() complains about the ones still
 * unresolved at the end of the http block.
 */


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


/* the getter of a prefix added without one: its variables have no value */
static int
mx_http_var_none(mx_http_request_t *r, mx_str_t *v, uintptr_t data)
{
    mx_unused(r);
    mx_unused(v);
    mx_unused(data);

    return MX_DECLINED;
}


/* ----------------------------------------------------------- lookup */

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

mx_http_var_ctx_t *
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

    /* a NULL value (ngx.var.x = nil) makes the variable "not found" */
    val = *value;
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
    v->parts = NULL;

    if (v->raw.len == 0 || memchr(v->raw.data, '$', v->raw.len) == NULL) {
        return MX_OK;
    }

    v->parts = mx_array_create(cf->pool, 4, sizeof(mx_http_cv_part_t));
    if (v->parts == NULL) {
        return MX_ERROR;
    }

    return mx_http_compile_parts(cf, v->parts, &v->raw);
}


int
mx_http_compile_parts(mx_conf_t *cf, mx_array_t *parts, const mx_str_t *text)
{
    mx_http_cv_part_t  *part;
    u_char             *p, *last, *start, ch;
    int                 bracket;
    mx_str_t            name;

    p = text->data;
    last = p + text->len;

    while (p < last) {
        if (*p != '$') {
            start = p;
            while (p < last && *p != '$') {
                p++;
            }

            part = mx_array_push(parts);
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

        part = mx_array_push(parts);
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
