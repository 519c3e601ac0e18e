-- The ngx table's magic keys: ngx.status (get/set), ngx.headers_sent,
-- ngx.is_subrequest; other keys are plain fields.


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local type = type
local error = error
local rawget = rawget
local rawset = rawset
local tonumber = tonumber
local setmetatable = setmetatable
local get_request = base.get_request
local no_request_error = base.no_request_error
local new_tab = base.new_tab
local FFI_BAD_CONTEXT = base.FFI_BAD_CONTEXT


local _M = new_tab(0, 3)
local getters = new_tab(0, 4)
local setters = new_tab(0, 2)


function _M.register_ngx_magic_key_getter(key, func)
    getters[key] = func
end


function _M.register_ngx_magic_key_setter(key, func)
    setters[key] = func
end


setmetatable(ngx, {
    __index = function (tb, key)
        local f = getters[key]
        if f then
            return f()
        end

        -- through a local: a trace cannot return from a tail call to a builtin
        local ret = rawget(tb, key)
        return ret
    end,

    __newindex = function (tb, key, value)
        local f = setters[key]
        if f then
            return f(value)
        end

        local ret = rawset(tb, key, value)
        return ret
    end,
})


ffi.cdef[[
    int mx_ffi_get_resp_status(mx_http_request_t *r);
    int mx_ffi_set_resp_status(mx_http_request_t *r, int status);
    int mx_ffi_headers_sent(mx_http_request_t *r);
]]


getters.status = function ()
    local r = get_request()
    if not r then
        if no_request_error(nil) then
            error("API disabled in the current context", 2)
        end

        error("no request found")
    end

    local rc = C.mx_ffi_get_resp_status(r)
    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    return rc
end


setters.status = function (status)
    local r = get_request()
    if not r then
        if no_request_error(nil) then
            error("API disabled in the current context", 2)
        end

        error("no request found")
    end

    if type(status) ~= "number" then
        status = tonumber(status)
    end

    local rc = C.mx_ffi_set_resp_status(r, status)
    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end
end


getters.headers_sent = function ()
    local r = get_request()
    if not r then
        if no_request_error(nil) then
            error("API disabled in the current context", 2)
        end

        error("no request found")
    end

    local rc = C.mx_ffi_headers_sent(r)
    if rc == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    return rc == 1
end


getters.is_subrequest = function ()
    local r = get_request()
    if not r then
        if no_request_error(nil) then
            error("API disabled in the current context", 2)
        end

        error("no request found")
    end

    -- a request without a client is refused like the rest of the
    -- request API; is_internal's C side (declared by resty.core.request,
    -- loaded with the API) tells it
    if C.mx_ffi_req_is_internal(r) == FFI_BAD_CONTEXT then
        error("API disabled in the current context", 2)
    end

    -- no subrequests yet
    return false
end


_M._VERSION = base.version
_M.version = base.version


return _M
