-- ngx.time, ngx.now, ngx.update_time, ngx.today, ngx.localtime,
-- ngx.utctime, ngx.http_time, ngx.cookie_time, ngx.parse_http_time;
-- the module gives monotonic_msec() and monotonic_time() as
-- lua-resty-core's resty.core.time does.


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local type = type
local error = error
local tonumber = tonumber
local ffi_new = ffi.new
local ffi_str = ffi.string
local get_string_buf = base.get_string_buf
local FFI_OK = base.FFI_OK


ffi.cdef[[
    double mx_ffi_now(void);
    long mx_ffi_time(void);
    long mx_ffi_monotonic_msec(void);
    void mx_ffi_update_time(void);
    void mx_ffi_today(unsigned char *buf);
    void mx_ffi_localtime(unsigned char *buf);
    void mx_ffi_utctime(unsigned char *buf);
    void mx_ffi_http_time(unsigned char *buf, long t);
    int mx_ffi_cookie_time(unsigned char *buf, long t);
    int mx_ffi_parse_http_time(const unsigned char *s, size_t len,
        long *time);
]]


local time_val = ffi_new("long[1]")


function ngx.now()
    -- through a local: a trace cannot return from a tail call to a builtin
    local ret = tonumber(C.mx_ffi_now())
    return ret
end


function ngx.time()
    local ret = tonumber(C.mx_ffi_time())
    return ret
end


function ngx.update_time()
    C.mx_ffi_update_time()
end


-- 2010-11-19
function ngx.today()
    local buf = get_string_buf(10)
    C.mx_ffi_today(buf)
    local ret = ffi_str(buf, 10)
    return ret
end


-- 2010-11-19 20:56:31
function ngx.localtime()
    local buf = get_string_buf(19)
    C.mx_ffi_localtime(buf)
    local ret = ffi_str(buf, 19)
    return ret
end


function ngx.utctime()
    local buf = get_string_buf(19)
    C.mx_ffi_utctime(buf)
    local ret = ffi_str(buf, 19)
    return ret
end


-- Thu, 18 Nov 2010 11:27:35 GMT
function ngx.http_time(sec)
    if type(sec) ~= "number" then
        error("number argument only", 2)
    end

    local buf = get_string_buf(29)
    C.mx_ffi_http_time(buf, sec)
    local ret = ffi_str(buf, 29)
    return ret
end


-- Thu, 18-Nov-10 11:27:35 GMT (a 4-digit year from 2038)
function ngx.cookie_time(sec)
    if type(sec) ~= "number" then
        error("number argument only", 2)
    end

    local buf = get_string_buf(29)
    local n = C.mx_ffi_cookie_time(buf, sec)
    local ret = ffi_str(buf, n)
    return ret
end


function ngx.parse_http_time(str)
    if type(str) ~= "string" then
        error("string argument only", 2)
    end

    if C.mx_ffi_parse_http_time(str, #str, time_val) ~= FFI_OK then
        return nil
    end

    local ret = tonumber(time_val[0])
    return ret
end


local function monotonic_msec()
    local ret = tonumber(C.mx_ffi_monotonic_msec())
    return ret
end


local function monotonic_time()
    return tonumber(C.mx_ffi_monotonic_msec()) / 1000
end


return {
    version = base.version,
    monotonic_msec = monotonic_msec,
    monotonic_time = monotonic_time,
}
