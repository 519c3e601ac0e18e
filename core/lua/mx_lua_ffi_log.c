#include "mx_lua_module.h"
#include "mx_lua_ffi.h"

/* ngx.log and print: the message is built in Lua, written here */


static mx_log_t *
mx_ffi_log_get(mx_http_request_t *r)
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
mx_ffi_log_level(mx_http_request_t *r)
{
    return (int) mx_ffi_log_get(r)->level;
}


int
mx_ffi_log(mx_http_request_t *r, int level, const u_char *msg, size_t len)
{
    mx_log_t  *log;

    if (level < MX_LOG_STDERR || level > MX_LOG_DEBUG) {
        return MX_ERROR;
    }

    log = mx_ffi_log_get(r);

    mx_log_error((mx_uint_t) level, log, 0, "[lua] %.*s",
                 (int) mx_min(len, (size_t) MX_MAX_ERROR_STR), msg);

    return MX_OK;
}
