#include "mx_lua_module.h"
#include "mx_lua_ffi.h"

/* ngx.var.NAME and ngx.var[N]: reading and writing nginx variables */


static int mx_ffi_var_is_number(const u_char *name, size_t len);
static int mx_ffi_var_is_builtin(const u_char *low, size_t len,
    mx_pool_t *pool);
static int mx_ffi_var_err(u_char *err, size_t *errlen, const char *fmt,
    ...);


int
mx_ffi_var_get(mx_http_request_t *r, const u_char *name, size_t len,
    u_char *lowcase_buf, int capture_id, const u_char **value,
    size_t *value_len, const char **err)
{
    mx_uint_t  n;
    mx_str_t   v;

    if (r == NULL) {
        *err = "no request object found";
        return MX_ERROR;
    }

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    if (name == NULL) {
        /* $N of the last regex match; an unmatched group is "" */
        if (capture_id <= 0) {
            return MX_DECLINED;
        }

        n = (mx_uint_t) capture_id;

        if (r->captures == NULL || r->captures_data == NULL
            || n >= r->ncaptures)
        {
            return MX_DECLINED;
        }

        if (r->captures[2 * n] == (size_t) -1) {
            *value = (const u_char *) "";
            *value_len = 0;
            return MX_OK;
        }

        *value = r->captures_data + r->captures[2 * n];
        *value_len = r->captures[2 * n + 1] - r->captures[2 * n];
        return MX_OK;
    }

    /* captures are reached by number only, as in lua-nginx-module */
    if (len == 0 || mx_ffi_var_is_number(name, len)) {
        return MX_DECLINED;
    }

    /* names are mostly lowercase already: copied only when not */
    for (n = 0; n < len; n++) {
        if (name[n] >= 'A' && name[n] <= 'Z') {
            mx_strlow(lowcase_buf, name, len);
            name = lowcase_buf;
            break;
        }
    }

    if (mx_http_variable_get(r, name, len, &v) != MX_OK) {
        return MX_DECLINED;
    }

    *value = v.data ? v.data : (const u_char *) "";
    *value_len = v.len;

    return MX_OK;
}


int
mx_ffi_var_set(mx_http_request_t *r, const u_char *name, size_t len,
    u_char *lowcase_buf, const u_char *value, size_t value_len,
    u_char *err, size_t *errlen)
{
    int        rc;
    u_char    *p;
    mx_str_t   v;

    if (r == NULL) {
        return mx_ffi_var_err(err, errlen, "no request object found");
    }

    if (mx_http_lua_check_fake(r)) {
        return MX_FFI_BAD_CONTEXT;
    }

    mx_strlow(lowcase_buf, name, len);

    if (len == 0 || mx_ffi_var_is_number(name, len)) {
        goto not_found;
    }

    if (value == NULL) {
        /* nil: "not found" from now on */
        v.data = NULL;
        v.len = 0;

    } else {
        /* the value outlives the Lua string */
        p = mx_pnalloc(r->pool, value_len ? value_len : 1);
        if (p == NULL) {
            return mx_ffi_var_err(err, errlen, "no memory");
        }

        memcpy(p, value, value_len);
        v.data = p;
        v.len = value_len;
    }

    rc = mx_http_variable_set(r, lowcase_buf, len, &v);

    if (rc == MX_OK) {
        return MX_OK;
    }

    if (rc == MX_ERROR) {
        return mx_ffi_var_err(err, errlen, "no memory");
    }

    if (mx_ffi_var_is_builtin(lowcase_buf, len, r->pool)) {
        return mx_ffi_var_err(err, errlen, "variable \"%.*s\" not changeable",
                              (int) len, lowcase_buf);
    }

not_found:

    return mx_ffi_var_err(err, errlen,
                          "variable \"%.*s\" not found for writing; maybe it "
                          "is a built-in variable that is not changeable or "
                          "you forgot to use \"set $%.*s '';\" in the config "
                          "file to define it first",
                          (int) len, lowcase_buf, (int) len, lowcase_buf);
}


static int
mx_ffi_var_is_number(const u_char *name, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (name[i] < '0' || name[i] > '9') {
            return 0;
        }
    }

    return 1;
}


/*
 * Whether low names a built-in variable of its own ($uri), which nginx
 * reports as "not changeable", rather than one of a prefix ($http_x),
 * which it does not know for writing. A prefix matches the name with a
 * byte appended too; an exact built-in does not. nginx also has exact
 * variables for some headers that moxy serves through the prefixes.
 */
static int
mx_ffi_var_is_builtin(const u_char *low, size_t len, mx_pool_t *pool)
{
    static const mx_str_t  nginx_exact[] = {
        mx_string("http_host"),
        mx_string("http_user_agent"),
        mx_string("http_referer"),
        mx_string("http_via"),
        mx_string("http_x_forwarded_for"),
        mx_string("http_cookie"),
        mx_string("sent_http_content_type"),
        mx_string("sent_http_content_length"),
        mx_string("sent_http_location"),
        mx_string("sent_http_last_modified"),
        mx_string("sent_http_connection"),
        mx_string("sent_http_keep_alive"),
        mx_string("sent_http_transfer_encoding"),
        mx_string("sent_http_cache_control"),
        mx_string("sent_http_link"),
    };

    u_char     *p;
    mx_uint_t   i;

    if (mx_http_variable_exists(low, len) != MX_OK) {
        return 0;
    }

    for (i = 0; i < mx_nelems(nginx_exact); i++) {
        if (nginx_exact[i].len == len
            && memcmp(nginx_exact[i].data, low, len) == 0)
        {
            return 1;
        }
    }

    p = mx_pnalloc(pool, len + 1);
    if (p == NULL) {
        return 0;
    }

    memcpy(p, low, len);
    p[len] = '\x01';

    return mx_http_variable_exists(p, len + 1) != MX_OK;
}


/* formats into err (*errlen: room, then length); returns MX_ERROR */
static int
mx_ffi_var_err(u_char *err, size_t *errlen, const char *fmt, ...)
{
    int      n;
    va_list  args;

    va_start(args, fmt);
    n = vsnprintf((char *) err, *errlen, fmt, args);
    va_end(args);

    *errlen = n < 0 ? 0 : mx_min((size_t) n, *errlen);

    return MX_ERROR;
}
