#include "mx_lua_module.h"
#include "mx_lua_ffi.h"

/* ngx.errlog: the error log's level, raw lines, the capture buffer */


#define MX_FFI_NO_CAPTURE  "directive \"lua_capture_error_log\" is not set"


static mx_log_t *
mx_ffi_errlog_get(mx_http_request_t *r)
{
    if (r && r->connection) {
        return &r->connection->log;
    }

    if (mx_cycle && mx_cycle->log) {
        return mx_cycle->log;
    }

    return &mx_log_main;
}


int
mx_ffi_errlog_get_sys_filter_level(mx_http_request_t *r)
{
    return (int) mx_ffi_errlog_get(r)->level;
}


int
mx_ffi_raw_log(mx_http_request_t *r, int level, const u_char *msg,
    size_t len)
{
    mx_log_t  *log;

    if (level < MX_LOG_STDERR || level > MX_LOG_DEBUG) {
        return MX_ERROR;
    }

    log = mx_ffi_errlog_get(r);

    mx_log_error((mx_uint_t) level, log, 0, "%.*s",
                 (int) mx_min(len, (size_t) MX_MAX_ERROR_STR), msg);

    return MX_OK;
}


static int
mx_ffi_errlog_no_capture(u_char *err, size_t *errlen)
{
    size_t  n;

    n = mx_min(*errlen, sizeof(MX_FFI_NO_CAPTURE) - 1);
    memcpy(err, MX_FFI_NO_CAPTURE, n);
    *errlen = n;

    return MX_ERROR;
}


int
mx_ffi_errlog_set_filter_level(int level, u_char *err, size_t *errlen)
{
    mx_unused(level);

    return mx_ffi_errlog_no_capture(err, errlen);
}


int
mx_ffi_errlog_get_msg(char **log, int *loglevel, u_char *err,
    size_t *errlen, double *log_time)
{
    mx_unused(log);
    mx_unused(loglevel);
    mx_unused(log_time);

    return mx_ffi_errlog_no_capture(err, errlen);
}
