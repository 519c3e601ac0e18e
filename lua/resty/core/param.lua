-- ngx.arg: set_by_lua*'s extra arguments (ngx.arg[1..n], also given as
-- "..."), and body_filter_by_lua*'s chunk (ngx.arg[1]) and end (ngx.arg[2]),
-- which the filter may assign to change or end the body.


local ffi = require "ffi"
local base = require "resty.core.base"


local C = ffi.C
local ngx = ngx
local type = type
local error = error
local tostring = tostring
local setmetatable = setmetatable
local concat = table.concat
local ffi_str = ffi.string
local get_request = base.get_request
local get_string_buf = base.get_string_buf
local context_error = base.context_error
local FFI_OK = base.FFI_OK
local FFI_AGAIN = base.FFI_AGAIN


ffi.cdef[[
    int mx_ffi_setby_get_param(mx_http_request_t *r, int idx,
        const unsigned char **data, size_t *len);
    int mx_ffi_body_filter_get_body(mx_http_request_t *r,
        const unsigned char **data, size_t *len);
    int mx_ffi_body_filter_copy_body(mx_http_request_t *r,
        unsigned char *buf);
    int mx_ffi_body_filter_get_eof(mx_http_request_t *r);
    int mx_ffi_body_filter_set_body(mx_http_request_t *r,
        const unsigned char *data, size_t len);
    int mx_ffi_body_filter_set_eof(mx_http_request_t *r, int eof);
]]


-- MX_LUA_CONTEXT_*
local CONTEXT_SET = 0x0001
local CONTEXT_BODY_FILTER = 0x0040

local data_p = ffi.new("const unsigned char *[1]")
local len_p = ffi.new("size_t[1]")


local function get_param(tb, idx)
    local r = get_request()
    if not r then
        error("no request found")
    end

    local context = C.mx_ffi_get_phase(r)

    if context == CONTEXT_SET then
        if type(idx) ~= "number"
           or C.mx_ffi_setby_get_param(r, idx, data_p, len_p) ~= FFI_OK
        then
            return nil
        end

        -- not a tail call: a metamethod's trace cannot return to it
        local s = ffi_str(data_p[0], len_p[0])
        return s
    end

    if context == CONTEXT_BODY_FILTER then
        if idx == 1 then
            local rc = C.mx_ffi_body_filter_get_body(r, data_p, len_p)
            local s
            if rc == FFI_AGAIN then
                local buf = get_string_buf(len_p[0])
                C.mx_ffi_body_filter_copy_body(r, buf)
                s = ffi_str(buf, len_p[0])

            else
                s = ffi_str(data_p[0], len_p[0])
            end

            return s
        end

        if idx == 2 then
            return C.mx_ffi_body_filter_get_eof(r) == 1
        end

        return nil
    end

    -- lua-resty-core raises this one here, not at the caller
    error("API disabled in the current context")
end


-- what ngx.arg[1] may be given: a string, a number, nil (nothing), or an
-- array of those, as ngx.print takes them
local function flatten(t, out, n)
    for i = 1, #t do
        local v = t[i]
        local tv = type(v)

        if tv == "table" then
            n = flatten(v, out, n)

        elseif tv == "string" or tv == "number" then
            n = n + 1
            out[n] = tostring(v)

        elseif tv == "boolean" then
            n = n + 1
            out[n] = v and "true" or "false"

        elseif v == ngx.null then
            n = n + 1
            out[n] = "null"

        else
            error("bad argument #3 to '?' (bad data type " .. tv
                  .. " found)", 4)
        end
    end

    return n
end


local function set_param(tb, idx, value)
    local r = get_request()
    if not r then
        error("no request found")
    end

    local context = C.mx_ffi_get_phase(r)

    if context ~= CONTEXT_BODY_FILTER then
        error(context_error(context), 2)
    end

    if idx == 1 then
        local tv = type(value)

        if tv == "nil" then
            value = ""

        elseif tv == "number" then
            value = tostring(value)

        elseif tv == "table" then
            local out = {}
            local n = flatten(value, out, 0)
            value = concat(out, "", 1, n)

        elseif tv ~= "string" then
            error("bad argument #3 to '?' (string, number, boolean, nil, "
                  .. "or array table expected, but got " .. tv .. ")", 2)
        end

        C.mx_ffi_body_filter_set_body(r, value, #value)
        return
    end

    if idx == 2 then
        C.mx_ffi_body_filter_set_eof(r, value and 1 or 0)
        return
    end

    -- as lua-nginx-module, other keys are ignored in a body filter
end


ngx.arg = setmetatable({}, { __index = get_param, __newindex = set_param })


return {
    version = base.version
}
