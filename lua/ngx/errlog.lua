-- ngx.errlog, lua-resty-core's module: `require "ngx.errlog"`.
--   raw_log(level, msg)      writes msg as it is (no "[lua] file:line:")
--   get_sys_filter_level()   the error_log level (ngx.ERR, ngx.DEBUG...)
--   set_filter_level(level), get_logs(max?, logs?)
--                            need lua_capture_error_log, which moxy has
--                            not yet: nil, 'directive
--                            "lua_capture_error_log" is not set'


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local type = type
local error = error
local tonumber = tonumber
local ffi_new = ffi.new
local ffi_str = ffi.string
local get_request = base.get_request
local get_string_buf = base.get_string_buf
local get_size_ptr = base.get_size_ptr
local new_tab = base.new_tab
local FFI_ERROR = base.FFI_ERROR


ffi.cdef[[
    int mx_ffi_errlog_get_sys_filter_level(mx_http_request_t *r);
    int mx_ffi_raw_log(mx_http_request_t *r, int level,
        const unsigned char *msg, size_t len);
    int mx_ffi_errlog_set_filter_level(int level, unsigned char *err,
        size_t *errlen);
    int mx_ffi_errlog_get_msg(char **log, int *loglevel,
        unsigned char *err, size_t *errlen, double *log_time);
]]


local ERR_BUF_SIZE = 128

local charpp = ffi_new("char *[1]")
local intp = ffi_new("int[1]")
local num_value = ffi_new("double[1]")


local _M = { version = base.version }


function _M.set_filter_level(level)
    if not level then
        return nil, [[missing "level" argument]]
    end

    local err = get_string_buf(ERR_BUF_SIZE)
    local errlen = get_size_ptr()
    errlen[0] = ERR_BUF_SIZE

    if C.mx_ffi_errlog_set_filter_level(level, err, errlen) == FFI_ERROR then
        return nil, ffi_str(err, errlen[0])
    end

    return true
end


-- up to max entries as level, time, message triplets in logs
function _M.get_logs(max, logs)
    local err = get_string_buf(ERR_BUF_SIZE)
    local errlen = get_size_ptr()
    errlen[0] = ERR_BUF_SIZE

    max = max or 10

    if not logs then
        logs = new_tab(max * 3 + 1, 0)
    end

    local count = 0

    for i = 1, max do
        local loglen = C.mx_ffi_errlog_get_msg(charpp, intp, err, errlen,
                                               num_value)
        if loglen == FFI_ERROR then
            return nil, ffi_str(err, errlen[0])
        end

        if loglen > 0 then
            logs[count + 1] = intp[0]
            logs[count + 2] = num_value[0]
            logs[count + 3] = ffi_str(charpp[0], loglen)
            count = count + 3
        end

        if loglen < 0 or i == max then
            logs[count + 1] = nil
            break
        end
    end

    return logs
end


function _M.get_sys_filter_level()
    -- through a local: a trace cannot return from a tail call to a builtin
    local ret = tonumber(C.mx_ffi_errlog_get_sys_filter_level(get_request()))
    return ret
end


function _M.raw_log(level, msg)
    if type(level) ~= "number" then
        error("bad argument #1 to 'raw_log' (must be a number)", 2)
    end

    if type(msg) ~= "string" then
        error("bad argument #2 to 'raw_log' (must be a string)", 2)
    end

    if C.mx_ffi_raw_log(get_request(), level, msg, #msg) == FFI_ERROR then
        error("bad log level", 2)
    end
end


return _M
