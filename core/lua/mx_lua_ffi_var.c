#include "mx_lua_module.h"
#include "mx_lua_ffi.h"

/* ngx.var.NAME (reading; writing comes with "set" variables) */


int
mx_ffi_var_get(mx_http_request_t *r, const u_char *name, size_t len,
    u_char *lowcase_buf, const u_char **value, size_t *value_len,
    const char **err)
{
    mx_str_t  v;

    if (r == NULL) {
        *err = "no request object found";
        return MX_ERROR;
    }

    if (len == 0) {
        return MX_DECLINED;
    }

    mx_strlow(lowcase_buf, name, len);

    if (mx_http_variable_get(r, lowcase_buf, len, &v) != MX_OK) {
        return MX_DECLINED;
    }

    *value = v.data;
    *value_len = v.len;

    return MX_OK;
}


int
mx_ffi_var_set(mx_http_request_t *r, const u_char *name, size_t len,
    u_char *lowcase_buf, const u_char *value, size_t value_len,
    u_char *err, size_t *errlen)
{
    int  n;

    mx_unused(value);
    mx_unused(value_len);

    if (r == NULL) {
        n = snprintf((char *) err, *errlen, "no request object found");
        *errlen = n < 0 ? 0 : mx_min((size_t) n, *errlen);
        return MX_ERROR;
    }

    mx_strlow(lowcase_buf, name, len);

    if (mx_http_variable_exists(lowcase_buf, len) == MX_OK) {
        n = snprintf((char *) err, *errlen, "variable \"%.*s\" not changeable",
                     (int) len, (char *) lowcase_buf);

    } else {
        n = snprintf((char *) err, *errlen,
                     "variable \"%.*s\" not found for writing; maybe it is "
                     "a built-in variable that is not changeable or you "
                     "forgot to use \"set $%.*s '';\" in the config file to "
                     "define it first", (int) len, (char *) lowcase_buf,
                     (int) len, (char *) lowcase_buf);
    }

    *errlen = n < 0 ? 0 : mx_min((size_t) n, *errlen);

    return MX_ERROR;
}
